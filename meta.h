/* meta.h: raidmig's on-disk metadata and where it lives. See meta.c. */
#ifndef RAIDMIG_META_H
#define RAIDMIG_META_H

#include <stdint.h>

#include "mdsb.h"
#include "overlap.h"

#define META_VERSION	4	/* 4: md's format (offset 816); 3: the slot's units (800), the sync bound (808) */
#define META_VERSION_MD10 3	/* read too: md v1.0, fields 816 to 840 zero */
#define META_VERSION_SLOT1 2	/* read too: that, and a one-unit slot, fields 800 and 808 zero */
#define MD_NAME_MAX	32	/* md's set_name field */
#define BBLOG_BYTES	4096u	/* md's bad-block log, just below its superblock */

enum { META_MIGRATING = 1, META_COMPLETE = 2 };

struct member_id {
	uint8_t uuid[16];	/* also md's device_uuid for this member */
	uint64_t size;		/* bytes, as seen when the array was created */
	uint32_t head_crc;	/* crc32 of its first bytes at creation (array_source_crc) */
	uint32_t head_known;	/* 1: head_crc was recorded (0 in older metadata) */
};

/*
 * One metadata generation. Every member carries the same record but for
 * member_index; each member has META_COPIES copies below its md superblock,
 * generation g going to copy g % META_COPIES.
 */
struct meta {
	uint8_t array_uuid[16];	/* also md's set_uuid */
	uint64_t generation;	/* first_generation at creation, +1 per metadata commit */
	uint64_t first_generation; /* above any metadata the devices held before */
	struct pair p;		/* from, to, data size */
	uint32_t sector_size;	/* logical sector size of every member, bytes */
	uint32_t state;		/* META_MIGRATING or META_COMPLETE */
	uint32_t member_index;	/* which member this copy lives on */
	uint64_t progress;	/* units copied and checkpointed: [0, progress) */
	uint64_t stage_unit;	/* unit held in the staging slot */
	uint64_t stage_len;	/* bytes in the slot, 0 = slot empty */
	uint32_t stage_crc;	/* crc32 of the staged bytes */
	uint32_t unit_crc[SLOT_MAX_UNITS]; /* crc32 of each staged unit, when more than one */
	uint32_t journal_crc;	/* crc32 of the journal file, if journal_size */
	uint64_t journal_size;	/* bytes of the journal file, 0 = no journal */
	uint64_t journal_done;	/* journal records applied as of this commit */
	uint32_t journal_data_crc; /* crc32 of the data of every file= record */
	uint32_t journal_flags;	/* bit 0: a journal was given (it may be empty) */
	uint32_t source_crc;	/* crc32 of the source's first bytes at creation */
	uint32_t moved_crc;	/* crc32 of the moved tail (p.from.moved_*) as moved */
	uint64_t ctime;		/* md's ctime and utime: creation, seconds */
	uint64_t md_events;	/* md's events count in the final superblocks */
	char name[MD_NAME_MAX + 1];	/* md's set_name */
	struct md_format md;	/* where md's superblock and data are on every member */
	struct member_id member[MAX_MEMBERS];
};

#define JOURNAL_GIVEN	1u
#define SOURCE_CRC_BYTES (1u << 20)	/* how much of the source source_crc covers */

void meta_encode(const struct meta *m, uint8_t *buf);
int meta_decode(const uint8_t *buf, struct meta *m, const char **why);
uint64_t meta_copy_offset(uint64_t member_size, int copy);
uint64_t meta_slot_offset(const struct pair *p, uint64_t member_size);
uint64_t meta_data_room(const struct pair *p, uint64_t member_size);
uint64_t meta_new_room(const struct pair *p, uint64_t member_size);
const char *meta_fit_slot(struct pair *p, const uint64_t *member_size);
const char *meta_state_name(uint32_t state);
const char *meta_check_format(const struct md_format *f, uint64_t data_offset);

#endif
