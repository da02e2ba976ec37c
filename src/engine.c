/* SPDX-License-Identifier: ISC */
/* engine.c: the packet path.  Decode, one connection lookup, then hand the
 * packet to its control stream or count it against its data transfer;
 * everything else costs a lookup and a timestamp. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "session_int.h"
#include "grow.h"

#define SWEEP_INTERVAL_US	1000000ULL
/* How long an ended connection stays to absorb late packets (a final ACK,
 * a retransmitted FIN) without their starting anything new; then it goes,
 * so the table holds open connections, not the capture's history. */
#define LINGER_US		(60ULL * 1000000)	/* Linux's TIME_WAIT */
#define FAIL_SETS		1024	/* power of two; times FAIL_WAYS: 4,096
					   addresses tracked for brute force */
#define FAIL_WAYS		4

struct fail_set {
	struct fa_addr	 a[FAIL_WAYS];
	uint32_t	 n[FAIL_WAYS];	/* failures; 0: way empty */
};

void
fa_config_defaults(struct fa_config *c)
{
	memset(c, 0, sizeof *c);
	fa_portset_add(&c->ports, 21);
	fa_portset_add(&c->tls_ports, 990);
	c->detect_other_ports = true;
	c->max_conns = 1000000;
	c->idle_timeout_us = 900ULL * 1000000;
	c->expect_timeout_us = 300ULL * 1000000;
	c->reasm_stream_cap = 64 * 1024;
	c->reasm_total_cap = 64ULL * 1024 * 1024;
	c->line_max = FTP_LINE_MAX;
	c->max_cmds = 10000;
	c->max_replies = 64;
	c->max_xfers = 10000;
	c->max_expect_session = 64;
	c->max_expect_total = 100000;
	c->bruteforce_threshold = 10;
}

int
fa_portset_parse(struct fa_portset *ps, const char *s, const char **cause)
{
	unsigned long lo, hi;
	char *end;

	memset(ps, 0, sizeof *ps);
	for (;;) {
		lo = strtoul(s, &end, 10);
		if (end == s || lo > 65535)
			goto bad;
		hi = lo;
		if (*end == '-') {
			s = end + 1;
			hi = strtoul(s, &end, 10);
			if (end == s || hi > 65535 || hi < lo)
				goto bad;
		}
		for (; lo <= hi; lo++)
			fa_portset_add(ps, (uint16_t)lo);
		if (*end == '\0')
			return 0;
		if (*end != ',')
			goto bad;
		s = end + 1;
	}
bad:
	*cause = "expected ports or ranges such as 21,2121,8021-8030";
	return -1;
}

struct fa_engine *
fa_engine_new(const struct fa_config *cfg)
{
	struct fa_engine *e;

	if ((e = calloc(1, sizeof *e)) == NULL)
		return NULL;
	e->cfg = *cfg;
	e->budget.cap = cfg->reasm_total_cap;
	e->conns = conn_table_new(cfg->max_conns);
	e->expects = expect_table_new(cfg->max_expect_total);
	if (e->conns == NULL || e->expects == NULL) {
		fa_engine_free(e);
		return NULL;
	}
	return e;
}

int
fa_engine_add_sink(struct fa_engine *e, const struct fa_sink *s)
{
	if (e->nsinks == MAX_SINKS)
		return -1;
	e->sinks[e->nsinks++] = *s;
	return 0;
}

const struct fa_config *
fa_engine_config(const struct fa_engine *e)
{
	return &e->cfg;
}

bool
fa_engine_populate(struct fa_engine *e)
{
	return conn_table_populate(e->conns);
}

const struct fa_stats *
fa_engine_stats(const struct fa_engine *e)
{
	/* The shared budget counts its own hits; the stats show them. */
	((struct fa_engine *)e)->st.reasm_cap_hits = e->budget.cap_hits;
	return &e->st;
}

void
fa_engine_sessions_merged(struct fa_engine *e, uint64_t n)
{
	e->st.ftp_sessions -= n < e->st.ftp_sessions ? n : e->st.ftp_sessions;
}

void
fa_engine_add_time_jumps(struct fa_engine *e, uint64_t n)
{
	e->st.time_jumps_back += n;
}

