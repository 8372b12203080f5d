/*
 * mdarray.c: the md superblocks of an array raidmig builds. From the first
 * write of a conversion every member carries a v1.0 superblock of the new
 * array with raidmig's feature bit set: blkid reports linux_raid_member,
 * so nothing mounts member 0's stale filesystem, while the kernel and
 * mdadm --assemble refuse the member (md-format.md 2). When the data is
 * migrated and the final checkpoint is durable, the same superblocks are
 * written without the bit: md then assembles a clean array.
 *
 * The switch (md_finish): after the final checkpoint (state "complete" on
 * every member, flushed), write every member's final superblock, then
 * flush. A crash in between leaves some members final and some marked;
 * resume, finding "complete", writes the final superblock wherever it is
 * not already byte for byte what raidmig wrote. It refuses to touch a
 * member whose superblock md has rewritten since (an array assembled
 * degraded in between): md owns that array now.
 *
 * Members that leave the array (a shrink, or a revert to one plain disk)
 * carry the marked superblock while the migration runs, and at the switch
 * their superblock is zeroed: a reverted disk is a plain disk again, and a
 * removed member no longer claims to belong to the array.
 */
#include <errno.h>
#include <string.h>

#include "mdarray.h"
#include "mdsb.h"
#include "report.h"
#include "util.h"

/*
 * Where md should start resyncing, in its units: the rows past the
 * migrated units hold whatever the added members held, so their parity and
 * copies are not in sync (md-format.md 1.8). MDSB_CLEAN when there are
 * none, or the level has no redundancy.
 */
static uint64_t resync_offset(const struct meta *m)
{
	const struct pair *p = &m->p;
	uint64_t sb = geom_stripe_bytes(&p->to), stripes = (p->data_size + sb - 1) / sb;
	uint64_t rows = stripes * geom_stripe_depth(&p->to);

	if (!geom_redundancy(&p->to) || p->to.level == LEVEL_RAID0 || rows >= p->to.member_data)
		return MDSB_CLEAN;
	if (p->to.level == LEVEL_RAID10)	/* array sectors */
		return stripes * sb / 512;
	return rows / 512;
}

/* Where md's superblocks of this array's format are on device d, as an offset for dev_read and dev_write. */
static uint64_t format_at(const struct meta *m, const struct dev *d)
{
	return dev_abs(d, mdsb_location(m->md.minor, d->size + d->base));
}

/*
 * Does member i's superblock place lie in the data of the plain disk it
 * becomes? A revert of a 1.1 or 1.2 array: md's superblock at byte 0 or
 * 4 KiB of member 0, which the volume's first bytes overwrite. Its mark
 * goes to the v1.0 place at the end instead (in the configuration area's
 * room), where blkid still finds linux_raid_member while the data moves
 * and nothing mounts the half-moved filesystem; the head superblock is
 * marked too while it is still the array's, and never written after.
 */
static int sb_in_data(const struct meta *m, uint32_t i)
{
	return m->p.to.level == LEVEL_PLAIN && i == 0 && m->md.minor;
}

/* The version whose place member i's superblock takes while migrating and after: 0, 1 or 2. */
static uint32_t sb_minor(const struct meta *m, uint32_t i)
{
	return sb_in_data(m, i) ? 0 : m->md.minor;
}

/* Where member i's superblock is, as an offset for dev_read and dev_write. */
static uint64_t sb_at(const struct meta *m, const struct dev *d, uint32_t i)
{
	return dev_abs(d, mdsb_location(sb_minor(m, i), d->size + d->base));
}

/* Does member i carry an md superblock once the migration is complete? */
int md_keeps(const struct meta *m, uint32_t i)
{
	return m->p.to.level != LEVEL_PLAIN && i < m->p.to.members;
}

/*
 * The superblock of member `i` (of size `dev_size` past md's data offset):
 * final, or marked as migrating. A marked one describes the new array, or
 * the old one when the new is a plain disk. In the old array's format:
 * v1.0 at the end with the bad-block log below it, or v1.1 and v1.2 at
 * the head with the log where the old array had it.
 */
