/*
 * probe.c: look at devices before anything is written (libblkid). Finds
 * signatures on the members being added, where the source's data ends, and
 * whether a device is mounted. Read-only.
 *
 * Where the source's data ends ([0016]: the configuration area must fit
 * after the last partition):
 *   - a partition table: the end of the last partition. The backup GPT at
 *     the very end of the disk is not data; it is lost, and `sgdisk -e`
 *     writes a new one at the end of the volume.
 *   - a whole-disk ext2/3/4 filesystem: its size from its superblock
 *     (libblkid 2.38 does not report filesystem sizes).
 *   - any other signature: refused, raidmig cannot tell where it ends.
 *   - nothing: everything before the configuration area, which must then
 *     read as zeros.
 */
#define _GNU_SOURCE
#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "meta.h"
#include "probe.h"
#include "util.h"

static blkid_probe new_probe(struct dev *d)
{
	blkid_probe pr = blkid_new_probe();

	if (!pr)
		return NULL;
	if (blkid_probe_set_device(pr, d->fd, 0, 0)) {
		blkid_free_probe(pr);
		return NULL;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
	return pr;
}

/*
 * Does the device carry a signature (filesystem, RAID, partition table)?
 * Returns 1 with a description in `what`, 0 if none, -EIO if it cannot be
 * probed.
 */
int probe_signature(struct dev *d, char *what, size_t len)
{
	blkid_probe pr = new_probe(d);
	const char *type = NULL;
	int rc;

	if (!pr)
		return -EIO;
	rc = blkid_do_safeprobe(pr);
	if (rc == -2) {
		snprintf(what, len, "several conflicting signatures");
	} else if (rc == 0) {
		if (blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0)
			snprintf(what, len, "a %s signature", type);
		else if (blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) == 0)
			snprintf(what, len, "a %s partition table", type);
		else
			snprintf(what, len, "a signature");
	}
	blkid_free_probe(pr);
	if (rc == -1)
		return -EIO;
	return rc == 0 || rc == -2;
}

/*
 * Is raidmig's magic at either metadata copy of this device? Returns 1 or
 * 0, or -EIO if a copy cannot be read: an unreadable member is refused,
 * never taken for a blank one.
 */
int probe_raidmig_magic(struct dev *d)
{
	uint8_t *blk = io_alloc(META_BLOCK);
	int found = 0;

	if (!blk)
		return -ENOMEM;
	if (d->size < 2 * (uint64_t)META_COPIES * META_BLOCK) {
		free(blk);
		return 0;
	}
	for (int c = 0; c < META_COPIES && found >= 0; c++) {
		if (dev_read(d, blk, META_BLOCK, meta_copy_offset(d->size, c)))
			found = -EIO;
		else if (!memcmp(blk, "RAIDMIG1", 8))
			found = 1;
	}
	free(blk);
	return found;
}

static int partitions_end(blkid_probe pr, uint64_t *end)
{
	blkid_partlist pl = blkid_probe_get_partitions(pr);
	int n = pl ? blkid_partlist_numof_partitions(pl) : 0;

	*end = 1 << 20;		/* the table itself: at most the first MiB */
	for (int i = 0; i < n; i++) {
		blkid_partition p = blkid_partlist_get_partition(pl, i);
		uint64_t e = (uint64_t)(blkid_partition_get_start(p) +
					blkid_partition_get_size(p)) * 512;

		if (e > *end)
			*end = e;
	}
	return 0;
}

/* Size of an ext2/3/4 filesystem from its superblock, or 0. */
static uint64_t ext_size(struct dev *d)
{
	uint8_t sb[1024];
	uint64_t blocks;
	uint32_t log;

	if (dev_read(d, sb, sizeof(sb), 1024))
		return 0;
	if (sb[0x38] != 0x53 || sb[0x39] != 0xEF)
		return 0;
	blocks = (uint64_t)sb[4] | (uint64_t)sb[5] << 8 | (uint64_t)sb[6] << 16 |
		 (uint64_t)sb[7] << 24;
	if (sb[0x60] & 0x80) {	/* INCOMPAT_64BIT: s_blocks_count_hi */
		uint64_t hi = (uint64_t)sb[0x150] | (uint64_t)sb[0x151] << 8 |
			      (uint64_t)sb[0x152] << 16 | (uint64_t)sb[0x153] << 24;

		blocks |= hi << 32;
	}
	log = (uint32_t)sb[0x18] | (uint32_t)sb[0x19] << 8;
	if (log > 6 || blocks > (UINT64_MAX >> (10 + log)))
		return 0;
	return blocks << (10 + log);
}

