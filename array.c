/*
 * array.c: find an array on a set of devices. Every member carries two
 * metadata copies; the newest valid generation across all members is the
 * array's state. The set is refused unless it is exactly the members that
 * metadata names: same array, every index once, no member more than one
 * generation behind (a lost or stale copy of a member would make its data
 * disagree with the checkpoint).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "checkpoint.h"
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
		if (d->size < 2 * (uint64_t)META_COPIES * META_BLOCK) {
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
			if (m[c].member[m[c].member_index].size != d->size) {
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

/* The fields that must be identical on every member of one array. */
static int same_array(const struct meta *a, const struct meta *b)
{
	if (memcmp(a->array_uuid, b->array_uuid, 16))
		return 0;
	if (memcmp(&a->g, &b->g, sizeof(a->g)) || a->sector_size != b->sector_size ||
	    a->journal_crc != b->journal_crc || a->journal_size != b->journal_size)
		return 0;
	for (uint32_t i = 0; i < a->g.members; i++) {
		if (memcmp(a->member[i].uuid, b->member[i].uuid, 16) ||
		    a->member[i].size != b->member[i].size)
			return 0;
	}
	return 1;
}

/*
 * Open the devices and assemble them in member order. Returns 0, or
 * -EINVAL after a message: nothing has been written either way.
 */
int array_assemble(struct array *a, char **paths, int count, int writable, int force)
{
	struct dev d[MAX_MEMBERS];
	struct meta best[MAX_MEMBERS];
	int newest = -1, opened = 0;

	memset(a, 0, sizeof(*a));
	if (count > MAX_MEMBERS) {
		log_err("too many devices (at most %d)", MAX_MEMBERS);
		return -EINVAL;
	}
	if (dev_open_all(d, paths, count, writable, &opened) ||
	    probe_check_use(d, count, writable, force))
		goto fail;
	for (int i = 0; i < count; i++) {
		struct meta m[META_COPIES];
		const char *why[META_COPIES];
		int c = array_read_copies(&d[i], m, why);

		if (c < 0) {
			log_err("%s: no valid raidmig metadata (copy 0: %s; copy 1: %s)",
				paths[i], why[0], why[1]);
			goto fail;
		}
		best[i] = m[c];
		if (newest < 0 || best[i].generation > best[newest].generation)
			newest = i;
	}
	if (count == 0) {
		log_err("no devices given");
		return -EINVAL;
	}
	a->m = best[newest];
	a->n = a->m.g.members;
	for (int i = 0; i < count; i++) {
		char u[33];
		uint32_t k = best[i].member_index;

		uuid_hex(a->m.array_uuid, u);
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
	}
	for (uint32_t k = 0; k < a->n; k++) {
		if (!a->dev[k].path) {
			char u[33];

			uuid_hex(a->m.array_uuid, u);
			log_err("member %u of array %s is missing (%d of %u members given)", k, u,
				count, a->n);
			goto fail;
		}
	}
	a->m.member_index = 0;
	return 0;
fail:
	for (int i = 0; i < opened; i++)
		dev_close(&d[i]);
	memset(a, 0, sizeof(*a));
	return -EINVAL;
}

void array_close(struct array *a)
{
	for (uint32_t i = 0; i < a->n; i++)
		dev_close(&a->dev[i]);
}

/*
 * Before a resume writes generation g + 1 over the copy holding g - 1, every
 * member must hold g: a crash between members may have left some at g - 1,
 * and overwriting their only good copy would lose it. Writes g to its copy
 * on every member and flushes.
 */
int array_repair(struct run *r)
{
	int e = ck_write_meta(r);

	return e ? e : ck_flush_all(r);
}
