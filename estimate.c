/*
 * estimate.c: how long a conversion takes on a model of a disk, from the
 * counts plan's dry run makes (every device's bytes, the checkpoints the
 * patent's tests call for) and the policy. A model, not a measurement:
 *   - the members are read and written at once (a thread a member), so
 *     the copy takes as long as the busiest device's bytes, read and
 *     written, at the disk's rate; member 0 seeks twice a batch of 16 MiB
 *     (from reading the source to writing its rows and back);
 *   - a commit flushes every member at once (one flush), then writes the
 *     metadata durably on every member at once: a seek to the end of the
 *     disk and back, and a flush's worth of waiting for the write;
 *   - the time limit's checkpoints: one per interval of copying, the
 *     interval the adaptive policy would pick for that commit cost (at most
 *     10 s), or the fixed --checkpoint-seconds.
 */
#include <string.h>

#include "checkpoint.h"
#include "estimate.h"

static const struct disk_model models[] = {
	{ "hdd", 160, 10, 8 },		/* a 7200 rpm disk's outer tracks */
	{ "ssd", 500, 1, 0.05 },	/* SATA */
	{ "nvme", 2000, 0.2, 0.01 },
};

/* The named model. Returns 0, or -1 for an unknown name. */
int estimate_model(const char *name, struct disk_model *m)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		if (!strcmp(name, models[i].name)) {
			*m = models[i];
			return 0;
		}
	}
	return -1;
}

void estimate(const struct run *r, const struct policy *pol, const struct disk_model *m,
	      struct estimate *e)
{
	const struct array *a = r->a;
	double bytes = 0, interval = 0;
	uint64_t counted = 0, batches = (a->dev[0].nread + (16u << 20) - 1) / (16u << 20);

	for (uint32_t i = 0; i < a->n; i++)	/* the busiest device sets the pace */
		if ((double)(a->dev[i].nread + a->dev[i].nwritten) > bytes)
			bytes = (double)(a->dev[i].nread + a->dev[i].nwritten);
	e->copy_s = bytes / (m->mbs * 1e6) + (double)batches * 2 * m->seek_ms / 1e3;
	e->commit_cost_s = (2 * m->flush_ms + 2 * m->seek_ms) / 1e3;
	for (int i = 0; i < CK_NREASONS; i++)
		counted += r->ckpt[i];
	if (pol->adaptive)
		interval = ck_adapt_interval(e->commit_cost_s);
	else if (pol->seconds > 0 && !pol->every_unit)
		interval = pol->seconds;
	e->commits = counted + (interval > 0 ? (uint64_t)(e->copy_s / interval) : 0);
	e->commit_s = (double)e->commits * e->commit_cost_s;
	e->total_s = e->copy_s + e->commit_s;
}
