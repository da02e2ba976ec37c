/* render_nft.c: the recommendation as an nft script.  The default form is
 * a whole `table inet ftpaudit` for an empty ruleset, with policy drop on
 * the side's base chains; the chain form adds regular chains
 * ftpaudit_<chain> to an existing inet table for the administrator's own
 * chains to jump to, leaving their policies alone. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/rules.h"

#define HELPER_OBJ	"ftpaudit-ftp"

static void
put_addrs(FILE *f, const char *fam, const char *dir, const struct rules_addrs *s)
{
	char buf[RULES_CIDRLEN];
	size_t i;

	if (s->any || s->n == 0)
		return;
	fprintf(f, " %s %s ", fam, dir);
	if (s->n == 1) {
		fputs(rules_cidr(&s->v[0], buf), f);
		return;
	}
	fputs("{ ", f);
	for (i = 0; i < s->n; i++)
		fprintf(f, "%s%s", i ? ", " : "", rules_cidr(&s->v[i], buf));
	fputs(" }", f);
}

static void
put_range(FILE *f, const struct rules_range *r)
{
	if (r->lo == r->hi)
		fprintf(f, "%u", r->lo);
	else
		fprintf(f, "%u-%u", r->lo, r->hi);
}

static void
put_ports(FILE *f, const char *dir, const struct rules_range *v, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	fprintf(f, " tcp %s ", dir);
	if (n == 1) {
		put_range(f, &v[0]);
		return;
	}
	fputs("{ ", f);
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		put_range(f, &v[i]);
	}
	fputs(" }", f);
}

/* A port or address rule: family, addresses, ports, ct state. */
static void
put_flow(FILE *f, const struct rules_rule *u)
{
	const char *fam = u->family == FA_AF_INET6 ? "ip6" : "ip";
	bool addrs = !u->saddr.any || !u->daddr.any;

	if (!addrs)
		fprintf(f, " meta nfproto %s", u->family == FA_AF_INET6 ?
		    "ipv6" : "ipv4");
	put_addrs(f, fam, "saddr", &u->saddr);
	put_addrs(f, fam, "daddr", &u->daddr);
	if (u->nsport == 0 && u->ndport == 0)
		fputs(" meta l4proto tcp", f);
	put_ports(f, "sport", u->sport, u->nsport);
	put_ports(f, "dport", u->dport, u->ndport);
	fputs(" ct state new", f);
}

static void
put_body(FILE *f, const struct rules_rule *u)
{
	switch (u->purpose) {
	case RP_ESTABLISHED:
		fputs(" meta l4proto tcp ct state established accept", f);
		break;
	case RP_HELPER_RELATED:
		fputs(" meta l4proto tcp ct state related ct helper \"ftp\" accept", f);
		break;
	case RP_HELPER_ASSIGN:
		put_ports(f, "dport", u->dport, u->ndport);
		fputs(" ct helper set \"" HELPER_OBJ "\"", f);
		break;
	case RP_CONTROL:
	case RP_PASSIVE:
	case RP_ACTIVE:
		put_flow(f, u);
		fputs(" accept", f);
		break;
	}
}

/* The body is built apart: its parts each start with a blank. */
static void
put_rule(FILE *f, const struct rules_rule *u, const char *prefix)
{
	char *body = NULL;
	size_t len = 0;
	FILE *m;

	if ((m = open_memstream(&body, &len)) == NULL) {
		fputs(prefix, f);
		put_body(f, u);
	} else {
		put_body(m, u);
		fclose(m);
		fprintf(f, "%s%s%s", prefix, prefix[0] == '\t' ? "" : " ",
		    body ? body + 1 : "");
		free(body);
	}
	if (u->id != 0)
		fprintf(f, " comment \"R%u %s\"\n", u->id,
		    rules_purpose_str(u->purpose));
	else
		fprintf(f, " comment \"ftpaudit %s\"\n",
		    rules_purpose_str(u->purpose));
}

