/**
 * `ukiboot init` as PID 1 with a real TPM (swtpm): leaving the boot path caps PCR 11 and 12 in every bank
 * (docs/measurements.md §6).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { INIT_EXIT, runInit } from "../../../src/flow/pid1.ts";
import { TOTP_SENTENCES, TotpLine } from "../../../src/flow/totp-secret.ts";
import { fakeSys } from "../../support/fake-sys.ts";
import { DIGEST_SIZE, digest, toHex } from "../../../src/bytes/digest.ts";
import { parseMeasureLog } from "../../../src/tpm/event-log.ts";
import { PCR_CAP_TEXT } from "../../../src/tpm/pcr-cap.ts";
import { extendPcr, predictPcr11 } from "../../../src/tpm/pcr-predict.ts";
import { Tpm2Client } from "../../../src/tpm/tpm2-client.ts";
import { startSwTpm, type SwTpm } from "../../lab/swtpm.ts";
import { profileSections } from "../../support/uki-profiles.ts";
import { boot, DISK, TERMINAL, espCopy, init, noMenu, scriptedChooser } from "../../support/pid1-harness.ts";

describe("leaving the boot path caps PCR 11 and 12 (docs/measurements.md §6)", () => {
  const BANKS = ["sha1", "sha256", "sha384", "sha512"] as const;
  const TEXT = new TextEncoder().encode(PCR_CAP_TEXT);
  let tpm: SwTpm;
  beforeEach(async () => {
    tpm = await startSwTpm();
  });
  afterEach(async () => {
    await tpm?.stop();
  });

  /** PCR 11 and 12 in every bank, as hex. */
  async function pcrs(): Promise<Record<string, string>> {
    const client = new Tpm2Client(tpm.transport);
    const out: Record<string, string> = {};
    for (const pcr of [11, 12]) for (const [bank, value] of Object.entries(await client.pcrRead(pcr, [...BANKS]))) out[`${pcr}:${bank}`] = toHex(value);
    return out;
  }
  /** Every bank of PCR 11 and 12 extended once with the separator from `from` (zeros by default). */
  function cappedFrom(from: Record<string, string> = {}): Record<string, string> {
    const out: Record<string, string> = {};
    for (const pcr of [11, 12]) {
      for (const bank of BANKS)
        out[`${pcr}:${bank}`] = toHex(
          extendPcr(bank, from[`${pcr}:${bank}`] ? Buffer.from(from[`${pcr}:${bank}`]!, "hex") : new Uint8Array(DIGEST_SIZE[bank]), TEXT),
        );
    }
    return out;
  }
  const zeros = (): Record<string, string> =>
    Object.fromEntries([11, 12].flatMap((pcr) => BANKS.map((bank) => [`${pcr}:${bank}`, "00".repeat(DIGEST_SIZE[bank])])));
  const CAPPED_LINE = `info: extended PCR 11 and 12 with "${PCR_CAP_TEXT}" (banks sha1, sha256, sha384, sha512): no signed PCR 11 value can be reached until the next reboot, so no sealed secret unseals from here`;

  /** Each way `ukiboot init` returns without a kexec, with the options that lead there and its exit code. */
  const leaving = (): [string, Parameters<typeof init>[0], number][] => [
    ["nothing could be booted", { cmdline: "ukiboot.wait=0", partitions: [] }, INIT_EXIT.failed],
    ["the rescue shell chosen in the menu", { console: TERMINAL, chooser: scriptedChooser({ kind: "shell", variables: {} }).factory }, INIT_EXIT.shell],
    ["a dry run", { cmdline: "ukiboot.dry-run" }, INIT_EXIT.done],
  ];

  test.each(leaving())(
    "as PID 1, %s (the shim's shell follows): every bank of PCR 11 and 12 holds the separator, and the kept log replays to it",
    async (_what, opts, code) => {
      const r = await init({ ...opts, tpm: tpm.transport });
      expect(r.code).toBe(code);
      expect(await pcrs()).toEqual(cappedFrom());
      expect(r.log).toContain(CAPPED_LINE);
      const records = parseMeasureLog(r.sys.measureLog.join(""), { source: "kept log" });
      expect(records.map((x) => [x.pcr, x.description, x.digests.map((d) => d.algorithm)])).toEqual([
        [11, PCR_CAP_TEXT, [...BANKS]],
        [12, PCR_CAP_TEXT, [...BANKS]],
      ]);
      for (const x of records) for (const d of x.digests) expect(toHex(d.digest)).toBe(toHex(digest(d.algorithm, TEXT)));
      expect(r.sys.log.closed).toBe(true);
    },
  );

  test.each(leaving())(
    "inside a distribution's initramfs, %s: nothing is capped, so its boot goes on with the PCRs its stub left",
    async (_what, opts, code) => {
      const r = await init({ ...opts, tpm: tpm.transport, env: { hook: "dracut" } });
      expect(r.code).toBe(code);
      expect(await pcrs()).toEqual(zeros());
      expect(r.log).not.toContain("extended PCR 11 and 12");
      expect(r.sys.measureLog).toEqual([]);
    },
  );

  test("a kexec is not preceded by a cap: at the jump PCR 11 holds the UKI's own value; a kernel that then does not start is capped on top", async () => {
    const esp = espCopy();
    const sys = fakeSys({ partitions: [DISK], devices: { "/dev/vda1": esp }, tpm: tpm.transport });
    let atJump: Record<string, string> = {};
    let loggedAtJump: string[] | undefined;
    const exec = sys.kexec.exec.bind(sys.kexec);
    sys.kexec.exec = async () => {
      atJump = await pcrs();
      loggedAtJump = [...sys.measureLog];
      return exec();
    };
    const code = await runInit(sys, {}, noMenu, { write: () => true });
    const [uki] = predictPcr11(profileSections(new Uint8Array(readFileSync(join(esp, "EFI/Linux/flow-2.efi"))))[0]!, { banks: ["sha256"] });
    expect(atJump["11:sha256"]).toBe(uki!.value);
    // This boot's log holds what was measured, and no cap.
    expect(loggedAtJump!.join("")).not.toContain(PCR_CAP_TEXT);
    expect(loggedAtJump!.join("")).toContain('"pcr":11');
    // The fake kernel returns from the jump, as a real one only does when it fails: that is leaving the boot path.
    expect(sys.log.text()).toContain("error: the loaded kernel did not start");
    expect(code).toBe(INIT_EXIT.failed);
    expect(await pcrs()).toEqual(cappedFrom(atJump));
    // The two cap records after what was measured.
    expect(sys.measureLog.slice(loggedAtJump!.length).map((r) => JSON.parse(r.slice(1)).content.string)).toEqual([PCR_CAP_TEXT, PCR_CAP_TEXT]);
  });

  test("without a TPM there is nothing to cap: one debug line", async () => {
    const r = await init({ cmdline: "ukiboot.wait=0", partitions: [] });
    expect(r.log).toContain("debug: no TPM 2.0: no PCR to cap before leaving the boot path");
    expect(r.sys.measureLog).toEqual([]);
  });

  test("a TPM that fails: a warning saying what is still open and what comes next; the exit code is the same", async () => {
    const broken = async (): Promise<Uint8Array> => {
      throw new Error("Cannot send a TPM command to /dev/tpmrm0: write failed with EIO");
    };
    const r = await init({ cmdline: "ukiboot.wait=0", partitions: [], tpm: broken });
    expect(r.code).toBe(INIT_EXIT.failed);
    expect(r.log).toContain(
      "warn: Cannot cap PCR 11 and 12 before leaving the boot path: Cannot send a TPM command to /dev/tpmrm0: write failed with EIO; a secret sealed to this boot's PCR 11 could still be unsealed from a shell. The shim tries once more before its shell; check the TPM with dmesg | grep -i tpm",
    );
    expect(r.sys.measureLog).toEqual([]);
  });
});

