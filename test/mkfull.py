#!/usr/bin/env python3
"""mkfull.py LEVEL N CHUNK_KIB MEMBER_MIB NAME: the members NAME0.img ...
of an md v1.0 array as `mdadm --create --metadata=1.0` makes one without
--size: the members used to the end (md-format.md 1.3: data_size the
superblock's offset less mdadm's reserve for the bad-block log and a
bitmap, size that rounded down to the chunk), every row filled with random
data, parity and copies consistent, clean. NAME.vol is the volume md
serves. LEVEL 0, 1, 5 (left-symmetric) or 6 (left-symmetric)."""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mdread  # noqa: E402

level, n, chunk_kib, mib, name = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
S = mib << 11                                   # member sectors
so = (S - 16) & ~7                              # v1.0 superblock
bm_space = 8 + 8                                # choose_bm_space(size) for a small array, plus the log
data_size = so - bm_space
C = chunk_kib * 2                               # sectors
size = data_size // C * C if level != 1 else data_size // 128 * 128
rows = size // C
k = {0: n, 1: 1, 5: n - 1, 6: n - 2}[level]
vol = os.urandom(k * size * mdread.SECTOR)
if level == 0:
    areas = mdread.encode_raid0(n, C, rows, vol)
elif level == 1:
    areas = [bytearray(vol) for _ in range(n)]
else:
    areas = mdread.encode_raid456(level, 2, n, C, rows, vol)
uuid = os.urandom(16)
for role in range(n):
    img = bytearray(S * mdread.SECTOR)
    img[:len(areas[role])] = areas[role]
    f = dict(set_uuid=uuid, set_name=b"host:" + name.encode(), ctime=1600000000, level=level,
             layout=2 if level in (5, 6) else 0, size=size, chunksize=0 if level == 1 else C,
             raid_disks=n, data_offset=0, data_size=data_size, super_offset=so,
             dev_number=role, device_uuid=os.urandom(16), utime=1600000000, events=12,
             resync_offset=mdread.MAX_SECTOR, bblog_size=8, bblog_offset=-8)
    sb = mdread.build_superblock(f, list(range(n)), 128)
    img[so * mdread.SECTOR:so * mdread.SECTOR + len(sb)] = sb
    with open("%s%d.img" % (name, role), "wb") as out:
        out.write(img)
with open(name + ".vol", "wb") as out:
    out.write(vol)
