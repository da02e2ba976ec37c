/* SPDX-License-Identifier: ISC */
/*
 * reader.c: read and decode a capture ahead, on a thread of its own.
 *
 * On the benchmark's main capture libpcap's reading and the decoding of
 * link, IP and TCP headers were a third of the engine thread's time, and
 * the engine thread sets the wall time.  They depend on nothing the engine
 * knows, so this thread does them and hands the engine decoded packets in
 * blocks.  The engine still sees every packet in capture order.
 *
 * libpcap reuses its buffer for each packet, so what the engine reads must
 * be copied.  The copy keeps the headers and, of the payload, only what a
 * control stream can need (reader.h); a data connection's bytes stay
 * behind.  The connections kept whole because they began with a greeting
 * are remembered by their endpoints' hash in a table of bounded size;
 * should it fill up, every payload is kept from then on, which costs time,
 * never correctness.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ftpaudit/addr.h"
#include "ftpaudit/capture.h"
#include "ftpaudit/cpu.h"
#include "ftpaudit/engine.h"
#include "ftpaudit/ftp_parse.h"
#include "ftpaudit/reader.h"
#include "hugemem.h"
#include "prefetch.h"

#define BLOCK_SIZE	(256 * 1024)	/* about 2,000 data packets */
#define NBLOCKS		8
#define READ_BATCH	1024		/* packets per capture_dispatch */
#define KEEP_FIRST	4		/* what probe() reads of any payload */
#define KEEP_MIN	1024		/* greeting table slots, at first */
#define KEEP_MAX	(64 * 1024)	/* ... and at most */
#define AHEAD		8		/* frames a prefetch runs ahead */
#define BLOCK_AHEAD	4096		/* bytes of a block read ahead */

struct rec {
	struct reader_pkt p;	/* p.pk.payload points just after it */
	uint32_t	 size;	/* of the record, payload and padding */
};

struct block {
	char		*mem;	/* the ring's, or owned when own */
	bool		 own;	/* grown for a frame larger than a block */
	size_t		 len, cap;
	uint64_t	 done, total;	/* progress after its last frame */
};

/*
 * A connection kept whole.  It is found by the endpoints' hash decoding
 * made (fa_pkt.hash, made odd: 0 is empty); the 64-bit sum of the two
 * endpoint hashes, worked out only when that matches, tells apart two
 * connections of one hash, lest one's RST forget the other.
 */
struct keep {
	uint32_t	 hash;
	uint8_t		 fin;		/* which sides sent a FIN */
	uint64_t	 sum;
};

struct reader {
	struct capture	*cap;		/* borrowed */
	struct fa_portset ports;	/* control and implicit-TLS ports */
	bool		 verify;

	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 more;		/* a block was published, or the end */
	pthread_cond_t	 room;		/* a block was given back, or stop */
	/* The blocks' memory, owned: one huge page (hugemem.c) rather than
	 * 512 small ones, as both threads walk all of it, over and over. */
	char		*ring;
	struct block	 b[NBLOCKS];
	unsigned	 head;
	unsigned	 count;		/* published, not yet consumed: changed
					   with lock held, read without it
					   (ring_count) */
	bool		 eof, failed;
	/* Atomic, as the thread reads them unlocked: stop reading (the
	 * blocks filled are still handed over), and abandon them too. */
	bool		 stop, abandon;
	const volatile sig_atomic_t *interrupted;	/* NULL, or a handler's */
	bool		(*idle)(void *);	/* reader_new's, or NULL */
	void		*idle_arg;

	/* The thread's own. */
	unsigned	 fill;		/* the block being filled */
	bool		 greetings;	/* --detect-other-ports */
	struct keep	*keep;		/* owned; open addressing */
	uint32_t	 nkeep, keep_cap;
	bool		 keep_all;

	double		 cpu_s;		/* the thread's, as it ends */

	/* The consumer's own. */
	uint64_t	 done, total;
};

static uint64_t
endpoints_sum(const struct fa_pkt *pk)
{
	return (fa_hash_ep(pk->src.ip.a, pk->src.port) +
	    fa_hash_ep(pk->dst.ip.a, pk->dst.port)) | 1;
}

