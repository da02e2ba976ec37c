/* SPDX-License-Identifier: ISC */
/* test_ftp_parse.c: unit tests for line assembly, command/reply parsing and the negotiation parsers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ftpaudit/ftp_parse.h"

#define L(s)	(const uint8_t *)(s), (sizeof(s) - 1)

/* ---------------------------------------------------------------------- */
/* Helpers. */

#define MAXLINES	32
#define KEEP		128

struct got {
	int		 n;
	struct {
		uint8_t		 d[KEEP];
		struct ftp_line	 l;
	} v[MAXLINES];
};

static void
collect(void *arg, const struct ftp_line *l)
{
	struct got	*g = arg;

	assert_true(g->n < MAXLINES);
	assert_true(l->len <= KEEP);
	if (l->len > 0)
		memcpy(g->v[g->n].d, l->data, l->len);
	g->v[g->n].l = *l;
	g->v[g->n].l.data = g->v[g->n].d;
	g->n++;
}

/* Feed a literal from an exactly sized heap copy, so ASan sees any over-read. */
static void
feed(struct ftp_linebuf *lb, const char *s, size_t n, uint64_t ts,
    uint32_t ack, uint32_t seq, struct got *g)
{
	uint8_t	*p = malloc(n ? n : 1);

	assert_non_null(p);
	memcpy(p, s, n);
	ftp_linebuf_feed(lb, p, n, ts, ack, seq, collect, g);
	free(p);
}
#define FEED(lb, lit, ts, ack, seq, g) \
	feed((lb), (lit), sizeof(lit) - 1, (ts), (ack), (seq), (g))

static void
assert_line(const struct got *g, int i, const char *s, size_t n)
{
	assert_true(i < g->n);
	assert_int_equal(g->v[i].l.len, n);
	assert_memory_equal(g->v[i].d, s, n);
}
#define ASSERT_LINE(g, i, lit)	assert_line((g), (i), (lit), sizeof(lit) - 1)

static uint8_t *
dupx(const char *s, size_t n)
{
	uint8_t	*p = malloc(n ? n : 1);

	assert_non_null(p);
	memcpy(p, s, n);
	return p;
}

typedef enum ftp_neg_status (*neg_fn)(const uint8_t *, size_t,
    struct ftp_hostport *);

/* Run a negotiation parser on an exact-size copy; an error must leave out zeroed. */
static enum ftp_neg_status
neg(neg_fn fn, const char *s, size_t n, struct ftp_hostport *out)
{
	static const struct ftp_hostport zero;
	enum ftp_neg_status	 st;
	uint8_t			*p = dupx(s, n);

	memset(out, 0xa5, sizeof *out);
	st = fn(p, n, out);
	free(p);
	if (st != FTP_NEG_OK)
		assert_memory_equal(out, &zero, sizeof zero);
	return st;
}
#define NEG(fn, lit, out)	neg((fn), (lit), sizeof(lit) - 1, (out))

static void
assert_hp(const struct ftp_hostport *hp, int family, const char *addr,
    uint16_t port)
{
	char	 buf[FA_ADDRSTRLEN];

	assert_int_equal(hp->addr.family, family);
	if (family != FA_AF_NONE)
		assert_string_equal(fa_addr_str(&hp->addr, buf), addr);
	else {
		static const uint8_t z[16];
		assert_memory_equal(hp->addr.a, z, 16);
	}
	assert_int_equal(hp->port, port);
}

/* A decimal string of n digits: "1" then zeros. */
static char *
big_number(size_t n)
{
	char	*s = malloc(n + 1);

	assert_non_null(s);
	memset(s, '0', n);
	s[0] = '1';
	s[n] = '\0';
	return s;
}

/* ---------------------------------------------------------------------- */
/* Line assembly. */

static void
test_line_crlf(void **state)
{
	struct ftp_linebuf	 lb;
	struct got		 g = { 0 };

	(void)state;
	assert_int_equal(ftp_linebuf_init(&lb, 64), 0);
	FEED(&lb, "USER bob\r\nPASS x\r\n", 1000, 77, 500, &g);
	assert_int_equal(g.n, 2);
	ASSERT_LINE(&g, 0, "USER bob");
	ASSERT_LINE(&g, 1, "PASS x");
	assert_false(g.v[0].l.bare_lf);
	assert_false(g.v[0].l.split);
	assert_false(g.v[0].l.truncated);
	assert_false(g.v[0].l.unterminated);
	assert_int_equal(g.v[0].l.full_len, 8);
	assert_int_equal(g.v[0].l.end_seq, 510);
	assert_int_equal(g.v[1].l.end_seq, 518);
	assert_int_equal(g.v[0].l.ts_us, 1000);
	assert_int_equal(g.v[1].l.ack, 77);
	ftp_linebuf_free(&lb);
	assert_null(lb.buf.p);
}

/* Started in the caller's buffer, a longer line moves to one of the
 * linebuf's own, and the caller's is left alone (it is a session pool's).
 * A whole line in one chunk is handed over as a view of the chunk and
 * needs no buffer at all. */
static void
test_line_init_in(void **state)
{
	struct ftp_linebuf	 lb;
	struct got		 g = { 0 };
	uint8_t			 first[8];

	(void)state;
	ftp_linebuf_init_in(&lb, 64, first, sizeof first);
	assert_ptr_equal(lb.buf.p, first);
	assert_false(lb.buf.owned);
	FEED(&lb, "PWD\r\n", 1000, 1, 1, &g);
	FEED(&lb, "RETR another-long-file-name\r\n", 1000, 1, 6, &g);
	assert_ptr_equal(lb.buf.p, first);
	assert_false(lb.buf.owned);
	FEED(&lb, "STOR a-long-", 1000, 1, 36, &g);
	FEED(&lb, "file-name\r\n", 1000, 1, 48, &g);
	assert_int_equal(g.n, 3);
	ASSERT_LINE(&g, 0, "PWD");
	ASSERT_LINE(&g, 1, "RETR another-long-file-name");
	ASSERT_LINE(&g, 2, "STOR a-long-file-name");
	assert_true(g.v[2].l.split);
	assert_int_equal(g.v[2].l.end_seq, 59);
	assert_true(lb.buf.owned);
	/* A Telnet command alone in a chunk ties it to the next line. */
	FEED(&lb, "\xff\xf1", 1000, 1, 59, &g);
	FEED(&lb, "NOOP\r\n", 1000, 1, 61, &g);
	assert_int_equal(g.n, 4);
	ASSERT_LINE(&g, 3, "NOOP");
	assert_true(g.v[3].l.split);
	assert_ptr_not_equal(lb.buf.p, first);
	ftp_linebuf_free(&lb);
	assert_null(lb.buf.p);
}

/* The lines of a stream fed in one chunk (whole lines go out as views of
 * the chunk) and fed a byte at a time (every byte through the buffer and
 * the Telnet filter) are the same, but for split. */
static void
same_lines(const uint8_t *s, size_t n, size_t cap)
{
	static struct got a, b;
	struct ftp_linebuf la, lbb;
	size_t i;
	int k;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	assert_int_equal(ftp_linebuf_init(&la, cap), 0);
	assert_int_equal(ftp_linebuf_init(&lbb, cap), 0);
	ftp_linebuf_feed(&la, s, n, 5, 6, 100, collect, &a);
	for (i = 0; i < n; i++)
		ftp_linebuf_feed(&lbb, s + i, 1, 5, 6, 100 + (uint32_t)i,
		    collect, &b);
	ftp_linebuf_flush(&la, 5, 6, 100 + (uint32_t)n, collect, &a);
	ftp_linebuf_flush(&lbb, 5, 6, 100 + (uint32_t)n, collect, &b);
	assert_int_equal(a.n, b.n);
	for (k = 0; k < a.n; k++) {
		assert_int_equal(a.v[k].l.len, b.v[k].l.len);
		assert_memory_equal(a.v[k].d, b.v[k].d, a.v[k].l.len);
		assert_int_equal(a.v[k].l.full_len, b.v[k].l.full_len);
		assert_int_equal(a.v[k].l.truncated, b.v[k].l.truncated);
		assert_int_equal(a.v[k].l.bare_lf, b.v[k].l.bare_lf);
		assert_int_equal(a.v[k].l.unterminated, b.v[k].l.unterminated);
		assert_int_equal(a.v[k].l.end_seq, b.v[k].l.end_seq);
		assert_false(a.v[k].l.split);
	}
	ftp_linebuf_free(&la);
	ftp_linebuf_free(&lbb);
}

static void
test_line_view(void **state)
{
	static const uint8_t pick[] = { 'a', ' ', '\r', '\n', 0xff, 0xfb,
	    0xfa, 0xf0, 0xf1, 0 };
	uint64_t rnd = 0x9e3779b97f4a7c15ULL;
	uint8_t s[96];
	size_t n, i;
	int k;

	(void)state;
	same_lines(L("USER anonymous\r\nPASS x\r\n\r\nQUIT\r\n"), 64);
	same_lines(L("a-line-longer-than-cap\r\nok\r\n"), 8);
	same_lines(L("a\rb\r\n\xff\xf1" "c\r\nd\ne\r"), 64);
	for (k = 0; k < 200000; k++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		n = rnd % sizeof s;
		for (i = 0; i < n; i++) {
			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			s[i] = rnd % 3 ? (uint8_t)('a' + rnd % 26) :
			    pick[(rnd >> 8) % sizeof pick];
		}
		same_lines(s, n, k % 2 ? 16 : 128);
	}
}

static void
test_line_bare_lf(void **state)
{
	struct ftp_linebuf	 lb;
	struct got		 g = { 0 };

	(void)state;
	assert_int_equal(ftp_linebuf_init(&lb, 64), 0);
	FEED(&lb, "NOOP\nQUIT\r\n\n", 1, 2, 0, &g);
	assert_int_equal(g.n, 3);
	ASSERT_LINE(&g, 0, "NOOP");
	assert_true(g.v[0].l.bare_lf);
	assert_int_equal(g.v[0].l.end_seq, 5);
	ASSERT_LINE(&g, 1, "QUIT");
	assert_false(g.v[1].l.bare_lf);
	assert_int_equal(g.v[1].l.end_seq, 11);
	ASSERT_LINE(&g, 2, "");		/* empty line, bare LF */
	assert_true(g.v[2].l.bare_lf);
	assert_int_equal(g.v[2].l.full_len, 0);
	ftp_linebuf_free(&lb);
}

