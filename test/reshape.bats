#!/usr/bin/env bats
# Array to array: an md array (made by raidmig here; by mdadm in the VM
# suite test/md.bats) migrated to another geometry by the same engine:
# more members, other levels, chunks and layouts, fewer members, and back
# to one plain disk. Each result is checked through raidmig cat, the
# independent md reader (bytes, parity, copies) and mdadm --examine.
load helpers

# array FIRST N SIZE: an md array made by converting an ext4 source (a.img)
# with FIRST over N members of SIZE; vol.img holds its volume
array() {
	local first=$1 n=$2 size=$3
	M=(a.img)
	mkext4 a.img "$size"
	for ((i = 1; i < n; i++)); do M+=("m$i.img"); blank "$size" "m$i.img"; done
	"$RAIDMIG" convert --yes $first "${M[@]}" >/dev/null
	"$RAIDMIG" cat "${M[@]}" >vol.img
}

# migrate ACTION N AFTER: run ACTION (convert or revert and its options)
# over the array's members and N - members added devices, in a shuffled
# order; then the first AFTER members hold the volume: its data (the
# volume's first DATA bytes, or the filesystem when the array shrank)
migrate() {
	local action=$1 n=$2 after=$3 i
	for ((i = ${#M[@]}; i < n; i++)); do M+=("m$i.img"); blank "$(stat -c %s a.img)" "m$i.img"; done
	run "$RAIDMIG" $action --yes $(printf '%s\n' "${M[@]}" | sort -r)
	echo "$output"
	[ "$status" -eq 0 ]
	N=("${M[@]:0:after}")
}

# same_data: the migrated array's volume starts with the old one's data
# (the whole old volume, or the filesystem when the array holds less)
same_data() {
	local size=${1:-$(stat -c %s vol.img)}
	head -c "$size" vol.img >want.img
	verify want.img "${N[@]}"
	"$RAIDMIG" cat "${N[@]}" | head -c 204800 >fs.img
	e2fsck -fn fs.img
}

@test "reshape: grow RAID5 from 3 to 4 members, the devices in any order" {
	array "--level 5 --chunk 4K" 3 2M	# over 1440 KiB: blkid probes RAID
	migrate convert 4 4
	[[ "$output" =~ "RAID5 left-symmetric over 4 members" ]]
	same_data
	[ "$($MDREAD examine m3.img | json_get raid_disks)" = 4 ]
	blkid -p m3.img | grep -q linux_raid_member
}

@test "reshape: grow RAID0 from 2 to 3, and RAID1 gains a mirror" {
	array "--level 0 --chunk 4K" 2 300K
	migrate convert 3 3
	same_data
	rm -f ./*.img
	array "--level 1" 2 1M
	migrate convert 3 3
	[[ "$output" =~ "RAID1 over 3 members" ]]
	same_data
}

@test "reshape: level changes RAID1 to RAID5, RAID0 to RAID6, RAID4 to RAID5, RAID5 to RAID6" {
	array "--level 1 --chunk 4K" 2 300K
	migrate "convert --level 5 --chunk 4K" 3 3
	same_data
	rm -f ./*.img
	array "--level 0 --chunk 4K" 2 300K
	migrate "convert --level 6" 4 4
	same_data
	rm -f ./*.img
	array "--level 4 --chunk 4K" 3 300K
	migrate "convert --level 5 --layout right-asymmetric" 3 3
	[[ "$output" =~ "staging 0, next_destination "[1-9] ]]	# the data moved along the members
	same_data
	rm -f ./*.img
	array "--level 1 --chunk 4K" 2 2M	# the slot needs rows past the filesystem's end
	migrate "convert --level 5 --chunk 64K" 3 3
	same_data 204800
	rm -f ./*.img
	array "--level 5 --chunk 4K" 3 300K
	migrate "convert --level 6" 4 4
	[[ "$output" =~ "left-symmetric-6" ]]
	[[ "$output" =~ "staging 0" ]]
	same_data
}

# data_offset IMG: md's data_offset of a member, in sectors
data_offset() {
	$MDREAD examine "$1" | json_get data_offset
}

@test "reshape: a restripe moves the data along the members as md moves data_offset: nothing staged, every byte written once; the next one moves it back" {
	array "--level 5 --chunk 64K" 3 8M
	[ "$(data_offset a.img)" = 0 ]
	blank 8M m3.img
	M+=(m3.img)
	SHIM_TRACE=$W/up.trace LD_PRELOAD="$SHIM" run "$RAIDMIG" convert --yes -v --level 6 --layout left-symmetric "${M[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "the data moves up by "([0-9]+)" bytes of each member" ]]
	up=${BASH_REMATCH[1]}
	[[ "$output" =~ "staging 0, next_destination "[1-9] ]]
	N=("${M[@]}")
	same_data
	for m in "${M[@]}"; do [ "$(data_offset "$m")" = $((up / 512)) ]; done
	# every member written about once over: the new layout's rows, no slot
	written=0
	for m in "${M[@]}"; do written=$((written + $(written_to up.trace "$m"))); done
	echo "written $written for a volume of $(stat -c %s vol.img)"
	[ "$written" -lt $(( $(stat -c %s vol.img) * 4 / 2 * 11 / 10 + 1048576 )) ]
	# the next restripe moves it back down to sector 0
	run "$RAIDMIG" convert --yes -v --layout right-asymmetric "${M[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "the data moves down by $up bytes of each member" ]]
	[[ "$output" =~ "staging 0" ]]
	same_data
	for m in "${M[@]}"; do [ "$(data_offset "$m")" = 0 ]; done
	# and a restripe with no room to move the data stages it, as before
	RAIDMIG_NO_SHIFT=1 run "$RAIDMIG" convert --yes --layout left-asymmetric "${M[@]}"
	[ "$status" -eq 0 ]
	[[ "$output" =~ staging\ [1-9] ]]
	same_data
}

@test "reshape: an array whose data a restripe moved up grows with its last rows moved from where they are" {
	python3 "$TOP/test/mkfull.py" 5 3 64 8 f
	for m in f0.img f1.img f2.img; do python3 "$TOP/test/sbpatch.py" "$m" size=8192; done
	run "$RAIDMIG" convert --yes -v --layout right-asymmetric f0.img f1.img f2.img
	[ "$status" -eq 0 ]
	[[ "$output" =~ "the data moves up by" ]]
	"$RAIDMIG" cat f0.img f1.img f2.img >vol1.img
	blank 8M f3.img
	run "$RAIDMIG" convert --yes -v f0.img f1.img f2.img f3.img
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "move to f3.img at byte" ]]
	N=(f0.img f1.img f2.img f3.img)
	verify vol1.img "${N[@]}"
}

@test "reshape: RAID10 n2 to RAID0 with fewer members and back; a chunk change" {
	array "--level 10" 4 2M
	migrate "convert --level 0 --members 2" 4 2
	same_data 204800
	run blkid -p m3.img
	[[ ! "$output" =~ linux_raid_member ]] || { echo "a removed member still claims the array"; false; }
	cp vol.img vol0.img
	"$RAIDMIG" cat a.img m1.img >vol.img
	M=(a.img m1.img)
	migrate "convert --level 10" 2 2
	same_data 204800
	rm -f ./*.img
	array "--level 5 --chunk 4K" 3 300K
	migrate "convert --chunk 8K" 3 3
	same_data 204800
}

@test "reshape: revert RAID5 over 4 and RAID0 over 2 to one plain disk" {
	array "--level 5 --chunk 4K" 4 2M
	migrate revert 4 1
	[[ "$output" =~ "is one plain disk again" ]]
	cmp -n 204800 a.img vol.img
	e2fsck -fn a.img
	blkid -p a.img | grep -q 'TYPE="ext4"'
	for f in m1.img m2.img m3.img; do
		run blkid -p "$f"
		[[ ! "$output" =~ linux_raid_member ]]
	done
	# the reverted disk converts again without --force
	cp a.img src.img
	blank 2M n1.img
	"$RAIDMIG" convert --yes --level 0 --chunk 4K a.img n1.img
	"$RAIDMIG" cat a.img n1.img | cmp -n 204800 - src.img
	rm -f ./*.img
	array "--level 0 --chunk 4K" 2 300K
	migrate revert 2 1
	cmp -n 204800 a.img vol.img
}

@test "reshape: a kill at any write, then resume, gives the data (RAID0 2 to 3)" {
	array "--level 0 --chunk 4K" 2 300K
	blank 300K m2.img
	mkdir base && cp a.img m1.img m2.img base/
	for at in 3 5 9 14 20; do
		cp base/*.img .
		run env SHIM_KILL_AT="$at" LD_PRELOAD="$PRELOAD" "$RAIDMIG" convert --yes --checkpoint-units 2 a.img m1.img m2.img
		[ "$status" -eq 137 ]
		run "$RAIDMIG" resume a.img m1.img m2.img
		echo "kill at $at: $output"
		if [[ "$output" =~ "it had not started" ]]; then
			"$RAIDMIG" convert --yes a.img m1.img m2.img
		else
			[ "$status" -eq 0 ]
		fi
		N=(a.img m1.img m2.img)
		same_data
	done
}

@test "reshape: refusals name the device and write nothing" {
	array "--level 5 --chunk 4K" 3 300K
	blank 300K m3.img
	refused 2 "a.img: carries the md superblock of array .* 2 of its members are given" "$RAIDMIG" convert --yes a.img m1.img m3.img
	refused 2 "already RAID5 left-symmetric, chunk 4 KiB: nothing to migrate" "$RAIDMIG" convert --yes a.img m1.img m2.img
	refused 2 "members wanted" "$RAIDMIG" convert --yes --members 5 a.img m1.img m2.img m3.img
	refused 2 "not a layout" "$RAIDMIG" convert --yes --layout n2 a.img m1.img m2.img m3.img
	# shrinking needs to know where the data ends: no filesystem, no way
	dd if=/dev/urandom of=a.img bs=1024 count=1 seek=1 conv=notrunc 2>/dev/null
	refused 2 "holds no partition table or ext2/3/4" "$RAIDMIG" convert --yes --members 2 a.img m1.img m2.img
	# members of two different arrays
	mkdir other && (cd other && mksrc a.img 200K 100K && blank 300K m1.img &&
		"$RAIDMIG" convert --yes --level 0 --chunk 4K a.img m1.img >/dev/null)
	refused 2 "different md arrays" "$RAIDMIG" convert --yes a.img m1.img m2.img other/m1.img
	# an added device holding a filesystem
	mkext4 fs.img 300K
	refused 2 "fs.img: carries" "$RAIDMIG" convert --yes a.img m1.img m2.img fs.img
	# no room for the staging slot (a new chunk whose unit does not fit), and
	# nothing says where the data ends; then it ends past where it must
	rm -f ./*.img
	mksrc a.img 250K 50K
	blank 300K m1.img m2.img
	"$RAIDMIG" convert --yes --level 1 --chunk 4K a.img m1.img >/dev/null
	refused 2 "a.img: the array uses [0-9]+ bytes of it, and raidmig needs room .* more.*nothing says where it ends" \
		"$RAIDMIG" convert --yes --level 5 --chunk 64K a.img m1.img m2.img
	rm -f ./*.img
	array "--level 1 --chunk 4K" 2 300K
	blank 300K m2.img
	refused 2 "needs room .* more.*ends by byte [0-9]+ .*it ends at byte 204800" \
		"$RAIDMIG" convert --yes --level 5 --chunk 128K a.img m1.img m2.img
	refused 2 "no md superblock" "$RAIDMIG" revert --yes m2.img
	blank 300K n9.img
	refused 1 "--members N is for an md array" "$RAIDMIG" convert --yes --level 0 --members 2 m2.img n9.img
}

@test "reshape: plan covers a reshape without writing" {
	array "--level 5 --chunk 4K" 3 300K
	blank 300K m3.img
	before=$(sums)
	run "$RAIDMIG" plan --json a.img m1.img m2.img m3.img
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get members)" = 4 ]
	[ "$(echo "$output" | json_get units)" -gt 0 ]
	[ "$before" = "$(sums)" ]
}

# written_to TRACE FILE: bytes the traced run wrote to FILE
written_to() {
	awk -v f="$2" '($1 == "W" || $1 == "D") && $2 ~ ("/" f "$") { s += $4 } END { print s + 0 }' "$1"
}

@test "reshape: RAID5 to RAID6 (-6 layout) writes Q alone on a clean array, P too on an unclean one" {
	array "--level 5 --chunk 4K" 3 2M
	# the rows past the source's data are not in sync (md would resync them);
	# a chunk change migrates every row and leaves the array clean
	"$RAIDMIG" convert --yes --chunk 8K "${M[@]}" >/dev/null
	[ "$($MDREAD examine a.img | json_get resync_offset)" = 18446744073709551615 ]
	mkdir base && cp ./*.img base/
	blank 2M m3.img
	SHIM_TRACE=$W/clean.trace LD_PRELOAD="$SHIM" "$RAIDMIG" convert --yes --level 6 "${M[@]}" m3.img >/dev/null
	N=("${M[@]}" m3.img)
	same_data
	# the old members get their metadata and superblocks, 8 blocks: no data, no P
	for m in "${M[@]}"; do
		echo "$m: $(written_to clean.trace "$m") bytes written"
		[ "$(written_to clean.trace "$m")" -le $((8 * 4096)) ]
	done
	[ "$(written_to clean.trace m3.img)" -ge $(( $(stat -c %s vol.img) / 2 )) ]
	# md's resync unfinished: P is not trusted and is written from the data
	rm m3.img
	cp base/*.img .
	python3 "$TOP/test/sbpatch.py" m1.img resync_offset=0
	blank 2M m3.img
	SHIM_TRACE=$W/dirty.trace LD_PRELOAD="$SHIM" "$RAIDMIG" convert --yes --level 6 "${M[@]}" m3.img >/dev/null
	same_data
	for m in "${M[@]}"; do
		[ "$(written_to dirty.trace "$m")" -gt $(( $(stat -c %s vol.img) / 8 )) ]
	done
}

@test "reshape: md arrays used to the end of their members (mdadm --metadata=1.0, no --size) grow with no preparation" {
	# the old rows in the configuration area's place move to the added member first
	for spec in "5 3 64" "0 2 64" "6 4 16" "1 2 64"; do
		read -r level n chunk <<<"$spec"
		rm -f ./*.img ./*.vol
		python3 "$TOP/test/mkfull.py" "$level" "$n" "$chunk" 8 f
		M=()
		for ((i = 0; i < n; i++)); do M+=("f$i.img"); done
		blank 8M "f$n.img"
		opts=""
		[ "$level" = 1 ] && opts="--level 5"
		run "$RAIDMIG" convert --yes -v $opts "${M[@]}" "f$n.img"
		echo "$output"
		[ "$status" -eq 0 ]
		# (mdadm rounds RAID1 down to 64 KiB: there the room was left already)
		[ "$level" = 1 ] || [[ "$output" =~ "move to f$n.img at byte" ]]
		echo "# RAID$level over $n used to the end: $(echo "$output" | grep -o "rows from byte [0-9]* of each member ([0-9]* bytes a member)")" >&3
		N=("${M[@]}" "f$n.img")
		verify f.vol "${N[@]}"
	done
}

@test "reshape: md arrays as mdadm --create makes them (metadata 1.2 and 1.1, used to the end) grow and change level with no preparation, keeping their data offset" {
	# mkfull.py --metadata: mdadm 4.2's data_offset, bad-block log and sizes
	for spec in "5 3 64 1.2 8" "0 2 512 1.2 32" "6 4 128 1.2 8" "1 2 64 1.2 8" "5 3 64 1.1 8"; do
		read -r level n chunk v mib <<<"$spec"
		rm -f ./*.img ./*.vol
		python3 "$TOP/test/mkfull.py" "$level" "$n" "$chunk" "$mib" f --metadata "$v"
		off=$(mdadm --examine f0.img | sed -n 's/.*Data Offset : \([0-9]*\) sectors.*/\1/p')
		M=()
		for ((i = 0; i < n; i++)); do M+=("f$i.img"); done
		blank "${mib}M" "f$n.img"
		opts=""
		[ "$level" = 1 ] && opts="--level 5"
		run "$RAIDMIG" convert --yes -v $opts "${M[@]}" "f$n.img"
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$output" =~ "metadata $v, name host:f" ]]
		echo "# RAID$level over $n, metadata $v, data from sector $off: $(echo "$output" | grep -o "rows from byte [0-9]* of each member ([0-9]* bytes a member)")" >&3
		N=("${M[@]}" "f$n.img")
		verify f.vol "${N[@]}"
		for img in "${N[@]}"; do
			mdadm --examine "$img" >ex.txt
			grep -q "Version : $v" ex.txt
			grep -q "Data Offset : $off sectors" ex.txt
			grep -q "Checksum : .* - correct" ex.txt
			[ "$(blkid -p -o value -s VERSION "$img")" = "$v" ]
		done
		[ "$(field md.base "${N[@]}")" = $((off * 512)) ]
	done
}

@test "reshape: a metadata 1.2 array cut short anywhere resumes; reverted used to the end it is refused with nothing written" {
	python3 "$TOP/test/mkfull.py" 6 4 64 8 f --metadata 1.2
	blank 8M f4.img
	for k in 3 40 90; do
		cp f0.img o0.img; cp f1.img o1.img; cp f2.img o2.img; cp f3.img o3.img; cp f4.img o4.img
		run env SHIM_KILL_AT=$k LD_PRELOAD="$SHIM" "$RAIDMIG" convert --yes o3.img o4.img o1.img o0.img o2.img
		[ "$status" -eq 137 ]
		run "$RAIDMIG" resume o0.img o1.img o2.img o3.img o4.img
		echo "$output"
		[ "$status" -eq 0 ]
		verify f.vol o0.img o1.img o2.img o3.img o4.img
	done
	# used to the end: no room for raidmig's metadata until the data has moved (as for 1.0)
	refused 2 "f0.img: the array uses [0-9]+ bytes of it past md's data offset, and raidmig needs room between that and the end of the device" \
		"$RAIDMIG" revert --yes f0.img f1.img f2.img f3.img
	# members whose data offsets differ are not one array raidmig can take
	python3 "$TOP/test/mkfull.py" 5 3 64 8 g --metadata 1.2
	python3 "$TOP/test/sbpatch.py" --at 4096 g1.img data_offset=1024
	refused 2 "superblock disagrees with .*data_offset 1024 and 2048" "$RAIDMIG" convert --yes g0.img g1.img g2.img f4.img
}

@test "reshape: revert of a metadata 1.2 RAID1 with room moves the data down to byte 0; md's superblock there is the disk's data now" {
	python3 "$TOP/test/mkfull.py" 1 2 64 8 r --metadata 1.2
	for m in r0.img r1.img; do python3 "$TOP/test/sbpatch.py" --at 4096 "$m" size=12288; done	# as --size 6M
	head -c $((12288 * 512)) r.vol >want.img
	mkfs.ext4 -q -F -E offset=1048576 r0.img 4M	# a filesystem on the array, as md sees it
	dd if=r0.img of=r1.img bs=1M skip=1 seek=1 count=5 conv=notrunc status=none
	$MDREAD read r0.img r1.img >want.img	# the array md would serve
	# cut short once the volume's first bytes are on member 0 (over md's
	# superblock there): blkid must still see an md member, not the ext4
	run env SHIM_KILL_AT=12 LD_PRELOAD="$SHIM" "$RAIDMIG" revert --yes r0.img r1.img
	[ "$status" -eq 137 ]
	cmp -n 4096 r0.img want.img	# the ext4's first block is in place
	[ "$(blkid -p -o value -s TYPE r0.img)" = linux_raid_member ]
	run "$RAIDMIG" resume -v r0.img r1.img
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "is one plain disk again" ]]
	[[ "$output" =~ next_destination\ [1-9] ]]
	cmp -n $((12288 * 512)) r0.img want.img
	[ "$(blkid -p -o value -s TYPE r0.img)" = ext4 ]
	e2fsck -fn r0.img
	! mdadm --examine r1.img
	[ -z "$(blkid -p -o value -s TYPE r1.img)" ]
}

# with_bitmap IMG...: an internal write-intent bitmap on each member, as
# mdadm --metadata=1.0 --bitmap=internal leaves one: the feature bit, the
# offset (8 sectors below the superblock: mkfull.py's room for it) and a
# bitmap superblock there ("bitm", version 4, the array's UUID)
with_bitmap() {
	local img so
	for img; do
		python3 "$TOP/test/sbpatch.py" "$img" feature_map=1 bitmap_offset=-16
		so=$(( ($(stat -c %s "$img") / 512 - 16) / 8 * 8 ))
		{ printf 'bitm\004\000\000\000'; dd if="$img" bs=1 skip=$((so * 512 + 16)) count=16 status=none; } |
			dd of="$img" bs=512 seek=$((so - 16)) conv=notrunc status=none
	done
}

@test "reshape: an md array with an internal write-intent bitmap: the bitmap is removed first, said so, and the array migrated; a convert cut short just after is run again" {
	python3 "$TOP/test/mkfull.py" 5 3 4 4 f
	with_bitmap f0.img f1.img f2.img
	mdadm --examine f0.img | grep -q "Internal Bitmap"
	blank 4M f3.img
	mkdir orig && cp f*.img orig/
	run "$RAIDMIG" convert --yes f0.img f1.img f2.img f3.img
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "write-intent bitmap is removed".*"mdadm --grow --bitmap=internal /dev/md/host:f" ]]
	! mdadm --examine f0.img | grep -q "Internal Bitmap"
	verify f.vol f0.img f1.img f2.img f3.img
	# killed at its first writes (the bitmaps removed, perhaps not all):
	# the same convert again finishes it
	for k in 1 2 3 5; do
		cp orig/f*.img .
		(LD_PRELOAD="$SHIM" SHIM_KILL_AT=$k "$RAIDMIG" convert --yes f0.img f1.img f2.img f3.img >/dev/null 2>&1) || true
		run "$RAIDMIG" resume f0.img f1.img f2.img f3.img
		echo "kill at $k: resume exit $status: $output"
		if [ "$status" -ne 0 ]; then
			[[ "$output" =~ "had not started" ]]
			"$RAIDMIG" convert --yes f0.img f1.img f2.img f3.img >/dev/null
		fi
		verify f.vol f0.img f1.img f2.img f3.img
	done
}

