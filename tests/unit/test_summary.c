/* SPDX-License-Identifier: ISC */
/* test_summary.c: the summary's counts per server and client, its passive
 * port ranges and its order; each cap (servers, clients, anomaly types)
 * holds and the text says what it left out; the text of the widest IPv6
 * addresses stays within 100 columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report_int.h"
#include "summary.h"

static void
v4(struct fa_endpoint *ep, uint32_t a, uint16_t port)
{
	memset(ep, 0, sizeof *ep);
	ep->ip.family = FA_AF_INET;
	ep->ip.a[0] = (uint8_t)(a >> 24);
	ep->ip.a[1] = (uint8_t)(a >> 16);
	ep->ip.a[2] = (uint8_t)(a >> 8);
	ep->ip.a[3] = (uint8_t)a;
	ep->port = port;
}

/* A session from client to server, its transfers and anomalies the
 * caller's (borrowed). */
static void
session(struct fa_session *s, uint32_t client, uint32_t server,
    enum fa_login login)
{
	memset(s, 0, sizeof *s);
	v4(&s->client, client, 40000);
	v4(&s->server, server, 21);
	s->login = login;
	s->login_failures = login == FA_LOGIN_FAILED;
}

static void
passive(struct fa_transfer *t, uint16_t port, uint64_t bytes)
{
	memset(t, 0, sizeof *t);
	t->mode = FA_MODE_PASSIVE;
	t->connected = true;
	t->status = FA_XS_COMPLETE;
	t->data_server.port = port;
	t->bytes_seq[1] = bytes;
	t->dir = FA_DIR_DOWNLOAD;
}

/* The summary's text (owned by the caller). */
static char *
text(struct summary *sum)
{
	struct text_style ts = { false };
	struct fa_stats st;
	char *p = NULL;
	size_t len = 0;
	FILE *f;

	memset(&st, 0, sizeof st);
	assert_non_null(f = open_memstream(&p, &len));
	report_text_summary(f, sum, NULL, &st, 0, &ts);
	assert_int_equal(fclose(f), 0);
	return p;
}

