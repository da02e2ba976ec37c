/* SPDX-License-Identifier: ISC */
/* jw.c: the streaming JSON writer (jw.h).  Building a jansson tree and
 * dumping it took 70% of analyze's time on the NDJSON benchmark; writing
 * the text directly does the same work once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/addr.h"
#include "ftpaudit/fmt.h"
#include "ftpaudit/jw.h"

void
jw_init(struct jw *w, bool pretty)
{
	memset(w, 0, sizeof *w);
	w->pretty = pretty;
}

void
jw_reset(struct jw *w)
{
	w->len = 0;
	w->err = false;
	w->depth = 0;
	w->more[0] = false;
	w->after_key = false;
}

void
jw_free(struct jw *w)
{
	free(w->p);
	memset(w, 0, sizeof *w);
}

void
jw_next(struct jw *w)
{
	w->depth = 0;
	w->more[0] = false;
	w->after_key = false;
}

int
jw_flush(struct jw *w, FILE *f)
{
	if (w->err || (w->len > 0 && fwrite(w->p, 1, w->len, f) != w->len))
		return -1;
	w->len = 0;
	return 0;
}

static bool
grow(struct jw *w, size_t n)
{
	size_t ncap;
	char *np;

	for (ncap = w->cap ? w->cap : 4096; ncap < w->len + n; ncap *= 2)
		;
	if ((np = realloc(w->p, ncap)) == NULL) {
		w->err = true;
		return false;
	}
	w->p = np;
	w->cap = ncap;
	return true;
}

/* Inline: each value of a record comes here, and it almost never grows. */
static inline bool
reserve(struct jw *w, size_t n)
{
	return w->len + n <= w->cap || grow(w, n);
}

static inline void
put(struct jw *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

/* A line's end and the indentation of depth 31 at most, copied whole
 * and cut to the depth: one fixed copy, where memset of the depth's
 * spaces cost a tenth of -F json's writing. */
const char jw_indent[JW_INDENT] = "\n"
    "                               "
    "                                ";

/* Pretty only: a line's end and depth d's indentation at q. */
static char *
indent(const struct jw *w, char *q, int d)
{
	if (!w->pretty)
		return q;
	memcpy(q, jw_indent, JW_INDENT);
	return q + 1 + 2 * d;
}

static void
newline(struct jw *w)
{
	if (!w->pretty || !reserve(w, JW_INDENT))
		return;
	w->len = (size_t)(indent(w, w->p + w->len, w->depth) - w->p);
}

/* Before a value: the comma and the indentation, unless a key came first.
 * Inline: every key and value comes here. */
static inline void
sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->more[w->depth])
		put(w, ",", 1);
	w->more[w->depth] = true;
	if (w->pretty && w->depth > 0)
		newline(w);
}

static void
open(struct jw *w, char c)
{
	sep(w);
	put(w, &c, 1);
	if (w->depth + 1 >= JW_MAXDEPTH) {
		w->err = true;
		return;
	}
	w->more[++w->depth] = false;
}

static void
close_(struct jw *w, char c)
{
	bool any;

	if (w->depth == 0) {
		w->err = true;
		return;
	}
	any = w->more[w->depth--];
	if (any)
		newline(w);
	put(w, &c, 1);
}

void jw_obj(struct jw *w) { open(w, '{'); }
void jw_arr(struct jw *w) { open(w, '['); }
void jw_end_obj(struct jw *w) { close_(w, '}'); }
void jw_end_arr(struct jw *w) { close_(w, ']'); }

/* JSON string escaping of bytes already known to be valid UTF-8. */
static void
put_escaped(struct jw *w, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', '0', '0', 0, 0 };
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] != '"' && p[i] != '\\' && p[i] != 0x7f)
			continue;
		put(w, (const char *)p + start, i - start);
		start = i + 1;
		switch (p[i]) {
		case '"': put(w, "\\\"", 2); break;
		case '\\': put(w, "\\\\", 2); break;
		case '\n': put(w, "\\n", 2); break;
		case '\r': put(w, "\\r", 2); break;
		case '\t': put(w, "\\t", 2); break;
		default:
			e[4] = hex[p[i] >> 4];
			e[5] = hex[p[i] & 15];
			put(w, e, 6);
		}
	}
	put(w, (const char *)p + start, n - start);
}

