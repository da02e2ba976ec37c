/* SPDX-License-Identifier: ISC */
/* test_rules.c: the firewall recommendation from sessions built in memory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "ftpaudit/jw.h"
#include "ftpaudit/rules.h"

#define MAXS	8

/* Sessions of one test; freed by teardown. */
static struct fa_session sess[MAXS];
static struct fa_transfer xf[MAXS][8];
static int nsess;

static struct fa_endpoint
ep(const char *ip, uint16_t port)
{
	struct fa_endpoint e;

	memset(&e, 0, sizeof e);
	assert_int_equal(fa_addr_parse(ip, &e.ip), 0);
	e.port = port;
	return e;
}

static struct fa_session *
session(const char *cli, const char *srv, uint16_t ctl)
{
	struct fa_session *s;

	assert_true(nsess < MAXS);
	s = &sess[nsess];
	memset(s, 0, sizeof *s);
	s->id = (uint64_t)nsess + 1;
	s->client = ep(cli, 40000 + (uint16_t)nsess);
	s->server = ep(srv, ctl);
	s->start_us = 1000000u * (uint64_t)(nsess + 1);
	s->login = FA_LOGIN_SUCCESS;
	s->xfers = xf[nsess];
	nsess++;
	return s;
}

/* A connected passive transfer to the server's data port. */
static struct fa_transfer *
passive(struct fa_session *s, uint16_t port)
{
	struct fa_transfer *t = &s->xfers[s->nxfers++];

	memset(t, 0, sizeof *t);
	t->id = s->nxfers;
	t->mode = FA_MODE_PASSIVE;
	t->neg = FA_NEG_PASV;
	t->announced = ep("0.0.0.0", port);
	t->announced.ip = s->server.ip;
	t->expected = t->announced;
	t->connected = true;
	t->data_client = s->client;
	t->data_client.port = 50000;
	t->data_server = t->expected;
	t->start_us = s->start_us + 10;
	return t;
}

/* A connected active transfer from the server's source port sport. */
static struct fa_transfer *
active(struct fa_session *s, uint16_t sport, uint16_t cport)
{
	struct fa_transfer *t = &s->xfers[s->nxfers++];

	memset(t, 0, sizeof *t);
	t->id = s->nxfers;
	t->mode = FA_MODE_ACTIVE;
	t->neg = FA_NEG_PORT;
	t->announced = s->client;
	t->announced.port = cport;
	t->expected = t->announced;
	t->connected = true;
	t->initiator_server = true;
	t->data_client = t->expected;
	t->data_server = s->server;
	t->data_server.port = sport;
	t->start_us = s->start_us + 10;
	return t;
}

static int
setup(void **state)
{
	(void)state;
	nsess = 0;
	return 0;
}

/* Aggregate every session built so far. */
static struct rules *
run_opts(enum rules_side side, enum rules_strategy st, enum rules_peers peers,
    enum rules_trust trust, bool standalone)
{
	struct rules_opts o;
	struct rules *r;
	int i;

	rules_opts_defaults(&o);
	o.side = side;
	o.strategy = st;
	o.peers = peers;
	o.trust = trust;
	o.standalone = standalone;
	assert_non_null(r = rules_new(&o));
	for (i = 0; i < nsess; i++)
		assert_int_equal(rules_add_session(r, &sess[i]), 0);
	assert_int_equal(rules_finish(r), 0);
	return r;
}

static struct rules *
run(enum rules_side side, enum rules_strategy st, enum rules_peers peers)
{
	return run_opts(side, st, peers, RULES_TRUST_VETTED, false);
}

/* The nth rule of a purpose (0-based), or fail. */
static const struct rules_rule *
find(const struct rules *r, enum rules_purpose p, int nth)
{
	const struct rules_rule *v;
	size_t i, n;

	v = rules_list(r, &n);
	for (i = 0; i < n; i++)
		if (v[i].purpose == p && nth-- == 0)
			return &v[i];
	fail_msg("no rule of purpose %s", rules_purpose_str(p));
	return NULL;
}

static int
count(const struct rules *r, enum rules_purpose p)
{
	const struct rules_rule *v;
	size_t i, n;
	int c = 0;

	v = rules_list(r, &n);
	for (i = 0; i < n; i++)
		c += v[i].purpose == p;
	return c;
}

static bool
has_hint(const struct rules *r, const char *type)
{
	const struct rules_hint *h;
	size_t i, n;

	h = rules_hints(r, &n);
	for (i = 0; i < n; i++)
		if (strcmp(h[i].type, type) == 0)
			return true;
	return false;
}

static void
test_passive_range(void **state)
{
	struct fa_session *s;
	const struct rules_rule *u;
	struct rules *r;

	(void)state;
	s = session("10.0.0.1", "10.0.1.1", 21);
	passive(s, 40005);
	passive(s, 40001);
	s = session("10.0.0.1", "10.0.1.1", 21);
	passive(s, 40009);
	passive(s, 40005);
	/* Negotiated but dropped: widens the range, is no connection. */
	passive(s, 40012)->connected = false;
	r = run(RULES_SERVER, RULES_STATIC, RULES_PEERS_OBSERVED);
	assert_int_equal(count(r, RP_PASSIVE), 1);
	u = find(r, RP_PASSIVE, 0);
	assert_int_equal(u->chain, RC_INPUT);
	assert_int_equal(u->family, FA_AF_INET);
	assert_int_equal(u->ndport, 1);
	assert_int_equal(u->dport[0].lo, 40001);
	assert_int_equal(u->dport[0].hi, 40012);
	assert_int_equal(u->nsport, 0);
	assert_int_equal(u->ev.nports, 4);
	assert_int_equal(u->ev.connections, 4);
	assert_int_equal(u->ev.nsessions, 2);
	assert_int_equal(u->ct_state, RULES_CT_NEW);
	u = find(r, RP_CONTROL, 0);
	assert_int_equal(u->dport[0].lo, 21);
	assert_int_equal(u->ev.connections, 2);
	assert_false(has_hint(r, "passive-range-wide"));
	rules_free(r);

	s = session("10.0.0.1", "10.0.1.1", 21);
	passive(s, 1030);
	r = run(RULES_SERVER, RULES_STATIC, RULES_PEERS_OBSERVED);
	assert_true(has_hint(r, "passive-range-wide"));
	rules_free(r);
}

static void
test_active_sport(void **state)
{
	struct fa_session *s;
	const struct rules_rule *u;
	struct rules *r;

	(void)state;
	/* Server A: always from 20.  Server B: once from 20, once not. */
	s = session("10.0.0.1", "10.0.1.1", 21);
	active(s, 20, 50001);
	active(s, 20, 50002);
	s = session("10.0.0.1", "10.0.1.2", 21);
	active(s, 20, 50003);
	s = session("10.0.0.1", "10.0.1.2", 21);
	active(s, 44321, 50004);
	r = run(RULES_SERVER, RULES_STATIC, RULES_PEERS_OBSERVED);
	assert_int_equal(count(r, RP_ACTIVE), 2);
	u = find(r, RP_ACTIVE, 0);
	assert_int_equal(u->chain, RC_OUTPUT);
	assert_int_equal(u->nsport, 1);
	assert_int_equal(u->sport[0].lo, 20);
	assert_int_equal(u->sport[0].hi, 20);
	assert_int_equal(u->dport[0].lo, 1024);
	assert_int_equal(u->dport[0].hi, 65535);
	u = find(r, RP_ACTIVE, 1);
	assert_int_equal(u->nsport, 0);
	assert_int_equal(u->ev.connections, 2);
	assert_true(has_hint(r, "active-not-port-20"));
	rules_free(r);
}

