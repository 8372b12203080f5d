/*
 * copy.c: the migration loop of FIG. 3A/3B over a pair of geometries.
 * Units are migrated in ascending order. A unit whose writes overwrite its
 * own source goes through the staging slot (blocks 218-228); every other
 * unit is copied directly (240), many units per read and write when the
 * checkpoint tests allow, and a progress checkpoint is written only when a
 * test fires. A unit is read in the old layout and written whole in the
 * new one, its parity computed in memory: no read-modify-write.
 * Host writes from the journal are applied between batches, routed by where
 * their data lives at that moment ([0033]-[0035]); a batch runs past the
 * arrival of one that does not reach into it (arrival_limit).
 *
 * Invariant: every unit >= m.progress can be read in the old layout from
 * its read copy, except the units recorded in the staging slot, whose
 * bytes the slot holds (host writes change those bytes by design, in place).
 * ck_batch_end and the 244 test keep it; a resume relies on it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "checkpoint.h"
#include "copy.h"
#include "readahead.h"
#include "util.h"
#include "volio.h"

/* The failing device was named where it failed; say what follows. */
static int io_fail(int e, const char *what)
{
	log_err("%s stopped: %s; the array is consistent: fix the cause, then run 'raidmig resume'",
		what, strerror(-e));
	return e;
}

/* Write a staged unit's bytes to (or read them from) the staging slots. */
static int slot_io(struct array *a, uint8_t *buf, uint64_t len, int wr)
{
	const struct pair *p = &a->m.p;
	uint64_t per = pair_slot_bytes(p);

	for (uint32_t i = 0; i < p->to.members && i * per < len; i++) {
		struct dev *d = &a->dev[i];
		uint64_t n = len - i * per < per ? len - i * per : per;
		uint64_t at = meta_slot_offset(p, d->size);
		int e = wr ? dev_write(d, buf + i * per, n, at) : dev_read(d, buf + i * per, n, at);

		if (e) {
			log_err("%s: staging slot %s: %s", d->path, wr ? "write" : "read", strerror(-e));
			return e;
		}
	}
	return 0;
}

uint32_t crc_of(const uint8_t *buf, uint64_t len)
{
	uLong c = crc32(0L, Z_NULL, 0);

	while (len) {
		uInt n = len > UINT_MAX ? UINT_MAX : (uInt)len;

		c = crc32(c, buf, n);
		buf += n;
		len -= n;
	}
	return (uint32_t)c;
}

/*
 * Read the units of ranks [from, to) in the old layout into buf, in volume
 * order, zeros past the data, so that the last unit's stripes are whole.
 */
int read_units_into(struct run *r, uint8_t *buf, uint64_t from, uint64_t to)
{
	const struct pair *p = &r->a->m.p;
	uint64_t ub = pair_unit_bytes(p), lo, hi, off, len, have;

	pair_unit_range(p, from, to, &lo, &hi);
	off = lo * ub;
	len = (hi - lo) * ub;
	have = p->data_size - off < len ? p->data_size - off : len;

	if (!io_dry)
		memset(buf + have, 0, len - have);
	return geo_read(r->a, &p->from, buf, off, have);
}

static int read_units(struct run *r, uint64_t from, uint64_t to)
{
	return read_units_into(r, r->buf, from, to);
}

/*
 * Write the units of ranks [from, to), held in the copy buffer, in the new
 * layout: their stripes that hold data (a unit spanning two layouts' stripes
 * may end past the new array's last one).
 */
static int write_units(struct run *r, uint64_t from, uint64_t to)
{
	const struct pair *p = &r->a->m.p;
	uint64_t sb = geom_stripe_bytes(&p->to), per = pair_unit_bytes(p) / sb, lo, hi;
	uint64_t last = (p->data_size + sb - 1) / sb;

	pair_unit_range(p, from, to, &lo, &hi);
	return geo_write_stripes(r->a, &p->to, p, r->buf, lo * per, hi * per < last ? hi * per : last,
				 r->pbuf);
}

/* Blocks 224-228: staged bytes of ranks [from, to) to their destination, then "slot empty". */
static int finish_staged(struct run *r, uint64_t from, uint64_t to)
{
	int e = write_units(r, from, to);

	if (e)
		return e;
	r->done = to;
	r->units_copied += to - from;
	return ck_commit(r, CK_STAGING);
}

/*
 * Where a staged batch of ranks [from, to) lies in the volume: its first
 * unit in volume order, and its bytes (the last unit short at the end of
 * the data).
 */
