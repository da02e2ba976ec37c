/* SPDX-License-Identifier: ISC */
/* audit_rules.c: what the audited traffic says about the rules: those an
 * earlier rule shadows, accept rules far broader than what they were used
 * for, and FTP findings (helper, passive range, active port 20). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_int.h"
#include "grow.h"

/* A rule allowing more ports than this, and many times more than were
 * used, is called overly broad (ports the traffic never needed). */
#define BROAD_MIN_PORTS		1024
#define BROAD_FACTOR		16

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
	if (fa_grow(&a->finds, a->nfinds, &a->ncap, sizeof *v, 16) == -1) {
		free(s);
		return -1;
	}
	v = a->finds;
	v[a->nfinds].type = type;
	v[a->nfinds++].text = s;
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
	case RS_K_CTSTATUS:
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

int
audit_find_shadowed(struct audit *a)
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
				if (fa_grow(&a->shadow, a->nshadow, &a->scap,
				    sizeof *v, 16) == -1)
					return -1;
				v = a->shadow;
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

/* What a rule accepted the first packet of (not related): how many
 * ports, whether active data. */
struct port_tally {
	size_t		 nports;
	bool		 active;
	uint8_t		*seen;		/* owned: a bit a port, NULL for none */
};

static void
tallies_free(struct port_tally *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i].seen);
	free(v);
}

/* Every rule's tally, by its seq, in one pass over the flows: a pass for
 * each rule read a line of every flow again.  NULL on ENOMEM. */
static struct port_tally *
port_tallies(const struct audit *a)
{
	struct port_tally *v, *t;
	const struct audit_flow *f;
	size_t i, n = a->rs->nrules + 1;
	uint16_t p;

	if ((v = calloc(n, sizeof *v)) == NULL)
		return NULL;
	for (i = 0; i < a->nflows; i++) {
		f = &a->flows[i];
		if (f->first_rule == NULL || f->related)
			continue;
		t = &v[f->first_rule->seq];
		if (t->seen == NULL && (t->seen = calloc(1, 65536 / 8)) == NULL) {
			tallies_free(v, n);
			return NULL;
		}
		t->active = t->active || f->purpose == AP_ACTIVE;
		p = f->responder.port;
		if (!(t->seen[p >> 3] & (1 << (p & 7))))
			t->nports++;
		t->seen[p >> 3] |= (uint8_t)(1 << (p & 7));
	}
	return v;
}

int
audit_find_broad(struct audit *a)
{
	const struct rs_rule *r;
	struct audit_broad *v;
	struct port_tally *tl;
	size_t ci, j, nports;
	uint32_t allowed;
	bool proto;
	int rc = -1;

	if ((tl = port_tallies(a)) == NULL)
		return -1;
	for (ci = 0; ci < a->rs->nchains; ci++) {
		for (j = 0; j < a->rs->chains[ci]->nrules; j++) {
			r = a->rs->chains[ci]->rules[j];
			if (r->verdict != RS_V_ACCEPT || r->unknown != NULL)
				continue;
			if ((nports = tl[r->seq].nports) == 0)
				continue;
			/* Active data goes to whatever port the client picks:
			 * 1024-65535 is what it needs (the rules generalisation). */
			if (tl[r->seq].active)
				nports = 65535 - 1024 + 1;
			allowed = port_count(r);
			proto = cond(r, RS_K_L4PROTO) != NULL ||
			    cond(r, RS_K_DPORT) != NULL || cond(r, RS_K_SPORT) != NULL;
			if (proto && (allowed <= BROAD_MIN_PORTS ||
			    allowed <= BROAD_FACTOR * nports))
				continue;
			if ((v = realloc(a->broad, (a->nbroad + 1) * sizeof *v)) == NULL)
				goto done;
			a->broad = v;
			v = &a->broad[a->nbroad++];
			memset(v, 0, sizeof *v);
			v->rule = r;
			if ((v->allows = describe_rule(r)) == NULL ||
			    broad_observed(v, a, r) == -1)
				goto done;
		}
	}
	rc = 0;
done:
	tallies_free(tl, a->rs->nrules + 1);
	return rc;
}

/* FTP findings. */

/* Can the rule match TCP?  ICMP errors are related too, and accepting
 * them is no sign of FTP data expected. */