static void
test_peers(void **state)
{
	struct fa_session *s;
	const struct rules_rule *u;
	struct rules *r;

	(void)state;
	s = session("10.0.0.1", "10.0.1.1", 21);
	passive(s, 40000);
	s = session("10.0.0.2", "10.0.1.1", 21);
	passive(s, 40001);
	r = run(RULES_SERVER, RULES_STATIC, RULES_PEERS_OBSERVED);
	u = find(r, RP_PASSIVE, 0);
	assert_false(u->saddr.any);
	assert_int_equal(u->saddr.n, 2);
	assert_int_equal(u->daddr.n, 1);
	rules_free(r);

	r = run(RULES_SERVER, RULES_STATIC, RULES_PEERS_ANY);
	u = find(r, RP_CONTROL, 0);
	assert_true(u->saddr.any);
	assert_false(u->daddr.any);
	rules_free(r);

	/* The client's firewall: the remote side is the server. */
	r = run(RULES_CLIENT, RULES_STATIC, RULES_PEERS_ANY);
	u = find(r, RP_PASSIVE, 0);
	assert_int_equal(u->chain, RC_OUTPUT);
	assert_false(u->saddr.any);
	assert_true(u->daddr.any);
	rules_free(r);

	r = run(RULES_GATEWAY, RULES_STATIC, RULES_PEERS_OBSERVED);
	assert_int_equal(find(r, RP_PASSIVE, 0)->chain, RC_FORWARD);
	assert_int_equal(count(r, RP_ESTABLISHED), 1);
	rules_free(r);
}

/* The one data opening of session s. */
static struct rules_opening
data_opening(const struct rules *r, const struct fa_session *s)
{
	struct rules_opening *v, o;
	size_t n;

	assert_int_equal(rules_openings(r, s, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].purpose, RP_CONTROL);
	o = v[1];
	free(v);
	return o;
}

static bool
uncovered(const struct rules *r, uint64_t session, uint32_t bit)
{
	const struct rules_uncovered *u;
	size_t i, n;

	u = rules_uncovered(r, &n);
	for (i = 0; i < n; i++)
		if (u[i].session == session && u[i].reason == rules_helper_note(bit))
			return true;
	return false;
}

static void
test_helper_notes(void **state)
{
	struct fa_session *plain, *tls, *split, *addr, *fam, *port;
	struct fa_transfer *t;
	struct rules_opening o;
	struct rules *r;

	(void)state;
	plain = session("10.0.0.1", "10.0.1.1", 21);
	passive(plain, 40000);
	tls = session("10.0.0.1", "10.0.1.1", 21);
	tls->tls = true;
	passive(tls, 40001);
	split = session("10.0.0.1", "10.0.1.1", 21);
	passive(split, 40002)->helper_flags = FA_HELPER_SPLIT | FA_HELPER_BARE_LF;
	addr = session("10.0.0.1", "10.0.1.1", 21);
	t = passive(addr, 40003);
	t->helper_flags = FA_HELPER_ADDR;
	assert_int_equal(fa_addr_parse("192.168.7.7", &t->announced.ip), 0);
	fam = session("10.0.0.1", "10.0.1.1", 21);
	active(fam, 20, 50000)->helper_flags = FA_HELPER_FAMILY;
	port = session("10.0.0.1", "10.0.1.1", 2121);
	passive(port, 40004);
	r = run(RULES_SERVER, RULES_HELPER, RULES_PEERS_OBSERVED);

	o = data_opening(r, plain);
	assert_true(o.helper_covers);
	assert_int_equal(o.helper_flags, 0);
	assert_int_equal(o.rule, find(r, RP_HELPER_RELATED, 0)->id);
	assert_int_equal(find(r, RP_HELPER_ASSIGN, 0)->chain, RC_PREROUTING);
	assert_int_equal(find(r, RP_HELPER_ASSIGN, 0)->dport[0].lo, 21);

	o = data_opening(r, tls);
	assert_false(o.helper_covers);
	assert_int_equal(o.helper_flags, FA_HELPER_TLS);
	assert_int_equal(o.rule, find(r, RP_PASSIVE, 0)->id);
	assert_true(uncovered(r, tls->id, FA_HELPER_TLS));
	assert_true(has_hint(r, "tls"));

	o = data_opening(r, split);
	assert_int_equal(o.helper_flags, FA_HELPER_SPLIT | FA_HELPER_BARE_LF);
	assert_true(uncovered(r, split->id, FA_HELPER_SPLIT));
	assert_true(uncovered(r, split->id, FA_HELPER_BARE_LF));

	o = data_opening(r, addr);
	assert_int_equal(o.helper_flags, FA_HELPER_ADDR);
	assert_true(uncovered(r, addr->id, FA_HELPER_ADDR));
	assert_true(has_hint(r, "pasv-private-address"));

	o = data_opening(r, fam);
	assert_int_equal(o.helper_flags, FA_HELPER_FAMILY);
	assert_int_equal(o.purpose, RP_ACTIVE);
	assert_int_equal(o.rule, find(r, RP_ACTIVE, 0)->id);
	assert_true(uncovered(r, fam->id, FA_HELPER_FAMILY));

	o = data_opening(r, port);
	assert_int_equal(o.helper_flags, FA_HELPER_PORT);
	assert_true(uncovered(r, port->id, FA_HELPER_PORT));
	assert_true(has_hint(r, "non-standard-port"));
	assert_false(uncovered(r, plain->id, FA_HELPER_PORT));
	assert_true(rules_helper_usable(r));
	/* Covered sessions need no static data rule, the others do. */
	assert_int_equal(count(r, RP_PASSIVE), 2);	/* ports 21 and 2121 */
	rules_free(r);

	/* Static: the same notes, no helper rules. */
	r = run(RULES_SERVER, RULES_STATIC, RULES_PEERS_OBSERVED);
	assert_int_equal(count(r, RP_HELPER_ASSIGN), 0);
	assert_int_equal(count(r, RP_HELPER_RELATED), 0);
	assert_true(uncovered(r, tls->id, FA_HELPER_TLS));
	rules_free(r);
}

/* A rule's evidence lists its sessions by id whatever order they end in:
 * in order, swapped in fours, and reversed (too far for insertion). */
