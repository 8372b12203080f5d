#!/usr/bin/env python3
"""mkfull.py LEVEL N CHUNK_KIB MEMBER_MIB NAME [--metadata 1.0|1.1|1.2]: the
members NAME0.img ... of an md array as `mdadm --create` (mdadm 4.2, no
--size, --bitmap=none) makes one, the members used to the end, every row
filled with random data, parity and copies consistent, clean. NAME.vol is
the volume md serves. LEVEL 0, 1, 5 (left-symmetric) or 6 (left-symmetric).

--metadata 1.0 (the default): as `mdadm --create --metadata=1.0` (md-format.md
1.3: data_size the superblock's offset less mdadm's reserve for the
bad-block log and a bitmap, size that rounded down to the chunk).
--metadata 1.2 / 1.1 (also --metadata=1.2): the superblock at byte 4096 /
byte 0, the data from mdadm's data_offset (see front_layout below)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mdread  # noqa: E402

USAGE = "usage: mkfull.py LEVEL N CHUNK_KIB MEMBER_MIB NAME [--metadata 1.0|1.1|1.2]"


def choose_bm_space(sectors):
    """mdadm 4.2 super1.c choose_bm_space(): sectors kept free for a later
    internal bitmap: 0 below 64 KiB, 4 KiB up to 8 GiB, 64 KiB up to
    200 GiB, 128 KiB above."""
    if sectors < 128:
        return 0
    if sectors - 128 >= 200 * 1024 * 1024 * 2:
        return 256
    if sectors - 8 > 8 * 1024 * 1024 * 2:
        return 128
    return 8


def mdadm_data_offset(dev_sectors, chunk_kib):
    """data_offset (sectors) mdadm 4.2 chooses for 1.1/1.2 when none is
    given.  Derived from mdadm-4.2 super1.c validate_geometry1() (called by
    Create.c for the first member; write_init_super1() then uses that
    st->data_offset for every member):
      headroom starts at 128 MiB (262144 sectors) and is halved while
      headroom*1024 > device sectors (aim: ~0.1% of the device) AND
      (chunk == 0 or headroom/2 >= 2 * chunk sectors);
      data_offset = 12 KiB (24 sectors) + choose_bm_space(device sectors)
                    + headroom, rounded up to a multiple of 1 MiB (2048).
    chunk_kib is mdadm's chunk in KiB (0 for RAID1: no chunk).  So for a
    small device data_offset is 2048 sectors (1 MiB) as long as the chunk
    is at most 256 KiB; a 512 KiB chunk (mdadm's default) keeps 2048
    sectors of headroom and gives 4096 (2 MiB), 1 MiB gives 6144."""
    headroom = 128 * 1024 * 2
    while (headroom << 10) > dev_sectors and \
            (chunk_kib == 0 or headroom // 2 >= chunk_kib * 2 * 2):
        headroom >>= 1
    off = 12 * 2 + choose_bm_space(dev_sectors) + headroom
    return (off + 2047) // 2048 * 2048


def front_layout(minor, S, level, C, chunk_kib):
    """(super_offset, data_offset, data_size, size, bblog_offset) of a 1.1
    or 1.2 member of S sectors, as mdadm 4.2 writes it:
      super_offset 0 (1.1) or 8 (1.2)                 super1.c write_init_super1
      data_offset  mdadm_data_offset()                validate_geometry1
      data_size    S - data_offset (no rounding)      write_init_super1
      size         (S - data_offset) in KiB rounded down to the chunk, or
                   for RAID1 to 64 KiB                 Create.c
      bad-block log 8 sectors at super_offset + 8 + choose_bm_space(size),
                   as data_offset leaves room for it   write_init_super1
                   (bm_offset 8 after the superblock, then the bitmap
                   space, then the log: +16 for any array below 8 GiB)
    For RAID0 mdadm's Create leaves its size at 0 (it only sets one for
    level > 0), so write_init_super1 reserves no bitmap space and puts the
    log at +8; the size field written here is still data_size rounded down
    to the chunk, like the 1.0 variant (md's RAID0 uses data_size)."""
    so = 0 if minor == 1 else 8
    doff = mdadm_data_offset(S, 0 if level == 1 else chunk_kib)
    data_size = S - doff
    size = data_size // C * C if level != 1 else data_size // 128 * 128
    bm_space = choose_bm_space(0 if level == 0 else size)
    if doff >= so + 8 + bm_space + 8:
        bblog_offset = 8 + bm_space
    else:
        bblog_offset = doff - 8 - so   # mdadm's fallback; never for >= 1 MiB
    return so, doff, data_size, size, bblog_offset


def parse_args(argv):
    pos, metadata = [], "1.0"
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--metadata" or a == "-e":
            if i + 1 >= len(argv):
                sys.exit(USAGE)
            i += 1
            metadata = argv[i]
        elif a.startswith("--metadata="):
            metadata = a.split("=", 1)[1]
        else:
            pos.append(a)
        i += 1
    # as mdadm spells them; "1" is 1.2, mdadm's default minor on create
    minors = {"1.0": 0, "1.00": 0, "1.1": 1, "1.01": 1, "1.2": 2, "1.02": 2, "1": 2}
    if len(pos) != 5 or metadata not in minors:
        sys.exit(USAGE)
    minor = minors[metadata]
    return pos, minor


(level_s, n_s, chunk_s, mib_s, name), minor = parse_args(sys.argv[1:])
level, n, chunk_kib, mib = int(level_s), int(n_s), int(chunk_s), int(mib_s)
S = mib << 11                                   # member sectors
C = chunk_kib * 2                               # sectors
if minor == 0:
    so = (S - 16) & ~7                          # v1.0 superblock
    bm_space = 8 + 8                            # choose_bm_space(size) for a small array, plus the log
    data_size = so - bm_space
    size = data_size // C * C if level != 1 else data_size // 128 * 128
    data_offset, bblog_offset = 0, -8
else:
    so, data_offset, data_size, size, bblog_offset = front_layout(minor, S, level, C, chunk_kib)
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
    start = data_offset * mdread.SECTOR
    img[start:start + len(areas[role])] = areas[role]
    f = dict(set_uuid=uuid, set_name=b"host:" + name.encode(), ctime=1600000000, level=level,
             layout=2 if level in (5, 6) else 0, size=size, chunksize=0 if level == 1 else C,
             raid_disks=n, data_offset=data_offset, data_size=data_size, super_offset=so,
             dev_number=role, device_uuid=os.urandom(16), utime=1600000000, events=12,
             resync_offset=mdread.MAX_SECTOR, bblog_size=8, bblog_offset=bblog_offset)
    sb = mdread.build_superblock(f, list(range(n)), 128)
    img[so * mdread.SECTOR:so * mdread.SECTOR + len(sb)] = sb
    with open("%s%d.img" % (name, role), "wb") as out:
        out.write(img)
with open(name + ".vol", "wb") as out:
    out.write(vol)
