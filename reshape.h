/* reshape.h: a new geometry for an existing md array. See reshape.c. */
#ifndef RAIDMIG_RESHAPE_H
#define RAIDMIG_RESHAPE_H

#include "array.h"
#include "mdsb.h"

/* What the command line asks of the new array; unset fields keep the old. */
struct reshape_want {
	int has_level;
	int32_t level;
	const char *layout;	/* NULL: the old layout, or the new level's default */
	uint32_t chunk;		/* 0: the old chunk */
	uint32_t members;	/* 0: the old members and the devices added */
	int revert;		/* back to one plain disk: member 0 */
};

int reshape_find(struct dev *d, int count, struct mdsb *sb, int *is_md);
int reshape_partial(const struct dev *d, int count, const struct mdsb *sb, const int *is_md);
int reshape_geometry(struct array *a, int count, const struct reshape_want *w, const int *is_md,
		     struct pair *p, struct mdsb *ref, struct mdsb *sb);
void reshape_identity(struct meta *m, const struct mdsb *ref, const struct mdsb *members, int n_old);

#endif
