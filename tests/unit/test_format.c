/* SPDX-License-Identifier: ISC */
/* test_format.c: the report's hand-written formatters against the C
 * library's.  fa_addr_str() writes what inet_ntop() writes: fixed cases
 * for each rule of the compressed form, then a million addresses with
 * zero words in every pattern; jw_usecs() writes printf's "%.6f";
 * fmt_ts() writes gmtime_r()'s calendar, fmt_ms() and fmt_human()
 * printf's "%.3f" and "%.1f"; jw_wire()'s word-at-a-time
 * scan escapes exactly as its byte-wise original did, jw_str() as a
 * plain loop does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "ftpaudit/addr.h"
#include "ftpaudit/jw.h"
#include "ftpaudit/tw.h"
#include "ftpaudit/fmt.h"
#include "ftpaudit/rules.h"
#include "ftpaudit/session.h"

static void
check(int family, const char *text, const char *want)
{
	struct fa_addr a;
	char buf[FA_ADDRSTRLEN];

	memset(&a, 0, sizeof a);
	a.family = family == AF_INET ? FA_AF_INET : FA_AF_INET6;
	assert_int_equal(inet_pton(family, text, a.a), 1);
	assert_string_equal(fa_addr_str(&a, buf), want);
}

static void
test_fixed(void **state)
{
	(void)state;
	check(AF_INET, "0.0.0.0", "0.0.0.0");
	check(AF_INET, "255.255.255.255", "255.255.255.255");
	check(AF_INET, "10.0.73.25", "10.0.73.25");
	check(AF_INET, "1.20.100.0", "1.20.100.0");
	check(AF_INET6, "::", "::");
	check(AF_INET6, "::1", "::1");
	check(AF_INET6, "::2", "::2");
	check(AF_INET6, "::ffff:1.2.3.4", "::ffff:1.2.3.4");
	check(AF_INET6, "::1.2.3.4", "::1.2.3.4");
	check(AF_INET6, "::ffff:0:1.2.3.4", "::ffff:0:102:304");
	check(AF_INET6, "1:0:0:2:0:0:3:4", "1::2:0:0:3:4");	/* first of a tie */
	check(AF_INET6, "1:0:2:0:0:0:3:4", "1:0:2::3:4");	/* the longest */
	check(AF_INET6, "1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7");	/* one: kept */
	check(AF_INET6, "0:0:1::", "0:0:1::");
	check(AF_INET6, "fe80::", "fe80::");
	check(AF_INET6, "2001:db8:c1::3aa", "2001:db8:c1::3aa");
	check(AF_INET6, "2001:DB8:F0:0:0:0:0:16", "2001:db8:f0::16");
	check(AF_INET6, "abcd:ef01:2345:6789:a:bc:def:f000",
	    "abcd:ef01:2345:6789:a:bc:def:f000");
}

/* Words drawn from {0, 0xffff, small, large} so that every layout of
 * zero runs and both dotted forms come up. */
static void
test_against_inet_ntop(void **state)
{
	struct fa_addr a;
	char got[FA_ADDRSTRLEN], want[INET6_ADDRSTRLEN];
	uint64_t rnd = 88172645463325252ULL;
	unsigned w, k, n;

	(void)state;
#ifndef __GLIBC__
	skip();		/* the form above is glibc's; others differ in corners */
#endif
	memset(&a, 0, sizeof a);
	for (n = 0; n < 1000000; n++) {
		a.family = n % 4 == 0 ? FA_AF_INET : FA_AF_INET6;
		for (k = 0; k < 8; k++) {
			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			switch (rnd & 3) {
			case 0: w = 0; break;
			case 1: w = (rnd >> 8) & 1 ? 0xffff : 0; break;
			case 2: w = (rnd >> 8) & 0xff; break;
			default: w = (rnd >> 16) & 0xffff; break;
			}
			a.a[2 * k] = (uint8_t)(w >> 8);
			a.a[2 * k + 1] = (uint8_t)w;
		}
		assert_non_null(inet_ntop(a.family == FA_AF_INET ? AF_INET :
		    AF_INET6, a.a, want, sizeof want));
		assert_string_equal(fa_addr_str(&a, got), want);
		assert_int_equal(fa_addr_fmt(&a, got), strlen(want));
	}
}

