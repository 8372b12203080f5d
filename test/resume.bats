#!/usr/bin/env bats
# Crash and resume: kill convert at every write, torn writes, damaged
# metadata copies, signals. After each, resume must give a byte-exact volume.
load helpers

@test "kill at every write of convert, 2 members, then resume" {
	mksrc a.img 300K 100K
	blank 400K b.img
	$ORACLE expect a.img "$($ORACLE datasize 400K 4K 2)" >expect.out
	OPTS="--chunk 4K --checkpoint-units 5" ROPTS="" kill_every 0 a.img b.img
}

@test "kill at every write with the write torn, 3 members, with a journal" {
	mksrc a.img 300K 100K
	blank 400K b.img c.img
	cat >j.txt <<-J
	write at=0 offset=250K length=8K fill=0x11
	write at=3 offset=0 length=4K seed=7
	write at=6 offset=20K length=12K seed=9
	write at=9 offset=40K length=40K fill=0x22
	write at=30 offset=0 length=300K seed=3
	J
	$ORACLE expect a.img "$($ORACLE datasize 400K 4K 3)" j.txt >expect.out
	OPTS="--chunk 4K --checkpoint-units 4 --journal j.txt" ROPTS="--journal j.txt" \
		kill_every 1 a.img b.img c.img
}

@test "a crash at every write of resume is recovered by the next resume" {
	mksrc a.img 300K 100K
	blank 400K b.img
	$ORACLE expect a.img "$($ORACLE datasize 400K 4K 2)" >expect.out
	run env SHIM_KILL_AT=40 LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 0 --yes --chunk 4K --checkpoint-units 3 a.img b.img
	[ "$status" -eq 137 ]
	mkdir killed
	cp a.img b.img killed/
	SHIM_COUNT=$W/count LD_PRELOAD="$SHIM" "$RAIDMIG" resume --checkpoint-units 3 a.img b.img >/dev/null
	read -r _ writes _ <count
	[ "$writes" -gt 10 ]
	for ((k = 1; k <= writes; k++)); do
		cp killed/a.img killed/b.img .
		run env SHIM_KILL_AT=$k SHIM_TEAR=1 LD_PRELOAD="$SHIM" "$RAIDMIG" resume --checkpoint-units 3 a.img b.img
		[ "$status" -eq 137 ]
		run "$RAIDMIG" resume b.img a.img
		[ "$status" -eq 0 ] || { echo "second resume after a kill at write $k: $output"; false; }
		verify expect.out a.img b.img
	done
	echo "# $writes crash points during resume, all byte-exact" >&3
}

@test "resume of a complete array says so and exits 0" {
	mksrc a.img 1M 200K
	blank 1200K b.img
	"$RAIDMIG" convert --level 0 --yes a.img b.img
	before=$(sums)
	run "$RAIDMIG" resume b.img a.img
	[ "$status" -eq 0 ]
	[[ "$output" =~ "already complete" ]]
	[ "$before" = "$(sums)" ]
}

@test "SIGTERM stops at a safe point with exit 4 and resume finishes" {
	mksrc a.img 4M 1M
	blank 5M b.img
	$ORACLE expect a.img "$($ORACLE datasize 5M 4K 2)" >expect.out
	run env SHIM_TERM_AT=30 LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 0 --yes --chunk 4K --checkpoint-units 10 a.img b.img
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" =~ "raidmig resume" ]]
	[ "$(field state a.img b.img)" = migrating ]
	run "$RAIDMIG" resume a.img b.img
	[ "$status" -eq 0 ]
	verify expect.out a.img b.img
}

@test "cat reads an array caught mid-migration" {
	killed_array 30
	[ "$(field state a.img b.img)" = migrating ]
	[ "$(field checkpoint a.img b.img)" -gt 0 ]
	"$RAIDMIG" cat --output vol.out a.img b.img
	cmp vol.out expect.out
}

@test "a damaged metadata copy: the other copy or member is used" {
	killed_array 30
	gen=$(field generation a.img b.img)
	# the newest copy torn on one member (a crash between members can do that)
	damage b.img $((gen % 2))
	# and the older copy bad on the other
	damage a.img $(((gen + 1) % 2))
	run "$RAIDMIG" inspect a.img b.img
	echo "$output"
	[[ "$output" =~ "b.img copy $((gen % 2)) (offset "[0-9]*"): invalid: bad CRC" ]]
	[[ "$output" =~ "a.img copy $(((gen + 1) % 2)) (offset "[0-9]*"): invalid: bad CRC" ]]
	[ "$(field generation a.img b.img)" = "$gen" ]
	run "$RAIDMIG" resume a.img b.img
	echo "$output"
	[ "$status" -eq 0 ]
	verify expect.out a.img b.img
}

@test "both metadata copies bad: refused, nothing written" {
	mksrc a.img 1M 200K
	blank 1200K b.img
	"$RAIDMIG" convert --level 0 --yes a.img b.img >/dev/null
	damage b.img 0
	damage b.img 1
	refused 2 "b.img: no valid raidmig metadata.*bad CRC.*bad CRC" "$RAIDMIG" resume a.img b.img
	refused 2 "b.img: no valid" "$RAIDMIG" cat a.img b.img
}

