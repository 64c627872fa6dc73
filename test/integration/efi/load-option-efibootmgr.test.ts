/**
 * ukiboot's EFI_LOAD_OPTION against efibootmgr (libefivar reads a directory named by EFIVARFS_PATH as it
 * reads efivarfs): what efibootmgr -v prints for the bytes ukiboot writes, and what ukiboot reads back from
 * a variable efibootmgr changed.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ATTRS_PERSISTENT, buildEfivarfsFile, parseEfivarfsFile } from "../../../src/efi/efivar-codec.ts";
import { decodeLoadOption, encodeLoadOption, formatDevicePath } from "../../../src/efi/load-option.ts";

const GLOBAL = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
const ESP = { partition: 1, startLba: 2048n, sizeLba: 1_048_576n, partUuid: "0f9d2b4e-7c1a-4e55-9a0b-2f6d8c3e1a77" };

function efivars(vars: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), "efibootmgr-vars-"));
  for (const [name, data] of Object.entries(vars)) writeFileSync(join(dir, `${name}-${GLOBAL}`), buildEfivarfsFile({ attributes: ATTRS_PERSISTENT, data }));
  return dir;
}

function efibootmgr(dir: string, args: string[] = []): string {
  const r = Bun.spawnSync(["efibootmgr", ...args], { env: { ...process.env, EFIVARFS_PATH: `${dir}/` }, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`efibootmgr ${args.join(" ")} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const order = (...n: number[]) => Uint8Array.from(n.flatMap((x) => [x & 0xff, x >> 8]));

describe("EFI_LOAD_OPTION against efibootmgr", () => {
  test("efibootmgr -v prints ukiboot's Boot#### as ukiboot formats it", () => {
    const option = { active: true, description: "ukiboot", partition: ESP, file: "\\EFI\\ukiboot\\ukibootx64.efi", optionalData: new Uint8Array(0) };
    const bytes = encodeLoadOption(option);
    const dir = efivars({ Boot0003: bytes, BootOrder: order(3) });
    const line = efibootmgr(dir, ["-v"])
      .split("\n")
      .find((l) => l.startsWith("Boot0003"));
    expect(line).toBe(`Boot0003* ukiboot\t${formatDevicePath(decodeLoadOption(bytes, "Boot0003").nodes)}`);
    expect(line).toBe(`Boot0003* ukiboot\tHD(1,GPT,${ESP.partUuid},0x800,0x100000)/File(\\EFI\\ukiboot\\ukibootx64.efi)`);
  });

  test("an option efibootmgr made inactive reads back inactive, with the same path", () => {
    const option = { active: true, description: "ukiboot", partition: ESP, file: "\\EFI\\ukiboot\\ukibootx64.efi", optionalData: new Uint8Array(0) };
    const dir = efivars({ Boot0003: encodeLoadOption(option), BootOrder: order(3) });
    efibootmgr(dir, ["-b", "0003", "-A"]);
    const back = decodeLoadOption(parseEfivarfsFile(new Uint8Array(readFileSync(join(dir, `Boot0003-${GLOBAL}`))), "Boot0003").data, "Boot0003");
    expect(back).toMatchObject({ ...option, active: false });
  });
});
