/* SPDX-License-Identifier: ISC */
/*
 * summary.c: the counts a report opens with (summary.h), one ended
 * session at a time.  Servers and clients are found through small open
 * addressing tables of indexes, sized for their caps, so a session costs
 * two lookups however many were seen.
 */
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/rules.h"
#include "prefetch.h"
#include "summary.h"

/* Twice the caps, powers of two: a probe run stays short when full. */
#define SERVER_SLOTS	(2 * SUMMARY_MAX_SERVERS)
#define CLIENT_SLOTS	(2 * SUMMARY_MAX_CLIENTS)
#define PORT_MAP	(65536 / 8)

struct summary *
summary_new(void)
{
	struct summary *s;

	if ((s = calloc(1, sizeof *s)) == NULL)
		return NULL;
	if ((s->server_slots = calloc(SERVER_SLOTS, sizeof *s->server_slots)) == NULL ||
	    (s->client_slots = calloc(CLIENT_SLOTS, sizeof *s->client_slots)) == NULL) {
		summary_free(s);
		return NULL;
	}
	return s;
}

void
summary_free(struct summary *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nservers; i++)
		free(s->servers[i].pasv_seen);
	for (i = 0; i < s->nanomalies; i++)
		free(s->anomalies[i].type);
	free(s->servers);
	free(s->clients);
	free(s->anomalies);
	free(s->server_slots);
	free(s->client_slots);
	free(s->by_sessions);
	free(s->top);
	free(s);
}

/* The server's index, added when there is room; -1 past the cap. */
static long
server_find(struct summary *s, const struct fa_endpoint *ep)
{
	uint32_t h = fa_addr_hash(&ep->ip, ep->port), i, k;

	for (i = h & (SERVER_SLOTS - 1);; i = (i + 1) & (SERVER_SLOTS - 1)) {
		if ((k = s->server_slots[i]) == 0)
			break;
		if (fa_endpoint_eq(&s->servers[k - 1].ep, ep))
			return (long)k - 1;
	}
	if (s->nservers == SUMMARY_MAX_SERVERS)
		return -1;
	if (s->servers == NULL && (s->servers = calloc(SUMMARY_MAX_SERVERS,
	    sizeof *s->servers)) == NULL) {
		s->oom = 1;
		return -1;
	}
	memset(&s->servers[s->nservers], 0, sizeof *s->servers);
	s->servers[s->nservers].ep = *ep;
	s->server_slots[i] = (uint32_t)++s->nservers;
	return (long)s->nservers - 1;
}

/* The same for a client (h is fa_addr_hash(a, 0)), in an array that
 * grows to its cap. */
static long
client_find(struct summary *s, const struct fa_addr *a, uint32_t h)
{
	struct summary_client *n;
	uint32_t i, k;
	size_t cap;

	for (i = h & (CLIENT_SLOTS - 1);; i = (i + 1) & (CLIENT_SLOTS - 1)) {
		if ((k = s->client_slots[i]) == 0)
			break;
		if (fa_addr_eq(&s->clients[k - 1].addr, a))
			return (long)k - 1;
	}
	if (s->nclients == SUMMARY_MAX_CLIENTS)
		return -1;
	/* The array holds a power of two: full when nclients is one. */
	if ((s->nclients & (s->nclients - 1)) == 0) {
		cap = s->nclients ? s->nclients * 2 : 1;
		if ((n = reallocarray(s->clients, cap, sizeof *n)) == NULL) {
			s->oom = 1;
			return -1;
		}
		s->clients = n;
	}
	memset(&s->clients[s->nclients], 0, sizeof *s->clients);
	s->clients[s->nclients].addr = *a;
	s->client_slots[i] = (uint32_t)++s->nclients;
	return (long)s->nclients - 1;
}

static void
anomaly_count(struct summary *s, const char *type)
{
	struct summary_anomaly *n;
	size_t i;

	for (i = 0; i < s->nanomalies; i++)
		if (strcmp(s->anomalies[i].type, type) == 0) {
			s->anomalies[i].count++;
			return;
		}
	if (s->nanomalies == SUMMARY_MAX_ANOMALY_TYPES) {
		s->anomalies_untyped++;
		return;
	}
	if ((n = reallocarray(s->anomalies, s->nanomalies + 1, sizeof *n)) == NULL) {
		s->oom = 1;
		s->anomalies_untyped++;
		return;
	}
	s->anomalies = n;
	if ((n[s->nanomalies].type = strdup(type)) == NULL) {
		s->oom = 1;
		s->anomalies_untyped++;
		return;
	}
	n[s->nanomalies++].count = 1;
}

/* The session's own counts, added to c. */
static void
counts_add(struct summary_counts *c, const struct summary_counts *d)
{
	c->sessions += d->sessions;
	c->logins_ok += d->logins_ok;
	c->logins_failed += d->logins_failed;
	c->logins_none += d->logins_none;
	c->login_failures += d->login_failures;
	c->transfers[0] += d->transfers[0];
	c->transfers[1] += d->transfers[1];
	c->bytes += d->bytes;
	c->anomalies += d->anomalies;
}

