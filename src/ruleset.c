/* SPDX-License-Identifier: ISC */
/* ruleset.c: the ruleset model both parsers fill, and the traversal of one
 * packet through the base chains of a hook as netfilter would run it. */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruleset_int.h"
#include "grow.h"

/* Deeper jump stacks than this are loops (the kernel refuses them). */
#define RS_MAX_DEPTH	32
/* NF_IP_PRI_CONNTRACK: ct helper set in a chain at or before this
 * priority runs before the packet has a conntrack entry. */
#define RS_PRIO_CONNTRACK	(-200)

struct ruleset *
rs_new(enum rs_format fmt, const char *source)
{
	struct ruleset *rs;

	if ((rs = calloc(1, sizeof *rs)) == NULL)
		return NULL;
	rs->format = fmt;
	if ((rs->source = strdup(source ? source : "-")) == NULL) {
		free(rs);
		return NULL;
	}
	return rs;
}

static unsigned
family_mask(const char *family)
{
	if (strcmp(family, "inet") == 0)
		return RS_FAM_INET;
	if (strcmp(family, "ip") == 0)
		return RS_FAM_IP;
	if (strcmp(family, "ip6") == 0)
		return RS_FAM_IP6;
	return 0;
}

struct rs_chain *
rs_chain_find(const struct ruleset *rs, const char *family, const char *table,
    const char *name)
{
	size_t i;
	struct rs_chain *c;

	for (i = 0; i < rs->nchains; i++) {
		c = rs->chains[i];
		if (strcmp(c->family, family) == 0 && strcmp(c->table, table) == 0 &&
		    strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

struct rs_chain *
rs_chain_add(struct ruleset *rs, const char *family, const char *table,
    const char *name)
{
	struct rs_chain *c;

	if (fa_grow(&rs->chains, rs->nchains, &rs->cap, sizeof *rs->chains,
	    8) == -1)
		return NULL;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	c->family = strdup(family);
	c->table = strdup(table);
	c->name = strdup(name);
	if (c->family == NULL || c->table == NULL || c->name == NULL) {
		free(c->family);
		free(c->table);
		free(c->name);
		free(c);
		return NULL;
	}
	c->fam = family_mask(family);
	c->format = rs->format;
	c->policy = RS_V_ACCEPT;
	rs->chains[rs->nchains++] = c;
	return c;
}

struct rs_rule *
rs_rule_add(struct ruleset *rs, struct rs_chain *c)
{
	struct rs_rule *r;

	if (fa_grow(&c->rules, c->nrules, &c->cap, sizeof *c->rules, 8) == -1)
		return NULL;
	if ((r = calloc(1, sizeof *r)) == NULL)
		return NULL;
	r->chain = c;
	r->index = c->nrules;
	r->seq = rs->nrules++;
	c->rules[c->nrules++] = r;
	return r;
}

struct rs_match *
rs_match_add(struct rs_rule *r, enum rs_key key)
{
	struct rs_match *v;

	if ((v = reallocarray(r->m, r->nm + 1, sizeof *v)) == NULL)
		return NULL;
	r->m = v;
	memset(&v[r->nm], 0, sizeof v[r->nm]);
	v[r->nm].key = key;
	return &v[r->nm++];
}

int
rs_match_range(struct rs_match *m, uint32_t lo, uint32_t hi)
{
	struct rs_range *v;

	if ((v = reallocarray(m->r, m->nr + 1, sizeof *v)) == NULL)
		return -1;
	m->r = v;
	v[m->nr].lo = lo < hi ? lo : hi;
	v[m->nr++].hi = lo < hi ? hi : lo;
	return 0;
}

int
rs_match_addr(struct rs_match *m, const struct fa_addr *lo, const struct fa_addr *hi)
{
	struct rs_arange *v;

	if ((v = reallocarray(m->a, m->na + 1, sizeof *v)) == NULL)
		return -1;
	m->a = v;
	v[m->na].lo = *lo;
	v[m->na++].hi = *hi;
	m->afam = lo->family;
	return 0;
}

int
rs_match_prefix(struct rs_match *m, const struct fa_addr *a, unsigned len)
{
	struct fa_addr lo = *a, hi = *a;
	unsigned bits = a->family == FA_AF_INET ? 32 : 128, i, keep;

	if (len > bits)
		return -1;
	for (i = 0; i < bits / 8; i++) {
		keep = len >= (i + 1) * 8 ? 8 : len > i * 8 ? len - i * 8 : 0;
		lo.a[i] &= (uint8_t)(0xff << (8 - keep));
		hi.a[i] |= (uint8_t)(keep == 8 ? 0 : 0xff >> keep);
	}
	return rs_match_addr(m, &lo, &hi);
}

int
rs_match_name(struct rs_match *m, const char *name)
{
	char **v;

	if ((v = reallocarray(m->names, m->nnames + 1, sizeof *v)) == NULL)
		return -1;
	m->names = v;
	if ((v[m->nnames] = strdup(name)) == NULL)
		return -1;
	m->nnames++;
	return 0;
}

static void
set_reason(char **slot, const char *fmt, va_list ap)
{
	char *s;

	if (*slot != NULL)
		return;		/* the first reason is the one to fix first */
	if (vasprintf(&s, fmt, ap) == -1)
		s = strdup("cannot be evaluated");
	*slot = s;
}

void
rs_rule_unknown(struct rs_rule *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(&r->unknown, fmt, ap);
	va_end(ap);
}

void
rs_rule_vunknown(struct rs_rule *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(&r->vunknown, fmt, ap);
	va_end(ap);
}

static void
rule_free(struct rs_rule *r)
{
	size_t i, j;

	for (i = 0; i < r->nm; i++) {
		free(r->m[i].r);
		free(r->m[i].a);
		for (j = 0; j < r->m[i].nnames; j++)
			free(r->m[i].names[j]);
		free(r->m[i].names);
	}
	free(r->m);
	free(r->comment);
	free(r->text);
	free(r->unknown);
	free(r->vunknown);
	free(r->helper_set);
	free(r->target);
	free(r);
}

void
ruleset_free(struct ruleset *rs)
{
	size_t i, j;
	struct rs_chain *c;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->nchains; i++) {
		c = rs->chains[i];
		for (j = 0; j < c->nrules; j++)
			rule_free(c->rules[j]);
		free(c->rules);
		free(c->family);
		free(c->table);
		free(c->name);
		free(c->type);
		free(c);
	}
	for (i = 0; i < rs->nhelpers; i++) {
		free(rs->helpers[i].table);
		free(rs->helpers[i].name);
		free(rs->helpers[i].type);
	}
	for (i = 0; i < rs->nparts; i++)
		free(rs->parts[i].source);
	free(rs->parts);
	free(rs->helpers);
	free(rs->chains);
	free(rs->source);
	free(rs);
}

/* The part a freshly parsed ruleset is made of. */
static int
first_part(struct ruleset *rs)
{
	if ((rs->parts = calloc(1, sizeof *rs->parts)) == NULL ||
	    (rs->parts[0].source = strdup(rs->source)) == NULL)
		return -1;
	rs->parts[0].format = rs->format;
	rs->parts[0].covers = rs->covers;
	rs->parts[0].nrules = ruleset_count(rs);
	rs->nparts = 1;
	return 0;
}

static int
merge_parts(struct ruleset *into, struct ruleset *from)
{
	struct rs_part *v;
	char *src;
	size_t i;

	if ((v = reallocarray(into->parts, into->nparts + from->nparts,
	    sizeof *v)) == NULL)
		return -1;
	into->parts = v;
	if (asprintf(&src, "%s, %s", into->source, from->source) == -1)
		return -1;
	free(into->source);
	into->source = src;
	for (i = 0; i < from->nparts; i++)
		v[into->nparts++] = from->parts[i];
	from->nparts = 0;
	into->covers |= from->covers;
	return 0;
}

int
ruleset_merge(struct ruleset *into, struct ruleset *from)
{
	struct rs_chain **cv;
	struct rs_helper_obj *hv;
	size_t i, j;
	int rc = -1;

	cv = reallocarray(into->chains, into->nchains + from->nchains,
	    sizeof *cv);
	if (cv == NULL)
		goto out;
	into->chains = cv;
	into->cap = into->nchains + from->nchains;
	hv = reallocarray(into->helpers, into->nhelpers + from->nhelpers + 1,
	    sizeof *hv);
	if (hv == NULL)
		goto out;
	into->helpers = hv;
	into->hcap = into->nhelpers + from->nhelpers + 1;
	if (merge_parts(into, from) == -1)
		goto out;
	for (i = 0; i < from->nchains; i++) {
		for (j = 0; j < from->chains[i]->nrules; j++)
			from->chains[i]->rules[j]->seq += into->nrules;
		cv[into->nchains++] = from->chains[i];
	}
	for (i = 0; i < from->nhelpers; i++)
		hv[into->nhelpers++] = from->helpers[i];
	into->nrules += from->nrules;
	from->nchains = from->nhelpers = 0;
	rc = 0;
out:
	ruleset_free(from);
	return rc;
}

int
rs_finish(struct ruleset *rs, char **cause)
{
	size_t i, j;
	struct rs_chain *c;
	struct rs_rule *r;

	for (i = 0; i < rs->nchains; i++) {
		c = rs->chains[i];
		for (j = 0; j < c->nrules; j++) {
			r = c->rules[j];
			if (r->verdict != RS_V_JUMP && r->verdict != RS_V_GOTO)
				continue;
			r->target_chain = rs_chain_find(rs, c->family, c->table,
			    r->target);
			if (r->target_chain != NULL && r->target_chain->caller == NULL)
				r->target_chain->caller = r;
			if (r->target_chain == NULL) {
				if (asprintf(cause, "%s %s: jump to unknown chain '%s'",
				    c->table, c->name, r->target) == -1)
					*cause = NULL;
				return -1;
			}
		}
	}
	return 0;
}

size_t
ruleset_count(const struct ruleset *rs)
{
	size_t i, j, n = 0;

	for (i = 0; i < rs->nchains; i++)
		for (j = 0; j < rs->chains[i]->nrules; j++)
			n += rs->chains[i]->rules[j]->leader == NULL;
	return n;
}

enum rs_hook
rs_hook_parse(const char *s)
{
	static const char *names[] = { NULL, "prerouting", "input", "forward",
	    "output", "postrouting" };
	size_t i;

	for (i = 1; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(s, names[i]) == 0)
			return (enum rs_hook)i;
	return RS_HOOK_OTHER;
}

const char *
rs_hook_str(enum rs_hook h)
{
	switch (h) {
	case RS_HOOK_PREROUTING: return "prerouting";
	case RS_HOOK_INPUT: return "input";
	case RS_HOOK_FORWARD: return "forward";
	case RS_HOOK_OUTPUT: return "output";
	case RS_HOOK_POSTROUTING: return "postrouting";
	case RS_HOOK_NONE: return "none";
	default: return "other";
	}
}

const char *
rs_verdict_str(enum rs_verdict v)
{
	switch (v) {
	case RS_V_ACCEPT: return "accept";
	case RS_V_DROP: return "drop";
	case RS_V_REJECT: return "reject";
	case RS_V_JUMP: return "jump";
	case RS_V_GOTO: return "goto";
	case RS_V_RETURN: return "return";
	default: return "continue";
	}
}

const char *
rs_nat_str(enum rs_nat k)
{
	switch (k) {
	case RS_NAT_DNAT: return "dnat";
	case RS_NAT_SNAT: return "snat";
	case RS_NAT_MASQ: return "masquerade";
	case RS_NAT_REDIRECT: return "redirect";
	default: return "none";
	}
}

const char *
rs_nat_describe(const struct rs_natspec *n, char *buf, size_t len)
{
	char lo[FA_ADDRSTRLEN], hi[FA_ADDRSTRLEN], a[2 * FA_ADDRSTRLEN + 4];
	char port[16] = "";
	bool v6 = n->lo.family == FA_AF_INET6;

	a[0] = '\0';
	if (n->has_addr) {
		fa_addr_str(&n->lo, lo);
		fa_addr_str(&n->hi, hi);
		if (fa_addr_eq(&n->lo, &n->hi))
			snprintf(a, sizeof a, v6 ? "[%s]" : "%s", lo);
		else
			snprintf(a, sizeof a, v6 ? "[%s]-[%s]" : "%s-%s", lo, hi);
	}
	if (n->port_lo >= 0 && n->port_lo == n->port_hi)
		snprintf(port, sizeof port, ":%d", n->port_lo);
	else if (n->port_lo >= 0)
		snprintf(port, sizeof port, ":%d-%d", n->port_lo, n->port_hi);
	if (a[0] == '\0' && port[0] == '\0')
		snprintf(buf, len, "%s", rs_nat_str(n->kind));
	else
		snprintf(buf, len, "%s to %s%s", rs_nat_str(n->kind), a, port);
	return buf;
}

/* The kernel picks the first address and port of a range that keeps the
 * tuple unique; with one connection per tuple that is the lowest, unless
 * the original port is inside the range (it is kept then). */
static int
nat_port(const struct rs_natspec *n, int port)
{
	if (n->port_lo < 0)
		return port;
	if (port >= n->port_lo && port <= n->port_hi)
		return port;
	return n->port_lo;
}

void
rs_nat_apply(const struct rs_natspec *n, struct rs_pkt *p, bool *addr_unknown)
{
	*addr_unknown = false;
	switch (n->kind) {
	case RS_NAT_DNAT:
	case RS_NAT_REDIRECT:
		if (n->has_addr && n->lo.family == p->family)
			p->daddr = n->lo;
		else
			*addr_unknown = n->kind == RS_NAT_REDIRECT;
		p->dport = nat_port(n, p->dport);
		break;
	case RS_NAT_SNAT:
	case RS_NAT_MASQ:
		if (n->has_addr && n->lo.family == p->family)
			p->saddr = n->lo;
		else
			*addr_unknown = n->kind == RS_NAT_MASQ;
		p->sport = nat_port(n, p->sport);
		break;
	default:
		break;
	}
}

uint32_t
rs_ctstate_word(const char *s)
{
	if (strcasecmp(s, "new") == 0)
		return RS_CT_NEW;
	if (strcasecmp(s, "established") == 0)
		return RS_CT_ESTABLISHED;
	if (strcasecmp(s, "related") == 0)
		return RS_CT_RELATED;
	if (strcasecmp(s, "invalid") == 0)
		return RS_CT_INVALID;
	if (strcasecmp(s, "untracked") == 0)
		return RS_CT_UNTRACKED;
	return 0;
}

int
rs_proto_parse(const char *s)
{
	struct protoent *p;
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (end != s && *end == '\0')
		return v >= 0 && v <= 255 ? (int)v : -1;
	if (strcasecmp(s, "tcp") == 0)
		return 6;
	if (strcasecmp(s, "udp") == 0)
		return 17;
	if (strcasecmp(s, "icmp") == 0)
		return 1;
	if (strcasecmp(s, "icmpv6") == 0 || strcasecmp(s, "ipv6-icmp") == 0)
		return 58;
	if ((p = getprotobyname(s)) != NULL)
		return p->p_proto;
	return -1;
}

const char *
ruleset_format_str(enum rs_format f)
{
	switch (f) {
	case RS_FMT_NFT: return "nft-json";
	case RS_FMT_IPT: return "iptables-save";
	default: return "auto";
	}
}

int
ruleset_format_parse(const char *s, enum rs_format *f)
{
	if (strcmp(s, "auto") == 0)
		*f = RS_FMT_AUTO;
	else if (strcmp(s, "nft-json") == 0 || strcmp(s, "nft") == 0)
		*f = RS_FMT_NFT;
	else if (strcmp(s, "iptables-save") == 0 || strcmp(s, "iptables") == 0)
		*f = RS_FMT_IPT;
	else
		return -1;
	return 0;
}

const char *
rs_rule_name(const struct rs_rule *r, char *buf, size_t len)
{
	const struct rs_chain *c = r->chain;

	if (r->line != 0)
		snprintf(buf, len, "%s%s %s rule %zu", c->fam == RS_FAM_IP6 ?
		    "ip6 " : "", c->table, c->name, r->index + 1);
	else
		snprintf(buf, len, "%s %s %s handle %llu", c->family, c->table,
		    c->name, (unsigned long long)r->handle);
	return buf;
}

const char *
rs_chain_name(const struct rs_chain *c, char *buf, size_t len)
{
	if (c->format == RS_FMT_NFT)
		snprintf(buf, len, "%s %s %s", c->family, c->table, c->name);
	else
		snprintf(buf, len, "%s%s %s", c->fam == RS_FAM_IP6 ? "ip6 " : "",
		    c->table, c->name);
	return buf;
}

const char *
rs_rule_describe(const struct rs_rule *r, char *buf, size_t len)
{
	char name[160];

	snprintf(buf, len, "%s: %s", rs_rule_name(r, name, sizeof name),
	    r->text != NULL ? r->text : "?");
	return buf;
}

char *
rs_escape(const char *s, size_t len)
{
	char *out, *o;
	size_t i;

	if ((out = malloc(len * 4 + 1)) == NULL)
		return NULL;
	for (o = out, i = 0; i < len; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f)
			*o++ = s[i];
		else
			o += sprintf(o, "\\x%02x", (unsigned char)s[i]);
	}
	*o = '\0';
	return out;
}

/* The cause comes from the file (names, JSON error texts): escaped, it
 * stays one line on a terminal. */
static void
escape_cause(char **cause)
{
	char *e;

	if (*cause == NULL || (e = rs_escape(*cause, strlen(*cause))) == NULL)
		return;
	free(*cause);
	*cause = e;
}

/* The whole host's ruleset for nft; its own family for iptables-save. */
static unsigned
ruleset_covers(const struct ruleset *rs)
{
	unsigned m = 0;
	size_t i;

	if (rs->format == RS_FMT_NFT)
		return RS_FAM_INET;
	for (i = 0; i < rs->nchains; i++)
		m |= rs->chains[i]->fam;
	return m;
}

/* Nothing to judge: an empty dump (nft run without the rights, or in
 * another namespace) would otherwise accept every flow. */
static bool
is_empty(const struct ruleset *rs)
{
	size_t i;

	if (rs->nrules > 0)
		return false;
	for (i = 0; i < rs->nchains; i++)
		if (rs->chains[i]->base && rs->chains[i]->policy == RS_V_DROP)
			return false;
	return true;
}

/* nft JSON starts with '{'; anything else must look like iptables-save. */
static enum rs_format
detect(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
		    text[i] == '\n')
			continue;
		return text[i] == '{' ? RS_FMT_NFT : RS_FMT_IPT;
	}
	return RS_FMT_IPT;
}

