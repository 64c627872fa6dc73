/**
 * The design's boundaries (test/support/architecture.ts) hold for the tree, and the check catches each kind
 * of violation when one is planted in a copy of the tree.
 */
import { describe, expect, test } from "bun:test";
import { appendFileSync, cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../build/debian.ts";
import { architectureViolations, importCycles, readSourceTree } from "../support/architecture.ts";

test("the tree keeps every rule: layers, no cycles, one composition root, a UI that sees only ports and errors", () => {
  expect(architectureViolations(readSourceTree(REPO_ROOT))).toEqual([]);
});

test("the tree has no import cycle between files", () => {
  expect(importCycles(readSourceTree(REPO_ROOT))).toEqual([]);
});

/** A copy of src/ and ui/ with `plant` applied, and the violations the check finds in it. */
function plantedViolations(plant: (root: string) => void): string[] {
  const root = mkdtempSync(join(tmpdir(), "ukiboot-arch-"));
  cpSync(join(REPO_ROOT, "src"), join(root, "src"), { recursive: true });
  cpSync(join(REPO_ROOT, "ui"), join(root, "ui"), { recursive: true });
  plant(root);
  return architectureViolations(readSourceTree(root));
}

const add = (root: string, file: string, line: string) => appendFileSync(join(root, file), `\n${line}\n`);

describe("a planted violation fails the check", () => {
  test("the flow importing the Linux implementation", () => {
    const v = plantedViolations((r) => add(r, "src/flow/run-boot.ts", 'import { createLinuxSys } from "../linux/linux-sys.ts";'));
    expect(v).toContain("src/flow/run-boot.ts imports src/linux/linux-sys.ts: only the composition root (src/main.ts) imports the Linux implementation");
  });

  test("a lower layer importing a higher one (the PE parser importing the flow)", () => {
    const v = plantedViolations((r) => add(r, "src/pe/pe.ts", 'import type { BootSession } from "../flow/boot-session.ts";'));
    expect(v).toContain("src/pe/pe.ts imports src/flow/boot-session.ts: src/flow is not below src/pe in the layer order");
  });

  test("an import cycle between two files of one folder", () => {
    const v = plantedViolations((r) => {
      add(r, "src/flow/power.ts", 'import { runBoot } from "./run-boot.ts";');
      add(r, "src/flow/run-boot.ts", 'import { carryOut } from "./power.ts";');
    });
    expect(v).toContain("import cycle: src/flow/power.ts → src/flow/run-boot.ts");
  });

  test("the UI importing the flow", () => {
    const v = plantedViolations((r) => add(r, "ui/run-menu.tsx", 'import { runBoot } from "../src/flow/run-boot.ts";'));
    expect(v).toContain("ui/run-menu.tsx imports src/flow/run-boot.ts: ui/ imports only the ports (src/ports/) and the error types (src/errors.ts)");
  });

  test("a view of the menu importing the menu's state", () => {
    const v = plantedViolations((r) => add(r, "ui/views/help-lines.ts", 'import type { MenuState } from "../state/menu-types.ts";'));
    expect(v).toContain("ui/views/help-lines.ts imports ui/state/menu-types.ts: ui/state is not below ui/views in the layer order");
  });

  test("the pure core reading a file itself", () => {
    const v = plantedViolations((r) => add(r, "src/bls/loader-conf.ts", 'import { readFileSync } from "node:fs";'));
    expect(v).toContain("src/bls/loader-conf.ts imports node:fs: only the effect layer (src/linux/) and the composition root touch the machine");
  });

  test("a new folder that is in no layer", () => {
    const v = plantedViolations((r) => writeFileSync(join(r, "src/stray.ts"), 'import { VERSION } from "./version.ts";\nexport const X = VERSION;\n'));
    expect(v).toContain("src/stray.ts is in src/stray.ts, which is in no layer of the architecture");
  });
});