# staged_kill N: a.img (300K of data) to RAID5 parity-first over a.img b.img
# c.img, whose first unit overwrites its own source with its parity, so it
# is staged; convert killed at write N. Writes: 6 to create the array (the
# first metadata and the marked superblock of each member), 2 to the slot,
# 3 for "in staging", then the destination: P on a.img, then b.img, then
# c.img.
staged_kill() {
	mksrc a.img 300K 100K
	blank 400K b.img c.img
	$ORACLE expect a.img "$($ORACLE datasize 400K 4K 3 5)" >expect.out
	run env SHIM_KILL_AT="$1" LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 5 --layout parity-first \
		--yes --chunk 4K a.img b.img c.img
	[ "$status" -eq 137 ]
	run "$RAIDMIG" inspect a.img b.img c.img
	[[ "$output" =~ "staging: unit 0, 8192 bytes" ]]
	mkdir good
	cp a.img b.img c.img good/
	# damage the slot's first block (a.img's part of it)
	printf 'Z' | dd of=a.img bs=1 seek=$(( $(meta_off a.img 0) - 4096 + 10 )) conv=notrunc status=none
}

@test "a staged unit is restored from the slot; a damaged slot is refused untouched" {
	staged_kill 13	# P is on a.img, over the unit's own source: the slot is its only copy
	cmp -n 4096 b.img /dev/zero	# b.img's chunk of unit 0 is not written yet
	refused 2 "staging slot holds unit 0, but neither the slot nor the unit's old or new place matches" \
		"$RAIDMIG" resume a.img b.img c.img
	refused 2 "staging slot holds unit 0, but neither" "$RAIDMIG" cat a.img b.img c.img
	cp good/a.img .
	run "$RAIDMIG" resume c.img b.img a.img
	echo "$output"
	[ "$status" -eq 0 ]
	verify expect.out a.img b.img c.img
}

@test "defect 4: a damaged slot whose unit's source is intact is recovered from the source" {
	staged_kill 12	# killed before any destination write: the source is intact
	run "$RAIDMIG" cat a.img b.img c.img
	[ "$status" -eq 0 ]
	run "$RAIDMIG" resume a.img b.img c.img
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "staging slot of unit 0 is damaged; its old copy is intact and is used instead" ]]
	verify expect.out a.img b.img c.img
}

# A restripe at the same width (RAID5 over 3 to RAID6 left-symmetric over 4)
# stages many units at once: killed with them in the slot, before any of
# their writes, resume restores them from it; a unit whose part of the slot
# is damaged comes from its old copy, and only that one; killed amid their
# writes, the slot alone restores them.
@test "a batch of staged units: restored from the slot; a damaged unit of it from its old copy" {
	export RAIDMIG_NO_SHIFT=1	# the restripe's data stays in place: the slot takes it
	mkext4 a.img 2M
	blank 2M m1.img m2.img m3.img
	"$RAIDMIG" convert --yes --level 5 --chunk 4K a.img m1.img m2.img >/dev/null
	"$RAIDMIG" cat a.img m1.img m2.img >vol.img
	mkdir orig && cp ./*.img orig/
	set -- a.img m1.img m2.img m3.img
	SHIM_TRACE=$W/trace LD_PRELOAD="$SHIM" "$RAIDMIG" convert --yes --level 6 --layout left-symmetric "$@" >/dev/null
	read -r first done slot share < <(staging_writes trace)
	ub=$("$RAIDMIG" plan --json --level 6 --layout left-symmetric orig/a.img orig/m1.img orig/m2.img orig/m3.img | json_get unit_bytes)
	[ "$ub" -lt "$share" ]	# a.img's part of the slot holds unit 1's first bytes
	for kill in "$first" $(((first + done) / 2)); do
		cp orig/*.img .
		run env SHIM_KILL_AT="$kill" LD_PRELOAD="$SHIM" "$RAIDMIG" convert --yes --level 6 --layout left-symmetric "$@"
		[ "$status" -eq 137 ]
		run "$RAIDMIG" inspect a.img
		[[ "$output" =~ staging:\ unit\ 0,\ ([0-9]+)\ bytes ]]
		[ "${BASH_REMATCH[1]}" -ge $((3 * ub)) ]	# three units or more in the slot
		if [ "$kill" = "$first" ]; then
			printf 'Z' | dd of=a.img bs=1 seek=$((slot + ub + 100)) conv=notrunc status=none
		fi
		run "$RAIDMIG" resume "$@"
		echo "$output"
		[ "$status" -eq 0 ]
		if [ "$kill" = "$first" ]; then
			[[ "$output" =~ "staging slot of unit 1 is damaged; its old copy is intact and is used instead" ]]
			[ "$(grep -c "is damaged" <<<"$output")" = 1 ]
		else
			! [[ "$output" =~ "damaged" ]]
		fi
		verify vol.img "$@"
		$MDREAD read --check "$@" | grep -q '"parity_mismatches": 0'
	done
}
