/* SPDX-License-Identifier: ISC */
/* ruleset_nft.c: `nft -j list ruleset` into the ruleset model.  What it
 * does not understand makes the rule undecidable, with the reason. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ruleset_int.h"

/* What the right-hand side of a match holds. */
enum vclass { VC_ADDR4, VC_ADDR6, VC_NUM, VC_PORT, VC_PROTO, VC_NFPROTO,
	VC_NAME, VC_CTSTATE, VC_FLAGS, VC_CTSTATUS };

struct nft_ctx {
	struct ruleset	*rs;
	json_t		*items;		/* the "nftables" array, borrowed */
	const char	*family, *table;	/* of the rule being parsed */
	json_t		*vmap_entry;	/* [key, verdict] this copy stands for */
	bool		 in_named;	/* reading a named set's elements */
};

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_t *
find_set(struct nft_ctx *x, const char *name)
{
	json_t *it, *s;
	const char *f, *t, *n;
	size_t i;

	json_array_foreach(x->items, i, it) {
		if ((s = json_object_get(it, "set")) == NULL &&
		    (s = json_object_get(it, "map")) == NULL)
			continue;
		f = jstr(s, "family");
		t = jstr(s, "table");
		n = jstr(s, "name");
		if (f && t && n && strcmp(f, x->family) == 0 &&
		    strcmp(t, x->table) == 0 && strcmp(n, name) == 0)
			return s;
	}
	return NULL;
}

static uint32_t
tcp_flag(const char *s)
{
	static const struct { const char *n; uint32_t v; } f[] = {
		{ "fin", 0x01 }, { "syn", 0x02 }, { "rst", 0x04 }, { "psh", 0x08 },
		{ "ack", 0x10 }, { "urg", 0x20 }, { "ecn", 0x40 }, { "cwr", 0x80 },
	};
	size_t i;

	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		if (strcmp(s, f[i].n) == 0)
			return f[i].v;
	return 0;
}

static int
port_number(const char *s)
{
	struct servent *se;
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (end != s && *end == '\0')
		return v >= 0 && v <= 65535 ? (int)v : -1;
	if ((se = getservbyname(s, "tcp")) != NULL)
		return ntohs((uint16_t)se->s_port);
	return -1;
}

/* One scalar of a given class as a number; -1 when it is none. */
static long
scalar_num(enum vclass vc, json_t *v)
{
	const char *s = json_string_value(v);

	if (json_is_integer(v))
		return (long)json_integer_value(v);
	if (s == NULL)
		return -1;
	switch (vc) {
	case VC_PORT: return port_number(s);
	case VC_PROTO: return rs_proto_parse(s);
	case VC_NFPROTO:
		return strcmp(s, "ipv4") == 0 || strcmp(s, "ip") == 0 ? 4 :
		    strcmp(s, "ipv6") == 0 || strcmp(s, "ip6") == 0 ? 6 : -1;
	case VC_CTSTATE: return rs_ctstate_word(s) ? (long)rs_ctstate_word(s) : -1;
	case VC_FLAGS: return tcp_flag(s) ? (long)tcp_flag(s) : -1;
	case VC_CTSTATUS:
		return strcmp(s, "snat") == 0 ? RS_CTS_SNAT :
		    strcmp(s, "dnat") == 0 ? RS_CTS_DNAT : -1;
	default: return -1;
	}
}

static int add_value(struct nft_ctx *, struct rs_match *, enum vclass, json_t *);

static int
add_addr(struct rs_match *m, enum vclass vc, json_t *v)
{
	struct fa_addr a, b;
	json_t *p;
	const char *s;
	int fam = vc == VC_ADDR4 ? FA_AF_INET : FA_AF_INET6;

	if ((s = json_string_value(v)) != NULL) {
		if (fa_addr_parse(s, &a) == -1 || a.family != fam)
			return -1;
		return rs_match_addr(m, &a, &a);
	}
	if ((p = json_object_get(v, "prefix")) != NULL) {
		s = jstr(p, "addr");
		if (s == NULL || fa_addr_parse(s, &a) == -1 || a.family != fam ||
		    !json_is_integer(json_object_get(p, "len")))
			return -1;
		return rs_match_prefix(m, &a,
		    (unsigned)json_integer_value(json_object_get(p, "len")));
	}
	if ((p = json_object_get(v, "range")) != NULL && json_array_size(p) == 2) {
		if (fa_addr_parse(json_string_value(json_array_get(p, 0)) ?
		    json_string_value(json_array_get(p, 0)) : "", &a) == -1 ||
		    fa_addr_parse(json_string_value(json_array_get(p, 1)) ?
		    json_string_value(json_array_get(p, 1)) : "", &b) == -1 ||
		    a.family != fam || b.family != fam)
			return -1;
		return rs_match_addr(m, &a, &b);
	}
	return -1;
}

static int
add_scalar(struct rs_match *m, enum vclass vc, json_t *v)
{
	json_t *p;
	long lo, hi;

	if (vc == VC_ADDR4 || vc == VC_ADDR6)
		return add_addr(m, vc, v);
	if (vc == VC_NAME) {
		if (!json_is_string(v))
			return -1;
		return rs_match_name(m, json_string_value(v));
	}
	if ((p = json_object_get(v, "range")) != NULL && json_array_size(p) == 2) {
		lo = scalar_num(vc, json_array_get(p, 0));
		hi = scalar_num(vc, json_array_get(p, 1));
	} else
		lo = hi = scalar_num(vc, v);
	if (lo < 0 || hi < 0)
		return -1;
	if (vc == VC_CTSTATE || vc == VC_FLAGS || vc == VC_CTSTATUS) {
		m->mask |= (uint32_t)lo;
		return 0;
	}
	return rs_match_range(m, (uint32_t)lo, (uint32_t)hi);
}

