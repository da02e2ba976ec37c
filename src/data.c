/* SPDX-License-Identifier: ISC */
/* data.c: data connections: negotiations become transfers and
 * expectations; a new connection that matches one is counted against its
 * transfer with a few additions per packet, never buffered. */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "session_int.h"

/* A transfer record without an expectation; its index, or -1 past the cap. */
static int
xfer_add(struct fa_engine *e, struct fa_session *s, enum fa_mode mode,
    enum fa_neg neg, const struct fa_endpoint *announced, uint64_t ts,
    uint32_t helper_flags)
{
	struct fa_transfer *t;

	if (s->nxfers >= e->cfg.max_xfers ||
	    session_grow(s, (void **)&s->xfers, s->nxfers, &s->xfers_cap,
	    sizeof *s->xfers, 2) == -1) {
		s->xfers_dropped++;
		e->st.xfers_dropped++;
		return -1;
	}
	t = &s->xfers[s->nxfers];
	memset(t, 0, sizeof *t);
	t->id = s->nxfers + 1;
	t->mode = mode;
	t->neg = neg;
	t->announced = *announced;
	t->neg_ts_us = ts;
	t->helper_flags = helper_flags;
	t->cmd_index = -1;
	t->status = FA_XS_PENDING;
	return (int)s->nxfers++;
}

int
xfer_new(struct fa_engine *e, struct fa_session *s, enum fa_mode mode,
    enum fa_neg neg, const struct fa_endpoint *announced, uint64_t ts,
    uint32_t helper_flags)
{
	struct fa_transfer *t;
	struct fa_endpoint peer;
	struct expect *x;
	char a[FA_ADDRSTRLEN];
	int xi;

	if ((xi = xfer_add(e, s, mode, neg, announced, ts, helper_flags)) < 0)
		return -1;
	t = &s->xfers[xi];
	peer.ip = mode == FA_MODE_PASSIVE ? s->server.ip : s->client.ip;
	peer.port = announced->port;
	t->expected = fa_addr_is_unspecified(&announced->ip) ? peer : *announced;

	if (expect_exists(e->expects, &t->expected))
		engine_anomaly(e, s, ts, "port_reuse",
		    "%s %s port %u announced again while an earlier announcement is unused",
		    fa_neg_str(neg), fa_addr_str(&t->expected.ip, a), peer.port);
	if (s->expects_open >= e->cfg.max_expect_session) {
		e->st.expect_cap_hits++;
		return (int)(t->id - 1);
	}
	x = expect_add(e->expects, s, t->id - 1, &t->expected, &peer,
	    mode == FA_MODE_PASSIVE ? &s->client.ip : &s->server.ip,
	    ts + e->cfg.expect_timeout_us);
	if (x == NULL)
		e->st.expect_cap_hits++;
	else {
		s->expects_open++;
		e->st.expectations++;
	}
	return (int)(t->id - 1);
}

static bool
looks_like_data(struct fa_engine *e, const struct fa_pkt *pk)
{
	return pk->src.port == 20 || pk->dst.port == 20 ||
	    expect_was_data_port(e->expects, &pk->dst) ||
	    expect_was_data_port(e->expects, &pk->src);
}

/* Make c the data connection of transfer xi of s. */
static struct fa_transfer *
bind(struct fa_engine *e, struct conn *c, struct fa_session *s, uint32_t xi,
    const struct fa_endpoint *init, const struct fa_endpoint *resp,
    int init_side, bool syn, uint64_t ts)
{
	struct fa_transfer *t = &s->xfers[xi];

	c->kind = CONN_DATA;
	c->bytes = engine_bytes_new(e);
	c->owner = s;
	fa_session_ref(s);
	c->xfer = xi;
	c->init_side = (uint8_t)init_side;
	t->connected = true;
	t->initiator_server = t->mode == FA_MODE_ACTIVE;
	c->client_side = (uint8_t)(t->initiator_server ? !init_side : init_side);
	t->data_client = t->initiator_server ? *resp : *init;
	t->data_server = t->initiator_server ? *init : *resp;
	t->handshake = syn ? FA_HS_NO_ANSWER : FA_HS_UNSEEN;
	t->start_us = t->end_us = ts;
	e->st.data_connections++;
	return t;
}

