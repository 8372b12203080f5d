/*
 * test/unit.c: unit tests for the pure parts: every layout's geometry
 * against brute force and md's worked examples, the pair of geometries
 * (what a unit's writes overwrite) against an independent computation,
 * parity rebuilds through ISA-L, the metadata and md superblock formats,
 * and the checkpoint decisions. TAP output; test/run counts it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "bytes.h"
#include "checkpoint.h"
#include "journal.h"
#include "layout.h"
#include "mdsb.h"
#include "meta.h"
#include "overlap.h"
#include "parity.h"
#include "util.h"

static int n_test;

static void ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n_test, what);
}

/* Every level and layout raidmig writes, for the loops below. */
static const struct { int32_t level; uint32_t layout; uint32_t min_n; } kinds[] = {
	{ 0, 0, 2 }, { 1, 0, 2 }, { 4, 0, 2 },
	{ 5, 0, 2 }, { 5, 1, 2 }, { 5, 2, 2 }, { 5, 3, 2 }, { 5, 4, 2 }, { 5, 5, 2 },
	{ 6, 0, 4 }, { 6, 1, 4 }, { 6, 2, 4 }, { 6, 3, 4 }, { 6, 4, 4 }, { 6, 5, 4 },
	{ 6, 8, 4 }, { 6, 9, 4 }, { 6, 10, 4 }, { 6, 16, 4 }, { 6, 17, 4 }, { 6, 18, 4 },
	{ 6, 19, 4 }, { 6, 20, 4 },
	{ 10, 0x102, 2 }, { 10, 0x103, 3 }, { 10, 0x10201, 2 }, { 10, 0x10301, 3 },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static struct geom mk(int32_t level, uint32_t layout, uint32_t n, uint32_t chunk, uint64_t stripes)
{
	struct geom g = { .level = level, .layout = layout, .chunk = chunk, .members = n };

	g.member_data = stripes * geom_stripe_depth(&g);
	return g;
}

/*
 * For every layout and 2 to 8 members: every copy of every data chunk maps
 * to a member piece that unmaps back to it, no two land in one place, and
 * every member piece holds data or parity: the layout is a bijection.
 */
static void test_bijection(void)
{
	int good = 1, valid = 1;

	for (size_t k = 0; k < NKINDS; k++) {
		for (uint32_t n = kinds[k].min_n; n <= 8; n++) {
			struct geom g = mk(kinds[k].level, kinds[k].layout, n, 4096, 7);
			uint64_t rows = g.member_data / g.chunk, cap = geom_capacity(&g);
			uint8_t *seen = calloc(n * rows, 1);
			uint64_t pieces = 0;

			if (geom_check(&g)) {
				valid = 0;
				printf("# %d/%u n=%u: %s\n", g.level, g.layout, n, geom_check(&g));
				free(seen);
				continue;
			}
			for (uint64_t v = 0; v < cap; v += g.chunk) {
				for (uint32_t c = 0; c < geom_copies(&g); c++) {
					uint32_t m;
					uint64_t o;
					struct piece pc;

					geom_map(&g, v + 100, c, &m, &o);
					geom_unmap(&g, m, o, &pc);
					good &= m < n && o < g.member_data && pc.kind == PIECE_DATA &&
						pc.voff == v + 100 && pc.copy == c && !seen[m * rows + o / g.chunk];
					seen[m * rows + o / g.chunk] = 1;
					pieces++;
				}
			}
			for (uint64_t s = 0; s < geom_capacity(&g) / geom_stripe_bytes(&g); s++) {
				int p, q;

				geom_parity_members(&g, s, &p, &q);
				for (int x = 0; x < 2; x++) {
					int mm = x ? q : p;

					if (mm < 0)
						continue;
					good &= !seen[mm * rows + s];
					seen[mm * rows + s] = 1;
					pieces++;
				}
			}
			good &= pieces == n * rows;
			if (!good)
				printf("# broken: level %d layout %u n=%u\n", g.level, g.layout, n);
			free(seen);
		}
	}
	ok(valid, "every level and layout raidmig offers is a valid geometry for 2 to 8 members");
	ok(good, "every layout maps each copy of each chunk to one member piece and back, and fills every piece");
}

/* md-format.md's worked examples. */
static void test_md_examples(void)
{
	struct geom ls = mk(5, 2, 4, 4096, 8), la6 = mk(6, 0, 5, 4096, 8);
	int64_t slot[8];
	int p[4], q, z;
	struct piece pc;
	uint32_t m;
	uint64_t o;

	for (int s = 0; s < 4; s++)
		geom_parity_members(&ls, (uint64_t)s, &p[s], &q);
	ok(p[0] == 3 && p[1] == 2 && p[2] == 1 && p[3] == 0,
	   "RAID5 left-symmetric, 4 members: P on members 3, 2, 1, 0 (md-format.md 5.1)");
	geom_map(&ls, 3 * 4096, 0, &m, &o);
	ok(m == 3 && o == 4096, "RAID5 left-symmetric, 4 members: stripe 1's first chunk on member 3");
	geom_parity_members(&la6, 2, &p[0], &q);
	z = geom_q_sources(&la6, 2, slot);
	ok(p[0] == 2 && q == 3 && z == 3 && slot[0] == 8 * 4096 && slot[1] == 6 * 4096 && slot[2] == 7 * 4096,
	   "RAID6 left-asymmetric, 5 members, stripe 2: P 2, Q 3, Q order D2 D0 D1 (md-format.md 5.2)");
	geom_map(&(struct geom){ .level = 10, .layout = 0x102, .chunk = 4096, .members = 3, .member_data = 3 * 8192 }, 4096, 1, &m, &o);
	ok(m == 0 && o == 4096, "RAID10 n2, 3 members: chunk 1's second copy on member 0, row 1");
	geom_map(&(struct geom){ .level = 10, .layout = 0x10201, .chunk = 4096, .members = 4, .member_data = 8 * 4096 }, 5 * 4096, 1, &m, &o);
	ok(m == 2 && o == 3 * 4096, "RAID10 o2, 4 members: chunk 5's second copy on member 2, row 3");
	geom_unmap(&(struct geom){ .level = 10, .layout = 0x10201, .chunk = 4096, .members = 4, .member_data = 8 * 4096 }, 2, 3 * 4096, &pc);
	ok(pc.voff == 5 * 4096 && pc.copy == 1, "RAID10 o2 unmaps it back");
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		b[i] = (uint8_t)(seed >> 16);
	}
}

