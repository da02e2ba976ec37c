/* SPDX-License-Identifier: ISC */
/*
 * select.c: the sessions a command keeps (--session, --host, --server,
 * --client, --anomalous), and the stage that drops the others.
 *
 * Every choice is made when a session ends: the sinks behind the engine
 * take ended sessions only (sinkq.h), and by then a session's anomalies
 * are known too, so --anomalous costs no buffering.  The stage is only
 * inserted when something was asked: without a selection no sink and no
 * packet sees a difference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/jw.h"
#include "grow.h"
#include "ftpaudit/select.h"

/* Longest list item looked at: an IPv6 address and its prefix. */
#define SELECT_ITEMLEN	(FA_ADDRSTRLEN + 8)

void
select_init(struct selection *sel)
{
	memset(sel, 0, sizeof *sel);
}

void
select_free(struct selection *sel)
{
	int k;

	free(sel->ranges);
	for (k = 0; k < SELECT_NKINDS; k++)
		free(sel->nets[k]);
	select_init(sel);
}

/* A decimal id in s[0..len), 1 or more: 0 or -1. */
static int
parse_id(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 19)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v == 0)
		return -1;
	*out = v;
	return 0;
}

/* "N" or "N-M" in s[0..len). */
static int
parse_range(const char *s, size_t len, struct select_range *r,
    const char **cause)
{
	const char *dash = memchr(s, '-', len);

	*cause = "expected a session id (1 or more) or a range FIRST-LAST";
	if (dash == NULL) {
		if (parse_id(s, len, &r->first) == -1)
			return -1;
		r->last = r->first;
		return 0;
	}
	if (parse_id(s, (size_t)(dash - s), &r->first) == -1 ||
	    parse_id(dash + 1, len - (size_t)(dash - s) - 1, &r->last) == -1)
		return -1;
	if (r->last < r->first) {
		*cause = "a range's last id is below its first";
		return -1;
	}
	return 0;
}

/*
 * Each comma-separated item of list through fn; on the first bad one,
 * -1 with *bad (owned) that item.  An empty item is bad: "1,,2" is
 * likelier a mistake than a way to say "1,2".
 */
static int
each_item(const char *list, int (*fn)(void *, const char *, size_t,
    const char **), void *arg, const char **cause, char **bad)
{
	const char *p = list, *comma;
	size_t len;

	*bad = NULL;
	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len == 0) {
			*cause = "empty item in the list";
			*bad = strdup(list);
			return -1;
		}
		if (fn(arg, p, len, cause) == -1) {
			*bad = strndup(p, len);
			return -1;
		}
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

static int
add_id(void *arg, const char *s, size_t len, const char **cause)
{
	struct selection *sel = arg;
	struct select_range r;

	if (parse_range(s, len, &r, cause) == -1)
		return -1;
	if (fa_grow(&sel->ranges, sel->nranges, &sel->ranges_cap,
	    sizeof *sel->ranges, 4) == -1) {
		*cause = "out of memory";
		return -1;
	}
	sel->ranges[sel->nranges++] = r;
	return 0;
}

int
select_add_ids(struct selection *sel, const char *list, const char **cause,
    char **bad)
{
	return each_item(list, add_id, sel, cause, bad);
}

/* Clear the bits past plen. */
static void
mask(struct fa_addr *a, unsigned plen)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (plen >= 8 * (i + 1))
			continue;
		if (plen <= 8 * i)
			a->a[i] = 0;
		else
			a->a[i] &= (uint8_t)(0xff00 >> (plen - 8 * i));
	}
}

