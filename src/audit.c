/* audit.c: every observed FTP connection run through an existing ruleset
 * the way netfilter would run its packets: verdicts, traces, the rules
 * each packet used, and a fix for every denied connection. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/audit.h"
#include "ftpaudit/rules.h"
#include "audit_int.h"

/* Which hooks a packet crosses on the audited host. */
static size_t
hooks_for(enum audit_side side, bool from_server, enum rs_hook *h)
{
	bool out;

	if (side == AUDIT_GATEWAY) {
		h[0] = RS_HOOK_PREROUTING;
		h[1] = RS_HOOK_FORWARD;
		h[2] = RS_HOOK_POSTROUTING;
		return 3;
	}
	out = side == AUDIT_SERVER ? from_server : !from_server;
	h[0] = out ? RS_HOOK_OUTPUT : RS_HOOK_PREROUTING;
	h[1] = out ? RS_HOOK_POSTROUTING : RS_HOOK_INPUT;
	return 2;
}

static bool
is_loopback(const struct fa_addr *a)
{
	static const uint8_t v6lo[16] = { [15] = 1 };

	if (a->family == FA_AF_INET)
		return a->a[0] == 127;
	return memcmp(a->a, v6lo, 16) == 0;
}

struct audit *
audit_new(const struct ruleset *rs, enum audit_side side)
{
	struct audit *a;

	if ((a = calloc(1, sizeof *a)) == NULL)
		return NULL;
	a->rs = rs;
	a->side = side;
	rules_opts_defaults(&a->vet);
	a->used = calloc(rs->nrules + 1, sizeof *a->used);
	a->early = calloc(rs->nrules + 1, sizeof *a->early);
	a->maybe = calloc(rs->nrules + 1, sizeof *a->maybe);
	a->surface = calloc(rs->nrules + 1, sizeof *a->surface);
	if (a->used == NULL || a->early == NULL || a->maybe == NULL ||
	    a->surface == NULL) {
		audit_free(a);
		return NULL;
	}
	return a;
}

void
audit_set_ifaces(struct audit *a, const char *client_side, const char *server_side)
{
	a->if_client = client_side;
	a->if_server = server_side;
}

/* Where the packet enters and leaves the audited host, when known. */
static void
pkt_ifaces(const struct audit *a, bool from_server, struct rs_pkt *p)
{
	/* A server or client host has one interface towards its peer. */
	const char *peer = a->side == AUDIT_SERVER ? a->if_client : a->if_server;
	bool out = a->side == AUDIT_SERVER ? from_server : !from_server;

	if (a->side == AUDIT_GATEWAY) {
		p->iif = from_server ? a->if_server : a->if_client;
		p->oif = from_server ? a->if_client : a->if_server;
	} else if (out)
		p->oif = peer;
	else
		p->iif = peer;
}

void
audit_free(struct audit *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nbroad; i++) {
		free(a->broad[i].allows);
		free(a->broad[i].observed);
		free(a->broad[i].saddrs);
		free(a->broad[i].daddrs);
	}
	for (i = 0; i < a->nfinds; i++)
		free(a->finds[i].text);
	free(a->flows);
	audit_fixes_free(a);
	free(a->used);
	free(a->early);
	free(a->maybe);
	free(a->surface);
	free(a->broad);
	free(a->shadow);
	free(a->finds);
	free(a);
}

void *
audit_grow(void *p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *q;

	if (n < *cap)
		return p;
	ncap = *cap ? *cap * 2 : 16;
	if ((q = realloc(p, ncap * size)) == NULL)
		return NULL;
	memset((char *)q + *cap * size, 0, (ncap - *cap) * size);
	*cap = ncap;
	return q;
}

/* Trace lines being collected (owned). */
struct trace {
	char		**v;
	size_t		 n;
};

static int
trace_add(struct trace *t, char *line)
{
	char **v;

	if (line == NULL)
		return -1;
	if ((v = realloc(t->v, (t->n + 1) * sizeof *v)) == NULL) {
		free(line);
		return -1;
	}
	t->v = v;
	t->v[t->n++] = line;
	return 0;
}

