/**
 * SBAT, as shim applies it (docs/trust.md §3): a PE image's `.sbat` section is CSV, one component a line
 * (`name,generation,vendor,package,version,url`); shim's `SbatLevelRT` variable lists, after a
 * `sbat,1,<date>` line, the lowest generation still trusted per component (`name,generation`). An image
 * with a component below its minimum is revoked, whatever signed it.
 */
import { FormatError } from "../errors.ts";

export interface SbatComponent {
  component: string;
  generation: number;
}

export interface SbatLevel {
  /** The date stamp of the `sbat,1,<date>` line. */
  date: string;
  /** Every line, the `sbat` line included. */
  minimum: SbatComponent[];
}

/** Non-empty lines up to the first NUL, as text; CRLF is taken as LF. */
function csvLines(bytes: Uint8Array, fail: (message: string) => never): string[] {
  const end = bytes.indexOf(0);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(end < 0 ? bytes : bytes.subarray(0, end));
  } catch {
    fail("it is not valid UTF-8");
  }
  return text!.split("\n").map((l) => l.replace(/\r$/, ""));
}

function parseLines(bytes: Uint8Array, fail: (message: string) => never): SbatComponent[] {
  const out: SbatComponent[] = [];
  csvLines(bytes, fail).forEach((line, i) => {
    if (line === "") return;
    const [component, generation] = line.split(",");
    if (!component) fail(`line ${i + 1} "${line}" has no component name`);
    if (generation === undefined) fail(`line ${i + 1} "${line}" has no generation`);
    if (!/^[0-9]{1,9}$/.test(generation!)) fail(`line ${i + 1} "${line}": the generation "${generation}" is not a decimal number`);
    out.push({ component: component!, generation: Number(generation) });
  });
  return out;
}

/** The components of an image's `.sbat` section (C(s): zero padding ends it). @throws FormatError naming the file */
export function parseSbatSection(bytes: Uint8Array, opts: { source: string }): SbatComponent[] {
  return parseLines(bytes, (message) => {
    throw new FormatError("pe", opts.source, `Cannot read the .sbat section of "${opts.source}": ${message}`);
  });
}

/** shim's SbatLevelRT (the variable's data, without the efivarfs attribute word). @throws FormatError naming the variable */
export function parseSbatLevel(bytes: Uint8Array, opts: { source: string }): SbatLevel {
  const fail = (message: string): never => {
    throw new FormatError("efivar", opts.source, `Cannot read ${opts.source}: ${message}`);
  };
  const first = csvLines(bytes, fail).find((l) => l !== "") ?? "";
  const head = first.split(",");
  if (head[0] !== "sbat" || head[1] === undefined || head[2] === undefined) fail(`it must start with "sbat,1,<date>", not "${first}"`);
  return { date: head[2]!, minimum: parseLines(bytes, fail) };
}

/**
 * The first component of the image below the level's minimum, or undefined when none is. Every line of the
 * image counts, so of two lines for one component the lower generation decides.
 */
export function checkSbat(image: readonly SbatComponent[], level: SbatLevel): (SbatComponent & { minimum: number }) | undefined {
  for (const need of level.minimum) {
    const low = image.filter((c) => c.component === need.component).sort((a, b) => a.generation - b.generation)[0];
    if (low && low.generation < need.generation) return { component: low.component, generation: low.generation, minimum: need.generation };
  }
  return undefined;
}
