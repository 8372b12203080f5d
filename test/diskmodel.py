#!/usr/bin/env python3
"""test/diskmodel.py: a disk model for make bench (test/bench.py).

A profile gives every device a bandwidth (read and write, each) and a flush
cost. The model is built from:
  - loop devices in direct I/O (losetup --direct-io=on) over image files, so
    a test's O_DIRECT I/O goes straight to the device queue;
  - a blkio cgroup (cgroup v1, /sys/fs/cgroup/blkio) with
    blkio.throttle.read_bps_device and write_bps_device set for each loop
    device's MAJ:MIN; the benchmarked process joins it between fork and exec.
    The throttle counts the bios submitted by processes in the group: direct
    I/O and synchronous reads. Buffered writeback is submitted by the flusher
    threads and is not throttled under cgroup v1, hence direct I/O;
  - test/flushdelay.so, an LD_PRELOAD shim that sleeps FLUSHDELAY_MS in every
    fsync, fdatasync and durable write (O_DSYNC fd, RWF_DSYNC) and counts them.

The throttle limits an average rate: bytes held back while a process sleeps
in a flush go through at once afterwards (up to one throttle slice, 100 ms of
bandwidth, 16 MB at 160 MB/s), so a flush that follows a transfer is partly
free. A real disk is busy during a flush. With clock=True (--clock; bench.py
--device-clock) the shim also keeps a clock per block device (FLUSHDELAY_BPS):
each transfer occupies the device bytes/bandwidth seconds and each flush its
delay, serially. The clock then replaces the throttle (both at once would
take, call by call, the slower of the two, and run ~10% under the rate);
the cgroup is still made, with no limits.

Profiles (MB = 10^6 bytes):
  hdd   160 MB/s per device, 10 ms per flush
  ssd   500 MB/s per device,  1 ms per flush
  vm    no throttle, no delay (this VM's own disk), still loop devices in
        direct I/O and the shim (counting only)
  NAME:BW:FLUSHMS  a custom profile, e.g. custom:250:4 (BW in MB/s, 0 for
        no throttle; FLUSHMS a float, 0 for no delay)

As a library (test/bench.py):
    with DiskModel(profile("hdd")) as m:
        devs = m.attach(["a.img", "b.img"])
        res = m.run(["prog"] + devs)     # res.secs, res.flushes, res.out ...
        m.detach()
The with-block removes the loop devices and the cgroup on any way out,
KeyboardInterrupt included; a child still running is killed first.

As a command (root):
  diskmodel.py profiles
  diskmodel.py check  [--profile P] [--size 128M] [--dir D] [--clock]
        measure the model: dd with oflag=direct / iflag=direct under the
        throttle, and the cost of 20 fdatasync calls under the shim
  diskmodel.py run --profile P [--image F]... [--json] [--clock] -- CMD [ARG]...
        attach F... as throttled loop devices, run CMD with the shim in the
        cgroup, print seconds and flushes. In ARGs, {0}, {1}, ... stand for
        the devices and {} for all of them (as separate arguments)
  diskmodel.py cleanup [--dir D]
        remove this tool's leftover cgroups (empty ones) and detach loop
        devices whose backing file is under D
"""
import argparse
import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHIM = os.path.join(HERE, "flushdelay.so")
CGROOT = "/sys/fs/cgroup/blkio"
CGPREFIX = "raidmig-diskmodel-"

Profile = collections.namedtuple("Profile", "name bw flush_ms")
"""bw: bytes per second for reads and for writes, per device; None = no throttle."""

PROFILES = {
    "hdd": Profile("hdd", 160 * 10**6, 10.0),
    "ssd": Profile("ssd", 500 * 10**6, 1.0),
    "vm": Profile("vm", None, 0.0),
}