/* Sets the ruleset itself fills (update/add @set, timeouts): what is in
 * them depends on past traffic, which a capture does not hold. */
static bool
runtime_set(json_t *s)
{
	json_t *f;
	size_t i;

	json_array_foreach(json_object_get(s, "flags"), i, f)
		if (strcmp(json_string_value(f) ? json_string_value(f) : "", "dynamic") == 0 ||
		    strcmp(json_string_value(f) ? json_string_value(f) : "", "timeout") == 0)
			return true;
	return false;
}

/* Named set contents: elements of a set or the keys of a map are alike. */
static int
add_named(struct nft_ctx *x, struct rs_match *m, enum vclass vc, const char *name)
{
	json_t *s, *elem, *e;
	size_t i;
	int rc = 0;

	/* nft has no set inside a set; one naming itself would recurse. */
	if (x->in_named)
		return -1;
	if ((s = find_set(x, name)) == NULL || json_object_get(s, "map") != NULL ||
	    runtime_set(s))
		return -1;
	if (!json_is_string(json_object_get(s, "type")))
		return -1;	/* concatenations: "type": [ ... ] */
	elem = json_object_get(s, "elem");
	x->in_named = true;
	json_array_foreach(elem, i, e)
		if ((rc = add_value(x, m, vc, e)) == -1)
			break;
	x->in_named = false;
	return rc;
}

static int
add_value(struct nft_ctx *x, struct rs_match *m, enum vclass vc, json_t *v)
{
	json_t *e, *inner;
	const char *s = json_string_value(v);
	size_t i;

	if (s != NULL && s[0] == '@')
		return add_named(x, m, vc, s + 1);
	if ((inner = json_object_get(v, "elem")) != NULL)
		return add_value(x, m, vc, json_object_get(inner, "val"));
	if ((inner = json_object_get(v, "set")) != NULL)
		v = inner;
	if ((inner = json_object_get(v, "|")) != NULL)
		v = inner;	/* flag lists: syn | ack */
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (add_value(x, m, vc, e) == -1)
				return -1;
		return 0;
	}
	return add_scalar(m, vc, v);
}

/* An L4 header of another protocol never matches a TCP packet; keep that
 * much of a match on e.g. udp or icmpv6 fields. */
static int
other_l4(struct rs_rule *r, const char *proto)
{
	struct rs_match *m;
	int p;

	if ((p = rs_proto_parse(proto)) < 0 || p == 6)
		return -1;
	if ((m = rs_match_add(r, RS_K_L4PROTO)) == NULL)
		return -2;
	return rs_match_range(m, (uint32_t)p, (uint32_t)p) == 0 ? 0 : -2;
}

static int
implied_family(struct rs_rule *r, int fam)
{
	struct rs_match *m;

	if ((m = rs_match_add(r, RS_K_NFPROTO)) == NULL)
		return -1;
	return rs_match_range(m, (uint32_t)fam, (uint32_t)fam);
}

/* The key and value class of a payload match; 0, -1 unknown, -2 ENOMEM,
 * 1 when the match was fully handled (another protocol). */
static int
payload_key(struct rs_rule *r, json_t *pl, enum rs_key *key, enum vclass *vc)
{
	const char *proto = jstr(pl, "protocol"), *field = jstr(pl, "field");
	int v;

	if (proto == NULL || field == NULL)
		return -1;
	if (strcmp(proto, "ip") == 0 || strcmp(proto, "ip6") == 0) {
		bool v4 = strcmp(proto, "ip") == 0;
		if (strcmp(field, "saddr") == 0 || strcmp(field, "daddr") == 0) {
			*key = field[0] == 's' ? RS_K_SADDR : RS_K_DADDR;
			*vc = v4 ? VC_ADDR4 : VC_ADDR6;
			return 0;
		}
		if (strcmp(field, v4 ? "protocol" : "nexthdr") == 0) {
			*key = RS_K_L4PROTO;
			*vc = VC_PROTO;
			return implied_family(r, v4 ? 4 : 6) == 0 ? 0 : -2;
		}
		return -1;
	}
	if (strcmp(proto, "tcp") == 0 || strcmp(proto, "th") == 0) {
		if (strcmp(field, "sport") == 0 || strcmp(field, "dport") == 0) {
			*key = field[0] == 's' ? RS_K_SPORT : RS_K_DPORT;
			*vc = VC_PORT;
			return 0;
		}
		if (strcmp(proto, "tcp") == 0 && strcmp(field, "flags") == 0) {
			*key = RS_K_TCPFLAGS;
			*vc = VC_FLAGS;
			return 0;
		}
		return -1;
	}
	v = other_l4(r, proto);
	return v == 0 ? 1 : v;
}

