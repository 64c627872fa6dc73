/**
 * The trust anchors and revocations an image is verified against (docs/trust.md, docs/efi-variables.md §2):
 * certificates embedded at build time, certificates installed in /etc/ukiboot/trust.d, certificates given with `--trust`, the UEFI `db` and shim's
 * `MokListRT` (X.509 and SHA-256 entries) allow; `dbx` and shim's `MokListXRT` revoke.
 */
import { FormatError } from "../errors.ts";
import { parseCertificateDer, parseCertificateFile, type ParsedCertificate } from "./certificate.ts";
import { parseSignatureLists } from "./efi-signature-list.ts";

/** A certificate and where it came from ("db", "MokListRT", "--trust /etc/keys/a.pem", "built-in"). */
export interface TrustedCertificate {
  certificate: ParsedCertificate;
  origin: string;
}

/** A SHA-256 image digest (or TBSCertificate digest, for dbx) and where it came from. */
export interface TrustedDigest {
  sha256: Uint8Array;
  origin: string;
}

export interface TrustStore {
  /** Certificates a signature may chain to. */
  anchors: TrustedCertificate[];
  /** Authenticode SHA-256 digests of images allowed without a signature check. */
  allowedDigests: TrustedDigest[];
  /** Certificates that revoke any signature chaining to them. */
  revokedCertificates: TrustedCertificate[];
  /** Authenticode SHA-256 digests of revoked images. */
  revokedDigests: TrustedDigest[];
  /** SHA-256 digests of revoked certificates' TBSCertificate (EFI_CERT_X509_SHA256 in dbx). */
  revokedTbsDigests: TrustedDigest[];
}

/** A certificate file: PEM (one or more certificates) or DER. */
export interface CertificateSource {
  name: string;
  bytes: Uint8Array;
}

export interface TrustSources {
  /** Certificates compiled into ukiboot. */
  builtIn?: CertificateSource[];
  /** Certificates installed with the image in /etc/ukiboot/trust.d. */
  installed?: CertificateSource[];
  /** Files given with `--trust`, in order. */
  trustFiles?: CertificateSource[];
  /** Data of the EFI variables (without the 4-byte efivarfs attribute word); absent when not present. */
  db?: Uint8Array;
  dbx?: Uint8Array;
  mokListRT?: Uint8Array;
  mokListXRT?: Uint8Array;
  /**
   * Further revocation lists, each with the name verdicts give it: a second copy of MokListXRT that does not
   * qualify as shim's but is honoured anyway, since more revocation is always safe (src/efi/trust-variables.ts).
   */
  moreRevocations?: { name: string; data: Uint8Array }[];
}

export function emptyTrustStore(): TrustStore {
  return { anchors: [], allowedDigests: [], revokedCertificates: [], revokedDigests: [], revokedTbsDigests: [] };
}

/**
 * Collects anchors and revocations. A source that cannot be read is reported in `problems` and
 * skipped; the rest still apply, so one bad `--trust` file does not drop the db.
 */
export function buildTrustStore(sources: TrustSources): { store: TrustStore; problems: string[]; unreadableRevocations: string[] } {
  const store = emptyTrustStore();
  const problems: string[] = [];
  /** Revocation lists, or entries of them, that could not be used: what they revoke is unknown. */
  const unreadableRevocations: string[] = [];

  const addFiles = (files: CertificateSource[] | undefined, origin: (name: string) => string) => {
    for (const f of files ?? []) {
      try {
        for (const certificate of parseCertificateFile(f.bytes, { source: f.name })) store.anchors.push({ certificate, origin: origin(f.name) });
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        problems.push(`Ignoring trust anchor "${f.name}": ${e.message}`);
      }
    }
  };
  addFiles(sources.builtIn, (name) => `built-in ${name}`);
  addFiles(sources.installed, (name) => `installed ${name}`);
  addFiles(sources.trustFiles, (name) => `--trust ${name}`);

  const addVariable = (name: string, data: Uint8Array | undefined, revokes: boolean) => {
    if (data === undefined) return;
    let entries;
    try {
      entries = parseSignatureLists(data, { source: name });
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      problems.push(`Ignoring the ${name} variable: ${e.message}`);
      if (revokes) unreadableRevocations.push(`the ${name} variable cannot be parsed (${e.message})`);
      return;
    }
    entries.forEach((entry, i) => {
      const origin = `${name} entry ${i + 1}`;
      if (entry.kind === "x509") {
        try {
          const certificate = parseCertificateDer(entry.data, { source: origin });
          (revokes ? store.revokedCertificates : store.anchors).push({ certificate, origin });
        } catch (e) {
          if (!(e instanceof FormatError)) throw e;
          problems.push(`Ignoring ${origin}: ${e.message}`);
          if (revokes) unreadableRevocations.push(`${origin} cannot be parsed (${e.message})`);
        }
      } else if (entry.kind === "sha256") {
        (revokes ? store.revokedDigests : store.allowedDigests).push({ sha256: entry.data, origin });
      } else if (entry.kind === "x509-sha256" && revokes) {
        store.revokedTbsDigests.push({ sha256: entry.data.subarray(0, 32), origin });
      }
      // Other types (SHA-1, RSA-2048 keys, …) are not used by current db/dbx contents and are ignored.
    });
  };
  addVariable("db", sources.db, false);
  addVariable("MokListRT", sources.mokListRT, false);
  addVariable("dbx", sources.dbx, true);
  addVariable("MokListXRT", sources.mokListXRT, true);
  for (const r of sources.moreRevocations ?? []) addVariable(r.name, r.data, true);
  return { store, problems, unreadableRevocations };
}
