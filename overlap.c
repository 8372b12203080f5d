/*
 * overlap.c: a migration is a pair of geometries, `from` and `to`, and
 * everything the migration loop needs to know about where bytes go comes
 * from the pair: the unit (one stripe of both layouts: the least common
 * multiple of their stripes, which for a plain disk is one stripe of the
 * new layout), which member bytes a unit writes, which of those already
 * hold the same bytes (no write needed), and which source units a unit's
 * writes overwrite: the patent's test 216 (its own source) and, with the
 * checkpoint, test 244 (source copied but not checkpointed).
 *
 * Units are migrated in one order, and everything here speaks of ranks: the
 * rank-th unit migrated. Ascending order (rank = unit) is safe when no unit
 * overwrites the source of a later one, which holds whenever the new layout
 * keeps at least as much data per member row as the old one (a plain disk
 * keeps one chunk per row, every md level at least one). When the new
 * layout keeps less (fewer members, back to one disk), units go from the
 * last to the first (rank = units - 1 - unit), md's backwards reshape.
 * pair_order picks the order and pair_check verifies it.
 */
#include <stddef.h>

#include "overlap.h"

uint64_t pair_unit_bytes(const struct pair *p)
{
	uint64_t a = geom_stripe_bytes(&p->from), b = geom_stripe_bytes(&p->to);

	return a / gcd64(a, b) * b;
}

uint64_t pair_units(const struct pair *p)
{
	uint64_t u = pair_unit_bytes(p);

	return p->data_size / u + (p->data_size % u != 0);
}

/* Bytes of every `to` member a unit covers. */
uint64_t pair_unit_depth(const struct pair *p)
{
	return pair_unit_bytes(p) / geom_stripe_bytes(&p->to) * geom_stripe_depth(&p->to);
}

/* Devices a migration involves: the larger of the two member counts. */
uint32_t pair_members(const struct pair *p)
{
	return p->from.members > p->to.members ? p->from.members : p->to.members;
}

/* Units the staging slot holds: meta_fit_slot chose it; older metadata had one. */
uint64_t pair_slot_units(const struct pair *p)
{
	return p->slot_units ? p->slot_units : 1;
}

/* The staging slot on each `to` member: its units spread evenly, in 4 KiB blocks. */
uint64_t pair_slot_bytes(const struct pair *p)
{
	uint64_t bytes = pair_slot_units(p) * pair_unit_bytes(p);
	uint64_t per = (bytes + p->to.members - 1) / p->to.members;

	return (per + META_BLOCK - 1) / META_BLOCK * META_BLOCK;
}

/* The unit migrated rank-th, and back. */
uint64_t pair_unit_of(const struct pair *p, uint64_t rank)
{
	return p->descending ? pair_units(p) - 1 - rank : rank;
}

uint64_t pair_rank_of(const struct pair *p, uint64_t unit)
{
	return pair_unit_of(p, unit);	/* its own inverse */
}

/* The units of ranks [from, to): units [*lo, *hi), one contiguous run either way. */
void pair_unit_range(const struct pair *p, uint64_t from, uint64_t to, uint64_t *lo, uint64_t *hi)
{
	uint64_t units = pair_units(p);

	*lo = p->descending ? units - to : from;
	*hi = p->descending ? units - from : to;
}

/*
 * Once `done` units are migrated, is volume byte voff in the new layout?
 * *run: the bytes from voff on with the same answer.
 */
int pair_migrated(const struct pair *p, uint64_t done, uint64_t voff, uint64_t *run)
{
	uint64_t ub = pair_unit_bytes(p), units = pair_units(p);
	uint64_t edge = (p->descending ? units - done : done) * ub;
	int below = voff < edge;

	*run = below ? edge - voff : UINT64_MAX - voff;
	return p->descending ? !below : below;
}

/* The volume bytes of a unit, clipped to the data to migrate. */
void pair_unit_extent(const struct pair *p, uint64_t unit, uint64_t *off, uint64_t *len)
{
	uint64_t ub = pair_unit_bytes(p);

	*off = unit * ub;
	*len = *off >= p->data_size ? 0 :
		(p->data_size - *off < ub ? p->data_size - *off : ub);
}

/* Bytes from `moff` on in one chunk of g (or below its offset), at most limit. */
static uint64_t chunk_run(const struct geom *g, uint64_t moff, uint64_t limit)
{
	uint64_t n = moff < g->offset ? g->offset - moff : g->chunk - (moff - g->offset) % g->chunk;

	return g->level == LEVEL_PLAIN || n > limit ? limit : n;	/* a plain disk's bytes run on */
}

/* Bytes from `moff` on `member` before either layout changes what follows. */
uint64_t pair_run(const struct pair *p, uint32_t member, uint64_t moff, uint64_t limit)
{
	uint64_t n = chunk_run(&p->to, moff, limit);

	return member < p->from.members ? chunk_run(&p->from, moff, n) : n;
}

