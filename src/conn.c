/* SPDX-License-Identifier: ISC */
/* conn.c: the TCP connection table.  Entries come from slabs and a free
 * list, so the per-packet path never calls malloc once the pool is warm;
 * the table never holds more than its cap. */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/conn.h"
#include "hugemem.h"
#include "prefetch.h"

#define SLAB_SHIFT	14	/* 2 MiB: one huge page (hugemem.c) */
#define SLAB_CONNS	(1u << SLAB_SHIFT)
#define MIN_SLOTS	8192

struct slab {
	struct conn	 c[SLAB_CONNS];	/* first: aligned to cache lines */
};

/*
 * An index is open addressing with linear probing over 8-byte slots: the
 * hash and the entry's number.  A probe compares hashes within one cache
 * line of slots and reads an entry only when its hash matches.
 *
 * Open and closed connections have an index each.  Closed ones linger 60
 * s to absorb late packets, so on a busy link they are most of the table
 * (256k of 257k at the bench's peak); the open ones, which nearly every
 * packet looks up, then fit a small index that stays in the cache.  Only
 * a packet that no open connection owns (a SYN, a late packet) looks in
 * the closed index too.
 */
struct slot {
	uint32_t	 hash;
	uint32_t	 id;		/* entry number + 1; 0: empty */
};

struct index {
	struct slot	*slots;		/* owned */
	uint32_t	 nslots;	/* power of two, over twice n */
	uint32_t	 n;
	uint32_t	 longest;	/* longest probe an insert made */
};

struct conn_table {
	struct index	 open, closed;
	/* Closed entries with each port at either end: a packet whose two
	 * ports are not both here cannot be theirs, and most new
	 * connections (web traffic beside FTP) skip the closed index and
	 * its cache miss.  NULL until the first close, then owned. */
	uint32_t	*closed_ports;
	/* The same as one bit a port, set while its count is not zero: the
	 * counts (256 KiB) missed the cache on every new connection. */
	uint64_t	 closed_any[65536 / 64];
	uint32_t	 count, max;
	uint64_t	 seq;		/* the last conn.seq given */
	struct conn	*head, *tail;	/* recency list of open entries */
	struct conn	*chead, *ctail;	/* closed entries, oldest first */
	struct conn	*free;		/* free list through lnext */
	struct slab	**slabs;	/* owned, and each slab */
	uint32_t	 nslabs, slabs_cap;
	uint32_t	 slab_used;	/* entries handed out of the last slab */
	/*
	 * The next slab, made when the last one was taken (from the
	 * second on).  Faulting in a slab's huge page cost the engine's
	 * thread 3-5 ms each, 2-6% of all the samples on the bench's main
	 * capture (a virtual machine whose host backs the memory at first
	 * touch); another thread populates it meanwhile
	 * (conn_table_populate).
	 */
	struct slab	*spare;		/* owned */
	struct slab	*unpopulated;	/* the spare, until taken to populate */
};

static int
idx_init(struct index *x)
{
	x->n = 0;
	x->nslots = MIN_SLOTS;
	return (x->slots = calloc(x->nslots, sizeof *x->slots)) ? 0 : -1;
}

struct conn_table *
conn_table_new(uint32_t max)
{
	struct conn_table *t;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	t->max = max ? max : 1;
	if (idx_init(&t->open) == -1 || idx_init(&t->closed) == -1) {
		free(t->open.slots);
		free(t);
		return NULL;
	}
	t->slab_used = SLAB_CONNS;
	return t;
}

void
conn_table_free(struct conn_table *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nslabs; i++)
		free(t->slabs[i]);
	free(t->slabs);
	free(t->spare);
	free(t->open.slots);
	free(t->closed.slots);
	free(t->closed_ports);
	free(t);
}

static struct conn *
entry(const struct conn_table *t, uint32_t id)
{
	id--;
	return &t->slabs[id >> SLAB_SHIFT]->c[id & (SLAB_CONNS - 1)];
}

static void
make_key(const struct fa_pkt *pk, struct conn_key *k, int *side)
{
	int c;

	/* Every byte key_hash and ep_eq read is written: no memset. */
	k->family = pk->src.ip.family;
	c = fa_addr_bytes_cmp(pk->src.ip.a, pk->dst.ip.a);
	if (c == 0)
		c = (int)pk->src.port - (int)pk->dst.port;
	*side = c <= 0 ? 0 : 1;
	memcpy(k->addr[*side], pk->src.ip.a, 16);
	k->port[*side] = pk->src.port;
	memcpy(k->addr[!*side], pk->dst.ip.a, 16);
	k->port[!*side] = pk->dst.port;
}

/*
 * The hash is of the two endpoints, each mixed on its own and then added,
 * so it needs no canonical order: decoding hashes the packet as it comes
 * (fa_pkt_hash) and a lookup never builds a key.  Sorting the endpoints
 * and hashing the sorted key in one serial chain was a tenth of the
 * engine's time.
 */
