/* journal.h: host write-intent records. See journal.c. */
#ifndef RAIDMIG_JOURNAL_H
#define RAIDMIG_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

enum { JDATA_FILL, JDATA_SEED, JDATA_FILE };

struct jrec {
	uint64_t at;		/* applied when this many units are migrated */
	uint64_t offset;	/* volume byte offset */
	uint64_t length;	/* bytes */
	int kind;		/* JDATA_* */
	uint64_t value;		/* fill byte, seed, or offset in the file */
	char *file;		/* JDATA_FILE: path of the data */
	unsigned line;		/* line number in the journal */
};

struct journal {
	const char *path;
	uint32_t crc;		/* crc32 of the whole file */
	uint64_t size;		/* bytes of the file */
	uint32_t data_crc;	/* crc32 of the data of every file= record, in order */
	struct jrec *rec;
	size_t count;
};

int journal_load(struct journal *j, const char *path, uint64_t volume_size,
		 uint32_t sector);
int journal_parse(struct journal *j, const char *text, size_t len,
		  uint64_t volume_size, uint32_t sector);
void journal_free(struct journal *j);
int journal_data(const struct jrec *r, uint64_t pos, void *buf, size_t len);

#endif
