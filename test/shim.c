/*
 * test/shim.c: an LD_PRELOAD seam for crash and fault tests. It sits under
 * raidmig's I/O layer (pwrite, pwritev, fdatasync, fsync) and, driven by
 * the environment, counts those calls or kills the process at the Nth
 * write, optionally after half of that write (whole 512-byte sectors) has
 * landed. Never part of the product: a user cannot reach it.
 *
 *   SHIM_KILL_AT=N   SIGKILL before write N (1-based) lands
 *   SHIM_TEAR=1      ... after the first half of write N has landed
 *   SHIM_TERM_AT=N   raise SIGTERM before write N, then let it through
 *   SHIM_PAUSE_AT=N  before write N, create FILE.paused (SHIM_PAUSE_FILE)
 *                    and wait until that file is removed
 *   SHIM_COUNT=FILE  at exit, write "writes W flushes F reads R" to FILE
 *   SHIM_FAIL=OP:N:ERR  the Nth OP (read, write or flush) fails with ERR:
 *                    EIO or ENOSPC; SHORT (a write or read moves half, at
 *                    least one sector, and reports that); EINTR (once; a
 *                    retry must succeed)
 *   SHIM_TRACE=FILE  record every write and flush: lines "W PATH OFFSET LENGTH"
 *                    ("D ..." for a write durable by itself: pwritev2 with
 *                    RWF_DSYNC or RWF_SYNC) and "F PATH" in FILE, the written
 *                    bytes appended to FILE.data
 * Calls from several threads (raidmig flushes members at once) are taken one
 * at a time.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <pthread.h>
#include <unistd.h>

static unsigned long writes, flushes, reads, kill_at, term_at, pause_at;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long fail_n;		/* SHIM_FAIL */
static char fail_op[8], fail_err[8];

static void fail_parse(void)
{
	const char *f = getenv("SHIM_FAIL");

	if (f)
		sscanf(f, "%7[a-z]:%lu:%7[A-Z]", fail_op, &fail_n, fail_err);
}

/* Should this call fail? Returns 0, or the errno to fail with; *shrt for SHORT. */
static int fail_now(const char *op, unsigned long count, int *shrt)
{
	*shrt = 0;
	if (!fail_n || count != fail_n || strcmp(op, fail_op))
		return 0;
	if (!strcmp(fail_err, "SHORT")) {
		*shrt = 1;
		return 0;
	}
	return !strcmp(fail_err, "EINTR") ? EINTR : !strcmp(fail_err, "ENOSPC") ? ENOSPC : EIO;
}
static int tear;
static FILE *trace, *trace_data;

static void trace_open(void)
{
	const char *t = getenv("SHIM_TRACE");
	char data[PATH_MAX];

	if (!t)
		return;
	snprintf(data, sizeof(data), "%s.data", t);
	trace = fopen(t, "w");
	trace_data = fopen(data, "w");
}

static const char *fd_path(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

static int durable_next;	/* the write being traced is durable by itself */

static void trace_write(int fd, const struct iovec *iov, int cnt, off_t off)
{
	char path[PATH_MAX];
	size_t total = 0;

	if (!trace)
		return;
	for (int i = 0; i < cnt; i++) {
		fwrite(iov[i].iov_base, 1, iov[i].iov_len, trace_data);
		total += iov[i].iov_len;
	}
	fprintf(trace, "%c %s %lld %zu\n", durable_next ? 'D' : 'W', fd_path(fd, path, sizeof(path)),
		(long long)off, total);
}

static void trace_flush(int fd)
{
	char path[PATH_MAX];

	if (trace)
		fprintf(trace, "F %s\n", fd_path(fd, path, sizeof(path)));
}

__attribute__((constructor)) static void shim_init(void)
{
	const char *k = getenv("SHIM_KILL_AT"), *t = getenv("SHIM_TEAR");
	const char *s = getenv("SHIM_TERM_AT");

	term_at = s ? strtoul(s, NULL, 10) : 0;
	s = getenv("SHIM_PAUSE_AT");
	pause_at = s ? strtoul(s, NULL, 10) : 0;
	trace_open();
	fail_parse();
	kill_at = k ? strtoul(k, NULL, 10) : 0;
	tear = t && *t == '1';
}

__attribute__((destructor)) static void shim_fini(void)
{
	const char *c = getenv("SHIM_COUNT");
	FILE *f;

	if (trace) {
		fclose(trace);
		fclose(trace_data);
	}
	if (c && (f = fopen(c, "w"))) {
		fprintf(f, "writes %lu flushes %lu reads %lu\n", writes, flushes, reads);
		fclose(f);
	}
}

typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*pwritev_fn)(int, const struct iovec *, int, off_t);
typedef int (*sync_fn)(int);

