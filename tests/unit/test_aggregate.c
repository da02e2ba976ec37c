/* SPDX-License-Identifier: ISC */
/* test_aggregate.c: address aggregation against a bitmap of the set.
 *
 * Each random set lives in a window of WIN addresses (aligned, sometimes
 * at the bottom or the top of the address space, where a carry would
 * wrap); every address of the window is checked against the bitmap, and
 * no range or prefix may leave the window, so "covers exactly" is checked
 * for every address there is. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "ftpaudit/aggregate.h"

#define WIN	1024		/* addresses per window, a power of two */
#define ROUNDS	400

static uint8_t inset[WIN];	/* the set (after widening) */

/* base + off, in the low 16 bits of the window. */
static struct fa_addr
at(const struct fa_addr *base, unsigned off)
{
	struct fa_addr a = *base;
	unsigned w = a.family == FA_AF_INET6 ? 16 : 4;

	a.a[w - 1] = (uint8_t)(a.a[w - 1] | (off & 0xff));
	a.a[w - 2] = (uint8_t)(a.a[w - 2] | (off >> 8));
	return a;
}

/* The window's offset of a, or -1 outside it. */
static long
offset(const struct fa_addr *base, const struct fa_addr *a)
{
	unsigned w = a->family == FA_AF_INET6 ? 16 : 4;
	long off;

	if (a->family != base->family ||
	    memcmp(a->a, base->a, w - 2) != 0 ||
	    (a->a[w - 2] & ~((WIN - 1) >> 8)) != base->a[w - 2])
		return -1;
	off = (long)(a->a[w - 2] & ((WIN - 1) >> 8)) << 8 | a->a[w - 1];
	return off;
}

/* A window: at the bottom, at the top, or anywhere (low bits clear). */
static struct fa_addr
window(int family)
{
	struct fa_addr b;
	unsigned i, w = family == FA_AF_INET6 ? 16 : 4;
	int where = rand() % 4;

	memset(&b, 0, sizeof b);
	b.family = (uint8_t)family;
	for (i = 0; i < w; i++)
		b.a[i] = where == 0 ? 0 : where == 1 ? 0xff : (uint8_t)rand();
	b.a[w - 1] = 0;
	b.a[w - 2] &= (uint8_t)~((WIN - 1) >> 8);
	return b;
}

/* A random set of the window into v, and its widening to /plen into
 * inset[]; the count. */
static size_t
random_set(const struct fa_addr *base, struct fa_addr *v, unsigned plen)
{
	unsigned bits = base->family == FA_AF_INET6 ? 128 : 32;
	unsigned host = bits - plen, blk, off, j;
	size_t i, n = (size_t)(rand() % 300);
	int dense = rand() % 3;

	memset(inset, 0, sizeof inset);
	for (i = 0; i < n; i++) {
		/* Dense sets make long runs, sparse ones many small ones. */
		off = dense == 0 ? (unsigned)rand() % 64 + 300 :
		    (unsigned)rand() % WIN;
		v[i] = at(base, off);
		blk = host >= 10 ? WIN : 1u << host;
		for (j = off & ~(blk - 1); j < (off & ~(blk - 1)) + blk; j++)
			inset[j] = 1;
	}
	return n;
}

static bool
covered(const struct agg_range *r, size_t nr, const struct fa_addr *a)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (aggregate_range_has(&r[i], a))
			return true;
	return false;
}

/* The prefix p (plen) lies in the window and wholly in the set. */
static bool
prefix_in_set(const struct fa_addr *base, const struct fa_addr *p,
    unsigned plen)
{
	unsigned bits = base->family == FA_AF_INET6 ? 128 : 32;
	long off = offset(base, p), j, size;

	if (bits - plen > 10 || off < 0)
		return false;
	size = 1L << (bits - plen);
	if (off % size != 0 || off + size > WIN)
		return false;
	for (j = off; j < off + size; j++)
		if (!inset[j])
			return false;
	return true;
}