size_t
fa_engine_open_sessions(const struct fa_engine *e)
{
	return e->open_sessions;
}

void
engine_anomaly(struct fa_engine *e, struct fa_session *s, uint64_t ts,
    const char *type, const char *fmt, ...)
{
	struct fa_anomaly *a;
	va_list ap;
	char *d;

	if (s->nanoms >= 1000 || fa_grow(&s->anoms, s->nanoms, &s->anoms_cap,
	    sizeof *s->anoms, 8) == -1) {
		s->anoms_dropped++;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&d, fmt, ap) == -1)
		d = NULL;
	va_end(ap);
	a = &s->anoms[s->nanoms++];
	a->ts_us = ts;
	a->type = type;
	a->detail = d;
	a->fix = NULL;
	SINKS(e, anomaly, s, a);
}

/*
 * Failed logins by client address, four addresses to a set.  A full set
 * forgets the address with the fewest failures, so a busy server's
 * thousands of one-attempt scanners cannot push out an address that is
 * guessing passwords; a table that stopped learning once half full went
 * blind to every brute force after its first 2,048 addresses.
 */
void
engine_login_failed(struct fa_engine *e, struct fa_session *s, uint64_t ts)
{
	struct fail_set *fs;
	int i, way = 0;
	char a[FA_ADDRSTRLEN];

	if (e->fails == NULL &&
	    (e->fails = calloc(FAIL_SETS, sizeof *e->fails)) == NULL)
		return;
	fs = &e->fails[fa_addr_hash(&s->client.ip, 0) & (FAIL_SETS - 1)];
	for (i = 0; i < FAIL_WAYS; i++) {
		if (fs->n[i] != 0 && fa_addr_eq(&fs->a[i], &s->client.ip))
			break;
		if (fs->n[i] < fs->n[way])
			way = i;
	}
	if (i == FAIL_WAYS) {
		fs->a[way] = s->client.ip;
		fs->n[way] = 0;
		i = way;
	}
	if (++fs->n[i] == e->cfg.bruteforce_threshold)
		engine_anomaly(e, s, ts, "login_bruteforce",
		    "%u failed logins from %s", fs->n[i],
		    fa_addr_str(&s->client.ip, a));
}

/*
 * Encrypted sessions, by their two hosts in either order: while one is
 * open, a new connection between its hosts is taken as its transfer
 * (tls_attach, data.c), so every new connection looks here.  A list
 * scanned whole, capped at 4,096, cost thousands of compares per SYN on a
 * link with many FTPS sessions, and went blind past the cap.
 */
#define TLS_BUCKETS	4096	/* power of two */

static uint32_t
tls_bucket(const struct fa_addr *a, const struct fa_addr *b)
{
	return (fa_addr_hash(a, 0) + fa_addr_hash(b, 0)) & (TLS_BUCKETS - 1);
}

void
engine_tls_open(struct fa_engine *e, struct ctl *x)
{
	struct ctl **head;

	if (x->tls_listed || (e->tls == NULL &&
	    (e->tls = calloc(TLS_BUCKETS, sizeof *e->tls)) == NULL))
		return;		/* its transfers will not be found */
	head = &e->tls[tls_bucket(&x->sess->client.ip, &x->sess->server.ip)];
	x->tls_prev = NULL;
	x->tls_next = *head;
	if (*head != NULL)
		(*head)->tls_prev = x;
	*head = x;
	x->tls_listed = true;
	e->ntls++;
}

void
engine_tls_close(struct fa_engine *e, struct ctl *x)
{
	if (!x->tls_listed)
		return;
	if (x->tls_prev != NULL)
		x->tls_prev->tls_next = x->tls_next;
	else
		e->tls[tls_bucket(&x->sess->client.ip, &x->sess->server.ip)] =
		    x->tls_next;
	if (x->tls_next != NULL)
		x->tls_next->tls_prev = x->tls_prev;
	x->tls_next = x->tls_prev = NULL;
	x->tls_listed = false;
	e->ntls--;
}

/* Newest first: the most recent session between two hosts is the one a
 * new data connection most likely serves. */
