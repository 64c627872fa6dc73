import { describe, expect, test } from "bun:test";
import { decideMeasurementOutcome, type MeasurementOutcome } from "../../../src/tpm/apply-measurements.ts";
import { digestEvent } from "../../../src/tpm/apply-measurements.ts";
import { EVENT_TAG, planMeasurements, resolveMeasuredBytes, utf16WithNul, type MeasurementEvent, type PeImageDigest } from "../../../src/tpm/measurements.ts";

const text = (s: string) => new TextEncoder().encode(s);
const summary = (events: MeasurementEvent[]) => events.map((e) => [e.pcr, e.eventType, e.eventTag ?? null, e.description]);
/** A PE image whose Authenticode digest is `fill` repeated, in every algorithm asked for. */
const peImage = (fill: number): PeImageDigest => ({
  authenticode: async (algorithms) =>
    Object.fromEntries(algorithms.map((a) => [a, new Uint8Array(a === "sha1" ? 20 : a === "sha256" ? 32 : a === "sha384" ? 48 : 64).fill(fill)])),
});

test("utf16WithNul() is UTF-16LE with a 2-byte NUL, as the stub measures strings", () => {
  expect(utf16WithNul("1")).toEqual(new Uint8Array([0x31, 0, 0, 0]));
  expect(utf16WithNul("é")).toEqual(new Uint8Array([0xe9, 0, 0, 0]));
});