/* P and Q from ISA-L, then every pair of blocks lost and rebuilt, for every layout. */
static void test_parity(void)
{
	const size_t len = 4096;
	int gen = 1, rebuilt = 1;

	for (size_t k = 0; k < NKINDS; k++) {
		if (kinds[k].level != 5 && kinds[k].level != 6 && kinds[k].level != 4)
			continue;
		for (uint32_t n = kinds[k].min_n; n <= 7; n++) {
			struct geom g = mk(kinds[k].level, kinds[k].layout, n, (uint32_t)len, 8);
			uint32_t np = geom_parities(&g), nb = n;
			uint8_t *mem, *orig, *blk[PARITY_MAX_BLOCKS];

			if (posix_memalign((void **)&mem, 4096, len * nb) ||
			    posix_memalign((void **)&orig, 4096, len * nb))
				abort();
			for (uint64_t s = 0; s < 3; s++) {
				for (uint32_t i = 0; i < nb; i++)
					blk[i] = mem + i * len;
				fill(mem, len * (nb - np), (unsigned)(s * 31 + n));
				gen &= parity_gen(&g, s, blk, blk[nb - np], np > 1 ? blk[nb - 1] : NULL, len) == 0;
				memcpy(orig, mem, len * nb);
				for (uint32_t a = 0; a < nb; a++) {
					for (uint32_t b = a + (np > 1); b < (np > 1 ? nb : a + 1); b++) {
						int miss[2] = { (int)a, (int)b }, nm = np > 1 ? 2 : 1;

						memset(blk[a], 0xa5, len);
						memset(blk[b], 0x5a, len);
						rebuilt &= parity_recover(&g, s, blk, miss, nm, len) == 0 &&
							   !memcmp(mem, orig, len * nb);
						memcpy(mem, orig, len * nb);
					}
				}
			}
			free(mem);
			free(orig);
		}
	}
	ok(gen, "ISA-L computes P and Q for every RAID4/5/6 layout, 2 to 7 members");
	ok(rebuilt, "every block, and for RAID6 every pair of blocks, is rebuilt from the rest");
}

/*
 * pair_first_stop's search (plan) against its scan (a migration), from
 * every unit, with the checkpoint at 0, half way and the unit itself.
 */
static int search_agrees(const struct pair *p)
{
	uint64_t units = pair_units(p);

	for (uint64_t done = 0; done < units; done++)
		for (int k = 0; k < 3; k++) {
			uint64_t ckpt = k == 0 ? 0 : k == 1 ? done / 2 : done;

			if (pair_first_stop(p, ckpt, done, units, 1) != pair_first_stop(p, ckpt, done, units, 0)) {
				printf("# search and scan disagree: %d/%u over %u to %d/%u over %u, from %llu, checkpoint %llu\n",
				       p->from.level, p->from.layout, p->from.members, p->to.level, p->to.layout,
				       p->to.members, (unsigned long long)done, (unsigned long long)ckpt);
				return 0;
			}
		}
	return 1;
}

/*
 * pair_clobbers against an independent reckoning, for a plain disk to
 * every layout: walk every placement the new layout makes (geom_map for
 * data, geom_parity_members for parity); one on member 0 that is not where
 * the byte already is overwrites the source unit of that member offset.
 */
static void test_clobbers(void)
{
	int agree = 1, ascending = 1, searched = 1, bounded = 1;

	for (size_t k = 0; k < NKINDS; k++) {
		for (uint32_t n = kinds[k].min_n; n <= 6; n++) {
			struct pair p = { { .level = LEVEL_PLAIN, .chunk = 4096, .members = 1 }, mk(kinds[k].level, kinds[k].layout, n, 8192, 12), 0, 0, 0, 0, 0 };
			uint64_t ub, units, cap = geom_capacity(&p.to);
			int64_t *most;
			int *self;

			p.data_size = cap - 3 * 512;	/* a partial last unit */
			p.from.member_data = (p.data_size + 4095) / 4096 * 4096;
			ub = pair_unit_bytes(&p);
			units = pair_units(&p);
			most = calloc(units, sizeof(*most));
			self = calloc(units, sizeof(*self));
			for (uint64_t u = 0; u < units; u++)
				most[u] = -1;
			for (uint64_t v = 0; v < cap; v += p.to.chunk) {
				for (uint32_t c = 0; c < geom_copies(&p.to); c++) {
					uint32_t m;
					uint64_t o, w = v / ub, victim;

					geom_map(&p.to, v, c, &m, &o);
					if (m != 0 || (o == v && v < p.data_size) || o >= p.data_size || w >= units)
						continue;
					victim = o / ub;
					if (victim == w)
						self[w] = 1;
					else if ((int64_t)victim > most[w])
						most[w] = (int64_t)victim;
				}
			}
			for (uint64_t s = 0; s < cap / geom_stripe_bytes(&p.to); s++) {
				int pm, qm;
				uint64_t w = s * geom_stripe_bytes(&p.to) / ub, o = s * p.to.chunk;

				geom_parity_members(&p.to, s, &pm, &qm);
				if ((pm != 0 && qm != 0) || o >= p.data_size || w >= units)
					continue;
				if (o / ub == w)
					self[w] = 1;
				else if ((int64_t)(o / ub) > most[w])
					most[w] = (int64_t)(o / ub);
			}
			for (uint64_t u = 0; u < units; u++) {
				int s;
				int64_t got = pair_clobbers(&p, u, &s);

				agree &= got == most[u] && s == self[u];
				ascending &= got < (int64_t)u;
			}
			if (!agree)
				printf("# disagree: level %d layout %u n=%u\n", p.to.level, p.to.layout, n);
			ascending &= pair_check(&p) == NULL;
			searched &= search_agrees(&p);
			for (uint64_t mo = pair_in_place_end(&p, 0); mo < p.to.member_data; mo += 512) {
				struct piece pc;

				geom_unmap(&p.to, 0, mo, &pc);
				bounded &= !(pc.kind == PIECE_DATA && pair_is_identity(&p, 0, mo, pc.voff));
			}
			free(most);
			free(self);
		}
	}
	ok(agree, "pair_clobbers names the source units each unit overwrites, as brute force does");
	ok(ascending, "from a plain disk, no unit overwrites the source of a later one (ascending order is safe)");
	ok(searched, "from a plain disk, plan's galloping search for the next stop finds what the unit-by-unit scan finds");
	ok(bounded, "from a plain disk, no byte past pair_in_place_end is in place (plan counts the rest whole)");
}

