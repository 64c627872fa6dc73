import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { debianParts } from "../../../build/debian.ts";
import { bytesSource } from "../../../src/bytes/byte-source.ts";
import { writeNewcArchive } from "../../../src/initrd/cpio-newc.ts";
import { layoutInitrd, type InitrdMember } from "../../../src/initrd/initrd-layout.ts";
import { parseKernelConfig, type KernelConfig } from "../../../src/initrd/kernel-config.ts";
import { InitrdRejectedError, refuseInvalidInitrd, validateInitrd } from "../../../src/initrd/validate-initrd.ts";
import { compress, gnuCpioArchive, payloadArchive } from "../support/real-members.ts";

const FIXTURES = join(import.meta.dir, "../../fixtures/initrd");
const enc = new TextEncoder();
const debianConfig = parseKernelConfig(readFileSync((await debianParts()).kernelConfig, "utf8"));
const gzipXzOnly = parseKernelConfig(readFileSync(join(FIXTURES, "config-rd-gzip-xz-only"), "utf8"));

const ucode = gnuCpioArchive({ "kernel/x86/microcode/GenuineIntel.bin": "intel-ucode" });
const main = payloadArchive("main");
const m = (kind: InitrdMember["kind"], bytes: Uint8Array, origin?: string): InitrdMember =>
  origin ? { kind, origin, source: bytesSource(bytes) } : { kind, source: bytesSource(bytes) };
const osrel = writeNewcArchive({ target: ".extra", dirMode: 0o555, fileMode: 0o444, files: [{ name: "os-release", bytes: enc.encode("ID=debian\n") }] });

async function check(members: InitrdMember[], config: KernelConfig | null = debianConfig, style: "type1" | "type2" = "type2") {
  return validateInitrd(layoutInitrd(members, { style }), { kernelConfig: config });
}

