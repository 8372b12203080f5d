#!/usr/bin/env bats
# Every RAID level on this host, through the real binary: conversions of
# odd sizes for every level and layout, host writes routed at every level,
# kills at every write and I/O faults at every point for a representative
# set, hostile metadata, and reading with members missing. Each finished
# array is read back by raidmig cat and by test/mdread.py (an independent
# md reader that also checks every stripe's parity and every copy), and
# mdadm --examine checks every superblock. The real md driver checks the
# same arrays in test/md.bats.
load helpers

# kinds: LEVEL:LAYOUT:MEMBERS, the representative set of the issue
KINDS="0::3 1::2 1::3 4::3 5:la:3 5:ra:4 5:ls:3 5:rs:4 5:parity-first:3 5:parity-last:3
6:ls:4 6:la:5 6:ddf-N-continue:5 6:right-symmetric-6:5 10:n2:2 10:n2:3 10:n3:4 10:o2:3"

# lv LEVEL LAYOUT N SIZE DATA CHUNK [options]: a.img with DATA bytes of
# random data and room, N-1 blank members, converted; expect.out holds the
# volume it must give
lv() {
	local level=$1 layout=$2 n=$3 size=$4 data=$5 chunk=$6 i
	shift 6
	M=(a.img)
	rm -f ./*.img
	head -c "$data" /dev/urandom >a.img
	truncate -s "$size" a.img
	for ((i = 1; i < n; i++)); do M+=("m$i.img"); blank "$size" "m$i.img"; done
	DS=$($ORACLE datasize "$size" "$chunk" "$n" "$level" "$layout")
	LOPTS="--level $level --chunk $chunk${layout:+ --layout $layout}"
}

@test "every level and layout converts byte-exact, sizes not multiples of the chunk" {
	local count=0
	for k in $KINDS; do
		IFS=: read -r level layout n <<<"$k"
		for chunk in 4K 64K; do
			lv "$level" "$layout" "$n" $((3 * 1048576 + 5 * 512)) $((2 * 1048576 + 7 * 512)) "$chunk"
			$ORACLE expect a.img "$DS" >expect.out
			run "$RAIDMIG" convert $LOPTS --yes "${M[@]}"
			[ "$status" -eq 0 ] || { echo "$k $chunk: $output"; return 1; }
			verify expect.out "${M[@]}" || { echo "$k $chunk differs"; return 1; }
			count=$((count + 1))
		done
	done
	echo "# $count arrays: cat, the md reader, parity and copies, mdadm --examine all agree" >&3
}

@test "a host write lands in the old or the new layout at every level, parity and copies kept" {
	for k in $KINDS; do
		IFS=: read -r level layout n <<<"$k"
		lv "$level" "$layout" "$n" 3M 2M 4K
		# writes reaching back from their arrival into units copied, not checkpointed: test 242
		u=$("$RAIDMIG" plan $LOPTS --json "${M[@]}" | json_get unit_bytes)
		cat >j.txt <<-J
		write at=0 offset=100K length=8K seed=1
		write at=2 offset=0 length=4K fill=0xaa
		write at=5 offset=12K length=8K seed=2
		write at=9 offset=4K length=60K seed=3
		write at=30 offset=1M length=12K fill=0x55
		write at=40 offset=$((39 * u)) length=$((2 * u)) seed=7
		write at=41 offset=$((40 * u)) length=$((2 * u)) seed=8
		write at=60 offset=512 length=1536 seed=9
		write at=100000 offset=0 length=600K seed=4
		J
		$ORACLE expect a.img "$DS" j.txt >expect.out
		run "$RAIDMIG" convert $LOPTS --checkpoint-units 3 --yes --json --journal j.txt "${M[@]}"
		[ "$status" -eq 0 ] || { echo "$k: $output"; return 1; }
		[ "$(echo "$output" | json_get checkpoints.host_write)" -gt 0 ] || { echo "$k: 242 never fired"; return 1; }
		verify expect.out "${M[@]}" || { echo "$k differs"; return 1; }
	done
}

@test "a host write into part of a chunk writes its window only, parity kept: RAID4, 5, 6" {
	for k in 4::3 5:ls:3 5:ra:4 6:ls:4 6:ddf-N-continue:5 6:right-symmetric-6:5; do
		IFS=: read -r level layout n <<<"$k"
		lv "$level" "$layout" "$n" 3M 2M 64K
		mkdir -p orig
		cp "${M[@]}" orig/
		# inside one chunk, across a chunk boundary, sectors, in the old and the new layout
		cat >j.txt <<-J
		write at=0 offset=4K length=4K seed=1
		write at=0 offset=1M length=512 seed=2
		write at=1 offset=60K length=8K seed=3
		write at=2 offset=130K length=3584 seed=4
		write at=4 offset=700K length=4K fill=0x5a
		write at=6 offset=1500K length=4K seed=5
		write at=8 offset=8K length=4K seed=6
		write at=100000 offset=2000K length=4K seed=7
		write at=100000 offset=68K length=12K seed=8
		J
		$ORACLE expect a.img "$DS" j.txt >expect.out
		run "$RAIDMIG" convert $LOPTS --yes --json --journal j.txt "${M[@]}"
		[ "$status" -eq 0 ] || { echo "$k: $output"; return 1; }
		with=$(echo "$output" | json_get bytes_written)
		verify expect.out "${M[@]}" || { echo "$k differs"; return 1; }
		cp orig/* .
		run "$RAIDMIG" convert $LOPTS --yes --json "${M[@]}"
		[ "$status" -eq 0 ] || { echo "$k: $output"; return 1; }
		without=$(echo "$output" | json_get bytes_written)
		# 9 writes of at most 12K, each with its parity (and its checkpoints'
		# metadata): far below one whole stripe of 64K chunks each
		extra=$((with - without))
		echo "# $k: $extra bytes more with the writes" >&3
		[ "$extra" -lt $((9 * 64 * 1024)) ] || { echo "$k: $extra bytes for 9 small writes"; return 1; }
		rm -rf orig
	done
}

@test "killed at every write, with the write torn, resume alone finishes: RAID5, RAID6, RAID10" {
	for k in 5:rs:3 6:ls:4 10:o2:3 1::2; do
		IFS=: read -r level layout n <<<"$k"
		lv "$level" "$layout" "$n" 400K 300K 4K
		$ORACLE expect a.img "$DS" >expect.out
		rm -rf orig
		LEVEL=$level OPTS="--chunk 4K --checkpoint-units 4${layout:+ --layout $layout}" ROPTS="" \
			kill_every 1 "${M[@]}" || { echo "$k failed"; return 1; }
	done
}

@test "an I/O error at every write, flush and read stops with the device named; resume finishes: RAID6" {
	lv 6 ls 4 400K 300K 4K
	$ORACLE expect a.img "$DS" >expect.out
	mkdir orig
	cp "${M[@]}" orig/
	OPTS="$LOPTS --yes --checkpoint-units 5"
	SHIM_COUNT=$W/count LD_PRELOAD="$SHIM" "$RAIDMIG" convert $OPTS "${M[@]}" >/dev/null
	read -r _ writes _ flushes _ reads <count
	for op in write:$writes flush:$flushes read:$reads; do
		for ((i = 1; i <= ${op#*:}; i++)); do
			cp orig/* .
			run env SHIM_FAIL="${op%%:*}:$i:EIO" LD_PRELOAD="$SHIM" "$RAIDMIG" convert $OPTS "${M[@]}"
			[ "$status" -eq 3 ] || [ "$status" -eq 2 ] || { echo "$op $i: exit $status"; return 1; }
			[[ "$output" =~ (a|m[0-9]).img ]] || { echo "$op $i: no device named: $output"; return 1; }
			[ "$status" -eq 2 ] && { cmp a.img orig/a.img || return 1; continue; }
			run "$RAIDMIG" resume "${M[@]}"
			if [ "$status" -eq 2 ] && [[ "$output" =~ "it had not started" ]]; then
				cmp a.img orig/a.img || return 1
				continue
			fi
			[ "$status" -eq 0 ] || { echo "$op $i: resume: $output"; return 1; }
			verify expect.out "${M[@]}" || { echo "$op $i: differs"; return 1; }
		done
	done
	echo "# RAID6: $writes writes, $flushes flushes, $reads reads failed one at a time" >&3
}

@test "metadata with a valid CRC but an impossible geometry is refused: RAID5, RAID6, RAID10" {
	for k in 5:ls:3 6:ls:4 10:n2:3; do
		IFS=: read -r level layout n <<<"$k"
		lv "$level" "$layout" "$n" 3M 2M 4K
		run env SHIM_KILL_AT=30 LD_PRELOAD="$SHIM" "$RAIDMIG" convert $LOPTS --yes "${M[@]}"
		[ "$status" -eq 137 ]
		mkdir -p orig
		cp "${M[@]}" orig/
		# no layout 0x105 at any of these levels; no level 3; no 17 members
		for bad in "164 4 0x105" "160 4 3" "172 4 17"; do
			cp orig/* .
			for f in "${M[@]}"; do for c in 0 1; do $ORACLE patch "$f" $c $bad; done; done
			refused 2 "no valid raidmig metadata \\(copy 0: (unsupported|member count out of range)" \
				"$RAIDMIG" resume "${M[@]}"
		done
	done
}

# degraded CASE MISSING...: cat with the listed members missing gives expect.out
degraded() {
	local have=() i
	for ((i = 0; i < ${#M[@]}; i++)); do
		[[ " $* " == *" $i "* ]] || have+=("${M[$i]}")
	done
	"$RAIDMIG" cat "${have[@]}" >deg.out || { echo "cat without $*: exit $?"; return 1; }
	cmp -n "$(stat -c %s expect.out)" deg.out expect.out || { echo "cat without $* differs"; return 1; }
}

@test "cat reads a finished array with members missing, up to its redundancy, and names them past it" {
	for k in 1::3 4::3 5:la:3 5:rs:4 6:ls:4 6:ra:5 10:n2:4 10:o2:3; do
		IFS=: read -r level layout n <<<"$k"
		lv "$level" "$layout" "$n" 3M 2M 4K
		$ORACLE expect a.img "$DS" >expect.out
		"$RAIDMIG" convert $LOPTS --yes "${M[@]}" >/dev/null
		for ((i = 0; i < n; i++)); do degraded "$i" || { echo "$k"; return 1; }; done
		case $level in
		6) degraded 0 1 && degraded 1 3 && degraded 2 4 || return 1
		   refused 2 "members 0, 1, 2 missing: a RAID6 .* array can lose at most 2" \
			"$RAIDMIG" cat "${M[@]:3}" ;;
		1) degraded 0 1 || return 1 ;;
		*) refused 2 "members 0, 1 missing: a .* array can lose at most 1" "$RAIDMIG" cat "${M[@]:2}" ;;
		esac
	done
}

@test "cat reads an array caught mid-migration with a member missing, but not without the source" {
	lv 5 ls 3 3M 2M 4K
	$ORACLE expect a.img "$DS" >expect.out
	run env SHIM_KILL_AT=40 LD_PRELOAD="$SHIM" "$RAIDMIG" convert $LOPTS --yes "${M[@]}"
	[ "$status" -eq 137 ]
	[ "$(field state "${M[@]}")" = migrating ]
	degraded 1
	degraded 2
	refused 2 "members 0 missing: the data not migrated yet is on them" "$RAIDMIG" cat m1.img m2.img
}
