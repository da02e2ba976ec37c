/* SPDX-License-Identifier: ISC */
/* reasm.h: reassembly of one direction of a TCP control connection into an
 * in-order byte stream.  Only control connections are reassembled; data
 * connections are counted elsewhere and never come here. */
#ifndef FTPAUDIT_REASM_H
#define FTPAUDIT_REASM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Out-of-order bytes held across all streams; shared by every reasm. */
struct reasm_budget {
	uint64_t	 used;
	uint64_t	 cap;		/* 0: no global cap */
	uint64_t	 cap_hits;	/* times a stream had to skip because of it */
};

enum reasm_ev_type {
	REASM_DATA,		/* in-order bytes: data/len valid */
	REASM_GAP,		/* bytes [seq, seq+len) will never come: skipped */
	REASM_CONFLICT,		/* a retransmission disagreed with bytes already held */
};

struct reasm_event {
	enum reasm_ev_type type;
	const uint8_t	*data;		/* REASM_DATA: borrowed, valid during the callback */
	uint32_t	 len;
	uint32_t	 seq;		/* stream sequence number of the first byte */
	uint64_t	 ts_us;		/* timestamp of the segment that carried it */
	uint32_t	 ack;		/* that segment's TCP acknowledgement number */
	bool		 ack_valid;	/* that segment had the ACK flag */
};

typedef void (*reasm_cb)(void *arg, const struct reasm_event *ev);

struct reasm_seg;		/* private: one buffered out-of-order segment */

struct reasm {
	bool		 synced;	/* next_seq is known */
	uint32_t	 next_seq;	/* next byte to deliver */
	uint32_t	 cap;		/* most out-of-order bytes held for this stream */
	uint32_t	 held;		/* out-of-order bytes held now */
	struct reasm_seg *ooo;		/* owned; sorted by seq, non-overlapping */
	struct reasm_budget *budget;	/* borrowed; may be NULL */
	uint64_t	 delivered;	/* bytes delivered */
	uint32_t	 gaps;		/* REASM_GAP events */
	uint64_t	 gap_bytes;
	uint32_t	 conflicts;
	uint32_t	 retransmitted;	/* segments (or parts) that were already delivered or held */
	bool		 fin;		/* FIN seen */
	uint32_t	 fin_seq;	/* sequence number of the FIN */
};

void	reasm_init(struct reasm *r, uint32_t cap, struct reasm_budget *budget);
/* Frees held segments and returns their bytes to the budget. */
void	reasm_free(struct reasm *r);
/* SYN seen with this sequence number: data starts at isn + 1. */
void	reasm_syn(struct reasm *r, uint32_t isn);
/*
 * One segment's payload (len may be 0 with fin).  Without a prior SYN the
 * stream is picked up at this segment.  Delivers whatever became in-order.
 * When holding the segment would exceed the stream's cap or the budget, the
 * earliest gap is skipped (REASM_GAP) and buffered data flows on.
 * Returns 0, or -1 when memory for holding a segment could not be had (the
 * segment is then treated as a gap).
 */
int	reasm_segment(struct reasm *r, uint32_t seq, const uint8_t *data,
	    uint32_t len, bool fin, uint64_t ts_us, uint32_t ack, bool ack_valid,
	    reasm_cb cb, void *arg);
/* The other direction acknowledged up to ack: holes before it are lost
 * from the capture, so stop waiting for them when data is held behind. */
void	reasm_ack(struct reasm *r, uint32_t ack, reasm_cb cb, void *arg);
/* End of stream (FIN/RST/timeout/capture end): deliver all held data in
 * order, reporting the gaps between. */
void	reasm_flush(struct reasm *r, reasm_cb cb, void *arg);

/* Sequence arithmetic modulo 2^32. */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

#endif
