/*
 * copy.c: the migration loop of FIG. 3A/3B over a pair of geometries.
 * Units are migrated in ascending order. A unit whose writes overwrite its
 * own source goes through the staging slot (blocks 218-228); every other
 * unit is copied directly (240), many units per read and write when the
 * checkpoint tests allow, and a progress checkpoint is written only when a
 * test fires. A unit is read in the old layout and written whole in the
 * new one, its parity computed in memory: no read-modify-write.
 * Host writes from the journal are applied between units, routed by where
 * their data lives at that moment ([0033]-[0035]).
 *
 * Invariant: every unit >= m.progress can be read in the old layout from
 * its read copy, except a unit recorded in the staging slot, whose bytes
 * the slot holds (host writes change those bytes by design, in place).
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
 * Read units [from, to) in the old layout into buf, zeros past the data, so
 * that the last unit's stripes are whole.
 */
int read_units_into(struct run *r, uint8_t *buf, uint64_t from, uint64_t to)
{
	const struct pair *p = &r->a->m.p;
	uint64_t ub = pair_unit_bytes(p), off = from * ub, len = (to - from) * ub;
	uint64_t have = p->data_size - off < len ? p->data_size - off : len;

	if (!io_dry)
		memset(buf + have, 0, len - have);
	return geo_read(r->a, &p->from, buf, off, have);
}

static int read_units(struct run *r, uint64_t from, uint64_t to)
{
	return read_units_into(r, r->buf, from, to);
}

/* Write units [from, to), held in the copy buffer, in the new layout. */
static int write_units(struct run *r, uint64_t from, uint64_t to)
{
	const struct pair *p = &r->a->m.p;
	uint64_t per = pair_unit_bytes(p) / geom_stripe_bytes(&p->to);

	return geo_write_stripes(r->a, &p->to, p, r->buf, from * per, to * per, r->pbuf);
}

/* Blocks 224-228: staged bytes to their destination, then "slot empty". */
static int finish_staged(struct run *r, uint64_t unit)
{
	int e = write_units(r, unit, unit + 1);

	if (e)
		return e;
	r->done = unit + 1;
	r->units_copied++;
	return ck_commit(r, CK_STAGING);
}

/* Blocks 218-228: the indirect copy of a unit that overwrites its own source. */
static int staged_copy(struct run *r, uint64_t unit)
{
	uint64_t off, len;
	int e;

	pair_unit_extent(&r->a->m.p, unit, &off, &len);
	e = read_units(r, unit, unit + 1);
	if (!e)
		e = slot_io(r->a, r->buf, len, 1);
	r->bytes_staged += len;
	/* ck_stage flushes the slot before the metadata that points to it */
	if (!e)
		e = ck_stage(r, unit, len, io_dry ? 0 : crc_of(r->buf, len));
	if (!e)
		e = finish_staged(r, unit);
	return e;
}

/*
 * The bytes of the unit recorded in the staging slot, into buf: from the
 * slot if it matches the CRC that was flushed with the metadata after the
 * bytes; else from the unit's old-layout read copies if they match it (a
 * crash before the unit's writes reached its source, or a unit whose
 * writes never touch it). Writes nothing. Returns 0, or -EBADMSG after a
 * message when no copy is intact.
 */
static int load_staged(struct array *a, uint8_t *buf)
{
	const struct meta *m = &a->m;
	uint64_t off = m->stage_unit * pair_unit_bytes(&m->p);
	int e = slot_io(a, buf, m->stage_len, 0);

	if (e)
		return e;
	if (crc_of(buf, m->stage_len) == m->stage_crc)
		return 0;
	e = geo_read(a, &m->p.from, buf, off, m->stage_len);
	if (e)
		return e;
	if (crc_of(buf, m->stage_len) == m->stage_crc) {
		log_err("the staging slot of unit %llu is damaged; its source is intact and is used instead",
			(unsigned long long)m->stage_unit);
		return 0;
	}
	log_err("the staging slot holds unit %llu, but neither the slot nor the unit's source matches the CRC in the metadata: refusing to restore it",
		(unsigned long long)m->stage_unit);
	return -EBADMSG;
}

/*
 * Resume of a unit recorded in the staging slot: load_staged into the copy
 * buffer, before anything is written, so resume can refuse first.
 */