static void
test_line_crlf_split(void **state)
{
	struct ftp_linebuf	 lb;
	struct got		 g = { 0 };

	(void)state;
	assert_int_equal(ftp_linebuf_init(&lb, 64), 0);
	FEED(&lb, "NOOP\r", 10, 100, 1000, &g);
	assert_int_equal(g.n, 0);
	FEED(&lb, "\nPWD\r\n", 20, 200, 1005, &g);
	assert_int_equal(g.n, 2);
	ASSERT_LINE(&g, 0, "NOOP");
	assert_false(g.v[0].l.bare_lf);	/* CR and LF in different chunks */
	assert_true(g.v[0].l.split);
	assert_int_equal(g.v[0].l.ts_us, 20);
	assert_int_equal(g.v[0].l.ack, 200);
	assert_int_equal(g.v[0].l.end_seq, 1006);
	ASSERT_LINE(&g, 1, "PWD");
	assert_false(g.v[1].l.split);
	assert_int_equal(g.v[1].l.end_seq, 1011);
	ftp_linebuf_free(&lb);
}

static void
test_line_split_flag(void **state)
{
	struct ftp_linebuf	 lb;
	struct got		 g = { 0 };

	(void)state;
	assert_int_equal(ftp_linebuf_init(&lb, 64), 0);
	FEED(&lb, "A\r\nB", 1, 1, 0, &g);
	FEED(&lb, "B\r\nC\r\nD", 2, 2, 4, &g);
	FEED(&lb, "D", 3, 3, 11, &g);
	FEED(&lb, "D\r\n", 4, 4, 12, &g);
	assert_int_equal(g.n, 4);
	ASSERT_LINE(&g, 0, "A");
	assert_false(g.v[0].l.split);
	ASSERT_LINE(&g, 1, "BB");
	assert_true(g.v[1].l.split);
	assert_int_equal(g.v[1].l.end_seq, 7);
	ASSERT_LINE(&g, 2, "C");
	assert_false(g.v[2].l.split);
	ASSERT_LINE(&g, 3, "DDD");
	assert_true(g.v[3].l.split);
	assert_int_equal(g.v[3].l.ts_us, 4);
	assert_int_equal(g.v[3].l.end_seq, 15);
	ftp_linebuf_free(&lb);
}

static void
test_line_lone_cr_and_nul(void **state)
{
	struct ftp_linebuf	 lb;
	struct got		 g = { 0 };

	(void)state;
	assert_int_equal(ftp_linebuf_init(&lb, 64), 0);
	FEED(&lb, "a\rb\r\n\r\r\nx\0y\r\n", 0, 0, 0, &g);
	assert_int_equal(g.n, 3);
	ASSERT_LINE(&g, 0, "a\rb");
	ASSERT_LINE(&g, 1, "\r");
	assert_false(g.v[1].l.bare_lf);
	ASSERT_LINE(&g, 2, "x\0y");
	assert_int_equal(g.v[2].l.full_len, 3);
	/* A CR held at the end of a chunk turns out to be data. */
	FEED(&lb, "x\r", 0, 0, 14, &g);
	FEED(&lb, "y\r\n", 0, 0, 16, &g);
	assert_int_equal(g.n, 4);
	ASSERT_LINE(&g, 3, "x\ry");
	assert_false(g.v[3].l.bare_lf);
	/* LF CR: the CR starts the next line. */
	FEED(&lb, "p\n\rq\r\n", 0, 0, 19, &g);
	assert_int_equal(g.n, 6);
	ASSERT_LINE(&g, 4, "p");
	assert_true(g.v[4].l.bare_lf);
	ASSERT_LINE(&g, 5, "\rq");
	ftp_linebuf_free(&lb);
}

static void
test_line_iac_basic(void **state)
{
	struct ftp_linebuf	 lb;
	struct got		 g = { 0 };

	(void)state;
	assert_int_equal(ftp_linebuf_init(&lb, 64), 0);
	/* IAC IAC is a literal 0xFF. */
	FEED(&lb, "A\xff\xff" "B\r\n", 0, 0, 0, &g);
	ASSERT_LINE(&g, 0, "A\xff" "B");
	/* WILL, WONT, DO, DONT take an option byte. */
	FEED(&lb, "A\xff\xfb\x01" "B\xff\xfc\x03" "C\xff\xfd\x18" "D\xff\xfe\x1f" "E\r\n",
	    0, 0, 0, &g);
	ASSERT_LINE(&g, 1, "ABCDE");
	/* IAC IP IAC DM before ABOR (RFC 959 4.1.3). */
	FEED(&lb, "\xff\xf4\xff\xf2" "ABOR\r\n", 0, 0, 100, &g);
	ASSERT_LINE(&g, 2, "ABOR");
	assert_int_equal(g.v[2].l.full_len, 4);
	assert_int_equal(g.v[2].l.end_seq, 110);	/* raw bytes count for seq */
	/* Other two-byte commands: NOP, AYT, GA, SE, EC, EL. */
	FEED(&lb, "N\xff\xf1O\xff\xf6O\xff\xf9P\xff\xf0\xff\xf7\xff\xf8\r\n",
	    0, 0, 0, &g);
	ASSERT_LINE(&g, 3, "NOOP");
	/* SB ... SE, with an escaped IAC inside. */
	FEED(&lb, "A\xff\xfa\x18\x01\xff\xff\x02\xff\xf0" "B\r\n", 0, 0, 0, &g);
	ASSERT_LINE(&g, 4, "AB");
	/* The option byte of WILL is consumed even when it is LF. */
	FEED(&lb, "A\xff\xfb\nB\r\n", 0, 0, 0, &g);
	assert_int_equal(g.n, 6);
	ASSERT_LINE(&g, 5, "AB");
	ftp_linebuf_free(&lb);
}

static void
test_line_iac_non_command(void **state)
{
	struct ftp_linebuf	 lb;
	struct got		 g = { 0 };

	(void)state;
	assert_int_equal(ftp_linebuf_init(&lb, 64), 0);
	/* IAC before a byte that is no Telnet command: only the IAC goes. */
	FEED(&lb, "A\xff" "A\r\n", 0, 0, 0, &g);
	ASSERT_LINE(&g, 0, "AA");
	/* IAC CR LF still ends the line properly. */
	FEED(&lb, "NOOP\xff\r\n", 0, 0, 0, &g);
	assert_int_equal(g.n, 2);
	ASSERT_LINE(&g, 1, "NOOP");
	assert_false(g.v[1].l.bare_lf);
	ftp_linebuf_free(&lb);
}

static void
test_line_iac_unterminated_sb(void **state)
{
	struct ftp_linebuf	 lb;
	struct got		 g = { 0 };

	(void)state;
	assert_int_equal(ftp_linebuf_init(&lb, 64), 0);
	/* An SB never closed must not swallow the commands after it. */
	FEED(&lb, "X\xff\xfa\x18junk\r\nUSER x\r\n", 0, 0, 0, &g);
	assert_int_equal(g.n, 2);
	ASSERT_LINE(&g, 0, "X");
	assert_false(g.v[0].l.bare_lf);
	ASSERT_LINE(&g, 1, "USER x");
	/* Same with the LF alone, and with IAC just before it. */
	FEED(&lb, "\xff\xfa\x01\xff\nPWD\n", 0, 0, 0, &g);
	assert_int_equal(g.n, 4);
	ASSERT_LINE(&g, 2, "");
	ASSERT_LINE(&g, 3, "PWD");
	ftp_linebuf_free(&lb);
}

static void
test_line_iac_across_chunks(void **state)
{
	struct ftp_linebuf	 lb;
	struct got		 g = { 0 };

	(void)state;
	assert_int_equal(ftp_linebuf_init(&lb, 64), 0);
	FEED(&lb, "A\xff", 0, 0, 0, &g);
	FEED(&lb, "\xff", 0, 0, 2, &g);
	FEED(&lb, "B\r\n", 5, 6, 3, &g);
	assert_int_equal(g.n, 1);
	ASSERT_LINE(&g, 0, "A\xff" "B");
	assert_true(g.v[0].l.split);
	assert_int_equal(g.v[0].l.end_seq, 6);

	FEED(&lb, "C\xff", 0, 0, 0, &g);
	FEED(&lb, "\xfb", 0, 0, 0, &g);
	FEED(&lb, "\x01" "D\r\n", 0, 0, 0, &g);
	assert_int_equal(g.n, 2);
	ASSERT_LINE(&g, 1, "CD");

	FEED(&lb, "E\xff\xfa", 0, 0, 0, &g);
	FEED(&lb, "\x18\x00\xff", 0, 0, 0, &g);
	FEED(&lb, "\xf0" "F\r", 0, 0, 0, &g);
	FEED(&lb, "\n", 0, 0, 0, &g);
	assert_int_equal(g.n, 3);
	ASSERT_LINE(&g, 2, "EF");
	assert_false(g.v[2].l.bare_lf);

	/* IAC IP in its own chunk, then the command: still one line. */
	FEED(&lb, "\xff\xf4", 0, 0, 0, &g);
	FEED(&lb, "ABOR\r\n", 0, 0, 0, &g);
	assert_int_equal(g.n, 4);
	ASSERT_LINE(&g, 3, "ABOR");
	assert_true(g.v[3].l.split);	/* its raw bytes spanned two chunks */
	ftp_linebuf_free(&lb);
}

/* Byte-at-a-time feeding gives the same lines as one chunk. */
static void
test_line_bytewise_equals_oneshot(void **state)
{
	static const char s[] = "USER a\xff\xff" "b\r\nP\xff\xf4W\xff\xfd\x01"
	    "D\n\xff\xfa\x01\x02\xff\xf0" "CWD x\ry\r\n\r\nQUIT\r\n";
	struct ftp_linebuf	 a, b;
	struct got		 ga = { 0 }, gb = { 0 };
	size_t			 i;
	int			 k;

	(void)state;
	assert_int_equal(ftp_linebuf_init(&a, 64), 0);
	assert_int_equal(ftp_linebuf_init(&b, 64), 0);
	feed(&a, s, sizeof s - 1, 0, 0, 0xfffffff0u, &ga);
	for (i = 0; i < sizeof s - 1; i++)
		feed(&b, s + i, 1, 0, 0, 0xfffffff0u + (uint32_t)i, &gb);
	assert_int_equal(ga.n, 5);
	assert_int_equal(gb.n, ga.n);
	for (k = 0; k < ga.n; k++) {
		assert_int_equal(ga.v[k].l.len, gb.v[k].l.len);
		assert_memory_equal(ga.v[k].d, gb.v[k].d, ga.v[k].l.len);
		assert_int_equal(ga.v[k].l.end_seq, gb.v[k].l.end_seq);
		assert_int_equal(ga.v[k].l.bare_lf, gb.v[k].l.bare_lf);
		assert_false(ga.v[k].l.split);
	}
	ASSERT_LINE(&ga, 0, "USER a\xff" "b");
	ASSERT_LINE(&ga, 1, "PWD");
	assert_true(ga.v[1].l.bare_lf);
	ASSERT_LINE(&ga, 2, "CWD x\ry");
	ASSERT_LINE(&ga, 3, "");
	ASSERT_LINE(&ga, 4, "QUIT");
	assert_int_equal(ga.v[4].l.end_seq, 0xfffffff0u + (uint32_t)(sizeof s - 1));
	assert_true(gb.v[0].l.split);
	assert_true(gb.v[4].l.split);
	ftp_linebuf_free(&a);
	ftp_linebuf_free(&b);
}

