#!/bin/sh
# ukiboot shim: the one place that starts `ukiboot init` in an initramfs (initrd-hooks/README.md).
#   init-shim.sh                   PID 1 of ukiboot's own initramfs (build/initramfs.ts installs it as /init)
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
# What decides, when ukiboot itself cannot run, whether signatures are enforced (docs/trust.md §6).
UKIBOOT_SECUREBOOT_VAR=${UKIBOOT_SECUREBOOT_VAR:-/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c}
UKIBOOT_LOCKDOWN_FILE=${UKIBOOT_LOCKDOWN_FILE:-/sys/kernel/security/lockdown}
# Present only in lab images built with --allow-rescue-shell.
UKIBOOT_RESCUE_MARKER=${UKIBOOT_RESCUE_MARKER:-/etc/ukiboot/allow-rescue-shell}
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

# Whether signatures are enforced, decided without ukiboot (for when it cannot run): not in a lab image;
# otherwise Secure Boot on (the variable's first data byte, after the 4-byte attributes), the kernel locked
# down, or ukiboot.verify=enforce or strict on the command line. ukiboot decides the same way itself.
signatures_enforced() {
	[ -e "$UKIBOOT_RESCUE_MARKER" ] && return 1
	if [ -r "$UKIBOOT_SECUREBOOT_VAR" ]; then
		# Four attribute bytes, then the value. Read the whole file: efivarfs refuses to seek, and od -j then
		# read the first attribute byte (6) as the value, which once took the shell away with Secure Boot off.
		# Word splitting of od's numbers is intended.
		# shellcheck disable=SC2046
		set -- $(od -An -tu1 "$UKIBOOT_SECUREBOOT_VAR" 2>/dev/null)
		[ $# -ge 5 ] && [ "$5" -ne 0 ] && return 0
	fi
	if [ -r "$UKIBOOT_LOCKDOWN_FILE" ]; then
		case $(cat "$UKIBOOT_LOCKDOWN_FILE") in
		*"[integrity]"* | *"[confidentiality]"*) return 0 ;;
		esac
	fi
	cmdline=
	[ -r "$UKIBOOT_CMDLINE_FILE" ] && read -r cmdline <"$UKIBOOT_CMDLINE_FILE"
	case " $cmdline " in
	*" ukiboot.verify=enforce "* | *" ukiboot.verify=strict "*) return 0 ;;
	esac
	return 1
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
	if [ -d /sys/firmware/efi/efivars ]; then
		mount -t efivarfs -o nosuid,nodev,noexec efivarfs /sys/firmware/efi/efivars 2>/dev/null
	fi

	# The kernel gives PID 1 /dev/console; keep all three streams on it.
	exec </dev/console >/dev/console 2>&1

	# PID 1 never exits: whenever ukiboot returns, offer a rescue shell, then run ukiboot again; except while
	# signatures are enforced, where it powers off instead.
	while :; do
		"$UKIBOOT" init
		status=$?
		describe_status "$status"
		# Under enforce no status leads to a shell (a dry run's 0 and a bad usage's 2 included): a shell could
		# kexec a signed kernel with any initrd. Status 4 says ukiboot decided so; otherwise the shim decides
		# for itself, which also covers a binary that could not run at all (126, 127, a signal).
		if [ "$status" -eq 4 ] || signatures_enforced; then
			[ "$status" -eq 4 ] || say "signatures are enforced, so no shell is offered; powering off in 10 s"
			[ "$status" -eq 4 ] || sleep 10
			say "powering off"
			poweroff -f
			sleep 10
			continue
		fi
		say "starting a rescue shell; type 'exit' to run ukiboot again, 'poweroff -f' to power off."
		if command -v setsid >/dev/null 2>&1 && command -v cttyhack >/dev/null 2>&1; then
			setsid cttyhack sh
		else
			sh
		fi
	done
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
