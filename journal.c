/*
 * journal.c: the simulated host. A journal is a text file of write-intent
 * records, one per line, in the order the host issued them:
 *
 *     write at=UNITS offset=BYTES length=BYTES fill=BYTE
 *     write at=UNITS offset=BYTES length=BYTES seed=NUMBER
 *     write at=UNITS offset=BYTES length=BYTES file=PATH [skip=BYTES]
 *
 * `at` is the number of units migrated when the write arrives. Blank lines
 * and lines starting with '#' are ignored. Numbers are decimal or 0x hex,
 * and byte counts take K, M, G, T suffixes. The whole file is parsed and
 * checked before raidmig writes anything: a bad record is an error naming
 * its line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "journal.h"
#include "util.h"

#define MAX_JOURNAL	(64u << 20)	/* bytes of journal text */

static int bad(const struct journal *j, unsigned line, const char *what, const char *tok)
{
	log_err("%s:%u: %s%s%s%s", j->path, line, what, tok ? " '" : "",
		tok ? tok : "", tok ? "'" : "");
	return -EINVAL;
}

/* A file= path: absolute, or relative to the journal's own directory. */
static char *resolve(const char *journal, const char *file)
{
	const char *slash = strrchr(journal, '/');
	size_t dir = slash ? (size_t)(slash - journal) + 1 : 0;
	char *p;

	if (file[0] == '/' || !dir)
		return strdup(file);
	p = malloc(dir + strlen(file) + 1);
	if (p) {
		memcpy(p, journal, dir);
		strcpy(p + dir, file);
	}
	return p;
}

static int parse_record(struct journal *j, char *s, unsigned line,
			uint64_t volume_size, uint32_t sector, struct jrec *r)
{
	char *save = NULL, *tok;
	int have_at = 0, have_off = 0, have_len = 0, have_data = 0, have_skip = 0;

	memset(r, 0, sizeof(*r));
	r->line = line;
	tok = strtok_r(s, " \t", &save);
	if (strcmp(tok, "write"))
		return bad(j, line, "unknown record", tok);
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '=');
		const char *key = tok, *val;
		int e = 0;

		if (!eq)
			return bad(j, line, "expected key=value, got", tok);
		*eq = 0;
		val = eq + 1;
		if (!strcmp(key, "at") && !have_at++) {
			e = parse_size(val, &r->at, 0);
		} else if (!strcmp(key, "offset") && !have_off++) {
			e = parse_size(val, &r->offset, 1);
		} else if (!strcmp(key, "length") && !have_len++) {
			e = parse_size(val, &r->length, 1);
		} else if (!strcmp(key, "fill") && !have_data++) {
			r->kind = JDATA_FILL;
			e = parse_size(val, &r->value, 0);
			if (!e && r->value > 255)
				return bad(j, line, "fill byte larger than 255:", val);
		} else if (!strcmp(key, "seed") && !have_data++) {
			r->kind = JDATA_SEED;
			e = parse_size(val, &r->value, 0);
		} else if (!strcmp(key, "file") && !have_data++) {
			r->kind = JDATA_FILE;
			if (!*val)
				return bad(j, line, "empty file name", 0);
			r->file = resolve(j->path, val);
			if (!r->file)
				return -ENOMEM;
		} else if (!strcmp(key, "skip") && !have_skip++) {
			e = parse_size(val, &r->value, 1);
		} else {
			return bad(j, line, "unknown or repeated keyword", key);
		}
		if (e)
			return bad(j, line, "bad number", val);
	}
	if (!have_at || !have_off || !have_len || !have_data)
		return bad(j, line, "record needs at=, offset=, length= and one of fill=, seed=, file=", 0);
	if (have_skip && r->kind != JDATA_FILE)
		return bad(j, line, "skip= goes with file=", 0);
	if (r->length == 0)
		return bad(j, line, "zero length", 0);
	if (r->offset % sector || r->length % sector) {
		char msg[96];

		snprintf(msg, sizeof(msg), "offset and length must be multiples of the %u-byte sector", sector);
		return bad(j, line, msg, 0);
	}
	if (r->offset >= volume_size || r->length > volume_size - r->offset)
		return bad(j, line, "write outside the volume (past the data being migrated)", 0);
	if (r->kind == JDATA_FILE) {
		struct stat st;

		if (stat(r->file, &st) < 0 || !S_ISREG(st.st_mode))
			return bad(j, line, "data file missing or not a regular file:", r->file);
		if ((uint64_t)st.st_size < r->value ||
		    (uint64_t)st.st_size - r->value < r->length)
			return bad(j, line, "data file shorter than the write:", r->file);
	}
	return 0;
}