/*
 * A CR, LF or IAC at every place of lines from 0 to 40 bytes long, fed as
 * one chunk and a byte at a time: the same lines.  The scan for those
 * bytes goes sixteen, eight and one at a time, and each boundary between
 * them is somewhere in here.
 */
static void
test_line_stop_every_place(void **state)
{
	static const char stops[] = { '\r', '\n', '\xff' };
	char			 s[64];
	struct ftp_linebuf	 a, b;
	struct got		 ga, gb;
	size_t			 len, at, i, n;
	int			 k, j;

	(void)state;
	for (len = 0; len <= 40; len++)
		for (at = 0; at <= len; at++)
			for (j = 0; j < 3; j++) {
				memset(s, 'a', len);
				if (at < len)
					s[at] = stops[j];
				memcpy(s + len, "\r\nNOOP\r\n", 8);
				n = len + 8;
				memset(&ga, 0, sizeof ga);
				memset(&gb, 0, sizeof gb);
				assert_int_equal(ftp_linebuf_init(&a, 64), 0);
				assert_int_equal(ftp_linebuf_init(&b, 64), 0);
				feed(&a, s, n, 0, 0, 0, &ga);
				for (i = 0; i < n; i++)
					feed(&b, s + i, 1, 0, 0, (uint32_t)i,
					    &gb);
				assert_true(ga.n >= 2);
				assert_int_equal(ga.n, gb.n);
				for (k = 0; k < ga.n; k++) {
					assert_int_equal(ga.v[k].l.len,
					    gb.v[k].l.len);
					assert_memory_equal(ga.v[k].d,
					    gb.v[k].d, ga.v[k].l.len);
					assert_int_equal(ga.v[k].l.end_seq,
					    gb.v[k].l.end_seq);
					assert_int_equal(ga.v[k].l.bare_lf,
					    gb.v[k].l.bare_lf);
				}
				ASSERT_LINE(&ga, ga.n - 1, "NOOP");
				if (at == len)	/* no stop byte: one plain line */
					assert_int_equal(ga.v[0].l.len, len);
				ftp_linebuf_free(&a);
				ftp_linebuf_free(&b);
			}
}

static void
test_line_overlong(void **state)
{
	struct ftp_linebuf	 lb;
	struct got		 g = { 0 };

	(void)state;
	assert_int_equal(ftp_linebuf_init(&lb, 8), 0);
	FEED(&lb, "0123456789ABCDEF\r\nok\r\n01234567\r\n", 0, 0, 0, &g);
	assert_int_equal(g.n, 3);
	ASSERT_LINE(&g, 0, "01234567");
	assert_true(g.v[0].l.truncated);
	assert_int_equal(g.v[0].l.full_len, 16);
	assert_int_equal(g.v[0].l.end_seq, 18);
	ASSERT_LINE(&g, 1, "ok");
	assert_false(g.v[1].l.truncated);
	ASSERT_LINE(&g, 2, "01234567");	/* exactly cap: not cut */
	assert_false(g.v[2].l.truncated);
	assert_int_equal(g.v[2].l.full_len, 8);

	/* A long line over many chunks, with lone CRs and IAC inside. */
	FEED(&lb, "abcdefghij", 0, 0, 100, &g);
	FEED(&lb, "\r\r\xff\xffxyz", 0, 0, 110, &g);
	FEED(&lb, "12345\r", 0, 0, 117, &g);
	assert_int_equal(g.n, 3);
	assert_int_equal(lb.cap, 8);		/* memory never grows */
	FEED(&lb, "\nnext\n", 9, 9, 123, &g);
	assert_int_equal(g.n, 5);
	ASSERT_LINE(&g, 3, "abcdefgh");
	assert_true(g.v[3].l.truncated);
	assert_true(g.v[3].l.split);
	/* 10 + CR CR 0xFF + xyz + 12345 = 21; the final CR is the terminator. */
	assert_int_equal(g.v[3].l.full_len, 21);
	assert_false(g.v[3].l.bare_lf);
	assert_int_equal(g.v[3].l.end_seq, 124);
	assert_int_equal(g.v[3].l.ts_us, 9);
	ASSERT_LINE(&g, 4, "next");
	assert_false(g.v[4].l.truncated);
	ftp_linebuf_free(&lb);
}

static void
test_line_seq_wrap(void **state)
{
	struct ftp_linebuf	 lb;
	struct got		 g = { 0 };

	(void)state;
	assert_int_equal(ftp_linebuf_init(&lb, 64), 0);
	FEED(&lb, "NOOP\r\nPWD\r\n", 0, 0, 0xfffffffcu, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.v[0].l.end_seq, 2);
	assert_int_equal(g.v[1].l.end_seq, 7);
	/* Line completed by a chunk that starts before the wrap. */
	FEED(&lb, "SYS", 0, 0, 0xfffffffdu, &g);
	FEED(&lb, "T\r\n", 0, 0, 0, &g);
	assert_int_equal(g.n, 3);
	ASSERT_LINE(&g, 2, "SYST");
	assert_int_equal(g.v[2].l.end_seq, 3);
	ftp_linebuf_free(&lb);
}

static void
test_line_flush(void **state)
{
	struct ftp_linebuf	 lb;
	struct got		 g = { 0 };

	(void)state;
	assert_int_equal(ftp_linebuf_init(&lb, 64), 0);
	/* Nothing pending: nothing handed over. */
	ftp_linebuf_flush(&lb, 1, 1, 1, collect, &g);
	assert_int_equal(g.n, 0);

	FEED(&lb, "QUIT\r\nPA", 0, 0, 10, &g);
	FEED(&lb, "R", 0, 0, 18, &g);
	ftp_linebuf_flush(&lb, 55, 66, 19, collect, &g);
	assert_int_equal(g.n, 2);
	ASSERT_LINE(&g, 1, "PAR");
	assert_true(g.v[1].l.unterminated);
	assert_true(g.v[1].l.split);
	assert_false(g.v[1].l.bare_lf);
	assert_int_equal(g.v[1].l.end_seq, 19);
	assert_int_equal(g.v[1].l.ts_us, 55);
	assert_int_equal(g.v[1].l.ack, 66);
	ftp_linebuf_flush(&lb, 1, 1, 1, collect, &g);	/* twice: nothing more */
	assert_int_equal(g.n, 2);

	/* A held CR is data when the stream stops. */
	FEED(&lb, "X\r", 0, 0, 0, &g);
	ftp_linebuf_flush(&lb, 0, 0, 2, collect, &g);
	assert_int_equal(g.n, 3);
	ASSERT_LINE(&g, 2, "X\r");
	assert_int_equal(g.v[2].l.full_len, 2);
	assert_false(g.v[2].l.split);

	/* Only Telnet commands pending: no line. */
	FEED(&lb, "\xff\xf1\xff\xfb\x01", 0, 0, 0, &g);
	ftp_linebuf_flush(&lb, 0, 0, 5, collect, &g);
	assert_int_equal(g.n, 3);

	/* Telnet state does not survive a flush (a gap). */
	FEED(&lb, "\xff", 0, 0, 0, &g);
	ftp_linebuf_flush(&lb, 0, 0, 1, collect, &g);
	FEED(&lb, "\xf4Z\r\n", 0, 0, 9, &g);
	assert_int_equal(g.n, 4);
	ASSERT_LINE(&g, 3, "\xf4Z");

	/* Overlong partial line. */
	ftp_linebuf_free(&lb);
	assert_int_equal(ftp_linebuf_init(&lb, 4), 0);
	FEED(&lb, "abcdefg", 0, 0, 0, &g);
	ftp_linebuf_flush(&lb, 0, 0, 7, collect, &g);
	assert_int_equal(g.n, 5);
	ASSERT_LINE(&g, 4, "abcd");
	assert_true(g.v[4].l.truncated);
	assert_true(g.v[4].l.unterminated);
	assert_int_equal(g.v[4].l.full_len, 7);
	ftp_linebuf_free(&lb);
}

static void
test_line_reset(void **state)
{
	struct ftp_linebuf	 lb;
	struct got		 g = { 0 };

	(void)state;
	assert_int_equal(ftp_linebuf_init(&lb, 64), 0);
	FEED(&lb, "PARTIAL\r", 0, 0, 0, &g);
	ftp_linebuf_reset(&lb);
	FEED(&lb, "\nNOOP\r\n", 0, 0, 100, &g);
	assert_int_equal(g.n, 2);
	ASSERT_LINE(&g, 0, "");		/* the held CR went with the reset */
	assert_true(g.v[0].l.bare_lf);
	ASSERT_LINE(&g, 1, "NOOP");
	assert_false(g.v[1].l.split);

	/* Reset drops Telnet state as well. */
	FEED(&lb, "x\xff\xfa\x18", 0, 0, 0, &g);
	ftp_linebuf_reset(&lb);
	FEED(&lb, "PWD\r\n", 0, 0, 0, &g);
	assert_int_equal(g.n, 3);
	ASSERT_LINE(&g, 2, "PWD");
	assert_false(g.v[2].l.split);
	ftp_linebuf_flush(&lb, 0, 0, 0, collect, &g);
	assert_int_equal(g.n, 3);

	/* A corrupt Telnet state starts over instead of eating data. */
	lb.iac_state = 99;
	FEED(&lb, "\xff\xf1OK\r\n", 0, 0, 0, &g);
	assert_int_equal(g.n, 4);
	ASSERT_LINE(&g, 3, "OK");
	ftp_linebuf_free(&lb);
}

static void
test_line_init_default_and_empty_feed(void **state)
{
	struct ftp_linebuf	 lb;
	struct got		 g = { 0 };

	(void)state;
	assert_int_equal(ftp_linebuf_init(&lb, 0), 0);
	assert_int_equal(lb.cap, FTP_LINE_MAX);
	assert_non_null(lb.buf.p);
	ftp_linebuf_feed(&lb, NULL, 0, 0, 0, 0, collect, &g);
	FEED(&lb, "", 0, 0, 0, &g);
	FEED(&lb, "A", 0, 0, 0, &g);
	FEED(&lb, "", 0, 0, 0, &g);		/* empty chunk is no contribution */
	FEED(&lb, "\r\n", 0, 0, 0, &g);
	assert_int_equal(g.n, 1);
	ASSERT_LINE(&g, 0, "A");
	assert_true(g.v[0].l.split);
	ftp_linebuf_free(&lb);
	ftp_linebuf_free(&lb);			/* safe twice */
}

