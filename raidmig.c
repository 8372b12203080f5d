/*
 * raidmig.c: the command line. An action table names each subcommand, the
 * options it takes and its handler; options that do not belong to the
 * action are refused. The handlers live in convert.c (convert, resume,
 * plan) and access.c (cat, inspect, wipe).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

#define VERSION		"0.2"

enum {
	O_LEVEL = 1, O_LAYOUT, O_CHUNK, O_NAME, O_JOURNAL, O_CK_UNITS, O_CK_SECONDS, O_CK_EVERY,
	O_FORCE, O_YES, O_JSON, O_OUTPUT, O_SIZE, O_MEMBERS, O_DISK, O_BANDWIDTH, O_FLUSH_MS,
	O_SEEK_MS, O_PROGRESS_JSON, O_VERBOSE, O_REVERT,
};
#define BIT(o) (1u << (o))

struct options opt;
struct policy policy;

struct action {
	const char *name;
	int (*run)(char **args, int count);
	unsigned opts;		/* BIT(O_*) the action accepts */
	int min_args;
	const char *args;	/* usage words */
};

#define RUN_OPTS (BIT(O_JOURNAL) | BIT(O_CK_UNITS) | BIT(O_CK_SECONDS) | BIT(O_CK_EVERY) | BIT(O_JSON) | \
		  BIT(O_PROGRESS_JSON))
#define GEOM_OPTS (BIT(O_LEVEL) | BIT(O_LAYOUT) | BIT(O_CHUNK) | BIT(O_NAME))

static const struct action actions[] = {
	{ "convert", cmd_convert, RUN_OPTS | GEOM_OPTS | BIT(O_FORCE) | BIT(O_YES) | BIT(O_MEMBERS),
	  2, "[--level LEVEL] [--layout LAYOUT] [--chunk SIZE] [--members N] [--name NAME]\n"
	  "                [--journal FILE] [--checkpoint-units N] [--checkpoint-seconds S]\n"
	  "                [--checkpoint-every-unit] [--force] [--yes] [--json]\n"
	  "                [--progress-json] SRC DEV..." },
	{ "revert", cmd_revert, RUN_OPTS | BIT(O_NAME) | BIT(O_FORCE) | BIT(O_YES), 1,
	  "[--journal FILE] [--checkpoint-units N] [--checkpoint-seconds S]\n"
	  "                [--checkpoint-every-unit] [--force] [--yes] [--json]\n"
	  "                [--progress-json] MEMBER..." },
	{ "resume", cmd_resume, RUN_OPTS | BIT(O_FORCE), 1,
	  "[--journal FILE] [--checkpoint-units N] [--checkpoint-seconds S]\n"
	  "                [--checkpoint-every-unit] [--force] [--json] [--progress-json] DEV..." },
	{ "inspect", cmd_inspect, BIT(O_JSON), 1, "[--json] DEV..." },
	{ "cat", cmd_cat, BIT(O_OUTPUT), 1, "[--output FILE] DEV..." },
	{ "plan", cmd_plan, GEOM_OPTS | BIT(O_JOURNAL) | BIT(O_CK_UNITS) | BIT(O_CK_EVERY) |
	  BIT(O_CK_SECONDS) | BIT(O_FORCE) | BIT(O_JSON) | BIT(O_SIZE) | BIT(O_MEMBERS) | BIT(O_DISK) |
	  BIT(O_BANDWIDTH) | BIT(O_FLUSH_MS) | BIT(O_SEEK_MS) | BIT(O_REVERT), 0,
	  "[--level LEVEL] [--layout LAYOUT] [--chunk SIZE] [--journal FILE]\n"
	  "                [--checkpoint-units N] [--checkpoint-seconds S] [--checkpoint-every-unit]\n"
	  "                [--force] [--json] [--disk MODEL] [--bandwidth MBPS]\n"
	  "                [--flush-ms MS] [--seek-ms MS] [--members N] [--revert]\n"
	  "                (SRC DEV... | --size SIZE --members N)" },
	{ "wipe", cmd_wipe, BIT(O_FORCE) | BIT(O_YES), 1, "[--force] [--yes] DEV..." },
};

