/*
 * convert.c: the commands that run a migration. convert (checks, geometry,
 * confirmation, creation, the migration, the switch to md), resume (the
 * same run taken up from the metadata) and plan (the same code over the
 * counting I/O layer). Device checks happen before anything is written: a
 * refused command leaves every device byte for byte unchanged.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "cli.h"
#include "copy.h"
#include "create.h"
#include "estimate.h"
#include "mdarray.h"
#include "reshape.h"
#include "report.h"
#include "util.h"

#define BUF_BYTES	(16u << 20)	/* copy buffer: many units per call */

static volatile sig_atomic_t stop_flag;

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

/* What a user does with the finished array, and how it grows. */
static void how_to_use(const struct array *a)
{
	const struct meta *m = &a->m;
	const struct pair *p = &m->p;
	char cap[32], data[32], name[64], u[40];
	struct mdsb s;

	fmt_size(cap, sizeof(cap), geom_capacity(&p->to));
	fmt_size(data, sizeof(data), p->data_size);
	uuid_md(m->array_uuid, u);
	if (p->to.level == LEVEL_PLAIN) {
		printf("done: %s is one plain disk again, holding the volume's %s from byte 0;\n"
		       "its md superblock is gone", a->dev[0].path, data);
		for (uint32_t i = 1; i < a->n; i++)
			printf("%s %s", i == 1 ? ", and so are those of" : "", a->dev[i].path);
		printf(".\nThe rest of the disk, %s in all, is free space to grow into.\n", cap);
		return;
	}
	printf("done: %s over %u members, chunk %u KiB: a %s volume holding %s of data.\n",
	       geom_level_name(&p->to, name, sizeof(name)), p->to.members, p->to.chunk >> 10, cap, data);
	printf("It is a Linux md array (metadata 1.%u, name %s, UUID %s). Bring it up with\n"
	       "    mdadm --assemble /dev/md/%s", m->md.minor, m->name, u, m->name);
	for (uint32_t i = 0; i < p->to.members; i++)
		printf(" %s", a->dev[i].path);
	printf("\nand to have it assembled at boot, add this line to /etc/mdadm/mdadm.conf\n"
	       "(or run mdadm --detail --scan once it is up):\n"
	       "    ARRAY /dev/md/%s metadata=1.%u UUID=%s name=%s\n", m->name, m->md.minor, u, m->name);
	md_super(m, 0, a->dev[0].size, 1, &s);
	if (s.resync_offset != MDSB_CLEAN)
		printf("md resyncs the redundancy past the migrated data when it first starts the\n"
		       "array, in the background; the volume is usable meanwhile.\n");
	printf("The rest of the volume is free space to grow into: resize2fs /dev/md/%s; for a\n"
	       "GPT, first sgdisk -e /dev/md/%s (moves the backup header to the new end), then\n"
	       "grow the last partition.\n", m->name, m->name);
}

static int finish_run(struct run *r, int e, double t0)
{
	double secs = now_seconds() - t0;

	if (e == -EINTR) {
		log_err("interrupted: the array is consistent; run 'raidmig resume' to finish");
		return EXIT_INTERRUPTED;
	}
	if (e == -EBADMSG || e == -EBUSY)
		return EXIT_REFUSED;
	if (e)
		return EXIT_IO;
	report_summary(r, secs, opt.json);
	if (!opt.json)
		how_to_use(r->a);
	return EXIT_OK;
}

/* The migration from where the run stands, the switch to md, the summary: an exit code. */
static int run_to_end(struct run *r, double t0)
{
	int e = migrate(r);

	if (!e)
		e = md_finish(r->a, r->mbuf, r->buf);
	return finish_run(r, e < 0 ? e : 0, t0);
}

