/**
 * Benchmark: `dist/ukiboot plan --write-initrd` into tmpfs for a UKI with a large .initrd plus three add-ons,
 * against `cat` of the same source files into tmpfs, in the same run; and ukiboot's peak RSS at two initrd
 * sizes, which must not grow with the initrd (the bytes are copied by the kernel, never held in JavaScript).
 * Three sizes show the fixed start-up cost (runtime, discovery, initrd check) apart from the copying.
 *
 * Then the floor under warn, where the UKI is sealed, hashed whole and copied out: the 100 MiB run against
 * reading and hashing the UKI once (`openssl dgst -sha256`) plus copying it once into tmpfs (`cat`), as the
 * ratio ukiboot / (openssl + cat).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBuilt } from "../../build/build.ts";
import { CACHE_DIR, debianParts, ensureHostTools, REPO_ROOT } from "../../build/debian.ts";
import { InitramfsTree } from "../../src/initrd/initramfs-tree.ts";
import { run } from "../../build/lib/run-command.ts";
import { buildAddon, buildUki, standInKernel } from "../lab/target-system.ts";

const BINARY = join(REPO_ROOT, "dist", "ukiboot");
// The reference reads and hashes with openssl: installed like every other tool, never skipped.
await ensureHostTools({ programs: { openssl: "openssl" } });
await ensureBuilt({ initramfs: false });

/** An ESP whose UKI's .initrd is a newc archive of `mib` MiB, with three add-ons that each bring an initrd. */
async function makeEsp(mib: number): Promise<{ esp: string; sources: string[] }> {
  const dir = join(CACHE_DIR, "bench", `plan-${mib}`);
  const esp = join(dir, "esp");
  const sources = [join(dir, "initrd.cpio"), ...[1, 2, 3].map((i) => join(dir, `addon${i}.cpio`))];
  if (existsSync(join(dir, "done"))) return { esp, sources };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(esp, "EFI/Linux/big.efi.extra.d"), { recursive: true });
  mkdirSync(join(esp, "loader/addons"), { recursive: true });
  const parts = await debianParts();
  const data = new Uint8Array(mib << 20);
  for (let i = 0; i < data.length; i += 4096) data[i] = (i >> 12) & 0xff;
  writeFileSync(sources[0]!, new InitramfsTree().add({ type: "file", path: "big.bin", data }).toCpio());
  for (const [i, src] of sources.slice(1).entries()) {
    writeFileSync(src, new InitramfsTree().add({ type: "file", path: `addon${i + 1}`, data: new Uint8Array(1 << 20).fill(i + 1) }).toCpio());
  }
  const kernel = join(dir, "kernel");
  const k = standInKernel();
  writeFileSync(kernel, k);
  const osrel = join(dir, "os-release");
  writeFileSync(osrel, 'ID=bench\nPRETTY_NAME="Bench"\n');
  await buildUki(parts, {
    output: join(esp, "EFI/Linux/big.efi"),
    linux: kernel,
    initrds: [sources[0]!],
    cmdline: "quiet",
    osRelease: `@${osrel}`,
    uname: "6.1.0-bench",
  });
  await buildAddon(parts, { output: join(esp, "loader/addons/a1.addon.efi"), cmdline: "a1=1", initrd: sources[1]! });
  await buildAddon(parts, { output: join(esp, "loader/addons/a2.addon.efi"), cmdline: "a2=1", initrd: sources[2]! });
  await buildAddon(parts, { output: join(esp, "EFI/Linux/big.efi.extra.d/a3.addon.efi"), cmdline: "a3=1", initrd: sources[3]! });
  writeFileSync(join(dir, "done"), "");
  return { esp, sources };
}

/** One run of `cmd`: wall time (ms) and the max RSS (KiB) GNU time reports. */
async function once(cmd: string[]): Promise<{ ms: number; rssKiB: number }> {
  const t0 = performance.now();
  const { stderr } = await run(["/usr/bin/time", "-f", "RSS=%M", ...cmd]);
  return { ms: performance.now() - t0, rssKiB: Number(stderr.match(/RSS=(\d+)/)![1]) };
}

