/**
 * A QR code as lines of terminal text, for a boot menu that has only a text console: each character cell
 * shows two module rows with the half blocks ▀ ▄ █ and space, which the Linux console's fonts carry (they
 * are in code page 437), so a symbol of version 10 (57 modules, 65 with the quiet zone) needs 33 lines.
 * The 4-module quiet zone (ISO/IEC 18004:2015 §6.3.8) is included, and it must look light.
 *
 * What is drawn: by default the glyphs' ink stands for the LIGHT modules and the background for the dark
 * ones, so the code reads correctly on the usual light-on-dark console (the quiet zone is a frame of
 * blocks). `invert: true` inks the dark modules instead, for dark text on a light background.
 */

export interface QrTextOptions {
  /** Ink the dark modules (for a dark-on-light terminal); by default the light ones are inked. */
  invert?: boolean;
  /** Light modules around the symbol; 4 by default, the standard's minimum. */
  quietZone?: number;
}

/** Indexed by (upper inked ? 2 : 0) + (lower inked ? 1 : 0). */
const GLYPHS = [" ", "▄", "▀", "█"] as const;

/** The lines of text showing `code` (rows of modules, true = dark), top to bottom, without line breaks. */
export function qrTextLines(code: { modules: readonly (readonly boolean[])[] }, { invert = false, quietZone = 4 }: QrTextOptions = {}): string[] {
  const size = code.modules.length;
  const width = size + 2 * quietZone;
  // The count is odd (size is): the last line's lower half lies past the quiet zone and is drawn light too.
  const height = size + 2 * quietZone;
  const dark = (row: number, column: number) => {
    const r = row - quietZone;
    const c = column - quietZone;
    return r >= 0 && r < size && c >= 0 && c < size && code.modules[r]![c] === true;
  };
  const inked = (row: number, column: number) => dark(row, column) === invert;
  const lines: string[] = [];
  for (let row = 0; row < height; row += 2) {
    let line = "";
    for (let column = 0; column < width; column++) {
      line += GLYPHS[(inked(row, column) ? 2 : 0) + (inked(row + 1, column) ? 1 : 0)];
    }
    lines.push(line);
  }
  return lines;
}
