/**
 * Network boot end to end (docs/network.md): the Debian kernel with ukiboot's initramfs, LinuxBoot style, on
 * QEMU's user-mode network with a virtio NIC. HTTP and HTTPS servers on the host's 127.0.0.1 (the guest sees
 * them at 10.0.2.2) serve the demo UKIs and signed ones, each tree with the index `ukiboot list --json` made.
 * (a) no disk at all, ukiboot.url= names an index; (b) an ESP's `uki-url` entry over HTTPS with a pinned CA;
 * (c) the server answers 404, the next entry's server shows a certificate from a CA that is not pinned and
 * is refused, and the local entry boots; (d) under enforce, a tampered UKI served over HTTPS is refused and
 * the signed one after it boots.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { DebianParts } from "../../build/debian.ts";
import { BOOT_KERNEL_CMDLINE, buildEspScenario, type BuiltEsp } from "../lab/esp-scenarios.ts";
import {
  HTTP_BASE,
  HTTPS_BASE,
  HTTPS_OTHER_CA_BASE,
  NET_ESP,
  netCmdline,
  netInitramfs,
  servedTrees,
  startBootServer,
  USER_NETWORK,
  type BootServer,
} from "../lab/net-lab.ts";
import { parseTargetReport } from "../lab/target-system.ts";
import type { Vm } from "../lab/qemu.ts";
import { BINARY, E2E_TIMEOUT_MS, e2eReady, INITRAMFS, keepConsole, runScenario } from "../support/e2e.ts";

let parts: DebianParts;
let initramfs: string;
let esp: BuiltEsp;
let server: BootServer;

beforeAll(async () => {
  parts = await e2eReady();
  initramfs = await netInitramfs(BINARY);
  const trees = await servedTrees(INITRAMFS);
  esp = await buildEspScenario(NET_ESP);
  server = await startBootServer(BINARY, { demo: trees.demo.tree, signed: trees.signed.tree });
}, 900_000);

afterAll(() => server?.stop());

async function boot(name: string, append: string, disk: boolean, until: RegExp): Promise<string> {
  return runScenario(
    name,
    () => ({
      kernel: parts.vmlinuz,
      initrd: initramfs,
      append,
      ...(disk ? { disks: [{ path: esp.image, iface: "nvme" as const }] } : {}),
      extraArgs: USER_NETWORK,
    }),
    async (vm: Vm) => {
      await vm.expect(until, 300_000).finally(() => keepConsole(name, vm.output));
      return vm.output;
    },
  );
}

describe("network boot", () => {
  test(
    "(a) diskless: ukiboot.url= names an index; DHCP, the index, and its default UKI boot",
    async () => {
      const log = await boot("net-diskless-index", netCmdline(`${HTTP_BASE}/demo/index.json`), false, /UKIBOOT-TARGET-END/);
      expect(log).toContain(`ukiboot: no ESP found; booting from ukiboot.url=${HTTP_BASE}/demo/index.json only`);
      expect(log).toMatch(/ukiboot: loaded network drivers: .*\bvirtio_net\b/);
      expect(log).toMatch(/ukiboot: network: eth0 10\.0\.2\.15\/24, gateway 10\.0\.2\.2, DNS 10\.0\.2\.3 \(DHCP\) \(\d+ ms\)/);
      expect(log).toMatch(new RegExp(`ukiboot: fetching ${HTTP_BASE}/demo/EFI/Linux/target-2\\.0\\.efi: [\\d.]+ MiB of [\\d.]+ MiB`));
      expect(parseTargetReport(log)?.name).toBe("demo-2.0");
      expect(server.requests).toEqual(expect.arrayContaining(["http GET /demo/index.json", "http GET /demo/EFI/Linux/target-2.0.efi"]));
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "(b) an ESP's uki-url entry over HTTPS, checked against the pinned CA, boots the served UKI",
    async () => {
      const log = await boot("net-uki-url-https", BOOT_KERNEL_CMDLINE, true, /UKIBOOT-TARGET-END/);
      expect(log).toContain('ukiboot: default entry: "Network target" (net.conf), chosen by first');
      expect(log).toContain(`ukiboot: "${HTTPS_BASE}/demo/EFI/Linux/target-2.0.efi": it is not signed (warn because`);
      expect(log).toContain(`ukiboot: fetching "Network target" from ${HTTPS_BASE}/demo/EFI/Linux/target-2.0.efi`);
      expect(parseTargetReport(log)?.name).toBe("demo-2.0");
      expect(parseTargetReport(log)?.cmdline).toContain("systemd.set_credential=ukiboot.booted-entry:net.conf");
      expect(server.requests).toContain("https GET /demo/EFI/Linux/target-2.0.efi");
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "(c) the server answers 404, then the next server's certificate is from a CA that is not pinned: a clear message naming each URL, and the local entry boots",
    async () => {
      const log = await boot("net-404-fallback", `${BOOT_KERNEL_CMDLINE} ukiboot.entry=gone.conf`, true, /UKIBOOT-TARGET-END/);
      expect(log).toContain(`ukiboot: Cannot download "${HTTP_BASE}/gone.efi": the server answered 404 Not Found`);
      expect(log).toContain('ukiboot: trying the next entry, "Server of another CA" (other-ca.conf)');
      // A certificate valid in every respect but its issuer: only the pinned CA counts, not Bun's own.
      expect(log).toContain(
        `ukiboot: Cannot download "${HTTPS_OTHER_CA_BASE}/demo/EFI/Linux/target-2.0.efi": the server's certificate is not signed by a trusted CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`,
      );
      expect(log).toContain('ukiboot: trying the next entry, "Target OS local-1.0" (target-1.0.efi)');
      expect(parseTargetReport(log)?.name).toBe("local-1.0");
      // Refused in the TLS handshake: the request never reached that server.
      expect(server.requests.filter((r) => r.startsWith("https-other-ca "))).toEqual([]);
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "(d) under enforce a tampered UKI served over HTTPS is refused; the signed one after it boots",
    async () => {
      const log = await boot("net-enforce-tampered", netCmdline(`${HTTPS_BASE}/signed/index.json`, "ukiboot.verify=enforce"), false, /UKIBOOT-TARGET-END/);
      expect(log).toContain(`ukiboot: Cannot boot "${HTTPS_BASE}/signed/EFI/Linux/target-2.0.efi": `);
      expect(log).not.toContain("/proc/self/fd");
      const report = parseTargetReport(log);
      expect(report?.name).toBe("signed-1.0");
      expect(server.requests).toEqual(expect.arrayContaining(["https GET /signed/EFI/Linux/target-2.0.efi", "https GET /signed/EFI/Linux/target-1.0.efi"]));
    },
    E2E_TIMEOUT_MS,
  );
});
