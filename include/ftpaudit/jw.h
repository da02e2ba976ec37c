/* jw.h: a small streaming JSON writer into a growable buffer: the report
 * writers' fast path (no object tree, one write per document). */
#ifndef FTPAUDIT_JW_H
#define FTPAUDIT_JW_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
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
	char		*p;		/* owned */
	size_t		 len, cap;
	bool		 err;		/* out of memory or nesting too deep */
	bool		 pretty;	/* two-space indentation */
	int		 depth;
	bool		 more[JW_MAXDEPTH];	/* an element was written at this depth */
	bool		 after_key;
	struct jw_addr	 addrs[2];	/* the last two written */
	unsigned	 addr_next;	/* the one to replace */
};

void	 jw_init(struct jw *, bool pretty);
size_t	 jw_utf8_len(const uint8_t *p, size_t len);
void	 jw_reset(struct jw *);		/* empty the buffer, keep its memory */
void	 jw_free(struct jw *);
void	 jw_obj(struct jw *);
void	 jw_arr(struct jw *);
void	 jw_end_obj(struct jw *);
void	 jw_end_arr(struct jw *);
void	 jw_keyn(struct jw *, const char *key, size_t len);
/* Keys are the report's own ASCII names: nothing to escape.  Inline, so
 * that a literal key's length and copy are known when compiling (a report
 * writes a key for every value). */
static inline void
jw_key(struct jw *w, const char *key)
{
	size_t n = strlen(key);
	char *q;

	if (w->pretty || w->after_key || w->len + n + 4 > w->cap) {
		jw_keyn(w, key, n);
		return;
	}
	q = w->p + w->len;
	if (w->more[w->depth])
		*q++ = ',';
	w->more[w->depth] = true;
	*q++ = '"';
	memcpy(q, key, n);
	q += n;
	*q++ = '"';
	*q++ = ':';
	w->len = (size_t)(q - w->p);
	w->after_key = true;
}
void	 jw_str(struct jw *, const char *s);	/* a C string (escaped) */
void	 jw_litn(struct jw *, const char *s, size_t len);
/* A string of the report's own, printable ASCII without a quote or a
 * backslash (the name of a state, "tcp", a rule's "R12"): written as it
 * is.  Nothing from the wire comes here; that is jw_str and jw_wire. */
static inline void
jw_lit(struct jw *w, const char *s)
{
	jw_litn(w, s, strlen(s));
}
/* Wire bytes with the report's reversible escaping (see json_wire). */
void	 jw_wire(struct jw *, const uint8_t *p, size_t len);
void	 jw_int(struct jw *, int64_t);
void	 jw_uint(struct jw *, uint64_t);
void	 jw_real(struct jw *, double);
/* Microseconds as seconds with six decimals: printf's "%.6f" of us / 1e6. */
void	 jw_usecs(struct jw *, uint64_t us);
void	 jw_bool(struct jw *, bool);
void	 jw_null(struct jw *);
void	 jw_ts(struct jw *, uint64_t ts_us);	/* RFC 3339 UTC, microseconds */
/* An already serialised JSON value, written as it is. */
void	 jw_raw(struct jw *, const char *s, size_t len);
struct fa_endpoint;
void	 jw_endpoint(struct jw *, const struct fa_endpoint *, bool port_known);
/* Bytes outside the JSON structure (a line end between documents). */
void	 jw_text(struct jw *, const char *s, size_t len);

#endif
