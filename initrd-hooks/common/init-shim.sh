#!/bin/sh
# ukiboot shim: the one place that starts `ukiboot init` in an initramfs (initrd-hooks/README.md).
#   init-shim.sh                   PID 1 of ukiboot's own initramfs (src/install/boot-initramfs.ts installs it as /init)
#   init-shim.sh --hook GENERATOR  once, from the runtime hook of dracut, mkinitcpio or initramfs-tools
# POSIX sh: it runs under busybox ash, dash and klibc sh.

# Neither `set -e` nor `set -u`: PID 1 must survive a failing mount or a mistake (its exit panics the kernel),
# and in hook mode the generator's boot must go on whatever happens here.

# The kernel starts PID 1 without PATH; in hook mode the generator's PATH finds its modprobe.
PATH=${PATH:-/usr/sbin:/usr/bin:/sbin:/bin}
export PATH

UKIBOOT=${UKIBOOT:-/usr/bin/ukiboot}
# Where the generators' hooks install files.list; its `module` lines are loaded in hook mode.
UKIBOOT_FILES_LIST=${UKIBOOT_FILES_LIST:-/usr/lib/ukiboot/files.list}
UKIBOOT_CMDLINE_FILE=${UKIBOOT_CMDLINE_FILE:-/proc/cmdline}
# What decides, when ukiboot itself cannot run, whether signatures are enforced (docs/trust.md §2 and §6):
# whether UEFI booted this kernel, x86's boot_params (where the kernel's EFI stub left what it found), the
# SecureBoot variable, the mounts that tell whether efivarfs is there to answer for it, and lockdown.
UKIBOOT_EFI_DIR=${UKIBOOT_EFI_DIR:-/sys/firmware/efi}
UKIBOOT_BOOT_PARAMS=${UKIBOOT_BOOT_PARAMS:-/sys/kernel/boot_params/data}
UKIBOOT_SECUREBOOT_VAR=${UKIBOOT_SECUREBOOT_VAR:-/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c}
UKIBOOT_MOUNTS_FILE=${UKIBOOT_MOUNTS_FILE:-/proc/self/mounts}
# Where ukiboot mounts the ESP and XBOOTLDR (src/flow/pid1.ts).
UKIBOOT_RUN_DIR=${UKIBOOT_RUN_DIR:-/run/ukiboot}
UKIBOOT_LOCKDOWN_FILE=${UKIBOOT_LOCKDOWN_FILE:-/sys/kernel/security/lockdown}
# Present only in lab images built with --allow-rescue-shell.
UKIBOOT_RESCUE_MARKER=${UKIBOOT_RESCUE_MARKER:-/etc/ukiboot/allow-rescue-shell}
# Where the PID-1 shim caps PCR 11 and 12 (docs/measurements.md §6): the kernel's TPM devices, the resource
# manager first, and the measurement log ukiboot keeps in /run (systemd's path).
UKIBOOT_TPM_DEVICES=${UKIBOOT_TPM_DEVICES:-/dev/tpmrm0 /dev/tpm0}
UKIBOOT_MEASURE_LOG=${UKIBOOT_MEASURE_LOG:-/run/log/systemd/tpm2-measure.log}
# Messages in colour codes are unreadable in a serial log.
NO_COLOR=1
export NO_COLOR

# Status lines go to stderr: in hook mode that is the stream the generators put on the console (dracut's
# hook services send only stderr there); as PID 1 both streams are the console.
say() {
	echo "ukiboot: $*" >&2
}

# The meaning of `ukiboot init`'s exit status, as documented in initrd-hooks/README.md.
describe_status() {
	case $1 in
	0) say "finished without booting (status 0: dry run)" ;;
	1) say "exited with status 1: nothing could be booted" ;;
	2) say "exited with status 2: bad usage" ;;
	3) say "exited with status 3: the rescue shell was chosen in the menu" ;;
	4) say "exited with status 4: nothing could be booted, and signatures are enforced, so no shell is offered" ;;
	126 | 127) say "exited with status $1: cannot run $UKIBOOT" ;;
	*)
		if [ "$1" -gt 128 ]; then
			say "exited with status $1: killed by signal $(($1 - 128))"
		else
			say "exited with status $1"
		fi
		;;
	esac
}