describe("the menu's TOTP secret as PID 1 (docs/trust.md §8)", () => {
  let tpm: SwTpm;
  beforeEach(async () => {
    tpm = await startSwTpm();
  });
  afterEach(async () => {
    await tpm?.stop();
  });

  test("seal, then the menu again with the notice and the code; the next boot unseals it; after the measured boot it cannot", async () => {
    const esp = espCopy();
    const first = scriptedChooser({ kind: "seal-totp", variables: {} }, boot("flow-1.efi"));
    const r = await init({ esp, console: TERMINAL, tpm: tpm.transport, chooser: first.factory });
    expect(r.sys.kexec.execs).toBe(1);
    expect(first.requests[0]!.config.actions?.sealTotp).toBe(true);
    expect(first.requests[1]!.notice?.title).toBe("A TOTP secret is sealed");
    expect(first.requests[1]!.notice?.verbatim?.[0]).toMatch(/^otpauth:\/\/totp\/ukiboot:boot\?secret=[A-Z2-7]{32}&/);
    expect(first.requests[1]!.totp?.()).toMatchObject({ kind: "code" });
    expect(r.sys.events.some((e) => e.endsWith("/loader/ukiboot/totp-secret.json"))).toBe(true);
    expect(JSON.parse(readFileSync(join(esp, "loader/ukiboot/totp-secret.json"), "utf8")).pcrs).toEqual([0, 2, 4, 7, 9, 11, 12]);

    // That boot measured flow-1.efi into PCR 11. The system it started (the same TPM, a /run of its own)
    // cannot unseal the secret; the menu of that boot, had it been shown again, says PCR 11 moved on.
    const target = new TotpLine(fakeSys({ tpm: tpm.transport }), esp);
    target.header();
    await Bun.sleep(300);
    expect(target.header()).toEqual({ kind: "unavailable", sentence: TOTP_SENTENCES.changed });
    const again = new TotpLine(r.sys, esp);
    again.header();
    await Bun.sleep(100);
    expect(again.header()).toEqual({ kind: "unavailable", sentence: TOTP_SENTENCES.moved });
  });

  test("without a TPM the action is not offered, and with no secret on the ESP there is no TOTP line at all", async () => {
    const menu = scriptedChooser(boot("flow-1.efi"));
    await init({ esp: espCopy(), console: TERMINAL, chooser: menu.factory });
    expect(menu.requests[0]!.config.actions?.sealTotp).toBe(false);
    const header = menu.requests[0]!.totp!;
    header();
    await Bun.sleep(100);
    expect(header()).toBeUndefined();
  });
});