#define TAG_JUNK	0xEEEEEEEEu	/* what an added member held */
#define TAG_PAD		0xDDDDDDDDu	/* the zeros past the data in a last stripe */
#define TAG_PARITY	0xCCCCCCCCu

/*
 * One migration simulated sector by sector, in the order pair_order chose:
 * each unit is read whole in the old layout (copy 0), then its stripes are
 * written whole in the new one, every copy and the parity chunks. Returns 1
 * if no unit read a sector an earlier unit had overwritten and the new
 * layout holds the volume at the end.
 */
static int simulate(const struct pair *p, uint64_t msize)
{
	uint32_t nmem = pair_members(p);
	uint64_t secs = msize / 512, ub = pair_unit_bytes(p), units = pair_units(p), ds = p->data_size;
	uint64_t sbt = geom_stripe_bytes(&p->to), last = (ds + sbt - 1) / sbt, depth = geom_stripe_depth(&p->to);
	uint32_t *mem = malloc(nmem * secs * sizeof(*mem)), m;
	uint64_t o;
	int good = 1;

	for (uint64_t i = 0; i < nmem * secs; i++)
		mem[i] = TAG_JUNK;
	for (uint64_t s = 0; s < ds / 512; s++)
		for (uint32_t c = 0; c < geom_copies(&p->from); c++) {
			geom_map(&p->from, s * 512, c, &m, &o);
			mem[m * secs + o / 512] = (uint32_t)s;
		}
	for (uint64_t r = 0; r < units && good; r++) {
		uint64_t u = pair_unit_of(p, r), lo = u * ub, hi = lo + ub < ds ? lo + ub : ds;

		for (uint64_t s = lo / 512; s < hi / 512 && good; s++) {
			geom_map(&p->from, s * 512, 0, &m, &o);
			good = mem[m * secs + o / 512] == s;
		}
		for (uint64_t st = lo / sbt; st < (u + 1) * ub / sbt && st < last; st++) {
			int pm, qm;

			for (uint64_t v = st * sbt; v < (st + 1) * sbt; v += 512)
				for (uint32_t c = 0; c < geom_copies(&p->to); c++) {
					geom_map(&p->to, v, c, &m, &o);
					mem[m * secs + o / 512] = v < ds ? (uint32_t)(v / 512) : TAG_PAD;
				}
			geom_parity_members(&p->to, st, &pm, &qm);
			for (uint64_t x = p->to.offset + st * depth; x < p->to.offset + (st + 1) * depth; x += 512) {
				if (pm >= 0)
					mem[(uint32_t)pm * secs + x / 512] = TAG_PARITY;
				if (qm >= 0)
					mem[(uint32_t)qm * secs + x / 512] = TAG_PARITY;
			}
		}
	}
	for (uint64_t s = 0; s < ds / 512 && good; s++)
		for (uint32_t c = 0; c < geom_copies(&p->to); c++) {
			geom_map(&p->to, s * 512, c, &m, &o);
			good &= mem[m * secs + o / 512] == s;
		}
	free(mem);
	return good;
}

/*
 * Migrations between md layouts: every pair of layouts over 2 to 5 members
 * (chunks 4K and 8K), and every layout back to a plain disk. Where
 * pair_order accepts a pair, simulate() must find the migration safe in
 * the order it chose; an order it refuses is not run.
 */
/*
 * The same pairs with the data moved along the members by `shift` bytes
 * (up: the new layout starts past the old one's offset; down: below it),
 * as md's reshape moves data_offset. Returns how many pairs were unsafe;
 * adds to *pairs, *accepted and, of those, *unstaged: no unit overwrites
 * its own source (nothing to stage).
 */
static uint64_t shifted_orders(int64_t shift, uint64_t *pairs, uint64_t *accepted, uint64_t *unstaged)
{
	uint64_t bad = 0;

	for (size_t a = 0; a < NKINDS; a++)
		for (uint32_t na = kinds[a].min_n; na <= 5; na++)
			for (size_t b = 0; b < NKINDS; b++)
				for (uint32_t nb = kinds[b].min_n; nb <= 5; nb++) {
					struct pair p;
					uint64_t msize, ab = shift < 0 ? (uint64_t)-shift : (uint64_t)shift;
					int self, any = 0;

					memset(&p, 0, sizeof(p));
					p.from = mk(kinds[a].level, kinds[a].layout, na, 4096, 10);
					p.to = mk(kinds[b].level, kinds[b].layout, nb, 4096u << (nb & 1), 1);
					p.from.offset = shift < 0 ? ab : 0;
					p.to.offset = shift < 0 ? 0 : ab;
					msize = p.from.member_data * 3 / 2 + 65536;
					p.to.member_data = geom_round_member(&p.to, msize);
					msize += ab;
					p.data_size = geom_capacity(&p.from) - 3 * 512;
					if (p.data_size > geom_capacity(&p.to))
						p.data_size = geom_capacity(&p.to) / 4096 * 4096 - 1024;
					if (geom_check(&p.from) || geom_check(&p.to))
						continue;
					(*pairs)++;
					if (pair_order(&p))
						continue;
					(*accepted)++;
					for (uint64_t r = 0; r < pair_units(&p); r++)
						pair_clobbers(&p, r, &self), any |= self;
					*unstaged += !any;
					if (!simulate(&p, msize)) {
						bad++;
						if (bad < 5)
							printf("# unsafe, shifted %lld: %d/%u over %u to %d/%u over %u (%s)\n",
							       (long long)shift, p.from.level, p.from.layout, na, p.to.level,
							       p.to.layout, nb, p.descending ? "descending" : "ascending");
					}
				}
	return bad;
}