/* Called before each write; returns the bytes to let through before dying. */
static size_t before_write(size_t len, int *die)
{
	*die = 0;
	if (++writes == term_at)
		raise(SIGTERM);
	if (writes == pause_at && getenv("SHIM_PAUSE_FILE")) {
		const char *p = getenv("SHIM_PAUSE_FILE");
		FILE *f = fopen(p, "w");

		if (f)
			fclose(f);
		while (access(p, F_OK) == 0)
			usleep(10000);
	}
	if (writes != kill_at || !kill_at)
		return len;
	*die = 1;
	return tear ? len / 2 / 512 * 512 : 0;
}

static ssize_t do_pwrite(const char *sym, int fd, const void *buf, size_t len, off_t off)
{
	pwrite_fn real = (pwrite_fn)dlsym(RTLD_NEXT, sym);
	int die, shrt, err;
	size_t n = before_write(len, &die);

	err = fail_now("write", writes, &shrt);
	if (err) {
		errno = err;
		return -1;
	}
	if (shrt && len > 512) {
		trace_write(fd, &(struct iovec){ (void *)buf, len / 2 / 512 * 512 }, 1, off);
		return real(fd, buf, len / 2 / 512 * 512, off);
	}

	if (die) {
		if (n)
			real(fd, buf, n, off);
		kill(getpid(), SIGKILL);
	}
	trace_write(fd, &(struct iovec){ (void *)buf, len }, 1, off);
	return real(fd, buf, len, off);
}

