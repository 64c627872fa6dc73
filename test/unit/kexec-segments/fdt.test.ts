import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../../../src/errors.ts";
import { childNode, deleteProp, type Fdt, getProp, parseFdt, serializeFdt, setProp, stringProp, u64Prop } from "../../../src/kexec-segments/fdt.ts";

// QEMU 7.2's virt machine tree (-M virt,dumpdtb= with -cpu max -m 2048), laid out again by dtc 1.6 (dtc -I dtb -O dtb).
const VIRT = new Uint8Array(readFileSync(join(import.meta.dir, "../../fixtures/fdt/qemu-virt.dtb")));

const find = (fdt: Fdt, path: string) =>
  path
    .split("/")
    .filter(Boolean)
    .reduce((n, name) => n.children.find((c) => c.name === name)!, fdt.root);
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

describe("parseFdt", () => {
  test("reads QEMU's virt tree: the model, the memory node, /chosen's seeds", () => {
    const fdt = parseFdt(VIRT, "qemu-virt.dtb");
    expect(fdt.root.name).toBe("");
    expect(text(getProp(fdt.root, "model"))).toBe("linux,dummy-virt\0");
    const mem = find(fdt, "/memory@40000000");
    // reg = <0x00 0x40000000 0x00 0x80000000>: 2 GiB at 1 GiB.
    expect([...getProp(mem, "reg")!]).toEqual([0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0]);
    const chosen = find(fdt, "/chosen");
    expect(chosen.props.map((p) => p.name)).toEqual(["stdout-path", "rng-seed", "kaslr-seed"]);
    expect(getProp(chosen, "kaslr-seed")!.byteLength).toBe(8);
    expect(getProp(chosen, "rng-seed")!.byteLength).toBe(32);
    expect(fdt.reserved).toEqual([]);
  });

  test("writes back the same bytes dtc wrote", () => {
    expect(Buffer.from(serializeFdt(parseFdt(VIRT, "qemu-virt.dtb"))).equals(Buffer.from(VIRT))).toBe(true);
  });

  test("keeps /memreserve/ entries and the boot CPU through a round trip", () => {
    const fdt = parseFdt(VIRT, "x");
    fdt.reserved.push({ address: 0x8_0000_0000n, size: 0x10_0000n });
    fdt.bootCpu = 3;
    const again = parseFdt(serializeFdt(fdt), "y");
    expect(again.reserved).toEqual([{ address: 0x8_0000_0000n, size: 0x10_0000n }]);
    expect(again.bootCpu).toBe(3);
  });

  const bad: [string, (b: Uint8Array) => Uint8Array, RegExp][] = [
    ["a short blob", (b) => b.subarray(0, 20), /has 20 bytes, fewer than a header's 40/],
    ["a wrong magic", (b) => (b.set([0xde, 0xad], 0), b), /does not start with the magic 0xd00dfeed \(found 0xdeadfeed\)/],
    ["a size past the bytes", (b) => b.subarray(0, b.byteLength - 8), /its header says 7502 bytes, but there are 7494/],
    ["an unknown token", (b) => (new DataView(b.buffer).setUint32(new DataView(b.buffer).getUint32(8), 7), b), /unknown token 0x7 at byte/],
    ["a newer format", (b) => (new DataView(b.buffer).setUint32(24, 18), b), /needs a reader of version 18/],
  ];
  for (const [what, spoil, message] of bad) {
    test(`refuses ${what}, naming the source`, () => {
      const b = spoil(new Uint8Array(VIRT));
      const parse = () => parseFdt(b, "/sys/firmware/fdt");
      expect(parse).toThrow(FormatError);
      expect(parse).toThrow(/^Cannot read the device tree \/sys\/firmware\/fdt: /);
      expect(parse).toThrow(message);
    });
  }

  test("refuses a property whose length runs past the structure block", () => {
    const fdt = parseFdt(VIRT, "x");
    const b = serializeFdt(fdt);
    const dv = new DataView(b.buffer);
    // The root's first property follows BEGIN_NODE and the empty name's padded word.
    const first = dv.getUint32(8) + 8;
    expect(dv.getUint32(first)).toBe(3);
    dv.setUint32(first + 4, 0x10_0000);
    expect(() => parseFdt(b, "t.dtb")).toThrow(/a property at byte \d+ is 1048576 bytes long, past the structure block/);
  });
});

describe("editing", () => {
  test("/chosen edits survive a round trip; new names share the strings block", () => {
    const fdt = parseFdt(VIRT, "x");
    const chosen = childNode(fdt.root, "chosen");
    setProp(chosen, "bootargs", stringProp("console=ttyAMA0 quiet"));
    setProp(chosen, "linux,initrd-start", u64Prop(0x4800_0000n));
    setProp(chosen, "linux,initrd-end", u64Prop(0x4812_3456n));
    deleteProp(chosen, "rng-seed");
    const again = find(parseFdt(serializeFdt(fdt), "y"), "/chosen");
    expect(again.props.map((p) => p.name)).toEqual(["stdout-path", "kaslr-seed", "bootargs", "linux,initrd-start", "linux,initrd-end"]);
    expect(text(getProp(again, "bootargs"))).toBe("console=ttyAMA0 quiet\0");
    expect(new DataView(getProp(again, "linux,initrd-end")!.buffer).getBigUint64(0)).toBe(0x4812_3456n);
  });

  test("a tree without /chosen gets one", () => {
    const fdt = parseFdt(VIRT, "x");
    fdt.root.children = fdt.root.children.filter((c) => c.name !== "chosen");
    setProp(childNode(fdt.root, "chosen"), "bootargs", stringProp(""));
    expect(find(parseFdt(serializeFdt(fdt), "y"), "/chosen").props.map((p) => p.name)).toEqual(["bootargs"]);
  });
});