describe("validateInitrd()", () => {
  test("accepts the plan observed to unpack completely: raw + gzip + zstd + raw + xz(crc32) + lz4 legacy last", async () => {
    const v = await check([
      m("ucode", ucode),
      m("initrd", compress.gzip(main)),
      m("addon-initrd", compress.zstd(payloadArchive("zstd")), "z.addon.efi"),
      m("osrel", osrel),
      m("addon-initrd", compress.xzCrc32(payloadArchive("xz")), "x.addon.efi"),
      m("addon-initrd", compress.lz4Legacy(payloadArchive("lz4")), "y.addon.efi"),
    ]);
    expect(v.errors).toEqual([]);
    expect(v.warnings).toEqual([]);
    expect(v.walks.map((w) => w.segments.find((s) => s.type !== "zeros")?.type)).toEqual(["newc", "stream", "stream", "newc", "stream", "stream"]);
  });

  test("refuses an xz member with a CRC64 check and names it", async () => {
    const v = await check([m("initrd", main), m("addon-initrd", compress.xzCrc64(payloadArchive("xz64")), "crc64.addon.efi"), m("osrel", osrel)]);
    expect(v.errors).toHaveLength(1);
    expect(v.errors[0]).toMatchObject({ severity: "error", memberIndex: 1, hint: "Recompress it with xz --check=crc32" });
    expect(v.errors[0]!.message).toStartWith('Cannot unpack add-on .initrd of "crc64.addon.efi" (');
    expect(v.errors[0]!.message).toContain("CRC64 integrity check");
    expect(() => refuseInvalidInitrd(v, { force: false })).toThrow(InitrdRejectedError);
  });

  test.each([
    ["sha256", compress.xzSha256, "SHA256"],
    ["none", compress.xzNone, null],
    ["crc32", compress.xzCrc32, null],
  ] as const)("judges an xz member with check %s", async (_, make, word) => {
    const v = await check([m("initrd", make(main))]);
    if (word === null) expect(v.errors).toEqual([]);
    else expect(v.errors.map((e) => e.message).join()).toContain(word);
  });

  test("refuses a legacy LZ4 member that is not last, and accepts it last", async () => {
    const lz4 = compress.lz4Legacy(main);
    const notLast = await check([m("initrd", lz4), m("osrel", osrel)]);
    expect(notLast.errors).toHaveLength(1);
    expect(notLast.errors[0]!.message).toContain("legacy LZ4");
    expect(notLast.errors[0]!.memberIndex).toBe(0);
    expect((await check([m("osrel", osrel), m("initrd", lz4)])).errors).toEqual([]);
  });

  test("refuses LZ4 in frame format anywhere", async () => {
    const v = await check([m("osrel", osrel), m("initrd", compress.lz4Frame(main))]);
    expect(v.errors.map((e) => e.message).join()).toContain("frame format");
  });

  test("refuses formats the kernel configuration lacks and accepts the ones it has", async () => {
    const v = await check(
      [m("initrd", compress.gzip(main)), m("addon-initrd", compress.zstd(main), "z.addon.efi"), m("addon-initrd", compress.lzo(main), "o.addon.efi")],
      gzipXzOnly,
    );
    expect(v.errors.map((e) => [e.memberIndex, /CONFIG_RD_(\w+)/.exec(e.message)?.[1]])).toEqual([
      [1, "ZSTD"],
      [2, "LZO"],
    ]);
  });

  test("refuses xz BCJ filters the kernel lacks and the delta filter it never has", async () => {
    const x86 = await check([m("initrd", compress.xzX86(main))], gzipXzOnly);
    expect(x86.errors.map((e) => e.message).join()).toContain("CONFIG_XZ_DEC_X86");
    expect((await check([m("initrd", compress.xzX86(main))], debianConfig)).errors).toEqual([]);
    const delta = await check([m("initrd", compress.xzDelta(main))], debianConfig);
    expect(delta.errors.map((e) => e.message).join()).toContain("delta filter");
  });

  test("warns once, naming the formats, when the kernel configuration is unknown", async () => {
    const v = await check([m("initrd", compress.zstd(main)), m("addon-initrd", compress.gzip(main)), m("addon-initrd", compress.zstd(main))], null);
    expect(v.errors).toEqual([]);
    expect(v.warnings).toHaveLength(1);
    expect(v.warnings[0]!.message).toContain("gzip, zstd");
  });

  test("reads the target's configuration only when a member needs it, and once (docs/initrd.md §5)", async () => {
    let reads = 0;
    const lazy = async () => (reads++, debianConfig);
    const raw = await validateInitrd(layoutInitrd([m("ucode", ucode), m("osrel", osrel)], { style: "type2" }), { kernelConfig: lazy });
    expect(raw.errors).toEqual([]);
    expect(reads).toBe(0);
    const packed = await validateInitrd(
      layoutInitrd([m("initrd", compress.zstd(main)), m("addon-initrd", compress.gzip(main), "g.addon.efi")], { style: "type2" }),
      { kernelConfig: lazy },
    );
    expect(packed.errors).toEqual([]);
    expect(reads).toBe(1);
  });

  test("a configuration read on demand is checked as one given: the decompressors, then CONFIG_BLK_DEV_INITRD first", async () => {
    const noInitrd = parseKernelConfig(readFileSync(join(FIXTURES, "config-no-initrd"), "utf8"));
    const v = await validateInitrd(layoutInitrd([m("initrd", compress.zstd(main))], { style: "type2" }), { kernelConfig: async () => noInitrd });
    expect(v.errors[0]!.message).toBe("Cannot load the initrd: the kernel is built without CONFIG_BLK_DEV_INITRD and ignores every initrd");
    const zstdless = await validateInitrd(layoutInitrd([m("initrd", compress.zstd(main))], { style: "type2" }), { kernelConfig: async () => gzipXzOnly });
    expect(zstdless.errors.map((e) => e.message).join()).toContain("built without CONFIG_RD_ZSTD");
  });

  test("a target whose configuration cannot be read is one warning that says why, not a refusal", async () => {
    const why = 'the kernel in "/efi/vmlinuz" carries no configuration of its own (it is built without CONFIG_IKCONFIG=y)';
    const v = await validateInitrd(
      layoutInitrd([m("initrd", compress.zstd(main)), m("addon-initrd", compress.gzip(main), "g.addon.efi")], { style: "type2" }),
      {
        kernelConfig: async () => ({ unknown: why }),
      },
    );
    expect(v.errors).toEqual([]);
    expect(v.warnings.map((w) => w.message)).toEqual([
      `The initrd was checked only in part: ${why}, so whether that kernel can decompress gzip, zstd was not checked`,
    ]);
  });

  test("refuses any initrd for a kernel without CONFIG_BLK_DEV_INITRD", async () => {
    const v = await check([m("initrd", main)], parseKernelConfig(readFileSync(join(FIXTURES, "config-no-initrd"), "utf8")));
    expect(v.errors.map((e) => e.memberIndex)).toEqual([null]);
  });

  test("refuses a raw member that does not end in TRAILER!!! and names it", async () => {
    const cut = osrel.subarray(0, osrel.length - 124);
    const v = await check([m("ucode", ucode), m("credentials", cut), m("osrel", osrel)]);
    expect(v.errors).toHaveLength(1);
    expect(v.errors[0]!.message).toStartWith("Cannot unpack credentials archive (");
    expect(v.errors[0]!.message).toContain("without a TRAILER!!! record");
  });

  test("refuses data no decompressor knows", async () => {
    const v = await check([m("initrd", enc.encode("MZ this is a PE file, not an initrd"))]);
    expect(v.errors[0]!.message).toContain("invalid magic");
  });

  describe("microcode", () => {
    test("accepts microcode in the leading uncompressed archives, across members", async () => {
      const v = await check([m("addon-ucode", ucode, "u.addon.efi"), m("ucode", ucode), m("initrd", compress.zstd(main))]);
      expect(v.errors).toEqual([]);
    });

    test("refuses microcode after a compressed member", async () => {
      const v = await check([m("initrd", compress.zstd(main)), m("addon-initrd", ucode, "late.addon.efi")]);
      expect(v.errors).toHaveLength(1);
      expect(v.errors[0]!.message).toContain('microcode "kernel/x86/microcode/GenuineIntel.bin" is not in the uncompressed archives at the start');
      expect(v.errors[0]!.memberIndex).toBe(1);
    });

    test("on arm64 microcode is no member the kernel looks for: its place is not checked", async () => {
      const layout = layoutInitrd([m("initrd", compress.zstd(main)), m("addon-initrd", ucode, "late.addon.efi")], { style: "type2" });
      const v = await validateInitrd(layout, { kernelConfig: debianConfig, machine: "aarch64" });
      expect(v.errors).toEqual([]);
    });

    test("warns about microcode stored with a leading ./", async () => {
      // GNU cpio strips a leading "./"; other tools keep it. Rename in place, keeping the name's length.
      const text = new TextDecoder().decode(ucode).replace("kernel/x86/microcode/GenuineIntel.bin", "./kernel/x86/microcode/GenuineInt.bin");
      const v = await check([m("ucode", enc.encode(text))]);
      expect(v.errors).toEqual([]);
      expect(v.warnings.map((w) => w.message).join()).toContain('leading "./"');
    });
  });

  test("reads members from file ranges through readRange", async () => {
    const file = new Uint8Array(4096 + osrel.length);
    file.set(osrel, 4096);
    const layout = layoutInitrd([{ kind: "osrel", source: { type: "range", path: "/esp/EFI/Linux/x.efi", offset: 4096, size: osrel.length } }], {
      style: "type2",
    });
    const reads: string[] = [];
    const v = await validateInitrd(layout, {
      kernelConfig: debianConfig,
      readRange: async (path, offset, length) => {
        reads.push(`${path}@${offset}`);
        return file.subarray(offset, offset + length);
      },
    });
    expect(v.errors).toEqual([]);
    expect(reads[0]).toBe("/esp/EFI/Linux/x.efi@4096");
  });
});

