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
	for k in ("units", "metadata_writes", "flushes", "bytes_read", "bytes_written"):
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
	refused 2 "a.img: no partition table or filesystem found" "$RAIDMIG" plan --level 0 a.img b.img
	refused 1 "plan: give either devices or --size and --members" "$RAIDMIG" plan --level 0 --size 1T --members 2 a.img
	refused 1 "--size SIZE and --members N" "$RAIDMIG" plan --level 0 --size 1T
	run "$RAIDMIG" plan --level 0 --size 16T --members 2 --json
	[ "$status" -eq 0 ]
	units=$(echo "$output" | json_get units)
	[ "$units" -eq $(((16 << 40) / 131072)) ] || [ "$units" -eq $(((16 << 40) / 131072 - 1)) ]
	# the next-destination rule stays logarithmic, the interval rule linear
	nd=$(echo "$output" | json_get checkpoints.next_destination)
	[ "$nd" -le 27 ]
	[ "$(echo "$output" | json_get checkpoints.interval)" -ge $((units / 100 - 1)) ]
}
