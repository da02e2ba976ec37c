/* SPDX-License-Identifier: ISC */
/* fmt.c: numbers, times, endpoints and wire bytes as text for the
 * writers (jw.c, the text reports, the live view). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/fmt.h"
#include "ftpaudit/session.h"

/* Two digits of v (below 100) at p. */
static inline void
put2(char *p, uint32_t v)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930313233"
	    "34353637383940414243444546474849505152535455565758596061626364656667"
	    "6869707172737475767778798081828384858687888990919293949596979899";

	memcpy(p, pairs + 2 * v, 2);
}

/* The decimal digits of v, ending at end; where they start.  Two at a
 * time from the table: a division and a store for each digit were the
 * writer's second cost after the strings. */
char *
fmt_uint(char *end, uint64_t v)
{
	uint32_t x;

	while (v > UINT32_MAX) {
		end -= 2;
		put2(end, (uint32_t)(v % 100));
		v /= 100;
	}
	/* Ports, codes and counts: 32-bit divisions cost less. */
	for (x = (uint32_t)v; x >= 100; x /= 100) {
		end -= 2;
		put2(end, x % 100);
	}
	if (x >= 10) {
		end -= 2;
		put2(end, x);
	} else
		*--end = (char)('0' + x);
	return end;
}

size_t
fmt_endpoint(char *buf, const struct fa_endpoint *ep, bool port_known)
{
	char *q = buf, *e;
	size_t n;

	if (ep->ip.family == FA_AF_INET6)
		*q++ = '[';
	q += fa_addr_fmt(&ep->ip, q);
	if (ep->ip.family == FA_AF_INET6)
		*q++ = ']';
	if (port_known) {
		*q++ = ':';
		e = q + 5;
		n = (size_t)(e - fmt_uint(e, ep->port));
		memmove(q, e - n, n);
		q += n;
	}
	return (size_t)(q - buf);
}

/*
 * "YYYY-MM-DDTHH:MM:SS." for a second since 1970, in the proleptic
 * Gregorian calendar gmtime() uses (H. Hinnant's civil_from_days).
 */
static void
fmt_second(uint64_t t, char *p)
{
	uint64_t z = t / 86400 + 719468, era = z / 146097, doe = z % 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;
	uint32_t d = (uint32_t)(doy - (153 * mp + 2) / 5 + 1);
	uint32_t m = (uint32_t)(mp < 10 ? mp + 3 : mp - 9);
	uint32_t y = (uint32_t)(yoe + era * 400 + (m <= 2));
	uint32_t sod = (uint32_t)(t % 86400);

	put2(p, y / 100);
	put2(p + 2, y % 100);
	p[4] = '-';
	put2(p + 5, m);
	p[7] = '-';
	put2(p + 8, d);
	p[10] = 'T';
	put2(p + 11, sod / 3600);
	p[13] = ':';
	put2(p + 14, sod / 60 % 60);
	p[16] = ':';
	put2(p + 17, sod % 60);
	p[19] = '.';
}

/*
 * Timestamps come in runs within the same second: the calendar part is
 * kept from one call to the next, the microseconds written two digits at
 * a time.  Through gmtime_r and snprintf this was a tenth of the NDJSON
 * writer's time.  The cache is per thread: a sink queue's writer formats
 * too (sinkq.c).
 */
const char *
fmt_ts(uint64_t ts_us, char *buf)
{
	static _Thread_local uint64_t last = UINT64_MAX;
	static _Thread_local char prefix[20];
	uint64_t t = ts_us / 1000000;
	uint32_t us = (uint32_t)(ts_us % 1000000);

	/* RFC 3339 has four-digit years: clamp what a corrupt capture may
	 * claim. */
	if (t > 253402300799ULL)
		t = 253402300799ULL;
	if (t != last) {
		fmt_second(t, prefix);
		last = t;
	}
	memcpy(buf, prefix, sizeof prefix);
	put2(buf + 20, us / 10000);
	put2(buf + 22, us / 100 % 100);
	put2(buf + 24, us % 100);
	buf[26] = 'Z';
	buf[27] = '\0';
	return buf;
}

/* Printable ASCII for a terminal: anything else, and the backslash, as
 * \xHH, so escape sequences from the wire can never reach it. */
char *
sanitize(const uint8_t *p, size_t len)
{
	return fa_escape(p, len, len);
}

/*
 * The text report printed two or three numbers a line through printf's
 * floating point, a sixth of its writing.  Integer arithmetic writes the
 * same digits: us / 1e6 as a double is within 2^-53 of the exact
 * quotient, far closer than the 1e-6 between it and a rounding boundary,
 * except when it lies exactly on one (us % 1000 == 500), where printf
 * rounds the double itself: that case, and values beyond 2^52, go to
 * printf.
 */
const char *
fmt_ms(char *buf, uint64_t us)
{
	char *e = buf + FMT_NUMLEN - 1, *q;
	uint64_t ms;

	if (us >= (uint64_t)1 << 52 || us % 1000 == 500) {
		snprintf(buf, FMT_NUMLEN, "%.3f", (double)us / 1e6);
		return buf;
	}
	ms = us / 1000 + (us % 1000 > 500);
	*e = '\0';
	q = fmt_uint(e, 1000 + ms % 1000);	/* "1ddd": the three digits */
	q[0] = '.';
	q = fmt_uint(q, ms / 1000);
	memmove(buf, q, (size_t)(e - q) + 1);
	return buf;
}

/* n / 1024^u is exact in binary, so printf's "%.1f" of it rounds the
 * exact quotient: to nearest, a tie to even. */
const char *
fmt_human(char *buf, uint64_t n)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	uint64_t d = 1, q, r;
	int u = 0;
	char *e = buf + FMT_NUMLEN, *p;

	if (n >= (uint64_t)1 << 53) {
		double v = (double)n;

		while (v >= 1024 && u < 4) {
			v /= 1024;
			u++;
		}
		snprintf(buf, FMT_NUMLEN, "%.1f %s", v, unit[u]);
		return buf;
	}
	while (u < 4 && n >= 1024 * d) {
		d *= 1024;
		u++;
	}
	if (u == 0) {
		p = fmt_uint(e - 3, n);
		memcpy(e - 3, " B", 3);
		memmove(buf, p, (size_t)(e - p));
		return buf;
	}
	q = n * 10 / d;
	r = n * 10 % d;
	if (2 * r > d || (2 * r == d && (q & 1)))
		q++;
	p = fmt_uint(e - 8, 10 + q % 10);	/* "1d": the decimal */
	p[0] = '.';
	p = fmt_uint(p, q / 10);
	/* Not snprintf: the text report asks for a size at every transfer,
	 * and snprintf was nine tenths of this function. */
	e[-8] = ' ';
	memcpy(e - 7, unit[u], strlen(unit[u]) + 1);
	memmove(buf, p, strlen(p) + 1);
	return buf;
}
