/* SPDX-License-Identifier: ISC */
/* test_select.c: the selection's parsers, its address/prefix matcher
 * against a bit-by-bit reference on random addresses, and which sessions
 * and unattributed connections the options keep together. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftpaudit/select.h"

static struct select_net
net(const char *s)
{
	struct select_net n;
	const char *cause;

	assert_int_equal(select_net_parse(s, strlen(s), &n, &cause), 0);
	return n;
}

static struct fa_addr
addr(const char *s)
{
	struct fa_addr a;

	assert_int_equal(fa_addr_parse(s, &a), 0);
	return a;
}

static void
test_net_parse(void **state)
{
	static const char *const bad[] = { "", "300.1.1.1", "10.0.0.0/33",
		"10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1", "/8", "::/129",
		"10.0.0.0/8/8", "host.example", "1.2.3", "10.0.0.0/1000",
		"fe80::1%eth0" };
	struct select_net n;
	const char *cause;
	char buf[FA_ADDRSTRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		assert_int_equal(select_net_parse(bad[i], strlen(bad[i]), &n,
		    &cause), -1);
		assert_non_null(cause);
	}
	n = net("10.1.2.3");
	assert_int_equal(n.plen, 32);
	n = net("10.1.2.3/8");		/* host bits cleared */
	assert_int_equal(n.plen, 8);
	assert_string_equal(fa_addr_str(&n.addr, buf), "10.0.0.0");
	n = net("2001:db8:ffff::1/33");
	assert_int_equal(n.plen, 33);
	assert_string_equal(fa_addr_str(&n.addr, buf), "2001:db8:8000::");
	n = net("::/0");
	assert_int_equal(n.plen, 0);
	n = net("0.0.0.0/0");
	assert_int_equal(n.addr.family, FA_AF_INET);
	/* Only the given length is read: the item inside a list. */
	assert_int_equal(select_net_parse("10.0.0.1,x", 8, &n, &cause), 0);
	assert_int_equal(n.plen, 32);
}

