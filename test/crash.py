#!/usr/bin/env python3
"""test/crash.py: the power-loss model. Records every write and flush raidmig
makes (test/shim.so, SHIM_TRACE), builds crash states offline, recovers each
with `raidmig resume` alone, and checks the volume byte for byte against the
expected data, through `raidmig cat` and through test/mdread.py, an
independent reader of the md array the members form, which also checks
every stripe's parity and every copy.

Crash models, for a crash at every point K of the trace:
  prefix   every write before K landed, in order
  flushed  only what was flushed by K landed: writes to a file after its last
           flush before K are lost (a rewritten sector keeps its flushed
           data), but for writes durable by themselves (RWF_DSYNC, traced as
           "D"), which landed
  reorder  the flushed writes plus random subsets of the unflushed ones
  torn     every write before K landed, and write K landed in part: whole
           512-byte sectors, first half, last half, or every other sector
Then the same again for a resume run interrupted at every point, started
from several flushed crash states of the convert run.

After a recovery, a state is either
  recovered  resume exited 0: `raidmig cat` gives the expected volume, so
             does the md reader (bytes, parity, copies), and every member,
             leaving members included, has its newest valid raidmig
             metadata copy at state "complete", all at one generation
             (a member still "migrating", or a generation apart: "members
             disagree after recovery")
  unstarted  nothing durable named the new array: resume exits 2 saying it
             had not started, or (an md source) exits 0 with the old array
             intact; the source must read as it was. The same convert (or
             revert) is then run again, as resume told the user to, and
             must exit 0 and leave the volume recovered as above.

usage: crash.py --raidmig BIN --shim SO --expect FILE --convert "ARGS"
                --resume "ARGS" [--after N] [--plain] [--md-source N]
                [--window N] MEMBER...

--after N: the finished array is the first N members (a shrink); 1 with
--plain: member 0 is a plain disk again (a revert). A crash before anything
durable named the new array must leave the source as it was: a plain
source's data, or an md source array whose volume still reads as expected.

--window N: only the crash points among the first N and the last N
operations (writes and flushes) of the convert trace, in every model: the
first writes and the final commit of a long migration, in CI time; the
same for each resume run's trace (its first repairs and its final commit).
The default is every point.
"""
import argparse
import hashlib
import json
import os
import random
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mdread  # noqa: E402


def sb_offset(size):
    """md v1.0's superblock offset (md-format.md 1.1)."""
    return ((size >> 9) - 16 & ~7) << 9


def sb_at(img):
    """Where an md member image's superblock is: v1.0's place, or v1.2's
    (4 KiB) or v1.1's (byte 0) when md's magic is there instead."""
    off = sb_offset(len(img))
    if img[off:off + 4] != MD_MAGIC:
        for head in (4096, 0):
            if img[head:head + 4] == MD_MAGIC:
                return head
    return off


MD_MAGIC = (0xa92b4efc).to_bytes(4, "little")


def load_trace(path, names):
    ops = []
    with open(path + ".data", "rb") as data, open(path) as f:
        for line in f:
            kind, rest = line[0], line[2:].rstrip("\n")
            if kind in "WD":
                p, off, ln = rest.rsplit(" ", 2)
                name = os.path.basename(p)
                ops.append(("W", name, int(off), data.read(int(ln)), kind == "D"))
            else:
                ops.append(("F", os.path.basename(rest)))
    return [op for op in ops if op[1] in names]


