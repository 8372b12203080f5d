/*
 * copy.c: the migration loop of FIG. 3A/3B. Units are migrated in
 * ascending order. A unit whose destination overlaps its own source goes
 * through the staging slot (blocks 218-228); every other unit is copied
 * directly (240), many units per read and write when the checkpoint tests
 * allow, and a progress checkpoint is written only when a test fires.
 * Host writes from the journal are applied between units, routed by where
 * their data lives at that moment ([0033]-[0035]).
 *
 * Invariant: the source bytes of every unit >= m.progress are intact on
 * member 0, except a unit recorded in the staging slot. ck_batch_end and
 * the 244 test keep it; a resume relies on it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "checkpoint.h"
#include "copy.h"
#include "util.h"

#define IOV_BATCH 256

static int dry_new_io(struct array *a, uint64_t off, uint64_t len, int wr);
static int map_new_io(struct array *a, uint8_t *buf, uint64_t off, uint64_t len, int wr);

/* One gathered transfer on one member; an error names the member. */
static int member_io(struct dev *d, struct iovec *iov, int cnt, uint64_t off, int wr)
{
	int e = wr ? dev_writev(d, iov, cnt, off) : dev_readv(d, iov, cnt, off);

	if (e)
		log_err("%s: %s at byte %llu: %s", d->path, wr ? "write" : "read",
			(unsigned long long)off, strerror(-e));
	return e;
}

/*
 * Read or write volume bytes [off, off + len) in the new layout, gathering
 * the chunks of each member into as few calls as the mapping allows.
 */
static int new_io(struct array *a, uint8_t *buf, uint64_t off, uint64_t len, int wr)
{
	if (io_dry)
		return dry_new_io(a, off, len, wr);
	return map_new_io(a, buf, off, len, wr);
}

/*
 * The plan's new_io: the same counts without mapping every chunk, so a
 * 16 TB plan takes well under a second. Bytes are counted in total; a
 * member is marked written (and so flushed) if one of the first n chunks
 * of the range is on it, exactly as the real mapping would write it.
 */
static int dry_new_io(struct array *a, uint64_t off, uint64_t len, int wr)
{
	const struct geom *g = &a->m.g;
	uint64_t c0 = off / g->chunk, c1 = (off + len - 1) / g->chunk;

	for (uint64_t c = c0; c <= c1 && c < c0 + a->n; c++) {
		uint32_t mb;
		uint64_t moff;

		geom_map(g, c * g->chunk, &mb, &moff);
		wr ? dev_write(&a->dev[mb], NULL, 0, moff) : dev_read(&a->dev[mb], NULL, 0, moff);
	}
	if (wr)
		io_stats.bytes_written += len;
	else
		io_stats.bytes_read += len;
	return 0;
}

static int map_new_io(struct array *a, uint8_t *buf, uint64_t off, uint64_t len, int wr)
{
	const struct geom *g = &a->m.g;
	struct iovec iov[MAX_MEMBERS][IOV_BATCH];
	int cnt[MAX_MEMBERS] = { 0 };
	uint64_t start[MAX_MEMBERS] = { 0 }, next[MAX_MEMBERS] = { 0 };
	uint64_t pos = 0;
	int e = 0;

	while (pos < len && !e) {
		uint64_t voff = off + pos, moff, n = g->chunk - voff % g->chunk;
		uint32_t mb;

		if (n > len - pos)
			n = len - pos;
		geom_map(g, voff, &mb, &moff);
		if (cnt[mb] && (next[mb] != moff || cnt[mb] == IOV_BATCH)) {
			e = member_io(&a->dev[mb], iov[mb], cnt[mb], start[mb], wr);
			cnt[mb] = 0;
		}
		if (!cnt[mb])
			start[mb] = moff;
		iov[mb][cnt[mb]].iov_base = buf + pos;
		iov[mb][cnt[mb]++].iov_len = n;
		next[mb] = moff + n;
		pos += n;
	}
	for (uint32_t i = 0; i < a->n && !e; i++) {
		if (cnt[i])
			e = member_io(&a->dev[i], iov[i], cnt[i], start[i], wr);
	}
	return e;
}

