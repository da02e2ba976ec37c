/* SPDX-License-Identifier: ISC */
/* test_sinkq.c: the sink queue delivers every item once, in the order the
 * engine put them, whichever thread delivers it, and drops each session's
 * reference. */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftpaudit/sinkq.h"
#include "session_int.h"

#define N	20000

/* What the sink saw: ids in order (an unattributed event is its own
 * start time, negated), and on which thread. */
struct seen {
	int64_t		 id[N];
	size_t		 n;
	pthread_t	 engine;
	size_t		 elsewhere;	/* delivered on another thread */
};

static void
saw(struct seen *v, int64_t id)
{
	assert_true(v->n < N);
	v->id[v->n++] = id;
	if (!pthread_equal(pthread_self(), v->engine))
		v->elsewhere++;
}

static void
on_end(void *arg, struct fa_session *s)
{
	saw(arg, (int64_t)s->id);
}

static void
on_unattributed(void *arg, const struct fa_unattributed *u)
{
	saw(arg, -(int64_t)u->start_us);
}

static struct sinkq *
make_queue(struct seen *v, struct fa_sink *in)
{
	struct fa_sink down;
	struct sinkq *q;

	memset(v, 0, sizeof *v);
	v->engine = pthread_self();
	memset(&down, 0, sizeof down);
	down.session_end = on_end;
	down.unattributed = on_unattributed;
	down.arg = v;
	q = sinkq_new(&down, 1);
	assert_non_null(q);
	sinkq_sink(q, in);
	return q;
}

/* As the engine does: the queue takes its own reference. */
static void
end_session(const struct fa_sink *in, uint64_t id)
{
	struct fa_session *s = session_new(id, 0);

	assert_non_null(s);
	in->session_end(in->arg, s);
	fa_session_unref(s);
}

static void
check_order(const struct seen *v, size_t n, size_t every)
{
	size_t i;

	assert_int_equal(v->n, n);
	for (i = 0; i < n; i++) {
		if (every != 0 && i % every == every - 1)
			assert_int_equal(v->id[i], -(int64_t)(i + 1));
		else
			assert_int_equal(v->id[i], (int64_t)i + 1);
	}
}

/* Alone, the engine delivers only when the queue is full, then the rest
 * as the queue is freed. */
static void
test_engine_alone(void **state)
{
	static struct seen v;
	struct fa_sink in;
	struct sinkq *q;
	uint64_t i;

	(void)state;
	q = make_queue(&v, &in);
	for (i = 1; i <= 1000; i++)
		end_session(&in, i);
	assert_true(v.n > 0 && v.n < 1000);	/* the queue filled, no more */
	sinkq_free(q);
	check_order(&v, 1000, 0);
	assert_int_equal(v.elsewhere, 0);
}

struct helper {
	struct sinkq	*q;
	int		 stop;		/* atomic */
	size_t		 did;		/* atomic */
};

static void *
help_loop(void *arg)
{
	struct helper *h = arg;
	size_t n;

	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		if ((n = sinkq_help(h->q)) > 0)
			__atomic_add_fetch(&h->did, n, __ATOMIC_RELEASE);
		else
			sched_yield();
	}
	return NULL;
}

/* A second thread helping as the reader does: sessions and unattributed
 * events still come out once each and in order, and the engine's own
 * helping (sinkq_help on its thread) mixes in. */
static void
test_two_threads(void **state)
{
	static struct seen v;
	struct fa_unattributed u;
	struct helper h;
	struct fa_sink in;
	pthread_t t;
	uint64_t i;

	(void)state;
	h.q = make_queue(&v, &in);
	h.stop = 0;
	h.did = 0;
	assert_int_equal(pthread_create(&t, NULL, help_loop, &h), 0);
	for (i = 1; i <= N; i++) {
		if (i % 7 == 0) {
			memset(&u, 0, sizeof u);
			u.start_us = i;
			in.unattributed(in.arg, &u);
		} else
			end_session(&in, i);
		if (i % 64 == 0)
			(void)sinkq_help(h.q);
		/* However the threads are scheduled, the helper takes some. */
		while (i == 100 && __atomic_load_n(&h.did, __ATOMIC_ACQUIRE) == 0)
			sched_yield();
	}
	__atomic_store_n(&h.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(t, NULL), 0);
	sinkq_free(h.q);
	check_order(&v, N, 7);
	assert_int_equal(v.elsewhere, h.did);
	assert_true(h.did > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_alone),
		cmocka_unit_test(test_two_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
