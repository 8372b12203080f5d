#!/usr/bin/env bats
# The power-loss model (test/crash.py): every crash point of small
# conversions, with unflushed writes lost, reordered or torn, recovered by
# resume and checked byte for byte. Also crashes during resume itself, and
# the first and last writes (a window) of more md migrations.
load helpers

# powerloss MEMBERS LEVEL LAYOUT REASONS [JOURNAL]: check the limits make
# every checkpoint reason in REASONS fire, then run the model ($CHUNK, 4K
# unless given; NO_REACH=1: the journal as it is, without reach_back's writes)
powerloss() {
	local n=$1 level=$2 layout=$3 reasons=$4 j=${5:-} m=(a.img) opts chunk=${CHUNK:-4K}
	opts="--level $level --chunk $chunk --checkpoint-units 3${layout:+ --layout $layout}"
	mksrc a.img 200K 100K
	for ((i = 1; i < n; i++)); do m+=("m$i.img"); blank 300K "m$i.img"; done
	if [ -n "$j" ] && [ -z "${NO_REACH:-}" ]; then
		reach_back "$j" "$("$RAIDMIG" plan $opts --json "${m[@]}" | json_get unit_bytes)"
	fi
	[ -z "$j" ] || opts="$opts --journal $j"
	$ORACLE expect a.img "$($ORACLE datasize 300K "$chunk" "$n" "$level" "$layout")" $j >expect.out
	mkdir try
	cp "${m[@]}" $j try/
	summary=$(cd try && "$RAIDMIG" convert --yes --json $opts "${m[@]}")
	echo "$summary"
	for r in $reasons final ${j:+host_write}; do
		[ "$(echo "$summary" | json_get "checkpoints.$r")" -gt 0 ] || { echo "$r never fired"; return 1; }
	done
	[ -z "${NO_STAGING:-}" ] || [ "$(echo "$summary" | json_get checkpoints.staging)" -eq 0 ] || { echo "staged"; return 1; }
	run python3 "$TOP/test/crash.py" --raidmig "$RAIDMIG" --shim "$SHIM" --expect expect.out \
		--convert "convert --yes $opts" --resume "resume ${j:+--journal $j}" "${m[@]}"
	echo "$output"
	echo "$output" | sed "s/^/# RAID$level ${layout:+$layout }over $n${j:+, journal}: /" >&3
	[ "$status" -eq 0 ]
	[[ "$output" =~ " 0 failed" ]]
}

# reach_back JOURNAL UNIT_BYTES [UNITS DESCENDING]: add writes reaching back
# from their arrival into copied, not checkpointed units (test 242): in
# ascending order units 9 and 10 after 10 units (the 10th and the next),
# in descending order (True) their mirror, units - 11 and units - 10
reach_back() {
	local u=$2 base=0
	[ "${4:-False}" = True ] && base=$(($3 - 20))
	{ cat "$1"; echo "write at=10 offset=$(((base + 9) * u)) length=$((2 * u)) seed=5"
	  echo "write at=11 offset=$(((base + 10) * u)) length=$((2 * u)) seed=6"; } |
		sort -s -n -t= -k2 >j.sorted
	mv j.sorted "$1"
}

journal() {	# writes that hit each routing case
	cat >j.txt <<-J
	write at=0 offset=100K length=8K seed=1
	write at=2 offset=0 length=4K fill=0xaa
	write at=5 offset=12K length=8K seed=2
	write at=9 offset=4K length=60K seed=3
	write at=14 offset=150K length=4K fill=0x55
	write at=40 offset=0 length=190K seed=4
	J
}

@test "power loss at every point: RAID0 over 2" {
	powerloss 2 0 "" "next_destination interval"
}

@test "power loss at every point: RAID0 over 3 with a journal" {
	journal
	powerloss 3 0 "" "next_destination interval" j.txt
}

@test "power loss at every point: RAID1 over 2 with a journal" {
	journal
	powerloss 2 1 "" "interval" j.txt
}

@test "power loss at every point: RAID1 over 3" {
	powerloss 3 1 "" "interval"
}

@test "power loss at every point: RAID4 over 3" {
	powerloss 3 4 "" "next_destination interval"
}

