#!/usr/bin/env python3
"""test/bench.py (make bench): raidmig against the raw limit, in one run.

For each member count it makes a source image of incompressible data and
blank members, then times, alternating in every repetition:
  raw    test/rawcopy: the same bytes to the same member offsets, same I/O
         mode and batches, one flush at the end (the limit)
  lazy   raidmig convert (the patent's lazy checkpoints, defaults)
  every  raidmig convert --checkpoint-every-unit (the prior art)
  journal  raidmig convert with a journal of --journal-writes host writes
Every timed run starts from the same bytes with the page cache dropped
(echo 3 > /proc/sys/vm/drop_caches) and ends with its data flushed, so the
disk is measured, not memory. Medians are printed, with the ratio of the
raw limit's time to each (1.0 = as fast as a raw copy), metadata writes,
flushes and peak RSS. No pass or fail: numbers only.

  --size 2G --members 2,4 --chunk 64K --reps 3 --journal-writes 1000
  --loop             loop devices (direct I/O) instead of image files
  --rss 1G,8G        also: peak RSS of one lazy convert at each size
  --scale 256M,1G,4G,8G  also: seconds per GiB and checkpoints at each size
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAIDMIG = os.path.join(TOP, "raidmig")
RAW = os.path.join(TOP, "test", "rawcopy")
TAIL = 1 << 20


def num(s):
    m = 1
    if s[-1] in "KMGT":
        m = 1024 ** ("KMGT".index(s[-1]) + 1)
        s = s[:-1]
    return int(s) * m


def drop_caches():
    subprocess.run(["sync"])
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def run_child(cmd):
    """Fork, exec and wait4, to get the child's own peak RSS."""
    t0 = time.monotonic()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(w, 1)
        os.close(r)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.execv(cmd[0], cmd)
    os.close(w)
    out = b""
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        out += b
    os.close(r)
    _, status, ru = os.wait4(pid, 0)
    secs = time.monotonic() - t0
    if status != 0:
        sys.exit("bench: %s failed (status %d)" % (" ".join(cmd), status))
    return secs, ru.ru_maxrss, out.decode()


class Setup:
    def __init__(self, a, n, size):
        self.a, self.n, self.size = a, n, size
        self.dir = os.path.join(a.dir, "m%d-%d" % (n, size))
        os.makedirs(self.dir, exist_ok=True)
        self.pristine = os.path.join(self.dir, "pristine.img")
        self.files = [os.path.join(self.dir, "m%d.img" % i) for i in range(n)]
        if not os.path.exists(self.pristine) or os.path.getsize(self.pristine) != size + TAIL:
            with open(self.pristine, "wb") as f, open("/dev/urandom", "rb") as u:
                left = size
                while left:
                    k = min(left, 64 << 20)
                    f.write(u.read(k))
                    left -= k
                f.truncate(size + TAIL)
        self.loops = []

    def reset(self):
        """The same starting bytes for every run: pristine source, blank members."""
        self.detach()
        shutil.copyfile(self.pristine, self.files[0])
        for f in self.files[1:]:
            if os.path.exists(f):
                os.unlink(f)
            with open(f, "wb") as h:
                h.truncate(self.size + TAIL)
        if self.a.loop:
            for f in self.files:
                out = subprocess.run(["losetup", "-f", "--show", "--direct-io=on", f],
                                     capture_output=True, check=True).stdout.decode().strip()
                self.loops.append(out)
        self.dropped = drop_caches()
        return self.loops if self.a.loop else self.files

    def detach(self):
        for l in self.loops:
            subprocess.run(["losetup", "-d", l])
        self.loops = []

    def data_size(self):
        chunk = num(self.a.chunk)
        cfg = chunk + 2 * 4096
        return (self.size + TAIL) // 4096 * 4096 - cfg


