/* parity.h: RAID4/5/6 parity through ISA-L. See parity.c. */
#ifndef RAIDMIG_PARITY_H
#define RAIDMIG_PARITY_H

#include <stddef.h>
#include <stdint.h>

#include "layout.h"

/* Indices of a stripe's blocks: data 0 .. k - 1, then P, then Q. */
#define PARITY_MAX_BLOCKS (MAX_MEMBERS + 2)

int parity_gen(const struct geom *g, uint64_t stripe, uint8_t *const *data,
	       uint8_t *p, uint8_t *q, size_t len);
int parity_recover(const struct geom *g, uint64_t stripe, uint8_t *const *blk,
		   const int *missing, int nmissing, size_t len);

#endif
