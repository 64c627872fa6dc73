/**
 * A progress view of one plain line, drawn without Ink. On arm64 the Bun runtime (1.4.5) crashed with a
 * segmentation fault twice right after Ink was first imported while a boot's load was under way, in QEMU under
 * TCG, and later once with Ink not loaded at all (docs/kexec.md §9): Ink is not the cause, but loading it
 * during a load is work an unattended boot does not need, so an unattended arm64 boot says what it loads in a
 * line, and Ink loads there only for the menu.
 */
import type { ProgressUpdate, ProgressView } from "../src/ports/chooser.ts";
import type { OutputStream } from "../src/ports/terminal.ts";

export function lineProgress(out: OutputStream, title: string): ProgressView {
  let said = false;
  return {
    update(_u: ProgressUpdate) {
      if (said) return;
      said = true;
      out.write(`${title}\n`);
    },
    async close() {},
  };
}
