/**
 * The Boot Loader Interface through ukiboot, on fake efivarfs trees: precedence of the variables (checked
 * against trixie's bootctl 257 reading the same tree), consuming one-shots, LastBooted, the set-* commands
 * writing what bootctl writes, and boot counting with LoaderBootCountPath.
 */
import { buildOnce } from "../../lab/build-once.ts";
import { beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { debianParts } from "../../../build/debian.ts";
import { buildUki, standInKernel } from "../../lab/target-system.ts";
import { encodeUtf16 } from "../../../src/efi/efivar-codec.ts";
import { bootDefault } from "../../support/boot-default.ts";
import { openSession } from "../../../src/flow/boot-session.ts";
import { toBootctlJson } from "../../../src/report/bootctl-json.ts";
import { main } from "../../../src/main.ts";
import { forkyBootctl, trixieBootctl } from "../../support/bootctl.ts";
import { fakeSys } from "../../support/fake-sys.ts";

const GUID = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";
let ROOT = "";
let ESP = "";

beforeAll(async () => {
  ROOT = await buildOnce("bli-esp", { inputs: {}, code: import.meta.path, single: true }, async (ROOT) => {
    const ESP = join(ROOT, "esp");
    mkdirSync(join(ESP, "EFI/Linux"), { recursive: true });
    mkdirSync(join(ESP, "loader"), { recursive: true });
    const parts = await debianParts();
    const k = standInKernel();
    writeFileSync(join(ROOT, "kernel"), k);
    for (const [name, v] of [
      ["alpha", "3"],
      ["beta", "2"],
      ["gamma", "1"],
    ] as const) {
      const osrel = join(ROOT, `os-release-${name}`);
      writeFileSync(osrel, `ID=bli\nPRETTY_NAME="BLI ${name}"\nVERSION_ID=${v}\n`);
      await buildUki(parts, {
        output: join(ESP, `EFI/Linux/${name}.efi`),
        linux: join(ROOT, "kernel"),
        cmdline: `name=${name}`,
        osRelease: `@${osrel}`,
        uname: "6.1.0-bli",
      });
    }
    writeFileSync(join(ESP, "loader/loader.conf"), "default beta.efi\ntimeout 3\n");
  });
  ESP = join(ROOT, "esp");
}, 120_000);

/** A fake efivarfs tree holding `vars` (name → string value), as bootctl would have written them. */
function efivars(vars: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "efivars-"));
  for (const [name, value] of Object.entries(vars)) writeFileSync(join(dir, `${name}-${GUID}`), Uint8Array.from([7, 0, 0, 0, ...encodeUtf16(value)]));
  return dir;
}

const out = { write: () => true };

describe("default entry precedence, against bootctl 257 on the same variables", async () => {
  const bootctl = await trixieBootctl();
  const cases: [string, Record<string, string>, string][] = [
    ["no variables: loader.conf default", {}, "beta.efi"],
    ["LoaderEntryDefault over loader.conf", { LoaderEntryDefault: "gamma.efi" }, "gamma.efi"],
    ["LoaderEntryOneShot over LoaderEntryDefault", { LoaderEntryOneShot: "alpha.efi", LoaderEntryDefault: "gamma.efi" }, "alpha.efi"],
    ["a one-shot naming no entry is skipped", { LoaderEntryOneShot: "nope.efi", LoaderEntryDefault: "gamma.efi" }, "gamma.efi"],
    ["LoaderEntryDefault as a glob", { LoaderEntryDefault: "gam*" }, "gamma.efi"],
  ];
  for (const [name, vars, expected] of cases) {
    test(name, async () => {
      const { discovery, state } = await openSession(fakeSys({ efivarfs: efivars(vars) }), { esp: ESP });
      const ours = toBootctlJson(discovery.entries, { defaultIndex: state.choice.index! });
      expect(ours.find((e) => e.isDefault)?.id).toBe(expected);
    });
    // An explicit skip when trixie's bootctl cannot run here, which npm test counts as a failure.
    test.skipIf(typeof bootctl === "string")(
      `${name}: bootctl 257 agrees`,
      async () => {
        if (typeof bootctl === "string") throw new Error(bootctl);
        const theirs = await bootctl.run(ESP, undefined, { efivars: efivars(vars) });
        expect(theirs.find((e) => e.isDefault)?.id).toBe(expected);
      },
      60_000,
    );
  }
});

