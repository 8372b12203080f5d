#!/bin/sh
# /usr/sbin/mdadm in the raidmig test VM: the real mdadm (mdadm.real), then
# the clean-up that udev does on a real system when an array goes away.
# Without udev, mdadm mknods /dev/mdN and links /dev/md/NAME itself but never
# removes them on --stop; the stale link then makes the next
# "mdadm --assemble --scan" skip the name ("/dev/md/NAME exists - ignoring"),
# and a stale node recreates an empty mdN when something opens it.
/usr/sbin/mdadm.real "$@"
rc=$?
# md deletes a stopped array's device a moment later; wait for that
i=0
while [ $i -lt 40 ]; do
	clear=0
	for s in /sys/block/md*/md/array_state; do
		[ -e "$s" ] && [ "$(cat "$s" 2>/dev/null)" = clear ] && clear=1
	done
	[ $clear = 0 ] && break
	sleep 0.05
	i=$((i + 1))
done
for l in /dev/md/*; do
	[ -L "$l" ] || continue
	t=$(readlink "$l")
	[ -e "/sys/block/${t##*/}" ] || rm -f "$l"
done
for d in /dev/md[0-9]*; do
	case "$d" in *p[0-9]*) continue ;; esac
	[ -b "$d" ] && [ ! -e "/sys/block/${d#/dev/}" ] && rm -f "$d"
done
exit $rc
