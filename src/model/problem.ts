/**
 * A problem found while discovering entries: a skipped file, an ignored line. One problem is one line
 * for the person at the console ("<file>:<line>: <message>"); discovery goes on after it.
 */

export interface Problem {
  /** Host path of the file the problem is about. */
  file: string;
  /** 1-based line, for text files. */
  line?: number;
  /** "Cannot …" sentence or "Ignoring …" sentence; no trailing period. */
  message: string;
  /** "error": the file or entry was skipped; "warning": a line or a detail was ignored. */
  severity: "error" | "warning";
}

/** The one-line form: `file:line: message`. */
export function formatProblem(p: Problem): string {
  return `${p.file}${p.line === undefined ? "" : `:${p.line}`}: ${p.message}`;
}
