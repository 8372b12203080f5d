/*
 * test/fuzz/fuzz_journal.c: libFuzzer harness for the journal parser. Any
 * input either parses into records that lie inside the volume, sector
 * aligned and in arrival order, or is refused; nothing else.
 */
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "util.h"

#define VOLUME (1u << 30)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_quiet = 1;	/* the parser's error messages */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal j;
	uint8_t buf[64];

	memset(&j, 0, sizeof(j));
	j.path = "fuzz";
	if (journal_parse(&j, (const char *)data, size, VOLUME, 512) == 0) {
		for (size_t i = 0; i < j.count; i++) {
			const struct jrec *r = &j.rec[i];

			if (!r->length || r->offset % 512 || r->length % 512 ||
			    r->offset + r->length > VOLUME || (i && r->at < j.rec[i - 1].at))
				abort();
			if (r->kind != JDATA_FILE)
				journal_data(r, 0, buf, sizeof(buf));
		}
	}
	journal_free(&j);
	return 0;
}