static void staged_extent(const struct pair *p, uint64_t from, uint64_t to, uint64_t *unit, uint64_t *len)
{
	uint64_t ub = pair_unit_bytes(p), lo, hi;

	pair_unit_range(p, from, to, &lo, &hi);
	*unit = lo;
	*len = (hi * ub < p->data_size ? hi * ub : p->data_size) - lo * ub;
}

static uint64_t arrival_limit(const struct run *r, uint64_t from, uint64_t to);

/*
 * The ranks a staged copy from `rank` takes at once: as many as the slot
 * holds, short of a host write arriving inside that reaches into them
 * (arrival_limit), up to the last that overwrites its own source too. A
 * unit between that does not is staged with them: it costs its bytes in
 * the slot, where a batch of its own would cost two more commits. The
 * prior-art policy stages one unit at a time.
 */
static uint64_t staged_end(const struct run *r, uint64_t rank)
{
	const struct pair *p = &r->a->m.p;
	uint64_t units = pair_units(p), end = rank + 1, limit = rank + pair_slot_units(p);
	int self;

	if (r->pol.every_unit)
		return end;
	if (limit > units)
		limit = units;
	limit = arrival_limit(r, rank, limit);
	for (uint64_t u = end; u < limit; u++)
		if (pair_clobbers(p, u, &self), self)
			end = u + 1;
	return end;
}

/* The crc32 of each staged unit of buf[0, len) into crcs, and of them all. */
static uint32_t staged_crcs(const struct pair *p, const uint8_t *buf, uint64_t len, uint32_t *crcs)
{
	uint64_t ub = pair_unit_bytes(p);
	uLong all = crc32(0L, Z_NULL, 0);

	for (uint64_t off = 0, i = 0; off < len; off += ub, i++) {
		uint64_t n = len - off < ub ? len - off : ub;

		crcs[i] = crc_of(buf + off, n);
		all = crc32_combine(all, crcs[i], (z_off_t)n);
	}
	return (uint32_t)all;
}

/*
 * Blocks 218-228: the indirect copy of the units that overwrite their own
 * source, ranks [rank, staged_end): read in the old layout, written to the
 * slot, flushed and recorded with their CRC, then written in the new one.
 * A unit's writes overwrite the source of no later unit (pair_check), so
 * the batch's writes touch only its own sources and checkpointed units'.
 */
static int staged_copy(struct run *r, uint64_t rank)
{
	uint64_t end = staged_end(r, rank), unit, len;
	uint32_t crcs[SLOT_MAX_UNITS] = { 0 };
	int e;

	staged_extent(&r->a->m.p, rank, end, &unit, &len);
	e = read_units(r, rank, end);
	if (!e)
		e = slot_io(r->a, r->buf, len, 1);
	if (!e)
		r->bytes_staged += len;
	/* ck_stage flushes the slot before the metadata that points to it */
	if (!e)
		e = ck_stage(r, unit, len, io_dry ? 0 : staged_crcs(&r->a->m.p, r->buf, len, crcs),
			     crcs, end - rank);
	if (!e)
		e = finish_staged(r, rank, end);
	return e;
}

/* Is every member that holds a share of the staging slot present? */
static int slot_whole(const struct array *a)
{
	const struct pair *p = &a->m.p;
	uint64_t per = pair_slot_bytes(p);

	for (uint32_t i = 0; i < p->to.members && i * per < a->m.stage_len; i++)
		if (dev_missing(&a->dev[i]))
			return 0;
	return 1;
}

/*
 * The bytes of the units recorded in the staging slot, into buf, unit by
 * unit: from the slot if they match the CRC that was flushed with the
 * metadata after the bytes; else from the unit's old-layout read copies if
 * they match it (a crash before the unit's writes reached its source, or a
 * unit whose writes never touch it); else from its new place if that does
 * (a crash after its writes, before "slot empty"). A member missing (cat
 * of a degraded array) skips the slot, which has no redundancy; the
 * layouts rebuild what they can. Writes nothing. Returns 0, or -EBADMSG
 * after a message when no copy of a unit is intact.
 */
