/**
 * The three generators' install hooks (dracut module-setup.sh, mkinitcpio install/ukiboot, initramfs-tools
 * hooks/ukiboot) run under sh with recording stubs: each must install exactly files.list, with its own
 * install functions, and fail with a clear message when an input is missing or files.list is wrong.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  expectGolden,
  fakeBinary,
  type FilesListEntry,
  type Generator,
  GENERATORS,
  HOOKS_DIR,
  readFilesList,
  runGenerator,
  runShell,
  scratchDir,
  SHELLS,
} from "../../support/sh-harness.ts";

const entries = readFilesList();
const DRACUT_MODDIR = "/usr/lib/dracut/modules.d/90ukiboot";

/** The calls each generator must make for one files.list entry, in its own install functions. */
const CALLS_FOR: Record<Generator, (e: FilesListEntry) => string | undefined> = {
  dracut: (e) => (e.kind === "exec" ? `inst_binary ${e.source} ${e.name}` : e.kind === "file" ? `inst_simple ${e.source} ${e.name}` : undefined),
  mkinitcpio: (e) =>
    e.kind === "exec"
      ? `add_binary ${e.source} ${e.name} 755`
      : e.kind === "file"
        ? `add_file ${e.source} ${e.name} 644`
        : e.kind === "anchors"
          ? undefined
          : `add_module ${e.name}?`,
  "initramfs-tools": (e) =>
    e.kind === "exec"
      ? `copy_exec ${e.source} ${e.name}`
      : e.kind === "file"
        ? `copy_file file ${e.source} ${e.name}`
        : e.kind === "anchors"
          ? undefined
          : `manual_add_modules ${e.name}`,
};

function expectedCalls(gen: Generator): string[] {
  const each = (f: (e: FilesListEntry) => string | undefined) => entries.map(f).filter((c): c is string => c !== undefined);
  switch (gen) {
    case "dracut":
      return [
        "== check",
        // 255: only when asked for (dracut --add ukiboot).
        "-- check returned 255",
        "== depends",
        "kernel-modules",
        "-- depends returned 0",
        "== installkernel",
        // Shipped even in host-only images: hostonly is cleared for the call.
        ...entries.filter((e) => e.kind === "driver" || e.kind === "module").map((e) => `instmods(hostonly=) ${e.name}`),
        "-- installkernel returned 0",
        "== install",
        // The binary loses its x bits right after it is installed, so that dracut's strip leaves it whole.
        ...each(CALLS_FOR.dracut).flatMap((c) =>
          c === "inst_binary @binary@ /usr/bin/ukiboot" ? [c, "chmod a-x /var/tmp/dracut.test/initramfs/usr/bin/ukiboot"] : [c],
        ),
        `inst_hook pre-mount 50 ${DRACUT_MODDIR}/ukiboot-hook.sh`,
        "-- install returned 0",
      ];
    case "mkinitcpio":
      return ["== build", ...each(CALLS_FOR.mkinitcpio), "add_runscript", "-- build returned 0"];
    case "initramfs-tools":
      return [...each(CALLS_FOR["initramfs-tools"]), "-- hook finished"];
  }
}

const generators = Object.keys(GENERATORS) as Generator[];

describe("each generator's install hook installs exactly files.list", () => {
  for (const shell of SHELLS) {
    test.each(generators)(`%s, under ${shell.name}`, async (gen) => {
      const r = await runGenerator(gen, { shell: shell.argv });
      expect(r.stderr).toBe("");
      expect(r.exitCode).toBe(0);
      expect(r.calls).toEqual(expectedCalls(gen));
    });
  }

  test.each(generators)("%s: the recorded calls match golden/%s.calls", async (gen) => {
    const r = await runGenerator(gen);
    expectGolden(`${gen}.calls`, `${r.calls.join("\n")}\n`);
  });

  test("the expectations cover every entry of files.list for every generator", () => {
    // Guards the table above: a new kind in files.list must get a mapping for all three generators.
    // Anchors expand into one `file` entry per certificate of the host's directory (tested below).
    for (const gen of generators) for (const e of entries) if (e.kind === "exec" || e.kind === "file") expect(CALLS_FOR[gen](e)).toBeDefined();
    expect(entries.filter((e) => e.kind === "exec").length).toBeGreaterThanOrEqual(2);
    expect(entries.filter((e) => e.kind === "module").length).toBeGreaterThan(0);
  });
});

