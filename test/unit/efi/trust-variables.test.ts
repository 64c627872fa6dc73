/**
 * Which copies of db, dbx, MokListRT, MokListXRT and SbatLevelRT count (docs/trust.md §3), for every variable
 * and every way it can be found: volatile as shim makes it, non-volatile as any root user can make it,
 * non-volatile and authenticated as the firmware's databases are, and with the kernel's MOK table present.
 */
import { describe, expect, test } from "bun:test";
import { decideTrustVariable, type TrustVariableName } from "../../../src/efi/trust-variables.ts";

const VOLATILE = 0x6; // boot-service and runtime access: shim's
const NV = 0x7; // what any root user of a booted system can create
const NV_AUTH = 0x27; // non-volatile and time-based authenticated: the firmware's db and dbx

const EFIVAR = Uint8Array.from([1, 1, 1]);
const TABLE = Uint8Array.from([2, 2, 2]);
const path = (name: string) => `/sys/firmware/efi/efivars/${name}-guid`;

type Found = "volatile" | "nv" | "nv-auth";
/** What counts, in order: the efivarfs copy, the table's, or nothing; and whether a sentence is reported. */
type Expected = { copies: ("efivarfs" | "table")[]; reported: boolean };

const anchorShim: Record<Found, Expected> = {
  volatile: { copies: ["efivarfs"], reported: false },
  nv: { copies: [], reported: true },
  "nv-auth": { copies: [], reported: true },
};
const revocationShim: Record<Found, Expected> = {
  volatile: { copies: ["efivarfs"], reported: false },
  nv: { copies: ["efivarfs"], reported: true },
  "nv-auth": { copies: ["efivarfs"], reported: true },
};
const EXPECTED: Record<TrustVariableName, { alone: Record<Found, Expected>; withTable: Record<Found, Expected> }> = {
  MokListRT: {
    alone: anchorShim,
    // The table's copy is preferred; a volatile efivarfs copy is shim's mirror of it.
    withTable: {
      volatile: { copies: ["table"], reported: false },
      nv: { copies: ["table"], reported: true },
      "nv-auth": { copies: ["table"], reported: true },
    },
  },
  MokListXRT: {
    alone: revocationShim,
    // More revocation is always safe: a non-volatile copy is honoured beside the table's.
    withTable: {
      volatile: { copies: ["table"], reported: false },
      nv: { copies: ["table", "efivarfs"], reported: true },
      "nv-auth": { copies: ["table", "efivarfs"], reported: true },
    },
  },
  SbatLevelRT: {
    alone: revocationShim,
    withTable: {
      volatile: { copies: ["table"], reported: false },
      nv: { copies: ["table", "efivarfs"], reported: true },
      "nv-auth": { copies: ["table", "efivarfs"], reported: true },
    },
  },
  db: {
    alone: { volatile: { copies: [], reported: true }, nv: { copies: [], reported: true }, "nv-auth": { copies: ["efivarfs"], reported: false } },
    // The table never carries the firmware's databases.
    withTable: { volatile: { copies: [], reported: true }, nv: { copies: [], reported: true }, "nv-auth": { copies: ["efivarfs"], reported: false } },
  },
  dbx: {
    alone: {
      volatile: { copies: ["efivarfs"], reported: true },
      nv: { copies: ["efivarfs"], reported: true },
      "nv-auth": { copies: ["efivarfs"], reported: false },
    },
    withTable: {
      volatile: { copies: ["efivarfs"], reported: true },
      nv: { copies: ["efivarfs"], reported: true },
      "nv-auth": { copies: ["efivarfs"], reported: false },
    },
  },
};

const ATTRIBUTES: Record<Found, number> = { volatile: VOLATILE, nv: NV, "nv-auth": NV_AUTH };

