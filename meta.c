/*
 * meta.c: raidmig's own metadata, and where it lives on every member. One
 * copy is a META_BLOCK-byte little-endian record ending in a zlib crc32 of
 * everything before it. The decoder trusts nothing: a copy with a good CRC
 * but impossible fields is refused, because a resume that believed it
 * would overwrite user data.
 *
 * The end of every member, from the top (md-format.md 1.2 and 1.3):
 *     md's v1.0 superblock, 4 KiB at mdsb_offset(size), and the tail
 *     md's bad-block log, the 4 KiB below it (bblog_offset -8 sectors)
 *     metadata copies 1 and 0, 4 KiB each, below that
 *     the staging slot: units of the new layout spread over its members
 *     (pair_slot_units: one, or as many as fit, meta_fit_slot)
 *     free space, then the member's data area from byte 0
 * Once the migration is complete md owns all of it: a bitmap added with
 * mdadm --grow may take the place of the metadata and the slot.
 *
 * Layout of one copy (offsets in bytes):
 *     0  magic "RAIDMIG1"         8  u32 version     12 u32 block size
 *    16  array uuid[16]          32  u64 generation
 *    40  u32 state   44 u32 member index   48 u32 sector size   52 u32 staged crc
 *    56  u64 data size           64  u64 progress (units)
 *    72  u64 staged unit         80  u64 staged bytes
 *    88  u64 journal size        96  u64 journal records applied
 *   104  u32 journal crc        108  u32 journal data crc
 *   112  u32 source crc         116  u32 journal flags
 *   120  u64 md ctime           128  u64 md events
 *   136  old layout, 160 new layout: { s32 level, u32 layout, u32 chunk,
 *        u32 members, u64 member data bytes }
 *   184  md name[32]   216 u32 order (0 ascending, 1 descending)
 *   220  u32 1 if the old layout is not in sync (only its copy 0 is read), else 0
 *   224  u64 first generation (the creation's: 1 + the newest generation of
 *        any metadata the devices carried before)
 *   256  member table: MAX_MEMBERS x { uuid[16], u64 size, u32 head crc,
 *        u32 1 if the head crc was recorded, else 0 }
 *   768  the old layout's moved tail: u64 where it was on member 0, u64
 *        length, u64 where it is, u32 the member it is on, u32 its crc32
 *   800  u32 units the staging slot holds (0, in older copies: one)
 *   808  u64 when the old layout is not in sync: bytes of each old member
 *        below which it is (md's resync_offset), 0 for none
 *   816  md's format, both layouts': u32 superblock minor version (0: v1.0
 *        at the end, 1: v1.1 at byte 0, 2: v1.2 at 4 KiB), s32 and u32 md's
 *        bad-block log (sectors from the superblock, sectors; v1.1, v1.2),
 *        u32 0, u64 bytes before every member's data (0 for v1.0: older
 *        versions' zeros), the device base the layouts count from
 *   840  u64 the old layout's offset, 848 the new one's: bytes of every
 *        member past that base before the layout's data (a migration that
 *        moves the data along the members, as md moves data_offset)
 *  1024  u32 crc32 of each staged unit, SLOT_MAX_UNITS of them, when the
 *        slot holds more than one (older copies: zeros)
 *  4092  u32 crc32 of bytes [0, 4092)
 */
#include <string.h>
#include <zlib.h>

#include "bytes.h"
#include "mdsb.h"
#include "meta.h"

static const char magic[8] = { 'R', 'A', 'I', 'D', 'M', 'I', 'G', '1' };

#define OFF_TABLE	256
#define MEMBER_REC	32
#define OFF_MOVED	(OFF_TABLE + MAX_MEMBERS * MEMBER_REC)
#define OFF_SLOT	(OFF_MOVED + 32)
#define OFF_MD		(OFF_SLOT + 16)
#define OFF_UNIT_CRC	1024
#define OFF_CRC		(META_BLOCK - 4)
_Static_assert(OFF_UNIT_CRC + 4 * SLOT_MAX_UNITS <= OFF_CRC, "the unit crcs fit the block");

static uint32_t block_crc(const uint8_t *buf)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, OFF_CRC);
}

static void put_geom(uint8_t *b, const struct geom *g)
{
	put32(b, (uint32_t)g->level);
	put32(b + 4, g->layout);
	put32(b + 8, g->chunk);
	put32(b + 12, g->members);
	put64(b + 16, g->member_data);
}

