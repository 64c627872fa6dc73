/**
 * Strict decoding of the small text sections (.osrel .cmdline .uname .profile .sbat) for listing and
 * inspection: UTF-8, no NUL inside (style guide §6.6, after systemd's bootspec.c). Zero-fill at the end
 * (VirtualSize larger than the text) is allowed, because C(s) has it.
 */
import { FormatError } from "../errors.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes `bytes` (file bytes or C(s)) as text.
 * @throws FormatError when the text has a NUL before its trailing zero fill, or is not valid UTF-8
 * @example decodeSectionText(new TextEncoder().encode("ID=fedora\n"), { source: "a.efi", section: ".osrel" }) // "ID=fedora\n"
 */
export function decodeSectionText(bytes: Uint8Array, opts: { source: string; section: string; offset?: number }): string {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  const body = bytes.subarray(0, end);
  const nul = body.indexOf(0);
  const where = (rel: number) => (opts.offset === undefined ? {} : { offset: opts.offset + rel });
  if (nul >= 0) {
    throw new FormatError(
      "uki",
      opts.source,
      `Cannot read section "${opts.section}" of "${opts.source}": it has a NUL byte at +0x${nul.toString(16)} before its end`,
      where(nul),
    );
  }
  try {
    return utf8.decode(body);
  } catch (cause) {
    throw new FormatError("uki", opts.source, `Cannot read section "${opts.section}" of "${opts.source}": it is not valid UTF-8`, { ...where(0), cause });
  }
}
