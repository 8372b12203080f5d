/*
 * create.c: a new array. The checks on the devices before anything is
 * written, the geometry that fits them, and the first metadata generation.
 * convert and plan share all of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "checkpoint.h"
#include "copy.h"
#include "create.h"
#include "mdarray.h"
#include "probe.h"
#include "report.h"
#include "util.h"

/*
 * Refuse a device that belongs to a migration raidmig has not finished:
 * its newest metadata is a creation or a migration under way, or its md
 * superblock carries raidmig's mark (a migration under way, or the switch
 * to md cut short). Only resume may write to it: anything else would
 * overwrite data that is, for now, in no other place, or a superblock
 * that is the only description of the array. --force does not change
 * that; 'raidmig wipe --force' discards such a migration on purpose.
 * Returns 0 or -EINVAL after a message naming the device.
 */
int create_check_unfinished(struct dev *d, int count)
{
	struct meta m[MAX_MEMBERS];
	enum member_state st[MAX_MEMBERS];

	for (int i = 0; i < count; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		st[i] = array_member_state(&d[i], &m[i]);
		if ((int)st[i] < 0) {
			log_err("%s: cannot read", d[i].path);
			return -EINVAL;
		}
	}
	for (int i = 0; i < count; i++) {
		struct mdsb s;
		const char *why = "";
		int marked = array_read_md(&d[i], -1, &s, &why) == 0 && (s.feature_map & MDSB_FEATURE_RAIDMIG);
		int lagging = 0;
		char u[40];

		if (why && !strcmp(why, "read error")) {
			log_err("%s: cannot read its md superblock", d[i].path);
			return -EINVAL;
		}
		/* a copy left behind by a final checkpoint that reached only some
		 * members: another member of the array holds the newer, complete one */
		for (int k = 0; k < count && (st[i] == RM_MIGRATING || st[i] == RM_UNSTARTED); k++)
			lagging |= st[k] == RM_COMPLETE && m[k].generation > m[i].generation &&
				   !memcmp(m[k].array_uuid, m[i].array_uuid, 16);
		if (lagging || (st[i] != RM_UNSTARTED && st[i] != RM_MIGRATING && !marked))
			continue;
		if (st[i] == RM_UNSTARTED || st[i] == RM_MIGRATING)
			uuid_hex(m[i].array_uuid, u);
		else
			uuid_md(s.set_uuid, u);
		log_err("%s: belongs to array %s, whose migration raidmig has not finished (%s): run 'raidmig resume' with all of its devices, which finishes it; nothing was written",
			d[i].path, u, st[i] == RM_UNSTARTED ? "it was being created" :
			st[i] == RM_MIGRATING ? "its data is being migrated" : "its md superblock is raidmig's mark");
		return -EINVAL;
	}
	return 0;
}

/*
 * Checks on the opened devices that need nothing but the devices. *ours
 * says the source's tail holds raidmig's own structures, which --force lets
 * convert overwrite. `is_md` (NULL for a plain source) marks the members
 * of an md array being reshaped: their data is the volume, and raidmig's
 * metadata of the conversion that made the array is theirs to replace.
 * Returns 0 or -EINVAL after a message.
 */
