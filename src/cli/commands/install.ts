/**
 * `ukiboot install`, `update`, `remove` and `status`: ukiboot on a machine as bootctl puts systemd-boot
 * there, with the boot image built on the machine from its own kernel.
 */
import { parseArgs } from "node:util";
import { BootError } from "../../errors.ts";
import { newestKernel } from "../../flow/install/boot-kernel.ts";
import { DEFAULT_BOOT_CMDLINE, DEFAULT_PCRLOCK_PATH, type InstallOptions, installUkiboot } from "../../flow/install/install-ukiboot.ts";
import { formatInstallStatus, installStatus } from "../../flow/install/install-status.ts";
import { removeUkiboot } from "../../flow/install/remove-ukiboot.ts";
import type { InstallRecord } from "../../install/install-record.ts";
import type { InstallHost } from "../../ports/install-host.ts";
import type { Platform } from "../../ports/platform.ts";
import { type Command, type CommandIo, UsageError } from "../command.ts";
import { commandSys, resolvePartitions } from "../common-options.ts";

const COMMON = {
  esp: { type: "string" },
  efivarfs: { type: "string" },
  binary: { type: "string" },
} as const;

const COMMON_HELP = `  --esp DIR        the mounted EFI System Partition (default: /efi, /boot/efi or /boot when it is an ESP)
  --efivarfs DIR   read and write EFI variables in DIR instead of /sys/firmware/efi/efivars
  --binary FILE    the ukiboot binary (default: this one)`;

function binaryOf(host: InstallHost, given: string | undefined): string {
  if (given) return given;
  const self = host.selfPath();
  if (!self) {
    throw new BootError(
      "Cannot tell which ukiboot binary to put in the boot image: this ukiboot runs from its sources, not as a built binary",
      "Run the built binary (bun run build, then dist/ukiboot install), or pass --binary FILE",
    );
  }
  return self;
}

function espOf(platform: Platform, io: CommandIo, values: { esp?: string; efivarfs?: string }) {
  const sys = commandSys(platform, io, values);
  return { sys, esp: resolvePartitions(sys, values).esp };
}

/** The ESP; with --graceful, no ESP is said on stdout and is null, for the caller to succeed without acting. */
function gracefulEsp(platform: Platform, io: CommandIo, values: { esp?: string; efivarfs?: string; graceful?: boolean }, saying: string) {
  try {
    return espOf(platform, io, values);
  } catch (e) {
    if (!values.graceful || !(e instanceof BootError)) throw e;
    io.stdout.write(`${saying}: ${e.message}\n`);
    return null;
  }
}

