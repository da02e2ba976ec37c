/* SPDX-License-Identifier: ISC */
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
#include "radix.h"

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
	free(a->runs);
	free(a->fixable);
	for (i = 0; i < a->nsensors; i++)
		free(a->sensors[i]);
	free(a->sensors);
	audit_fixes_free(a);
	free(a->hits.v);
	free(a->used);
	free(a->early);
	free(a->maybe);
	free(a->surface);
	free(a->broad);
	free(a->shadow);
	free(a->finds);
	free(a);
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

/* One more thing a flow's packets showed about rule seq; on ENOMEM the
 * record says so, and the flow's evaluation fails. */
static void
hit(struct audit_hits *h, size_t seq, enum audit_hit_kind what)
{
	if (h->oom)
		return;
	if (fa_grow(&h->v, h->n, &h->cap, sizeof *h->v, 64) == -1) {
		h->oom = true;
		return;
	}
	h->v[h->n].seq = seq;
	h->v[h->n++].what = what;
}

static void
mark_used(void *arg, const struct rs_rule *r, const struct rs_chain *base)
{
	struct audit_hits *h = arg;

	(void)base;
	hit(h, r->seq, AH_USED);
	if (r->leader != NULL)
		hit(h, r->leader->seq, AH_USED);
}

/* What a flow's evaluation recorded, into the audit's rule marks. */
static int
record_hits(struct audit *a, struct audit_hits *h)
{
	size_t i;

	if (h->oom)
		return -1;
	for (i = 0; i < h->n; i++) {
		switch (h->v[i].what) {
		case AH_USED:
			a->used[h->v[i].seq] = true;
			break;
		case AH_EARLY:
			a->early[h->v[i].seq] = true;
			break;
		case AH_MAYBE:
			a->maybe[h->v[i].seq] = true;
			break;
		}
	}
	h->n = 0;
	return 0;
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
 * Packet k of the flow through one hook: the rules it used, its trace
 * line, the helper it assigned; 1 when the hook denied it or could not
 * decide (the flow's verdict is set), 0 when it goes on, -1 on ENOMEM.
 */
static int
eval_hook(const struct audit *a, struct audit_hits *rec, struct audit_flow *f,
    int k, enum rs_hook h, const struct rs_pkt *p, struct rs_result *r,
    const char **helper_out, struct trace *tr)
{
	ruleset_eval(a->rs, h, p, r, rec != NULL ? mark_used : NULL, rec);
	/* Hooks without a base chain say nothing worth a line. */
	if (tr != NULL && (r->indeterminate || r->rule != NULL ||
	    r->policy != NULL) && trace_add(tr, trace_line(p, h, r)) == -1)
		return -1;
	if (rec != NULL && r->helper_early != NULL)
		hit(rec, r->helper_early->seq, AH_EARLY);
	if (k == 0 && r->helper != NULL && helper_out != NULL)
		*helper_out = r->helper;
	if (rec != NULL && r->indeterminate && r->rule != NULL)
		hit(rec, r->rule->seq, AH_MAYBE);
	if (r->indeterminate || r->verdict != RS_V_ACCEPT) {
		deny(f, k, h, r);
		return 1;
	}
	/* A nat chain's rule translates; a filter rule or policy decides
	 * (masquerade in postrouting comes after forward's accept). */
	if (k == 0 && r->rule != NULL && r->rule == r->nat_rule)
		return 0;
	if (k == 0 && r->rule != NULL) {
		f->rule = f->first_rule = r->rule;
		f->first_hook = h;
		f->policy = NULL;
	} else if (k == 0 && f->rule == NULL && r->policy != NULL)
		f->policy = r->policy;
	return 0;
}

/*
 * The tuple of packet k of a NAT'd flow at point at: 0 as it enters the
 * gateway, 1 after the destination's translation (dstnat, prerouting),
 * 2 after the source's (srcnat, postrouting).  A reply has both undone
 * at the same points.
 */
static void
nat_tuple(const struct audit_flow *f, int k, int at, struct rs_pkt *p)
{
	const struct fa_endpoint *s, *d;

	if (k != 1) {
		s = at == 2 ? &f->nat_src : &f->initiator;
		d = at == 0 ? &f->nat_dst : &f->responder;
	} else {
		s = at == 2 ? &f->nat_dst : &f->responder;
		d = at == 0 ? &f->nat_src : &f->initiator;
	}
	p->saddr = s->ip;
	p->sport = s->port;
	p->daddr = d->ip;
	p->dport = d->port;
}

/* "prerouting dstnat: dnat 203.0.113.1:21 -> 10.0.2.2:21 by RULE". */
static int
nat_line(struct trace *tr, const char *where, const struct rs_rule *rule,
    const struct fa_addr *fa, int fp, const struct fa_addr *ta, int tp,
    const char *note)
{
	char from[64], to[64], name[160];
	char *line;

	if (tr == NULL)
		return 0;
	if (asprintf(&line, "%s: %s %s -> %s%s%s%s", where,
	    rule != NULL ? rs_nat_str(rule->nat.kind) : "no translation",
	    ep_str(fa, fp, from, sizeof from), ep_str(ta, tp, to, sizeof to),
	    rule != NULL ? " by " : "",
	    rule != NULL ? rs_rule_name(rule, name, sizeof name) : "",
	    note) == -1)
		return -1;
	return trace_add(tr, line);
}

/* The first packet was not translated to where the capture shows it
 * went: without dnat it is the gateway's own, and its input hook
 * decides; nothing listens there, so what is accepted is refused. */
static int
nat_local(const struct audit *a, struct audit_hits *rec, struct audit_flow *f,
    const struct rs_pkt *p, struct trace *tr)
{
	struct rs_result r;
	char *line;
	int rc;

	f->nat_missing = true;
	if (tr != NULL) {
		if (asprintf(&line, "not translated: the gateway takes it itself "
		    "(input), as the kernel does without dnat") == -1 ||
		    trace_add(tr, line) == -1)
			return -1;
	}
	if ((rc = eval_hook(a, rec, f, 0, RS_HOOK_INPUT, p, &r, NULL, tr)) != 0)
		return rc < 0 ? -1 : 0;
	f->verdict = AV_REJECT;
	f->why = "not translated: delivered to the gateway itself, where "
	    "nothing listens (RST)";
	f->failed_pkt = 0;
	f->failed_hook = RS_HOOK_INPUT;
	f->failed_base = r.base;
	f->rule = r.rule;
	f->policy = r.rule == NULL ? r.policy : NULL;
	if (tr != NULL && (line = strdup(f->why)) != NULL)
		return trace_add(tr, line);
	return tr != NULL ? -1 : 0;
}

static void
nat_mismatch(struct audit_flow *f, enum rs_hook h, const struct rs_result *r)
{
	f->verdict = AV_INDETERMINATE;
	f->why = "the ruleset's translation is not the one the capture shows";
	f->rule = r->nat_rule;
	f->policy = NULL;
	f->failed_pkt = 0;
	f->failed_hook = h;
	f->failed_base = r->nat_rule != NULL ? r->nat_rule->chain : r->base;
}

/* Packet k's dstnat (k == 0: the ruleset's, checked against the
 * capture); 1 when the flow's verdict is settled, 0, or -1. */
static int
nat_pre(const struct audit *a, struct audit_hits *rec, struct audit_flow *f, int k,
    struct rs_pkt *p, const char **helper_out, struct trace *tr)
{
	struct rs_pkt want = *p;
	struct rs_result r;
	int rc;

	nat_tuple(f, k, 1, &want);
	if (k != 0 || f->related)
		p->ct_nat = &want;
	if ((rc = eval_hook(a, rec, f, k, RS_HOOK_PREROUTING, p, &r,
	    helper_out, tr)) != 0)
		return rc;
	if (k == 0 && r.nat_rule != NULL && nat_line(tr, "prerouting dstnat",
	    r.nat_rule, &p->daddr, p->dport, &r.xlat.daddr, r.xlat.dport,
	    r.xlat_addr_unknown ? " (the interface's address, as observed)" :
	    "") == -1)
		return -1;
	if (k == 0 && !f->related && r.xlat_addr_unknown)
		r.xlat.daddr = want.daddr;	/* redirect: the gateway's own */
	if (k == 0 && !f->related && (!fa_addr_eq(&r.xlat.daddr, &want.daddr) ||
	    r.xlat.dport != want.dport)) {
		if (r.nat_rule == NULL && !fa_addr_eq(&p->daddr, &want.daddr)) {
			if (nat_line(tr, "prerouting dstnat", NULL, &p->daddr,
			    p->dport, &want.daddr, want.dport,
			    " observed, but no rule translates it") == -1)
				return -1;
			return nat_local(a, rec, f, &r.xlat, tr) < 0 ? -1 : 1;
		}
		nat_mismatch(f, RS_HOOK_PREROUTING, &r);
		return nat_line(tr, "prerouting dstnat: the capture shows",
		    NULL, &p->daddr, p->dport, &want.daddr, want.dport, "") < 0 ?
		    -1 : 1;
	}
	want.ctstatus = r.xlat.ctstatus;	/* what the dnat set */
	*p = want;
	p->ct_nat = NULL;
	return 0;
}

/* Packet k's srcnat, as nat_pre. */
static int
nat_post(const struct audit *a, struct audit_hits *rec, struct audit_flow *f, int k,
    struct rs_pkt *p, struct trace *tr)
{
	struct rs_pkt want = *p;
	struct rs_result r;
	int rc;

	nat_tuple(f, k, 2, &want);
	if (k != 0 || f->related)
		p->ct_nat = &want;
	if ((rc = eval_hook(a, rec, f, k, RS_HOOK_POSTROUTING, p, &r, NULL,
	    tr)) != 0)
		return rc;
	/* masquerade: the outgoing interface's address, which the other
	 * side of the capture shows. */
	if (r.xlat_addr_unknown)
		r.xlat.saddr = want.saddr;
	if (k == 0 && r.nat_rule != NULL && nat_line(tr, "postrouting srcnat",
	    r.nat_rule, &p->saddr, p->sport, &r.xlat.saddr, r.xlat.sport,
	    r.xlat_addr_unknown ? " (the interface's address, as observed)" :
	    "") == -1)
		return -1;
	/* Source ports may move on a clash: the address says it all. */
	if (k == 0 && !f->related && !fa_addr_eq(&r.xlat.saddr, &want.saddr)) {
		nat_mismatch(f, RS_HOOK_POSTROUTING, &r);
		return nat_line(tr, "postrouting srcnat: the capture shows",
		    NULL, &p->saddr, p->sport, &want.saddr, want.sport, "") < 0 ?
		    -1 : 1;
	}
	return 0;
}

/* The ct status bits of the flow's connection once translated. */
static uint8_t
nat_status(const struct audit_flow *f)
{
	uint8_t st = 0;

	if (!fa_addr_eq(&f->nat_dst.ip, &f->responder.ip) ||
	    f->nat_dst.port != f->responder.port)
		st |= RS_CTS_DNAT;
	if (!fa_addr_eq(&f->nat_src.ip, &f->initiator.ip) ||
	    f->nat_src.port != f->initiator.port)
		st |= RS_CTS_SNAT;
	return st;
}

/* A flow seen on both sides of the audited gateway: each packet's
 * translation as conntrack and the nat chains make it. */
static int
eval_nat(const struct audit *a, struct audit_hits *rec, struct audit_flow *f,
    const char **helper_out, struct trace *tr)
{
	struct rs_result r;
	struct rs_pkt p;
	bool from_server;
	int k, rc;

	for (k = 0; k < 3; k++) {
		make_pkt(f, k, f->helper, &p);
		from_server = f->server_initiates ? k != 1 : k == 1;
		pkt_ifaces(a, from_server, &p);
		nat_tuple(f, k, 0, &p);
		/* Later packets, and a related one (the helper's expectation
		 * translates it): the status the translation set. */
		p.ctstatus_known = true;
		p.ctstatus = k == 0 && !f->related ? 0 : nat_status(f);
		if ((rc = nat_pre(a, rec, f, k, &p, helper_out, tr)) != 0)
			return rc < 0 ? -1 : 0;
		if ((rc = eval_hook(a, rec, f, k, RS_HOOK_FORWARD, &p, &r,
		    helper_out, tr)) != 0)
			return rc < 0 ? -1 : 0;
		if ((rc = nat_post(a, rec, f, k, &p, tr)) != 0)
			return rc < 0 ? -1 : 0;
	}
	return 0;
}

/*
 * Run the flow's packets through the ruleset, with f->helper, and set its
 * verdict.  The audit is only read: rec (NULL when a trace is replayed)
 * gets what the packets showed of the rules, which record_hits applies; tr, when not NULL, a line per base chain; and
 * *helper_out what the first packet assigned.
 */
static int
eval_flow(const struct audit *a, struct audit_hits *rec, struct audit_flow *f,
    const char **helper_out, struct trace *tr)
{
	enum rs_hook hooks[3];
	struct rs_result r;
	struct rs_pkt p;
	size_t n, i;
	bool from_server;
	int k, rc;

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
	if (f->nat && a->side == AUDIT_GATEWAY)
		return eval_nat(a, rec, f, helper_out, tr);
	for (k = 0; k < 3; k++) {
		make_pkt(f, k, f->helper, &p);
		from_server = f->server_initiates ? k != 1 : k == 1;
		pkt_ifaces(a, from_server, &p);
		n = hooks_for(a->side, from_server, hooks);
		for (i = 0; i < n; i++) {
			if ((rc = eval_hook(a, rec, f, k, hooks[i], &p, &r,
			    helper_out, tr)) != 0)
				return rc < 0 ? -1 : 0;
		}
	}
	return 0;
}

/* The name, kept once for all the flows that carry it; NULL on ENOMEM. */
static const char *
sensor_name(struct audit *a, const char *name)
{
	char **v;
	size_t i;

	for (i = 0; i < a->nsensors; i++)
		if (strcmp(a->sensors[i], name) == 0)
			return a->sensors[i];
	if (fa_grow(&a->sensors, a->nsensors, &a->sensors_cap, sizeof *v,
	    16) == -1)
		return NULL;
	v = a->sensors;
	if ((v[a->nsensors] = strdup(name)) == NULL)
		return NULL;
	return v[a->nsensors++];
}

static struct audit_flow *
new_flow(struct audit *a, const struct fa_session *s)
{
	struct audit_flow *v;
	const char *sensor = NULL;

	if (s->sensor != NULL && (sensor = sensor_name(a, s->sensor)) == NULL)
		return NULL;

	if (fa_grow(&a->flows, a->nflows, &a->fcap, sizeof *v, 16) == -1)
		return NULL;
	v = &a->flows[a->nflows];
	a->ordered = false;
	memset(v, 0, sizeof *v);
	v->session = s->id;
	v->sensor = sensor;
	v->tls = s->tls;
	return v;
}

static int
mark_fixable(struct audit *a, size_t i)
{
	size_t old;

	while (i / 64 >= (old = a->fixable_cap)) {
		if (fa_grow(&a->fixable, old, &a->fixable_cap,
		    sizeof *a->fixable, 64) == -1)
			return -1;
		memset(a->fixable + old, 0,
		    (a->fixable_cap - old) * sizeof *a->fixable);
	}
	bit_set(a->fixable, i);
	return 0;
}

static int
finish_flow(struct audit *a, struct audit_flow *f, const char *helper,
    const char **helper_out)
{
	a->nflows++;
	f->helper = helper;
	a->hits.n = 0;
	if (eval_flow(a, &a->hits, f, helper_out, NULL) == -1)
		return -1;
	a->tally.accepted += f->verdict == AV_ACCEPT;
	a->tally.denied += f->verdict != AV_ACCEPT && f->excluded == NULL;
	a->tally.indeterminate += f->verdict == AV_INDETERMINATE;
	a->tally.excluded_accepted += f->excluded != NULL &&
	    f->verdict == AV_ACCEPT && f->first_rule != NULL;
	a->tally.nat_missing += f->nat_missing;
	if ((f->verdict == AV_DROP || f->verdict == AV_REJECT) &&
	    f->excluded == NULL && mark_fixable(a, a->nflows - 1) == -1)
		return -1;
	return record_hits(a, &a->hits);
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

/* The flow's pre- and post-translation endpoints from a paired nat
 * object: the side where its initiator is, the other side. */
static void
nat_set(struct audit_flow *f, const struct fa_nat *n, bool by_server)
{
	/* As nat.c pairs them: the client's side holds the inside
	 * endpoints unless the server is the one translated (dnat). */
	bool in_b = by_server ? n->kind != FA_NAT_DNAT : n->kind == FA_NAT_DNAT;
	const struct fa_endpoint *cc = in_b ? &n->out_client : &n->in_client;
	const struct fa_endpoint *cs = in_b ? &n->out_server : &n->in_server;
	const struct fa_endpoint *sc = in_b ? &n->in_client : &n->out_client;
	const struct fa_endpoint *ss = in_b ? &n->in_server : &n->out_server;

	f->nat = true;
	/* Each host as its own side shows it: the real hosts. */
	f->initiator = by_server ? *ss : *cc;
	f->responder = by_server ? *cc : *ss;
	/* Where the initiator sent it, and the initiator translated. */
	f->nat_dst = by_server ? *sc : *cs;
	f->nat_src = by_server ? *cs : *sc;
	f->initiator_port_known = true;
}

/*
 * A passive data connection of a dnat'd session that only the client's
 * side shows (the gateway answered it, or nobody did): sent to the
 * public address, it would have gone to the inside server's same port.
 */
static void
nat_unpaired(struct audit_flow *f, const struct fa_session *s,
    const struct fa_transfer *x)
{
	const struct fa_nat *n = s->nat;

	if (n->kind != FA_NAT_DNAT || f->server_initiates || !x->connected ||
	    !fa_addr_eq(&x->data_server.ip, &n->out_server.ip))
		return;
	f->nat = true;
	f->nat_dst = x->data_server;
	f->nat_src = x->data_client;
	f->responder = x->data_server;
	f->responder.ip = n->in_server.ip;
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
	if (a->side == AUDIT_GATEWAY && x->nat != NULL && x->connected)
		nat_set(f, x->nat, f->server_initiates);
	else if (a->side == AUDIT_GATEWAY && s->nat != NULL)
		nat_unpaired(f, s, x);
	if (f->initiator.ip.family != f->responder.ip.family)
		return 0;	/* not a connection one firewall sees */
	f->related = helper_covers(s, x, helper);
	a->ndata++;
	return finish_flow(a, f, helper, NULL);
}

/* A session's flows, together in a->flows: in_order when their
 * transfers come in by_session's order. */
struct audit_run {
	uint64_t	 session;
	size_t		 first, n;
	bool		 in_order;
};

static int
add_run(struct audit *a, const struct fa_session *s, size_t first)
{
	struct audit_run *r;
	size_t i;

	if (fa_grow(&a->runs, a->nruns, &a->rcap, sizeof *r, 64) == -1)
		return -1;
	r = &a->runs[a->nruns++];
	r->session = s->id;
	r->first = first;
	r->n = a->nflows - first;
	r->in_order = true;
	for (i = first + 1; i < a->nflows; i++)
		r->in_order = r->in_order &&
		    a->flows[i - 1].transfer < a->flows[i].transfer;
	return 0;
}

int
audit_add_session(struct audit *a, const struct fa_session *s)
{
	struct audit_flow *f;
	const char *helper = NULL;
	size_t first = a->nflows;
	uint32_t i;

	if ((f = new_flow(a, s)) == NULL)
		return -1;
	f->purpose = AP_CONTROL;
	f->initiator = s->client;
	f->responder = s->server;
	f->initiator_port_known = true;
	if (a->side == AUDIT_GATEWAY && s->nat != NULL)
		nat_set(f, s->nat, false);
	if (finish_flow(a, f, NULL, &helper) == -1)
		return -1;
	if (a->flows[a->nflows - 1].verdict != AV_ACCEPT)
		helper = NULL;
	for (i = 0; i < s->nxfers; i++)
		if (add_transfer(a, s, &s->xfers[i], helper) == -1)
			return -1;
	return add_run(a, s, first);
}

static int
by_session(const void *x, const void *y)
{
	const struct audit_flow *f = x, *g = y;
	int c;

	if (f->session != g->session)
		return f->session < g->session ? -1 : 1;
	/* Records of several sensors may share a session id. */
	if (f->sensor != g->sensor && (c = strcmp(f->sensor ? f->sensor : "",
	    g->sensor ? g->sensor : "")) != 0)
		return c;
	return f->transfer < g->transfer ? -1 : f->transfer > g->transfer;
}

/* A flow's place in the report, as audit_order sorts them. */
struct place {
	uint64_t		 session;
	const struct audit_flow	*f;
};

static int
by_place(const void *x, const void *y)
{
	const struct place *p = x, *q = y;
	int c = by_session(p->f, q->f);

	return c != 0 ? c : (p->f > q->f) - (p->f < q->f);	/* stable */
}

/*
 * v, of n elements of size bytes that start with a session id, sorted by
 * it, stably, each moved back past the greater ones before it: sessions
 * end about in the order of their ids, so on the bench's capture that
 * is 14 moves a session, 4 ms, where radix_sort's three passes and its
 * buffer took 5.6.  False past 16 moves an element, with v in part
 * sorted, equal ids still in their order.
 */
static bool
sort_near(void *v, size_t n, size_t size)
{
	unsigned char *b = v, t[64];
	size_t i, j, moves = 0;
	uint64_t id, prev;

	if (size > sizeof t)
		return false;
	for (i = 1; i < n; i++) {
		memcpy(&id, b + i * size, sizeof id);
		memcpy(&prev, b + (i - 1) * size, sizeof prev);
		if (prev <= id)
			continue;
		memcpy(t, b + i * size, size);
		for (j = i; j > 0; j--) {
			memcpy(&prev, b + (j - 1) * size, sizeof prev);
			if (prev <= id)
				break;
			memcpy(b + j * size, b + (j - 1) * size, size);
			if (++moves > 16 * n) {
				memcpy(b + (j - 1) * size, t, size);
				return false;
			}
		}
		memcpy(b + j * size, t, size);
	}
	return true;
}

/* v, of n elements of size bytes that start with a session id, sorted
 * by it, stably (three passes for the bench's 100,000 sessions, when not
 * near their order). */
static int
by_id(void *v, size_t n, size_t size)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	static const size_t key[] = { 7, 6, 5, 4, 3, 2, 1, 0 };
#else
	static const size_t key[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
#endif
	_Static_assert(offsetof(struct place, session) == 0, "by_id's key");
	_Static_assert(offsetof(struct audit_run, session) == 0, "by_id's key");
	if (sort_near(v, n, size))
		return 0;
	return radix_sort(v, n, size, key, sizeof key / sizeof key[0]);
}

/* Flow i becomes *o[i].f, in place (a copy faulted in 67 MB of new
 * pages): along each cycle, with o[i].f set to flow i once it is. */
static void
permute(struct audit_flow *v, struct place *o, size_t n)
{
	struct audit_flow keep;
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		if (o[i].f == &v[i])
			continue;
		keep = v[i];
		for (j = i; (k = (size_t)(o[j].f - v)) != i; j = k) {
			v[j] = v[k];
			o[j].f = &v[j];
		}
		v[j] = keep;
		o[j].f = &v[j];
	}
}

/* Room for the fixable bits of the n flows in their new order, *b; 0, or
 * -1 on ENOMEM.  NULL when no flow is fixable. */
static int
fixable_new(const struct audit *a, size_t n, uint64_t **b)
{
	*b = NULL;
	if (a->fixable == NULL)
		return 0;
	return (*b = calloc((n + 63) / 64, sizeof **b)) == NULL ? -1 : 0;
}

/* The bits in the new order, b from fixable_new, as a->fixable. */
static void
fixable_set(struct audit *a, uint64_t *b, size_t n)
{
	if (b == NULL)
		return;
	free(a->fixable);
	a->fixable = b;
	a->fixable_cap = (n + 63) / 64;
}

/* The fixable bits in the order o puts the flows in. */
static int
order_fixable(struct audit *a, const struct place *o, size_t n)
{
	uint64_t *b;
	size_t i;

	if (fixable_new(a, n, &b) == -1)
		return -1;
	for (i = 0; b != NULL && i < n; i++)
		if (bit_get(a->fixable, a->fixable_cap, (size_t)(o[i].f - a->flows)))
			bit_set(b, i);
	fixable_set(a, b, n);
	return 0;
}

/* o[i..j), flows of one session id, in by_place's order. */
static void
order_group(struct place *o, size_t i, size_t j)
{
	size_t k;

	for (k = i + 1; k < j; k++)
		if (by_place(&o[k - 1], &o[k]) > 0) {
			qsort(o + i, j - i, sizeof *o, by_place);
			return;
		}
}

/* o, n places, from the sessions' runs of flows: 1; 0 when the runs do
 * not hold every flow (flows added after an audit_order); -1 on ENOMEM. */
static int
places_by_session(struct audit *a, struct place *o, size_t n)
{
	struct audit_run *r = a->runs;
	size_t i, j, k = 0, start, f;

	for (i = 0; i < a->nruns; i++)
		k += r[i].n;
	if (k != n)
		return 0;
	if (by_id(r, a->nruns, sizeof *r) == -1)
		return -1;
	for (i = 0, k = 0; i < a->nruns; i = j) {
		start = k;
		for (j = i; j < a->nruns && r[j].session == r[i].session; j++)
			for (f = 0; f < r[j].n; f++, k++) {
				o[k].session = r[j].session;
				o[k].f = &a->flows[r[j].first + f];
			}
		if (j - i > 1 || !r[i].in_order)
			order_group(o, start, k);
	}
	return 1;
}

/* The same from the flows themselves. */
static int
places_by_flow(struct audit *a, struct place *o, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		o[i].session = a->flows[i].session;
		o[i].f = &a->flows[i];
	}
	if (by_id(o, n, sizeof *o) == -1)
		return -1;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && o[j].session == o[i].session; j++)
			;
		order_group(o, i, j);
	}
	return 0;
}