/* What every policy-drop chain needs before the recommendation. */
static void
put_base(FILE *f, enum rules_chain c)
{
	static const char nd[] = "icmpv6 type { nd-neighbor-solicit, "
	    "nd-neighbor-advert, nd-router-solicit, nd-router-advert }";

	if (c == RC_INPUT || c == RC_OUTPUT) {
		fprintf(f, "\t\t%s \"lo\" accept comment \"base loopback\"\n",
		    c == RC_INPUT ? "iif" : "oif");
		fprintf(f, "\t\t%s accept comment \"base icmpv6-nd\"\n", nd);
	}
	fputs("\t\tmeta l4proto { icmp, ipv6-icmp } ct state related accept "
	    "comment \"base icmp-errors\"\n", f);
}

/* The rules of one chain, helper assignments first: they do not accept. */
static void
put_chain_rules(FILE *f, const struct rules *r, enum rules_chain c,
    const char *prefix)
{
	const struct rules_rule *v;
	size_t i, n;
	int pass;

	v = rules_list(r, &n);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++)
			if (v[i].chain == c &&
			    (v[i].purpose == RP_HELPER_ASSIGN) == (pass == 0))
				put_rule(f, &v[i], prefix);
}

static bool
has_chain(const struct rules *r, enum rules_chain c)
{
	const struct rules_rule *v;
	size_t i, n;

	v = rules_list(r, &n);
	for (i = 0; i < n; i++)
		if (v[i].chain == c)
			return true;
	return false;
}

static bool
has_helper(const struct rules *r)
{
	const struct rules_rule *v;
	size_t i, n;

	v = rules_list(r, &n);
	for (i = 0; i < n; i++)
		if (v[i].purpose == RP_HELPER_ASSIGN)
			return true;
	return false;
}

static void
put_header(FILE *f, const struct rules *r)
{
	const struct rules_opts *o = rules_options(r);
	const struct rules_uncovered *unc;
	const struct rules_hint *h;
	size_t i, n;

	fprintf(f, "# ftpaudit %s: firewall rules for the %s side, strategy %s, "
	    "peers %s, from %zu FTP sessions.\n", PACKAGE_VERSION,
	    rules_side_str(o->side), rules_strategy_str(o->strategy),
	    rules_peers_str(o->peers), rules_nsessions(r));
	unc = rules_uncovered(r, &n);
	for (i = 0; i < n; i++)
		fprintf(f, "# helper does not cover session %llu: %s\n",
		    (unsigned long long)unc[i].session, unc[i].reason);
	h = rules_hints(r, &n);
	for (i = 0; i < n; i++)
		fprintf(f, "# hint %s: %s\n", h[i].type, h[i].text);
}

static const struct {
	enum rules_chain chain;
	const char	*hook;
} hooks[] = {
	{ RC_PREROUTING, "prerouting" },
	{ RC_INPUT, "input" },
	{ RC_FORWARD, "forward" },
	{ RC_OUTPUT, "output" },
};

/* The side's filtering chains get policy drop; prerouting only assigns
 * helpers and keeps accept. */
static void
put_table(FILE *f, const struct rules *r)
{
	enum rules_chain c;
	size_t i;
	bool drop;

	fputs("#!/usr/sbin/nft -f\n", f);
	put_header(f, r);
	fputs("# Load into an empty ruleset: nft -f FILE\n"
	    "table inet ftpaudit {\n", f);
	if (has_helper(r))
		fputs("\tct helper " HELPER_OBJ " {\n"
		    "\t\ttype \"ftp\" protocol tcp\n\t}\n", f);
	for (i = 0; i < sizeof hooks / sizeof hooks[0]; i++) {
		c = hooks[i].chain;
		if (!has_chain(r, c))
			continue;
		drop = c != RC_PREROUTING;
		fprintf(f, "\tchain %s {\n\t\ttype filter hook %s priority filter; "
		    "policy %s;\n", hooks[i].hook, hooks[i].hook,
		    drop ? "drop" : "accept");
		if (drop)
			put_base(f, c);
		put_chain_rules(f, r, c, "\t\t");
		fputs("\t}\n", f);
	}
	fputs("}\n", f);
}

