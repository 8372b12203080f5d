/* overlap.h: a migration as a pair of geometries. See overlap.c. */
#ifndef RAIDMIG_OVERLAP_H
#define RAIDMIG_OVERLAP_H

#include "layout.h"

/*
 * Member i of `from` is member i of `to`: an array grows by members added
 * at the end (a plain disk is member 0), and shrinks by its last ones.
 */
struct pair {
	struct geom from;	/* the old layout: a plain disk or an md array */
	struct geom to;		/* the new layout */
	uint64_t data_size;	/* volume bytes to migrate */
	uint32_t descending;	/* units are migrated from the last to the first */
	uint32_t unsynced;	/* the old layout's copies and parity may disagree (md's
				 * resync unfinished): only copy 0 is trusted, the rest rewritten */
	uint32_t slot_units;	/* units the staging slot holds at once (0 reads as 1) */
	uint64_t sync_end;	/* unsynced: bytes of each old member in sync below this (md's
				 * resync_offset, for RAID1, 4, 5 and 6), 0: none */
};

/*
 * The most a staging slot of several units holds, all members together:
 * the copy buffer holds what is staged at once (convert.c run_init).
 */
#define SLOT_MAX_BYTES	(16u << 20)
#define SLOT_MAX_UNITS	512u	/* and units: the metadata holds a crc32 of each */

/* Sizes derived from a pair, for loops over many units. */
struct pair_sizes {
	uint64_t unit;		/* pair_unit_bytes */
	uint64_t depth;		/* pair_unit_depth */
};

const char *pair_check(const struct pair *p);
uint64_t pair_unit_bytes(const struct pair *p);
uint64_t pair_units(const struct pair *p);
uint64_t pair_unit_depth(const struct pair *p);
uint64_t pair_slot_bytes(const struct pair *p);
uint64_t pair_slot_units(const struct pair *p);
uint32_t pair_members(const struct pair *p);
void pair_unit_extent(const struct pair *p, uint64_t unit, uint64_t *off, uint64_t *len);
int pair_is_identity(const struct pair *p, uint32_t member, uint64_t moff, uint64_t voff);
int pair_parity_in_place(const struct pair *p, uint32_t member, uint64_t moff, const struct piece *to);
uint64_t pair_unit_of(const struct pair *p, uint64_t rank);
uint64_t pair_rank_of(const struct pair *p, uint64_t unit);
void pair_unit_range(const struct pair *p, uint64_t from, uint64_t to, uint64_t *lo, uint64_t *hi);
int pair_migrated(const struct pair *p, uint64_t done, uint64_t voff, uint64_t *run);
const char *pair_order(struct pair *p);
int64_t pair_clobbers(const struct pair *p, uint64_t unit, int *self);
void pair_sizes(const struct pair *p, struct pair_sizes *z);
int64_t pair_clobbers_z(const struct pair *p, const struct pair_sizes *z, uint64_t unit, int *self);
uint64_t pair_in_place_end(const struct pair *p, uint32_t member);
uint64_t pair_first_stop(const struct pair *p, uint64_t ckpt, uint64_t from, uint64_t to, int search);
uint64_t pair_run(const struct pair *p, uint32_t member, uint64_t moff, uint64_t limit);

#endif