/*
 * The flows v moved to their places in one pass in memory order, where
 * permute's cycles jumped through them (67 MB, 17 ms on the bench): the
 * sorted runs r give each slot i its flow s, and inv[j] is flow j's
 * place.  Slot i's own flow, when a later slot wants it, is kept aside
 * first, in a ring for the furthest any flow goes ahead (ahead: 245 on
 * the bench, as sessions end about in the order of their ids); flow s is
 * still in its slot when further on, or was kept aside at its own step.
 */
#define NEAR_MAX	((size_t)1 << 14)

static int
move_near(struct audit_flow *v, const struct audit_run *r, size_t nruns,
    const uint32_t *inv, size_t ahead)
{
	struct audit_flow *aside;
	size_t i, j, k, s, ring;

	for (ring = 1; ring <= ahead; ring <<= 1)
		;
	if ((aside = reallocarray(NULL, ring, sizeof *aside)) == NULL)
		return -1;
	for (j = 0, i = 0; j < nruns; j++)
		for (k = 0; k < r[j].n; k++, i++) {
			s = r[j].first + k;
			if (inv[i] > i)
				aside[i & (ring - 1)] = v[i];
			if (s > i)
				v[i] = v[s];
			else if (s < i)
				v[i] = aside[s & (ring - 1)];
		}
	free(aside);
	return 0;
}