/**
 * systemd 262's variables (docs/order-and-default.md §5): LoaderEntryPreferred, and LoaderEntries for
 * isReported, checked against forky's bootctl 262 where bootctl and systemd-boot agree. They differ on
 * loader.conf `preferred` against LoaderEntryDefault and on preferred entries with no tries left
 * (docs/efi-variables.md §6 (17)); the unit tests of pickDefaultEntry() cover those.
 */
describe("LoaderEntryPreferred and LoaderEntries, against bootctl 262 on the same variables", async () => {
  const bootctl = await forkyBootctl();
  const cases: [string, Record<string, string>, string][] = [
    ["LoaderEntryPreferred over LoaderEntryDefault", { LoaderEntryPreferred: "alpha.efi", LoaderEntryDefault: "gamma.efi" }, "alpha.efi"],
    ["LoaderEntryOneShot over LoaderEntryPreferred", { LoaderEntryOneShot: "gamma.efi", LoaderEntryPreferred: "alpha.efi" }, "gamma.efi"],
    ["a LoaderEntryPreferred naming no entry falls to LoaderEntryDefault", { LoaderEntryPreferred: "nope.efi", LoaderEntryDefault: "gamma.efi" }, "gamma.efi"],
    ["LoaderEntryPreferred as a glob", { LoaderEntryPreferred: "al*" }, "alpha.efi"],
  ];
  for (const [name, vars, expected] of cases) {
    test(name, async () => {
      const { discovery, state } = await openSession(fakeSys({ efivarfs: efivars(vars) }), { esp: ESP });
      expect(toBootctlJson(discovery.entries, { defaultIndex: state.choice.index! }).find((e) => e.isDefault)?.id).toBe(expected);
    });
    // An explicit skip when forky's bootctl cannot run here, which npm test counts as a failure.
    test.skipIf(typeof bootctl === "string")(
      `${name}: bootctl 262 agrees`,
      async () => {
        if (typeof bootctl === "string") throw new Error(bootctl);
        const theirs = await bootctl.run(ESP, undefined, { efivars: efivars(vars) });
        expect(theirs.find((e) => e.isDefault)?.id).toBe(expected);
      },
      60_000,
    );
  }

  test.skipIf(typeof bootctl === "string")(
    "set-preferred and set-sysfail write the bytes bootctl 262 writes",
    async () => {
      if (typeof bootctl === "string") throw new Error(bootctl);
      for (const [verb, name] of [
        ["set-preferred", "LoaderEntryPreferred"],
        ["set-sysfail", "LoaderEntrySysFail"],
      ] as const) {
        const theirs = efivars({});
        const ours = efivars({});
        await bootctl.setVariable([verb, "beta.efi"], theirs);
        let out = "";
        const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) }, stdin: process.stdin, env: {} } as never;
        expect(await main([verb, "beta.efi", "--efivarfs", ours], io)).toBe(0);
        const file = `${name}-${GUID}`;
        expect(readdirSync(theirs)).toEqual([file]);
        expect([...readFileSync(join(ours, file))]).toEqual([...readFileSync(join(theirs, file))]);
      }
    },
    60_000,
  );

  test.skipIf(typeof bootctl === "string")(
    "isReported follows LoaderEntries and isSelected LoaderEntrySelected, in ukiboot list --json as in bootctl 262",
    async () => {
      if (typeof bootctl === "string") throw new Error(bootctl);
      const vars = { LoaderEntries: "alpha.efi\0gamma.efi", LoaderEntrySelected: "gamma.efi" };
      let out = "";
      const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, stdin: process.stdin, env: {} } as never;
      expect(await main(["list", "--json", "--esp", ESP, "--efivarfs", efivars(vars)], io)).toBe(0);
      const ours = (JSON.parse(out) as Record<string, unknown>[]).map((e) => [e.id, e.isReported, e.isSelected]);
      expect(ours).toEqual([
        ["alpha.efi", true, false],
        ["beta.efi", false, false],
        ["gamma.efi", true, true],
      ]);
      const theirs = (await bootctl.run(ESP, undefined, { efivars: efivars(vars) })).map((e) => [e.id, e.isReported, e.isSelected]);
      expect(theirs).toEqual(ours);
    },
    60_000,
  );
});

