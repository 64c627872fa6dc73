/**
 * A progress view of one plain line, drawn without Ink. On arm64 in QEMU the Bun runtime (1.4.5) crashed
 * twice right after Ink was first imported while a boot's load was under way; later crashes, with and without
 * Ink, stopped once the guest CPU had no SVE (docs/kexec.md §11). An unattended boot needs no more than a line
 * saying what it loads, so on arm64 Ink still loads only for the menu.
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