/* A layout moved along the members maps every byte, parity and Q's order included, where it was, moved. */
static void test_offset_map(void)
{
	int good = 1;

	for (size_t a = 0; a < NKINDS; a++) {
		struct geom g = mk(kinds[a].level, kinds[a].layout, 5, 4096, 6), h = g;

		if (geom_check(&g))
			continue;
		h.offset = 3 * 4096;
		for (uint64_t v = 0; v < geom_capacity(&g); v += 512)
			for (uint32_t c = 0; c < geom_copies(&g); c++) {
				uint32_t m, mh;
				uint64_t o, oh;
				struct piece pc;

				geom_map(&g, v, c, &m, &o);
				geom_map(&h, v, c, &mh, &oh);
				geom_unmap(&h, mh, oh, &pc);
				good &= mh == m && oh == o + h.offset && pc.kind == PIECE_DATA && pc.voff == v - v % 512 + v % 512;
			}
		for (uint64_t s = 0; s < 6; s++) {
			int64_t sg[PARITY_MAX_BLOCKS], sh[PARITY_MAX_BLOCKS];
			int z = geom_q_sources(&g, s, sg);
			struct piece pc;

			good &= geom_q_sources(&h, s, sh) == z && !memcmp(sg, sh, (size_t)z * sizeof(sg[0]));
			geom_unmap(&h, 0, h.offset - 512, &pc);
			good &= pc.kind == PIECE_NONE && pc.run == 512;
		}
	}
	ok(good, "a layout moved along the members maps data, copies and Q's sources as before, moved; below it lies nothing");
}

static void test_shifted_orders(void)
{
	static const int64_t shifts[] = { 4096, 65536, 262144, -4096, -65536, -262144 };
	uint64_t pairs = 0, accepted = 0, unstaged = 0, bad = 0;

	for (size_t i = 0; i < sizeof(shifts) / sizeof(shifts[0]); i++)
		bad += shifted_orders(shifts[i], &pairs, &accepted, &unstaged);
	printf("# shifted: %llu pairs of layouts, %llu accepted, %llu of them with no unit overwriting its own source, %llu unsafe\n",
	       (unsigned long long)pairs, (unsigned long long)accepted, (unsigned long long)unstaged,
	       (unsigned long long)bad);
	ok(bad == 0 && accepted > pairs / 2 && unstaged > accepted / 2,
	   "with the data moved along the members, every migration pair_order accepts is safe, simulated sector by sector");
}

static void test_reshape_orders(void)
{
	uint64_t pairs = 0, accepted = 0, descending = 0, bad = 0;

	for (size_t a = 0; a < NKINDS; a++)
		for (uint32_t na = kinds[a].min_n; na <= 5; na++)
			for (size_t b = 0; b <= NKINDS; b++)
				for (uint32_t nb = b < NKINDS ? kinds[b].min_n : 1; nb <= (b < NKINDS ? 5u : 1u); nb++) {
					struct pair p;
					uint64_t msize;

					memset(&p, 0, sizeof(p));
					p.from = mk(kinds[a].level, kinds[a].layout, na, 4096, 10);
					p.to = b < NKINDS ? mk(kinds[b].level, kinds[b].layout, nb, 4096u << (nb & 1), 1) :
					       (struct geom){ .level = LEVEL_PLAIN, .chunk = 4096, .members = 1 };
					msize = p.from.member_data * 3 / 2 + 65536;
					p.to.member_data = geom_round_member(&p.to, msize);
					p.data_size = geom_capacity(&p.from) - 3 * 512;
					if (p.data_size > geom_capacity(&p.to))
						p.data_size = geom_capacity(&p.to) / 4096 * 4096 - 1024;
					if (geom_check(&p.from) || geom_check(&p.to))
						continue;
					pairs++;
					if (pair_order(&p))
						continue;
					accepted++;
					descending += p.descending;
					if (!simulate(&p, msize)) {
						bad++;
						if (bad < 5)
							printf("# unsafe: %d/%u over %u to %d/%u over %u (%s)\n",
							       p.from.level, p.from.layout, na, p.to.level, p.to.layout, nb,
							       p.descending ? "descending" : "ascending");
					}
				}
	printf("# %llu pairs of layouts, %llu accepted (%llu in descending order), %llu unsafe\n",
	       (unsigned long long)pairs, (unsigned long long)accepted, (unsigned long long)descending,
	       (unsigned long long)bad);
	ok(bad == 0 && accepted > pairs / 2 && descending > 0,
	   "every migration between layouts pair_order accepts is safe in its order, simulated sector by sector");
}

/* A plain source whose last bytes moved: the map follows them, and stops where they start. */
static void test_moved(void)
{
	struct geom g = { .level = LEVEL_PLAIN, .chunk = 4096, .members = 1, .member_data = 1 << 20,
			  .moved_at = 960 << 10, .moved_len = 64 << 10, .moved_to = 300 << 10, .moved_member = 2 };
	uint32_t m;
	uint64_t o, n;

	n = geom_map(&g, 900 << 10, 0, &m, &o);
	ok(m == 0 && o == 900 << 10 && n == 60 << 10, "bytes before the moved tail stay, the run ends where it starts");
	n = geom_map(&g, 970 << 10, 0, &m, &o);
	ok(m == 2 && o == (310 << 10) && n == 54 << 10, "bytes in the moved tail map to where they moved");
	ok(geom_devices(&g) == 3 && geom_check(&g) == NULL, "the moved tail's member counts as a device");
	g.moved_at = 1000;
	ok(geom_check(&g) != NULL, "a moved tail not in 4 KiB blocks is refused");
}

static void test_sizes(void)
{
	struct pair p = { { .level = LEVEL_PLAIN, .chunk = 4096, .members = 1, .member_data = 1 << 20 }, mk(0, 0, 2, 65536, 100), 1 << 20, 0, 0, 0, 0 };
	struct pair q = { { .level = LEVEL_PLAIN, .chunk = 4096, .members = 1, .member_data = 1 << 20 }, mk(6, 2, 5, 65536, 100), 1 << 20, 0, 0, 0, 0 };
	uint64_t off, len;

	ok(pair_unit_bytes(&p) == 131072 && pair_unit_depth(&p) == 65536, "RAID0 over 2: a unit is one stripe");
	ok(pair_unit_bytes(&q) == 3 * 65536, "RAID6 over 5: a unit holds 3 data chunks");
	ok(pair_slot_bytes(&p) == 65536, "the staging slot is one unit spread over the members");
	p.data_size = 3 * 131072 + 512;
	ok(pair_units(&p) == 4, "a partial last unit counts");
	pair_unit_extent(&p, 3, &off, &len);
	ok(off == 3 * 131072 && len == 512, "the last unit is clipped to the data");
	ok(geom_check(&p.to) == NULL, "a sane geometry passes");
	p.to.members = 1;
	ok(geom_check(&p.to) != NULL, "one member is refused");
	ok(geom_check(&(struct geom){ .level = 6, .layout = 2, .chunk = 65536, .members = 3, .member_data = 65536 }) != NULL, "RAID6 over 3 is refused");
	ok(geom_check(&(struct geom){ .level = 10, .layout = 0x201, .chunk = 65536, .members = 4, .member_data = 65536 }) != NULL, "RAID10 far layouts are refused");
	ok(geom_capacity(&(struct geom){ .level = 10, .layout = 0x102, .chunk = 65536, .members = 3, .member_data = 6 * 65536 }) == 9 * 65536,
	   "RAID10 n2 over 3: 6 rows of 3 members hold 9 chunks");
	ok(mdsb_offset(2048 * 512) == 2032 * 512 && mdsb_offset(1953525168ull * 512) == 1953525152ull * 512,
	   "md's v1.0 superblock location (md-format.md 1.2 examples)");
	ok(meta_copy_offset(2048 * 512, 1) == 2032 * 512 - 4096 - 4096 &&
	   meta_copy_offset(2048 * 512, 0) == 2032 * 512 - 4096 - 8192,
	   "metadata copies sit below md's bad-block log, below its superblock");
}

