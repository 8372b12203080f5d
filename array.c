/*
 * array.c: find an array on a set of devices. Every member carries two
 * metadata copies; the newest valid generation across all members is the
 * array's state. The set is refused unless it is exactly the members that
 * metadata names: same array, every index once, no member more than one
 * generation behind (a lost or stale copy of a member would make its data
 * disagree with the checkpoint).
 *
 * Two exceptions. A read-only assembly (cat) may lack members; the caller
 * decides whether what is left can be read. And a creation cut short:
 * convert writes its first generation to the added members first and to
 * the source last, having written nothing else, so members without
 * metadata (or with only metadata older than the creation: the array an md
 * reshape starts from) in an array at its first generation are taken for
 * the members it names when they prove to be them: the source (member 0)
 * by its size and the crc32 of its first bytes, an old md member by its
 * untouched superblock of the same array, an added member by its size and
 * a blank device (no signature).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "mdsb.h"
#include "copy.h"
#include "probe.h"
#include "report.h"
#include "util.h"

/*
 * Read and decode both copies of one device. Returns the index of the
 * newest valid copy, -1 if neither is valid (why[] says what each is), or
 * -2 if a copy could not be read.
 */
int array_read_copies(struct dev *d, struct meta m[META_COPIES], const char *why[META_COPIES])
{
	uint8_t *blk = io_alloc(META_BLOCK);
	int best = -1, unreadable = 0;

	if (!blk)
		return -2;
	for (int c = 0; c < META_COPIES; c++) {
		memset(&m[c], 0, sizeof(m[c]));
		if (d->size < 64 * (uint64_t)META_BLOCK) {
			why[c] = "device too small to hold metadata";
			continue;
		}
		if (dev_read(d, blk, META_BLOCK, meta_copy_offset(d->size, c))) {
			why[c] = "read error";
			unreadable = 1;
			continue;
		}
		if (meta_decode(blk, &m[c], &why[c]) == 0) {
			why[c] = 0;
			/* recorded past md's data offset, read on the whole device */
			if (m[c].member[m[c].member_index].size + m[c].md.base != d->size + d->base) {
				why[c] = "member size differs from the size recorded for it";
				continue;
			}
			if (best < 0 || m[c].generation > m[best].generation)
				best = c;
		}
	}
	free(blk);
	return unreadable ? -2 : best;
}

/*
 * Read and decode the md superblock of an opened device: of minor version
 * `minor` (0: v1.0 at the end, 1: v1.1 at byte 0, 2: v1.2 at 4 KiB), or with
 * minor -1 wherever one is, in that order (the first location holding md's
 * magic decides). Returns 0 or -1 with *why.
 */
int array_read_md(struct dev *d, int minor, struct mdsb *s, const char **why)
{
	static const uint32_t order[] = { 0, 2, 1 };
	uint8_t *blk = io_alloc(MDSB_BYTES);
	uint64_t bytes = d->size + d->base;	/* the whole device */
	int e = -1;

	*why = "device too small";
	if (!blk)
		return -1;
	memset(s, 0, sizeof(*s));
	for (int k = 0; k < 3 && bytes >= 64 * (uint64_t)META_BLOCK; k++) {
		if (minor >= 0 && order[k] != (uint32_t)minor)
			continue;
		if (dev_read(d, blk, MDSB_BYTES, dev_abs(d, mdsb_location(order[k], bytes)))) {
			*why = "read error";
			e = -1;
			break;
		}
		e = mdsb_decode(blk, bytes, order[k], s, why);
		if (mdsb_is_md(blk))
			break;
	}
	free(blk);
	return e;
}

/* What raidmig metadata a device carries (its newest copy in *m), or -1 if unreadable. */
enum member_state array_member_state(struct dev *d, struct meta *m)
{
	struct meta c[META_COPIES];
	const char *why[META_COPIES];
	int magic = probe_raidmig_magic(d), k;

	if (magic < 0)
		return -1;
	if (!magic)
		return RM_NONE;
	k = array_read_copies(d, c, why);
	if (k == -2)
		return -1;
	if (k < 0) {
		struct mdsb s;
		const char *mdwhy;

		/* each member gets its metadata before its md superblock */
		return array_read_md(d, -1, &s, &mdwhy) && !strcmp(mdwhy, "no md superblock") ?
		       RM_TORN : RM_DAMAGED;
	}
	*m = c[k];
	return m->state == META_COMPLETE ? RM_COMPLETE :
	       m->generation == m->first_generation ? RM_UNSTARTED : RM_MIGRATING;
}

