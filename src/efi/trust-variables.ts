/**
 * Which copies of the firmware's trust variables count (docs/trust.md §3): an anchor is taken only from where
 * no root user of a booted system can write.
 *
 * - shim's `MokListRT`, `MokListXRT` and `SbatLevelRT` are volatile (boot-service and runtime access, never
 *   non-volatile): shim creates them at every boot, and after the firmware's boot services end nobody can
 *   create a volatile variable. A non-volatile variable of the same name is one anybody with root on any
 *   booted system could have written, shim or not in the chain. The kernel's MOK configuration table holds
 *   the same data and only boot-time code can install it, so its copy is preferred.
 * - `db` and `dbx` are the firmware's authenticated databases: non-volatile, and writable only with a
 *   signature by a key of KEK (time-based authenticated write access). Without that attribute a `db` is not
 *   the database the firmware checks against.
 *
 * A copy that does not qualify is set aside for anchors and reported. A revocation list that does not
 * qualify is still honoured and reported: more revocation is always safe, at worst it refuses too much.
 */
import {
  EFI_VARIABLE_BOOTSERVICE_ACCESS,
  EFI_VARIABLE_NON_VOLATILE,
  EFI_VARIABLE_RUNTIME_ACCESS,
  EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS,
  type EfiVariable,
} from "./efivar-codec.ts";

export type TrustVariableName = "db" | "dbx" | "MokListRT" | "MokListXRT" | "SbatLevelRT";

/** Anchors add trust; revocations take it away. */
export const TRUST_VARIABLE_ROLE: Record<TrustVariableName, "anchor" | "revocation"> = {
  db: "anchor",
  MokListRT: "anchor",
  dbx: "revocation",
  MokListXRT: "revocation",
  SbatLevelRT: "revocation",
};

/** shim's variables, which the MOK configuration table also carries. */
export function isShimVariable(name: TrustVariableName): boolean {
  return name === "MokListRT" || name === "MokListXRT" || name === "SbatLevelRT";
}

export interface TrustVariableReading {
  name: TrustVariableName;
  /** The variable's efivarfs file, for messages. */
  path: string;
  /** The efivarfs copy with its attributes; undefined when there is none. */
  efivar: EfiVariable | undefined;
  /**
   * shim's variables only: the MOK configuration table's entry. undefined when the kernel shows no table;
   * null when the table has no such entry.
   */
  mokTable?: Uint8Array | null;
}

export interface TrustVariableCopy {
  data: Uint8Array;
  from: "efivarfs" | "mok-table";
  /** How verdicts and messages name it: the variable's name, with what is odd about it when it is a second copy. */
  label: string;
}

export interface TrustVariableDecision {
  /** The copies that count, the preferred first. A revocation may have two: the table's and a non-volatile one. */
  copies: TrustVariableCopy[];
  /** One sentence per copy set aside, or kept although it does not qualify. */
  problems: string[];
}

const hex = (n: number) => `0x${n.toString(16)}`;
const SHIM_ATTRIBUTES = EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS;
const DATABASE_ATTRIBUTES = EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS;

/** What is wrong with the efivarfs copy's attributes, as a clause after its path; undefined when nothing is. */
function attributeFault(r: TrustVariableReading, attributes: number): string | undefined {
  if (isShimVariable(r.name)) {
    if (attributes & EFI_VARIABLE_NON_VOLATILE) {
      return `is non-volatile (attributes ${hex(attributes)}), so any root user of a booted system could have written it, while shim creates it volatile at every boot`;
    }
    if ((attributes & SHIM_ATTRIBUTES) !== SHIM_ATTRIBUTES)
      return `has attributes ${hex(attributes)}, not shim's volatile boot-service and runtime access (${hex(SHIM_ATTRIBUTES)})`;
    return undefined;
  }
  const missing = [
    ...(attributes & EFI_VARIABLE_NON_VOLATILE ? [] : [`non-volatile (${hex(EFI_VARIABLE_NON_VOLATILE)})`]),
    ...(attributes & EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS
      ? []
      : [`time-based authenticated write access (${hex(EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS)})`]),
  ];
  if ((attributes & DATABASE_ATTRIBUTES) === DATABASE_ATTRIBUTES) return undefined;
  return `has attributes ${hex(attributes)}, without ${missing.join(" and ")}, so it is not the firmware's authenticated signature database and whoever wrote it chose its contents`;
}

/**
 * The copies of one variable that count, and why any other was set aside.
 * @example decideTrustVariable({ name: "MokListRT", path: "…/MokListRT-605dab50-…", efivar: { attributes: 7, data } }).copies // []
 */
export function decideTrustVariable(r: TrustVariableReading): TrustVariableDecision {
  const copies: TrustVariableCopy[] = [];
  const problems: string[] = [];
  const fromTable = isShimVariable(r.name) && r.mokTable instanceof Uint8Array ? r.mokTable : undefined;
  if (fromTable) copies.push({ data: fromTable, from: "mok-table", label: r.name });
  if (!r.efivar) return { copies, problems };
  const fault = attributeFault(r, r.efivar.attributes);
  if (fault === undefined) {
    // With the table's copy in hand, shim's volatile mirror in efivarfs holds the same data.
    if (!fromTable) copies.push({ data: r.efivar.data, from: "efivarfs", label: r.name });
    return { copies, problems };
  }
  if (TRUST_VARIABLE_ROLE[r.name] === "anchor") {
    const next = r.name === "db" ? "check the Secure Boot keys in the firmware setup" : "to trust a key, enroll it with mokutil (shim) or in db";
    problems.push(`Ignoring the ${r.name} variable for trust anchors: "${r.path}" ${fault}; ${next}`);
    return { copies, problems };
  }
  copies.push({ data: r.efivar.data, from: "efivarfs", label: fromTable ? `${r.name} (efivarfs copy)` : r.name });
  problems.push(
    `The ${r.name} variable "${r.path}" ${fault}; it is still honoured, because more revocation is always safe, but if it refuses images it should not, delete that file on a booted system`,
  );
  return { copies, problems };
}
