/**
 * The real systemd-measure as the oracle for PCR 11, run on the very UKI file a scenario boots, with no code
 * of ukiboot's on the way: Python's pefile (Debian trixie's, the one ukify uses) cuts the sections out of the
 * file, and `systemd-measure calculate` from trixie's systemd 257, the systemd whose stub the UKIs carry,
 * hashes them (run through trixie's ld.so, as in test/integration/support/real-trust-fixtures.ts, because this machine's glibc is
 * older).
 *
 * Each section is cut as systemd-stub measures it: the VirtualSize bytes of the loaded section, that is the
 * first min(VirtualSize, SizeOfRawData) bytes of its file data, followed by zeros up to VirtualSize when the
 * file holds less (the PE loader zero-fills the rest). ukify writes VirtualSize as the data's exact length, so
 * for its UKIs this is the data as given to ukify. systemd-measure 257 hashes a --linux file as it is; later
 * versions pad it with zeros to the inner kernel's SizeOfImage, which is another value for the Debian kernel,
 * so the version matters.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { debianParts, fetchDebianPackages, TARGET_RELEASE } from "../../build/debian.ts";
import { run } from "../../build/lib/run-command.ts";

/** One PCR 11 value (sha256 bank) as systemd-measure prints it; `phase` is "" for the sections alone. */
export interface MeasuredPhase {
  phase: string;
  hash: string;
}

/**
 * The sections systemd-measure 257 takes, by its option names (`systemd-measure --help`), in any order: it
 * extends them in its own canonical order. .pcrsig is never measured.
 */
const MEASURED_SECTIONS = [".linux", ".osrel", ".cmdline", ".initrd", ".ucode", ".splash", ".dtb", ".uname", ".sbat", ".pcrpkey"];

/** Sections whose measurement this oracle cannot give, and why: a UKI with one is refused. */
const REFUSED_SECTIONS: Record<string, string> = {
  ".profile": "a profile's PCR 11 depends on the stub's choice of effective sections, which this oracle does not model",
  ".dtbauto": "which .dtbauto the stub measures depends on the machine",
  // Its option list orders HWIDS before DTBAUTO and its section table the other way round.
  ".hwids": "systemd-measure 257 extends its --hwids file under the name .dtbauto",
  ".efifw": "systemd-measure 257 has no option for it",
};

/**
 * Run as `python3 - UKI DIR NAMES` (the script on stdin): writes the loaded bytes of the first section of each
 * name in the JSON list NAMES to DIR/<name without the dot>, and prints every section's name and sizes as JSON.
 */
const EXTRACT_PY = `
import json, os, sys
import pefile
uki, out, wanted = sys.argv[1], sys.argv[2], set(json.loads(sys.argv[3]))
with open(uki, "rb") as f:
    data = f.read()
pe = pefile.PE(data=data, fast_load=True)
sections = []
for s in pe.sections:
    name = s.Name.rstrip(b"\\0").decode("ascii", "replace")
    vs, raw, ptr = s.Misc_VirtualSize, s.SizeOfRawData, s.PointerToRawData
    first = name in wanted and not any(x["name"] == name for x in sections)
    sections.append({"name": name, "virtualSize": vs, "sizeOfRawData": raw})
    if not first:
        continue
    n = min(vs, raw)
    if ptr + n > len(data):
        raise SystemExit(f"section {name} ({n} bytes at {ptr}) runs past the end of the file ({len(data)} bytes)")
    with open(os.path.join(out, name[1:]), "wb") as f:
        f.write(data[ptr:ptr + n])
        f.write(bytes(vs - n))
print(json.dumps(sections))
`;

