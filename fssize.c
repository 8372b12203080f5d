/*
 * fssize.c: where the data of a whole-device format ends, read from its
 * own superblock, for the formats people keep on whole disks. libblkid
 * 2.38 names the format (TYPE) but does not report sizes (FSSIZE came
 * later, and not for all of them), so raidmig reads the few fields itself;
 * each reader checks the magic before it believes a field. `head` is the
 * device's first FS_HEAD bytes. Returns the bytes the format uses from
 * byte 0, or 0 when it cannot tell (LUKS: its data runs to the end of the
 * device; an unknown type; a field that makes no sense).
 */
#include <string.h>

#include "bytes.h"
#include "fssize.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* s * n, or 0 when it would overflow (a field that makes no sense) */
static uint64_t times(uint64_t s, uint64_t n)
{
	return n && s > UINT64_MAX / n ? 0 : s * n;
}

/* ext2/3/4: s_blocks_count (and _hi with INCOMPAT_64BIT) blocks of 1024 << s_log_block_size */
static uint64_t ext_size(const uint8_t *h)
{
	const uint8_t *sb = h + 1024;
	uint64_t blocks = get32(sb + 4);
	uint32_t log = get32(sb + 0x18);

	if (sb[0x38] != 0x53 || sb[0x39] != 0xEF || log > 6)
		return 0;
	if (get32(sb + 0x60) & 0x80)
		blocks |= (uint64_t)get32(sb + 0x150) << 32;
	return times(blocks, 1024u << log);
}

/* xfs: sb_dblocks blocks of sb_blocksize (big-endian, at 8 and 4); the log is inside */
static uint64_t xfs_size(const uint8_t *h)
{
	uint32_t bs = be32(h + 4);

	if (memcmp(h, "XFSB", 4) || bs < 512 || bs > 65536 || (bs & (bs - 1)))
		return 0;
	return times(be64(h + 8), bs);
}

/* btrfs: this device's total_bytes in the superblock's dev_item (at 64 KiB + 0xc9 + 8) */
static uint64_t btrfs_size(const uint8_t *h)
{
	const uint8_t *sb = h + (64u << 10);

	return memcmp(sb + 0x40, "_BHRfS_M", 8) ? 0 : get64(sb + 0xc9 + 8);
}

/* LVM2 physical volume: the label in one of the first 4 sectors, pv_header's device_size */
static uint64_t lvm_size(const uint8_t *h)
{
	for (int s = 0; s < 4; s++) {
		const uint8_t *l = h + 512 * s;
		uint32_t off = get32(l + 20);

		if (!memcmp(l, "LABELONE", 8) && !memcmp(l + 24, "LVM2 001", 8) && off >= 32 && off <= 512 - 40)
			return get64(l + off + 32);
	}
	return 0;
}

/* swap: (last_page + 1) pages, the page size being where its signature sits (4 KiB to 64 KiB) */
static uint64_t swap_size(const uint8_t *h)
{
	for (uint32_t page = 4096; page <= (64u << 10); page *= 2) {
		const uint8_t *sig = h + page - 10;

		if ((!memcmp(sig, "SWAPSPACE2", 10) || !memcmp(sig, "SWAP-SPACE", 10)) && get32(h + 1024) == 1)
			return times((uint64_t)get32(h + 1028) + 1, page);
	}
	return 0;
}

uint64_t fs_size(const char *type, const uint8_t *head)
{
	if (!strncmp(type, "ext", 3))
		return ext_size(head);
	if (!strcmp(type, "xfs"))
		return xfs_size(head);
	if (!strcmp(type, "btrfs"))
		return btrfs_size(head);
	if (!strcmp(type, "LVM2_member"))
		return lvm_size(head);
	if (!strcmp(type, "swap"))
		return swap_size(head);
	return 0;
}
