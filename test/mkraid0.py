#!/usr/bin/env python3
"""mkraid0.py MODE: m0.img and m1.img, the members of an md v1.0 RAID0 of
64 KiB chunks made as other mdadm versions make them (not by raidmig), and
vol.bin, the volume md serves from them. The data is random.

  zones       m0.img 8 MiB (7 MiB of data), m1.img 16 MiB (15 MiB of data):
              two zones and no feature bit 0x1000, as mdadm < 4.2 wrote
              it: zone 0 striped over both members, zone 1 on m1.img alone
  layout-bit  both 8 MiB (7 MiB of data), one zone, feature 0x1000 and
              layout 2, as mdadm >= 4.3 writes a RAID0
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mdread  # noqa: E402

C = 64 << 10
M = 1 << 20
mode = sys.argv[1]
sizes, data = ([8 * M, 16 * M], [7 * M, 15 * M]) if mode == "zones" else ([8 * M] * 2, [7 * M] * 2)
depth = min(data) // C * C              # zone 0, on both members
vol = os.urandom(2 * depth + (max(data) - depth))
imgs = [bytearray(s) for s in sizes]
for c in range(2 * depth // C):         # zone 0: chunk c on member c % 2
    off = c // 2 * C
    imgs[c % 2][off:off + C] = vol[c * C:(c + 1) * C]
rest = vol[2 * depth:]                  # zone 1: the larger member alone
imgs[1][depth:depth + len(rest)] = rest
uuid = os.urandom(16)
for role in range(2):
    so = mdread.sb_location(sizes[role])
    f = dict(set_uuid=uuid, set_name=b"other0", ctime=1600000000, level=0, layout=0,
             size=0, chunksize=C // 512, raid_disks=2, data_offset=0,
             data_size=data[role] // 512, super_offset=so, dev_number=role,
             device_uuid=os.urandom(16), utime=1600000000, events=20,
             resync_offset=mdread.MAX_SECTOR)
    if mode == "layout-bit":
        f.update(feature_map=0x1000, layout=2)
    sb = mdread.build_superblock(f, [0, 1], 128)
    imgs[role][so * 512:so * 512 + len(sb)] = sb
    with open("m%d.img" % role, "wb") as out:
        out.write(imgs[role])
with open("vol.bin", "wb") as out:
    out.write(vol)
