/**
 * `ukiboot install`: builds the boot image on this machine, decides what to write (src/install/install-plan.ts,
 * which refuses before anything is written), then writes the files, the install record, and the firmware boot
 * entry first in `BootOrder`, in that order: an install cut short leaves a record `remove` can undo.
 */
import { decodeBootOrder, bootNumberOf, bootVariableName, encodeBootOrder } from "../../efi/boot-order.ts";
import { ATTRS_PERSISTENT, encodeUtf16 } from "../../efi/efivar-codec.ts";
import { decodeLoadOption, encodeLoadOption } from "../../efi/load-option.ts";
import { EFI_GLOBAL_GUID } from "../../efi/loader-vars.ts";
import { BootError } from "../../errors.ts";
import { digest, toHex } from "../../bytes/digest.ts";
import { BOOT_ENTRY_DESCRIPTION, bootImagePath, fallbackPath, planInstall, type InstallFacts } from "../../install/install-plan.ts";
import {
  type BootImageLayout,
  INSTALL_RECORD_FORMAT,
  INSTALL_RECORD_PATH,
  type InstallRecord,
  isPcrlockPath,
  type InstalledFile,
  parseInstallRecord,
  serializeInstallRecord,
} from "../../install/install-record.ts";
import type { EfiArch } from "../../pe/efi-arch.ts";
import type { InstallHost } from "../../ports/install-host.ts";
import type { Sys } from "../../ports/sys.ts";
import { VERSION } from "../../version.ts";
import { formatPcrlockFile, imagePcrlockRecords } from "../../install/pcrlock-file.ts";
import { readSecureBoot } from "../secure-boot.ts";
import { findBootKernel } from "./boot-kernel.ts";
import { buildBootImage } from "./build-boot-image.ts";
import { espTarget } from "./esp-target.ts";

export interface InstallOptions {
  readonly esp: string;
  readonly kernel?: string;
  /** Whether `kernel` was named by the person (--kernel), so that updates keep it; by default, when it is given. */
  readonly kernelGiven?: boolean;
  readonly signing?: { readonly key: string; readonly cert: string };
  readonly layout: BootImageLayout;
  readonly bootEntry: boolean;
  readonly forceFallback: boolean;
  readonly cmdline: string;
  /** The systemd-stub of the UKI layout; by default the system's. */
  readonly stub?: string;
  /** The ukiboot binary that goes into the boot image. */
  readonly binary: string;
  /**
   * Where to write the boot image's systemd-pcrlock file; null for none. By default DEFAULT_PCRLOCK_PATH,
   * when systemd-pcrlock is installed.
   */
  readonly pcrlock?: string | null;
}

/**
 * The boot image's pcrlock file: a component of its own, ordered after the firmware's (500-separator) and
 * before the target UKIs' (650-kernel.pcrlock.d/), which is the order their events reach PCR 4 and 11.
 */
export const DEFAULT_PCRLOCK_PATH = "/var/lib/pcrlock.d/640-ukiboot-boot-image.pcrlock";
const SYSTEMD_PCRLOCK = "/usr/lib/systemd/systemd-pcrlock";

export interface InstallReport {
  readonly record: InstallRecord;
  /** What was done, one sentence a line. */
  readonly lines: readonly string[];
}

/** The boot kernel's command line when none is given: both consoles a PC or a server may have. */
export const DEFAULT_BOOT_CMDLINE = "console=tty0 console=ttyS0,115200 quiet";

const MIB = 1024 * 1024;
const sha256 = (b: Uint8Array) => toHex(digest("sha256", b));
const ARCH_OF_MACHINE: Record<string, EfiArch> = { x86_64: "x64", aarch64: "aa64" };
const backslashed = (p: string) => `\\${p.replaceAll("/", "\\")}`;

/** The record on the ESP, or null when ukiboot is not installed there. @throws FormatError for a record it cannot read */
export function readInstallRecord(host: InstallHost, esp: string): InstallRecord | null {
  const path = `${esp}/${INSTALL_RECORD_PATH}`;
  const bytes = host.readFile(path);
  return bytes ? parseInstallRecord(new TextDecoder().decode(bytes), path) : null;
}

/** The `Boot####` numbers in use, `BootOrder`, and which entry (if any) starts `imagePath`. */
export function bootVariables(sys: Pick<Sys, "efivars">, imagePath: string): { used: number[]; order: number[]; entryFor?: number } | undefined {
  if (!sys.efivars.available) return undefined;
  const used = sys.efivars
    .names(EFI_GLOBAL_GUID)
    .map(bootNumberOf)
    .filter((n): n is number => n !== undefined);
  const order = sys.efivars.read({ name: "BootOrder", guid: EFI_GLOBAL_GUID });
  const wanted = backslashed(imagePath).toLowerCase();
  const entryFor = used.find((n) => {
    const v = sys.efivars.read({ name: bootVariableName(n), guid: EFI_GLOBAL_GUID });
    try {
      return v !== null && decodeLoadOption(v.data, bootVariableName(n)).file?.toLowerCase() === wanted;
    } catch {
      return false;
    }
  });
  return { used, order: order ? decodeBootOrder(order.data) : [], ...(entryFor !== undefined ? { entryFor } : {}) };
}

