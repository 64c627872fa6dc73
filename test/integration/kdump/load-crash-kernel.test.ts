/**
 * `ukiboot kdump` over real UKIs and add-ons (ukify, systemd-stub, sbsign) with the kexec loader recording at
 * the syscall boundary and a real software TPM: which entry, which command line, which add-ons, which
 * initrd, what is refused, and that nothing is measured (docs/kdump.md).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { debianParts } from "../../../build/debian.ts";
import { InitramfsTree } from "../../../src/initrd/initramfs-tree.ts";
import { run } from "../../../build/lib/run-command.ts";
import { buildUki } from "../../lab/target-system.ts";
import { BootError } from "../../../src/errors.ts";
import { openSession, type SessionOptions } from "../../../src/flow/boot-session.ts";
import { loadCrashKernel } from "../../../src/flow/load-crash-kernel.ts";
import { planAndCheck } from "../../../src/flow/load-entry.ts";
import { parseKdumpConfig } from "../../../src/kdump/kdump-config.ts";
import { toHex } from "../../../src/bytes/digest.ts";
import { Tpm2Client } from "../../../src/tpm/tpm2-client.ts";
import { flowEsp } from "../../support/flow-esp.ts";
import { startSwTpm, type SwTpm } from "../../lab/swtpm.ts";
import { fakeSys, readSource } from "../../support/fake-sys.ts";
import { trustFixtures, type TrustFixtures } from "../support/real-trust-fixtures.ts";

const GLOBAL = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
const SECURE_BOOT = { [`SecureBoot-${GLOBAL}`]: Uint8Array.from([6, 0, 0, 0, 1]) };
const DEFAULTS = parseKdumpConfig("", "kdump.conf").config;
const BOOTED_FLOW_1 = "root=flow systemd.set_credential=ukiboot.booted-entry:flow-1.efi crashkernel=256M";

let f: TrustFixtures;
let flow = "";
let signedEsp = "";
let tpm: SwTpm;

beforeAll(async () => {
  f = await trustFixtures();
  const esp = (await flowEsp()).esp;
  // The flow ESP, with a kdump add-on of flow-1.efi where the stub never looks, and a kdump initrd.
  flow = mkdtempSync(join(tmpdir(), "kdump-esp-"));
  cpSync(esp, flow, { recursive: true });
  mkdirSync(join(flow, "EFI/Linux/flow-1.efi.extra.d/kdump"), { recursive: true });
  cpSync(f.addon.unsigned, join(flow, "EFI/Linux/flow-1.efi.extra.d/kdump/crash.addon.efi"));
  const cpio = new InitramfsTree().add({ type: "file", path: "kdump", data: new TextEncoder().encode("a kdump initrd\n") }).toCpio();
  writeFileSync(join(flow, "kdump-initrd.img"), cpio);
  // Under Secure Boot: the real Debian kernel in a UKI signed by db, with a signed kdump add-on; a second copy
  // of the same UKI whose kdump add-on is unsigned.
  signedEsp = mkdtempSync(join(tmpdir(), "kdump-signed-esp-"));
  mkdirSync(join(signedEsp, "EFI/Linux/real.efi.extra.d/kdump"), { recursive: true });
  mkdirSync(join(signedEsp, "EFI/Linux/unsigned-addon.efi.extra.d/kdump"), { recursive: true });
  const parts = await debianParts();
  writeFileSync(join(signedEsp, "initrd.cpio"), cpio);
  const unsignedUki = await buildUki(parts, {
    output: join(signedEsp, "real.unsigned.efi"),
    linux: parts.vmlinuz,
    initrds: [join(signedEsp, "initrd.cpio")],
    cmdline: "root=/dev/vda2 ro",
    uname: "6.1.0-real",
  });
  for (const name of ["real.efi", "unsigned-addon.efi"]) {
    await run(["sbsign", "--key", f.keys.db.key, "--cert", f.keys.db.crt, "--output", join(signedEsp, "EFI/Linux", name), unsignedUki]);
  }
  cpSync(f.addon.db, join(signedEsp, "EFI/Linux/real.efi.extra.d/kdump/crash.addon.efi"));
  cpSync(f.addon.unsigned, join(signedEsp, "EFI/Linux/unsigned-addon.efi.extra.d/kdump/crash.addon.efi"));
  tpm = await startSwTpm();
}, 300_000);

afterAll(async () => {
  await tpm?.stop();
});

function efivars(vars: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), "kdump-efivars-"));
  for (const [name, bytes] of Object.entries(vars)) writeFileSync(join(dir, name), bytes);
  return dir;
}

async function session(esp: string, opts: SessionOptions & { cmdline?: string; vars?: Record<string, Uint8Array> } = {}) {
  const sys = fakeSys({ efivarfs: efivars(opts.vars ?? {}), cmdline: opts.cmdline ?? BOOTED_FLOW_1, tpm: tpm.transport });
  return { sys, session: await openSession(sys, { esp }, opts) };
}

describe("the crash kernel of the entry this system booted", () => {
  test("is flow-1.efi (the booted-entry credential), not the default flow-2.efi, loaded on crash with its line rewritten and the kdump add-on", async () => {
    const { sys, session: s } = await session(flow, { verifyFlag: "off" });
    const k = await loadCrashKernel(sys, s, { config: DEFAULTS });
    expect(k.entry.id).toBe("flow-1.efi");
    expect(k.chosenBy).toBe("the entry this system was booted from (the ukiboot.booted-entry credential on the kernel command line)");
    expect(sys.kexec.loaded).toHaveLength(0);
    expect(sys.kexec.crashLoaded).toHaveLength(1);
    // The UKI's .cmdline, the kdump add-on's, then the crash options; no booted-entry credential: a crash kernel is no boot of an entry.
    expect(sys.kexec.crashLoaded[0]!.cmdline).toBe(
      "root=flow v=1 ukiboot.addon=1 reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb cgroup_disable=memory udev.children-max=2 cma=0 hugetlb_cma=0 panic=10",
    );
    expect(k.kdumpAddons.map((a) => a.fileName)).toEqual(["crash.addon.efi"]);
    expect(k.rewritten).toBe(true);
    // Its own initrd, as the stub would merge it.
    expect(k.plan.initrd.members.map((m) => m.member.kind)).toEqual(["initrd", "osrel"]);
  });

  test("a kdump add-on never reaches a normal boot of the same entry", async () => {
    const { sys, session: s } = await session(flow, { verifyFlag: "off" });
    const entry = s.discovery.entries.find((e) => e.id === "flow-1.efi")!;
    const { plan } = await planAndCheck(sys, s, entry);
    expect(plan.cmdline).toBe("root=flow v=1");
  });

  test("measures nothing: PCRs 11, 12 and 13 are as before, and the log says why", async () => {
    const client = new Tpm2Client(tpm.transport);
    const pcrs = async () => {
      const out: string[] = [];
      for (const i of [11, 12, 13]) out.push(toHex((await client.pcrRead(i, ["sha256"])).sha256!));
      return out;
    };
    const before = await pcrs();
    const { sys, session: s } = await session(flow, { verifyFlag: "off" });
    await loadCrashKernel(sys, s, { config: DEFAULTS });
    expect(await pcrs()).toEqual(before);
    expect(sys.log.text()).toContain("not measuring the crash kernel");
  });

  test("a named entry and a kdump initrd: the initrd is that file alone", async () => {
    const { sys, session: s } = await session(flow, { verifyFlag: "off" });
    const k = await loadCrashKernel(sys, s, { config: DEFAULTS, entryId: "flow-2.efi", initrd: join(flow, "kdump-initrd.img") });
    expect(k.entry.id).toBe("flow-2.efi");
    expect(k.chosenBy).toBe("named");
    expect(k.plan.initrd.members.map((m) => [m.member.kind, m.member.origin])).toEqual([["kdump-initrd", join(flow, "kdump-initrd.img")]]);
    expect(new TextDecoder().decode(readSource(k.plan.initrd.members[0]!.member.source))).toContain("TRAILER!!!");
  });
});

describe("bad input loads nothing", () => {
  test("no memory reserved by crashkernel=", async () => {
    const { sys, session: s } = await session(flow, { verifyFlag: "off" });
    sys.kexec.reservedForCrash = 0;
    const err = await loadCrashKernel(sys, s, { config: DEFAULTS }).catch((e) => e);
    expect(err).toBeInstanceOf(BootError);
    expect(err.message).toBe("Cannot load a crash kernel: no memory is reserved for one (/sys/kernel/kexec_crash_size is 0)");
    expect(err.hint).toMatch(/^Add crashkernel=/);
    expect(sys.kexec.crashLoaded).toHaveLength(0);
  });

  test("a crash kernel bigger than the reservation, with the sizes", async () => {
    const { sys, session: s } = await session(flow, { verifyFlag: "off" });
    sys.kexec.reservedForCrash = 4096;
    const err = await loadCrashKernel(sys, s, { config: DEFAULTS }).catch((e) => e);
    expect(err.message).toMatch(
      /^Cannot load a crash kernel from ".*flow-1\.efi": the crash kernel needs at least [\d.]+ MiB \(kernel [\d.]+ MiB, initrd [\d.]+ MiB\), but crashkernel= reserved 0\.0 MiB$/,
    );
    expect(err.hint).toMatch(/^Enlarge crashkernel=/);
    expect(sys.kexec.crashLoaded).toHaveLength(0);
  });

  test("the kernel's own ENOMEM under KEXEC_FILE_ON_CRASH is said as no room in the reservation", async () => {
    const { sys, session: s } = await session(flow, { verifyFlag: "off" });
    // Our own check passes (2 GiB reserved); the kernel still finds no room.
    sys.kexec.reservedForCrash = 2 ** 31;
    sys.kexec.failWhen = () => "ENOMEM";
    const err = await loadCrashKernel(sys, s, { config: DEFAULTS }).catch((e) => e);
    expect(err).toBeInstanceOf(BootError);
    expect(err.message).toMatch(
      /^Cannot load ".*": kexec_file_load\(.*\) failed with ENOMEM \(.*\): the crash kernel found no room in the 2048\.0 MiB that crashkernel= reserved$/,
    );
    expect(err.hint).toMatch(/^Enlarge crashkernel=/);
    expect(sys.kexec.crashLoaded).toHaveLength(0);
  });

  test("a missing kdump initrd names the file", async () => {
    const { sys, session: s } = await session(flow, { verifyFlag: "off" });
    const err = await loadCrashKernel(sys, s, { config: parseKdumpConfig("initrd /var/lib/kdump/initrd.img-%k\n", "kdump.conf").config }).catch((e) => e);
    expect(err.message).toBe('Cannot use the kdump initrd "/var/lib/kdump/initrd.img-6.1.0-flow": it does not exist');
    expect(sys.kexec.crashLoaded).toHaveLength(0);
  });

  test("no booted entry known and none named", async () => {
    const { sys, session: s } = await session(flow, { verifyFlag: "off", cmdline: "root=flow crashkernel=256M" });
    const err = await loadCrashKernel(sys, s, { config: DEFAULTS }).catch((e) => e);
    expect(err.message).toMatch(/^Cannot tell which entry this system was booted from/);
    expect(err.hint).toMatch(/ukiboot kdump ENTRY-ID/);
  });

  test("a booted UKI that has no .linux any more is named with what is wrong with it", async () => {
    const { sys, session: s } = await session(flow, { verifyFlag: "off", cmdline: "systemd.set_credential=ukiboot.booted-entry:not-a-uki.efi" });
    const err = await loadCrashKernel(sys, s, { config: DEFAULTS }).catch((e) => e);
    expect(err.message).toMatch(
      /^Cannot find the entry "not-a-uki\.efi" \(the entry this system was booted from .*\) to take a crash kernel from: .*not-a-uki\.efi: .*no \.linux section/,
    );
    expect(sys.kexec.crashLoaded).toHaveLength(0);
  });
});

describe("under Secure Boot", () => {
  const booted = (id: string) => `BOOT_IMAGE systemd.set_credential=ukiboot.booted-entry:${id} crashkernel=512M`;

  test("the signed .cmdline stays; the signed kdump add-on's options are added, and nothing else is", async () => {
    const { sys, session: s } = await session(signedEsp, { cmdline: booted("real.efi"), vars: SECURE_BOOT, trustFiles: [f.keys.db.crt] });
    expect(s.trust.policy.mode).toBe("enforce");
    sys.kexec.reservedForCrash = 1 << 30;
    const k = await loadCrashKernel(sys, s, { config: DEFAULTS });
    expect(k.rewritten).toBe(false);
    expect(k.plan.cmdline).toBe("root=/dev/vda2 ro ukiboot.addon=1");
    expect(sys.kexec.crashLoaded).toHaveLength(1);
    // The kdump add-on is sealed with the UKI, before either is verified, and read from the seal from then on.
    expect(sys.events.find((e) => e.startsWith("snapshot"))).toBe(
      `snapshot ${join(signedEsp, "EFI/Linux/real.efi")} ${join(signedEsp, "EFI/Linux/real.efi.extra.d/kdump/crash.addon.efi")}`,
    );
  });

  test("a kdump add-on swapped for an unsigned one as it is sealed is judged as the unsigned one, and nothing is loaded", async () => {
    const esp = mkdtempSync(join(tmpdir(), "kdump-swap-"));
    cpSync(signedEsp, esp, { recursive: true });
    const addon = join(esp, "EFI/Linux/real.efi.extra.d/kdump/crash.addon.efi");
    const sys = fakeSys({
      efivarfs: efivars(SECURE_BOOT),
      cmdline: booted("real.efi"),
      tpm: tpm.transport,
      onSnapshot: (paths) => {
        if (paths.includes(addon)) cpSync(f.addon.unsigned, addon);
      },
    });
    const s = await openSession(sys, { esp }, { trustFiles: [f.keys.db.crt] });
    sys.kexec.reservedForCrash = 1 << 30;
    const err = await loadCrashKernel(sys, s, { config: DEFAULTS }).catch((e) => e);
    expect(err.message).toStartWith(`Cannot load a crash kernel with the kdump add-on "${addon}": `);
    expect(sys.kexec.crashLoaded).toHaveLength(0);
  });

  test("an unsigned kdump add-on is refused, naming it, and nothing is loaded", async () => {
    const { sys, session: s } = await session(signedEsp, { cmdline: booted("unsigned-addon.efi"), vars: SECURE_BOOT, trustFiles: [f.keys.db.crt] });
    sys.kexec.reservedForCrash = 1 << 30;
    const err = await loadCrashKernel(sys, s, { config: DEFAULTS }).catch((e) => e);
    expect(err.message).toMatch(/^Cannot load a crash kernel with the kdump add-on ".*unsigned-addon\.efi\.extra\.d\/kdump\/crash\.addon\.efi": /);
    expect(err.hint).toMatch(/nothing was loaded$/);
    expect(sys.kexec.crashLoaded).toHaveLength(0);
  });

  test("a kdump initrd file is refused: no signature covers it, and it would replace the signed initrd", async () => {
    const { sys, session: s } = await session(signedEsp, { cmdline: booted("real.efi"), vars: SECURE_BOOT, trustFiles: [f.keys.db.crt] });
    sys.kexec.reservedForCrash = 1 << 30;
    const initrd = join(signedEsp, "initrd.cpio");
    for (const opts of [{ config: DEFAULTS, initrd }, { config: parseKdumpConfig(`initrd ${initrd}\n`, "kdump.conf").config }]) {
      const err = await loadCrashKernel(sys, s, opts).catch((e) => e);
      expect(err.message).toBe(
        `Cannot load a crash kernel from "real.efi" with the kdump initrd ${initrd}: Secure Boot is on, and no signature covers that file`,
      );
      expect(err.hint).toMatch(/signed kdump add-on \(docs\/kdump\.md §5\); nothing was loaded$/);
    }
    expect(sys.kexec.crashLoaded).toHaveLength(0);
  });

  test("without a kdump add-on there is no way to give the crash options, and it says where one goes", async () => {
    const esp = mkdtempSync(join(tmpdir(), "kdump-no-addon-"));
    mkdirSync(join(esp, "EFI/Linux"), { recursive: true });
    cpSync(join(signedEsp, "EFI/Linux/real.efi"), join(esp, "EFI/Linux/real.efi"));
    const { sys, session: s } = await session(esp, { cmdline: booted("real.efi"), vars: SECURE_BOOT, trustFiles: [f.keys.db.crt] });
    const err = await loadCrashKernel(sys, s, { config: DEFAULTS }).catch((e) => e);
    expect(err.message).toBe(
      'Cannot load a crash kernel from "real.efi": its signed command line may not change (Secure Boot is on, and its UKI\'s signed .cmdline is what boots, as systemd-stub does), and there is no kdump add-on in \\loader\\addons\\kdump or \\EFI\\Linux\\real.efi.extra.d\\kdump to give the crash options',
    );
    expect(sys.kexec.crashLoaded).toHaveLength(0);
  });
});
