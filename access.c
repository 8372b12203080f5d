/*
 * access.c: the commands that look at members, or clear them, without
 * migrating: cat (the volume, from a finished array, one caught
 * mid-migration, or one with members missing), inspect (raidmig's metadata
 * copies and the md superblock of each device) and wipe (raidmig's
 * structures off a device, so it can be used again).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "copy.h"
#include "mdsb.h"
#include "probe.h"
#include "report.h"
#include "util.h"

#define CAT_BYTES	(16u << 20)

/*
 * Refuse an output that shares storage with a member: writing it would
 * destroy the array. Checked before the array is assembled, whose checks
 * would otherwise see the output's own descriptor as "another program".
 */
static int output_is_member(char **args, int count, int fd, const char *name)
{
	struct dev out, m;
	int hit = 0;

	if (dev_adopt(&out, name, fd))
		return 0;	/* a pipe or terminal */
	for (int i = 0; i < count && !hit; i++) {
		if (dev_open(&m, args[i], 0))
			continue;	/* assembling will say why */
		hit = dev_overlaps(&out, &m);
		if (hit)
			log_err("%s: is %s, a member of the array, or shares its storage: refusing to write over it",
				name, args[i]);
		dev_close(&m);
	}
	return hit;
}

static int truncate_regular(int fd, const char *name)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0) {
		log_err("%s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Can the volume be read with the members that are missing? Up to the new
 * layout's redundancy; and while migrating, the old layout's members hold
 * the data not migrated yet. Says which members are missing when not.
 */
static int readable(const struct array *a)
{
	const struct pair *p = &a->m.p;
	int lost_old = 0, lost = 0, r = geom_redundancy(&p->to);
	char list[256] = "";

	if (!a->missing)
		return 1;
	for (uint32_t i = 0; i < a->n; i++) {
		if (a->dev[i].fd >= 0 || (a->m.state == META_COMPLETE && i >= p->to.members))
			continue;	/* a member that left a complete array holds nothing */
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%u", *list ? ", " : "", i);
		lost += i < p->to.members;	/* a leaving member holds none of the new layout */
		lost_old += i < p->from.members;
	}
	if (lost > r) {
		log_err("members %s missing: a %s array can lose at most %d", list,
			geom_level_name(&p->to, (char[64]){ 0 }, 64), r);
		return 0;
	}
	if (a->m.state != META_COMPLETE && lost_old > geom_redundancy(&p->from)) {
		log_err("members %s missing: the data not migrated yet is on them", list);
		return 0;
	}
	return 1;
}

int cmd_cat(char **args, int count)
{
	static struct array a;
	uint64_t size, off = 0;
	uint8_t *buf = NULL;
	size_t blen;
	int fd = 1, rc = EXIT_OK;
	const char *name = opt.output ? opt.output : "standard output";

	if (opt.output)
		fd = open(opt.output, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_err("%s: %s", opt.output, strerror(errno));
		return EXIT_REFUSED;
	}
	/* the output is checked before it is truncated or written */
	if (output_is_member(args, count, fd, name) ||
	    array_assemble(&a, args, count, ASSEMBLE_MISSING)) {
		if (opt.output)
			close(fd);
		return EXIT_REFUSED;
	}
	if (!readable(&a) || (opt.output && truncate_regular(fd, opt.output))) {
		rc = EXIT_REFUSED;
		goto out;
	}
	size = volume_size(&a);
	blen = size < CAT_BYTES ? (size_t)size : CAT_BYTES;
	buf = io_alloc(blen);
	while (buf && off < size) {
		size_t n = size - off < blen ? (size_t)(size - off) : blen;

		int e = volume_read(&a, buf, off, n);

		if (e) {
			rc = e == -EBADMSG || e == -ENODEV ? EXIT_REFUSED : EXIT_IO;
			break;
		}
		if (write_full(fd, buf, n) < 0) {
			log_err("%s: %s", name, strerror(errno));
			rc = EXIT_IO;
			break;
		}
		off += n;
	}
	if (!buf)
		rc = EXIT_IO;
out:
	free(buf);
	if (opt.output && close(fd) < 0)
		rc = EXIT_IO;
	array_close(&a);
	return rc;
}

int cmd_inspect(char **args, int count)
{
	int rc = EXIT_OK, first = 1;

	if (opt.json)
		printf("[");
	for (int i = 0; i < count; i++) {
		struct dev d;
		struct meta m[META_COPIES];
		const char *why[META_COPIES], *mdwhy;
		struct mdsb s;
		int meta_ok, md_ok;

		if (dev_open_msg(&d, args[i], 0)) {
			rc = EXIT_REFUSED;
			continue;
		}
		meta_ok = array_read_copies(&d, m, why) >= 0;
		for (int c = 0; c < META_COPIES; c++) {
			report_copy(args[i], c, &m[c], why[c],
				    d.size >= 64 * META_BLOCK ? meta_copy_offset(d.size, c) : 0,
				    first, opt.json);
			first = 0;
		}
		md_ok = array_read_md(&d, -1, &s, &mdwhy) == 0;
		report_md(args[i], &s, md_ok ? NULL : mdwhy, mdsb_location(md_ok ? s.minor : 0, d.size), opt.json);
		if (!meta_ok && !md_ok)
			rc = EXIT_REFUSED;
		dev_close(&d);
	}
	if (opt.json)
		printf("]\n");
	return rc;
}

/*
 * Where wipe starts on a member of raidmig's array: at its staging slot,
 * but never below the array's data: the new layout's, or md's if the array
 * was grown since (mdadm --grow --size), up to md's bad-block log.
 */
static uint64_t wipe_above_data(const struct meta *m, const struct mdsb *s, uint64_t size)
{
	uint64_t from = meta_slot_offset(&m->p, size), top = mdsb_offset(size) - BBLOG_BYTES;

	if (m->state == META_COMPLETE && from < m->md.base + m->p.to.offset + m->p.to.member_data)
		from = m->md.base + m->p.to.offset + m->p.to.member_data;
	if (s && (s->data_offset + s->size) * 512 > from)
		from = (s->data_offset + s->size) * 512;
	return from < top ? from : top;
}

/*
 * What wipe may erase on one device, and how much below its md superblock:
 * raidmig's metadata and slot, and an md superblock that is raidmig's (its
 * mark, or its array's UUID; *head: one at the head, v1.1 or v1.2, whose
 * byte is set, else UINT64_MAX). Returns the byte where erasing the end
 * starts, or 0 after a message when the device must be left alone.
 */
static uint64_t wipe_from(struct dev *d, uint64_t *head)
{
	struct meta m = { 0 };
	struct mdsb s;
	const char *why;
	enum member_state st = array_member_state(d, &m);
	int md = array_read_md(d, -1, &s, &why) == 0;

	if ((int)st < 0 || (!md && !strcmp(why, "read error"))) {
		log_err("%s: cannot read", d->path);
		return 0;
	}
	if ((st == RM_MIGRATING || st == RM_UNSTARTED || (md && (s.feature_map & MDSB_FEATURE_RAIDMIG))) &&
	    !opt.force) {
		/* an md source's old superblocks are already marked: wiping them
		 * would leave nothing that describes the old array either */
		log_err("%s: belongs to a migration raidmig has not finished: without its metadata and md superblock the array cannot be read; finish it with 'raidmig resume' and all of its devices (--force wipes it anyway, and the data not yet migrated with it)",
			d->path);
		return 0;
	}
	if (md && !(s.feature_map & MDSB_FEATURE_RAIDMIG) &&
	    (st == RM_NONE || st >= RM_DAMAGED || memcmp(s.set_uuid, m.array_uuid, 16))) {
		log_err("%s: its md superblock is not raidmig's: use mdadm --zero-superblock", d->path);
		return 0;
	}
	if (st == RM_NONE && !md) {
		log_err("%s: carries no raidmig metadata and no md superblock: nothing to wipe", d->path);
		return 0;
	}
	*head = md && s.minor ? mdsb_location(s.minor, d->size) : UINT64_MAX;
	if (st == RM_NONE || st >= RM_DAMAGED)
		return meta_copy_offset(d->size, 0);
	return wipe_above_data(&m, md ? &s : NULL, d->size);
}

/*
 * Erase raidmig's structures from each device: its metadata copies, its
 * staging slot, md's bad-block log and the md superblock raidmig wrote.
 * The data area is left alone. Checks every device before writing any.
 */
int cmd_wipe(char **args, int count)
{
	struct dev d[MAX_MEMBERS];
	uint64_t from[MAX_MEMBERS], head[MAX_MEMBERS];
	int opened, rc = EXIT_REFUSED;

	if (count > MAX_MEMBERS) {
		log_err("too many devices (at most %d)", MAX_MEMBERS);
		return EXIT_USAGE;
	}
	if (dev_open_all(d, args, count, 1, &opened) || probe_check_use(d, count, 1, 0))
		goto out;
	for (int i = 0; i < count; i++)
		if (!(from[i] = wipe_from(&d[i], &head[i])))
			goto out;
	if (confirm("This wipes raidmig's metadata and md superblock off every device given;\n"
		    "their data areas are left alone."))
		goto out;
	rc = EXIT_OK;
	for (int i = 0; i < count && rc == EXIT_OK; i++) {
		uint64_t end = mdsb_offset(d[i].size) + MDSB_BYTES, len = end - from[i];
		uint8_t *zero = io_alloc(len);

		if (!zero || dev_write(&d[i], zero, len, from[i]) ||
		    (head[i] != UINT64_MAX && dev_write(&d[i], zero, MDSB_BYTES, head[i])) || dev_flush(&d[i])) {
			log_err("%s: write failed", d[i].path);
			rc = EXIT_IO;
		} else {
			printf("%s: wiped %llu bytes at %llu\n", d[i].path, (unsigned long long)len,
			       (unsigned long long)from[i]);
		}
		free(zero);
	}
out:
	for (int i = 0; i < opened; i++)
		dev_close(&d[i]);
	return rc;
}
