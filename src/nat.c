/* SPDX-License-Identifier: ISC */
/* nat.c: pair the two sides of a NAT translation into one session, and
 * diagnose what breaks FTP through NAT. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/nat.h"
#include "session_int.h"

/*
 * A translated connection shows up as two TCP connections, one on each side
 * of the gateway, that the engine reports as two sessions.  NAT keeps the
 * SYN's sequence number, so a session that starts with the same client ISN
 * as an open one, within NAT_SYN_WINDOW_US, is its other side.  Later
 * sequence numbers would not do: an ALG that rewrites PORT or 227 changes
 * the line's length and shifts them.
 *
 * The stage learns of every session at its start (session_start), so a
 * session with no other side goes on at its end without waiting.  One whose
 * other side is still open is held until that one ends, or until
 * NAT_HOLD_US of capture time passed, or the flush: never more than cap at
 * once.  The index of open sessions costs an entry (40 bytes) per open
 * session, which the engine's connection cap bounds.
 */

#define NAT_HOLD_US	30000000	/* the other side ends this late at most */
#define NAT_EVIDENCE	64		/* gateways seen running the helper */
#define NAT_SAME_ISN	64		/* open sessions indexed per client ISN */

struct nent {
	struct fa_session *s;	/* borrowed while open; a reference when held */
	uint32_t	 isn;
	bool		 held;
	struct nent	*next;		/* bucket chain, or the free list */
	struct nent	*hprev, *hnext;	/* held list, oldest first */
};

/* A gateway seen rewriting payloads: its translated address and the
 * control port the helper worked on. */
struct evidence {
	struct fa_addr	 gw;
	uint16_t	 port;
};

struct nat_stage {
	struct fa_sink	 down[8];
	int		 ndown;
	uint32_t	 cap, held;
	size_t		 nbuckets, nents;	/* entries in the index */
	struct nent	**buckets;	/* owned: nbuckets chains of owned entries */
	struct nent	*free;		/* owned: entries to reuse */
	struct nent	*hhead, *htail;
	struct evidence	 ev[NAT_EVIDENCE];
	uint32_t	 nev;
	struct nat_stats st;
};

const char *
fa_nat_kind_str(enum fa_nat_kind k)
{
	switch (k) {
	case FA_NAT_SNAT:
		return "snat";
	case FA_NAT_DNAT:
		return "dnat";
	case FA_NAT_BOTH:
		return "both";
	default:
		return "none";
	}
}

static bool
ep_eq(const struct fa_endpoint *a, const struct fa_endpoint *b)
{
	return a->port == b->port && fa_addr_eq(&a->ip, &b->ip);
}

/* ---------------------------------------------------------------- fixes */

static char *
fix_active(uint16_t port)
{
	char *s;

	if (asprintf(&s, "assign the FTP helper to control port %u on the NAT "
	    "gateway, so that nf_nat_ftp rewrites the PORT/EPRT address: nft "
	    "'ct helper ftp-%u { type \"ftp\" protocol tcp; }' and 'tcp dport "
	    "%u ct helper set \"ftp-%u\"' in a chain of hook prerouting "
	    "(iptables: -t raw -A PREROUTING -p tcp --dport %u -j CT --helper "
	    "ftp); or use passive mode (PASV/EPSV)", port, port, port, port,
	    port) == -1)
		return NULL;
	return s;
}

static char *
fix_passive(const struct fa_addr *pub, uint16_t port)
{
	char a[FA_ADDRSTRLEN], *s;

	fa_addr_str(pub, a);
	if (asprintf(&s, "make the server announce its public address %s: "
	    "vsftpd pasv_address=%s, proftpd MasqueradeAddress %s, pure-ftpd "
	    "-P %s, pyftpdlib masquerade_address = \"%s\"; forward its passive "
	    "range to it on the gateway (or assign the FTP helper to port %u "
	    "there, so that nf_nat_ftp rewrites the 227).  Many clients ignore "
	    "the 227 address (curl >= 7.74 by default, Python ftplib), which "
	    "hides this failure until another client arrives", a, a, a, a, a,
	    port) == -1)
		return NULL;
	return s;
}

