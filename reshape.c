/*
 * reshape.c: a new geometry for an existing md array. Recognises the
 * members of a v1.0, v1.1 or v1.2 array (made by raidmig or by mdadm) by
 * their superblocks and refuses what raidmig cannot take over (with the reason
 * and what to do), puts the devices in member order (the array's roles,
 * then the devices added), works out the pair of geometries, where the
 * volume's data ends when the new array holds less, the room the
 * configuration area needs below every superblock, and the order of the
 * units. The same engine then migrates: a migration is a pair of
 * geometries whatever the old one is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "create.h"
#include "mdsb.h"
#include "probe.h"
#include "report.h"
#include "reshape.h"
#include "bytes.h"
#include "util.h"
#include "volio.h"

/*
 * An md superblock raidmig cannot take over, on a device without a valid
 * v1 one: 0.90 (64 KiB-aligned near the end), which mdadm converts to 1.0
 * in place, or a v1.1 or v1.2 superblock that does not decode (`why`).
 * Says what to do, without --force: taking such a device as a plain disk
 * or an added member destroys its array. Returns 1 after a message, 0 if
 * there is none, -EIO when it cannot be read.
 */
static int other_metadata(struct dev *d, const char *why)
{
	uint8_t *b = io_alloc(MDSB_BYTES);
	uint64_t at[3] = { mdsb_location(2, d->size), mdsb_location(1, d->size),
			   (d->size & ~(uint64_t)0xffff) - 0x10000 };
	const char *ver[3] = { "1.2", "1.1", "0.90" };
	int found = -1;

	for (int k = 0; b && k < 3 && found < 0 && d->size >= 0x20000; k++) {
		if (dev_read(d, b, MDSB_BYTES, at[k])) {
			free(b);
			log_err("%s: cannot read", d->path);
			return -EIO;
		}
		if (get32(b) == MDSB_MAGIC && get32(b + 4) == (k < 2 ? 1u : 0u) &&
		    (k == 2 || get64(b + 144) * 512 == at[k]))
			found = k;
	}
	if (found == 2) {
		log_err("%s: a member of an md array with metadata 0.90 (RAID%d over %u): raidmig migrates metadata 1.0, 1.1 and 1.2, and mdadm converts 0.90 to 1.0 in place: mdadm --assemble /dev/mdN --update=metadata <all its members>, then mdadm --stop /dev/mdN, then run raidmig again; nothing was written",
			d->path, (int32_t)get32(b + 28), get32(b + 40));
	} else if (found >= 0) {
		char name[33];

		memcpy(name, b + 32, 32);
		name[32] = 0;
		log_err("%s: a member of md array %s (metadata %s), whose superblock raidmig cannot use (%s); nothing was written. Assemble the array with mdadm to check it, or, to reuse the disk, stop the array and clear its superblock (mdadm --zero-superblock %s)",
			d->path, name, ver[found], why, d->path);
	}
	free(b);
	return found >= 0;
}

/*
 * The md superblock of each device, and which carry one that raidmig may
 * take over: valid, v1.0, v1.1 or v1.2, not raidmig's own mark. Returns how many do, or
 * -EIO after a message when a device cannot be read.
 */
int reshape_find(struct dev *d, int count, struct mdsb *sb, int *is_md)
{
	int found = 0;

	for (int i = 0; i < count; i++) {
		const char *why = "";
		int v1 = array_read_md(&d[i], -1, &sb[i], &why) == 0;

		is_md[i] = v1 && !(sb[i].feature_map & MDSB_FEATURE_RAIDMIG);
		if (why && !strcmp(why, "read error")) {
			log_err("%s: cannot read", d[i].path);
			return -EIO;
		}
		if (!v1 && other_metadata(&d[i], why))
			return -EINVAL;
		found += is_md[i];
	}
	return found;
}

/*
 * Do the devices with md superblocks hold fewer than all members of their
 * array? Then says so, with both readings: the array's other members were
 * not given, or the superblock is stale (a disk reused without clearing
 * it), which --force takes for a plain source. Returns 1 if partial.
 */
