/* audit_report.c: the audit as JSON (schema_version 1, ftpaudit(1)) and
 * as text an administrator reads at a glance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/audit.h"

#define AUDIT_SCHEMA_VERSION	1

/* {"family","table","chain","handle"} (nft) or {"family","table",
 * "chain","line"} (iptables), with its place in the chain and its text. */
static json_t *
ref_json(const struct rs_rule *r)
{
	const struct rs_chain *c;

	if (r == NULL)
		return json_null();
	c = r->chain;
	if (r->line != 0)
		return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "family",
		    c->family, "table", c->table, "chain", c->name, "line",
		    (json_int_t)r->line, "index", (json_int_t)r->index + 1,
		    "text", r->text ? r->text : "");
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "family", c->family,
	    "table", c->table, "chain", c->name, "handle", (json_int_t)r->handle,
	    "index", (json_int_t)r->index + 1, "text", r->text ? r->text : "");
}

static json_t *
endpoint_json(const struct fa_endpoint *e, bool port_known)
{
	char buf[FA_ADDRSTRLEN];

	return json_pack("{s:s, s:o}", "ip", fa_addr_str(&e->ip, buf), "port",
	    port_known ? json_integer(e->port) : json_null());
}

static char *
policy_str(const struct rs_chain *c)
{
	char *s, name[160];

	if (c == NULL)
		return NULL;
	if (asprintf(&s, "%s policy %s", rs_chain_name(c, name, sizeof name),
	    rs_verdict_str(c->policy)) == -1)
		return NULL;
	return s;
}

static json_t *
flow_json(const struct audit *a, const struct audit_flow *f)
{
	json_t *o, *tr;
	char *pol, **lines;
	size_t i, n;

	if (audit_flow_trace(a, f, &lines, &n) == -1)
		return NULL;
	tr = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(tr, json_string(lines[i]));
		free(lines[i]);
	}
	free(lines);
	pol = policy_str(f->policy);
	o = json_pack("{s:I, s:o, s:s, s:o, s:o, s:s, s:o, s:o, s:o}",
	    "session", (json_int_t)f->session,
	    "transfer", f->transfer ? json_integer(f->transfer) : json_null(),
	    "purpose", audit_purpose_str(f->purpose),
	    "initiator", endpoint_json(&f->initiator, f->initiator_port_known),
	    "responder", endpoint_json(&f->responder, true),
	    "verdict", audit_verdict_str(f->verdict),
	    "rule", ref_json(f->rule),
	    "policy", pol ? json_string(pol) : json_null(),
	    "trace", tr);
	free(pol);
	if (o != NULL && f->verdict == AV_INDETERMINATE && f->why != NULL)
		json_object_set_new(o, "reason", json_string(f->why));
	if (o != NULL && f->excluded != NULL)
		json_object_set_new(o, "excluded", json_string(f->excluded));
	return o;
}

static json_t *
cidrs_json(const struct fa_addr *v, size_t n)
{
	char buf[FA_ADDRSTRLEN + 8], a[FA_ADDRSTRLEN];
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof buf, "%s/%d", fa_addr_str(&v[i], a),
		    v[i].family == FA_AF_INET ? 32 : 128);
		json_array_append_new(arr, json_string(buf));
	}
	return arr;
}

static json_t *
ports_json(int lo, int hi)
{
	if (lo < 0)
		return json_string("any");
	return json_pack("[[i,i]]", lo, hi);
}

static json_t *
ctstate_json(uint32_t st)
{
	json_t *a = json_array();

	if (st & RS_CT_NEW)
		json_array_append_new(a, json_string("new"));
	if (st & RS_CT_ESTABLISHED)
		json_array_append_new(a, json_string("established"));
	if (st & RS_CT_RELATED)
		json_array_append_new(a, json_string("related"));
	return a;
}

/* A narrower rule in the form of the rules document (no place: it
 * replaces the broad rule). */
