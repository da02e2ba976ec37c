/* SPDX-License-Identifier: ISC */
/* test_nat.c: the two sides of a translation become one session, paired
 * by the SYN's sequence number, with the diagnosis each failure deserves;
 * everything else goes through the stage untouched, and it holds no more
 * than its cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftpaudit/nat.h"
#include "session_int.h"
#include "grow.h"

static struct fa_endpoint
ep(const char *ip, uint16_t port)
{
	struct fa_endpoint e;

	assert_int_equal(fa_addr_parse(ip, &e.ip), 0);
	e.port = port;
	return e;
}

/* A session of one control connection: client c, server s, client ISN. */
static struct fa_session *
sess(uint64_t id, const char *c, uint16_t cp, const char *s, uint16_t sp,
    uint32_t isn, uint64_t t)
{
	struct fa_session *x = session_new(id, 0);

	assert_non_null(x);
	x->client = ep(c, cp);
	x->server = ep(s, sp);
	x->has_isn[0] = x->has_isn[1] = true;
	x->isn[0] = isn;
	x->isn[1] = isn ^ 0x5555;
	x->start_us = t;
	x->synack_us = t + 500;
	x->end_us = t + 1000;
	x->ended = true;
	return x;
}

static struct fa_transfer *
xfer(struct fa_session *s, enum fa_mode m, enum fa_neg n, const char *ip,
    uint16_t port)
{
	struct fa_transfer *t;

	/* Pooled, as the engine keeps them. */
	assert_int_equal(session_grow(s, (void **)&s->xfers, s->nxfers,
	    &s->xfers_cap, sizeof *s->xfers, 4), 0);
	t = &s->xfers[s->nxfers++];
	memset(t, 0, sizeof *t);
	t->id = s->nxfers;
	t->mode = m;
	t->neg = n;
	if (ip != NULL)
		t->announced = ep(ip, port);
	else
		t->announced.port = port;
	t->expected = t->announced;
	t->cmd_index = -1;
	return t;
}

static void
connect(struct fa_transfer *t, const char *c, uint16_t cp, const char *s,
    uint16_t sp, enum fa_handshake hs, uint32_t isn)
{
	t->connected = true;
	t->initiator_server = t->mode == FA_MODE_ACTIVE;
	t->data_client = ep(c, cp);
	t->data_server = ep(s, sp);
	t->handshake = hs;
	t->has_isn = true;
	t->isn = isn;
}

static const struct fa_anomaly *
find(const struct fa_session *s, const char *type)
{
	uint32_t i;

	for (i = 0; i < s->nanoms; i++)
		if (strcmp(s->anoms[i].type, type) == 0)
			return &s->anoms[i];
	return NULL;
}

/* Masquerade, no helper: PORT crosses with the inside address. */
static void
test_active_unrewritten(void **state)
{
	struct fa_session *a = sess(1, "10.0.0.2", 40000, "192.0.2.9", 21, 7, 100);
	struct fa_session *b = sess(2, "198.51.100.1", 40000, "192.0.2.9", 21, 7, 110);
	const struct fa_anomaly *x;

	(void)state;
	xfer(a, FA_MODE_ACTIVE, FA_NEG_PORT, "10.0.0.2", 50000);
	xfer(b, FA_MODE_ACTIVE, FA_NEG_PORT, "10.0.0.2", 50000);
	assert_int_equal(nat_merge(a, b), 0);
	assert_int_equal(a->nat->kind, FA_NAT_SNAT);
	assert_int_equal(a->nat->payload_rewritten, 0);
	assert_int_equal(a->nat->in_client.port, 40000);
	assert_string_equal(fa_addr_str(&a->nat->out_client.ip, (char[FA_ADDRSTRLEN]){0}),
	    "198.51.100.1");
	assert_non_null(x = find(a, "nat_active_unrewritten"));
	assert_non_null(x->fix);
	assert_non_null(strstr(x->fix, "tcp dport 21 ct helper set"));
	assert_null(find(a, "nat_passive_private"));
	assert_int_equal(a->nat_pair_id, 2);
	fa_session_unref(a);
	fa_session_unref(b);
}