static void
test_evidence_order(void **state)
{
	struct rules_opts o;
	struct rules *r;
	struct fa_session *s;
	const struct rules_rule *u;
	size_t i, k, n = 500;

	(void)state;
	s = session("10.0.0.1", "10.0.1.1", 21);
	for (k = 0; k < 3; k++) {
		rules_opts_defaults(&o);
		assert_non_null(r = rules_new(&o));
		for (i = 0; i < n; i++) {
			s->id = 1 + (k == 0 ? i : k == 1 ? i ^ 3 : n - 1 - i);
			assert_int_equal(rules_add_session(r, s), 0);
		}
		assert_int_equal(rules_finish(r), 0);
		u = find(r, RP_CONTROL, 0);
		assert_int_equal(u->ev.nsessions, n);
		for (i = 0; i < n; i++)
			assert_int_equal(u->ev.sessions[i], i + 1);
		rules_free(r);
	}
}

/* Ids are given while sessions stream in and never change afterwards. */
static void
test_ids_stable(void **state)
{
	struct rules_opts o;
	struct rules *r;
	struct rules_opening *v;
	struct fa_session *a, *b;
	size_t n;
	uint32_t before;

	(void)state;
	a = session("10.0.0.1", "10.0.1.1", 21);
	passive(a, 40000);
	b = session("fd00::1", "fd00::2", 21);
	passive(b, 40000);
	rules_opts_defaults(&o);
	assert_non_null(r = rules_new(&o));
	assert_int_equal(rules_add_session(r, a), 0);
	assert_int_equal(rules_openings(r, a, &v, &n), 0);
	before = v[1].rule;
	free(v);
	assert_int_equal(rules_add_session(r, b), 0);
	assert_int_equal(rules_finish(r), 0);
	assert_int_equal(rules_openings(r, a, &v, &n), 0);
	assert_int_equal(v[1].rule, before);
	free(v);
	assert_int_equal(rules_openings(r, b, &v, &n), 0);
	assert_int_not_equal(v[1].rule, before);
	assert_int_equal(r ? rules_list(r, &n)[v[1].rule - 1].family : 0,
	    FA_AF_INET6);
	free(v);
	rules_free(r);
}

/* analyze's rules (ids only) number every opening as the full rules do,
 * for each side and strategy, and keep none of what grows per session. */
static void
test_ids_only(void **state)
{
	static const enum rules_side sides[] = { RULES_SERVER, RULES_CLIENT };
	static const enum rules_strategy sts[] = { RULES_STATIC, RULES_HELPER };
	struct rules_opening *v, *w;
	struct rules_opts o;
	struct rules *full, *ids;
	const struct rules_rule *u;
	struct fa_session *s;
	size_t n, m, i, k;
	int a, b, j;

	(void)state;
	for (j = 0; j < 6; j++) {
		s = session(j % 2 ? "fd00::1" : "10.0.0.1",
		    j % 2 ? "fd00::2" : "10.0.1.1", j == 4 ? 2121 : 21);
		passive(s, (uint16_t)(40000 + j));
		active(s, j % 3 ? 20 : 3000, (uint16_t)(50000 + j));
		if (j == 5)
			s->tls = true;
	}
	for (a = 0; a < 2; a++) {
		for (b = 0; b < 2; b++) {
			rules_opts_defaults(&o);
			o.side = sides[a];
			o.strategy = sts[b];
			assert_non_null(full = rules_new(&o));
			assert_non_null(ids = rules_new(&o));
			rules_ids_only(ids);
			for (j = 0; j < nsess; j++) {
				assert_int_equal(rules_add_session(full, &sess[j]), 0);
				/* What analyze does: the openings as the
				 * session is added, not looked up again. */
				assert_int_equal(rules_add_openings(ids, &sess[j], &w, &m), 0);
				assert_int_equal(rules_openings(full, &sess[j], &v, &n), 0);
				assert_int_equal(n, m);
				for (i = 0; i < n; i++) {
					assert_int_equal(v[i].rule, w[i].rule);
					assert_int_equal(v[i].purpose, w[i].purpose);
					assert_true(fa_endpoint_eq(&v[i].initiator, &w[i].initiator));
					assert_true(fa_endpoint_eq(&v[i].responder, &w[i].responder));
					assert_int_equal(v[i].initiator_port_known, w[i].initiator_port_known);
					assert_int_equal(v[i].helper_covers, w[i].helper_covers);
					assert_int_equal(v[i].helper_flags, w[i].helper_flags);
				}
				free(v);
				free(w);
			}
			u = rules_list(ids, &n);
			assert_int_equal(n, rules_list(full, &m) ? m : 0);
			for (i = 0; i < n; i++) {
				assert_int_equal(u[i].ev.nsessions, 0);
				assert_int_equal(u[i].ev.nports, 0);
				assert_int_equal(u[i].saddr.n + u[i].daddr.n, 0);
			}
			assert_non_null(rules_uncovered(full, &k));
			assert_true(k > 0);
			rules_uncovered(ids, &k);
			assert_int_equal(k, 0);
			rules_hints(ids, &k);
			assert_int_equal(k, 0);
			rules_free(full);
			rules_free(ids);
		}
	}
}

