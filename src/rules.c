/* SPDX-License-Identifier: ISC */
/* rules.c: from sessions to the firewall openings they needed and the
 * aggregated least-privilege recommendation.
 *
 * Which transfers count (rules_vet): every transfer the peer accepted by
 * its negotiation reply, connected or not, whose announced address is the
 * host it should be (the server's for passive, the client's for active) or
 * whose connection was seen to reach that host (a NAT rewrote the
 * announcement), not flagged as a bounce, to no privileged port, in a
 * session that logged in.  The rest is excluded, listed with the reason;
 * --trust=all takes every negotiation, as a forensic view.  A negotiated but never
 * connected transfer is exactly what a firewall drop leaves in a capture,
 * so it proves a need as much as a completed one; only connected transfers
 * count as "connections" in the evidence and only they can prove that an
 * active server sends from port 20.  A passive transfer that never
 * connected is taken to the control connection's server address (curl and
 * ftplib ignore the address of a 227); an active one to the address of its
 * PORT/EPRT, unless that is of the other family, where the server's source
 * address cannot be known and no rule is made (the opening has rule 0).
 *
 * Aggregation keys: control and passive data per server address and
 * control port, active data per server address (see transfer_need), all
 * per family.  On the client side with --peers=any the server address is
 * dropped from the keys, since it is no longer matched.
 *
 * Rule ids are given in the order openings are first seen, sessions taken
 * in the order they end.  A later session only widens an existing rule
 * (more addresses, a wider port range, sport 20 becoming any), it never
 * splits one, so the id a session gets while streaming (NDJSON) is the id
 * of the final recommendation made from the same captures and options.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "ftpaudit/fmt.h"
#include "ftpaudit/rules.h"
#include "grow.h"

/* A passive range wider than this earns the "configure a range" hint. */
#define RULES_WIDE_PASV	256

/* A slot of the rules' index: the rule's place in v + 1 (0: empty) and
 * its key, so that a probe reads the index alone.  It read each probed
 * rule's first line (a rule is 336 bytes), a miss most times:
 * rule_slot was 1.2-1.8% of -F ndjson and json's samples. */
struct rslot {
	uint32_t	 i;
	uint16_t	 port;
	uint8_t		 purpose, chain;
	int		 family;
	struct fa_addr	 addr;
};

struct rules {
	struct rules_opts opts;
	struct rules_excluded *exc;	/* owned array */
	size_t		 nexc, exc_cap;
	size_t		 nexc_reason[RX_COUNT];
	size_t		 nlogged_in;	/* sessions that count (rules_empty) */
	struct rules_rule *v;		/* owned array */
	size_t		 n, cap;
	struct rslot *slot;		/* owned: index of v by key */
	size_t		 nslot;		/* power of two, at least 2n */
	struct rules_uncovered *unc;	/* owned array */
	size_t		 nunc, unc_cap;
	struct rules_hint *hints;	/* owned array */
	size_t		 nhints, hints_cap;
	size_t		 nsessions;
	bool		 helper_used;
	bool		 ids_only;	/* see rules_ids_only */
	/* Owned: with the helper strategy, the static recommendation of the
	 * same sessions, for the surface its data rules stand for (the ports
	 * the helper opens must be dropped too when it does not). */
	struct rules	*shadow;
	struct rules_nat *nat;		/* owned array (rules_nat_list) */
	size_t		 nnat, nat_cap;
};

/*
 * A rule's key and the two hosts of one flow: cli and srv are the FTP
 * client's and server's addresses of the flow.
 */
struct flow {
	enum rules_purpose purpose;
	enum rules_chain chain;
	int		 family;
	struct fa_addr	 cli, srv;
	uint16_t	 ctl_port;
	bool		 client_initiates;
};

/*
 * What a session needs, a pure function of the session and the options
 * (session_needs): for its control connection and each transfer, the
 * opening and what covers it.  The rules are widened from it
 * (rules_widen, which notes each opening's rule) or only read
 * (opening_rule).
 */
enum need_kind {
	NK_NONE,	/* excluded, or its ends of two families: no rule */
	NK_FLOW,	/* a port rule, keyed by f */
	NK_HELPER,	/* the helper's rules, related in chain f.chain */
};
struct need {
	struct rules_opening o;		/* rule 0: set by rules_widen or
					   opening_rule */
	const struct fa_transfer *t;	/* borrowed; NULL: control */
	int		 rx;		/* enum rules_reason, or -1: kept */
	enum need_kind	 kind;
	struct flow	 f;
};
struct needs {
	struct need	*v;		/* owned */
	size_t		 n;
	bool		 logged_in;
};

/* A session's openings, each once (rules_openings). */
struct openings {
	struct rules_opening *v;	/* owned */
	size_t		 n, cap;
};

void
rules_opts_defaults(struct rules_opts *o)
{
	memset(o, 0, sizeof *o);
	o->side = RULES_SERVER;
	o->strategy = RULES_STATIC;
	o->peers = RULES_PEERS_OBSERVED;
	fa_portset_add(&o->helper_ports, 21);
	o->aggregate = RULES_AGG_EXACT;
	o->agg_plen4 = 32;
	o->agg_plen6 = 128;
}

static int
parse_word(const char *s, const char *const *words, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(s, words[i]) == 0)
			return i;
	return -1;
}

static const char *const side_words[] = { "server", "client", "gateway" };
static const char *const strategy_words[] = { "static", "helper" };
static const char *const peers_words[] = { "observed", "any" };
static const char *const trust_words[] = { "vetted", "all" };
static const char *const reason_words[] = { "bounce", "privileged_port",
	"third_party_address", "not_accepted", "no_login" };
static const char *const purpose_words[] = { "control", "passive-data",
	"active-data", "established", "helper-assign", "helper-related" };
static const char *const chain_words[] = { "input", "output", "forward",
	"prerouting" };
static const char *const nat_words[] = { "dnat", "snat", "masquerade" };

int
rules_side_parse(const char *s, enum rules_side *out)
{
	int i = parse_word(s, side_words, 3);

	if (i < 0)
		return -1;
	*out = (enum rules_side)i;
	return 0;
}

int
rules_strategy_parse(const char *s, enum rules_strategy *out)
{
	int i = parse_word(s, strategy_words, 2);

	if (i < 0)
		return -1;
	*out = (enum rules_strategy)i;
	return 0;
}

int
rules_peers_parse(const char *s, enum rules_peers *out)
{
	int i = parse_word(s, peers_words, 2);

	if (i < 0)
		return -1;
	*out = (enum rules_peers)i;
	return 0;
}

int
rules_trust_parse(const char *s, enum rules_trust *out)
{
	int i = parse_word(s, trust_words, 2);

	if (i < 0)
		return -1;
	*out = (enum rules_trust)i;
	return 0;
}

/* "ADDR[:PORT]" (IPv4) into a and *port (0 when not given). */
static int
hostport_parse(const char *s, size_t len, struct fa_addr *a, uint16_t *port)
{
	char buf[FA_ADDRSTRLEN + 8], *colon, *end;
	unsigned long p;

	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*port = 0;
	if ((colon = strchr(buf, ':')) != NULL) {
		*colon++ = '\0';
		p = strtoul(colon, &end, 10);
		if (*colon == '\0' || *end != '\0' || p == 0 || p > 65535)
			return -1;
		*port = (uint16_t)p;
	}
	if (fa_addr_parse(buf, a) == -1 || a->family != FA_AF_INET)
		return -1;
	return 0;
}