static struct meta sample(void)
{
	struct meta m;

	memset(&m, 0, sizeof(m));
	memcpy(m.array_uuid, "0123456789abcdef", 16);
	m.generation = 7;
	m.first_generation = 3;
	m.p.from = (struct geom){ .level = LEVEL_PLAIN, .chunk = 4096, .members = 1, .member_data = 1 << 20 };
	m.p.to = mk(5, 2, 3, 65536, 10);
	m.p.data_size = 1 << 20;
	m.sector_size = 512;
	m.state = META_MIGRATING;
	m.member_index = 2;
	m.progress = 3;
	m.ctime = 1700000000;
	m.md_events = 1;
	strcpy(m.name, "demo");
	for (uint32_t i = 0; i < 3; i++) {
		m.member[i].uuid[0] = (uint8_t)i;
		m.member[i].size = 4 << 20;
	}
	return m;
}

static int decodes(struct meta m, const char *want)
{
	uint8_t blk[META_BLOCK];
	struct meta out;
	const char *why;
	int r;

	meta_encode(&m, blk);
	r = meta_decode(blk, &out, &why);
	return want ? r < 0 && strstr(why, want) != NULL : r == 0;
}

/* A slot of several units: its batches in both orders, and what is refused. */
static void test_meta_slot(struct meta m)
{
	struct meta t, out;
	uint8_t blk[META_BLOCK];
	const char *why;
	uint64_t sizes[3] = { 256 << 20, 256 << 20, 256 << 20 };
	struct pair r1 = { { .level = LEVEL_PLAIN, .chunk = 4096, .members = 1, .member_data = 64 << 20 },
			   mk(1, 0, 3, 4096, 16384), 64 << 20, 0, 0, 0, 0 };

	t = m; t.p.slot_units = 4; t.stage_unit = 3; t.stage_len = 3 * 131072;
	t.unit_crc[0] = 1; t.unit_crc[1] = 2; t.unit_crc[2] = 3;
	meta_encode(&t, blk);
	ok(meta_decode(blk, &out, &why) == 0 && !memcmp(&t, &out, sizeof(t)), "a batch of staged units and their crcs round-trip");
	t.unit_crc[3] = 4;
	ok(decodes(t, "unit crc past the staged units"), "a unit crc past the batch is refused");
	t.unit_crc[3] = 0; t.stage_len = 5 * 131072;
	ok(decodes(t, "staging length"), "a batch larger than the slot is refused");
	t.stage_len = UINT64_MAX - 1000;
	ok(decodes(t, "staging length"), "a staging length that wraps is refused");
	/* RAID0 over 3 to 2, from the last unit: 384 KiB units, the last of them short */
	t = m; t.p.from = mk(0, 0, 3, 65536, 6); t.p.to = mk(0, 0, 2, 65536, 10); t.p.descending = 1;
	t.p.slot_units = 2; t.progress = 0; t.stage_unit = 1; t.stage_len = (1 << 20) - 393216;
	ok(decodes(t, NULL), "descending: the batch ends at the next unit, the last one");
	t.stage_unit = 0; t.stage_len = 2 * 393216;
	ok(decodes(t, "not the next unit"), "descending: a batch that does not end at the next unit is refused");
	t = m; t.p.slot_units = 600;
	ok(decodes(t, "staging slot larger"), "a slot of more units than the metadata has crcs for is refused");
	t = m; t.p.slot_units = 4;
	meta_encode(&t, blk);
	blk[8] = 2;	/* a version 2 copy (one unit) with field 800 set */
	put32(blk + META_BLOCK - 4, (uint32_t)crc32(crc32(0L, Z_NULL, 0), blk, META_BLOCK - 4));
	ok(meta_decode(blk, &out, &why) < 0 && strstr(why, "version 2"), "a version 2 copy with a slot of several units is refused");
	t.p.slot_units = 0;
	meta_encode(&t, blk);
	blk[8] = 2;
	put32(blk + META_BLOCK - 4, (uint32_t)crc32(crc32(0L, Z_NULL, 0), blk, META_BLOCK - 4));
	ok(meta_decode(blk, &out, &why) == 0 && pair_slot_units(&out.p) == 1, "a version 2 copy reads as a one-unit slot");
	/* fitting: RAID1 of 4 KiB units would take 4096 of them; the metadata holds 512 crcs */
	ok(meta_fit_slot(&r1, sizes) == NULL && r1.slot_units == SLOT_MAX_UNITS &&
	   meta_data_room(&r1, sizes[0]) >= r1.to.member_data, "the slot holds at most 512 units, above the data");
	t = m;
	ok(meta_fit_slot(&t.p, sizes) == NULL && t.p.slot_units == 8, "a slot holds no more units than the data has");
	/* the source's 1 MiB, then 180 KiB below the metadata copies: 4 units of 43 KiB a member */
	sizes[0] = sizes[2] = (1 << 20) + (200 << 10);
	ok(meta_fit_slot(&t.p, sizes) == NULL && t.p.slot_units == 4 &&
	   meta_data_room(&t.p, sizes[0]) >= 1 << 20, "a tight member bounds the slot");
}

