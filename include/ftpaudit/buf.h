/* SPDX-License-Identifier: ISC */
/* buf.h: a buffer that starts in borrowed memory (a session's pool, the
 * caller's array) and moves to the heap when it outgrows it.  Most
 * control lines, replies and pipelines fit the first room, so most
 * sessions never malloc one. */
#ifndef FTPAUDIT_BUF_H
#define FTPAUDIT_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct fa_buf {
	void		*p;		/* size bytes: owned when owned, else
					   its lender's; NULL before use */
	size_t		 size;
	bool		 owned;
};

/* Start in p, size bytes that stay the lender's. */
void	 fa_buf_borrow(struct fa_buf *, void *p, size_t size);
/* Move to size bytes of the heap, the first keep kept (keep at most the
 * old and new sizes): realloc once owned; the first move leaves the
 * borrowed memory to its lender.  0, or -1 (ENOMEM) with the buffer as
 * it was. */
int	 fa_buf_resize(struct fa_buf *, size_t size, size_t keep);
/* Free what is owned; the buffer is empty after. */
void	 fa_buf_free(struct fa_buf *);

#endif
