/*
 * mdsb.c: the Linux md v1 superblock, the format Linux's md driver and
 * mdadm read on every member (../shared/md-format.md section 1): v1.0 at
 * the end, data from byte 0 (raidmig's own arrays, and mdadm's with
 * --metadata=1.0); v1.2 at 4 KiB and v1.1 at byte 0, data from
 * data_offset (mdadm's default is 1.2). Encode, decode, checksum and
 * placement; no I/O.
 *
 * Byte map (little-endian; md_p.h struct mdp_superblock_1):
 *     0 magic  4 major_version  8 feature_map  12 pad0
 *    16 set_uuid[16]  32 set_name[32]  64 ctime  72 level  76 layout
 *    80 size  88 chunksize  92 raid_disks  96 bitmap_offset
 *   100 new_level  104 reshape_position  112 delta_disks  116 new_layout
 *   120 new_chunk  124 new_offset  128 data_offset  136 data_size
 *   144 super_offset  152 recovery_offset  160 dev_number
 *   164 cnt_corrected_read  168 device_uuid[16]  184 devflags
 *   185 bblog_shift  186 bblog_size  188 bblog_offset  192 utime
 *   200 events  208 resync_offset  216 sb_csum  220 max_dev  224 pad3[32]
 *   256 dev_roles[max_dev] (u16)
 */
#include <string.h>

#include "bytes.h"
#include "mdsb.h"

#define OFF_CSUM	216
#define OFF_ROLES	256

/*
 * Where the v1.0 superblock of a device of this many bytes lives, in bytes:
 * sector (S - 16) & ~7, 4 KiB aligned, 8 to 12 KiB before the end
 * (md.c super_1_load, mdadm super1.c; md-format.md 1.2).
 */
uint64_t mdsb_offset(uint64_t dev_bytes)
{
	uint64_t s = dev_bytes / 512;

	return s < 16 ? 0 : ((s - 16) & ~(uint64_t)7) * 512;
}

/* Where the superblock of minor version 0, 1 or 2 lives on a device of this many bytes. */
uint64_t mdsb_location(uint32_t minor, uint64_t dev_bytes)
{
	return minor == 0 ? mdsb_offset(dev_bytes) : minor == 1 ? 0 : 4096;
}

/* This member's slot, or -1 for spare, faulty or out of range. */
int mdsb_role(const struct mdsb *s)
{
	uint16_t r;

	if (s->dev_number >= s->max_dev || s->dev_number >= MDSB_ROLES_MAX)
		return -1;
	r = s->dev_roles[s->dev_number];
	return r < 0xff00 ? r : -1;
}

/*
 * md's checksum (calc_sb_1_csum, md-format.md 1.4): the u32 words of the
 * first 256 + 2 * max_dev bytes with sb_csum taken as zero, plus a last
 * u16 when max_dev is odd, folded once to 32 bits.
 */
uint32_t mdsb_csum(const uint8_t *buf)
{
	uint32_t max_dev = get32(buf + 220);
	uint32_t len, i;
	uint64_t sum = 0;

	if (max_dev > MDSB_ROLES_MAX)
		max_dev = MDSB_ROLES_MAX;
	len = OFF_ROLES + 2 * max_dev;
	for (i = 0; i + 4 <= len; i += 4) {
		if (i != OFF_CSUM)
			sum += get32(buf + i);
	}
	if (len % 4)
		sum += get16(buf + i);
	return (uint32_t)((sum & 0xffffffffu) + (sum >> 32));
}

/* Does this block start with md's magic and major version 1? */
/*
 * An encoded superblock without its internal write-intent bitmap: the
 * feature bit and bitmap_offset cleared, the checksum made again; every
 * other byte as it was. md assembles such an array with no bitmap.
 */
void mdsb_drop_bitmap(uint8_t *buf)
{
	put32(buf + 8, get32(buf + 8) & ~MDSB_FEATURE_BITMAP);
	put32(buf + 96, 0);
	put32(buf + OFF_CSUM, mdsb_csum(buf));
}

int mdsb_is_md(const uint8_t *buf)
{
	return get32(buf) == MDSB_MAGIC && get32(buf + 4) == 1;
}