/* ---------------------------------------------------------------------- */
/* Commands. */

static void
test_cmd_basic(void **state)
{
	struct ftp_cmd	 c;

	(void)state;
	assert_int_equal(ftp_parse_command(L("USER anonymous"), &c), 0);
	assert_string_equal(c.verb, "USER");
	assert_int_not_equal(c.id, FTP_VERB_NONE);
	assert_false(c.verb_cut);
	assert_int_equal(c.arg_len, 9);
	assert_memory_equal(c.arg, "anonymous", 9);

	assert_int_equal(ftp_parse_command(L("retr dir/file.txt"), &c), 0);
	assert_string_equal(c.verb, "RETR");
	assert_int_not_equal(c.id, FTP_VERB_NONE);
	assert_int_equal(c.id, FTP_VERB_RETR);
	assert_true(ftp_verb_flags(c.id) & FTP_VF_TRANSFER);
	assert_int_equal(c.arg_len, 12);

	assert_int_equal(ftp_parse_command(L("PwD"), &c), 0);
	assert_string_equal(c.verb, "PWD");
	assert_int_not_equal(c.id, FTP_VERB_NONE);
	assert_null(c.arg);
	assert_int_equal(c.arg_len, 0);

	assert_int_equal(ftp_parse_command(L("NOOP "), &c), 0);
	assert_string_equal(c.verb, "NOOP");
	assert_null(c.arg);

	assert_int_equal(ftp_parse_command(L("FOO bar"), &c), 0);
	assert_string_equal(c.verb, "FOO");
	assert_int_equal(c.id, FTP_VERB_NONE);
	assert_int_equal(c.arg_len, 3);
}

static void
test_cmd_arg_spaces(void **state)
{
	struct ftp_cmd	 c;

	(void)state;
	/* Trailing spaces are part of the argument (a password may end in one). */
	assert_int_equal(ftp_parse_command(L("PASS secret  "), &c), 0);
	assert_int_equal(c.arg_len, 8);
	assert_memory_equal(c.arg, "secret  ", 8);
	/* Only the first space separates. */
	assert_int_equal(ftp_parse_command(L("CWD  dir"), &c), 0);
	assert_int_equal(c.arg_len, 4);
	assert_memory_equal(c.arg, " dir", 4);
	assert_int_equal(ftp_parse_command(L("STOR  "), &c), 0);
	assert_int_equal(c.arg_len, 1);
	assert_memory_equal(c.arg, " ", 1);
	/* A trailing CR is not part of anything. */
	assert_int_equal(ftp_parse_command(L("USER bob\r"), &c), 0);
	assert_int_equal(c.arg_len, 3);
	assert_memory_equal(c.arg, "bob", 3);
	assert_int_equal(ftp_parse_command(L("NOOP\r"), &c), 0);
	assert_string_equal(c.verb, "NOOP");
	assert_int_not_equal(c.id, FTP_VERB_NONE);
	assert_null(c.arg);
	assert_int_equal(ftp_parse_command(L("NOOP \r"), &c), 0);
	assert_null(c.arg);
	/* Only one CR goes; an inner one stays. */
	assert_int_equal(ftp_parse_command(L("SITE a\rb\r\r"), &c), 0);
	assert_int_equal(c.arg_len, 4);
	assert_memory_equal(c.arg, "a\rb\r", 4);
	/* Tab is no separator. */
	assert_int_equal(ftp_parse_command(L("user\tbob"), &c), 0);
	assert_string_equal(c.verb, "USER\tBOB");
	assert_int_equal(c.id, FTP_VERB_NONE);
	assert_null(c.arg);
}

static void
test_cmd_invalid(void **state)
{
	struct ftp_cmd	 c;

	(void)state;
	assert_int_equal(ftp_parse_command(L(""), &c), -1);
	assert_int_equal(ftp_parse_command(NULL, 0, &c), -1);
	assert_int_equal(ftp_parse_command(L("\r"), &c), -1);
	assert_int_equal(ftp_parse_command(L(" USER x"), &c), -1);
	assert_int_equal(ftp_parse_command(L(" "), &c), -1);
	assert_string_equal(c.verb, "");
	assert_null(c.arg);
}

static void
test_cmd_long_and_odd_verbs(void **state)
{
	struct ftp_cmd	 c;
	uint8_t		*p;

	(void)state;
	assert_int_equal(ftp_parse_command(L("abcdefghijklmnopqrstuvwxyz arg"), &c), 0);
	assert_true(c.verb_cut);
	assert_int_equal(c.id, FTP_VERB_NONE);
	assert_string_equal(c.verb, "ABCDEFGHIJKLMNOP");
	assert_int_equal(c.arg_len, 3);
	assert_memory_equal(c.arg, "arg", 3);

	assert_int_equal(ftp_parse_command(L("abcdefghijklmnop"), &c), 0);
	assert_false(c.verb_cut);
	assert_string_equal(c.verb, "ABCDEFGHIJKLMNOP");

	/* Non-ASCII bytes are kept, not case-mapped. */
	assert_int_equal(ftp_parse_command(L("r\xe9tr x"), &c), 0);
	assert_string_equal(c.verb, "R\xe9TR");
	assert_int_equal(c.id, FTP_VERB_NONE);

	/* A NUL in the verb must not make it look known. */
	assert_int_equal(ftp_parse_command(L("USER\0X bob"), &c), 0);
	assert_int_equal(c.id, FTP_VERB_NONE);
	assert_memory_equal(c.verb, "USER\0X", 7);
	assert_int_equal(ftp_parse_command(L("USER\0 bob"), &c), 0);
	assert_int_equal(c.id, FTP_VERB_NONE);
	assert_int_equal(ftp_parse_command(L("US\0R bob"), &c), 0);
	assert_int_equal(c.id, FTP_VERB_NONE);

	/* Exact-size buffer, verb running to the end. */
	p = dupx("XMKD", 4);
	assert_int_equal(ftp_parse_command(p, 4, &c), 0);
	assert_string_equal(c.verb, "XMKD");
	assert_int_not_equal(c.id, FTP_VERB_NONE);
	free(p);
}

/*
 * Every name of three or four letters, in either case: its verb when the
 * table has it, else none.  The lookup hashes a name to one slot, so a
 * name that is no verb but shares a verb's slot must still miss.
 */
static void
test_verb_every_name(void **state)
{
	uint8_t	 n[4];
	size_t	 len;
	unsigned a, hits = 0;
	enum ftp_verb v;
	const char *name;

	(void)state;
	for (len = 3; len <= 4; len++) {
		for (a = 0; a < (len == 3 ? 26u * 26 * 26 : 26u * 26 * 26 * 26);
		    a++) {
			n[0] = 'A' + a % 26;
			n[1] = 'A' + a / 26 % 26;
			n[2] = 'A' + a / (26 * 26) % 26;
			n[3] = 'A' + a / (26 * 26 * 26) % 26;
			v = ftp_verb_lookup(n, len);
			if (v == FTP_VERB_NONE)
				continue;
			name = ftp_verb_name(v);
			assert_int_equal(strlen(name), len);
			assert_memory_equal(name, n, len);
			n[a % len] |= 0x20;	/* one letter lower-case */
			assert_int_equal(ftp_verb_lookup(n, len), v);
			hits++;
		}
	}
	assert_int_equal(hits, FTP_VERB_COUNT - 1);
}

static void
test_cmd_tables(void **state)
{
	static const char *const known[] = {
		"ABOR", "ACCT", "ALLO", "APPE", "CDUP", "CWD", "DELE", "HELP",
		"LIST", "MKD", "MODE", "NLST", "NOOP", "PASS", "PASV", "PORT",
		"PWD", "QUIT", "REIN", "REST", "RETR", "RMD", "RNFR", "RNTO",
		"SITE", "SMNT", "STAT", "STOR", "STOU", "STRU", "SYST", "TYPE",
		"USER", "XPWD", "XCWD", "XCUP", "XMKD", "XRMD", "LPRT", "LPSV",
		"ADAT", "AUTH", "CCC", "CONF", "ENC", "MIC", "PBSZ", "PROT",
		"FEAT", "OPTS", "EPRT", "EPSV", "LANG", "MDTM", "MLSD", "MLST",
		"SIZE", "HOST", "AVBL", "CLNT", "CSID", "DSIZ", "MFCT", "MFF",
		"MFMT", "RMDA", "SPSV", "THMB",
	};
	/* Near misses of verbs, of three-letter verbs, of the ends of the
	 * alphabet; bytes that only look like letters once their case bit
	 * is cleared. */
	static const char *const unknown[] = {
		"", "USERX", "USE", "XYZ", "GET", "PUT", "HTTP/1.1",
		"SSH-2.0", "EPSV ALL", "A", "AB", "ABOQ", "ABORT", "CC",
		"CCCC", "CWDX", "MF", "MFFF", "XRME", "XRMDX", "ZZZZ", "RETR ",
		"\xff\xff\xff\xff", "HELO", "EHLO", "@BOR", "[BOR", "ABO`",
		"ABO{", "RETR\r", "\xc1\xc2\xcf\xd2",
	};
	static const char *const xfer[] = {
		"RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD",
	};
	char	 low[8];
	size_t	 i, j, n;
	int	 v, nxfer = 0;

	(void)state;
	for (i = 0; i < sizeof known / sizeof known[0]; i++) {
		n = strlen(known[i]);
		v = ftp_verb_lookup((const uint8_t *)known[i], n);
		if (v == FTP_VERB_NONE)
			fail_msg("%s should be known", known[i]);
		assert_string_equal(ftp_verb_name(v), known[i]);
		for (j = 0; j <= n; j++)	/* any case */
			low[j] = j % 2 ? (char)(known[i][j] | 0x20) : known[i][j];
		assert_int_equal(ftp_verb_lookup((uint8_t *)low, n), v);
		/* Exactly: one byte less or more is another verb or none. */
		assert_int_not_equal(ftp_verb_lookup((uint8_t *)known[i],
		    n - 1), v);
		low[n] = '\0';
		assert_int_equal(ftp_verb_lookup((uint8_t *)low, n + 1),
		    FTP_VERB_NONE);
	}
	assert_int_equal(sizeof known / sizeof known[0], FTP_VERB_COUNT - 1);
	for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		assert_int_equal(ftp_verb_lookup((const uint8_t *)unknown[i],
		    strlen(unknown[i])), FTP_VERB_NONE);
	assert_int_equal(ftp_verb_lookup(NULL, 4), FTP_VERB_NONE);
	assert_int_equal(ftp_verb_lookup((const uint8_t *)"USER", 0),
	    FTP_VERB_NONE);

	/* The table is in the names' byte order, and every entry is
	 * filled. */
	for (v = FTP_VERB_NONE + 1; v < FTP_VERB_COUNT; v++) {
		assert_non_null(ftp_verb_name(v));
		if (v > FTP_VERB_NONE + 1 &&
		    strcmp(ftp_verb_name(v - 1), ftp_verb_name(v)) >= 0)
			fail_msg("%s after %s", ftp_verb_name(v),
			    ftp_verb_name(v - 1));
		nxfer += (ftp_verb_flags(v) & FTP_VF_TRANSFER) != 0;
	}
	assert_null(ftp_verb_name(FTP_VERB_NONE));
	assert_null(ftp_verb_name(FTP_VERB_COUNT));
	assert_int_equal(ftp_verb_flags(FTP_VERB_NONE), 0);

	for (i = 0; i < sizeof xfer / sizeof xfer[0]; i++)
		assert_true(ftp_verb_flags(ftp_verb_lookup(
		    (const uint8_t *)xfer[i], 4)) & FTP_VF_TRANSFER);
	assert_int_equal(nxfer, sizeof xfer / sizeof xfer[0]);
	assert_false(ftp_verb_flags(FTP_VERB_PASV) & FTP_VF_TRANSFER);
	assert_false(ftp_verb_flags(FTP_VERB_MLST) & FTP_VF_TRANSFER);
	assert_true(ftp_verb_flags(FTP_VERB_PASV) & FTP_VF_NEGOTIATION);
	assert_true(ftp_verb_flags(FTP_VERB_EPRT) & FTP_VF_NEGOTIATION);
	assert_true(ftp_verb_flags(FTP_VERB_PASS) & FTP_VF_SECRET);
	assert_true(ftp_verb_flags(FTP_VERB_ACCT) & FTP_VF_SECRET);
	assert_false(ftp_verb_flags(FTP_VERB_USER) & FTP_VF_SECRET);
	assert_false(ftp_verb_flags(FTP_VERB_ADAT) & FTP_VF_SECRET);
	assert_true(ftp_verb_flags(FTP_VERB_RMD) & FTP_VF_PATH);
	assert_false(ftp_verb_flags(FTP_VERB_TYPE) & FTP_VF_PATH);
}

