/**
 * A minimal QR reader for the unit tests: it reads an ideal module matrix (no image, no error correction)
 * back into bytes, so an encoder mistake shows without zbar. Written from ISO/IEC 18004:2015 apart from
 * src/totp/qr-code.ts (its own function-pattern map, zigzag walk and block table); it rejects what a real
 * decoder would have to correct: a format word that is not a valid BCH codeword, or a block whose Reed–Solomon
 * syndromes are not all zero.
 */

export class QrReadError extends Error {
  override name = "QrReadError";
}

/** Table 9, level M, versions 1–10: [blocks, data codewords, error correction codewords] per group. */
const BLOCK_TABLE: readonly (readonly (readonly [number, number, number])[])[] = [
  [[1, 16, 10]],
  [[1, 28, 16]],
  [[1, 44, 26]],
  [[2, 32, 18]],
  [[2, 43, 24]],
  [[4, 27, 16]],
  [[4, 31, 18]],
  [
    [2, 38, 22],
    [2, 39, 22],
  ],
  [
    [3, 36, 22],
    [2, 37, 22],
  ],
  [
    [4, 43, 26],
    [1, 44, 26],
  ],
];

/** Figure 25, copy beside the top-left finder: [row, column] of format bits 14 (first) down to 0. */
export function formatPositionsTopLeft(): [number, number][] {
  return [
    [8, 0],
    [8, 1],
    [8, 2],
    [8, 3],
    [8, 4],
    [8, 5],
    [8, 7],
    [8, 8],
    [7, 8],
    [5, 8],
    [4, 8],
    [3, 8],
    [2, 8],
    [1, 8],
    [0, 8],
  ];
}

/** Figure 25, the second copy: bits 14…8 up column 8 from the bottom, bits 7…0 along row 8 to the right edge. */
export function formatPositionsSplit(size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < 7; i++) out.push([size - 1 - i, 8]);
  for (let i = 0; i < 8; i++) out.push([8, size - 8 + i]);
  return out;
}

/** The 15 bits at `positions`, the first position the most significant. */
export function readBits(modules: boolean[][], positions: [number, number][]): number {
  return positions.reduce((v, [r, c]) => (v << 1) | (modules[r]![c] ? 1 : 0), 0);
}

/** The remainder of polynomial `value` over GF(2) divided by `generator`. */
export function gf2Mod(value: number, generator: number): number {
  const degree = 31 - Math.clz32(generator);
  for (let bit = 31 - Math.clz32(value); bit >= degree; bit--) if ((value >>> bit) & 1) value ^= generator << (bit - degree);
  return value;
}

const MASK_CONDITIONS: readonly ((i: number, j: number) => boolean)[] = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (_i, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i * j) % 3) + ((i + j) % 2)) % 2 === 0,
];

/** Modules that carry no codeword bits in `version`. */
function functionMap(version: number): boolean[][] {
  const size = 17 + 4 * version;
  const fn = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  const fill = (r0: number, c0: number, h: number, w: number) => {
    for (let r = r0; r < r0 + h; r++) for (let c = c0; c < c0 + w; c++) fn[r]![c] = true;
  };
  fill(0, 0, 9, 9); // finder, separator, format
  fill(0, size - 8, 9, 8);
  fill(size - 8, 0, 8, 9); // includes the dark module at (size − 8, 8)
  fill(6, 0, 1, size);
  fill(0, 6, size, 1);
  if (version >= 2) {
    const last = size - 7;
    const centres = version >= 7 ? [6, (6 + last) / 2, last] : [6, last];
    const inFinderCorner = (r: number, c: number) => (r === 6 && c === 6) || (r === 6 && c === last) || (r === last && c === 6);
    for (const r of centres) for (const c of centres) if (!inFinderCorner(r, c)) fill(r - 2, c - 2, 5, 5);
  }
  if (version >= 7) {
    fill(0, size - 11, 6, 3);
    fill(size - 11, 0, 3, 6);
  }
  return fn;
}