def profile(spec):
    """A profile by name, or NAME:BW:FLUSHMS (BW in MB/s, 0 = no throttle)."""
    if spec in PROFILES:
        return PROFILES[spec]
    parts = spec.split(":")
    if len(parts) != 3:
        raise ValueError("unknown profile %r (hdd, ssd, vm or NAME:BW_MBPS:FLUSH_MS)" % spec)
    name, bw, ms = parts
    try:
        bw, ms = float(bw), float(ms)
    except ValueError:
        raise ValueError("profile %r: BW and FLUSHMS must be numbers" % spec)
    if bw < 0 or ms < 0 or not name:
        raise ValueError("profile %r: needs a name and BW, FLUSHMS >= 0" % spec)
    return Profile(name, int(bw * 10**6) if bw else None, ms)


def describe(p, clock=False):
    bw = "%g MB/s per device (read and write)" % (p.bw / 1e6) if p.bw else "no throttle"
    return "%s: %s, %g ms per flush%s" % (p.name, bw, p.flush_ms,
                                          ", device clock" if clock and p.bw else "")


def build_shim():
    """test/flushdelay.so, built if missing or older than its source."""
    src = os.path.join(HERE, "flushdelay.c")
    if os.path.exists(SHIM) and os.path.getmtime(SHIM) >= os.path.getmtime(src):
        return SHIM
    subprocess.run([os.environ.get("CC", "cc"), "-shared", "-fPIC", "-O2", "-Wall", "-Wextra",
                    "-o", SHIM, src, "-ldl"], check=True)
    return SHIM


Result = collections.namedtuple("Result", "secs maxrss_kib status out err flushes delayed_ms counts")


class ModelError(Exception):
    pass


class _NoSignals:
    """Hold SIGINT and SIGTERM while setting up or tearing down a resource,
    so an interrupt cannot leave it half made or half removed."""
    SIGS = {signal.SIGINT, signal.SIGTERM}

    def __enter__(self):
        self.old = signal.pthread_sigmask(signal.SIG_BLOCK, self.SIGS)

    def __exit__(self, *exc):
        signal.pthread_sigmask(signal.SIG_SETMASK, self.old)
        return False


def _retry(fn, tries=50, wait=0.05):
    """Call fn until it stops raising OSError/CalledProcessError (EBUSY right
    after a process exits is common); the last error is raised."""
    for i in range(tries):
        try:
            return fn()
        except (OSError, subprocess.CalledProcessError):
            if i == tries - 1:
                raise
            time.sleep(wait)


def _attached(dev, back):
    """Is loop device dev still attached to the file back?"""
    try:
        with open("/sys/block/%s/loop/backing_file" % os.path.basename(dev)) as h:
            cur = h.read().strip()
    except OSError:
        return False
    return cur.replace(" (deleted)", "") == back


def _detach(dev, back):
    """losetup -d dev, and make sure it took: while another process holds the
    device open the kernel only marks it for detaching at the last close, so
    wait for that (up to 2 s) and raise OSError if it stays attached."""
    if not _attached(dev, back):
        return
    subprocess.run(["losetup", "-d", dev], check=True, capture_output=True)
    for _ in range(40):
        if not _attached(dev, back):
            return
        time.sleep(0.05)
    raise OSError("%s: still attached to %s after losetup -d" % (dev, back))


