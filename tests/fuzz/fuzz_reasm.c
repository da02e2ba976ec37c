/* SPDX-License-Identifier: ISC */
/* fuzz_reasm.c: libFuzzer harness for the control-stream reassembler.
 *
 * Two streams share one small out-of-order budget.  The input is a header
 * (stream caps, budget cap, ISN) followed by 5-byte operations: segment
 * (seq relative to the stream's next byte, length, FIN, ACK flag, bad
 * bytes), SYN, ACK from the peer, flush.  A segment's bytes are a fixed
 * function of their sequence number unless the operation asks for bad
 * bytes, so the delivered stream can be checked byte for byte.
 *
 * Invariants (__builtin_trap on violation): held bytes never exceed the
 * stream cap, the budget's use never exceeds its cap and always equals
 * what the streams hold; DATA and GAP events are non-empty and seamless,
 * the reasm's counters match the events; with no bad bytes sent,
 * delivered bytes are the right ones and no conflict is reported;
 * nothing is delivered past a FIN; a flush leaves nothing held. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/reasm.h"

#define HDR	7
#define OPLEN	5

struct stream {
	struct reasm	 r;
	int		 id;
	bool		 corrupted;	/* some segment carried bad bytes */
	bool		 have_expect;	/* a DATA or GAP has come out */
	uint32_t	 expect;	/* where the next DATA or GAP starts */
	uint64_t	 delivered, gap_bytes;
	uint32_t	 gaps, conflicts;
};

static void
check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static uint8_t
byte_at(int id, uint32_t seq)
{
	uint32_t	 h = (seq + (uint32_t)id * 0x9e3779b9u) * 2654435761u;

	return (uint8_t)(h >> 24);
}

static void
on_event(void *arg, const struct reasm_event *ev)
{
	struct stream	*s = arg;
	uint32_t	 i;

	check(ev->len > 0);
	switch (ev->type) {
	case REASM_CONFLICT:
		check(s->corrupted);
		check(ev->data == NULL);
		s->conflicts++;
		return;
	case REASM_DATA:
		check(ev->data != NULL);
		if (!s->corrupted)
			for (i = 0; i < ev->len; i++)
				check(ev->data[i] == byte_at(s->id, ev->seq + i));
		/* Nothing exists past the FIN. */
		if (s->r.fin)
			check(seq_leq(ev->seq + ev->len, s->r.fin_seq));
		s->delivered += ev->len;
		break;
	case REASM_GAP:
		check(ev->data == NULL);
		s->gaps++;
		s->gap_bytes += ev->len;
		break;
	default:
		check(false);
	}
	if (s->have_expect)
		check(ev->seq == s->expect);
	s->have_expect = true;
	s->expect = ev->seq + ev->len;
}

static void
invariants(struct stream *st, const struct reasm_budget *b)
{
	int	 k;

	for (k = 0; k < 2; k++) {
		struct stream *s = &st[k];

		check(s->r.held <= s->r.cap);
		check((s->r.held == 0) == (s->r.ooo == NULL));
		check(s->r.delivered == s->delivered);
		check(s->r.gap_bytes == s->gap_bytes);
		check(s->r.gaps == s->gaps);
		check(s->r.conflicts == s->conflicts);
		if (s->have_expect)
			check(s->r.synced && s->r.next_seq == s->expect);
	}
	if (b->cap != 0)
		check(b->used <= b->cap);
	check(b->used == (uint64_t)st[0].r.held + st[1].r.held);
}

static const uint32_t stream_caps[8] = { 0, 1, 7, 100, 1000, 4096, 65536, UINT32_MAX };
static const uint64_t budget_caps[8] = { 0, 1, 50, 500, 3000, 10000, 100000, 0 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream		 st[2];
	struct reasm_budget	 budget;
	struct stream		*s;
	const uint8_t		*op;
	uint32_t		 isn, base, seq, len, i, delta;
	uint8_t			*buf;
	size_t			 off;
	bool			 bad, fin, ackf;
	int			 k;

	if (size < HDR)
		return 0;
	memset(&budget, 0, sizeof budget);
	budget.cap = budget_caps[data[2] & 7];
	isn = (uint32_t)data[3] << 24 | (uint32_t)data[4] << 16 |
	    (uint32_t)data[5] << 8 | data[6];
	memset(st, 0, sizeof st);
	for (k = 0; k < 2; k++) {
		st[k].id = k;
		reasm_init(&st[k].r, stream_caps[data[k] & 7], &budget);
	}

	for (off = HDR; off + OPLEN <= size; off += OPLEN) {
		op = data + off;
		s = &st[op[0] & 1];
		base = s->r.synced ? s->r.next_seq : isn + 1 + (uint32_t)s->id;
		delta = (uint32_t)(int32_t)(int16_t)(op[1] << 8 | op[2]);
		if (op[0] & 0x40)
			delta <<= 14;	/* far ahead or behind: window edges */
		seq = base + delta;
		len = op[3] | (uint32_t)(op[4] & 7) << 8;
		bad = op[4] & 0x08;
		ackf = op[4] & 0x10;
		switch ((op[0] >> 1) & 7) {
		case 4: {
			/* Once bytes came out, a SYN changes nothing. */
			bool fixed = s->have_expect;
			uint32_t before = s->r.next_seq;

			reasm_syn(&s->r, seq - 1);
			if (fixed)
				check(s->r.next_seq == before);
			break;
		}
		case 5:
			reasm_ack(&s->r, seq, on_event, s);
			break;
		case 6:
			if (op[4] & 0x80) {
				reasm_flush(&s->r, on_event, s);
				check(s->r.ooo == NULL && s->r.held == 0);
			}
			else
				reasm_segment(&s->r, seq, NULL, 0, true, off,
				    seq, ackf, on_event, s);
			break;
		default:
			fin = ((op[0] >> 1) & 7) == 7;
			buf = len ? malloc(len) : NULL;
			check(len == 0 || buf != NULL);
			for (i = 0; i < len; i++)
				buf[i] = byte_at(s->id, seq + i) ^ (bad ? 0x5a : 0);
			if (bad && len > 0)
				s->corrupted = true;
			reasm_segment(&s->r, seq, buf, len, fin, off, seq ^ 1,
			    ackf, on_event, s);
			free(buf);
			break;
		}
		invariants(st, &budget);
	}

	for (k = 0; k < 2; k++) {
		reasm_flush(&st[k].r, on_event, &st[k]);
		check(st[k].r.ooo == NULL && st[k].r.held == 0);
		invariants(st, &budget);
	}
	check(budget.used == 0);
	for (k = 0; k < 2; k++)
		reasm_free(&st[k].r);
	return 0;
}
