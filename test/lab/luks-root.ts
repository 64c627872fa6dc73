/**
 * The sealed-disk variant of the Debian target (test/lab/debian-system.ts): its root file system inside
 * LUKS2, with a recovery passphrase in one keyslot and a TPM2 keyslot enrolled by the system's own
 * systemd-cryptenroll against a signed PCR 11 policy (--tpm2-public-key, --tpm2-public-key-pcrs=11) and no
 * plain PCRs. The TPM is a swtpm whose state is kept with the image: a boot that uses a copy of that state
 * and reaches the PCR 11 value the UKI's .pcrsig signs unlocks the root without the passphrase.
 *
 * Encrypted offline (cryptsetup reencrypt --encrypt on the image file), so no loop device or device mapper
 * is needed on the build machine.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { run } from "../../build/lib/run-command.ts";

/** The LUKS UUID the LUKS UKI's command line names (rd.luks.name=). */
export const LUKS_UUID = "7d1d1a6a-0b5e-4c4e-9a58-6c61622d6c75";
/** The recovery passphrase of keyslot 0. */
export const RECOVERY_PASSPHRASE = "lab-recovery-passphrase";
/** Room for the LUKS2 header in front of the file system. */
const HEADER_MIB = 32;

export interface LuksRoot {
  image: string;
  /** The swtpm state directory holding the key the TPM2 keyslot is sealed under. */
  tpmState: string;
}

/** Waits until `path` exists, or throws after `ms`. */
async function waitFor(path: string, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`Cannot enroll the TPM: ${what} (${path}) did not appear within ${ms} ms`);
    await Bun.sleep(20);
  }
}

/**
 * Writes `out/luks.img` (the ext4 `rootImage`, encrypted) and `out/tpm-state`, enrolling the TPM2 keyslot
 * with systemd-cryptenroll from the chroot `root` (the target's own systemd).
 */
export async function encryptRoot(root: string, rootImage: string, publicKeyInRoot: string, out: string): Promise<LuksRoot> {
  const image = join(out, "luks.img");
  await run(["cp", "--sparse=always", rootImage, image]);
  await run(["truncate", "-s", `+${HEADER_MIB}M`, image]);
  const key = join(out, "recovery.key");
  writeFileSync(key, RECOVERY_PASSPHRASE);
  // PBKDF2 with few iterations: the passphrase is a lab secret, and Argon2 under TCG would take minutes.
  await run([
    "cryptsetup",
    "reencrypt",
    "--encrypt",
    "--type",
    "luks2",
    "--batch-mode",
    "--uuid",
    LUKS_UUID,
    "--reduce-device-size",
    `${HEADER_MIB}M`,
    "--key-file",
    key,
    "--pbkdf",
    "pbkdf2",
    "--pbkdf-force-iterations",
    "1000",
    image,
  ]);

  // The TPM the system will boot with, started once here to seal the key; its state goes with the image.
  const tpmState = join(out, "tpm-state");
  const lab = join(root, "run", "lab");
  mkdirSync(tpmState, { recursive: true });
  mkdirSync(lab, { recursive: true });
  // The swtpm TCTI finds the control channel next to the server socket, as <path>.ctrl.
  const server = join(lab, "swtpm.sock");
  const swtpm: Subprocess = Bun.spawn(
    [
      "swtpm",
      "socket",
      "--tpm2",
      "--tpmstate",
      `dir=${tpmState}`,
      "--server",
      `type=unixio,path=${server}`,
      "--ctrl",
      `type=unixio,path=${server}.ctrl`,
      "--flags",
      "startup-clear,not-need-init",
    ],
    {
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  const mounts: string[] = [];
  try {
    await waitFor(server, 5000, "swtpm's socket");
    for (const [what, where, args] of [
      ["/proc", "proc", ["-t", "proc"]],
      ["/sys", "sys", ["--bind"]],
      ["/dev", "dev", ["--bind"]],
    ] as const) {
      await run(["mount", ...args, what, join(root, where)]);
      mounts.unshift(join(root, where));
    }
    copyFileSync(key, join(lab, "recovery.key"));
    chmodSync(join(lab, "recovery.key"), 0o600);
    const inside = join(lab, "luks.img");
    writeFileSync(inside, "");
    await run(["mount", "--bind", image, inside]);
    mounts.unshift(inside);
    await run([
      "chroot",
      root,
      "systemd-cryptenroll",
      "--unlock-key-file=/run/lab/recovery.key",
      "--tpm2-device=swtpm:path=/run/lab/swtpm.sock",
      `--tpm2-public-key=${publicKeyInRoot}`,
      "--tpm2-public-key-pcrs=11",
      "--tpm2-pcrs=",
      "/run/lab/luks.img",
    ]);
  } finally {
    for (const m of mounts) await run(["umount", m]).catch(() => undefined);
    swtpm.kill();
    await swtpm.exited;
    await run(["rm", "-rf", lab]);
  }
  return { image, tpmState };
}