static void get_geom(const uint8_t *b, struct geom *g)
{
	g->level = (int32_t)get32(b);
	g->layout = get32(b + 4);
	g->chunk = get32(b + 8);
	g->members = get32(b + 12);
	g->member_data = get64(b + 16);
}

void meta_encode(const struct meta *m, uint8_t *buf)
{
	memset(buf, 0, META_BLOCK);
	memcpy(buf, magic, sizeof(magic));
	put32(buf + 8, META_VERSION);
	put32(buf + 12, META_BLOCK);
	memcpy(buf + 16, m->array_uuid, 16);
	put64(buf + 32, m->generation);
	put32(buf + 40, m->state);
	put32(buf + 44, m->member_index);
	put32(buf + 48, m->sector_size);
	put32(buf + 52, m->stage_crc);
	put64(buf + 56, m->p.data_size);
	put64(buf + 64, m->progress);
	put64(buf + 72, m->stage_unit);
	put64(buf + 80, m->stage_len);
	put64(buf + 88, m->journal_size);
	put64(buf + 96, m->journal_done);
	put32(buf + 104, m->journal_crc);
	put32(buf + 108, m->journal_data_crc);
	put32(buf + 112, m->source_crc);
	put32(buf + 116, m->journal_flags);
	put64(buf + 120, m->ctime);
	put64(buf + 128, m->md_events);
	put_geom(buf + 136, &m->p.from);
	put_geom(buf + 160, &m->p.to);
	memcpy(buf + 184, m->name, MD_NAME_MAX);
	put32(buf + 216, m->p.descending);
	put32(buf + 220, m->p.unsynced);
	put64(buf + 224, m->first_generation);
	for (uint32_t i = 0; i < MAX_MEMBERS; i++) {
		uint8_t *r = buf + OFF_TABLE + i * MEMBER_REC;

		memcpy(r, m->member[i].uuid, 16);
		put64(r + 16, m->member[i].size);
		put32(r + 24, m->member[i].head_crc);
		put32(r + 28, m->member[i].head_known);
	}
	put64(buf + OFF_MOVED, m->p.from.moved_at);
	put64(buf + OFF_MOVED + 8, m->p.from.moved_len);
	put64(buf + OFF_MOVED + 16, m->p.from.moved_to);
	put32(buf + OFF_MOVED + 24, m->p.from.moved_member);
	put32(buf + OFF_MOVED + 28, m->moved_crc);
	put32(buf + OFF_SLOT, m->p.slot_units);
	put64(buf + OFF_SLOT + 8, m->p.sync_end);
	put32(buf + OFF_MD, m->md.minor);
	put32(buf + OFF_MD + 4, (uint32_t)m->md.bblog_offset);
	put32(buf + OFF_MD + 8, m->md.bblog_size);
	put64(buf + OFF_MD + 16, m->md.base);
	put64(buf + OFF_MD + 24, m->p.from.offset);
	put64(buf + OFF_MD + 32, m->p.to.offset);
	for (uint32_t i = 0; i < SLOT_MAX_UNITS; i++)
		put32(buf + OFF_UNIT_CRC + 4 * i, m->unit_crc[i]);
	put32(buf + OFF_CRC, block_crc(buf));
}

/*
 * Does every member's configuration area lie above the data both layouts
 * keep on it during the migration: the new layout's member data, and the
 * old layout's rows that hold the volume's data (the rest of them moved
 * out of the area's way, p->from's moved tail, below the new member data)?
 */
static int areas_fit(const struct pair *p, const uint64_t *size)
{
	uint64_t sb = geom_stripe_bytes(&p->from);
	uint64_t used = (p->data_size + sb - 1) / sb * geom_stripe_depth(&p->from);

	if (used > p->from.member_data)
		used = p->from.member_data;
	if (p->from.moved_len && used > p->from.moved_at)
		used = p->from.moved_at;
	for (uint32_t i = 0; i < pair_members(p); i++) {
		uint64_t room = meta_data_room(p, size[i]);

		if ((i < p->to.members && room < p->to.offset + p->to.member_data) ||
		    (i < p->from.members && room < p->from.offset + used))
			return 0;
	}
	return 1;
}

