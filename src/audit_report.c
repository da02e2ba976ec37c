/* SPDX-License-Identifier: ISC */
/* audit_report.c: the audit as JSON (schema_version 1, ftpaudit(1);
 * written by jw), as text an administrator reads at a glance, and its
 * fixes as commands. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/audit.h"
#include "ftpaudit/fmt.h"
#include "ftpaudit/jw.h"
#include "ftpaudit/select.h"
#include "ftpaudit/tw.h"

#define AUDIT_SCHEMA_VERSION	1

/* Strings from the ruleset file (names, comments, rule texts) are the
 * administrator's, not the wire's: jw_str. */

/* {"family","table","chain","handle"} (nft) or {"family","table",
 * "chain","line"} (iptables), with its place in the chain and its text;
 * null for none. */
static void
ref_write(struct jw *w, const struct rs_rule *r)
{
	const struct rs_chain *c;

	if (r == NULL) {
		jw_null(w);
		return;
	}
	c = r->chain;
	jw_obj(w);
	jw_key(w, "family"); jw_str(w, c->family);
	jw_key(w, "table"); jw_str(w, c->table);
	jw_key(w, "chain"); jw_str(w, c->name);
	if (r->line != 0) {
		jw_key(w, "line"); jw_uint(w, r->line);
	} else {
		jw_key(w, "handle"); jw_uint(w, r->handle);
	}
	jw_key(w, "index"); jw_uint(w, r->index + 1);
	jw_key(w, "text"); jw_str(w, r->text != NULL ? r->text : "");
	jw_end_obj(w);
}

static int
flow_write(struct jw *w, const struct audit *a, const struct audit_flow *f)
{
	char **lines, name[160];
	size_t i, n;

	if (audit_flow_trace(a, f, &lines, &n) == -1)
		return -1;
	jw_obj(w);
	jw_key(w, "session"); jw_uint(w, f->session);
	if (f->sensor != NULL) {
		jw_key(w, "sensor"); jw_wire_str(w, f->sensor);
	}
	jw_key(w, "transfer");
	if (f->transfer)
		jw_uint(w, f->transfer);
	else
		jw_null(w);
	jw_key(w, "purpose"); jw_lit(w, audit_purpose_str(f->purpose));
	jw_key(w, "initiator"); jw_endpoint(w, &f->initiator, f->initiator_port_known);
	jw_key(w, "responder"); jw_endpoint(w, &f->responder, true);
	jw_key(w, "verdict"); jw_lit(w, audit_verdict_str(f->verdict));
	jw_key(w, "rule"); ref_write(w, f->rule);
	jw_key(w, "policy");
	if (f->policy != NULL) {
		rs_chain_name(f->policy, name, sizeof name);
		snprintf(name + strlen(name), sizeof name - strlen(name),
		    " policy %s", rs_verdict_str(f->policy->policy));
		jw_str(w, name);
	} else
		jw_null(w);
	jw_key(w, "trace");
	jw_arr(w);
	for (i = 0; i < n; i++) {
		jw_str(w, lines[i]);
		free(lines[i]);
	}
	free(lines);
	jw_end_arr(w);
	if ((f->verdict == AV_INDETERMINATE || f->nat_missing) && f->why != NULL) {
		jw_key(w, "reason"); jw_str(w, f->why);
	}
	if (f->excluded != NULL) {
		jw_key(w, "excluded"); jw_lit(w, f->excluded);
	}
	if (f->nat) {
		/* The gateway's translation as the capture shows it. */
		jw_key(w, "nat");
		jw_obj(w);
		jw_key(w, "sent_to"); jw_endpoint(w, &f->nat_dst, true);
		jw_key(w, "initiator_translated");
		jw_endpoint(w, &f->nat_src, true);
		jw_key(w, "untranslated"); jw_bool(w, f->nat_missing);
		jw_end_obj(w);
	}
	jw_end_obj(w);
	return 0;
}

static void
cidrs_write(struct jw *w, const struct fa_addr *v, size_t n)
{
	char buf[RULES_CIDRLEN];
	size_t i;

	jw_arr(w);
	for (i = 0; i < n; i++)
		jw_lit(w, rules_cidr(&v[i], buf));
	jw_end_arr(w);
}

