import { describe, expect, test } from "bun:test";
import { BootError } from "../../../src/errors.ts";
import { type InstallFacts, planInstall } from "../../../src/install/install-plan.ts";

const MIB = 1024 * 1024;
const FACTS: InstallFacts = {
  arch: "x64",
  espMount: "/efi",
  freeBytes: 400 * MIB,
  layout: "uki",
  imageBytes: 60 * MIB,
  fallbackExists: true,
  forceFallback: false,
  bootEntry: true,
  secureBoot: false,
  signing: false,
  bootVariables: { used: [0, 1, 2], order: [1, 0, 2] },
};

function refusal(f: Partial<InstallFacts>): BootError {
  try {
    planInstall({ ...FACTS, ...f });
  } catch (e) {
    if (e instanceof BootError) return e;
    throw e;
  }
  throw new Error("Internal error: planInstall() accepted what it should refuse");
}

describe("planInstall()", () => {
  test("the boot image under EFI/ukiboot, a new Boot#### first in BootOrder, the existing fallback loader left alone", () => {
    expect(planInstall(FACTS)).toEqual({
      files: [{ path: "EFI/ukiboot/ukibootx64.efi", role: "image" }],
      backups: [],
      bootEntry: { number: 3, order: [3, 1, 0, 2], orderBefore: [1, 0, 2] },
    });
  });
  test("the fallback loader is written when there is none, and kept aside when --fallback replaces one", () => {
    expect(planInstall({ ...FACTS, fallbackExists: false }).files.map((f) => f.path)).toEqual(["EFI/ukiboot/ukibootx64.efi", "EFI/BOOT/BOOTX64.EFI"]);
    expect(planInstall({ ...FACTS, forceFallback: true }).backups).toEqual([
      { path: "EFI/BOOT/BOOTX64.EFI", backup: "loader/ukiboot/backup/EFI/BOOT/BOOTX64.EFI" },
    ]);
    expect(planInstall({ ...FACTS, arch: "aa64", fallbackExists: false }).files.map((f) => f.path)).toEqual([
      "EFI/ukiboot/ukibootaa64.efi",
      "EFI/BOOT/BOOTAA64.EFI",
    ]);
  });
  test("a second install reuses ukiboot's Boot#### and moves it first again", () => {
    expect(planInstall({ ...FACTS, bootVariables: { used: [0, 1, 2, 3], order: [1, 3, 0] }, existingEntry: 3 }).bootEntry).toEqual({
      number: 3,
      order: [3, 1, 0],
      orderBefore: [1, 3, 0],
    });
  });
  test("--no-boot-entry writes no variable; the linux-efi-stub layout puts the initramfs beside the kernel", () => {
    expect(planInstall({ ...FACTS, bootEntry: false }).bootEntry).toBeNull();
    expect(planInstall({ ...FACTS, layout: "linux-efi-stub" }).files.map((f) => f.role)).toEqual(["image", "initramfs"]);
    // Started as the fallback loader, the kernel would get no initramfs: that layout never writes one.
    expect(planInstall({ ...FACTS, layout: "linux-efi-stub", fallbackExists: false }).files.map((f) => f.role)).toEqual(["image", "initramfs"]);
  });
  test("refusals, each with its reason and next step", () => {
    const cases: [Partial<InstallFacts>, string, string][] = [
      [
        { kexecUnsupported: 'the kernel "/boot/vmlinuz-6.1-tiny" was built without CONFIG_KEXEC_FILE and CONFIG_KEXEC' },
        'Cannot install ukiboot: the kernel "/boot/vmlinuz-6.1-tiny" was built without CONFIG_KEXEC_FILE and CONFIG_KEXEC',
        "Pass --kernel with a kernel built with CONFIG_KEXEC_FILE=y",
      ],
      [
        { secureBoot: true },
        "Cannot install ukiboot: Secure Boot is on, and the firmware would refuse an unsigned boot image",
        "--sign-key KEY --sign-cert CERT",
      ],
      [
        { secureBoot: true, signing: true, layout: "linux-efi-stub" },
        "while Secure Boot is on: the kernel's EFI stub would load an initramfs no signature covers",
        "--layout uki",
      ],
      [{ freeBytes: 50 * MIB }, 'Cannot install ukiboot: the ESP at "/efi" has 50.0 MiB free, and the boot image needs 60.0 MiB', "Free space on the ESP"],
      [{ freeBytes: 100 * MIB, fallbackExists: false }, "has 100.0 MiB free, and the boot image needs 120.0 MiB", "leave the fallback loader alone"],
      [{ bootVariables: undefined }, "Cannot create a firmware boot entry for ukiboot: there are no EFI variables", "--no-boot-entry"],
    ];
    for (const [facts, message, next] of cases) {
      const e = refusal(facts);
      expect(e.message).toContain(message);
      expect(e.hint).toContain(next);
    }
  });
});
