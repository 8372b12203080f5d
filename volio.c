/*
 * volio.c: reading and writing volume bytes as one geometry lays them out,
 * over an assembled array. Reads take copy 0, or when its member is
 * missing another copy or a rebuild from parity (parity.c). Writes of
 * whole stripes compute their parity in memory and write every copy and
 * parity chunk, gathering each member's pieces into as few calls as the
 * layout allows; the migration skips the pieces that already hold their
 * bytes (pair_is_identity, pair_parity_in_place). A write of part of a stripe reads the same
 * window of every data chunk, patches it, and writes the window of the
 * chunks it touches and of the parity (write_window), so parity is always
 * computed from the data it covers: running a write again repairs whatever
 * a crash tore.
 *
 * Reads and writes of 1 MiB or more go to every member at once, a thread
 * a member: the members are separate disks, and one thread taking them in
 * turn keeps all but one idle (md reads and writes them in parallel too).
 * A member in direct I/O is read by several threads (read_parallel).
 *
 * On an image file (buffered), a read that skips a member's parity or
 * other copies reads through the gap into a scratch buffer when the gap is
 * small (GAP_MAX): one long sequential call instead of one a run of data
 * chunks, and the kernel's read-ahead reads the gap anyway. On a device in
 * direct I/O the gap is skipped: there its bytes would cost the disk's
 * bandwidth (measured: the RAID5 grow under make bench's hdd model, 0.82
 * skipping the gaps against 0.61 reading through them, 256 MiB members).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "atonce.h"
#include "parity.h"
#include "util.h"
#include "volio.h"

/* One member's run of gathered pieces. */
struct gather {
	struct iovec iov[IOV_MAX];
	int cnt;
	uint64_t start, next;	/* member offsets: first byte, byte after the last */
};

/* One gathered transfer on one member; an error names the member. */
static int member_io(struct dev *d, struct iovec *iov, int cnt, uint64_t off, int wr)
{
	int e = wr ? dev_writev(d, iov, cnt, off) : dev_readv(d, iov, cnt, off);

	if (e)
		log_err("%s: %s at byte %llu: %s", d->path, wr ? "write" : "read",
			(unsigned long long)off, strerror(-e));
	return e;
}

static int gather_flush(struct dev *d, struct gather *gt, int wr)
{
	int e;

	if (!wr && gt->cnt)
		dev_will_read(d, gt->start, gt->next - gt->start);
	e = gt->cnt ? member_io(d, gt->iov, gt->cnt, gt->start, wr) : 0;

	gt->cnt = 0;
	return e;
}

#define GAP_MAX	(1u << 20)	/* gaps a read goes through, at most */

static uint8_t *gap_buf;

static void gap_alloc(void)
{
	gap_buf = io_alloc(GAP_MAX);
}

/* Where the bytes of the gaps go: never read back (threads share it). */
static uint8_t *gap_buffer(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, gap_alloc);
	return gap_buf;
}

/* Add [moff, moff + len) <-> ptr to a member's gather, flushing when it breaks. */
static int gather_add(struct dev *d, struct gather *gt, uint8_t *ptr, uint64_t moff,
		      uint64_t len, int wr)
{
	int e = 0;

	if (!wr && !d->direct && gt->cnt && moff > gt->next && moff - gt->next <= GAP_MAX &&
	    gt->cnt < IOV_MAX - 1 && gap_buffer()) {
		gt->iov[gt->cnt].iov_base = gap_buffer();	/* read through the gap */
		gt->iov[gt->cnt++].iov_len = moff - gt->next;
		gt->next = moff;
	}
	if (gt->cnt && (gt->next != moff || gt->cnt == IOV_MAX))
		e = gather_flush(d, gt, wr);
	if (!gt->cnt)
		gt->start = moff;
	gt->iov[gt->cnt].iov_base = ptr;
	gt->iov[gt->cnt++].iov_len = len;
	gt->next = moff + len;
	return e;
}

