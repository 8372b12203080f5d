#!/usr/bin/env bats
# Crash and resume: kill convert at every write, torn writes, damaged
# metadata copies, signals. After each, resume must give a byte-exact volume.
load helpers

# crash_run N TEAR MEMBERS...: convert (with $OPTS) killed at write N, then
# recovery as a user would do it: resume, or, if the array never got its
# first metadata onto the source, convert again. Prints "done" when write N
# was never reached.
crash_run() {
	local n=$1 tear=$2 rc
	shift 2
	SHIM_KILL_AT=$n SHIM_TEAR=$tear LD_PRELOAD=$SHIM \
		"$RAIDMIG" convert --level 0 --yes $OPTS "$@" >/dev/null 2>&1
	rc=$?
	[ $rc -eq 0 ] && { echo done; return 0; }
	[ $rc -eq 137 ] || { echo "convert exit $rc at write $n"; return 1; }
	"$RAIDMIG" resume $ROPTS "$@" >resume.log 2>&1
	rc=$?
	if [ $rc -eq 2 ] && ! "$RAIDMIG" inspect "$1" >/dev/null 2>&1; then
		"$RAIDMIG" convert --level 0 --yes $OPTS "$@" >resume.log 2>&1
		rc=$?
	fi
	[ $rc -eq 0 ] || { echo "recovery exit $rc at write $n:"; cat resume.log; return 1; }
}

# kill_every TEAR MEMBERS: the loop over every write of a small conversion
kill_every() {
	local tear=$1 n=0 states=0 r
	shift
	mkdir -p orig
	cp "$@" orig/
	while :; do
		n=$((n + 1))
		for f; do cp "orig/$f" "$f"; done
		r=$(crash_run "$n" "$tear" "$@") || { echo "$r"; return 1; }
		[ "$r" = done ] && break
		verify expect.out "$@" || { echo "volume differs after a kill at write $n"; return 1; }
		states=$((states + 1))
	done
	echo "# $states crash points (tear=$tear), all byte-exact" >&3
	[ "$states" -gt 20 ]
}

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

# damage FILE COPY: flip a byte inside metadata copy COPY (0 or 1)
damage() {
	local size
	size=$(stat -c %s "$1")
	printf 'X' | dd of="$1" bs=1 seek=$((size / 4096 * 4096 - (2 - $2) * 4096 + 100)) conv=notrunc status=none
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

@test "a staged unit is restored from the slot; a damaged slot is refused untouched" {
	mksrc a.img 300K 100K
	blank 400K b.img
	$ORACLE expect a.img "$($ORACLE datasize 400K 4K 2)" >expect.out
	# writes: 4 to create the array, 2 to the slots, 2 for "in staging",
	# then the destination: killed after member 0's part, before member 1's
	run env SHIM_KILL_AT=10 LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 0 --yes --chunk 4K a.img b.img
	[ "$status" -eq 137 ]
	run "$RAIDMIG" inspect a.img b.img
	[[ "$output" =~ "staging: unit 0, 8192 bytes" ]]
	cmp -n 4096 b.img /dev/zero	# member 1's chunk of unit 0 is not written yet
	mkdir good
	cp a.img b.img good/
	slot=$(( $(stat -c %s b.img) / 4096 * 4096 - 4096 - 8192 ))
	printf 'Z' | dd of=b.img bs=1 seek=$((slot + 10)) conv=notrunc status=none
	refused 2 "staging slot holds unit 0 but its CRC does not match" "$RAIDMIG" resume a.img b.img
	cp good/b.img .
	run "$RAIDMIG" resume b.img a.img
	echo "$output"
	[ "$status" -eq 0 ]
	verify expect.out a.img b.img
}
