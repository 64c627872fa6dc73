import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConsoleFanout } from "../../../src/linux/console-devices.ts";

/** Files stand in for the consoles' device nodes: the fan-out only opens and writes them. */
function consoles(n: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), "fanout-"));
  return Array.from({ length: n }, (_, i) => {
    const p = join(dir, `tty${i}`);
    writeFileSync(p, "");
    return p;
  });
}

test("each line goes to every console, in order, and not to the console ukiboot was started on", () => {
  const [screen, serial] = consoles(2) as [string, string];
  const started: string[] = [];
  const out = new ConsoleFanout([screen, serial], { write: (s) => started.push(s) });
  out.write("ukiboot: started\n");
  out.write('ukiboot: booting "Debian"\n');
  for (const c of [screen, serial]) expect(readFileSync(c, "utf8")).toBe('ukiboot: started\nukiboot: booting "Debian"\n');
  expect(started).toEqual([]);
});

test("a console that cannot be opened is left out; the others still get every line", () => {
  const [serial] = consoles(1) as [string];
  const out = new ConsoleFanout(["/nonexistent/tty9", serial], { write: () => undefined });
  out.write("ukiboot: started\n");
  expect(readFileSync(serial, "utf8")).toBe("ukiboot: started\n");
});

test("no console could be opened: the lines go where ukiboot was started", () => {
  const started: string[] = [];
  const out = new ConsoleFanout(["/nonexistent/tty9"], { write: (s) => started.push(s) });
  out.write("ukiboot: started\n");
  expect(started).toEqual(["ukiboot: started\n"]);
});
