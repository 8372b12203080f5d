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
	# sizes: the least each tool makes (xfs 300 MiB, btrfs about 110 MiB)
	for spec in btrfs:128 swap:16 raw:16 xfs:300; do
		kind=${spec%:*} size=${spec#*:}M
		rm -f ./*.img
		truncate -s "$size" a.img
		case $kind in
		xfs) mkfs.xfs -q -f a.img ;;
		btrfs) mkfs.btrfs -q -f a.img >/dev/null ;;
		swap) mkswap a.img >/dev/null 2>&1 ;;
		raw) head -c "$size" /dev/urandom >a.img ;;
		esac
		blank "$size" b.img
		echo "# $kind $size" >&3
		if [ "$kind" = xfs ]; then	# raidmig's reader only: the md reader takes minutes on 300 MiB
			cp a.img orig.img
			run "$RAIDMIG" convert --yes --level 0 -v a.img b.img
			[ "$status" -eq 0 ]
			[[ "$output" =~ "they move to b.img" ]]
			"$RAIDMIG" cat a.img b.img | cmp -n $((300 << 20)) - orig.img
		else
			converted "$size" 0 a.img b.img
		fi
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

# othermd VERSION FILE...: md superblocks of one RAID5 as mdadm writes
# metadata 1.2 (at 4 KiB, data from 1 MiB), 1.1 (at byte 0) or 0.90 (64
# KiB-aligned near the end) on each FILE
othermd() {
	local v=$1
	shift
	python3 - "$v" "$@" <<-'PY'
	import os, struct, sys
	sys.path.insert(0, os.environ["TOP"] + "/test")
	import mdread
	v, files = sys.argv[1], sys.argv[2:]
	uuid = os.urandom(16)
	for role, name in enumerate(files):
	    size = os.path.getsize(name)
	    with open(name, "r+b") as f:
	        if v == "0.90":
	            sb = bytearray(4096)
	            struct.pack_into("<IIII", sb, 0, 0xA92B4EFC, 0, 90, 0)
	            struct.pack_into("<II", sb, 28, 5, (size >> 10) - 64)
	            struct.pack_into("<I", sb, 40, len(files))
	            f.seek((size & ~0xFFFF) - 0x10000)
	        else:
	            so = 8 if v == "1.2" else 0
	            fields = dict(set_uuid=uuid, set_name=b"host:data", ctime=1600000000, level=5, layout=2,
	                          size=(size >> 9) - 2048, chunksize=1024, raid_disks=len(files),
	                          data_offset=2048, data_size=(size >> 9) - 2048, super_offset=so,
	                          dev_number=role, device_uuid=os.urandom(16), utime=1600000000,
	                          events=20, resync_offset=mdread.MAX_SECTOR)
	            sb = mdread.build_superblock(fields, list(range(len(files))), 128)
	            f.seek(so * 512)
	        f.write(sb)
	PY
}

@test "md arrays with metadata 0.90: refused with what to do, never --force, nothing written" {
	export TOP
	rm -f ./*.img
	truncate -s 8M a.img b.img c.img d.img
	othermd 0.90 a.img b.img c.img
	want="metadata 0.90 .*mdadm --assemble /dev/mdN --update=metadata"
	# the whole array, one member as a plain source, one as an added member
	for args in "a.img b.img c.img d.img" "--level 0 b.img d.img" "--level 0 d.img b.img" "--force --level 0 d.img b.img"; do
		refused 2 "$want" "$RAIDMIG" convert --yes $args
		[[ "$output" != *"use --force"* ]]
	done
	refused 2 "$want" "$RAIDMIG" plan --level 6 a.img b.img c.img d.img
}

@test "md arrays with metadata 1.2 and 1.1 are md arrays: migrated whole, refused in part or with a bad superblock, never --force" {
	export TOP
	for v in 1.2 1.1; do
		rm -f ./*.img
		truncate -s 32M a.img b.img c.img d.img
		othermd "$v" a.img b.img c.img
		[ "$(blkid -p -o value -s VERSION b.img)" = "$v" ]
		# a member given without the rest, as a source or an added member
		for args in "--level 0 b.img d.img" "--level 0 d.img b.img"; do
			refused 2 "carries the md superblock of array .* and 1 of its members are given" "$RAIDMIG" convert --yes $args
			[[ "$output" != *"--force"* ]]
		done
		# a superblock that does not decode: refused, said why
		cp b.img b.good
		printf 'X' | dd of=b.img bs=1 seek=$(( $([ "$v" = 1.2 ] && echo 4096 || echo 0) + 300 )) conv=notrunc status=none
		refused 2 "b.img: a member of md array host:data \\(metadata $v\\), whose superblock raidmig cannot use \\(md superblock: bad checksum\\)" \
			"$RAIDMIG" convert --yes a.img b.img c.img d.img
		[[ "$output" != *"--force"* ]]
		mv b.good b.img
		# used to the end: no room for a level change with no new capacity, as for 1.0
		refused 2 "uses 32505856 bytes of it past md's data offset, and raidmig needs room between that and the end of the device" \
			"$RAIDMIG" convert --yes --level 6 a.img b.img c.img d.img
		run "$RAIDMIG" plan a.img b.img c.img d.img
		echo "$output"
		[ "$status" -eq 0 ]
		run "$RAIDMIG" convert --yes a.img b.img c.img d.img
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$output" =~ "metadata $v, name host:data" ]]
		[ "$(blkid -p -o value -s VERSION d.img)" = "$v" ]
		mdadm --examine d.img | grep -q "Data Offset : 2048 sectors"
		mdadm --examine d.img | grep -q "Raid Devices : 4"
	done
}
