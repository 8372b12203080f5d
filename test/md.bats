#!/usr/bin/env bats
# The real md driver reads what raidmig wrote: Debian's own kernel under
# qemu with the real mdadm, e2fsck and blkid (test/mdvm.py, test/vm/run).
# Where qemu cannot be set up the tests are reported skipped, with the
# reason, never passed.
load helpers

# mdvm SUITE: run one suite, show its lines, pass only if every check did
# (SUITE reshape is test/mdreshape.py, the others test/mdvm.py's)
mdvm() {
	if [ "$1" = reshape ]; then
		run python3 "$TOP/test/mdreshape.py"
	else
		run python3 "$TOP/test/mdvm.py" "$1"
	fi
	echo "$output"
	[ "$status" -eq 77 ] && skip "$(echo "$output" | tail -1)"
	echo "$output" | grep -E "^FAIL|checks," | sed 's/^/# /' >&3
	[ "$status" -eq 0 ]
	[[ "$output" =~ [1-9][0-9]*\ checks,\ 0\ failed ]]
}

@test "md assembles converted ext4 and GPT sources, 2 to 8 members, chunks 4K to 2M; refuses an unfinished one until resume" {
	mdvm md
}

@test "md agrees with every level and layout: bytes, check mismatch_cnt 0, members missing" {
	mdvm levels
}

@test "md adds an internal bitmap to a converted redundant array" {
	mdvm bitmap
}

@test "raidmig on real block devices in the VM: partitions, O_EXCL against md, cat refuses a member's partition or disk" {
	mdvm inside
}

@test "disks as people have them: sgdisk/sfdisk partitions, whole-disk ext4, xfs, btrfs, LVM, LUKS converted; md, xfs_repair, btrfs check, lvm, cryptsetup read them" {
	mdvm sources
}

@test "md assembles arrays mdadm made and raidmig migrated: grows, level changes, fewer members, revert, a killed one after resume" {
	mdvm reshape
}
