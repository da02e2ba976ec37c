/* SPDX-License-Identifier: ISC */
/* hugemem.h: memory for the large tables read at random. */
#ifndef FTPAUDIT_HUGEMEM_H
#define FTPAUDIT_HUGEMEM_H

#include <stddef.h>

/*
 * size bytes, owned by the caller (free(3) it), zeroed when zero is true,
 * aligned to a cache line.  From 2 MiB on, aligned to 2 MiB and asked of
 * the kernel as huge pages.
 * NULL, with errno ENOMEM, when out of memory.
 */
void	*huge_alloc(size_t size, int zero);
/*
 * Have the kernel give p's pages now, without changing what they hold:
 * from another thread, so that the one that will use them need not
 * stop for the page faults.  Nothing where the kernel cannot (before
 * Linux 5.14).
 */
void	 huge_populate(void *p, size_t size);

#endif
