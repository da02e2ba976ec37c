/* SPDX-License-Identifier: ISC */
/* test_buf.c: the growth helper doubles from its first capacity and
 * refuses a size that overflows, leaving the array as it was; a buffer
 * borrowed first moves to the heap with what it held and leaves the
 * lender's memory alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftpaudit/buf.h"
#include "grow.h"

/* The sizes refused here are asked for on purpose: under AddressSanitizer
 * (--enable-sanitizers) they must come back NULL, not stop the test. */
const char	*__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/* Doubling from first, the elements kept. */
static void
test_grow_doubles(void **state)
{
	uint32_t *v = NULL;
	size_t n, cap = 0;

	(void)state;
	for (n = 0; n < 100; n++) {
		assert_int_equal(fa_grow(&v, n, &cap, sizeof *v, 3), 0);
		assert_true(n < cap);
		v[n] = (uint32_t)n * 7;
	}
	assert_int_equal(cap, 192);	/* 3, 6, ... 192 */
	for (n = 0; n < 100; n++)
		assert_int_equal(v[n], n * 7);
	/* Room left: nothing moves. */
	assert_int_equal(fa_grow(&v, 100, &cap, sizeof *v, 3), 0);
	assert_int_equal(cap, 192);
	free(v);
}

/* cap * size past SIZE_MAX, and a doubling that wraps: -1, the array
 * and its capacity untouched. */
static void
test_grow_overflow(void **state)
{
	/* volatile: a constant that overflows is gcc's warning, not a test */
	volatile size_t huge = SIZE_MAX / 8;
	uint8_t *v = NULL, *was;
	size_t cap = 0;

	(void)state;
	assert_int_equal(fa_grow(&v, 0, &cap, 1, 8), 0);
	was = v;
	v[0] = 42;
	assert_int_equal(fa_grow(&v, 8, &cap, huge, 8), -1);
	assert_ptr_equal(v, was);
	assert_int_equal(cap, 8);
	assert_int_equal(v[0], 42);
	cap = SIZE_MAX / 2 + 1;		/* doubled, it wraps to 0 */
	assert_int_equal(fa_grow(&v, cap, &cap, 1, 8), -1);
	assert_ptr_equal(v, was);
	assert_int_equal(cap, SIZE_MAX / 2 + 1);
	/* A first capacity of 0 is no room. */
	cap = 0;
	assert_int_equal(fa_grow(&v, 0, &cap, 1, 0), -1);
	free(was);
}

/* Borrowed, then owned: the first move copies what is kept and leaves
 * the lender's bytes; later moves realloc; free frees only what is owned. */
static void
test_buf_borrow(void **state)
{
	struct fa_buf b;
	uint8_t lent[8] = "abcdefg";
	char *p;

	(void)state;
	fa_buf_borrow(&b, lent, sizeof lent);
	assert_ptr_equal(b.p, lent);
	assert_false(b.owned);
	assert_int_equal(fa_buf_resize(&b, 16, 3), 0);
	assert_true(b.owned);
	assert_ptr_not_equal(b.p, lent);
	assert_int_equal(b.size, 16);
	assert_memory_equal(b.p, "abc", 3);
	assert_string_equal((char *)lent, "abcdefg");
	memcpy((char *)b.p + 3, "XYZ", 4);
	assert_int_equal(fa_buf_resize(&b, 1 << 20, 7), 0);
	p = b.p;
	assert_string_equal(p, "abcXYZ");
	assert_int_equal(b.size, 1 << 20);
	/* Too large: as it was. */
	assert_int_equal(fa_buf_resize(&b, SIZE_MAX, 7), -1);
	assert_ptr_equal(b.p, p);
	assert_int_equal(b.size, 1 << 20);
	fa_buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.size, 0);
	/* Never moved: free leaves the lender's memory. */
	fa_buf_borrow(&b, lent, sizeof lent);
	fa_buf_free(&b);
	assert_null(b.p);
	assert_string_equal((char *)lent, "abcdefg");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_doubles),
		cmocka_unit_test(test_grow_overflow),
		cmocka_unit_test(test_buf_borrow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
