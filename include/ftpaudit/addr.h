/* SPDX-License-Identifier: ISC */
/* addr.h: IP addresses and endpoints as the engine keeps them. */
#ifndef FTPAUDIT_ADDR_H
#define FTPAUDIT_ADDR_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

enum { FA_AF_NONE = 0, FA_AF_INET = 4, FA_AF_INET6 = 6 };

/* An IPv4 address lives in a[0..3], the rest zero; comparison is memcmp. */
struct fa_addr {
	uint8_t		 family;
	uint8_t		 a[16];
};

struct fa_endpoint {
	struct fa_addr	 ip;
	uint16_t	 port;
};

#define FA_ADDRSTRLEN	46	/* INET6_ADDRSTRLEN */

/* memcmp(a, b, 16)'s order, a word at a time: memcmp was a call per
 * packet in the connection table. */
static inline int
fa_addr_bytes_cmp(const uint8_t *a, const uint8_t *b)
{
	uint64_t x, y;
	int i;

	for (i = 0; i < 16; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return be64toh(x) < be64toh(y) ? -1 : 1;
	}
	return 0;
}

bool	 fa_addr_eq(const struct fa_addr *x, const struct fa_addr *y);
bool	 fa_endpoint_eq(const struct fa_endpoint *x, const struct fa_endpoint *y);
/* Usual text form, IPv6 compressed; buf must hold FA_ADDRSTRLEN bytes. */
const char *fa_addr_str(const struct fa_addr *x, char *buf);
/* The same text; returns its length. */
size_t	 fa_addr_fmt(const struct fa_addr *x, char *buf);
/* Parse text (v4 dotted quad or v6); 0 or -1. */
int	 fa_addr_parse(const char *s, struct fa_addr *out);
void	 fa_addr_v4(struct fa_addr *out, const uint8_t b[4]);
bool	 fa_addr_is_private(const struct fa_addr *x);	/* RFC1918, loopback, link-local, ULA, CGNAT */
bool	 fa_addr_is_unspecified(const struct fa_addr *x);

/*
 * The key every table's hash starts from.  main() draws it at random
 * (fa_hash_key_random), so nobody can craft a capture offline whose
 * connections, announced ports or addresses all land in one probe run,
 * which would make each lookup walk all of them (hash flooding).  Unit
 * tests and fuzzers leave it zero and stay reproducible.  Set it before
 * any table exists: a table's slots depend on it.
 */
extern uint64_t fa_hash_key[2];
void	 fa_hash_key_random(void);

/*
 * Hashing an address and port: two independent multiplies, then
 * fa_hash_fold() for the low bits a table indexes by.  Byte-at-a-time
 * FNV over the 18 bytes was a chain of 18 multiplies on every new
 * connection.  Mixes of two endpoints may be added: the sum does not
 * depend on their order.
 */
static inline uint64_t
fa_hash_ep(const uint8_t addr[16], uint32_t port)
{
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return (a ^ fa_hash_key[0]) * 0x9e3779b97f4a7c15ULL ^
	    (b ^ port ^ fa_hash_key[1]) * 0xc2b2ae3d27d4eb4fULL;
}

static inline uint32_t
fa_hash_fold(uint64_t h)
{
	h ^= h >> 32;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 29;
	return (uint32_t)h;
}

/* An address alone, with its family; extra mixes in more of a key. */
static inline uint32_t
fa_addr_hash(const struct fa_addr *a, uint32_t extra)
{
	return fa_hash_fold(fa_hash_ep(a->a, (uint32_t)a->family << 24 ^ extra));
}

#endif
