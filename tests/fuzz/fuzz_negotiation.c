/* SPDX-License-Identifier: ISC */
/* fuzz_negotiation.c: libFuzzer harness for the data-connection
 * negotiation parsers: PORT, EPRT and LPRT arguments, 227, 228 and 229
 * reply texts.  The whole input goes to each of them from an exact-size
 * heap copy.  Checked: a result is either OK with a usable port and a
 * family the syntax allows, or an error with the output zeroed; and an OK
 * PORT/EPRT result printed in canonical form parses back to itself. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/ftp_parse.h"

static void
check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static bool
is_zero(const struct ftp_hostport *hp)
{
	static const struct ftp_hostport zero;

	return memcmp(hp, &zero, sizeof zero) == 0;
}

static bool
same(const struct ftp_hostport *a, const struct ftp_hostport *b)
{
	return a->port == b->port && fa_addr_eq(&a->addr, &b->addr) &&
	    a->addr.family == b->addr.family;
}

/* fams: bit 0 NONE, bit 1 INET, bit 2 INET6. */
static void
result(enum ftp_neg_status st, const struct ftp_hostport *hp, unsigned fams)
{
	unsigned	 bit;

	check(st >= FTP_NEG_OK && st <= FTP_NEG_FAMILY);
	check(ftp_neg_strerror(st) != NULL);
	if (st != FTP_NEG_OK) {
		check(is_zero(hp));
		return;
	}
	check(hp->port != 0);
	bit = hp->addr.family == FA_AF_NONE ? 1 :
	    hp->addr.family == FA_AF_INET ? 2 :
	    hp->addr.family == FA_AF_INET6 ? 4 : 0;
	check((bit & fams) != 0);
	if (hp->addr.family == FA_AF_INET) {
		static const uint8_t z[12];
		check(memcmp(hp->addr.a + 4, z, sizeof z) == 0);
	}
	if (hp->addr.family == FA_AF_NONE) {
		static const uint8_t z[16];
		check(memcmp(hp->addr.a, z, sizeof z) == 0);
	}
}

/* Canonical text back through the parser it came from. */
static void
round_trip_port(const struct ftp_hostport *hp)
{
	struct ftp_hostport	 back;
	char			 txt[64];
	int			 n;

	n = snprintf(txt, sizeof txt, "%u,%u,%u,%u,%u,%u", hp->addr.a[0],
	    hp->addr.a[1], hp->addr.a[2], hp->addr.a[3], hp->port >> 8,
	    hp->port & 0xff);
	check(ftp_parse_port((const uint8_t *)txt, (size_t)n, &back) == FTP_NEG_OK);
	check(same(hp, &back));
}

static void
round_trip_eprt(const struct ftp_hostport *hp)
{
	struct ftp_hostport	 back;
	char			 a[INET6_ADDRSTRLEN], txt[128];
	int			 n, af = hp->addr.family == FA_AF_INET ? AF_INET : AF_INET6;

	check(inet_ntop(af, hp->addr.a, a, sizeof a) != NULL);
	n = snprintf(txt, sizeof txt, "|%d|%s|%u|", af == AF_INET ? 1 : 2, a,
	    hp->port);
	check(ftp_parse_eprt((const uint8_t *)txt, (size_t)n, &back) == FTP_NEG_OK);
	check(same(hp, &back));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ftp_hostport	 hp;
	enum ftp_neg_status	 st;
	uint8_t			*p = malloc(size ? size : 1);

	check(p != NULL);
	if (size > 0)
		memcpy(p, data, size);

	memset(&hp, 0xa5, sizeof hp);
	st = ftp_parse_port(p, size, &hp);
	result(st, &hp, 2);
	if (st == FTP_NEG_OK)
		round_trip_port(&hp);

	memset(&hp, 0xa5, sizeof hp);
	st = ftp_parse_eprt(p, size, &hp);
	result(st, &hp, 2 | 4);
	if (st == FTP_NEG_OK)
		round_trip_eprt(&hp);

	memset(&hp, 0xa5, sizeof hp);
	result(ftp_parse_lprt(p, size, &hp), &hp, 2 | 4);

	memset(&hp, 0xa5, sizeof hp);
	st = ftp_parse_227(p, size, &hp);
	result(st, &hp, 2);
	if (st == FTP_NEG_OK)
		round_trip_port(&hp);

	memset(&hp, 0xa5, sizeof hp);
	result(ftp_parse_228(p, size, &hp), &hp, 2 | 4);

	memset(&hp, 0xa5, sizeof hp);
	st = ftp_parse_229(p, size, &hp);
	result(st, &hp, 1 | 2 | 4);
	if (st == FTP_NEG_OK && hp.addr.family != FA_AF_NONE)
		round_trip_eprt(&hp);

	/* NULL input is an error, never a crash. */
	check(ftp_parse_port(NULL, size, &hp) != FTP_NEG_OK);
	check(ftp_parse_229(NULL, size, &hp) != FTP_NEG_OK);

	free(p);
	return 0;
}