static void
trace_free(struct trace *t)
{
	while (t->n > 0)
		free(t->v[--t->n]);
	free(t->v);
	t->v = NULL;
}

static const char *
ep_str(const struct fa_addr *ip, int port, char *buf, size_t len)
{
	char a[FA_ADDRSTRLEN], p[16] = "*";

	if (port >= 0)
		snprintf(p, sizeof p, "%d", port);
	snprintf(buf, len, ip->family == FA_AF_INET6 ? "[%s]:%s" : "%s:%s",
	    fa_addr_str(ip, a), p);
	return buf;
}

static const char *
ct_str(uint32_t st)
{
	return st == RS_CT_NEW ? "new" : st == RS_CT_RELATED ? "related" : "established";
}

static char *
trace_line(const struct rs_pkt *p, enum rs_hook h, const struct rs_result *r)
{
	char src[64], dst[64], what[160], name[160];
	const char *flags = p->tcpflags == RS_TCP_SYN ? "SYN" :
	    p->tcpflags == (RS_TCP_SYN | RS_TCP_ACK) ? "SYN-ACK" : "ACK";
	char *s;

	if (r->indeterminate)
		snprintf(what, sizeof what, "indeterminate at %s: %s",
		    r->rule ? rs_rule_name(r->rule, name, sizeof name) : "?", r->why);
	else if (r->rule != NULL)
		snprintf(what, sizeof what, "%s by %s", rs_verdict_str(r->verdict),
		    rs_rule_name(r->rule, name, sizeof name));
	else if (r->policy != NULL)
		snprintf(what, sizeof what, "%s by policy of %s",
		    rs_verdict_str(r->verdict), rs_chain_name(r->policy, name,
		    sizeof name));
	else
		snprintf(what, sizeof what, "accept (no base chain)");
	if (asprintf(&s, "%s %s > %s %s, %s: %s", flags,
	    ep_str(&p->saddr, p->sport, src, sizeof src),
	    ep_str(&p->daddr, p->dport, dst, sizeof dst), ct_str(p->ctstate),
	    rs_hook_str(h), what) == -1)
		return NULL;
	return s;
}

static void
mark_used(void *arg, const struct rs_rule *r, const struct rs_chain *base)
{
	struct audit *a = arg;

	(void)base;
	a->used[r->seq] = true;
	if (r->leader != NULL)
		a->used[r->leader->seq] = true;
}

/* Packet k of a flow: 0 the opening SYN, 1 the answer, 2 what follows. */
static void
make_pkt(const struct audit_flow *f, int k, const char *helper, struct rs_pkt *p)
{
	const struct fa_endpoint *src = k == 1 ? &f->responder : &f->initiator;
	const struct fa_endpoint *dst = k == 1 ? &f->initiator : &f->responder;
	bool src_known = k == 1 || f->initiator_port_known;
	bool dst_known = k != 1 || f->initiator_port_known;

	memset(p, 0, sizeof *p);
	p->family = f->initiator.ip.family;
	p->saddr = src->ip;
	p->daddr = dst->ip;
	p->sport = src_known ? src->port : -1;
	p->dport = dst_known ? dst->port : -1;
	p->l4proto = 6;
	p->tcpflags = k == 0 ? RS_TCP_SYN : k == 1 ? RS_TCP_SYN | RS_TCP_ACK : RS_TCP_ACK;
	p->ctstate = k == 0 ? (f->related ? RS_CT_RELATED : RS_CT_NEW) : RS_CT_ESTABLISHED;
	p->helper = f->related ? helper : NULL;
	p->loopback = is_loopback(&p->saddr) && is_loopback(&p->daddr);
}

static void
deny(struct audit_flow *f, int k, enum rs_hook h, const struct rs_result *r)
{
	f->verdict = r->indeterminate ? AV_INDETERMINATE :
	    r->verdict == RS_V_REJECT ? AV_REJECT : AV_DROP;
	f->rule = r->rule;
	f->policy = r->rule == NULL ? r->policy : NULL;
	f->why = r->why;
	f->failed_pkt = k;
	f->failed_hook = h;
	f->failed_base = r->base;
}

