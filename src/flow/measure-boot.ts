/**
 * TPM measurements before kexec, exactly as the firmware, systemd-boot, systemd-stub 262 and the Linux EFI stub
 * would make them (docs/measurements.md §2, docs/measurements.md §4): the started UKI or kernel and the add-ons
 * into PCR 4, the chosen profile's sections into PCR 11, command lines, credentials, confexts and add-on pieces
 * into PCR 12, sysexts into PCR 13, a plain kernel's LoadOptions and initrd into PCR 9, in every active bank.
 * The log of what was extended goes to the target in the initrd at /.extra/tpm2-measure.log, with a unit that
 * appends it to systemd's userspace log (src/flow/measure-log-handover.ts), and the target's
 * systemd is told to do its own phase measurements, which it would otherwise skip because no stub set
 * StubPcrKernelImage.
 */
import { appendCmdline } from "../cmdline/compose.ts";
import { checkCmdlineLength } from "../cmdline/kexec-cmdline.ts";
import { BootError, formatError } from "../errors.ts";
import { bytesSource, concatSources, createSourceReader, sourceSize, type ByteSource } from "../bytes/byte-source.ts";
import type { DigestAlgorithm, Digests } from "../bytes/digest.ts";
import { initrdChunks, layoutInitrd, type InitrdMemberKind } from "../initrd/initrd-layout.ts";
import { ENTRY_EXTRA_ORDER, ENTRY_EXTRA_TARGETS } from "../initrd/entry-extras-archive.ts";
import { sectionContents } from "../plan/build-plan.ts";
import type { LoadPlan } from "../plan/load-plan.ts";
import type { Sys } from "../ports/sys.ts";
import { applyMeasurements, decideMeasurementOutcome, type MeasurementOutcome } from "../tpm/apply-measurements.ts";
import { formatMeasureLog, formatMeasureLogRecord, type MeasureLogRecord } from "../tpm/event-log.ts";
import { capPcrs } from "./cap-pcrs.ts";
import { measureLogArchive } from "./measure-log-handover.ts";
import { totpCloseEvents } from "./totp-secret.ts";
import { type LoadedImage, type MeasuredBytes, type MeasurementInputs, planMeasurements } from "../tpm/measurements.ts";
import { AUTHENTICODE_HEAD_SIZE, digestRanges, planAuthenticodeHash } from "../trust/authenticode-hash.ts";
import { Tpm2Client } from "../tpm/tpm2-client.ts";
import { parsePcrSignature, pcrSignatureMatch } from "../tpm/pcr-signature.ts";
import type { VerifyMode } from "../trust/verify-policy.ts";
import { pcrphaseWithoutEfiWords, PHASE_MEASURE_WORDS_EFI } from "../tpm/phase-measure-words.ts";

const CHUNK = 1 << 20;

/** A source as measured bytes: small ones at once, large ones streamed in 1 MiB chunks. */
function measured(sys: Sys, source: ByteSource): MeasuredBytes {
  const size = sourceSize(source);
  const read = createSourceReader(source, (p, o, l) => sys.fs.readRange(p, o, l));
  if (size <= CHUNK) return () => read(0, size);
  return {
    async *chunks() {
      for (let o = 0; o < size; o += CHUNK) yield await read(o, Math.min(CHUNK, size - o));
    },
  };
}

/** Authenticode SHA-256 digests already computed by verification, by file path: what the seal holds, read once. */
export type VerifiedDigests = ReadonlyMap<string, Uint8Array>;

/**
 * A file the firmware would have started, as it measures it: the Authenticode digest of a PE image in each
 * bank's algorithm (reusing what verification computed of the same sealed bytes); a kernel that is no PE image
 * gives its whole file's bytes, so that it is still in PCR 4 (docs/measurements.md §2).
 */
async function loadedImage(sys: Sys, file: { path: string; loaderPath: string; size: number }, known: VerifiedDigests | undefined): Promise<LoadedImage> {
  const read = (offset: number, length: number) => sys.fs.readRange(file.path, offset, length);
  const head = await read(0, Math.min(AUTHENTICODE_HEAD_SIZE, file.size));
  let layout;
  try {
    layout = head[0] === 0x4d && head[1] === 0x5a ? planAuthenticodeHash(head, file.size, { source: file.path }) : undefined;
  } catch {
    // Headers no firmware would load either: the whole file is what is measured, as for any non-PE kernel.
    layout = undefined;
  }
  if (!layout) return { description: file.loaderPath, data: measured(sys, { type: "range", path: file.path, offset: 0, size: file.size }) };
  const ranges = layout.ranges;
  return {
    description: file.loaderPath,
    data: {
      async authenticode(algorithms: readonly DigestAlgorithm[]): Promise<Digests> {
        const sha256 = known?.get(file.path);
        const missing = algorithms.filter((a) => !(a === "sha256" && sha256));
        const computed = missing.length > 0 ? await digestRanges(ranges, read, missing) : {};
        return { ...computed, ...(sha256 && algorithms.includes("sha256") ? { sha256 } : {}) };
      },
    },
  };
}

