/**
 * The one trust policy over files signed in-process (test/support/trust-fixtures.ts): Type #1 kernels under
 * enforce and strict, unknown revocations, and every way a person could change a command line: the editor,
 * --cmdline and --append (docs/trust.md).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BootError } from "../../../src/errors.ts";
import { type BootSession, openSession, type SessionOptions } from "../../../src/flow/boot-session.ts";
import type { BootEntry } from "../../../src/model/boot-entry.ts";
import { loadEntry, planAndCheck } from "../../../src/flow/load-entry.ts";
import { verifyPeFile } from "../../../src/flow/trust-context.ts";
import { refusalOf, verifyEntry } from "../../../src/flow/judge-entry.ts";
import { flowEsp } from "../../support/flow-esp.ts";
import { fakeSys } from "../../support/fake-sys.ts";
import { trustFixtures, type TrustFixtures } from "../../support/trust-fixtures.ts";
import { parseCertificateFile } from "../../../src/trust/certificate.ts";
import { writeSignatureLists } from "../../../src/trust/efi-signature-list.ts";
import { readBytes } from "../../support/trust-fixtures.ts";
import { writeTinyPe } from "../trust/tiny-pe.ts";
import { signImage } from "../../support/authenticode-signer.ts";

const GLOBAL = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
const DB_GUID = "d719b2cb-3d3a-4596-a3bc-dad00e67656f";
let f: TrustFixtures;
let flow = "";

beforeAll(async () => {
  f = await trustFixtures();
  flow = (await flowEsp()).esp;
}, 300_000);

/** An ESP with two Type #1 `linux` entries: the kernel signed by the test db key, and the same kernel unsigned. */
function type1Esp(): string {
  const esp = mkdtempSync(join(tmpdir(), "type1-esp-"));
  mkdirSync(join(esp, "loader/entries"), { recursive: true });
  cpSync(f.kernel.db, join(esp, "vmlinuz-signed"));
  cpSync(f.kernel.unsigned, join(esp, "vmlinuz-unsigned"));
  writeFileSync(join(esp, "loader/entries/signed.conf"), "title Signed\nversion 2\nlinux /vmlinuz-signed\noptions console=ttyS0\n");
  writeFileSync(join(esp, "loader/entries/unsigned.conf"), "title Unsigned\nversion 1\nlinux /vmlinuz-unsigned\noptions console=ttyS0\n");
  return esp;
}

/** Efivarfs with the given variables (attributes and data as the firmware writes them). */
function efivars(vars: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), "policy-efivars-"));
  for (const [name, bytes] of Object.entries(vars)) writeFileSync(join(dir, name), bytes);
  return dir;
}
const SECURE_BOOT = { [`SecureBoot-${GLOBAL}`]: Uint8Array.from([6, 0, 0, 0, 1]) };

function byId(s: BootSession, id: string): BootEntry {
  const e = s.discovery.entries.find((x) => x.id === id);
  if (!e) throw new Error(`Internal error: the fixture ESP has no entry "${id}"`);
  return e;
}

async function session(esp: string, opts: SessionOptions & { vars?: Record<string, Uint8Array> } = {}) {
  const sys = fakeSys({ efivarfs: efivars(opts.vars ?? {}) });
  return { sys, session: await openSession(sys, { esp }, opts) };
}

describe("Type #1 `linux` kernels", () => {
  test("under enforce the kernel must be signed by an anchor: the signed one plans, the unsigned one is refused with the reason", async () => {
    const { sys, session: s } = await session(type1Esp(), { verifyFlag: "enforce", trustFiles: [f.keys.db.crt] });
    const signed = byId(s, "signed.conf");
    const unsigned = byId(s, "unsigned.conf");
    const ok = await planAndCheck(sys, s, signed);
    expect(ok.plan.cmdline).toBe("console=ttyS0");
    const err = await planAndCheck(sys, s, unsigned).catch((e) => e);
    expect(err).toBeInstanceOf(BootError);
    expect(err.message).toMatch(/^Cannot boot ".*vmlinuz-unsigned": /);
    expect(err.hint).toBe("Sign the image with a key in db or MokListRT, or pass its certificate with --trust");
  });

  test("under warn an unsigned kernel boots with a warning that names it", async () => {
    const { sys, session: s } = await session(type1Esp(), { verifyFlag: "warn", trustFiles: [f.keys.db.crt] });
    const { warnings } = await planAndCheck(sys, s, byId(s, "unsigned.conf"));
    expect(warnings.some((w) => w.includes("vmlinuz-unsigned"))).toBe(true);
  });

  test("strict refuses even the signed kernel: only whole signed UKIs boot", async () => {
    const { sys, session: s } = await session(type1Esp(), { verifyFlag: "strict", trustFiles: [f.keys.db.crt] });
    const err = await planAndCheck(sys, s, byId(s, "signed.conf")).catch((e) => e);
    expect(err.message).toBe(
      'Cannot boot "signed.conf" under strict verification: it is a kernel with separate initrds and options, which no signature covers',
    );
  });
});

