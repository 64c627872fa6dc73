/**
 * The boot server of the network scenarios (docs/network.md): a test CA and a server certificate for the
 * address the guest sees the host at, a boot initramfs that pins that CA (and trusts the snakeoil key for the
 * enforce case), the served trees with their indexes made by `ukiboot list --json`, and HTTP and HTTPS servers
 * bound to 127.0.0.1. QEMU's user-mode network shows the host's loopback to the guest as 10.0.2.2, so nothing
 * leaves the machine.
 */
import { mkdirSync, readFileSync, existsSync, statSync } from "node:fs";
import { join, normalize } from "node:path";
import { debianParts } from "../../build/debian.ts";
import { buildInitramfs } from "../../build/initramfs.ts";
import { run } from "../../build/lib/run-command.ts";
import { buildOnce } from "./build-once.ts";
import { BOOT_KERNEL_CMDLINE, buildEspScenario, DEMO_ESP, type BuiltEsp, type EspScenario } from "./esp-scenarios.ts";
import { SNAKEOIL_CERT } from "./secure-boot.ts";

/** The host as the guest sees it through QEMU's user-mode network. */
export const HOST_FROM_GUEST = "10.0.2.2";
/** Fixed, so the ESP's entry files (and so its cached image) do not change from run to run. */
export const HTTP_PORT = 18080;
export const HTTPS_PORT = 18443;
export const HTTP_BASE = `http://${HOST_FROM_GUEST}:${HTTP_PORT}`;
export const HTTPS_BASE = `https://${HOST_FROM_GUEST}:${HTTPS_PORT}`;
/** An HTTPS server whose certificate another CA signed, one the boot initramfs does not pin. */
export const HTTPS_OTHER_CA_PORT = 18444;
export const HTTPS_OTHER_CA_BASE = `https://${HOST_FROM_GUEST}:${HTTPS_OTHER_CA_PORT}`;

/** QEMU's user-mode network with a virtio NIC: DHCP from QEMU, the host at 10.0.2.2. */
export const USER_NETWORK = ["-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0"];

/** A CA and a certificate for 10.0.2.2 signed by it, made once with openssl. */
export async function netTestCa(): Promise<{ ca: string; cert: string; key: string }> {
  const dir = await buildOnce("net-tls", { inputs: { san: HOST_FROM_GUEST, v: 1 }, code: import.meta.path, single: true }, async (out) => {
    const at = (n: string) => join(out, n);
    await run([
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      at("ca.key"),
      "-out",
      at("ca.crt"),
      "-days",
      "3650",
      "-subj",
      "/CN=ukiboot network test CA",
    ]);
    await run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", at("server.key"), "-out", at("server.csr"), "-subj", `/CN=${HOST_FROM_GUEST}`]);
    await Bun.write(at("server.ext"), `subjectAltName=IP:${HOST_FROM_GUEST}\n`);
    await run([
      "openssl",
      "x509",
      "-req",
      "-in",
      at("server.csr"),
      "-CA",
      at("ca.crt"),
      "-CAkey",
      at("ca.key"),
      "-set_serial",
      "2",
      "-days",
      "3650",
      "-extfile",
      at("server.ext"),
      "-out",
      at("server.crt"),
    ]);
  });
  return { ca: join(dir, "ca.crt"), cert: join(dir, "server.crt"), key: join(dir, "server.key") };
}

/**
 * A second CA, never pinned, and a certificate for 10.0.2.2 signed by it: valid in every respect (name, dates)
 * but its issuer, so the only reason to refuse it is the pin.
 */
export async function netOtherCa(): Promise<{ ca: string; cert: string; key: string }> {
  const dir = await buildOnce("net-tls-other-ca", { inputs: { san: HOST_FROM_GUEST }, code: import.meta.path, single: true }, async (out) => {
    const at = (n: string) => join(out, n);
    await run([
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      at("ca.key"),
      "-out",
      at("ca.crt"),
      "-days",
      "3650",
      "-subj",
      "/CN=another CA the boot does not pin",
    ]);
    await run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", at("server.key"), "-out", at("server.csr"), "-subj", `/CN=${HOST_FROM_GUEST}`]);
    await Bun.write(at("server.ext"), `subjectAltName=IP:${HOST_FROM_GUEST}\n`);
    await run([
      "openssl",
      "x509",
      "-req",
      "-in",
      at("server.csr"),
      "-CA",
      at("ca.crt"),
      "-CAkey",
      at("ca.key"),
      "-set_serial",
      "3",
      "-days",
      "3650",
      "-extfile",
      at("server.ext"),
      "-out",
      at("server.crt"),
    ]);
  });
  return { ca: join(dir, "ca.crt"), cert: join(dir, "server.crt"), key: join(dir, "server.key") };
}