/* An iptables-save file says nothing about the other family: its flows
 * are not accepted by default but undecided. */
static bool
covered(const struct audit *a, const struct audit_flow *f)
{
	unsigned bit = f->initiator.ip.family == FA_AF_INET6 ? RS_FAM_IP6 :
	    RS_FAM_IP;

	return (a->rs->covers & bit) != 0;
}

/*
 * Run the flow's packets through the ruleset, with f->helper, and set its
 * verdict.  rec (the audit itself, or NULL when a trace is replayed) gets
 * the rules they used; tr, when not NULL, a line per base chain; and
 * *helper_out what the first packet assigned.
 */
static int
eval_flow(const struct audit *a, struct audit *rec, struct audit_flow *f,
    const char **helper_out, struct trace *tr)
{
	enum rs_hook hooks[3];
	struct rs_result r;
	struct rs_pkt p;
	size_t n, i;
	bool from_server;
	int k;

	f->verdict = AV_ACCEPT;
	f->failed_pkt = -1;
	if (!covered(a, f)) {
		f->verdict = AV_INDETERMINATE;
		f->why = f->initiator.ip.family == FA_AF_INET6 ?
		    "no IPv6 ruleset given" : "no IPv4 ruleset given";
		f->failed_pkt = 0;
		f->failed_hook = RS_HOOK_NONE;
		if (tr != NULL && trace_add(tr, strdup(f->why)) == -1)
			return -1;
		return 0;
	}
	for (k = 0; k < 3; k++) {
		make_pkt(f, k, f->helper, &p);
		from_server = f->server_initiates ? k != 1 : k == 1;
		pkt_ifaces(a, from_server, &p);
		n = hooks_for(a->side, from_server, hooks);
		for (i = 0; i < n; i++) {
			ruleset_eval(a->rs, hooks[i], &p, &r,
			    rec != NULL ? mark_used : NULL, rec);
			/* Hooks without a base chain say nothing worth a line. */
			if (tr != NULL && (r.indeterminate || r.rule != NULL ||
			    r.policy != NULL) &&
			    trace_add(tr, trace_line(&p, hooks[i], &r)) == -1)
				return -1;
			if (rec != NULL && r.helper_early != NULL)
				rec->early[r.helper_early->seq] = true;
			if (k == 0 && r.helper != NULL && helper_out != NULL)
				*helper_out = r.helper;
			if (rec != NULL && r.indeterminate && r.rule != NULL)
				rec->maybe[r.rule->seq] = true;
			if (r.indeterminate || r.verdict != RS_V_ACCEPT) {
				deny(f, k, hooks[i], &r);
				return 0;
			}
			if (k == 0 && r.rule != NULL) {
				f->rule = f->first_rule = r.rule;
				f->first_hook = hooks[i];
				f->policy = NULL;
			} else if (k == 0 && f->rule == NULL && r.policy != NULL)
				f->policy = r.policy;
		}
	}
	return 0;
}

static struct audit_flow *
new_flow(struct audit *a, const struct fa_session *s)
{
	struct audit_flow *v;

	if ((v = audit_grow(a->flows, &a->fcap, a->nflows, sizeof *v)) == NULL)
		return NULL;
	a->flows = v;
	v = &a->flows[a->nflows];
	memset(v, 0, sizeof *v);
	v->session = s->id;
	v->tls = s->tls;
	return v;
}

static int
finish_flow(struct audit *a, struct audit_flow *f, const char *helper,
    const char **helper_out)
{
	a->nflows++;
	f->helper = helper;
	return eval_flow(a, a, f, helper_out, NULL);
}

/* The helper would open this data connection: assigned to the control
 * connection, and nothing on the wire it cannot handle (FA_HELPER_*). */
static bool
helper_covers(const struct fa_session *s, const struct fa_transfer *x,
    const char *helper)
{
	return helper != NULL && strcmp(helper, "ftp") == 0 && !s->tls &&
	    (x->helper_flags & ~(uint32_t)FA_HELPER_PORT) == 0;
}

