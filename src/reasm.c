/* SPDX-License-Identifier: ISC */
/* reasm.c: reassembly of one TCP direction into an in-order byte stream. */
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/reasm.h"

/*
 * No real segment or receive window exceeds 2^30 bytes (the largest scaled
 * TCP window).  Refusing longer segments and segments starting further than
 * this ahead of next_seq keeps every byte we hold within 2^31 of next_seq,
 * the range where seq_lt() gives a consistent order.
 */
#define REASM_WINDOW	(1u << 30)

/*
 * Most segments held per stream, whatever the byte cap.  Each new segment
 * walks the held list, so this bounds the work hostile input (many one-byte
 * holes) can cause.  Real control connections hold a handful.
 */
#define REASM_MAXSEGS	1024u

/* One buffered out-of-order segment (or the part of one that was new). */
struct reasm_seg {
	struct reasm_seg *next;
	uint32_t	 seq;
	uint32_t	 len;
	uint64_t	 ts_us;
	uint32_t	 ack;
	bool		 ack_valid;
	uint8_t		 data[];
};

/* The carrying segment's stamp, copied onto the events it causes. */
struct reasm_meta {
	uint64_t	 ts_us;
	uint32_t	 ack;
	bool		 ack_valid;
};

/* What holding a new segment would add to the held list. */
struct reasm_scan {
	uint64_t	 need;		/* bytes not already held */
	uint32_t	 pieces;	/* holes those bytes fall into */
	uint32_t	 nsegs;		/* segments held now */
	bool		 dup;		/* some bytes were already held */
};

enum reasm_fit {
	REASM_FITS,
	REASM_OVER_STREAM,
	REASM_OVER_BUDGET,
};

/* The callback must not re-enter this reasm: the held list may be mid-walk. */
static void
emit(reasm_cb cb, void *arg, enum reasm_ev_type type, const uint8_t *data,
    uint32_t seq, uint32_t len, const struct reasm_meta *m)
{
	struct reasm_event ev;

	if (cb == NULL)
		return;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.data = data;
	ev.seq = seq;
	ev.len = len;
	if (m != NULL) {
		ev.ts_us = m->ts_us;
		ev.ack = m->ack;
		ev.ack_valid = m->ack_valid;
	}
	cb(arg, &ev);
}

/* Hand over bytes starting at next_seq. */
static void
deliver(struct reasm *r, const uint8_t *data, uint32_t len,
    const struct reasm_meta *m, reasm_cb cb, void *arg)
{
	uint32_t	 seq = r->next_seq;

	r->next_seq += len;
	r->delivered += len;
	emit(cb, arg, REASM_DATA, data, seq, len, m);
}

/* Give up on [next_seq, end). */
static void
gap(struct reasm *r, uint32_t end, const struct reasm_meta *m, reasm_cb cb,
    void *arg)
{
	uint32_t	 seq = r->next_seq, len = end - seq;

	r->next_seq = end;
	r->gaps++;
	r->gap_bytes += len;
	emit(cb, arg, REASM_GAP, NULL, seq, len, m);
}

static void
charge(struct reasm *r, uint32_t n)
{
	r->held += n;
	if (r->budget != NULL)
		r->budget->used += n;
}

/* Clamped: a caller that reset the budget under us must not make it wrap. */
static void
release(struct reasm *r, uint32_t n)
{
	r->held -= n < r->held ? n : r->held;
	if (r->budget != NULL)
		r->budget->used -= n < r->budget->used ? n : r->budget->used;
}

static struct reasm_meta
seg_meta(const struct reasm_seg *s)
{
	struct reasm_meta m = { s->ts_us, s->ack, s->ack_valid };

	return m;
}

/*
 * Deliver held segments that have become in order, each with its own stamp.
 * Returns how many segments were freed.
 */