static int load_staged(struct array *a, uint8_t *buf)
{
	const struct meta *m = &a->m;
	uint64_t ub = pair_unit_bytes(&m->p), units = (m->stage_len + ub - 1) / ub;
	const struct geom *g[2] = { &m->p.from, &m->p.to };
	int whole = slot_whole(a), e = whole ? slot_io(a, buf, m->stage_len, 0) : 0;

	if (e)
		return e;
	if (whole && crc_of(buf, m->stage_len) == m->stage_crc)
		return 0;
	for (uint64_t i = 0, unit = m->stage_unit; i < units; i++, unit++) {
		uint64_t n = m->stage_len - i * ub < ub ? m->stage_len - i * ub : ub;
		uint32_t want = units == 1 ? m->stage_crc : m->unit_crc[i];
		uint8_t *at = buf + i * ub;
		int k;

		if (whole && crc_of(at, n) == want)
			continue;
		for (k = 0; k < 2; k++) {
			e = geo_read(a, g[k], at, unit * ub, n);
			if (e && e != -ENODEV)
				return e;
			if (!e && crc_of(at, n) == want)
				break;
		}
		if (k == 2) {
			log_err("the staging slot holds unit %llu, but neither %s nor the unit's old or new place matches the CRC in the metadata: refusing to restore it",
				(unsigned long long)unit, whole ? "the slot" : "the slot (a member holding part of it is missing)");
			return -EBADMSG;
		}
		if (whole)
			log_err("the staging slot of unit %llu is damaged; its %s copy is intact and is used instead",
				(unsigned long long)unit, k ? "new" : "old");
	}
	return 0;
}

/*
 * Resume, before anything is written: the moved tail (struct geom) must
 * match the crc recorded when it moved. Without a journal nothing writes
 * it until the migration is complete (the new layout never writes where it
 * lives: pair_check); host writes change it by design, so with a journal
 * it is not checked. Returns 0, or -EBADMSG after a message.
 */
int moved_check(struct run *r)
{
	const struct meta *m = &r->a->m;
	const struct geom *g = &m->p.from;
	uint8_t *buf;
	int e;

	if (!g->moved_len || (m->journal_flags & JOURNAL_GIVEN))
		return 0;
	buf = io_alloc(g->moved_len * g->members);
	e = buf ? dev_read(&r->a->dev[g->moved_member], buf, g->moved_len * g->members, g->moved_to) : -ENOMEM;
	if (e)
		log_err("%s: cannot read the old layout's moved bytes: %s", r->a->dev[g->moved_member].path,
			strerror(-e));
	else if (crc_of(buf, g->moved_len * g->members) != m->moved_crc)
		log_err("%s: the old layout's last %llu bytes, moved to byte %llu there, do not match their crc32: refusing to go on with them",
			r->a->dev[g->moved_member].path, (unsigned long long)(g->moved_len * g->members),
			(unsigned long long)g->moved_to), e = -EBADMSG;
	free(buf);
	return e;
}

/*
 * Resume of a unit recorded in the staging slot: load_staged into the copy
 * buffer, before anything is written, so resume can refuse first.
 */
int staged_load(struct run *r)
{
	return load_staged(r->a, r->buf);
}

/* Blocks 224-228 for the units staged_load put in the copy buffer. */
int restore_staged(struct run *r)
{
	const struct pair *p = &r->a->m.p;
	uint64_t ub = pair_unit_bytes(p), k = (r->a->m.stage_len + ub - 1) / ub;

	memset(r->buf + r->a->m.stage_len, 0, k * ub - r->a->m.stage_len);
	r->done = r->a->m.progress;	/* the batch's first rank (meta.c checks) */
	return finish_staged(r, r->done, r->done + k);
}

/*
 * Block 240 for units [from, to): one read in the old layout (or the read
 * ahead that already holds it), one gathered write per member; while the
 * writes go, units [to, ahead) are read ahead.
 */
static int direct_copy(struct run *r, struct readahead *ra, uint64_t from, uint64_t to,
		       uint64_t ahead)
{
	const struct pair *p = &r->a->m.p;
	uint64_t ub = pair_unit_bytes(p);
	int64_t have = ra_take(ra, from);
	int e = have < 0 ? (int)have : 0;

	if (!e && (uint64_t)have < to) {	/* what the read ahead did not cover */
		uint64_t got = ((uint64_t)have - from) * ub, rest = (to - (uint64_t)have) * ub;

		if (p->descending) {	/* the buffer is in volume order: the rest goes first */
			memmove(r->buf + rest, r->buf, got);
			e = read_units_into(r, r->buf, (uint64_t)have, to);
		} else {
			e = read_units_into(r, r->buf + got, (uint64_t)have, to);
		}
	}
	if (!e)
		ra_start(ra, to, ahead);
	if (!e)
		e = write_units(r, from, to);
	if (e)
		return e;
	for (uint32_t i = 0; i < r->a->n; i++)
		dev_writeback(&r->a->dev[i]);
	r->units_copied += to - from;
	r->since += to - from;
	r->done = to;
	return 0;
}

