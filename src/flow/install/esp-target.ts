/**
 * The ESP the installer writes to: where it is mounted, and the GPT partition a firmware boot entry names
 * (HD(): number, start, size, PARTUUID), found from the mount's device among the partitions the kernel knows.
 */
import { BootError } from "../../errors.ts";
import type { PartitionPath } from "../../efi/load-option.ts";
import { ESP_TYPE_GUID } from "../../disk/gpt.ts";
import type { Sys } from "../../ports/sys.ts";

export interface EspTarget {
  readonly mount: string;
  /** undefined when the mount's device is not a GPT partition the kernel lists (a directory given with --esp). */
  readonly partition?: PartitionPath;
}

export function espTarget(sys: Pick<Sys, "mounts" | "disks">, mount: string): EspTarget {
  const m = sys.mounts
    .systemMounts()
    .filter((x) => x.mountPoint === mount)
    .at(-1);
  if (!m) return { mount };
  const p = sys.disks.scan().partitions.find((x) => x.device === m.source);
  if (!p) return { mount };
  if (p.typeGuid !== ESP_TYPE_GUID) {
    throw new BootError(
      `Cannot install ukiboot on "${mount}": its partition ${m.source} has the type ${p.typeGuid}, not the EFI System Partition's ${ESP_TYPE_GUID}`,
      "Pass --esp with the mounted ESP (bootctl --print-esp-path shows it)",
    );
  }
  return { mount, partition: { partition: p.number, startLba: p.firstLba, sizeLba: p.lastLba - p.firstLba + 1n, partUuid: p.partUuid } };
}