static json_t *
rule_json(const struct audit_suggest *x, const char *id, const struct fa_addr *sa,
    size_t nsa, const struct fa_addr *da, size_t nda)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:n}",
	    "id", id,
	    "purpose", audit_purpose_str(x->purpose),
	    "chain", rs_hook_str(x->hook),
	    "family", x->family == FA_AF_INET6 ? "ip6" : "ip",
	    "protocol", "tcp",
	    "saddr", cidrs_json(sa, nsa), "daddr", cidrs_json(da, nda),
	    "sport", ports_json(x->sport_lo, x->sport_hi),
	    "dport", ports_json(x->dport_lo, x->dport_hi),
	    "ct_state", ctstate_json(x->ctstate),
	    "action", "accept", "insert");
}

/* The document's arrays, one element at a time: the command streams them
 * (a capture of 100000 sessions makes a third of a million flows), the
 * tests take the whole tree. */

static size_t
flows_n(const struct audit *a)
{
	size_t n;

	audit_flows(a, &n);
	return n;
}

static json_t *
flows_el(const struct audit *a, size_t i)
{
	size_t n;

	return flow_json(a, &audit_flows(a, &n)[i]);
}

static size_t
denied_n(const struct audit *a)
{
	size_t n;

	audit_denied(a, &n);
	return n;
}

static json_t *
denied_el(const struct audit *a, size_t i)
{
	const struct audit_fix *fx;
	size_t n, flow = audit_denied(a, &n)[i];

	fx = audit_fixes(a, &n);
	return json_pack("{s:I, s:s}", "flow", (json_int_t)flow,
	    "fix", fx[audit_flows(a, &n)[flow].fix - 1].id);
}

static json_t *
addrs_json(const struct rules_addrs *s)
{
	char buf[RULES_CIDRLEN];
	json_t *a;
	size_t i;

	if (s->any || s->n == 0)
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
rules_ct_json(unsigned st)
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

/* Where the fix goes: "insert" before a rule, or "add" at the end. */
static json_t *
place_json(const struct audit_fix *x)
{
	const struct rs_chain *c = x->chain;
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "family", c->family,
	    "table", c->table, "chain", c->name, "position",
	    x->before != NULL ? "insert" : "add", "before", ref_json(x->before));
	if (o != NULL && x->before != NULL && c->format == RS_FMT_NFT)
		json_object_set_new(o, "handle", json_integer((json_int_t)
		    x->place.handle));
	if (o != NULL && x->before != NULL && c->format != RS_FMT_NFT)
		json_object_set_new(o, "index", json_integer((json_int_t)
		    x->place.index));
	return o;
}

/* A fix, shaped as a rule of the rules document, with its place. */
static json_t *
fix_json(const struct audit *a, const struct audit_fix *x)
{
	const struct audit_flow *f;
	const struct rules_rule *u = &x->rule;
	json_t *flows = json_array(), *ss = json_array();
	uint64_t last = 0;
	size_t i, n;

	f = audit_flows(a, &n);
	for (i = 0; i < x->nflows; i++) {
		json_array_append_new(flows, json_integer((json_int_t)x->flows[i]));
		if (f[x->flows[i]].session != last)
			json_array_append_new(ss, json_integer((json_int_t)
			    f[x->flows[i]].session));
		last = f[x->flows[i]].session;
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, "
	    "s:s, s:{s:o, s:I, s:n, s:n}, s:{s:s, s:s, s:s}, s:o, s:o}",
	    "id", x->id, "purpose", rules_purpose_str(u->purpose),
	    "chain", rs_hook_str(x->hook), "family", rules_family_str(u->family),
	    "protocol", "tcp", "saddr", addrs_json(&u->saddr),
	    "daddr", addrs_json(&u->daddr), "sport", ranges_json(u->sport, u->nsport),
	    "dport", ranges_json(u->dport, u->ndport),
	    "ct_state", rules_ct_json(u->ct_state), "action", "accept",
	    "evidence", "sessions", ss, "connections", (json_int_t)x->nflows,
	    "first_seen", "last_seen",
	    "insert", "family", x->chain->family, "table", x->chain->table,
	    "chain", x->chain->name,
	    "place", place_json(x), "flows", flows);
}

static size_t
fixes_n(const struct audit *a)
{
	size_t n;

	audit_fixes(a, &n);
	return n;
}

static json_t *
fixes_el(const struct audit *a, size_t i)
{
	size_t n;

	return fix_json(a, &audit_fixes(a, &n)[i]);
}

