/* SPDX-License-Identifier: ISC */
/* test_reasm.c: unit tests for the TCP stream reassembler. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ftpaudit/reasm.h"

#define COL_BUF		(1u << 20)
#define COL_EVS		8192

/* Mirrors REASM_MAXSEGS in src/reasm.c. */
#define MAXSEGS		1024u

struct ev {
	enum reasm_ev_type type;
	uint32_t	 seq;
	uint32_t	 len;
	uint64_t	 ts_us;
	uint32_t	 ack;
	bool		 ack_valid;
	size_t		 off;		/* DATA: where its bytes start in buf */
};

/* Everything one stream handed out, in order. */
struct col {
	uint8_t		*buf;
	size_t		 n;
	struct ev	 ev[COL_EVS];
	size_t		 nev;
	bool		 cont;		/* DATA/GAP continuity is being checked */
	uint32_t	 expect;	/* seq the next DATA/GAP must start at */
};

static void
collect(void *arg, const struct reasm_event *e)
{
	struct col	*c = arg;
	struct ev	*v;

	assert_true(c->nev < COL_EVS);
	v = &c->ev[c->nev++];
	v->type = e->type;
	v->seq = e->seq;
	v->len = e->len;
	v->ts_us = e->ts_us;
	v->ack = e->ack;
	v->ack_valid = e->ack_valid;
	v->off = c->n;
	assert_true(e->len > 0);
	if (e->type == REASM_CONFLICT)
		return;
	/* The stream must be seamless: each DATA or GAP starts where the
	 * previous one ended. */
	if (c->cont)
		assert_int_equal(e->seq, c->expect);
	c->cont = true;
	c->expect = e->seq + e->len;
	if (e->type == REASM_DATA) {
		assert_non_null(e->data);
		assert_true(c->n + e->len <= COL_BUF);
		memcpy(c->buf + c->n, e->data, e->len);
		c->n += e->len;
	}
}

static int
setup(void **state)
{
	struct col	*c;

	c = calloc(1, sizeof *c);
	assert_non_null(c);
	c->buf = calloc(1, COL_BUF);
	assert_non_null(c->buf);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct col	*c = *state;

	free(c->buf);
	free(c);
	return 0;
}

static void
col_reset(struct col *c)
{
	c->n = 0;
	c->nev = 0;
	c->cont = false;
}

/* Feed a string segment with a made-up stamp. */
static int
seg(struct reasm *r, struct col *c, uint32_t seq, const char *s)
{
	return reasm_segment(r, seq, (const uint8_t *)s, (uint32_t)strlen(s),
	    false, 1000 + seq, seq ^ 0x5a5a, true, collect, c);
}

static int
seg_ts(struct reasm *r, struct col *c, uint32_t seq, const char *s,
    uint64_t ts, uint32_t ack, bool ack_valid)
{
	return reasm_segment(r, seq, (const uint8_t *)s, (uint32_t)strlen(s),
	    false, ts, ack, ack_valid, collect, c);
}

static int
seg_fin(struct reasm *r, struct col *c, uint32_t seq, const char *s)
{
	return reasm_segment(r, seq, (const uint8_t *)s, (uint32_t)strlen(s),
	    true, 1000 + seq, 0, true, collect, c);
}

static void
assert_stream(const struct col *c, const char *want)
{
	assert_int_equal(c->n, strlen(want));
	assert_memory_equal(c->buf, want, c->n);
}

static size_t
count_ev(const struct col *c, enum reasm_ev_type t)
{
	size_t	 i, n = 0;

	for (i = 0; i < c->nev; i++)
		if (c->ev[i].type == t)
			n++;
	return n;
}

static void
assert_ev(const struct col *c, size_t i, enum reasm_ev_type t, uint32_t seq,
    uint32_t len)
{
	assert_true(i < c->nev);
	assert_int_equal(c->ev[i].type, t);
	assert_int_equal(c->ev[i].seq, seq);
	assert_int_equal(c->ev[i].len, len);
}

static void
test_in_order(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 1000);
	assert_true(r.synced);
	assert_int_equal(r.next_seq, 1001);
	assert_int_equal(seg(&r, c, 1001, "USER bob\r\n"), 0);
	assert_int_equal(seg(&r, c, 1011, "PASS x\r\n"), 0);
	assert_stream(c, "USER bob\r\nPASS x\r\n");
	assert_int_equal(c->nev, 2);
	assert_ev(c, 0, REASM_DATA, 1001, 10);
	assert_ev(c, 1, REASM_DATA, 1011, 8);
	assert_int_equal(r.delivered, 18);
	assert_int_equal(r.next_seq, 1019);
	assert_int_equal(r.held, 0);
	assert_int_equal(r.retransmitted, 0);
	assert_int_equal(r.gaps, 0);
	reasm_free(&r);
}

