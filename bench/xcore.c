/* SPDX-License-Identifier: ISC */
/*
 * xcore.c: the time for a cache line to go from one CPU to another and
 * back, in nanoseconds: two threads, pinned to CPUs 0 and 1, hand a
 * counter to each other a million times.
 *
 * ftpaudit's two threads hand each other every packet (the reader's ring)
 * and every ended session (sinkq).  On a virtual machine whose two CPUs
 * sometimes share a cache and sometimes do not, the same binary's time
 * changes by half from one minute to the next; bench/run.sh prints this
 * beside each timing so that the reader of RESULTS.md can tell the two
 * apart.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROUNDS	1000000

static _Alignas(64) atomic_int turn;

static int
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* Wait for the counter to be odd, make it even: the other half of a
 * round trip. */
static void *
echo(void *arg)
{
	int i, v;

	(void)arg;
	if (pin(1) != 0)
		return NULL;
	for (i = 0; i < ROUNDS; i++) {
		while (((v = atomic_load_explicit(&turn,
		    memory_order_acquire)) & 1) == 0)
			;
		atomic_store_explicit(&turn, v + 1, memory_order_release);
	}
	return NULL;
}

int
main(void)
{
	struct timespec t0, t1;
	pthread_t th;
	int i, v;

	if (pin(0) != 0 || pthread_create(&th, NULL, echo, NULL) != 0) {
		fprintf(stderr, "xcore: cannot run on CPUs 0 and 1\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < ROUNDS; i++) {
		v = 2 * i;
		atomic_store_explicit(&turn, v + 1, memory_order_release);
		while (atomic_load_explicit(&turn,
		    memory_order_acquire) != v + 2)
			;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(th, NULL);
	printf("%.0f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 +
	    (t1.tv_nsec - t0.tv_nsec)) / ROUNDS);
	return 0;
}
