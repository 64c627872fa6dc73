/**
 * Network entries through the one boot flow (docs/network.md): ukiboot.url= naming a UKI or an index, Type #1
 * `uki-url` entries on the ESP, retries, fallback to local entries, and the same verification as a local UKI.
 * The UKIs are the flow ESP's (test/support/flow-esp.ts); the fake network serves them by URL.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ESP_TYPE_GUID } from "../../../src/disk/gpt.ts";
import { encodeUtf16 } from "../../../src/efi/efivar-codec.ts";
import { LOADER_GUID } from "../../../src/efi/loader-vars.ts";
import { openSession } from "../../../src/flow/boot-session.ts";
import { RETRY_BACKOFF_MS } from "../../../src/flow/fetch-entry.ts";
import { INIT_EXIT, runInit } from "../../../src/flow/pid1.ts";
import { runBoot } from "../../../src/flow/run-boot.ts";
import { menuView } from "../../../src/flow/menu-view.ts";
import { DownloadError } from "../../../src/net/receive-body.ts";
import type { Partition } from "../../../src/ports/sys.ts";
import { FLOW_KERNEL, flowEsp } from "../../support/flow-esp.ts";
import { fakeSys, readSource, type FakeSysOptions } from "../../support/fake-sys.ts";

const SERVER = "http://boot.test/esp";
let ESP = "";
let served: Record<string, string> = {};

beforeAll(async () => {
  ESP = (await flowEsp()).esp;
  const index = [
    {
      type: "type2",
      id: "flow-2.efi",
      showTitle: "Flow OS 2 (network)",
      version: "2",
      linux: "/EFI/Linux/flow-2.efi",
      extras: ["/loader/credentials/site.cred", "flow-2.efi.extra.d/extra.addon.efi", "flow-2.efi.extra.d/notes.txt", "flow-2.efi.extra.d/missing.cred"],
    },
    { type: "type2", id: "flow-1.efi", showTitle: "Flow OS 1 (network)", version: "1", linux: "/EFI/Linux/flow-1.efi" },
    { type: "type1", id: "plain.conf", linux: "/vmlinuz" },
  ];
  const dir = mkdtempSync(join(tmpdir(), "net-index-"));
  writeFileSync(join(dir, "index.json"), JSON.stringify(index));
  writeFileSync(join(dir, "junk.json"), "<html>not an index</html>");
  writeFileSync(join(dir, "not-pe.efi"), "<html>404 page served with status 200</html>");
  writeFileSync(join(dir, "site.cred"), "a credential for every UKI\n");
  served = {
    [`${SERVER}/index.json`]: join(dir, "index.json"),
    [`${SERVER}/junk.json`]: join(dir, "junk.json"),
    [`${SERVER}/EFI/Linux/flow-2.efi`]: join(ESP, "EFI/Linux/flow-2.efi"),
    [`${SERVER}/EFI/Linux/flow-1.efi`]: join(ESP, "EFI/Linux/flow-1.efi"),
    [`${SERVER}/not-pe.efi`]: join(dir, "not-pe.efi"),
    [`${SERVER}/loader/credentials/site.cred`]: join(dir, "site.cred"),
    // An add-on (its .cmdline is "extra=1").
    [`${SERVER}/EFI/Linux/flow-2.efi.extra.d/extra.addon.efi`]: join(ESP, "EFI/Linux/not-a-uki.efi"),
    [`${SERVER}/truncated.efi`]: join(ESP, "EFI/Linux/truncated.efi"),
  };
}, 120_000);

const DISK: Partition = {
  number: 1,
  typeGuid: ESP_TYPE_GUID,
  partUuid: "1b4e3c2a-0000-4000-8000-000000000001",
  firstLba: 2048n,
  lastLba: 526335n,
  name: "ESP",
  device: "/dev/vda1",
  disk: "vda",
};
const out = { write: () => true };

function netSys(opts: FakeSysOptions = {}) {
  return fakeSys({ served, ...opts });
}

/** An ESP with the flow UKIs and these entry files. */
function espWith(entries: Record<string, string>): string {
  const esp = mkdtempSync(join(tmpdir(), "net-esp-"));
  cpSync(ESP, esp, { recursive: true });
  mkdirSync(join(esp, "loader/entries"), { recursive: true });
  for (const [name, text] of Object.entries(entries)) writeFileSync(join(esp, "loader/entries", name), text);
  return esp;
}

