/**
 * The merged initrd is checked against the kernel that will unpack it, not the one that runs ukiboot
 * (docs/initrd.md §5): its configuration is read from the target image (CONFIG_IKCONFIG), and where the
 * image carries none the console gets one line saying the check could not be made for that kernel.
 */
import { describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { debianParts } from "../../../build/debian.ts";
import { openSession } from "../../../src/flow/boot-session.ts";
import { planAndCheck } from "../../../src/flow/load-entry.ts";
import { InitrdRejectedError } from "../../../src/initrd/validate-initrd.ts";
import { zbootImage } from "../../lab/zboot.ts";
import { fakeSys } from "../../support/fake-sys.ts";
import { compress, payloadArchive } from "../support/real-members.ts";
import { arm64Image, bzImage, CONFIG_WITHOUT_RD_ZSTD, vmlinuxWithConfig } from "../../unit/kernel-image/config-kernels.ts";

/** An ESP with one Type #1 `linux` entry: `kernel` and a zstd-compressed initrd. */
function esp(kernel: Uint8Array | string, initrd = compress.zstd(payloadArchive("zstd"))): string {
  const dir = mkdtempSync(join(tmpdir(), "target-config-esp-"));
  mkdirSync(join(dir, "loader/entries"), { recursive: true });
  if (typeof kernel === "string") cpSync(kernel, join(dir, "vmlinuz"));
  else writeFileSync(join(dir, "vmlinuz"), kernel);
  writeFileSync(join(dir, "initrd.img"), initrd);
  writeFileSync(join(dir, "loader/entries/target.conf"), "title Target\nlinux /vmlinuz\ninitrd /initrd.img\noptions console=ttyS0\n");
  return dir;
}

async function plan(espDir: string, machine = "x86_64") {
  const sys = fakeSys({ machine });
  const session = await openSession(sys, { esp: espDir }, { verifyFlag: "off" });
  return planAndCheck(sys, session, session.discovery.entries[0]!);
}

describe("the initrd check asks the target kernel", () => {
  test("a zstd initrd for a target built without CONFIG_RD_ZSTD is refused, naming the member and the option", async () => {
    const err = await plan(esp(bzImage(vmlinuxWithConfig(CONFIG_WITHOUT_RD_ZSTD), "zstd"))).catch((e) => e);
    expect(err).toBeInstanceOf(InitrdRejectedError);
    expect(err.message).toMatch(/^Cannot unpack initrd file of ".*\/initrd\.img" \(.*\): it is zstd-compressed and the kernel is built without CONFIG_RD_ZSTD/);
  });

  test("the same on arm64, where the configuration sits in the Image inside an EFI zboot image", async () => {
    const err = await plan(esp(zbootImage(arm64Image(vmlinuxWithConfig(CONFIG_WITHOUT_RD_ZSTD)), "gzip")), "aarch64").catch((e) => e);
    expect(err).toBeInstanceOf(InitrdRejectedError);
    expect(err.message).toContain("the kernel is built without CONFIG_RD_ZSTD");
  });

  test("a target whose configuration allows the initrd plans without a word about it", async () => {
    const allowing = CONFIG_WITHOUT_RD_ZSTD.replace("# CONFIG_RD_ZSTD is not set", "CONFIG_RD_ZSTD=y");
    const { warnings } = await plan(esp(bzImage(vmlinuxWithConfig(allowing), "gzip")));
    expect(warnings).toEqual([]);
  });

  test("Debian's kernel carries no configuration: one line says the check could not be made for it, and it plans", async () => {
    const dir = esp((await debianParts()).vmlinuz);
    const { warnings } = await plan(dir);
    expect(warnings).toEqual([
      `The initrd was checked only in part: the kernel in "${join(dir, "vmlinuz")}" carries no configuration of its own (it is built without CONFIG_IKCONFIG=y), so whether that kernel can decompress zstd was not checked`,
    ]);
  }, 60_000);
});
