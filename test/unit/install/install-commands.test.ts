/**
 * The commands as a person types them, through main() over the fake Sys and the fake InstallHost: install in
 * the linux-efi-stub layout (the entry carries the initramfs and the line), status, update when the kernel
 * changed and not otherwise, remove, and --graceful where there is no ESP.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeUtf16 } from "../../../src/efi/efivar-codec.ts";
import { decodeLoadOption } from "../../../src/efi/load-option.ts";
import { listNewcArchive } from "../../../src/initrd/list-archive.ts";
import { ESP_TYPE_GUID } from "../../../src/disk/gpt.ts";
import { main } from "../../../src/main.ts";
import { io } from "../../support/command-io.ts";
import { dynamicElf, fakeInstallHost, type FakeInstallHost, staticElf } from "../../support/fake-install-host.ts";
import { type FakeSys, fakeSys } from "../../support/fake-sys.ts";
import { standInEfiKernel } from "../../support/stand-in-kernel.ts";

const GLOBAL = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
const RELEASE = "6.12.0-test";
const PARTITION = {
  number: 1,
  typeGuid: ESP_TYPE_GUID,
  partUuid: "0f9d2b4e-7c1a-4e55-9a0b-2f6d8c3e1a77",
  firstLba: 2048n,
  lastLba: 1050623n,
  name: "ESP",
  device: "/dev/vda1",
  disk: "vda",
};

function machine(opts: { mounted?: boolean; programs?: string[] } = {}): { host: FakeInstallHost; sys: FakeSys; efivars: string } {
  const host = fakeInstallHost({ release: RELEASE, ...(opts.programs ? { programs: opts.programs } : {}) });
  host.put(`/boot/vmlinuz-${RELEASE}`, standInEfiKernel());
  host.put(`/boot/config-${RELEASE}`, "CONFIG_KEXEC_FILE=y\n");
  host.put("/usr/bin/ukiboot", staticElf());
  host.put("/usr/bin/busybox", staticElf());
  host.put("/usr/lib/systemd/boot/efi/linuxx64.efi.stub", "stub");
  host.put("/efi/EFI/BOOT/BOOTX64.EFI", "systemd-boot");
  const efivars = mkdtempSync(join(tmpdir(), "commands-efivars-"));
  writeFileSync(join(efivars, `BootOrder-${GLOBAL}`), Uint8Array.from([7, 0, 0, 0]));
  const mounts = opts.mounted === false ? [] : [{ mountPoint: "/efi", fsType: "vfat", source: "/dev/vda1", root: "/" }];
  const sys = fakeSys({ efivarfs: efivars, efi: true, partitions: [PARTITION], systemMounts: mounts });
  return { host, sys, efivars };
}

async function ukiboot(m: ReturnType<typeof machine>, ...argv: string[]) {
  const t = io();
  const code = await main(argv, t.io, () => ({ sys: () => m.sys, chooser: async () => Promise.reject(new Error("no menu here")), installHost: () => m.host }));
  return { code, out: t.out(), err: t.err() };
}

describe("ukiboot install, status, update and remove", () => {
  test("linux-efi-stub: the kernel as the image, the initramfs beside it, and the entry's options naming both with the line", async () => {
    const m = machine();
    const r = await ukiboot(m, "install", "--layout", "linux-efi-stub", "--cmdline", "console=ttyS0");
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(m.host.readFile("/efi/EFI/ukiboot/ukibootx64.efi")).toEqual(standInEfiKernel());
    expect(m.host.readFile("/efi/EFI/ukiboot/initramfs.img")!.length).toBeGreaterThan(0);
    const option = decodeLoadOption(new Uint8Array(readFileSync(join(m.efivars, `Boot0000-${GLOBAL}`))).subarray(4), "Boot0000");
    expect(decodeUtf16(option.optionalData)).toBe("initrd=\\EFI\\ukiboot\\initramfs.img console=ttyS0");
    // No ukify: this layout needs none.
    expect(m.host.runs.some((a) => a[0]!.endsWith("ukify"))).toBe(false);
  });

  test("a dynamically linked busybox (Debian's busybox package) brings its libraries into the initramfs", async () => {
    const m = machine();
    m.host.put("/usr/bin/busybox", dynamicElf("/lib64/ld-linux-x86-64.so.2"));
    m.host.put("/lib64/ld-linux-x86-64.so.2", staticElf());
    expect(await ukiboot(m, "install", "--layout", "linux-efi-stub")).toMatchObject({ code: 0, err: "" });
    const listing = await listNewcArchive(Bun.zstdDecompressSync(m.host.readFile("/efi/EFI/ukiboot/initramfs.img")!));
    expect(listing.entries.map((e) => e.name)).toEqual(expect.arrayContaining(["lib64/ld-linux-x86-64.so.2", "bin/busybox"]));
  });

  test("status says current; update does nothing; after a kernel change status says due and update rebuilds", async () => {
    const m = machine();
    expect(await ukiboot(m, "install")).toMatchObject({ code: 0, err: "" });
    expect((await ukiboot(m, "status")).out).toContain("Update due: no\n");
    expect(await ukiboot(m, "update")).toEqual({ code: 0, out: "The boot image is current.\n", err: "" });
    m.host.put(`/boot/vmlinuz-${RELEASE}`, new Uint8Array([...standInEfiKernel(), 0]));
    expect((await ukiboot(m, "status")).out).toContain(`Update due: yes: its kernel /boot/vmlinuz-${RELEASE} changed\n`);
    const before = m.host.readFile("/efi/EFI/ukiboot/ukibootx64.efi");
    const u = await ukiboot(m, "update");
    expect(u.out).toStartWith(`Updating the boot image: its kernel /boot/vmlinuz-${RELEASE} changed.\nInstalled ukiboot `);
    expect(m.host.readFile("/efi/EFI/ukiboot/ukibootx64.efi")).not.toEqual(before);
    expect((await ukiboot(m, "status", "--json")).out).toContain('"updateDue": []');
  });

  test("a kernel update: status says a newer kernel is due, update builds from it and keeps following; its removal goes back to the newest left", async () => {
    const m = machine();
    expect(await ukiboot(m, "install")).toMatchObject({ code: 0, err: "" });
    m.host.put("/boot/vmlinuz-6.12.1-test", new Uint8Array([...standInEfiKernel(), 2]));
    expect((await ukiboot(m, "status")).out).toContain("Update due: yes: a newer kernel /boot/vmlinuz-6.12.1-test is installed\n");
    const u = await ukiboot(m, "update");
    expect(u.out).toStartWith("Updating the boot image: a newer kernel /boot/vmlinuz-6.12.1-test is installed.\nInstalled ukiboot ");
    expect(u.out).toContain("built from /boot/vmlinuz-6.12.1-test");
    const status = (await ukiboot(m, "status")).out;
    expect(status).toContain("Kernel: /boot/vmlinuz-6.12.1-test (6.12.1-test), following the newest installed");
    expect(status).toContain("Update due: no\n");
    m.host.remove("/boot/vmlinuz-6.12.1-test");
    expect((await ukiboot(m, "update")).out).toContain(`built from /boot/vmlinuz-${RELEASE}`);
    expect((await ukiboot(m, "status")).out).toContain("Update due: no\n");
  });

  test("remove says what it did; a second remove says nothing is installed", async () => {
    const m = machine();
    await ukiboot(m, "install");
    const r = await ukiboot(m, "remove");
    expect(r.out).toBe("Removed EFI/ukiboot/ukibootx64.efi.\nRemoved Boot0000.\nBootOrder is empty again.\n");
    expect((await ukiboot(m, "remove")).out).toBe('ukiboot is not installed on "/efi": there is no loader/ukiboot/install.json.\n');
  });

  test("--graceful: no ESP mounted is said, and succeeds; without it, the same is an error with the next step", async () => {
    const m = machine({ mounted: false });
    expect(await ukiboot(m, "install", "--graceful")).toEqual({
      code: 0,
      out: "ukiboot install: nothing installed: Cannot find the ESP: nothing of type vfat is mounted at /efi, /boot/efi or /boot\n",
      err: "",
    });
    const r = await ukiboot(m, "install");
    expect(r.code).toBe(1);
    expect(r.err).toContain("Cannot find the ESP: nothing of type vfat is mounted at /efi, /boot/efi or /boot");
    expect(r.err).toContain("Mount the ESP, or pass --esp DIR");
  });

  test("without ukify the uki layout is refused with what to install, and nothing is written", async () => {
    const m = machine({ programs: ["busybox"] });
    const r = await ukiboot(m, "install");
    expect(r.code).toBe(1);
    expect(r.err).toContain("Cannot build the boot image: ukify is not installed (looked for ukify, /usr/lib/systemd/ukify, /usr/bin/ukify)");
    expect(r.err).toContain("Install it (apt install systemd-ukify), or pass --layout linux-efi-stub");
    expect([m.host.exists("/efi/EFI/ukiboot"), m.host.exists("/efi/loader")]).toEqual([false, false]);
  });

  test("bad usage exits 2: an unknown layout, a key without its certificate", async () => {
    const m = machine();
    expect((await ukiboot(m, "install", "--layout", "grub")).code).toBe(2);
    expect((await ukiboot(m, "install", "--sign-key", "/k")).code).toBe(2);
  });
});
