/**
 * The configuration a kernel image carries (CONFIG_IKCONFIG, src/kernel-image/ikconfig.ts), read as the kernel's
 * scripts/extract-ikconfig reads it: the gzip'd text between "IKCFG_ST" and "IKCFG_ED" in the decompressed
 * kernel. Debian's own kernels, amd64 bzImage and arm64 Image, carry none; the synthetic ones of
 * config-kernels.ts carry one in each packing.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { debianArm64Parts, debianParts } from "../../../build/debian.ts";
import { bytesSource, createSourceReader, sourceSize, type SourceReader } from "../../../src/bytes/byte-source.ts";
import { findEmbeddedConfig, readEmbeddedConfig } from "../../../src/kernel-image/ikconfig.ts";
import { zbootImage } from "../../lab/zboot.ts";
import { arm64Image, bzImage, CONFIG_WITHOUT_RD_ZSTD, vmlinuxWithConfig } from "../../unit/kernel-image/config-kernels.ts";

/** An image in memory, read by range, with the bytes each read asked for counted. */
function inMemory(bytes: Uint8Array): { image: { read: SourceReader; size: number }; readBytes: () => number } {
  const read = createSourceReader(bytesSource(bytes));
  let n = 0;
  return {
    image: { read: (o, l) => ((n += l), read(o, l)), size: bytes.byteLength },
    readBytes: () => n,
  };
}

/** A file read by range from disk, as the boot reads a kernel. */
function onDisk(path: string): { read: SourceReader; size: number } {
  const bytes = new Uint8Array(readFileSync(path));
  const source = bytesSource(bytes);
  return { read: createSourceReader(source), size: sourceSize(source) };
}

const SOURCE = "/efi/vmlinuz-test";

describe("readEmbeddedConfig() on Debian's kernels, built without CONFIG_IKCONFIG", () => {
  test("the amd64 bzImage: its zstd payload is undone to the end and holds no configuration, as its config file says", async () => {
    const parts = await debianParts();
    expect(readFileSync(parts.kernelConfig, "utf8")).toContain("# CONFIG_IKCONFIG is not set");
    expect(await readEmbeddedConfig(onDisk(parts.vmlinuz), { source: parts.vmlinuz, machine: "x86_64" })).toEqual({
      missing: `the kernel in "${parts.vmlinuz}" carries no configuration of its own (it is built without CONFIG_IKCONFIG=y)`,
    });
  }, 60_000);

  test("the arm64 Image, read as it is", async () => {
    const parts = await debianArm64Parts();
    const bootDir = join(parts.vmlinuz, "..");
    const config = readdirSync(bootDir).find((n) => n.startsWith("config-"))!;
    expect(readFileSync(join(bootDir, config), "utf8")).toContain("# CONFIG_IKCONFIG is not set");
    expect(await readEmbeddedConfig(onDisk(parts.vmlinuz), { source: parts.vmlinuz, machine: "aarch64" })).toEqual({
      missing: `the kernel in "${parts.vmlinuz}" carries no configuration of its own (it is built without CONFIG_IKCONFIG=y)`,
    });
  }, 60_000);
});

describe("readEmbeddedConfig() on images that carry one", () => {
  const vmlinux = vmlinuxWithConfig(CONFIG_WITHOUT_RD_ZSTD);

  test("an x86 bzImage with a zstd or a gzip payload", async () => {
    for (const compression of ["zstd", "gzip"] as const) {
      expect(await readEmbeddedConfig(inMemory(bzImage(vmlinux, compression)).image, { source: SOURCE, machine: "x86_64" })).toEqual({
        config: CONFIG_WITHOUT_RD_ZSTD,
      });
    }
  });

  test("an arm64 Image, a gzip'd one and an EFI zboot image", async () => {
    const image = arm64Image(vmlinux);
    for (const packed of [image, Bun.gzipSync(image as Uint8Array<ArrayBuffer>), zbootImage(image, "zstd"), zbootImage(image, "gzip")]) {
      expect(await readEmbeddedConfig(inMemory(packed).image, { source: SOURCE, machine: "aarch64" })).toEqual({ config: CONFIG_WITHOUT_RD_ZSTD });
    }
  });

  test("reading stops once the configuration is found", async () => {
    const early = inMemory(bzImage(vmlinuxWithConfig(CONFIG_WITHOUT_RD_ZSTD, { before: 1000, after: 8 * 1024 * 1024 }), "gzip"));
    expect(await readEmbeddedConfig(early.image, { source: SOURCE, machine: "x86_64" })).toEqual({ config: CONFIG_WITHOUT_RD_ZSTD });
    expect(early.readBytes()).toBeLessThan(early.image.size / 2);
  });

  test("a synthetic image without the block says so, in one clause naming the file", async () => {
    expect(await readEmbeddedConfig(inMemory(bzImage(vmlinuxWithConfig(null), "zstd")).image, { source: SOURCE, machine: "x86_64" })).toEqual({
      missing: `the kernel in "${SOURCE}" carries no configuration of its own (it is built without CONFIG_IKCONFIG=y)`,
    });
  });
});