int
rules_dnat_parse(const char *s, struct rules_dnat_spec *out)
{
	const char *eq = strchr(s, '=');

	memset(out, 0, sizeof *out);
	if (eq == NULL ||
	    hostport_parse(s, (size_t)(eq - s), &out->pub, &out->pub_port) == -1 ||
	    hostport_parse(eq + 1, strlen(eq + 1), &out->in, &out->in_port) == -1)
		return -1;
	if (out->pub_port == 0)
		out->pub_port = 21;
	if (out->in_port == 0)
		out->in_port = out->pub_port;
	return 0;
}

int
rules_net_parse(const char *s, struct rules_net *out)
{
	char buf[FA_ADDRSTRLEN + 8], *slash, *end;
	unsigned long len = 32;
	int i;

	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash++ = '\0';
		len = strtoul(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || len > 32)
			return -1;
	}
	memset(out, 0, sizeof *out);
	if (fa_addr_parse(buf, &out->addr) == -1 ||
	    out->addr.family != FA_AF_INET)
		return -1;
	out->plen = (uint8_t)len;
	for (i = 0; i < 32; i++)	/* host bits cleared: nft wants it so */
		if (i >= (int)len)
			out->addr.a[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	return 0;
}

/* "/N" with N in 0..max into *out, *end after the number; 0 or -1. */
static int
plen_parse(const char *s, unsigned max, uint8_t *out, const char **end)
{
	unsigned long v;
	char *e;

	if (s[0] != '/' || s[1] < '0' || s[1] > '9')
		return -1;
	v = strtoul(s + 1, &e, 10);	/* saturates: never wraps below max */
	if (v > max)
		return -1;
	*out = (uint8_t)v;
	*end = e;
	return 0;
}

int
rules_aggregate_parse(const char *s, struct rules_opts *o)
{
	enum rules_aggregate a = RULES_AGG_PREFIX;
	uint8_t p4 = 32, p6 = 128;
	const char *e;

	if (strcmp(s, "exact") == 0)
		a = RULES_AGG_EXACT;
	else if (strcmp(s, "none") == 0)
		a = RULES_AGG_NONE;
	else if (plen_parse(s, 32, &p4, &e) == -1 ||
	    (*e == ',' && plen_parse(e + 1, 128, &p6, &e) == -1) || *e != '\0')
		return -1;
	o->aggregate = a;
	o->agg_plen4 = p4;
	o->agg_plen6 = p6;
	return 0;
}

const char *
rules_aggregate_str(const struct rules_opts *o, char *buf)
{
	if (o->aggregate != RULES_AGG_PREFIX)
		snprintf(buf, RULES_AGGLEN, "%s", o->aggregate == RULES_AGG_NONE ?
		    "none" : "exact");
	else if (o->agg_plen6 == 128)
		snprintf(buf, RULES_AGGLEN, "/%u", o->agg_plen4);
	else
		snprintf(buf, RULES_AGGLEN, "/%u,/%u", o->agg_plen4, o->agg_plen6);
	return buf;
}

bool
rules_aggregate_widens(const struct rules_opts *o)
{
	return o->aggregate == RULES_AGG_PREFIX &&
	    (o->agg_plen4 < 32 || o->agg_plen6 < 128);
}

const char *rules_nat_kind_str(enum rules_nat_kind x) { return nat_words[x]; }
const char *rules_trust_str(enum rules_trust x) { return trust_words[x]; }
const char *rules_reason_str(enum rules_reason x) { return reason_words[x]; }
const char *rules_side_str(enum rules_side x) { return side_words[x]; }
const char *rules_strategy_str(enum rules_strategy x) { return strategy_words[x]; }
const char *rules_peers_str(enum rules_peers x) { return peers_words[x]; }
const char *rules_purpose_str(enum rules_purpose x) { return purpose_words[x]; }
const char *rules_chain_str(enum rules_chain x) { return chain_words[x]; }

const char *
rules_family_str(int family)
{
	if (family == FA_AF_INET)
		return "ip";
	if (family == FA_AF_INET6)
		return "ip6";
	return "inet";
}

const char *
rules_helper_note(uint32_t bit)
{
	switch (bit) {
	case FA_HELPER_TLS:
		return "control channel encrypted with TLS: the helper cannot read it";
	case FA_HELPER_PORT:
		return "control port is not one the helper is assigned to";
	case FA_HELPER_ADDR:
		return "announced address differs from the sending host's address";
	case FA_HELPER_SPLIT:
		return "negotiation line split across TCP segments";
	case FA_HELPER_BARE_LF:
		return "negotiation line ended in a bare LF";
	case FA_HELPER_FAMILY:
		return "EPRT address family differs from the control connection's";
	}
	return NULL;
}

/* Without snprintf: a recommendation for 100,000 sessions writes as many
 * addresses, and formatting them cost more than the rest of its text. */
const char *
rules_prefix(const struct fa_addr *a, unsigned plen, char *buf)
{
	char d[4], *e = d + sizeof d, *q = fmt_uint(e, plen % 1000);
	size_t n = fa_addr_fmt(a, buf);

	buf[n++] = '/';
	memcpy(buf + n, q, (size_t)(e - q));
	buf[n + (size_t)(e - q)] = '\0';
	return buf;
}

const char *
rules_cidr(const struct fa_addr *a, char *buf)
{
	return rules_prefix(a, a->family == FA_AF_INET6 ? 128 : 32, buf);
}

/* Where a flow's first packet passes on the chosen side's firewall. */
static enum rules_chain
chain_for(enum rules_side side, bool client_initiates)
{
	switch (side) {
	case RULES_SERVER:
		return client_initiates ? RC_INPUT : RC_OUTPUT;
	case RULES_CLIENT:
		return client_initiates ? RC_OUTPUT : RC_INPUT;
	case RULES_GATEWAY:
		break;
	}
	return RC_FORWARD;
}

/*
 * Rules are found by their key: purpose, chain, family, and the server's
 * address and control port.  A busy capture has a rule per server, and
 * each session looks its rules up twice per transfer: a linear search was
 * a tenth of the report writer's time.
 */
static uint32_t
key_hash(enum rules_purpose p, enum rules_chain c, int family,
    const struct fa_addr *a, uint16_t port)
{
	return fa_addr_hash(a, ((uint32_t)p << 20 | (uint32_t)c << 16 | port) ^
	    (uint32_t)(uint8_t)family << 28);
}

static bool
key_eq(const struct rslot *k, enum rules_purpose p, enum rules_chain c,
    int family, const struct fa_addr *a, uint16_t port)
{
	return k->purpose == p && k->chain == c && k->family == family &&
	    k->port == port && memcmp(&k->addr, a, sizeof *a) == 0;
}

/* The slot holding the rule with this key, or the empty one for it. */
static struct rslot *
rule_slot(const struct rules *r, enum rules_purpose p, enum rules_chain c,
    int family, const struct fa_addr *a, uint16_t port)
{
	size_t i = key_hash(p, c, family, a, port) & (r->nslot - 1);

	while (r->slot[i].i != 0 && !key_eq(&r->slot[i], p, c, family, a, port))
		i = (i + 1) & (r->nslot - 1);
	return &r->slot[i];
}

/* Rule u, v[i], into its slot. */
static void
slot_set(struct rules *r, const struct rules_rule *u, size_t i)
{
	struct rslot *k = rule_slot(r, u->purpose, u->chain, u->family,
	    &u->key_addr, u->key_port);

	k->i = (uint32_t)i + 1;
	k->port = u->key_port;
	k->purpose = (uint8_t)u->purpose;
	k->chain = (uint8_t)u->chain;
	k->family = u->family;
	k->addr = u->key_addr;
}

