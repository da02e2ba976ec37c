/* SPDX-License-Identifier: ISC */
/* expect.c: the expectation table.  A chained hash of the endpoints
 * announced, alone and with the address expected to connect, each with
 * its expectations newest first; expectations also sit on a list in
 * creation order so that expiry is a walk from the oldest. */
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/expect.h"
#include "prefetch.h"

#define MIN_BUCKETS	4096	/* power of two */
#define USED_SETS	16384	/* power of two; times USED_WAYS: */
#define USED_WAYS	4	/* 65,536 remembered passive data ports */

/*
 * One endpoint, or one endpoint and one initiator address, and the
 * expectations that can be found there.  Grouping them keeps every
 * operation independent of how many announcements share an endpoint: a
 * busy server hands its few passive ports to thousands of clients, and a
 * chain of single links made each delete walk them all (100,000 sessions
 * awaiting one port took 17 s).  The groups with an initiator make the
 * exact match one lookup however many clients share the endpoint.
 */
struct expect_group {
	struct expect_group *next, **pprev;	/* bucket chain */
	struct fa_endpoint ep;
	struct fa_addr	 init;		/* family NONE: any initiator */
	uint32_t	 hash;
	struct expect_link *head[2];	/* by link kind, newest first */
};

/* Which link of an expectation: its kind (EXACT or PEER), and whether
 * its group names the initiator. */
enum { L_EXACT, L_PEER, L_EXACT_INIT, L_PEER_INIT };
#define L_KIND(l)	((l) & 1)

/*
 * Endpoints that served as passive data ports, four to a set.  A full
 * set forgets the one it learned first: the table keeps the recent ones
 * however long the capture, where a table that stopped learning once
 * half full forgot nothing and learned nothing new.
 *
 * The ports are kept apart from the addresses: a lookup reads its set's
 * four ports, 8 bytes, and an address only when a port matches, which a
 * new connection that was no data connection seldom does.  As one array
 * of endpoints a set spanned two cache lines, and that array's 1.3 MB,
 * read at random for every new connection, missed the cache twice for
 * most; the ports alone are 128 KiB.
 */
struct used_table {
	uint16_t	 port[USED_SETS][USED_WAYS];	/* 0: empty */
	uint8_t		 next[USED_SETS];	/* way the next one replaces */
	struct fa_addr	 ip[USED_SETS][USED_WAYS];
};

struct expect_table {
	struct expect_group **buckets;	/* owned; nbuckets of them */
	uint32_t	 nbuckets;	/* power of two, at least ngroups */
	uint32_t	 ngroups;
	struct expect	*oldest, *newest;
	uint32_t	 count, max;
	/* Deleted entries and groups kept for reuse, through next: one per
	 * transfer went to malloc and back.  Never more than the peak. */
	struct expect	*spare;
	struct expect_group *spare_groups;
	struct used_table *used;	/* owned */
	/* The ports ever in used, one bit each: every new connection asks
	 * about both of its ends, and most ends (port 80, 443, 53 and the
	 * like) are answered here without touching the table.  Never
	 * cleared: a forgotten port costs a lookup. */
	uint64_t	 used_ports[65536 / 64];
};

static uint32_t
ep_hash(const struct fa_endpoint *ep)
{
	return fa_addr_hash(&ep->ip, ep->port);
}

/* The hash of (ep, init); init NULL: of ep alone. */
static uint32_t
group_hash(const struct fa_endpoint *ep, const struct fa_addr *init)
{
	uint32_t h = ep_hash(ep);

	return init == NULL ? h : fa_addr_hash(init, h);
}

static bool
group_is(const struct expect_group *g, const struct fa_endpoint *ep,
    const struct fa_addr *init, uint32_t h)
{
	if (g->hash != h || !fa_endpoint_eq(&g->ep, ep))
		return false;
	return init == NULL ? g->init.family == FA_AF_NONE :
	    fa_addr_eq(&g->init, init);
}

struct expect_table *
expect_table_new(uint32_t max_total)
{
	struct expect_table *t;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	t->nbuckets = MIN_BUCKETS;
	if ((t->buckets = calloc(t->nbuckets, sizeof *t->buckets)) == NULL) {
		free(t);
		return NULL;
	}
	t->max = max_total;
	return t;
}

void
expect_table_free(struct expect_table *t)
{
	struct expect *e;
	struct expect_group *g;

	if (t == NULL)
		return;
	while (t->oldest != NULL)
		expect_del(t, t->oldest);
	while ((e = t->spare) != NULL) {
		t->spare = e->next;
		free(e);
	}
	while ((g = t->spare_groups) != NULL) {
		t->spare_groups = g->next;
		free(g);
	}
	free(t->buckets);
	free(t->used);
	free(t);
}

static void
chain_add(struct expect_group **b, struct expect_group *g)
{
	g->pprev = b;
	if ((g->next = *b) != NULL)
		g->next->pprev = &g->next;
	*b = g;
}

/* Twice the buckets once there are more groups than buckets.  Without
 * the memory the chains only grow longer. */