/* The reference: the first plen bits equal, one at a time. */
static bool
ref_has(const struct select_net *n, const struct fa_addr *a)
{
	unsigned i;

	if (a->family != n->addr.family)
		return false;
	for (i = 0; i < n->plen; i++)
		if (((a->a[i / 8] ^ n->addr.a[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

static void
random_addr(struct fa_addr *a, int family, const struct fa_addr *near)
{
	unsigned i, len = family == FA_AF_INET ? 4 : 16;

	memset(a, 0, sizeof *a);
	a->family = (uint8_t)family;
	for (i = 0; i < len; i++)
		a->a[i] = (uint8_t)random();
	/* Half of them share a random number of leading bits with near,
	 * or the matches would be almost all at short prefixes. */
	if (near != NULL && random() % 2) {
		unsigned keep = (unsigned)random() % (8 * len + 1);
		for (i = 0; i < keep; i++) {
			uint8_t bit = (uint8_t)(0x80 >> (i % 8));
			a->a[i / 8] = (uint8_t)((a->a[i / 8] & ~bit) |
			    (near->a[i / 8] & bit));
		}
	}
}

static void
test_net_has_random(void **state)
{
	struct select_net n;
	struct fa_addr a, base;
	const char *cause;
	char text[FA_ADDRSTRLEN + 8], b[FA_ADDRSTRLEN];
	int round, j, family, hits = 0;

	(void)state;
	srandom(20);
	for (round = 0; round < 2000; round++) {
		family = round % 2 ? FA_AF_INET6 : FA_AF_INET;
		random_addr(&base, family, NULL);
		snprintf(text, sizeof text, "%s/%ld", fa_addr_str(&base, b),
		    random() % (family == FA_AF_INET ? 33 : 129));
		assert_int_equal(select_net_parse(text, strlen(text), &n,
		    &cause), 0);
		/* The prefix's own address is inside it. */
		assert_true(select_net_has(&n, &n.addr));
		for (j = 0; j < 50; j++) {
			random_addr(&a, j % 10 == 0 ? FA_AF_INET + FA_AF_INET6 -
			    family : family, &base);
			assert_int_equal(select_net_has(&n, &a), ref_has(&n, &a));
			hits += ref_has(&n, &a);
		}
	}
	/* Both answers were exercised. */
	assert_true(hits > 1000 && hits < 2000 * 50 - 1000);
}

static void
test_ids(void **state)
{
	static const char *const bad[] = { "x", "0", "1,,2", ",1", "1,",
		"5-3", "1-", "-1", "1-x", "12345678901234567890", "1 2", "" };
	struct selection sel;
	const char *cause;
	char *bad_item, desc[SELECT_DESCLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		select_init(&sel);
		assert_int_equal(select_add_ids(&sel, bad[i], &cause,
		    &bad_item), -1);
		assert_non_null(bad_item);
		free(bad_item);
		select_free(&sel);
	}
	select_init(&sel);
	assert_int_equal(select_add_ids(&sel, "10,3-5", &cause, &bad_item), 0);
	assert_int_equal(select_add_ids(&sel, "4-9,1,12", &cause, &bad_item), 0);
	select_done(&sel);
	/* Sorted and merged: 1, 3-10 (10 follows 9), 12. */
	assert_int_equal(sel.nranges, 3);
	assert_string_equal(select_describe(&sel, desc), "--session=1,3-10,12");
	select_free(&sel);
}

static struct fa_session *
session(uint64_t id, const char *client, const char *server, uint32_t nanoms)
{
	static struct fa_session s;

	memset(&s, 0, sizeof s);
	s.id = id;
	s.client.ip = addr(client);
	s.server.ip = addr(server);
	s.nanoms = nanoms;
	return &s;
}

static void
add(struct selection *sel, enum select_kind k, const char *list)
{
	const char *cause;
	char *bad;

	assert_int_equal(select_add_nets(sel, k, list, &cause, &bad), 0);
}

static void
test_match(void **state)
{
	struct selection sel;
	struct fa_nat nat;
	struct fa_session *s;
	const char *cause;
	char *bad, desc[SELECT_DESCLEN];

	(void)state;
	select_init(&sel);
	assert_false(select_active(&sel));
	assert_true(select_match(&sel, session(1, "10.0.0.1", "10.9.0.1", 0)));
	/* --host: either end; several of one kind: any of them. */
	add(&sel, SELECT_HOST, "192.0.2.0/24,2001:db8::/32");
	assert_true(select_active(&sel));
	assert_true(select_match(&sel, session(1, "192.0.2.7", "10.9.0.1", 0)));
	assert_true(select_match(&sel, session(1, "10.0.0.1", "192.0.2.9", 0)));
	assert_true(select_match(&sel, session(1, "2001:db8::5", "::1", 0)));
	assert_false(select_match(&sel, session(1, "10.0.0.1", "10.9.0.1", 0)));
	/* Another kind: both must hold (AND). */
	add(&sel, SELECT_SERVER, "10.9.0.0/16");
	assert_true(select_match(&sel, session(1, "192.0.2.7", "10.9.0.1", 0)));
	assert_false(select_match(&sel, session(1, "10.9.0.2", "192.0.2.7", 0)));
	sel.anomalous = true;
	assert_false(select_match(&sel, session(1, "192.0.2.7", "10.9.0.1", 0)));
	assert_true(select_match(&sel, session(1, "192.0.2.7", "10.9.0.1", 2)));
	s = session(1, "192.0.2.7", "10.9.0.1", 0);
	s->anoms_dropped = 1;		/* anomalies past the cap count too */
	assert_true(select_match(&sel, s));
	assert_int_equal(select_add_ids(&sel, "2-3", &cause, &bad), 0);
	select_done(&sel);
	assert_false(select_match(&sel, session(1, "192.0.2.7", "10.9.0.1", 1)));
	assert_true(select_match(&sel, session(3, "192.0.2.7", "10.9.0.1", 1)));
	assert_true(select_take(&sel, session(3, "192.0.2.7", "10.9.0.1", 1)));
	assert_false(select_take(&sel, session(4, "192.0.2.7", "10.9.0.1", 1)));
	assert_int_equal(sel.seen, 2);
	assert_int_equal(sel.taken, 1);
	assert_string_equal(select_describe(&sel, desc), "--session=2-3 "
	    "--host=192.0.2.0/24,2001:db8::/32 --server=10.9.0.0/16 --anomalous");
	select_free(&sel);

	/* --client, and the inside side of a NAT translation. */
	select_init(&sel);
	add(&sel, SELECT_CLIENT, "172.16.0.5");
	s = session(1, "198.51.100.1", "10.9.0.1", 0);
	assert_false(select_match(&sel, s));
	memset(&nat, 0, sizeof nat);
	nat.kind = FA_NAT_SNAT;
	nat.in_client.ip = addr("172.16.0.5");
	nat.out_client.ip = addr("198.51.100.1");
	nat.in_server.ip = nat.out_server.ip = addr("10.9.0.1");
	s->nat = &nat;
	assert_true(select_match(&sel, s));
	/* A client is not a server. */
	assert_false(select_match(&sel, session(1, "10.9.0.1", "172.16.0.5", 0)));
	select_free(&sel);
}

static void
test_unattributed(void **state)
{
	struct selection sel;
	struct fa_unattributed u;
	const char *cause;
	char *bad;

	(void)state;
	memset(&u, 0, sizeof u);
	u.initiator.ip = addr("10.0.0.1");
	u.responder.ip = addr("192.0.2.1");
	select_init(&sel);
	add(&sel, SELECT_HOST, "192.0.2.1");
	assert_true(select_match_unattributed(&sel, &u));
	add(&sel, SELECT_HOST, "10.0.0.1");
	assert_true(select_match_unattributed(&sel, &u));
	select_free(&sel);
	select_init(&sel);
	add(&sel, SELECT_HOST, "203.0.113.1");
	assert_false(select_match_unattributed(&sel, &u));
	select_free(&sel);
	/* No session, no roles, no anomalies: other kinds select none. */
	select_init(&sel);
	add(&sel, SELECT_CLIENT, "10.0.0.1");
	assert_false(select_match_unattributed(&sel, &u));
	select_free(&sel);
	select_init(&sel);
	assert_int_equal(select_add_ids(&sel, "1", &cause, &bad), 0);
	assert_false(select_match_unattributed(&sel, &u));
	select_free(&sel);
}

/* The description is cut, with "...", rather than overflow. */
static void
test_describe_long(void **state)
{
	struct selection sel;
	const char *cause;
	char *bad, desc[SELECT_DESCLEN], list[8192];
	size_t i, off = 0;

	(void)state;
	for (i = 0; i < 1000; i++)
		off += (size_t)snprintf(list + off, sizeof list - off, "%s%zu",
		    i ? "," : "", 2 * i + 1);
	select_init(&sel);
	assert_int_equal(select_add_ids(&sel, list, &cause, &bad), 0);
	add(&sel, SELECT_HOST, "10.0.0.0/8");
	select_done(&sel);
	assert_int_equal(sel.nranges, 1000);
	select_describe(&sel, desc);
	assert_true(strlen(desc) < SELECT_DESCLEN);
	assert_non_null(strstr(desc, "..."));
	assert_true(select_match(&sel, session(1999, "10.1.1.1", "::1", 0)));
	assert_false(select_match(&sel, session(1998, "10.1.1.1", "::1", 0)));
	select_free(&sel);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_parse),
		cmocka_unit_test(test_net_has_random),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_unattributed),
		cmocka_unit_test(test_describe_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
