/*
 * layout.c: pure geometry. Volume address to (member, offset), the size of
 * the configuration area, and which source units the destination of a unit
 * overwrites. No I/O and no globals, so the unit tests can ask it anything.
 *
 * The old layout is the source disk itself: volume byte X sits at byte X of
 * member 0. The new layout is Linux md's RAID0: chunk c of the volume lives
 * on member c mod n at offset (c div n) * chunk. A unit is one stripe: the
 * data chunks of one row across all members.
 */
#include "layout.h"

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

int geom_level_supported(uint32_t level)
{
	return level == LEVEL_RAID0;
}

/* Returns NULL if the geometry is one raidmig can build, else why not. */
const char *geom_check(const struct geom *g)
{
	if (!geom_level_supported(g->level))
		return "unsupported RAID level";
	if (g->layout != 0)
		return "unsupported layout";
	if (g->members < MIN_MEMBERS || g->members > MAX_MEMBERS)
		return "member count out of range";
	if (g->chunk < MIN_CHUNK || g->chunk > MAX_CHUNK ||
	    (g->chunk & (g->chunk - 1)))
		return "chunk size out of range or not a power of two";
	if (g->member_data == 0 || g->member_data % g->chunk)
		return "member data size not a positive multiple of the chunk";
	if (g->member_data > (UINT64_MAX / 2) / g->members)
		return "member data size too large";
	if (g->data_size == 0 || g->data_size > geom_capacity(g))
		return "data size larger than the volume";
	return 0;
}

/* Members that hold data in every stripe (RAID0: all of them). */
uint32_t geom_data_members(const struct geom *g)
{
	return g->members;
}

/* Data bytes in one unit (one stripe). */
uint64_t geom_unit_bytes(const struct geom *g)
{
	return (uint64_t)geom_data_members(g) * g->chunk;
}

uint64_t geom_units(const struct geom *g)
{
	uint64_t u = geom_unit_bytes(g);

	return (g->data_size + u - 1) / u;
}

uint64_t geom_capacity(const struct geom *g)
{
	return (uint64_t)geom_data_members(g) * g->member_data;
}

/* The staging slot holds one unit, spread evenly over the members. */
uint64_t geom_slot_bytes(const struct geom *g)
{
	uint64_t per = (geom_unit_bytes(g) + g->members - 1) / g->members;

	return round_up(per, META_BLOCK);
}

/* Bytes at the end of every member: staging slot, then the metadata copies. */
uint64_t geom_config_bytes(const struct geom *g)
{
	return geom_slot_bytes(g) + (uint64_t)META_COPIES * META_BLOCK;
}

/* The end of a member as raidmig uses it: its size rounded down to 4 KiB. */
uint64_t geom_usable_end(uint64_t member_size)
{
	return member_size / META_BLOCK * META_BLOCK;
}

/* Data bytes a member of this size can hold: before its configuration area. */
uint64_t geom_member_data_for(uint64_t member_size, uint64_t config, uint32_t chunk)
{
	uint64_t end = geom_usable_end(member_size);

	if (end <= config)
		return 0;
	return (end - config) / chunk * chunk;
}

/* Volume offset to member and offset on that member, new layout. */
void geom_map(const struct geom *g, uint64_t voff, uint32_t *member, uint64_t *moff)
{
	uint64_t c = voff / g->chunk;
	uint32_t n = geom_data_members(g);

	*member = (uint32_t)(c % n);
	*moff = (c / n) * g->chunk + voff % g->chunk;
}

/*
 * The source units whose bytes on member 0 the new-layout destination of
 * `unit` overwrites: [*lo, *hi]. Member 0 receives one chunk per stripe at
 * [unit * chunk, (unit + 1) * chunk), and source unit s occupies
 * [s * unit_bytes, (s + 1) * unit_bytes) of member 0.
 */
void geom_clobbers(const struct geom *g, uint64_t unit, uint64_t *lo, uint64_t *hi)
{
	uint64_t ub = geom_unit_bytes(g);

	*lo = unit * g->chunk / ub;
	*hi = ((unit + 1) * g->chunk - 1) / ub;
}

/* The patent's test 216: does the unit's destination overlap its own source? */
int geom_overlaps(const struct geom *g, uint64_t unit)
{
	uint64_t lo, hi;

	geom_clobbers(g, unit, &lo, &hi);
	return lo <= unit && unit <= hi;
}

/*
 * The first unit whose destination overwrites a source unit >= ckpt, i.e.
 * the smallest w with hi(w) >= ckpt: w = ceil((ckpt * unit_bytes + 1) / chunk) - 1.
 * Units below it may be copied without writing a checkpoint first.
 */
uint64_t geom_first_clobbering(const struct geom *g, uint64_t ckpt)
{
	uint64_t ub = geom_unit_bytes(g);

	return (ckpt * ub + 1 + g->chunk - 1) / g->chunk - 1;
}

/* The volume bytes of a unit, clipped to the data to migrate. */
void geom_unit_extent(const struct geom *g, uint64_t unit, uint64_t *off, uint64_t *len)
{
	uint64_t ub = geom_unit_bytes(g);

	*off = unit * ub;
	*len = *off >= g->data_size ? 0 :
		(g->data_size - *off < ub ? g->data_size - *off : ub);
}
