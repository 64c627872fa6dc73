import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { hasProgram } from "../../../build/lib/run-command.ts";
import { FormatError } from "../../../src/errors.ts";
import { applyMeasurements, type MeasuredRecord } from "../../../src/tpm/apply-measurements.ts";
import { formatMeasureLog, parseMeasureLog } from "../../../src/tpm/event-log.ts";
import { planMeasurements, resolveMeasuredBytes } from "../../../src/tpm/measurements.ts";
import { extendPcr, predictPcr11 } from "../../../src/tpm/pcr-predict.ts";
import { Tpm2Client } from "../../../src/tpm/tpm2-client.ts";
import {
  decodeGetCapabilityPcrsResponse,
  decodePcrExtendResponse,
  decodePcrReadResponse,
  encodeGetCapabilityPcrs,
  encodePcrRead,
} from "../../../src/tpm/tpm2-commands.ts";
import { TpmResponseError } from "../../../src/tpm/tpm2-response-code.ts";
import { DIGEST_SIZE, digest, toHex, type DigestAlgorithm } from "../../../src/bytes/digest.ts";
import { missingFixtureTools, readBytes, trustFixtures } from "../support/real-trust-fixtures.ts";
import { profileSections } from "../../support/uki-profiles.ts";
import { startSwTpm, type SwTpm } from "../../lab/swtpm.ts";

const haveSwtpm = hasProgram("swtpm");
if (!haveSwtpm) console.warn("the swtpm tests will not run (npm test counts them as failed): install the Debian package swtpm");

