/*
 * parity.c: P and Q of a RAID4/5/6 stripe, and rebuilding missing blocks,
 * with Intel ISA-L (xor_gen, pq_gen, ec_encode_data, gf_mul, gf_inv). md's
 * Q is ISA-L's pq_gen when the data is passed in md's slot order
 * (md-format.md 5.2), which geom_q_sources gives; the DDF layouts pass
 * every member in physical order, zeros at P and Q. No GF(2^8) arithmetic
 * is written here: coefficients come from ISA-L's gf_mul and gf_inv.
 *
 * Buffers are chunk-sized, 32-byte aligned (page-aligned copy buffers at
 * chunk offsets), as pq_gen asks.
 */
#include <errno.h>
#include <isa-l.h>
#include <stdlib.h>
#include <string.h>

#include "parity.h"

/* One chunk of zeros for the DDF layouts' P and Q slots; grows as needed. */
static uint8_t *zeros(size_t len)
{
	static uint8_t *z;
	static size_t have;

	if (len > have) {
		free(z);
		have = 0;
		if (posix_memalign((void **)&z, 4096, len))
			return z = NULL;
		memset(z, 0, len);
		have = len;
	}
	return z;
}

/* The data blocks in md's Q order, then P and Q: what pq_gen takes. Returns the count. */
static int q_vector(const struct geom *g, uint64_t stripe, uint8_t *const *data,
		    uint8_t *p, uint8_t *q, size_t len, void **v)
{
	int64_t slot[PARITY_MAX_BLOCKS];
	uint64_t first = stripe * (g->members - 2) * (uint64_t)g->chunk;
	int z = geom_q_sources(g, stripe, slot);

	for (int i = 0; i < z; i++)
		v[i] = slot[i] < 0 ? zeros(len) : data[((uint64_t)slot[i] - first) / g->chunk];
	v[z] = p;
	v[z + 1] = q;
	return z + 2;
}

/*
 * P (and Q for RAID6) of stripe `stripe` from its k data blocks, in
 * logical order. Returns 0 or -EIO if ISA-L refuses.
 */
int parity_gen(const struct geom *g, uint64_t stripe, uint8_t *const *data,
	       uint8_t *p, uint8_t *q, size_t len)
{
	void *v[PARITY_MAX_BLOCKS + 2];
	int k = (int)(g->members - geom_parities(g)), nv;

	if (g->level != LEVEL_RAID6) {
		if (k == 1) {
			memcpy(p, data[0], len);
			return 0;
		}
		for (int i = 0; i < k; i++)
			v[i] = data[i];
		v[k] = p;
		return xor_gen(k + 1, (int)len, v) ? -EIO : 0;
	}
	nv = q_vector(g, stripe, data, p, q, len, v);
	if (!v[0])
		return -ENOMEM;
	return pq_gen(nv, (int)len, v) ? -EIO : 0;
}

/* g^z in GF(2^8), from ISA-L's gf_mul. */
static uint8_t gpow(int z)
{
	uint8_t r = 1;

	while (z-- > 0)
		r = gf_mul(r, 2);
	return r;
}

/* md slot of data block i of the stripe: its coefficient is g^slot. */
static int slot_of(const struct geom *g, uint64_t stripe, int i)
{
	int64_t slot[PARITY_MAX_BLOCKS];
	uint64_t first = stripe * (g->members - 2) * (uint64_t)g->chunk;
	int z = geom_q_sources(g, stripe, slot);

	for (int s = 0; s < z; s++)
		if (slot[s] >= 0 && ((uint64_t)slot[s] - first) / g->chunk == (uint64_t)i)
			return s;
	return -1;
}

/* out = M x in, M a rows x k matrix over GF(2^8): ISA-L's erasure coder. */
static void gf_apply(uint8_t *m, int k, int rows, uint8_t **in, uint8_t **out, size_t len)
{
	uint8_t tbl[32 * 2 * 2];

	ec_init_tables(k, rows, m, tbl);
	ec_encode_data((int)len, k, rows, tbl, in, out);
}

/*
 * Rebuild the blocks listed in `missing` (data 0 .. k - 1, P = k, Q = k + 1)
 * of stripe `stripe` in place, from the others. blk[] holds every block's
 * buffer in that order; the missing ones are overwritten. At most as many
 * as the level's parities. Returns 0, -EINVAL if too many are missing, or
 * -EIO/-ENOMEM.
 */
