/**
 * The PID-1 shim's cap on PCR 11 and 12 (docs/measurements.md §6), run under dash and busybox ash: the
 * TPM2_PCR_Extend commands it writes are src/tpm/pcr-cap.ts's bytes, each in one write() (under strace); what
 * it logs and says for each answer of the TPM; that PID 1 caps before any shell or power-off whatever ukiboot
 * returned, and that the hooks of a distribution's initramfs never cap. Then the shim's bytes against the real
 * tools: sent with tpm2_send to one swtpm, they leave PCR 11 and 12 as tpm2_pcrextend leaves them in another.
 * swtpm, tpm2-tools and strace are required, as npm test installs them: a missing one fails here.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DIGEST_ALGORITHMS, DIGEST_SIZE, toHex, type DigestAlgorithm } from "../../../src/bytes/digest.ts";
import { formatMeasureLogRecord } from "../../../src/tpm/event-log.ts";
import { PCR_CAP_PCRS, PCR_CAP_TEXT, pcrCapCommand, pcrCapDigest, SHIM_CAP_BANKS } from "../../../src/tpm/pcr-cap.ts";
import { extendPcr } from "../../../src/tpm/pcr-predict.ts";
import { startSwTpm, type SwTpm } from "../../lab/swtpm.ts";
import { HOOKS_DIR, runShell, scratchDir, SHELLS } from "../../support/sh-harness.ts";

const SHIM = join(HOOKS_DIR, "common", "init-shim.sh");
const SUCCESS = [0x80, 0x02, 0, 0, 0, 19, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0];
/** TPM_RC_HASH: what a TPM answers for a bank it does not implement. */
const REFUSED = [0x80, 0x01, 0, 0, 0, 10, 0, 0, 0, 0x83];
/** The commands the shim sends, in its order: PCR 11 in every bank, then PCR 12. */
const SENT = PCR_CAP_PCRS.flatMap((pcr) => SHIM_CAP_BANKS.map((bank) => ({ pcr, bank })));

interface CapRun {
  stderr: string;
  /** What the fakes recorded, in order: `tpm` for each exchange with the TPM, then `shell`, `poweroff`. */
  record: string[];
  /** The measurement log the shim appended to, or null when it wrote none. */
  log: string | null;
  /** Every write() of a whole TPM command, as strace saw it, in hex. */
  writes: string[];
}

/**
 * Sources the shim's functions and runs `script` with /dev/null as the TPM device and a fake od that answers
 * each exchange in turn from `answers` (the real od reads nothing from /dev/null: no answer at all).
 */
async function withShim(shell: string[], script: string, opts: { answers?: number[][]; devices?: string; strace?: boolean } = {}): Promise<CapRun> {
  const dir = scratchDir("pcr-cap");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  const record = join(dir, "record");
  writeFileSync(record, "");
  const answers = join(dir, "answers");
  writeFileSync(answers, (opts.answers ?? []).map((a) => ` ${a.join(" ")}\n`).join(""));
  if (opts.answers) {
    // Line N of the answers for the Nth exchange, as od -An -tu1 prints a response.
    writeFileSync(join(bin, "od"), `#!/bin/sh\ncat >/dev/null\necho tpm >>"${record}"\nn=$(grep -c tpm "${record}")\nsed -n "\${n}p" "${answers}"\n`, {
      mode: 0o755,
    });
  }
  const log = join(dir, "run", "log", "systemd", "tpm2-measure.log");
  const trace = join(dir, "strace");
  const stubs = `setsid() { echo shell >>"${record}"; }\ncttyhack() { :; }\npoweroff() { echo poweroff >>"${record}"; }\nsleep() { :; }\n`;
  const argv = opts.strace ? ["strace", "-f", "-qq", "-e", "trace=write", "-xx", "-s", "256", "-o", trace, ...shell] : shell;
  const r = await runShell(argv, `. "${SHIM}"\n${stubs}${script}`, {
    PATH: `${bin}:/usr/bin:/bin`,
    UKIBOOT_SHIM_FUNCTIONS_ONLY: "1",
    UKIBOOT_TPM_DEVICES: opts.devices ?? `${join(dir, "no-tpmrm0")} /dev/null`,
    UKIBOOT_MEASURE_LOG: log,
    // Not an EFI boot, so nothing here says signatures are enforced unless a test says so: never this host's own.
    UKIBOOT_EFI_DIR: join(dir, "no-firmware-efi"),
    UKIBOOT_BOOT_PARAMS: join(dir, "no-boot_params"),
    UKIBOOT_SECUREBOOT_VAR: join(dir, "SecureBoot"),
    UKIBOOT_MOUNTS_FILE: join(dir, "no-mounts"),
    UKIBOOT_LOCKDOWN_FILE: join(dir, "lockdown"),
    UKIBOOT_CMDLINE_FILE: join(dir, "cmdline"),
    UKIBOOT_RESCUE_MARKER: join(dir, "allow-rescue-shell"),
  });
  expect(r.stdout).toBe("");
  const writes = opts.strace
    ? [...readFileSync(trace, "utf8").matchAll(/write\(\d+, "((?:\\x[0-9a-f]{2})*)", (\d+)\)/g)]
        .map((m) => m[1]!.replaceAll("\\x", ""))
        // A TPM command starts with its tag, TPM_ST_SESSIONS; the shell's own messages never do.
        .filter((h) => h.startsWith("8002"))
    : [];
  return {
    stderr: r.stderr,
    record: readFileSync(record, "utf8").split("\n").filter(Boolean),
    log: existsSync(log) ? readFileSync(log, "utf8") : null,
    writes,
  };
}

