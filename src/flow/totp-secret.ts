/**
 * The TOTP code in the menu's header (docs/trust.md §8): a secret sealed in the TPM to the PCRs that describe
 * the firmware and the boot image as ukiboot sees them while its menu runs: 0, 2, 4 and 7, 9 (the initramfs and
 * command line the boot kernel's EFI stub measured), 11 and 12 (what a systemd-stub measured of it). A person whose
 * authenticator app shows the same code knows that the firmware, its Secure Boot keys and the boot image
 * are the ones they sealed the secret with. PCR 11 is what keeps the secret from everything after the menu:
 * ukiboot's measurement of the UKI it starts, or the cap before a shell, extends it, so neither the target nor
 * a shell can unseal it. PCRs 0–7 are never extended for this: a target's own secrets are bound to them.
 */
import { join } from "node:path/posix";
import { BootError, FormatError, formatError } from "../errors.ts";
import type { MenuNotice, TotpHeader } from "../ports/menu.ts";
import type { Sys } from "../ports/sys.ts";
import type { MeasurementEvent } from "../tpm/measurements.ts";
import { MEASURE_LOG_RUN_PATH, parseMeasureLog } from "../tpm/event-log.ts";
import { decodeSealedSecret, encodeSealedSecret, SealedSecretPcrMismatchError, sealSecret, unsealSecret } from "../tpm/sealed-secret.ts";
import { TpmResponseError } from "../tpm/tpm2-response-code.ts";
import { base32Encode } from "../totp/base32.ts";
import { totp } from "../totp/one-time-code.ts";
import { otpauthUri } from "../totp/otpauth-uri.ts";
import { encodeQr } from "../totp/qr-code.ts";
import { qrTextLines } from "../totp/qr-text.ts";
import { VERSION_DATE } from "../version.ts";

/** The PCRs the secret is sealed to. */
export const TOTP_PCRS: readonly number[] = [0, 2, 4, 7, 9, 11, 12];
/** Where the sealed secret lives, relative to the ESP's root. */
export const TOTP_SEALED_FILE = "loader/ukiboot/totp-secret.json";
/** RFC 4226 recommends 160 bits for HMAC-SHA-1. */
const SECRET_BYTES = 20;
/** The account the authenticator app lists the code under. */
const ACCOUNT = "boot";

/**
 * What moves PCR 11 on before a kernel that systemd-stub would not measure into it (a plain kernel of a
 * Type #1 entry), whenever ukiboot is the boot loader: without it that kernel's system would find PCR 11 as
 * the menu left it and could unseal a TOTP secret, one taken off the ESP included. Logged with the other
 * records, so the log still replays.
 */
export const TOTP_CLOSE_TEXT = "ukiboot: the menu's TOTP secret stays sealed";

export function totpCloseEvents(events: readonly MeasurementEvent[]): MeasurementEvent[] {
  if (events.some((e) => e.pcr === 11)) return [];
  return [{ pcr: 11, data: new TextEncoder().encode(TOTP_CLOSE_TEXT), eventType: "EV_SEPARATOR", description: TOTP_CLOSE_TEXT }];
}

/**
 * Whether a PCR the secret is sealed to moved on in this boot already (an entry was measured and did not
 * start, the PCRs were capped, ukiboot runs a second time after a crash): the log this boot keeps in /run
 * has a record of it. Sealing then would bind the secret to what the systems started later see.
 */
export function movedThisBoot(sys: Sys): boolean {
  const text = sys.tpm.readLog();
  if (text === "") return false;
  try {
    return parseMeasureLog(text, { source: MEASURE_LOG_RUN_PATH }).some((r) => TOTP_PCRS.includes(r.pcr));
  } catch {
    // A log that cannot be read says nothing reliable: as if the PCRs had moved.
    return true;
  }
}

/** The sentence for each reason the header has no code. */
export const TOTP_SENTENCES = {
  changed: "the firmware or the boot image changed since the TOTP secret was sealed",
  moved: "PCR 11 moved on in this boot: the TOTP code shows again after a reboot",
  noTpm: "there is no TPM, so there is no TOTP code",
  noSecret: 'no TOTP secret is sealed yet: choose "Seal a TOTP Secret"',
} as const;

/** A text that says the clock cannot be right, or undefined: a time before this version of ukiboot existed. */
export function clockWarning(epochSeconds: number): string | undefined {
  const made = Date.parse(`${VERSION_DATE}T00:00:00Z`) / 1000;
  if (epochSeconds >= made) return undefined;
  const shown = new Date(epochSeconds * 1000).toISOString().slice(0, 10);
  return `the clock says ${shown}, before ukiboot ${VERSION_DATE}: set it in the firmware setup`;
}

/** What the header shows, from the state of the secret and the clock. */
export function totpHeader(state: TotpState, epochSeconds: number): TotpHeader | undefined {
  if (state.kind === "pending" || state.kind === "none") return undefined;
  if (state.kind === "unavailable") return { kind: "unavailable", sentence: state.sentence };
  const now = totp(state.secret, epochSeconds);
  const warning = clockWarning(epochSeconds);
  return { kind: "code", code: now.code, secondsLeft: now.secondsLeft, ...(warning ? { clockWarning: warning } : {}) };
}

/** `none`: no TPM and no secret, so there is nothing to say. */
export type TotpState = { kind: "pending" } | { kind: "none" } | { kind: "unavailable"; sentence: string } | { kind: "ready"; secret: Uint8Array };

