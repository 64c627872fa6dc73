/**
 * Real signed UKIs and add-ons for the trust and TPM tests, built once with the real tools
 * (test/lab/build-once.ts):
 * - keys made with openssl (RSA db, RSA "other", a CA with a leaf signer, an ECDSA P-256 key);
 * - UKIs and add-ons built with Debian trixie's ukify 257 and systemd-stub 257, signed with sbsign;
 * - PCR 11 predictions printed by Debian trixie's systemd-measure 257 (run by ukify --measure, through the
 *   unpacked trixie ld.so because this machine's glibc is older).
 * A small fake kernel keeps fixtures fast; one UKI carries the real (Debian-signed) vmlinuz.
 */
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { debianParts, type DebianParts, fetchDebianPackages } from "../../../build/debian.ts";
import { buildOnce } from "../../lab/build-once.ts";
import { hasProgram, run } from "../../../build/lib/run-command.ts";
import type { KeyPair, TrustFixtures as WrittenTrustFixtures } from "../../support/trust-fixtures.ts";

export type { KeyPair };

/** One PCR 11 prediction as systemd-measure prints it: {"sha256":[{"phase","pcr","hash"}…],…}. */
export type MeasureOutput = Record<string, { phase: string; pcr: number; hash: string }[]>;

/**
 * The cases of the unit fixtures (test/support/trust-fixtures.ts), made by openssl, ukify and sbsign, with
 * systemd-measure's predictions, a UKI around the real Debian kernel, and that kernel signed again.
 */
export interface TrustFixtures extends Omit<WrittenTrustFixtures, "certificates" | "multiProfile" | "kernel"> {
  /** Three profiles (@0 base, @1 cmdline override, @2 osrel + cmdline override). */
  multiProfile: { path: string; measure: MeasureOutput[] };
  single: { path: string; measure: MeasureOutput };
  real: { path: string; vmlinuz: string; measure: MeasureOutput };
  /** The Debian kernel as a Type #1 `linux` file: its signature removed, and signed again with the db key. */
  kernel: { unsigned: string; db: string };
}

/** Whether the host tools the fixtures need are installed (tests skip with a message otherwise). */
export function missingFixtureTools(): string[] {
  return ["openssl", "sbsign", "sbverify", "sbattach", "python3"].filter((p) => !hasProgram(p));
}

let fixtures: Promise<TrustFixtures> | undefined;

export function trustFixtures(): Promise<TrustFixtures> {
  fixtures ??= build();
  return fixtures;
}

async function build(): Promise<TrustFixtures> {
  const parts = await debianParts();
  const sd = await fetchDebianPackages("trixie", ["systemd", "libsystemd-shared", "libc6", "libssl3t64"]);
  const dir = await buildOnce(
    "trust-fixtures",
    { inputs: { kernel: parts.kernelVersion, ukify: parts.ukify.argv }, code: import.meta.path, files: [parts.linuxStub, parts.addonStub], single: true },
    (tmp) => makeFixtures(tmp, parts, sd),
  );
  return load(fixtureLayout(dir, parts.vmlinuz));
}

