#!/usr/bin/env python3
"""test/benchvm.py: md's own reshape (mdadm --grow) against raidmig, with
the real md driver of Debian's kernel under qemu TCG (test/vm/run), on
copies of the same array. A benchmark: numbers, no pass or fail.

For each case the source array is made once on this host (raidmig convert
of an image of random data, RAID5, 64 KiB chunk, named "src"), made clean
(the rows past the converted data, which md would resync when it first
starts the array, zeroed on every member, and resync_offset set to "in
sync" in the superblocks), and copied, one set of member images per run.
Then ONE boot per case, every set a virtio disk, runs every variant on its
own copy, in this order, reversed every other repetition:
  md        mdadm --assemble, then mdadm --grow as the case says (timed from
            the first mdadm --grow until md is done: sync_action idle,
            reshape_position none, not degraded, the new level, members,
            chunk and layout in sysfs, and no mdadm left running, since
            with a backup file a forked mdadm drives the reshape), then
            mdadm --stop; speed_limit_min/max raised to 1000000/2000000
  md-tuned  the same with stripe_cache_size 4096 (default 256), set after
            the assembly and again whenever it reads otherwise (a level
            change makes a new raid456 personality, which resets it)
  raidmig   raidmig convert --yes --json (this tree's binary, --with) on
            the block devices (O_DIRECT), offline
Cases (members of --size, 64 KiB chunk, left-symmetric):
  grow       RAID5 over 3 grown to 4
             md: --grow --raid-devices=4 --add NEW (no backup file: mdadm
                 keeps its 384K critical section itself)
  r6keep     RAID5 over 3 to RAID6 over 4 keeping the data (-6 layout: Q
             alone is written)
             md: --grow --level=6 --raid-devices=4 --layout=preserve --add NEW
             raidmig: convert --level 6
  r6restripe RAID5 over 3 to RAID6 over 4 left-symmetric (every row moves)
             md: --grow --level=6 --raid-devices=4 --layout=left-symmetric
                 --add NEW --backup-file (same data width: mdadm wants a
                 backup file; mdadm 4.2 on 6.1 wrote ~5% of the data there)
             raidmig: convert --level 6 --layout left-symmetric
  chunk      RAID5 over 3, chunk 64K to 128K
             md: --grow --chunk=128 --backup-file
             raidmig: convert --chunk 128K
  shrink     RAID5 over 4 to 3 (the source disk holds a GPT partition,
             which tells raidmig where the data ends)
             md: --grow --array-size=(2 x component size) first, then
                 --grow --raid-devices=3 --backup-file; md reshapes its
                 whole new array, raidmig the data up to its end
             raidmig: convert --members 3, the 4 members given
md's backup file lives on an ext4 of its own virtio disk (as on a real
machine: not on the array), removed after each run; what md writes there
is the "backup MB" column. The member size is --size rounded up by 64 KiB
steps until md's component size is a multiple of 128 KiB (md refuses a
chunk change that does not divide it: "mdadm --grow --size" would be one
more step).

Measured for every run, in the VM: seconds (/proc/uptime, 10 ms), MB/s of
volume data (the data raidmig plans to migrate: the old array, or for the
shrink the data up to its end; the same number for every variant), MB read
from and written to the members (/sys/block/vdX/stat fields 3 and 7, in
sectors) and flushes (field 16, "flush I/Os", kernels since 5.5), before
and after; the page cache dropped before each run. ratio = variant seconds
/ raidmig seconds: above 1, raidmig is faster. After the boot, every
result is read here by test/mdread.py (an independent md reader) from its
superblocks: the new geometry, and the first N bytes of the volume hashed
against the source volume's hash; a run that fails either is reported
BROKEN and left out of the medians. The disks are virtio-blk with
cache=unsafe: a flush costs nothing here, so the flush counts are shown
but not paid for, and both tools run at TCG's CPU speed (the copies, the
parity, md's stripe handling), not at a disk's.

  python3 test/benchvm.py [--size 128M] [--reps 2]
                          [--cases grow,r6keep,r6restripe,chunk,shrink]
                          [--dir DIR] [--raidmig BINARY]
Prints a table per case; exits 77 (the reason on stdout) when the VM
cannot be set up.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True      # no __pycache__ in test/
sys.path.insert(0, os.path.join(TOP, "test"))
import mdread  # noqa: E402
from diskmodel import num  # noqa: E402
from mdvm import vm_run  # noqa: E402

MiB = 1 << 20
KiB = 1024
CHUNK = 64 * KiB
SB_CLEAN = 0xffffffffffffffff
LAYOUT = {"left-symmetric": 2, "left-symmetric-6": 18}

# name: (old members, disks in a set, what it is, raidmig's options,
#        md's commands ({md}: the array, {y}: its sysfs md directory, {new}:
#        the added disk, {bk}: a backup file), new (level, members, chunk, layout))
CASES = {
    "grow": (3, 4, "RAID5 over 3 grown to 4", [],
             ["mdadm --grow {md} --raid-devices=4 --add {new}"],
             (5, 4, CHUNK, LAYOUT["left-symmetric"])),
    "r6keep": (3, 4, "RAID5 over 3 to RAID6 over 4, -6 layout kept", ["--level", "6"],
               ["mdadm --grow {md} --level=6 --raid-devices=4 --layout=preserve --add {new}"],
               (6, 4, CHUNK, LAYOUT["left-symmetric-6"])),
    "r6restripe": (3, 4, "RAID5 over 3 to RAID6 over 4, restriped to left-symmetric",
                   ["--level", "6", "--layout", "left-symmetric"],
                   ["mdadm --grow {md} --level=6 --raid-devices=4 --layout=left-symmetric"
                    " --add {new} --backup-file={bk}"],
                   (6, 4, CHUNK, LAYOUT["left-symmetric"])),
    "chunk": (3, 3, "RAID5 over 3, chunk 64K to 128K", ["--chunk", "128K"],
              ["mdadm --grow {md} --chunk=128 --backup-file={bk}"],
              (5, 3, 2 * CHUNK, LAYOUT["left-symmetric"])),
    "shrink": (4, 4, "RAID5 over 4 shrunk to 3", ["--members", "3"],
               ["mdadm --grow {md} --array-size=$(( $(cat {y}/component_size) * 2 ))",
                "mdadm --grow {md} --raid-devices=3 --backup-file={bk}"],
               (5, 3, CHUNK, LAYOUT["left-symmetric"])),
}
VARIANTS = ["md", "md-tuned", "raidmig"]


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, **kw)
    if r.returncode:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode, r.stderr.decode()[-600:]))
    return r.stdout


def member_size(a, size):
    """--size, rounded up by 64 KiB until the component size of a raidmig
    RAID5 over 3 of such members is a multiple of 128 KiB."""
    for k in range(64):
        s = size + k * CHUNK
        cap = json.loads(run([a.raidmig, "plan", "--json", "--level", "5", "--size", str(s),
                              "--members", "3"]))["capacity"]
        if cap // 2 % (2 * CHUNK) == 0:
            return s
    raise RuntimeError("no member size near %d gives md a 128 KiB multiple" % size)


def fill(path, off, length):
    with open(path, "r+b") as f:
        f.seek(off)
        while length:
            k = min(length, 16 * MiB)
            f.write(os.urandom(k))
            length -= k


def blank(path, size):
    with open(path, "wb") as f:
        f.truncate(size)


def make_clean(paths):
    """What md would resync (rows past the converted data, from
    resync_offset to the end of the data area) zeroed on every member, and
    the superblocks said to be in sync: for RAID5, zeros are their own
    parity."""
    for p in paths:
        sb = mdread.examine(p)
        start, end = sb["resync_offset"], sb["size"]
        if start < end:
            with open(p, "r+b") as f:
                f.seek(start * 512)
                left = (end - start) * 512
                while left:
                    k = min(left, 16 * MiB)
                    f.write(bytes(k))
                    left -= k
        run([sys.executable, os.path.join(TOP, "test", "sbpatch.py"), p, "resync_offset=%d" % SB_CLEAN])


def volume_sha(paths, nbytes):
    """sha256 of the first NBYTES of the md array PATHS form (mdread)."""
    with mdread.assemble(paths, warn=lambda m: None) as arr:
        h, got = hashlib.sha256(), 0
        for piece in mdread.iter_volume(arr, nbytes):
            h.update(piece)
            got += len(piece)
    return h.hexdigest() if got == nbytes else "short: %d bytes" % got


def geometry(path):
    sb = mdread.examine(path)
    return (sb["level"], sb["raid_disks"], sb["chunksize"] * 512, sb["layout"])


class Case:
    """One case: its pristine source set, a copy per run, the VM script."""

    def __init__(self, a, name):
        self.a, self.name = a, name
        self.old, self.ndisks, self.what, self.args, self.md, self.want = CASES[name]
        self.new_n = self.want[1]
        self.dir = os.path.join(a.dir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.runs = []      # (label, variant, rep, images)
        for rep in range(a.reps):
            for v in VARIANTS if rep % 2 == 0 else VARIANTS[::-1]:
                label = "%s.%s.%d" % (name, v, rep)
                self.runs.append((label, v, rep, [self.path("%s-%s%d-m%d.img" % (name, v, rep, i))
                                                  for i in range(self.ndisks)]))
        self.backup = self.path("%s-backup.img" % name)

    def path(self, f):
        return os.path.join(self.dir, f)

    def make_source(self):
        """The source set (pristine), clean; the data to migrate and its hash."""
        size = self.a.member
        src = [self.path("src-m%d.img" % i) for i in range(self.ndisks)]
        for p in src:
            blank(p, size)
        if self.name == "shrink":   # a partition to the disk's end: where the data ends
            run(["sfdisk", "-q", src[0]], input=b"label: gpt\nstart=2048\n")
            part = json.loads(run(["sfdisk", "-J", src[0]]))["partitiontable"]["partitions"][0]
            fill(src[0], part["start"] * 512, part["size"] * 512)
        else:
            fill(src[0], 0, size - 8 * MiB)
        run([self.a.raidmig, "convert", "--yes", "--level", "5", "--name", "src"] + src[:self.old])
        make_clean(src[:self.old])
        plan = json.loads(run([self.a.raidmig, "plan", "--json"] + self.args + src))
        self.data = plan["data_size"]
        self.sha = volume_sha(src[:self.old], self.data)
        self.src = src

    def copies(self):
        for _, _, _, images in self.runs:
            for s, d in zip(self.src, images):
                run(["cp", "--sparse=always", s, d])
        blank(self.backup, 64 * MiB)
        run(["sync"])

    def script(self):
        limit = max(300, self.a.member // MiB * 10)    # seconds a run may take
        s = [PRELUDE.replace("{bk}", os.path.basename(self.backup))]
        for label, v, rep, images in self.runs:
            names = [os.path.basename(i) for i in images]
            devs = " ".join("$(dev %s)" % n for n in names)
            old = " ".join("/dev/$(dev %s)" % n for n in names[:self.old])
            if v == "raidmig":
                s.append(RAIDMIG_RUN.format(
                    l=label, devs=devs, args=" ".join(self.args),
                    paths=" ".join("/dev/$(dev %s)" % n for n in names)))
                continue
            cmds = " && ".join(c.format(md="/dev/md/src", y="$y", new="/dev/$(dev %s)" % names[-1],
                                        bk="/bk/%s.bak" % label) for c in self.md)
            want = "raid%d %d %d %d" % self.want
            s.append(MD_RUN.format(l=label, devs=devs, old=old, cmds=cmds, want=want,
                                   tuned=1 if v == "md-tuned" else 0, limit=limit))
        s.append("echo DONE\n")
        path = self.path("vm-%s.sh" % self.name)
        with open(path, "w") as f:
            f.write("".join(s))
        return path, limit

    def boot(self):
        path, limit = self.script()
        images = [self.backup] + [i for _, _, _, imgs in self.runs for i in imgs]
        r, out = vm_run(["--timeout", str(120 + limit * len(self.runs)), "--mem", "1024",
                         "--with", self.a.raidmig, path] + images)
        with open(self.path("vm-%s.out" % self.name), "w") as f:
            f.write(out)
        if "DONE" not in out:
            print("%s: the VM did not run the whole script (exit %d):\n%s\n%s" % (
                self.name, r.returncode, out[-3000:], r.stderr.decode(errors="replace")[-2000:]))
        return out

    def check(self, images):
        """'ok', or what is wrong with the array IMAGES hold after a run."""
        try:
            g = geometry(images[0])
            if g != self.want:
                return "geometry %s, not %s" % (g, self.want)
            got = volume_sha(images[:self.new_n], self.data)
        except (mdread.MdError, OSError, AssertionError) as e:
            return "unreadable: %s" % e
        return "ok" if got == self.sha else "different bytes (%s)" % got[:16]


PRELUDE = r'''
dev() { sed -n "s/^\(vd[a-z]*\) $1\$/\1/p" /disks; }
stats() {	# stats LABEL 0|1 DISK...: the block counters of each disk
	l=$1 w=$2; shift 2
	for d in "$@"; do echo "STAT $l $w $d $(cat /sys/block/$d/stat)"; done
}
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
geom() { echo "$(cat $1/level) $(cat $1/raid_disks) $(cat $1/chunk_size) $(cat $1/layout)"; }
md_done() {	# md_done SYSDIR TUNED WANT: is md's reshape over? (builtins: no forks but pidof)
	if [ "$2" = 1 ] && [ -e $1/stripe_cache_size ]; then
		read -r sc <$1/stripe_cache_size
		[ "$sc" = 4096 ] || echo 4096 >$1/stripe_cache_size
	fi
	read -r act <$1/sync_action; read -r pos <$1/reshape_position
	deg=0; [ -e $1/degraded ] && read -r deg <$1/degraded
	read -r lv <$1/level; read -r nd <$1/raid_disks; read -r ch <$1/chunk_size; read -r la <$1/layout
	[ "$act $pos $deg" = "idle none 0" ] && [ "$lv $nd $ch $la" = "$3" ] && ! pidof mdadm.real >/dev/null
}
wait_md() {	# wait_md SYSDIR TUNED WANT SECONDS
	i=0
	while ! md_done "$1" "$2" "$3"; do
		i=$((i + 1))
		[ $i -gt $(($4 * 10)) ] && return 1
		sleep 0.1
	done
}
echo 1000000 >/proc/sys/dev/raid/speed_limit_min
echo 2000000 >/proc/sys/dev/raid/speed_limit_max
bk=$(dev {bk})
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 /dev/$bk && mkdir -p /bk && mount /dev/$bk /bk || echo "ERR setup the backup disk"
echo "KERNEL $(uname -r) $(nproc) $(mdadm --version 2>&1)"
'''

MD_RUN = r'''
l={l}
if mdadm --assemble /dev/md/src {old} >/tmp/o 2>&1; then
	y=/sys/block/$(basename "$(readlink -f /dev/md/src)")/md
	if [ "$(cat $y/sync_action)" != idle ]; then
		echo "NOTE $l md started $(cat $y/sync_action) at assembly (not timed)"
		mdadm --wait /dev/md/src >/dev/null 2>&1
	fi
	[ {tuned} = 1 ] && echo 4096 >$y/stripe_cache_size
	drop
	stats $l 0 {devs} $bk
	read -r t0 _ </proc/uptime
	{{ {cmds}; }} >/tmp/o 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		wait_md $y {tuned} "{want}" {limit} || rc=124
	fi
	read -r t1 _ </proc/uptime
	echo "GEOM $l $(geom $y) $(cat $y/sync_action) $(cat $y/reshape_position) scs=$(cat $y/stripe_cache_size 2>/dev/null)"
	echo "OUT $l $(tr '\n' ' ' </tmp/o | tail -c 600)"
	[ $rc = 0 ] || echo "ERR $l mdadm --grow: exit $rc: $(tr '\n' ' ' </tmp/o | tail -c 600) $(dmesg | tail -n 5 | tr '\n' ' ')"
	i=0
	while pidof mdadm.real >/dev/null && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
	mdadm --stop /dev/md/src >/dev/null 2>&1
	stats $l 1 {devs} $bk
	echo "TIME $l $t0 $t1 $rc"
else
	echo "ERR $l mdadm --assemble: $(tr '\n' ' ' </tmp/o | tail -c 600)"
fi
rm -f /bk/*.bak
'''

RAIDMIG_RUN = r'''
l={l}
drop
stats $l 0 {devs} $bk
read -r t0 _ </proc/uptime
raidmig convert --yes --json {args} {paths} >/tmp/o 2>/tmp/e
rc=$?
read -r t1 _ </proc/uptime
stats $l 1 {devs} $bk
echo "TIME $l $t0 $t1 $rc"
echo "JSON $l $(tail -n 1 /tmp/o)"
[ $rc = 0 ] || echo "ERR $l raidmig: exit $rc: $(tr '\n' ' ' </tmp/e | tail -c 600)"
'''


def parse(out):
    """The VM's lines: {label: {"time": (t0, t1, rc), "stat": {0|1: {disk: fields}}, ...}}."""
    runs, notes = {}, []
    for line in out.splitlines():
        p = line.split()
        if len(p) < 2:
            continue
        if p[0] in ("ERR", "NOTE", "KERNEL"):
            notes.append(line)
            continue
        r = runs.setdefault(p[1], {"stat": {0: {}, 1: {}}})
        if p[0] == "STAT" and len(p) > 4:
            r["stat"][int(p[2])][p[3]] = [int(x) for x in p[4:]]
        elif p[0] == "TIME" and len(p) == 5:
            r["time"] = (float(p[2]), float(p[3]), int(p[4]))
        elif p[0] == "JSON":
            try:
                r["json"] = json.loads(line.split(" ", 2)[2])
            except (ValueError, IndexError):
                pass
        elif p[0] in ("GEOM", "OUT"):
            r[p[0].lower()] = line.split(" ", 2)[2] if len(p) > 2 else ""
    return runs, notes


