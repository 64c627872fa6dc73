/**
 * The measurement log this boot keeps in /run, appended to as systemd appends to its own: created 0600, one
 * write per call with O_APPEND, so records from ukiboot and from the shim interleave whole.
 */
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { MEASURE_LOG_RUN_PATH } from "../tpm/event-log.ts";

/** @throws Error naming the file when its directory cannot be made or it cannot be written */
export function appendMeasureLog(records: string, path = MEASURE_LOG_RUN_PATH): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    appendFileSync(path, records, { mode: 0o600 });
  } catch (e) {
    throw new Error(`Cannot append to the measurement log "${path}": ${(e as Error).message}`, { cause: e });
  }
}

/** The log as written so far; "" when it does not exist or cannot be read. */
export function readMeasureLog(path = MEASURE_LOG_RUN_PATH): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