int reshape_partial(const struct dev *d, int count, const struct mdsb *sb, const int *is_md)
{
	int first = -1, have = 0;
	char u[40];

	for (int i = 0; i < count; i++) {
		if (!is_md[i])
			continue;
		if (first < 0)
			first = i;
		have += !memcmp(sb[i].set_uuid, sb[first].set_uuid, 16);
	}
	if (first < 0 || have >= (int)sb[first].raid_disks)
		return 0;
	uuid_md(sb[first].set_uuid, u);
	log_err("%s: carries the md superblock of array %s (%s, %u members), and %d of its members are given: to migrate the array give all of them; if the superblock is stale (the disk was reused), clear it first (raidmig wipe for an array raidmig made, mdadm --zero-superblock for others); nothing was written",
		d[first].path, u, sb[first].set_name, sb[first].raid_disks, have);
	return 1;
}

/*
 * Why raidmig cannot take this array over as it is, or NULL. An array md
 * has not finished resyncing is accepted: with every member present
 * raidmig reads only data chunks (the first copy, for mirrors: the one md's
 * resync would copy from), and the new array's redundancy is computed from
 * them, so nothing unsynced is carried over.
 */
static const char *refusal(const struct mdsb *s, char *buf, size_t len)
{
	uint32_t features = s->feature_map;

	if (s->level == LEVEL_RAID0)	/* one zone (member_order): the layouts agree */
		features &= ~MDSB_FEATURE_RAID0_LAYOUT;
	features &= ~MDSB_FEATURE_BITMAP;	/* removed first (md_drop_bitmaps), added again by the user */
	if (features) {
		snprintf(buf, len, "md features 0x%x in use (a reshape, journal, PPL or recovery under way): finish it with md first",
			 s->feature_map);
		return buf;
	}
	if (s->minor) {
		struct md_format f = { s->minor, s->bblog_size ? s->bblog_offset : 0, s->bblog_size,
				       s->data_offset * 512 };
		const char *why = meta_check_format(&f, f.base);

		if (why) {
			snprintf(buf, len, "metadata 1.%u with its data from sector %llu, bad-block log at %d (%u sectors): %s",
				 s->minor, (unsigned long long)s->data_offset, s->bblog_offset, s->bblog_size, why);
			return buf;
		}
	}
	return NULL;
}

/*
 * The old layout from the superblock, in raidmig's terms: its data from
 * data_offset, past the devices' base (dev_set_base).
 */
static const char *old_geometry(const struct mdsb *s, uint64_t base, struct geom *g)
{
	g->offset = s->data_offset * 512 - base;
	g->level = s->level;
	g->layout = s->layout;
	g->members = s->raid_disks;
	g->chunk = s->chunksize * 512;
	g->member_data = s->size * 512;
	if (s->level == LEVEL_RAID1)
		g->chunk = MIN_CHUNK;	/* md has none: the smallest keeps the unit to one new stripe */
	if (s->level == LEVEL_RAID0) {
		g->layout = 0;		/* one zone (equal members): the layouts agree */
		g->member_data = s->data_size * 512 / g->chunk * g->chunk;
	}
	return geom_check(g);
}

/* Which field of two members' superblocks differs, in `buf`; 0 if none does. */
static int disagree(const struct mdsb *s, const struct mdsb *ref, char *buf, size_t len)
{
	static const char *const name[] = { "events", "size", "level", "layout", "chunk", "raid_disks",
					    "feature map", "metadata minor version", "data_offset" };
	/* the bitmap bit aside: a convert cut short may have removed some (md_drop_bitmaps) */
	const long long a[] = { (long long)s->events, (long long)s->size, s->level, s->layout,
				s->chunksize, s->raid_disks, s->feature_map & ~MDSB_FEATURE_BITMAP,
				s->minor, (long long)s->data_offset };
	const long long b[] = { (long long)ref->events, (long long)ref->size, ref->level, ref->layout,
				ref->chunksize, ref->raid_disks, ref->feature_map & ~MDSB_FEATURE_BITMAP,
				ref->minor, (long long)ref->data_offset };

	for (size_t k = 0; k < sizeof(a) / sizeof(a[0]); k++) {
		if (a[k] != b[k]) {
			snprintf(buf, len, "%s %lld and %lld", name[k], a[k], b[k]);
			return 1;
		}
	}
	return 0;
}

/*
 * Put the md members first, in role order, then the added devices in the
 * order given; check the set is one whole, clean, quiet array. Returns the
 * number of old members, or -EINVAL after a message.
 */
