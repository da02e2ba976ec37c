/* SPDX-License-Identifier: ISC */
/* community_id.c: Community ID v1.
 *
 * The hashed bytes are: seed (2 bytes, network order), source address,
 * destination address, protocol, one zero byte of padding, source port,
 * destination port (2 bytes each, network order), where the endpoint
 * that sorts first (address, then port) is taken as the source.  The
 * ID is "1:" and the base64 of the SHA-1 of those bytes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "ftpaudit/community_id.h"

static uint32_t
rol(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

/* Twenty rounds of one kind: f's kind is fixed in each loop, so no
 * branch per round. */
#define SHA1_ROUNDS(from, f, k) do {					\
	for (i = (from); i < (from) + 20; i++) {			\
		t = rol(a, 5) + (f) + e + (k) + w[i];			\
		e = d;							\
		d = c;							\
		c = rol(b, 30);						\
		b = a;							\
		a = t;							\
	}								\
} while (0)

static void
sha1_block_portable(uint32_t h[5], const uint8_t *p)
{
	uint32_t w[80], a, b, c, d, e, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4];
	SHA1_ROUNDS(0, (b & c) | (~b & d), 0x5a827999);
	SHA1_ROUNDS(20, b ^ c ^ d, 0x6ed9eba1);
	SHA1_ROUNDS(40, (b & c) | (b & d) | (c & d), 0x8f1bbcdc);
	SHA1_ROUNDS(60, b ^ c ^ d, 0xca62c1d6);
	h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

/*
 * The SHA extensions of x86 do four rounds an instruction: an ID is one
 * block, and a report has one for every connection, so the portable
 * rounds were a twentieth of the time of a JSON report.  Group g holds
 * rounds 4g..4g+3; its message words are MSG[g % 4], whose schedule
 * (msg1, xor, msg2) runs three groups ahead.
 */
__attribute__((target("sha,sse4.1,ssse3")))
static void
sha1_block_x86(uint32_t h[5], const uint8_t *p)
{
	const __m128i swap = _mm_set_epi64x(0x0001020304050607LL,
	    0x08090a0b0c0d0e0fLL);
	__m128i abcd, abcd0, e[2], e0, m[4];
	int g;

	abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0x1b);
	e[0] = e0 = _mm_set_epi32((int)h[4], 0, 0, 0);
	e[1] = _mm_setzero_si128();
	abcd0 = abcd;
#pragma GCC unroll 20
	for (g = 0; g < 20; g++) {
		if (g < 4)
			m[g] = _mm_shuffle_epi8(_mm_loadu_si128(
			    (const __m128i *)(p + 16 * g)), swap);
		if (g == 0)
			e[0] = _mm_add_epi32(e[0], m[0]);
		else
			e[g & 1] = _mm_sha1nexte_epu32(e[g & 1], m[g & 3]);
		e[~g & 1] = abcd;
		if (g >= 3)
			m[(g + 1) & 3] = _mm_sha1msg2_epu32(m[(g + 1) & 3],
			    m[g & 3]);
		switch (g / 5) {
		case 0:
			abcd = _mm_sha1rnds4_epu32(abcd, e[g & 1], 0);
			break;
		case 1:
			abcd = _mm_sha1rnds4_epu32(abcd, e[g & 1], 1);
			break;
		case 2:
			abcd = _mm_sha1rnds4_epu32(abcd, e[g & 1], 2);
			break;
		default:
			abcd = _mm_sha1rnds4_epu32(abcd, e[g & 1], 3);
			break;
		}
		if (g >= 1)
			m[(g + 3) & 3] = _mm_sha1msg1_epu32(m[(g + 3) & 3],
			    m[g & 3]);
		if (g >= 2)
			m[(g + 2) & 3] = _mm_xor_si128(m[(g + 2) & 3], m[g & 3]);
	}
	e[0] = _mm_sha1nexte_epu32(e[0], e0);
	abcd = _mm_add_epi32(abcd, abcd0);
	_mm_storeu_si128((__m128i *)h, _mm_shuffle_epi32(abcd, 0x1b));
	h[4] = (uint32_t)_mm_extract_epi32(e[0], 3);
}