int create_check_devices(struct dev *d, int count, int force, int *ours, const int *is_md)
{
	char what[128], u[33];

	*ours = 0;
	if (probe_check_use(d, count, 1, force))
		return -EINVAL;
	for (int i = 0; i < count; i++) {
		struct meta m = { 0 };
		enum member_state st;
		int s, reverted;

		if (d[i].size > MAX_DISK_BYTES) {
			log_err("%s: larger than the %llu bytes (256 TiB) raidmig handles", d[i].path,
				(unsigned long long)MAX_DISK_BYTES);
			return -EINVAL;
		}
		if (d[i].sector != d[0].sector) {
			log_err("%s: logical sector size %u differs from %s's %u", d[i].path,
				d[i].sector, d[0].path, d[0].sector);
			return -EINVAL;
		}
		st = array_member_state(&d[i], &m);
		if ((int)st < 0) {
			log_err("%s: cannot read", d[i].path);
			return -EINVAL;
		}
		uuid_hex(m.array_uuid, u);
		reverted = st == RM_COMPLETE && m.p.to.level == LEVEL_PLAIN;
		if (reverted)
			st = RM_NONE;	/* a disk raidmig reverted: its metadata is history */
		if (is_md && is_md[i])
			continue;	/* unfinished ones: create_check_unfinished */
		if ((st == RM_COMPLETE || st == RM_DAMAGED) && !force) {
			log_err("%s: carries raidmig metadata of %s: use --force to overwrite it, or 'raidmig wipe' first",
				d[i].path, st == RM_COMPLETE ? "a finished conversion" : "a conversion, damaged");
			return -EINVAL;
		}
		if (i == 0 && !is_md) {
			*ours = st != RM_NONE || reverted;
			continue;
		}
		if (st == RM_TORN || force)
			continue;	/* a creation torn at its first write left nothing else */
		s = probe_signature(&d[i], what, sizeof(what));
		if (s < 0) {
			log_err("%s: cannot probe with libblkid", d[i].path);
			return -EINVAL;
		}
		if (s) {
			log_err("%s: carries %s: its data would be destroyed; use --force to overwrite it",
				d[i].path, what);
			return -EINVAL;
		}
	}
	return 0;
}

/* How to make what ends at se->end end by byte `fit`: the commands for what it is. */
static void how_to_shrink(const char *src, const struct source_end *se, uint64_t fit, char *buf, size_t len)
{
	unsigned long long k = fit / 4096 * 4;	/* KiB, in whole 4 KiB blocks */

	if (se->kind == END_FILESYSTEM && !strncmp(se->type, "ext", 3))
		snprintf(buf, len, "shrink the filesystem: e2fsck -f %s && resize2fs %s %lluK", src, src, k);
	else if (se->kind == END_PARTITIONS)
		snprintf(buf, len, "shrink the filesystem in the last partition (resize2fs for ext4; xfs cannot shrink), then the partition to end before byte %llu (parted %s resizepart N %lluB, or sfdisk)",
			 (unsigned long long)fit, src, (unsigned long long)fit - 1);
	else if (!strcmp(se->type, "xfs"))
		snprintf(buf, len, "xfs cannot shrink: copy its files off and make it again smaller (mkfs.xfs -d size=%lluk), or give the new array more room",
			 k);
	else if (!strcmp(se->type, "swap"))
		snprintf(buf, len, "make the swap again smaller: swapoff %s; mkswap --size %lluK %s (it holds nothing to keep)",
			 src, k, src);
	else if (!strcmp(se->type, "btrfs"))
		snprintf(buf, len, "shrink the btrfs (mounted: btrfs filesystem resize %lluK MOUNTPOINT)", k);
	else if (!strcmp(se->type, "LVM2_member"))
		snprintf(buf, len, "free the end of the physical volume (pvmove, lvreduce), then pvresize --setphysicalvolumesize %lluK %s",
			 k, src);
	else
		snprintf(buf, len, "make its data end by byte %llu", (unsigned long long)fit);
}

/*
 * No room for the source's data in the new array: nothing is written, and
 * the message says by how much it must shrink and how, or that the array
 * needs more room (RAID1 and two-copy RAID10 of a full disk hold less than
 * the disk: no layout makes room there).
 */
static int no_room(const struct dev *d, const struct dev *small, const struct pair *p,
		   const struct source_end *se, uint64_t end)
{
	uint64_t fit = p->to.member_data / pair_unit_depth(p) * pair_unit_bytes(p);
	char need[32], got[32], how[320], name[64];

	if (fit > geom_capacity(&p->to))
		fit = geom_capacity(&p->to);
	fit = fit / d[0].sector * d[0].sector;
	fmt_size(need, sizeof(need), end - fit);
	fmt_size(got, sizeof(got), fit);
	how_to_shrink(d[0].path, se, fit, how, sizeof(how));
	log_err("%s: %s ends at byte %llu, and %s over %u members holds %llu bytes (%s; %s is the smallest): nothing was written",
		d[0].path, se->what, (unsigned long long)end, geom_level_name(&p->to, name, sizeof(name)),
		p->to.members, (unsigned long long)fit, got, small->path);
	log_err("to convert it, %s shrinks by %llu bytes (%s) first: %s; or give the new array more room (more or larger members)",
		d[0].path, (unsigned long long)(end - fit), need, how);
	return -EINVAL;
}

