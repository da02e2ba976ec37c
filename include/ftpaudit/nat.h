/* SPDX-License-Identifier: ISC */
/* nat.h: the two sides of a NAT translation paired into one session, and
 * the FTP-through-NAT diagnoses.  A stage between the engine's ended
 * sessions and the sinks: it reads sessions, never packets. */
#ifndef FTPAUDIT_NAT_H
#define FTPAUDIT_NAT_H

#include <stdint.h>

#include "ftpaudit/engine.h"

/* Sessions held at once for their other side, at most (--nat-cap). */
#define NAT_CAP_DEFAULT		4096
/* How far apart (capture time) the two sides' SYNs may be. */
#define NAT_SYN_WINDOW_US	2000000

struct nat_stats {
	uint64_t	 paired;	/* sessions that were two sides of one */
	uint64_t	 cap_hits;	/* sessions not held: the stage was full */
	uint64_t	 unpaired;	/* held, but no other side came */
	uint64_t	 crowded;	/* not indexed: too many open with its ISN */
	uint64_t	 held_peak;
};

struct nat_stage;

/*
 * Owned by the caller, NULL on ENOMEM.  down[0..n-1] (copied) receive the
 * sessions: paired ones once, as one session with its nat objects; the
 * others unchanged but for the fix of today's NAT anomalies.  The stage
 * holds a session only while its other side is open, and at most cap at
 * once; beyond, both sides go on unpaired (counted in cap_hits).
 */
struct nat_stage *nat_stage_new(const struct fa_sink *down, int n, uint32_t cap);
/* The sink to give the engine in the place of down. */
void		 nat_stage_sink(struct nat_stage *, struct fa_sink *);
/* After fa_engine_finish: deliver what still waits. */
void		 nat_stage_flush(struct nat_stage *);
const struct nat_stats *nat_stage_stats(const struct nat_stage *);
void		 nat_stage_free(struct nat_stage *);

/* Pair b into a, the two sides of one translated session (a's SYN came
 * first: a is the client's side).  0, or -1 when they are not one
 * translation (nothing changed).  For tests; the stage calls it. */
int		 nat_merge(struct fa_session *a, const struct fa_session *b);
/* The fix text of today's one-sided NAT anomalies, added where missing. */
void		 nat_fix_one_sided(struct fa_session *);
const char	*fa_nat_kind_str(enum fa_nat_kind);

#endif