/* A name jw_lit writes as it is: jw_str would write it the same. */
static void
lit(const char *s)
{
	struct jw a, b;

	assert_non_null(s);
	jw_init(&a, false);
	jw_init(&b, false);
	jw_lit(&a, s);
	jw_str(&b, s);
	assert_false(a.err || b.err);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	jw_free(&a);
	jw_free(&b);
}

/* Every name the reports pass to jw_lit, and what the session's names
 * say of a value out of range. */
static void
test_lit_names(void **state)
{
	uint32_t bit;
	int i;

	(void)state;
	for (i = 0; i < 9; i++) {
		lit(fa_handshake_str((enum fa_handshake)i));
		lit(fa_mode_str((enum fa_mode)i));
		lit(fa_neg_str((enum fa_neg)i));
		lit(fa_xstatus_str((enum fa_xstatus)i));
		lit(fa_end_reason_str((enum fa_end_reason)i));
		lit(fa_login_str((enum fa_login)i));
	}
	for (i = RP_CONTROL; i <= RP_HELPER_RELATED; i++)
		lit(rules_purpose_str((enum rules_purpose)i));
	for (bit = 1; bit <= FA_HELPER_FAMILY; bit <<= 1)
		lit(rules_helper_note(bit));
	lit("server");
	lit("client");
	lit("tcp");
	lit("R4294967295");
}

/* jw_endpoint keeps the text of the last two addresses: whatever the
 * order they come in, each is written as fa_addr_str writes it. */
static void
test_endpoint_cache(void **state)
{
	struct fa_endpoint ep[4];
	struct jw w;
	char want[256], a[FA_ADDRSTRLEN];
	unsigned i, k;
	const unsigned order[] = { 0, 0, 1, 0, 2, 1, 3, 3, 2, 0, 1, 2, 3 };

	(void)state;
	memset(ep, 0, sizeof ep);
	ep[0].ip.family = FA_AF_INET;
	memcpy(ep[0].ip.a, "\x0a\x00\x00\x01", 4);
	ep[1].ip.family = FA_AF_INET6;
	memcpy(ep[1].ip.a, "\x0a\x00\x00\x01", 4);	/* same bytes, v6 */
	ep[2].ip.family = FA_AF_INET;
	memcpy(ep[2].ip.a, "\xc6\x12\x00\x14", 4);
	ep[3].ip.family = FA_AF_INET6;
	ep[3].ip.a[15] = 1;
	for (i = 0; i < 4; i++)
		ep[i].port = (uint16_t)(20 + i);
	jw_init(&w, false);
	for (k = 0; k < sizeof order / sizeof order[0]; k++) {
		i = order[k];
		jw_reset(&w);
		jw_endpoint(&w, &ep[i], true);
		snprintf(want, sizeof want, "{\"ip\":\"%s\",\"port\":%u}",
		    fa_addr_str(&ep[i].ip, a), ep[i].port);
		assert_false(w.err);
		assert_int_equal(w.len, strlen(want));
		assert_memory_equal(w.p, want, w.len);
	}
	jw_free(&w);
}

/* An endpoint the long way: what jw_endpoint writes in one piece. */
static void
endpoint_calls(struct jw *w, const struct fa_endpoint *ep, bool port_known)
{
	jw_obj(w);
	jw_key(w, "ip");
	jw_addr(w, &ep->ip);
	jw_key(w, "port");
	if (port_known)
		jw_uint(w, ep->port);
	else
		jw_null(w);
	jw_end_obj(w);
}

/* A document with endpoints as a member, after one and as array
 * elements, at two depths; via jw_endpoint when one is true. */
static void
endpoint_doc(struct jw *w, const struct fa_endpoint *ep, bool port_known,
    bool one)
{
	void (*put)(struct jw *, const struct fa_endpoint *, bool) =
	    one ? jw_endpoint : endpoint_calls;

	jw_obj(w);
	jw_key(w, "first");
	put(w, ep, port_known);
	jw_key(w, "n");
	jw_uint(w, 7);
	jw_key(w, "list");
	jw_arr(w);
	put(w, ep, port_known);
	put(w, ep, !port_known);
	jw_obj(w);
	jw_key(w, "deeper");
	put(w, ep, port_known);
	jw_end_obj(w);
	jw_end_arr(w);
	jw_end_obj(w);
	jw_text(w, "\n", 1);
	jw_next(w);
	put(w, ep, port_known);		/* a document of its own */
}