struct ruleset *
ruleset_parse(const char *text, size_t len, enum rs_format fmt,
    const char *source, char **cause)
{
	struct ruleset *rs;
	size_t i;

	*cause = NULL;
	for (i = 0; i < len && text[i] != '\0' && strchr(" \t\r\n", text[i]) != NULL;
	    i++)
		;
	if (i == len) {
		*cause = strdup(len == 0 ? "empty file (0 bytes): no ruleset" :
		    "only blanks: no ruleset");
		return NULL;
	}
	if (fmt == RS_FMT_AUTO)
		fmt = detect(text, len);
	if (fmt == RS_FMT_NFT)
		rs = ruleset_parse_nft(text, len, source, cause);
	else
		rs = ruleset_parse_ipt(text, len, source, cause);
	if (rs != NULL && is_empty(rs)) {
		*cause = strdup(fmt == RS_FMT_NFT ? "$.nftables: no rule and no "
		    "chain that drops: an empty ruleset" : "end of file: no rule and "
		    "no chain that drops: an empty ruleset");
		ruleset_free(rs);
		return NULL;
	}
	if (rs != NULL)
		rs->covers = ruleset_covers(rs);
	if (rs != NULL && first_part(rs) == -1) {
		*cause = strdup("out of memory");
		ruleset_free(rs);
		return NULL;
	}
	escape_cause(cause);
	return rs;
}

