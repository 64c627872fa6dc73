#!/bin/sh
# dracut module "ukiboot" (dracut.modules(7): check, depends, installkernel, install): puts ukiboot, its shim
# and the ESP modules of common/files.list into the image, and runs ukiboot from a pre-mount hook.
# dracut sources this file with bash; it is POSIX sh like the other hooks, and defines only ukiboot_ names.

# Loads common/files.sh (ukiboot_each_file, UKIBOOT_BINARY) from UKIBOOT_HOOKS_DIR.
ukiboot_load_common() {
	ukiboot_common=${UKIBOOT_HOOKS_DIR:-/usr/lib/ukiboot/initrd-hooks}/common/files.sh
	if [ ! -r "$ukiboot_common" ]; then
		echo "ukiboot: Cannot read \"$ukiboot_common\": not found (set UKIBOOT_HOOKS_DIR to the initrd-hooks directory)" >&2
		return 1
	fi
	# shellcheck source=../../common/files.sh
	. "$ukiboot_common"
}

check() {
	ukiboot_load_common || return 1
	if [ ! -x "$UKIBOOT_BINARY" ]; then
		echo "ukiboot: Cannot use the dracut module ukiboot: \"$UKIBOOT_BINARY\" is not an executable (set UKIBOOT_BINARY)" >&2
		return 1
	fi
	# Only on request (dracut --add ukiboot, or add_dracutmodules+=" ukiboot "): a boot loader that can
	# kexec another kernel before the root file system is mounted must never slip into an image unasked.
	return 255
}

depends() {
	# kernel-modules brings modprobe: the shim loads the file systems with it, and the kernel asks it for more.
	echo kernel-modules
	return 0
}

installkernel() {
	ukiboot_load_common || return 1
	ukiboot_each_file ukiboot_dracut_install_module
}

install() {
	ukiboot_load_common || return 1
	ukiboot_each_file ukiboot_dracut_install_file || return 1
	# pre-mount: udev has settled and found the root device, so the disks are there; the root file system
	# is not mounted yet, so nothing is lost by kexec, and when ukiboot returns dracut simply goes on.
	# moddir is set by dracut.
	# shellcheck disable=SC2154
	inst_hook pre-mount 50 "$moddir/ukiboot-hook.sh"
}

# Always shipped, also in host-only images: the ESP is rarely what the host-only scan looks at.
ukiboot_dracut_install_module() {
	case $1 in
	driver | module) hostonly='' instmods "$2" ;;
	esac
}

ukiboot_dracut_install_file() {
	case $1 in
	exec)
		if [ "$3" != "$UKIBOOT_BINARY" ]; then
			inst_binary "$3" "$2"
			return
		fi
		# dracut strips every executable file of the image (do_strip, on by default), and strip cuts off
		# the program that a Bun executable carries after its ELF sections: what is left is a bare Bun
		# runtime. So ukiboot goes in without its x bits, and the shim sets them back at boot. dracut
		# resolves shared libraries at the end, of executable files only, so ukiboot's are resolved now (in a
		# subshell, so that the setting does not outlive the call).
		(
			# Read by dracut's inst_binary.
			# shellcheck disable=SC2034
			DRACUT_RESOLVE_DEPS=1
			inst_binary "$3" "$2"
		) || return 1
		# initdir is set by dracut.
		# shellcheck disable=SC2154
		chmod a-x "${initdir:?}$2"
		;;
	file) inst_simple "$3" "$2" ;;
	esac
}
