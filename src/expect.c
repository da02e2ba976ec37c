/* expect.c: the expectation table.  Small chained hash on the responder
 * endpoint; expectations also sit on a list in creation order so that
 * expiry is a walk from the oldest. */
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/expect.h"

#define EXPECT_BUCKETS	4096	/* power of two */
#define USED_SETS	16384	/* power of two; times USED_WAYS: */
#define USED_WAYS	4	/* 65,536 remembered passive data ports */

/* Endpoints that served as passive data ports, four to a set.  A full
 * set forgets the one it learned first: the table keeps the recent ones
 * however long the capture, where a table that stopped learning once
 * half full forgot nothing and learned nothing new. */
struct used_set {
	struct fa_endpoint ep[USED_WAYS];	/* port 0: empty */
	uint8_t		 next;		/* way the next one replaces */
};

struct expect_table {
	struct expect_link *buckets[EXPECT_BUCKETS];
	struct expect	*oldest, *newest;
	uint32_t	 count, max;
	/* Deleted entries kept for reuse, through next: one per transfer
	 * went to malloc and back.  Never more than the peak count. */
	struct expect	*spare;
	struct used_set	*used;		/* owned; USED_SETS of them */
	/* The ports ever in used, one bit each: every new connection asks
	 * about both of its ends, and most ends (port 80, 443, 53 and the
	 * like) are answered here without touching the table, 1.3 MB read
	 * at random.  Never cleared: a forgotten port costs a lookup. */
	uint64_t	 used_ports[65536 / 64];
};

static uint32_t
ep_hash(const struct fa_endpoint *ep)
{
	return fa_addr_hash(&ep->ip, ep->port);
}

struct expect_table *
expect_table_new(uint32_t max_total)
{
	struct expect_table *t;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	t->max = max_total;
	return t;
}

void
expect_table_free(struct expect_table *t)
{
	struct expect *e;

	if (t == NULL)
		return;
	while (t->oldest != NULL)
		expect_del(t, t->oldest);
	while ((e = t->spare) != NULL) {
		t->spare = e->next;
		free(e);
	}
	free(t->used);
	free(t);
}

static void
link_add(struct expect_table *t, struct expect_link *l)
{
	struct expect_link **b = &t->buckets[l->hash & (EXPECT_BUCKETS - 1)];

	l->next = *b;
	*b = l;
	l->used = true;
}

static void
link_del(struct expect_table *t, struct expect_link *l)
{
	struct expect_link **pp;

	if (!l->used)
		return;
	for (pp = &t->buckets[l->hash & (EXPECT_BUCKETS - 1)]; *pp != NULL;
	    pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	l->used = false;
}

struct expect *
expect_add(struct expect_table *t, struct fa_session *s, uint32_t xfer,
    const struct fa_endpoint *announced, const struct fa_endpoint *peer,
    const struct fa_addr *initiator, uint64_t expires_us)
{
	struct expect *e;

	if (t->count >= t->max)
		return NULL;
	if ((e = t->spare) != NULL) {
		t->spare = e->next;
		memset(e, 0, sizeof *e);
	} else if ((e = calloc(1, sizeof *e)) == NULL)
		return NULL;
	e->sess = s;
	fa_session_ref(s);
	e->xfer = xfer;
	e->initiator = *initiator;
	e->expires_us = expires_us;
	e->link[0].e = e->link[1].e = e;
	if (announced->ip.family != FA_AF_NONE &&
	    !fa_addr_is_unspecified(&announced->ip)) {
		e->link[0].ep = *announced;
		e->link[0].hash = ep_hash(announced);
		link_add(t, &e->link[0]);
	}
	if (!e->link[0].used || !fa_endpoint_eq(announced, peer)) {
		e->link[1].ep = *peer;
		e->link[1].hash = ep_hash(peer);
		link_add(t, &e->link[1]);
	}
	e->prev = t->newest;
	if (t->newest)
		t->newest->next = e;
	else
		t->oldest = e;
	t->newest = e;
	t->count++;
	return e;
}

struct expect *
expect_find(struct expect_table *t, const struct fa_endpoint *ep, bool *fallback)
{
	struct expect_link *l, *best = NULL;
	uint32_t h = ep_hash(ep);

	/* Chains are newest first: the first hit is the latest announcement,
	 * but an exact announcement beats a fallback one. */
	for (l = t->buckets[h & (EXPECT_BUCKETS - 1)]; l != NULL; l = l->next) {
		if (l->hash != h || !fa_endpoint_eq(&l->ep, ep))
			continue;
		if (l == &l->e->link[0]) {
			best = l;
			break;
		}
		if (best == NULL)
			best = l;
	}
	if (best == NULL)
		return NULL;
	*fallback = best == &best->e->link[1] && best->e->link[0].used;
	return best->e;
}

bool
expect_exists(struct expect_table *t, const struct fa_endpoint *ep)
{
	bool fb;

	return expect_find(t, ep, &fb) != NULL;
}

void
expect_del(struct expect_table *t, struct expect *e)
{
	link_del(t, &e->link[0]);
	link_del(t, &e->link[1]);
	if (e->prev)
		e->prev->next = e->next;
	else
		t->oldest = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		t->newest = e->prev;
	t->count--;
	fa_session_unref(e->sess);
	if (!FA_REUSE_FREED) {
		free(e);
		return;
	}
	e->next = t->spare;
	t->spare = e;
}

struct expect *
expect_oldest(struct expect_table *t)
{
	return t->oldest;
}

uint32_t
expect_count(const struct expect_table *t)
{
	return t->count;
}

static struct used_set *
used_set(struct expect_table *t, const struct fa_endpoint *ep, int *way)
{
	struct used_set *u = &t->used[ep_hash(ep) & (USED_SETS - 1)];
	int i;

	*way = -1;
	for (i = 0; i < USED_WAYS; i++)
		/* The port first: most compares end at it. */
		if (u->ep[i].port == ep->port &&
		    fa_endpoint_eq(&u->ep[i], ep)) {
			*way = i;
			break;
		}
	return u;
}

void
expect_note_data_port(struct expect_table *t, const struct fa_endpoint *ep)
{
	struct used_set *u;
	int way;

	if (ep->port == 0)
		return;
	if (t->used == NULL &&
	    (t->used = calloc(USED_SETS, sizeof *t->used)) == NULL)
		return;
	u = used_set(t, ep, &way);
	if (way != -1)
		return;
	u->ep[u->next] = *ep;
	u->next = (uint8_t)((u->next + 1) % USED_WAYS);
	t->used_ports[ep->port >> 6] |= (uint64_t)1 << (ep->port & 63);
}

bool
expect_was_data_port(struct expect_table *t, const struct fa_endpoint *ep)
{
	int way;

	if (t->used == NULL || ep->port == 0 ||
	    !(t->used_ports[ep->port >> 6] >> (ep->port & 63) & 1))
		return false;
	used_set(t, ep, &way);
	return way != -1;
}
