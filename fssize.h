/* fssize.h: where a whole-device format's data ends. See fssize.c. */
#ifndef RAIDMIG_FSSIZE_H
#define RAIDMIG_FSSIZE_H

#include <stdint.h>

#define FS_HEAD (128u << 10)	/* the bytes fs_size reads: btrfs's superblock is at 64 KiB */

uint64_t fs_size(const char *type, const uint8_t *head);

#endif
