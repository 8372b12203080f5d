#!/usr/bin/env bats
# Defects found by trying to break raidmig (issue 7): each test failed
# before its fix. Where nothing may be written, image checksums prove it.
load helpers

setup_images() {
	mksrc a.img 2M 1M
	blank 3M b.img c.img
	$ORACLE expect a.img "$($ORACLE datasize 3M 4K 2)" >expect.out
}

# wait_for FILE REGEX: until FILE says REGEX (5 s at most)
wait_for() {
	for _ in $(seq 500); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.01
	done
	echo "timed out waiting for '$2' in $1:"
	cat "$1"
	return 1
}

@test "defect 1: a convert waiting at its prompt holds its members against a second convert" {
	setup_images
	mkfifo answer
	# A: on a terminal (script gives it one), stops at the confirmation prompt
	script -qefc "$RAIDMIG convert --level 0 --chunk 4K a.img b.img" /dev/null <answer >A.log 2>&1 &
	a=$!
	exec 7>answer
	wait_for A.log "Are you sure"
	refused 2 "a.img: in use by another raidmig" "$RAIDMIG" convert --level 0 --yes --chunk 4K a.img b.img
	refused 2 "in use by another raidmig" "$RAIDMIG" convert --level 0 --yes --chunk 4K c.img b.img
	echo YES >&7
	exec 7>&-
	wait "$a"
	cat A.log
	verify expect.out a.img b.img
}

@test "defect 2: cat refuses to write its output over a member, by any name" {
	setup_images
	"$RAIDMIG" convert --level 0 --yes --chunk 4K a.img b.img >/dev/null
	refused 2 "b.img: is b.img, a member of the array" "$RAIDMIG" cat -o b.img a.img b.img
	refused 2 "./a.img: is a.img, a member" "$RAIDMIG" cat --output ./a.img a.img b.img
	ln -s b.img link.img
	refused 2 "link.img: is b.img, a member" "$RAIDMIG" cat -o link.img a.img b.img
	refused 2 "standard output: is a.img, a member" sh -c "exec \"$RAIDMIG\" cat a.img b.img >>a.img"
	run "$RAIDMIG" cat -o c.img a.img b.img
	[ "$status" -eq 0 ]
	cmp -n "$(stat -c %s expect.out)" c.img expect.out
}

@test "defect 2: cat refuses a loop device over a member" {
	[ "$(id -u)" = 0 ] || skip "needs root for losetup"
	setup_images
	"$RAIDMIG" convert --level 0 --yes --chunk 4K a.img b.img >/dev/null
	# a member image attached read-only: not in use for writing, but the output would be it
	l=$(losetup -r -f --show b.img) || skip "no loop devices"
	LOOPS=$l
	refused 2 "$l: is b.img, a member" "$RAIDMIG" cat -o "$l" a.img b.img
}

@test "defect 2: cat refuses a member's partition as its output" {
	[ "$(id -u)" = 0 ] || skip "needs root for losetup"
	# members that are whole loop disks with a partition
	truncate -s 8M p.img q.img
	printf 'label: dos\nstart=2048\n' | sfdisk -q q.img
	lp=$(losetup -P -f --show p.img)
	lq=$(losetup -P -f --show q.img)
	LOOPS="$lp $lq"
	[ -b "${lq}p1" ] || skip "this kernel makes no partition devices for loop devices"
	"$RAIDMIG" convert --level 0 --yes --force --chunk 4K "$lp" "$lq" >/dev/null
	refused 2 "${lq}p1: is $lq, a member" "$RAIDMIG" cat -o "${lq}p1" "$lp" "$lq"
}

@test "defect 5: resume makes convert's device checks" {
	setup_images
	run env SHIM_KILL_AT=30 LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 0 --yes --chunk 4K a.img b.img
	[ "$status" -eq 137 ]
	refused 2 "b.img: the same device as b.img" "$RAIDMIG" resume a.img b.img b.img
	ln -s a.img link.img
	refused 2 "link.img: the same device as a.img" "$RAIDMIG" resume a.img b.img link.img
	if [ "$(id -u)" = 0 ] && l=$(losetup -f --show b.img); then
		LOOPS=$l
		refused 2 "b.img: attached to $l: detach it first" "$RAIDMIG" resume a.img b.img
		refused 2 "$l: the same device as b.img" "$RAIDMIG" resume a.img b.img "$l"
		losetup -d "$l"
	fi
	run "$RAIDMIG" resume a.img b.img
	[ "$status" -eq 0 ]
	verify expect.out a.img b.img
}

@test "defect 10: an image open in another program is refused; --force goes ahead" {
	setup_images
	exec 5<>a.img
	refused 2 "a.img: open in process [0-9]+ \\(.*\\): stop it first, or pass --force" \
		"$RAIDMIG" convert --level 0 --yes --chunk 4K a.img b.img
	exec 5>&-
	exec 5<b.img
	refused 2 "b.img: open in process [0-9]+" "$RAIDMIG" convert --level 0 --yes --chunk 4K a.img b.img
	run "$RAIDMIG" convert --level 0 --yes --force --chunk 4K a.img b.img
	exec 5<&-
	[ "$status" -eq 0 ]
	verify expect.out a.img b.img
}

@test "defect 10: cat refuses an array that raidmig or another program is writing" {
	setup_images
	paused_convert 20 --chunk 4K a.img b.img
	first=$paused_pid
	run "$RAIDMIG" cat -o out.img a.img b.img
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" =~ "in use by another raidmig" ]]
	rm -f paused
	wait "$first"
	exec 5>>b.img
	refused 2 "b.img: open for writing in process [0-9]+" "$RAIDMIG" cat -o out.img a.img b.img
	exec 5>&-
	run "$RAIDMIG" cat -o out.img a.img b.img
	[ "$status" -eq 0 ]
}