/* Start every member's gather empty. */
static void gathers_init(struct gather *g, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		g[i].cnt = 0;
}

/*
 * Can the old layout's other copies and parity rebuild the row at `moff`
 * (of `len` bytes, on every member)? Not where md had not resynced it:
 * they may be stale there (sync_end, md's resync_offset; none for
 * RAID10). A missing member's bytes there are refused, never guessed.
 */
static int rebuild_trusted(struct array *a, const struct geom *g, uint64_t voff, uint64_t len, uint64_t moff)
{
	const struct pair *p = &a->m.p;
	uint64_t depth = geom_stripe_depth(g), end = (moff - g->offset + len + depth - 1) / depth * depth;

	if (g != &p->from || !p->unsynced || end <= p->sync_end)
		return 1;
	log_err("volume bytes %llu to %llu: their member is missing, and the old array's copies and parity there are not in sync (md had not finished resyncing it): they cannot be rebuilt",
		(unsigned long long)voff, (unsigned long long)(voff + len));
	return 0;
}

/*
 * Rebuild `len` bytes at volume `voff` (within one chunk) whose copy-0
 * member is missing: from another copy, or from the rest of its stripe.
 */
static int rebuild(struct array *a, const struct geom *g, uint8_t *buf, uint64_t voff, uint64_t len)
{
	uint32_t nb = g->members, k = nb - geom_parities(g), m;
	uint64_t moff, c = g->chunk, s, base;
	uint8_t *blk[PARITY_MAX_BLOCKS], *mem;
	int missing[PARITY_MAX_BLOCKS], nm = 0, want = -1, e = 0;
	struct piece pc;

	geom_map(g, voff, 0, &m, &moff);
	if (!rebuild_trusted(a, g, voff, len, moff))
		return -ENODEV;

	for (uint32_t cp = 1; cp < geom_copies(g); cp++) {
		geom_map(g, voff, cp, &m, &moff);
		if (!dev_missing(&a->dev[m]))
			return dev_read(&a->dev[m], buf, len, moff);
	}
	if (!geom_parities(g))
		return -ENODEV;
	geom_map(g, voff, 0, &m, &moff);
	geom_unmap(g, m, moff, &pc);
	s = pc.stripe;
	base = s * c;
	if (posix_memalign((void **)&mem, 4096, c * nb))
		return -ENOMEM;
	/* blocks in parity.c's order: data 0 .. k - 1, P, Q */
	for (uint32_t i = 0; i < nb && !e; i++) {
		uint64_t v = (s * k + i) * c;
		int idx, q;
		int pm;

		blk[i] = mem + i * c;
		if (i < k) {
			geom_map(g, v, 0, &m, &moff);
			idx = (int)i;
			if (v == voff - voff % c)
				want = idx;
		} else {
			geom_parity_members(g, s, &pm, &q);
			m = (uint32_t)(i == k ? pm : q);
			moff = g->offset + base;
			geom_moved(g, &m, &moff, c);
			idx = (int)i;
		}
		if (dev_missing(&a->dev[m]))
			missing[nm++] = idx;
		else
			e = dev_read(&a->dev[m], blk[i], c, moff);
	}
	if (!e)
		e = parity_recover(g, s, blk, missing, nm, c);
	if (!e)
		memcpy(buf, blk[want] + voff % c, len);
	free(mem);
	return e == -EINVAL ? -ENODEV : e;
}

/*
 * The pieces of volume bytes [off, off + len) that lie on member `only`
 * (every member's when `only` is MAX_MEMBERS), read in as few calls as
 * the layout allows; a missing member's are rebuilt.
 */
