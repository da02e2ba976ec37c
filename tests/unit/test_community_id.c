/* SPDX-License-Identifier: ISC */
/* test_community_id.c: Community ID v1 against the specification's
 * published vectors, and SHA-1 against FIPS 180's examples.  The IPv6
 * TCP vectors are Wireshark's (tshark --enable-protocol communityid) for
 * samples/vsftpd-curl-ipv6-epsv.pcap. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ftpaudit/community_id.h"

static struct fa_endpoint
ep(const char *addr, uint16_t port)
{
	struct fa_endpoint e;

	memset(&e, 0, sizeof e);
	assert_int_equal(fa_addr_parse(addr, &e.ip), 0);
	e.port = port;
	return e;
}

static void
check(const char *sa, uint16_t sp, const char *da, uint16_t dp, uint8_t proto,
    uint16_t seed, const char *want)
{
	struct fa_endpoint a = ep(sa, sp), b = ep(da, dp);
	char buf[COMMUNITY_ID_LEN];

	assert_int_equal(community_id_v1(&a, &b, proto, seed, buf), 30);
	assert_string_equal(buf, want);
	/* Either end first. */
	assert_int_equal(community_id_v1(&b, &a, proto, seed, buf), 30);
	assert_string_equal(buf, want);
}

static void
test_spec_vectors(void **state)
{
	(void)state;
	check("1.2.3.4", 1122, "5.6.7.8", 3344, 6, 0,
	    "1:wCb3OG7yAFWelaUydu0D+125CLM=");
	check("1.2.3.4", 1122, "5.6.7.8", 3344, 17, 0,
	    "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
	check("1.2.3.4", 1122, "5.6.7.8", 3344, 6, 1,
	    "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
	check("1.2.3.4", 1122, "5.6.7.8", 3344, 17, 1,
	    "1:OShq+iKDAMVouh/4bMxB9Sz4amw=");
}

static void
test_ipv6_tshark(void **state)
{
	(void)state;
	check("fd20:1::2", 40250, "fd20:2::2", 21, 6, 0,
	    "1:N3ETPhpNK8iMXULAqae7DZ+6i18=");
	check("fd20:1::2", 33464, "fd20:2::2", 40008, 6, 0,
	    "1:Dkv7UMR9PvNhBsdwmnHi6F8gQAg=");
}

static void
test_equal_addresses(void **state)
{
	char x[COMMUNITY_ID_LEN], y[COMMUNITY_ID_LEN];
	struct fa_endpoint a = ep("10.0.0.1", 21), b = ep("10.0.0.1", 40000);

	(void)state;
	/* Same address: the lower port is the source, either way round. */
	assert_int_equal(community_id_v1(&a, &b, 6, 0, x), 30);
	assert_int_equal(community_id_v1(&b, &a, 6, 0, y), 30);
	assert_string_equal(x, y);
}

static void
test_mixed_family(void **state)
{
	struct fa_endpoint a = ep("10.0.0.1", 21), b = ep("fd00::1", 40000);
	char buf[COMMUNITY_ID_LEN];

	(void)state;
	assert_int_equal(community_id_v1(&a, &b, 6, 0, buf), -1);
}

static void
hex(const uint8_t d[20], char *out)
{
	int i;

	for (i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void
sha1_is(const void *p, size_t len, const char *want)
{
	uint8_t d[20];
	char s[41];
	int portable;

	/* The CPU's SHA instructions, when it has them, and the portable
	 * rounds: both give the vectors. */
	for (portable = 0; portable < 2; portable++) {
		community_id_sha1_with(p, len, d, portable);
		hex(d, s);
		assert_string_equal(s, want);
	}
}

/* Both implementations agree on random messages of every length up to
 * five blocks, across the padding boundaries. */
static void
test_sha1_agree(void **state)
{
	uint8_t m[320], a[20], b[20];
	uint32_t x = 2463534242u;
	size_t n, i;

	(void)state;
	for (n = 0; n <= sizeof m; n++) {
		for (i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			m[i] = (uint8_t)x;
		}
		community_id_sha1_with(m, n, a, false);
		community_id_sha1_with(m, n, b, true);
		assert_memory_equal(a, b, sizeof a);
	}
}

static void
test_sha1(void **state)
{
	static const char two[] =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char *m;
	size_t n;

	(void)state;
	sha1_is("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	sha1_is("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
	sha1_is(two, sizeof two - 1, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	/* Every length around the block's padding boundaries. */
	for (n = 50; n <= 130; n++) {
		assert_non_null(m = calloc(1, n + 1));
		community_id_sha1(m, n, (uint8_t[20]){ 0 });
		free(m);
	}
	assert_non_null(m = malloc(1000000));
	memset(m, 'a', 1000000);
	sha1_is(m, 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_vectors),
		cmocka_unit_test(test_ipv6_tshark),
		cmocka_unit_test(test_equal_addresses),
		cmocka_unit_test(test_mixed_family),
		cmocka_unit_test(test_sha1),
		cmocka_unit_test(test_sha1_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
