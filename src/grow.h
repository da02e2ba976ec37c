/* SPDX-License-Identifier: ISC */
/* grow.h: room for one more element in a heap array that doubles. */
#ifndef FTPAUDIT_GROW_H
#define FTPAUDIT_GROW_H

#include <stdlib.h>
#include <string.h>

/*
 * Make room in the array at *arrp (n used of *capp elements, each size
 * bytes, owned by the caller) for one more: the capacity doubles, from
 * first.  reallocarray(3) checks cap * size; the doubling is checked here.
 * 0, or -1 (ENOMEM) with the array and *capp unchanged.  New elements are
 * not initialised.  arrp points to any object pointer: it is read and
 * written with memcpy, so callers need no cast.
 */
static inline int
fa_grow(void *arrp, size_t n, size_t *capp, size_t size, size_t first)
{
	size_t	 ncap;
	void	*p;

	if (n < *capp)
		return 0;
	ncap = *capp ? *capp * 2 : first;
	memcpy(&p, arrp, sizeof p);
	if (ncap <= *capp || (p = reallocarray(p, ncap, size)) == NULL)
		return -1;
	memcpy(arrp, &p, sizeof p);
	*capp = ncap;
	return 0;
}

#endif