@test "reshape: host writes into the last rows of an md array used to the end land where those rows moved, before and after they migrate" {
	python3 "$TOP/test/mkfull.py" 5 3 4 1 f
	blank 1M f3.img
	size=$("$RAIDMIG" plan --json f0.img f1.img f2.img f3.img | json_get data_size)
	# whole stripes and a part of one in the moved rows, as the migration
	# starts (old layout) and at its end (new layout)
	{ echo "write at=0 offset=$((size - 65536)) length=65536 seed=7"
	  echo "write at=0 offset=$((size - 99840)) length=3072 seed=8"
	  echo "write at=1000000 offset=$((size - 40960)) length=24576 seed=9"; } >j.txt
	$ORACLE expect f.vol "$size" j.txt >expect.out
	run "$RAIDMIG" convert --yes --journal j.txt f0.img f1.img f2.img f3.img
	echo "$output"
	[ "$status" -eq 0 ]
	verify expect.out f0.img f1.img f2.img f3.img
}

# RAID5 to RAID6 in the -6 layout writes Q alone where the old array is in
# sync: P stays below md's resync_offset (raidmig's own arrays are in sync
# up to their data's rows until md resyncs the rest), and is written past
# it; an array md never synced (resync_offset 0) has every P rewritten.
@test "reshape: RAID5 to RAID6 -6 leaves P in place below md's resync_offset, and rewrites it past" {
	array "--level 5 --chunk 4K" 3 2M
	off=$($MDREAD examine a.img | json_get resync_offset)
	[ "$off" -gt 0 ]
	mkdir orig && cp a.img m1.img m2.img orig/
	M+=(m3.img)
	for unsynced in 0 1; do
		cp orig/* .
		rm -f m3.img trace && blank 2M m3.img
		[ "$unsynced" = 1 ] && for f in a.img m1.img m2.img; do python3 "$TOP/test/sbpatch.py" "$f" resync_offset=0; done
		SHIM_TRACE=$W/trace LD_PRELOAD="$SHIM" "$RAIDMIG" convert --yes --level 6 "${M[@]}" >/dev/null
		# bytes written to the old members' rows that were in sync
		low=$(awk -v lim=$((off * 512)) '$1 != "F" && $2 !~ /m3.img$/ && $3 < lim { n += $4 } END { print n + 0 }' trace)
		echo "unsynced $unsynced: $low bytes written below byte $((off * 512)) of the old members"
		if [ "$unsynced" = 0 ]; then
			[ "$low" = 0 ]
			awk '$1 != "F" && $2 !~ /m3.img$/' trace | grep -q .	# P past it
		else
			[ "$low" -ge $((off * 512 / 3 * 3)) ]	# a third of each old member's rows: P
		fi
		N=("${M[@]}")
		same_data
		$MDREAD read --check "${N[@]}" | grep -q '"parity_mismatches": 0'
	done
}
