import { createHash } from "node:crypto";
import { describe, expect, test } from "bun:test";
import { digest, toHex } from "../../../src/bytes/digest.ts";
import { NodeFs } from "../../../src/linux/node-fs.ts";
import { inspectTrust, type InspectTrust } from "../../../src/report/inspect-trust.ts";
import { DEFAULT_PHASE_PATHS, extendPcr, predictPcr11, toMeasureJson, type PredictedSection } from "../../../src/tpm/pcr-predict.ts";
import { emptyTrustStore } from "../../../src/trust/trust-store.ts";
import { missingFixtureTools, readBytes, trustFixtures, type MeasureOutput } from "../support/real-trust-fixtures.ts";
import { profileSections } from "../../support/uki-profiles.ts";

const text = (s: string) => new TextEncoder().encode(s);

describe("predictPcr11()", () => {
  test("extends name+NUL then contents per section in canonical order, from zeros", () => {
    const sections: PredictedSection[] = [
      { name: ".cmdline", data: text("quiet") },
      { name: ".linux", data: text("kernel") },
    ];
    let pcr: Uint8Array = new Uint8Array(32);
    for (const d of [".linux\0", "kernel", ".cmdline\0", "quiet"]) pcr = digest("sha256", pcr, digest("sha256", text(d)));
    const [p] = predictPcr11(sections, { banks: ["sha256"], phasePaths: ["enter-initrd"] });
    expect(p!.value).toBe(toHex(pcr));
    expect(p!.phases).toEqual([{ phase: "enter-initrd", pcr: 11, hash: toHex(extendPcr("sha256", pcr, text("enter-initrd"))) }]);
  });

  test("skips .pcrsig, unknown sections and empty (masked) sections", () => {
    const base = predictPcr11([{ name: ".linux", data: text("k") }], { banks: ["sha1"] })[0]!.value;
    const noisy = predictPcr11(
      [
        { name: ".linux", data: text("k") },
        { name: ".pcrsig", data: text("{}") },
        { name: ".text", data: text("code") },
        { name: ".initrd", data: new Uint8Array(0) },
      ],
      { banks: ["sha1"] },
    )[0]!.value;
    expect(noisy).toBe(base);
  });

  test("starts from a given value (under kexec PCR 11 is not reset)", () => {
    const start = new Uint8Array(32).fill(0xaa);
    const [p] = predictPcr11([{ name: ".linux", data: text("k") }], { banks: ["sha256"], start: { sha256: start } });
    expect(p!.value).toBe(toHex(extendPcr("sha256", extendPcr("sha256", start, text(".linux\0")), text("k"))));
  });

  test("the default phase paths are systemd-measure's", () => {
    expect(DEFAULT_PHASE_PATHS).toEqual([
      "enter-initrd",
      "enter-initrd:leave-initrd",
      "enter-initrd:leave-initrd:sysinit",
      "enter-initrd:leave-initrd:sysinit:ready",
    ]);
  });
});

const missing = missingFixtureTools();
if (missing.length) console.warn(`the systemd-measure parity tests will not run (npm test counts them as failed): missing ${missing.join(", ")}`);

/** ukiboot's own reading of the UKI file (`ukiboot inspect`): per profile, PCR 11 after the sections and after each phase path. */
async function inspectPcr11(path: string): Promise<NonNullable<InspectTrust["pcr11"]>> {
  const pcr11 = (await inspectTrust(new NodeFs(), path, { store: emptyTrustStore(), lockdown: undefined })).pcr11;
  if (!pcr11) throw new Error(`inspectTrust() gave no PCR 11 for "${path}": it did not take it for a UKI`);
  return pcr11;
}

/** PCR := SHA256(PCR ‖ SHA256(word)), with node:crypto, so the check does not lean on src/tpm. */
const extendWord = (pcrHex: string, word: string) =>
  createHash("sha256").update(Buffer.from(pcrHex, "hex")).update(createHash("sha256").update(word).digest()).digest("hex");

/**
 * One profile of inspectTrust() against one systemd-measure line: every phase path it printed, and the
 * sections-only value, which systemd-measure does not print by default, through its enter-initrd value.
 */
function expectSameAsSystemdMeasure(p: NonNullable<InspectTrust["pcr11"]>[number], measured: MeasureOutput): void {
  const sha256 = measured["sha256"]!;
  expect(sha256.map((x) => x.phase)).toEqual([...DEFAULT_PHASE_PATHS]);
  expect(sha256.every((x) => x.pcr === 11 && /^[0-9a-f]{64}$/.test(x.hash))).toBe(true);
  expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(p.phases).toEqual(sha256.map((x) => ({ phase: x.phase, hash: x.hash })));
  expect(extendWord(p.sha256, "enter-initrd")).toBe(sha256[0]!.hash);
}

describe.skipIf(missing.length > 0)("inspectTrust() reads the UKI file to the PCR 11 values systemd-measure 257 printed (ukify --measure)", () => {
  test("single-profile UKI", async () => {
    const f = await trustFixtures();
    const pcr11 = await inspectPcr11(f.single.path);
    expect(pcr11.map((p) => p.profile)).toEqual([0]);
    expectSameAsSystemdMeasure(pcr11[0]!, f.single.measure);
  });

  test("multi-profile UKI: each profile's effective sections", async () => {
    const f = await trustFixtures();
    const pcr11 = await inspectPcr11(f.multiProfile.path);
    expect(pcr11.map((p) => p.profile)).toEqual([0, 1, 2]);
    expect(f.multiProfile.measure).toHaveLength(3);
    pcr11.forEach((p, k) => expectSameAsSystemdMeasure(p, f.multiProfile.measure[k]!));
    // The profiles really differ, so a profile mix-up would show.
    expect(new Set(pcr11.map((p) => p.sha256)).size).toBe(3);
  });

  test("UKI with the real Debian kernel", async () => {
    const f = await trustFixtures();
    const pcr11 = await inspectPcr11(f.real.path);
    expect(pcr11).toHaveLength(1);
    expectSameAsSystemdMeasure(pcr11[0]!, f.real.measure);
  });
});

/** predictPcr11() over every bank, with the sections the test helper cuts out itself (test/support/uki-profiles.ts). */
describe.skipIf(missing.length > 0)("predictPcr11() equals systemd-measure 257 (run by ukify --measure) in every bank", () => {
  test("single-profile UKI, all banks and phases", async () => {
    const f = await trustFixtures();
    const profiles = profileSections(readBytes(f.single.path));
    expect(profiles).toHaveLength(1);
    expect(toMeasureJson(predictPcr11(profiles[0]!))).toEqual(f.single.measure);
  });

  test("multi-profile UKI: each profile's effective sections", async () => {
    const f = await trustFixtures();
    const profiles = profileSections(readBytes(f.multiProfile.path));
    expect(profiles).toHaveLength(3);
    expect(f.multiProfile.measure).toHaveLength(3);
    profiles.forEach((sections, k) => expect(toMeasureJson(predictPcr11(sections))).toEqual(f.multiProfile.measure[k]!));
    // The profiles really differ, so a profile mix-up would show.
    expect(new Set(f.multiProfile.measure.map((m) => m.sha256![0]!.hash)).size).toBe(3);
  });

  test("UKI with the real Debian kernel", async () => {
    const f = await trustFixtures();
    const [sections] = profileSections(readBytes(f.real.path));
    expect(toMeasureJson(predictPcr11(sections!))).toEqual(f.real.measure);
  });
});
