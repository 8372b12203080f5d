/*
 * layout.c: pure geometry of one array, as Linux md lays it out
 * (../shared/md-format.md sections 4 to 6). Volume offset to member and
 * offset, for every copy; a member offset back to what it holds (a data
 * piece of some copy, P or Q); parity placement and the order in which md
 * feeds the data to its Q syndrome. No I/O and no globals, so the unit
 * tests can ask it anything and compare it with brute force.
 *
 * Terms. A chunk is `chunk` bytes. A stripe is the smallest band of whole
 * member rows that holds whole data chunks: one row for RAID0/4/5/6 and
 * RAID1, lcm(n, nc) / n rows for RAID10 near copies (times fc for the
 * offset layouts). geom_stripe_bytes is the data it holds, and
 * geom_stripe_depth its height on every member.
 *
 * A plain disk is a geometry too: one member, data at byte 0, volume byte
 * X at member byte X, in 4 KiB "chunks", so that a migration is always a
 * pair of geometries and nothing else special-cases the source.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"

/* RAID10's layout word (md-format.md 6): near copies, far copies, offset. */
static uint32_t r10_nc(const struct geom *g) { return g->layout & 0xff; }
static uint32_t r10_fc(const struct geom *g) { return (g->layout >> 8) & 0xff; }
static int r10_offset(const struct geom *g) { return (g->layout >> 16) & 1; }

/* RAID10: near-copy slots per stripe, lcm(n, nc), and rows per stripe. */
static uint64_t r10_slots(const struct geom *g)
{
	return (uint64_t)g->members / gcd64(g->members, r10_nc(g)) * r10_nc(g);
}

static uint64_t r10_rows(const struct geom *g)
{
	return r10_slots(g) / g->members * r10_fc(g);
}

static int valid_r6_layout(uint32_t l)
{
	return l <= 5 || (l >= 8 && l <= 10) || (l >= 16 && l <= 20);
}

/* geom_check's part for the moved tail, once the rest is known good. */
static const char *moved_check(const struct geom *g)
{
	uint32_t n = g->members;

	if (g->moved_len && (g->moved_member < n || g->moved_member >= MAX_MEMBERS ||
			     (g->level != LEVEL_PLAIN && g->moved_at % geom_stripe_depth(g)) ||
			     g->moved_at % META_BLOCK || g->moved_to % META_BLOCK ||
			     g->moved_at + g->moved_len > g->member_data || g->moved_len > MAX_DISK_BYTES))
		return "bad moved tail";
	if (!g->moved_len && (g->moved_at || g->moved_to || g->moved_member))
		return "bad moved tail";
	return 0;
}

/* Returns NULL if raidmig can build and read this geometry, else why not. */
const char *geom_check(const struct geom *g)
{
	uint32_t n = g->members;

	if (g->level == LEVEL_PLAIN)
		return n == 1 && g->chunk == META_BLOCK && g->layout == 0 && g->offset == 0 ? moved_check(g) :
		       "bad plain geometry";
	if (n < MIN_MEMBERS || n > MAX_MEMBERS)
		return "member count out of range";
	if (g->chunk < MIN_CHUNK || g->chunk > MAX_CHUNK || (g->chunk & (g->chunk - 1)))
		return "chunk size out of range or not a power of two";
	switch (g->level) {
	case LEVEL_RAID0:
	case LEVEL_RAID1:
	case LEVEL_RAID4:
		if (g->layout)
			return "unsupported layout for the level";
		break;
	case LEVEL_RAID5:
		if (g->layout > LAYOUT_PN)
			return "unsupported layout for the level";
		break;
	case LEVEL_RAID6:
		if (n < 4)
			return "RAID6 needs at least 4 members";
		if (!valid_r6_layout(g->layout))
			return "unsupported layout for the level";
		break;
	case LEVEL_RAID10:
		if (g->layout >> 17 || r10_nc(g) < 1 || r10_fc(g) < 1 ||
		    r10_nc(g) * r10_fc(g) < 2 || r10_nc(g) * r10_fc(g) > n)
			return "unsupported layout for the level";
		if (r10_fc(g) > 1 && !r10_offset(g))
			return "RAID10 far layouts are not supported";
		break;
	default:
		return "unsupported RAID level";
	}
	if (g->member_data % geom_stripe_depth(g))
		return "member data size not a multiple of the stripe depth";
	if (g->member_data > (UINT64_MAX / 4) / n)
		return "member data size too large";
	if (g->offset % META_BLOCK || g->offset > MAX_DISK_BYTES)
		return "data offset not 4 KiB aligned or too large";
	return moved_check(g);
}