static int read_pieces(struct array *a, const struct geom *g, uint8_t *buf, uint64_t off,
		       uint64_t len, uint32_t only)
{
	struct gather gt[MAX_MEMBERS];	/* on the stack: several threads read at once */
	uint64_t pos = 0;
	int e = 0;

	gathers_init(gt, geom_devices(g));
	while (pos < len && !e) {
		uint32_t m;
		uint64_t moff, n = geom_map(g, off + pos, 0, &m, &moff);

		if (n > len - pos)
			n = len - pos;
		if (only == MAX_MEMBERS || m == only)
			e = dev_missing(&a->dev[m]) ? rebuild(a, g, buf + pos, off + pos, n) :
			    gather_add(&a->dev[m], &gt[m], buf + pos, moff, n, 0);
		pos += n;
	}
	for (uint32_t m = 0; m < geom_devices(g) && !e; m++)
		e = gather_flush(&a->dev[m], &gt[m], 0);
	return e;
}

/*
 * One member's share of a read, in its own thread: the groups of bytes
 * [off + first, off + first + group), then every `stride` bytes on.
 */
struct member_read {
	struct array *a;
	const struct geom *g;
	uint8_t *buf;
	uint64_t off, len, first, group, stride;
	uint32_t m;
	int err;
};

static void *member_read_thread(void *arg)
{
	struct member_read *r = arg;

	for (uint64_t at = r->first; at < r->len && !r->err; at += r->stride)
		r->err = read_pieces(r->a, r->g, r->buf + at, r->off + at,
				     r->len - at < r->group ? r->len - at : r->group, r->m);
	return NULL;
}

/* Reads shorter than this are not split between threads. */
#define PARALLEL_MIN	(1u << 20)
/* Reads in flight on a member in direct I/O, and the bytes of a group. */
#define READ_LANES	4
#define READ_GROUP	(1u << 20)
_Static_assert(MAX_MEMBERS * READ_LANES <= ATONCE_MAX, "read_parallel's threads fit at_once");

/*
 * Every member's share at once (at_once): one thread reading the members
 * in turn leaves all but one idle. A member in direct I/O gets READ_LANES threads that take groups of about
 * READ_GROUP volume bytes in turn: with the parity between its data runs
 * skipped, one thread alone would leave the disk idle between a short
 * request and the next, and the lanes keep the requests in flight next to
 * each other, in ascending order (a hard disk does not seek between them).
 */
static int read_parallel(struct array *a, const struct geom *g, uint8_t *buf, uint64_t off,
			 uint64_t len)
{
	struct member_read r[MAX_MEMBERS * READ_LANES];
	uint64_t sb = geom_stripe_bytes(g), group = (READ_GROUP + sb - 1) / sb * sb;
	uint32_t n = 0;
	int e = 0;

	for (uint32_t m = 0; m < geom_devices(g); m++) {
		uint64_t lanes = a->dev[m].direct && len >= READ_LANES * group ? READ_LANES : 1;

		for (uint64_t l = 0; l < lanes; l++, n++) {
			r[n] = (struct member_read){ .a = a, .g = g, .buf = buf, .off = off, .len = len,
						     .first = l * group, .m = m };
			r[n].group = lanes > 1 ? group : len;
			r[n].stride = lanes > 1 ? lanes * group : len;
		}
	}
	at_once(member_read_thread, r, sizeof(r[0]), n, 1);
	for (uint32_t i = 0; i < n && !e; i++)
		e = r[i].err;
	return e;
}

/*
 * Read volume bytes [off, off + len) of geometry `g`. Returns 0 or -errno
 * (after a message naming the device); -ENODEV when too many members are
 * missing to rebuild them.
 */
int geo_read(struct array *a, const struct geom *g, uint8_t *buf, uint64_t off, uint64_t len)
{
	int e, whole = 1;

	for (uint32_t m = 0; m < geom_devices(g); m++)
		whole = whole && !dev_missing(&a->dev[m]);
	if (whole && !io_dry && geom_devices(g) > 1 && len >= PARALLEL_MIN)
		e = read_parallel(a, g, buf, off, len);
	else
		e = read_pieces(a, g, buf, off, len, MAX_MEMBERS);
	if (e == -ENODEV)
		log_err("too many members missing to read volume bytes %llu to %llu",
			(unsigned long long)off, (unsigned long long)(off + len));
	return e;
}

