/**
 * `ukiboot set-default`, `set-preferred`, `set-oneshot`, `set-sysfail`, `set-timeout`, `set-timeout-oneshot`: write exactly what bootctl
 * writes (UTF-16LE with NUL, attributes NV|BS|RT; an empty value deletes the variable), without bootctl's
 * requirement that systemd-boot be the running first stage. A value equal to the stored one is not written.
 */
import { parseArgs } from "node:util";
import { ATTRS_PERSISTENT, decodeUtf16, encodeUtf16 } from "../../efi/efivar-codec.ts";
import {
  LoaderConfigTimeout,
  LoaderConfigTimeoutOneShot,
  LoaderEntryDefault,
  LoaderEntryOneShot,
  LoaderEntryPreferred,
  LoaderEntrySysFail,
  type VariableId,
} from "../../efi/loader-vars.ts";
import { currentEntry } from "../../flow/current-entry.ts";
import { parseTimeout } from "../../efi/timeout.ts";
import { BootError } from "../../errors.ts";
import type { Sys } from "../../ports/sys.ts";
import { UsageError, type Command } from "../command.ts";
import { commandSys } from "../common-options.ts";

/** Writes `value` to `v` unless it already holds it; "" deletes. Returns what happened, for the message. */
export function writeLoaderString(sys: Pick<Sys, "efivars">, v: VariableId, value: string): "written" | "unchanged" | "deleted" {
  if (!sys.efivars.available) {
    throw new BootError(
      `Cannot set ${v.name}: there are no EFI variables at "${sys.efivars.location}"`,
      "This needs a UEFI boot with runtime services (or --efivarfs DIR for a copied tree)",
    );
  }
  if (value === "") {
    sys.efivars.remove(v);
    return "deleted";
  }
  const cur = sys.efivars.read(v);
  if (cur && cur.attributes === ATTRS_PERSISTENT && decodeUtf16(cur.data) === value) return "unchanged";
  sys.efivars.write(v, { attributes: ATTRS_PERSISTENT, data: encodeUtf16(value) });
  return "written";
}

/**
 * bootctl's special entry arguments: @current (the entry this system was booted from: ukiboot's booted-entry
 * credential, else LoaderEntrySelected; docs/efi-variables.md §8), @default, @oneshot and @sysfail.
 */
function resolveEntryArgument(sys: Sys, arg: string): string {
  if (arg === "@current") {
    const current = currentEntry(sys);
    if (!current) {
      throw new BootError(
        'Cannot resolve "@current": this kernel\'s command line has no ukiboot.booted-entry credential and LoaderEntrySelected is not set',
        "Name the entry id instead (ukiboot list shows the ids)",
      );
    }
    return current.id;
  }
  const special: Record<string, VariableId> = { "@default": LoaderEntryDefault, "@oneshot": LoaderEntryOneShot, "@sysfail": LoaderEntrySysFail };
  const v = special[arg];
  // Ids never start with "@": anything else so spelled is a typo, which bootctl 262 refuses too.
  if (!v && arg.startsWith("@") && arg.toLowerCase() !== "@saved")
    throw new UsageError(`unsupported special entry "${arg}": expected an id or glob, @saved, @current, @default, @oneshot or @sysfail`);
  if (!v) return arg;
  const cur = sys.efivars.read(v);
  if (!cur) throw new BootError(`Cannot resolve "${arg}": the variable ${v.name} is not set`, "Name the entry id instead");
  return decodeUtf16(cur.data);
}

/** bootctl's timeout argument: a word, or seconds (a plain number, or with an "s" suffix as systemd's parse_sec takes). */
function timeoutArgument(arg: string): string {
  if (arg === "") return "";
  const text = arg.replace(/s$/, "");
  const t = parseTimeout(text);
  if (t === undefined) throw new UsageError(`invalid timeout "${arg}": expected seconds, menu-force, menu-hidden or menu-disabled`);
  return String(t);
}

