# test/helpers.bash: shared by the bats suites. Each test runs in its own
# scratch directory with real image files and the real binary.
TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
RAIDMIG=${RAIDMIG:-$TOP/raidmig}
ORACLE="python3 $TOP/test/oracle.py"
MDREAD="python3 $TOP/test/mdread.py"
SHIM=$TOP/test/shim.so
# what LD_PRELOAD takes for the shim: ASan's runtime must come first in a
# sanitizer build (raidmig-asan)
PRELOAD=$SHIM
ldd "$RAIDMIG" 2>/dev/null | grep -q libasan && PRELOAD="$(gcc -print-file-name=libasan.so) $SHIM"

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
copies = [c for c in json.load(sys.stdin) if "copy" in c and c["valid"]]
v = max(copies, key=lambda c: c["generation"])
for k in sys.argv[1].split("."):
    v = v[k]
print(v)' "$name"
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

# md_ok MEMBER...: mdadm --examine says every member's md superblock checksum
# is correct (it exits 0 even when it is not: the line is what counts)
md_ok() {
	local m
	command -v mdadm >/dev/null || { echo "mdadm is not installed"; return 1; }
	for m; do
		mdadm --examine "$m" 2>&1 | grep -Eq "^ +Checksum : [0-9a-f]+ - correct$" ||
			{ echo "$m: mdadm --examine:"; mdadm --examine "$m"; return 1; }
	done
}

# verify EXPECTED MEMBER...: the volume through raidmig cat starts with
# EXPECTED, byte for byte; once complete, so does the volume that the
# independent md reader (test/mdread.py) assembles from the md superblocks,
# with every stripe's parity and every copy consistent where md would not
# resync, and mdadm finds every superblock's checksum correct
verify() {
	local exp=$1 size
	shift
	size=$(stat -c %s "$exp")
	"$RAIDMIG" cat "$@" >vol.out
	cmp -n "$size" vol.out "$exp" || { echo "raidmig cat differs from $exp"; return 1; }
	[ "$(field state "$@")" = complete ] || return 0
	$MDREAD read "$@" >md.out || { echo "mdread cannot read the array"; return 1; }
	cmp -n "$size" md.out "$exp" || { echo "md reader differs from $exp"; return 1; }
	[ "$(stat -c %s vol.out)" = "$(stat -c %s md.out)" ] || { echo "capacity differs"; return 1; }
	$MDREAD read --synced "$@" >check.json || { echo "parity or copies inconsistent:"; cat check.json; return 1; }
	md_ok "$@"
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

# meta_off FILE COPY: where metadata copy COPY of a member lives: below md's
# bad-block log, below its v1.0 superblock at ((sectors - 16) & ~7) * 512
meta_off() {
	local size
	size=$(stat -c %s "$1")
	echo $(( (((size / 512) - 16) & ~7) * 512 - 4096 - (2 - $2) * 4096 ))
}

# damage FILE COPY: flip a byte inside metadata copy COPY (0 or 1)
damage() {
	printf 'X' | dd of="$1" bs=1 seek=$(( $(meta_off "$1" "$2") + 100 )) conv=notrunc status=none
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

# crash_run N TEAR MEMBERS...: convert (with $OPTS) killed at write N, then
# recovery with resume alone. Prints "done" when write N was never reached,
# "unstarted" when the kill left no valid metadata anywhere (resume says so
# and the source must be untouched).
crash_run() {
	local n=$1 tear=$2 rc
	shift 2
	SHIM_KILL_AT=$n SHIM_TEAR=$tear LD_PRELOAD=$SHIM \
		"$RAIDMIG" convert --level ${LEVEL:-0} --yes $OPTS "$@" >/dev/null 2>&1
	rc=$?
	[ $rc -eq 0 ] && { echo done; return 0; }
	[ $rc -eq 137 ] || { echo "convert exit $rc at write $n"; return 1; }
	"$RAIDMIG" resume $ROPTS "$@" >resume.log 2>&1
	rc=$?
	if [ $rc -eq 2 ] && grep -q "it had not started: it wrote nothing" resume.log; then
		cmp -n "$(stat -c %s expect.out)" "orig/$1" "$1" >/dev/null ||
			{ echo "write $n: resume says nothing started, but $1 changed"; return 1; }
		echo unstarted
		return 0
	fi
	[ $rc -eq 0 ] || { echo "resume exit $rc at write $n:"; cat resume.log; return 1; }
}

# kill_every TEAR MEMBERS: the loop over every write of a small conversion
kill_every() {
	local tear=$1 n=0 states=0 unstarted=0 r
	shift
	mkdir -p orig
	cp "$@" orig/
	while :; do
		n=$((n + 1))
		for f; do cp "orig/$f" "$f"; done
		r=$(crash_run "$n" "$tear" "$@") || { echo "$r"; return 1; }
		[ "$r" = done ] && break
		states=$((states + 1))
		[ "$r" = unstarted ] && { unstarted=$((unstarted + 1)); continue; }
		verify expect.out "$@" || { echo "volume differs after a kill at write $n"; return 1; }
	done
	echo "# $states crash points (tear=$tear), all recovered by resume; $unstarted before anything was recorded" >&3
	[ "$states" -gt 20 ] && [ "$unstarted" -le 2 ]
}

# mkext4 FILE SIZE: an ext4 filesystem of 200 KiB holding a 100 KiB file of
# random data, in a file of SIZE (the rest zeros)
mkext4() {
	truncate -s "$2" "$1"
	mke2fs -q -t ext4 -b 1024 -F "$1" 200 2>/dev/null
	head -c 100K /dev/urandom >"$1.data"
	debugfs -w -R "write $1.data data" "$1" >/dev/null 2>&1
	rm -f "$1.data"
}

# staging_writes TRACE: of a run traced by the shim (SHIM_TRACE), the
# numbers (as SHIM_KILL_AT counts them) of the first write to the first
# staged batch's destination, after the "in staging" commit, and of the
# first write of the "slot empty" commit after it; then the first member's
# slot offset and share ("FIRST DONE OFFSET BYTES")
staging_writes() {
	python3 - "$1" <<'PY'
import sys
ws = [l.split() for l in open(sys.argv[1]) if l[0] in "WD"]
d1 = next(i for i, w in enumerate(ws) if w[0] == "D")      # "in staging"
first = next(i for i in range(d1, len(ws)) if ws[i][0] == "W")
done = next(i for i in range(first, len(ws)) if ws[i][0] == "D")
slot = next(w for w in reversed(ws[:d1]) if w[1] == ws[d1][1])
print(first + 1, done + 1, slot[2], slot[3])
PY
}
