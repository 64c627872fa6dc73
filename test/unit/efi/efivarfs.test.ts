/** The efivarfs layer over a directory with the same layout (what --efivarfs DIR points at). */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeUtf16, encodeUtf16 } from "../../../src/efi/efivar-codec.ts";
import { LoaderEntryDefault, LoaderEntryOneShot } from "../../../src/efi/loader-vars.ts";
import { BootError } from "../../../src/errors.ts";
import { EFIVARFS_DIR, Efivarfs } from "../../../src/linux/efivarfs.ts";

test("Efivarfs writes attributes and data in one file named <Name>-<guid>", () => {
  const dir = mkdtempSync(join(tmpdir(), "efivars-"));
  const vars = new Efivarfs(dir);
  vars.write(LoaderEntryDefault, { attributes: 7, data: encodeUtf16("b.efi") });
  const file = join(dir, "LoaderEntryDefault-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f");
  expect([...readFileSync(file)]).toEqual([7, 0, 0, 0, ...encodeUtf16("b.efi")]);
  const v = vars.read(LoaderEntryDefault)!;
  expect(decodeUtf16(v.data)).toBe("b.efi");
});

test("Efivarfs.remove() deletes a variable and tolerates a missing one", () => {
  const dir = mkdtempSync(join(tmpdir(), "efivars-"));
  const file = join(dir, "LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f");
  writeFileSync(file, Uint8Array.from([7, 0, 0, 0, 0x61, 0, 0, 0]));
  const vars = new Efivarfs(dir);
  expect(decodeUtf16(vars.read(LoaderEntryOneShot)!.data)).toBe("a");
  vars.remove(LoaderEntryOneShot);
  expect(existsSync(file)).toBe(false);
  vars.remove(LoaderEntryOneShot);
  expect(vars.read(LoaderEntryOneShot)).toBeNull();
});

test("without efivarfs, reads find nothing and writes say the feature is unavailable", () => {
  const vars = new Efivarfs("/nonexistent/efivars");
  expect(vars.available).toBe(false);
  expect(vars.read(LoaderEntryDefault)).toBeNull();
  expect(() => vars.write(LoaderEntryDefault, { attributes: 7, data: encodeUtf16("x") })).toThrow(BootError);
  expect(() => vars.write(LoaderEntryDefault, { attributes: 7, data: encodeUtf16("x") })).toThrow("there is no efivarfs");
});

describe("the default location counts only with efivarfs mounted on it", () => {
  const mountsFile = (text: string) => {
    const p = join(mkdtempSync(join(tmpdir(), "mounts-")), "mounts");
    writeFileSync(p, text);
    return p;
  };

  test("an empty directory the kernel made, with nothing mounted, is not available: SecureBoot would read as absent", () => {
    expect(new Efivarfs(EFIVARFS_DIR, mountsFile("proc /proc proc rw 0 0\nsysfs /sys sysfs rw 0 0\n")).available).toBe(false);
  });

  test("efivarfs mounted there is available, and stays so", () => {
    const vars = new Efivarfs(EFIVARFS_DIR, mountsFile("sysfs /sys sysfs rw 0 0\nefivarfs /sys/firmware/efi/efivars efivarfs rw,nosuid,nodev,noexec 0 0\n"));
    expect(vars.available).toBe(true);
  });

  test("another file system mounted there (a tmpfs a root user laid over it) is not efivarfs", () => {
    expect(new Efivarfs(EFIVARFS_DIR, mountsFile("tmpfs /sys/firmware/efi/efivars tmpfs rw 0 0\n")).available).toBe(false);
  });

  test("no mount table to read: not available", () => {
    expect(new Efivarfs(EFIVARFS_DIR, "/nonexistent/mounts").available).toBe(false);
  });
});