static int
meta_key(json_t *meta, enum rs_key *key, enum vclass *vc)
{
	const char *k = jstr(meta, "key");

	if (k == NULL)
		return -1;
	if (strcmp(k, "iif") == 0 || strcmp(k, "iifname") == 0 ||
	    strcmp(k, "oif") == 0 || strcmp(k, "oifname") == 0) {
		*key = k[0] == 'i' ? RS_K_IIF : RS_K_OIF;
		*vc = VC_NAME;
		return 0;
	}
	if (strcmp(k, "l4proto") == 0) {
		*key = RS_K_L4PROTO;
		*vc = VC_PROTO;
		return 0;
	}
	if (strcmp(k, "nfproto") == 0 || strcmp(k, "protocol") == 0) {
		*key = RS_K_NFPROTO;
		*vc = VC_NFPROTO;
		return 0;
	}
	return -1;
}

static int
ct_key(json_t *ct, enum rs_key *key, enum vclass *vc)
{
	const char *k = jstr(ct, "key");

	if (k == NULL || json_object_get(ct, "dir") != NULL)
		return -1;
	if (strcmp(k, "state") == 0) {
		*key = RS_K_CTSTATE;
		*vc = VC_CTSTATE;
		return 0;
	}
	if (strcmp(k, "status") == 0) {
		*key = RS_K_CTSTATUS;
		*vc = VC_CTSTATUS;
		return 0;
	}
	if (strcmp(k, "helper") == 0) {
		*key = RS_K_HELPER;
		*vc = VC_NAME;
		return 0;
	}
	return -1;
}

/* "tcp flags & (syn | ack) == syn": left is {"&": [payload, mask]}. */
static int
masked_flags(struct nft_ctx *x, struct rs_rule *r, json_t *and, json_t *right,
    bool neg)
{
	struct rs_match *m, tmp;
	json_t *pl = json_object_get(json_array_get(and, 0), "payload");

	if (pl == NULL || json_array_size(and) != 2 ||
	    strcmp(jstr(pl, "protocol") ? jstr(pl, "protocol") : "", "tcp") != 0 ||
	    strcmp(jstr(pl, "field") ? jstr(pl, "field") : "", "flags") != 0)
		return -1;
	memset(&tmp, 0, sizeof tmp);
	if (add_value(x, &tmp, VC_FLAGS, json_array_get(and, 1)) == -1)
		return -1;
	if ((m = rs_match_add(r, RS_K_TCPFLAGS)) == NULL)
		return -2;
	m->mask = tmp.mask;
	tmp.mask = 0;
	if (!json_is_integer(right) || json_integer_value(right) != 0)
		if (add_value(x, &tmp, VC_FLAGS, right) == -1)
			return -1;
	m->value = tmp.mask;
	m->neg = neg;
	return 0;
}

static int
relational(struct rs_match *m, const char *op, json_t *right)
{
	long v = json_is_integer(right) ? (long)json_integer_value(right) : -1;

	if (v < 0 || v > 65535)
		return -1;
	if (strcmp(op, "<") == 0)
		return v == 0 ? 0 : rs_match_range(m, 0, (uint32_t)v - 1);
	if (strcmp(op, "<=") == 0)
		return rs_match_range(m, 0, (uint32_t)v);
	if (strcmp(op, ">") == 0)
		return rs_match_range(m, (uint32_t)v + 1, 65535);
	if (strcmp(op, ">=") == 0)
		return rs_match_range(m, (uint32_t)v, 65535);
	return -1;
}

static int
parse_match1(struct nft_ctx *x, struct rs_rule *r, json_t *mt)
{
	json_t *left = json_object_get(mt, "left"), *right = json_object_get(mt, "right");
	const char *op = jstr(mt, "op") ? jstr(mt, "op") : "==";
	enum rs_key key;
	enum vclass vc;
	struct rs_match *m;
	json_t *sub;
	bool neg = strcmp(op, "!=") == 0, rel = false;
	int v = -1;

	if ((sub = json_object_get(left, "&")) != NULL)
		return masked_flags(x, r, sub, right, neg);
	if ((sub = json_object_get(left, "payload")) != NULL)
		v = payload_key(r, sub, &key, &vc);
	else if ((sub = json_object_get(left, "meta")) != NULL)
		v = meta_key(sub, &key, &vc);
	else if ((sub = json_object_get(left, "ct")) != NULL)
		v = ct_key(sub, &key, &vc);
	if (v != 0)
		return v == 1 ? 0 : v;
	if (strcmp(op, "==") != 0 && !neg && strcmp(op, "in") != 0) {
		if (vc != VC_PORT && vc != VC_NUM && vc != VC_PROTO)
			return -1;
		rel = true;
	}
	if ((m = rs_match_add(r, key)) == NULL)
		return -2;
	m->neg = neg;
	if (key == RS_K_TCPFLAGS) {
		/* "tcp flags syn" (in): any of them; "== syn": exactly. */
		m->flags_any = strcmp(op, "in") == 0;
		if (add_value(x, m, vc, right) == -1)
			return -1;
		m->value = m->mask;
		if (!m->flags_any)
			m->mask = 0xff;
		return 0;
	}
	if (rel)
		return relational(m, op, right);
	if (add_value(x, m, vc, right) == -1)
		return -1;
	if (vc == VC_ADDR4 || vc == VC_ADDR6)
		m->afam = vc == VC_ADDR4 ? FA_AF_INET : FA_AF_INET6;
	return 0;
}

/* 0, -1 (not understood: the rule is undecidable), -2 ENOMEM.  A match
 * not understood leaves no half-built condition behind: with no values
 * it would look like one that never holds. */