static void
ports_write(struct jw *w, int lo, int hi)
{
	if (lo < 0) {
		jw_lit(w, "any");
		return;
	}
	jw_arr(w);
	jw_arr(w);
	jw_int(w, lo);
	jw_int(w, hi);
	jw_end_arr(w);
	jw_end_arr(w);
}

static void
ctstate_write(struct jw *w, bool new, bool est, bool rel)
{
	jw_arr(w);
	if (new)
		jw_lit(w, "new");
	if (est)
		jw_lit(w, "established");
	if (rel)
		jw_lit(w, "related");
	jw_end_arr(w);
}

/* A narrower rule in the form of the rules document (no place: it
 * replaces the broad rule). */
static void
suggest_write(struct jw *w, const struct audit_suggest *x, const char *id,
    const struct fa_addr *sa, size_t nsa, const struct fa_addr *da, size_t nda)
{
	jw_obj(w);
	jw_key(w, "id"); jw_lit(w, id);
	jw_key(w, "purpose"); jw_lit(w, audit_purpose_str(x->purpose));
	jw_key(w, "chain"); jw_lit(w, rs_hook_str(x->hook));
	jw_key(w, "family"); jw_lit(w, x->family == FA_AF_INET6 ? "ip6" : "ip");
	jw_key(w, "protocol"); jw_lit(w, "tcp");
	jw_key(w, "saddr"); cidrs_write(w, sa, nsa);
	jw_key(w, "daddr"); cidrs_write(w, da, nda);
	jw_key(w, "sport"); ports_write(w, x->sport_lo, x->sport_hi);
	jw_key(w, "dport"); ports_write(w, x->dport_lo, x->dport_hi);
	jw_key(w, "ct_state"); ctstate_write(w, x->ctstate & RS_CT_NEW,
	    x->ctstate & RS_CT_ESTABLISHED, x->ctstate & RS_CT_RELATED);
	jw_key(w, "action"); jw_lit(w, "accept");
	jw_key(w, "insert"); jw_null(w);
	jw_end_obj(w);
}

/* The document's arrays, one element at a time: a capture of 100000
 * sessions makes a third of a million flows, written as they come. */

static size_t
flows_n(const struct audit *a)
{
	size_t n;

	audit_flows(a, &n);
	return n;
}

static int
flows_el(struct jw *w, const struct audit *a, size_t i)
{
	size_t n;

	return flow_write(w, a, &audit_flows(a, &n)[i]);
}

static size_t
denied_n(const struct audit *a)
{
	size_t n;

	audit_denied(a, &n);
	return n;
}

static int
denied_el(struct jw *w, const struct audit *a, size_t i)
{
	const struct audit_fix *fx;
	size_t n, flow = audit_denied(a, &n)[i];

	fx = audit_fixes(a, &n);
	jw_obj(w);
	jw_key(w, "flow"); jw_uint(w, flow);
	jw_key(w, "fix"); jw_lit(w, fx[audit_flows(a, &n)[flow].fix - 1].id);
	jw_end_obj(w);
	return 0;
}

/* Where the fix goes: "insert" before a rule, or "add" at the end. */
static void
place_write(struct jw *w, const struct audit_fix *x)
{
	const struct rs_chain *c = x->chain;

	jw_obj(w);
	jw_key(w, "family"); jw_str(w, c->family);
	jw_key(w, "table"); jw_str(w, c->table);
	jw_key(w, "chain"); jw_str(w, c->name);
	jw_key(w, "position"); jw_lit(w, x->before != NULL ? "insert" : "add");
	jw_key(w, "before"); ref_write(w, x->before);
	if (x->before != NULL && c->format == RS_FMT_NFT) {
		jw_key(w, "handle"); jw_uint(w, x->place.handle);
	}
	if (x->before != NULL && c->format != RS_FMT_NFT) {
		jw_key(w, "index"); jw_uint(w, x->place.index);
	}
	jw_end_obj(w);
}

/* A dnat fix's translation: the public address and its ports to the
 * inside server, ports kept (what `rules --side gateway` forwards). */