describe("SysFail: LoaderEntrySysFail after a failed firmware update (docs/order-and-default.md §7)", () => {
  const FAILED = [
    { fwType: 2, lastAttemptStatus: 0 },
    { fwType: 1, lastAttemptStatus: 6 },
  ];
  test("the ESRT shows a failed system firmware update: LoaderEntrySysFail wins over the one-shot, with a note", async () => {
    const sys = fakeSys({ efivarfs: efivars({ LoaderEntrySysFail: "gamma.efi", LoaderEntryOneShot: "alpha.efi" }), esrt: FAILED });
    const { state } = await openSession(sys, { esp: ESP });
    expect(state.choice.reason).toBe("sysfail");
    expect(state.notes).toContain('The firmware reports a system failure (firmware-updare-failure): booting LoaderEntrySysFail="gamma.efi"');
  });
  test("the first stage's LoaderSysFailReason counts as a failure too", async () => {
    const { state } = await openSession(fakeSys({ efivarfs: efivars({ LoaderEntrySysFail: "gamma.efi", LoaderSysFailReason: "firmware-updare-failure" }) }), {
      esp: ESP,
    });
    expect(state.choice.reason).toBe("sysfail");
  });
  test("no failure: LoaderEntrySysFail is not used", async () => {
    const { state } = await openSession(fakeSys({ efivarfs: efivars({ LoaderEntrySysFail: "gamma.efi" }), esrt: [{ fwType: 1, lastAttemptStatus: 0 }] }), {
      esp: ESP,
    });
    expect(state.choice).toMatchObject({ index: 1, reason: "loader.conf" });
    expect(state.notes.join("\n")).not.toContain("system failure");
  });
  test("a failure but no LoaderEntrySysFail: the usual default, and a note saying so", async () => {
    const { state } = await openSession(fakeSys({ efivarfs: efivars({}), esrt: FAILED }), { esp: ESP });
    expect(state.choice.reason).toBe("loader.conf");
    expect(state.notes).toContain(
      "The firmware reports a system failure (firmware-updare-failure), but LoaderEntrySysFail is not set: the usual default applies",
    );
  });
});

