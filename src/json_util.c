/* json_util.c: how wire bytes, times and addresses become JSON. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ftpaudit/report.h"

/* Length of the valid UTF-8 sequence at p, or 0 (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF). */
static size_t
utf8_seq(const uint8_t *p, size_t len)
{
	uint8_t c = p[0];
	size_t n, i;
	uint32_t cp;

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
		} else if (p[i] != 0 && (k = utf8_seq(p + i, len - i)) > 0) {
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

const char *
fmt_ts(uint64_t ts_us, char *buf)
{
	time_t t = (time_t)(ts_us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, FA_TSLEN, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (unsigned)(ts_us % 1000000));
	return buf;
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
	static const char hex[] = "0123456789abcdef";
	size_t i, n = 0;
	char *out;

	if ((out = malloc(len * 4 + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			out[n++] = (char)p[i];
		else {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[p[i] >> 4];
			out[n++] = hex[p[i] & 15];
		}
	}
	out[n] = '\0';
	return out;
}