/** The sentence for a failed unseal: the PCRs moved, or what else went wrong, in one line. */
function unsealFailure(e: unknown): string {
  if (e instanceof SealedSecretPcrMismatchError) return TOTP_SENTENCES.changed;
  if (e instanceof FormatError) return `the sealed TOTP secret on the ESP cannot be read (${e.message}): seal it again`;
  if (e instanceof TpmResponseError) return `the TPM refused to unseal the TOTP secret (${e.codeName}): seal it again`;
  return `the TOTP secret could not be unsealed: ${formatError(e)}`;
}

/**
 * The header's TOTP line for one menu: the secret is read and unsealed the first time the menu asks (when it
 * draws its first frame), in the background, so that the frame never waits for the TPM.
 */
export class TotpLine {
  private state: TotpState = { kind: "pending" };
  private started = false;

  constructor(
    private readonly sys: Sys,
    private readonly espRoot: string,
  ) {}

  /** For MenuRequest.totp. */
  readonly header = (): TotpHeader | undefined => {
    if (!this.started) {
      this.started = true;
      void this.unseal().then((s) => {
        // A secret sealed meanwhile is newer than the one just read.
        if (this.state.kind === "pending") this.state = s;
      });
    }
    return totpHeader(this.state, this.sys.clock.epochSeconds());
  };

  private async unseal(): Promise<TotpState> {
    const path = join(this.espRoot, TOTP_SEALED_FILE);
    let text: string;
    try {
      text = new TextDecoder().decode(await this.sys.fs.readFile(path));
    } catch {
      // A machine without a TPM has no use for the line; one with a TPM is told how to start.
      return this.sys.tpm.open() === null ? { kind: "none" } : { kind: "unavailable", sentence: TOTP_SENTENCES.noSecret };
    }
    if (movedThisBoot(this.sys)) return { kind: "unavailable", sentence: TOTP_SENTENCES.moved };
    const tpm = this.sys.tpm.connect();
    if (!tpm) return { kind: "unavailable", sentence: TOTP_SENTENCES.noTpm };
    try {
      const sealed = decodeSealedSecret(text, path);
      // The PCRs come from a file anyone with root on a system can write: only ukiboot's own list counts.
      if (sealed.pcrs.join() !== TOTP_PCRS.join())
        return { kind: "unavailable", sentence: `the TOTP secret on the ESP is sealed to PCRs ${sealed.pcrs.join(", ")}: seal it again` };
      const secret = await unsealSecret(tpm.transport, sealed, { random: (n) => this.sys.clock.randomBytes(n), sleep: (ms) => this.sys.clock.sleep(ms) });
      return { kind: "ready", secret };
    } catch (e) {
      // Said in the header only: a log line would be written across the menu being drawn.
      return { kind: "unavailable", sentence: unsealFailure(e) };
    } finally {
      tpm.close();
    }
  }

  /**
   * Makes a new secret, seals it to the PCRs as they are now and writes it to the ESP; the header shows its
   * code from now on. Returns the notice with the otpauth:// URI, as a QR code and as text.
   * @throws BootError when there is no TPM or the TPM refuses, Error when the ESP cannot be written
   */
  async seal(): Promise<MenuNotice> {
    if (movedThisBoot(this.sys))
      throw new BootError(
        "Cannot seal a TOTP secret: PCR 11 moved on in this boot already (an entry was measured, or the PCRs were capped)",
        "Reboot, and seal the secret from the menu before booting an entry",
      );
    const tpm = this.sys.tpm.connect();
    if (!tpm) throw new BootError("Cannot seal a TOTP secret: there is no TPM (/dev/tpmrm0)", "Enable the TPM in the firmware setup, or load its driver");
    const secret = this.sys.clock.randomBytes(SECRET_BYTES);
    try {
      const sealed = await sealSecret(tpm.transport, secret, TOTP_PCRS, {
        random: (n) => this.sys.clock.randomBytes(n),
        sleep: (ms) => this.sys.clock.sleep(ms),
      });
      this.sys.mounts.writeFileOnEsp(join(this.espRoot, TOTP_SEALED_FILE), new TextEncoder().encode(encodeSealedSecret(sealed)));
    } catch (e) {
      if (e instanceof BootError) throw e;
      throw new BootError(`Cannot seal a TOTP secret: ${formatError(e)}`, "Check the TPM (dmesg | grep -i tpm) and the ESP, then choose the action again", {
        cause: e,
      });
    } finally {
      tpm.close();
    }
    this.state = { kind: "ready", secret };
    this.started = true;
    this.sys.log.info(`TOTP: a new secret is sealed to PCRs ${TOTP_PCRS.join(", ")} in ${TOTP_SEALED_FILE} on the ESP`);
    const uri = otpauthUri({ secret, account: ACCOUNT });
    return {
      title: "A TOTP secret is sealed",
      message:
        `Scan the code, or type the URI below, into an authenticator app. From now on the menu's header shows the current code. ` +
        `It equals the app's only while the firmware, its Secure Boot keys and this boot image are the ones measured now (PCRs ${TOTP_PCRS.join(", ")}).`,
      picture: qrTextLines(encodeQr(uri)),
      verbatim: [uri, `Secret: ${base32Encode(secret)}`],
    };
  }
}
