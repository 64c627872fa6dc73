/**
 * `ukiboot plan` on real UKIs (made by ukify with the real stub): a merged initrd the kernel would cut
 * short is refused with a message naming the member; --force loads it anyway; --write-initrd writes exactly
 * the bytes the plan describes.
 */
import { buildOnce } from "../../lab/build-once.ts";
import { beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { debianParts } from "../../../build/debian.ts";
import { InitramfsTree } from "../../../src/initrd/initramfs-tree.ts";
import { run } from "../../../build/lib/run-command.ts";
import { buildUki, standInKernel } from "../../lab/target-system.ts";
import { main } from "../../../src/main.ts";

let ROOT = "";
let ESP = "";

beforeAll(async () => {
  ROOT = await buildOnce("plan-cli-esp", { inputs: {}, code: import.meta.path, single: true }, async (ROOT) => {
    const ESP = join(ROOT, "esp");
    mkdirSync(join(ESP, "EFI/Linux"), { recursive: true });
    const parts = await debianParts();
    const k = standInKernel();
    writeFileSync(join(ROOT, "kernel"), k);
    writeFileSync(join(ROOT, "initrd.cpio"), new InitramfsTree().add({ type: "file", path: "a", data: new TextEncoder().encode("a\n") }).toCpio());
    // xz with its default CRC64 check: the kernel's decoder refuses it and drops everything after it.
    await run(["sh", "-c", `xz --check=crc64 -c ${join(ROOT, "initrd.cpio")} > ${join(ROOT, "initrd.crc64.xz")}`]);
    await run(["sh", "-c", `xz --check=crc32 -c ${join(ROOT, "initrd.cpio")} > ${join(ROOT, "initrd.crc32.xz")}`]);
    const osrel = join(ROOT, "os-release");
    writeFileSync(osrel, 'ID=plan\nPRETTY_NAME="Plan OS"\n');
    for (const [name, initrd] of [
      ["crc64", "initrd.crc64.xz"],
      ["crc32", "initrd.crc32.xz"],
    ] as const) {
      await buildUki(parts, {
        output: join(ESP, `EFI/Linux/${name}.efi`),
        linux: join(ROOT, "kernel"),
        initrds: [join(ROOT, initrd)],
        cmdline: "quiet",
        osRelease: `@${osrel}`,
        uname: "6.1.0-plan",
      });
    }
  });
  ESP = join(ROOT, "esp");
}, 120_000);

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, stdin: process.stdin, env: {} } as never;
  return { code: await main(args, io), out, err };
}

test("ukiboot plan refuses an initrd with an xz CRC64 member and names it", async () => {
  const r = await cli(["plan", "crc64.efi", "--esp", ESP, "--efivarfs", "/nonexistent"]);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/Cannot unpack UKI \.initrd of ".*crc64\.efi".*CRC64/);
  expect(r.err).toContain("Recompress it with xz --check=crc32, or boot with the force option");
});

test("ukiboot plan --force shows it anyway, with the problem as a warning", async () => {
  const r = await cli(["plan", "crc64.efi", "--esp", ESP, "--efivarfs", "/nonexistent", "--force"]);
  expect(r.code).toBe(0);
  expect(r.err).toMatch(/^ukiboot: Cannot unpack UKI \.initrd of .*CRC64 integrity check/m);
  expect(r.out).toContain("entry:   crc64.efi");
});

test("an xz member with CRC32 passes, and --write-initrd writes the bytes whose digest the plan shows", async () => {
  const file = join(ROOT, "written.initrd");
  const r = await cli(["plan", "crc32.efi", "--esp", ESP, "--efivarfs", "/nonexistent", "--json", "--write-initrd", file]);
  expect(r.code).toBe(0);
  const plan = JSON.parse(r.out);
  expect(plan.initrd.members.map((m: { kind: string; compression: string }) => [m.kind, m.compression])).toEqual([
    ["initrd", "xz"],
    ["osrel", "newc"],
  ]);
  const bytes = readFileSync(file);
  expect(bytes.length).toBe(plan.initrd.size);
  expect(createHash("sha256").update(bytes).digest("hex")).toBe(plan.initrd.sha256);
});