static uint32_t
drain(struct reasm *r, reasm_cb cb, void *arg)
{
	struct reasm_seg	*s;
	struct reasm_meta	 m;
	uint32_t		 skip, n = 0;

	while ((s = r->ooo) != NULL && seq_leq(s->seq, r->next_seq)) {
		skip = r->next_seq - s->seq;
		if (skip < s->len) {
			m = seg_meta(s);
			deliver(r, s->data + skip, s->len - skip, &m, cb, arg);
		}
		r->ooo = s->next;
		release(r, s->len);
		free(s);
		n++;
	}
	return n;
}

/* Nothing exists past the FIN: cut held data there (as Linux's tcp_fin()
 * purges its out-of-order queue). */
static void
cut_at_fin(struct reasm *r)
{
	struct reasm_seg	**pp, *s;

	for (pp = &r->ooo; (s = *pp) != NULL; ) {
		if (seq_leq(r->fin_seq, s->seq)) {
			*pp = s->next;
			release(r, s->len);
			free(s);
			continue;
		}
		if (seq_lt(r->fin_seq, s->seq + s->len)) {
			release(r, s->len - (r->fin_seq - s->seq));
			s->len = r->fin_seq - s->seq;
		}
		pp = &s->next;
	}
}

/* The first FIN wins; one that would end the stream before bytes already
 * delivered is nonsense and ignored. */
static void
note_fin(struct reasm *r, uint32_t fin_seq)
{
	if (r->fin)
		return;
	if (r->synced && seq_lt(fin_seq, r->next_seq))
		return;
	r->fin = true;
	r->fin_seq = fin_seq;
	cut_at_fin(r);
}

/* Length of [seq, seq+len) that lies before the FIN. */
static uint32_t
clip_fin(const struct reasm *r, uint32_t seq, uint32_t len)
{
	if (!r->fin)
		return len;
	if (seq_leq(r->fin_seq, seq))
		return 0;
	if (seq_lt(r->fin_seq, seq + len))
		return r->fin_seq - seq;
	return len;
}

/* Segments starting too far ahead are garbage, not data (see REASM_WINDOW);
 * segments behind next_seq are retransmissions and handled later. */
static bool
in_window(const struct reasm *r, uint32_t seq)
{
	uint32_t	 off = seq - r->next_seq;

	return !r->synced || off < REASM_WINDOW || off >= 0x80000000u;
}

/* Report where a new copy of held bytes disagrees with the first copy. */
static void
compare(struct reasm *r, uint32_t seq, const uint8_t *a, const uint8_t *b,
    uint32_t n, const struct reasm_meta *m, reasm_cb cb, void *arg)
{
	uint32_t	 first, last;

	if (memcmp(a, b, n) == 0)
		return;
	for (first = 0; a[first] == b[first]; first++)
		;
	for (last = n - 1; a[last] == b[last]; last--)
		;
	r->conflicts++;
	emit(cb, arg, REASM_CONFLICT, NULL, seq + first, last - first + 1, m);
}

/*
 * Measure a new segment against the held list: which of its bytes are new
 * and how many holes they fill.  Overlaps keep the first copy, so this is
 * also where conflicts are found.  Walks the whole list to count it.
 */
static void
scan(struct reasm *r, uint32_t seq, const uint8_t *data, uint32_t len,
    const struct reasm_meta *m, reasm_cb cb, void *arg, struct reasm_scan *sc)
{
	struct reasm_seg	*s;
	uint32_t		 end = seq + len, cur = seq, lo, hi, s_end;

	memset(sc, 0, sizeof *sc);
	for (s = r->ooo; s != NULL; s = s->next) {
		sc->nsegs++;
		s_end = s->seq + s->len;
		if (seq_leq(s_end, seq) || seq_leq(end, s->seq))
			continue;
		lo = seq_lt(s->seq, seq) ? seq : s->seq;
		hi = seq_lt(end, s_end) ? end : s_end;
		if (seq_lt(cur, lo)) {
			sc->need += lo - cur;
			sc->pieces++;
		}
		compare(r, lo, data + (lo - seq), s->data + (lo - s->seq),
		    hi - lo, m, cb, arg);
		cur = hi;
		sc->dup = true;
	}
	if (seq_lt(cur, end)) {
		sc->need += end - cur;
		sc->pieces++;
	}
}

