/* SPDX-License-Identifier: ISC */
/* audit_fix.c: the denied flows turned into fixes that apply: accept
 * rules of the kind `rules` recommends, one per server, purpose and
 * chain with their peers and ports merged, each placed before the first
 * rule that denied one of its flows (or at the end of the chain whose
 * policy did); and, for passive data the gateway did not translate, the
 * dnat `rules --side gateway` recommends, in its prerouting nat chain. */
#include <stdlib.h>
#include <string.h>

#include "audit_int.h"

struct fix_index {
	uint32_t	*slot;		/* owned */
	size_t		 nslot;		/* a power of two */
	size_t		 nat_last;	/* the last dnat fix merged into, + 1 */
};

static enum rules_chain
hook_chain(enum rs_hook h)
{
	switch (h) {
	case RS_HOOK_PREROUTING: return RC_PREROUTING;
	case RS_HOOK_FORWARD: return RC_FORWARD;
	case RS_HOOK_OUTPUT:
	case RS_HOOK_POSTROUTING: return RC_OUTPUT;
	default: return RC_INPUT;
	}
}

/* The packet that failed: the reply or a later one needs established
 * traffic let through; a related first packet, the helper's data. */
static enum rules_purpose
fix_purpose(const struct audit_flow *f)
{
	if (f->failed_pkt != 0)
		return RP_ESTABLISHED;
	if (f->related)
		return RP_HELPER_RELATED;
	if (f->purpose == AP_CONTROL)
		return RP_CONTROL;
	return f->purpose == AP_PASSIVE ? RP_PASSIVE : RP_ACTIVE;
}

static bool
by_address(enum rules_purpose p)
{
	return p == RP_CONTROL || p == RP_PASSIVE || p == RP_ACTIVE;
}

/* The chain the flow was denied in: the denying rule's (maybe a chain
 * jumped to) or the base chain whose policy dropped it. */
static const struct rs_chain *
deny_chain(const struct audit_flow *f)
{
	return f->rule != NULL ? f->rule->chain : f->failed_base;
}

static const struct fa_addr *
server_of(const struct audit_flow *f)
{
	return f->purpose == AP_ACTIVE ? &f->initiator.ip : &f->responder.ip;
}

/* The merge key's hash: chain, purpose, family and, for rules with
 * addresses, the server.  The chain is one of a few: its number in
 * memory, less the bits its alignment leaves zero, is enough. */
static uint32_t
key_hash(const struct rs_chain *c, enum rules_purpose p, int family,
    const struct fa_addr *server)
{
	static const struct fa_addr none;
	uint32_t extra = (uint32_t)((uintptr_t)c >> 4) * 2654435761u ^
	    (uint32_t)p << 8 ^ (uint32_t)family;

	return fa_addr_hash(server != NULL ? server : &none, extra);
}

static bool
same_key(const struct audit_fix *x, const struct rs_chain *c,
    enum rules_purpose p, int family, const struct fa_addr *server)
{
	return x->chain == c && x->rule.purpose == p && x->rule.family == family &&
	    (server == NULL || fa_addr_eq(&x->server, server));
}

/* A denied capture can hold a fix per server: the fixes are found by a
 * hash of their key (slot: index + 1, 0 empty), grown at half full. */
static int
index_grow(struct fix_index *ix, const struct audit *a)
{
	size_t n = ix->nslot ? ix->nslot * 2 : 64, i, j;
	const struct audit_fix *x;
	uint32_t *v;

	if ((v = calloc(n, sizeof *v)) == NULL)
		return -1;
	for (i = 0; i < a->nfixes; i++) {
		x = &a->fixes[i];
		j = key_hash(x->chain, x->rule.purpose, x->rule.family,
		    by_address(x->rule.purpose) ? &x->server : NULL) & (n - 1);
		while (v[j] != 0)
			j = (j + 1) & (n - 1);
		v[j] = (uint32_t)i + 1;
	}
	free(ix->slot);
	ix->slot = v;
	ix->nslot = n;
	return 0;
}