/* One member's share of writing stripes [s0, s1), and its thread. */
struct member_write {
	struct array *a;
	const struct geom *g;
	const struct pair *skip;
	uint8_t *buf, *pbuf;
	uint64_t s0, s1;
	uint32_t m;
	int err;
};

static int write_member(const struct member_write *w)
{
	const struct geom *g = w->g;
	const struct pair *skip = w->skip;
	struct dev *d = &w->a->dev[w->m];
	uint64_t depth = geom_stripe_depth(g), np = geom_parities(g), first = w->s0 * geom_stripe_bytes(g);
	uint64_t moff = g->offset + w->s0 * depth, end = g->offset + w->s1 * depth, walk = end;
	struct gather gt = { .cnt = 0 };
	int e = 0;

	if (io_dry && (!skip || w->m >= skip->from.members))	/* plan: a member with no byte in place is written whole */
		return dev_write(d, NULL, end - moff, moff);
	if (io_dry && pair_in_place_end(skip, w->m) < end)	/* plan: whole past the last byte in place */
		walk = pair_in_place_end(skip, w->m) > moff ? pair_in_place_end(skip, w->m) : moff;
	while (moff < walk && !e) {
		struct piece pc;
		uint8_t *ptr;
		uint64_t n;

		geom_unmap(g, w->m, moff, &pc);
		n = pc.run < walk - moff ? pc.run : walk - moff;
		if (skip)	/* identity holds within one chunk of both layouts */
			n = pair_run(skip, w->m, moff, n);
		if (skip && (pc.kind == PIECE_DATA ? pair_is_identity(skip, w->m, moff, pc.voff) :
			     pair_parity_in_place(skip, w->m, moff, &pc))) {
			e = gather_flush(d, &gt, 1);	/* already in place */
			moff += n;
			continue;
		}
		if (pc.kind == PIECE_DATA) {
			ptr = w->buf + (pc.voff - first);
		} else {
			ptr = w->pbuf + ((pc.stripe - w->s0) * np + (pc.kind == PIECE_Q)) * g->chunk +
			      (moff - g->offset) % g->chunk;
		}
		e = gather_add(d, &gt, ptr, moff, n, 1);
		moff += n;
	}
	if (!e)
		e = gather_flush(d, &gt, 1);
	return e || walk == end ? e : dev_write(d, NULL, end - walk, walk);
}

static void *member_write_thread(void *arg)
{
	struct member_write *w = arg;

	w->err = write_member(w);
	return NULL;
}

/* Every member's share at once; small writes and plan's counting one after the other. */
static int write_members(const struct member_write *proto)
{
	const struct geom *g = proto->g;
	struct member_write w[MAX_MEMBERS];
	int e = 0;

	for (uint32_t m = 0; m < g->members; m++) {
		w[m] = *proto;
		w[m].m = m;
	}
	at_once(member_write_thread, w, sizeof(w[0]), g->members,
		!io_dry && (proto->s1 - proto->s0) * geom_stripe_bytes(g) >= PARALLEL_MIN);
	for (uint32_t m = 0; m < g->members && !e; m++)
		e = w[m].err;
	return e;
}

/*
 * Write stripes [s0, s1) of geometry `g`: buf holds their data, in volume
 * order; pbuf has room for their parity (geom_parities chunks a stripe).
 * Every copy and parity chunk is written, except, when `skip` is given, the
 * pieces that pair says already hold their bytes. Returns 0 or -errno
 * after a message.
 */
