/* volio.h: volume reads and writes in one geometry. See volio.c. */
#ifndef RAIDMIG_VOLIO_H
#define RAIDMIG_VOLIO_H

#include <stdint.h>

#include "array.h"

int geo_read(struct array *a, const struct geom *g, uint8_t *buf, uint64_t off, uint64_t len);
int geo_write_stripes(struct array *a, const struct geom *g, const struct pair *skip,
		      uint8_t *buf, uint64_t s0, uint64_t s1, uint8_t *pbuf);
int geo_write(struct array *a, const struct geom *g, const uint8_t *data, uint64_t off,
	      uint64_t len);

#endif
