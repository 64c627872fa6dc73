/**
 * The real systemd-stub as the oracle (docs/initrd.md, docs/measurements.md): the same two-profile UKI of
 * the Debian system (test/lab/oracle-esp.ts), with add-ons, credentials and extensions, booted (a) by OVMF
 * through systemd-boot and the real systemd-stub, and (b) LinuxBoot-style through ukiboot, each with a
 * fresh swtpm. The target keeps its initrd (retain_initrd) and writes it to a scratch disk; the test
 * compares the bytes member by member, and PCRs 12 and 13.
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { DebianParts } from "../../build/debian.ts";
import { run } from "../../build/lib/run-command.ts";
import { buildOnce } from "../lab/build-once.ts";
import { debianSystem, type DebianSystem } from "../lab/debian-system.ts";
import { makeGptDiskImage } from "../lab/disk-image.ts";
import { BOOT_KERNEL_CMDLINE } from "../lab/esp-scenarios.ts";
import { parseLabReport, type LabReport } from "../lab/lab-report.ts";
import { ORACLE_UKI, oracleEspTree } from "../lab/oracle-esp.ts";
import { startQemuSwtpm, type QemuSwtpm } from "../lab/swtpm-socket.ts";
import type { VmOptions } from "../lab/qemu.ts";
import { BINARY, E2E_TIMEOUT_MS, e2eReady, INITRAMFS, keepConsole, runScenario } from "../support/e2e.ts";

let parts: DebianParts;
let system: DebianSystem;
let espTree: string;
let disk: string;
const tpms: QemuSwtpm[] = [];

beforeAll(async () => {
  parts = await e2eReady();
  system = await debianSystem();
  espTree = await oracleEspTree(system);
  const dir = await buildOnce("oracle-disk", { inputs: { system }, code: import.meta.path, single: true, files: [system.rootImage, join(espTree, "EFI/Linux", ORACLE_UKI)] }, async (out) => {
    await makeGptDiskImage(join(out, "disk.img"), [
      { kind: "esp", sizeMiB: 256, tree: espTree },
      { kind: "root", sizeMiB: 600, image: system.rootImage },
    ]);
  });
  disk = join(dir, "disk.img");
}, 900_000);

afterEach(async () => {
  for (const t of tpms.splice(0)) await t.stop();
});

const MTOOLS = { env: { MTOOLS_SKIP_CHECK: "1" } };


interface Booted {
  report: LabReport;
  initrd: Uint8Array;
}

/** A copy of the disk whose loader.conf makes `default` the default, and an empty scratch disk. */
async function disksFor(defaultId: string): Promise<{ image: string; scratch: string }> {
  const dir = mkdtempSync(join(tmpdir(), "ukiboot-oracle-"));
  const image = join(dir, "disk.img");
  await run(["cp", "--sparse=always", disk, image]);
  const conf = join(dir, "loader.conf");
  writeFileSync(conf, `timeout 0\ndefault ${defaultId}\n`);
  await run(["mcopy", "-o", "-i", `${image}@@1M`, conf, "::/loader/loader.conf"], MTOOLS);
  const scratch = join(dir, "scratch.img");
  await run(["truncate", "-s", "256M", scratch]);
  return { image, scratch };
}