static int recover_data(const struct geom *g, uint64_t stripe, uint8_t *const *blk,
			const int *missing, int nmissing, size_t len);

int parity_recover(const struct geom *g, uint64_t stripe, uint8_t *const *blk,
		   const int *missing, int nmissing, size_t len)
{
	int k = (int)(g->members - geom_parities(g)), parity_lost = 0;
	int e = recover_data(g, stripe, blk, missing, nmissing, len);

	for (int i = 0; i < nmissing; i++)
		parity_lost |= missing[i] >= k;
	if (e || !parity_lost)
		return e;
	/* the data is whole now: what parity was lost is computed again */
	return parity_gen(g, stripe, blk, blk[k], g->level == LEVEL_RAID6 ? blk[k + 1] : NULL, len);
}

/* parity_recover's first half: the lost data blocks. */
static int recover_data(const struct geom *g, uint64_t stripe, uint8_t *const *blk,
			const int *missing, int nmissing, size_t len)
{
	int k = (int)(g->members - geom_parities(g)), nd = 0, lost[2], p_lost = 0;
	uint8_t *d[PARITY_MAX_BLOCKS], *pp = NULL, *qq = NULL;
	int e = 0;

	if (nmissing > (int)geom_parities(g))
		return -EINVAL;
	for (int i = 0; i < nmissing; i++) {
		if (missing[i] < k)
			lost[nd++] = missing[i];
		else if (missing[i] == k)
			p_lost = 1;
	}
	if (nd == 0)
		return 0;
	if (g->level != LEVEL_RAID6 || (nd == 1 && !p_lost)) {
		void *v[PARITY_MAX_BLOCKS + 1];
		int c = 0;

		for (int i = 0; i <= k; i++)
			if (i != lost[0])
				v[c++] = blk[i];
		v[c++] = blk[lost[0]];
		if (c == 2) {
			memcpy(blk[lost[0]], v[0], len);
			return 0;
		}
		return xor_gen(c, (int)len, v) ? -EIO : 0;
	}
	/* RAID6 with Q: the syndromes of what is left, zeros for what is lost */
	if (posix_memalign((void **)&pp, 4096, len) || posix_memalign((void **)&qq, 4096, len)) {
		e = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < k; i++)
		d[i] = blk[i];
	for (int i = 0; i < nd; i++)
		d[lost[i]] = zeros(len);
	if (!zeros(len) || (e = parity_gen(g, stripe, d, pp, qq, len)))
		goto out;
	{
		uint8_t *src[2] = { pp, qq }, *pq[2] = { pp, qq };
		uint8_t *dst[2] = { blk[lost[0]], nd > 1 ? blk[lost[1]] : NULL };
		uint8_t one[2] = { 1, 1 }, m[4], inv[4];
		void *x[3];

		/* pp = P + P', qq = Q + Q' (the lost blocks' own contributions) */
		x[0] = blk[k]; x[1] = pp; x[2] = pp;
		if (!p_lost && xor_gen(3, (int)len, x)) {
			e = -EIO;
			goto out;
		}
		x[0] = blk[k + 1]; x[1] = qq; x[2] = qq;
		if (xor_gen(3, (int)len, x)) {
			e = -EIO;
			goto out;
		}
		if (nd == 1) {	/* data and P lost: Dx = g^-zx * (Q + Q') */
			uint8_t c = gf_inv(gpow(slot_of(g, stripe, lost[0])));

			gf_apply(&c, 1, 1, &pq[1], dst, len);
			goto out;
		}
		/* two data blocks: [1 1; g^zx g^zy] (Dx Dy) = (P + P', Q + Q') */
		m[0] = one[0];
		m[1] = one[1];
		m[2] = gpow(slot_of(g, stripe, lost[0]));
		m[3] = gpow(slot_of(g, stripe, lost[1]));
		if (gf_invert_matrix(m, inv, 2)) {
			e = -EIO;
			goto out;
		}
		gf_apply(inv, 2, 2, src, dst, len);
	}
out:
	free(pp);
	free(qq);
	return e;
}