/*
 * The order from the sessions' runs alone, in the common case: each
 * session id has a run of its own, its flows in order (a capture's, not
 * records of several sensors), and no flow goes more than NEAR_MAX
 * places ahead.  Then no list of places is made (5.4 MB on the bench,
 * written, read for the fixable bits and again to move the flows): the
 * sorted runs give each slot its flow, and a flow's place is all
 * move_near needs besides.  1 done; 0 not that case; -1 on ENOMEM.
 */
static int
order_by_runs(struct audit *a)
{
	struct audit_run *r = a->runs;
	size_t i, j, k, p, f, n = a->nflows, ahead = 0;
	uint64_t *bits;
	uint32_t *inv;

	for (i = 0, k = 0; i < a->nruns; k += r[i].n, i++)
		if (!r[i].in_order)
			return 0;
	if (k != n || n > UINT32_MAX)
		return 0;
	if (by_id(r, a->nruns, sizeof *r) == -1)
		return -1;
	for (i = 1; i < a->nruns; i++)
		if (r[i].session == r[i - 1].session)
			return 0;
	if ((inv = reallocarray(NULL, n, sizeof *inv)) == NULL)
		return -1;
	if (fixable_new(a, n, &bits) == -1) {
		free(inv);
		return -1;
	}
	for (i = 0, p = 0; i < a->nruns; i++)
		for (j = 0; j < r[i].n; j++, p++) {
			f = r[i].first + j;
			inv[f] = (uint32_t)p;
			if (p > f && p - f > ahead)
				ahead = p - f;
			if (bits != NULL && bit_get(a->fixable, a->fixable_cap, f))
				bit_set(bits, p);
		}
	if (ahead >= NEAR_MAX || move_near(a->flows, r, a->nruns, inv,
	    ahead) == -1) {
		free(inv);
		free(bits);
		return ahead >= NEAR_MAX ? 0 : -1;
	}
	free(inv);
	fixable_set(a, bits, n);
	return 1;
}