/* ---------------------------------------------------------------------- */
/* Reply lines. */

static void
assert_reply(const char *s, size_t n, int code, enum ftp_reply_sep sep,
    bool no_space, const char *text, size_t text_len)
{
	struct ftp_reply_line	 r;
	uint8_t			*p = dupx(s, n);

	memset(&r, 0xa5, sizeof r);
	ftp_parse_reply_line(p, n, &r);
	assert_int_equal(r.code, code);
	assert_int_equal(r.sep, sep);
	assert_int_equal(r.no_space, no_space);
	assert_int_equal(r.text_len, text_len);
	if (text_len > 0)
		assert_memory_equal(r.text, text, text_len);
	free(p);
}
#define REPLY(lit, code, sep, ns, tlit) assert_reply((lit), sizeof(lit) - 1, \
	(code), (sep), (ns), (tlit), sizeof(tlit) - 1)

static void
test_reply_line(void **state)
{
	(void)state;
	REPLY("220 Welcome", 220, FTP_REPLY_LAST, false, "Welcome");
	REPLY("220-Hello there", 220, FTP_REPLY_MORE, false, "Hello there");
	REPLY("221", 221, FTP_REPLY_LAST, false, "");
	REPLY("221 ", 221, FTP_REPLY_LAST, false, "");
	REPLY("226-", 226, FTP_REPLY_MORE, false, "");
	REPLY("230no_space", 230, FTP_REPLY_LAST, true, "no_space");
	REPLY("550  two spaces ", 550, FTP_REPLY_LAST, false, " two spaces ");
	REPLY("500 \r", 500, FTP_REPLY_LAST, false, "");
	REPLY("221\r", 221, FTP_REPLY_LAST, false, "");
	REPLY("100 x", 100, FTP_REPLY_LAST, false, "x");
	REPLY("599 x", 599, FTP_REPLY_LAST, false, "x");
	REPLY("227 Entering Passive Mode (1,2,3,4,5,6)", 227, FTP_REPLY_LAST,
	    false, "Entering Passive Mode (1,2,3,4,5,6)");
}

static void
test_reply_line_nocode(void **state)
{
	(void)state;
	REPLY("99 PASV invalid", 0, FTP_REPLY_NOCODE, false, "99 PASV invalid");
	REPLY(" SYST not supported", 0, FTP_REPLY_NOCODE, false,
	    " SYST not supported");
	REPLY("SSH-2.0-mod_sftp", 0, FTP_REPLY_NOCODE, false,
	    "SSH-2.0-mod_sftp");
	REPLY("600 x", 0, FTP_REPLY_NOCODE, false, "600 x");
	REPLY("099 x", 0, FTP_REPLY_NOCODE, false, "099 x");
	REPLY("2301 x", 0, FTP_REPLY_NOCODE, false, "2301 x");
	REPLY("2a0 x", 0, FTP_REPLY_NOCODE, false, "2a0 x");
	REPLY("22", 0, FTP_REPLY_NOCODE, false, "22");
	REPLY("2", 0, FTP_REPLY_NOCODE, false, "2");
	REPLY("", 0, FTP_REPLY_NOCODE, false, "");
	REPLY("\r", 0, FTP_REPLY_NOCODE, false, "");
	REPLY("-220 x", 0, FTP_REPLY_NOCODE, false, "-220 x");
	REPLY("\xff\xfb\x01", 0, FTP_REPLY_NOCODE, false, "\xff\xfb\x01");
}

/* ---------------------------------------------------------------------- */
/* Multi-line reply assembly. */

static enum ftp_reply_event
asm_line(struct ftp_reply_asm *ra, const char *s, size_t n,
    struct ftp_reply_line *out, char *text, size_t textsz)
{
	enum ftp_reply_event	 ev;
	uint8_t			*p = dupx(s, n);

	ev = ftp_reply_asm_line(ra, p, n, out);
	assert_true(out->text_len < textsz);
	memcpy(text, out->text, out->text_len);
	text[out->text_len] = '\0';
	out->text = NULL;	/* p is freed: keep only the copy */
	free(p);
	return ev;
}
#define ASM(ra, lit, out, t)	asm_line((ra), (lit), sizeof(lit) - 1, \
	(out), (t), sizeof(t))

static void
test_asm_single_and_junk(void **state)
{
	struct ftp_reply_asm	 ra = { 0 };
	struct ftp_reply_line	 r;
	char			 t[128];

	(void)state;
	assert_int_equal(ASM(&ra, "220 Ready", &r, t), FTP_REPLY_EV_SINGLE);
	assert_int_equal(r.code, 220);
	assert_string_equal(t, "Ready");
	assert_int_equal(ra.code, 0);
	assert_int_equal(ASM(&ra, "221", &r, t), FTP_REPLY_EV_SINGLE);
	assert_int_equal(r.code, 221);
	assert_string_equal(t, "");
	assert_int_equal(ASM(&ra, "230no_space", &r, t), FTP_REPLY_EV_SINGLE);
	assert_int_equal(r.code, 230);
	assert_true(r.no_space);
	assert_int_equal(ASM(&ra, "99 PASV invalid", &r, t), FTP_REPLY_EV_JUNK);
	assert_int_equal(r.code, 0);
	assert_string_equal(t, "99 PASV invalid");
	assert_int_equal(ASM(&ra, " SYST not supported", &r, t),
	    FTP_REPLY_EV_JUNK);
	assert_int_equal(ASM(&ra, "SSH-2.0-mod_sftp", &r, t), FTP_REPLY_EV_JUNK);
	assert_int_equal(ASM(&ra, "", &r, t), FTP_REPLY_EV_JUNK);
	assert_int_equal(ra.code, 0);
}

static void
test_asm_multiline_same_code(void **state)
{
	struct ftp_reply_asm	 ra = { 0 };
	struct ftp_reply_line	 r;
	char			 t[128];

	(void)state;
	assert_int_equal(ASM(&ra, "211-Features:", &r, t), FTP_REPLY_EV_BEGIN);
	assert_int_equal(r.code, 211);
	assert_string_equal(t, "Features:");
	assert_int_equal(ra.code, 211);
	assert_int_equal(ASM(&ra, " MDTM", &r, t), FTP_REPLY_EV_CONT);
	assert_string_equal(t, " MDTM");
	/* Continuation lines may start with digits. */
	assert_int_equal(ASM(&ra, " 123 foo", &r, t), FTP_REPLY_EV_CONT);
	assert_string_equal(t, " 123 foo");
	assert_int_equal(ASM(&ra, "123 foo", &r, t), FTP_REPLY_EV_CONT);
	assert_string_equal(t, "123 foo");
	assert_int_equal(r.code, 123);	/* visible to the caller */
	assert_int_equal(r.sep, FTP_REPLY_LAST);
	assert_int_equal(ASM(&ra, "9999 bar", &r, t), FTP_REPLY_EV_CONT);
	assert_int_equal(r.sep, FTP_REPLY_NOCODE);
	/* Same code with '-' goes on; same code glued to text goes on. */
	assert_int_equal(ASM(&ra, "211-more", &r, t), FTP_REPLY_EV_CONT);
	assert_string_equal(t, "211-more");
	assert_int_equal(ASM(&ra, "211glued", &r, t), FTP_REPLY_EV_CONT);
	assert_string_equal(t, "211glued");
	assert_int_equal(ASM(&ra, "", &r, t), FTP_REPLY_EV_CONT);
	assert_int_equal(ra.code, 211);
	assert_int_equal(ASM(&ra, "211 End", &r, t), FTP_REPLY_EV_END);
	assert_int_equal(r.code, 211);
	assert_string_equal(t, "End");
	assert_int_equal(ra.code, 0);
	/* Next reply starts fresh. */
	assert_int_equal(ASM(&ra, "200 ok", &r, t), FTP_REPLY_EV_SINGLE);
}

static void
test_asm_bare_code_end(void **state)
{
	struct ftp_reply_asm	 ra = { 0 };
	struct ftp_reply_line	 r;
	char			 t[128];

	(void)state;
	assert_int_equal(ASM(&ra, "221-Goodbye.", &r, t), FTP_REPLY_EV_BEGIN);
	assert_int_equal(ASM(&ra, "221", &r, t), FTP_REPLY_EV_END);
	assert_int_equal(r.code, 221);
	assert_string_equal(t, "");
	assert_int_equal(ra.code, 0);
	assert_int_equal(ASM(&ra, "230-x", &r, t), FTP_REPLY_EV_BEGIN);
	assert_int_equal(ASM(&ra, "230 \r", &r, t), FTP_REPLY_EV_END);
	assert_string_equal(t, "");
}

