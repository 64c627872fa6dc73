/**
 * A QR code encoder (ISO/IEC 18004:2015) for what a boot menu shows a phone: an otpauth URI to enrol a TOTP
 * secret. Only what that needs: byte mode (§7.4.5; the text as UTF-8, no ECI, which readers assume), error
 * correction level M (§7.5.1: ~15 % of codewords recoverable, the usual trade-off for screens) and versions 1–10
 * (up to 213 bytes; an otpauth URI with a 20-byte secret needs about 100). Steps, by section:
 * §7.4 the bit stream (mode, count, data, terminator, pad codewords), §7.5 Reed–Solomon codewords per block,
 * §7.6 block interleaving, §7.7 module placement, §7.8 data masking (all 8 masks scored by the 4 penalty
 * rules of §7.8.3, the lowest kept), §7.9 format information, §7.10 version information (7 and up).
 */

/** A symbol: `modules[row][column]`, true = dark. `size` = 17 + 4 × version; no quiet zone included. */
export interface QrCode {
  version: number;
  size: number;
  /** The data mask pattern reference (§7.8.2) written in the format information, 0–7. */
  mask: number;
  modules: boolean[][];
}

export const QR_MAX_VERSION = 10;

/** Text longer than the largest version this encoder makes holds at level M. */
export class QrCapacityError extends RangeError {
  override name = "QrCapacityError";
  constructor(readonly byteLength: number) {
    super(`Cannot encode ${byteLength} bytes in a QR code: version ${QR_MAX_VERSION} at error correction level M holds ${qrByteCapacity(QR_MAX_VERSION)}`);
  }
}

/**
 * Table 9, level M rows for versions 1–10: error correction codewords per block, and the blocks as
 * [count, data codewords each]. The second group's blocks are one codeword longer.
 */
const BLOCKS_M: readonly { ecPerBlock: number; groups: readonly (readonly [number, number])[] }[] = [
  { ecPerBlock: 10, groups: [[1, 16]] },
  { ecPerBlock: 16, groups: [[1, 28]] },
  { ecPerBlock: 26, groups: [[1, 44]] },
  { ecPerBlock: 18, groups: [[2, 32]] },
  { ecPerBlock: 24, groups: [[2, 43]] },
  { ecPerBlock: 16, groups: [[4, 27]] },
  { ecPerBlock: 18, groups: [[4, 31]] },
  {
    ecPerBlock: 22,
    groups: [
      [2, 38],
      [2, 39],
    ],
  },
  {
    ecPerBlock: 22,
    groups: [
      [3, 36],
      [2, 37],
    ],
  },
  {
    ecPerBlock: 26,
    groups: [
      [4, 43],
      [1, 44],
    ],
  },
];

/** Annex E, Table E.1: row and column coordinates of the alignment pattern centres. */
const ALIGNMENT_CENTRES: readonly (readonly number[])[] = [[], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50]];

/** Table 3: the byte mode's character count indicator is 8 bits long up to version 9, 16 from 10. */
function countBits(version: number): number {
  return version <= 9 ? 8 : 16;
}

function dataCodewords(version: number): number {
  return BLOCKS_M[version - 1]!.groups.reduce((sum, [count, data]) => sum + count * data, 0);
}

/** The most bytes `version` holds at level M in byte mode (Table 7: 14 for version 1 … 213 for 10). */
export function qrByteCapacity(version: number): number {
  return Math.floor((dataCodewords(version) * 8 - 4 - countBits(version)) / 8);
}

// GF(2⁸) with the field's polynomial x⁸ + x⁴ + x³ + x² + 1 (§7.5.2), as log and antilog tables.
const EXP = new Uint8Array(510);
const LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++, x = x & 0x80 ? ((x << 1) ^ 0x11d) & 0xff : x << 1) {
  EXP[i] = x;
  EXP[i + 255] = x;
  LOG[x] = i;
}

function gfMul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!;
}

/** The generator polynomial (x − α⁰)(x − α¹)…(x − α^(degree−1)) (Annex A), coefficients highest first. */
function generatorPolynomial(degree: number): Uint8Array {
  let g = new Uint8Array([1]);
  for (let i = 0; i < degree; i++) {
    const next = new Uint8Array(g.length + 1);
    for (let j = 0; j < g.length; j++) {
      next[j]! ^= g[j]!;
      next[j + 1]! ^= gfMul(g[j]!, EXP[i]!);
    }
    g = next;
  }
  return g;
}

