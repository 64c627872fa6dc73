/**
 * The real systemd-stub as the oracle (docs/initrd.md, docs/measurements.md): the same two-profile UKI of
 * the Debian system (test/lab/oracle-esp.ts), with add-ons, credentials and extensions, booted (a) by OVMF
 * through systemd-boot and the real systemd-stub, and (b) LinuxBoot-style through ukiboot, each with a
 * fresh swtpm. The target keeps its initrd (retain_initrd) and writes it to a scratch disk; the test
 * compares the bytes member by member, and PCRs 11, 12 and 13. Once with systemd 257 (a Type #2 UKI), once
 * with systemd 262: systemd-boot and systemd-stub 262, the UKI installed by `bootctl link` 262 as a Type #1
 * `uki` entry with extras, and global extensions.
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import type { DebianParts } from "../../build/debian.ts";
import { run } from "../../build/lib/run-command.ts";
import { digest, fromHex, toHex } from "../../src/bytes/digest.ts";
import { NodeFs } from "../../src/linux/node-fs.ts";
import { inspectTrust } from "../../src/report/inspect-trust.ts";
import type { MeasureLogRecord } from "../../src/tpm/event-log.ts";
import { emptyTrustStore } from "../../src/trust/trust-store.ts";
import { buildOnce } from "../lab/build-once.ts";
import { debianSystem, type DebianSystem } from "../lab/debian-system.ts";
import { makeGptDiskImage } from "../lab/disk-image.ts";
import { BOOT_KERNEL_CMDLINE } from "../lab/esp-scenarios.ts";
import { parseLabReport, pcrlockVerdicts, splitMeasurements, type LabReport } from "../lab/lab-report.ts";
import { ORACLE_262_ENTRIES, ORACLE_UKI, oracleEsp262Tree, oracleEspTree } from "../lab/oracle-esp.ts";
import { startQemuSwtpm, type QemuSwtpm } from "../lab/swtpm-socket.ts";
import type { VmOptions } from "../lab/qemu.ts";
import { BINARY, E2E_TIMEOUT_MS, e2eReady, INITRAMFS, keepConsole, perTestScratch, runScenario } from "../support/e2e.ts";
import { expectPcrValue } from "../support/pcr-value.ts";

let parts: DebianParts;
let system: DebianSystem;
/** The ESP trees and their disks, by systemd version. */
const trees: Record<number, { esp: string; disk: string }> = {};
const tpms: QemuSwtpm[] = [];

beforeAll(async () => {
  parts = await e2eReady();
  system = await debianSystem();
  for (const [version, make] of [
    [257, oracleEspTree],
    [262, oracleEsp262Tree],
  ] as const) {
    const esp = await make(system);
    const probe = version === 262 ? join(esp, "loader/entries", ORACLE_262_ENTRIES[0]) : join(esp, "EFI/Linux", ORACLE_UKI);
    const dir = await buildOnce(
      `oracle-disk-${version}`,
      { inputs: { system, version }, code: import.meta.path, single: true, files: [system.rootImage, probe] },
      async (out) => {
        await makeGptDiskImage(join(out, "disk.img"), [
          { kind: "esp", sizeMiB: 256, tree: esp },
          { kind: "root", sizeMiB: 600, image: system.rootImage },
        ]);
      },
    );
    trees[version] = { esp, disk: join(dir, "disk.img") };
  }
}, 900_000);

/** Each boot's disk copy and scratch disk: removed after its test. */
const scratchDir = perTestScratch();
afterEach(async () => {
  for (const t of tpms.splice(0)) await t.stop();
});

const MTOOLS = { env: { MTOOLS_SKIP_CHECK: "1" } };

interface Booted {
  report: LabReport;
  initrd: Uint8Array;
}

