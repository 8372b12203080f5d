/*
 * test/unit.c: unit tests for the pure parts: geometry, the metadata
 * format and the checkpoint decisions. TAP output; test/run counts it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "journal.h"
#include "layout.h"
#include "meta.h"
#include "util.h"

static int n_test;

static void ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n_test, what);
}

static struct geom geom(uint32_t members, uint32_t chunk, uint64_t data)
{
	struct geom g = { LEVEL_RAID0, 0, chunk, members, 0, data };

	g.member_data = (data + (uint64_t)members * chunk - 1) / ((uint64_t)members * chunk) * chunk;
	return g;
}

/* geom_map against the md RAID0 formula, for every chunk of small arrays */
static void test_map(void)
{
	int good = 1;

	for (uint32_t n = 2; n <= 8; n++) {
		struct geom g = geom(n, 4096, 1 << 20);

		for (uint64_t off = 0; off < geom_capacity(&g); off += 512) {
			uint32_t m;
			uint64_t mo, c = off / 4096;

			geom_map(&g, off, &m, &mo);
			good &= m == c % n && mo == (c / n) * 4096 + off % 4096;
		}
	}
	ok(good, "geom_map is md RAID0: chunk c on member c mod n at (c div n) * chunk");
}

/* clobbers, overlaps and first_clobbering against brute force */
static void test_clobbers(void)
{
	int good = 1, only_zero = 1;

	for (uint32_t n = 2; n <= 8; n++) {
		struct geom g = geom(n, 8192, 64 << 20);
		uint64_t ub = geom_unit_bytes(&g);

		for (uint64_t w = 0; w < 2000; w++) {
			uint64_t lo, hi, dlo = w * g.chunk, dhi = (w + 1) * g.chunk - 1;

			geom_clobbers(&g, w, &lo, &hi);
			good &= lo == dlo / ub && hi == dhi / ub;
			only_zero &= geom_overlaps(&g, w) == (w == 0);
		}
		for (uint64_t p = 0; p < 300; p++) {
			uint64_t f = geom_first_clobbering(&g, p), lo, hi;

			geom_clobbers(&g, f, &lo, &hi);
			good &= hi >= p;
			if (f > 0) {
				geom_clobbers(&g, f - 1, &lo, &hi);
				good &= hi < p;
			}
		}
	}
	ok(good, "geom_clobbers and geom_first_clobbering agree with brute force");
	ok(only_zero, "test 216: only unit 0 overlaps its own source when n >= 2");
}

static void test_sizes(void)
{
	struct geom g = geom(2, 65536, 1 << 30);
	uint64_t off, len;

	ok(geom_slot_bytes(&g) == 65536, "RAID0 staging slot: one chunk per member");
	ok(geom_config_bytes(&g) == 65536 + 8192, "configuration area: slot plus two 4 KiB copies");
	ok(geom_member_data_for(1000000, 73728, 65536) == 917504,
	   "member data: size rounded down to 4 KiB, less the area, in whole chunks");
	g.data_size = 3 * 131072 + 512;
	ok(geom_units(&g) == 4, "a partial last unit counts");
	geom_unit_extent(&g, 3, &off, &len);
	ok(off == 393216 && len == 512, "the last unit is clipped to the data");
	geom_unit_extent(&g, 4, &off, &len);
	ok(len == 0, "no bytes past the data");
	ok(geom_check(&g) == NULL, "a sane geometry passes");
	g.members = 1;
	ok(geom_check(&g) != NULL, "one member is refused");
}

static struct meta sample(void)
{
	struct meta m;

	memset(&m, 0, sizeof(m));
	memcpy(m.array_uuid, "0123456789abcdef", 16);
	m.generation = 7;
	m.g = geom(3, 65536, 10 << 20);
	m.sector_size = 512;
	m.state = META_MIGRATING;
	m.member_index = 2;
	m.progress = 5;
	m.stage_unit = 5;
	m.stage_len = 3 * 65536;
	m.stage_crc = 0xdeadbeef;
	m.journal_crc = 0x1234;
	m.journal_size = 99;
	m.journal_done = 3;
	for (int i = 0; i < 3; i++) {
		memset(m.member[i].uuid, 'a' + i, 16);
		m.member[i].size = m.g.member_data + geom_config_bytes(&m.g);
	}
	return m;
}

