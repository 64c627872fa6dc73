/**
 * UKIs and add-ons for the parser and listing tests, written by test/support/uki-writer.ts into one scratch
 * directory per test process, each once per spec. test/integration/support/ukify-fixtures.ts builds the same
 * specs with the real ukify and systemd-stub for the tests that compare with them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fakeKernel, writeAddon, writeUki, type UkiParts } from "./uki-writer.ts";

export { fakeKernel };

/** A profile joined into a multi-profile UKI (`ukify build --join-profile`). */
export interface ProfileSpec {
  /** `.profile` text, e.g. "ID=reset\nTITLE=Factory reset". */
  profile: string;
  cmdline?: string;
  osRelease?: string;
  uname?: string;
  initrd?: string;
}

export interface UkiSpec {
  /** Size of the fake kernel in bytes (default 4096). */
  linux?: number;
  osRelease?: string;
  cmdline?: string;
  /** `.uname`; "6.12.0-fake" by default, as ukify needs one for a kernel it cannot read. */
  uname?: string;
  /** `.initrd` contents. */
  initrd?: string;
  /** `.ucode` contents. */
  ucode?: string;
  /** The base `.profile` (profile 0) of a multi-profile UKI. */
  profile?: string;
  /** Further profiles, joined in order as profiles 1, 2, … */
  profiles?: ProfileSpec[];
  /** Extra sections, `--section NAME:TEXT`; as pairs, a name may repeat. */
  sections?: Record<string, string> | [string, string][];
}

export interface AddonSpec {
  cmdline?: string;
  uname?: string;
  initrd?: string;
  ucode?: string;
  sections?: Record<string, string>;
}

let scratch: string | undefined;
const written = new Map<string, string>();

function cached(kind: string, spec: unknown, make: () => Uint8Array): string {
  const key = `${kind}:${JSON.stringify(spec)}`;
  let path = written.get(key);
  if (!path) {
    scratch ??= mkdtempSync(join(tmpdir(), "uki-fixtures-"));
    path = join(scratch, `${kind}-${written.size}.efi`);
    writeFileSync(path, make());
    written.set(key, path);
  }
  return path;
}

const pairs = (sections: UkiSpec["sections"]): [string, string][] => (Array.isArray(sections) ? sections : Object.entries(sections ?? {}));

/**
 * Writes (or reuses) a UKI; returns its path.
 * @example await buildUki({ osRelease: "ID=acme\nPRETTY_NAME=\"Acme OS\"\n", cmdline: "quiet" })
 */
export async function buildUki(spec: UkiSpec): Promise<string> {
  return cached("uki", spec, () =>
    writeUki({
      linux: fakeKernel(spec.linux ?? 4096),
      osRelease: spec.osRelease,
      cmdline: spec.cmdline,
      uname: spec.uname ?? "6.12.0-fake",
      initrd: spec.initrd,
      ucode: spec.ucode,
      profile: spec.profile,
      sections: pairs(spec.sections),
      profiles: spec.profiles?.map((p): UkiParts => ({ ...p })),
    }),
  );
}

/**
 * Writes (or reuses) an add-on; returns its path.
 * @example await buildAddon({ cmdline: "debug" })
 */
export async function buildAddon(spec: AddonSpec): Promise<string> {
  return cached("addon", spec, () => writeAddon({ ...spec, sections: pairs(spec.sections) }));
}

/** The bytes of a written fixture. */
export function fixtureBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
