/* SPDX-License-Identifier: ISC */
/* aggregate.c: address sets as sorted, merged ranges and CIDR prefixes.
 *
 * Addresses are big-endian byte strings (4 bytes for IPv4, 16 for IPv6),
 * so that sorting is memcmp and arithmetic is a carry over bytes.  The
 * fewest ranges holding a set exactly are its maximal runs of consecutive
 * addresses; the fewest prefixes are each run's maximal aligned blocks,
 * which the greedy split from the low end finds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/aggregate.h"
#include "radix.h"

static unsigned
width(const struct fa_addr *a)
{
	return a->family == FA_AF_INET6 ? 16 : 4;
}

static int
addr_cmp(const struct fa_addr *x, const struct fa_addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return fa_addr_bytes_cmp(x->a, y->a);	/* IPv4's last 12 are zero */
}

/*
 * v sorted in addr_cmp's order.  qsort's calls to addr_cmp and memcmp
 * were most of the aggregation of a recommendation, all of it after the
 * capture.  Short lists by insertion; longer ones by their bytes, the
 * family first.
 */
static int
addr_sort(struct fa_addr *v, size_t n)
{
	static const size_t key[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	    13, 14, 15, 16 };	/* family, a[0..15] */
	struct fa_addr a;
	size_t i, j;

	_Static_assert(offsetof(struct fa_addr, family) == 0 &&
	    offsetof(struct fa_addr, a) == 1, "addr_sort's key");

	if (n <= 32) {
		for (i = 1; i < n; i++) {
			a = v[i];
			for (j = i; j > 0 && addr_cmp(&v[j - 1], &a) > 0; j--)
				v[j] = v[j - 1];
			v[j] = a;
		}
		return 0;
	}
	return radix_sort(v, n, sizeof *v, key, sizeof key / sizeof key[0]);
}

/* Clear (or set) the host bits below a /plen prefix. */
static void
host_bits(struct fa_addr *a, unsigned plen, bool set)
{
	unsigned i, bits = width(a) * 8;
	uint8_t m;

	for (i = plen; i < bits; i++) {
		m = (uint8_t)(0x80 >> (i % 8));
		if (set)
			a->a[i / 8] |= m;
		else
			a->a[i / 8] &= (uint8_t)~m;
	}
}

/* a + 1; false when a was the family's last address. */
static bool
addr_inc(struct fa_addr *a)
{
	unsigned i = width(a);

	while (i-- > 0)
		if (++a->a[i] != 0)
			return true;
	return false;
}

/* y is the address right after x (same family). */
static bool
follows(const struct fa_addr *x, const struct fa_addr *y)
{
	struct fa_addr n = *x;

	return addr_inc(&n) && addr_cmp(&n, y) == 0;
}

/* Bit i from the low end of a (0: the last bit). */
static bool
low_bit(const struct fa_addr *a, unsigned i)
{
	unsigned bits = width(a) * 8, k = bits - 1 - i;

	return (a->a[k / 8] & (0x80 >> (k % 8))) != 0;
}

/* The host bits of the largest aligned block from at that ends at or
 * before hi; *end is that block's last address. */
static unsigned
block_at(const struct fa_addr *at, const struct fa_addr *hi,
    struct fa_addr *end)
{
	unsigned k = 0, bits = width(at) * 8;
	struct fa_addr e;

	*end = *at;
	while (k < bits && !low_bit(at, k)) {
		e = *at;
		host_bits(&e, bits - (k + 1), true);
		if (addr_cmp(&e, hi) > 0)
			break;
		*end = e;
		k++;
	}
	return k;
}