def counters(r, disks):
    """(sectors read, sectors written, flushes or None) over DISKS between the snapshots."""
    rd = wr = fl = 0
    for d in disks:
        a, b = r["stat"][0].get(d), r["stat"][1].get(d)
        if not a or not b:
            return None
        rd += b[2] - a[2]
        wr += b[6] - a[6]
        fl = None if fl is None or len(a) < 16 else fl + b[15] - a[15]
    return rd, wr, fl


def vd(i):
    """The VM's name of the I-th image test/vm/run attaches (0-based)."""
    a = "abcdefghijklmnopqrstuvwxyz"
    return "vd" + (a[i] if i < 26 else a[i // 26 - 1] + a[i % 26])


def report(c, out):
    runs, notes = parse(out)
    bk = vd(0)
    res = {v: [] for v in VARIANTS}
    lines = []
    n = 1
    for label, v, rep, images in c.runs:
        disks = [vd(n + i) for i in range(len(images))]
        n += len(images)
        r = runs.get(label, {"stat": {0: {}, 1: {}}})
        if "time" not in r or r["time"][2] != 0:
            lines.append("  %s: FAILED%s" % (label, "" if "time" in r else " (no result)"))
            continue
        ck = c.check(images)
        secs = r["time"][1] - r["time"][0]
        cnt = counters(r, disks)
        bcnt = counters(r, [bk])
        if ck != "ok":
            lines.append("  %s: BROKEN after %.2f s: %s" % (label, secs, ck))
            continue
        res[v].append((secs, cnt, bcnt[1] if bcnt else 0, r))
    k = next((x.split() for x in notes if x.startswith("KERNEL ")), None)
    vm = "kernel %s, %s vCPUs, mdadm %s" % (k[1], k[2], k[5]) if k and len(k) > 5 else "kernel ?"
    print("\n%s: %s, members of %s, %.0f MB of volume data; %s, qemu TCG, virtio (cache=unsafe); "
          "one boot, %d reps (median), page cache dropped; this host's load average %.1f before, %.1f after:" % (
              c.name, c.what, human(c.a.member), c.data / 1e6, vm, c.a.reps, c.load[0], c.load[1]))
    print("  md:      " + "; ".join(x.format(md="/dev/md/src", y="$y", new="NEW", bk="BACKUP") for x in c.md))
    print("  raidmig: raidmig convert --yes " + " ".join(c.args + ["MEMBER..."] + (["NEW"] if c.ndisks > c.old else [])))
    print("  %-9s %8s %7s %7s %9s %10s %9s %8s  %s" % ("variant", "seconds", "MB/s", "ratio", "read MB",
                                                      "written MB", "backup MB", "flushes", "runs"))
    base = statistics.median(x[0] for x in res["raidmig"]) if res["raidmig"] else None
    for v in VARIANTS:
        if not res[v]:
            print("  %-9s %8s" % (v, "-"))
            continue
        secs = statistics.median(x[0] for x in res[v])
        cnt = [x[1] for x in res[v] if x[1]]
        rd = statistics.median(x[0] for x in cnt) * 512 / 1e6 if cnt else float("nan")
        wr = statistics.median(x[1] for x in cnt) * 512 / 1e6 if cnt else float("nan")
        fl = [x[2] for x in cnt if x[2] is not None]
        bw = statistics.median(x[2] for x in res[v]) * 512 / 1e6
        print("  %-9s %8.2f %7.1f %7s %9.1f %10.1f %9.1f %8s  %s" % (
            v, secs, c.data / 1e6 / secs, "%.2f" % (secs / base) if base else "-", rd, wr, bw,
            "%d" % statistics.median(fl) if fl else "?", " ".join("%.2f" % x[0] for x in res[v])))
    for x in lines:
        print(x)
    js = [x[3]["json"] for x in res["raidmig"] if "json" in x[3]]
    if js:
        j = js[-1]
        print("  raidmig's own count (last run): wrote %.1f MB, %d flushes, %d metadata writes, checkpoints %s" % (
            j.get("bytes_written", 0) / 1e6, j.get("flushes", 0), j.get("metadata_writes", 0),
            " ".join("%s=%d" % kv for kv in j.get("checkpoints", {}).items() if kv[1])))
    said = []
    for label, v, rep, _ in c.runs:
        out = re.sub(r"/dev/vd[a-z]+", "NEW", runs.get(label, {}).get("out", "")).strip()
        if v != "raidmig" and out and out not in said:
            said.append(out)
            print("  mdadm said: " + out[-300:])
    for x in notes:
        if not x.startswith("KERNEL "):
            print("  " + x[:700])
    sys.stdout.flush()


def human(n):
    return "%d MiB" % (n // MiB) if n % MiB == 0 else "%d MiB + %d KiB" % (n // MiB, n % MiB // KiB)


def bench(a, name):
    c = Case(a, name)
    try:
        c.make_source()
        c.copies()
        load = os.getloadavg()[0]
        out = c.boot()
        c.load = (load, os.getloadavg()[0])
        report(c, out)
    finally:
        if not a.keep:
            shutil.rmtree(c.dir, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", default="128M", help="each member (rounded up for md, see above)")
    p.add_argument("--reps", type=int, default=2)
    p.add_argument("--cases", default="grow,r6keep,r6restripe,chunk,shrink")
    p.add_argument("--dir", help="work directory (default: a new one in $TMPDIR, removed at the end)")
    p.add_argument("--raidmig", default=os.path.join(TOP, "raidmig"))
    p.add_argument("--keep", action="store_true", help="keep the images (with --dir)")
    a = p.parse_args()
    for name in a.cases.split(","):
        if name not in CASES:
            p.error("unknown case %s (%s)" % (name, ",".join(CASES)))
    if not shutil.which("sfdisk", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin"):
        print("benchvm: sfdisk is missing (apt-get install fdisk)")
        sys.exit(77)
    if not os.access(a.raidmig, os.X_OK):
        sys.exit("benchvm: %s: not built (make)" % a.raidmig)
    made = not a.dir
    top = a.dir or tempfile.mkdtemp(prefix="raidmig-benchvm-")
    a.keep = a.keep and not made
    try:
        a.dir = top
        os.makedirs(top, exist_ok=True)
        # a copy: the binary timed stays the same if the tree is rebuilt meanwhile
        shutil.copy2(a.raidmig, os.path.join(top, "raidmig"))
        a.raidmig = os.path.join(top, "raidmig")
        a.member = member_size(a, num(a.size))
        print("benchvm: %s; members of %s" % (run([a.raidmig, "--version"]).decode().strip().splitlines()[0],
                                              human(a.member)), flush=True)
        for name in a.cases.split(","):
            bench(a, name)
    finally:
        if made:
            shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