static void
assert_width(const char *p)
{
	const char *nl;

	for (; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		assert_true(nl - p <= 100);
}

static void
test_counts(void **state)
{
	struct summary *sum;
	struct fa_session s;
	struct fa_transfer t[3];
	struct fa_anomaly a[2] = { { 0, "ftp_bounce", NULL, NULL },
	    { 0, "privileged_port", NULL, NULL } };
	const struct summary_server **sv;
	const struct summary_client **cl;
	const struct summary_anomaly *an;
	size_t n;

	(void)state;
	assert_non_null(sum = summary_new());
	passive(&t[0], 40009, 100);
	passive(&t[1], 40001, 50);
	passive(&t[2], 40001, 7);
	t[2].mode = FA_MODE_ACTIVE;	/* not a passive port */
	t[2].data_server.port = 20;
	session(&s, 0x0a000001, 0x0a000063, FA_LOGIN_SUCCESS);
	s.xfers = t;
	s.nxfers = 3;
	s.anoms = a;
	s.nanoms = 2;
	summary_add_session(sum, &s);
	session(&s, 0x0a000002, 0x0a000063, FA_LOGIN_FAILED);
	s.xfers = t + 1;
	s.nxfers = 1;
	s.anoms = a;
	s.nanoms = 1;
	summary_add_session(sum, &s);
	session(&s, 0x0a000002, 0x0a000064, FA_LOGIN_NONE);
	summary_add_session(sum, &s);

	assert_int_equal(sum->total.sessions, 3);
	assert_int_equal(sum->total.logins_ok, 1);
	assert_int_equal(sum->total.logins_failed, 1);
	assert_int_equal(sum->total.logins_none, 1);
	assert_int_equal(sum->total.transfers[FA_MODE_PASSIVE], 3);
	assert_int_equal(sum->total.transfers[FA_MODE_ACTIVE], 1);
	assert_int_equal(sum->total.bytes, 100 + 50 + 7 + 50);
	assert_int_equal(sum->status[FA_XS_COMPLETE], 4);
	sv = summary_servers(sum, &n);
	assert_int_equal(n, 2);
	assert_int_equal(sv[0]->c.sessions, 2);
	assert_int_equal(sv[0]->pasv_min, 40001);
	assert_int_equal(sv[0]->pasv_max, 40009);
	assert_int_equal(sv[0]->pasv_ports, 2);
	assert_int_equal(sv[1]->pasv_ports, 0);
	cl = summary_clients(sum, &n);
	assert_int_equal(n, 2);
	/* Most sessions first. */
	assert_int_equal(cl[0]->c.sessions, 2);
	assert_int_equal(cl[0]->addr.a[3], 2);
	assert_int_equal(cl[0]->c.logins_failed, 1);
	assert_int_equal(cl[1]->addr.a[3], 1);
	assert_int_equal(cl[1]->c.bytes, 157);
	an = summary_anomaly_types(sum, &n);
	assert_int_equal(n, 2);
	assert_string_equal(an[0].type, "ftp_bounce");
	assert_int_equal(an[0].count, 2);
	summary_free(sum);
}

/* Clients and passive ports are counted a few sessions late
 * (summary.c): across many sessions, interleaved with views, the counts
 * are those of counting at once. */
static void
test_lag(void **state)
{
	struct summary *sum;
	struct fa_session s;
	struct fa_transfer t[2];
	const struct summary_server **sv;
	const struct summary_client **cl;
	uint64_t want[37];
	uint32_t i, c;
	size_t n, k;

	(void)state;
	memset(want, 0, sizeof want);
	assert_non_null(sum = summary_new());
	for (i = 0; i < 1000; i++) {
		c = i * 13 % 37;
		session(&s, 0x0a000100 + c, 0x0a000063, FA_LOGIN_SUCCESS);
		passive(&t[0], (uint16_t)(30000 + i * 7919 % 500), 1);
		passive(&t[1], (uint16_t)(30000 + i * 104729 % 500), 1);
		s.xfers = t;
		s.nxfers = 2;
		summary_add_session(sum, &s);
		want[c]++;
		if (i == 3 || i == 500) {
			/* A view mid-way counts what was pending. */
			assert_non_null(cl = summary_clients(sum, &n));
			assert_int_equal(n, i == 3 ? 4 : 37);
		}
	}
	assert_non_null(sv = summary_servers(sum, &n));
	assert_int_equal(n, 1);
	assert_int_equal(sv[0]->pasv_ports, 500);
	assert_int_equal(sv[0]->pasv_min, 30000);
	assert_int_equal(sv[0]->pasv_max, 30499);
	assert_non_null(cl = summary_clients(sum, &n));
	assert_int_equal(n, 37);
	for (k = 0; k < n; k++) {
		c = cl[k]->addr.a[3];
		assert_int_equal(cl[k]->c.sessions, want[c]);
		assert_int_equal(cl[k]->c.transfers[FA_MODE_PASSIVE], 2 * want[c]);
	}
	summary_free(sum);
}

static void
test_server_cap(void **state)
{
	struct summary *sum;
	struct fa_session s;
	char *p;
	uint32_t i;

	(void)state;
	assert_non_null(sum = summary_new());
	for (i = 0; i < SUMMARY_MAX_SERVERS + 5; i++) {
		session(&s, 0x0a000001, 0xc0a80000 + i, FA_LOGIN_SUCCESS);
		summary_add_session(sum, &s);
	}
	assert_int_equal(sum->nservers, SUMMARY_MAX_SERVERS);
	assert_int_equal(sum->servers_untracked, 5);
	assert_int_equal(sum->total.sessions, SUMMARY_MAX_SERVERS + 5);
	p = text(sum);
	assert_non_null(strstr(p, "\n  ... and 1004 more servers (1004 sessions)\n"));
	assert_non_null(strstr(p, "\n  ... and more servers than the 1024 told "
	    "apart: 5 sessions, in the totals only\n"));
	assert_non_null(strstr(p, "5  sessions of servers past the summary's cap\n"));
	assert_width(p);
	free(p);
	summary_free(sum);
}

static void
test_client_cap(void **state)
{
	struct summary *sum;
	struct fa_session s;
	char *p;
	uint32_t i;
	size_t n;

	(void)state;
	assert_non_null(sum = summary_new());
	for (i = 0; i < SUMMARY_MAX_CLIENTS + 3; i++) {
		session(&s, 0x0a000000 + i, 0xc0a80001, FA_LOGIN_SUCCESS);
		summary_add_session(sum, &s);
	}
	/* The first client again: still told apart. */
	session(&s, 0x0a000000, 0xc0a80001, FA_LOGIN_SUCCESS);
	summary_add_session(sum, &s);
	/* The clients are complete once a view is taken. */
	assert_non_null(summary_clients(sum, &n));
	assert_int_equal(n, SUMMARY_MAX_CLIENTS);
	assert_int_equal(sum->nclients, SUMMARY_MAX_CLIENTS);
	assert_int_equal(sum->clients_untracked, 3);
	p = text(sum);
	assert_non_null(strstr(p, "Top clients: 10 of 65536, by sessions\n"));
	assert_non_null(strstr(p, "  10.0.0.0        2      2"));
	assert_non_null(strstr(p, "clients than the 65536 told apart: 3 sessions"));
	free(p);
	summary_free(sum);
}

static void
test_anomaly_type_cap(void **state)
{
	struct summary *sum;
	struct fa_session s;
	struct fa_anomaly a[SUMMARY_MAX_ANOMALY_TYPES + 6];
	char names[SUMMARY_MAX_ANOMALY_TYPES + 6][16];
	size_t i;

	(void)state;
	assert_non_null(sum = summary_new());
	for (i = 0; i < SUMMARY_MAX_ANOMALY_TYPES + 6; i++) {
		snprintf(names[i], sizeof names[i], "type_%zu", i);
		memset(&a[i], 0, sizeof a[i]);
		a[i].type = names[i];
	}
	session(&s, 1, 2, FA_LOGIN_SUCCESS);
	s.anoms = a;
	s.nanoms = SUMMARY_MAX_ANOMALY_TYPES + 6;
	summary_add_session(sum, &s);
	/* The types are copies: the session's strings may go. */
	memset(names, 'x', sizeof names);
	assert_int_equal(sum->nanomalies, SUMMARY_MAX_ANOMALY_TYPES);
	assert_int_equal(sum->anomalies_untyped, 6);
	assert_string_equal(sum->anomalies[0].type, "type_0");
	summary_free(sum);
}

/* The widest IPv6 endpoints: the address on a line of its own. */
static void
test_wide_addresses(void **state)
{
	struct summary *sum;
	struct fa_session s;
	char *p;

	(void)state;
	assert_non_null(sum = summary_new());
	session(&s, 1, 2, FA_LOGIN_SUCCESS);
	assert_int_equal(fa_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
	    &s.client.ip), 0);
	assert_int_equal(fa_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
	    &s.server.ip), 0);
	s.server.port = 65535;
	summary_add_session(sum, &s);
	p = text(sum);
	assert_width(p);
	assert_non_null(strstr(p, "\n  [ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe]:65535\n"
	    "                1      1      0"));
	free(p);
	summary_free(sum);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_lag),
		cmocka_unit_test(test_server_cap),
		cmocka_unit_test(test_client_cap),
		cmocka_unit_test(test_anomaly_type_cap),
		cmocka_unit_test(test_wide_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
