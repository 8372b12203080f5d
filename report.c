/*
 * report.c: what raidmig prints about a run, a plan and metadata copies,
 * as text or as JSON. Formats only; nothing here decides anything.
 */
#include <stdio.h>

#include "checkpoint.h"
#include "mdsb.h"
#include "report.h"
#include "util.h"

static int progress_json;

/* The checkpoints by reason: JSON members, or a text list ending the line. */
static void reasons(const struct run *r, int json)
{
	for (int i = 0; i < CK_NREASONS; i++) {
		if (json)
			printf("%s\"%s\": %llu", i ? ", " : "", ck_reason_name[i],
			       (unsigned long long)r->ckpt[i]);
		else
			printf(" %s %llu%s", ck_reason_name[i], (unsigned long long)r->ckpt[i],
			       i + 1 < CK_NREASONS ? "," : "\n");
	}
}

/* Progress as JSON lines on standard output instead of a terminal line. */
void report_progress_json(int on)
{
	progress_json = on;
}

void uuid_hex(const uint8_t *u, char *out)
{
	for (int i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", u[i]);
}

/* A UUID as mdadm prints it: xxxxxxxx:xxxxxxxx:xxxxxxxx:xxxxxxxx (out: 36 bytes). */
void uuid_md(const uint8_t *u, char *out)
{
	for (int i = 0, o = 0; i < 16; i++) {
		o += sprintf(out + o, "%02x", u[i]);
		if (i % 4 == 3 && i < 15)
			out[o++] = ':';
	}
}

void report_summary(const struct run *r, double secs, int json)
{
	double mbs = secs > 0 ? (double)io_stats.bytes_written / secs / 1e6 : 0;

	if (json) {
		printf("{\"units\": %llu, \"bytes_read\": %llu, \"bytes_written\": %llu, "
		       "\"metadata_writes\": %llu, \"flushes\": %llu, \"durable_writes\": %llu, "
		       "\"checkpoints\": {",
		       (unsigned long long)r->units_copied, (unsigned long long)io_stats.bytes_read,
		       (unsigned long long)io_stats.bytes_written, (unsigned long long)r->meta_writes,
		       (unsigned long long)io_stats.flushes, (unsigned long long)io_stats.durable_writes);
		reasons(r, 1);
		printf("}, \"commit_seconds\": %.3f, \"seconds\": %.3f}\n", r->commit_seconds, secs);
		return;
	}
	printf("units            %llu\n", (unsigned long long)r->units_copied);
	printf("bytes read       %llu\n", (unsigned long long)io_stats.bytes_read);
	printf("bytes written    %llu\n", (unsigned long long)io_stats.bytes_written);
	printf("metadata writes  %llu\n", (unsigned long long)r->meta_writes);
	printf("flushes          %llu\n", (unsigned long long)io_stats.flushes);
	printf("durable writes   %llu\n", (unsigned long long)io_stats.durable_writes);
	printf("checkpoints     ");
	reasons(r, 0);
	printf("seconds          %.3f (%.1f MB/s written), %.3f in checkpoints\n", secs, mbs,
	       r->commit_seconds);
}

/*
 * Progress, at most twice a second and once at the end: one line redrawn on
 * a terminal, or one JSON line per update with --progress-json.
 */
void report_progress(const struct run *r, int final)
{
	static double last;
	double now = now_seconds(), el = now - r->t0;
	uint64_t units = pair_units(&r->a->m.p), ck = 0, did = r->done - r->start_unit;
	double pct = units ? 100.0 * (double)r->done / (double)units : 100;
	double mbs = el > 0 ? (double)io_stats.bytes_read / el / 1e6 : 0;
	double eta = did ? el * (double)(units - r->done) / (double)did : 0;

	if (!final && now - last < 0.5)
		return;
	last = now;
	for (int i = 0; i < CK_NREASONS; i++)
		ck += r->ckpt[i];
	if (progress_json) {
		printf("{\"progress\": %.1f, \"units_done\": %llu, \"units\": %llu, \"mb_per_s\": %.1f, "
		       "\"eta_seconds\": %.0f, \"checkpoints\": %llu}\n", pct,
		       (unsigned long long)r->done, (unsigned long long)units, mbs, eta,
		       (unsigned long long)ck);
		fflush(stdout);
		return;
	}
	fprintf(stderr, "\r%5.1f%%  %7.1f MB/s  ETA %lu:%02lu  checkpoints %llu ", pct, mbs,
		(unsigned long)eta / 60, (unsigned long)eta % 60, (unsigned long long)ck);
	if (final)
		fputc('\n', stderr);
}

/* Seconds as a person reads them: "42 s", "3.2 min", "7.5 h", "2.1 days". */
static void fmt_secs(char *buf, size_t len, double s)
{
	if (s < 120)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 7200)
		snprintf(buf, len, "%.1f min", s / 60);
	else if (s < 172800)
		snprintf(buf, len, "%.1f h", s / 3600);
	else
		snprintf(buf, len, "%.1f days", s / 86400);
}

