#!/usr/bin/env bats
# raidmig plan runs the real migration code with the I/O layer counting:
# its counts must equal those of the conversion it describes, and it must
# write nothing.
load helpers

# same_counts PLAN_JSON RUN_JSON
same_counts() {
	python3 - "$1" "$2" <<-'PY'
	import json, sys
	p, r = json.loads(sys.argv[1]), json.loads(sys.argv[2])
	for k in ("units", "metadata_writes", "flushes", "durable_writes", "bytes_read", "bytes_written"):
	    assert p[k] == r[k], (k, p[k], r[k])
	assert p["checkpoints"] == r["checkpoints"], (p["checkpoints"], r["checkpoints"])
	PY
}

plan_then_convert() {
	before=$(sums)
	p=$("$RAIDMIG" plan --level 0 --json "$@")
	[ "$before" = "$(sums)" ] || { echo "plan wrote"; return 1; }
	r=$("$RAIDMIG" convert --level 0 --yes --json --checkpoint-seconds 0 "$@")
	echo "plan $p"
	echo "run  $r"
	same_counts "$p" "$r"
}

@test "plan counts what convert then does: 2 members, default policy" {
	mksrc a.img 40M 1M
	blank 41M b.img
	plan_then_convert a.img b.img
}

@test "plan counts what convert then does: 3 members, small limits, every unit" {
	mksrc a.img 3M 1M
	blank 4M b.img c.img
	mkdir two
	cp a.img b.img c.img two/
	plan_then_convert --chunk 4K --checkpoint-units 7 a.img b.img c.img
	cd two
	plan_then_convert --chunk 8K --checkpoint-every-unit a.img b.img c.img
}

@test "plan counts what convert then does, with a journal" {
	mksrc a.img 4M 1M
	blank 5M b.img
	printf 'write at=0 offset=3M length=8K seed=1\nwrite at=40 offset=%d length=4K fill=1\nwrite at=300 offset=0 length=1M seed=2\n' $((35 * 8192)) >j.txt
	plan_then_convert --chunk 4K --journal j.txt a.img b.img
	[ "$(echo "$p" | json_get checkpoints.host_write)" -ge 1 ]
}

@test "plan refuses what convert refuses, and plans hypothetical disks" {
	mksrc a.img 3M 0
	blank 3M b.img
	refused 2 "a.img: its data \\(no signature, not zeros at the end: all of the device\\) ends at byte 3145728, and RAID1 over 2 members holds" \
		"$RAIDMIG" plan --level 1 a.img b.img
	refused 1 "plan: give either devices or --size and --members" "$RAIDMIG" plan --level 0 --size 1T --members 2 a.img
	refused 1 "--size SIZE and --members N" "$RAIDMIG" plan --level 0 --size 1T
	run "$RAIDMIG" plan --level 0 --size 16T --members 2 --json
	[ "$status" -eq 0 ]
	units=$(echo "$output" | json_get units)
	[ "$units" -eq $(((16 << 40) / 131072)) ] || [ "$units" -eq $(((16 << 40) / 131072 - 1)) ]
	# the next-destination rule stays logarithmic; the default policy's
	# checkpoints are spaced in time, which plan does not count
	nd=$(echo "$output" | json_get checkpoints.next_destination)
	[ "$nd" -le 27 ]
	[ "$(echo "$output" | json_get checkpoints.interval)" -eq 0 ]
	# the patent's fixed unit limit: linear
	run "$RAIDMIG" plan --level 0 --size 1T --members 2 --json --checkpoint-units 100
	units=$(echo "$output" | json_get units)
	[ "$(echo "$output" | json_get checkpoints.interval)" -ge $((units / 100 - 10)) ]
}

@test "plan --disk estimates the time, and the adaptive policy keeps checkpoints near 1% of it" {
	blank 1M x.img
	run "$RAIDMIG" plan --level 0 --size 1T --members 2 --disk hdd --json
	[ "$status" -eq 0 ]
	lazy=$(echo "$output" | json_get estimate.commit_share)
	secs=$(echo "$output" | json_get estimate.seconds)
	run "$RAIDMIG" plan --level 0 --size 1T --members 2 --disk hdd --json --checkpoint-units 100
	fixed=$(echo "$output" | json_get estimate.commit_share)
	echo "adaptive $lazy, fixed 100 units $fixed, $secs s"
	python3 -c "import sys; l, f, s = map(float, sys.argv[1:]); assert 0.005 < l < 0.02 and f > 5 * l and 3600 < s < 86400" \
		"$lazy" "$fixed" "$secs"
	run "$RAIDMIG" plan --level 6 --size 1T --members 5 --bandwidth 100 --flush-ms 20 --seek-ms 10
	[ "$status" -eq 0 ]
	[[ "$output" =~ "estimate on custom (100 MB/s a disk, 20 ms a flush, 10 ms a seek)" ]]
	refused 1 "plan: --disk floppy: not a model \\(hdd, ssd, nvme\\)" "$RAIDMIG" plan --level 0 --size 1T --members 2 --disk floppy
	refused 1 "go with --disk, or all three together" "$RAIDMIG" plan --level 0 --size 1T --members 2 --bandwidth 100
	refused 1 "plan: --flush-ms -3: not a positive number" "$RAIDMIG" plan --level 0 --size 1T --members 2 --disk hdd --flush-ms -3
}
