# test/helpers.bash: shared by the bats suites. Each test runs in its own
# scratch directory with real image files and the real binary.
TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
RAIDMIG=${RAIDMIG:-$TOP/raidmig}
ORACLE="python3 $TOP/test/oracle.py"
SHIM=$TOP/test/shim.so

setup() {
	W=$(mktemp -d "${TMPDIR:-/tmp}/raidmig-test.XXXXXX")
	cd "$W" || return 1
}

teardown() {
	cd /
	[ -n "${LOOPS:-}" ] && for l in $LOOPS; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$W"
}

# mksrc FILE DATA TAIL: DATA bytes of random data, then TAIL bytes of zeros
mksrc() {
	head -c "$2" /dev/urandom >"$1"
	truncate -s "+$3" "$1"
}

# blank FILE SIZE...: empty member images
blank() {
	local size=$1
	shift
	for f; do truncate -s "$size" "$f"; done
}

sums() {
	md5sum -- *.img 2>/dev/null
}

# field NAME MEMBER...: a field of the newest valid metadata copy
field() {
	local name=$1
	shift
	"$RAIDMIG" inspect --json "$@" | python3 -c '
import json, sys
copies = [c for c in json.load(sys.stdin) if c["valid"]]
print(max(copies, key=lambda c: c["generation"])[sys.argv[1]])' "$name"
}

# json_get KEY.PATH < json
json_get() {
	python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[k]
print(v)' "$1"
}

# verify EXPECTED MEMBER...: the volume through raidmig cat and through the
# independent md RAID0 reader both start with EXPECTED, byte for byte
verify() {
	local exp=$1 size state chunk md
	shift
	size=$(stat -c %s "$exp")
	"$RAIDMIG" cat "$@" >vol.out
	cmp -n "$size" vol.out "$exp" || { echo "raidmig cat differs from $exp"; return 1; }
	read -r state chunk md < <("$RAIDMIG" inspect --json "$@" | python3 -c '
import json, sys
c = max((c for c in json.load(sys.stdin) if c["valid"]), key=lambda c: c["generation"])
print(c["state"], c["chunk"], c["member_data"])')
	[ "$state" = complete ] || return 0
	$ORACLE md0 "$chunk" "$md" "$@" >md0.out
	cmp -n "$size" md0.out "$exp" || { echo "md0 reader differs from $exp"; return 1; }
	[ "$(stat -c %s vol.out)" = "$(stat -c %s md0.out)" ] || { echo "capacity differs"; return 1; }
}

# refused CODE REGEX CMD...: the command exits CODE, says REGEX, writes nothing
refused() {
	local code=$1 re=$2 before after
	shift 2
	before=$(sums)
	run "$@"
	after=$(sums)
	echo "exit $status: $output"
	[ "$status" -eq "$code" ]
	[[ "$output" =~ $re ]]
	[ "$before" = "$after" ] || { echo "an image changed"; return 1; }
}

# killed_array N: a.img (2 MiB of data) and b.img, convert killed at write N
# (4 KiB chunk); expect.out holds the volume a resume must give
killed_array() {
	mksrc a.img 2M 1M
	blank 3M b.img
	$ORACLE expect a.img "$($ORACLE datasize 3M 4K 2)" >expect.out
	run env SHIM_KILL_AT="$1" LD_PRELOAD="$SHIM" "$RAIDMIG" convert --level 0 --yes --chunk 4K a.img b.img
	[ "$status" -eq 137 ]
}

# paused_convert N ARGS...: a convert in the background, paused inside its
# run before write N, holding its members; $paused_pid is its pid. Remove
# the file "paused" to let it go on.
paused_convert() {
	local n=$1
	shift
	SHIM_PAUSE_AT=$n SHIM_PAUSE_FILE=$W/paused LD_PRELOAD="$SHIM" \
		"$RAIDMIG" convert --level 0 --yes "$@" >paused.log 2>&1 &
	paused_pid=$!
	for _ in $(seq 500); do [ -e paused ] && break; sleep 0.01; done
	[ -e paused ]
}
