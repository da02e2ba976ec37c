/* SPDX-License-Identifier: ISC */
/* test_pcapfile.c: a classic pcap read by pcapfile.c hands over
 * exactly what libpcap hands over, packets, times, lengths, bytes and the
 * warning it stops with, for the files it reads and for those it leaves
 * to libpcap part way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "ftpaudit/capture.h"
#include "ftpaudit/pcapfile.h"

#define MAGIC_US	0xa1b2c3d4u
#define MAGIC_NS	0xa1b23c4du

/* A pcap file being written, in this host's byte order or swapped. */
struct file {
	char		 path[64];
	FILE		*f;
	bool		 swap;
};

static uint32_t
order32(const struct file *w, uint32_t v)
{
	return w->swap ? __builtin_bswap32(v) : v;
}

static void
file_open(struct file *w, uint32_t magic, uint16_t minor, uint32_t snaplen,
    bool swap)
{
	uint32_t h[6];
	uint16_t v[2] = { 2, minor };
	int fd;

	snprintf(w->path, sizeof w->path, "/tmp/test_pcapfile.XXXXXX");
	fd = mkstemp(w->path);
	assert_true(fd >= 0);
	w->f = fdopen(fd, "wb");
	assert_non_null(w->f);
	w->swap = swap;
	if (swap) {
		v[0] = __builtin_bswap16(v[0]);
		v[1] = __builtin_bswap16(v[1]);
	}
	h[0] = order32(w, magic);
	memcpy(&h[1], v, sizeof v);
	h[2] = h[3] = 0;
	h[4] = order32(w, snaplen);
	h[5] = order32(w, 1);		/* Ethernet */
	assert_int_equal(fwrite(h, sizeof h, 1, w->f), 1);
}

/* A record saying caplen and len, with have bytes of it written. */
static void
file_record(struct file *w, uint32_t sec, uint32_t frac, uint32_t caplen,
    uint32_t len, uint32_t have)
{
	uint32_t h[4] = { order32(w, sec), order32(w, frac),
	    order32(w, caplen), order32(w, len) };
	uint32_t i;

	assert_int_equal(fwrite(h, sizeof h, 1, w->f), 1);
	for (i = 0; i < have; i++)
		assert_int_not_equal(fputc((int)((i * 7 + caplen) & 0xff),
		    w->f), EOF);
}

static void
file_close(struct file *w)
{
	assert_int_equal(fclose(w->f), 0);
}

/* What a reader handed over, folded into a few numbers. */
struct seen {
	uint64_t	 packets, ts_sum, len_sum, byte_sum;
	uint64_t	 last_ts;
	char		 warning[256];
	bool		 truncated;
};

static void
seen_add(struct seen *s, uint64_t ts, uint32_t caplen, uint32_t len,
    const uint8_t *data)
{
	uint32_t i;

	s->packets++;
	s->ts_sum = s->ts_sum * 31 + ts;
	s->len_sum = s->len_sum * 31 + caplen * 65537ULL + len;
	for (i = 0; i < caplen; i++)
		s->byte_sum = s->byte_sum * 131 + data[i];
	s->last_ts = ts;
}

/* libpcap alone, as capture.c asks it: microseconds. */
static void
by_libpcap(const char *path, struct seen *s)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	int r;

	memset(s, 0, sizeof *s);
	p = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, err);
	assert_non_null(p);
	while ((r = pcap_next_ex(p, &h, &d)) == 1)
		seen_add(s, (uint64_t)h->ts.tv_sec * 1000000 +
		    (uint64_t)h->ts.tv_usec, h->caplen, h->len, d);
	if (r == PCAP_ERROR) {
		s->truncated = true;
		snprintf(s->warning, sizeof s->warning, "%s", pcap_geterr(p));
	}
	pcap_close(p);
}

static void
on_pkt(void *arg, const struct capture_pkt *pk)
{
	seen_add(arg, pk->ts_us, pk->caplen, pk->wirelen, pk->data);
}

/* capture.c, by capture_dispatch (batched) or capture_next. */
static void
by_capture(const char *path, bool batched, struct seen *s)
{
	char *paths[1] = { (char *)path }, err[256];
	const struct capture_input *in;
	struct capture_pkt pk;
	struct capture *c;

	memset(s, 0, sizeof *s);
	assert_int_equal(capture_open(&c, paths, 1, NULL, err, sizeof err), 0);
	if (batched)
		while (capture_dispatch(c, 97, on_pkt, s) > 0)
			;
	else
		while (capture_next(c, &pk) == 1)
			on_pkt(s, &pk);
	in = capture_input(c, 0);
	assert_int_equal(in->packets, s->packets);
	s->truncated = in->truncated;
	snprintf(s->warning, sizeof s->warning, "%s", in->warning);
	capture_close(c);
}