class DiskModel:
    """One profile: a blkio cgroup, the loop devices attached under it, and
    the shim's environment. Use as a context manager."""

    def __init__(self, prof, shim=None, clock=False):
        self.p = prof
        self.clock = bool(clock and prof.bw)
        self.shim = shim or build_shim()
        self.cg = None
        self.loops = []         # (device path, "MAJ:MIN", backing file)
        self.child = None

    # -- cgroup
    def __enter__(self):
        if not os.path.isdir(CGROOT) or not os.path.exists(
                os.path.join(CGROOT, "blkio.throttle.write_bps_device")):
            raise ModelError("no cgroup v1 blkio controller with throttling at %s" % CGROOT)
        if os.geteuid() != 0:
            raise ModelError("the disk model needs root (losetup, cgroup)")
        with _NoSignals():
            path = os.path.join(CGROOT, "%s%d-%s-%d" % (CGPREFIX, os.getpid(), self.p.name,
                                                         int(time.monotonic() * 1000)))
            os.mkdir(path)
            self.cg = path
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _throttle(self, mm, bps):
        for f in ("blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device"):
            with open(os.path.join(self.cg, f), "w") as h:
                h.write("%s %d\n" % (mm, bps))

    # -- devices
    def attach(self, files):
        """Loop devices in direct I/O over files, throttled for this model.
        Returns their paths, in the order of files."""
        if self.cg is None:
            raise ModelError("attach outside the with-block")
        for f in files:
            with _NoSignals():
                dev = subprocess.run(["losetup", "-f", "--show", "--direct-io=on", f],
                                     capture_output=True, check=True).stdout.decode().strip()
                name = os.path.basename(dev)
                with open("/sys/block/%s/dev" % name) as h:
                    mm = h.read().strip()
                self.loops.append((dev, mm, os.path.realpath(f)))
            try:
                with open("/sys/block/%s/loop/dio" % name) as h:
                    dio = h.read().strip()
            except OSError:
                dio = "?"
            if dio != "1":
                raise ModelError("%s over %s: direct I/O refused by the backing file system "
                                 "(loop/dio=%s); the throttle would not hold" % (dev, f, dio))
            if self.p.bw and not self.clock:
                self._throttle(mm, self.p.bw)
        return [d for d, _, _ in self.loops[-len(files):]] if files else []

    def detach(self):
        """Detach every loop device of this model (and drop its throttle rule)."""
        errs = []
        with _NoSignals():
            while self.loops:
                dev, mm, back = self.loops[-1]
                if self.p.bw and not self.clock and self.cg:
                    try:
                        self._throttle(mm, 0)       # 0 removes the rule
                    except OSError:
                        pass
                try:
                    _retry(lambda: _detach(dev, back), tries=5)
                except (OSError, subprocess.CalledProcessError) as e:
                    errs.append("%s: %s" % (dev, e))
                self.loops.pop()
        if errs:
            print("diskmodel: could not detach %s" % "; ".join(errs), file=sys.stderr)

    def close(self):
        """Kill a child still running, detach the devices, remove the cgroup."""
        self._kill_child()
        self.detach()
        if self.cg:
            with _NoSignals():
                try:
                    _retry(lambda: os.rmdir(self.cg))
                except OSError as e:
                    print("diskmodel: could not remove %s: %s" % (self.cg, e), file=sys.stderr)
                self.cg = None

    def _kill_child(self):
        if self.child:
            try:
                os.kill(self.child, signal.SIGKILL)
                os.waitpid(self.child, 0)
            except OSError:
                pass
            self.child = None

    # -- running
    def env(self, count_file=None, base=None):
        e = dict(os.environ if base is None else base)
        pre = e.get("LD_PRELOAD")
        e["LD_PRELOAD"] = self.shim + (" " + pre if pre else "")
        e["FLUSHDELAY_MS"] = repr(float(self.p.flush_ms))
        if self.clock:
            e["FLUSHDELAY_BPS"] = str(self.p.bw)
        else:
            e.pop("FLUSHDELAY_BPS", None)
        if count_file:
            e["FLUSHDELAY_COUNT"] = count_file
        else:
            e.pop("FLUSHDELAY_COUNT", None)
        return e

    def run(self, cmd, stderr=False, check=True):
        """Run cmd in the model's cgroup with the flush shim; wait for it.
        Returns Result: wall seconds (fork to reap), peak RSS of the child,
        exit status, standard output (and error if stderr), the shim's flush
        count and the delay it added. check: raise ModelError on failure."""
        if self.cg is None:
            raise ModelError("run outside the with-block")
        fd, count = tempfile.mkstemp(prefix="flushdelay-", suffix=".count")
        os.close(fd)
        env = self.env(count)
        procs = os.path.join(self.cg, "cgroup.procs")
        try:
            r, w = os.pipe()
            er, ew = os.pipe() if stderr else (None, None)
            t0 = time.monotonic()
            pid = os.fork()
            if pid == 0:            # the child: join the group, then exec
                try:
                    os.close(r)
                    os.dup2(w, 1)
                    if stderr:
                        os.close(er)
                        os.dup2(ew, 2)
                    else:
                        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
                    signal.pthread_sigmask(signal.SIG_SETMASK, set())
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    h = os.open(procs, os.O_WRONLY)
                    os.write(h, b"%d\n" % os.getpid())
                    os.close(h)
                    os.execvpe(cmd[0], cmd, env)
                finally:
                    os._exit(127)
            self.child = pid
            os.close(w)
            if stderr:
                os.close(ew)
            out = _read_all(r)
            err = _read_all(er) if stderr else b""
            _, status, ru = os.wait4(pid, 0)
            secs = time.monotonic() - t0
            self.child = None
            code = os.waitstatus_to_exitcode(status)
            counts = _counts(count)
            res = Result(secs, ru.ru_maxrss, code, out.decode(errors="replace"),
                         err.decode(errors="replace"), int(counts.get("flushes", -1)),
                         counts.get("delayed_ms", -1.0), counts)
            if check and code != 0:
                raise ModelError("%s failed (exit %d)%s" % (" ".join(cmd), code,
                                                            ": " + res.err.strip() if res.err else ""))
            return res
        finally:
            self._kill_child()
            try:
                os.unlink(count)
            except OSError:
                pass

    def stats(self):
        """Bytes the throttle saw per device: {dev: {"Read": n, "Write": n}}."""
        out = {}
        names = {mm: dev for dev, mm, _ in self.loops}
        with open(os.path.join(self.cg, "blkio.throttle.io_service_bytes")) as h:
            for line in h:
                f = line.split()
                if len(f) == 3 and f[0] in names:
                    out.setdefault(names[f[0]], {})[f[1]] = int(f[2])
        return out