static int
parse_match(struct nft_ctx *x, struct rs_rule *r, json_t *mt)
{
	size_t before = r->nm, j;
	struct rs_match *m;
	int rc;

	if ((rc = parse_match1(x, r, mt)) != -1)
		return rc;
	while (r->nm > before) {
		m = &r->m[--r->nm];
		free(m->r);
		free(m->a);
		for (j = 0; j < m->nnames; j++)
			free(m->names[j]);
		free(m->names);
	}
	return -1;
}

static const char *
helper_type(struct nft_ctx *x, const char *name)
{
	struct ruleset *rs = x->rs;
	size_t i;

	for (i = 0; i < rs->nhelpers; i++)
		if (rs->helpers[i].fam == (strcmp(x->family, "inet") == 0 ?
		    RS_FAM_INET : strcmp(x->family, "ip") == 0 ? RS_FAM_IP :
		    strcmp(x->family, "ip6") == 0 ? RS_FAM_IP6 : 0) &&
		    strcmp(rs->helpers[i].table, x->table) == 0 &&
		    strcmp(rs->helpers[i].name, name) == 0)
			return rs->helpers[i].type;
	return NULL;
}

static int
helper_stmt(struct nft_ctx *x, struct rs_rule *r, const char *obj)
{
	const char *type;

	if (obj == NULL || (type = helper_type(x, obj)) == NULL) {
		rs_rule_vunknown(r, "ct helper set: unknown helper object");
		return 0;
	}
	free(r->helper_set);
	return (r->helper_set = strdup(type)) == NULL ? -2 : 0;
}

static int
verdict_stmt(struct rs_rule *r, const char *k, json_t *v)
{
	static const struct { const char *n; enum rs_verdict v; } tab[] = {
		{ "accept", RS_V_ACCEPT }, { "drop", RS_V_DROP },
		{ "reject", RS_V_REJECT }, { "return", RS_V_RETURN },
		{ "jump", RS_V_JUMP }, { "goto", RS_V_GOTO },
		{ "continue", RS_V_CONTINUE },
	};
	size_t i;
	const char *t;

	for (i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		if (strcmp(k, tab[i].n) != 0)
			continue;
		/* Without a target, or after another jump, there is no chain
		 * to go to: undecidable, never a jump to nowhere. */
		if ((tab[i].v == RS_V_JUMP || tab[i].v == RS_V_GOTO) &&
		    ((t = jstr(v, "target")) == NULL || r->target != NULL)) {
			rs_rule_vunknown(r, "'%s' without a target, or a second one", k);
			return -1;
		}
		r->verdict = tab[i].v;
		if (r->verdict == RS_V_JUMP || r->verdict == RS_V_GOTO)
			return (r->target = strdup(t)) == NULL ? -2 : 0;
		return 0;
	}
	return 1;
}

static void unknown_match(struct rs_rule *, json_t *);

/* One entry of a verdict map: the key match and the verdict of the entry
 * this copy of the rule stands for (parse_rule makes one per entry). */
static int
vmap_stmt(struct nft_ctx *x, struct rs_rule *r, json_t *v)
{
	json_t *e = x->vmap_entry, *mt, *verdict;
	const char *k;
	int rc;

	if (e == NULL || !json_is_array(e) || json_array_size(e) != 2) {
		rs_rule_vunknown(r, "verdict map not understood");
		return 0;
	}
	mt = json_pack("{s:s, s:O, s:O}", "op", "==", "left",
	    json_object_get(v, "key"), "right", json_array_get(e, 0));
	if (mt == NULL)
		return -2;
	rc = parse_match(x, r, mt);
	if (rc == -1)
		unknown_match(r, mt);
	json_decref(mt);
	if (rc == -2)
		return -2;
	verdict = json_array_get(e, 1);
	k = json_object_iter_key(json_object_iter(verdict));
	if (k == NULL || verdict_stmt(r, k, json_object_get(verdict, k)) != 0)
		rs_rule_vunknown(r, "verdict map entry not understood");
	return 0;
}

/* A NAT address: "10.0.2.2" or {"range": [lo, hi]}; 0 or -1. */
static int
nat_addr(json_t *v, struct rs_natspec *n)
{
	json_t *rg = json_object_get(v, "range");

	if (json_is_string(v)) {
		if (fa_addr_parse(json_string_value(v), &n->lo) == -1)
			return -1;
		n->hi = n->lo;
	} else if (json_is_array(rg) && json_array_size(rg) == 2) {
		if (fa_addr_parse(json_string_value(json_array_get(rg, 0)) ?
		    json_string_value(json_array_get(rg, 0)) : "", &n->lo) == -1 ||
		    fa_addr_parse(json_string_value(json_array_get(rg, 1)) ?
		    json_string_value(json_array_get(rg, 1)) : "", &n->hi) == -1)
			return -1;
	} else
		return -1;
	n->has_addr = true;
	return 0;
}

/* A NAT port: 21 or {"range": [lo, hi]}; 0 or -1. */
static int
nat_port(json_t *v, struct rs_natspec *n)
{
	json_t *rg = json_object_get(v, "range");
	json_int_t lo, hi;

	if (json_is_integer(v))
		lo = hi = json_integer_value(v);
	else if (json_is_array(rg) && json_array_size(rg) == 2 &&
	    json_is_integer(json_array_get(rg, 0)) &&
	    json_is_integer(json_array_get(rg, 1))) {
		lo = json_integer_value(json_array_get(rg, 0));
		hi = json_integer_value(json_array_get(rg, 1));
	} else
		return -1;
	if (lo < 0 || hi > 65535 || lo > hi)
		return -1;
	n->port_lo = (int)lo;
	n->port_hi = (int)hi;
	return 0;
}

