#!/usr/bin/env python3
"""test/mdreshape.py: arrays made by mdadm, migrated by raidmig, used by md.

Three steps, with the real mdadm and md driver in Debian's kernel under
qemu (test/vm/run) and the real raidmig on this host:
  1. in the VM: mdadm --create --metadata=1.0 --size (leaving room below
     md's superblock for raidmig's configuration area) of most source
     arrays; the "v12" ones with mdadm's defaults (metadata 1.2: superblock
     4 KiB from the start, data after it; most with no --size: used to the
     end);
     md's initial resync, an ext4 filesystem with a file of random data;
     the md device's bytes and the file are hashed; mdadm --stop.
  2. on the host: raidmig convert (or revert) of each array's members and
     the devices added, given in a shuffled order. One migration is killed
     part-way (test/shim.so). Some 1.0 arrays are used to the end (no
     --size): grown by a member, their last rows move out of the
     configuration area's way first; with no member added (a chunk change)
     there is no room: raidmig refuses it with what to do and writes
     nothing. The 1.2 arrays used to the end are migrated the same way
     (grown by a member, or refused with no member added); two made with
     --size are restriped (the data moved up along the members, md's
     data_offset with it), reverted to a plain disk (the data moved down
     to byte 0) and shrunk by a member. The 1.0 restripes (l45, c5) move their data too.
  3. in the VM again: mdadm --assemble of the new array; its level and
     member count; its bytes equal the old volume's (the filesystem's
     length); e2fsck -fn clean; the file read through a mount matches;
     after md's resync of the rows past the migrated data, md's "check"
     ends with mismatch_cnt 0. A reverted disk is checked as a plain disk:
     e2fsck, the file, no md superblock. The killed migration is refused
     by md until raidmig resume (on the host) finishes it; then a third
     boot checks it like the others.

  mdreshape.py [--work DIR]
Prints "ok CASE WHAT" or "FAIL CASE WHAT: DETAIL" per check and a summary
"reshape: N checks, N failed (KERNEL)"; exits 0 if all passed, 1 if not,
77 when the VM cannot be set up (the reason on stdout).
"""
import argparse
import contextlib
import hashlib
import os
import random
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAIDMIG = os.environ.get("RAIDMIG", os.path.join(TOP, "raidmig"))
SHIM = os.path.join(TOP, "test", "shim.so")
MiB = 1 << 20
MEMBER = 40 * MiB       # every image
MD_SIZE = 32 * MiB      # mdadm --size: what md uses of each member
MAX_DISKS = 28