def journal_file(a, s):
    path = os.path.join(s.dir, "journal.txt")
    rng = random.Random(7)
    ds = s.data_size()
    units = ds // (num(a.chunk) * s.n)
    ats = sorted(rng.randrange(0, units) for _ in range(a.journal_writes))
    with open(path, "w") as f:
        for i, at in enumerate(ats):
            ln = rng.choice([4096, 16384, 65536])
            off = rng.randrange(0, (ds - ln) // 4096) * 4096
            f.write("write at=%d offset=%d length=%d seed=%d\n" % (at, off, ln, i))
    return path


def variants(a, s):
    v = [("raw", lambda m: [RAW, str(num(a.chunk)), str(s.data_size())] + m),
         ("lazy", lambda m: [RAIDMIG, "convert", "--level", "0", "--chunk", a.chunk,
                             "--yes", "--json"] + m),
         ("every", lambda m: [RAIDMIG, "convert", "--level", "0", "--chunk", a.chunk,
                              "--yes", "--json", "--checkpoint-every-unit"] + m)]
    if a.journal_writes:
        j = journal_file(a, s)
        v.append(("journal", lambda m: [RAIDMIG, "convert", "--level", "0", "--chunk",
                                        a.chunk, "--yes", "--json", "--journal", j] + m))
    return v


def bench(a, n):
    s = Setup(a, n, num(a.size))
    vs = variants(a, s)
    res = {name: [] for name, _ in vs}
    for rep in range(a.reps):
        order = vs[rep % len(vs):] + vs[:rep % len(vs)]
        for name, cmd in order:
            members = s.reset()
            secs, rss, out = run_child(cmd(members))
            summ = json.loads(out.strip().splitlines()[-1]) if name != "raw" else \
                {"metadata_writes": 0, "flushes": n}
            res[name].append((secs, rss, summ))
    s.detach()
    raw = statistics.median(x[0] for x in res["raw"])
    mb = s.data_size() / 1e6
    print("\n%d members, %s of data, chunk %s, %s, page cache %s, %d reps (median):"
          % (n, a.size, a.chunk, "loop devices (direct I/O)" if a.loop else "image files",
             "dropped before each run" if s.dropped else "NOT dropped (not root)", a.reps))
    print("  %-8s %8s %8s %7s %10s %8s %9s" % ("variant", "seconds", "MB/s", "ratio",
                                              "meta wr", "flushes", "peak RSS"))
    for name, _ in vs:
        secs = statistics.median(x[0] for x in res[name])
        rss = max(x[1] for x in res[name])
        last = res[name][-1][2]
        print("  %-8s %8.2f %8.1f %7.2f %10d %8d %6.1f MiB" % (
            name, secs, mb / secs, raw / secs, last["metadata_writes"], last["flushes"],
            rss / 1024))
    if os.environ.get("BENCH_KEEP") != "1":
        shutil.rmtree(s.dir)


def rss_and_scale(a):
    sizes = sorted(set((a.rss.split(",") if a.rss else []) + (a.scale.split(",") if a.scale else [])),
                   key=num)
    if not sizes:
        return
    print("\nlazy convert by size (%d members, chunk %s, image files, page cache dropped):"
          % (a.scale_members, a.chunk))
    print("  %-6s %8s %8s %9s %10s  %s" % ("size", "seconds", "s/GiB", "peak RSS", "meta wr",
                                           "checkpoints"))
    for size in sizes:
        s = Setup(a, a.scale_members, num(size))
        members = s.reset()
        secs, rss, out = run_child([RAIDMIG, "convert", "--level", "0", "--chunk", a.chunk,
                                    "--yes", "--json"] + members)
        summ = json.loads(out)
        print("  %-6s %8.2f %8.2f %6.1f MiB %10d  %s" % (
            size, secs, secs / (num(size) / (1 << 30)), rss / 1024, summ["metadata_writes"],
            " ".join("%s=%d" % kv for kv in summ["checkpoints"].items())))
        shutil.rmtree(s.dir)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", default="2G")
    p.add_argument("--members", default="2,4")
    p.add_argument("--chunk", default="64K")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--journal-writes", type=int, default=1000)
    p.add_argument("--loop", action="store_true")
    p.add_argument("--rss", default="")
    p.add_argument("--scale", default="")
    p.add_argument("--scale-members", type=int, default=2)
    p.add_argument("--dir", default=os.path.join(TOP, "test", "work", "bench"))
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    print("raidmig bench: %s" % time.strftime("%Y-%m-%d %H:%M"))
    for n in [int(x) for x in a.members.split(",") if x]:
        bench(a, n)
    rss_and_scale(a)


main()
