#!/usr/bin/env python3
"""sbpatch.py [--at BYTE] IMG FIELD=VALUE...: set fields of the md v1.0
superblock of IMG (or of the one at BYTE: 4096 for v1.2, 0 for v1.1)
(named as in mdread.SB_FIELDS: resync_offset, raid_disks, ...) and fix
its checksum. A test aid: it makes what md or another array left behind
(an unclean array, superblocks that disagree) on a raidmig-made member."""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mdread  # noqa: E402

FIELDS = {name: (off, fmt) for name, off, fmt in mdread.SB_FIELDS}

args = sys.argv[1:]
at = None
if args[0] == "--at":
    at = int(args[1], 0)
    args = args[2:]
img = args[0]
with open(img, "r+b") as f:
    off = mdread.sb_location(os.fstat(f.fileno()).st_size) * mdread.SECTOR if at is None else at
    f.seek(off)
    sb = bytearray(f.read(4096))
    for arg in args[1:]:
        name, value = arg.split("=")
        struct.pack_into(FIELDS[name][1], sb, FIELDS[name][0], int(value, 0))
    max_dev = struct.unpack_from("<I", sb, FIELDS["max_dev"][0])[0]
    struct.pack_into("<I", sb, mdread.CSUM_OFF, mdread.sb_checksum(sb, max_dev))
    f.seek(off)
    f.write(sb)