/** A program of trixie's systemd 257 package (systemd-measure, systemd-pcrlock), through trixie's ld.so: the argv to append its arguments to. */
export async function systemdProgram257(name: "systemd-measure" | "systemd-pcrlock"): Promise<string[]> {
  const sd = await fetchDebianPackages(TARGET_RELEASE, ["systemd", "libsystemd-shared", "libc6", "libssl3t64"]);
  const libc = join(sd["libc6"]!, "usr/lib/x86_64-linux-gnu");
  const libs = [
    libc,
    join(sd["libssl3t64"]!, "usr/lib/x86_64-linux-gnu"),
    join(sd["libsystemd-shared"]!, "usr/lib/x86_64-linux-gnu/systemd"),
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
  ];
  return [join(libc, "ld-linux-x86-64.so.2"), "--library-path", libs.join(":"), join(sd["systemd"]!, "usr/lib/systemd", name)];
}

/**
 * systemd-measure's PCR 11 values (sha256 bank) for the UKI at `ukiPath`, one per phase path, in the order it
 * prints them (sorted). `phases` are passed as --phase=; "" is the value right after the stub's section
 * measurements, with no phase word. Without `phases`, systemd-measure's defaults: "enter-initrd" and its
 * three extensions.
 * @throws Error naming the file when pefile cannot read it, it has a section this oracle cannot measure
 *   (REFUSED_SECTIONS), or systemd-measure fails or prints something unexpected.
 * @example (await systemdMeasureUki(join(esp.tree, "EFI/Linux/measured.efi"), [""]))[0].hash
 */
export async function systemdMeasureUki(ukiPath: string, phases?: readonly string[]): Promise<MeasuredPhase[]> {
  const parts = await debianParts();
  const measure = await systemdProgram257("systemd-measure");
  const dir = mkdtempSync(join(tmpdir(), "ukiboot-systemd-measure-"));
  try {
    let sections: { name: string; virtualSize: number; sizeOfRawData: number }[];
    try {
      const { stdout } = await run(["python3", "-", ukiPath, dir, JSON.stringify(MEASURED_SECTIONS)], { env: parts.ukify.env, stdin: EXTRACT_PY });
      sections = JSON.parse(stdout);
    } catch (e) {
      throw new Error(`Cannot cut the sections out of "${ukiPath}" with pefile: ${(e as Error).message}`);
    }
    const refused = [...new Set(sections.map((s) => s.name))].filter((n) => n in REFUSED_SECTIONS);
    if (refused.length)
      throw new Error(`Cannot predict PCR 11 for "${ukiPath}" with systemd-measure: it has ${refused.map((n) => `${n} (${REFUSED_SECTIONS[n]})`).join(", ")}`);
    const twice = MEASURED_SECTIONS.filter((n) => sections.filter((s) => s.name === n).length > 1);
    if (twice.length) throw new Error(`Cannot predict PCR 11 for "${ukiPath}" with systemd-measure here: ${twice.join(" and ")} appear more than once`);
    const present = MEASURED_SECTIONS.filter((n) => sections.some((s) => s.name === n));
    if (!present.includes(".linux")) throw new Error(`Cannot predict PCR 11 for "${ukiPath}": it has no .linux section, so it is no UKI`);
    const args = [
      "calculate",
      ...present.map((n) => `--${n.slice(1)}=${join(dir, n.slice(1))}`),
      "--bank=sha256",
      "--json=short",
      ...(phases ?? []).map((p) => `--phase=${p}`),
    ];
    let stdout: string;
    try {
      stdout = (await run([...measure, ...args])).stdout;
    } catch (e) {
      throw new Error(`systemd-measure failed on the sections of "${ukiPath}" (${present.join(" ")}): ${(e as Error).message}`);
    }
    let out: Record<string, { phase?: string; pcr: number; hash: string }[]>;
    try {
      out = JSON.parse(stdout);
    } catch {
      throw new Error(`systemd-measure printed no JSON for "${ukiPath}": ${JSON.stringify(stdout.slice(0, 200))}`);
    }
    const rows = out["sha256"];
    if (!rows?.length || rows.some((r) => r.pcr !== 11 || !/^[0-9a-f]{64}$/.test(r.hash))) {
      throw new Error(`systemd-measure printed no sha256 PCR 11 values for "${ukiPath}": ${stdout.trim()}`);
    }
    // An empty phase path has no "phase" key in systemd-measure's JSON.
    return rows.map((r) => ({ phase: r.phase ?? "", hash: r.hash }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
