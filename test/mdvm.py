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
  - mdadm --grow --bitmap=internal on a finished redundant array, then check;
  - disks as people have them (suite sources): partitioned by sgdisk and
    sfdisk defaults, whole-disk ext4, xfs, btrfs, an LVM physical volume and
    a LUKS volume, their data to the end of the disk, each checked by its
    own tools on the md device (xfs_repair, btrfs check, lvm, cryptsetup).

  mdvm.py SUITE [--work DIR]      SUITE: md, levels, bitmap, inside, sources
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
LUKS_KEY = "raidmig-test-key-4f1c9a"


def vm_run(args):
    """Boot the VM (test/vm/run ARGS): its result and console output; exit
    77 when the VM cannot be set up, with the reason."""
    r = run([VMRUN] + args, stdin=subprocess.DEVNULL)
    out = r.stdout.decode(errors="replace")
    if r.returncode == 77:
        print(out.strip())
        sys.exit(77)
    return r, out


class Case:
    """One array: NAME, level, layout, chunk, members, the source's kind."""

    def __init__(self, name, level, members, chunk="64K", layout=None, kind="random",
                 data=3 * MiB, size=None, missing=None, interrupt=None, source=None):
        self.name, self.level, self.n, self.chunk, self.layout = name, level, members, chunk, layout
        self.kind, self.data = kind, data
        # source: how suite sources makes the disk (sgdisk, sfdos, sfgpt, mkfs.ext4, xfs,
        # btrfs, lvm, luks); kind then says what the VM checks on the md device
        self.source = source
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
        self.finish_source(c)

    def finish_source(self, c, scribble=False):
        """The blank members, and a copy of the source as it was (sparse).
        scribble: random bytes over the end of the source's data first (free
        space of its filesystem, where a used disk holds old data), from 64 KiB
        before the place of the array's configuration area on it: what moves
        out of that place is then not zeros, which a move that never happened
        would also leave."""
        for img in c.images[1:]:
            with open(self.path(img), "wb"):
                pass
            os.truncate(self.path(img), c.size)
        if scribble:
            r = run([RAIDMIG, "plan", "--json", "--level", str(c.level), "--chunk", c.chunk]
                    + (["--layout", c.layout] if c.layout else []) + c.images, cwd=self.work)
            if r.returncode:
                raise RuntimeError("plan: " + r.stderr.decode())
            p = json.loads(r.stdout)
            if c.level == 10:
                member_data = p["capacity"] * int(c.layout[1:]) // c.n
            else:
                member_data = p["capacity"] // (c.n - {0: 0, 4: 1, 5: 1, 6: 2}[c.level])
            tail = max(p["data_size"] - member_data, 0) + 64 * 1024
            with open(self.path(c.images[0]), "r+b") as f:
                f.seek(p["data_size"] - tail)
                f.write(os.urandom(tail))
            c.scribbled = tail
        r = run(["cp", "--sparse=always", self.path(c.images[0]), self.path(c.name + "-orig.img")])
        if r.returncode:
            raise RuntimeError("cp: " + r.stderr.decode())

    def files(self, c, payload=2 * MiB):
        """A directory of files for a filesystem: payload.bin (random), hello.txt."""
        files = self.path(c.name + "-files")
        os.makedirs(files, exist_ok=True)
        data = os.urandom(payload)
        with open(os.path.join(files, "payload.bin"), "wb") as f:
            f.write(data)
        with open(os.path.join(files, "hello.txt"), "w") as f:
            f.write("raidmig %s\n" % c.name)
        c.file_sha = hashlib.sha256(data).hexdigest()
        return files

    def make_disk(self, c):
        """A disk as its tools make it by default (suite sources): the data runs
        to the end of the disk. LVM and LUKS are finished in a first boot."""
        src = self.path(c.images[0])
        open(src, "wb").close()
        os.truncate(src, c.size)

        def must(cmd, **kw):
            r = run(cmd, **kw)
            if r.returncode:
                raise RuntimeError("%s: exit %d: %s" % (cmd[0], r.returncode, r.stderr.decode()))
            return r
        if c.source in ("sgdisk", "sfdos", "sfgpt"):
            if c.source == "sgdisk":
                must(["sgdisk", "-n", "1:0:0", src])
            else:
                must(["sfdisk", "-q", src], input=b"label: %s\n,\n" % (b"dos" if c.source == "sfdos" else b"gpt"))
            part = json.loads(must(["sfdisk", "-J", src]).stdout)["partitiontable"]["partitions"][0]
            c.part_start, c.part_size = part["start"] * 512, part["size"] * 512
            must(["mke2fs", "-q", "-t", "ext4", "-F", "-E", "offset=%d" % c.part_start,
                  "-d", self.files(c), src, "%dk" % (c.part_size // 1024)])
        elif c.source == "mkfs.ext4":
            must(["mkfs.ext4", "-q", "-F", "-d", self.files(c), src])
        elif c.source == "xfs":
            files = self.files(c)
            proto = self.path(c.name + ".proto")
            with open(proto, "w") as f:
                f.write("/dev/null\n0 0\nd--755 0 0\npayload.bin ---644 0 0 %s\nhello.txt ---644 0 0 %s\n$\n" %
                        (os.path.join(files, "payload.bin"), os.path.join(files, "hello.txt")))
            must(["mkfs.xfs", "-q", "-f", "-p", proto, src])
        elif c.source == "btrfs":
            must(["mkfs.btrfs", "-q", "-f", "--rootdir", self.files(c), src])
        elif c.source in ("lvm", "luks"):
            # the filesystem inside, copied in by the first boot
            inner = self.path(c.name + "-inner.img")
            open(inner, "wb").close()
            os.truncate(inner, c.inner_size)
            # 4 KiB blocks: LUKS2 picks 4 KiB sectors, which 1 KiB blocks cannot mount on
            must(["mkfs.ext4", "-q", "-F", "-b", "4096", "-d", self.files(c), inner])
            if c.source == "luks":
                with open(self.path("luks.key"), "w") as f:
                    f.write(LUKS_KEY)
                must(["cryptsetup", "luksFormat", "-q", "--type", "luks2", "--pbkdf", "pbkdf2",
                      "--pbkdf-force-iterations", "1000", "--key-file", self.path("luks.key"), src])
        else:
            raise RuntimeError("unknown source " + str(c.source))

    def convert(self, c, expect_move=False):
        args = [RAIDMIG, "convert", "--yes", "--json", "--level", str(c.level), "--chunk", c.chunk,
                "--name", c.name] + (["-v"] if expect_move else [])
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
        if expect_move:
            err = r.stderr.decode()
            self.result("into the configuration area's place: they move to" in err, c.name,
                        "raidmig convert: the data to the end of the disk moves out of the configuration area's way",
                        err[-800:])
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

    def prepare(self, cases):
        """The first boot of suite sources: LVM's volume group and logical
        volume, the LUKS volume opened; the ext4 made on the host (NAME-inner.img,
        attached after the source) copied in and grown to fill the volume."""
        s = [r'''
res() { echo "RESULT $*"; }
dev_of() { awk -v n="$1" '$2 == n { print "/dev/" $1 }' /disks; }
for m in dm-mod dm-crypt xts aesni-intel algif_skcipher; do modprobe $m; done
printf '%s' '{key}' >/tmp/luks.key
fill() {	# fill NAME INNER VOLUME: the ext4 copied in, grown to the volume's size
	dd if="$2" of="$3" bs=1M 2>/tmp/dd && resize2fs -f "$3" >>/tmp/dd 2>&1 && e2fsck -fn "$3" >>/tmp/dd 2>&1 &&
		res ok $1 "in the first boot: the ext4 copied in, grown to fill $3, e2fsck -fn clean" ||
		res FAIL $1 "in the first boot: the ext4 copied in, grown to fill $3, e2fsck -fn clean" "$(tail -5 /tmp/dd)"
}
'''.replace("{key}", LUKS_KEY)]
        images = []
        for c in cases:
            images += [self.path(c.images[0]), self.path(c.name + "-inner.img")]
            src, inner = "$(dev_of %s)" % c.images[0], "$(dev_of %s-inner.img)" % c.name
            if c.source == "lvm":
                s.append(r'''
if pvcreate -q {src} >/tmp/o 2>&1 && vgcreate -q rmvg {src} >>/tmp/o 2>&1 &&
   lvcreate -q -n lv -l 100%FREE rmvg >>/tmp/o 2>&1 && [ -b /dev/rmvg/lv ]; then
	res ok {nm} "in the first boot: pvcreate, vgcreate, lvcreate -l 100%FREE"
	fill {nm} {inner} /dev/rmvg/lv
	vgchange -an rmvg >/dev/null 2>&1
else
	res FAIL {nm} "in the first boot: pvcreate, vgcreate, lvcreate -l 100%FREE" "$(cat /tmp/o)"
fi
'''.format(nm=c.name, src=src, inner=inner))
            elif c.source == "luks":
                s.append(r'''
if cryptsetup open --key-file /tmp/luks.key {src} rmluks >/tmp/o 2>&1 && [ -b /dev/mapper/rmluks ]; then
	res ok {nm} "in the first boot: cryptsetup open"
	fill {nm} {inner} /dev/mapper/rmluks
	cryptsetup close rmluks
else
	res FAIL {nm} "in the first boot: cryptsetup open" "$(cat /tmp/o)"
fi
'''.format(nm=c.name, src=src, inner=inner))
        s.append("echo DONE\n")
        script = self.path("vm-prepare.sh")
        with open(script, "w") as f:
            f.write("".join(s))
        r, out = vm_run(["--timeout", "600", "--storage", script] + images)
        for line in out.splitlines():
            if line.startswith("RESULT "):
                parts = line.split(" ", 3)
                if parts[1] == "ok":
                    self.result(True, parts[2], parts[3])
                else:
                    print("FAIL " + line[len("RESULT FAIL "):], flush=True)
                    self.results.append(False)
        if "DONE" not in out or r.returncode:
            self.result(False, "prepare", "the VM ran the whole script", "exit %d\n%s\n%s" %
                        (r.returncode, out[-2000:], r.stderr.decode(errors="replace")[-2000:]))

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
        if "storage" in checks:
            s.append(r'''
for m in dm-mod dm-crypt xts aesni-intel algif_skcipher xfs btrfs; do
	modprobe $m >/tmp/out 2>&1 || res FAIL vm "modprobe $m" "$(cat /tmp/out)"
done
# sha256sum reads a block device much faster than a pipe under TCG: the
# first $2 bytes through a device-mapper linear map
sha_of() {
	if [ $(($2 % 512)) -eq 0 ] && echo "0 $(($2 / 512)) linear $1 0" | dmsetup create rmhead >/dev/null 2>&1; then
		sha256sum /dev/$(dmsetup info -c --noheadings -o blkdevname rmhead | tr -d ' ') | cut -d' ' -f1
		dmsetup remove rmhead
	else
		head -c "$2" "$1" | sha256sum | cut -d' ' -f1
	fi
}
printf '%s' '{key}' >/tmp/luks.key
'''.replace("{key}", LUKS_KEY))
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
            if c.kind == "lvm":
                # LVM looks for md superblocks at the end of disks too (the VM's
                # lvm.conf: md_component_checks = "full"): it must see raidmig's
                s.append(r'''
pvs --noheadings -o pv_name,vg_name >/tmp/pvs 2>&1
if grep -q rmvg /tmp/pvs; then
	res FAIL {nm} "before the assembly LVM takes no member for the PV: it sees the md superblock" "$(cat /tmp/pvs)"
else
	res ok {nm} "before the assembly LVM takes no member for the PV: it sees the md superblock"
fi
'''.format(nm=nm))
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
            fstype = {"gpt": None, "ext4": "ext4", "xfs": "xfs", "btrfs": "btrfs", "lvm": "LVM2_member",
                      "luks": "crypto_LUKS"}.get(c.kind)
            if c.source and fstype:
                s.append(r'''
	t=$(blkid -p -o value -s TYPE /dev/$md)
	[ "$t" = "{t}" ] && res ok {nm} "blkid -p on the md device: {t}" || res FAIL {nm} "blkid -p on the md device: {t}" "$t"
'''.format(nm=nm, t=fstype))
            if c.source in ("sgdisk", "sfdos", "sfgpt"):
                pt = "dos" if c.source == "sfdos" else "gpt"
                s.append(r'''
	t=$(blkid -p -o value -s PTTYPE /dev/$md)
	[ "$t" = "{t}" ] && res ok {nm} "blkid -p on the md device: a {t} partition table" || res FAIL {nm} "blkid -p on the md device: a {t} partition table" "$t"
'''.format(nm=nm, t=pt))
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
            if c.kind in ("xfs", "btrfs"):
                tool = "xfs_repair -n" if c.kind == "xfs" else "btrfs check --readonly"
                s.append(r'''
	{tool} /dev/$md >/tmp/fsck 2>&1 && res ok {nm} "{tool} clean" || res FAIL {nm} "{tool} clean" "$(tail -5 /tmp/fsck)"
	f=; mkdir -p /mnt/{nm}
	if mount -o ro -t {fs} /dev/$md /mnt/{nm} >/tmp/o 2>&1; then
		f=$(sha256sum /mnt/{nm}/payload.bin | cut -d' ' -f1); umount /mnt/{nm}
	fi
	[ "$f" = "{fsha}" ] && res ok {nm} "a file read through a mount ({fs})" || res FAIL {nm} "a file read through a mount ({fs})" "$f $(cat /tmp/o; dmesg | tail -3)"
'''.format(nm=nm, tool=tool, fs=c.kind, fsha=c.file_sha))
            if c.kind == "lvm":
                s.append(r'''
	pvs --noheadings -o pv_name,vg_name >/tmp/pvs 2>&1
	if [ "$(awk '$2 == "rmvg" {{ print $1 }}' /tmp/pvs)" = /dev/$md ] && ! grep -qi "duplicate\|not using\|warning" /tmp/pvs; then
		res ok {nm} "pvs: the volume group's one PV is /dev/$md, no duplicate on a member"
	else
		res FAIL {nm} "pvs: the volume group's one PV is /dev/$md, no duplicate on a member" "$(cat /tmp/pvs)"
	fi
	if vgchange -ay rmvg >/tmp/o 2>&1 && [ -b /dev/rmvg/lv ]; then
		res ok {nm} "vgchange -ay: /dev/rmvg/lv"
		e2fsck -fn /dev/rmvg/lv >/tmp/fsck 2>&1 && res ok {nm} "e2fsck -fn clean on the logical volume" || res FAIL {nm} "e2fsck -fn clean on the logical volume" "$(tail -3 /tmp/fsck)"
		f=; mkdir -p /mnt/{nm} && mount -o ro /dev/rmvg/lv /mnt/{nm} && f=$(sha256sum /mnt/{nm}/payload.bin | cut -d' ' -f1) && umount /mnt/{nm}
		[ "$f" = "{fsha}" ] && res ok {nm} "a file read through the logical volume's mount" || res FAIL {nm} "a file read through the logical volume's mount" "$f"
		vgchange -an rmvg >/dev/null 2>&1
	else
		res FAIL {nm} "vgchange -ay: /dev/rmvg/lv" "$(cat /tmp/o)"
	fi
'''.format(nm=nm, fsha=c.file_sha))
            if c.kind == "luks":
                s.append(r'''
	cryptsetup isLuks /dev/$md && res ok {nm} "cryptsetup isLuks" || res FAIL {nm} "cryptsetup isLuks" "no"
	if cryptsetup open --key-file /tmp/luks.key /dev/$md rmluks >/tmp/o 2>&1 && [ -b /dev/mapper/rmluks ]; then
		res ok {nm} "cryptsetup open with the key file"
		e2fsck -fn /dev/mapper/rmluks >/tmp/fsck 2>&1 && res ok {nm} "e2fsck -fn clean inside" || res FAIL {nm} "e2fsck -fn clean inside" "$(tail -3 /tmp/fsck)"
		f=; mkdir -p /mnt/{nm} && mount -o ro /dev/mapper/rmluks /mnt/{nm} && f=$(sha256sum /mnt/{nm}/payload.bin | cut -d' ' -f1) && umount /mnt/{nm}
		[ "$f" = "{fsha}" ] && res ok {nm} "a file read through the mount inside" || res FAIL {nm} "a file read through the mount inside" "$f"
		cryptsetup close rmluks
	else
		res FAIL {nm} "cryptsetup open with the key file" "$(cat /tmp/o)"
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
                # (read-only with the storage checks: no superblock written, so
                # that the whole array assembles again below)
                s.append(r'''
if mdadm --assemble --run {ro}/dev/md/{nm} {kdevs} >/tmp/out 2>&1; then
	md=$(mdname {nm})
	got=$(sha_of /dev/$md {ds})
	[ "$got" = "{sha}" ] && res ok {nm} "{what}" || res FAIL {nm} "{what}" "$got"
	mdadm --stop /dev/md/{nm} >/dev/null 2>&1
else
	res FAIL {nm} "{what}" "$(cat /tmp/out)"
fi
'''.format(nm=nm, kdevs=kdevs, ds=c.data_size, sha=c.expect_sha, what=what,
           ro="--readonly " if "storage" in checks else ""))
            if c.source in ("sgdisk", "sfgpt"):
                # what raidmig's closing message says to do for a GPT, last
                # (it writes): the backup header moved to the new end, the
                # partition table read again, the filesystem still clean,
                # and md's check after the writes
                s.append(r'''
if mdadm --assemble /dev/md/{nm} {devs} >/tmp/out 2>&1; then
	md=$(mdname {nm})
	wait_idle $md
	if sgdisk -e /dev/$md >/tmp/o 2>&1 && sgdisk -v /dev/$md >>/tmp/o 2>&1 && grep -q "No problems found" /tmp/o; then
		res ok {nm} "sgdisk -e moves the backup GPT to the md device's end; sgdisk -v: no problems"
	else
		res FAIL {nm} "sgdisk -e moves the backup GPT to the md device's end; sgdisk -v: no problems" "$(tail -8 /tmp/o)"
	fi
	blockdev --rereadpt /dev/$md
	e2fsck -fn /dev/${{md}}p1 >/tmp/fsck 2>&1 && res ok {nm} "then: e2fsck -fn clean on the partition" || res FAIL {nm} "then: e2fsck -fn clean on the partition" "$(tail -3 /tmp/fsck)"
	if [ -e /sys/block/$md/md/sync_action ]; then
		echo check > /sys/block/$md/md/sync_action; sleep 0.2; wait_idle $md
		mm=$(cat /sys/block/$md/md/mismatch_cnt)
		[ "$mm" = 0 ] && res ok {nm} "then: md check: mismatch_cnt 0" || res FAIL {nm} "then: md check: mismatch_cnt 0" "$mm"
	fi
	mdadm --stop /dev/md/{nm} >/dev/null 2>&1
else
	res FAIL {nm} "mdadm --assemble, once more" "$(cat /tmp/out)"
fi
'''.format(nm=nm, devs=devs))
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
        r, out = vm_run(["--timeout", "1200", "--mem", "768"] + (["--storage"] if "storage" in checks else [])
                        + [script] + images)
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
    r, out = vm_run(["--timeout", "600", "--with", RAIDMIG, path, src, m1, m2, p1, p2])
    for line in out.splitlines():
        if line.startswith("RESULT ok "):
            s.result(True, "in", line[len("RESULT ok in "):])
        elif line.startswith("RESULT FAIL "):
            print("FAIL " + line[len("RESULT FAIL "):], flush=True)
            s.results.append(False)
    if "DONE" not in out:
        s.result(False, "in", "the VM ran the whole script", out[-2000:])


def suite_sources(s):
    """Disks as people have them (issue 17): partitioned by sgdisk and sfdisk
    defaults, formatted whole by mkfs.ext4, mkfs.xfs, mkfs.btrfs, an LVM
    physical volume and a LUKS2 volume, all with data to the end of the
    disk; converted on the host, checked in the VM with each format's own
    tools on the md device. LVM and LUKS need device-mapper, which this
    host may lack: a first boot makes the volume group and logical volume,
    opens the LUKS volume, and copies an ext4 into each (then grows it to
    fill the volume)."""
    need = {"sgdisk": "gdisk", "sfdisk": "fdisk", "mke2fs": "e2fsprogs", "mkfs.xfs": "xfsprogs",
            "xfs_repair": "xfsprogs", "mkfs.btrfs": "btrfs-progs", "btrfs": "btrfs-progs", "lvm": "lvm2",
            "dmsetup": "dmsetup", "cryptsetup": "cryptsetup-bin"}
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    missing = sorted(set(pkg for tool, pkg in need.items() if not shutil.which(tool, path=path)))
    if missing:
        s.result(False, "sources", "the tools are here", "missing: test/deps installs " + " ".join(missing))
        return
    cases = [
        Case("gpt5", 5, 3, kind="gpt", source="sgdisk", size=24 * MiB),
        Case("dos6", 6, 4, kind="gpt", source="sfdos", size=24 * MiB),
        # sfdisk ends a GPT partition on a MiB boundary: no move needed there
        Case("sfgpt10", 10, 4, layout="n2", kind="gpt", source="sfgpt", size=24 * MiB),
        Case("ext0", 0, 2, kind="ext4", source="mkfs.ext4", size=32 * MiB),
        Case("xfs0", 0, 2, kind="xfs", source="xfs", size=320 * MiB),
        Case("xfs5", 5, 3, kind="xfs", source="xfs", size=320 * MiB, missing=[]),
        Case("btr5", 5, 3, kind="btrfs", source="btrfs", size=128 * MiB),
        # 1 MiB of LVM label and metadata, then 16 extents of 4 MiB: the LV ends at the disk's end
        Case("lvm0", 0, 2, kind="lvm", source="lvm", size=65 * MiB),
        Case("luks0", 0, 2, kind="luks", source="luks", size=64 * MiB),
    ]
    for c in cases:
        c.inner_size = 32 * MiB
        s.make_disk(c)
    s.prepare([c for c in cases if c.source in ("lvm", "luks")])
    for c in cases:
        s.finish_source(c, scribble=True)
        if c.source in ("xfs", "btrfs", "mkfs.ext4"):
            tool = {"xfs": ["xfs_repair", "-n", "-f"], "btrfs": ["btrfs", "check", "--readonly"],
                    "mkfs.ext4": ["e2fsck", "-fn"]}[c.source]
            r = run(tool + [s.path(c.images[0])])
            s.result(r.returncode == 0, c.name, "%s on the host: the source is clean with %d random bytes at its end"
                     % (" ".join(tool[:2]), c.scribbled), (r.stdout + r.stderr).decode()[-600:])
        s.convert(c, expect_move=c.source != "sfgpt")
        s.host_checks(c, final=True)
    s.boot(cases, {"storage", "degraded"}, "sources")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("suite", choices=["md", "levels", "bitmap", "inside", "sources"])
    p.add_argument("--work")
    a = p.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="raidmig-vm-")
    os.makedirs(work, exist_ok=True)
    s = Suite(work)
    try:
        {"md": suite_md, "levels": suite_levels, "bitmap": suite_bitmap,
         "inside": suite_inside, "sources": suite_sources}[a.suite](s)
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