static struct audit_fix *
find_fix(struct audit *a, struct fix_index *ix, const struct audit_flow *f)
{
	enum rules_purpose p = fix_purpose(f);
	const struct rs_chain *c = deny_chain(f);
	const struct fa_addr *server = by_address(p) ? server_of(f) : NULL;
	int family = f->initiator.ip.family;
	struct audit_fix *x;
	size_t j;

	if ((a->nfixes + 1) * 2 > ix->nslot && index_grow(ix, a) == -1)
		return NULL;
	j = key_hash(c, p, family, server) & (ix->nslot - 1);
	for (; ix->slot[j] != 0; j = (j + 1) & (ix->nslot - 1))
		if (same_key(&a->fixes[ix->slot[j] - 1], c, p, family, server))
			return &a->fixes[ix->slot[j] - 1];
	if (fa_grow(&a->fixes, a->nfixes, &a->xcap, sizeof *x, 16) == -1)
		return NULL;
	ix->slot[j] = (uint32_t)a->nfixes + 1;
	x = &a->fixes[a->nfixes++];
	memset(x, 0, sizeof *x);
	x->chain = c;
	x->hook = f->failed_hook;
	x->rule.purpose = p;
	x->rule.chain = hook_chain(f->failed_hook);
	x->rule.family = family;
	x->rule.ct_state = p == RP_ESTABLISHED ? RULES_CT_ESTABLISHED :
	    p == RP_HELPER_RELATED ? RULES_CT_RELATED : RULES_CT_NEW;
	x->all20 = true;
	x->plo = 65535;
	if (server != NULL) {
		x->server = *server;
		if (rules_addrs_add(p == RP_ACTIVE ? &x->rule.saddr :
		    &x->rule.daddr, &x->server) == -1)
			return NULL;
	}
	return x;
}

/* The flow's peer and ports into the fix.  Passive ports become the
 * range from the lowest to the highest (the server picks any of its
 * range, as rules opens it); active data goes to whatever port >= 1024
 * the client picks for each PORT. */
static int
merge_flow(struct audit_fix *x, const struct audit_flow *f)
{
	struct rules_rule *u = &x->rule;
	uint16_t port = f->responder.port;

	if (!by_address(u->purpose))
		return 0;
	if (rules_addrs_add(u->purpose == RP_ACTIVE ? &u->daddr : &u->saddr,
	    u->purpose == RP_ACTIVE ? &f->responder.ip : &f->initiator.ip) == -1)
		return -1;
	if (u->purpose == RP_ACTIVE)
		x->all20 = x->all20 && f->initiator_port_known &&
		    f->initiator.port == 20;
	if (u->purpose == RP_PASSIVE) {
		x->plo = port < x->plo ? port : x->plo;
		x->phi = port > x->phi ? port : x->phi;
		return 0;
	}
	if (u->purpose == RP_ACTIVE && port >= 1024)
		return rules_ranges_add(&u->dport, &u->ndport, 1024, 65535);
	return rules_ranges_add(&u->dport, &u->ndport, port, port);
}

/* The audited ruleset's IPv4 prerouting nat chain (the first one), or
 * NULL: then the flow keeps its finding only, since a chain created
 * beside the user's own would run in an order they did not choose. */
static const struct rs_chain *
nat_chain(const struct ruleset *rs)
{
	const struct rs_chain *c;
	size_t i;

	for (i = 0; i < rs->nchains; i++) {
		c = rs->chains[i];
		if (c->base && c->hook == RS_HOOK_PREROUTING && c->type != NULL &&
		    strcmp(c->type, "nat") == 0 && (c->fam & RS_FAM_IP) != 0)
			return c;
	}
	return NULL;
}

/* Passive data sent to the public address that no dnat translated: a
 * dnat of the public address's ports to the inside server, ports kept,
 * one per public address and server.  Active data (the helper's
 * expectation) and ports the capture shows changed keep the finding. */
static bool
nat_fixable(const struct audit_flow *f)
{
	return f->nat_missing && !f->server_initiates &&
	    f->purpose == AP_PASSIVE && f->initiator.ip.family == FA_AF_INET &&
	    f->nat_dst.port == f->responder.port;
}

static bool
same_nat(const struct audit_fix *x, const struct rs_chain *c,
    const struct audit_flow *f)
{
	return x->nat != NULL && x->chain == c &&
	    fa_addr_eq(&x->nat->daddr, &f->nat_dst.ip) &&
	    fa_addr_eq(&x->nat->to, &f->responder.ip);
}

/* Few (one per public address and inside server), and a server's flows
 * mostly follow each other: the last one first, then a scan. */