/*
 * Apply one host write ([0033]-[0035]). Units already copied are written
 * in the new layout, after a checkpoint if any of them is not checkpointed
 * yet (test 242); units not yet copied are written in the old layout. Both
 * keep their parity and copies consistent.
 */
static int apply_record(struct run *r, const struct jrec *rec)
{
	const struct pair *p = &r->a->m.p;
	uint64_t ub = pair_unit_bytes(p);
	uint64_t lo = pair_rank_of(p, rec->offset / ub), hi = pair_rank_of(p, (rec->offset + rec->length - 1) / ub);
	int e = 0;

	if (ck_host_write_due(r->a->m.progress, r->done, lo < hi ? lo : hi, lo < hi ? hi : lo)) {
		e = ck_commit(r, CK_HOST_WRITE);
		if (e)
			return e;
	}
	for (uint64_t pos = 0; pos < rec->length && !e; ) {
		uint64_t voff = rec->offset + pos, n = rec->length - pos, run;
		int moved = pair_migrated(p, r->done, voff, &run);

		if (n > r->buflen)
			n = r->buflen;
		if (n > run)
			n = run;
		e = io_dry ? 0 : journal_data(rec, pos, r->buf, n);
		if (e) {
			log_err("%s:%u: reading the write's data: %s", r->j->path, rec->line, strerror(-e));
			return e;
		}
		e = geo_write(r->a, moved ? &p->to : &p->from, r->buf, voff, n);
		pos += n;
	}
	return e;
}

/* The host writes that have arrived once `upto` units are migrated. */
static int apply_records(struct run *r, uint64_t upto)
{
	while (r->j && r->next_rec < r->j->count && r->j->rec[r->next_rec].at <= upto) {
		int e = apply_record(r, &r->j->rec[r->next_rec]);

		if (e)
			return e;
		r->next_rec++;
	}
	return 0;
}

/* The ranks of the units a host write touches: [*lo, *hi]. */
static void record_ranks(const struct pair *p, const struct jrec *rec, uint64_t *lo, uint64_t *hi)
{
	uint64_t ub = pair_unit_bytes(p);
	uint64_t a = pair_rank_of(p, rec->offset / ub), b = pair_rank_of(p, (rec->offset + rec->length - 1) / ub);

	*lo = a < b ? a : b;
	*hi = a < b ? b : a;
}

/* How many pending host writes the limits below look at, at most. */
#define RECORD_SCAN 256

/*
 * How far a batch from `from` may run, up to `to`, past the arrival of host
 * writes. A write arriving inside the batch is applied after it; where it
 * lands then is where it would have landed, and the data the same (a unit
 * it reaches that the batch copied after its arrival gets it in the new
 * layout instead of carrying it over from the old). Only a write reaching
 * into what the batch copies after its arrival would cost a test-242
 * checkpoint it would not have cost on time: the batch stops at its
 * arrival. So host writes do not cut the copy into small pieces.
 */
static uint64_t arrival_limit(const struct run *r, uint64_t from, uint64_t to)
{
	const struct pair *p = &r->a->m.p;

	for (size_t i = r->next_rec; r->j && i < r->j->count; i++) {
		const struct jrec *rec = &r->j->rec[i];
		uint64_t lo, hi;

		if (rec->at >= to)
			break;
		if (rec->at <= from)
			continue;
		record_ranks(p, rec, &lo, &hi);
		if ((hi >= rec->at && lo < to) || i - r->next_rec >= RECORD_SCAN)
			return rec->at;
	}
	return to;
}

/*
 * Units [from, to) read ahead now are copied after the host writes that
 * have arrived by `from` are applied: the read stops short of the first
 * unit they touch.
 */
static uint64_t untouched_limit(const struct run *r, uint64_t from, uint64_t to)
{
	const struct pair *p = &r->a->m.p;

	for (size_t i = r->next_rec; r->j && i < r->j->count && r->j->rec[i].at <= from; i++) {
		uint64_t lo, hi;

		if (i - r->next_rec >= RECORD_SCAN)
			return from;
		record_ranks(p, &r->j->rec[i], &lo, &hi);
		if (hi >= from && lo < to)
			to = lo > from ? lo : from;
	}
	return to;
}

/*
 * What the batch after the one ending at `end` will be, as the loop will
 * see it unless a time-limit checkpoint comes in between (which can only
 * make it longer): what the read ahead reads. Never past the next host
 * write's arrival, which may change the units after it.
 */