class Checker:
    def __init__(self, a, work):
        self.a = a
        self.work = work
        self.expect = open(a.expect, "rb").read()
        self.members = a.members
        self.failures = []
        self.seen = set()
        self.results = {}
        self.unstarted = 0      # not started, then finished by the same command again
        self.base = None        # the members before the convert
        self.data_size = len(self.expect)

    def run(self, args, env=None):
        e = dict(os.environ)
        e.update(env or {})
        return subprocess.run([self.a.raidmig] + args, cwd=self.work, env=e,
                              stdin=subprocess.DEVNULL, capture_output=True)

    def write_state(self, state):
        for name, data in state.items():
            with open(os.path.join(self.work, name), "wb") as f:
                f.write(data)

    def read_state(self):
        return {m: bytearray(open(os.path.join(self.work, m), "rb").read())
                for m in self.members}

    def md_view(self, label):
        """The finished array as the independent md reader sees it: its
        volume must start with the expected bytes, and every stripe's
        parity and every copy must agree where md would not resync."""
        paths = [os.path.join(self.work, m) for m in self.members[:self.a.after or None]]
        if self.a.plain:
            vol = open(paths[0], "rb").read(len(self.expect))
            if vol != self.expect:
                self.failures.append("%s: the plain disk differs from the expected volume" % label)
                return False
            return True
        with mdread.assemble(paths) as arr:
            vol = mdread.read_volume(arr, len(self.expect))
            res = mdread.check(arr, synced=True)
        if vol != self.expect:
            self.failures.append("%s: the md reader's volume differs from the expected one" % label)
            return False
        if res["parity_mismatches"] or res["copy_mismatches"]:
            self.failures.append("%s: parity or copies inconsistent after recovery: %s" % (label, res["first_bad"]))
            return False
        return True

    def old_array_intact(self):
        """Every member of the md source still carries its md superblock
        byte for byte: nothing marked the new array."""
        for m in self.members[:self.a.md_source]:
            now = open(os.path.join(self.work, m), "rb").read()
            off = sb_at(self.base[m])
            if now[off:off + 4096] != self.base[m][off:off + 4096]:
                return False
        return True

    def md_source_volume(self):
        """The volume of the md array the migration started from."""
        paths = [os.path.join(self.work, m) for m in self.members[:self.a.md_source]]
        with mdread.assemble(paths) as arr:
            return mdread.read_volume(arr, self.data_size)

    def members_agree(self, label):
        """Every member, the leaving ones too, has its newest valid raidmig
        metadata copy at state "complete", all at one generation."""
        r = self.run(["inspect", "--json"] + self.members)
        try:
            entries = json.loads(r.stdout)
        except ValueError:
            self.failures.append("%s: inspect --json gave no JSON (exit %d): %s"
                                 % (label, r.returncode, r.stderr.decode().strip()))
            return False
        newest = {}
        for c in entries:
            if "copy" in c and c["valid"]:
                m = c["device"]
                if m not in newest or c["generation"] > newest[m]["generation"]:
                    newest[m] = c
        lost = [m for m in self.members if m not in newest]
        if lost:
            self.failures.append("%s: no valid raidmig metadata after recovery on %s"
                                 % (label, ", ".join(lost)))
            return False
        seen = ["%s generation %d %s" % (m, newest[m]["generation"], newest[m]["state"])
                for m in self.members]
        if (any(newest[m]["state"] != "complete" for m in self.members)
                or len(set(newest[m]["generation"] for m in self.members)) > 1):
            self.failures.append("%s: members disagree after recovery: %s" % (label, ", ".join(seen)))
            return False
        return True

    def volume_right(self, label):
        """The finished array: its volume through raidmig cat and through
        the md reader, and every member's metadata complete."""
        vol = self.run(["cat"] + self.members).stdout
        if vol[:len(self.expect)] != self.expect:
            self.failures.append("%s: raidmig cat differs from the expected volume" % label)
            return False
        return self.md_view(label) and self.members_agree(label)

    def run_again(self, label):
        """An unstarted migration: the same convert (or revert) again must
        finish it."""
        r = self.run(shlex.split(self.a.convert) + self.members)
        if r.returncode != 0:
            self.failures.append("%s: unstarted, but the same command again exited %d: %s"
                                 % (label, r.returncode, r.stderr.decode().strip()))
            return False
        if not self.volume_right(label + ", run again"):
            return False
        self.unstarted += 1
        return True

    def recover_and_check(self, label):
        """Recover the state now in the work dir with resume alone (and, if
        it had not started, the same command again); True if the volume is
        right."""
        r = self.run(shlex.split(self.a.resume) + self.members)
        if r.returncode == 2 and b"it had not started" in r.stderr:
            # nothing durable named the array: the source must be as it was
            src = self.members[0]
            now = open(os.path.join(self.work, src), "rb").read()
            was = self.base[src]
            if self.a.md_source:
                now, was = self.md_source_volume(), self.base_volume
            if now[:self.data_size] != was[:self.data_size]:
                self.failures.append("%s: resume says nothing started, but %s changed" % (label, src))
                return False
            return self.run_again(label)
        if r.returncode != 0:
            self.failures.append("%s: resume exit %d: %s" % (label, r.returncode,
                                                             r.stderr.decode().strip()))
            return False
        if self.a.md_source and self.old_array_intact():
            # the newest metadata is the old array's: the migration never
            # started (nothing marked), and the old array reads as it was
            if self.md_source_volume() != self.base_volume:
                self.failures.append("%s: the old array is intact but reads differently" % label)
                return False
            return self.run_again(label)
        return self.volume_right(label)

    def check(self, model, label, state):
        """Recover one crash state. Identical states are recovered once; each
        model counts the distinct states it produced."""
        h = hashlib.sha1()
        for m in self.members:
            h.update(state[m])
        key = h.digest()
        if (model, key) in self.seen:
            return 0
        self.seen.add((model, key))
        if key not in self.results:
            self.write_state(state)
            self.results[key] = self.recover_and_check(label)
        return 1


