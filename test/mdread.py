#!/usr/bin/env python3
"""mdread.py: an independent reader of Linux md v1.x arrays (test oracle).

Superblock versions 1.0 (at the end of each member), 1.2 (at byte 4096) and
1.1 (at byte 0) are found in that order (the first location holding the md
magic with major_version 1 and a super_offset equal to that location wins);
each member's data starts at its own data_offset.

Written from /work/shared/md-format.md (section numbers are cited as "§N"),
not from raidmig's C code, so that a mistake shared with raidmig shows up.
Python 3.11, standard library only.

Usage:
  mdread.py examine IMG...
      Parse the v1.x superblock of each image; print one JSON object per
      image per line.  Exit 1 if an image has no md superblock at all.
      For a 1.1 or 1.2 superblock the object also has "version" ("1.1",
      "1.2"); a 1.0 one's output is unchanged (no "version" key).
  mdread.py read [--missing I,J] [--check | --synced] [--bytes N] [--force] IMG...
      Assemble the members from their superblocks (all images are given;
      --missing names the roles (slots) to treat as absent) and write the
      array's volume to stdout, reconstructing missing roles from parity or
      copies.  --bytes N stops after N bytes.
      --check writes no volume: it verifies every stripe's P (and Q) and
      every mirror copy over the member area in use, and prints one JSON
      line {"stripes": .., "parity_mismatches": .., "copy_mismatches": ..,
      "first_bad": ..}.  --check cannot be combined with --missing.
      --synced is --check below the superblock's resync_offset only: the
      part md would resync when it starts the array is not checked.
      --force accepts superblocks the kernel would refuse (bad checksum,
      unknown feature bits, non-zero padding, ...), warning on stderr.
  mdread.py layout LEVEL LAYOUT N STRIPE
      Debug aid: where P, Q and each data chunk of one stripe live (RAID0/4/
      5/6), the Q slot order; for RAID10 (LAYOUT as a number, e.g. 0x102)
      the copies of array chunk STRIPE.
  mdread.py selftest
      Internal consistency checks (no external tools): prints
      "selftest: N checks passed" or the failing check.

Exit status: 0 fine; 1 no md superblock / unreadable image; 2 bad usage,
or assembly refused (members disagree, unsupported geometry, a superblock
the kernel would refuse); 3 redundancy exceeded by --missing;
4 --check found mismatches.

Library use (python3 -c 'import sys; sys.path.insert(0, "test"); import mdread'):
  mdread.parse_superblock(sb_bytes, dev_bytes, minor=0) -> dict (see examine;
      minor: where sb_bytes was read, 0 = v1.0, 1 = sector 0, 2 = sector 8)
  mdread.examine(source)                        -> dict
  mdread.assemble(sources, missing=(), force=False) -> Array
      (an Array holds open files: close() it, or use it in a "with")
  mdread.read_volume(array, nbytes=None)        -> bytes
  mdread.iter_volume(array, nbytes=None)        -> iterator of bytes
  mdread.check(array)                           -> dict
A source is a path, or bytes (an in-memory image), or a (name, bytes) pair.
Errors raise MdError subclasses whose .code is the CLI exit status.
"""

import json
import os
import random
import struct
import sys

SECTOR = 512                     # md units are 512-byte sectors (conventions)
MD_SB_MAGIC = 0xA92B4EFC         # §1.1
MAX_SECTOR = 0xFFFFFFFFFFFFFFFF  # conventions: MaxSector
MD_FEATURE_ALL = 0x1FFF          # §1.9
MAX_DEV_LIMIT = (4096 - 256) // 2  # §1.1 max_dev <= 1920
ROLE_SPARE, ROLE_FAULTY, ROLE_JOURNAL = 0xFFFF, 0xFFFE, 0xFFFD  # §1.5
ROLE_MAX = 0xFF00                # §1.5 MD_DISK_ROLE_MAX

RAID5_LAYOUTS = (0, 1, 2, 3, 4, 5)                                      # §1.7
RAID6_LAYOUTS = (0, 1, 2, 3, 4, 5, 8, 9, 10, 16, 17, 18, 19, 20)        # §1.7
DDF_LAYOUTS = (8, 9, 10)                                                # §5.2


# ---------------------------------------------------------------- errors ---

class MdError(Exception):
    code = 1


class NoSuperblock(MdError):
    code = 1


class ImageError(MdError):
    code = 1


class AssemblyError(MdError):
    code = 2


class RedundancyError(MdError):
    code = 3


# ------------------------------------------------------------ superblock ---

# §1.1 byte map of struct mdp_superblock_1: (name, offset, struct format)
SB_FIELDS = (
    ("magic", 0x00, "<I"),
    ("major_version", 0x04, "<I"),
    ("feature_map", 0x08, "<I"),
    ("pad0", 0x0C, "<I"),
    ("set_uuid", 0x10, "16s"),
    ("set_name", 0x20, "32s"),
    ("ctime", 0x40, "<Q"),
    ("level", 0x48, "<i"),
    ("layout", 0x4C, "<I"),
    ("size", 0x50, "<Q"),
    ("chunksize", 0x58, "<I"),
    ("raid_disks", 0x5C, "<I"),
    ("bitmap_offset", 0x60, "<i"),
    ("new_level", 0x64, "<i"),
    ("reshape_position", 0x68, "<Q"),
    ("delta_disks", 0x70, "<i"),
    ("new_layout", 0x74, "<I"),
    ("new_chunk", 0x78, "<I"),
    ("new_offset", 0x7C, "<i"),
    ("data_offset", 0x80, "<Q"),
    ("data_size", 0x88, "<Q"),
    ("super_offset", 0x90, "<Q"),
    ("recovery_offset", 0x98, "<Q"),
    ("dev_number", 0xA0, "<I"),
    ("cnt_corrected_read", 0xA4, "<I"),
    ("device_uuid", 0xA8, "16s"),
    ("devflags", 0xB8, "<B"),
    ("bblog_shift", 0xB9, "<B"),
    ("bblog_size", 0xBA, "<H"),
    ("bblog_offset", 0xBC, "<i"),
    ("utime", 0xC0, "<Q"),
    ("events", 0xC8, "<Q"),
    ("resync_offset", 0xD0, "<Q"),
    ("sb_csum", 0xD8, "<I"),
    ("max_dev", 0xDC, "<I"),
    ("pad3", 0xE0, "32s"),
)
SB_FIXED = 256
CSUM_OFF = 0xD8


def sb_location(dev_bytes):
    """§1.2: v1.0 super_offset = (S - 16) & ~7 with S = size in sectors.
    None when the device is below mdadm's minimum of 24 sectors."""
    s = dev_bytes // SECTOR
    if s < 24:
        return None
    return (s - 16) & ~7


# §1.2: v1.1 superblock at sector 0, v1.2 at sector 8 (byte 4096)
SB_FRONT_LOCATION = {1: 0, 2: 8}
# the order in which _load_sb looks: 1.0 (end), 1.2, 1.1
SB_SEARCH_ORDER = (0, 2, 1)


def sb_location_minor(minor, dev_bytes):
    """super_offset of a v1.<minor> superblock on a device of dev_bytes
    (§1.2); None when the device is below md's minimum of 24 sectors."""
    if dev_bytes // SECTOR < 24:
        return None
    if minor == 0:
        return sb_location(dev_bytes)
    if minor in SB_FRONT_LOCATION:
        return SB_FRONT_LOCATION[minor]
    raise ValueError("md v1.%s superblock: no such minor version" % minor)


def sb_checksum(sb, max_dev):
    """§1.4 calc_sb_1_csum: LE u32 sum over 256 + 2*max_dev bytes with the
    csum field taken as 0, plus the trailing LE u16 when max_dev is odd;
    folded once: (sum & 0xffffffff) + (sum >> 32), carry dropped."""
    length = SB_FIXED + 2 * max_dev
    if len(sb) < length:
        raise ValueError("superblock buffer shorter than 256 + 2*max_dev")
    words = length // 4
    total = sum(struct.unpack_from("<%dI" % words, sb, 0))
    total -= struct.unpack_from("<I", sb, CSUM_OFF)[0]   # csum counts as 0
    if length % 4 == 2:
        total += struct.unpack_from("<H", sb, words * 4)[0]
    return ((total & 0xFFFFFFFF) + (total >> 32)) & 0xFFFFFFFF


def _role_name(role):
    if role is None:
        return "none (dev_number >= max_dev)"
    if role < ROLE_MAX:
        return "active"
    return {ROLE_SPARE: "spare", ROLE_FAULTY: "faulty",
            ROLE_JOURNAL: "journal"}.get(role, "reserved")


def parse_superblock(sb, dev_bytes, name="image", minor=0):
    """Parse a v1.x superblock (v1.0 unless minor says 1 or 2).

    sb: the bytes read at the v1.<minor> location (at least 256, normally
        4096: the kernel reads 4096, §1.2); dev_bytes: the member's size in
        bytes; minor: the location the superblock was read from (0: the
        v1.0 place near the end, 1: sector 0, 2: sector 8).
    Returns a dict of every field (§1.1) plus role, role_name, dev_roles,
    array_state, csum_ok, csum_expected, expected_super_offset,
    minor_version, version ("1.<minor>") and "errors": the reasons the
    kernel would refuse this superblock (§2).
    Raises NoSuperblock when the magic is absent."""
    if len(sb) < SB_FIXED:
        raise NoSuperblock("%s: too short to hold an md superblock" % name)
    d = {}
    for fname, off, fmt in SB_FIELDS:
        d[fname] = struct.unpack_from(fmt, sb, off)[0]
    if d["magic"] != MD_SB_MAGIC:
        raise NoSuperblock("%s: no md superblock (magic 0x%08x, want 0x%08x)"
                           % (name, d["magic"], MD_SB_MAGIC))
    if minor not in (0, 1, 2):
        raise ValueError("md v1.%s superblock: no such minor version" % minor)
    d["minor_version"] = minor
    d["version"] = "1.%d" % minor
    errors = []
    if d["major_version"] != 1:                                   # §2
        errors.append("major_version %d, not 1" % d["major_version"])
    if minor == 0:
        expected = sb_location(dev_bytes)
        d["expected_super_offset"] = expected
        if d["super_offset"] != expected:                         # §1.2, §2
            errors.append("super_offset %d != computed v1.0 location %s"
                          % (d["super_offset"], expected))
    else:
        expected = SB_FRONT_LOCATION[minor]
        d["expected_super_offset"] = expected
        if d["super_offset"] != expected:                         # §1.2, §2
            errors.append("super_offset %d != v1.%d location %d"
                          % (d["super_offset"], minor, expected))
    if d["pad0"] != 0:                                            # §1.1, §2
        errors.append("pad0 is 0x%x, not 0" % d["pad0"])
    if d["pad3"] != bytes(32):
        errors.append("pad3 is not all zero")
    fm = d["feature_map"]
    if fm & ~MD_FEATURE_ALL:                                      # §1.9, §2
        errors.append("unknown feature bits 0x%x (kernel refuses)"
                      % (fm & ~MD_FEATURE_ALL))
    if fm & 0x1000 and d["level"] != 0:                           # §1.9
        errors.append("feature 0x1000 (RAID0_LAYOUT) with level %d" % d["level"])
    if fm & 0x400 and fm & 0x800:                                 # §1.9
        errors.append("features PPL and MULTIPLE_PPLS both set")
    if fm & 0xC00 and fm & 0x201:
        errors.append("PPL combined with BITMAP_OFFSET or JOURNAL")
    if minor == 0:
        # §1.3 kernel constraints for minor 0 (data_size <= sb_start, >= 10;
        # md_run "data overlaps metadata": data_offset + size <= super_offset)
        if d["data_size"] > d["super_offset"]:
            errors.append("data_size %d > super_offset %d"
                          % (d["data_size"], d["super_offset"]))
    else:
        errors += _front_layout_errors(d, minor, expected, dev_bytes)
    if d["data_size"] < 10:
        errors.append("data_size %d < 10" % d["data_size"])
    if (d["data_offset"] < d["super_offset"]
            and d["data_offset"] + d["size"] > d["super_offset"]):
        errors.append("data overlaps metadata: data_offset %d + size %d > "
                      "super_offset %d" % (d["data_offset"], d["size"],
                                           d["super_offset"]))
    max_dev = d["max_dev"]
    roles = []
    csum_ok = False
    csum_expected = None
    if max_dev > MAX_DEV_LIMIT:                                   # §1.1
        errors.append("max_dev %d > %d" % (max_dev, MAX_DEV_LIMIT))
    elif SB_FIXED + 2 * max_dev > len(sb):
        errors.append("superblock buffer too short for max_dev %d" % max_dev)
    else:
        roles = list(struct.unpack_from("<%dH" % max_dev, sb, SB_FIXED))
        csum_expected = sb_checksum(sb, max_dev)
        csum_ok = csum_expected == d["sb_csum"]
        if not csum_ok:
            errors.append("checksum 0x%08x, expected 0x%08x"
                          % (d["sb_csum"], csum_expected))
    role = roles[d["dev_number"]] if d["dev_number"] < len(roles) else None
    d["dev_roles"] = roles
    d["role"] = role
    d["role_name"] = _role_name(role)
    # §1.5: mdadm's "Array State": A = one device has the role, R = two,
    # . = none
    state = ""
    for slot in range(min(d["raid_disks"], 4096)):
        cnt = roles.count(slot)
        state += "." if cnt == 0 else ("A" if cnt == 1 else "R")
    d["array_state"] = state
    d["csum_ok"] = csum_ok
    d["csum_expected"] = csum_expected
    d["errors"] = errors
    return d