static int same_geom(const struct geom *a, const struct geom *b)
{
	return a->level == b->level && a->layout == b->layout && a->chunk == b->chunk &&
	       a->members == b->members && a->member_data == b->member_data && a->offset == b->offset &&
	       a->moved_at == b->moved_at && a->moved_len == b->moved_len &&
	       a->moved_to == b->moved_to && a->moved_member == b->moved_member;
}

/* The fields that must be identical on every member of one array. */
static int same_array(const struct meta *a, const struct meta *b)
{
	if (memcmp(a->array_uuid, b->array_uuid, 16))
		return 0;
	if (!same_geom(&a->p.from, &b->p.from) || !same_geom(&a->p.to, &b->p.to) ||
	    a->p.data_size != b->p.data_size || a->p.descending != b->p.descending ||
	    a->p.unsynced != b->p.unsynced || a->p.slot_units != b->p.slot_units ||
	    a->p.sync_end != b->p.sync_end ||
	    a->sector_size != b->sector_size ||
	    a->journal_crc != b->journal_crc || a->journal_size != b->journal_size ||
	    a->journal_data_crc != b->journal_data_crc || a->journal_flags != b->journal_flags ||
	    a->source_crc != b->source_crc || a->moved_crc != b->moved_crc || a->ctime != b->ctime ||
	    a->md.minor != b->md.minor || a->md.base != b->md.base ||
	    a->md.bblog_offset != b->md.bblog_offset || a->md.bblog_size != b->md.bblog_size ||
	    a->md_events != b->md_events || strcmp(a->name, b->name))
		return 0;
	for (uint32_t i = 0; i < pair_members(&a->p); i++) {
		if (memcmp(a->member[i].uuid, b->member[i].uuid, 16) ||
		    a->member[i].size != b->member[i].size)
			return 0;
	}
	return 1;
}

/*
 * crc32 of the first bytes of a source from `at` (its data: past an md
 * array's head, whose superblock raidmig rewrites), as convert recorded them.
 */
uint32_t array_source_crc(struct dev *d, uint64_t at, uint64_t data_size, int *err)
{
	uint64_t n = data_size < SOURCE_CRC_BYTES ? data_size : SOURCE_CRC_BYTES;
	uint8_t *buf;

	if (n > d->size / 2)	/* an md member holds less than the volume */
		n = d->size / 2 / 4096 * 4096;
	buf = io_alloc(n);
	uint32_t c = 0;

	*err = !buf || dev_read(d, buf, n, at);
	if (!*err)
		c = crc_of(buf, n);
	free(buf);
	return c;
}

/*
 * Is device d, which carries no valid metadata, member k of the array
 * whose first-generation metadata is m (a creation cut short)? See the top.
 */
static int proves_member(struct dev *d, const struct meta *m, uint32_t k)
{
	char what[128];
	const char *why;
	struct mdsb s;
	int err;

	if (m->generation != m->first_generation || d->size != m->member[k].size)
		return 0;
	if (k == 0)
		return array_source_crc(d, m->p.from.offset, m->p.data_size, &err) == m->source_crc && !err;
	if (m->p.from.level != LEVEL_PLAIN && k < m->p.from.members)	/* an md member, untouched */
		return array_read_md(d, (int)m->md.minor, &s, &why) == 0 && !(s.feature_map & MDSB_FEATURE_RAIDMIG) &&
		       !memcmp(s.set_uuid, m->array_uuid, 16) && mdsb_role(&s) == (int)k &&
		       s.events + 1 == m->md_events;
	if (m->member[k].head_known)	/* an added member: its first bytes, untouched */
		return array_source_crc(d, 0, SOURCE_CRC_BYTES, &err) == m->member[k].head_crc && !err;
	return probe_signature(d, what, sizeof(what)) == 0;
}

static void fail_close(struct dev *d, int opened)
{
	for (int i = 0; i < opened; i++)
		dev_close(&d[i]);
}

/*
 * Open the devices and assemble them in member order. `how`: ASSEMBLE_*
 * flags. Returns 0, or -EINVAL after a message: nothing has been written
 * either way.
 */
