#!/usr/bin/env bats
# The power-loss model (test/crash.py): every crash point of small
# conversions, with unflushed writes lost, reordered or torn, recovered by
# resume and checked byte for byte. Also crashes during resume itself.
load helpers

# powerloss MEMBERS [JOURNAL]: check the limits make every reason fire, then
# run the model
powerloss() {
	local n=$1 j=${2:-} m=(a.img) opts="--chunk 4K --checkpoint-units 3"
	mksrc a.img 200K 100K
	for ((i = 1; i < n; i++)); do m+=("m$i.img"); blank 300K "m$i.img"; done
	[ -n "$j" ] && opts="$opts --journal $j"
	$ORACLE expect a.img "$($ORACLE datasize 300K 4K "$n")" $j >expect.out
	mkdir try
	cp "${m[@]}" $j try/
	summary=$(cd try && "$RAIDMIG" convert --level 0 --yes --json $opts "${m[@]}")
	echo "$summary"
	for r in staging next_destination interval final ${j:+host_write}; do
		[ "$(echo "$summary" | json_get "checkpoints.$r")" -gt 0 ] || { echo "$r never fired"; return 1; }
	done
	run python3 "$TOP/test/crash.py" --raidmig "$RAIDMIG" --shim "$SHIM" --expect expect.out \
		--convert "convert --level 0 --yes $opts" --resume "resume ${j:+--journal $j}" "${m[@]}"
	echo "$output"
	echo "$output" | sed "s/^/# $n members${j:+, journal}: /" >&3
	[ "$status" -eq 0 ]
	[[ "$output" =~ "0 failed" ]]
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

@test "power loss at every point: 2 members" {
	powerloss 2
}

@test "power loss at every point: 3 members" {
	powerloss 3
}

@test "power loss at every point: 2 members with a journal" {
	journal
	powerloss 2 j.txt
}

@test "power loss at every point: 3 members with a journal" {
	journal
	powerloss 3 j.txt
}
