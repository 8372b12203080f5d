#!/usr/bin/env bats
# Host writes from a journal: each routing case of [0033]-[0035], the
# data kinds, and records refused before anything is written.
load helpers

setup_images() {
	mksrc a.img 4M 1M
	blank 5M b.img
	DS=$($ORACLE datasize 5M 4K 2)
}

# run_journal: convert with j.txt and the given options, check the volume
run_journal() {
	$ORACLE expect a.img "$DS" j.txt >expect.out
	run "$RAIDMIG" convert --level 0 --chunk 4K --yes --json --journal j.txt "$@" a.img b.img
	echo "$output"
	[ "$status" -eq 0 ]
	verify expect.out a.img b.img
}

@test "a write to data not migrated yet goes to the old layout, no checkpoint" {
	setup_images
	echo "write at=5 offset=3M length=64K seed=1" >j.txt
	run_journal
	[ "$(echo "$output" | json_get checkpoints.host_write)" = 0 ]
}

@test "a write to checkpointed data goes to the new layout, no checkpoint" {
	setup_images
	# unit 0 is checkpointed by its staging; at=40 units 1..39 are not
	echo "write at=40 offset=0 length=8K fill=0xab" >j.txt
	run_journal
	[ "$(echo "$output" | json_get checkpoints.host_write)" = 0 ]
}

@test "a write to copied but not checkpointed data forces a checkpoint first" {
	setup_images
	# at=40 with 2 members: units 32..39 are copied, not checkpointed
	echo "write at=40 offset=$((35 * 8192)) length=4K fill=0xcd" >j.txt
	run_journal
	[ "$(echo "$output" | json_get checkpoints.host_write)" = 1 ]
}

@test "a write across migrated and unmigrated data is split between layouts" {
	setup_images
	echo "write at=40 offset=$((30 * 8192)) length=$((20 * 8192)) seed=42" >j.txt
	run_journal
	[ "$(echo "$output" | json_get checkpoints.host_write)" = 1 ]
}

@test "writes before the first unit, after the last, and from a file" {
	setup_images
	head -c 100K /dev/urandom >data.bin
	cat >j.txt <<-J
	# comments and blank lines are ignored

	write at=0 offset=0 length=12K fill=0x01
	write at=0 offset=1M length=64K file=data.bin skip=4K
	write at=600 offset=2M length=1M seed=0xdeadbeef
	write at=100000 offset=4K length=8K fill=255
	J
	run_journal
}

@test "many writes in the order they arrive, overlapping each other" {
	setup_images
	python3 -c '
import random
r = random.Random(5)
units = 0
for i in range(300):
    units += r.choice([0, 0, 1, 2, 5])
    off = r.randrange(0, 3900) * 1024 // 512 * 512
    ln = r.randrange(1, 64) * 512
    print("write at=%d offset=%d length=%d seed=%d" % (units, off, ln, i))
' >j.txt
	run_journal --checkpoint-units 7
	[ "$(echo "$output" | json_get checkpoints.host_write)" -gt 0 ]
}

@test "resume needs the same journal and applies each write once" {
	setup_images
	printf 'write at=3 offset=0 length=4K fill=1\nwrite at=200 offset=0 length=4K fill=2\n' >j.txt
	$ORACLE expect a.img "$DS" j.txt >expect.out
	run env SHIM_KILL_AT=40 LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 0 --chunk 4K --yes --journal j.txt a.img b.img
	[ "$status" -eq 137 ]
	refused 2 "started with a journal" "$RAIDMIG" resume a.img b.img
	echo "write at=3 offset=0 length=4K fill=1" >other.txt
	refused 2 "other.txt: not the journal" "$RAIDMIG" resume --journal other.txt a.img b.img
	run "$RAIDMIG" resume --journal j.txt a.img b.img
	[ "$status" -eq 0 ]
	verify expect.out a.img b.img
}

@test "a journal given to resume of a conversion without one is refused" {
	setup_images
	run env SHIM_KILL_AT=20 LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 0 --chunk 4K --yes a.img b.img
	[ "$status" -eq 137 ]
	echo "write at=3 offset=0 length=4K fill=1" >j.txt
	refused 2 "j.txt: this conversion was started without a journal" "$RAIDMIG" resume --journal j.txt a.img b.img
}

# bad_record LINE REGEX: a journal whose line 2 is LINE is refused, naming it
bad_record() {
	printf 'write at=0 offset=0 length=4K fill=0\n%s\n' "$1" >j.txt
	refused 2 "j.txt:2: (.* )?($2)" "$RAIDMIG" convert --level 0 --chunk 4K --yes --journal j.txt a.img b.img
}

@test "malformed journal records are refused by line, nothing written" {
	setup_images
	bad_record "write at=1 offset=5M length=4K fill=1" "outside the volume"
	bad_record "write at=1 offset=$((DS - 4096)) length=8K fill=1" "outside the volume"
	bad_record "write at=1 offset=0 length=99T fill=1" "outside the volume"
	bad_record "write at=1 offset=0 length=18446744073709551615 fill=1" "multiples of the 512-byte sector|outside"
	bad_record "write at=1 offset=0 length=0 fill=1" "zero length"
	bad_record "write at=1 offset=100 length=512 fill=1" "multiples of the 512-byte sector"
	bad_record "write at=x offset=0 length=512 fill=1" "bad number 'x'"
	bad_record "write at=1 offset=-512 length=512 fill=1" "bad number"
	bad_record "write at=1 offset=0 length=512 fill=256" "fill byte larger than 255"
	bad_record "write at=1 offset=0 length=512 colour=red" "unknown or repeated keyword 'colour'"
	bad_record "write at=1 offset=0 length=512 fill=1 fill=2" "unknown or repeated keyword 'fill'"
	bad_record "erase at=1 offset=0 length=512" "unknown record 'erase'"
	bad_record "write at=1 offset=0 length=512" "record needs"
	bad_record "write at=1 offset=0 length=512 file=nonexistent" "data file missing"
	bad_record "write at=1 offset=0 length=512 fill=1 skip=4" "skip= goes with file="
	bad_record "write at=1 offset 0 length=512 fill=1" "expected key=value"
	printf 'write at=5 offset=0 length=4K fill=0\nwrite at=4 offset=0 length=4K fill=0\n' >j.txt
	refused 2 "j.txt:2: at= goes backwards" "$RAIDMIG" convert --level 0 --chunk 4K --yes --journal j.txt a.img b.img
	refused 2 "nope.txt: No such file" "$RAIDMIG" convert --level 0 --chunk 4K --yes --journal nope.txt a.img b.img
}