int geo_write_stripes(struct array *a, const struct geom *g, const struct pair *skip,
		      uint8_t *buf, uint64_t s0, uint64_t s1, uint8_t *pbuf)
{
	uint64_t sb = geom_stripe_bytes(g), np = geom_parities(g);
	struct member_write w = { .a = a, .g = g, .skip = skip, .buf = buf, .pbuf = pbuf,
				  .s0 = s0, .s1 = s1 };
	int e = 0;

	if (np && !io_dry) {
		uint32_t k = g->members - (uint32_t)np;
		uint8_t *d[MAX_MEMBERS];

		for (uint64_t s = s0; s < s1 && !e; s++) {
			uint8_t *pp = pbuf + (s - s0) * np * g->chunk;

			for (uint32_t i = 0; i < k; i++)
				d[i] = buf + (s - s0) * sb + (uint64_t)i * g->chunk;
			e = parity_gen(g, s, d, pp, np > 1 ? pp + g->chunk : NULL, g->chunk);
		}
		if (e) {
			log_err("parity computation failed: %s", strerror(-e));
			return e;
		}
	}
	return write_members(&w);
}

/* Whole stripes a write computes the parity of at a time. */
#define RMW_STRIPES 16
/* A partial write's window is whole 4 KiB blocks (any sector size). */
#define WINDOW_ALIGN 4096u

/* Write one piece of a member; an error names it. */
static int member_write(struct dev *d, uint8_t *ptr, uint64_t len, uint64_t moff)
{
	struct iovec v = { .iov_base = ptr, .iov_len = len };

	return member_io(d, &v, 1, moff, 1);
}

/*
 * Write volume bytes [lo, hi), which lie in stripe `s` without covering it,
 * from `src` (the bytes of lo on). The window is the in-chunk bytes the
 * write touches in any of the stripe's data chunks, in whole 4 KiB blocks:
 * the window of every data chunk is read, the write patched in, the
 * window's parity computed, and the window of the touched chunks and of
 * the parity written. Nothing else in the stripe is read or written, and
 * its parity outside the window stays that of bytes that did not change.
 * Running the write again after a crash tore it computes the same window
 * again from the data. `mem` has room for the stripe's chunks and two more.
 */
static int write_window(struct array *a, const struct geom *g, uint64_t s, const uint8_t *src,
			uint64_t lo, uint64_t hi, uint8_t *mem)
{
	uint64_t c = g->chunk, np = geom_parities(g), base = s * geom_stripe_bytes(g), w0 = c, w1 = 0;
	uint32_t k = g->members - (uint32_t)np, m;
	uint8_t *d[MAX_MEMBERS], *p = mem + (uint64_t)k * c, *q = p + c;
	uint64_t moff;
	int pm, qm, e = 0;

	for (uint32_t i = 0; i < k; i++) {	/* the window */
		uint64_t cb = base + i * c, x0 = lo > cb ? lo : cb, x1 = hi < cb + c ? hi : cb + c;

		if (x0 < x1) {
			w0 = x0 - cb < w0 ? x0 - cb : w0;
			w1 = x1 - cb > w1 ? x1 - cb : w1;
		}
	}
	w0 = w0 / WINDOW_ALIGN * WINDOW_ALIGN;
	w1 = (w1 + WINDOW_ALIGN - 1) / WINDOW_ALIGN * WINDOW_ALIGN;
	for (uint32_t i = 0; i < k && !e; i++) {
		d[i] = mem + i * c;
		e = geo_read(a, g, d[i], base + i * c + w0, w1 - w0);
	}
	for (uint32_t i = 0; i < k && !e && !io_dry; i++) {	/* the write's bytes */
		uint64_t cb = base + i * c + w0, x0 = lo > cb ? lo : cb;
		uint64_t x1 = hi < cb + (w1 - w0) ? hi : cb + (w1 - w0);

		if (x0 < x1)
			memcpy(d[i] + (x0 - cb), src + (x0 - lo), x1 - x0);
	}
	if (!e && !io_dry && parity_gen(g, s, d, p, np > 1 ? q : NULL, w1 - w0)) {
		log_err("parity computation failed");
		return -EIO;
	}
	for (uint32_t i = 0; i < k && !e; i++) {
		uint64_t cb = base + i * c;

		if (lo >= cb + c || hi <= cb)
			continue;	/* not touched: its bytes are as they were */
		geom_map(g, cb + w0, 0, &m, &moff);
		e = member_write(&a->dev[m], d[i], w1 - w0, moff);
	}
	geom_parity_members(g, s, &pm, &qm);
	for (int k = 0; k < (int)np && !e; k++) {
		uint32_t pq = (uint32_t)(k ? qm : pm);
		uint64_t at = g->offset + s * geom_stripe_depth(g) + w0;

		geom_moved(g, &pq, &at, w1 - w0);	/* a moved tail holds its rows' parity too */
		e = member_write(&a->dev[pq], k ? q : p, w1 - w0, at);
	}
	return e;
}