/*
 * Does (member, moff) already hold volume byte `voff` in the old layout,
 * in any of its copies (in copy 0 when the old layout is not in sync)?
 * Then writing it in the new layout changes nothing and is skipped: for a
 * plain disk, the first chunk on member 0; for RAID1 from a plain disk,
 * everything on member 0.
 */
int pair_is_identity(const struct pair *p, uint32_t member, uint64_t moff, uint64_t voff)
{
	uint32_t copies = p->unsynced ? 1 : geom_copies(&p->from);

	if (member >= p->from.members || voff >= p->data_size)
		return 0;
	for (uint32_t c = 0; c < copies; c++) {
		uint32_t m;
		uint64_t o;

		geom_map(&p->from, voff, c, &m, &o);
		if (m == member && o == moff)
			return 1;
	}
	return 0;
}

/*
 * A member offset of `member` from which on no piece is in place
 * (pair_is_identity, pair_parity_in_place), or UINT64_MAX if it cannot be
 * bounded so simply. Used by plan to count whole members at once. For a
 * plain source, byte v sits at v on member 0; the new layout puts a member
 * offset moff of its stripe s (sb bytes over depth bytes a member) no
 * lower than s * sb > (moff - depth) * sb / depth, so the two agree only
 * below depth * sb / (sb - depth) when sb > depth (not RAID1).
 */
uint64_t pair_in_place_end(const struct pair *p, uint32_t member)
{
	uint64_t sb = geom_stripe_bytes(&p->to), depth = geom_stripe_depth(&p->to), b;

	if (member >= p->from.members)
		return 0;
	if (p->from.level != LEVEL_PLAIN || p->to.level == LEVEL_PLAIN || sb <= depth || p->to.offset)
		return UINT64_MAX;
	b = depth * sb / (sb - depth) + 1;
	return (b + p->to.chunk - 1) / p->to.chunk * p->to.chunk;
}

/*
 * Does (member, moff), where the new layout puts the P parity of a stripe
 * (`to`, geom_unmap's piece), already hold it? It does when the old layout
 * keeps P of the same stripe there over the same bytes, in sync (the whole
 * old array, or the stripe's rows below md's resync_offset: sync_end): the
 * same stripe width and chunk, the stripe whole within the data (past it
 * the new parity is of zeros). Then the XOR of the same chunks is already
 * on disk: RAID5 to RAID6 in a -6 layout writes Q alone.
 */
int pair_parity_in_place(const struct pair *p, uint32_t member, uint64_t moff, const struct piece *to)
{
	uint64_t sb = geom_stripe_bytes(&p->to);
	struct piece from;

	if (to->kind != PIECE_P || member >= p->from.members ||
	    p->from.chunk != p->to.chunk || geom_stripe_bytes(&p->from) != sb ||
	    (to->stripe + 1) * sb > p->data_size ||
	    (p->unsynced && (to->stripe + 1) * geom_stripe_depth(&p->from) > p->sync_end))
		return 0;
	geom_unmap(&p->from, member, moff, &from);
	return from.kind == PIECE_P && from.stripe == to->stripe;
}

/*
 * The source units whose read copy (copy 0 in the old layout) the writes
 * of the rank-th unit overwrite: returns the largest rank among them other
 * than its own, or -1 for none, and sets *self when it overwrites its own
 * (test 216). Bytes past the data, parity and other copies of the old
 * layout are not read, so overwriting them loses nothing.
 */
int64_t pair_clobbers(const struct pair *p, uint64_t unit, int *self)
{
	struct pair_sizes z;

	pair_sizes(p, &z);
	return pair_clobbers_z(p, &z, unit, self);
}

/* The unit sizes, worked out once for a run of pair_clobbers_z calls. */
void pair_sizes(const struct pair *p, struct pair_sizes *z)
{
	z->unit = pair_unit_bytes(p);
	z->depth = pair_unit_depth(p);
}

/* pair_clobbers with the sizes given. */
int64_t pair_clobbers_z(const struct pair *p, const struct pair_sizes *z, uint64_t rank, int *self)
{
	uint64_t unit = pair_unit_of(p, rank);
	int64_t most = -1;

	*self = 0;
	for (uint32_t m = 0; m < p->to.members && m < p->from.members; m++) {
		uint64_t moff = p->to.offset + unit * z->depth, end = moff + z->depth;

		while (moff < end) {
			uint64_t n = pair_run(p, m, moff, end - moff);
			struct piece to, from;

			geom_unmap(&p->to, m, moff, &to);
			if (to.kind == PIECE_DATA && pair_is_identity(p, m, moff, to.voff)) {
				moff += n;
				continue;
			}
			geom_unmap(&p->from, m, moff, &from);
			if (from.kind == PIECE_DATA && from.copy == 0 && from.voff < p->data_size) {
				uint64_t u = from.voff / z->unit, rk = pair_rank_of(p, u);

				if (u == unit)
					*self = 1;
				else if ((int64_t)rk > most)
					most = (int64_t)rk;
			}
			moff += n;
		}
	}
	return most;
}

