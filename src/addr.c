/* SPDX-License-Identifier: ISC */
/* addr.c: IP address helpers. */
#include <sys/random.h>

#include <arpa/inet.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ftpaudit/addr.h"

uint64_t fa_hash_key[2];

void
fa_hash_key_random(void)
{
	struct timespec ts;

	if (getrandom(fa_hash_key, sizeof fa_hash_key, GRND_NONBLOCK) ==
	    (ssize_t)sizeof fa_hash_key)
		return;
	/* No entropy yet (early boot) or no getrandom: the clock and pid
	 * still keep the key from being known in advance. */
	clock_gettime(CLOCK_REALTIME, &ts);
	fa_hash_key[0] = (uint64_t)ts.tv_sec * 0x9e3779b97f4a7c15ULL ^
	    (uint64_t)ts.tv_nsec;
	fa_hash_key[1] = ((uint64_t)getpid() << 32 | (uint64_t)ts.tv_nsec) *
	    0xc2b2ae3d27d4eb4fULL;
}

bool
fa_addr_eq(const struct fa_addr *x, const struct fa_addr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, 16) == 0;
}

bool
fa_endpoint_eq(const struct fa_endpoint *x, const struct fa_endpoint *y)
{
	return x->port == y->port && fa_addr_eq(&x->ip, &y->ip);
}

static char *
put_dec8(char *p, unsigned v)
{
	if (v >= 100) {
		*p++ = (char)('0' + v / 100);
		v %= 100;
		*p++ = (char)('0' + v / 10);
	} else if (v >= 10)
		*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

static char *
put_v4(char *p, const uint8_t *a)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (i > 0)
			*p++ = '.';
		p = put_dec8(p, a[i]);
	}
	*p = '\0';
	return p;
}

/*
 * inet_ntop()'s text, character for character (glibc's BSD code: the
 * longest run of two or more zero words becomes "::", the first when
 * runs tie; ::a.b.c.d and ::ffff:a.b.c.d keep the dotted form).  The
 * report writes two addresses or more per record, and glibc's inet_ntop
 * formats through sprintf: a tenth of all the instructions of a run.
 */
static char *
put_v6(char *p, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	int i, base = -1, len = 0, cbase = -1, clen = 0, sh;

	for (i = 0; i < 8; i++) {
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		if (w[i] == 0) {
			if (cbase == -1)
				cbase = i, clen = 0;
			if (++clen > len)
				base = cbase, len = clen;
		} else
			cbase = -1;
	}
	if (len < 2)
		base = -1;
	for (i = 0; i < 8; i++) {
		if (base != -1 && i >= base && i < base + len) {
			if (i == base)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		if (i == 6 && base == 0 &&
		    (len == 6 || (len == 5 && w[5] == 0xffff)))
			return put_v4(p, a + 12);
		for (sh = 12; sh > 0 && (w[i] >> sh) == 0; sh -= 4)
			;
		for (; sh >= 0; sh -= 4)
			*p++ = hex[(w[i] >> sh) & 15];
	}
	if (base != -1 && base + len == 8)
		*p++ = ':';
	*p = '\0';
	return p;
}

size_t
fa_addr_fmt(const struct fa_addr *x, char *buf)
{
	switch (x->family) {
	case FA_AF_INET:
		return (size_t)(put_v4(buf, x->a) - buf);
	case FA_AF_INET6:
		return (size_t)(put_v6(buf, x->a) - buf);
	}
	strcpy(buf, "?");
	return 1;
}

const char *
fa_addr_str(const struct fa_addr *x, char *buf)
{
	(void)fa_addr_fmt(x, buf);
	return buf;
}

int
fa_addr_parse(const char *s, struct fa_addr *out)
{
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->family = FA_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->a) == 1) {
		out->family = FA_AF_INET6;
		return 0;
	}
	memset(out, 0, sizeof *out);
	return -1;
}

void
fa_addr_v4(struct fa_addr *out, const uint8_t b[4])
{
	memset(out, 0, sizeof *out);
	out->family = FA_AF_INET;
	memcpy(out->a, b, 4);
}

bool
fa_addr_is_private(const struct fa_addr *x)
{
	const uint8_t *a = x->a;

	if (x->family == FA_AF_INET)
		return a[0] == 10 || a[0] == 127 ||
		    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 169 && a[1] == 254) ||
		    (a[0] == 100 && (a[1] & 0xc0) == 64);
	if (x->family == FA_AF_INET6) {
		static const uint8_t lo[16] = { [15] = 1 };
		return memcmp(a, lo, 16) == 0 || (a[0] & 0xfe) == 0xfc ||
		    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
	}
	return false;
}

bool
fa_addr_is_unspecified(const struct fa_addr *x)
{
	static const uint8_t zero[16];

	return x->family == FA_AF_NONE || memcmp(x->a, zero, 16) == 0;
}
