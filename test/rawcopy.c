/*
 * test/rawcopy.c: the raw limit for make bench. Reads the source's first
 * DATA bytes in batches (whole stripes, at most 16 MiB) and writes, for
 * every batch, the same number of bytes to the same member offsets raidmig
 * writes: each member's rows for those stripes (DATA / K bytes a member,
 * K the data chunks in a row: md RAID0 over n has K = n, RAID5 n - 1,
 * RAID6 n - 2, RAID1 1), member 0 in place, and nothing on member 0 when
 * SKIP0 says the new layout keeps it as it is (RAID1). The bytes written
 * are the batch's own (no parity is computed: the I/O is what is measured).
 * Same I/O mode as raidmig (O_DIRECT on block devices); one flush of every
 * member at the end. No staging, no checkpoints: not safe, only fast.
 * With --overlap, one thread reads the next batch while the other writes
 * this one (two buffers): the raw limit a user could run.
 *
 *   rawcopy [--overlap] DATA K SKIP0 MEMBER...   (member 0 is the source)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUF (16u << 20)

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void full(ssize_t (*io)(int, void *, size_t, off_t), int fd, uint8_t *p, uint64_t len,
		 uint64_t off, const char *what)
{
	while (len) {
		ssize_t r = io(fd, p, len, (off_t)off);

		if (r <= 0)
			die(what);
		p += r;
		len -= (uint64_t)r;
		off += (uint64_t)r;
	}
}

static ssize_t wr(int fd, void *p, size_t len, off_t off)
{
	return pwrite(fd, p, len, off);
}

struct reader {
	int fd;
	uint8_t *buf;
	uint64_t off, len;
};

static void *read_batch(void *arg)
{
	struct reader *r = arg;

	full(pread, r->fd, r->buf, (r->len + 4095) / 4096 * 4096, r->off, "read");
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t data, k, batch;
	int n, fd[16], skip0, overlap = argc > 1 && !strcmp(argv[1], "--overlap");
	uint8_t *buf[2];

	argv += overlap;
	argc -= overlap;
	n = argc - 4;
	if (argc < 6 || n > 16) {
		fprintf(stderr, "usage: rawcopy [--overlap] DATA K SKIP0 MEMBER...\n");
		return 2;
	}
	data = strtoull(argv[1], NULL, 10);
	k = strtoull(argv[2], NULL, 10);
	skip0 = atoi(argv[3]);
	if (!k || k > (uint64_t)n)
		return 2;
	batch = BUF / (k * 65536) * (k * 65536);	/* whole stripes of any chunk up to 64K */
	if (!batch)
		batch = k * 65536;
	for (int i = 0; i < n; i++) {
		struct stat st;

		if (stat(argv[4 + i], &st) < 0)
			die(argv[4 + i]);
		fd[i] = open(argv[4 + i], O_RDWR | (S_ISBLK(st.st_mode) ? O_DIRECT : 0));
		if (fd[i] < 0)
			die(argv[4 + i]);
		if (!S_ISBLK(st.st_mode))
			posix_fadvise(fd[i], 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	if (posix_memalign((void **)&buf[0], 4096, batch) || posix_memalign((void **)&buf[1], 4096, batch))
		die("memory");
	{
		struct reader rd = { fd[0], buf[0], 0, data < batch ? data : batch };
		pthread_t t;
		int cur = 0;

		read_batch(&rd);
		for (uint64_t off = 0; off < data; off += batch, cur ^= 1) {
			uint64_t len = data - off < batch ? data - off : batch;
			uint64_t rows = ((len + k - 1) / k + 4095) / 4096 * 4096;
			int ahead = overlap && off + batch < data;

			if (ahead) {	/* the next batch, while this one is written */
				rd = (struct reader){ fd[0], buf[cur ^ 1], off + batch,
						      data - off - batch < batch ? data - off - batch : batch };
				if (pthread_create(&t, NULL, read_batch, &rd))
					die("thread");
			}
			for (int m = skip0; m < n; m++)
				full(wr, fd[m], buf[cur], rows, off / k, "write");
			if (ahead)
				pthread_join(t, NULL);
			else if (off + batch < data) {
				rd = (struct reader){ fd[0], buf[cur ^ 1], off + batch,
						      data - off - batch < batch ? data - off - batch : batch };
				read_batch(&rd);
			}
		}
	}
	for (int i = 0; i < n; i++)
		if (fdatasync(fd[i]) < 0)
			die("flush");
	return 0;
}
