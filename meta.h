/* meta.h: the on-disk metadata format. See meta.c. */
#ifndef RAIDMIG_META_H
#define RAIDMIG_META_H

#include <stdint.h>
#include "layout.h"

#define META_VERSION	1

enum { META_MIGRATING = 1, META_COMPLETE = 2 };

struct member_id {
	uint8_t uuid[16];
	uint64_t size;		/* bytes, as seen when the array was created */
};

/*
 * One metadata generation. Every member carries the same record but for
 * member_index; each member has META_COPIES copies at its end, generation g
 * going to copy g % META_COPIES.
 */
struct meta {
	uint8_t array_uuid[16];
	uint64_t generation;	/* 1 at creation, +1 per metadata commit */
	struct geom g;
	uint32_t sector_size;	/* logical sector size of every member, bytes */
	uint32_t state;		/* META_MIGRATING or META_COMPLETE */
	uint32_t member_index;	/* which member this copy lives on */
	uint64_t progress;	/* units copied and checkpointed: [0, progress) */
	uint64_t stage_unit;	/* unit held in the staging slot */
	uint64_t stage_len;	/* bytes in the slot, 0 = slot empty */
	uint32_t stage_crc;	/* crc32 of the staged bytes */
	uint32_t journal_crc;	/* crc32 of the journal file, if journal_size */
	uint64_t journal_size;	/* bytes of the journal file, 0 = no journal */
	uint64_t journal_done;	/* journal records applied as of this commit */
	struct member_id member[MAX_MEMBERS];
};

void meta_encode(const struct meta *m, uint8_t *buf);
int meta_decode(const uint8_t *buf, struct meta *m, const char **why);
uint64_t meta_copy_offset(uint64_t member_size, int copy);
uint64_t meta_slot_offset(const struct meta *m, uint64_t member_size);
const char *meta_state_name(uint32_t state);

#endif
