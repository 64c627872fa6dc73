/** The menu's TOTP line over a real TPM (swtpm): seal, the code an authenticator computes, a moved PCR 11. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasProgram, run } from "../../../build/lib/run-command.ts";
import { clockWarning, TOTP_PCRS, TOTP_SEALED_FILE, TOTP_SENTENCES, TotpLine } from "../../../src/flow/totp-secret.ts";
import type { TotpHeader } from "../../../src/ports/menu.ts";
import { Tpm2Client } from "../../../src/tpm/tpm2-client.ts";
import { base32Decode } from "../../../src/totp/base32.ts";
import { encodeSealedSecret, sealSecret } from "../../../src/tpm/sealed-secret.ts";
import { VERSION_DATE } from "../../../src/version.ts";
import { startSwTpm, type SwTpm } from "../../lab/swtpm.ts";
import { fakeSys } from "../../support/fake-sys.ts";

const haveTools = hasProgram("swtpm") && hasProgram("oathtool");
if (!haveTools) console.warn("the TOTP flow tests will not run (npm test counts them as failed): install the Debian packages swtpm and oathtool");

/** The header once the background unseal has finished. */
async function settled(line: TotpLine): Promise<TotpHeader | undefined> {
  line.header();
  for (let i = 0; i < 200; i++) {
    await Bun.sleep(10);
    const h = line.header();
    if (h) return h;
  }
  throw new Error("the TOTP line never left its pending state");
}

describe.skipIf(!haveTools)("the menu's TOTP line with swtpm", () => {
  let tpm: SwTpm;
  let esp: string;
  beforeAll(async () => {
    tpm = await startSwTpm();
    esp = mkdtempSync(join(tmpdir(), "ukiboot-totp-"));
  });
  afterAll(async () => {
    await tpm?.stop();
    rmSync(esp, { recursive: true, force: true });
  });

  test("before anything is sealed the header says so; without a TPM it says that", async () => {
    expect(await settled(new TotpLine(fakeSys({ tpm: tpm.transport }), esp))).toEqual({ kind: "unavailable", sentence: TOTP_SENTENCES.noSecret });
    const other = mkdtempSync(join(tmpdir(), "ukiboot-totp-"));
    await Bun.write(join(other, TOTP_SEALED_FILE), "{}");
    expect(await settled(new TotpLine(fakeSys(), other))).toEqual({ kind: "unavailable", sentence: TOTP_SENTENCES.noTpm });
  });

  test("sealing writes the blob, shows the URI as QR and text, and the next boot's code is oathtool's", async () => {
    const sys = fakeSys({ tpm: tpm.transport });
    sys.clock.epoch = Date.parse(`${VERSION_DATE}T12:00:00Z`) / 1000;
    const notice = await new TotpLine(sys, esp).seal();
    expect(sys.events).toContain(`write ${join(esp, TOTP_SEALED_FILE)}`);
    const sealed = JSON.parse(readFileSync(join(esp, TOTP_SEALED_FILE), "utf8")) as { pcrs: number[] };
    expect(sealed.pcrs).toEqual([...TOTP_PCRS]);
    const uri = notice.verbatim![0]!;
    expect(uri).toMatch(/^otpauth:\/\/totp\/ukiboot:boot\?secret=[A-Z2-7]{32}&issuer=ukiboot&algorithm=SHA1&digits=6&period=30$/);
    expect(notice.picture!.length).toBeGreaterThan(15);
    const secret = /secret=([A-Z2-7]+)/.exec(uri)![1]!;
    expect(base32Decode(secret).length).toBe(20);

    // Another boot with the same PCRs: a new TotpLine unseals the blob.
    const later = fakeSys({ tpm: tpm.transport });
    later.clock.epoch = sys.clock.epoch + 3600;
    const header = await settled(new TotpLine(later, esp));
    const at = new Date(later.clock.epochSeconds() * 1000).toISOString();
    const oath = (await run(["oathtool", "--totp", "-b", secret, "--now", at])).stdout.trim();
    expect(header).toEqual({ kind: "code", code: oath, secondsLeft: 30 - (Math.floor(later.clock.epochSeconds()) % 30) });
  });

  test("once PCR 11 moved on (the UKI measured, a shell's cap), the header says the boot changed", async () => {
    await new Tpm2Client(tpm.transport).pcrExtend(11, [{ algorithm: "sha256", digest: new Uint8Array(32).fill(7) }]);
    const sys = fakeSys({ tpm: tpm.transport });
    expect(await settled(new TotpLine(sys, esp))).toEqual({ kind: "unavailable", sentence: TOTP_SENTENCES.changed });
  });

  test("a damaged blob is named, and sealing again mends it", async () => {
    writeFileSync(join(esp, TOTP_SEALED_FILE), '{"version": 1}');
    const header = await settled(new TotpLine(fakeSys({ tpm: tpm.transport }), esp));
    expect(header?.kind).toBe("unavailable");
    expect(header?.kind === "unavailable" && header.sentence).toContain(`the sealed TOTP secret on the ESP cannot be read`);
    const sys = fakeSys({ tpm: tpm.transport });
    sys.clock.epoch = Date.parse(`${VERSION_DATE}T12:00:00Z`) / 1000;
    const line = new TotpLine(sys, esp);
    await line.seal();
    expect(line.header()?.kind).toBe("code");
    expect((await settled(new TotpLine(sys, esp)))?.kind).toBe("code");
  });

  test("once a PCR of the secret moved on in this boot (this boot's /run log says so), sealing is refused and the header says why", async () => {
    const sys = fakeSys({ tpm: tpm.transport });
    sys.tpm.appendLog(
      '\x1e{"pcr":11,"digests":[{"hashAlg":"sha256","digest":"' + "11".repeat(32) + '"}],"content_type":"systemd","content":{"string":".linux"}}\n',
    );
    expect(new TotpLine(sys, esp).seal()).rejects.toThrow("Cannot seal a TOTP secret: PCR 11 moved on in this boot already");
    expect(await settled(new TotpLine(sys, esp))).toEqual({ kind: "unavailable", sentence: TOTP_SENTENCES.moved });
  });

  test("a blob that names other PCRs than ukiboot's is not unsealed, though the TPM would release it", async () => {
    const other = mkdtempSync(join(tmpdir(), "ukiboot-totp-"));
    const sealed = await sealSecret(tpm.transport, new Uint8Array(20).fill(1), [0]);
    await Bun.write(join(other, TOTP_SEALED_FILE), encodeSealedSecret(sealed));
    expect(await settled(new TotpLine(fakeSys({ tpm: tpm.transport }), other))).toEqual({
      kind: "unavailable",
      sentence: "the TOTP secret on the ESP is sealed to PCRs 0: seal it again",
    });
  });

  test("a clock before this version was made is called wrong in the header", () => {
    const made = Date.parse(`${VERSION_DATE}T00:00:00Z`) / 1000;
    expect(clockWarning(made)).toBeUndefined();
    expect(clockWarning(made - 1)).toBe(
      `the clock says ${new Date((made - 1) * 1000).toISOString().slice(0, 10)}, before ukiboot ${VERSION_DATE}: set it in the firmware setup`,
    );
  });
});