describe("consuming and saving variables", () => {
  test("a booted one-shot is deleted; LoaderEntryDefault stays", async () => {
    const dir = efivars({ LoaderEntryOneShot: "gamma.efi", LoaderEntryDefault: "alpha.efi" });
    const sys = fakeSys({ efivarfs: dir });
    const plan = await bootDefault(sys, { esp: ESP, dryRun: false, out });
    expect(plan.entryId).toBe("gamma.efi");
    expect(readdirSync(dir)).toEqual([`LoaderEntryDefault-${GUID}`]);
  });

  test("a dry run changes no variable", async () => {
    const dir = efivars({ LoaderEntryOneShot: "gamma.efi", LoaderConfigTimeoutOneShot: "5" });
    await bootDefault(fakeSys({ efivarfs: dir }), { esp: ESP, dryRun: true, out });
    expect(readdirSync(dir).sort()).toEqual([`LoaderConfigTimeoutOneShot-${GUID}`, `LoaderEntryOneShot-${GUID}`]);
  });

  test("with @saved, LoaderEntryLastBooted is written only when it changes", async () => {
    const dir = efivars({ LoaderEntryDefault: "@saved", LoaderEntryLastBooted: "beta.efi" });
    const sys = fakeSys({ efivarfs: dir });
    const file = join(dir, `LoaderEntryLastBooted-${GUID}`);
    const before = readFileSync(file);
    expect((await bootDefault(sys, { esp: ESP, dryRun: false, out })).entryId).toBe("beta.efi");
    expect(readFileSync(file).equals(before)).toBe(true);
    sys.kexec.failures.set("beta.efi", "ENOEXEC");
    expect((await bootDefault(sys, { esp: ESP, dryRun: false, out })).entryId).toBe("gamma.efi");
    expect([...readFileSync(file)]).toEqual([7, 0, 0, 0, ...encodeUtf16("gamma.efi")]);
  });

  test("without @saved, a stale LoaderEntryLastBooted is deleted", async () => {
    const dir = efivars({ LoaderEntryLastBooted: "alpha.efi" });
    await bootDefault(fakeSys({ efivarfs: dir }), { esp: ESP, dryRun: false, out });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("ukiboot set-default, set-preferred, set-oneshot, set-sysfail, set-timeout", () => {
  async function cli(args: string[]): Promise<{ code: number; out: string }> {
    let o = "";
    const io = { stdout: { write: (s: string) => (o += s) }, stderr: { write: (s: string) => (o += s) }, stdin: process.stdin, env: {} } as never;
    return { code: await main(args, io), out: o };
  }

  test("write UTF-16LE with a NUL and attributes 0x7, as bootctl does", async () => {
    const dir = efivars({});
    expect((await cli(["set-default", "beta.efi", "--efivarfs", dir])).code).toBe(0);
    expect((await cli(["set-oneshot", "gamma.efi", "--efivarfs", dir])).code).toBe(0);
    expect((await cli(["set-preferred", "alpha.efi", "--efivarfs", dir])).code).toBe(0);
    expect((await cli(["set-sysfail", "@default", "--efivarfs", dir])).code).toBe(0);
    expect((await cli(["set-timeout", "menu-force", "--efivarfs", dir])).code).toBe(0);
    expect((await cli(["set-timeout-oneshot", "10", "--efivarfs", dir])).code).toBe(0);
    const bytes = (n: string) => [...readFileSync(join(dir, `${n}-${GUID}`))];
    expect(bytes("LoaderEntryDefault")).toEqual([7, 0, 0, 0, ...encodeUtf16("beta.efi")]);
    expect(bytes("LoaderEntryOneShot")).toEqual([7, 0, 0, 0, ...encodeUtf16("gamma.efi")]);
    expect(bytes("LoaderEntryPreferred")).toEqual([7, 0, 0, 0, ...encodeUtf16("alpha.efi")]);
    expect(bytes("LoaderEntrySysFail")).toEqual([7, 0, 0, 0, ...encodeUtf16("beta.efi")]);
    expect(bytes("LoaderConfigTimeout")).toEqual([7, 0, 0, 0, ...encodeUtf16("menu-force")]);
    expect(bytes("LoaderConfigTimeoutOneShot")).toEqual([7, 0, 0, 0, ...encodeUtf16("10")]);
  });

  test("an unchanged value is not written again, and an empty one deletes", async () => {
    const dir = efivars({ LoaderEntryDefault: "beta.efi" });
    expect((await cli(["set-default", "beta.efi", "--efivarfs", dir])).out).toContain("not written");
    expect((await cli(["set-default", "", "--efivarfs", dir])).out).toContain("Deleted LoaderEntryDefault");
    expect(readdirSync(dir)).toEqual([]);
  });

  test("@current resolves to the first stage's LoaderEntrySelected", async () => {
    const dir = efivars({ LoaderEntrySelected: "alpha.efi" });
    await cli(["set-default", "@current", "--efivarfs", dir]);
    expect([...readFileSync(join(dir, `LoaderEntryDefault-${GUID}`))]).toEqual([7, 0, 0, 0, ...encodeUtf16("alpha.efi")]);
  });

  test("@sysfail names LoaderEntrySysFail; an unknown @word is a usage error, as in bootctl 262", async () => {
    const dir = efivars({ LoaderEntrySysFail: "gamma.efi" });
    expect((await cli(["set-preferred", "@sysfail", "--efivarfs", dir])).code).toBe(0);
    expect([...readFileSync(join(dir, `LoaderEntryPreferred-${GUID}`))]).toEqual([7, 0, 0, 0, ...encodeUtf16("gamma.efi")]);
    const r = await cli(["set-default", "@latest", "--efivarfs", dir]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('unsupported special entry "@latest"');
  });

  test("a bad timeout is a usage error; no efivarfs is a clear error", async () => {
    expect((await cli(["set-timeout", "soon", "--efivarfs", efivars({})])).code).toBe(2);
    const r = await cli(["set-default", "x.efi", "--efivarfs", "/nonexistent/efivars"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("Cannot set LoaderEntryDefault: there are no EFI variables");
  });
});

describe("boot counting", () => {
  function countedEsp(): string {
    const esp = mkdtempSync(join(tmpdir(), "counted-esp-"));
    cpSync(ESP, esp, { recursive: true });
    rmSync(join(esp, "loader/loader.conf"));
    // alpha becomes counted with 3 tries left; gamma is bad (no tries left) and sorts last.
    cpSync(join(esp, "EFI/Linux/alpha.efi"), join(esp, "EFI/Linux/alpha+3.efi"));
    rmSync(join(esp, "EFI/Linux/alpha.efi"));
    cpSync(join(esp, "EFI/Linux/beta.efi"), join(esp, "EFI/Linux/delta+0-3.efi"));
    return esp;
  }

  test("a counted entry is renamed to +(LEFT-1)-(DONE+1) and LoaderBootCountPath names the new file", async () => {
    const esp = countedEsp();
    const dir = efivars({});
    const sys = fakeSys({ efivarfs: dir });
    const { discovery } = await openSession(sys, { esp });
    expect(discovery.entries.map((e) => e.id)).toEqual(["alpha.efi", "beta.efi", "gamma.efi", "delta.efi"]);
    const plan = await bootDefault(sys, { esp, dryRun: false, out });
    expect(plan.entryId).toBe("alpha.efi");
    expect(plan.label).toBe(join(esp, "EFI/Linux/alpha+2-1.efi"));
    expect(readdirSync(join(esp, "EFI/Linux")).sort()).toEqual(["alpha+2-1.efi", "beta.efi", "delta+0-3.efi", "gamma.efi"]);
    expect([...readFileSync(join(dir, `LoaderBootCountPath-${GUID}`))]).toEqual([7, 0, 0, 0, ...encodeUtf16("\\EFI\\Linux\\alpha+2-1.efi")]);
  });

  test("a volatile LoaderBootCountPath left by the first stage stops counting, with a note", async () => {
    const esp = countedEsp();
    const dir = efivars({});
    writeFileSync(join(dir, `LoaderBootCountPath-${GUID}`), Uint8Array.from([6, 0, 0, 0, ...encodeUtf16("\\EFI\\Linux\\ukiboot+1-1.efi")]));
    const sys = fakeSys({ efivarfs: dir });
    await bootDefault(sys, { esp, dryRun: false, out });
    expect(readdirSync(join(esp, "EFI/Linux"))).toContain("alpha+3.efi");
    expect(sys.log.text()).toContain("Not counting boots: the first stage set LoaderBootCountPath");
    expect(readFileSync(join(dir, `LoaderBootCountPath-${GUID}`))[0]).toBe(6);
  });

  test("a stale non-volatile LoaderBootCountPath from an earlier boot is removed at start", async () => {
    const dir = efivars({ LoaderBootCountPath: "\\EFI\\Linux\\old+1-2.efi" });
    await bootDefault(fakeSys({ efivarfs: dir }), { esp: ESP, dryRun: false, out });
    expect(readdirSync(dir)).toEqual([]);
  });
});