static int member_order(struct array *a, int count, struct mdsb *sb, const int *is_md,
			struct mdsb *ref)
{
	struct dev d[MAX_MEMBERS];
	struct mdsb s[MAX_MEMBERS];
	int first = -1, added = 0, n_old;
	char u[40], why[160];

	for (int i = 0; i < count; i++) {
		if (!is_md[i])
			continue;
		if (first < 0)
			first = i;
		if (memcmp(sb[i].set_uuid, sb[first].set_uuid, 16)) {
			log_err("%s and %s are members of different md arrays", a->dev[i].path, a->dev[first].path);
			return -EINVAL;
		}
	}
	*ref = sb[first];
	uuid_md(ref->set_uuid, u);
	if (refusal(ref, why, sizeof(why))) {
		log_err("md array %s: %s", u, refusal(ref, why, sizeof(why)));
		return -EINVAL;
	}
	n_old = (int)ref->raid_disks;
	if (n_old > MAX_MEMBERS) {
		log_err("md array %s: %d members, raidmig handles %d", u, n_old, MAX_MEMBERS);
		return -EINVAL;
	}
	memset(d, 0, sizeof(d));
	for (int i = 0; i < count; i++) {
		int role = is_md[i] ? mdsb_role(&sb[i]) : -1;

		if (!is_md[i]) {
			d[n_old + added++] = a->dev[i];
			continue;
		}
		if (role < 0 || role >= n_old) {
			log_err("%s: not an active member of md array %s (a spare or a failed one)", a->dev[i].path, u);
			return -EINVAL;
		}
		if (d[role].path) {
			log_err("%s: role %d of md array %s, as is %s", a->dev[i].path, role, u, d[role].path);
			return -EINVAL;
		}
		if (disagree(&sb[i], ref, why, sizeof(why))) {
			log_err("%s: its superblock disagrees with %s's (%s): assemble the array with mdadm and stop it cleanly first",
				a->dev[i].path, a->dev[first].path, why);
			return -EINVAL;
		}
		d[role] = a->dev[i];
		s[role] = sb[i];
	}
	for (int k = 0; k < n_old; k++) {
		if (!d[k].path) {
			log_err("md array %s: member %d is missing: raidmig needs every member", u, k);
			return -EINVAL;
		}
	}
	if (ref->level == LEVEL_RAID0 && ref->chunksize) {
		/* md's RAID0 over members of unequal sizes is striped in zones
		 * (md-format.md 4): raidmig's layout is the first zone alone */
		for (int k = 1; k < n_old; k++) {
			if (s[k].data_size / ref->chunksize != s[0].data_size / ref->chunksize) {
				log_err("md array %s: RAID0 over members of unequal sizes (%s: %llu sectors, %s: %llu), which md stripes in zones: raidmig migrates single-zone RAID0 arrays only; nothing was written",
					u, d[0].path, (unsigned long long)s[0].data_size, d[k].path,
					(unsigned long long)s[k].data_size);
				return -EINVAL;
			}
		}
	}
	memcpy(a->dev, d, sizeof(d));
	memcpy(sb, s, sizeof(s));
	return n_old;
}

/*
 * Where the old volume's data ends, when the new array holds less: the end
 * of its last partition, or its ext2/3/4 filesystem's size.
 */
static int volume_end(struct array *a, const struct pair *p, uint64_t *end)
{
	uint64_t cap = geom_capacity(&p->from), len = cap < PROBE_HEAD ? cap : PROBE_HEAD;
	uint8_t *head = io_alloc(PROBE_HEAD);	/* zeros past a small volume's end */
	int e = head ? geo_read(a, &p->from, head, 0, len) : -ENOMEM;

	if (!e && probe_head_end(head, a->dev[0].sector, end))
		e = -EINVAL;
	free(head);
	return e;
}

/*
 * The message for a member without room for the configuration area below
 * the array's data: what is missing and the two ways to make it. `end` is
 * where the volume's data ends, 0 if nothing says; `limit` where it would
 * have to end.
 */
