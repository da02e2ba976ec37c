/* SPDX-License-Identifier: ISC */
/* audit_html.c: audit -F html: the verdict on every flow in colour, the
 * fixes with the commands that apply them, unused, broad and shadowed
 * rules and the findings, as one page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/audit.h"
#include "ftpaudit/select.h"
#include "html.h"

/* Flows listed: denied ones first, so that the cap never hides one that
 * needs a fix unless there are that many. */
#define FLOWS_MAX	5000
#define RULE_TEXT	640

static void
put_ref(FILE *f, const struct audit_flow *x)
{
	char b[RULE_TEXT];

	if (x->rule != NULL)
		html_str(f, rs_rule_describe(x->rule, b, sizeof b));
	else if (x->policy != NULL) {
		rs_chain_name(x->policy, b, sizeof b);
		fputs("policy of ", f);
		html_str(f, b);
	} else
		fputs("-", f);
}

static void
put_flow(FILE *f, const struct audit_flow *x, size_t i)
{
	const char *v = audit_verdict_str(x->verdict);

	fprintf(f, "<tr><td class=\"n\">%zu<td class=\"n\">%llu<td class=\"n\">%u"
	    "<td>%s<td>", i, (unsigned long long)x->session, x->transfer,
	    audit_purpose_str(x->purpose));
	html_endpoint(f, &x->initiator, x->initiator_port_known);
	fputs("<td>", f);
	html_endpoint(f, &x->responder, 1);
	fprintf(f, "<td><span class=\"tag t-%s\">%s</span>%s<td>", v, v,
	    x->related ? " (related)" : "");
	put_ref(f, x);
	fputs("<td>", f);
	if (x->excluded != NULL)
		fprintf(f, "excluded: %s", x->excluded);
	else if (x->verdict == AV_INDETERMINATE && x->why != NULL)
		html_str(f, x->why);
	fputs("<td>", f);
	if (x->fix > 0)
		fprintf(f, "<a href=\"#F%u\">F%u</a>", x->fix, x->fix);
	fputs("</tr>\n", f);
}

static void
put_flows(FILE *f, const struct audit *a)
{
	const struct audit_flow *x;
	size_t i, n, k = 0, count[4] = { 0 };
	int pass;

	x = audit_flows(a, &n);
	for (i = 0; i < n; i++)
		count[x[i].verdict]++;
	fprintf(f, "<h2>Flows: %zu</h2>\n<p><span class=\"tag t-accept\">accept"
	    "</span> %zu &nbsp; <span class=\"tag t-drop\">drop</span> %zu &nbsp; "
	    "<span class=\"tag t-reject\">reject</span> %zu &nbsp; <span "
	    "class=\"tag t-indeterminate\">indeterminate</span> %zu</p>\n",
	    n, count[AV_ACCEPT], count[AV_DROP], count[AV_REJECT],
	    count[AV_INDETERMINATE]);
	fputs("<div class=\"scroll\"><table class=\"sortable\" id=\"flows\"><thead>"
	    "<tr><th class=\"n\">flow<th class=\"n\">session<th class=\"n\">transfer"
	    "<th>purpose<th>initiator<th>responder<th>verdict<th>decided by"
	    "<th>note<th>fix</tr></thead><tbody>\n", f);
	/* Not accepted first, then accepted, each in flow order. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n && k < FLOWS_MAX; i++)
			if ((x[i].verdict == AV_ACCEPT) == (pass == 1)) {
				put_flow(f, &x[i], i);
				k++;
			}
	fputs("</tbody></table></div>\n", f);
	if (n > k)
		fprintf(f, "<p class=\"note\">%zu flows listed (those not accepted "
		    "first); -F json has all %zu.</p>\n", k, n);
}

/* The fixes' commands, as audit_fixes_nft or audit_fixes_ipt write them
 * for the ruleset's format (which: 0 nft, 4 or 6 iptables), escaped. */
struct commands {
	const struct audit	*a;
	int			 which;
};

static int
draw_commands(const void *arg, FILE *m)
{
	const struct commands *c = arg;

	return c->which == 0 ? audit_fixes_nft(c->a, m) : audit_fixes_ipt(c->a,
	    c->which == 4 ? FA_AF_INET : FA_AF_INET6, m);
}

static int
put_commands(FILE *f, const struct audit *a, int which)
{
	struct commands c = { a, which };

	return html_pre_of(f, draw_commands, &c);
}

static int
put_fixes(FILE *f, const struct audit *a)
{
	const struct audit_fix *x;
	size_t i, j, n;
	bool nft = false, ipt = false;
	int rc = 0;

	x = audit_fixes(a, &n);
	fprintf(f, "<h2>Fixes: %zu</h2>\n", n);
	if (n == 0) {
		fputs("<p class=\"ok\">Nothing to fix: no flow that needs an "
		    "opening was denied.</p>\n", f);
		return 0;
	}
	fputs("<ul>\n", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "<li id=\"%s\"><b>", x[i].id);
		html_str(f, x[i].id);
		fprintf(f, "</b> (%s) in ", audit_purpose_str(
		    x[i].rule.purpose == RP_PASSIVE ? AP_PASSIVE :
		    x[i].rule.purpose == RP_ACTIVE ? AP_ACTIVE : AP_CONTROL));
		html_str(f, x[i].table);
		fputs(" chain ", f);
		html_str(f, x[i].place.chain);
		fputs(", for flows ", f);
		for (j = 0; j < x[i].nflows && j < 20; j++)
			fprintf(f, "%s#%zu", j ? ", " : "", x[i].flows[j]);
		if (x[i].nflows > 20)
			fprintf(f, " and %zu more", x[i].nflows - 20);
		fputs("</li>\n", f);
		nft |= x[i].chain->format == RS_FMT_NFT;
		ipt |= x[i].chain->format != RS_FMT_NFT;
	}
	fputs("</ul>\n", f);
	if (nft) {
		fputs("<h3>nft -f</h3>\n", f);
		rc |= put_commands(f, a, 0);
	}
	if (ipt) {
		fputs("<h3>iptables-restore --noflush (and ip6tables)</h3>\n", f);
		rc |= put_commands(f, a, 4);
		rc |= put_commands(f, a, 6);
	}
	return rc ? -1 : 0;
}