/*
 * The source's data reaches into the place of its configuration area,
 * bytes [room, data_size) of member 0: they move, before anything else is
 * written, to the last member, at the top of its data area, past every
 * row the new layout writes (`rows`), where the migration reads them
 * (the old layout's moved tail, struct geom). Returns 0, or -EINVAL after
 * a message when the new members lack that room.
 */
static int move_tail(struct pair *p, uint64_t room, uint64_t rows, const struct dev *to,
		     const char *src, const char *what)
{
	uint64_t len = p->data_size - room, at;
	char sz[32];

	at = p->to.member_data > len ? (p->to.member_data - len) / META_BLOCK * META_BLOCK : 0;
	if (at < rows) {
		fmt_size(sz, sizeof(sz), rows + len - at);
		log_err("%s: %s reaches %llu bytes into the place of the configuration area, and the new array has no free rows to move them to: the members need %s more",
			src, what, (unsigned long long)len, sz);
		return -EINVAL;
	}
	p->from.moved_at = room;
	p->from.moved_len = len;
	p->from.moved_to = at;
	p->from.moved_member = p->to.members - 1;
	log_verbose("%s: %s reaches %llu bytes into the configuration area's place: they move to %s at byte %llu first",
		    src, what, (unsigned long long)len, to->path, (unsigned long long)at);
	return 0;
}

/*
 * Work out the geometry: the data to migrate on the source and the member
 * data size every member can hold. Refuses members too small for the data.
 */
int create_geometry(struct dev *d, int n, const struct geom *want, int ours, struct pair *p)
{
	uint64_t room, end, rows, cap, size[MAX_MEMBERS];
	const char *why;
	struct source_end se = { .kind = END_BLANK, .what = "its data" };
	int small = 0;

	memset(p, 0, sizeof(*p));
	p->to = *want;
	p->to.members = (uint32_t)n;
	p->from.level = LEVEL_PLAIN;
	p->from.chunk = META_BLOCK;
	p->from.members = 1;
	if (p->to.chunk % d[0].sector) {
		log_err("chunk %u is not a multiple of the %u-byte sector", p->to.chunk, d[0].sector);
		return -EINVAL;
	}
	p->to.member_data = geom_stripe_depth(&p->to);
	why = geom_check(&p->to);
	if (why) {
		char name[64];

		log_err("%s over %d members: %s", geom_level_name(&p->to, name, sizeof(name)), n, why);
		return -EINVAL;
	}
	/* the most every member can hold, then the most the source may hand over */
	p->to.member_data = UINT64_MAX;
	for (int i = 0; i < n; i++) {
		uint64_t md = geom_round_member(&p->to, meta_new_room(p, d[i].size));

		if (md < p->to.member_data) {
			p->to.member_data = md;
			small = i;
		}
	}
	room = meta_data_room(p, d[0].size);
	if (room == 0 || p->to.member_data == 0) {
		log_err("%s: too small to hold the configuration area", d[small].path);
		return -EINVAL;
	}
	cap = geom_capacity(&p->to);
	if (d[0].fd < 0)
		se.end = room;	/* plan --size: a disk with no signature */
	else if (probe_source_end(&d[0], room, ours, &se))
		return -EINVAL;
	end = se.end;
	log_verbose("%s: %s ends at byte %llu", d[0].path, se.what, (unsigned long long)end);
	/* a source with no signature: its end up to its area is data, unless it is zeros */
	if (se.kind == END_BLANK && end > cap) {
		int z = d[0].fd < 0 ? 1 : probe_zero(&d[0], cap, end);

		if (z < 0)
			return -EINVAL;
		if (z)
			end = cap;
	}
	end = (end + d[0].sector - 1) / d[0].sector * d[0].sector;
	if (end > cap)
		return no_room(d, &d[small], p, &se, end);
	if (end == 0) {
		log_err("%s: holds no data to migrate", d[0].path);
		return -EINVAL;
	}
	p->data_size = end;
	p->from.member_data = (end + META_BLOCK - 1) / META_BLOCK * META_BLOCK;
	/* every member needs the rows holding the data, in whole units */
	rows = pair_units(p) * pair_unit_depth(p);
	if (rows > p->to.member_data)
		return no_room(d, &d[small], p, &se, end);
	if (end > room && move_tail(p, room, rows, &d[n - 1], d[0].path, se.what))
		return -EINVAL;
	why = pair_order(p);
	if (why) {
		log_err("cannot migrate: %s", why);
		return -EINVAL;
	}
	for (int i = 0; i < n; i++)
		size[i] = d[i].size;
	why = meta_fit_slot(p, size);
	if (why) {	/* what a resume will check: never written otherwise */
		log_err("cannot migrate: %s", why);
		return -EINVAL;
	}
	return 0;
}

