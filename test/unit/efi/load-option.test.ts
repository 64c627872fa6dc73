import { describe, expect, test } from "bun:test";
import { FormatError } from "../../../src/errors.ts";
import { decodeLoadOption, encodeLoadOption, formatDevicePath, type LoadOption } from "../../../src/efi/load-option.ts";

const ESP = { partition: 1, startLba: 2048n, sizeLba: 524288n, partUuid: "1b4e3c2a-0000-4000-8000-000000000001" };
const OPTION: LoadOption = { active: true, description: "ukiboot", partition: ESP, file: "\\EFI\\ukiboot\\ukibootx64.efi", optionalData: new Uint8Array(0) };

/** The same option, byte by byte from the UEFI specification (§3.1.3 EFI_LOAD_OPTION, §10.3 device path nodes). */
function reference(): Uint8Array {
  const u16 = (s: string) => [...Buffer.from(`${s}\0`, "utf16le")];
  const le = (n: bigint, size: number) => Array.from({ length: size }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
  // The GPT signature in its mixed-endian layout.
  const guid = [0x2a, 0x3c, 0x4e, 0x1b, 0x00, 0x00, 0x00, 0x40, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01];
  const hd = [4, 1, 42, 0, ...le(1n, 4), ...le(2048n, 8), ...le(524288n, 8), ...guid, 2, 2];
  const path = u16("\\EFI\\ukiboot\\ukibootx64.efi");
  const file = [4, 4, ...le(BigInt(4 + path.length), 2), ...path];
  const end = [0x7f, 0xff, 4, 0];
  const dp = [...hd, ...file, ...end];
  return Uint8Array.from([...le(1n, 4), ...le(BigInt(dp.length), 2), ...u16("ukiboot"), ...dp]);
}

describe("encodeLoadOption()", () => {
  test("writes attributes, the path list's length, the description and HD()/File()/End, as the specification lays them out", () => {
    expect([...encodeLoadOption(OPTION)]).toEqual([...reference()]);
  });
  test("an inactive option has attribute bit 0 clear; optional data follows the device path", () => {
    const b = encodeLoadOption({ ...OPTION, active: false, optionalData: Uint8Array.from([1, 2, 3]) });
    expect(new DataView(b.buffer).getUint32(0, true)).toBe(0);
    expect([...b.subarray(b.length - 3)]).toEqual([1, 2, 3]);
  });
  test("refuses a file path that is not an absolute ESP path with backslashes", () => {
    expect(() => encodeLoadOption({ ...OPTION, file: "/EFI/ukiboot/x.efi" })).toThrow(/must start with a backslash/);
  });
});

describe("decodeLoadOption()", () => {
  test("reads back what it wrote", () => {
    expect(decodeLoadOption(encodeLoadOption(OPTION), "Boot0003")).toEqual({ ...OPTION, nodes: expect.any(Array) });
  });
  test("keeps the nodes it does not know, and prints them as efibootmgr does", () => {
    // A PciRoot/Pci/Mac path as firmware writes for network boot: ACPI (2/1), PCI (1/1), MAC (3/11).
    const acpi = [2, 1, 12, 0, 0xd0, 0x41, 0x03, 0x0a, 0, 0, 0, 0];
    const pci = [1, 1, 6, 0, 0, 3];
    const end = [0x7f, 0xff, 4, 0];
    const dp = [...acpi, ...pci, ...end];
    const bytes = Uint8Array.from([1, 0, 0, 0, dp.length, 0, ...Buffer.from("UEFI PXE\0", "utf16le"), ...dp]);
    const o = decodeLoadOption(bytes, "Boot0001");
    expect(o.description).toBe("UEFI PXE");
    expect(o.partition).toBeUndefined();
    expect(formatDevicePath(o.nodes)).toBe("PciRoot(0x0)/Pci(0x3,0x0)");
  });
  test("prints HD()/File() as efibootmgr -v does", () => {
    const o = decodeLoadOption(encodeLoadOption(OPTION), "Boot0003");
    expect(formatDevicePath(o.nodes)).toBe("HD(1,GPT,1b4e3c2a-0000-4000-8000-000000000001,0x800,0x80000)/File(\\EFI\\ukiboot\\ukibootx64.efi)");
  });
  test("a device path that runs past the data, a node shorter than its header, a description without its NUL: FormatErrors naming the variable", () => {
    const good = encodeLoadOption(OPTION);
    const longer = good.slice();
    new DataView(longer.buffer).setUint16(4, 4000, true);
    const shortNode = good.slice();
    shortNode[6 + 16 + 2] = 2; // the HD node's length, just after the description
    for (const [bytes, pattern] of [
      [longer, /Cannot read EFI load option "Boot0003": its device path list of 4000 bytes runs past the end/],
      [shortNode, /Cannot read EFI load option "Boot0003": a device path node at \+0x0 is 2 bytes long, shorter than its 4-byte header/],
      [good.subarray(0, 12), /Cannot read EFI load option "Boot0003": its description has no terminating NUL/],
      [good.subarray(0, 4), /Cannot read EFI load option "Boot0003": it is 4 bytes, shorter than its 6-byte header/],
    ] as const) {
      let err: unknown;
      try {
        decodeLoadOption(bytes, "Boot0003");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FormatError);
      expect((err as Error).message).toMatch(pattern);
    }
  });
});