/* Linear probing: pk's slot, or the empty one ending the run where it
 * would go.  *sum is worked out on the first matching hash. */
static uint32_t
keep_find(const struct reader *r, const struct fa_pkt *pk, uint32_t h,
    uint64_t *sum)
{
	uint32_t mask = r->keep_cap - 1, i;

	for (i = h & mask; r->keep[i].hash != 0; i = (i + 1) & mask) {
		if (r->keep[i].hash != h)
			continue;
		if (*sum == 0)
			*sum = endpoints_sum(pk);
		if (r->keep[i].sum == *sum)
			break;
	}
	return i;
}

/* The empty slot ending the run of hash h. */
static uint32_t
keep_empty(const struct reader *r, uint32_t h)
{
	uint32_t mask = r->keep_cap - 1, i;

	for (i = h & mask; r->keep[i].hash != 0; i = (i + 1) & mask)
		;
	return i;
}

static void
keep_grow(struct reader *r)
{
	struct keep *old = r->keep, *nk;
	uint32_t i, ocap = r->keep_cap;

	if (ocap >= KEEP_MAX ||
	    (nk = calloc(ocap ? 2 * ocap : KEEP_MIN, sizeof *nk)) == NULL) {
		r->keep_all = true;
		return;
	}
	r->keep = nk;
	r->keep_cap = ocap ? 2 * ocap : KEEP_MIN;
	for (i = 0; i < ocap; i++)
		if (old[i].hash != 0)
			r->keep[keep_empty(r, old[i].hash)] = old[i];
	free(old);
}

/* Remove slot i, moving back the entries of its run that hashed before
 * it (no tombstones: lookups stay short however many come and go). */
static void
keep_del(struct reader *r, uint32_t i)
{
	uint32_t mask = r->keep_cap - 1, j = i, home;

	r->nkeep--;
	for (;;) {
		r->keep[i].hash = 0;
		do {
			j = (j + 1) & mask;
			if (r->keep[j].hash == 0)
				return;
			home = r->keep[j].hash & mask;
		} while (i <= j ? (i < home && home <= j) :
		    (i < home || home <= j));
		r->keep[i] = r->keep[j];
		i = j;
	}
}

static bool
stopped(const struct reader *r)
{
	return __atomic_load_n(&r->stop, __ATOMIC_RELAXED);
}

static unsigned
ring_count(const struct reader *r)
{
	return __atomic_load_n(&r->count, __ATOMIC_RELAXED);
}

static bool
abandoned(const struct reader *r)
{
	return __atomic_load_n(&r->abandon, __ATOMIC_RELAXED);
}

static bool
interrupted(const struct reader *r)
{
	return r->interrupted != NULL &&
	    __atomic_load_n(r->interrupted, __ATOMIC_RELAXED) != 0;
}

/* Wait on cv for at most ms milliseconds. */
static void
wait_ms(pthread_cond_t *cv, pthread_mutex_t *lock, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	(void)pthread_cond_timedwait(cv, lock, &ts);
}

/* Which side of its connection pk comes from, as a FIN bit: any order of
 * the two endpoints will do, as long as it is the same both ways. */
static uint8_t
fin_side(const struct fa_pkt *pk)
{
	if (pk->src.port != pk->dst.port)
		return pk->src.port < pk->dst.port ? 1 : 2;
	return memcmp(pk->src.ip.a, pk->dst.ip.a, sizeof pk->src.ip.a) < 0 ?
	    1 : 2;
}

