/* SPDX-License-Identifier: ISC */
/* render_nft.c: the recommendation as an nft script.
 *
 * The default form is `table inet ftpaudit`, declared, deleted and defined
 * again in one transaction (loading twice gives the same ruleset), whose
 * base chains keep policy accept: they accept what the capture proved and
 * drop the other new connections of the FTP surface of the servers seen
 * (surface_of), and let everything else through untouched.  --standalone
 * gives a complete firewall instead, with policy drop.  The chain form
 * (--nft-chain) puts the same rules, surface included, into regular
 * chains ftpaudit_<hook> of an existing table for the administrator's own
 * base chains to jump to. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/rules.h"

#define HELPER_OBJ	"ftpaudit-ftp"

/*
 * The named sets of a script: each aggregated address list of more than
 * one element, once per distinct list (rules matching the same addresses
 * share a set), named after the first rule using it.
 */
struct nft_set {
	char		 name[32];	/* R3_peers */
	const struct rules_addrs *a;	/* the first list, borrowed */
};
struct nft_sets {
	struct nft_set	*v;		/* owned */
	size_t		 n;
	/* Owned index of v by the lists' hash: 0 empty, else i + 1; a busy
	 * capture has a rule per server, each looked up per rule. */
	uint32_t	*slot;
	size_t		 nslot;		/* power of two, at least 2n */
	const char	*prefix;	/* before each name: "" or "ftpaudit_" */
};

static bool
same_ranges(const struct rules_addrs *x, const struct rules_addrs *y)
{
	return x->nagg == y->nagg && x->nagg > 0 && memcmp(x->agg, y->agg,
	    x->nagg * sizeof *x->agg) == 0;
}