static uint32_t
key_hash(const struct conn_key *k)
{
	return fa_hash_fold(fa_hash_ep(k->addr[0], k->port[0]) +
	    fa_hash_ep(k->addr[1], k->port[1]));
}

/* Word compares: a call to memcmp cost more than the compare. */
static inline bool
ep_eq(const struct conn_key *k, int i, const struct fa_endpoint *ep)
{
	uint64_t x[2], y[2];

	if (k->port[i] != ep->port)
		return false;
	memcpy(x, k->addr[i], sizeof x);
	memcpy(y, ep->ip.a, sizeof y);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/* Inline: every packet asks, and as a call it saved and restored six
 * registers, nearly a third of its own instructions. */
static inline __attribute__((always_inline)) struct conn *
idx_find(const struct conn_table *t, const struct index *x, uint32_t h,
    const struct fa_pkt *pk, int *side)
{
	const struct slot *sl;
	struct conn *c;
	uint32_t i, mask = x->nslots - 1;

	for (i = h & mask; (sl = &x->slots[i])->id != 0; i = (i + 1) & mask) {
		if (sl->hash != h)
			continue;
		c = entry(t, sl->id);
		if (c->key.family != pk->src.ip.family)
			continue;
		/* Endpoint 0 first: a connection to itself is side 0, as
		 * make_key orders it. */
		if (ep_eq(&c->key, 0, &pk->src) && ep_eq(&c->key, 1, &pk->dst)) {
			*side = 0;
			return c;
		}
		if (ep_eq(&c->key, 1, &pk->src) && ep_eq(&c->key, 0, &pk->dst)) {
			*side = 1;
			return c;
		}
	}
	return NULL;
}

static inline bool
port_closed(const struct conn_table *t, uint16_t port)
{
	return t->closed_any[port >> 6] >> (port & 63) & 1;
}

/* One closed entry more (d = 1) or less (d = -1) with this port. */
static void
port_count(struct conn_table *t, uint16_t port, int d)
{
	uint64_t bit = (uint64_t)1 << (port & 63);

	if (d > 0 && t->closed_ports[port]++ == 0)
		t->closed_any[port >> 6] |= bit;
	else if (d < 0 && --t->closed_ports[port] == 0)
		t->closed_any[port >> 6] &= ~bit;
}

/* Whether pk may be a closed entry's: its lookup goes on to the closed
 * index. */
static inline bool
may_be_closed(const struct conn_table *t, const struct fa_pkt *pk)
{
	return t->closed.n != 0 && port_closed(t, pk->src.port) &&
	    port_closed(t, pk->dst.port);
}

/* The slots a lookup of pk will start at: the table is far larger than
 * the cache, and the reader knows packets ahead.  The closed index is
 * asked for a SYN's only: the other packets that look there are the last
 * ACKs of FTP connections, whose slots were written at their FIN a moment
 * before, and asking for every packet whose ports have closed entries
 * (half of them on the bench) cost more than it saved. */
void
conn_prefetch(const struct conn_table *t, const struct fa_pkt *pk)
{
	uint32_t h = pk->hash;

	prefetch(&t->open.slots[h & (t->open.nslots - 1)]);
	if ((pk->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && may_be_closed(t, pk))
		prefetch(&t->closed.slots[h & (t->closed.nslots - 1)]);
}

struct conn *
conn_lookup(struct conn_table *t, const struct fa_pkt *pk, int *side)
{
	struct conn *c;
	uint32_t h = pk->hash;

	if ((c = idx_find(t, &t->open, h, pk, side)) != NULL ||
	    !may_be_closed(t, pk))
		return c;
	return idx_find(t, &t->closed, h, pk, side);
}

/* Entries are on one of two lists: open (recency) or closed (FIFO). */
static void
lru_unlink(struct conn_table *t, struct conn *c)
{
	struct conn **head = c->lingering ? &t->chead : &t->head;
	struct conn **tail = c->lingering ? &t->ctail : &t->tail;

	if (c->lprev)
		c->lprev->lnext = c->lnext;
	else
		*head = c->lnext;
	if (c->lnext)
		c->lnext->lprev = c->lprev;
	else
		*tail = c->lprev;
	c->lprev = c->lnext = NULL;
}

static void
lru_push(struct conn_table *t, struct conn *c)
{
	c->seq = ++t->seq;
	c->lprev = NULL;
	c->lnext = t->head;
	if (t->head)
		t->head->lprev = c;
	else
		t->tail = c;
	t->head = c;
}

/* Returns how many slots past its home the entry went. */
static uint32_t
slot_put(struct slot *slots, uint32_t mask, uint32_t hash, uint32_t id)
{
	uint32_t i;

	for (i = hash & mask; slots[i].id != 0; i = (i + 1) & mask)
		;
	slots[i].hash = hash;
	slots[i].id = id;
	return (i - hash) & mask;
}

static void
note_probe(struct index *x, uint32_t d)
{
	if (d > x->longest)
		x->longest = d;
}

/* Room for one more, doubling the slots when the load would pass one
 * half (amortised; the count is bounded by the table's cap).  False when
 * memory ran out and the index is too full: a full one never ends a
 * probe. */
static bool
idx_room(struct index *x)
{
	struct slot *ns;
	uint32_t n = x->nslots * 2, i;

	if ((uint64_t)(x->n + 1) * 2 <= x->nslots)
		return true;
	if (x->nslots < (1u << 31) &&
	    (ns = huge_alloc((size_t)n * sizeof *ns, 1)) != NULL) {
		x->longest = 0;
		for (i = 0; i < x->nslots; i++)
			if (x->slots[i].id != 0)
				note_probe(x, slot_put(ns, n - 1,
				    x->slots[i].hash, x->slots[i].id));
		free(x->slots);
		x->slots = ns;
		x->nslots = n;
	}
	return x->n + 2 <= x->nslots;
}

static void
idx_put(struct index *x, const struct conn *c)
{
	note_probe(x, slot_put(x->slots, x->nslots - 1, c->hash, c->id));
	x->n++;
}

/* Linear probing's deletion without tombstones: later entries of the
 * run that would be unreachable across the hole move back into it. */
static void
idx_del(struct index *x, const struct conn *c)
{
	uint32_t mask = x->nslots - 1, i, j, home;

	for (i = c->hash & mask; x->slots[i].id != c->id; i = (i + 1) & mask)
		if (x->slots[i].id == 0)
			return;		/* not indexed: cannot happen */
	for (j = (i + 1) & mask; x->slots[j].id != 0; j = (j + 1) & mask) {
		home = x->slots[j].hash & mask;
		/* Stays when its home lies cyclically in (i, j]. */
		if (((j - home) & mask) < ((j - i) & mask))
			continue;
		x->slots[i] = x->slots[j];
		i = j;
	}
	x->slots[i].id = 0;
	x->n--;
}

/* A new slab, the spare if there is one; from the second on, the next
 * one is made ready. */
static struct slab *
take_slab(struct conn_table *t)
{
	struct slab *s = t->spare;

	t->spare = NULL;
	if (s == NULL && (s = huge_alloc(sizeof *s, 0)) == NULL)
		return NULL;
	if (t->nslabs > 0) {
		t->spare = huge_alloc(sizeof *t->spare, 0);
		__atomic_store_n(&t->unpopulated, t->spare, __ATOMIC_RELEASE);
	}
	return s;
}

bool
conn_table_populate(struct conn_table *t)
{
	struct slab *s;

	if (__atomic_load_n(&t->unpopulated, __ATOMIC_RELAXED) == NULL ||
	    (s = __atomic_exchange_n(&t->unpopulated, NULL,
	    __ATOMIC_ACQUIRE)) == NULL)
		return false;
	huge_populate(s, sizeof *s);
	return true;
}

static struct conn *
conn_alloc(struct conn_table *t)
{
	struct slab **ns;
	struct conn *c;
	uint32_t n;

	if ((c = t->free) != NULL) {
		t->free = c->lnext;
		return c;
	}
	if (t->slab_used == SLAB_CONNS) {
		if (t->nslabs == t->slabs_cap) {
			n = t->slabs_cap ? t->slabs_cap * 2 : 16;
			if (n <= t->slabs_cap ||
			    (ns = reallocarray(t->slabs, n, sizeof *ns)) == NULL)
				return NULL;
			t->slabs = ns;
			t->slabs_cap = n;
		}
		if ((t->slabs[t->nslabs] = take_slab(t)) == NULL)
			return NULL;
		t->nslabs++;
		t->slab_used = 0;
	}
	c = &t->slabs[t->nslabs - 1]->c[t->slab_used];
	c->id = ((t->nslabs - 1) << SLAB_SHIFT) + t->slab_used + 1;
	t->slab_used++;
	return c;
}

struct conn *
conn_insert(struct conn_table *t, const struct fa_pkt *pk, uint64_t ts_us,
    int *side)
{
	struct conn *c;
	uint32_t id;

	if (t->count >= t->max || !idx_room(&t->open) ||
	    (c = conn_alloc(t)) == NULL)
		return NULL;
	id = c->id;
	memset(c, 0, sizeof *c);
	c->id = id;
	make_key(pk, &c->key, side);
	c->hash = key_hash(&c->key);
	c->init_side = (uint8_t)*side;
	c->first_us = c->last_us = ts_us;
	idx_put(&t->open, c);
	lru_push(t, c);
	t->count++;
	return c;
}

void
conn_remove(struct conn_table *t, struct conn *c)
{
	if (c->in_closed) {
		idx_del(&t->closed, c);
		port_count(t, c->key.port[0], -1);
		port_count(t, c->key.port[1], -1);
	} else
		idx_del(&t->open, c);
	lru_unlink(t, c);
	c->key.family = FA_AF_NONE;	/* free: conn_open_picked skips it */
	c->lnext = t->free;
	t->free = c;
	t->count--;
}

static int
seq_cmp(const void *a, const void *b)
{
	uint64_t x = (*(struct conn *const *)a)->seq;
	uint64_t y = (*(struct conn *const *)b)->seq;

	return x < y ? -1 : x > y;
}

int
conn_open_picked(const struct conn_table *t, bool (*keep)(const struct conn *),
    struct conn ***out, size_t *n)
{
	struct conn **v = NULL, **nv, *c;
	size_t cap = 0;
	uint32_t s, i, lim;

	*n = 0;
	for (s = 0; s < t->nslabs; s++) {
		lim = s + 1 == t->nslabs ? t->slab_used : SLAB_CONNS;
		for (i = 0; i < lim; i++) {
			c = &t->slabs[s]->c[i];
			if (c->key.family == FA_AF_NONE || c->lingering || !keep(c))
				continue;
			if (*n == cap) {
				cap = cap ? cap * 2 : 256;
				if ((nv = reallocarray(v, cap, sizeof *v)) == NULL) {
					free(v);
					return -1;
				}
				v = nv;
			}
			v[(*n)++] = c;
		}
	}
	/* A list position is given once and never taken back: the order of
	 * seq is the order of the list. */
	if (*n > 1)
		qsort(v, *n, sizeof *v, seq_cmp);
	*out = v;
	return 0;
}

void
conn_touch(struct conn_table *t, struct conn *c, uint64_t ts_us)
{
	if (ts_us > c->last_us)
		c->last_us = ts_us;
	if (c->lingering)
		return;		/* stays in close order */
	if (t->head != c) {
		lru_unlink(t, c);
		lru_push(t, c);
	}
}

struct conn *
conn_oldest(const struct conn_table *t)
{
	return t->chead != NULL ? t->chead : t->tail;
}

struct conn *
conn_oldest_open(const struct conn_table *t)
{
	return t->tail;
}

struct conn *
conn_oldest_closed(const struct conn_table *t)
{
	return t->chead;
}

void
conn_linger(struct conn_table *t, struct conn *c)
{
	if (c->lingering)
		return;
	/* Out of memory for the closed index, it stays in the open one. */
	if (t->closed_ports == NULL)
		t->closed_ports = calloc(65536, sizeof *t->closed_ports);
	if (t->closed_ports != NULL && idx_room(&t->closed)) {
		idx_del(&t->open, c);
		idx_put(&t->closed, c);
		c->in_closed = 1;
		port_count(t, c->key.port[0], 1);
		port_count(t, c->key.port[1], 1);
	}
	lru_unlink(t, c);
	c->lingering = 1;
	c->lprev = t->ctail;
	c->lnext = NULL;
	if (t->ctail)
		t->ctail->lnext = c;
	else
		t->chead = c;
	t->ctail = c;
}

size_t
conn_count(const struct conn_table *t)
{
	return t->count;
}

uint32_t
conn_longest_probe(const struct conn_table *t)
{
	return t->open.longest > t->closed.longest ? t->open.longest :
	    t->closed.longest;
}

void
conn_endpoint(const struct conn *c, int side, struct fa_endpoint *ep)
{
	memset(ep, 0, sizeof *ep);
	ep->ip.family = c->key.family;
	memcpy(ep->ip.a, c->key.addr[side], 16);
	ep->port = c->key.port[side];
}

/* Start well inside 64 bits so a stream picked up mid-way can extend
 * backwards when an earlier segment arrives late. */
#define SEQ_BASE	((uint64_t)1 << 40)

void
seqtrack_syn(struct seqtrack *s, uint32_t isn)
{
	s->lo = s->hi = SEQ_BASE;
	s->raw_hi = isn + 1;
	s->init = s->syn = true;
}

void
seqtrack_add(struct seqtrack *s, uint32_t seq, uint32_t len)
{
	uint64_t start, end;

	if (!s->init) {
		s->lo = s->hi = SEQ_BASE;
		s->raw_hi = seq;
		s->init = true;
	}
	start = s->hi + (uint64_t)(int64_t)(int32_t)(seq - s->raw_hi);
	end = start + len;
	if (!s->syn && start < s->lo && s->hi - start < ((uint64_t)1 << 31))
		s->lo = start;	/* segment from before the first one seen */
	if (end > s->hi) {
		s->hi = end;
		s->raw_hi = seq + len;
	}
}
