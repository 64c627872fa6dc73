/**
 * The harness of the PID 1 tests: `ukiboot init` over a fake Sys with the flow ESP on /dev/vda1, a scripted
 * chooser in place of the menu, and EFI variables in a scratch directory.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ESP_TYPE_GUID } from "../../src/disk/gpt.ts";
import { decodeUtf16 } from "../../src/efi/efivar-codec.ts";
import { runInit, type InitEnvironment } from "../../src/flow/pid1.ts";
import type { ChooserFactory, MenuRequest } from "../../src/ports/chooser.ts";
import type { MenuDecision } from "../../src/ports/menu.ts";
import type { Partition } from "../../src/ports/sys.ts";
import type { Terminal } from "../../src/ports/terminal.ts";
import { fakeSys, type FakeSys, type FakeSysOptions } from "./fake-sys.ts";
import { flowEspSync } from "./flow-esp.ts";

export const GUID = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";
export const DISK: Partition = {
  number: 1,
  typeGuid: ESP_TYPE_GUID,
  partUuid: "1b4e3c2a-0000-4000-8000-000000000001",
  firstLba: 2048n,
  lastLba: 526335n,
  name: "ESP",
  device: "/dev/vda1",
  disk: "vda",
};
export const TERMINAL: Terminal = { stdin: {} as NodeJS.ReadStream, stdout: { write: () => true } };

/** A writable copy of the flow ESP (the boot-counting cases rename files in it), with `extra` files added. */
export function espCopy(extra: Record<string, string> = {}, renames: Record<string, string> = {}): string {
  const esp = mkdtempSync(join(tmpdir(), "pid1-esp-"));
  cpSync(flowEspSync().esp, esp, { recursive: true });
  for (const [from, to] of Object.entries(renames)) renameSync(join(esp, from), join(esp, to));
  for (const [path, text] of Object.entries(extra)) {
    mkdirSync(join(esp, path, ".."), { recursive: true });
    writeFileSync(join(esp, path), text);
  }
  return esp;
}

/** A chooser that answers with `decisions` in turn and keeps what it was shown. */
export function scriptedChooser(...decisions: MenuDecision[]): { factory: ChooserFactory; requests: MenuRequest[] } {
  const requests: MenuRequest[] = [];
  return {
    requests,
    factory: async () => ({
      async choose(r) {
        // As the terminal's chooser does when it draws the menu.
        requests.push(r.details ? { ...r, entries: await r.details() } : r);
        const d = decisions.shift();
        if (!d) throw new Error("Internal error: the menu was shown once more than the test scripted");
        return d;
      },
      progress: () => ({ update() {}, close: async () => {} }),
    }),
  };
}

export const boot = (entryId: string, extra: Partial<{ unattended: boolean; cmdline: string }> = {}): MenuDecision => ({
  kind: "boot",
  entryId,
  variables: {},
  ...extra,
});
export const noMenu: ChooserFactory = async () => {
  throw new Error("Internal error: no menu should be shown here");
};

export interface Run {
  sys: FakeSys;
  code: number;
  log: string;
  out: string;
}

export async function init(opts: FakeSysOptions & { esp?: string; env?: InitEnvironment; chooser?: ChooserFactory }): Promise<Run> {
  const esp = opts.esp ?? espCopy();
  const sys = fakeSys({ partitions: [DISK], devices: { "/dev/vda1": esp }, ...opts });
  const out: string[] = [];
  const code = await runInit(sys, opts.env ?? {}, opts.chooser ?? noMenu, { write: (s: string) => out.push(s) });
  return { sys, code, log: sys.log.text(), out: out.join("") };
}

export function efivars(vars: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "pid1-efivars-"));
  for (const [name, value] of Object.entries(vars))
    writeFileSync(join(dir, `${name}-${GUID}`), Uint8Array.from([7, 0, 0, 0, ...new Uint8Array(Buffer.from(`${value}\0`, "utf16le"))]));
  return dir;
}

export const variable = (dir: string, name: string): string | null => {
  const f = join(dir, `${name}-${GUID}`);
  return existsSync(f) ? decodeUtf16(new Uint8Array(readFileSync(f)).subarray(4)) : null;
};
