/* SPDX-License-Identifier: ISC */
/*
 * tw.h: text gathered in a buffer and handed to stdio a block at a time.
 * A session of the text report made over a hundred calls into stdio, each
 * about 120 instructions through fwrite's locking and xsputn: a tenth of
 * all that `analyze -F text` did.  The writer is a plain struct, made on
 * the stack around one piece of text and flushed at its end.
 */
#ifndef FTPAUDIT_TW_H
#define FTPAUDIT_TW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ftpaudit/addr.h"

struct tw {
	FILE		*f;	/* borrowed */
	size_t		 n;
	char		 b[4096];
};

void	 tw_init(struct tw *, FILE *);
/* What is gathered, to f: nothing is written until this or a full buffer.
 * Errors show in ferror(f), as they did when writing to f directly. */
void	 tw_flush(struct tw *);
void	 tw_write(struct tw *, const void *, size_t);
void	 tw_printf(struct tw *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* v in decimal, then spaces to width ("%-*llu"); s, then spaces to width
 * ("%-*s"); n spaces. */
void	 tw_uint(struct tw *, uint64_t v, int width);
void	 tw_pad(struct tw *, const char *s, int width);
void	 tw_spaces(struct tw *, size_t n);
/* fmt_endpoint's text. */
void	 tw_endpoint(struct tw *, const struct fa_endpoint *, bool port_known);
/* Wire bytes as sanitize() escapes them, with no copy. */
void	 tw_wire(struct tw *, const uint8_t *p, size_t len);

static inline void
tw_put(struct tw *w, const char *s, size_t n)
{
	if (n > sizeof w->b - w->n) {
		tw_write(w, s, n);
		return;
	}
	memcpy(w->b + w->n, s, n);
	w->n += n;
}

static inline void
tw_puts(struct tw *w, const char *s)
{
	tw_put(w, s, strlen(s));
}

static inline void
tw_putc(struct tw *w, char c)
{
	if (w->n == sizeof w->b)
		tw_flush(w);
	w->b[w->n++] = c;
}

#endif