static void
put_chains(FILE *f, const struct rules *r, const char *table)
{
	char prefix[256];
	size_t i;

	put_header(f, r);
	fprintf(f, "# Regular chains for the existing table %s; jump to each "
	    "from your base chain of the same hook, e.g.\n"
	    "#   nft add rule %s input jump ftpaudit_input\n"
	    "add table %s\n", table, table, table);
	if (has_helper(r))
		fprintf(f, "add ct helper %s " HELPER_OBJ
		    " { type \"ftp\" protocol tcp; }\n", table);
	for (i = 0; i < sizeof hooks / sizeof hooks[0]; i++) {
		if (!has_chain(r, hooks[i].chain))
			continue;
		fprintf(f, "add chain %s ftpaudit_%s\n", table, hooks[i].hook);
		snprintf(prefix, sizeof prefix, "add rule %s ftpaudit_%s", table,
		    hooks[i].hook);
		put_chain_rules(f, r, hooks[i].chain, prefix);
	}
}

int
rules_nft(const struct rules *r, FILE *f, const char *chain_table)
{
	if (chain_table != NULL)
		put_chains(f, r, chain_table);
	else
		put_table(f, r);
	return ferror(f) ? -1 : 0;
}

/* What nft 1.0 takes unquoted as a table or chain name (it takes no
 * quoted one): a letter, '_' or '.', then letters, digits and "/-_.". */
static bool
nft_ident(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 255 || (!isalpha((unsigned char)s[0]) && s[0] != '_' &&
	    s[0] != '.'))
		return false;
	for (i = 1; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("/-_.", s[i]) == NULL)
			return false;
	return true;
}

bool
rules_nft_name_ok(const char *s)
{
	return s != NULL && nft_ident(s, strlen(s));
}

int
rules_nft_table_parse(const char *s, char *family, size_t famlen,
    const char **name)
{
	static const char *const fams[] = { "inet", "ip", "ip6", "arp",
		"bridge", "netdev" };
	const char *sp = strchr(s, ' ');
	size_t i, n;

	if (sp == NULL) {		/* a name alone: nft takes it as ip */
		snprintf(family, famlen, "ip");
		*name = s;
		return rules_nft_name_ok(s) ? 0 : -2;
	}
	n = (size_t)(sp - s);
	for (i = 0; i < sizeof fams / sizeof fams[0]; i++)
		if (strlen(fams[i]) == n && strncmp(s, fams[i], n) == 0)
			break;
	if (i == sizeof fams / sizeof fams[0] || n + 1 > famlen)
		return -1;
	memcpy(family, s, n);
	family[n] = '\0';
	*name = sp + 1;
	return rules_nft_name_ok(sp + 1) ? 0 : -2;
}

int
rules_nft_placed(const struct rules_rule *v, const struct rules_place *pl,
    size_t n, FILE *f)
{
	char fam[16], prefix[640];
	const char *name;
	size_t i;

	for (i = 0; i < n; i++) {
		if (pl[i].table == NULL || pl[i].chain == NULL ||
		    rules_nft_table_parse(pl[i].table, fam, sizeof fam,
		    &name) != 0 || !rules_nft_name_ok(pl[i].chain)) {
			errno = EINVAL;
			return -1;
		}
		if (pl[i].handle != 0)
			snprintf(prefix, sizeof prefix, "insert rule %s %s %s "
			    "position %llu", fam, name, pl[i].chain,
			    (unsigned long long)pl[i].handle);
		else
			snprintf(prefix, sizeof prefix, "add rule %s %s %s", fam,
			    name, pl[i].chain);
		put_rule(f, &v[i], prefix);
	}
	return ferror(f) ? -1 : 0;
}
