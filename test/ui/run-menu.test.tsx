import { describe, expect, test } from "bun:test";
import { showProgress } from "../../ui/run-progress.tsx";
import { runMenu } from "../../ui/run-menu.tsx";
import { FakeClock } from "./fake-clock.ts";
import { FakeTtyIn, FakeTtyOut, replayTerminal, screenAfter, turns, waitForOutput } from "./fake-tty.ts";
import { CONFIG, ENTRIES, KEY } from "./menu-fixtures.ts";

const ENV = { TERM: "vt100" };
/** Waits until the output contains `text`, following the writes. */
function until(out: FakeTtyOut, text: string): Promise<void> {
  return waitForOutput(out, (o) => o.text.includes(text), JSON.stringify(text));
}

function start(opts: { config?: Partial<typeof CONFIG>; isTTY?: boolean; columns?: number; rows?: number; env?: Record<string, string> } = {}) {
  const stdin = new FakeTtyIn({ isTTY: opts.isTTY ?? true });
  const stdout = new FakeTtyOut({
    isTTY: opts.isTTY ?? true,
    ...(opts.columns ? { columns: opts.columns } : {}),
    ...(opts.rows ? { rows: opts.rows } : {}),
  });
  const clock = new FakeClock();
  const decision = runMenu({
    entries: ENTRIES,
    config: { ...CONFIG, ...opts.config },
    problems: [],
    io: { stdin: stdin as unknown as NodeJS.ReadStream, stdout, env: opts.env ?? ENV, clock },
  });
  return { stdin, stdout, clock, decision };
}