static void
put_rule_li(FILE *f, const struct rs_rule *r)
{
	char b[RULE_TEXT];

	fputs("<li><code>", f);
	html_str(f, rs_rule_describe(r, b, sizeof b));
	fputs("</code>", f);
}

static void
put_rules(FILE *f, const struct audit *a)
{
	const struct ruleset *rs = audit_ruleset(a);
	const struct audit_broad *b;
	const struct audit_shadow *sh;
	char t[RULE_TEXT];
	size_t ci, j, i, n, nunused = 0;

	for (ci = 0; ci < rs->nchains; ci++)
		for (j = 0; j < rs->chains[ci]->nrules; j++)
			nunused += audit_unused(a, rs->chains[ci]->rules[j]);
	fprintf(f, "<h2>Unused rules: %zu</h2>\n<ul>", nunused);
	for (ci = 0; ci < rs->nchains; ci++)
		for (j = 0; j < rs->chains[ci]->nrules; j++)
			if (audit_unused(a, rs->chains[ci]->rules[j]))
				put_rule_li(f, rs->chains[ci]->rules[j]);
	fputs("</ul>\n", f);
	if (audit_unused_other(a) > 0)
		fprintf(f, "<p class=\"note\">And %zu off the FTP surface "
		    "(--all-unused lists them).</p>\n", audit_unused_other(a));
	b = audit_broad(a, &n);
	fprintf(f, "<h2>Overly broad: %zu</h2>\n<ul>", n);
	for (i = 0; i < n; i++) {
		put_rule_li(f, b[i].rule);
		fputs("<br>allows <span class=\"warn\">", f);
		html_str(f, b[i].allows);
		fputs("</span>; observed ", f);
		html_str(f, b[i].observed);
	}
	fputs("</ul>\n", f);
	sh = audit_shadowed(a, &n);
	fprintf(f, "<h2>Shadowed: %zu</h2>\n<ul>", n);
	for (i = 0; i < n; i++) {
		put_rule_li(f, sh[i].rule);
		fputs("<br>by <code>", f);
		html_str(f, rs_rule_describe(sh[i].by, t, sizeof t));
		fputs("</code>", f);
	}
	fputs("</ul>\n", f);
}

static void
put_findings(FILE *f, const struct audit *a)
{
	const struct audit_finding *fd;
	size_t i, n;

	fd = audit_findings(a, &n);
	fprintf(f, "<h2>Findings: %zu</h2>\n<ul>", n);
	for (i = 0; i < n; i++) {
		fputs("<li><span class=\"warn\">", f);
		html_str(f, fd[i].type);
		fputs("</span>: ", f);
		html_str(f, fd[i].text);
	}
	fputs("</ul>\n", f);
}

/* What --session, --host... kept, as the text report says it. */
static void
put_selection(FILE *f, const struct audit *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	if ((m = open_memstream(&buf, &len)) == NULL)
		return;
	select_comment(m, audit_selection(a), "");
	if (fclose(m) == 0) {
		while (len > 0 && buf[len - 1] == '\n')
			len--;
		if (len > 0) {
			fputs("<p class=\"warn\">", f);
			html_esc(f, (const uint8_t *)buf, len);
			fputs("</p>\n", f);
		}
	}
	free(buf);
}

int
audit_html(const struct audit *a, FILE *f)
{
	const struct ruleset *rs = audit_ruleset(a);
	int rc;

	html_begin(f, "ftpaudit audit");
	fputs("<p>Ruleset <code>", f);
	html_str(f, rs->source);
	fprintf(f, "</code> (%s, %zu rules), %s side.</p>\n",
	    ruleset_format_str(rs->format), ruleset_count(rs),
	    audit_side_str(audit_side(a)));
	put_selection(f, a);
	put_flows(f, a);
	rc = put_fixes(f, a);
	put_rules(f, a);
	put_findings(f, a);
	html_end(f);
	return rc == -1 || ferror(f) ? -1 : 0;
}