static void
rehash(struct expect_table *t)
{
	struct expect_group **nb, *g, *next;
	uint32_t i, n = t->nbuckets * 2;

	if (n == 0 || (nb = calloc(n, sizeof *nb)) == NULL)
		return;
	for (i = 0; i < t->nbuckets; i++)
		for (g = t->buckets[i]; g != NULL; g = next) {
			next = g->next;
			chain_add(&nb[g->hash & (n - 1)], g);
		}
	free(t->buckets);
	t->buckets = nb;
	t->nbuckets = n;
}

static struct expect_group *
group_find(const struct expect_table *t, const struct fa_endpoint *ep,
    const struct fa_addr *init, uint32_t h)
{
	struct expect_group *g;

	for (g = t->buckets[h & (t->nbuckets - 1)]; g != NULL; g = g->next)
		if (group_is(g, ep, init, h))
			return g;
	return NULL;
}

static struct expect_group *
group_get(struct expect_table *t, const struct fa_endpoint *ep,
    const struct fa_addr *init)
{
	uint32_t h = group_hash(ep, init);
	struct expect_group *g;

	if ((g = group_find(t, ep, init, h)) != NULL)
		return g;
	if ((g = t->spare_groups) != NULL)
		t->spare_groups = g->next;
	else if ((g = malloc(sizeof *g)) == NULL)
		return NULL;
	memset(g, 0, sizeof *g);
	g->ep = *ep;
	if (init != NULL)
		g->init = *init;
	g->hash = h;
	chain_add(&t->buckets[h & (t->nbuckets - 1)], g);
	if (++t->ngroups > t->nbuckets)
		rehash(t);
	return g;
}

/* Link which (L_*) of e at ep, with the initiator's group or not. */
static int
link_add(struct expect_table *t, struct expect *e, int which,
    const struct fa_endpoint *ep)
{
	struct expect_link *l = &e->link[which];
	int kind = L_KIND(which);
	struct expect_group *g;

	if ((g = group_get(t, ep, which >= L_EXACT_INIT ? &e->initiator :
	    NULL)) == NULL)
		return -1;
	l->g = g;
	l->prev = NULL;
	if ((l->next = g->head[kind]) != NULL)
		l->next->prev = l;
	g->head[kind] = l;
	return 0;
}

static void
link_del(struct expect_table *t, struct expect *e, int which)
{
	struct expect_link *l = &e->link[which];
	int kind = L_KIND(which);
	struct expect_group *g = l->g;

	if (g == NULL)
		return;
	if (l->prev != NULL)
		l->prev->next = l->next;
	else
		g->head[kind] = l->next;
	if (l->next != NULL)
		l->next->prev = l->prev;
	l->g = NULL;
	if (g->head[0] != NULL || g->head[1] != NULL)
		return;
	if ((*g->pprev = g->next) != NULL)
		g->next->pprev = g->pprev;
	t->ngroups--;
	if (!FA_REUSE_FREED) {
		free(g);
		return;
	}
	g->next = t->spare_groups;
	t->spare_groups = g;
}

static void
expect_release(struct expect_table *t, struct expect *e)
{
	if (!FA_REUSE_FREED) {
		free(e);
		return;
	}
	e->next = t->spare;
	t->spare = e;
}

static void
links_del(struct expect_table *t, struct expect *e)
{
	int i;

	for (i = 0; i < EXPECT_LINKS; i++)
		link_del(t, e, i);
}

/*
 * Link e where a connection may be looked for: at the announced endpoint
 * (EXACT), and at the same port on the control connection's peer (PEER:
 * NAT rewrote the address, or it was 0.0.0.0); with no usable announced
 * address the peer's endpoint is the exact one.  Each both alone and
 * with the initiator.
 */
static int
links_add(struct expect_table *t, struct expect *e,
    const struct fa_endpoint *announced, const struct fa_endpoint *peer)
{
	bool exact = announced->ip.family != FA_AF_NONE &&
	    !fa_addr_is_unspecified(&announced->ip);

	if (exact && (link_add(t, e, L_EXACT, announced) == -1 ||
	    link_add(t, e, L_EXACT_INIT, announced) == -1))
		return -1;
	if (!exact && (link_add(t, e, L_EXACT, peer) == -1 ||
	    link_add(t, e, L_EXACT_INIT, peer) == -1))
		return -1;
	if (exact && !fa_endpoint_eq(announced, peer) &&
	    (link_add(t, e, L_PEER, peer) == -1 ||
	    link_add(t, e, L_PEER_INIT, peer) == -1))
		return -1;
	return 0;
}

