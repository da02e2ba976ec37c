/* SPDX-License-Identifier: ISC */
/* test_reader.c: the reader thread keeps whole every payload a control
 * stream can need and only the start of the others, and the engine it
 * feeds writes the same report as the engine reading for itself. */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ftpaudit/capture.h"
#include "ftpaudit/engine.h"
#include "ftpaudit/reader.h"
#include "ftpaudit/report.h"
#include "../frame.h"

/* A classic pcap being written: Ethernet, microseconds. */
struct cap {
	char		 path[64];
	FILE		*f;
	uint32_t	 t;
};

static void
cap_open(struct cap *c)
{
	int fd;

	snprintf(c->path, sizeof c->path, "/tmp/test_reader.XXXXXX");
	fd = mkstemp(c->path);
	assert_true(fd >= 0);
	c->f = fdopen(fd, "wb");
	assert_non_null(c->f);
	assert_int_equal(frame_pcap_header(c->f, 262144), 0);
	c->t = 0;
}

/* An IPv4 TCP frame from 10.0.0.a:sport to 10.0.0.b:dport, its payload
 * n bytes of fill (or text, when given, then fill). */
static void
cap_tcp(struct cap *c, uint8_t a, uint16_t sport, uint8_t b, uint16_t dport,
    uint8_t flags, const char *text, size_t n)
{
	uint8_t *f = malloc(FRAME_HDR + n), src[4] = { 10, 0, 0, a },
	    dst[4] = { 10, 0, 0, b };
	size_t len;

	assert_non_null(f);
	len = frame_tcp4(f, src, dst, sport, dport, 0, 0, flags, NULL, n);
	memset(f + FRAME_HDR, 'x', n);
	if (text != NULL)
		memcpy(f + FRAME_HDR, text, strlen(text));
	assert_int_equal(frame_pcap_record(c->f, 1700000000ULL * 1000000 +
	    ++c->t, f, len), 0);
	free(f);
}

static void
cap_close(struct cap *c)
{
	assert_int_equal(fclose(c->f), 0);
}

/* What the reader handed over. */
struct got {
	struct reader_pkt p[64];
	uint8_t		 first[64][8];	/* the first payload bytes */
	int		 whole[64];	/* every payload byte as sent */
	size_t		 n, total;
	struct reader_pkt last;
};

static void
on_pkt(void *arg, const struct reader_pkt *p)
{
	struct got *g = arg;
	const uint8_t *q = p->pk.payload;
	uint32_t i, n = p->pk.cut ? 4 : p->pk.caplen_payload;

	g->total++;
	g->last = *p;
	if (g->n == 64)
		return;
	g->p[g->n] = *p;
	if (p->status == DECODE_TCP) {
		memcpy(g->first[g->n], q, n < 8 ? n : 8);
		g->whole[g->n] = !p->pk.cut;
		for (i = 0; i < n && g->whole[g->n]; i++)
			if (q[i] != 'x' && i >= 16)
				g->whole[g->n] = 0;
	}
	g->n++;
}

/* The other work reader_new is given: on the reader's thread, the
 * first 50 calls have some to do. */
struct idle {
	pthread_t	 consumer;
	unsigned	 reader_calls;	/* atomic */
};

static bool
idle_work(void *arg)
{
	struct idle *w = arg;

	if (pthread_equal(pthread_self(), w->consumer))
		return false;
	return __atomic_add_fetch(&w->reader_calls, 1, __ATOMIC_ACQ_REL) <= 50;
}

/* A reader half a ring ahead does the other work before it reads on, and
 * every frame still comes, the last one last. */
