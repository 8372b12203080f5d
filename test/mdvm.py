#!/usr/bin/env python3
"""test/mdvm.py: the real md driver reads what raidmig wrote.

Builds arrays with the real raidmig on image files on this host, checks
each member with mdadm --examine and blkid -p here, then boots Debian's own
kernel under qemu (test/vm/run) with every member attached as a virtio disk
and checks there, with the real mdadm and md driver:
  - mdadm --assemble brings the array up; its size is raidmig's capacity;
  - the md device's bytes equal the source's data (sha256);
  - for redundant levels, md's own "check" ends with mismatch_cnt 0, after
    md has resynced the tail past the migrated data;
  - assembled again with members missing (one; two for RAID6), the bytes are
    still the same;
  - ext4 sources: e2fsck -fn is clean and a file read through a mount matches;
    GPT sources: the md device's partition appears and mounts;
  - an interrupted conversion: md refuses to assemble it; after resume on
    the host (a second boot), it assembles and matches;
  - mdadm --grow --bitmap=internal on a finished redundant array, then check.

  mdvm.py SUITE [--work DIR]      SUITE: md, levels, bitmap, inside
Prints one line per check: "ok CASE WHAT" or "FAIL CASE WHAT: DETAIL", then
a summary; exits 0 if every check passed, 1 if one failed, 77 if the VM
cannot be set up (the reason on stdout).
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAIDMIG = os.environ.get("RAIDMIG", os.path.join(TOP, "raidmig"))
VMRUN = os.path.join(TOP, "test", "vm", "run")
SHIM = os.path.join(TOP, "test", "shim.so")
MiB = 1 << 20
MAX_DISKS = 28         # one PCI slot each: every disk is there when the script starts


class Case:
    """One array: NAME, level, layout, chunk, members, the source's kind."""

    def __init__(self, name, level, members, chunk="64K", layout=None, kind="random",
                 data=3 * MiB, size=None, missing=None, interrupt=None):
        self.name, self.level, self.n, self.chunk, self.layout = name, level, members, chunk, layout
        self.kind, self.data = kind, data
        # every member as large as the source: its data, then room, never a chunk multiple
        self.size = size or (data + 2 * MiB + 123 * 512)
        red = {0: 0, 1: members - 1, 4: 1, 5: 1, 6: 2}.get(level)
        if red is None:
            red = (int(layout[1:]) if layout else 2) - 1
        self.missing = missing if missing is not None else list(range(min(red, 2)))
        self.interrupt = interrupt
        self.images = ["%s-m%d.img" % (name, i) for i in range(members)]
        self.expect_sha = None
        self.data_size = None
        self.capacity = None
        self.file_sha = None


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, **kw)


def sha256_prefix(path, n):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        left = n
        while left:
            b = f.read(min(left, 4 * MiB))
            if not b:
                break
            h.update(b)
            left -= len(b)
    return h.hexdigest()