def _front_layout_errors(d, minor, sb_sec, dev_bytes):
    """v1.1/v1.2 (metadata before the data): the superblock's 4 KiB at
    sb_sec (§1.2 "reserve the whole 4 KiB"), the bad-block log and an
    internal bitmap must lie below data_offset, and the data area must fit
    on the device (the kernel's super_1_load takes sectors = device size -
    data_offset for minor 1/2 and refuses a larger data_size).  A loose
    check: the bitmap's length is not read."""
    errs = []
    dev_sectors = dev_bytes // SECTOR
    doff, dsize = d["data_offset"], d["data_size"]
    need = sb_sec + 8
    if doff < need:
        errs.append("data_offset %d < %d: the data would overlap the v1.%d "
                    "superblock (4 KiB at sector %d)" % (doff, need, minor, sb_sec))
    if doff + dsize > dev_sectors:
        errs.append("data_offset %d + data_size %d > device size %d sectors"
                    % (doff, dsize, dev_sectors))
    if doff + d["size"] > dev_sectors:
        errs.append("data_offset %d + size %d > device size %d sectors"
                    % (doff, d["size"], dev_sectors))
    if d["bblog_size"] and d["bblog_offset"]:
        start = sb_sec + d["bblog_offset"]
        end = start + d["bblog_size"]
        if start < 0 or end > dev_sectors:
            errs.append("bad-block log (sectors %d..%d) outside the device "
                        "(%d sectors)" % (start, end, dev_sectors))
        elif start < doff + dsize and end > doff:
            errs.append("bad-block log (sectors %d..%d) overlaps the data "
                        "area (sectors %d..%d)" % (start, end, doff, doff + dsize))
    if d["feature_map"] & 0x1:
        start = sb_sec + d["bitmap_offset"]
        if doff <= start < doff + dsize:
            errs.append("internal bitmap at sector %d is inside the data area "
                        "(sectors %d..%d)" % (start, doff, doff + dsize))
    return errs


def superblock_json(d, name):
    """The examine output for one image (JSON-able dict)."""
    out = {"image": name}
    for key in ("feature_map", "set_uuid", "set_name", "ctime", "utime",
                "level", "layout", "size", "chunksize", "raid_disks",
                "data_offset", "data_size", "super_offset",
                "expected_super_offset", "recovery_offset", "dev_number",
                "role", "role_name", "events", "resync_offset", "max_dev",
                "bblog_shift", "bblog_size", "bblog_offset", "bitmap_offset",
                "new_level", "reshape_position", "delta_disks", "new_layout",
                "new_chunk", "new_offset", "devflags", "device_uuid",
                "sb_csum", "csum_ok", "csum_expected", "array_state",
                "errors"):
        v = d[key]
        if key in ("set_uuid", "device_uuid"):
            v = v.hex()
        elif key == "set_name":
            v = v.split(b"\0", 1)[0].decode("utf-8", "replace")
        out[key] = v
    if d.get("minor_version", 0) != 0:
        # only for 1.1/1.2: the output for 1.0 stays as it was
        out["version"] = d["version"]
    return out


# ----------------------------------------------------------------- images ---

class _Buf:
    """Random access to a member image (file via pread, or bytes)."""

    def __init__(self, source, index):
        self.fd = None
        if isinstance(source, tuple):
            self.name, data = source
            self.mem = bytes(data)
            self.nbytes = len(self.mem)
        elif isinstance(source, (bytes, bytearray, memoryview)):
            self.name = "<memory image %d>" % index
            self.mem = bytes(source)
            self.nbytes = len(self.mem)
        else:
            self.name = os.fspath(source)
            self.mem = None
            try:
                self.fd = os.open(self.name, os.O_RDONLY)
                self.nbytes = os.lseek(self.fd, 0, os.SEEK_END)
            except OSError as e:
                raise ImageError("%s: cannot open: %s" % (self.name, e.strerror))

    def pread(self, offset, length):
        if offset < 0 or offset + length > self.nbytes:
            raise ImageError("%s: read of %d bytes at byte %d is past the end "
                             "(%d bytes)" % (self.name, length, offset, self.nbytes))
        if self.mem is not None:
            return self.mem[offset:offset + length]
        try:
            data = os.pread(self.fd, length, offset)
        except OSError as e:
            raise ImageError("%s: read error at byte %d: %s"
                             % (self.name, offset, e.strerror))
        if len(data) != length:
            raise ImageError("%s: short read at byte %d" % (self.name, offset))
        return data

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _load_sb(buf):
    """Find and parse the member's superblock (§1.2): v1.0 at the end, else
    v1.2 at sector 8, else v1.1 at sector 0.  A location counts when it
    holds the magic and major_version 1; among those, one whose
    super_offset equals its location is preferred (as mdadm's load_super1
    skips a superblock with the wrong super_offset), else the first in
    that order is parsed so its errors are reported.  A magic with another
    major_version is parsed (and refused) only when no location holds a
    v1 superblock.  (On a device of 24 to 31 sectors the v1.0 location is
    sector 8, the v1.2 one: such a superblock is taken for v1.0, as mdadm
    does when the ctimes tie.)"""
    loc = sb_location(buf.nbytes)
    if loc is None:
        raise NoSuperblock("%s: no md superblock: %d bytes is below md's "
                           "minimum of 24 sectors" % (buf.name, buf.nbytes))
    found = []          # (minor, raw, magic, major_version, super_offset)
    raw0 = None
    for minor in SB_SEARCH_ORDER:
        sec = sb_location_minor(minor, buf.nbytes)
        nread = min(4096, buf.nbytes - sec * SECTOR)
        raw = buf.pread(sec * SECTOR, nread)
        if minor == 0:
            raw0 = raw
        if len(raw) < SB_FIXED:
            continue
        magic, major = struct.unpack_from("<II", raw, 0)
        if magic != MD_SB_MAGIC:
            continue
        so = struct.unpack_from("<Q", raw, 0x90)[0]
        found.append((minor, raw, major == 1, so == sec))
    pick = (next((f for f in found if f[2] and f[3]), None)
            or next((f for f in found if f[2]), None)
            or (found[0] if found else None))
    if pick is None:
        raise NoSuperblock("%s: no md v1.0 superblock at sector %d (magic "
                           "0x%08x, want 0x%08x)" % (buf.name, loc,
                                                     struct.unpack_from("<I", raw0)[0],
                                                     MD_SB_MAGIC))
    return parse_superblock(pick[1], buf.nbytes, buf.name, minor=pick[0])


def examine(source):
    """Parse one member's superblock; returns the examine JSON dict."""
    buf = _Buf(source, 0)
    try:
        return superblock_json(_load_sb(buf), buf.name)
    finally:
        buf.close()


# -------------------------------------------------------------- GF(2^8) ---

def gf_mul(a, b):
    """§5.2: GF(2^8) product, polynomial x^8+x^4+x^3+x^2+1 (0x11D)."""
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        if a & 0x100:
            a ^= 0x11D
        b >>= 1
    return r


_MUL_TABLES = {}


def mul_table(c):
    """256-byte table x -> c*x, for bytes.translate (whole-chunk multiply)."""
    t = _MUL_TABLES.get(c)
    if t is None:
        t = bytes(gf_mul(c, x) for x in range(256))
        _MUL_TABLES[c] = t
    return t


def gf_pow2(e):
    """g^e with generator g = 0x02 (§5.2)."""
    r = 1
    for _ in range(e % 255):
        r = gf_mul(r, 2)
    return r


def gf_inv(a):
    if a == 0:
        raise ZeroDivisionError("GF(2^8) inverse of 0")
    for x in range(1, 256):
        if gf_mul(a, x) == 1:
            return x
    raise AssertionError("no inverse")


def _xor_int(chunks):
    acc = 0
    for c in chunks:
        acc ^= int.from_bytes(c, "little")
    return acc


def _to_bytes(v, length):
    return v.to_bytes(length, "little")


# ----------------------------------------------------- RAID4/5/6 layout ---

def stripe_geometry(level, layout, n, s):
    """§5.1/§5.2 tables, stripe s of an n-disk RAID4/5/6.

    Returns (P, Q, D, qexp): P and Q disks (Q None below RAID6), D[i] the
    disk of data index i, qexp[i] the exponent z of g^z that multiplies
    data index i in Q (None below RAID6)."""
    if level in (4, 5):
        k = n - 1
        r = s % n
        if level == 4:                   # §5.1: parity always on disk n-1
            p = n - 1
            dd = list(range(k))
        elif layout == 0:                # left-asymmetric
            p = k - r
            dd = [i if i < p else i + 1 for i in range(k)]
        elif layout == 1:                # right-asymmetric
            p = r
            dd = [i if i < p else i + 1 for i in range(k)]
        elif layout == 2:                # left-symmetric
            p = k - r
            dd = [(p + 1 + i) % n for i in range(k)]
        elif layout == 3:                # right-symmetric
            p = r
            dd = [(p + 1 + i) % n for i in range(k)]
        elif layout == 4:                # parity-first
            p = 0
            dd = [i + 1 for i in range(k)]
        elif layout == 5:                # parity-last
            p = n - 1
            dd = list(range(k))
        else:
            raise AssemblyError("RAID5 layout %d is not valid (0..5, §1.7)" % layout)
        return p, None, dd, None
    if level != 6:
        raise AssemblyError("no stripe geometry for level %d" % level)
    k = n - 2
    r = s % n

    def asym(p):                         # §5.2 rule of layout 0
        if p == n - 1:
            return 0, [i + 1 for i in range(k)]
        return p + 1, [i if i < p else i + 2 for i in range(k)]

    if layout in (0, 1, 8, 9):
        if layout == 0:
            p = n - 1 - r
        elif layout in (1, 8):
            p = r
        else:                            # 9: ddf-N-restart
            p = n - 1 - ((s + 1) % n)
        q, dd = asym(p)
    elif layout in (2, 3):
        p = n - 1 - r if layout == 2 else r
        q = (p + 1) % n
        dd = [(p + 2 + i) % n for i in range(k)]
    elif layout == 4:
        p, q, dd = 0, 1, [i + 2 for i in range(k)]
    elif layout == 5:
        p, q, dd = n - 2, n - 1, list(range(k))
    elif layout == 10:                   # ddf-N-continue
        p = n - 1 - r
        q = (p + n - 1) % n
        dd = [(p + 1 + i) % n for i in range(k)]
    elif layout in (16, 17, 18, 19):
        # RAID5 algorithm layout-16 on the first m = n-1 disks, r' = s mod m,
        # "k" = n-2; Q on disk n-1
        m = n - 1
        r2 = s % m
        if layout in (16, 18):
            p = k - r2
        else:
            p = r2
        if layout in (16, 17):
            dd = [i if i < p else i + 1 for i in range(k)]
        else:
            dd = [(p + 1 + i) % m for i in range(k)]
        q = n - 1
    elif layout == 20:                   # parity-first-6
        p, q, dd = 0, n - 1, [i + 1 for i in range(k)]
    else:
        raise AssemblyError("RAID6 layout %d is not valid (§1.7: 0-5, 8-10, "
                            "16-20)" % layout)
    return p, q, dd, q_exponents(layout, n, p, q, dd)


def q_slot_order(layout, n, p, q):
    """§5.2 slot order: list of disks, slot z -> disk (DDF: slot = disk,
    with P and Q as zero slots, returned as None entries)."""
    if layout in DDF_LAYOUTS:
        return [None if d in (p, q) else d for d in range(n)]
    d0 = 0 if q == n - 1 else q + 1
    order = []
    for j in range(n):
        d = (d0 + j) % n
        if d not in (p, q):
            order.append(d)
    return order