/* md's format: a v1.2 array's data offset round-trips; what cannot be is refused. */
static void test_meta_format(struct meta m)
{
	struct meta t = m, out;
	uint8_t blk[META_BLOCK];
	const char *why;

	t.p.from = mk(5, 2, 3, 65536, 10);
	t.p.to = mk(5, 2, 4, 65536, 8);
	t.p.data_size = 10 * 131072;
	t.progress = 1;
	t.md = (struct md_format){ 2, 8, 8, 2 << 20 };
	t.member[3] = t.member[2];
	t.member[3].uuid[0] = 3;
	meta_encode(&t, blk);
	ok(meta_decode(blk, &out, &why) == 0 && out.md.minor == 2 && out.md.base == 2 << 20 &&
	   out.md.bblog_offset == 8 && out.md.bblog_size == 8, "md v1.2's format round-trips");
	t.md.base = (2 << 20) + 512;
	ok(decodes(t, "not 4 KiB aligned"), "a data offset off a 4 KiB boundary is refused");
	t.md.base = 8192;
	ok(decodes(t, "below its superblock or bad-block log"), "a data offset inside the bad-block log is refused");
	t.md = (struct md_format){ 2, -8, 8, 1 << 20 };
	ok(decodes(t, "below its superblock"), "a v1.2 bad-block log before the superblock is refused");
	t.md = (struct md_format){ 3, 0, 0, 1 << 20 };
	ok(decodes(t, "unknown md superblock version"), "a superblock version past 1.2 is refused");
	t.md = (struct md_format){ 0, 0, 0, 1 << 20 };
	ok(decodes(t, "v1.0 with a base"), "v1.0 with a base is refused");
	t = m;
	t.md = (struct md_format){ 2, 8, 8, 1 << 20 };
	ok(decodes(t, "plain disk with a data offset"), "a plain disk with a data offset is refused");
	t.md = (struct md_format){ 0, 0, 0, 0 };
	meta_encode(&t, blk);
	put64(blk + 816 + 16, 1 << 20);	/* a version 3 copy with a data offset */
	blk[8] = 3;
	put32(blk + META_BLOCK - 4, (uint32_t)crc32(crc32(0L, Z_NULL, 0), blk, META_BLOCK - 4));
	ok(meta_decode(blk, &out, &why) < 0 && strstr(why, "version 2 or 3"), "a version 3 copy with an md format is refused");
	put64(blk + 816 + 16, 0);
	put32(blk + META_BLOCK - 4, (uint32_t)crc32(crc32(0L, Z_NULL, 0), blk, META_BLOCK - 4));
	ok(meta_decode(blk, &out, &why) == 0 && out.md.minor == 0 && !out.md.base,
	   "a version 3 copy reads as md v1.0");
}

static void test_meta(void)
{
	struct meta m = sample(), out, t;
	uint8_t blk[META_BLOCK];
	const char *why;

	meta_encode(&m, blk);
	ok(meta_decode(blk, &out, &why) == 0 && !memcmp(&m, &out, sizeof(m)),
	   "metadata round-trips through encode and decode");
	blk[100] ^= 1;
	ok(meta_decode(blk, &out, &why) < 0 && !strcmp(why, "bad CRC"), "a flipped bit is a bad CRC");
	memset(blk, 0, sizeof(blk));
	ok(meta_decode(blk, &out, &why) < 0 && !strcmp(why, "no raidmig metadata"), "zeros are no metadata");
	t = m; t.progress = 1000;
	ok(decodes(t, "checkpoint past the end"), "a checkpoint past the data is refused");
	t = m; t.first_generation = 8;
	ok(decodes(t, "first generation 0 or past the generation"), "a first generation past the generation is refused");
	t = m; t.stage_len = 100; t.stage_unit = 3;
	ok(decodes(t, "staging length"), "a staging length that is not the unit's is refused");
	t = m; t.stage_len = 2 * 65536; t.stage_unit = 4;
	ok(decodes(t, "not the next unit"), "a staged unit that is not the next one is refused");
	t = m; t.p.to.level = 7;
	ok(decodes(t, "unsupported RAID level"), "an unknown level is refused");
	t = m; t.p.to.layout = 9;
	ok(decodes(t, "layout"), "an unknown RAID5 layout is refused");
	t = m; t.member[1].size = 512 << 10;
	ok(decodes(t, "member smaller than its data area"), "a member too small for its data is refused");
	t = m; t.journal_done = 3;
	ok(decodes(t, "journal position without a journal"), "journal fields need the journal flag");
	t = m; t.journal_flags = JOURNAL_GIVEN;
	ok(decodes(t, NULL), "an empty journal is a journal");
	t = m; memset(t.name, 'x', sizeof(t.name));
	ok(decodes(t, NULL), "a 32-character name is kept whole");
	t = m; t.member_index = 3;
	ok(decodes(t, "member index"), "a member index past the members is refused");
	t = m; t.member[1].head_crc = 0x1234; t.member[1].head_known = 1; t.p.unsynced = 1;
	meta_encode(&t, blk);
	ok(meta_decode(blk, &out, &why) == 0 && out.member[1].head_crc == 0x1234 && out.member[1].head_known &&
	   out.p.unsynced == 1, "a member's head crc and the old layout's sync state round-trip");
	t = m; t.member[1].head_crc = 5;
	ok(decodes(t, "head crc flag"), "a head crc without its flag is refused");
	t = m; t.p.unsynced = 2;
	ok(decodes(t, "sync state"), "an unknown sync state is refused");
	t = m; t.p.from.moved_at = 960 << 10; t.p.from.moved_len = 64 << 10; t.p.from.moved_member = 2;
	t.p.from.moved_to = 9 << 16; t.moved_crc = 77;
	meta_encode(&t, blk);
	ok(meta_decode(blk, &out, &why) == 0 && !memcmp(&t, &out, sizeof(t)), "a moved tail round-trips");
	t.p.from.moved_to = 4 << 16;
	ok(decodes(t, "moved tail is not past the rows"), "a moved tail where the new layout writes is refused");
	t.p.from.moved_to = 9 << 16; t.p.from.moved_member = 0;
	ok(decodes(t, "bad moved tail"), "a moved tail on member 0 itself is refused");
	test_meta_slot(m);
	test_meta_format(m);
}