/* s, which needs no escape, between quotes, with room for extra bytes
 * after them; false when out of memory. */
static inline bool
quoted(struct jw *w, const char *s, size_t n, size_t extra)
{
	if (!reserve(w, n + 2 + extra))
		return false;
	w->p[w->len++] = '"';
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len++] = '"';
	return true;
}

/* Keys are the report's own ASCII names: nothing to escape. */
void
jw_keyn(struct jw *w, const char *key, size_t n)
{
	sep(w);
	if (!quoted(w, key, n, 2))
		return;
	w->p[w->len++] = ':';
	if (w->pretty)
		w->p[w->len++] = ' ';
	w->after_key = true;
}

void
jw_litn(struct jw *w, const char *s, size_t n)
{
	sep(w);
	(void)quoted(w, s, n, 0);
}


/* Length of the valid UTF-8 sequence at p (1 for ASCII), or 0 (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF). */
size_t
jw_utf8_len(const uint8_t *p, size_t len)
{
	uint8_t c = p[0];
	uint32_t cp;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* fmt_plain8 for four bytes, with the quote. */
static inline bool
plain4(uint32_t v)
{
	const uint32_t ones = 0x01010101U, high = ones << 7;
	uint32_t q = v ^ (ones * '"'), b = v ^ (ones * '\\'), d = v ^ (ones * 0x7f);

	return ((v | (v - ones * 0x20) | (q - ones) | (b - ones) | (d - ones)) &
	    high) == 0;
}

static inline bool
plain1(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* The rest of a jw_strn from i, where a byte needs a second look. */
static void __attribute__((noinline))
str_rest(struct jw *w, const uint8_t *p, size_t len, size_t i)
{
	size_t start = i, k;

	while (i < len) {
		if (plain1(p[i])) {
			i++;
			continue;
		}
		if (p[i] >= 0x80 && (k = jw_utf8_len(p + i, len - i)) > 1) {
			i += k;
			continue;
		}
		put(w, (const char *)p + start, i - start);
		if (p[i] >= 0x80)
			put(w, "\\ufffd", 6);	/* not UTF-8: U+FFFD */
		else
			put_escaped(w, p + i, 1);	/* a control, a quote */
		start = ++i;
	}
	put(w, (const char *)p + start, len - start);
	put(w, "\"", 1);
}

void
jw_strn(struct jw *w, const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i;
	char *q;

	sep(w);
	if (!reserve(w, len + 2))
		return;
	q = w->p + w->len;
	*q++ = '"';
	for (i = 0; i < len && plain1(p[i]); i++)
		q[i] = (char)p[i];
	w->len += 1 + i;
	if (i < len) {
		str_rest(w, p, len, i);
		return;
	}
	w->p[w->len++] = '"';
}

/*
 * The rest of p from i, where a byte needs a second look: the bytes before
 * i are written, the opening quote too.  Out of line, so that the common
 * case saves no registers for it.
 */
static void __attribute__((noinline))
wire_rest(struct jw *w, const uint8_t *p, size_t len, size_t i)
{
	static const char hex[] = "0123456789abcdef";
	char x[6] = { '\\', '\\', 'x', 0, 0, 0 };
	size_t start = i, k;

	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x80 && p[i] != '\\' && p[i] != '"' &&
		    p[i] != 0x7f) {
			i++;
			continue;
		}
		if (p[i] != 0 && p[i] != '\\' && (k = jw_utf8_len(p + i, len - i)) > 0) {
			if (k > 1) {
				i += k;
				continue;
			}
			put(w, (const char *)p + start, i - start);
			put_escaped(w, p + i, 1);	/* a control or a quote */
			start = ++i;
			continue;
		}
		put(w, (const char *)p + start, i - start);
		if (p[i] == '\\')
			put(w, "\\\\\\\\", 4);	/* JSON for two backslashes */
		else {
			x[3] = hex[p[i] >> 4];
			x[4] = hex[p[i] & 15];
			put(w, x, 5);
		}
		start = ++i;
	}
	put(w, (const char *)p + start, len - start);
	put(w, "\"", 1);
}