static void
assert_same(const struct seen *a, const struct seen *b)
{
	assert_int_equal(a->packets, b->packets);
	assert_int_equal(a->ts_sum, b->ts_sum);
	assert_int_equal(a->len_sum, b->len_sum);
	assert_int_equal(a->byte_sum, b->byte_sum);
	assert_int_equal(a->truncated, b->truncated);
	assert_string_equal(a->warning, b->warning);
}

/* The file gives the same whichever way it is read; wanted packets. */
static void
check_file(struct file *w, uint64_t wanted)
{
	struct seen ref, batched, single;

	by_libpcap(w->path, &ref);
	by_capture(w->path, true, &batched);
	by_capture(w->path, false, &single);
	assert_same(&ref, &batched);
	assert_same(&ref, &single);
	assert_int_equal(ref.packets, wanted);
	unlink(w->path);
}

/* Whether pcapfile.c itself takes the file. */
static bool
read_by_pcapfile(const char *path)
{
	struct pcapfile *pf;
	FILE *f = fopen(path, "rb");
	long size;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	pf = pcapfile_open(fileno(f), (uint64_t)size, 262144);
	pcapfile_close(pf);
	fclose(f);
	return pf != NULL;
}

/* Many records of every size, some across the edges of the blocks read,
 * and one of the largest size libpcap takes. */
static void
test_many_records(void **state)
{
	struct file w;
	uint32_t i, n;

	(void)state;
	file_open(&w, MAGIC_US, 4, 262144, false);
	for (i = 0; i < 9000; i++) {
		n = i == 4000 ? 262144 : 14 + (i * 37) % 1500;
		file_record(&w, 1700000000 + i / 100, (i * 9973) % 1000000,
		    n, n + (i % 3) * 10, n);
	}
	file_close(&w);
	assert_true(read_by_pcapfile(w.path));
	check_file(&w, 9000);
}

/* Nanoseconds, cut to microseconds as libpcap cuts them, and times
 * whose seconds have the sign bit set. */
static void
test_nanoseconds(void **state)
{
	struct file w;

	(void)state;
	file_open(&w, MAGIC_NS, 4, 65535, false);
	file_record(&w, 1700000000, 999999999, 60, 60, 60);
	file_record(&w, 1700000000, 1999, 60, 60, 60);
	file_record(&w, 0x90000000u, 5, 60, 60, 60);
	file_record(&w, 0, 999, 0, 0, 0);
	file_close(&w);
	assert_true(read_by_pcapfile(w.path));
	check_file(&w, 4);
}

/* Longer than the file's snapshot length: libpcap cuts it and reads
 * on, from there to the end. */
static void
test_longer_than_snaplen(void **state)
{
	struct file w;

	(void)state;
	file_open(&w, MAGIC_US, 4, 1000, false);
	file_record(&w, 1, 0, 500, 500, 500);
	file_record(&w, 2, 0, 1200, 1200, 1200);
	file_record(&w, 3, 0, 700, 900, 700);
	file_close(&w);
	check_file(&w, 3);
}

/* Past libpcap's sane maximum: its error, after the packets before. */
static void
test_insane_length(void **state)
{
	struct file w;

	(void)state;
	file_open(&w, MAGIC_US, 4, 0, false);
	file_record(&w, 1, 0, 100, 100, 100);
	file_record(&w, 2, 0, 300000, 300000, 10);
	file_close(&w);
	check_file(&w, 1);
}

/* A capture cut short, in a record's header or in its data. */
static void
test_truncated(void **state)
{
	struct file w;
	uint8_t partial[7] = { 0 };

	(void)state;
	file_open(&w, MAGIC_US, 4, 65535, false);
	file_record(&w, 1, 0, 100, 100, 100);
	assert_int_equal(fwrite(partial, sizeof partial, 1, w.f), 1);
	file_close(&w);
	check_file(&w, 1);

	file_open(&w, MAGIC_US, 4, 65535, false);
	file_record(&w, 1, 0, 100, 100, 100);
	file_record(&w, 2, 0, 500, 500, 120);
	file_close(&w);
	check_file(&w, 1);
}

/*
 * Cut short by another process while it is read: what was read stays, a
 * page cut off raises no SIGBUS that kills, and the input ends truncated,
 * saying so.  The record the cut goes through may be handed over, with
 * zeroes past the cut.  Records of 1,016 bytes, 16 of them read before
 * the cut.
 */