struct expect *
expect_add(struct expect_table *t, struct fa_session *s, uint32_t xfer,
    const struct fa_endpoint *announced, const struct fa_endpoint *peer,
    const struct fa_addr *initiator, uint64_t expires_us)
{
	struct expect *e;
	int i;

	if (t->count >= t->max)
		return NULL;
	if ((e = t->spare) != NULL) {
		t->spare = e->next;
		memset(e, 0, sizeof *e);
	} else if ((e = calloc(1, sizeof *e)) == NULL)
		return NULL;
	for (i = 0; i < EXPECT_LINKS; i++)
		e->link[i].e = e;
	e->initiator = *initiator;
	if (links_add(t, e, announced, peer) == -1) {
		links_del(t, e);
		expect_release(t, e);
		return NULL;
	}
	e->sess = s;
	if ((e->snext = s->expects) != NULL)
		e->snext->sprev = e;
	s->expects = e;
	e->xfer = xfer;
	e->expires_us = expires_us;
	e->prev = t->newest;
	if (t->newest)
		t->newest->next = e;
	else
		t->oldest = e;
	t->newest = e;
	t->count++;
	return e;
}

/* The newest expectation of this kind in g, if its session is open: an
 * ended session is reported (or being reported, sinkq.c) and no longer
 * changes.  Only the newest, as before exact matching: a walk past ended
 * ones would cost each connection as many steps as a flood of ended
 * sessions left. */
static struct expect *
newest_open(const struct expect_group *g, int kind)
{
	struct expect *e;

	if (g == NULL || g->head[kind] == NULL)
		return NULL;
	e = g->head[kind]->e;
	return e->sess != NULL && !e->sess->ended ? e : NULL;
}

struct expect *
expect_find(struct expect_table *t, const struct fa_addr *initiator,
    const struct fa_endpoint *ep, bool *fallback)
{
	uint32_t h = ep_hash(ep);
	const struct expect_group *gi, *ga;
	struct expect *e;

	gi = group_find(t, ep, initiator, fa_addr_hash(initiator, h));
	*fallback = false;
	if ((e = newest_open(gi, L_EXACT)) != NULL)
		return e;
	*fallback = true;
	if ((e = newest_open(gi, L_PEER)) != NULL || gi != NULL)
		return e;	/* its own, or its own's ended: not another's */
	ga = group_find(t, ep, NULL, h);
	*fallback = false;
	if ((e = newest_open(ga, L_EXACT)) != NULL)
		return e;
	*fallback = true;
	return newest_open(ga, L_PEER);
}

bool
expect_exists(struct expect_table *t, const struct fa_endpoint *ep)
{
	return group_find(t, ep, NULL, ep_hash(ep)) != NULL;
}

void
expect_del(struct expect_table *t, struct expect *e)
{
	links_del(t, e);
	if (e->prev)
		e->prev->next = e->next;
	else
		t->oldest = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		t->newest = e->prev;
	t->count--;
	if (e->sess != NULL) {
		if (e->sprev != NULL)
			e->sprev->snext = e->snext;
		else
			e->sess->expects = e->snext;
		if (e->snext != NULL)
			e->snext->sprev = e->sprev;
	}
	expect_release(t, e);
}

void
expect_drop_session(struct fa_session *s)
{
	struct expect *e, *next;

	for (e = s->expects; e != NULL; e = next) {
		next = e->snext;
		e->sess = NULL;
		e->sprev = e->snext = NULL;
	}
	s->expects = NULL;
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

/* The way of set i that holds ep, or -1. */
static int
used_way(const struct used_table *u, uint32_t i, const struct fa_endpoint *ep)
{
	int w;

	for (w = 0; w < USED_WAYS; w++)
		if (u->port[i][w] == ep->port &&
		    fa_addr_eq(&u->ip[i][w], &ep->ip))
			return w;
	return -1;
}

void
expect_note_data_port(struct expect_table *t, const struct fa_endpoint *ep)
{
	struct used_table *u;
	uint32_t i;
	uint8_t w;

	if (ep->port == 0)
		return;
	if (t->used == NULL &&
	    (t->used = calloc(1, sizeof *t->used)) == NULL)
		return;
	u = t->used;
	i = ep_hash(ep) & (USED_SETS - 1);
	if (used_way(u, i, ep) != -1)
		return;
	w = u->next[i];
	u->port[i][w] = ep->port;
	u->ip[i][w] = ep->ip;
	u->next[i] = (uint8_t)((w + 1) % USED_WAYS);
	t->used_ports[ep->port >> 6] |= (uint64_t)1 << (ep->port & 63);
}

/* What a new connection between a and b will look up: a's and b's
 * groups' bucket, and their sets of remembered data ports. */
void
expect_prefetch(const struct expect_table *t, const struct fa_endpoint *a,
    const struct fa_endpoint *b)
{
	uint32_t ha = ep_hash(a), hb = ep_hash(b);

	prefetch(&t->buckets[hb & (t->nbuckets - 1)]);
	prefetch(&t->buckets[group_hash(b, &a->ip) &
	    (t->nbuckets - 1)]);
	if (t->used == NULL)
		return;
	prefetch(t->used->port[ha & (USED_SETS - 1)]);
	prefetch(t->used->port[hb & (USED_SETS - 1)]);
}

bool
expect_was_data_port(struct expect_table *t, const struct fa_endpoint *ep)
{
	if (t->used == NULL || ep->port == 0 ||
	    !(t->used_ports[ep->port >> 6] >> (ep->port & 63) & 1))
		return false;
	return used_way(t->used, ep_hash(ep) & (USED_SETS - 1), ep) != -1;
}