/* Every order of three adjacent segments yields the same stream. */
static void
test_out_of_order_permutations(void **state)
{
	static const int perms[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
		{ 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};
	static const char *parts[3] = { "AAAA", "BBBBBB", "CC" };
	static const uint32_t seqs[3] = { 101, 105, 111 };
	struct col	*c = *state;
	struct reasm_budget b = { 0, 0, 0 };
	struct reasm	 r;
	int		 p, i;

	for (p = 0; p < 6; p++) {
		col_reset(c);
		reasm_init(&r, 65536, &b);
		reasm_syn(&r, 100);
		for (i = 0; i < 3; i++)
			assert_int_equal(seg(&r, c, seqs[perms[p][i]],
			    parts[perms[p][i]]), 0);
		assert_stream(c, "AAAABBBBBBCC");
		assert_int_equal(count_ev(c, REASM_DATA), 3);
		assert_int_equal(r.held, 0);
		assert_null(r.ooo);
		assert_int_equal(b.used, 0);
		assert_int_equal(r.next_seq, 113);
		assert_int_equal(r.delivered, 12);
		assert_int_equal(r.retransmitted, 0);
		reasm_free(&r);
	}
}

/* 3-2-1: nothing comes out until the first segment, then all of it. */
static void
test_out_of_order_321(void **state)
{
	struct col	*c = *state;
	struct reasm_budget b = { 0, 0, 0 };
	struct reasm	 r;

	reasm_init(&r, 65536, &b);
	reasm_syn(&r, 0);
	seg(&r, c, 9, "ghi");
	seg(&r, c, 5, "def");
	assert_int_equal(c->nev, 0);
	assert_int_equal(r.held, 6);
	assert_int_equal(b.used, 6);
	/* 8 is still missing between them. */
	seg(&r, c, 1, "abcd");
	assert_stream(c, "abcddef");
	assert_int_equal(r.held, 3);
	seg(&r, c, 8, "X");
	assert_stream(c, "abcddefXghi");
	assert_int_equal(c->nev, 4);
	assert_ev(c, 0, REASM_DATA, 1, 4);
	assert_ev(c, 1, REASM_DATA, 5, 3);
	assert_ev(c, 2, REASM_DATA, 8, 1);
	assert_ev(c, 3, REASM_DATA, 9, 3);
	assert_int_equal(r.held, 0);
	assert_int_equal(b.used, 0);
	reasm_free(&r);
}

static void
test_exact_retransmission(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 10);
	seg(&r, c, 11, "RETR f\r\n");
	seg(&r, c, 11, "RETR f\r\n");
	assert_stream(c, "RETR f\r\n");
	assert_int_equal(c->nev, 1);
	assert_int_equal(r.retransmitted, 1);
	assert_int_equal(r.delivered, 8);
	reasm_free(&r);
}

/* A held segment seen twice is held once. */
static void
test_retransmission_of_held(void **state)
{
	struct col	*c = *state;
	struct reasm_budget b = { 0, 0, 0 };
	struct reasm	 r;

	reasm_init(&r, 65536, &b);
	reasm_syn(&r, 10);
	seg(&r, c, 15, "world");
	seg(&r, c, 15, "world");
	assert_int_equal(r.held, 5);
	assert_int_equal(b.used, 5);
	assert_int_equal(r.retransmitted, 1);
	assert_int_equal(r.conflicts, 0);
	assert_int_equal(c->nev, 0);
	seg(&r, c, 11, "helo");
	assert_stream(c, "heloworld");
	assert_int_equal(b.used, 0);
	reasm_free(&r);
}

/* A segment straddling next_seq delivers only its new tail. */
static void
test_overlap_delivered(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 0);
	seg(&r, c, 1, "ABCDEF");
	seg(&r, c, 4, "DEFGHI");
	assert_stream(c, "ABCDEFGHI");
	assert_int_equal(c->nev, 2);
	assert_ev(c, 1, REASM_DATA, 7, 3);
	assert_int_equal(r.retransmitted, 1);
	assert_int_equal(r.delivered, 9);
	/* Keepalive: one old garbage byte at next_seq - 1. */
	reasm_segment(&r, 9, (const uint8_t *)"Z", 1, false, 0, 0, false,
	    collect, c);
	assert_stream(c, "ABCDEFGHI");
	assert_int_equal(r.retransmitted, 2);
	assert_int_equal(r.next_seq, 10);
	reasm_free(&r);
}

/* New segments overlapping a held one on the left, the right, and both
 * sides: the held copy stays, only holes are filled. */
static void
test_overlap_held_both_sides(void **state)
{
	struct col	*c = *state;
	struct reasm_budget b = { 0, 0, 0 };
	struct reasm	 r;

	reasm_init(&r, 65536, &b);
	reasm_syn(&r, 0);
	seg(&r, c, 11, "klmnopqrst");		/* [11,21) */
	seg(&r, c, 6, "fghijklm");		/* [6,14): left overlap */
	assert_int_equal(r.held, 15);
	seg(&r, c, 19, "stuvw");		/* [19,24): right overlap */
	assert_int_equal(r.held, 18);
	seg(&r, c, 4, "defghijklmnopqrstuvwxyz");	/* both sides */
	assert_int_equal(r.held, 23);
	assert_int_equal(b.used, 23);
	assert_int_equal(r.retransmitted, 3);
	assert_int_equal(r.conflicts, 0);
	assert_int_equal(c->nev, 0);
	seg(&r, c, 1, "abc");
	assert_stream(c, "abcdefghijklmnopqrstuvwxyz");
	assert_int_equal(r.held, 0);
	assert_int_equal(b.used, 0);
	assert_int_equal(count_ev(c, REASM_GAP), 0);
	assert_int_equal(r.delivered, 26);
	reasm_free(&r);
}

