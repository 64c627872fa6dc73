/**
 * Trust anchors compiled into the binary with `bun run build -- --trust CERT…`. The build defines
 * UKIBOOT_BUILTIN_TRUST as a JSON array of {name, pem}; run from source, there are none.
 */
import type { CertificateSource } from "./trust-store.ts";

declare const UKIBOOT_BUILTIN_TRUST: string | undefined;

export function builtInAnchors(): CertificateSource[] {
  if (typeof UKIBOOT_BUILTIN_TRUST === "undefined" || !UKIBOOT_BUILTIN_TRUST) return [];
  const list = JSON.parse(UKIBOOT_BUILTIN_TRUST) as { name: string; pem: string }[];
  return list.map((c) => ({ name: c.name, bytes: new TextEncoder().encode(c.pem) }));
}
