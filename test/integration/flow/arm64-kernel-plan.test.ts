/**
 * On arm64 the plan says how the kernel is packed (docs/kexec.md §10): a plain Image is loaded as it is, a
 * zboot payload is narrowed to its compressed Image and marked for the loader to undo, and a malformed one is
 * refused so the next entry boots. UKIs made by the real ukify; the fake machine says it is an aarch64.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { debianParts } from "../../../build/debian.ts";
import { openSession } from "../../../src/flow/boot-session.ts";
import { planAndCheck } from "../../../src/flow/load-entry.ts";
import { runBoot } from "../../../src/flow/run-boot.ts";
import { buildOnce } from "../../lab/build-once.ts";
import { buildUki } from "../../lab/target-system.ts";
import { ZBOOT_PAYLOAD_OFFSET, zbootImage } from "../../lab/zboot.ts";
import { fakeSys } from "../../support/fake-sys.ts";

/**
 * A stand-in arm64 Image: the header (image_size past the file, 4K pages, little-endian) and 60 KiB of code.
 * Without the EFI stub's "MZ": ukify keeps a .linux that is neither PE nor compressed as it is.
 */
function standInImage(): Uint8Array {
  const b = new Uint8Array(64 * 1024).fill(0x17);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(16, BigInt(b.byteLength + 65536), true);
  dv.setBigUint64(24, 0xan, true);
  b.set(new TextEncoder().encode("ARM\x64"), 0x38);
  return b;
}

let ESP = "";
beforeAll(async () => {
  const parts = await debianParts();
  const dir = await buildOnce("arm64-kernel-esp", { inputs: { v: 2 }, code: import.meta.path, single: true }, async (out) => {
    const esp = join(out, "esp");
    mkdirSync(join(esp, "EFI/Linux"), { recursive: true });
    const kernels: Record<string, Uint8Array> = {
      "image-1.efi": standInImage(),
      "zboot-gzip-2.efi": zbootImage(standInImage(), "gzip"),
      "zboot-zstd-3.efi": zbootImage(standInImage(), "zstd"),
      "zboot-lzma-4.efi": zbootImage(standInImage(), "lzma"),
    };
    for (const [name, bytes] of Object.entries(kernels)) {
      const linux = join(out, `${name}.linux`);
      writeFileSync(linux, bytes);
      const v = name.match(/(\d)\.efi$/)![1]!;
      writeFileSync(join(out, `${name}.osrel`), `ID=arm\nPRETTY_NAME="Arm ${name}"\nVERSION_ID=${v}\n`);
      await buildUki(parts, {
        output: join(esp, "EFI/Linux", name),
        linux,
        cmdline: `v=${v}`,
        osRelease: `@${join(out, `${name}.osrel`)}`,
        uname: "6.12.0-arm",
      });
    }
  });
  ESP = join(dir, "esp");
}, 120_000);

const aarch64 = () => fakeSys({ machine: "aarch64" });
const entry = async (sys: ReturnType<typeof aarch64>, id: string) => {
  const session = await openSession(sys, { esp: ESP });
  return { session, e: session.discovery.entries.find((x) => x.id === id)! };
};

describe("arm64 kernel formats in the plan", () => {
  test("a plain Image is loaded as it is", async () => {
    const sys = aarch64();
    const { session, e } = await entry(sys, "image-1.efi");
    const { plan, kernel } = await planAndCheck(sys, session, e);
    expect(kernel.format).toBe("arm64-image");
    expect(plan.kernelEncoding).toBeUndefined();
  });

  test.each([
    ["zboot-gzip-2.efi", "gzip"],
    ["zboot-zstd-3.efi", "zstd"],
  ])("%s: the payload alone, marked %s for the loader, and the plan says so", async (id, encoding) => {
    const sys = aarch64();
    const { session, e } = await entry(sys, id);
    const { plan, kernel } = await planAndCheck(sys, session, e);
    expect(kernel.format).toBe("efi-zboot");
    expect(plan.kernelEncoding).toBe(encoding as "gzip" | "zstd");
    const linux = (e.kind === "type2" ? e.image : undefined)!.sections[".linux"]!;
    expect(plan.kernel).toMatchObject({ type: "range", offset: linux.fileOffset + ZBOOT_PAYLOAD_OFFSET });
    expect(plan.notes).toContain(
      `the kernel is an EFI zboot image with a ${encoding} payload: ukiboot decompresses it before loading, since the arm64 loaders take a plain Image`,
    );
  });

  test("a zboot kernel ukiboot cannot undo is refused by name, and the next entry boots", async () => {
    const sys = aarch64();
    const session = await openSession(sys, { esp: ESP });
    const r = await runBoot(sys, session, { chooser: null, menuFirst: false });
    expect(r.kind).toBe("started");
    expect(sys.log.text()).toContain(
      `Cannot boot "${join(ESP, "EFI/Linux/zboot-lzma-4.efi")}": it is an EFI zboot image compressed with lzma; only gzip and zstd are undone`,
    );
    expect(sys.kexec.loaded[0]!.entryId).toBe("zboot-zstd-3.efi");
  });

  test("a kernel without kexec_file_load: the boot says it loaded with kexec_load, once per load", async () => {
    const sys = aarch64();
    sys.kexec.call = "kexec_load";
    const session = await openSession(sys, { esp: ESP });
    const r = await runBoot(sys, session, { chooser: null, menuFirst: false });
    expect(r.kind).toBe("started");
    const says = sys.log
      .text()
      .split("\n")
      .filter((l) => l.includes("this kernel has no kexec_file_load: loaded with kexec_load"));
    expect(says).toHaveLength(1);
    expect(says[0]).toContain("docs/kexec.md §11");
  });

  test("with kexec_file_load nothing is said about kexec_load", async () => {
    const sys = aarch64();
    const session = await openSession(sys, { esp: ESP });
    await runBoot(sys, session, { chooser: null, menuFirst: false });
    expect(sys.log.text()).not.toContain("loaded with kexec_load");
  });

  test("on x86_64 the same zboot UKI is refused as no bzImage", async () => {
    const sys = fakeSys();
    const { session, e } = await entry(sys, "zboot-gzip-2.efi");
    await expect(planAndCheck(sys, session, e)).rejects.toThrow(
      "the kernel image is an EFI zboot image (another architecture's), and kexec_file_load on x86_64 loads bzImages only",
    );
  });
});