static void
attach(struct fa_engine *e, struct conn *c, struct expect *x, bool fallback,
    const struct fa_endpoint *init, const struct fa_endpoint *resp, int init_side,
    bool syn, uint64_t ts)
{
	struct fa_session *s = x->sess;
	struct fa_transfer *t;
	char a1[FA_ADDRSTRLEN], a2[FA_ADDRSTRLEN];

	t = bind(e, c, s, x->xfer, init, resp, init_side, syn, ts);
	if (fallback)
		engine_anomaly(e, s, ts, "nat_mismatch",
		    "%s announced %s port %u, connection went to %s",
		    fa_neg_str(t->neg), fa_addr_str(&t->announced.ip, a1),
		    t->announced.port, fa_addr_str(&resp->ip, a2));
	if (!fa_addr_eq(&init->ip, &x->initiator))
		engine_anomaly(e, s, ts, "data_from_unexpected_host",
		    "data connection to port %u from %s, expected %s", resp->port,
		    fa_addr_str(&init->ip, a1), fa_addr_str(&x->initiator, a2));
	if (ts < t->neg_ts_us)
		engine_anomaly(e, s, ts, "data_before_negotiation",
		    "data connection timestamped before its %s", fa_neg_str(t->neg));
	if (t->mode == FA_MODE_PASSIVE)
		expect_note_data_port(e->expects, resp);
	s->expects_open--;
	expect_del(e->expects, x);
	SINKS(e, transfer_start, s, t);
}

/*
 * A session whose control channel is encrypted hides its negotiations, so
 * no expectation exists; a new connection between its two hosts, while it
 * is open, is taken as its data connection: passive when the client opens
 * it, active when the server does.  This is what lets the firewall
 * recommendation cover FTPS transfers.
 */
static bool
tls_attach(struct fa_engine *e, struct conn *c, const struct fa_pkt *pk,
    int side, uint64_t ts)
{
	struct fa_session *s;
	struct fa_endpoint ann;
	enum fa_mode mode;
	int xi;

	if ((s = engine_tls_session(e, &pk->src.ip, &pk->dst.ip, &mode)) == NULL)
		return false;
	if (mode == FA_MODE_PASSIVE && pk->dst.port == s->server.port)
		return false;		/* a second control connection */
	ann.ip.family = FA_AF_NONE;
	memset(ann.ip.a, 0, sizeof ann.ip.a);
	ann.port = pk->dst.port;
	if ((xi = xfer_add(e, s, mode, FA_NEG_TLS, &ann, ts, FA_HELPER_TLS)) < 0)
		return false;
	s->xfers[xi].expected = pk->dst;
	bind(e, c, s, (uint32_t)xi, &pk->src, &pk->dst, side, true, ts);
	SINKS(e, transfer_start, s, &s->xfers[xi]);
	return true;
}

/*
 * The expectation of an open session for a connection from init to ep.
 * An ended session is reported (or being reported, sinkq.c) and no longer
 * changes, so a connection that comes after it is not its transfer; its
 * expectations are left to expire.
 */
static struct expect *
expect_live(struct fa_engine *e, const struct fa_endpoint *init,
    const struct fa_endpoint *ep, bool *fb)
{
	return expect_find(e->expects, &init->ip, ep, fb);
}

/*
 * A new connection: is it an expected data connection?  With its SYN the
 * responder is the destination; picked up later, try both ends.
 */
/* A NAT keeps the SYN's sequence number: nat.c pairs the two sides of a
 * translated data connection by it. */
static void
note_isn(struct conn *c, const struct fa_pkt *pk)
{
	struct fa_transfer *t = &((struct fa_session *)c->owner)->xfers[c->xfer];

	t->has_isn = true;
	t->isn = pk->seq;
}

bool
data_attach(struct fa_engine *e, struct conn *c, const struct fa_pkt *pk,
    int side, uint64_t ts)
{
	struct expect *x;
	bool fb, syn = (pk->flags & TCP_SYN) != 0, ack = (pk->flags & TCP_ACK) != 0;

	if (syn && ack) {
		if ((x = expect_live(e, &pk->dst, &pk->src, &fb)) != NULL) {
			attach(e, c, x, fb, &pk->dst, &pk->src, !side, true, ts);
			return true;
		}
	} else if ((x = expect_live(e, &pk->src, &pk->dst, &fb)) != NULL) {
		attach(e, c, x, fb, &pk->src, &pk->dst, side, syn, ts);
		if (syn)
			note_isn(c, pk);
		return true;
	} else if (!syn && (x = expect_live(e, &pk->dst, &pk->src, &fb)) != NULL) {
		attach(e, c, x, fb, &pk->dst, &pk->src, !side, false, ts);
		return true;
	}
	if (syn && !ack && e->ntls > 0 && tls_attach(e, c, pk, side, ts))
		return true;
	if (looks_like_data(e, pk)) {
		c->kind = CONN_LOOSE_DATA;
		c->bytes = engine_bytes_new(e);
		e->st.unattributed_data_connections++;
		return true;
	}
	return false;
}

