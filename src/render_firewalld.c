/* SPDX-License-Identifier: ISC */
/* render_firewalld.c: the recommendation as firewalld configuration
 * files, for /etc/firewalld, in one stream: each file after a line
 * "==> PATH <==" (PATH relative to /etc/firewalld), as head(1) separates
 * files.
 *
 * Files, not firewall-offline-cmd or firewall-cmd commands: a file is
 * applied by writing it again (idempotent: commands like --new-service
 * fail the second time, and --add-rich-rule answers ALREADY_ENABLED), it
 * is checked before use (firewall-offline-cmd --check-config), and
 * removing it removes all of ftpaudit's configuration.  The files are new
 * names: no zone of the administrator's is rewritten.
 *  - services/ftpaudit-ftp.xml: the observed control ports; with the
 *    static strategy the passive ranges too, with the helper strategy
 *    firewalld's own ftp helper (<helper name="ftp"/>).
 *  - policies/ftpaudit-in.xml (ingress ANY, egress HOST: what comes to
 *    this host), ftpaudit-out.xml (HOST to ANY: what this host starts,
 *    where a client's helper belongs: a zone only sees what comes in),
 *    ftpaudit-fwd.xml (ANY to ANY: through a gateway; the administrator
 *    narrows the zones): one rich rule per rule, peer and port range,
 *    with the observed peers as source or destination.
 * Return traffic is firewalld's own (established, related): established
 * and helper-related rules have no line.  Nothing from the wire reaches
 * the files: addresses and ports are formatted by us, and what text there
 * is goes through xml_put all the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/rules.h"
#include "ftpaudit/select.h"

#define FWD_SERVICE	"ftpaudit-ftp"

/* s as XML character data or attribute value. */
static void
xml_put(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		default:
			if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
				fprintf(f, "&#%u;", (unsigned char)*s);
			else
				fputc(*s, f);
		}
}

static void
put_port(FILE *f, const char *tag, uint16_t lo, uint16_t hi)
{
	if (lo == hi)
		fprintf(f, "<%s port=\"%u\" protocol=\"tcp\"/>", tag, lo);
	else
		fprintf(f, "<%s port=\"%u-%u\" protocol=\"tcp\"/>", tag, lo, hi);
}

static bool
in_service(const struct rules_rule *u, enum rules_strategy st)
{
	if (u->purpose == RP_HELPER_ASSIGN)
		return true;
	if (u->purpose == RP_CONTROL)
		return true;
	return st == RULES_STATIC && u->purpose == RP_PASSIVE &&
	    u->chain != RC_OUTPUT;
}

/* The service: the ports a peer comes to, merged over the rules. */
static int
put_service(FILE *f, const struct rules *r, const struct rules_rule *v,
    size_t n)
{
	enum rules_strategy st = rules_options(r)->strategy;
	struct rules_range *p = NULL;
	size_t i, j, np = 0;

	for (i = 0; i < n; i++) {
		if (!in_service(&v[i], st))
			continue;
		for (j = 0; j < v[i].ndport; j++)
			if (rules_ranges_add(&p, &np, v[i].dport[j].lo,
			    v[i].dport[j].hi) == -1) {
				free(p);
				return -1;
			}
	}
	fputs("==> services/" FWD_SERVICE ".xml <==\n", f);
	fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service>\n", f);
	fputs("  <short>ftpaudit FTP</short>\n  <description>", f);
	xml_put(f, st == RULES_HELPER ?
	    "The FTP control ports ftpaudit observed, with firewalld's ftp "
	    "helper, which opens each data connection the control connection "
	    "announces." :
	    "The FTP control ports and passive data ranges ftpaudit observed "
	    "(static strategy: no helper). The server must keep a fixed "
	    "passive range for these ports to stay true.");
	if (rules_options(r)->selection != NULL) {
		char d[SELECT_DESCLEN];

		fputs(" Evidence limited to the sessions of ", f);
		xml_put(f, select_describe(rules_options(r)->selection, d));
		fputc('.', f);
	}
	fputs("</description>\n", f);
	for (i = 0; i < np; i++) {
		fputs("  ", f);
		put_port(f, "port", p[i].lo, p[i].hi);
		fputc('\n', f);
	}
	if (st == RULES_HELPER)
		fputs("  <helper name=\"ftp\"/>\n", f);
	fputs("</service>\n", f);
	free(p);
	return 0;
}

/* Rules that need a line: new connections.  Helper assignment is the
 * control rules' service (the helper goes with the control port). */
static bool
drawn(const struct rules_rule *u)
{
	return u->purpose != RP_ESTABLISHED &&
	    u->purpose != RP_HELPER_RELATED && u->purpose != RP_HELPER_ASSIGN;
}

static const char *
policy_name(enum rules_chain c)
{
	switch (c) {
	case RC_INPUT:
		return "ftpaudit-in";
	case RC_OUTPUT:
		return "ftpaudit-out";
	default:
		return "ftpaudit-fwd";
	}
}

/* One address of a (or none for any) as a source or destination. */
static void
put_addr(FILE *f, const char *tag, const struct fa_addr *a)
{
	char buf[RULES_CIDRLEN];

	if (a == NULL)
		return;
	fprintf(f, "<%s address=\"", tag);
	xml_put(f, rules_cidr(a, buf));
	fputs("\"/>", f);
}

