/*
 * test/flushdelay.c: an LD_PRELOAD shim for the disk model of make bench
 * (test/diskmodel.py). Every flush costs a set time, as on a real disk: a
 * virtual disk acknowledges a flush in ~0.1 ms, a hard disk takes ~10 ms.
 * Never part of the product.
 *
 *   FLUSHDELAY_MS=X     each call below costs X milliseconds more (a float;
 *                       0 or unset: no delay, calls are still counted)
 *   FLUSHDELAY_COUNT=F  at exit, append one line to F:
 *                       "flushes N delayed_ms X fsync A fdatasync B sync_writes C pid P"
 *                       N = A + B + C calls that paid the delay, X = N times
 *                       the set delay (what the model added, in ms); every
 *                       process that loads the shim (a wrapper and the
 *                       program it runs) appends its own line: sum them
 *   FLUSHDELAY_BPS=B    optional, the device clock (below): B bytes per second
 *                       per block device, reads and writes alike
 *
 * What pays the delay, once per call, after the real call returns:
 *   fsync, fdatasync
 *   pwritev2 with RWF_DSYNC or RWF_SYNC (a durable write: one flush, or a
 *     FUA write, per call on a real disk)
 *   write, pwrite, pwrite64, writev, pwritev, pwritev64, pwritev2 and
 *     pwritev64v2 on a file descriptor opened with O_DSYNC or O_SYNC (O_SYNC
 *     includes the O_DSYNC bit on Linux); the shim asks fcntl(F_GETFL) at
 *     each such write, one cheap system call, rather than tracking opens
 * sync_file_range, sync, syncfs and msync do not pay (raidmig uses none),
 * nor do writes made inside the C library (stdio), which do not go through
 * the exported symbols.
 *
 * Threads: the counters are atomic and no lock is held while sleeping, so
 * flushes from several threads sleep concurrently, like flushes to
 * independent disks; without the device clock two concurrent flushes of one
 * disk sleep concurrently too. The sleep is clock_nanosleep to an absolute
 * CLOCK_MONOTONIC deadline, so a signal neither shortens nor lengthens it.
 *
 * The device clock (FLUSHDELAY_BPS set): a block device is one serial disk.
 * Each read or write of L bytes on it (read, pread, readv, preadv, preadv2
 * and their 64 forms; the writes above) occupies it L/B seconds, and a flush
 * X ms, from when the call was made or the disk falls idle, whichever is
 * later; the call returns when its share is done. Unlike a blkio throttle,
 * which limits an average rate and so lets the bytes held back during a
 * flush's sleep through at once afterwards, the time of a flush is then not
 * available for transfers. Each device's clock is an atomic compare and
 * swap; no lock is held while sleeping. Calls on other files are not timed.
 *
 * Only the process that loaded the shim writes its line (a forked child that
 * does not exec shares the parent's counts up to the fork and writes none).
 * A process killed by a signal, or leaving by _exit, writes nothing.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifndef RWF_DSYNC
#define RWF_DSYNC 0x00000002
#endif
#ifndef RWF_SYNC
#define RWF_SYNC 0x00000004
#endif

static long long delay_ns;
static double bps;			/* device clock: bytes per second, 0 = off */
static pid_t owner;
static unsigned long n_fsync, n_fdatasync, n_syncw;

static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev64)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev2)(int, const struct iovec *, int, off_t, int);
static ssize_t (*real_pwritev64v2)(int, const struct iovec *, int, off_t, int);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static ssize_t (*real_pread64)(int, void *, size_t, off_t);
static ssize_t (*real_readv)(int, const struct iovec *, int);
static ssize_t (*real_preadv)(int, const struct iovec *, int, off_t);
static ssize_t (*real_preadv64)(int, const struct iovec *, int, off_t);
static ssize_t (*real_preadv2)(int, const struct iovec *, int, off_t, int);
static ssize_t (*real_preadv64v2)(int, const struct iovec *, int, off_t, int);

static void *next(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p) {
		static const char msg[] = "flushdelay: a symbol is missing\n";

		(void)!syscall(SYS_write, 2, msg, sizeof(msg) - 1);	/* not our write */
		abort();
	}
	return p;
}