/* The i-th unused rule, or NULL past the last (rulesets are small). */
static const struct rs_rule *
unused_nth(const struct audit *a, size_t i)
{
	const struct ruleset *rs = audit_ruleset(a);
	size_t ci, j;

	for (ci = 0; ci < rs->nchains; ci++)
		for (j = 0; j < rs->chains[ci]->nrules; j++)
			if (audit_unused(a, rs->chains[ci]->rules[j]) && i-- == 0)
				return rs->chains[ci]->rules[j];
	return NULL;
}

static size_t
unused_n(const struct audit *a)
{
	size_t n = 0;

	while (unused_nth(a, n) != NULL)
		n++;
	return n;
}

static json_t *
unused_el(const struct audit *a, size_t i)
{
	return ref_json(unused_nth(a, i));
}

static size_t
broad_n(const struct audit *a)
{
	size_t n;

	audit_broad(a, &n);
	return n;
}

static json_t *
broad_el(const struct audit *a, size_t i)
{
	const struct audit_broad *b;
	char id[32];
	size_t n;

	b = audit_broad(a, &n);
	snprintf(id, sizeof id, "S%zu", i + 1);
	return json_pack("{s:o, s:s, s:s, s:o}", "rule", ref_json(b[i].rule),
	    "allows", b[i].allows, "observed", b[i].observed, "suggested",
	    rule_json(&b[i].suggested, id, b[i].saddrs, b[i].nsaddrs,
	    b[i].daddrs, b[i].ndaddrs));
}

static size_t
shadowed_n(const struct audit *a)
{
	size_t n;

	audit_shadowed(a, &n);
	return n;
}

static json_t *
shadowed_el(const struct audit *a, size_t i)
{
	const struct audit_shadow *sh;
	size_t n;

	sh = audit_shadowed(a, &n);
	return json_pack("{s:o, s:o}", "rule", ref_json(sh[i].rule), "by",
	    ref_json(sh[i].by));
}

static size_t
findings_n(const struct audit *a)
{
	size_t n;

	audit_findings(a, &n);
	return n;
}

static json_t *
findings_el(const struct audit *a, size_t i)
{
	const struct audit_finding *f;
	size_t n;

	f = audit_findings(a, &n);
	return json_pack("{s:s, s:s}", "type", f[i].type, "text", f[i].text);
}

static const struct section {
	const char	*name;
	size_t		(*count)(const struct audit *);
	json_t		*(*elem)(const struct audit *, size_t);
} sections[] = {
	{ "flows", flows_n, flows_el },
	{ "denied", denied_n, denied_el },
	{ "fixes", fixes_n, fixes_el },
	{ "unused_rules", unused_n, unused_el },
	{ "overly_broad", broad_n, broad_el },
	{ "shadowed", shadowed_n, shadowed_el },
	{ "findings", findings_n, findings_el },
};

static json_t *
families_json(unsigned covers)
{
	json_t *a = json_array();

	if (covers & RS_FAM_IP)
		json_array_append_new(a, json_string("ip"));
	if (covers & RS_FAM_IP6)
		json_array_append_new(a, json_string("ip6"));
	return a;
}

/* "iptables-save", or "mixed" when the files are of both formats. */
static const char *
merged_format(const struct ruleset *rs)
{
	size_t i;

	for (i = 1; i < rs->nparts; i++)
		if (rs->parts[i].format != rs->parts[0].format)
			return "mixed";
	return ruleset_format_str(rs->format);
}

static json_t *
head_json(const struct audit *a)
{
	const struct ruleset *rs = audit_ruleset(a);
	const struct rs_part *p;
	json_t *parts = json_array();
	size_t i;

	for (i = 0; i < rs->nparts; i++) {
		p = &rs->parts[i];
		json_array_append_new(parts, json_pack("{s:s, s:s, s:I, s:o}",
		    "source", p->source, "format", ruleset_format_str(p->format),
		    "rules", (json_int_t)p->nrules, "families",
		    families_json(p->covers)));
	}
	return json_pack("{s:s, s:s, s:i, s:{s:s, s:s, s:I, s:o}, s:o, s:I}",
	    "tool", "ftpaudit", "version", PACKAGE_VERSION,
	    "schema_version", AUDIT_SCHEMA_VERSION,
	    "ruleset", "source", rs->source, "format", merged_format(rs),
	    "rules", (json_int_t)ruleset_count(rs), "families",
	    families_json(rs->covers), "rulesets", parts,
	    "unused_other", (json_int_t)audit_unused_other(a));
}