/*
 * md's format, with the data of a layout from byte `data_offset` of every
 * member (the base plus the layout's offset): v1.0 with no base and its
 * data below the superblock (the caller's area checks); v1.1 or v1.2 with
 * the data past the superblock and its bad-block log. The base is 4 KiB
 * aligned: the configuration area at the end of the members then lies
 * where it does on a whole device. NULL if fine, else what is wrong.
 */
const char *meta_check_format(const struct md_format *f, uint64_t data_offset)
{
	uint64_t sb = mdsb_location(f->minor, 0), top = sb + MDSB_BYTES;

	if (f->minor > 2)
		return "unknown md superblock version";
	if (f->base > MAX_DISK_BYTES || f->bblog_size > 0xffff || f->bblog_size % 8)
		return "md base or bad-block log size out of range";
	if (f->minor == 0)
		return f->base || f->bblog_offset || f->bblog_size ? "md v1.0 with a base or a head bad-block log" : NULL;
	if (f->bblog_size && sb + (int64_t)f->bblog_offset * 512 + (uint64_t)f->bblog_size * 512 > top)
		top = sb + (int64_t)f->bblog_offset * 512 + (uint64_t)f->bblog_size * 512;
	if (f->base % 4096 || data_offset % 4096 || data_offset < top || data_offset > MAX_DISK_BYTES ||
	    (f->bblog_size && (int64_t)sb + (int64_t)f->bblog_offset * 512 < (int64_t)(sb + MDSB_BYTES)))
		return "md data offset below its superblock or bad-block log, or not 4 KiB aligned";
	return NULL;
}

/* The field checks: each returns the reason a decoded copy is impossible. */
static const char *check_fields(const struct meta *m)
{
	const char *why = pair_check(&m->p);
	uint64_t units, staged = 0, size[MAX_MEMBERS];

	if (why)
		return why;
	if (m->sector_size != 512 && m->sector_size != 4096)
		return "sector size not 512 or 4096";
	if (m->p.to.chunk % m->sector_size || m->p.data_size % m->sector_size)
		return "sizes not a multiple of the sector size";
	if (m->generation == 0)
		return "generation 0";
	if (m->first_generation == 0 || m->first_generation > m->generation)
		return "first generation 0 or past the generation";
	if (m->state != META_MIGRATING && m->state != META_COMPLETE)
		return "unknown state";
	if (m->member_index >= pair_members(&m->p))
		return "member index out of range";
	units = pair_units(&m->p);
	if (m->progress > units)
		return "checkpoint past the end of the data";
	if (m->state == META_COMPLETE && m->progress != units)
		return "complete array with a checkpoint short of the end";
	if (m->stage_len) {
		uint64_t ub = pair_unit_bytes(&m->p), end = m->stage_unit * ub + m->stage_len;
		uint64_t first = m->p.descending ? (end - 1) / ub : m->stage_unit;

		/* whole units from stage_unit on, the last one short only at the end of the data */
		if (m->stage_unit >= units || m->stage_len > m->p.data_size - m->stage_unit * ub ||
		    (end % ub && end != m->p.data_size) ||
		    (end + ub - 1) / ub - m->stage_unit > pair_slot_units(&m->p))
			return "staging length does not fit the slot";
		if (first != pair_unit_of(&m->p, m->progress))
			return "staged unit is not the next unit";
		staged = (end + ub - 1) / ub - m->stage_unit;
	}
	for (uint32_t i = staged > 1 ? (uint32_t)staged : 0; i < SLOT_MAX_UNITS; i++)
		if (m->unit_crc[i])
			return "unit crc past the staged units";
	if (!(m->journal_flags & JOURNAL_GIVEN) &&
	    (m->journal_crc || m->journal_done || m->journal_size || m->journal_data_crc))
		return "journal position without a journal";
	if (m->journal_flags & ~JOURNAL_GIVEN)
		return "unknown journal flags";
	if (memchr(m->name, 0, MD_NAME_MAX + 1) == NULL)
		return "array name not terminated";
	for (uint32_t i = 0; i < MAX_MEMBERS; i++)
		if (m->member[i].head_known > 1 || (!m->member[i].head_known && m->member[i].head_crc))
			return "member table: unknown head crc flag";
	if (!m->p.from.moved_len && m->moved_crc)
		return "moved tail crc without a moved tail";
	if (m->md.base && (m->p.from.level == LEVEL_PLAIN || m->p.to.level == LEVEL_PLAIN))
		return "a plain disk with a data offset";	/* its data starts at byte 0 */
	if ((m->p.from.level != LEVEL_PLAIN && (why = meta_check_format(&m->md, m->md.base + m->p.from.offset))) ||
	    (m->p.to.level != LEVEL_PLAIN && (why = meta_check_format(&m->md, m->md.base + m->p.to.offset))))
		return why;
	for (uint32_t i = 0; i < pair_members(&m->p); i++)
		size[i] = m->member[i].size;
	if (!areas_fit(&m->p, size))
		return "member table: member smaller than its data area";
	return 0;
}