describe("planMeasurements()", () => {
  test("a UKI boot extends everything in systemd-boot's, then systemd-stub's order (docs/measurements.md §2)", async () => {
    const events = planMeasurements({
      kind: "uki",
      loadOptions: "@2 quiet",
      bootImage: { description: "\\EFI\\Linux\\os.efi", data: peImage(1) },
      addonImages: [
        { description: "\\loader\\addons\\a.addon.efi", data: peImage(2) },
        { description: "\\EFI\\Linux\\os.efi.extra.d\\b.addon.efi", data: peImage(3) },
      ],
      profile: 2,
      sections: [
        { name: ".cmdline", data: text("rw"), size: 2 },
        { name: ".sbat", data: text("sbat,1"), size: 6 },
        { name: ".linux", data: () => Promise.resolve(text("kernel")), size: 6 },
        { name: ".pcrsig", data: text("{}"), size: 2 },
        { name: ".profile", data: text("ID=two"), size: 6 },
        { name: ".initrd", data: new Uint8Array(0), size: 0 }, // masked by the profile
      ],
      customCmdline: "quiet",
      addonCmdline: "debug",
      smbiosCmdlineExtra: "console=ttyS0",
      credentials: text("cpio-a"),
      globalCredentials: text("cpio-b"),
      sysext: text("cpio-c"),
      confext: text("cpio-d"),
      addonUcode: [
        { fileName: "a.addon.efi", data: text("ua") },
        { fileName: "b.addon.efi", data: text("ub") },
      ],
      addonInitrds: [
        { fileName: "a.addon.efi", data: text("ia") },
        { fileName: "b.addon.efi", data: text("ib") },
      ],
    });
    expect(summary(events)).toEqual([
      [4, "EV_EFI_BOOT_SERVICES_APPLICATION", null, "\\EFI\\Linux\\os.efi"], // the firmware, as systemd-boot loads the UKI
      [12, "EV_IPL", null, "@2 quiet"], // row 1, systemd-boot
      [12, "EV_EVENT_TAG", EVENT_TAG.profile, "2"], // row 2
      [11, "EV_IPL", null, ".linux"], // row 3: name, then contents, canonical order
      [11, "EV_IPL", null, ".linux"],
      [11, "EV_IPL", null, ".cmdline"],
      [11, "EV_IPL", null, ".cmdline"],
      [11, "EV_IPL", null, ".sbat"],
      [11, "EV_IPL", null, ".sbat"],
      [11, "EV_IPL", null, ".profile"],
      [11, "EV_IPL", null, ".profile"],
      [12, "EV_IPL", null, "quiet"], // row 4
      [4, "EV_EFI_BOOT_SERVICES_APPLICATION", null, "\\loader\\addons\\a.addon.efi"], // the firmware, as the stub loads the add-ons
      [4, "EV_EFI_BOOT_SERVICES_APPLICATION", null, "\\EFI\\Linux\\os.efi.extra.d\\b.addon.efi"],
      [12, "EV_IPL", null, "debug"], // row 5
      [12, "EV_IPL", null, "console=ttyS0"], // row 6
      [12, "EV_IPL", null, "Credentials initrd"], // row 8
      [12, "EV_IPL", null, "Global credentials initrd"],
      [13, "EV_IPL", null, "System extension initrd"], // row 9
      [12, "EV_IPL", null, "Configuration extension initrd"], // row 10
      [12, "EV_EVENT_TAG", EVENT_TAG.ucodeAddon, "b.addon.efi"], // row 11: reverse load order
      [12, "EV_EVENT_TAG", EVENT_TAG.ucodeAddon, "a.addon.efi"],
      [12, "EV_EVENT_TAG", EVENT_TAG.initrdAddon, "a.addon.efi"], // row 12: load order
      [12, "EV_EVENT_TAG", EVENT_TAG.initrdAddon, "b.addon.efi"],
    ]);
    // A loaded image is extended with its Authenticode digest itself, in each bank's algorithm, not a digest of it.
    expect(await digestEvent(events[0]!, ["sha1", "sha256"])).toEqual([
      { algorithm: "sha1", digest: new Uint8Array(20).fill(1) },
      { algorithm: "sha256", digest: new Uint8Array(32).fill(1) },
    ]);
    const data = await Promise.all(events.filter((e) => e.pcr !== 4).map((e) => resolveMeasuredBytes(e.data)));
    expect(data[0]).toEqual(utf16WithNul("@2 quiet"));
    expect(data[1]).toEqual(new Uint8Array([0x32, 0, 0, 0]));
    expect(data[2]).toEqual(text(".linux\0"));
    expect(data[3]).toEqual(text("kernel"));
    expect(data[10]).toEqual(utf16WithNul("quiet"));
    expect(data[13]).toEqual(text("cpio-a"));
    expect(data[17]).toEqual(text("ub"));
  });

  test("profile 0, no options and no extras give only the PCR 11 section events", () => {
    const events = planMeasurements({
      kind: "uki",
      loadOptions: null,
      profile: 0,
      sections: [{ name: ".linux", data: text("k"), size: 1 }],
      customCmdline: "",
      addonCmdline: null,
    });
    expect(summary(events)).toEqual([
      [11, "EV_IPL", null, ".linux"],
      [11, "EV_IPL", null, ".linux"],
    ]);
  });

  test("a .dtbauto is not measured: nothing matches it under kexec, as under the stub on a machine without a devicetree", () => {
    const sections = [".dtbauto", ".dtb", ".linux", ".hwids"].map((name) => ({ name, data: text(name), size: name.length }));
    const events = planMeasurements({ kind: "uki", loadOptions: null, profile: 0, sections, customCmdline: null, addonCmdline: null });
    expect(events.map((e) => e.description)).toEqual([".linux", ".linux", ".dtb", ".dtb", ".hwids", ".hwids"]);
  });

  test("a Type #1 linux entry: the firmware's PCR 4, systemd-boot's PCR 12, and the Linux EFI stub's PCR 9 (docs/measurements.md §2)", async () => {
    const events = planMeasurements({
      kind: "type1-linux",
      loadOptions: "initrd=\\initrd.img root=/dev/sda1",
      bootImage: { description: "\\vmlinuz-6.12", data: peImage(7) },
      initrd: text("070701 the initrd"),
      sections: [{ name: ".linux", data: text("k"), size: 1 }],
      credentials: text("x"),
    });
    expect(summary(events)).toEqual([
      [4, "EV_EFI_BOOT_SERVICES_APPLICATION", null, "\\vmlinuz-6.12"],
      [12, "EV_IPL", null, "initrd=\\initrd.img root=/dev/sda1"],
      [9, "EV_EVENT_TAG", 0x8f3b22ed, "LOADED_IMAGE::LoadOptions"],
      [9, "EV_EVENT_TAG", 0x8f3b22ec, "Linux initrd"],
    ]);
    expect(await resolveMeasuredBytes(events[2]!.data)).toEqual(utf16WithNul("initrd=\\initrd.img root=/dev/sda1"));
    expect(await resolveMeasuredBytes(events[3]!.data)).toEqual(text("070701 the initrd"));
  });

  test("a kernel without options or initrd gets neither PCR 9 event, as the stub measures only what it was given", () => {
    const events = planMeasurements({ kind: "type1-linux", loadOptions: null, bootImage: { description: "\\vmlinuz", data: peImage(7) } });
    expect(summary(events)).toEqual([[4, "EV_EFI_BOOT_SERVICES_APPLICATION", null, "\\vmlinuz"]]);
  });

  test("a kernel that is no PE image is measured into PCR 4 by its file's bytes (EV_IPL): no firmware could have started it", async () => {
    const events = planMeasurements({ kind: "type1-linux", loadOptions: null, bootImage: { description: "\\Image.gz", data: text("gzip'd Image") } });
    expect(summary(events)).toEqual([[4, "EV_IPL", null, "\\Image.gz"]]);
    expect(await resolveMeasuredBytes(events[0]!.data)).toEqual(text("gzip'd Image"));
  });
});

describe("decideMeasurementOutcome()", () => {
  const error = new Error("Cannot run TPM2_PCR_Extend on the TPM: it answered TPM_RC_FAILURE (0x101: the TPM is in failure mode)");
  const cases: [string, "off" | "warn" | "enforce", MeasurementOutcome, boolean, string][] = [
    ["measured", "enforce", { kind: "measured", records: [] }, true, "none"],
    ["no TPM", "enforce", { kind: "no-tpm" }, true, "note"],
    ["a TPM error", "enforce", { kind: "failed", error }, false, "error"],
    ["a TPM error", "warn", { kind: "failed", error }, true, "warning"],
    ["a TPM error", "off", { kind: "failed", error }, true, "warning"],
  ];
  test.each(cases)("%s under %s", (_label, mode, outcome, proceed, severity) => {
    const d = decideMeasurementOutcome(outcome, mode);
    expect(d.proceed).toBe(proceed);
    expect(d.severity).toBe(severity as never);
    if (outcome.kind === "failed") expect(d.message).toContain("TPM_RC_FAILURE");
  });
});
