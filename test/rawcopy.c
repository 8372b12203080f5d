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
 * this one (two buffers): the raw limit a user could run. With --spread J
 * the source is an array: each batch is read in J equal parts from members
 * 0 to J - 1 (its data members), as a migration of an md array reads them;
 * --write W writes only the first W members (a migration to fewer).
 * --parallel (with --overlap) reads every member's part and writes every
 * member's rows in a thread of its own: the members are different disks,
 * and this is the fastest a copy of these bytes can go over them.
 *
 *   rawcopy [--overlap [--parallel]] [--spread J] [--write W] DATA K SKIP0 MEMBER...
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

static int parallel;

/* One member's transfer, in a thread of its own with --parallel. */
struct part {
	int fd, write;
	uint8_t *buf;
	uint64_t len, off;
	pthread_t t;
};

static void *part_run(void *arg)
{
	struct part *p = arg;

	full(p->write ? wr : pread, p->fd, p->buf, p->len, p->off, p->write ? "write" : "read");
	return NULL;
}

static void parts_run(struct part *p, int n)
{
	for (int i = 0; i < n; i++)
		if (!parallel || pthread_create(&p[i].t, NULL, part_run, &p[i]))
			part_run(&p[i]);
	for (int i = 0; i < n && parallel; i++)
		pthread_join(p[i].t, NULL);
}

struct reader {
	const int *fd;
	int spread;
	uint8_t *buf;
	uint64_t off, len;
};

static void *read_batch(void *arg)
{
	struct reader *r = arg;
	uint64_t per = (r->len / (uint64_t)r->spread + 4095) / 4096 * 4096;
	struct part p[16];

	for (int i = 0; i < r->spread; i++)
		p[i] = (struct part){ r->fd[i], 0, r->buf + (uint64_t)i * per, per, r->off / (uint64_t)r->spread, 0 };
	parts_run(p, r->spread);
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t data, k, batch;
	int n, fd[16], skip0, overlap = 0, spread = 1, nw = 0;
	uint8_t *buf[2];

	while (argc > 1 && !strncmp(argv[1], "--", 2)) {
		if (!strcmp(argv[1], "--overlap")) {
			overlap = 1;
		} else if (!strcmp(argv[1], "--parallel")) {
			parallel = 1;
		} else if (!strcmp(argv[1], "--spread") && argc > 2) {
			spread = atoi(argv[2]);
			argv++;
			argc--;
		} else if (!strcmp(argv[1], "--write") && argc > 2) {
			nw = atoi(argv[2]);
			argv++;
			argc--;
		} else {
			break;
		}
		argv++;
		argc--;
	}
	n = argc - 4;
	if (!nw)
		nw = n;
	if (argc < 5 || n > 16 || spread < 1 || spread > n || nw < 1 || nw > n) {
		fprintf(stderr, "usage: rawcopy [--overlap [--parallel]] [--spread J] [--write W] DATA K SKIP0 MEMBER...\n");
		return 2;
	}
	data = strtoull(argv[1], NULL, 10);
	k = strtoull(argv[2], NULL, 10);
	skip0 = atoi(argv[3]);
	if (!k || k > (uint64_t)nw)
		return 2;
	batch = BUF / (k * spread * 65536) * (k * spread * 65536);	/* whole stripes up to 64K chunks */
	if (!batch)
		batch = k * spread * 65536;
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
		struct reader rd = { fd, spread, buf[0], 0, data < batch ? data : batch };
		pthread_t t;
		int cur = 0;

		read_batch(&rd);
		for (uint64_t off = 0; off < data; off += batch, cur ^= 1) {
			uint64_t len = data - off < batch ? data - off : batch;
			uint64_t rows = ((len + k - 1) / k + 4095) / 4096 * 4096;
			int ahead = overlap && off + batch < data;

			if (ahead) {	/* the next batch, while this one is written */
				rd = (struct reader){ fd, spread, buf[cur ^ 1], off + batch,
						      data - off - batch < batch ? data - off - batch : batch };
				if (pthread_create(&t, NULL, read_batch, &rd))
					die("thread");
			}
			struct part p[16];

			for (int m = skip0; m < nw; m++)
				p[m - skip0] = (struct part){ fd[m], 1, buf[cur], rows, off / k, 0 };
			parts_run(p, nw - skip0);
			if (ahead)
				pthread_join(t, NULL);
			else if (off + batch < data) {
				rd = (struct reader){ fd, spread, buf[cur ^ 1], off + batch,
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