def apply(state, op, data=None):
    _, name, off, d = op[:4]
    d = d if data is None else data
    buf = state[name]
    if len(buf) < off + len(d):
        buf.extend(b"\0" * (off + len(d) - len(buf)))
    buf[off:off + len(d)] = d


def clone(state):
    return {k: bytearray(v) for k, v in state.items()}


def durable_mask(ops, k):
    """Which writes before point k are durable: their file flushed later,
    before k, or the write durable by itself (RWF_DSYNC: that write only)."""
    flushed_after = set()
    mask = [False] * k
    for i in range(k - 1, -1, -1):
        op = ops[i]
        if op[0] == "F":
            flushed_after.add(op[1])
        else:
            mask[i] = op[1] in flushed_after or op[4]
    return mask


def torn_variants(d):
    sectors = [d[i:i + 512] for i in range(0, len(d), 512)]
    n = len(sectors)
    if n < 2:
        return []
    half = n // 2
    return [("first-half", range(0, half)), ("last-half", range(half, n)),
            ("odd", range(1, n, 2))]


def in_window(k, n, window, op=False):
    """Whether crash point k of a trace of n operations (operations 0 to
    k - 1 landed) touches its first or last `window` operations; with op,
    whether operation k itself (torn) is one of them. With no window, every
    point."""
    return not window or k < window + (not op) or k >= n - window


def models(ops, base, rng, reorder_tries, window=0):
    """Yield (model, label, state) for every crash point of the trace (in
    its window: see --window)."""
    n = len(ops)
    writes = [i for i, op in enumerate(ops) if op[0] == "W" and in_window(i, n, window, op=True)]
    points = [k for k in range(n + 1) if in_window(k, n, window)]
    state = clone(base)
    for k in range(n + 1):                # prefix
        if k > 0 and ops[k - 1][0] == "W":
            apply(state, ops[k - 1])
        if in_window(k, n, window):
            yield "prefix", "prefix@%d" % k, state
    for k in points:                      # flushed only
        mask = durable_mask(ops, k)
        st = clone(base)
        for i in range(k):
            if ops[i][0] == "W" and mask[i]:
                apply(st, ops[i])
        yield "flushed", "flushed@%d" % k, st
        unflushed = [i for i in range(k) if ops[i][0] == "W" and not mask[i]]
        for t in range(reorder_tries if unflushed else 0):
            keep = set(i for i in unflushed if rng.random() < 0.5)
            st2 = clone(base)
            for i in range(k):
                if ops[i][0] == "W" and (mask[i] or i in keep):
                    apply(st2, ops[i])
            yield "reorder", "reorder@%d.%d" % (k, t), st2
    for k in writes:                      # torn
        st = clone(base)
        for i in range(k):
            if ops[i][0] == "W":
                apply(st, ops[i])
        d = ops[k][3]
        for name, sel in torn_variants(d):
            st2 = clone(st)
            cur = bytearray(st2[ops[k][1]][ops[k][2]:ops[k][2] + len(d)])
            cur.extend(b"\0" * (len(d) - len(cur)))
            for s in sel:
                cur[s * 512:(s + 1) * 512] = d[s * 512:(s + 1) * 512]
            apply(st2, ops[k], bytes(cur))
            yield "torn", "torn@%d.%s" % (k, name), st2


