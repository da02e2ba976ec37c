/* SPDX-License-Identifier: ISC */
/* render_text.c: the recommendation as a table an administrator reads at a
 * glance: one line per rule, then what the helper misses, then hints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/fmt.h"
#include "ftpaudit/report.h"
#include "ftpaudit/rules.h"
#include "ftpaudit/select.h"

/* The prefixes of an aggregated list when they fit the column (hosts
 * bare, as unaggregated), else their count. */
static void
agg_str(const struct rules_addrs *s, char *buf, size_t len)
{
	char a[FA_ADDRSTRLEN];
	struct agg_prefix *p;
	size_t i, n, off = 0;

	if (aggregate_prefixes(s->agg, s->nagg, &p, &n) == -1) {
		snprintf(buf, len, "%zu prefixes", aggregate_nprefixes(s->agg,
		    s->nagg));
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "",
		    fa_addr_str(&p[i].addr, a));
		if (p[i].plen != (p[i].addr.family == FA_AF_INET6 ? 128 : 32) &&
		    off < len)
			off += (size_t)snprintf(buf + off, len - off, "/%u",
			    p[i].plen);
	}
	if (off > 18)
		snprintf(buf, len, "%zu prefixes", n);
	free(p);
}

static void
addrs_str(const struct rules_addrs *s, char *buf, size_t len)
{
	char a[FA_ADDRSTRLEN];
	size_t i, off = 0;

	if (s->any || (s->aggregated ? s->nagg : s->n) == 0) {
		snprintf(buf, len, "any");
		return;
	}
	if (s->aggregated) {
		agg_str(s, buf, len);
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < s->n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "",
		    fa_addr_str(&s->v[i], a));
}

static void
ranges_str(const struct rules_range *v, size_t n, char *buf, size_t len)
{
	size_t i, off = 0;

	if (n == 0) {
		snprintf(buf, len, "any");
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		if (v[i].lo == v[i].hi)
			off += (size_t)snprintf(buf + off, len - off, "%s%u",
			    i ? "," : "", v[i].lo);
		else
			off += (size_t)snprintf(buf + off, len - off, "%s%u-%u",
			    i ? "," : "", v[i].lo, v[i].hi);
	}
}

static void
seen_str(const struct rules_rule *u, char *buf, size_t len)
{
	const struct rules_evidence *ev = &u->ev;

	if (u->purpose == RP_ESTABLISHED) {
		snprintf(buf, len, "return traffic");
		return;
	}
	if (u->purpose == RP_PASSIVE && ev->nports > 0)
		snprintf(buf, len, "%zu sessions, %llu conns, ports %u..%u (%zu)",
		    ev->nsessions, (unsigned long long)ev->connections,
		    ev->ports[0], ev->ports[ev->nports - 1], ev->nports);
	else
		snprintf(buf, len, "%zu sessions, %llu conns", ev->nsessions,
		    (unsigned long long)ev->connections);
}

static void
put_rule(FILE *f, const struct rules_rule *u)
{
	char id[16], sa[256], da[256], sp[128], dp[128], seen[96];

	snprintf(id, sizeof id, "R%u", u->id);
	addrs_str(&u->saddr, sa, sizeof sa);
	addrs_str(&u->daddr, da, sizeof da);
	ranges_str(u->sport, u->nsport, sp, sizeof sp);
	ranges_str(u->dport, u->ndport, dp, sizeof dp);
	seen_str(u, seen, sizeof seen);
	fprintf(f, "%-4s %-10s %-14s %-4s %-18s %-6s %-18s %-12s %s\n", id,
	    rules_chain_str(u->chain), rules_purpose_str(u->purpose),
	    rules_family_str(u->family), sa, sp, da, dp, seen);
}

/* The count per reason, then each excluded transfer (at most 20). */
static void
put_excluded(FILE *f, const struct rules *r)
{
	const struct rules_excluded *x;
	char sum[RULES_SUMMARYLEN], a[FA_ADDRSTRLEN];
	size_t i, n;

	x = rules_excluded(r, &n);
	fprintf(f, "\nExcluded from the evidence: %zu transfers (%s).\n", n,
	    rules_excluded_summary(r, sum, sizeof sum));
	for (i = 0; i < n && i < 20; i++)
		fprintf(f, "  session %llu transfer %u to %s port %u: %s\n",
		    (unsigned long long)x[i].session, x[i].transfer,
		    fa_addr_str(&x[i].endpoint.ip, a), x[i].endpoint.port,
		    rules_reason_str(x[i].reason));
	if (n > 20)
		fprintf(f, "  ... and %zu more (-F json lists them all)\n", n - 20);
}

