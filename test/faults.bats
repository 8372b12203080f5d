#!/usr/bin/env bats
# I/O faults through the shim: the Nth read, write or flush fails, for every
# N of a small run. EIO and ENOSPC stop raidmig with exit 3 and a message
# naming the device (or exit 2 with nothing written when no write had been
# made); a resume without the fault (resume alone) then gives a byte-exact
# volume, or says the conversion had not started and the source is as it
# was. A short
# transfer or an EINTR must simply be carried on with.
load helpers

setup_run() {
	mksrc a.img 200K 100K
	blank 300K b.img
	$ORACLE expect a.img "$($ORACLE datasize 300K 4K 2)" >expect.out
	mkdir orig
	cp a.img b.img orig/
	OPTS="--level 0 --yes --chunk 4K --checkpoint-units 5"
	SHIM_COUNT=$W/count LD_PRELOAD="$SHIM" "$RAIDMIG" convert $OPTS a.img b.img >/dev/null
	read -r _ WRITES _ FLUSHES _ READS <count
	cp orig/a.img orig/b.img .
}

# fault_every OP ERR: a failing OP at every point of the run
fault_every() {
	local op=$1 err=$2 total n stops=0 carried=0 refusals=0
	case $op in write) total=$WRITES ;; flush) total=$FLUSHES ;; read) total=$READS ;; esac
	[ "$total" -gt 5 ]
	for ((n = 1; n <= total; n++)); do
		cp orig/a.img orig/b.img .
		run env SHIM_FAIL="$op:$n:$err" LD_PRELOAD="$SHIM" "$RAIDMIG" convert $OPTS a.img b.img
		case $status in
		0)
			carried=$((carried + 1))
			;;
		2)
			cmp a.img orig/a.img && cmp b.img orig/b.img ||
				{ echo "$op $n $err: refused after writing"; return 1; }
			[[ "$output" =~ (a|b).img ]] || { echo "$op $n: no device named: $output"; return 1; }
			refusals=$((refusals + 1))
			continue
			;;
		3)
			[[ "$output" =~ (a|b).img:\ .*(Input/output|No space) ]] ||
				{ echo "$op $n $err: device not named: $output"; return 1; }
			run "$RAIDMIG" resume a.img b.img
			stops=$((stops + 1))
			if [ "$status" -eq 2 ] && [[ "$output" =~ "it had not started" ]]; then
				cmp a.img orig/a.img || { echo "$op $n $err: not started, yet a.img changed"; return 1; }
				continue
			fi
			[ "$status" -eq 0 ] || { echo "$op $n $err: resume: $output"; return 1; }
			;;
		*)
			echo "$op $n $err: exit $status: $output"
			return 1
			;;
		esac
		verify expect.out a.img b.img || { echo "$op $n $err: volume differs"; return 1; }
	done
	echo "# $op $err: $total fault points: $stops stopped and resumed, $refusals refused untouched, $carried carried on" >&3
	case $err in
	EIO | ENOSPC) [ $((stops + refusals)) -eq "$total" ] ;;
	*) [ "$carried" -eq "$total" ] ;;
	esac
}

@test "EIO on every write" { setup_run; fault_every write EIO; }
@test "ENOSPC on every write" { setup_run; fault_every write ENOSPC; }
@test "EIO on every flush" { setup_run; fault_every flush EIO; }
@test "EIO on every read" { setup_run; fault_every read EIO; }
@test "a short write anywhere is carried on" { setup_run; fault_every write SHORT; }
@test "a short read anywhere is carried on" { setup_run; fault_every read SHORT; }
@test "EINTR on any write, read or flush is retried" {
	setup_run
	fault_every write EINTR
	fault_every read EINTR
	fault_every flush EINTR
}

@test "a member that cannot be read at start is refused before anything is written" {
	setup_run
	refused 2 "a.img: cannot" env SHIM_FAIL=read:1:EIO LD_PRELOAD="$SHIM" "$RAIDMIG" convert $OPTS a.img b.img
}

@test "EIO on a write during resume stops it; the next resume finishes" {
	setup_run
	run env SHIM_KILL_AT=25 LD_PRELOAD="$SHIM" "$RAIDMIG" convert $OPTS a.img b.img
	[ "$status" -eq 137 ]
	cp a.img b.img orig/
	for n in 1 3 6 10 15; do
		cp orig/a.img orig/b.img .
		run env SHIM_FAIL="write:$n:EIO" LD_PRELOAD="$SHIM" "$RAIDMIG" resume a.img b.img
		[ "$status" -eq 3 ] || [ "$status" -eq 0 ]
		run "$RAIDMIG" resume a.img b.img
		[ "$status" -eq 0 ]
		verify expect.out a.img b.img
	done
}