/* An in-order segment running over held data: the held copy is delivered
 * for the overlap, the new one for the rest. */
static void
test_overlap_in_order_over_held(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 0);
	seg_ts(&r, c, 5, "EF", 50, 5, true);
	seg_ts(&r, c, 9, "IJ", 90, 9, true);
	seg_ts(&r, c, 1, "ABCDEFGHIJKL", 10, 1, true);
	assert_stream(c, "ABCDEFGHIJKL");
	assert_int_equal(c->nev, 5);
	assert_ev(c, 0, REASM_DATA, 1, 4);
	assert_int_equal(c->ev[0].ts_us, 10);
	assert_ev(c, 1, REASM_DATA, 5, 2);
	assert_int_equal(c->ev[1].ts_us, 50);
	assert_ev(c, 2, REASM_DATA, 7, 2);
	assert_int_equal(c->ev[2].ts_us, 10);
	assert_ev(c, 3, REASM_DATA, 9, 2);
	assert_int_equal(c->ev[3].ts_us, 90);
	assert_ev(c, 4, REASM_DATA, 11, 2);
	assert_int_equal(c->ev[4].ts_us, 10);
	assert_int_equal(r.retransmitted, 1);
	assert_int_equal(r.held, 0);
	reasm_free(&r);
}

/* Differing overlap: CONFLICT for exactly the differing bytes, and the
 * first copy reaches the stream. */
static void
test_conflict_first_copy_wins(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 0);
	seg(&r, c, 7, "WORLD\r\n");		/* [7,14) */
	seg_ts(&r, c, 5, "__WoRlD\r\n", 77, 3, true);	/* [5,14) */
	assert_int_equal(r.conflicts, 1);
	assert_int_equal(c->nev, 1);
	/* "WORLD" vs "WoRlD": bytes 8..10 differ. */
	assert_ev(c, 0, REASM_CONFLICT, 8, 3);
	assert_int_equal(c->ev[0].ts_us, 77);
	assert_int_equal(r.held, 9);
	seg(&r, c, 1, "HELL");
	assert_stream(c, "HELL__WORLD\r\n");
	assert_int_equal(r.conflicts, 1);
	reasm_free(&r);
}

/* A conflict found by an in-order segment precedes the data it concerns,
 * and the held copy is what gets delivered. */
static void
test_conflict_in_order(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 0);
	seg(&r, c, 3, "cd");
	seg(&r, c, 7, "gh");
	seg(&r, c, 1, "abXdefgY");
	assert_int_equal(r.conflicts, 2);
	assert_ev(c, 0, REASM_CONFLICT, 3, 1);
	assert_ev(c, 1, REASM_CONFLICT, 8, 1);
	assert_stream(c, "abcdefgh");
	assert_int_equal(count_ev(c, REASM_DATA), 4);
	/* Retransmitting already-delivered bytes differently cannot be
	 * checked (they are gone) and is only a retransmission. */
	seg(&r, c, 1, "ZZ");
	assert_int_equal(r.conflicts, 2);
	assert_int_equal(r.retransmitted, 2);
	reasm_free(&r);
}

/* A hole that never fills: flush reports it, then the data after it. */
static void
test_gap_flush(void **state)
{
	struct col	*c = *state;
	struct reasm_budget b = { 0, 0, 0 };
	struct reasm	 r;

	reasm_init(&r, 65536, &b);
	reasm_syn(&r, 99);
	seg(&r, c, 100, "220 ");
	seg_ts(&r, c, 110, "ok\r\n", 5, 6, true);
	assert_int_equal(c->nev, 1);
	reasm_flush(&r, collect, c);
	assert_int_equal(c->nev, 3);
	assert_ev(c, 1, REASM_GAP, 104, 6);
	assert_int_equal(c->ev[1].ts_us, 5);
	assert_ev(c, 2, REASM_DATA, 110, 4);
	assert_stream(c, "220 ok\r\n");
	assert_int_equal(r.gaps, 1);
	assert_int_equal(r.gap_bytes, 6);
	assert_int_equal(r.held, 0);
	assert_null(r.ooo);
	assert_int_equal(b.used, 0);
	assert_int_equal(r.next_seq, 114);
	/* The stream goes on after a flush. */
	seg(&r, c, 114, "x");
	assert_stream(c, "220 ok\r\nx");
	reasm_flush(&r, collect, c);
	assert_int_equal(c->nev, 4);
	reasm_free(&r);
}

static void
test_flush_several_holes(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 0);
	seg(&r, c, 20, "cc");
	seg(&r, c, 10, "bb");
	seg(&r, c, 12, "b");
	seg(&r, c, 1, "a");
	reasm_flush(&r, collect, c);
	assert_stream(c, "abbbcc");
	assert_int_equal(c->nev, 6);
	assert_ev(c, 0, REASM_DATA, 1, 1);
	assert_ev(c, 1, REASM_GAP, 2, 8);
	assert_ev(c, 2, REASM_DATA, 10, 2);
	assert_ev(c, 3, REASM_DATA, 12, 1);
	assert_ev(c, 4, REASM_GAP, 13, 7);
	assert_ev(c, 5, REASM_DATA, 20, 2);
	assert_int_equal(r.gaps, 2);
	assert_int_equal(r.gap_bytes, 15);
	reasm_free(&r);
}

