/*
 * checkpoint.c: when a progress checkpoint is due (the patent's tests 242,
 * 244 and 246; test 216 is pair_clobbers' "self") and the commit sequence
 * that writes one. The decisions are pure functions of the pair of
 * geometries and the counters, so test/unit.c can drive them without a disk.
 *
 * The commit sequence, the heart of crash safety:
 *   1. flush every member (all at once: they are different disks): the
 *      data a checkpoint covers is durable first;
 *   2. write the next generation to copy (generation % 2) of every member,
 *      never over the copy holding the last good generation, each as a
 *      write that is durable when it returns (RWF_DSYNC: a FUA write on
 *      most disks; a write and a flush where that is not supported), so
 *      the checkpoint is durable before any source byte it releases is
 *      overwritten, without flushing every member a second time.
 */
#include <errno.h>
#include <string.h>

#include "checkpoint.h"
#include "io.h"
#include "mdarray.h"
#include "util.h"

const char *const ck_reason_name[CK_NREASONS] = {
	"staging", "next_destination", "host_write", "interval", "final",
};

/*
 * Test 244: would writing the destination of unit `next` overwrite the
 * source of a unit that is copied but not checkpointed, [ckpt, done)?
 * (pair_clobbers never names a unit after `next`: pair_check.)
 */
int ck_next_dest_due(const struct pair *p, uint64_t ckpt, uint64_t done, uint64_t next)
{
	int self;

	return ckpt < done && pair_clobbers(p, next, &self) >= (int64_t)ckpt;
}

/* Test 242: does a host write to units [lo, hi] touch [ckpt, done)? */
int ck_host_write_due(uint64_t ckpt, uint64_t done, uint64_t lo, uint64_t hi)
{
	return lo < done && hi >= ckpt && ckpt < done;
}

/*
 * The adaptive policy (the default): interval checkpoints are spaced so
 * that committing takes about ADAPT_SHARE of the run, from what a commit
 * has cost so far (two flushes of every member and a metadata write on a
 * hard disk: tens of ms; on an SSD or here, under 1 ms), and never more
 * than ADAPT_MAX_SECONDS apart: a crash recopies at most about that long.
 */
#define ADAPT_SHARE		0.01
#define ADAPT_MAX_SECONDS	10.0
#define ADAPT_FIRST_SECONDS	1.0	/* before any commit was measured */

void ck_adapt_init(struct policy *pol)
{
	if (pol->adaptive)
		pol->seconds = ADAPT_FIRST_SECONDS;
}

/* The interval the adaptive policy keeps for commits of this cost. */
double ck_adapt_interval(double commit_cost)
{
	double t = commit_cost / ADAPT_SHARE;

	return t < ADAPT_MAX_SECONDS ? t : ADAPT_MAX_SECONDS;
}

/* Fold one commit's cost into the average and space the next interval by it. */
void ck_adapt(struct run *r, double cost)
{
	r->commit_cost = r->commit_cost ? 0.7 * r->commit_cost + 0.3 * cost : cost;
	if (r->pol.adaptive)
		r->pol.seconds = ck_adapt_interval(r->commit_cost);
}

/* Test 246: the unit count or the time since the last checkpoint. */
int ck_interval_due(const struct policy *pol, uint64_t since, double elapsed)
{
	if (since == 0)
		return 0;
	if (pol->every_unit)
		return 1;
	return (pol->units && since >= pol->units) ||
	       (pol->seconds > 0 && elapsed >= pol->seconds);
}

/*
 * How far a run of direct copies starting at unit `done` may go before a
 * test must be looked at again: no unit in [done, end) overwrites its own
 * source (216) or source that is not checkpointed (244 holds unit by unit:
 * the units of the run itself are not checkpointed either), the unit limit
 * of 246 is not passed, and the caller's limit (next journal record,
 * buffer, end of data) is kept. Returns end > done, or done when the unit
 * at `done` needs staging or a checkpoint first.
 */
uint64_t ck_batch_end(const struct pair *p, const struct policy *pol, uint64_t ckpt,
		      uint64_t done, uint64_t since, uint64_t limit)
{
	uint64_t end = limit;

	if (pol->every_unit && done + 1 < end)
		end = done + 1;
	if (pol->units && since < pol->units && pol->units - since < end - done)
		end = done + (pol->units - since);	/* no sum that can wrap: units may be 2^64 - 1 */
	/* plan of a plain source searches (pair_first_stop; test/unit.c checks it agrees) */
	return end > done ? pair_first_stop(p, ckpt, done, end, io_dry && p->from.level == LEVEL_PLAIN) : done;
}