int array_assemble(struct array *a, char **paths, int count, int how)
{
	struct dev d[MAX_MEMBERS];
	struct meta best[MAX_MEMBERS];
	const char *why[MAX_MEMBERS][META_COPIES];
	int newest = -1, opened = 0, none[MAX_MEMBERS] = { 0 };
	int writable = !!(how & ASSEMBLE_WRITE);
	char u[33];

	memset(a, 0, sizeof(*a));
	if (count > MAX_MEMBERS) {
		log_err("too many devices (at most %d)", MAX_MEMBERS);
		return -EINVAL;
	}
	if (dev_open_all(d, paths, count, writable, &opened) ||
	    probe_check_use(d, count, writable, how & ASSEMBLE_FORCE))
		goto fail;
	for (int i = 0; i < count; i++) {
		struct meta m[META_COPIES];
		int c = array_read_copies(&d[i], m, why[i]);

		if (c == -2) {
			log_err("%s: cannot read its metadata", paths[i]);
			goto fail;
		}
		if (c < 0) {
			none[i] = 1;
			best[i].generation = 0;
			if (!(how & ASSEMBLE_WRITE)) {
				log_err("%s: no valid raidmig metadata (copy 0: %s; copy 1: %s)",
					paths[i], why[i][0], why[i][1]);
				goto fail;
			}
			continue;
		}
		best[i] = m[c];
		if (newest < 0 || best[i].generation > best[newest].generation)
			newest = i;
	}
	if (count == 0) {
		log_err("no devices given");
		goto fail;
	}
	if (newest < 0) {
		for (int i = 0; i < count; i++)
			log_err("%s: no valid raidmig metadata (copy 0: %s; copy 1: %s)", paths[i],
				why[i][0], why[i][1]);
		log_err("if these are the devices of a convert that was cut short, it had not started: it wrote nothing but its first metadata block; run the same 'raidmig convert' again");
		goto fail;
	}
	a->m = best[newest];
	a->n = pair_members(&a->m.p);
	for (int i = 0; i < count; i++)	/* md v1.1, v1.2: from here on the data area */
		if (d[i].size > a->m.md.base)
			dev_set_base(&d[i], a->m.md.base);
	uuid_hex(a->m.array_uuid, u);
	for (int i = 0; i < count; i++) {
		uint32_t k = best[i].member_index;

		if (none[i])
			continue;
		if (best[i].generation < a->m.first_generation) {
			/* metadata older than this array's creation (of the array it
			 * migrates from, or one raidmig reverted): a creation cut short */
			none[i] = 1;
			continue;
		}
		if (!same_array(&best[i], &a->m)) {
			char v[33];

			uuid_hex(best[i].array_uuid, v);
			log_err("%s and %s are members of different arrays (%s, %s)%s", paths[i],
				paths[newest], v, u, strcmp(u, v) ? "" : " or disagree on its configuration");
			goto fail;
		}
		if (a->dev[k].path) {
			log_err("%s: member %u of array %s given twice (also %s)", paths[i], k, u,
				a->dev[k].path);
			goto fail;
		}
		if (best[i].generation + 1 < a->m.generation) {
			log_err("%s: stale member: metadata generation %llu, the array is at %llu",
				paths[i], (unsigned long long)best[i].generation,
				(unsigned long long)a->m.generation);
			goto fail;
		}
		a->dev[k] = d[i];
		a->gen[k] = best[i].generation;
	}
	/* a creation cut short: devices without metadata that prove to be members */
	for (int i = 0; i < count; i++) {
		uint32_t k;

		if (!none[i])
			continue;
		for (k = 0; k < a->n && (a->dev[k].path || !proves_member(&d[i], &a->m, k)); k++)
			;
		if (k == a->n) {
			if (best[i].generation)	/* valid, older than the array's creation */
				log_err("%s: its raidmig metadata (generation %llu) is older than array %s's creation (generation %llu): not one of its members now",
					paths[i], (unsigned long long)best[i].generation, u,
					(unsigned long long)a->m.first_generation);
			else
				log_err("%s: no valid raidmig metadata (copy 0: %s; copy 1: %s), and not a member that array %s's creation was cut short before reaching",
					paths[i], why[i][0], why[i][1], u);
			/* the newest metadata is a finished array's: a migration of
			 * it started over these devices wrote none that survived */
			if (a->m.state == META_COMPLETE && (how & ASSEMBLE_WRITE))
				log_err("array %s is complete: if these are the devices of a migration of it that was cut short, it had not started: it wrote nothing but its first metadata blocks; run the same 'raidmig convert' (or 'revert') again",
					u);
			goto fail;
		}
		log_err("%s: member %u of array %s, whose creation was cut short: finishing it", paths[i], k, u);
		a->dev[k] = d[i];
	}
	for (uint32_t k = 0; k < a->n; k++) {
		if (a->dev[k].path)
			continue;
		if (!(how & ASSEMBLE_MISSING)) {
			log_err("member %u of array %s is missing (%d of %u members given)", k, u,
				count, a->n);
			goto fail;
		}
		a->dev[k].path = "(missing)";
		a->dev[k].fd = -1;
		a->missing++;
	}
	a->m.member_index = 0;
	return 0;
fail:
	fail_close(d, opened);
	memset(a, 0, sizeof(*a));
	return -EINVAL;
}

void array_close(struct array *a)
{
	for (uint32_t i = 0; i < a->n; i++)
		dev_close(&a->dev[i]);
}
