/* SPDX-License-Identifier: ISC */
/* cpu.h: the CPU time of the calling thread, for ftpaudit -v. */
#ifndef FTPAUDIT_CPU_H
#define FTPAUDIT_CPU_H

#include <time.h>

/* Seconds; 0 where the clock is missing. */
static inline double
thread_cpu_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == -1)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