/** A copy of the disk whose loader.conf makes `default` the default, and an empty scratch disk. */
async function disksFor(disk: string, defaultId: string): Promise<{ image: string; scratch: string }> {
  const dir = scratchDir("ukiboot-oracle-");
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
async function bootAndDump(
  name: string,
  options: (image: string, scratch: string, tpm: string) => VmOptions,
  disk: string,
  defaultId: string,
): Promise<Booted> {
  const { image, scratch } = await disksFor(disk, defaultId);
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

/** `from` extended with each record's SHA-256 digest, as the TPM does it: PCR := H(PCR ‖ digest). */
function extendSha256(from: string, records: MeasureLogRecord[]): string {
  let pcr = fromHex(from)!;
  for (const r of records) {
    const d = r.digests.find((x) => x.algorithm === "sha256");
    if (!d) throw new Error(`The target logged a PCR ${r.pcr} extend ("${r.description}") without a SHA-256 digest`);
    pcr = digest("sha256", pcr, d.digest);
  }
  return toHex(pcr);
}

interface PlannedMember {
  kind: string;
  origin?: string;
  offset: number;
  size: number;
}

/** ukiboot's plan of the entry on the same ESP: the members systemd-stub's initrd must be made of. */
async function planOf(espTree: string, entryId: string): Promise<{ members: PlannedMember[]; size: number }> {
  const { stdout } = await run([BINARY, "plan", entryId, "--esp", espTree, "--efivarfs", "/nonexistent", "--verify", "off", "--json"]);
  const plan = JSON.parse(stdout) as { initrd: { size: number; members: PlannedMember[] } };
  return plan.initrd;
}

/** The cases: systemd 257's Type #2 UKI, both profiles; systemd 262's `bootctl link` entry of profile 1 with extras. */
const CASES: { systemd: 257 | 262; profile: number; entryId: string; what: string }[] = [
  // A profile's entry id carries its ID= from .profile, as systemd-boot names it.
  { systemd: 257, profile: 0, entryId: ORACLE_UKI, what: "a Type #2 UKI" },
  { systemd: 257, profile: 1, entryId: `${ORACLE_UKI}@second`, what: "a Type #2 UKI" },
  { systemd: 262, profile: 1, entryId: ORACLE_262_ENTRIES[1], what: "a bootctl link entry with extras and global extensions" },
];

/**
 * systemd-stub's boot-secret archive in its initrd, when there is one: a cpio archive whose file is
 * `.extra/boot-secret`, starting where ukiboot's plan has the first member after `.profile` (or its end).
 */
function bootSecretArchive(initrd: Uint8Array, plan: { members: PlannedMember[]; size: number }): { offset: number; size: number } | undefined {
  const i = plan.members.findIndex((m) => m.kind === "profile");
  if (i < 0) return undefined;
  const p = plan.members[i]!;
  const offset = p.offset + Math.ceil(p.size / 4) * 4;
  const text = new TextDecoder("latin1").decode(initrd.subarray(offset, offset + 1024));
  if (!text.startsWith("070701") || !text.includes(".extra/boot-secret")) return undefined;
  const trailer = text.indexOf("TRAILER!!!");
  // The trailer's name and its NUL, padded to 4 bytes; the archive itself is padded to 4 in the initrd.
  const end = trailer + "TRAILER!!!".length + 1;
  return { offset, size: Math.ceil(end / 4) * 4 };
}

describe("the real systemd-stub as the oracle", () => {
  for (const { systemd, profile, entryId, what } of CASES) {
    const tag = systemd === 257 ? `profile-${profile}` : `262-link-profile-${profile}`;
    test(
      `systemd ${systemd}, ${what}, profile ${profile}: the initrd, member by member, and PCRs 11, 12 and 13 equal what systemd-stub gives the kernel`,
      async () => {
        const { esp, disk } = trees[systemd]!;
        const stub = await bootAndDump(
          `oracle-stub-${tag}`,
          (image, scratch, tpm) => ({
            firmware: "ovmf",
            disks: [
              { path: image, iface: "nvme" },
              { path: scratch, iface: "virtio" },
            ],
            tpmSocket: tpm,
          }),
          disk,
          entryId,
        );
        const ukiboot = await bootAndDump(
          `oracle-ukiboot-${tag}`,
          (image, scratch, tpm) => ({
            kernel: parts.vmlinuz,
            initrd: INITRAMFS,
            append: BOOT_KERNEL_CMDLINE,
            disks: [
              { path: image, iface: "nvme" },
              { path: scratch, iface: "virtio" },
            ],
            tpmSocket: tpm,
          }),
          disk,
          entryId,
        );
        expect(stub.report.cmdline).toContain(`lab.oracle-profile=${profile}`);
        expect(ukiboot.report.cmdline).toContain(`lab.oracle-profile=${profile}`);

        const plan = await planOf(esp, entryId);
        // systemd-stub 261+ passes /.extra/boot-secret, derived from an EFI variable only the firmware phase can
        // read (docs/initrd.md §3), right after the .profile archive. No loader running on Linux can make it:
        // take it out of the stub's initrd before comparing, and say so.
        const secret = bootSecretArchive(stub.initrd, plan);
        if (secret) {
          console.log(`[oracle ${tag}] systemd-stub's /.extra/boot-secret archive at ${secret.offset}, ${secret.size} bytes: left out of the comparison`);
          stub.initrd = new Uint8Array([...stub.initrd.subarray(0, secret.offset), ...stub.initrd.subarray(secret.offset + secret.size)]);
        }
        if (systemd === 262) {
          // systemd-boot's archives of the entry's extras and the stub's global extensions are really there.
          expect(plan.members.map((m) => m.kind)).toEqual(
            expect.arrayContaining(["entry-credentials", "entry-sysext", "entry-confext", "global-sysext", "global-confext"]),
          );
          expect(stub.report.extras).toEqual(
            expect.arrayContaining([".extra/credentials/entry.cred", ".extra/sysext/entry.sysext.raw", ".extra/global_confext/global.confext.raw"]),
          );
        }
        const rows: string[] = [];
        for (const m of plan.members) {
          const a = sha256(stub.initrd.subarray(m.offset, m.offset + m.size));
          const b = sha256(ukiboot.initrd.subarray(m.offset, m.offset + m.size));
          rows.push(
            `${String(m.offset).padStart(10)} ${String(m.size).padStart(10)} ${a.slice(0, 16)} ${a === b ? "==" : "!="} ${b.slice(0, 16)} ${m.kind}${m.origin ? ` (${m.origin})` : ""}`,
          );
        }
        console.log(`[oracle ${tag}] offset, size, SHA-256 under systemd-stub == under ukiboot, member:\n${rows.join("\n")}`);
        // systemd-stub's initrd is exactly the members of ukiboot's plan, in its order.
        expect(stub.initrd.length).toBe(plan.size);
        if (!secret) expect(stub.report.initrd!.sha256).toBe(sha256(stub.initrd));
        expect(rows.filter((r) => r.includes(" != "))).toEqual([]);
        // Inherent: ukiboot adds one archive after them, its measurement log for the target (/.extra/tpm2-measure.log).
        expect(sha256(ukiboot.initrd.subarray(0, plan.size))).toBe(sha256(stub.initrd));
        expect(new TextDecoder("latin1").decode(ukiboot.initrd.subarray(plan.size))).toContain(".extra/tpm2-measure.log");

        // Every PCR compared below is a value the target read: a boot without a PCR file prints "none", and
        // two such boots would compare equal.
        const pcr = (b: Booted, index: number) =>
          expectPcrValue(b.report.pcrs[index], `PCR ${index} under ${b === stub ? "systemd-stub" : "ukiboot"} (systemd ${systemd}, ${tag})`);
        expect(pcr(ukiboot, 12)).toBe(pcr(stub, 12));
        expect(pcr(ukiboot, 13)).toBe(pcr(stub, 13));
        expect(pcr(stub, 12)).not.toBe("0".repeat(64));
        // PCR 11 too: OVMF and systemd-boot measure nothing into it, so under the stub it holds the UKI's sections
        // and then the phases the target's systemd extended; ukiboot (PCR 11 zero at the start) must put the same
        // sections there. The phases are the target's own doing: under systemd-stub the stock units run
        // `systemd-pcrextend --graceful`, which skips a phase without a word when it finds no TPM ready. A CI run
        // once ended with a different PCR 11 under each, and its report could not say which boot had measured
        // what. So each PCR 11 is checked against the sections ukiboot predicts followed by the phases that
        // boot's systemd logged, and ukiboot's boot (forced, not graceful: docs/measurements.md §4) must have
        // logged all four.
        const uki = plan.members.find((m) => m.kind === "initrd")!.origin!;
        const sections = (await inspectTrust(new NodeFs(), uki, { store: emptyTrustStore(), lockdown: undefined })).pcr11![profile]!.sha256;
        const handedOver = (b: Booted) => splitMeasurements(b.report).handedOver;
        const phasesOf = (b: Booted) => splitMeasurements(b.report).own.filter((m) => m.pcr === 11);
        const words = (b: Booted) => phasesOf(b).map((m) => m.description);
        console.log(
          `[oracle ${tag}] PCR 11 from the sections ${sections}; phases logged under systemd-stub [${words(stub).join(", ")}], under ukiboot [${words(ukiboot).join(", ")}]`,
        );
        for (const [who, b] of [
          ["systemd-stub", stub],
          ["ukiboot", ukiboot],
        ] as const) {
          if (words(b).length < 4) console.log(`[oracle ${tag}] under ${who}, the phase units' journal:\n${b.report.pcrphaseJournal.join("\n")}`);
        }
        console.log(`[oracle ${tag}] PCR 11: systemd-stub ${stub.report.pcrs[11]}, ukiboot ${ukiboot.report.pcrs[11]}`);
        expect([...stub.report.unreadableMeasurements, ...ukiboot.report.unreadableMeasurements]).toEqual([]);
        expect(words(ukiboot)).toEqual(["enter-initrd", "leave-initrd", "sysinit", "ready"]);
        expect(pcr(stub, 11)).toBe(extendSha256(sections, phasesOf(stub)));
        expect(pcr(ukiboot, 11)).toBe(extendSha256(sections, phasesOf(ukiboot)));
        if (words(stub).join() === words(ukiboot).join()) expect(pcr(ukiboot, 11)).toBe(pcr(stub, 11));

        // What a verifier relies on: the real systemd-pcrlock of the target replays the firmware's log and the
        // userspace log to what the TPM holds, after a boot through systemd-stub and after one through ukiboot.
        expect(handedOver(stub)).toEqual([]);
        const handed = handedOver(ukiboot);
        expect(handed.map((m) => m.pcr)).toEqual(expect.arrayContaining([11, 12]));
        expect(ukiboot.report.measurements.slice(0, handed.length)).toEqual(handed);
        expect(
          extendSha256(
            "0".repeat(64),
            handed.filter((m) => m.pcr === 11),
          ),
        ).toBe(sections);
        for (const [who, b] of [
          ["systemd-stub", stub],
          ["ukiboot", ukiboot],
        ] as const) {
          const verdicts = pcrlockVerdicts(b.report);
          const rows = [11, 12, 13].map((i) => `PCR ${i} ${verdicts.get(i)?.hashMatchesEventLog ? "replays" : "does NOT replay"}`);
          console.log(`[oracle ${tag}] systemd-pcrlock log under ${who} (exit status ${b.report.pcrlock!.status}): ${rows.join(", ")}`);
          for (const i of [11, 12, 13]) expect(`${who}: ${rows[i - 11]}`).toBe(`${who}: PCR ${i} replays`);
        }
      },
      E2E_TIMEOUT_MS * 2,
    );
  }
});
