#!/usr/bin/env python3
"""test/bench.py (make bench): raidmig against the raw limit, in one run.

For each member count it makes a source image of incompressible data and
blank members, then times, alternating in every repetition:
  raw    test/rawcopy: the same bytes to the same member offsets, same I/O
         mode and batches, one flush at the end (the limit), one thread
  raw-ovl  the same, one thread reading the next batch while another
         writes this one ("vs ovl": the ratio to it)
  lazy   raidmig convert (the patent's lazy checkpoints, defaults)
  every  raidmig convert --checkpoint-every-unit (the prior art)
  journal  raidmig convert with a journal of --journal-writes host writes
Every timed run starts from the same bytes with the page cache dropped
(echo 3 > /proc/sys/vm/drop_caches) and ends with its data flushed, so the
disk is measured, not memory. Medians are printed, with the ratio of the
raw limit's time to each (1.0 = as fast as a raw copy), metadata writes,
flushes and peak RSS. No pass or fail: numbers only.

  --size 2G --members 2,4 --chunk 64K --reps 3 --journal-writes 1000
  --levels 0,1,5,6   the RAID levels (RAID6 only for 4 members and more);
                     the raw limit writes each level's bytes: 1/K of the
                     data to each member, K its data chunks per row
  --loop             loop devices (direct I/O) instead of image files
  --rss 1G,8G        also: peak RSS of one lazy convert at each size
  --scale 256M,1G,4G,8G  also: seconds per GiB and checkpoints at each size
  --raidmig PATH --rawcopy PATH  the binaries to time (default: this tree's)

Disk model (test/diskmodel.py; root, cgroup v1 blkio):
  --profiles hdd,ssd,vm  instead of the image-file tables: one table per
                     profile, every variant (raw included) run on loop
                     devices in direct I/O throttled by a blkio cgroup to
                     the profile's bandwidth per device, with
                     test/flushdelay.so adding the profile's delay to every
                     flush. hdd 160 MB/s, 10 ms; ssd 500 MB/s, 1 ms; vm no
                     throttle, no delay; NAME:BW_MBPS:FLUSH_MS for others.
                     Default --size 256M. Columns: flushes and metadata
                     writes (raidmig's --json; raw: the shim's count) and the
                     time in commits: commit_seconds from --json when raidmig
                     reports it, else estimated as flushes x flush delay
                     (marked "est.": it leaves out the flush's own time and
                     the metadata writes, and under the throttle part of the
                     delay is won back afterwards, see --device-clock)
  --every            with --profiles: also every-unit (the prior art); slow
                     under hdd (~4 flushes per unit, 10 ms each: ~80 s a run
                     at 256M, 2 members)
  --no-check         with --profiles: skip measuring each profile with dd
  --device-clock     with --profiles: the shim's device clock instead of the
                     blkio throttle (test/diskmodel.py): a flush occupies the
                     disk, where the throttle lets the transfers held back
                     during a flush's sleep catch up afterwards
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
sys.path.insert(0, os.path.join(TOP, "test"))
from diskmodel import num  # noqa: E402
RAIDMIG = os.path.join(TOP, "raidmig")
RAW = os.path.join(TOP, "test", "rawcopy")
TAIL = 1 << 20


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
        self.model = None
        self.plans = {}

    def reset(self, model=None):
        """The same starting bytes for every run: pristine source, blank members.
        With a disk model, the members are its throttled loop devices."""
        self.detach()
        shutil.copyfile(self.pristine, self.files[0])
        for f in self.files[1:]:
            if os.path.exists(f):
                os.unlink(f)
            with open(f, "wb") as h:
                h.truncate(self.size + TAIL)
        if model:
            self.model = model
            self.loops = model.attach(self.files)
        elif self.a.loop:
            for f in self.files:
                out = subprocess.run(["losetup", "-f", "--show", "--direct-io=on", f],
                                     capture_output=True, check=True).stdout.decode().strip()
                self.loops.append(out)
        self.dropped = drop_caches()
        return self.loops if self.a.loop or model else self.files

    def detach(self):
        if self.model:
            self.model.detach()
            self.model = None
            self.loops = []
            return
        for l in self.loops:
            subprocess.run(["losetup", "-d", l])
        self.loops = []

    def plan(self, level):
        """raidmig plan over the pristine source and blank members: the data
        size it will migrate, and K, the data chunks of a row (every member
        gets 1/K of the data's bytes)."""
        if level not in self.plans:
            self.reset()
            out = subprocess.run([self.a.raidmig, "plan", "--json", "--level", str(level),
                                  "--chunk", self.a.chunk] + self.files,
                                 capture_output=True, check=True).stdout
            self.plans[level] = json.loads(out)
        return self.plans[level]

    def data_size(self, level=0):
        return self.plan(level)["data_size"]


def journal_file(a, s, level):
    path = os.path.join(s.dir, "journal-%d.txt" % level)
    rng = random.Random(7)
    p = s.plan(level)
    ds, units = p["data_size"], p["units"]
    ats = sorted(rng.randrange(0, units) for _ in range(a.journal_writes))
    with open(path, "w") as f:
        for i, at in enumerate(ats):
            ln = rng.choice([4096, 16384, 65536])
            off = rng.randrange(0, (ds - ln) // 4096) * 4096
            f.write("write at=%d offset=%d length=%d seed=%d\n" % (at, off, ln, i))
    return path


def variants(a, s, level=0, every=True):
    """The commands timed: the raw limit for this level's writes, then
    raidmig with the default policy, the prior art, and a journal."""
    p = s.plan(level)
    k = p["unit_bytes"] // p["unit_depth"]
    conv = [a.raidmig, "convert", "--level", str(level), "--chunk", a.chunk, "--yes", "--json"]
    raw = [a.rawcopy, str(p["data_size"]), str(k), "1" if level == 1 else "0"]
    v = [("raw", lambda m: raw + m),
         ("raw-ovl", lambda m: [raw[0], "--overlap"] + raw[1:] + m),
         ("lazy", lambda m: conv + m)]
    if every:
        v.append(("every", lambda m: conv + ["--checkpoint-every-unit"] + m))
    if a.journal_writes:
        j = journal_file(a, s, level)
        v.append(("journal", lambda m: conv + ["--journal", j] + m))
    return v


def levels_for(a, n):
    """The levels benched over n members (RAID6 needs 4)."""
    return [lv for lv in (int(x) for x in a.levels.split(",") if x) if not (lv == 6 and n < 4)]


def bench(a, n, level):
    s = Setup(a, n, num(a.size))
    vs = variants(a, s, level)
    res = {name: [] for name, _ in vs}
    for rep in range(a.reps):
        order = vs[rep % len(vs):] + vs[:rep % len(vs)]
        for name, cmd in order:
            members = s.reset()
            secs, rss, out = run_child(cmd(members))
            summ = json.loads(out.strip().splitlines()[-1]) if not name.startswith("raw") else \
                {"metadata_writes": 0, "flushes": n, "commit_seconds": 0}
            res[name].append((secs, rss, summ))
    s.detach()
    raw = statistics.median(x[0] for x in res["raw"])
    ovl = statistics.median(x[0] for x in res["raw-ovl"])
    mb = s.data_size(level) / 1e6
    print("\nRAID%d, %d members, %s of data, chunk %s, %s, page cache %s, %d reps (median):"
          % (level, n, a.size, a.chunk, "loop devices (direct I/O)" if a.loop else "image files",
             "dropped before each run" if s.dropped else "NOT dropped (not root)", a.reps))
    print("  %-8s %8s %8s %7s %8s %10s %8s %9s %9s" % ("variant", "seconds", "MB/s", "ratio",
                                                      "vs ovl", "meta wr", "flushes", "commit s",
                                                      "peak RSS"))
    for name, _ in vs:
        secs = statistics.median(x[0] for x in res[name])
        rss = max(x[1] for x in res[name])
        last = res[name][-1][2]
        commit = statistics.median(x[2].get("commit_seconds", 0) for x in res[name])
        print("  %-8s %8.2f %8.1f %7.2f %8.2f %10d %8d %9.3f %6.1f MiB" % (
            name, secs, mb / secs, raw / secs, ovl / secs, last["metadata_writes"], last["flushes"],
            commit, rss / 1024))
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
        secs, rss, out = run_child([a.raidmig, "convert", "--level", "0", "--chunk", a.chunk,
                                    "--yes", "--json"] + members)
        summ = json.loads(out)
        print("  %-6s %8.2f %8.2f %6.1f MiB %10d  %s" % (
            size, secs, secs / (num(size) / (1 << 30)), rss / 1024, summ["metadata_writes"],
            " ".join("%s=%d" % kv for kv in summ["checkpoints"].items())))
        shutil.rmtree(s.dir)


def plan_speed(a):
    """How long plan takes for hypothetical disks (issue 18: under a second
    at any size and member count): seconds and peak RSS, with its counts."""
    print("\nplan of hypothetical disks (no device read):")
    print("  %-44s %8s %9s %10s" % ("plan", "seconds", "peak RSS", "checkpoints"))
    for args in (["--level", "5", "--size", "16T", "--members", "4"],
                 ["--level", "5", "--chunk", "4K", "--size", "16T", "--members", "16"],
                 ["--level", "6", "--chunk", "4K", "--size", "16T", "--members", "16"],
                 ["--level", "0", "--chunk", "4K", "--size", "16T", "--members", "16"]):
        secs, rss, out = run_child([a.raidmig, "plan", "--json"] + args)
        summ = json.loads(out)
        print("  %-44s %8.3f %6.1f MiB %10d" % (" ".join(args), secs, rss / 1024,
                                                 sum(summ["checkpoints"].values())))


def bench_model(a, model, n, level, rows):
    """One member count and level under one disk model: every variant, raw
    included, on the model's loop devices, alternated in every repetition.
    Appends the table rows (medians) to rows; returns whether the page cache
    was dropped."""
    s = Setup(a, n, num(a.size))
    try:
        vs = variants(a, s, level, every=a.every)
        res = {name: [] for name, _ in vs}
        for rep in range(a.reps):
            order = vs[rep % len(vs):] + vs[:rep % len(vs)]
            for name, cmd in order:
                members = s.reset(model)
                r = model.run(cmd(members), stderr=True)
                s.detach()
                if name.startswith("raw"):
                    summ = {"metadata_writes": 0, "flushes": r.flushes}
                else:
                    summ = json.loads(r.out.strip().splitlines()[-1])
                if "commit_seconds" in summ:
                    commit, est = float(summ["commit_seconds"]), False
                else:
                    commit, est = summ["flushes"] * model.p.flush_ms / 1000.0, True
                res[name].append({"secs": r.secs, "summ": summ, "shim": r.flushes,
                                  "commit": commit, "est": est})
        raw = statistics.median(x["secs"] for x in res["raw"])
        ovl = statistics.median(x["secs"] for x in res["raw-ovl"])
        mb = s.data_size(level) / 1e6
        for name, _ in vs:
            runs = res[name]
            secs = statistics.median(x["secs"] for x in runs)
            last = runs[-1]
            rows.append({
                "level": level, "members": n, "variant": name, "secs": secs, "mbs": mb / secs,
                "ratio": raw / secs, "ovl": ovl / secs, "flushes": last["summ"]["flushes"],
                "meta": last["summ"]["metadata_writes"], "shim": last["shim"],
                "commit": None if name.startswith("raw") else
                statistics.median(x["commit"] for x in runs),
                "share": None if name.startswith("raw") else
                statistics.median(x["commit"] / x["secs"] for x in runs),
                "est": any(x["est"] for x in runs)})
        return s.dropped
    finally:
        s.detach()
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(s.dir, ignore_errors=True)


def profiles(a):
    import diskmodel
    profs = [diskmodel.profile(x) for x in a.profiles.split(",") if x]
    shim = diskmodel.build_shim()
    for prof in profs:
        t0 = time.monotonic()
        if not a.no_check:
            c = diskmodel.check(prof, 128 << 20, a.dir, a.device_clock)
            meas = "measured write %.0f MB/s, read %.0f MB/s (dd, direct I/O, 128 MiB), " \
                   "flush %.2f ms" % (c["write_mbs"], c["read_mbs"], c["flush_ms"])
        rows, dropped = [], True
        with diskmodel.DiskModel(prof, shim, a.device_clock) as model:
            for n in [int(x) for x in a.members.split(",") if x]:
                for level in levels_for(a, n):
                    dropped &= bench_model(a, model, n, level, rows)
        print("\nprofile %s" % diskmodel.describe(prof, a.device_clock))
        if not a.no_check:
            print("  %s" % meas)
        print("  %s of data, chunk %s, loop devices (direct I/O)%s, page cache %s, %d reps "
              "(median), %.0f s" % (a.size, a.chunk, ", blkio throttle" if prof.bw and not
                                    a.device_clock else "", "dropped before each run" if dropped
                                    else "NOT dropped", a.reps, time.monotonic() - t0))
        print("  %5s %7s %-8s %8s %8s %7s %7s %8s %8s %9s %8s" % (
            "level", "members", "variant", "seconds", "MB/s", "ratio", "vs ovl", "flushes",
            "meta wr", "commit s", "commit %"))
        for r in rows:
            if r["commit"] is None:
                cs, cp = "-", "-"
            else:
                cs = "%.2f" % r["commit"] + (" est." if r["est"] else "")
                cp = "%.1f%%" % (100 * r["share"]) + (" est." if r["est"] else "")
            print("  %5s %7d %-8s %8.2f %8.1f %7.2f %7.2f %8d %8d %9s %8s" % (
                "RAID%d" % r["level"], r["members"], r["variant"], r["secs"], r["mbs"], r["ratio"],
                r["ovl"], r["flushes"], r["meta"], cs, cp))
        for r in rows:
            if not r["variant"].startswith("raw") and r["shim"] != r["flushes"]:
                print("  note: %d members %s: the shim delayed %d calls, raidmig counts %d "
                      "flushes" % (r["members"], r["variant"], r["shim"], r["flushes"]))
        sys.stdout.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", default=None, help="2G; 256M with --profiles")
    p.add_argument("--members", default="2,4")
    p.add_argument("--levels", default="0", help="RAID levels, e.g. 0,1,5,6")
    p.add_argument("--chunk", default="64K")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--journal-writes", type=int, default=1000)
    p.add_argument("--loop", action="store_true")
    p.add_argument("--rss", default="")
    p.add_argument("--scale", default="")
    p.add_argument("--scale-members", type=int, default=2)
    p.add_argument("--dir", default=os.path.join(TOP, "test", "work", "bench"))
    p.add_argument("--raidmig", default=RAIDMIG)
    p.add_argument("--rawcopy", default=RAW)
    p.add_argument("--profiles", default="")
    p.add_argument("--every", action="store_true")
    p.add_argument("--no-check", action="store_true")
    p.add_argument("--device-clock", action="store_true")
    a = p.parse_args()
    if a.size is None:
        a.size = "256M" if a.profiles else "2G"
    a.raidmig, a.rawcopy = os.path.abspath(a.raidmig), os.path.abspath(a.rawcopy)
    os.makedirs(a.dir, exist_ok=True)
    print("raidmig bench: %s" % time.strftime("%Y-%m-%d %H:%M"))
    if a.profiles:
        import diskmodel
        diskmodel.interrupt_on_term()
        try:
            profiles(a)
        except (diskmodel.ModelError, ValueError) as e:
            sys.exit("bench: %s" % e)
    else:
        for n in [int(x) for x in a.members.split(",") if x]:
            for level in levels_for(a, n):
                bench(a, n, level)
    rss_and_scale(a)
    plan_speed(a)


if __name__ == "__main__":
    main()