/** What the firmware and the stubs would measure for this plan. */
export async function measurementInputs(sys: Sys, plan: LoadPlan, known?: VerifiedDigests): Promise<MeasurementInputs> {
  const pieces = plan.composed.measuredPieces;
  const text = (kind: (typeof pieces)[number]["kind"]) => pieces.find((p) => p.kind === kind)?.text ?? null;
  const bootImage = await loadedImage(sys, plan.bootImage, known);
  if (!plan.uki) {
    // What the kernel's EFI stub would load through LoadFile2: systemd-boot's initrd, as laid out, before ukiboot's own log.
    const initrd = plan.initrd.size > 0 ? measured(sys, concatSources([...initrdChunks(plan.initrd)].map((c) => c.leaf))) : undefined;
    return { kind: "type1-linux", loadOptions: plan.composed.loadOptions, bootImage, ...(initrd ? { initrd } : {}) };
  }
  const { image, addons } = plan.uki;
  const whole = async (kind: InitrdMemberKind) => {
    const m = plan.initrd.members.find((x) => x.member.kind === kind);
    if (!m) return undefined;
    return createSourceReader(m.member.source, (p, o, l) => sys.fs.readRange(p, o, l))(0, m.size);
  };
  const [credentials, globalCredentials, sysext, globalSysext, confext, globalConfext] = await Promise.all(
    (["credentials", "global-credentials", "sysext", "global-sysext", "confext", "global-confext"] as const).map(whole),
  );
  const entryExtras = [];
  for (const kind of ENTRY_EXTRA_ORDER) {
    const bytes = await whole(`entry-${kind === "credential" ? "credentials" : kind}`);
    if (bytes) entryExtras.push({ pcr: ENTRY_EXTRA_TARGETS[kind].pcr, description: ENTRY_EXTRA_TARGETS[kind].description, bytes });
  }
  const addonImages = [];
  for (const a of addons) addonImages.push(await loadedImage(sys, { path: a.path, loaderPath: a.loaderPath, size: a.fileSize }, known));
  return {
    kind: "uki",
    loadOptions: plan.composed.loadOptions,
    bootImage,
    addonImages,
    sections: Object.values(image.sections).map((s) => ({ name: s.name, size: s.virtualSize, data: measured(sys, sectionContents(image, s)) })),
    profile: plan.composed.profile,
    customCmdline: text("custom-cmdline"),
    addonCmdline: text("addon-cmdline"),
    ...(credentials ? { credentials } : {}),
    ...(globalCredentials ? { globalCredentials } : {}),
    ...(sysext ? { sysext } : {}),
    ...(globalSysext ? { globalSysext } : {}),
    ...(confext ? { confext } : {}),
    ...(globalConfext ? { globalConfext } : {}),
    ...(entryExtras.length > 0 ? { entryExtras } : {}),
    addonUcode: addons
      .filter((a) => a.sections[".ucode"])
      .map((a) => ({ fileName: a.fileName, data: measured(sys, sectionContents(a, a.sections[".ucode"]!)) })),
    addonInitrds: addons
      .filter((a) => a.sections[".initrd"])
      .map((a) => ({ fileName: a.fileName, data: measured(sys, sectionContents(a, a.sections[".initrd"]!)) })),
  };
}

/**
 * Whether the UKI's .pcrsig signs the PCR 11 this boot reached (docs/measurements.md §5): read back from the
 * TPM after measuring, so a first stage that extended PCR 11 before ukiboot shows too. null without .pcrsig.
 */
async function checkPcrSignature(sys: Sys, plan: LoadPlan, tpm: Tpm2Client): Promise<string | null> {
  const section = plan.uki?.image.sections[".pcrsig"];
  if (!plan.uki || !section) return null;
  const source = sectionContents(plan.uki.image, section);
  const text = new TextDecoder().decode(await createSourceReader(source, (p, o, l) => sys.fs.readRange(p, o, l))(0, sourceSize(source)));
  let entries;
  try {
    entries = parsePcrSignature(text.replace(/\0+$/, ""), plan.label);
  } catch (e) {
    return `${formatError(e)}; a disk sealed to this UKI's key will ask for its passphrase`;
  }
  const pcr11 = (await tpm.pcrRead(11, ["sha256"])).sha256;
  if (!pcr11) return null;
  const phase = pcrSignatureMatch(entries, "sha256", pcr11);
  if (phase) return `the UKI's .pcrsig signs the PCR 11 this boot reaches at ${phase}: a disk sealed to its key can unlock`;
  return (
    `the .pcrsig of "${plan.label}" signs no PCR 11 value this boot reaches, so a disk sealed to its key (.pcrpkey) will ask for its passphrase: ` +
    "either the UKI's sections are not what was signed (rebuild it with ukify --pcr-private-key), or PCR 11 did not start at zero because a first stage measured into it (docs/measurements.md §4)"
  );
}