static void
test_other_work(void **state)
{
	static struct got g;
	struct fa_config cfg;
	struct capture *cap;
	struct reader *r;
	struct idle w;
	struct cap c;
	char *paths[1], err[256];
	unsigned i;

	(void)state;
	cap_open(&c);
	for (i = 0; i < 20000; i++)	/* 8 blocks of cut data packets */
		cap_tcp(&c, 1, 40000, 2, 50000, 0x18, NULL, 100);
	cap_close(&c);
	fa_config_defaults(&cfg);
	paths[0] = c.path;
	assert_int_equal(capture_open(&cap, paths, 1, NULL, err, sizeof err), 0);
	w.consumer = pthread_self();
	w.reader_calls = 0;
	r = reader_new(cap, &cfg, idle_work, &w, NULL);
	assert_non_null(r);
	/* As a loaded machine may: the reader fills its blocks before this
	 * thread runs on.  The work was given after this point once, and
	 * the reader, already waiting, never did it (2 runs in 18). */
	usleep(200000);
	/* Nothing is consumed yet: the reader fills half its ring, then
	 * works through the 50, then waits (ten seconds at most here). */
	for (i = 0; i < 100000 &&
	    __atomic_load_n(&w.reader_calls, __ATOMIC_ACQUIRE) <= 50; i++)
		usleep(100);
	assert_true(__atomic_load_n(&w.reader_calls, __ATOMIC_ACQUIRE) > 50);
	memset(&g, 0, sizeof g);
	while (reader_next(r, on_pkt, NULL, &g) > 0)
		;
	assert_int_equal(g.total, 20000);
	assert_int_equal(g.last.ts_us, 1700000000ULL * 1000000 + 20000);
	reader_free(r, NULL);
	capture_close(cap);
	unlink(c.path);
}

static void
read_all(struct cap *c, const struct fa_config *cfg, struct got *g)
{
	struct capture *cap;
	struct reader *r;
	char *paths[1] = { c->path }, err[256];

	memset(g, 0, sizeof *g);
	assert_int_equal(capture_open(&cap, paths, 1, NULL, err, sizeof err), 0);
	r = reader_new(cap, cfg, NULL, NULL, NULL);
	assert_non_null(r);
	while (reader_next(r, on_pkt, NULL, g) > 0)
		;
	assert_false(reader_failed(r));
	reader_free(r, NULL);
	capture_close(cap);
	if (!getenv("KEEP")) unlink(c->path);
}

static void
test_keeps_control_cuts_data(void **state)
{
	struct fa_config cfg;
	struct cap c;
	struct got g;

	(void)state;
	fa_config_defaults(&cfg);
	cap_open(&c);
	cap_tcp(&c, 1, 40000, 2, 21, 0x18, "RETR big\r\n", 1000);
	cap_tcp(&c, 2, 21, 1, 40000, 0x18, "150 ok\r\n", 1200);
	cap_tcp(&c, 2, 20, 1, 40001, 0x10, "DATA", 1400);	/* active data */
	cap_tcp(&c, 1, 40002, 2, 50000, 0x10, "PASV", 1400);
	cap_tcp(&c, 1, 40002, 2, 50000, 0x10, "tiny", 4);
	cap_tcp(&c, 1, 40003, 2, 990, 0x18, "\x16\x03\x01", 500);	/* FTPS */
	cap_close(&c);
	read_all(&c, &cfg, &g);
	assert_int_equal(g.n, 6);
	assert_int_equal(g.p[0].status, DECODE_TCP);
	assert_int_equal(g.p[0].wirelen, 1054);
	assert_false(g.p[0].pk.cut);
	assert_int_equal(g.p[0].pk.caplen_payload, 1000);
	assert_memory_equal(g.first[0], "RETR big", 8);
	assert_true(g.whole[0] && g.whole[1] && g.whole[5]);
	/* Data payloads: their length as captured, four bytes readable. */
	assert_true(g.p[2].pk.cut);
	assert_int_equal(g.p[2].pk.caplen_payload, 1400);
	assert_int_equal(g.p[2].pk.wire_payload, 1400);
	assert_memory_equal(g.first[2], "DATA", 4);
	assert_true(g.p[3].pk.cut);
	assert_false(g.p[4].pk.cut);		/* nothing left to cut */
	assert_int_equal(g.p[4].pk.src.port, 40002);
	assert_int_equal(g.p[4].pk.dst.port, 50000);
	assert_int_equal(g.p[4].pk.flags, 0x10);
}

