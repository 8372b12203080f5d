/* checkpoint.h: when a checkpoint is due, and how one is committed. */
#ifndef RAIDMIG_CHECKPOINT_H
#define RAIDMIG_CHECKPOINT_H

#include "run.h"

extern const char *const ck_reason_name[CK_NREASONS];

int ck_next_dest_due(const struct pair *p, uint64_t ckpt, uint64_t done, uint64_t next);
int ck_host_write_due(uint64_t ckpt, uint64_t done, uint64_t lo, uint64_t hi);
int ck_interval_due(const struct policy *pol, uint64_t since, double elapsed);
uint64_t ck_batch_end(const struct pair *p, const struct policy *pol, uint64_t ckpt,
		      uint64_t done, uint64_t since, uint64_t limit);

int ck_commit(struct run *r, enum ck_reason why);
int ck_stage(struct run *r, uint64_t unit, uint64_t len, uint32_t crc, const uint32_t *unit_crc,
	     uint64_t units);
int ck_write_meta(struct run *r, int durable);
int ck_write_meta_member(struct run *r, uint32_t i, int durable);
int ck_flush_all(struct run *r);
int ck_repair(struct run *r);
void ck_adapt_init(struct policy *pol);
void ck_adapt(struct run *r, double cost);
double ck_adapt_interval(double commit_cost);

#endif
