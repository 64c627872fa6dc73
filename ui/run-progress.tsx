/**
 * showProgress(): draws the Progress view on the terminal while the caller loads an entry, and erases it
 * again on close(). Updates are throttled, so the caller may report after every chunk it reads.
 */
import { render } from "ink";
import { type Clock, systemClock } from "./clock.ts";
import { Progress, type ProgressUpdate, progressPercent } from "./components/Progress.tsx";
import type { ProgressView } from "../src/ports/chooser.ts";
import { type MenuIo, terminalSetup } from "./terminal-setup.ts";
import { contentWidth } from "./state/layout.ts";
import { TerminalOutput } from "./terminal-output.ts";
import { SHOW_CURSOR } from "./frame/screen-control.ts";

/** At most this often a new frame is made, unless the step or the whole percent changes. */
const MIN_UPDATE_INTERVAL_MS = 100;

export function showProgress(opts: {
  io: Pick<MenuIo, "stdout" | "stdin" | "columns" | "rows" | "env" | "themeOptions" | "clock">;
  title: string;
}): ProgressView {
  const { io } = opts;
  const clock: Clock = io.clock ?? systemClock;
  const { theme, size } = terminalSetup(io);
  const output = new TerminalOutput(io.stdout, size);
  let last: ProgressUpdate = { label: "", done: 0, total: 0 };
  let lastDrawn = -Infinity;
  const view = (u: ProgressUpdate) => <Progress title={opts.title} update={u} theme={theme} width={contentWidth(size())} />;
  const instance = render(view(last), {
    stdout: output as unknown as NodeJS.WriteStream,
    stdin: io.stdin,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  // Ink 6.8 makes the exit promise on the first waitUntilExit() call; asked for only after unmount(), it never settles.
  const exited = instance.waitUntilExit();
  let closed = false;
  return {
    update(u) {
      if (closed) return;
      const now = clock.now();
      const changed = u.label !== last.label || u.total !== last.total || progressPercent(u.done, u.total) !== progressPercent(last.done, last.total);
      if (!changed && now - lastDrawn < MIN_UPDATE_INTERVAL_MS) {
        last = u;
        return;
      }
      last = u;
      lastDrawn = now;
      instance.rerender(view(u));
    },
    async close() {
      if (closed) return;
      closed = true;
      // An empty tree makes the final frame empty, which erases the view (clear() alone would be redrawn).
      instance.rerender(null);
      instance.unmount();
      await exited;
      instance.cleanup();
      if (output.isTTY) io.stdout.write(SHOW_CURSOR);
    },
  };
}
