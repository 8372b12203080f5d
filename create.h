/* create.h: checks, geometry and first metadata of a new array. See create.c. */
#ifndef RAIDMIG_CREATE_H
#define RAIDMIG_CREATE_H

#include "run.h"

int create_check_unfinished(struct dev *d, int count);
int create_check_devices(struct dev *d, int count, int force, int *ours, const int *is_md);
int create_geometry(struct dev *d, int n, const struct geom *want, int ours, struct pair *p);
int create_meta(struct array *a, const struct pair *p, const struct journal *jp, const char *name);
int create_write_initial(struct run *r);

#endif
