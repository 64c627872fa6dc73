/**
 * The chooser of src/ports/chooser.ts on a terminal: the Ink menu and the progress view. Ink and React load
 * only when something is drawn: list, plan and load start faster without them, and an unattended boot with a
 * hidden menu (`timeout 0`) never loads them unless a key arrives (docs/boot-time.md §4).
 */
import type { ChooserFactory, ProgressView } from "../src/ports/chooser.ts";
import { systemClock } from "./clock.ts";
import { deferredProgress } from "./deferred-progress.ts";
import { drawFirstFrame, eraseFirstFrame, holdRawMode } from "./first-frame.ts";
import { decisionWithoutKey, waitForKey } from "./hidden-key.ts";
import { lineProgress } from "./line-progress.ts";

/** How long a load runs before its progress is drawn, unless the menu is already on the screen. */
export const PROGRESS_DELAY_MS = 1000;

export const terminalChooser: ChooserFactory = async (terminals) => {
  const [terminal, ...others] = terminals;
  if (!terminal) throw new Error("Internal error: a chooser was asked for with no terminal");
  const progressCode = () => import("./run-progress.tsx");
  // Set once the menu has been drawn: from then on progress is drawn at once, as the person is watching.
  let drawnProgress: Awaited<ReturnType<typeof progressCode>> | undefined;
  return {
    async choose(request) {
      const unattended = decisionWithoutKey(request, terminal.env ?? process.env);
      let pendingInput: string | null = null;
      if (unattended) {
        pendingInput = await waitForKey(
          terminals.map((t) => t.stdin),
          request.config.hiddenKeyWindowMs,
          systemClock,
        );
        if (pendingInput === null) return unattended;
      }
      // A menu shown from the start is drawn at once, before Ink loads and before the details are worked
      // out; a key that opened a hidden menu may decide at once, so that menu waits for Ink.
      const drawn = pendingInput === null && drawFirstFrame(request, terminals, systemClock);
      // Raw from then on, so that keys typed before Ink reads them are neither echoed nor line-edited.
      const restoreModes = drawn || pendingInput !== null ? holdRawMode(terminals) : () => {};
      let handedOver = false;
      try {
        // The details only now: a hidden menu that decided without a key never asked for them.
        const [{ runMenu }, progress, entries] = await Promise.all([import("./run-menu.tsx"), progressCode(), request.details?.() ?? request.entries]);
        drawnProgress = progress;
        handedOver = true;
        return await runMenu({
          ...request,
          entries,
          io: terminal,
          others,
          ...(pendingInput !== null ? { pendingInput } : {}),
          ...(drawn ? { overFirstFrame: true } : {}),
        });
      } catch (e) {
        // The error is told on a clean console, not under a menu nobody can use.
        if (drawn && !handedOver) eraseFirstFrame(terminals);
        throw e;
      } finally {
        restoreModes();
      }
    },
    progress(title) {
      // Every console shows the load, as every console showed the menu.
      const views = terminals.map((t) => {
        const progress = drawnProgress;
        if (progress) return progress.showProgress({ io: t, title });
        const show = process.arch === "arm64" ? async () => lineProgress(t.stdout, title) : async () => (await progressCode()).showProgress({ io: t, title });
        return deferredProgress(show, PROGRESS_DELAY_MS, systemClock);
      });
      return views.length === 1 ? views[0]! : allOf(views);
    },
  };
};

/** One progress view over several consoles. */
function allOf(views: readonly ProgressView[]): ProgressView {
  return {
    update: (u) => {
      for (const v of views) v.update(u);
    },
    close: async () => {
      await Promise.all(views.map((v) => v.close()));
    },
  };
}