/** The error correction codewords of one block: the remainder of data × x^degree divided by the generator. */
function reedSolomon(data: Uint8Array, generator: Uint8Array): Uint8Array {
  const degree = generator.length - 1;
  const remainder = new Uint8Array(degree);
  for (const byte of data) {
    const factor = byte ^ remainder[0]!;
    remainder.copyWithin(0, 1);
    remainder[degree - 1] = 0;
    for (let i = 0; i < degree; i++) remainder[i]! ^= gfMul(generator[i + 1]!, factor);
  }
  return remainder;
}

/** §7.4: mode indicator 0100, count, the bytes, up to 4 terminator bits, zero bits to a byte, then 0xEC 0x11 … */
function dataStream(bytes: Uint8Array, version: number): Uint8Array {
  const capacity = dataCodewords(version);
  const bits: number[] = [];
  const push = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  push(0b0100, 4);
  push(bytes.length, countBits(version));
  for (const b of bytes) push(b, 8);
  push(0, Math.min(4, capacity * 8 - bits.length));
  push(0, (8 - (bits.length % 8)) % 8);
  const out = new Uint8Array(capacity);
  for (let i = 0; i < bits.length; i++) out[i >>> 3]! |= bits[i]! << (7 - (i & 7));
  for (let i = bits.length / 8, pad = 0xec; i < capacity; i++, pad ^= 0xec ^ 0x11) out[i] = pad;
  return out;
}

/** §7.6: data codewords split into blocks, each with its error correction, interleaved codeword by codeword. */
function finalCodewords(data: Uint8Array, version: number): Uint8Array {
  const { ecPerBlock, groups } = BLOCKS_M[version - 1]!;
  const generator = generatorPolynomial(ecPerBlock);
  const blocks: { data: Uint8Array; ec: Uint8Array }[] = [];
  let offset = 0;
  for (const [count, length] of groups) {
    for (let i = 0; i < count; i++, offset += length) {
      const block = data.subarray(offset, offset + length);
      blocks.push({ data: block, ec: reedSolomon(block, generator) });
    }
  }
  const out: number[] = [];
  const longest = Math.max(...blocks.map((b) => b.data.length));
  // The shorter (first group's) blocks have no codeword in the last column; they are skipped there.
  for (let i = 0; i < longest; i++) for (const b of blocks) if (i < b.data.length) out.push(b.data[i]!);
  for (let i = 0; i < ecPerBlock; i++) for (const b of blocks) out.push(b.ec[i]!);
  return new Uint8Array(out);
}

/** A matrix under construction: module colours, and which modules are function patterns (never masked). */
interface Grid {
  size: number;
  dark: boolean[][];
  isFunction: boolean[][];
}

function setFunction(grid: Grid, row: number, column: number, dark: boolean): void {
  grid.dark[row]![column] = dark;
  grid.isFunction[row]![column] = true;
}

/** §6.3.3 finder pattern (7 × 7, 1:1:3:1:1) with its light separator (§6.3.4), clipped at the symbol's edge. */
function drawFinder(grid: Grid, centreRow: number, centreColumn: number): void {
  for (let dr = -4; dr <= 4; dr++) {
    for (let dc = -4; dc <= 4; dc++) {
      const row = centreRow + dr;
      const column = centreColumn + dc;
      if (row < 0 || row >= grid.size || column < 0 || column >= grid.size) continue;
      const ring = Math.max(Math.abs(dr), Math.abs(dc));
      setFunction(grid, row, column, ring !== 2 && ring !== 4);
    }
  }
}

/** §6.3.6 alignment pattern: 5 × 5 dark ring, light ring, dark centre. */
function drawAlignment(grid: Grid, centreRow: number, centreColumn: number): void {
  for (let dr = -2; dr <= 2; dr++) {
    for (let dc = -2; dc <= 2; dc++) setFunction(grid, centreRow + dr, centreColumn + dc, Math.max(Math.abs(dr), Math.abs(dc)) !== 1);
  }
}

/** The BCH remainder of `data` (§7.9.1, §7.10): polynomial division by `generator` of degree `degree`. */
function bchRemainder(data: number, generator: number, degree: number): number {
  let remainder = data << degree;
  for (let bit = 31 - Math.clz32(remainder); bit >= degree; bit--) {
    if ((remainder >>> bit) & 1) remainder ^= generator << (bit - degree);
  }
  return remainder;
}

/**
 * §7.9.1: 2 bits of level (M is 00), 3 of mask, a BCH(15,5) remainder, XORed with 101010000010010 so that
 * no combination is all light. Bit 14 is the most significant.
 */
