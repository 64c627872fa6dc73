/** The target's kernel command line: the serial console, and the words that make systemd measure its phases. */
import { PHASE_MEASURE_WORDS_EFI } from "../../../src/tpm/phase-measure-words.ts";

/**
 * Kernel command-line words that make the stock systemd 257 pcrphase units measure without systemd-stub:
 * the first reaches PID 1's environment (ConditionSecurity=measured-uki), the second the services'
 * environment (systemd-pcrextend's own check). Both are needed, and only an EFI boot whose firmware
 * reports the TPM measures at all (see pcrphaseWithoutEfiCredentialWords for the other case).
 */
export const FORCE_MEASURE_WORDS = PHASE_MEASURE_WORDS_EFI;

/**
 * Base command line of the target: the serial console; systemd's log on the console (PID 1 and, because
 * there is no journald, the services: their output goes to the console with default_standard_output=tty).
 */
export const SYSTEMD_TARGET_CMDLINE = "console=ttyS0 panic=-1 systemd.log_target=console systemd.show_status=1 systemd.default_standard_output=tty";

/**
 * With this word on the command line the initrd does not power off after its report: it copies itself to a
 * tmpfs at /sysroot (without /etc/initrd-release) and leaves through initrd-switch-root.target, so the
 * same systemd continues as a host system, measures "sysinit" and "ready", and reports again.
 */
export const SWITCH_ROOT_WORD = "ukiboot_test.switch_root=1";
