/**
 * The command-line rule (docs/trust.md §5) as a matrix, through the real planning path `ukiboot plan` takes
 * (planAndCheck), the menu's `e` (menuView) and `ukiboot kdump` (loadCrashKernel): every kind of entry ×
 * every verification mode × Secure Boot on and off × every way a line other than the image's own could get
 * in. The expectations come from the table in this file, not from the code under test, so a second decision
 * anywhere in the flow shows as a failing case named after the hole it opens.
 *
 * The UKI (around a stand-in kernel) and the plain kernel are signed by the trust fixtures' db key
 * (test/support/trust-fixtures.ts).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSession, type BootSession } from "../../../src/flow/boot-session.ts";
import { loadCrashKernel } from "../../../src/flow/load-crash-kernel.ts";
import { planAndCheck, type LoadOptions } from "../../../src/flow/load-entry.ts";
import { menuView } from "../../../src/flow/menu-view.ts";
import { parseKdumpConfig } from "../../../src/kdump/kdump-config.ts";
import type { MenuEntry } from "../../../src/ports/menu.ts";
import { FLOW_INITRD, FLOW_KERNEL } from "../../support/flow-esp.ts";
import { writeUki } from "../../support/uki-writer.ts";
import { signImage } from "../../support/authenticode-signer.ts";
import { fakeSys, type FakeSys } from "../../support/fake-sys.ts";
import { trustFixtures, type TrustFixtures } from "../../support/trust-fixtures.ts";

const GLOBAL = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
const SERVER = "http://boot.test";
const KDUMP = parseKdumpConfig("", "kdump.conf").config;

/** The UKI's own, signed `.cmdline`. */
const SIGNED = "console=ttyS0 signed=1";
/** What an entry file that anyone with write access to the ESP can change says. */
const OPTIONS = "console=ttyS0 init=/bin/sh";
/** What a person types in the editor or gives with --cmdline, and what --append adds. */
const EDITED = "console=ttyS0 edited=1";
const APPENDED = "appended=1";

type Mode = "off" | "warn" | "enforce" | "strict";
type Source = "options" | "e" | "--cmdline" | "--append" | "kdump";

interface Kind {
  /** How the case names the entry. */
  title: string;
  /** Its id in the menu. */
  id: string;
  /** Whether the image that boots is a UKI with a `.cmdline`: the one fact the rule decides on. */
  signedCmdline: boolean;
  /** A kernel with separate initrds and options: strict refuses it whatever its line. */
  plainKernel: boolean;
  /** The entry's own line when nothing overrides it: what --append adds to. */
  ownLine: string;
  /** Where the line can come from for this kind (a Type #2 entry has no options; a network UKI no kdump). */
  sources: readonly Source[];
}

const ALL: readonly Source[] = ["options", "e", "--cmdline", "--append", "kdump"];
const KINDS: readonly Kind[] = [
  { title: "Type #2 UKI", id: "app.efi", signedCmdline: true, plainKernel: false, ownLine: SIGNED, sources: ["e", "--cmdline", "--append", "kdump"] },
  { title: "uki entry naming a signed UKI", id: "uki-app.conf", signedCmdline: true, plainKernel: false, ownLine: OPTIONS, sources: ALL },
  { title: "efi entry naming a signed UKI", id: "efi-app.conf", signedCmdline: true, plainKernel: false, ownLine: OPTIONS, sources: ALL },
  {
    title: "uki-url entry naming a signed UKI",
    id: "net-app.conf",
    signedCmdline: true,
    plainKernel: false,
    ownLine: OPTIONS,
    sources: ["options", "e", "--cmdline", "--append"],
  },
  {
    title: "efi entry naming a signed kernel without .cmdline",
    id: "efi-kernel.conf",
    signedCmdline: false,
    plainKernel: true,
    ownLine: OPTIONS,
    sources: ALL,
  },
  { title: "linux entry naming a signed kernel", id: "linux.conf", signedCmdline: false, plainKernel: true, ownLine: OPTIONS, sources: ALL },
];
const MODES: readonly Mode[] = ["off", "warn", "enforce", "strict"];

