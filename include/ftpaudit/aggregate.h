/* SPDX-License-Identifier: ISC */
/* aggregate.h: a set of addresses as the fewest ranges and prefixes that
 * hold exactly that set (or its /N widening).  Pure functions: no state,
 * the caller owns what they return. */
#ifndef FTPAUDIT_AGGREGATE_H
#define FTPAUDIT_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "ftpaudit/addr.h"

/* Consecutive addresses lo..hi of one family, lo <= hi. */
struct agg_range {
	struct fa_addr	 lo, hi;
};

/* One CIDR prefix: addr with its host bits clear, and its length. */
struct agg_prefix {
	struct fa_addr	 addr;
	uint8_t		 plen;
};

/*
 * The n addresses of v (any order, repeats allowed, IPv4 and IPv6 mixed),
 * each first widened to its /plen4 (IPv4) or /plen6 (IPv6) prefix (32 and
 * 128 keep it exact), as the fewest ranges that hold exactly them: sorted
 * (IPv4 before IPv6, then by address), neither overlapping nor touching.
 * *out is owned by the caller (NULL when n is 0).  0, or -1 on ENOMEM or
 * a prefix length out of range.
 */
int	 aggregate_ranges(const struct fa_addr *v, size_t n, unsigned plen4,
	    unsigned plen6, struct agg_range **out, size_t *nout);
/*
 * The n ranges of v as the fewest CIDR prefixes that hold exactly their
 * addresses, in the same order (each range split from its low end into
 * the largest aligned blocks).  *out is owned by the caller.  0 or -1.
 */
int	 aggregate_prefixes(const struct agg_range *v, size_t n,
	    struct agg_prefix **out, size_t *nout);
/* How many prefixes aggregate_prefixes would give for the n ranges. */
size_t	 aggregate_nprefixes(const struct agg_range *v, size_t n);
/* The length of the one prefix that is exactly r, or -1 when r is none. */
int	 aggregate_range_plen(const struct agg_range *r);
/* How many addresses the n ranges hold, UINT64_MAX when more. */
uint64_t aggregate_size(const struct agg_range *v, size_t n);
/* a lies in r (same family, lo <= a <= hi). */
bool	 aggregate_range_has(const struct agg_range *r, const struct fa_addr *a);

#endif
