/* SPDX-License-Identifier: ISC */
/*
 * sinkq.c: run an engine's sinks where there is time for them.
 *
 * Writing a session's report and its firewall rules costs about a third
 * as much as decoding all of its packets.  So the engine hands each ended
 * session to this queue and goes on with the next packet, and the session
 * is written by whichever of the two threads has time (sinkq_help): the
 * reader (reader.c) once it is half a ring of packets ahead, the engine
 * when it has no packet, or the engine when the queue is full.  Two
 * threads keep two cores busy.  A third thread for the writing made three
 * share them, and the engine, whose work cannot be split, lost a third of
 * its core whenever all three ran: 10% slower on the bench.  Whoever
 * holds wlock takes the next items and delivers them, so the sinks see
 * the sessions in the order they ended, one at a time.
 *
 * No lock guards a session: the engine never writes to one once it has
 * ended (ctl_end and the data path check s->ended), references are atomic,
 * and the queue holds one until every sink is done with it.  The engine's
 * thread drops those references, so a session is freed where it was
 * allocated: frees from another thread contended for malloc's arena lock.
 *
 * The queue is bounded (at most 256 ended sessions queued and about as
 * many written, waiting to be freed), so memory stays capped as it does
 * without the queue.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/sinkq.h"

#define SINKQ_CAP	256	/* ended sessions waiting to be written */
#define SINKQ_SINKS	4
/* Items taken under one lock, and written by one thread in a row: 32
 * rather than 8 took 0.01-0.02 s off -F json and NDJSON (the writer's
 * state changes cores less often). */
#define TAKE_MAX	32
#define DONE_CAP	(2 * SINKQ_CAP)

struct item {
	struct fa_session	*s;	/* a reference, or NULL for u */
	struct fa_unattributed	 u;
};

struct sinkq {
	struct fa_sink	 down[SINKQ_SINKS];
	int		 ndown;
	pthread_t	 engine;	/* the thread that made the queue */
	pthread_mutex_t	 wlock;		/* held to take an item and deliver it */
	pthread_mutex_t	 lock;		/* the ring and done */
	struct item	 q[SINKQ_CAP];
	unsigned	 head, count;
	/* Delivered on another thread, for the engine's to unref.  Each
	 * put empties it first, so it holds about what the ring held then. */
	struct fa_session *done[DONE_CAP];
	unsigned	 ndone;
};

static void
deliver(struct sinkq *q, struct item *it)
{
	int i;

	for (i = 0; i < q->ndown; i++) {
		if (it->s != NULL && q->down[i].session_end != NULL)
			q->down[i].session_end(q->down[i].arg, it->s);
		else if (it->s == NULL && q->down[i].unattributed != NULL)
			q->down[i].unattributed(q->down[i].arg, &it->u);
	}
}

/*
 * With wlock held: deliver the oldest items, up to TAKE_MAX of them.
 * How many there were.  One lock for a batch, not two for each
 * item: the engine puts an item as often as the reader takes one, and
 * the lock they passed to and fro put one of them to sleep in the
 * kernel thousands of times a run.
 */
static size_t
take(struct sinkq *q)
{
	struct item it[TAKE_MAX];
	struct fa_session *s[TAKE_MAX + 2];	/* it's, then two still queued */
	unsigned i, n, k;

	pthread_mutex_lock(&q->lock);
	for (n = 0; n < TAKE_MAX && q->count > 0; n++) {
		it[n] = q->q[q->head];
		s[n] = it[n].s;
		q->head = (q->head + 1) % SINKQ_CAP;
		q->count--;
	}
	for (k = n; k < n + 2; k++)
		s[k] = k - n < q->count ? q->q[(q->head + k - n) % SINKQ_CAP].s :
		    NULL;
	pthread_mutex_unlock(&q->lock);
	for (i = 0; i < n; i++) {
		/* The engine's core wrote the next sessions: have them come
		 * while this one is written, the one after's struct first,
		 * so that the pool's list is there to read next time.  Those
		 * still queued stay so, and alive, while wlock is held. */
		if (s[i + 2] != NULL)
			fa_session_prefetch_head(s[i + 2]);
		if (s[i + 1] != NULL)
			fa_session_prefetch(s[i + 1]);
		deliver(q, &it[i]);
	}
	if (!pthread_equal(pthread_self(), q->engine)) {
		pthread_mutex_lock(&q->lock);
		for (i = 0; i < n && q->ndone < DONE_CAP; i++)
			if (it[i].s != NULL) {
				q->done[q->ndone++] = it[i].s;
				it[i].s = NULL;
			}
		pthread_mutex_unlock(&q->lock);
	}
	for (i = 0; i < n; i++)	/* the engine's, or done is full */
		fa_session_unref(it[i].s);
	return n;
}