describe("runMenu() on a console", () => {
  test("a burst ↓↓⏎ in one read boots the third entry, then the terminal is restored", async () => {
    const { stdin, stdout, decision } = start();
    await until(stdout, "Rescue Shell");
    expect(stdin.isRaw).toBe(true);
    stdin.send(`${KEY.down}${KEY.down}${KEY.enter}`);
    expect(await decision).toEqual({ kind: "boot", entryId: "debian-6.1.efi", variables: {} });
    expect(stdin.rawModeCalls).toEqual([true, false]);
    expect(stdin.isRaw).toBe(false);
    expect(stdin.isPaused()).toBe(true);
    expect(stdout.chunks.at(-1)).toBe("\x1b[?25h");
    // What is left on the screen: nothing of the menu.
    expect(screenAfter(stdout.text).join("")).toBe("");
  });

  test("the screen is cleared first and the frame fits 80x24 when the terminal reports no size", async () => {
    const { stdin, stdout, decision } = start();
    await until(stdout, "Rescue Shell");
    expect(stdout.text.startsWith("\x1b[H\x1b[2J") || stdout.text.includes("\x1b[H\x1b[2J")).toBe(true);
    const screen = screenAfter(stdout.text);
    expect(screen[0]).toMatch(/^ ukiboot 0\.1\.0/);
    expect(screen[2]).toMatch(/^ > => Debian GNU\/Linux 13 \(trixie\)/);
    expect(screen[21]).toBe(" Boot in 5 s.");
    expect(screen[22]).toMatch(/^ Up\/Down select {2}Enter boot/);
    expect(screen[23]).toBe("");
    stdin.send("B");
    expect((await decision).kind).toBe("reboot");
  });

  test("redrawn frames land on the same rows: the screen after moving shows one pointer, on entry 2", async () => {
    const { stdin, stdout, clock, decision } = start({ config: { timeout: 3 } });
    await until(stdout, "Rescue Shell");
    clock.advance(1000);
    await until(stdout, "Boot in 2 s.");
    stdin.send("j");
    // The last frame (Ink draws at most 30 a second) has the pointer on entry 2.
    await waitForOutput(stdout, (o) => /^ > {4}Debian/.test(screenAfter(o.text)[3] ?? ""), "the pointer on entry 2");
    const screen = screenAfter(stdout.text);
    expect(screen[0]).toMatch(/^ ukiboot/);
    expect(screen[2]).toMatch(/^ {3}=> Debian GNU\/Linux 13 \(trixie\)/);
    expect(screen[3]).toMatch(/^ > {4}Debian GNU\/Linux 13 \(trixie\) \(6\.12\.38/);
    expect(screen.filter((l) => l.startsWith(" > ")).length).toBe(1);
    expect(screen[21]).toBe("");
    expect(screen.filter((l) => l.includes("ukiboot 0.1.0")).length).toBe(1);
    stdin.send("\r");
    await decision;
  });

  test("the countdown runs on the clock and boots the default", async () => {
    const { stdout, clock, decision } = start({ config: { timeout: 2 } });
    await until(stdout, "Boot in 2 s.");
    clock.advance(1000);
    await until(stdout, "Boot in 1 s.");
    clock.advance(1000);
    expect(await decision).toEqual({ kind: "boot", entryId: "debian-6.12.48.efi", unattended: true, variables: {} });
  });

  test("a changed default and timeout come back with the decision", async () => {
    const { stdin, stdout, decision } = start({ config: { timeout: 5 } });
    await until(stdout, "Rescue Shell");
    stdin.send("jd++");
    stdin.send("\r");
    expect(await decision).toEqual({
      kind: "boot",
      entryId: "debian-6.12.38.efi",
      variables: { setDefault: "debian-6.12.38.efi", setTimeout: 7 },
    });
  });

  test("the editor works over a stream and returns the edited line", async () => {
    const { stdin, stdout, decision } = start();
    await until(stdout, "Rescue Shell");
    stdin.send("4e");
    await until(stdout, "Edit the command line");
    stdin.send(" single\r");
    expect(await decision).toEqual({ kind: "boot", entryId: "fedora-41.conf", cmdline: "root=/dev/vda3 rhgb single", variables: {} });
  });

  test("in the editor the terminal's cursor sits on the character being edited", async () => {
    const { stdin, stdout, decision } = start();
    await until(stdout, "Rescue Shell");
    stdin.send(`4e${KEY.left}${KEY.left}`);
    await until(stdout, "Edit the command line");
    await waitForOutput(stdout, (o) => replayTerminal(o.text).cursor.x === 18, "the cursor on the edited character");
    const { screen, cursor } = replayTerminal(stdout.text);
    expect(screen[4]).toBe(" root=/dev/vda3 rhgb");
    // Column 0 is the scroll marker, so the line ends in column 19 and the cursor starts in column 20;
    // two steps left put it on the "g" in column 18.
    expect(cursor).toEqual({ x: 18, y: 4 });
    expect(screen[4]![cursor.x]).toBe("g");
    expect(stdout.text).toContain("\x1b[?25h");
    stdin.send("\r");
    await decision;
  });

  test("UTF-8 split across reads is one character in the editor", async () => {
    const { stdin, stdout, decision } = start();
    await until(stdout, "Rescue Shell");
    stdin.send("4e");
    await until(stdout, "Edit the command line");
    const bytes = Buffer.from(" é\r", "utf8");
    stdin.write(bytes.subarray(0, 2));
    await turns();
    stdin.write(bytes.subarray(2));
    expect(await decision).toMatchObject({ cmdline: "root=/dev/vda3 rhgb é" });
  });

  test("the terminal's size is used when it reports one", async () => {
    const { stdin, stdout, decision } = start({ columns: 100, rows: 30 });
    await until(stdout, "Rescue Shell");
    const screen = screenAfter(stdout.text, 100, 30);
    expect(screen[27]).toBe(" Boot in 5 s.");
    expect(screen[1]).toBe("-".repeat(99));
    stdin.send("O");
    expect((await decision).kind).toBe("poweroff");
  });

  test("a resize of the terminal redraws at the new size", async () => {
    const { stdin, stdout, decision } = start({ columns: 80, rows: 24 });
    await until(stdout, "Rescue Shell");
    stdout.columns = 60;
    stdout.rows = 12;
    stdout.chunks = [];
    stdout.emit("resize");
    await until(stdout, "Boot in");
    expect(stdout.text).toContain("-".repeat(59));
    expect(stdout.text).not.toContain("-".repeat(60));
    stdin.send("\r");
    await decision;
  });
});

describe("runMenu() without a menu", () => {
  test("menu-disabled resolves at once and never touches the terminal", async () => {
    const { stdin, stdout, decision } = start({ config: { timeout: "menu-disabled" } });
    expect(await decision).toEqual({ kind: "boot", entryId: "debian-6.12.48.efi", unattended: true, variables: {} });
    expect(stdout.chunks).toEqual([]);
    expect(stdin.rawModeCalls).toEqual([]);
  });

  test("menu-hidden draws nothing, and a key held during the window opens the menu", async () => {
    const { stdin, stdout, decision } = start({ config: { timeout: "menu-hidden", hiddenKeyWindowMs: 100 } });
    await turns();
    expect(stdout.text).not.toContain("Rescue Shell");
    stdin.send("   ");
    await until(stdout, "Rescue Shell");
    stdin.send("Q");
    expect((await decision).kind).toBe("shell");
  });

  test("menu-hidden boots the default when the window passes without a key", async () => {
    const { stdout, clock, decision } = start({ config: { timeout: "menu-hidden", hiddenKeyWindowMs: 100 } });
    await turns();
    clock.advance(100);
    expect(await decision).toMatchObject({ kind: "boot", entryId: "debian-6.12.48.efi" });
    expect(stdout.text).not.toContain("Rescue Shell");
  });
});

describe("runMenu() terminals", () => {
  test("TERM unset: ASCII glyphs and no SGR attributes", async () => {
    const { stdin, stdout, decision } = start({ env: {} });
    await until(stdout, "Rescue Shell");
    expect(stdout.text).toContain("=>");
    expect(stdout.text).not.toMatch(/\x1b\[[0-9;]*m/);
    stdin.send("\r");
    await decision;
  });

  test("xterm with a UTF-8 locale: Unicode glyphs", async () => {
    const { stdin, stdout, decision } = start({ env: { TERM: "xterm-256color", LANG: "en_US.UTF-8", NO_COLOR: "1" } });
    await until(stdout, "Rescue Shell");
    expect(stdout.text).toContain("►");
    expect(stdout.text).toContain("─");
    stdin.send("\r");
    await decision;
  });
});

describe("showProgress()", () => {
  test("shows bytes and percent, and erases itself on close", async () => {
    const stdout = new FakeTtyOut();
    const clock = new FakeClock();
    const p = showProgress({
      io: { stdin: new FakeTtyIn() as unknown as NodeJS.ReadStream, stdout, env: ENV, clock },
      title: "Loading Debian GNU/Linux 13 (trixie)",
    });
    p.update({ label: "Reading the kernel", done: 3 * 1024 * 1024, total: 12 * 1024 * 1024 });
    await until(stdout, "25%");
    let screen = screenAfter(stdout.text);
    expect(screen[0]).toBe(" Loading Debian GNU/Linux 13 (trixie)");
    expect(screen[2]).toMatch(/^ Reading the kernel +3\.00 MiB of 12\.0 MiB {3}25%$/);
    expect(screen[3]).toMatch(/^ \[#{18}\.{57}\]$/);
    p.update({ label: "Writing the merged initrd", done: 40 * 1024 * 1024, total: 40 * 1024 * 1024 });
    await until(stdout, "100%");
    await p.close();
    screen = screenAfter(stdout.text);
    expect(screen.join("")).toBe("");
    expect(stdout.chunks.at(-1)).toBe("\x1b[?25h");
  });

  test("updates within 100 ms that do not change the percent are not drawn", async () => {
    const stdout = new FakeTtyOut();
    const clock = new FakeClock();
    const p = showProgress({ io: { stdin: new FakeTtyIn() as unknown as NodeJS.ReadStream, stdout, env: ENV, clock }, title: "t" });
    p.update({ label: "Reading", done: 10, total: 1000 });
    await until(stdout, "1%");
    stdout.chunks = [];
    for (let i = 11; i < 19; i++) p.update({ label: "Reading", done: i, total: 1000 });
    await turns();
    expect(stdout.text).toBe("");
    await p.close();
  });
});