/* One rich rule: source s, destination d (NULL: any), and the match. */
static void
put_rich(FILE *f, const struct rules_rule *u, bool helper,
    const struct fa_addr *s, const struct fa_addr *d,
    const struct rules_range *dp)
{
	int fam = s != NULL ? s->family : d != NULL ? d->family : u->family;

	fputs("  <rule", f);
	if (fam == FA_AF_INET)
		fputs(" family=\"ipv4\"", f);
	else if (fam == FA_AF_INET6)
		fputs(" family=\"ipv6\"", f);
	fputs(">", f);
	put_addr(f, "source", s);
	put_addr(f, "destination", d);
	if (u->purpose == RP_CONTROL && helper)
		fputs("<service name=\"" FWD_SERVICE "\"/>", f);
	else if (dp != NULL)
		put_port(f, "port", dp->lo, dp->hi);
	else if (u->nsport > 0)
		put_port(f, "source-port", u->sport[0].lo, u->sport[0].hi);
	else
		put_port(f, "port", 1, 65535);
	fputs("<accept/></rule>\n", f);
}

static const struct fa_addr *
addr_at(const struct rules_addrs *a, size_t i)
{
	return a->any || a->n == 0 ? NULL : &a->v[i];
}

static size_t
addr_count(const struct rules_addrs *a)
{
	return a->any || a->n == 0 ? 1 : a->n;
}

/* Whether a (NULL: any) is one of the addresses of l. */
static bool
addr_in(const struct rules_addrs *l, const struct fa_addr *a)
{
	size_t i;

	if (a == NULL)
		return l->any || l->n == 0;
	for (i = 0; !l->any && i < l->n; i++)
		if (memcmp(&l->v[i], a, sizeof *a) == 0)
			return true;
	return false;
}

/* With the helper, control rules of other control ports become the same
 * service rule: whether one before v[i] in the same policy already wrote
 * it for peers s, d (firewalld warns of a rule set twice). */
static bool
written(const struct rules_rule *v, size_t i, const struct fa_addr *s,
    const struct fa_addr *d)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (v[j].purpose == RP_CONTROL &&
		    strcmp(policy_name(v[j].chain), policy_name(v[i].chain)) == 0 &&
		    addr_in(&v[j].saddr, s) && addr_in(&v[j].daddr, d))
			return true;
	return false;
}

/*
 * The rich rules of u: peers times port ranges.  A rich rule takes one
 * port match: active data from a source port with destination ports
 * keeps the destination ports.  With the helper, a control rule is the
 * service (its control ports and the helper: the helper-assign rule).
 */
static void
put_rule(FILE *f, const struct rules_rule *v, size_t ui, bool helper)
{
	const struct rules_rule *u = &v[ui];
	const struct fa_addr *s, *d;
	size_t i, j, k, nd;

	fprintf(f, "  <!-- R%u %s%s -->\n", u->id, rules_purpose_str(u->purpose),
	    u->purpose == RP_CONTROL && helper ? ", with the ftp helper" : "");
	nd = u->purpose == RP_CONTROL && helper ? 0 : u->ndport;
	for (i = 0; i < addr_count(&u->saddr); i++)
		for (j = 0; j < addr_count(&u->daddr); j++) {
			s = addr_at(&u->saddr, i);
			d = addr_at(&u->daddr, j);
			/* A rich rule is of one family. */
			if (s != NULL && d != NULL && s->family != d->family)
				continue;
			if ((s != NULL && u->family != 0 &&
			    s->family != u->family) ||
			    (d != NULL && u->family != 0 &&
			    d->family != u->family))
				continue;
			if (nd == 0 && u->purpose == RP_CONTROL && helper &&
			    written(v, ui, s, d))
				continue;
			if (nd == 0)
				put_rich(f, u, helper, s, d, NULL);
			for (k = 0; k < nd; k++)
				put_rich(f, u, helper, s, d, &u->dport[k]);
		}
}

static void
put_policy(FILE *f, const struct rules *r, const struct rules_rule *v,
    size_t n, enum rules_chain c)
{
	const char *name = policy_name(c);
	size_t i;
	bool any = false;

	for (i = 0; i < n; i++)
		if (drawn(&v[i]) && strcmp(policy_name(v[i].chain), name) == 0)
			any = true;
	if (!any)
		return;
	fprintf(f, "==> policies/%s.xml <==\n", name);
	fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n", f);
	fputs("<policy target=\"CONTINUE\">\n", f);
	fprintf(f, "  <short>%s</short>\n  <description>", name);
	xml_put(f, c == RC_INPUT ? "FTP connections to this host that "
	    "ftpaudit observed." : c == RC_OUTPUT ? "FTP connections this "
	    "host starts that ftpaudit observed; a client's ftp helper "
	    "belongs here, not in a zone, which sees only what comes in." :
	    "FTP connections through this gateway that ftpaudit observed; "
	    "replace ANY with the zones of the clients and servers.");
	if (rules_options(r)->strategy == RULES_STATIC)
		xml_put(f, " Static strategy: the data ports are the observed "
		    "ones, so the server must keep a fixed passive range.");
	fputs("</description>\n", f);
	fprintf(f, "  <ingress-zone name=\"%s\"/>\n  <egress-zone name=\"%s\"/>\n",
	    c == RC_OUTPUT ? "HOST" : "ANY", c == RC_INPUT ? "HOST" : "ANY");
	for (i = 0; i < n; i++)
		if (drawn(&v[i]) && strcmp(policy_name(v[i].chain), name) == 0)
			put_rule(f, v, i,
			    rules_options(r)->strategy == RULES_HELPER);
	fputs("</policy>\n", f);
}

int
rules_firewalld(const struct rules *r, FILE *f)
{
	const struct rules_rule *v;
	size_t n;

	v = rules_list(r, &n);
	if (put_service(f, r, v, n) == -1)
		return -1;
	put_policy(f, r, v, n, RC_INPUT);
	put_policy(f, r, v, n, RC_OUTPUT);
	put_policy(f, r, v, n, RC_FORWARD);
	return ferror(f) ? -1 : 0;
}