/* FNV-1a over the ranges: lists are built by rules, not the wire. */
static uint32_t
ranges_hash(const struct rules_addrs *a)
{
	const uint8_t *p = (const uint8_t *)a->agg;
	size_t i, len = a->nagg * sizeof *a->agg;
	uint32_t h = 2166136261u;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static bool
wants_set(const struct rules_addrs *a)
{
	return a->aggregated && !a->any && a->nagg >= 2;
}

/* The slot of a's set, or the empty one where it belongs. */
static uint32_t *
set_slot(const struct nft_sets *ns, const struct rules_addrs *a)
{
	size_t i = ranges_hash(a) & (ns->nslot - 1);

	while (ns->slot[i] != 0 && !same_ranges(ns->v[ns->slot[i] - 1].a, a))
		i = (i + 1) & (ns->nslot - 1);
	return &ns->slot[i];
}

static const struct nft_set *
set_find(const struct nft_sets *ns, const struct rules_addrs *a)
{
	uint32_t i;

	if (ns == NULL || ns->nslot == 0 || !wants_set(a))
		return NULL;
	i = *set_slot(ns, a);
	return i != 0 ? &ns->v[i - 1] : NULL;
}

/* Keep the index at most half full. */
static int
sets_rehash(struct nft_sets *ns)
{
	size_t i, n = ns->nslot ? ns->nslot * 2 : 64;
	uint32_t *old = ns->slot;

	if ((ns->slot = calloc(n, sizeof *ns->slot)) == NULL) {
		ns->slot = old;
		return -1;
	}
	free(old);
	ns->nslot = n;
	for (i = 0; i < ns->n; i++)
		*set_slot(ns, ns->v[i].a) = (uint32_t)i + 1;
	return 0;
}

/* One element: a host (bare in a list, as /32 or /128 alone, as without
 * aggregation), a prefix, or a range lo-hi. */
static void
put_elem(FILE *f, const struct agg_range *r, bool alone)
{
	char a[FA_ADDRSTRLEN], b[FA_ADDRSTRLEN];
	int plen = aggregate_range_plen(r);

	if (plen == (r->lo.family == FA_AF_INET6 ? 128 : 32) && !alone)
		fputs(fa_addr_str(&r->lo, a), f);
	else if (plen >= 0)
		fprintf(f, "%s/%d", fa_addr_str(&r->lo, a), plen);
	else
		fprintf(f, "%s-%s", fa_addr_str(&r->lo, a),
		    fa_addr_str(&r->hi, b));
}

static void
put_addrs(FILE *f, const char *fam, const char *dir, const struct rules_addrs *s,
    const struct nft_sets *ns)
{
	const struct nft_set *set;
	char buf[RULES_CIDRLEN];
	size_t i;

	if (s->any || (s->aggregated ? s->nagg : s->n) == 0)
		return;
	fprintf(f, " %s %s ", fam, dir);
	if ((set = set_find(ns, s)) != NULL) {
		fprintf(f, "@%s%s", ns->prefix, set->name);
		return;
	}
	if (s->aggregated) {
		fputs(s->nagg > 1 ? "{ " : "", f);
		for (i = 0; i < s->nagg; i++) {
			fputs(i ? ", " : "", f);
			put_elem(f, &s->agg[i], s->nagg == 1);
		}
		fputs(s->nagg > 1 ? " }" : "", f);
		return;
	}
	if (s->n == 1) {
		fputs(rules_cidr(&s->v[0], buf), f);
		return;
	}
	fputs("{ ", f);
	for (i = 0; i < s->n; i++) {
		if (i > 0)
			fputs(", ", f);
		fputs(rules_cidr(&s->v[i], buf), f);
	}
	fputs(" }", f);
}

/* The FTP client's addresses: saddr of what clients open, daddr of
 * active data. */
static bool
is_peers(const struct rules_rule *u, const struct rules_addrs *a)
{
	return (u->purpose == RP_ACTIVE) == (a == &u->daddr);
}

/* Register a's set, unless it has one or needs none; -1 on ENOMEM. */
static int
set_add(struct nft_sets *ns, const struct rules_rule *u,
    const struct rules_addrs *a)
{
	struct nft_set *nv;

	if (!wants_set(a) || set_find(ns, a) != NULL)
		return 0;
	if ((ns->n + 1) * 2 > ns->nslot && sets_rehash(ns) == -1)
		return -1;
	if ((nv = reallocarray(ns->v, ns->n + 1, sizeof *nv)) == NULL)
		return -1;
	ns->v = nv;
	snprintf(nv[ns->n].name, sizeof nv[ns->n].name, "R%u_%s", u->id,
	    is_peers(u, a) ? "peers" : "servers");
	nv[ns->n].a = a;
	ns->n++;
	*set_slot(ns, a) = (uint32_t)ns->n;
	return 0;
}

static bool fits(const struct rules_rule *, int);

/* The sets of the rules a table of table_family holds; on ENOMEM the
 * lists are written inline, which nft takes as well. */
static void
sets_collect(struct nft_sets *ns, const struct rules *r, int table_family,
    const char *prefix)
{
	const struct rules_rule *v;
	size_t i, n;

	memset(ns, 0, sizeof *ns);
	ns->prefix = prefix;
	v = rules_list(r, &n);
	for (i = 0; i < n; i++)
		if (fits(&v[i], table_family) && (set_add(ns, &v[i],
		    &v[i].saddr) == -1 || set_add(ns, &v[i], &v[i].daddr) == -1))
			return;
}

/* The elements of list a, a few per line after indent. */
static void
put_elements(FILE *f, const struct rules_addrs *a, const char *indent)
{
	char *e = NULL;
	size_t i, len = 0, col = 0;
	FILE *m;

	for (i = 0; i < a->nagg; i++) {
		if ((m = open_memstream(&e, &len)) == NULL)
			return;
		put_elem(m, &a->agg[i], false);
		fclose(m);
		if (e == NULL)
			return;
		if (col > 0 && col + len + 2 > 64) {
			fprintf(f, ",\n%s", indent);
			col = 0;
		} else if (col > 0) {
			fputs(", ", f);
			col += 2;
		} else
			fputs(indent, f);
		fputs(e, f);
		col += len;
		free(e);
		e = NULL;
	}
	if (a->nagg > 0)
		fputc('\n', f);
}

static const char *
set_type(const struct rules_addrs *a)
{
	return a->agg[0].lo.family == FA_AF_INET6 ? "ipv6_addr" : "ipv4_addr";
}

/* The table form: each set declared in the table's body. */
static void
put_sets_table(FILE *f, const struct nft_sets *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++) {
		fprintf(f, "\tset %s {\n\t\ttype %s; flags interval\n"
		    "\t\telements = {\n", ns->v[i].name, set_type(ns->v[i].a));
		put_elements(f, ns->v[i].a, "\t\t\t");
		fputs("\t\t}\n\t}\n", f);
	}
}

