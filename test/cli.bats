#!/usr/bin/env bats
# The documentation agrees with the code: --help, the man page, the README.
load helpers

long_opts_help() { "$RAIDMIG" --help | grep -o -- '--[a-z][a-z-]*' | sort -u; }
# raidmig's own options: the man page's SYNOPSIS and OPTIONS (the rest quotes mdadm's)
long_opts_man() {
	sed -n '/^.SH SYNOPSIS/,/^.SH DESCRIPTION/p; /^.SH OPTIONS/,/^.SH GEOMETRY/p' "$TOP/raidmig.1" |
		sed 's/\\-/-/g' | grep -o -- '--[a-z][a-z-]*' | sort -u
}

@test "--help and the man page name the same options" {
	diff <(long_opts_help) <(long_opts_man)
}

@test "--help usage lines match the man page synopsis" {
	help=$("$RAIDMIG" --help | sed -n '/^Usage:/,/^$/p' | tr -s ' \n' ' ')
	for cmd in convert revert resume inspect cat plan wipe; do
		syn=$(sed -n "/^.SH SYNOPSIS/,/^.SH DESCRIPTION/p" "$TOP/raidmig.1" |
			sed 's/\\-/-/g' | awk -v c="$cmd" '
			/^\.B raidmig / { on = ($3 == c) } on && !/^\.br/ { print }' |
			sed -E 's/^\.(B|I|RB|IR|RI) //; s/^\.br//' | tr -d '"' | tr -s ' \n' ' ')
		echo "$cmd: $syn"
		words=$(echo "$syn" | tr -d '[]' | tr ' ' '\n' | grep -v '^$' | grep -v "^raidmig$" | grep -v "^$cmd$")
		for w in $words; do
			[[ "$help" == *"$w"* ]] || { echo "help lacks '$w' of $cmd"; return 1; }
		done
	done
}

@test "the man page renders without warnings" {
	run bash -c "MANWIDTH=80 man --warnings -l '$TOP/raidmig.1' 2>&1 >/dev/null"
	echo "$output"
	[ -z "$output" ]
	MANWIDTH=80 man -l "$TOP/raidmig.1" | grep -q "EXIT STATUS"
}

@test "the exit codes in --help, the man page and the README agree" {
	for code in "0 done" "1 usage error" "2 refused" "3 I/O error" "4 interrupted"; do
		"$RAIDMIG" --help | tr '\n' ' ' | grep -qi -- "$code" || { echo "help: $code"; return 1; }
		grep -qi -- "| ${code%% *} *| ${code#* }" "$TOP/README" || { echo "README: $code"; return 1; }
	done
}

@test "--version and --help exit 0; no command is a usage error" {
	run "$RAIDMIG" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^raidmig\ [0-9] ]]
	run "$RAIDMIG"
	[ "$status" -eq 1 ]
	[[ "$output" =~ Usage: ]]
}

@test "inspect --json is valid JSON naming every copy and md superblock" {
	mksrc a.img 2M 200K
	blank 2200K b.img
	"$RAIDMIG" convert --level 1 --name mirror --yes a.img b.img >/dev/null
	"$RAIDMIG" inspect --json a.img b.img | python3 -c '
import json, sys
e = json.load(sys.stdin)
c = [x for x in e if "copy" in x]
md = [x for x in e if "md_superblock" in x]
assert [(x["device"], x["copy"]) for x in c] == [("a.img", 0), ("a.img", 1), ("b.img", 0), ("b.img", 1)]
assert all(x["valid"] for x in c)
assert {x["state"] for x in c} == {"complete", "migrating"}
assert all(len(x["member_table"]) == 2 and x["name"] == "mirror" for x in c)
assert [x["device"] for x in md] == ["a.img", "b.img"]
s = [x["md_superblock"] for x in md]
assert all(x["valid"] and not x["migrating"] and x["level"] == 1 and x["raid_disks"] == 2 for x in s)
assert [x["role"] for x in s] == [0, 1] and s[0]["set_uuid"] == s[1]["set_uuid"] == c[0]["array"]
assert len(e) == len(c) + len(md)'
	run "$RAIDMIG" inspect a.img
	[[ "$output" =~ "CRC ok" ]]
	[[ "$output" =~ "md v1.0" ]]
}

@test "progress: JSON lines on request, a redrawn line on a terminal, else nothing" {
	mksrc a.img 4M 1M
	blank 5M b.img
	mkdir t2 t3
	cp a.img b.img t2/
	cp a.img b.img t3/
	"$RAIDMIG" convert --level 0 --yes --progress-json --checkpoint-every-unit a.img b.img >out.txt
	python3 - out.txt <<-'PY'
	import json, sys
	lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{"progress"')]
	assert lines and lines[-1]["progress"] == 100.0 and lines[-1]["units_done"] == lines[-1]["units"], lines
	assert all(a["units_done"] <= b["units_done"] for a, b in zip(lines, lines[1:]))
	assert set(lines[-1]) == {"progress", "units_done", "units", "mb_per_s", "eta_seconds", "checkpoints"}
	PY
	cd t2
	run "$RAIDMIG" convert --level 0 --yes a.img b.img
	[ "$status" -eq 0 ]
	[[ ! "$output" =~ "%" ]]
	cd ../t3
	command -v script >/dev/null || skip "no script(1) for a terminal"
	script -qec "$RAIDMIG convert --level 0 --yes a.img b.img" /dev/null >tty.txt
	grep -q $'\r100.0%.*MB/s  ETA 0:00  checkpoints' tty.txt
}