/** What must happen, by the table of docs/trust.md §5. */
type Outcome = { boots: string } | { refused: RegExp };

function expected(kind: Kind, mode: Mode, secureBoot: boolean, source: Source): { outcome: Outcome; editable: boolean; says: string } {
  // Under Secure Boot a weaker mode is not accepted: enforce applies (docs/trust.md §2).
  const effective = secureBoot && (mode === "off" || mode === "warn") ? "enforce" : mode;
  const signaturesRule = secureBoot || effective === "enforce" || effective === "strict";
  const imageLineWins = kind.signedCmdline && signaturesRule;
  if (kind.plainKernel && effective === "strict") {
    return {
      outcome: { refused: /under strict verification: it is a kernel with separate initrds and options/ },
      editable: true,
      says: "refused: strict boots only whole signed UKIs",
    };
  }
  if (imageLineWins) {
    if (source === "options") return { outcome: { boots: SIGNED }, editable: false, says: "the signed line boots" };
    if (source === "kdump")
      return {
        outcome: { refused: /its signed command line may not change/ },
        editable: false,
        says: "refused: no signed kdump add-on to carry the crash options",
      };
    return {
      outcome: { refused: /^Cannot change the command line of ".*": .*its UKI's signed \.cmdline is what boots/ },
      editable: false,
      says: "refused: the signed line is what boots",
    };
  }
  const line = source === "options" ? kind.ownLine : source === "--append" ? `${kind.ownLine} ${APPENDED}` : source === "kdump" ? kind.ownLine : EDITED;
  const says = source === "options" ? "the options boot" : source === "kdump" ? "the line is rewritten for the crash kernel" : "the changed line boots";
  return { outcome: { boots: line }, editable: true, says };
}

let f: TrustFixtures;
let esp = "";
let served: Record<string, string> = {};

beforeAll(async () => {
  f = await trustFixtures();
  const dir = mkdtempSync(join(tmpdir(), "cmdline-rule-"));
  esp = join(dir, "esp");
  mkdirSync(join(esp, "EFI/Linux"), { recursive: true });
  mkdirSync(join(esp, "loader/entries"), { recursive: true });
  const unsigned = writeUki({ linux: FLOW_KERNEL, initrd: FLOW_INITRD, cmdline: SIGNED, uname: "6.1.0-rule", osRelease: 'ID=rule\nPRETTY_NAME="Rule OS"\n' });
  writeFileSync(join(esp, "EFI/Linux/app.efi"), signImage(unsigned, f.certificates.db));
  cpSync(f.kernel.db, join(esp, "vmlinuz.efi"));
  const entry = (name: string, key: string) => writeFileSync(join(esp, "loader/entries", name), `title ${name}\n${key}\noptions ${OPTIONS}\n`);
  entry("uki-app.conf", "uki /EFI/Linux/app.efi");
  entry("efi-app.conf", "efi /EFI/Linux/app.efi");
  entry("net-app.conf", `uki-url ${SERVER}/app.efi`);
  entry("efi-kernel.conf", "efi /vmlinuz.efi");
  entry("linux.conf", "linux /vmlinuz.efi");
  served = { [`${SERVER}/app.efi`]: join(esp, "EFI/Linux/app.efi") };
}, 300_000);

function efivars(secureBoot: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "cmdline-rule-efivars-"));
  if (secureBoot) writeFileSync(join(dir, `SecureBoot-${GLOBAL}`), Uint8Array.from([6, 0, 0, 0, 1]));
  return dir;
}

interface Setting {
  sys: FakeSys;
  session: BootSession;
  menu: MenuEntry[];
}
const settings = new Map<string, Promise<Setting>>();