static struct audit_fix *
find_nat_fix(struct audit *a, struct fix_index *ix, const struct rs_chain *c,
    const struct audit_flow *f)
{
	struct audit_fix *x;
	size_t i;

	if (ix->nat_last != 0 && same_nat(&a->fixes[ix->nat_last - 1], c, f))
		return &a->fixes[ix->nat_last - 1];
	for (i = 0; i < a->nfixes; i++)
		if (same_nat(&a->fixes[i], c, f)) {
			ix->nat_last = i + 1;
			return &a->fixes[i];
		}
	if (fa_grow(&a->fixes, a->nfixes, &a->xcap, sizeof *x, 16) == -1)
		return NULL;
	x = &a->fixes[a->nfixes];
	memset(x, 0, sizeof *x);
	if ((x->nat = calloc(1, sizeof *x->nat)) == NULL)
		return NULL;
	ix->nat_last = ++a->nfixes;
	x->chain = c;
	x->hook = RS_HOOK_PREROUTING;
	x->before = c->nrules > 0 ? c->rules[0] : NULL;
	x->rule.purpose = RP_PASSIVE;
	x->rule.family = FA_AF_INET;
	x->server = f->responder.ip;
	x->plo = 65535;
	x->nat->kind = RN_DNAT;
	x->nat->daddr = f->nat_dst.ip;
	x->nat->to = f->responder.ip;
	return x;
}

static int
add_index(struct audit_fix *x, size_t idx)
{
	size_t *v;

	if (fa_grow(&x->flows, x->nflows, &x->fcap, sizeof *v, 16) == -1)
		return -1;
	v = x->flows;
	v[x->nflows++] = idx;
	return 0;
}

/*
 * A flow the gateway did not translate (nat_missing) gets a dnat fix
 * when it is passive data (nat_fixable) and the ruleset has a prerouting
 * nat chain to put it in: the filter chains after it then see the inside
 * server, as with the port forwarded.  It goes at the top of that chain,
 * since no rule of it translated the flow and a later rule that stops
 * the chain (accept, return) would leave it unmet.
 */
static int
add_nat_flow(struct audit *a, struct fix_index *ix, size_t idx)
{
	const struct audit_flow *f = &a->flows[idx];
	const struct rs_chain *c;
	struct audit_fix *x;
	uint16_t port = f->responder.port;

	if (!nat_fixable(f) || (c = nat_chain(a->rs)) == NULL)
		return 0;
	if ((x = find_nat_fix(a, ix, c, f)) == NULL || add_index(x, idx) == -1)
		return -1;
	x->plo = port < x->plo ? port : x->plo;
	x->phi = port > x->phi ? port : x->phi;
	return 0;
}

static int
add_flow(struct audit *a, struct fix_index *ix, size_t idx)
{
	const struct audit_flow *f = &a->flows[idx];
	struct audit_fix *x;

	if ((f->verdict != AV_DROP && f->verdict != AV_REJECT) ||
	    f->excluded != NULL)
		return 0;
	if (f->nat_missing)
		return add_nat_flow(a, ix, idx);
	if (deny_chain(f) == NULL)
		return 0;
	if ((x = find_fix(a, ix, f)) == NULL || add_index(x, idx) == -1)
		return -1;
	if (f->rule != NULL && (x->before == NULL || f->rule->index <
	    x->before->index))
		x->before = f->rule;
	return merge_flow(x, f);
}

/* The fix's ports and source port, now that all its flows are in. */
static int
finish_rule(struct audit_fix *x)
{
	struct rules_rule *u = &x->rule;

	if (x->nat != NULL)
		return rules_ranges_add(&x->nat->pasv, &x->nat->npasv, x->plo,
		    x->phi);

	if (u->purpose == RP_PASSIVE && rules_ranges_add(&u->dport, &u->ndport,
	    x->plo, x->phi) == -1)
		return -1;
	if (u->purpose == RP_ACTIVE && x->all20 &&
	    rules_ranges_add(&u->sport, &u->nsport, 20, 20) == -1)
		return -1;
	return 0;
}

static size_t
chain_order(const struct ruleset *rs, const struct rs_chain *c)
{
	size_t i;

	for (i = 0; i < rs->nchains; i++)
		if (rs->chains[i] == c)
			return i;
	return i;
}

static const struct ruleset *sort_rs;