static int no_room(const struct array *a, uint32_t i, const struct pair *p, uint64_t room,
		   uint64_t end, uint64_t limit, int sb_at_end)
{
	char more[32], lim[32], grow[96] = "";
	char at[96] = "nothing says where it ends: no partition table or ext2/3/4 filesystem";
	uint64_t need = p->from.member_data - room;
	uint64_t kib = room / p->from.chunk * p->from.chunk / 1024;

	fmt_size(more, sizeof(more), need);
	fmt_size(lim, sizeof(lim), limit);
	if (end)
		snprintf(at, sizeof(at), "it ends at byte %llu", (unsigned long long)end);
	log_err("%s: the array uses %llu bytes of it%s, and raidmig needs room between that and %s for its staging slot and metadata: %llu bytes (%s) more",
		a->dev[i].path, (unsigned long long)p->from.member_data,
		a->dev[i].base || p->from.offset ? " past md's data offset" : "",
		sb_at_end ? "md's superblock" : "the end of the device", (unsigned long long)need, more);
	if (p->from.level != LEVEL_RAID0)	/* md does not resize RAID0 members */
		snprintf(grow, sizeof(grow), "; then, or instead, shrink the array: mdadm --grow /dev/mdN --size=%lluK",
			 (unsigned long long)kib);
	log_err("the rows past that are free if the volume's data ends by byte %llu (%s; %s): shrink the filesystem or last partition to end there%s",
		(unsigned long long)limit, lim, at, grow);
	return -EINVAL;
}

/*
 * An array used to the end of its members (mdadm's, made without --size)
 * grown by an added member: the old members' rows from where the
 * configuration area needs room (`least`, rounded down to a row of the old
 * layout so that a row's data and parity move together) to the end of the
 * old data move to the last added member first, as a plain source's tail
 * does (struct geom's moved tail; place_tails says where). Returns 0, or
 * -1 when there is no added member to take them (no message).
 */
static int move_tails(struct pair *p, uint64_t least, int n_old)
{
	uint64_t depth = geom_stripe_depth(&p->from), at = least / depth * depth;

	if (p->to.members <= (uint32_t)n_old || at == 0 || p->to.level == LEVEL_PLAIN)
		return -1;
	p->from.moved_at = at;
	p->from.moved_len = p->from.member_data - at;
	p->from.moved_member = p->to.members - 1;
	return 0;
}

/*
 * Where the moved tails go: the top of the last member's data area, past
 * every row the new layout writes. Returns 0, or -EINVAL after a message
 * when the new array has no such free rows.
 */
static int place_tails(const struct array *a, struct pair *p)
{
	uint64_t rows = pair_units(p) * pair_unit_depth(p), len = p->from.members * p->from.moved_len, at;
	char sz[32];

	at = p->to.member_data > len ? (p->to.member_data - len) / META_BLOCK * META_BLOCK : 0;
	if (at < rows) {
		fmt_size(sz, sizeof(sz), rows + len - at);
		log_err("%s: the old array's last rows (%llu bytes a member) must move out of the configuration area's way, and the new array has no free rows for them: its members need %s more",
			a->dev[p->from.moved_member].path, (unsigned long long)p->from.moved_len, sz);
		return -EINVAL;
	}
	p->from.moved_to = p->to.offset + at;
	log_verbose("the old array's rows from byte %llu of each member (%llu bytes a member) move to %s at byte %llu first",
		    (unsigned long long)(p->from.offset + p->from.moved_at), (unsigned long long)p->from.moved_len,
		    a->dev[p->from.moved_member].path, (unsigned long long)p->from.moved_to);
	return 0;
}

/*
 * Of an old array md has not finished resyncing: the bytes of each member
 * below which every member is in sync, the least resync_offset (member
 * sectors for RAID1, 4, 5 and 6; RAID10 counts array sectors: none is
 * trusted there), within the old member data.
 */
static uint64_t sync_end(const struct pair *p, const struct mdsb *sb, int n_old)
{
	uint64_t end = p->from.member_data;

	if (p->from.level == LEVEL_RAID10)
		return 0;
	for (int i = 0; i < n_old; i++)
		if (sb[i].resync_offset != MDSB_CLEAN && sb[i].resync_offset * 512 < end)
			end = sb[i].resync_offset * 512;
	return end;
}

/*
 * A member's data size in the new layout, from the room below its slot
 * and the room below the reserve for a later migration: the old size
 * where the reserve would cut into it, rounded up to the new stripe depth
 * where the room allows (a larger chunk), so that the new array holds no
 * less than the old one when it can.
 */