function makeCommand(spec: {
  name: string;
  variable: VariableId;
  summary: string;
  argName: string;
  describe: string;
  parse: (sys: Sys, arg: string) => string;
}): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    help: `Usage: ukiboot ${spec.name} ${spec.argName} [--efivarfs DIR]

${spec.describe}
Writes ${spec.variable.name} exactly as bootctl does (UTF-16LE with a NUL, non-volatile); an empty
${spec.argName} ("") deletes it. Works whatever the first stage was, as long as EFI variables exist.

Options:
  --efivarfs DIR   write into DIR instead of /sys/firmware/efi/efivars
  -h, --help       show this help`,
    async run(args, io, platform) {
      const { values, positionals } = parseArgs({ args, options: { efivarfs: { type: "string" } }, allowPositionals: true, strict: true });
      if (positionals.length !== 1) throw new UsageError(`expected exactly one ${spec.argName}`);
      const sys = commandSys(platform, io, values);
      const value = spec.parse(sys, positionals[0]!);
      const what = writeLoaderString(sys, spec.variable, value);
      io.stdout.write(
        what === "deleted"
          ? `Deleted ${spec.variable.name}.\n`
          : what === "unchanged"
            ? `${spec.variable.name} is already "${value}"; not written.\n`
            : `Set ${spec.variable.name} to "${value}".\n`,
      );
      return 0;
    },
  };
}

export const setDefaultCommand = makeCommand({
  name: "set-default",
  variable: LoaderEntryDefault,
  argName: "ID",
  summary: "make an entry (id or glob) the default, as bootctl set-default",
  describe: "Makes the entry ID (an id, a glob, @saved, @current, @default, @oneshot or @sysfail) the default boot entry.",
  parse: resolveEntryArgument,
});

export const setPreferredCommand = makeCommand({
  name: "set-preferred",
  variable: LoaderEntryPreferred,
  argName: "ID",
  summary: "make an entry the default unless boot counting marked it bad, as bootctl set-preferred",
  describe:
    "Makes the entry ID (an id, a glob, @saved, @current, @default, @oneshot or @sysfail) the preferred boot entry: the\ndefault, except that an entry with no tries left is skipped for the next match (docs/order-and-default.md §5).",
  parse: resolveEntryArgument,
});

export const setSysfailCommand = makeCommand({
  name: "set-sysfail",
  variable: LoaderEntrySysFail,
  argName: "ID",
  summary: "the entry to boot after a system failure, as bootctl set-sysfail",
  describe:
    "Makes the entry ID (an id or glob, @current, @default or @oneshot) the one booted when the firmware reports a\nsystem failure (a failed firmware update, from the ESRT; docs/order-and-default.md §7).",
  parse: resolveEntryArgument,
});

export const setOneshotCommand = makeCommand({
  name: "set-oneshot",
  variable: LoaderEntryOneShot,
  argName: "ID",
  summary: "boot an entry once at the next boot, as bootctl set-oneshot",
  describe: "Boots the entry ID (an id or glob, @current, @default or @oneshot) once, at the next boot.",
  parse: resolveEntryArgument,
});

export const setTimeoutCommand = makeCommand({
  name: "set-timeout",
  variable: LoaderConfigTimeout,
  argName: "TIMEOUT",
  summary: "set the menu timeout (seconds, menu-force, menu-hidden, menu-disabled)",
  describe: "Sets the menu timeout: seconds, menu-force, menu-hidden or menu-disabled.",
  parse: (_, arg) => timeoutArgument(arg),
});

export const setTimeoutOneshotCommand = makeCommand({
  name: "set-timeout-oneshot",
  variable: LoaderConfigTimeoutOneShot,
  argName: "TIMEOUT",
  summary: "set the menu timeout for the next boot only (shows the menu)",
  describe: "Sets the menu timeout of the next boot only; the menu is shown whatever the value.",
  parse: (_, arg) => timeoutArgument(arg),
});
