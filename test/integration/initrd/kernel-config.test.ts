import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { debianParts } from "../../../build/debian.ts";
import { canDecompress, hasInitramfsSupport, isBuiltIn, parseKernelConfig } from "../../../src/initrd/kernel-config.ts";

const FIXTURES = join(import.meta.dir, "../../fixtures/initrd");

describe("parseKernelConfig()", () => {
  test("reads set, unset and string options and ignores other lines", () => {
    const c = parseKernelConfig(readFileSync(join(FIXTURES, "config-rd-gzip-xz-only"), "utf8"));
    expect(c.get("CONFIG_RD_GZIP")).toBe("y");
    expect(c.get("CONFIG_RD_ZSTD")).toBe("n");
    expect(c.get("CONFIG_CMDLINE")).toBe('"console=ttyS0 quiet"');
    expect(c.get("CONFIG_INITRAMFS_SOURCE")).toBe('""');
    expect([...c.keys()].every((k) => k.startsWith("CONFIG_"))).toBe(true);
  });

  test("reads the real Debian trixie cloud kernel's configuration", async () => {
    const parts = await debianParts();
    const c = parseKernelConfig(readFileSync(parts.kernelConfig, "utf8"));
    expect(hasInitramfsSupport(c)).toBe(true);
    for (const f of ["gzip", "bzip2", "lzma", "xz", "lzo", "lz4", "zstd"] as const) expect(canDecompress(c, f)).toBe(true);
    expect(isBuiltIn(c, "CONFIG_XZ_DEC_X86")).toBe(true);
    expect(c.size).toBeGreaterThan(3000);
  });
});

describe("canDecompress() and hasInitramfsSupport()", () => {
  test.each([
    ["CONFIG_RD_ZSTD=y", true],
    ["# CONFIG_RD_ZSTD is not set", false],
    ["CONFIG_RD_ZSTD=m", false],
    ["", false],
  ])("%p → %p", (line, want) => {
    expect(canDecompress(parseKernelConfig(line), "zstd")).toBe(want);
  });

  test("a kernel without CONFIG_BLK_DEV_INITRD has no initramfs support", () => {
    expect(hasInitramfsSupport(parseKernelConfig(readFileSync(join(FIXTURES, "config-no-initrd"), "utf8")))).toBe(false);
  });
});