def traced(ck, args, trace):
    r = ck.run(args, {"LD_PRELOAD": ck.a.shim, "SHIM_TRACE": trace})
    return r.returncode


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--raidmig", required=True)
    p.add_argument("--shim", required=True)
    p.add_argument("--expect", required=True)
    p.add_argument("--convert", required=True)
    p.add_argument("--resume", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reorder", type=int, default=3)
    p.add_argument("--resume-bases", type=int, default=4)
    p.add_argument("--after", type=int, default=0)
    p.add_argument("--plain", action="store_true")
    p.add_argument("--md-source", type=int, default=0,
                   help="the first N members form the md array migrated")
    p.add_argument("--window", type=int, default=0,
                   help="crash only among the first and last N operations of each trace")
    p.add_argument("members", nargs="+")
    a = p.parse_args()
    work = os.getcwd()
    ck = Checker(a, work)
    rng = random.Random(a.seed)
    base = ck.read_state()
    ck.base = clone(base)
    if a.md_source:
        ck.base_volume = ck.md_source_volume()
    trace = os.path.join(tempfile.mkdtemp(dir=work), "convert.trace")
    if traced(ck, shlex.split(a.convert) + a.members, trace) != 0:
        sys.exit("crash.py: the traced convert failed")
    ops = load_trace(trace, a.members)
    counts = {}
    for model, label, st in models(ops, base, rng, a.reorder, a.window):
        counts[model] = counts.get(model, 0) + ck.check(model, "convert " + label, st)
    nw = sum(1 for op in ops if op[0] == "W")
    print("convert trace: %d writes, %d flushes%s" % (
        nw, len(ops) - nw, "; crash points in its first and last %d operations" % a.window
        if a.window and 2 * a.window < len(ops) else ""))
    # crash during resume: resume from flushed crash states, crash it everywhere
    flushed_points = [k for k in range(len(ops)) if ops[k][0] == "F"]
    picks = flushed_points[len(flushed_points) // (a.resume_bases + 1)::
                           max(1, len(flushed_points) // (a.resume_bases + 1))][:a.resume_bases]
    for k in picks:
        st = clone(base)
        mask = durable_mask(ops, k)
        for i in range(k):
            if ops[i][0] == "W" and mask[i]:
                apply(st, ops[i])
        ck.write_state(st)
        rtrace = os.path.join(os.path.dirname(trace), "resume%d.trace" % k)
        rc = traced(ck, shlex.split(a.resume) + a.members, rtrace)
        if rc != 0:
            ck.failures.append("resume from flushed@%d exited %d" % (k, rc))
            continue
        rops = load_trace(rtrace, a.members)
        for model, label, st2 in models(rops, st, rng, 1, a.window):
            if model in ("flushed", "torn", "reorder"):
                key = "resume-" + model
                counts[key] = counts.get(key, 0) + ck.check(
                    key, "resume from flushed@%d, %s" % (k, label), st2)
    for m in sorted(counts):
        print("model %-16s %5d distinct crash states checked" % (m, counts[m]))
    print("crash states: %d checked in all models, %d distinct recovered (%d unstarted, re-run "
          "and finished: resume says so, the source untouched), %d failed"
          % (sum(counts.values()), len(ck.results), ck.unstarted, len(ck.failures)))
    # by kind (the message without its crash state and details), then the
    # first of each kind and the others in order, 20 in all
    kinds = {}
    for f in ck.failures:
        kinds.setdefault((f.split(": ") + [""])[1] or f, []).append(f)
    for kind, fs in kinds.items():
        print("failed %5d: %s" % (len(fs), kind))
    shown = [fs[0] for fs in kinds.values()]
    shown += [f for f in ck.failures if f not in shown][:max(0, 20 - len(shown))]
    for f in sorted(shown, key=ck.failures.index):
        print("FAIL " + f)
    sys.exit(1 if ck.failures else 0)


main()
