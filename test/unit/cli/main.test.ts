/** The command-line front: dispatch, --help on every command, usage errors, exit codes. */
import { expect, test } from "bun:test";
import { commands } from "../../../src/cli/commands/index.ts";
import { main } from "../../../src/main.ts";
import { io } from "../../support/command-io.ts";

test("ukiboot --help lists every command with its summary", async () => {
  const t = io();
  expect(await main(["--help"], t.io)).toBe(0);
  for (const c of commands) expect(t.out()).toContain(`  ${c.name}`);
});

test.each(commands.map((c) => [c.name]))("ukiboot %s --help prints a usage line and exits 0", async (name) => {
  const t = io();
  expect(await main([name, "--help"], t.io)).toBe(0);
  expect(t.out()).toStartWith(`Usage: ukiboot ${name}`);
});

test("an unknown command exits 2 and names it", async () => {
  const t = io();
  expect(await main(["bogus"], t.io)).toBe(2);
  expect(t.err()).toContain('unknown command "bogus"');
});

test("an unknown option exits 2 with the command's usage", async () => {
  const t = io();
  expect(await main(["boot", "--frobnicate"], t.io)).toBe(2);
  expect(t.err()).toContain("Usage: ukiboot boot");
});

test("boot --esp on a directory without UKIs exits 1 with a sentence and a next step", async () => {
  const t = io();
  expect(await main(["boot", "--esp", "/nonexistent-esp", "--dry-run"], t.io)).toBe(1);
  expect(t.err()).toContain('Cannot boot: no boot entry found on "/nonexistent-esp"');
  expect(t.err()).toContain("Install a UKI");
});

test("inspect shows the sections of the current UKI specification, .hwids and a repeated .efifw, in canonical order", async () => {
  const { buildUki } = await import("../../support/uki-fixtures.ts");
  const uki = await buildUki({
    osRelease: 'ID=fw\nPRETTY_NAME="Fw"\n',
    cmdline: "root=/dev/vda2",
    sections: [
      [".efifw", "firmware one"],
      [".hwids", "hwids-json"],
      [".efifw", "firmware two"],
    ],
  });
  const t = io();
  expect(await main(["inspect", uki], t.io)).toBe(0);
  expect(t.out()).toContain("  sections: .linux .osrel .cmdline .uname .sbat .hwids .efifw .efifw\n");
  expect(t.out().match(/^ +\d+ \.efifw /gm)).toHaveLength(2);
}, 60_000);

test("UKIBOOT_DEBUG reaches the Sys of every command that reads an ESP or a file, through the one prologue", async () => {
  const { commandSys } = await import("../../../src/cli/common-options.ts");
  const asked: unknown[] = [];
  const platform = { sys: (opts: unknown) => (asked.push(opts), {}) } as never;
  const t = io();
  commandSys(platform, { ...t.io, env: { UKIBOOT_DEBUG: "1" } }, { efivarfs: "/tmp/vars" });
  commandSys(platform, t.io, {});
  expect(asked).toEqual([{ debug: true, efivarfs: "/tmp/vars" }, { debug: false }]);
  // No command builds its Sys any other way (init, PID 1, has its own kernel-log Sys).
  const { readdirSync, readFileSync } = await import("node:fs");
  const dir = new URL("../../../src/cli/commands/", import.meta.url).pathname;
  const direct = readdirSync(dir).filter((f) => f !== "init.ts" && /platform\.sys\(/.test(readFileSync(dir + f, "utf8")));
  expect(direct).toEqual([]);
});
