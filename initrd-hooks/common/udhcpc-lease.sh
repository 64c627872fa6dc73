#!/bin/sh
# busybox udhcpc's script for a network boot (docs/network.md §4). It only hands the lease over: ukiboot
# reads the file it writes and configures the interface itself, so the configuration is in one place.
# udhcpc runs it as: udhcpc-lease.sh deconfig|bound|renew|leasefail|nak, with the lease in the environment.
dir=${UKIBOOT_LEASE_DIR:-/run/ukiboot}
# Set by udhcpc in the environment.
interface=${interface:?udhcpc sets interface}
case $1 in
deconfig)
	ip link set "$interface" up
	;;
bound | renew)
	mkdir -p "$dir"
	{
		for v in interface ip mask subnet router dns hostname lease serverid; do
			eval "val=\${$v:-}"
			[ -n "$val" ] && echo "$v=$val"
		done
	} >"$dir/lease-$interface.tmp" && mv "$dir/lease-$interface.tmp" "$dir/lease-$interface"
	;;
esac
exit 0