int
select_net_parse(const char *s, size_t len, struct select_net *n,
    const char **cause)
{
	char buf[SELECT_ITEMLEN];
	const char *slash;
	size_t alen;
	unsigned max, plen = 0, i;

	memset(n, 0, sizeof *n);
	slash = memchr(s, '/', len);
	alen = slash != NULL ? (size_t)(slash - s) : len;
	*cause = "not an IPv4 or IPv6 address";
	if (alen == 0 || alen >= sizeof buf)
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (fa_addr_parse(buf, &n->addr) == -1)
		return -1;
	max = n->addr.family == FA_AF_INET ? 32 : 128;
	if (slash == NULL) {
		n->plen = (uint8_t)max;
		return 0;
	}
	*cause = n->addr.family == FA_AF_INET ?
	    "an IPv4 prefix length is 0 to 32" :
	    "an IPv6 prefix length is 0 to 128";
	len -= alen + 1;
	if (len == 0 || len > 3)
		return -1;
	for (i = 0; i < len; i++) {
		if (slash[1 + i] < '0' || slash[1 + i] > '9')
			return -1;
		plen = plen * 10 + (unsigned)(slash[1 + i] - '0');
	}
	if (plen > max)
		return -1;
	/* Host bits are ignored, as by ip(8): 10.1.2.3/8 is 10.0.0.0/8. */
	mask(&n->addr, plen);
	n->plen = (uint8_t)plen;
	return 0;
}

bool
select_net_has(const struct select_net *n, const struct fa_addr *a)
{
	struct fa_addr m;

	if (a->family != n->addr.family)
		return false;
	m = *a;
	mask(&m, n->plen);
	return memcmp(m.a, n->addr.a, sizeof m.a) == 0;
}

struct add_net_arg {
	struct selection	*sel;
	enum select_kind	 kind;
};

static int
add_net(void *arg, const char *s, size_t len, const char **cause)
{
	struct add_net_arg *a = arg;
	struct selection *sel = a->sel;
	struct select_net n;

	if (select_net_parse(s, len, &n, cause) == -1)
		return -1;
	if (fa_grow(&sel->nets[a->kind], sel->nnets[a->kind],
	    &sel->nets_cap[a->kind], sizeof n, 4) == -1) {
		*cause = "out of memory";
		return -1;
	}
	sel->nets[a->kind][sel->nnets[a->kind]++] = n;
	return 0;
}

int
select_add_nets(struct selection *sel, enum select_kind kind, const char *list,
    const char **cause, char **bad)
{
	struct add_net_arg a = { sel, kind };

	return each_item(list, add_net, &a, cause, bad);
}

static int
range_cmp(const void *x, const void *y)
{
	const struct select_range *a = x, *b = y;

	return a->first < b->first ? -1 : a->first > b->first;
}

/* Sorted and merged, a session's id is found by bisection: a script may
 * well pass thousands of ids. */
void
select_done(struct selection *sel)
{
	size_t i, n = 0;

	if (sel->nranges == 0)
		return;
	qsort(sel->ranges, sel->nranges, sizeof *sel->ranges, range_cmp);
	for (i = 1; i < sel->nranges; i++) {
		if (sel->ranges[i].first <= sel->ranges[n].last ||
		    sel->ranges[i].first - 1 == sel->ranges[n].last) {
			if (sel->ranges[i].last > sel->ranges[n].last)
				sel->ranges[n].last = sel->ranges[i].last;
		} else
			sel->ranges[++n] = sel->ranges[i];
	}
	sel->nranges = n + 1;
}

bool
select_active(const struct selection *sel)
{
	int k;

	for (k = 0; k < SELECT_NKINDS; k++)
		if (sel->nnets[k] > 0)
			return true;
	return sel->nranges > 0 || sel->anomalous;
}