struct fa_session *
engine_tls_session(struct fa_engine *e, const struct fa_addr *a,
    const struct fa_addr *b, enum fa_mode *mode)
{
	struct fa_session *s;
	struct ctl *x;

	if (e->tls == NULL)
		return NULL;
	for (x = e->tls[tls_bucket(a, b)]; x != NULL; x = x->tls_next) {
		s = x->sess;
		if (fa_addr_eq(&s->client.ip, a) && fa_addr_eq(&s->server.ip, b)) {
			*mode = FA_MODE_PASSIVE;
			return s;
		}
		if (fa_addr_eq(&s->server.ip, a) && fa_addr_eq(&s->client.ip, b)) {
			*mode = FA_MODE_ACTIVE;
			return s;
		}
	}
	return NULL;
}

void
engine_transfer_end(struct fa_engine *e, struct fa_session *s,
    struct fa_transfer *t)
{
	if (t->reported)
		return;
	t->reported = true;
	SINKS(e, transfer_end, s, t);
}

/* id was reserved when the SYN was seen, or 0 to take the next one. */
/* A zeroed conn_bytes; NULL without memory. */
struct conn_bytes *
engine_bytes_new(struct fa_engine *e)
{
	struct conn_bytes *b;

	if ((b = e->spare_bytes) == NULL)
		return calloc(1, sizeof *b);
	memcpy(&e->spare_bytes, b, sizeof e->spare_bytes);
	memset(b, 0, sizeof *b);
	return b;
}

void
engine_bytes_free(struct fa_engine *e, struct conn_bytes *b)
{
	if (b == NULL || !FA_REUSE_FREED) {
		free(b);
		return;
	}
	memcpy(b, &e->spare_bytes, sizeof e->spare_bytes);
	e->spare_bytes = b;
}

static void
new_session(struct fa_engine *e, struct ctl *x, uint64_t id)
{
	x->sess->id = id ? id : ++e->next_id;
	e->open_sessions++;
	e->st.ftp_sessions++;
	SINKS(e, session_start, x->sess);
}

/* Make c a control connection with its server on key side ss. */
static void
make_control(struct fa_engine *e, struct conn *c, int ss, bool confirmed,
    uint64_t id)
{
	struct ctl *x;

	if ((x = ctl_new(e, c, ss, 0)) == NULL) {
		c->kind = CONN_OTHER;
		return;
	}
	c->kind = CONN_CONTROL;
	c->owner = x;
	x->confirmed = confirmed;
	x->sess->detected = !confirmed;
	if (fa_portset_has(&e->cfg.tls_ports, c->key.port[ss])) {
		x->sess->tls = x->sess->implicit_tls = true;
		x->decoding = false;
		engine_tls_open(e, x);
	}
	if (confirmed)
		new_session(e, x, id);
	else
		e->open_sessions++;
}

/*
 * A SYN to a control port costs only its table entry until the connection
 * shows more (an answer, data, or its end): a SYN flood must not allocate
 * sessions.  The session id is taken at the SYN, so ids stay in the order
 * of first packets.
 */
static void
ctl_syn(struct fa_engine *e, struct conn *c, int ss)
{
	c->kind = CONN_CTL_SYN;
	c->client_side = (uint8_t)ss;
	c->syn_id = ++e->next_id;
}

static void
promote(struct fa_engine *e, struct conn *c)
{
	struct ctl *x;
	int ss = c->client_side;
	uint64_t id = c->syn_id;

	c->client_side = 0;
	c->owner = NULL;
	make_control(e, c, ss, true, id);
	if (c->kind != CONN_CONTROL)
		return;
	x = c->owner;
	x->sess->ctl_handshake = FA_HS_NO_ANSWER;
	reasm_syn(&x->rs[TO_SERVER], c->isn[c->init_side]);
}

/* A session found on another port is numbered when its first command
 * proves it is FTP. */
void
engine_confirm(struct fa_engine *e, struct ctl *x)
{
	e->open_sessions--;
	new_session(e, x, 0);
}

static bool
is_ctl_port(const struct fa_engine *e, uint16_t p)
{
	return fa_portset_has(&e->cfg.ports, p) ||
	    fa_portset_has(&e->cfg.tls_ports, p);
}

