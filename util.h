/* util.h: messages, number parsing, whole-buffer read helpers. */
#ifndef RAIDMIG_UTIL_H
#define RAIDMIG_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit codes, documented in raidmig.1 and README. */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,		/* bad command line */
	EXIT_REFUSED = 2,	/* input checks failed: nothing was written */
	EXIT_IO = 3,		/* I/O error while writing: run resume later */
	EXIT_INTERRUPTED = 4,	/* stopped by a signal at a safe point */
};

extern int log_verbose_on;
extern int log_quiet;		/* no messages at all (fuzzing) */

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int parse_size(const char *s, uint64_t *out, int suffixes);
void fmt_size(char *buf, size_t len, uint64_t bytes);
int read_full(int fd, void *buf, size_t len);
int pread_full(int fd, void *buf, size_t len, uint64_t off);
int write_full(int fd, const void *buf, size_t len);
double now_seconds(void);

#endif