static char *
fix_range(const struct fa_addr *pub, const struct fa_addr *inside,
    uint16_t lo, uint16_t hi)
{
	char a[FA_ADDRSTRLEN], b[FA_ADDRSTRLEN], nr[16], ir[16], *s;

	fa_addr_str(pub, a);
	fa_addr_str(inside, b);
	/* nft and iptables write a range differently, a port alike. */
	if (lo == hi) {
		snprintf(nr, sizeof nr, "%u", lo);
		snprintf(ir, sizeof ir, "%u", lo);
	} else {
		snprintf(nr, sizeof nr, "%u-%u", lo, hi);
		snprintf(ir, sizeof ir, "%u:%u", lo, hi);
	}
	if (asprintf(&s, "forward the server's passive range on the gateway "
	    "(at least %s, the ports announced): nft 'ip daddr %s tcp dport "
	    "%s dnat to %s' in a chain of type nat hook prerouting "
	    "(iptables: -t nat -A PREROUTING -d %s -p tcp --dport %s -j "
	    "DNAT --to-destination %s), accepted in forward; and keep the "
	    "server's range to it (vsftpd pasv_min_port/pasv_max_port)",
	    nr, a, nr, b, a, ir, b) == -1)
		return NULL;
	return s;
}

static char *
fix_helper_port(uint16_t port, uint16_t helped)
{
	char *s;

	if (asprintf(&s, "the gateway's FTP helper works on port %u but is not "
	    "assigned to control port %u: assign it there too, nft 'tcp dport "
	    "{ %u, %u } ct helper set \"ftp-std\"' (with the name of your ct "
	    "helper object of type \"ftp\"; iptables: -t raw -A PREROUTING -p "
	    "tcp --dport %u -j CT --helper ftp)", helped, port, helped, port,
	    port) == -1)
		return NULL;
	return s;
}

/* ------------------------------------------------------------ anomalies */

static void
anom_add(struct fa_session *s, uint64_t ts, const char *type, char *detail,
    char *fix)
{
	struct fa_anomaly *a;
	uint32_t cap;

	if (s->nanoms >= s->anoms_cap) {
		cap = s->anoms_cap ? s->anoms_cap * 2 : 4;
		if (s->nanoms >= 1000 ||
		    (a = reallocarray(s->anoms, cap, sizeof *a)) == NULL) {
			s->anoms_dropped++;
			free(detail);
			free(fix);
			return;
		}
		s->anoms = a;
		s->anoms_cap = cap;
	}
	a = &s->anoms[s->nanoms++];
	a->ts_us = ts;
	a->type = type;
	a->detail = detail;
	a->fix = fix;
}

static char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *
fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	if (vasprintf(&s, f, ap) == -1)
		s = NULL;
	va_end(ap);
	return s;
}

static bool
is_active(enum fa_neg n)
{
	return n == FA_NEG_PORT || n == FA_NEG_EPRT || n == FA_NEG_LPRT;
}

void
nat_fix_one_sided(struct fa_session *s)
{
	struct fa_anomaly *a;
	uint32_t i;

	for (i = 0; i < s->nanoms; i++) {
		a = &s->anoms[i];
		if (a->fix != NULL)
			continue;
		if (strcmp(a->type, "pasv_private_address") == 0)
			a->fix = fix_passive(&s->server.ip, s->server.port);
		else if (strcmp(a->type, "nat_mismatch") == 0 && a->detail != NULL)
			a->fix = strncmp(a->detail, "PORT", 4) == 0 ||
			    strncmp(a->detail, "EPRT", 4) == 0 ||
			    strncmp(a->detail, "LPRT", 4) == 0 ?
			    fix_active(s->server.port) :
			    fix_passive(&s->server.ip, s->server.port);
	}
}

/* ---------------------------------------------------------------- merge */