/* The helper rewrote PORT: nothing to say, payload_rewritten true, and
 * the data connection paired by its ISN. */
static void
test_active_rewritten(void **state)
{
	struct fa_session *a = sess(1, "10.0.0.2", 40000, "192.0.2.9", 21, 7, 100);
	struct fa_session *b = sess(2, "198.51.100.1", 40000, "192.0.2.9", 21, 7, 110);
	struct fa_transfer *ta, *tb;

	(void)state;
	ta = xfer(a, FA_MODE_ACTIVE, FA_NEG_PORT, "10.0.0.2", 50000);
	tb = xfer(b, FA_MODE_ACTIVE, FA_NEG_PORT, "198.51.100.1", 50000);
	connect(ta, "10.0.0.2", 50000, "192.0.2.9", 20, FA_HS_COMPLETE, 99);
	connect(tb, "198.51.100.1", 50000, "192.0.2.9", 20, FA_HS_COMPLETE, 99);
	assert_int_equal(nat_merge(a, b), 0);
	assert_int_equal(a->nat->payload_rewritten, 1);
	assert_int_equal(a->nanoms, 0);
	/* The server connects: its responder, the client, was translated. */
	assert_int_equal(ta->nat->kind, FA_NAT_DNAT);
	assert_int_equal(ta->nat->payload_rewritten, 1);
	assert_string_equal(fa_addr_str(&ta->nat->in_client.ip, (char[FA_ADDRSTRLEN]){0}),
	    "10.0.0.2");
	fa_session_unref(a);
	fa_session_unref(b);
}

/* Port forward, server without pasv_address; curl ignored the 227. */
static void
test_passive_private(void **state)
{
	struct fa_session *a = sess(1, "192.0.2.50", 40000, "203.0.113.1", 21, 9, 100);
	struct fa_session *b = sess(2, "192.0.2.50", 40000, "10.1.1.5", 21, 9, 110);
	struct fa_transfer *ta, *tb;
	const struct fa_anomaly *x;

	(void)state;
	ta = xfer(a, FA_MODE_PASSIVE, FA_NEG_PASV, "10.1.1.5", 40001);
	tb = xfer(b, FA_MODE_PASSIVE, FA_NEG_PASV, "10.1.1.5", 40001);
	connect(ta, "192.0.2.50", 40002, "203.0.113.1", 40001, FA_HS_COMPLETE, 5);
	connect(tb, "192.0.2.50", 40002, "10.1.1.5", 40001, FA_HS_COMPLETE, 5);
	assert_int_equal(nat_merge(a, b), 0);
	assert_int_equal(a->nat->kind, FA_NAT_DNAT);
	/* Each host by its own address. */
	assert_string_equal(fa_addr_str(&a->server.ip, (char[FA_ADDRSTRLEN]){0}),
	    "10.1.1.5");
	assert_string_equal(fa_addr_str(&a->nat->in_server.ip, (char[FA_ADDRSTRLEN]){0}),
	    "10.1.1.5");
	assert_non_null(x = find(a, "nat_passive_private"));
	assert_non_null(strstr(x->detail, "ignored the 227 address"));
	assert_non_null(strstr(x->fix, "pasv_address=203.0.113.1"));
	assert_non_null(strstr(x->fix, "MasqueradeAddress 203.0.113.1"));
	assert_non_null(strstr(x->fix, "curl >= 7.74"));
	fa_session_unref(a);
	fa_session_unref(b);
}