void report_plan(const struct run *r, int json, const struct disk_model *m,
		 const struct estimate *e)
{
	const struct pair *p = &r->a->m.p;
	char cap[32], cfg[32], data[32], name[64];
	uint64_t config = r->a->dev[0].size - meta_data_room(p, r->a->dev[0].size);

	fmt_size(cap, sizeof(cap), geom_capacity(&p->to));
	fmt_size(cfg, sizeof(cfg), config);
	fmt_size(data, sizeof(data), p->data_size);
	if (json) {
		printf("{\"level\": %d, \"layout\": %u, \"chunk\": %u, \"members\": %u, "
		       "\"from\": {\"level\": %d, \"layout\": %u, \"chunk\": %u, \"members\": %u, "
		       "\"in_sync_below\": %llu}, "
		       "\"descending\": %s, "
		       "\"capacity\": %llu, \"config_bytes\": %llu, \"data_size\": %llu, "
		       "\"unit_bytes\": %llu, \"unit_depth\": %llu, \"units\": %llu, \"checkpoints\": {",
		       p->to.level, p->to.layout, p->to.chunk, p->to.members, p->from.level, p->from.layout,
		       p->from.chunk, p->from.members,
		       (unsigned long long)(p->unsynced ? p->sync_end : p->from.member_data),
		       p->descending ? "true" : "false",
		       (unsigned long long)geom_capacity(&p->to), (unsigned long long)config,
		       (unsigned long long)p->data_size, (unsigned long long)pair_unit_bytes(p),
		       (unsigned long long)pair_unit_depth(p), (unsigned long long)r->units_copied);
		reasons(r, 1);
		printf("}, \"metadata_writes\": %llu, \"flushes\": %llu, \"durable_writes\": %llu, "
		       "\"bytes_staged\": %llu, \"bytes_read\": %llu, \"bytes_written\": %llu",
		       (unsigned long long)r->meta_writes, (unsigned long long)io_stats.flushes,
		       (unsigned long long)io_stats.durable_writes,
		       (unsigned long long)r->bytes_staged, (unsigned long long)io_stats.bytes_read,
		       (unsigned long long)io_stats.bytes_written);
		printf(", \"moved_bytes\": %llu", (unsigned long long)(p->from.moved_len * p->from.members));
		if (p->from.moved_len)
			printf(", \"moved\": {\"at\": %llu, \"length\": %llu, \"to_member\": %u, \"to\": %llu}",
			       (unsigned long long)(p->from.offset + p->from.moved_at), (unsigned long long)p->from.moved_len,
			       p->from.moved_member, (unsigned long long)p->from.moved_to);
		if (m)
			printf(", \"estimate\": {\"disk\": \"%s\", \"mb_per_s\": %g, \"flush_ms\": %g, "
			       "\"seek_ms\": %g, \"seconds\": %.1f, \"copy_seconds\": %.1f, "
			       "\"checkpoints\": %llu, \"commit_seconds\": %.1f, \"commit_cost_ms\": %.2f, "
			       "\"commit_share\": %.4f}", m->name, m->mbs, m->flush_ms, m->seek_ms,
			       e->total_s, e->copy_s, (unsigned long long)e->commits, e->commit_s,
			       e->commit_cost_s * 1e3, e->total_s > 0 ? e->commit_s / e->total_s : 0);
		printf("}\n");
		return;
	}
	printf("plan: %s over %u members, chunk %u KiB", geom_level_name(&p->to, name, sizeof(name)),
	       p->to.members, p->to.chunk >> 10);
	if (p->from.level != LEVEL_PLAIN)
		printf(", from %s over %u members, chunk %u KiB (%s order)",
		       geom_level_name(&p->from, name, sizeof(name)), p->from.members, p->from.chunk >> 10,
		       p->descending ? "descending" : "ascending");
	printf("\n");
	printf("capacity            %s (%llu bytes)\n", cap, (unsigned long long)geom_capacity(&p->to));
	printf("configuration area  %s per member (staging slot, 2 metadata copies, md superblock)\n", cfg);
	printf("data to migrate     %s in %llu units of %llu bytes\n", data,
	       (unsigned long long)r->units_copied, (unsigned long long)pair_unit_bytes(p));
	if (p->from.moved_len)
		printf("moved first         %llu bytes at byte %llu of %s to member %u at byte %llu\n"
		       "                    (the source's end, in the configuration area's place)\n",
		       (unsigned long long)p->from.moved_len,
		       (unsigned long long)(p->from.offset + p->from.moved_at),
		       p->from.members > 1 ? "each old member" : "the source",
		       p->from.moved_member, (unsigned long long)p->from.moved_to);
	printf("checkpoints        ");
	reasons(r, 0);
	printf("metadata writes     %llu\n", (unsigned long long)r->meta_writes);
	printf("flushes             %llu\n", (unsigned long long)io_stats.flushes);
	printf("durable writes      %llu\n", (unsigned long long)io_stats.durable_writes);
	printf("bytes staged        %llu\n", (unsigned long long)r->bytes_staged);
	printf("bytes read          %llu\n", (unsigned long long)io_stats.bytes_read);
	printf("bytes written       %llu\n", (unsigned long long)io_stats.bytes_written);
	printf("(checkpoints for the time limit are not counted: they depend on the speed)\n");
	if (m) {
		char t[32], c[32];

		fmt_secs(t, sizeof(t), e->total_s);
		fmt_secs(c, sizeof(c), e->commit_s);
		printf("estimate on %s (%g MB/s a disk, %g ms a flush, %g ms a seek):\n"
		       "  %s in all, %s (%.1f%%) in %llu checkpoints of %.1f ms\n", m->name, m->mbs,
		       m->flush_ms, m->seek_ms, t, c, e->total_s > 0 ? 100 * e->commit_s / e->total_s : 0,
		       (unsigned long long)e->commits, e->commit_cost_s * 1e3);
	}
}