/* Would holding the scanned bytes break the stream's caps or the budget? */
static enum reasm_fit
fits(const struct reasm *r, const struct reasm_scan *sc)
{
	const struct reasm_budget *b = r->budget;

	if ((uint64_t)r->held + sc->need > r->cap ||
	    (uint64_t)sc->nsegs + sc->pieces > REASM_MAXSEGS)
		return REASM_OVER_STREAM;
	if (b != NULL && b->cap != 0 && b->used + sc->need > b->cap)
		return REASM_OVER_BUDGET;
	return REASM_FITS;
}

/*
 * Skip the earliest hole, which ends at the first held segment or at the
 * new segment at seq, whichever comes first.  Returns segments freed.
 */
static uint32_t
skip_gap(struct reasm *r, uint32_t seq, const struct reasm_meta *m,
    reasm_cb cb, void *arg)
{
	uint32_t	 end = seq;

	if (r->ooo != NULL && seq_lt(r->ooo->seq, seq))
		end = r->ooo->seq;
	gap(r, end, m, cb, arg);
	return drain(r, cb, arg);
}

/* Copy the bytes of an out-of-order segment that fill holes into the held
 * list, one segment per hole, keeping it sorted and non-overlapping. */
static int
hold(struct reasm *r, uint32_t seq, const uint8_t *data, uint32_t len,
    const struct reasm_meta *m)
{
	struct reasm_seg	**pp = &r->ooo, *s, *ns;
	uint32_t		 end = seq + len, n, s_end;

	while (seq_lt(seq, end)) {
		while ((s = *pp) != NULL && seq_leq(s->seq + s->len, seq))
			pp = &s->next;
		if (s != NULL && seq_leq(s->seq, seq)) {
			/* Already held: the first copy stays. */
			s_end = s->seq + s->len;
			n = (seq_lt(end, s_end) ? end : s_end) - seq;
		} else {
			n = (s != NULL && seq_lt(s->seq, end) ? s->seq : end) -
			    seq;
			if ((ns = malloc(sizeof *ns + n)) == NULL)
				return -1;
			ns->seq = seq;
			ns->len = n;
			ns->ts_us = m->ts_us;
			ns->ack = m->ack;
			ns->ack_valid = m->ack_valid;
			memcpy(ns->data, data, n);
			ns->next = s;
			*pp = ns;
			pp = &ns->next;
			charge(r, n);
		}
		seq += n;
		data += n;
	}
	return 0;
}

/* Deliver a segment that starts at (or before) next_seq, letting held
 * segments it reaches flow in between its pieces. */
static void
flow(struct reasm *r, uint32_t seq, const uint8_t *data, uint32_t len,
    const struct reasm_meta *m, reasm_cb cb, void *arg)
{
	uint32_t	 n, skip;

	while (len > 0) {
		drain(r, cb, arg);
		if (seq_lt(seq, r->next_seq)) {
			/* A held copy already supplied these bytes. */
			skip = r->next_seq - seq;
			if (skip >= len)
				break;
			seq += skip;
			data += skip;
			len -= skip;
		}
		n = len;
		if (r->ooo != NULL && seq_lt(r->ooo->seq, seq + len))
			n = r->ooo->seq - seq;
		deliver(r, data, n, m, cb, arg);
		seq += n;
		data += n;
		len -= n;
	}
	drain(r, cb, arg);
}

void
reasm_init(struct reasm *r, uint32_t cap, struct reasm_budget *budget)
{
	memset(r, 0, sizeof *r);
	r->cap = cap;
	r->budget = budget;
}

void
reasm_free(struct reasm *r)
{
	struct reasm_seg	*s;

	while ((s = r->ooo) != NULL) {
		r->ooo = s->next;
		release(r, s->len);
		free(s);
	}
	r->held = 0;
}

/*
 * A SYN fixes the stream start only while nothing has come out of the
 * stream: once bytes were delivered, held or skipped (a mid-stream pickup,
 * or after a SYN), a later SYN is a retransmission or a stray and delivered
 * bytes cannot be taken back.
 */
