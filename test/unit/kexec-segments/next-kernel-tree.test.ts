import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { getProp, parseFdt, serializeFdt, setProp, u64Prop } from "../../../src/kexec-segments/fdt.ts";
import { treeForNextKernel } from "../../../src/kexec-segments/next-kernel-tree.ts";

const VIRT = new Uint8Array(readFileSync(join(import.meta.dir, "../../fixtures/fdt/qemu-virt.dtb")));
const chosenOf = (blob: Uint8Array) => parseFdt(blob, "t").root.children.find((c) => c.name === "chosen")!;
const u64 = (b: Uint8Array | undefined) => new DataView(b!.buffer, b!.byteOffset).getBigUint64(0);
const fill = (n: number) => new Uint8Array(n).fill(0xab);

test("QEMU's tree gets the command line, the initrd's exact range and new seeds of the same sizes", () => {
  const out = serializeFdt(
    treeForNextKernel(parseFdt(VIRT, "t"), { cmdline: "console=ttyAMA0 UKIBOOT_TARGET=x", initrd: { start: 0x4447_0000, end: 0x4465_df34 }, random: fill }),
  );
  const chosen = chosenOf(out);
  expect(chosen.props.map((p) => p.name)).toEqual(["stdout-path", "rng-seed", "kaslr-seed", "bootargs", "linux,initrd-start", "linux,initrd-end"]);
  expect(new TextDecoder().decode(getProp(chosen, "bootargs"))).toBe("console=ttyAMA0 UKIBOOT_TARGET=x\0");
  expect(u64(getProp(chosen, "linux,initrd-start"))).toBe(0x4447_0000n);
  expect(u64(getProp(chosen, "linux,initrd-end"))).toBe(0x4465_df34n);
  expect([...getProp(chosen, "kaslr-seed")!]).toEqual([...fill(8)]);
  expect([...getProp(chosen, "rng-seed")!]).toEqual([...fill(32)]);
  // Everything outside /chosen is as it was.
  const before = parseFdt(VIRT, "t").root;
  const after = parseFdt(out, "t").root;
  expect(after.children.filter((c) => c.name !== "chosen")).toEqual(before.children.filter((c) => c.name !== "chosen"));
});

test("the running kernel's initrd, ELF core header and crash memory do not reach a kernel without them", () => {
  const fdt = parseFdt(VIRT, "t");
  const chosen = fdt.root.children.find((c) => c.name === "chosen")!;
  for (const name of ["linux,initrd-start", "linux,initrd-end", "linux,elfcorehdr", "linux,usable-memory-range"]) setProp(chosen, name, u64Prop(1n));
  const out = chosenOf(serializeFdt(treeForNextKernel(fdt, { cmdline: "", random: fill })));
  expect(out.props.map((p) => p.name)).toEqual(["stdout-path", "rng-seed", "kaslr-seed", "bootargs"]);
});

test("a tree without seeds gets none, and one without /chosen gets it", () => {
  const fdt = parseFdt(VIRT, "t");
  fdt.root.children = fdt.root.children.filter((c) => c.name !== "chosen");
  const out = chosenOf(serializeFdt(treeForNextKernel(fdt, { cmdline: "quiet", random: fill })));
  expect(out.props.map((p) => p.name)).toEqual(["bootargs"]);
});
