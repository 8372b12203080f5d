/* mdarray.h: md superblocks of raidmig's arrays. See mdarray.c. */
#ifndef RAIDMIG_MDARRAY_H
#define RAIDMIG_MDARRAY_H

#include "array.h"
#include "mdsb.h"

int md_keeps(const struct meta *m, uint32_t i);
void md_super(const struct meta *m, uint32_t i, uint64_t dev_size, int final, struct mdsb *s);
int md_mark(struct array *a, uint32_t i, uint8_t *buf);
int md_drop_bitmaps(struct array *a, uint8_t *buf);
/* md_state's answers */
enum { SB_DONE, SB_WRITE, SB_TAKEN, SB_FOREIGN };

int md_states(struct array *a, uint8_t *buf, uint8_t *want, int *st);
int md_finish(struct array *a, uint8_t *buf, uint8_t *want);

#endif
