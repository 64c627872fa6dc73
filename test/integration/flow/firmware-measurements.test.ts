/**
 * What the firmware and the Linux EFI stub would have measured, measured by ukiboot before kexec
 * (docs/measurements.md §2): the started image's Authenticode digest into PCR 4, and for a plain kernel the
 * LoadOptions and the initrd its EFI stub would have loaded into PCR 9. Over the fake Sys with swtpm; the
 * expected values are computed here from the files, and the log the target gets must replay to them.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasProgram } from "../../../build/lib/run-command.ts";
import { digest, toHex, type DigestAlgorithm } from "../../../src/bytes/digest.ts";
import { openSession } from "../../../src/flow/boot-session.ts";
import { loadEntry, planAndCheck } from "../../../src/flow/load-entry.ts";
import { measureBoot } from "../../../src/flow/measure-boot.ts";
import { TOTP_CLOSE_TEXT } from "../../../src/flow/totp-secret.ts";
import { PCR_CAP_TEXT } from "../../../src/tpm/pcr-cap.ts";
import type { TpmTransport } from "../../../src/tpm/tpm2-client.ts";
import type { LoadPlan } from "../../../src/plan/load-plan.ts";
import { parseMeasureLog, type MeasureLogRecord } from "../../../src/tpm/event-log.ts";
import { utf16WithNul } from "../../../src/tpm/measurements.ts";
import { Tpm2Client } from "../../../src/tpm/tpm2-client.ts";
import { AUTHENTICODE_HEAD_SIZE, digestRangesInMemory, planAuthenticodeHash } from "../../../src/trust/authenticode-hash.ts";
import { FLOW_INITRD, flowEsp } from "../../support/flow-esp.ts";
import { startSwTpm, type SwTpm } from "../../lab/swtpm.ts";
import { fakeSys, readSource } from "../../support/fake-sys.ts";
import { trustFixtures, type TrustFixtures } from "../support/real-trust-fixtures.ts";

let tpm: SwTpm;
let client: Tpm2Client;
let f: TrustFixtures;
let flow = "";

beforeAll(async () => {
  f = await trustFixtures();
  flow = (await flowEsp()).esp;
  if (hasProgram("swtpm")) {
    tpm = await startSwTpm();
    client = new Tpm2Client(tpm.transport);
  }
}, 300_000);
afterAll(async () => {
  await tpm?.stop();
});

const INITRD = FLOW_INITRD;

/** An ESP with one Type #1 `linux` entry: the Debian kernel signed by the test db key, an initrd, options. */
function type1Esp(): string {
  const esp = mkdtempSync(join(tmpdir(), "measured-type1-"));
  mkdirSync(join(esp, "loader/entries"), { recursive: true });
  cpSync(f.kernel.db, join(esp, "vmlinuz-signed"));
  writeFileSync(join(esp, "initrd.img"), INITRD);
  writeFileSync(join(esp, "loader/entries/signed.conf"), "title Signed\nlinux /vmlinuz-signed\ninitrd /initrd.img\noptions console=ttyS0\n");
  return esp;
}

/** The Authenticode digest of a file, as the firmware measures a PE image it starts. */
function authenticode(path: string, algorithm: DigestAlgorithm): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path));
  const layout = planAuthenticodeHash(bytes.subarray(0, AUTHENTICODE_HEAD_SIZE), bytes.byteLength, { source: path });
  return digestRangesInMemory(bytes, layout.ranges, [algorithm])[algorithm]!;
}

const extend = (pcr: Uint8Array, ...digests: Uint8Array[]) => digests.reduce((v, d) => digest("sha256", v, d), pcr);

/** The records of the measurement log the target gets in its initrd (/.extra/tpm2-measure.log). */
function logOf(plan: LoadPlan): MeasureLogRecord[] {
  const member = plan.initrd.members.find((m) => m.member.kind === "event-log")!;
  const text = new TextDecoder("latin1").decode(readSource(member.member.source));
  return parseMeasureLog(text.slice(text.indexOf("\x1e"), text.lastIndexOf("}\n") + 2), { source: "tpm2-measure.log" });
}

async function pcrs(...indexes: number[]): Promise<Record<number, Uint8Array>> {
  const out: Record<number, Uint8Array> = {};
  for (const i of indexes) out[i] = (await client.pcrRead(i, ["sha256"])).sha256!;
  return out;
}