/* Whether a control stream may need this packet's payload. */
static bool
wanted(struct reader *r, const struct fa_pkt *pk)
{
	uint32_t i, h = pk->hash | 1;
	uint64_t sum = 0;

	if (r->keep_all || fa_portset_has(&r->ports, pk->src.port) ||
	    fa_portset_has(&r->ports, pk->dst.port))
		return true;
	if (!r->greetings)
		return false;
	if (r->nkeep == 0 &&
	    !ftp_is_greeting(pk->payload, pk->caplen_payload))
		return false;
	if (r->keep_cap == 0)
		keep_grow(r);
	if (r->keep_all)
		return true;
	i = keep_find(r, pk, h, &sum);
	if (r->keep[i].hash == 0) {
		if (!ftp_is_greeting(pk->payload, pk->caplen_payload))
			return false;
		if (4 * (r->nkeep + 1) > 3 * r->keep_cap) {
			keep_grow(r);
			if (r->keep_all)
				return true;
			i = keep_empty(r, h);
		}
		r->keep[i].hash = h;
		r->keep[i].sum = sum != 0 ? sum : endpoints_sum(pk);
		r->keep[i].fin = 0;
		r->nkeep++;
	}
	/* Both FINs, or a RST: the engine is done with the connection once
	 * it has this packet. */
	if (pk->flags & TCP_FIN)
		r->keep[i].fin |= fin_side(pk);
	if ((pk->flags & TCP_RST) || r->keep[i].fin == 3)
		keep_del(r, i);
	return true;
}

/*
 * With r->lock held, released meanwhile: the other work (r->idle), for as
 * long as there is some and the ring stays at least half full.  Returns
 * whether there was.  SIGINT and SIGTERM wait: reader_next sends this
 * thread SIGINT to make a blocked read fail, and the signal must not cut
 * short the report being written instead.
 */