static void geom_json(const char *key, const struct geom *g)
{
	printf("\"%s\": {\"level\": %d, \"layout\": %u, \"chunk\": %u, \"members\": %u, "
	       "\"member_data\": %llu, \"offset\": %llu}", key, g->level, g->layout, g->chunk, g->members,
	       (unsigned long long)g->member_data, (unsigned long long)g->offset);
}

void report_copy(const char *path, int c, const struct meta *m, const char *why,
		 uint64_t off, int first, int json)
{
	const struct pair *p = &m->p;
	char u[33], name[64];

	if (json) {
		printf("%s{\"device\": \"%s\", \"copy\": %d, \"offset\": %llu, \"valid\": %s", first ? "" : ",\n ",
		       path, c, (unsigned long long)off, why ? "false" : "true");
		if (why) {
			printf(", \"error\": \"%s\"}", why);
			return;
		}
		uuid_hex(m->array_uuid, u);
		printf(", \"array\": \"%s\", \"name\": \"%s\", \"generation\": %llu, \"state\": \"%s\", "
		       "\"level\": %d, \"layout\": %u, \"chunk\": %u, \"members\": %u, "
		       "\"member_index\": %u, \"member_data\": %llu, \"data_size\": %llu, "
		       "\"unit_bytes\": %llu, \"units\": %llu, \"checkpoint\": %llu, ",
		       u, m->name, (unsigned long long)m->generation, meta_state_name(m->state),
		       p->to.level, p->to.layout, p->to.chunk, p->to.members, m->member_index,
		       (unsigned long long)p->to.member_data, (unsigned long long)p->data_size,
		       (unsigned long long)pair_unit_bytes(p), (unsigned long long)pair_units(p),
		       (unsigned long long)m->progress);
		geom_json("from", &p->from);
		printf(", ");
		geom_json("to", &p->to);
		printf(", \"staging\": {\"unit\": %llu, \"length\": %llu, \"crc\": %u, \"slot_units\": %llu}, "
		       "\"journal\": {\"given\": %s, \"size\": %llu, \"crc\": %u, \"data_crc\": %u, "
		       "\"applied\": %llu}, \"source_crc\": %u, \"member_table\": [",
		       (unsigned long long)m->stage_unit, (unsigned long long)m->stage_len, m->stage_crc,
		       (unsigned long long)pair_slot_units(p), m->journal_flags & JOURNAL_GIVEN ? "true" : "false",
		       (unsigned long long)m->journal_size, m->journal_crc, m->journal_data_crc,
		       (unsigned long long)m->journal_done, m->source_crc);
		for (uint32_t i = 0; i < pair_members(p); i++) {
			uuid_hex(m->member[i].uuid, u);
			printf("%s{\"uuid\": \"%s\", \"size\": %llu}", i ? ", " : "", u,
			       (unsigned long long)m->member[i].size);
		}
		printf("], \"md\": {\"version\": \"1.%u\", \"base\": %llu}}", m->md.minor,
		       (unsigned long long)m->md.base);
		return;
	}
	printf("%s copy %d (offset %llu): ", path, c, (unsigned long long)off);
	if (why) {
		printf("invalid: %s\n", why);
		return;
	}
	uuid_hex(m->array_uuid, u);
	printf("CRC ok\n  array %s name %s generation %llu state %s\n",
	       u, m->name, (unsigned long long)m->generation, meta_state_name(m->state));
	printf("  from %s", geom_level_name(&p->from, name, sizeof(name)));
	if (p->from.level != LEVEL_PLAIN)
		printf(", chunk %u, %u members", p->from.chunk, p->from.members);
	printf("\n  to %s, chunk %u, %u members, this is member %u\n",
	       geom_level_name(&p->to, name, sizeof(name)), p->to.chunk, p->to.members,
	       m->member_index);
	printf("  data %llu bytes in %llu units of %llu bytes, member data %llu bytes\n"
	       "  checkpoint %llu units\n", (unsigned long long)p->data_size,
	       (unsigned long long)pair_units(p), (unsigned long long)pair_unit_bytes(p),
	       (unsigned long long)p->to.member_data, (unsigned long long)m->progress);
	if (m->stage_len)
		printf("  staging: unit %llu, %llu bytes, crc32 %08x (the slot holds %llu unit%s)\n",
		       (unsigned long long)m->stage_unit, (unsigned long long)m->stage_len, m->stage_crc,
		       (unsigned long long)pair_slot_units(p), pair_slot_units(p) > 1 ? "s" : "");
	else
		printf("  staging: empty (the slot holds %llu unit%s)\n", (unsigned long long)pair_slot_units(p),
		       pair_slot_units(p) > 1 ? "s" : "");
	if (m->journal_flags & JOURNAL_GIVEN)
		printf("  journal: %llu bytes, crc32 %08x, data crc32 %08x, %llu records applied\n",
		       (unsigned long long)m->journal_size, m->journal_crc, m->journal_data_crc,
		       (unsigned long long)m->journal_done);
	else
		printf("  journal: none\n");
	printf("  md metadata 1.%u, data from byte %llu of each member (old layout), %llu (new)\n",
	       m->md.minor, (unsigned long long)(m->md.base + p->from.offset),
	       (unsigned long long)(m->md.base + p->to.offset));
	for (uint32_t i = 0; i < pair_members(p); i++) {
		uuid_hex(m->member[i].uuid, u);
		printf("  member %u: uuid %s size %llu\n", i, u, (unsigned long long)m->member[i].size);
	}
}