# The word `ukiboot.off` on the kernel command line turns the hooks off, for example in the command line of
# a UKI whose initramfs carries the hook itself, so that ukiboot does not boot that UKI again and again.
is_turned_off() {
	cmdline=
	[ -r "$UKIBOOT_CMDLINE_FILE" ] && read -r cmdline <"$UKIBOOT_CMDLINE_FILE"
	case " $cmdline " in
	*" ukiboot.off "*) return 0 ;;
	esac
	return 1
}

# Whether efivarfs is mounted where the SecureBoot variable is read. On an EFI boot the kernel creates that
# directory whether or not efivarfs is mounted on it, and an empty directory must not pass for a firmware
# without the variable.
efivarfs_mounted() {
	[ -r "$UKIBOOT_MOUNTS_FILE" ] || return 1
	while read -r _ sb_target sb_type _; do
		[ "$sb_target" = "${UKIBOOT_SECUREBOOT_VAR%/*}" ] && [ "$sb_type" = efivarfs ] && return 0
	done <"$UKIBOOT_MOUNTS_FILE"
	return 1
}

# Mounts efivarfs where the SecureBoot variable is read, unless it is already there.
mount_efivarfs() {
	[ -d "${UKIBOOT_SECUREBOOT_VAR%/*}" ] || return 0
	efivarfs_mounted && return 0
	mount -t efivarfs -o nosuid,nodev,noexec efivarfs "${UKIBOOT_SECUREBOOT_VAR%/*}" 2>/dev/null
}

# What x86's boot_params.secure_boot says, as on, off or nothing: the kernel's enum efi_secureboot_mode at
# offset 0x1ec (492), 3 enabled, 2 disabled; 0 (no EFI stub filled it in), 1 (the stub could not tell) and
# any value the kernel does not define say nothing. sysfs can seek, so od reads the one byte.
boot_params_secure_boot() {
	[ -r "$UKIBOOT_BOOT_PARAMS" ] || return 0
	# Word splitting of od's number is intended.
	# shellcheck disable=SC2046
	set -- $(od -An -tu1 -j492 -N1 "$UKIBOOT_BOOT_PARAMS" 2>/dev/null)
	case ${1:-} in
	3) echo on ;;
	2) echo off ;;
	esac
}

# What the SecureBoot variable says, as on, off or nothing: its first data byte, after the 4-byte attributes.
# A variable absent from a mounted efivarfs is off, as the kernel's EFI stub takes it (no root user can
# delete a firmware's variable that exists); absent with no efivarfs mounted, or unreadable, or too short to
# hold a value, it says nothing.
secure_boot_variable() {
	if [ ! -e "$UKIBOOT_SECUREBOOT_VAR" ]; then
		efivarfs_mounted && echo off
		return 0
	fi
	# Read the whole file: efivarfs refuses to seek, and with od -j the first attribute byte (6) would be
	# taken for the value. Word splitting of od's numbers is intended.
	# shellcheck disable=SC2046
	set -- $(od -An -tu1 "$UKIBOOT_SECUREBOOT_VAR" 2>/dev/null)
	[ $# -ge 5 ] || return 0
	case $5 in
	*[!0-9]*) ;;
	0) echo off ;;
	*) echo on ;;
	esac
}