/* Flush every member, all at once. */
int ck_flush_all(struct run *r)
{
	int failed, e = dev_flush_all(r->a->dev, r->a->n, &failed);

	if (e)
		log_err("%s: flush failed: %s", r->a->dev[failed].path, strerror(-e));
	return e;
}

/*
 * Write the current generation of r->a->m to its copy on member i; with
 * `durable`, as a write that is durable by itself (dev_write_durable).
 */
int ck_write_meta_member(struct run *r, uint32_t i, int durable)
{
	struct meta m = r->a->m;
	struct dev *d = &r->a->dev[i];
	uint64_t at = meta_copy_offset(d->size, (int)(m.generation % META_COPIES));
	int e;

	m.member_index = i;
	if (!io_dry)
		meta_encode(&m, r->mbuf);
	e = durable ? dev_write_durable(d, r->mbuf, META_BLOCK, at) : dev_write(d, r->mbuf, META_BLOCK, at);
	if (e) {
		log_err("%s: metadata write failed: %s", d->path, strerror(-e));
		return e;
	}
	r->meta_writes++;
	return 0;
}

/*
 * Write the current generation of r->a->m to its copy on every member; with
 * `durable`, all at once, each durable by itself.
 */
int ck_write_meta(struct run *r, int durable)
{
	uint8_t *bufs[MAX_MEMBERS];
	uint64_t offs[MAX_MEMBERS];
	int failed, e;

	if (!durable) {
		for (uint32_t i = 0; i < r->a->n; i++) {
			e = ck_write_meta_member(r, i, 0);
			if (e)
				return e;
		}
		return 0;
	}
	for (uint32_t i = 0; i < r->a->n; i++) {
		struct meta m = r->a->m;

		m.member_index = i;
		bufs[i] = r->mbuf + (size_t)i * META_BLOCK;
		offs[i] = meta_copy_offset(r->a->dev[i].size, (int)(m.generation % META_COPIES));
		if (!io_dry)
			meta_encode(&m, bufs[i]);
	}
	e = dev_write_durable_all(r->a->dev, r->a->n, bufs, META_BLOCK, offs, &failed);
	if (e) {
		log_err("%s: metadata write failed: %s", r->a->dev[failed].path, strerror(-e));
		return e;
	}
	r->meta_writes += r->a->n;
	return 0;
}

/*
 * The three steps above, with the staging descriptor given (stage_len 0:
 * the slot empty). The array's metadata in memory changes only once the
 * new generation is durable: a failed commit leaves it describing what is
 * on disk.
 */
static int commit(struct run *r, enum ck_reason why, uint64_t stage_unit,
		  uint64_t stage_len, uint32_t stage_crc, const uint32_t *unit_crc, uint64_t units)
{
	struct meta *m = &r->a->m, before = *m;
	double t = now_seconds();
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
	memset(m->unit_crc, 0, sizeof(m->unit_crc));
	if (stage_len && units > 1)
		memcpy(m->unit_crc, unit_crc, units * sizeof(*unit_crc));
	if (why == CK_FINAL)
		m->state = META_COMPLETE;
	/* each copy durable as it is written: before any source byte it releases is overwritten */
	e = ck_write_meta(r, 1);
	if (e) {
		*m = before;
		return e;
	}
	r->since = 0;
	r->last_time = now_seconds();
	r->commit_seconds += r->last_time - t;
	ck_adapt(r, r->last_time - t);
	return 0;
}

/* A progress checkpoint for `why`: [0, done) is migrated, the slot empty. */
int ck_commit(struct run *r, enum ck_reason why)
{
	int e = commit(r, why, 0, 0, 0, NULL, 0);

	if (!e)
		r->ckpt[why]++;
	return e;
}

/*
 * Block 222: "units are in staging": `units` units from `unit` on, `len`
 * bytes, with their CRC and each unit's (when more than one). A staged
 * batch costs two commits, both counted as "staging": this one, and the
 * "slot empty" that ck_commit writes once the units are in place.
 */
int ck_stage(struct run *r, uint64_t unit, uint64_t len, uint32_t crc, const uint32_t *unit_crc,
	     uint64_t units)
{
	int e = commit(r, CK_STAGING, unit, len, crc, unit_crc, units);

	if (!e)
		r->ckpt[CK_STAGING]++;
	return e;
}

/*
 * Before a resume writes generation g + 1 over the copy holding g - 1, every
 * member must hold g: a crash between members may have left some at g - 1,
 * and overwriting their only good copy would lose it; a creation cut short
 * left some members with no metadata at all. Writes g, and the marked md
 * superblock, on every member, and flushes.
 */
int ck_repair(struct run *r)
{
	int e = ck_write_meta(r, 0);

	for (uint32_t i = 0; i < r->a->n && !e; i++)
		e = md_mark(r->a, i, r->mbuf);
	return e ? e : ck_flush_all(r);
}