void md_super(const struct meta *m, uint32_t i, uint64_t dev_size, int final, struct mdsb *s)
{
	const struct geom *g = m->p.to.level == LEVEL_PLAIN ? &m->p.from : &m->p.to;

	memset(s, 0, sizeof(*s));
	s->feature_map = final ? 0 : MDSB_FEATURE_RAIDMIG;
	memcpy(s->set_uuid, m->array_uuid, 16);
	memcpy(s->set_name, m->name, MD_NAME_MAX);
	s->ctime = s->utime = m->ctime;
	s->level = g->level;
	s->layout = g->layout;
	s->size = s->data_size = g->member_data / 512;
	s->chunksize = g->level == LEVEL_RAID1 ? 0 : g->chunk / 512;
	s->raid_disks = g->members;
	s->super_offset = mdsb_location(sb_minor(m, i), dev_size + m->md.base) / 512;
	s->data_offset = (m->md.base + g->offset) / 512;
	s->dev_number = i;
	memcpy(s->device_uuid, m->member[i].uuid, 16);
	s->bblog_size = BBLOG_BYTES / 512;
	s->bblog_offset = -(int32_t)(BBLOG_BYTES / 512);
	if (sb_minor(m, i)) {
		s->bblog_size = (uint16_t)m->md.bblog_size;
		s->bblog_offset = m->md.bblog_size ? m->md.bblog_offset : 0;
	}
	s->events = m->md_events;
	s->resync_offset = final ? resync_offset(m) : 0;
	s->max_dev = MDSB_MAX_DEV;
	for (uint32_t k = 0; k < MDSB_MAX_DEV; k++)
		s->dev_roles[k] = k < g->members ? (uint16_t)k : MDSB_ROLE_SPARE;
}

/*
 * Write member i's superblock (and, when final, an empty bad-block log: the
 * old array's entries name sectors of the old layout).
 */
static int write_super(struct array *a, uint32_t i, int final, uint8_t *buf)
{
	static uint8_t zero[BBLOG_BYTES] __attribute__((aligned(4096)));
	struct dev *d = &a->dev[i];
	struct mdsb s;
	uint64_t at = sb_at(&a->m, d, i);
	int e = 0;

	md_super(&a->m, i, d->size, final, &s);
	if (!io_dry)
		mdsb_encode(&s, buf);
	for (uint32_t k = 0; final && !e && k < s.bblog_size; k += BBLOG_BYTES / 512)
		e = dev_write(d, zero, BBLOG_BYTES, at + (uint64_t)((int64_t)s.bblog_offset * 512) + k * 512ull);
	if (!e)
		e = dev_write(d, buf, MDSB_BYTES, at);
	if (e)
		log_err("%s: md superblock write failed: %s", d->path, strerror(-e));
	return e;
}

/* Member i's superblock as raidmig would write it (buf: MDSB_BYTES). */
static void expected(const struct array *a, uint32_t i, int final, uint8_t *buf)
{
	struct mdsb s;

	md_super(&a->m, i, a->dev[i].size, final, &s);
	mdsb_encode(&s, buf);
}

/*
 * Before the first write of a migration of an md array: the old members'
 * superblocks lose their internal write-intent bitmap (mdsb_drop_bitmap),
 * flushed, since raidmig's metadata copies go where md v1.0 keeps the
 * bitmap, below the superblock. A crash before anything else landed
 * leaves the old array as it was but for the bitmap, which md then
 * assembles without. Returns how many superblocks lost one, or -errno
 * after a message.
 */
int md_drop_bitmaps(struct array *a, uint8_t *buf)
{
	const struct geom *g = &a->m.p.from;
	int dropped = 0, e = 0, failed;

	if (g->level == LEVEL_PLAIN)
		return 0;
	for (uint32_t i = 0; i < a->n && !e; i++) {	/* the old members: this array's UUID */
		struct dev *d = &a->dev[i];
		uint64_t at = format_at(&a->m, d);
		struct mdsb s;
		const char *why;

		if (d->fd < 0)
			continue;
		e = dev_read(d, buf, MDSB_BYTES, at);
		if (e || mdsb_decode(buf, d->size + d->base, a->m.md.minor, &s, &why) ||
		    memcmp(s.set_uuid, a->m.array_uuid, 16) ||
		    !(s.feature_map & MDSB_FEATURE_BITMAP))
			continue;
		mdsb_drop_bitmap(buf);
		e = dev_write(d, buf, MDSB_BYTES, at);
		dropped++;
	}
	if (!e && dropped)
		e = dev_flush_all(a->dev, a->n, &failed);
	if (e) {
		log_err("removing the old array's write-intent bitmap failed: %s", strerror(-e));
		return e;
	}
	return dropped;
}

/* The marked superblock of member i, written with its first metadata. */
int md_mark(struct array *a, uint32_t i, uint8_t *buf)
{
	struct dev *d = &a->dev[i];
	struct mdsb s;
	const char *why;
	int e;

	if (!sb_in_data(&a->m, i))
		return write_super(a, i, 0, buf);
	e = dev_read(d, buf, MDSB_BYTES, format_at(&a->m, d));
	if (e) {
		log_err("%s: cannot read its md superblock: %s", d->path, strerror(-e));
		return e;
	}
	if (!io_dry && !mdsb_decode(buf, d->size + d->base, a->m.md.minor, &s, &why) &&
	    !memcmp(s.set_uuid, a->m.array_uuid, 16) && !(s.feature_map & MDSB_FEATURE_RAIDMIG)) {
		mdsb_mark(buf);	/* still the array's: md must not assemble it either */
		e = dev_write(d, buf, MDSB_BYTES, format_at(&a->m, d));
		if (e) {
			log_err("%s: md superblock write failed: %s", d->path, strerror(-e));
			return e;
		}
	}	/* else marked already, or the volume's bytes are there now */
	return write_super(a, i, 0, buf);
}

