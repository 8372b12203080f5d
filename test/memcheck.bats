#!/usr/bin/env bats
# valgrind memcheck is clean on convert, resume, inspect and cat: no invalid
# access, no uninitialised value used, no definite leak.
load helpers

vg() {
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite "$RAIDMIG" "$@"
}

@test "memcheck: convert with a journal, killed; resume; inspect; cat" {
	command -v valgrind >/dev/null || skip "valgrind not installed"
	mksrc a.img 1M 200K
	blank 1200K b.img
	echo "write at=3 offset=0 length=8K seed=5" >j.txt
	$ORACLE expect a.img "$($ORACLE datasize 1200K 4K 2)" j.txt >expect.out
	run env SHIM_KILL_AT=20 LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 0 --yes --chunk 4K --journal j.txt a.img b.img
	[ "$status" -eq 137 ]
	run vg cat --output mid.out a.img b.img
	echo "$output"
	[ "$status" -eq 0 ]
	run vg resume --journal j.txt a.img b.img
	echo "$output"
	[ "$status" -eq 0 ]
	run vg inspect --json a.img b.img
	[ "$status" -eq 0 ]
	run vg cat --output vol.out a.img b.img
	[ "$status" -eq 0 ]
	cmp -n "$(stat -c %s expect.out)" vol.out expect.out
}

@test "memcheck: a full convert and the refusals" {
	command -v valgrind >/dev/null || skip "valgrind not installed"
	mksrc a.img 1M 200K
	blank 1200K b.img c.img
	run vg convert --level 0 --yes --json a.img b.img c.img
	echo "$output"
	[ "$status" -eq 0 ]
	run vg convert --level 0 --yes a.img b.img
	[ "$status" -eq 2 ]
	run vg resume a.img b.img
	[ "$status" -eq 2 ]
	echo "write at=1 offset=0 length=3 fill=1" >bad.txt
	mksrc x.img 1M 200K
	blank 1200K y.img
	run vg convert --level 0 --yes --journal bad.txt x.img y.img
	[ "$status" -eq 2 ]
	run vg --help
	[ "$status" -eq 0 ]
}
