/*
 * raidmig.c: the command line. An action table names each subcommand, the
 * options it takes and its handler; options that do not belong to the
 * action are refused. Device checks happen here, before anything is
 * written: a refused command leaves every device byte for byte unchanged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <popt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include "array.h"
#include "checkpoint.h"
#include "copy.h"
#include "probe.h"
#include "util.h"

#define VERSION		"0.1"
#define BUF_BYTES	(16u << 20)	/* copy buffer: many units per call */

enum {
	O_LEVEL = 1, O_CHUNK, O_JOURNAL, O_CK_UNITS, O_CK_SECONDS, O_CK_EVERY,
	O_FORCE, O_YES, O_JSON, O_OUTPUT, O_SIZE, O_MEMBERS, O_PROGRESS_JSON, O_VERBOSE,
};
#define BIT(o) (1u << (o))

static struct {
	char *level, *chunk, *journal, *ck_units, *ck_seconds, *output, *size, *members;
	int every, force, yes, json, progress_json;
} opt;

static volatile sig_atomic_t stop_flag;
static struct policy policy;

struct action {
	const char *name;
	int (*run)(char **args, int count);
	unsigned opts;		/* BIT(O_*) the action accepts */
	int min_args;
	const char *args;	/* usage words */
};

static int cmd_convert(char **args, int count);
static int cmd_resume(char **args, int count);
static int cmd_inspect(char **args, int count);
static int cmd_cat(char **args, int count);
static int cmd_plan(char **args, int count);

#define RUN_OPTS (BIT(O_JOURNAL) | BIT(O_CK_UNITS) | BIT(O_CK_SECONDS) | BIT(O_CK_EVERY) | BIT(O_JSON) | \
		  BIT(O_PROGRESS_JSON))

static const struct action actions[] = {
	{ "convert", cmd_convert, RUN_OPTS | BIT(O_LEVEL) | BIT(O_CHUNK) | BIT(O_FORCE) | BIT(O_YES),
	  2, "--level LEVEL [--chunk SIZE] [--journal FILE] [--checkpoint-units N]\n"
	  "                [--checkpoint-seconds S] [--checkpoint-every-unit] [--force] [--yes]\n"
	  "                [--json] [--progress-json] SRC DEV..." },
	{ "resume", cmd_resume, RUN_OPTS, 1,
	  "[--journal FILE] [--checkpoint-units N] [--checkpoint-seconds S]\n"
	  "                [--checkpoint-every-unit] [--json] [--progress-json] DEV..." },
	{ "inspect", cmd_inspect, BIT(O_JSON), 1, "[--json] DEV..." },
	{ "cat", cmd_cat, BIT(O_OUTPUT), 1, "[--output FILE] DEV..." },
	{ "plan", cmd_plan, BIT(O_LEVEL) | BIT(O_CHUNK) | BIT(O_JOURNAL) | BIT(O_CK_UNITS) |
	  BIT(O_CK_EVERY) | BIT(O_FORCE) | BIT(O_JSON) | BIT(O_SIZE) | BIT(O_MEMBERS), 0,
	  "--level LEVEL [--chunk SIZE] [--journal FILE] [--checkpoint-units N]\n"
	  "                [--checkpoint-every-unit] [--force] [--json]\n"
	  "                (SRC DEV... | --size SIZE --members N)" },
};