static int area_is_zero(struct dev *d, uint64_t from, uint64_t to)
{
	uint8_t *buf = io_alloc(1 << 20);
	int zero = 1;

	if (!buf)
		return -ENOMEM;
	while (from < to && zero) {
		uint64_t n = to - from < (1 << 20) ? to - from : (1 << 20);

		if (dev_read(d, buf, n, from)) {
			free(buf);
			return -EIO;
		}
		for (uint64_t i = 0; i < n && zero; i++)
			zero = !buf[i];
		from += n;
	}
	free(buf);
	return zero;
}

static int need_room(struct dev *d, uint64_t end, uint64_t limit, const char *what)
{
	char sz[32];

	fmt_size(sz, sizeof(sz), end - limit);
	log_err("%s: %s ends %llu bytes (%s) too late: free that much at the end of the disk for the configuration area",
		d->path, what, (unsigned long long)(end - limit), sz);
	return -EINVAL;
}

/*
 * Where the source's data ends; `limit` is where its configuration area
 * starts; `own_meta` says its metadata blocks hold raidmig's own metadata
 * from a creation cut short. Returns 0 with *end <= limit, or -EINVAL
 * after a message.
 */
int probe_source_end(struct dev *d, uint64_t limit, int own_meta, uint64_t *end)
{
	blkid_probe pr = new_probe(d);
	const char *type = NULL;
	int rc, z;

	if (!pr) {
		log_err("%s: cannot probe with libblkid", d->path);
		return -EINVAL;
	}
	rc = blkid_do_safeprobe(pr);
	if (rc < 0) {
		blkid_free_probe(pr);
		log_err("%s: %s", d->path, rc == -2 ? "several conflicting signatures: wipe the stale ones first" :
			"cannot probe with libblkid");
		return -EINVAL;
	}
	if (rc == 0 && blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) == 0) {
		partitions_end(pr, end);
		blkid_free_probe(pr);
		return *end > limit ? need_room(d, *end, limit, "the last partition") : 0;
	}
	if (rc == 0 && blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0) {
		char t[32];

		snprintf(t, sizeof(t), "%s", type);
		blkid_free_probe(pr);
		*end = strncmp(t, "ext", 3) ? 0 : ext_size(d);
		if (!*end) {
			log_err("%s: holds a %s signature and raidmig cannot tell where it ends: put it in a partition that ends before the last %llu bytes",
				d->path, t, (unsigned long long)(d->size - limit));
			return -EINVAL;
		}
		return *end > limit ? need_room(d, *end, limit, "the filesystem") : 0;
	}
	blkid_free_probe(pr);
	*end = limit;
	/* a creation cut short left its own metadata there: check the slot only */
	z = area_is_zero(d, limit, geom_usable_end(d->size) -
			 (own_meta ? (uint64_t)META_COPIES * META_BLOCK : 0));
	if (z < 0) {
		log_err("%s: cannot read the end of the disk", d->path);
		return -EINVAL;
	}
	if (!z) {
		log_err("%s: no partition table or filesystem found, and the last %llu bytes (the configuration area) are not zero: free them, or partition the disk so raidmig can see where the data ends",
			d->path, (unsigned long long)(geom_usable_end(d->size) - limit));
		return -EINVAL;
	}
	return 0;
}

/*
 * Is this image file attached to a loop device? Writing under a live block
 * device (mounted or not) would change data behind its back. Returns the
 * loop device's name in `loop`, or 0.
 */
int probe_loop_backing(const struct dev *d, char *loop, size_t len)
{
	DIR *dir;
	struct dirent *e;
	int found = 0;

	if (d->is_blk || !(dir = opendir("/sys/block")))
		return 0;
	while (!found && (e = readdir(dir))) {
		char path[PATH_MAX], back[PATH_MAX];
		struct stat st;
		FILE *f;

		if (strncmp(e->d_name, "loop", 4))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(back, sizeof(back), f)) {
			back[strcspn(back, "\n")] = 0;
			if (stat(back, &st) == 0 && st.st_dev == d->id_dev && st.st_ino == d->id_ino) {
				snprintf(loop, len, "/dev/%s", e->d_name);
				found = 1;
			}
		}
		fclose(f);
	}
	closedir(dir);
	return found;
}

/* Is this block device, or a partition of it, mounted? */
int probe_mounted(const struct dev *d)
{
	struct stat st;
	char line[4096], self[PATH_MAX], sys[64];
	FILE *f;
	int found = 0;

	if (!d->is_blk || fstat(d->fd, &st) < 0)
		return 0;
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(st.st_rdev), minor(st.st_rdev));
	if (!realpath(sys, self))
		self[0] = 0;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned id, parent, ma, mi;
		char p[96], parent_path[PATH_MAX];

		if (sscanf(line, "%u %u %u:%u", &id, &parent, &ma, &mi) != 4)
			continue;
		if (makedev(ma, mi) == st.st_rdev) {
			found = 1;
			break;
		}
		snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/..", ma, mi);
		if (self[0] && realpath(p, parent_path) && !strcmp(parent_path, self))
			found = 1;
	}
	fclose(f);
	return found;
}
