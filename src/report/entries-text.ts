/**
 * `ukiboot list` for people: one block per entry in the style of `bootctl list`, then the problems,
 * one line each naming file and line.
 */
import { NOT_COUNTED, type BootEntry } from "../model/boot-entry.ts";
import { addonsOf, companionsOf, profileOf, unameOf } from "../model/entry-rules.ts";
import { namedFiles } from "./entry-files.ts";
import { formatProblem, type Problem } from "../model/problem.ts";
import { listedCmdline } from "./listed-cmdline.ts";

const KIND_TEXT: Record<BootEntry["kind"], string> = {
  "type1-linux": "Boot Loader Specification Type #1 (.conf), linux",
  "type1-efi": "Boot Loader Specification Type #1 (.conf), efi",
  "type1-uki": "Boot Loader Specification Type #1 (.conf), uki",
  type2: "Boot Loader Specification Type #2 (.efi)",
  "uki-url": "Boot Loader Specification Type #1 (.conf), uki-url",
};

function block(e: BootEntry, marks: string[]): string[] {
  const files = namedFiles(e);
  const profile = profileOf(e);
  const rows: [string, string | undefined][] = [
    ["type", KIND_TEXT[e.kind]],
    ["title", e.showTitle + (marks.length > 0 ? ` (${marks.join(", ")})` : "")],
    ["id", e.id],
    [
      "source",
      e.source === "network"
        ? `${e.path} (${e.kind === "uki-url" && e.foundIn === "index" ? "a boot index" : "ukiboot.url="})`
        : `${e.path} (on the ${e.source === "esp" ? "EFI System Partition" : "XBOOTLDR partition"})`,
    ],
    ["sort-key", e.sortKey],
    ["version", e.version],
    ["machine-id", e.machineId],
    ["profile", profile === undefined ? undefined : String(profile)],
    ["linux", files.linux?.loaderPath ?? (e.kind === "type2" ? e.loaderPath : undefined)],
    ["efi", files.efi?.loaderPath],
    ["uki", files.uki?.loaderPath],
    [
      "uki-url",
      files.ukiUrl === undefined
        ? undefined
        : `${files.ukiUrl}${e.kind === "uki-url" && e.url !== files.ukiUrl ? ` (${e.url})` : ""}${e.kind === "uki-url" && e.size !== undefined ? `, ${e.size} bytes` : ""}`,
    ],
    ...files.initrds.map((f): [string, string] => ["initrd", f.loaderPath]),
    ["devicetree", files.devicetree?.loaderPath],
    ["uname", unameOf(e)],
    ["tries", e.triesLeft === NOT_COUNTED ? undefined : `${e.triesLeft} left, ${e.triesDone} done${e.triesLeft === 0 ? " (bad)" : ""}`],
    ...addonsOf(e).map((a): [string, string] => [`${a.scope} addon`, `${a.loaderPath}${a.cmdline ? ` (${a.cmdline})` : ""}`]),
    // bootctl 262 calls every companion file "extra"; the kind and where it came from follow in brackets.
    ...companionsOf(e).map((c): [string, string] => ["extra", `${c.loaderPath} (${c.scope} ${COMPANION_TEXT[c.kind]})`]),
    ...(e.kind === "type1-uki" ? e.extras : []).map((x): [string, string] => ["extra", `${x.loaderPath} (${x.kind}, from the entry)`]),
    ["options", e.options === "" ? undefined : e.options],
    ["cmdline", listedCmdline(e) || undefined],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined).map(([k, v]) => `${k.padStart(12)}: ${v}`);
}

const COMPANION_TEXT = { credentials: "credential", sysext: "sysext", confext: "confext" } as const;

/**
 * The text listing. `defaultIndex` marks the entry that boots by default, `efiDefaultIndex` the one
 * the LoaderEntryDefault variable selects, `selectedIndex` the one the running system was booted from.
 */
export function formatEntriesText(
  entries: readonly BootEntry[],
  opts: { defaultIndex?: number; efiDefaultIndex?: number; selectedIndex?: number; problems?: readonly Problem[] } = {},
): string {
  const out: string[] = [];
  if (entries.length === 0) out.push("No boot loader entries found.");
  else out.push("Boot Loader Entries:");
  entries.forEach((e, i) => {
    const marks: string[] = [];
    if (i === opts.defaultIndex) marks.push("default");
    if (i === opts.efiDefaultIndex) marks.push("EFI variable default");
    if (i === opts.selectedIndex) marks.push("selected");
    out.push(...block(e, marks), "");
  });
  if (opts.problems && opts.problems.length > 0) {
    out.push("Problems:");
    for (const p of opts.problems) out.push(`  ${formatProblem(p)}`);
  }
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}
