/* SPDX-License-Identifier: ISC */
/* render_ipt.c: the recommendation as iptables-restore or ip6tables-restore
 * input.  By default, for `iptables-restore --noflush`: ftpaudit's own
 * chains (FTPAUDIT-INPUT, ...), declared (which creates or flushes them)
 * and filled, so that loading twice gives the same ruleset; the built-in
 * chains jump to them, a jump the administrator adds once (restore input
 * cannot add a rule only when it is missing, nor remove one that may not be
 * there).  They accept what the capture proved and drop the rest of the
 * FTP surface (rules_surface_of); everything else returns.  --standalone:
 * a complete ruleset, helper assignment in the raw table (before conntrack
 * sees the first packet), the rest in filter with the side's chains at
 * policy DROP. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/rules.h"

static unsigned nat_used(const struct rules *, int);

/* Each address alone, as a,b,c: fputs, not printf, as an audit's fixes
 * name hundreds of thousands of them. */
static void
put_hosts(FILE *f, const struct rules_addrs *s)
{
	char buf[RULES_CIDRLEN];
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (i > 0)
			putc(',', f);
		fputs(rules_cidr(&s->v[i], buf), f);
	}
}

/*
 * An aggregated list as CIDR prefixes: -s takes no range, and -m iprange
 * takes one range per rule, which would multiply the rules by the ranges
 * of both lists; the prefixes of the ranges are as many rules as the
 * kernel gets from -s a,b anyway.  On ENOMEM the hosts one by one.
 */
static void
put_prefixes(FILE *f, const struct rules_addrs *s)
{
	char buf[RULES_CIDRLEN];
	struct agg_prefix *p;
	size_t i, n;

	if (aggregate_prefixes(s->agg, s->nagg, &p, &n) == -1) {
		put_hosts(f, s);
		return;
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			putc(',', f);
		fputs(rules_prefix(&p[i].addr, p[i].plen, buf), f);
	}
	free(p);
}

