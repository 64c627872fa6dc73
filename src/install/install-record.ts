/**
 * What `ukiboot install` did, kept on the ESP at `loader/ukiboot/install.json`, so that `remove` undoes
 * exactly that and `status` and `update` know what is installed: each file written with its digest (and,
 * for a file that was there before, where its original is kept), the firmware boot entry it created, and
 * what the boot image was built from.
 */
import { FormatError } from "../errors.ts";

export const INSTALL_RECORD_PATH = "loader/ukiboot/install.json";
/** Bumped when a field changes meaning; a newer record is refused rather than half understood. */
export const INSTALL_RECORD_FORMAT = 1;

export type BootImageLayout = "uki" | "linux-efi-stub";
export type InitramfsBuilder = "ukiboot" | "initramfs-tools" | "dracut";

export interface InstalledFile {
  /** ESP-relative, with slashes: `EFI/ukiboot/ukibootx64.efi`. */
  readonly path: string;
  readonly sha256: string;
  /** The file that was at `path` before, moved to `backup` (ESP-relative) and put back by `remove`. */
  readonly replaced?: { readonly backup: string; readonly sha256: string };
}

export interface InstalledBootEntry {
  /** The `Boot####` number. */
  readonly number: number;
  readonly description: string;
  /** `BootOrder` before ukiboot's number was put first. */
  readonly bootOrderBefore: readonly number[];
}

export interface InstallRecord {
  readonly format: number;
  /** The ukiboot that is in the boot image: its version and the binary's digest. */
  readonly ukiboot: { readonly version: string; readonly sha256: string };
  readonly installedAt: string;
  readonly layout: BootImageLayout;
  /** The boot kernel's command line. */
  readonly cmdline: string;
  /** The systemd-stub given with --stub, which an update uses again; null for the system's. */
  readonly stub: string | null;
  /**
   * The boot kernel. `given`: named with --kernel, and kept by updates; otherwise the running kernel at the
   * install, and an update follows the newest installed kernel (src/flow/install/boot-kernel.ts).
   */
  readonly kernel: { readonly path: string; readonly release: string; readonly sha256: string; readonly given: boolean };
  readonly initramfs: { readonly builder: InitramfsBuilder; readonly sha256: string };
  /** The key and certificate files the image was signed with (an update signs again with them), and the signer. */
  readonly signing: { readonly key: string; readonly cert: string; readonly subject: string } | null;
  readonly files: readonly InstalledFile[];
  /** ESP-relative directories the install made, removed by `remove` when they are empty again. */
  readonly directories: readonly string[];
  readonly bootEntry: InstalledBootEntry | null;
  /**
   * The systemd-pcrlock file written for the boot image (docs/install.md §2), on the root file system; null
   * when none was written.
   */
  readonly pcrlock: { readonly path: string; readonly sha256: string } | null;
}

/**
 * Where a pcrlock file may be: NAME.pcrlock in a directory systemd-pcrlock reads (a pcrlock.d directory, or a
 * component's NAME.pcrlock.d in one), by an absolute path without "..".
 */
const PCRLOCK_PATH = /^\/(?:[^/]+\/)*(?:pcrlock\.d|[^/]+\.pcrlock\.d)\/[^/]+\.pcrlock$/;

export function isPcrlockPath(path: string): boolean {
  return PCRLOCK_PATH.test(path) && !path.split("/").includes("..");
}

export function serializeInstallRecord(r: InstallRecord): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

/**
 * Reads a record. `source` names the file in errors.
 * @throws FormatError when it is not a record this ukiboot understands, naming the field
 */