/* Keep the index at most half full. */
static int
rules_rehash(struct rules *r)
{
	size_t i, n = r->nslot ? r->nslot * 2 : 64;
	struct rslot *old = r->slot;

	if ((r->slot = calloc(n, sizeof *r->slot)) == NULL) {
		r->slot = old;
		return -1;
	}
	free(old);
	r->nslot = n;
	for (i = 0; i < r->n; i++)
		slot_set(r, &r->v[i], i);
	return 0;
}

static struct rules_rule *
rule_add(struct rules *r, enum rules_purpose p, enum rules_chain c, int family,
    const struct fa_addr *key_addr, uint16_t key_port)
{
	struct rules_rule *u;

	if ((r->n + 1) * 2 > r->nslot && rules_rehash(r) == -1)
		return NULL;
	if (fa_grow(&r->v, r->n, &r->cap, sizeof *r->v, 8) == -1)
		return NULL;
	u = &r->v[r->n];
	memset(u, 0, sizeof *u);
	u->key_addr = *key_addr;
	u->key_port = key_port;
	u->purpose = p;
	u->chain = c;
	u->family = family;
	slot_set(r, u, r->n);
	u->id = (uint32_t)++r->n;
	u->all_from_20 = true;
	u->ct_state = p == RP_ESTABLISHED ? RULES_CT_ESTABLISHED :
	    p == RP_HELPER_RELATED ? RULES_CT_RELATED :
	    p == RP_HELPER_ASSIGN ? 0 : RULES_CT_NEW;
	u->saddr.any = u->daddr.any = true;
	return u;
}

struct rules *
rules_new(const struct rules_opts *o)
{
	struct rules *r;
	struct fa_addr none;
	bool ok;

	if ((r = calloc(1, sizeof *r)) == NULL)
		return NULL;
	r->opts = *o;
	memset(&none, 0, sizeof none);
	/* Return traffic first: every base chain of the side needs it. */
	if (o->side == RULES_GATEWAY)
		ok = rule_add(r, RP_ESTABLISHED, RC_FORWARD, 0, &none, 0) != NULL;
	else
		ok = rule_add(r, RP_ESTABLISHED, RC_INPUT, 0, &none, 0) != NULL &&
		    rule_add(r, RP_ESTABLISHED, RC_OUTPUT, 0, &none, 0) != NULL;
	if (ok && o->strategy == RULES_HELPER) {
		struct rules_opts so = *o;

		so.strategy = RULES_STATIC;
		ok = (r->shadow = rules_new(&so)) != NULL;
	}
	if (!ok) {
		rules_free(r);
		return NULL;
	}
	return r;
}

void
rules_rule_release(struct rules_rule *u)
{
	free(u->saddr.v);
	free(u->saddr.slot);
	free(u->daddr.v);
	free(u->daddr.slot);
	free(u->saddr.agg);
	free(u->daddr.agg);
	free(u->sport);
	free(u->dport);
	free(u->ev.sessions);
	for (size_t i = 0; i < u->ev.nsensors; i++)
		free(u->ev.sensors[i]);
	free(u->ev.sensors);
	free(u->ev.ports);
	memset(&u->saddr, 0, sizeof u->saddr);
	memset(&u->daddr, 0, sizeof u->daddr);
	memset(&u->ev, 0, sizeof u->ev);
	u->sport = u->dport = NULL;
	u->nsport = u->ndport = 0;
}

void
rules_free(struct rules *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		rules_rule_release(&r->v[i]);
	for (i = 0; i < r->nhints; i++)
		free(r->hints[i].text);
	for (i = 0; i < r->nnat; i++) {
		free(r->nat[i].saddr.v);
		free(r->nat[i].saddr.slot);
		free(r->nat[i].saddr.agg);
		free(r->nat[i].pasv);
	}
	free(r->nat);
	free(r->v);
	free(r->slot);
	rules_free(r->shadow);
	free(r->unc);
	free(r->exc);
	free(r->hints);
	free(r);
}

static struct rules_rule *
rule_find(const struct rules *r, enum rules_purpose p, enum rules_chain c,
    int family, const struct fa_addr *key_addr, uint16_t key_port)
{
	uint32_t i = rule_slot(r, p, c, family, key_addr, key_port)->i;

	return i != 0 ? &r->v[i - 1] : NULL;
}

/* The slot holding a, or the empty one where it belongs. */
static uint32_t *
addrs_slot(const struct rules_addrs *s, const struct fa_addr *a)
{
	size_t i = fa_addr_hash(a, 0) & (s->nslot - 1);

	while (s->slot[i] != 0 && !fa_addr_eq(&s->v[s->slot[i] - 1], a))
		i = (i + 1) & (s->nslot - 1);
	return &s->slot[i];
}

/* Keep the index at most half full. */
static int
addrs_rehash(struct rules_addrs *s)
{
	size_t i, n = s->nslot ? s->nslot * 2 : 16;
	uint32_t *old = s->slot;

	if ((s->slot = calloc(n, sizeof *s->slot)) == NULL) {
		s->slot = old;
		return -1;
	}
	free(old);
	s->nslot = n;
	for (i = 0; i < s->n; i++)
		*addrs_slot(s, &s->v[i]) = (uint32_t)i + 1;
	return 0;
}

int
rules_addrs_add(struct rules_addrs *s, const struct fa_addr *a)
{
	uint32_t *slot;

	if (s->any)
		return 0;
	if ((s->n + 1) * 2 > s->nslot && addrs_rehash(s) == -1)
		return -1;
	if (*(slot = addrs_slot(s, a)) != 0)
		return 0;
	if (fa_grow(&s->v, s->n, &s->cap, sizeof *s->v, 8) == -1)
		return -1;
	s->v[s->n++] = *a;
	*slot = (uint32_t)s->n;
	return 0;
}

static int
ports_add(struct rules_evidence *ev, uint16_t port)
{
	size_t lo = 0, hi = ev->nports, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (ev->ports[mid] == port)
			return 0;
		if (ev->ports[mid] < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (fa_grow(&ev->ports, ev->nports, &ev->ports_cap,
	    sizeof *ev->ports, 8) == -1)
		return -1;
	memmove(&ev->ports[lo + 1], &ev->ports[lo],
	    (ev->nports - lo) * sizeof *ev->ports);
	ev->ports[lo] = port;
	ev->nports++;
	return 0;
}

/* Count one use of rule u by session s at ts; port 0: none to note. */
/* The session record's observer (records.c), once, in order. */
static int
sensor_add(struct rules_evidence *ev, const char *name)
{
	size_t i;
	int c = 1;
	char *p;

	for (i = 0; i < ev->nsensors && (c = strcmp(ev->sensors[i], name)) < 0;
	    i++)
		;
	if (c == 0)
		return 0;
	if (fa_grow(&ev->sensors, ev->nsensors, &ev->sensors_cap,
	    sizeof *ev->sensors, 8) == -1 || (p = strdup(name)) == NULL)
		return -1;
	memmove(&ev->sensors[i + 1], &ev->sensors[i],
	    (ev->nsensors - i) * sizeof *ev->sensors);
	ev->sensors[i] = p;
	ev->nsensors++;
	return 0;
}

static int
evidence_add(struct rules_rule *u, const struct fa_session *s, uint64_t ts,
    bool connection, uint16_t port)
{
	struct rules_evidence *ev = &u->ev;

	if (u->last_session != s->id || ev->nsessions == 0) {
		if (fa_grow(&ev->sessions, ev->nsessions, &ev->cap,
		    sizeof *ev->sessions, 8) == -1)
			return -1;
		ev->sessions[ev->nsessions++] = s->id;
		u->last_session = s->id;
	}
	if (s->sensor != NULL && sensor_add(ev, s->sensor) == -1)
		return -1;
	if (connection)
		ev->connections++;
	if (ts != 0 && (ev->first_us == 0 || ts < ev->first_us))
		ev->first_us = ts;
	if (ts > ev->last_us)
		ev->last_us = ts;
	return port != 0 ? ports_add(ev, port) : 0;
}

/* Field by field: struct padding is not copied reliably. */
static bool
opening_eq(const struct rules_opening *x, const struct rules_opening *y)
{
	return x->rule == y->rule && x->purpose == y->purpose &&
	    fa_endpoint_eq(&x->initiator, &y->initiator) &&
	    fa_endpoint_eq(&x->responder, &y->responder) &&
	    x->initiator_port_known == y->initiator_port_known &&
	    x->helper_covers == y->helper_covers && x->excluded == y->excluded &&
	    x->helper_flags == y->helper_flags;
}

static int
openings_push(struct openings *w, const struct rules_opening *o)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (opening_eq(&w->v[i], o))
			return 0;
	if (fa_grow(&w->v, w->n, &w->cap, sizeof *w->v, 8) == -1)
		return -1;
	w->v[w->n++] = *o;
	return 0;
}

