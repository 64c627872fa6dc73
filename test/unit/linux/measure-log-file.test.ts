/** The measurement log kept in /run (src/linux/measure-log-file.ts), written to a scratch path. */
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendMeasureLog } from "../../../src/linux/measure-log-file.ts";

test("the first record creates the directories and a file only its owner can read; later ones are appended", () => {
  const path = join(mkdtempSync(join(tmpdir(), "ukiboot-measure-log-")), "run", "log", "systemd", "tpm2-measure.log");
  appendMeasureLog('\x1e{"pcr":11}\n', path);
  appendMeasureLog('\x1e{"pcr":12}\n', path);
  expect(readFileSync(path, "utf8")).toBe('\x1e{"pcr":11}\n\x1e{"pcr":12}\n');
  expect(statSync(path).mode & 0o777).toBe(0o600);
});

test("a log that cannot be written names the file and why", () => {
  const blocker = join(mkdtempSync(join(tmpdir(), "ukiboot-measure-log-")), "log");
  writeFileSync(blocker, "a file where a directory should be");
  expect(() => appendMeasureLog("x", join(blocker, "systemd", "tpm2-measure.log"))).toThrow(
    `Cannot append to the measurement log "${blocker}/systemd/tpm2-measure.log": ENOTDIR`,
  );
});
