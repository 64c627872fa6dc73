/** The boot flow over the flow ESP with a real TPM (swtpm): what PCR 11 holds when an entry fails to load. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { toHex } from "../../../src/bytes/digest.ts";
import { predictPcr11 } from "../../../src/tpm/pcr-predict.ts";
import { Tpm2Client } from "../../../src/tpm/tpm2-client.ts";
import { startSwTpm, type SwTpm } from "../../lab/swtpm.ts";
import { bootDefault } from "../../support/boot-default.ts";
import { fakeSys } from "../../support/fake-sys.ts";
import { flowEsp } from "../../support/flow-esp.ts";
import { profileSections } from "../../support/uki-profiles.ts";

let ESP = "";

beforeAll(async () => {
  ESP = (await flowEsp()).esp;
});

const out = () => {
  const chunks: string[] = [];
  return { write: (s: string) => chunks.push(s), text: () => chunks.join("") };
};

describe("bootDefault() with a TPM (swtpm)", () => {
  let tpm: SwTpm;
  beforeAll(async () => {
    tpm = await startSwTpm();
  });
  afterAll(async () => {
    await tpm?.stop();
  });

  test("a kernel that refuses the default entry leaves the PCRs untouched: PCR 11 holds only the entry that boots", async () => {
    const sys = fakeSys({ tpm: tpm.transport });
    sys.kexec.failures.set("flow-2.efi", "EKEYREJECTED");
    const plan = await bootDefault(sys, { esp: ESP, dryRun: false, out: out() });
    expect(plan.entryId).toBe("flow-1.efi");
    const client = new Tpm2Client(tpm.transport);
    const pcr11 = await client.pcrRead(11, ["sha256"]);
    const [expected] = predictPcr11(profileSections(new Uint8Array(readFileSync(join(ESP, "EFI/Linux/flow-1.efi"))))[0]!, { banks: ["sha256"] });
    expect(toHex(pcr11.sha256!)).toBe(expected!.value);
    // The image that stays loaded is the measured one: it carries the measurement log for the target.
    const last = sys.kexec.loaded.at(-1)!;
    expect(last.initrd.members.map((m) => m.member.kind)).toContain("event-log");
    expect(sys.kexec.execs).toBe(1);
  });

  test("when the measured image fails to load after the first load worked, nothing stays loaded and the next entry boots", async () => {
    const sys = fakeSys({ tpm: tpm.transport });
    sys.kexec.failWhen = (p) => (p.entryId === "flow-2.efi" && p.initrd.members.some((m) => m.member.kind === "event-log") ? "ENOMEM" : undefined);
    const plan = await bootDefault(sys, { esp: ESP, dryRun: false, out: out() });
    expect(plan.entryId).toBe("flow-1.efi");
    expect(sys.kexec.unloads).toBe(1);
    expect(sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-1.efi", "flow-1.efi"]);
    expect(sys.log.text()).toMatch(/error: Cannot load ".*flow-2\.efi": kexec_file_load\(.*\) failed with ENOMEM/);
  });
});
