/* probe.h: what is on a device before raidmig touches it. See probe.c. */
#ifndef RAIDMIG_PROBE_H
#define RAIDMIG_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "io.h"

int probe_signature(struct dev *d, char *what, size_t len);
/* Where a source's data ends, and what says so (probe_source_end). */
enum end_kind { END_PARTITIONS, END_FILESYSTEM, END_UNKNOWN, END_BLANK, END_DEVICE };

struct source_end {
	uint64_t end;		/* bytes of data from byte 0 */
	enum end_kind kind;	/* its last partition, a filesystem's size, ... */
	char type[32];		/* the partition table's or filesystem's type */
	char what[160];		/* for messages: "its ext4 filesystem" */
};

int probe_source_end(struct dev *d, uint64_t limit, int ours, struct source_end *se);
int probe_zero(struct dev *d, uint64_t from, uint64_t to);

#define PROBE_HEAD (1u << 20)	/* what probe_head_end looks at */
int probe_head_end(const uint8_t *head, uint32_t sector, uint64_t *end);
int probe_mounted(const struct dev *d);
int probe_loop_backing(const struct dev *d, char *loop, size_t len);
int probe_raidmig_magic(struct dev *d);
int probe_open_elsewhere(const struct dev *d, int writers, char *who, size_t len);
int probe_check_use(const struct dev *d, int n, int writing, int force);

#endif