describe.skipIf(!hasProgram("swtpm"))("measured as a firmware and the Linux EFI stub would", () => {
  test("a Type #1 `linux` kernel: its Authenticode digest into PCR 4, the LoadOptions and the initrd into PCR 9", async () => {
    const esp = type1Esp();
    const sys = fakeSys({ tpm: tpm.transport });
    const session = await openSession(sys, { esp }, { verifyFlag: "enforce", trustFiles: [f.keys.db.crt] });
    const before = await pcrs(4, 9, 12);
    const plan = await loadEntry(sys, session, session.discovery.entries[0]!);
    const options = plan.composed.loadOptions!;
    expect(options).toBe("initrd=\\initrd.img console=ttyS0");
    const after = await pcrs(4, 9, 12);
    const kernel = join(esp, "vmlinuz-signed");
    expect(toHex(after[4]!)).toBe(toHex(extend(before[4]!, authenticode(kernel, "sha256"))));
    expect(toHex(after[12]!)).toBe(toHex(extend(before[12]!, digest("sha256", utf16WithNul(options)))));
    expect(toHex(after[9]!)).toBe(toHex(extend(before[9]!, digest("sha256", utf16WithNul(options)), digest("sha256", INITRD))));
    expect(logOf(plan).map((r) => [r.pcr, r.description])).toEqual([
      [4, "\\vmlinuz-signed"],
      [12, options],
      [9, "LOADED_IMAGE::LoadOptions"],
      [9, "Linux initrd"],
    ]);
  });

  test("a UKI: its Authenticode digest into PCR 4, as the firmware records it when systemd-boot starts it", async () => {
    const sys = fakeSys({ tpm: tpm.transport });
    const session = await openSession(sys, { esp: flow }, { verifyFlag: "off" });
    const before = await pcrs(4, 9);
    const plan = await loadEntry(sys, session, session.discovery.entries[0]!);
    const after = await pcrs(4, 9);
    expect(toHex(after[4]!)).toBe(toHex(extend(before[4]!, authenticode(plan.bootImage.path, "sha256"))));
    // The stub's measurements follow in PCR 11; PCR 9, the kernel's own, is left alone for a UKI (docs/measurements.md §7).
    expect(toHex(after[9]!)).toBe(toHex(before[9]!));
    const log = logOf(plan);
    expect(log[0]).toMatchObject({ pcr: 4, description: "\\EFI\\Linux\\flow-2.efi" });
    expect(log.filter((r) => r.pcr === 4)).toHaveLength(1);
  });

  test("with a TOTP secret sealed, a plain kernel moves PCR 11 on with one logged record; a UKI's own sections do already", async () => {
    const esp = type1Esp();
    const sys = fakeSys({ tpm: tpm.transport });
    const session = await openSession(sys, { esp }, { verifyFlag: "enforce", trustFiles: [f.keys.db.crt] });
    const before = await pcrs(11);
    const plan = await loadEntry(sys, session, session.discovery.entries[0]!, { closeTotp: true });
    const after = await pcrs(11);
    expect(toHex(after[11]!)).toBe(toHex(extend(before[11]!, digest("sha256", new TextEncoder().encode(TOTP_CLOSE_TEXT)))));
    expect(
      logOf(plan)
        .filter((r) => r.pcr === 11)
        .map((r) => r.description),
    ).toEqual([TOTP_CLOSE_TEXT]);
    // Only a UKI's own sections ask the target's systemd for its phase measurements.
    expect(plan.cmdline).not.toContain("SYSTEMD_FORCE_MEASURE");
    // Without a sealed secret the plain kernel leaves PCR 11 alone, as systemd-boot does.
    await loadEntry(sys, session, session.discovery.entries[0]!);
    expect(toHex((await pcrs(11))[11]!)).toBe(toHex(after[11]!));

    const ukiSys = fakeSys({ tpm: tpm.transport });
    const ukiSession = await openSession(ukiSys, { esp: flow }, { verifyFlag: "off" });
    const uki = await loadEntry(ukiSys, ukiSession, ukiSession.discovery.entries[0]!, { closeTotp: true });
    expect(logOf(uki).some((r) => r.description === TOTP_CLOSE_TEXT)).toBe(false);
    expect(logOf(uki).some((r) => r.pcr === 11)).toBe(true);
  });

  test("when measuring fails and warn lets the boot go on, the TOTP close caps PCR 11 and 12 instead", async () => {
    const esp = type1Esp();
    // A TPM that refuses the extend of PCR 4, the first of the plain kernel's measurements (TPM_RC_FAILURE).
    const refusing: TpmTransport = async (command) => {
      const view = new DataView(command.buffer, command.byteOffset, command.byteLength);
      if (view.getUint32(6) === 0x182 && view.getUint32(10) === 4) return Uint8Array.from([0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x01, 0x01]);
      return tpm.transport(command);
    };
    const sys = fakeSys({ tpm: refusing });
    const session = await openSession(sys, { esp }, { verifyFlag: "warn", trustFiles: [f.keys.db.crt] });
    const checked = await planAndCheck(sys, session, session.discovery.entries[0]!);
    const before = await pcrs(11, 12);
    const result = await measureBoot(sys, checked.plan, "warn", checked.digests, { closeTotp: true });
    expect(result.plan).toBe(checked.plan);
    const cap = digest("sha256", new TextEncoder().encode(PCR_CAP_TEXT));
    const after = await pcrs(11, 12);
    expect(toHex(after[11]!)).toBe(toHex(extend(before[11]!, cap)));
    expect(toHex(after[12]!)).toBe(toHex(extend(before[12]!, cap)));
    // Without a TOTP close nothing is capped: the boot goes on as warn says.
    await measureBoot(sys, checked.plan, "warn", checked.digests);
    expect(toHex((await pcrs(11))[11]!)).toBe(toHex(after[11]!));
  });

  test("the SHA-256 bank takes the digest verification computed of the same sealed file, instead of hashing it again", async () => {
    const esp = type1Esp();
    const sys = fakeSys({ tpm: tpm.transport });
    const session = await openSession(sys, { esp }, { verifyFlag: "enforce", trustFiles: [f.keys.db.crt] });
    const checked = await planAndCheck(sys, session, session.discovery.entries[0]!);
    const kernel = join(esp, "vmlinuz-signed");
    expect(toHex(checked.digests.get(kernel)!)).toBe(toHex(authenticode(kernel, "sha256")));
    // A digest that no hashing of the file gives shows which one was extended.
    const marker = new Uint8Array(32).fill(0xab);
    const before = await pcrs(4);
    await measureBoot(sys, checked.plan, "enforce", new Map([[kernel, marker]]));
    expect(toHex((await pcrs(4))[4]!)).toBe(toHex(extend(before[4]!, marker)));
  });
});
