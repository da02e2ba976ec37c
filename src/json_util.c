/* json_util.c: how wire bytes, times and addresses become JSON. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ftpaudit/jw.h"
#include "ftpaudit/report.h"

/*
 * Wire bytes as a JSON string, reversibly: valid UTF-8 is kept, a
 * backslash is written as two backslashes, and every byte that is not part
 * of valid UTF-8 as a backslash, 'x' and two lower-case hex digits.
 */
json_t *
json_wire(const uint8_t *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, n = 0, k;
	json_t *j;
	char *out;

	if (p == NULL)
		return json_string("");
	if ((out = malloc(len * 4 + 1)) == NULL)
		return NULL;
	while (i < len) {
		if (p[i] == '\\') {
			out[n++] = '\\';
			out[n++] = '\\';
			i++;
		} else if (p[i] != 0 && (k = jw_utf8_len(p + i, len - i)) > 0) {
			memcpy(out + n, p + i, k);
			n += k;
			i += k;
		} else {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[p[i] >> 4];
			out[n++] = hex[p[i] & 15];
			i++;
		}
	}
	j = json_stringn(out, n);
	free(out);
	return j;
}

/*
 * Timestamps come in runs within the same second: the calendar part is
 * formatted once per second and the microseconds written by hand, which
 * took a tenth of the NDJSON writer's time through snprintf.  The cache is
 * per thread: a sink queue's writer formats too (sinkq.c).
 */
const char *
fmt_ts(uint64_t ts_us, char *buf)
{
	static _Thread_local time_t last = -1;
	static _Thread_local char prefix[FA_TSLEN];
	static _Thread_local size_t plen;
	time_t t = (time_t)(ts_us / 1000000);
	uint32_t us = (uint32_t)(ts_us % 1000000);
	struct tm tm;
	int i;

	if (t != last) {
		/* RFC 3339 has four-digit years: clamp what a corrupt
		 * capture may claim. */
		if (t > (time_t)253402300799LL)
			t = (time_t)253402300799LL;
		if (gmtime_r(&t, &tm) == NULL)
			memset(&tm, 0, sizeof tm), tm.tm_year = 70, tm.tm_mday = 1;
		plen = (size_t)snprintf(prefix, sizeof prefix,
		    "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (plen >= sizeof prefix - 8)
			plen = sizeof prefix - 8;
		last = t;
	}
	memcpy(buf, prefix, plen);
	for (i = 5; i >= 0; i--, us /= 10)
		buf[plen + (size_t)i] = (char)('0' + us % 10);
	buf[plen + 6] = 'Z';
	buf[plen + 7] = '\0';
	return buf;
}

/* Growable buffer for json_dump_callback: one write per document instead
 * of one stdio call per token. */
struct dumpbuf {
	char	*p;
	size_t	 len, cap;
};

static int
dump_cb(const char *s, size_t n, void *arg)
{
	struct dumpbuf *b = arg;
	size_t ncap;
	char *np;

	if (b->len + n > b->cap) {
		for (ncap = b->cap ? b->cap : 65536; ncap < b->len + n; ncap *= 2)
			;
		if ((np = realloc(b->p, ncap)) == NULL)
			return -1;
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

int
json_write_line(json_t *o, FILE *f, size_t flags)
{
	static struct dumpbuf b;	/* reused: the writer is single-threaded */

	b.len = 0;
	if (json_dump_callback(o, dump_cb, &b, flags) == -1 ||
	    dump_cb("\n", 1, &b) == -1)
		return -1;
	return fwrite(b.p, 1, b.len, f) == b.len ? 0 : -1;
}

json_t *
json_ts(uint64_t ts_us)
{
	char buf[FA_TSLEN];

	return json_string(fmt_ts(ts_us, buf));
}

json_t *
json_addr(const struct fa_addr *a)
{
	char buf[FA_ADDRSTRLEN];

	return json_string(fa_addr_str(a, buf));
}

json_t *
json_endpoint(const struct fa_endpoint *ep)
{
	return json_pack("{s:o, s:i}", "ip", json_addr(&ep->ip), "port",
	    (json_int_t)ep->port);
}

/* Printable ASCII for a terminal: anything else, and the backslash, as
 * \xHH, so escape sequences from the wire can never reach it. */
char *
sanitize(const uint8_t *p, size_t len)
{
	return fa_escape(p, len, len);
}