static const struct poptOption options[] = {
	{ "level", 'l', POPT_ARG_STRING, NULL, O_LEVEL, "RAID level of the new array (0)", "LEVEL" },
	{ "chunk", 'c', POPT_ARG_STRING, NULL, O_CHUNK, "chunk size, power of two, 4K to 2M (64K)", "SIZE" },
	{ "journal", 'j', POPT_ARG_STRING, NULL, O_JOURNAL, "host writes to apply during the migration", "FILE" },
	{ "checkpoint-units", 0, POPT_ARG_STRING, NULL, O_CK_UNITS, "checkpoint at least every N units, 0 for no limit (100)", "N" },
	{ "checkpoint-seconds", 0, POPT_ARG_STRING, NULL, O_CK_SECONDS, "checkpoint at least every S seconds, 0 for no limit (10)", "S" },
	{ "checkpoint-every-unit", 0, POPT_ARG_NONE, &opt.every, O_CK_EVERY, "checkpoint after every unit (the prior art, for comparison)", 0 },
	{ "force", 'f', POPT_ARG_NONE, &opt.force, O_FORCE, "overwrite added members that carry signatures", 0 },
	{ "yes", 'y', POPT_ARG_NONE, &opt.yes, O_YES, "do not ask for confirmation", 0 },
	{ "json", 0, POPT_ARG_NONE, &opt.json, O_JSON, "print the result as JSON", 0 },
	{ "progress-json", 0, POPT_ARG_NONE, &opt.progress_json, O_PROGRESS_JSON, "print progress as one JSON line per update", 0 },
	{ "output", 'o', POPT_ARG_STRING, NULL, O_OUTPUT, "write the volume to FILE, not standard output", "FILE" },
	{ "size", 0, POPT_ARG_STRING, NULL, O_SIZE, "plan: the size of each (hypothetical) disk", "SIZE" },
	{ "members", 0, POPT_ARG_STRING, NULL, O_MEMBERS, "plan: how many such disks", "N" },
	{ "verbose", 'v', POPT_ARG_NONE, &log_verbose_on, O_VERBOSE, "say more", 0 },
	POPT_TABLEEND
};

static void usage(FILE *f)
{
	fprintf(f, "Usage:\n");
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		fprintf(f, "  raidmig %s %s\n", actions[i].name, actions[i].args);
	fprintf(f, "  raidmig --help | --version\n");
}