describe("revocations that cannot be read", () => {
  test("a malformed dbx under Secure Boot refuses every signed image, naming the variable; under warn it is a warning", async () => {
    const dbx = { [`dbx-${DB_GUID}`]: Uint8Array.from([7, 0, 0, 0, 1, 2, 3]) };
    const enforced = await session(type1Esp(), { trustFiles: [f.keys.db.crt], vars: { ...SECURE_BOOT, ...dbx } });
    expect(enforced.session.trust.policy.mode).toBe("enforce");
    const err = await planAndCheck(enforced.sys, enforced.session, byId(enforced.session, "signed.conf")).catch((e) => e);
    expect(err.message).toMatch(/^Cannot boot ".*vmlinuz-signed": what is revoked is unknown: the dbx variable cannot be parsed/);
    expect(enforced.sys.log.text()).toContain("warn: Ignoring the dbx variable:");
    const warned = await session(type1Esp(), { verifyFlag: "warn", trustFiles: [f.keys.db.crt], vars: dbx });
    const { warnings } = await planAndCheck(warned.sys, warned.session, byId(warned.session, "signed.conf"));
    expect(warnings.some((w) => w.includes("may be revoked: what is revoked is unknown"))).toBe(true);
  });
});

describe("changing the command line", () => {
  test("--append is an edit of the entry's own line: it is composed where a custom line goes, and measured into PCR 12", async () => {
    const { sys, session: s } = await session(flow, { verifyFlag: "off" });
    const { plan } = await planAndCheck(sys, s, s.discovery.entries[0]!, { append: "debug" });
    expect(plan.cmdline).toBe("root=flow v=2 debug");
    expect(plan.composed.measuredPieces.map((p) => [p.kind, p.text])).toContainEqual(["custom-cmdline", "root=flow v=2 debug"]);
  });

  test("under Secure Boot --append and --cmdline are refused for a UKI with .cmdline, before anything is read", async () => {
    const { sys, session: s } = await session(flow, { vars: SECURE_BOOT });
    for (const opts of [{ append: "init=/bin/sh" }, { editedCmdline: "init=/bin/sh" }]) {
      const err = await planAndCheck(sys, s, s.discovery.entries[0]!, opts).catch((e) => e);
      expect(err).toBeInstanceOf(BootError);
      expect(err.message).toBe(
        'Cannot change the command line of "flow-2.efi": Secure Boot is on, and its UKI\'s signed .cmdline is what boots, as systemd-stub does',
      );
    }
  });

  test("on an EFI boot where nothing says whether Secure Boot is on, the rule weighs it as on, as the policy does", async () => {
    const sys = fakeSys({ efi: true });
    const s = await openSession(sys, { esp: flow }, {});
    const err = await planAndCheck(sys, s, s.discovery.entries[0]!, { append: "init=/bin/sh" }).catch((e) => e);
    expect(err.message).toBe(
      'Cannot change the command line of "flow-2.efi": Secure Boot is on, and its UKI\'s signed .cmdline is what boots, as systemd-stub does',
    );
  });

  test("under enforce without Secure Boot (lockdown, ukiboot.verify=enforce) the same refusal applies", async () => {
    const { sys, session: s } = await session(flow, { verifyFlag: "enforce" });
    const err = await planAndCheck(sys, s, s.discovery.entries[0]!, { append: "init=/bin/sh" }).catch((e) => e);
    expect(err.message).toContain("signatures are enforced (enforce)");
  });
});