/* The reversible escaping (jw.h), with a fast path for the text that
 * needs none. */
void
jw_wire(struct jw *w, const uint8_t *p, size_t len)
{
	size_t i = 0;
	uint64_t v;
	uint32_t h, t;
	char *q;

	sep(w);
	/* Most text needs no escape: copy it as it is checked. */
	if (!reserve(w, len + 2))
		return;
	q = w->p + w->len;
	*q++ = '"';
	if (len >= 8) {
		for (; i + 8 <= len; i += 8) {
			memcpy(&v, p + i, 8);
			if (!fmt_plain8(v, '"'))
				break;
			memcpy(q + i, &v, 8);
		}
		/* The last few bytes as the word that ends the text,
		 * overlapping what is already checked and copied. */
		if (i < len && i + 8 > len) {
			memcpy(&v, p + len - 8, 8);
			if (fmt_plain8(v, '"')) {
				memcpy(q + len - 8, &v, 8);
				i = len;
			}
		}
	} else if (len >= 4) {
		/* A verb, a short name: its first four bytes and its last
		 * four, overlapping.  Byte by byte it cost 15 instructions a
		 * byte. */
		memcpy(&h, p, 4);
		memcpy(&t, p + len - 4, 4);
		if (plain4(h) && plain4(t)) {
			memcpy(q, &h, 4);
			memcpy(q + len - 4, &t, 4);
			i = len;
		}
	}
	for (; i < len && plain1(p[i]); i++)
		q[i] = (char)p[i];
	w->len += 1 + i;
	if (i < len) {
		wire_rest(w, p, len, i);
		return;
	}
	w->p[w->len++] = '"';
}

void
jw_int(struct jw *w, int64_t v)
{
	if (v >= 0) {
		jw_uint(w, (uint64_t)v);
		return;
	}
	sep(w);
	put(w, "-", 1);
	w->after_key = true;	/* the digits follow without a separator */
	jw_uint(w, (uint64_t)0 - (uint64_t)v);
}

void
jw_uint(struct jw *w, uint64_t v)
{
	/* The digits end at b + 20; the 16 bytes after let a number of up
	 * to 16 digits go out as one fixed copy, not a call to memcpy. */
	char b[36], *e = b + 20, *s;
	size_t n;

	sep(w);
	if (v < 10) {
		if (reserve(w, 1))
			w->p[w->len++] = (char)('0' + v);
		return;
	}
	memset(e, 0, 16);
	s = fmt_uint(e, v);
	if ((n = (size_t)(e - s)) > 16 || !reserve(w, 16)) {
		put(w, s, n);
		return;
	}
	memcpy(w->p + w->len, s, 16);
	w->len += n;
}

void
jw_real(struct jw *w, double v)
{
	char b[32];

	sep(w);
	put(w, b, (size_t)snprintf(b, sizeof b, "%.6f", v));
}

void
jw_usecs(struct jw *w, uint64_t us)
{
	char b[32], *e = b + sizeof b, *q = e;
	uint64_t s = us / 1000000, f = us % 1000000;
	int i;

	/* Exact while a double holds us / 1e6 to within half a microsecond:
	 * far beyond any duration in a capture. */
	if (us >= (uint64_t)1 << 52) {
		jw_real(w, (double)us / 1e6);
		return;
	}
	for (i = 0; i < 6; i++, f /= 10)
		*--q = (char)('0' + f % 10);
	*--q = '.';
	do
		*--q = (char)('0' + s % 10);
	while ((s /= 10) != 0);
	sep(w);
	put(w, q, (size_t)(e - q));
}

