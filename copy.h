/* copy.h: the migration loop and reading the volume. See copy.c. */
#ifndef RAIDMIG_COPY_H
#define RAIDMIG_COPY_H

#include "run.h"

int migrate(struct run *r);
int staged_load(struct run *r);
int moved_check(struct run *r);
int restore_staged(struct run *r);
int volume_read(struct array *a, uint8_t *buf, uint64_t off, size_t len);
uint64_t volume_size(const struct array *a);
uint32_t crc_of(const uint8_t *buf, uint64_t len);
int read_units_into(struct run *r, uint8_t *buf, uint64_t from, uint64_t to);

#endif
