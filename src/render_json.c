/* SPDX-License-Identifier: ISC */
/* render_json.c: the recommendation and a session's openings as JSON
 * (schema_version 1, documented in ftpaudit(1)), written with jw, the
 * project's one JSON writer. */
#include <stdio.h>
#include <stdlib.h>

#include "ftpaudit/jw.h"
#include "ftpaudit/rules.h"
#include "ftpaudit/select.h"

/* The hosts of a list, as seen. */
static void
hosts_write(struct jw *w, const struct rules_addrs *s)
{
	char buf[RULES_CIDRLEN];
	size_t i;

	jw_arr(w);
	for (i = 0; i < s->n; i++)
		jw_lit(w, rules_cidr(&s->v[i], buf));
	jw_end_arr(w);
}

/* What a rule matches: the aggregated list as CIDR prefixes (ranges
 * split, so that every consumer of CIDR strings reads it), else the
 * hosts.  On ENOMEM the hosts. */
static void
addrs_write(struct jw *w, const struct rules_addrs *s)
{
	char buf[RULES_CIDRLEN];
	struct agg_prefix *p;
	size_t i, n;

	if (s->any) {
		jw_lit(w, "any");
		return;
	}
	if (!s->aggregated || aggregate_prefixes(s->agg, s->nagg, &p, &n) == -1) {
		hosts_write(w, s);
		return;
	}
	jw_arr(w);
	for (i = 0; i < n; i++)
		jw_lit(w, rules_prefix(&p[i].addr, p[i].plen, buf));
	jw_end_arr(w);
	free(p);
}

static void
ranges_write(struct jw *w, const struct rules_range *v, size_t n)
{
	size_t i;

	if (n == 0) {
		jw_lit(w, "any");
		return;
	}
	jw_arr(w);
	for (i = 0; i < n; i++) {
		jw_arr(w);
		jw_uint(w, v[i].lo);
		jw_uint(w, v[i].hi);
		jw_end_arr(w);
	}
	jw_end_arr(w);
}

static void
ct_write(struct jw *w, unsigned st)
{
	jw_arr(w);
	if (st & RULES_CT_NEW)
		jw_lit(w, "new");
	if (st & RULES_CT_ESTABLISHED)
		jw_lit(w, "established");
	if (st & RULES_CT_RELATED)
		jw_lit(w, "related");
	jw_end_arr(w);
}

static void
ts_or_null(struct jw *w, uint64_t ts)
{
	if (ts != 0)
		jw_ts(w, ts);
	else
		jw_null(w);
}

/* Widened lists hold more than was seen: the hosts seen too.  (Exact
 * ones are the hosts seen: listing them again made the document of the
 * 100,000-session bench capture 66% larger.) */
static void
seen_addrs_write(struct jw *w, const struct rules_rule *u, bool widened)
{
	if (!widened || (!u->saddr.aggregated && !u->daddr.aggregated))
		return;
	jw_key(w, "addresses");
	jw_obj(w);
	if (!u->saddr.any) {
		jw_key(w, "saddr");
		hosts_write(w, &u->saddr);
	}
	if (!u->daddr.any) {
		jw_key(w, "daddr");
		hosts_write(w, &u->daddr);
	}
	jw_end_obj(w);
}

static void
evidence_write(struct jw *w, const struct rules_rule *u, bool widened)
{
	const struct rules_evidence *ev = &u->ev;
	size_t i;

	jw_obj(w);
	jw_key(w, "sessions");
	jw_arr(w);
	for (i = 0; i < ev->nsessions; i++)
		jw_uint(w, ev->sessions[i]);
	jw_end_arr(w);
	if (ev->nsensors > 0) {
		jw_key(w, "sensors");
		jw_arr(w);
		for (i = 0; i < ev->nsensors; i++)
			jw_wire_str(w, ev->sensors[i]);
		jw_end_arr(w);
	}
	jw_key(w, "connections"); jw_uint(w, ev->connections);
	jw_key(w, "first_seen"); ts_or_null(w, ev->first_us);
	jw_key(w, "last_seen"); ts_or_null(w, ev->last_us);
	if (ev->nports > 0) {
		jw_key(w, "observed_ports");
		jw_obj(w);
		jw_key(w, "min"); jw_uint(w, ev->ports[0]);
		jw_key(w, "max"); jw_uint(w, ev->ports[ev->nports - 1]);
		jw_key(w, "count"); jw_uint(w, ev->nports);
		jw_end_obj(w);
	}
	seen_addrs_write(w, u, widened);
	jw_end_obj(w);
}