static int
uncovered_add(struct rules *r, uint64_t session, const char *reason)
{
	size_t i;

	for (i = r->nunc; i > 0 && r->unc[i - 1].session == session; i--)
		if (r->unc[i - 1].reason == reason)
			return 0;
	if (fa_grow(&r->unc, r->nunc, &r->unc_cap, sizeof *r->unc, 8) == -1)
		return -1;
	r->unc[r->nunc].session = session;
	r->unc[r->nunc].reason = reason;
	r->nunc++;
	return 0;
}

static int
hint_add(struct rules *r, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
hint_add(struct rules *r, const char *type, const char *fmt, ...)
{
	va_list ap;
	char *text;
	size_t i;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -1;
	for (i = 0; i < r->nhints; i++)
		if (strcmp(r->hints[i].text, text) == 0) {
			free(text);
			return 0;
		}
	if (fa_grow(&r->hints, r->nhints, &r->hints_cap,
	    sizeof *r->hints, 8) == -1) {
		free(text);
		return -1;
	}
	r->hints[r->nhints].type = type;
	r->hints[r->nhints].text = text;
	r->nhints++;
	return 0;
}

static bool
keeps_server(const struct rules_opts *o)
{
	return o->side != RULES_CLIENT || o->peers == RULES_PEERS_OBSERVED;
}

static bool
keeps_client(const struct rules_opts *o)
{
	return o->side == RULES_CLIENT || o->peers == RULES_PEERS_OBSERVED;
}

/* A flow's rule key: the server's address unless it is not matched. */
static struct fa_addr
flow_key(const struct rules_opts *o, const struct flow *f)
{
	struct fa_addr key;

	memset(&key, 0, sizeof key);
	if (keeps_server(o))
		key = f->srv;
	return key;
}

/* The rule of a flow, made (matching any address on a side that is not
 * kept) when missing; NULL on ENOMEM. */
static struct rules_rule *
flow_get(struct rules *r, const struct flow *f)
{
	struct fa_addr key = flow_key(&r->opts, f);
	struct rules_rule *u;
	struct rules_addrs *ca, *sa;

	u = rule_find(r, f->purpose, f->chain, f->family, &key, f->ctl_port);
	if (u != NULL)
		return u;
	if ((u = rule_add(r, f->purpose, f->chain, f->family, &key,
	    f->ctl_port)) == NULL)
		return NULL;
	ca = f->client_initiates ? &u->saddr : &u->daddr;
	sa = f->client_initiates ? &u->daddr : &u->saddr;
	ca->any = !keeps_client(&r->opts);
	sa->any = !keeps_server(&r->opts);
	return u;
}

/* Rule u of flow f holds its hosts. */
static int
flow_addrs(struct rules_rule *u, const struct flow *f)
{
	if (rules_addrs_add(f->client_initiates ? &u->saddr : &u->daddr,
	    &f->cli) == -1 ||
	    rules_addrs_add(f->client_initiates ? &u->daddr : &u->saddr,
	    &f->srv) == -1)
		return -1;
	return 0;
}

/* Where the helper is assigned: before conntrack sees the first packet. */
static enum rules_chain
assign_chain(const struct rules_opts *o)
{
	return o->side == RULES_CLIENT ? RC_OUTPUT : RC_PREROUTING;
}

/* The helper's two rules for a covered data flow, made when missing: the
 * assignment, then the related accept in chain c, which is returned. */
static struct rules_rule *
helper_get(struct rules *r, enum rules_chain c)
{
	struct fa_addr none;

	memset(&none, 0, sizeof none);
	if (rule_find(r, RP_HELPER_ASSIGN, assign_chain(&r->opts), 0, &none,
	    0) == NULL && rule_add(r, RP_HELPER_ASSIGN, assign_chain(&r->opts),
	    0, &none, 0) == NULL)
		return NULL;
	if (rule_find(r, RP_HELPER_RELATED, c, 0, &none, 0) == NULL &&
	    rule_add(r, RP_HELPER_RELATED, c, 0, &none, 0) == NULL)
		return NULL;
	return rule_find(r, RP_HELPER_RELATED, c, 0, &none, 0);
}

static uint32_t
helper_flags(const struct rules_opts *o, const struct fa_session *s,
    const struct fa_transfer *t)
{
	uint32_t f = t->helper_flags & (FA_HELPER_ADDR | FA_HELPER_SPLIT |
	    FA_HELPER_BARE_LF | FA_HELPER_FAMILY);

	if (s->tls || s->implicit_tls)
		f |= FA_HELPER_TLS;
	if (!fa_portset_has(&o->helper_ports, s->server.port))
		f |= FA_HELPER_PORT;
	return f;
}

/*
 * In a session seen on both sides of a translation (nat.c), a data
 * connection seen on the outside only (the gateway refused it, or the
 * capture missed the inside) names the outside addresses: the host's own
 * address in its place, which the forward chain sees.  Else a itself.
 */
static const struct fa_addr *
own_addr(const struct fa_session *s, const struct fa_addr *a)
{
	const struct fa_nat *x = s->nat;

	if (x == NULL || x->kind == FA_NAT_NONE)
		return a;
	if (fa_addr_eq(a, &x->out_server.ip))
		return &x->in_server.ip;
	if (fa_addr_eq(a, &x->out_client.ip))
		return &x->in_client.ip;
	return a;
}

/* The two ends of a data flow, as seen or as negotiated. */
static void
data_ends(const struct fa_session *s, const struct fa_transfer *t,
    struct rules_opening *o)
{
	o->purpose = t->mode == FA_MODE_PASSIVE ? RP_PASSIVE : RP_ACTIVE;
	o->initiator_port_known = t->connected;
	if (t->connected) {
		o->initiator = t->initiator_server ? t->data_server : t->data_client;
		o->responder = t->initiator_server ? t->data_client : t->data_server;
		o->initiator.ip = *own_addr(s, &o->initiator.ip);
		o->responder.ip = *own_addr(s, &o->responder.ip);
		return;
	}
	memset(&o->initiator, 0, sizeof o->initiator);
	if (t->mode == FA_MODE_PASSIVE) {
		o->initiator.ip = s->client.ip;
		o->responder.ip = s->server.ip;
		o->responder.port = t->expected.port;
	} else {
		o->initiator.ip = s->server.ip;
		o->responder = t->expected;
		o->responder.ip = *own_addr(s, &o->responder.ip);
	}
}

static int
note_uncovered(struct rules *r, const struct fa_session *s, uint32_t flags)
{
	uint32_t bit;

	for (bit = 1; bit <= FA_HELPER_FAMILY; bit <<= 1)
		if ((flags & bit) && uncovered_add(r, s->id,
		    rules_helper_note(bit)) == -1)
			return -1;
	return 0;
}

/* Hints one transfer can earn. */
static int
transfer_hints(struct rules *r, const struct fa_session *s,
    const struct fa_transfer *t)
{
	char a[FA_ADDRSTRLEN], b[FA_ADDRSTRLEN];

	if (t->neg == FA_NEG_PASV && fa_addr_is_private(&t->announced.ip) &&
	    !fa_addr_eq(&t->announced.ip, &s->server.ip))
		return hint_add(r, "pasv-private-address",
		    "server %s port %u announces the private address %s in its "
		    "227 replies: configure the public address (vsftpd pasv_address, "
		    "proftpd MasqueradeAddress, pyftpdlib --nat-address)",
		    fa_addr_str(&s->server.ip, a), s->server.port,
		    fa_addr_str(&t->announced.ip, b));
	return 0;
}

static bool
active_verb(const char *v)
{
	return strcmp(v, "PORT") == 0 || strcmp(v, "EPRT") == 0 ||
	    strcmp(v, "LPRT") == 0;
}

/*
 * The reply to an active transfer's PORT, EPRT or LPRT, found among the
 * session's commands by its time (a transfer's negotiation time is its
 * command's): binary search, then the k-th active command of that instant
 * when k earlier transfers share it (pipelined PORTs).  0 when not kept
 * (beyond the command cap), not answered, or out of order in time.
 */
static int
active_reply(const struct fa_session *s, const struct fa_transfer *t)
{
	const struct fa_command *c = s->cmds;
	uint32_t j, k = 0, lo = 0, hi = s->ncmds, mid;

	j = t->id - 1;
	if (j < s->nxfers && &s->xfers[j] == t)
		for (; j > 0 && s->xfers[j - 1].neg_ts_us == t->neg_ts_us; j--)
			k += s->xfers[j - 1].mode == FA_MODE_ACTIVE &&
			    s->xfers[j - 1].neg != FA_NEG_TLS;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c[mid].ts_us < t->neg_ts_us)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->ncmds && c[lo].ts_us == t->neg_ts_us; lo++)
		if (active_verb(c[lo].verb) && k-- == 0)
			return c[lo].reply_code;
	return 0;
}

