#!/usr/bin/env bats
# Disks as people have them (issue 17): partitioned and formatted by the
# tools' defaults, their data running to the end of the disk, converted
# with no preparation. The source's bytes in the place of the new array's
# configuration area move first to free rows of the last member; the
# volume must then hold every byte of the source's data, through raidmig
# cat and the independent md reader. Where no layout makes room (RAID1 of a
# full disk) nothing is written and the message says what to shrink.
load helpers

# files_into DIR: a few files, one of them 1 MiB of random data
files_into() {
	mkdir -p "$1"
	head -c 1M /dev/urandom >"$1/random.bin"
	seq 1 20000 >"$1/numbers.txt"
}

# converted DATA LEVEL SRC DEV...: convert; the volume's first DATA bytes
# are the source's (orig.img, saved first), read by raidmig and by mdread
converted() {
	local data=$1 level=$2
	shift 2
	cp "$1" orig.img
	run "$RAIDMIG" convert --yes --level "$level" -v "$@"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "into the configuration area's place: they move to" ]]
	head -c "$data" orig.img >want.img
	verify want.img "$@"
}

@test "sgdisk -n 1:0:0 (a GPT partition to the end) holding ext4, to RAID5 over 3" {
	command -v sgdisk >/dev/null || { echo "sgdisk missing: test/deps installs gdisk"; return 1; }
	truncate -s 24M a.img
	sgdisk -n 1:0:0 a.img >/dev/null
	start=$(sgdisk -i 1 a.img | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
	end=$(sgdisk -i 1 a.img | sed -n 's/^Last sector: \([0-9]*\).*/\1/p')
	files_into files
	mke2fs -q -t ext4 -F -E offset=$((start * 512)) -d files a.img $(((end - start + 1) / 2))k
	blank 24M b.img c.img
	converted $(((end + 1) * 512)) 5 a.img b.img c.img
	# the partition through the array: e2fsck clean, the file intact
	"$RAIDMIG" cat a.img b.img c.img | tail -c +$((start * 512 + 1)) | head -c $(((end - start + 1) * 512)) >part.img
	e2fsck -fn part.img
	debugfs -R "cat /random.bin" part.img 2>/dev/null | cmp - files/random.bin
}

@test "whole-disk ext4 by plain mkfs.ext4, to RAID0 over 2 and RAID6 over 4" {
	truncate -s 16M a.img
	files_into files
	mkfs.ext4 -q -F -d files a.img
	cp a.img src.img
	blank 16M b.img
	converted 16M 0 a.img b.img
	rm -f b.img
	cp src.img a.img
	blank 16M b.img c.img d.img
	converted 16M 6 a.img b.img c.img d.img
	"$RAIDMIG" cat a.img b.img c.img d.img | head -c 16M >fs.img
	e2fsck -fn fs.img
}

@test "whole-disk xfs, btrfs, swap and a disk of data with no signature: all of it migrated, to RAID0 over 2" {
	for kind in xfs btrfs swap raw; do
		rm -f ./*.img
		truncate -s 320M a.img
		case $kind in
		xfs) mkfs.xfs -q -f a.img ;;
		btrfs) mkfs.btrfs -q -f a.img >/dev/null ;;
		swap) mkswap a.img >/dev/null 2>&1 ;;
		raw) head -c 320M /dev/urandom >a.img ;;
		esac
		blank 320M b.img
		echo "# $kind" >&3
		converted 320M 0 a.img b.img
	done
}

@test "a filesystem smaller than its disk: xfs, btrfs and swap end where they say, no move needed" {
	truncate -s 400M a.img
	mkfs.xfs -q -f -d size=350m a.img
	blank 400M b.img
	[ "$("$RAIDMIG" plan --level 1 --json a.img b.img | json_get data_size)" = $((350 << 20)) ]
	mkfs.btrfs -q -f -b 300M a.img >/dev/null
	[ "$("$RAIDMIG" plan --level 1 --json a.img b.img | json_get data_size)" = $((300 << 20)) ]
	rm a.img && truncate -s 400M a.img
	mkswap a.img 307200 >/dev/null 2>&1
	[ "$("$RAIDMIG" plan --level 1 --json a.img b.img | json_get data_size)" = $((300 << 20)) ]
}

@test "an LVM physical volume and a LUKS volume to the end of the disk, to RAID0 over 2" {
	[ "$(id -u)" = 0 ] || skip "needs root for losetup"
	command -v pvcreate >/dev/null && command -v cryptsetup >/dev/null ||
		{ echo "lvm2 and cryptsetup missing: test/deps installs them"; return 1; }
	truncate -s 64M a.img b.img
	l=$(losetup -f --show a.img)
	LOOPS=$l
	pvcreate -q --config 'devices { use_devicesfile = 0 }' "$l" >/dev/null
	losetup -d "$l"
	LOOPS=
	[ "$(blkid -p -o value -s TYPE a.img)" = LVM2_member ]
	converted 64M 0 a.img b.img
	rm -f ./*.img
	truncate -s 64M a.img b.img
	head -c 32 /dev/urandom >key
	cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
		--key-file key a.img
	converted 64M 0 a.img b.img
	"$RAIDMIG" cat a.img b.img | head -c 64M >vol.img
	cryptsetup luksDump vol.img | grep -q "^Version:.*2"
}

@test "RAID1 of a full disk: refused, nothing written, the message says what to shrink and how" {
	truncate -s 32M a.img b.img
	mkfs.ext4 -q -F a.img
	refused 2 "a.img: its ext4 filesystem ends at byte 33554432, and RAID1 over 2 members holds [0-9]+ .*nothing was written.*shrinks by [0-9]+ bytes .*resize2fs a.img [0-9]+K" \
		"$RAIDMIG" convert --yes --level 1 a.img b.img
	# plan says the same before anything is tried
	refused 2 "resize2fs a.img [0-9]+K" "$RAIDMIG" plan --level 1 a.img b.img
	# and the size it names is enough: shrunk so, the conversion goes through
	k=$("$RAIDMIG" plan --level 1 a.img b.img 2>&1 | sed -n 's/.*resize2fs a.img \([0-9]*\)K.*/\1/p')
	e2fsck -fy a.img >/dev/null 2>&1 || true
	resize2fs -f a.img "${k}K" >/dev/null 2>&1
	truncate -s 32M a.img	# resize2fs shortens an image file; a disk keeps its size
	cp a.img orig.img
	run "$RAIDMIG" convert --yes --level 1 a.img b.img
	[ "$status" -eq 0 ]
	head -c $((k * 1024)) orig.img >want.img
	verify want.img a.img b.img
	rm -f ./*.img
	truncate -s 320M a.img b.img
	mkfs.xfs -q -f a.img
	refused 2 "xfs cannot shrink" "$RAIDMIG" convert --yes --level 1 a.img b.img
}
