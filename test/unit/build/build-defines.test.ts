/**
 * `bun run build -- --trust CERT` embeds anchors the binary then trusts with no EFI variables at all (a
 * LinuxBoot payload has no db), and `--allow-rescue-shell` marks a lab image.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDefines } from "../../../build/build.ts";
import { builtWithRescueShell } from "../../../src/build-flags.ts";
import { builtInAnchors } from "../../../src/trust/builtin-anchors.ts";
import { buildTrustStore } from "../../../src/trust/trust-store.ts";
import { describeCertificate } from "../../../src/trust/certificate.ts";
import { trustFixtures } from "../../support/trust-fixtures.ts";

const globals = globalThis as Record<string, unknown>;
afterEach(() => {
  delete globals.UKIBOOT_BUILTIN_TRUST;
  delete globals.UKIBOOT_ALLOW_RESCUE_SHELL;
});

/** What the bundler does with a definition: the value is a JavaScript expression. */
const evaluate = (expression: string): unknown => new Function(`return ${expression};`)();

test("--trust embeds each certificate, PEM or DER, and the binary's store trusts it", async () => {
  const f = await trustFixtures();
  const der = join(mkdtempSync(join(tmpdir(), "trust-der-")), "db.der");
  const pem = readFileSync(f.keys.db.crt, "utf8");
  writeFileSync(der, Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64"));
  const defines = buildDefines({ trust: [f.keys.db.crt, der] });
  globals.UKIBOOT_BUILTIN_TRUST = evaluate(defines.UKIBOOT_BUILTIN_TRUST!);
  const anchors = builtInAnchors();
  expect(anchors.map((a) => a.name)).toEqual(["db.crt", "db.der"]);
  const { store, problems } = buildTrustStore({ builtIn: anchors, trustFiles: [] });
  expect(problems).toEqual([]);
  expect(store.anchors.map((a) => [a.origin, describeCertificate(a.certificate).subject])).toEqual([
    ["built-in db.crt", "/CN=ukiboot test db"],
    ["built-in db.der", "/CN=ukiboot test db"],
  ]);
});

test("a file that is not a certificate stops the build with its name", () => {
  const bad = join(mkdtempSync(join(tmpdir(), "trust-bad-")), "notes.txt");
  writeFileSync(bad, "not a certificate\n");
  expect(() => buildDefines({ trust: [bad] })).toThrow(/notes\.txt/);
  expect(() => buildDefines({ trust: ["/nonexistent/ca.pem"] })).toThrow('Cannot embed the trust anchor "/nonexistent/ca.pem"');
});

test("--allow-rescue-shell is what makes builtWithRescueShell() true; without it nothing is defined", () => {
  expect(buildDefines({})).toEqual({});
  expect(builtWithRescueShell()).toBe(false);
  globals.UKIBOOT_ALLOW_RESCUE_SHELL = evaluate(buildDefines({ allowRescueShell: true }).UKIBOOT_ALLOW_RESCUE_SHELL!);
  expect(builtWithRescueShell()).toBe(true);
});