/* Accepted by its negotiation's reply.  A passive transfer exists only
 * from a 227, 228 or 229, and a connection proves an active one; else
 * the PORT's reply, or when that is not found the data command's answer
 * (given only after a PORT was taken). */
static bool
accepted(const struct fa_session *s, const struct fa_transfer *t)
{
	int code;

	if (t->mode == FA_MODE_PASSIVE || t->neg == FA_NEG_TLS || t->connected)
		return true;
	if ((code = active_reply(s, t)) != 0)
		return code >= 200 && code < 300;
	return t->command != NULL && t->reply_code != 0 &&
	    t->reply_code != 530 && t->reply_code < 500;
}

/* Logged in, or it must have been: the login is inside TLS, or the
 * server answered a data command with something else than "not logged
 * in" (a capture that starts after the login). */
static bool
logged_in(const struct fa_session *s)
{
	const struct fa_transfer *t;
	uint32_t i;

	if (s->login == FA_LOGIN_SUCCESS || s->tls || s->implicit_tls)
		return true;
	for (i = 0; i < s->nxfers; i++) {
		t = &s->xfers[i];
		if (t->command != NULL && t->reply_code != 0 &&
		    t->reply_code != 530 && t->reply_code != 532)
			return true;
	}
	return false;
}

/* The engine's ftp_bounce test (control.c), for one transfer. */
static bool
bounce(const struct fa_session *s, const struct fa_transfer *t)
{
	const struct fa_addr *a = &t->announced.ip;

	return t->mode == FA_MODE_ACTIVE && t->neg != FA_NEG_TLS &&
	    a->family == s->client.ip.family && !fa_addr_eq(a, &s->client.ip) &&
	    !fa_addr_is_unspecified(a) &&
	    (!fa_addr_is_private(a) || t->announced.port < 1024);
}

/* The host a transfer's connection must reach, and the address it was
 * seen to reach or, when not seen, was announced. */
static bool
third_party(const struct fa_session *s, const struct fa_transfer *t)
{
	bool pasv = t->mode == FA_MODE_PASSIVE;
	const struct fa_addr *host = pasv ? &s->server.ip : &s->client.ip;

	if (t->connected)
		return !fa_addr_eq(own_addr(s, pasv ? &t->data_server.ip :
		    &t->data_client.ip), host);
	return !fa_addr_eq(own_addr(s, &t->expected.ip), host);
}

static int
vet(const struct rules_opts *o, const struct fa_session *s,
    const struct fa_transfer *t, bool login)
{
	uint16_t port;

	if (o->trust == RULES_TRUST_ALL)
		return -1;
	if (bounce(s, t))
		return RX_BOUNCE;
	port = t->connected ? (t->mode == FA_MODE_PASSIVE ?
	    t->data_server.port : t->data_client.port) : t->expected.port;
	if (port < 1024)
		return RX_PRIVILEGED_PORT;
	if (third_party(s, t))
		return RX_THIRD_PARTY;
	if (!accepted(s, t))
		return RX_NOT_ACCEPTED;
	if (!login)
		return RX_NO_LOGIN;
	return -1;
}

const char *
rules_vet(const struct rules_opts *o, const struct fa_session *s,
    const struct fa_transfer *t)
{
	int rx;

	rx = vet(o, s, t, logged_in(s));
	return rx < 0 ? NULL : reason_words[rx];
}

static int
excluded_add(struct rules *r, const struct fa_session *s,
    const struct fa_transfer *t, const struct rules_opening *o, int rx)
{
	struct rules_excluded *x;

	r->nexc_reason[rx]++;
	if (fa_grow(&r->exc, r->nexc, &r->exc_cap, sizeof *r->exc, 8) == -1)
		return -1;
	x = &r->exc[r->nexc++];
	x->session = s->id;
	x->transfer = t->id;
	x->endpoint = o->responder;
	x->reason = (enum rules_reason)rx;
	return 0;
}

/* What one data transfer needs. */
static void
transfer_need(const struct rules_opts *o, const struct fa_session *s,
    const struct fa_transfer *t, bool login, struct need *nd)
{
	struct rules_opening *op = &nd->o;
	struct flow *f = &nd->f;

	memset(nd, 0, sizeof *nd);
	nd->t = t;
	data_ends(s, t, op);
	op->helper_flags = helper_flags(o, s, t);
	op->helper_covers = op->helper_flags == 0;
	if ((nd->rx = vet(o, s, t, login)) >= 0) {
		op->excluded = reason_words[nd->rx];
		nd->kind = NK_NONE;
		return;
	}
	f->purpose = op->purpose;
	f->client_initiates = op->purpose == RP_PASSIVE;
	f->chain = chain_for(o->side, f->client_initiates);
	f->family = op->responder.ip.family;
	f->cli = f->client_initiates ? op->initiator.ip : op->responder.ip;
	f->srv = f->client_initiates ? op->responder.ip : op->initiator.ip;
	/* A data connection carries no trace of its control port: two active
	 * rules of one address would only differ in sport, one subsuming
	 * the other.  So active data is one rule per server address. */
	f->ctl_port = op->purpose == RP_ACTIVE ? 0 : s->server.port;
	if (op->initiator.ip.family != op->responder.ip.family)
		nd->kind = NK_NONE;	/* no rule: see the top */
	else if (o->strategy == RULES_HELPER && op->helper_covers)
		nd->kind = NK_HELPER;
	else
		nd->kind = NK_FLOW;
}

