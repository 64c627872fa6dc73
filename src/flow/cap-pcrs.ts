/**
 * Capping PCR 11 and 12 before ukiboot's own initramfs leaves the boot path without a kexec
 * (docs/measurements.md §6). Started LinuxBoot-style, PCR 11 is still zero when a shell follows, and from
 * there any TPM tool could extend it to exactly a UKI's signed value and unseal its disk; one separator event
 * in every active bank makes every such value unreachable until the next reset.
 */
import { formatError } from "../errors.ts";
import type { Sys } from "../ports/sys.ts";
import { applyMeasurements } from "../tpm/apply-measurements.ts";
import { formatMeasureLogRecord, MEASURE_LOG_RUN_PATH } from "../tpm/event-log.ts";
import { PCR_CAP_PCRS, PCR_CAP_TEXT, pcrCapEvents } from "../tpm/pcr-cap.ts";
import { Tpm2Client } from "../tpm/tpm2-client.ts";

const PCRS = `PCR ${PCR_CAP_PCRS.join(" and ")}`;

/**
 * Extends the separator into PCR 11 and 12 and records it in the kept log. Never throws: a failure is a
 * warning, since the shim caps once more before its shell.
 */
export async function capPcrs(sys: Sys): Promise<void> {
  const transport = sys.tpm.open();
  if (!transport) {
    sys.log.debug("no TPM 2.0: no PCR to cap before leaving the boot path");
    return;
  }
  let banks;
  try {
    const client = new Tpm2Client(transport);
    ({ banks } = await client.activeBanks());
    const context = { bootId: sys.kernel.bootId() ?? undefined, timestamp: Math.round(sys.clock.now() * 1000) };
    await applyMeasurements(pcrCapEvents(), client, {
      banks,
      // Each record as soon as its extend succeeded, so the log never misses an extend that happened.
      onRecord: (record) => {
        try {
          sys.tpm.appendLog(formatMeasureLogRecord(record, context));
        } catch (e) {
          sys.log.warn(`${formatError(e)}; the TPM was extended all the same, but ${MEASURE_LOG_RUN_PATH} does not show it`);
        }
      },
    });
  } catch (e) {
    sys.log.warn(
      `Cannot cap ${PCRS} before leaving the boot path: ${formatError(e)}; a secret sealed to this boot's PCR 11 could still be unsealed from a shell. ` +
        "The shim tries once more before its shell; check the TPM with dmesg | grep -i tpm",
    );
    return;
  }
  sys.log.info(
    `extended ${PCRS} with "${PCR_CAP_TEXT}" (banks ${banks.join(", ")}): no signed PCR 11 value can be reached until the next reboot, so no sealed secret unseals from here`,
  );
}
