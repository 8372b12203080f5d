/* run.h: one convert or resume run: its policy, counters and buffers. */
#ifndef RAIDMIG_RUN_H
#define RAIDMIG_RUN_H

#include <signal.h>
#include <stdint.h>

#include "array.h"
#include "journal.h"

enum ck_reason {
	CK_STAGING, CK_NEXT_DEST, CK_HOST_WRITE, CK_INTERVAL, CK_FINAL,
	CK_NREASONS
};

struct policy {
	uint64_t units;		/* checkpoint after this many units (0: no limit) */
	double seconds;		/* or after this long (0: no limit) */
	int every_unit;		/* prior art: a checkpoint after every unit */
	int adaptive;		/* seconds follows the commit cost (checkpoint.c) */
};

struct run {
	struct array *a;
	struct journal *j;	/* NULL when there is no journal */
	struct policy pol;
	uint64_t done;		/* units copied; [m.progress, done) not checkpointed */
	uint64_t since;		/* units copied since the last checkpoint */
	double last_time;	/* when the last checkpoint was written */
	uint64_t meta_writes;	/* metadata blocks written, all members */
	uint64_t ckpt[CK_NREASONS];
	uint64_t units_copied;
	uint64_t bytes_staged;	/* written to the staging slot */
	double commit_seconds;	/* time spent committing checkpoints */
	double commit_cost;	/* seconds a commit takes, recent average */
	size_t next_rec;	/* journal records applied */
	uint8_t *buf;		/* copy buffer, page aligned */
	uint8_t *buf2;		/* the other one, that the next units are read ahead into */
	size_t buflen;
	uint8_t *pbuf;		/* parity of the copy buffer's stripes */
	size_t pbuflen;
	uint8_t *mbuf;		/* one metadata block */
	volatile sig_atomic_t *stop;
	void (*progress)(const struct run *r, int final);	/* or NULL */
	double t0;		/* when the run started */
	uint64_t start_unit;	/* where it started */
};

#endif