struct ruleset *
ruleset_load(const char *path, enum rs_format fmt, char **cause)
{
	struct ruleset *rs;
	char *text = NULL, *p;
	size_t len = 0, cap = 0, n;
	FILE *f;

	*cause = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		if (asprintf(cause, "%s", strerror(errno)) == -1)
			*cause = NULL;
		return NULL;
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			if ((p = realloc(text, cap)) == NULL)
				goto nomem;
			text = p;
		}
		if ((n = fread(text + len, 1, cap - len - 1, f)) == 0)
			break;
		len += n;
	}
	if (ferror(f)) {
		if (asprintf(cause, "read error") == -1)
			*cause = NULL;
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	text[len] = '\0';
	rs = ruleset_parse(text, len, fmt, path, cause);
	free(text);
	return rs;
nomem:
	fclose(f);
	free(text);
	*cause = strdup("out of memory");
	return NULL;
}

/* Evaluation. */

static bool
addr_le(const struct fa_addr *x, const struct fa_addr *y)
{
	return memcmp(x->a, y->a, sizeof x->a) <= 0;
}

static bool
in_ranges(const struct rs_match *m, uint32_t v)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		if (v >= m->r[i].lo && v <= m->r[i].hi)
			return true;
	return false;
}

static bool
in_addrs(const struct rs_match *m, const struct fa_addr *x)
{
	size_t i;

	for (i = 0; i < m->na; i++)
		if (addr_le(&m->a[i].lo, x) && addr_le(x, &m->a[i].hi))
			return true;
	return false;
}