/* b's connection of a transfer, seen only on b's side (not translated). */
static void
take_connection(struct fa_transfer *ta, const struct fa_transfer *tb)
{
	ta->connected = true;
	ta->initiator_server = tb->initiator_server;
	ta->data_client = tb->data_client;
	ta->data_server = tb->data_server;
	ta->handshake = tb->handshake;
	ta->start_us = tb->start_us;
	ta->end_us = tb->end_us;
	memcpy(ta->bytes_seq, tb->bytes_seq, sizeof ta->bytes_seq);
	memcpy(ta->bytes_cap, tb->bytes_cap, sizeof ta->bytes_cap);
	ta->closed = tb->closed;
	ta->has_isn = tb->has_isn;
	ta->isn = tb->isn;
	if (ta->status == FA_XS_NOT_CONNECTED || ta->status == FA_XS_PENDING)
		ta->status = tb->status;
}

static enum fa_nat_kind
kind_of(const struct fa_endpoint *ac, const struct fa_endpoint *as,
    const struct fa_endpoint *bc, const struct fa_endpoint *bs)
{
	bool cl = !ep_eq(ac, bc), sv = !ep_eq(as, bs);

	return cl && sv ? FA_NAT_BOTH : cl ? FA_NAT_SNAT : sv ? FA_NAT_DNAT :
	    FA_NAT_NONE;
}

/* a on the client's side, b on the server's; inside is the private side. */
static void
nat_fill(struct fa_nat *n, enum fa_nat_kind k, const struct fa_endpoint *ac,
    const struct fa_endpoint *as, const struct fa_endpoint *bc,
    const struct fa_endpoint *bs)
{
	bool dnat = k == FA_NAT_DNAT;

	n->kind = k;
	n->in_client = dnat ? *bc : *ac;
	n->in_server = dnat ? *bs : *as;
	n->out_client = dnat ? *ac : *bc;
	n->out_server = dnat ? *as : *bs;
	n->payload_rewritten = -1;
}

static bool
rewritten(const struct fa_transfer *ta, const struct fa_transfer *tb)
{
	return !ep_eq(&ta->announced, &tb->announced);
}

/* The helper was seen rewriting on another control port of this gateway. */
static uint16_t
helped_port(const struct nat_stage *st, const struct fa_addr *gw, uint16_t port)
{
	uint32_t i;

	for (i = 0; st != NULL && i < st->nev && i < NAT_EVIDENCE; i++)
		if (st->ev[i].port != port && fa_addr_eq(&st->ev[i].gw, gw))
			return st->ev[i].port;
	return 0;
}

static void
note_helper(struct nat_stage *st, const struct fa_addr *gw, uint16_t port)
{
	uint32_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nev && i < NAT_EVIDENCE; i++)
		if (st->ev[i].port == port && fa_addr_eq(&st->ev[i].gw, gw))
			return;
	st->ev[st->nev++ % NAT_EVIDENCE] = (struct evidence){ *gw, port };
}

struct side {
	struct fa_endpoint client, server;	/* as seen on that side */
};

/* An unrewritten negotiation that the translation breaks. */
static void
unrewritten(struct nat_stage *st, struct fa_session *a, const struct side *sa,
    const struct side *sb, const struct fa_transfer *ta, bool active)
{
	char x[FA_ADDRSTRLEN], y[FA_ADDRSTRLEN];
	const struct fa_addr *gw = active ? &sb->client.ip : &sa->server.ip;
	uint16_t port = sb->server.port, helped = helped_port(st, gw, port);
	const char *neg = fa_neg_str(ta->neg);

	fa_addr_str(&ta->announced.ip, x);
	if (helped != 0) {
		fa_addr_str(gw, y);
		anom_add(a, ta->neg_ts_us, "nat_helper_port",
		    fmt("%s %s port %u crossed the gateway %s unrewritten: its FTP "
		    "helper rewrites on port %u, not on control port %u", neg, x,
		    ta->announced.port, y, helped, port),
		    fix_helper_port(port, helped));
		return;
	}
	if (active) {
		fa_addr_str(&sb->client.ip, y);
		anom_add(a, ta->neg_ts_us, "nat_active_unrewritten",
		    fmt("%s names the client's inside address %s port %u; the "
		    "server sees the client as %s: nothing rewrote it, so the "
		    "server refuses it or connects to an unreachable address",
		    neg, x, ta->announced.port, y), fix_active(port));
		return;
	}
	fa_addr_str(&sa->server.ip, y);
	anom_add(a, ta->neg_ts_us, "nat_passive_private",
	    fmt("%s announces the server's inside address %s port %u; the client "
	    "reaches it as %s: %s", neg, x, ta->announced.port, y,
	    !ta->connected ? "no data connection followed" :
	    fa_addr_eq(&ta->data_server.ip, &sa->server.ip) ?
	    "this client connected to the control address anyway (it ignored "
	    "the 227 address)" : ta->handshake == FA_HS_COMPLETE ?
	    "the client reached the inside address" :
	    "the client's data connection to the inside address got no answer"),
	    fix_passive(&sa->server.ip, port));
}