/* Over the stream cap the earliest hole is skipped mid-stream. */
static void
test_stream_cap(void **state)
{
	struct col	*c = *state;
	struct reasm_budget b = { 0, 0, 0 };
	struct reasm	 r;

	reasm_init(&r, 10, &b);
	reasm_syn(&r, 0);
	seg(&r, c, 1, "ab");			/* next 3 */
	seg(&r, c, 10, "01234567");		/* held 8 */
	assert_int_equal(r.held, 8);
	seg(&r, c, 30, "vwxyz");		/* 13 > 10 */
	/* Hole [3,10) given up, held data flows, new segment then fits. */
	assert_int_equal(c->nev, 3);
	assert_ev(c, 1, REASM_GAP, 3, 7);
	assert_ev(c, 2, REASM_DATA, 10, 8);
	assert_int_equal(r.held, 5);
	assert_int_equal(r.next_seq, 18);
	assert_int_equal(b.cap_hits, 0);
	assert_int_equal(r.gaps, 1);
	assert_int_equal(r.gap_bytes, 7);
	/* 15 > 10: skipping [18,20) is not enough, [22,30) goes too. */
	seg(&r, c, 20, "ab");
	assert_int_equal(r.held, 7);
	seg(&r, c, 50, "12345678");
	assert_int_equal(r.gaps, 3);
	assert_int_equal(c->nev, 7);
	assert_ev(c, 3, REASM_GAP, 18, 2);
	assert_ev(c, 4, REASM_DATA, 20, 2);
	assert_ev(c, 5, REASM_GAP, 22, 8);
	assert_ev(c, 6, REASM_DATA, 30, 5);
	assert_int_equal(r.held, 8);
	assert_int_equal(r.next_seq, 35);
	/* Filling up exactly to the cap is allowed. */
	seg(&r, c, 40, "xy");
	assert_int_equal(r.held, 10);
	assert_int_equal(r.gaps, 3);
	assert_int_equal(b.used, 10);
	assert_stream(c, "ab01234567abvwxyz");
	reasm_free(&r);
	assert_int_equal(b.used, 0);
}

/* An out-of-order segment bigger than the cap can never be held: the hole
 * before it is skipped and it is delivered at once. */
static void
test_segment_larger_than_cap(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 4, NULL);
	reasm_syn(&r, 0);
	seg(&r, c, 5, "ef");
	seg(&r, c, 10, "0123456789");
	assert_int_equal(r.held, 0);
	assert_int_equal(c->nev, 4);
	assert_ev(c, 0, REASM_GAP, 1, 4);
	assert_ev(c, 1, REASM_DATA, 5, 2);
	assert_ev(c, 2, REASM_GAP, 7, 3);
	assert_ev(c, 3, REASM_DATA, 10, 10);
	assert_stream(c, "ef0123456789");
	reasm_free(&r);
}

/* Cap 0 holds nothing: every hole is skipped at once. */
static void
test_cap_zero(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 0, NULL);
	reasm_syn(&r, 0);
	seg(&r, c, 3, "c");
	seg(&r, c, 1, "ab");
	assert_stream(c, "c");
	assert_int_equal(r.gaps, 1);
	assert_int_equal(r.retransmitted, 1);
	reasm_free(&r);
}

/* Two streams share one budget; a stream over the budget skips its own
 * holes, never touching the other's data. */
static void
test_budget_shared(void **state)
{
	struct col	*c = *state, *c2;
	struct reasm_budget b = { 0, 16, 0 };
	struct reasm	 a, r2;

	setup((void **)&c2);
	reasm_init(&a, 65536, &b);
	reasm_init(&r2, 65536, &b);
	reasm_syn(&a, 0);
	reasm_syn(&r2, 1000);
	seg(&a, c, 5, "AAAAAAAAAA");		/* a holds 10 */
	seg(&r2, c2, 1005, "BBBB");		/* r2 holds 4: 14 */
	assert_int_equal(b.used, 14);
	seg(&r2, c2, 1010, "CCCC");		/* 18 > 16 */
	assert_int_equal(b.cap_hits, 1);
	assert_ev(c2, 0, REASM_GAP, 1001, 4);
	assert_ev(c2, 1, REASM_DATA, 1005, 4);
	assert_int_equal(r2.held, 4);
	assert_int_equal(a.held, 10);
	assert_int_equal(b.used, 14);
	assert_int_equal(c->nev, 0);
	/* a may fill the budget exactly. */
	seg(&a, c, 16, "xx");
	assert_int_equal(b.used, 16);
	assert_int_equal(a.gaps, 0);
	reasm_flush(&r2, collect, c2);
	assert_int_equal(b.used, 12);
	/* r2 holds nothing it could give up: its only hole goes and the
	 * segment is delivered; a's bytes are not touched. */
	seg(&r2, c2, 1020, "DDDDD");
	assert_int_equal(b.cap_hits, 2);
	assert_ev(c2, 4, REASM_GAP, 1014, 6);
	assert_ev(c2, 5, REASM_DATA, 1020, 5);
	assert_int_equal(r2.held, 0);
	assert_int_equal(a.held, 12);
	assert_int_equal(b.used, 12);
	assert_stream(c2, "BBBBCCCCDDDDD");
	assert_int_equal(count_ev(c2, REASM_GAP), 3);
	assert_int_equal(c->nev, 0);
	seg(&a, c, 1, "aaaa");
	assert_stream(c, "aaaaAAAAAAAAAA");
	assert_int_equal(b.used, 2);
	reasm_free(&a);
	reasm_free(&r2);
	assert_int_equal(b.used, 0);
	teardown((void **)&c2);
}