/*
 * Decode one copy. Returns 0 and fills *m, or -1 with *why saying what is
 * wrong (bad magic, bad CRC, or a field that cannot be true).
 */
int meta_decode(const uint8_t *buf, struct meta *m, const char **why)
{
	uint32_t version;

	memset(m, 0, sizeof(*m));
	if (memcmp(buf, magic, sizeof(magic))) {
		*why = "no raidmig metadata";
		return -1;
	}
	if (get32(buf + OFF_CRC) != block_crc(buf)) {
		*why = "bad CRC";
		return -1;
	}
	version = get32(buf + 8);
	if ((version != META_VERSION && version != META_VERSION_MD10 && version != META_VERSION_SLOT1) ||
	    get32(buf + 12) != META_BLOCK) {
		*why = "unknown metadata version";
		return -1;
	}
	memcpy(m->array_uuid, buf + 16, 16);
	m->generation = get64(buf + 32);
	m->state = get32(buf + 40);
	m->member_index = get32(buf + 44);
	m->sector_size = get32(buf + 48);
	m->stage_crc = get32(buf + 52);
	m->p.data_size = get64(buf + 56);
	m->progress = get64(buf + 64);
	m->stage_unit = get64(buf + 72);
	m->stage_len = get64(buf + 80);
	m->journal_size = get64(buf + 88);
	m->journal_done = get64(buf + 96);
	m->journal_crc = get32(buf + 104);
	m->journal_data_crc = get32(buf + 108);
	m->source_crc = get32(buf + 112);
	m->journal_flags = get32(buf + 116);
	m->ctime = get64(buf + 120);
	m->md_events = get64(buf + 128);
	get_geom(buf + 136, &m->p.from);
	get_geom(buf + 160, &m->p.to);
	memcpy(m->name, buf + 184, MD_NAME_MAX);
	m->p.descending = get32(buf + 216);
	m->p.unsynced = get32(buf + 220);
	m->first_generation = get64(buf + 224);
	for (uint32_t i = 0; i < MAX_MEMBERS; i++) {
		const uint8_t *r = buf + OFF_TABLE + i * MEMBER_REC;

		memcpy(m->member[i].uuid, r, 16);
		m->member[i].size = get64(r + 16);
		m->member[i].head_crc = get32(r + 24);
		m->member[i].head_known = get32(r + 28);
	}
	m->p.from.moved_at = get64(buf + OFF_MOVED);
	m->p.from.moved_len = get64(buf + OFF_MOVED + 8);
	m->p.from.moved_to = get64(buf + OFF_MOVED + 16);
	m->p.from.moved_member = get32(buf + OFF_MOVED + 24);
	m->moved_crc = get32(buf + OFF_MOVED + 28);
	m->p.slot_units = get32(buf + OFF_SLOT);
	m->p.sync_end = get64(buf + OFF_SLOT + 8);
	m->md.minor = get32(buf + OFF_MD);
	m->md.bblog_offset = (int32_t)get32(buf + OFF_MD + 4);
	m->md.bblog_size = get32(buf + OFF_MD + 8);
	m->md.base = get64(buf + OFF_MD + 16);
	m->p.from.offset = get64(buf + OFF_MD + 24);
	m->p.to.offset = get64(buf + OFF_MD + 32);
	if (version == META_VERSION_SLOT1 && (m->p.slot_units || m->p.sync_end)) {
		*why = "a version 2 copy with a slot of several units or a sync bound";
		return -1;
	}
	if (get32(buf + OFF_MD + 12) ||
	    (version < META_VERSION && (m->md.minor || m->md.bblog_offset || m->md.bblog_size || m->md.base ||
					m->p.from.offset || m->p.to.offset))) {
		*why = version < META_VERSION ? "a version 2 or 3 copy with an md format" : "md format: padding not zero";
		return -1;
	}
	for (uint32_t i = 0; i < SLOT_MAX_UNITS; i++)
		m->unit_crc[i] = get32(buf + OFF_UNIT_CRC + 4 * i);
	*why = check_fields(m);
	return *why ? -1 : 0;
}