/* "RAID5 left-symmetric" and the like, for messages. */
const char *geom_level_name(const struct geom *g, char *buf, int len)
{
	static const char *const r5[] = { "left-asymmetric", "right-asymmetric",
		"left-symmetric", "right-symmetric", "parity-first", "parity-last" };
	static const char *const r6x[] = { "ddf-zero-restart", "ddf-N-restart", "ddf-N-continue" };
	static const char *const r6s[] = { "left-asymmetric-6", "right-asymmetric-6",
		"left-symmetric-6", "right-symmetric-6", "parity-first-6" };
	const char *lay = "";

	if (g->level == LEVEL_PLAIN) {
		snprintf(buf, (size_t)len, "plain disk");
		return buf;
	}
	if ((g->level == LEVEL_RAID5 || g->level == LEVEL_RAID6) && g->layout <= 5)
		lay = r5[g->layout];
	else if (g->level == LEVEL_RAID6 && g->layout >= 8 && g->layout <= 10)
		lay = r6x[g->layout - 8];
	else if (g->level == LEVEL_RAID6 && g->layout >= 16 && g->layout <= 20)
		lay = r6s[g->layout - 16];
	if (g->level == LEVEL_RAID10)
		snprintf(buf, (size_t)len, "RAID10 %c%u", r10_fc(g) == 1 ? 'n' : r10_offset(g) ? 'o' : 'f',
			 r10_nc(g) * r10_fc(g));
	else
		snprintf(buf, (size_t)len, "RAID%d%s%s", g->level, *lay ? " " : "", lay);
	return buf;
}

/* Copies of every data byte. */
uint32_t geom_copies(const struct geom *g)
{
	if (g->level == LEVEL_RAID1)
		return g->members;
	if (g->level == LEVEL_RAID10)
		return r10_nc(g) * r10_fc(g);
	return 1;
}

/* Parity chunks per stripe. */
uint32_t geom_parities(const struct geom *g)
{
	return g->level == LEVEL_RAID4 || g->level == LEVEL_RAID5 ? 1 :
	       g->level == LEVEL_RAID6 ? 2 : 0;
}

/* Data chunks per stripe. */
static uint64_t data_chunks(const struct geom *g)
{
	switch (g->level) {
	case LEVEL_RAID0:
		return g->members;
	case LEVEL_RAID10:
		return r10_slots(g) / r10_nc(g);
	case LEVEL_RAID4:
	case LEVEL_RAID5:
	case LEVEL_RAID6:
		return g->members - geom_parities(g);
	default:
		return 1;
	}
}

uint64_t geom_stripe_bytes(const struct geom *g)
{
	return data_chunks(g) * g->chunk;
}

uint64_t geom_stripe_depth(const struct geom *g)
{
	return g->level == LEVEL_RAID10 ? r10_rows(g) * g->chunk : g->chunk;
}

/* Volume bytes the array holds (md's array size, md-format.md 1.7 and 6). */
uint64_t geom_capacity(const struct geom *g)
{
	return g->member_data / geom_stripe_depth(g) * geom_stripe_bytes(g);
}

/* The member data size for `bytes` of room: whole stripes. */
uint64_t geom_round_member(const struct geom *g, uint64_t bytes)
{
	return bytes / geom_stripe_depth(g) * geom_stripe_depth(g);
}

/* How many members may be missing with every byte still readable. */
int geom_redundancy(const struct geom *g)
{
	if (g->level == LEVEL_RAID10)
		return (int)(r10_nc(g) * r10_fc(g)) - 1;	/* adjacent copies: safe bound */
	if (g->level == LEVEL_RAID1)
		return (int)g->members - 1;
	return (int)geom_parities(g);
}

/*
 * RAID4/5/6 (raid5.c raid5_compute_sector; md-format.md 5): the P and Q
 * members of a stripe (q = -1 without Q) and, when `i` >= 0, the member
 * holding its data chunk i in *d.
 */
