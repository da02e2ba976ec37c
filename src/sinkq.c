/*
 * sinkq.c: run an engine's sinks on a thread of their own.
 *
 * Writing a session's report and its firewall rules costs about as much as
 * decoding all of its packets, and the machine has a second core.  So the
 * engine hands each ended session to this queue and goes on with the next
 * packet while a writer thread runs the real sinks, in the order the
 * sessions ended.
 *
 * No lock guards a session: the engine never writes to one once it has
 * ended (ctl_end and the data path check s->ended), references are atomic,
 * and the queue holds one until every sink is done with it.  The engine's
 * thread drops those references, so a session is freed where it was
 * allocated: frees from the writer contended for malloc's arena lock.
 *
 * The queue is bounded: a writer that falls behind makes the engine wait,
 * so memory stays capped as it does without the thread (at most 1,024
 * ended sessions queued, being written or waiting to be freed).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/sinkq.h"

#define SINKQ_CAP	256	/* sessions waiting for the writer */
#define SINKQ_WAKE	64	/* wake it for this many: a wakeup per session
				   cost a fifth of the time in futex calls */
#define SINKQ_SINKS	4

struct item {
	struct fa_session	*s;	/* a reference, or NULL for u */
	struct fa_unattributed	 u;
};

struct sinkq {
	struct fa_sink	 down[SINKQ_SINKS];
	int		 ndown;
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 more;	/* items to take, or stop */
	pthread_cond_t	 room;	/* room to put */
	struct item	 q[SINKQ_CAP];
	struct item	 batch[SINKQ_CAP];	/* the writer's, unlocked */
	struct fa_session *done[2 * SINKQ_CAP];	/* delivered, to unref */
	unsigned	 ndone;
	unsigned	 head, count;
	bool		 stop;
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

/* The writer: take everything queued at once, deliver it unlocked. */
static void *
writer(void *arg)
{
	struct sinkq *q = arg;
	unsigned i, n;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->count == 0 && !q->stop)
			pthread_cond_wait(&q->more, &q->lock);
		if (q->count == 0)
			break;
		for (n = 0; n < q->count; n++)
			q->batch[n] = q->q[(q->head + n) % SINKQ_CAP];
		q->head = (q->head + n) % SINKQ_CAP;
		q->count = 0;
		pthread_cond_signal(&q->room);
		pthread_mutex_unlock(&q->lock);
		for (i = 0; i < n; i++)
			deliver(q, &q->batch[i]);
		pthread_mutex_lock(&q->lock);
		/* Each put empties done, and at most a queue and a batch
		 * were delivered since: it cannot overflow. */
		for (i = 0; i < n; i++)
			if (q->batch[i].s != NULL)
				q->done[q->ndone++] = q->batch[i].s;
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

static void
put(struct sinkq *q, const struct item *it)
{
	struct fa_session *done[2 * SINKQ_CAP];
	unsigned i, n;

	pthread_mutex_lock(&q->lock);
	while (q->count == SINKQ_CAP)
		pthread_cond_wait(&q->room, &q->lock);
	q->q[(q->head + q->count) % SINKQ_CAP] = *it;
	if (++q->count == SINKQ_WAKE)
		pthread_cond_signal(&q->more);
	n = q->ndone;
	memcpy(done, q->done, n * sizeof *done);
	q->ndone = 0;
	pthread_mutex_unlock(&q->lock);
	for (i = 0; i < n; i++)
		fa_session_unref(done[i]);
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
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->more, NULL);
	pthread_cond_init(&q->room, NULL);
	if (pthread_create(&q->thread, NULL, writer, q) != 0) {
		pthread_cond_destroy(&q->room);
		pthread_cond_destroy(&q->more);
		pthread_mutex_destroy(&q->lock);
		free(q);
		return NULL;
	}
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
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	while (q->ndone > 0)
		fa_session_unref(q->done[--q->ndone]);
	pthread_cond_destroy(&q->room);
	pthread_cond_destroy(&q->more);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