/* dnat, snat, masquerade, redirect: terminal in their nat chain.  An
 * address or port from a map or an expression cannot be followed. */
static int
nat_stmt(struct rs_rule *r, const char *k, json_t *v)
{
	struct rs_natspec *n = &r->nat;
	json_t *a, *p;

	memset(n, 0, sizeof *n);
	n->port_lo = n->port_hi = -1;
	if (strcmp(k, "dnat") == 0)
		n->kind = RS_NAT_DNAT;
	else if (strcmp(k, "snat") == 0)
		n->kind = RS_NAT_SNAT;
	else if (strcmp(k, "masquerade") == 0)
		n->kind = RS_NAT_MASQ;
	else
		n->kind = RS_NAT_REDIRECT;
	r->verdict = RS_V_ACCEPT;
	a = json_object_get(v, "addr");
	p = json_object_get(v, "port");
	if ((a != NULL && nat_addr(a, n) == -1) ||
	    (p != NULL && nat_port(p, n) == -1)) {
		rs_rule_vunknown(r, "%s: address or port not understood", k);
		return 0;
	}
	if ((n->kind == RS_NAT_DNAT || n->kind == RS_NAT_SNAT) && !n->has_addr &&
	    n->port_lo < 0)
		rs_rule_vunknown(r, "%s without an address", k);
	return 0;
}

/* The reason names the expression, shortened: an administrator finds it. */
static void
unknown_match(struct rs_rule *r, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT);

	rs_rule_unknown(r, "match not understood: %.100s", s ? s : "?");
	free(s);
}

static int
parse_stmt(struct nft_ctx *x, struct rs_rule *r, json_t *st)
{
	const char *k, *name;
	json_t *v, *key;
	int rc;

	if (json_object_size(st) != 1)
		return -1;
	k = json_object_iter_key(json_object_iter(st));
	v = json_object_get(st, k);
	if (strcmp(k, "match") == 0) {
		if ((rc = parse_match(x, r, v)) == -1)
			unknown_match(r, v);
		return rc == -2 ? -2 : 0;
	}
	if ((rc = verdict_stmt(r, k, v)) <= 0)
		return rc;
	if (strcmp(k, "counter") == 0) {
		r->has_counter = true;
		r->packets = (uint64_t)json_integer_value(json_object_get(v, "packets"));
		r->bytes = (uint64_t)json_integer_value(json_object_get(v, "bytes"));
		return 0;
	}
	if (strcmp(k, "ct helper") == 0)
		return helper_stmt(x, r, json_string_value(v));
	if (strcmp(k, "mangle") == 0) {
		key = json_object_get(json_object_get(v, "key"), "ct");
		if (key != NULL && strcmp(jstr(key, "key") ? jstr(key, "key") : "",
		    "helper") == 0)
			return helper_stmt(x, r, jstr(v, "value"));
		return 0;	/* marks: later mark matches are undecidable anyway */
	}
	if (strcmp(k, "log") == 0 || strcmp(k, "comment") == 0 ||
	    strcmp(k, "set") == 0 || strcmp(k, "map") == 0)
		return 0;	/* no effect on this packet's verdict */
	if (strcmp(k, "vmap") == 0)
		return vmap_stmt(x, r, v);
	if (strcmp(k, "snat") == 0 || strcmp(k, "masquerade") == 0 ||
	    strcmp(k, "dnat") == 0 || strcmp(k, "redirect") == 0)
		return nat_stmt(r, k, v);
	if (strcmp(k, "limit") == 0 || strcmp(k, "quota") == 0 ||
	    strcmp(k, "numgen") == 0) {
		rs_rule_unknown(r, "'%s': depends on traffic rates", k);
		return 0;
	}
	if (strcmp(k, "xt") == 0) {
		name = jstr(v, "name") ? jstr(v, "name") : "?";
		if (strcmp(jstr(v, "type") ? jstr(v, "type") : "", "target") == 0)
			rs_rule_vunknown(r, "iptables target %s (xt, opaque in nft JSON)", name);
		else
			rs_rule_unknown(r, "iptables match %s (xt, opaque in nft JSON)", name);
		return 0;
	}
	rs_rule_vunknown(r, "statement '%s'", k);
	return 0;
}

/* The entries of the rule's verdict map ([key, verdict] pairs), or NULL. */
static json_t *
vmap_entries(struct nft_ctx *x, json_t *expr)
{
	json_t *e, *vm, *data, *m;
	const char *s;
	size_t i;

	json_array_foreach(expr, i, e) {
		if ((vm = json_object_get(e, "vmap")) == NULL)
			continue;
		data = json_object_get(vm, "data");
		if ((s = json_string_value(data)) != NULL && s[0] == '@') {
			m = find_set(x, s + 1);
			if (m == NULL || strcmp(jstr(m, "map") ? jstr(m, "map") : "",
			    "verdict") != 0)
				return NULL;
			return json_object_get(m, "elem");
		}
		return json_object_get(data, "set");
	}
	return NULL;
}

/*
 * What a rule says, as `nft list ruleset` would print it, for the
 * reports: "tcp dport 21 accept comment \"ftp\"".  The common
 * expressions are written out; anything else as its compact JSON, so
 * that nothing is hidden.
 */
#define TEXT_MAX	400

static void text_value(FILE *, json_t *, bool quote);

