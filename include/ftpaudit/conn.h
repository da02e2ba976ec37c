/* SPDX-License-Identifier: ISC */
/* conn.h: the TCP connection table: one hash per packet, looked up among
 * the open connections (and the closed ones only when no open one matches),
 * entries from a bounded pool, least recently used first out. */
#ifndef FTPAUDIT_CONN_H
#define FTPAUDIT_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "ftpaudit/addr.h"
#include "ftpaudit/decode.h"

enum conn_kind {
	CONN_OTHER,		/* not FTP: only timestamps are kept */
	CONN_PROBE,		/* unknown port: watching for a 220 greeting */
	CONN_CTL_SYN,		/* control port, only the SYN so far: no state yet */
	CONN_CONTROL,		/* an FTP control connection */
	CONN_DATA,		/* attributed to a transfer */
	CONN_LOOSE_DATA,	/* looks like FTP data, no expectation matched */
};

/* Canonical key: endpoint 0 sorts before endpoint 1. */
struct conn_key {
	uint8_t		 family;
	uint16_t	 port[2];
	uint8_t		 addr[2][16];
};

/* Bytes a direction carried, from sequence numbers, across wraparound. */
struct seqtrack {
	uint64_t	 lo, hi;	/* extended sequence space */
	uint32_t	 raw_hi;
	bool		 init;
	bool		 syn;		/* start known from the SYN */
};

/* What a data connection counts, kept apart so that the other entries
 * (most of a busy table) stay small. */
struct conn_bytes {
	struct seqtrack	 seq[2];	/* by key side */
	uint64_t	 cap[2];	/* captured payload bytes */
};

/*
 * Two cache lines, aligned: a lookup reads only the first (hash, key,
 * flags); the times and lists that each packet updates are in the second.
 * The table is far larger than the cache, and an entry that straddled
 * three lines cost a miss more.
 */
struct conn {
	_Alignas(64) uint32_t hash;
	uint32_t	 id;		/* number in the table, from 1 */
	struct conn_key	 key;
	uint8_t		 kind;
	uint8_t		 init_side;	/* key endpoint that opened it (SYN or first packet) */
	uint8_t		 syn[2];	/* SYN seen from key endpoint i */
	uint8_t		 fin[2];
	uint8_t		 rst;
	uint8_t		 synack;	/* responder answered the SYN */
	uint8_t		 payload_seen[2];	/* probing: first payload seen */
	uint8_t		 closed;	/* FIN both ways or RST */
	uint8_t		 lingering;	/* on the closed list, not the recency list */
	uint8_t		 in_closed;	/* in the table's index of closed entries */
	uint8_t		 client_side;	/* data: key side of the FTP client;
					   CTL_SYN: key side of the server */
	uint32_t	 xfer;		/* data: transfer index */
	struct conn	*lprev, *lnext;	/* recency list, head = newest */
	uint32_t	 isn[2];	/* SYN sequence number from key endpoint i */
	uint64_t	 first_us, last_us;
	struct conn_bytes *bytes;	/* owned; data connections only */
	union {
		void	*owner;		/* control: struct ctl; data: session */
		uint64_t syn_id;	/* CTL_SYN: the session id its SYN took */
	};
	uint64_t	 seq;		/* when it last went to the head of the
					   recency list: its order there */
};
_Static_assert(sizeof (struct conn) == 128, "struct conn: two cache lines");

struct conn_table;

struct conn_table *conn_table_new(uint32_t max);
void	 conn_table_free(struct conn_table *);
/* From any thread but the table's own: fault in the memory it will take
 * next.  False when there was none to do. */
bool	 conn_table_populate(struct conn_table *);
/* Find the connection a packet belongs to (pk->hash is fa_pkt_hash(pk));
 * *side is the key endpoint of its source. */
struct conn *conn_lookup(struct conn_table *, const struct fa_pkt *, int *side);
/* Start loading what a lookup of pk will read first. */
void	 conn_prefetch(const struct conn_table *, const struct fa_pkt *);
/* Add a connection for this packet (src opens it).  NULL when the table is
 * full: the caller evicts conn_oldest() and tries again. */
struct conn *conn_insert(struct conn_table *, const struct fa_pkt *, uint64_t ts_us,
	    int *side);
void	 conn_remove(struct conn_table *, struct conn *);
/*
 * The entries on the recency list (not lingering) that keep() picks, least
 * recently used first, as conn_oldest_open() would give them; found in
 * memory order, without walking the list.  *out is the caller's.  -1 on
 * ENOMEM.
 */
int	 conn_open_picked(const struct conn_table *,
	    bool (*keep)(const struct conn *), struct conn ***out, size_t *n);
void	 conn_touch(struct conn_table *, struct conn *, uint64_t ts_us);
/* The entry to evict first: the longest-closed one, else the least
 * recently used. */
struct conn *conn_oldest(const struct conn_table *);
/* The least recently used open entry, for idle timeouts. */
struct conn *conn_oldest_open(const struct conn_table *);
/* The longest-closed entry, for the linger timeout. */
struct conn *conn_oldest_closed(const struct conn_table *);
/* c has ended: it lingers, in close order, to absorb late packets. */
void	 conn_linger(struct conn_table *, struct conn *);
size_t	 conn_count(const struct conn_table *);
/* Slots past its home the farthest entry went since the index last grew:
 * long runs mean the hash is being flooded. */
uint32_t conn_longest_probe(const struct conn_table *);
void	 conn_endpoint(const struct conn *, int side, struct fa_endpoint *);

void	 seqtrack_syn(struct seqtrack *, uint32_t isn);
void	 seqtrack_add(struct seqtrack *, uint32_t seq, uint32_t len);
static inline uint64_t
seqtrack_bytes(const struct seqtrack *t)
{
	return t->init ? t->hi - t->lo : 0;
}

#endif