size_t
sinkq_help(struct sinkq *q)
{
	size_t did;

	if (pthread_mutex_trylock(&q->wlock) != 0)
		return 0;
	did = take(q);
	pthread_mutex_unlock(&q->wlock);
	return did;
}

/* The engine's: drop what was delivered elsewhere, n of them. */
static void
unref_all(struct fa_session **done, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		fa_session_unref(done[i]);
}

/* Queue it, with room; false when full.  Takes back what the other
 * thread delivered, in the same turn of the lock. */
static bool
enqueue(struct sinkq *q, const struct item *it)
{
	struct fa_session *done[DONE_CAP];
	unsigned n;
	bool room;

	pthread_mutex_lock(&q->lock);
	n = q->ndone;
	memcpy(done, q->done, n * sizeof *done);
	q->ndone = 0;
	if ((room = q->count < SINKQ_CAP)) {
		q->q[(q->head + q->count) % SINKQ_CAP] = *it;
		q->count++;
	}
	pthread_mutex_unlock(&q->lock);
	unref_all(done, n);
	return room;
}

static void
put(struct sinkq *q, const struct item *it)
{
	if (enqueue(q, it))
		return;
	/* No one else had the time: write the oldest now.  Only this
	 * thread adds, so the room stays. */
	pthread_mutex_lock(&q->wlock);
	(void)take(q);
	pthread_mutex_unlock(&q->wlock);
	(void)enqueue(q, it);
}

static void
on_session_end(void *arg, struct fa_session *s)
{
	struct item it;

	memset(&it, 0, sizeof it);
	fa_session_ref(s);
	it.s = s;
	put(arg, &it);
}

static void
on_unattributed(void *arg, const struct fa_unattributed *u)
{
	struct item it;

	it.s = NULL;
	it.u = *u;
	put(arg, &it);
}

static bool
queueable(const struct fa_sink *s)
{
	return s->session_start == NULL && s->command == NULL &&
	    s->reply == NULL && s->transfer_start == NULL &&
	    s->transfer_end == NULL && s->anomaly == NULL;
}

struct sinkq *
sinkq_new(const struct fa_sink *down, int n)
{
	struct sinkq *q;
	int i;

	if (n > SINKQ_SINKS)
		return NULL;
	for (i = 0; i < n; i++)
		if (!queueable(&down[i]))
			return NULL;
	if ((q = calloc(1, sizeof *q)) == NULL)
		return NULL;
	memcpy(q->down, down, (size_t)n * sizeof *down);
	q->ndown = n;
	q->engine = pthread_self();
	pthread_mutex_init(&q->wlock, NULL);
	pthread_mutex_init(&q->lock, NULL);
	return q;
}

void
sinkq_sink(struct sinkq *q, struct fa_sink *s)
{
	memset(s, 0, sizeof *s);
	s->session_end = on_session_end;
	s->unattributed = on_unattributed;
	s->arg = q;
}

void
sinkq_free(struct sinkq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->wlock);
	while (take(q) > 0)
		;
	pthread_mutex_unlock(&q->wlock);
	unref_all(q->done, q->ndone);
	q->ndone = 0;
	pthread_mutex_destroy(&q->lock);
	pthread_mutex_destroy(&q->wlock);
	free(q);
}
