/** dist/ counts as current by what it was built from, never by its files' times. */
import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildIsCurrent, buildKeys, clearBuildStamp, writeBuildStamp } from "../../../build/build-stamp.ts";

const withModules = { arch: "x64", initramfs: true, modulesDir: "/lib/modules/6.12.57+deb13-cloud-amd64" };
const plain = { arch: "x64", initramfs: true };

test("no stamp, or a stamp of other options, is not current; the same options are", () => {
  const out = mkdtempSync(join(tmpdir(), "dist-"));
  expect(buildIsCurrent(out, withModules)).toBe(false);
  // `bun run build` without --modules: newer than every source, and still not the image a QEMU boot needs.
  writeBuildStamp(out, buildKeys(plain), plain);
  expect(buildIsCurrent(out, withModules)).toBe(false);
  expect(buildIsCurrent(out, plain)).toBe(true);
  writeBuildStamp(out, buildKeys(withModules), withModules);
  expect(buildIsCurrent(out, withModules)).toBe(true);
});

test("a caller that needs only the binary takes a build whose binary is the same, whatever its image", () => {
  const out = mkdtempSync(join(tmpdir(), "dist-"));
  writeBuildStamp(out, buildKeys(withModules), withModules);
  expect(buildIsCurrent(out, { arch: "x64", initramfs: false })).toBe(true);
  expect(buildIsCurrent(out, { arch: "arm64", initramfs: false })).toBe(false);
});

test("a build that started and did not finish leaves no stamp; a stamp that is not JSON is not current", () => {
  const out = mkdtempSync(join(tmpdir(), "dist-"));
  writeBuildStamp(out, buildKeys(plain), plain);
  clearBuildStamp(out);
  expect(buildIsCurrent(out, plain)).toBe(false);
  writeFileSync(join(out, "build-stamp.json"), "{");
  expect(buildIsCurrent(out, plain)).toBe(false);
});

test("the keys follow the options: the rescue-shell switch changes the binary, the modules only the image", () => {
  const a = buildKeys(plain);
  expect(buildKeys({ ...plain, allowRescueShell: true }).binary).not.toBe(a.binary);
  const m = buildKeys(withModules);
  expect(m.binary).toBe(a.binary);
  expect(m.whole).not.toBe(a.whole);
});
