#!/usr/bin/env python3
"""test/minwrite.py: the bytes a migration must write at the least, from
the pair of layouts alone (issue 18 item 2: make bench reports them
beside what raidmig wrote).

Every piece of the new layout's rows that hold the data (data chunks,
their P and Q), in pieces of the smaller chunk, is compared with what
the old layout kept at the same member and offset: a data piece of the
same volume offset, or a parity of the same data (P: the same set of
pieces; Q: the same pieces with the same coefficients) in rows md has
synced (below the plan's from.in_sync_below, md's resync_offset). A piece that is
already there need not be written; every other one must be. The layouts
come from test/mdread.py (written from md-format.md, not from raidmig's
C code). Levels: a plain disk, RAID0, 1, 4, 5, 6.

  minwrite.py PLAN_JSON      (raidmig plan --json ... > PLAN_JSON; - reads stdin)
prints "needed BYTES"; bench use: needed(plan) on the parsed plan.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mdread  # noqa: E402

PLAIN = -100


def content(g, member, off, piece, synced=None):
    """What layout g = (level, layout, chunk, members) holds in the piece
    at byte `off` of `member`: ("D", voff), ("P", frozenset), ("Q",
    frozenset of (voff, exponent)), or None (no member there, or parity
    of rows at or past `synced`, md's resync_offset: not in sync)."""
    level, layout, chunk, n = g
    if member >= n:
        return None
    if level == PLAIN or level == 1:
        return ("D", off)
    row, within = divmod(off, chunk)
    if level == 0:
        return ("D", (row * n + member) * chunk + within)
    p, q, dd, qexp = mdread.stripe_geometry(level, layout, n, row)
    if synced is not None and member in (p, q) and (row + 1) * chunk > synced:
        return None
    k = len(dd)
    voffs = [(row * k + i) * chunk + within for i in range(k)]
    if member == p:
        return ("P", frozenset(voffs))
    if member == q:
        return ("Q", frozenset(zip(voffs, qexp)))
    return ("D", voffs[dd.index(member)])


def data_width(g):
    level, _, chunk, n = g
    return {PLAIN: 1, 0: n, 1: 1, 4: n - 1, 5: n - 1, 6: n - 2}[level] * (chunk if level not in (PLAIN, 1) else 1)


def needed(plan):
    """Bytes the new layout must write to hold plan["data_size"] bytes."""
    frm, to = plan["from"], plan
    old = (frm["level"], frm["layout"], frm["chunk"], frm["members"])
    new = (to["level"], to["layout"], to["chunk"], to["members"])
    if new[0] == PLAIN:
        new = (PLAIN, 0, old[2] if old[0] not in (PLAIN, 1) else 65536, 1)
    chunks = [c for c, lvl in ((old[2], old[0]), (new[2], new[0])) if lvl not in (PLAIN, 1)]
    piece = min(chunks) if chunks else 65536
    if new[0] in (PLAIN, 1):
        rows_bytes = plan["data_size"]
    else:
        width = data_width(new)
        rows_bytes = -(-plan["data_size"] // width) * new[2]
    total = 0
    for m in range(new[3]):
        for off in range(0, rows_bytes, piece):
            n = min(piece, rows_bytes - off)
            if content(new, m, off, piece) != content(old, m, off, piece, frm.get("in_sync_below")):
                total += n
    return total


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with (sys.stdin if sys.argv[1] == "-" else open(sys.argv[1])) as f:
        print("needed %d" % needed(json.load(f)))


if __name__ == "__main__":
    main()