static bool
name_match(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);

	if (n > 0 && (pattern[n - 1] == '*' || pattern[n - 1] == '+'))
		return strncmp(pattern, name, n - 1) == 0;
	return strcmp(pattern, name) == 0;
}

/* Interface names are not in a capture: they are known when the user
 * said (--iface), and loopback is known anyway: a flow between two
 * non-loopback addresses never crosses lo. */
static int
match_iface(const struct rs_match *m, enum rs_hook hook, const struct rs_pkt *p,
    const char **why)
{
	const char *name = m->key == RS_K_IIF ? p->iif : p->oif;
	size_t i;
	bool in = false;

	if (m->key == RS_K_IIF && (hook == RS_HOOK_OUTPUT ||
	    hook == RS_HOOK_POSTROUTING))
		return 0;	/* no input interface there: never matches */
	if (m->key == RS_K_OIF && (hook == RS_HOOK_PREROUTING ||
	    hook == RS_HOOK_INPUT))
		return 0;
	if (p->loopback)
		name = "lo";
	for (i = 0; name != NULL && i < m->nnames; i++)
		in = in || name_match(m->names[i], name);
	if (name != NULL)
		return in != m->neg;
	for (i = 0; i < m->nnames; i++) {
		if (p->loopback) {
			in = in || name_match(m->names[i], "lo");
			continue;
		}
		if (strcmp(m->names[i], "lo") != 0) {
			*why = "interface names are not in a capture (see --iface)";
			return -1;
		}
	}
	return in != m->neg;
}