static bool
has_id(const struct selection *sel, uint64_t id)
{
	size_t lo = 0, hi = sel->nranges, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (id < sel->ranges[mid].first)
			hi = mid;
		else if (id > sel->ranges[mid].last)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static bool
any_net(const struct selection *sel, enum select_kind k, const struct fa_addr *a)
{
	size_t i;

	for (i = 0; i < sel->nnets[k]; i++)
		if (select_net_has(&sel->nets[k][i], a))
			return true;
	return false;
}

/*
 * The session's client (server) addresses: its own and, for the two
 * sides of a NAT translation paired into it (nat.c), both sides', so that
 * the inside and the public address each find it.
 */
static bool
client_in(const struct selection *sel, enum select_kind k,
    const struct fa_session *s)
{
	if (any_net(sel, k, &s->client.ip))
		return true;
	return s->nat != NULL && s->nat->kind != FA_NAT_NONE &&
	    (any_net(sel, k, &s->nat->in_client.ip) ||
	    any_net(sel, k, &s->nat->out_client.ip));
}

static bool
server_in(const struct selection *sel, enum select_kind k,
    const struct fa_session *s)
{
	if (any_net(sel, k, &s->server.ip))
		return true;
	return s->nat != NULL && s->nat->kind != FA_NAT_NONE &&
	    (any_net(sel, k, &s->nat->in_server.ip) ||
	    any_net(sel, k, &s->nat->out_server.ip));
}

bool
select_match(const struct selection *sel, const struct fa_session *s)
{
	if (sel->nranges > 0 && !has_id(sel, s->id))
		return false;
	if (sel->anomalous && s->nanoms == 0 && s->anoms_dropped == 0)
		return false;
	if (sel->nnets[SELECT_HOST] > 0 && !client_in(sel, SELECT_HOST, s) &&
	    !server_in(sel, SELECT_HOST, s))
		return false;
	if (sel->nnets[SELECT_CLIENT] > 0 && !client_in(sel, SELECT_CLIENT, s))
		return false;
	if (sel->nnets[SELECT_SERVER] > 0 && !server_in(sel, SELECT_SERVER, s))
		return false;
	return true;
}

bool
select_match_unattributed(const struct selection *sel,
    const struct fa_unattributed *u)
{
	if (sel->nranges > 0 || sel->anomalous || sel->nnets[SELECT_CLIENT] > 0 ||
	    sel->nnets[SELECT_SERVER] > 0)
		return false;
	return any_net(sel, SELECT_HOST, &u->initiator.ip) ||
	    any_net(sel, SELECT_HOST, &u->responder.ip);
}

bool
select_take(struct selection *sel, const struct fa_session *s)
{
	sel->seen++;
	if (!select_match(sel, s))
		return false;
	sel->taken++;
	return true;
}

/* Append to buf (SELECT_DESCLEN) at *off, keeping room for "...". */
static bool
put(char *buf, size_t *off, const char *s)
{
	size_t len = strlen(s);

	if (*off + len + 4 > SELECT_DESCLEN) {
		if (*off + 4 <= SELECT_DESCLEN)
			memcpy(buf + *off, "...", 4);
		*off = SELECT_DESCLEN;
		return false;
	}
	memcpy(buf + *off, s, len + 1);
	*off += len;
	return true;
}

static void
net_str(const struct select_net *n, char *buf, size_t len)
{
	char a[FA_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", fa_addr_str(&n->addr, a), n->plen);
}

static void
range_str(const struct select_range *r, char *buf, size_t len)
{
	if (r->first == r->last)
		snprintf(buf, len, "%llu", (unsigned long long)r->first);
	else
		snprintf(buf, len, "%llu-%llu", (unsigned long long)r->first,
		    (unsigned long long)r->last);
}

static const char *const kind_opt[SELECT_NKINDS] = { "host", "server",
	"client" };

const char *
select_describe(const struct selection *sel, char *buf)
{
	char item[SELECT_ITEMLEN + 16];
	size_t off = 0, i;
	int k;

	buf[0] = '\0';
	for (i = 0; i < sel->nranges; i++) {
		range_str(&sel->ranges[i], item, sizeof item);
		if (!put(buf, &off, i == 0 ? "--session=" : ",") ||
		    !put(buf, &off, item))
			return buf;
	}
	for (k = 0; k < SELECT_NKINDS; k++)
		for (i = 0; i < sel->nnets[k]; i++) {
			/* " --host=" before the first, "," between. */
			if (i == 0)
				snprintf(item, sizeof item, "%s--%s=",
				    off > 0 ? " " : "", kind_opt[k]);
			else
				strcpy(item, ",");
			if (!put(buf, &off, item))
				return buf;
			net_str(&sel->nets[k][i], item, sizeof item);
			if (!put(buf, &off, item))
				return buf;
		}
	if (sel->anomalous)
		put(buf, &off, off > 0 ? " --anomalous" : "--anomalous");
	return buf;
}

void
select_json(struct jw *w, const struct selection *sel)
{
	static const char *const key[SELECT_NKINDS] = { "hosts", "servers",
		"clients" };
	char item[SELECT_ITEMLEN];
	size_t i;
	int k;

	jw_obj(w);
	jw_key(w, "sessions");
	jw_arr(w);
	for (i = 0; i < sel->nranges; i++) {
		jw_arr(w);
		jw_uint(w, sel->ranges[i].first);
		jw_uint(w, sel->ranges[i].last);
		jw_end_arr(w);
	}
	jw_end_arr(w);
	for (k = 0; k < SELECT_NKINDS; k++) {
		jw_key(w, key[k]);
		jw_arr(w);
		for (i = 0; i < sel->nnets[k]; i++) {
			net_str(&sel->nets[k][i], item, sizeof item);
			jw_str(w, item);
		}
		jw_end_arr(w);
	}
	jw_key(w, "anomalous"); jw_bool(w, sel->anomalous);
	jw_key(w, "sessions_seen"); jw_uint(w, sel->seen);
	jw_key(w, "sessions_selected"); jw_uint(w, sel->taken);
	jw_end_obj(w);
}

void
select_comment(FILE *f, const struct selection *sel, const char *prefix)
{
	char desc[SELECT_DESCLEN];

	if (sel == NULL)
		return;
	fprintf(f, "%sSelection: %s: the evidence is %llu of %llu FTP "
	    "sessions.\n", prefix, select_describe(sel, desc),
	    (unsigned long long)sel->taken, (unsigned long long)sel->seen);
}

/* The stage. */

#define SELECT_SINKS	4

struct select_stage {
	struct selection *sel;		/* borrowed */
	struct fa_sink	 down[SELECT_SINKS];
	int		 ndown;
};

static void
on_session_end(void *arg, struct fa_session *s)
{
	struct select_stage *st = arg;
	int i;

	if (!select_take(st->sel, s))
		return;
	for (i = 0; i < st->ndown; i++)
		if (st->down[i].session_end != NULL)
			st->down[i].session_end(st->down[i].arg, s);
}

static void
on_unattributed(void *arg, const struct fa_unattributed *u)
{
	struct select_stage *st = arg;
	int i;

	if (!select_match_unattributed(st->sel, u))
		return;
	for (i = 0; i < st->ndown; i++)
		if (st->down[i].unattributed != NULL)
			st->down[i].unattributed(st->down[i].arg, u);
}

struct select_stage *
select_stage_new(struct selection *sel, const struct fa_sink *down, int n)
{
	struct select_stage *st;
	int i;

	if (n < 0 || n > SELECT_SINKS)
		return NULL;
	/* Only ended sessions pass: a sink that wants more would see
	 * sessions this stage has yet to judge. */
	for (i = 0; i < n; i++)
		if (down[i].session_start != NULL || down[i].command != NULL ||
		    down[i].reply != NULL || down[i].transfer_start != NULL ||
		    down[i].transfer_end != NULL || down[i].anomaly != NULL)
			return NULL;
	if ((st = calloc(1, sizeof *st)) == NULL)
		return NULL;
	st->sel = sel;
	memcpy(st->down, down, (size_t)n * sizeof *down);
	st->ndown = n;
	return st;
}

void
select_stage_sink(struct select_stage *st, struct fa_sink *sink)
{
	memset(sink, 0, sizeof *sink);
	sink->session_end = on_session_end;
	sink->unattributed = on_unattributed;
	sink->arg = st;
}

void
select_stage_free(struct select_stage *st)
{
	free(st);
}