/* The chain form: added (a no-op when there), flushed and filled, so
 * that loading twice gives the same sets. */
static void
put_sets_cmds(FILE *f, const struct nft_sets *ns, const char *fam,
    const char *table)
{
	size_t i;

	for (i = 0; i < ns->n; i++) {
		fprintf(f, "add set %s %s %s%s { type %s; flags interval; }\n"
		    "flush set %s %s %s%s\nadd element %s %s %s%s {\n", fam,
		    table, ns->prefix, ns->v[i].name, set_type(ns->v[i].a), fam,
		    table, ns->prefix, ns->v[i].name, fam, table, ns->prefix,
		    ns->v[i].name);
		put_elements(f, ns->v[i].a, "\t");
		fputs("}\n", f);
	}
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
put_flow(FILE *f, const struct rules_rule *u, const struct nft_sets *ns)
{
	const char *fam = u->family == FA_AF_INET6 ? "ip6" : "ip";
	bool addrs = !u->saddr.any || !u->daddr.any;

	if (!addrs)
		fprintf(f, " meta nfproto %s", u->family == FA_AF_INET6 ?
		    "ipv6" : "ipv4");
	put_addrs(f, fam, "saddr", &u->saddr, ns);
	put_addrs(f, fam, "daddr", &u->daddr, ns);
	if (u->nsport == 0 && u->ndport == 0)
		fputs(" meta l4proto tcp", f);
	put_ports(f, "sport", u->sport, u->nsport);
	put_ports(f, "dport", u->dport, u->ndport);
	fputs(" ct state new", f);
}

static void
put_body(FILE *f, const struct rules_rule *u, const struct nft_sets *ns)
{
	switch (u->purpose) {
	case RP_ESTABLISHED:
		/* Every protocol: a standalone firewall drops the rest. */
		fputs(" ct state established accept", f);
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
		put_flow(f, u, ns);
		fputs(" accept", f);
		break;
	}
}

/* The body is built apart: its parts each start with a blank. */
static void
put_rule(FILE *f, const struct rules_rule *u, const char *prefix,
    const struct nft_sets *ns)
{
	char *body = NULL;
	size_t len = 0;
	FILE *m;

	if ((m = open_memstream(&body, &len)) == NULL) {
		fputs(prefix, f);
		put_body(f, u, ns);
	} else {
		put_body(m, u, ns);
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

static void
put_surface_body(FILE *f, const struct rules_rule *u, const struct nft_sets *ns)
{
	if (u->purpose == RP_HELPER_RELATED)
		fputs(" meta l4proto tcp ct state related ct helper \"ftp\"", f);
	else
		put_flow(f, u, ns);
	fputs(" drop", f);
}

/* One drop per distinct surface part; *seen (owned by the caller, each
 * text owned) remembers the bodies written. */
static void
put_surface(FILE *f, const struct rules_rule *u, const char *prefix,
    const struct nft_sets *ns, char ***seen, size_t *nseen)
{
	struct rules_rule sf;
	char *body = NULL, **nv;
	size_t len = 0, i;
	FILE *m;

	if (!rules_surface_of(u, &sf) || (m = open_memstream(&body, &len)) == NULL)
		return;
	put_surface_body(m, &sf, ns);
	fclose(m);
	if (body == NULL)
		return;
	for (i = 0; i < *nseen; i++)
		if (strcmp((*seen)[i], body) == 0) {
			free(body);
			return;
		}
	fprintf(f, "%s%s%s comment \"surface of R%u\"\n", prefix,
	    prefix[0] == '\t' ? "" : " ", body + 1, u->id);
	if ((nv = realloc(*seen, (*nseen + 1) * sizeof *nv)) == NULL) {
		free(body);
		return;
	}
	*seen = nv;
	nv[(*nseen)++] = body;
}

/* A rule the family of the table can hold: ip and ip6 tables take only
 * their own family, inet (and no table: family 0) every rule. */
static bool
fits(const struct rules_rule *u, int table_family)
{
	return table_family == 0 || u->family == 0 || u->family == table_family;
}

/* The ports the helper's data uses, named after the chain's helper-related
 * rule (rules_helper_surface). */
static void
put_helper_surface(FILE *f, const struct rules *r, enum rules_chain c,
    const char *prefix, int table_family, const struct nft_sets *ns,
    char ***seen, size_t *nseen)
{
	const struct rules_rule *v, *sv;
	struct rules_rule u;
	size_t i, n, sn;
	uint32_t id = 0;

	v = rules_list(r, &n);
	for (i = 0; i < n; i++)
		if (v[i].chain == c && v[i].purpose == RP_HELPER_RELATED)
			id = v[i].id;
	if (id == 0)
		return;
	sv = rules_helper_surface(r, &sn);
	for (i = 0; i < sn; i++) {
		if (sv[i].chain != c || !fits(&sv[i], table_family) ||
		    (sv[i].purpose != RP_PASSIVE && sv[i].purpose != RP_ACTIVE))
			continue;
		u = sv[i];
		u.id = id;
		put_surface(f, &u, prefix, ns, seen, nseen);
	}
}

/*
 * The NAT part (rules_nat_list), IPv4: a port forward is a dnat of the
 * control port and one of the passive ranges (ports kept) in prerouting,
 * and with active data seen an snat of the server's active data to the
 * public address; source NAT is an snat or masquerade, in postrouting,
 * of the clients toward the server's control port and passive ranges.
 */
static void
put_nat_ports(FILE *f, uint16_t port, const struct rules_range *pasv,
    size_t npasv)
{
	struct rules_range *v = NULL;
	size_t n = 0, i;

	if (rules_ranges_add(&v, &n, port, port) == -1) {
		put_ports(f, "dport", pasv, npasv);
		return;
	}
	for (i = 0; i < npasv; i++)
		if (rules_ranges_add(&v, &n, pasv[i].lo, pasv[i].hi) == -1)
			break;
	put_ports(f, "dport", v, n);
	free(v);
}

/* One translation's rules of one hook, each part with a leading blank. */
static void
put_nat_body(FILE *f, const struct rules_nat *x, bool post, bool is_nft_ip,
    int part, const struct nft_sets *ns)
{
	char a[FA_ADDRSTRLEN], b[RULES_CIDRLEN];
	struct rules_range one;
	const char *to = is_nft_ip ? "to" : "ip to";

	if (x->kind == RN_DNAT && !post) {
		put_addrs(f, "ip", "saddr", &x->saddr, ns);
		fprintf(f, " ip daddr %s", rules_cidr(&x->daddr, b));
		one.lo = one.hi = x->port;
		if (part == 0)
			put_ports(f, "dport", &one, 1);
		else
			put_ports(f, "dport", x->pasv, x->npasv);
		if (part == 0)
			fprintf(f, " dnat %s %s:%u comment \"N%u dnat control\"", to,
			    fa_addr_str(&x->to, a), x->to_port, x->id);
		else
			fprintf(f, " dnat %s %s comment \"N%u dnat passive-data\"",
			    to, fa_addr_str(&x->to, a), x->id);
		return;
	}
	if (x->kind == RN_DNAT) {
		fprintf(f, " ip saddr %s", fa_addr_str(&x->to, a));
		put_addrs(f, "ip", "daddr", &x->saddr, ns);
		fprintf(f, " tcp dport 1024-65535 snat %s %s comment "
		    "\"N%u dnat active-data\"", to, fa_addr_str(&x->daddr, a),
		    x->id);
		return;
	}
	if (x->has_net)
		fprintf(f, " ip saddr %s/%u", fa_addr_str(&x->net.addr, a),
		    x->net.plen);
	else
		put_addrs(f, "ip", "saddr", &x->saddr, ns);
	fprintf(f, " ip daddr %s", rules_cidr(&x->daddr, b));
	put_nat_ports(f, x->port, x->pasv, x->npasv);
	if (x->kind == RN_SNAT)
		fprintf(f, " snat %s %s", to, fa_addr_str(&x->to, a));
	else
		fputs(" masquerade", f);
	fprintf(f, " comment \"N%u %s\"", x->id, rules_nat_kind_str(x->kind));
}

/* The rules of translation x in the hook (pre- or postrouting). */
static void
put_nat_rule(FILE *f, const char *prefix, const struct rules_nat *x,
    bool post, bool is_nft_ip, const struct nft_sets *ns)
{
	char *body;
	size_t len;
	int part, nparts;
	FILE *m;

	if (x->kind == RN_DNAT)
		nparts = post ? x->active : 1 + (x->npasv > 0);
	else
		nparts = post;
	/* Port 0: the passive ranges alone (an audit fix). */
	for (part = x->kind == RN_DNAT && !post && x->port == 0; part < nparts;
	    part++) {
		body = NULL;
		if ((m = open_memstream(&body, &len)) == NULL)
			return;
		put_nat_body(m, x, post, is_nft_ip, part, ns);
		fclose(m);
		if (body != NULL)
			fprintf(f, "%s%s%s\n", prefix, prefix[0] == '\t' ? "" :
			    " ", body + 1);
		free(body);
	}
}

static bool
has_nat(const struct rules *r, bool post)
{
	const struct rules_nat *v;
	size_t i, n;

	v = rules_nat_list(r, &n);
	for (i = 0; i < n; i++)
		if (post ? v[i].kind != RN_DNAT || v[i].active :
		    v[i].kind == RN_DNAT)
			return true;
	return false;
}

static void
put_nat_rules(FILE *f, const struct rules *r, bool post, const char *prefix,
    bool is_nft_ip, const struct nft_sets *ns)
{
	const struct rules_nat *v;
	size_t i, n;

	v = rules_nat_list(r, &n);
	for (i = 0; i < n; i++)
		put_nat_rule(f, prefix, &v[i], post, is_nft_ip, ns);
}

/* The NAT chains of the table form. */
static void
put_nat_chains(FILE *f, const struct rules *r, const struct nft_sets *ns)
{
	int post;

	for (post = 0; post < 2; post++) {
		if (!has_nat(r, post))
			continue;
		fprintf(f, "\tchain nat_%s {\n\t\ttype nat hook %s priority %s; "
		    "policy accept;\n", post ? "postrouting" : "prerouting",
		    post ? "postrouting" : "prerouting", post ? "srcnat" : "dstnat");
		put_nat_rules(f, r, post, "\t\t", false, ns);
		fputs("\t}\n", f);
	}
}

/* What a policy-drop chain needs besides the recommendation. */
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

/* The rules of one chain: helper assignments first (they accept nothing),
 * then the accepts, then, unless standalone, the drops of the surface. */
static void
put_chain_rules(FILE *f, const struct rules *r, enum rules_chain c,
    const char *prefix, int table_family, const struct nft_sets *ns)
{
	const struct rules_rule *v;
	char **seen = NULL;
	size_t i, n, nseen = 0;
	int pass;

	v = rules_list(r, &n);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++)
			if (v[i].chain == c && fits(&v[i], table_family) &&
			    (v[i].purpose == RP_HELPER_ASSIGN) == (pass == 0))
				put_rule(f, &v[i], prefix, ns);
	if (rules_options(r)->standalone)
		return;
	for (i = 0; i < n; i++)
		if (v[i].chain == c && fits(&v[i], table_family))
			put_surface(f, &v[i], prefix, ns, &seen, &nseen);
	put_helper_surface(f, r, c, prefix, table_family, ns, &seen, &nseen);
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
}

static bool
has_chain(const struct rules *r, enum rules_chain c, int table_family)
{
	const struct rules_rule *v;
	size_t i, n;

	v = rules_list(r, &n);
	for (i = 0; i < n; i++)
		if (v[i].chain == c && fits(&v[i], table_family))
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

/* Where the rules act, and how they go with a firewall already there. */
static void
put_scope(FILE *f, const struct rules *r)
{
	const struct rules_opts *o = rules_options(r);

	if (o->standalone) {
		fputs("# Standalone: a complete firewall for an otherwise empty "
		    "ruleset.  Its filtering chains have\n"
		    "# policy drop: every packet of every protocol that is not "
		    "of an established connection,\n"
		    "# loopback, ICMP errors about accepted connections, ICMPv6 "
		    "neighbour discovery (input and\n"
		    "# output) or accepted below is dropped: SSH, DNS, NTP and "
		    "ping included.\n"
		    "# Load: nft flush ruleset; nft -f FILE (loading it again "
		    "replaces the table ftpaudit).\n", f);
		return;
	}
	fputs("# Scope: only new connections of the FTP surface of the servers "
	    "seen (their control ports,\n"
	    "# their passive ranges, active data from them, connections the ftp "
	    "helper expects) are\n"
	    "# judged: those the capture proved are accepted, the rest of the "
	    "surface is dropped (the\n"
	    "# \"surface of\" rules).  Everything else passes this table "
	    "untouched (policy accept).\n"
	    "# Load: nft -f FILE; loading it again replaces the table ftpaudit "
	    "and nothing else.\n"
	    "# With a ruleset already there (nft, iptables-nft, firewalld): "
	    "nftables runs the base chains\n"
	    "# of every table and a drop in any of them is final, so this table "
	    "only adds drops; your\n"
	    "# own rules must still accept the FTP traffic (firewalld: "
	    "firewall-cmd --permanent\n"
	    "# --add-service=ftp and --add-port=LOW-HIGH/tcp for the passive "
	    "range, then load this file\n"
	    "# after firewalld, e.g. from a unit with After=firewalld.service).  "
	    "To put the rules into\n"
	    "# your own table instead: ftpaudit rules --nft-chain='inet filter' "
	    "(chains to jump to).\n", f);
	rules_scope_notes(r, f, "", "# ");
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

/* Standalone: the side's filtering chains get policy drop; prerouting only
 * assigns helpers and keeps accept.  Declared, deleted and defined again:
 * one transaction that replaces the table whether it was there or not. */
static void
put_table(FILE *f, const struct rules *r)
{
	bool standalone = rules_options(r)->standalone;
	struct nft_sets ns;
	enum rules_chain c;
	size_t i;
	bool drop;

	sets_collect(&ns, r, 0, "");
	fputs("#!/usr/sbin/nft -f\n", f);
	rules_comment_header(r, f);
	put_scope(f, r);
	fputs("table inet ftpaudit {}\ndelete table inet ftpaudit\n"
	    "table inet ftpaudit {\n", f);
	if (has_helper(r))
		fputs("\tct helper " HELPER_OBJ " {\n"
		    "\t\ttype \"ftp\" protocol tcp\n\t}\n", f);
	put_sets_table(f, &ns);
	put_nat_chains(f, r, &ns);
	for (i = 0; i < sizeof hooks / sizeof hooks[0]; i++) {
		c = hooks[i].chain;
		if (!has_chain(r, c, 0))
			continue;
		drop = standalone && c != RC_PREROUTING;
		fprintf(f, "\tchain %s {\n\t\ttype filter hook %s priority filter; "
		    "policy %s;\n", hooks[i].hook, hooks[i].hook,
		    drop ? "drop" : "accept");
		if (drop)
			put_base(f, c);
		put_chain_rules(f, r, c, "\t\t", 0, &ns);
		fputs("\t}\n", f);
	}
	fputs("}\n", f);
	free(ns.v);
	free(ns.slot);
}

/* The NAT part as regular chains ftpaudit_nat_<hook>, for the
 * administrator's type nat base chains to jump to; none in an ip6 table. */
static void
put_nat_regular(FILE *f, const struct rules *r, const char *fam,
    const char *name, int tf, const struct nft_sets *ns)
{
	char prefix[600];
	int post;

	if (tf == FA_AF_INET6)
		return;
	for (post = 0; post < 2; post++) {
		if (!has_nat(r, post))
			continue;
		fprintf(f, "# Jump from your type nat hook %s chain: nft add rule "
		    "%s %s CHAIN jump ftpaudit_nat_%s\n",
		    post ? "postrouting" : "prerouting", fam, name,
		    post ? "postrouting" : "prerouting");
		fprintf(f, "add chain %s %s ftpaudit_nat_%s\n"
		    "flush chain %s %s ftpaudit_nat_%s\n", fam, name,
		    post ? "postrouting" : "prerouting", fam, name,
		    post ? "postrouting" : "prerouting");
		snprintf(prefix, sizeof prefix, "add rule %s %s ftpaudit_nat_%s",
		    fam, name, post ? "postrouting" : "prerouting");
		put_nat_rules(f, r, post, prefix, tf == FA_AF_INET, ns);
	}
}

/* The chain form: add is a no-op for what exists, and each chain is
 * flushed before it is filled, so loading twice changes nothing. */
static void
put_chains(FILE *f, const struct rules *r, const char *table)
{
	char fam[16], prefix[600];
	struct nft_sets ns;
	const char *name;
	int tf;
	size_t i;

	if (rules_nft_table_parse(table, fam, sizeof fam, &name) != 0)
		return;		/* checked by the caller */
	tf = strcmp(fam, "ip") == 0 ? FA_AF_INET : strcmp(fam, "ip6") == 0 ?
	    FA_AF_INET6 : 0;
	sets_collect(&ns, r, tf, "ftpaudit_");
	rules_comment_header(r, f);
	fprintf(f, "# Regular chains for the existing table %s %s; jump to each "
	    "from your base chain of the\n"
	    "# same hook, early (before your own accepts of FTP traffic), e.g.\n"
	    "#   nft insert rule %s %s input jump ftpaudit_input\n"
	    "# They accept what the capture proved and drop the rest of the FTP "
	    "surface (\"surface of\"\n"
	    "# rules); everything else returns to your chain.  Loading this file "
	    "again refills them.\n",
	    fam, name, fam, name);
	if (tf != 0)
		fprintf(f, "# Table family %s: only the %s rules are here.\n", fam,
		    tf == FA_AF_INET ? "IPv4" : "IPv6");
	rules_scope_notes(r, f, "", "# ");
	fprintf(f, "add table %s %s\n", fam, name);
	if (has_helper(r))
		fprintf(f, "add ct helper %s %s " HELPER_OBJ
		    " { type \"ftp\" protocol tcp; }\n", fam, name);
	put_sets_cmds(f, &ns, fam, name);
	for (i = 0; i < sizeof hooks / sizeof hooks[0]; i++) {
		if (!has_chain(r, hooks[i].chain, tf))
			continue;
		fprintf(f, "add chain %s %s ftpaudit_%s\n"
		    "flush chain %s %s ftpaudit_%s\n", fam, name, hooks[i].hook,
		    fam, name, hooks[i].hook);
		snprintf(prefix, sizeof prefix, "add rule %s %s ftpaudit_%s", fam,
		    name, hooks[i].hook);
		put_chain_rules(f, r, hooks[i].chain, prefix, tf, &ns);
	}
	put_nat_regular(f, r, fam, name, tf, &ns);
	free(ns.v);
	free(ns.slot);
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

/* "insert rule FAMILY TABLE CHAIN position H" or "add rule ..." into
 * prefix; 0, or -1 (errno EINVAL) on a name nft would not take. */
static int
place_prefix(const struct rules_place *pl, char *fam, size_t famlen,
    char *prefix, size_t len)
{
	const char *name;

	if (pl->table == NULL || pl->chain == NULL ||
	    rules_nft_table_parse(pl->table, fam, famlen, &name) != 0 ||
	    !rules_nft_name_ok(pl->chain)) {
		errno = EINVAL;
		return -1;
	}
	if (pl->handle != 0)
		snprintf(prefix, len, "insert rule %s %s %s position %llu", fam,
		    name, pl->chain, (unsigned long long)pl->handle);
	else
		snprintf(prefix, len, "add rule %s %s %s", fam, name, pl->chain);
	return 0;
}

int
rules_nft_placed(const struct rules_rule *v, const struct rules_place *pl,
    size_t n, FILE *f)
{
	char fam[16], prefix[640];
	size_t i;

	for (i = 0; i < n; i++) {
		if (place_prefix(&pl[i], fam, sizeof fam, prefix,
		    sizeof prefix) == -1)
			return -1;
		put_rule(f, &v[i], prefix, NULL);
	}
	return ferror(f) ? -1 : 0;
}

/* A dnat in a prerouting nat chain that exists; an ip table's dnat
 * takes "to", an inet one "ip to". */
int
rules_nft_nat_placed(const struct rules_nat *v, const struct rules_place *pl,
    size_t n, FILE *f)
{
	char fam[16], prefix[640];
	size_t i;

	for (i = 0; i < n; i++) {
		if (place_prefix(&pl[i], fam, sizeof fam, prefix,
		    sizeof prefix) == -1)
			return -1;
		put_nat_rule(f, prefix, &v[i], false, strcmp(fam, "ip") == 0,
		    NULL);
	}
	return ferror(f) ? -1 : 0;
}