/* The held segment count is capped too, whatever the byte cap. */
static void
test_segment_count_cap(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;
	uint32_t	 i;

	reasm_init(&r, 1u << 20, NULL);
	reasm_syn(&r, 0);
	for (i = 0; i < MAXSEGS; i++)
		seg(&r, c, 3 + 2 * i, "x");
	assert_int_equal(r.held, MAXSEGS);
	assert_int_equal(r.gaps, 0);
	seg(&r, c, 3 + 2 * MAXSEGS, "y");
	/* Hole [1,3) gone and the first held byte delivered. */
	assert_int_equal(r.gaps, 1);
	assert_int_equal(r.held, MAXSEGS);
	assert_ev(c, 0, REASM_GAP, 1, 2);
	assert_ev(c, 1, REASM_DATA, 3, 1);
	reasm_free(&r);
}

static void
test_wrap_in_order(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 0xFFFFFFF0u);
	seg(&r, c, 0xFFFFFFF1u, "0123456789");		/* to 0xFFFFFFFB */
	seg(&r, c, 0xFFFFFFFBu, "abcdefghij");		/* crosses 2^32 */
	seg(&r, c, 0x00000005u, "KLM");
	assert_stream(c, "0123456789abcdefghijKLM");
	assert_int_equal(r.next_seq, 8);
	assert_ev(c, 1, REASM_DATA, 0xFFFFFFFBu, 10);
	assert_ev(c, 2, REASM_DATA, 5, 3);
	/* Old data from before the wrap is still old. */
	seg(&r, c, 0xFFFFFFF8u, "zz");
	assert_int_equal(r.retransmitted, 1);
	assert_int_equal(r.delivered, 23);
	reasm_free(&r);
}

static void
test_wrap_out_of_order(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 0xFFFFFFF0u);
	seg(&r, c, 0x00000003u, "nopq");		/* after the wrap */
	seg(&r, c, 0xFFFFFFFCu, "fghijkl");		/* crosses it */
	seg(&r, c, 0xFFFFFFF6u, "_m");			/* overlap/hole */
	assert_int_equal(c->nev, 0);
	seg(&r, c, 0xFFFFFFF1u, "abcde");
	assert_stream(c, "abcde_m");
	reasm_flush(&r, collect, c);
	assert_stream(c, "abcde_mfghijklnopq");
	assert_int_equal(r.gaps, 1);
	assert_int_equal(r.gap_bytes, 4);		/* [0xFFFFFFF8, 0xFFFFFFFC) */
	assert_int_equal(r.next_seq, 7);
	reasm_free(&r);
}

/* Cap skip and conflicts across the wrap. */
static void
test_wrap_cap_and_conflict(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 6, NULL);
	reasm_syn(&r, 0xFFFFFFFDu);			/* next 0xFFFFFFFE */
	seg(&r, c, 0x00000001u, "BCD");
	seg(&r, c, 0xFFFFFFFFu, "aXBc");		/* conflict at 2 */
	assert_int_equal(r.conflicts, 1);
	assert_ev(c, 0, REASM_CONFLICT, 2, 1);
	assert_int_equal(r.held, 5);
	seg(&r, c, 0x00000010u, "zzz");			/* 7 > 6 */
	assert_ev(c, 1, REASM_GAP, 0xFFFFFFFEu, 1);
	assert_ev(c, 2, REASM_DATA, 0xFFFFFFFFu, 2);
	assert_ev(c, 3, REASM_DATA, 1, 3);
	assert_stream(c, "aXBCD");
	assert_int_equal(r.held, 3);
	reasm_free(&r);
}

/* No SYN: the first data segment syncs the stream; an older SYN seen
 * later (a retransmission captured late) is ignored, as is a newer one. */
static void
test_midstream_pickup(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	assert_false(r.synced);
	/* A pure ACK does not sync (a keepalive would sync one byte early). */
	reasm_segment(&r, 4999, NULL, 0, false, 1, 1, true, collect, c);
	assert_false(r.synced);
	seg(&r, c, 5000, "230 in\r\n");
	assert_true(r.synced);
	assert_stream(c, "230 in\r\n");
	reasm_syn(&r, 100);
	assert_int_equal(r.next_seq, 5008);
	reasm_syn(&r, 6000);
	assert_int_equal(r.next_seq, 5008);
	seg(&r, c, 5008, "x");
	assert_stream(c, "230 in\r\nx");
	/* Pure ACKs after sync change nothing. */
	reasm_segment(&r, 5009, NULL, 0, false, 1, 1, true, collect, c);
	reasm_segment(&r, 1234, NULL, 0, false, 1, 1, true, collect, c);
	assert_int_equal(r.next_seq, 5009);
	assert_int_equal(r.retransmitted, 0);
	assert_int_equal(c->nev, 2);
	reasm_free(&r);
}