export function qrFormatBits(mask: number): number {
  const data = (0b00 << 3) | mask;
  return ((data << 10) | bchRemainder(data, 0b101_0011_0111, 10)) ^ 0b101_0100_0001_0010;
}

/** §7.10: 6 bits of version and a BCH(18,6) remainder; bit 17 is the most significant. */
export function qrVersionBits(version: number): number {
  return (version << 12) | bchRemainder(version, 0b1_1111_0010_0101, 12);
}

/**
 * §7.9.1, Figure 25: bit i of the format information (0 = least significant) goes beside the top-left finder
 * and, a second time, split between the other two finders; plus the dark module at (size − 8, 8), which is
 * always dark (§6.9, Figure 25).
 */
function drawFormat(grid: Grid, mask: number): void {
  const bits = qrFormatBits(mask);
  const size = grid.size;
  const bit = (i: number) => ((bits >>> i) & 1) === 1;
  for (let i = 0; i <= 5; i++) setFunction(grid, i, 8, bit(i));
  setFunction(grid, 7, 8, bit(6));
  setFunction(grid, 8, 8, bit(7));
  setFunction(grid, 8, 7, bit(8));
  for (let i = 9; i < 15; i++) setFunction(grid, 8, 14 - i, bit(i));
  for (let i = 0; i < 8; i++) setFunction(grid, 8, size - 1 - i, bit(i));
  for (let i = 8; i < 15; i++) setFunction(grid, size - 15 + i, 8, bit(i));
  setFunction(grid, size - 8, 8, true);
}

/** §7.10, Figure 27: an 6 × 3 block above the bottom-left finder and its transpose left of the top-right one. */
function drawVersion(grid: Grid, version: number): void {
  const bits = qrVersionBits(version);
  for (let i = 0; i < 18; i++) {
    const dark = ((bits >>> i) & 1) === 1;
    const a = grid.size - 11 + (i % 3);
    const b = Math.floor(i / 3);
    setFunction(grid, a, b, dark);
    setFunction(grid, b, a, dark);
  }
}

/** Every function pattern of `version`, with the format area drawn for mask 0 to reserve it. */
function functionPatterns(version: number): Grid {
  const size = 17 + 4 * version;
  const grid: Grid = {
    size,
    dark: Array.from({ length: size }, () => new Array<boolean>(size).fill(false)),
    isFunction: Array.from({ length: size }, () => new Array<boolean>(size).fill(false)),
  };
  // §6.3.5 timing patterns: row 6 and column 6, dark on even coordinates, between the separators.
  for (let i = 8; i < size - 8; i++) {
    setFunction(grid, 6, i, i % 2 === 0);
    setFunction(grid, i, 6, i % 2 === 0);
  }
  drawFinder(grid, 3, 3);
  drawFinder(grid, 3, size - 4);
  drawFinder(grid, size - 4, 3);
  const centres = ALIGNMENT_CENTRES[version - 1]!;
  const last = centres.length - 1;
  for (let i = 0; i < centres.length; i++) {
    for (let j = 0; j < centres.length; j++) {
      // The three corners that a finder pattern occupies get none.
      if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) continue;
      drawAlignment(grid, centres[i]!, centres[j]!);
    }
  }
  drawFormat(grid, 0);
  if (version >= 7) drawVersion(grid, version);
  return grid;
}

/**
 * §7.7.3: codeword bits, most significant first, in two-module-wide columns from the bottom right, upwards
 * then downwards, skipping function modules and the vertical timing column. Modules left over (the
 * remainder bits, 7 in versions 2–6) stay light before masking.
 */
function placeCodewords(grid: Grid, codewords: Uint8Array): void {
  const total = codewords.length * 8;
  let i = 0;
  for (let right = grid.size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    const upward = ((right + 1) & 2) === 0;
    for (let vertical = 0; vertical < grid.size; vertical++) {
      const row = upward ? grid.size - 1 - vertical : vertical;
      for (let column = right; column >= right - 1; column--) {
        if (grid.isFunction[row]![column] || i >= total) continue;
        grid.dark[row]![column] = ((codewords[i >>> 3]! >>> (7 - (i & 7))) & 1) === 1;
        i++;
      }
    }
  }
  if (i !== total) throw new Error(`Cannot place ${total} codeword bits in a version ${(grid.size - 17) / 4} symbol: only ${i} fit`);
}

/** §7.8.2, Table 10: the mask conditions; where one holds, a data module is inverted. */
const MASKS: readonly ((row: number, column: number) => boolean)[] = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (_, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i + j) % 2) + ((i * j) % 3)) % 2 === 0,
];