/* The renderers: every rule line carries its id and purpose. */
static void
test_render(void **state)
{
	struct fa_session *s;
	struct rules *r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	json_t *j;
	struct jw w;

	(void)state;
	s = session("10.0.0.1", "10.0.1.1", 21);
	passive(s, 40000);
	active(s, 20, 50000);
	r = run(RULES_SERVER, RULES_HELPER, RULES_PEERS_OBSERVED);
	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(rules_nft(r, f, NULL), 0);
	fclose(f);
	/* Default: its own table, replaced whole, policy accept, the surface
	 * dropped after the accepts; nothing for ND (nothing else dropped). */
	assert_non_null(strstr(buf, "table inet ftpaudit {}\n"
	    "delete table inet ftpaudit\ntable inet ftpaudit {\n"));
	assert_null(strstr(buf, "policy drop;"));
	assert_non_null(strstr(buf, "policy accept;"));
	assert_non_null(strstr(buf, "ct helper set \"ftpaudit-ftp\" comment \"R"));
	assert_null(strstr(buf, "nd-neighbor-solicit"));
	assert_non_null(strstr(buf, "\t\tct state established accept"));
	assert_non_null(strstr(buf, "meta l4proto tcp ct state related ct helper "
	    "\"ftp\" drop comment \"surface of R"));
	assert_true(strstr(buf, "drop comment") > strstr(buf, "accept comment"));
	/* The helper's data ports are surface too: a SYN the related drop
	 * stopped comes back as new. */
	assert_non_null(strstr(buf, "ip daddr 10.0.1.1/32 tcp dport 40000 ct state "
	    "new drop comment \"surface of R"));
	assert_non_null(strstr(buf, "ip saddr 10.0.1.1/32 tcp sport 20 ct state "
	    "new drop comment \"surface of R"));
	free(buf);
	rules_free(r);

	/* Standalone: today's complete policy. */
	r = run_opts(RULES_SERVER, RULES_HELPER, RULES_PEERS_OBSERVED,
	    RULES_TRUST_VETTED, true);
	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(rules_nft(r, f, NULL), 0);
	fclose(f);
	assert_non_null(strstr(buf, "policy drop;"));
	assert_non_null(strstr(buf, "nd-neighbor-solicit"));
	assert_null(strstr(buf, "surface of"));
	free(buf);
	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(rules_ipt(r, f, FA_AF_INET6), 0);
	fclose(f);
	assert_non_null(strstr(buf, "-j CT --helper ftp"));
	assert_non_null(strstr(buf, "neighbour-solicitation"));
	assert_non_null(strstr(buf, "helper-related\" -j ACCEPT"));
	assert_non_null(strstr(buf, ":INPUT DROP"));
	free(buf);
	rules_free(r);
	r = run(RULES_SERVER, RULES_HELPER, RULES_PEERS_OBSERVED);
	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(rules_ipt(r, f, FA_AF_INET), 0);
	fclose(f);
	/* Own chains only, declared and flushed; built-ins untouched. */
	assert_null(strstr(buf, "\n:INPUT"));
	assert_null(strstr(buf, "\n-A INPUT"));
	assert_non_null(strstr(buf, ":FTPAUDIT-INPUT - [0:0]\n"));
	assert_non_null(strstr(buf, "-F FTPAUDIT-INPUT\n"));
	assert_non_null(strstr(buf, ":FTPAUDIT-PREROUTING - [0:0]\n"));
	assert_non_null(strstr(buf, "\"surface of R"));
	free(buf);
	/* The document, read back by jansson. */
	jw_init(&w, true);
	assert_int_equal(rules_write(&w, r, NULL), 0);
	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(jw_flush(&w, f), 0);
	fclose(f);
	jw_free(&w);
	assert_non_null(j = json_loadb(buf, len, 0, NULL));
	free(buf);
	assert_int_equal(json_integer_value(json_object_get(j, "schema_version")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "strategy")),
	    "helper");
	assert_string_equal(json_string_value(json_object_get(j, "scope")),
	    "ftp-surface");
	assert_int_equal(json_array_size(json_object_get(j, "rules")),
	    rules_list(r, &len) ? len : 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "excluded_counts"), "bounce")), 0);
	json_decref(j);
	rules_free(r);
}

/* Only legitimate negotiations earn an opening; --trust=all takes all. */
static struct fa_command cmds[MAXS][4];

static struct fa_transfer *
port_cmd(struct fa_session *s, const char *to, uint16_t port, int reply)
{
	struct fa_transfer *t = active(s, 20, port);
	struct fa_command *c;

	t->connected = false;
	t->announced = ep(to, port);
	t->expected = t->announced;
	t->neg_ts_us = s->start_us + 100 * t->id;
	t->status = FA_XS_NOT_CONNECTED;
	s->cmds = cmds[s - sess];
	c = &s->cmds[s->ncmds++];
	memset(c, 0, sizeof *c);
	c->ts_us = t->neg_ts_us;
	strcpy(c->verb, "PORT");
	c->reply_code = reply;
	return t;
}

static void
test_vetting(void **state)
{
	struct fa_session *s, *nolog, *pipe;
	struct fa_transfer *t;
	struct rules_opts o;
	struct rules *r;
	struct rules_opening *v;
	const struct rules_excluded *x;
	size_t n;

	(void)state;
	s = session("10.0.0.1", "10.0.1.1", 21);
	port_cmd(s, "10.0.0.1", 50000, 200);		/* kept */
	port_cmd(s, "192.0.2.9", 80, 200);		/* bounce */
	port_cmd(s, "10.0.0.9", 50001, 200);		/* third party */
	port_cmd(s, "10.0.0.1", 50002, 500);		/* refused */
	t = passive(s, 40000);				/* NAT: kept */
	t->announced = ep("203.0.113.1", 40000);
	t->expected = t->announced;
	t = passive(s, 22);				/* privileged */
	nolog = session("10.0.0.2", "10.0.1.1", 21);
	nolog->login = FA_LOGIN_FAILED;
	passive(nolog, 40001);				/* no login */

	rules_opts_defaults(&o);
	assert_null(rules_vet(&o, s, &s->xfers[0]));
	assert_string_equal(rules_vet(&o, s, &s->xfers[1]), "bounce");
	assert_string_equal(rules_vet(&o, s, &s->xfers[2]), "third_party_address");
	assert_string_equal(rules_vet(&o, s, &s->xfers[3]), "not_accepted");
	assert_null(rules_vet(&o, s, &s->xfers[4]));
	assert_string_equal(rules_vet(&o, s, &s->xfers[5]), "privileged_port");
	assert_string_equal(rules_vet(&o, nolog, &nolog->xfers[0]), "no_login");
	o.trust = RULES_TRUST_ALL;
	assert_null(rules_vet(&o, s, &s->xfers[1]));
	o.trust = RULES_TRUST_VETTED;
	/* Pipelined in one segment: the same instant, told apart by order. */
	pipe = session("10.0.0.3", "10.0.1.1", 21);
	port_cmd(pipe, "10.0.0.3", 50010, 500);
	port_cmd(pipe, "10.0.0.3", 50011, 200);
	pipe->xfers[1].neg_ts_us = pipe->xfers[0].neg_ts_us;
	pipe->cmds[1].ts_us = pipe->cmds[0].ts_us;
	assert_string_equal(rules_vet(&o, pipe, &pipe->xfers[0]), "not_accepted");
	assert_null(rules_vet(&o, pipe, &pipe->xfers[1]));
	nsess--;	/* not part of the recommendation below */

	r = run(RULES_SERVER, RULES_STATIC, RULES_PEERS_OBSERVED);
	assert_false(rules_empty(r));
	assert_int_equal(rules_nexcluded(r, RX_BOUNCE), 1);
	assert_int_equal(rules_nexcluded(r, RX_THIRD_PARTY), 1);
	assert_int_equal(rules_nexcluded(r, RX_NOT_ACCEPTED), 1);
	assert_int_equal(rules_nexcluded(r, RX_PRIVILEGED_PORT), 1);
	assert_int_equal(rules_nexcluded(r, RX_NO_LOGIN), 1);
	x = rules_excluded(r, &n);
	assert_int_equal(n, 5);
	assert_int_equal(x[0].session, 1);
	assert_int_equal(x[0].transfer, 2);
	assert_int_equal(x[0].endpoint.port, 80);
	assert_int_equal(x[0].reason, RX_BOUNCE);
	/* Only the client's own address gets active data; the passive rule
	 * is the port the NATed connection reached, 40000 alone. */
	assert_int_equal(find(r, RP_ACTIVE, 0)->daddr.n, 1);
	assert_int_equal(find(r, RP_PASSIVE, 0)->dport[0].lo, 40000);
	assert_int_equal(find(r, RP_PASSIVE, 0)->dport[0].hi, 40000);
	/* Control of the session without login stays. */
	assert_int_equal(find(r, RP_CONTROL, 0)->saddr.n, 2);
	assert_int_equal(rules_openings(r, s, &v, &n), 0);
	assert_int_equal(n, 7);
	assert_string_equal(v[2].excluded, "bounce");
	assert_int_equal(v[2].rule, 0);
	assert_null(v[1].excluded);
	free(v);
	rules_free(r);

	r = run_opts(RULES_SERVER, RULES_STATIC, RULES_PEERS_OBSERVED,
	    RULES_TRUST_ALL, false);
	rules_excluded(r, &n);
	assert_int_equal(n, 0);
	assert_int_equal(find(r, RP_ACTIVE, 0)->daddr.n, 3);
	rules_free(r);
}