describe("anchors installed with the image", () => {
  test("a certificate in the anchor directory (/etc/ukiboot/trust.d) is trusted, and the verdict names it and where it came from", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trust.d-"));
    cpSync(f.keys.db.crt, join(dir, "fleet.pem"));
    writeFileSync(join(dir, "README"), "not an anchor\n");
    const sys = fakeSys({ efivarfs: efivars({}) });
    const s = await openSession(sys, { esp: type1Esp() }, { verifyFlag: "enforce", anchorDir: dir });
    expect(s.trust.store.anchors.map((a) => a.origin)).toEqual([`installed ${dir}/fleet.pem`]);
    const { plan } = await planAndCheck(sys, s, byId(s, "signed.conf"));
    expect(plan.label).toEndWith("vmlinuz-signed");
    const report = await verifyPeFile(sys.fs, join(s.partitions!.esp, "vmlinuz-signed"), s.trust.store);
    expect(report.verdict).toEqual({ status: "verified", signer: "/CN=ukiboot test db", anchor: `installed ${dir}/fleet.pem` });
  });
});

describe("SBAT (docs/trust.md §3)", () => {
  const SHIM = "605dab50-e046-4300-abb6-3dd810dd8b23";
  const level = (text: string) => ({ [`SbatLevelRT-${SHIM}`]: Uint8Array.from([6, 0, 0, 0, ...new TextEncoder().encode(text)]) });
  /** An ESP with the fixture UKI, signed by the test db key. */
  function signedUkiEsp(): string {
    const esp = mkdtempSync(join(tmpdir(), "sbat-esp-"));
    mkdirSync(join(esp, "EFI/Linux"), { recursive: true });
    cpSync(f.uki.db, join(esp, "EFI/Linux/signed.efi"));
    return esp;
  }

  test("a signed UKI whose systemd-stub generation SbatLevelRT revokes is refused, naming the component, its generation and the minimum", async () => {
    const { sys, session: s } = await session(signedUkiEsp(), {
      verifyFlag: "enforce",
      trustFiles: [f.keys.db.crt],
      vars: level("sbat,1,2099010100\nsystemd-stub,99\n"),
    });
    const err = await planAndCheck(sys, s, s.discovery.entries[0]!).catch((e) => e);
    expect(err).toBeInstanceOf(BootError);
    expect(err.message).toMatch(
      /^Cannot boot ".*signed\.efi": SBAT revokes it: its component "systemd-stub" is at generation 1, and SbatLevelRT \(2099010100\) requires at least 99$/,
    );
    // The menu marks it with the same reason.
    const { session: again } = await session(signedUkiEsp(), {
      verifyFlag: "enforce",
      trustFiles: [f.keys.db.crt],
      vars: level("sbat,1,2099010100\nsystemd-stub,99\n"),
    });
    const { refusalOf } = await import("../../../src/flow/judge-entry.ts");
    expect(await refusalOf(sys, again.trust, again.discovery.entries[0]!, new Map())).toContain('SBAT revokes it: its component "systemd-stub"');
  });

  test("the same UKI boots when SbatLevelRT's minimum is met; a malformed SbatLevelRT refuses under enforce", async () => {
    const ok = await session(signedUkiEsp(), {
      verifyFlag: "enforce",
      trustFiles: [f.keys.db.crt],
      vars: level("sbat,1,2024010900\nsystemd-stub,1\nshim,4\n"),
    });
    // Verified and not revoked (its "kernel" is random bytes, so only the policy's part of planning is run).
    const verified = await verifyEntry(ok.sys, ok.session.trust, ok.session.discovery.entries[0]!);
    expect(verified.warnings).toEqual([]);
    const bad = await session(signedUkiEsp(), { verifyFlag: "enforce", trustFiles: [f.keys.db.crt], vars: level("shim,4\n") });
    const err = await planAndCheck(bad.sys, bad.session, bad.session.discovery.entries[0]!).catch((e) => e);
    expect(err.message).toContain(
      'what is revoked is unknown: the SbatLevelRT variable cannot be parsed (Cannot read SbatLevelRT: it must start with "sbat,1,<date>", not "shim,4")',
    );
  });
});