static void
pasv_mark(struct summary_server *sv, uint16_t port)
{
	if (sv->pasv_seen[port >> 3] & (1 << (port & 7)))
		return;
	sv->pasv_seen[port >> 3] |= (uint8_t)(1 << (port & 7));
	if (sv->pasv_ports == 0 || port < sv->pasv_min)
		sv->pasv_min = port;
	if (sv->pasv_ports == 0 || port > sv->pasv_max)
		sv->pasv_max = port;
	sv->pasv_ports++;
}

/* The oldest port pending marked. */
static void
port_count(struct summary *s)
{
	struct summary_port *p = &s->plag[s->plag_head];

	pasv_mark(p->sv, p->port);
	s->plag_head = (s->plag_head + 1) % SUMMARY_PORT_LAG;
	s->nplag--;
}

/* The same lag as a client's (client_later), for the server's map of
 * ports, 8 KiB read at random: the line is asked for now, marked
 * SUMMARY_PORT_LAG ports later, in any order. */
static void
pasv_port(struct summary *s, struct summary_server *sv, uint16_t port)
{
	struct summary_port *p;

	if (sv->pasv_seen == NULL &&
	    (sv->pasv_seen = calloc(1, PORT_MAP)) == NULL) {
		s->oom = 1;
		return;
	}
	prefetch(&sv->pasv_seen[port >> 3]);
	if (s->nplag == SUMMARY_PORT_LAG)
		port_count(s);
	p = &s->plag[(s->plag_head + s->nplag++) % SUMMARY_PORT_LAG];
	p->sv = sv;
	p->port = port;
}

void
summary_set_vet(struct summary *s, const struct rules_opts *o)
{
	s->vet = o;
}

static void
excluded_count(struct summary *s, const char *reason)
{
	size_t i;

	for (i = 0; i < s->nexcluded; i++)
		if (s->excluded[i].reason == reason) {
			s->excluded[i].count++;
			return;
		}
	if (s->nexcluded == SUMMARY_NREASONS)
		return;		/* rules_vet() has fewer */
	s->excluded[s->nexcluded].reason = reason;
	s->excluded[s->nexcluded++].count = 1;
}

/* The transfers: into d, the totals' statuses and the server's ports. */
static void
transfers_add(struct summary *s, struct summary_counts *d,
    struct summary_server *sv, const struct fa_session *ss)
{
	const struct fa_transfer *t;
	const char *why;
	uint32_t i;

	for (i = 0; i < ss->nxfers; i++) {
		t = &ss->xfers[i];
		d->transfers[t->mode == FA_MODE_ACTIVE]++;
		d->bytes += fa_transfer_bytes(t);
		if ((unsigned)t->status < SUMMARY_NSTATUS)
			s->status[t->status]++;
		if (s->vet != NULL && (why = rules_vet(s->vet, ss, t)) != NULL)
			excluded_count(s, why);
		if (!t->connected)
			s->not_captured++;
		else if (sv != NULL && t->mode == FA_MODE_PASSIVE)
			pasv_port(s, sv, t->data_server.port);
	}
}

/*
 * A session's client is counted SUMMARY_CLIENT_LAG sessions after the
 * session, in the order they came.  Its lookup reads a slot, then the
 * entry the slot names, each at random in a table of megabytes, and the
 * two misses were half the cost of a text report's session: the slot is
 * asked for when the session comes, the entry it names halfway through
 * the lag, and both are there when the counts are added.
 */
static void
client_count(struct summary *s)
{
	struct summary_pending *p = &s->lag[s->lag_head];
	long k;

	if ((k = client_find(s, &p->addr, p->hash)) >= 0)
		counts_add(&s->clients[k].c, &p->d);
	else
		s->clients_untracked++;
	s->lag_head = (s->lag_head + 1) % SUMMARY_CLIENT_LAG;
	s->nlag--;
}

static void
client_later(struct summary *s, const struct fa_addr *a,
    const struct summary_counts *d)
{
	struct summary_pending *p;
	uint32_t k;

	if (s->nlag == SUMMARY_CLIENT_LAG)
		client_count(s);
	p = &s->lag[(s->lag_head + s->nlag++) % SUMMARY_CLIENT_LAG];
	p->addr = *a;
	p->hash = fa_addr_hash(a, 0);
	p->d = *d;
	prefetch(&s->client_slots[p->hash & (CLIENT_SLOTS - 1)]);
	if (s->nlag > SUMMARY_CLIENT_LAG / 2) {
		p = &s->lag[(s->lag_head + s->nlag - 1 - SUMMARY_CLIENT_LAG / 2) %
		    SUMMARY_CLIENT_LAG];
		if ((k = s->client_slots[p->hash & (CLIENT_SLOTS - 1)]) != 0)
			prefetch_span(&s->clients[k - 1], sizeof *s->clients);
	}
}

