/* audit.c: every observed FTP connection run through an existing ruleset
 * the way netfilter would run its packets, and what follows from it:
 * fixes, unused, shadowed and overly broad rules, FTP findings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/audit.h"
#include "ftpaudit/rules.h"

/* A rule allowing more ports than this, and many times more than were
 * used, is called overly broad (ports the traffic never needed). */
#define BROAD_MIN_PORTS		1024
#define BROAD_FACTOR		16

struct audit {
	const struct ruleset *rs;
	enum audit_side	 side;
	struct audit_flow *flows;
	size_t		 nflows, fcap;
	struct audit_fix *fixes;
	size_t		 nfixes, xcap;
	bool		*used;		/* [rs->nrules] */
	bool		*early;		/* helper set before conntrack */
	bool		*maybe;		/* reached, but undecidable */
	const char	*if_client, *if_server;	/* borrowed, or NULL */
	struct audit_broad *broad;
	size_t		 nbroad;
	struct audit_shadow *shadow;
	size_t		 nshadow, scap;
	struct audit_finding *finds;
	size_t		 nfinds, ncap;
	size_t		 ndata;		/* data connections evaluated */
};

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
	a->used = calloc(rs->nrules + 1, sizeof *a->used);
	a->early = calloc(rs->nrules + 1, sizeof *a->early);
	a->maybe = calloc(rs->nrules + 1, sizeof *a->maybe);
	if (a->used == NULL || a->early == NULL || a->maybe == NULL) {
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
	size_t i, j;

	if (a == NULL)
		return;
	for (i = 0; i < a->nflows; i++) {
		for (j = 0; j < a->flows[i].ntrace; j++)
			free(a->flows[i].trace[j]);
		free(a->flows[i].trace);
	}
	for (i = 0; i < a->nbroad; i++) {
		free(a->broad[i].allows);
		free(a->broad[i].observed);
		free(a->broad[i].saddrs);
		free(a->broad[i].daddrs);
	}
	for (i = 0; i < a->nfinds; i++)
		free(a->finds[i].text);
	free(a->flows);
	free(a->fixes);
	free(a->used);
	free(a->early);
	free(a->maybe);
	free(a->broad);
	free(a->shadow);
	free(a->finds);
	free(a);
}

static void *
grow(void *p, size_t *cap, size_t n, size_t size)
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

static int
finding(struct audit *a, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
finding(struct audit *a, const char *type, const char *fmt, ...)
{
	struct audit_finding *v;
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1)
		return -1;
	if ((v = grow(a->finds, &a->ncap, a->nfinds, sizeof *v)) == NULL) {
		free(s);
		return -1;
	}
	a->finds = v;
	v[a->nfinds].type = type;
	v[a->nfinds++].text = s;
	return 0;
}

