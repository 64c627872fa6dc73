/**
 * The initrd and command line of a real UKI and add-on built by ukify 257 with Debian trixie's stubs:
 * sections are described as file ranges, planned in the stub's order, laid out, validated through a
 * positional reader, and the merged result read back record by record.
 */
import { describe, expect, test } from "bun:test";
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { debianParts } from "../../../build/debian.ts";
import { composeType2Cmdline } from "../../../src/cmdline/compose.ts";
import { bytesSource, concatSources, createSourceReader, zerosSource, type ByteSource } from "../../../src/bytes/byte-source.ts";
import { writeNewcArchive } from "../../../src/initrd/cpio-newc.ts";
import { describeTargetArchive } from "../../../src/initrd/cpio-targets.ts";
import { layoutInitrd, materializeInitrd } from "../../../src/initrd/initrd-layout.ts";
import { planType2Initrd } from "../../../src/initrd/initrd-order.ts";
import { walkInitrdMember } from "../../../src/initrd/initrd-walk.ts";
import { parseKernelConfig } from "../../../src/initrd/kernel-config.ts";
import { validateInitrd } from "../../../src/initrd/validate-initrd.ts";
import { parsePe, type PeSection } from "../../../src/pe/pe.ts";
import { effectiveSections } from "../../../src/pe/uki.ts";
import { buildAddon, buildUki, fixtureBytes, ukifyInspect } from "../support/ukify-fixtures.ts";
import { gnuCpioArchive } from "../support/real-members.ts";

const latin1 = (b: Uint8Array) => String.fromCharCode(...b);
const enc = new TextEncoder();
const ucodeArchive = (vendorText: string) =>
  writeNewcArchive({ target: "kernel/x86/microcode", dirMode: 0o755, fileMode: 0o644, files: [{ name: "GenuineIntel.bin", bytes: enc.encode(vendorText) }] });

const ukiPath = await buildUki({
  osRelease: 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 13 (trixie)"\n',
  cmdline: "root=/dev/vda2 quiet",
  ucode: latin1(ucodeArchive("uki-ucode")),
  initrd: latin1(gnuCpioArchive({ init: "#!/bin/sh\n", "etc/initrd-release": "ID=initrd\n" })),
});
const addonPath = await buildAddon({
  cmdline: "console=ttyS0",
  ucode: latin1(ucodeArchive("addon-ucode-newer")),
  initrd: latin1(gnuCpioArchive({ "etc/addon.conf": "from-addon\n" })),
});

/** C(s) as a description: the file range, zero-filled up to VirtualSize. */
function sectionSource(path: string, s: PeSection): ByteSource {
  const range: ByteSource = { type: "range", path, offset: s.fileOffset, size: s.fileSize };
  return s.virtualSize > s.fileSize ? concatSources([range, zerosSource(s.virtualSize - s.fileSize)]) : range;
}

function readRangeSync(path: string, offset: number, size: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const out = new Uint8Array(size);
    const n = readSync(fd, out, 0, size, offset);
    return out.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

const uki = effectiveSections(parsePe(fixtureBytes(ukiPath), { source: ukiPath }), 0).byName;
const addon = effectiveSections(parsePe(fixtureBytes(addonPath), { source: addonPath }), 0).byName;

describe("a ukify-built UKI with an add-on", () => {
  const members = planType2Initrd({
    origin: ukiPath,
    ucode: sectionSource(ukiPath, uki[".ucode"]!),
    initrd: sectionSource(ukiPath, uki[".initrd"]!),
    credentials: describeTargetArchive("credentials", [{ name: "passwd.cred", content: bytesSource(enc.encode("secret")) }]),
    osrel: sectionSource(ukiPath, uki[".osrel"]!),
    addons: [{ name: "serial.addon.efi", ucode: sectionSource(addonPath, addon[".ucode"]!), initrd: sectionSource(addonPath, addon[".initrd"]!) }],
  });
  const layout = layoutInitrd(members, { style: "type2" });

  test("plans the add-on microcode first and its initrd last", () => {
    expect(members.map((m) => m.kind)).toEqual(["addon-ucode", "ucode", "initrd", "credentials", "osrel", "addon-initrd"]);
    expect(layout.members.every((m) => m.offset % 4 === 0)).toBe(true);
  });

  test("validates clean against the Debian kernel's configuration, reading the UKI through ranges", async () => {
    const config = parseKernelConfig(readFileSync((await debianParts()).kernelConfig, "utf8"));
    const v = await validateInitrd(layout, { kernelConfig: config, readRange: async (p, o, l) => readRangeSync(p, o, l) });
    expect(v.errors).toEqual([]);
    expect(v.warnings).toEqual([]);
  });

  test("merges to archives whose files are the sections' contents, in order", async () => {
    const merged = materializeInitrd(layout, readRangeSync);
    expect(merged.length).toBe(layout.size);
    const w = await walkInitrdMember(createSourceReader(bytesSource(merged)), merged.length);
    expect(w.problems).toEqual([]);
    const files = w.segments.flatMap((s) => (s.type === "newc" ? s.entries.filter((e) => (e.mode & 0o170000) === 0o100000) : []));
    expect(files.map((e) => e.name)).toEqual([
      "kernel/x86/microcode/GenuineIntel.bin",
      "kernel/x86/microcode/GenuineIntel.bin",
      "etc/initrd-release",
      "init",
      ".extra/credentials/passwd.cred",
      ".extra/os-release",
      "etc/addon.conf",
    ]);
    // The early loader takes the first GenuineIntel.bin: the add-on's.
    const first = files[0]!;
    expect(new TextDecoder().decode(merged.subarray(first.dataOffset, first.dataOffset + first.size))).toBe("addon-ucode-newer");
    const osrel = files[5]!;
    const inspect = await ukifyInspect(ukiPath);
    expect(new TextDecoder().decode(merged.subarray(osrel.dataOffset, osrel.dataOffset + osrel.size))).toBe(inspect[".osrel"]!.text!);
  });

  test("composes the command line from the UKI's .cmdline and the add-on's", () => {
    const text = (path: string, s: PeSection) => readRangeSync(path, s.fileOffset, s.fileSize);
    const r = composeType2Cmdline({
      ukiCmdline: text(ukiPath, uki[".cmdline"]!),
      profile: 0,
      editedLine: "init=/bin/sh",
      imageLineWins: "Secure Boot is on, and its UKI's signed .cmdline is what boots, as systemd-stub does",
      addons: [{ name: "serial.addon.efi", scope: "uki", cmdline: text(addonPath, addon[".cmdline"]!) }],
    });
    expect(r.cmdline).toBe("root=/dev/vda2 quiet console=ttyS0");
    expect(r.notes).toEqual(["custom command line dropped: Secure Boot is on, and its UKI's signed .cmdline is what boots, as systemd-stub does"]);
  });
});