# Whether signatures are enforced, decided without ukiboot (for when it cannot run), by the rule ukiboot
# itself follows (src/trust/secure-boot-state.ts): never in a lab image; otherwise when boot_params or the
# SecureBoot variable says on (any "on" wins, since a lie can only make the shim stricter), when UEFI booted
# this kernel and neither of them answers, when the kernel is locked down, or with ukiboot.verify=enforce or
# strict on the command line. Leaves the reason in sb_why, for the message.
signatures_enforced() {
	[ -e "$UKIBOOT_RESCUE_MARKER" ] && return 1
	sb_params=$(boot_params_secure_boot)
	sb_variable=$(secure_boot_variable)
	case $sb_params,$sb_variable in
	on,off | off,on)
		sb_why="boot_params.secure_boot and the SecureBoot variable disagree on Secure Boot"
		return 0
		;;
	on,* | *,on)
		sb_why="Secure Boot is on"
		return 0
		;;
	,)
		if [ -e "$UKIBOOT_EFI_DIR" ]; then
			sb_why="this is an EFI boot and neither boot_params.secure_boot nor the SecureBoot variable says whether Secure Boot is on"
			return 0
		fi
		;;
	esac
	if [ -r "$UKIBOOT_LOCKDOWN_FILE" ]; then
		case $(cat "$UKIBOOT_LOCKDOWN_FILE") in
		*"[integrity]"* | *"[confidentiality]"*)
			sb_why="the kernel is locked down"
			return 0
			;;
		esac
	fi
	cmdline=
	[ -r "$UKIBOOT_CMDLINE_FILE" ] && read -r cmdline <"$UKIBOOT_CMDLINE_FILE"
	case " $cmdline " in
	*" ukiboot.verify=enforce "* | *" ukiboot.verify=strict "*)
		sb_why="ukiboot.verify= on the kernel command line asks for it"
		return 0
		;;
	esac
	return 1
}

# The separator that caps PCR 11 and 12, as src/tpm/pcr-cap.ts defines it.
cap_text='ukiboot: leaving the boot path'

# The separator's digest in bank $1: cap_hex for the log; cap_alg (TPM_ALG_ID), cap_size (the command's
# size) and cap_digest as octal escapes for printf. Fails for a bank it does not know.
cap_bank() {
	case $1 in
	sha1)
		cap_alg='\000\004' cap_size='\065'
		cap_hex=59590c644722fa9af565af52dd72894181c1cf3b
		cap_digest='\131\131\014\144\107\042\372\232\365\145\257\122\335\162\211\101\201\301\317\073'
		;;
	sha256)
		cap_alg='\000\013' cap_size='\101'
		cap_hex=e37d8b8d0a302474b8b0c390aef41b92d4069511cb8eb3726e1d93aced3d893e
		cap_digest='\343\175\213\215\012\060\044\164\270\260\303\220\256\364\033\222\324\006\225\021\313\216\263\162\156\035\223\254\355\075\211\076'
		;;
	sha384)
		cap_alg='\000\014' cap_size='\121'
		cap_hex=0001b89836200128b9294b7400e378890e3eed791d5265aa64b85642dc5ff2b13ea132505889099cb5ab64a1b607908f
		cap_digest='\000\001\270\230\066\040\001\050\271\051\113\164\000\343\170\211\016\076\355\171\035\122\145\252\144\270\126\102\334\137\362\261\076\241\062\120\130\211\011\234\265\253\144\241\266\007\220\217'
		;;
	sha512)
		cap_alg='\000\015' cap_size='\141'
		cap_hex=fb0c2f4bfb2211b54859387aeaba388ccb487afde6f9c748d5ff295885a3e5125d7e8dea619be24d9cfde4dac3171d97f89fae25dc4290344e1c6796a70c504f
		cap_digest='\373\014\057\113\373\042\021\265\110\131\070\172\352\272\070\214\313\110\172\375\346\371\307\110\325\377\051\130\205\243\345\022\135\176\215\352\141\233\342\115\234\375\344\332\303\027\035\227\370\237\256\045\334\102\220\064\116\034\147\226\247\014\120\117'
		;;
	*) return 1 ;;
	esac
}

