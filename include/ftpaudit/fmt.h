/* SPDX-License-Identifier: ISC */
/* fmt.h: numbers, times, endpoints and wire bytes as text, without
 * printf's format parsing: the helpers every writer shares (the JSON
 * writer, jw.h, and the text reports). */
#ifndef FTPAUDIT_FMT_H
#define FTPAUDIT_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ftpaudit/addr.h"

/*
 * Whether none of the eight bytes in v (as they lie in memory) needs an
 * escape: each is printable ASCII other than the backslash, DEL and also
 * (JSON's quote; TSV passes the backslash again).  Once no byte has its
 * high bit set, x - n sets it exactly in the bytes below n (a borrow
 * comes only from a lower byte below n, which fails anyway).
 */
static inline bool
fmt_plain8(uint64_t v, uint8_t also)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones << 7;
	uint64_t q = v ^ (ones * also), b = v ^ (ones * '\\'),
	    d = v ^ (ones * 0x7f);

	return ((v | (v - ones * 0x20) | (q - ones) | (b - ones) | (d - ones)) &
	    high) == 0;
}

/* "2026-11-25T16:49:01.123456Z" into buf of FA_TSLEN bytes: always
 * FA_TSCHARS characters (the year is kept to four digits). */
#define FA_TSLEN	64
#define FA_TSCHARS	27
const char *fmt_ts(uint64_t ts_us, char *buf);
/* v's decimal digits ending at end (at most 20 before it); their start. */
char	*fmt_uint(char *end, uint64_t v);
/* "10.0.0.1:21", "[2001:db8::1]:21"; without ":port" unless port_known.
 * fmt_endpoint writes it into buf (FA_ENDPOINTLEN bytes, not
 * NUL-terminated) and returns its length. */
#define FA_ENDPOINTLEN	(FA_ADDRSTRLEN + 8)
size_t	 fmt_endpoint(char *buf, const struct fa_endpoint *, bool port_known);
/* Terminal-safe copy of wire bytes (controls, non-ASCII and the
 * backslash as \xHH), owned by the caller; NULL when out of memory. */
char	*sanitize(const uint8_t *p, size_t len);
/* What printf's "%.3f" writes of us / 1e6 (seconds to the millisecond),
 * into buf of FMT_NUMLEN bytes; buf. */
#define FMT_NUMLEN	48
const char *fmt_ms(char *buf, uint64_t us);
/* What "%llu B" or "%.1f %s" write of n in B, KiB, MiB, GiB or TiB
 * (1536: "1.5 KiB"), into buf of FMT_NUMLEN bytes; buf. */
const char *fmt_human(char *buf, uint64_t n);

#endif