/* An active data rule whose source port is not fixed: its surface is
 * every new connection from the server to the unprivileged ports. */
static bool
wide_active(const struct rules_rule *u)
{
	return u->purpose == RP_ACTIVE && u->nsport == 0;
}

static void
put_wide(FILE *f, const struct rules_rule *u, const char *prefix)
{
	char a[FA_ADDRSTRLEN];

	fprintf(f, "%sactive data from %s does not all come from port 20: "
	    "every new TCP connection\n%sfrom it to ports 1024-65535 is FTP "
	    "surface, dropped unless to the clients seen (a\n%sserver that "
	    "sends active data from port 20, vsftpd connect_from_port_20=YES, "
	    "narrows it).\n", prefix, u->key_addr.family ?
	    fa_addr_str(&u->key_addr, a) : "the servers", prefix, prefix);
}

void
rules_scope_notes(const struct rules *r, FILE *f, const char *heading,
    const char *prefix)
{
	const struct rules_rule *v;
	size_t i, n, k;
	int pass;

	if (rules_options(r)->standalone)
		return;
	/* The rules, then the helper's surface (rules_helper_surface). */
	for (pass = 0, k = 0; pass < 2; pass++) {
		v = pass == 0 ? rules_list(r, &n) : rules_helper_surface(r, &n);
		for (i = 0; i < n; i++) {
			if (!wide_active(&v[i]))
				continue;
			if (k++ == 0)
				fputs(heading, f);
			put_wide(f, &v[i], prefix);
		}
	}
}

void
rules_nat_notes(const struct rules *r, FILE *f, const char *prefix)
{
	const struct rules_opts *o = rules_options(r);
	size_t n;

	if (o->side != RULES_GATEWAY)
		return;
	rules_nat_list(r, &n);
	if (n == 0)
		fprintf(f, "%sNAT: no translation seen or given (--dnat, "
		    "--masquerade): no NAT rules.\n", prefix);
	else
		fprintf(f, "%sNAT: %zu translations (N rules), IPv4 only; the "
		    "filter rules match the translated\n%saddresses (each host's "
		    "own).  IPv6 stays without NAT.\n", prefix, n, prefix);
	if (n > 0 && o->strategy == RULES_HELPER)
		fprintf(f, "%sNAT with the helper: nf_nat_ftp rewrites the "
		    "addresses in PORT, EPRT and 227\n%sand translates the data "
		    "connections it expects.\n", prefix, prefix);
}

/* How the address lists were aggregated (--aggregate), after prefix;
 * nothing for none, the lists then being the addresses seen. */
static void
put_aggregate(const struct rules *r, FILE *f, const char *prefix)
{
	const struct rules_opts *o = rules_options(r);
	char w[RULES_AGGLEN], v4[16], v6[16];

	if (o->aggregate == RULES_AGG_NONE)
		return;
	rules_aggregate_str(o, w);
	if (!rules_aggregate_widens(o)) {
		fprintf(f, "%sAddresses: each list sorted and merged into the "
		    "fewest prefixes and ranges that hold\n%sexactly the "
		    "addresses seen (--aggregate=%s).\n", prefix, prefix, w);
		return;
	}
	snprintf(v4, sizeof v4, "/%u", o->agg_plen4);
	snprintf(v6, sizeof v6, "/%u", o->agg_plen6);
	fprintf(f, "%sAddresses WIDENED (--aggregate=%s): IPv4 %s, IPv6 %s; each "
	    "list of %s holds\n%sthe whole prefix of every address seen, "
	    "addresses never seen included.\n", prefix, w, o->agg_plen4 < 32 ?
	    v4 : "exact", o->agg_plen6 < 128 ? v6 : "exact",
	    o->side == RULES_CLIENT ? "servers" : "clients", prefix);
}

/* The comment lines every nft and iptables script starts with: the
 * options, the evidence left out, what the helper cannot cover, hints. */