int
aggregate_ranges(const struct fa_addr *v, size_t n, unsigned plen4,
    unsigned plen6, struct agg_range **out, size_t *nout)
{
	struct fa_addr *s, lo, hi;
	struct agg_range *r;
	size_t i, k = 0;
	unsigned plen;

	*out = NULL;
	*nout = 0;
	if (plen4 > 32 || plen6 > 128) {
		errno = EINVAL;
		return -1;
	}
	if (n == 0)
		return 0;
	/* A sorted copy: the caller's order is the order first seen. */
	if ((s = reallocarray(NULL, n, sizeof *s)) == NULL)
		return -1;
	if ((r = reallocarray(NULL, n, sizeof *r)) == NULL) {
		free(s);
		return -1;
	}
	memcpy(s, v, n * sizeof *s);
	if (addr_sort(s, n) == -1) {
		free(s);
		free(r);
		return -1;
	}
	for (i = 0; i < n; i++) {
		plen = s[i].family == FA_AF_INET6 ? plen6 : plen4;
		lo = hi = s[i];
		host_bits(&lo, plen, false);
		host_bits(&hi, plen, true);
		if (k > 0 && r[k - 1].hi.family == lo.family &&
		    (addr_cmp(&lo, &r[k - 1].hi) <= 0 ||
		    follows(&r[k - 1].hi, &lo))) {
			if (addr_cmp(&hi, &r[k - 1].hi) > 0)
				r[k - 1].hi = hi;
			continue;
		}
		r[k].lo = lo;
		r[k].hi = hi;
		k++;
	}
	free(s);
	*out = r;
	*nout = k;
	return 0;
}

/* Calls put (when not NULL) for each prefix of r; their count. */
static size_t
split(const struct agg_range *r, struct agg_prefix *put)
{
	struct fa_addr at = r->lo, end;
	unsigned k, bits = width(&at) * 8;
	size_t n = 0;

	if (addr_cmp(&r->lo, &r->hi) == 0) {	/* one address: most ranges */
		if (put != NULL) {
			put[0].addr = r->lo;
			put[0].plen = (uint8_t)bits;
		}
		return 1;
	}
	for (;;) {
		k = block_at(&at, &r->hi, &end);
		if (put != NULL) {
			put[n].addr = at;
			put[n].plen = (uint8_t)(bits - k);
		}
		n++;
		if (addr_cmp(&end, &r->hi) >= 0)
			break;
		at = end;
		addr_inc(&at);	/* end < hi: no wrap */
	}
	return n;
}

size_t
aggregate_nprefixes(const struct agg_range *v, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += split(&v[i], NULL);
	return k;
}

int
aggregate_prefixes(const struct agg_range *v, size_t n,
    struct agg_prefix **out, size_t *nout)
{
	struct agg_prefix *p;
	size_t i, k = aggregate_nprefixes(v, n);

	*out = NULL;
	*nout = 0;
	if (k == 0)
		return 0;
	if ((p = reallocarray(NULL, k, sizeof *p)) == NULL)
		return -1;
	for (i = 0, k = 0; i < n; i++)
		k += split(&v[i], p + k);
	*out = p;
	*nout = k;
	return 0;
}

int
aggregate_range_plen(const struct agg_range *r)
{
	struct fa_addr end;
	unsigned k = block_at(&r->lo, &r->hi, &end);

	if (addr_cmp(&end, &r->hi) != 0)
		return -1;
	return (int)(width(&r->lo) * 8 - k);
}

/* The size of one range: hi - lo + 1, saturated. */
static uint64_t
range_size(const struct agg_range *r)
{
	unsigned i, w = width(&r->lo);
	uint64_t d = 0;
	int borrow = 0, x;

	/* Bytes above the low eight must not differ once borrowed. */
	for (i = w; i-- > 0;) {
		x = r->hi.a[i] - r->lo.a[i] - borrow;
		borrow = x < 0;
		x &= 0xff;
		if (w - 1 - i < 8)
			d |= (uint64_t)x << (8 * (w - 1 - i));
		else if (x != 0)
			return UINT64_MAX;
	}
	return d == UINT64_MAX ? UINT64_MAX : d + 1;
}

uint64_t
aggregate_size(const struct agg_range *v, size_t n)
{
	uint64_t t = 0, s;
	size_t i;

	for (i = 0; i < n; i++) {
		s = range_size(&v[i]);
		if (s > UINT64_MAX - t)
			return UINT64_MAX;
		t += s;
	}
	return t;
}

bool
aggregate_range_has(const struct agg_range *r, const struct fa_addr *a)
{
	return a->family == r->lo.family && addr_cmp(&r->lo, a) <= 0 &&
	    addr_cmp(a, &r->hi) <= 0;
}