/* Each wrapper resolves its own symbol on first use (a constructor of another
 * library may write before ours has run); dlsym is idempotent, so a race
 * between two threads only resolves twice. */
#define RESOLVE(var, name) \
	do { \
		if (!var) \
			var = next(name); \
	} while (0)

__attribute__((constructor)) static void init(void)
{
	const char *ms = getenv("FLUSHDELAY_MS"), *b = getenv("FLUSHDELAY_BPS");

	owner = getpid();
	if (ms) {
		double v = strtod(ms, NULL);

		delay_ns = v > 0 ? (long long)(v * 1e6 + 0.5) : 0;
	}
	if (b) {
		double v = strtod(b, NULL);

		bps = v > 0 ? v : 0;
	}
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void sleep_until(long long ns)
{
	struct timespec t = { .tv_sec = (time_t)(ns / 1000000000LL),
			      .tv_nsec = (long)(ns % 1000000000LL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

/* The device clock: when each block device falls idle (CLOCK_MONOTONIC ns). */
#define NDEV 64
static struct {
	dev_t rdev;
	long long busy;
} devs[NDEV];
static int ndev;
static pthread_mutex_t devs_lock = PTHREAD_MUTEX_INITIALIZER;

/* The clock of fd's block device; NULL when fd is not one (or no room). */
static long long *clock_of(int fd)
{
	struct stat st;
	int n, e = errno;

	if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode)) {
		errno = e;
		return NULL;
	}
	errno = e;
	n = __atomic_load_n(&ndev, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n; i++)
		if (devs[i].rdev == st.st_rdev)
			return &devs[i].busy;
	pthread_mutex_lock(&devs_lock);
	for (n = 0; n < ndev; n++)	/* another thread may have added it */
		if (devs[n].rdev == st.st_rdev)
			break;
	if (n == ndev && n < NDEV) {
		devs[n].rdev = st.st_rdev;
		devs[n].busy = 0;
		__atomic_store_n(&ndev, n + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&devs_lock);
	return n < NDEV ? &devs[n].busy : NULL;
}

/* Occupy clock for cost ns, from start or when it falls idle; return the end. */
static long long occupy(long long *clock, long long start, long long cost)
{
	long long old = __atomic_load_n(clock, __ATOMIC_RELAXED), end;

	do
		end = (old > start ? old : start) + cost;
	while (!__atomic_compare_exchange_n(clock, &old, end, 0, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED));
	return end;
}

/*
 * After a call on fd that began at start (ns) and moved bytes (< 0: failed,
 * nothing moved): count a flush in *counter if one is not NULL, and sleep
 * for the model: the flush delay, or with the device clock the device's time
 * for the bytes and the flush.
 */
static void pay(int fd, long long start, ssize_t bytes, unsigned long *counter)
{
	long long cost = 0, *clock;
	int e = errno;

	if (counter) {
		__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
		cost = delay_ns;
	}
	if (bps > 0 && (clock = clock_of(fd))) {
		if (bytes > 0)
			cost += (long long)((double)bytes / bps * 1e9);
		if (cost > 0)
			sleep_until(occupy(clock, start, cost));
	} else if (cost > 0) {
		sleep_until(now_ns() + cost);
	}
	errno = e;
}

/* Is fd opened for durable writes (O_DSYNC, or O_SYNC which includes it)? */
static int sync_fd(int fd)
{
	int e = errno, fl = fcntl(fd, F_GETFL);

	errno = e;
	return fl >= 0 && (fl & O_DSYNC);
}

/* After a write: a durable one (by its flags or its fd's) pays the delay. */
static ssize_t after_write(ssize_t r, int fd, int flags, long long start)
{
	int durable = (flags & (RWF_DSYNC | RWF_SYNC)) || sync_fd(fd);

	pay(fd, start, r, durable ? &n_syncw : NULL);
	return r;
}

static ssize_t after_read(ssize_t r, int fd, long long start)
{
	if (bps > 0)
		pay(fd, start, r, NULL);
	return r;
}

static long long start_ns(void)
{
	return bps > 0 ? now_ns() : 0;
}

int fsync(int fd)
{
	long long t = start_ns();
	int r;

	RESOLVE(real_fsync, "fsync");
	r = real_fsync(fd);
	pay(fd, t, 0, &n_fsync);
	return r;
}

int fdatasync(int fd)
{
	long long t = start_ns();
	int r;

	RESOLVE(real_fdatasync, "fdatasync");
	r = real_fdatasync(fd);
	pay(fd, t, 0, &n_fdatasync);
	return r;
}

#define WRAP(ret, name, after, params, args, flags) \
	ret name params \
	{ \
		long long t = start_ns(); \
		RESOLVE(real_##name, #name); \
		return after(real_##name args, fd, flags t); \
	}
#define NOFLAGS			/* reads: after_read(r, fd, t) */
#define ZERO 0,			/* writes: after_write(r, fd, 0, t) */
#define FLAGS flags,		/* v2 writes: after_write(r, fd, flags, t) */

WRAP(ssize_t, write, after_write, (int fd, const void *buf, size_t len), (fd, buf, len), ZERO)
WRAP(ssize_t, pwrite, after_write, (int fd, const void *buf, size_t len, off_t off), (fd, buf, len, off), ZERO)
WRAP(ssize_t, pwrite64, after_write, (int fd, const void *buf, size_t len, off_t off), (fd, buf, len, off), ZERO)
WRAP(ssize_t, writev, after_write, (int fd, const struct iovec *iov, int cnt), (fd, iov, cnt), ZERO)
WRAP(ssize_t, pwritev, after_write, (int fd, const struct iovec *iov, int cnt, off_t off), (fd, iov, cnt, off), ZERO)
WRAP(ssize_t, pwritev64, after_write, (int fd, const struct iovec *iov, int cnt, off_t off), (fd, iov, cnt, off), ZERO)
WRAP(ssize_t, pwritev2, after_write, (int fd, const struct iovec *iov, int cnt, off_t off, int flags), (fd, iov, cnt, off, flags), FLAGS)
WRAP(ssize_t, pwritev64v2, after_write, (int fd, const struct iovec *iov, int cnt, off_t off, int flags), (fd, iov, cnt, off, flags), FLAGS)
WRAP(ssize_t, read, after_read, (int fd, void *buf, size_t len), (fd, buf, len), NOFLAGS)
WRAP(ssize_t, pread, after_read, (int fd, void *buf, size_t len, off_t off), (fd, buf, len, off), NOFLAGS)
WRAP(ssize_t, pread64, after_read, (int fd, void *buf, size_t len, off_t off), (fd, buf, len, off), NOFLAGS)
WRAP(ssize_t, readv, after_read, (int fd, const struct iovec *iov, int cnt), (fd, iov, cnt), NOFLAGS)
WRAP(ssize_t, preadv, after_read, (int fd, const struct iovec *iov, int cnt, off_t off), (fd, iov, cnt, off), NOFLAGS)
WRAP(ssize_t, preadv64, after_read, (int fd, const struct iovec *iov, int cnt, off_t off), (fd, iov, cnt, off), NOFLAGS)
WRAP(ssize_t, preadv2, after_read, (int fd, const struct iovec *iov, int cnt, off_t off, int flags), (fd, iov, cnt, off, flags), NOFLAGS)
WRAP(ssize_t, preadv64v2, after_read, (int fd, const struct iovec *iov, int cnt, off_t off, int flags), (fd, iov, cnt, off, flags), NOFLAGS)

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("FLUSHDELAY_COUNT");
	unsigned long a = __atomic_load_n(&n_fsync, __ATOMIC_RELAXED);
	unsigned long b = __atomic_load_n(&n_fdatasync, __ATOMIC_RELAXED);
	unsigned long c = __atomic_load_n(&n_syncw, __ATOMIC_RELAXED);
	char line[200];
	int fd, len;

	if (!path || !*path || getpid() != owner)
		return;
	len = snprintf(line, sizeof(line),
		       "flushes %lu delayed_ms %.3f fsync %lu fdatasync %lu sync_writes %lu pid %ld\n",
		       a + b + c, (double)(a + b + c) * (double)delay_ns / 1e6, a, b, c, (long)owner);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	RESOLVE(real_write, "write");
	(void)!real_write(fd, line, (size_t)len);
	close(fd);
}
