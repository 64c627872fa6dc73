import { describe, expect, test } from "bun:test";
import { digest, toHex } from "../../../src/bytes/digest.ts";
import { DEFAULT_PHASE_PATHS, extendPcr, predictPcr11, toMeasureJson, type PredictedSection } from "../../../src/tpm/pcr-predict.ts";
import { missingFixtureTools, readBytes, trustFixtures } from "../trust/fixtures.ts";
import { profileSections } from "./uki-profiles.ts";

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
    expect(DEFAULT_PHASE_PATHS).toEqual(["enter-initrd", "enter-initrd:leave-initrd", "enter-initrd:leave-initrd:sysinit", "enter-initrd:leave-initrd:sysinit:ready"]);
  });
});

const missing = missingFixtureTools();
if (missing.length) console.warn(`the systemd-measure parity tests will not run (npm test counts them as failed): missing ${missing.join(", ")}`);

describe.skipIf(missing.length > 0)("predictPcr11() equals systemd-measure 257 (run by ukify --measure)", () => {
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