describe("ukiboot.url= naming a UKI, with no disk", () => {
  test("brings the network up, fetches the UKI into a sealed file, and boots it as a local UKI would be", async () => {
    const sys = netSys({ cmdline: `console=ttyS0 ukiboot.url=${SERVER}/EFI/Linux/flow-2.efi ip=dhcp` });
    const code = await runInit(
      sys,
      {},
      async () => {
        throw new Error("no menu without a console");
      },
      out,
    );
    expect(code).toBe(INIT_EXIT.failed); // the fake exec returns: "the loaded kernel did not start"
    expect(sys.kexec.execs).toBe(1);
    const plan = sys.kexec.loaded[0]!;
    expect(Buffer.from(readSource(plan.kernel)).equals(Buffer.from(FLOW_KERNEL))).toBe(true);
    expect(plan.label).toBe(`${SERVER}/EFI/Linux/flow-2.efi`);
    expect(plan.cmdline).toBe("root=flow v=2 systemd.set_credential=ukiboot.booted-entry:net:flow-2.efi");
    const log = sys.log.text();
    expect(log).toContain(`no ESP found; booting from ukiboot.url=${SERVER}/EFI/Linux/flow-2.efi only`);
    // Every message names the URL, not the file the download was read from.
    expect(log).toContain(`warn: "${SERVER}/EFI/Linux/flow-2.efi": it is not signed`);
    expect(log).not.toContain(join(ESP, "EFI/Linux/flow-2.efi"));
    expect(log).toMatch(/info: network: eth0 10\.0\.2\.15\/24, gateway 10\.0\.2\.2, DNS 10\.0\.2\.3 \(DHCP\) \(\d+ ms\)/);
    // Sealed by the network layer, so no snapshot copy; closed once the kernel holds its own copy.
    expect(sys.events.filter((e) => !e.startsWith("release"))).toEqual([
      "network up dhcp",
      `download ${SERVER}/EFI/Linux/flow-2.efi`,
      `close ${SERVER}/EFI/Linux/flow-2.efi`,
      "exec",
    ]);
  });

  test("ip=off keeps the network off: the entry fails with why, and nothing else can boot", async () => {
    const sys = netSys({ cmdline: `ukiboot.url=${SERVER}/EFI/Linux/flow-2.efi ip=bogus` });
    const code = await runInit(
      sys,
      {},
      async () => {
        throw new Error("no menu");
      },
      out,
    );
    expect(code).toBe(INIT_EXIT.failed);
    expect(sys.log.text()).toContain('warn: ignoring ip=bogus: the value "bogus"');
    expect(sys.events).toContain("network up off");
    expect(sys.kexec.loaded).toHaveLength(0);
  });

  test("a local boot never touches the network", async () => {
    const sys = netSys({ partitions: [DISK], devices: { "/dev/vda1": ESP } });
    await runInit(
      sys,
      {},
      async () => {
        throw new Error("no menu");
      },
      out,
    );
    expect(sys.kexec.execs).toBe(1);
    expect(sys.events.filter((e) => e.startsWith("network") || e.startsWith("download"))).toEqual([]);
  });
});