static ssize_t do_pwritev(const char *sym, int fd, const struct iovec *iov, int cnt, off_t off)
{
	pwritev_fn real = (pwritev_fn)dlsym(RTLD_NEXT, sym);
	size_t total = 0, n;
	int die, shrt, err;

	for (int i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	n = before_write(total, &die);
	err = fail_now("write", writes, &shrt);
	if (err) {
		errno = err;
		return -1;
	}
	if (shrt && iov[0].iov_len > 512) {	/* half of the first buffer only */
		pwrite_fn pw = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite");
		size_t h = iov[0].iov_len / 2 / 512 * 512;

		trace_write(fd, &(struct iovec){ iov[0].iov_base, h }, 1, off);
		return pw(fd, iov[0].iov_base, h, off);
	}
	if (die) {
		for (int i = 0; i < cnt && n; i++) {
			size_t k = iov[i].iov_len < n ? iov[i].iov_len : n;

			pwrite_fn pw = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite");
			pw(fd, iov[i].iov_base, k, off);
			off += (off_t)k;
			n -= k;
		}
		kill(getpid(), SIGKILL);
	}
	trace_write(fd, iov, cnt, off);
	return real(fd, iov, cnt, off);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return do_pwrite("pwrite", fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	return do_pwrite("pwrite64", fd, buf, len, off);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	return do_pwritev("pwritev", fd, iov, cnt, off);
}

typedef ssize_t (*pwritev2_fn)(int, const struct iovec *, int, off_t, int);

/*
 * pwritev2: raidmig's durable metadata writes. Counted, failed, killed and
 * traced as any write; traced as "D" when RWF_DSYNC or RWF_SYNC makes it
 * durable by itself. A short or killed one goes through plain pwrite,
 * which has no such flag: what landed of it is not durable.
 */
ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	pwritev2_fn real = (pwritev2_fn)dlsym(RTLD_NEXT, "pwritev2");
	pwrite_fn pw = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite");
	size_t total = 0, n;
	int die, shrt, err;
	ssize_t r;

	for (int i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	pthread_mutex_lock(&lock);
	n = before_write(total, &die);
	err = fail_now("write", writes, &shrt);
	if (err) {
		pthread_mutex_unlock(&lock);
		errno = err;
		return -1;
	}
	if (die) {	/* the first n bytes land, not durable, then death */
		for (int i = 0; i < cnt && n; i++) {
			size_t k = iov[i].iov_len < n ? iov[i].iov_len : n;

			pw(fd, iov[i].iov_base, k, off);
			off += (off_t)k;
			n -= k;
		}
		kill(getpid(), SIGKILL);
	}
	if (shrt && iov[0].iov_len > 512) {	/* half of the first buffer, plainly */
		size_t h = iov[0].iov_len / 2 / 512 * 512;

		trace_write(fd, &(struct iovec){ iov[0].iov_base, h }, 1, off);
		pthread_mutex_unlock(&lock);
		return pw(fd, iov[0].iov_base, h, off);
	}
	durable_next = (flags & (RWF_DSYNC | RWF_SYNC)) != 0;
	trace_write(fd, iov, cnt, off);
	durable_next = 0;
	r = real(fd, iov, cnt, off, flags);
	pthread_mutex_unlock(&lock);
	return r;
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off_t off)
{
	return do_pwritev("pwritev64", fd, iov, cnt, off);
}

static int do_sync(const char *sym, int fd)
{
	sync_fn real = (sync_fn)dlsym(RTLD_NEXT, sym);
	int shrt, err;

	pthread_mutex_lock(&lock);
	flushes++;
	err = fail_now("flush", flushes, &shrt);
	if (!err)
		trace_flush(fd);
	pthread_mutex_unlock(&lock);
	if (err) {
		errno = err;
		return -1;
	}
	return real(fd);
}

int fdatasync(int fd)
{
	return do_sync("fdatasync", fd);
}

int fsync(int fd)
{
	return do_sync("fsync", fd);
}

typedef ssize_t (*pread_fn)(int, void *, size_t, off_t);
typedef ssize_t (*preadv_fn)(int, const struct iovec *, int, off_t);

static ssize_t do_pread(const char *sym, int fd, void *buf, size_t len, off_t off)
{
	pread_fn real = (pread_fn)dlsym(RTLD_NEXT, sym);
	int shrt, err = fail_now("read", __atomic_add_fetch(&reads, 1, __ATOMIC_RELAXED), &shrt);

	if (err) {
		errno = err;
		return -1;
	}
	return real(fd, buf, shrt && len > 512 ? len / 2 / 512 * 512 : len, off);
}

static ssize_t do_preadv(const char *sym, int fd, const struct iovec *iov, int cnt, off_t off)
{
	preadv_fn real = (preadv_fn)dlsym(RTLD_NEXT, sym);
	int shrt, err = fail_now("read", __atomic_add_fetch(&reads, 1, __ATOMIC_RELAXED), &shrt);

	if (err) {
		errno = err;
		return -1;
	}
	if (shrt && iov[0].iov_len > 512) {
		pread_fn pr = (pread_fn)dlsym(RTLD_NEXT, "pread");

		return pr(fd, iov[0].iov_base, iov[0].iov_len / 2 / 512 * 512, off);
	}
	return real(fd, iov, cnt, off);
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	return do_pread("pread", fd, buf, len, off);
}

ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	return do_pread("pread64", fd, buf, len, off);
}

ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	return do_preadv("preadv", fd, iov, cnt, off);
}

ssize_t preadv64(int fd, const struct iovec *iov, int cnt, off_t off)
{
	return do_preadv("preadv64", fd, iov, cnt, off);
}
