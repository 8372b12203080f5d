/*
 * report.c: what raidmig prints about a run, a plan and metadata copies,
 * as text or as JSON. Formats only; nothing here decides anything.
 */
#include <stdio.h>

#include "checkpoint.h"
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

void report_summary(const struct run *r, double secs, int json)
{
	double mbs = secs > 0 ? (double)io_stats.bytes_written / secs / 1e6 : 0;

	if (json) {
		printf("{\"units\": %llu, \"bytes_read\": %llu, \"bytes_written\": %llu, "
		       "\"metadata_writes\": %llu, \"flushes\": %llu, \"checkpoints\": {",
		       (unsigned long long)r->units_copied, (unsigned long long)io_stats.bytes_read,
		       (unsigned long long)io_stats.bytes_written, (unsigned long long)r->meta_writes,
		       (unsigned long long)io_stats.flushes);
		reasons(r, 1);
		printf("}, \"seconds\": %.3f}\n", secs);
		return;
	}
	printf("units            %llu\n", (unsigned long long)r->units_copied);
	printf("bytes read       %llu\n", (unsigned long long)io_stats.bytes_read);
	printf("bytes written    %llu\n", (unsigned long long)io_stats.bytes_written);
	printf("metadata writes  %llu\n", (unsigned long long)r->meta_writes);
	printf("flushes          %llu\n", (unsigned long long)io_stats.flushes);
	printf("checkpoints     ");
	reasons(r, 0);
	printf("seconds          %.3f (%.1f MB/s written)\n", secs, mbs);
}

/*
 * Progress, at most twice a second and once at the end: one line redrawn on
 * a terminal, or one JSON line per update with --progress-json.
 */
void report_progress(const struct run *r, int final)
{
	static double last;
	double now = now_seconds(), el = now - r->t0;
	uint64_t units = geom_units(&r->a->m.g), ck = 0, did = r->done - r->start_unit;
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

void report_plan(const struct run *r, int json)
{
	const struct geom *g = &r->a->m.g;
	char cap[32], cfg[32], data[32];

	fmt_size(cap, sizeof(cap), geom_capacity(g));
	fmt_size(cfg, sizeof(cfg), geom_config_bytes(g));
	fmt_size(data, sizeof(data), g->data_size);
	if (json) {
		printf("{\"capacity\": %llu, \"config_bytes\": %llu, \"data_size\": %llu, \"units\": %llu, "
		       "\"checkpoints\": {", (unsigned long long)geom_capacity(g),
		       (unsigned long long)geom_config_bytes(g), (unsigned long long)g->data_size,
		       (unsigned long long)r->units_copied);
		reasons(r, 1);
		printf("}, \"metadata_writes\": %llu, \"flushes\": %llu, \"bytes_staged\": %llu, "
		       "\"bytes_read\": %llu, \"bytes_written\": %llu}\n",
		       (unsigned long long)r->meta_writes, (unsigned long long)io_stats.flushes,
		       (unsigned long long)r->bytes_staged, (unsigned long long)io_stats.bytes_read,
		       (unsigned long long)io_stats.bytes_written);
		return;
	}
	printf("plan: RAID%u over %u members, chunk %u KiB\n", g->level, g->members, g->chunk >> 10);
	printf("capacity            %s (%llu bytes)\n", cap, (unsigned long long)geom_capacity(g));
	printf("configuration area  %s per member (staging slot and 2 metadata copies)\n", cfg);
	printf("data to migrate     %s in %llu units\n", data, (unsigned long long)r->units_copied);
	printf("checkpoints        ");
	reasons(r, 0);
	printf("metadata writes     %llu\n", (unsigned long long)r->meta_writes);
	printf("flushes             %llu\n", (unsigned long long)io_stats.flushes);
	printf("bytes staged        %llu\n", (unsigned long long)r->bytes_staged);
	printf("bytes read          %llu\n", (unsigned long long)io_stats.bytes_read);
	printf("bytes written       %llu\n", (unsigned long long)io_stats.bytes_written);
	printf("(checkpoints for the time limit are not counted: they depend on the speed)\n");
}

void report_copy(const char *path, int c, const struct meta *m, const char *why,
		 uint64_t off, int first, int json)
{
	char u[33];

	if (json) {
		printf("%s{\"device\": \"%s\", \"copy\": %d, \"offset\": %llu, \"valid\": %s", first ? "" : ",\n ",
		       path, c, (unsigned long long)off, why ? "false" : "true");
		if (why) {
			printf(", \"error\": \"%s\"}", why);
			return;
		}
		uuid_hex(m->array_uuid, u);
		printf(", \"array\": \"%s\", \"generation\": %llu, \"state\": \"%s\", \"level\": %u, "
		       "\"chunk\": %u, \"members\": %u, \"member_index\": %u, \"member_data\": %llu, "
		       "\"data_size\": %llu, \"units\": %llu, \"checkpoint\": %llu, "
		       "\"staging\": {\"unit\": %llu, \"length\": %llu, \"crc\": %u}, "
		       "\"journal\": {\"size\": %llu, \"crc\": %u, \"applied\": %llu}, \"member_table\": [",
		       u, (unsigned long long)m->generation, meta_state_name(m->state), m->g.level,
		       m->g.chunk, m->g.members, m->member_index, (unsigned long long)m->g.member_data,
		       (unsigned long long)m->g.data_size, (unsigned long long)geom_units(&m->g),
		       (unsigned long long)m->progress, (unsigned long long)m->stage_unit,
		       (unsigned long long)m->stage_len, m->stage_crc,
		       (unsigned long long)m->journal_size, m->journal_crc,
		       (unsigned long long)m->journal_done);
		for (uint32_t i = 0; i < m->g.members; i++) {
			uuid_hex(m->member[i].uuid, u);
			printf("%s{\"uuid\": \"%s\", \"size\": %llu}", i ? ", " : "", u,
			       (unsigned long long)m->member[i].size);
		}
		printf("]}");
		return;
	}
	printf("%s copy %d (offset %llu): ", path, c, (unsigned long long)off);
	if (why) {
		printf("invalid: %s\n", why);
		return;
	}
	uuid_hex(m->array_uuid, u);
	printf("CRC ok\n  array %s generation %llu state %s\n"
	       "  RAID%u chunk %u members %u, this is member %u\n"
	       "  data %llu bytes in %llu units, member data %llu bytes\n"
	       "  checkpoint %llu units\n",
	       u, (unsigned long long)m->generation, meta_state_name(m->state), m->g.level,
	       m->g.chunk, m->g.members, m->member_index, (unsigned long long)m->g.data_size,
	       (unsigned long long)geom_units(&m->g), (unsigned long long)m->g.member_data,
	       (unsigned long long)m->progress);
	if (m->stage_len)
		printf("  staging: unit %llu, %llu bytes, crc32 %08x\n",
		       (unsigned long long)m->stage_unit, (unsigned long long)m->stage_len, m->stage_crc);
	else
		printf("  staging: empty\n");
	if (m->journal_size)
		printf("  journal: %llu bytes, crc32 %08x, %llu records applied\n",
		       (unsigned long long)m->journal_size, m->journal_crc,
		       (unsigned long long)m->journal_done);
	else
		printf("  journal: none\n");
	for (uint32_t i = 0; i < m->g.members; i++) {
		uuid_hex(m->member[i].uuid, u);
		printf("  member %u: uuid %s size %llu\n", i, u, (unsigned long long)m->member[i].size);
	}
}
