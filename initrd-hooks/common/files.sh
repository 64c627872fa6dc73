#!/bin/sh
# ukiboot hooks, build time: reads common/files.list for the three generators' install hooks.
# Sourced by dracut's module-setup.sh and mkinitcpio's install hook (both run by bash) and by the
# initramfs-tools hook (sh), so: POSIX sh, no `set`, and only ukiboot_-prefixed names.

UKIBOOT_HOOKS_DIR=${UKIBOOT_HOOKS_DIR:-/usr/lib/ukiboot/initrd-hooks}
UKIBOOT_BINARY=${UKIBOOT_BINARY:-/usr/bin/ukiboot}
UKIBOOT_TRUST_DIR=${UKIBOOT_TRUST_DIR:-/etc/ukiboot/trust.d}

# ukiboot_each_file CALLBACK: calls `CALLBACK KIND NAME SOURCE` for every entry of files.list, in order, with
# @binary@ and @hooks@ expanded and SOURCE checked. Stops at the first failure and returns non-zero.
ukiboot_each_file() {
	ukiboot_list=$UKIBOOT_HOOKS_DIR/common/files.list
	if [ ! -r "$ukiboot_list" ]; then
		echo "ukiboot: Cannot read the list of files \"$ukiboot_list\": not found (set UKIBOOT_HOOKS_DIR to the initrd-hooks directory)" >&2
		return 1
	fi
	ukiboot_line=0
	# Read from fd 3 so that the install functions, which run commands, cannot swallow the list.
	while read -r ukiboot_kind ukiboot_name ukiboot_source ukiboot_rest <&3; do
		ukiboot_line=$((ukiboot_line + 1))
		case $ukiboot_kind in
		'' | '#'*) continue ;;
		exec | file)
			case $ukiboot_source in
			@binary@) ukiboot_source=$UKIBOOT_BINARY ;;
			@hooks@/*) ukiboot_source=$UKIBOOT_HOOKS_DIR/${ukiboot_source#@hooks@/} ;;
			esac
			if [ -z "$ukiboot_name" ] || [ -z "$ukiboot_source" ] || [ -n "$ukiboot_rest" ]; then
				echo "ukiboot: Cannot parse \"$ukiboot_list\" line $ukiboot_line: expected \"$ukiboot_kind PATH-IN-IMAGE SOURCE\"" >&2
				return 1
			fi
			if [ ! -f "$ukiboot_source" ]; then
				echo "ukiboot: Cannot add \"$ukiboot_name\" to the initramfs: \"$ukiboot_source\" does not exist (see initrd-hooks/README.md for UKIBOOT_BINARY and UKIBOOT_HOOKS_DIR)" >&2
				return 1
			fi
			if [ "$ukiboot_kind" = exec ] && [ ! -x "$ukiboot_source" ]; then
				echo "ukiboot: Cannot add \"$ukiboot_name\" to the initramfs: \"$ukiboot_source\" is not executable" >&2
				return 1
			fi
			;;
		anchors)
			# Trust anchors for signature checks: every certificate of the host's directory, when it exists.
			case $ukiboot_source in
			@trust@) ukiboot_source=$UKIBOOT_TRUST_DIR ;;
			esac
			if [ -z "$ukiboot_name" ] || [ -z "$ukiboot_source" ] || [ -n "$ukiboot_rest" ]; then
				echo "ukiboot: Cannot parse \"$ukiboot_list\" line $ukiboot_line: expected \"anchors DIRECTORY-IN-IMAGE SOURCE-DIRECTORY\"" >&2
				return 1
			fi
			[ -d "$ukiboot_source" ] || continue
			for ukiboot_anchor in "$ukiboot_source"/*.pem "$ukiboot_source"/*.crt "$ukiboot_source"/*.der; do
				[ -f "$ukiboot_anchor" ] || continue
				"$1" file "$ukiboot_name/${ukiboot_anchor##*/}" "$ukiboot_anchor" 3<&- || return 1
			done
			continue
			;;
		driver | module)
			if [ -z "$ukiboot_name" ] || [ -n "$ukiboot_source" ]; then
				echo "ukiboot: Cannot parse \"$ukiboot_list\" line $ukiboot_line: expected \"$ukiboot_kind MODULE-NAME\"" >&2
				return 1
			fi
			;;
		*)
			echo "ukiboot: Cannot parse \"$ukiboot_list\" line $ukiboot_line: unknown kind \"$ukiboot_kind\" (exec, file, anchors, driver or module)" >&2
			return 1
			;;
		esac
		"$1" "$ukiboot_kind" "$ukiboot_name" "$ukiboot_source" 3<&- || return 1
	done 3<"$ukiboot_list"
}