static int decodes(struct meta m, const char *want)
{
	uint8_t blk[META_BLOCK];
	struct meta out;
	const char *why = NULL;
	int r;

	meta_encode(&m, blk);
	r = meta_decode(blk, &out, &why);
	return want ? r < 0 && why && strstr(why, want) : r == 0;
}

static void test_meta(void)
{
	struct meta m = sample(), out, bad;
	uint8_t blk[META_BLOCK];
	const char *why;

	meta_encode(&m, blk);
	ok(meta_decode(blk, &out, &why) == 0 && !memcmp(&m, &out, sizeof(m)),
	   "metadata round-trips through encode and decode");
	ok(blk[0] == 'R' && blk[32] == 7 && blk[33] == 0, "little-endian generation at offset 32");
	blk[200] ^= 1;
	ok(meta_decode(blk, &out, &why) < 0 && !strcmp(why, "bad CRC"), "a flipped bit is a bad CRC");
	memset(blk, 0, sizeof(blk));
	ok(meta_decode(blk, &out, &why) < 0 && !strcmp(why, "no raidmig metadata"), "zeros are no metadata");
	bad = m, bad.g.members = 0;
	ok(decodes(bad, "member count"), "zero members refused");
	bad = m, bad.g.members = 100000;
	ok(decodes(bad, "member count"), "100000 members refused");
	bad = m, bad.g.chunk = 0;
	ok(decodes(bad, "chunk"), "chunk 0 refused");
	bad = m, bad.progress = 1000;
	ok(decodes(bad, "checkpoint past the end"), "checkpoint past the end refused");
	bad = m, bad.stage_len = 1 << 30;
	ok(decodes(bad, "staging length"), "staging longer than the slot refused");
	bad = m, bad.stage_unit = 4;
	ok(decodes(bad, "not the next unit"), "a staged unit other than the next refused");
	bad = m, bad.state = META_COMPLETE;
	ok(decodes(bad, "complete array"), "complete with a short checkpoint refused");
	bad = m, bad.journal_size = 0;
	ok(decodes(bad, "journal position without a journal"), "journal position without journal refused");
	bad = m, bad.member[1].size = 4096;
	ok(decodes(bad, "member table"), "a member smaller than its data area refused");
	ok(meta_copy_offset(1 << 20, 0) == (1 << 20) - 8192 && meta_copy_offset((1 << 20) + 100, 1) == (1 << 20) - 4096,
	   "copies sit in the last two 4 KiB blocks");
}

/*
 * Simulate the decisions of the copy loop without a disk: count how often
 * test 244 fires over a whole migration. The patent's geometry implies
 * about log_n(units) times.
 */
static uint64_t next_dest_firings(uint32_t n, uint64_t units)
{
	struct geom g = geom(n, 65536, units * n * 65536);
	struct policy p = { 0, 0, 0 };
	uint64_t ckpt = 1, done = 1, fired = 0;	/* unit 0 staged */

	while (done < units) {
		uint64_t end;

		if (ck_next_dest_due(&g, ckpt, done, done)) {
			ckpt = done;
			fired++;
		}
		end = ck_batch_end(&g, &p, ckpt, done, 0, units);
		if (end == done)
			return UINT64_MAX;	/* stuck: a bug */
		done = end;
	}
	return fired;
}

