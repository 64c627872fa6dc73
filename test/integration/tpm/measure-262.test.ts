/**
 * PCR 11 parity with systemd 262: UKIs built by ukify 262 on systemd-stub 262, single and multi-profile, and
 * one with 120 PE sections, predicted by predictPcr11() and by systemd-measure 262 (run by ukify --measure,
 * through forky's ld.so). 257's parity is in pcr-predict.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemd262Parts } from "../../../build/debian.ts";
import { run } from "../../../build/lib/run-command.ts";
import { parsePe } from "../../../src/pe/pe.ts";
import { predictPcr11, toMeasureJson } from "../../../src/tpm/pcr-predict.ts";
import { profileSections } from "../../support/uki-profiles.ts";

const parts = await systemd262Parts();
const work = mkdtempSync(join(tmpdir(), "measure-262-"));
mkdirSync(join(work, "tools"));
// ukify finds systemd-measure through --tools; forky's binary needs forky's ld.so on this machine.
writeFileSync(join(work, "tools/systemd-measure"), `#!/bin/sh\nexec ${parts.measure.map((a) => `'${a}'`).join(" ")} "$@" --json=short\n`);
chmodSync(join(work, "tools/systemd-measure"), 0o755);
const linux = new Uint8Array(32 * 1024).map((_, i) => (i * 7919) & 0xff);
writeFileSync(join(work, "linux"), linux);
writeFileSync(join(work, "initrd"), "initrd for the 262 parity test\n".repeat(50));
writeFileSync(join(work, "os-release"), 'ID=parity\nNAME="parity 262"\nVERSION_ID=262\n');

async function ukify(args: string[]): Promise<string> {
  return (await run([...parts.ukify.argv, "build", ...args], { cwd: work, env: parts.ukify.env })).stdout;
}
const measured = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as ReturnType<typeof toMeasureJson>);
const base = (out: string) => [
  `--linux=${join(work, "linux")}`,
  `--initrd=${join(work, "initrd")}`,
  `--os-release=@${join(work, "os-release")}`,
  "--uname=6.20.0-parity",
  `--stub=${parts.linuxStub}`,
  "--measure",
  `--tools=${join(work, "tools")}`,
  `--output=${join(work, out)}`,
];

describe("predictPcr11() equals systemd-measure 262 (run by ukify 262 --measure)", () => {
  test("single-profile UKI", async () => {
    const theirs = measured(await ukify([...base("single.efi"), "--cmdline=root=/dev/vda rw"]));
    expect(theirs).toHaveLength(1);
    const [sections] = profileSections(new Uint8Array(readFileSync(join(work, "single.efi"))));
    expect(toMeasureJson(predictPcr11(sections!))).toEqual(theirs[0]!);
  }, 60_000);

  test("multi-profile UKI: each profile's effective sections", async () => {
    await ukify([`--stub=${parts.addonStub}`, "--profile=ID=one\nTITLE=One", "--cmdline=profile=one", `--output=${join(work, "p1.efi")}`]);
    await ukify([
      `--stub=${parts.addonStub}`,
      "--profile=ID=two",
      `--os-release=@${join(work, "os-release")}`,
      "--cmdline=profile=two",
      `--output=${join(work, "p2.efi")}`,
    ]);
    const theirs = measured(
      await ukify([
        ...base("multi.efi"),
        "--cmdline=root=/dev/vda rw",
        "--profile=TITLE=Base",
        `--join-profile=${join(work, "p1.efi")}`,
        `--join-profile=${join(work, "p2.efi")}`,
      ]),
    );
    const profiles = profileSections(new Uint8Array(readFileSync(join(work, "multi.efi"))));
    expect(profiles).toHaveLength(3);
    expect(theirs).toHaveLength(3);
    profiles.forEach((sections, k) => expect(toMeasureJson(predictPcr11(sections))).toEqual(theirs[k]!));
    expect(new Set(theirs.map((m) => JSON.stringify(m))).size).toBe(3);
  }, 60_000);

  test("a UKI with 120 PE sections: all are read, the unknown ones are not measured", async () => {
    const extra = Array.from({ length: 110 }, (_, i) => `--section=.x${String(i).padStart(3, "0")}:section ${i}`);
    const theirs = measured(await ukify([...base("many.efi"), "--cmdline=root=/dev/vda rw", ...extra]));
    const bytes = new Uint8Array(readFileSync(join(work, "many.efi")));
    expect(parsePe(bytes, { source: "many.efi" }).sections.length).toBeGreaterThanOrEqual(120);
    const [sections] = profileSections(bytes);
    expect(toMeasureJson(predictPcr11(sections!))).toEqual(theirs[0]!);
  }, 60_000);
});