/* jw_endpoint's one piece is the text of the calls it stands for:
 * compact and pretty, v4, v6 and no address, port or null. */
static void
test_endpoint_forms(void **state)
{
	struct fa_endpoint ep[3];
	struct jw a, b;
	int i, pretty, known;

	(void)state;
	memset(ep, 0, sizeof ep);
	ep[0].ip.family = FA_AF_INET;
	memcpy(ep[0].ip.a, "\xc0\x00\x02\x01", 4);
	ep[0].port = 65535;
	ep[1].ip.family = FA_AF_INET6;
	ep[1].ip.a[0] = 0x20;
	ep[1].ip.a[1] = 0x01;
	ep[1].ip.a[15] = 9;
	ep[1].port = 21;
	ep[2].port = 0;			/* FA_AF_NONE: ip is null */
	for (i = 0; i < 3; i++)
		for (pretty = 0; pretty < 2; pretty++)
			for (known = 0; known < 2; known++) {
				jw_init(&a, pretty);
				jw_init(&b, pretty);
				endpoint_doc(&a, &ep[i], known, true);
				endpoint_doc(&b, &ep[i], known, false);
				assert_false(a.err);
				assert_false(b.err);
				assert_int_equal(a.len, b.len);
				assert_memory_equal(a.p, b.p, a.len);
				jw_free(&a);
				jw_free(&b);
			}
	/* Too deep for the object: an error, as jw_obj says. */
	jw_init(&a, false);
	for (i = 0; i < JW_MAXDEPTH - 1; i++)
		jw_arr(&a);
	assert_false(a.err);
	jw_endpoint(&a, &ep[0], true);
	assert_true(a.err);
	jw_free(&a);
}

/* jw_members: serialised members go in with the commas they need; a
 * pretty writer refuses them. */
static void
test_members(void **state)
{
	static const char want[] = "{\"a\":1,\"b\":\"x\",\"c\":2,"
	    "\"d\":{\"b\":\"x\",\"c\":2}}";
	static const char bc[] = "\"b\":\"x\",\"c\":2";
	struct jw w;

	(void)state;
	jw_init(&w, false);
	jw_obj(&w);
	jw_key(&w, "a");
	jw_uint(&w, 1);
	jw_members(&w, bc, strlen(bc));
	jw_members(&w, "", 0);
	jw_key(&w, "d");
	jw_obj(&w);
	jw_members(&w, bc, strlen(bc));
	jw_end_obj(&w);
	jw_end_obj(&w);
	assert_false(w.err);
	assert_int_equal(w.len, strlen(want));
	assert_memory_equal(w.p, want, w.len);
	jw_free(&w);

	jw_init(&w, true);
	jw_obj(&w);
	jw_members(&w, "\"b\":1", 5);
	assert_true(w.err);
	jw_free(&w);

	jw_init(&w, false);
	jw_members(&w, "\"b\":1", 5);		/* not in an object */
	assert_true(w.err);
	jw_free(&w);
}

static void
usecs(uint64_t us)
{
	struct jw w;
	char want[64];

	jw_init(&w, false);
	jw_usecs(&w, us);
	assert_false(w.err);
	snprintf(want, sizeof want, "%.6f", (double)us / 1e6);
	assert_int_equal(w.len, strlen(want));
	assert_memory_equal(w.p, want, w.len);
	jw_free(&w);
}

static void
test_usecs(void **state)
{
	uint64_t rnd = 2463534242ULL, us;
	int n;

	(void)state;
	usecs(0);
	usecs(1);
	usecs(999999);
	usecs(1000000);
	usecs(86400ULL * 365 * 1000000 + 7);
	usecs(((uint64_t)1 << 52) - 1);
	usecs((uint64_t)1 << 52);		/* through printf itself */
	usecs(UINT64_MAX);
	for (n = 0; n < 200000; n++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		us = rnd >> (rnd & 63);		/* every magnitude */
		usecs(us >> 11);
	}
}

/* jw_wire() as it was before its word-at-a-time fast path: byte by byte,
 * the reference the fast path must match exactly. */
