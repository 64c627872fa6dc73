/**
 * Reads what this boot knows about Secure Boot (docs/trust.md §2): boot_params.secure_boot, the SecureBoot
 * variable and the kernel's lockdown, and hands them to the one decision (src/trust/secure-boot-state.ts).
 */
import { SecureBoot } from "../efi/loader-vars.ts";
import type { EfiVars, Sys } from "../ports/sys.ts";
import { bootParamsSecureBoot, decideSecureBoot, type SecureBootState, type SecureBootVariable } from "../trust/secure-boot-state.ts";
import { parseLockdown } from "../trust/verify-policy.ts";

function secureBootVariable(efivars: EfiVars): SecureBootVariable {
  if (!efivars.available) return { state: "unknown", why: `cannot be read: there is no efivarfs at "${efivars.location}"` };
  try {
    const v = efivars.read(SecureBoot);
    if (!v) return { state: "absent" };
    if (v.data.byteLength === 0) return { state: "unknown", why: "is empty" };
    return { state: v.data[0] !== 0 ? "on" : "off" };
  } catch (e) {
    return { state: "unknown", why: `cannot be read (${(e as Error).message})` };
  }
}

/** The Secure Boot state of this boot, from every source the kernel offers. */
export function readSecureBoot(sys: Sys): SecureBootState {
  const bootParams = sys.kernel.bootParams();
  const lockdown = sys.kernel.lockdown();
  return decideSecureBoot({
    efiBoot: sys.kernel.isEfiBoot(),
    bootParams: bootParams === null ? undefined : bootParamsSecureBoot(bootParams),
    variable: secureBootVariable(sys.efivars),
    lockdown: lockdown === null ? undefined : parseLockdown(lockdown),
  });
}