def _counts(path):
    """The shim's lines in path, summed over processes: {"flushes": n, ...};
    {} when none wrote (killed, or left by _exit)."""
    counts = {}
    try:
        with open(path) as h:
            for line in h:
                v = line.split()
                for i in range(0, len(v) - 1, 2):
                    if v[i] != "pid":
                        counts[v[i]] = counts.get(v[i], 0) + float(v[i + 1])
    except (OSError, ValueError):
        return {}
    return counts


def _read_all(fd):
    chunks = []
    try:
        while True:
            b = os.read(fd, 65536)
            if not b:
                break
            chunks.append(b)
    finally:
        os.close(fd)
    return b"".join(chunks)


def check(prof, size=128 << 20, dir=None, clock=False):
    """Measure the model: write and read size bytes with dd in direct I/O on
    one throttled loop device, and time 20 fdatasync calls under the shim.
    Returns {"write_mbs", "read_mbs", "flush_ms", "flushes_counted"}."""
    if dir:
        os.makedirs(dir, exist_ok=True)
    d = tempfile.mkdtemp(prefix="diskmodel-check-", dir=dir)
    img = os.path.join(d, "check.img")
    try:
        with open(img, "wb") as h:
            h.truncate(size)
        with DiskModel(prof, clock=clock) as m:
            dev, = m.attach([img])
            n4 = max(1, size >> 22)
            size = n4 << 22
            w = m.run(["dd", "if=/dev/zero", "of=" + dev, "bs=4M", "count=%d" % n4,
                       "oflag=direct", "status=none"])
            rd = m.run(["dd", "if=" + dev, "of=/dev/null", "bs=4M", "count=%d" % n4,
                        "iflag=direct", "status=none"])
            prog = ("import os,time\nfd=os.open(%r,os.O_RDWR|os.O_DIRECT)\n"
                    "t=time.monotonic()\nfor i in range(20): os.fdatasync(fd)\n"
                    "print((time.monotonic()-t)/20*1000)\n" % dev)
            f = m.run([sys.executable, "-c", prog])
            m.detach()
        return {"write_mbs": size / w.secs / 1e6, "read_mbs": size / rd.secs / 1e6,
                "flush_ms": float(f.out.strip()), "flushes_counted": f.flushes}
    finally:
        try:
            os.unlink(img)
        except OSError:
            pass
        os.rmdir(d)


