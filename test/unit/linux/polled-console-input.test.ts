import { expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PolledConsoleInput } from "../../../src/linux/console-devices.ts";

/** A FIFO stands in for a console's device node: read without blocking, as ukiboot reads a console. */
function fifo(): { reader: number; writer: number } {
  const path = join(mkdtempSync(join(tmpdir(), "polled-")), "console");
  execFileSync("mkfifo", [path]);
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(path, constants.O_WRONLY);
  return { reader, writer };
}

const modes = () => {
  const calls: boolean[] = [];
  return {
    calls,
    isRaw: false,
    setRawMode(raw: boolean) {
      calls.push(raw);
      this.isRaw = raw;
      return this as never;
    },
  };
};

test("resumed, what is typed arrives as data; paused, nothing is read and nothing keeps ukiboot running", async () => {
  const { reader, writer } = fifo();
  const m = modes();
  const input = new PolledConsoleInput(m, reader);
  const got: string[] = [];
  input.on("data", (b: Uint8Array) => got.push(new TextDecoder().decode(b)));
  expect(input.isPaused()).toBe(true);
  input.setRawMode(true);
  expect([m.calls, input.isRaw]).toEqual([[true], true]);
  input.resume();
  writeSync(writer, "\x1b[B");
  for (let i = 0; i < 50 && got.length === 0; i++) await Bun.sleep(10);
  expect(got.join("")).toBe("\x1b[B");
  input.pause();
  expect(input.isPaused()).toBe(true);
  writeSync(writer, "x");
  await Bun.sleep(100);
  expect(got.join("")).toBe("\x1b[B");
  closeSync(writer);
  closeSync(reader);
});

test("a console whose descriptor fails gives no data and throws nothing into the menu", async () => {
  const { reader, writer } = fifo();
  closeSync(reader);
  const input = new PolledConsoleInput(modes(), reader);
  const got: unknown[] = [];
  input.on("data", (b) => got.push(b));
  input.resume();
  await Bun.sleep(60);
  input.pause();
  expect(got).toEqual([]);
  closeSync(writer);
});