static int stops_at(const struct pair *p, const struct pair_sizes *z, uint64_t ckpt, uint64_t rank)
{
	int self;

	return pair_clobbers_z(p, z, rank, &self) >= (int64_t)ckpt || self;
}

/*
 * The first rank in [from, to) that overwrites its own source (216) or
 * source at or past rank `ckpt` (244); `to` if none. Unit by unit, or with
 * `search` by galloping then halving, in O(log n) calls: exact when the
 * answer is false up to some rank and true from there on, as it is from a
 * plain source to every layout test/unit.c tries (the highest source rank
 * a unit overwrites never decreases; only the first unit may need the
 * slot), but not between every pair of md layouts (some stage units here
 * and there). plan of a plain source searches: it moves no byte, and a
 * 16 TiB plan would otherwise look at hundreds of millions of units; a
 * migration scans (its batches are at most 16 MiB).
 */
uint64_t pair_first_stop(const struct pair *p, uint64_t ckpt, uint64_t from, uint64_t to, int search)
{
	struct pair_sizes z;
	uint64_t lo, hi, step = 1;

	pair_sizes(p, &z);
	if (!search) {
		for (uint64_t u = from; u < to; u++)
			if (stops_at(p, &z, ckpt, u))
				return u;
		return to;
	}
	if (from >= to || stops_at(p, &z, ckpt, from))
		return from;
	lo = from + 1;	/* none stops in [from, lo) */
	for (;;) {
		hi = to - lo > step ? lo + step : to;
		if (stops_at(p, &z, ckpt, hi - 1))
			break;
		if (hi == to)
			return to;
		lo = hi;
		step *= 2;
	}
	hi--;		/* stops at hi; find the first in [lo, hi] */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (stops_at(p, &z, ckpt, mid))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* How many units at each end the order checks look at. */
#define CHECK_UNITS 256

/* Does some unit overwrite the source of a unit migrated after it, in p's order? */
static int order_unsafe(const struct pair *p)
{
	uint64_t units = pair_units(p);

	for (uint64_t r = 0; r < units; r++) {
		int self;

		if (r == CHECK_UNITS && units > 2 * CHECK_UNITS)
			r = units - CHECK_UNITS;
		if (pair_clobbers(p, r, &self) > (int64_t)r)
			return 1;
	}
	return 0;
}

/*
 * Returns NULL if this migration can run in its order, else why not. Both
 * layouts valid; the data fits both; and no unit overwrites the source of
 * one migrated after it (checked on the first and last CHECK_UNITS units;
 * test/unit.c checks every unit of many small pairs).
 */
const char *pair_check(const struct pair *p)
{
	const char *why = geom_check(&p->from);

	if (why || (why = geom_check(&p->to)))
		return why;
	if (p->descending > 1)
		return "unknown order";
	if (p->unsynced > 1 || (!p->unsynced && p->sync_end) || p->sync_end > p->from.member_data ||
	    p->sync_end % 512)
		return "unknown sync state";
	if (p->data_size == 0 || p->data_size > geom_capacity(&p->to) ||
	    (p->from.level != LEVEL_PLAIN && p->data_size > geom_capacity(&p->from)))
		return "data size larger than the volume";
	if (pair_unit_bytes(p) > MAX_MEMBERS * (uint64_t)MAX_CHUNK * 8)
		return "the unit of this pair of layouts is too large";
	if (p->slot_units > 1 && (p->slot_units > SLOT_MAX_BYTES / pair_unit_bytes(p) ||
				  p->slot_units > SLOT_MAX_UNITS || p->slot_units > pair_units(p)))
		return "staging slot larger than raidmig stages at once";
	if (p->from.moved_len) {	/* never written while it holds data: past every row written */
		uint64_t sb = geom_stripe_bytes(&p->to), rows = (p->data_size + sb - 1) / sb * geom_stripe_depth(&p->to);

		if (p->from.moved_member >= p->to.members || p->from.moved_to < p->to.offset + rows ||
		    p->from.moved_to + p->from.members * p->from.moved_len > p->to.offset + p->to.member_data)
			return "the moved tail is not past the rows the new layout writes";
	}
	if (order_unsafe(p))
		return p->descending ? "a unit would overwrite the source of one migrated after it, in either order" :
		       "a unit would overwrite the source of a later unit: this migration cannot run in ascending order";
	return 0;
}

/*
 * Choose the order: ascending if it is safe, else descending if that is.
 * Returns NULL, or why neither is (pair_check's reasons).
 */
const char *pair_order(struct pair *p)
{
	const char *why;

	p->descending = 0;
	why = pair_check(p);
	if (why && geom_check(&p->from) == NULL && geom_check(&p->to) == NULL) {
		p->descending = 1;
		if (pair_check(p)) {
			p->descending = 0;
			return why;
		}
		why = NULL;
	}
	return why;
}