static void
put_addrs(FILE *f, const char *opt, const struct rules_addrs *s)
{
	if (s->any || (s->aggregated ? s->nagg : s->n) == 0)
		return;
	/* iptables-restore makes one rule per address of a list. */
	fprintf(f, " %s ", opt);
	if (s->aggregated) {
		put_prefixes(f, s);
		return;
	}
	put_hosts(f, s);
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

/* The matches of a rule, each with a leading blank. */
static void
put_matches(FILE *f, const struct rules_rule *u)
{
	switch (u->purpose) {
	case RP_ESTABLISHED:
		fputs(" -m conntrack --ctstate ESTABLISHED", f);
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
}

/* head: "-A INPUT", "-I INPUT 3"; the rest is the rule's own. */
static void
put_rule(FILE *f, const struct rules_rule *u, const char *head)
{
	fputs(head, f);
	put_matches(f, u);
	if (u->id != 0)
		fprintf(f, " -m comment --comment \"R%u %s\"", u->id,
		    rules_purpose_str(u->purpose));
	else
		fprintf(f, " -m comment --comment \"ftpaudit %s\"",
		    rules_purpose_str(u->purpose));
	fprintf(f, " -j %s\n",
	    u->purpose == RP_HELPER_ASSIGN ? "CT --helper ftp" : "ACCEPT");
}

static const char *
own_chain(enum rules_chain c)
{
	static const char *const names[] = { "FTPAUDIT-INPUT",
		"FTPAUDIT-OUTPUT", "FTPAUDIT-FORWARD", "FTPAUDIT-PREROUTING" };

	return names[c];
}

static bool
wanted(const struct rules_rule *u, int family, bool raw)
{
	return (u->family == 0 || u->family == family) &&
	    (u->purpose == RP_HELPER_ASSIGN) == raw;
}

/* The chains the rules of a table use (bit per enum rules_chain). */
static unsigned
chains_used(const struct rules *r, int family, bool raw)
{
	const struct rules_rule *v;
	unsigned m = 0;
	size_t i, n;

	v = rules_list(r, &n);
	for (i = 0; i < n; i++)
		if (wanted(&v[i], family, raw))
			m |= 1u << v[i].chain;
	return m;
}

/* Default form: the established rules are left out, since only new
 * connections are judged and the rest returns to the built-in chain. */
static void
put_rules(FILE *f, const struct rules *r, int family, bool raw)
{
	bool standalone = rules_options(r)->standalone;
	const struct rules_rule *v;
	char head[64];
	size_t i, n;

	v = rules_list(r, &n);
	for (i = 0; i < n; i++) {
		if (!wanted(&v[i], family, raw))
			continue;
		if (!standalone && v[i].purpose == RP_ESTABLISHED) {
			fprintf(f, "# R%u established: not needed here (only new "
			    "connections are judged)\n", v[i].id);
			continue;
		}
		snprintf(head, sizeof head, "-A %s", standalone ?
		    chain_name(v[i].chain) : own_chain(v[i].chain));
		put_rule(f, &v[i], head);
	}
}

/* The surface drops, once each, after every accept. */
static void
put_surfaces(FILE *f, const struct rules *r, int family)
{
	const struct rules_rule *v, *hv;
	struct rules_rule u, sf;
	char *body, **seen = NULL, **nv;
	size_t i, j, k, n, hn, len, nseen = 0;
	uint32_t hid[4] = { 0, 0, 0, 0 };	/* helper-related id per chain */
	FILE *m;

	v = rules_list(r, &n);
	for (i = 0; i < n; i++)
		if (v[i].purpose == RP_HELPER_RELATED)
			hid[v[i].chain] = v[i].id;
	hv = rules_helper_surface(r, &hn);
	for (k = 0; k < n + hn; k++) {
		/* The rules' own surfaces, then the helper's data ports
		 * (rules_helper_surface), named after its rule. */
		if (k < n)
			u = v[k];
		else {
			u = hv[k - n];
			if ((u.purpose != RP_PASSIVE && u.purpose != RP_ACTIVE) ||
			    hid[u.chain] == 0)
				continue;
			u.id = hid[u.chain];
		}
		if (!wanted(&u, family, false) || !rules_surface_of(&u, &sf))
			continue;
		body = NULL;
		if ((m = open_memstream(&body, &len)) == NULL)
			continue;
		fprintf(m, "-A %s", own_chain(sf.chain));
		put_matches(m, &sf);
		fclose(m);
		if (body == NULL)
			continue;
		for (j = 0; j < nseen && strcmp(seen[j], body) != 0; j++)
			;
		if (j < nseen) {
			free(body);
			continue;
		}
		fprintf(f, "%s -m comment --comment \"surface of R%u\" -j DROP\n",
		    body, sf.id);
		if ((nv = realloc(seen, (nseen + 1) * sizeof *nv)) == NULL) {
			free(body);
			continue;
		}
		seen = nv;
		seen[nseen++] = body;
	}
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
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
put_scope(FILE *f, const struct rules *r, int family, unsigned raw,
    unsigned filter)
{
	const char *cmd = family == FA_AF_INET6 ? "ip6tables" : "iptables";
	enum rules_chain c;

	if (rules_options(r)->standalone) {
		fprintf(f, "# Standalone: a complete ruleset that replaces the "
		    "raw and filter tables.  The side's\n"
		    "# chains have policy DROP: every packet of every protocol "
		    "that is not of an established\n"
		    "# connection, loopback, an ICMP error about an accepted "
		    "connection%s or\n"
		    "# accepted below is dropped: SSH, DNS, NTP and ping "
		    "included.\n# Load: %s-restore < FILE\n",
		    family == FA_AF_INET6 ? ", neighbour discovery" : "", cmd);
		return;
	}
	fprintf(f, "# Scope: only new connections of the FTP surface of the "
	    "servers seen (their control ports,\n"
	    "# their passive ranges, active data from them, connections the ftp "
	    "helper expects) are\n"
	    "# judged in ftpaudit's own chains: those the capture proved are "
	    "accepted, the rest of the\n"
	    "# surface is dropped (\"surface of\" rules); everything else "
	    "returns to your chains.\n"
	    "# Load: %s-restore --noflush < FILE; loading it again flushes and "
	    "refills the FTPAUDIT\n"
	    "# chains and changes nothing else.  Then, once, jump to them first "
	    "from the built-in chains\n"
	    "# (restore input cannot add a rule only when it is missing):\n",
	    cmd);
	for (c = RC_INPUT; c <= RC_PREROUTING; c++) {
		if (raw & (1u << c))
			fprintf(f, "#   %s -t raw -C %s -j %s 2>/dev/null || "
			    "%s -t raw -I %s 1 -j %s\n", cmd, chain_name(c),
			    own_chain(c), cmd, chain_name(c), own_chain(c));
		if (filter & (1u << c))
			fprintf(f, "#   %s -C %s -j %s 2>/dev/null || "
			    "%s -I %s 1 -j %s\n", cmd, chain_name(c),
			    own_chain(c), cmd, chain_name(c), own_chain(c));
	}
	if (nat_used(r, family) & 1)
		fprintf(f, "#   %s -t nat -C PREROUTING -j FTPAUDIT-PREROUTING "
		    "2>/dev/null || %s -t nat -I PREROUTING 1 -j "
		    "FTPAUDIT-PREROUTING\n", cmd, cmd);
	if (nat_used(r, family) & 2)
		fprintf(f, "#   %s -t nat -C POSTROUTING -j FTPAUDIT-POSTROUTING "
		    "2>/dev/null || %s -t nat -I POSTROUTING 1 -j "
		    "FTPAUDIT-POSTROUTING\n", cmd, cmd);
	fprintf(f, "# With firewalld: firewall-cmd --permanent --direct --add-rule "
	    "%s filter INPUT 0 -j FTPAUDIT-INPUT\n"
	    "# (and so on) does the jumps; or use the nft output (-F nft), a "
	    "table of its own.\n", family == FA_AF_INET6 ? "ipv6" : "ipv4");
	rules_scope_notes(r, f, "", "# ");
}

/* Declared own chains, each flushed explicitly too (what iptables-restore
 * --noflush does with a declared chain that exists differs by version). */
static void
put_own(FILE *f, unsigned used)
{
	enum rules_chain c;

	for (c = RC_INPUT; c <= RC_PREROUTING; c++)
		if (used & (1u << c))
			fprintf(f, ":%s - [0:0]\n", own_chain(c));
	for (c = RC_INPUT; c <= RC_PREROUTING; c++)
		if (used & (1u << c))
			fprintf(f, "-F %s\n", own_chain(c));
}

/*
 * The NAT part (rules_nat_list) in *nat, IPv4 only: DNAT of the control
 * port and of the passive ranges in PREROUTING, SNAT or MASQUERADE in
 * POSTROUTING (render_nft.c says which).  Own chains by default, as in
 * filter; the built-in ones when standalone.
 */
static void
put_nat_ports(FILE *f, uint16_t port, const struct rules_range *pasv,
    size_t npasv)
{
	struct rules_range *v = NULL;
	size_t n = 0, i;

	if (rules_ranges_add(&v, &n, port, port) == -1)
		return;
	for (i = 0; i < npasv; i++)
		if (rules_ranges_add(&v, &n, pasv[i].lo, pasv[i].hi) == -1)
			break;
	put_ports(f, "dport", v, n);
	free(v);
}

static void
put_dnat_pasv(FILE *f, const struct rules_nat *x, const char *head)
{
	char a[FA_ADDRSTRLEN], b[RULES_CIDRLEN];

	if (x->npasv == 0)
		return;
	fprintf(f, "%s -p tcp", head);
	put_addrs(f, "-s", &x->saddr);
	fprintf(f, " -d %s", rules_cidr(&x->daddr, b));
	put_ports(f, "dport", x->pasv, x->npasv);
	fprintf(f, " -m comment --comment \"N%u dnat passive-data\" -j DNAT "
	    "--to-destination %s\n", x->id, fa_addr_str(&x->to, a));
}

/* head: "-A CHAIN", or "-I CHAIN N" for one line (port 0: a dnat of the
 * passive ranges alone, an audit fix). */
static void
put_nat_one(FILE *f, const struct rules_nat *x, bool post, const char *head)
{
	char a[FA_ADDRSTRLEN], b[RULES_CIDRLEN];
	struct rules_range one;

	if (x->kind == RN_DNAT && !post && x->port != 0) {
		one.lo = one.hi = x->port;
		fprintf(f, "%s -p tcp", head);
		put_addrs(f, "-s", &x->saddr);
		fprintf(f, " -d %s", rules_cidr(&x->daddr, b));
		put_ports(f, "dport", &one, 1);
		fprintf(f, " -m comment --comment \"N%u dnat control\" -j DNAT "
		    "--to-destination %s:%u\n", x->id, fa_addr_str(&x->to, a),
		    x->to_port);
	}
	if (x->kind == RN_DNAT && !post) {
		put_dnat_pasv(f, x, head);
		return;
	}
	if (x->kind == RN_DNAT) {
		if (!x->active)
			return;
		fprintf(f, "%s -p tcp -s %s", head, rules_cidr(&x->to, b));
		put_addrs(f, "-d", &x->saddr);
		fprintf(f, " --dport 1024:65535 -m comment --comment \"N%u dnat "
		    "active-data\" -j SNAT --to-source %s\n", x->id,
		    fa_addr_str(&x->daddr, a));
		return;
	}
	if (!post)
		return;
	fprintf(f, "%s -p tcp", head);
	if (x->has_net)
		fprintf(f, " -s %s/%u", fa_addr_str(&x->net.addr, a), x->net.plen);
	else
		put_addrs(f, "-s", &x->saddr);
	fprintf(f, " -d %s", rules_cidr(&x->daddr, b));
	put_nat_ports(f, x->port, x->pasv, x->npasv);
	fprintf(f, " -m comment --comment \"N%u %s\"", x->id,
	    rules_nat_kind_str(x->kind));
	if (x->kind == RN_SNAT)
		fprintf(f, " -j SNAT --to-source %s\n", fa_addr_str(&x->to, a));
	else
		fputs(" -j MASQUERADE\n", f);
}

/* Bit 0: a PREROUTING rule, bit 1: a POSTROUTING one. */
static unsigned
nat_used(const struct rules *r, int family)
{
	const struct rules_nat *v;
	unsigned m = 0;
	size_t i, n;

	if (family != FA_AF_INET)
		return 0;
	v = rules_nat_list(r, &n);
	for (i = 0; i < n; i++) {
		if (v[i].kind == RN_DNAT)
			m |= 1u | (v[i].active ? 2u : 0);
		else
			m |= 2u;
	}
	return m;
}

static void
put_nat(FILE *f, const struct rules *r, unsigned used)
{
	static const char *const own[] = { "FTPAUDIT-PREROUTING",
		"FTPAUDIT-POSTROUTING" };
	static const char *const builtin[] = { "PREROUTING", "POSTROUTING" };
	bool standalone = rules_options(r)->standalone;
	const struct rules_nat *v;
	char head[64];
	size_t i, n;
	int post;

	if (used == 0)
		return;
	fputs("*nat\n", f);
	if (standalone)
		fputs(":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
		    ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n", f);
	else {
		for (post = 0; post < 2; post++)
			if (used & (1u << post))
				fprintf(f, ":%s - [0:0]\n", own[post]);
		for (post = 0; post < 2; post++)
			if (used & (1u << post))
				fprintf(f, "-F %s\n", own[post]);
	}
	v = rules_nat_list(r, &n);
	for (post = 0; post < 2; post++) {
		snprintf(head, sizeof head, "-A %s", standalone ? builtin[post] :
		    own[post]);
		for (i = 0; i < n; i++)
			put_nat_one(f, &v[i], post, head);
	}
	fputs("COMMIT\n", f);
}

static void
put_standalone(FILE *f, const struct rules *r, int family)
{
	bool gw = rules_options(r)->side == RULES_GATEWAY;

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
	put_nat(f, r, nat_used(r, family));
}

/*
 * iptables-restore takes no parameter of 1024 bytes or more ("Parameter
 * too long!"): an address list after -s or -d longer than this is split
 * over several lines, the rest of the line repeated, which is what the
 * kernel gets from one line anyway (a rule per address).
 */
#define IPT_PARAM_MAX	1000

/* The first address list in line[0..len) longer than IPT_PARAM_MAX: its
 * length, and its offset in *off; 0 when none. */
static size_t
long_list(const char *line, size_t len, size_t *off)
{
	size_t i, j;

	for (i = 0; i + 3 < len; i++) {
		if ((i > 0 && line[i - 1] != ' ') || line[i] != '-' ||
		    (line[i + 1] != 's' && line[i + 1] != 'd') || line[i + 2] != ' ')
			continue;
		for (j = i + 3; j < len && line[j] != ' '; j++)
			;
		if (j - (i + 3) > IPT_PARAM_MAX) {
			*off = i + 3;
			return j - *off;
		}
	}
	return 0;
}

/* One line, each long list cut at commas into parts that fit. */
static void
put_split(FILE *f, const char *line, size_t len)
{
	size_t off, n, a, b;
	char *part;

	if ((n = long_list(line, len, &off)) == 0) {
		fwrite(line, 1, len, f);
		fputc('\n', f);
		return;
	}
	for (a = off; a < off + n; a = b + 1) {
		b = a + IPT_PARAM_MAX;
		if (b >= off + n)
			b = off + n;
		else
			while (b > a && line[b] != ',')
				b--;
		if (b == a)		/* one address longer than that */
			b = off + n;
		if ((part = malloc(len)) == NULL)
			return;
		memcpy(part, line, off);
		memcpy(part + off, line + a, b - a);
		memcpy(part + off + (b - a), line + off + n, len - off - n);
		put_split(f, part, len - n + (b - a));
		free(part);
	}
}

static void
put_document(FILE *f, const struct rules *r, int family)
{
	unsigned raw = chains_used(r, family, true);
	unsigned filter = chains_used(r, family, false);

	rules_comment_header(r, f);
	put_scope(f, r, family, raw, filter);
	if (rules_options(r)->standalone) {
		put_standalone(f, r, family);
		return;
	}
	if (raw != 0) {
		fputs("*raw\n", f);
		put_own(f, raw);
		put_rules(f, r, family, true);
		fputs("COMMIT\n", f);
	}
	fputs("*filter\n", f);
	put_own(f, filter);
	put_rules(f, r, family, false);
	put_surfaces(f, r, family);
	fputs("COMMIT\n", f);
	put_nat(f, r, nat_used(r, family));
}

/* The document is built apart, then written line by line (put_split). */
int
rules_ipt(const struct rules *r, FILE *f, int family)
{
	char *doc = NULL, *p, *nl;
	size_t len = 0;
	FILE *m;

	if ((m = open_memstream(&doc, &len)) == NULL)
		return -1;
	put_document(m, r, family);
	if (fclose(m) != 0 || doc == NULL) {
		free(doc);
		return -1;
	}
	for (p = doc; p < doc + len; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(doc + len - p))) == NULL)
			nl = doc + len;
		put_split(f, p, (size_t)(nl - p));
	}
	free(doc);
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

/* DNAT fixes of the passive ranges (port 0) in *nat, IPv4 only. */
int
rules_ipt_nat_placed(const struct rules_nat *v, const struct rules_place *pl,
    size_t n, FILE *f)
{
	char head[64];
	size_t i;

	for (i = 0; i < n; i++)
		if (!ipt_name_ok(pl[i].table) || !ipt_name_ok(pl[i].chain) ||
		    strcmp(pl[i].table, "nat") != 0) {
			errno = EINVAL;
			return -1;
		}
	if (n == 0)
		return 0;
	fputs("*nat\n", f);
	for (i = 0; i < n; i++) {
		if (pl[i].index != 0)
			snprintf(head, sizeof head, "-I %s %u", pl[i].chain,
			    pl[i].index);
		else
			snprintf(head, sizeof head, "-A %s", pl[i].chain);
		put_nat_one(f, &v[i], false, head);
	}
	fputs("COMMIT\n", f);
	return ferror(f) ? -1 : 0;
}