/* The announcement is right, the gateway resets the data connection. */
static void
test_range_not_forwarded(void **state)
{
	struct fa_session *a = sess(1, "192.0.2.50", 40000, "203.0.113.1", 21, 9, 100);
	struct fa_session *b = sess(2, "192.0.2.50", 40000, "10.1.1.5", 21, 9, 110);
	struct fa_transfer *ta;
	const struct fa_anomaly *x;

	(void)state;
	ta = xfer(a, FA_MODE_PASSIVE, FA_NEG_EPSV, NULL, 40001);
	xfer(b, FA_MODE_PASSIVE, FA_NEG_EPSV, NULL, 40001);
	connect(ta, "192.0.2.50", 40002, "203.0.113.1", 40001, FA_HS_RESET, 5);
	assert_int_equal(nat_merge(a, b), 0);
	assert_int_equal(a->nat->payload_rewritten, 0);
	assert_non_null(x = find(a, "nat_passive_range_not_forwarded"));
	assert_non_null(strstr(x->fix, "dnat to 10.1.1.5"));
	assert_non_null(strstr(x->fix, "tcp dport 40001 dnat"));
	fa_session_unref(a);
	fa_session_unref(b);
}

/*
 * The helper's address check is the sender's: behind a port forward, a
 * 227 naming the public address (pasv_address) is no obstacle on the
 * client's side but is on the server's, where nf_conntrack_ftp compares
 * it; one naming the server's own address is the reverse.  The merged
 * transfer carries the server's view.  Active mode keeps the client's.
 */
static void
test_helper_address(void **state)
{
	struct fa_session *a = sess(1, "192.0.2.50", 40000, "203.0.113.1", 21, 9, 100);
	struct fa_session *b = sess(2, "192.0.2.50", 40000, "10.1.1.5", 21, 9, 110);
	struct fa_transfer *ta, *tb;

	(void)state;
	ta = xfer(a, FA_MODE_PASSIVE, FA_NEG_PASV, "203.0.113.1", 40001);
	tb = xfer(b, FA_MODE_PASSIVE, FA_NEG_PASV, "203.0.113.1", 40001);
	tb->helper_flags = FA_HELPER_ADDR | FA_HELPER_SPLIT;
	ta = xfer(a, FA_MODE_PASSIVE, FA_NEG_PASV, "10.1.1.5", 40000);
	tb = xfer(b, FA_MODE_PASSIVE, FA_NEG_PASV, "10.1.1.5", 40000);
	ta->helper_flags = FA_HELPER_ADDR;
	ta = xfer(a, FA_MODE_ACTIVE, FA_NEG_PORT, "10.9.9.9", 50000);
	tb = xfer(b, FA_MODE_ACTIVE, FA_NEG_PORT, "10.9.9.9", 50000);
	ta->helper_flags = FA_HELPER_ADDR;
	(void)tb;
	assert_int_equal(nat_merge(a, b), 0);
	assert_int_equal(a->xfers[0].helper_flags, FA_HELPER_ADDR);
	assert_int_equal(a->xfers[1].helper_flags, 0);
	assert_int_equal(a->xfers[2].helper_flags, FA_HELPER_ADDR);
	fa_session_unref(a);
	fa_session_unref(b);
}

/* Same endpoints on both sides: not a translation. */
static void
test_not_translated(void **state)
{
	struct fa_session *a = sess(1, "10.0.0.2", 40000, "192.0.2.9", 21, 7, 100);
	struct fa_session *b = sess(2, "10.0.0.2", 40000, "192.0.2.9", 21, 7, 110);

	(void)state;
	assert_int_equal(nat_merge(a, b), -1);
	assert_null(a->nat);
	fa_session_unref(a);
	fa_session_unref(b);
}

/* The stage: what its sink delivered. */
struct got {
	uint64_t	 id[64];
	enum fa_nat_kind kind[64];
	size_t		 n;
};

static void
got_end(void *arg, struct fa_session *s)
{
	struct got *g = arg;

	assert_true(g->n < 64);
	g->kind[g->n] = s->nat != NULL ? s->nat->kind : FA_NAT_NONE;
	g->id[g->n++] = s->id;
}