/* Why an assigned helper would still not open this data connection: the
 * notes of the rules module, one trace line each. */
static int
helper_notes(const struct audit_flow *f, struct trace *tr)
{
	uint32_t flags = f->helper_flags | (f->tls ? FA_HELPER_TLS : 0), bit;
	char *line;

	if (f->related || f->helper == NULL)
		return 0;
	for (bit = 1; bit != 0 && bit <= flags; bit <<= 1) {
		if ((flags & bit) == 0 || bit == FA_HELPER_PORT ||
		    rules_helper_note(bit) == NULL)
			continue;
		if (asprintf(&line, "not related, the ftp helper would not open it: %s",
		    rules_helper_note(bit)) == -1 || trace_add(tr, line) == -1)
			return -1;
	}
	return 0;
}

int
audit_flow_trace(const struct audit *a, const struct audit_flow *f,
    char ***lines, size_t *n)
{
	struct audit_flow copy = *f;
	struct trace tr = { NULL, 0 };

	if (helper_notes(f, &tr) == -1 || eval_flow(a, NULL, &copy, NULL, &tr) == -1) {
		trace_free(&tr);
		return -1;
	}
	*lines = tr.v;
	*n = tr.n;
	return 0;
}

static int
add_transfer(struct audit *a, const struct fa_session *s,
    const struct fa_transfer *x, const char *helper)
{
	struct audit_flow *f;

	/* Never seen: evaluated when it was due (not_connected) or the server
	 * said it could not open it (425); otherwise nobody tried. */
	if (!x->connected && x->status != FA_XS_NOT_CONNECTED && x->reply_code != 425)
		return 0;
	if ((f = new_flow(a, s)) == NULL)
		return -1;
	f->transfer = x->id;
	f->excluded = rules_vet(&a->vet, s, x);
	f->purpose = x->mode == FA_MODE_ACTIVE ? AP_ACTIVE : AP_PASSIVE;
	f->helper_flags = x->helper_flags;
	f->server_initiates = x->connected ? x->initiator_server :
	    x->mode == FA_MODE_ACTIVE;
	if (x->connected) {
		f->initiator = f->server_initiates ? x->data_server : x->data_client;
		f->responder = f->server_initiates ? x->data_client : x->data_server;
		f->initiator_port_known = true;
	} else {
		/* Seen only as announced: the initiator's port is unknown.  A
		 * passive one is taken to the control connection's server, as
		 * rules takes it (curl and ftplib ignore the address of a 227;
		 * a NAT'd server announces one it is not reached at). */
		f->initiator.ip = f->server_initiates ? s->server.ip : s->client.ip;
		f->responder = x->expected;
		if (f->responder.ip.family == FA_AF_NONE || !f->server_initiates)
			f->responder.ip = f->server_initiates ? s->client.ip : s->server.ip;
	}
	if (f->initiator.ip.family != f->responder.ip.family)
		return 0;	/* not a connection one firewall sees */
	f->related = helper_covers(s, x, helper);
	a->ndata++;
	return finish_flow(a, f, helper, NULL);
}

int
audit_add_session(struct audit *a, const struct fa_session *s)
{
	struct audit_flow *f;
	const char *helper = NULL;
	uint32_t i;

	if ((f = new_flow(a, s)) == NULL)
		return -1;
	f->purpose = AP_CONTROL;
	f->initiator = s->client;
	f->responder = s->server;
	f->initiator_port_known = true;
	if (finish_flow(a, f, NULL, &helper) == -1)
		return -1;
	if (a->flows[a->nflows - 1].verdict != AV_ACCEPT)
		helper = NULL;
	for (i = 0; i < s->nxfers; i++)
		if (add_transfer(a, s, &s->xfers[i], helper) == -1)
			return -1;
	return 0;
}

static int
by_session(const void *x, const void *y)
{
	const struct audit_flow *f = x, *g = y;

	if (f->session != g->session)
		return f->session < g->session ? -1 : 1;
	return f->transfer < g->transfer ? -1 : f->transfer > g->transfer;
}