class Suite:
    def __init__(self, work):
        self.work = work
        self.results = []

    def result(self, ok, case, what, detail=""):
        line = ("ok %s %s" % (case, what)) if ok else ("FAIL %s %s: %s" % (case, what, detail))
        self.results.append(ok)
        print(line, flush=True)

    def path(self, name):
        return os.path.join(self.work, name)

    def make_source(self, c):
        src = self.path(c.images[0])
        if c.kind == "random":
            with open(src, "wb") as f:
                f.write(os.urandom(c.data))
            os.truncate(src, c.size)
        elif c.kind == "ext4":
            files = self.path(c.name + "-files")
            os.makedirs(files, exist_ok=True)
            with open(os.path.join(files, "payload.bin"), "wb") as f:
                f.write(os.urandom(c.data // 2))
            with open(os.path.join(files, "hello.txt"), "w") as f:
                f.write("raidmig %s\n" % c.name)
            c.file_sha = hashlib.sha256(open(os.path.join(files, "payload.bin"), "rb").read()).hexdigest()
            open(src, "wb").close()
            os.truncate(src, c.size)
            r = run(["mkfs.ext4", "-q", "-F", "-d", files, src, "%dK" % (c.data // 1024)])
            if r.returncode:
                raise RuntimeError("mkfs.ext4: " + r.stderr.decode())
        elif c.kind == "gpt":
            open(src, "wb").close()
            os.truncate(src, c.size)
            r = run(["sfdisk", "-q", src], input=b"label: gpt\nstart=2048, size=%d\n" % ((c.data - 2 * MiB) // 512))
            if r.returncode:
                raise RuntimeError("sfdisk: " + r.stderr.decode())
            part = self.path(c.name + "-part.img")
            files = self.path(c.name + "-files")
            os.makedirs(files, exist_ok=True)
            with open(os.path.join(files, "payload.bin"), "wb") as f:
                f.write(os.urandom(c.data // 4))
            c.file_sha = hashlib.sha256(open(os.path.join(files, "payload.bin"), "rb").read()).hexdigest()
            open(part, "wb").close()
            os.truncate(part, c.data - 2 * MiB)
            r = run(["mkfs.ext4", "-q", "-F", "-d", files, part])
            if r.returncode:
                raise RuntimeError("mkfs.ext4: " + r.stderr.decode())
            with open(part, "rb") as p, open(src, "r+b") as s:
                s.seek(MiB)
                shutil.copyfileobj(p, s)
            os.unlink(part)
        for img in c.images[1:]:
            with open(self.path(img), "wb"):
                pass
            os.truncate(self.path(img), c.size)
        shutil.copyfile(src, self.path(c.name + "-orig.img"))

    def convert(self, c):
        args = [RAIDMIG, "convert", "--yes", "--json", "--level", str(c.level), "--chunk", c.chunk,
                "--name", c.name]
        if c.layout:
            args += ["--layout", c.layout]
        env = dict(os.environ)
        if c.interrupt:
            env.update(LD_PRELOAD=SHIM, SHIM_KILL_AT=str(c.interrupt))
        r = run(args + c.images, cwd=self.work, env=env)
        if c.interrupt:
            if r.returncode not in (137, -9):
                raise RuntimeError("convert was not killed: exit %d %s" % (r.returncode, r.stderr.decode()))
        elif r.returncode:
            raise RuntimeError("convert exit %d: %s" % (r.returncode, r.stderr.decode()))
        info = json.loads(run([RAIDMIG, "inspect", "--json"] + c.images, cwd=self.work).stdout)
        meta = max((x for x in info if "copy" in x and x["valid"]), key=lambda x: x["generation"])
        c.data_size = meta["data_size"]
        c.expect_sha = sha256_prefix(self.path(c.name + "-orig.img"), c.data_size)
        p = run([RAIDMIG, "plan", "--json", "--level", str(c.level), "--chunk", c.chunk,
                 "--size", str(c.size), "--members", str(c.n)] + (["--layout", c.layout] if c.layout else []))
        c.capacity = json.loads(p.stdout)["capacity"] if p.returncode == 0 else None

    def host_checks(self, c, final):
        """mdadm --examine and blkid -p on the host, during and after."""
        for i, img in enumerate(c.images):
            r = run(["mdadm", "--examine", self.path(img)])
            out = r.stdout.decode()
            ok = r.returncode == 0 and "- correct" in out and ("Raid Level : raid%d" % c.level) in out \
                and ("Raid Devices : %d" % c.n) in out and ("Device Role : Active device %d" % i) in out
            fm = [l for l in out.splitlines() if "Feature Map" in l]
            marked = bool(fm) and "0x80000000" in fm[0]
            ok = ok and marked != final
            self.result(ok, c.name, "mdadm --examine %s: checksum correct, level, devices, role%s" %
                        (img, ", marked as migrating" if not final else ""), out[-600:])
            b = run(["blkid", "-p", "-o", "value", "-s", "TYPE", self.path(img)])
            self.result(b.stdout.decode().strip() == "linux_raid_member", c.name,
                        "blkid -p %s: linux_raid_member" % img, b.stdout.decode() + b.stderr.decode())

    def vm_script(self, cases, checks):
        """The script the VM runs: shell functions, then one block per case."""
        s = [r'''
res() { echo "RESULT $*"; }
dev_of() { awk -v n="$1" '$2 == n { print "/dev/" $1 }' /disks; }
mdname() { basename "$(readlink -f /dev/md/$1)"; }
wait_idle() {
	i=0
	[ -e /sys/block/$1/md/sync_action ] || return 0	# RAID0 has no resync
	while [ "$(cat /sys/block/$1/md/sync_action)" != idle ] && [ $i -lt 3000 ]; do
		sleep 0.1; i=$((i + 1))
	done
}
sha_of() { head -c "$2" "$1" | sha256sum | cut -d' ' -f1; }
echo 0 > /proc/sys/dev/raid/speed_limit_min 2>/dev/null
''']
        for c in cases:
            devs = " ".join('$(dev_of %s)' % img for img in c.images)
            nm = c.name
            if "refused" in checks:
                s.append(r'''
if mdadm --assemble /dev/md/{nm} {devs} >/tmp/out 2>&1; then
	res FAIL {nm} "md refuses the unfinished conversion" "it assembled"; mdadm --stop /dev/md/{nm} >/dev/null 2>&1
else
	grep -q "RUN_ARRAY\|Invalid argument\|failed to add" /tmp/out && ! grep -q active /proc/mdstat &&
		res ok {nm} "md refuses the unfinished conversion" || res FAIL {nm} "md refuses the unfinished conversion" "$(cat /tmp/out)"
fi
dmesg | grep -q "does not have a valid v1.0 superblock" && res ok {nm} "the kernel says why" ||
	res FAIL {nm} "the kernel says why" "no message"
'''.format(nm=nm, devs=devs))
                continue
            s.append(r'''
if mdadm --assemble /dev/md/{nm} {devs} >/tmp/out 2>&1; then
	res ok {nm} "mdadm --assemble"
	md=$(mdname {nm})
	wait_idle $md
	size=$(($(cat /sys/block/$md/size) * 512))
	[ "$size" = "{cap}" ] && res ok {nm} "md's size is raidmig's capacity" || res FAIL {nm} "md's size is raidmig's capacity" "$size != {cap}"
	got=$(sha_of /dev/$md {ds})
	[ "$got" = "{sha}" ] && res ok {nm} "md's bytes are the source's data" || res FAIL {nm} "md's bytes are the source's data" "$got"
'''.format(nm=nm, devs=devs, cap=c.capacity, ds=c.data_size, sha=c.expect_sha))
            if c.level != 0:
                s.append(r'''
	echo check > /sys/block/$md/md/sync_action; sleep 0.2; wait_idle $md
	mm=$(cat /sys/block/$md/md/mismatch_cnt)
	[ "$mm" = 0 ] && res ok {nm} "md check: mismatch_cnt 0" || res FAIL {nm} "md check: mismatch_cnt 0" "$mm"
'''.format(nm=nm))
            if c.kind == "ext4":
                s.append(r'''
	e2fsck -fn /dev/$md >/tmp/fsck 2>&1 && res ok {nm} "e2fsck -fn clean" || res FAIL {nm} "e2fsck -fn clean" "$(tail -3 /tmp/fsck)"
	mkdir -p /mnt/{nm} && mount -o ro /dev/$md /mnt/{nm} && f=$(sha256sum /mnt/{nm}/payload.bin | cut -d' ' -f1) && umount /mnt/{nm}
	[ "$f" = "{fsha}" ] && res ok {nm} "a file read through a mount" || res FAIL {nm} "a file read through a mount" "$f"
'''.format(nm=nm, fsha=c.file_sha))
            if c.kind == "gpt":
                s.append(r'''
	if [ -b /dev/${{md}}p1 ]; then
		res ok {nm} "the partition appears as /dev/${{md}}p1"
		e2fsck -fn /dev/${{md}}p1 >/tmp/fsck 2>&1 && res ok {nm} "e2fsck -fn clean on the partition" || res FAIL {nm} "e2fsck -fn clean on the partition" "$(tail -3 /tmp/fsck)"
		mkdir -p /mnt/{nm} && mount -o ro /dev/${{md}}p1 /mnt/{nm} && f=$(sha256sum /mnt/{nm}/payload.bin | cut -d' ' -f1) && umount /mnt/{nm}
		[ "$f" = "{fsha}" ] && res ok {nm} "a file read through the partition's mount" || res FAIL {nm} "a file read through the partition's mount" "$f"
	else
		res FAIL {nm} "the partition appears" "$(ls /dev/md*)"
	fi
'''.format(nm=nm, fsha=c.file_sha))
            if "bitmap" in checks:
                s.append(r'''
	if mdadm --grow --bitmap=internal /dev/md/{nm} >/tmp/out 2>&1 && grep -q bitmap /proc/mdstat; then
		res ok {nm} "mdadm --grow --bitmap=internal"
		echo check > /sys/block/$md/md/sync_action; sleep 0.2; wait_idle $md
		mm=$(cat /sys/block/$md/md/mismatch_cnt); got=$(sha_of /dev/$md {ds})
		[ "$mm" = 0 ] && [ "$got" = "{sha}" ] && res ok {nm} "with the bitmap: bytes and check" || res FAIL {nm} "with the bitmap: bytes and check" "$mm $got"
	else
		res FAIL {nm} "mdadm --grow --bitmap=internal" "$(cat /tmp/out)"
	fi
'''.format(nm=nm, ds=c.data_size, sha=c.expect_sha))
            s.append(r'''
	mdadm --stop /dev/md/{nm} >/dev/null 2>&1 || res FAIL {nm} "mdadm --stop" "busy"
else
	res FAIL {nm} "mdadm --assemble" "$(cat /tmp/out; dmesg | tail -5)"
fi
'''.format(nm=nm))
            if c.missing and "degraded" in checks:
                keep = [img for i, img in enumerate(c.images) if i not in c.missing]
                kdevs = " ".join('$(dev_of %s)' % img for img in keep)
                what = "without member%s %s: the same bytes" % ("s" if len(c.missing) > 1 else "",
                                                                  " and ".join(str(m) for m in c.missing))
                s.append(r'''
if mdadm --assemble --run /dev/md/{nm} {kdevs} >/tmp/out 2>&1; then
	md=$(mdname {nm})
	got=$(sha_of /dev/$md {ds})
	[ "$got" = "{sha}" ] && res ok {nm} "{what}" || res FAIL {nm} "{what}" "$got"
	mdadm --stop /dev/md/{nm} >/dev/null 2>&1
else
	res FAIL {nm} "{what}" "$(cat /tmp/out)"
fi
'''.format(nm=nm, kdevs=kdevs, ds=c.data_size, sha=c.expect_sha, what=what))
        s.append("echo DONE\n")
        return "".join(s)

    def boot(self, cases, checks, label):
        """Boot once per group of cases with at most MAX_DISKS members in all."""
        group, disks, part = [], 0, 0
        for c in cases + [None]:
            if c is None or (group and disks + c.n > MAX_DISKS):
                self.boot_one(group, checks, "%s%d" % (label, part))
                group, disks, part = [], 0, part + 1
            if c is not None:
                group.append(c)
                disks += c.n

    def boot_one(self, cases, checks, label):
        script = self.path("vm-%s.sh" % label)
        with open(script, "w") as f:
            f.write(self.vm_script(cases, checks))
        images = [self.path(img) for c in cases for img in c.images]
        r = run([VMRUN, "--timeout", "1200", "--mem", "768", script] + images,
                stdin=subprocess.DEVNULL)
        out = r.stdout.decode(errors="replace")
        if r.returncode == 77:
            print(out.strip())
            sys.exit(77)
        seen = 0
        for line in out.splitlines():
            if line.startswith("RESULT "):
                parts = line.split(" ", 4)
                ok = parts[1] == "ok"
                if ok:
                    self.result(True, parts[2], parts[3] + (" " + parts[4] if len(parts) > 4 else ""))
                else:
                    rest = line[len("RESULT FAIL "):]
                    print("FAIL " + rest, flush=True)
                    self.results.append(False)
                seen += 1
        if "DONE" not in out or r.returncode not in (0,):
            self.result(False, label, "the VM ran the whole script", "exit %d\n%s\n%s" %
                        (r.returncode, out[-2000:], r.stderr.decode(errors="replace")[-2000:]))
        return seen


def suite_md(s):
    """Issue 'Linux md': ext4 and GPT sources, member counts and chunks,
    an interrupted conversion refused then finished."""
    cases = [
        Case("e2", 0, 2, "4K", kind="ext4", data=12 * MiB),
        Case("e3", 0, 3, "2M", kind="ext4", data=24 * MiB),
        Case("e4", 0, 4, "64K", kind="ext4", data=16 * MiB),
        Case("e8", 0, 8, "4K", kind="ext4", data=16 * MiB),
        Case("e8big", 0, 8, "2M", data=24 * MiB),
        Case("e5", 5, 3, "64K", kind="ext4", data=12 * MiB),
        Case("gpt", 0, 2, "64K", kind="gpt", data=16 * MiB),
        Case("gpt5", 5, 3, "64K", kind="gpt", data=16 * MiB),
    ]
    cut = [Case("cut0", 0, 3, "4K", data=6 * MiB, interrupt=25),
           Case("cut6", 6, 4, "4K", data=6 * MiB, interrupt=25)]
    for c in cases + cut:
        s.make_source(c)
        s.convert(c)
        s.host_checks(c, final=c.interrupt is None)
    s.boot(cases, {"degraded"}, "md")
    s.boot(cut, {"refused"}, "md-cut")
    for c in cut:
        r = run([RAIDMIG, "resume"] + c.images, cwd=s.work)
        s.result(r.returncode == 0, c.name, "raidmig resume", r.stderr.decode())
        s.host_checks(c, final=True)
    s.boot(cut, {"degraded"}, "md-resumed")


def suite_levels(s):
    """Issue 'every RAID level': every level and layout, odd sizes, several chunks."""
    cases = [Case("r1x2", 1, 2, "64K"), Case("r1x3", 1, 3, "4K"), Case("r4x3", 4, 3, "64K"),
             Case("r4x5", 4, 5, "8K")]
    for lay in ("la", "ra", "ls", "rs", "parity-first", "parity-last"):
        cases.append(Case("r5" + lay.replace("-", ""), 5, 4, "16K", layout=lay))
    cases.append(Case("r5x2", 5, 2, "64K"))
    for lay in ("la", "ra", "ls", "rs", "parity-first", "parity-last", "ddf-zero-restart",
                "ddf-N-restart", "ddf-N-continue", "left-asymmetric-6", "right-asymmetric-6",
                "left-symmetric-6", "right-symmetric-6", "parity-first-6"):
        cases.append(Case("r6" + lay.replace("-", "").replace("asymmetric", "a").replace("symmetric", "s"),
                          6, 5, "8K", layout=lay))
    cases.append(Case("r6x4", 6, 4, "512K", data=8 * MiB))
    cases += [Case("r10n2x2", 10, 2, "64K", layout="n2"), Case("r10n2x3", 10, 3, "32K", layout="n2"),
              Case("r10n2x4", 10, 4, "4K", layout="n2"), Case("r10n3x3", 10, 3, "64K", layout="n3"),
              Case("r10o2x2", 10, 2, "64K", layout="o2"), Case("r10o2x3", 10, 3, "16K", layout="o2"),
              Case("r0x5", 0, 5, "128K")]
    for c in cases:
        s.make_source(c)
        s.convert(c)
        s.host_checks(c, final=True)
    s.boot(cases, {"degraded"}, "levels")


def suite_bitmap(s):
    """After completion md may add an internal bitmap below its superblock."""
    cases = [Case("b1", 1, 2, "64K", size=200 * MiB, data=8 * MiB), Case("b5", 5, 3, "64K", data=8 * MiB),
             Case("b6", 6, 4, "64K", data=8 * MiB), Case("b10", 10, 2, "64K", layout="n2", data=8 * MiB)]
    for c in cases:
        s.make_source(c)
        s.convert(c)
    s.boot(cases, {"bitmap"}, "bitmap")


def suite_inside(s):
    """raidmig itself inside the VM, on real block devices: virtio disks with
    the kernel's partition devices (which loop devices here do not give),
    O_DIRECT, O_EXCL against md; cat refuses a member's partition or disk
    as its output."""
    src, m1, m2 = s.path("in-src.img"), s.path("in-m1.img"), s.path("in-m2.img")
    p1, p2 = s.path("in-p1.img"), s.path("in-p2.img")
    with open(src, "wb") as f:
        f.write(os.urandom(3 * MiB))
    for img in (src, m1, m2, p1, p2):
        if img != src:
            open(img, "wb").close()
        os.truncate(img, 6 * MiB)
    for img in (m1, p1, p2):        # partition tables: /dev/vdb1, /dev/vdd1, /dev/vde1 at boot
        run(["sfdisk", "-q", img], input=b"label: dos\nstart=2048\n")
    with open(p1, "r+b") as f:
        f.seek(MiB)
        f.write(os.urandom(2 * MiB))
    script = r'''
res() { echo "RESULT $*"; }
ck() { if eval "$2" >/tmp/o 2>&1; then res ok in "$1"; else res FAIL in "$1" "$(cat /tmp/o)"; fi; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
ds=$(head -c 3145728 /dev/vda | sha256sum | cut -d' ' -f1)
ck "convert whole virtio disks (the added one partitioned, --force)" "raidmig convert --level 5 --chunk 64K --yes --force --name in /dev/vda /dev/vdb /dev/vdc"
ck "/dev/vdb1 is still there for the test" "[ -b /dev/vdb1 ]"
b=$(sha /dev/vdb)
ck "cat refuses a member's partition as its output" "! raidmig cat -o /dev/vdb1 /dev/vda /dev/vdb /dev/vdc && grep -q '/dev/vdb1: is /dev/vdb, a member' /tmp/o"
ck "cat refuses a member as its output" "! raidmig cat -o /dev/vdc /dev/vda /dev/vdb /dev/vdc && grep -q 'is /dev/vdc, a member' /tmp/o"
ck "the member is unchanged" "[ \"$(sha /dev/vdb)\" = $b ]"
ck "cat of the block devices gives the data" "[ \"$(raidmig cat /dev/vda /dev/vdb /dev/vdc | head -c 3145728 | sha256sum | cut -d' ' -f1)\" = $ds ]"
ck "md assembles what raidmig wrote on block devices" "mdadm --assemble /dev/md/in /dev/vda /dev/vdb /dev/vdc"
ck "md's bytes are the data" "[ \"$(head -c 3145728 /dev/md/in | sha256sum | cut -d' ' -f1)\" = $ds ]"
ck "resume refuses members md holds (O_EXCL)" "! raidmig resume /dev/vda /dev/vdb /dev/vdc && grep -q 'busy' /tmp/o"
mdadm --stop /dev/md/in >/dev/null 2>&1
pd=$(head -c 3145728 /dev/vdd1 | sha256sum | cut -d' ' -f1)
ck "convert partitions" "raidmig convert --level 1 --yes --force --name parts /dev/vdd1 /dev/vde1"
ck "cat refuses the disk holding a member partition as its output" "! raidmig cat -o /dev/vde /dev/vdd1 /dev/vde1 && grep -q '/dev/vde: is /dev/vde1, a member' /tmp/o"
ck "md assembles the partitions" "mdadm --assemble /dev/md/parts /dev/vdd1 /dev/vde1"
ck "its bytes are the partition's data" "[ \"$(head -c 3145728 /dev/md/parts | sha256sum | cut -d' ' -f1)\" = $pd ]"
mdadm --stop /dev/md/parts >/dev/null 2>&1
echo DONE
'''
    path = s.path("vm-inside.sh")
    with open(path, "w") as f:
        f.write(script)
    r = run([VMRUN, "--timeout", "600", "--with", RAIDMIG, path, src, m1, m2, p1, p2],
            stdin=subprocess.DEVNULL)
    out = r.stdout.decode(errors="replace")
    if r.returncode == 77:
        print(out.strip())
        sys.exit(77)
    for line in out.splitlines():
        if line.startswith("RESULT ok "):
            s.result(True, "in", line[len("RESULT ok in "):])
        elif line.startswith("RESULT FAIL "):
            print("FAIL " + line[len("RESULT FAIL "):], flush=True)
            s.results.append(False)
    if "DONE" not in out:
        s.result(False, "in", "the VM ran the whole script", out[-2000:])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("suite", choices=["md", "levels", "bitmap", "inside"])
    p.add_argument("--work")
    a = p.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="raidmig-vm-")
    os.makedirs(work, exist_ok=True)
    s = Suite(work)
    try:
        {"md": suite_md, "levels": suite_levels, "bitmap": suite_bitmap,
         "inside": suite_inside}[a.suite](s)
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
    bad = s.results.count(False)
    print("%s: %d checks, %d failed (%s)" % (a.suite, len(s.results), bad,
                                            open(os.path.join(
                                                os.environ.get("RAIDMIG_VM_CACHE", "/var/cache/raidmig-vm"),
                                                "kernel", "version")).read().split()[0]
                                            if os.path.exists(os.path.join(
                                                os.environ.get("RAIDMIG_VM_CACHE", "/var/cache/raidmig-vm"),
                                                "kernel", "version")) else "kernel ?"))
    sys.exit(1 if bad or not s.results else 0)


if __name__ == "__main__":
    main()