/* Nothing to recommend: no session, or none logged in. */
static void
test_empty(void **state)
{
	struct fa_session *s;
	struct rules *r;

	(void)state;
	r = run(RULES_SERVER, RULES_STATIC, RULES_PEERS_OBSERVED);
	assert_true(rules_empty(r));
	rules_free(r);
	s = session("10.0.0.1", "10.0.1.1", 21);
	s->login = FA_LOGIN_NONE;
	port_cmd(s, "10.0.0.200", 20001, 0);
	r = run(RULES_SERVER, RULES_STATIC, RULES_PEERS_OBSERVED);
	assert_true(rules_empty(r));
	rules_free(r);
	r = run_opts(RULES_SERVER, RULES_STATIC, RULES_PEERS_OBSERVED,
	    RULES_TRUST_ALL, false);
	assert_false(rules_empty(r));
	rules_free(r);
	/* A data command answered as logged in: the login was before the
	 * capture. */
	s->xfers[0].command = "RETR";
	s->xfers[0].reply_code = 425;
	r = run(RULES_SERVER, RULES_STATIC, RULES_PEERS_OBSERVED);
	assert_false(rules_empty(r));
	rules_free(r);
}

/* The contract for rules built outside rules.c (audit fixes). */
static void
test_ranges_add(void **state)
{
	struct rules_range *v = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(rules_ranges_add(&v, &n, 10, 20), 0);
	assert_int_equal(rules_ranges_add(&v, &n, 30, 30), 0);
	assert_int_equal(rules_ranges_add(&v, &n, 1, 3), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].lo, 1);
	assert_int_equal(v[1].lo, 10);
	assert_int_equal(v[2].lo, 30);
	/* 4 touches 1-3 only */
	assert_int_equal(rules_ranges_add(&v, &n, 4, 4), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].hi, 4);
	/* 21-29 joins 10-20 and 30 */
	assert_int_equal(rules_ranges_add(&v, &n, 21, 29), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[1].lo, 10);
	assert_int_equal(v[1].hi, 30);
	/* one range over all */
	assert_int_equal(rules_ranges_add(&v, &n, 0, 65535), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].lo, 0);
	assert_int_equal(v[0].hi, 65535);
	assert_int_equal(rules_ranges_add(&v, &n, 65535, 65535), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rules_ranges_add(&v, &n, 5, 4), -1);
	free(v);
}

static char *
placed(const struct rules_rule *u, const struct rules_place *pl, size_t n,
    int ipt_family, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&buf, &len));
	*rc = ipt_family ? rules_ipt_placed(u, pl, n, ipt_family, f) :
	    rules_nft_placed(u, pl, n, f);
	fclose(f);
	return buf;
}

/* A line of text that starts with prefix, from its end. */
static const char *
line_after(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix);

	assert_non_null(p);
	return p + strlen(prefix);
}

static void
test_placed(void **state)
{
	struct rules_rule u[3];
	struct rules_place pl[3];
	struct fa_addr a;
	struct fa_session *s;
	struct rules *r;
	const struct rules_rule *rv;
	char *buf, *rec = NULL, *body;
	size_t len = 0, n, i;
	FILE *f;
	int rc;

	(void)state;
	memset(u, 0, sizeof u);
	memset(pl, 0, sizeof pl);
	u[0].purpose = RP_PASSIVE;
	u[0].chain = RC_INPUT;
	u[0].family = FA_AF_INET;
	u[0].ct_state = RULES_CT_NEW;
	assert_int_equal(fa_addr_parse("10.0.0.1", &a), 0);
	assert_int_equal(rules_addrs_add(&u[0].saddr, &a), 0);
	assert_int_equal(rules_addrs_add(&u[0].saddr, &a), 0);
	assert_int_equal(u[0].saddr.n, 1);
	assert_int_equal(fa_addr_parse("10.0.1.1", &a), 0);
	assert_int_equal(rules_addrs_add(&u[0].daddr, &a), 0);
	assert_int_equal(rules_ranges_add(&u[0].dport, &u[0].ndport, 40000,
	    40009), 0);
	u[1] = u[0];		/* shares u[0]'s lists: released once */
	u[1].family = FA_AF_INET6;
	u[2].purpose = RP_CONTROL;
	u[2].chain = RC_FORWARD;
	u[2].family = FA_AF_INET;
	u[2].id = 4;
	pl[0].table = "inet filter";
	pl[0].chain = "input";
	pl[0].handle = 7;
	pl[0].index = 3;
	pl[1] = pl[0];
	pl[1].handle = 0;
	pl[1].index = 0;
	pl[2].table = "raw_x";
	pl[2].chain = "FORWARD";

	buf = placed(u, pl, 1, 0, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(buf, "insert rule inet filter input position 7 "
	    "ip saddr 10.0.0.1/32 ip daddr 10.0.1.1/32 tcp dport 40000-40009 "
	    "ct state new accept comment \"ftpaudit passive-data\"\n");
	free(buf);
	buf = placed(&u[1], &pl[1], 1, 0, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(buf, "add rule inet filter input ip6 saddr"));
	free(buf);

	buf = placed(u, pl, 3, FA_AF_INET, &rc);	/* no blank in a name */
	assert_int_equal(rc, -1);
	free(buf);
	pl[0].table = pl[1].table = "filter";
	pl[0].chain = pl[1].chain = "INPUT";
	buf = placed(u, pl, 3, FA_AF_INET, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(buf, "*filter\n"
	    "-I INPUT 3 -p tcp -s 10.0.0.1/32 -d 10.0.1.1/32 --dport 40000:40009 "
	    "-m conntrack --ctstate NEW -m comment --comment "
	    "\"ftpaudit passive-data\" -j ACCEPT\n"
	    "COMMIT\n*raw_x\n-A FORWARD -p tcp -m conntrack "
	    "--ctstate NEW -m comment --comment \"R4 control\" -j ACCEPT\n"
	    "COMMIT\n");
	free(buf);

	/* Names nft would not take. */
	pl[0].table = "inet my filter";
	buf = placed(u, pl, 1, 0, &rc);
	assert_int_equal(rc, -1);
	free(buf);
	pl[0].table = "inet filter";
	pl[0].chain = "in put";
	buf = placed(u, pl, 1, 0, &rc);
	assert_int_equal(rc, -1);
	free(buf);

	/* The body is the recommendation's, word for word. */
	s = session("10.0.0.1", "10.0.1.1", 21);
	passive(s, 40000);
	r = run(RULES_SERVER, RULES_STATIC, RULES_PEERS_OBSERVED);
	assert_non_null(f = open_memstream(&rec, &len));
	assert_int_equal(rules_nft(r, f, NULL), 0);
	fclose(f);
	rv = rules_list(r, &n);
	for (i = 0; i < n; i++) {
		pl[0].chain = "input";
		pl[0].handle = 0;
		buf = placed(&rv[i], pl, 1, 0, &rc);
		assert_int_equal(rc, 0);
		body = (char *)line_after(buf, "add rule inet filter input ");
		assert_non_null(strstr(rec, body));
		free(buf);
	}
	free(rec);
	rules_free(r);
	rules_rule_release(&u[0]);
	assert_null(u[0].dport);
	assert_int_equal(u[0].saddr.n, 0);
	rules_rule_release(&u[2]);
}

/* A session paired across a translation (nat.c): client and server are
 * each host's own address, the nat object has both sides. */
static struct fa_nat natobj[MAXS];

static struct fa_session *
nat_session(enum fa_nat_kind k, const char *in_cli, const char *out_cli,
    const char *in_srv, const char *out_srv)
{
	struct fa_session *s = session(in_cli, in_srv, 21);
	struct fa_nat *x = &natobj[nsess - 1];

	memset(x, 0, sizeof *x);
	x->kind = k;
	x->in_client = s->client;
	x->in_server = s->server;
	x->out_client = ep(out_cli, s->client.port);
	x->out_server = ep(out_srv, 21);
	x->payload_rewritten = -1;
	s->nat = x;
	return s;
}

static char *
nft_of(const struct rules *r, const char *chain_table)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(rules_nft(r, f, chain_table), 0);
	fclose(f);
	return buf;
}

static char *
ipt_of(const struct rules *r, int family)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(rules_ipt(r, f, family), 0);
	fclose(f);
	return buf;
}

