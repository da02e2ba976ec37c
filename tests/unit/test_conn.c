/* SPDX-License-Identifier: ISC */
/* test_conn.c: the connection table against a plain model: lookups from
 * both ends, deletion from the open-addressing indexes under churn (runs
 * that wrap around the end of the slots included), closed entries moving
 * to their own index, growth, the cap and the recency order, and the
 * keyed hash against a crafted flood. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftpaudit/conn.h"

/* Flow i: 10.x.y.z:port -> 192.0.2.(i % 7):21, IPv6 for every fifth. */
static void
flow(uint32_t i, struct fa_pkt *pk, bool reverse)
{
	struct fa_endpoint a, b;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	if (i % 5 == 0) {
		a.ip.family = b.ip.family = FA_AF_INET6;
		a.ip.a[0] = 0x20;
		a.ip.a[1] = 0x01;
		a.ip.a[12] = (uint8_t)(i >> 24);
		a.ip.a[13] = (uint8_t)(i >> 16);
		a.ip.a[14] = (uint8_t)(i >> 8);
		a.ip.a[15] = (uint8_t)i;
		b.ip.a[0] = 0x20;
		b.ip.a[15] = (uint8_t)(i % 7);
	} else {
		a.ip.family = b.ip.family = FA_AF_INET;
		a.ip.a[0] = 10;
		a.ip.a[1] = (uint8_t)(i >> 16);
		a.ip.a[2] = (uint8_t)(i >> 8);
		a.ip.a[3] = (uint8_t)i;
		b.ip.a[0] = 192;
		b.ip.a[2] = 2;
		b.ip.a[3] = (uint8_t)(i % 7);
	}
	a.port = (uint16_t)(1024 + i % 60000);
	b.port = 21;
	memset(pk, 0, sizeof *pk);
	pk->src = reverse ? b : a;
	pk->dst = reverse ? a : b;
	pk->hash = fa_pkt_hash(pk);
}

static struct conn *
find(struct conn_table *t, uint32_t i, bool reverse, int *side)
{
	struct fa_pkt pk;

	flow(i, &pk, reverse);
	return conn_lookup(t, &pk, side);
}

static struct conn *
add(struct conn_table *t, uint32_t i, uint64_t ts)
{
	struct fa_pkt pk;
	int side;

	flow(i, &pk, false);
	return conn_insert(t, &pk, ts, &side);
}

/*
 * Hash flooding: with the key known (zero), flows whose hashes share their
 * low bits are easy to find, and they pile into one probe run; under a
 * random key the same flows scatter.  The index starts with 8,192 slots
 * and grows past 4,096 entries, so 1,000 colliding flows fit.
 */
#define FLOOD_N		1000
#define FLOOD_MASK	8191u

static uint32_t
flow_hash(uint32_t i)
{
	struct fa_pkt pk;

	flow(i, &pk, false);
	return fa_hash_fold(fa_hash_ep(pk.src.ip.a, pk.src.port) +
	    fa_hash_ep(pk.dst.ip.a, pk.dst.port));
}

static uint32_t
flood_probe(const uint32_t *ids)
{
	struct conn_table *t = conn_table_new(FLOOD_N);
	uint32_t i, longest;

	assert_non_null(t);
	for (i = 0; i < FLOOD_N; i++)
		assert_non_null(add(t, ids[i], 1));
	longest = conn_longest_probe(t);
	conn_table_free(t);
	return longest;
}

static void
test_flood(void **state)
{
	uint32_t *ids, i, n = 0, home;

	(void)state;
	assert_non_null(ids = calloc(FLOOD_N, sizeof *ids));
	memset(fa_hash_key, 0, sizeof fa_hash_key);
	home = flow_hash(1) & FLOOD_MASK;
	for (i = 1; n < FLOOD_N && i < (1u << 24); i++)
		if (i % 5 != 0 && (flow_hash(i) & FLOOD_MASK) == home)
			ids[n++] = i;
	assert_int_equal(n, FLOOD_N);
	assert_true(flood_probe(ids) >= FLOOD_N - 1);

	fa_hash_key_random();
	assert_true(fa_hash_key[0] != 0 || fa_hash_key[1] != 0);
	assert_true(flood_probe(ids) < 100);
	memset(fa_hash_key, 0, sizeof fa_hash_key);
	free(ids);
}

static void
test_both_directions(void **state)
{
	struct conn_table *t = conn_table_new(1000);
	struct conn *c;
	int s1, s2;

	(void)state;
	assert_non_null(t);
	assert_null(find(t, 3, false, &s1));
	assert_non_null(c = add(t, 3, 1));
	assert_ptr_equal(find(t, 3, false, &s1), c);
	assert_ptr_equal(find(t, 3, true, &s2), c);
	assert_int_not_equal(s1, s2);
	assert_int_equal(c->init_side, s1);
	assert_null(find(t, 4, false, &s1));
	conn_remove(t, c);
	assert_null(find(t, 3, false, &s1));
	assert_int_equal(conn_count(t), 0);
	conn_table_free(t);
}