static struct nat_stage *
stage(struct got *g, uint32_t cap, struct fa_sink *in)
{
	struct fa_sink down;
	struct nat_stage *st;

	memset(g, 0, sizeof *g);
	memset(&down, 0, sizeof down);
	down.session_end = got_end;
	down.arg = g;
	assert_non_null(st = nat_stage_new(&down, 1, cap));
	nat_stage_sink(st, in);
	return st;
}

/* Both sides open at once: the first to end waits for the other; a
 * session alone goes on at its end; an unrelated ISN is never held. */
static void
test_stage_pairs(void **state)
{
	struct got g;
	struct fa_sink in;
	struct nat_stage *st = stage(&g, 16, &in);
	struct fa_session *a = sess(1, "10.0.0.2", 40000, "192.0.2.9", 21, 7, 100);
	struct fa_session *b = sess(2, "198.51.100.1", 40000, "192.0.2.9", 21, 7, 110);
	struct fa_session *c = sess(3, "10.0.0.3", 40001, "192.0.2.9", 21, 8, 120);

	(void)state;
	in.session_start(in.arg, a);
	in.session_start(in.arg, b);
	in.session_start(in.arg, c);
	in.session_end(in.arg, c);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.id[0], 3);
	in.session_end(in.arg, b);		/* held: a is open */
	assert_int_equal(g.n, 1);
	in.session_end(in.arg, a);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.id[1], 1);		/* the client's side */
	assert_int_equal(g.kind[1], FA_NAT_SNAT);
	assert_int_equal(nat_stage_stats(st)->paired, 2);
	nat_stage_free(st);
	fa_session_unref(a);
	fa_session_unref(b);
	fa_session_unref(c);
}

/* At the cap, a session whose other side is open goes on unpaired (so
 * does that side, later); the flush releases what waits. */
static void
test_stage_cap(void **state)
{
	struct got g;
	struct fa_sink in;
	struct nat_stage *st = stage(&g, 1, &in);
	struct fa_session *a = sess(1, "10.0.0.2", 40000, "192.0.2.9", 21, 7, 100);
	struct fa_session *b = sess(2, "198.51.100.1", 40000, "192.0.2.9", 21, 7, 110);
	struct fa_session *c = sess(3, "10.0.0.3", 40001, "192.0.2.9", 21, 8, 120);
	struct fa_session *d = sess(4, "198.51.100.1", 40001, "192.0.2.9", 21, 8, 130);
	struct fa_session *e = sess(5, "10.0.0.4", 40002, "192.0.2.9", 21, 9, 140);
	struct fa_session *f = sess(6, "198.51.100.1", 40002, "192.0.2.9", 21, 9, 150);

	(void)state;
	in.session_start(in.arg, a);
	in.session_start(in.arg, b);
	in.session_start(in.arg, c);
	in.session_start(in.arg, d);
	in.session_start(in.arg, e);
	in.session_start(in.arg, f);
	in.session_end(in.arg, a);		/* held: b is open */
	assert_int_equal(g.n, 0);
	in.session_end(in.arg, c);		/* the stage is full */
	assert_int_equal(nat_stage_stats(st)->cap_hits, 1);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.id[0], 3);
	in.session_end(in.arg, d);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.kind[1], FA_NAT_NONE);
	in.session_end(in.arg, b);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.id[2], 1);
	assert_int_equal(g.kind[2], FA_NAT_SNAT);
	in.session_end(in.arg, e);		/* held again: room now */
	assert_int_equal(g.n, 3);
	nat_stage_flush(st);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.kind[3], FA_NAT_NONE);
	assert_int_equal(nat_stage_stats(st)->unpaired, 1);
	assert_int_equal(nat_stage_stats(st)->held_peak, 1);
	in.session_end(in.arg, f);		/* its other side went alone */
	assert_int_equal(g.n, 5);
	nat_stage_free(st);
	fa_session_unref(a);
	fa_session_unref(b);
	fa_session_unref(c);
	fa_session_unref(d);
	fa_session_unref(e);
	fa_session_unref(f);
}