static void
test_nat_dnat(void **state)
{
	struct fa_session *s;
	struct fa_transfer *t;
	const struct rules_nat *v;
	struct rules *r;
	size_t n;
	char *buf;

	(void)state;
	s = nat_session(FA_NAT_DNAT, "203.0.113.5", "203.0.113.5", "10.0.1.1",
	    "198.51.100.1");
	passive(s, 40000);
	/* pasv_address right, range not forwarded: the client's SYN reached
	 * the public address only and was reset; it proves the need. */
	t = passive(s, 40001);
	t->announced.ip = t->expected.ip = t->data_server.ip =
	    s->nat->out_server.ip;
	r = run(RULES_GATEWAY, RULES_STATIC, RULES_PEERS_OBSERVED);
	assert_int_equal(rules_nexcluded(r, RX_THIRD_PARTY), 0);
	v = rules_nat_list(r, &n);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].kind, RN_DNAT);
	assert_int_equal(v[0].npasv, 1);
	assert_int_equal(v[0].pasv[0].lo, 40000);
	assert_int_equal(v[0].pasv[0].hi, 40001);
	buf = nft_of(r, NULL);
	assert_non_null(strstr(buf, "\tchain nat_prerouting {\n\t\ttype nat hook "
	    "prerouting priority dstnat; policy accept;\n"
	    "\t\tip saddr 203.0.113.5/32 ip daddr 198.51.100.1/32 tcp dport 21 "
	    "dnat ip to 10.0.1.1:21 comment \"N1 dnat control\"\n"
	    "\t\tip saddr 203.0.113.5/32 ip daddr 198.51.100.1/32 tcp dport "
	    "40000-40001 dnat ip to 10.0.1.1 comment \"N1 dnat passive-data\"\n"));
	/* Forward rules on the translated (inside) server address. */
	assert_non_null(strstr(buf, "ip saddr 203.0.113.5/32 ip daddr "
	    "10.0.1.1/32 tcp dport 40000-40001 ct state new accept"));
	assert_null(strstr(buf, "nat_postrouting"));
	assert_non_null(strstr(buf, "IPv6 stays without NAT"));
	free(buf);
	/* The chain form: regular chains; none in an ip6 table. */
	buf = nft_of(r, "ip filter");
	assert_non_null(strstr(buf, "add chain ip filter ftpaudit_nat_prerouting\n"
	    "flush chain ip filter ftpaudit_nat_prerouting\n"
	    "add rule ip filter ftpaudit_nat_prerouting ip saddr 203.0.113.5/32 "
	    "ip daddr 198.51.100.1/32 tcp dport 21 dnat to 10.0.1.1:21"));
	free(buf);
	buf = nft_of(r, "ip6 filter");
	assert_null(strstr(buf, "nat"));
	free(buf);
	buf = ipt_of(r, FA_AF_INET);
	assert_non_null(strstr(buf, "*nat\n:FTPAUDIT-PREROUTING - [0:0]\n"
	    "-F FTPAUDIT-PREROUTING\n"
	    "-A FTPAUDIT-PREROUTING -p tcp -s 203.0.113.5/32 -d 198.51.100.1/32 "
	    "--dport 21 -m comment --comment \"N1 dnat control\" -j DNAT "
	    "--to-destination 10.0.1.1:21\n"
	    "-A FTPAUDIT-PREROUTING -p tcp -s 203.0.113.5/32 -d 198.51.100.1/32 "
	    "--dport 40000:40001 -m comment --comment \"N1 dnat passive-data\" "
	    "-j DNAT --to-destination 10.0.1.1\nCOMMIT\n"));
	free(buf);
	buf = ipt_of(r, FA_AF_INET6);
	assert_null(strstr(buf, "*nat"));
	assert_non_null(strstr(buf, "IPv6 stays without NAT"));
	free(buf);
	rules_free(r);

	/* Not on the server side, and not from a session that never logged
	 * in. */
	r = run(RULES_SERVER, RULES_STATIC, RULES_PEERS_OBSERVED);
	rules_nat_list(r, &n);
	assert_int_equal(n, 0);
	buf = nft_of(r, NULL);
	assert_null(strstr(buf, "nat"));
	free(buf);
	rules_free(r);
	s->login = FA_LOGIN_FAILED;
	r = run(RULES_GATEWAY, RULES_STATIC, RULES_PEERS_OBSERVED);
	rules_nat_list(r, &n);
	assert_int_equal(n, 0);
	rules_free(r);
}

/* Active data from a server behind a port forward: snat to the public
 * address with static rules; the helper translates it itself. */
