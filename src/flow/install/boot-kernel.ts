/**
 * The kernel the boot image is built from: by default the running system's (`/boot/vmlinuz-$(uname -r)`)
 * with its modules, and whether it can start another kernel at all, from its configuration in
 * `/boot/config-<release>` or, without that file, the one it carries (CONFIG_IKCONFIG).
 */
import { BootError } from "../../errors.ts";
import { isBuiltIn, parseKernelConfig } from "../../initrd/kernel-config.ts";
import { readEmbeddedConfig } from "../../kernel-image/ikconfig.ts";
import { compareVersions } from "../../bls/version-compare.ts";
import type { InstallHost } from "../../ports/install-host.ts";

export interface BootKernel {
  readonly path: string;
  readonly release: string;
  readonly bytes: Uint8Array;
  /** `/lib/modules/<release>` when it has a modules.dep. */
  readonly modulesDir: string | null;
  /** Why the kernel cannot start another, when its configuration says so. */
  readonly kexecUnsupported?: string;
  /** Where the configuration was read, or why it could not be: for `status` and the install's report. */
  readonly config: string;
}

/** `vmlinuz-6.12.57+deb13-amd64` → `6.12.57+deb13-amd64`. */
function releaseOf(path: string): string | undefined {
  return /(?:^|\/)(?:vmlinuz|vmlinux|Image|bzImage)-([^/]+)$/.exec(path)?.[1];
}

/** A package manager's half-written or set-aside copy, never a kernel to build from. */
const LEFTOVER = /\.(dpkg-[a-z]+|old|bak|rpmnew|rpmsave)$/;

/**
 * The newest kernel in /boot by the UAPI version order, as kernel-install and systemd-boot sort versions:
 * what an update of an image that follows the installed kernels is built from. Null when there is none.
 */
export function newestKernel(host: InstallHost): { readonly path: string; readonly release: string } | null {
  const releases = host
    .listDir("/boot")
    .map((n) => /^vmlinuz-(.+)$/.exec(n)?.[1])
    .filter((r): r is string => r !== undefined && !LEFTOVER.test(r));
  if (releases.length === 0) return null;
  const newest = releases.reduce((a, b) => (compareVersions(b, a) > 0 ? b : a));
  return { path: `/boot/vmlinuz-${newest}`, release: newest };
}

export async function findBootKernel(host: InstallHost, opts: { kernel?: string; machine: string }): Promise<BootKernel> {
  const given = opts.kernel ?? `/boot/vmlinuz-${host.kernelRelease()}`;
  // Recorded for update and status, so absolute: a relative path would mean another file from elsewhere.
  const path = host.exists(given) ? host.realpath(given) : given;
  const release = releaseOf(path) ?? (opts.kernel ? undefined : host.kernelRelease());
  if (!release) {
    throw new BootError(
      `Cannot tell the release of the kernel "${path}": its name is not vmlinuz-RELEASE`,
      "Pass the kernel as /boot/vmlinuz-RELEASE, whose modules are in /lib/modules/RELEASE",
    );
  }
  const bytes = host.readFile(path);
  if (!bytes) throw new BootError(`Cannot read the kernel "${path}": it does not exist`, "Pass --kernel with the path of an installed kernel (ls /boot)");
  const modulesDir = host.exists(`/lib/modules/${release}/modules.dep`) ? `/lib/modules/${release}` : null;
  const configFile = `/boot/config-${release}`;
  const text = host.readFile(configFile);
  let config: string;
  let configText: string | undefined;
  if (text) {
    config = configFile;
    configText = new TextDecoder().decode(text);
  } else {
    const found = await readEmbeddedConfig({ read: async (o, n) => bytes.subarray(o, o + n), size: bytes.length }, { source: path, machine: opts.machine });
    config = "config" in found ? `the configuration "${path}" carries` : `none: no ${configFile}, and ${found.missing}`;
    if ("config" in found) configText = found.config;
  }
  const kexecUnsupported = configText === undefined ? undefined : kexecProblem(parseKernelConfig(configText), path, opts.machine);
  return { path, release, bytes, modulesDir, ...(kexecUnsupported ? { kexecUnsupported } : {}), config };
}

/** kexec_file_load everywhere; on arm64 kexec_load is enough, since ukiboot brings its own purgatory (docs/kexec.md). */
function kexecProblem(config: ReturnType<typeof parseKernelConfig>, path: string, machine: string): string | undefined {
  if (isBuiltIn(config, "CONFIG_KEXEC_FILE")) return undefined;
  if (machine === "aarch64" && isBuiltIn(config, "CONFIG_KEXEC")) return undefined;
  return `the kernel "${path}" was built without CONFIG_KEXEC_FILE${machine === "aarch64" ? " and CONFIG_KEXEC" : ""}, so it cannot start the kernels ukiboot chooses`;
}