describe("readEmbeddedConfig() when the configuration cannot be read", () => {
  test("a kernel compressed with what the runtime cannot undo (xz)", async () => {
    expect(await readEmbeddedConfig(inMemory(bzImage(vmlinuxWithConfig(CONFIG_WITHOUT_RD_ZSTD), "xz")).image, { source: SOURCE, machine: "x86_64" })).toEqual({
      missing: `the kernel in "${SOURCE}" is xz-compressed, and ukiboot undoes only gzip and zstd to read a kernel's configuration`,
    });
  });

  test("a payload cut short", async () => {
    const image = bzImage(vmlinuxWithConfig(null), "gzip");
    const dv = new DataView(image.buffer);
    dv.setUint32(0x24c, dv.getUint32(0x24c, true) - 5000, true);
    const found = await readEmbeddedConfig(inMemory(image).image, { source: SOURCE, machine: "x86_64" });
    expect(found).toEqual({
      missing: `the kernel in "${SOURCE}" cannot be decompressed to read its configuration: its gzip stream ends before its end marker (the file is cut short)`,
    });
  });

  test("a damaged configuration block", async () => {
    const vmlinux = vmlinuxWithConfig(CONFIG_WITHOUT_RD_ZSTD);
    const at = Buffer.from(vmlinux).indexOf("IKCFG_ST") + 8;
    vmlinux.fill(0x55, at + 20, at + 40);
    const found = await readEmbeddedConfig(inMemory(bzImage(vmlinux, "zstd")).image, { source: SOURCE, machine: "x86_64" });
    expect("missing" in found && found.missing).toStartWith(`the configuration embedded in the kernel in "${SOURCE}" is damaged: `);
  });

  test("a bzImage too old to say where its payload is (boot protocol before 2.08)", async () => {
    const image = bzImage(vmlinuxWithConfig(CONFIG_WITHOUT_RD_ZSTD), "gzip");
    new DataView(image.buffer).setUint16(0x206, 0x0207, true);
    expect(await readEmbeddedConfig(inMemory(image).image, { source: SOURCE, machine: "x86_64" })).toEqual({
      missing: `the kernel in "${SOURCE}" is a bzImage of boot protocol 2.07, whose header does not say where its compressed kernel is (2.08 and later do)`,
    });
  });
});

describe("findEmbeddedConfig()", () => {
  test("finds the block wherever the chunks of the decompressed kernel split it", async () => {
    const vmlinux = vmlinuxWithConfig(CONFIG_WITHOUT_RD_ZSTD, { before: 50, after: 50 });
    for (let cut = 0; cut <= vmlinux.byteLength; cut++) {
      const found = await findEmbeddedConfig([vmlinux.subarray(0, cut), vmlinux.subarray(cut)], { source: SOURCE });
      if (found?.text !== CONFIG_WITHOUT_RD_ZSTD) throw new Error(`not found when split at ${cut}`);
    }
    const bytewise = [...vmlinux].map((b) => Uint8Array.of(b));
    expect((await findEmbeddedConfig(bytewise, { source: SOURCE }))?.text).toBe(CONFIG_WITHOUT_RD_ZSTD);
  });

  test("a marker without the gzip header after it is not the block (extract-ikconfig looks for both)", async () => {
    const bytes = new Uint8Array(
      Buffer.concat([Buffer.from("a string IKCFG_ST in the kernel's text"), vmlinuxWithConfig(CONFIG_WITHOUT_RD_ZSTD, { before: 10, after: 10 })]),
    );
    expect((await findEmbeddedConfig([bytes], { source: SOURCE }))?.text).toBe(CONFIG_WITHOUT_RD_ZSTD);
    expect(await findEmbeddedConfig([new TextEncoder().encode("IKCFG_ST but no block")], { source: SOURCE })).toBeNull();
  });
});
