/** The terminal's chooser asks for the entries' details (a plan and, under enforce, a digest each) only when it draws the menu. */
import { describe, expect, test } from "bun:test";
import { terminalChooser } from "../../ui/terminal-chooser.ts";
import type { MenuEntry } from "../../src/ports/menu.ts";
import { FakeTtyIn, FakeTtyOut, waitForOutput } from "./fake-tty.ts";
import { CONFIG, ENTRIES } from "./menu-fixtures.ts";

const ENV = { TERM: "vt100" };
const hidden = { ...CONFIG, timeout: "menu-hidden" as const, hiddenKeyWindowMs: 20 };

function setup() {
  const stdin = new FakeTtyIn();
  const stdout = new FakeTtyOut();
  let asked = 0;
  const detailed: MenuEntry[] = ENTRIES.map((e, i) => (i === 0 ? { ...e, title: "Debian, with its details" } : e));
  const request = {
    entries: ENTRIES,
    details: async () => {
      asked++;
      return detailed;
    },
    config: hidden,
    problems: [],
  };
  const terminal = { stdin: stdin as unknown as NodeJS.ReadStream, stdout: stdout as unknown as NodeJS.WriteStream, env: ENV };
  return { stdin, stdout, request, terminal, asked: () => asked };
}

describe("terminalChooser: the details only for a menu it draws", () => {
  test("a hidden menu whose window passes without a key boots the default and never asks for them", async () => {
    const s = setup();
    const chooser = await terminalChooser([s.terminal]);
    const d = await chooser.choose(s.request);
    expect(d).toMatchObject({ kind: "boot", entryId: ENTRIES[0]!.id });
    expect(s.asked()).toBe(0);
  });

  test("a key in the window opens the menu, which is drawn from the details", async () => {
    const s = setup();
    const chooser = await terminalChooser([s.terminal]);
    s.stdin.send(" ");
    const d = chooser.choose(s.request);
    await waitForOutput(s.stdout, (o) => o.text.includes("Debian, with its details"), "the menu drawn from the details");
    expect(s.asked()).toBe(1);
    s.stdin.send("Q");
    expect((await d).kind).toBe("shell");
  });
});