@test "power loss at every point: RAID5 left-symmetric over 3 with a journal" {
	journal
	powerloss 3 5 left-symmetric "next_destination interval" j.txt
}

@test "power loss at every point: RAID5 right-asymmetric over 3 (its first unit is staged)" {
	powerloss 3 5 right-asymmetric "staging next_destination interval"
}

@test "power loss at every point: RAID5 left-asymmetric over 4" {
	powerloss 4 5 left-asymmetric "next_destination interval"
}

@test "power loss at every point: RAID5 right-symmetric over 4 with a journal" {
	journal
	powerloss 4 5 right-symmetric "staging next_destination interval" j.txt
}

@test "power loss at every point: RAID5 parity-first over 3 with a journal" {
	journal
	powerloss 3 5 parity-first "staging next_destination interval" j.txt
}

@test "power loss at every point: RAID5 parity-last over 3" {
	powerloss 3 5 parity-last "next_destination interval"
}

@test "power loss at every point: RAID6 left-symmetric over 4 with a journal" {
	journal
	powerloss 4 6 left-symmetric "staging next_destination interval" j.txt
}

@test "power loss at every point: RAID5 over 3 and RAID6 over 4, 16K chunks, journal writes inside chunks" {
	# a write into part of a chunk reads and writes its window only
	cat >j.txt <<-J
	write at=0 offset=60K length=4K seed=1
	write at=1 offset=14K length=4K seed=2
	write at=2 offset=512 length=1K fill=0xaa
	write at=3 offset=90K length=4K fill=0x55
	write at=4 offset=36K length=3584 seed=3
	write at=5 offset=40K length=8K seed=4
	J
	CHUNK=16K NO_REACH=1 powerloss 3 5 left-symmetric "" j.txt
	rm -rf try ./*.img
	CHUNK=16K NO_REACH=1 powerloss 4 6 left-symmetric "" j.txt
}

@test "power loss at every point: RAID6 left-asymmetric over 5" {
	powerloss 5 6 left-asymmetric "next_destination interval"
}

@test "power loss at every point: RAID10 n2 over 3 with a journal" {
	journal
	powerloss 3 10 n2 "next_destination interval" j.txt
}

@test "power loss at every point: RAID10 o2 over 2" {
	powerloss 2 10 o2 "interval"
}

# reshape FIRST N1 SECOND N2 AFTER REASONS [JOURNAL]: a conversion with
# FIRST over N1 members makes an md array (its source an ext4 filesystem,
# so a shrink can tell where the data ends); the model then runs on the
# migration SECOND (a convert or a revert, its options) of that array and
# N2 - N1 added devices, whose result is the first AFTER members (a plain
# disk when SECOND is a revert). Every device is $SIZE (300K unless given).
# WINDOW=N: crash it only among the first and last N writes and flushes of
# each trace (crash.py --window); RESUME_BASES=N: crash N resume runs (4);
# NO_STAGING=1: the run must stage nothing (the data moved along the
# members); RAIDMIG_NO_SHIFT=1 (a test seam in reshape.c) keeps it in place
reshape() {
	local first=$1 n1=$2 second=$3 n2=$4 after=$5 reasons=$6 j=${7:-} m=(a.img) ds extra="" planned
	local size=${SIZE:-300K} label="$first over $n1, $second${j:+ with a journal}, to $after${WINDOW:+, window $WINDOW}"
	mkext4 a.img "$size"
	for ((i = 1; i < n2; i++)); do m+=("m$i.img"); blank "$size" "m$i.img"; done
	"$RAIDMIG" convert --yes --chunk 4K $first "${m[@]:0:n1}" >/dev/null
	"$RAIDMIG" cat "${m[@]:0:n1}" >vol.img
	second="$second --checkpoint-units 3"
	planned=${second/#revert/--revert}
	planned=${planned#convert}
	ds=$("$RAIDMIG" plan $planned --json "${m[@]}" | json_get data_size)
	[[ $second == revert* ]] && extra="--plain"
	if [ -n "$j" ] && [ -z "${NO_REACH:-}" ]; then
		pj=$("$RAIDMIG" plan $planned --json "${m[@]}")
		reach_back "$j" "$(echo "$pj" | json_get unit_bytes)" "$(echo "$pj" | json_get units)" \
			"$(echo "$pj" | json_get descending)"
		second="$second --journal $j"
	fi
	$ORACLE expect vol.img "$ds" $j >expect.out
	mkdir try
	cp "${m[@]}" $j try/
	summary=$(cd try && "$RAIDMIG" $second --yes --json "${m[@]}")
	echo "$summary"
	for r in $reasons final ${j:+host_write}; do
		[ "$(echo "$summary" | json_get "checkpoints.$r")" -gt 0 ] || { echo "$r never fired"; return 1; }
	done
	[ -z "${NO_STAGING:-}" ] || [ "$(echo "$summary" | json_get checkpoints.staging)" -eq 0 ] || { echo "staged"; return 1; }
	run python3 "$TOP/test/crash.py" --raidmig "$RAIDMIG" --shim "$SHIM" --expect expect.out \
		--convert "$second --yes" --resume "resume ${j:+--journal $j}" --md-source "$n1" \
		--after "$after" ${WINDOW:+--window "$WINDOW"} ${RESUME_BASES:+--resume-bases "$RESUME_BASES"} \
		$extra "${m[@]}"
	echo "$output"
	echo "$output" | sed "s/^/# $label: /" >&3
	[ "$status" -eq 0 ]
	[[ "$output" =~ " 0 failed" ]]
}

@test "power loss at every point: grow RAID0 from 2 to 3 members" {
	reshape "--level 0" 2 convert 3 3 "next_destination interval"
}

@test "power loss at every point: grow RAID5 from 3 to 4 members, with a journal" {
	journal
	reshape "--level 5" 3 convert 4 4 "staging next_destination interval" j.txt
}

@test "power loss at every point: RAID1 over 2 to RAID5 over 3" {
	reshape "--level 1" 2 "convert --level 5 --chunk 4K" 3 3 "next_destination interval"
}

@test "power loss at every point: RAID5 over 3 to RAID6 over 4 (left-symmetric-6: Q added, data in place)" {
	reshape "--level 5" 3 "convert --level 6" 4 4 "interval"
}

@test "power loss at every point: RAID5 over 3 to RAID6 left-symmetric over 4 (the data moved along the members, as md moves data_offset: nothing staged), with a journal" {
	journal
	NO_STAGING=1 reshape "--level 5" 3 "convert --level 6 --layout left-symmetric" 4 4 "next_destination" j.txt
}

@test "power loss at every point: RAID5 over 3 to RAID6 left-symmetric over 4, no room to move the data (every unit restriped through the slot)" {
	RAIDMIG_NO_SHIFT=1 reshape "--level 5" 3 "convert --level 6 --layout left-symmetric" 4 4 "staging"
}

@test "power loss at every point: revert RAID0 over 2 to one plain disk, with a journal" {
	journal
	reshape "--level 0" 2 revert 2 1 "next_destination interval" j.txt
}

# The first writes and the final commit of the other md migrations: the
# first and last 20 writes and flushes of each trace (their middle is the
# same copy loop as above), two resume runs; 20 to 60 s each on 2 cores

@test "power loss at the first writes and the final commit: RAID5 over 3, chunk 4K to 8K" {
	WINDOW=20 RESUME_BASES=2 reshape "--level 5" 3 "convert --chunk 8K" 3 3 "staging"
}

@test "power loss at the first writes and the final commit: RAID5 over 3, left-symmetric to right-asymmetric" {
	NO_STAGING=1 WINDOW=20 RESUME_BASES=2 reshape "--level 5" 3 "convert --layout right-asymmetric" 3 3 "next_destination"
}

@test "power loss at the first writes and the final commit: shrink RAID0 over 3 to 2 members" {
	WINDOW=20 RESUME_BASES=2 reshape "--level 0" 3 "convert --members 2" 3 2 "staging next_destination interval"
}

@test "power loss at the first writes and the final commit: shrink RAID5 over 4 to 3 members" {
	WINDOW=20 RESUME_BASES=2 reshape "--level 5" 4 "convert --members 3" 4 3 "staging next_destination interval"
}

@test "power loss at the first writes and the final commit: revert RAID1 over 2 to one plain disk" {
	WINDOW=20 RESUME_BASES=2 reshape "--level 1" 2 revert 2 1 "interval"
}

@test "power loss at the first writes and the final commit: grow RAID1 from 2 to 3 members" {
	# 512K: the new layout's 64 KiB unit needs a larger slot than 300K leaves
	SIZE=512K WINDOW=20 RESUME_BASES=2 reshape "--level 1" 2 convert 3 3 "interval"
}

@test "power loss at the first writes and the final commit: RAID10 n2 over 4 to RAID0 over 2" {
	WINDOW=20 RESUME_BASES=2 reshape "--level 10" 4 "convert --level 0 --members 2" 4 2 "interval"
}

@test "power loss at the first writes and the final commit: RAID0 over 2 to RAID6 over 4" {
	WINDOW=20 RESUME_BASES=2 reshape "--level 0" 2 "convert --level 6" 4 4 "next_destination"
}

# Tails moved out of the configuration area's way (issue 17): the source's
# last bytes are copied to a free place first, recorded, and migrated from
# there. A crash anywhere, the move included, must be recovered by resume.

@test "power loss at every point: a whole-disk ext4 (mkfs.ext4's defaults) to RAID5 over 3, its tail moved first" {
	truncate -s 1M a.img
	mkfs.ext4 -q -F a.img 2>/dev/null
	cp a.img expect.out
	blank 1M m1.img m2.img
	run "$RAIDMIG" plan --json --level 5 --chunk 4K a.img m1.img m2.img
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get moved_bytes)" -gt 0 ]
	run python3 "$TOP/test/crash.py" --raidmig "$RAIDMIG" --shim "$SHIM" --expect expect.out \
		--convert "convert --yes --level 5 --chunk 4K --checkpoint-units 3" --resume resume \
		a.img m1.img m2.img
	echo "$output"
	echo "$output" | sed "s/^/# whole-disk ext4 to RAID5 over 3: /" >&3
	[ "$status" -eq 0 ]
	[[ "$output" =~ " 0 failed" ]]
}

# full_grow_window METADATA MIB: the power-loss model over the first and
# last 60 operations of a RAID5 over 3 as mdadm makes it with METADATA and
# no --size (mkfull.py), members of MIB MiB used to the end, grown to 4
full_grow_window() {
	python3 "$TOP/test/mkfull.py" 5 3 4 "$2" r --metadata "$1"
	blank "$2M" r3.img
	cp r.vol expect.out
	run python3 "$TOP/test/crash.py" --raidmig "$RAIDMIG" --shim "$SHIM" --expect expect.out \
		--convert "convert --yes --checkpoint-units 3" --resume resume --md-source 3 --after 4 \
		--window 60 --resume-bases 2 r0.img r1.img r2.img r3.img
	echo "$output"
	echo "$output" | sed "s/^/# md v$1 RAID5 used to the end, 3 to 4: /" >&3
	[ "$status" -eq 0 ]
	[[ "$output" =~ " 0 failed" ]]
}

@test "power loss at the first writes and the final commit: an md v1.0 RAID5 used to the end, grown from 3 to 4, its last rows moved first" {
	full_grow_window 1.0 1
}

@test "power loss at the first writes and the final commit: an md v1.2 RAID5 as mdadm makes it (data from 1 MiB, used to the end), grown from 3 to 4, its last rows moved first" {
	full_grow_window 1.2 2
}

@test "power loss at the first writes and the final commit: revert of an md v1.2 RAID1 with an internal bitmap, its data moved down to byte 0" {
	python3 "$TOP/test/mkfull.py" 1 2 4 3 r --metadata 1.2
	for m in r0.img r1.img; do	# as --size 1M, with the bitmap bit (raidmig removes it first)
		python3 "$TOP/test/sbpatch.py" --at 4096 "$m" size=2048 feature_map=1 bitmap_offset=8
	done
	python3 "$TOP/test/mdread.py" read r0.img r1.img >expect.out
	run python3 "$TOP/test/crash.py" --raidmig "$RAIDMIG" --shim "$SHIM" --expect expect.out \
		--convert "revert --yes --checkpoint-units 3" --resume resume --md-source 2 --after 1 --plain \
		--window 40 --resume-bases 2 r0.img r1.img
	echo "$output"
	echo "$output" | sed "s/^/# md v1.2 RAID1 revert: /" >&3
	[ "$status" -eq 0 ]
	[[ "$output" =~ " 0 failed" ]]
}
