/*
 * create.c: a new array. The checks on the devices before anything is
 * written, the geometry that fits them, and the first metadata generation.
 * convert and plan share all of it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "checkpoint.h"
#include "create.h"
#include "probe.h"
#include "util.h"

/*
 * A convert that stopped while creating its array wrote nothing but
 * metadata: generation 1, added members first. Such a member may be
 * overwritten by a new convert without --force: its newest valid copy is
 * generation 1, or its copy was torn before it became valid.
 */
static int unstarted(struct dev *d)
{
	struct meta m[META_COPIES];
	const char *why[META_COPIES];
	int c = array_read_copies(d, m, why);

	return c == -1 || (c >= 0 && m[c].generation == 1);
}

/*
 * A creation cut short: no valid copy on the source, and every added member
 * holds a valid generation 1 of one array that names a source of this size.
 * The source's metadata blocks then hold only raidmig's own torn writes
 * (they read as zeros when that convert checked them), so they are not
 * data; a source with raidmig metadata that is not this is refused.
 */
static int source_cut_short(struct dev *d, int n)
{
	struct meta m[META_COPIES], first;
	const char *why[META_COPIES];

	if (array_read_copies(&d[0], m, why) != -1)
		return 0;
	for (int i = 1; i < n; i++) {
		int c = array_read_copies(&d[i], m, why);

		if (c < 0 || m[c].generation != 1 || m[c].member_index != (uint32_t)i ||
		    m[c].member[0].size != d[0].size)
			return 0;
		if (i == 1)
			first = m[c];
		else if (memcmp(first.array_uuid, m[c].array_uuid, 16))
			return 0;
	}
	return 1;
}

/* Checks on the opened devices that need nothing but the devices. */
int create_check_devices(struct dev *d, int count, int force, int *cut_short)
{
	char what[128];
	int magic[MAX_MEMBERS] = { 0 }, any = 0;

	if (probe_check_use(d, count, 1, force))
		return -EINVAL;
	for (int i = 0; i < count; i++) {
		if (d[i].sector != d[0].sector) {
			log_err("%s: logical sector size %u differs from %s's %u", d[i].path,
				d[i].sector, d[0].path, d[0].sector);
			return -EINVAL;
		}
		magic[i] = probe_raidmig_magic(&d[i]);
		if (magic[i] < 0) {
			log_err("%s: cannot read: %s", d[i].path, strerror(-magic[i]));
			return -EINVAL;
		}
		any |= magic[i];
	}
	/* the source's magic, or its torn remains, may be a creation cut short */
	*cut_short = any && source_cut_short(d, count);
	if (magic[0] && !*cut_short) {
		log_err("%s: already carries raidmig metadata: use 'raidmig resume'", d[0].path);
		return -EINVAL;
	}
	for (int i = 1; i < count && !force; i++) {
		int s;

		if (magic[i] && !unstarted(&d[i])) {
			log_err("%s: carries raidmig metadata of another array: use --force to overwrite it",
				d[i].path);
			return -EINVAL;
		}
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

/* Work out the geometry; refuse members too small for the data. */
int create_geometry(struct dev *d, int n, uint32_t level, uint32_t chunk, int cut_short,
		    struct geom *g)
{
	uint64_t config, limit, end, need;

	memset(g, 0, sizeof(*g));
	g->level = level;
	g->chunk = chunk;
	g->members = (uint32_t)n;
	config = geom_config_bytes(g);
	if (chunk % d[0].sector) {
		log_err("chunk %u is not a multiple of the %u-byte sector", chunk, d[0].sector);
		return -EINVAL;
	}
	if (geom_usable_end(d[0].size) <= config) {
		log_err("%s: too small to hold the configuration area (%llu bytes)", d[0].path,
			(unsigned long long)config);
		return -EINVAL;
	}
	limit = geom_usable_end(d[0].size) - config;
	if (d[0].fd < 0)
		end = limit;	/* plan --size: a disk with no signature */
	else if (probe_source_end(&d[0], limit, cut_short, &end))
		return -EINVAL;
	end = (end + d[0].sector - 1) / d[0].sector * d[0].sector;
	if (end == 0) {
		log_err("%s: holds no data to migrate", d[0].path);
		return -EINVAL;
	}
	g->data_size = end;
	/* each member needs its share of the data, in whole chunks, plus the area */
	need = (end + (uint64_t)n * chunk - 1) / ((uint64_t)n * chunk) * chunk + config;
	g->member_data = UINT64_MAX;
	for (int i = 0; i < n; i++) {
		uint64_t md = geom_member_data_for(d[i].size, config, chunk);

		if (geom_usable_end(d[i].size) < need) {
			char sz[32];

			fmt_size(sz, sizeof(sz), need - geom_usable_end(d[i].size));
			log_err("%s: too small: a member needs %llu bytes for %llu bytes of data over %d members (%s more)",
				d[i].path, (unsigned long long)need, (unsigned long long)end, n, sz);
			return -EINVAL;
		}
		if (md < g->member_data)
			g->member_data = md;
	}
	return 0;
}

/*
 * Create the array: on every member clear copy 0 and write generation 1 to
 * copy 1. The added members go first and are flushed before the source is
 * marked, so a crash here leaves either an unmarked source (convert can be
 * run again: an added member whose newest generation is 1 holds no data yet)
 * or a complete generation 1 that resume takes up.
 */
int create_write_initial(struct run *r)
{
	uint8_t *zero = io_alloc(META_BLOCK);
	int e = zero ? 0 : -ENOMEM;

	for (uint32_t k = 1; k <= r->a->n && !e; k++) {
		uint32_t i = k % r->a->n;	/* 1, 2, ..., n - 1, then 0 */
		struct dev *dv = &r->a->dev[i];

		if (i == 0)
			e = ck_flush_all(r);
		if (!e)
			e = dev_write(dv, zero, META_BLOCK, meta_copy_offset(dv->size, 0));
		if (e)
			log_err("%s: metadata write failed: %s", dv->path, strerror(-e));
		else
			e = ck_write_meta_member(r, i);
	}
	free(zero);
	if (!e)
		e = ck_flush_all(r);
	return e;
}

/* The metadata of a new array over a->dev[0..n), generation 0. */
int create_meta(struct array *a, const struct geom *g, const struct journal *jp)
{
	memset(&a->m, 0, sizeof(a->m));
	a->m.g = *g;
	a->m.sector_size = a->dev[0].sector;
	a->m.state = META_MIGRATING;
	if (getrandom(a->m.array_uuid, 16, 0) != 16) {
		log_err("getrandom: %s", strerror(errno));
		return -EIO;
	}
	for (uint32_t i = 0; i < a->n; i++) {
		if (getrandom(a->m.member[i].uuid, 16, 0) != 16)
			return -EIO;
		a->m.member[i].size = a->dev[i].size;
	}
	if (jp) {
		a->m.journal_crc = jp->crc;
		a->m.journal_size = jp->size;
	}
	return 0;
}