static void
ref_escaped(char *out, size_t *n, uint8_t c)
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '"': memcpy(out + *n, "\\\"", 2); *n += 2; break;
	case '\\': memcpy(out + *n, "\\\\", 2); *n += 2; break;
	case '\n': memcpy(out + *n, "\\n", 2); *n += 2; break;
	case '\r': memcpy(out + *n, "\\r", 2); *n += 2; break;
	case '\t': memcpy(out + *n, "\\t", 2); *n += 2; break;
	default:
		memcpy(out + *n, "\\u00", 4);
		out[*n + 4] = hex[c >> 4];
		out[*n + 5] = hex[c & 15];
		*n += 6;
	}
}

static size_t
ref_wire(char *out, const uint8_t *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, n = 0, k;

	out[n++] = '"';
	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x80 && p[i] != '\\' && p[i] != '"' &&
		    p[i] != 0x7f) {
			out[n++] = (char)p[i++];
			continue;
		}
		if (p[i] != 0 && p[i] != '\\' &&
		    (k = jw_utf8_len(p + i, len - i)) > 0) {
			if (k > 1) {
				memcpy(out + n, p + i, k);
				n += k;
				i += k;
				continue;
			}
			ref_escaped(out, &n, p[i++]);
			continue;
		}
		if (p[i] == '\\') {
			memcpy(out + n, "\\\\\\\\", 4);
			n += 4;
		} else {
			memcpy(out + n, "\\\\x", 3);
			out[n + 3] = hex[p[i] >> 4];
			out[n + 4] = hex[p[i] & 15];
			n += 5;
		}
		i++;
	}
	out[n++] = '"';
	return n;
}

static void
wire(struct jw *w, const uint8_t *p, size_t len)
{
	char want[64 * 6 + 2];

	assert_true(len <= 64);
	jw_reset(w);
	jw_wire(w, p, len);
	assert_false(w->err);
	assert_int_equal(w->len, ref_wire(want, p, len));
	assert_memory_equal(w->p, want, w->len);
}

/* Every byte value at every place of a run of plain text, then random
 * strings drawn from the bytes that matter (plain text, each escape, each
 * UTF-8 lead and continuation byte). */
static void
test_wire(void **state)
{
	static const uint8_t pick[] = { 'a', 'Z', ' ', '~', '"', '\\', 0, 1,
	    '\n', '\r', '\t', 0x1f, 0x20, 0x7f, 0x80, 0xbf, 0xc2, 0xdf, 0xe0,
	    0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x8f, 0x90 };
	uint64_t rnd = 88172645463325252ULL;
	uint8_t b[64];
	struct jw w;
	size_t len, i;
	int c, n;

	(void)state;
	jw_init(&w, false);
	for (len = 0; len <= 24; len++)
		for (i = 0; i < len; i++)
			for (c = 0; c < 256; c++) {
				memset(b, 'x', len);
				b[i] = (uint8_t)c;
				wire(&w, b, len);
			}
	for (n = 0; n < 300000; n++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		len = rnd % 41;
		for (i = 0; i < len; i++) {
			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			/* mostly plain text, so words pass and fail */
			b[i] = rnd % 4 ? (uint8_t)(0x20 + rnd % 95) :
			    pick[(rnd >> 8) % sizeof pick];
		}
		wire(&w, b, len);
	}
	jw_free(&w);
}

/* jw_strn() as a plain loop: JSON's escaping of valid UTF-8, U+FFFD for
 * each byte outside it. */
static size_t
ref_str(char *out, const uint8_t *p, size_t len)
{
	size_t i = 0, n = 0, k;

	out[n++] = '"';
	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\') {
			out[n++] = (char)p[i++];
		} else if (p[i] >= 0x80 && (k = jw_utf8_len(p + i, len - i)) > 1) {
			memcpy(out + n, p + i, k);
			n += k;
			i += k;
		} else if (p[i] >= 0x80) {
			memcpy(out + n, "\\ufffd", 6);
			n += 6;
			i++;
		} else
			ref_escaped(out, &n, p[i++]);
	}
	out[n++] = '"';
	return n;
}

static void
str_is(struct jw *w, const uint8_t *p, size_t len)
{
	char want[64 * 6 + 2];

	assert_true(len <= 64);
	jw_reset(w);
	jw_strn(w, (const char *)p, len);
	assert_false(w->err);
	assert_int_equal(w->len, ref_str(want, p, len));
	assert_memory_equal(w->p, want, w->len);
}

