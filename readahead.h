/* readahead.h: reading the next units while this batch is written. See readahead.c. */
#ifndef RAIDMIG_READAHEAD_H
#define RAIDMIG_READAHEAD_H

#include <pthread.h>

#include "run.h"

struct readahead {
	struct run *r;
	pthread_t thread;
	int busy;		/* a read was started and not taken yet */
	uint64_t from, to;	/* its units */
	uint8_t *buf;		/* the spare copy buffer it reads into */
	int err;
};

void ra_init(struct readahead *ra, struct run *r, uint8_t *spare);
void ra_start(struct readahead *ra, uint64_t from, uint64_t to);
int64_t ra_take(struct readahead *ra, uint64_t from);
void ra_cancel(struct readahead *ra);

#endif