static void
text_json(FILE *f, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	fputs(s != NULL ? s : "?", f);
	free(s);
}

/* Interface names, helper names: nft prints them quoted. */
static bool
quoted_key(json_t *left)
{
	json_t *m = json_object_get(left, "meta"), *c = json_object_get(left, "ct");
	const char *k = jstr(m != NULL ? m : c, "key");

	if (k == NULL)
		return false;
	if (m != NULL)
		return strncmp(k, "iif", 3) == 0 || strncmp(k, "oif", 3) == 0;
	return strcmp(k, "helper") == 0;
}

static void
text_left(FILE *f, json_t *l)
{
	json_t *o;
	const char *k;

	if ((o = json_object_get(l, "payload")) != NULL && jstr(o, "field") != NULL)
		fprintf(f, "%s %s", jstr(o, "protocol") ? jstr(o, "protocol") : "?",
		    jstr(o, "field"));
	else if ((o = json_object_get(l, "meta")) != NULL &&
	    (k = jstr(o, "key")) != NULL)
		fprintf(f, "%s%s", strncmp(k, "iif", 3) == 0 ||
		    strncmp(k, "oif", 3) == 0 ? "" : "meta ", k);
	else if ((o = json_object_get(l, "ct")) != NULL &&
	    (k = jstr(o, "key")) != NULL)
		fprintf(f, "ct %s%s%s", jstr(o, "dir") ? jstr(o, "dir") : "",
		    jstr(o, "dir") ? " " : "", k);
	else if ((o = json_object_get(l, "&")) != NULL && json_array_size(o) == 2) {
		text_left(f, json_array_get(o, 0));
		fputs(" & ", f);
		text_value(f, json_array_get(o, 1), false);
	} else
		text_json(f, l);
}

static void
text_list(FILE *f, json_t *v, const char *open, const char *sep,
    const char *close, bool quote)
{
	json_t *e;
	size_t i;

	fputs(open, f);
	json_array_foreach(v, i, e) {
		fputs(i ? sep : "", f);
		text_value(f, e, quote);
	}
	fputs(close, f);
}

static void
text_value(FILE *f, json_t *v, bool quote)
{
	json_t *o;
	const char *s = json_string_value(v);

	if (s != NULL)
		fprintf(f, quote && s[0] != '@' ? "\"%s\"" : "%s", s);
	else if (json_is_integer(v))
		fprintf(f, "%lld", (long long)json_integer_value(v));
	else if ((o = json_object_get(v, "set")) != NULL && json_is_array(o))
		text_list(f, o, "{ ", ", ", " }", quote);
	else if (o != NULL)
		text_value(f, o, quote);
	else if ((o = json_object_get(v, "range")) != NULL && json_array_size(o) == 2)
		text_list(f, o, "", "-", "", quote);
	else if ((o = json_object_get(v, "prefix")) != NULL)
		fprintf(f, "%s/%lld", jstr(o, "addr") ? jstr(o, "addr") : "?",
		    (long long)json_integer_value(json_object_get(o, "len")));
	else if ((o = json_object_get(v, "elem")) != NULL)
		text_value(f, json_object_get(o, "val"), quote);
	else if ((o = json_object_get(v, "|")) != NULL && json_is_array(o))
		text_list(f, o, "", " | ", "", quote);
	else if (json_is_array(v) && json_array_size(v) == 2 &&
	    json_is_object(json_array_get(v, 1)) &&
	    json_object_size(json_array_get(v, 1)) == 1) {
		/* A verdict map entry: key : verdict. */
		text_value(f, json_array_get(v, 0), quote);
		fprintf(f, " : %s", json_object_iter_key(json_object_iter(
		    json_array_get(v, 1))));
	} else if (json_is_array(v))
		text_list(f, v, "", ",", "", quote);
	else if (json_object_get(v, "payload") || json_object_get(v, "meta") ||
	    json_object_get(v, "ct"))
		text_left(f, v);
	else
		text_json(f, v);
}

static void
text_match(FILE *f, json_t *m)
{
	const char *op = jstr(m, "op");

	text_left(f, json_object_get(m, "left"));
	if (op != NULL && strcmp(op, "==") != 0 && strcmp(op, "in") != 0)
		fprintf(f, " %s", op);
	fputc(' ', f);
	text_value(f, json_object_get(m, "right"), quoted_key(json_object_get(m,
	    "left")));
}

static bool
is_nat_key(const char *k)
{
	return strcmp(k, "dnat") == 0 || strcmp(k, "snat") == 0 ||
	    strcmp(k, "masquerade") == 0 || strcmp(k, "redirect") == 0;
}

/* As nft prints it ("dnat to 10.0.2.2:21"), when the parser follows it. */
static void
text_nat(FILE *f, const char *k, json_t *v)
{
	struct rs_rule r;
	char buf[160];

	memset(&r, 0, sizeof r);
	nat_stmt(&r, k, v);
	if (r.vunknown == NULL)
		fputs(rs_nat_describe(&r.nat, buf, sizeof buf), f);
	else {
		fprintf(f, "%s ", k);
		text_json(f, v);
	}
	free(r.vunknown);
}

