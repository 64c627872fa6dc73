/**
 * A PCR value a scenario compares must be a real one. The targets print "none" (or nothing) when they find
 * no PCR file, and two such boots would compare equal, or unequal to zero, and pass.
 */

const SHA256_PCR = /^[0-9a-f]{64}$/;

/**
 * `value` when it is a SHA-256 PCR value as the reports carry it (64 lower-case hex digits).
 * @param what which PCR of which boot, for the message, e.g. `PCR 12 under ukiboot (profile-0)`.
 * @throws Error naming `what` and showing the value otherwise.
 * @example expect(expectPcrValue(a.pcrs[12], "PCR 12 under ukiboot")).toBe(expectPcrValue(b.pcrs[12], "PCR 12 under systemd-stub"))
 */
export function expectPcrValue(value: string | undefined | null, what: string): string {
  if (typeof value === "string" && SHA256_PCR.test(value)) return value;
  const shown = value === undefined || value === null ? "nothing (the report has no such line)" : JSON.stringify(value);
  throw new Error(`${what} is not a SHA-256 PCR value (64 lower-case hex digits): the report gives ${shown}`);
}
