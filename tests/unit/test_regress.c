/* SPDX-License-Identifier: ISC */
/* test_regress.c: regression tests for the findings of the libFuzzer
 * harnesses in tests/fuzz (see tests/fuzz/README.md).  Each test names
 * the harness and the crash input it came from. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ftpaudit/reasm.h"

#define MAXEV	64

struct evlog {
	struct reasm_event ev[MAXEV];
	size_t		 n;
	uint64_t	 data_bytes;
};

static void
log_ev(void *arg, const struct reasm_event *e)
{
	struct evlog	*l = arg;

	/* No event is ever empty. */
	assert_true(e->len > 0);
	assert_true(l->n < MAXEV);
	l->ev[l->n] = *e;
	l->ev[l->n].data = NULL;	/* borrowed: not valid after the call */
	l->n++;
	if (e->type == REASM_DATA)
		l->data_bytes += e->len;
}

/*
 * fuzz_reasm, crash-b96a4963: an ACK that skips the hole before a held
 * segment starting exactly at the ACK left the segment held at next_seq.
 * It was delivered only with the next segment, and a cap hit then skipped
 * an empty "gap" in front of it (REASM_GAP with len 0).
 */
static void
test_reasm_ack_at_held_segment(void **state)
{
	struct reasm	 r;
	struct evlog	 l;
	uint8_t		 a[256], b[850];
	uint32_t	 isn = 0x0000ffff, start = isn + 1;

	(void)state;
	memset(&l, 0, sizeof l);
	memset(a, 'a', sizeof a);
	memset(b, 'b', sizeof b);
	reasm_init(&r, 1000, NULL);
	reasm_syn(&r, isn);
	assert_int_equal(reasm_segment(&r, start + 25600, a, sizeof a, false,
	    1, 0, true, log_ev, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(r.held, sizeof a);

	/* The peer acknowledged up to the held segment: the hole is lost,
	 * and the held segment flows at once. */
	reasm_ack(&r, start + 25600, log_ev, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.ev[0].type, REASM_GAP);
	assert_int_equal(l.ev[0].seq, start);
	assert_int_equal(l.ev[0].len, 25600);
	assert_int_equal(l.ev[1].type, REASM_DATA);
	assert_int_equal(l.ev[1].seq, start + 25600);
	assert_int_equal(l.ev[1].len, sizeof a);
	assert_int_equal(r.held, 0);
	assert_null(r.ooo);
	assert_int_equal(r.next_seq, start + 25600 + sizeof a);

	/* A far segment over the cap used to skip an empty gap here. */
	l.n = 0;
	assert_int_equal(reasm_segment(&r, start + 214712320u, b, sizeof b,
	    false, 2, 0, true, log_ev, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(r.gaps, 1);
	assert_int_equal(r.held, sizeof b);
	reasm_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reasm_ack_at_held_segment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