describe("decideTrustVariable()", () => {
  const rows = Object.entries(EXPECTED).flatMap(([name, e]) =>
    (["volatile", "nv", "nv-auth"] as const).flatMap((found) => [
      [name, found, "no MOK table", e.alone[found]] as const,
      [name, found, "the MOK table present", e.withTable[found]] as const,
    ]),
  );
  test.each(rows)("%s found %s, %s", (name, found, table, expected) => {
    const d = decideTrustVariable({
      name: name as TrustVariableName,
      path: path(name),
      efivar: { attributes: ATTRIBUTES[found], data: EFIVAR },
      ...(table === "no MOK table" ? {} : { mokTable: TABLE }),
    });
    expect(d.copies.map((c) => (c.data === TABLE ? "table" : "efivarfs"))).toEqual(expected.copies);
    expect(d.problems.length > 0).toBe(expected.reported);
  });

  test("only the table, or nothing at all", () => {
    expect(decideTrustVariable({ name: "MokListRT", path: path("MokListRT"), efivar: undefined, mokTable: TABLE }).copies).toEqual([
      { data: TABLE, from: "mok-table", label: "MokListRT" },
    ]);
    expect(decideTrustVariable({ name: "MokListRT", path: path("MokListRT"), efivar: undefined, mokTable: null })).toEqual({ copies: [], problems: [] });
    // A table without the entry leaves a volatile efivarfs copy to count: only boot-time code can create one.
    expect(
      decideTrustVariable({ name: "MokListRT", path: path("MokListRT"), efivar: { attributes: VOLATILE, data: EFIVAR }, mokTable: null }).copies.map(
        (c) => c.from,
      ),
    ).toEqual(["efivarfs"]);
  });

  test("a volatile copy without runtime access is not shim's either", () => {
    const d = decideTrustVariable({ name: "MokListRT", path: path("MokListRT"), efivar: { attributes: 0x4, data: EFIVAR } });
    expect(d.copies).toEqual([]);
    expect(d.problems).toEqual([
      `Ignoring the MokListRT variable for trust anchors: "${path("MokListRT")}" has attributes 0x4, not shim's volatile boot-service and runtime access (0x6); to trust a key, enroll it with mokutil (shim) or in db`,
    ]);
  });

  test("the sentences name the variable, what is wrong, that anchors ignore it or revocations keep it, and what to do", () => {
    const mok = decideTrustVariable({ name: "MokListRT", path: path("MokListRT"), efivar: { attributes: NV, data: EFIVAR } });
    expect(mok.problems).toEqual([
      `Ignoring the MokListRT variable for trust anchors: "${path("MokListRT")}" is non-volatile (attributes 0x7), so any root user of a booted system could have written it, while shim creates it volatile at every boot; to trust a key, enroll it with mokutil (shim) or in db`,
    ]);
    const mokx = decideTrustVariable({ name: "MokListXRT", path: path("MokListXRT"), efivar: { attributes: NV, data: EFIVAR }, mokTable: TABLE });
    expect(mokx.copies.map((c) => c.label)).toEqual(["MokListXRT", "MokListXRT (efivarfs copy)"]);
    expect(mokx.problems).toEqual([
      `The MokListXRT variable "${path("MokListXRT")}" is non-volatile (attributes 0x7), so any root user of a booted system could have written it, while shim creates it volatile at every boot; it is still honoured, because more revocation is always safe, but if it refuses images it should not, delete that file on a booted system`,
    ]);
    const db = decideTrustVariable({ name: "db", path: path("db"), efivar: { attributes: NV, data: EFIVAR } });
    expect(db.problems).toEqual([
      `Ignoring the db variable for trust anchors: "${path("db")}" has attributes 0x7, without time-based authenticated write access (0x20), so it is not the firmware's authenticated signature database and whoever wrote it chose its contents; check the Secure Boot keys in the firmware setup`,
    ]);
    const dbx = decideTrustVariable({ name: "dbx", path: path("dbx"), efivar: { attributes: VOLATILE, data: EFIVAR } });
    expect(dbx.problems[0]).toStartWith(
      `The dbx variable "${path("dbx")}" has attributes 0x6, without non-volatile (0x1) and time-based authenticated write access (0x20), so it is not the firmware's authenticated signature database and whoever wrote it chose its contents; it is still honoured, because more revocation is always safe`,
    );
  });
});
