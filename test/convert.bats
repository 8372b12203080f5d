#!/usr/bin/env bats
# Byte-exact conversion through the real binary on image files.
load helpers

convert_check() {	# convert_check MEMBERS CHUNK DATA TAIL [options]
	local n=$1 chunk=$2 data=$3 tail=$4 m=() size
	shift 4
	mksrc a.img "$data" "$tail"
	size=$(stat -c %s a.img)
	for ((i = 1; i < n; i++)); do m+=("m$i.img"); done
	blank "$size" "${m[@]}"
	$ORACLE expect a.img "$($ORACLE datasize "$size" "$chunk" "$n")" >expect.out
	run "$RAIDMIG" convert --level 0 --chunk "$chunk" --yes "$@" a.img "${m[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(field data_size a.img "${m[@]}")" = "$(stat -c %s expect.out)" ]
	verify expect.out a.img "${m[@]}"
}

@test "2 to 8 members convert byte-exact" {
	for n in 2 3 4 5 6 7 8; do
		convert_check "$n" 16K 1M 200K
		rm -f ./*.img ./*.out
	done
}

@test "sizes that are not a multiple of the chunk or of 4 KiB" {
	convert_check 2 64K $((3 * 1048576 + 12288 + 512)) 300K
	rm -f ./*.img ./*.out
	convert_check 3 64K $((2 * 1048576 + 7 * 512)) $((150 * 1024 + 1536))
}

@test "chunk sizes from 4K to 2M" {
	for c in 4K 8K 64K 512K 2M; do
		convert_check 2 "$c" 9M 5M
		rm -f ./*.img ./*.out
	done
}

@test "256 MiB of random data reads back through cat and an md RAID0 reader" {
	mksrc a.img 256M 1M
	truncate -s 257M b.img
	$ORACLE expect a.img 256M >expect.out
	run "$RAIDMIG" convert --level 0 --yes a.img b.img
	echo "$output"
	[ "$status" -eq 0 ]
	verify expect.out a.img b.img
}

@test "the summary as JSON has exactly the documented keys" {
	mksrc a.img 2M 1M
	blank 3M b.img
	run "$RAIDMIG" convert --level 0 --json --yes a.img b.img
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert sorted(s) == sorted(["units", "bytes_read", "bytes_written", "metadata_writes",
                            "flushes", "durable_writes", "checkpoints", "commit_seconds",
                            "seconds"]), sorted(s)
assert sorted(s["checkpoints"]) == sorted(["staging", "next_destination", "host_write",
                                           "interval", "final"])
assert s["checkpoints"]["staging"] == 0 and s["checkpoints"]["final"] == 1
assert 0 <= s["commit_seconds"] <= s["seconds"]
assert s["units"] == -(-int(sys.argv[1]) // 131072) and s["bytes_written"] > 2 * 1048576, s' \
	"$($ORACLE datasize 3M 64K 2)"
}

@test "the lazy policy writes fewer checkpoints than every-unit, by reason" {
	mksrc a.img 32M 1M
	blank 33M b.img
	cp a.img a2.img
	cp b.img b2.img
	lazy=$("$RAIDMIG" convert --level 0 --json --yes a.img b.img)
	every=$("$RAIDMIG" convert --level 0 --json --yes --checkpoint-every-unit a2.img b2.img)
	echo "lazy $lazy"
	echo "every $every"
	units=$(echo "$lazy" | json_get units)
	[ "$(echo "$every" | json_get checkpoints.interval)" -ge $((units - 2)) ]
	[ "$(echo "$lazy" | json_get metadata_writes)" -lt $(($(echo "$every" | json_get metadata_writes) / 10)) ]
	# 2 members: the next-destination rule fires about log2(units) times
	nd=$(echo "$lazy" | json_get checkpoints.next_destination)
	[ "$nd" -ge 7 ] && [ "$nd" -le 9 ]
	cmp <("$RAIDMIG" cat a.img b.img) <("$RAIDMIG" cat a2.img b2.img)
}

@test "--checkpoint-units limits the units between checkpoints" {
	mksrc a.img 4M 1M
	blank 5M b.img
	out=$("$RAIDMIG" convert --level 0 --json --yes --checkpoint-units 3 --chunk 4K a.img b.img)
	units=$(echo "$out" | json_get units)
	iv=$(echo "$out" | json_get checkpoints.interval)
	nd=$(echo "$out" | json_get checkpoints.next_destination)
	echo "$out"
	# every 3 units some checkpoint: interval plus next-destination cover them
	[ $((iv + nd + 2)) -ge $((units / 3)) ]
}

@test "a whole-disk ext4 source migrates just the filesystem" {
	truncate -s 40M a.img
	mkfs.ext4 -q -F -b 4096 a.img 30M
	blank 40M b.img
	$ORACLE expect a.img 30M >expect.out
	run "$RAIDMIG" convert --level 0 --yes a.img b.img
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(field data_size a.img b.img)" = $((30 * 1048576)) ]
	verify expect.out a.img b.img
}

@test "a partitioned source migrates up to the end of its last partition" {
	truncate -s 40M a.img
	printf 'label: dos\nstart=2048, size=40960\nstart=43008, size=20480\n' | sfdisk -q a.img
	head -c 20M /dev/urandom | dd of=a.img bs=1M seek=1 conv=notrunc status=none
	blank 40M b.img
	$ORACLE expect a.img $((63488 * 512)) >expect.out
	run "$RAIDMIG" convert --level 0 --yes a.img b.img
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(field data_size a.img b.img)" = $((63488 * 512)) ]
	verify expect.out a.img b.img
}

@test "loop devices convert like image files" {
	[ "$(id -u)" = 0 ] || skip "needs root for losetup"
	mksrc a.img 6M 1M
	blank 7M b.img
	$ORACLE expect a.img "$($ORACLE datasize 7M 64K 2)" >expect.out
	la=$(losetup -f --show a.img) || skip "no loop devices"
	LOOPS=$la
	lb=$(losetup -f --show b.img)
	LOOPS="$la $lb"
	run "$RAIDMIG" convert -v --level 0 --yes "$la" "$lb"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "$la: direct I/O" ]]
	verify expect.out "$la" "$lb"
}

@test "4 KiB-sector loop devices with direct I/O: journal, kill, resume" {
	[ "$(id -u)" = 0 ] || skip "needs root for losetup"
	mksrc a.img 6M 1M
	blank 7M b.img
	printf 'write at=3 offset=0 length=8K seed=3\nwrite at=20 offset=1M length=64K fill=7\n' >j.txt
	$ORACLE expect a.img "$($ORACLE datasize 7M 64K 2)" j.txt >expect.out
	la=$(losetup -f --show --sector-size 4096 a.img) || skip "no loop devices"
	LOOPS=$la
	lb=$(losetup -f --show --sector-size 4096 b.img)
	LOOPS="$la $lb"
	run env SHIM_KILL_AT=12 LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 0 --yes --checkpoint-units 5 --journal j.txt "$la" "$lb"
	[ "$status" -eq 137 ]
	run "$RAIDMIG" resume -v --journal j.txt "$lb" "$la"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "direct I/O" ]]
	verify expect.out "$la" "$lb"
	printf 'write at=3 offset=512 length=4K fill=1\n' >bad.txt
	losetup -d "$la" "$lb"
	LOOPS=
	mksrc c.img 6M 1M
	blank 7M d.img
	lc=$(losetup -f --show --sector-size 4096 c.img)
	LOOPS=$lc
	ld=$(losetup -f --show --sector-size 4096 d.img)
	LOOPS="$lc $ld"
	refused 2 "bad.txt:1: offset and length must be multiples of the 4096-byte sector" "$RAIDMIG" convert --level 0 --yes --journal bad.txt "$lc" "$ld"
}