json_t *
audit_json(const struct audit *a)
{
	json_t *doc, *arr;
	size_t k, i, n;

	if ((doc = head_json(a)) == NULL)
		return NULL;
	for (k = 0; k < sizeof sections / sizeof sections[0]; k++) {
		arr = json_array();
		n = sections[k].count(a);
		for (i = 0; i < n; i++)
			if (json_array_append_new(arr, sections[k].elem(a, i)) == -1)
				break;
		if (i < n || json_object_set_new(doc, sections[k].name, arr) == -1) {
			json_decref(doc);
			return NULL;
		}
	}
	return doc;
}

/* One element, compact, on its own line. */
static int
write_el(json_t *el, FILE *out, bool last)
{
	int rc;

	if (el == NULL)
		return -1;
	rc = json_dumpf(el, out, JSON_COMPACT) == 0 &&
	    fputs(last ? "\n" : ",\n", out) != EOF ? 0 : -1;
	json_decref(el);
	return rc;
}

int
audit_json_write(const struct audit *a, FILE *out)
{
	json_t *head = head_json(a);
	char *h;
	size_t k, i, n;
	int rc = 0;

	if (head == NULL || (h = json_dumps(head, JSON_COMPACT)) == NULL) {
		json_decref(head);
		return -1;
	}
	json_decref(head);
	h[strlen(h) - 1] = '\0';	/* the closing brace comes last */
	if (fputs(h, out) == EOF)
		rc = -1;
	free(h);
	for (k = 0; rc == 0 && k < sizeof sections / sizeof sections[0]; k++) {
		n = sections[k].count(a);
		if (fprintf(out, ",\n\"%s\": [%s", sections[k].name, n ? "\n" : "") < 0)
			rc = -1;
		for (i = 0; rc == 0 && i < n; i++)
			rc = write_el(sections[k].elem(a, i), out, i + 1 == n);
		if (rc == 0 && fputs("]", out) == EOF)
			rc = -1;
	}
	if (rc == 0 && fputs("}\n", out) == EOF)
		rc = -1;
	return rc == 0 && !ferror(out) ? 0 : -1;
}

/* Text. */

static const char *
ref_str(const struct rs_rule *r, const struct rs_chain *pol, char *buf, size_t len)
{
	if (r != NULL)
		return rs_rule_describe(r, buf, len);
	if (pol != NULL) {
		snprintf(buf, len, "policy of ");
		rs_chain_name(pol, buf + strlen(buf), len - strlen(buf));
		return buf;
	}
	return "-";
}

static void
text_flows(const struct audit *a, FILE *out)
{
	const struct audit_flow *f;
	char ini[64], res[64], ref[640], a1[FA_ADDRSTRLEN], a2[FA_ADDRSTRLEN];
	char xfer[16];
	size_t i, n;

	f = audit_flows(a, &n);
	for (i = 0; i < n; i++) {
		/* IPv6 in brackets, as in the other text reports. */
		fa_addr_str(&f[i].initiator.ip, a1);
		fa_addr_str(&f[i].responder.ip, a2);
		if (f[i].initiator_port_known)
			snprintf(ini, sizeof ini, f[i].initiator.ip.family ==
			    FA_AF_INET6 ? "[%s]:%u" : "%s:%u", a1, f[i].initiator.port);
		else
			snprintf(ini, sizeof ini, f[i].initiator.ip.family ==
			    FA_AF_INET6 ? "[%s]:*" : "%s:*", a1);
		snprintf(res, sizeof res, f[i].responder.ip.family == FA_AF_INET6 ?
		    "[%s]:%u" : "%s:%u", a2, f[i].responder.port);
		snprintf(xfer, sizeof xfer, f[i].transfer ? "x%u" : "-", f[i].transfer);
		fprintf(out, "  #%-3zu s%-3llu %-4s %-12s %-22s -> %-22s %-13s %s%s\n",
		    i, (unsigned long long)f[i].session, xfer,
		    audit_purpose_str(f[i].purpose), ini, res,
		    audit_verdict_str(f[i].verdict),
		    ref_str(f[i].rule, f[i].policy, ref, sizeof ref),
		    f[i].related ? " (related)" : "");
		if (f[i].excluded != NULL)
			fprintf(out, "        excluded: %s (no legitimate negotiation "
			    "needs it; not counted as denied)\n", f[i].excluded);
		if (f[i].verdict == AV_INDETERMINATE && f[i].why != NULL)
			fprintf(out, "        reason: %s\n", f[i].why);
	}
}