static bool
other_work(struct reader *r)
{
	sigset_t sigs, old;
	bool any = false, ahead = true;

	pthread_mutex_unlock(&r->lock);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	while (ahead && r->idle(r->idle_arg)) {
		any = true;
		ahead = ring_count(r) >= NBLOCKS / 2 && !abandoned(r);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_mutex_lock(&r->lock);
	return any;
}

/*
 * Hand the filled block to the consumer.  While the ring is at least half
 * full the consumer has packets enough: do the other work, and wait for
 * an empty block only when there is none and the ring is full.  False
 * when told to stop.
 */
static bool
publish(struct reader *r)
{
	struct block *b = &r->b[r->fill];
	bool go;

	capture_progress(r->cap, &b->done, &b->total);
	pthread_mutex_lock(&r->lock);
	__atomic_store_n(&r->count, r->count + 1, __ATOMIC_RELAXED);
	pthread_cond_signal(&r->more);
	while (r->count >= NBLOCKS / 2 && !abandoned(r)) {
		if (r->idle != NULL && other_work(r))
			continue;
		if (r->count < NBLOCKS)
			break;
		/* Full: sleep until half of it is free.  Woken at each block
		 * given back, this thread went to sleep and back a thousand
		 * times a run, and the engine paid for each wake. */
		while (r->count > NBLOCKS / 2 && !abandoned(r))
			pthread_cond_wait(&r->room, &r->lock);
	}
	go = !abandoned(r);
	pthread_mutex_unlock(&r->lock);
	if (go) {
		r->fill = (r->fill + 1) % NBLOCKS;
		r->b[r->fill].len = 0;
	}
	return go;
}

/* The block being filled, with room for n bytes more; NULL when told to
 * stop, or out of memory. */
static struct block *
room(struct reader *r, size_t n)
{
	struct block *b = &r->b[r->fill];
	char *m;

	if (b->len + n > b->cap && b->len > 0) {
		if (!publish(r))
			return NULL;
		b = &r->b[r->fill];
	}
	if (n > b->cap) {
		/* Only a frame larger than a block: rare enough to allocate.
		 * The block is empty. */
		if ((m = realloc(b->own ? b->mem : NULL, n)) == NULL) {
			r->failed = true;
			return NULL;
		}
		b->mem = m;
		b->own = true;
		b->cap = n;
	}
	return b;
}

static void
take(void *arg, const struct capture_pkt *cp)
{
	struct reader *r = arg;
	struct block *b;
	struct fa_pkt *pk;
	struct rec *rec;
	const uint8_t *payload;
	uint32_t keep = 0;

	if (abandoned(r) || r->failed)
		return;
	/* Decoded where the engine will read it, not copied there: room
	 * for the record and the frame's every byte, more than it keeps. */
	if ((b = room(r, sizeof *rec + cp->caplen + 7)) == NULL)
		return;
	rec = (struct rec *)(b->mem + b->len);
	pk = &rec->p.pk;
	rec->p.status = decode_frame(cp->dlt, cp->data, cp->caplen,
	    r->verify, pk);
	rec->p.ts_us = cp->ts_us;
	rec->p.wirelen = cp->wirelen;
	if (rec->p.status == DECODE_TCP) {
		/* A FIN or a RST may end a connection kept whole. */
		keep = pk->caplen_payload;
		if ((keep > KEEP_FIRST || (pk->flags & (TCP_FIN | TCP_RST))) &&
		    !wanted(r, pk) && keep > KEEP_FIRST)
			keep = KEEP_FIRST;
		payload = pk->payload;
		pk->payload = (const uint8_t *)(rec + 1);
		pk->cut = keep < pk->caplen_payload;
		/* Most payloads are cut to KEEP_FIRST, or are empty (an ACK):
		 * a fixed copy or none, not a call to memcpy for four bytes
		 * or for nothing. */
		if (keep == KEEP_FIRST)
			memcpy(rec + 1, payload, KEEP_FIRST);
		else if (keep != 0)
			memcpy(rec + 1, payload, keep);
	}
	rec->size = (uint32_t)((sizeof *rec + keep + 7) & ~(size_t)7);
	b->len += rec->size;
}

static void *
run(void *arg)
{
	struct reader *r = arg;

	while (!stopped(r) && !r->failed &&
	    capture_dispatch(r->cap, READ_BATCH, take, r) > 0)
		;
	/* The last block, perhaps empty; after a failure, what came before
	 * it. */
	if (!abandoned(r))
		(void)publish(r);
	pthread_mutex_lock(&r->lock);
	r->eof = true;
	pthread_cond_signal(&r->more);
	pthread_mutex_unlock(&r->lock);
	r->cpu_s = thread_cpu_s();	/* read after the join */
	return NULL;
}

struct reader *
reader_new(struct capture *cap, const struct fa_config *cfg,
    bool (*idle)(void *), void *idle_arg,
    const volatile sig_atomic_t *interrupted)
{
	struct reader *r;
	unsigned i;

	if ((r = calloc(1, sizeof *r)) == NULL)
		return NULL;
	r->cap = cap;
	r->idle = idle;
	r->idle_arg = idle_arg;
	r->interrupted = interrupted;
	r->verify = cfg->verify_checksums;
	for (i = 0; i < FA_PORTSET_WORDS; i++)
		r->ports.bits[i] = cfg->ports.bits[i] | cfg->tls_ports.bits[i];
	r->greetings = cfg->detect_other_ports;
	if ((r->ring = huge_alloc((size_t)NBLOCKS * BLOCK_SIZE, 0)) == NULL)
		goto fail;
	for (i = 0; i < NBLOCKS; i++) {
		r->b[i].mem = r->ring + (size_t)i * BLOCK_SIZE;
		r->b[i].cap = BLOCK_SIZE;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->more, NULL);
	pthread_cond_init(&r->room, NULL);
	if (pthread_create(&r->thread, NULL, run, r) != 0) {
		pthread_cond_destroy(&r->room);
		pthread_cond_destroy(&r->more);
		pthread_mutex_destroy(&r->lock);
		goto fail;
	}
	return r;
fail:
	free(r->ring);
	free(r);
	return NULL;
}

size_t
reader_next(struct reader *r, reader_cb cb, reader_cb ahead, void *arg)
{
	struct block *b;
	struct rec *rec;
	const char *mem;
	size_t off, len, next = 0, n = 0, pf = 0;
	bool busy;
	int i;

	pthread_mutex_lock(&r->lock);
	/* Rather than wait, do the other work (reader_new's idle).  A signal
	 * handler cannot wake a condition variable: look at its flag ten
	 * times a second.  Once it is set the thread stops reading, and a
	 * read blocked on a pipe that sends nothing more is made to fail
	 * (EINTR); what it read still comes. */
	while (r->count == 0 && !r->eof) {
		if (interrupted(r)) {
			__atomic_store_n(&r->stop, true, __ATOMIC_RELAXED);
			pthread_kill(r->thread, SIGINT);
		}
		if (r->idle != NULL && !interrupted(r)) {
			pthread_mutex_unlock(&r->lock);
			busy = r->idle(r->idle_arg);
			pthread_mutex_lock(&r->lock);
			if (busy || r->count != 0 || r->eof)
				continue;
		}
		wait_ms(&r->more, &r->lock, 100);
	}
	if (r->count == 0) {
		pthread_mutex_unlock(&r->lock);
		return 0;
	}
	b = &r->b[r->head];
	pthread_mutex_unlock(&r->lock);
	/* Read once: the reader writes its own block's length at every
	 * packet, and that may share a line with this one's. */
	mem = b->mem;
	len = b->len;
	/* next runs AHEAD frames in front of off (within the block). */
	for (i = 0; ahead != NULL && i < AHEAD && next < len; i++) {
		rec = (struct rec *)(mem + next);
		ahead(arg, &rec->p);
		next += rec->size;
	}
	for (off = 0; off < len; off += rec->size, n++) {
		if (ahead != NULL && next < len) {
			rec = (struct rec *)(mem + next);
			ahead(arg, &rec->p);
			next += rec->size;
		}
		/* Another core wrote the block, and the hardware's prefetch
		 * did not keep up with it: without this the engine stalled
		 * on each line of its packets.  Each line once, pf ahead of
		 * off: a record is longer than a line. */
		for (; pf < off + BLOCK_AHEAD && pf < len; pf += CACHE_LINE)
			prefetch(mem + pf);
		rec = (struct rec *)(mem + off);
		cb(arg, &rec->p);
	}
	r->done = b->done;
	r->total = b->total;
	pthread_mutex_lock(&r->lock);
	r->head = (r->head + 1) % NBLOCKS;
	__atomic_store_n(&r->count, r->count - 1, __ATOMIC_RELAXED);
	if (r->count == NBLOCKS / 2)	/* what publish waits for */
		pthread_cond_signal(&r->room);
	pthread_mutex_unlock(&r->lock);
	/* An empty last block is not the end of the loop's caller: the next
	 * call finds eof. */
	return n > 0 ? n : reader_next(r, cb, ahead, arg);
}

static void
feed_decoded(void *arg, const struct reader_pkt *p)
{
	fa_engine_decoded(arg, p->ts_us, p->wirelen, p->status, &p->pk);
}

static void
feed_ahead(void *arg, const struct reader_pkt *p)
{
	if (p->status == DECODE_TCP)
		fa_engine_prefetch(arg, &p->pk);
}

size_t
reader_feed(struct reader *r, struct fa_engine *e)
{
	return reader_next(r, feed_decoded, feed_ahead, e);
}

void
reader_progress(const struct reader *r, uint64_t *done, uint64_t *total)
{
	*done = r->done;
	*total = r->total;
}

bool
reader_failed(const struct reader *r)
{
	return r->failed;
}

void
reader_free(struct reader *r, double *cpu_s)
{
	unsigned i;

	if (cpu_s != NULL)
		*cpu_s = 0;
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	__atomic_store_n(&r->stop, true, __ATOMIC_RELAXED);
	__atomic_store_n(&r->abandon, true, __ATOMIC_RELAXED);
	pthread_cond_signal(&r->room);
	while (!r->eof && interrupted(r)) {
		pthread_kill(r->thread, SIGINT);
		wait_ms(&r->more, &r->lock, 50);
	}
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	if (cpu_s != NULL)
		*cpu_s = r->cpu_s;
	pthread_cond_destroy(&r->room);
	pthread_cond_destroy(&r->more);
	pthread_mutex_destroy(&r->lock);
	for (i = 0; i < NBLOCKS; i++)
		if (r->b[i].own)
			free(r->b[i].mem);
	free(r->ring);
	free(r->keep);
	free(r);
}