/* A greeting on another port may start an FTP session: it and the rest of
 * its connection are kept, until both FINs or a RST. */
static void
test_greeting_connection(void **state)
{
	struct fa_config cfg;
	struct cap c;
	struct got g;

	(void)state;
	fa_config_defaults(&cfg);
	cap_open(&c);
	cap_tcp(&c, 2, 2121, 1, 40000, 0x18, "220 hi\r\n", 600);	/* 0 */
	cap_tcp(&c, 1, 40000, 2, 2121, 0x18, "USER a\r\n", 900);	/* 1 */
	cap_tcp(&c, 2, 2121, 1, 40000, 0x19, "331 ok\r\n", 700);	/* 2 FIN */
	cap_tcp(&c, 1, 40000, 2, 2121, 0x18, "PASS b\r\n", 800);	/* 3 */
	cap_tcp(&c, 1, 40000, 2, 2121, 0x11, NULL, 0);			/* 4 FIN */
	cap_tcp(&c, 1, 40000, 2, 2121, 0x18, "late", 900);		/* 5 */
	cap_tcp(&c, 2, 2525, 1, 40001, 0x18, "220-mail\r\n", 300);	/* 6 */
	cap_tcp(&c, 1, 40001, 2, 2525, 0x14, "gone", 300);		/* 7 RST */
	cap_tcp(&c, 1, 40001, 2, 2525, 0x18, "more", 300);		/* 8 */
	cap_tcp(&c, 2, 8080, 1, 40002, 0x18, "2200 no", 300);		/* 9 */
	cap_close(&c);
	read_all(&c, &cfg, &g);
	assert_int_equal(g.n, 10);
	assert_false(g.p[0].pk.cut);
	assert_false(g.p[1].pk.cut);
	assert_false(g.p[2].pk.cut);
	assert_false(g.p[3].pk.cut);
	assert_true(g.p[5].pk.cut);		/* after both FINs */
	assert_false(g.p[6].pk.cut);
	assert_false(g.p[7].pk.cut);		/* the RST itself */
	assert_true(g.p[8].pk.cut);
	assert_true(g.p[9].pk.cut);
	assert_memory_equal(g.first[9], "2200", 4);

	/* Without --detect-other-ports nothing off the control ports. */
	cfg.detect_other_ports = false;
	cap_open(&c);
	cap_tcp(&c, 2, 2121, 1, 40000, 0x18, "220 hi\r\n", 600);
	cap_tcp(&c, 1, 40000, 2, 2121, 0x18, "USER a\r\n", 900);
	cap_close(&c);
	read_all(&c, &cfg, &g);
	assert_true(g.p[0].pk.cut && g.p[1].pk.cut);
}

/* More greeting connections open at once than the table holds: from then
 * on every payload is kept. */
static void
test_greeting_table_full(void **state)
{
	struct fa_config cfg;
	struct cap c;
	struct got g;
	uint32_t i;

	(void)state;
	fa_config_defaults(&cfg);
	cap_open(&c);
	cap_tcp(&c, 1, 40000, 2, 50000, 0x10, NULL, 1000);
	for (i = 0; i < 50000; i++)
		cap_tcp(&c, (uint8_t)(3 + i / 60000), (uint16_t)(1024 + i % 60000),
		    1, 4000, 0x18, "220 x\r\n", 8);
	cap_tcp(&c, 1, 40000, 2, 50000, 0x10, NULL, 1000);
	cap_close(&c);
	read_all(&c, &cfg, &g);
	assert_int_equal(g.total, 50002);
	assert_true(g.p[0].pk.cut);
	assert_false(g.last.pk.cut);
}

/* A frame larger than a block still goes through whole; so do twenty,
 * twice round the ring, growing the blocks they land in again. */