/* jw_str: a backslash stays one (jw_wire doubles it), a control is
 * escaped, UTF-8 kept, a stray byte U+FFFD; then random strings of the
 * bytes that matter against the plain loop. */
static void
test_str(void **state)
{
	static const uint8_t pick[] = { 'a', ' ', '"', '\\', 0, 1, '\n', 0x1f,
	    0x7f, 0x80, 0xbf, 0xc2, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xed, 0xf0,
	    0x9f, 0xff };
	uint64_t rnd = 0x9e3779b97f4a7c15ULL;
	uint8_t b[64];
	struct jw w;
	size_t len, i;
	int n;

	(void)state;
	jw_init(&w, false);
	jw_str(&w, "a\\b \"q\" caf\xc3\xa9 \xff\x01");
	assert_false(w.err);
	assert_int_equal(w.len, strlen("\"a\\\\b \\\"q\\\" caf\xc3\xa9 \\ufffd\\u0001\""));
	assert_memory_equal(w.p, "\"a\\\\b \\\"q\\\" caf\xc3\xa9 \\ufffd\\u0001\"", w.len);
	for (n = 0; n < 300000; n++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		len = rnd % 41;
		for (i = 0; i < len; i++) {
			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			b[i] = rnd % 3 ? (uint8_t)(0x20 + rnd % 95) :
			    pick[(rnd >> 8) % sizeof pick];
		}
		str_is(&w, b, len);
	}
	jw_free(&w);
}

/* jw_flush hands the text out and empties the buffer; the nesting
 * stays, so a document can go out in pieces.  jw_addr: text, or null. */