/* The parent of prefix p: its /plen-1. */
static struct fa_addr
parent(const struct fa_addr *p, unsigned plen)
{
	struct fa_addr a = *p;
	unsigned i = plen - 1;

	a.a[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	return a;
}

static void
check_ranges(const struct fa_addr *base, const struct agg_range *r, size_t nr)
{
	size_t i, count = 0;
	unsigned off;
	struct fa_addr a;

	/* Exactly the set: every address of the window, and nothing
	 * outside it. */
	for (off = 0; off < WIN; off++) {
		a = at(base, off);
		assert_int_equal(covered(r, nr, &a), inset[off]);
		count += inset[off];
	}
	for (i = 0; i < nr; i++) {
		assert_true(offset(base, &r[i].lo) >= 0);
		assert_true(offset(base, &r[i].hi) >= 0);
		assert_true(offset(base, &r[i].lo) <= offset(base, &r[i].hi));
	}
	assert_int_equal(aggregate_size(r, nr), count);
	/* Sorted and minimal: a gap of at least one address between two
	 * ranges (touching ones would make one range). */
	for (i = 1; i < nr; i++)
		assert_true(offset(base, &r[i].lo) >
		    offset(base, &r[i - 1].hi) + 1);
}

static void
check_prefixes(const struct fa_addr *base, const struct agg_range *r,
    size_t nr)
{
	struct agg_prefix *p;
	struct fa_addr up;
	size_t i, np;
	long off, prev = -1;
	unsigned bits = base->family == FA_AF_INET6 ? 128 : 32, total = 0;

	assert_int_equal(aggregate_prefixes(r, nr, &p, &np), 0);
	assert_int_equal(np, aggregate_nprefixes(r, nr));
	for (i = 0; i < np; i++) {
		/* In the set, sorted, disjoint. */
		assert_true(prefix_in_set(base, &p[i].addr, p[i].plen));
		off = offset(base, &p[i].addr);
		assert_true(off > prev);
		prev = off + (1L << (bits - p[i].plen)) - 1;
		total += 1u << (bits - p[i].plen);
		/* Minimal: each prefix is a maximal block of the set, so
		 * no two could be one (the maximal blocks are unique). */
		if (p[i].plen > 0) {
			up = parent(&p[i].addr, p[i].plen);
			assert_false(prefix_in_set(base, &up, p[i].plen - 1));
		}
	}
	assert_int_equal(total, aggregate_size(r, nr));
	/* A range that is one prefix says so. */
	for (i = 0; i < nr; i++)
		if (aggregate_nprefixes(&r[i], 1) == 1)
			assert_true(aggregate_range_plen(&r[i]) >= 0);
		else
			assert_int_equal(aggregate_range_plen(&r[i]), -1);
	free(p);
}

static void
property(int family, bool widen)
{
	struct fa_addr v[300], base;
	struct agg_range *r;
	size_t n, nr;
	unsigned bits = family == FA_AF_INET6 ? 128 : 32, plen;
	int round;

	for (round = 0; round < ROUNDS; round++) {
		base = window(family);
		plen = widen ? bits - (unsigned)rand() % 10 : bits;
		n = random_set(&base, v, plen);
		assert_int_equal(aggregate_ranges(v, n,
		    family == FA_AF_INET ? plen : 32,
		    family == FA_AF_INET6 ? plen : 128, &r, &nr), 0);
		assert_true(nr <= n);
		check_ranges(&base, r, nr);
		check_prefixes(&base, r, nr);
		free(r);
	}
}

static void test_exact_v4(void **st) { (void)st; property(FA_AF_INET, false); }
static void test_exact_v6(void **st) { (void)st; property(FA_AF_INET6, false); }
static void test_widen_v4(void **st) { (void)st; property(FA_AF_INET, true); }
static void test_widen_v6(void **st) { (void)st; property(FA_AF_INET6, true); }

static struct fa_addr
A(const char *s)
{
	struct fa_addr a;

	assert_int_equal(fa_addr_parse(s, &a), 0);
	return a;
}

/* Known answers, both families in one list, and the edges of the space. */
static void
test_known(void **st)
{
	struct fa_addr v[] = { A("10.0.0.3"), A("fd00::1"), A("10.0.0.1"),
		A("10.0.0.2"), A("10.0.0.4"), A("fd00::"), A("10.0.0.1"),
		A("255.255.255.255"), A("0.0.0.0") };
	struct agg_range *r;
	struct agg_prefix *p;
	size_t nr, np;
	char a[FA_ADDRSTRLEN], b[FA_ADDRSTRLEN];

	(void)st;
	assert_int_equal(aggregate_ranges(v, 9, 32, 128, &r, &nr), 0);
	assert_int_equal(nr, 4);
	assert_string_equal(fa_addr_str(&r[0].lo, a), "0.0.0.0");
	assert_string_equal(fa_addr_str(&r[1].lo, a), "10.0.0.1");
	assert_string_equal(fa_addr_str(&r[1].hi, b), "10.0.0.4");
	assert_string_equal(fa_addr_str(&r[2].hi, a), "255.255.255.255");
	assert_string_equal(fa_addr_str(&r[3].lo, a), "fd00::");
	assert_int_equal(aggregate_range_plen(&r[3]), 127);
	assert_int_equal(aggregate_range_plen(&r[1]), -1);
	assert_int_equal(aggregate_prefixes(r, nr, &p, &np), 0);
	/* 0/32, 1/32 2/31 4/32, 255.255.255.255/32, fd00::/127 */
	assert_int_equal(np, 6);
	assert_int_equal(p[2].plen, 31);
	assert_string_equal(fa_addr_str(&p[2].addr, a), "10.0.0.2");
	free(p);
	free(r);
	/* /24 and /0 widening; the whole space is one prefix. */
	assert_int_equal(aggregate_ranges(v, 9, 24, 128, &r, &nr), 0);
	assert_int_equal(nr, 4);
	assert_int_equal(aggregate_range_plen(&r[1]), 24);
	free(r);
	assert_int_equal(aggregate_ranges(v, 9, 0, 0, &r, &nr), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(aggregate_range_plen(&r[0]), 0);
	assert_int_equal(aggregate_range_plen(&r[1]), 0);
	assert_int_equal(aggregate_size(r, nr), UINT64_MAX);
	free(r);
	assert_int_equal(aggregate_ranges(v, 9, 33, 128, &r, &nr), -1);
	assert_int_equal(aggregate_ranges(v, 0, 32, 128, &r, &nr), 0);
	assert_null(r);
	assert_int_equal(nr, 0);
}

static int
ref_cmp(const void *x, const void *y)
{
	const struct fa_addr *a = x, *b = y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, a->family == FA_AF_INET6 ? 16 : 4);
}

/* b is the address right after a (same family). */
static bool
next_of(const struct fa_addr *a, const struct fa_addr *b)
{
	struct fa_addr n = *a;
	int i = a->family == FA_AF_INET6 ? 16 : 4;

	while (i-- > 0)
		if (++n.a[i] != 0)
			return ref_cmp(&n, b) == 0;
	return false;
}

/*
 * Both families, bytes varying at every place and repeated, in a random
 * order: the ranges are the runs of the sorted set, as qsort with the
 * obvious comparison finds them.
 */
static void
test_sorted_mixed(void **st)
{
	enum { N = 5000 };
	static struct fa_addr v[N], s[N];
	struct agg_range *r;
	size_t i, j, k, nr;

	(void)st;
	for (i = 0; i < N; i++) {
		v[i].family = rand() % 3 ? FA_AF_INET : FA_AF_INET6;
		for (j = 0; j < 16; j++)	/* few values a byte: runs */
			v[i].a[j] = (uint8_t)(rand() % 3);
		if (i > 0 && rand() % 4 == 0)
			v[i] = v[rand() % i];
		if (v[i].family == FA_AF_INET)	/* addr.h: the rest zero */
			memset(v[i].a + 4, 0, 12);
	}
	memcpy(s, v, sizeof s);
	qsort(s, N, sizeof *s, ref_cmp);
	assert_int_equal(aggregate_ranges(v, N, 32, 128, &r, &nr), 0);
	for (i = 0, k = 0; i < N; k++) {
		for (j = i; j + 1 < N && (ref_cmp(&s[j], &s[j + 1]) == 0 ||
		    next_of(&s[j], &s[j + 1])); j++)
			;
		assert_true(k < nr);
		assert_int_equal(ref_cmp(&r[k].lo, &s[i]), 0);
		assert_int_equal(ref_cmp(&r[k].hi, &s[j]), 0);
		i = j + 1;
	}
	assert_int_equal(k, nr);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_sorted_mixed),
		cmocka_unit_test(test_exact_v4),
		cmocka_unit_test(test_exact_v6),
		cmocka_unit_test(test_widen_v4),
		cmocka_unit_test(test_widen_v6),
	};
	unsigned seed = getenv("AGG_SEED") ? (unsigned)atoi(getenv("AGG_SEED")) :
	    (unsigned)time(NULL);

	printf("# seed %u (AGG_SEED)\n", seed);
	srand(seed);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