/* "#1, #4, #7" (the first few, then how many). */
static void
flow_list(const struct audit_fix *x, FILE *out)
{
	size_t i;

	fprintf(out, "flow%s ", x->nflows == 1 ? "" : "s");
	for (i = 0; i < x->nflows && i < 8; i++)
		fprintf(out, "%s#%zu", i ? ", " : "", x->flows[i]);
	if (x->nflows > 8)
		fprintf(out, ", ... (%zu flows)", x->nflows);
}

/* The place, in words: "insert before RULE", "add at the end of CHAIN". */
static void
place_text(const struct audit_fix *x, FILE *out)
{
	char r[640];

	if (x->before != NULL)
		fprintf(out, "insert before %s", rs_rule_describe(x->before, r,
		    sizeof r));
	else
		fprintf(out, "add at the end of %s (its policy drops)",
		    rs_chain_name(x->chain, r, sizeof r));
}

/* One fix as the renderer draws it, without the iptables-restore
 * table and COMMIT lines around it. */
static void
fix_command(const struct audit_fix *x, FILE *out)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *m;
	int rc;

	if ((m = open_memstream(&buf, &len)) == NULL)
		return;
	if (x->chain->format == RS_FMT_NFT)
		rc = rules_nft_placed(&x->rule, &x->place, 1, m);
	else
		rc = rules_ipt_placed(&x->rule, &x->place, 1, x->rule.family, m);
	fclose(m);
	for (line = strtok_r(buf, "\n", &save); rc == 0 && line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (line[0] != '*' && strcmp(line, "COMMIT") != 0)
			fprintf(out, "      %s\n", line);
	if (rc != 0)
		fprintf(out, "      (cannot be written: a table or chain name "
		    "nft or iptables would not take)\n");
	free(buf);
}

static void
text_fixes(const struct audit *a, FILE *out)
{
	const struct audit_fix *fx;
	size_t i, n;

	fx = audit_fixes(a, &n);
	if (n == 0)
		return;
	fprintf(out, "fixes: %zu (as commands: -F nft, -F iptables, -F ip6tables)\n", n);
	for (i = 0; i < n; i++) {
		fprintf(out, "  %s for ", fx[i].id);
		flow_list(&fx[i], out);
		fputs(": ", out);
		place_text(&fx[i], out);
		fputc('\n', out);
		fix_command(&fx[i], out);
	}
}

static void
text_rules(const struct audit *a, FILE *out)
{
	const struct ruleset *rs = audit_ruleset(a);
	const struct audit_broad *b;
	const struct audit_shadow *sh;
	char r1[640], r2[640];
	size_t ci, j, i, n, nunused = 0;

	for (ci = 0; ci < rs->nchains; ci++)
		for (j = 0; j < rs->chains[ci]->nrules; j++)
			nunused += audit_unused(a, rs->chains[ci]->rules[j]);
	fprintf(out, "unused rules: %zu", nunused);
	if (audit_unused_other(a) > 0)
		fprintf(out, " (and %zu off the FTP surface: --all-unused)",
		    audit_unused_other(a));
	fputc('\n', out);
	for (ci = 0; ci < rs->nchains; ci++)
		for (j = 0; j < rs->chains[ci]->nrules; j++)
			if (audit_unused(a, rs->chains[ci]->rules[j]))
				fprintf(out, "  %s\n", rs_rule_describe(
				    rs->chains[ci]->rules[j], r1, sizeof r1));
	b = audit_broad(a, &n);
	fprintf(out, "overly broad: %zu\n", n);
	for (i = 0; i < n; i++)
		fprintf(out, "  %s\n    allows %s; observed %s\n",
		    rs_rule_describe(b[i].rule, r1, sizeof r1), b[i].allows,
		    b[i].observed);
	sh = audit_shadowed(a, &n);
	fprintf(out, "shadowed: %zu\n", n);
	for (i = 0; i < n; i++)
		fprintf(out, "  %s\n    by %s\n", rs_rule_describe(sh[i].rule, r1,
		    sizeof r1), rs_rule_describe(sh[i].by, r2, sizeof r2));
}