static void
test_nat_dnat_active(void **state)
{
	struct fa_session *s;
	struct rules *r;
	char *buf;

	(void)state;
	s = nat_session(FA_NAT_DNAT, "203.0.113.5", "203.0.113.5", "10.0.1.1",
	    "198.51.100.1");
	active(s, 20, 50000);
	r = run(RULES_GATEWAY, RULES_STATIC, RULES_PEERS_OBSERVED);
	buf = nft_of(r, NULL);
	assert_non_null(strstr(buf, "\t\tip saddr 10.0.1.1 ip daddr "
	    "203.0.113.5/32 tcp dport 1024-65535 snat ip to 198.51.100.1 comment "
	    "\"N1 dnat active-data\"\n"));
	assert_null(strstr(buf, "dnat passive-data"));
	free(buf);
	buf = ipt_of(r, FA_AF_INET);
	assert_non_null(strstr(buf, "-A FTPAUDIT-POSTROUTING -p tcp -s "
	    "10.0.1.1/32 -d 203.0.113.5/32 --dport 1024:65535 -m comment "
	    "--comment \"N1 dnat active-data\" -j SNAT --to-source 198.51.100.1\n"));
	free(buf);
	rules_free(r);
	r = run(RULES_GATEWAY, RULES_HELPER, RULES_PEERS_OBSERVED);
	buf = nft_of(r, NULL);
	assert_null(strstr(buf, "active-data\""));
	assert_null(strstr(buf, "nat_postrouting"));
	assert_non_null(strstr(buf, "dnat ip to 10.0.1.1:21"));
	free(buf);
	rules_free(r);
}

static void
test_nat_snat(void **state)
{
	struct fa_session *s;
	const struct rules_nat *v;
	struct rules *r;
	size_t n;
	char *buf;

	(void)state;
	s = nat_session(FA_NAT_SNAT, "10.0.0.5", "198.51.100.2", "203.0.113.9",
	    "203.0.113.9");
	passive(s, 40000);
	active(s, 20, 50000);
	r = run(RULES_GATEWAY, RULES_STATIC, RULES_PEERS_OBSERVED);
	v = rules_nat_list(r, &n);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].kind, RN_SNAT);
	/* Static rules cannot make active mode work through it: said. */
	assert_true(has_hint(r, "nat-active-static"));
	buf = nft_of(r, NULL);
	assert_non_null(strstr(buf, "\tchain nat_postrouting {\n\t\ttype nat hook "
	    "postrouting priority srcnat; policy accept;\n"
	    "\t\tip saddr 10.0.0.5/32 ip daddr 203.0.113.9/32 tcp dport "
	    "{ 21, 40000 } snat ip to 198.51.100.2 comment \"N1 snat\"\n"));
	assert_null(strstr(buf, "nat_prerouting"));
	free(buf);
	buf = ipt_of(r, FA_AF_INET);
	assert_non_null(strstr(buf, "-A FTPAUDIT-POSTROUTING -p tcp -s "
	    "10.0.0.5/32 -d 203.0.113.9/32 -m multiport --dports 21,40000 -m "
	    "comment --comment \"N1 snat\" -j SNAT --to-source 198.51.100.2\n"));
	free(buf);
	rules_free(r);

	/* The helper: its object and assignment, no hint; nf_nat_ftp
	 * translates the data it expects: the control port alone. */
	r = run(RULES_GATEWAY, RULES_HELPER, RULES_PEERS_OBSERVED);
	assert_false(has_hint(r, "nat-active-static"));
	buf = nft_of(r, NULL);
	assert_non_null(strstr(buf, "ct helper ftpaudit-ftp {"));
	assert_non_null(strstr(buf, "tcp dport 21 ct helper set \"ftpaudit-ftp\""));
	assert_non_null(strstr(buf, "ip daddr 203.0.113.9/32 tcp dport 21 snat "
	    "ip to 198.51.100.2"));
	free(buf);
	buf = ipt_of(r, FA_AF_INET);
	assert_non_null(strstr(buf, "*raw\n"));
	assert_non_null(strstr(buf, "-j CT --helper ftp\n"));
	assert_non_null(strstr(buf, "-j SNAT --to-source 198.51.100.2\n"));
	free(buf);
	rules_free(r);
}

static void
test_nat_given(void **state)
{
	struct rules_dnat_spec d;
	struct rules_net net;
	struct rules_opts o;
	struct rules *r;
	char *buf;

	(void)state;
	assert_int_equal(rules_dnat_parse("198.51.100.1:2121=10.0.1.1:21", &d), 0);
	assert_int_equal(d.pub_port, 2121);
	assert_int_equal(d.in_port, 21);
	assert_int_equal(rules_dnat_parse("198.51.100.1=10.0.1.1", &d), 0);
	assert_int_equal(d.pub_port, 21);
	assert_int_equal(d.in_port, 21);
	assert_int_equal(rules_dnat_parse("198.51.100.1:0=10.0.1.1", &d), -1);
	assert_int_equal(rules_dnat_parse("198.51.100.1", &d), -1);
	assert_int_equal(rules_dnat_parse("2001:db8::1=10.0.1.1", &d), -1);
	assert_int_equal(rules_dnat_parse("198.51.100.1=10.0.1.1:70000", &d), -1);
	assert_int_equal(rules_net_parse("10.0.0.7/24", &net), 0);
	assert_int_equal(net.plen, 24);
	assert_int_equal(net.addr.a[3], 0);
	assert_int_equal(rules_net_parse("10.0.0.7", &net), 0);
	assert_int_equal(net.plen, 32);
	assert_int_equal(rules_net_parse("10.0.0.0/33", &net), -1);
	assert_int_equal(rules_net_parse("fd00::/64", &net), -1);
	assert_int_equal(rules_net_parse("10.0.0.0/", &net), -1);

	/* Given translations apply to the servers seen, with their passive
	 * ranges; an IPv6 session gets none. */
	passive(session("10.0.0.5", "203.0.113.9", 21), 40000);
	passive(session("fd00::5", "2001:db8::9", 21), 40000);
	rules_opts_defaults(&o);
	o.side = RULES_GATEWAY;
	assert_int_equal(rules_net_parse("10.0.0.0/24", &o.masq[o.nmasq++]), 0);
	assert_int_equal(rules_dnat_parse("198.51.100.1=10.0.1.1", &o.dnat[o.ndnat++]), 0);
	assert_non_null(r = rules_new(&o));
	assert_int_equal(rules_add_session(r, &sess[0]), 0);
	assert_int_equal(rules_add_session(r, &sess[1]), 0);
	assert_int_equal(rules_finish(r), 0);
	buf = nft_of(r, NULL);
	assert_non_null(strstr(buf, "\t\tip daddr 198.51.100.1/32 tcp dport 21 "
	    "dnat ip to 10.0.1.1:21 comment \"N1 dnat control\"\n"));
	assert_non_null(strstr(buf, "\t\tip saddr 10.0.0.0/24 ip daddr "
	    "203.0.113.9/32 tcp dport { 21, 40000 } masquerade comment "
	    "\"N2 masquerade\"\n"));
	assert_null(strstr(buf, "2001:db8::9/128 tcp dport { 21"));
	free(buf);
	rules_free(r);
}

/* --aggregate: the words, exact merging with a shared nft set, /N on the
 * peers only, none as before. */