/*
 * Before anything else is written: the old layout's bytes in the place of
 * the configuration area (each old member's, a plain source's alone) go to
 * where its moved tail lives, and are flushed there, so they are durable
 * before the first metadata that points to them and before any old
 * member's tail is overwritten. They must still be the bytes create_meta
 * read (the devices are locked). Returns 0 or -errno after a message.
 */
/* The bytes that move (struct geom's moved tail), where they are now, member by member, into buf. */
static int read_tails(struct dev *d, const struct geom *g, uint8_t *buf)
{
	int e = buf ? 0 : -ENOMEM;

	for (uint32_t i = 0; i < g->members && !e; i++) {
		e = dev_read(&d[i], buf + i * g->moved_len, g->moved_len, g->offset + g->moved_at);
		if (e)
			log_err("%s: cannot read the bytes to move: %s", d[i].path, strerror(-e));
	}
	return e;
}

static int write_moved_tail(struct run *r)
{
	const struct geom *g = &r->a->m.p.from;
	struct dev *dst = &r->a->dev[g->moved_member];
	uint8_t *buf = io_alloc(g->moved_len * g->members);
	int e = read_tails(r->a->dev, g, buf);

	if (!e && !io_dry && crc_of(buf, g->moved_len * g->members) != r->a->m.moved_crc)
		log_err("%s: the bytes to move changed since they were read: nothing was written",
			r->a->dev[0].path), e = -EIO;
	if (!e && ((e = dev_write(dst, buf, g->moved_len * g->members, g->moved_to)) || (e = dev_flush(dst))))
		log_err("%s: moving the old layout's last bytes there failed: %s", dst->path, strerror(-e));
	r->bytes_staged += g->moved_len * g->members;
	free(buf);
	return e;
}

/*
 * Create the array: the first generation to one copy of every member, the
 * added members first, flushed before any old member (a plain source, an md
 * array's members) gets its metadata: where the old layout's data reaches
 * the configuration area (a moved tail), a metadata write lands on old
 * data, and only durable metadata on the added members says where those
 * bytes went. Once every member's is durable (array.c knows an old md member
 * without it by its unmarked superblock), the md superblocks marked as
 * migrating, and a flush. The other copy is left as it is: on the members of an array
 * raidmig made, it holds that array's newest generation, the last good
 * copy until the first generation is durable (the first generation is
 * above it, and a resume takes an older generation for none). A crash here
 * leaves either no first generation anywhere (nothing is marked: the old
 * array or the plain source is as it was, and resume says the migration
 * had not started) or the first generation on some members, which resume
 * takes up: it proves the others by their first bytes or their untouched
 * md superblocks (array.c), writes the generation and the marks on every
 * member, and migrates.
 */
int create_write_initial(struct run *r)
{
	uint32_t n_old = r->a->m.p.from.members < r->a->n ? r->a->m.p.from.members : r->a->n;
	int e = md_drop_bitmaps(r->a, r->mbuf);

	if (e > 0)
		fprintf(stderr, "raidmig: %s: md's write-intent bitmap is removed from the old array's superblocks: raidmig's metadata goes where md keeps it; once migrated, add it again: mdadm --grow --bitmap=internal /dev/md/%.*s\n",
			r->a->dev[0].path, MD_NAME_MAX, r->a->m.name);
	if (e >= 0)
		e = r->a->m.p.from.moved_len ? write_moved_tail(r) : 0;

	for (uint32_t k = 0; k < r->a->n && !e; k++) {
		/* the added members n_old, ..., n - 1, then the old ones 0, ..., n_old - 1 */
		uint32_t i = (k + n_old) % r->a->n;

		if (k == r->a->n - n_old)
			e = ck_flush_all(r);
		if (!e)
			e = ck_write_meta_member(r, i, 0);
	}
	if (!e && n_old > 1)	/* an old md member proves itself by its unmarked superblock */
		e = ck_flush_all(r);
	for (uint32_t i = 0; i < r->a->n && !e; i++)
		e = md_mark(r->a, i, r->mbuf);
	if (!e)
		e = ck_flush_all(r);
	return e;
}