/** The record the shim appends for `pcr`, as ukiboot formats records (without a boot id or a time). */
function record(pcr: number, banks: readonly DigestAlgorithm[]): string {
  return formatMeasureLogRecord({ pcr, description: PCR_CAP_TEXT, digests: banks.map((algorithm) => ({ algorithm, digest: pcrCapDigest(algorithm) })) });
}

async function shimBytes(shell: string[], pcr: number, bank: DigestAlgorithm): Promise<Uint8Array> {
  const proc = Bun.spawn([...shell, "-c", `. "${SHIM}"; cap_command ${pcr} ${bank}`], {
    env: { UKIBOOT_SHIM_FUNCTIONS_ONLY: "1", PATH: "/usr/bin:/bin" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const bytes = new Uint8Array(await new Response(proc.stdout).arrayBuffer());
  expect({ code: await proc.exited, stderr: await new Response(proc.stderr).text() }).toEqual({ code: 0, stderr: "" });
  return bytes;
}

const CAPPED = `ukiboot: extended PCR 11 and 12 with "${PCR_CAP_TEXT}" through /dev/null (banks sha1 sha256 sha384 sha512): no secret sealed to this boot's PCR 11 unseals from here on\n`;

for (const shell of SHELLS) {
  describe(`the shim's cap, under ${shell.name}`, () => {
    test.each(SENT)("cap_command $pcr $bank prints exactly src/tpm/pcr-cap.ts's TPM2_PCR_Extend", async ({ pcr, bank }) => {
      expect(toHex(await shimBytes(shell.argv, pcr, bank))).toBe(toHex(pcrCapCommand(pcr, bank)));
    });

    test("every command reaches the device in one write(), PCR 11 then 12, each bank in turn; the log gets one record per PCR", async () => {
      const r = await withShim(shell.argv, "cap_pcrs", { answers: SENT.map(() => SUCCESS), strace: true });
      expect(r.writes).toEqual(SENT.map(({ pcr, bank }) => toHex(pcrCapCommand(pcr, bank))));
      expect(r.log).toBe(record(11, DIGEST_ALGORITHMS) + record(12, DIGEST_ALGORITHMS));
      expect(r.stderr).toBe(CAPPED);
    });

    test("banks the TPM refuses (not implemented) are left out of the log and the message; the others are capped", async () => {
      const answer = { sha1: REFUSED, sha256: SUCCESS, sha384: SUCCESS, sha512: REFUSED };
      const r = await withShim(shell.argv, "cap_pcrs", { answers: SENT.map(({ bank }) => answer[bank]) });
      expect(r.record).toHaveLength(8);
      expect(r.log).toBe(record(11, ["sha256", "sha384"]) + record(12, ["sha256", "sha384"]));
      expect(r.stderr).toBe(
        `ukiboot: extended PCR 11 and 12 with "${PCR_CAP_TEXT}" through /dev/null (banks sha256 sha384): no secret sealed to this boot's PCR 11 unseals from here on\n`,
      );
    });

    test("a TPM that answers nothing: each PCR is named as still open, with what to check; nothing is logged", async () => {
      const r = await withShim(shell.argv, "cap_pcrs");
      expect(r.log).toBeNull();
      expect(r.stderr).toBe(
        [11, 12]
          .map(
            (n) =>
              `ukiboot: Cannot cap PCR ${n} through /dev/null: the TPM took none of the extends, so a secret sealed to this boot's PCR ${n} could still be unsealed from a shell; check the TPM with dmesg | grep -i tpm\n`,
          )
          .join(""),
      );
    });

    test("without a TPM device there is nothing to cap, and nothing is said or written", async () => {
      const r = await withShim(shell.argv, "cap_pcrs", { devices: "/nonexistent/tpmrm0 /nonexistent/tpm0", answers: [], strace: true });
      expect(r).toMatchObject({ stderr: "", record: [], log: null, writes: [] });
    });

    // Every status the shim can see, ukiboot's own and those of a binary that could not run or was killed.
    test.each([0, 1, 2, 3, 126, 127, 134])("PID 1 after status %d: the cap, then the rescue shell", async (status) => {
      const r = await withShim(shell.argv, `after_ukiboot ${status}`, { answers: SENT.map(() => SUCCESS) });
      expect(r.record).toEqual([...SENT.map(() => "tpm"), "shell"]);
      expect(r.stderr).toContain(CAPPED);
      expect(r.stderr.indexOf(CAPPED)).toBeLessThan(r.stderr.indexOf("ukiboot: starting a rescue shell"));
    });

    test("PID 1 after status 4, or while signatures are enforced: the cap too, then power-off", async () => {
      for (const script of ["after_ukiboot 4", `echo "ukiboot.verify=enforce" >"$UKIBOOT_CMDLINE_FILE"; after_ukiboot 1`]) {
        const r = await withShim(shell.argv, script, { answers: SENT.map(() => SUCCESS) });
        expect(r.record).toEqual([...SENT.map(() => "tpm"), "poweroff"]);
      }
    });

    test("a distribution's initramfs (--hook): no cap, neither on return nor before the shell of status 3", async () => {
      for (const status of [1, 3]) {
        const r = await withShim(
          shell.argv,
          `UKIBOOT="$(dirname "$UKIBOOT_MEASURE_LOG")/ukiboot"; mkdir -p "\${UKIBOOT%/*}"
printf '#!/bin/sh\\n[ "$1" = --version ] && echo "ukiboot 0.0.0-fake" && exit 0\\nexit ${status}\\n' >"$UKIBOOT"; chmod +x "$UKIBOOT"
UKIBOOT_FILES_LIST=/nonexistent; echo exit | run_from_hook dracut`,
          { answers: SENT.map(() => SUCCESS) },
        );
        expect(r.record).toEqual([]);
        expect(r.log).toBeNull();
        expect(r.stderr).toContain(`ukiboot: exited with status ${status}`);
        expect(r.stderr).not.toContain("extended PCR");
      }
    });
  });
}

describe("the shim's bytes against tpm2-tools, on swtpm", () => {
  let sent: SwTpm;
  let extended: SwTpm;
  beforeAll(async () => {
    [sent, extended] = await Promise.all([startSwTpm(), startSwTpm()]);
    // swtpm serves one connection at a time: the tools get it.
    sent.disconnect();
    extended.disconnect();
  });
  afterAll(async () => {
    await Promise.all([sent?.stop(), extended?.stop()]);
  });

  async function tool(tpm: SwTpm, argv: string[], stdin?: Uint8Array): Promise<Uint8Array> {
    const proc = Bun.spawn(argv, {
      env: { ...process.env, TPM2TOOLS_TCTI: `swtpm:host=127.0.0.1,port=${tpm.port}` },
      stdin: stdin ? new Blob([stdin]) : "ignore",
      stdout: "pipe",
      stderr: "pipe",
      timeout: 10_000,
    });
    const [out, err] = await Promise.all([new Response(proc.stdout).arrayBuffer(), new Response(proc.stderr).text()]);
    expect({ argv: argv.join(" "), code: await proc.exited, err }).toEqual({ argv: argv.join(" "), code: 0, err: "" });
    return new Uint8Array(out);
  }

  /** PCR 11 and 12 in every bank as tpm2_pcrread prints them, as `bank:pcr` → lowercase hex. */
  async function pcrread(tpm: SwTpm): Promise<Record<string, string>> {
    const text = new TextDecoder().decode(await tool(tpm, ["tpm2_pcrread", "sha1:11,12+sha256:11,12+sha384:11,12+sha512:11,12"]));
    const out: Record<string, string> = {};
    let bank = "";
    for (const line of text.split("\n")) {
      const b = /^\s*(sha\d+):\s*$/.exec(line);
      if (b) bank = b[1]!;
      const v = /^\s*(\d+)\s*:\s*0x([0-9A-Fa-f]+)\s*$/.exec(line);
      if (v) out[`${bank}:${v[1]}`] = v[2]!.toLowerCase();
    }
    return out;
  }

  test("tpm2_send with the shim's eight commands leaves PCR 11 and 12 as tpm2_pcrextend with the separator's digests, in every bank", async () => {
    const busybox = SHELLS.find((s) => s.name === "busybox ash")!.argv;
    for (const { pcr, bank } of SENT) {
      const response = await tool(sent, ["tpm2_send"], await shimBytes(busybox, pcr, bank));
      expect(toHex(response)).toBe(toHex(Uint8Array.from(SUCCESS)));
    }
    const digests = SHIM_CAP_BANKS.map((bank) => `${bank}=${toHex(pcrCapDigest(bank))}`).join(",");
    await tool(extended, ["tpm2_pcrextend", `11:${digests}`, `12:${digests}`]);
    const [bySend, byExtend] = await Promise.all([pcrread(sent), pcrread(extended)]);
    const expected: Record<string, string> = {};
    for (const bank of SHIM_CAP_BANKS) {
      for (const pcr of PCR_CAP_PCRS)
        expected[`${bank}:${pcr}`] = toHex(extendPcr(bank, new Uint8Array(DIGEST_SIZE[bank]), new TextEncoder().encode(PCR_CAP_TEXT)));
    }
    expect(byExtend).toEqual(expected);
    expect(bySend).toEqual(byExtend);
  });
});