describe("refuseInvalidInitrd()", () => {
  test("throws a BootError naming the first bad member, with a hint and the count of the others", async () => {
    const v = await check([
      m("initrd", compress.xzCrc64(main), "\\EFI\\Linux\\x.efi"),
      m("addon-initrd", compress.lz4Frame(main), "f.addon.efi"),
      m("osrel", osrel),
    ]);
    expect(v.errors).toHaveLength(2);
    try {
      refuseInvalidInitrd(v, { force: false });
      throw new Error("not refused");
    } catch (e) {
      expect(e).toBeInstanceOf(InitrdRejectedError);
      const err = e as InitrdRejectedError;
      expect(err.message).toStartWith('Cannot unpack UKI .initrd of "\\EFI\\Linux\\x.efi"');
      expect(err.message).toEndWith("(and 1 more problem)");
      expect(err.hint).toBe("Recompress it with xz --check=crc32, or boot with the force option to load it anyway (the kernel skips what it cannot unpack)");
      expect(err.problems).toHaveLength(2);
    }
  });

  test("with force, returns the errors as warnings instead", async () => {
    const v = await check([m("initrd", compress.xzCrc64(main))]);
    const shown = refuseInvalidInitrd(v, { force: true });
    expect(shown.map((p) => p.severity)).toEqual(["warning"]);
  });

  test("passes a clean initrd", async () => {
    expect(refuseInvalidInitrd(await check([m("osrel", osrel)]), { force: false })).toEqual([]);
  });
});
