/*
 * test/fuzz/fuzz_mdsb.c: libFuzzer harness for the md superblock decoder,
 * which reads whatever sits at the end (v1.0) or the head (v1.1, v1.2) of a
 * device. The first 8 input bytes pick the device size and the version;
 * the rest is the superblock block, its checksum
 * fixed up half of the time so that mutations reach the field checks. A
 * block the decoder accepts must survive encode/decode unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "mdsb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t blk[MDSB_BYTES], again[MDSB_BYTES];
	struct mdsb s, s2;
	const char *why;
	uint64_t dev = 0;
	uint32_t minor;

	if (size < 9)
		return 0;
	memcpy(&dev, data, 8);
	minor = (uint32_t)(dev >> 50) % 3;
	dev %= 1ull << 50;
	memset(blk, 0, sizeof(blk));
	memcpy(blk, data + 8, size - 8 < MDSB_BYTES ? size - 8 : MDSB_BYTES);
	if (data[8] & 1) {
		uint32_t c = mdsb_csum(blk);

		memcpy(blk + 216, &c, 4);	/* little-endian host */
	}
	if (mdsb_decode(blk, dev, minor, &s, &why) != 0)
		return 0;
	if (s.super_offset * 512 != mdsb_location(minor, dev) || s.max_dev > MDSB_ROLES_MAX || s.minor != minor ||
	    (minor && (s.data_offset * 512 < s.super_offset * 512 + MDSB_BYTES ||
		       s.data_offset + s.size > dev / 512 || s.data_offset + s.data_size > dev / 512)))
		abort();
	(void)mdsb_role(&s);
	mdsb_encode(&s, again);
	if (mdsb_decode(again, dev, minor, &s2, &why) != 0 || s2.sb_csum != mdsb_csum(again) ||
	    memcmp(s.set_uuid, s2.set_uuid, 16) || s.size != s2.size || s.level != s2.level)
		abort();
	return 0;
}