class Case:
    """An mdadm array (level, members, chunk, layout) and the raidmig
    migration ARGS over it and ADD devices; AFTER members form the result
    (1 and revert: a plain disk). FS_MB: the filesystem's size. META: the
    superblock version given to mdadm --create --metadata."""

    def __init__(self, name, level, n, args, add=0, after=None, chunk="64K", layout=None,
                 fs_mb=None, kill=None, full=False, bitmap=False, meta="1.0", moved=None):
        self.name, self.level, self.n, self.args, self.add = name, level, n, args, add
        self.meta = meta
        self.moved = moved      # the data moves up along the members from this data_offset (sectors)
        self.bitmap = bitmap    # made with --bitmap=internal: raidmig removes it, md adds it again
        self.chunk, self.layout, self.kill, self.full = chunk, layout, kill, full
        self.after = after if after is not None else n + add
        self.revert = args[0] == "revert"
        data = {0: n, 1: 1, 4: n - 1, 5: n - 1, 6: n - 2, 10: n // 2}[level]
        self.fs_mb = fs_mb or data * MD_SIZE // MiB * 3 // 4
        self.images = ["%s-m%d.img" % (name, i) for i in range(n + add)]
        self.vol_sha = self.file_sha = self.vol_len = None
        self.new_level = None


sys.path.insert(0, os.path.join(TOP, "test"))
from mdvm import Suite as MdSuite, run, vm_run  # noqa: E402


class Suite(MdSuite):
    """mdvm's results and paths; one boot runs one script."""

    def boot(self, script, images, label):
        """Run SCRIPT in the VM; RESULT lines are checks, other KEY lines returned."""
        path = self.path("vm-%s.sh" % label)
        with open(path, "w") as f:
            f.write(PRELUDE + script + "echo DONE\n")
        r, out = vm_run(["--timeout", "1500", "--mem", "768", path] + [self.path(i) for i in images])
        lines = []
        for line in out.splitlines():
            if line.startswith("RESULT ok "):
                _, _, case, what = line.split(" ", 3)
                self.result(True, case, what)
            elif line.startswith("RESULT FAIL "):
                print("FAIL " + line[len("RESULT FAIL "):], flush=True)
                self.results.append(False)
            else:
                lines.append(line)
        if "DONE" not in out:
            self.result(False, label, "the VM ran the whole script",
                        "exit %d\n%s\n%s" % (r.returncode, out[-2000:], r.stderr.decode(errors="replace")[-2000:]))
        return lines


PRELUDE = r'''
res() { echo "RESULT $*"; }
ck() { c=$1; w=$2; shift 2; if "$@" >/tmp/o 2>&1; then res ok "$c" "$w"; else res FAIL "$c" "$w" "$(tail -c 600 /tmp/o)"; fi; }
dev() { sed -n "s/^\(vd[a-z]*\) $1\$/\/dev\/\1/p" /disks; }
hsum() { head -c "$2" "$1" | sha256sum | cut -d' ' -f1; }
mdsys() { basename "$(readlink -f "$1")"; }
'''


def create_script(cases):
    """Step 1: each source array made, filled and hashed by md."""
    s = []
    for c in cases:
        devs = " ".join("$(dev %s)" % img for img in c.images[:c.n])
        opts = "--level=%d --raid-devices=%d" % (c.level, c.n)
        if c.level != 1:
            opts += " --chunk=%s" % c.chunk
        if c.layout:
            opts += " --layout=%s" % c.layout
        if c.level in (1, 4, 5, 6, 10):
            opts += " --bitmap=internal" if c.bitmap else " --bitmap=none"
        if not c.full:
            opts += " --size=%d" % (MD_SIZE // 1024)
        s.append(r'''
md=/dev/md/{nm}
ck {nm} "mdadm --create --metadata={meta} {opts}" mdadm --create $md --run --metadata={meta} --name={nm} {opts} {devs}
mdadm --wait $md >/dev/null 2>&1
ck {nm} "mkfs.ext4 of {fs}" mkfs.ext4 -q -F -b 4096 $md {blocks}
mkdir -p /mnt/{nm} && mount $md /mnt/{nm} && dd if=/dev/urandom of=/mnt/{nm}/payload bs=1M count=6 2>/dev/null &&
	echo {nm} >/mnt/{nm}/hello && echo "FILE {nm} $(sha256sum /mnt/{nm}/payload | cut -d' ' -f1)" && umount /mnt/{nm}
len={bytes}
echo "VOL {nm} $(hsum $md $len)"
echo "LEN {nm} $len"
mdadm --stop $md >/dev/null 2>&1
'''.format(nm=c.name, meta=c.meta, opts=opts, devs=devs, fs="the whole array" if c.full else "%d MiB" % c.fs_mb,
           blocks="" if c.full else c.fs_mb * 256,
           bytes="$(blockdev --getsize64 $md)" if c.full else c.fs_mb * MiB))
    return "".join(s)


def check_script(cases):
    """Step 3: each migrated array as md (or the plain disk) sees it."""
    s = []
    for c in cases:
        nb = c.vol_len	# the whole old array when it was used to the end
        if c.revert:
            s.append(r'''
d=$(dev {m0})
ck {nm} "the plain disk's bytes are the volume's" [ "$(hsum $d {nb})" = {vol} ]
ck {nm} "no md superblock on the disk" sh -c "! mdadm --examine $d"
ck {nm} "e2fsck -fn clean" e2fsck -fn $d
mkdir -p /mnt/{nm} && mount -o ro $d /mnt/{nm}
ck {nm} "the file read through a mount matches" [ "$(sha256sum /mnt/{nm}/payload | cut -d' ' -f1)" = {fsha} ]
umount /mnt/{nm} 2>/dev/null
'''.format(nm=c.name, m0=c.images[0], nb=nb, vol=c.vol_sha, fsha=c.file_sha))
            continue
        devs = " ".join("$(dev %s)" % img for img in c.images[:c.after])
        s.append(r'''
md=/dev/md/{nm}
ck {nm} "mdadm --assemble of the migrated array" mdadm --assemble $md {devs}
y=/sys/block/$(mdsys $md)/md
ck {nm} "md says raid{lv} over {after}" [ "$(cat $y/level) $(cat $y/raid_disks)" = "raid{lv} {after}" ]
ck {nm} "md's bytes are the old volume's" [ "$(hsum $md {nb})" = {vol} ]
ck {nm} "e2fsck -fn clean" e2fsck -fn $md
{moved}mkdir -p /mnt/{nm} && mount -o ro $md /mnt/{nm}
ck {nm} "the file read through a mount matches" [ "$(sha256sum /mnt/{nm}/payload | cut -d' ' -f1)" = {fsha} ]
umount /mnt/{nm} 2>/dev/null
if [ -e $y/sync_action ]; then
	mdadm --wait $md >/dev/null 2>&1
	echo check >$y/sync_action; sleep 0.2; mdadm --wait $md >/dev/null 2>&1
	ck {nm} "md check: mismatch_cnt 0" [ "$(cat $y/mismatch_cnt)" = 0 ]
fi
'''.format(nm=c.name, devs=devs, lv=c.new_level, after=c.after, nb=nb, vol=c.vol_sha, fsha=c.file_sha,
           moved="" if c.moved is None else
           "off=$(mdadm --examine $(dev {m0}) | sed -n 's/.*Data Offset : \\([0-9]*\\) sectors.*/\\1/p')\n"
           'ck {nm} "md\'s data_offset moved up from sector {o}" [ "${{off:-0}}" -gt {o} ]\n'.format(
               nm=c.name, o=c.moved, m0=c.images[0])))
        if c.bitmap:
            s.append(r'''
ck {nm} "the bitmap raidmig removed: mdadm --grow --bitmap=internal adds it again" mdadm --grow --bitmap=internal $md
ck {nm} "mdadm --detail: Intent Bitmap : Internal" sh -c "mdadm --detail $md | grep -q 'Intent Bitmap : Internal'"
echo check >$y/sync_action; sleep 0.2; mdadm --wait $md >/dev/null 2>&1
ck {nm} "md check with the bitmap: mismatch_cnt 0" [ "$(cat $y/mismatch_cnt)" = 0 ]
'''.format(nm=c.name))
        s.append("mdadm --stop $md >/dev/null 2>&1\n")
    return "".join(s)


def refused_script(c):
    devs = " ".join("$(dev %s)" % img for img in c.images[:c.after])
    return r'''
ck {nm} "md refuses the array while the migration is unfinished" sh -c "! mdadm --assemble /dev/md/{nm} {devs}"
mdadm --stop /dev/md/{nm} >/dev/null 2>&1
'''.format(nm=c.name, devs=devs)


def groups(cases):
    out, cur, disks = [], [], 0
    for c in cases:
        if cur and disks + len(c.images) > MAX_DISKS:
            out.append(cur)
            cur, disks = [], 0
        cur.append(c)
        disks += len(c.images)
    return out + [cur] if cur else out


def sums(s, c):
    return [hashlib.sha256(open(s.path(i), "rb").read()).hexdigest() for i in c.images]


def migrate(s, c, rng):
    """Step 2 on the host: raidmig over the members and added devices, shuffled."""
    devs = list(c.images)
    rng.shuffle(devs)
    env = dict(os.environ)
    if c.kill:
        env.update(LD_PRELOAD=SHIM, SHIM_KILL_AT=str(c.kill))
    # used to the end with no member added: no new capacity to make room
    # from at the end, below md's superblock (1.0) or the device's end (1.2)
    refuse = c.full and not c.add
    before = sums(s, c) if refuse else None
    r = run([RAIDMIG] + c.args + ["--yes"] + devs, cwd=s.work, env=env)
    err = r.stderr.decode()
    if refuse:
        where = "md's superblock" if c.meta == "1.0" else "the end of the device"
        s.result(r.returncode == 2 and "needs room between that and %s" % where in err and
                 "mdadm --grow" in err and sums(s, c) == before, c.name,
                 "no room below %s: refused with what to do, nothing written" % where, err)
        return False
    if c.kill:
        s.result(r.returncode in (137, -9), c.name, "the migration is killed part-way", err)
        return True
    s.result(r.returncode == 0, c.name, "raidmig " + " ".join(c.args), err)
    return r.returncode == 0


def suite(s):
    cases = [
        Case("g0", 0, 2, ["convert"], add=1),
        Case("g5", 5, 3, ["convert"], add=1),
        Case("g6", 6, 4, ["convert"], add=1, chunk="128K"),
        Case("g1", 1, 2, ["convert"], add=1),
        Case("l15", 1, 2, ["convert", "--level", "5"], add=1),
        Case("l05", 0, 2, ["convert", "--level", "5"], add=1),
        Case("l06", 0, 2, ["convert", "--level", "6"], add=2),
        Case("l45", 4, 3, ["convert", "--level", "5"], moved=0),
        Case("l56", 5, 3, ["convert", "--level", "6"], add=1),
        Case("l100", 10, 4, ["convert", "--level", "0", "--members", "2"], after=2, layout="n2"),
        Case("l010", 0, 2, ["convert", "--level", "10"], fs_mb=24),
        Case("c5", 5, 3, ["convert", "--chunk", "256K", "--layout", "right-asymmetric"], moved=0),
        Case("s5", 5, 4, ["convert", "--members", "3"], after=3, fs_mb=56),
        Case("rv0", 0, 2, ["revert"], after=1, fs_mb=24),
        Case("rv1", 1, 2, ["revert"], after=1, fs_mb=24),
        Case("cut5", 5, 3, ["convert"], add=1, kill=30),
        # used to the end (no --size): a grow moves the last rows out of the
        # configuration area's way first; a chunk change has no room to make
        Case("full5", 5, 3, ["convert"], add=1, full=True),
        Case("bm5", 5, 3, ["convert"], add=1, bitmap=True),
        Case("bm15", 1, 2, ["convert", "--level", "5"], add=1, bitmap=True),
        Case("room", 5, 3, ["convert", "--chunk", "128K"], full=True),
        # mdadm's defaults: metadata 1.2 (superblock at 4 KiB, data from
        # data_offset: 1 MiB on these 40 MiB members for RAID1 or a 64K or
        # 128K chunk, 2 MiB with mdadm's 512K), used to the end, every one
        # with a member added
        Case("v12g5", 5, 3, ["convert"], add=1, full=True, meta="1.2"),
        Case("v12l15", 1, 2, ["convert", "--level", "5"], add=1, full=True, meta="1.2"),
        Case("v12g0", 0, 2, ["convert"], add=1, full=True, meta="1.2"),
        Case("v12g6", 6, 4, ["convert"], add=1, chunk="128K", full=True, meta="1.2"),
        Case("v12bm5", 5, 3, ["convert"], add=1, bitmap=True, full=True, meta="1.2"),
        Case("v12g10", 10, 4, ["convert"], add=1, layout="n2", full=True, meta="1.2"),
        Case("v12room", 5, 3, ["convert", "--chunk", "128K"], full=True, meta="1.2"),
        # made with --size: room above the data for a restripe to move it
        # up (md's data_offset grows), and for a revert to move it down to
        # byte 0 of a plain disk
        Case("v12c5", 5, 3, ["convert", "--chunk", "128K", "--layout", "right-asymmetric"], meta="1.2",
             moved=2048),
        Case("v12rv1", 1, 2, ["revert"], after=1, fs_mb=24, meta="1.2"),
        Case("v12s5", 5, 4, ["convert", "--members", "3"], after=3, fs_mb=56, meta="1.2"),
    ]
    assert all(len(c.images) <= MAX_DISKS for c in cases)   # every case fits one boot
    if os.environ.get("MDRESHAPE_CASES"):   # a developer's subset: MDRESHAPE_CASES=v12c5,v12rv1
        cases = [c for c in cases if c.name in os.environ["MDRESHAPE_CASES"].split(",")]
    for c in cases:
        c.new_level = c.level
        if "--level" in c.args:
            c.new_level = int(c.args[c.args.index("--level") + 1])
        for img in c.images:
            with open(s.path(img), "wb"):
                pass
            os.truncate(s.path(img), MEMBER)
    for i, g in enumerate(groups(cases)):
        for line in s.boot(create_script(g), [img for c in g for img in c.images[:c.n]], "create%d" % i):
            p = line.split()
            for c in g:
                if len(p) == 3 and p[1] == c.name and p[0] in ("VOL", "FILE", "LEN"):
                    if p[0] == "VOL":
                        c.vol_sha = p[2]
                    elif p[0] == "LEN":
                        c.vol_len = int(p[2])
                    else:
                        c.file_sha = p[2]
    rng = random.Random(11)
    done, cut = [], []
    for c in cases:
        if not c.vol_sha or not c.file_sha:
            s.result(False, c.name, "the source array was made in the VM", "no hashes")
            continue
        if migrate(s, c, rng):
            (cut if c.kill else done).append(c)
    for i, g in enumerate(groups(done + cut)):
        script = check_script([c for c in g if not c.kill]) + "".join(refused_script(c) for c in g if c.kill)
        s.boot(script, [img for c in g for img in c.images], "check%d" % i)
    for c in cut:
        r = run([RAIDMIG, "resume"] + c.images, cwd=s.work)
        s.result(r.returncode == 0, c.name, "raidmig resume finishes it", r.stderr.decode())
    if cut:
        s.boot(check_script(cut), [img for c in cut for img in c.images], "resumed")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work")
    a = p.parse_args()
    keep = contextlib.nullcontext(a.work) if a.work else tempfile.TemporaryDirectory(prefix="raidmig-reshape-")
    with keep as work:
        os.makedirs(work, exist_ok=True)
        s = Suite(work)
        suite(s)
    bad = s.results.count(False)
    vfile = os.path.join(os.environ.get("RAIDMIG_VM_CACHE", "/var/cache/raidmig-vm"), "kernel", "version")
    kv = open(vfile).read().split()[0] if os.path.exists(vfile) else "kernel ?"
    print("reshape: %d checks, %d failed (%s)" % (len(s.results), bad, kv))
    sys.exit(1 if bad or not s.results else 0)


if __name__ == "__main__":
    main()