/* The passive ports a session announced, lo..hi; false when none. */
static bool
passive_range(const struct fa_session *s, uint16_t *lo, uint16_t *hi)
{
	uint32_t i;
	bool any = false;

	for (i = 0; i < s->nxfers; i++) {
		if (s->xfers[i].mode != FA_MODE_PASSIVE || s->xfers[i].neg == FA_NEG_TLS)
			continue;
		if (!any || s->xfers[i].announced.port < *lo)
			*lo = s->xfers[i].announced.port;
		if (!any || s->xfers[i].announced.port > *hi)
			*hi = s->xfers[i].announced.port;
		any = true;
	}
	return any;
}

static void
diagnose(struct nat_stage *st, struct fa_session *a, const struct fa_session *b,
    const struct side *sa, const struct side *sb, const struct fa_transfer *ta,
    const struct fa_transfer *tb, bool was_connected_b)
{
	bool snat = !ep_eq(&sa->client, &sb->client);
	bool dnat = !ep_eq(&sa->server, &sb->server);
	bool has_addr = tb->announced.ip.family != FA_AF_NONE;
	char x[FA_ADDRSTRLEN];
	uint16_t lo = 0, hi = 0;

	if (ta->neg == FA_NEG_TLS)
		return;
	if (is_active(ta->neg)) {
		if (snat && has_addr && !rewritten(ta, tb) &&
		    !fa_addr_eq(&tb->announced.ip, &sb->client.ip))
			unrewritten(st, a, sa, sb, ta, true);
		return;
	}
	if (!dnat)
		return;
	if (has_addr && !rewritten(ta, tb) &&
	    fa_addr_eq(&tb->announced.ip, &sb->server.ip) &&
	    !fa_addr_eq(&ta->announced.ip, &sa->server.ip)) {
		unrewritten(st, a, sa, sb, ta, false);
		return;
	}
	/* Announced right, answered by the gateway or not at all. */
	if ((!has_addr || fa_addr_eq(&ta->announced.ip, &sa->server.ip)) &&
	    ta->connected && !was_connected_b &&
	    (ta->handshake == FA_HS_NO_ANSWER || ta->handshake == FA_HS_RESET) &&
	    passive_range(b, &lo, &hi)) {
		fa_addr_str(&sa->server.ip, x);
		anom_add(a, ta->start_us, "nat_passive_range_not_forwarded",
		    fmt("%s announced port %u; the client's data connection to "
		    "%s port %u %s at the gateway and never reached the server",
		    fa_neg_str(ta->neg), ta->announced.port, x,
		    ta->data_server.port, ta->handshake == FA_HS_RESET ?
		    "was reset" : "got no answer"),
		    fix_range(&sa->server.ip, &sb->server.ip, lo, hi));
	}
}

/* b announced the endpoint that a's port_reuse names: both sides of one
 * translation announce the same, which is no reuse. */
static bool
partner_reuse(const struct fa_anomaly *an, const struct fa_session *b)
{
	char a[FA_ADDRSTRLEN], want[FA_ADDRSTRLEN + 40];
	uint32_t i;

	if (strcmp(an->type, "port_reuse") != 0 || an->detail == NULL)
		return false;
	for (i = 0; i < b->nxfers; i++) {
		snprintf(want, sizeof want, "%s %s port %u ",
		    fa_neg_str(b->xfers[i].neg),
		    fa_addr_str(&b->xfers[i].expected.ip, a),
		    b->xfers[i].expected.port);
		if (strncmp(an->detail, want, strlen(want)) == 0)
			return true;
	}
	return false;
}

