/* SPDX-License-Identifier: ISC */
/* test_tui_text.c: the live view's text never carries a control byte,
 * whatever the peers sent: escape sequences, C1 controls, CR/LF and
 * UTF-8 come out as \xHH, and the text around them is kept. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ftpaudit/session.h"
#include "tui_int.h"

#define EVIL	"\x1b]0;pwned\x07\x1b[2J\x9b" "31m\r\n\xc3\xa9\x7f"

static struct fa_bytes
evil(void)
{
	return (struct fa_bytes){ (uint8_t *)EVIL, sizeof EVIL - 1 };
}

/* Printable ASCII only: what a terminal cannot act on. */
static void
assert_inert(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f)
			fail_msg("byte 0x%02x in \"%s\"", *p, s);
}

static void
session_init(struct fa_session *s, struct fa_command *c, struct fa_reply *r,
    struct fa_transfer *t, struct fa_anomaly *a)
{
	memset(s, 0, sizeof *s);
	s->id = 7;
	s->client.ip.family = s->server.ip.family = FA_AF_INET;
	s->client.ip.a[0] = 10; s->client.ip.a[3] = 2; s->client.port = 40000;
	s->server.ip.a[0] = 10; s->server.ip.a[3] = 1; s->server.port = 21;
	s->user = s->banner = evil();
	s->has_user = s->has_banner = true;
	s->cwd = (char *)EVIL;
	memset(c, 0, sizeof *c);
	snprintf(c->verb, sizeof c->verb, "RETR");
	c->arg = evil();
	c->has_arg = true;
	c->replies = r;
	c->nreplies = 1;
	memset(r, 0, sizeof *r);
	r->code = 150;
	r->text = evil();
	s->cmds = c;
	s->ncmds = 1;
	memset(t, 0, sizeof *t);
	t->id = 1;
	t->path = (char *)EVIL;
	t->dir = FA_DIR_DOWNLOAD;
	t->expected = s->server;
	t->expected.port = 40001;
	s->xfers = t;
	s->nxfers = 1;
	memset(a, 0, sizeof *a);
	a->type = "ftp_bounce";
	a->detail = (char *)EVIL;
	s->anoms = a;
	s->nanoms = 1;
}

static void
test_row(void **state)
{
	struct fa_session s;
	struct fa_command c;
	struct fa_reply r;
	struct fa_transfer t;
	struct fa_anomaly a;
	char buf[256];

	(void)state;
	session_init(&s, &c, &r, &t, &a);
	tui_table_row(buf, sizeof buf, &s, 1234);
	assert_inert(buf);
	assert_non_null(strstr(buf, "\\x1b]0;pwned"));
	/* The command in progress, with its argument escaped. */
	assert_non_null(strstr(buf, "RETR \\x1b]0;"));
	assert_non_null(strstr(buf, "open"));
}

static void
test_detail(void **state)
{
	struct tui_lines l = { 0 };
	struct fa_session s;
	struct fa_command c;
	struct fa_reply r;
	struct fa_transfer t;
	struct fa_anomaly a;
	bool user = false, reply = false, cr = false;
	size_t i;

	(void)state;
	session_init(&s, &c, &r, &t, &a);
	tui_session_lines(&l, &s);
	assert_true(l.n > 10);
	for (i = 0; i < l.n; i++) {
		assert_inert(l.v[i]);
		user |= strstr(l.v[i], "User \\x1b]0;pwned\\x07\\x1b[2J\\x9b31m") != NULL;
		reply |= strstr(l.v[i], "< 150 \\x1b]0;") != NULL;
		cr |= strstr(l.v[i], "\\x0d\\x0a\\xc3\\xa9\\x7f") != NULL;
	}
	assert_true(user);
	assert_true(reply);
	assert_true(cr);
	tui_lines_clear(&l);
}

/* A transfer that ended with no data connection seen says so, not "0". */
static void
test_not_captured(void **state)
{
	struct tui_lines l = { 0 };
	struct fa_session s;
	struct fa_command c;
	struct fa_reply r;
	struct fa_transfer t;
	struct fa_anomaly a;
	bool said = false;
	size_t i;

	(void)state;
	session_init(&s, &c, &r, &t, &a);
	t.reported = true;
	t.status = FA_XS_COMPLETE;
	tui_session_lines(&l, &s);
	for (i = 0; i < l.n; i++)
		said |= strstr(l.v[i], "  not captured  complete") != NULL;
	assert_true(said);
	tui_lines_clear(&l);
}

static void
test_bytes(void **state)
{
	char b[16];

	(void)state;
	assert_string_equal(tui_fmt_bytes(0, b), "0");
	assert_string_equal(tui_fmt_bytes(999, b), "999");
	assert_string_equal(tui_fmt_bytes(100000, b), "98K");
	assert_string_equal(tui_fmt_bytes(1536, b), "1.5K");
	assert_string_equal(tui_fmt_bytes(UINT64_MAX, b), "16384P");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row),
		cmocka_unit_test(test_detail),
		cmocka_unit_test(test_not_captured),
		cmocka_unit_test(test_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