describe("trust anchors of the build host", () => {
  test.each(generators)("%s installs each certificate of UKIBOOT_TRUST_DIR as a file, and nothing else there", async (gen) => {
    const trust = join(scratchDir(`${gen}-trust`), "trust.d");
    mkdirSync(trust, { recursive: true });
    for (const name of ["fleet.pem", "lab.der", "README", "old.crt.bak"]) writeFileSync(join(trust, name), "x\n");
    const r = await runGenerator(gen, { trustDir: trust });
    expect(r.exitCode).toBe(0);
    const file = (name: string) => CALLS_FOR[gen]({ kind: "file", name: `/etc/ukiboot/trust.d/${name}`, source: `@trust@/${name}`, line: 0 }) ?? "";
    expect(r.calls.filter((c) => c.includes("@trust@"))).toEqual([file("fleet.pem"), file("lab.der")]);
  });
});

/** A copy of initrd-hooks/ whose files.list is `list`, to feed the hooks broken input. */
function hooksWithList(label: string, list: string): string {
  const dir = join(scratchDir(label), "initrd-hooks");
  cpSync(HOOKS_DIR, dir, { recursive: true });
  writeFileSync(join(dir, "common", "files.list"), list);
  return dir;
}

describe("install hooks refuse bad input with a message", () => {
  const cases: { label: string; list?: string; binary?: "missing" | "not-executable"; hooksDir?: "missing"; message: RegExp; installsNothing: boolean }[] = [
    {
      label: "the binary is missing",
      binary: "missing",
      message: /ukiboot: Cannot add "\/usr\/bin\/ukiboot" to the initramfs: ".*\/nonexistent\/ukiboot" does not exist/,
      installsNothing: true,
    },
    {
      label: "the binary is not executable",
      binary: "not-executable",
      message: /ukiboot: Cannot add "\/usr\/bin\/ukiboot" to the initramfs: ".*" is not executable/,
      installsNothing: true,
    },
    {
      label: "an unknown kind",
      list: "exec /usr/bin/ukiboot @binary@\nlibrary /lib/x.so @hooks@/x\n",
      message: /Cannot parse ".*files\.list" line 2: unknown kind "library"/,
      installsNothing: false,
    },
    {
      label: "an exec line without a source",
      list: "exec /usr/bin/ukiboot\n",
      message: /Cannot parse ".*files\.list" line 1: expected "exec PATH-IN-IMAGE SOURCE"/,
      installsNothing: true,
    },
    {
      label: "a module line with a source",
      list: "# comment\n\nmodule vfat /lib/vfat.ko\n",
      message: /Cannot parse ".*files\.list" line 3: expected "module MODULE-NAME"/,
      installsNothing: true,
    },
    {
      label: "a source under @hooks@ that is missing",
      list: "file /usr/lib/ukiboot/x @hooks@/common/nothing-here\n",
      message: /Cannot add "\/usr\/lib\/ukiboot\/x" to the initramfs: ".*\/common\/nothing-here" does not exist/,
      installsNothing: true,
    },
    {
      label: "the hooks directory is missing",
      hooksDir: "missing",
      message: /ukiboot: Cannot read "(.*\/nonexistent|@hooks@)\/common\/files\.sh": not found \(set UKIBOOT_HOOKS_DIR/,
      installsNothing: true,
    },
  ];
  for (const c of cases) {
    test.each(generators)(`%s: ${c.label}`, async (gen) => {
      const dir = scratchDir("bad");
      let binary: string | undefined;
      if (c.binary === "missing") binary = join(dir, "nonexistent", "ukiboot");
      if (c.binary === "not-executable") {
        binary = fakeBinary(dir);
        chmodSync(binary, 0o644);
      }
      const hooksDir = c.hooksDir === "missing" ? join(dir, "nonexistent") : c.list ? hooksWithList("bad-list", c.list) : undefined;
      const r = await runGenerator(gen, { ...(hooksDir ? { hooksDir } : {}), ...(binary ? { binary } : {}) });
      // mkinitcpio reports through its error(), which the harness records; the others print to stderr.
      expect(`${r.stderr}${r.calls.join("\n")}`).toMatch(c.message);
      // The generator must see the failure: dracut's install() and mkinitcpio's build() return non-zero,
      // initramfs-tools' hook exits non-zero before its end.
      if (gen === "initramfs-tools") {
        expect(r.exitCode).not.toBe(0);
        expect(r.calls).not.toContain("-- hook finished");
      } else {
        expect(r.calls.filter((l) => /^-- (install|build) returned /.test(l))).toEqual([gen === "dracut" ? "-- install returned 1" : "-- build returned 1"]);
      }
      const installs = r.calls.filter((l) => /^(inst_|instmods|add_|copy_|manual_add_modules)/.test(l));
      if (c.installsNothing) expect(installs).toEqual([]);
      else expect(installs).toEqual([CALLS_FOR[gen]({ kind: "exec", name: "/usr/bin/ukiboot", source: "@binary@", line: 1 })!]);
    });
  }
});

describe("the runtime side of each generator", () => {
  const shim = entries.find((e) => e.source === "@hooks@/common/init-shim.sh");

  test("files.list installs the shim that every runtime hook calls", () => {
    expect(shim?.kind).toBe("exec");
    const runtime: Record<Generator, string> = {
      dracut: "dracut/90ukiboot/ukiboot-hook.sh",
      mkinitcpio: "mkinitcpio/hooks/ukiboot",
      "initramfs-tools": "initramfs-tools/scripts/init-premount/ukiboot",
    };
    for (const [gen, file] of Object.entries(runtime)) {
      const text = readFileSync(join(HOOKS_DIR, file), "utf8");
      expect(`${file}: ${text.includes(`${shim!.name} --hook ${gen}`)}`).toBe(`${file}: true`);
    }
  });

  test("dracut's pre-mount hook is the file inst_hook is given", () => {
    expect(readFileSync(join(HOOKS_DIR, "dracut/90ukiboot/ukiboot-hook.sh"), "utf8")).toStartWith("#!/bin/sh\n");
    expect(expectedCalls("dracut")).toContain(`inst_hook pre-mount 50 ${DRACUT_MODDIR}/ukiboot-hook.sh`);
  });

  test("mkinitcpio's runtime hook only defines run_hook when sourced", async () => {
    const r = await runShell(
      SHELLS[0]!.argv,
      `. "${HOOKS_DIR}/mkinitcpio/hooks/ukiboot"; command -v run_hook; command -v run_latehook || echo no-latehook`,
      {},
    );
    expect(r).toEqual({ exitCode: 0, stdout: "run_hook\nno-latehook\n", stderr: "" });
  });

  test("mkinitcpio's help says where the hook goes in HOOKS and how to turn it off", async () => {
    const r = await runShell(SHELLS[0]!.argv, `. "${HOOKS_DIR}/mkinitcpio/install/ukiboot"; help`, {});
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Put "ukiboot" after "udev" and "block" in HOOKS');
    expect(r.stdout).toContain("ukiboot.off");
  });

  test.each(["initramfs-tools/hooks/ukiboot", "initramfs-tools/scripts/init-premount/ukiboot"])(
    "%s answers prereqs with an empty list and does nothing else",
    async (file) => {
      const r = await runShell(SHELLS[0]!.argv, `exec "${join(HOOKS_DIR, file)}" prereqs`, { UKIBOOT_HOOKS_DIR: "/nonexistent" });
      expect(r).toEqual({ exitCode: 0, stdout: "\n", stderr: "" });
    },
  );
});