function applyMask(base: Grid, mask: number): Grid {
  const grid: Grid = { size: base.size, dark: base.dark.map((r) => [...r]), isFunction: base.isFunction.map((r) => [...r]) };
  const condition = MASKS[mask]!;
  for (let row = 0; row < grid.size; row++) {
    for (let column = 0; column < grid.size; column++) {
      if (!grid.isFunction[row]![column] && condition(row, column)) grid.dark[row]![column] = !grid.dark[row]![column];
    }
  }
  drawFormat(grid, mask);
  return grid;
}

/** The §7.8.3 penalty points of a symbol, per rule (Table 11), and their sum. */
export interface QrPenalty {
  /** N1: 3 + (length − 5) for each run of 5 or more same-coloured modules in a row or column. */
  runs: number;
  /** N2: 3 for each 2 × 2 block of one colour (blocks may overlap). */
  blocks: number;
  /**
   * N3: 40 for each 1:1:3:1:1 dark–light–dark–light–dark pattern in a row or column with 4 light modules on
   * at least one side. Outside the symbol counts as light, since the quiet zone is.
   */
  finderLike: number;
  /** N4: 10 for each whole 5 % the dark proportion is further than 5 % from half. */
  balance: number;
  total: number;
}

const FINDER_LIKE = [true, false, true, true, true, false, true];

/** The penalty of any module matrix (rows of equal length), for choosing the mask. */
export function qrPenalty(modules: readonly (readonly boolean[])[]): QrPenalty {
  const height = modules.length;
  const width = modules[0]?.length ?? 0;
  const lines: (readonly boolean[])[] = [...modules];
  for (let c = 0; c < width; c++) lines.push(modules.map((row) => row[c]!));
  let runs = 0;
  let finderLike = 0;
  for (const line of lines) {
    for (let start = 0; start < line.length; ) {
      let end = start;
      while (end < line.length && line[end] === line[start]) end++;
      if (end - start >= 5) runs += 3 + (end - start - 5);
      start = end;
    }
    const lightAt = (i: number) => i < 0 || i >= line.length || !line[i];
    const lightRun = (from: number) => [0, 1, 2, 3].every((k) => lightAt(from + k));
    for (let p = 0; p + 7 <= line.length; p++) {
      if (FINDER_LIKE.every((dark, k) => line[p + k] === dark) && (lightRun(p - 4) || lightRun(p + 7))) finderLike += 40;
    }
  }
  let blocks = 0;
  for (let r = 0; r + 1 < height; r++) {
    for (let c = 0; c + 1 < width; c++) {
      const colour = modules[r]![c];
      if (modules[r]![c + 1] === colour && modules[r + 1]![c] === colour && modules[r + 1]![c + 1] === colour) blocks += 3;
    }
  }
  const total = height * width;
  const dark = modules.reduce((sum, row) => sum + row.filter(Boolean).length, 0);
  // Deviation in 5 % steps, whole steps past the first: 45–55 % costs nothing, 40–45 % and 55–60 % cost 10.
  const balance = total === 0 ? 0 : 10 * Math.max(0, Math.ceil(Math.abs(dark * 20 - total * 10) / total) - 1);
  return { runs, blocks, finderLike, balance, total: runs + blocks + finderLike + balance };
}

export interface QrOptions {
  /** Use this mask instead of the one with the lowest penalty (for tests and comparisons). */
  mask?: number;
}

/** The smallest version 1–10 QR code at level M holding `text` (UTF-8) or the bytes given, in byte mode. */
export function encodeQr(text: string | Uint8Array, opts: QrOptions = {}): QrCode {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  let version = 1;
  while (version <= QR_MAX_VERSION && qrByteCapacity(version) < bytes.length) version++;
  if (version > QR_MAX_VERSION) throw new QrCapacityError(bytes.length);
  if (opts.mask !== undefined && !(Number.isInteger(opts.mask) && opts.mask >= 0 && opts.mask <= 7)) {
    throw new RangeError(`Cannot encode a QR code with mask ${opts.mask}: masks are numbered 0 to 7`);
  }
  const base = functionPatterns(version);
  placeCodewords(base, finalCodewords(dataStream(bytes, version), version));
  let best: { mask: number; grid: Grid; penalty: number } | undefined;
  for (const mask of opts.mask === undefined ? [0, 1, 2, 3, 4, 5, 6, 7] : [opts.mask]) {
    const grid = applyMask(base, mask);
    const penalty = qrPenalty(grid.dark).total;
    if (!best || penalty < best.penalty) best = { mask, grid, penalty };
  }
  return { version, size: base.size, mask: best!.mask, modules: best!.grid.dark };
}
