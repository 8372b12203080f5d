/* estimate.h: a conversion's time on a model of a disk. See estimate.c. */
#ifndef RAIDMIG_ESTIMATE_H
#define RAIDMIG_ESTIMATE_H

#include "run.h"

struct disk_model {
	const char *name;
	double mbs;		/* MB/s, reading or writing, each disk */
	double flush_ms;	/* a cache flush, or a durable (FUA) write */
	double seek_ms;		/* moving between distant places on a disk */
};

struct estimate {
	double copy_s;		/* moving the bytes, seeks included */
	double commit_cost_s;	/* one checkpoint */
	uint64_t commits;	/* checkpoints the tests call for, plus the time limit's */
	double commit_s;	/* all of them */
	double total_s;
};

int estimate_model(const char *name, struct disk_model *m);
void estimate(const struct run *r, const struct policy *pol, const struct disk_model *m,
	      struct estimate *e);

#endif