/* The failing device was named where it failed; say what follows. */
static int io_fail(int e, const char *what)
{
	log_err("%s stopped: %s; the array is consistent: fix the cause, then run 'raidmig resume'",
		what, strerror(-e));
	return e;
}

/* The old layout is member 0 itself: volume byte X at byte X. */
static int old_io(struct array *a, uint8_t *buf, uint64_t off, uint64_t len, int wr)
{
	int e = wr ? dev_write(&a->dev[0], buf, len, off) : dev_read(&a->dev[0], buf, len, off);

	if (e)
		log_err("%s: %s at byte %llu: %s", a->dev[0].path, wr ? "write" : "read",
			(unsigned long long)off, strerror(-e));
	return e;
}

/* Write a staged unit's bytes to (or read them from) the staging slots. */
static int slot_io(struct array *a, uint8_t *buf, uint64_t len, int wr)
{
	uint64_t per = geom_slot_bytes(&a->m.g);

	for (uint32_t i = 0; i < a->n && i * per < len; i++) {
		struct dev *d = &a->dev[i];
		uint64_t n = len - i * per < per ? len - i * per : per;
		uint64_t at = meta_slot_offset(&a->m, d->size);
		int e = wr ? dev_write(d, buf + i * per, n, at) : dev_read(d, buf + i * per, n, at);

		if (e) {
			log_err("%s: staging slot %s: %s", d->path, wr ? "write" : "read", strerror(-e));
			return e;
		}
	}
	return 0;
}

static uint32_t crc_of(const uint8_t *buf, uint64_t len)
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

/* Blocks 224-228: staged bytes to their destination, then "slot empty". */
static int finish_staged(struct run *r, uint64_t unit, uint64_t off, uint64_t len)
{
	int e = new_io(r->a, r->buf, off, len, 1);

	if (e)
		return e;
	r->done = unit + 1;
	r->units_copied++;
	return ck_commit(r, CK_STAGING);
}

/* Blocks 218-228: the indirect copy of a unit that overlaps its source. */
static int staged_copy(struct run *r, uint64_t unit)
{
	uint64_t off, len;
	int e;

	geom_unit_extent(&r->a->m.g, unit, &off, &len);
	e = old_io(r->a, r->buf, off, len, 0);
	if (!e)
		e = slot_io(r->a, r->buf, len, 1);
	r->bytes_staged += len;
	/* ck_stage flushes the slot before the metadata that points to it */
	if (!e)
		e = ck_stage(r, unit, len, crc_of(r->buf, len));
	if (!e)
		e = finish_staged(r, unit, off, len);
	return e;
}

/*
 * Resume of a unit recorded in the staging slot: its source may be half
 * overwritten, so the slot is the only good copy. staged_load reads it into
 * the copy buffer and checks it against the CRC that was flushed with the
 * metadata after the bytes; a mismatch means the slot is damaged. It writes
 * nothing, so resume can refuse before touching a member.
 */
int staged_load(struct run *r)
{
	const struct meta *m = &r->a->m;
	int e = slot_io(r->a, r->buf, m->stage_len, 0);

	if (e)
		return e;
	if (crc_of(r->buf, m->stage_len) != m->stage_crc) {
		log_err("staging slot holds unit %llu but its CRC does not match the metadata: refusing to restore it",
			(unsigned long long)m->stage_unit);
		return -EBADMSG;
	}
	return 0;
}

/* Blocks 224-228 for the unit staged_load put in the copy buffer. */
int restore_staged(struct run *r)
{
	uint64_t unit = r->a->m.stage_unit, off, len;

	geom_unit_extent(&r->a->m.g, unit, &off, &len);
	r->done = unit;
	return finish_staged(r, unit, off, len);
}

