import { describe, expect, test } from "bun:test";
import { deferredProgress } from "../../ui/deferred-progress.ts";
import { decisionWithoutKey, waitForKey } from "../../ui/hidden-key.ts";
import { runMenu } from "../../ui/run-menu.tsx";
import type { ProgressUpdate, ProgressView } from "../../src/ports/chooser.ts";
import { FakeClock } from "./fake-clock.ts";
import { FakeTtyIn, FakeTtyOut, turns, waitForOutput } from "./fake-tty.ts";
import { CONFIG, ENTRIES, KEY } from "./menu-fixtures.ts";

const ENV = { TERM: "vt100" };
const hidden = { ...CONFIG, timeout: "menu-hidden" as const, hiddenKeyWindowMs: 100 };
const request = (config: Partial<typeof CONFIG> = {}) => ({ entries: ENTRIES, config: { ...hidden, ...config }, problems: [] });

describe("waitForKey: the hidden menu's window without Ink", () => {
  test("no key within the window: null, and the terminal is back in its mode and paused", async () => {
    const stdin = new FakeTtyIn();
    const clock = new FakeClock();
    const key = waitForKey(stdin, 100, clock);
    await turns();
    expect(stdin.isRaw).toBe(true);
    clock.advance(99);
    await turns();
    clock.advance(1);
    expect(await key).toBeNull();
    expect(stdin.rawModeCalls).toEqual([true, false]);
    expect(stdin.isPaused()).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  test("a key in the window (or typed before it, still buffered) is returned whole", async () => {
    const stdin = new FakeTtyIn();
    const clock = new FakeClock();
    stdin.send(`2${KEY.down}`);
    expect(await waitForKey(stdin, 100, clock)).toBe(`2${KEY.down}`);
    expect(stdin.rawModeCalls).toEqual([true, false]);
    expect(clock.pending()).toBe(0);
  });

  test("several consoles: a key on any of them is returned, and every one is given back its mode (docs/menu.md §4)", async () => {
    const screen = new FakeTtyIn();
    const serial = new FakeTtyIn();
    const clock = new FakeClock();
    const key = waitForKey([screen, serial], 100, clock);
    await turns();
    expect([screen.isRaw, serial.isRaw]).toEqual([true, true]);
    serial.send("2");
    expect(await key).toBe("2");
    for (const c of [screen, serial]) {
      expect(c.rawModeCalls).toEqual([true, false]);
      expect(c.isPaused()).toBe(true);
      expect(c.listenerCount("data")).toBe(0);
    }
    expect(clock.pending()).toBe(0);
  });

  test("a stdin that is not a terminal is read without touching raw mode", async () => {
    const stdin = new FakeTtyIn({ isTTY: false });
    const clock = new FakeClock();
    const key = waitForKey(stdin, 100, clock);
    stdin.send("x");
    expect(await key).toBe("x");
    expect(stdin.rawModeCalls).toEqual([]);
  });
});

describe("decisionWithoutKey: what the hidden menu decides when nobody types", () => {
  test("menu-hidden: the default entry, unattended, the same decision the menu makes when its window passes", async () => {
    const d = decisionWithoutKey(request(), ENV);
    expect(d).toEqual({ kind: "boot", entryId: "debian-6.12.48.efi", unattended: true, variables: {} });
    const stdout = new FakeTtyOut();
    const clock = new FakeClock();
    const menu = runMenu({ ...request(), io: { stdin: new FakeTtyIn() as unknown as NodeJS.ReadStream, stdout, env: ENV, clock } });
    await turns();
    clock.advance(100);
    expect(await menu).toEqual(d!);
  });

  test("a countdown, a forced menu, an error, no entries or a zero window show the menu: no early decision", () => {
    expect(decisionWithoutKey(request({ timeout: 5 }), ENV)).toBeUndefined();
    expect(decisionWithoutKey(request({ forceMenu: true }), ENV)).toBeUndefined();
    expect(decisionWithoutKey({ ...request(), error: { message: "Cannot boot" } }, ENV)).toBeUndefined();
    expect(decisionWithoutKey({ ...request(), entries: [] }, ENV)).toBeUndefined();
    expect(decisionWithoutKey(request({ hiddenKeyWindowMs: 0 }), ENV)).toBeUndefined();
  });
});

describe("the key read early reaches the menu", () => {
  const open = (pendingInput: string) => {
    const stdin = new FakeTtyIn();
    const stdout = new FakeTtyOut();
    const menu = runMenu({ ...request(), pendingInput, io: { stdin: stdin as unknown as NodeJS.ReadStream, stdout, env: ENV, clock: new FakeClock() } });
    return { stdin, stdout, menu };
  };

  test("a hotkey digit boots its entry directly, as in the hidden menu", async () => {
    const { menu } = open("2");
    expect(await menu).toEqual({ kind: "boot", entryId: ENTRIES[1]!.id, variables: {} });
  });

  test("any other key opens the menu, where the person goes on", async () => {
    const { stdin, stdout, menu } = open(" ");
    await waitForOutput(stdout, (o) => o.text.includes("Rescue Shell"), "the menu");
    stdin.send("Q");
    expect((await menu).kind).toBe("shell");
  });
});

describe("deferredProgress: no bar for a load that ends within the delay", () => {
  const recorder = () => {
    const calls: string[] = [];
    const view: ProgressView = {
      update: (u: ProgressUpdate) => void calls.push(`update ${u.done}/${u.total}`),
      close: async () => void calls.push("close"),
    };
    return { calls, show: async () => (calls.push("show"), view) };
  };

  test("closed before the delay: never drawn, its code never loaded", async () => {
    const r = recorder();
    const clock = new FakeClock();
    const p = deferredProgress(r.show, 1000, clock);
    p.update({ label: "kernel", done: 1, total: 2 });
    clock.advance(999);
    await p.close();
    clock.advance(10_000);
    expect(r.calls).toEqual([]);
  });

  test("past the delay: drawn with the latest update, then updated and closed", async () => {
    const r = recorder();
    const clock = new FakeClock();
    const p = deferredProgress(r.show, 1000, clock);
    p.update({ label: "kernel", done: 1, total: 4 });
    p.update({ label: "kernel", done: 2, total: 4 });
    clock.advance(1000);
    await turns();
    p.update({ label: "kernel", done: 3, total: 4 });
    await p.close();
    expect(r.calls).toEqual(["show", "update 2/4", "update 3/4", "close"]);
  });

  test("closed while the view's code is still loading: the view is closed as soon as it exists", async () => {
    const r = recorder();
    const clock = new FakeClock();
    const p = deferredProgress(r.show, 1000, clock);
    clock.advance(1000);
    await p.close();
    expect(r.calls).toEqual(["show", "close"]);
  });
});
