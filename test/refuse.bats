#!/usr/bin/env bats
# Hostile input: every refusal gives its exit code and a message naming the
# device, file or option, and leaves every image byte for byte unchanged.
load helpers

setup_images() {
	mksrc a.img 2M 1M
	blank 3M b.img c.img
}

convert() {
	"$RAIDMIG" convert --level 0 --yes "$@"
}

@test "paths that are missing, directories or character devices" {
	setup_images
	refused 2 "nope.img: No such file" convert a.img nope.img
	refused 2 "nope.img: No such file" convert nope.img a.img
	mkdir d
	refused 2 "d: not a regular file or block device" convert a.img d
	refused 2 "/dev/null: not a regular file or block device" convert a.img /dev/null
	refused 2 "nope.img: No such file" "$RAIDMIG" resume nope.img
	refused 2 "d: not a regular file" "$RAIDMIG" inspect d
}

@test "the same member twice, by any name" {
	setup_images
	refused 2 "a.img: the same device as a.img" convert a.img a.img
	refused 2 "./b.img: the same device as b.img" convert a.img b.img ./b.img
	ln -s b.img sym.img
	refused 2 "sym.img: the same device as b.img" convert a.img b.img sym.img
	ln b.img hard.lnk
	refused 2 "hard.lnk: the same device as a.img|hard.lnk: the same device as b.img" convert a.img b.img hard.lnk
	refused 2 "$W/a.img: the same device as a.img" convert a.img "$W/a.img"
}

@test "a loop device over a member image is the same member" {
	[ "$(id -u)" = 0 ] || skip "needs root for losetup"
	setup_images
	l=$(losetup -f --show b.img) || skip "no loop devices"
	LOOPS=$l
	refused 2 "$l: the same device as b.img" convert a.img b.img "$l"
}

@test "an image file attached to a loop device is refused" {
	[ "$(id -u)" = 0 ] || skip "needs root for losetup"
	setup_images
	l=$(losetup -f --show b.img) || skip "no loop devices"
	LOOPS=$l
	refused 2 "b.img: attached to $l: detach it first" convert a.img b.img
}

@test "members with different logical sector sizes" {
	[ "$(id -u)" = 0 ] || skip "needs root for losetup"
	setup_images
	la=$(losetup -f --show a.img) || skip "no loop devices"
	LOOPS=$la
	lb=$(losetup -f --show --sector-size 4096 b.img) || skip "no 4K loop devices"
	LOOPS="$la $lb"
	refused 2 "$lb: logical sector size 4096 differs from $la's 512" convert "$la" "$lb"
}

@test "members too small" {
	setup_images
	blank 1M small.img
	refused 2 "a.img: its data .* ends at byte [0-9]+, and RAID0 over 2 members holds [0-9]+ bytes .*small.img is the smallest\\): nothing was written" \
		convert a.img small.img
	blank 20K tiny.img
	refused 2 "tiny.img: too small" convert tiny.img b.img
}

@test "chunk sizes that are not a power of two, too small, too large or not numbers" {
	setup_images
	for c in 3K 2K 1K 0 4M 1T 64Q "" -64K 64KK 0x K 99999999999999999999999; do
		refused 1 "--chunk $c: must be a power of two from 4K to 2M" convert --chunk "$c" a.img b.img
	done
}

