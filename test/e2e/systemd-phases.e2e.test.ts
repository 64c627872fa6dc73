/**
 * docs/measurements.md §4, proven with the real systemd 257 (Debian trixie) in QEMU with swtpm: which
 * kernel command-line words make the stock pcrphase units measure the boot phases into PCR 11 when no
 * systemd-stub ran (so StubPcrKernelImage is absent), as after a ukiboot kexec.
 *
 * The target is booted directly (`-kernel`, no UKI), so PCR 11 starts at zero and the only extensions are
 * systemd's, and the expected values are H(H(0 ‖ H("enter-initrd")) ‖ …) computed here with node:crypto.
 * "EFI" boots run OVMF (its QEMU kernel loader starts the kernel's own EFI stub, which measures nothing
 * into PCR 11); "LinuxBoot" boots run SeaBIOS, so there is no /sys/firmware/efi at all.
 */
import { createHash } from "node:crypto";
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { debianParts, type DebianParts, ensureHostTools } from "../../build/debian.ts";
import { startQemuSwtpm, type QemuSwtpm } from "../lab/swtpm-socket.ts";
import { pcrphaseWithoutEfiCredentialWords } from "../../src/tpm/phase-measure-words.ts";
import { FORCE_MEASURE_WORDS, SWITCH_ROOT_WORD, SYSTEMD_TARGET_CMDLINE } from "../lab/systemd-target/cmdline.ts";
import { buildSystemdTargetInitrd } from "../lab/systemd-target/initrd.ts";
import { parseSystemdTargetReport, type SystemdTargetReport, type SystemdTargetStage } from "../lab/systemd-target/report.ts";
import { E2E_TIMEOUT_MS, runScenario } from "../support/e2e.ts";
import { expectPcrValue } from "../support/pcr-value.ts";

let parts: DebianParts;
let initrd: string;
const tpms: QemuSwtpm[] = [];

beforeAll(async () => {
  await ensureHostTools({ programs: { swtpm: "swtpm" } });
  parts = await debianParts();
  initrd = (await buildSystemdTargetInitrd({ busybox: parts.busybox })).path;
}, 600_000);

afterEach(async () => {
  for (const t of tpms.splice(0)) await t.stop();
});

const ZERO = "00".repeat(32);
const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest();

/** PCR 11 (sha256) from zero extended with each phase word, as systemd-pcrextend does it: UTF-8, no NUL. */
function phasePcr(words: string[]): string {
  let pcr: Buffer = Buffer.alloc(32);
  for (const w of words) pcr = sha256(Buffer.concat([pcr, sha256(w)]));
  return pcr.toString("hex");
}

/** Boots the systemd target with a fresh swtpm (one per attempt) and returns the report of `until` and the console. */
async function bootTarget(
  name: string,
  opts: { efi: boolean; words: string[]; until: SystemdTargetStage },
): Promise<{ reports: Partial<Record<SystemdTargetStage, SystemdTargetReport>>; log: string }> {
  return runScenario(
    `systemd-phases-${name}`,
    () => {
      const tpm = startQemuSwtpm();
      tpms.push(tpm);
      return {
        kernel: parts.vmlinuz,
        initrd,
        append: [SYSTEMD_TARGET_CMDLINE, ...opts.words].join(" "),
        tpmSocket: tpm.socket,
        ...(opts.efi ? { firmware: "ovmf" as const } : {}),
      };
    },
    async (vm) => {
      // A TCG boot of this initrd takes 6-20 s here; the deadline leaves room for a slow machine.
      await vm.expect(new RegExp(`SYSTEMD-TARGET-END stage=${opts.until}`), 180_000);
      const reports: Partial<Record<SystemdTargetStage, SystemdTargetReport>> = {};
      for (const stage of ["initrd", "host"] as const) {
        const r = parseSystemdTargetReport(vm.output, stage);
        if (r) reports[stage] = r;
      }
      return { reports, log: vm.output.replace(/\r/g, "") };
    },
  );
}

/** The phase words of the records in systemd's userspace measure log, after checking each record's sha256 digest. */
function loggedPhases(report: SystemdTargetReport): string[] {
  return (report.measureLog ?? []).map((rec) => {
    const r = rec as { pcr: number; digests: { hashAlg: string; digest: string }[]; content: { eventType: string; string: string } };
    expect(r.pcr).toBe(11);
    expect(r.content.eventType).toBe("phase");
    expect(r.digests.find((d) => d.hashAlg === "sha256")?.digest).toBe(sha256(r.content.string).toString("hex"));
    return r.content.string;
  });
}

const PCRPHASE_INITRD = "systemd-pcrphase-initrd.service";

