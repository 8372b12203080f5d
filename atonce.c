/*
 * atonce.c: the members are different disks, so an operation on each need
 * not wait for another's: flushes, durable metadata writes, a batch's
 * reads and writes. at_once runs fn on every item, a thread an item but
 * the first, which the calling thread runs; an item whose thread cannot
 * start is run here too, after. Each item carries its own result.
 */
#include <pthread.h>

#include "atonce.h"

/*
 * fn on items[0 .. n) (item i at items + i * size), and back when all are
 * done; with threads 0 (plan's counting, a small transfer), one after the
 * other in this thread.
 */
void at_once(void *(*fn)(void *), void *items, size_t size, uint32_t n, int threads)
{
	pthread_t tid[ATONCE_MAX];
	int started[ATONCE_MAX] = { 0 };
	char *it = items;

	for (uint32_t i = 1; i < n && i < ATONCE_MAX && threads; i++)
		started[i] = pthread_create(&tid[i], NULL, fn, it + i * size) == 0;
	for (uint32_t i = 0; i < n; i++) {
		if (i < ATONCE_MAX && started[i])
			pthread_join(tid[i], NULL);
		else
			fn(it + i * size);
	}
}
