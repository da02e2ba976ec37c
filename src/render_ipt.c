/* render_ipt.c: the recommendation as iptables-restore or ip6tables-restore
 * input: helper assignment in the raw table (it must happen before
 * conntrack sees the first packet), the rest in filter with the side's
 * chains at policy DROP, like the nft form. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ftpaudit/rules.h"

static void
put_addrs(FILE *f, const char *opt, const struct rules_addrs *s)
{
	char buf[RULES_CIDRLEN];
	size_t i;

	if (s->any || s->n == 0)
		return;
	/* iptables-restore makes one rule per address of a list. */
	fprintf(f, " %s ", opt);
	for (i = 0; i < s->n; i++)
		fprintf(f, "%s%s", i ? "," : "", rules_cidr(&s->v[i], buf));
}

static void
put_range(FILE *f, const struct rules_range *r)
{
	if (r->lo == r->hi)
		fprintf(f, "%u", r->lo);
	else
		fprintf(f, "%u:%u", r->lo, r->hi);
}

static void
put_ports(FILE *f, const char *dir, const struct rules_range *v, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	if (n == 1) {
		fprintf(f, " --%s ", dir);
		put_range(f, &v[0]);
		return;
	}
	fprintf(f, " -m multiport --%ss ", dir);
	for (i = 0; i < n; i++) {
		fputs(i ? "," : "", f);
		put_range(f, &v[i]);
	}
}

static const char *
chain_name(enum rules_chain c)
{
	static const char *const names[] = { "INPUT", "OUTPUT", "FORWARD",
		"PREROUTING" };

	return names[c];
}

/* head: "-A INPUT", "-I INPUT 3"; the rest is the rule's own. */
static void
put_rule(FILE *f, const struct rules_rule *u, const char *head)
{
	fputs(head, f);
	switch (u->purpose) {
	case RP_ESTABLISHED:
		fputs(" -p tcp -m conntrack --ctstate ESTABLISHED", f);
		break;
	case RP_HELPER_RELATED:
		fputs(" -p tcp -m conntrack --ctstate RELATED -m helper --helper ftp", f);
		break;
	case RP_HELPER_ASSIGN:
		fputs(" -p tcp", f);
		put_ports(f, "dport", u->dport, u->ndport);
		break;
	case RP_CONTROL:
	case RP_PASSIVE:
	case RP_ACTIVE:
		fputs(" -p tcp", f);
		put_addrs(f, "-s", &u->saddr);
		put_addrs(f, "-d", &u->daddr);
		put_ports(f, "sport", u->sport, u->nsport);
		put_ports(f, "dport", u->dport, u->ndport);
		fputs(" -m conntrack --ctstate NEW", f);
		break;
	}
	if (u->id != 0)
		fprintf(f, " -m comment --comment \"R%u %s\"", u->id,
		    rules_purpose_str(u->purpose));
	else
		fprintf(f, " -m comment --comment \"ftpaudit %s\"",
		    rules_purpose_str(u->purpose));
	fprintf(f, " -j %s\n",
	    u->purpose == RP_HELPER_ASSIGN ? "CT --helper ftp" : "ACCEPT");
}

static bool
wanted(const struct rules_rule *u, int family, bool raw)
{
	return (u->family == 0 || u->family == family) &&
	    (u->purpose == RP_HELPER_ASSIGN) == raw;
}

static void
put_rules(FILE *f, const struct rules *r, int family, bool raw)
{
	const struct rules_rule *v;
	char head[64];
	size_t i, n;

	v = rules_list(r, &n);
	for (i = 0; i < n; i++)
		if (wanted(&v[i], family, raw)) {
			snprintf(head, sizeof head, "-A %s",
			    chain_name(v[i].chain));
			put_rule(f, &v[i], head);
		}
}

static void
put_nd(FILE *f, const char *chain)
{
	static const char *const types[] = { "neighbour-solicitation",
		"neighbour-advertisement", "router-solicitation",
		"router-advertisement" };
	size_t i;

	for (i = 0; i < 4; i++)
		fprintf(f, "-A %s -p ipv6-icmp -m icmp6 --icmpv6-type %s "
		    "-m comment --comment \"base icmpv6-nd\" -j ACCEPT\n", chain,
		    types[i]);
}

