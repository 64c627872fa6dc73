/**
 * `npm start`: installs what is missing, builds ukiboot and its initramfs, builds the demo ESP (real UKIs
 * made by ukify from the Debian kernel) and boots it in QEMU with the serial console on this terminal.
 * `npm start -- --linuxboot` starts the boot kernel directly instead of through OVMF firmware.
 * `npm start -- --net` boots with no disk at all: the demo UKIs are served over HTTP and HTTPS from this
 * machine's 127.0.0.1 (docs/network.md), and the boot kernel gets ukiboot.url= naming their index.
 * `npm start -- --arch arm64` boots the demo on qemu-system-aarch64 with AAVMF: ukiboot built for arm64,
 * target UKIs made with Debian's arm64 stub and kernel, the default one's kernel wrapped as EFI zboot.
 * `npm start -- --pc` boots a PC: Debian's generic kernel with QEMU's VGA screen and a USB keyboard as the
 * only keyboard, the menu on the screen (VNC on 127.0.0.1:5900) and on this terminal at once.
 * Quit QEMU with Ctrl-A then X.
 */
import { parseArgs } from "node:util";
import { build } from "../../build/build.ts";
import { debianParts, ensureHostTools } from "../../build/debian.ts";
import { BOOT_KERNEL_CMDLINE, buildEspScenario, DEMO_ESP } from "./esp-scenarios.ts";
import { HTTPS_BASE, netInitramfs, servedTrees, startBootServer, USER_NETWORK } from "./net-lab.ts";
import { startVm } from "./qemu.ts";
import { PC_CMDLINE, PC_ESP, pcInitramfs, pcVmOptions } from "./pc-lab.ts";
import { ARM64_HOST_TOOLS, arm64Esp } from "./arm64-lab.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { linuxboot: { type: "boolean" }, net: { type: "boolean" }, pc: { type: "boolean" }, arch: { type: "string" }, append: { type: "string" } },
});

if (values.arch !== undefined && values.arch !== "x64" && values.arch !== "arm64") {
  console.error(`npm start: --arch ${values.arch} is not supported; use x64 or arm64`);
  process.exit(2);
}
await ensureHostTools(values.arch === "arm64" ? ARM64_HOST_TOOLS : {});
const parts = await debianParts();
console.log("ukiboot demo: building dist/ukiboot and dist/initramfs.cpio.zst");
const { binary, initramfs } = await build({ modulesDir: parts.modulesDir });
const append = values.append ? ` ${values.append}` : "";

if (values.arch === "arm64") {
  // The demo on arm64: AAVMF starts the boot UKI, ukiboot shows its menu on ttyAMA0 and kexecs the choice.
  console.log("ukiboot demo: building dist/arm64/ukiboot and its initramfs, and the arm64 ESP (ukify with Debian's arm64 stub and kernel)");
  await build({ arch: "arm64" });
  const esp = await arm64Esp({ menuTimeout: 10 });
  console.log(`ukiboot demo: booting ${esp.image} in qemu-system-aarch64 (AAVMF firmware, TCG: slow); quit with Ctrl-A then X`);
  const vm = startVm({ arch: "arm64", interactive: true, firmware: "ovmf", disks: [{ path: esp.image, iface: "virtio" }] });
  process.exitCode = await vm.exited;
} else if (values.pc) {
  console.log("ukiboot demo: building ukiboot's image for Debian's generic kernel, and the PC's ESP (two UKIs, one with a splash)");
  const pc = await pcInitramfs();
  const esp = await buildEspScenario(PC_ESP);
  console.log(
    "ukiboot demo: booting a PC in QEMU (OVMF, VGA, a USB keyboard). The menu is on this terminal and on the screen:\n" +
      "  see the screen with a VNC viewer on 127.0.0.1:5900 (vncviewer 127.0.0.1:0), whose keys are the USB keyboard's,\n" +
      "  or save it with Ctrl-A then C, `screendump /tmp/screen.ppm`, and Ctrl-A then C again to come back.\n" +
      "  The second entry shows its splash before it starts. Quit with Ctrl-A then X.",
  );
  const opts = pcVmOptions({ kernel: pc.kernel.vmlinuz, initrd: pc.image, esp: esp.image, append: `${PC_CMDLINE}${append}` });
  const vm = startVm({ ...opts, interactive: true, extraArgs: [...(opts.extraArgs ?? []), "-vnc", "127.0.0.1:0"] });
  process.exitCode = await vm.exited;
} else if (values.net) {
  console.log("ukiboot demo: building the served UKIs and a boot initramfs that pins the demo server's CA");
  const netImage = await netInitramfs(binary);
  const trees = await servedTrees(initramfs!.output);
  const server = await startBootServer(binary, { demo: trees.demo.tree, signed: trees.signed.tree });
  const url = `${HTTPS_BASE}/demo/index.json`;
  console.log(
    `ukiboot demo: serving ${trees.demo.tree} over HTTP and HTTPS on 127.0.0.1; booting with no disk and ukiboot.url=${url}; quit with Ctrl-A then X`,
  );
  const vm = startVm({
    interactive: true,
    kernel: parts.vmlinuz,
    initrd: netImage,
    append: `${BOOT_KERNEL_CMDLINE} ukiboot.url=${url} ukiboot.timeout=5${append}`,
    extraArgs: USER_NETWORK,
  });
  process.exitCode = await vm.exited;
  server.stop();
} else {
  console.log("ukiboot demo: building the demo ESP (UKIs made by ukify with systemd-stub)");
  const esp = await buildEspScenario(DEMO_ESP, { initramfs: initramfs!.output });
  console.log(`ukiboot demo: booting ${esp.image} in QEMU (${values.linuxboot ? "boot kernel started directly" : "OVMF firmware"}); quit with Ctrl-A then X`);
  const vm = startVm({
    interactive: true,
    disks: [{ path: esp.image, iface: "nvme" }],
    ...(values.linuxboot ? { kernel: parts.vmlinuz, initrd: initramfs!.output, append: `${BOOT_KERNEL_CMDLINE}${append}` } : { firmware: "ovmf" as const }),
  });
  process.exitCode = await vm.exited;
}
