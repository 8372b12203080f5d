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

# defect 2 for a member's partition and the disk holding a member partition:
# test/md.bats, inside the VM (loop devices here get no partition devices)

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

@test "defect 3: a convert cut short while creating its array is finished by resume alone" {
	setup_images
	mkdir orig
	cp a.img b.img c.img orig/
	# write 1: b.img's first metadata; 2: c.img's; then the source's (3),
	# then the marked superblocks (4-6)
	for k in 2 3 4 6; do
		cp orig/* .
		run env SHIM_KILL_AT=$k LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 5 --yes --chunk 4K a.img b.img c.img
		[ "$status" -eq 137 ]
		run "$RAIDMIG" resume c.img a.img b.img
		echo "kill at $k: $output"
		[ "$status" -eq 0 ]
		[ "$k" -ge 4 ] || [[ "$output" =~ "whose creation was cut short: finishing it" ]]
		$ORACLE expect orig/a.img "$($ORACLE datasize 3M 4K 3 5)" >expect.out
		verify expect.out a.img b.img c.img
	done
	# before anything valid was written: resume says what to do, and the source is untouched
	cp orig/* .
	run env SHIM_KILL_AT=1 LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 5 --yes --chunk 4K a.img b.img c.img
	[ "$status" -eq 137 ]
	refused 2 "it had not started: it wrote nothing but its first metadata block; run the same 'raidmig convert' again" \
		"$RAIDMIG" resume a.img b.img c.img
	cmp a.img orig/a.img
	run "$RAIDMIG" convert --level 5 --yes --chunk 4K a.img b.img c.img
	[ "$status" -eq 0 ]
}

@test "defect 3: a device that is not the member a cut-short creation names is refused" {
	setup_images
	run env SHIM_KILL_AT=7 LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 0 --yes --chunk 4K a.img b.img c.img
	[ "$status" -eq 137 ]
	mksrc other.img 2M 1M		# the source's size, other data
	refused 2 "other.img: no valid raidmig metadata .* not a member that array [0-9a-f]+'s creation was cut short before reaching" \
		"$RAIDMIG" resume other.img b.img c.img
}

@test "defect 6: a converted disk is reused: refused without --force, wipe, wipefs" {
	setup_images
	"$RAIDMIG" convert --level 1 --yes --chunk 4K a.img b.img >/dev/null
	mkfs.ext4 -q -F a.img 2M
	blank 3M d.img
	refused 2 "a.img: carries the md superblock of array .* 1 of its members are given: .* clear it first \\(raidmig wipe for an array raidmig made" \
		"$RAIDMIG" convert --level 0 --yes a.img d.img
	# --force overwrites a finished conversion's metadata; the new ext4 is the data
	cp a.img a2.img
	cp d.img d2.img
	$ORACLE expect a2.img 2M >fs.out
	run "$RAIDMIG" convert --level 0 --yes --force a2.img d2.img
	[ "$status" -eq 0 ]
	verify fs.out a2.img d2.img
	# wipe takes raidmig's structures away and leaves the data
	refused 2 "no terminal to confirm on" "$RAIDMIG" wipe a.img </dev/null
	cp a.img before.img
	run "$RAIDMIG" wipe --yes a.img
	[ "$status" -eq 0 ]
	cmp -n 2097152 a.img before.img
	[ "$(blkid -p -o value -s TYPE a.img)" = ext4 ]
	refused 2 "a.img: carries no raidmig metadata and no md superblock: nothing to wipe" "$RAIDMIG" wipe --yes a.img
	run "$RAIDMIG" convert --level 0 --yes a.img d.img
	[ "$status" -eq 0 ]
	# wipefs knows raidmig's md superblock
	run wipefs -a -t linux_raid_member b.img
	[ "$status" -eq 0 ]
	[ "$(blkid -p -o value -s TYPE b.img)" != linux_raid_member ]
}

@test "defect 6: wipe refuses an md superblock that is not raidmig's and an unfinished conversion" {
	setup_images
	killed_array 40
	refused 2 "a.img: belongs to a migration raidmig has not finished: without its metadata and md superblock the array cannot be read" \
		"$RAIDMIG" wipe --yes a.img
	run "$RAIDMIG" wipe --yes --force b.img
	[ "$status" -eq 0 ]
	# an md superblock of someone else's: the bytes of a raidmig one, another UUID, no raidmig metadata
	"$RAIDMIG" convert --level 1 --yes c.img d.img >/dev/null 2>&1 || { blank 3M d.img; "$RAIDMIG" convert --level 1 --yes --force c.img d.img >/dev/null; }
	off=$(( ( ($(stat -c %s c.img) / 512 - 16) & ~7) * 512 ))
	dd if=/dev/zero of=c.img bs=4096 seek=$(( $(meta_off c.img 0) / 4096 )) count=2 conv=notrunc status=none
	refused 2 "c.img: its md superblock is not raidmig's: use mdadm --zero-superblock" "$RAIDMIG" wipe --yes c.img
	[ "$(dd if=c.img bs=1 skip=$off count=4 status=none | od -An -tx4 | tr -d ' ')" = a92b4efc ]
}

@test "defect 7: journal data files are checked by resume; relative paths are the journal's" {
	setup_images
	mkdir jd
	head -c 64K /dev/urandom >jd/data.bin
	echo "write at=50 offset=8K length=64K file=data.bin" >jd/j.txt
	$ORACLE expect a.img "$($ORACLE datasize 3M 4K 2)" >expect.out
	(cd jd && $ORACLE expect ../a.img "$($ORACLE datasize 3M 4K 2)" j.txt) >expect.out
	run env SHIM_KILL_AT=30 LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 0 --yes --chunk 4K --journal jd/j.txt a.img b.img
	[ "$status" -eq 137 ]
	cp jd/data.bin keep.bin
	head -c 64K /dev/urandom >jd/data.bin
	refused 2 "jd/j.txt: the data files of its file= records changed since the conversion started" \
		"$RAIDMIG" resume --journal jd/j.txt a.img b.img
	cp keep.bin jd/data.bin
	run "$RAIDMIG" resume --journal jd/j.txt a.img b.img
	[ "$status" -eq 0 ]
	verify expect.out a.img b.img
}

@test "defect 8: an empty journal is a journal" {
	setup_images
	: >empty.txt
	run env SHIM_KILL_AT=30 LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 0 --yes --chunk 4K --journal empty.txt a.img b.img
	[ "$status" -eq 137 ]
	refused 2 "this conversion was started with a journal \\(0 bytes" "$RAIDMIG" resume a.img b.img
	run "$RAIDMIG" resume --journal empty.txt a.img b.img
	[ "$status" -eq 0 ]
	verify expect.out a.img b.img
}

@test "defect 9: plan bounds every size and says the limit" {
	setup_images
	for s in 0xFFFFFFFFFFFFFFFF 0x7FFFFFFFFFFFFFFF 257T; do
		refused 1 "plan: --size $s: larger than the [0-9]+ bytes \\(256 TiB\\) raidmig handles" \
			"$RAIDMIG" plan --level 0 --size "$s" --members 2
	done
	refused 1 "plan: --size 16E: not a size" "$RAIDMIG" plan --level 0 --size 16E --members 2
	refused 1 "plan: --members 17: not a number from 2 to 16" "$RAIDMIG" plan --level 0 --size 1T --members 17
	run timeout 120 "$RAIDMIG" plan --level 6 --json --size 32T --members 16
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get capacity)" -gt $((31 * 14 << 40)) ]
}

# wipe erases from the staging slot up, but never below the array's data:
# md's, when the array was grown after the conversion (mdadm --grow --size)
@test "wipe of a finished array that md has grown leaves md's data alone" {
	mksrc a.img 1M 2M
	blank 3M b.img
	"$RAIDMIG" convert --level 1 --yes a.img b.img >/dev/null
	size=$($MDREAD examine a.img | json_get size)
	grown=$(( (3145728 - 20480 - 16384) / 512 ))	# 16 KiB below the metadata copies
	[ "$grown" -gt "$size" ]
	for f in a.img b.img; do
		python3 "$TOP/test/sbpatch.py" "$f" size="$grown"
		head -c $(( (grown - size) * 512 )) /dev/urandom | dd of="$f" bs=512 seek="$size" conv=notrunc status=none
	done
	cp a.img before.img
	run "$RAIDMIG" wipe --yes a.img b.img
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "a.img: wiped "[0-9]+" bytes at $((grown * 512))" ]]
	cmp -n $((grown * 512)) a.img before.img
}