/** The boot initramfs for network boots: dist/ukiboot with the test CA pinned and the snakeoil certificate as an anchor. */
export async function netInitramfs(binary: string): Promise<string> {
  const parts = await debianParts();
  const { ca } = await netTestCa();
  const dir = await buildOnce(
    "net-initramfs",
    { inputs: { kernel: parts.kernelVersion }, code: import.meta.path, single: true, files: [binary, ca, SNAKEOIL_CERT] },
    async (out) => {
      await buildInitramfs({
        binary,
        busybox: parts.busybox,
        modulesDir: parts.modulesDir,
        tlsCas: [ca],
        anchors: [SNAKEOIL_CERT],
        output: join(out, "initramfs.cpio.zst"),
      });
    },
  );
  return join(dir, "initramfs.cpio.zst");
}

/** Signed UKIs for the enforce case: a whole signed one, and one whose .cmdline changed after signing. */
export const NET_SIGNED_ESP: EspScenario = {
  name: "net-signed",
  files: [
    { kind: "target-uki", path: "EFI/Linux/target-2.0.efi", spec: { name: "tampered-2.0", version: "2.0" }, secureBoot: true, tamper: true },
    { kind: "target-uki", path: "EFI/Linux/target-1.0.efi", spec: { name: "signed-1.0", version: "1.0" }, secureBoot: true },
  ],
};

/**
 * The ESP of the uki-url scenarios: a Type #1 `uki-url` entry over HTTPS first, one whose URL the server
 * does not have second, one on the server whose certificate another CA signed third, and a local UKI last.
 */
export const NET_ESP: EspScenario = {
  name: "net-uki-url",
  files: [
    { kind: "text", path: "loader/entries/net.conf", text: `title Network target\nsort-key a\nuki-url ${HTTPS_BASE}/demo/EFI/Linux/target-2.0.efi\n` },
    { kind: "text", path: "loader/entries/gone.conf", text: `title Gone from the server\nsort-key b\nuki-url ${HTTP_BASE}/gone.efi\n` },
    {
      kind: "text",
      path: "loader/entries/other-ca.conf",
      text: `title Server of another CA\nsort-key c\nuki-url ${HTTPS_OTHER_CA_BASE}/demo/EFI/Linux/target-2.0.efi\n`,
    },
    { kind: "target-uki", path: "EFI/Linux/target-1.0.efi", spec: { name: "local-1.0", version: "1.0" } },
    { kind: "text", path: "loader/loader.conf", text: "timeout 0\n" },
  ],
};

export interface BootServer {
  /** Every request, as "http GET /path", "https GET /path" or "https-other-ca GET /path", in order. */
  requests: string[];
  stop(): void;
}

/**
 * Serves `trees` (URL prefix → directory) over HTTP on 127.0.0.1:18080, HTTPS on 127.0.0.1:18443, and HTTPS
 * with the other CA's certificate on 127.0.0.1:18444, each prefix with an index.json that
 * `ukiboot list --json --esp DIR` printed.
 */
export async function startBootServer(binary: string, trees: Record<string, string>): Promise<BootServer> {
  const { cert, key } = await netTestCa();
  const other = await netOtherCa();
  const indexes: Record<string, string> = {};
  for (const [prefix, dir] of Object.entries(trees)) {
    indexes[prefix] = (await run([binary, "list", "--json", "--esp", dir])).stdout;
  }
  const requests: string[] = [];
  const handler = (scheme: string) => (req: Request) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    requests.push(`${scheme} ${req.method} ${path}`);
    const [, prefix, ...rest] = path.split("/");
    const dir = prefix ? trees[prefix] : undefined;
    if (!dir || !prefix) return new Response("not found\n", { status: 404 });
    if (rest.join("/") === "index.json") return new Response(indexes[prefix], { headers: { "content-type": "application/json" } });
    const file = normalize(join(dir, ...rest));
    if (!file.startsWith(`${dir}/`) || !existsSync(file) || !statSync(file).isFile()) return new Response("not found\n", { status: 404 });
    return new Response(Bun.file(file));
  };
  const servers: ReturnType<typeof Bun.serve>[] = [
    Bun.serve({ hostname: "127.0.0.1", port: HTTP_PORT, fetch: handler("http") }),
    Bun.serve({ hostname: "127.0.0.1", port: HTTPS_PORT, tls: { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") }, fetch: handler("https") }),
    Bun.serve({
      hostname: "127.0.0.1",
      port: HTTPS_OTHER_CA_PORT,
      tls: { cert: readFileSync(other.cert, "utf8"), key: readFileSync(other.key, "utf8") },
      fetch: handler("https-other-ca"),
    }),
  ];
  return { requests, stop: () => servers.forEach((s) => s.stop(true)) };
}

/** The trees the scenarios serve: the demo ESP (`/demo`) and the signed and tampered UKIs (`/signed`). */
export async function servedTrees(initramfs: string): Promise<{ demo: BuiltEsp; signed: BuiltEsp }> {
  const demo = await buildEspScenario(DEMO_ESP, { initramfs });
  const signed = await buildEspScenario(NET_SIGNED_ESP);
  mkdirSync(signed.tree, { recursive: true });
  return { demo, signed };
}

/** The boot kernel's command line for a network boot of `url`. */
export function netCmdline(url: string, more = ""): string {
  return `${BOOT_KERNEL_CMDLINE} ukiboot.url=${url}${more ? ` ${more}` : ""}`;
}