# TPM2_PCR_Extend of PCR $1 (11 or 12) with the separator in bank $2, written by one printf so that it reaches
# the TPM in one write(), as the kernel's TPM devices require. src/tpm/pcr-cap.ts builds the same bytes, and
# test/integration/hooks/pcr-cap.test.ts holds the two together and checks them against tpm2_pcrextend.
cap_command() {
	cap_bank "$2" || return 1
	case $1 in
	11) cap_pcr='\013' ;;
	12) cap_pcr='\014' ;;
	*) return 1 ;;
	esac
	# Tag TPM_ST_SESSIONS, commandSize, TPM_CC_PCR_Extend; pcrHandle; authorizationSize 9 for one session:
	# TPM_RS_PW, an empty nonce, no attributes, an empty password (a PCR's auth value); one TPMT_HA.
	# shellcheck disable=SC2059 # the format is the command: its escapes are the bytes
	printf "\200\002\000\000\000$cap_size\000\000\001\202""\000\000\000$cap_pcr""\000\000\000\011\100\000\000\011\000\000\000\000\000""\000\000\000\001$cap_alg$cap_digest"
}

# Sends the cap of PCR $2 in bank $3 to the TPM device $1; succeeds when the TPM answers TPM_RC_SUCCESS.
# Command and response share one descriptor: the kernel keeps a response for the descriptor that wrote.
cap_send() {
	# Word splitting of od's numbers is intended.
	# shellcheck disable=SC2046
	set -- $({ cap_command "$2" "$3" >&3 && od -An -tu1 <&3; } 2>/dev/null 3<>"$1")
	# The response code follows the tag (2 bytes) and the size (4).
	[ $# -ge 10 ] && [ "$7" = 0 ] && [ "$8" = 0 ] && [ "$9" = 0 ] && [ "${10}" = 0 ]
}

# Whenever ukiboot returned to PID 1 no kernel was started, and a shell may follow: PCR 11 may still be what
# it was at the start (zero, LinuxBoot-style), from where any TPM tool could extend it to a UKI's signed
# value and unseal its disk. So PCR 11 and 12 get the separator (docs/measurements.md §6), here as well as
# in ukiboot, which may not have run: capping twice changes nothing that matters, and the log shows both.
# One command per bank, since the shim cannot ask which are active: a bank the TPM has but did not allocate
# ignores its digest, and one it does not implement refuses that command alone.
cap_pcrs() {
	cap_device=
	for cap_d in $UKIBOOT_TPM_DEVICES; do
		if [ -c "$cap_d" ]; then
			cap_device=$cap_d
			break
		fi
	done
	# Without a TPM there is nothing to cap.
	[ -n "$cap_device" ] || return 0
	cap_done=
	for cap_n in 11 12; do
		cap_digests=
		cap_banks=
		for cap_b in sha1 sha256 sha384 sha512; do
			cap_send "$cap_device" "$cap_n" "$cap_b" || continue
			cap_bank "$cap_b"
			cap_digests="$cap_digests${cap_digests:+,}{\"hashAlg\":\"$cap_b\",\"digest\":\"$cap_hex\"}"
			cap_banks="$cap_banks${cap_banks:+ }$cap_b"
		done
		if [ -z "$cap_digests" ]; then
			say "Cannot cap PCR $cap_n through $cap_device: the TPM took none of the extends, so a secret sealed to this boot's PCR $cap_n could still be unsealed from a shell; check the TPM with dmesg | grep -i tpm"
			continue
		fi
		cap_done="$cap_done $cap_n"
		# One record as systemd writes them (JSON-SEQ), 0600 as systemd creates the file.
		mkdir -p "${UKIBOOT_MEASURE_LOG%/*}" 2>/dev/null
		(umask 077 && printf '\036{"pcr":%s,"digests":[%s],"content_type":"systemd","content":{"string":"%s"}}\n' "$cap_n" "$cap_digests" "$cap_text" >>"$UKIBOOT_MEASURE_LOG") 2>/dev/null ||
			say "Cannot append to the measurement log \"$UKIBOOT_MEASURE_LOG\"; PCR $cap_n was extended all the same"
	done
	case $cap_done in
	" 11 12") say "extended PCR 11 and 12 with \"$cap_text\" through $cap_device (banks $cap_banks): no secret sealed to this boot's PCR 11 unseals from here on" ;;
	?*) say "extended PCR$cap_done with \"$cap_text\" through $cap_device (banks $cap_banks)" ;;
	esac
}