/* The deliberate rule: a different code + space does not end the reply. */
static void
test_asm_different_code(void **state)
{
	struct ftp_reply_asm	 ra = { 0 };
	struct ftp_reply_line	 r;
	char			 t[128];

	(void)state;
	assert_int_equal(ASM(&ra, "220-Welcome", &r, t), FTP_REPLY_EV_BEGIN);
	assert_int_equal(ASM(&ra, "100 users max", &r, t), FTP_REPLY_EV_CONT);
	assert_string_equal(t, "100 users max");
	assert_int_equal(r.code, 100);
	assert_int_equal(r.sep, FTP_REPLY_LAST);
	assert_int_equal(ASM(&ra, "230 Logged in", &r, t), FTP_REPLY_EV_CONT);
	assert_int_equal(r.code, 230);
	assert_int_equal(ASM(&ra, "230-also", &r, t), FTP_REPLY_EV_CONT);
	assert_int_equal(r.sep, FTP_REPLY_MORE);
	assert_int_equal(ra.code, 220);
	assert_int_equal(ASM(&ra, "220 Ready", &r, t), FTP_REPLY_EV_END);
	assert_int_equal(r.code, 220);
	assert_string_equal(t, "Ready");
	assert_int_equal(ASM(&ra, "331 Password", &r, t), FTP_REPLY_EV_SINGLE);
	assert_int_equal(r.code, 331);
}

/* ---------------------------------------------------------------------- */
/* PORT. */