static bool
same_anomaly(const struct fa_anomaly *x, const struct fa_anomaly *y)
{
	return strcmp(x->type, y->type) == 0 &&
	    (x->detail == NULL) == (y->detail == NULL) &&
	    (x->detail == NULL || strcmp(x->detail, y->detail) == 0);
}

/* a's anomalies, then b's that a lacks; neither's port_reuse of the
 * other's announcement. */
static void
merge_anomalies(struct fa_session *a, const struct fa_session *b)
{
	uint32_t i, j, n = 0, na;

	for (i = 0; i < a->nanoms; i++) {
		if (partner_reuse(&a->anoms[i], b)) {
			free(a->anoms[i].detail);
			free(a->anoms[i].fix);
			continue;
		}
		a->anoms[n++] = a->anoms[i];
	}
	a->nanoms = na = n;
	for (i = 0; i < b->nanoms; i++) {
		if (partner_reuse(&b->anoms[i], a))
			continue;
		for (j = 0; j < na; j++)
			if (same_anomaly(&a->anoms[j], &b->anoms[i]))
				break;
		if (j < na)
			continue;
		anom_add(a, b->anoms[i].ts_us, b->anoms[i].type,
		    b->anoms[i].detail ? strdup(b->anoms[i].detail) : NULL,
		    b->anoms[i].fix ? strdup(b->anoms[i].fix) : NULL);
	}
}

/*
 * One data connection seen on both sides.  Its kind is in TCP terms: snat
 * when its initiator was translated (the server, in active mode, behind a
 * port forward), dnat when its responder was.  Inside is the side where
 * the translated host has its own address.
 */
static void
pair_data(struct fa_session *a, struct fa_transfer *ta,
    const struct fa_transfer *tb)
{
	const struct fa_endpoint *ai, *ar, *bi, *br;
	enum fa_nat_kind k;
	struct fa_nat *n;
	bool in_b;

	ai = ta->initiator_server ? &ta->data_server : &ta->data_client;
	ar = ta->initiator_server ? &ta->data_client : &ta->data_server;
	bi = tb->initiator_server ? &tb->data_server : &tb->data_client;
	br = tb->initiator_server ? &tb->data_client : &tb->data_server;
	if ((k = kind_of(ai, ar, bi, br)) == FA_NAT_NONE ||
	    (n = session_alloc(a, sizeof *n)) == NULL)
		return;
	ta->nat = n;
	/* a is the client's side, b the server's. */
	in_b = ta->initiator_server ? k != FA_NAT_DNAT : k == FA_NAT_DNAT;
	n->kind = k;
	n->in_client = in_b ? tb->data_client : ta->data_client;
	n->in_server = in_b ? tb->data_server : ta->data_server;
	n->out_client = in_b ? ta->data_client : tb->data_client;
	n->out_server = in_b ? ta->data_server : tb->data_server;
	n->payload_rewritten = ta->neg == FA_NEG_TLS ? -1 : rewritten(ta, tb);
	/* Each host by its own address, as for the session. */
	ta->data_server = tb->data_server;
}

/*
 * With both sides seen, the one-sided NAT signals say nothing more: the
 * translation explains an announcement that differs from one side's
 * address (pasv_address behind a port forward), or a two-sided diagnosis
 * says what is wrong.
 */
static void
drop_one_sided(struct fa_session *a)
{
	uint32_t i, n = 0;

	for (i = 0; i < a->nanoms; i++) {
		if (strcmp(a->anoms[i].type, "nat_mismatch") == 0 ||
		    strcmp(a->anoms[i].type, "pasv_private_address") == 0) {
			free(a->anoms[i].detail);
			free(a->anoms[i].fix);
			continue;
		}
		a->anoms[n++] = a->anoms[i];
	}
	a->nanoms = n;
}

/*
 * The two sides of one translation carry the same dialogue: the same
 * commands with the same replies (only addresses inside them may differ).
 * Two sessions that merely share ISNs do not, and merging them would hide
 * one: a capture lost on one side leaves the two unpaired instead.
 */
