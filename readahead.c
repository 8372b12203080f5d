/*
 * readahead.c: while the migration loop writes one batch of units in the
 * new layout, a second thread reads the next batch in the old layout into
 * the spare copy buffer, so that the source disk and the others work at
 * once. The loop decides what may be read ahead (copy.c): units whose
 * source the batch being written cannot overwrite (test 244 keeps every
 * write below the checkpoint), and no further than the next host write's
 * arrival, which may change them. Taking a read ahead swaps the buffers.
 */
#include <errno.h>

#include "copy.h"
#include "readahead.h"

static void *ra_thread(void *arg)
{
	struct readahead *ra = arg;

	ra->err = read_units_into(ra->r, ra->buf, ra->from, ra->to);
	return NULL;
}

void ra_init(struct readahead *ra, struct run *r, uint8_t *spare)
{
	ra->r = r;
	ra->busy = 0;
	ra->buf = spare;
}

/* Read units [from, to) ahead. Nothing is started if a thread cannot be. */
void ra_start(struct readahead *ra, uint64_t from, uint64_t to)
{
	if (ra->busy || !ra->buf || from >= to)
		return;
	ra->from = from;
	ra->to = to;
	ra->err = 0;
	ra->busy = pthread_create(&ra->thread, NULL, ra_thread, ra) == 0;
}

/*
 * The units from `from` on, into the run's copy buffer, from a read ahead
 * that starts there: waits for it and swaps the buffers. Returns the unit
 * it ends at (the caller reads any rest up to its own end), or `from` when
 * there was none that fits (any other is waited for and dropped), or the
 * read's error (negative).
 */
int64_t ra_take(struct readahead *ra, uint64_t from)
{
	uint8_t *t;

	if (!ra->busy)
		return (int64_t)from;
	pthread_join(ra->thread, NULL);
	ra->busy = 0;
	if (ra->from != from)
		return (int64_t)from;
	if (ra->err)
		return ra->err;
	t = ra->r->buf;
	ra->r->buf = ra->buf;
	ra->buf = t;
	return (int64_t)ra->to;
}

/* Wait for a read ahead and drop it. */
void ra_cancel(struct readahead *ra)
{
	if (ra->busy)
		pthread_join(ra->thread, NULL);
	ra->busy = 0;
}