static void
test_port_valid(void **state)
{
	struct ftp_hostport	 hp;

	(void)state;
	assert_int_equal(NEG(ftp_parse_port, "10,0,0,1,4,1", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
	assert_int_equal(NEG(ftp_parse_port, " 192, 168 ,7 , 97,199 ,99 ", &hp),
	    FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "192.168.7.97", 51043);
	assert_int_equal(NEG(ftp_parse_port, "255,255,255,255,255,255", &hp),
	    FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "255.255.255.255", 65535);
	assert_int_equal(NEG(ftp_parse_port, "0,0,0,0,0,1", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "0.0.0.0", 1);
	assert_int_equal(NEG(ftp_parse_port, "010,000,0,01,0,21", &hp),
	    FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 21);
	assert_int_equal(NEG(ftp_parse_port, "1,2,3,4,5,6\r", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "1.2.3.4", 1286);
}

static void
test_port_invalid(void **state)
{
	struct ftp_hostport	 hp;
	char			*big, buf[200];

	(void)state;
	assert_int_equal(NEG(ftp_parse_port, "256,0,0,1,4,1", &hp), FTP_NEG_RANGE);
	assert_int_equal(NEG(ftp_parse_port, "1,2,3,4,256,1", &hp), FTP_NEG_RANGE);
	assert_int_equal(NEG(ftp_parse_port, "1,2,3,4,1,256", &hp), FTP_NEG_RANGE);
	assert_int_equal(NEG(ftp_parse_port, "1,2,3,4,0,0", &hp), FTP_NEG_RANGE);
	assert_int_equal(NEG(ftp_parse_port, "1,2,3,4,5", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_port, "1,2,3,4,5,6,7", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_port, "1234", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_port, "", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_port, "   ", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_port, "1,,2,3,4,5", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_port, "1,2,3,4,5,6,", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_port, ",1,2,3,4,5,6", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_port, "a,b,c,d,e,f", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_port, "-1,2,3,4,5,6", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_port, "+1,2,3,4,5,6", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_port, "1,2,3,4,5,6x", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_port, "(1,2,3,4,5,6)", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_port, "1.2.3.4,5,6", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_port, "1 2,3,4,5,6", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_port, "1,2,3,4,5,\0" "6", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(ftp_parse_port(NULL, 0, &hp), FTP_NEG_SYNTAX);

	/* 64 digits: no overflow, no wrap. */
	big = big_number(64);
	assert_int_equal(neg(ftp_parse_port, big, 64, &hp), FTP_NEG_SYNTAX);
	snprintf(buf, sizeof buf, "1,2,3,4,5,%s", big);
	assert_int_equal(neg(ftp_parse_port, buf, strlen(buf), &hp),
	    FTP_NEG_RANGE);
	snprintf(buf, sizeof buf, "%s,2,3,4,5,6", big);
	assert_int_equal(neg(ftp_parse_port, buf, strlen(buf), &hp),
	    FTP_NEG_RANGE);
	/* 2^32 + 10 must not wrap to 10. */
	assert_int_equal(NEG(ftp_parse_port, "4294967306,0,0,1,4,1", &hp),
	    FTP_NEG_RANGE);
	free(big);
}

/* ---------------------------------------------------------------------- */
/* EPRT. */

static void
test_eprt_valid(void **state)
{
	struct ftp_hostport	 hp;

	(void)state;
	assert_int_equal(NEG(ftp_parse_eprt, "|1|132.235.1.2|6275|", &hp),
	    FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "132.235.1.2", 6275);
	assert_int_equal(NEG(ftp_parse_eprt, "|2|1080::8:800:200C:417A|5282|", &hp),
	    FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET6, "1080::8:800:200c:417a", 5282);
	assert_int_equal(hp.addr.a[0], 0x10);
	assert_int_equal(hp.addr.a[1], 0x80);
	assert_int_equal(hp.addr.a[15], 0x7a);
	assert_int_equal(NEG(ftp_parse_eprt, "|2|::1|1|", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET6, "::1", 1);
	assert_int_equal(NEG(ftp_parse_eprt, "|2|::ffff:10.1.2.3|65535|", &hp),
	    FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET6, "::ffff:10.1.2.3", 65535);
	assert_int_equal(NEG(ftp_parse_eprt, "!1!10.0.0.1!21!", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 21);
	assert_int_equal(NEG(ftp_parse_eprt, " |1|10.0.0.1|21|  ", &hp),
	    FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 21);
	assert_int_equal(NEG(ftp_parse_eprt, "|01|10.0.0.1|0021|\r", &hp),
	    FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 21);
}

/* Every delimiter of ASCII 33..126 that cannot occur in the fields works. */
static void
test_eprt_any_delimiter(void **state)
{
	struct ftp_hostport	 hp;
	char			 buf[80];
	int			 d, n;

	(void)state;
	for (d = 33; d <= 126; d++) {
		if ((d >= '0' && d <= '9') || d == '.')
			continue;
		n = snprintf(buf, sizeof buf, "%c1%c192.0.2.7%c2121%c", d, d, d, d);
		assert_int_equal(neg(ftp_parse_eprt, buf, (size_t)n, &hp),
		    FTP_NEG_OK);
		assert_hp(&hp, FA_AF_INET, "192.0.2.7", 2121);
		if ((d >= 'a' && d <= 'f') || (d >= 'A' && d <= 'F') ||
		    d == ':')
			continue;
		n = snprintf(buf, sizeof buf, "%c2%c2001:db8::7%c2121%c", d, d, d, d);
		assert_int_equal(neg(ftp_parse_eprt, buf, (size_t)n, &hp),
		    FTP_NEG_OK);
		assert_hp(&hp, FA_AF_INET6, "2001:db8::7", 2121);
	}
	/* Space, DEL, control and high bytes are no delimiters. */
	assert_int_equal(NEG(ftp_parse_eprt, "\x7f" "1\x7f" "1.2.3.4\x7f" "21\x7f", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "\t1\t1.2.3.4\t21\t", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "\xa6" "1\xa6" "1.2.3.4\xa6" "21\xa6", &hp),
	    FTP_NEG_SYNTAX);
}

static void
test_eprt_invalid(void **state)
{
	struct ftp_hostport	 hp;
	char			 buf[200];
	char			*big;

	(void)state;
	assert_int_equal(NEG(ftp_parse_eprt, "|3|1.2.3.4|21|", &hp), FTP_NEG_FAMILY);
	assert_int_equal(NEG(ftp_parse_eprt, "|0|1.2.3.4|21|", &hp), FTP_NEG_FAMILY);
	assert_int_equal(NEG(ftp_parse_eprt, "|99999999999|1.2.3.4|21|", &hp),
	    FTP_NEG_FAMILY);
	assert_int_equal(NEG(ftp_parse_eprt, "|x|1.2.3.4|21|", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|1|1.2.3.4|0|", &hp), FTP_NEG_RANGE);
	assert_int_equal(NEG(ftp_parse_eprt, "|1|1.2.3.4|65536|", &hp),
	    FTP_NEG_RANGE);
	assert_int_equal(NEG(ftp_parse_eprt, "|2|::1|99999|", &hp), FTP_NEG_RANGE);
	big = big_number(64);
	snprintf(buf, sizeof buf, "|1|1.2.3.4|%s|", big);
	assert_int_equal(neg(ftp_parse_eprt, buf, strlen(buf), &hp), FTP_NEG_RANGE);
	free(big);
	/* Address must match the family and be strictly formed. */
	assert_int_equal(NEG(ftp_parse_eprt, "|1|::1|21|", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|2|1.2.3.4|21|", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|1|1.2.3|21|", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|1|256.1.1.1|21|", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|1| 1.2.3.4|21|", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|1|1.2.3.4\0junk|21|", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|2|fe80::1%eth0|21|", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|2|1:2:3:4:5:6:7:8:9|21|", &hp),
	    FTP_NEG_SYNTAX);
	memset(buf, 0, sizeof buf);
	memcpy(buf, "|2|", 3);
	memset(buf + 3, '1', 120);
	memcpy(buf + 123, "|21|", 4);
	assert_int_equal(neg(ftp_parse_eprt, buf, 127, &hp), FTP_NEG_SYNTAX);
	/* Shape. */
	assert_int_equal(NEG(ftp_parse_eprt, "|1|1.2.3.4|21", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|1|1.2.3.4|21|x", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|1|1.2.3.4|21||", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|1||21|", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "||1.2.3.4|21|", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|1|1.2.3.4||", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|1|1.2.3.4|+21|", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|1|1.2.3.4|2 1|", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|1!1.2.3.4!21!", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "||||", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "|1|", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_eprt, "1.2.3.4", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(ftp_parse_eprt(NULL, 0, &hp), FTP_NEG_SYNTAX);
}

/* ---------------------------------------------------------------------- */
/* LPRT. */

static void
test_lprt(void **state)
{
	struct ftp_hostport	 hp;

	(void)state;
	assert_int_equal(NEG(ftp_parse_lprt, "4,4,10,0,0,1,2,4,1", &hp),
	    FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
	assert_int_equal(NEG(ftp_parse_lprt, " 4, 4,192 ,168,0,9,2,0,21 ", &hp),
	    FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "192.168.0.9", 21);
	assert_int_equal(NEG(ftp_parse_lprt,
	    "6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,19,137", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET6, "2001:db8::1", 5001);
	assert_int_equal(NEG(ftp_parse_lprt,
	    "6,16,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,2,0,21", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET6, "::1", 21);

	assert_int_equal(NEG(ftp_parse_lprt, "5,4,1,2,3,4,2,0,1", &hp),
	    FTP_NEG_FAMILY);
	assert_int_equal(NEG(ftp_parse_lprt, "0,4,1,2,3,4,2,0,1", &hp),
	    FTP_NEG_FAMILY);
	assert_int_equal(NEG(ftp_parse_lprt, "6,4,1,2,3,4,2,0,1", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_lprt,
	    "4,16,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,2,0,21", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_lprt, "4,4,256,0,0,1,2,4,1", &hp),
	    FTP_NEG_RANGE);
	assert_int_equal(NEG(ftp_parse_lprt, "4,4,10,0,0,1,2,4,256", &hp),
	    FTP_NEG_RANGE);
	assert_int_equal(NEG(ftp_parse_lprt, "4,4,10,0,0,1,2,0,0", &hp),
	    FTP_NEG_RANGE);
	assert_int_equal(NEG(ftp_parse_lprt, "4,4,10,0,0,1,3,4,1,1", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_lprt, "4,4,10,0,0,1,1,4", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_lprt, "4,4,10,0,0,1,2,4", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_lprt, "4,4,10,0,0,1,2,4,1,7", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_lprt, "4,4,10,0,0,1,2,4,1,", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_lprt, "4,4,10,0,0,1", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_lprt, "4", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_lprt, "", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_lprt, "4,99999999999999999999,1", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_lprt, "4,4,a,0,0,1,2,4,1", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_lprt,
	    "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(ftp_parse_lprt(NULL, 0, &hp), FTP_NEG_SYNTAX);
}

/* ---------------------------------------------------------------------- */
/* 227. */

static void
test_227_forms(void **state)
{
	struct ftp_hostport	 hp;

	(void)state;
	assert_int_equal(NEG(ftp_parse_227,
	    "Entering Passive Mode (127,0,0,1,4,51)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "127.0.0.1", 1075);
	assert_int_equal(NEG(ftp_parse_227,
	    "Entering Passive Mode (127,0,0,1,4,51).", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "127.0.0.1", 1075);
	assert_int_equal(NEG(ftp_parse_227,
	    "Entering passive mode. 127,0,0,1,4,51", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "127.0.0.1", 1075);
	assert_int_equal(NEG(ftp_parse_227,
	    "Data transfer will passively listen to 127,0,0,1,4,51", &hp),
	    FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "127.0.0.1", 1075);
	assert_int_equal(NEG(ftp_parse_227, "192,168,7,97,199,99", &hp),
	    FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "192.168.7.97", 51043);
	assert_int_equal(NEG(ftp_parse_227,
	    "227 Entering Passive Mode (10,0,0,1,4,1)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
	assert_int_equal(NEG(ftp_parse_227, "=192,168,0,2,1,1", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "192.168.0.2", 257);
	assert_int_equal(NEG(ftp_parse_227,
	    "Entering Passive Mode ( 10, 0, 0, 1, 4, 1 )", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
}

/* Digits before the tuple: retry from each run of digits (Wireshark). */
static void
test_227_retry(void **state)
{
	struct ftp_hostport	 hp;

	(void)state;
	assert_int_equal(NEG(ftp_parse_227,
	    "227 Entering Passive Mode 1 (10,0,0,1,4,1)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
	assert_int_equal(NEG(ftp_parse_227,
	    "Mode 1,2,3 v4.5 at 12:30 (10,0,0,1,4,1)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
	assert_int_equal(NEG(ftp_parse_227,
	    "Passive 1000000000000000000000000 (10,0,0,1,4,1)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
	/* NUL and high bytes in the text are just non-digits. */
	assert_int_equal(NEG(ftp_parse_227,
	    "Entering\0\xff Passive (10,0,0,1,4,1)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
	/* The first place with six numbers wins, whatever follows (Wireshark). */
	assert_int_equal(NEG(ftp_parse_227, "(10,0,0,1,4,1,7)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
	/* A sign is no part of a number: scanning starts at the digit. */
	assert_int_equal(NEG(ftp_parse_227, "(-10,0,0,1,4,1)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
}

static void
test_227_multiline(void **state)
{
	struct ftp_hostport	 hp;

	(void)state;
	assert_int_equal(NEG(ftp_parse_227,
	    "Entering Passive Mode\n(10,0,0,1,4,1)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
	assert_int_equal(NEG(ftp_parse_227,
	    "Entering Passive Mode 1\n227 Here (10,0,\n0,1,4,1)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
	assert_int_equal(NEG(ftp_parse_227,
	    "Entering Passive Mode (10,0,0,1,4\n,1)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
}

static void
test_227_invalid(void **state)
{
	struct ftp_hostport	 hp;
	char			 buf[200];
	char			*big;

	(void)state;
	assert_int_equal(NEG(ftp_parse_227, "Entering Passive Mode (300,0,0,1,4,1)",
	    &hp), FTP_NEG_RANGE);
	assert_int_equal(NEG(ftp_parse_227, "(10,0,0,1,256,1)", &hp),
	    FTP_NEG_RANGE);
	assert_int_equal(NEG(ftp_parse_227, "(10,0,0,1,1,999)", &hp),
	    FTP_NEG_RANGE);
	assert_int_equal(NEG(ftp_parse_227, "(10,0,0,1,0,0)", &hp),
	    FTP_NEG_RANGE);
	/* A bad first tuple is reported, not skipped for a later one. */
	assert_int_equal(NEG(ftp_parse_227, "(300,0,0,1,4,1) (10,0,0,1,4,1)",
	    &hp), FTP_NEG_RANGE);
	big = big_number(64);
	snprintf(buf, sizeof buf, "(%s,0,0,1,4,1)", big);
	assert_int_equal(neg(ftp_parse_227, buf, strlen(buf), &hp), FTP_NEG_RANGE);
	free(big);
	assert_int_equal(NEG(ftp_parse_227, "Entering Passive Mode", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_227, "", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_227, "(10,0,0,1,4)", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_227, "(10,0,0,1,4,", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_227, "(10,0,0,1,4", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_227, "(10.0.0.1,4,1)", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_227, "(10;0;0;1;4;1)", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_227, "(10,0,0,,1,4,1)", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_227, "227", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(ftp_parse_227(NULL, 0, &hp), FTP_NEG_SYNTAX);
}

/* ---------------------------------------------------------------------- */
/* 228. */

static void
test_228(void **state)
{
	struct ftp_hostport	 hp;

	(void)state;
	assert_int_equal(NEG(ftp_parse_228,
	    "Entering Long Passive Mode (4,4,10,0,0,1,2,4,1)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
	assert_int_equal(NEG(ftp_parse_228,
	    "228 Entering Long Passive Mode (4,4,10,0,0,1,2,4,1).", &hp),
	    FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
	assert_int_equal(NEG(ftp_parse_228,
	    "Entering Long Passive Mode (6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,2,2,4,1)",
	    &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET6, "2001:db8::2", 1025);
	assert_int_equal(NEG(ftp_parse_228,
	    "Mode 1, 2 (4, 4, 10, 0, 0, 1, 2, 4, 1)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
	assert_int_equal(NEG(ftp_parse_228,
	    "Long Passive\n(4,4,10,0,0,1,\n2,4,1)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 1025);
	/* A list longer than any tuple is skipped whole: the tuple at its
	 * tail (after 24 numbers) is not taken, the next list is. */
	assert_int_equal(NEG(ftp_parse_228,
	    "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,4,4,10,0,0,1,2,4,1"
	    " (4,4,10,0,0,2,2,4,1)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.2", 1025);

	assert_int_equal(NEG(ftp_parse_228, "(5,4,1,2,3,4,2,0,1)", &hp),
	    FTP_NEG_FAMILY);
	assert_int_equal(NEG(ftp_parse_228, "(4,4,10,0,0,300,2,4,1)", &hp),
	    FTP_NEG_RANGE);
	assert_int_equal(NEG(ftp_parse_228, "(4,4,10,0,0,1,2,0,0)", &hp),
	    FTP_NEG_RANGE);
	/* Too long: no sliding into its tail for a tuple that happens to fit. */
	assert_int_equal(NEG(ftp_parse_228, "(9,4,4,10,0,0,1,2,4,1)", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_228, "(4,4,10,0,0,1,2,4,1,9,9)", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_228, "(4,4,10,0,0,1,2,4)", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_228, "(10,0,0,1,4,1)", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_228, "Entering Long Passive Mode", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_228, "", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(ftp_parse_228(NULL, 0, &hp), FTP_NEG_SYNTAX);
}

/* ---------------------------------------------------------------------- */
/* 229. */

static void
test_229_forms(void **state)
{
	struct ftp_hostport	 hp;

	(void)state;
	assert_int_equal(NEG(ftp_parse_229,
	    "Entering Extended Passive Mode (|||6446|)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_NONE, NULL, 6446);
	assert_int_equal(NEG(ftp_parse_229,
	    "229 Entering Extended Passive Mode (|||6446|).", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_NONE, NULL, 6446);
	assert_int_equal(NEG(ftp_parse_229, "(|||1|)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_NONE, NULL, 1);
	assert_int_equal(NEG(ftp_parse_229, "(|||65535|)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_NONE, NULL, 65535);
	/* A "(" in the text before the real one. */
	assert_int_equal(NEG(ftp_parse_229,
	    "Entering Extended Passive Mode (EPSV) (|||6446|)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_NONE, NULL, 6446);
	assert_int_equal(NEG(ftp_parse_229, "Mode ((!!!) (|||6446|)", &hp),
	    FTP_NEG_OK);
	assert_hp(&hp, FA_AF_NONE, NULL, 6446);
	assert_int_equal(NEG(ftp_parse_229, "(((|||6446|)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_NONE, NULL, 6446);
	/* Joined multi-line text. */
	assert_int_equal(NEG(ftp_parse_229,
	    "Entering Extended Passive Mode\n(|||6446|)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_NONE, NULL, 6446);
	/* With an address (some servers). */
	assert_int_equal(NEG(ftp_parse_229,
	    "Entering Extended Passive Mode (|1|10.0.0.1|6446|)", &hp), FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET, "10.0.0.1", 6446);
	assert_int_equal(NEG(ftp_parse_229,
	    "Entering Extended Passive Mode (|2|2001:db8::5|6446|)", &hp),
	    FTP_NEG_OK);
	assert_hp(&hp, FA_AF_INET6, "2001:db8::5", 6446);
}

static void
test_229_any_delimiter(void **state)
{
	struct ftp_hostport	 hp;
	char			 buf[80];
	int			 d, n;

	(void)state;
	for (d = 33; d <= 126; d++) {
		if (d >= '0' && d <= '9')
			continue;
		n = snprintf(buf, sizeof buf,
		    "Entering Extended Passive Mode (%c%c%c6446%c).", d, d, d, d);
		assert_int_equal(neg(ftp_parse_229, buf, (size_t)n, &hp),
		    FTP_NEG_OK);
		assert_hp(&hp, FA_AF_NONE, NULL, 6446);
	}
}

static void
test_229_invalid(void **state)
{
	struct ftp_hostport	 hp;
	char			 buf[200];
	char			*big;

	(void)state;
	assert_int_equal(NEG(ftp_parse_229, "(|||0|)", &hp), FTP_NEG_RANGE);
	assert_int_equal(NEG(ftp_parse_229, "(|||65536|)", &hp), FTP_NEG_RANGE);
	big = big_number(64);
	snprintf(buf, sizeof buf, "(|||%s|)", big);
	assert_int_equal(neg(ftp_parse_229, buf, strlen(buf), &hp), FTP_NEG_RANGE);
	free(big);
	assert_int_equal(NEG(ftp_parse_229, "(|3|10.0.0.1|6446|)", &hp),
	    FTP_NEG_FAMILY);
	assert_int_equal(NEG(ftp_parse_229, "(|1|10.0.0.1|0|)", &hp),
	    FTP_NEG_RANGE);
	assert_int_equal(NEG(ftp_parse_229, "(|1|::1|6446|)", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|1|10.0.0.1|6446|", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "Entering Extended Passive Mode", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "|||6446|", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|||6446|", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|||6446)", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|||6446|x)", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|||6446||)", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|1|10.0.0.1|6446|x)", &hp),
	    FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|||6446", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(||6446|)", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(||||6446|)", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|||abc|)", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|||)", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|||-1|)", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|!|6446|)", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|||6446!)", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(   6446 )", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(||", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|||", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|||6", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(NEG(ftp_parse_229, "(|||6|", &hp), FTP_NEG_SYNTAX);
	assert_int_equal(ftp_parse_229(NULL, 0, &hp), FTP_NEG_SYNTAX);
}

/* ---------------------------------------------------------------------- */
/* Misc. */

static void
test_neg_strerror(void **state)
{
	const char	*s[4];
	int		 i, j;

	(void)state;
	s[0] = ftp_neg_strerror(FTP_NEG_OK);
	s[1] = ftp_neg_strerror(FTP_NEG_SYNTAX);
	s[2] = ftp_neg_strerror(FTP_NEG_RANGE);
	s[3] = ftp_neg_strerror(FTP_NEG_FAMILY);
	assert_string_equal(s[0], "ok");
	assert_string_equal(s[2], "number out of range");
	assert_string_equal(s[3], "unsupported address family");
	for (i = 0; i < 4; i++) {
		assert_non_null(s[i]);
		assert_true(strlen(s[i]) > 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(s[i], s[j]);
	}
	assert_non_null(ftp_neg_strerror((enum ftp_neg_status)42));
}

/* Hostile input: random and mutated spans through every parser, each in
 * an exactly sized heap buffer so ASan catches any read outside it. */
static void
test_random_input(void **state)
{
	static const char *const seeds[] = {
		"Entering Passive Mode (10,0,0,1,4,1)",
		"Entering Extended Passive Mode (|||6446|)",
		"(|2|2001:db8::1|21|)",
		"|1|10.0.0.1|21|",
		"4,4,10,0,0,1,2,4,1",
		"6,16,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,2,0,21",
		"211-Features:",
		"USER anonymous",
	};
	static const char alphabet[] = "0123456789,|()!. -:abcfAF\r\n\xff";
	uint32_t		 x = 0x12345678;
	struct ftp_hostport	 hp;
	struct ftp_cmd		 c;
	struct ftp_reply_line	 r;
	struct ftp_reply_asm	 ra = { 0 };
	struct ftp_linebuf	 lb;
	struct got		 g;
	uint8_t			*p;
	size_t			 n, k, slen;
	int			 i;

	(void)state;
	assert_int_equal(ftp_linebuf_init(&lb, 16), 0);
	for (i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		n = (x >> 16) % 64;
		p = malloc(n ? n : 1);
		assert_non_null(p);
		if (i % 2 == 0) {
			const char *s = seeds[(x >> 8) % 8];

			slen = strlen(s);
			for (k = 0; k < n; k++) {
				x = x * 1103515245u + 12345u;
				p[k] = (x >> 16) % 5 == 0 ?
				    (uint8_t)alphabet[(x >> 20) % (sizeof alphabet - 1)] :
				    (uint8_t)s[k % slen];
			}
		} else {
			for (k = 0; k < n; k++) {
				x = x * 1103515245u + 12345u;
				p[k] = (uint8_t)(x >> 16);
			}
		}
		(void)ftp_parse_port(p, n, &hp);
		(void)ftp_parse_eprt(p, n, &hp);
		(void)ftp_parse_lprt(p, n, &hp);
		(void)ftp_parse_227(p, n, &hp);
		(void)ftp_parse_228(p, n, &hp);
		if (ftp_parse_229(p, n, &hp) == FTP_NEG_OK)
			assert_true(hp.port != 0);
		if (ftp_parse_command(p, n, &c) == 0) {
			assert_true(strlen(c.verb) <= FTP_VERB_MAX);
			if (c.arg != NULL)
				assert_true(c.arg > p && c.arg + c.arg_len <= p + n);
		}
		ftp_parse_reply_line(p, n, &r);
		if (r.sep != FTP_REPLY_NOCODE)
			assert_true(r.code >= 100 && r.code <= 599);
		assert_true(r.text_len <= n);
		(void)ftp_reply_asm_line(&ra, p, n, &r);
		memset(&g, 0, sizeof g);
		ftp_linebuf_feed(&lb, p, n, 0, 0, (uint32_t)i, collect, &g);
		for (k = 0; k < (size_t)g.n; k++) {
			assert_true(g.v[k].l.len <= 16);
			assert_true(g.v[k].l.full_len >= g.v[k].l.len);
			assert_int_equal(g.v[k].l.truncated,
			    g.v[k].l.full_len > g.v[k].l.len);
		}
		free(p);
	}
	ftp_linebuf_free(&lb);
}

/* The size forms of 150 replies servers send, and SIZE's 213. */
static void
test_announced_size(void **state)
{
	static const struct {
		const char	*text;
		bool		 ok;
		uint64_t	 size;
	} c150[] = {
		/* vsftpd, ProFTPD, wu-ftpd */
		{ "Opening BINARY mode data connection for f.iso (734003200 bytes).", true, 734003200 },
		{ "Opening BINARY mode data connection for f (48 bytes)", true, 48 },
		/* Serv-U */
		{ "Opening ASCII mode data connection for /a.txt (1234 Bytes).", true, 1234 },
		{ "Opening BINARY mode data connection for x (12 BYTES) using SSL/TLS.", true, 12 },
		/* the last one counts: the name may hold one too */
		{ "Opening data connection for a (3 bytes).zip (70 bytes).", true, 70 },
		{ "Data connection already open; 0 bytes", true, 0 },
		/* pure-ftpd: not exact */
		{ "Accepted data connection\n5289713.5 kbytes to download", false, 0 },
		{ "Opening BINARY mode data connection.", false, 0 },
		{ "Here (12345bytes)", false, 0 },
		{ "Here (x12 bytes)", false, 0 },
		{ "Here (99999999999999999999 bytes)", false, 0 },
		{ "bytes", false, 0 },
		{ "", false, 0 },
	};
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof c150 / sizeof c150[0]; i++) {
		v = 7;
		assert_int_equal(ftp_parse_size_150((const uint8_t *)c150[i].text,
		    strlen(c150[i].text), &v), c150[i].ok);
		assert_int_equal(v, c150[i].ok ? c150[i].size : 7);
	}
	assert_true(ftp_parse_size_213((const uint8_t *)"48", 2, &v));
	assert_int_equal(v, 48);
	assert_true(ftp_parse_size_213((const uint8_t *)"18446744073709551615 ", 21, &v));
	assert_true(v == UINT64_MAX);
	assert_false(ftp_parse_size_213((const uint8_t *)"18446744073709551616", 20, &v));
	assert_false(ftp_parse_size_213((const uint8_t *)"20260101120000 x", 16, &v));
	assert_false(ftp_parse_size_213((const uint8_t *)"", 0, &v));
	assert_false(ftp_parse_size_213(NULL, 0, &v));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_crlf),
		cmocka_unit_test(test_line_init_in),
		cmocka_unit_test(test_line_view),
		cmocka_unit_test(test_line_bare_lf),
		cmocka_unit_test(test_line_crlf_split),
		cmocka_unit_test(test_line_split_flag),
		cmocka_unit_test(test_line_lone_cr_and_nul),
		cmocka_unit_test(test_line_iac_basic),
		cmocka_unit_test(test_line_iac_non_command),
		cmocka_unit_test(test_line_iac_unterminated_sb),
		cmocka_unit_test(test_line_iac_across_chunks),
		cmocka_unit_test(test_line_bytewise_equals_oneshot),
		cmocka_unit_test(test_line_stop_every_place),
		cmocka_unit_test(test_line_overlong),
		cmocka_unit_test(test_line_seq_wrap),
		cmocka_unit_test(test_line_flush),
		cmocka_unit_test(test_line_reset),
		cmocka_unit_test(test_line_init_default_and_empty_feed),
		cmocka_unit_test(test_cmd_basic),
		cmocka_unit_test(test_cmd_arg_spaces),
		cmocka_unit_test(test_cmd_invalid),
		cmocka_unit_test(test_cmd_long_and_odd_verbs),
		cmocka_unit_test(test_cmd_tables),
		cmocka_unit_test(test_verb_every_name),
		cmocka_unit_test(test_reply_line),
		cmocka_unit_test(test_reply_line_nocode),
		cmocka_unit_test(test_asm_single_and_junk),
		cmocka_unit_test(test_asm_multiline_same_code),
		cmocka_unit_test(test_asm_bare_code_end),
		cmocka_unit_test(test_asm_different_code),
		cmocka_unit_test(test_port_valid),
		cmocka_unit_test(test_port_invalid),
		cmocka_unit_test(test_eprt_valid),
		cmocka_unit_test(test_eprt_any_delimiter),
		cmocka_unit_test(test_eprt_invalid),
		cmocka_unit_test(test_lprt),
		cmocka_unit_test(test_227_forms),
		cmocka_unit_test(test_227_retry),
		cmocka_unit_test(test_227_multiline),
		cmocka_unit_test(test_227_invalid),
		cmocka_unit_test(test_228),
		cmocka_unit_test(test_229_forms),
		cmocka_unit_test(test_229_any_delimiter),
		cmocka_unit_test(test_229_invalid),
		cmocka_unit_test(test_neg_strerror),
		cmocka_unit_test(test_random_input),
		cmocka_unit_test(test_announced_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