/*
 * What member i holds where its superblock goes (buf, want: MDSB_BYTES
 * each): SB_DONE what it should hold once complete (raidmig's final
 * superblock, or zeros where none stays), SB_WRITE something raidmig may
 * (re)write (its marked one, a torn or no superblock, this array's on a
 * member that leaves), SB_TAKEN this array's final one that md has changed
 * since, SB_FOREIGN a valid superblock of another array (the disk was
 * reused: never raidmig's to touch), or -EIO after a message.
 */
static int md_state(struct array *a, uint32_t i, uint8_t *buf, uint8_t *want)
{
	struct dev *d = &a->dev[i];
	struct mdsb s;
	const char *why;
	int e = dev_read(d, buf, MDSB_BYTES, sb_at(&a->m, d, i));

	if (e) {
		log_err("%s: cannot read its md superblock: %s", d->path, strerror(-e));
		return -EIO;
	}
	if (io_dry)
		return SB_WRITE;
	if (md_keeps(&a->m, i))
		expected(a, i, 1, want);
	else
		memset(want, 0, MDSB_BYTES);
	if (!memcmp(buf, want, MDSB_BYTES))
		return SB_DONE;
	if (mdsb_decode(buf, d->size + d->base, sb_minor(&a->m, i), &s, &why))
		return SB_WRITE;
	if (memcmp(s.set_uuid, a->m.array_uuid, 16))
		return SB_FOREIGN;
	if ((s.feature_map & MDSB_FEATURE_RAIDMIG) || !md_keeps(&a->m, i))
		return SB_WRITE;
	return SB_TAKEN;
}

/*
 * Every member's md_state into st[]. Refuses (-EBUSY after a message) when
 * a member that keeps a superblock carries another array's, or when md
 * took over some members and not others; -EIO when one cannot be read.
 * Returns 1 if some member needs writing, else 0.
 */
int md_states(struct array *a, uint8_t *buf, uint8_t *want, int *st)
{
	int todo = 0, taken = -1;
	char u[40];

	for (uint32_t i = 0; i < a->n; i++) {
		st[i] = md_state(a, i, buf, want);
		if (st[i] < 0)
			return st[i];
		if (st[i] == SB_FOREIGN && md_keeps(&a->m, i)) {
			struct mdsb s;
			const char *why;

			mdsb_decode(buf, a->dev[i].size + a->dev[i].base, sb_minor(&a->m, i), &s, &why);
			uuid_md(s.set_uuid, u);
			log_err("%s: carries the md superblock of another array (%s): it was reused; raidmig will not touch it, and cannot finish this array without it",
				a->dev[i].path, u);
			return -EBUSY;
		}
		if (st[i] == SB_FOREIGN)
			log_verbose("%s: left the array and now belongs to another one: left alone", a->dev[i].path);
		todo |= st[i] == SB_WRITE;
		if (st[i] == SB_TAKEN)
			taken = (int)i;
	}
	if (todo && taken >= 0) {
		log_err("%s: md has changed its superblock since raidmig wrote it (the array was assembled without every member): raidmig will not touch it; add the other members back with mdadm --add",
			a->dev[taken].path);
		return -EBUSY;
	}
	return todo;
}

/* Zero member i's superblock: it leaves the array. */
static int wipe_super(struct array *a, uint32_t i, uint8_t *buf)
{
	int e;

	memset(buf, 0, MDSB_BYTES);
	e = dev_write(&a->dev[i], buf, MDSB_BYTES, sb_at(&a->m, &a->dev[i], i));
	if (e)
		log_err("%s: md superblock write failed: %s", a->dev[i].path, strerror(-e));
	return e;
}

/*
 * The switch to md (after the final checkpoint): the final superblock on
 * every member that keeps one and lacks it, zeros on the members that
 * leave (but one another array has taken since), then a flush. Nothing to
 * do when every member is so already, or md has rewritten them all since
 * (it owns the array then). Returns 1 if it wrote, 0 if there was nothing
 * to do, -EBUSY when a member is not raidmig's to write (after a message),
 * or -errno.
 */
int md_finish(struct array *a, uint8_t *buf, uint8_t *want)
{
	int st[MAX_MEMBERS], e = md_states(a, buf, want, st), todo = e;

	if (e <= 0)
		return e;
	e = 0;
	for (uint32_t i = 0; i < a->n && !e; i++)
		if (st[i] == SB_WRITE)
			e = md_keeps(&a->m, i) ? write_super(a, i, 1, buf) : wipe_super(a, i, buf);
	for (uint32_t i = 0; i < a->n && !e; i++) {
		e = dev_flush(&a->dev[i]);
		if (e)
			log_err("%s: flush failed: %s", a->dev[i].path, strerror(-e));
	}
	return e ? e : todo;
}