static uint64_t keep_size(const struct pair *p, uint64_t room, uint64_t new_room)
{
	uint64_t depth = geom_stripe_depth(&p->to), size = geom_round_member(&p->to, new_room);
	uint64_t up = (p->from.member_data + depth - 1) / depth * depth;

	if (size >= p->from.member_data || room < p->from.member_data)
		return size;
	if (up <= room)
		return up;
	return size > geom_round_member(&p->to, p->from.member_data) ? size :
	       geom_round_member(&p->to, p->from.member_data);
}

/* Bytes of `room` past `offset`: 0 when it ends before. */
static uint64_t past(uint64_t room, uint64_t offset)
{
	return room > offset ? room - offset : 0;
}

/* Does one of the first units (of many) overwrite its own source, so that it must be staged? */
static int stages(const struct pair *p)
{
	uint64_t units = pair_units(p) < 256 ? pair_units(p) : 256;
	int self = 0;

	for (uint64_t r = 0; r < units && !self; r++)
		pair_clobbers(p, r, &self);
	return self;
}

/*
 * Is the moved migration `t` no dearer than `p` staged through the slot?
 * The slot costs two commits (a flush of every member, a durable metadata
 * write) per slotful of units; moved by d bytes, the copy loop commits once
 * per d / depth units (test 244). Both write the new layout once; the slot
 * writes every byte a second time besides, so the move is taken up to
 * twice the slot's commits: it loses only in a small room, where a slot
 * of several units fits and a move of one unit's depth, say.
 */
static int cheaper_moved(const struct pair *p, const struct pair *t, const uint64_t *size)
{
	struct pair s = *p;
	uint64_t d = t->to.offset > t->from.offset ? t->to.offset - t->from.offset : t->from.offset - t->to.offset;

	if (meta_fit_slot(&s, size))
		return 1;	/* the slot does not fit: moving is the only way */
	return 4 * d >= pair_unit_depth(t) * pair_slot_units(&s);
}

/*
 * A migration whose units overwrite their own source (a restripe at the
 * same width: another layout, chunk or level) would stage every unit, and
 * write every byte twice. Moved along the members, as md's reshape moves
 * data_offset, the new layout writes where the old one's data was already
 * read: down to offset 0 when the old array starts past it (a migration
 * before moved it up), else up into the room above the data (the reserve
 * raidmig's arrays keep, mdadm's room below its superblock), by whole
 * units of the new layout. The copy loop checkpoints lazily whenever a
 * unit's writes reach source not yet checkpointed (the patent's test 244),
 * once per shift's worth of units; nothing is staged. Kept only when the
 * order is safe, no unit overwrites its own source and it costs no more
 * commits than the slot (cheaper_moved); else the data stays where it is
 * and the slot takes the units.
 */
static void shift(struct pair *p, const uint64_t *size)
{
	uint64_t depth = pair_unit_depth(p), room = UINT64_MAX, up;
	struct pair t = *p;

	/* RAIDMIG_NO_SHIFT: a test seam (test/powerloss.bats), as when there is no room to move it */
	if (p->to.level == LEVEL_PLAIN || getenv("RAIDMIG_NO_SHIFT") || !stages(p))
		return;
	for (uint32_t i = 0; i < pair_members(p); i++)
		if (meta_data_room(p, size[i]) < room)
			room = meta_data_room(p, size[i]);
	up = past(room, p->from.offset + p->to.member_data) / depth * depth;
	if (p->from.offset >= depth)
		t.to.offset = 0;
	else if (up >= depth && up <= MAX_DISK_BYTES)
		t.to.offset = p->from.offset + up;
	else
		return;
	if (pair_order(&t) || stages(&t))
		return;
	if (!cheaper_moved(p, &t, size))
		return;
	*p = t;
	log_verbose("the data moves %s by %llu bytes of each member, as md's reshape moves data_offset: nothing is staged",
		    t.to.offset ? "up" : "down",
		    (unsigned long long)(t.to.offset > t.from.offset ? t.to.offset - t.from.offset :
					 t.from.offset - t.to.offset));
}

