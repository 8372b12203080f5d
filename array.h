/* array.h: the devices of one array, in member order. See array.c. */
#ifndef RAIDMIG_ARRAY_H
#define RAIDMIG_ARRAY_H

#include <stdint.h>

#include "io.h"
#include "mdsb.h"
#include "meta.h"

struct array {
	struct meta m;			/* newest generation; member_index is 0 */
	struct dev dev[MAX_MEMBERS];	/* in member order; fd -1 when missing */
	uint32_t n;			/* devices: pair_members(&m.p) */
	uint32_t missing;		/* members not given (cat of a degraded array) */
	uint64_t gen[MAX_MEMBERS];	/* the newest valid generation each holds; 0 none */
};

/* What raidmig metadata a device carries. */
enum member_state {
	RM_NONE,	/* none */
	RM_UNSTARTED,	/* generation 1: a creation, nothing migrated */
	RM_MIGRATING,	/* an unfinished conversion */
	RM_COMPLETE,	/* a finished one */
	RM_DAMAGED,	/* raidmig's magic, no valid copy */
	RM_TORN,	/* that, and no md superblock: a creation cut short at its first write */
};

/* array_assemble's `how` */
#define ASSEMBLE_WRITE		1	/* open read-write, lock exclusively (resume) */
#define ASSEMBLE_FORCE		2	/* use devices open in another program */
#define ASSEMBLE_MISSING	4	/* members may be missing (cat) */

int array_assemble(struct array *a, char **paths, int count, int how);
uint32_t array_source_crc(struct dev *d, uint64_t at, uint64_t data_size, int *err);
enum member_state array_member_state(struct dev *d, struct meta *m);
int array_read_md(struct dev *d, int minor, struct mdsb *s, const char **why);
void array_close(struct array *a);
int array_read_copies(struct dev *d, struct meta m[META_COPIES], const char *why[META_COPIES]);

#endif