/* Parse journal text. Returns 0, or -EINVAL after a message naming the line. */
int journal_parse(struct journal *j, const char *text, size_t len,
		  uint64_t volume_size, uint32_t sector)
{
	size_t cap = 0;
	unsigned line = 0;
	const char *p = text, *end = text + len;

	j->crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)text, (uInt)len);
	j->size = len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char buf[4096], *s;
		int e;

		line++;
		if (n >= sizeof(buf))
			return bad(j, line, "line too long", 0);
		memcpy(buf, p, n);
		buf[n] = 0;
		p += n + (nl ? 1 : 0);
		if (memchr(buf, 0, n))
			return bad(j, line, "NUL byte in line", 0);
		s = buf + strspn(buf, " \t\r");
		s[strcspn(s, "\r")] = 0;
		if (!*s || *s == '#')
			continue;
		if (j->count == cap) {
			struct jrec *nr;

			cap = cap ? cap * 2 : 64;
			nr = realloc(j->rec, cap * sizeof(*nr));
			if (!nr)
				return -ENOMEM;
			j->rec = nr;
		}
		e = parse_record(j, s, line, volume_size, sector, &j->rec[j->count]);
		if (e) {
			free(j->rec[j->count].file);
			return e;
		}
		if (j->count && j->rec[j->count].at < j->rec[j->count - 1].at)
			return bad(j, line, "at= goes backwards; records must be in arrival order", 0);
		j->count++;
	}
	return 0;
}

/*
 * The crc32 of the data of every file= record, in order, so that a resume
 * can tell that a data file changed since convert read it.
 */
static int data_crc(struct journal *j)
{
	size_t cap = 1 << 20;
	uint8_t *buf = malloc(cap);
	uLong c = crc32(0L, Z_NULL, 0);

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < j->count; i++) {
		const struct jrec *r = &j->rec[i];

		for (uint64_t pos = 0; r->kind == JDATA_FILE && pos < r->length; ) {
			size_t n = r->length - pos < cap ? (size_t)(r->length - pos) : cap;

			if (journal_data(r, pos, buf, n)) {
				log_err("%s:%u: cannot read %s", j->path, r->line, r->file);
				free(buf);
				return -EINVAL;
			}
			c = crc32(c, buf, (uInt)n);
			pos += n;
		}
	}
	free(buf);
	j->data_crc = (uint32_t)c;
	return 0;
}

int journal_load(struct journal *j, const char *path, uint64_t volume_size,
		 uint32_t sector)
{
	struct stat st;
	char *text;
	int fd, e;

	memset(j, 0, sizeof(*j));
	j->path = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_err("%s: %s", path, strerror(errno));
		return -EINVAL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_err("%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > MAX_JOURNAL) {
		close(fd);
		log_err("%s: journal larger than %u MiB", path, MAX_JOURNAL >> 20);
		return -EINVAL;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text || read_full(fd, text, (size_t)st.st_size) < 0) {
		log_err("%s: cannot read: %s", path, strerror(errno));
		free(text);
		close(fd);
		return -EINVAL;
	}
	close(fd);
	e = journal_parse(j, text, (size_t)st.st_size, volume_size, sector);
	free(text);
	if (!e)
		e = data_crc(j);
	if (e)
		journal_free(j);
	return e;
}

void journal_free(struct journal *j)
{
	for (size_t i = 0; i < j->count; i++)
		free(j->rec[i].file);
	free(j->rec);
	j->rec = NULL;
	j->count = 0;
}

/* The seeded pattern: 8-byte little-endian words of splitmix64. */
static uint64_t splitmix(uint64_t seed, uint64_t k)
{
	uint64_t z = seed + (k + 1) * 0x9E3779B97F4A7C15ull;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/*
 * Fill buf with bytes [pos, pos + len) of the record's data. pos and len
 * are multiples of 8 (records are sector-aligned). Returns 0 or -errno.
 */
int journal_data(const struct jrec *r, uint64_t pos, void *buf, size_t len)
{
	uint8_t *b = buf;

	if (r->kind == JDATA_FILL) {
		memset(buf, (int)r->value, len);
		return 0;
	}
	if (r->kind == JDATA_SEED) {
		for (size_t i = 0; i < len; i += 8) {
			uint64_t w = splitmix(r->value, (pos + i) / 8);

			for (int k = 0; k < 8; k++)
				b[i + k] = (uint8_t)(w >> (8 * k));
		}
		return 0;
	}
	{
		int fd = open(r->file, O_RDONLY | O_CLOEXEC), e = 0;

		if (fd < 0)
			return -errno;
		if (pread_full(fd, buf, len, r->value + pos) < 0)
			e = errno ? -errno : -EIO;
		close(fd);
		return e;
	}
}
