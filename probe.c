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
 *   - any other signature: the whole device (raidmig cannot tell where
 *     it ends, so all of it is migrated).
 *   - nothing: everything before the configuration area when the rest
 *     reads as zeros, else the whole device.
 * Data that reaches into the configuration area's place is moved out of
 * its way first (create.c).
 */
#define _GNU_SOURCE
#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fssize.h"
#include "layout.h"
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
	if (d->size < 64 * (uint64_t)META_BLOCK) {
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

/* What blkid's TYPE is, for messages. */
static const char *format_name(const char *type)
{
	static char buf[48];

	if (!strcmp(type, "swap"))
		return "swap area";
	if (!strcmp(type, "LVM2_member"))
		return "LVM2 physical volume";
	if (!strcmp(type, "crypto_LUKS"))
		return "LUKS volume";
	snprintf(buf, sizeof(buf), "%s filesystem", type);
	return buf;
}

/* Where the format blkid named `type` on the device ends (fs_size), or 0. */
static uint64_t device_fs_size(struct dev *d, const char *type)
{
	uint8_t *head = io_alloc(FS_HEAD);
	uint64_t n = d->size < FS_HEAD ? d->size : FS_HEAD, size = 0;

	if (head && !dev_read(d, head, n, 0))
		size = fs_size(type, head);
	free(head);
	return size;
}

/*
 * Where the data of a volume ends, from its first PROBE_HEAD bytes (an md
 * array's volume, read through its layout): the end of its last partition,
 * or the size of a filesystem or volume format fs_size knows. The head goes into a memory file
 * that libblkid probes as it probes a disk, with the volume's logical
 * sector size (a GPT on 4096-byte sectors has its header at byte 4096 and
 * counts in 4096-byte LBAs). The file is made as large as any disk raidmig
 * handles, sparse: a GPT written for a larger disk than the volume (one
 * converted to RAID1) stays valid, and nothing past the head is read but
 * zeros. Returns 0 with *end, -1 when the head holds neither (raidmig
 * cannot tell where the data ends), or -EIO.
 */
int probe_head_end(const uint8_t *head, uint32_t sector, uint64_t *end)
{
	int fd = memfd_create("raidmig-head", MFD_CLOEXEC), rc = -EIO;
	blkid_probe pr = NULL;
	const char *type;

	if (fd < 0 || write_full(fd, head, PROBE_HEAD) < 0 || ftruncate(fd, (off_t)MAX_DISK_BYTES) < 0)
		goto out;
	pr = blkid_new_probe();
	if (!pr || blkid_probe_set_device(pr, fd, 0, (blkid_loff_t)MAX_DISK_BYTES) ||
	    blkid_probe_set_sectorsize(pr, sector))
		goto out;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	blkid_probe_enable_partitions(pr, 1);
	rc = blkid_do_safeprobe(pr);
	if (rc == 0 && blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) == 0) {
		partitions_end(pr, end);
		rc = 0;
	} else if (rc == 0 && blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0) {
		*end = fs_size(type, head);
		rc = *end ? 0 : -1;
	} else if (rc >= 0) {
		rc = -1;
	} else {
		rc = -EIO;
	}
out:
	if (pr)
		blkid_free_probe(pr);
	if (fd >= 0)
		close(fd);
	return rc;
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

/* Do bytes [from, to) of the device read as zeros? 1, 0, or -EINVAL after a message. */
int probe_zero(struct dev *d, uint64_t from, uint64_t to)
{
	int z = area_is_zero(d, from, to);

	if (z < 0)
		log_err("%s: cannot read bytes %llu to %llu", d->path, (unsigned long long)from,
			(unsigned long long)to);
	return z < 0 ? -EINVAL : z;
}

/*
 * Where the source's data ends; `limit` is where its configuration area
 * would start; `ours` says its tail holds raidmig's own metadata and md
 * superblock, from a conversion the user has let --force overwrite: that
 * superblock is then no signature of the source's, and its blocks are not
 * data. Fills *se:
 *   - a partition table: the end of the last partition;
 *   - a whole-disk ext2/3/4 filesystem: its size;
 *   - any other signature: the end of the device (raidmig cannot tell
 *     where it ends, so all of it is data);
 *   - none: `limit` if the bytes from there on are zeros (END_BLANK: the
 *     data is everything before it), else the end of the device.
 * The end may be past `limit`: create_geometry moves that tail out of the
 * configuration area's way, or refuses. Returns 0, or -EINVAL after a
 * message when the device cannot be probed or holds conflicting signatures.
 */
int probe_source_end(struct dev *d, uint64_t limit, int ours, struct source_end *se)
{
	blkid_probe pr = new_probe(d);
	const char *type = NULL;
	char *raid[] = { "linux_raid_member", NULL };
	uint64_t tail, whole = d->size / d->sector * d->sector;
	int rc, z;

	memset(se, 0, sizeof(*se));
	if (!pr) {
		log_err("%s: cannot probe with libblkid", d->path);
		return -EINVAL;
	}
	if (ours)
		blkid_probe_filter_superblocks_type(pr, BLKID_FLTR_NOTIN, raid);
	rc = blkid_do_safeprobe(pr);
	if (rc < 0) {
		blkid_free_probe(pr);
		log_err("%s: %s", d->path, rc == -2 ? "several conflicting signatures: wipe the stale ones first" :
			"cannot probe with libblkid");
		return -EINVAL;
	}
	if (rc == 0 && blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) == 0) {
		snprintf(se->type, sizeof(se->type), "%s", type);
		snprintf(se->what, sizeof(se->what), "its last partition (%s partition table)", type);
		se->kind = END_PARTITIONS;
		partitions_end(pr, &se->end);
		blkid_free_probe(pr);
		return 0;
	}
	if (rc == 0 && blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0) {
		snprintf(se->type, sizeof(se->type), "%s", type);
		blkid_free_probe(pr);
		se->end = device_fs_size(d, se->type);
		se->kind = se->end ? END_FILESYSTEM : END_UNKNOWN;
		snprintf(se->what, sizeof(se->what), "its %s%s", format_name(se->type),
			 se->end ? "" : " (where its data ends is not known: all of the device)");
		if (!se->end)
			se->end = whole;
		return 0;
	}
	blkid_free_probe(pr);
	tail = ours ? meta_copy_offset(d->size, 0) : d->size;
	z = area_is_zero(d, limit, tail);
	if (z < 0) {
		log_err("%s: cannot read the end of the disk", d->path);
		return -EINVAL;
	}
	se->kind = z ? END_BLANK : END_DEVICE;
	se->end = z ? limit : tail / d->sector * d->sector;
	snprintf(se->what, sizeof(se->what), z ? "its data (no signature, zeros at the end)" :
		 "its data (no signature, not zeros at the end: all of the device)");
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

/* Is `fdpath` (a /proc/PID/fd/N link) the device or file `d`, open for writing if `writers`? */
static int fd_is(const struct dev *d, const char *fdpath, const char *infopath, int writers)
{
	struct stat st;
	char line[128];
	unsigned flags = 0;
	FILE *f;

	if (stat(fdpath, &st) < 0)
		return 0;
	if (d->is_blk ? !S_ISBLK(st.st_mode) || st.st_rdev != d->rdev :
	    st.st_dev != d->id_dev || st.st_ino != d->id_ino || !S_ISREG(st.st_mode))
		return 0;
	if (!writers)
		return 1;
	f = fopen(infopath, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %o", &flags) == 1)
			break;
	if (f)
		fclose(f);
	return (flags & O_ACCMODE) != O_RDONLY;
}

/* Another process holding `d` open (for writing, if `writers`): "process PID (NAME)". */
static int find_opener(const struct dev *d, int writers, char *who, size_t len)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;
	int found = 0;

	while (proc && !found && (p = readdir(proc))) {
		char dir[32], fdpath[320], info[320], comm[64] = "?";
		struct dirent *e;
		int pid = atoi(p->d_name);
		DIR *fds;
		FILE *f;

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
		fds = opendir(dir);
		while (fds && !found && (e = readdir(fds))) {
			snprintf(fdpath, sizeof(fdpath), "%s/%s", dir, e->d_name);
			snprintf(info, sizeof(info), "/proc/%d/fdinfo/%s", pid, e->d_name);
			found = e->d_name[0] != '.' && fd_is(d, fdpath, info, writers);
		}
		if (fds)
			closedir(fds);
		if (!found)
			continue;
		snprintf(dir, sizeof(dir), "/proc/%d/comm", pid);
		if ((f = fopen(dir, "re"))) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
		snprintf(who, len, "process %d (%s)", pid, comm);
	}
	if (proc)
		closedir(proc);
	return found;
}

/*
 * Is the device open elsewhere: by another process, or for a file by
 * anything at all (a write lease can be taken only when no other open file
 * refers to it; a read lease only when nobody has it open for writing)?
 * `writers`: only openers for writing count (a reader such as cat).
 * Returns 1 with `who` naming the opener if it can be found.
 */
int probe_open_elsewhere(const struct dev *d, int writers, char *who, size_t len)
{
	/*
	 * For a file the lease answers first and for all openers at once:
	 * granted means nobody else has it open (for writing), and the scan of
	 * every process's descriptors (tens of milliseconds on a busy machine,
	 * on every run) is needed only to name the opener.
	 */
	if (!d->is_blk && fcntl(d->fd, F_SETLEASE, writers ? F_RDLCK : F_WRLCK) == 0) {
		fcntl(d->fd, F_SETLEASE, F_UNLCK);
		return 0;
	}
	if (!d->is_blk && errno != EAGAIN && errno != EBUSY)
		return find_opener(d, writers, who, len);	/* no leases here */
	if (find_opener(d, writers, who, len))
		return 1;
	if (d->is_blk)
		return 0;
	snprintf(who, len, "another program (the kernel, or a process raidmig cannot see)");
	return 1;
}

/*
 * The checks a run makes on every locked device before it writes or reads,
 * convert and resume alike: none mounted, no image file attached to a loop
 * device, none open in another program (unless `force`). `writing`: the
 * run will write. Returns 0 or -EINVAL after a message naming the device.
 */
int probe_check_use(const struct dev *d, int n, int writing, int force)
{
	char what[PATH_MAX + 64];

	for (int i = 0; i < n; i++) {
		if (writing && probe_mounted(&d[i])) {
			log_err("%s: mounted (it or one of its partitions): unmount it first", d[i].path);
			return -EINVAL;
		}
		if (writing && probe_loop_backing(&d[i], what, sizeof(what))) {
			log_err("%s: attached to %s: detach it first (losetup -d)", d[i].path, what);
			return -EINVAL;
		}
		if (!force && probe_open_elsewhere(&d[i], !writing, what, sizeof(what))) {
			if (writing)
				log_err("%s: open in %s: stop it first, or pass --force if you are sure it will not write",
					d[i].path, what);
			else
				log_err("%s: open for writing in %s: stop it first", d[i].path, what);
			return -EINVAL;
		}
	}
	return 0;
}