/* Random inserts, closes and removals, every lookup checked against the
 * model; enough entries to grow both indexes several times. */
static void
test_churn(void **state)
{
	enum { N = 60000, OPS = 400000 };
	struct conn_table *t = conn_table_new(N);
	struct conn **live = calloc(N, sizeof *live);
	uint32_t rnd = 12345, i, k, n = 0;
	int side;

	(void)state;
	assert_non_null(t);
	assert_non_null(live);
	for (k = 0; k < OPS; k++) {
		rnd = rnd * 1103515245 + 12345;
		i = (rnd >> 8) % N;
		if (live[i] == NULL && (k < OPS / 2 || (rnd & 1))) {
			assert_non_null(live[i] = add(t, i, k));
			n++;
		} else if (live[i] != NULL && !live[i]->lingering &&
		    (rnd >> 4) % 3 == 0) {
			conn_linger(t, live[i]);	/* moves to the closed index */
		} else if (live[i] != NULL) {
			conn_remove(t, live[i]);
			live[i] = NULL;
			n--;
		}
		assert_int_equal(conn_count(t), n);
		if (k % 97 == 0) {
			for (i = 0; i < N; i += 13)
				assert_ptr_equal(find(t, i, (i & 1) != 0, &side),
				    live[i]);
		}
	}
	for (i = 0; i < N; i++)
		assert_ptr_equal(find(t, i, false, &side), live[i]);
	for (i = 0; i < N; i++)
		if (live[i] != NULL)
			conn_remove(t, live[i]);
	assert_int_equal(conn_count(t), 0);
	for (i = 0; i < N; i++)
		assert_null(find(t, i, true, &side));
	free(live);
	conn_table_free(t);
}

static void
test_cap_and_order(void **state)
{
	struct conn_table *t = conn_table_new(3);
	struct conn *a, *b, *c;

	(void)state;
	assert_non_null(a = add(t, 1, 10));
	assert_non_null(b = add(t, 2, 20));
	assert_non_null(c = add(t, 3, 30));
	assert_null(add(t, 4, 40));		/* full: the caller evicts */
	assert_ptr_equal(conn_oldest(t), a);
	conn_touch(t, a, 50);			/* a is now the newest */
	assert_ptr_equal(conn_oldest_open(t), b);
	conn_linger(t, c);			/* closed ones go first */
	assert_ptr_equal(conn_oldest(t), c);
	assert_ptr_equal(conn_oldest_closed(t), c);
	conn_remove(t, c);
	assert_ptr_equal(conn_oldest(t), b);
	assert_non_null(c = add(t, 4, 60));	/* reuses the freed entry */
	assert_ptr_equal(find(t, 4, false, &(int){ 0 }), c);
	assert_null(find(t, 3, false, &(int){ 0 }));
	conn_table_free(t);
}

static bool
marked(const struct conn *c)
{
	return c->kind == 1;
}

/* conn_open_picked gives the picked entries in the order taking
 * conn_oldest_open() one by one would: after inserts, touches, entries
 * lingering and removed, and entries reused. */
static void
test_open_picked(void **state)
{
	enum { N = 20000, OPS = 120000 };
	struct conn_table *t = conn_table_new(N);
	struct conn **live = calloc(N, sizeof *live), **v, *c;
	uint32_t rnd = 777, i, k;
	uint64_t ts = 0;
	size_t n, j, m;

	(void)state;
	assert_non_null(t);
	assert_non_null(live);
	for (k = 0; k < OPS; k++) {
		rnd = rnd * 1103515245 + 12345;
		i = (rnd >> 8) % N;
		ts++;
		if (live[i] == NULL) {
			assert_non_null(live[i] = add(t, i, ts));
			live[i]->kind = (rnd >> 20) % 3 == 0;
		} else if ((rnd >> 4) % 5 == 0 && !live[i]->lingering)
			conn_linger(t, live[i]);
		else if ((rnd >> 4) % 5 == 1) {
			conn_remove(t, live[i]);
			live[i] = NULL;
		} else
			conn_touch(t, live[i], ts);
	}
	assert_int_equal(conn_open_picked(t, marked, &v, &n), 0);
	assert_true(n > 1000);
	/* The list's own order, marked entries only; the rest of the
	 * table goes the same way. */
	for (j = 0, m = 0; (c = conn_oldest_open(t)) != NULL; m++) {
		if (marked(c)) {
			assert_true(j < n);
			assert_ptr_equal(v[j], c);
			j++;
		}
		conn_remove(t, c);
	}
	assert_int_equal(j, n);
	assert_true(m > n);
	free(v);
	/* Nothing open is left to pick. */
	assert_int_equal(conn_open_picked(t, marked, &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);
	free(live);
	conn_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_directions),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_cap_and_order),
		cmocka_unit_test(test_open_picked),
		cmocka_unit_test(test_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