void
rules_match_write(struct jw *w, const struct rules_rule *u)
{
	jw_key(w, "family"); jw_lit(w, rules_family_str(u->family));
	jw_key(w, "protocol"); jw_lit(w, "tcp");
	jw_key(w, "saddr"); addrs_write(w, &u->saddr);
	jw_key(w, "daddr"); addrs_write(w, &u->daddr);
	jw_key(w, "sport"); ranges_write(w, u->sport, u->nsport);
	jw_key(w, "dport"); ranges_write(w, u->dport, u->ndport);
	jw_key(w, "ct_state"); ct_write(w, u->ct_state);
	jw_key(w, "action"); jw_lit(w, "accept");
}

static void
rule_write(struct jw *w, const struct rules_rule *u, bool widened)
{
	char id[16];

	snprintf(id, sizeof id, "R%u", u->id);
	jw_obj(w);
	jw_key(w, "id"); jw_lit(w, id);
	jw_key(w, "purpose"); jw_lit(w, rules_purpose_str(u->purpose));
	jw_key(w, "chain"); jw_lit(w, rules_chain_str(u->chain));
	rules_match_write(w, u);
	jw_key(w, "evidence"); evidence_write(w, u, widened);
	jw_end_obj(w);
}

static void
helper_write(struct jw *w, const struct rules *r)
{
	const struct rules_uncovered *unc;
	size_t i, n;

	jw_obj(w);
	jw_key(w, "usable"); jw_bool(w, rules_helper_usable(r));
	jw_key(w, "not_covered");
	jw_arr(w);
	unc = rules_uncovered(r, &n);
	for (i = 0; i < n; i++) {
		jw_obj(w);
		jw_key(w, "session"); jw_uint(w, unc[i].session);
		jw_key(w, "reason"); jw_str(w, unc[i].reason);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_end_obj(w);
}

static void
excluded_write(struct jw *w, const struct rules *r)
{
	const struct rules_excluded *x;
	size_t i, n;

	jw_key(w, "excluded");
	jw_arr(w);
	x = rules_excluded(r, &n);
	for (i = 0; i < n; i++) {
		jw_obj(w);
		jw_key(w, "session"); jw_uint(w, x[i].session);
		jw_key(w, "transfer"); jw_uint(w, x[i].transfer);
		jw_key(w, "endpoint"); jw_endpoint(w, &x[i].endpoint, true);
		jw_key(w, "reason"); jw_lit(w, rules_reason_str(x[i].reason));
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_key(w, "excluded_counts");
	jw_obj(w);
	for (i = 0; i < RX_COUNT; i++) {
		jw_key(w, rules_reason_str((enum rules_reason)i));
		jw_uint(w, rules_nexcluded(r, (enum rules_reason)i));
	}
	jw_end_obj(w);
}

/* One translation of the NAT part (gateway side). */
static void
nat_write(struct jw *w, const struct rules_nat *x)
{
	char id[16], a[FA_ADDRSTRLEN], c[RULES_CIDRLEN];

	snprintf(id, sizeof id, "N%u", x->id);
	jw_obj(w);
	jw_key(w, "id"); jw_lit(w, id);
	jw_key(w, "kind"); jw_lit(w, rules_nat_kind_str(x->kind));
	jw_key(w, "clients");
	if (x->has_net) {
		jw_arr(w);
		jw_lit(w, rules_prefix(&x->net.addr, x->net.plen, c));
		jw_end_arr(w);
	} else
		addrs_write(w, &x->saddr);
	jw_key(w, x->kind == RN_DNAT ? "public" : "server");
	jw_obj(w);
	jw_key(w, "ip"); jw_lit(w, fa_addr_str(&x->daddr, a));
	jw_key(w, "port"); jw_uint(w, x->port);
	jw_end_obj(w);
	jw_key(w, "to");
	if (x->kind == RN_MASQUERADE)
		jw_null(w);
	else {
		jw_obj(w);
		jw_key(w, "ip"); jw_lit(w, fa_addr_str(&x->to, a));
		jw_key(w, "port");
		if (x->kind == RN_DNAT)
			jw_uint(w, x->to_port);
		else
			jw_null(w);
		jw_end_obj(w);
	}
	jw_key(w, "passive_ranges");
	if (x->npasv == 0) {
		jw_arr(w);
		jw_end_arr(w);
	} else
		ranges_write(w, x->pasv, x->npasv);
	jw_key(w, "active_data"); jw_bool(w, x->active);
	jw_key(w, "given"); jw_bool(w, x->given);
	jw_key(w, "sessions"); jw_uint(w, x->nsessions);
	jw_end_obj(w);
}

/* --aggregate, unless none (the lists are then the hosts seen). */
static void
aggregate_write(struct jw *w, const struct rules_opts *o)
{
	if (o->aggregate == RULES_AGG_NONE)
		return;
	jw_key(w, "aggregate");
	jw_obj(w);
	jw_key(w, "mode");
	jw_lit(w, o->aggregate == RULES_AGG_EXACT ? "exact" : "prefix");
	jw_key(w, "ipv4_prefix"); jw_uint(w, o->agg_plen4);
	jw_key(w, "ipv6_prefix"); jw_uint(w, o->agg_plen6);
	jw_key(w, "widened"); jw_bool(w, rules_aggregate_widens(o));
	jw_end_obj(w);
}

/* A megabyte gathered, then written: the document of the bench's
 * 100,000 sessions is 11 MB, and growing one buffer for all of it faulted
 * in fresh pages for a third of the time after the capture. */
#define RULES_BATCH	(1u << 20)

int
rules_write(struct jw *w, const struct rules *r, FILE *out)
{
	const struct rules_nat *nv;
	const struct rules_opts *o = rules_options(r);
	const struct rules_rule *v;
	const struct rules_hint *h;
	size_t i, n;

	jw_obj(w);
	jw_key(w, "tool"); jw_lit(w, "ftpaudit");
	jw_key(w, "version"); jw_lit(w, PACKAGE_VERSION);
	jw_key(w, "schema_version"); jw_uint(w, 1);
	jw_key(w, "side"); jw_lit(w, rules_side_str(o->side));
	jw_key(w, "strategy"); jw_lit(w, rules_strategy_str(o->strategy));
	jw_key(w, "peers"); jw_lit(w, rules_peers_str(o->peers));
	jw_key(w, "trust"); jw_lit(w, rules_trust_str(o->trust));
	jw_key(w, "scope"); jw_lit(w, o->standalone ? "standalone" : "ftp-surface");
	aggregate_write(w, o);
	jw_key(w, "sessions"); jw_uint(w, rules_nsessions(r));
	if (o->selection != NULL) {
		jw_key(w, "selection"); select_json(w, o->selection);
	}
	jw_key(w, "rules");
	jw_arr(w);
	v = rules_list(r, &n);
	for (i = 0; i < n; i++) {
		rule_write(w, &v[i], rules_aggregate_widens(o));
		if (out != NULL && w->len >= RULES_BATCH && jw_flush(w, out) == -1)
			return -1;
	}
	jw_end_arr(w);
	if (o->side == RULES_GATEWAY) {
		/* IPv4 only: IPv6 stays without NAT. */
		jw_key(w, "nat");
		jw_arr(w);
		nv = rules_nat_list(r, &n);
		for (i = 0; i < n; i++)
			nat_write(w, &nv[i]);
		jw_end_arr(w);
	}
	jw_key(w, "helper"); helper_write(w, r);
	jw_key(w, "hints");
	jw_arr(w);
	h = rules_hints(r, &n);
	for (i = 0; i < n; i++) {
		jw_obj(w);
		jw_key(w, "type"); jw_lit(w, h[i].type);
		jw_key(w, "text"); jw_str(w, h[i].text);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	excluded_write(w, r);
	jw_end_obj(w);
	return 0;
}

static void
opening_write(struct jw *w, const struct rules_opening *o)
{
	char id[16], *q = id + sizeof id;
	uint32_t bit, n;

	jw_obj(w);
	jw_key(w, "rule");
	if (o->rule) {
		/* "R%u" without snprintf: this runs for every session. */
		*--q = '\0';
		for (n = o->rule; n != 0; n /= 10)
			*--q = (char)('0' + n % 10);
		*--q = 'R';
		jw_lit(w, q);
	} else
		jw_null(w);
	jw_key(w, "purpose"); jw_lit(w, rules_purpose_str(o->purpose));
	jw_key(w, "protocol"); jw_lit(w, "tcp");
	jw_key(w, "initiator"); jw_endpoint(w, &o->initiator, o->initiator_port_known);
	jw_key(w, "responder"); jw_endpoint(w, &o->responder, true);
	jw_key(w, "helper_covers"); jw_bool(w, o->helper_covers);
	if (o->excluded != NULL) {
		jw_key(w, "excluded");
		jw_lit(w, o->excluded);
	}
	jw_key(w, "helper_notes");
	jw_arr(w);
	for (bit = 1; bit <= FA_HELPER_FAMILY; bit <<= 1)
		if (o->helper_flags & bit)
			jw_lit(w, rules_helper_note(bit));
	jw_end_arr(w);
	jw_end_obj(w);
}

void
rules_openings_write(struct jw *w, const struct rules_opening *v, size_t n)
{
	size_t i;

	jw_key(w, "firewall");
	jw_arr(w);
	for (i = 0; i < n; i++)
		opening_write(w, &v[i]);
	jw_end_arr(w);
}