static int
trace_add(struct audit_flow *f, char *line)
{
	char **v;

	if (line == NULL)
		return -1;
	if ((v = realloc(f->trace, (f->ntrace + 1) * sizeof *v)) == NULL) {
		free(line);
		return -1;
	}
	f->trace = v;
	f->trace[f->ntrace++] = line;
	return 0;
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
		snprintf(what, sizeof what, "%s by policy of %s %s %s",
		    rs_verdict_str(r->verdict), r->policy->family, r->policy->table,
		    r->policy->name);
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

/* Run the flow's packets; *helper_out gets what its first packet assigned. */
static int
eval_flow(struct audit *a, struct audit_flow *f, const char *helper,
    const char **helper_out)
{
	enum rs_hook hooks[3];
	struct rs_result r;
	struct rs_pkt p;
	size_t n, i;
	bool from_server;
	int k;

	f->verdict = AV_ACCEPT;
	f->failed_pkt = -1;
	for (k = 0; k < 3; k++) {
		make_pkt(f, k, helper, &p);
		from_server = f->server_initiates ? k != 1 : k == 1;
		pkt_ifaces(a, from_server, &p);
		n = hooks_for(a->side, from_server, hooks);
		for (i = 0; i < n; i++) {
			ruleset_eval(a->rs, hooks[i], &p, &r, mark_used, a);
			/* Hooks without a base chain say nothing worth a line. */
			if ((r.indeterminate || r.rule != NULL || r.policy != NULL) &&
			    trace_add(f, trace_line(&p, hooks[i], &r)) == -1)
				return -1;
			if (r.helper_early != NULL)
				a->early[r.helper_early->seq] = true;
			if (k == 0 && r.helper != NULL && helper_out != NULL)
				*helper_out = r.helper;
			if (r.indeterminate && r.rule != NULL)
				a->maybe[r.rule->seq] = true;
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

static int
add_fix(struct audit *a, size_t idx)
{
	const struct audit_flow *f = &a->flows[idx];
	struct audit_fix *x;
	const struct fa_endpoint *src, *dst;

	if (f->verdict != AV_DROP && f->verdict != AV_REJECT)
		return 0;
	if ((x = grow(a->fixes, &a->xcap, a->nfixes, sizeof *x)) == NULL)
		return -1;
	a->fixes = x;
	x = &a->fixes[a->nfixes++];
	x->flow = idx;
	x->purpose = f->purpose;
	x->established = f->failed_pkt != 0;
	x->hook = f->failed_hook;
	x->base = f->failed_base;
	x->family = f->initiator.ip.family;
	src = f->failed_pkt == 1 ? &f->responder : &f->initiator;
	dst = f->failed_pkt == 1 ? &f->initiator : &f->responder;
	x->saddr = src->ip;
	x->daddr = dst->ip;
	x->sport_lo = x->sport_hi = -1;
	x->dport_lo = x->dport_hi = -1;
	x->ctstate = f->failed_pkt != 0 ? RS_CT_ESTABLISHED :
	    f->related ? RS_CT_RELATED : RS_CT_NEW;
	if (f->failed_pkt != 0)
		return 0;	/* return traffic: ct state established, any port */
	if (f->purpose == AP_ACTIVE && f->responder.port >= 1024) {
		/* The client picks a new port for every PORT/EPRT. */
		x->dport_lo = 1024;
		x->dport_hi = 65535;
	} else
		x->dport_lo = x->dport_hi = f->responder.port;
	if (f->purpose == AP_ACTIVE && f->initiator_port_known &&
	    f->initiator.port == 20)
		x->sport_lo = x->sport_hi = 20;
	return 0;
}

static struct audit_flow *
new_flow(struct audit *a, const struct fa_session *s)
{
	struct audit_flow *v;

	if ((v = grow(a->flows, &a->fcap, a->nflows, sizeof *v)) == NULL)
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
	if (eval_flow(a, f, helper, helper_out) == -1)
		return -1;
	return add_fix(a, a->nflows - 1);
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
helper_notes(struct audit_flow *f, const struct fa_session *s,
    const struct fa_transfer *x)
{
	uint32_t flags = x->helper_flags | (s->tls ? FA_HELPER_TLS : 0), bit;
	char *line;

	for (bit = 1; bit != 0 && bit <= flags; bit <<= 1) {
		if ((flags & bit) == 0 || bit == FA_HELPER_PORT ||
		    rules_helper_note(bit) == NULL)
			continue;
		if (asprintf(&line, "not related, the ftp helper would not open it: %s",
		    rules_helper_note(bit)) == -1 || trace_add(f, line) == -1)
			return -1;
	}
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
	f->purpose = x->mode == FA_MODE_ACTIVE ? AP_ACTIVE : AP_PASSIVE;
	f->helper_flags = x->helper_flags;
	f->server_initiates = x->connected ? x->initiator_server :
	    x->mode == FA_MODE_ACTIVE;
	if (x->connected) {
		f->initiator = f->server_initiates ? x->data_server : x->data_client;
		f->responder = f->server_initiates ? x->data_client : x->data_server;
		f->initiator_port_known = true;
	} else {
		/* Seen only as announced: the initiator's port is unknown. */
		f->initiator.ip = f->server_initiates ? s->server.ip : s->client.ip;
		f->responder = x->expected;
		if (f->responder.ip.family == FA_AF_NONE)
			f->responder.ip = f->server_initiates ? s->client.ip : s->server.ip;
	}
	if (f->initiator.ip.family != f->responder.ip.family)
		return 0;	/* not a connection one firewall sees */
	f->related = helper_covers(s, x, helper);
	if (!f->related && helper != NULL && helper_notes(f, s, x) == -1)
		return -1;
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

/* Shadowing: S matches everything R matches, and S ends evaluation. */

static bool
ranges_within(const struct rs_match *in, const struct rs_match *out)
{
	size_t i, j;
	bool ok;

	for (i = 0; i < in->nr; i++) {
		for (ok = false, j = 0; j < out->nr && !ok; j++)
			ok = in->r[i].lo >= out->r[j].lo && in->r[i].hi <= out->r[j].hi;
		if (!ok)
			return false;
	}
	for (i = 0; i < in->na; i++) {
		for (ok = false, j = 0; j < out->na && !ok; j++)
			ok = memcmp(in->a[i].lo.a, out->a[j].lo.a, 16) >= 0 &&
			    memcmp(in->a[i].hi.a, out->a[j].hi.a, 16) <= 0;
		if (!ok)
			return false;
	}
	for (i = 0; i < in->nnames; i++) {
		for (ok = false, j = 0; j < out->nnames && !ok; j++)
			ok = strcmp(in->names[i], out->names[j]) == 0;
		if (!ok)
			return false;
	}
	return true;
}

/* Does condition ms (of S) hold whenever mr (of R) holds? */
static bool
cond_implies(const struct rs_match *mr, const struct rs_match *ms)
{
	if (mr->key != ms->key || mr->neg != ms->neg || mr->afam != ms->afam)
		return false;
	switch (ms->key) {
	case RS_K_CTSTATE:
		return ms->neg ? (ms->mask & ~mr->mask) == 0 : (mr->mask & ~ms->mask) == 0;
	case RS_K_TCPFLAGS:
		return mr->mask == ms->mask && mr->value == ms->value &&
		    mr->flags_any == ms->flags_any;
	default:
		return ms->neg ? ranges_within(ms, mr) : ranges_within(mr, ms);
	}
}

static bool
covers(const struct rs_rule *s, const struct rs_rule *r)
{
	size_t i, j;
	bool ok;

	if (s->unknown != NULL || s->vunknown != NULL)
		return false;
	for (i = 0; i < s->nm; i++) {
		for (ok = false, j = 0; j < r->nm && !ok; j++)
			ok = cond_implies(&r->m[j], &s->m[i]);
		if (!ok)
			return false;
	}
	return true;
}

static bool
terminal(const struct rs_rule *r)
{
	return r->verdict == RS_V_ACCEPT || r->verdict == RS_V_DROP ||
	    r->verdict == RS_V_REJECT || r->verdict == RS_V_GOTO ||
	    r->verdict == RS_V_RETURN;
}

/* Two copies of one nft rule with a verdict map. */
static bool
same_rule(const struct rs_rule *x, const struct rs_rule *y)
{
	const struct rs_rule *lx = x->leader ? x->leader : x;
	const struct rs_rule *ly = y->leader ? y->leader : y;

	return lx == ly;
}

static int
find_shadowed(struct audit *a)
{
	const struct rs_chain *c;
	struct audit_shadow *v;
	size_t ci, i, j;

	for (ci = 0; ci < a->rs->nchains; ci++) {
		c = a->rs->chains[ci];
		for (j = 1; j < c->nrules; j++) {
			for (i = 0; i < j; i++) {
				if (!terminal(c->rules[i]) || !covers(c->rules[i], c->rules[j]) ||
				    same_rule(c->rules[i], c->rules[j]))
					continue;
				if ((v = grow(a->shadow, &a->scap, a->nshadow, sizeof *v)) == NULL)
					return -1;
				a->shadow = v;
				v[a->nshadow].rule = c->rules[j];
				v[a->nshadow++].by = c->rules[i];
				break;
			}
		}
	}
	return 0;
}

/* Overly broad accept rules. */

/* The rule's condition on key, or that of the rule jumping to its chain:
 * a regular chain only sees what its caller let through. */
static const struct rs_match *
cond(const struct rs_rule *r, enum rs_key key)
{
	size_t i;
	int depth;

	for (depth = 0; r != NULL && depth < 8; depth++) {
		for (i = 0; i < r->nm; i++)
			if (r->m[i].key == key)
				return &r->m[i];
		r = r->chain->caller;
	}
	return NULL;
}

static uint32_t
port_count(const struct rs_rule *r)
{
	const struct rs_match *m = cond(r, RS_K_DPORT);
	uint32_t n = 0;
	size_t i;

	if (m == NULL)
		return 65536;
	for (i = 0; i < m->nr; i++)
		n += m->r[i].hi - m->r[i].lo + 1;
	return m->neg ? 65536 - n : n;
}

static int
addr_add(struct fa_addr **v, size_t *n, const struct fa_addr *x)
{
	struct fa_addr *q;
	size_t i;

	for (i = 0; i < *n; i++)
		if (fa_addr_eq(&(*v)[i], x))
			return 0;
	if ((q = realloc(*v, (*n + 1) * sizeof *q)) == NULL)
		return -1;
	*v = q;
	q[(*n)++] = *x;
	return 0;
}

static char *
describe_rule(const struct rs_rule *r)
{
	const struct rs_match *sa = cond(r, RS_K_SADDR), *da = cond(r, RS_K_DADDR);
	const struct rs_match *dp = cond(r, RS_K_DPORT);
	bool proto = cond(r, RS_K_L4PROTO) != NULL || dp != NULL ||
	    cond(r, RS_K_SPORT) != NULL;
	char ports[64];
	char *s;

	if (dp == NULL)
		snprintf(ports, sizeof ports, "any port");
	else if (dp->nr == 1 && !dp->neg)
		snprintf(ports, sizeof ports, "ports %u-%u (%u)", dp->r[0].lo,
		    dp->r[0].hi, port_count(r));
	else
		snprintf(ports, sizeof ports, "%u ports", port_count(r));
	if (asprintf(&s, "%s to %s, from %s, to %s", proto ? "tcp" : "every protocol",
	    ports, sa == NULL ? "any address" : sa->neg ? "all but some addresses" :
	    "listed addresses", da == NULL ? "any address" : "listed addresses") == -1)
		return NULL;
	return s;
}

static int
broad_observed(struct audit_broad *b, const struct audit *a, const struct rs_rule *r)
{
	const struct audit_flow *f;
	size_t i, n = 0;
	int lo = 65536, hi = -1;
	char buf[FA_ADDRSTRLEN];

	for (i = 0; i < a->nflows; i++) {
		f = &a->flows[i];
		if (f->first_rule != r || f->related)
			continue;
		if (n++ == 0) {
			b->suggested.purpose = f->purpose;
			b->suggested.hook = f->first_hook;
			b->suggested.family = f->initiator.ip.family;
		}
		if (addr_add(&b->saddrs, &b->nsaddrs, &f->initiator.ip) == -1 ||
		    addr_add(&b->daddrs, &b->ndaddrs, &f->responder.ip) == -1)
			return -1;
		lo = f->responder.port < lo ? f->responder.port : lo;
		hi = f->responder.port > hi ? f->responder.port : hi;
	}
	b->suggested.sport_lo = b->suggested.sport_hi = -1;
	b->suggested.dport_lo = lo;
	b->suggested.dport_hi = hi;
	if (b->suggested.purpose == AP_ACTIVE) {
		b->suggested.dport_lo = lo < 1024 ? lo : 1024;
		b->suggested.dport_hi = 65535;
	}
	b->suggested.ctstate = RS_CT_NEW;
	if (asprintf(&b->observed, "%zu connection%s from %zu address%s (%s%s) to "
	    "ports %d-%d", n, n == 1 ? "" : "s", b->nsaddrs, b->nsaddrs == 1 ? "" : "es",
	    fa_addr_str(&b->saddrs[0], buf), b->nsaddrs > 1 ? ", ..." : "", lo, hi) == -1)
		b->observed = NULL;
	return b->observed == NULL ? -1 : 0;
}

static size_t
distinct_ports(const struct audit *a, const struct rs_rule *r, size_t *nflows,
    bool *active)
{
	uint8_t seen[8192];
	size_t i, n = 0;
	uint16_t p;

	memset(seen, 0, sizeof seen);
	*nflows = 0;
	*active = false;
	for (i = 0; i < a->nflows; i++) {
		if (a->flows[i].first_rule != r || a->flows[i].related)
			continue;
		(*nflows)++;
		*active = *active || a->flows[i].purpose == AP_ACTIVE;
		p = a->flows[i].responder.port;
		if (!(seen[p >> 3] & (1 << (p & 7))))
			n++;
		seen[p >> 3] |= (uint8_t)(1 << (p & 7));
	}
	return n;
}

static int
find_broad(struct audit *a)
{
	const struct rs_rule *r;
	struct audit_broad *v;
	size_t ci, j, nports, nflows;
	uint32_t allowed;
	bool proto, active;

	for (ci = 0; ci < a->rs->nchains; ci++) {
		for (j = 0; j < a->rs->chains[ci]->nrules; j++) {
			r = a->rs->chains[ci]->rules[j];
			if (r->verdict != RS_V_ACCEPT || r->unknown != NULL)
				continue;
			if ((nports = distinct_ports(a, r, &nflows, &active)) == 0)
				continue;
			/* Active data goes to whatever port the client picks:
			 * 1024-65535 is what it needs (the rules generalisation). */
			if (active)
				nports = 65535 - 1024 + 1;
			allowed = port_count(r);
			proto = cond(r, RS_K_L4PROTO) != NULL ||
			    cond(r, RS_K_DPORT) != NULL || cond(r, RS_K_SPORT) != NULL;
			if (proto && (allowed <= BROAD_MIN_PORTS ||
			    allowed <= BROAD_FACTOR * nports))
				continue;
			if ((v = realloc(a->broad, (a->nbroad + 1) * sizeof *v)) == NULL)
				return -1;
			a->broad = v;
			v = &a->broad[a->nbroad++];
			memset(v, 0, sizeof *v);
			v->rule = r;
			if ((v->allows = describe_rule(r)) == NULL ||
			    broad_observed(v, a, r) == -1)
				return -1;
		}
	}
	return 0;
}

/* FTP findings. */

static const struct rs_rule *
related_accept(const struct ruleset *rs)
{
	const struct rs_match *m;
	const struct rs_rule *r;
	size_t ci, j;

	for (ci = 0; ci < rs->nchains; ci++) {
		for (j = 0; j < rs->chains[ci]->nrules; j++) {
			r = rs->chains[ci]->rules[j];
			m = cond(r, RS_K_CTSTATE);
			if (r->verdict == RS_V_ACCEPT && m != NULL && !m->neg &&
			    (m->mask & RS_CT_RELATED))
				return r;
		}
	}
	return NULL;
}

static int
helper_findings(struct audit *a)
{
	const struct ruleset *rs = a->rs;
	const struct rs_rule *r, *rel = related_accept(rs), *any = NULL;
	char name[160];
	size_t ci, j;
	int rc = 0;

	for (ci = 0; ci < rs->nchains; ci++) {
		for (j = 0; j < rs->chains[ci]->nrules; j++) {
			r = rs->chains[ci]->rules[j];
			if (r->helper_set == NULL)
				continue;
			any = r;
			rs_rule_name(r, name, sizeof name);
			if (a->early[r->seq])
				rc |= finding(a, "helper-unreached", "%s assigns the %s "
				    "helper at priority %d of hook %s, before conntrack "
				    "(-200): it has no effect there", name, r->helper_set,
				    r->chain->prio, rs_hook_str(r->chain->hook));
			else if (!a->used[r->seq])
				rc |= finding(a, "helper-unreached", "%s assigns the %s "
				    "helper but no control connection reached it on the "
				    "%s side", name, r->helper_set, audit_side_str(a->side));
		}
	}
	if (any != NULL && rel == NULL)
		rc |= finding(a, "helper-without-related", "%s assigns the %s helper, "
		    "but no rule accepts ct state related: the data connections it "
		    "expects are not let in", rs_rule_name(any, name, sizeof name),
		    any->helper_set);
	if (any == NULL && rel != NULL && a->ndata > 0)
		rc |= finding(a, "related-without-helper", "%s accepts related "
		    "traffic, but no rule assigns the ftp helper (never automatic "
		    "since Linux 4.7): FTP data connections are never related",
		    rs_rule_name(rel, name, sizeof name));
	return rc;
}

/* A static passive range (ports >= 1024, more than one) that observed
 * passive data connections fell outside of, and were denied. */
static bool
passive_range(const struct rs_rule *r)
{
	const struct rs_match *m = cond(r, RS_K_DPORT);
	size_t i;
	bool wide = false;

	if (r->verdict != RS_V_ACCEPT || m == NULL || m->neg || r->unknown != NULL)
		return false;
	for (i = 0; i < m->nr; i++) {
		if (m->r[i].lo < 1024)
			return false;
		wide = wide || m->r[i].hi > m->r[i].lo;
	}
	return wide;
}

/* Append ",port" unless it is listed already; the new length. */
static size_t
port_list(char *buf, size_t size, size_t len, uint16_t port)
{
	char one[8];
	const char *p;
	size_t n;

	snprintf(one, sizeof one, "%u", port);
	n = strlen(one);
	for (p = buf; (p = strstr(p, one)) != NULL; p += n)
		if ((p == buf || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return len;
	if (len + n + 2 > size)
		return len;
	len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "", one);
	return len;
}

static bool
in_match(const struct rs_match *m, uint32_t v)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		if (v >= m->r[i].lo && v <= m->r[i].hi)
			return true;
	return false;
}

/* "40000-40009,50000" */
static const char *
ranges_str(const struct rs_match *m, char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < m->nr && len + 16 < size; i++) {
		if (m->r[i].lo == m->r[i].hi)
			len += (size_t)snprintf(buf + len, size - len, "%s%u",
			    i ? "," : "", m->r[i].lo);
		else
			len += (size_t)snprintf(buf + len, size - len, "%s%u-%u",
			    i ? "," : "", m->r[i].lo, m->r[i].hi);
	}
	return buf;
}

static int
range_findings(struct audit *a)
{
	const struct rs_rule *r;
	const struct rs_match *m;
	const struct audit_flow *f;
	char name[160], ports[256], range[256];
	size_t ci, j, i, len;
	int rc = 0;

	for (ci = 0; ci < a->rs->nchains; ci++) {
		for (j = 0; j < a->rs->chains[ci]->nrules; j++) {
			r = a->rs->chains[ci]->rules[j];
			if (!passive_range(r))
				continue;
			m = cond(r, RS_K_DPORT);
			ports[0] = '\0';
			for (i = 0, len = 0; i < a->nflows && len < sizeof ports - 16; i++) {
				f = &a->flows[i];
				if (f->purpose != AP_PASSIVE || f->verdict == AV_ACCEPT ||
				    f->verdict == AV_INDETERMINATE || f->failed_pkt != 0 ||
				    in_match(m, f->responder.port))
					continue;
				len = port_list(ports, sizeof ports, len, f->responder.port);
			}
			if (len == 0)
				continue;
			rc |= finding(a, "passive-range-missed", "%s accepts the static "
			    "passive range %s, but observed passive data connections "
			    "to port(s) %s were denied", rs_rule_name(r, name, sizeof name),
			    ranges_str(m, range, sizeof range), ports);
		}
	}
	return rc;
}

static int
port20_findings(struct audit *a)
{
	const struct rs_rule *r;
	const struct rs_match *m;
	const struct audit_flow *f;
	char name[160], ports[256];
	size_t ci, j, i, len;
	int rc = 0;

	for (ci = 0; ci < a->rs->nchains; ci++) {
		for (j = 0; j < a->rs->chains[ci]->nrules; j++) {
			r = a->rs->chains[ci]->rules[j];
			m = cond(r, RS_K_SPORT);
			if (r->verdict != RS_V_ACCEPT || m == NULL || m->neg ||
			    m->nr != 1 || m->r[0].lo != 20 || m->r[0].hi != 20)
				continue;
			ports[0] = '\0';
			for (i = 0, len = 0; i < a->nflows && len < sizeof ports - 16; i++) {
				f = &a->flows[i];
				if (f->purpose != AP_ACTIVE || !f->initiator_port_known ||
				    f->initiator.port == 20)
					continue;
				len = port_list(ports, sizeof ports, len, f->initiator.port);
			}
			if (len == 0)
				continue;
			rc |= finding(a, "active-port-20", "%s expects active-mode data "
			    "from source port 20, but the server opened active data "
			    "connections from port(s) %s", rs_rule_name(r, name,
			    sizeof name), ports);
		}
	}
	return rc;
}

static int
indeterminate_finding(struct audit *a)
{
	size_t i, n = 0;
	const char *why = NULL;

	for (i = 0; i < a->nflows; i++) {
		if (a->flows[i].verdict != AV_INDETERMINATE)
			continue;
		if (n++ == 0)
			why = a->flows[i].why;
	}
	if (n == 0)
		return 0;
	return finding(a, "indeterminate", "%zu flow%s could not be decided (%s); "
	    "rules after the undecidable one were not evaluated for them, so "
	    "unused_rules may list rules they would use", n, n == 1 ? "" : "s",
	    why ? why : "?");
}

/* netdev ingress, bridge and arp chains run outside the IP hooks the
 * flows are evaluated on; one that may drop is worth saying. */
static int
other_family_finding(struct audit *a)
{
	const struct rs_chain *c;
	size_t i, j;
	bool drops;

	for (i = 0; i < a->rs->nchains; i++) {
		c = a->rs->chains[i];
		if (c->fam != 0 || !c->base)
			continue;
		drops = c->policy == RS_V_DROP;
		for (j = 0; j < c->nrules; j++)
			drops = drops || c->rules[j]->verdict == RS_V_DROP ||
			    c->rules[j]->verdict == RS_V_REJECT;
		if (drops && finding(a, "not-evaluated", "base chain %s %s %s may "
		    "drop packets but is not evaluated: only ip, ip6 and inet "
		    "tables are", c->family, c->table, c->name) == -1)
			return -1;
	}
	return 0;
}

int
audit_finish(struct audit *a)
{
	if (find_shadowed(a) == -1 || find_broad(a) == -1)
		return -1;
	if (helper_findings(a) != 0 || range_findings(a) != 0 ||
	    port20_findings(a) != 0 || indeterminate_finding(a) != 0 ||
	    other_family_finding(a) != 0)
		return -1;
	return 0;
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

bool
audit_unused(const struct audit *a, const struct rs_rule *r)
{
	return !a->used[r->seq] && !a->maybe[r->seq] && r->leader == NULL;
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
		if (a->flows[i].verdict != AV_ACCEPT)
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