/** Keys, signed and unsigned UKIs and add-ons, and systemd-measure's predictions, made in `tmp`. */
async function makeFixtures(tmp: string, parts: DebianParts, sd: Record<string, string>): Promise<void> {
  mkdirSync(join(tmp, "tools"), { recursive: true });
  const t = fixtureLayout(tmp, parts.vmlinuz);
  const sh = (cmd: string[]) => run(cmd, { cwd: tmp });

  // Keys. Certificates are self-signed CAs except the leaf, which the CA issues.
  const selfSigned = async (k: KeyPair, cn: string, alg: string[]) =>
    sh(["openssl", "req", "-new", "-x509", ...alg, "-nodes", "-keyout", k.key, "-out", k.crt, "-days", "3650", "-subj", `/CN=${cn}/`]);
  const rsa = ["-newkey", "rsa:2048"];
  await selfSigned(t.keys.db, "ukiboot test db", rsa);
  await selfSigned(t.keys.other, "ukiboot test other", rsa);
  await selfSigned(t.keys.ca, "ukiboot test CA", rsa);
  await selfSigned(t.keys.ec, "ukiboot test ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]);
  await sh(["openssl", "req", "-new", ...rsa, "-nodes", "-keyout", t.keys.leaf.key, "-out", join(tmp, "leaf.csr"), "-subj", "/CN=ukiboot test signer/"]);
  await sh([
    "openssl",
    "x509",
    "-req",
    "-in",
    join(tmp, "leaf.csr"),
    "-CA",
    t.keys.ca.crt,
    "-CAkey",
    t.keys.ca.key,
    "-set_serial",
    "2",
    "-days",
    "3650",
    "-out",
    t.keys.leaf.crt,
  ]);
  const issue = async (k: KeyPair, cn: string, issuer: KeyPair, serial: string, extensions: string) => {
    const ext = join(tmp, `${serial}.ext`);
    writeFileSync(ext, extensions);
    await sh(["openssl", "req", "-new", ...rsa, "-nodes", "-keyout", k.key, "-out", join(tmp, `${serial}.csr`), "-subj", `/CN=${cn}/`]);
    await sh([
      "openssl",
      "x509",
      "-req",
      "-in",
      join(tmp, `${serial}.csr`),
      "-CA",
      issuer.crt,
      "-CAkey",
      issuer.key,
      "-set_serial",
      serial,
      "-days",
      "3650",
      "-extfile",
      ext,
      "-out",
      k.crt,
    ]);
  };
  await issue(t.keys.inter, "ukiboot test intermediate", t.keys.ca, "3", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,digitalSignature\n");
  await issue(t.keys.leaf2, "ukiboot test signer 2", t.keys.inter, "4", "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n");
  await issue(t.keys.rogue, "ukiboot test rogue", t.keys.leaf2, "5", "basicConstraints=critical,CA:FALSE\n");

  // Inputs: a deterministic 64 KiB "kernel" (not a PE, so ukify leaves it alone), a text initrd, text sections.
  const linux = new Uint8Array(64 * 1024);
  for (let i = 0, h = Buffer.alloc(0); i < linux.length; i += 32) {
    h = createHash("sha256").update(h).update(String(i)).digest();
    linux.set(h.subarray(0, Math.min(32, linux.length - i)), i);
  }
  writeFileSync(t.inputs.linux, linux);
  writeFileSync(t.inputs.initrd, "ukiboot test initrd\n".repeat(100));
  writeFileSync(t.inputs.cmdline, "root=/dev/vda rw quiet");
  writeFileSync(t.inputs.osrel, 'ID=ukiboottest\nNAME="ukiboot test"\nVERSION_ID=1\n');
  writeFileSync(join(tmp, "p0.profile"), "TITLE=Base\n");
  writeFileSync(join(tmp, "p1.profile"), "ID=one\nTITLE=Profile one\n");
  writeFileSync(join(tmp, "p2.profile"), "ID=two\nTITLE=Profile two\n");
  writeFileSync(join(tmp, "p2.osrel"), 'ID=ukiboottest\nNAME="ukiboot test, profile two"\n');

  // systemd-measure from trixie, run through trixie's ld.so; ukify finds it through --tools.
  const libs = [
    join(sd["libc6"]!, "usr/lib/x86_64-linux-gnu"),
    join(sd["libssl3t64"]!, "usr/lib/x86_64-linux-gnu"),
    join(sd["libsystemd-shared"]!, "usr/lib/x86_64-linux-gnu/systemd"),
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
  ].join(":");
  const measure = join(tmp, "tools", "systemd-measure");
  writeFileSync(
    measure,
    `#!/bin/sh\nexec ${join(sd["libc6"]!, "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")} --library-path ${libs} ${join(sd["systemd"]!, "usr/lib/systemd/systemd-measure")} "$@" --json=short\n`,
  );
  chmodSync(measure, 0o755);

  const ukify = async (args: string[]) => (await run([...parts.ukify.argv, "build", ...args], { cwd: tmp, env: parts.ukify.env })).stdout;
  const uki = (linuxPath: string, out: string, extra: string[] = []) =>
    ukify([
      `--linux=${linuxPath}`,
      `--initrd=${t.inputs.initrd}`,
      `--cmdline=@${t.inputs.cmdline}`,
      `--os-release=@${t.inputs.osrel}`,
      `--stub=${parts.linuxStub}`,
      "--measure",
      `--tools=${join(tmp, "tools")}`,
      ...extra,
      `--output=${out}`,
    ]);
  const measureLines = (stdout: string): MeasureOutput[] =>
    stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as MeasureOutput);

  writeFileSync(join(tmp, "single.measure.json"), JSON.stringify(measureLines(await uki(t.inputs.linux, t.uki.unsigned, ["--uname=6.1.0-ukiboot-test"]))[0]));
  const sign = (k: KeyPair, input: string, output: string) => sh(["sbsign", "--key", k.key, "--cert", k.crt, "--output", output, input]);
  await sign(t.keys.db, t.uki.unsigned, t.uki.db);
  await sign(t.keys.other, t.uki.unsigned, t.uki.other);
  await sign(t.keys.leaf, t.uki.unsigned, t.uki.chain);
  await sign(t.keys.ec, t.uki.unsigned, t.uki.ec);
  await sh(["sbsign", "--key", t.keys.leaf2.key, "--cert", t.keys.leaf2.crt, "--addcert", t.keys.inter.crt, "--output", t.uki.intermediate, t.uki.unsigned]);
  await sh(["sbsign", "--key", t.keys.rogue.key, "--cert", t.keys.rogue.crt, "--addcert", t.keys.leaf2.crt, "--output", t.uki.rogue, t.uki.unsigned]);
  // A second signature: sign detached with db and append it to the "other"-signed image.
  await sh(["sbsign", "--detached", "--key", t.keys.db.key, "--cert", t.keys.db.crt, "--output", join(tmp, "db.p7"), t.uki.other]);
  await sh(["cp", t.uki.other, t.uki.twoSignatures]);
  await sh(["sbattach", "--attach", join(tmp, "db.p7"), t.uki.twoSignatures]);

  await ukify([`--stub=${parts.addonStub}`, "--cmdline=ukiboot.addon=1", `--output=${t.addon.unsigned}`]);
  await sign(t.keys.db, t.addon.unsigned, t.addon.db);

  // Multi-profile: build the profile PEs, then join them; ukify --measure prints one line per profile.
  await ukify([
    `--stub=${parts.addonStub}`,
    `--profile=@${join(tmp, "p1.profile")}`,
    "--cmdline=root=/dev/vda rw quiet systemd.unit=rescue.target",
    `--output=${join(tmp, "p1.efi")}`,
  ]);
  await ukify([
    `--stub=${parts.addonStub}`,
    `--profile=@${join(tmp, "p2.profile")}`,
    `--os-release=@${join(tmp, "p2.osrel")}`,
    "--cmdline=profile=two",
    `--output=${join(tmp, "p2.efi")}`,
  ]);
  const multi = await uki(t.inputs.linux, t.multiProfile.path, [
    "--uname=6.1.0-ukiboot-test",
    `--profile=@${join(tmp, "p0.profile")}`,
    `--join-profile=${join(tmp, "p1.efi")}`,
    `--join-profile=${join(tmp, "p2.efi")}`,
  ]);
  writeFileSync(join(tmp, "multi.measure.json"), JSON.stringify(measureLines(multi)));

  // A bzImage is a PE image: Debian's signature comes off, the test db key signs it again.
  await sh(["cp", parts.vmlinuz, t.kernel.unsigned]);
  await sh(["sbattach", "--remove", t.kernel.unsigned]);
  await sign(t.keys.db, t.kernel.unsigned, t.kernel.db);

  const real = await uki(parts.vmlinuz, t.real.path);
  writeFileSync(join(tmp, "real.measure.json"), JSON.stringify(measureLines(real)[0]));
}

function fixtureLayout(dir: string, vmlinuz: string): TrustFixtures {
  const k = (name: string): KeyPair => ({ key: join(dir, `${name}.key`), crt: join(dir, `${name}.crt`) });
  return {
    dir,
    keys: { db: k("db"), other: k("other"), ca: k("ca"), leaf: k("leaf"), ec: k("ec"), inter: k("inter"), leaf2: k("leaf2"), rogue: k("rogue") },
    inputs: { linux: join(dir, "linux.bin"), initrd: join(dir, "initrd.img"), cmdline: join(dir, "cmdline.txt"), osrel: join(dir, "os-release") },
    uki: {
      unsigned: join(dir, "uki.efi"),
      db: join(dir, "uki.db.efi"),
      other: join(dir, "uki.other.efi"),
      chain: join(dir, "uki.chain.efi"),
      ec: join(dir, "uki.ec.efi"),
      twoSignatures: join(dir, "uki.two.efi"),
      intermediate: join(dir, "uki.intermediate.efi"),
      rogue: join(dir, "uki.rogue.efi"),
    },
    addon: { unsigned: join(dir, "test.addon.efi"), db: join(dir, "test.db.addon.efi") },
    multiProfile: { path: join(dir, "multi.efi"), measure: [] },
    single: { path: join(dir, "uki.efi"), measure: {} },
    real: { path: join(dir, "real.efi"), vmlinuz, measure: {} },
    kernel: { unsigned: join(dir, "vmlinuz.unsigned"), db: join(dir, "vmlinuz.db") },
  };
}

function load(f: TrustFixtures): TrustFixtures {
  const json = (name: string) => JSON.parse(readFileSync(join(f.dir, name), "utf8"));
  f.multiProfile.measure = json("multi.measure.json");
  f.single.measure = json("single.measure.json");
  f.real.measure = json("real.measure.json");
  return f;
}

export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
