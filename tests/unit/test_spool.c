/* SPDX-License-Identifier: ISC */
/* test_spool.c: records come back in the order they were appended,
 * across the spool's buffer; a failed write is kept and the copy says
 * so; an unusable TMPDIR is an error that names it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_no_tmpdir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