/** One session (and one menu) per mode and firmware state, shared by every case that needs it. */
function setting(mode: Mode, secureBoot: boolean, lockdown?: string): Promise<Setting> {
  const key = `${mode} ${secureBoot} ${lockdown ?? ""}`;
  let s = settings.get(key);
  if (!s) {
    s = (async () => {
      const sys = fakeSys({ efivarfs: efivars(secureBoot), served, ...(lockdown !== undefined ? { lockdown } : {}) });
      const session = await openSession(sys, { esp }, { verifyFlag: mode, trustFiles: [f.keys.db.crt], network: { mode: "dhcp" } });
      return { sys, session, menu: await (await menuView(sys, session, 100)).details() };
    })();
    settings.set(key, s);
  }
  return s;
}

/** The line that would be loaded for `source`, or the refusal's message. */
async function attempt(s: Setting, id: string, source: Source): Promise<{ boots: string } | { refused: string }> {
  const entry = s.session.discovery.entries.find((e) => e.id === id);
  if (!entry) throw new Error(`Internal error: the test ESP has no entry "${id}"`);
  try {
    if (source === "kdump") {
      const k = await loadCrashKernel(s.sys, s.session, { config: KDUMP, entryId: id, dryRun: true });
      return { boots: k.plan.cmdline };
    }
    const opts: LoadOptions = source === "e" || source === "--cmdline" ? { editedCmdline: EDITED } : source === "--append" ? { append: APPENDED } : {};
    return { boots: (await planAndCheck(s.sys, s.session, entry, opts)).plan.cmdline };
  } catch (e) {
    return { refused: (e as Error).message };
  }
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const cases = KINDS.flatMap((kind) =>
  MODES.flatMap((mode) =>
    [true, false].flatMap((secureBoot) =>
      kind.sources.map((source) => {
        const want = expected(kind, mode, secureBoot, source);
        return { name: `${kind.title}, ${mode}, Secure Boot ${secureBoot ? "on" : "off"}, ${source}: ${want.says}`, kind, mode, secureBoot, source, want };
      }),
    ),
  ),
);

describe("the command line that would be loaded (docs/trust.md §5)", () => {
  test.each(cases)("$name", async ({ kind, mode, secureBoot, source, want }) => {
    const s = await setting(mode, secureBoot);
    if (source === "e") {
      const shown = s.menu.find((m) => m.id === kind.id);
      expect({ menu: shown?.editable }).toEqual({ menu: want.editable ? true : { reason: "Entry not editable in SecureBoot mode." } });
    }
    const got = await attempt(s, kind.id, source);
    // One comparison, so that a failure shows what would have been loaded instead.
    if ("refused" in want.outcome) expect(got).toEqual({ refused: expect.stringMatching(want.outcome.refused) });
    else if (source === "kdump") expect(got).toEqual({ boots: expect.stringMatching(new RegExp(`^${escapeRegex(want.outcome.boots)} .*reset_devices`)) });
    else expect(got).toEqual({ boots: want.outcome.boots });
  });
});

describe("kernel lockdown rules the line as Secure Boot does", () => {
  const locked = KINDS.filter((k) => !k.plainKernel).flatMap((kind) =>
    (["options", "--cmdline"] as const)
      .filter((s) => kind.sources.includes(s))
      .map((source) => ({
        name: `${kind.title}, warn asked, kernel locked down, ${source}: ${source === "options" ? "the signed line boots" : "refused"}`,
        kind,
        source,
      })),
  );
  test.each(locked)("$name", async ({ kind, source }) => {
    const s = await setting("warn", false, "none [integrity] confidentiality");
    expect(s.session.trust.policy.mode).toBe("enforce");
    const got = await attempt(s, kind.id, source);
    if (source === "options") expect(got).toEqual({ boots: SIGNED });
    else expect(got).toEqual({ refused: expect.stringContaining("the kernel is locked down (integrity), and ") });
  });
});