void
jw_bool(struct jw *w, bool v)
{
	sep(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void
jw_null(struct jw *w)
{
	sep(w);
	put(w, "null", 4);
}

void
jw_ts(struct jw *w, uint64_t ts_us)
{
	sep(w);
	if (!reserve(w, FA_TSLEN + 2))
		return;
	w->p[w->len++] = '"';
	(void)fmt_ts(ts_us, w->p + w->len);
	w->len += FA_TSCHARS;
	w->p[w->len++] = '"';
}

void
jw_raw(struct jw *w, const char *s, size_t len)
{
	sep(w);
	put(w, s, len);
}

void
jw_members(struct jw *w, const char *s, size_t len)
{
	if (w->pretty || w->after_key || w->depth == 0) {
		w->err = true;
		return;
	}
	if (len == 0)
		return;
	sep(w);
	put(w, s, len);
}

void
jw_text(struct jw *w, const char *s, size_t len)
{
	put(w, s, len);
}

/* ip's text, from the last two or formatted in place of the older. */
static const struct jw_addr *
addr_text(struct jw *w, const struct fa_addr *ip)
{
	struct jw_addr *x;
	unsigned i;

	for (i = 0; i < 2; i++)
		if (memcmp(&w->addrs[i].ip, ip, sizeof *ip) == 0)
			return &w->addrs[i];
	x = &w->addrs[w->addr_next];
	w->addr_next ^= 1;
	x->ip = *ip;
	x->len = (uint8_t)fa_addr_fmt(ip, x->s);
	return x;
}

/*
 * x's text at q, which has room for FA_ADDRSTRLEN bytes.  A text of 16
 * bytes or fewer (every IPv4 address) goes as one fixed copy of 16, the
 * rest overwritten after: copied by its length, it was a string
 * instruction whose start-up took two thirds of jw_endpoint's time.  x->s
 * is all defined: jw_init zeroed it.
 */
static inline char *
addr_at(char *q, const struct jw_addr *x)
{
	if (x->len <= 16)
		memcpy(q, x->s, 16);
	else
		memcpy(q, x->s, x->len);
	return q + x->len;
}

void
jw_addr(struct jw *w, const struct fa_addr *ip)
{
	const struct jw_addr *x;
	char *q;

	if (ip->family == FA_AF_NONE) {
		jw_null(w);
		return;
	}
	/* An address's text needs no escape. */
	x = addr_text(w, ip);
	sep(w);
	if (!reserve(w, FA_ADDRSTRLEN + 2))
		return;
	q = w->p + w->len;
	*q++ = '"';
	q = addr_at(q, x);
	*q++ = '"';
	w->len = (size_t)(q - w->p);
}

/* A key and its colon at q. */
static char *
key_at(const struct jw *w, char *q, const char *key, size_t n)
{
	memcpy(q, key, n);
	q += n;
	*q++ = ':';
	if (w->pretty)
		*q++ = ' ';
	return q;
}

/*
 * {"ip": address, "port": number}, written in one piece: the same text as
 * jw_obj, two jw_keys, the values and jw_end_obj, which cost 300
 * instructions an endpoint, and a session's record names about ten.
 */
void
jw_endpoint(struct jw *w, const struct fa_endpoint *ep, bool port_known)
{
	const struct jw_addr *x = NULL;
	char b[8], *e = b + sizeof b, *s, *q;

	if (w->depth + 1 >= JW_MAXDEPTH) {
		jw_obj(w);	/* too deep: sets w->err */
		return;
	}
	if (ep->ip.family != FA_AF_NONE)
		x = addr_text(w, &ep->ip);
	s = port_known ? fmt_uint(e, ep->port) : memcpy(e - 4, "null", 4);
	sep(w);
	if (!reserve(w, 3 * JW_INDENT + FA_ADDRSTRLEN + 32))
		return;
	q = w->p + w->len;
	*q++ = '{';
	q = key_at(w, indent(w, q, w->depth + 1), "\"ip\"", 4);
	if (x == NULL) {
		memcpy(q, "null", 4);
		q += 4;
	} else {
		*q++ = '"';
		q = addr_at(q, x);
		*q++ = '"';
	}
	*q++ = ',';
	q = key_at(w, indent(w, q, w->depth + 1), "\"port\"", 6);
	memcpy(q, s, (size_t)(e - s));
	q = indent(w, q + (e - s), w->depth);
	*q++ = '}';
	w->len = (size_t)(q - w->p);
}