/* crc32 of the bytes that move, where they are now. */
static uint32_t moved_crc(struct dev *d, const struct geom *g, int *err)
{
	uint8_t *buf = io_alloc(g->moved_len * g->members);
	uint32_t c;

	*err = !!read_tails(d, g, buf);
	c = *err ? 0 : crc_of(buf, g->moved_len * g->members);
	free(buf);
	return c;
}

/* The default array name: the source's file name, in md's characters. */
static void default_name(const char *src, char *name)
{
	const char *b = strrchr(src, '/');
	int n = 0;

	for (b = b ? b + 1 : src; *b && n < MD_NAME_MAX; b++)
		name[n++] = (*b >= 'a' && *b <= 'z') || (*b >= 'A' && *b <= 'Z') ||
			    (*b >= '0' && *b <= '9') || *b == '.' || *b == '-' || *b == '_' ? *b : '_';
	name[n] = 0;
	if (!n)
		strcpy(name, "raidmig");
}

/*
 * The metadata of a new array over a->dev[0..n), generation 0. `name` is
 * md's array name (NULL: the default). Reads the source's first bytes for
 * source_crc. Returns 0 or -errno after a message.
 */
int create_meta(struct array *a, const struct pair *p, const struct journal *jp, const char *name)
{
	struct meta *m = &a->m;

	memset(m, 0, sizeof(*m));
	m->p = *p;
	m->sector_size = a->dev[0].sector;
	m->state = META_MIGRATING;
	m->ctime = (uint64_t)time(NULL);
	m->md_events = 1;
	if (name)
		snprintf(m->name, sizeof(m->name), "%s", name);
	else
		default_name(a->dev[0].path, m->name);
	/* above every generation the devices carry, so that no metadata left
	 * by an earlier array (the one this migrates from) is taken as newer */
	m->first_generation = 1;
	for (uint32_t i = 0; i < a->n; i++) {
		struct meta old;
		enum member_state st = a->dev[i].fd < 0 ? RM_NONE : array_member_state(&a->dev[i], &old);

		if ((int)st < 0) {
			log_err("%s: cannot read", a->dev[i].path);
			return -EIO;
		}
		if ((st == RM_UNSTARTED || st == RM_MIGRATING || st == RM_COMPLETE) &&
		    old.generation >= m->first_generation)
			m->first_generation = old.generation + 1;
	}
	m->generation = m->first_generation;
	if (getrandom(m->array_uuid, 16, 0) != 16) {
		log_err("getrandom: %s", strerror(errno));
		return -EIO;
	}
	for (uint32_t i = 0; i < a->n; i++) {
		int err = 0;

		if (getrandom(m->member[i].uuid, 16, 0) != 16)
			return -EIO;
		m->member[i].size = a->dev[i].size;
		/* how a resume knows this device again if its first metadata is lost */
		if (a->dev[i].fd >= 0 && i > 0) {
			m->member[i].head_crc = array_source_crc(&a->dev[i], 0, SOURCE_CRC_BYTES, &err);
			m->member[i].head_known = 1;
		}
		if (err) {
			log_err("%s: cannot read", a->dev[i].path);
			return -EIO;
		}
	}
	if (jp) {
		m->journal_flags = JOURNAL_GIVEN;
		m->journal_crc = jp->crc;
		m->journal_size = jp->size;
		m->journal_data_crc = jp->data_crc;
	}
	if (a->dev[0].fd >= 0) {
		int err;

		m->source_crc = array_source_crc(&a->dev[0], p->from.offset, p->data_size, &err);
		if (!err && p->from.moved_len)
			m->moved_crc = moved_crc(a->dev, &p->from, &err);
		if (err) {
			log_err("%s: cannot read", a->dev[0].path);
			return -EIO;
		}
	}
	return 0;
}