describe("ukiboot.url= naming an index", () => {
  test("lists the index's UKIs before the local entries and boots its default", async () => {
    const sys = netSys();
    const session = await openSession(sys, { esp: ESP }, { bootUrl: `${SERVER}/index.json`, network: { mode: "dhcp" } });
    const ids = session.discovery.entries.map((e) => `${e.source}:${e.id}`);
    expect(ids.slice(0, 2)).toEqual(["network:net:flow-2.efi", "network:net:flow-1.efi"]);
    expect(ids).toContain("esp:flow-2.efi");
    // A Type #1 `linux` entry needs separate initrds: it is left out with its position.
    expect(session.discovery.problems.map((p) => p.message)).toContain(
      `${SERVER}/index.json [2]: Ignoring "plain.conf": it boots a kernel with separate initrds, and only UKIs are booted over the network`,
    );
    const r = await runBoot(sys, session, { chooser: null, menuFirst: false });
    expect(r.kind).toBe("started");
    const plan = sys.kexec.loaded[0]!;
    expect(plan.label).toBe(`${SERVER}/EFI/Linux/flow-2.efi`);
    // The index's extras came with it: the add-on's command line, and the credential packed as the stub packs it.
    expect(plan.cmdline).toBe("root=flow v=2 extra=1 systemd.set_credential=ukiboot.booted-entry:net:flow-2.efi");
    expect(plan.initrd.members.map((m) => m.member.kind)).toContain("global-credentials");
    const log = sys.log.text();
    expect(log).toContain(
      `Ignoring the extra "${SERVER}/EFI/Linux/flow-2.efi.extra.d/notes.txt": only .addon.efi, .cred, .sysext.raw and .confext.raw files are extras`,
    );
    expect(log).toContain(
      `Ignoring the extra "${SERVER}/EFI/Linux/flow-2.efi.extra.d/missing.cred": Cannot download "${SERVER}/EFI/Linux/flow-2.efi.extra.d/missing.cred": the server answered 404 Not Found`,
    );
    // Every download was closed once the kernel held its copy.
    expect(sys.events.filter((e) => e.startsWith("close"))).toEqual(
      ["index.json", "EFI/Linux/flow-2.efi", "loader/credentials/site.cred", "EFI/Linux/flow-2.efi.extra.d/extra.addon.efi"].map((p) => `close ${SERVER}/${p}`),
    );
  });

  test.each([
    ["404", `${SERVER}/missing.json`, `Cannot download "${SERVER}/missing.json": the server answered 404 Not Found`],
    ["junk", `${SERVER}/junk.json`, `Cannot read the boot index "${SERVER}/junk.json": it is not JSON`],
  ])("an index that is %s is one problem naming the URL; the local entries boot", async (_n, url, message) => {
    const sys = netSys();
    const session = await openSession(sys, { esp: ESP }, { bootUrl: url, network: { mode: "dhcp" } });
    expect(session.discovery.entries.every((e) => e.source === "esp")).toBe(true);
    const problem = session.discovery.problems.find((p) => p.file === "ukiboot.url")!;
    expect(problem.message).toContain(message);
    expect(problem.message).toEndWith("the local entries remain");
    const r = await runBoot(sys, session, { chooser: null, menuFirst: false });
    expect(r.kind).toBe("started");
    expect(sys.kexec.loaded[0]!.entryId).toBe("flow-2.efi");
    expect(sys.kexec.loaded[0]!.label).toBe(join(ESP, "EFI/Linux/flow-2.efi"));
  });

  test("an index entry with a local entry's id does not replace it: the server's ids are namespaced (net:)", async () => {
    const sys = netSys();
    const session = await openSession(sys, { esp: ESP }, { bootUrl: `${SERVER}/index.json`, network: { mode: "dhcp" }, entryOverride: "flow-2.efi" });
    const ids = session.discovery.entries.map((e) => `${e.source}:${e.id}`);
    expect(ids.filter((i) => i.endsWith("flow-2.efi"))).toEqual(["network:net:flow-2.efi", "esp:flow-2.efi"]);
    // ukiboot.entry= naming the local id picks the local entry, although the network one is listed first.
    expect(session.discovery.entries[session.state.choice.index!]).toMatchObject({ source: "esp", id: "flow-2.efi" });
  });

  test("LoaderEntryOneShot naming a local id boots the local entry; naming net:ID boots the server's", async () => {
    const oneShot = (value: string) => {
      const dir = mkdtempSync(join(tmpdir(), "net-efivars-"));
      writeFileSync(join(dir, `LoaderEntryOneShot-${LOADER_GUID}`), Uint8Array.from([7, 0, 0, 0, ...encodeUtf16(value)]));
      return dir;
    };
    const local = netSys({ efivarfs: oneShot("flow-1.efi") });
    const s = await openSession(local, { esp: ESP }, { bootUrl: `${SERVER}/index.json`, network: { mode: "dhcp" } });
    expect((await runBoot(local, s, { chooser: null, menuFirst: false })).kind).toBe("started");
    expect([local.kexec.loaded[0]!.entryId, local.kexec.loaded[0]!.label]).toEqual(["flow-1.efi", join(ESP, "EFI/Linux/flow-1.efi")]);
    expect(local.events.filter((e) => e.startsWith("download"))).toEqual([`download ${SERVER}/index.json`]);
    const remote = netSys({ efivarfs: oneShot("net:flow-1.efi") });
    const r = await openSession(remote, { esp: ESP }, { bootUrl: `${SERVER}/index.json`, network: { mode: "dhcp" } });
    expect((await runBoot(remote, r, { chooser: null, menuFirst: false })).kind).toBe("started");
    expect([remote.kexec.loaded[0]!.entryId, remote.kexec.loaded[0]!.label]).toEqual(["net:flow-1.efi", `${SERVER}/EFI/Linux/flow-1.efi`]);
  });

  test("a relative ukiboot.url= is refused with why", async () => {
    const sys = netSys();
    const session = await openSession(sys, { esp: ESP }, { bootUrl: ":flow-2.efi" });
    expect(session.discovery.problems[0]!.message).toStartWith("Ignoring ukiboot.url=:flow-2.efi: the relative URL");
  });
});

