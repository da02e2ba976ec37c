/* SPDX-License-Identifier: ISC */
/*
 * jw.h: ftpaudit's one JSON writer.  Every JSON document and line the
 * tool writes goes through it (jansson only reads: nft -j).  It streams
 * text into a growable buffer, with no object tree: a caller opens
 * containers, writes keys and values in the order they should appear,
 * and hands the buffer to stdio when it likes (jw_flush).
 *
 * Use:
 *	struct jw w;
 *
 *	jw_init(&w, false);		// compact: one line, no spaces
 *	jw_obj(&w);
 *	jw_key(&w, "event"); jw_lit(&w, "stats");
 *	jw_key(&w, "ts"); jw_ts(&w, ts_us);
 *	jw_key(&w, "user"); jw_wire(&w, s->user.p, s->user.len);
 *	jw_end_obj(&w);
 *	jw_text(&w, "\n", 1);		// NDJSON: the line's end
 *	jw_next(&w);			// another line may follow
 *	if (jw_flush(&w, out) == -1)
 *		...			// out of memory, or the write failed
 *	jw_free(&w);
 *
 * Commas come by themselves: each value or key after the first at its
 * depth gets one.  A key must be followed by exactly one value (which may
 * be a container).  Pretty output (jw_init(w, true)) indents by two
 * spaces, puts each element and member on its own line, writes
 * "key": value and an empty container as {} or [].
 *
 * Strings: pick by where the bytes come from.
 *	jw_lit	the program's own names ("passive", "tcp"): printable ASCII
 *		with no quote or backslash, written without a check;
 *	jw_str	text that is not from the wire (a file name, a rule's
 *		comment): JSON's escaping, so the value read back is the
 *		same bytes; a byte that is not valid UTF-8 becomes U+FFFD;
 *	jw_wire	bytes from the wire (user names, paths, replies): the
 *		report's reversible escaping, so that every byte survives
 *		(see jw_wire below, and "Escaping of wire bytes" in
		ftpaudit(1)).
 *
 * Errors: out of memory or nesting deeper than JW_MAXDEPTH set w->err,
 * after which output is incomplete; check it (or jw_flush's result) once
 * at the end.  Not thread-safe: one writer per thread.
 */
#ifndef FTPAUDIT_JW_H
#define FTPAUDIT_JW_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ftpaudit/addr.h"

#define JW_MAXDEPTH	32

/* An address as text, kept: a report names a session's two addresses
 * many times over. */
struct jw_addr {
	struct fa_addr	 ip;
	uint8_t		 len;
	char		 s[FA_ADDRSTRLEN];
};

struct jw {
	char		*p;		/* owned: the text, not NUL-terminated */
	size_t		 len, cap;
	bool		 err;		/* out of memory or nesting too deep */
	bool		 pretty;	/* two-space indentation */
	int		 depth;
	bool		 more[JW_MAXDEPTH];	/* an element was written at this depth */
	bool		 after_key;
	struct jw_addr	 addrs[2];	/* the last two written */
	unsigned	 addr_next;	/* the one to replace */
};

/* Life: jw_init on a caller's struct; jw_free releases the buffer. */
void	 jw_init(struct jw *, bool pretty);
void	 jw_free(struct jw *);
/* Empty the buffer and forget the nesting, keeping the memory: the next
 * document (an NDJSON line) starts here. */
void	 jw_reset(struct jw *);
/* Another document follows in the buffer, after what is written (the
 * next NDJSON line): the nesting is forgotten, the text kept. */
void	 jw_next(struct jw *);
/* Write the buffer to f and empty it; the nesting stays, so a large
 * document can go out piece by piece.  0, or -1 when w->err is set or
 * the write failed. */
int	 jw_flush(struct jw *, FILE *f);

/* Containers. */
void	 jw_obj(struct jw *);
void	 jw_end_obj(struct jw *);
void	 jw_arr(struct jw *);
void	 jw_end_arr(struct jw *);