static bool
same_dialogue(const struct fa_session *a, const struct fa_session *b)
{
	uint32_t i;

	if (a->ncmds != b->ncmds || a->login != b->login)
		return false;
	for (i = 0; i < a->ncmds; i++)
		if (strncmp(a->cmds[i].verb, b->cmds[i].verb,
		    sizeof a->cmds[i].verb) != 0 ||
		    a->cmds[i].reply_code != b->cmds[i].reply_code)
			return false;
	return true;
}

/*
 * The ftp helper records an expectation only when the address in PORT/EPRT
 * or 227 is the sender's own, as its side of the gateway shows it
 * (nf_conntrack_ftp compares it with the connection's tuple before NAT,
 * loose=0): the client's on a's side, the server's on b's.  A server with
 * pasv_address behind a port forward announces the public address, which
 * the helper ignores: its data connection is new, not related.
 */
static void
helper_addr(struct fa_transfer *ta, const struct fa_transfer *tb)
{
	if (ta->mode != FA_MODE_PASSIVE)
		return;
	ta->helper_flags = (ta->helper_flags & ~(uint32_t)FA_HELPER_ADDR) |
	    (tb->helper_flags & FA_HELPER_ADDR);
}

static int
merge(struct nat_stage *st, struct fa_session *a, const struct fa_session *b)
{
	struct side sa = { a->client, a->server }, sb = { b->client, b->server };
	enum fa_nat_kind k = kind_of(&sa.client, &sa.server, &sb.client, &sb.server);
	struct fa_transfer *ta;
	const struct fa_transfer *tb;
	bool any = false, rw = false, bconn;
	uint32_t i, n;

	if (k == FA_NAT_NONE || !same_dialogue(a, b) ||
	    (a->nat = session_alloc(a, sizeof *a->nat)) == NULL)
		return -1;
	merge_anomalies(a, b);
	drop_one_sided(a);
	nat_fill(a->nat, k, &sa.client, &sa.server, &sb.client, &sb.server);
	/* Each host by its own address: what a gateway's forward chain sees. */
	a->server = sb.server;
	a->nat_pair_id = b->id;
	n = a->nxfers < b->nxfers ? a->nxfers : b->nxfers;
	for (i = 0; i < n; i++) {
		ta = &a->xfers[i];
		tb = &b->xfers[i];
		if (ta->mode != tb->mode || ta->neg != tb->neg)
			break;
		bconn = tb->connected;
		helper_addr(ta, tb);
		if (ta->neg != FA_NEG_TLS) {
			any = true;
			if (rewritten(ta, tb)) {
				rw = true;
				note_helper(st, is_active(ta->neg) ? &sb.client.ip :
				    &sa.server.ip, sb.server.port);
			}
		}
		if (!ta->connected && tb->connected)
			take_connection(ta, tb);
		diagnose(st, a, b, &sa, &sb, ta, tb, bconn);
		if (ta->connected && tb->connected &&
		    (!ta->has_isn || !tb->has_isn || ta->isn == tb->isn))
			pair_data(a, ta, tb);
	}
	a->nat->payload_rewritten = any ? rw : -1;
	return 0;
}

int
nat_merge(struct fa_session *a, const struct fa_session *b)
{
	return merge(NULL, a, b);
}

/* ---------------------------------------------------------------- stage */

static void
deliver(struct nat_stage *st, struct fa_session *s)
{
	int i;

	nat_fix_one_sided(s);
	for (i = 0; i < st->ndown; i++)
		if (st->down[i].session_end != NULL)
			st->down[i].session_end(st->down[i].arg, s);
}

static struct nent **
bucket(struct nat_stage *st, uint32_t isn)
{
	return &st->buckets[(isn * 2654435761u) & (st->nbuckets - 1)];
}

