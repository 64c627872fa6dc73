/**
 * `ukiboot init`: the PID-1 mode, started by the initramfs shim. The boot itself is src/flow/pid1.ts; this
 * file only reads the environment the hooks set. Exit codes: 0 dry run finished, 1 nothing could be booted,
 * 2 bad usage, 3 the person chose the rescue shell in the menu, 4 nothing could be booted under enforce.
 */
import { parseArgs } from "node:util";
import { DEFAULT_WAIT_SECONDS, runInit } from "../../flow/pid1.ts";
import type { Command } from "../command.ts";

export const initCommand: Command = {
  name: "init",
  summary: "PID-1 mode: find the ESP, boot the default entry, explain failures",
  help: `Usage: ukiboot init

Run by the initramfs shim (/init) as the boot loader: loads the modules shipped in the initramfs,
waits for the EFI System Partition, mounts it read-only and boots the default entry with kexec.
If nothing can be booted it explains why and returns to the shim, which offers a rescue shell.

Kernel command line options (of the boot kernel):
  ukiboot.wait=SECONDS   how long to wait for the ESP to appear (default ${DEFAULT_WAIT_SECONDS})
  ukiboot.entry=ID       boot this entry (id or glob) instead of the default, once
  ukiboot.timeout=SECS   menu timeout, overriding loader.conf and LoaderConfigTimeout
  ukiboot.esp=SELECTOR   PARTUUID=…, PARTLABEL=…, LABEL=… or a device path
  ukiboot.dry-run        show what would be booted, then return to the shell
  ukiboot.console=NAME   the one console that gets the menu (e.g. ttyS1, tty1); default every console
                         the kernel writes to, and the screen when a framebuffer console shows it
  ukiboot.verify=MODE    off, warn, enforce or strict for UKI, add-on and kernel signatures (default:
                         enforce under Secure Boot or lockdown, else warn; under enforce and strict no
                         rescue shell is offered)
  ukiboot.debug          more messages

Environment:
  UKIBOOT_NO_MODULES=1   do not load modules (the initramfs generator hooks set it; see initrd-hooks/README.md)

Exit codes: 0 the dry run finished, 1 nothing could be booted, 2 bad usage, 3 the rescue shell was
chosen in the menu, 4 nothing could be booted while signatures are enforced (the shim powers off).`,
  async run(args, io, platform) {
    parseArgs({ args, options: {}, strict: true });
    // Inside a distribution's initramfs its generator decides where stderr shows; as PID 1 every console gets the lines.
    const sys = platform.sys({ kernelLog: true, ...(io.env.UKIBOOT_HOOK ? {} : { allConsoles: true }) });
    return runInit(
      sys,
      {
        // Set by the hooks of initramfs generators (initrd-hooks/): ukiboot runs inside the distribution's initramfs.
        ...(io.env.UKIBOOT_HOOK ? { hook: io.env.UKIBOOT_HOOK } : {}),
        noModules: io.env.UKIBOOT_NO_MODULES === "1",
        pid: process.pid,
      },
      platform.chooser,
      io.stdout,
    );
  },
};