/*
 * md v1.1 and v1.2 keep their data past the superblock, from data_offset
 * on every member: both layouts keep it there, and from here on every
 * device (the added ones too, whose superblock md will read at the same
 * place) is seen from there, with raidmig's configuration area at the end
 * as on a v1.0 member. Not for a revert: a plain disk's data starts at
 * byte 0, and the old layout's offset says where it comes from. Returns 0,
 * or -1 after a message.
 */
static int base_all(struct array *a, int count, const struct mdsb *ref)
{
	uint64_t base = ref->data_offset * 512;
	char u[40];

	uuid_md(ref->set_uuid, u);
	for (int i = 0; i < count; i++) {
		if (a->dev[i].size <= base + 64 * (uint64_t)META_BLOCK) {
			log_err("%s: %llu bytes, and md array %s's data starts at byte %llu of every member: too small to add",
				a->dev[i].path, (unsigned long long)a->dev[i].size, u, (unsigned long long)base);
			return -1;
		}
		dev_set_base(&a->dev[i], base);
	}
	return 0;
}

/*
 * The pair of geometries for an md array over a->dev[0..count) (opened,
 * checked for use; sb and is_md as reshape_find left them): reorders the
 * devices into member order and fills *p. Returns 0, or -EINVAL after a
 * message.
 */
int reshape_geometry(struct array *a, int count, const struct reshape_want *w, const int *is_md,
		     struct pair *p, struct mdsb *ref, struct mdsb *sb)
{
	int n_old;
	uint32_t n_new;
	const char *why;
	char name[64];
	uint64_t cap_old, least = UINT64_MAX, end = 0, size[MAX_MEMBERS];
	uint32_t tight = 0;
	int known = 0;