export const installCommand: Command = {
  name: "install",
  summary: "build the boot image from this machine's kernel, put it on the ESP and make it the first firmware boot entry",
  help: `Usage: ukiboot install [--esp DIR] [--kernel VMLINUZ] [--sign-key KEY --sign-cert CERT]
                       [--layout uki|linux-efi-stub] [--no-boot-entry] [--fallback]
                       [--pcrlock FILE | --no-pcrlock] [--graceful]

Builds ukiboot's boot image on this machine: ukiboot's initramfs (this binary, the libraries it needs,
busybox and the kernel's ESP drivers) around a kernel, as a UKI made by this system's ukify and systemd-stub
(--layout uki, the default), or as the kernel itself with the initramfs beside it (--layout linux-efi-stub).
Writes it to EFI/ukiboot/ukiboot<arch>.efi, creates a firmware boot entry (Boot####) first in BootOrder,
writes EFI/BOOT/BOOT<ARCH>.EFI only when there is none (or with --fallback, keeping the old one aside), and
records all of it in loader/ukiboot/install.json, which ukiboot remove undoes. Where systemd-pcrlock is
installed, also writes what the firmware and the stub measure for the boot image as a pcrlock file, so that
systemd-pcrlock make-policy covers a boot through ukiboot. Refuses, changing nothing,
when the kernel cannot kexec, when the ESP has no room, or when Secure Boot is on and no key is given.

Options:
${COMMON_HELP}
  --kernel FILE    the boot kernel (default: /boot/vmlinuz-$(uname -r)); its modules come from /lib/modules
  --sign-key KEY   sign the boot image with this PEM key (with --sign-cert); needed under Secure Boot:
  --sign-cert CERT your own db key, or a Machine Owner Key enrolled for shim (mokutil --import CERT)
  --layout L       uki (default) or linux-efi-stub (keeps PCR 11 zero for the targets' signed policies,
                   but has no signature over the initramfs, so it is refused under Secure Boot)
  --cmdline LINE   the boot kernel's command line (default: ${DEFAULT_BOOT_CMDLINE})
  --stub FILE      the systemd-stub of the UKI (default: /usr/lib/systemd/boot/efi/linux<arch>.efi.stub)
  --no-boot-entry  write no EFI variable
  --fallback       also write EFI/BOOT/BOOT<ARCH>.EFI when one exists
  --pcrlock FILE   where the pcrlock file goes (default, where systemd-pcrlock is installed:
                   ${DEFAULT_PCRLOCK_PATH})
  --no-pcrlock     write no pcrlock file
  --graceful       without an ESP or EFI variables, say so and succeed (for package scripts)
  -h, --help       show this help`,
  async run(args, io, platform) {
    const { values } = parseArgs({
      args,
      options: {
        ...COMMON,
        kernel: { type: "string" },
        "sign-key": { type: "string" },
        "sign-cert": { type: "string" },
        layout: { type: "string" },
        cmdline: { type: "string" },
        stub: { type: "string" },
        "no-boot-entry": { type: "boolean" },
        fallback: { type: "boolean" },
        pcrlock: { type: "string" },
        "no-pcrlock": { type: "boolean" },
        graceful: { type: "boolean" },
      },
      strict: true,
    });
    const layout = values.layout ?? "uki";
    if (layout !== "uki" && layout !== "linux-efi-stub") throw new UsageError(`--layout ${layout}: expected uki or linux-efi-stub`);
    if (Boolean(values["sign-key"]) !== Boolean(values["sign-cert"])) throw new UsageError("--sign-key and --sign-cert go together");
    if (values.pcrlock && values["no-pcrlock"]) throw new UsageError("--pcrlock and --no-pcrlock contradict each other");
    const host = platform.installHost();
    const found = gracefulEsp(platform, io, values, "ukiboot install: nothing installed");
    if (!found) return 0;
    const { sys, esp } = found;
    const bootEntry = !values["no-boot-entry"] && !(values.graceful && !sys.efivars.available);
    if (values.graceful && !sys.efivars.available && !values["no-boot-entry"])
      io.stdout.write("ukiboot install: no EFI variables here, so no firmware boot entry is made.\n");
    const opts: InstallOptions = {
      esp,
      layout,
      bootEntry,
      forceFallback: Boolean(values.fallback),
      cmdline: values.cmdline ?? DEFAULT_BOOT_CMDLINE,
      binary: binaryOf(host, values.binary),
      ...(values.kernel ? { kernel: values.kernel } : {}),
      ...(values.stub ? { stub: values.stub } : {}),
      ...(values["no-pcrlock"] ? { pcrlock: null } : values.pcrlock ? { pcrlock: values.pcrlock } : {}),
      ...(values["sign-key"] && values["sign-cert"] ? { signing: { key: values["sign-key"], cert: values["sign-cert"] } } : {}),
    };
    const report = await installUkiboot(sys, host, opts);
    for (const l of report.lines) io.stdout.write(`${l}\n`);
    return 0;
  },
};