/* The order from a list of places, made from the runs or the flows. */
static int
order_by_places(struct audit *a)
{
	struct place *o;
	size_t n = a->nflows;
	int rc;

	if ((o = reallocarray(NULL, n, sizeof *o)) == NULL)
		return -1;
	if ((rc = places_by_session(a, o, n)) == 0)
		rc = places_by_flow(a, o, n);
	if (rc != -1)
		rc = order_fixable(a, o, n);
	if (rc != -1)
		permute(a->flows, o, n);
	free(o);
	return rc == -1 ? -1 : 0;
}

/*
 * Sessions come as they end; the report lists their flows in session
 * order, the control connection first and then the transfers by id (the
 * order audit_add_session adds them in); the fixes name flows by their
 * place, so they are made after.  The flows (200 bytes each, 337,000 on
 * the bench capture) are moved once, to places found by sorting the
 * sessions (100,000) rather than the flows: qsort moved them at every
 * merge, after the capture on one thread, and sorting the flows read a
 * line of each twice.  A session id that more than one session has
 * (records of several sensors), or a session whose flows are out of
 * order, has its flows sorted as a whole.
 */
int
audit_order(struct audit *a)
{
	int rc;

	if (a->ordered || a->nflows == 0) {
		a->ordered = true;
		return 0;
	}
	if ((rc = order_by_runs(a)) == 0)
		rc = order_by_places(a);
	if (rc == -1)
		return -1;
	/* Flows added after this are placed from themselves (places_by_flow). */
	free(a->runs);
	a->runs = NULL;
	a->nruns = a->rcap = 0;
	a->ordered = true;
	return 0;
}

int
audit_finish_fixes(struct audit *a)
{
	if (audit_order(a) == -1)
		return -1;
	audit_fixes_free(a);
	return audit_make_fixes(a);
}

int
audit_finish_findings(struct audit *a)
{
	if (audit_find_surface(a) == -1 || audit_find_shadowed(a) == -1 ||
	    audit_find_broad(a) == -1)
		return -1;
	return audit_find_ftp(a);
}

int
audit_finish(struct audit *a)
{
	if (audit_finish_fixes(a) == -1)
		return -1;
	return audit_finish_findings(a);
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

/* Kept with the options rules_vet takes, which the reports read too. */
void
audit_set_selection(struct audit *a, const struct selection *sel)
{
	a->vet.selection = sel;
}

const struct selection *
audit_selection(const struct audit *a)
{
	return a->vet.selection;
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
	return a->tally.denied > 0;
}

size_t
audit_accepted(const struct audit *a)
{
	return a->tally.accepted;
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