const EXP: number[] = [];
for (let i = 0, x = 1; i < 255; i++) {
  EXP.push(x);
  x = x & 0x80 ? ((x << 1) ^ 0x11d) & 0xff : x << 1;
}
const LOG = new Map(EXP.map((v, i) => [v, i]));
const mul = (a: number, b: number) => (a === 0 || b === 0 ? 0 : EXP[(LOG.get(a)! + LOG.get(b)!) % 255]!);

/** The codeword polynomial's values at α⁰ … α^(ecCount−1); all zero for an intact block. */
function syndromes(block: number[], ecCount: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ecCount; i++) out.push(block.reduce((acc, cw) => mul(acc, EXP[i]!) ^ cw, 0));
  return out;
}

export interface QrReading {
  version: number;
  mask: number;
  bytes: Uint8Array;
  /** The data codewords, deinterleaved, terminator and padding included. */
  dataCodewords: number[];
}

export function readQr(modules: boolean[][]): QrReading {
  const size = modules.length;
  const version = (size - 17) / 4;
  if (!Number.isInteger(version) || version < 1 || version > 10) throw new QrReadError(`no version has ${size} modules a side`);
  const format = readBits(modules, formatPositionsTopLeft());
  if (gf2Mod(format ^ 0x5412, 0x537) !== 0) throw new QrReadError(`format word ${format.toString(2)} is not a BCH codeword`);
  const level = (format ^ 0x5412) >>> 13;
  if (level !== 0b00) throw new QrReadError(`error correction level bits ${level.toString(2)}, not M`);
  const mask = ((format ^ 0x5412) >>> 10) & 7;

  const fn = functionMap(version);
  const bits: number[] = [];
  let upward = true;
  for (let c = size - 1; c > 0; c -= 2) {
    if (c === 6) c--; // the vertical timing column is skipped whole
    for (let k = 0; k < size; k++) {
      const r = upward ? size - 1 - k : k;
      for (const cc of [c, c - 1]) {
        if (fn[r]![cc]) continue;
        bits.push((modules[r]![cc] ? 1 : 0) ^ (MASK_CONDITIONS[mask]!(r, cc) ? 1 : 0));
      }
    }
    upward = !upward;
  }
  const codewords: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) codewords.push(bits.slice(i, i + 8).reduce((v, b) => (v << 1) | b, 0));

  const shapes = BLOCK_TABLE[version - 1]!.flatMap(([n, data, ec]) => Array.from({ length: n }, () => ({ data, ec })));
  const blocks = shapes.map(() => [] as number[]);
  let next = 0;
  const maxData = Math.max(...shapes.map((s) => s.data));
  for (let i = 0; i < maxData; i++) shapes.forEach((s, b) => i < s.data && blocks[b]!.push(codewords[next++]!));
  for (let i = 0; i < shapes[0]!.ec; i++) shapes.forEach((_, b) => blocks[b]!.push(codewords[next++]!));
  if (next !== codewords.length) throw new QrReadError(`${codewords.length} codewords in the symbol, the table accounts for ${next}`);
  const dataCodewords: number[] = [];
  blocks.forEach((block, b) => {
    if (syndromes(block, shapes[b]!.ec).some((s) => s !== 0)) throw new QrReadError(`block ${b} fails its Reed–Solomon check`);
    dataCodewords.push(...block.slice(0, shapes[b]!.data));
  });

  const stream = dataCodewords.flatMap((cw) => [7, 6, 5, 4, 3, 2, 1, 0].map((i) => (cw >>> i) & 1));
  let p = 0;
  const take = (n: number) => {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | stream[p++]!;
    return v;
  };
  const mode = take(4);
  if (mode !== 0b0100) throw new QrReadError(`mode indicator ${mode.toString(2)}, not byte mode`);
  const count = take(version >= 10 ? 16 : 8);
  const bytes = new Uint8Array(count);
  for (let i = 0; i < count; i++) bytes[i] = take(8);
  return { version, mask, bytes, dataCodewords };
}
