import { describe, expect, test } from "bun:test";
import { bootNumberOf, bootVariableName, decodeBootOrder, encodeBootOrder, freeBootNumber, withFirst, without } from "../../../src/efi/boot-order.ts";

describe("BootOrder", () => {
  test("is little-endian UINT16s", () => {
    expect([...encodeBootOrder([3, 0x1a, 0x1000])]).toEqual([3, 0, 0x1a, 0, 0, 0x10]);
    expect(decodeBootOrder(Uint8Array.from([3, 0, 0x1a, 0, 0, 0x10]))).toEqual([3, 0x1a, 0x1000]);
  });
  test("an odd length is refused with a sentence", () => {
    expect(() => decodeBootOrder(new Uint8Array(3))).toThrow("Cannot read BootOrder: it is 3 bytes, not a list of 2-byte numbers");
  });
  test("ukiboot's number goes first or goes away; the others keep their order", () => {
    expect(withFirst([1, 2, 7, 3], 7)).toEqual([7, 1, 2, 3]);
    expect(withFirst([1, 2], 7)).toEqual([7, 1, 2]);
    expect(without([7, 1, 2, 3], 7)).toEqual([1, 2, 3]);
    expect(without([1, 2], 7)).toEqual([1, 2]);
  });
});

describe("Boot#### names", () => {
  test("four upper-case hex digits", () => {
    expect(bootVariableName(0x1a)).toBe("Boot001A");
    expect(bootNumberOf("Boot001A")).toBe(0x1a);
    for (const name of ["BootOrder", "BootNext", "Boot001a", "Boot00G1", "Boot1"]) expect(bootNumberOf(name)).toBeUndefined();
  });
  test("the lowest free number", () => {
    expect(freeBootNumber([0, 1, 3])).toBe(2);
    expect(freeBootNumber([])).toBe(0);
  });
});