static bool
may_tcp(const struct rs_rule *r)
{
	const struct rs_match *m = cond(r, RS_K_L4PROTO);
	size_t i;
	bool in = false;

	if (m == NULL)
		return true;
	for (i = 0; i < m->nr; i++)
		in = in || (m->r[i].lo <= 6 && m->r[i].hi >= 6);
	return in != m->neg;
}

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
			    (m->mask & RS_CT_RELATED) && may_tcp(r))
				return r;
		}
	}
	return NULL;
}

/* Some control connection of a family the chain sees: without one, an
 * assignment nothing reached says nothing. */
static bool
control_seen(const struct audit *a, const struct rs_chain *c)
{
	size_t i;
	unsigned bit;

	for (i = 0; i < a->nflows; i++) {
		bit = a->flows[i].initiator.ip.family == FA_AF_INET6 ? RS_FAM_IP6 :
		    RS_FAM_IP;
		if (a->flows[i].purpose == AP_CONTROL && (c->fam & bit) != 0)
			return true;
	}
	return false;
}

static int
helper_findings(struct audit *a)
{
	const struct ruleset *rs = a->rs;
	const struct rs_rule *r, *rel = related_accept(rs), *any = NULL;
	char name[640];
	size_t ci, j;
	int rc = 0;

	for (ci = 0; ci < rs->nchains; ci++) {
		for (j = 0; j < rs->chains[ci]->nrules; j++) {
			r = rs->chains[ci]->rules[j];
			if (r->helper_set == NULL)
				continue;
			any = r;
			rs_rule_describe(r, name, sizeof name);
			if (a->early[r->seq])
				rc |= finding(a, "helper-unreached", "%s assigns the %s "
				    "helper at priority %d of hook %s, before conntrack "
				    "(-200): it has no effect there", name, r->helper_set,
				    r->chain->prio, rs_hook_str(r->chain->hook));
			else if (!a->used[r->seq] && control_seen(a, r->chain))
				rc |= finding(a, "helper-unreached", "%s assigns the %s "
				    "helper but no control connection reached it on the "
				    "%s side", name, r->helper_set, audit_side_str(a->side));
		}
	}
	if (any != NULL && rel == NULL)
		rc |= finding(a, "helper-without-related", "%s assigns the %s helper, "
		    "but no rule accepts ct state related: the data connections it "
		    "expects are not let in", rs_rule_describe(any, name, sizeof name),
		    any->helper_set);
	if (any == NULL && rel != NULL && a->ndata > 0)
		rc |= finding(a, "related-without-helper", "%s accepts related "
		    "traffic, but no rule assigns the ftp helper (never automatic "
		    "since Linux 4.7): FTP data connections are never related",
		    rs_rule_describe(rel, name, sizeof name));
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
	char name[640], ports[256], range[256];
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
			    "to port(s) %s were denied", rs_rule_describe(r, name, sizeof name),
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
	char name[640], ports[256];
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
			    "connections from port(s) %s", rs_rule_describe(r, name,
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

	for (i = 0; a->tally.indeterminate > 0 && i < a->nflows; i++) {
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

/* Traffic rules_vet keeps out of any recommendation (an FTP bounce, a
 * third host, a privileged port) that the ruleset lets through. */
static int
excluded_findings(struct audit *a)
{
	const struct audit_flow *f;
	char name[640], ep[FA_ADDRSTRLEN];
	size_t i;

	for (i = 0; a->tally.excluded_accepted > 0 && i < a->nflows; i++) {
		f = &a->flows[i];
		/* Only a rule that accepts it says so: a chain that lets
		 * everything through by policy says nothing about FTP. */
		if (f->excluded == NULL || f->verdict != AV_ACCEPT ||
		    f->first_rule == NULL)
			continue;
		if (finding(a, "excluded-accepted", "flow #%zu (session %llu, "
		    "transfer %u, to %s port %u) is let through by %s, but it is "
		    "%s traffic no legitimate FTP negotiation needs", i,
		    (unsigned long long)f->session, f->transfer,
		    fa_addr_str(&f->responder.ip, ep), f->responder.port,
		    rs_rule_describe(f->first_rule, name, sizeof name),
		    f->excluded) == -1)
			return -1;
	}
	return 0;
}

/* One not-forwarded finding for every public address, inside server
 * and port range of the passive flows no dnat rule translates. */
static int
nat_forward_finding(struct audit *a, size_t first)
{
	const struct audit_flow *f = &a->flows[first], *g;
	char pub[FA_ADDRSTRLEN], in[FA_ADDRSTRLEN], ports[16], ipt[16];
	unsigned lo = f->nat_dst.port, hi = f->nat_dst.port, n = 0;
	size_t i;

	for (i = 0; i < a->nflows; i++) {
		g = &a->flows[i];
		if (!g->nat_missing || g->server_initiates ||
		    !fa_addr_eq(&g->nat_dst.ip, &f->nat_dst.ip) ||
		    !fa_addr_eq(&g->responder.ip, &f->responder.ip))
			continue;
		if (i < first)
			return 0;	/* reported with the first one */
		lo = g->nat_dst.port < lo ? g->nat_dst.port : lo;
		hi = g->nat_dst.port > hi ? g->nat_dst.port : hi;
		n++;
	}
	fa_addr_str(&f->nat_dst.ip, pub);
	fa_addr_str(&f->responder.ip, in);
	snprintf(ports, sizeof ports, lo == hi ? "%u" : "%u-%u", lo, hi);
	snprintf(ipt, sizeof ipt, lo == hi ? "%u" : "%u:%u", lo, hi);
	return finding(a, "nat-not-forwarded", "%u flow(s) from flow #%zu "
	    "(session %llu) to %s port %s reached %s in the capture, but no "
	    "dnat rule translates them: the gateway takes them itself and "
	    "refuses them; fix: forward the port%s, nft add rule ip nat "
	    "prerouting ip daddr %s tcp dport %s dnat to %s (iptables -t nat "
	    "-A PREROUTING -d %s -p tcp --dport %s -j DNAT --to-destination "
	    "%s), and accept them to %s in forward", n, first,
	    (unsigned long long)f->session, pub, ports, in, lo == hi ? "" : "s",
	    pub, ports, in, pub, ipt, in, in);
}

/* Flows the capture shows translated and the ruleset does not: a passive
 * range not forwarded, or active data to a client behind snat that only
 * the ftp helper's expectation translates. */
static int
nat_findings(struct audit *a)
{
	const struct audit_flow *f;
	char cl[FA_ADDRSTRLEN];
	size_t i;

	for (i = 0; a->tally.nat_missing > 0 && i < a->nflows; i++) {
		f = &a->flows[i];
		if (!f->nat_missing)
			continue;
		if (!f->server_initiates) {
			if (nat_forward_finding(a, i) == -1)
				return -1;
			continue;
		}
		if (finding(a, "nat-active-needs-helper", "flow #%zu (session "
		    "%llu, transfer %u): active data to %s, a client behind snat "
		    "or masquerade, is translated only by the ftp helper's "
		    "expectation (nf_nat_ftp), which the ruleset does not assign "
		    "to the control connection: the gateway refuses it; fix: "
		    "assign the helper to the control port (nft: ct helper "
		    "ftp-std { type \"ftp\" protocol tcp; } and ct helper set "
		    "\"ftp-std\" in a prerouting filter chain; iptables: -t raw "
		    "-A PREROUTING -p tcp --dport 21 -j CT --helper ftp), or use "
		    "passive mode", i, (unsigned long long)f->session,
		    f->transfer, fa_addr_str(&f->nat_dst.ip, cl)) == -1)
			return -1;
	}
	return 0;
}

int
audit_find_ftp(struct audit *a)
{
	if (excluded_findings(a) != 0 || nat_findings(a) != 0)
		return -1;
	if (helper_findings(a) != 0 || range_findings(a) != 0 ||
	    port20_findings(a) != 0 || indeterminate_finding(a) != 0 ||
	    other_family_finding(a) != 0)
		return -1;
	return 0;
}

/*
 * The FTP surface of the servers seen: TCP to their control ports and
 * passive ranges, and from them with port 20 (or any port, when their
 * active data came from others), both ways.  An unused rule is worth
 * reporting when it could match such a packet: loopback, ICMP, SSH and
 * the like are no business of an FTP audit (--all-unused lists them).
 */
struct surface {
	struct fa_addr	 server;
	struct rs_range	 ctl[8];	/* control ports */
	size_t		 nctl;
	uint32_t	 plo, phi;	/* passive range; plo > phi: none */
	bool		 active, active_any;	/* active seen; not all from 20 */
};

/* The servers' surfaces, in the order first seen, with an index by
 * address: the main bench capture has 312 servers and 405,779 flows, and
 * a walk of the list for each flow was a third of the audit's tail. */
struct surfaces {
	struct surface	*v;		/* owned */
	size_t		 n, cap;
	uint32_t	*slot;		/* owned; 1 + index into v, 0: empty */
	size_t		 nslots;	/* a power of two, over 2 * cap */
};

static uint32_t *
surface_slot(const struct surfaces *sv, const struct fa_addr *server)
{
	size_t mask = sv->nslots - 1, i;

	for (i = fa_addr_hash(server, 0) & mask; sv->slot[i] != 0;
	    i = (i + 1) & mask)
		if (fa_addr_eq(&sv->v[sv->slot[i] - 1].server, server))
			break;
	return &sv->slot[i];
}

/* Room for one more surface, and its index rebuilt when it grew. */
static int
surfaces_grow(struct surfaces *sv)
{
	size_t i, cap = sv->cap;
	uint32_t *slot;

	if (fa_grow(&sv->v, sv->n, &sv->cap, sizeof *sv->v, 16) == -1)
		return -1;
	if (sv->slot != NULL && sv->cap == cap)
		return 0;
	if ((slot = calloc(4 * sv->cap, sizeof *slot)) == NULL)
		return -1;
	free(sv->slot);
	sv->slot = slot;
	sv->nslots = 4 * sv->cap;
	for (i = 0; i < sv->n; i++)
		*surface_slot(sv, &sv->v[i].server) = (uint32_t)i + 1;
	return 0;
}

static struct surface *
surface_of(struct surfaces *sv, const struct fa_addr *server)
{
	struct surface *q;
	uint32_t *sl;

	if (sv->slot != NULL && *(sl = surface_slot(sv, server)) != 0)
		return &sv->v[*sl - 1];
	if (sv->n > UINT32_MAX - 2 || surfaces_grow(sv) == -1)
		return NULL;
	q = &sv->v[sv->n++];
	memset(q, 0, sizeof *q);
	q->server = *server;
	q->plo = 65536;
	*surface_slot(sv, server) = (uint32_t)sv->n;
	return q;
}

static int
surface_add(struct surfaces *sv, const struct audit_flow *f)
{
	struct surface *s;
	size_t i;

	if ((s = surface_of(sv, f->purpose == AP_ACTIVE ? &f->initiator.ip :
	    &f->responder.ip)) == NULL)
		return -1;
	switch (f->purpose) {
	case AP_CONTROL:
		for (i = 0; i < s->nctl; i++)
			if (s->ctl[i].lo == f->responder.port)
				return 0;
		if (s->nctl < sizeof s->ctl / sizeof s->ctl[0]) {
			s->ctl[s->nctl].lo = s->ctl[s->nctl].hi = f->responder.port;
			s->nctl++;
		}
		return 0;
	case AP_PASSIVE:
		s->plo = f->responder.port < s->plo ? f->responder.port : s->plo;
		s->phi = f->responder.port > s->phi ? f->responder.port : s->phi;
		return 0;
	default:
		s->active = true;
		s->active_any = s->active_any || !f->initiator_port_known ||
		    f->initiator.port != 20;
		return 0;
	}
}

/* One side of a surface packet: the server's address and ports, or the
 * peer's (any address of the family, ports lo..hi). */
struct side {
	const struct fa_addr *addr;	/* NULL: the peer, any address */
	uint32_t	 lo, hi;
};

static bool
addr_may(const struct rs_match *m, const struct side *sd, uint8_t fam)
{
	size_t i;
	bool in = false;

	if (m->afam != fam)
		return false;	/* ip saddr never meets an IPv6 packet */
	if (sd->addr == NULL)
		return true;	/* some peer may be in (or out of) it */
	for (i = 0; i < m->na; i++)
		in = in || (memcmp(m->a[i].lo.a, sd->addr->a, 16) <= 0 &&
		    memcmp(sd->addr->a, m->a[i].hi.a, 16) <= 0);
	return in != m->neg;
}

static bool
port_may(const struct rs_match *m, const struct side *sd)
{
	size_t i;

	if (m->neg) {
		for (i = 0; i < m->nr; i++)
			if (m->r[i].lo <= sd->lo && m->r[i].hi >= sd->hi)
				return false;	/* every port excluded */
		return true;
	}
	for (i = 0; i < m->nr; i++)
		if (m->r[i].lo <= sd->hi && m->r[i].hi >= sd->lo)
			return true;
	return false;
}

static bool
cond_may(const struct rs_match *m, const struct side *src,
    const struct side *dst, uint8_t fam)
{
	size_t i;
	bool in = false;

	switch (m->key) {
	case RS_K_SADDR: return addr_may(m, src, fam);
	case RS_K_DADDR: return addr_may(m, dst, fam);
	case RS_K_SPORT: return port_may(m, src);
	case RS_K_DPORT: return port_may(m, dst);
	case RS_K_L4PROTO:
		for (i = 0; i < m->nr; i++)
			in = in || (m->r[i].lo <= 6 && m->r[i].hi >= 6);
		return in != m->neg;
	case RS_K_NFPROTO:
		for (i = 0; i < m->nr; i++)
			in = in || (m->r[i].lo <= fam && m->r[i].hi >= fam);
		return in != m->neg;
	case RS_K_IIF:
	case RS_K_OIF:
		/* FTP between hosts never crosses lo. */
		return m->neg || m->nnames != 1 || strcmp(m->names[0], "lo") != 0;
	case RS_K_CTSTATE:
		return m->neg || (m->mask & (RS_CT_NEW | RS_CT_ESTABLISHED |
		    RS_CT_RELATED)) != 0;
	default:
		return true;
	}
}

/* Could the rule (and the rules jumping to its chain) match this packet? */
static bool
rule_may(const struct rs_rule *r, const struct side *src,
    const struct side *dst, uint8_t fam)
{
	size_t i;
	int depth;

	for (depth = 0; r != NULL && depth < 8; depth++) {
		for (i = 0; i < r->nm; i++)
			if (!cond_may(&r->m[i], src, dst, fam))
				return false;
		r = r->chain->caller;
	}
	return true;
}

/* Towards the server on ports lo..hi, and back. */
static bool
may_both_ways(const struct rs_rule *r, const struct surface *s, uint32_t lo,
    uint32_t hi, uint32_t plo, uint32_t phi)
{
	struct side srv = { &s->server, lo, hi }, peer = { NULL, plo, phi };
	uint8_t fam = s->server.family == FA_AF_INET6 ? 6 : 4;

	return rule_may(r, &peer, &srv, fam) || rule_may(r, &srv, &peer, fam);
}

static bool
on_surface(const struct rs_rule *r, const struct surface *v, size_t n)
{
	size_t i, j;

	if (r->chain->fam == 0)
		return false;
	for (i = 0; i < n; i++) {
		/* Peers connect from ephemeral ports. */
		for (j = 0; j < v[i].nctl; j++)
			if (may_both_ways(r, &v[i], v[i].ctl[j].lo, v[i].ctl[j].hi,
			    1024, 65535))
				return true;
		if (v[i].plo <= v[i].phi && may_both_ways(r, &v[i], v[i].plo,
		    v[i].phi, 1024, 65535))
			return true;
		if (v[i].active && may_both_ways(r, &v[i], v[i].active_any ? 0 : 20,
		    v[i].active_any ? 65535 : 20, 1024, 65535))
			return true;
	}
	return false;
}

int
audit_find_surface(struct audit *a)
{
	struct surfaces sv = { NULL, 0, 0, NULL, 0 };
	const struct rs_chain *c;
	size_t i, j;
	int rc = -1;

	for (i = 0; i < a->nflows; i++)
		if (a->flows[i].excluded == NULL &&
		    surface_add(&sv, &a->flows[i]) == -1)
			goto done;
	for (i = 0; i < a->rs->nchains; i++) {
		c = a->rs->chains[i];
		for (j = 0; j < c->nrules; j++)
			a->surface[c->rules[j]->seq] = on_surface(c->rules[j],
			    sv.v, sv.n);
	}
	rc = 0;
done:
	free(sv.slot);
	free(sv.v);
	return rc;
}