const RUNS = 9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The commands run in turn, RUNS rounds, so all see the same machine load; each one's median and largest RSS. */
async function alternate(cmds: string[][]): Promise<{ ms: number; rssKiB: number }[]> {
  const runs: { ms: number; rssKiB: number }[][] = cmds.map(() => []);
  for (let i = 0; i < RUNS; i++) for (const [k, cmd] of cmds.entries()) runs[k]!.push(await once(cmd));
  return runs.map((r) => ({ ms: median(r.map((x) => x.ms)), rssKiB: Math.max(...r.map((x) => x.rssKiB)) }));
}

/** The two commands run alternately, so both see the same machine load; medians and the largest RSS. */
async function compare(a: string[], b: string[]) {
  const [ra, rb] = await alternate([a, b]);
  return { a: ra!, b: rb! };
}

const FLOOR_MIB = 100;

const tmp = mkdtempSync("/dev/shm/ukiboot-bench-");
try {
  const rows: string[] = [];
  let floor: string | undefined;
  for (const mib of [50, 100, 400]) {
    const { esp, sources } = await makeEsp(mib);
    const out = join(tmp, "initrd");
    const cat = ["sh", "-c", `cat ${sources.join(" ")} > ${out}`];
    await once(cat); // warm the page cache
    // The default policy (warn, without Secure Boot) verifies every UKI's signature, which hashes all of it;
    // --verify off shows the planning and copying alone.
    for (const verify of ["warn", "off"]) {
      const ukiboot = ["sh", "-c", `${BINARY} plan --esp ${esp} --efivarfs /nonexistent --verify ${verify} --write-initrd ${out} > /dev/null 2>&1`];
      await once(ukiboot);
      const { a: u, b: c } = await compare(ukiboot, cat);
      rows.push(
        `| ${mib} MiB .initrd + 3 add-ons, --verify ${verify} | ${u.ms.toFixed(0)} ms | ${c.ms.toFixed(0)} ms | ${(u.ms / c.ms).toFixed(2)}x | ${(u.rssKiB / 1024).toFixed(0)} MiB | ${(c.rssKiB / 1024).toFixed(1)} MiB |`,
      );
      if (mib === FLOOR_MIB && verify === "warn") floor = await floorRow(ukiboot, join(esp, "EFI/Linux/big.efi"));
    }
  }
  console.log(`| initrd (${RUNS} runs each, alternating, median, into tmpfs) | ukiboot plan --write-initrd | cat | ratio | ukiboot peak RSS | cat peak RSS |`);
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const r of rows) console.log(r);
  console.log("");
  if (floor === undefined) throw new Error("bench plan-write: no row for the 100 MiB UKI under warn was measured");
  console.log(
    `| UKI (${RUNS} runs each, alternating, median) | ukiboot plan --write-initrd, --verify warn | openssl dgst -sha256 UKI | cat UKI into tmpfs | ratio ukiboot / (openssl + cat) |`,
  );
  console.log("| --- | --- | --- | --- | --- |");
  console.log(floor);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

/**
 * ukiboot under warn against what it cannot do with less: read and hash the UKI once (openssl) and copy it once
 * into tmpfs (cat), all three in turn. openssl is installed with the other host tools at the start.
 */
async function floorRow(ukiboot: string[], uki: string): Promise<string> {
  const openssl = ["openssl", "dgst", "-sha256", uki];
  const cat = ["sh", "-c", `cat ${uki} > ${join(tmp, "uki-copy")}`];
  await once(cat);
  const [u, o, c] = await alternate([ukiboot, openssl, cat]);
  const ratio = u!.ms / (o!.ms + c!.ms);
  return `| ${(Bun.file(uki).size / (1 << 20)).toFixed(0)} MiB (${FLOOR_MIB} MiB .initrd) | ${u!.ms.toFixed(0)} ms | ${o!.ms.toFixed(0)} ms | ${c!.ms.toFixed(0)} ms | ${ratio.toFixed(2)}x |`;
}
