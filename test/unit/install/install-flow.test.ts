/**
 * `ukiboot install`, `status`, `update` and `remove` over the fake Sys (EFI variables in a directory, the ESP's
 * partition on /dev/vda1) and the fake InstallHost (test/support/fake-install-host.ts): what lands on the ESP
 * and in the variables, that every refusal changes nothing, and that remove leaves both as they were.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeBootOrder } from "../../../src/efi/boot-order.ts";
import { parseEfivarfsFile } from "../../../src/efi/efivar-codec.ts";
import { decodeLoadOption, encodeLoadOption } from "../../../src/efi/load-option.ts";
import { BootError } from "../../../src/errors.ts";
import { newestKernel } from "../../../src/flow/install/boot-kernel.ts";
import { installStatus } from "../../../src/flow/install/install-status.ts";
import { installUkiboot, type InstallOptions } from "../../../src/flow/install/install-ukiboot.ts";
import { removeUkiboot } from "../../../src/flow/install/remove-ukiboot.ts";
import { parseInstallRecord } from "../../../src/install/install-record.ts";
import { formatPcrlockFile, imagePcrlockRecords } from "../../../src/install/pcrlock-file.ts";
import { buildTrustStore } from "../../../src/trust/trust-store.ts";
import { verifyAuthenticodeImage } from "../../../src/trust/verify-authenticode.ts";
import { ESP_TYPE_GUID } from "../../../src/disk/gpt.ts";
import { fakeInstallHost, type FakeInstallHost, staticElf } from "../../support/fake-install-host.ts";
import { fakeSys } from "../../support/fake-sys.ts";
import { standInEfiKernel } from "../../support/stand-in-kernel.ts";
import { issueCertificate, type TestCertificate } from "../../support/test-certificates.ts";

const GLOBAL = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
const RELEASE = "6.12.0-test";
const ESP = "/efi";
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
const SYSTEMD_BOOT = encodeLoadOption({
  active: true,
  description: "Linux Boot Manager",
  partition: { partition: 1, startLba: 2048n, sizeLba: 1048576n, partUuid: PARTITION.partUuid },
  file: "\\EFI\\systemd\\systemd-bootx64.efi",
  optionalData: new Uint8Array(0),
});

let db: TestCertificate;
beforeAll(() => {
  db = issueCertificate({ cn: "ukiboot test db", serial: 1, ca: true });
});

interface Machine {
  host: FakeInstallHost;
  efivars: string;
  sys: ReturnType<typeof fakeSys>;
}

/** A machine as bootctl install left it: systemd-boot on the ESP as the fallback too, Boot0000 first. */
function machine(opts: { secureBoot?: boolean; config?: string } = {}): Machine {
  const host = fakeInstallHost({ release: RELEASE });
  host.put(`/boot/vmlinuz-${RELEASE}`, standInEfiKernel());
  host.put(`/boot/config-${RELEASE}`, opts.config ?? "CONFIG_KEXEC_FILE=y\nCONFIG_BLK_DEV_INITRD=y\n");
  host.put(`/lib/modules/${RELEASE}/modules.dep`, "kernel/fs/fat/vfat.ko: kernel/fs/fat/fat.ko\nkernel/fs/fat/fat.ko:\n");
  host.put(`/lib/modules/${RELEASE}/kernel/fs/fat/vfat.ko`, "vfat module");
  host.put(`/lib/modules/${RELEASE}/kernel/fs/fat/fat.ko`, "fat module");
  host.put("/usr/bin/ukiboot", staticElf());
  host.put("/usr/bin/busybox", staticElf());
  host.put("/usr/lib/systemd/boot/efi/linuxx64.efi.stub", "stub");
  host.put(`${ESP}/EFI/systemd/systemd-bootx64.efi`, "systemd-boot");
  host.put(`${ESP}/EFI/BOOT/BOOTX64.EFI`, "systemd-boot");
  host.put(`${ESP}/loader/loader.conf`, "timeout 3\n");
  const efivars = mkdtempSync(join(tmpdir(), "install-efivars-"));
  const put = (name: string, data: Uint8Array) => writeFileSync(join(efivars, `${name}-${GLOBAL}`), Uint8Array.from([7, 0, 0, 0, ...data]));
  put("Boot0000", SYSTEMD_BOOT);
  put("BootOrder", Uint8Array.from([0, 0]));
  if (opts.secureBoot) put("SecureBoot", Uint8Array.from([1]));
  const sys = fakeSys({
    efivarfs: efivars,
    efi: true,
    partitions: [PARTITION],
    systemMounts: [{ mountPoint: ESP, fsType: "vfat", source: "/dev/vda1", root: "/" }],
  });
  return { host, efivars, sys };
}

