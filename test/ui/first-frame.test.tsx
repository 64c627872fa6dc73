/**
 * The menu's first frame, drawn before Ink loads (ui/first-frame.ts), is the frame Ink draws: the same
 * characters with the same attributes in every cell; Ink then draws over it in place.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import chalk from "chalk";
import type { MenuRequest } from "../../src/ports/chooser.ts";
import type { MenuEntry } from "../../src/ports/menu.ts";
import { drawFirstFrame, holdRawMode } from "../../ui/first-frame.ts";
import { runMenu } from "../../ui/run-menu.tsx";
import { terminalChooser } from "../../ui/terminal-chooser.ts";
import { FakeClock } from "./fake-clock.ts";
import { FakeTtyIn, FakeTtyOut, replayTerminal, waitForOutput } from "./fake-tty.ts";
import { CONFIG, ENTRIES, entry, KEY } from "./menu-fixtures.ts";

// Ink styles through chalk, whose level follows the test runner's own stdout (not a terminal here): the
// level a console's TERM gives it is set for these tests, as it is when ukiboot draws on a console.
let level: typeof chalk.level;
beforeAll(() => {
  level = chalk.level;
  chalk.level = 1;
});
afterAll(() => {
  chalk.level = level;
});

const MANY: MenuEntry[] = Array.from({ length: 30 }, (_, i) =>
  entry(`os-${i}.efi`, { title: `Operating system number ${i} with a long name that needs cutting`, version: `6.${i}.0-amd64` }),
);

const CASES: { name: string; env: Record<string, string>; columns?: number; rows?: number; request: MenuRequest }[] = [
  { name: "a vt100 serial console: ASCII, no attributes", env: { TERM: "vt100" }, request: { entries: ENTRIES, config: CONFIG, problems: [] } },
  {
    name: "the Linux console: colours, ASCII",
    env: { TERM: "linux" },
    request: { entries: ENTRIES, config: CONFIG, problems: [{ file: "\\loader\\entries\\old.conf", message: "no linux line" }] },
  },
  { name: "xterm, UTF-8: colours and Unicode", env: { TERM: "xterm-256color", LANG: "C.UTF-8" }, request: { entries: ENTRIES, config: CONFIG, problems: [] } },
  {
    name: "NO_COLOR: attributes without colours, a TOTP code in the rule",
    env: { TERM: "xterm", NO_COLOR: "1" },
    request: { entries: ENTRIES, config: CONFIG, problems: [], totp: () => ({ kind: "code", code: "042517", secondsLeft: 19 }) },
  },
  {
    name: "40x12, thirty entries, the default far down the list",
    env: { TERM: "linux", LANG: "C.UTF-8" },
    columns: 40,
    rows: 12,
    request: { entries: MANY, config: { ...CONFIG, defaultEntryId: "os-21.efi" }, problems: [] },
  },
];

function streams(c: { columns?: number; rows?: number }) {
  const stdin = new FakeTtyIn();
  const stdout = new FakeTtyOut({ ...(c.columns ? { columns: c.columns } : {}), ...(c.rows ? { rows: c.rows } : {}) });
  return { stdin, stdout };
}

describe("the first frame is Ink's frame, cell by cell", () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const clock = new FakeClock();
      const plain = streams(c);
      expect(drawFirstFrame(c.request, [{ stdin: plain.stdin as unknown as NodeJS.ReadStream, stdout: plain.stdout, env: c.env, clock }], clock)).toBe(true);

      const ink = streams(c);
      const decision = runMenu({ ...c.request, io: { stdin: ink.stdin as unknown as NodeJS.ReadStream, stdout: ink.stdout, env: c.env, clock } });
      await waitForOutput(ink.stdout, (o) => o.text.includes("Boot in"), "Ink's first frame");
      const columns = c.columns ?? 80;
      const rows = c.rows ?? 24;
      const inkCells = replayTerminal(ink.stdout.text, columns, rows).cells;
      const plainCells = replayTerminal(plain.stdout.text, columns, rows).cells;
      if (c.env.TERM !== "vt100") expect(inkCells.flat().some((cell) => !cell.startsWith("{}"))).toBe(true);
      expect(plainCells).toEqual(inkCells);
      ink.stdin.send("B");
      expect((await decision).kind).toBe("reboot");
    });
  }
});

describe("Ink draws over the first frame", () => {
  test("in place, with nothing of the first frame left where Ink's rows are shorter", async () => {
    const clock = new FakeClock();
    const env = { TERM: "linux" };
    const { stdin, stdout } = streams({});
    const io = { stdin: stdin as unknown as NodeJS.ReadStream, stdout, env, clock };
    const long = [entry("long.efi", { title: "A title long enough to reach the version column of the row", version: "6.12.48+deb13-amd64" }), ...ENTRIES];
    expect(drawFirstFrame({ entries: long, config: { ...CONFIG, timeout: 10 }, problems: [] }, [io], clock)).toBe(true);
    const firstFrameEnd = stdout.text.length;
    // Meanwhile the details replaced the first entry by a shorter one.
    const details = [entry("long.efi", { title: "Short" }), ...ENTRIES];
    const decision = runMenu({ entries: details, config: { ...CONFIG, timeout: 10 }, problems: [], io, overFirstFrame: true });
    await waitForOutput(stdout, (o) => o.text.slice(firstFrameEnd).includes("Boot in"), "Ink's frame");
    expect(stdout.text.slice(firstFrameEnd)).not.toContain("\x1b[2J");

    const fresh = streams({});
    const reference = runMenu({
      entries: details,
      config: { ...CONFIG, timeout: 10 },
      problems: [],
      io: { stdin: fresh.stdin as unknown as NodeJS.ReadStream, stdout: fresh.stdout, env, clock: new FakeClock() },
    });
    await waitForOutput(fresh.stdout, (o) => o.text.includes("Boot in"), "the reference frame");
    expect(replayTerminal(stdout.text).cells).toEqual(replayTerminal(fresh.stdout.text).cells);
    stdin.send("B");
    fresh.stdin.send("B");
    expect((await decision).kind).toBe("reboot");
    expect((await reference).kind).toBe("reboot");
  });

  test("the countdown starts when Ink reads keys, and a key typed at the first frame stops it", async () => {
    const clock = new FakeClock();
    const { stdin, stdout } = streams({});
    const io = { stdin: stdin as unknown as NodeJS.ReadStream, stdout, env: { TERM: "vt100" }, clock };
    const request = { entries: ENTRIES, config: CONFIG, problems: [] };
    expect(drawFirstFrame(request, [io], clock)).toBe(true);
    expect(replayTerminal(stdout.text).screen[21]).toBe(" Boot in 5 s.");
    // Ink and the details took longer than the whole timeout, and a key was typed meanwhile.
    clock.advance(6000);
    stdin.send(KEY.down);
    const decision = runMenu({ ...request, io, overFirstFrame: true });
    await waitForOutput(stdout, (o) => replayTerminal(o.text).screen[3]?.startsWith(" > ") === true, "the key read: entry 2 selected");
    clock.advance(10_000);
    expect(replayTerminal(stdout.text).screen[21]).toBe("");
    stdin.send(KEY.enter);
    expect(await decision).toMatchObject({ kind: "boot", entryId: "debian-6.12.38.efi" });
  });

  test("nothing is drawn early for an error screen, a disabled menu or a console that is not a terminal", () => {
    const clock = new FakeClock();
    const draw = (request: MenuRequest, isTTY = true) => {
      const stdout = new FakeTtyOut({ isTTY });
      const drawn = drawFirstFrame(request, [{ stdin: new FakeTtyIn() as unknown as NodeJS.ReadStream, stdout, env: { TERM: "vt100" } }], clock);
      return { drawn, text: stdout.text };
    };
    expect(draw({ entries: ENTRIES, config: CONFIG, error: { title: "Cannot boot", message: "x" } })).toEqual({ drawn: false, text: "" });
    expect(draw({ entries: ENTRIES, config: { ...CONFIG, timeout: "menu-disabled" } })).toEqual({ drawn: false, text: "" });
    expect(draw({ entries: ENTRIES, config: CONFIG }, false)).toEqual({ drawn: false, text: "" });
  });
});

describe("terminalChooser", () => {
  test("draws the menu before it asks for the details, and Ink's frame then shows them", async () => {
    const stdin = new FakeTtyIn();
    const stdout = new FakeTtyOut();
    let textWhenAsked: string | undefined;
    let rawWhenAsked: boolean | undefined;
    const request: MenuRequest = {
      entries: ENTRIES,
      details: async () => {
        textWhenAsked = stdout.text;
        rawWhenAsked = stdin.isRaw;
        return ENTRIES.map((e, i) => (i === 0 ? { ...e, tags: ["refused"] } : e));
      },
      config: CONFIG,
      problems: [],
    };
    const chooser = await terminalChooser([
      { stdin: stdin as unknown as NodeJS.ReadStream, stdout: stdout as unknown as NodeJS.WriteStream, env: { TERM: "vt100" } },
    ]);
    const d = chooser.choose(request);
    await waitForOutput(stdout, (o) => o.text.includes("refused"), "the details' tag");
    expect(replayTerminal(textWhenAsked ?? "").screen[2]).toMatch(/^ > => Debian GNU\/Linux 13 \(trixie\) +6\.12\.48\+deb13-amd64$/);
    expect(replayTerminal(stdout.text).screen[2]).toMatch(/^ > => Debian GNU\/Linux 13 \(trixie\) .*refused/);
    // Keys typed while the first frame is up are read raw, and the terminal's mode is restored after the menu.
    expect(rawWhenAsked).toBe(true);
    stdin.send("B");
    expect((await d).kind).toBe("reboot");
    expect(stdin.isRaw).toBe(false);
    expect(stdin.rawModeCalls.at(0)).toBe(true);
    expect(stdin.rawModeCalls.at(-1)).toBe(false);
  });

  test("when the details fail, the first frame is cleared, the cursor shown and the terminal's mode restored", async () => {
    const stdin = new FakeTtyIn();
    const stdout = new FakeTtyOut();
    const request: MenuRequest = {
      entries: ENTRIES,
      details: async () => {
        throw new Error('Cannot read "/efi/EFI/Linux/a.efi": EIO');
      },
      config: CONFIG,
      problems: [],
    };
    const chooser = await terminalChooser([
      { stdin: stdin as unknown as NodeJS.ReadStream, stdout: stdout as unknown as NodeJS.WriteStream, env: { TERM: "vt100" } },
    ]);
    await expect(chooser.choose(request)).rejects.toThrow("EIO");
    expect(replayTerminal(stdout.text).screen.join("")).toBe("");
    expect(stdout.text.endsWith("\x1b[?25h")).toBe(true);
    expect(stdin.isRaw).toBe(false);
  });
});

describe("holdRawMode", () => {
  test("a console that refuses raw mode leaves none of the others raw", () => {
    const good = new FakeTtyIn();
    const bad = new FakeTtyIn();
    bad.setRawMode = () => {
      throw new Error("EIO: the serial line hung up");
    };
    expect(() => holdRawMode([{ stdin: good as unknown as NodeJS.ReadStream }, { stdin: bad as unknown as NodeJS.ReadStream }])).toThrow("hung up");
    expect(good.isRaw).toBe(false);
    expect(good.rawModeCalls).toEqual([true, false]);
  });
});
