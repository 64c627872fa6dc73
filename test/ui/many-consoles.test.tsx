/**
 * One menu on several consoles (docs/menu.md §4): systemd-boot draws on every ConOut and reads every ConIn;
 * runMenu draws one state on each console, laid out for that console, and takes keys from all of them.
 */
import { describe, expect, test } from "bun:test";
import { runMenu } from "../../ui/run-menu.tsx";
import { FakeClock } from "./fake-clock.ts";
import { FakeTtyIn, FakeTtyOut, screenAfter, waitForOutput } from "./fake-tty.ts";
import { CONFIG, ENTRIES, KEY } from "./menu-fixtures.ts";

function console(opts: { columns?: number; rows?: number; env?: Record<string, string> } = {}) {
  const stdin = new FakeTtyIn();
  const stdout = new FakeTtyOut({ ...(opts.columns ? { columns: opts.columns } : {}), ...(opts.rows ? { rows: opts.rows } : {}) });
  return { stdin, stdout, env: opts.env ?? { TERM: "vt100" } };
}

function start(screen: ReturnType<typeof console>, serial: ReturnType<typeof console>, config: Partial<typeof CONFIG> = {}) {
  const clock = new FakeClock();
  const io = (c: ReturnType<typeof console>) => ({ stdin: c.stdin as unknown as NodeJS.ReadStream, stdout: c.stdout, env: c.env, clock });
  return runMenu({ entries: ENTRIES, config: { ...CONFIG, ...config }, problems: [], io: io(screen), others: [io(serial)] });
}

/** The screen a console shows, replayed at its own size. */
const shown = (out: FakeTtyOut) => screenAfter(out.text, out.columns ?? 80, out.rows ?? 24);
const pointerOn = (out: FakeTtyOut, row: number) => waitForOutput(out, (o) => /^ > /.test(shown(o)[row] ?? ""), `the pointer on row ${row}`);

describe("the menu on two consoles", () => {
  test("both show it; a key typed on the serial console moves the selection on the screen too, and Enter on the screen boots it", async () => {
    const screen = console({ columns: 100, rows: 37 });
    const serial = console();
    const decision = start(screen, serial);
    await pointerOn(screen.stdout, 2);
    await pointerOn(serial.stdout, 2);
    serial.stdin.send(KEY.down);
    await pointerOn(screen.stdout, 3);
    await pointerOn(serial.stdout, 3);
    screen.stdin.send(KEY.enter);
    expect(await decision).toEqual({ kind: "boot", entryId: ENTRIES[1]!.id, variables: {} });
    // Both consoles are given back: raw mode off, and nothing of the menu left on either.
    for (const c of [screen, serial]) {
      expect(c.stdin.isRaw).toBe(false);
      expect(shown(c.stdout).join("").trim()).toBe("");
    }
  });

  test("each console is laid out for its own size: the countdown sits on the screen's last rows and on the serial console's 80x24", async () => {
    const screen = console({ columns: 128, rows: 48 });
    const serial = console();
    const decision = start(screen, serial);
    await waitForOutput(screen.stdout, (o) => shown(o)[45] === " Boot in 5 s.", "the countdown on row 45 of 48");
    await waitForOutput(serial.stdout, (o) => shown(o)[21] === " Boot in 5 s.", "the countdown on row 21 of 24");
    serial.stdin.send("B");
    expect((await decision).kind).toBe("reboot");
  });

  test("an escape sequence split across reads on one console is not spoilt by a key typed on the other meanwhile", async () => {
    const screen = console();
    const serial = console();
    const decision = start(screen, serial);
    await pointerOn(screen.stdout, 2);
    serial.stdin.send("\x1b[");
    screen.stdin.send("j");
    serial.stdin.send("B");
    // j moved down once and the serial console's ↓ (ESC [ B) once more: the third entry, not a reboot ("B").
    await pointerOn(screen.stdout, 4);
    screen.stdin.send(KEY.enter);
    expect(await decision).toEqual({ kind: "boot", entryId: ENTRIES[2]!.id, variables: {} });
  });
});