describe("systemd 257 pcrphase without systemd-stub (docs/measurements.md §4)", () => {
  test("the expected values are the plain extend chain (self-check of phasePcr against a hand-computed value)", () => {
    // H(0^32 ‖ H("enter-initrd")), computed once with Python's hashlib and checked by hand.
    expect(phasePcr(["enter-initrd"])).toBe("d15b0e8e244e65c40f024e95773f2347ce4ef3ffe6b597c9a14b50bbab6df319");
    expect(phasePcr([])).toBe(ZERO);
  });

  // Each row: boot, what PID 1 and the manager saw, whether the unit's condition passed, and PCR 11.
  const SKIPS: { name: string; efi: boolean; words: string[]; pid1: boolean; manager: boolean; condition: "yes" | "no"; why: string | null }[] = [
    { name: "efi-no-override", efi: true, words: [], pid1: false, manager: false, condition: "no", why: null },
    // PID 1 passes ConditionSecurity=measured-uki, but systemd-pcrextend's own efi_measured_uki() has no override.
    {
      name: "efi-pid1-env-only",
      efi: true,
      words: [FORCE_MEASURE_WORDS[0]],
      pid1: true,
      manager: false,
      condition: "yes",
      why: "Kernel stub did not measure kernel image into PCR 11, skipping userspace measurement, too.",
    },
    // The services would have it, but PID 1 skips the unit on its condition first.
    { name: "efi-setenv-only", efi: true, words: [FORCE_MEASURE_WORDS[1]], pid1: false, manager: true, condition: "no", why: null },
    // Both words, but no EFI: --graceful gives up because efi_has_tpm2() needs /sys/firmware/efi.
    {
      name: "linuxboot-both-words",
      efi: false,
      words: [...FORCE_MEASURE_WORDS],
      pid1: true,
      manager: true,
      condition: "yes",
      why: "No complete TPM2 support detected, exiting gracefully.",
    },
  ];

  for (const row of SKIPS) {
    test(
      `${row.name}: enter-initrd is not measured, PCR 11 stays zero`,
      async () => {
        const { reports, log } = await bootTarget(row.name, { efi: row.efi, words: row.words, until: "initrd" });
        const r = reports.initrd!;
        expect(r.efi).toBe(row.efi);
        expect(r.pid1Env).toBe(row.pid1 ? "SYSTEMD_FORCE_MEASURE=1" : null);
        expect(r.managerEnv).toBe(row.manager ? "SYSTEMD_FORCE_MEASURE=1" : null);
        expect(r.units[PCRPHASE_INITRD]?.ConditionResult).toBe(row.condition);
        if (row.why) expect(log).toContain(row.why);
        expect(log).not.toContain("Extended PCR index 11");
        expect(r.measureLog).toBeNull();
        expect(expectPcrValue(r.pcr11, `PCR 11 of the ${row.name} boot's initrd`)).toBe(ZERO);
      },
      E2E_TIMEOUT_MS,
    );
  }

  test(
    "EFI boot with both words: enter-initrd in the initrd, then leave-initrd, sysinit and ready after switch-root",
    async () => {
      const { reports, log } = await bootTarget("efi-both-words", { efi: true, words: [...FORCE_MEASURE_WORDS, SWITCH_ROOT_WORD], until: "host" });
      const initrdReport = reports.initrd!;
      expect(initrdReport.efi).toBe(true);
      expect(initrdReport.acpiTpm2).toBe(true);
      expect(initrdReport.pid1Env).toBe("SYSTEMD_FORCE_MEASURE=1");
      expect(initrdReport.managerEnv).toBe("SYSTEMD_FORCE_MEASURE=1");
      expect(initrdReport.units[PCRPHASE_INITRD]).toMatchObject({ ConditionResult: "yes", ActiveState: "active", Result: "success" });
      expect(loggedPhases(initrdReport)).toEqual(["enter-initrd"]);
      expect(expectPcrValue(initrdReport.pcr11, "PCR 11 of the EFI boot's initrd")).toBe(phasePcr(["enter-initrd"]));

      // PID 1 keeps its kernel-given environment across switch-root, and re-reads systemd.setenv=.
      const host = reports.host!;
      expect(host.pid1Env).toBe("SYSTEMD_FORCE_MEASURE=1");
      expect(host.managerEnv).toBe("SYSTEMD_FORCE_MEASURE=1");
      expect(host.units["systemd-pcrphase-sysinit.service"]?.ActiveState).toBe("active");
      expect(host.units["systemd-pcrphase.service"]?.ActiveState).toBe("active");
      expect(loggedPhases(host)).toEqual(["enter-initrd", "leave-initrd", "sysinit", "ready"]);
      expect(expectPcrValue(host.pcr11, "PCR 11 of the EFI boot's host")).toBe(phasePcr(["enter-initrd", "leave-initrd", "sysinit", "ready"]));
      expect(log).toContain("Extended PCR index 11 with 'leave-initrd'");
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "LinuxBoot boot (no EFI): drop-ins passed as credentials on the command line measure all four phases",
    async () => {
      const words = [FORCE_MEASURE_WORDS[0], ...pcrphaseWithoutEfiCredentialWords(), SWITCH_ROOT_WORD];
      const { reports, log } = await bootTarget("linuxboot-credentials", { efi: false, words, until: "host" });
      expect(log).toContain("Acquired 3 regular credentials");
      const initrdReport = reports.initrd!;
      expect(initrdReport.efi).toBe(false);
      expect(initrdReport.managerEnv).toBeNull();
      expect(loggedPhases(initrdReport)).toEqual(["enter-initrd"]);
      expect(expectPcrValue(initrdReport.pcr11, "PCR 11 of the LinuxBoot boot's initrd")).toBe(phasePcr(["enter-initrd"]));
      const host = reports.host!;
      expect(loggedPhases(host)).toEqual(["enter-initrd", "leave-initrd", "sysinit", "ready"]);
      expect(expectPcrValue(host.pcr11, "PCR 11 of the LinuxBoot boot's host")).toBe(phasePcr(["enter-initrd", "leave-initrd", "sysinit", "ready"]));
    },
    E2E_TIMEOUT_MS,
  );
});