static int
match_one(const struct rs_match *m, enum rs_hook hook, const struct rs_pkt *p,
    const char **why)
{
	bool in;
	int port;

	switch (m->key) {
	case RS_K_SADDR:
	case RS_K_DADDR:
		/* An ip/ip6 payload match implies its family. */
		if (p->family != m->afam)
			return 0;
		in = in_addrs(m, m->key == RS_K_SADDR ? &p->saddr : &p->daddr);
		return in != m->neg;
	case RS_K_SPORT:
	case RS_K_DPORT:
		if (p->l4proto != 6)
			return 0;
		port = m->key == RS_K_SPORT ? p->sport : p->dport;
		if (port < 0) {
			*why = m->key == RS_K_SPORT ? "source port not observed" :
			    "destination port not observed";
			return -1;
		}
		return in_ranges(m, (uint32_t)port) != m->neg;
	case RS_K_L4PROTO:
		return in_ranges(m, p->l4proto) != m->neg;
	case RS_K_NFPROTO:
		return in_ranges(m, p->family) != m->neg;
	case RS_K_IIF:
	case RS_K_OIF:
		return match_iface(m, hook, p, why);
	case RS_K_CTSTATE:
		return ((p->ctstate & m->mask) != 0) != m->neg;
	case RS_K_HELPER:
		if (p->helper == NULL)
			return m->absent_true && m->neg;
		in = false;
		for (size_t i = 0; i < m->nnames; i++)
			in = in || strcmp(m->names[i], p->helper) == 0;
		return in != m->neg;
	case RS_K_CTSTATUS:
		if (!p->ctstatus_known) {
			*why = "ct status: whether the connection is translated "
			    "is known only when both sides of the gateway are seen";
			return -1;
		}
		return ((p->ctstatus & m->mask) != 0) != m->neg;
	case RS_K_TCPFLAGS:
		if (p->l4proto != 6)
			return 0;
		in = m->flags_any ? (p->tcpflags & m->mask) != 0 :
		    (p->tcpflags & m->mask) == m->value;
		return in != m->neg;
	}
	return -1;
}