	memset(p, 0, sizeof(*p));
	n_old = member_order(a, count, sb, is_md, ref);
	if (n_old < 0)
		return -EINVAL;
	if (ref->minor && !w->revert && w->members != 1 && base_all(a, count, ref) < 0)
		return -EINVAL;
	why = old_geometry(ref, a->dev[0].base, &p->from);
	if (why) {
		log_err("md array %s over %d members: %s", geom_level_name(&p->from, name, sizeof(name)), n_old, why);
		return -EINVAL;
	}
	/* md's resync unfinished: its first copy is what a resync copies from */
	for (int i = 0; i < n_old; i++)
		p->unsynced |= geom_redundancy(&p->from) > 0 && sb[i].resync_offset != MDSB_CLEAN;
	if (p->unsynced)
		p->sync_end = sync_end(p, sb, n_old);
	n_new = w->members ? w->members : (uint32_t)count;
	if (w->revert) {
		p->to = (struct geom){ .level = LEVEL_PLAIN, .chunk = META_BLOCK, .members = 1 };
		n_new = 1;
	} else {
		p->to.level = w->has_level ? w->level : p->from.level;
		if (geom_parse_layout(p->to.level, w->layout, &p->to.layout)) {
			log_err("--layout %s: not a layout of %s", w->layout,
				geom_level_name(&p->to, name, sizeof(name)));
			return -EINVAL;
		}
		if (!w->layout && p->to.level == p->from.level)
			p->to.layout = p->from.layout;
		/* RAID5 to RAID6, as mdadm does it: the RAID5 layout with Q on
		 * the added member (the -6 layouts), so the data stays in place */
		if (!w->layout && p->from.level == LEVEL_RAID5 && p->to.level == LEVEL_RAID6)
			p->to.layout = p->from.layout <= 4 ? p->from.layout + 16 : p->from.layout;
		p->to.chunk = w->chunk ? w->chunk : p->from.level == LEVEL_RAID1 ? 65536 : p->from.chunk;
		p->to.members = n_new;
		p->to.member_data = geom_stripe_depth(&p->to);
		if ((why = geom_check(&p->to))) {
			log_err("%s over %u members: %s", geom_level_name(&p->to, name, sizeof(name)), n_new, why);
			return -EINVAL;
		}
	}
	if (!w->revert && p->to.level == p->from.level && p->to.layout == p->from.layout &&
	    (p->to.chunk == p->from.chunk || p->to.level == LEVEL_RAID1) && n_new == (uint32_t)n_old &&
	    count == n_old) {
		log_err("md array over %d members is already %s, chunk %u KiB: nothing to migrate",
			n_old, geom_level_name(&p->to, name, sizeof(name)), p->to.chunk >> 10);
		return -EINVAL;
	}
	if (n_new > (uint32_t)count || (n_new < (uint32_t)count && count > n_old)) {
		log_err("%u members wanted: give the array's %d members%s", n_new, n_old,
			n_new > (uint32_t)n_old ? " and the devices to add" : ", and no device to add");
		return -EINVAL;
	}
	a->n = (uint32_t)count;
	/* the data stays where it is on the members (a plain disk's starts at byte 0) */
	p->to.offset = w->revert ? 0 : p->from.offset;
	/* room below every superblock: for the old data, and for the new rows, past their offsets */
	p->to.member_data = UINT64_MAX;
	for (uint32_t i = 0; i < a->n; i++) {
		uint64_t room = meta_data_room(p, a->dev[i].size), new_room = meta_new_room(p, a->dev[i].size);

		if ((int)i < n_old && past(room, p->from.offset) < least) {
			least = past(room, p->from.offset);
			tight = i;
		}
		room = keep_size(p, past(room, p->to.offset), past(new_room, p->to.offset));
		if (i < n_new && room < p->to.member_data)
			p->to.member_data = room;
	}
	cap_old = geom_capacity(&p->from);
	p->data_size = cap_old;
	if (least < p->from.member_data) {
		/* the rows the configuration area needs hold no data if the
		 * volume's data ends before them (md RAID0 fills its members) */
		uint64_t limit = least / geom_stripe_depth(&p->from) * geom_stripe_bytes(&p->from);

		known = !volume_end(a, p, &end);
		if (known && end <= limit)
			p->data_size = (end + 4095) / 4096 * 4096;
		else if (move_tails(p, least, n_old) < 0 || geom_capacity(&p->to) < p->data_size)
			return no_room(a, tight, p, least, known ? end : 0, limit, ref->minor == 0);
	}
	if (geom_capacity(&p->to) < p->data_size) {
		char have[32], need[32];

		if (!known && volume_end(a, p, &end)) {
			log_err("the new array holds less than the old one, and the volume holds no partition table or ext2/3/4 filesystem by which raidmig could tell where its data ends");
			return -EINVAL;
		}
		if (end > geom_capacity(&p->to)) {
			fmt_size(have, sizeof(have), geom_capacity(&p->to));
			fmt_size(need, sizeof(need), end);
			log_err("the volume's data ends at %llu bytes (%s), and the new array holds %llu (%s): shrink the filesystem (resize2fs) or the last partition first",
				(unsigned long long)end, need, (unsigned long long)geom_capacity(&p->to), have);
			return -EINVAL;
		}
		p->data_size = (end + 4095) / 4096 * 4096;
	}
	if (p->from.moved_len && place_tails(a, p) < 0)
		return -EINVAL;
	why = pair_order(p);
	if (why) {
		log_err("cannot migrate: %s", why);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < a->n; i++)
		size[i] = a->dev[i].size;
	if (!w->revert && !p->from.moved_len)
		shift(p, size);
	why = meta_fit_slot(p, size);
	if (why) {	/* what a resume will check: never written otherwise */
		log_err("cannot migrate: %s", why);
		return -EINVAL;
	}
	return 0;
}

/*
 * The new array keeps the old one's identity: its UUID, name and creation
 * time, its members' device UUIDs, and the next event count.
 */
void reshape_identity(struct meta *m, const struct mdsb *ref, const struct mdsb *members, int n_old)
{
	memcpy(m->array_uuid, ref->set_uuid, 16);
	memcpy(m->name, ref->set_name, MD_NAME_MAX);
	m->name[MD_NAME_MAX] = 0;
	m->ctime = ref->ctime;
	m->md_events = ref->events + 1;
	m->md.minor = ref->minor;
	m->md.base = ref->data_offset * 512 - m->p.from.offset;	/* the devices' base */
	if (ref->minor && ref->bblog_size) {	/* the old array's bad-block log, emptied at the switch */
		m->md.bblog_offset = ref->bblog_offset;
		m->md.bblog_size = ref->bblog_size;
	}
	for (int i = 0; i < n_old; i++)
		memcpy(m->member[i].uuid, members[i].device_uuid, 16);
}