static void
test_aggregate(void **state)
{
	static const char *const good[] = { "exact", "none", "/24", "/0",
		"/24,/64", "/32,/128", "/8,/0" };
	static const char *const bad[] = { "/33", "/24,/129", "/", "/24,", "24",
		"/-1", "/ 4", "/24,/64,/8", "/24/64", "", "exact,/24",
		"/99999999999999999999" };
	struct rules_opts o;
	struct rules *r;
	const struct rules_rule *u;
	char w[RULES_AGGLEN], *buf;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		rules_opts_defaults(&o);
		assert_int_equal(rules_aggregate_parse(good[i], &o), 0);
		assert_string_equal(rules_aggregate_str(&o, w),
		    strcmp(good[i], "/32,/128") == 0 ? "/32" : good[i]);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rules_opts_defaults(&o);
		assert_int_equal(rules_aggregate_parse(bad[i], &o), -1);
		assert_int_equal(o.aggregate, RULES_AGG_EXACT);
	}
	assert_int_equal(rules_aggregate_parse("/32", &o), 0);
	assert_false(rules_aggregate_widens(&o));
	assert_int_equal(rules_aggregate_parse("/32,/64", &o), 0);
	assert_true(rules_aggregate_widens(&o));

	/* 10.0.0.1-3 and .5: two elements, one set for the control and the
	 * passive rules, which have the same clients. */
	passive(session("10.0.0.3", "10.0.1.1", 21), 40000);
	passive(session("10.0.0.1", "10.0.1.1", 21), 40000);
	passive(session("10.0.0.5", "10.0.1.1", 21), 40000);
	passive(session("10.0.0.2", "10.0.1.1", 21), 40000);
	r = run(RULES_SERVER, RULES_STATIC, RULES_PEERS_OBSERVED);
	u = find(r, RP_CONTROL, 0);
	assert_true(u->saddr.aggregated);
	assert_int_equal(u->saddr.nagg, 2);
	assert_int_equal(u->saddr.n, 4);	/* the evidence stays */
	assert_int_equal(u->daddr.nagg, 1);
	buf = nft_of(r, NULL);
	assert_non_null(strstr(buf, "\tset R3_peers {\n\t\ttype ipv4_addr; flags "
	    "interval\n\t\telements = {\n\t\t\t10.0.0.1-10.0.0.3, 10.0.0.5\n"
	    "\t\t}\n\t}\n"));
	assert_null(strstr(buf, "R4_peers"));
	assert_non_null(strstr(buf, "ip saddr @R3_peers ip daddr 10.0.1.1/32 "
	    "tcp dport 21 ct state new accept comment \"R3 control\"\n"));
	assert_non_null(strstr(buf, "ip saddr @R3_peers ip daddr 10.0.1.1/32 "
	    "tcp dport 40000 ct state new accept comment \"R4 passive-data\"\n"));
	assert_non_null(strstr(buf, "# Addresses: each list sorted and merged"));
	free(buf);
	buf = nft_of(r, "inet filter");
	assert_non_null(strstr(buf, "add set inet filter ftpaudit_R3_peers { type "
	    "ipv4_addr; flags interval; }\nflush set inet filter "
	    "ftpaudit_R3_peers\nadd element inet filter ftpaudit_R3_peers {\n"
	    "\t10.0.0.1-10.0.0.3, 10.0.0.5\n}\n"));
	assert_non_null(strstr(buf, "ip saddr @ftpaudit_R3_peers ip daddr"));
	free(buf);
	buf = ipt_of(r, FA_AF_INET);
	assert_non_null(strstr(buf, " -s 10.0.0.1/32,10.0.0.2/31,10.0.0.5/32 "
	    "-d 10.0.1.1/32 --dport 21 "));
	free(buf);
	rules_free(r);

	/* /24: the clients' prefix, the server stays itself. */
	rules_opts_defaults(&o);
	assert_int_equal(rules_aggregate_parse("/24", &o), 0);
	assert_non_null(r = rules_new(&o));
	for (i = 0; i < (size_t)nsess; i++)
		assert_int_equal(rules_add_session(r, &sess[i]), 0);
	assert_int_equal(rules_finish(r), 0);
	buf = nft_of(r, NULL);
	assert_non_null(strstr(buf, "ip saddr 10.0.0.0/24 ip daddr 10.0.1.1/32 "
	    "tcp dport 21 "));
	assert_null(strstr(buf, "\tset "));
	assert_non_null(strstr(buf, "# Addresses WIDENED (--aggregate=/24): "
	    "IPv4 /24, IPv6 exact; each list of clients holds\n"));
	free(buf);
	rules_free(r);

	/* none: the hosts in the order first seen, as before. */
	rules_opts_defaults(&o);
	assert_int_equal(rules_aggregate_parse("none", &o), 0);
	assert_non_null(r = rules_new(&o));
	for (i = 0; i < (size_t)nsess; i++)
		assert_int_equal(rules_add_session(r, &sess[i]), 0);
	assert_int_equal(rules_finish(r), 0);
	assert_false(find(r, RP_CONTROL, 0)->saddr.aggregated);
	buf = nft_of(r, NULL);
	assert_non_null(strstr(buf, "ip saddr { 10.0.0.3/32, 10.0.0.1/32, "
	    "10.0.0.5/32, 10.0.0.2/32 } ip daddr 10.0.1.1/32 tcp dport 21 "));
	assert_null(strstr(buf, "Addresses"));
	free(buf);
	rules_free(r);

	/* The client side widens the servers, its own hosts stay exact. */
	nsess = 0;
	passive(session("10.0.0.1", "192.0.2.1", 21), 40000);
	passive(session("10.0.0.9", "192.0.2.77", 21), 40000);
	rules_opts_defaults(&o);
	o.side = RULES_CLIENT;
	assert_int_equal(rules_aggregate_parse("/24", &o), 0);
	assert_non_null(r = rules_new(&o));
	for (i = 0; i < (size_t)nsess; i++)
		assert_int_equal(rules_add_session(r, &sess[i]), 0);
	assert_int_equal(rules_finish(r), 0);
	buf = nft_of(r, NULL);
	assert_non_null(strstr(buf, "ip saddr 10.0.0.1/32 ip daddr 192.0.2.0/24 "
	    "tcp dport 21 "));
	assert_non_null(strstr(buf, "ip saddr 10.0.0.9/32 ip daddr 192.0.2.0/24 "
	    "tcp dport 21 "));
	assert_non_null(strstr(buf, "each list of servers holds"));
	free(buf);
	rules_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_passive_range, setup),
		cmocka_unit_test_setup(test_active_sport, setup),
		cmocka_unit_test_setup(test_peers, setup),
		cmocka_unit_test_setup(test_helper_notes, setup),
		cmocka_unit_test_setup(test_ids_stable, setup),
		cmocka_unit_test_setup(test_evidence_order, setup),
		cmocka_unit_test_setup(test_ids_only, setup),
		cmocka_unit_test_setup(test_render, setup),
		cmocka_unit_test_setup(test_vetting, setup),
		cmocka_unit_test_setup(test_empty, setup),
		cmocka_unit_test(test_ranges_add),
		cmocka_unit_test_setup(test_placed, setup),
		cmocka_unit_test_setup(test_nat_dnat, setup),
		cmocka_unit_test_setup(test_nat_dnat_active, setup),
		cmocka_unit_test_setup(test_nat_snat, setup),
		cmocka_unit_test_setup(test_nat_given, setup),
		cmocka_unit_test_setup(test_aggregate, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