int
rs_rule_match(const struct rs_rule *r, enum rs_hook hook, const struct rs_pkt *p,
    const char **why)
{
	const char *w = NULL;
	size_t i;
	int v;

	*why = NULL;
	/* A condition that certainly fails decides, even next to one we
	 * cannot evaluate. */
	for (i = 0; i < r->nm; i++) {
		v = match_one(&r->m[i], hook, p, &w);
		if (v == 0)
			return 0;
		if (v < 0 && *why == NULL)
			*why = w;
	}
	if (r->unknown != NULL) {
		*why = r->unknown;
		return -1;
	}
	return *why != NULL ? -1 : 1;
}

enum run { RUN_CONT, RUN_ACCEPT, RUN_DROP, RUN_REJECT, RUN_UNKNOWN };

struct run_ctx {
	enum rs_hook	 hook;
	const struct rs_pkt *pkt;	/* &res->xlat: translated as it goes */
	const struct rs_chain *base;
	struct rs_result *res;
	const struct rs_rule *last;	/* the rule that ended the chain */
	rs_visit_fn	 visit;
	void		*arg;
};

static bool
helper_effective(const struct run_ctx *x, const struct rs_rule *r)
{
	const struct rs_chain *b = x->base;

	if (r->line != 0)
		return true;	/* -j CT --helper sets the conntrack template */
	return !((b->hook == RS_HOOK_PREROUTING || b->hook == RS_HOOK_OUTPUT) &&
	    b->prio <= RS_PRIO_CONNTRACK);
}

