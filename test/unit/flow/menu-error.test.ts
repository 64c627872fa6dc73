import { expect, test } from "bun:test";
import { BootError, FormatError, SysCallError } from "../../../src/errors.ts";
import { menuErrorFrom } from "../../../src/flow/menu-view.ts";

test("menuErrorFrom() keeps the hint of a BootError and a SysCallError", () => {
  expect(menuErrorFrom(new BootError("Cannot find the ESP: no partition has the ESP type", "Check the disk"))).toEqual({
    message: "Cannot find the ESP: no partition has the ESP type",
    hint: "Check the disk",
  });
  const sys = new SysCallError("kexec_file_load", "kernel=7, initrd=8, flags=0x0", 129, {
    action: 'load kernel "/efi/EFI/Linux/debian.efi"',
    hint: "Choose another entry",
  });
  expect(menuErrorFrom(sys)).toEqual({
    message:
      'Cannot load kernel "/efi/EFI/Linux/debian.efi": kexec_file_load(kernel=7, initrd=8, flags=0x0) failed with EKEYREJECTED (Key was rejected by service)',
    hint: "Choose another entry",
  });
});

test("menuErrorFrom() shows other errors by message only, and no empty hint", () => {
  expect(menuErrorFrom(new FormatError("pe", "x.efi", 'Cannot parse PE image "x.efi": no PE signature'))).toEqual({
    message: 'Cannot parse PE image "x.efi": no PE signature',
  });
  expect(menuErrorFrom(new BootError("Cannot boot", ""))).toEqual({ message: "Cannot boot" });
  expect(menuErrorFrom("plain")).toEqual({ message: "plain" });
});
