/*
 * io.c: the one thin layer between raidmig and its disks. Every read, write
 * and flush of member data passes through dev_read/dev_write/dev_flush, so
 * the counters in the summary are exact, and the test shim under test/ that
 * intercepts pread/pwrite/fdatasync sees every disk operation raidmig makes.
 *
 * The loops retry EINTR and short transfers and fail loudly on anything
 * else, returning -errno and leaving the message to the caller, who knows
 * what the write was for.
 *
 * With io_dry set (raidmig plan) every call is counted exactly as it would
 * be and nothing is transferred: the plan runs the real migration code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "atonce.h"
#include "io.h"
#include "util.h"

struct io_stats io_stats;
int io_dry;

/* The counters: the read-ahead thread and the flush threads count too. */
static void count(uint64_t *c, uint64_t n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

/*
 * The backing file of a loop device, so that a loop over a member image
 * counts as that image. The ioctl on a partition answers for its whole
 * disk: two partitions of one loop disk share a backing file, yet not
 * their storage (dev_overlaps tells them apart by their numbers).
 */
static void loop_backing(struct dev *d)
{
	struct loop_info64 li;

	if (ioctl(d->fd, LOOP_GET_STATUS64, &li) == 0) {
		d->back_dev = (dev_t)li.lo_device;
		d->back_ino = (ino_t)li.lo_inode;
	}
}

/* The whole disk a block device belongs to: its parent in sysfs, or itself. */
static dev_t whole_disk(dev_t rdev)
{
	char sys[96];
	unsigned ma, mi;
	FILE *f;

	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/../dev", major(rdev), minor(rdev));
	f = fopen(sys, "re");
	if (!f)
		return rdev;
	if (fscanf(f, "%u:%u", &ma, &mi) != 2)
		ma = major(rdev), mi = minor(rdev);
	fclose(f);
	/* a whole disk's parent directory is its bus device, which has no dev file */
	return makedev(ma, mi);
}

/*
 * Take an open fd as device `d`: its size, sector size and identity.
 * Returns 0 or -errno (the fd is left open either way); -ENOTBLK for
 * something that is neither a regular file nor a block device.
 */
int dev_adopt(struct dev *d, const char *path, int fd)
{
	struct stat st;

	memset(d, 0, sizeof(*d));
	d->path = path;
	d->fd = fd;
	d->sector = 512;
	if (fstat(fd, &st) < 0)
		return -errno;
	d->id_dev = st.st_dev;
	d->id_ino = st.st_ino;
	if (S_ISREG(st.st_mode)) {
		d->size = (uint64_t)st.st_size;
		return 0;
	}
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	{
		int ss;

		if (ioctl(fd, BLKGETSIZE64, &d->size) < 0 || ioctl(fd, BLKSSZGET, &ss) < 0)
			return -errno;
		d->sector = (uint32_t)ss;
	}
	d->is_blk = 1;
	d->rdev = st.st_rdev;
	d->disk = whole_disk(st.st_rdev);
	d->id_dev = st.st_rdev;
	d->id_ino = 0;
	loop_backing(d);
	return 0;
}

/*
 * Open a member. Block devices are opened O_EXCL, so the kernel refuses one
 * that is mounted or held by another opener. Returns 0 or -errno; -ENOTBLK
 * for something that is neither a regular file nor a block device.
 */
int dev_open(struct dev *d, const char *path, int writable)
{
	struct stat st;
	int flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC, fd, e;

	memset(d, 0, sizeof(*d));
	d->path = path;
	d->fd = -1;
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode) && writable)
		flags |= O_EXCL;
	else if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
		return -ENOTBLK;
	fd = open(path, flags);
	if (fd < 0)
		return -errno;
	e = dev_adopt(d, path, fd);
	if (e) {
		close(fd);
		d->fd = -1;
	}
	return e;
}

/* dev_open, with the message naming the device when it fails. */
int dev_open_msg(struct dev *d, const char *path, int writable)
{
	int e = dev_open(d, path, writable);

	if (e == -ENOTBLK)
		log_err("%s: not a regular file or block device", path);
	else if (e == -EBUSY)
		log_err("%s: busy: mounted, or held open by another program (md, device-mapper, a VM)", path);
	else if (e)
		log_err("%s: %s", path, strerror(-e));
	return e;
}

/*
 * Open `count` devices in d[], refuse duplicates, then lock them all
 * (exclusive when writable). *opened says how many to close. Returns 0 or
 * -errno after a message; the locks are taken before any other check and
 * held until the devices are closed.
 */
int dev_open_all(struct dev *d, char **paths, int count, int writable, int *opened)
{
	int e = 0;

	*opened = 0;
	for (int i = 0; i < count && !e; i++) {
		e = dev_open_msg(&d[i], paths[i], writable);
		if (!e)
			*opened = i + 1;
	}
	for (int i = 0; i < count && !e; i++) {
		for (int k = 0; k < i && !e; k++) {
			if (dev_overlaps(&d[k], &d[i])) {
				log_err("%s: the same device as %s, or part of it", d[i].path, d[k].path);
				e = -EINVAL;
			}
		}
	}
	for (int i = 0; i < count && !e; i++)
		e = dev_lock(&d[i], writable);
	return e;
}