static void
classify(struct fa_engine *e, struct conn *c, const struct fa_pkt *pk, int side,
    uint64_t ts)
{
	bool syn = pk->flags & TCP_SYN, ack = pk->flags & TCP_ACK;

	if (is_ctl_port(e, pk->dst.port) && syn && !ack && pk->caplen_payload == 0)
		ctl_syn(e, c, !side);
	else if (is_ctl_port(e, pk->dst.port) && !(syn && ack))
		make_control(e, c, !side, true, 0);
	else if (is_ctl_port(e, pk->src.port) && !(syn && !ack))
		make_control(e, c, side, true, 0);
	else if (data_attach(e, c, pk, side, ts))
		;
	else if (e->cfg.detect_other_ports)
		c->kind = CONN_PROBE;
	else
		c->kind = CONN_OTHER;
}

/* A connection is over: report what it owned and drop the state. */
static void
conn_over(struct fa_engine *e, struct conn *c, enum fa_end_reason why)
{
	struct fa_unattributed u;

	if (c->kind == CONN_CTL_SYN)
		promote(e, c);		/* reported as an unanswered attempt */
	switch (c->kind) {
	case CONN_CONTROL:
		ctl_end(e, c->owner, why, c->last_us);
		ctl_free(c->owner);
		break;
	case CONN_DATA:
		data_end(e, c, c->last_us);
		fa_session_unref(c->owner);
		break;
	case CONN_LOOSE_DATA:
		conn_endpoint(c, c->init_side, &u.initiator);
		conn_endpoint(c, !c->init_side, &u.responder);
		u.start_us = c->first_us;
		u.bytes = 0;
		if (c->bytes != NULL) {
			u.bytes = seqtrack_bytes(&c->bytes->seq[0]) +
			    seqtrack_bytes(&c->bytes->seq[1]);
			if (u.bytes == 0)
				u.bytes = c->bytes->cap[0] + c->bytes->cap[1];
		}
		SINKS(e, unattributed, &u);
		break;
	}
	engine_bytes_free(e, c->bytes);
	c->bytes = NULL;
	c->owner = NULL;
	c->kind = CONN_OTHER;
}

/*
 * Over, leaving a bare entry that absorbs late packets (a final ACK, a
 * retransmitted FIN) without starting anything new.  Sessions are freed
 * here, not at the idle timeout, so memory follows open connections, not
 * the capture.
 */
static void
retire(struct fa_engine *e, struct conn *c, enum fa_end_reason why)
{
	conn_over(e, c, why);
	conn_linger(e->conns, c);
}

/* Over and gone: not through retire, which would move the entry to the
 * closed index only to take it out again at once. */
static void
release(struct fa_engine *e, struct conn *c, enum fa_end_reason why)
{
	conn_over(e, c, why);
	conn_remove(e->conns, c);
}

static struct conn *
conn_new(struct fa_engine *e, const struct fa_pkt *pk, uint64_t ts, int *side)
{
	struct conn *c, *old;
	uint32_t probe;

	while ((c = conn_insert(e->conns, pk, ts, side)) == NULL) {
		if ((old = conn_oldest(e->conns)) == NULL)
			return NULL;
		e->st.conns_evicted++;
		e->st.conn_cap_hits++;
		release(e, old, FA_END_TIMEOUT);
	}
	e->st.tcp_connections++;
	if (conn_count(e->conns) > e->st.peak_conns)
		e->st.peak_conns = conn_count(e->conns);
	if ((probe = conn_longest_probe(e->conns)) > e->st.longest_probe)
		e->st.longest_probe = probe;
	return c;
}

static void
sweep(struct fa_engine *e)
{
	struct conn *c;
	struct expect *x;

	while ((c = conn_oldest_closed(e->conns)) != NULL &&
	    c->last_us + LINGER_US < e->now_us)
		release(e, c, FA_END_FIN);
	while ((c = conn_oldest_open(e->conns)) != NULL &&
	    c->last_us + e->cfg.idle_timeout_us < e->now_us) {
		e->st.conns_timed_out++;
		release(e, c, c->fin[0] || c->fin[1] ? FA_END_FIN : FA_END_TIMEOUT);
	}
	while ((x = expect_oldest(e->expects)) != NULL &&
	    x->expires_us < e->now_us) {
		e->st.expectations_expired++;
		if (x->sess != NULL)
			x->sess->expects_open--;
		expect_del(e->expects, x);
	}
	e->next_sweep_us = e->now_us + SWEEP_INTERVAL_US;
}