/* The MDSB_BYTES block of one superblock, checksum computed. */
void mdsb_encode(const struct mdsb *s, uint8_t *buf)
{
	uint32_t max_dev = s->max_dev > MDSB_ROLES_MAX ? MDSB_ROLES_MAX : s->max_dev;

	memset(buf, 0, MDSB_BYTES);
	put32(buf, MDSB_MAGIC);
	put32(buf + 4, 1);
	put32(buf + 8, s->feature_map);
	memcpy(buf + 16, s->set_uuid, 16);
	memcpy(buf + 32, s->set_name, strnlen(s->set_name, 32));
	put64(buf + 64, s->ctime & 0xffffffffffull);
	put32(buf + 72, (uint32_t)s->level);
	put32(buf + 76, s->layout);
	put64(buf + 80, s->size);
	put32(buf + 88, s->chunksize);
	put32(buf + 92, s->raid_disks);
	put32(buf + 96, (uint32_t)s->bitmap_offset);
	put32(buf + 100, s->new_level);
	put64(buf + 104, s->reshape_position);
	put32(buf + 112, (uint32_t)s->delta_disks);
	put32(buf + 116, s->new_layout);
	put32(buf + 120, s->new_chunk);
	put32(buf + 124, (uint32_t)s->new_offset);
	put64(buf + 128, s->data_offset);
	put64(buf + 136, s->data_size);
	put64(buf + 144, s->super_offset);
	put64(buf + 152, s->recovery_offset);
	put32(buf + 160, s->dev_number);
	memcpy(buf + 168, s->device_uuid, 16);
	buf[184] = s->devflags;
	buf[185] = s->bblog_shift;
	put16(buf + 186, s->bblog_size);
	put32(buf + 188, (uint32_t)s->bblog_offset);
	put64(buf + 192, s->utime & 0xffffffffffull);
	put64(buf + 200, s->events);
	put64(buf + 208, s->resync_offset);
	put32(buf + 220, max_dev);
	for (uint32_t i = 0; i < max_dev; i++)
		put16(buf + OFF_ROLES + 2 * i, s->dev_roles[i]);
	put32(buf + OFF_CSUM, mdsb_csum(buf));
}

static int all_zero(const uint8_t *p, int n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/* Set raidmig's feature bit in an encoded superblock (md_mark), its checksum made again. */
void mdsb_mark(uint8_t *buf)
{
	put32(buf + 8, get32(buf + 8) | MDSB_FEATURE_RAIDMIG);
	put32(buf + OFF_CSUM, mdsb_csum(buf));
}

/*
 * Decode the superblock read at mdsb_location(minor, dev_bytes). Returns 0
 * and fills *s, or -1 with *why: what the kernel would refuse (md-format.md
 * 2), except feature bits, which the caller judges. Nothing else is
 * checked here.
 */
int mdsb_decode(const uint8_t *buf, uint64_t dev_bytes, uint32_t minor, struct mdsb *s, const char **why)
{
	memset(s, 0, sizeof(*s));
	*why = 0;
	if (!mdsb_is_md(buf)) {
		*why = "no md superblock";
		return -1;
	}
	s->max_dev = get32(buf + 220);
	if (s->max_dev > MDSB_ROLES_MAX) {
		*why = "md superblock: max_dev too large";
		return -1;
	}
	s->sb_csum = get32(buf + OFF_CSUM);
	if (s->sb_csum != mdsb_csum(buf)) {
		*why = "md superblock: bad checksum";
		return -1;
	}
	if (get32(buf + 12) || !all_zero(buf + 224, 32)) {
		*why = "md superblock: non-zero padding";
		return -1;
	}
	s->feature_map = get32(buf + 8);
	memcpy(s->set_uuid, buf + 16, 16);
	memcpy(s->set_name, buf + 32, 32);
	s->ctime = get64(buf + 64) & 0xffffffffffull;
	s->level = (int32_t)get32(buf + 72);
	s->layout = get32(buf + 76);
	s->size = get64(buf + 80);
	s->chunksize = get32(buf + 88);
	s->raid_disks = get32(buf + 92);
	s->bitmap_offset = (int32_t)get32(buf + 96);
	s->new_level = get32(buf + 100);
	s->reshape_position = get64(buf + 104);
	s->delta_disks = (int32_t)get32(buf + 112);
	s->new_layout = get32(buf + 116);
	s->new_chunk = get32(buf + 120);
	s->new_offset = (int32_t)get32(buf + 124);
	s->data_offset = get64(buf + 128);
	s->data_size = get64(buf + 136);
	s->super_offset = get64(buf + 144);
	s->recovery_offset = get64(buf + 152);
	s->dev_number = get32(buf + 160);
	memcpy(s->device_uuid, buf + 168, 16);
	s->devflags = buf[184];
	s->bblog_shift = buf[185];
	s->bblog_size = get16(buf + 186);
	s->bblog_offset = (int32_t)get32(buf + 188);
	s->utime = get64(buf + 192) & 0xffffffffffull;
	s->events = get64(buf + 200);
	s->resync_offset = get64(buf + 208);
	for (uint32_t i = 0; i < s->max_dev; i++)
		s->dev_roles[i] = get16(buf + OFF_ROLES + 2 * i);
	s->minor = minor;
	if (s->super_offset * 512 != mdsb_location(minor, dev_bytes)) {
		*why = minor == 0 ? "md superblock: super_offset is not where v1.0 puts it" :
		       "md superblock: super_offset is not where v1.1 or v1.2 puts it";
		return -1;
	}
	if (minor == 0 && (s->data_size > s->super_offset || s->data_offset + s->size > s->super_offset)) {
		*why = "md superblock: data overlaps the superblock";
		return -1;
	}
	/* v1.1, v1.2: the data follows the superblock and stays on the device */
	if (minor && (s->data_offset < s->super_offset + MDSB_BYTES / 512 ||
		      s->data_offset > dev_bytes / 512 || s->data_size > dev_bytes / 512 - s->data_offset ||
		      s->size > dev_bytes / 512 - s->data_offset)) {
		*why = "md superblock: data overlaps the superblock or passes the device's end";
		return -1;
	}
	return 0;
}
