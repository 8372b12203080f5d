#!/usr/bin/env python3
"""test/oracle.py: what the tests compare raidmig against, written apart
from raidmig's C code so that a shared mistake cannot pass unseen.

  oracle.py expect SRC DATA_SIZE [JOURNAL]     the source's first DATA_SIZE bytes
                                               with the journal's writes applied
  oracle.py datasize SIZE CHUNK MEMBERS [LEVEL [RAID10-LAYOUT]]
                                               the data size raidmig should pick
                                               for a source with no signature
  oracle.py patch IMG COPY OFF BYTES VALUE      set a little-endian field of a
                                               metadata copy and fix its crc32
"""
import math
import os
import struct
import sys
import zlib

MASK = (1 << 64) - 1


def num(s):
    mult = 1
    if s and s[-1] in "KMGT":
        mult = 1024 ** ("KMGT".index(s[-1]) + 1)
        s = s[:-1]
    return int(s, 16 if s.startswith("0x") else 10) * mult


def splitmix(seed, k):
    z = (seed + (k + 1) * 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def record_bytes(kv):
    length = num(kv["length"])
    if "fill" in kv:
        return bytes([num(kv["fill"])]) * length
    if "seed" in kv:
        seed = num(kv["seed"])
        return b"".join(struct.pack("<Q", splitmix(seed, k)) for k in range(length // 8))
    with open(kv["file"], "rb") as f:
        f.seek(num(kv.get("skip", "0")))
        return f.read(length)


def expect(src, size, journal=None):
    with open(src, "rb") as f:
        vol = bytearray(f.read(size))
    if journal:
        for line in open(journal):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            words = line.split()
            kv = dict(w.split("=", 1) for w in words[1:])
            off = num(kv["offset"])
            data = record_bytes(kv)
            vol[off:off + len(data)] = data
    sys.stdout.buffer.write(vol)


def sb_offset(size):
    """md's v1.0 superblock location in bytes (md-format.md 1.2)."""
    return ((size // 512 - 16) & ~7) * 512


def datasize(size, chunk, members, level=0, layout="n2"):
    """Everything below raidmig's configuration area (the md superblock, the
    4 KiB bad-block log below it, two 4 KiB metadata copies, and the
    staging slot of one unit, one stripe of the new layout, spread over the
    members), or what the new array can hold if that is less (each member's
    data ends below the slot or the reserve for a later reshape, whichever
    is larger: one chunk per member, and at least a 64th of the member up
    to 4 MiB)."""
    n = members
    if level == 10:                     # nK near copies, oK offset copies
        copies, far = int(layout[1:]), layout[0] == "o"
        nc, fc = (1, copies) if far else (copies, 1)
        slots = n * nc // math.gcd(n, nc)
        k, rows = slots // nc, slots // n * fc
    else:
        k, rows = {0: n, 1: 1, 4: n - 1, 5: n - 1, 6: n - 2}[level], 1
    unit, depth = k * chunk, rows * chunk
    slot = -(-unit // members)
    slot = -(-slot // 4096) * 4096
    reserve = -(-(members * chunk) // 4096) * 4096   # for a later reshape (meta.c)
    reserve = max(reserve, min(128 << 20, size // 64) // 4096 * 4096)  # at least a 64th, up to 128 MiB
    room = sb_offset(size) - 4096 - 2 * 4096 - slot  # the source's data, below the slot
    cap = (sb_offset(size) - 4096 - 2 * 4096 - max(slot, reserve)) // depth * unit
    print(min(room, cap))


def patch(img, copy, off, nbytes, value):
    with open(img, "r+b") as f:
        size = os.fstat(f.fileno()).st_size
        base = sb_offset(size) - 4096 - (2 - copy) * 4096
        f.seek(base)
        blk = bytearray(f.read(4096))
        blk[off:off + nbytes] = value.to_bytes(nbytes, "little")
        blk[4092:4096] = struct.pack("<I", zlib.crc32(bytes(blk[:4092])))
        f.seek(base)
        f.write(blk)


def main(argv):
    if argv[1] == "expect":
        expect(argv[2], num(argv[3]), argv[4] if len(argv) > 4 else None)
    elif argv[1] == "datasize":
        datasize(num(argv[2]), num(argv[3]), int(argv[4]),
                 int(argv[5]) if len(argv) > 5 else 0, argv[6] if len(argv) > 6 and argv[6] else "n2")
    elif argv[1] == "patch":
        patch(argv[2], int(argv[3]), int(argv[4]), int(argv[5]), num(argv[6]))
    else:
        sys.exit(__doc__)


main(sys.argv)