static enum run run_chain(struct run_ctx *, const struct rs_chain *, int);

static bool
is_nat_chain(const struct rs_chain *c)
{
	return c->type != NULL && strcmp(c->type, "nat") == 0;
}

/* Netfilter's NAT priority at a hook: dstnat, or srcnat. */
static int
nat_prio(enum rs_hook hook)
{
	return hook == RS_HOOK_PREROUTING || hook == RS_HOOK_OUTPUT ? -100 : 100;
}

/* Where netfilter runs a chain: nat chains all from its NAT hook. */
static int
eff_prio(const struct rs_chain *c)
{
	return is_nat_chain(c) ? nat_prio(c->hook) : c->prio;
}

/* Sort key order: effective priority, then the chain's own. */
static bool
runs_after(const struct rs_chain *a, const struct rs_chain *b)
{
	if (eff_prio(a) != eff_prio(b))
		return eff_prio(a) > eff_prio(b);
	return a->prio > b->prio;
}

/* A rule that ends nothing and changes nothing for this packet: a
 * counter, a log, or a helper assignment to a connection that exists
 * already (ct helper set works only on the first packet).  When its
 * match cannot be decided (a port the capture did not show), the
 * traversal goes on just the same. */
static bool
inert(const struct run_ctx *x, const struct rs_rule *r)
{
	return r->verdict == RS_V_CONTINUE && r->vunknown == NULL &&
	    (r->helper_set == NULL || x->pkt->ctstate != RS_CT_NEW);
}

static enum run
run_rule(struct run_ctx *x, const struct rs_rule *r, int depth, bool *done)
{
	const char *why = NULL;
	enum run v;
	int m;

	*done = true;
	if ((m = rs_rule_match(r, x->hook, x->pkt, &why)) == 0) {
		*done = false;
		return RUN_CONT;
	}
	if (m < 0 && inert(x, r)) {
		*done = false;	/* whether it matches changes nothing */
		return RUN_CONT;
	}
	x->last = r;
	if (m < 0 || r->vunknown != NULL) {
		x->res->why = m < 0 ? why : r->vunknown;
		return RUN_UNKNOWN;
	}
	if (x->visit != NULL)
		x->visit(x->arg, r, x->base);
	if (r->nat.kind != RS_NAT_NONE && x->res->nat_rule == NULL &&
	    is_nat_chain(x->base)) {
		x->res->nat_rule = r;
		rs_nat_apply(&r->nat, &x->res->xlat, &x->res->xlat_addr_unknown);
		x->res->xlat.ctstatus |= r->nat.kind == RS_NAT_DNAT ||
		    r->nat.kind == RS_NAT_REDIRECT ? RS_CTS_DNAT : RS_CTS_SNAT;
	}
	if (r->helper_set != NULL && x->pkt->ctstate == RS_CT_NEW) {
		if (helper_effective(x, r)) {
			x->res->helper = r->helper_set;
			x->res->helper_rule = r;
		} else
			x->res->helper_early = r;
	}
	switch (r->verdict) {
	case RS_V_ACCEPT: return RUN_ACCEPT;
	case RS_V_DROP: return RUN_DROP;
	case RS_V_REJECT: return RUN_REJECT;
	case RS_V_RETURN: return RUN_CONT;
	case RS_V_JUMP:
		if ((v = run_chain(x, r->target_chain, depth + 1)) != RUN_CONT)
			return v;
		*done = false;
		return RUN_CONT;
	case RS_V_GOTO:
		return run_chain(x, r->target_chain, depth + 1);
	default:
		*done = false;
		return RUN_CONT;
	}
}