static void
test_flush(void **state)
{
	struct fa_addr a;
	struct jw w;
	char *got;
	size_t len;
	FILE *f;

	(void)state;
	assert_non_null(f = open_memstream(&got, &len));
	jw_init(&w, false);
	jw_obj(&w);
	jw_key(&w, "a");
	jw_arr(&w);
	jw_uint(&w, 1);
	assert_int_equal(jw_flush(&w, f), 0);
	assert_int_equal(w.len, 0);
	jw_uint(&w, 2);
	memset(&a, 0, sizeof a);
	jw_addr(&w, &a);
	a.family = FA_AF_INET;
	memcpy(a.a, "\x0a\x00\x00\x01", 4);
	jw_addr(&w, &a);
	jw_end_arr(&w);
	jw_end_obj(&w);
	assert_int_equal(jw_flush(&w, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(got, "{\"a\":[1,2,null,\"10.0.0.1\"]}");
	free(got);
	w.err = true;
	assert_int_equal(jw_flush(&w, stdout), -1);
	jw_free(&w);
}

/* fmt_ts() writes what gmtime_r() and "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ"
 * write, up to the last second of 9999, where it stops. */
static void
ts(uint64_t us)
{
	char got[FA_TSLEN], want[FA_TSLEN];
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (t > (time_t)253402300799LL)
		t = (time_t)253402300799LL;
	assert_non_null(gmtime_r(&t, &tm));
	snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (unsigned)(us % 1000000));
	assert_string_equal(fmt_ts(us, got), want);
	assert_int_equal(strlen(got), FA_TSCHARS);	/* jw_ts counts on it */
}

static void
test_fmt_ts(void **state)
{
	uint64_t rnd = 0x9e3779b97f4a7c15ULL, day;
	int n;

	(void)state;
	ts(0);
	ts(951782400ULL * 1000000);		/* 2000-02-29 */
	ts(951868799ULL * 1000000 + 999999);	/* its last microsecond */
	ts(4107542400ULL * 1000000);		/* 2100-03-01: not a leap year */
	ts(253402300799ULL * 1000000 + 5);	/* 9999-12-31T23:59:59 */
	ts(253402300800ULL * 1000000 + 5);	/* clamped */
	ts(UINT64_MAX);
	/* Every day's first and last second to the year 2400, so every
	 * month end and leap rule, twice in a row (the cached day). */
	for (day = 0; day < 157000; day++) {
		ts(day * 86400 * 1000000);
		ts((day * 86400 + 86399) * 1000000 + 999999);
	}
	for (n = 0; n < 200000; n++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		ts(rnd % (253402300800ULL * 1000000));
	}
}

/* jw_uint() writes what "%llu" writes: each power of ten and its
 * neighbours, the extremes, and random values of every length. */
static void
uint_is(struct jw *w, uint64_t v)
{
	char want[32];

	jw_reset(w);
	jw_uint(w, v);
	assert_false(w->err);
	snprintf(want, sizeof want, "%llu", (unsigned long long)v);
	assert_int_equal(w->len, strlen(want));
	assert_memory_equal(w->p, want, w->len);
}

static void
test_uint(void **state)
{
	uint64_t rnd = 0x2545f4914f6cdd1dULL, p = 1;
	struct jw w;
	int i;

	(void)state;
	jw_init(&w, false);
	uint_is(&w, 0);
	uint_is(&w, UINT64_MAX);
	for (i = 0; i < 20; i++, p *= 10) {
		uint_is(&w, p - 1);
		uint_is(&w, p);
		uint_is(&w, p + 1);
	}
	for (i = 0; i < 200000; i++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		uint_is(&w, rnd >> (rnd % 64));
	}
	jw_free(&w);
}

/* tw_uint() and tw_pad() write what "%-*llu" and "%-*s" write. */
static void
test_fput(void **state)
{
	static const uint64_t v[] = { 0, 7, 21, 990, 12345, 65535, 999999,
	    UINT64_MAX };
	static const char *s[] = { "", "-", "R1", "control", "passive-data" };
	char *got, want[64];
	size_t len, i;
	int w;
	struct tw t;
	FILE *f;

	(void)state;
	for (w = 0; w <= 14; w++) {
		for (i = 0; i < sizeof v / sizeof v[0]; i++) {
			assert_non_null(f = open_memstream(&got, &len));
			tw_init(&t, f);
			tw_uint(&t, v[i], w);
			tw_flush(&t);
			assert_int_equal(fclose(f), 0);
			snprintf(want, sizeof want, "%-*llu", w,
			    (unsigned long long)v[i]);
			assert_string_equal(got, want);
			free(got);
		}
		for (i = 0; i < sizeof s / sizeof s[0]; i++) {
			assert_non_null(f = open_memstream(&got, &len));
			tw_init(&t, f);
			tw_pad(&t, s[i], w);
			tw_flush(&t);
			assert_int_equal(fclose(f), 0);
			snprintf(want, sizeof want, "%-*s", w, s[i]);
			assert_string_equal(got, want);
			free(got);
		}
	}
}

/* fmt_ms() writes what "%.3f" writes of us / 1e6: every rounding
 * boundary and its neighbours, ties included, and random magnitudes. */
static void
ms_is(uint64_t us)
{
	char got[FMT_NUMLEN], want[64];

	snprintf(want, sizeof want, "%.3f", (double)us / 1e6);
	assert_string_equal(fmt_ms(got, us), want);
}

static void
test_ms(void **state)
{
	uint64_t rnd = 0x853c49e6748fea9bULL, k;
	int i;

	(void)state;
	for (k = 0; k < 20000; k++)
		ms_is(k);
	for (k = 0; k < 64; k++) {
		ms_is(((uint64_t)1 << k) - 1);
		ms_is((uint64_t)1 << k);
	}
	ms_is(UINT64_MAX);
	for (i = 0; i < 300000; i++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		k = rnd >> (rnd % 64);
		ms_is(k);
		ms_is(k - k % 1000 + 500);	/* a tie */
		ms_is(k - k % 1000 + 499);
		ms_is(k - k % 1000 + 501);
	}
}

/* fmt_human() against the printf code it replaced. */
static void
human_is(uint64_t n)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	char got[FMT_NUMLEN], want[64];
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(want, sizeof want, "%llu B", (unsigned long long)n);
	else
		snprintf(want, sizeof want, "%.1f %s", v, unit[u]);
	assert_string_equal(fmt_human(got, n), want);
}

static void
test_human(void **state)
{
	uint64_t rnd = 0xda3e39cb94b95bdbULL, n, d;
	int i, u;

	(void)state;
	for (n = 0; n < 70000; n++)
		human_is(n);
	for (u = 1, d = 1024; u <= 5; u++, d *= 1024)
		for (i = -2000; i <= 2000; i++) {
			/* around each unit and each tenth's tie */
			human_is(d + (uint64_t)(int64_t)i);
			human_is(d / 20 * 3 + (uint64_t)(int64_t)i);
			human_is(d * 1023 + d / 20 * 19 + (uint64_t)(int64_t)i);
		}
	human_is(UINT64_MAX);
	for (i = 0; i < 300000; i++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		human_is(rnd >> (rnd % 64));
	}
}