/* Set up a run over an assembled array. */
static int run_init(struct run *r, struct array *a, struct journal *j)
{
	const struct pair *p = &a->m.p;
	uint64_t ub = pair_unit_bytes(p);

	memset(r, 0, sizeof(*r));
	r->a = a;
	r->j = j;
	r->stop = &stop_flag;
	r->buflen = BUF_BYTES / ub * ub;
	if (r->buflen > pair_units(p) * ub)
		r->buflen = pair_units(p) * ub;	/* a small volume: no more than it holds */
	if (r->buflen < pair_slot_units(p) * ub)
		r->buflen = pair_slot_units(p) * ub;	/* what the slot holds, read at once */
	r->pbuflen = r->buflen / geom_stripe_bytes(&p->to) * geom_parities(&p->to) * p->to.chunk;
	for (uint32_t i = 0; i < a->n; i++) {
		dev_for_copying(&a->dev[i]);
		log_verbose("%s: %s I/O", a->dev[i].path, a->dev[i].direct ? "direct" : "buffered");
	}
	r->buf = io_alloc(r->buflen);
	r->buf2 = io_dry ? NULL : io_alloc(r->buflen);	/* none: no read ahead */
	r->pbuf = io_alloc(r->pbuflen ? r->pbuflen : 4096);
	r->mbuf = io_alloc((size_t)META_BLOCK * MAX_MEMBERS);	/* one block a member */
	r->done = a->m.progress;
	r->next_rec = a->m.journal_done;
	r->pol = policy;
	ck_adapt_init(&r->pol);
	r->t0 = now_seconds();
	r->start_unit = r->done;
	report_progress_json(opt.progress_json);
	if (!io_dry && (opt.progress_json || isatty(2)))
		r->progress = report_progress;
	if (!r->buf || !r->pbuf || !r->mbuf) {
		log_err("out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void run_free(struct run *r)
{
	free(r->buf);
	free(r->buf2);
	free(r->pbuf);
	free(r->mbuf);
}

static int parse_options(struct geom *g, uint64_t *chunk);

/*
 * --level, --layout and --chunk, shared by convert and plan: the new
 * array's geometry but for its size. Returns 0 or an exit code.
 */
static int parse_geometry(const char *action, struct geom *g)
{
	uint64_t chunk = 64 << 10;

	memset(g, 0, sizeof(*g));
	if (!opt.level) {
		log_err("%s: --level is required", action);
		return EXIT_USAGE;
	}
	return parse_options(g, &chunk);
}

/*
 * The geometry options as given (an md array's reshape may leave --level
 * out): *chunk keeps its value when --chunk is not given.
 */
static int parse_options(struct geom *g, uint64_t *chunk)
{
	if (opt.level && geom_parse_level(opt.level, &g->level)) {
		log_err("--level %s: not supported (supported: 0, 1, 4, 5, 6, 10)", opt.level);
		return EXIT_USAGE;
	}
	if (opt.level && geom_parse_layout(g->level, opt.layout, &g->layout)) {
		log_err("--layout %s: not a layout of RAID%s (see raidmig(1))", opt.layout, opt.level);
		return EXIT_USAGE;
	}
	if (opt.chunk && (parse_size(opt.chunk, chunk, 1) || *chunk < MIN_CHUNK ||
			  *chunk > MAX_CHUNK || (*chunk & (*chunk - 1)))) {
		log_err("--chunk %s: must be a power of two from 4K to 2M", opt.chunk);
		return EXIT_USAGE;
	}
	if (opt.name && (!*opt.name || strlen(opt.name) > MD_NAME_MAX || strchr(opt.name, '/') ||
			 strchr(opt.name, ':') || strchr(opt.name, ' '))) {
		log_err("--name %s: 1 to %d characters, no '/', ':' or space", opt.name, MD_NAME_MAX);
		return EXIT_USAGE;
	}
	g->chunk = (uint32_t)*chunk;
	return 0;
}

/*
 * An md array's members and the devices to add (a->dev, opened), to a new
 * geometry: the options given, the rest kept. Returns 0 or an exit code.
 */
static int prepare_reshape(struct array *a, int count, const int *is_md, int revert, struct pair *p,
			   struct mdsb *ref, struct mdsb *sb)
{
	struct reshape_want w;
	struct geom g;
	uint64_t chunk = 0, n = 0;
	int ours, e;

	memset(&w, 0, sizeof(w));
	memset(&g, 0, sizeof(g));
	e = parse_options(&g, &chunk);
	if (e)
		return e;
	if (opt.members && (parse_size(opt.members, &n, 0) || n < 1 || n > MAX_MEMBERS)) {
		log_err("--members %s: not a number from 1 to %d", opt.members, MAX_MEMBERS);
		return EXIT_USAGE;
	}
	w.has_level = !!opt.level;
	w.level = g.level;
	w.layout = opt.layout;
	w.chunk = (uint32_t)chunk;
	w.members = (uint32_t)n;
	w.revert = revert;
	if (create_check_devices(a->dev, count, opt.force, &ours, is_md) ||
	    reshape_geometry(a, count, &w, is_md, p, ref, sb))
		return EXIT_REFUSED;
	return 0;
}

/* The device of the array that file `path` is, or shares storage with; -1 for none. */
static int member_of(const char *path, const struct dev *d, uint32_t n)
{
	struct dev f;
	int hit = -1;

	if (dev_open(&f, path, 0))
		return -1;	/* the journal's own checks say why */
	for (uint32_t k = 0; k < n && hit < 0; k++)
		if (d[k].fd >= 0 && dev_overlaps(&f, &d[k]))
			hit = (int)k;
	dev_close(&f);
	return hit;
}

/*
 * Refuse a journal that is, or whose file= records read from, one of the
 * array's devices: the migration rewrites them, so the data a record
 * names would change under it and a resume could never match its CRC.
 * Returns 0 or -EINVAL after a message naming the line.
 */
static int journal_apart(const struct journal *j, const struct dev *d, uint32_t n)
{
	int k = member_of(j->path, d, n);

	if (k >= 0) {
		log_err("%s: is %s, a device of the array", j->path, d[k].path);
		return -EINVAL;
	}
	for (size_t i = 0; i < j->count; i++) {
		if (j->rec[i].kind != JDATA_FILE || (k = member_of(j->rec[i].file, d, n)) < 0)
			continue;
		log_err("%s:%u: file=%s is %s, a device of the array, which the migration rewrites",
			j->path, j->rec[i].line, j->rec[i].file, d[k].path);
		return -EINVAL;
	}
	return 0;
}

/*
 * The metadata about to be written must be what a resume can read: every
 * field check meta_decode makes, made before anything is written. Returns
 * 0 or EXIT_REFUSED after a message.
 */
static int readable(const struct meta *m)
{
	uint8_t blk[META_BLOCK];
	struct meta back;
	const char *why;

	meta_encode(m, blk);
	if (meta_decode(blk, &back, &why) == 0)
		return 0;
	log_err("cannot migrate: its metadata would not be readable (%s); nothing was written", why);
	return EXIT_REFUSED;
}

/*
 * Open and check the members, work out the geometry, load the journal and
 * set up the metadata: everything convert does before writing, and all that
 * plan does with devices. The devices are a plain source and the members to
 * add, or an md array's members and any to add (in any order: raidmig
 * knows them by their superblocks). Returns 0 or an exit code (after a
 * message).
 */
static int prepare(const char *action, char **args, int count, int writable, int revert,
		   struct array *a, struct journal *j, struct journal **jp)
{
	static struct mdsb sb[MAX_MEMBERS];
	int is_md[MAX_MEMBERS];
	struct mdsb ref;
	struct geom want;
	struct pair p;
	int e, ours, opened, n_md;

	*jp = NULL;
	memset(a, 0, sizeof(*a));
	if (count > MAX_MEMBERS) {
		log_err("too many members: %d (at most %d)", count, MAX_MEMBERS);
		return EXIT_USAGE;
	}
	/* locks before the first check, held through the prompt and the run */
	e = dev_open_all(a->dev, args, count, writable, &opened);
	a->n = (uint32_t)opened;
	if (e || create_check_unfinished(a->dev, count))
		return EXIT_REFUSED;
	n_md = reshape_find(a->dev, count, sb, is_md);
	if (n_md < 0)
		return EXIT_REFUSED;
	if (n_md && reshape_partial(a->dev, count, sb, is_md)) {
		/* a stale superblock (a disk reused) or a member not given */
		if (!opt.force || revert)
			return EXIT_REFUSED;
		n_md = 0;
	}
	if (revert && !n_md) {
		log_err("%s: no md superblock on %s: revert takes the members of an md array", action,
			count == 1 ? args[0] : "any of the devices");
		return EXIT_REFUSED;
	}
	if (n_md) {
		e = prepare_reshape(a, count, is_md, revert, &p, &ref, sb);
	} else if (opt.members) {
		log_err("%s: --members N is for an md array's new member count; %s carries no md superblock",
			action, args[0]);
		return EXIT_USAGE;
	} else if (count < 2) {
		log_err("%s: %s carries no md superblock: give a source and at least one more member",
			action, args[0]);
		return EXIT_USAGE;
	} else {
		e = parse_geometry(action, &want);
		if (!e && (create_check_devices(a->dev, count, opt.force, &ours, NULL) ||
			   create_geometry(a->dev, count, &want, ours, &p)))
			e = EXIT_REFUSED;
	}
	if (e)
		return e;
	if (opt.journal) {
		if (journal_load(j, opt.journal, p.data_size, a->dev[0].sector))
			return EXIT_REFUSED;
		*jp = j;
		if (journal_apart(j, a->dev, a->n))
			return EXIT_REFUSED;
	}
	if (create_meta(a, &p, *jp, opt.name))
		return EXIT_REFUSED;
	if (n_md) {
		reshape_identity(&a->m, &ref, sb, (int)p.from.members);
		if (opt.name)
			snprintf(a->m.name, sizeof(a->m.name), "%s", opt.name);
	}
	return readable(&a->m);
}

/* The question before convert writes: what it does to which device. */
static int confirm_convert(const struct array *a)
{
	char msg[1024], name[64];
	int n;

	const struct pair *p = &a->m.p;
	char old[64];

	if (p->from.level == LEVEL_PLAIN)
		n = snprintf(msg, sizeof(msg), "This converts the data on %s in place into a %s array over %u members.\n"
			     "Everything else on", a->dev[0].path, geom_level_name(&p->to, name, sizeof(name)),
			     a->n);
	else if (p->to.level == LEVEL_PLAIN)
		n = snprintf(msg, sizeof(msg), "This turns md array %s (%s over %u members) back into one plain disk, %s.\n"
			     "Everything else on", a->m.name, geom_level_name(&p->from, old, sizeof(old)),
			     p->from.members, a->dev[0].path);
	else
		n = snprintf(msg, sizeof(msg), "This migrates md array %s from %s over %u members to %s over %u.\n"
			     "The array's data stays; everything else on", a->m.name,
			     geom_level_name(&p->from, old, sizeof(old)), p->from.members,
			     geom_level_name(&p->to, name, sizeof(name)), p->to.members);
	for (uint32_t i = 1; i < a->n && n > 0 && (size_t)n < sizeof(msg); i++)
		n += snprintf(msg + n, sizeof(msg) - (size_t)n, " %s", a->dev[i].path);
	if (n > 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, " will be overwritten.");
	return confirm(msg);
}

static int run_convert(char **args, int count, int revert)
{
	static struct array a;
	struct journal j, *jp = NULL;
	struct run r;
	int e, rc;
	double t0;

	memset(&r, 0, sizeof(r));
	rc = prepare(revert ? "revert" : "convert", args, count, 1, revert, &a, &j, &jp);
	if (rc)
		goto out;
	rc = EXIT_REFUSED;
	if (confirm_convert(&a))
		goto out;
	if (run_init(&r, &a, jp))
		goto out;
	catch_signals();
	memset(&io_stats, 0, sizeof(io_stats));
	t0 = now_seconds();
	r.a->m.generation = r.a->m.first_generation;
	e = create_write_initial(&r);
	if (e) {
		rc = EXIT_IO;
		goto out;
	}
	rc = run_to_end(&r, t0);
out:
	run_free(&r);
	if (jp)
		journal_free(jp);
	array_close(&a);
	return rc;
}

int cmd_convert(char **args, int count)
{
	return run_convert(args, count, 0);
}

int cmd_revert(char **args, int count)
{
	return run_convert(args, count, 1);
}

/* plan --size SIZE --members N: hypothetical blank disks, no I/O at all. */
static int hypothetical(struct array *a)
{
	uint64_t size, n;
	struct geom want;
	struct pair p;
	int e = parse_geometry("plan", &want);

	if (e)
		return e;
	if (!opt.size || !opt.members) {
		log_err("plan: --size SIZE and --members N (%d to %d) go together", MIN_MEMBERS, MAX_MEMBERS);
		return EXIT_USAGE;
	}
	if (parse_size(opt.size, &size, 1)) {
		log_err("plan: --size %s: not a size (a number, with K, M, G or T)", opt.size);
		return EXIT_USAGE;
	}
	if (parse_size(opt.members, &n, 0) || n < MIN_MEMBERS || n > MAX_MEMBERS) {
		log_err("plan: --members %s: not a number from %d to %d", opt.members, MIN_MEMBERS, MAX_MEMBERS);
		return EXIT_USAGE;
	}
	if (size > MAX_DISK_BYTES) {
		log_err("plan: --size %s: larger than the %llu bytes (256 TiB) raidmig handles", opt.size,
			(unsigned long long)MAX_DISK_BYTES);
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
	if (create_geometry(a->dev, (int)n, &want, 0, &p))
		return EXIT_REFUSED;
	return create_meta(a, &p, NULL, opt.name) ? EXIT_REFUSED : 0;
}

/* A positive number of --bandwidth, --flush-ms or --seek-ms. */
static int parse_positive(const char *name, const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end || !(*v > 0) || *v > 1e9) {
		log_err("plan: --%s %s: not a positive number", name, s);
		return -1;
	}
	return 0;
}

/* The disk model plan estimates for: --disk, then the numbers given. 1 if any, 0 if none, -1. */
static int parse_model(struct disk_model *m)
{
	memset(m, 0, sizeof(*m));
	if (!opt.disk && !opt.bandwidth && !opt.flush_ms && !opt.seek_ms)
		return 0;
	if (opt.disk && estimate_model(opt.disk, m)) {
		log_err("plan: --disk %s: not a model (hdd, ssd, nvme)", opt.disk);
		return -1;
	}
	if (!opt.disk && (!opt.bandwidth || !opt.flush_ms || !opt.seek_ms)) {
		log_err("plan: --bandwidth, --flush-ms and --seek-ms go with --disk, or all three together");
		return -1;
	}
	if (!opt.disk)
		m->name = "custom";
	if ((opt.bandwidth && parse_positive("bandwidth", opt.bandwidth, &m->mbs)) ||
	    (opt.flush_ms && parse_positive("flush-ms", opt.flush_ms, &m->flush_ms)) ||
	    (opt.seek_ms && parse_positive("seek-ms", opt.seek_ms, &m->seek_ms)))
		return -1;
	return 1;
}

/*
 * What convert would do, without writing: the real migration code runs with
 * the I/O layer counting instead of transferring (io_dry), over the devices
 * opened read-only or over hypothetical disks.
 */
int cmd_plan(char **args, int count)
{
	static struct array a;
	struct journal j, *jp = NULL;
	struct run r;
	struct disk_model model;
	struct estimate est;
	int rc, e, have_model = parse_model(&model);

	memset(&r, 0, sizeof(r));
	if (have_model < 0)
		return EXIT_USAGE;
	if (opt.size || (opt.members && !count)) {
		if (count) {
			log_err("plan: give either devices or --size and --members");
			return EXIT_USAGE;
		}
		rc = hypothetical(&a);
	} else if (count < 1) {
		log_err("plan: needs a source and at least one more member, an md array's members, or --size and --members");
		return EXIT_USAGE;
	} else {
		rc = prepare("plan", args, count, 0, opt.revert, &a, &j, &jp);
	}
	if (rc)
		goto out;
	io_dry = 1;
	if (run_init(&r, &a, jp)) {
		rc = EXIT_REFUSED;
		goto out;
	}
	r.pol.seconds = 0;	/* the time limit's checkpoints depend on the speed */
	r.pol.adaptive = 0;
	memset(&io_stats, 0, sizeof(io_stats));
	r.a->m.generation = r.a->m.first_generation;
	e = create_write_initial(&r);
	if (!e)
		e = migrate(&r);
	if (!e)
		e = md_finish(&a, r.mbuf, r.buf);
	rc = e < 0 ? EXIT_IO : EXIT_OK;
	if (e >= 0 && have_model)
		estimate(&r, &policy, &model, &est);
	if (e >= 0)
		report_plan(&r, opt.json, have_model ? &model : NULL, &est);
out:
	run_free(&r);
	if (jp)
		journal_free(jp);
	for (uint32_t i = 0; i < a.n; i++)
		if (a.dev[i].fd >= 0)
			dev_close(&a.dev[i]);
	return rc;
}

/* The journal given to resume must be the one convert recorded, data files included. */
static int resume_journal(const struct meta *m, struct journal *j, struct journal **jp)
{
	*jp = NULL;
	if (!(m->journal_flags & JOURNAL_GIVEN) && opt.journal) {
		log_err("%s: this conversion was started without a journal", opt.journal);
		return -EINVAL;
	}
	if (!(m->journal_flags & JOURNAL_GIVEN))
		return 0;
	if (!opt.journal) {
		log_err("this conversion was started with a journal (%llu bytes, crc32 %08x): give it with --journal",
			(unsigned long long)m->journal_size, m->journal_crc);
		return -EINVAL;
	}
	if (journal_load(j, opt.journal, m->p.data_size, m->sector_size))
		return -EINVAL;
	if (j->crc != m->journal_crc || j->size != m->journal_size) {
		log_err("%s: not the journal this conversion was started with (crc32 %08x, %llu bytes)",
			opt.journal, m->journal_crc, (unsigned long long)m->journal_size);
		journal_free(j);
		return -EINVAL;
	}
	if (j->data_crc != m->journal_data_crc) {
		log_err("%s: the data files of its file= records changed since the conversion started (crc32 %08x, now %08x): restore them",
			opt.journal, m->journal_data_crc, j->data_crc);
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

/*
 * resume of an array whose migration is complete. A power loss in the
 * final checkpoint may have left "complete" on some members only: the
 * others get that generation first, flushed, so that every member's newest
 * metadata is the array's; then the switch to md, where unfinished. A
 * member another array has taken since is left alone (md_states).
 */
static int resume_complete(struct array *a)
{
	uint8_t *buf = io_alloc(MDSB_BYTES), *want = io_alloc(MDSB_BYTES);
	struct run r = { .a = a, .mbuf = io_alloc(META_BLOCK) };
	int st[MAX_MEMBERS], e = buf && want && r.mbuf ? md_states(a, buf, want, st) : -ENOMEM;
	int lagged = 0;
	char name[64];

	for (uint32_t i = 0; i < a->n && e >= 0; i++) {
		if (a->gen[i] == a->m.generation || st[i] == SB_FOREIGN)
			continue;
		log_verbose("%s: metadata generation %llu, the array's is %llu: rewriting it", a->dev[i].path,
			    (unsigned long long)a->gen[i], (unsigned long long)a->m.generation);
		e = ck_write_meta_member(&r, i, 0);
		lagged = 1;
	}
	if (e >= 0 && lagged)
		e = ck_flush_all(&r);
	if (e >= 0)
		e = md_finish(a, buf, want);
	free(buf);
	free(want);
	free(r.mbuf);
	if (e < 0)
		return e == -EBUSY ? EXIT_REFUSED : EXIT_IO;
	e |= lagged;
	if (a->m.p.to.level == LEVEL_PLAIN)
		printf("%s: %s is one plain disk again\n", e ? "completed the revert" : "already complete",
		       a->dev[0].path);
	else
		printf("%s: %s over %u members; every member carries its md superblock\n",
		       e ? "completed the switch to md" : "already complete",
		       geom_level_name(&a->m.p.to, name, sizeof(name)), a->m.p.to.members);
	if (!e)
		printf("No migration of it is under way: one cut short before its first metadata was\n"
		       "durable had not started and left the array as it is; run it again.\n");
	return EXIT_OK;
}

int cmd_resume(char **args, int count)
{
	static struct array a;
	struct journal j, *jp = NULL;
	struct run r;
	int e, rc = EXIT_REFUSED;
	double t0;

	if (array_assemble(&a, args, count, ASSEMBLE_WRITE | (opt.force ? ASSEMBLE_FORCE : 0)))
		return EXIT_REFUSED;
	if (a.m.state == META_COMPLETE) {
		rc = resume_complete(&a);
		array_close(&a);
		return rc;
	}
	if (resume_journal(&a.m, &j, &jp))
		goto out;
	if (run_init(&r, &a, jp))
		goto out_r;
	catch_signals();
	memset(&io_stats, 0, sizeof(io_stats));
	t0 = now_seconds();
	log_verbose("resuming at unit %llu of %llu (generation %llu)",
		    (unsigned long long)a.m.progress, (unsigned long long)pair_units(&a.m.p),
		    (unsigned long long)a.m.generation);
	/* a damaged staging slot is refused before anything is written;
	 * ck_repair leaves the copy buffer holding the slot alone */
	e = a.m.stage_len ? staged_load(&r) : 0;
	if (!e)
		e = moved_check(&r);
	if (!e)
		e = ck_repair(&r);
	if (!e && a.m.stage_len)
		e = restore_staged(&r);
	rc = e ? finish_run(&r, e, t0) : run_to_end(&r, t0);
out_r:
	run_free(&r);
	if (jp)
		journal_free(jp);
out:
	array_close(&a);
	return rc;
}
