/**
 * TPM 2.0 response codes and their names (TPM 2.0 Library Part 2 "Structures" docs/entries.md §6 TPM_RC), decoded
 * the way tpm2-tools' tpm2_rc_decode does: format-zero errors and warnings, and format-one errors that
 * name the handle, session or parameter at fault.
 */
import { BootError, hex } from "../errors.ts";

const RC_VER1 = 0x100;
const RC_FMT1 = 0x080;
const RC_WARN = 0x900;

/** Format-zero codes (VER1 errors and warnings), by full value. */
const FORMAT_ZERO: Record<number, [string, string]> = {
  0x000: ["TPM_RC_SUCCESS", "success"],
  0x01e: ["TPM_RC_BAD_TAG", "the command tag is not valid"],
  0x100: ["TPM_RC_INITIALIZE", "TPM not initialized by TPM2_Startup"],
  0x101: ["TPM_RC_FAILURE", "the TPM is in failure mode"],
  0x103: ["TPM_RC_SEQUENCE", "improper use of a sequence handle"],
  0x10b: ["TPM_RC_PRIVATE", "not currently used"],
  0x119: ["TPM_RC_HMAC", "not currently used"],
  0x120: ["TPM_RC_DISABLED", "the command is disabled"],
  0x121: ["TPM_RC_EXCLUSIVE", "the command failed because audit sequence required exclusivity"],
  0x124: ["TPM_RC_AUTH_TYPE", "authorization handle is not correct for the command"],
  0x125: ["TPM_RC_AUTH_MISSING", "the command requires an authorization session"],
  0x126: ["TPM_RC_POLICY", "the policy failure in math operation or an invalid authPolicy value"],
  0x127: ["TPM_RC_PCR", "PCR check fail"],
  0x128: ["TPM_RC_PCR_CHANGED", "the PCR have changed since checked"],
  0x12d: ["TPM_RC_UPGRADE", "the TPM is in field upgrade mode"],
  0x12e: ["TPM_RC_TOO_MANY_CONTEXTS", "context ID counter is at maximum"],
  0x12f: ["TPM_RC_AUTH_UNAVAILABLE", "authValue or authPolicy is not available for the selected entity"],
  0x130: ["TPM_RC_REBOOT", "a _TPM_Init and Startup(CLEAR) is required"],
  0x131: ["TPM_RC_UNBALANCED", "the protection algorithms are not reasonably balanced"],
  0x142: ["TPM_RC_COMMAND_SIZE", "command commandSize value is inconsistent with the contents of the command buffer"],
  0x143: ["TPM_RC_COMMAND_CODE", "the command code is not supported"],
  0x144: ["TPM_RC_AUTHSIZE", "the value of authorizationSize is out of range"],
  0x145: ["TPM_RC_AUTH_CONTEXT", "use of an authorization session with a context command"],
  0x146: ["TPM_RC_NV_RANGE", "NV offset + size is out of range"],
  0x147: ["TPM_RC_NV_SIZE", "requested allocation size is larger than allowed"],
  0x148: ["TPM_RC_NV_LOCKED", "NV access locked"],
  0x149: ["TPM_RC_NV_AUTHORIZATION", "NV access authorization fails"],
  0x14a: ["TPM_RC_NV_UNINITIALIZED", "the NV index has not been written"],
  0x14b: ["TPM_RC_NV_SPACE", "insufficient space for NV allocation"],
  0x14c: ["TPM_RC_NV_DEFINED", "NV index or persistent object already defined"],
  0x150: ["TPM_RC_BAD_CONTEXT", "context in TPM2_ContextLoad() is not valid"],
  0x151: ["TPM_RC_CPHASH", "cpHash value already set or not correct for use"],
  0x152: ["TPM_RC_PARENT", "handle for parent is not a valid parent"],
  0x153: ["TPM_RC_NEEDS_TEST", "some function needs testing"],
  0x154: ["TPM_RC_NO_RESULT", "an internal function cannot process a request due to an unspecified problem"],
  0x155: ["TPM_RC_SENSITIVE", "the sensitive area did not unmarshal correctly after decryption"],
  0x901: ["TPM_RC_CONTEXT_GAP", "gap for context ID is too large"],
  0x902: ["TPM_RC_OBJECT_MEMORY", "out of memory for object contexts"],
  0x903: ["TPM_RC_SESSION_MEMORY", "out of memory for session contexts"],
  0x904: ["TPM_RC_MEMORY", "out of shared object/session memory or need space for internal operations"],
  0x905: ["TPM_RC_SESSION_HANDLES", "out of session handles"],
  0x906: ["TPM_RC_OBJECT_HANDLES", "out of object handles"],
  0x907: ["TPM_RC_LOCALITY", "bad locality"],
  0x908: ["TPM_RC_YIELDED", "the TPM has suspended operation on the command"],
  0x909: ["TPM_RC_CANCELED", "the command was canceled"],
  0x90a: ["TPM_RC_TESTING", "the TPM is performing self-tests"],
  0x920: ["TPM_RC_NV_RATE", "the TPM is rate-limiting accesses to prevent wearout of NV"],
  0x921: ["TPM_RC_LOCKOUT", "authorizations for objects subject to DA protection are not allowed at this time"],
  0x922: ["TPM_RC_RETRY", "the TPM was not able to start the command"],
  0x923: ["TPM_RC_NV_UNAVAILABLE", "the command may require writing of NV and NV is not currently accessible"],
};