def q_exponents(layout, n, p, q, dd):
    slot_of = {d: z for z, d in enumerate(q_slot_order(layout, n, p, q))
               if d is not None}
    return [slot_of[d] for d in dd]


# ----------------------------------------------------------- RAID10 geom ---

class Raid10Geom:
    """§6: layout word, sizes and the chunk -> copies mapping."""

    def __init__(self, layout, n, chunk, size):
        if layout >> 19:
            raise AssemblyError("RAID10 layout 0x%x has bits above 18 set "
                                "(invalid, §6)" % layout)
        if layout >> 17:
            raise AssemblyError("RAID10 layout 0x%x uses far sets (bit 17/18): "
                                "not supported by mdread" % layout)
        self.nc = layout & 0xFF
        self.fc = (layout >> 8) & 0xFF
        self.far_offset = bool(layout & (1 << 16))
        self.n = n
        self.chunk = chunk
        if self.nc < 1 or self.fc < 1 or not 2 <= self.nc * self.fc <= n:
            raise AssemblyError("RAID10 layout 0x%x: near=%d far=%d need "
                                "2 <= near*far <= raid_disks=%d (§6)"
                                % (layout, self.nc, self.fc, n))
        if chunk <= 0:
            raise AssemblyError("RAID10 chunksize %d" % chunk)
        if self.far_offset and self.fc > 1 and n % self.nc:
            # __raid10_find_phys moves a wrapping near copy one row down,
            # onto the rows the offset copies use: two chunks would share a
            # place, so no such array can hold data.
            raise AssemblyError("RAID10 offset layout 0x%x with near=%d not "
                                "dividing raid_disks=%d maps two chunks to "
                                "one place; refused" % (layout, self.nc, n))
        s_chunks = size // chunk
        # §6 size: array_chunks = floor(floor(S/fc)*n/nc);
        # dev_chunks = ceil(array_chunks*nc*fc/n); stride
        array_chunks = (s_chunks // self.fc) * n // self.nc
        copies = self.nc * self.fc
        self.dev_chunks = -(-array_chunks * copies // n)
        self.stride = chunk if self.far_offset else (self.dev_chunks // self.fc) * chunk
        # array size from dev_chunks (calc_sectors, raid10_size)
        self.array_chunks = (self.dev_chunks // self.fc) * n // self.nc
        self.dev_sectors = self.dev_chunks * chunk

    def copies(self, c):
        """[(disk, member sector from data_offset)] for array chunk c (§6
        mapping steps 1-2)."""
        nc, fc, n, C = self.nc, self.fc, self.n, self.chunk
        x = c * nc
        d = x % n
        r = x // n
        if self.far_offset:
            r *= fc
        base = r * C
        out = []
        for _ in range(nc):
            out.append((d, base))
            for f in range(1, fc):
                out.append(((d + f * nc) % n, base + f * self.stride))
            d += 1
            if d == n:
                d = 0
                base += C
        return out


# ------------------------------------------------------------- assembly ---

class Array:
    """An assembled array: members[role] is a _Buf-backed member or None."""

    def __init__(self):
        self.level = self.layout = self.chunk = self.n = self.size = None
        self.members = []          # by role: Member or None (missing)
        self.missing = ()
        self.array_sectors = 0
        self.dev_sectors = 0       # member sectors in use (from data_offset)
        self.sb = None             # a reference superblock (dict)
        self.r10 = None
        self.stripes = 0
        self._geom = {}
        self.dirty = False

    def geom(self, s):
        key = s % (self.n * (self.n - 1))   # every layout repeats with it
        g = self._geom.get(key)
        if g is None:
            g = stripe_geometry(self.level, self.layout, self.n, s)
            if g[3] is not None:
                g = g + ([mul_table(gf_pow2(e)) for e in g[3]],)
            else:
                g = g + (None,)
            self._geom[key] = g
        return g

    def read(self, role, sector, count):
        m = self.members[role]
        return m.buf.pread((m.data_offset + sector) * SECTOR, count * SECTOR)

    def close(self):
        for m in self.members:
            if m is not None:
                m.buf.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Member:
    def __init__(self, buf, sb):
        self.buf = buf
        self.sb = sb
        self.name = buf.name
        self.role = sb["role"]
        self.data_offset = sb["data_offset"]


def _fmt_roles(roles):
    return ", ".join(str(r) for r in sorted(roles))


def assemble(sources, missing=(), force=False, warn=None):
    """Assemble the members like md (§1.5, §1.6, §1.7) and return an Array.

    missing: roles (slots) to treat as absent.  force: accept superblocks
    the kernel would refuse (reasons go to warn(msg)).
    Raises NoSuperblock/ImageError (1), AssemblyError (2), RedundancyError (3).
    """
    if warn is None:
        def warn(msg):
            print("mdread: warning: " + msg, file=sys.stderr)
    if not sources:
        raise AssemblyError("no member images given")
    bufs = [_Buf(src, i) for i, src in enumerate(sources)]
    try:
        return _assemble(bufs, set(missing), force, warn)
    except BaseException:
        for b in bufs:
            b.close()
        raise


def _assemble(bufs, missing, force, warn):
    sbs = [(_load_sb(b), b) for b in bufs]
    for sb, b in sbs:
        if sb["errors"]:
            msg = "%s: superblock the kernel would refuse: %s" % (
                b.name, "; ".join(sb["errors"]))
            if not force and sb["role"] not in missing:
                raise AssemblyError(msg + " (use --force to read anyway, or "
                                    "--missing its role)")
            warn(msg)
    ref, refbuf = sbs[0]
    # §1.6: mdadm compare_super1 groups only identical set_uuid, ctime,
    # level, layout, size, chunksize, raid_disks
    for sb, b in sbs[1:]:
        for key in ("set_uuid", "level", "layout", "chunksize", "raid_disks",
                    "size", "ctime"):
            if sb[key] != ref[key]:
                v1, v2 = ref[key], sb[key]
                if key == "set_uuid":
                    v1, v2 = v1.hex(), v2.hex()
                raise AssemblyError("%s and %s are not members of one array: "
                                    "%s %s vs %s" % (refbuf.name, b.name, key,
                                                     v1, v2))
    # the kernel loads every member of one array with the same minor version
    # (mdadm passes it in SET_ARRAY_INFO); §1.2
    for sb, b in sbs[1:]:
        if sb["minor_version"] != ref["minor_version"]:
            raise AssemblyError("%s and %s are not members of one array: "
                                "superblock version %s vs %s"
                                % (refbuf.name, b.name, ref["version"],
                                   sb["version"]))
    seen_devnum = {}
    for sb, b in sbs:
        if sb["dev_number"] in seen_devnum:
            raise AssemblyError("%s and %s have the same dev_number %d"
                                % (seen_devnum[sb["dev_number"]], b.name,
                                   sb["dev_number"]))
        seen_devnum[sb["dev_number"]] = b.name
    n = ref["raid_disks"]
    level = ref["level"]
    layout = ref["layout"]
    chunk = ref["chunksize"]
    if n < 1:
        raise AssemblyError("raid_disks is %d" % n)
    bad_missing = [r for r in missing if not 0 <= r < n]
    if bad_missing:
        raise AssemblyError("--missing role(s) %s outside 0..%d"
                            % (_fmt_roles(bad_missing), n - 1))
    # §1.5: every member carries the whole role table; they should agree
    for sb, b in sbs[1:]:
        if sb["dev_roles"] != ref["dev_roles"]:
            raise AssemblyError("dev_roles tables differ between %s and %s"
                                % (refbuf.name, b.name))
    # §1.6: the kernel kicks members whose events + 1 < the freshest count
    maxev = max(sb["events"] for sb, _ in sbs)
    fm_any = 0
    members = [None] * n
    for sb, b in sbs:
        role = sb["role"]
        fm = sb["feature_map"]
        fm_any |= fm
        if role is None or role >= ROLE_MAX:
            warn("%s: not an active member (%s); ignored"
                 % (b.name, _role_name(role)))
            b.close()
            continue
        if role >= n:
            raise AssemblyError("%s: role %d >= raid_disks %d"
                                % (b.name, role, n))
        if members[role] is not None:
            raise AssemblyError("%s and %s both have role %d"
                                % (members[role].name, b.name, role))
        members[role] = Member(b, sb)
        if role in missing:
            continue
        if sb["events"] + 1 < maxev:
            raise AssemblyError("%s (role %d) is stale: events %d, freshest %d "
                                "(md would kick it; pass --missing %d)"
                                % (b.name, role, sb["events"], maxev, role))
        if fm & 0x2:   # §1.8: active role with RECOVERY_OFFSET: not in sync
            raise AssemblyError("%s (role %d) is only partly recovered "
                                "(feature 0x2, recovery_offset %d); pass "
                                "--missing %d" % (b.name, role,
                                                  sb["recovery_offset"], role))
        if fm & 0x8:
            msg = "%s: bad-block log not empty (feature 0x8)" % b.name
            if not force:
                raise AssemblyError(msg + " (use --force to read anyway)")
            warn(msg)
    if fm_any & (0x4 | 0x20 | 0x40):
        raise AssemblyError("reshape in progress (feature_map 0x%x): not "
                            "supported" % fm_any)
    if fm_any & 0x10:
        raise AssemblyError("replacement devices (feature 0x10): not supported")
    if fm_any & 0x200:
        raise AssemblyError("write journal (feature 0x200): not supported")
    absent = [r for r in range(n) if members[r] is None and r not in missing]
    if absent:
        raise AssemblyError("no member image has role(s) %s; give them with "
                            "--missing to read degraded" % _fmt_roles(absent))
    arr = Array()
    arr.level, arr.layout, arr.chunk, arr.n = level, layout, chunk, n
    arr.size = ref["size"]
    arr.sb = ref
    arr.dirty = ref["resync_offset"] != MAX_SECTOR
    arr.resync_offset = ref["resync_offset"]
    arr.missing = tuple(sorted(missing))
    for r in missing:             # a missing role is never read
        if members[r] is not None:
            members[r].buf.close()
        members[r] = None
    arr.members = members
    _set_geometry(arr, [sb for sb, _ in sbs])
    _check_redundancy(arr)
    # every present member must hold its data area (§1.3): below the
    # superblock for v1.0, within data_offset + data_size for v1.1/1.2
    # (whose superblock lies before data_offset)
    for role, m in enumerate(arr.members):
        if m is None:
            continue
        end = m.data_offset + arr.dev_sectors
        if m.sb["minor_version"] == 0:
            if end > m.sb["super_offset"]:
                raise AssemblyError("%s: data area ends at sector %d, past "
                                    "super_offset %d" % (m.name, end,
                                                         m.sb["super_offset"]))
        elif end > m.data_offset + m.sb["data_size"]:
            raise AssemblyError("%s: data area ends at sector %d, past "
                                "data_offset %d + data_size %d"
                                % (m.name, end, m.data_offset, m.sb["data_size"]))
        if end * SECTOR > m.buf.nbytes:
            raise ImageError("%s: image too small for its data area (%d "
                             "sectors needed)" % (m.name, end))
    return arr


def _set_geometry(arr, sbs):
    level, n, C, size = arr.level, arr.n, arr.chunk, arr.size
    if level == 0:
        # §4: one zone only: each member's data_size rounded down to C
        if C <= 0:
            raise AssemblyError("RAID0 with chunksize %d" % C)
        zone = {sb["data_size"] // C * C for sb in sbs if sb["role"] is not None
                and sb["role"] < n}
        if len(zone) != 1:
            raise AssemblyError("RAID0 members of different sizes (%s sectors "
                                "after rounding to the chunk): multi-zone "
                                "RAID0 is not supported"
                                % ", ".join(str(z) for z in sorted(zone)))
        arr.dev_sectors = zone.pop()
        arr.stripes = arr.dev_sectors // C
        # §1.7 / §4 say sum of floor(data_size/C)*C.  The kernel's raid0_size
        # adds (rdev->sectors & ~(C-1)) to rdev->sectors already rounded
        # down to C: a mask, not a rounding, so for a chunk that is not a
        # power of 2 the array is shorter (checked on Linux 6.1: 12 KiB
        # chunk, 2 x 8184 sectors -> 16336 sectors).  The mapping is the
        # same; the volume is truncated.
        arr.array_sectors = n * (arr.dev_sectors & ~(C - 1))
    elif level == 1:
        arr.dev_sectors = size                         # §1.7
        arr.array_sectors = size
        for sb in sbs:
            if sb["size"] > sb["data_size"]:
                raise AssemblyError("RAID1 size %d > data_size %d"
                                    % (sb["size"], sb["data_size"]))
    elif level in (4, 5, 6):
        k = n - (2 if level == 6 else 1)
        if level == 6 and n < 4:
            raise AssemblyError("RAID6 needs at least 4 devices, has %d" % n)
        if n < 2:
            raise AssemblyError("RAID%d needs at least 2 devices" % level)
        if level == 5 and arr.layout not in RAID5_LAYOUTS:
            raise AssemblyError("RAID5 layout %d is not valid (0..5)" % arr.layout)
        if level == 6 and arr.layout not in RAID6_LAYOUTS:
            raise AssemblyError("RAID6 layout %d is not valid (0-5, 8-10, "
                                "16-20)" % arr.layout)
        if C <= 0:
            raise AssemblyError("RAID%d with chunksize %d" % (level, C))
        # §1.3: raid5_run rounds dev_sectors down to the chunk
        arr.dev_sectors = size // C * C
        arr.stripes = arr.dev_sectors // C
        arr.array_sectors = k * arr.dev_sectors        # §1.7
    elif level == 10:
        g = Raid10Geom(arr.layout, n, C, size)
        arr.r10 = g
        arr.dev_sectors = g.dev_sectors
        arr.array_sectors = g.array_chunks * C
        arr.stripes = g.array_chunks
    else:
        raise AssemblyError("level %d not supported" % level)


def _check_redundancy(arr):
    miss = set(arr.missing)
    if not miss:
        return
    n, level = arr.n, arr.level
    what = "RAID%d with %d members" % (level, n)
    if level == 0:
        raise RedundancyError("%s has no redundancy; missing role(s) %s"
                              % (what, _fmt_roles(miss)))
    if level == 1:
        if len(miss) >= n:
            raise RedundancyError("%s: all roles missing (%s)"
                                  % (what, _fmt_roles(miss)))
    elif level in (4, 5):
        if len(miss) > 1:
            raise RedundancyError("%s tolerates 1 missing role; missing role(s) "
                                  "%s" % (what, _fmt_roles(miss)))
    elif level == 6:
        if len(miss) > 2:
            raise RedundancyError("%s tolerates 2 missing roles; missing "
                                  "role(s) %s" % (what, _fmt_roles(miss)))
    elif level == 10:
        # the disks holding chunk c depend on c mod n only (§6 mapping)
        for c in range(min(n, max(arr.r10.array_chunks, 1))):
            disks = {d for d, _ in arr.r10.copies(c)}
            if disks <= miss:
                raise RedundancyError("%s layout 0x%x: every copy of chunk %d "
                                      "(roles %s) is among the missing role(s) "
                                      "%s" % (what, arr.layout, c,
                                              _fmt_roles(disks),
                                              _fmt_roles(miss)))


# -------------------------------------------------------------- reading ---

def _reconstruct(arr, s, g):
    """Return the data chunks of stripe s (list by data index), rebuilding
    the missing ones (§5: P = XOR; Q = sum g^z D_slot(z))."""
    p, q, dd, qexp, tabs = g
    C = arr.chunk
    cb = C * SECTOR
    sec = s * C
    miss = set(arr.missing)
    data = [None if d in miss else arr.read(d, sec, C) for d in dd]
    lost = [i for i, d in enumerate(dd) if d in miss]
    if not lost:
        return data
    if arr.level in (4, 5) or (len(lost) == 1 and p not in miss):
        # XOR of P and the other data chunks
        acc = int.from_bytes(arr.read(p, sec, C), "little") ^ _xor_int(
            c for c in data if c is not None)
        data[lost[0]] = _to_bytes(acc, cb)
        return data
    # RAID6 with Q: syndrome of the present data
    qacc = int.from_bytes(arr.read(q, sec, C), "little")
    for i, c in enumerate(data):
        if c is not None:
            qacc ^= int.from_bytes(c.translate(tabs[i]), "little")
    if len(lost) == 1:                   # P missing too: D_x = Q' / g^zx
        x = lost[0]
        inv = mul_table(gf_inv(gf_pow2(qexp[x])))
        data[x] = _to_bytes(qacc, cb).translate(inv)
        return data
    a, b = lost                          # two data chunks, P and Q present
    pacc = int.from_bytes(arr.read(p, sec, C), "little") ^ _xor_int(
        c for c in data if c is not None)
    ga, gb = gf_pow2(qexp[a]), gf_pow2(qexp[b])
    # D_a = (Q' + g^b P') / (g^a + g^b); D_b = P' + D_a
    t = qacc ^ int.from_bytes(_to_bytes(pacc, cb).translate(mul_table(gb)),
                              "little")
    da = _to_bytes(t, cb).translate(mul_table(gf_inv(ga ^ gb)))
    data[a] = da
    data[b] = _to_bytes(pacc ^ int.from_bytes(da, "little"), cb)
    return data


def _iter_raw(arr):
    C = arr.chunk
    if arr.level == 0:
        # §4: chunk c on disk c mod n at member sector (c/n)*C
        for row in range(arr.stripes):
            for d in range(arr.n):
                yield arr.read(d, row * C, C)
    elif arr.level == 1:
        role = next(r for r in range(arr.n) if arr.members[r] is not None)
        step = 2048
        for sec in range(0, arr.size, step):
            yield arr.read(role, sec, min(step, arr.size - sec))
    elif arr.level in (4, 5, 6):
        for s in range(arr.stripes):
            g = arr.geom(s)
            yield from _reconstruct(arr, s, g)
    elif arr.level == 10:
        g = arr.r10
        for c in range(g.array_chunks):
            for d, sec in g.copies(c):
                if arr.members[d] is not None:
                    yield arr.read(d, sec, C)
                    break
            else:
                raise RedundancyError("chunk %d: no copy present" % c)


def iter_volume(arr, nbytes=None):
    """Yield the array's volume as bytes pieces (at most nbytes in all)."""
    left = arr.array_sectors * SECTOR if nbytes is None else \
        min(nbytes, arr.array_sectors * SECTOR)
    if left <= 0:
        return
    for piece in _iter_raw(arr):
        if len(piece) >= left:
            yield piece[:left]
            return
        left -= len(piece)
        yield piece
    # the layout walk must cover the whole array size (§1.7)
    raise AssertionError("internal: volume ended %d bytes before the array "
                         "size of %d sectors" % (left, arr.array_sectors))


def read_volume(arr, nbytes=None):
    return b"".join(iter_volume(arr, nbytes))


# ------------------------------------------------------------- checking ---

def _first_diff_sector(a, b):
    for i in range(0, len(a), SECTOR):
        if a[i:i + SECTOR] != b[i:i + SECTOR]:
            return i // SECTOR
    return None


def check(arr, synced=False):
    """Verify parity / copies over the member area in use (with `synced`,
    only below resync_offset: md resyncs the rest when it starts the
    array, md-format.md 1.8).  Returns a dict:
    stripes (units checked), unit, parity_mismatches (stripes with P or Q
    wrong), p_mismatches, q_mismatches, copy_mismatches (units whose copies
    differ), first_bad (null or a dict), dirty (resync_offset != MaxSector)."""
    if arr.missing:
        raise AssemblyError("--check needs every role present")
    res = {"level": arr.level, "layout": arr.layout, "raid_disks": arr.n,
           "array_sectors": arr.array_sectors, "dev_sectors": arr.dev_sectors,
           "stripes": 0, "unit": None, "parity_mismatches": 0,
           "p_mismatches": 0, "q_mismatches": 0, "copy_mismatches": 0,
           "first_bad": None, "dirty": arr.dirty}
    C = arr.chunk
    rs = arr.resync_offset if synced else MAX_SECTOR
    res["checked_below"] = None if rs == MAX_SECTOR else rs
    if arr.level == 0:
        res["stripes"] = arr.stripes
        res["unit"] = "stripe (no redundancy to check)"
    elif arr.level == 1:
        unit = 128
        res["unit"] = "%d sectors" % unit
        for sec in range(0, min(arr.size, rs), unit):
            cnt = min(unit, arr.size - sec, rs - sec)
            res["stripes"] += 1
            ref = arr.read(0, sec, cnt)
            bad = []
            for r in range(1, arr.n):
                other = arr.read(r, sec, cnt)
                if other != ref:
                    bad.append((r, other))
            if bad:
                res["copy_mismatches"] += 1
                if res["first_bad"] is None:
                    r, other = bad[0]
                    res["first_bad"] = {
                        "member_sector": sec + _first_diff_sector(ref, other),
                        "what": "copy", "roles": [0] + [x for x, _ in bad]}
    elif arr.level in (4, 5, 6):
        res["unit"] = "stripe"
        cb = C * SECTOR
        for s in range(min(arr.stripes, rs // C)):
            p, q, dd, qexp, tabs = arr.geom(s)
            sec = s * C
            data = [arr.read(d, sec, C) for d in dd]
            res["stripes"] += 1
            pcalc = _to_bytes(_xor_int(data), cb)
            pstore = arr.read(p, sec, C)
            bad = False
            if pcalc != pstore:
                bad = True
                res["p_mismatches"] += 1
                if res["first_bad"] is None:
                    res["first_bad"] = {
                        "stripe": s, "what": "P", "role": p,
                        "member_sector": sec + _first_diff_sector(pcalc, pstore)}
            if q is not None:
                qacc = 0
                for i, c in enumerate(data):
                    qacc ^= int.from_bytes(c.translate(tabs[i]), "little")
                qcalc = _to_bytes(qacc, cb)
                qstore = arr.read(q, sec, C)
                if qcalc != qstore:
                    bad = True
                    res["q_mismatches"] += 1
                    if res["first_bad"] is None:
                        res["first_bad"] = {
                            "stripe": s, "what": "Q", "role": q,
                            "member_sector": sec + _first_diff_sector(qcalc, qstore)}
            if bad:
                res["parity_mismatches"] += 1
    elif arr.level == 10:
        res["unit"] = "chunk"
        g = arr.r10
        for c in range(min(g.array_chunks, rs // C)):
            res["stripes"] += 1
            cps = g.copies(c)
            ref = arr.read(cps[0][0], cps[0][1], C)
            bad = []
            for d, sec in cps[1:]:
                other = arr.read(d, sec, C)
                if other != ref:
                    bad.append((d, sec, other))
            if bad:
                res["copy_mismatches"] += 1
                if res["first_bad"] is None:
                    d, sec, other = bad[0]
                    res["first_bad"] = {
                        "chunk": c, "what": "copy", "roles": [cps[0][0], d],
                        "member_sectors": [cps[0][1], sec],
                        "sector_in_chunk": _first_diff_sector(ref, other)}
    return res


# ----------------------------------------------- encoder (for selftest) ---
# Written in a different form from the reader: RAID4/5/6 placement follows
# the kernel's per-chunk computation (raid5_compute_sector style, stepping
# dd_idx), Q uses log/exp tables, Horner evaluation and the kernel's
# set_syndrome_sources walk; RAID0/RAID10 are encoded by the inverse map
# (member position -> array chunk).

_EXP = [0] * 512
_LOG = [0] * 256
_v = 1
for _i in range(255):
    _EXP[_i] = _v
    _LOG[_v] = _i
    _v <<= 1
    if _v & 0x100:
        _v ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]
_ENC_MUL2 = bytes(_EXP[_LOG[x] + 1] if x else 0 for x in range(256))


def _enc_locate(level, layout, n, chunk_number):
    """(stripe, dd_idx, pd_idx, qd_idx, ddf) kernel-style."""
    k = n - (2 if level == 6 else 1)
    stripe, dd = divmod(chunk_number, k)
    qd, ddf = -1, False
    if level == 4:
        pd = k
    elif level == 5:
        if layout == 0:
            pd = k - stripe % n
            if dd >= pd:
                dd += 1
        elif layout == 1:
            pd = stripe % n
            if dd >= pd:
                dd += 1
        elif layout == 2:
            pd = k - stripe % n
            dd = (pd + 1 + dd) % n
        elif layout == 3:
            pd = stripe % n
            dd = (pd + 1 + dd) % n
        elif layout == 4:
            pd = 0
            dd += 1
        else:
            pd = k
    else:
        if layout in (0, 1, 8, 9):
            if layout == 0:
                pd = n - 1 - stripe % n
            elif layout == 9:
                pd = n - 1 - (stripe + 1) % n
            else:
                pd = stripe % n
            qd = pd + 1
            if pd == n - 1:
                dd += 1
                qd = 0
            elif dd >= pd:
                dd += 2
            ddf = layout in (8, 9)
        elif layout in (2, 3):
            pd = n - 1 - stripe % n if layout == 2 else stripe % n
            qd = (pd + 1) % n
            dd = (pd + 2 + dd) % n
        elif layout == 4:
            pd, qd = 0, 1
            dd += 2
        elif layout == 5:
            pd, qd = k, k + 1
        elif layout == 10:
            pd = n - 1 - stripe % n
            qd = (pd + n - 1) % n
            dd = (pd + 1 + dd) % n
            ddf = True
        elif layout in (16, 17):
            pd = k - stripe % (n - 1) if layout == 16 else stripe % (n - 1)
            if dd >= pd:
                dd += 1
            qd = n - 1
        elif layout in (18, 19):
            pd = k - stripe % (n - 1) if layout == 18 else stripe % (n - 1)
            dd = (pd + 1 + dd) % (n - 1)
            qd = n - 1
        elif layout == 20:
            pd = 0
            dd += 1
            qd = n - 1
        else:
            raise ValueError("layout %d" % layout)
    return stripe, dd, pd, qd, ddf


def _enc_syndrome_slots(n, pd, qd, ddf):
    """Kernel set_syndrome_sources walk: {disk: slot} for the data disks and
    the number of syndrome slots."""
    syndrome_disks = n if ddf else n - 2
    d0 = 0 if ddf or qd == n - 1 else qd + 1
    count = 0
    slots = {}
    i = d0
    while True:
        slot = count
        if ddf:
            count += 1
        if i not in (pd, qd):
            if not ddf:
                count += 1
            slots[i] = slot
        i = (i + 1) % n
        if i == d0:
            break
    return slots, syndrome_disks


def encode_raid456(level, layout, n, C, stripes, data):
    """Member data areas (bytearrays, by role) for a RAID4/5/6 volume."""
    cb = C * SECTOR
    k = n - (2 if level == 6 else 1)
    assert len(data) == k * stripes * cb
    areas = [bytearray(stripes * cb) for _ in range(n)]
    per_stripe = {}
    for c in range(k * stripes):
        stripe, dd, pd, qd, ddf = _enc_locate(level, layout, n, c)
        areas[dd][stripe * cb:(stripe + 1) * cb] = data[c * cb:(c + 1) * cb]
        per_stripe[stripe] = (pd, qd, ddf)
    for stripe, (pd, qd, ddf) in per_stripe.items():
        lo, hi = stripe * cb, (stripe + 1) * cb
        blocks = [bytes(areas[d][lo:hi]) for d in range(n)]
        p = bytearray(cb)
        pv = 0
        for d in range(n):
            if d not in (pd, qd):
                pv ^= int.from_bytes(blocks[d], "little")
        p[:] = pv.to_bytes(cb, "little")
        areas[pd][lo:hi] = p
        if level == 6:
            slots, nsl = _enc_syndrome_slots(n, pd, qd, ddf)
            srcs = [bytes(cb)] * nsl
            for d, z in slots.items():
                srcs[z] = blocks[d]
            q = srcs[nsl - 1]
            for z in range(nsl - 2, -1, -1):       # Horner, slot 0 last
                q = (int.from_bytes(q.translate(_ENC_MUL2), "little")
                     ^ int.from_bytes(srcs[z], "little")).to_bytes(cb, "little")
            areas[qd][lo:hi] = q
    return areas


def encode_raid0(n, C, rows, data):
    cb = C * SECTOR
    areas = [bytearray(rows * cb) for _ in range(n)]
    for d in range(n):
        for r in range(rows):
            c = r * n + d
            areas[d][r * cb:(r + 1) * cb] = data[c * cb:(c + 1) * cb]
    return areas


def encode_raid10(layout, n, C, size, data):
    """Inverse map: for each member row find the array chunk stored there.
    Returns (areas, holders) with holders[c] = set of disks holding chunk c."""
    nc, fc, fo = layout & 0xFF, (layout >> 8) & 0xFF, bool(layout & 0x10000)
    # kernel calc_sectors
    sz = size // C // fc * n // nc
    dev_chunks = -(-(sz * nc * fc) // n)
    rows_per_far = dev_chunks // fc
    array_chunks = dev_chunks // fc * n // nc
    cb = C * SECTOR
    assert len(data) == array_chunks * cb
    areas = [bytearray(dev_chunks * cb) for _ in range(n)]
    holders = [set() for _ in range(array_chunks)]
    for disk in range(n):
        for row in range(dev_chunks):
            if fo:
                f, r = row % fc, row // fc
            else:
                if rows_per_far == 0:
                    continue
                f, r = divmod(row, rows_per_far)
                if f >= fc:
                    continue
            d0 = (disk - f * nc) % n
            c = (r * n + d0) // nc
            if c >= array_chunks:
                continue
            areas[disk][row * cb:(row + 1) * cb] = data[c * cb:(c + 1) * cb]
            holders[c].add(disk)
    return areas, holders, dev_chunks, array_chunks


def build_superblock(fields, roles, max_dev):
    """A v1.0 superblock (256 + 2*max_dev bytes rounded up to 512) with its
    checksum computed here independently of sb_checksum()."""
    length = SB_FIXED + 2 * max_dev
    buf = bytearray(-(-length // 512) * 512)
    vals = dict(magic=MD_SB_MAGIC, major_version=1, max_dev=max_dev)
    vals.update(fields)
    for fname, off, fmt in SB_FIELDS:
        if fname in vals:
            struct.pack_into(fmt, buf, off, vals[fname])
    table = list(roles) + [ROLE_SPARE] * (max_dev - len(roles))
    struct.pack_into("<%dH" % max_dev, buf, SB_FIXED, *table[:max_dev])
    struct.pack_into("<I", buf, CSUM_OFF, 0)
    total = 0
    pos = 0
    while pos + 4 <= length:
        total += int.from_bytes(buf[pos:pos + 4], "little")
        pos += 4
    if pos < length:
        total += int.from_bytes(buf[pos:pos + 2], "little")
    csum = (total + (total >> 32)) & 0xFFFFFFFF
    struct.pack_into("<I", buf, CSUM_OFF, csum)
    return bytes(buf)


def make_images(areas, level, layout, chunk, size, rng, data_offsets=None,
                extra=None, dev_numbers=None, fields=None, max_dev=128,
                jitter=True, role_fields=None, minor=0):
    """Wrap member data areas into whole v1.<minor> member images (role
    order).  v1.1/v1.2: the superblock at sector 0/8, data_offsets default
    to 2048 (mdadm's usual 1 MiB), data_size to the end of the image and a
    bad-block log of 8 sectors 16 sectors after the superblock (where mdadm
    puts it when there is room)."""
    n = len(areas)
    if minor:
        return _make_front_images(areas, level, layout, chunk, size, rng,
                                  data_offsets or [2048] * n, extra or [0] * n,
                                  dev_numbers, fields, max_dev, jitter,
                                  role_fields, minor)
    data_offsets = data_offsets or [0] * n
    extra = extra or [0] * n
    dev_numbers = dev_numbers or list(range(n))
    roles = [ROLE_SPARE] * max(max(dev_numbers) + 1, 1)
    for role, dn in enumerate(dev_numbers):
        roles[dn] = role
    set_uuid = bytes(rng.getrandbits(8) for _ in range(16))
    images = []
    for role in range(n):
        area_sectors = len(areas[role]) // SECTOR
        used = data_offsets[role] + max(area_sectors, size, 10) + extra[role]
        total = ((used + 7) & ~7) + 16 + (8 * rng.randrange(2) if jitter else 0)
        so = sb_location(total * SECTOR)
        img = bytearray(total * SECTOR)
        off = data_offsets[role] * SECTOR
        img[off:off + len(areas[role])] = areas[role]
        f = dict(set_uuid=set_uuid, set_name=b"selftest:md", ctime=1700000000,
                 level=level, layout=layout, size=size, chunksize=chunk,
                 raid_disks=n, data_offset=data_offsets[role],
                 data_size=so - data_offsets[role], super_offset=so,
                 dev_number=dev_numbers[role],
                 device_uuid=bytes(rng.getrandbits(8) for _ in range(16)),
                 utime=1700000000, events=1, resync_offset=MAX_SECTOR)
        images.append(_with_superblock(img, f, fields, role_fields and role_fields[role],
                                       roles, max_dev, so))
    return images


def _with_superblock(img, f, fields, role_fields, roles, max_dev, so):
    """IMG (a bytearray) with the superblock of fields F, overridden by
    FIELDS and ROLE_FIELDS, written at sector SO; as bytes."""
    f = dict(f)
    f.update(fields or {})
    f.update(role_fields or {})
    sb = build_superblock(f, roles, max_dev)
    img[so * SECTOR:so * SECTOR + len(sb)] = sb
    return bytes(img)


def _make_front_images(areas, level, layout, chunk, size, rng, data_offsets,
                       extra, dev_numbers, fields, max_dev, jitter,
                       role_fields, minor):
    n = len(areas)
    dev_numbers = dev_numbers or list(range(n))
    roles = [ROLE_SPARE] * max(max(dev_numbers) + 1, 1)
    for role, dn in enumerate(dev_numbers):
        roles[dn] = role
    set_uuid = bytes(rng.getrandbits(8) for _ in range(16))
    so = SB_FRONT_LOCATION[minor]
    images = []
    for role in range(n):
        doff = data_offsets[role]
        area_sectors = len(areas[role]) // SECTOR
        total = doff + max(area_sectors, size, 10) + extra[role] + \
            (rng.randrange(9) if jitter else 0)
        # at least 32 sectors: below that the v1.0 location (S-16)&~7 is
        # sector 8 too, and the search (v1.0 first) would take it for v1.0
        total = max(total, 32)
        img = bytearray(total * SECTOR)
        img[doff * SECTOR:doff * SECTOR + len(areas[role])] = areas[role]
        f = dict(set_uuid=set_uuid, set_name=b"selftest:md", ctime=1700000000,
                 level=level, layout=layout, size=size, chunksize=chunk,
                 raid_disks=n, data_offset=doff, data_size=total - doff,
                 super_offset=so, dev_number=dev_numbers[role],
                 device_uuid=bytes(rng.getrandbits(8) for _ in range(16)),
                 utime=1700000000, events=1, resync_offset=MAX_SECTOR)
        if doff >= so + 24:
            f.update(bblog_size=8, bblog_offset=16)
        images.append(_with_superblock(img, f, fields, role_fields and role_fields[role],
                                       roles, max_dev, so))
    return images


# ------------------------------------------------------------- selftest ---

class _Selftest:
    def __init__(self):
        self.passed = 0

    def ok(self, cond, what):
        if not cond:
            raise AssertionError(what)
        self.passed += 1

    def raises(self, exc, fn, what):
        try:
            fn()
        except exc:
            self.passed += 1
            return
        except Exception as e:      # the wrong error is a failure too
            raise AssertionError("%s: raised %r, expected %s"
                                 % (what, e, exc.__name__))
        raise AssertionError("%s: did not raise %s" % (what, exc.__name__))


def _quiet(msg):
    pass


def _corrupt_found(t, rng, images, offs, stripes, C, what):
    """One data or parity byte of a random role and stripe corrupted: --check
    finds it there. Returns (role, stripe, the images, check's result)."""
    role = rng.randrange(len(images))
    s = rng.randrange(stripes)
    pos = (offs[role] + s * C) * SECTOR + rng.randrange(C * SECTOR)
    bad = list(images)
    bad[role] = _corrupt(images[role], pos)
    res = check(assemble(bad, warn=_quiet))
    t.ok(res["parity_mismatches"] == 1 and
         res["first_bad"]["stripe"] == s and
         res["first_bad"]["member_sector"] == pos // SECTOR - offs[role],
         "%s: corrupt role %d stripe %d: check says %s" % (what, role, s, res))
    return role, s, bad, res


def _roundtrip(t, rng, images, data, what, missing_sets, refused_sets=()):
    order = list(range(len(images)))
    rng.shuffle(order)
    srcs = [("%s role %d" % (what, i), images[i]) for i in order]
    for miss in missing_sets:
        arr = assemble(srcs, missing=miss, warn=_quiet)
        t.ok(arr.array_sectors * SECTOR == len(data),
             "%s: array size %d sectors, data has %d bytes"
             % (what, arr.array_sectors, len(data)))
        got = read_volume(arr)
        t.ok(got == data, "%s: volume differs with missing %s" % (what, list(miss)))
        if not miss:
            lim = rng.randrange(1, len(data) + 1) if data else 0
            t.ok(read_volume(arr, lim) == data[:lim], "%s: --bytes %d" % (what, lim))
            res = check(arr)
            t.ok(res["parity_mismatches"] == 0 and res["copy_mismatches"] == 0,
                 "%s: check of a clean array reported %s" % (what, res))
    for miss in refused_sets:
        t.raises(RedundancyError, lambda: assemble(srcs, missing=miss, warn=_quiet),
                 "%s: missing %s must be refused" % (what, list(miss)))


def _corrupt(img, byte_off):
    b = bytearray(img)
    b[byte_off] ^= 0x5A
    return bytes(b)


def hand_superblock(odd=False):
    """A superblock laid out byte by byte from §1.1 (csum field 0): RAID5
    left-symmetric, 4 devices, chunk 64 KiB, size 2048, dev_number 2, for a
    device of 4080 sectors (super_offset 4064).  odd=True: max_dev 127,
    dev_roles[126] = 0x1234 and a stray 0x4321 just past the table."""
    hand = bytearray(1024)
    struct.pack_into("<IIII", hand, 0, MD_SB_MAGIC, 1, 0, 0)
    hand[16:32] = bytes(range(0xA1, 0xB1))
    hand[32:40] = b"host:md0"
    struct.pack_into("<QiIQII", hand, 64, 1700000000, 5, 2, 2048, 128, 4)
    struct.pack_into("<QQQ", hand, 128, 0, 4064, 4064)
    struct.pack_into("<I", hand, 160, 2)
    struct.pack_into("<QQQ", hand, 192, 1700000000, 1, MAX_SECTOR)
    struct.pack_into("<I", hand, 220, 128)
    struct.pack_into("<128H", hand, 256, *([0, 1, 2, 3] + [0xFFFF] * 124))
    if odd:
        struct.pack_into("<I", hand, 220, 127)
        struct.pack_into("<H", hand, 256 + 2 * 126, 0x1234)
        struct.pack_into("<H", hand, 256 + 2 * 127, 0x4321)
    return hand


def selftest():
    t = _Selftest()
    rng = random.Random(20240611)

    # --- §5.2 worked example: n=5, layout 0, s=2: P=2, Q=3, slot order 4,0,1
    p, q, dd, qexp = stripe_geometry(6, 0, 5, 2)
    t.ok((p, q) == (2, 3), "§5.2 example P/Q: got %s" % ((p, q),))
    t.ok(q_slot_order(0, 5, p, q) == [4, 0, 1], "§5.2 example slot order")
    t.ok(dd == [0, 1, 4], "§5.2 example D0..D2 on disks 0,1,4: got %s" % dd)
    t.ok(qexp == [1, 2, 0], "§5.2 example Q = D2 + g*D0 + g^2*D1: got %s" % qexp)
    # --- §5.1: n=4 left-symmetric: P on 3,2,1,0 for s=0..3; s=1 data 3,0,1
    t.ok([stripe_geometry(5, 2, 4, s)[0] for s in range(4)] == [3, 2, 1, 0],
         "§5.1 left-symmetric P rotation")
    t.ok(stripe_geometry(5, 2, 4, 1)[2] == [3, 0, 1], "§5.1 s=1 data disks")
    # §5.2: for layouts 2 and 3 the md slot order equals the logical index
    for lay in (2, 3):
        for n in range(4, 9):
            for s in range(2 * n):
                t.ok(stripe_geometry(6, lay, n, s)[3] == list(range(n - 2)),
                     "§5.2 layout %d slot = index (n=%d s=%d)" % (lay, n, s))
    # the reader's tables against the kernel-style encoder, every stripe
    for level, lays, ns in ((4, (0,), range(2, 9)), (5, RAID5_LAYOUTS, range(2, 9)),
                            (6, RAID6_LAYOUTS, range(4, 10))):
        for lay in lays:
            for n in ns:
                k = n - (2 if level == 6 else 1)
                for s in range(2 * n * (n - 1)):
                    p, q, dd, qexp = stripe_geometry(level, lay, n, s)
                    disks = [p] + ([q] if q is not None else []) + dd
                    t.ok(sorted(disks) == list(range(n)),
                         "RAID%d layout %d n=%d s=%d: disks %s not a permutation"
                         % (level, lay, n, s, disks))
                    for i in range(k):
                        st, ddi, pd, qd, ddf = _enc_locate(level, lay, n, s * k + i)
                        t.ok((st, ddi, pd) == (s, dd[i], p) and
                             (q is None or qd == q),
                             "RAID%d layout %d n=%d s=%d i=%d: reader (%s,%s,%s) "
                             "encoder (%s,%s,%s)" % (level, lay, n, s, i, p, q,
                                                     dd[i], pd, qd, ddi))
                    if level == 6:
                        slots, _ = _enc_syndrome_slots(n, p, q, lay in DDF_LAYOUTS)
                        t.ok([slots[d] for d in dd] == qexp,
                             "RAID6 layout %d n=%d s=%d: Q slots %s vs kernel "
                             "walk %s" % (lay, n, s, qexp, [slots[d] for d in dd]))
    # --- GF(2^8): 0x11D, g = 2, table multiply against log/exp
    t.ok(gf_mul(0x80, 2) == 0x1D, "GF: 0x80*2 = 0x1d (poly 0x11D)")
    t.ok(gf_pow2(255) == 1 and len({gf_pow2(e) for e in range(255)}) == 255,
         "GF: 2 generates the 255 non-zero elements")
    for a in range(256):
        for b in (0, 1, 2, 3, 0x1D, 0x8E, 0xFF, a):
            want = _EXP[_LOG[a] + _LOG[b]] if a and b else 0
            t.ok(mul_table(b)[a] == want, "GF: %d*%d" % (a, b))
    for a in range(1, 256):
        t.ok(gf_mul(a, gf_inv(a)) == 1, "GF inverse of %d" % a)

    # --- §6 RAID10 table: n2, f2, o2 rows (sectors from data_offset)
    C = 8
    for n in (2, 3, 4, 5):
        S = 2 * 7            # chunks per member, a multiple of fc
        for name, lay in (("n2", 0x102), ("f2", 0x201), ("o2", 0x10201)):
            g = Raid10Geom(lay, n, C, S * C)
            for c in range(g.array_chunks):
                for o in (0, 5):
                    got = [(d, sec + o) for d, sec in g.copies(c)]
                    if name == "n2":
                        want = [((2 * c) % n, (2 * c) // n * C + o),
                                ((2 * c + 1) % n, (2 * c + 1) // n * C + o)]
                    elif name == "f2":
                        stride = g.dev_chunks // 2 * C
                        want = [(c % n, c // n * C + o),
                                ((c + 1) % n, c // n * C + o + stride)]
                    else:
                        want = [(c % n, 2 * (c // n) * C + o),
                                ((c + 1) % n, (2 * (c // n) + 1) * C + o)]
                    t.ok(got == want, "§6 %s n=%d c=%d: %s vs %s"
                         % (name, n, c, got, want))
    # §6 size example: size/C = 31, C = 64: n2 x4 -> 62 chunks
    g = Raid10Geom(0x102, 4, 64, 31 * 64)
    t.ok(g.array_chunks == 62 and g.dev_chunks == 31, "§6 n2x4 size 31 chunks")
    g = Raid10Geom(0x201, 3, 64, 31 * 64)
    t.ok(g.array_chunks == 45 and g.dev_chunks == 30 and g.stride == 15 * 64,
         "§6 f2x3 size 31 chunks: %d %d %d" % (g.array_chunks, g.dev_chunks, g.stride))

    # --- superblock checksum and location
    t.ok(sb_location(2048 * SECTOR) == 2032, "§1.2 S=2048 -> 2032")
    t.ok(sb_location(1953525168 * SECTOR) == 1953525152, "§1.2 1 TB example")
    t.ok(sb_location(2049 * SECTOR + 100) == 2032, "§1.2 rounding of odd sizes")
    hand = hand_superblock()
    words = struct.unpack_from("<128I", hand, 0)
    total = sum(words)
    t.ok(sb_checksum(hand, 128) == (total + (total >> 32)) & 0xFFFFFFFF,
         "§1.4 checksum of the hand-built superblock")
    t.ok(sb_checksum(hand, 128) == HAND_SB_CSUM,
         "§1.4 checksum known answer 0x%08x (mdadm-verified) got 0x%08x"
         % (HAND_SB_CSUM, sb_checksum(hand, 128)))
    struct.pack_into("<I", hand, CSUM_OFF, sb_checksum(hand, 128))
    d = parse_superblock(bytes(hand) + bytes(3072), 4080 * SECTOR, "hand")
    t.ok(d["csum_ok"] and d["errors"] == [] and d["role"] == 2 and
         d["array_state"] == "AAAA" and d["level"] == 5,
         "parse of the hand-built superblock: %s" % d["errors"])
    # odd max_dev: the trailing u16 counts (§1.4)
    odd = hand_superblock(odd=True)
    tail_sum = sum(struct.unpack_from("<127I", odd, 0)) - \
        struct.unpack_from("<I", odd, CSUM_OFF)[0] + 0x1234
    want = ((tail_sum & 0xFFFFFFFF) + (tail_sum >> 32)) & 0xFFFFFFFF
    t.ok(sb_checksum(odd, 127) == want, "§1.4 odd max_dev adds the final u16")
    t.ok(sb_checksum(odd, 127) == HAND_SB_CSUM_ODD,
         "§1.4 odd max_dev known answer 0x%08x (mdadm-verified) got 0x%08x"
         % (HAND_SB_CSUM_ODD, sb_checksum(odd, 127)))
    struct.pack_into("<I", odd, CSUM_OFF, want)
    t.ok(parse_superblock(bytes(odd), 4080 * SECTOR)["csum_ok"],
         "odd max_dev superblock parses with a good checksum")
    enc = build_superblock({"level": 5, "dev_number": 3}, [0, 1, 2, 3], 127)
    t.ok(parse_superblock(enc, 0)["csum_ok"], "encoder vs parser checksum, odd max_dev")
    for off in (0x08, 0x0C, 0x48, 0xE0, 0x100, 0x100 + 2 * 126):
        bad = _corrupt(bytes(hand), off)
        dd_ = parse_superblock(bad + bytes(3072), 4080 * SECTOR)
        t.ok(not dd_["csum_ok"] and dd_["errors"],
             "corrupt superblock byte 0x%x is detected" % off)
    t.raises(NoSuperblock, lambda: parse_superblock(bytes(4096), 4080 * SECTOR),
             "zero block has no superblock")
    dd_ = parse_superblock(bytes(hand) + bytes(3072), 4088 * SECTOR)
    t.ok(any("super_offset" in e for e in dd_["errors"]),
         "super_offset must equal the computed location")

    # --- round trips through encoder and reader
    def rand(nbytes):
        return rng.randbytes(nbytes)

    def subsets(n, k):
        import itertools
        return [tuple(c) for c in itertools.combinations(range(n), k)]

    # RAID4/5/6
    for level, lays, ns in ((4, (0,), (3, 4, 5, 6)), (5, RAID5_LAYOUTS, (3, 4, 5, 6)),
                            (6, RAID6_LAYOUTS, (4, 5, 6, 7))):
        for lay in lays:
            for n in ns:
                C = rng.choice((1, 2, 8))
                k = n - (2 if level == 6 else 1)
                stripes = 2 * n + 1
                data = rand(k * stripes * C * SECTOR)
                areas = encode_raid456(level, lay, n, C, stripes, data)
                extra_chunk = rng.randrange(C)       # size not a chunk multiple
                devnums = list(range(n))
                rng.shuffle(devnums)
                offs = [rng.choice((0, 0, 8)) for _ in range(n)]
                images = make_images(areas, level, lay, C, stripes * C + extra_chunk,
                                     rng, data_offsets=offs, dev_numbers=devnums)
                what = "RAID%d layout %d n=%d C=%d" % (level, lay, n, C)
                tol = 2 if level == 6 else 1
                miss = [()] + subsets(n, 1) + (subsets(n, 2) if tol == 2 else [])
                refused = subsets(n, tol + 1)[:3]
                _roundtrip(t, rng, images, data, what, miss, refused)
                # corruption of one member byte is found by --check
                role, s, bad, res = _corrupt_found(t, rng, images, offs, stripes, C, what)
                if level == 6:
                    pqd = stripe_geometry(level, lay, n, s)
                    if role not in (pqd[0], pqd[1]):
                        t.ok(res["p_mismatches"] == 1 and res["q_mismatches"] == 1,
                             "%s: corrupt data breaks both P and Q" % what)
                # rebuilding the corrupted role from the others gives the data
                t.ok(read_volume(assemble(bad, missing=(role,), warn=_quiet)) == data,
                     "%s: reading with the corrupt role missing" % what)

    # RAID1
    for n in (1, 2, 3, 4):
        size = rng.randrange(10, 5000)
        data = rand(size * SECTOR)
        offs = [rng.choice((0, 16)) for _ in range(n)]
        images = make_images([bytearray(data) for _ in range(n)], 1, 0, 0, size, rng,
                             data_offsets=offs,
                             extra=[rng.randrange(64) for _ in range(n)])
        miss = [m for k in range(n) for m in subsets(n, k)]
        _roundtrip(t, rng, images, data, "RAID1 n=%d" % n, miss, [tuple(range(n))])
        if n > 1:
            bad = list(images)
            bad[n - 1] = _corrupt(images[n - 1], (offs[n - 1] + 777 % size) * SECTOR + 3)
            res = check(assemble(bad, warn=_quiet))
            t.ok(res["copy_mismatches"] == 1 and res["first_bad"]["roles"] == [0, n - 1],
                 "RAID1 n=%d corrupt copy: %s" % (n, res))

    # RAID0 (equal sizes; data_size not a chunk multiple is rounded down)
    for n in (1, 2, 3, 5):
        for C in (1, 3, 8):
            rows = rng.randrange(10 // C + 1, 10 // C + 12)   # data_size >= 10
            data = rand(n * rows * C * SECTOR)
            areas = encode_raid0(n, C, rows, data)
            # equal data_size, not a chunk multiple: §4 rounds it down
            images = make_images(areas, 0, 0, C, rows * C, rng, extra=[C] * n,
                                 jitter=False,
                                 fields={"data_size": rows * C + rng.randrange(C)})
            # the kernel masks with ~(C-1) (see _set_geometry)
            vol = data[:n * ((rows * C) & ~(C - 1)) * SECTOR]
            _roundtrip(t, rng, images, vol, "RAID0 n=%d C=%d" % (n, C), [()],
                       subsets(n, 1)[:2])
    # RAID0: data_size differing below one chunk is still one zone (§4)
    C = 8
    data = rand(3 * 5 * C * SECTOR)
    imgs = make_images(encode_raid0(3, C, 5, data), 0, 0, C, 5 * C, rng,
                       extra=[C] * 3, jitter=False,
                       role_fields=[{"data_size": 5 * C + x} for x in (0, 3, 7)])
    _roundtrip(t, rng, imgs, data, "RAID0 data_size 40/43/47 C=8", [()])
    # RAID0 12 KiB chunk on 2 x 8184 usable sectors: Linux 6.1 made the
    # array 16336 sectors (raid0_size masks with ~(C-1))
    imgs = make_images([bytearray(8184 * SECTOR)] * 2, 0, 0, 24, 8184, rng,
                       extra=[24] * 2, jitter=False,
                       fields={"data_size": 8184 + 20})
    t.ok(assemble(imgs, warn=_quiet).array_sectors == 16336,
         "RAID0 non-power-of-2 chunk array size as measured on Linux 6.1")
    # RAID0 multi-zone is refused
    C = 8
    a = encode_raid0(2, C, 4, rand(2 * 4 * C * SECTOR))
    imgs = make_images(a, 0, 0, C, 4 * C, rng, extra=[0, 64], jitter=False)
    t.raises(AssemblyError, lambda: assemble(imgs, warn=_quiet), "multi-zone RAID0")

    # RAID10
    r10cases = []
    for n in range(2, 7):
        for c in range(2, n + 1):
            r10cases += [(c, 1, False), (1, c, False), (1, c, True)]
        if n >= 4:
            r10cases += [(2, 2, False)] + ([(2, 2, True)] if n % 2 == 0 else [])
        if n >= 6:
            r10cases += [(3, 2, False), (2, 3, False), (2, 3, True), (3, 2, True)]
        for nc, fc, fo in r10cases:
            lay = nc | (fc << 8) | (0x10000 if fo else 0)
            C = rng.choice((1, 2, 8))
            S = fc * rng.randrange(1, 6) + rng.choice((0, 0, rng.randrange(fc)))
            S = max(S, fc)
            sz = S // fc * n // nc
            array_chunks = (-(-(sz * nc * fc) // n)) // fc * n // nc
            data = rand(array_chunks * C * SECTOR)
            areas, holders, dev_chunks, ac = encode_raid10(lay, n, C, S * C, data)
            images = make_images(areas, 10, lay, C, S * C, rng,
                                 data_offsets=[rng.choice((0, 8)) for _ in range(n)])
            what = "RAID10 layout 0x%x n=%d C=%d S=%d" % (lay, n, C, S)
            t.ok(all(len(h) == nc * fc for h in holders),
                 "%s: encoder placed every chunk %d times" % (what, nc * fc))
            ok_sets, bad_sets = [()], []
            for k in (1, 2, 3):
                for m in subsets(n, k):
                    if any(h <= set(m) for h in holders):
                        bad_sets.append(m)
                    else:
                        ok_sets.append(m)
            _roundtrip(t, rng, images, data, what, ok_sets, bad_sets)
            if array_chunks:
                c = rng.randrange(array_chunks)
                d, sec = Raid10Geom(lay, n, C, S * C).copies(c)[-1]
                bad = list(images)
                off = assemble(images, warn=_quiet).members[d].data_offset
                bad[d] = _corrupt(images[d], (off + sec) * SECTOR + 1)
                res = check(assemble(bad, warn=_quiet))
                t.ok(res["copy_mismatches"] == 1 and res["first_bad"]["chunk"] == c,
                     "%s: corrupt copy of chunk %d: %s" % (what, c, res))
        r10cases = []
    # offset layout with near copies not dividing n is refused
    t.raises(AssemblyError, lambda: Raid10Geom(0x10202, 5, 8, 800),
             "RAID10 o2 with n2 on 5 disks")
    t.raises(AssemblyError, lambda: Raid10Geom(0x20102, 4, 8, 800),
             "RAID10 far-set bit refused")

    # --- assembly refusals
    C = 8
    data = rand(3 * 3 * C * SECTOR)
    base = make_images(encode_raid456(5, 2, 4, C, 3, data), 5, 2, C, 3 * C, rng)
    other = make_images(encode_raid456(5, 2, 4, C, 3, data), 5, 2, C, 3 * C, rng)
    t.raises(AssemblyError, lambda: assemble(base[:3] + other[3:], warn=_quiet),
             "set_uuid mismatch")
    t.raises(AssemblyError, lambda: assemble(base[:3], warn=_quiet),
             "absent role without --missing")
    t.ok(read_volume(assemble(base[:3], missing=(3,), warn=_quiet)) == data,
         "absent role given with --missing")
    t.raises(AssemblyError, lambda: assemble(base + base[:1], warn=_quiet),
             "duplicate member")
    t.raises(AssemblyError, lambda: assemble(base, missing=(4,), warn=_quiet),
             "--missing beyond raid_disks")
    # a bad checksum is refused, and accepted with force
    so = sb_location(len(base[1]))
    badcs = list(base)
    badcs[1] = _corrupt(base[1], so * SECTOR + CSUM_OFF)
    t.raises(AssemblyError, lambda: assemble(badcs, warn=_quiet), "bad checksum")
    t.ok(read_volume(assemble(badcs, missing=(1,), warn=_quiet)) == data,
         "bad checksum on a role given as missing")
    t.ok(read_volume(assemble(badcs, force=True, warn=_quiet)) == data,
         "bad checksum with force")
    # a stale member is refused
    stale = make_images(encode_raid456(5, 2, 4, C, 3, data), 5, 2, C, 3 * C,
                        random.Random(7), fields={"events": 5})
    old = make_images(encode_raid456(5, 2, 4, C, 3, data), 5, 2, C, 3 * C,
                      random.Random(7), fields={"events": 3})
    t.raises(AssemblyError, lambda: assemble(stale[:3] + old[3:], warn=_quiet),
             "stale member")
    t.ok(read_volume(assemble(stale[:3] + old[3:], missing=(3,), warn=_quiet)) == data,
         "stale member given as missing")
    t.raises(NoSuperblock, lambda: assemble([bytes(1 << 20)], warn=_quiet),
             "image without superblock")
    # unknown feature bit (the migration marker of §2)
    mark = make_images(encode_raid456(5, 2, 4, C, 3, data), 5, 2, C, 3 * C, rng,
                       fields={"feature_map": 0x80000000})
    t.raises(AssemblyError, lambda: assemble(mark, warn=_quiet), "unknown feature bit")
    _selftest_front(t, subsets)
    return t.passed


def _selftest_front(t, subsets):
    """v1.1 and v1.2 (superblock at sector 0 / 8, data from data_offset):
    round trips at every level with per-member data_offsets, the search
    order of the locations, and the layout checks."""
    rng = random.Random(20250612)

    def rand(nbytes):
        return rng.randbytes(nbytes)

    for minor in (1, 2):
        so = SB_FRONT_LOCATION[minor]
        v = "v1.%d" % minor

        def offs(n):
            return [rng.choice((so + 8, so + 24, 40, 64, 2048)) for _ in range(n)]

        # RAID4/5/6
        for level, lays, ns in ((4, (0,), (3, 4)), (5, (0, 2, 3, 5), (3, 4, 5)),
                                (6, (0, 2, 9, 16, 20), (4, 5, 6))):
            for lay in lays:
                for n in ns:
                    C = rng.choice((1, 2, 8))
                    k = n - (2 if level == 6 else 1)
                    stripes = 2 * n + 1
                    data = rand(k * stripes * C * SECTOR)
                    areas = encode_raid456(level, lay, n, C, stripes, data)
                    o = offs(n)
                    images = make_images(areas, level, lay, C,
                                         stripes * C + rng.randrange(C), rng,
                                         data_offsets=o, minor=minor)
                    what = "%s RAID%d layout %d n=%d C=%d offsets %s" % (
                        v, level, lay, n, C, o)
                    tol = 2 if level == 6 else 1
                    miss = [()] + subsets(n, 1) + (subsets(n, 2) if tol == 2 else [])
                    _roundtrip(t, rng, images, data, what, miss, subsets(n, tol + 1)[:2])
                    arr = assemble(images, warn=_quiet)
                    t.ok(arr.sb["minor_version"] == minor and
                         [m.data_offset for m in arr.members] == o,
                         "%s: per-member data_offsets" % what)
                    role = _corrupt_found(t, rng, images, o, stripes, C, what)[0]
                    # the bytes before data_offset are never data
                    bad = list(images)
                    bad[role] = _corrupt(images[role], (o[role] - 1) * SECTOR + 7)
                    t.ok(read_volume(assemble(bad, warn=_quiet)) == data and
                         check(assemble(bad, warn=_quiet))["parity_mismatches"] == 0,
                         "%s: a byte below data_offset is not data" % what)
        # RAID1
        for n in (1, 2, 3):
            size = rng.randrange(10, 3000)
            data = rand(size * SECTOR)
            o = offs(n)
            images = make_images([bytearray(data) for _ in range(n)], 1, 0, 0, size,
                                 rng, data_offsets=o, minor=minor,
                                 extra=[rng.randrange(64) for _ in range(n)])
            what = "%s RAID1 n=%d offsets %s" % (v, n, o)
            _roundtrip(t, rng, images, data, what,
                       [m for k in range(n) for m in subsets(n, k)], [tuple(range(n))])
            if n > 1:
                bad = list(images)
                bad[n - 1] = _corrupt(images[n - 1], (o[n - 1] + 777 % size) * SECTOR + 3)
                res = check(assemble(bad, warn=_quiet))
                t.ok(res["copy_mismatches"] == 1 and
                     res["first_bad"]["member_sector"] == 777 % size,
                     "%s corrupt copy: %s" % (what, res))
        # RAID0: one zone, data_size per member (§4), data_offsets may differ
        for n in (1, 2, 3):
            C = rng.choice((1, 8))
            rows = rng.randrange(10 // C + 1, 10 // C + 9)
            data = rand(n * rows * C * SECTOR)
            o = offs(n)
            images = make_images(encode_raid0(n, C, rows, data), 0, 0, C, rows * C,
                                 rng, data_offsets=o, minor=minor, jitter=False,
                                 fields={"data_size": rows * C})
            _roundtrip(t, rng, images, data, "%s RAID0 n=%d C=%d offsets %s"
                       % (v, n, C, o), [()], subsets(n, 1)[:1])
        # RAID10
        for lay, n in ((0x102, 4), (0x102, 3), (0x201, 4), (0x10201, 3), (0x103, 5)):
            nc, fc = lay & 0xFF, (lay >> 8) & 0xFF
            C = rng.choice((1, 2, 8))
            S = fc * rng.randrange(2, 6)
            sz = S // fc * n // nc
            array_chunks = (-(-(sz * nc * fc) // n)) // fc * n // nc
            data = rand(array_chunks * C * SECTOR)
            areas, holders, _, _ = encode_raid10(lay, n, C, S * C, data)
            o = offs(n)
            images = make_images(areas, 10, lay, C, S * C, rng, data_offsets=o,
                                 minor=minor)
            ok_sets = [()] + [m for m in subsets(n, 1)
                              if not any(h <= set(m) for h in holders)]
            what = "%s RAID10 layout 0x%x n=%d offsets %s" % (v, lay, n, o)
            _roundtrip(t, rng, images, data, what, ok_sets)
            c = rng.randrange(array_chunks)
            d, sec = Raid10Geom(lay, n, C, S * C).copies(c)[-1]
            bad = list(images)
            bad[d] = _corrupt(images[d], (o[d] + sec) * SECTOR + 1)
            res = check(assemble(bad, warn=_quiet))
            t.ok(res["copy_mismatches"] == 1 and res["first_bad"]["chunk"] == c,
                 "%s: corrupt copy of chunk %d: %s" % (what, c, res))

    # --- where the superblock is found
    C = 8
    data = rand(2 * 4 * C * SECTOR)
    areas = encode_raid456(5, 2, 3, C, 4, data)
    one = {"set_uuid": rand(16)}          # one array, three superblock versions
    v12 = make_images(areas, 5, 2, C, 4 * C, rng, data_offsets=[2048] * 3, minor=2,
                      fields=one)
    v11 = make_images(areas, 5, 2, C, 4 * C, rng, data_offsets=[2048] * 3, minor=1,
                      fields=one)
    v10 = make_images(areas, 5, 2, C, 4 * C, rng, fields=one)
    d12, d11, d10 = (examine(("x", imgs[0])) for imgs in (v12, v11, v10))
    t.ok(d12["version"] == "1.2" and d12["super_offset"] == 8 and
         d12["expected_super_offset"] == 8 and d12["errors"] == [] and
         d12["data_offset"] == 2048, "v1.2 found at sector 8: %s" % d12["errors"])
    t.ok(d11["version"] == "1.1" and d11["super_offset"] == 0 and
         d11["errors"] == [], "v1.1 found at sector 0: %s" % d11["errors"])
    t.ok("version" not in d10, "v1.0 examine output has no version key")
    # a v1.0 superblock wins over a v1.2 one inside its data area ...
    both = bytearray(v10[0])
    both[8 * SECTOR:9 * SECTOR] = v12[0][8 * SECTOR:9 * SECTOR]
    t.ok(examine(("x", bytes(both)))["super_offset"] == sb_location(len(both)),
         "v1.0 is looked for first")
    # ... a v1.2 one over a v1.1 one
    both = bytearray(v12[0])
    both[0:SECTOR] = v11[0][0:SECTOR]
    t.ok(examine(("x", bytes(both)))["version"] == "1.2", "v1.2 before v1.1")
    # a magic at sector 8 whose super_offset is not 8 loses to a good v1.1
    both = bytearray(v11[0])
    both[8 * SECTOR:9 * SECTOR] = v11[0][0:SECTOR]
    t.ok(examine(("x", bytes(both)))["version"] == "1.1",
         "a v1.1 superblock copied to sector 8 is not taken for v1.2")
    # ... and alone it is reported with the location it was found at
    alone = bytearray(len(both))
    alone[8 * SECTOR:9 * SECTOR] = v11[0][0:SECTOR]
    e = examine(("x", bytes(alone)))
    t.ok(e["version"] == "1.2" and
         any("super_offset 0 != v1.2 location 8" in x for x in e["errors"]),
         "v1.1 superblock at sector 8: %s" % e["errors"])
    t.ok(read_volume(assemble(v12, warn=_quiet)) == data and
         read_volume(assemble(v11, warn=_quiet)) == data, "v1.1/v1.2 read")
    for mix, what in (([v12[0], v11[1], v12[2]], "v1.2 vs 1.1"),
                      ([v10[0]] + v12[1:], "v1.0 vs 1.2")):
        try:
            assemble(mix, warn=_quiet)
            msg = "assembled"
        except AssemblyError as e:
            msg = str(e)
        t.ok(msg.endswith("superblock version %s" % what.split(" ", 1)[0][1:]
                          + " vs " + what.split(" vs ")[1]),
             "members with %s superblocks: %s" % (what, msg))

    # --- layout checks of v1.1/v1.2 superblocks
    def errs(minor, **f):
        imgs = make_images(areas, 5, 2, C, 4 * C, rng, data_offsets=[2048] * 3,
                           minor=minor, jitter=False, role_fields=[f, {}, {}])
        return examine(("x", imgs[0]))["errors"], imgs
    e, _ = errs(1, data_offset=8)
    t.ok(len(e) == 1 and "bad-block log (sectors 16..24) overlaps" in e[0],
         "v1.1 data_offset 8 below its bad-block log: %s" % e)
    e, _ = errs(1, data_offset=8, bblog_size=0, bblog_offset=0)
    t.ok(e == [], "v1.1 data_offset 8 is fine: %s" % e)
    e, imgs = errs(2, data_offset=8)
    t.ok(any("overlap the v1.2 superblock" in x for x in e), "v1.2 data_offset 8: %s" % e)
    t.raises(AssemblyError, lambda: assemble(imgs, warn=_quiet),
             "v1.2 data_offset 8 is refused")
    e, imgs = errs(2, data_size=4 * C + 1)
    t.ok(any("data_size" in x and "> device size" in x for x in e),
         "v1.2 data_size past the end: %s" % e)
    e, _ = errs(2, size=4 * C + 1, data_size=4 * C)
    t.ok(any("size %d > device size" % (4 * C + 1) in x for x in e),
         "v1.2 size past the end: %s" % e)
    e, _ = errs(2, bblog_offset=2040)
    t.ok(any("bad-block log" in x and "overlaps the data" in x for x in e),
         "v1.2 bad-block log in the data: %s" % e)
    e, _ = errs(2, bblog_offset=-16)
    t.ok(any("bad-block log" in x and "outside the device" in x for x in e),
         "v1.2 bad-block log before the device: %s" % e)
    e, _ = errs(1, feature_map=1, bitmap_offset=2048)
    t.ok(any("internal bitmap" in x for x in e), "v1.1 bitmap in the data: %s" % e)
    t.ok(errs(1, feature_map=1, bitmap_offset=8)[0] == [], "v1.1 bitmap at +8")
    e, imgs = errs(2, super_offset=0)
    t.ok(e == ["super_offset 0 != v1.2 location 8"], "v1.2 wrong super_offset: %s" % e)
    t.ok(read_volume(assemble(imgs, force=True, warn=_quiet)) == data,
         "a refused v1.2 superblock read with force")
    t.ok(read_volume(assemble(imgs, missing=(0,), warn=_quiet)) == data,
         "a refused v1.2 superblock given as missing")
    # the data area must end within data_offset + data_size
    _, imgs = errs(2, data_size=3 * C)
    t.raises(AssemblyError, lambda: assemble(imgs, warn=_quiet),
             "v1.2 data area past data_offset + data_size")
    t.raises(NoSuperblock, lambda: examine(("x", bytes(4096 * 8))),
             "no superblock anywhere")


# Known answers for the hand-built superblock of selftest(); mdadm 4.2
# --examine printed "Checksum : ... - correct" for superblocks carrying them.
HAND_SB_CSUM = 0xC355D90F
HAND_SB_CSUM_ODD = 0xC355EB42


# ------------------------------------------------------------------ CLI ---

def _layout_cmd(level, layout, n, s):
    if level in (4, 5, 6):
        p, q, dd, qexp = stripe_geometry(level, layout, n, s)
        out = {"level": level, "layout": layout, "raid_disks": n, "stripe": s,
               "P": p, "data": dd}
        if level == 6:
            out["Q"] = q
            out["q_order"] = "ddf" if layout in DDF_LAYOUTS else "md"
            out["q_slots"] = q_slot_order(layout, n, p, q)
            out["q_exponent_of_data"] = qexp
        return out
    if level == 0:
        return {"level": 0, "raid_disks": n, "row": s,
                "data": [{"chunk": s * n + d, "disk": d} for d in range(n)]}
    if level == 10:
        g = Raid10Geom(layout, n, 1, 1 << 40)
        # sectors in chunks; far copies of a "far" layout sit at +f*stride
        nc, fc = g.nc, g.fc
        x = s * nc
        d, r = x % n, x // n
        if g.far_offset:
            r *= fc
        copies = []
        for _ in range(nc):
            copies.append({"disk": d, "row": r, "far": 0})
            for f in range(1, fc):
                if g.far_offset:
                    copies.append({"disk": (d + f * nc) % n, "row": r + f, "far": 0})
                else:
                    copies.append({"disk": (d + f * nc) % n, "row": r, "far": f})
            d += 1
            if d == n:
                d, r = 0, r + 1
        return {"level": 10, "layout": layout, "near": nc, "far": fc,
                "offset": g.far_offset, "raid_disks": n, "chunk": s,
                "copies": copies,
                "note": "member sector = row*C + far*stride + offset in chunk"}
    raise AssemblyError("layout: level %d not supported" % level)


def _parse_int(text, what):
    try:
        return int(text, 0)
    except ValueError:
        raise AssemblyError("%s: %r is not an integer" % (what, text)) from None


def _usage(msg=None):
    if msg:
        print("mdread: %s (mdread.py --help for usage)" % msg, file=sys.stderr)
        return 2
    doc = __doc__
    print(doc[doc.index("Usage:"):doc.index("Library use")].rstrip(), file=sys.stderr)
    return 2


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        if argv:
            print(__doc__)
            return 0
        return _usage()
    cmd, args = argv[0], argv[1:]
    try:
        if cmd == "examine":
            if not args:
                return _usage("examine needs at least one image")
            rc = 0
            for path in args:
                try:
                    print(json.dumps(examine(path)), flush=True)
                except MdError as e:
                    print("mdread: %s" % e, file=sys.stderr)
                    rc = 1
            return rc
        if cmd == "read":
            missing, do_check, nbytes, force, imgs = [], False, None, False, []
            synced = False
            i = 0
            while i < len(args):
                a = args[i]
                if a in ("--missing", "--bytes") or a.startswith(("--missing=", "--bytes=")):
                    if "=" in a:
                        a, val = a.split("=", 1)
                    else:
                        if i + 1 >= len(args):
                            return _usage("%s needs a value" % a)
                        i += 1
                        val = args[i]
                    if a == "--missing":
                        missing += [_parse_int(x, "--missing")
                                    for x in val.split(",") if x != ""]
                    else:
                        nbytes = _parse_int(val, "--bytes")
                        if nbytes < 0:
                            return _usage("--bytes must be >= 0")
                elif a == "--check":
                    do_check = True
                elif a == "--synced":
                    do_check = synced = True
                elif a == "--force":
                    force = True
                elif a == "--":
                    imgs += args[i + 1:]
                    break
                elif a.startswith("-") and a != "-":
                    return _usage("unknown option %s" % a)
                else:
                    imgs.append(a)
                i += 1
            if not imgs:
                return _usage("read needs member images")
            if do_check and missing:
                return _usage("--check needs every role: it cannot be "
                              "combined with --missing")
            arr = assemble(imgs, missing=missing, force=force)
            try:
                if do_check:
                    res = check(arr, synced)
                    print(json.dumps(res), flush=True)
                    return 4 if res["parity_mismatches"] or res["copy_mismatches"] else 0
                out = sys.stdout.buffer
                pend, plen = [], 0
                for piece in iter_volume(arr, nbytes):
                    pend.append(piece)
                    plen += len(piece)
                    if plen >= 1 << 20:
                        out.write(b"".join(pend))
                        pend, plen = [], 0
                out.write(b"".join(pend))
                out.flush()
                return 0
            finally:
                arr.close()
        if cmd == "layout":
            if len(args) != 4:
                return _usage("layout needs LEVEL LAYOUT N STRIPE")
            level, layout, n, s = (_parse_int(x, "layout") for x in args)
            if n < 1 or s < 0:
                return _usage("layout: N >= 1 and STRIPE >= 0")
            print(json.dumps(_layout_cmd(level, layout, n, s)))
            return 0
        if cmd == "selftest":
            try:
                n = selftest()
            except AssertionError as e:
                print("selftest: FAILED: %s" % e)
                return 1
            except Exception as e:   # an unexpected error is a failure too
                import traceback
                traceback.print_exc()
                print("selftest: FAILED: unexpected %s: %s" % (type(e).__name__, e))
                return 1
            print("selftest: %d checks passed" % n)
            return 0
        return _usage("unknown command %r" % cmd)
    except MdError as e:
        print("mdread: %s" % e, file=sys.stderr)
        return e.code
    except BrokenPipeError:
        try:
            sys.stdout = None
        finally:
            return 0


if __name__ == "__main__":
    sys.exit(main())
