/* SPDX-License-Identifier: ISC */
/* prefetch.h: ask for memory that will be read soon. */
#ifndef FTPAUDIT_PREFETCH_H
#define FTPAUDIT_PREFETCH_H

#include <stddef.h>

#define CACHE_LINE	64	/* bytes */

/*
 * To the compiler __builtin_prefetch does nothing, so a function made of
 * prefetches alone (the engine's look-ahead) has no effect, and with
 * link-time optimisation its calls were found useless and dropped: the
 * look-ahead ran for the first eight packets of a block only, and its
 * part for SYNs never.  The empty volatile asm is an effect it keeps.
 */
static inline void
prefetch(const void *p)
{
	__builtin_prefetch(p);
	__asm__ __volatile__("" : : "r" (p));
}

/* Every line of the n bytes at p. */
static inline void
prefetch_span(const void *p, size_t n)
{
	const char *c = p, *e = c + n;

	for (; c < e; c += CACHE_LINE)
		prefetch(c);
}

#endif