static void r56_place(const struct geom *g, uint64_t s, int i, int *p, int *q, int *d)
{
	int n = (int)g->members, k = n - (int)geom_parities(g), r = (int)(s % (uint64_t)n);
	int dd = i;

	*q = -1;
	if (g->level == LEVEL_RAID4) {
		*p = n - 1;
		*d = i;
		return;
	}
	if (g->level == LEVEL_RAID5) {
		switch (g->layout) {
		case LAYOUT_LA: *p = k - r; dd = i < *p ? i : i + 1; break;
		case LAYOUT_RA: *p = r; dd = i < *p ? i : i + 1; break;
		case LAYOUT_LS: *p = k - r; dd = (*p + 1 + i) % n; break;
		case LAYOUT_RS: *p = r; dd = (*p + 1 + i) % n; break;
		case LAYOUT_P0: *p = 0; dd = i + 1; break;
		default: *p = n - 1; dd = i; break;	/* LAYOUT_PN */
		}
		*d = dd;
		return;
	}
	switch (g->layout) {
	case LAYOUT_LA:
	case LAYOUT_RA:
	case LAYOUT_DDF_ZERO:
	case LAYOUT_DDF_N_RESTART:
		*p = g->layout == LAYOUT_LA ? n - 1 - r :
		     g->layout == LAYOUT_DDF_N_RESTART ? n - 1 - (int)((s + 1) % (uint64_t)n) : r;
		*q = *p + 1;
		if (*p == n - 1) {
			*q = 0;
			dd = i + 1;
		} else if (i >= *p) {
			dd = i + 2;
		}
		break;
	case LAYOUT_LS:
	case LAYOUT_RS:
		*p = g->layout == LAYOUT_LS ? n - 1 - r : r;
		*q = (*p + 1) % n;
		dd = (*p + 2 + i) % n;
		break;
	case LAYOUT_P0: *p = 0; *q = 1; dd = i + 2; break;
	case LAYOUT_PN: *p = n - 2; *q = n - 1; dd = i; break;
	case LAYOUT_DDF_N_CONT:
		*p = n - 1 - r;
		*q = (*p + n - 1) % n;
		dd = (*p + 1 + i) % n;
		break;
	case LAYOUT_P06: *p = 0; *q = n - 1; dd = i + 1; break;
	default: {	/* 16-19: the RAID5 rule over the first n - 1 members */
		int r1 = (int)(s % (uint64_t)(n - 1));

		*q = n - 1;
		*p = (g->layout == LAYOUT_LA6 || g->layout == LAYOUT_LS6) ? k - r1 : r1;
		if (g->layout == LAYOUT_LA6 || g->layout == LAYOUT_RA6)
			dd = i < *p ? i : i + 1;
		else
			dd = (*p + 1 + i) % (n - 1);
	}
	}
	*d = dd;
}

void geom_parity_members(const struct geom *g, uint64_t stripe, int *p, int *q)
{
	int d;

	*p = *q = -1;
	if (geom_parities(g))
		r56_place(g, stripe, -1, p, q, &d);
}

/*
 * Where copy `copy` of volume byte `voff` lives: *member and *moff (from
 * the device's start: the layout's offset included). Returns how many bytes from there continue on the same member (to the
 * end of the chunk; for a plain disk, to the end of its data).
 * RAID10 (raid10.c __raid10_find_phys): near copy j of chunk c is slot
 * x = c * nc + j, on member x mod n in row x div n (times fc with the
 * offset layout); far copy f of it is f rows further down on member
 * (x + f * nc) mod n.
 */
/*
 * The moved tail (struct geom): (member, moff), a device offset, and the
 * run `n` of bytes that follow it there, taken to where the tail lives now; the run ends
 * where the tail begins or ends. Every member byte of the layout, data or
 * parity, goes through here on its way to a disk.
 */
uint64_t geom_moved(const struct geom *g, uint32_t *member, uint64_t *moff, uint64_t n)
{
	uint64_t at = g->offset + g->moved_at, end = at + g->moved_len;

	if (!g->moved_len || *member >= g->members || *moff >= end)
		return n;
	if (*moff < at)
		return at - *moff < n ? at - *moff : n;
	n = end - *moff < n ? end - *moff : n;
	*moff = g->moved_to + *member * g->moved_len + (*moff - at);	/* a device offset */
	*member = g->moved_member;
	return n;
}

