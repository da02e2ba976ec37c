/* SPDX-License-Identifier: ISC */
/* community_id.c: Community ID v1.
 *
 * The hashed bytes are: seed (2 bytes, network order), source address,
 * destination address, protocol, one zero byte of padding, source port,
 * destination port (2 bytes each, network order), where the endpoint
 * that sorts first (address, then port) is taken as the source.  The
 * ID is "1:" and the base64 of the SHA-1 of those bytes.
 */
#include <stddef.h>
#include <string.h>

#include "ftpaudit/community_id.h"

static uint32_t
rol(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

static void
sha1_block(uint32_t h[5], const uint8_t *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = t;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

void
community_id_sha1(const void *data, size_t len, uint8_t digest[20])
{
	uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
	    0xc3d2e1f0 };
	const uint8_t *p = data;
	uint8_t tail[128];
	uint64_t bits = (uint64_t)len * 8;
	size_t i, rest, ntail;

	for (i = 0; i + 64 <= len; i += 64)
		sha1_block(h, p + i);
	rest = len - i;
	memset(tail, 0, sizeof tail);
	memcpy(tail, p + i, rest);
	tail[rest] = 0x80;
	ntail = rest + 9 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[ntail - 1 - i] = (uint8_t)(bits >> (8 * i));
	sha1_block(h, tail);
	if (ntail == 128)
		sha1_block(h, tail + 64);
	for (i = 0; i < 20; i++)
		digest[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
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
