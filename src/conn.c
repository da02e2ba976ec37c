/* conn.c: the TCP connection table.  Entries come from slabs and a free
 * list, so the per-packet path never calls malloc once the pool is warm;
 * the table never holds more than its cap. */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/conn.h"

#define SLAB_CONNS	4096
#define MIN_BUCKETS	4096

struct slab {
	struct conn	 c[SLAB_CONNS];	/* first: aligned to cache lines */
	struct slab	*next;
};

struct conn_table {
	struct conn	**buckets;	/* owned */
	uint32_t	 nbuckets;	/* power of two */
	uint32_t	 count, max;
	struct conn	*head, *tail;	/* recency list of open entries */
	struct conn	*chead, *ctail;	/* closed entries, oldest first */
	struct conn	*free;		/* free list through hnext */
	struct slab	*slabs;		/* owned */
	uint32_t	 slab_used;	/* entries handed out of slabs->c */
};

struct conn_table *
conn_table_new(uint32_t max)
{
	struct conn_table *t;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	t->max = max ? max : 1;
	t->nbuckets = MIN_BUCKETS;
	if ((t->buckets = calloc(t->nbuckets, sizeof *t->buckets)) == NULL) {
		free(t);
		return NULL;
	}
	t->slab_used = SLAB_CONNS;
	return t;
}

void
conn_table_free(struct conn_table *t)
{
	struct slab *s, *next;

	if (t == NULL)
		return;
	for (s = t->slabs; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	free(t->buckets);
	free(t);
}

/* memcmp's order, a word at a time: memcmp was a call per packet. */
static int
addr_cmp(const uint8_t *a, const uint8_t *b)
{
	uint64_t x, y;
	int i;

	for (i = 0; i < 16; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return be64toh(x) < be64toh(y) ? -1 : 1;
	}
	return 0;
}

static void
make_key(const struct fa_pkt *pk, struct conn_key *k, int *side)
{
	int c;

	/* Every byte key_hash and key_eq read is written: no memset. */
	k->family = pk->src.ip.family;
	c = addr_cmp(pk->src.ip.a, pk->dst.ip.a);
	if (c == 0)
		c = (int)pk->src.port - (int)pk->dst.port;
	*side = c <= 0 ? 0 : 1;
	memcpy(k->addr[*side], pk->src.ip.a, 16);
	k->port[*side] = pk->src.port;
	memcpy(k->addr[!*side], pk->dst.ip.a, 16);
	k->port[!*side] = pk->dst.port;
}

/* Multiply-xorshift over the key: cheap and well mixed. */
static uint32_t
key_hash(const struct conn_key *k)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ k->family, w;
	const uint8_t *p = (const uint8_t *)k->addr;
	size_t i;

	for (i = 0; i < sizeof k->addr; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	h = (h ^ ((uint64_t)k->port[0] << 16 | k->port[1])) *
	    0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return (uint32_t)h;
}

/* Word compares: a call to memcmp cost more than the compare. */
static bool
key_eq(const struct conn_key *a, const struct conn_key *b)
{
	uint64_t x[4], y[4];

	if (a->port[0] != b->port[0] || a->port[1] != b->port[1] ||
	    a->family != b->family)
		return false;
	memcpy(x, a->addr, sizeof x);
	memcpy(y, b->addr, sizeof y);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
	    (x[3] ^ y[3])) == 0;
}

struct conn *
conn_lookup(struct conn_table *t, const struct fa_pkt *pk, int *side)
{
	struct conn_key k;
	struct conn *c;
	uint32_t h;

	make_key(pk, &k, side);
	h = key_hash(&k);
	for (c = t->buckets[h & (t->nbuckets - 1)]; c != NULL; c = c->hnext)
		if (c->hash == h && key_eq(&c->key, &k))
			return c;
	return NULL;
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
	c->lprev = NULL;
	c->lnext = t->head;
	if (t->head)
		t->head->lprev = c;
	else
		t->tail = c;
	t->head = c;
}

/* Double the buckets when chains get long; amortised, bounded by max. */
static void
grow(struct conn_table *t)
{
	struct conn **nb, *c, *next;
	uint32_t n = t->nbuckets * 2, i;

	if ((nb = calloc(n, sizeof *nb)) == NULL)
		return;		/* keep working with longer chains */
	for (i = 0; i < t->nbuckets; i++) {
		for (c = t->buckets[i]; c != NULL; c = next) {
			next = c->hnext;
			c->hnext = nb[c->hash & (n - 1)];
			nb[c->hash & (n - 1)] = c;
		}
	}
	free(t->buckets);
	t->buckets = nb;
	t->nbuckets = n;
}

static struct conn *
conn_alloc(struct conn_table *t)
{
	struct conn *c;
	struct slab *s;

	if ((c = t->free) != NULL) {
		t->free = c->hnext;
		return c;
	}
	if (t->slab_used == SLAB_CONNS) {
		if ((s = aligned_alloc(_Alignof(struct slab), sizeof *s)) == NULL)
			return NULL;
		s->next = t->slabs;
		t->slabs = s;
		t->slab_used = 0;
	}
	return &t->slabs->c[t->slab_used++];
}

struct conn *
conn_insert(struct conn_table *t, const struct fa_pkt *pk, uint64_t ts_us,
    int *side)
{
	struct conn *c;
	uint32_t b;

	if (t->count >= t->max || (c = conn_alloc(t)) == NULL)
		return NULL;
	memset(c, 0, sizeof *c);
	make_key(pk, &c->key, side);
	c->hash = key_hash(&c->key);
	c->init_side = (uint8_t)*side;
	c->first_us = c->last_us = ts_us;
	if (t->count >= t->nbuckets && t->nbuckets < (1u << 30))
		grow(t);
	b = c->hash & (t->nbuckets - 1);
	c->hnext = t->buckets[b];
	t->buckets[b] = c;
	lru_push(t, c);
	t->count++;
	return c;
}

void
conn_remove(struct conn_table *t, struct conn *c)
{
	struct conn **pp;

	for (pp = &t->buckets[c->hash & (t->nbuckets - 1)]; *pp != NULL;
	    pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	}
	lru_unlink(t, c);
	c->hnext = t->free;
	t->free = c;
	t->count--;
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