/* What the control connection needs. */
static void
control_need(const struct rules_opts *o, const struct fa_session *s,
    struct need *nd)
{
	memset(nd, 0, sizeof *nd);
	nd->rx = -1;
	nd->kind = NK_FLOW;
	nd->o.purpose = RP_CONTROL;
	nd->o.initiator = s->client;
	nd->o.initiator_port_known = true;
	nd->o.responder = s->server;
	nd->f.purpose = RP_CONTROL;
	nd->f.client_initiates = true;
	nd->f.chain = chain_for(o->side, true);
	nd->f.family = s->server.ip.family;
	nd->f.cli = s->client.ip;
	nd->f.srv = s->server.ip;
	nd->f.ctl_port = s->server.port;
}

/* The session's needs into *out (out->v owned by the caller); 0 or -1. */
static int
session_needs(const struct rules_opts *o, const struct fa_session *s,
    struct needs *out)
{
	uint32_t i;

	out->logged_in = logged_in(s);
	out->n = (size_t)s->nxfers + 1;
	if ((out->v = reallocarray(NULL, out->n, sizeof *out->v)) == NULL)
		return -1;
	control_need(o, s, &out->v[0]);
	for (i = 0; i < s->nxfers; i++)
		transfer_need(o, s, &s->xfers[i], out->logged_in,
		    &out->v[i + 1]);
	return 0;
}

static int
session_hints(struct rules *r, const struct fa_session *s)
{
	char a[FA_ADDRSTRLEN];

	fa_addr_str(&s->server.ip, a);
	if ((s->tls || s->implicit_tls) && hint_add(r, "tls",
	    "sessions to %s port %u are encrypted with TLS: the conntrack "
	    "helper cannot see their data ports, and ftpaudit only knows the "
	    "ports it saw used (data connections between the same hosts); "
	    "configure a passive port range on the server and open all of it "
	    "with a static rule",
	    a, s->server.port) == -1)
		return -1;
	if (s->server.port != 21 && hint_add(r, "non-standard-port",
	    "FTP on the non-standard port %u at %s: the helper must be assigned "
	    "to that port explicitly (--ports tells ftpaudit which ports it is "
	    "assigned to)", s->server.port, a) == -1)
		return -1;
	return 0;
}

/*
 * The NAT part: an entry found, or made when missing.  Entries are few
 * (one per translation and server), so they are found by a linear search.
 */
static struct rules_nat *
nat_find(struct rules *r, enum rules_nat_kind k, const struct fa_addr *daddr,
    uint16_t port, const struct fa_addr *to, uint16_t to_port,
    const struct rules_net *net)
{
	struct rules_nat *n;
	size_t i;

	for (i = 0; i < r->nnat; i++) {
		n = &r->nat[i];
		if (n->kind == k && fa_addr_eq(&n->daddr, daddr) &&
		    n->port == port && fa_addr_eq(&n->to, to) &&
		    n->to_port == to_port && n->has_net == (net != NULL) &&
		    (net == NULL || (n->net.plen == net->plen &&
		    fa_addr_eq(&n->net.addr, &net->addr))))
			return n;
	}
	if (fa_grow(&r->nat, r->nnat, &r->nat_cap, sizeof *r->nat, 8) == -1)
		return NULL;
	n = &r->nat[r->nnat];
	memset(n, 0, sizeof *n);
	n->id = (uint32_t)++r->nnat;
	n->kind = k;
	n->daddr = *daddr;
	n->port = port;
	n->to = *to;
	n->to_port = to_port;
	if (net != NULL) {
		n->has_net = true;
		n->net = *net;
	}
	n->saddr.any = r->opts.peers == RULES_PEERS_ANY || net != NULL;
	return n;
}

/* A vetted active transfer: the server behind a port forward connects
 * out, and its source must be the public address too.  One the helper
 * covers is translated by nf_nat_ftp (the expectation follows the
 * control connection's NAT): no rule. */
static bool
nat_active(const struct rules *r, const struct fa_session *s)
{
	uint32_t i;

	for (i = 0; i < s->nxfers; i++)
		if (s->xfers[i].mode == FA_MODE_ACTIVE &&
		    s->xfers[i].neg != FA_NEG_TLS &&
		    vet(&r->opts, s, &s->xfers[i], true) < 0 &&
		    (r->opts.strategy == RULES_STATIC ||
		    helper_flags(&r->opts, s, &s->xfers[i]) != 0))
			return true;
	return false;
}

/* The translation a paired session showed (nat.c), IPv4 only. */
static int
nat_observe(struct rules *r, const struct fa_session *s)
{
	const struct fa_nat *x = s->nat;
	struct rules_nat *n;

	if (x == NULL || x->kind == FA_NAT_NONE ||
	    x->in_server.ip.family != FA_AF_INET ||
	    x->out_server.ip.family != FA_AF_INET)
		return 0;
	if (x->kind == FA_NAT_DNAT || x->kind == FA_NAT_BOTH) {
		if ((n = nat_find(r, RN_DNAT, &x->out_server.ip,
		    x->out_server.port, &x->in_server.ip, x->in_server.port,
		    NULL)) == NULL ||
		    rules_addrs_add(&n->saddr, &x->out_client.ip) == -1)
			return -1;
		n->nsessions++;
		n->active |= nat_active(r, s);
	}
	if (x->kind == FA_NAT_SNAT || x->kind == FA_NAT_BOTH) {
		if ((n = nat_find(r, RN_SNAT, &x->in_server.ip,
		    x->in_server.port, &x->out_client.ip, 0, NULL)) == NULL ||
		    rules_addrs_add(&n->saddr, &x->in_client.ip) == -1)
			return -1;
		n->nsessions++;
	}
	return 0;
}

/* The id of the rule that covers nd so far, or 0. */
static uint32_t
opening_rule(const struct rules *r, const struct need *nd)
{
	const struct rules_rule *u = NULL;
	struct fa_addr key;

	switch (nd->kind) {
	case NK_NONE:
		return 0;
	case NK_HELPER:
		memset(&key, 0, sizeof key);
		u = rule_find(r, RP_HELPER_RELATED, nd->f.chain, 0, &key, 0);
		break;
	case NK_FLOW:
		key = flow_key(&r->opts, &nd->f);
		u = rule_find(r, nd->f.purpose, nd->f.chain, nd->f.family, &key,
		    nd->f.ctl_port);
		break;
	}
	return u != NULL ? u->id : 0;
}

/* The session's openings, each once, with the ids of their rules. */
static int
openings_of(const struct rules *r, const struct needs *ns,
    struct rules_opening **out, size_t *n)
{
	struct openings w;
	struct rules_opening o;
	size_t i;

	memset(&w, 0, sizeof w);
	for (i = 0; i < ns->n; i++) {
		o = ns->v[i].o;
		if (o.rule == 0)
			o.rule = opening_rule(r, &ns->v[i]);
		if (openings_push(&w, &o) == -1) {
			free(w.v);
			*out = NULL;
			*n = 0;
			return -1;
		}
	}
	*out = w.v;
	*n = w.n;
	return 0;
}

