/**
 * The helpers the measured-boot scenarios compare PCRs with: expectPcrValue() lets no "none" through, and
 * systemdMeasureUki() (pefile cuts the sections out of the UKI file, systemd-measure 257 hashes them) gives
 * the values ukify --measure printed for the same UKI from the files it was built from.
 */
import { createHash } from "node:crypto";
import { describe, expect, test } from "bun:test";
import { systemdMeasureUki } from "../../lab/systemd-measure.ts";
import { expectPcrValue } from "../../support/pcr-value.ts";
import { missingFixtureTools, trustFixtures } from "../support/real-trust-fixtures.ts";

describe("expectPcrValue()", () => {
  test("returns a SHA-256 PCR value as it is", () => {
    expect(expectPcrValue("ab".repeat(32), "PCR 11 of the boot")).toBe("ab".repeat(32));
  });

  test("refuses what a target prints without a PCR file, and anything else that is not 64 lower-case hex digits, naming the PCR", () => {
    const cases: [string | undefined, string][] = [
      ["none", '"none"'],
      [undefined, "nothing (the report has no such line)"],
      ["", '""'],
      ["AB".repeat(32), `"${"AB".repeat(32)}"`],
      ["ab".repeat(31), `"${"ab".repeat(31)}"`],
      ["ab".repeat(20), `"${"ab".repeat(20)}"`],
    ];
    for (const [value, shown] of cases) {
      expect(() => expectPcrValue(value, "PCR 12 under ukiboot (profile-0)")).toThrow(
        `PCR 12 under ukiboot (profile-0) is not a SHA-256 PCR value (64 lower-case hex digits): the report gives ${shown}`,
      );
    }
  });
});

const missing = missingFixtureTools();
if (missing.length) console.warn(`the systemdMeasureUki() tests will not run (npm test counts them as failed): missing ${missing.join(", ")}`);

/** PCR := SHA256(PCR ‖ SHA256(word)), node:crypto only. */
const extend = (pcrHex: string, word: string) =>
  createHash("sha256").update(Buffer.from(pcrHex, "hex")).update(createHash("sha256").update(word).digest()).digest("hex");

describe.skipIf(missing.length > 0)("systemdMeasureUki() on the built UKI equals ukify --measure on its inputs", () => {
  test("a UKI with a small kernel, and the same UKI signed: systemd-measure's four default phase paths", async () => {
    const f = await trustFixtures();
    const expected = f.single.measure["sha256"]!.map((p) => ({ phase: p.phase, hash: p.hash }));
    expect(expected).toHaveLength(4);
    expect(await systemdMeasureUki(f.single.path)).toEqual(expected);
    // The signature is appended after the sections and is not measured.
    expect(await systemdMeasureUki(f.uki.db)).toEqual(expected);
  });

  test("the UKI with the real Debian kernel", async () => {
    const f = await trustFixtures();
    expect(await systemdMeasureUki(f.real.path)).toEqual(f.real.measure["sha256"]!.map((p) => ({ phase: p.phase, hash: p.hash })));
  });

  test("an empty phase path gives the value before any phase word, which enter-initrd extends", async () => {
    const f = await trustFixtures();
    const [sections, enter] = await systemdMeasureUki(f.single.path, ["", "enter-initrd"]);
    expect(sections!.phase).toBe("");
    expect(enter!.phase).toBe("enter-initrd");
    expect(sections!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(extend(sections!.hash, "enter-initrd")).toBe(enter!.hash);
    expect(enter!.hash).toBe(f.single.measure["sha256"]![0]!.hash);
  });

  test("refuses a multi-profile UKI and a missing file, naming the file", async () => {
    const f = await trustFixtures();
    await expect(systemdMeasureUki(f.multiProfile.path)).rejects.toThrow(
      `Cannot predict PCR 11 for "${f.multiProfile.path}" with systemd-measure: it has .profile`,
    );
    await expect(systemdMeasureUki(`${f.dir}/no-such.efi`)).rejects.toThrow(`Cannot cut the sections out of "${f.dir}/no-such.efi" with pefile`);
  });
});