/* Before any byte comes out a SYN may be replaced (a new attempt with a new
 * ISN); a retransmitted SYN is harmless. */
static void
test_syn_before_data(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 100);
	reasm_syn(&r, 100);
	assert_int_equal(r.next_seq, 101);
	reasm_syn(&r, 7000);
	assert_int_equal(r.next_seq, 7001);
	seg(&r, c, 7003, "cd");			/* held */
	reasm_syn(&r, 5);
	assert_int_equal(r.next_seq, 7001);
	seg(&r, c, 7001, "ab");
	assert_stream(c, "abcd");
	reasm_free(&r);
}

static void
test_fin_with_data(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 0);
	seg(&r, c, 1, "221 ");
	seg_fin(&r, c, 5, "bye\r\n");
	assert_true(r.fin);
	assert_int_equal(r.fin_seq, 10);
	assert_stream(c, "221 bye\r\n");
	/* After the FIN: beyond it ignored, straddling it cut, a later FIN
	 * does not move it. */
	seg(&r, c, 10, "junk");
	seg_fin(&r, c, 20, "more");
	assert_int_equal(r.fin_seq, 10);
	assert_stream(c, "221 bye\r\n");
	assert_int_equal(r.held, 0);
	reasm_flush(&r, collect, c);
	assert_int_equal(r.gaps, 0);
	reasm_free(&r);
}

static void
test_fin_clips_straddling(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 0);
	reasm_segment(&r, 6, NULL, 0, true, 0, 0, true, collect, c);
	assert_true(r.fin);
	assert_int_equal(r.fin_seq, 6);
	seg(&r, c, 1, "abcdefgh");
	assert_stream(c, "abcde");
	assert_int_equal(r.next_seq, 6);
	reasm_free(&r);
}

/* A FIN arriving early cuts held data past it and returns the bytes. */
static void
test_fin_out_of_order(void **state)
{
	struct col	*c = *state;
	struct reasm_budget b = { 0, 0, 0 };
	struct reasm	 r;

	reasm_init(&r, 65536, &b);
	reasm_syn(&r, 0);
	seg(&r, c, 20, "tuvw");			/* past the FIN: dropped */
	seg(&r, c, 6, "fghi");			/* straddles: cut to [6,8) */
	assert_int_equal(b.used, 8);
	seg_fin(&r, c, 5, "efg");		/* FIN at 8 */
	assert_int_equal(r.fin_seq, 8);
	assert_int_equal(r.held, 3);
	assert_int_equal(b.used, 3);
	seg(&r, c, 1, "abcdefgXYZ");
	assert_stream(c, "abcdefg");
	assert_int_equal(r.next_seq, 8);
	assert_int_equal(r.held, 0);
	assert_int_equal(b.used, 0);
	reasm_free(&r);
}

/* Flush reports the bytes missing before a FIN as a gap. */
static void
test_fin_flush_gap(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 0);
	seg(&r, c, 1, "ab");
	reasm_segment(&r, 9, NULL, 0, true, 0, 0, true, collect, c);
	reasm_flush(&r, collect, c);
	assert_int_equal(c->nev, 2);
	assert_ev(c, 1, REASM_GAP, 3, 6);
	assert_int_equal(r.next_seq, 9);
	reasm_flush(&r, collect, c);
	assert_int_equal(c->nev, 2);
	reasm_free(&r);
}

/* A FIN claiming an end before delivered data is ignored. */
static void
test_fin_before_delivered(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 0);
	seg(&r, c, 1, "abcdef");
	reasm_segment(&r, 3, NULL, 0, true, 0, 0, true, collect, c);
	assert_false(r.fin);
	/* A retransmission with the FIN at next_seq does count. */
	seg_fin(&r, c, 4, "def");
	assert_true(r.fin);
	assert_int_equal(r.fin_seq, 7);
	assert_stream(c, "abcdef");
	reasm_free(&r);
}

/* A FIN seen before the stream is synced is kept; data after it never
 * syncs the stream, data before it does.  A SYN contradicting it drops it. */
static void
test_fin_before_sync(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_segment(&r, 50, NULL, 0, true, 0, 0, true, collect, c);
	assert_true(r.fin);
	assert_false(r.synced);
	seg(&r, c, 60, "late");
	assert_false(r.synced);
	seg(&r, c, 40, "0123456789abc");
	assert_true(r.synced);
	assert_stream(c, "0123456789");
	assert_int_equal(r.next_seq, 50);
	reasm_free(&r);

	col_reset(c);
	reasm_init(&r, 65536, NULL);
	reasm_segment(&r, 50, NULL, 0, true, 0, 0, true, collect, c);
	reasm_syn(&r, 100);
	assert_false(r.fin);
	seg(&r, c, 101, "ok");
	assert_stream(c, "ok");
	reasm_flush(&r, collect, c);
	assert_int_equal(r.gaps, 0);
	reasm_free(&r);

	/* A consistent one survives the SYN and bounds the stream. */
	col_reset(c);
	reasm_init(&r, 65536, NULL);
	reasm_segment(&r, 110, NULL, 0, true, 0, 0, true, collect, c);
	reasm_syn(&r, 100);
	assert_true(r.fin);
	seg(&r, c, 101, "abc");
	reasm_flush(&r, collect, c);
	assert_ev(c, 1, REASM_GAP, 104, 6);
	reasm_free(&r);
}