/* The evidence of one need on its rule u (and the helper's assignment). */
static int
need_evidence(struct rules *r, const struct fa_session *s,
    const struct need *nd, struct rules_rule *u)
{
	const struct fa_transfer *t = nd->t;
	struct rules_rule *a;
	struct fa_addr none;

	if (t == NULL)
		return evidence_add(u, s, s->start_us, true, s->server.port);
	if (nd->kind == NK_HELPER) {
		memset(&none, 0, sizeof none);
		a = rule_find(r, RP_HELPER_ASSIGN, assign_chain(&r->opts), 0,
		    &none, 0);
		if (evidence_add(a, s, s->start_us, false, s->server.port) == -1)
			return -1;
	}
	if (evidence_add(u, s, t->connected ? t->start_us : t->neg_ts_us,
	    t->connected, u->purpose == RP_HELPER_RELATED ? 0 :
	    nd->o.responder.port) == -1)
		return -1;
	if (t->connected && nd->o.purpose == RP_ACTIVE) {
		u->active_seen = true;
		u->all_from_20 &= nd->o.initiator.port == 20;
	}
	return 0;
}

/* Notes, hints and exclusions a transfer earns. */
static int
transfer_notes(struct rules *r, const struct fa_session *s,
    const struct need *nd)
{
	if (nd->rx >= 0)
		return transfer_hints(r, s, nd->t) == -1 ||
		    excluded_add(r, s, nd->t, &nd->o, nd->rx) == -1 ? -1 : 0;
	if (note_uncovered(r, s, nd->o.helper_flags) == -1 ||
	    transfer_hints(r, s, nd->t) == -1)
		return -1;
	return 0;
}

/* The rule of one need, made when missing and, unless ids only, widened
 * to its hosts and evidence. */
static int
widen_need(struct rules *r, const struct fa_session *s, struct need *nd)
{
	struct rules_rule *u;

	if (nd->t != NULL && !r->ids_only && transfer_notes(r, s, nd) == -1)
		return -1;
	if (nd->kind == NK_NONE)
		return 0;
	if (nd->t != NULL && nd->o.helper_covers)
		r->helper_used = true;
	u = nd->kind == NK_HELPER ? helper_get(r, nd->f.chain) :
	    flow_get(r, &nd->f);
	if (u == NULL)
		return -1;
	/* The rule opening_rule would find: openings_of need not look
	 * it up again (a miss in the rules' index, most times). */
	nd->o.rule = u->id;
	if (r->ids_only)
		return 0;
	if (nd->kind == NK_FLOW && flow_addrs(u, &nd->f) == -1)
		return -1;
	if (need_evidence(r, s, nd, u) == -1)
		return -1;
	return nd->t == NULL ? session_hints(r, s) : 0;
}

/* The rules widened by what a session needs, in order: a rule is made
 * when an opening is first seen. */
static int
rules_widen(struct rules *r, const struct fa_session *s, struct needs *ns)
{
	bool counts = ns->logged_in || r->opts.trust == RULES_TRUST_ALL;
	size_t i;

	if (counts)
		r->nlogged_in++;
	if (counts && !r->ids_only && r->opts.side == RULES_GATEWAY &&
	    nat_observe(r, s) == -1)
		return -1;
	for (i = 0; i < ns->n; i++)
		if (widen_need(r, s, &ns->v[i]) == -1)
			return -1;
	return 0;
}

/* The session's needs into *ns (ns->v owned by the caller, also on -1),
 * and the rules widened by them. */
static int
session_add(struct rules *r, const struct fa_session *s, struct needs *ns)
{
	int rc;

	ns->v = NULL;
	rc = session_needs(&r->opts, s, ns);
	if (rc == 0)
		rc = rules_widen(r, s, ns);
	if (rc == 0 && r->shadow != NULL)
		rc = rules_add_session(r->shadow, s);
	r->nsessions++;
	return rc;
}

int
rules_add_session(struct rules *r, const struct fa_session *s)
{
	struct needs ns;
	int rc;

	rc = session_add(r, s, &ns);
	free(ns.v);
	return rc;
}

int
rules_add_openings(struct rules *r, const struct fa_session *s,
    struct rules_opening **out, size_t *n)
{
	struct needs ns;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = session_add(r, s, &ns)) == 0)
		rc = openings_of(r, &ns, out, n);
	free(ns.v);
	return rc;
}

int
rules_openings(const struct rules *r, const struct fa_session *s,
    struct rules_opening **out, size_t *n)
{
	struct needs ns;
	int rc;

	*out = NULL;
	*n = 0;
	if (session_needs(&r->opts, s, &ns) == -1)
		return -1;
	rc = openings_of(r, &ns, out, n);
	free(ns.v);
	return rc;
}

static int
range_set(struct rules_range **v, size_t *n, uint16_t lo, uint16_t hi)
{
	free(*v);
	if ((*v = malloc(sizeof **v)) == NULL)
		return -1;
	(*v)->lo = lo;
	(*v)->hi = hi;
	*n = 1;
	return 0;
}

int
rules_ranges_add(struct rules_range **v, size_t *n, uint16_t lo, uint16_t hi)
{
	struct rules_range *nv;
	size_t i, j;

	if (lo > hi)
		return -1;
	/* Ranges before lo (not touching it) stay; from i on they merge. */
	for (i = 0; i < *n && (uint32_t)(*v)[i].hi + 1 < lo; i++)
		;
	for (j = i; j < *n && (*v)[j].lo <= (uint32_t)hi + 1; j++) {
		if ((*v)[j].lo < lo)
			lo = (*v)[j].lo;
		if ((*v)[j].hi > hi)
			hi = (*v)[j].hi;
	}
	if (j == i) {		/* nothing merged: make room at i */
		if ((nv = realloc(*v, (*n + 1) * sizeof *nv)) == NULL)
			return -1;
		*v = nv;
		memmove(&nv[i + 1], &nv[i], (*n - i) * sizeof *nv);
		(*n)++;
		j = i + 1;
	}
	(*v)[i].lo = lo;
	(*v)[i].hi = hi;
	memmove(&(*v)[i + 1], &(*v)[j], (*n - j) * sizeof **v);
	*n -= j - i - 1;
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Session ids come as their sessions end, nearly in order: by insertion,
 * unless that moves more than a few places an id (qsort then).  qsort
 * alone was a third of the recommendation's work after the capture. */
static void
sort_ids(uint64_t *v, size_t n)
{
	size_t i, j, moved = 0;
	uint64_t x;

	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
		if ((moved += i - j) > 8 * n) {
			qsort(v, n, sizeof *v, cmp_u64);
			return;
		}
	}
}

/* The list as the renderers match it (--aggregate); v stays as seen.
 * Only the peers' list is widened (the clients; on the client side the
 * servers, as --peers has it): the other is the host the rule is for. */
static int
addrs_aggregate(const struct rules_opts *o, struct rules_addrs *s, bool peers)
{
	bool prefix = o->aggregate == RULES_AGG_PREFIX && peers;

	if (o->aggregate == RULES_AGG_NONE || s->any)
		return 0;
	free(s->agg);
	s->aggregated = true;
	return aggregate_ranges(s->v, s->n, prefix ? o->agg_plen4 : 32,
	    prefix ? o->agg_plen6 : 128, &s->agg, &s->nagg);
}

/* Port ranges from the evidence, by the documented generalisations;
 * the address lists aggregated. */