describe("SBAT for a plain kernel (docs/trust.md §3, §4)", () => {
  const SHIM = "605dab50-e046-4300-abb6-3dd810dd8b23";
  const level = (text: string) => ({ [`SbatLevelRT-${SHIM}`]: Uint8Array.from([6, 0, 0, 0, ...new TextEncoder().encode(text)]) });
  const SBAT = "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\nlinux,1,The Linux Developers,linux,6.12,https://linux.org\n";

  /** An ESP with a Type #1 `linux` entry and an `efi` entry, both naming a PE kernel with `.sbat`, signed by the test db key. */
  async function sbatKernelEsp(): Promise<string> {
    const esp = mkdtempSync(join(tmpdir(), "sbat-kernel-esp-"));
    mkdirSync(join(esp, "loader/entries"), { recursive: true });
    // Its first section starts at 0x200, so "HdrS" lands at 0x202, where a bzImage's setup header says it is a
    // kernel: an `efi` entry names only kernels and UKIs.
    const text = new Uint8Array(4096).fill(0x90);
    text.set(new TextEncoder().encode("HdrS"), 2);
    const pe = writeTinyPe({
      sections: [
        { name: ".setup", data: text },
        { name: ".sbat", data: new TextEncoder().encode(SBAT) },
      ],
    });
    expect(pe.at.sections[0]).toBe(0x200);
    writeFileSync(join(esp, "kernel.unsigned"), pe.bytes);
    writeFileSync(join(esp, "kernel.efi"), signImage(pe.bytes, f.certificates.db));
    writeFileSync(join(esp, "loader/entries/linux.conf"), "title Linux\nlinux /kernel.efi\noptions console=ttyS0\n");
    writeFileSync(join(esp, "loader/entries/efi.conf"), "title EFI\nefi /kernel.efi\noptions console=ttyS0\n");
    return esp;
  }

  test("a signed kernel whose linux generation SbatLevelRT revokes is refused under enforce, with the sentence a UKI gets", async () => {
    const esp = await sbatKernelEsp();
    const { sys, session: s } = await session(esp, { verifyFlag: "enforce", trustFiles: [f.keys.db.crt], vars: level("sbat,1,2099010100\nlinux,2\n") });
    for (const id of ["linux.conf", "efi.conf"]) {
      const err = await verifyEntry(sys, s.trust, byId(s, id)).catch((e) => e);
      expect(err).toBeInstanceOf(BootError);
      expect(err.message).toBe(
        `Cannot boot "${join(esp, "kernel.efi")}": SBAT revokes it: its component "linux" is at generation 1, and SbatLevelRT (2099010100) requires at least 2`,
      );
      expect(err.hint).toBe("Install a newer build of this kernel: its vendor raised the minimum generation after a vulnerability");
      // The menu marks it with the same reason.
      expect(await refusalOf(sys, s.trust, byId(s, id), new Map())).toBe(
        'SBAT revokes it: its component "linux" is at generation 1, and SbatLevelRT (2099010100) requires at least 2',
      );
    }
  });

  test("the menu's marker under warn hashes no image (no verdict can refuse there); under enforce it reads the whole image", async () => {
    const esp = await sbatKernelEsp();
    const bytesRead = async (verifyFlag: "warn" | "enforce") => {
      const { sys, session: s } = await session(esp, { verifyFlag, trustFiles: [f.keys.db.crt] });
      let n = 0;
      const readRange = sys.fs.readRange.bind(sys.fs);
      sys.fs.readRange = async (path, offset, length) => {
        const bytes = await readRange(path, offset, length);
        if (path.endsWith("kernel.efi")) n += bytes.byteLength;
        return bytes;
      };
      expect(await refusalOf(sys, s.trust, byId(s, "linux.conf"), new Map())).toBeUndefined();
      return n;
    };
    const size = Bun.file(join(esp, "kernel.efi")).size;
    expect(await bytesRead("warn")).toBe(0);
    expect(await bytesRead("enforce")).toBeGreaterThanOrEqual(size - 4096);
  });

  test("under enforce the menu's view reads no image until the chooser asks for the details, which mark the refused entry", async () => {
    const esp = await sbatKernelEsp();
    writeFileSync(join(esp, "loader/entries/unsigned.conf"), "title Unsigned\nlinux /kernel.unsigned\noptions console=ttyS0\n");
    const { sys, session: s } = await session(esp, { verifyFlag: "enforce", trustFiles: [f.keys.db.crt] });
    let n = 0;
    const readRange = sys.fs.readRange.bind(sys.fs);
    sys.fs.readRange = async (path, offset, length) => {
      const bytes = await readRange(path, offset, length);
      if (/kernel\.(efi|unsigned)$/.test(path)) n += bytes.byteLength;
      return bytes;
    };
    const { menuView } = await import("../../../src/flow/menu-view.ts");
    const view = await menuView(sys, s, 100);
    expect(n).toBe(0);
    expect(view.entries.find((e) => e.id === "unsigned.conf")!.tags).not.toContain("refused");
    const detailed = await view.details();
    expect(n).toBeGreaterThan(0);
    expect(detailed.find((e) => e.id === "unsigned.conf")!.tags).toContain("refused");
    // Worked out once, however often the menu is shown again.
    const after = n;
    await view.details();
    expect(n).toBe(after);
  });

  test("one verdict: the loader, the menu's marker and list --signatures agree on every entry, under every mode", async () => {
    const esp = await sbatKernelEsp();
    writeFileSync(join(esp, "loader/entries/unsigned.conf"), "title Unsigned\nlinux /kernel.unsigned\noptions console=ttyS0\n");
    const { judgeEntry } = await import("../../../src/flow/judge-entry.ts");
    const seen: string[] = [];
    for (const verifyFlag of ["off", "warn", "enforce", "strict"] as const) {
      const { sys, session: s } = await session(esp, { verifyFlag, trustFiles: [f.keys.db.crt], vars: level("sbat,1,2099010100\nlinux,2\n") });
      for (const e of s.discovery.entries) {
        const loads = await verifyEntry(sys, s.trust, e).then(
          () => "boots",
          (err: Error) => err.message,
        );
        const menu = await refusalOf(sys, s.trust, e, new Map());
        const listed = (await judgeEntry(sys, s.trust, e, { verifyWhenOff: true })).signature;
        // The menu marks exactly what the loader refuses, with the loader's reason.
        expect(menu === undefined).toBe(loads === "boots");
        if (menu !== undefined) expect(loads).toContain(menu);
        seen.push(`${verifyFlag} ${e.id}: ${loads === "boots" ? "boots" : "refused"}, listed ${listed.status}`);
      }
    }
    // list --signatures names the SBAT revocation of a plain kernel as it does a UKI's, whatever the mode.
    expect(seen).toEqual([
      "off unsigned.conf: boots, listed unsigned",
      "off linux.conf: boots, listed revoked",
      "off efi.conf: boots, listed revoked",
      "warn unsigned.conf: boots, listed unsigned",
      "warn linux.conf: boots, listed revoked",
      "warn efi.conf: boots, listed revoked",
      "enforce unsigned.conf: refused, listed unsigned",
      "enforce linux.conf: refused, listed revoked",
      "enforce efi.conf: refused, listed revoked",
      "strict unsigned.conf: refused, listed unsigned",
      "strict linux.conf: refused, listed revoked",
      "strict efi.conf: refused, listed revoked",
    ]);
  });

  test("under warn it is a warning naming the file; a level it meets passes without a word", async () => {
    const esp = await sbatKernelEsp();
    const warned = await session(esp, { verifyFlag: "warn", trustFiles: [f.keys.db.crt], vars: level("sbat,1,2099010100\nlinux,2\n") });
    expect((await verifyEntry(warned.sys, warned.session.trust, byId(warned.session, "linux.conf"))).warnings).toEqual([
      `"${join(esp, "kernel.efi")}": SBAT revokes it: its component "linux" is at generation 1, and SbatLevelRT (2099010100) requires at least 2`,
    ]);
    const met = await session(esp, { verifyFlag: "enforce", trustFiles: [f.keys.db.crt], vars: level("sbat,1,2024010900\nlinux,1\nshim,4\n") });
    expect((await verifyEntry(met.sys, met.session.trust, byId(met.session, "linux.conf"))).warnings).toEqual([]);
  });

  test("a kernel without .sbat (Debian's) is not revoked by any level", async () => {
    const { sys, session: s } = await session(type1Esp(), { verifyFlag: "enforce", trustFiles: [f.keys.db.crt], vars: level("sbat,1,2099010100\nlinux,99\n") });
    expect((await verifyEntry(sys, s.trust, byId(s, "signed.conf"))).warnings).toEqual([]);
  });
});