static void
nat_rule_write(struct jw *w, const struct rules_nat *x)
{
	char a[FA_ADDRSTRLEN];
	size_t i;

	jw_key(w, "rule");
	jw_obj(w);
	jw_key(w, "clients"); jw_lit(w, "any");
	jw_key(w, "public");
	jw_obj(w);
	jw_key(w, "ip"); jw_lit(w, fa_addr_str(&x->daddr, a));
	jw_key(w, "ports");
	jw_arr(w);
	for (i = 0; i < x->npasv; i++) {
		jw_arr(w);
		jw_uint(w, x->pasv[i].lo);
		jw_uint(w, x->pasv[i].hi);
		jw_end_arr(w);
	}
	jw_end_arr(w);
	jw_end_obj(w);
	jw_key(w, "to");
	jw_obj(w);
	jw_key(w, "ip"); jw_lit(w, fa_addr_str(&x->to, a));
	jw_key(w, "port"); jw_null(w);
	jw_end_obj(w);
	jw_end_obj(w);
}

/* A fix, shaped as a rule of the rules document (an accept), or a dnat
 * with its translation, with its place. */
static void
fix_write(struct jw *w, const struct audit *a, const struct audit_fix *x)
{
	const struct audit_flow *f;
	const struct rules_rule *u = &x->rule;
	uint64_t last = 0;
	size_t i, n;

	f = audit_flows(a, &n);
	jw_obj(w);
	jw_key(w, "id"); jw_lit(w, x->id);
	if (x->nat != NULL) {
		jw_key(w, "kind"); jw_lit(w, "dnat");
	}
	jw_key(w, "purpose"); jw_lit(w, rules_purpose_str(u->purpose));
	jw_key(w, "chain"); jw_lit(w, rs_hook_str(x->hook));
	if (x->nat != NULL) {
		jw_key(w, "family"); jw_lit(w, "ip");
		nat_rule_write(w, x->nat);
	} else
		rules_match_write(w, u);
	jw_key(w, "evidence");
	jw_obj(w);
	jw_key(w, "sessions");
	jw_arr(w);
	for (i = 0; i < x->nflows; i++) {
		if (f[x->flows[i]].session != last)
			jw_uint(w, f[x->flows[i]].session);
		last = f[x->flows[i]].session;
	}
	jw_end_arr(w);
	jw_key(w, "connections"); jw_uint(w, x->nflows);
	jw_key(w, "first_seen"); jw_null(w);
	jw_key(w, "last_seen"); jw_null(w);
	jw_end_obj(w);
	jw_key(w, "insert");
	jw_obj(w);
	jw_key(w, "family"); jw_str(w, x->chain->family);
	jw_key(w, "table"); jw_str(w, x->chain->table);
	jw_key(w, "chain"); jw_str(w, x->chain->name);
	jw_end_obj(w);
	jw_key(w, "place"); place_write(w, x);
	jw_key(w, "flows");
	jw_arr(w);
	for (i = 0; i < x->nflows; i++)
		jw_uint(w, x->flows[i]);
	jw_end_arr(w);
	jw_end_obj(w);
}

static size_t
fixes_n(const struct audit *a)
{
	size_t n;

	audit_fixes(a, &n);
	return n;
}