/* The devices a geometry's bytes lie on: its members, and where its tail moved. */
uint32_t geom_devices(const struct geom *g)
{
	return g->moved_len && g->moved_member >= g->members ? g->moved_member + 1 : g->members;
}

uint64_t geom_map(const struct geom *g, uint64_t voff, uint32_t copy, uint32_t *member, uint64_t *moff)
{
	uint64_t c = voff / g->chunk, o = voff % g->chunk, n = g->members;

	switch (g->level) {
	case LEVEL_PLAIN:
		*member = 0;
		*moff = voff;
		return geom_moved(g, member, moff, voff < g->member_data ? g->member_data - voff : g->chunk - o);
	case LEVEL_RAID0:
		*member = (uint32_t)(c % n);
		*moff = c / n * g->chunk + o;
		break;
	case LEVEL_RAID1:
		*member = copy;
		*moff = voff;
		break;
	case LEVEL_RAID10: {
		uint32_t nc = r10_nc(g), fc = r10_fc(g), j = copy % nc, f = copy / nc;
		uint64_t x = c * nc + j;

		*member = (uint32_t)((x % n + (uint64_t)f * nc) % n);
		*moff = (x / n * fc + f) * g->chunk + o;
		break;
	}
	default: {
		uint64_t k = data_chunks(g), s = c / k;
		int p, q, d;

		r56_place(g, s, (int)(c % k), &p, &q, &d);
		*member = (uint32_t)d;
		*moff = s * g->chunk + o;
	}
	}
	*moff += g->offset;
	return geom_moved(g, member, moff, g->chunk - o);
}

/*
 * What byte `moff` of `member` holds: a byte of data (its volume offset
 * and copy), a byte of P or Q, or none below the layout's offset. Every
 * member byte from offset to offset + member_data holds one of them. The moved tail is not looked at: a pair never writes
 * where it lives while it holds data (pair_check), nor reads member 0's
 * bytes in its old place.
 */
void geom_unmap(const struct geom *g, uint32_t member, uint64_t moff, struct piece *pc)
{
	uint64_t row, o, n = g->members;

	pc->copy = 0;
	if (moff < g->offset) {
		pc->kind = PIECE_NONE;
		pc->voff = pc->stripe = 0;
		pc->run = g->offset - moff;
		return;
	}
	moff -= g->offset;
	row = moff / g->chunk;
	o = moff % g->chunk;
	pc->kind = PIECE_DATA;
	pc->run = g->chunk - o;
	switch (g->level) {
	case LEVEL_PLAIN:
		pc->voff = moff;
		pc->stripe = row;
		if (moff < g->member_data)
			pc->run = g->member_data - moff;
		return;
	case LEVEL_RAID0:
		pc->voff = (row * n + member) * g->chunk + o;
		pc->stripe = row;
		return;
	case LEVEL_RAID1:
		pc->voff = moff;
		pc->copy = member;
		pc->stripe = row;
		return;
	case LEVEL_RAID10: {
		uint32_t nc = r10_nc(g), fc = r10_fc(g), f = (uint32_t)(row % fc);
		uint64_t x = row / fc * n + (member + n - (uint64_t)f * nc % n) % n;

		pc->voff = x / nc * g->chunk + o;
		pc->copy = (uint32_t)(x % nc) + f * nc;
		pc->stripe = moff / geom_stripe_depth(g);
		return;
	}
	default: {
		uint64_t k = data_chunks(g);
		int p, q, d;

		pc->stripe = row;
		r56_place(g, row, -1, &p, &q, &d);
		if ((int)member == p || (int)member == q) {
			pc->kind = (int)member == p ? PIECE_P : PIECE_Q;
			pc->voff = 0;
			return;
		}
		for (uint64_t i = 0; i < k; i++) {
			r56_place(g, row, (int)i, &p, &q, &d);
			if (d == (int)member) {
				pc->voff = (row * k + i) * g->chunk + o;
				return;
			}
		}
	}
	}
}

