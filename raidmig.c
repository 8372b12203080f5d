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
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "checkpoint.h"
#include "copy.h"
#include "create.h"
#include "report.h"
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
	{ "resume", cmd_resume, RUN_OPTS | BIT(O_FORCE), 1,
	  "[--journal FILE] [--checkpoint-units N] [--checkpoint-seconds S]\n"
	  "                [--checkpoint-every-unit] [--force] [--json] [--progress-json] DEV..." },
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
	{ "force", 'f', POPT_ARG_NONE, &opt.force, O_FORCE, "convert: overwrite added members that carry signatures; convert, resume: use devices open in another program", 0 },
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
	report_summary(r, secs, opt.json);
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
	report_progress_json(opt.progress_json);
	if (!io_dry && (opt.progress_json || isatty(2)))
		r->progress = report_progress;
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
	int e, cut_short, opened;

	*jp = NULL;
	memset(a, 0, sizeof(*a));
	e = parse_level_chunk(action, &chunk);
	if (e)
		return e;
	if (count > MAX_MEMBERS) {
		log_err("too many members: %d (at most %d)", count, MAX_MEMBERS);
		return EXIT_USAGE;
	}
	/* locks before the first check, held through the prompt and the run */
	e = dev_open_all(a->dev, args, count, writable, &opened);
	a->n = (uint32_t)opened;
	if (e)
		return EXIT_REFUSED;
	if (create_check_devices(a->dev, count, opt.force, &cut_short) ||
	    create_geometry(a->dev, count, LEVEL_RAID0, (uint32_t)chunk, cut_short, &g))
		return EXIT_REFUSED;
	if (opt.journal) {
		if (journal_load(j, opt.journal, g.data_size, a->dev[0].sector))
			return EXIT_REFUSED;
		*jp = j;
	}
	return create_meta(a, &g, *jp) ? EXIT_REFUSED : 0;
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
	if (run_init(&r, &a, jp))
		goto out;
	catch_signals();
	memset(&io_stats, 0, sizeof(io_stats));
	t0 = now_seconds();
	r.a->m.generation = 1;
	e = create_write_initial(&r);
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
	if (create_geometry(a->dev, (int)n, LEVEL_RAID0, (uint32_t)chunk, 0, &g))
		return EXIT_REFUSED;
	return create_meta(a, &g, NULL) ? EXIT_REFUSED : 0;
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
	e = create_write_initial(&r);
	if (!e)
		e = migrate(&r);
	rc = e ? EXIT_IO : EXIT_OK;
	if (!e)
		report_plan(&r, opt.json);
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

	if (array_assemble(&a, args, count, 1, opt.force))
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
	/* a damaged staging slot is refused before anything is written;
	 * array_repair leaves the copy buffer holding the slot alone */
	e = a.m.stage_len ? staged_load(&r) : 0;
	if (!e) {
		e = array_repair(&r);
		if (!e && a.m.stage_len)
			e = restore_staged(&r);
		if (!e)
			e = migrate(&r);
	}
	rc = finish_run(&r, e, t0);
out_r:
	run_free(&r);
	if (jp)
		journal_free(jp);
out:
	array_close(&a);
	return rc;
}

/*
 * Refuse an output that shares storage with a member: writing it would
 * destroy the array. Checked before the array is assembled, whose checks
 * would otherwise see the output's own descriptor as "another program".
 */
static int output_is_member(char **args, int count, int fd, const char *name)
{
	struct dev out, m;
	int hit = 0;

	if (dev_adopt(&out, name, fd))
		return 0;	/* a pipe or terminal */
	for (int i = 0; i < count && !hit; i++) {
		if (dev_open(&m, args[i], 0))
			continue;	/* assembling will say why */
		hit = dev_overlaps(&out, &m);
		if (hit)
			log_err("%s: is %s, a member of the array, or shares its storage: refusing to write over it",
				name, args[i]);
		dev_close(&m);
	}
	return hit;
}

static int truncate_regular(int fd, const char *name)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0) {
		log_err("%s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

static int cmd_cat(char **args, int count)
{
	static struct array a;
	uint64_t size, off = 0;
	uint8_t *buf = NULL;
	int fd = 1, rc = EXIT_OK;

	if (opt.output)
		fd = open(opt.output, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_err("%s: %s", opt.output, strerror(errno));
		return EXIT_REFUSED;
	}
	/* the output is checked before it is truncated or written */
	if (output_is_member(args, count, fd, opt.output ? opt.output : "standard output") ||
	    array_assemble(&a, args, count, 0, 0)) {
		if (opt.output)
			close(fd);
		return EXIT_REFUSED;
	}
	if (opt.output && truncate_regular(fd, opt.output)) {
		rc = EXIT_REFUSED;
		goto out;
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
			report_copy(args[i], c, &m[c], why[c],
				    d.size >= 2 * META_COPIES * META_BLOCK ? meta_copy_offset(d.size, c) : 0,
				    first, opt.json);
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
