/*
 * test/fuzz/fuzz_meta.c: libFuzzer harness for the metadata decoder. The
 * input becomes one metadata block whose crc32 is fixed up here, so the
 * mutations reach the field checks instead of dying at the CRC. A block the
 * decoder accepts must describe a geometry every derived function can use,
 * and must survive encode/decode unchanged.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t blk[META_BLOCK], again[META_BLOCK];
	struct meta m, m2;
	const char *why;
	uint32_t crc;

	memset(blk, 0, sizeof(blk));
	memcpy(blk, data, size < META_BLOCK ? size : META_BLOCK);
	crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), blk, META_BLOCK - 4);
	for (int i = 0; i < 4; i++)
		blk[META_BLOCK - 4 + i] = (uint8_t)(crc >> (8 * i));
	if (meta_decode(blk, &m, &why) != 0)
		return 0;
	/* accepted: everything derived from it must be sane */
	uint64_t units = geom_units(&m.g), off, len, lo, hi;

	if (units == 0 || geom_unit_bytes(&m.g) == 0 || geom_slot_bytes(&m.g) == 0)
		abort();
	geom_unit_extent(&m.g, units - 1, &off, &len);
	if (len == 0 || off + len != m.g.data_size)
		abort();
	geom_clobbers(&m.g, m.progress, &lo, &hi);
	if (lo > hi || geom_first_clobbering(&m.g, m.progress) < m.progress)
		abort();
	for (uint32_t i = 0; i < m.g.members; i++)
		if (meta_slot_offset(&m, m.member[i].size) + geom_config_bytes(&m.g) >
		    m.member[i].size)
			abort();
	meta_encode(&m, again);
	if (meta_decode(again, &m2, &why) != 0 || memcmp(&m, &m2, sizeof(m)))
		abort();
	return 0;
}
