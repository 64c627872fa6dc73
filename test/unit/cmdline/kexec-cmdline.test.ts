import { describe, expect, test } from "bun:test";
import { checkCmdlineLength, CmdlineTooLongError, COMMAND_LINE_MAX_X86_64, encodeKexecCmdline } from "../../../src/cmdline/kexec-cmdline.ts";
import { BootError } from "../../../src/errors.ts";

describe("checkCmdlineLength()", () => {
  test("accepts exactly 2047 bytes on x86_64 and refuses 2048", () => {
    expect(() => checkCmdlineLength("a".repeat(2047))).not.toThrow();
    expect(() => checkCmdlineLength("a".repeat(2048))).toThrow(CmdlineTooLongError);
    expect(COMMAND_LINE_MAX_X86_64).toBe(2047);
  });

  test("counts UTF-8 bytes, not characters", () => {
    // 1024 × "é" is 1024 characters but 2048 bytes.
    expect(() => checkCmdlineLength("é".repeat(1024))).toThrow(CmdlineTooLongError);
    expect(() => checkCmdlineLength("é".repeat(1023))).not.toThrow();
  });

  test("names the length and the limit, with a hint", () => {
    try {
      checkCmdlineLength("x".repeat(3000), 2047);
      throw new Error("not thrown");
    } catch (e) {
      expect(e).toBeInstanceOf(BootError);
      const err = e as CmdlineTooLongError;
      expect(err.message).toBe("Cannot boot with this command line: it is 3000 bytes long and the kernel accepts at most 2047");
      expect(err.hint).toBe("Shorten it by 953 bytes: edit it (e), remove add-ons, or drop --append options");
      expect([err.length, err.limit]).toEqual([3000, 2047]);
    }
  });

  test("takes another limit", () => {
    expect(() => checkCmdlineLength("a".repeat(4000), 4095)).not.toThrow();
  });
});

describe("encodeKexecCmdline()", () => {
  test.each([
    ["quiet", 6],
    ["", 1],
    ["é", 3],
  ])("%p → cmdline_len %p with a trailing NUL", (s, len) => {
    const { bytes, length } = encodeKexecCmdline(s);
    expect(length).toBe(len);
    expect(bytes.length).toBe(len);
    expect(bytes[len - 1]).toBe(0);
  });

  test("refuses an embedded NUL", () => {
    expect(() => encodeKexecCmdline("a\0b")).toThrow("NUL character at position 1");
  });
});
