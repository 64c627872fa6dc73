/**
 * `npm start`: installs what is missing, builds ukiboot and its initramfs, builds the demo ESP (real UKIs
 * made by ukify from the Debian kernel) and boots it in QEMU with the serial console on this terminal.
 * `npm start -- --linuxboot` starts the boot kernel directly instead of through OVMF firmware.
 * Quit QEMU with Ctrl-A then X.
 */
import { parseArgs } from "node:util";
import { build } from "../../build/build.ts";
import { debianParts, ensureHostTools } from "../../build/debian.ts";
import { BOOT_KERNEL_CMDLINE, buildEspScenario, DEMO_ESP } from "./esp-scenarios.ts";
import { startVm } from "./qemu.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { linuxboot: { type: "boolean" }, append: { type: "string" } } });

await ensureHostTools();
const parts = await debianParts();
console.log("ukiboot demo: building dist/ukiboot and dist/initramfs.cpio.zst");
const { initramfs } = await build({ modulesDir: parts.modulesDir });
console.log("ukiboot demo: building the demo ESP (UKIs made by ukify with systemd-stub)");
const esp = await buildEspScenario(DEMO_ESP, { initramfs: initramfs!.output });
console.log(`ukiboot demo: booting ${esp.image} in QEMU (${values.linuxboot ? "boot kernel started directly" : "OVMF firmware"}); quit with Ctrl-A then X`);
const vm = startVm({
  interactive: true,
  disks: [{ path: esp.image, iface: "nvme" }],
  ...(values.linuxboot
    ? { kernel: parts.vmlinuz, initrd: initramfs!.output, append: `${BOOT_KERNEL_CMDLINE}${values.append ? ` ${values.append}` : ""}` }
    : { firmware: "ovmf" as const }),
});
process.exitCode = await vm.exited;
