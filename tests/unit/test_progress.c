/* SPDX-License-Identifier: ISC */
/* test_progress.c: the status line says how much of how much, how fast
 * and when done, fits the width it is given, stays off when standard
 * error is no terminal; a capture's position counts the compressed
 * bytes of a gzip file and reaches its size at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "ftpaudit/capture.h"
#include "progress.h"

static void
test_known_size(void **state)
{
	struct progress_figures fg = { 50000000, 200000000, 123456, 78 };
	char line[160];

	(void)state;
	progress_format(line, sizeof line, &fg, 2.0);
	assert_string_equal(line, "25.0% of 200.0 MB  25.0 MB/s  123456 packets  "
	    "78 sessions  ETA 0:06");
	fg.done = fg.total;
	progress_format(line, sizeof line, &fg, 8.0);
	assert_non_null(strstr(line, "100.0% of 200.0 MB"));
	assert_null(strstr(line, "ETA"));
	fg.done = 1;
	fg.total = 7200000001ULL;
	progress_format(line, sizeof line, &fg, 1.0);
	assert_non_null(strstr(line, "ETA 99:59:59"));	/* at most */
	fg.done = 2000000000ULL;
	fg.total = 9200000000ULL;
	progress_format(line, sizeof line, &fg, 1000.0);
	assert_non_null(strstr(line, "of 9200 MB  2.0 MB/s"));
	assert_non_null(strstr(line, "ETA 1:00:00"));
}

static void
test_unknown_size(void **state)
{
	struct progress_figures fg = { 3500000, 0, 10, 1 };
	char line[160];

	(void)state;
	progress_format(line, sizeof line, &fg, 0.5);
	assert_string_equal(line, "3.5 MB  7.0 MB/s  10 packets  1 sessions");
}

static void
test_width(void **state)
{
	struct progress_figures fg = { 50000000, 200000000, 123456, 78 };
	char line[20];

	(void)state;
	progress_format(line, sizeof line, &fg, 2.0);
	assert_int_equal(strlen(line), sizeof line - 1);
}

/* Not a terminal: nothing is due and nothing is written. */
static void
test_off(void **state)
{
	struct progress_figures fg = { 1, 2, 3, 4 };
	struct progress p;
	FILE *f;

	(void)state;
	assert_non_null(f = tmpfile());
	progress_init(&p, f, true);
	sleep(1);
	assert_false(progress_due(&p));
	progress_show(&p, &fg);
	progress_end(&p);
	assert_int_equal(ftell(f), 0);
	fclose(f);
}

/* A pcap of n Ethernet frames of 60 bytes, plain or gzip. */
static void
write_pcap(const char *path, bool gz, int n)
{
	static const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	uint32_t rec[4];
	uint8_t frame[60];
	gzFile z = NULL;
	FILE *f = NULL;
	int i;

	memset(frame, 0, sizeof frame);
	if (gz)
		assert_non_null(z = gzopen(path, "wb"));
	else
		assert_non_null(f = fopen(path, "wb"));
#define PUT(p, len) (gz ? (void)gzwrite(z, p, len) : (void)fwrite(p, 1, len, f))
	PUT(hdr, 24);
	for (i = 0; i < n; i++) {
		rec[0] = 1000 + i;
		rec[1] = 0;
		rec[2] = rec[3] = sizeof frame;
		frame[i % 60] = (uint8_t)i;	/* not all alike: gzip has work */
		PUT(rec, 16);
		PUT(frame, sizeof frame);
	}
#undef PUT
	if (gz)
		assert_int_equal(gzclose(z), Z_OK);
	else
		assert_int_equal(fclose(f), 0);
}

static void
read_through(const char *path)
{
	char *paths[1] = { (char *)path }, err[256];
	struct capture *c;
	struct capture_pkt pk;
	uint64_t done, total, n = 0;
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(capture_open(&c, paths, 1, NULL, err, sizeof err), 0);
	capture_progress(c, &done, &total);
	assert_int_equal(total, (uint64_t)sb.st_size);
	assert_true(done <= total);
	while (capture_next(c, &pk) == 1)
		n++;
	assert_int_equal(n, 50000);
	capture_progress(c, &done, &total);
	assert_int_equal(done, (uint64_t)sb.st_size);
	assert_int_equal(total, (uint64_t)sb.st_size);
	capture_close(c);
}

static void
test_capture_position(void **state)
{
	char dir[] = "/tmp/test_progress.XXXXXX", plain[64], gz[64];
	struct stat a, b;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(plain, sizeof plain, "%s/a.pcap", dir);
	snprintf(gz, sizeof gz, "%s/a.pcap.gz", dir);
	write_pcap(plain, false, 50000);
	write_pcap(gz, true, 50000);
	assert_int_equal(stat(plain, &a), 0);
	assert_int_equal(stat(gz, &b), 0);
	assert_true(b.st_size < a.st_size / 2);	/* compressed positions */
	read_through(plain);
	read_through(gz);
	unlink(plain);
	unlink(gz);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_size),
		cmocka_unit_test(test_unknown_size),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_capture_position),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
