/* io.h: every disk read, write and flush goes through here. See io.c. */
#ifndef RAIDMIG_IO_H
#define RAIDMIG_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#define MAX_DEVS 16	/* members of one array, at most (layout.h MAX_MEMBERS) */

struct dev {
	const char *path;	/* as given on the command line */
	int fd;
	int is_blk;		/* a block device, not a regular file */
	int dirty;		/* written since its last flush */
	int direct;		/* O_DIRECT in effect */
	uint64_t size;		/* bytes from base to the end */
	uint64_t base;		/* where offset 0 of every transfer lies: the data area of
				 * an md 1.1 or 1.2 member (dev_set_base), else 0 */
	uint32_t sector;	/* logical sector size, bytes */
	dev_t id_dev;		/* identity: a file's st_dev, a block device's number */
	ino_t id_ino;		/* a file's inode, 0 for a block device */
	dev_t back_dev;		/* a loop device or its partition: the backing file */
	ino_t back_ino;		/* of the whole loop disk; 0 for none */
	dev_t rdev;		/* block devices: the device number */
	dev_t disk;		/* block devices: the whole disk holding it */
	uint64_t nread, nwritten;	/* bytes this run, for plan's estimate */
	uint64_t nflush, ndurable;	/* flushes, durable writes */
};

struct io_stats {
	uint64_t bytes_read;
	uint64_t bytes_written;
	uint64_t flushes;
	uint64_t durable_writes;	/* writes that are durable by themselves (RWF_DSYNC) */
};

extern struct io_stats io_stats;
extern int io_dry;	/* plan: count every operation, transfer nothing */

int dev_open(struct dev *d, const char *path, int writable);
int dev_adopt(struct dev *d, const char *path, int fd);
int dev_open_msg(struct dev *d, const char *path, int writable);
int dev_open_all(struct dev *d, char **paths, int count, int writable, int *opened);
void dev_close(struct dev *d);
int dev_lock(struct dev *d, int exclusive);
int dev_overlaps(const struct dev *a, const struct dev *b);
int dev_read(struct dev *d, void *buf, size_t len, uint64_t off);
int dev_write(struct dev *d, const void *buf, size_t len, uint64_t off);
int dev_readv(struct dev *d, struct iovec *iov, int cnt, uint64_t off);
int dev_writev(struct dev *d, struct iovec *iov, int cnt, uint64_t off);
int dev_flush(struct dev *d);
int dev_flush_all(struct dev *d, uint32_t n, int *failed);
int dev_write_durable(struct dev *d, const void *buf, size_t len, uint64_t off);
int dev_write_durable_all(struct dev *d, uint32_t n, uint8_t *const *bufs, size_t len,
			  const uint64_t *offs, int *failed);
void dev_writeback(struct dev *d);
void dev_will_read(struct dev *d, uint64_t off, uint64_t len);
void *io_alloc(size_t len);

/* A member not given (cat of a degraded array); plan's disks have no fd either. */
static inline int dev_missing(const struct dev *d)
{
	return d->fd < 0 && !io_dry;
}
void dev_for_copying(struct dev *d);

/*
 * From here on, offset 0 of this device is byte `base` of it: an md 1.1 or
 * 1.2 member's data area, the same on every member of the array, so that
 * both layouts, the configuration area at the end and every size seen are
 * those of the area past md's superblock and head space. Idempotent.
 */
static inline void dev_set_base(struct dev *d, uint64_t base)
{
	d->size = d->size + d->base - base;
	d->base = base;
}

/* Byte `abs` of the whole device as an offset for dev_read and dev_write (it may lie below base). */
static inline uint64_t dev_abs(const struct dev *d, uint64_t abs)
{
	return abs - d->base;	/* unsigned: wraps below base, and the I/O adds base back */
}

#endif