/* Whether the CPU has them: asked once, by whichever thread is first
 * (both find the same answer). */
static bool
sha1_x86(void)
{
	static int have;	/* 0 not asked, 1 yes, 2 no */
	unsigned int a, b, c, d;
	int v;

	if ((v = __atomic_load_n(&have, __ATOMIC_RELAXED)) == 0) {
		v = 2;
		if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b >> 29 & 1) &&
		    __get_cpuid(1, &a, &b, &c, &d) && (c >> 9 & 1) &&
		    (c >> 19 & 1))
			v = 1;
		__atomic_store_n(&have, v, __ATOMIC_RELAXED);
	}
	return v == 1;
}
#else
static bool
sha1_x86(void)
{
	return false;
}

static void
sha1_block_x86(uint32_t h[5], const uint8_t *p)
{
	sha1_block_portable(h, p);
}
#endif

static void
sha1_block(uint32_t h[5], const uint8_t *p, bool x86)
{
	if (x86)
		sha1_block_x86(h, p);
	else
		sha1_block_portable(h, p);
}

/* SHA-1 of data; portable selects the portable rounds (for the tests,
 * which compare the two). */
void
community_id_sha1_with(const void *data, size_t len, uint8_t digest[20],
    bool portable)
{
	bool x86 = !portable && sha1_x86();
	uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
	    0xc3d2e1f0 };
	const uint8_t *p = data;
	uint8_t tail[128];
	uint64_t bits = (uint64_t)len * 8;
	size_t i, rest, ntail;

	for (i = 0; i + 64 <= len; i += 64)
		sha1_block(h, p + i, x86);
	rest = len - i;
	memset(tail, 0, sizeof tail);
	memcpy(tail, p + i, rest);
	tail[rest] = 0x80;
	ntail = rest + 9 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[ntail - 1 - i] = (uint8_t)(bits >> (8 * i));
	sha1_block(h, tail, x86);
	if (ntail == 128)
		sha1_block(h, tail + 64, x86);
	for (i = 0; i < 20; i++)
		digest[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
}

void
community_id_sha1(const void *data, size_t len, uint8_t digest[20])
{
	community_id_sha1_with(data, len, digest, false);
}

static size_t
base64(const uint8_t *in, size_t len, char *out)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = abc[v >> 6 & 63];
		out[o++] = abc[v & 63];
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = i + 1 < len ? abc[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* Does a sort before b: address bytes, then port. */
static int
ep_first(const struct fa_endpoint *a, const struct fa_endpoint *b, size_t alen)
{
	int c = memcmp(a->ip.a, b->ip.a, alen);

	return c < 0 || (c == 0 && a->port <= b->port);
}

static size_t
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

int
community_id_v1(const struct fa_endpoint *a, const struct fa_endpoint *b,
    uint8_t proto, uint16_t seed, char *buf)
{
	const struct fa_endpoint *s, *d;
	uint8_t in[2 + 16 + 16 + 2 + 4], digest[20];
	size_t alen, n = 0;

	if (a->ip.family != b->ip.family ||
	    (a->ip.family != FA_AF_INET && a->ip.family != FA_AF_INET6))
		return -1;
	alen = a->ip.family == FA_AF_INET ? 4 : 16;
	s = ep_first(a, b, alen) ? a : b;
	d = s == a ? b : a;
	n += put_be16(in + n, seed);
	memcpy(in + n, s->ip.a, alen);
	n += alen;
	memcpy(in + n, d->ip.a, alen);
	n += alen;
	in[n++] = proto;
	in[n++] = 0;
	n += put_be16(in + n, s->port);
	n += put_be16(in + n, d->port);
	community_id_sha1(in, n, digest);
	buf[0] = '1';
	buf[1] = ':';
	return (int)(2 + base64(digest, sizeof digest, buf + 2));
}