/* An unknown-port connection: a 220 greeting as the first bytes makes it
 * a candidate FTP session; anything else makes it uninteresting. */
static void
probe(struct fa_engine *e, struct conn *c, int side, const struct fa_pkt *pk)
{
	if (pk->caplen_payload == 0)
		return;
	if (!c->payload_seen[!side] &&
	    ftp_is_greeting(pk->payload, pk->caplen_payload))
		make_control(e, c, side, false, 0);
	else
		c->kind = CONN_OTHER;
	c->payload_seen[side] = 1;
}

static void
ctl_handshake(struct fa_session *s, int role, uint8_t flags)
{
	if (flags & TCP_SYN) {
		if (!(flags & TCP_ACK) && s->ctl_handshake == FA_HS_UNSEEN)
			s->ctl_handshake = FA_HS_NO_ANSWER;
		else if ((flags & TCP_ACK) && role == TO_CLIENT)
			s->ctl_handshake = FA_HS_COMPLETE;
	} else if (role == TO_CLIENT && s->ctl_handshake == FA_HS_NO_ANSWER)
		s->ctl_handshake = (flags & TCP_RST) ? FA_HS_RESET : FA_HS_COMPLETE;
}

static void
control(struct fa_engine *e, struct conn *c, int side, const struct fa_pkt *pk,
    uint64_t ts)
{
	struct ctl *x = c->owner;
	int role = side == x->server_side ? TO_CLIENT : TO_SERVER;
	struct fa_session *s = x->sess;
	struct fa_pkt whole;

	e->st.control_packets++;
	if (pk->cut) {
		/* The reader kept only the start of a packet a control
		 * stream needs: a bug in its judgement (reader.c), never
		 * input.  Lose the bytes as a capture gap would. */
		e->st.reader_cuts++;
		whole = *pk;
		whole.caplen_payload = 0;
		pk = &whole;
	}
	/* Once ended, its sinks may be reading it (sinkq.c). */
	if (!s->ended) {
		ctl_handshake(s, role, pk->flags);
		ctl_packet(e, c, x, role, pk, ts);
	}
	if (!x->confirmed && !x->decoding) {
		/* Greeted with 220 but did not speak FTP (SMTP): forget it. */
		e->open_sessions--;
		ctl_free(x);
		c->owner = NULL;
		c->kind = CONN_OTHER;
		return;
	}
	if (c->closed) {
		c->last_us = ts;
		retire(e, c, c->rst ? FA_END_RST : FA_END_FIN);
	}
}

/* TCP flags that end a connection, for every kind. */
static void
track_close(struct conn *c, int side, const struct fa_pkt *pk)
{
	if ((pk->flags & TCP_SYN) && !c->syn[side]) {
		c->syn[side] = 1;
		c->isn[side] = pk->seq;
	}
	if (pk->flags & TCP_FIN)
		c->fin[side] = 1;
	if (pk->flags & TCP_RST)
		c->rst = 1;
	if ((c->fin[0] && c->fin[1]) || c->rst)
		c->closed = 1;
}

void
fa_engine_packet(struct fa_engine *e, int dlt, uint64_t ts,
    const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	struct fa_pkt pk;
	enum decode_status st;

	st = decode_frame(dlt, data, caplen, e->cfg.verify_checksums, &pk);
	fa_engine_decoded(e, ts, wirelen, st, &pk);
}