describe("Type #1 uki-url entries on the ESP", () => {
  test("the relative form is resolved against ukiboot.url=; without an origin the entry is hidden with why", async () => {
    const esp = espWith({ "net.conf": "title Network Flow\nsort-key 0\nuki-url :flow-1.efi\n" });
    const sys = netSys();
    const session = await openSession(sys, { esp }, { bootUrl: `${SERVER}/EFI/Linux/flow-2.efi` });
    expect(session.discovery.entries.find((e) => e.id === "net.conf")).toMatchObject({
      kind: "uki-url",
      ukiUrl: ":flow-1.efi",
      url: `${SERVER}/EFI/Linux/flow-1.efi`,
    });
    const alone = await openSession(netSys(), { esp });
    expect(alone.discovery.entries.find((e) => e.id === "net.conf")).toBeUndefined();
    expect(alone.discovery.problems.map((p) => p.message)).toContain(
      'Cannot use entry: its uki-url cannot be used: the relative URL ":flow-1.efi" needs the URL the boot loader came from, and there is none (no LoaderDeviceURL, no ukiboot.url=)',
    );
  });

  test("the menu lists a network entry tagged, with its URL, without fetching it; under enforce it is not editable", async () => {
    const esp = espWith({ "net.conf": `title Network Flow\nsort-key 0\nuki-url ${SERVER}/EFI/Linux/flow-1.efi\n` });
    const sys = netSys();
    const session = await openSession(sys, { esp }, { network: { mode: "dhcp" }, verifyFlag: "enforce" });
    const entries = await (await menuView(sys, session, 100)).details();
    const e = entries.find((x) => x.id === "net.conf")!;
    expect(e.tags).toEqual(["network"]);
    expect(e.details.url).toBe(`${SERVER}/EFI/Linux/flow-1.efi`);
    expect(e.editable).toEqual({ reason: "Entry not editable in SecureBoot mode." });
    expect(sys.events.filter((x) => x.startsWith("download") || x.startsWith("network"))).toEqual([]);
  });

  test("the entry's options replace the UKI's .cmdline, as for a local `uki` entry", async () => {
    const esp = espWith({ "net.conf": `title Network Flow\nsort-key 0\nuki-url ${SERVER}/EFI/Linux/flow-1.efi\noptions root=net v=net\n` });
    const sys = netSys();
    const session = await openSession(sys, { esp }, { network: { mode: "dhcp" } });
    expect(session.discovery.entries[0]!.id).toBe("net.conf");
    const r = await runBoot(sys, session, { chooser: null, menuFirst: false });
    expect(r.kind).toBe("started");
    expect(sys.kexec.loaded[0]!.cmdline).toBe("root=net v=net systemd.set_credential=ukiboot.booted-entry:net.conf");
  });

  test.each([
    ["a 404", `${SERVER}/gone.efi`, `Cannot download "${SERVER}/gone.efi": the server answered 404 Not Found`],
    [
      "a body that is not PE",
      `${SERVER}/not-pe.efi`,
      `Cannot boot "${SERVER}/not-pe.efi": Cannot parse PE image "${SERVER}/not-pe.efi": the file is 44 bytes, shorter than a DOS header`,
    ],
    ["a truncated UKI", `${SERVER}/truncated.efi`, `Cannot boot "${SERVER}/truncated.efi": `],
  ])("%s is a clear message naming the URL, and the next (local) entry boots", async (_n, url, message) => {
    const esp = espWith({ "net.conf": `title Network\nsort-key 0\nuki-url ${url}\n` });
    const sys = netSys();
    const session = await openSession(sys, { esp }, { network: { mode: "dhcp" } });
    const r = await runBoot(sys, session, { chooser: null, menuFirst: false });
    expect(r.kind).toBe("started");
    const log = sys.log.text();
    expect(log).toContain(message);
    expect(log).not.toContain("/proc/self/fd");
    expect(log).toContain('trying the next entry, "Flow OS 2" (flow-2.efi)');
    expect(sys.kexec.loaded[0]!.entryId).toBe("flow-2.efi");
  });

  test("under enforce an unsigned fetched UKI is refused, naming the URL; nothing unverified boots", async () => {
    const esp = espWith({ "net.conf": `title Network\nsort-key 0\nuki-url ${SERVER}/EFI/Linux/flow-1.efi\n` });
    const sys = netSys();
    const session = await openSession(sys, { esp }, { network: { mode: "dhcp" }, verifyFlag: "enforce" });
    await expect(runBoot(sys, session, { chooser: null, menuFirst: false })).rejects.toThrow("every entry failed to load");
    expect(sys.log.text()).toContain(`Cannot boot "${SERVER}/EFI/Linux/flow-1.efi": `);
    expect(sys.kexec.loaded).toHaveLength(0);
    // The download was closed: nothing half-checked stays around.
    expect(sys.events).toContain(`close ${SERVER}/EFI/Linux/flow-1.efi`);
  });
});

describe("retries", () => {
  test("a refused connection is tried three times, 1 s and 3 s apart; a 404 once", async () => {
    const refused = new DownloadError(`${SERVER}/down.efi`, "refused", "the connection to boot.test was refused", "Check that the server runs");
    const esp = espWith({ "a.conf": `sort-key 0\nuki-url ${SERVER}/down.efi\n`, "b.conf": `sort-key 1\nuki-url ${SERVER}/gone.efi\n` });
    const sys = netSys({ served: { ...served, [`${SERVER}/down.efi`]: refused } });
    const session = await openSession(sys, { esp }, { network: { mode: "dhcp" } });
    await runBoot(sys, session, { chooser: null, menuFirst: false });
    expect(sys.events.filter((e) => e.startsWith("download"))).toEqual([...Array(3).fill(`download ${SERVER}/down.efi`), `download ${SERVER}/gone.efi`]);
    expect(sys.clock.slept).toEqual(RETRY_BACKOFF_MS);
    expect(sys.log.text()).toContain("was refused; trying again in 1 s");
    // Asked for by each entry, configured once.
    expect(sys.log.text().match(/info: network: /g)).toHaveLength(1);
  });
});
