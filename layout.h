/* layout.h: pure RAID geometry, no I/O. See layout.c. */
#ifndef RAIDMIG_LAYOUT_H
#define RAIDMIG_LAYOUT_H

#include <stdint.h>

#define MIN_MEMBERS	2
#define MAX_MEMBERS	16
#define MIN_CHUNK	4096u
#define MAX_CHUNK	(2u << 20)
#define META_BLOCK	4096u		/* one metadata copy */
#define META_COPIES	2
#define MAX_COPIES	MAX_MEMBERS	/* RAID1 over every member */
#define MAX_DISK_BYTES	(1ull << 48)	/* 256 TiB: every size computation stays far from overflow */

/* md's level numbers; a plain disk is a one-member array of its own kind */
enum {
	LEVEL_PLAIN = -100,
	LEVEL_RAID0 = 0, LEVEL_RAID1 = 1, LEVEL_RAID4 = 4, LEVEL_RAID5 = 5,
	LEVEL_RAID6 = 6, LEVEL_RAID10 = 10,
};

/* md's RAID5/6 layout numbers (md_p.h ALGORITHM_*) */
enum {
	LAYOUT_LA = 0, LAYOUT_RA = 1, LAYOUT_LS = 2, LAYOUT_RS = 3,
	LAYOUT_P0 = 4, LAYOUT_PN = 5,
	LAYOUT_DDF_ZERO = 8, LAYOUT_DDF_N_RESTART = 9, LAYOUT_DDF_N_CONT = 10,
	LAYOUT_LA6 = 16, LAYOUT_RA6 = 17, LAYOUT_LS6 = 18, LAYOUT_RS6 = 19,
	LAYOUT_P06 = 20,
};

/*
 * The geometry of one array, in md's terms. Every placement question is
 * answered by a function below; the migration code never asks which
 * level it is.
 */
struct geom {
	int32_t level;		/* LEVEL_* */
	uint32_t layout;	/* md's layout word for the level */
	uint32_t chunk;		/* bytes; for RAID1 the depth of a unit (md has none) */
	uint32_t members;	/* raid_disks */
	uint64_t member_data;	/* bytes of each member holding data (md's size) */
	uint64_t offset;	/* bytes of each member before them (md's data_offset, past
				 * the device's base): 0 but where a migration moves the data
				 * along the members, as md's reshape moves data_offset */
	/*
	 * The moved tail: bytes [moved_at, moved_at + moved_len) of member i
	 * (every member; past offset) live at moved_to + i * moved_len on member
	 * moved_member, past the members of the layout: a source whose data
	 * reaches into the place of the new array's configuration area, a plain
	 * disk or an md array used to the end, had them moved first. None when
	 * moved_len is 0.
	 */
	uint64_t moved_at, moved_len, moved_to;
	uint32_t moved_member;
};

/* What one chunk-sized piece of a member holds: PIECE_NONE lies below the layout's offset. */
enum piece_kind { PIECE_DATA, PIECE_P, PIECE_Q, PIECE_NONE };

struct piece {
	enum piece_kind kind;
	uint64_t voff;		/* PIECE_DATA: volume offset of the piece's first byte */
	uint32_t copy;		/* PIECE_DATA: which copy (0 is the one read) */
	uint64_t stripe;	/* the stripe it belongs to */
	uint64_t run;		/* bytes from here on the member that continue it */
};

static inline uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

const char *geom_check(const struct geom *g);
const char *geom_level_name(const struct geom *g, char *buf, int len);

uint32_t geom_copies(const struct geom *g);
uint32_t geom_parities(const struct geom *g);
uint64_t geom_stripe_bytes(const struct geom *g);
uint64_t geom_stripe_depth(const struct geom *g);
uint64_t geom_capacity(const struct geom *g);
uint64_t geom_round_member(const struct geom *g, uint64_t bytes);

uint64_t geom_map(const struct geom *g, uint64_t voff, uint32_t copy, uint32_t *member, uint64_t *moff);
uint32_t geom_devices(const struct geom *g);
uint64_t geom_moved(const struct geom *g, uint32_t *member, uint64_t *moff, uint64_t n);
void geom_unmap(const struct geom *g, uint32_t member, uint64_t moff, struct piece *p);
void geom_parity_members(const struct geom *g, uint64_t stripe, int *p, int *q);
int geom_q_sources(const struct geom *g, uint64_t stripe, int64_t *slot_voff);
int geom_redundancy(const struct geom *g);
int geom_parse_level(const char *s, int32_t *level);
int geom_parse_layout(int32_t level, const char *s, uint32_t *layout);

#endif