/* tw_wire() writes what sanitize() returns; tw_endpoint() what
 * "%s", "[%s]" and ":%u" write. */
static void
test_fput_wire(void **state)
{
	static const uint8_t pick[] = { 'a', ' ', '~', '\\', '"', 0, 1, 0x1f,
	    0x7f, 0x80, 0xc3, 0xa9, 0xff };
	uint64_t rnd = 0x9e3779b97f4a7c15ULL;
	struct fa_endpoint ep;
	char *got, *want, a[FA_ADDRSTRLEN], w[80];
	uint8_t b[64];
	size_t len, n, i;
	int k;
	struct tw t;
	FILE *f;

	(void)state;
	for (k = 0; k < 20000; k++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		len = rnd % 41;
		for (i = 0; i < len; i++) {
			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			b[i] = rnd % 3 ? (uint8_t)(0x20 + rnd % 95) :
			    pick[(rnd >> 8) % sizeof pick];
		}
		assert_non_null(f = open_memstream(&got, &n));
		tw_init(&t, f);
		tw_wire(&t, b, len);
		tw_flush(&t);
		assert_int_equal(fclose(f), 0);
		assert_non_null(want = sanitize(b, len));
		assert_string_equal(got, want);
		free(got);
		free(want);
	}
	memset(&ep, 0, sizeof ep);
	for (k = 0; k < 8; k++) {
		ep.ip.family = k & 1 ? FA_AF_INET6 : FA_AF_INET;
		ep.ip.a[k] = (uint8_t)(k * 37);
		ep.port = (uint16_t)(k < 4 ? k : 65535 - k);
		fa_addr_str(&ep.ip, a);
		snprintf(w, sizeof w, ep.ip.family == FA_AF_INET6 ? "[%s]" : "%s", a);
		if (k & 2)
			snprintf(w + strlen(w), sizeof w - strlen(w), ":%u", ep.port);
		assert_non_null(f = open_memstream(&got, &n));
		tw_init(&t, f);
		tw_endpoint(&t, &ep, (k & 2) != 0);
		tw_flush(&t);
		assert_int_equal(fclose(f), 0);
		assert_string_equal(got, w);
		free(got);
	}
}

/* Pieces of every length around the buffer's size, in order: what
 * tw_put, tw_putc, tw_printf and tw_spaces gather is what f gets. */
static void
test_tw_blocks(void **state)
{
	static char big[3 * sizeof ((struct tw *)0)->b];
	struct tw t;
	char *got, *want, *q;
	size_t len, i, n, total = 0;
	FILE *f;

	(void)state;
	for (i = 0; i < sizeof big; i++)
		big[i] = (char)('a' + i % 26);
	assert_non_null(want = malloc(64 * sizeof big));
	assert_non_null(f = open_memstream(&got, &len));
	tw_init(&t, f);
	for (i = 0, q = want; i < 40; i++) {
		n = (i * 977) % sizeof big;
		tw_put(&t, big, n);
		memcpy(q, big, n);
		q += n;
		tw_putc(&t, '|');
		*q++ = '|';
		tw_printf(&t, "%zu:%.*s", i, (int)(n / 2), big);
		q += sprintf(q, "%zu:%.*s", i, (int)(n / 2), big);
		tw_spaces(&t, i * 7);
		memset(q, ' ', i * 7);
		q += i * 7;
	}
	total = (size_t)(q - want);
	tw_flush(&t);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(len, total);
	assert_memory_equal(got, want, total);
	free(got);
	free(want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_against_inet_ntop),
		cmocka_unit_test(test_endpoint_cache),
		cmocka_unit_test(test_endpoint_forms),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_lit_names),
		cmocka_unit_test(test_usecs),
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_fmt_ts),
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_fput),
		cmocka_unit_test(test_ms),
		cmocka_unit_test(test_human),
		cmocka_unit_test(test_fput_wire),
		cmocka_unit_test(test_tw_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
