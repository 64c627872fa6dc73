/**
 * initrd-hooks/common/files.list, the one list the three generators install: well formed, every source
 * present, and the same ESP modules that ukiboot's own initramfs (build/initramfs.ts) ships.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { LOCAL_BOOT_MODULES } from "../../../src/install/boot-initramfs.ts";
import { HOOKS_DIR, readFilesList } from "../../support/sh-harness.ts";

const entries = readFilesList();

describe("files.list", () => {
  test("readFilesList() skips comments and blank lines and rejects unknown kinds", () => {
    expect(readFilesList("# c\n\n  exec /a @binary@\nmodule vfat\n")).toEqual([
      { kind: "exec", name: "/a", source: "@binary@", line: 3 },
      { kind: "module", name: "vfat", line: 4 },
    ]);
    expect(() => readFilesList("binary /a @binary@\n")).toThrow('files.list line 1: unknown kind "binary"');
  });

  test("every path in the image is absolute and listed once", () => {
    const paths = entries.filter((e) => e.kind === "exec" || e.kind === "file").map((e) => e.name);
    for (const p of paths) expect(p).toStartWith("/");
    expect(new Set(paths).size).toBe(paths.length);
  });

  test("every source is @binary@ or an existing file under @hooks@, and exec sources are executable", () => {
    for (const e of entries.filter((x) => x.kind === "exec" || x.kind === "file")) {
      if (e.source === "@binary@") continue;
      expect(e.source).toStartWith("@hooks@/");
      const file = join(HOOKS_DIR, e.source!.slice("@hooks@/".length));
      expect(`${file}: ${existsSync(file)}`).toBe(`${file}: true`);
      if (e.kind === "exec") expect(statSync(file).mode & 0o111).toBe(0o111);
    }
  });

  test("module names are names, not paths, and listed once", () => {
    const names = entries.filter((e) => e.kind === "driver" || e.kind === "module").map((e) => e.name);
    for (const n of names) expect(n).toMatch(/^[a-z0-9_-]+$/);
    expect(new Set(names).size).toBe(names.length);
  });

  test("the modules are src/install/boot-initramfs.ts LOCAL_BOOT_MODULES, so both kinds of image can read an ESP and a keyboard", () => {
    const names = entries.filter((e) => e.kind === "driver" || e.kind === "module").map((e) => e.name);
    expect([...names].sort()).toEqual([...LOCAL_BOOT_MODULES].sort());
  });

  test("file systems, code pages and efivarfs are `module` (loaded by the shim), disk and TPM drivers `driver` (loaded by udev)", () => {
    const kindOf = (n: string) => entries.find((e) => e.name === n)?.kind;
    for (const n of ["fat", "vfat", "nls_cp437", "nls_ascii", "nls_iso8859-1", "nls_utf8", "efivarfs"]) expect(`${n} ${kindOf(n)}`).toBe(`${n} module`);
    for (const n of ["nvme", "virtio_blk", "ahci", "sd_mod", "tpm_tis"]) expect(`${n} ${kindOf(n)}`).toBe(`${n} driver`);
  });

  test("the list installs itself where the shim reads it, and the binary where the shim runs it", () => {
    const shim = readFileSync(join(HOOKS_DIR, "common", "init-shim.sh"), "utf8");
    const listInImage = entries.find((e) => e.source === "@hooks@/common/files.list")?.name;
    const binaryInImage = entries.find((e) => e.source === "@binary@")?.name;
    expect(shim).toContain(`UKIBOOT_FILES_LIST=\${UKIBOOT_FILES_LIST:-${listInImage}}`);
    expect(shim).toContain(`UKIBOOT=\${UKIBOOT:-${binaryInImage}}`);
  });
});