/*
 * Sessions come as they end; the report lists their flows in session
 * order, the control connection first and then the transfers by id (the
 * order audit_add_session adds them in); the fixes name flows by their
 * place, so they are made after.
 */
static int
order_flows(struct audit *a)
{
	if (a->nflows > 0)	/* no flows: flows is NULL, which qsort may not take */
		qsort(a->flows, a->nflows, sizeof *a->flows, by_session);
	audit_fixes_free(a);
	return audit_make_fixes(a);
}

int
audit_finish(struct audit *a)
{
	if (order_flows(a) == -1 || audit_find_surface(a) == -1 ||
	    audit_find_shadowed(a) == -1 ||
	    audit_find_broad(a) == -1)
		return -1;
	return audit_find_ftp(a);
}

const struct audit_flow *
audit_flows(const struct audit *a, size_t *n)
{
	*n = a->nflows;
	return a->flows;
}

const struct audit_fix *
audit_fixes(const struct audit *a, size_t *n)
{
	*n = a->nfixes;
	return a->fixes;
}

const bool *
audit_used(const struct audit *a)
{
	return a->used;
}

static bool
unused_any(const struct audit *a, const struct rs_rule *r)
{
	return !a->used[r->seq] && !a->maybe[r->seq] && r->leader == NULL;
}

bool
audit_unused(const struct audit *a, const struct rs_rule *r)
{
	return unused_any(a, r) && (a->all_unused || a->surface[r->seq]);
}

size_t
audit_unused_other(const struct audit *a)
{
	const struct ruleset *rs = a->rs;
	size_t i, j, n = 0;

	for (i = 0; i < rs->nchains; i++)
		for (j = 0; j < rs->chains[i]->nrules; j++)
			n += unused_any(a, rs->chains[i]->rules[j]) &&
			    !audit_unused(a, rs->chains[i]->rules[j]);
	return n;
}

void
audit_set_trust(struct audit *a, enum rules_trust trust)
{
	a->vet.trust = trust;
}

void
audit_set_all_unused(struct audit *a, bool all)
{
	a->all_unused = all;
}

const struct audit_broad *
audit_broad(const struct audit *a, size_t *n)
{
	*n = a->nbroad;
	return a->broad;
}

const struct audit_shadow *
audit_shadowed(const struct audit *a, size_t *n)
{
	*n = a->nshadow;
	return a->shadow;
}

const struct audit_finding *
audit_findings(const struct audit *a, size_t *n)
{
	*n = a->nfinds;
	return a->finds;
}

const struct ruleset *
audit_ruleset(const struct audit *a)
{
	return a->rs;
}

enum audit_side
audit_side(const struct audit *a)
{
	return a->side;
}

bool
audit_any_denied(const struct audit *a)
{
	size_t i;

	for (i = 0; i < a->nflows; i++)
		if (a->flows[i].verdict != AV_ACCEPT &&
		    a->flows[i].excluded == NULL)
			return true;
	return false;
}

int
audit_side_parse(const char *s, enum audit_side *side)
{
	if (strcmp(s, "server") == 0)
		*side = AUDIT_SERVER;
	else if (strcmp(s, "client") == 0)
		*side = AUDIT_CLIENT;
	else if (strcmp(s, "gateway") == 0)
		*side = AUDIT_GATEWAY;
	else
		return -1;
	return 0;
}

const char *
audit_side_str(enum audit_side s)
{
	return s == AUDIT_CLIENT ? "client" : s == AUDIT_GATEWAY ? "gateway" : "server";
}

const char *
audit_purpose_str(enum audit_purpose p)
{
	return p == AP_PASSIVE ? "passive-data" : p == AP_ACTIVE ? "active-data" : "control";
}

const char *
audit_verdict_str(enum audit_verdict v)
{
	switch (v) {
	case AV_ACCEPT: return "accept";
	case AV_DROP: return "drop";
	case AV_REJECT: return "reject";
	default: return "indeterminate";
	}
}