int staged_load(struct run *r)
{
	return load_staged(r->a, r->buf);
}

/* Blocks 224-228 for the unit staged_load put in the copy buffer. */
int restore_staged(struct run *r)
{
	uint64_t unit = r->a->m.stage_unit, off, len, ub = pair_unit_bytes(&r->a->m.p);

	pair_unit_extent(&r->a->m.p, unit, &off, &len);
	memset(r->buf + len, 0, ub - len);
	r->done = unit;
	return finish_staged(r, unit);
}

/*
 * Block 240 for units [from, to): one read in the old layout (or the read
 * ahead that already holds it), one gathered write per member; while the
 * writes go, units [to, ahead) are read ahead.
 */
static int direct_copy(struct run *r, struct readahead *ra, uint64_t from, uint64_t to,
		       uint64_t ahead)
{
	uint64_t ub = pair_unit_bytes(&r->a->m.p);
	int64_t have = ra_take(ra, from);
	int e = have < 0 ? (int)have : 0;

	if (!e && (uint64_t)have < to)	/* what the read ahead did not cover */
		e = read_units_into(r, r->buf + ((uint64_t)have - from) * ub, (uint64_t)have, to);
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
	uint64_t lo = rec->offset / ub, hi = (rec->offset + rec->length - 1) / ub;
	uint64_t split = r->done * ub;
	int e = 0;

	if (ck_host_write_due(r->a->m.progress, r->done, lo, hi)) {
		e = ck_commit(r, CK_HOST_WRITE);
		if (e)
			return e;
	}
	for (uint64_t pos = 0; pos < rec->length && !e; ) {
		uint64_t voff = rec->offset + pos, n = rec->length - pos;

		if (n > r->buflen)
			n = r->buflen;
		if (voff < split && voff + n > split)
			n = split - voff;
		e = io_dry ? 0 : journal_data(rec, pos, r->buf, n);
		if (e) {
			log_err("%s:%u: reading the write's data: %s", r->j->path, rec->line, strerror(-e));
			return e;
		}
		e = geo_write(r->a, voff < split ? &p->to : &p->from, r->buf, voff, n);
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

/* The unit after which the next host write arrives, or `units`. */
static uint64_t next_arrival(const struct run *r, uint64_t units)
{
	if (r->j && r->next_rec < r->j->count && r->j->rec[r->next_rec].at < units)
		return r->j->rec[r->next_rec].at;
	return units;
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
	limit = next_arrival(r, units);
	if (limit <= end)
		return end;
	if (limit > units)
		limit = units;
	if (limit > end + buf_units)
		limit = end + buf_units;
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
			ra_cancel(&ra);
			return -EINTR;
		}
		e = apply_records(r, r->done);
		if (e)
			break;
		pair_clobbers(p, r->done, &self);
		if (self) {
			e = staged_copy(r, r->done);
			continue;
		}
		if (ck_next_dest_due(p, r->a->m.progress, r->done, r->done)) {
			e = ck_commit(r, CK_NEXT_DEST);
			if (e)
				break;
		}
		limit = next_arrival(r, units);
		if (limit <= r->done || limit > units)
			limit = units;
		if (limit > r->done + buf_units)
			limit = r->done + buf_units;
		end = ck_batch_end(p, &r->pol, r->a->m.progress, r->done, r->since, limit);
		e = direct_copy(r, &ra, r->done, end, next_batch_end(r, end, buf_units));
		if (!e && ck_interval_due(&r->pol, r->since, now_seconds() - r->last_time))
			e = ck_commit(r, CK_INTERVAL);
		if (r->progress)
			r->progress(r, 0);
	}
	ra_cancel(&ra);
	r->buf2 = ra.buf;	/* the buffers may have changed places */
	if (e)
		return e == -EBADMSG ? e : io_fail(e, "migration");
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
	uint64_t split = m->state == META_COMPLETE ? UINT64_MAX : m->progress * ub;
	uint64_t s0 = m->stage_unit * ub, s1 = s0 + m->stage_len;

	while (len) {
		uint64_t n = len;
		int e;

		if (off < split && off + n > split)
			n = split - off;
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
			e = geo_read(a, off < split ? &m->p.to : &m->p.from, buf, off, n);
		}
		if (e)
			return e;
		buf += n;
		off += n;
		len -= n;
	}
	return 0;
}