static void test_checkpoint(void)
{
	struct geom g = geom(2, 65536, 1 << 30);
	struct policy every = { 100, 0, 1 }, count = { 100, 0, 0 }, none = { 0, 0, 0 };

	/* unit 0 is staged, so 244 fires at units n, n^2, ...: log_n(units) - 1 times */
	ok(next_dest_firings(2, 8192) == 12, "2 members, 8192 units: test 244 fires log2(8192) - 1 = 12 times");
	ok(next_dest_firings(4, 4096) == 5, "4 members, 4096 units: test 244 fires log4(4096) - 1 = 5 times");
	ok(next_dest_firings(8, 1 << 20) == 6, "8 members, 2^20 units: test 244 fires log8(2^20) - 1 = 6 times");
	ok(ck_next_dest_due(&g, 10, 20, 20) && !ck_next_dest_due(&g, 10, 19, 19),
	   "test 244: unit 20 overwrites source unit 10, copied but not checkpointed");
	ok(!ck_next_dest_due(&g, 11, 20, 20), "test 244: not when unit 10 is checkpointed");
	ok(ck_host_write_due(5, 9, 8, 12) && !ck_host_write_due(5, 9, 9, 12) &&
	   !ck_host_write_due(5, 9, 0, 4) && !ck_host_write_due(9, 9, 0, 20),
	   "test 242: only writes into [checkpoint, copied) force a checkpoint");
	ok(ck_interval_due(&count, 100, 0) && !ck_interval_due(&count, 99, 0), "test 246: unit count");
	ok(!ck_interval_due(&none, 1000000, 1e9), "test 246: no limit");
	ok(ck_interval_due(&(struct policy){ 0, 5, 0 }, 1, 5.0), "test 246: time limit");
	ok(ck_interval_due(&every, 1, 0), "every-unit policy checkpoints after each unit");
	ok(ck_batch_end(&g, &every, 10, 12, 0, 1000) == 13, "every-unit batches are one unit");
	ok(ck_batch_end(&g, &count, 100, 102, 40, 1000) == 102 + 60, "batches stop at the unit limit");
	ok(ck_batch_end(&g, &none, 10, 12, 0, 1000) == 20, "batches stop before overwriting uncheckpointed source");
	ok(ck_batch_end(&g, &none, 10, 12, 0, 15) == 15, "batches stop at the caller's limit");
}

static void test_parse(void)
{
	uint64_t v;

	ok(parse_size("64K", &v, 1) == 0 && v == 65536, "64K");
	ok(parse_size("0x10M", &v, 1) == 0 && v == 16 << 20, "0x10M");
	ok(parse_size("2T", &v, 1) == 0 && v == 2ull << 40, "2T");
	ok(parse_size("64k", &v, 1) < 0 && parse_size("", &v, 1) < 0 && parse_size("K", &v, 1) < 0 &&
	   parse_size("-1", &v, 1) < 0 && parse_size("1 K", &v, 1) < 0 && parse_size("64KB", &v, 1) < 0,
	   "garbage sizes are errors, never zero");
	ok(parse_size("18446744073709551615", &v, 0) == 0 && parse_size("18446744073709551616", &v, 0) < 0 &&
	   parse_size("16777216T", &v, 1) < 0, "overflow is an error");
	ok(parse_size("5K", &v, 0) < 0, "no suffix where none is allowed");
}

static void test_journal(void)
{
	struct journal j;
	const char *good = "# c\n\nwrite at=0 offset=0 length=4K fill=7\r\n  write at=3 offset=1M length=512 seed=9\n";
	uint8_t a[16], b[16];
	int r;

	memset(&j, 0, sizeof(j));
	j.path = "mem";
	r = journal_parse(&j, good, strlen(good), 2 << 20, 512);
	ok(r == 0 && j.count == 2 && j.rec[1].at == 3 && j.rec[1].offset == 1 << 20 &&
	   j.rec[1].line == 4 && j.rec[1].kind == JDATA_SEED, "journal records parse, lines counted");
	journal_data(&j.rec[1], 8, a, 8);
	journal_data(&j.rec[1], 0, b, 16);
	ok(!memcmp(a, b + 8, 8), "seeded data depends on the position only");
	journal_free(&j);
	memset(&j, 0, sizeof(j));
	j.path = "mem";
	fprintf(stderr, "(an error message is expected here)\n");
	ok(journal_parse(&j, "write at=0 offset=2M length=512 fill=1\n", 39, 2 << 20, 512) < 0,
	   "a write past the volume is refused");
	journal_free(&j);
}

int main(void)
{
	test_map();
	test_clobbers();
	test_sizes();
	test_meta();
	test_checkpoint();
	test_parse();
	test_journal();
	printf("1..%d\n", n_test);
	return 0;
}
