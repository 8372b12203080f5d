/*
 * test/rawcopy.c: the raw limit for make bench. Reads the source's first
 * DATA bytes and writes them to the same member offsets raidmig would (md
 * RAID0, member 0 in place), in the same batches (whole stripes, at most 16
 * MiB) and with the same I/O mode (O_DIRECT on block devices), then flushes
 * every member once. No staging, no checkpoints: not safe, only fast.
 *
 *   rawcopy CHUNK DATA SRC MEMBER...
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define BUF (16u << 20)

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	uint64_t chunk, data, stripe, batch;
	int n = argc - 3, fd[16];
	uint8_t *buf;

	if (argc < 5 || n > 16) {
		fprintf(stderr, "usage: rawcopy CHUNK DATA SRC MEMBER...\n");
		return 2;
	}
	chunk = strtoull(argv[1], NULL, 10);
	data = strtoull(argv[2], NULL, 10);
	stripe = chunk * (uint64_t)n;
	batch = BUF / stripe * stripe;
	if (!batch)
		batch = stripe;
	for (int i = 0; i < n; i++) {
		struct stat st;

		if (stat(argv[3 + i], &st) < 0)
			die(argv[3 + i]);
		fd[i] = open(argv[3 + i], O_RDWR | (S_ISBLK(st.st_mode) ? O_DIRECT : 0));
		if (fd[i] < 0)
			die(argv[3 + i]);
		if (!S_ISBLK(st.st_mode))
			posix_fadvise(fd[i], 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	if (posix_memalign((void **)&buf, 4096, batch))
		die("memory");
	for (uint64_t off = 0; off < data; off += batch) {
		uint64_t len = data - off < batch ? data - off : batch;
		struct iovec iov[16][1024];
		int cnt[16] = { 0 };

		for (uint64_t got = 0; got < len; ) {
			ssize_t r = pread(fd[0], buf + got, len - got, (off_t)(off + got));

			if (r <= 0)
				die("read");
			got += (uint64_t)r;
		}
		for (uint64_t p = 0; p < len; p += chunk) {
			uint64_t c = (off + p) / chunk;
			int m = (int)(c % (uint64_t)n);

			iov[m][cnt[m]].iov_base = buf + p;
			iov[m][cnt[m]++].iov_len = len - p < chunk ? len - p : chunk;
		}
		for (int m = 0; m < n; m++) {
			uint64_t moff = off / stripe * chunk;

			for (int k = 0; k < cnt[m]; k += 1024) {
				int c = cnt[m] - k < 1024 ? cnt[m] - k : 1024;
				size_t want = 0;

				for (int q = 0; q < c; q++)
					want += iov[m][k + q].iov_len;
				if (pwritev(fd[m], iov[m] + k, c, (off_t)moff) != (ssize_t)want)
					die("write");
				moff += want;
			}
		}
	}
	for (int i = 0; i < n; i++)
		if (fdatasync(fd[i]) < 0)
			die("flush");
	return 0;
}