# The generator ships the ESP modules (files.list) but udev only loads drivers for hardware it sees; file
# systems and efivarfs have no hardware, so load them here, with the generator's modprobe and its blacklists.
load_listed_modules() {
	[ -r "$UKIBOOT_FILES_LIST" ] || return 0
	modules=
	while read -r kind name _; do
		[ "$kind" = module ] && modules="$modules $name"
	done <"$UKIBOOT_FILES_LIST"
	[ -n "$modules" ] || return 0
	# Word splitting of the module list is intended.
	# shellcheck disable=SC2086
	modprobe -qab $modules || say "could not load every module of:$modules (some are not in the image)"
}

run_from_hook() {
	generator=$1
	if is_turned_off; then
		say "ukiboot.off is on the kernel command line; continuing with the $generator boot"
		return 0
	fi
	if [ ! -r /proc/self/stat ]; then
		# The Bun runtime aborts without /proc; the generator's init mounts it before any hook runs.
		say "Cannot start ukiboot: /proc is not mounted; continuing with the $generator boot"
		return 1
	fi
	# A missing binary is left to fail below, with the usual status 127 report.
	if [ -f "$UKIBOOT" ]; then
		if [ ! -x "$UKIBOOT" ]; then
			# The dracut module installs ukiboot without its x bits, so that dracut's strip leaves it whole.
			chmod 0755 "$UKIBOOT" || {
				say "Cannot start ukiboot: \"$UKIBOOT\" is not executable and chmod failed; continuing with the $generator boot"
				return 1
			}
		fi
		# A stripped Bun executable has lost ukiboot's program and is a bare Bun runtime, which would take
		# "init" as its own command; it answers --version with Bun's version instead of "ukiboot ...".
		answer=$("$UKIBOOT" --version 2>&1)
		status=$?
		case $answer in
		"ukiboot "*) ;;
		*)
			# Only the first line, with shell built-ins: a dracut image may have no head(1).
			say "Cannot start ukiboot: \"$UKIBOOT\" is not ukiboot: --version answered \"${answer%%
*}\" with status $status (was it stripped when the image was built? it must be copied unchanged); continuing with the $generator boot"
			return 1
			;;
		esac
	fi
	load_listed_modules
	say "starting ukiboot from the $generator init"
	# The generator's udev and modprobe load drivers, honouring its blacklists; ukiboot must not load
	# every module of a distribution initramfs. Its output joins the status lines on the console.
	UKIBOOT_NO_MODULES=1 UKIBOOT_HOOK="$generator" "$UKIBOOT" init >&2
	rc=$?
	describe_status "$rc"
	if [ "$rc" -eq 3 ]; then
		# No cap here (docs/measurements.md §6): this shell is the distribution's, as its own break and
		# emergency shells are, and its boot goes on afterwards with the PCRs its stub measured.
		# The menu only runs when stdin is a terminal, so the shell gets the same console.
		say "starting a shell; type 'exit' to continue with the $generator boot"
		sh -i
	fi
	say "continuing with the $generator boot"
	return "$rc"
}

run_as_pid1() {
	mkdir -p /proc /sys /dev /run /tmp
	mount -t proc -o nosuid,nodev,noexec proc /proc
	mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
	mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev 2>/dev/null || true
	mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
	mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
	# The kernel's lockdown state, which decides (with Secure Boot) whether signatures are enforced.
	mount -t securityfs -o nosuid,nodev,noexec securityfs /sys/kernel/security 2>/dev/null || true
	# The Secure Boot variable, for when ukiboot cannot run; ukiboot uses the mount as it finds it.
	mount_efivarfs

	# The kernel gives PID 1 /dev/console; keep all three streams on it.
	exec </dev/console >/dev/console 2>&1

	# PID 1 never exits: whenever ukiboot returns, offer a rescue shell, then run ukiboot again; except while
	# signatures are enforced, where it powers off instead.
	while :; do
		run_ukiboot
		status=$?
		# ukiboot loads efivarfs' module when it is one, and unmounts what it mounted itself when it returns;
		# mounting again lets the SecureBoot variable answer for the decision that follows.
		mount_efivarfs
		after_ukiboot "$status"
	done
}

