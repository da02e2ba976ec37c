/* SPDX-License-Identifier: ISC */
/* test_hugemem.c: huge_alloc's alignment, zeroing and limits, below and
 * above the huge page's size. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hugemem.h"

#define MIB	((size_t)1 << 20)

/* Every byte of p[0..n) is zero. */
static bool
all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void
test_sizes(void **state)
{
	static const size_t sizes[] = { 1, 63, 64, 100, 2 * MIB - 1,
	    2 * MIB, 2 * MIB + 1, 5 * MIB };
	unsigned char *p;
	size_t i, align;

	(void)state;
	for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		align = sizes[i] < 2 * MIB ? 64 : 2 * MIB;
		/* Dirty memory of this size, which the next may reuse. */
		assert_non_null(p = huge_alloc(sizes[i], 0));
		assert_int_equal((uintptr_t)p % align, 0);
		memset(p, 0xa5, sizes[i]);	/* the whole size is the caller's */
		free(p);
		assert_non_null(p = huge_alloc(sizes[i], 1));
		assert_int_equal((uintptr_t)p % align, 0);
		assert_true(all_zero(p, sizes[i]));
		free(p);
	}
}

static void
test_too_large(void **state)
{
	(void)state;
	errno = 0;
	assert_null(huge_alloc(SIZE_MAX - 1, 0));
	assert_int_equal(errno, ENOMEM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_too_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
