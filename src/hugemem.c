/* SPDX-License-Identifier: ISC */
/*
 * hugemem.c: memory for the large tables read at random.
 *
 * The connection table's entries and index are read at random, a few
 * times a packet, over tens of megabytes (256,769 connections at once on
 * the bench's main capture).  With 4 KiB pages nearly every lookup
 * missed the TLB as well as the cache.  Linux often gives transparent
 * huge pages only where asked (the "madvise" setting, Debian's): ask,
 * for blocks of 2 MiB and more.  Where there is no such thing, or the
 * kernel says no, the memory is the same, in small pages.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hugemem.h"

#define HUGE_PAGE	((size_t)2 << 20)
#define LINE		((size_t)64)

/* From 2 MiB on, a mapping of its own, trimmed to the alignment.  The
 * kernel gives it zeroed: a memset wrote the zeros again, and faulted in
 * every page at once, on the thread that asked. */
static void *
huge_map(size_t size)
{
	uint8_t *m, *p;
	size_t head;

	m = mmap(NULL, size + HUGE_PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	p = (uint8_t *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
	head = (size_t)(p - m);
	if (head != 0)
		(void)munmap(m, head);
	(void)munmap(p + size, HUGE_PAGE - head);
#ifdef MADV_HUGEPAGE
	(void)madvise(p, size, MADV_HUGEPAGE);
#endif
	return p;
}

void *
huge_alloc(size_t size, int zero)
{
	void *p;

	if (size > SIZE_MAX - 2 * HUGE_PAGE) {
		errno = ENOMEM;
		return NULL;
	}
	if (size >= HUGE_PAGE)
		return huge_map((size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
	/* aligned_alloc wants a multiple of the alignment. */
	if ((p = aligned_alloc(LINE, (size + LINE - 1) & ~(LINE - 1))) == NULL)
		return NULL;
	if (zero)
		memset(p, 0, size);
	return p;
}

void
huge_free(void *p, size_t size)
{
	if (p == NULL)
		return;
	if (size >= HUGE_PAGE)
		(void)munmap(p, (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
	else
		free(p);
}

void
huge_populate(void *p, size_t size)
{
#ifdef MADV_POPULATE_WRITE
	(void)madvise(p, size, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)size;
#endif
}