/* Two connections that reuse ISNs without nesting (a crafted capture):
 * not a translation, unless the client's port was kept, as captures of
 * the two sides from hosts with clocks apart show it. */
static void
test_stage_nesting(void **state)
{
	struct got g;
	struct fa_sink in;
	struct nat_stage *st = stage(&g, 16, &in);
	/* b's SYN 5 ms after a's SYN-ACK. */
	struct fa_session *a = sess(1, "10.0.0.2", 40000, "192.0.2.9", 21, 7, 100);
	struct fa_session *b = sess(2, "10.0.0.2", 40001, "192.0.2.9", 21, 7, 5600);
	struct fa_session *c = sess(3, "10.0.0.3", 40002, "192.0.2.9", 21, 8, 10000);
	struct fa_session *d = sess(4, "198.51.100.1", 40002, "192.0.2.9", 21, 8, 15600);

	(void)state;
	in.session_start(in.arg, a);
	in.session_start(in.arg, b);
	in.session_end(in.arg, a);
	in.session_end(in.arg, b);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.kind[0], FA_NAT_NONE);
	assert_int_equal(g.kind[1], FA_NAT_NONE);
	in.session_start(in.arg, c);
	in.session_start(in.arg, d);
	in.session_end(in.arg, c);
	in.session_end(in.arg, d);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.kind[2], FA_NAT_SNAT);
	nat_stage_free(st);
	fa_session_unref(a);
	fa_session_unref(b);
	fa_session_unref(c);
	fa_session_unref(d);
}

/* IPv6 is never paired, even when it looks translated. */
static void
test_stage_ipv6(void **state)
{
	struct got g;
	struct fa_sink in;
	struct nat_stage *st = stage(&g, 16, &in);
	struct fa_session *a = sess(1, "fd00::2", 40000, "2001:db8::9", 21, 7, 100);
	struct fa_session *b = sess(2, "2001:db8::1", 40000, "2001:db8::9", 21, 7, 110);

	(void)state;
	in.session_start(in.arg, a);
	in.session_start(in.arg, b);
	in.session_end(in.arg, a);
	assert_int_equal(g.n, 1);		/* not held */
	in.session_end(in.arg, b);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.kind[0], FA_NAT_NONE);
	assert_int_equal(g.kind[1], FA_NAT_NONE);
	nat_stage_free(st);
	fa_session_unref(a);
	fa_session_unref(b);
}

/* One side only: today's signal gets its fix. */
static void
test_one_sided_fix(void **state)
{
	struct fa_session *a = sess(1, "192.0.2.50", 40000, "203.0.113.1", 21, 9, 100);

	(void)state;
	assert_int_equal(fa_grow(&a->anoms, a->nanoms, &a->anoms_cap,
	    sizeof *a->anoms, 8), 0);
	a->anoms[0] = (struct fa_anomaly){ 1, "nat_mismatch",
	    strdup("PASV announced 10.1.1.5 port 40001, connection went to 203.0.113.1"),
	    NULL };
	a->nanoms = 1;
	nat_fix_one_sided(a);
	assert_non_null(a->anoms[0].fix);
	assert_non_null(strstr(a->anoms[0].fix, "pasv_address=203.0.113.1"));
	fa_session_unref(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_active_unrewritten),
		cmocka_unit_test(test_active_rewritten),
		cmocka_unit_test(test_passive_private),
		cmocka_unit_test(test_range_not_forwarded),
		cmocka_unit_test(test_helper_address),
		cmocka_unit_test(test_not_translated),
		cmocka_unit_test(test_stage_pairs),
		cmocka_unit_test(test_stage_cap),
		cmocka_unit_test(test_stage_nesting),
		cmocka_unit_test(test_stage_ipv6),
		cmocka_unit_test(test_one_sided_fix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
