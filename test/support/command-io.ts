/** A command's I/O that keeps what it writes, for tests that call main() directly. */
export function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (s: string) => out.push(s) } as unknown as NodeJS.WriteStream,
      stderr: { write: (s: string) => err.push(s) } as unknown as NodeJS.WriteStream,
      stdin: process.stdin,
      env: {},
    },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}
