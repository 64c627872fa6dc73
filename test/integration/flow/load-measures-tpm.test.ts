/** What `ukiboot load` measures, read back from a real TPM (swtpm). */
import { describe, expect, test } from "bun:test";
import { toHex } from "../../../src/bytes/digest.ts";
import { openSession } from "../../../src/flow/boot-session.ts";
import { crashTransform } from "../../../src/flow/load-crash-kernel.ts";
import { loadEntry } from "../../../src/flow/load-entry.ts";
import { Tpm2Client } from "../../../src/tpm/tpm2-client.ts";
import { startSwTpm } from "../../lab/swtpm.ts";
import { fakeSys } from "../../support/fake-sys.ts";
import { flowEsp } from "../../support/flow-esp.ts";

describe("what `ukiboot load` measures", () => {
  test("load without --measure and a crash kernel leave the PCRs alone; a boot measures", async () => {
    const tpm = await startSwTpm();
    try {
      const sys = fakeSys({ tpm: tpm.transport });
      const s = await openSession(sys, { esp: (await flowEsp()).esp }, { verifyFlag: "off" });
      const client = new Tpm2Client(tpm.transport);
      const pcr11 = async () => toHex((await client.pcrRead(11, ["sha256"])).sha256!);
      const zero = await pcr11();
      await loadEntry(sys, s, s.discovery.entries[0]!, { measure: false });
      // A crash kernel is not measured even when measuring is not turned off.
      await loadEntry(sys, s, s.discovery.entries[0]!, { transform: crashTransform({ addons: [] }) });
      expect(await pcr11()).toBe(zero);
      await loadEntry(sys, s, s.discovery.entries[0]!);
      expect(await pcr11()).not.toBe(zero);
    } finally {
      await tpm.stop();
    }
  });
});
