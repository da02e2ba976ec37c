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

void *
huge_alloc(size_t size, int zero)
{
	size_t align = size < HUGE_PAGE ? LINE : HUGE_PAGE;
	void *p;

	if (size > SIZE_MAX - HUGE_PAGE) {
		errno = ENOMEM;
		return NULL;
	}
	/* aligned_alloc wants a multiple of the alignment. */
	size = (size + align - 1) & ~(align - 1);
	if ((p = aligned_alloc(align, size)) == NULL)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (align == HUGE_PAGE)
		(void)madvise(p, size, MADV_HUGEPAGE);
#endif
	if (zero)
		memset(p, 0, size);
	return p;
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