static void test_mdsb(void)
{
	struct mdsb s, out;
	uint8_t buf[MDSB_BYTES];
	const char *why;
	uint64_t size = 8 << 20;

	memset(&s, 0, sizeof(s));
	s.feature_map = MDSB_FEATURE_RAIDMIG;
	memcpy(s.set_uuid, "0123456789abcdef", 16);
	strcpy(s.set_name, "demo");
	s.ctime = s.utime = 1700000000;
	s.level = 5;
	s.layout = 2;
	s.size = s.data_size = 8000;
	s.chunksize = 128;
	s.raid_disks = 3;
	s.super_offset = mdsb_offset(size) / 512;
	s.dev_number = 1;
	s.bblog_size = 8;
	s.bblog_offset = -8;
	s.events = 1;
	s.resync_offset = MDSB_CLEAN;
	s.max_dev = 127;	/* odd: the checksum takes a last u16 */
	for (int i = 0; i < 127; i++)
		s.dev_roles[i] = i < 3 ? (uint16_t)i : MDSB_ROLE_SPARE;
	mdsb_encode(&s, buf);
	ok(mdsb_decode(buf, size, 0, &out, &why) == 0 && out.sb_csum == mdsb_csum(buf) &&
	   mdsb_role(&out) == 1 && !strcmp(out.set_name, "demo") && out.bblog_offset == -8,
	   "an md superblock round-trips, odd max_dev included");
	buf[300] ^= 1;
	ok(mdsb_decode(buf, size, 0, &out, &why) < 0 && strstr(why, "checksum"), "a flipped bit is a bad checksum");
	buf[300] ^= 1;
	ok(mdsb_decode(buf, size + 4096, 0, &out, &why) < 0 && strstr(why, "super_offset"),
	   "a superblock for another device size is refused");
	/* v1.2: at 4 KiB, the data from data_offset to within the device */
	s.super_offset = 8;
	s.data_offset = 2048;
	s.data_size = size / 512 - 2048;
	s.size = s.data_size / 128 * 128;
	s.bblog_offset = 8;
	mdsb_encode(&s, buf);
	ok(mdsb_decode(buf, size, 2, &out, &why) == 0 && out.minor == 2 && out.data_offset == 2048,
	   "a v1.2 superblock round-trips");
	ok(mdsb_decode(buf, size, 1, &out, &why) < 0 && strstr(why, "super_offset"),
	   "a v1.2 superblock read as v1.1 is refused");
	ok(mdsb_decode(buf, size - 4096, 2, &out, &why) < 0 && strstr(why, "device's end"),
	   "v1.2 data past the device's end is refused");
	s.data_offset = 8;
	s.data_size = s.size = 1000;
	mdsb_encode(&s, buf);
	ok(mdsb_decode(buf, size, 2, &out, &why) < 0 && strstr(why, "overlaps the superblock"),
	   "v1.2 data over its superblock is refused");
}

/* How often test 244 fires over a whole RAID0 migration from a plain disk. */
static uint64_t next_dest_firings(uint32_t n, uint64_t units)
{
	struct pair p = { { .level = LEVEL_PLAIN, .chunk = 4096, .members = 1 }, mk(0, 0, n, 65536, units), units * n * 65536, 0, 0, 0, 0 };
	struct policy none = { 0, 0, 0, 0 };
	uint64_t ckpt = 0, done = 0, fired = 0;

	p.from.member_data = p.data_size;
	while (done < units) {
		uint64_t end;

		if (ck_next_dest_due(&p, ckpt, done, done)) {
			ckpt = done;
			fired++;
		}
		end = ck_batch_end(&p, &none, ckpt, done, 0, units);
		if (end == done)
			return UINT64_MAX;	/* stuck: a bug */
		done = end;
	}
	return fired;
}

static void test_checkpoint(void)
{
	struct pair p = { { .level = LEVEL_PLAIN, .chunk = 4096, .members = 1, .member_data = 1 << 30 }, mk(0, 0, 2, 65536, 8192), 1 << 30, 0, 0, 0, 0 };
	struct policy every = { 100, 0, 1, 0 }, count = { 100, 0, 0, 0 }, none = { 0, 0, 0, 0 };

	/* unit 0 writes nothing over its source (its member-0 chunk is where it is) */
	ok(next_dest_firings(2, 8192) == 13, "2 members, 8192 units: test 244 fires at units 1, 2, 4, ...: log2(8192) = 13 times");
	ok(next_dest_firings(4, 4096) == 6, "4 members, 4096 units: test 244 fires log4(4096) = 6 times");
	ok(next_dest_firings(8, 1 << 18) == 6, "8 members, 2^18 units: test 244 fires log8(2^18) = 6 times");
	ok(ck_next_dest_due(&p, 10, 21, 20) && !ck_next_dest_due(&p, 10, 10, 20),
	   "test 244: unit 20 overwrites source unit 10, copied but not checkpointed");
	ok(!ck_next_dest_due(&p, 11, 21, 20), "test 244: not when unit 10 is checkpointed");
	ok(ck_host_write_due(5, 9, 8, 12) && !ck_host_write_due(5, 9, 9, 12) &&
	   !ck_host_write_due(5, 9, 0, 4) && !ck_host_write_due(9, 9, 0, 20),
	   "test 242: only writes into [checkpoint, copied) force a checkpoint");
	ok(ck_interval_due(&count, 100, 0) && !ck_interval_due(&count, 99, 0), "test 246: unit count");
	ok(!ck_interval_due(&none, 1000000, 1e9), "test 246: no limit");
	ok(ck_interval_due(&(struct policy){ 0, 5, 0, 0 }, 1, 5.0), "test 246: time limit");
	ok(ck_interval_due(&every, 1, 0), "every-unit policy checkpoints after each unit");
	ok(ck_batch_end(&p, &every, 10, 12, 0, 1000) == 13, "every-unit batches are one unit");
	ok(ck_batch_end(&p, &count, 100, 102, 40, 1000) == 102 + 60, "batches stop at the unit limit");
	ok(ck_batch_end(&p, &none, 10, 12, 0, 1000) == 20, "batches stop before overwriting uncheckpointed source");
	ok(ck_batch_end(&p, &none, 10, 12, 0, 15) == 15, "batches stop at the caller's limit");
	ok(ck_batch_end(&p, &(struct policy){ UINT64_MAX, 0, 0, 0 }, 10, 12, 1, 15) == 15,
	   "a unit limit of 2^64 - 1 does not wrap the batch's end (issue 16, defect 11)");
	{
		/* RAID1 over 2 grown to 3: member 1 holds copy 1 where the new layout wants it */
		struct pair g = { mk(1, 0, 2, 4096, 1 << 20), mk(1, 0, 3, 4096, 1 << 20), 1 << 20, 0, 0, 0, 0 };

		ok(pair_is_identity(&g, 1, 8192, 8192), "a clean mirror's second copy is in place");
		g.unsynced = 1;
		ok(!pair_is_identity(&g, 1, 8192, 8192) && pair_is_identity(&g, 0, 8192, 8192),
		   "an unsynced mirror: only copy 0 is in place, the others are rewritten (issue 16, defect 2)");
	}
	{
		/* RAID5 left-symmetric over 3 to RAID6 left-symmetric-6 over 4: P stays, Q is new */
		struct pair q = { mk(5, 2, 3, 4096, 64), mk(6, 18, 4, 4096, 64), 64 * 8192, 0, 0, 0, 0 };
		uint64_t kept = 0, parity = 0;

		for (uint32_t m = 0; m < 4; m++) {
			for (uint64_t moff = 0; moff < 64 * 4096; moff += 4096) {
				struct piece pc;

				geom_unmap(&q.to, m, moff, &pc);
				parity += pc.kind == PIECE_P;
				kept += pair_parity_in_place(&q, m, moff, &pc);
			}
		}
		ok(parity == 64 && kept == 64, "RAID5 to RAID6 -6: every P is in place, only Q is written (issue 18)");
		q.data_size -= 4096;
		kept = 0;
		for (uint32_t m = 0; m < 3; m++) {
			struct piece pc;

			geom_unmap(&q.to, m, 63 * 4096, &pc);
			kept += pair_parity_in_place(&q, m, 63 * 4096, &pc);
		}
		ok(kept == 0, "a stripe partly past the data gets its parity written (of zeros past it)");
		q.unsynced = 1;
		ok(!pair_parity_in_place(&q, 0, 4096, &(struct piece){ .kind = PIECE_P, .stripe = 1 }),
		   "an unsynced old array's parity is not trusted");
	}
	{
		struct run r;

		memset(&r, 0, sizeof(r));
		r.pol.adaptive = 1;
		ck_adapt_init(&r.pol);
		ok(r.pol.seconds == 1.0, "adaptive policy: 1 s before a commit was measured");
		ck_adapt(&r, 0.03);
		ok(r.pol.seconds > 2.99 && r.pol.seconds < 3.01, "adaptive: a 30 ms commit spaces checkpoints 3 s apart (1%)");
		ck_adapt(&r, 1.0);
		ok(r.pol.seconds == 10.0, "adaptive: never more than 10 s apart");
		r.pol = count;
		ck_adapt(&r, 0.5);
		ok(r.pol.seconds == 0 && r.commit_cost > 0, "a fixed policy keeps its limits");
	}
}

