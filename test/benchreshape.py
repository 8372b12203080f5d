#!/usr/bin/env python3
"""test/benchreshape.py (make bench-reshape): migrating an md array against
the raw copy of the same bytes, in one run, variants alternated.

Cases (members of --size each, 64 KiB chunk, image files or --loop):
  grow5    an array raidmig made, RAID5 over 3, grown to RAID5 over 4: the
           whole old volume (2 members' worth) is read and rewritten with
           its parity over 4 members
  revert0  RAID0 over 2 (a converted GPT disk whose partition holds 0.9 of
           a member) turned back into one plain disk, member 0
  r6keep   RAID5 over 3 to RAID6 over 4 in the -6 layout (Q written alone)
  r6restripe  the same restriped to left-symmetric (every unit staged)
  chunk5   RAID5 over 3, chunk 64K to 128K (every unit staged)
Variants:
  raw      test/rawcopy --spread J: the volume's bytes read in batches from
           the old array's J members, the same bytes written to the same
           member offsets as the new layout puts them (1/K of each batch a
           member, K the new data chunks per row), one flush at the end
  raw-ovl  the same with one thread reading ahead while the other writes
  raw-par  raw-ovl with every member read and written in a thread of its
           own (rawcopy --parallel): the members are separate disks, and
           this is the fastest these bytes can be moved over them
  raidmig  raidmig convert / revert with its defaults (lazy checkpoints)
  alt      with --alt BINARY: the same with another build (an A/B test)
Every run starts from the same member bytes, page cache dropped, and ends
with its data flushed. Medians; ratio = raw seconds / variant seconds.
The bytes raidmig wrote are printed beside the least the pair of layouts
needs (test/minwrite.py: every piece of the new rows that the old layout
does not already hold there).

With --profiles hdd,ssd every variant runs on the disk model's throttled
loop devices (test/diskmodel.py: a bandwidth per device for reads and one
for writes, a delay in every flush), as make bench does for conversions.

  --size 512M --reps 3 --cases grow5,revert0 [--loop | --profiles hdd,ssd]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "test"))
from bench import RAIDMIG, RAW, drop_caches, run_child  # noqa: E402
from diskmodel import num  # noqa: E402
import minwrite  # noqa: E402

CASES = {
    # name: (first conversion, old members, migration, new members, read spread, K, written members)
    "grow5": (["--level", "5"], 3, ["convert"], 4, 3, 3, 4),
    "revert0": (["--level", "0"], 2, ["revert"], 2, 2, 1, 1),
    # issue 18: RAID5 over 3 to RAID6 over 4 keeping the data (-6: Q alone)
    # and restriped to left-symmetric; a chunk change at the same width
    "r6keep": (["--level", "5"], 3, ["convert", "--level", "6"], 4, 3, 2, 4),
    "r6restripe": (["--level", "5"], 3, ["convert", "--level", "6", "--layout", "left-symmetric"], 4, 3, 2, 4),
    "chunk5": (["--level", "5"], 3, ["convert", "--chunk", "128K"], 3, 3, 2, 3),
}


class Case:
    def __init__(self, a, name):
        self.a, self.name = a, name
        self.first, self.n_old, self.action, self.n, self.spread, self.k, self.nw = CASES[name]
        self.dir = os.path.join(a.dir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.files = [os.path.join(self.dir, "m%d.img" % i) for i in range(self.n)]
        self.pristine = [f + ".pristine" for f in self.files[:self.n_old]]
        self.loops = []
        self.model = None
        size = num(a.size)
        src = self.files[0]
        with open(src, "wb") as f:
            f.truncate(size)
        if self.action[0] == "revert":      # a partition: where the data ends
            part = size * 9 // 10 // (1 << 20) * (1 << 20)
            subprocess.run(["sfdisk", "-q", src], input=b"label: gpt\nstart=2048, size=%d\n" %
                           ((part - (1 << 20)) // 512), check=True, capture_output=True)
            fill(src, 1 << 20, part - (1 << 20))
        else:
            fill(src, 0, size - (8 << 20))
        for f in self.files[1:self.n_old]:
            with open(f, "wb") as h:
                h.truncate(size)
        subprocess.run([a.raidmig, "convert", "--yes"] + self.first + self.files[:self.n_old],
                       check=True, capture_output=True)
        for f, p in zip(self.files, self.pristine):
            os.rename(f, p)
        self.reset()
        planned = ["--revert"] if self.action[0] == "revert" else self.action[1:]
        out = subprocess.run([a.raidmig, "plan", "--json"] + planned + self.files, capture_output=True)
        self.plan = json.loads(out.stdout) if out.returncode == 0 else None
        self.data = self.plan["data_size"] if self.plan else None
        if self.action[0] == "revert":
            self.data = part
        # what the pair of layouts needs written at the least (test/minwrite.py)
        self.needed = minwrite.needed(self.plan) if self.plan else None

    def reset(self, model=None):
        self.detach()
        for f, p in zip(self.files, self.pristine):
            shutil.copyfile(p, f)
        for f in self.files[self.n_old:]:
            if os.path.exists(f):
                os.unlink(f)
            with open(f, "wb") as h:
                h.truncate(os.path.getsize(self.pristine[0]))
        if model:
            self.model = model
            self.loops = model.attach(self.files)
        elif self.a.loop:
            for f in self.files:
                self.loops.append(subprocess.run(["losetup", "-f", "--show", "--direct-io=on", f],
                                                 capture_output=True, check=True).stdout.decode().strip())
        self.dropped = drop_caches()
        return self.loops or self.files

    def detach(self):
        if self.model:
            self.model.detach()
            self.model = None
            self.loops = []
        for dev in self.loops:
            subprocess.run(["losetup", "-d", dev])
        self.loops = []

    def variants(self):
        raw = [self.a.rawcopy, "--spread", str(self.spread), "--write", str(self.nw),
               str(self.data), str(self.k), "0"]
        return [("raw", lambda m: raw + m),
                ("raw-ovl", lambda m: [raw[0], "--overlap"] + raw[1:] + m),
                ("raw-par", lambda m: [raw[0], "--overlap", "--parallel"] + raw[1:] + m),
                ("raidmig", lambda m: [self.a.raidmig] + self.action + ["--yes", "--json"] + m)] + \
            ([("alt", lambda m: [self.a.alt] + self.action + ["--yes", "--json"] + m)] if self.a.alt else [])


def fill(path, off, length):
    with open(path, "r+b") as f, open("/dev/urandom", "rb") as u:
        f.seek(off)
        while length:
            k = min(length, 64 << 20)
            f.write(u.read(k))
            length -= k


def describe(model):
    import diskmodel
    return "profile " + diskmodel.describe(model.p) + ", loop devices (direct I/O)"


def bench(a, name, model=None):
    c = Case(a, name)
    vs = c.variants()
    res = {v: [] for v, _ in vs}
    try:
        for rep in range(a.reps):
            for v, cmd in vs[rep % len(vs):] + vs[:rep % len(vs)]:
                if model:
                    r = model.run(cmd(c.reset(model)), stderr=True)
                    secs, out = r.secs, r.out
                else:
                    secs, rss, out = run_child(cmd(c.reset()))
                summ = json.loads(out.strip().splitlines()[-1]) if not v.startswith("raw") else \
                    {"metadata_writes": 0, "flushes": c.nw}
                res[v].append((secs, summ))
    finally:
        c.detach()
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(c.dir, ignore_errors=True)
    raw = statistics.median(x[0] for x in res["raw"])
    ovl = statistics.median(x[0] for x in res["raw-ovl"])
    par = statistics.median(x[0] for x in res["raw-par"])
    print("\n%s: %s over %d to %s over %d, %s members, %.0f MB of volume data, %s, page cache %s, "
          "%d reps (median):" % (name, " ".join(c.first), c.n_old, " ".join(c.action), c.nw,
                                 a.size, c.data / 1e6,
                                 describe(model) if model else
                                 "loop devices (direct I/O)" if a.loop else "image files",
                                 "dropped" if c.dropped else "NOT dropped", a.reps))
    print("  %-8s %8s %8s %7s %7s %7s %8s %8s  %s" % ("variant", "seconds", "MB/s", "ratio", "vs ovl",
                                                     "vs par", "meta wr", "flushes", "checkpoints"))
    for v, _ in vs:
        secs = statistics.median(x[0] for x in res[v])
        s = res[v][-1][1]
        ck = " ".join("%s=%d" % kv for kv in s.get("checkpoints", {}).items())
        print("  %-8s %8.2f %8.1f %7.2f %7.2f %7.2f %8d %8d  %s" % (
            v, secs, c.data / 1e6 / secs, raw / secs, ovl / secs, par / secs, s["metadata_writes"],
            s["flushes"], ck))
    if "bytes_written" in res["raidmig"][-1][1]:
        wrote = res["raidmig"][-1][1]["bytes_written"]
        print("  raidmig wrote %.1f MB (%.2f times the volume's data)" % (wrote / 1e6, wrote / c.data), end="")
        if c.needed:
            print("; the pair of layouts needs %.1f MB (test/minwrite.py): %.2f times that" % (
                c.needed / 1e6, wrote / c.needed), end="")
        print()
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", default="512M")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--cases", default="grow5,revert0")
    p.add_argument("--loop", action="store_true")
    p.add_argument("--profiles", default="", help="hdd,ssd: the disk model (test/diskmodel.py)")
    p.add_argument("--dir", default=os.path.join(TOP, "test", "work", "bench-reshape"))
    p.add_argument("--raidmig", default=RAIDMIG)
    p.add_argument("--rawcopy", default=RAW)
    p.add_argument("--alt", default="", help="another raidmig binary, timed as variant alt (A/B)")
    a = p.parse_args()
    a.raidmig, a.rawcopy = os.path.abspath(a.raidmig), os.path.abspath(a.rawcopy)
    a.alt = a.alt and os.path.abspath(a.alt)
    if not a.profiles:
        for name in a.cases.split(","):
            bench(a, name)
        return
    import diskmodel
    diskmodel.interrupt_on_term()
    for prof in a.profiles.split(","):
        with diskmodel.DiskModel(diskmodel.profile(prof)) as model:
            for name in a.cases.split(","):
                bench(a, name, model)


if __name__ == "__main__":
    main()