export async function installUkiboot(sys: Sys, host: InstallHost, opts: InstallOptions): Promise<InstallReport> {
  const machine = sys.kernel.machine();
  const arch = ARCH_OF_MACHINE[machine];
  if (!arch) throw new BootError(`Cannot install ukiboot on a ${machine} machine: ukiboot runs on x86_64 and aarch64`, "Install it on one of those");
  if (!host.exists(opts.esp))
    throw new BootError(`Cannot install ukiboot on "${opts.esp}": it does not exist`, "Pass --esp with the mounted ESP (bootctl --print-esp-path shows it)");
  const esp = espTarget(sys, opts.esp);
  if (opts.bootEntry && !esp.partition) {
    throw new BootError(
      `Cannot create a firmware boot entry for "${opts.esp}": it is not a mounted GPT partition this kernel lists`,
      "Pass --esp with the mounted ESP, or --no-boot-entry to only write the files",
    );
  }
  if (opts.pcrlock && !isPcrlockPath(opts.pcrlock)) {
    throw new BootError(
      `Cannot write the pcrlock file "${opts.pcrlock}": systemd-pcrlock reads only NAME.pcrlock files in a pcrlock.d directory`,
      `Pass --pcrlock ${DEFAULT_PCRLOCK_PATH}, or another .pcrlock file in /etc/pcrlock.d or /var/lib/pcrlock.d`,
    );
  }
  const kernel = await findBootKernel(host, { ...(opts.kernel ? { kernel: opts.kernel } : {}), machine });
  const previous = readInstallRecord(host, opts.esp);
  const image = bootImagePath(arch);
  const vars = bootVariables(sys, image);
  const onEsp = (p: string) => `${opts.esp}/${p}`;
  // Each file a previous install wrote and that is still as it wrote it, with its size: read once.
  const stillOurs = new Map<string, number>();
  for (const f of previous?.files ?? []) {
    const bytes = host.readFile(onEsp(f.path));
    if (bytes && sha256(bytes) === f.sha256) stillOurs.set(f.path, bytes.length);
  }
  // What a previous install wrote is replaced, so its room counts as free.
  const reclaimable = [...stillOurs.values()].reduce((n, size) => n + size, 0);
  const fallback = fallbackPath(arch);
  const facts: InstallFacts = {
    arch,
    espMount: opts.esp,
    freeBytes: host.freeBytes(opts.esp) + reclaimable,
    layout: opts.layout,
    imageBytes: 0,
    fallbackExists: host.exists(onEsp(fallback)) && !stillOurs.has(fallback),
    forceFallback: opts.forceFallback,
    bootEntry: opts.bootEntry,
    secureBoot: readSecureBoot(sys).secureBoot,
    signing: opts.signing !== undefined,
    ...(kernel.kexecUnsupported ? { kexecUnsupported: kernel.kexecUnsupported } : {}),
    ...(vars ? { bootVariables: vars } : {}),
    ...((previous?.bootEntry?.number ?? vars?.entryFor) !== undefined ? { existingEntry: previous?.bootEntry?.number ?? vars?.entryFor } : {}),
  };
  // Every refusal but the space check, before the build.
  planInstall(facts);

  const work = host.scratchDir();
  try {
    const built = await buildBootImage(host, {
      arch,
      layout: opts.layout,
      kernel,
      binary: opts.binary,
      cmdline: opts.cmdline,
      ...(opts.stub ? { stub: opts.stub } : {}),
      ...(opts.signing ? { signing: opts.signing } : {}),
      workDir: work,
    });
    const plan = planInstall({ ...facts, imageBytes: built.image.length + (built.initramfs?.length ?? 0) });
    const lines: string[] = [];
    const directories = new Set(previous?.directories ?? []);
    const track = (path: string) => {
      const parts = path.split("/").slice(0, -1);
      for (let i = 1; i <= parts.length; i++) {
        const d = parts.slice(0, i).join("/");
        if (!host.exists(onEsp(d))) directories.add(d);
      }
    };
    const replaced = new Map<string, InstalledFile["replaced"]>();
    for (const f of previous?.files ?? []) if (f.replaced) replaced.set(f.path, f.replaced);
    for (const b of plan.backups) {
      track(b.backup);
      const original = host.readFile(onEsp(b.path));
      if (!original) continue;
      host.rename(onEsp(b.path), onEsp(b.backup));
      replaced.set(b.path, { backup: b.backup, sha256: sha256(original) });
      lines.push(`Kept the existing ${b.path} as ${b.backup}; ukiboot remove puts it back.`);
    }
    const files: InstalledFile[] = [];
    for (const f of plan.files) {
      const bytes = f.role === "initramfs" ? built.initramfs! : built.image;
      track(f.path);
      host.writeFile(onEsp(f.path), bytes);
      const r = replaced.get(f.path);
      files.push({ path: f.path, sha256: sha256(bytes), ...(r ? { replaced: r } : {}) });
    }
    if (!plan.files.some((f) => f.role === "fallback")) lines.push(`Left ${fallback} as it was${facts.fallbackExists ? "" : " (none)"}.`);
    const pcrlockPath = opts.pcrlock === undefined ? (host.exists(SYSTEMD_PCRLOCK) ? DEFAULT_PCRLOCK_PATH : null) : opts.pcrlock;
    let pcrlock: InstallRecord["pcrlock"] = null;
    if (pcrlockPath) {
      const text = new TextEncoder().encode(formatPcrlockFile(imagePcrlockRecords(built.image, image)));
      host.writeFile(pcrlockPath, text);
      pcrlock = { path: pcrlockPath, sha256: sha256(text) };
      lines.push(`Wrote ${pcrlockPath}: the boot image's measurements for systemd-pcrlock make-policy.`);
    }
    // One written elsewhere before, and still as written, would describe an image that is gone.
    const old = previous?.pcrlock;
    if (old && old.path !== pcrlockPath) {
      const bytes = host.readFile(old.path);
      if (bytes && sha256(bytes) === old.sha256) host.remove(old.path);
    }
    track(INSTALL_RECORD_PATH);
    const record: InstallRecord = {
      format: INSTALL_RECORD_FORMAT,
      ukiboot: { version: VERSION, sha256: built.binarySha256 },
      installedAt: host.now().toISOString(),
      layout: opts.layout,
      cmdline: opts.cmdline,
      stub: opts.stub ?? null,
      kernel: { path: kernel.path, release: kernel.release, sha256: sha256(kernel.bytes), given: opts.kernelGiven ?? opts.kernel !== undefined },
      initramfs: { builder: "ukiboot", sha256: built.initramfsSha256 },
      signing: opts.signing && built.signer ? { ...opts.signing, subject: built.signer } : null,
      files,
      directories: [...directories].sort(),
      bootEntry: null,
      pcrlock,
    };
    host.writeFile(onEsp(INSTALL_RECORD_PATH), new TextEncoder().encode(serializeInstallRecord(record)));
    lines.unshift(
      `Installed ukiboot ${VERSION} as ${image} (${(built.image.length / MIB).toFixed(1)} MiB, ${built.signer ? `signed by ${built.signer}` : "unsigned"}), built from ${kernel.path} with ${kernel.modulesDir ? `the modules of ${kernel.release}` : "no modules (none in /lib/modules)"}.`,
    );
    if (!plan.bootEntry || !esp.partition) return { record, lines };

    const option = encodeLoadOption({
      active: true,
      description: BOOT_ENTRY_DESCRIPTION,
      partition: esp.partition,
      file: backslashed(image),
      // The kernel's EFI stub reads its initramfs and command line from the entry's options.
      optionalData: opts.layout === "linux-efi-stub" ? encodeUtf16(`initrd=${backslashed("EFI/ukiboot/initramfs.img")} ${opts.cmdline}`) : new Uint8Array(0),
    });
    const name = bootVariableName(plan.bootEntry.number);
    sys.efivars.write({ name, guid: EFI_GLOBAL_GUID }, { attributes: ATTRS_PERSISTENT, data: option });
    sys.efivars.write({ name: "BootOrder", guid: EFI_GLOBAL_GUID }, { attributes: ATTRS_PERSISTENT, data: encodeBootOrder(plan.bootEntry.order) });
    const before = previous?.bootEntry?.bootOrderBefore ?? plan.bootEntry.orderBefore;
    const done: InstallRecord = { ...record, bootEntry: { number: plan.bootEntry.number, description: BOOT_ENTRY_DESCRIPTION, bootOrderBefore: before } };
    host.writeFile(onEsp(INSTALL_RECORD_PATH), new TextEncoder().encode(serializeInstallRecord(done)));
    const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, "0");
    const verb = facts.existingEntry === plan.bootEntry.number ? "Wrote" : "Created";
    lines.push(`${verb} ${name} "${BOOT_ENTRY_DESCRIPTION}" and put it first in BootOrder: ${plan.bootEntry.order.map(hex).join(",")}.`);
    return { record: done, lines };
  } finally {
    host.dropScratch(work);
  }
}
