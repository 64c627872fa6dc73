/**
 * A progress view of one plain line, drawn without Ink. On arm64 the Bun runtime (1.4.5) has crashed with a
 * segmentation fault right after Ink was first imported while a boot's load was under way, twice in QEMU
 * under TCG (docs/kexec.md §11); until that is understood, an unattended arm64 boot says what it loads in a
 * line instead, and Ink loads there only for the menu, before any load starts.
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