/** Boots, waits for the report, and reads back the initrd the target wrote to the scratch disk. */
async function bootAndDump(name: string, options: (image: string, scratch: string, tpm: string) => VmOptions, defaultId: string): Promise<Booted> {
  const { image, scratch } = await disksFor(defaultId);
  const report = await runScenario(
    name,
    () => {
      const tpm = startQemuSwtpm();
      tpms.push(tpm);
      return options(image, scratch, tpm.socket);
    },
    async (vm) => {
      await vm.expect(/LAB-REPORT-END/, 480_000).finally(() => keepConsole(name, vm.output));
      const r = parseLabReport(vm.output);
      if (!r?.initrd?.dumped) throw new Error(`The target did not hand back its initrd:\n${vm.tail()}`);
      await Promise.race([vm.exited, Bun.sleep(60_000)]);
      return r;
    },
  );
  const initrd = new Uint8Array(report.initrd!.size);
  const fd = openSync(scratch, "r");
  try {
    readSync(fd, initrd, 0, initrd.length, 0);
  } finally {
    closeSync(fd);
  }
  return { report, initrd };
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

interface PlannedMember {
  kind: string;
  origin?: string;
  offset: number;
  size: number;
}

/** ukiboot's plan of the entry on the same ESP: the members systemd-stub's initrd must be made of. */
async function planOf(entryId: string): Promise<{ members: PlannedMember[]; size: number }> {
  const { stdout } = await run([BINARY, "plan", entryId, "--esp", espTree, "--efivarfs", "/nonexistent", "--verify", "off", "--json"]);
  const plan = JSON.parse(stdout) as { initrd: { size: number; members: PlannedMember[] } };
  return plan.initrd;
}

describe("the real systemd-stub as the oracle", () => {
  for (const profile of [0, 1]) {
    // A profile's entry id carries its ID= from .profile, as systemd-boot names it.
    const entryId = profile === 0 ? ORACLE_UKI : `${ORACLE_UKI}@second`;
    test(
      `profile ${profile}: the initrd, member by member, and PCRs 12 and 13 equal what systemd-stub gives the kernel`,
      async () => {
        const stub = await bootAndDump(`oracle-stub-profile-${profile}`, (image, scratch, tpm) => ({
          firmware: "ovmf",
          disks: [{ path: image, iface: "nvme" }, { path: scratch, iface: "virtio" }],
          tpmSocket: tpm,
        }), entryId);
        const ukiboot = await bootAndDump(`oracle-ukiboot-profile-${profile}`, (image, scratch, tpm) => ({
          kernel: parts.vmlinuz,
          initrd: INITRAMFS,
          append: BOOT_KERNEL_CMDLINE,
          disks: [{ path: image, iface: "nvme" }, { path: scratch, iface: "virtio" }],
          tpmSocket: tpm,
        }), entryId);
        expect(stub.report.cmdline).toContain(`lab.oracle-profile=${profile}`);
        expect(ukiboot.report.cmdline).toContain(`lab.oracle-profile=${profile}`);

        const plan = await planOf(entryId);
        const rows: string[] = [];
        for (const m of plan.members) {
          const a = sha256(stub.initrd.subarray(m.offset, m.offset + m.size));
          const b = sha256(ukiboot.initrd.subarray(m.offset, m.offset + m.size));
          rows.push(`${String(m.offset).padStart(10)} ${String(m.size).padStart(10)} ${a.slice(0, 16)} ${a === b ? "==" : "!="} ${b.slice(0, 16)} ${m.kind}${m.origin ? ` (${m.origin})` : ""}`);
        }
        console.log(`[oracle profile ${profile}] offset, size, SHA-256 under systemd-stub == under ukiboot, member:\n${rows.join("\n")}`);
        // systemd-stub's initrd is exactly the members of ukiboot's plan, in its order.
        expect(stub.initrd.length).toBe(plan.size);
        expect(stub.report.initrd!.sha256).toBe(sha256(stub.initrd));
        expect(rows.filter((r) => r.includes(" != "))).toEqual([]);
        // Inherent: ukiboot adds one archive after them, its measurement log for the target (/.extra/tpm2-measure.log).
        expect(sha256(ukiboot.initrd.subarray(0, plan.size))).toBe(sha256(stub.initrd));
        expect(new TextDecoder("latin1").decode(ukiboot.initrd.subarray(plan.size))).toContain(".extra/tpm2-measure.log");

        expect(ukiboot.report.pcrs[12]).toBe(stub.report.pcrs[12]!);
        expect(ukiboot.report.pcrs[13]).toBe(stub.report.pcrs[13]!);
        expect(stub.report.pcrs[12]).not.toBe("0".repeat(64));
        // PCR 11 too: OVMF and systemd-boot measure nothing into it, so under the stub it holds the UKI's sections
        // and systemd's phases, and ukiboot (PCR 11 zero at the start) puts the same there.
        console.log(`[oracle profile ${profile}] PCR 11: systemd-stub ${stub.report.pcrs[11]}, ukiboot ${ukiboot.report.pcrs[11]}`);
        expect(ukiboot.report.pcrs[11]).toBe(stub.report.pcrs[11]!);
      },
      E2E_TIMEOUT_MS * 2,
    );
  }
});