@test "unknown or missing level, stray options, unknown commands" {
	setup_images
	refused 1 "--level 3: not supported \\(supported: 0, 1, 4, 5, 6, 10\\)" convert --level 3 a.img b.img
	refused 1 "--level raid3: not supported" convert --level raid3 a.img b.img
	refused 1 "--layout ls: not a layout of RAID0" convert --layout ls a.img b.img
	refused 1 "--layout diagonal: not a layout of RAID5" convert --level 5 --layout diagonal a.img b.img
	refused 1 "--layout left-symmetric-6: not a layout of RAID5" convert --level 5 --layout left-symmetric-6 a.img b.img
	refused 1 "--layout n9x: not a layout of RAID10" convert --level 10 --layout n9x a.img b.img
	refused 2 "RAID10 n4 over 2 members: unsupported layout" convert --level 10 --layout n4 a.img b.img
	refused 2 "RAID10 far layouts are not supported" convert --level 10 --layout f2 a.img b.img
	refused 2 "RAID6 left-symmetric over 3 members: RAID6 needs at least 4 members" convert --level 6 a.img b.img c.img
	refused 1 "--name a/b: 1 to 32 characters" convert --name a/b a.img b.img
	refused 1 "--name : 1 to 32 characters" convert --name "" a.img b.img
	refused 1 "convert: --level is required" "$RAIDMIG" convert --yes a.img b.img
	refused 1 "convert: option --output does not apply" convert --output x a.img b.img
	refused 1 "inspect: option --yes does not apply" "$RAIDMIG" inspect --yes a.img
	refused 1 "unknown command 'frobnicate'" "$RAIDMIG" frobnicate a.img
	refused 1 "--bogus: unknown option" "$RAIDMIG" convert --bogus a.img b.img
	refused 1 "convert: needs a source and at least one more member" convert a.img
	refused 1 "--checkpoint-units: not a number" convert --checkpoint-units 5x a.img b.img
	refused 1 "--checkpoint-seconds: not a number" convert --checkpoint-seconds 1e9 a.img b.img
	refused 1 "--checkpoint-units: not a number" "$RAIDMIG" resume --checkpoint-units "" a.img b.img
}

@test "added members that carry signatures need --force" {
	setup_images
	mkfs.ext4 -q -F b.img
	refused 2 "b.img: carries a ext4 signature: its data would be destroyed; use --force" convert a.img b.img
	run convert --force a.img b.img
	[ "$status" -eq 0 ]
}

@test "a source whose data reaches into the configuration area is moved out of its way, not refused" {
	# (issue 17: this was refused; test/sources.bats has the tools' defaults)
	mksrc a.img 3M 0
	blank 3M b.img
	cp a.img want.img
	run convert a.img b.img
	[ "$status" -eq 0 ]
	verify want.img a.img b.img
	truncate -s 40M p.img
	printf 'label: dos\nstart=2048\n' | sfdisk -q p.img
	head -c 39M /dev/urandom | dd of=p.img bs=1M seek=1 conv=notrunc status=none
	blank 40M q.img
	cp p.img want.img
	run convert p.img q.img
	[ "$status" -eq 0 ]
	verify want.img p.img q.img
}

@test "no terminal and no --yes: refused" {
	setup_images
	refused 2 "no terminal to confirm on: pass --yes" "$RAIDMIG" convert --level 0 a.img b.img </dev/null
}

@test "a source that already carries raidmig metadata" {
	setup_images
	convert a.img b.img >/dev/null
	# a finished array's member: part of an md array (give all of it to
	# migrate it), or reused (--force, or wipe)
	refused 2 "a.img: carries the md superblock of array .* and 1 of its members are given: .*raidmig wipe.*nothing was written" \
		convert a.img c.img
	refused 2 "b.img: carries the md superblock of array" convert c.img b.img
	rm -- *.img
	killed_array 40
	blank 3M c.img
	refused 2 "a.img: belongs to array [0-9a-f]+, whose migration raidmig has not finished .*: run 'raidmig resume'" \
		convert --force a.img c.img
	refused 2 "b.img: belongs to array [0-9a-f]+, whose migration raidmig has not finished" convert --force c.img b.img
}

# interrupted_array: a.img b.img caught mid-migration
interrupted_array() {
	killed_array 30
	blank 3M c.img
}

@test "resume with a member missing, foreign or from another array" {
	interrupted_array
	refused 2 "member 1 of array [0-9a-f]+ is missing \\(1 of 2 members given\\)" "$RAIDMIG" resume a.img
	refused 2 "c.img: no valid raidmig metadata" "$RAIDMIG" resume a.img b.img c.img
	mksrc x.img 2M 1M
	blank 3M y.img
	convert x.img y.img >/dev/null
	refused 2 "(a.img and y.img|y.img and a.img) are members of different arrays" "$RAIDMIG" resume a.img y.img
	refused 2 "(x.img and b.img|b.img and x.img) are members of different arrays" "$RAIDMIG" resume x.img b.img
	refused 2 "b.img: the same device as b.img" "$RAIDMIG" resume a.img b.img b.img
}