export interface MeasureResult {
  plan: LoadPlan;
  /** Sentences for the console: no TPM, a failure tolerated under warn, the phase words added. */
  notes: string[];
}

/**
 * Measures the boot described by `plan` and returns the plan with the measurement log in its initrd
 * (and, after PCR 11 measurements, the words that make the target's systemd measure its phases).
 * @throws BootError when measuring failed and the mode is enforce
 */
export async function measureBoot(
  sys: Sys,
  plan: LoadPlan,
  mode: VerifyMode,
  known?: VerifiedDigests,
  opts: { closeTotp?: boolean } = {},
): Promise<MeasureResult> {
  const transport = sys.tpm.open();
  let outcome: MeasurementOutcome;
  let signatureNote: string | null = null;
  // Whether the stub's own measurements reach PCR 11 (a UKI's sections), not only the TOTP secret's close.
  let stubPcr11 = false;
  if (!transport) outcome = { kind: "no-tpm" };
  else {
    try {
      const client = new Tpm2Client(transport);
      const { banks } = await client.activeBanks();
      const stub = planMeasurements(await measurementInputs(sys, plan, known));
      stubPcr11 = stub.some((e) => e.pcr === 11);
      const events = opts.closeTotp ? [...stub, ...totpCloseEvents(stub)] : stub;
      // Each record into this boot's own log as soon as its extend succeeded (docs/measurements.md §6): it says
      // that PCR 11 moved on, which the menu's TOTP secret asks (src/flow/totp-secret.ts).
      const context = { bootId: sys.kernel.bootId() ?? undefined, timestamp: Math.round(sys.clock.now() * 1000) };
      const onRecord = (record: MeasureLogRecord) => {
        try {
          sys.tpm.appendLog(formatMeasureLogRecord(record, context));
        } catch (e) {
          sys.log.warn(`${formatError(e)}; the TPM was extended all the same`);
        }
      };
      outcome = { kind: "measured", records: await applyMeasurements(events, client, { banks, onRecord }) };
      // Advice only: whatever goes wrong here must not turn a measured boot into a failed one.
      if (banks.includes("sha256"))
        signatureNote = await checkPcrSignature(sys, plan, client).catch((e: unknown) => `could not check the UKI's .pcrsig: ${formatError(e)}`);
    } catch (e) {
      outcome = { kind: "failed", error: e };
    }
  }
  const decision = decideMeasurementOutcome(outcome, mode);
  // A TOTP secret sealed to the menu's PCR 11 must not reach the system this starts: when measuring failed
  // and this boot goes on anyway (warn, off), PCR 11 is capped instead (docs/trust.md §8).
  if (opts.closeTotp && outcome.kind === "failed" && decision.proceed) await capPcrs(sys);
  if (!decision.proceed) {
    throw new BootError(
      decision.message ?? "Cannot boot: the TPM measurement failed",
      "Check the TPM (dmesg | grep -i tpm), or boot with ukiboot.verify=warn to continue without measurements",
      {
        cause: outcome.kind === "failed" ? outcome.error : undefined,
      },
    );
  }
  const notes = decision.message ? [decision.message] : [];
  if (signatureNote) notes.push(signatureNote);
  if (outcome.kind !== "measured") return { plan, notes };

  // The measurement log for the target, as one more /.extra archive at the end of the initrd.
  const log = formatMeasureLog(outcome.records, { bootId: sys.kernel.bootId() ?? undefined, timestamp: Math.round(performance.now() * 1000) });
  const archive = measureLogArchive(log);
  const members = [...plan.initrd.members.map((m) => m.member), { kind: "event-log" as const, source: bytesSource(archive) }];
  let cmdline = plan.cmdline;
  if (stubPcr11) {
    // Without StubPcrKernelImage the target's systemd skips its PCR 11 phase measurements; these words
    // turn them back on (proven in test/e2e/systemd-phases.e2e.test.ts), with or without EFI.
    const words = (sys.kernel.isEfiBoot() ? PHASE_MEASURE_WORDS_EFI : pcrphaseWithoutEfiWords()).join(" ");
    try {
      checkCmdlineLength(appendCmdline(cmdline, words));
      cmdline = appendCmdline(cmdline, words);
      notes.push("added SYSTEMD_FORCE_MEASURE to the command line, so the target's systemd measures its boot phases into PCR 11");
    } catch (e) {
      notes.push(`not asking the target's systemd to measure its boot phases: ${formatError(e)}`);
    }
  }
  return { plan: { ...plan, cmdline, initrd: layoutInitrd(members, { style: plan.initrd.style }) }, notes };
}
