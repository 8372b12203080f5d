/*
 * checkpoint.c: when a progress checkpoint is due (the patent's tests 242,
 * 244 and 246; test 216 is geom_overlaps) and the commit sequence that
 * writes one. The decisions are pure functions of the geometry and the
 * counters, so test/unit.c can drive them without a disk.
 *
 * The commit sequence, the heart of crash safety:
 *   1. flush every member: the data a checkpoint covers is durable first;
 *   2. write the next generation to copy (generation % 2) of every member,
 *      never over the copy holding the last good generation;
 *   3. flush every member: the checkpoint is durable before any source
 *      byte it releases is overwritten.
 */
#include <errno.h>
#include <string.h>

#include "checkpoint.h"
#include "util.h"

const char *const ck_reason_name[CK_NREASONS] = {
	"staging", "next_destination", "host_write", "interval", "final",
};

/*
 * Test 244: would writing the destination of unit `next` overwrite the
 * source of a unit that is copied but not checkpointed, [ckpt, done)?
 */
int ck_next_dest_due(const struct geom *g, uint64_t ckpt, uint64_t done, uint64_t next)
{
	uint64_t lo, hi;

	geom_clobbers(g, next, &lo, &hi);
	return lo < done && hi >= ckpt && ckpt < done;
}

/* Test 242: does a host write to units [lo, hi] touch [ckpt, done)? */
int ck_host_write_due(uint64_t ckpt, uint64_t done, uint64_t lo, uint64_t hi)
{
	return lo < done && hi >= ckpt && ckpt < done;
}

/* Test 246: the unit count or the time since the last checkpoint. */
int ck_interval_due(const struct policy *p, uint64_t since, double elapsed)
{
	if (since == 0)
		return 0;
	if (p->every_unit)
		return 1;
	return (p->units && since >= p->units) ||
	       (p->seconds > 0 && elapsed >= p->seconds);
}

/*
 * How far a run of direct copies starting at unit `done` may go before a
 * test must be looked at again: no unit in [done, end) overwrites source
 * that is not checkpointed (244 holds unit by unit), the unit limit of 246
 * is not passed, and the caller's limit (next journal record, buffer, end
 * of data) is kept. Returns end > done, or done when a checkpoint is due
 * first.
 */
uint64_t ck_batch_end(const struct geom *g, const struct policy *p, uint64_t ckpt,
		      uint64_t done, uint64_t since, uint64_t limit)
{
	uint64_t end = limit, first = geom_first_clobbering(g, ckpt);

	if (first < end)
		end = first;
	if (p->every_unit && done + 1 < end)
		end = done + 1;
	if (p->units && since < p->units && done + (p->units - since) < end)
		end = done + (p->units - since);
	return end > done ? end : done;
}

int ck_flush_all(struct run *r)
{
	for (uint32_t i = 0; i < r->a->n; i++) {
		int e = dev_flush(&r->a->dev[i]);

		if (e) {
			log_err("%s: flush failed: %s", r->a->dev[i].path, strerror(-e));
			return e;
		}
	}
	return 0;
}

/* Write the current generation of r->a->m to its copy on member i. */
int ck_write_meta_member(struct run *r, uint32_t i)
{
	struct meta m = r->a->m;
	struct dev *d = &r->a->dev[i];
	int e;

	m.member_index = i;
	if (!io_dry)
		meta_encode(&m, r->mbuf);
	e = dev_write(d, r->mbuf, META_BLOCK,
		      meta_copy_offset(d->size, (int)(m.generation % META_COPIES)));
	if (e) {
		log_err("%s: metadata write failed: %s", d->path, strerror(-e));
		return e;
	}
	r->meta_writes++;
	return 0;
}

/* Write the current generation of r->a->m to its copy on every member. */
int ck_write_meta(struct run *r)
{
	for (uint32_t i = 0; i < r->a->n; i++) {
		int e = ck_write_meta_member(r, i);

		if (e)
			return e;
	}
	return 0;
}

/* The three steps above, with the staging descriptor given. */
static int commit(struct run *r, enum ck_reason why, uint64_t stage_unit,
		  uint64_t stage_len, uint32_t stage_crc)
{
	struct meta *m = &r->a->m;
	int e;

	/* metadata commit point: data first */
	e = ck_flush_all(r);
	if (e)
		return e;
	m->generation++;
	m->progress = r->done;
	m->journal_done = r->next_rec;
	m->stage_unit = stage_len ? stage_unit : 0;
	m->stage_len = stage_len;
	m->stage_crc = stage_len ? stage_crc : 0;
	if (why == CK_FINAL)
		m->state = META_COMPLETE;
	e = ck_write_meta(r);
	if (!e)
		e = ck_flush_all(r);
	if (e)
		return e;
	r->since = 0;
	r->last_time = now_seconds();
	return 0;
}

/* A progress checkpoint for `why`: [0, done) is migrated, the slot empty. */
int ck_commit(struct run *r, enum ck_reason why)
{
	int e = commit(r, why, 0, 0, 0);

	if (!e && why != CK_STAGING)
		r->ckpt[why]++;
	return e;
}

/* Block 222: "unit is in staging", with the staged bytes' CRC. */
int ck_stage(struct run *r, uint64_t unit, uint64_t len, uint32_t crc)
{
	int e = commit(r, CK_STAGING, unit, len, crc);

	if (!e)
		r->ckpt[CK_STAGING]++;
	return e;
}
