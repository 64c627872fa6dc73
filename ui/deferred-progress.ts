/**
 * A progress view drawn only once a load has taken `delayMs` (docs/boot-time.md §4). A local UKI loads in
 * well under that on real hardware and nobody is shown a bar that flashes; a download or a slow disk still
 * gets one. The view's code (Ink) is imported only when it is drawn.
 */
import type { ProgressUpdate, ProgressView } from "../src/ports/chooser.ts";
import type { Clock } from "./clock.ts";

export function deferredProgress(show: () => Promise<ProgressView>, delayMs: number, clock: Clock): ProgressView {
  let view: ProgressView | undefined;
  let last: ProgressUpdate | undefined;
  let closed = false;
  let shown: Promise<void> | undefined;
  const cancel = clock.setTimer(() => {
    shown = show().then((v) => {
      if (closed) return v.close();
      view = v;
      if (last) v.update(last);
    });
  }, delayMs);
  return {
    update(u) {
      last = u;
      view?.update(u);
    },
    async close() {
      closed = true;
      cancel();
      // A view being drawn right now is closed as soon as it exists.
      await shown;
      await view?.close();
    },
  };
}