/* Each delivered chunk carries the stamp of the segment that carried it,
 * including data that waited in the held list. */
static void
test_stamps(void **state)
{
	struct col	*c = *state;
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 0);
	seg_ts(&r, c, 4, "de", 200, 0xAAAA, true);
	seg_ts(&r, c, 6, "f", 300, 0, false);
	seg_ts(&r, c, 1, "abc", 400, 0xCCCC, true);
	assert_int_equal(c->nev, 3);
	assert_int_equal(c->ev[0].ts_us, 400);
	assert_int_equal(c->ev[0].ack, 0xCCCC);
	assert_true(c->ev[0].ack_valid);
	assert_int_equal(c->ev[1].ts_us, 200);
	assert_int_equal(c->ev[1].ack, 0xAAAA);
	assert_true(c->ev[1].ack_valid);
	assert_int_equal(c->ev[2].ts_us, 300);
	assert_false(c->ev[2].ack_valid);
	reasm_free(&r);
}

/* Free gives every held byte back to the budget and the struct can be
 * used again. */
static void
test_free_returns_budget(void **state)
{
	struct col	*c = *state;
	struct reasm_budget b = { 0, 100, 0 };
	struct reasm	 r, other;

	reasm_init(&other, 100, &b);
	reasm_syn(&other, 0);
	seg(&other, c, 50, "keep");
	reasm_init(&r, 100, &b);
	reasm_syn(&r, 0);
	seg(&r, c, 10, "aaaa");
	seg(&r, c, 20, "bbbbbbbb");
	seg(&r, c, 40, "cc");
	assert_int_equal(b.used, 18);
	reasm_free(&r);
	assert_int_equal(b.used, 4);
	assert_int_equal(r.held, 0);
	assert_null(r.ooo);
	reasm_free(&r);				/* twice is harmless */
	assert_int_equal(b.used, 4);
	reasm_init(&r, 100, &b);
	reasm_syn(&r, 0);
	seg(&r, c, 3, "c");
	assert_int_equal(b.used, 5);
	reasm_free(&r);
	reasm_free(&other);
	assert_int_equal(b.used, 0);
	assert_int_equal(c->nev, 0);
}

/* Nonsense lengths, far-away sequence numbers and missing data are
 * refused without a trace. */
static void
test_hostile_refused(void **state)
{
	struct col	*c = *state;
	static uint8_t	 one[1] = { 'q' };
	struct reasm	 r;

	reasm_init(&r, 65536, NULL);
	reasm_syn(&r, 0);
	assert_int_equal(reasm_segment(&r, 1, one, 0x80000001u, false, 0, 0,
	    false, collect, c), 0);
	assert_int_equal(reasm_segment(&r, 1, one, 0xFFFFFFFFu, true, 0, 0,
	    false, collect, c), 0);
	assert_int_equal(reasm_segment(&r, 1, NULL, 5, false, 0, 0, false,
	    collect, c), 0);
	/* Beyond any TCP window ahead. */
	assert_int_equal(reasm_segment(&r, 1 + (1u << 30), one, 1, true, 0, 0,
	    false, collect, c), 0);
	assert_int_equal(reasm_segment(&r, 0x7FFFFFFFu, one, 1, false, 0, 0,
	    false, collect, c), 0);
	assert_int_equal(c->nev, 0);
	assert_int_equal(r.held, 0);
	assert_false(r.fin);
	assert_int_equal(r.next_seq, 1);
	/* Far behind is just old. */
	reasm_segment(&r, 0x80000002u, one, 1, false, 0, 0, false, collect, c);
	assert_int_equal(r.retransmitted, 1);
	assert_int_equal(c->nev, 0);
	/* Null callback: counted, not reported. */
	reasm_segment(&r, 1, one, 1, false, 0, 0, false, NULL, NULL);
	assert_int_equal(r.delivered, 1);
	reasm_free(&r);
}

/* Deterministic xorshift so failures replay. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * A message cut into random overlapping segments, sent shuffled with
 * duplicates, around a random ISN (often near the wrap): with room enough
 * the stream comes out exact.
 */
static void
test_random_exact(void **state)
{
	struct col	*c = *state;
	struct reasm_budget b = { 0, 0, 0 };
	struct reasm	 r;
	uint8_t		 msg[2048];
	uint32_t	 s = 0x1234567u, isn, off[400], len[400], i, j, n, t;
	int		 round;

	for (round = 0; round < 200; round++) {
		col_reset(c);
		for (i = 0; i < sizeof msg; i++)
			msg[i] = (uint8_t)rnd(&s);
		isn = round % 2 ? 0xFFFFFF00u + rnd(&s) % 0x100 : rnd(&s);
		n = 0;
		for (i = 0; i < sizeof msg; i += len[n++] / 2 + 1) {
			off[n] = i;
			len[n] = 1 + rnd(&s) % 64;
			if (off[n] + len[n] > sizeof msg)
				len[n] = sizeof msg - off[n];
		}
		for (i = n - 1; i > 0; i--) {
			j = rnd(&s) % (i + 1);
			t = off[i]; off[i] = off[j]; off[j] = t;
			t = len[i]; len[i] = len[j]; len[j] = t;
		}
		reasm_init(&r, 1u << 20, &b);
		reasm_syn(&r, isn);
		for (i = 0; i < n; i++) {
			reasm_segment(&r, isn + 1 + off[i], msg + off[i],
			    len[i], false, i, 0, true, collect, c);
			if (rnd(&s) % 4 == 0)
				reasm_segment(&r, isn + 1 + off[i],
				    msg + off[i], len[i], false, i, 0, true,
				    collect, c);
		}
		assert_int_equal(r.held, 0);
		assert_int_equal(b.used, 0);
		assert_int_equal(r.gaps, 0);
		assert_int_equal(r.conflicts, 0);
		assert_int_equal(c->n, sizeof msg);
		assert_memory_equal(c->buf, msg, sizeof msg);
		reasm_free(&r);
	}
}