/* Loopback, neighbour discovery and ICMP errors for one DROP chain. */
static void
put_base(FILE *f, const char *chain, int family, bool local)
{
	if (local)
		fprintf(f, "-A %s -%c lo -m comment --comment \"base loopback\" "
		    "-j ACCEPT\n", chain, chain[0] == 'I' ? 'i' : 'o');
	if (local && family == FA_AF_INET6)
		put_nd(f, chain);
	fprintf(f, "-A %s -p %s -m conntrack --ctstate RELATED -m comment "
	    "--comment \"base icmp-errors\" -j ACCEPT\n", chain,
	    family == FA_AF_INET6 ? "ipv6-icmp" : "icmp");
}

static void
put_header(FILE *f, const struct rules *r, int family)
{
	const struct rules_opts *o = rules_options(r);
	const struct rules_uncovered *unc;
	const struct rules_hint *h;
	size_t i, n;

	fprintf(f, "# ftpaudit %s: firewall rules for the %s side, strategy %s, "
	    "peers %s, from %zu FTP sessions.\n# Load with: %s < FILE\n",
	    PACKAGE_VERSION, rules_side_str(o->side),
	    rules_strategy_str(o->strategy), rules_peers_str(o->peers),
	    rules_nsessions(r), family == FA_AF_INET6 ? "ip6tables-restore" :
	    "iptables-restore");
	unc = rules_uncovered(r, &n);
	for (i = 0; i < n; i++)
		fprintf(f, "# helper does not cover session %llu: %s\n",
		    (unsigned long long)unc[i].session, unc[i].reason);
	h = rules_hints(r, &n);
	for (i = 0; i < n; i++)
		fprintf(f, "# hint %s: %s\n", h[i].type, h[i].text);
}

int
rules_ipt(const struct rules *r, FILE *f, int family)
{
	bool gw = rules_options(r)->side == RULES_GATEWAY;

	put_header(f, r, family);
	fputs("*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n", f);
	put_rules(f, r, family, true);
	fputs("COMMIT\n*filter\n", f);
	fprintf(f, ":INPUT %s [0:0]\n:FORWARD %s [0:0]\n:OUTPUT %s [0:0]\n",
	    gw ? "ACCEPT" : "DROP", gw ? "DROP" : "ACCEPT", gw ? "ACCEPT" : "DROP");
	if (gw)
		put_base(f, "FORWARD", family, false);
	else {
		put_base(f, "INPUT", family, true);
		put_base(f, "OUTPUT", family, true);
	}
	put_rules(f, r, family, false);
	fputs("COMMIT\n", f);
	return ferror(f) ? -1 : 0;
}

/* iptables takes a chain name of up to 28 bytes, no blank or quote. */
static bool
ipt_name_ok(const char *s)
{
	size_t len;

	if (s == NULL || (len = strlen(s)) == 0 || len > 28 || s[0] == '-' ||
	    s[0] == '!')
		return false;
	return strpbrk(s, " \t\n\"'") == NULL;
}

/* Rules grouped by table, in order of first appearance; the rules of the
 * other family are left out, so that the caller writes the iptables and
 * the ip6tables input from one list. */
int
rules_ipt_placed(const struct rules_rule *v, const struct rules_place *pl,
    size_t n, int family, FILE *f)
{
	char head[64];
	size_t i, j, k;

	for (i = 0; i < n; i++)
		if (!ipt_name_ok(pl[i].table) || !ipt_name_ok(pl[i].chain)) {
			errno = EINVAL;
			return -1;
		}
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(pl[j].table, pl[i].table) == 0)
				break;
		if (j < i)
			continue;	/* table written with an earlier one */
		fprintf(f, "*%s\n", pl[i].table);
		for (k = i; k < n; k++) {
			if (strcmp(pl[k].table, pl[i].table) != 0 ||
			    (v[k].family != 0 && v[k].family != family))
				continue;
			if (pl[k].index != 0)
				snprintf(head, sizeof head, "-I %s %u", pl[k].chain,
				    pl[k].index);
			else
				snprintf(head, sizeof head, "-A %s", pl[k].chain);
			put_rule(f, &v[k], head);
		}
		fputs("COMMIT\n", f);
	}
	return ferror(f) ? -1 : 0;
}