int
audit_text(const struct audit *a, FILE *out)
{
	const struct ruleset *rs = audit_ruleset(a);
	const struct audit_flow *f;
	const struct audit_finding *fd;
	size_t i, n, nacc = 0;

	f = audit_flows(a, &n);
	for (i = 0; i < n; i++)
		nacc += f[i].verdict == AV_ACCEPT;
	fprintf(out, "ruleset %s (%s, %zu rules), %s side: %zu flows, %zu accepted, "
	    "%zu not\n", rs->source, ruleset_format_str(rs->format), ruleset_count(rs),
	    audit_side_str(audit_side(a)), n, nacc, n - nacc);
	text_flows(a, out);
	text_fixes(a, out);
	text_rules(a, out);
	fd = audit_findings(a, &n);
	fprintf(out, "findings: %zu\n", n);
	for (i = 0; i < n; i++)
		fprintf(out, "  [%s] %s\n", fd[i].type, fd[i].text);
	return ferror(out) ? -1 : 0;
}

/* The fixes as commands. */

static void
fixes_header(const struct audit *a, FILE *out, size_t n, const char *how)
{
	const struct audit_fix *fx;
	size_t i, nall;

	fprintf(out, "# ftpaudit %s: %zu fix%s for %s (%s side); apply with %s\n",
	    PACKAGE_VERSION, n, n == 1 ? "" : "es", audit_ruleset(a)->source,
	    audit_side_str(audit_side(a)), how);
	fx = audit_fixes(a, &nall);
	for (i = 0; i < nall; i++) {
		fprintf(out, "# %s for ", fx[i].id);
		flow_list(&fx[i], out);
		fputs(": ", out);
		place_text(&fx[i], out);
		fputc('\n', out);
	}
}

/* The fixes going into rulesets of one format (and family), their rules
 * and places side by side as the renderers take them; *n of them. */
static int
gather(const struct audit *a, enum rs_format fmt, int family,
    struct rules_rule **rv, struct rules_place **pv, size_t *n)
{
	const struct audit_fix *fx;
	size_t i, nall;

	fx = audit_fixes(a, &nall);
	*n = 0;
	*rv = calloc(nall + 1, sizeof **rv);
	*pv = calloc(nall + 1, sizeof **pv);
	if (*rv == NULL || *pv == NULL)
		return -1;
	for (i = 0; i < nall; i++) {
		if (fx[i].chain->format != fmt || (fmt == RS_FMT_IPT &&
		    (fx[i].chain->fam == RS_FAM_IP6) != (family == FA_AF_INET6)))
			continue;
		(*rv)[*n] = fx[i].rule;		/* borrowed: not released */
		(*pv)[(*n)++] = fx[i].place;
	}
	return 0;
}

int
audit_fixes_nft(const struct audit *a, FILE *out)
{
	struct rules_rule *rv;
	struct rules_place *pv;
	size_t n;
	int rc = -1;

	if (gather(a, RS_FMT_NFT, 0, &rv, &pv, &n) == 0) {
		fputs("#!/usr/sbin/nft -f\n", out);
		fixes_header(a, out, n, "nft -f FILE");
		rc = rules_nft_placed(rv, pv, n, out);
	}
	free(rv);
	free(pv);
	return rc == 0 && !ferror(out) ? 0 : -1;
}

int
audit_fixes_ipt(const struct audit *a, int family, FILE *out)
{
	struct rules_rule *rv;
	struct rules_place *pv;
	size_t n;
	int rc = -1;

	if (gather(a, RS_FMT_IPT, family, &rv, &pv, &n) == 0) {
		fixes_header(a, out, n, family == FA_AF_INET6 ?
		    "ip6tables-restore --noflush < FILE" :
		    "iptables-restore --noflush < FILE");
		rc = rules_ipt_placed(rv, pv, n, family, out);
	}
	free(rv);
	free(pv);
	return rc == 0 && !ferror(out) ? 0 : -1;
}