static void test_parse(void)
{
	uint64_t v;
	uint32_t l;
	int32_t lv;

	ok(parse_size("64K", &v, 1) == 0 && v == 65536, "64K");
	ok(parse_size("0x10M", &v, 1) == 0 && v == 16 << 20, "0x10M");
	ok(parse_size("2T", &v, 1) == 0 && v == 2ull << 40, "2T");
	ok(parse_size("64k", &v, 1) < 0 && parse_size("", &v, 1) < 0 && parse_size("K", &v, 1) < 0 &&
	   parse_size("-1", &v, 1) < 0 && parse_size("1 K", &v, 1) < 0 && parse_size("64KB", &v, 1) < 0,
	   "garbage sizes are errors, never zero");
	ok(parse_size("18446744073709551615", &v, 0) == 0 && parse_size("18446744073709551616", &v, 0) < 0 &&
	   parse_size("16777216T", &v, 1) < 0, "overflow is an error");
	ok(parse_size("5K", &v, 0) < 0, "no suffix where none is allowed");
	ok(geom_parse_level("5", &lv) == 0 && lv == 5 && geom_parse_level("raid10", &lv) == 0 && lv == 10 &&
	   geom_parse_level("3", &lv) < 0 && geom_parse_level("raid", &lv) < 0, "levels: md's numbers and raidN");
	ok(geom_parse_layout(5, NULL, &l) == 0 && l == 2 && geom_parse_layout(5, "ra", &l) == 0 && l == 1 &&
	   geom_parse_layout(6, "parity-first-6", &l) == 0 && l == 20 &&
	   geom_parse_layout(5, "parity-first-6", &l) < 0, "RAID5/6 layouts by mdadm's names, left-symmetric by default");
	ok(geom_parse_layout(10, NULL, &l) == 0 && l == 0x102 && geom_parse_layout(10, "o2", &l) == 0 &&
	   l == 0x10201 && geom_parse_layout(10, "n3", &l) == 0 && l == 0x103 &&
	   geom_parse_layout(10, "x2", &l) < 0 && geom_parse_layout(0, "ls", &l) < 0,
	   "RAID10 layouts nK, oK, fK as mdadm encodes them, n2 by default");
}

static void test_journal(void)
{
	struct journal j;
	const char *good = "# c\n\nwrite at=0 offset=0 length=4K fill=7\r\n  write at=3 offset=1M length=512 seed=9\n";
	uint8_t a[16], b[16];
	int r;

	memset(&j, 0, sizeof(j));
	j.path = "mem";
	r = journal_parse(&j, good, strlen(good), 2 << 20, 512);
	ok(r == 0 && j.count == 2 && j.rec[1].at == 3 && j.rec[1].offset == 1 << 20 &&
	   j.rec[1].line == 4 && j.rec[1].kind == JDATA_SEED, "journal records parse, lines counted");
	journal_data(&j.rec[1], 8, a, 8);
	journal_data(&j.rec[1], 0, b, 16);
	ok(!memcmp(a, b + 8, 8), "seeded data depends on the position only");
	journal_free(&j);
	memset(&j, 0, sizeof(j));
	j.path = "mem";
	fprintf(stderr, "(an error message is expected here)\n");
	ok(journal_parse(&j, "write at=0 offset=2M length=512 fill=1\n", 39, 2 << 20, 512) < 0,
	   "a write past the volume is refused");
	journal_free(&j);
}

int main(void)
{
	test_bijection();
	test_md_examples();
	test_parity();
	test_clobbers();
	test_reshape_orders();
	test_offset_map();
	test_shifted_orders();
	test_sizes();
	test_moved();
	test_meta();
	test_mdsb();
	test_checkpoint();
	test_parse();
	test_journal();
	printf("1..%d\n", n_test);
	return 0;
}