static void
text_stmt(FILE *f, json_t *st)
{
	const char *k = json_object_iter_key(json_object_iter(st));
	json_t *v = json_object_get(st, k != NULL ? k : "");

	if (k == NULL)
		text_json(f, st);
	else if (strcmp(k, "match") == 0)
		text_match(f, v);
	else if (strcmp(k, "jump") == 0 || strcmp(k, "goto") == 0)
		fprintf(f, "%s %s", k, jstr(v, "target") ? jstr(v, "target") : "?");
	else if (strcmp(k, "ct helper") == 0)
		fprintf(f, "ct helper set \"%s\"", json_string_value(v) ?
		    json_string_value(v) : "?");
	else if (strcmp(k, "mangle") == 0) {
		text_left(f, json_object_get(v, "key"));
		fputs(" set ", f);
		text_value(f, json_object_get(v, "value"), true);
	} else if (strcmp(k, "vmap") == 0) {
		text_left(f, json_object_get(v, "key"));
		fputs(" vmap ", f);
		text_value(f, json_object_get(v, "data"), false);
	} else if (strcmp(k, "log") == 0 && jstr(v, "prefix") != NULL)
		fprintf(f, "log prefix \"%s\"", jstr(v, "prefix"));
	else if (is_nat_key(k) && !json_is_null(v))
		text_nat(f, k, v);
	else if (strcmp(k, "xt") == 0)
		fprintf(f, "xt %s \"%s\"", jstr(v, "type") ? jstr(v, "type") : "?",
		    jstr(v, "name") ? jstr(v, "name") : "?");
	else if (json_is_null(v) || strcmp(k, "counter") == 0 ||
	    strcmp(k, "log") == 0 || strcmp(k, "reject") == 0 ||
	    strcmp(k, "masquerade") == 0)
		fputs(k, f);
	else {
		fprintf(f, "%s ", k);
		text_json(f, v);
	}
}

/* NULL on ENOMEM. */
static char *
rule_text(json_t *o)
{
	char *body = NULL, *text;
	size_t len = 0, i;
	json_t *e;
	FILE *f;

	if ((f = open_memstream(&body, &len)) == NULL)
		return NULL;
	json_array_foreach(json_object_get(o, "expr"), i, e) {
		fputs(i ? " " : "", f);
		text_stmt(f, e);
	}
	if (jstr(o, "comment") != NULL)
		fprintf(f, " comment \"%s\"", jstr(o, "comment"));
	if (fclose(f) != 0) {
		free(body);
		return NULL;
	}
	if (len > TEXT_MAX)
		strcpy(body + TEXT_MAX - 3, "...");
	text = rs_escape(body, strlen(body));
	free(body);
	return text;
}

static int
parse_copy(struct nft_ctx *x, json_t *o, struct rs_chain *ch, struct rs_rule **leader)
{
	struct rs_rule *r;
	json_t *e;
	size_t i;

	if ((r = rs_rule_add(x->rs, ch)) == NULL)
		return -2;
	r->leader = *leader;
	if (*leader == NULL)
		*leader = r;
	r->handle = (uint64_t)json_integer_value(json_object_get(o, "handle"));
	if (jstr(o, "comment") != NULL && (r->comment = strdup(jstr(o, "comment"))) == NULL)
		return -2;
	if ((r->text = rule_text(o)) == NULL)
		return -2;
	json_array_foreach(json_object_get(o, "expr"), i, e)
		if (parse_stmt(x, r, e) == -2)
			return -2;
	return 0;
}

/* A rule with a verdict map becomes one copy per entry, in order: the
 * first whose key matches decides, as the map lookup would. */
static int
parse_rule(struct nft_ctx *x, json_t *o)
{
	const char *f = jstr(o, "family"), *t = jstr(o, "table"), *c = jstr(o, "chain");
	struct rs_rule *leader = NULL;
	struct rs_chain *ch;
	json_t *entries;
	size_t i, n;

	if (f == NULL || t == NULL || c == NULL)
		return -1;
	if ((ch = rs_chain_find(x->rs, f, t, c)) == NULL)
		return -1;
	x->family = f;
	x->table = t;
	x->vmap_entry = NULL;
	entries = vmap_entries(x, json_object_get(o, "expr"));
	if ((n = json_array_size(entries)) == 0)
		return parse_copy(x, o, ch, &leader);
	for (i = 0; i < n; i++) {
		x->vmap_entry = json_array_get(entries, i);
		if (parse_copy(x, o, ch, &leader) == -2)
			return -2;
	}
	x->vmap_entry = NULL;
	return 0;
}

static int
named_prio(json_t *p)
{
	static const struct { const char *n; int v; } tab[] = {
		{ "raw", -300 }, { "mangle", -150 }, { "dstnat", -100 },
		{ "filter", 0 }, { "security", 50 }, { "srcnat", 100 },
	};
	const char *s = json_string_value(p);
	size_t i;

	if (json_is_integer(p))
		return (int)json_integer_value(p);
	for (i = 0; s != NULL && i < sizeof tab / sizeof tab[0]; i++)
		if (strcmp(s, tab[i].n) == 0)
			return tab[i].v;
	return 0;
}

static int
parse_chain(struct nft_ctx *x, json_t *o)
{
	const char *f = jstr(o, "family"), *t = jstr(o, "table"), *n = jstr(o, "name");
	const char *hook = jstr(o, "hook"), *pol = jstr(o, "policy"), *type = jstr(o, "type");
	struct rs_chain *c;

	if (f == NULL || t == NULL || n == NULL)
		return -1;
	if ((c = rs_chain_find(x->rs, f, t, n)) == NULL &&
	    (c = rs_chain_add(x->rs, f, t, n)) == NULL)
		return -2;
	if (hook == NULL)
		return 0;
	c->base = true;
	c->hook = rs_hook_parse(hook);
	c->prio = named_prio(json_object_get(o, "prio"));
	c->policy = pol != NULL && strcmp(pol, "drop") == 0 ? RS_V_DROP : RS_V_ACCEPT;
	free(c->type);		/* listed again: the last one holds */
	c->type = NULL;
	if (type != NULL && (c->type = strdup(type)) == NULL)
		return -2;
	return 0;
}