/* Chain by chain, inserts in the order of their places, appends last. */
static int
by_place(const void *p, const void *q)
{
	const struct audit_fix *x = p, *y = q;
	size_t cx = chain_order(sort_rs, x->chain), cy = chain_order(sort_rs, y->chain);
	size_t ix = x->before ? x->before->index : (size_t)-1;
	size_t iy = y->before ? y->before->index : (size_t)-1;

	if (cx != cy)
		return cx < cy ? -1 : 1;
	if (ix != iy)
		return ix < iy ? -1 : 1;
	return x->flows[0] < y->flows[0] ? -1 : x->flows[0] > y->flows[0];
}

/* Where each fix goes.  iptables-restore --noflush runs the -I lines in
 * order: each insert before an earlier place moves the later ones down.
 * Each fix's flows are marked in denied, a bit a flow. */
static void
place(struct audit *a, uint64_t *denied)
{
	struct audit_fix *x;
	const struct rs_chain *c;
	size_t i, j, shift = 0;

	for (i = 0; i < a->nfixes; i++) {
		x = &a->fixes[i];
		c = x->chain;
		if (i == 0 || a->fixes[i - 1].chain != c)
			shift = 0;
		snprintf(x->id, sizeof x->id, "F%zu", i + 1);
		if (c->format == RS_FMT_NFT)
			snprintf(x->table, sizeof x->table, "%s %s", c->family, c->table);
		else
			snprintf(x->table, sizeof x->table, "%s", c->table);
		x->place.table = x->table;
		x->place.chain = c->name;
		if (x->before != NULL && c->format == RS_FMT_NFT)
			x->place.handle = x->before->handle;
		if (x->before != NULL && c->format != RS_FMT_NFT)
			x->place.index = (uint32_t)(x->before->index + 1 + shift++);
		if (x->nat != NULL)
			x->nat->id = (uint32_t)i + 1;	/* "N<i> dnat ..." */
		for (j = 0; j < x->nflows; j++) {
			a->flows[x->flows[j]].fix = (uint32_t)i + 1;
			bit_set(denied, x->flows[j]);
		}
	}
}

/* The flows with a fix, in order, from their bits: a pass over the flows
 * for their fix read a line of each, 21 MB on the bench. */
static int
denied_list(struct audit *a, const uint64_t *denied, size_t n)
{
	size_t i, nw = (a->nflows + 63) / 64;

	if (n == 0)
		return 0;
	if ((a->denied = reallocarray(NULL, n, sizeof *a->denied)) == NULL)
		return -1;
	a->dcap = n;
	for (i = bit_next(denied, nw, 0); i != SIZE_MAX;
	    i = bit_next(denied, nw, i + 1))
		a->denied[a->ndenied++] = i;
	return 0;
}

int
audit_make_fixes(struct audit *a)
{
	struct fix_index ix = { NULL, 0, 0 };
	uint64_t *denied;
	size_t i, n = 0;
	int rc = 0;

	/* The flows a fix may take, from their bits: reading every flow's
	 * verdict was half of this function's time. */
	for (i = bit_next(a->fixable, a->fixable_cap, 0);
	    rc == 0 && i != SIZE_MAX; i = bit_next(a->fixable, a->fixable_cap, i + 1))
		rc = add_flow(a, &ix, i);
	free(ix.slot);
	if (rc == -1)
		return -1;
	for (i = 0; i < a->nfixes; i++)
		if (finish_rule(&a->fixes[i]) == -1)
			return -1;
	sort_rs = a->rs;
	if (a->nfixes > 0)
		qsort(a->fixes, a->nfixes, sizeof *a->fixes, by_place);
	if ((denied = calloc((a->nflows + 63) / 64 + 1, sizeof *denied)) == NULL)
		return -1;
	place(a, denied);
	for (i = 0; i < a->nfixes; i++)
		n += a->fixes[i].nflows;
	rc = denied_list(a, denied, n);
	free(denied);
	return rc;
}

const size_t *
audit_denied(const struct audit *a, size_t *n)
{
	*n = a->ndenied;
	return a->denied;
}

void
audit_fixes_free(struct audit *a)
{
	size_t i;

	for (i = 0; i < a->nfixes; i++) {
		rules_rule_release(&a->fixes[i].rule);
		free(a->fixes[i].flows);
		if (a->fixes[i].nat != NULL)
			free(a->fixes[i].nat->pasv);
		free(a->fixes[i].nat);
	}
	free(a->fixes);
	free(a->denied);
	a->fixes = NULL;
	a->denied = NULL;
	a->nfixes = a->xcap = a->ndenied = a->dcap = 0;
}