/* Block 240 for units [from, to): one read of the source, one gathered write per member. */
static int direct_copy(struct run *r, uint64_t from, uint64_t to)
{
	uint64_t off, len, last_off, last_len;
	int e;

	geom_unit_extent(&r->a->m.g, from, &off, &len);
	geom_unit_extent(&r->a->m.g, to - 1, &last_off, &last_len);
	len = last_off + last_len - off;
	e = old_io(r->a, r->buf, off, len, 0);
	if (!e)
		e = new_io(r->a, r->buf, off, len, 1);
	if (e)
		return e;
	r->units_copied += to - from;
	r->since += to - from;
	r->done = to;
	return 0;
}

/*
 * Apply one host write ([0033]-[0035]). Units already copied are written
 * in the new layout, after a checkpoint if any of them is not checkpointed
 * yet (test 242); units not yet copied are written in the old layout.
 */
static int apply_record(struct run *r, const struct jrec *rec)
{
	uint64_t ub = geom_unit_bytes(&r->a->m.g);
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
		e = voff < split ? new_io(r->a, r->buf, voff, n, 1) : old_io(r->a, r->buf, voff, n, 1);
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
 * Migrate from r->done (== m.progress) to the end, then the final
 * checkpoint. Returns 0, -EINTR when stopped by a signal at a safe point,
 * or -errno after an I/O error was reported.
 */
int migrate(struct run *r)
{
	const struct geom *g = &r->a->m.g;
	uint64_t units = geom_units(g), ub = geom_unit_bytes(g);
	uint64_t buf_units = r->buflen / ub;
	int e = 0;

	r->last_time = now_seconds();
	while (r->done < units && !e) {
		uint64_t end, limit;

		if (*r->stop)
			return -EINTR;
		e = apply_records(r, r->done);
		if (e)
			break;
		if (geom_overlaps(g, r->done)) {
			e = staged_copy(r, r->done);
			continue;
		}
		if (ck_next_dest_due(g, r->a->m.progress, r->done, r->done)) {
			e = ck_commit(r, CK_NEXT_DEST);
			if (e)
				break;
		}
		limit = next_arrival(r, units);
		if (limit <= r->done || limit > units)
			limit = units;
		if (limit > r->done + buf_units)
			limit = r->done + buf_units;
		end = ck_batch_end(g, &r->pol, r->a->m.progress, r->done, r->since, limit);
		if (end == r->done) {
			e = ck_commit(r, CK_INTERVAL);	/* cannot happen: the tests above fired */
			continue;
		}
		e = direct_copy(r, r->done, end);
		if (!e && ck_interval_due(&r->pol, r->since, now_seconds() - r->last_time))
			e = ck_commit(r, CK_INTERVAL);
		if (r->progress)
			r->progress(r, 0);
	}
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
	return a->m.state == META_COMPLETE ? geom_capacity(&a->m.g) : a->m.g.data_size;
}

/*
 * Read volume bytes as they are now: checkpointed units in the new layout,
 * a staged unit from the slot, the rest of the data in the old layout.
 */
int volume_read(struct array *a, uint8_t *buf, uint64_t off, size_t len)
{
	const struct meta *m = &a->m;
	uint64_t ub = geom_unit_bytes(&m->g);
	uint64_t split = m->state == META_COMPLETE ? UINT64_MAX : m->progress * ub;

	while (len) {
		uint64_t n = len, unit = off / ub;
		int e;

		if (off < split && off + n > split)
			n = split - off;
		if (off >= split && m->stage_len && unit == m->stage_unit) {
			uint8_t *tmp = io_alloc(m->stage_len);
			uint64_t in = off - unit * ub;

			if (!tmp)
				return -ENOMEM;
			if (n > m->stage_len - in)
				n = m->stage_len - in;
			e = slot_io(a, tmp, m->stage_len, 0);
			if (!e)
				memcpy(buf, tmp + in, n);
			free(tmp);
		} else {
			if (off >= split && m->stage_len && off < m->stage_unit * ub &&
			    off + n > m->stage_unit * ub)
				n = m->stage_unit * ub - off;
			e = off < split ? new_io(a, buf, off, n, 0) : old_io(a, buf, off, n, 0);
		}
		if (e)
			return e;
		buf += n;
		off += n;
		len -= n;
	}
	return 0;
}