export function parseInstallRecord(text: string, source: string): InstallRecord {
  const fail = (what: string): never => {
    throw new FormatError("install-record", source, `Cannot read the install record "${source}": ${what}`);
  };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return fail(`it is not JSON (${(e as Error).message})`);
  }
  const o = object(v, "the record", fail);
  const format = number(o.format, "format", fail);
  if (format > INSTALL_RECORD_FORMAT) fail(`its format ${format} is newer than this ukiboot's ${INSTALL_RECORD_FORMAT}; use the ukiboot that installed it`);
  const layout = string(o.layout, "layout", fail) as BootImageLayout;
  if (layout !== "uki" && layout !== "linux-efi-stub") fail(`its layout "${layout}" is neither "uki" nor "linux-efi-stub"`);
  const kernel = object(o.kernel, "kernel", fail);
  const initramfs = object(o.initramfs, "initramfs", fail);
  const builder = string(initramfs.builder, "initramfs.builder", fail) as InitramfsBuilder;
  if (builder !== "ukiboot" && builder !== "initramfs-tools" && builder !== "dracut") fail(`its initramfs.builder "${builder}" is not one ukiboot uses`);
  if (!Array.isArray(o.files)) fail('its "files" is not a list');
  const files = (o.files as unknown[]).map((f, i) => installedFile(f, `files[${i}]`, fail));
  const entry = o.bootEntry === null ? null : object(o.bootEntry, "bootEntry", fail);
  const pcrlock = o.pcrlock === null || o.pcrlock === undefined ? null : object(o.pcrlock, "pcrlock", fail);
  if (pcrlock && !isPcrlockPath(string(pcrlock.path, "pcrlock.path", fail)))
    fail(`its "pcrlock.path" "${String(pcrlock.path)}" is not a .pcrlock file in a pcrlock.d directory`);
  const ukiboot = object(o.ukiboot, "ukiboot", fail);
  const signing = o.signing === null ? null : object(o.signing, "signing", fail);
  return {
    format,
    ukiboot: { version: string(ukiboot.version, "ukiboot.version", fail), sha256: digest(ukiboot.sha256, "ukiboot.sha256", fail) },
    installedAt: string(o.installedAt, "installedAt", fail),
    layout,
    cmdline: string(o.cmdline, "cmdline", fail),
    stub: o.stub === null || o.stub === undefined ? null : string(o.stub, "stub", fail),
    kernel: {
      path: string(kernel.path, "kernel.path", fail),
      release: string(kernel.release, "kernel.release", fail),
      sha256: digest(kernel.sha256, "kernel.sha256", fail),
      given: kernel.given === undefined ? false : boolean(kernel.given, "kernel.given", fail),
    },
    initramfs: { builder, sha256: digest(initramfs.sha256, "initramfs.sha256", fail) },
    signing: signing && {
      key: string(signing.key, "signing.key", fail),
      cert: string(signing.cert, "signing.cert", fail),
      subject: string(signing.subject, "signing.subject", fail),
    },
    files,
    directories: list(o.directories, "directories", fail).map((d, i) => espPath(d, `directories[${i}]`, fail)),
    bootEntry: entry && {
      number: bootNumber(entry.number, fail),
      description: string(entry.description, "bootEntry.description", fail),
      bootOrderBefore: list(entry.bootOrderBefore, "bootEntry.bootOrderBefore", fail).map((n) => bootNumber(n, fail)),
    },
    pcrlock: pcrlock && { path: pcrlock.path as string, sha256: digest(pcrlock.sha256, "pcrlock.sha256", fail) },
  };
}

type Fail = (what: string) => never;

function object(v: unknown, field: string, fail: Fail): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(`${field} is not an object`);
  return v as Record<string, unknown>;
}

function string(v: unknown, field: string, fail: Fail): string {
  if (typeof v !== "string") fail(`"${field}" is not a string`);
  return v as string;
}

function boolean(v: unknown, field: string, fail: Fail): boolean {
  if (typeof v !== "boolean") fail(`"${field}" is not true or false`);
  return v as boolean;
}

function number(v: unknown, field: string, fail: Fail): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) fail(`"${field}" is not a whole number`);
  return v as number;
}

function list(v: unknown, field: string, fail: Fail): unknown[] {
  if (!Array.isArray(v)) fail(`"${field}" is not a list`);
  return v as unknown[];
}

function digest(v: unknown, field: string, fail: Fail): string {
  const s = string(v, field, fail);
  if (!/^[0-9a-f]{64}$/.test(s)) fail(`"${field}" is not a SHA-256 digest in hexadecimal`);
  return s;
}

function bootNumber(v: unknown, fail: Fail): number {
  const n = number(v, "bootEntry.number", fail);
  if (n > 0xffff) fail(`the boot entry number ${n} is not a Boot#### number`);
  return n;
}

/** ESP-relative paths only: an absolute path or `..` in a record could make `remove` delete outside the ESP. */
function espPath(v: unknown, field: string, fail: Fail): string {
  const p = string(v, field, fail);
  if (p.startsWith("/") || p.split("/").some((part) => part === ".." || part === "")) fail(`"${field}" "${p}" is not a path inside the ESP`);
  return p;
}

function installedFile(v: unknown, field: string, fail: Fail): InstalledFile {
  const f = object(v, field, fail);
  const replaced = f.replaced === undefined ? undefined : object(f.replaced, `${field}.replaced`, fail);
  return {
    path: espPath(f.path, `${field}.path`, fail),
    sha256: digest(f.sha256, `${field}.sha256`, fail),
    ...(replaced
      ? { replaced: { backup: espPath(replaced.backup, `${field}.replaced.backup`, fail), sha256: digest(replaced.sha256, `${field}.replaced.sha256`, fail) } }
      : {}),
  };
}
