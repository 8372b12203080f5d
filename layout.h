/* layout.h: pure RAID geometry, no I/O. See layout.c. */
#ifndef RAIDMIG_LAYOUT_H
#define RAIDMIG_LAYOUT_H

#include <stdint.h>

#define MIN_MEMBERS	2
#define MAX_MEMBERS	16
#define MIN_CHUNK	4096u
#define MAX_CHUNK	(2u << 20)	/* 2 MiB: one unit stays <= 32 MiB */
#define META_BLOCK	4096u		/* one metadata copy */
#define META_COPIES	2

enum { LEVEL_RAID0 = 0 };

/*
 * The geometry of an array. Every field is on disk (meta.c), and every
 * placement question is answered by a function below, never by code that
 * assumes RAID0: later levels add parity members and other layouts here.
 */
struct geom {
	uint32_t level;		/* RAID level (LEVEL_RAID0) */
	uint32_t layout;	/* level-specific layout, 0 for RAID0 */
	uint32_t chunk;		/* bytes per chunk, power of two */
	uint32_t members;	/* member count; member 0 holds the source */
	uint64_t member_data;	/* bytes of data area on each member, multiple of chunk */
	uint64_t data_size;	/* bytes of source data to migrate */
};

int geom_level_supported(uint32_t level);
const char *geom_check(const struct geom *g);

uint32_t geom_data_members(const struct geom *g);
uint64_t geom_unit_bytes(const struct geom *g);
uint64_t geom_units(const struct geom *g);
uint64_t geom_capacity(const struct geom *g);
uint64_t geom_slot_bytes(const struct geom *g);
uint64_t geom_config_bytes(const struct geom *g);
uint64_t geom_member_data_for(uint64_t member_size, uint64_t config, uint32_t chunk);
uint64_t geom_usable_end(uint64_t member_size);

void geom_map(const struct geom *g, uint64_t voff, uint32_t *member, uint64_t *moff);
void geom_clobbers(const struct geom *g, uint64_t unit, uint64_t *lo, uint64_t *hi);
int geom_overlaps(const struct geom *g, uint64_t unit);
uint64_t geom_first_clobbering(const struct geom *g, uint64_t ckpt);
void geom_unit_extent(const struct geom *g, uint64_t unit, uint64_t *off, uint64_t *len);

#endif