def cleanup(dir=None):
    """Remove leftover (empty) cgroups of this tool, and loop devices whose
    backing file lies under dir."""
    for name in sorted(os.listdir(CGROOT)):
        if name.startswith(CGPREFIX):
            try:
                os.rmdir(os.path.join(CGROOT, name))
                print("removed cgroup %s" % name)
            except OSError as e:
                print("kept cgroup %s: %s" % (name, e))
    if dir:
        dir = os.path.realpath(dir) + "/"
        out = subprocess.run(["losetup", "-J", "-l"], capture_output=True).stdout.decode()
        for dev in (json.loads(out)["loopdevices"] if out.strip() else []):
            back = dev.get("back-file") or ""
            if back.startswith(dir):
                r = subprocess.run(["losetup", "-d", dev["name"]])
                print("detached %s (%s)%s" % (dev["name"], back, "" if r.returncode == 0 else ": failed"))


def interrupt_on_term():
    """SIGTERM raises KeyboardInterrupt, so with-blocks clean up on it too."""
    def term(signum, frame):
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, term)


def num(s):
    """A size with K, M, G or T (powers of 1024)."""
    m = 1
    if s[-1] in "KMGT":
        m = 1024 ** ("KMGT".index(s[-1]) + 1)
        s = s[:-1]
    return int(s) * m


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    sub.add_parser("profiles")
    c = sub.add_parser("check")
    c.add_argument("--profile", action="append")
    c.add_argument("--size", default="128M")
    c.add_argument("--dir")
    c.add_argument("--clock", action="store_true")
    r = sub.add_parser("run")
    r.add_argument("--profile", required=True)
    r.add_argument("--image", action="append", default=[])
    r.add_argument("--json", action="store_true")
    r.add_argument("--clock", action="store_true")
    r.add_argument("cmd", nargs=argparse.REMAINDER)
    k = sub.add_parser("cleanup")
    k.add_argument("--dir")
    a = p.parse_args()
    interrupt_on_term()
    try:
        if a.what == "profiles":
            for pr in PROFILES.values():
                print(describe(pr))
        elif a.what == "check":
            for spec in a.profile or list(PROFILES):
                pr = profile(spec)
                res = check(pr, num(a.size), a.dir, a.clock)
                print("%s\n  measured: write %.1f MB/s, read %.1f MB/s (dd, direct I/O), "
                      "flush %.2f ms (%d counted)" % (describe(pr, a.clock), res["write_mbs"],
                                                      res["read_mbs"], res["flush_ms"],
                                                      res["flushes_counted"]))
        elif a.what == "run":
            cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
            if not cmd:
                p.error("run: no command")
            with DiskModel(profile(a.profile), clock=a.clock) as m:
                devs = m.attach(a.image)
                argv = []
                for x in cmd:
                    if x == "{}":
                        argv += devs
                    else:
                        argv.append(x.format(*devs) if "{" in x else x)
                res = m.run(argv, stderr=True, check=False)
                sys.stdout.write(res.out)
                sys.stderr.write(res.err)
                if a.json:
                    print(json.dumps({"profile": m.p.name, "seconds": round(res.secs, 4),
                                      "status": res.status, "flushes": res.flushes,
                                      "delayed_ms": res.delayed_ms, "throttle": m.stats()}))
                else:
                    print("diskmodel %s: %.3f s, exit %d, %d flushes, %.1f ms of flush delay"
                          % (m.p.name, res.secs, res.status, res.flushes, res.delayed_ms),
                          file=sys.stderr)
            sys.exit(res.status)
        elif a.what == "cleanup":
            cleanup(a.dir)
    except (ModelError, ValueError) as e:
        sys.exit("diskmodel: %s" % e)
    except KeyboardInterrupt:
        sys.exit("diskmodel: interrupted (devices and cgroup removed)")


if __name__ == "__main__":
    main()