/*
 * Are stripe s's rows in g's moved tail? Then its pieces live elsewhere
 * (geom_moved), which write_window follows and geo_write_stripes, whose
 * member threads write their own member only, does not: a host write in
 * the old layout's last rows of an array used to the end.
 */
static int stripe_moved(const struct geom *g, uint64_t s)
{
	return g->moved_len && (s + 1) * geom_stripe_depth(g) > g->moved_at;
}

/*
 * Write volume bytes [off, off + len) of geometry `g` from `data`, with
 * every copy; with parity, whole stripes are written with the parity
 * computed in memory, and a part of a stripe through write_window.
 * Returns 0 or -errno after a message.
 */
int geo_write(struct array *a, const struct geom *g, const uint8_t *data, uint64_t off,
	      uint64_t len)
{
	uint64_t sb = geom_stripe_bytes(g), np = geom_parities(g);
	uint8_t *buf, *pbuf;
	int e = 0;

	if (!np) {
		struct gather gt[MAX_MEMBERS];
		uint64_t pos = 0;

		gathers_init(gt, geom_devices(g));
		for (uint32_t c = 0; c < geom_copies(g) && !e; c++) {
			for (pos = 0; pos < len && !e; ) {
				uint32_t m;
				uint64_t moff, n = geom_map(g, off + pos, c, &m, &moff);

				if (n > len - pos)
					n = len - pos;
				e = gather_add(&a->dev[m], &gt[m], (uint8_t *)data + pos, moff, n, 1);
				pos += n;
			}
			for (uint32_t m = 0; m < geom_devices(g) && !e; m++)
				e = gather_flush(&a->dev[m], &gt[m], 1);
		}
		return e;
	}
	/* buf also holds write_window's chunks: RMW_STRIPES * k >= k + 2 */
	if (posix_memalign((void **)&buf, 4096, RMW_STRIPES * sb))
		return -ENOMEM;
	if (posix_memalign((void **)&pbuf, 4096, RMW_STRIPES * np * g->chunk)) {
		free(buf);
		return -ENOMEM;
	}
	for (uint64_t s = off / sb; s * sb < off + len && !e; ) {
		uint64_t lo = off > s * sb ? off : s * sb, hi = off + len < (s + 1) * sb ? off + len : (s + 1) * sb;
		uint64_t s1 = s + 1;

		if (lo > s * sb || hi < (s + 1) * sb || stripe_moved(g, s)) {
			e = write_window(a, g, s, io_dry ? NULL : data + (lo - off), lo, hi, buf);
			s = s1;
			continue;
		}
		while (s1 < s + RMW_STRIPES && (s1 + 1) * sb <= off + len && !stripe_moved(g, s1))
			s1++;	/* whole stripes: nothing to read */
		if (!io_dry)
			memcpy(buf, data + (s * sb - off), (s1 - s) * sb);
		e = geo_write_stripes(a, g, NULL, buf, s, s1, pbuf);
		s = s1;
	}
	free(buf);
	free(pbuf);
	return e;
}
