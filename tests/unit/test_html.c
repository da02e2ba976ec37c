/* SPDX-License-Identifier: ISC */
/* test_html.c: the -F html escaper against a plain reference, for every
 * byte: nothing it writes can open a tag, end an attribute or leave
 * ASCII; html_pre keeps lines and nothing else; html_esc_cut stops where
 * told; and spool_copy_n copies a prefix of a spool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftpaudit/spool.h"
#include "html.h"

/* What fn writes for p, as a string owned by the caller. */
static char *
render(void (*fn)(FILE *, const uint8_t *, size_t), const uint8_t *p,
    size_t len)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&out, &n));
	fn(f, p, len);
	assert_int_equal(fclose(f), 0);
	return out;
}

/* The reference: one byte at a time, the obvious way. */
static void
reference(char *out, uint8_t c, int lines)
{
	switch (c) {
	case '&': strcpy(out, "&amp;"); return;
	case '<': strcpy(out, "&lt;"); return;
	case '>': strcpy(out, "&gt;"); return;
	case '"': strcpy(out, "&quot;"); return;
	case '\'': strcpy(out, "&#39;"); return;
	}
	if ((c >= 0x20 && c < 0x7f && c != '\\') ||
	    (lines && (c == '\n' || c == '\t')))
		snprintf(out, 8, "%c", c);
	else
		snprintf(out, 8, "\\x%02x", c);
}

static void
test_every_byte(void **state)
{
	uint8_t all[512];
	char want[512 * 8], one[8], *got;
	size_t i;

	(void)state;
	/* Each byte twice, so that runs of plain bytes are written too. */
	for (i = 0; i < 512; i++)
		all[i] = (uint8_t)(i / 2);
	want[0] = '\0';
	for (i = 0; i < 512; i++) {
		reference(one, all[i], 0);
		strcat(want, one);
	}
	got = render(html_esc, all, sizeof all);
	assert_string_equal(got, want);
	for (i = 0; got[i] != '\0'; i++) {
		assert_true(got[i] >= 0x20 && got[i] < 0x7f);
		assert_null(strchr("<>\"'", got[i]));
	}
	free(got);
}

static void
test_pre_keeps_lines(void **state)
{
	const char *in = "add rule\tinet <x>\n\r\"end\"";
	char *got;

	(void)state;
	got = render(html_pre, (const uint8_t *)in, strlen(in));
	assert_string_equal(got, "<pre>add rule\tinet &lt;x&gt;\n\\x0d"
	    "&quot;end&quot;</pre>\n");
	free(got);
}

static void
esc_cut5(FILE *f, const uint8_t *p, size_t len)
{
	html_esc_cut(f, p, len, 5);
}

static void
test_cut(void **state)
{
	char *got;

	(void)state;
	got = render(esc_cut5, (const uint8_t *)"<script>", 8);
	assert_string_equal(got, "&lt;scri...");
	free(got);
	got = render(esc_cut5, (const uint8_t *)"a<b", 3);
	assert_string_equal(got, "a&lt;b");
	free(got);
}

static void
test_spool_prefix(void **state)
{
	struct spool *sp;
	char *cause, *out = NULL;
	size_t n = 0;
	uint64_t mid;
	FILE *f, *m;

	(void)state;
	assert_non_null(sp = spool_new(&cause));
	assert_non_null(f = spool_file(sp));
	fputs("first\n", f);
	mid = (uint64_t)ftello(f);
	fputs("second\n", f);
	spool_end(sp);
	assert_non_null(m = open_memstream(&out, &n));
	assert_int_equal(spool_copy_n(sp, m, mid), 0);
	assert_int_equal(fclose(m), 0);
	assert_string_equal(out, "first\n");
	free(out);
	spool_free(sp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_pre_keeps_lines),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_spool_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