void
data_packet(struct fa_engine *e, struct conn *c, int side, const struct fa_pkt *pk,
    uint64_t ts)
{
	struct fa_session *s;
	struct fa_transfer *t;
	int role;

	struct conn_bytes *b = c->bytes;

	e->st.data_packets++;
	if (b == NULL)
		return;		/* no memory when it was attached */
	if ((pk->flags & TCP_SYN) && !b->seq[side].init)
		seqtrack_syn(&b->seq[side], pk->seq);
	if (pk->wire_payload > 0)
		seqtrack_add(&b->seq[side], pk->seq, pk->wire_payload);
	b->cap[side] += pk->caplen_payload;
	if (c->kind != CONN_DATA || (s = c->owner)->ended)
		return;		/* ended: its sinks may be reading it (sinkq.c) */
	t = &s->xfers[c->xfer];
	role = side == c->client_side ? TO_SERVER : TO_CLIENT;
	t->bytes_seq[role] = seqtrack_bytes(&b->seq[side]);
	t->bytes_cap[role] = b->cap[side];
	if (ts > t->end_us)
		t->end_us = ts;
	if (side != c->init_side) {
		if (pk->flags & TCP_RST) {
			if (t->handshake == FA_HS_NO_ANSWER)
				t->handshake = FA_HS_RESET;
		} else if (t->handshake == FA_HS_NO_ANSWER)
			t->handshake = FA_HS_COMPLETE;
	}
}

void
data_end(struct fa_engine *e, struct conn *c, uint64_t ts)
{
	struct fa_session *s;
	struct fa_transfer *t;

	(void)e;
	if (c->kind != CONN_DATA || (s = c->owner)->ended)
		return;		/* ended: its sinks may be reading it (sinkq.c) */
	t = &s->xfers[c->xfer];
	t->closed = true;
	if (ts > t->end_us)
		t->end_us = ts;
}

/*
 * A complete transfer whose data connection was seen whole, from SYN to
 * FIN, should carry what the server announced.  Not in ASCII mode (the
 * default, or TYPE A): servers announce the stored size, and line-end
 * conversion changes the count on the wire.  Not after REST: the
 * announcement may be the whole file's.
 */
static void
size_check(struct fa_engine *e, struct fa_session *s,
    const struct fa_transfer *t)
{
	uint64_t bytes;

	if (!t->has_size || t->status != FA_XS_COMPLETE || !t->connected ||
	    !t->closed || t->handshake != FA_HS_COMPLETE || !t->binary ||
	    t->restarted || (t->dir != FA_DIR_DOWNLOAD &&
	    t->dir != FA_DIR_UPLOAD))
		return;
	if ((bytes = fa_transfer_bytes(t)) == t->size)
		return;
	engine_anomaly(e, s, t->end_us, "transfer_size_mismatch",
	    "transfer %u: %llu bytes carried, %llu announced", t->id,
	    (unsigned long long)bytes, (unsigned long long)t->size);
}

/* Session over: every transfer gets its final status. */
void
xfer_finish(struct fa_engine *e, struct fa_session *s)
{
	struct fa_transfer *t;
	uint32_t i;

	for (i = 0; i < s->nxfers; i++) {
		t = &s->xfers[i];
		if (t->status == FA_XS_PENDING && t->neg == FA_NEG_TLS &&
		    t->connected && t->closed && t->handshake == FA_HS_COMPLETE)
			t->status = FA_XS_COMPLETE;
		if (t->status == FA_XS_PENDING) {
			if (t->handshake == FA_HS_NO_ANSWER ||
			    t->handshake == FA_HS_RESET)
				t->status = FA_XS_FAILED;
			else if (t->connected)
				t->status = FA_XS_INCOMPLETE;
			else {
				t->status = FA_XS_NOT_CONNECTED;
				engine_anomaly(e, s, t->neg_ts_us, "expectation_unused",
				    "%s announcement of port %u was never connected to",
				    fa_neg_str(t->neg), t->expected.port);
			}
		}
		size_check(e, s, t);
		engine_transfer_end(e, s, t);
	}
}
