/**
 * The boot flow over an ESP tree (test/support/flow-esp.ts: UKIs around a small stand-in kernel) and a
 * recording kexec loader. test/integration/flow/run-boot-tpm.test.ts adds a real TPM.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FLOW_INITRD, FLOW_KERNEL, flowEsp } from "../../support/flow-esp.ts";
import { BootError } from "../../../src/errors.ts";
import { bootDefault } from "../../support/boot-default.ts";
import { fakeSys, materialiseInitrd, readSource } from "../../support/fake-sys.ts";

let ESP = "";
let TRUNC_ESP = "";

beforeAll(async () => {
  ({ esp: ESP, truncatedKernelEsp: TRUNC_ESP } = await flowEsp());
}, 120_000);

const out = () => {
  const chunks: string[] = [];
  return { write: (s: string) => chunks.push(s), text: () => chunks.join("") };
};

describe("bootDefault()", () => {
  test("loads the newest UKI's .linux, .initrd and .cmdline, then unmounts and executes", async () => {
    const sys = fakeSys();
    const plan = await bootDefault(sys, { esp: ESP, dryRun: false, out: out() });
    expect(plan.entryId).toBe("flow-2.efi");
    expect(sys.kexec.loaded).toHaveLength(1);
    expect(Buffer.from(readSource(plan.kernel)).equals(Buffer.from(FLOW_KERNEL))).toBe(true);
    // As systemd-stub does: the UKI's .initrd, then its .osrel as /.extra/os-release.
    expect(plan.initrd.members.map((m) => m.member.kind)).toEqual(["initrd", "osrel"]);
    const merged = materialiseInitrd(plan);
    expect(Buffer.from(merged.subarray(0, FLOW_INITRD.length)).equals(Buffer.from(FLOW_INITRD))).toBe(true);
    expect(new TextDecoder().decode(merged)).toContain(".extra/os-release\0");
    // The entry's own line, then the credential that tells the target which entry it is (docs/efi-variables.md §8).
    expect(plan.cmdline).toBe("root=flow v=2 systemd.set_credential=ukiboot.booted-entry:flow-2.efi");
    expect(sys.events).toContain("release");
    expect(sys.kexec.execs).toBe(1);
  });

  test("reports each file it could not use, naming it, and still boots", async () => {
    const sys = fakeSys();
    await bootDefault(sys, { esp: ESP, dryRun: false, out: out() });
    const log = sys.log.text();
    expect(log).toMatch(/warn: .*not-a-uki\.efi: .*no \.linux section, so it is an add-on/);
    expect(log).toMatch(/warn: .*truncated\.efi: Cannot parse PE image ".*truncated\.efi": section ".*" ends at 0x[0-9a-f]+, past the end of the file/);
    expect(log).toMatch(/warn: .*directory\.efi: Ignoring "directory\.efi": it is a directory/);
  });

  test("with dryRun prints the plan and loads nothing", async () => {
    const sys = fakeSys();
    const o = out();
    await bootDefault(sys, { esp: ESP, dryRun: true, out: o });
    expect(sys.kexec.loaded).toHaveLength(0);
    expect(sys.kexec.execs).toBe(0);
    expect(o.text()).toContain("entry:   flow-2.efi");
    expect(o.text()).toContain("cmdline: root=flow v=2");
  });

  test("when the kernel refuses the default entry, says why and boots the next one", async () => {
    const sys = fakeSys();
    sys.kexec.failures.set("flow-2.efi", "ENOEXEC");
    const plan = await bootDefault(sys, { esp: ESP, dryRun: false, out: out() });
    expect(plan.entryId).toBe("flow-1.efi");
    expect(sys.log.text()).toMatch(/error: Cannot load ".*flow-2\.efi": kexec_file_load\(.*\) failed with ENOEXEC/);
    expect(sys.log.text()).toContain('trying the next entry, "Flow OS 1" (flow-1.efi)');
  });

  test("refuses a truncated kernel before kexec, says why, and boots the next entry", async () => {
    const sys = fakeSys();
    const plan = await bootDefault(sys, { esp: TRUNC_ESP, dryRun: false, out: out() });
    expect(plan.entryId).toBe("flow-2.efi");
    expect(sys.log.text()).toMatch(/error: Cannot boot ".*flow-9\.efi": the kernel image is truncated: its header says 4096 bytes, but there are only 2048/);
    expect(sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-2.efi"]);
  });

  test("when every entry fails, throws a BootError with a next step and never executes", async () => {
    const sys = fakeSys();
    sys.kexec.failures.set("flow-2.efi", "ENOEXEC").set("flow-1.efi", "EKEYREJECTED");
    const err = await bootDefault(sys, { esp: ESP, dryRun: false, out: out() }).catch((e) => e);
    expect(err).toBeInstanceOf(BootError);
    expect(err.message).toBe("Cannot boot: every entry failed to load (flow-2.efi, flow-1.efi)");
    expect(err.hint).not.toBe("");
    expect(sys.kexec.execs).toBe(0);
  });

  test("an ESP without UKIs is a BootError that says where it looked", async () => {
    const empty = mkdtempSync(join(tmpdir(), "empty-esp-"));
    const err = await bootDefault(fakeSys(), { esp: empty, dryRun: false, out: out() }).catch((e) => e);
    expect(err).toBeInstanceOf(BootError);
    expect(err.message).toBe(`Cannot boot: no boot entry found on "${empty}" (looked for EFI/Linux/*.efi and loader/entries/*.conf)`);
  });
});