static int
parse_helper(struct nft_ctx *x, json_t *o)
{
	struct ruleset *rs = x->rs;
	struct rs_helper_obj *v;
	const char *f = jstr(o, "family"), *t = jstr(o, "table"), *n = jstr(o, "name");
	const char *type = jstr(o, "type");

	if (f == NULL || t == NULL || n == NULL || type == NULL)
		return -1;
	if ((v = reallocarray(rs->helpers, rs->nhelpers + 1, sizeof *v)) == NULL)
		return -2;
	rs->helpers = v;
	v = &rs->helpers[rs->nhelpers];
	v->fam = strcmp(f, "inet") == 0 ? RS_FAM_INET : strcmp(f, "ip") == 0 ?
	    RS_FAM_IP : strcmp(f, "ip6") == 0 ? RS_FAM_IP6 : 0;
	v->table = strdup(t);
	v->name = strdup(n);
	v->type = strdup(type);
	rs->nhelpers++;
	return v->table && v->name && v->type ? 0 : -2;
}

/* What is wrong with item i, or NULL: the dump is refused rather than
 * read in part (a rule left out could be the one that drops). */
static const char *
item_problem(struct nft_ctx *x, json_t *it, int pass, const char **what)
{
	json_t *o;
	const char *f, *t, *c;

	*what = "";
	if (!json_is_object(it))
		return "not an object";
	if (pass == 0 && (o = json_object_get(it, "chain")) != NULL) {
		*what = ".chain";
		if (jstr(o, "family") == NULL || jstr(o, "table") == NULL ||
		    jstr(o, "name") == NULL)
			return "missing family, table or name";
	}
	if (pass == 1 && (o = json_object_get(it, "rule")) != NULL) {
		*what = ".rule";
		f = jstr(o, "family");
		t = jstr(o, "table");
		c = jstr(o, "chain");
		if (f == NULL || t == NULL || c == NULL)
			return "missing family, table or chain";
		if (!json_is_array(json_object_get(o, "expr")))
			return "no \"expr\" array";
		if (rs_chain_find(x->rs, f, t, c) == NULL)
			return "its chain is not declared";
	}
	return NULL;
}

/* Chains and helper objects first: rules refer to both. */
static int
walk(struct nft_ctx *x, char **cause)
{
	json_t *it, *o;
	const char *problem, *what;
	size_t i;
	int rc;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		json_array_foreach(x->items, i, it) {
			if ((problem = item_problem(x, it, pass, &what)) != NULL) {
				if (asprintf(cause, "$.nftables[%zu]%s: %s", i, what,
				    problem) == -1)
					*cause = NULL;
				return -1;
			}
			rc = 0;
			if (pass == 0 && (o = json_object_get(it, "chain")) != NULL)
				rc = parse_chain(x, o);
			else if (pass == 0 && (o = json_object_get(it, "ct helper")) != NULL)
				rc = parse_helper(x, o);
			else if (pass == 1 && (o = json_object_get(it, "rule")) != NULL)
				rc = parse_rule(x, o);
			if (rc == -2) {
				*cause = strdup("out of memory");
				return -1;
			}
			if (rc == -1) {
				if (asprintf(cause, "$.nftables[%zu]: missing family, "
				    "table or name", i) == -1)
					*cause = NULL;
				return -1;
			}
		}
	}
	return 0;
}

/* nft -j list ruleset always starts with its metainfo: without it, the
 * JSON is some other program's. */
static bool
has_metainfo(json_t *items)
{
	json_t *it;
	size_t i;

	json_array_foreach(items, i, it)
		if (json_object_get(it, "metainfo") != NULL)
			return true;
	return false;
}

struct ruleset *
ruleset_parse_nft(const char *text, size_t len, const char *source, char **cause)
{
	struct nft_ctx x;
	json_error_t err;
	json_t *root;

	*cause = NULL;
	if ((root = json_loadb(text, len, 0, &err)) == NULL) {
		if (asprintf(cause, "line %d column %d: %s (not valid JSON)",
		    err.line, err.column, err.text) == -1)
			*cause = NULL;
		return NULL;
	}
	memset(&x, 0, sizeof x);
	if (!json_is_array(x.items = json_object_get(root, "nftables"))) {
		*cause = strdup("$: no \"nftables\" array (not the JSON of "
		    "nft -j list ruleset)");
		json_decref(root);
		return NULL;
	}
	if (!has_metainfo(x.items)) {
		*cause = strdup("$.nftables: no \"metainfo\" object (not the "
		    "JSON of nft -j list ruleset)");
		json_decref(root);
		return NULL;
	}
	if ((x.rs = rs_new(RS_FMT_NFT, source)) == NULL) {
		*cause = strdup("out of memory");
		json_decref(root);
		return NULL;
	}
	if (walk(&x, cause) == -1 || rs_finish(x.rs, cause) == -1) {
		ruleset_free(x.rs);
		x.rs = NULL;
	}
	json_decref(root);
	return x.rs;
}