void
rules_comment_header(const struct rules *r, FILE *f)
{
	const struct rules_opts *o = rules_options(r);
	const struct rules_uncovered *unc;
	const struct rules_hint *h;
	char sum[RULES_SUMMARYLEN];
	size_t i, n;

	fprintf(f, "# ftpaudit %s: firewall rules for the %s side, strategy %s, "
	    "peers %s, trust %s, from %zu FTP sessions.\n", PACKAGE_VERSION,
	    rules_side_str(o->side), rules_strategy_str(o->strategy),
	    rules_peers_str(o->peers), rules_trust_str(o->trust),
	    rules_nsessions(r));
	select_comment(f, o->selection, "# ");
	put_aggregate(r, f, "# ");
	if (o->trust == RULES_TRUST_ALL)
		fputs("# Evidence: every negotiation taken (--trust=all), "
		    "bounces and refused ones included.\n", f);
	else
		fprintf(f, "# Evidence excluded (transfers): %s.\n",
		    rules_excluded_summary(r, sum, sizeof sum));
	unc = rules_uncovered(r, &n);
	for (i = 0; i < n; i++)
		fprintf(f, "# helper does not cover session %llu: %s\n",
		    (unsigned long long)unc[i].session, unc[i].reason);
	h = rules_hints(r, &n);
	for (i = 0; i < n; i++)
		fprintf(f, "# hint %s: %s\n", h[i].type, h[i].text);
	rules_nat_notes(r, f, "# ");
}

/* One translation, in words. */
static void
put_nat(FILE *f, const struct rules_nat *x)
{
	char a[FA_ADDRSTRLEN], b[FA_ADDRSTRLEN];
	size_t i;

	fprintf(f, "N%-3u ", x->id);
	if (x->kind == RN_DNAT)
		fprintf(f, "dnat %s port %u to %s port %u", fa_addr_str(&x->daddr,
		    a), x->port, fa_addr_str(&x->to, b), x->to_port);
	else if (x->has_net)
		fprintf(f, "masquerade %s/%u toward %s port %u",
		    fa_addr_str(&x->net.addr, a), x->net.plen,
		    fa_addr_str(&x->daddr, b), x->port);
	else
		fprintf(f, "snat to %s toward %s port %u", fa_addr_str(&x->to, a),
		    fa_addr_str(&x->daddr, b), x->port);
	for (i = 0; i < x->npasv; i++)
		fprintf(f, "%s%u-%u", i ? "," : ", passive ", x->pasv[i].lo,
		    x->pasv[i].hi);
	if (x->active)
		fputs(", active data snat'd", f);
	if (x->given)
		fputs(" (given)\n", f);
	else
		fprintf(f, " (%llu sessions)\n", (unsigned long long)x->nsessions);
}

int
rules_text(const struct rules *r, FILE *f)
{
	const struct rules_nat *nv;
	size_t nn;
	const struct rules_opts *o = rules_options(r);
	const struct rules_rule *v;
	const struct rules_uncovered *unc;
	const struct rules_hint *h;
	size_t i, n;

	select_comment(f, o->selection, "");
	fprintf(f, "Firewall rules for the %s side (strategy %s, peers %s, "
	    "trust %s), from %zu FTP sessions; %s.\n\n",
	    rules_side_str(o->side), rules_strategy_str(o->strategy),
	    rules_peers_str(o->peers), rules_trust_str(o->trust),
	    rules_nsessions(r), o->standalone ?
	    "standalone: everything else dropped" :
	    "the rest of the servers' FTP surface dropped, all other traffic "
	    "untouched");
	put_aggregate(r, f, "");
	if (o->aggregate != RULES_AGG_NONE)
		fputc('\n', f);
	fprintf(f, "%-4s %-10s %-14s %-4s %-18s %-6s %-18s %-12s %s\n", "ID",
	    "CHAIN", "PURPOSE", "FAM", "FROM", "SPORT", "TO", "DPORT", "SEEN");
	v = rules_list(r, &n);
	for (i = 0; i < n; i++)
		put_rule(f, &v[i]);
	rules_scope_notes(r, f, "\nScope notes:\n", "  ");
	nv = rules_nat_list(r, &nn);
	if (o->side == RULES_GATEWAY)
		fputc('\n', f);
	for (i = 0; i < nn; i++)
		put_nat(f, &nv[i]);
	rules_nat_notes(r, f, "");
	fprintf(f, "\nConntrack FTP helper: %s.\n", rules_helper_usable(r) ?
	    "would cover some data connections" : "would cover no data connection");
	unc = rules_uncovered(r, &n);
	for (i = 0; i < n; i++)
		fprintf(f, "  not covered: session %llu: %s\n",
		    (unsigned long long)unc[i].session, unc[i].reason);
	if (o->trust == RULES_TRUST_ALL)
		fputs("\nEvidence: every negotiation taken (--trust=all).\n", f);
	else
		put_excluded(f, r);
	h = rules_hints(r, &n);
	if (n > 0)
		fputs("\nHints:\n", f);
	for (i = 0; i < n; i++)
		fprintf(f, "  - %s\n", h[i].text);
	return ferror(f) ? -1 : 0;
}