static void
cut_while_read(off_t at, uint64_t least, uint64_t most)
{
	char *paths[1], err[256];
	const struct capture_input *in;
	struct capture_pkt pk;
	struct capture *c;
	struct seen s;
	struct file w;
	uint32_t i;

	file_open(&w, MAGIC_US, 4, 65535, false);
	for (i = 0; i < 3000; i++)
		file_record(&w, 1 + i, 0, 1000, 1000, 1000);
	file_close(&w);
	assert_true(read_by_pcapfile(w.path));
	paths[0] = w.path;
	memset(&s, 0, sizeof s);
	assert_int_equal(capture_open(&c, paths, 1, NULL, err, sizeof err), 0);
	for (i = 0; i < 16 && capture_next(c, &pk) == 1; i++)
		on_pkt(&s, &pk);
	assert_int_equal(truncate(w.path, at), 0);
	while (capture_next(c, &pk) == 1)
		on_pkt(&s, &pk);
	in = capture_input(c, 0);
	assert_in_range(s.packets, least, most);
	assert_int_equal(s.last_ts, s.packets * 1000000);
	assert_true(in->truncated);
	assert_non_null(strstr(in->warning, "cut short"));
	capture_close(c);
	unlink(w.path);
}

static void
test_cut_while_read(void **state)
{
	(void)state;
	/* At a page's start: the pages after it are gone. */
	cut_while_read(1 << 20, (1 << 20) / 1016, (1 << 20) / 1016 + 1);
	/* Inside a page: the rest of it reads as zeroes. */
	cut_while_read((1 << 20) + 100, (1 << 20) / 1016,
	    (1 << 20) / 1016 + 1);
}

/*
 * More files at once than pcapfile.c maps (16): the rest are read by
 * libpcap, and a merge of twenty gets every packet of each, in time
 * order; a slot given back is taken again.
 */
static void
test_more_files_than_slots(void **state)
{
	struct pcapfile *pf[17];
	char *paths[20], err[256];
	struct capture_pkt pk;
	struct capture *c;
	struct file w;
	uint64_t n = 0, last = 0;
	FILE *f;
	size_t i;

	(void)state;
	file_open(&w, MAGIC_US, 4, 65535, false);
	for (i = 0; i < 50; i++)
		file_record(&w, 1 + (uint32_t)i, 0, 200, 200, 200);
	file_close(&w);
	f = fopen(w.path, "rb");
	assert_non_null(f);
	for (i = 0; i < 17; i++)
		pf[i] = pcapfile_open(fileno(f), 24 + 50 * 216, 65535);
	for (i = 0; i < 16; i++)
		assert_non_null(pf[i]);
	assert_null(pf[16]);
	pcapfile_close(pf[3]);
	pf[3] = pcapfile_open(fileno(f), 24 + 50 * 216, 65535);
	assert_non_null(pf[3]);
	for (i = 0; i < 16; i++)
		pcapfile_close(pf[i]);
	fclose(f);

	for (i = 0; i < 20; i++)
		paths[i] = w.path;
	assert_int_equal(capture_open(&c, paths, 20, NULL, err, sizeof err),
	    0);
	while (capture_next(c, &pk) == 1) {
		assert_true(pk.ts_us >= last);
		last = pk.ts_us;
		n++;
	}
	for (i = 0; i < 20; i++)
		assert_false(capture_input(c, i)->truncated);
	capture_close(c);
	assert_int_equal(n, 20 * 50);
	unlink(w.path);
}

/* Files left to libpcap from the start: another byte order, an older
 * version; and a file of no packets. */
static void
test_left_to_libpcap(void **state)
{
	struct file w;

	(void)state;
	file_open(&w, MAGIC_US, 4, 65535, true);
	file_record(&w, 1, 2, 100, 100, 100);
	file_record(&w, 3, 4, 60, 80, 60);
	file_close(&w);
	assert_false(read_by_pcapfile(w.path));
	check_file(&w, 2);

	file_open(&w, MAGIC_US, 3, 65535, false);
	file_record(&w, 1, 2, 100, 100, 100);
	file_close(&w);
	assert_false(read_by_pcapfile(w.path));
	check_file(&w, 1);

	file_open(&w, MAGIC_US, 4, 65535, false);
	file_close(&w);
	assert_true(read_by_pcapfile(w.path));
	check_file(&w, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_records),
		cmocka_unit_test(test_nanoseconds),
		cmocka_unit_test(test_longer_than_snaplen),
		cmocka_unit_test(test_insane_length),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_cut_while_read),
		cmocka_unit_test(test_more_files_than_slots),
		cmocka_unit_test(test_left_to_libpcap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