const OPTIONS: InstallOptions = { esp: ESP, layout: "uki", bootEntry: true, forceFallback: false, cmdline: "console=ttyS0", binary: "/usr/bin/ukiboot" };

/** Every file under `dir` with its SHA-256, and every directory. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) {
        out[`${rel}${n}/`] = "dir";
        walk(p, `${rel}${n}/`);
      } else out[`${rel}${n}`] = createHash("sha256").update(readFileSync(p)).digest("hex");
    }
  };
  walk(dir, "");
  return out;
}

const variable = (m: Machine, name: string) => parseEfivarfsFile(new Uint8Array(readFileSync(join(m.efivars, `${name}-${GLOBAL}`))), name).data;
const espTree = (m: Machine) => tree(join(m.host.root, ESP));

async function refusal(m: Machine, opts: Partial<InstallOptions> = {}): Promise<BootError> {
  const before = { esp: espTree(m), vars: tree(m.efivars) };
  const e = await installUkiboot(m.sys, m.host, { ...OPTIONS, ...opts }).catch((x) => x);
  expect(e).toBeInstanceOf(BootError);
  // Nothing written, in either place.
  expect({ esp: espTree(m), vars: tree(m.efivars) }).toEqual(before);
  return e as BootError;
}

describe("ukiboot install", () => {
  test("writes the UKI under EFI/ukiboot, leaves systemd-boot's fallback alone, creates Boot0001 first in BootOrder, and records it", async () => {
    const m = machine();
    const r = await installUkiboot(m.sys, m.host, OPTIONS);
    const image = m.host.readFile(`${ESP}/EFI/ukiboot/ukibootx64.efi`)!;
    expect(image.length).toBeGreaterThan(0);
    expect(new TextDecoder().decode(m.host.readFile(`${ESP}/EFI/BOOT/BOOTX64.EFI`)!)).toBe("systemd-boot");
    const option = decodeLoadOption(variable(m, "Boot0001"), "Boot0001");
    expect(option).toMatchObject({
      active: true,
      description: "ukiboot",
      file: "\\EFI\\ukiboot\\ukibootx64.efi",
      partition: { partition: 1, startLba: 2048n, sizeLba: 1048576n },
    });
    expect(decodeBootOrder(variable(m, "BootOrder"))).toEqual([1, 0]);
    const record = parseInstallRecord(new TextDecoder().decode(m.host.readFile(`${ESP}/loader/ukiboot/install.json`)!), "install.json");
    expect(record).toEqual(r.record);
    expect(record).toMatchObject({
      layout: "uki",
      kernel: { path: `/boot/vmlinuz-${RELEASE}`, release: RELEASE },
      files: [{ path: "EFI/ukiboot/ukibootx64.efi" }],
      directories: ["EFI/ukiboot", "loader/ukiboot"],
      bootEntry: { number: 1, description: "ukiboot", bootOrderBefore: [0] },
      signing: null,
    });
    expect(r.lines[0]).toMatch(
      /^Installed ukiboot \S+ as EFI\/ukiboot\/ukibootx64\.efi \(\d+\.\d MiB, unsigned\), built from \/boot\/vmlinuz-6\.12\.0-test with the modules of 6\.12\.0-test\.$/,
    );
    expect(r.lines).toContain('Created Boot0001 "ukiboot" and put it first in BootOrder: 0001,0000.');
    // ukify was given the kernel, ukiboot's initramfs, the line and the stub.
    const ukify = m.host.runs.find((a) => a[0]!.endsWith("ukify"))!;
    expect(ukify).toContain("--cmdline=console=ttyS0");
    expect(ukify).toContain("--config=/dev/null");
    expect(ukify).toContain("--stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub");
  });

  test("where systemd-pcrlock is installed, the boot image's pcrlock file is written and recorded; remove takes it away", async () => {
    const m = machine();
    m.host.put("/usr/lib/systemd/systemd-pcrlock", staticElf());
    const r = await installUkiboot(m.sys, m.host, OPTIONS);
    const path = "/var/lib/pcrlock.d/640-ukiboot-boot-image.pcrlock";
    const text = new TextDecoder().decode(m.host.readFile(path)!);
    const image = m.host.readFile(`${ESP}/EFI/ukiboot/ukibootx64.efi`)!;
    expect(text).toBe(formatPcrlockFile(imagePcrlockRecords(image, "ukibootx64.efi")));
    // PCR 4 once, then two PCR 11 events per section.
    const pcrs = JSON.parse(text).records.map((x: { pcr: number }) => x.pcr);
    expect(pcrs[0]).toBe(4);
    expect(pcrs.slice(1).every((p: number) => p === 11) && pcrs.length % 2 === 1 && pcrs.length >= 7).toBe(true);
    expect(r.record.pcrlock).toEqual({ path, sha256: createHash("sha256").update(text).digest("hex") });
    expect(r.lines).toContain(`Wrote ${path}: the boot image's measurements for systemd-pcrlock make-policy.`);
    expect(removeUkiboot(m.sys, m.host, ESP).lines).toContain(`Removed ${path}.`);
    expect(m.host.exists(path)).toBe(false);
  });

  test("no pcrlock file without systemd-pcrlock or with pcrlock: null; one systemd-pcrlock would not read is refused", async () => {
    const m = machine();
    expect((await installUkiboot(m.sys, m.host, OPTIONS)).record.pcrlock).toBeNull();
    m.host.put("/usr/lib/systemd/systemd-pcrlock", staticElf());
    expect((await installUkiboot(m.sys, m.host, { ...OPTIONS, pcrlock: null })).record.pcrlock).toBeNull();
    expect(m.host.exists("/var/lib/pcrlock.d")).toBe(false);
    const e = await refusal(machine(), { pcrlock: "/etc/ukiboot.json" });
    expect(e.message).toBe('Cannot write the pcrlock file "/etc/ukiboot.json": systemd-pcrlock reads only NAME.pcrlock files in a pcrlock.d directory');
  });

  test("a second install reuses its Boot#### and BootOrder place: no second entry", async () => {
    const m = machine();
    await installUkiboot(m.sys, m.host, OPTIONS);
    expect((await installUkiboot(m.sys, m.host, OPTIONS)).lines).toContain('Wrote Boot0001 "ukiboot" and put it first in BootOrder: 0001,0000.');
    expect(
      readdirSync(m.efivars)
        .filter((n) => n.startsWith("Boot0"))
        .sort(),
    ).toEqual([`Boot0000-${GLOBAL}`, `Boot0001-${GLOBAL}`]);
    expect(decodeBootOrder(variable(m, "BootOrder"))).toEqual([1, 0]);
  });

  test("signed with the given key: the image verifies against its certificate, and the record names the signer", async () => {
    const m = machine({ secureBoot: true });
    m.host.put("/etc/ukiboot/db.crt", db.certPem);
    m.host.put("/etc/ukiboot/db.key", db.keyPem);
    m.host.signers.set("/etc/ukiboot/db.crt", db);
    const r = await installUkiboot(m.sys, m.host, { ...OPTIONS, signing: { key: "/etc/ukiboot/db.key", cert: "/etc/ukiboot/db.crt" } });
    const { store } = buildTrustStore({ trustFiles: [{ name: "db.crt", bytes: new TextEncoder().encode(db.certPem) }] });
    const report = await verifyAuthenticodeImage(m.host.readFile(`${ESP}/EFI/ukiboot/ukibootx64.efi`)!, store, { source: "ukibootx64.efi" });
    expect(report.verdict.status).toBe("verified");
    expect(r.record.signing).toEqual({ key: "/etc/ukiboot/db.key", cert: "/etc/ukiboot/db.crt", subject: "/CN=ukiboot test db" });
  });

  test("--fallback keeps the existing fallback loader aside, and the image takes its place", async () => {
    const m = machine();
    const r = await installUkiboot(m.sys, m.host, { ...OPTIONS, forceFallback: true });
    expect(m.host.readFile(`${ESP}/EFI/BOOT/BOOTX64.EFI`)).toEqual(m.host.readFile(`${ESP}/EFI/ukiboot/ukibootx64.efi`));
    expect(new TextDecoder().decode(m.host.readFile(`${ESP}/loader/ukiboot/backup/EFI/BOOT/BOOTX64.EFI`)!)).toBe("systemd-boot");
    expect(r.record.files[1]).toMatchObject({ path: "EFI/BOOT/BOOTX64.EFI", replaced: { backup: "loader/ukiboot/backup/EFI/BOOT/BOOTX64.EFI" } });
  });

  test("refusals change nothing: Secure Boot without a key, a kernel without kexec, a full ESP, no partition for the entry", async () => {
    expect((await refusal(machine({ secureBoot: true }))).message).toBe(
      "Cannot install ukiboot: Secure Boot is on, and the firmware would refuse an unsigned boot image",
    );
    expect((await refusal(machine({ config: "CONFIG_KEXEC=y\n" }))).message).toBe(
      'Cannot install ukiboot: the kernel "/boot/vmlinuz-6.12.0-test" was built without CONFIG_KEXEC_FILE, so it cannot start the kernels ukiboot chooses',
    );
    const full = machine();
    full.host.free = 1000;
    expect((await refusal(full)).message).toMatch(/^Cannot install ukiboot: the ESP at "\/efi" has 0\.0 MiB free, and the boot image needs \d+\.\d MiB$/);
    expect((await refusal(machine(), { esp: "/srv/nothing" })).message).toBe('Cannot install ukiboot on "/srv/nothing": it does not exist');
    const elsewhere = machine();
    elsewhere.host.put("/srv/esp-copy/EFI/BOOT/BOOTX64.EFI", "a copy");
    expect((await refusal(elsewhere, { esp: "/srv/esp-copy" })).message).toBe(
      'Cannot create a firmware boot entry for "/srv/esp-copy": it is not a mounted GPT partition this kernel lists',
    );
  });
});

describe("ukiboot remove", () => {
  test("leaves the ESP and the EFI variables exactly as they were before the install", async () => {
    for (const forceFallback of [false, true]) {
      const m = machine();
      const before = { esp: espTree(m), vars: tree(m.efivars) };
      await installUkiboot(m.sys, m.host, { ...OPTIONS, forceFallback });
      const r = removeUkiboot(m.sys, m.host, ESP);
      expect(r.removed).toBe(true);
      expect({ esp: espTree(m), vars: tree(m.efivars) }).toEqual(before);
    }
  });

  test("a file changed since the install stays, and is named", async () => {
    const m = machine();
    await installUkiboot(m.sys, m.host, OPTIONS);
    m.host.put(`${ESP}/EFI/ukiboot/ukibootx64.efi`, "someone else's");
    const r = removeUkiboot(m.sys, m.host, ESP);
    expect(r.lines).toContain('Left in place: "EFI/ukiboot/ukibootx64.efi" changed since ukiboot installed it, so it stays.');
    expect(new TextDecoder().decode(m.host.readFile(`${ESP}/EFI/ukiboot/ukibootx64.efi`)!)).toBe("someone else's");
  });

  test("with nothing installed it says so and changes nothing", () => {
    const m = machine();
    expect(removeUkiboot(m.sys, m.host, ESP)).toEqual({
      removed: false,
      lines: ['ukiboot is not installed on "/efi": there is no loader/ukiboot/install.json.'],
    });
  });
});

describe("ukiboot status", () => {
  test("current after the install; due when the kernel changes, and current again after an install", async () => {
    const m = machine();
    await installUkiboot(m.sys, m.host, OPTIONS);
    const s = installStatus(m.sys, m.host, { esp: ESP, binary: "/usr/bin/ukiboot" });
    expect(s).toMatchObject({ installed: true, updateDue: [], bootEntry: { name: "Boot0001", present: true, active: true, position: 1, orderLength: 2 } });
    m.host.put(`/boot/vmlinuz-${RELEASE}`, new Uint8Array([...standInEfiKernel(), 1]));
    expect(installStatus(m.sys, m.host, { esp: ESP, binary: "/usr/bin/ukiboot" }).updateDue).toEqual([`its kernel /boot/vmlinuz-${RELEASE} changed`]);
    await installUkiboot(m.sys, m.host, OPTIONS);
    expect(installStatus(m.sys, m.host, { esp: ESP, binary: "/usr/bin/ukiboot" }).updateDue).toEqual([]);
  });

  test("the running kernel's image follows a newer installed kernel; an older one, a .dpkg leftover or a kernel given with --kernel does not", async () => {
    const m = machine();
    await installUkiboot(m.sys, m.host, OPTIONS);
    const due = () => installStatus(m.sys, m.host, { esp: ESP, binary: "/usr/bin/ukiboot" }).updateDue;
    m.host.put("/boot/vmlinuz-6.11.9-old", standInEfiKernel());
    m.host.put("/boot/vmlinuz-6.13.0-test.dpkg-tmp", standInEfiKernel());
    m.host.put("/boot/config-6.14.0-test", new Uint8Array(1));
    expect(due()).toEqual([]);
    m.host.put("/boot/vmlinuz-6.12.1-test", standInEfiKernel());
    expect(due()).toEqual(["a newer kernel /boot/vmlinuz-6.12.1-test is installed"]);
    expect(newestKernel(m.host)).toEqual({ path: "/boot/vmlinuz-6.12.1-test", release: "6.12.1-test" });

    const given = machine();
    given.host.put("/boot/vmlinuz-6.11.9-old", standInEfiKernel());
    await installUkiboot(given.sys, given.host, { ...OPTIONS, kernel: "/boot/vmlinuz-6.11.9-old" });
    expect(installStatus(given.sys, given.host, { esp: ESP, binary: "/usr/bin/ukiboot" }).updateDue).toEqual([]);
  });
});
