/* atonce.h: run one function on several items at once. See atonce.c. */
#ifndef RAIDMIG_ATONCE_H
#define RAIDMIG_ATONCE_H

#include <stddef.h>
#include <stdint.h>

#define ATONCE_MAX 64	/* items at most: MAX_MEMBERS times read_parallel's lanes */

void at_once(void *(*fn)(void *), void *items, size_t size, uint32_t n, int threads);

#endif