/* One member's md superblock, for inspect: fields as md names them. */
void report_md(const char *path, const struct mdsb *s, const char *why, uint64_t off, int json)
{
	char u[33], d[33];

	if (json) {
		printf(",\n {\"device\": \"%s\", \"md_superblock\": {\"offset\": %llu, \"valid\": %s",
		       path, (unsigned long long)off, why ? "false" : "true");
		if (why) {
			printf(", \"error\": \"%s\"}}", why);
			return;
		}
		uuid_hex(s->set_uuid, u);
		uuid_hex(s->device_uuid, d);
		printf(", \"feature_map\": %u, \"migrating\": %s, \"set_uuid\": \"%s\", \"name\": \"%.32s\", "
		       "\"level\": %d, \"layout\": %u, \"chunk_sectors\": %u, \"raid_disks\": %u, "
		       "\"size\": %llu, \"data_size\": %llu, \"super_offset\": %llu, \"data_offset\": %llu, "
		       "\"version\": \"1.%u\", \"role\": %d, "
		       "\"device_uuid\": \"%s\", \"events\": %llu, \"resync_offset\": %llu}}",
		       s->feature_map, s->feature_map & MDSB_FEATURE_RAIDMIG ? "true" : "false", u,
		       s->set_name, s->level, s->layout, s->chunksize, s->raid_disks,
		       (unsigned long long)s->size, (unsigned long long)s->data_size,
		       (unsigned long long)s->super_offset, (unsigned long long)s->data_offset, s->minor,
		       mdsb_role(s), d,
		       (unsigned long long)s->events, (unsigned long long)s->resync_offset);
		return;
	}
	printf("%s md superblock (offset %llu): ", path, (unsigned long long)off);
	if (why) {
		printf("%s\n", why);
		return;
	}
	uuid_hex(s->set_uuid, u);
	printf("%s\n  md v1.%u array %s name %.32s level %d layout %u chunk %u sectors, %u devices, role %d\n"
	       "  size %llu sectors from sector %llu, events %llu, %s\n",
	       s->feature_map & MDSB_FEATURE_RAIDMIG ? "marked: migration in progress, md will not assemble it" :
	       "valid", s->minor, u, s->set_name, s->level, s->layout, s->chunksize, s->raid_disks, mdsb_role(s),
	       (unsigned long long)s->size, (unsigned long long)s->data_offset, (unsigned long long)s->events,
	       s->resync_offset == MDSB_CLEAN ? "clean" : "to resync from its resync_offset");
}
