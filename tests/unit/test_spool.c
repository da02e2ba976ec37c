/* SPDX-License-Identifier: ISC */
/* test_spool.c: records come back in the order they were appended,
 * across the spool's buffer, into a stream, a file or a pipe, between
 * what the stream had before and after; a failed write is kept and the
 * copy says so; an unusable TMPDIR is an error that names it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ftpaudit/spool.h"

/* spool_copy into a string (owned by the caller). */
static char *
copy(struct spool *sp, int *rc)
{
	char *p = NULL;
	size_t len = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&p, &len));
	*rc = spool_copy(sp, f);
	assert_int_equal(fclose(f), 0);
	return p;
}

static void
put(struct spool *sp, const char *text)
{
	FILE *f;

	assert_non_null(f = spool_file(sp));
	fputs(text, f);
	spool_end(sp);
}

static void
test_order(void **state)
{
	struct spool *sp;
	char *cause, *s, big[300000];
	int rc;

	(void)state;
	assert_non_null(sp = spool_new(&cause));
	s = copy(sp, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "");
	free(s);
	put(sp, "three ");
	put(sp, "");
	/* Longer than the spool's buffer and its copy's. */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	put(sp, big);
	put(sp, " one");
	s = copy(sp, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(strlen(s), 6 + sizeof big - 1 + 4);
	assert_memory_equal(s, "three x", 7);
	assert_string_equal(s + 6 + sizeof big - 1, " one");
	free(s);
	assert_null(spool_error(sp));
	spool_free(sp);
}

/* Into a file and a pipe the kernel copies it (sendfile): after what the
 * stream holds in its buffer, before what comes after; spool_copy_n
 * stops where it is told. */
static void
test_copy_to_fd(void **state)
{
	static char big[300000], back[sizeof big + 64];
	struct spool *sp;
	char *cause;
	FILE *f, *r;
	int fd[2];
	size_t n;

	(void)state;
	assert_non_null(sp = spool_new(&cause));
	memset(big, 'x', sizeof big - 1);
	put(sp, "one ");
	put(sp, big);
	assert_non_null(f = tmpfile());
	fputs("head ", f);		/* still in f's buffer */
	assert_int_equal(spool_copy(sp, f), 0);
	fputs(" tail", f);
	assert_int_equal(fflush(f), 0);
	rewind(f);
	n = fread(back, 1, sizeof back, f);
	assert_int_equal(n, 5 + 4 + sizeof big - 1 + 5);
	assert_memory_equal(back, "head one xx", 11);
	assert_memory_equal(back + n - 6, "x tail", 6);
	assert_int_equal(fclose(f), 0);

	assert_int_equal(pipe(fd), 0);
	assert_non_null(f = fdopen(fd[1], "w"));
	assert_non_null(r = fdopen(fd[0], "r"));
	assert_int_equal(spool_copy_n(sp, f, 6), 0);	/* fits the pipe */
	assert_int_equal(fclose(f), 0);
	n = fread(back, 1, sizeof back, r);
	assert_int_equal(n, 6);
	assert_memory_equal(back, "one xx", 6);
	assert_int_equal(fclose(r), 0);
	assert_null(spool_error(sp));
	spool_free(sp);
}

/* Out's write fails (a full disk; unbuffered, so at once): -1, and the
 * spool is not to blame.  The kernel takes no /dev/full for sendfile,
 * and the copy falls back to writing. */
static void
test_copy_out_full(void **state)
{
	struct spool *sp;
	char *cause;
	FILE *f;

	(void)state;
	assert_non_null(sp = spool_new(&cause));
	put(sp, "lost");
	assert_non_null(f = fopen("/dev/full", "w"));
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(spool_copy(sp, f), -1);
	assert_null(spool_error(sp));
	(void)fclose(f);
	spool_free(sp);
}

/* A write that fails is kept: no stream after it, and the copy says so. */
static void
test_write_error(void **state)
{
	struct spool *sp;
	char *cause, *s;
	int rc;

	(void)state;
	assert_non_null(sp = spool_new(&cause));
	put(sp, "kept");
	/* A stream whose writes fail, as a full disk's do. */
	assert_non_null(freopen("/dev/full", "w", spool_file(sp)));
	setvbuf(spool_file(sp), NULL, _IONBF, 0);
	fputs("lost", spool_file(sp));
	spool_end(sp);
	assert_null(spool_file(sp));
	assert_non_null(spool_error(sp));
	assert_non_null(strstr(spool_error(sp), "temporary file: write: "));
	s = copy(sp, &rc);
	assert_int_equal(rc, -1);
	free(s);
	spool_free(sp);
}

static void
test_no_tmpdir(void **state)
{
	char *cause = NULL;

	(void)state;
	assert_int_equal(setenv("TMPDIR", "/nonexistent/ftpaudit-test", 1), 0);
	assert_null(spool_new(&cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "/nonexistent/ftpaudit-test (TMPDIR)"));
	free(cause);
	unsetenv("TMPDIR");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_copy_to_fd),
		cmocka_unit_test(test_copy_out_full),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_no_tmpdir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
