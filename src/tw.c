/* SPDX-License-Identifier: ISC */
/* tw.c: text gathered in a buffer, written to stdio a block at a time. */
#include <stdarg.h>
#include <stdio.h>

#include "ftpaudit/fmt.h"
#include "ftpaudit/tw.h"

void
tw_init(struct tw *w, FILE *f)
{
	w->f = f;
	w->n = 0;
}

void
tw_flush(struct tw *w)
{
	if (w->n > 0)
		fwrite(w->b, 1, w->n, w->f);
	w->n = 0;
}

/* Longer than what is left: what is gathered first, then s, itself
 * gathered when it fits. */
void
tw_write(struct tw *w, const void *s, size_t n)
{
	tw_flush(w);
	if (n >= sizeof w->b) {
		fwrite(s, 1, n, w->f);
		return;
	}
	memcpy(w->b, s, n);
	w->n = n;
}

void
tw_printf(struct tw *w, const char *fmt, ...)
{
	size_t room = sizeof w->b - w->n;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(w->b + w->n, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < room) {
		w->n += (size_t)n;
		return;
	}
	/* Cut short: again after a flush, or straight to the file. */
	tw_flush(w);
	va_start(ap, fmt);
	if ((size_t)n < sizeof w->b)
		w->n = (size_t)vsnprintf(w->b, sizeof w->b, fmt, ap);
	else
		vfprintf(w->f, fmt, ap);
	va_end(ap);
}

void
tw_spaces(struct tw *w, size_t n)
{
	static const char sp[] = "                                        ";

	while (n > sizeof sp - 1) {
		tw_put(w, sp, sizeof sp - 1);
		n -= sizeof sp - 1;
	}
	tw_put(w, sp, n);
}

void
tw_uint(struct tw *w, uint64_t v, int width)
{
	char b[24], *e = b + sizeof b, *q = fmt_uint(e, v);

	tw_put(w, q, (size_t)(e - q));
	if (width > e - q)
		tw_spaces(w, (size_t)(width - (e - q)));
}

void
tw_pad(struct tw *w, const char *s, int width)
{
	size_t n = strlen(s);

	tw_put(w, s, n);
	if (width > 0 && (size_t)width > n)
		tw_spaces(w, (size_t)width - n);
}

void
tw_endpoint(struct tw *w, const struct fa_endpoint *ep, bool port_known)
{
	char b[FA_ENDPOINTLEN];

	tw_put(w, b, fmt_endpoint(b, ep, port_known));
}

void
tw_wire(struct tw *w, const uint8_t *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char x[4] = { '\\', 'x', 0, 0 };
	size_t i = 0, start = 0;
	uint64_t v;

	for (; i + 8 <= len; i += 8) {	/* the common case: nothing to escape */
		memcpy(&v, p + i, 8);
		if (!fmt_plain8(v, '\\'))
			break;
	}
	for (; i < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			continue;
		tw_put(w, (const char *)p + start, i - start);
		x[2] = hex[p[i] >> 4];
		x[3] = hex[p[i] & 15];
		tw_put(w, x, 4);
		start = i + 1;
	}
	tw_put(w, (const char *)p + start, len - start);
}
