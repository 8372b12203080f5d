/* create.h: checks, geometry and first metadata of a new array. See create.c. */
#ifndef RAIDMIG_CREATE_H
#define RAIDMIG_CREATE_H

#include "array.h"

int create_check_devices(struct dev *d, int count, int force, int *cut_short);
int create_geometry(struct dev *d, int n, uint32_t level, uint32_t chunk, int cut_short,
		    struct geom *g);
int create_meta(struct array *a, const struct geom *g, const struct journal *jp);
int create_write_initial(struct run *r);

#endif
