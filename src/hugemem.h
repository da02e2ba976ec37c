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

#endif
