/**
 * The compiled binary's menu under a real pseudo-terminal (tmux): keys that arrive in one burst, CSI and
 * SS3 arrows, TERM unset on an 80x24 screen, as on a serial console. Uses dist/ukiboot, so bundling
 * problems (Ink's optional devtools import) show up here.
 */
import { buildOnce } from "../lab/build-once.ts";
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { debianParts } from "../../build/debian.ts";
import { run } from "../../build/lib/run-command.ts";
import { buildUki, standInKernel } from "../lab/target-system.ts";
import { BINARY, e2eReady } from "../support/e2e.ts";

let ROOT = "";
let ESP = "";
const PANE = `ukiboot-pty-${process.pid}`;
/**
 * Each test gets its own tmux server (-L), because tmux stops a server a moment after its last pane closes,
 * and a new pane started on that socket meanwhile fails with "server exited unexpectedly".
 */
let server = "";
let servers = 0;
const tmux = (...args: string[]) => ["tmux", "-L", server, ...args];

beforeAll(async () => {
  await e2eReady();
  ROOT = await buildOnce("menu-pty-esp", { inputs: {}, code: import.meta.path, single: true }, async (ROOT) => {
    const ESP = join(ROOT, "esp");
    mkdirSync(join(ESP, "EFI/Linux"), { recursive: true });
    const parts = await debianParts();
    const kernel = join(ROOT, "kernel");
    const k = standInKernel();
    writeFileSync(kernel, k);
    for (const v of ["1", "2", "3"]) {
      const osrel = join(ROOT, `os-release-${v}`);
      writeFileSync(osrel, `ID=pty\nPRETTY_NAME="Pty OS ${v}"\nVERSION_ID=${v}\n`);
      await buildUki(parts, { output: join(ESP, `EFI/Linux/pty-${v}.efi`), linux: kernel, cmdline: `v=${v}`, osRelease: `@${osrel}`, uname: "6.1.0-pty" });
    }
    mkdirSync(join(ESP, "loader"), { recursive: true });
    writeFileSync(join(ESP, "loader/loader.conf"), "timeout 30\n");
  });
  ESP = join(ROOT, "esp");
}, 600_000);

afterEach(async () => {
  if (server) await run(tmux("kill-server"), { okCodes: [0, 1] });
  server = "";
});

async function capture(): Promise<string> {
  return (await run(tmux("capture-pane", "-p", "-t", PANE, "-S", "-100"))).stdout;
}

async function waitFor(re: RegExp, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const screen = await capture();
    if (re.test(screen)) return screen;
    if (Date.now() > deadline) throw new Error(`No ${re} on the terminal within ${ms} ms; screen:\n${screen}`);
    await Bun.sleep(100);
  }
}

/** Starts `dist/ukiboot menu --dry-run` in an 80x24 tmux pane with TERM unset. */
async function startMenu(): Promise<void> {
  // CI=1 as well: Ink stops drawing under CI unless build/ink-ignores-ci.ts is bundled in.
  const cmd = `env -u TERM CI=1 ${BINARY} menu --esp ${ESP} --dry-run; echo "EXIT=$?"; sleep 60`;
  server = `${PANE}-${servers++}`;
  await run(tmux("new-session", "-d", "-s", PANE, "-x", "80", "-y", "24", cmd));
  await waitFor(/Boot in \d+ s\./, 20_000);
}

/** Sends bytes as one write to the pane's terminal. */
async function burst(hex: string[]): Promise<void> {
  await run(tmux("send-keys", "-t", PANE, "-H", ...hex));
}

describe("dist/ukiboot menu under a pseudo-terminal", () => {
  test("a burst of ↓↓⏎ (CSI) in one read boots the third entry", async () => {
    await startMenu();
    await burst(["1b", "5b", "42", "1b", "5b", "42", "0d"]);
    const screen = await waitFor(/EXIT=\d/, 20_000);
    expect(screen).toContain("entry:   pty-1.efi");
    expect(screen).toContain("EXIT=0");
  }, 60_000);

  test("SS3 arrows work as CSI ones, and an unknown sequence is ignored, not typed into the editor", async () => {
    await startMenu();
    // SS3 ↓, then e to edit; an unknown CSI sequence (F13-ish "ESC [ 25 ~") and "X" are sent in one burst.
    await burst(["1b", "4f", "42", "65"]);
    await waitFor(/Esc cancel/, 10_000);
    await burst(["1b", "5b", "32", "35", "7e", "58", "0d"]);
    const screen = await waitFor(/EXIT=\d/, 20_000);
    expect(screen).toContain("entry:   pty-2.efi");
    expect(screen).toMatch(/cmdline: v=2X\n/);
  }, 60_000);

  test("the terminal is back in cooked mode after the menu", async () => {
    await startMenu();
    await burst(["0d"]);
    await waitFor(/EXIT=0/, 20_000);
    // The pane's shell keeps running `sleep`; stty on the same tty reports its mode.
    const tty = (await run(tmux("display-message", "-p", "-t", PANE, "#{pane_tty}"))).stdout.trim();
    const mode = (await run(["stty", "-F", tty, "-a"])).stdout;
    expect(mode).toMatch(/(^|\s)icanon(\s|$)/);
    expect(mode).toMatch(/(^|\s)echo(\s|$)/);
  }, 60_000);
});