/* A member's name: the program's own ASCII, nothing to escape (no quote,
 * backslash or control).  Inline, so that a literal key's length and
 * copy are known when compiling: a report writes a key for every value,
 * and in -F json's pretty form the out-of-line path was a tenth of the
 * writing. */
#define JW_INDENT	64	/* "\n" and the spaces of JW_MAXDEPTH - 1 levels */
extern const char jw_indent[JW_INDENT];
void	 jw_keyn(struct jw *, const char *key, size_t len);
static inline void
jw_key(struct jw *w, const char *key)
{
	size_t n = strlen(key);
	char *q;

	if (w->after_key || w->depth == 0 ||
	    w->len + n + 5 + JW_INDENT > w->cap) {
		jw_keyn(w, key, n);
		return;
	}
	q = w->p + w->len;
	if (w->more[w->depth])
		*q++ = ',';
	w->more[w->depth] = true;
	if (w->pretty) {
		memcpy(q, jw_indent, JW_INDENT);
		q += 1 + 2 * w->depth;
	}
	*q++ = '"';
	memcpy(q, key, n);
	q += n;
	*q++ = '"';
	*q++ = ':';
	if (w->pretty)
		*q++ = ' ';
	w->len = (size_t)(q - w->p);
	w->after_key = true;
}

/* Strings (see above for which to use). */
void	 jw_litn(struct jw *, const char *s, size_t len);
static inline void
jw_lit(struct jw *w, const char *s)
{
	jw_litn(w, s, strlen(s));
}
void	 jw_strn(struct jw *, const char *s, size_t len);
static inline void
jw_str(struct jw *w, const char *s)
{
	jw_strn(w, s, strlen(s));
}
/*
 * Wire bytes, reversibly: valid UTF-8 is kept, a backslash becomes two
 * backslashes, a NUL or a byte outside valid UTF-8 becomes a backslash,
 * 'x' and two lower-case hex digits -- and then the result is escaped
 * for JSON.
 */
void	 jw_wire(struct jw *, const uint8_t *p, size_t len);
static inline void
jw_wire_str(struct jw *w, const char *s)
{
	jw_wire(w, (const uint8_t *)s, strlen(s));
}
/* Length of the valid UTF-8 sequence at p (1 for ASCII), or 0 (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF). */
size_t	 jw_utf8_len(const uint8_t *p, size_t len);

/* Numbers and the rest. */
void	 jw_int(struct jw *, int64_t);
void	 jw_uint(struct jw *, uint64_t);
void	 jw_real(struct jw *, double);		/* printf's "%.6f" */
/* Microseconds as seconds with six decimals: printf's "%.6f" of us / 1e6
 * (a duration; or a Unix time, as Zeek writes "ts"). */
void	 jw_usecs(struct jw *, uint64_t us);
void	 jw_bool(struct jw *, bool);
void	 jw_null(struct jw *);
/* "2026-11-25T16:49:01.123456Z": RFC 3339, UTC, microseconds. */
void	 jw_ts(struct jw *, uint64_t ts_us);
/* An address's text ("10.0.0.1", "2001:db8::1"), null for FA_AF_NONE. */
void	 jw_addr(struct jw *, const struct fa_addr *);
/* {"ip": address, "port": number}; the port is null unless port_known. */
void	 jw_endpoint(struct jw *, const struct fa_endpoint *, bool port_known);
/* An already serialised JSON value, written as it is. */
void	 jw_raw(struct jw *, const char *s, size_t len);
/* Members already serialised by a compact writer ("a":1,"b":"x", without
 * the braces), written into the open object as they are: what many
 * records repeat is made once.  Compact writers only (else w->err). */
void	 jw_members(struct jw *, const char *s, size_t len);
/* Bytes outside the JSON structure (a line's end between documents). */
void	 jw_text(struct jw *, const char *s, size_t len);

#endif
