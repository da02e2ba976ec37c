/* SPDX-License-Identifier: ISC */
/* buf.c: borrowed first, owned after (buf.h). */
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/buf.h"

void
fa_buf_borrow(struct fa_buf *b, void *p, size_t size)
{
	b->p = p;
	b->size = size;
	b->owned = false;
}

int
fa_buf_resize(struct fa_buf *b, size_t size, size_t keep)
{
	void *p;

	if (b->owned)
		p = realloc(b->p, size);
	else if ((p = malloc(size)) != NULL && keep != 0)
		memcpy(p, b->p, keep);
	if (p == NULL)
		return -1;
	b->p = p;
	b->size = size;
	b->owned = true;
	return 0;
}

void
fa_buf_free(struct fa_buf *b)
{
	if (b->owned)
		free(b->p);
	memset(b, 0, sizeof *b);
}