/*
 * The sources of stripe `stripe`'s Q syndrome in the order md feeds them
 * (raid5.c set_syndrome_sources; md-format.md 5.2), as the volume offsets
 * of their chunks; -1 stands for a block of zeros (the P and Q positions of
 * the DDF layouts, whose order is the physical one). Returns how many, or
 * 0 for levels without Q.
 */
int geom_q_sources(const struct geom *g, uint64_t stripe, int64_t *slot_voff)
{
	int n = (int)g->members, p, q, d0, z = 0, ddf;
	struct piece pc;

	if (g->level != LEVEL_RAID6)
		return 0;
	geom_parity_members(g, stripe, &p, &q);
	ddf = g->layout >= LAYOUT_DDF_ZERO && g->layout <= LAYOUT_DDF_N_CONT;
	d0 = ddf ? 0 : (q == n - 1 ? 0 : q + 1);
	for (int i = 0; i < n; i++) {
		int disk = (d0 + i) % n;

		if (disk == p || disk == q) {
			if (ddf)
				slot_voff[z++] = -1;
			continue;
		}
		geom_unmap(g, (uint32_t)disk, g->offset + stripe * g->chunk, &pc);
		slot_voff[z++] = (int64_t)pc.voff;
	}
	return z;
}

/* --level: md's numbers, or raid0 ... raid10. Returns 0 or -1. */
int geom_parse_level(const char *s, int32_t *level)
{
	static const int32_t levels[] = { 0, 1, 4, 5, 6, 10 };
	char buf[16];

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		snprintf(buf, sizeof(buf), "%d", levels[i]);
		if (!strcmp(s, buf) || (!strncmp(s, "raid", 4) && !strcmp(s + 4, buf))) {
			*level = levels[i];
			return 0;
		}
	}
	return -1;
}

/*
 * --layout, as mdadm names them (maps.c): RAID5 and RAID6 left-asymmetric,
 * right-asymmetric, left-symmetric, right-symmetric, parity-first,
 * parity-last (la ra ls rs); RAID6 also the ddf-* and *-6 layouts; RAID10
 * nK, oK and fK. NULL gives md's default. Returns 0 or -1.
 */
int geom_parse_layout(int32_t level, const char *s, uint32_t *layout)
{
	static const struct { const char *name; uint32_t v; int r6; } names[] = {
		{ "left-asymmetric", 0, 0 }, { "la", 0, 0 }, { "right-asymmetric", 1, 0 },
		{ "ra", 1, 0 }, { "left-symmetric", 2, 0 }, { "ls", 2, 0 },
		{ "right-symmetric", 3, 0 }, { "rs", 3, 0 }, { "parity-first", 4, 0 },
		{ "parity-last", 5, 0 }, { "ddf-zero-restart", 8, 1 }, { "ddf-N-restart", 9, 1 },
		{ "ddf-N-continue", 10, 1 }, { "left-asymmetric-6", 16, 1 },
		{ "right-asymmetric-6", 17, 1 }, { "left-symmetric-6", 18, 1 },
		{ "right-symmetric-6", 19, 1 }, { "parity-first-6", 20, 1 },
	};
	char kind, *end;
	unsigned long k;

	*layout = level == LEVEL_RAID5 || level == LEVEL_RAID6 ? LAYOUT_LS :
		  level == LEVEL_RAID10 ? 0x102 : 0;
	if (!s)
		return 0;
	if (level == LEVEL_RAID5 || level == LEVEL_RAID6) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (!strcmp(s, names[i].name) && (level == LEVEL_RAID6 || !names[i].r6)) {
				*layout = names[i].v;
				return 0;
			}
		}
		return -1;
	}
	if (level != LEVEL_RAID10)
		return -1;
	kind = s[0];
	if ((kind != 'n' && kind != 'o' && kind != 'f') || s[1] < '1' || s[1] > '9')
		return -1;
	k = strtoul(s + 1, &end, 10);
	if (*end || k < 2 || k > MAX_MEMBERS)
		return -1;
	*layout = kind == 'n' ? 0x100 + (uint32_t)k :
		  kind == 'f' ? ((uint32_t)k << 8) + 1 : 0x10000 + ((uint32_t)k << 8) + 1;
	return 0;
}
