/**
 * Choosing the ESP among the GPT partitions of every disk (docs/entries.md §1): the partition the firmware
 * booted from when known (LoaderDevicePartUUID), or one named on the kernel command line, else the first ESP;
 * XBOOTLDR only on the same disk.
 */
import { ESP_TYPE_GUID, XBOOTLDR_TYPE_GUID, type GptPartition } from "../disk/gpt.ts";

export interface CandidatePartition extends GptPartition {
  device: string;
  disk: string;
  /** Filesystem label, when known (LABEL=). */
  label?: string;
}

export interface EspChoice<P extends CandidatePartition> {
  esp: P;
  xbootldr?: P;
  /** Other ESPs that were not chosen, for the log. */
  others: P[];
  reason: string;
}

/** Whether `p` matches an `ukiboot.esp=` selector. */
export function matchesSelector(p: CandidatePartition, selector: string): boolean {
  const [k, ...rest] = selector.split("=");
  const v = rest.join("=");
  if (rest.length === 0) return p.device === selector;
  switch (k) {
    case "PARTUUID":
      return p.partUuid.toLowerCase() === v.toLowerCase();
    case "PARTLABEL":
      return p.name === v;
    case "LABEL":
      return p.label === v;
    default:
      return false;
  }
}

export function chooseEsp<P extends CandidatePartition>(parts: P[], opts: { selector?: string; loaderPartUuid?: string }): EspChoice<P> | undefined {
  let esp: P | undefined;
  let reason = "";
  if (opts.selector) {
    esp = parts.find((p) => matchesSelector(p, opts.selector!));
    reason = `it matches ukiboot.esp=${opts.selector}`;
    if (!esp) return undefined;
  } else {
    const esps = parts.filter((p) => p.typeGuid === ESP_TYPE_GUID);
    if (opts.loaderPartUuid) {
      esp = esps.find((p) => p.partUuid.toLowerCase() === opts.loaderPartUuid!.toLowerCase());
      if (esp) reason = "the firmware booted from it (LoaderDevicePartUUID)";
    }
    if (!esp) {
      esp = esps[0];
      reason = "it is the first partition of type ESP";
    }
    if (!esp) return undefined;
  }
  const chosen = esp;
  const xbootldr = parts.find((p) => p.typeGuid === XBOOTLDR_TYPE_GUID && p.disk === chosen.disk);
  const others = parts.filter((p) => p.typeGuid === ESP_TYPE_GUID && p !== chosen);
  return { esp: chosen, ...(xbootldr ? { xbootldr } : {}), others, reason };
}