describe.skipIf(!haveSwtpm)("TPM 2.0 commands against swtpm", () => {
  let tpm: SwTpm;
  let client: Tpm2Client;
  let measuredPcr11: string | undefined;
  beforeAll(async () => {
    tpm = await startSwTpm();
    client = new Tpm2Client(tpm.transport);
  });
  afterAll(async () => {
    await tpm?.stop();
  });

  test("GetCapability(TPM_CAP_PCRS) decodes swtpm's real allocation: four banks, 24 PCRs each", async () => {
    const allocation = decodeGetCapabilityPcrsResponse(await tpm.transport(encodeGetCapabilityPcrs()));
    expect(allocation.banks.map((b) => [b.algorithm, b.pcrs.length])).toEqual([
      ["sha1", 24],
      ["sha256", 24],
      ["sha384", 24],
      ["sha512", 24],
    ]);
    expect(await client.activeBanks()).toEqual({ banks: ["sha1", "sha256", "sha384", "sha512"], unsupported: [] });
  });

  test("PCR_Read decodes a real response: PCR 16 is zero after startup", async () => {
    const r = decodePcrReadResponse(await tpm.transport(encodePcrRead(16, ["sha256"])));
    expect(r.values).toEqual([{ algorithm: "sha256", algorithmId: 11, pcr: 16, digest: new Uint8Array(32) }]);
  });

  test("a real error response is decoded into a named TpmResponseError", async () => {
    // TPM2_PCR_Extend on handle 0x18 (PCR 24 does not exist), hand-assembled since the encoder refuses it.
    const cmd = new Uint8Array(Buffer.from("80020000004100000182000000180000000940000009000000000000000001000b" + "00".repeat(32), "hex"));
    const response = await tpm.transport(cmd);
    let err: unknown;
    try {
      decodePcrExtendResponse(response);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TpmResponseError);
    expect((err as TpmResponseError).codeName).toBe("TPM_RC_VALUE");
    expect((err as TpmResponseError).message).toBe(
      "Cannot run TPM2_PCR_Extend on the TPM: it answered TPM_RC_VALUE (0x184: value is out of range or is not correct for the context, handle 1)",
    );
  });

  test("an unknown command code is refused with TPM_RC_COMMAND_CODE", async () => {
    const cmd = new Uint8Array(Buffer.from("80010000000a000001ff", "hex"));
    const response = await tpm.transport(cmd);
    expect(() => decodePcrReadResponse(response)).toThrow(TpmResponseError);
    expect(() => decodePcrReadResponse(response)).toThrow("TPM_RC_COMMAND_CODE");
  });

  test("extend then read: every bank holds H(PCR ‖ H(data))", async () => {
    const banks: DigestAlgorithm[] = ["sha1", "sha256", "sha384", "sha512"];
    const data = new TextEncoder().encode("ukiboot swtpm test");
    await client.pcrExtend(
      16,
      banks.map((algorithm) => ({ algorithm, digest: digest(algorithm, data) })),
    );
    const values = await client.pcrRead(16, banks);
    for (const a of banks) expect(toHex(values[a]!)).toBe(toHex(extendPcr(a, new Uint8Array(DIGEST_SIZE[a]), data)));
  });

  test.skipIf(missingFixtureTools().length > 0)(
    "measuring a multi-profile UKI boot gives the predicted PCR 11 and the replayed PCR 12 and 13",
    async () => {
      const f = await trustFixtures();
      const sections = profileSections(readBytes(f.multiProfile.path))[1]!;
      const events = planMeasurements({
        kind: "uki",
        loadOptions: "@1",
        profile: 1,
        sections: sections.map((s) => ({ name: s.name, data: () => s.data, size: s.data.byteLength })),
        addonCmdline: "ukiboot.addon=1",
        credentials: new TextEncoder().encode("070701 fake credentials cpio"),
        sysext: new TextEncoder().encode("070701 fake sysext cpio"),
        addonInitrds: [{ fileName: "test.addon.efi", data: new Uint8Array([1, 2, 3]) }],
      });
      const { banks } = await client.activeBanks();
      const before = { 11: await client.pcrRead(11, banks), 12: await client.pcrRead(12, banks), 13: await client.pcrRead(13, banks) };
      const seen: MeasuredRecord[] = [];
      const records = await applyMeasurements(events, client, { banks, onRecord: (r) => seen.push(r) });
      expect(seen).toEqual(records);
      expect(records).toHaveLength(events.length);

      // PCR 11 from zero equals the prediction (and therefore systemd-measure, see pcr-predict.test.ts).
      const pcr11 = await client.pcrRead(11, banks);
      for (const p of predictPcr11(sections, { banks })) {
        expect(toHex(before[11][p.bank]!)).toBe("00".repeat(DIGEST_SIZE[p.bank]));
        expect(toHex(pcr11[p.bank]!)).toBe(p.value);
      }
      // PCR 12 and 13 equal a replay of the planned events' data.
      for (const pcr of [12, 13] as const) {
        const now = await client.pcrRead(pcr, banks);
        for (const a of banks) {
          let v = before[pcr][a]!;
          for (const e of events.filter((x) => x.pcr === pcr)) v = extendPcr(a, v, await resolveMeasuredBytes(e.data));
          expect(toHex(now[a]!)).toBe(toHex(v));
        }
      }
      // The event log replays to the same values.
      const log = parseMeasureLog(new TextDecoder().decode(formatMeasureLog(records, { bootId: "0123456789abcdef0123456789abcdef" })), { source: "log" });
      for (const pcr of [11, 12, 13]) {
        let v: Uint8Array = new Uint8Array(32);
        for (const r of log.filter((x) => x.pcr === pcr)) v = digest("sha256", v, r.digests.find((d) => d.algorithm === "sha256")!.digest);
        expect(toHex(v)).toBe(toHex((await client.pcrRead(pcr, ["sha256"])).sha256!));
      }
      measuredPcr11 = toHex(pcr11.sha256!);
    },
    20000,
  );

  test.skipIf(!hasProgram("tpm2_pcrread"))("tpm2-tools reads the same PCR 11 through its own swtpm TCTI", async () => {
    // It reads what the measurement test above left in PCR 11: without that, there is nothing to compare.
    if (!measuredPcr11) throw new Error("Cannot compare PCR 11 with tpm2-tools: the measurement test above did not run or failed");
    // swtpm serves one connection at a time, so ours must go first.
    tpm.disconnect();
    const proc = Bun.spawn(["tpm2_pcrread", "sha256:11"], {
      env: { ...process.env, TPM2TOOLS_TCTI: `swtpm:host=127.0.0.1,port=${tpm.port}` },
      stdout: "pipe",
      stderr: "pipe",
      timeout: 5000,
    });
    const out = await new Response(proc.stdout).text();
    expect(await proc.exited).toBe(0);
    expect(out.toLowerCase()).toContain(`0x${measuredPcr11}`);
  });

  test("a malformed transport answer is a FormatError, not a crash", async () => {
    const bad = new Tpm2Client(async () => new Uint8Array([0x80, 0x01, 0, 0]));
    await expect(bad.activeBanks()).rejects.toBeInstanceOf(FormatError);
  });
});
