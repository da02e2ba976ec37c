/* SPDX-License-Identifier: ISC */
/* render_html.c: rules -F html: the recommendation as a page: the rules
 * table with their evidence, the evidence left out and why, what the
 * helper misses, the NAT part and the nft script itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/rules.h"
#include "html.h"

/* Addresses shown in one cell, excluded transfers listed: the nft script
 * on the same page and -F json have them all. */
#define CELL_ADDRS	40
#define EXCLUDED_MAX	1000

static void
put_addrs(FILE *f, const struct rules_addrs *s)
{
	char a[RULES_CIDRLEN];
	size_t i;

	if (s->any || s->n == 0) {
		fputs("any", f);
		return;
	}
	for (i = 0; i < s->n && i < CELL_ADDRS; i++) {
		if (i > 0)
			fputs(", ", f);
		html_str(f, rules_cidr(&s->v[i], a));
	}
	if (s->n > CELL_ADDRS)
		fprintf(f, " <span class=\"note\">and %zu more</span>",
		    s->n - CELL_ADDRS);
}

static void
put_ranges(FILE *f, const struct rules_range *v, size_t n)
{
	size_t i;

	if (n == 0) {
		fputs("any", f);
		return;
	}
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		if (v[i].lo == v[i].hi)
			fprintf(f, "%u", v[i].lo);
		else
			fprintf(f, "%u-%u", v[i].lo, v[i].hi);
	}
}

static void
put_ct(FILE *f, unsigned ct)
{
	fprintf(f, "%s%s%s", ct & RULES_CT_NEW ? "new " : "",
	    ct & RULES_CT_ESTABLISHED ? "established " : "",
	    ct & RULES_CT_RELATED ? "related" : "");
}

static void
put_rule(FILE *f, const struct rules_rule *u)
{
	const struct rules_evidence *ev = &u->ev;

	fprintf(f, "<tr><td data-v=\"%u\">R%u<td>%s<td>%s<td>%s<td>", u->id, u->id,
	    rules_chain_str(u->chain), rules_purpose_str(u->purpose),
	    rules_family_str(u->family));
	put_addrs(f, &u->saddr);
	fputs("<td>", f);
	put_ranges(f, u->sport, u->nsport);
	fputs("<td>", f);
	put_addrs(f, &u->daddr);
	fputs("<td>", f);
	put_ranges(f, u->dport, u->ndport);
	fputs("<td>", f);
	put_ct(f, u->ct_state);
	fprintf(f, "<td class=\"n\">%zu<td class=\"n\">%llu<td>", ev->nsessions,
	    (unsigned long long)ev->connections);
	if (u->purpose == RP_PASSIVE && ev->nports > 0)
		fprintf(f, "%u..%u (%zu)", ev->ports[0], ev->ports[ev->nports - 1],
		    ev->nports);
	fputs("</tr>\n", f);
}

static void
put_rules(FILE *f, const struct rules *r)
{
	const struct rules_rule *v;
	size_t i, n;

	v = rules_list(r, &n);
	fprintf(f, "<h2>Rules: %zu</h2>\n<table class=\"sortable\" id=\"rules\">"
	    "<thead><tr><th>id<th>chain<th>purpose<th>family<th>source<th>sport"
	    "<th>destination<th>dport<th>ct state<th class=\"n\">sessions"
	    "<th class=\"n\">connections<th>ports seen</tr></thead><tbody>\n", n);
	for (i = 0; i < n; i++)
		put_rule(f, &v[i]);
	fputs("</tbody></table>\n", f);
}

static void
put_excluded(FILE *f, const struct rules *r)
{
	const struct rules_excluded *x;
	char sum[RULES_SUMMARYLEN];
	size_t i, n;

	x = rules_excluded(r, &n);
	fprintf(f, "<h2>Excluded evidence: %zu transfers</h2>\n<p>", n);
	html_str(f, rules_excluded_summary(r, sum, sizeof sum));
	fputs(". A transfer is left out when no legitimate negotiation needs "
	    "its opening (see ftpaudit(1), rules).</p>\n", f);
	if (n == 0)
		return;
	fputs("<table class=\"sortable\"><thead><tr><th class=\"n\">session"
	    "<th class=\"n\">transfer<th>endpoint<th>reason</tr></thead><tbody>\n", f);
	for (i = 0; i < n && i < EXCLUDED_MAX; i++) {
		fprintf(f, "<tr><td class=\"n\">%llu<td class=\"n\">%u<td>",
		    (unsigned long long)x[i].session, x[i].transfer);
		html_endpoint(f, &x[i].endpoint, 1);
		fprintf(f, "<td class=\"warn\">%s</tr>\n",
		    rules_reason_str(x[i].reason));
	}
	fputs("</tbody></table>\n", f);
	if (n > EXCLUDED_MAX)
		fprintf(f, "<p class=\"note\">The first %d are listed; -F json has "
		    "all %zu.</p>\n", EXCLUDED_MAX, n);
}

/* What a writer of rules.h gives as text, escaped into a <pre>: the
 * comment header (options, selection, helper misses, hints, NAT notes)
 * and the nft script are drawn by their own renderers. */
static int
draw_header(const void *r, FILE *m)
{
	rules_comment_header(r, m);
	return 0;
}

static int
draw_nft(const void *r, FILE *m)
{
	return rules_nft(r, m, NULL);
}

static int
put_pre(FILE *f, const struct rules *r, int which)
{
	return html_pre_of(f, which == 0 ? draw_header : draw_nft, r);
}

int
rules_html(const struct rules *r, FILE *f)
{
	const struct rules_opts *o = rules_options(r);
	int rc = 0;

	html_begin(f, "ftpaudit rules");
	fprintf(f, "<p>The %s side, strategy %s, peers %s, trust %s, from %zu FTP "
	    "sessions.</p>\n<h2>Notes</h2>\n", rules_side_str(o->side),
	    rules_strategy_str(o->strategy), rules_peers_str(o->peers),
	    rules_trust_str(o->trust), rules_nsessions(r));
	if (put_pre(f, r, 0) == -1)
		rc = -1;
	put_rules(f, r);
	put_excluded(f, r);
	fputs("<h2>As an nft script</h2>\n", f);
	if (rc == 0 && put_pre(f, r, 1) == -1)
		rc = -1;
	html_end(f);
	return rc == -1 || ferror(f) ? -1 : 0;
}
