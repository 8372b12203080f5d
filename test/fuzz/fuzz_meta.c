/*
 * test/fuzz/fuzz_meta.c: libFuzzer harness for the metadata decoder. The
 * input becomes one metadata block whose crc32 is fixed up here, so the
 * mutations reach the field checks instead of dying at the CRC. A block the
 * decoder accepts must describe a pair of geometries every derived function
 * can use, and must survive encode/decode unchanged.
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
	uint64_t units, off, len;
	int self;

	memset(blk, 0, sizeof(blk));
	memcpy(blk, data, size < META_BLOCK ? size : META_BLOCK);
	crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), blk, META_BLOCK - 4);
	for (int i = 0; i < 4; i++)
		blk[META_BLOCK - 4 + i] = (uint8_t)(crc >> (8 * i));
	if (meta_decode(blk, &m, &why) != 0)
		return 0;
	/* accepted: everything derived from it must be sane */
	units = pair_units(&m.p);
	if (units == 0 || pair_unit_bytes(&m.p) == 0 || pair_slot_bytes(&m.p) == 0 ||
	    units * pair_unit_depth(&m.p) > m.p.to.member_data + pair_unit_depth(&m.p))
		abort();
	pair_unit_extent(&m.p, units - 1, &off, &len);
	if (len == 0 || off + len != m.p.data_size)
		abort();
	if (m.progress < units && pair_clobbers(&m.p, m.progress, &self) > (int64_t)m.progress)
		abort();
	for (uint32_t i = 0; i < pair_members(&m.p); i++)
		if (meta_slot_offset(&m.p, m.member[i].size) + pair_slot_bytes(&m.p) >
		    m.member[i].size)
			abort();
	meta_encode(&m, again);
	if (meta_decode(again, &m2, &why) != 0 || memcmp(&m, &m2, sizeof(m)))
		abort();
	return 0;
}