/* Count what is still pending. */
static void
settle(struct summary *s)
{
	while (s->nlag > 0)
		client_count(s);
	while (s->nplag > 0)
		port_count(s);
}

void
summary_add_session(struct summary *s, const struct fa_session *ss)
{
	struct summary_counts d;
	struct summary_server *sv = NULL;
	long k;
	uint32_t i;

	free(s->by_sessions);
	free(s->top);
	s->by_sessions = NULL;
	s->top = NULL;
	memset(&d, 0, sizeof d);
	d.sessions = 1;
	d.logins_ok = ss->login == FA_LOGIN_SUCCESS;
	d.logins_failed = ss->login == FA_LOGIN_FAILED;
	d.logins_none = ss->login != FA_LOGIN_SUCCESS && ss->login != FA_LOGIN_FAILED;
	d.login_failures = ss->login_failures;
	d.anomalies = ss->nanoms;
	if ((k = server_find(s, &ss->server)) >= 0)
		sv = &s->servers[k];
	else
		s->servers_untracked++;
	transfers_add(s, &d, sv, ss);
	for (i = 0; i < ss->nanoms; i++)
		anomaly_count(s, ss->anoms[i].type);
	for (i = 0; i < ss->ncmds; i++)
		s->replies_dropped += ss->cmds[i].replies_dropped;
	s->tls += ss->tls;
	s->cmds_dropped += ss->cmds_dropped;
	s->xfers_dropped += ss->xfers_dropped;
	s->anoms_dropped += ss->anoms_dropped;
	s->lines_cut += ss->lines_cut;
	s->gaps += ss->gaps;
	s->sessions_with_gaps += ss->gaps > 0;
	counts_add(&s->total, &d);
	if (sv != NULL)
		counts_add(&sv->c, &d);
	client_later(s, &ss->client.ip, &d);
}

void
summary_add_unattributed(struct summary *s, const struct fa_unattributed *u)
{
	(void)u;
	s->unattributed++;
}

/* IPv4 before IPv6, then the address's bytes. */
static int
addr_cmp(const struct fa_addr *a, const struct fa_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, sizeof a->a);
}

static int
more_sessions(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b ? 1 : 0;
}

static int
server_cmp(const void *x, const void *y)
{
	const struct summary_server *a = *(const struct summary_server *const *)x;
	const struct summary_server *b = *(const struct summary_server *const *)y;
	int c;

	if ((c = more_sessions(a->c.sessions, b->c.sessions)) != 0 ||
	    (c = addr_cmp(&a->ep.ip, &b->ep.ip)) != 0)
		return c;
	return (a->ep.port > b->ep.port) - (a->ep.port < b->ep.port);
}

static int
client_cmp(const void *x, const void *y)
{
	const struct summary_client *a = *(const struct summary_client *const *)x;
	const struct summary_client *b = *(const struct summary_client *const *)y;
	int c;

	if ((c = more_sessions(a->c.sessions, b->c.sessions)) != 0)
		return c;
	return addr_cmp(&a->addr, &b->addr);
}

static int
anomaly_cmp(const void *x, const void *y)
{
	const struct summary_anomaly *a = x, *b = y;
	int c;

	if ((c = more_sessions(a->count, b->count)) != 0)
		return c;
	return strcmp(a->type, b->type);
}

const struct summary_server **
summary_servers(struct summary *s, size_t *n)
{
	size_t i;

	settle(s);
	*n = 0;
	if (s->by_sessions == NULL && s->nservers > 0) {
		if ((s->by_sessions = calloc(s->nservers,
		    sizeof *s->by_sessions)) == NULL)
			return NULL;
		for (i = 0; i < s->nservers; i++)
			s->by_sessions[i] = &s->servers[i];
		qsort(s->by_sessions, s->nservers, sizeof *s->by_sessions,
		    server_cmp);
	}
	*n = s->nservers;
	return s->by_sessions;
}

const struct summary_client **
summary_clients(struct summary *s, size_t *n)
{
	size_t i;

	settle(s);
	*n = 0;
	if (s->top == NULL && s->nclients > 0) {
		if ((s->top = calloc(s->nclients, sizeof *s->top)) == NULL)
			return NULL;
		for (i = 0; i < s->nclients; i++)
			s->top[i] = &s->clients[i];
		qsort(s->top, s->nclients, sizeof *s->top, client_cmp);
	}
	*n = s->nclients;
	return s->top;
}

/* Sorted in place: the table is searched by name, not by position. */
const struct summary_anomaly *
summary_anomaly_types(struct summary *s, size_t *n)
{
	if (s->nanomalies > 1)
		qsort(s->anomalies, s->nanomalies, sizeof *s->anomalies,
		    anomaly_cmp);
	*n = s->nanomalies;
	return s->anomalies;
}