static int
rule_finish(struct rules *r, struct rules_rule *u)
{
	struct rules_evidence *ev = &u->ev;
	char a[FA_ADDRSTRLEN];
	size_t i;
	uint16_t lo;
	bool peers_s;

	sort_ids(ev->sessions, ev->nsessions);
	/* saddr is the FTP client's but for active data. */
	peers_s = (u->purpose != RP_ACTIVE) == (r->opts.side != RULES_CLIENT);
	if (addrs_aggregate(&r->opts, &u->saddr, peers_s) == -1 ||
	    addrs_aggregate(&r->opts, &u->daddr, !peers_s) == -1)
		return -1;
	switch (u->purpose) {
	case RP_CONTROL:
		return range_set(&u->dport, &u->ndport, u->key_port, u->key_port);
	case RP_PASSIVE:
		if (ev->nports == 0)
			return 0;
		if (ev->ports[ev->nports - 1] - ev->ports[0] + 1 > RULES_WIDE_PASV &&
		    hint_add(r, "passive-range-wide",
		    "passive data ports of %s port %u spread over %u..%u: configure "
		    "a passive port range (vsftpd pasv_min_port/pasv_max_port, "
		    "proftpd PassivePorts, pure-ftpd -p)",
		    u->key_addr.family ? fa_addr_str(&u->key_addr, a) : "the servers",
		    u->key_port, ev->ports[0], ev->ports[ev->nports - 1]) == -1)
			return -1;
		return range_set(&u->dport, &u->ndport, ev->ports[0],
		    ev->ports[ev->nports - 1]);
	case RP_ACTIVE:
		/* Clients announce unprivileged ports; keep a lower one seen. */
		lo = ev->nports > 0 && ev->ports[0] < 1024 ? ev->ports[0] : 1024;
		if (range_set(&u->dport, &u->ndport, lo, 65535) == -1)
			return -1;
		if (u->active_seen && u->all_from_20)
			return range_set(&u->sport, &u->nsport, 20, 20);
		if (u->active_seen && hint_add(r, "active-not-port-20",
		    "active data from %s comes from source ports other than 20 "
		    "(servers such as pyftpdlib pick a random one), so the source "
		    "port cannot be restricted",
		    u->key_addr.family ? fa_addr_str(&u->key_addr, a) : "the servers")
		    == -1)
			return -1;
		return 0;
	case RP_HELPER_ASSIGN:
		free(u->dport);
		if ((u->dport = calloc(ev->nports, sizeof *u->dport)) == NULL &&
		    ev->nports > 0)
			return -1;
		for (i = 0; i < ev->nports; i++)
			u->dport[i].lo = u->dport[i].hi = ev->ports[i];
		u->ndport = ev->nports;
		return 0;
	case RP_ESTABLISHED:
	case RP_HELPER_RELATED:
		break;
	}
	return 0;
}

/* The passive ranges of a server: its vetted passive-data rules.  With
 * the helper strategy, only those of the transfers the helper misses:
 * nf_nat_ftp translates the data connections it expects as their
 * control connection (the lab's removal test proves each rule needed). */
static int
nat_pasv(const struct rules *r, struct rules_nat *n, const struct fa_addr *srv,
    uint16_t port)
{
	const struct rules_rule *u;
	size_t i;

	u = rule_find(r, RP_PASSIVE, RC_FORWARD, FA_AF_INET, srv, port);
	if (u == NULL)
		return 0;
	for (i = 0; i < u->ndport; i++)
		if (rules_ranges_add(&n->pasv, &n->npasv, u->dport[i].lo,
		    u->dport[i].hi) == -1)
			return -1;
	return 0;
}

/* --dnat and --masquerade: a masquerade entry per net and server seen
 * (its control rule), a port forward per --dnat. */
static int
nat_given(struct rules *r)
{
	const struct rules_opts *o = &r->opts;
	const struct rules_dnat_spec *d;
	struct rules_nat *n;
	size_t i, j, nv = r->n;

	for (i = 0; i < o->ndnat; i++) {
		d = &o->dnat[i];
		if ((n = nat_find(r, RN_DNAT, &d->pub, d->pub_port, &d->in,
		    d->in_port, NULL)) == NULL)
			return -1;
		n->given = true;
		n->saddr.any = true;
	}
	for (i = 0; i < o->nmasq; i++)
		for (j = 0; j < nv; j++) {
			if (r->v[j].purpose != RP_CONTROL ||
			    r->v[j].family != FA_AF_INET ||
			    r->v[j].key_addr.family != FA_AF_INET)
				continue;
			if ((n = nat_find(r, RN_MASQUERADE, &r->v[j].key_addr,
			    r->v[j].key_port, &r->v[j].key_addr, 0,
			    &o->masq[i])) == NULL)
				return -1;
			n->given = true;
		}
	return 0;
}

static int
nat_finish(struct rules *r)
{
	struct rules_nat *n;
	size_t i;
	bool masq = false;

	if (r->opts.side != RULES_GATEWAY || r->ids_only)
		return 0;
	if (nat_given(r) == -1)
		return -1;
	for (i = 0; i < r->nnat; i++) {
		n = &r->nat[i];
		if (n->kind == RN_DNAT ? nat_pasv(r, n, &n->to, n->to_port) :
		    nat_pasv(r, n, &n->daddr, n->port))
			return -1;
		if (addrs_aggregate(&r->opts, &n->saddr, true) == -1)
			return -1;
		masq |= n->kind != RN_DNAT;
	}
	if (masq && r->opts.strategy == RULES_STATIC && hint_add(r,
	    "nat-active-static", "clients behind the source NAT send their "
	    "inside address in PORT/EPRT, and static rules cannot rewrite it: "
	    "active mode does not work through it (vsftpd answers 500); use "
	    "--strategy helper (nf_nat_ftp rewrites the address) or passive "
	    "mode") == -1)
		return -1;
	return 0;
}

int
rules_finish(struct rules *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (rule_finish(r, &r->v[i]) == -1)
			return -1;
	if (r->shadow != NULL && rules_finish(r->shadow) == -1)
		return -1;
	return nat_finish(r);
}

const struct rules_nat *
rules_nat_list(const struct rules *r, size_t *n)
{
	*n = r->nnat;
	return r->nat;
}

void
rules_ids_only(struct rules *r)
{
	r->ids_only = true;
	rules_free(r->shadow);	/* nothing is rendered */
	r->shadow = NULL;
}

const struct rules_rule *
rules_helper_surface(const struct rules *r, size_t *n)
{
	if (r->shadow == NULL) {
		*n = 0;
		return NULL;
	}
	return rules_list(r->shadow, n);
}

const struct rules_opts *
rules_options(const struct rules *r)
{
	return &r->opts;
}

const struct rules_rule *
rules_list(const struct rules *r, size_t *n)
{
	*n = r->n;
	return r->v;
}

const struct rules_uncovered *
rules_uncovered(const struct rules *r, size_t *n)
{
	*n = r->nunc;
	return r->unc;
}

const struct rules_hint *
rules_hints(const struct rules *r, size_t *n)
{
	*n = r->nhints;
	return r->hints;
}

const struct rules_excluded *
rules_excluded(const struct rules *r, size_t *n)
{
	*n = r->nexc;
	return r->exc;
}

size_t
rules_nexcluded(const struct rules *r, enum rules_reason x)
{
	return r->nexc_reason[x];
}

int
rules_surface_of(const struct rules_rule *u, struct rules_rule *out)
{
	*out = *u;
	switch (u->purpose) {
	case RP_CONTROL:
	case RP_PASSIVE:
		out->saddr.any = true;
		return 1;
	case RP_ACTIVE:
		out->daddr.any = true;
		if (u->nsport > 0)
			out->ndport = 0;
		return 1;
	case RP_HELPER_RELATED:
		return 1;
	case RP_ESTABLISHED:
	case RP_HELPER_ASSIGN:
		break;
	}
	return 0;
}

const char *
rules_excluded_summary(const struct rules *r, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < RX_COUNT && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s %zu",
		    i ? ", " : "", reason_words[i], r->nexc_reason[i]);
	return buf;
}

bool
rules_empty(const struct rules *r)
{
	return r->nlogged_in == 0;
}

size_t
rules_nsessions(const struct rules *r)
{
	return r->nsessions;
}

bool
rules_helper_usable(const struct rules *r)
{
	return r->helper_used;
}