static int
fixes_el(struct jw *w, const struct audit *a, size_t i)
{
	size_t n;

	fix_write(w, a, &audit_fixes(a, &n)[i]);
	return 0;
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

static int
unused_el(struct jw *w, const struct audit *a, size_t i)
{
	ref_write(w, unused_nth(a, i));
	return 0;
}

static size_t
broad_n(const struct audit *a)
{
	size_t n;

	audit_broad(a, &n);
	return n;
}

static int
broad_el(struct jw *w, const struct audit *a, size_t i)
{
	const struct audit_broad *b;
	char id[32];
	size_t n;

	b = audit_broad(a, &n);
	snprintf(id, sizeof id, "S%zu", i + 1);
	jw_obj(w);
	jw_key(w, "rule"); ref_write(w, b[i].rule);
	jw_key(w, "allows"); jw_str(w, b[i].allows);
	jw_key(w, "observed"); jw_str(w, b[i].observed);
	jw_key(w, "suggested");
	suggest_write(w, &b[i].suggested, id, b[i].saddrs, b[i].nsaddrs,
	    b[i].daddrs, b[i].ndaddrs);
	jw_end_obj(w);
	return 0;
}

static size_t
shadowed_n(const struct audit *a)
{
	size_t n;

	audit_shadowed(a, &n);
	return n;
}

static int
shadowed_el(struct jw *w, const struct audit *a, size_t i)
{
	const struct audit_shadow *sh;
	size_t n;

	sh = audit_shadowed(a, &n);
	jw_obj(w);
	jw_key(w, "rule"); ref_write(w, sh[i].rule);
	jw_key(w, "by"); ref_write(w, sh[i].by);
	jw_end_obj(w);
	return 0;
}

static size_t
findings_n(const struct audit *a)
{
	size_t n;

	audit_findings(a, &n);
	return n;
}

static int
findings_el(struct jw *w, const struct audit *a, size_t i)
{
	const struct audit_finding *f;
	size_t n;

	f = audit_findings(a, &n);
	jw_obj(w);
	jw_key(w, "type"); jw_lit(w, f[i].type);
	jw_key(w, "text"); jw_str(w, f[i].text);
	jw_end_obj(w);
	return 0;
}

static const struct section {
	const char	*name;
	size_t		(*count)(const struct audit *);
	int		(*elem)(struct jw *, const struct audit *, size_t);
} sections[] = {
	{ "flows", flows_n, flows_el },
	{ "denied", denied_n, denied_el },
	{ "fixes", fixes_n, fixes_el },
	{ "unused_rules", unused_n, unused_el },
	{ "overly_broad", broad_n, broad_el },
	{ "shadowed", shadowed_n, shadowed_el },
	{ "findings", findings_n, findings_el },
};

static void
families_write(struct jw *w, unsigned covers)
{
	jw_arr(w);
	if (covers & RS_FAM_IP)
		jw_lit(w, "ip");
	if (covers & RS_FAM_IP6)
		jw_lit(w, "ip6");
	jw_end_arr(w);
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

static void
head_write(struct jw *w, const struct audit *a)
{
	const struct ruleset *rs = audit_ruleset(a);
	const struct rs_part *p;
	size_t i;

	jw_key(w, "tool"); jw_lit(w, "ftpaudit");
	jw_key(w, "version"); jw_lit(w, PACKAGE_VERSION);
	jw_key(w, "schema_version"); jw_uint(w, AUDIT_SCHEMA_VERSION);
	jw_key(w, "ruleset");
	jw_obj(w);
	jw_key(w, "source"); jw_str(w, rs->source);
	jw_key(w, "format"); jw_lit(w, merged_format(rs));
	jw_key(w, "rules"); jw_uint(w, ruleset_count(rs));
	jw_key(w, "families"); families_write(w, rs->covers);
	jw_end_obj(w);
	jw_key(w, "rulesets");
	jw_arr(w);
	for (i = 0; i < rs->nparts; i++) {
		p = &rs->parts[i];
		jw_obj(w);
		jw_key(w, "source"); jw_str(w, p->source);
		jw_key(w, "format"); jw_lit(w, ruleset_format_str(p->format));
		jw_key(w, "rules"); jw_uint(w, p->nrules);
		jw_key(w, "families"); families_write(w, p->covers);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_key(w, "unused_other"); jw_uint(w, audit_unused_other(a));
	if (audit_selection(a) != NULL) {
		jw_key(w, "selection"); select_json(w, audit_selection(a));
	}
}

/*
 * The document, written by jw (pretty, as analyze -F json) and handed to
 * stdio element by element, so that memory does not follow the number
 * of flows.
 */
int
audit_json_write(const struct audit *a, FILE *out)
{
	struct jw w;
	size_t k, i, n;
	int rc = 0;

	jw_init(&w, true);
	jw_obj(&w);
	head_write(&w, a);
	for (k = 0; rc == 0 && k < sizeof sections / sizeof sections[0]; k++) {
		jw_key(&w, sections[k].name);
		jw_arr(&w);
		n = sections[k].count(a);
		for (i = 0; rc == 0 && i < n; i++)
			if (sections[k].elem(&w, a, i) == -1 ||
			    jw_flush(&w, out) == -1)
				rc = -1;
		jw_end_arr(&w);
	}
	jw_end_obj(&w);
	jw_text(&w, "\n", 1);
	if (rc == 0 && jw_flush(&w, out) == -1)
		rc = -1;
	jw_free(&w);
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

/* The decisive rule's text, worked out once for each of the few rules
 * that decide (a direct-mapped cache of ref_str). */
struct ref_cache {
	const struct rs_rule *rule;
	const struct rs_chain *pol;
	bool		 set;
	size_t		 n;
	char		 s[640];
};

static void
put_ref(struct tw *w, struct ref_cache *c, const struct rs_rule *r,
    const struct rs_chain *pol)
{
	c += ((uintptr_t)r ^ (uintptr_t)pol) / 64 % 8;
	if (!c->set || c->rule != r || c->pol != pol) {
		c->n = strlen(ref_str(r, pol, c->s, sizeof c->s));
		if (r == NULL && pol == NULL)
			memcpy(c->s, "-", 2);
		c->rule = r;
		c->pol = pol;
		c->set = true;
	}
	tw_put(w, c->s, c->n);
}

/*
 * A flow's line is built in a buffer of its own, each field copied whole
 * with the spaces after it and the next field written over those it does
 * not need: field by field through tw, 100 ns a line went to bounds
 * checks and copies of a few bytes each.  LINE_ROOM is the longest line
 * before its rule (every field at its widest, IPv6 addresses of 47
 * characters) and the slack the fixed copies write past the end.
 */
#define LINE_ROOM	320

static const char pad_spaces[32] = "                                ";

/* v in decimal at q, with spaces to width: the next field's place. */
static char *
line_num(char *q, uint64_t v, size_t width)
{
	char d[20 + 16], *e = d + 20, *s = fmt_uint(e, v);
	size_t n = (size_t)(e - s);

	/* The digits and the spaces after them, one fixed copy. */
	memcpy(e, pad_spaces, 16);
	memcpy(q, s, 16);
	if (n > 16)
		memcpy(q, s, n);
	return q + (n > width ? n : width);
}

/*
 * The last two addresses' text, as fmt_endpoint writes them ("[v6]" in
 * brackets), kept whole with room for the fixed copy: a session's flows
 * name the same two hosts.
 */
struct addr_cache {
	struct {
		struct fa_addr	 ip;
		size_t		 len;	/* 0: empty */
		char		 s[FA_ENDPOINTLEN];
	} v[2];
	unsigned	 next;		/* the one to replace */
};

/* "10.0.0.1:21", "[2001:db8::1]:21", or ":*" for a port not known, at
 * q, with spaces to width. */
static char *
line_endpoint(char *q, struct addr_cache *c, const struct fa_endpoint *ep,
    bool port_known, size_t width)
{
	struct fa_endpoint bare = { .ip = ep->ip };
	char *start = q;
	unsigned i;
	size_t n;

	for (i = 0; i < 2; i++)
		if (c->v[i].len != 0 && fa_addr_eq(&c->v[i].ip, &ep->ip))
			break;
	if (i == 2) {
		i = c->next;
		c->next ^= 1;
		memset(c->v[i].s, 0, sizeof c->v[i].s);
		c->v[i].ip = ep->ip;
		c->v[i].len = fmt_endpoint(c->v[i].s, &bare, false);
	}
	memcpy(q, c->v[i].s, sizeof c->v[i].s);
	q += c->v[i].len;
	*q++ = ':';
	if (port_known)
		q = line_num(q, ep->port, 0);
	else
		*q++ = '*';
	memcpy(q, pad_spaces, sizeof pad_spaces);
	n = (size_t)(q - start);
	return n < width ? start + width : q;
}

/* One of a few names at q, padded to width (each of them fits). */
static char *
line_name(char *q, const char (*padded)[16], size_t width)
{
	memcpy(q, *padded, 16);
	return q + width;
}

/* As "  #%-3zu s%-3llu %-4s %-12s %-22s -> %-22s %-13s ", IPv6 in
 * brackets as in the other text reports: the line up to its rule. */
static size_t
flow_line(char *b, size_t i, const struct audit_flow *f, struct addr_cache *ac,
    const char (*purpose)[16], const char (*verdict)[16])
{
	char *q = b;

	memcpy(q, "  #", 3);
	q = line_num(q + 3, i, 3);
	memcpy(q, " s", 2);
	q = line_num(q + 2, f->session, 3);
	*q++ = ' ';
	if (f->transfer) {
		*q++ = 'x';
		q = line_num(q, f->transfer, 3);
	} else {
		memcpy(q, "-   ", 4);
		q += 4;
	}
	*q++ = ' ';
	q = line_name(q, &purpose[f->purpose <= AP_ACTIVE ? f->purpose :
	    AP_CONTROL], 12);
	*q++ = ' ';
	q = line_endpoint(q, ac, &f->initiator, f->initiator_port_known, 22);
	memcpy(q, " -> ", 4);
	q = line_endpoint(q + 4, ac, &f->responder, true, 22);
	*q++ = ' ';
	q = line_name(q, &verdict[f->verdict <= AV_INDETERMINATE ? f->verdict :
	    AV_INDETERMINATE], 13);
	*q++ = ' ';
	return (size_t)(q - b);
}

/*
 * The flows' lines, without printf: the audit of the bench's main
 * capture writes 337,000 of them after the capture's end, on one thread,
 * and printf's parsing of the format for each field of each was most of
 * that tail.
 */
static void
text_flows(const struct audit *a, FILE *out)
{
	const struct audit_flow *f;
	struct ref_cache refs[8] = { { 0 } };
	struct addr_cache ac = { 0 };
	char purpose[3][16], verdict[4][16], line[LINE_ROOM];
	struct tw tw, *w = &tw;
	size_t i, n;

	for (i = 0; i < 3; i++)
		snprintf(purpose[i], sizeof purpose[i], "%-15s",
		    audit_purpose_str((enum audit_purpose)i));
	for (i = 0; i < 4; i++)
		snprintf(verdict[i], sizeof verdict[i], "%-15s",
		    audit_verdict_str((enum audit_verdict)i));
	f = audit_flows(a, &n);
	tw_init(w, out);
	for (i = 0; i < n; i++) {
		tw_put(w, line, flow_line(line, i, &f[i], &ac, purpose, verdict));
		put_ref(w, refs, f[i].rule, f[i].policy);
		if (f[i].related)
			tw_puts(w, " (related)");
		tw_putc(w, '\n');
		/* Not tw_printf: the bench's capture has 67,000 reasons, and
		 * vsnprintf for each was an eighth of the flows' writing. */
		if (f[i].excluded != NULL) {
			tw_puts(w, "        excluded: ");
			tw_puts(w, f[i].excluded);
			tw_puts(w, " (no legitimate negotiation needs it; not "
			    "counted as denied)\n");
		}
		if (f[i].verdict == AV_INDETERMINATE && f[i].why != NULL) {
			tw_puts(w, "        reason: ");
			tw_puts(w, f[i].why);
			tw_putc(w, '\n');
		}
	}
	tw_flush(w);
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

	if (x->nat != NULL)
		fputs("dnat (the gateway did not translate them), ", out);
	if (x->before != NULL)
		fprintf(out, "insert before %s", rs_rule_describe(x->before, r,
		    sizeof r));
	else if (x->nat != NULL)
		fprintf(out, "add to %s", rs_chain_name(x->chain, r, sizeof r));
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
	if (x->nat != NULL && x->chain->format == RS_FMT_NFT)
		rc = rules_nft_nat_placed(x->nat, &x->place, 1, m);
	else if (x->nat != NULL)
		rc = rules_ipt_nat_placed(x->nat, &x->place, 1, m);
	else if (x->chain->format == RS_FMT_NFT)
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
	audit_text_flows(a, out);
	return audit_text_rest(a, out);
}

int
audit_text_flows(const struct audit *a, FILE *out)
{
	const struct ruleset *rs = audit_ruleset(a);
	size_t n, nacc = audit_accepted(a);

	(void)audit_flows(a, &n);
	select_comment(out, audit_selection(a), "");
	fprintf(out, "ruleset %s (%s, %zu rules), %s side: %zu flows, %zu accepted, "
	    "%zu not\n", rs->source, ruleset_format_str(rs->format), ruleset_count(rs),
	    audit_side_str(audit_side(a)), n, nacc, n - nacc);
	text_flows(a, out);
	return ferror(out) ? -1 : 0;
}

int
audit_text_rest(const struct audit *a, FILE *out)
{
	audit_text_fixes(a, out);
	return audit_text_findings(a, out);
}

int
audit_text_fixes(const struct audit *a, FILE *out)
{
	text_fixes(a, out);
	return ferror(out) ? -1 : 0;
}

int
audit_text_findings(const struct audit *a, FILE *out)
{
	const struct audit_finding *fd;
	size_t i, n;

	text_rules(a, out);
	fd = audit_findings(a, &n);
	fprintf(out, "findings: %zu\n", n);
	for (i = 0; i < n; i++)
		fprintf(out, "  [%s] %s\n", fd[i].type, fd[i].text);
	return ferror(out) ? -1 : 0;
}

/* The fixes as commands. */

/* Does the fix go into a ruleset of this format (and family)? */
static bool
fix_for(const struct audit_fix *x, enum rs_format fmt, int family)
{
	return x->chain->format == fmt && (fmt == RS_FMT_NFT ||
	    (x->chain->fam == RS_FAM_IP6) == (family == FA_AF_INET6));
}

static void
fixes_header(const struct audit *a, FILE *out, size_t n, const char *how,
    enum rs_format fmt, int family)
{
	const struct audit_fix *fx;
	size_t i, nall;

	fprintf(out, "# ftpaudit %s: %zu fix%s for %s (%s side); apply with %s\n",
	    PACKAGE_VERSION, n, n == 1 ? "" : "es", audit_ruleset(a)->source,
	    audit_side_str(audit_side(a)), how);
	select_comment(out, audit_selection(a), "# ");
	fx = audit_fixes(a, &nall);
	for (i = 0; i < nall; i++) {
		if (!fix_for(&fx[i], fmt, family))
			continue;
		fprintf(out, "# %s for ", fx[i].id);
		flow_list(&fx[i], out);
		fputs(": ", out);
		place_text(&fx[i], out);
		fputc('\n', out);
	}
}

/* The fixes going into rulesets of one format (and family), their rules
 * and places side by side as the renderers take them: the accepts (*n,
 * rv, pv) and the dnats (*nn, nv, npv); borrowed, not released. */
struct gathered {
	struct rules_rule *rv;
	struct rules_place *pv, *npv;
	struct rules_nat *nv;
	size_t		 n, nn;
};

static int
gather(const struct audit *a, enum rs_format fmt, int family,
    struct gathered *g)
{
	const struct audit_fix *fx;
	size_t i, nall;

	fx = audit_fixes(a, &nall);
	memset(g, 0, sizeof *g);
	g->rv = calloc(nall + 1, sizeof *g->rv);
	g->pv = calloc(nall + 1, sizeof *g->pv);
	g->nv = calloc(nall + 1, sizeof *g->nv);
	g->npv = calloc(nall + 1, sizeof *g->npv);
	if (g->rv == NULL || g->pv == NULL || g->nv == NULL || g->npv == NULL)
		return -1;
	for (i = 0; i < nall; i++) {
		if (!fix_for(&fx[i], fmt, family))
			continue;
		if (fx[i].nat != NULL) {
			g->nv[g->nn] = *fx[i].nat;
			g->npv[g->nn++] = fx[i].place;
			continue;
		}
		g->rv[g->n] = fx[i].rule;
		g->pv[g->n++] = fx[i].place;
	}
	return 0;
}

static void
gathered_free(struct gathered *g)
{
	free(g->rv);
	free(g->pv);
	free(g->nv);
	free(g->npv);
}

int
audit_fixes_nft(const struct audit *a, FILE *out)
{
	struct gathered g;
	int rc = -1;

	if (gather(a, RS_FMT_NFT, 0, &g) == 0) {
		fputs("#!/usr/sbin/nft -f\n", out);
		fixes_header(a, out, g.n + g.nn, "nft -f FILE", RS_FMT_NFT, 0);
		rc = rules_nft_placed(g.rv, g.pv, g.n, out);
		if (rc == 0)
			rc = rules_nft_nat_placed(g.nv, g.npv, g.nn, out);
	}
	gathered_free(&g);
	return rc == 0 && !ferror(out) ? 0 : -1;
}

int
audit_fixes_ipt(const struct audit *a, int family, FILE *out)
{
	struct gathered g;
	int rc = -1;

	if (gather(a, RS_FMT_IPT, family, &g) == 0) {
		fixes_header(a, out, g.n + g.nn, family == FA_AF_INET6 ?
		    "ip6tables-restore --noflush < FILE" :
		    "iptables-restore --noflush < FILE", RS_FMT_IPT, family);
		rc = rules_ipt_placed(g.rv, g.pv, g.n, family, out);
		if (rc == 0)
			rc = rules_ipt_nat_placed(g.nv, g.npv, g.nn, out);
	}
	gathered_free(&g);
	return rc == 0 && !ferror(out) ? 0 : -1;
}