static const struct poptOption options[] = {
	{ "level", 'l', POPT_ARG_STRING, NULL, O_LEVEL, "RAID level of the new array: 0, 1, 4, 5, 6, 10", "LEVEL" },
	{ "layout", 0, POPT_ARG_STRING, NULL, O_LAYOUT, "RAID5/6 or RAID10 layout, as mdadm names it (left-symmetric, n2)", "LAYOUT" },
	{ "chunk", 'c', POPT_ARG_STRING, NULL, O_CHUNK, "chunk size, power of two, 4K to 2M (64K)", "SIZE" },
	{ "name", 'N', POPT_ARG_STRING, NULL, O_NAME, "md array name (the source's file name)", "NAME" },
	{ "journal", 'j', POPT_ARG_STRING, NULL, O_JOURNAL, "host writes to apply during the migration", "FILE" },
	{ "checkpoint-units", 0, POPT_ARG_STRING, NULL, O_CK_UNITS, "fixed policy: a checkpoint at least every N units, 0 for none (default: adaptive)", "N" },
	{ "checkpoint-seconds", 0, POPT_ARG_STRING, NULL, O_CK_SECONDS, "fixed policy: a checkpoint at least every S seconds, 0 for none (10)", "S" },
	{ "checkpoint-every-unit", 0, POPT_ARG_NONE, &opt.every, O_CK_EVERY, "checkpoint after every unit (the prior art, for comparison)", 0 },
	{ "force", 'f', POPT_ARG_NONE, &opt.force, O_FORCE, "overwrite what the checks protect (see raidmig(1))", 0 },
	{ "yes", 'y', POPT_ARG_NONE, &opt.yes, O_YES, "do not ask for confirmation", 0 },
	{ "json", 0, POPT_ARG_NONE, &opt.json, O_JSON, "print the result as JSON", 0 },
	{ "progress-json", 0, POPT_ARG_NONE, &opt.progress_json, O_PROGRESS_JSON, "print progress as one JSON line per update", 0 },
	{ "output", 'o', POPT_ARG_STRING, NULL, O_OUTPUT, "write the volume to FILE, not standard output", "FILE" },
	{ "size", 0, POPT_ARG_STRING, NULL, O_SIZE, "plan: the size of each (hypothetical) disk", "SIZE" },
	{ "members", 0, POPT_ARG_STRING, NULL, O_MEMBERS, "the new array's members (an md array: default every device given); plan --size: how many disks", "N" },
	{ "disk", 0, POPT_ARG_STRING, NULL, O_DISK, "plan: estimate the time on a model disk: hdd, ssd, nvme", "MODEL" },
	{ "bandwidth", 0, POPT_ARG_STRING, NULL, O_BANDWIDTH, "plan: the model's MB/s per disk", "MBPS" },
	{ "flush-ms", 0, POPT_ARG_STRING, NULL, O_FLUSH_MS, "plan: the model's milliseconds per flush", "MS" },
	{ "seek-ms", 0, POPT_ARG_STRING, NULL, O_SEEK_MS, "plan: the model's milliseconds per seek", "MS" },
	{ "revert", 0, POPT_ARG_NONE, &opt.revert, O_REVERT, "plan: what revert would do", 0 },
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
	printf("raidmig %s: convert the data on one disk into a Linux md RAID array in place,\n"
	       "and migrate md arrays to other levels, layouts and member counts.\n\n", VERSION);
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

/*
 * The checkpoint policy. By default adaptive (checkpoint.c): interval
 * checkpoints as often as keeps committing near 1% of the run, at most 10
 * seconds apart. --checkpoint-units and --checkpoint-seconds give the
 * patent's fixed limits instead: a unit count (0: none) and a time (10 s
 * unless given; 0: none).
 */
static int parse_policy(struct policy *p)
{
	uint64_t v;

	memset(p, 0, sizeof(*p));
	p->every_unit = opt.every;
	p->adaptive = !opt.ck_units && !opt.ck_seconds;
	p->seconds = 10;
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

/*
 * Ask on the terminal before a destructive action, after saying what it
 * does (`msg`); --yes skips it, and without a terminal it is refused.
 * Returns 0 if confirmed, else -EINVAL after a message.
 */
int confirm(const char *msg)
{
	char line[64];

	if (opt.yes)
		return 0;
	if (!isatty(0)) {
		log_err("no terminal to confirm on: pass --yes to go ahead without asking");
		return -EINVAL;
	}
	fprintf(stderr, "%s\nAre you sure? (Type 'yes' in capital letters): ", msg);
	if (!fgets(line, sizeof(line), stdin) || strcmp(line, "YES\n")) {
		log_err("not confirmed: nothing was written");
		return -EINVAL;
	}
	return 0;
}

/* Where a string option's value is kept; raidmig owns these strings. */
static char **string_option(int o)
{
	switch (o) {
	case O_LEVEL: return &opt.level;
	case O_LAYOUT: return &opt.layout;
	case O_CHUNK: return &opt.chunk;
	case O_NAME: return &opt.name;
	case O_JOURNAL: return &opt.journal;
	case O_CK_UNITS: return &opt.ck_units;
	case O_CK_SECONDS: return &opt.ck_seconds;
	case O_OUTPUT: return &opt.output;
	case O_SIZE: return &opt.size;
	case O_MEMBERS: return &opt.members;
	case O_DISK: return &opt.disk;
	case O_BANDWIDTH: return &opt.bandwidth;
	case O_FLUSH_MS: return &opt.flush_ms;
	case O_SEEK_MS: return &opt.seek_ms;
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
	for (int o = 1; o <= O_REVERT; o++) {	/* every option but --verbose, which any command takes */
		if (o != O_VERBOSE && (seen & BIT(o)) && !(act->opts & BIT(o))) {
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
