/* report.h: summaries, progress, plans and metadata copies. See report.c. */
#ifndef RAIDMIG_REPORT_H
#define RAIDMIG_REPORT_H

#include "estimate.h"
#include "mdsb.h"
#include "run.h"

void uuid_hex(const uint8_t *u, char *out);
void uuid_md(const uint8_t *u, char *out);
void report_summary(const struct run *r, double secs, int json);
void report_progress_json(int on);
void report_progress(const struct run *r, int final);
void report_plan(const struct run *r, int json, const struct disk_model *m,
		 const struct estimate *e);
void report_copy(const char *path, int c, const struct meta *m, const char *why,
		 uint64_t off, int first, int json);
void report_md(const char *path, const struct mdsb *s, const char *why, uint64_t off, int json);

#endif