/*
 * Take raidmig's advisory lock: exclusive for a run that writes, shared for
 * one that only reads. Held until the device is closed. Returns 0, or
 * -EWOULDBLOCK after a message when another raidmig holds it.
 */
int dev_lock(struct dev *d, int exclusive)
{
	if (io_dry || d->fd < 0)
		return 0;
	if (flock(d->fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK) {
		log_err("%s: in use by another raidmig", d->path);
		return -EWOULDBLOCK;
	}
	log_err("%s: cannot lock: %s", d->path, strerror(errno));
	return -errno;
}

/* Is block device b a loop device (or a partition of one) over file a? */
static int backed_by(const struct dev *b, const struct dev *a)
{
	return !a->is_blk && b->back_ino && b->back_dev == a->id_dev && b->back_ino == a->id_ino;
}

/*
 * Do two opened devices share storage? The same file or device, a
 * partition and its disk, an image file and a loop device over it (or one
 * of its partitions), or two loop devices over one file. Two partitions of
 * one disk do not.
 */
int dev_overlaps(const struct dev *a, const struct dev *b)
{
	if (a->id_dev == b->id_dev && a->id_ino == b->id_ino)
		return 1;
	if (backed_by(a, b) || backed_by(b, a))
		return 1;
	if (!a->is_blk || !b->is_blk)
		return 0;
	if (a->disk == b->rdev || b->disk == a->rdev)
		return 1;
	return a->disk != b->disk && a->back_ino && a->back_dev == b->back_dev &&
	       a->back_ino == b->back_ino;
}

void dev_close(struct dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

int dev_read(struct dev *d, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	if (io_dry) {
		count(&io_stats.bytes_read, len);
		count(&d->nread, len);
		return 0;
	}
	while (len) {
		ssize_t r = pread(d->fd, p, len, (off_t)(off + d->base));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;	/* read past the end: a member shrank */
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
		count(&io_stats.bytes_read, (uint64_t)r);
		count(&d->nread, (uint64_t)r);
	}
	return 0;
}

int dev_write(struct dev *d, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;

	d->dirty = 1;
	if (io_dry) {
		count(&io_stats.bytes_written, len);
		count(&d->nwritten, len);
		return 0;
	}
	while (len) {
		ssize_t r = pwrite(d->fd, p, len, (off_t)(off + d->base));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ENOSPC;
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
		count(&io_stats.bytes_written, (uint64_t)r);
		count(&d->nwritten, (uint64_t)r);
	}
	return 0;
}

static size_t iov_bytes(const struct iovec *iov, int cnt)
{
	size_t n = 0;

	while (cnt-- > 0)
		n += (iov++)->iov_len;
	return n;
}

/* Scattered read; a short preadv falls back to plain reads of the rest. */
int dev_readv(struct dev *d, struct iovec *iov, int cnt, uint64_t off)
{
	if (io_dry)
		return dev_read(d, NULL, iov_bytes(iov, cnt), off);
	while (cnt > 0) {
		ssize_t r = preadv(d->fd, iov, cnt, (off_t)(off + d->base));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		count(&io_stats.bytes_read, (uint64_t)r);
		count(&d->nread, (uint64_t)r);
		off += (uint64_t)r;
		while (cnt > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0 && r > 0) {
			int e = dev_read(d, (char *)iov->iov_base + r,
					 iov->iov_len - (size_t)r, off);

			if (e)
				return e;
			off += iov->iov_len - (size_t)r;
			iov++;
			cnt--;
		}
	}
	return 0;
}

/* Gathered write; a short pwritev falls back to plain writes of the rest. */
int dev_writev(struct dev *d, struct iovec *iov, int cnt, uint64_t off)
{
	if (io_dry)
		return dev_write(d, NULL, iov_bytes(iov, cnt), off);
	d->dirty = 1;
	while (cnt > 0) {
		ssize_t r = pwritev(d->fd, iov, cnt, (off_t)(off + d->base));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ENOSPC;
		count(&io_stats.bytes_written, (uint64_t)r);
		count(&d->nwritten, (uint64_t)r);
		off += (uint64_t)r;
		while (cnt > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0 && r > 0) {
			int e = dev_write(d, (char *)iov->iov_base + r,
					  iov->iov_len - (size_t)r, off);

			if (e)
				return e;
			off += iov->iov_len - (size_t)r;
			iov++;
			cnt--;
		}
	}
	return 0;
}

/* Make every write to this member durable. Skipped when nothing is dirty. */
int dev_flush(struct dev *d)
{
	if (!d->dirty)
		return 0;
	while (!io_dry && fdatasync(d->fd) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	count(&io_stats.flushes, 1);
	count(&d->nflush, 1);
	d->dirty = 0;
	return 0;
}

/* One member's part of an operation on every member at once. */
struct job {
	struct dev *d;
	const void *buf;	/* dev_write_durable_all: what, where */
	uint64_t off;
	size_t len;
	int err;
};

static void *job_run(void *arg)
{
	struct job *j = arg;

	j->err = j->buf ? dev_write_durable(j->d, j->buf, j->len, j->off) : dev_flush(j->d);
	return NULL;
}

/* Run the jobs at once. Returns 0, or the first error with *failed the index of its member. */
static int jobs_run(struct job *job, uint32_t n, int *failed)
{
	int e = 0;

	at_once(job_run, job, sizeof(*job), n, !io_dry);
	for (uint32_t i = 0; i < n && !e; i++) {
		e = job[i].err;
		*failed = (int)i;
	}
	return e;
}

/* Flush the n members, all at once (those with nothing to flush are skipped). */
int dev_flush_all(struct dev *d, uint32_t n, int *failed)
{
	struct job job[MAX_DEVS];
	uint32_t k = 0;
	int e, which;

	for (uint32_t i = 0; i < n; i++)
		if (d[i].dirty)
			job[k++] = (struct job){ &d[i], NULL, 0, 0, 0 };
	e = jobs_run(job, k, &which);
	if (e)
		*failed = (int)(job[which].d - d);
	return e;
}

/* dev_write_durable on every member at once: bufs[i] at offs[i] on member i. */
int dev_write_durable_all(struct dev *d, uint32_t n, uint8_t *const *bufs, size_t len,
			  const uint64_t *offs, int *failed)
{
	struct job job[MAX_DEVS];

	for (uint32_t i = 0; i < n; i++)
		job[i] = (struct job){ &d[i], bufs[i], offs[i], len, 0 };
	return jobs_run(job, n, failed);
}

/*
 * A write that is durable when it returns (pwritev2 with RWF_DSYNC: a FUA
 * write on most disks), without flushing the member's other writes; where
 * the kernel or file system cannot, a write and a flush.
 */
int dev_write_durable(struct dev *d, const void *buf, size_t len, uint64_t off)
{
	struct iovec iov = { (void *)buf, len };
	int was_dirty = d->dirty, e;

	if (io_dry) {
		count(&io_stats.durable_writes, 1);
		count(&d->ndurable, 1);
		count(&io_stats.bytes_written, len);
		count(&d->nwritten, len);
		return 0;
	}
	for (;;) {
		ssize_t r = pwritev2(d->fd, &iov, 1, (off_t)(off + d->base), RWF_DSYNC);

		if (r == (ssize_t)len) {
			count(&io_stats.durable_writes, 1);
			count(&d->ndurable, 1);
			count(&io_stats.bytes_written, len);
		count(&d->nwritten, len);
			return 0;
		}
		if (r >= 0 || errno == EINTR)
			break;	/* short or interrupted: the plain way below */
		if (errno != EOPNOTSUPP && errno != EINVAL && errno != ENOSYS)
			return -errno;
		break;
	}
	e = dev_write(d, buf, len, off);
	if (!e) {
		d->dirty = 1;
		e = dev_flush(d);
		d->dirty = was_dirty;
	}
	return e;
}

/*
 * Start writing back what the copy left in the page cache (image files):
 * a checkpoint's flush then finds less to wait for. Nothing for block
 * devices, written with O_DIRECT.
 */
void dev_writeback(struct dev *d)
{
	if (!io_dry && !d->direct && d->dirty && d->fd >= 0)
		sync_file_range(d->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

/*
 * An image file is about to be read from `off` for `len` bytes: have the
 * kernel start reading all of it at once. A read that does not follow the
 * one before (the next batch of a migration in descending order) would
 * otherwise start with the read-ahead's smallest window and wait for it to
 * grow. Nothing for block devices in direct I/O.
 */
void dev_will_read(struct dev *d, uint64_t off, uint64_t len)
{
	if (!io_dry && !d->direct && d->fd >= 0)
		posix_fadvise(d->fd, (off_t)(off + d->base), (off_t)len, POSIX_FADV_WILLNEED);
}

/* Page-aligned zeroed buffer, so direct I/O can use it. NULL on failure. */
void *io_alloc(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len ? len : 4096))
		return NULL;
	memset(p, 0, len);
	return p;
}

/*
 * Before migrating: block devices switch to O_DIRECT, so the copy goes to
 * the disk and not through the page cache (libblkid has probed with its own
 * unaligned buffers by then); if the device refuses, buffered I/O it is.
 * Every transfer raidmig makes is aligned: page-aligned buffers, offsets
 * and lengths in whole logical sectors. Files get a sequential hint.
 */
void dev_for_copying(struct dev *d)
{
	int fl;

	if (io_dry || d->fd < 0)
		return;
	if (!d->is_blk) {
		posix_fadvise(d->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		return;
	}
	fl = fcntl(d->fd, F_GETFL);
	d->direct = fl >= 0 && fcntl(d->fd, F_SETFL, fl | O_DIRECT) == 0;
}
