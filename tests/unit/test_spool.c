/* test_spool.c: records written out of order come back in id order,
 * each of their two parts on its own, with separators between records and
 * none for ids never written; an unusable TMPDIR is an error that names
 * it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftpaudit/spool.h"

/* spool_copy of part into a string (owned by the caller). */
static char *
copy(struct spool *sp, int part, const char *sep, int64_t *n)
{
	char *p = NULL;
	size_t len = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&p, &len));
	*n = spool_copy(sp, part, sep, f);
	assert_int_equal(fclose(f), 0);
	return p;
}

static void
put(struct spool *sp, uint64_t id, const char *a, const char *b)
{
	FILE *f;

	assert_non_null(f = spool_begin(sp, id));
	fputs(a, f);
	spool_end_part(sp);
	fputs(b, f);
	spool_end_part(sp);
}

static void
test_order(void **state)
{
	struct spool *sp;
	char *cause, *s, big[5000];
	int64_t n;

	(void)state;
	assert_non_null(sp = spool_new(&cause));
	put(sp, 3, "three", "c");
	put(sp, 1, "one", "");
	/* Past the index's first 1,024 slots, and longer than stdio's
	 * buffer of a memstream. */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	put(sp, 5000, big, "z");
	put(sp, 2, "", "b");
	s = copy(sp, 0, ",", &n);
	assert_int_equal(n, 4);
	assert_int_equal(strncmp(s, "one,,three,", 11), 0);
	assert_string_equal(s + 11, big);
	free(s);
	s = copy(sp, 1, NULL, &n);
	assert_int_equal(n, 4);
	assert_string_equal(s, "bcz");
	free(s);
	assert_null(spool_error(sp));
	/* Id 0 is not a record, and after an error nothing is. */
	assert_null(spool_begin(sp, 0));
	assert_non_null(spool_error(sp));
	assert_null(spool_begin(sp, 4));
	s = copy(sp, 0, NULL, &n);
	assert_int_equal(n, -1);
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
		cmocka_unit_test(test_no_tmpdir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