/* Every byte the hostile test sends is this function of its seq, so any
 * delivered byte can be checked wherever it came from. */
static uint8_t
pat(uint32_t seq)
{
	return (seq * 2654435761u) >> 24;
}

static void
fill(uint8_t *buf, uint32_t seq, uint32_t len)
{
	uint32_t	 i;

	for (i = 0; i < len; i++)
		buf[i] = pat(seq + i);
}

/*
 * Garbage in: random seq/len/FIN/SYN/flush on two streams sharing a small
 * budget.  Caps must hold after every step, DATA and GAP must tile the
 * stream (checked in collect()), every delivered byte must be the one sent
 * for its seq, and free must return everything.
 */
static void
test_random_hostile(void **state)
{
	struct col	*c = *state, *c2;
	struct reasm_budget b = { 0, 300, 0 };
	struct reasm	 r[2];
	struct col	*cs[2];
	uint8_t		 buf[4096];
	uint32_t	 s = 0xC0FFEEu, base, seq, len, i, k, e;
	int		 round, step;

	setup((void **)&c2);
	cs[0] = c;
	cs[1] = c2;
	for (round = 0; round < 400; round++) {
		base = round % 3 == 0 ? 0xFFFFF800u : rnd(&s);
		for (k = 0; k < 2; k++) {
			col_reset(cs[k]);
			reasm_init(&r[k], rnd(&s) % 300, &b);
			if (rnd(&s) % 2)
				reasm_syn(&r[k], base - 1);
		}
		for (step = 0; step < 300; step++) {
			k = rnd(&s) % 2;
			switch (rnd(&s) % 16) {
			case 0:
				/* Anywhere at all. */
				seq = rnd(&s);
				len = rnd(&s) % sizeof buf;
				fill(buf, seq, len);
				reasm_segment(&r[k], seq, buf, len,
				    rnd(&s) % 8 == 0, 0, 0, false, collect,
				    cs[k]);
				break;
			case 1:
				/* Absurd lengths must be refused unread. */
				reasm_segment(&r[k], base + rnd(&s) % 64, buf,
				    0x40000001u + rnd(&s) % 0x40000000u,
				    rnd(&s) % 2, 0, 0, false, collect, cs[k]);
				break;
			case 2:
				reasm_syn(&r[k], base - 1 + rnd(&s) % 64);
				break;
			case 3:
				reasm_flush(&r[k], collect, cs[k]);
				break;
			default:
				/* Near the stream. */
				seq = base + rnd(&s) % 2048 - 64;
				len = rnd(&s) % 80;
				fill(buf, seq, len);
				reasm_segment(&r[k], seq, buf, len,
				    rnd(&s) % 64 == 0, 0, 0, false, collect,
				    cs[k]);
				break;
			}
			for (i = 0; i < 2; i++)
				assert_true(r[i].held <= r[i].cap);
			assert_int_equal(b.used, (uint64_t)r[0].held +
			    r[1].held);
			assert_true(b.used <= b.cap);
		}
		for (k = 0; k < 2; k++) {
			reasm_flush(&r[k], collect, cs[k]);
			assert_int_equal(r[k].held, 0);
			assert_null(r[k].ooo);
			for (i = 0; i < cs[k]->nev; i++) {
				struct ev *v = &cs[k]->ev[i];

				if (v->type != REASM_DATA)
					continue;
				for (e = 0; e < v->len; e++)
					assert_int_equal(cs[k]->buf[v->off + e],
					    pat(v->seq + e));
			}
			assert_int_equal(cs[k]->n, r[k].delivered);
			reasm_free(&r[k]);
		}
		assert_int_equal(b.used, 0);
	}
	teardown((void **)&c2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_permutations,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_321, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exact_retransmission,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_retransmission_of_held,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_delivered, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_overlap_held_both_sides,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_in_order_over_held,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict_first_copy_wins,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict_in_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gap_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_several_holes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stream_cap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_segment_larger_than_cap,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_shared, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_segment_count_cap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrap_in_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrap_out_of_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrap_cap_and_conflict,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_midstream_pickup, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_syn_before_data, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fin_with_data, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fin_clips_straddling,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fin_out_of_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fin_flush_gap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fin_before_delivered,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fin_before_sync, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stamps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_returns_budget, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hostile_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_random_exact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_random_hostile, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