describe("trust anchors only from where an attacker cannot write (docs/trust.md §3)", () => {
  const SHIM = "605dab50-e046-4300-abb6-3dd810dd8b23";
  /** An ESL holding the test db certificate, as mokutil or an attacker would put it into MokListRT. */
  const dbKeyList = () =>
    writeSignatureLists([{ kind: "x509", owner: SHIM, data: parseCertificateFile(readBytes(f.keys.db.crt), { source: "db.crt" })[0]!.der }]);
  const withAttributes = (attributes: number, data: Uint8Array) => Uint8Array.from([attributes, 0, 0, 0, ...data]);
  function signedUkiEsp(): string {
    const esp = mkdtempSync(join(tmpdir(), "anchor-esp-"));
    mkdirSync(join(esp, "EFI/Linux"), { recursive: true });
    cpSync(f.uki.db, join(esp, "EFI/Linux/signed.efi"));
    return esp;
  }
  async function verdict(vars: Record<string, Uint8Array>, mokTable?: Record<string, Uint8Array>) {
    const table = mokTable && mkdtempSync(join(tmpdir(), "mok-variables-"));
    for (const [name, bytes] of Object.entries(mokTable ?? {})) writeFileSync(join(table!, name), bytes);
    const sys = fakeSys({ efivarfs: efivars({ ...SECURE_BOOT, ...vars }), ...(table ? { mokTable: table } : {}) });
    const s = await openSession(sys, { esp: signedUkiEsp() }, {});
    expect(s.trust.policy.mode).toBe("enforce");
    const result = await verifyEntry(sys, s.trust, s.discovery.entries[0]!).then(
      () => "verified",
      (e: Error) => e.message,
    );
    return { result, log: sys.log.text() };
  }

  test("a non-volatile MokListRT, which any root user can create, lends its certificate to nothing; the log says why", async () => {
    const planted = await verdict({ [`MokListRT-${SHIM}`]: withAttributes(0x7, dbKeyList()) });
    expect(planted.result).toMatch(/^Cannot boot ".*signed\.efi": /);
    expect(planted.log).toMatch(
      /warn: Ignoring the MokListRT variable for trust anchors: ".*\/MokListRT-605dab50-e046-4300-abb6-3dd810dd8b23" is non-volatile \(attributes 0x7\), so any root user of a booted system could have written it/,
    );
  });

  test("shim's volatile MokListRT, or the kernel's MOK table, does anchor it", async () => {
    expect((await verdict({ [`MokListRT-${SHIM}`]: withAttributes(0x6, dbKeyList()) })).result).toBe("verified");
    // The table's copy counts even when a planted non-volatile copy sits in efivarfs beside it.
    const both = await verdict({ [`MokListRT-${SHIM}`]: withAttributes(0x7, new Uint8Array(0)) }, { MokListRT: dbKeyList() });
    expect(both.result).toBe("verified");
    expect(both.log).toContain("warn: Ignoring the MokListRT variable for trust anchors:");
  });

  test("a db without authenticated write access is no anchor; a non-volatile MokListXRT still revokes, and says so", async () => {
    const db = await verdict({ [`db-${DB_GUID}`]: withAttributes(0x7, dbKeyList()) });
    expect(db.result).toMatch(/^Cannot boot /);
    expect(db.log).toContain("without time-based authenticated write access (0x20)");
    expect((await verdict({ [`db-${DB_GUID}`]: withAttributes(0x27, dbKeyList()) })).result).toBe("verified");
    const revoked = await verdict({ [`db-${DB_GUID}`]: withAttributes(0x27, dbKeyList()), [`MokListXRT-${SHIM}`]: withAttributes(0x7, dbKeyList()) });
    expect(revoked.result).toMatch(/^Cannot boot ".*signed\.efi": .*MokListXRT/);
    expect(revoked.log).toContain("it is still honoured, because more revocation is always safe");
  });
});