static enum run
run_chain(struct run_ctx *x, const struct rs_chain *c, int depth)
{
	enum run v;
	size_t i;
	bool done;

	if (depth > RS_MAX_DEPTH) {
		x->res->why = "jump loop";
		return RUN_UNKNOWN;
	}
	for (i = 0; i < c->nrules; i++) {
		v = run_rule(x, c->rules[i], depth, &done);
		if (done)
			return v;
	}
	return RUN_CONT;
}

static bool
chain_applies(const struct rs_chain *c, enum rs_hook hook, const struct rs_pkt *p)
{
	unsigned bit = p->family == FA_AF_INET ? RS_FAM_IP : RS_FAM_IP6;

	if (!c->base || c->hook != hook || (c->fam & bit) == 0)
		return false;
	/* nat chains only see the first packet of a connection; a related
	 * one (an expectation) gets its translation from the helper. */
	if (is_nat_chain(c))
		return p->ctstate == RS_CT_NEW;
	return true;
}

/* One base chain; false when the packet's fate is settled. */
static bool
eval_base(struct run_ctx *x, const struct rs_chain *c)
{
	struct rs_result *res = x->res;
	enum run v;

	x->base = c;
	x->last = NULL;
	v = run_chain(x, c, 0);
	if (v != RUN_CONT || res->rule == NULL || c->policy != RS_V_ACCEPT)
		res->base = c;	/* this chain decided, or nothing did yet */
	switch (v) {
	case RUN_UNKNOWN:
		res->indeterminate = true;
		res->rule = x->last;
		return false;
	case RUN_CONT:
		if (c->policy == RS_V_ACCEPT) {
			if (res->rule == NULL)
				res->policy = c;
			return true;
		}
		res->verdict = RS_V_DROP;
		res->rule = NULL;
		res->policy = c;
		return false;
	case RUN_ACCEPT:
		res->rule = x->last;
		res->policy = NULL;
		return true;
	default:
		res->verdict = v == RUN_DROP ? RS_V_DROP : RS_V_REJECT;
		res->rule = x->last;
		res->policy = NULL;
		return false;
	}
}

/* Conntrack rewrites a later packet's tuple at the NAT priority. */
static void
ct_translate(struct rs_result *res, const struct rs_pkt *p)
{
	res->xlat.saddr = p->ct_nat->saddr;
	res->xlat.daddr = p->ct_nat->daddr;
	res->xlat.sport = p->ct_nat->sport;
	res->xlat.dport = p->ct_nat->dport;
	res->xlat.ct_nat = NULL;
}

void
ruleset_eval(const struct ruleset *rs, enum rs_hook hook, const struct rs_pkt *p,
    struct rs_result *res, rs_visit_fn visit, void *arg)
{
	const struct rs_chain *order[256];
	struct run_ctx x;
	size_t i, j, n = 0;

	memset(res, 0, sizeof *res);
	res->verdict = RS_V_ACCEPT;
	for (i = 0; i < rs->nchains && n < sizeof order / sizeof order[0]; i++) {
		if (!chain_applies(rs->chains[i], hook, p))
			continue;
		/* Stable insertion by priority: equal priorities keep file order. */
		for (j = n; j > 0 && runs_after(order[j - 1], rs->chains[i]); j--)
			order[j] = order[j - 1];
		order[j] = rs->chains[i];
		n++;
	}
	res->xlat = *p;
	memset(&x, 0, sizeof x);
	x.hook = hook;
	x.pkt = &res->xlat;
	x.res = res;
	x.visit = visit;
	x.arg = arg;
	for (i = 0; i < n; i++) {
		if (p->ct_nat != NULL && p->ctstate != RS_CT_NEW &&
		    eff_prio(order[i]) > nat_prio(hook))
			ct_translate(res, p);
		/* The first translation ends the hook's nat chains. */
		if (is_nat_chain(order[i]) && res->nat_rule != NULL)
			continue;
		if (!eval_base(&x, order[i]))
			return;
	}
	if (p->ct_nat != NULL && p->ctstate != RS_CT_NEW)
		ct_translate(res, p);
}