# Runs `ukiboot init` as PID 1 and returns its status; when a signal killed it, says so and runs it once more
# first. A crash of the runtime (the Bun runtime's own report says "a bug in Bun, not your code") need not
# come back, and an unattended machine should boot rather than wait at a shell or power off. A second crash
# is final. Nothing is capped in between: the second run is ukiboot, not a shell, and it may still boot a UKI
# whose PCR 11 matters; it reads the same ESP, which the first run could not write but for counter renames.
run_ukiboot() {
	release_leftover_mounts
	"$UKIBOOT" init
	run_status=$?
	if [ "$run_status" -gt 128 ] && [ "$run_status" -lt 256 ]; then
		describe_status "$run_status"
		say "running ukiboot once more, since a crash need not happen twice"
		release_leftover_mounts
		"$UKIBOOT" init
		run_status=$?
	fi
	return "$run_status"
}

# ukiboot unmounts what it mounted under /run/ukiboot whenever it returns, but not when a signal kills it: the
# next run would find its ESP mount point busy. Unmounts them, the deepest first (lazily when one is busy).
release_leftover_mounts() {
	[ -r "$UKIBOOT_MOUNTS_FILE" ] || return 0
	leftover=
	while read -r _ lm_target _; do
		case $lm_target in
		"$UKIBOOT_RUN_DIR"/*) leftover="$lm_target $leftover" ;;
		esac
	done <"$UKIBOOT_MOUNTS_FILE"
	for lm_target in $leftover; do
		umount "$lm_target" 2>/dev/null || umount -l "$lm_target" 2>/dev/null || say "Cannot unmount \"$lm_target\", which an earlier run of ukiboot left mounted"
	done
}

# What PID 1 does each time `ukiboot init` returns with status $1, or could not run at all.
after_ukiboot() {
	status=$1
	describe_status "$status"
	# Before any shell or power-off, whatever the status: ukiboot may have crashed before its own cap.
	cap_pcrs
	# Under enforce no status leads to a shell (a dry run's 0 and a bad usage's 2 included): a shell could
	# kexec a signed kernel with any initrd. Status 4 says ukiboot decided so; otherwise the shim decides
	# for itself, which also covers a binary that could not run at all (126, 127, a signal).
	if [ "$status" -eq 4 ] || signatures_enforced; then
		[ "$status" -eq 4 ] || say "signatures are enforced because $sb_why, so no shell is offered; powering off in 10 s"
		[ "$status" -eq 4 ] || sleep 10
		say "powering off"
		poweroff -f
		sleep 10
		return
	fi
	say "starting a rescue shell; type 'exit' to run ukiboot again, 'poweroff -f' to power off."
	if command -v setsid >/dev/null 2>&1 && command -v cttyhack >/dev/null 2>&1; then
		setsid cttyhack sh
	else
		sh
	fi
}

# Tests source the functions alone.
[ "${UKIBOOT_SHIM_FUNCTIONS_ONLY:-}" = 1 ] && return 0

# As PID 1 the arguments are the kernel command line words the kernel did not understand: ignore them all,
# because exiting would panic the kernel. Anywhere else, never mount over the running system's /proc.
if [ "$$" -eq 1 ]; then
	run_as_pid1
fi
if [ "${1:-}" != --hook ] || [ $# -ne 2 ] || [ -z "$2" ]; then
	echo "ukiboot: usage: init-shim --hook GENERATOR (without arguments only as PID 1)" >&2
	exit 2
fi
run_from_hook "$2"
