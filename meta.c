/*
 * meta.c: the on-disk metadata. One copy is a META_BLOCK-byte little-endian
 * record ending in a zlib crc32 of everything before it. The decoder trusts
 * nothing: a copy with a good CRC but impossible fields is refused, because
 * a resume that believed it would overwrite user data.
 *
 * Layout of one copy (offsets in bytes):
 *     0  magic "RAIDMIG1"         8  u32 version     12 u32 block size
 *    16  array uuid[16]          32  u64 generation
 *    40  u32 level   44 u32 layout   48 u32 chunk   52 u32 members
 *    56  u32 member index         60  u32 state      64 u32 sector size
 *    68  u32 journal crc          72  u64 member data bytes
 *    80  u64 data size            88  u64 progress (units)
 *    96  u64 staged unit         104  u64 staged bytes   112 u32 staged crc
 *   120  u64 journal size        128  u64 journal records applied
 *   256  member table: MAX_MEMBERS x { uuid[16], u64 size, u64 0 }
 *  4092  u32 crc32 of bytes [0, 4092)
 */
#include <string.h>
#include <zlib.h>

#include "meta.h"

static const char magic[8] = { 'R', 'A', 'I', 'D', 'M', 'I', 'G', '1' };

#define OFF_TABLE	256
#define MEMBER_REC	32
#define OFF_CRC		(META_BLOCK - 4)

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t block_crc(const uint8_t *buf)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, OFF_CRC);
}

void meta_encode(const struct meta *m, uint8_t *buf)
{
	memset(buf, 0, META_BLOCK);
	memcpy(buf, magic, sizeof(magic));
	put32(buf + 8, META_VERSION);
	put32(buf + 12, META_BLOCK);
	memcpy(buf + 16, m->array_uuid, 16);
	put64(buf + 32, m->generation);
	put32(buf + 40, m->g.level);
	put32(buf + 44, m->g.layout);
	put32(buf + 48, m->g.chunk);
	put32(buf + 52, m->g.members);
	put32(buf + 56, m->member_index);
	put32(buf + 60, m->state);
	put32(buf + 64, m->sector_size);
	put32(buf + 68, m->journal_crc);
	put64(buf + 72, m->g.member_data);
	put64(buf + 80, m->g.data_size);
	put64(buf + 88, m->progress);
	put64(buf + 96, m->stage_unit);
	put64(buf + 104, m->stage_len);
	put32(buf + 112, m->stage_crc);
	put64(buf + 120, m->journal_size);
	put64(buf + 128, m->journal_done);
	for (uint32_t i = 0; i < m->g.members && i < MAX_MEMBERS; i++) {
		uint8_t *r = buf + OFF_TABLE + i * MEMBER_REC;

		memcpy(r, m->member[i].uuid, 16);
		put64(r + 16, m->member[i].size);
	}
	put32(buf + OFF_CRC, block_crc(buf));
}

/* The field checks: each returns the reason a decoded copy is impossible. */
static const char *check_fields(const struct meta *m)
{
	const char *why = geom_check(&m->g);
	uint64_t units;

	if (why)
		return why;
	if (m->sector_size != 512 && m->sector_size != 4096)
		return "sector size not 512 or 4096";
	if (m->g.chunk % m->sector_size || m->g.data_size % m->sector_size)
		return "sizes not a multiple of the sector size";
	if (m->generation == 0)
		return "generation 0";
	if (m->state != META_MIGRATING && m->state != META_COMPLETE)
		return "unknown state";
	if (m->member_index >= m->g.members)
		return "member index out of range";
	units = geom_units(&m->g);
	if (m->progress > units)
		return "checkpoint past the end of the data";
	if (m->state == META_COMPLETE && m->progress != units)
		return "complete array with a checkpoint short of the end";
	if (m->stage_len) {
		uint64_t off, len;

		geom_unit_extent(&m->g, m->stage_unit, &off, &len);
		if (m->stage_unit >= units || m->stage_len != len ||
		    m->stage_len > geom_slot_bytes(&m->g) * m->g.members)
			return "staging length does not fit the slot";
		if (m->stage_unit != m->progress)
			return "staged unit is not the next unit";
	}
	if (m->journal_size == 0 && (m->journal_crc || m->journal_done))
		return "journal position without a journal";
	for (uint32_t i = 0; i < m->g.members; i++) {
		uint64_t cfg = geom_config_bytes(&m->g);

		if (geom_member_data_for(m->member[i].size, cfg, m->g.chunk) <
		    m->g.member_data)
			return "member table: member smaller than its data area";
	}
	return 0;
}

/*
 * Decode one copy. Returns 0 and fills *m, or -1 with *why saying what is
 * wrong (bad magic, bad CRC, or a field that cannot be true).
 */
int meta_decode(const uint8_t *buf, struct meta *m, const char **why)
{
	memset(m, 0, sizeof(*m));
	if (memcmp(buf, magic, sizeof(magic))) {
		*why = "no raidmig metadata";
		return -1;
	}
	if (get32(buf + OFF_CRC) != block_crc(buf)) {
		*why = "bad CRC";
		return -1;
	}
	if (get32(buf + 8) != META_VERSION || get32(buf + 12) != META_BLOCK) {
		*why = "unknown metadata version";
		return -1;
	}
	memcpy(m->array_uuid, buf + 16, 16);
	m->generation = get64(buf + 32);
	m->g.level = get32(buf + 40);
	m->g.layout = get32(buf + 44);
	m->g.chunk = get32(buf + 48);
	m->g.members = get32(buf + 52);
	m->member_index = get32(buf + 56);
	m->state = get32(buf + 60);
	m->sector_size = get32(buf + 64);
	m->journal_crc = get32(buf + 68);
	m->g.member_data = get64(buf + 72);
	m->g.data_size = get64(buf + 80);
	m->progress = get64(buf + 88);
	m->stage_unit = get64(buf + 96);
	m->stage_len = get64(buf + 104);
	m->stage_crc = get32(buf + 112);
	m->journal_size = get64(buf + 120);
	m->journal_done = get64(buf + 128);
	for (uint32_t i = 0; i < m->g.members && i < MAX_MEMBERS; i++) {
		const uint8_t *r = buf + OFF_TABLE + i * MEMBER_REC;

		memcpy(m->member[i].uuid, r, 16);
		m->member[i].size = get64(r + 16);
	}
	*why = check_fields(m);
	return *why ? -1 : 0;
}

/* Where copy 0 or 1 lives on a member of this size. */
uint64_t meta_copy_offset(uint64_t member_size, int copy)
{
	return geom_usable_end(member_size) - (uint64_t)(META_COPIES - copy) * META_BLOCK;
}

/* Where this member's part of the staging slot starts. */
uint64_t meta_slot_offset(const struct meta *m, uint64_t member_size)
{
	return geom_usable_end(member_size) - geom_config_bytes(&m->g);
}

const char *meta_state_name(uint32_t state)
{
	return state == META_COMPLETE ? "complete" :
	       state == META_MIGRATING ? "migrating" : "unknown";
}
