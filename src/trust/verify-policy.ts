/**
 * The signature policy: which mode applies (`ukiboot.verify=off|warn|enforce|strict`), what a signature
 * verdict is, and what each mode does with each verdict for a UKI and for an add-on
 * (docs/trust.md, docs/initrd.md §2 item 1).
 *
 * Precedence: `--verify` flag > `ukiboot.verify=` on the kernel command line > default. The default is
 * enforce when signatures rule the boot (Secure Boot on or taken to be on, or the kernel locked down:
 * secure-boot-state.ts decides), else warn. Then a weaker explicit mode is refused (docs/trust.md: ukiboot
 * MUST verify and fails closed); the refusal is reported as a problem.
 */

/**
 * `enforce`: nothing unverified boots (Type #1 kernels must be signed; their initrds and options cannot be).
 * `strict`: only whole signed UKIs boot: Type #1 `linux` entries and plain kernels are refused too.
 */
export type VerifyMode = "off" | "warn" | "enforce" | "strict";
const MODES: readonly VerifyMode[] = ["off", "warn", "enforce", "strict"];

/** Whether the mode refuses what does not verify (enforce or strict). */
export function isEnforcing(mode: VerifyMode): boolean {
  return mode === "enforce" || mode === "strict";
}

/** The kernel lockdown state, from /sys/kernel/security/lockdown. */
export type LockdownMode = "none" | "integrity" | "confidentiality";

/** The outcome of verifying one image's Authenticode signatures against the trust anchors. */
export type SignatureVerdict =
  /** A signature verified and chains to `anchor` (or the image digest is listed in db). */
  | { status: "verified"; signer: string; anchor: string }
  /** No certificate table at all. */
  | { status: "unsigned"; reason: string }
  /** A well-formed signature that chains to no anchor. */
  | { status: "untrusted"; reason: string }
  /** The image digest or a certificate of the signature is listed in dbx or MokListXRT. */
  | { status: "revoked"; reason: string }
  /** The signature is malformed, does not match the image, or does not verify. */
  | { status: "bad"; reason: string };

export type SignatureStatus = SignatureVerdict["status"];

export interface VerifyPolicy {
  mode: VerifyMode;
  /** Why this mode applies, for the log and `ukiboot inspect`. */
  explanation: string;
  /** Settings that were ignored, one sentence each. */
  problems: string[];
}

export interface VerifyPolicyInput {
  /** Value of `--verify`, if given. */
  flag?: string | undefined;
  /** Value of `ukiboot.verify=` on the boot kernel's command line, if given. */
  cmdlineValue?: string | undefined;
  /** Whether nothing weaker than enforce may apply, and why, as a clause: decideSecureBoot()'s answer. */
  platform: { signaturesRule: boolean; why: string };
}

export function parseVerifyMode(value: string): VerifyMode | undefined {
  return (MODES as readonly string[]).includes(value) ? (value as VerifyMode) : undefined;
}

/**
 * Decides the verification mode.
 * @example resolveVerifyPolicy({ platform: { signaturesRule: true, why: "Secure Boot is on" } }).mode // "enforce"
 */
export function resolveVerifyPolicy(input: VerifyPolicyInput): VerifyPolicy {
  const problems: string[] = [];
  const mustEnforce = input.platform.signaturesRule;
  const why = input.platform.why;

  let explicit: { mode: VerifyMode; from: string } | undefined;
  for (const [value, from] of [
    [input.flag, "--verify"],
    [input.cmdlineValue, "ukiboot.verify"],
  ] as const) {
    if (value === undefined) continue;
    const mode = parseVerifyMode(value);
    if (!mode) {
      problems.push(`Ignoring ${from}="${value}": expected off, warn, enforce or strict`);
      continue;
    }
    explicit ??= { mode, from };
  }

  if (explicit) {
    if (mustEnforce && !isEnforcing(explicit.mode)) {
      problems.push(`Ignoring ${explicit.from}=${explicit.mode}: ${why}, so signatures are enforced`);
      return { mode: "enforce", explanation: `enforce because ${why}`, problems };
    }
    return { mode: explicit.mode, explanation: `${explicit.mode} because ${explicit.from}=${explicit.mode}`, problems };
  }
  if (mustEnforce) return { mode: "enforce", explanation: `enforce because ${why}`, problems };
  return { mode: "warn", explanation: `warn because ${why}`, problems };
}

/**
 * Reads /sys/kernel/security/lockdown, where the active mode is the bracketed word:
 * "none [integrity] confidentiality". Returns undefined for text in another form.
 */
export function parseLockdown(text: string): LockdownMode | undefined {
  const m = /\[(none|integrity|confidentiality)\]/.exec(text);
  return m ? (m[1] as LockdownMode) : undefined;
}

/** Short words for a menu marker. */
export const VERDICT_MARKER: Record<SignatureStatus, string> = {
  verified: "signed",
  unsigned: "unsigned",
  untrusted: "untrusted signature",
  revoked: "revoked",
  bad: "bad signature",
};

const HINTS: Record<Exclude<SignatureStatus, "verified">, string> = {
  unsigned: "Sign the image with a key in db or MokListRT, or pass its certificate with --trust",
  untrusted: "Enroll the signing certificate in db or MokListRT, or pass it with --trust",
  revoked: "Choose another entry: this image or its signer is revoked by dbx",
  bad: "Reinstall the image: it was changed after signing or its signature is damaged",
};

/** What to do with a UKI entry. */
export interface UkiDecision {
  /** Whether the entry may be booted. */
  bootable: boolean;
  /** Whether the menu marks the entry (with VERDICT_MARKER of the verdict). */
  marked: boolean;
  /** For refusals and warnings: the reason, completing "Cannot boot <entry>: …". */
  reason?: string;
  hint?: string;
  severity: "none" | "warning" | "error";
}

/**
 * Applies the mode to a UKI's verdict. Under enforce an unverified UKI stays in the menu, marked, and
 * refuses to boot; under warn it boots with a warning; under off nothing is checked (`verdict` may be
 * undefined because nothing was verified).
 */
export function decideUki(verdict: SignatureVerdict | undefined, mode: VerifyMode): UkiDecision {
  if (mode === "off" || verdict === undefined) return { bootable: true, marked: false, severity: "none" };
  if (verdict.status === "verified") return { bootable: true, marked: false, severity: "none" };
  const hint = HINTS[verdict.status];
  if (isEnforcing(mode)) return { bootable: false, marked: true, reason: verdict.reason, hint, severity: "error" };
  return { bootable: true, marked: true, reason: verdict.reason, hint, severity: "warning" };
}

/** What to do with an add-on; `problem` is a complete sentence for the problems panel. */
export interface AddonDecision {
  use: boolean;
  problem?: string;
}

/**
 * Applies the mode to an add-on's verdict. Under enforce an unverified add-on is ignored, as
 * systemd-stub ignores add-ons that fail shim's verification; under warn it is used with a warning.
 */
export function decideAddon(verdict: SignatureVerdict | undefined, mode: VerifyMode, addonName: string): AddonDecision {
  if (mode === "off" || verdict === undefined || verdict.status === "verified") return { use: true };
  if (isEnforcing(mode)) return { use: false, problem: `Ignoring add-on "${addonName}": ${verdict.reason}` };
  return { use: true, problem: `Using add-on "${addonName}" although ${verdict.reason}` };
}