static void
test_giant_frame(void **state)
{
	struct fa_config cfg;
	struct cap c;
	struct got g;
	int i;

	(void)state;
	fa_config_defaults(&cfg);
	cap_open(&c);
	cap_tcp(&c, 1, 40000, 2, 21, 0x18, "STOR x\r\n", 200);
	for (i = 0; i < 20; i++)
		cap_tcp(&c, 1, 40000, 2, 21, 0x18, "NOOP\r\n",
		    262144 - 54 - 8 * (i % 4));
	cap_tcp(&c, 1, 40000, 2, 21, 0x18, "QUIT\r\n", 100);
	cap_close(&c);
	read_all(&c, &cfg, &g);
	assert_int_equal(g.n, 22);
	for (i = 0; i < 20; i++) {
		assert_int_equal(g.p[1 + i].pk.caplen_payload,
		    262144 - 54 - 8 * (i % 4));
		assert_true(g.whole[1 + i]);
	}
	assert_memory_equal(g.first[21], "QUIT\r\n", 6);
}

/* Run the engine over path, reading for itself or through the reader,
 * and return its JSON report (owned). */
static char *
report_of(const char *path, const struct fa_config *cfg, bool threaded)
{
	struct capture *cap;
	struct reader *r;
	struct fa_engine *e;
	struct report *rep;
	struct fa_sink sink;
	struct capture_pkt pk;
	char *paths[1] = { (char *)path }, err[256], *cause = NULL, *doc = NULL;
	size_t len = 0;
	FILE *out;

	out = open_memstream(&doc, &len);
	assert_non_null(out);
	assert_int_equal(capture_open(&cap, paths, 1, NULL, err, sizeof err), 0);
	e = fa_engine_new(cfg);
	assert_non_null(e);
	rep = report_new(REPORT_JSON, out, &cause);
	assert_non_null(rep);
	report_sink(rep, &sink);
	fa_engine_add_sink(e, &sink);
	if (threaded) {
		r = reader_new(cap, cfg, NULL, NULL, NULL);
		assert_non_null(r);
		while (reader_feed(r, e) > 0)
			;
		assert_false(reader_failed(r));
		reader_free(r, NULL);
	} else
		while (capture_next(cap, &pk) == 1)
			fa_engine_packet(e, pk.dlt, pk.ts_us, pk.data, pk.caplen,
			    pk.wirelen);
	fa_engine_finish(e);
	assert_int_equal(fa_engine_stats(e)->reader_cuts, 0);
	assert_int_equal(report_finish(rep, cap, fa_engine_stats(e), cfg), 0);
	report_free(rep);
	fa_engine_free(e);
	capture_close(cap);
	assert_int_equal(fclose(out), 0);
	return doc;
}

/* The same report either way, for every bundled sample, with and without
 * --detect-other-ports and on other control ports. */
static void
test_same_report(void **state)
{
	const char *dir = getenv("srcdir");
	char path[4096], *a, *b;
	struct fa_config cfg;
	struct dirent *d;
	DIR *dp;
	int n = 0, variant;

	(void)state;
	snprintf(path, sizeof path, "%s/samples", dir ? dir : ".");
	dp = opendir(path);
	assert_non_null(dp);
	while ((d = readdir(dp)) != NULL) {
		if (strstr(d->d_name, ".pcap") == NULL)
			continue;
		snprintf(path, sizeof path, "%s/samples/%s", dir ? dir : ".",
		    d->d_name);
		for (variant = 0; variant < 3; variant++) {
			fa_config_defaults(&cfg);
			if (variant == 1)
				cfg.detect_other_ports = false;
			if (variant == 2) {
				/* Port 21 is no longer a control port: only
				 * the greeting keeps the payloads. */
				memset(&cfg.ports, 0, sizeof cfg.ports);
				fa_portset_add(&cfg.ports, 2121);
			}
			a = report_of(path, &cfg, false);
			b = report_of(path, &cfg, true);
			if (strcmp(a, b) != 0)
				fail_msg("%s (variant %d): reports differ", path,
				    variant);
			free(a);
			free(b);
		}
		n++;
	}
	closedir(dp);
	assert_true(n >= 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keeps_control_cuts_data),
		cmocka_unit_test(test_greeting_connection),
		cmocka_unit_test(test_greeting_table_full),
		cmocka_unit_test(test_giant_frame),
		cmocka_unit_test(test_other_work),
		cmocka_unit_test(test_same_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