describe("the menu's shell item", () => {
  test("under enforce PID 1 offers no rescue shell, but `ukiboot menu` on a running system may always be left", async () => {
    const { runBoot } = await import("../../../src/flow/run-boot.ts");
    const shown: boolean[] = [];
    const chooser = async () => ({
      choose: async (r: { config: { actions?: { shell?: boolean } } }) => {
        shown.push(r.config.actions?.shell === true);
        return { kind: "shell" as const, variables: {} };
      },
      progress: () => ({ update() {}, close: async () => {} }),
    });
    for (const shell of ["rescue", "leave"] as const) {
      const { sys, session: s } = await session(flow, { verifyFlag: "enforce" });
      await runBoot(sys, s, { chooser, menuFirst: true, shell, dryRun: { out: { write: () => true } } });
    }
    expect(shown).toEqual([false, true]);
  });
});

describe("a file swapped between listing and sealing", () => {
  test("is read again from the seal and refused when it is not what was listed: its .cmdline cannot come from another file", async () => {
    const esp = mkdtempSync(join(tmpdir(), "swap-esp-"));
    cpSync(flow, esp, { recursive: true });
    const sys = fakeSys({
      efivarfs: efivars({}),
      // A writer replaces flow-2.efi by flow-1.efi (another command line) just as ukiboot seals it.
      onSnapshot: (paths) => {
        for (const p of paths) if (p.endsWith("flow-2.efi")) cpSync(join(esp, "EFI/Linux/flow-1.efi"), p);
      },
    });
    const s = await openSession(sys, { esp }, { verifyFlag: "warn" });
    const err = await planAndCheck(sys, s, byId(s, "flow-2.efi")).catch((e) => e);
    expect(err).toBeInstanceOf(BootError);
    expect(err.message).toBe(`Cannot boot "${join(esp, "EFI/Linux/flow-2.efi")}": it changed on disk after it was listed`);
    // Unchanged, the same entry plans.
    const calm = fakeSys({ efivarfs: efivars({}) });
    const s2 = await openSession(calm, { esp: flow }, { verifyFlag: "warn" });
    expect((await planAndCheck(calm, s2, byId(s2, "flow-2.efi"))).plan.cmdline).toBe("root=flow v=2");
  });

  for (const mode of ["off", "warn"] as const) {
    test(`under ${mode}: a credential beside the UKI is sealed with it, and one rewritten as it is sealed is refused by name, before anything is loaded`, async () => {
      const esp = mkdtempSync(join(tmpdir(), "swap-cred-esp-"));
      cpSync(flow, esp, { recursive: true });
      const cred = join(esp, "EFI/Linux/flow-2.efi.extra.d/lab.cred");
      mkdirSync(join(cred, ".."), { recursive: true });
      writeFileSync(cred, "planned\n");
      const sealed: string[] = [];
      const sys = fakeSys({
        efivarfs: efivars({}),
        // A writer rewrites the credential just as ukiboot seals it: what is measured would differ from what was planned.
        onSnapshot: (paths) => {
          sealed.push(...paths);
          for (const p of paths) if (p === cred) writeFileSync(p, "rewritten by someone else\n");
        },
      });
      const s = await openSession(sys, { esp }, { verifyFlag: mode });
      const err = await loadEntry(sys, s, byId(s, "flow-2.efi")).catch((e) => e);
      expect(err).toBeInstanceOf(BootError);
      expect(err.message).toStartWith(`Cannot boot "${join(esp, "EFI/Linux/flow-2.efi")}": "${cred}" changed on disk while ukiboot read it`);
      expect(sealed).toContain(cred);
      expect(sys.events.some((e) => e.startsWith("load"))).toBe(false);
    });
  }

  test("a credential left alone is sealed once and the entry plans from the seal", async () => {
    const esp = mkdtempSync(join(tmpdir(), "calm-cred-esp-"));
    cpSync(flow, esp, { recursive: true });
    const cred = join(esp, "EFI/Linux/flow-2.efi.extra.d/lab.cred");
    mkdirSync(join(cred, ".."), { recursive: true });
    writeFileSync(cred, "planned\n");
    const sys = fakeSys({ efivarfs: efivars({}) });
    const s = await openSession(sys, { esp }, { verifyFlag: "warn" });
    const { plan } = await planAndCheck(sys, s, byId(s, "flow-2.efi"));
    expect(plan.initrd.members.map((m) => m.member.kind)).toContain("credentials");
    expect(sys.events.filter((e) => e.startsWith("snapshot"))).toEqual([`snapshot ${join(esp, "EFI/Linux/flow-2.efi")}`, `snapshot ${cred}`]);
  });
});