@test "resume with a stale copy of a member from an earlier generation" {
	setup_images
	run env SHIM_KILL_AT=12 LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 0 --chunk 4K --yes a.img b.img
	[ "$status" -eq 137 ]
	cp b.img stale.img
	run "$RAIDMIG" resume a.img b.img
	[ "$status" -eq 0 ]
	rm b.img
	mv stale.img b.img
	refused 2 "b.img: stale member: metadata generation [0-9]+, the array is at [0-9]+" "$RAIDMIG" resume a.img b.img
}

# impossible OFF BYTES VALUE REGEX: a copy with a valid CRC but an impossible field
impossible() {
	cp orig/a.img orig/b.img .
	for f in a.img b.img; do
		for c in 0 1; do $ORACLE patch $f $c "$1" "$2" "$3"; done
	done
	refused 2 "a.img: no valid raidmig metadata \\(copy 0: $4; copy 1: $4\\)" "$RAIDMIG" resume a.img b.img
}

@test "metadata with a valid CRC but impossible fields is never trusted" {
	interrupted_array
	mkdir orig
	cp a.img b.img orig/
	impossible 172 4 0 "member count out of range"
	impossible 172 4 100000 "member count out of range"
	impossible 168 4 0 "chunk size out of range or not a power of two"
	impossible 168 4 12288 "chunk size out of range or not a power of two"
	impossible 64 8 999999999 "checkpoint past the end of the data"
	impossible 80 8 99999999 "staging length does not fit the slot"
	impossible 160 4 7 "unsupported RAID level"
	impossible 164 4 9 "unsupported layout for the level"
	impossible 144 4 8192 "bad plain geometry"
	impossible 44 4 9 "member index out of range"
	impossible 56 8 0 "data size larger than the volume"
	impossible 56 8 0xffffffffff "data size larger than the volume"
	impossible 176 8 0xffffffffffff0000 "member data size too large|member table"
	impossible 176 8 4097 "member data size not a multiple of the stripe depth"
	impossible 116 4 2 "unknown journal flags"
	impossible 8 4 5 "unknown metadata version"
	impossible 800 4 600 "staging slot larger than raidmig stages at once"
	impossible 1024 4 7 "unit crc past the staged units"
	impossible 808 8 4096 "unknown sync state"
	impossible 816 4 3 "unknown md superblock version"
	impossible 832 8 1048576 "a plain disk with a data offset"
	impossible 840 8 4096 "bad plain geometry"
	impossible 848 8 6000 "data offset not 4 KiB aligned or too large"
	impossible 828 4 1 "md format: padding not zero"
}

@test "a second raidmig on the same members is refused; a killed one blocks nothing" {
	setup_images
	# the first raidmig pauses inside its run, holding its members
	paused_convert 20 --chunk 4K a.img b.img
	first=$paused_pid
	run "$RAIDMIG" resume b.img a.img
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" =~ "in use by another raidmig" ]]
	run "$RAIDMIG" convert --level 0 --yes c.img a.img
	[ "$status" -eq 2 ]
	kill -9 "$first"
	wait "$first" || true
	rm -f paused
	run "$RAIDMIG" resume a.img b.img
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "a mounted device is refused" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	truncate -s 40M a.img
	mkfs.ext4 -q -F a.img 30M
	blank 40M b.img
	l=$(losetup -f --show a.img) || skip "no loop devices"
	LOOPS=$l
	mkdir mnt
	mount "$l" mnt 2>/dev/null || skip "cannot mount ext4 here"
	run "$RAIDMIG" convert --level 0 --yes "$l" b.img
	umount mnt
	echo "$output"
	[ "$status" -eq 2 ]
	re="$l: (busy|mounted)"
	[[ "$output" =~ $re ]]
}
