/* mdsb.h: the Linux md v1 superblock. See mdsb.c. */
#ifndef RAIDMIG_MDSB_H
#define RAIDMIG_MDSB_H

#include <stdint.h>

#define MDSB_MAGIC	0xa92b4efcu
#define MDSB_BYTES	4096u		/* reserved at super_offset */
#define MDSB_MAX_DEV	128u		/* dev_roles entries raidmig writes, as mdadm */
#define MDSB_ROLES_MAX	1920u		/* the most the kernel accepts */
#define MDSB_ROLE_SPARE	0xffffu
#define MDSB_ROLE_FAULTY 0xfffeu
#define MDSB_CLEAN	UINT64_MAX	/* resync_offset of a clean array */

/* md's own feature bits (md_p.h); anything else makes the kernel refuse */
#define MDSB_FEATURE_BITMAP	0x1u
#define MDSB_FEATURE_RAID0_LAYOUT 0x1000u	/* RAID0's layout field is meaningful (md-format.md 4) */
#define MDSB_FEATURE_ALL	0x1fffu
/*
 * raidmig's mark on an array it is still migrating: a bit md does not know,
 * so the kernel and mdadm --assemble refuse the member while blkid still
 * reports linux_raid_member and mdadm --examine prints it (md-format.md 2).
 */
#define MDSB_FEATURE_RAIDMIG	0x80000000u

/*
 * The fields of one member's superblock, in md's units: sizes and offsets
 * in 512-byte sectors, whatever the device's logical sector size.
 */
struct mdsb {
	uint32_t feature_map;
	uint8_t set_uuid[16];
	char set_name[33];	/* NUL-terminated; 32 bytes on disk */
	uint64_t ctime;		/* seconds (low 40 bits on disk) */
	int32_t level;
	uint32_t layout;
	uint64_t size;		/* sectors of each member the array uses */
	uint32_t chunksize;	/* sectors; 0 for RAID1 */
	uint32_t raid_disks;
	int32_t bitmap_offset;	/* sectors from super_offset, with MDSB_FEATURE_BITMAP */
	uint32_t new_level;	/* reshape fields: raidmig writes them as 0 */
	uint64_t reshape_position;
	int32_t delta_disks;
	uint32_t new_layout, new_chunk;
	int32_t new_offset;
	uint64_t data_offset;	/* sectors */
	uint64_t data_size;	/* sectors */
	uint64_t super_offset;	/* sectors */
	uint64_t recovery_offset;
	uint32_t dev_number;
	uint8_t device_uuid[16];
	uint8_t devflags;
	uint8_t bblog_shift;
	uint16_t bblog_size;	/* sectors */
	int32_t bblog_offset;	/* sectors from super_offset */
	uint64_t utime;		/* seconds */
	uint64_t events;
	uint64_t resync_offset;	/* MDSB_CLEAN, or where a resync starts */
	uint32_t sb_csum;	/* as read; mdsb_encode computes it */
	uint32_t max_dev;
	uint16_t dev_roles[MDSB_ROLES_MAX];
	uint32_t minor;		/* where it was read: 0 (v1.0, at the end), 1 (v1.1, at byte
				 * 0) or 2 (v1.2, at 4 KiB); not on disk */
};

/*
 * Where md keeps an array's superblock and data on every member: the old
 * array's format, which the new array keeps (raidmig's metadata).
 */
struct md_format {
	uint32_t minor;		/* superblock v1.0 (0), v1.1 (1) or v1.2 (2) */
	int32_t bblog_offset;	/* v1.1, v1.2: md's bad-block log, sectors from the superblock */
	uint32_t bblog_size;	/* sectors; 0: none */
	uint64_t base;		/* v1.1, v1.2: bytes of every device before what raidmig
				 * sees of it (dev_set_base): the old array's data_offset,
				 * 0 for a revert; v1.0: 0. The layouts' offsets count from it */
};

uint64_t mdsb_offset(uint64_t dev_bytes);
uint64_t mdsb_location(uint32_t minor, uint64_t dev_bytes);
int mdsb_role(const struct mdsb *s);
void mdsb_encode(const struct mdsb *s, uint8_t *buf);
int mdsb_decode(const uint8_t *buf, uint64_t dev_bytes, uint32_t minor, struct mdsb *s, const char **why);
int mdsb_is_md(const uint8_t *buf);
void mdsb_drop_bitmap(uint8_t *buf);
void mdsb_mark(uint8_t *buf);
uint32_t mdsb_csum(const uint8_t *buf);

#endif