static void help(void)
{
	printf("raidmig %s: convert the data on one disk into a RAID array in place.\n\n", VERSION);
	usage(stdout);
	printf("\nOptions:\n");
	for (const struct poptOption *o = options; o->longName; o++) {
		char left[48];

		snprintf(left, sizeof(left), "%s%c%s--%s%s%s", o->shortName ? "-" : "",
			 o->shortName ? o->shortName : ' ', o->shortName ? ", " : "  ",
			 o->longName, o->argDescrip ? " " : "", o->argDescrip ? o->argDescrip : "");
		printf("  %-28s %s\n", o->shortName ? left : left + 2, o->descrip);
	}
	printf("\nSizes take K, M, G, T suffixes (powers of 1024).\n"
	       "Exit status: 0 done, 1 usage error, 2 refused (nothing written),\n"
	       "3 I/O error (run resume when fixed), 4 interrupted (run resume).\n"
	       "See raidmig(1).\n");
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int parse_policy(struct policy *p)
{
	uint64_t v;

	p->units = 100;
	p->seconds = 10;
	p->every_unit = opt.every;
	if (opt.ck_units) {
		if (parse_size(opt.ck_units, &v, 0)) {
			log_err("--checkpoint-units: not a number: '%s'", opt.ck_units);
			return -EINVAL;
		}
		p->units = v;
	}
	if (opt.ck_seconds) {
		if (parse_size(opt.ck_seconds, &v, 0) || v > 86400) {
			log_err("--checkpoint-seconds: not a number of seconds from 0 to 86400: '%s'", opt.ck_seconds);
			return -EINVAL;
		}
		p->seconds = (double)v;
	}
	return 0;
}

static void print_summary(const struct run *r, double secs)
{
	double mbs = secs > 0 ? (double)io_stats.bytes_written / secs / 1e6 : 0;

	if (opt.json) {
		printf("{\"units\": %llu, \"bytes_read\": %llu, \"bytes_written\": %llu, "
		       "\"metadata_writes\": %llu, \"flushes\": %llu, \"checkpoints\": {",
		       (unsigned long long)r->units_copied, (unsigned long long)io_stats.bytes_read,
		       (unsigned long long)io_stats.bytes_written, (unsigned long long)r->meta_writes,
		       (unsigned long long)io_stats.flushes);
		for (int i = 0; i < CK_NREASONS; i++)
			printf("%s\"%s\": %llu", i ? ", " : "", ck_reason_name[i],
			       (unsigned long long)r->ckpt[i]);
		printf("}, \"seconds\": %.3f}\n", secs);
		return;
	}
	printf("units            %llu\n", (unsigned long long)r->units_copied);
	printf("bytes read       %llu\n", (unsigned long long)io_stats.bytes_read);
	printf("bytes written    %llu\n", (unsigned long long)io_stats.bytes_written);
	printf("metadata writes  %llu\n", (unsigned long long)r->meta_writes);
	printf("flushes          %llu\n", (unsigned long long)io_stats.flushes);
	printf("checkpoints     ");
	for (int i = 0; i < CK_NREASONS; i++)
		printf(" %s %llu%s", ck_reason_name[i], (unsigned long long)r->ckpt[i],
		       i + 1 < CK_NREASONS ? "," : "\n");
	printf("seconds          %.3f (%.1f MB/s written)\n", secs, mbs);
}

static int finish_run(struct run *r, int e, double t0)
{
	double secs = now_seconds() - t0;

	if (e == -EINTR) {
		log_err("interrupted: the array is consistent; run 'raidmig resume' to finish");
		return EXIT_INTERRUPTED;
	}
	if (e == -EBADMSG)
		return EXIT_REFUSED;
	if (e)
		return EXIT_IO;
	print_summary(r, secs);
	if (!opt.json) {
		char cap[32], data[32];
		const struct geom *g = &r->a->m.g;

		fmt_size(cap, sizeof(cap), geom_capacity(g));
		fmt_size(data, sizeof(data), g->data_size);
		printf("done: RAID%u over %u members, chunk %u KiB: %s volume holding %s of data;\n"
		       "the rest is free space to grow into (e.g. resize2fs, or sgdisk -e then grow the last partition).\n",
		       g->level, g->members, g->chunk >> 10, cap, data);
	}
	return EXIT_OK;
}

/*
 * Progress, at most twice a second and once at the end: one line redrawn on
 * a terminal, or one JSON line per update with --progress-json.
 */
static void show_progress(const struct run *r, int final)
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
	if (opt.progress_json) {
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

/* Set up a run over an assembled array. */
static int run_init(struct run *r, struct array *a, struct journal *j)
{
	memset(r, 0, sizeof(*r));
	r->a = a;
	r->j = j;
	r->stop = &stop_flag;
	r->buflen = BUF_BYTES;
	if (geom_unit_bytes(&a->m.g) > r->buflen)
		r->buflen = geom_unit_bytes(&a->m.g);
	for (uint32_t i = 0; i < a->n; i++) {
		dev_for_copying(&a->dev[i]);
		log_verbose("%s: %s I/O", a->dev[i].path, a->dev[i].direct ? "direct" : "buffered");
	}
	r->buf = io_alloc(r->buflen);
	r->mbuf = io_alloc(META_BLOCK);
	r->done = a->m.progress;
	r->next_rec = a->m.journal_done;
	r->pol = policy;
	r->t0 = now_seconds();
	r->start_unit = r->done;
	if (!io_dry && (opt.progress_json || isatty(2)))
		r->progress = show_progress;
	if (!r->buf || !r->mbuf) {
		log_err("out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void run_free(struct run *r)
{
	free(r->buf);
	free(r->mbuf);
}

static int confirm(char **args, int count)
{
	char line[64];

	if (opt.yes)
		return 0;
	if (!isatty(0)) {
		log_err("no terminal to confirm on: pass --yes to convert without asking");
		return -EINVAL;
	}
	fprintf(stderr, "This converts the data on %s into a RAID%s array in place.\n"
		"Everything on", args[0], opt.level);
	for (int i = 1; i < count; i++)
		fprintf(stderr, " %s", args[i]);
	fprintf(stderr, " will be overwritten.\nAre you sure? (Type 'yes' in capital letters): ");
	if (!fgets(line, sizeof(line), stdin) || strcmp(line, "YES\n")) {
		log_err("not confirmed: nothing was written");
		return -EINVAL;
	}
	return 0;
}

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
static int check_devices(struct dev *d, int count, int *cut_short)
{
	char what[128];
	int magic[MAX_MEMBERS] = { 0 }, any = 0;

	for (int i = 0; i < count; i++) {
		for (int k = 0; k < i; k++) {
			if (d[k].id_dev == d[i].id_dev && d[k].id_ino == d[i].id_ino) {
				log_err("%s: the same device as %s", d[i].path, d[k].path);
				return -EINVAL;
			}
		}
		if (d[i].sector != d[0].sector) {
			log_err("%s: logical sector size %u differs from %s's %u", d[i].path,
				d[i].sector, d[0].path, d[0].sector);
			return -EINVAL;
		}
		if (probe_mounted(&d[i])) {
			log_err("%s: mounted (it or one of its partitions): unmount it first", d[i].path);
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
	for (int i = 1; i < count && !opt.force; i++) {
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
static int plan_geometry(struct dev *d, int n, uint32_t level, uint32_t chunk, int cut_short,
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
static int write_initial_meta(struct run *r)
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

/* --level and --chunk, shared by convert and plan. Returns 0 or an exit code. */
static int parse_level_chunk(const char *action, uint64_t *chunk)
{
	*chunk = 64 << 10;
	if (!opt.level) {
		log_err("%s: --level is required", action);
		return EXIT_USAGE;
	}
	if (strcmp(opt.level, "0")) {
		log_err("--level %s: not supported (supported: 0)", opt.level);
		return EXIT_USAGE;
	}
	if (opt.chunk && (parse_size(opt.chunk, chunk, 1) || *chunk < MIN_CHUNK ||
			  *chunk > MAX_CHUNK || (*chunk & (*chunk - 1)))) {
		log_err("--chunk %s: must be a power of two from 4K to 2M", opt.chunk);
		return EXIT_USAGE;
	}
	return 0;
}

/* The metadata of a new array over a->dev[0..n), generation 0. */
static int meta_init(struct array *a, const struct geom *g, const struct journal *jp)
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

/*
 * Open and check the members, work out the geometry, load the journal and
 * set up the metadata: everything convert does before writing, and all that
 * plan does with devices. Returns 0 or an exit code (after a message).
 */
static int prepare(const char *action, char **args, int count, int writable,
		   struct array *a, struct journal *j, struct journal **jp)
{
	uint64_t chunk;
	struct geom g;
	int e, cut_short;

	*jp = NULL;
	memset(a, 0, sizeof(*a));
	e = parse_level_chunk(action, &chunk);
	if (e)
		return e;
	if (count > MAX_MEMBERS) {
		log_err("too many members: %d (at most %d)", count, MAX_MEMBERS);
		return EXIT_USAGE;
	}
	for (int i = 0; i < count; i++) {
		e = dev_open(&a->dev[i], args[i], writable);
		if (e) {
			log_err("%s: %s", args[i], e == -ENOTBLK ? "not a regular file or block device" :
				e == -EBUSY ? "busy (mounted or open elsewhere)" : strerror(-e));
			return EXIT_REFUSED;
		}
		a->n = (uint32_t)i + 1;
	}
	if (check_devices(a->dev, count, &cut_short) ||
	    plan_geometry(a->dev, count, LEVEL_RAID0, (uint32_t)chunk, cut_short, &g))
		return EXIT_REFUSED;
	if (opt.journal) {
		if (journal_load(j, opt.journal, g.data_size, a->dev[0].sector))
			return EXIT_REFUSED;
		*jp = j;
	}
	return meta_init(a, &g, *jp) ? EXIT_REFUSED : 0;
}

static int cmd_convert(char **args, int count)
{
	static struct array a;
	struct journal j, *jp = NULL;
	struct run r;
	int e, rc;
	double t0;

	memset(&r, 0, sizeof(r));
	rc = prepare("convert", args, count, 1, &a, &j, &jp);
	if (rc)
		goto out;
	rc = EXIT_REFUSED;
	if (confirm(args, count))
		goto out;
	for (int i = 0; i < count; i++) {
		if (flock(a.dev[i].fd, LOCK_EX | LOCK_NB) < 0) {
			log_err("%s: in use by another raidmig", args[i]);
			goto out;
		}
	}
	if (run_init(&r, &a, jp))
		goto out;
	catch_signals();
	memset(&io_stats, 0, sizeof(io_stats));
	t0 = now_seconds();
	r.a->m.generation = 1;
	e = write_initial_meta(&r);
	rc = e ? EXIT_IO : finish_run(&r, migrate(&r), t0);
out:
	run_free(&r);
	if (jp)
		journal_free(jp);
	array_close(&a);
	return rc;
}

/* plan --size SIZE --members N: hypothetical blank disks, no I/O at all. */
static int hypothetical(struct array *a)
{
	uint64_t size, n, chunk;
	struct geom g;
	int e = parse_level_chunk("plan", &chunk);

	if (e)
		return e;
	if (!opt.size || !opt.members || parse_size(opt.size, &size, 1) ||
	    parse_size(opt.members, &n, 0) || n < MIN_MEMBERS || n > MAX_MEMBERS) {
		log_err("plan: --size SIZE and --members N (%d to %d) go together", MIN_MEMBERS, MAX_MEMBERS);
		return EXIT_USAGE;
	}
	memset(a, 0, sizeof(*a));
	a->n = (uint32_t)n;
	for (uint32_t i = 0; i < a->n; i++) {
		a->dev[i].path = "(disk)";
		a->dev[i].fd = -1;
		a->dev[i].size = size;
		a->dev[i].sector = 512;
	}
	if (plan_geometry(a->dev, (int)n, LEVEL_RAID0, (uint32_t)chunk, 0, &g))
		return EXIT_REFUSED;
	return meta_init(a, &g, NULL) ? EXIT_REFUSED : 0;
}

static void print_plan(const struct run *r)
{
	const struct geom *g = &r->a->m.g;
	char cap[32], cfg[32], data[32];

	fmt_size(cap, sizeof(cap), geom_capacity(g));
	fmt_size(cfg, sizeof(cfg), geom_config_bytes(g));
	fmt_size(data, sizeof(data), g->data_size);
	if (opt.json) {
		printf("{\"capacity\": %llu, \"config_bytes\": %llu, \"data_size\": %llu, \"units\": %llu, "
		       "\"checkpoints\": {", (unsigned long long)geom_capacity(g),
		       (unsigned long long)geom_config_bytes(g), (unsigned long long)g->data_size,
		       (unsigned long long)r->units_copied);
		for (int i = 0; i < CK_NREASONS; i++)
			printf("%s\"%s\": %llu", i ? ", " : "", ck_reason_name[i],
			       (unsigned long long)r->ckpt[i]);
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
	for (int i = 0; i < CK_NREASONS; i++)
		printf(" %s %llu%s", ck_reason_name[i], (unsigned long long)r->ckpt[i],
		       i + 1 < CK_NREASONS ? "," : "\n");
	printf("metadata writes     %llu\n", (unsigned long long)r->meta_writes);
	printf("flushes             %llu\n", (unsigned long long)io_stats.flushes);
	printf("bytes staged        %llu\n", (unsigned long long)r->bytes_staged);
	printf("bytes read          %llu\n", (unsigned long long)io_stats.bytes_read);
	printf("bytes written       %llu\n", (unsigned long long)io_stats.bytes_written);
	printf("(checkpoints for the time limit are not counted: they depend on the speed)\n");
}

/*
 * What convert would do, without writing: the real migration code runs with
 * the I/O layer counting instead of transferring (io_dry), over the devices
 * opened read-only or over hypothetical disks.
 */
static int cmd_plan(char **args, int count)
{
	static struct array a;
	struct journal j, *jp = NULL;
	struct run r;
	int rc, e;

	memset(&r, 0, sizeof(r));
	if (opt.size || opt.members) {
		if (count) {
			log_err("plan: give either devices or --size and --members");
			return EXIT_USAGE;
		}
		rc = hypothetical(&a);
	} else if (count < 2) {
		log_err("plan: needs a source and at least one more member, or --size and --members");
		return EXIT_USAGE;
	} else {
		rc = prepare("plan", args, count, 0, &a, &j, &jp);
	}
	if (rc)
		goto out;
	io_dry = 1;
	policy.seconds = 0;
	if (run_init(&r, &a, jp)) {
		rc = EXIT_REFUSED;
		goto out;
	}
	memset(&io_stats, 0, sizeof(io_stats));
	r.a->m.generation = 1;
	e = write_initial_meta(&r);
	if (!e)
		e = migrate(&r);
	rc = e ? EXIT_IO : EXIT_OK;
	if (!e)
		print_plan(&r);
out:
	run_free(&r);
	if (jp)
		journal_free(jp);
	for (uint32_t i = 0; i < a.n; i++)
		if (a.dev[i].fd >= 0)
			dev_close(&a.dev[i]);
	return rc;
}

/* The journal given to resume must be the one convert recorded. */
static int resume_journal(const struct meta *m, struct journal *j, struct journal **jp)
{
	*jp = NULL;
	if (!m->journal_size && opt.journal) {
		log_err("%s: this conversion was started without a journal", opt.journal);
		return -EINVAL;
	}
	if (!m->journal_size)
		return 0;
	if (!opt.journal) {
		log_err("this conversion was started with a journal (%llu bytes, crc32 %08x): give it with --journal",
			(unsigned long long)m->journal_size, m->journal_crc);
		return -EINVAL;
	}
	if (journal_load(j, opt.journal, m->g.data_size, m->sector_size))
		return -EINVAL;
	if (j->crc != m->journal_crc || j->size != m->journal_size) {
		log_err("%s: not the journal this conversion was started with (crc32 %08x, %llu bytes)",
			opt.journal, m->journal_crc, (unsigned long long)m->journal_size);
		journal_free(j);
		return -EINVAL;
	}
	if (m->journal_done > j->count) {
		log_err("%s: metadata says %llu records applied, the journal has %zu", opt.journal,
			(unsigned long long)m->journal_done, j->count);
		journal_free(j);
		return -EINVAL;
	}
	*jp = j;
	return 0;
}

static int cmd_resume(char **args, int count)
{
	static struct array a;
	struct journal j, *jp = NULL;
	struct run r;
	int e, rc = EXIT_REFUSED;
	double t0;

	if (array_assemble(&a, args, count, 1))
		return EXIT_REFUSED;
	if (a.m.state == META_COMPLETE) {
		printf("already complete: RAID%u over %u members, nothing to do\n", a.m.g.level, a.n);
		array_close(&a);
		return EXIT_OK;
	}
	if (resume_journal(&a.m, &j, &jp))
		goto out;
	if (run_init(&r, &a, jp))
		goto out_r;
	catch_signals();
	memset(&io_stats, 0, sizeof(io_stats));
	t0 = now_seconds();
	log_verbose("resuming at unit %llu of %llu (generation %llu)",
		    (unsigned long long)a.m.progress, (unsigned long long)geom_units(&a.m.g),
		    (unsigned long long)a.m.generation);
	e = array_repair(&r);
	if (e) {
		rc = EXIT_IO;
		goto out_r;
	}
	if (a.m.stage_len) {
		e = restore_staged(&r);
		if (e) {
			rc = finish_run(&r, e, t0);
			goto out_r;
		}
	}
	rc = finish_run(&r, migrate(&r), t0);
out_r:
	run_free(&r);
	if (jp)
		journal_free(jp);
out:
	array_close(&a);
	return rc;
}

static int cmd_cat(char **args, int count)
{
	static struct array a;
	uint64_t size, off = 0;
	uint8_t *buf;
	int fd = 1, rc = EXIT_OK;

	if (array_assemble(&a, args, count, 0))
		return EXIT_REFUSED;
	if (opt.output) {
		fd = open(opt.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			log_err("%s: %s", opt.output, strerror(errno));
			array_close(&a);
			return EXIT_REFUSED;
		}
	}
	buf = io_alloc(BUF_BYTES);
	size = volume_size(&a);
	while (buf && off < size) {
		size_t n = size - off < BUF_BYTES ? (size_t)(size - off) : BUF_BYTES;

		if (volume_read(&a, buf, off, n)) {
			rc = EXIT_IO;
			break;
		}
		for (size_t done = 0; done < n; ) {
			ssize_t w = write(fd, buf + done, n - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				log_err("%s: %s", opt.output ? opt.output : "standard output", strerror(errno));
				rc = EXIT_IO;
				goto out;
			}
			done += (size_t)w;
		}
		off += n;
	}
	if (!buf)
		rc = EXIT_IO;
out:
	free(buf);
	if (opt.output && close(fd) < 0)
		rc = EXIT_IO;
	array_close(&a);
	return rc;
}

static void uuid_hex(const uint8_t *u, char *out)
{
	for (int i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", u[i]);
}

static void inspect_copy(const char *path, int c, const struct meta *m, const char *why,
			 uint64_t off, int first)
{
	char u[33];

	if (opt.json) {
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

static int cmd_inspect(char **args, int count)
{
	int rc = EXIT_OK, first = 1;

	if (opt.json)
		printf("[");
	for (int i = 0; i < count; i++) {
		struct dev d;
		struct meta m[META_COPIES];
		const char *why[META_COPIES];
		int e = dev_open(&d, args[i], 0);

		if (e) {
			log_err("%s: %s", args[i], e == -ENOTBLK ?
				"not a regular file or block device" : strerror(-e));
			rc = EXIT_REFUSED;
			continue;
		}
		if (array_read_copies(&d, m, why) < 0)
			rc = EXIT_REFUSED;
		for (int c = 0; c < META_COPIES; c++) {
			inspect_copy(args[i], c, &m[c], why[c],
				     d.size >= 2 * META_COPIES * META_BLOCK ? meta_copy_offset(d.size, c) : 0,
				     first);
			first = 0;
		}
		dev_close(&d);
	}
	if (opt.json)
		printf("]\n");
	return rc;
}

/* Where a string option's value is kept; raidmig owns these strings. */
static char **string_option(int o)
{
	switch (o) {
	case O_LEVEL: return &opt.level;
	case O_CHUNK: return &opt.chunk;
	case O_JOURNAL: return &opt.journal;
	case O_CK_UNITS: return &opt.ck_units;
	case O_CK_SECONDS: return &opt.ck_seconds;
	case O_OUTPUT: return &opt.output;
	case O_SIZE: return &opt.size;
	case O_MEMBERS: return &opt.members;
	default: return NULL;
	}
}

static void free_options(void)
{
	for (int o = 1; o <= O_VERBOSE; o++) {
		char **slot = string_option(o);

		if (slot) {
			free(*slot);
			*slot = NULL;
		}
	}
}

/* Parse the command line and run the action; every path frees the context. */
static int run_command(poptContext pc)
{
	const struct action *act = NULL;
	unsigned seen = 0;
	const char *name, **rest;
	char *args[MAX_MEMBERS + 8];
	int rc, count = 0;

	while ((rc = poptGetNextOpt(pc)) > 0) {
		char **slot = string_option(rc);

		seen |= BIT(rc);
		if (slot) {	/* the last one given wins */
			free(*slot);
			*slot = poptGetOptArg(pc);
		}
	}
	if (rc < -1) {
		log_err("%s: %s", poptBadOption(pc, POPT_BADOPTION_NOALIAS), poptStrerror(rc));
		usage(stderr);
		return EXIT_USAGE;
	}
	name = poptGetArg(pc);
	for (size_t i = 0; name && i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(name, actions[i].name))
			act = &actions[i];
	if (!act) {
		if (name)
			log_err("unknown command '%s'", name);
		usage(stderr);
		return EXIT_USAGE;
	}
	for (int o = 1; o < O_VERBOSE; o++) {
		if ((seen & BIT(o)) && !(act->opts & BIT(o))) {
			for (const struct poptOption *p = options; p->longName; p++)
				if (p->val == o)
					log_err("%s: option --%s does not apply", act->name, p->longName);
			return EXIT_USAGE;
		}
	}
	rest = poptGetArgs(pc);
	for (; rest && rest[count]; count++) {
		if (count >= MAX_MEMBERS + 8) {
			log_err("too many arguments");
			return EXIT_USAGE;
		}
		args[count] = (char *)rest[count];
	}
	if (count < act->min_args) {
		log_err("%s: needs %s", act->name, act->min_args > 1 ? "a source and at least one more member" : "devices");
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((act->opts & BIT(O_CK_UNITS)) && parse_policy(&policy))
		return EXIT_USAGE;
	return act->run(args, count);
}

int main(int argc, const char **argv)
{
	poptContext pc;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help();
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("raidmig %s\n", VERSION);
			return EXIT_OK;
		}
	}
	pc = poptGetContext("raidmig", argc, argv, options, 0);
	rc = run_command(pc);
	poptFreeContext(pc);
	free_options();
	return rc;
}