void
reasm_syn(struct reasm *r, uint32_t isn)
{
	if (r->synced && (r->delivered != 0 || r->ooo != NULL || r->gaps != 0))
		return;
	r->synced = true;
	r->next_seq = isn + 1;
	if (r->fin && seq_lt(r->fin_seq, r->next_seq))
		r->fin = false;
}

int
reasm_segment(struct reasm *r, uint32_t seq, const uint8_t *data,
    uint32_t len, bool fin, uint64_t ts_us, uint32_t ack, bool ack_valid,
    reasm_cb cb, void *arg)
{
	struct reasm_meta	 m = { ts_us, ack, ack_valid };
	struct reasm_scan	 sc;
	enum reasm_fit		 fit;
	uint32_t		 skip;
	bool			 dup = false;

	if (len > REASM_WINDOW || (len != 0 && data == NULL))
		return 0;
	if (!in_window(r, seq))
		return 0;
	if (fin)
		note_fin(r, seq + len);
	len = clip_fin(r, seq, len);
	if (len == 0)
		return 0;	/* pure ACKs never sync: a keepalive would lie */
	if (!r->synced) {
		r->synced = true;
		r->next_seq = seq;
	}

	if (seq_lt(seq, r->next_seq)) {
		skip = r->next_seq - seq;
		r->retransmitted++;
		if (skip >= len)
			return 0;
		seq += skip;
		data += skip;
		len -= skip;
		dup = true;
	}

	scan(r, seq, data, len, &m, cb, arg, &sc);
	if (sc.dup && !dup)
		r->retransmitted++;

	/* Make room by giving up on the earliest hole, never by overrunning. */
	while (seq_lt(r->next_seq, seq)) {
		if ((fit = fits(r, &sc)) == REASM_FITS)
			break;
		if (fit == REASM_OVER_BUDGET)
			r->budget->cap_hits++;
		sc.nsegs -= skip_gap(r, seq, &m, cb, arg);
	}
	if (seq_lt(r->next_seq, seq))
		return hold(r, seq, data, len, &m);
	flow(r, seq, data, len, &m, cb, arg);
	return 0;
}

/*
 * Deliver everything held, reporting the holes between, and the hole up to
 * the FIN if one was seen.  Holes carry the stamp of the data after them.
 */
void
reasm_flush(struct reasm *r, reasm_cb cb, void *arg)
{
	struct reasm_seg	*s;
	struct reasm_meta	 m;

	while ((s = r->ooo) != NULL) {
		if (seq_lt(r->next_seq, s->seq)) {
			m = seg_meta(s);
			gap(r, s->seq, &m, cb, arg);
		}
		drain(r, cb, arg);
	}
	if (r->synced && r->fin && seq_lt(r->next_seq, r->fin_seq) &&
	    r->fin_seq - r->next_seq <= REASM_WINDOW)
		gap(r, r->fin_seq, NULL, cb, arg);
}

/*
 * The peer acknowledged everything before ack, so a hole before ack was
 * received by the peer and lost only by the capture: it will never fill.
 * When held data waits behind such a hole the stream is stalled on it, so
 * skip it now rather than at the cap or at the end.
 */
void
reasm_ack(struct reasm *r, uint32_t ack, reasm_cb cb, void *arg)
{
	struct reasm_seg	*s;
	struct reasm_meta	 m;

	if (!r->synced || r->ooo == NULL || !seq_lt(r->next_seq, ack) ||
	    ack - r->next_seq > REASM_WINDOW)
		return;
	while ((s = r->ooo) != NULL && seq_lt(s->seq, ack)) {
		if (seq_lt(r->next_seq, s->seq)) {
			m = seg_meta(s);
			gap(r, s->seq, &m, cb, arg);
		}
		drain(r, cb, arg);
	}
	/* A held segment may start right at ack: it is in order now. */
	if (seq_lt(r->next_seq, ack)) {
		gap(r, ack, NULL, cb, arg);
		drain(r, cb, arg);
	}
}