static uint64_t next_batch_end(const struct run *r, uint64_t end, uint64_t buf_units)
{
	const struct pair *p = &r->a->m.p;
	uint64_t units = pair_units(p), ckpt = r->a->m.progress, limit;
	uint64_t since = r->since + (end - r->done);
	int self;

	if (end >= units || (pair_clobbers(p, end, &self), self))
		return end;
	/* the unit limit's checkpoint after this batch, or else test 244's before the next */
	if (r->pol.every_unit || (r->pol.units && since >= r->pol.units) ||
	    ck_next_dest_due(p, ckpt, end, end)) {
		ckpt = end;
		since = 0;
	}
	limit = end + buf_units < units ? end + buf_units : units;
	limit = untouched_limit(r, end, arrival_limit(r, end, limit));
	return ck_batch_end(p, &r->pol, ckpt, end, since, limit);
}

/*
 * Migrate from r->done (== m.progress) to the end, then the final
 * checkpoint. Returns 0, -EINTR when stopped by a signal at a safe point,
 * or -errno after an I/O error was reported.
 */
int migrate(struct run *r)
{
	const struct pair *p = &r->a->m.p;
	uint64_t units = pair_units(p), ub = pair_unit_bytes(p);
	/* plan (io_dry) transfers nothing: its batches need no buffer */
	uint64_t buf_units = io_dry ? UINT64_MAX - units : r->buflen / ub;
	struct readahead ra;
	int e = 0;

	ra_init(&ra, r, io_dry ? NULL : r->buf2);
	r->last_time = now_seconds();
	while (r->done < units && !e) {
		uint64_t end, limit;
		int self;

		if (*r->stop) {
			e = -EINTR;
			break;
		}
		e = apply_records(r, r->done);
		if (e)
			break;
		pair_clobbers(p, r->done, &self);
		if (self) {
			e = staged_copy(r, r->done);
			if (r->progress)
				r->progress(r, 0);
			continue;
		}
		if (ck_next_dest_due(p, r->a->m.progress, r->done, r->done)) {
			e = ck_commit(r, CK_NEXT_DEST);
			if (e)
				break;
		}
		limit = r->done + buf_units < units ? r->done + buf_units : units;
		limit = arrival_limit(r, r->done, limit);
		end = ck_batch_end(p, &r->pol, r->a->m.progress, r->done, r->since, limit);
		e = direct_copy(r, &ra, r->done, end, io_dry ? end : next_batch_end(r, end, buf_units));
		if (!e && ck_interval_due(&r->pol, r->since, now_seconds() - r->last_time))
			e = ck_commit(r, CK_INTERVAL);
		if (r->progress)
			r->progress(r, 0);
	}
	ra_cancel(&ra);
	r->buf2 = ra.buf;	/* the buffers may have changed places: run_free frees both */
	if (e)
		return e == -EBADMSG || e == -EINTR ? e : io_fail(e, "migration");
	e = apply_records(r, UINT64_MAX);
	if (!e)
		e = ck_commit(r, CK_FINAL);
	if (!e && r->progress)
		r->progress(r, 1);
	return e ? io_fail(e, "final checkpoint") : 0;
}

/* Bytes `raidmig cat` shows: the whole capacity once complete, else the
 * data being migrated (the volume the host sees during the migration). */
uint64_t volume_size(const struct array *a)
{
	return a->m.state == META_COMPLETE ? geom_capacity(&a->m.p.to) : a->m.p.data_size;
}

/*
 * Read volume bytes as they are now: checkpointed units in the new layout,
 * a staged unit from the slot, the rest of the data in the old layout.
 */
int volume_read(struct array *a, uint8_t *buf, uint64_t off, size_t len)
{
	const struct meta *m = &a->m;
	uint64_t ub = pair_unit_bytes(&m->p);
	uint64_t done = m->progress;
	uint64_t s0 = m->stage_unit * ub, s1 = s0 + m->stage_len;

	while (len) {
		uint64_t n = len, run = UINT64_MAX;
		int e, moved = m->state == META_COMPLETE || pair_migrated(&m->p, done, off, &run);

		if (n > run)
			n = run;
		if (m->stage_len && off < s0 && off + n > s0)
			n = s0 - off;
		if (m->stage_len && off >= s0 && off < s1) {
			uint8_t *tmp = io_alloc(m->stage_len);

			if (!tmp)
				return -ENOMEM;
			if (n > s1 - off)
				n = s1 - off;
			e = load_staged(a, tmp);
			if (!e)
				memcpy(buf, tmp + (off - s0), n);
			free(tmp);
		} else {
			e = geo_read(a, moved ? &m->p.to : &m->p.from, buf, off, n);
		}
		if (e)
			return e;
		buf += n;
		off += n;
		len -= n;
	}
	return 0;
}