void
fa_engine_prefetch(const struct fa_engine *e, const struct fa_pkt *pk)
{
	conn_prefetch(e->conns, pk);
	/* A SYN is most likely a new connection: it will be classified. */
	if ((pk->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
		expect_prefetch(e->expects, &pk->src, &pk->dst);
}

void
fa_engine_decoded(struct fa_engine *e, uint64_t ts, uint32_t wirelen,
    enum decode_status st, const struct fa_pkt *pk)
{
	struct conn *c;
	int side;
	bool was_closed;

	e->st.packets++;
	e->st.bytes += wirelen;
	if (ts > e->now_us)
		e->now_us = ts;
	if (e->now_us >= e->next_sweep_us)
		sweep(e);
	switch (st) {
	case DECODE_TCP:
		break;
	case DECODE_NOT_IP:
		e->st.non_ip++;
		return;
	case DECODE_NOT_TCP:
		e->st.non_tcp++;
		return;
	case DECODE_FRAGMENT:
		e->st.fragments++;
		return;
	case DECODE_MALFORMED:
		e->st.malformed++;
		return;
	case DECODE_BAD_CHECKSUM:
		e->st.bad_checksums++;
		return;
	}
	e->st.tcp_packets++;
	if ((c = conn_lookup(e->conns, pk, &side)) != NULL && c->closed &&
	    (pk->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
	    !(c->syn[side] && c->isn[side] == pk->seq)) {
		/* A new connection on a 4-tuple whose last one ended (the
		 * same ISN again is only a retransmission). */
		release(e, c, c->rst ? FA_END_RST : FA_END_FIN);
		c = NULL;
	}
	if (c == NULL) {
		/* Stray ACKs, FINs and RSTs open nothing. */
		if (!(pk->flags & TCP_SYN) && pk->caplen_payload == 0)
			return;
		if ((c = conn_new(e, pk, ts, &side)) == NULL)
			return;
		classify(e, c, pk, side, ts);
	}
	conn_touch(e->conns, c, ts);
	was_closed = c->closed;
	track_close(c, side, pk);
	switch (c->kind) {
	case CONN_OTHER:
		/* Nothing FTP hangs on it: a late packet may start a fresh
		 * entry without harm, so an ended one goes at once. */
		if (c->closed && !c->lingering)
			conn_remove(e->conns, c);
		return;
	case CONN_CTL_SYN:
		if ((pk->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
		    pk->caplen_payload == 0 && side == c->init_side)
			return;		/* the SYN again: still unanswered */
		promote(e, c);
		if (c->kind != CONN_CONTROL)
			return;
		control(e, c, side, pk, ts);
		break;
	case CONN_PROBE:
		probe(e, c, side, pk);
		if (c->kind != CONN_CONTROL) {
			if (c->closed)	/* as CONN_OTHER: nothing to keep */
				conn_remove(e->conns, c);
			return;
		}
		/* FALLTHROUGH */
	case CONN_CONTROL:
		control(e, c, side, pk, ts);
		break;
	case CONN_DATA:
	case CONN_LOOSE_DATA:
		data_packet(e, c, side, pk, ts);
		if (c->closed && !was_closed)
			retire(e, c, FA_END_FIN);
		break;
	}
}

/* Whether ending c reports or frees something (conn_over). */
static bool
owns(const struct conn *c)
{
	return (c->kind != CONN_OTHER && c->kind != CONN_PROBE) ||
	    c->bytes != NULL || c->owner != NULL;
}

static enum fa_end_reason
end_reason(const struct conn *c)
{
	return c->fin[0] || c->fin[1] ? FA_END_FIN : FA_END_CAPTURE;
}

/*
 * Oldest first, so sessions end in the order they went quiet.  Only the
 * connections that own something are ended; the rest (a capture's end
 * leaves 200,000 open on the bench) stay in the table until it is freed.
 * Walking the recency list to remove them, a cache miss a step, was four
 * percent of a run.  Lingering entries own nothing (retire).
 */
void
fa_engine_finish(struct fa_engine *e)
{
	struct conn **v, *c;
	size_t i, n;

	if (conn_open_picked(e->conns, owns, &v, &n) == 0) {
		for (i = 0; i < n; i++)
			release(e, v[i], end_reason(v[i]));
		free(v);
		return;
	}
	/* Out of memory for the list: walk the table instead. */
	while ((c = conn_oldest(e->conns)) != NULL)
		release(e, c, end_reason(c));
}

void
fa_engine_free(struct fa_engine *e)
{
	void *b;

	if (e == NULL)
		return;
	if (e->conns != NULL)
		fa_engine_finish(e);
	expect_table_free(e->expects);
	conn_table_free(e->conns);
	while ((b = e->spare_bytes) != NULL) {
		memcpy(&e->spare_bytes, b, sizeof e->spare_bytes);
		free(b);
	}
	free(e->fails);
	free(e->tls);
	free(e);
}
