/* render_json.c: the recommendation and a session's openings as JSON
 * (schema_version 1, documented in ftpaudit(1)). */
#include <stdio.h>
#include <stdlib.h>

#include "ftpaudit/report.h"
#include "ftpaudit/jw.h"
#include "ftpaudit/rules.h"

static json_t *
addrs_json(const struct rules_addrs *s)
{
	char buf[RULES_CIDRLEN];
	json_t *a;
	size_t i;

	if (s->any)
		return json_string("any");
	a = json_array();
	for (i = 0; i < s->n; i++)
		json_array_append_new(a, json_string(rules_cidr(&s->v[i], buf)));
	return a;
}

static json_t *
ranges_json(const struct rules_range *v, size_t n)
{
	json_t *a;
	size_t i;

	if (n == 0)
		return json_string("any");
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("[i, i]", v[i].lo, v[i].hi));
	return a;
}

static json_t *
ct_json(unsigned st)
{
	json_t *a = json_array();

	if (st & RULES_CT_NEW)
		json_array_append_new(a, json_string("new"));
	if (st & RULES_CT_ESTABLISHED)
		json_array_append_new(a, json_string("established"));
	if (st & RULES_CT_RELATED)
		json_array_append_new(a, json_string("related"));
	return a;
}

static json_t *
evidence_json(const struct rules_evidence *ev)
{
	json_t *o, *ss = json_array();
	size_t i;

	for (i = 0; i < ev->nsessions; i++)
		json_array_append_new(ss, json_integer((json_int_t)ev->sessions[i]));
	o = json_pack("{s:o, s:I}", "sessions", ss,
	    "connections", (json_int_t)ev->connections);
	json_object_set_new(o, "first_seen", ev->first_us ? json_ts(ev->first_us) :
	    json_null());
	json_object_set_new(o, "last_seen", ev->last_us ? json_ts(ev->last_us) :
	    json_null());
	if (ev->nports > 0)
		json_object_set_new(o, "observed_ports", json_pack("{s:i, s:i, s:I}",
		    "min", ev->ports[0], "max", ev->ports[ev->nports - 1],
		    "count", (json_int_t)ev->nports));
	return o;
}

static json_t *
rule_json(const struct rules_rule *u)
{
	char id[16];

	snprintf(id, sizeof id, "R%u", u->id);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, "
	    "s:s, s:o}",
	    "id", id, "purpose", rules_purpose_str(u->purpose),
	    "chain", rules_chain_str(u->chain),
	    "family", rules_family_str(u->family), "protocol", "tcp",
	    "saddr", addrs_json(&u->saddr), "daddr", addrs_json(&u->daddr),
	    "sport", ranges_json(u->sport, u->nsport),
	    "dport", ranges_json(u->dport, u->ndport),
	    "ct_state", ct_json(u->ct_state), "action", "accept",
	    "evidence", evidence_json(&u->ev));
}

static json_t *
helper_json(const struct rules *r)
{
	const struct rules_uncovered *unc;
	json_t *a = json_array();
	size_t i, n;

	unc = rules_uncovered(r, &n);
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:I, s:s}",
		    "session", (json_int_t)unc[i].session, "reason", unc[i].reason));
	return json_pack("{s:b, s:o}", "usable", rules_helper_usable(r),
	    "not_covered", a);
}

static json_t *
excluded_json(const struct rules *r)
{
	const struct rules_excluded *x;
	char a[FA_ADDRSTRLEN];
	json_t *arr = json_array();
	size_t i, n;

	x = rules_excluded(r, &n);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:I, s:i, s:{s:s, s:i}, s:s}",
		    "session", (json_int_t)x[i].session, "transfer", (int)x[i].transfer,
		    "endpoint", "ip", fa_addr_str(&x[i].endpoint.ip, a),
		    "port", x[i].endpoint.port,
		    "reason", rules_reason_str(x[i].reason)));
	return arr;
}

static json_t *
excluded_counts_json(const struct rules *r)
{
	json_t *o = json_object();
	int i;

	for (i = 0; i < RX_COUNT; i++)
		json_object_set_new(o, rules_reason_str((enum rules_reason)i),
		    json_integer((json_int_t)rules_nexcluded(r,
		    (enum rules_reason)i)));
	return o;
}

json_t *
rules_json(const struct rules *r)
{
	const struct rules_opts *o = rules_options(r);
	const struct rules_rule *v;
	const struct rules_hint *h;
	json_t *rs = json_array(), *hs = json_array();
	size_t i, n;

	v = rules_list(r, &n);
	for (i = 0; i < n; i++)
		json_array_append_new(rs, rule_json(&v[i]));
	h = rules_hints(r, &n);
	for (i = 0; i < n; i++)
		json_array_append_new(hs, json_pack("{s:s, s:s}", "type", h[i].type,
		    "text", h[i].text));
	return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:o, "
	    "s:o, s:o, s:o, s:o}",
	    "tool", "ftpaudit", "version", PACKAGE_VERSION, "schema_version", 1,
	    "side", rules_side_str(o->side),
	    "strategy", rules_strategy_str(o->strategy),
	    "peers", rules_peers_str(o->peers),
	    "trust", rules_trust_str(o->trust),
	    "scope", o->standalone ? "standalone" : "ftp-surface",
	    "sessions", (json_int_t)rules_nsessions(r),
	    "rules", rs, "helper", helper_json(r), "hints", hs,
	    "excluded", excluded_json(r),
	    "excluded_counts", excluded_counts_json(r));
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