/* Where copy 0 or 1 lives on a member of this size: below md's bad-block log. */
uint64_t meta_copy_offset(uint64_t member_size, int copy)
{
	return mdsb_offset(member_size) - BBLOG_BYTES -
	       (uint64_t)(META_COPIES - copy) * META_BLOCK;
}

/* Where this member's part of the staging slot starts. */
uint64_t meta_slot_offset(const struct pair *p, uint64_t member_size)
{
	return meta_copy_offset(member_size, 0) - pair_slot_bytes(p);
}

/* Bytes of a member of this size below its configuration area; 0 if it has no room. */
uint64_t meta_data_room(const struct pair *p, uint64_t member_size)
{
	uint64_t need = pair_slot_bytes(p) + (uint64_t)META_COPIES * META_BLOCK + BBLOG_BYTES + 3 * 4096;

	if (member_size < need)
		return 0;
	return meta_slot_offset(p, member_size);
}

/*
 * Bytes of a member of this size the new array may use for data: below the
 * staging slot this migration needs, and below a reserve for the next one.
 * A later migration of the array (a member added, a level changed) stages
 * units of the least common multiple of both stripes: one chunk per member
 * of the array spread over its members covers growing by one member at
 * RAID0, 4, 5 and 6 and the level changes of the same chunk (overlap.c).
 * Without it an array raidmig made could not be reshaped by raidmig
 * without shrinking it first, as mdadm's arrays cannot. The reserve is at
 * least RESERVE_BYTES (a 64th of a member below 8 GiB): a later restripe
 * at the same width moves the data into it (reshape.c shift), one commit
 * for each reserve's worth of each member, or stages as many units at
 * once as it holds (meta_fit_slot), two commits for each slotful. mdadm
 * keeps up to 128 MiB (about 0.1%) before a 1.2 array's data for the same
 * purpose, a reshape's headroom: so does raidmig, at the end, so that a
 * restripe of a 4 TB member commits 30,000 times, not a million (4 MiB).
 */
#define RESERVE_BYTES	(128u << 20)

uint64_t meta_new_room(const struct pair *p, uint64_t member_size)
{
	uint64_t room = meta_data_room(p, member_size), reserve = 0, copy0;

	if (p->to.level != LEVEL_PLAIN) {
		uint64_t least = member_size / 64 < RESERVE_BYTES ? member_size / 64 : RESERVE_BYTES;

		reserve = ((uint64_t)p->to.members * p->to.chunk + META_BLOCK - 1) / META_BLOCK * META_BLOCK;
		least = least / META_BLOCK * META_BLOCK;
		if (reserve < least)
			reserve = least;
	}
	copy0 = meta_copy_offset(member_size, 0);
	if (room == 0 || copy0 < reserve + 4096)
		return 0;
	return room < copy0 - reserve ? room : copy0 - reserve;
}

/*
 * The staging slot's size, once both layouts' data areas are known: as
 * many units as fit above them on every member (the room of the reserve
 * meta_new_room keeps, of mdadm's, of a moved tail), up to SLOT_MAX_BYTES.
 * A unit that overwrites its own source is staged with the units after it
 * that do too, so a restripe at the same width costs two commits per slot,
 * not per unit. Leaves p->slot_units 1 when one unit is all that fits.
 * Returns what pair_check says of the result (NULL: fine).
 */
const char *meta_fit_slot(struct pair *p, const uint64_t *member_size)
{
	uint64_t most = SLOT_MAX_BYTES / pair_unit_bytes(p);

	if (most > pair_units(p))
		most = pair_units(p);
	if (most > SLOT_MAX_UNITS)
		most = SLOT_MAX_UNITS;	/* the metadata holds a crc32 of each */
	for (p->slot_units = most > 1 ? (uint32_t)most : 1; p->slot_units > 1; p->slot_units--)
		if (areas_fit(p, member_size))
			break;
	return pair_check(p);
}

const char *meta_state_name(uint32_t state)
{
	return state == META_COMPLETE ? "complete" :
	       state == META_MIGRATING ? "migrating" : "unknown";
}
