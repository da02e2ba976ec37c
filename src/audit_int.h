/* SPDX-License-Identifier: ISC */
/* audit_int.h: what audit.c and audit_rules.c share: the audit itself. */
#ifndef FTPAUDIT_AUDIT_INT_H
#define FTPAUDIT_AUDIT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ftpaudit/audit.h"
#include "grow.h"

/* What the packets of one flow showed about the ruleset's rules, while
 * the audit is only read; applied to it afterwards. */
enum audit_hit_kind { AH_USED, AH_EARLY, AH_MAYBE };
struct audit_hits {
	struct audit_hit {
		size_t	 seq;		/* the rule's rs_rule.seq */
		enum audit_hit_kind what;
	}		*v;		/* owned, reused from flow to flow */
	size_t		 n, cap;
	bool		 oom;
};

struct audit {
	const struct ruleset *rs;
	enum audit_side	 side;
	struct rules_opts vet;		/* what rules_vet takes: trust vetted */
	struct audit_flow *flows;
	size_t		 nflows, fcap;
	bool		 ordered;	/* audit_order done since the last flow */
	/* The flows of each session, as audit_add_session added them
	 * (audit_order); NULL once ordered. */
	struct audit_run *runs;		/* owned */
	size_t		 nruns, rcap;
	/* A bit a flow, in a->flows' order: dropped or rejected and not
	 * excluded, what audit_make_fixes makes fixes of (the bench's main
	 * capture has 203,000 of its 337,000 flows so). */
	uint64_t	*fixable;	/* owned */
	size_t		 fixable_cap;	/* words */
	char		**sensors;	/* owned: the flows' sensor names */
	size_t		 nsensors, sensors_cap;
	struct audit_fix *fixes;
	size_t		 nfixes, xcap;
	size_t		*denied;	/* owned: flows with a fix, in order */
	size_t		 ndenied, dcap;
	bool		*used;		/* [rs->nrules] */
	bool		*early;		/* helper set before conntrack */
	bool		*maybe;		/* reached, but undecidable */
	bool		*surface;	/* may match the FTP surface's TCP */
	bool		 all_unused;	/* list unused rules off the surface too */
	struct audit_hits hits;		/* the flow being evaluated */
	const char	*if_client, *if_server;	/* borrowed, or NULL */
	struct audit_broad *broad;
	size_t		 nbroad;
	struct audit_shadow *shadow;
	size_t		 nshadow, scap;
	struct audit_finding *finds;
	size_t		 nfinds, ncap;
	size_t		 ndata;		/* data connections evaluated */
	/* Flows counted as they come by what audit_finish's passes and
	 * audit_any_denied look for: a pass that would find none is not
	 * made (each reads a line of every flow, 67 MB on the bench). */
	struct {
		size_t	 accepted;
		size_t	 denied;	/* not accepted, not excluded */
		size_t	 indeterminate;
		size_t	 excluded_accepted;	/* by a rule */
		size_t	 nat_missing;
	} tally;
};

/* Bit i of a bitmap of nw 64-bit words (false past its end); set it;
 * the first set bit from i on, or SIZE_MAX. */
static inline bool
bit_get(const uint64_t *w, size_t nw, size_t i)
{
	return i / 64 < nw && (w[i / 64] >> i % 64 & 1);
}

static inline void
bit_set(uint64_t *w, size_t i)
{
	w[i / 64] |= (uint64_t)1 << i % 64;
}

static inline size_t
bit_next(const uint64_t *w, size_t nw, size_t i)
{
	uint64_t b;

	if (i / 64 >= nw)
		return SIZE_MAX;
	for (b = w[i / 64] & ~(uint64_t)0 << i % 64, i /= 64; b == 0; b = w[i])
		if (++i == nw)
			return SIZE_MAX;
	return i * 64 + (size_t)__builtin_ctzll(b);
}

/* audit_fix.c: the fixes of the denied flows; 0, or -1 on ENOMEM. */
int	 audit_make_fixes(struct audit *);
void	 audit_fixes_free(struct audit *);

/* audit_rules.c: 0, or -1 on ENOMEM. */
int	 audit_find_shadowed(struct audit *);
int	 audit_find_broad(struct audit *);
int	 audit_find_ftp(struct audit *);
int	 audit_find_surface(struct audit *);

#endif
