/* array.h: an assembled set of members and the migration run state. */
#ifndef RAIDMIG_ARRAY_H
#define RAIDMIG_ARRAY_H

#include <signal.h>
#include <stdint.h>

#include "io.h"
#include "journal.h"
#include "meta.h"

struct array {
	struct meta m;			/* newest generation; member_index is 0 */
	struct dev dev[MAX_MEMBERS];	/* in member order */
	uint32_t n;
};

enum ck_reason {
	CK_STAGING, CK_NEXT_DEST, CK_HOST_WRITE, CK_INTERVAL, CK_FINAL,
	CK_NREASONS
};

struct policy {
	uint64_t units;		/* checkpoint after this many units (0: no limit) */
	double seconds;		/* or after this long (0: no limit) */
	int every_unit;		/* prior art: a checkpoint after every unit */
};

/* One convert or resume run over an assembled array. */
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
	size_t next_rec;	/* journal records applied */
	uint8_t *buf;		/* copy buffer, page aligned */
	size_t buflen;
	uint8_t *mbuf;		/* one metadata block */
	volatile sig_atomic_t *stop;
	void (*progress)(const struct run *r, int final);	/* or NULL */
	double t0;		/* when the run started */
	uint64_t start_unit;	/* where it started */
};

int array_assemble(struct array *a, char **paths, int count, int writable, int force);
void array_close(struct array *a);
int array_read_copies(struct dev *d, struct meta m[META_COPIES], const char *why[META_COPIES]);
int array_repair(struct run *r);

#endif