export const updateCommand: Command = {
  name: "update",
  summary: "rebuild the installed boot image when its kernel or ukiboot changed; otherwise do nothing",
  help: `Usage: ukiboot update [--esp DIR] [--efivarfs DIR] [--graceful]

Rebuilds the boot image with the settings it was installed with, when ukiboot status says an update is
due: its kernel changed or is gone, a newer kernel is installed (unless the kernel was given with
--kernel), this ukiboot differs from the one in the image, or a file ukiboot wrote changed. The image is
built from the newest kernel in /boot, or from the one given to install while it exists. Does nothing when
the image is current, or when ukiboot is not installed.

Options:
${COMMON_HELP}
  --graceful       without an ESP, say so and succeed
  -h, --help       show this help`,
  async run(args, io, platform) {
    const { values } = parseArgs({ args, options: { ...COMMON, graceful: { type: "boolean" } }, strict: true });
    const host = platform.installHost();
    const found = gracefulEsp(platform, io, values, "ukiboot update: nothing to do");
    if (!found) return 0;
    const { sys, esp } = found;
    const binary = binaryOf(host, values.binary);
    const status = installStatus(sys, host, { esp, binary });
    if (!status.installed || !status.record) {
      io.stdout.write(`ukiboot is not installed on "${esp}"; nothing to update.\n`);
      return 0;
    }
    if (status.updateDue.length === 0) {
      io.stdout.write("The boot image is current.\n");
      return 0;
    }
    const r = status.record;
    io.stdout.write(`Updating the boot image: ${status.updateDue.join("; ")}.\n`);
    const report = await installUkiboot(sys, host, {
      esp,
      layout: r.layout,
      bootEntry: r.bootEntry !== null,
      // A fallback loader ukiboot wrote is rewritten, one it left alone is left again.
      forceFallback: false,
      cmdline: r.cmdline,
      ...(r.stub ? { stub: r.stub } : {}),
      binary,
      ...kernelForUpdate(host, r),
      pcrlock: r.pcrlock?.path ?? null,
      ...(r.signing ? { signing: { key: r.signing.key, cert: r.signing.cert } } : {}),
    });
    for (const l of report.lines) io.stdout.write(`${l}\n`);
    return 0;
  },
};

/**
 * The kernel an update builds from: one given with --kernel while it exists; otherwise the newest installed,
 * as the target's own boot would take it (and the running one when /boot holds none).
 */
function kernelForUpdate(host: InstallHost, r: InstallRecord): { kernel?: string; kernelGiven: boolean } {
  if (r.kernel.given && host.exists(r.kernel.path)) return { kernel: r.kernel.path, kernelGiven: true };
  const newest = newestKernel(host);
  return { ...(newest ? { kernel: newest.path } : {}), kernelGiven: false };
}

export const removeCommand: Command = {
  name: "remove",
  summary: "undo ukiboot install: its files, the fallback loader it replaced, its boot entry and its place in BootOrder",
  help: `Usage: ukiboot remove [--esp DIR] [--efivarfs DIR]

Undoes what loader/ukiboot/install.json records, and only what is still as ukiboot left it: a file that
changed since stays (and is named), a replaced fallback loader is put back, the boot entry is removed only
while it still starts ukiboot's image, and BootOrder loses ukiboot's number and nothing else.

Options:
${COMMON_HELP}
  -h, --help       show this help`,
  async run(args, io, platform) {
    const { values } = parseArgs({ args, options: COMMON, strict: true });
    const { sys, esp } = espOf(platform, io, values);
    const report = removeUkiboot(sys, platform.installHost(), esp);
    for (const l of report.lines) io.stdout.write(`${l}\n`);
    return 0;
  },
};

export const statusCommand: Command = {
  name: "status",
  summary: "show the installed ukiboot, its boot image, kernel, signer, boot entry, and whether an update is due",
  help: `Usage: ukiboot status [--esp DIR] [--efivarfs DIR] [--json]

Options:
${COMMON_HELP}
  --json           one JSON object: the install record, each file's state, the boot entry, and updateDue
  -h, --help       show this help`,
  async run(args, io, platform) {
    const { values } = parseArgs({ args, options: { ...COMMON, json: { type: "boolean" } }, strict: true });
    const { sys, esp } = espOf(platform, io, values);
    const host = platform.installHost();
    const status = installStatus(sys, host, { esp, binary: values.binary ?? host.selfPath() ?? "" });
    if (values.json) io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    else io.stdout.write(formatInstallStatus(status));
    return 0;
  },
};
