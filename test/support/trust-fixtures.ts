/**
 * Signed UKIs, add-ons and kernels for the trust and flow tests, made in-process in well under a second:
 * keys and certificates from test/support/test-certificates.ts, images from test/support/uki-writer.ts,
 * signatures from test/support/authenticode-signer.ts. The same cases as the sbsign-signed fixtures of
 * test/integration/support/real-trust-fixtures.ts, which compare with the real tools.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signImage } from "./authenticode-signer.ts";
import { standInEfiKernel } from "./stand-in-kernel.ts";
import { issueCertificate, type TestCertificate } from "./test-certificates.ts";
import { writeAddon, writeUki } from "./uki-writer.ts";

export interface KeyPair {
  key: string;
  crt: string;
}

export interface TrustFixtures {
  dir: string;
  /**
   * leaf: v1 certificate issued by ca. inter: v3 CA:TRUE issued by ca; leaf2: v3 CA:FALSE issued by inter;
   * rogue: issued by leaf2, which may not issue certificates.
   */
  keys: { db: KeyPair; other: KeyPair; ca: KeyPair; leaf: KeyPair; ec: KeyPair; inter: KeyPair; leaf2: KeyPair; rogue: KeyPair };
  /** The same keys and certificates in memory, for signing with test/support/authenticode-signer.ts. */
  certificates: Record<keyof TrustFixtures["keys"], TestCertificate>;
  /** What the UKIs carry. */
  inputs: { linux: string; initrd: string; cmdline: string; osrel: string };
  uki: {
    unsigned: string;
    db: string;
    other: string;
    chain: string;
    ec: string;
    /** Signed twice: by "other", then by db (a second WIN_CERTIFICATE, as sbattach appends it). */
    twoSignatures: string;
    /** Signed by leaf2 with the intermediate included (as sbsign --addcert). */
    intermediate: string;
    /** Signed by rogue with leaf2 included: the chain passes through a certificate that is not a CA. */
    rogue: string;
  };
  addon: { unsigned: string; db: string };
  /** Three profiles (@0 base, @1 cmdline override, @2 osrel + cmdline override). */
  multiProfile: { path: string };
  /** A plain EFI-stub kernel, as a Type #1 `linux` names it: unsigned, and signed with the db key. */
  kernel: { unsigned: string; db: string };
}

let fixtures: TrustFixtures | undefined;

export async function trustFixtures(): Promise<TrustFixtures> {
  fixtures ??= make();
  return fixtures;
}

function make(): TrustFixtures {
  const dir = mkdtempSync(join(tmpdir(), "trust-fixtures-"));
  const put = (name: string, data: Uint8Array | string) => {
    writeFileSync(join(dir, name), data);
    return join(dir, name);
  };
  const certs: Record<keyof TrustFixtures["keys"], TestCertificate> = {} as never;
  certs.db = issueCertificate({ cn: "ukiboot test db", serial: 1, ca: true });
  certs.other = issueCertificate({ cn: "ukiboot test other", serial: 1, ca: true });
  certs.ca = issueCertificate({ cn: "ukiboot test CA", serial: 1, ca: true });
  certs.ec = issueCertificate({ cn: "ukiboot test ec", serial: 1, ca: true, algorithm: "ec" });
  certs.leaf = issueCertificate({ cn: "ukiboot test signer", serial: 2, issuer: certs.ca, version: 1 });
  certs.inter = issueCertificate({ cn: "ukiboot test intermediate", serial: 3, issuer: certs.ca, ca: true, keyUsage: [0, 5] });
  certs.leaf2 = issueCertificate({ cn: "ukiboot test signer 2", serial: 4, issuer: certs.inter, ca: false, keyUsage: [0] });
  certs.rogue = issueCertificate({ cn: "ukiboot test rogue", serial: 5, issuer: certs.leaf2, ca: false });
  const keys = Object.fromEntries(
    Object.entries(certs).map(([name, c]) => [name, { key: put(`${name}.key`, c.keyPem), crt: put(`${name}.crt`, c.certPem) }]),
  ) as TrustFixtures["keys"];

  // A deterministic 64 KiB "kernel" (never started), a text initrd, text sections.
  const linux = new Uint8Array(64 * 1024).map((_, i) => (i * 131 + (i >> 8)) & 0xff);
  const initrd = "ukiboot test initrd\n".repeat(100);
  const cmdline = "root=/dev/vda rw quiet";
  const osrel = 'ID=ukiboottest\nNAME="ukiboot test"\nVERSION_ID=1\n';
  const inputs = { linux: put("linux.bin", linux), initrd: put("initrd.img", initrd), cmdline: put("cmdline.txt", cmdline), osrel: put("os-release", osrel) };

  const uki = writeUki({ linux, initrd, cmdline, osRelease: osrel, uname: "6.1.0-ukiboot-test" });
  const addon = writeAddon({ cmdline: "ukiboot.addon=1" });
  const multi = writeUki({
    linux,
    initrd,
    cmdline,
    osRelease: osrel,
    uname: "6.1.0-ukiboot-test",
    profile: "TITLE=Base\n",
    profiles: [
      { profile: "ID=one\nTITLE=Profile one\n", cmdline: "root=/dev/vda rw quiet systemd.unit=rescue.target" },
      { profile: "ID=two\nTITLE=Profile two\n", osRelease: 'ID=ukiboottest\nNAME="ukiboot test, profile two"\n', cmdline: "profile=two" },
    ],
  });
  const kernel = standInEfiKernel();
  return {
    dir,
    keys,
    certificates: certs,
    inputs,
    uki: {
      unsigned: put("uki.efi", uki),
      db: put("uki.db.efi", signImage(uki, certs.db)),
      other: put("uki.other.efi", signImage(uki, certs.other)),
      chain: put("uki.chain.efi", signImage(uki, certs.leaf)),
      ec: put("uki.ec.efi", signImage(uki, certs.ec)),
      twoSignatures: put("uki.two.efi", signImage(signImage(uki, certs.other), certs.db)),
      intermediate: put("uki.intermediate.efi", signImage(uki, certs.leaf2, [certs.inter])),
      rogue: put("uki.rogue.efi", signImage(uki, certs.rogue, [certs.leaf2])),
    },
    addon: { unsigned: put("test.addon.efi", addon), db: put("test.db.addon.efi", signImage(addon, certs.db)) },
    multiProfile: { path: put("multi.efi", multi) },
    kernel: { unsigned: put("vmlinuz.unsigned", kernel), db: put("vmlinuz.db", signImage(kernel, certs.db)) },
  };
}

export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