/** Format-one error numbers (low 6 bits), named with RC_FMT1 added. */
const FORMAT_ONE: Record<number, [string, string]> = {
  0x01: ["TPM_RC_ASYMMETRIC", "asymmetric algorithm not supported or not correct"],
  0x02: ["TPM_RC_ATTRIBUTES", "inconsistent attributes"],
  0x03: ["TPM_RC_HASH", "hash algorithm not supported or not appropriate"],
  0x04: ["TPM_RC_VALUE", "value is out of range or is not correct for the context"],
  0x05: ["TPM_RC_HIERARCHY", "hierarchy is not enabled or is not correct for the use"],
  0x07: ["TPM_RC_KEY_SIZE", "key size is not supported"],
  0x08: ["TPM_RC_MGF", "mask generation function not supported"],
  0x09: ["TPM_RC_MODE", "mode of operation not supported"],
  0x0a: ["TPM_RC_TYPE", "the type of the value is not appropriate for the use"],
  0x0b: ["TPM_RC_HANDLE", "the handle is not correct for the use"],
  0x0c: ["TPM_RC_KDF", "unsupported key derivation function"],
  0x0d: ["TPM_RC_RANGE", "value was out of allowed range"],
  0x0e: ["TPM_RC_AUTH_FAIL", "the authorization HMAC check failed and DA counter incremented"],
  0x0f: ["TPM_RC_NONCE", "invalid nonce size or nonce value mismatch"],
  0x10: ["TPM_RC_PP", "authorization requires assertion of PP"],
  0x12: ["TPM_RC_SCHEME", "unsupported or incompatible scheme"],
  0x15: ["TPM_RC_SIZE", "structure is the wrong size"],
  0x16: ["TPM_RC_SYMMETRIC", "unsupported symmetric algorithm or key size, or not appropriate for instance"],
  0x17: ["TPM_RC_TAG", "incorrect structure tag"],
  0x18: ["TPM_RC_SELECTOR", "union selector is incorrect"],
  0x1a: ["TPM_RC_INSUFFICIENT", "the TPM was unable to unmarshal a value because there were not enough octets in the input buffer"],
  0x1b: ["TPM_RC_SIGNATURE", "the signature is not valid"],
  0x1c: ["TPM_RC_KEY", "key fields are not compatible with the selected use"],
  0x1d: ["TPM_RC_POLICY_FAIL", "a policy check failed"],
  0x1f: ["TPM_RC_INTEGRITY", "integrity check failed"],
  0x20: ["TPM_RC_TICKET", "invalid ticket"],
  0x21: ["TPM_RC_RESERVED_BITS", "reserved bits not set to zero as required"],
  0x22: ["TPM_RC_BAD_AUTH", "authorization failure without DA implications"],
  0x23: ["TPM_RC_EXPIRED", "the policy has expired"],
  0x24: ["TPM_RC_POLICY_CC", "the commandCode in the policy is not the commandCode of the command"],
  0x25: ["TPM_RC_BINDING", "public and sensitive portions of an object are not cryptographically bound"],
  0x26: ["TPM_RC_CURVE", "curve not supported"],
  0x27: ["TPM_RC_ECC_POINT", "point is not on the required curve"],
};

export interface DecodedResponseCode {
  code: number;
  /** "TPM_RC_VALUE", or "TPM_RC_0x…" when unknown. */
  name: string;
  /** What the specification says the code means. */
  text: string;
  /** For format-one codes: which handle, session or parameter (1-based) the TPM blames. */
  subject?: string;
}

/** Names a response code. @example decodeResponseCode(0x1c4).name // "TPM_RC_VALUE" (parameter 1) */
export function decodeResponseCode(code: number): DecodedResponseCode {
  if (code & RC_FMT1) {
    const [name, text] = FORMAT_ONE[code & 0x3f] ?? [`TPM_RC_${hex(RC_FMT1 | (code & 0x3f))}`, "unknown format-one error"];
    const n = (code >> 8) & 0xf;
    const subject = code & 0x40 ? `parameter ${n}` : n & 0x8 ? `session ${n - 8}` : n ? `handle ${n}` : undefined;
    return subject ? { code, name, text, subject } : { code, name, text };
  }
  const known = FORMAT_ZERO[code & 0xfff];
  if (known && (code & ~0xfff) === 0) return { code, name: known[0], text: known[1] };
  if ((code & RC_VER1) === 0 && code !== 0) return { code, name: `TPM_RC_${hex(code)}`, text: "a TPM 1.2 or vendor response code" };
  if ((code & RC_WARN) === RC_WARN) return { code, name: `TPM_RC_${hex(code)}`, text: "unknown warning" };
  return { code, name: `TPM_RC_${hex(code)}`, text: "unknown error" };
}

/** A TPM command that the TPM answered with a non-success response code. */
export class TpmResponseError extends BootError {
  override name = "TpmResponseError";
  readonly code: number;
  readonly codeName: string;
  constructor(
    readonly command: string,
    code: number,
  ) {
    const d = decodeResponseCode(code);
    super(
      `Cannot run ${command} on the TPM: it answered ${d.name} (${hex(code)}: ${d.text}${d.subject ? `, ${d.subject}` : ""})`,
      "Check the TPM in the firmware setup, or clear it there",
    );
    this.code = code;
    this.codeName = d.name;
  }
}