static void
unlink_ent(struct nat_stage *st, struct nent *e)
{
	struct nent **pp;

	for (pp = bucket(st, e->isn); *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	if (e->held) {
		if (e->hprev != NULL)
			e->hprev->hnext = e->hnext;
		else
			st->hhead = e->hnext;
		if (e->hnext != NULL)
			e->hnext->hprev = e->hprev;
		else
			st->htail = e->hprev;
		st->held--;
	}
	st->nents--;
	e->s = NULL;
	e->held = false;
	e->next = st->free;
	st->free = e;
}

/* Release a held session without its other side. */
static void
release(struct nat_stage *st, struct nent *e)
{
	struct fa_session *s = e->s;

	st->st.unpaired++;
	unlink_ent(st, e);
	deliver(st, s);
	fa_session_unref(s);
}

static struct nent *
find(struct nat_stage *st, const struct fa_session *s)
{
	struct nent *e;

	if (!s->has_isn[0])
		return NULL;
	for (e = *bucket(st, s->isn[0]); e != NULL; e = e->next)
		if (e->s == s)
			return e;
	return NULL;
}

static uint64_t
gap(uint64_t x, uint64_t y)
{
	return x > y ? x - y : y - x;
}

/*
 * Through a gateway the second side's SYN leaves after the first side's
 * came in, and its SYN-ACK comes back before the first side's leaves: the
 * later SYN precedes the earlier side's SYN-ACK.  Two unrelated
 * connections that reuse ISNs (crafted captures do) do not nest so.
 * Captures of the two sides taken on two hosts may not nest either, their
 * clocks apart by more than a round trip: for them, the client's port
 * kept by the translation (a port forward keeps it, masquerade does
 * unless it must not) stands in.
 */
static bool
handshakes_nest(const struct fa_session *x, const struct fa_session *y)
{
	const struct fa_session *first = x->start_us <= y->start_us ? x : y;
	const struct fa_session *second = first == x ? y : x;

	return second->start_us < first->synack_us;
}

/* The other side of me: same client ISN, SYNs close in time, server ISNs
 * equal where both are known; the closest SYN wins, then equal ports. */
static struct nent *
partner(struct nat_stage *st, const struct nent *me)
{
	const struct fa_session *s = me->s, *o;
	struct nent *e, *best = NULL;
	uint64_t d, bd = 0;

	for (e = *bucket(st, me->isn); e != NULL; e = e->next) {
		o = e->s;
		if (e == me || e->isn != me->isn)
			continue;
		if ((d = gap(o->start_us, s->start_us)) > NAT_SYN_WINDOW_US)
			continue;
		/* Both SYN-ACKs seen, the same; the handshakes nest, or the
		 * ports were kept. */
		if (!o->has_isn[1] || !s->has_isn[1] || o->isn[1] != s->isn[1])
			continue;
		if (!handshakes_nest(o, s) && (o->client.port != s->client.port ||
		    o->server.port != s->server.port))
			continue;
		if (ep_eq(&o->client, &s->client) && ep_eq(&o->server, &s->server))
			continue;
		if (best == NULL || d < bd || (d == bd &&
		    o->client.port == s->client.port)) {
			best = e;
			bd = d;
		}
	}
	return best;
}

/*
 * Open sessions with this client ISN: at most NAT_SAME_ISN.  Real ISNs are
 * random, so more are crafted (a generator's constant ISN); every lookup
 * walks them, and 100,000 of them made each session's end walk them all.
 */
static bool
crowded(struct nat_stage *st, uint32_t isn)
{
	struct nent *e;
	uint32_t n = 0;

	for (e = *bucket(st, isn); e != NULL; e = e->next)
		if (e->isn == isn && ++n >= NAT_SAME_ISN)
			return true;
	return false;
}

/* Twice the buckets when the chains average two entries. */
static void
grow(struct nat_stage *st)
{
	struct nent **old = st->buckets, *e, *next, **b;
	size_t i, n = st->nbuckets;

	if (st->nents < 2 * n ||
	    (st->buckets = calloc(2 * n, sizeof *st->buckets)) == NULL) {
		st->buckets = old;
		return;		/* longer chains, no harm */
	}
	st->nbuckets = 2 * n;
	for (i = 0; i < n; i++)
		for (e = old[i]; e != NULL; e = next) {
			next = e->next;
			b = bucket(st, e->isn);
			e->next = *b;
			*b = e;
		}
	free(old);
}

static void
on_start(void *arg, const struct fa_session *s)
{
	struct nat_stage *st = arg;
	struct nent *e, **b;

	/* IPv6 is not translated (NAT66 and NAT64 are left alone): its
	 * sessions go through as they are. */
	if (!s->has_isn[0] || s->client.ip.family != FA_AF_INET ||
	    s->server.ip.family != FA_AF_INET)
		return;
	if (crowded(st, s->isn[0])) {
		st->st.crowded++;
		return;
	}
	if ((e = st->free) != NULL)
		st->free = e->next;
	else if ((e = malloc(sizeof *e)) == NULL) {
		st->st.cap_hits++;	/* not paired, as at the cap */
		return;
	}
	e->s = (struct fa_session *)s;	/* only compared and read */
	e->isn = s->isn[0];
	e->held = false;
	e->hprev = e->hnext = NULL;
	b = bucket(st, e->isn);
	e->next = *b;
	*b = e;
	st->nents++;
	grow(st);
}

static void
hold(struct nat_stage *st, struct nent *e)
{
	fa_session_ref(e->s);
	e->held = true;
	e->hnext = NULL;
	e->hprev = st->htail;
	if (st->htail != NULL)
		st->htail->hnext = e;
	else
		st->hhead = e;
	st->htail = e;
	if (++st->held > st->st.held_peak)
		st->st.held_peak = st->held;
}

static void
on_end(void *arg, struct fa_session *s)
{
	struct nat_stage *st = arg;
	struct nent *e = find(st, s), *p;
	struct fa_session *a, *b, *o;

	/* Sessions held too long: their other side may never end. */
	while (st->hhead != NULL && st->hhead->s->end_us + NAT_HOLD_US < s->end_us)
		release(st, st->hhead);
	if (e == NULL) {
		deliver(st, s);
		return;
	}
	if ((p = partner(st, e)) == NULL) {
		unlink_ent(st, e);
		deliver(st, s);
		return;
	}
	if (!p->held) {
		if (st->held < st->cap) {
			hold(st, e);
			return;
		}
		/* Full: both sides go on unpaired. */
		st->st.cap_hits++;
		unlink_ent(st, e);
		deliver(st, s);
		return;
	}
	o = p->s;
	/* The client's side is the one whose SYN came first. */
	a = o->start_us <= s->start_us ? o : s;
	b = a == o ? s : o;
	unlink_ent(st, e);
	unlink_ent(st, p);
	if (merge(st, a, b) == -1) {
		deliver(st, o);
		deliver(st, s);
	} else {
		st->st.paired += 2;
		deliver(st, a);
	}
	fa_session_unref(o);	/* held */
}

static void
on_unattributed(void *arg, const struct fa_unattributed *u)
{
	struct nat_stage *st = arg;
	int i;

	for (i = 0; i < st->ndown; i++)
		if (st->down[i].unattributed != NULL)
			st->down[i].unattributed(st->down[i].arg, u);
}

struct nat_stage *
nat_stage_new(const struct fa_sink *down, int n, uint32_t cap)
{
	struct nat_stage *st;

	if (n < 0 || n > 8 || cap == 0 || (st = calloc(1, sizeof *st)) == NULL)
		return NULL;
	memcpy(st->down, down, (size_t)n * sizeof *down);
	st->ndown = n;
	st->cap = cap;
	st->nbuckets = 1024;
	if ((st->buckets = calloc(st->nbuckets, sizeof *st->buckets)) == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

void
nat_stage_sink(struct nat_stage *st, struct fa_sink *sink)
{
	memset(sink, 0, sizeof *sink);
	sink->session_start = on_start;
	sink->session_end = on_end;
	sink->unattributed = on_unattributed;
	sink->arg = st;
}

void
nat_stage_flush(struct nat_stage *st)
{
	if (st == NULL)
		return;
	while (st->hhead != NULL)
		release(st, st->hhead);
}

const struct nat_stats *
nat_stage_stats(const struct nat_stage *st)
{
	return &st->st;
}

void
nat_stage_free(struct nat_stage *st)
{
	struct nent *e, *next;
	size_t i;

	if (st == NULL)
		return;
	nat_stage_flush(st);
	/* Sessions still open when the caller gave up (no fa_engine_finish). */
	for (i = 0; i < st->nbuckets; i++)
		for (e = st->buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	for (e = st->free; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	free(st->buckets);
	free(st);
}
