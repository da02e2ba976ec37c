/* SPDX-License-Identifier: ISC */
/* decode.h: link, IP and TCP header decoding, bounds-checked. */
#ifndef FTPAUDIT_DECODE_H
#define FTPAUDIT_DECODE_H

#include <stdint.h>
#include <stdbool.h>

#include "ftpaudit/addr.h"

#define TCP_FIN	0x01
#define TCP_SYN	0x02
#define TCP_RST	0x04
#define TCP_PSH	0x08
#define TCP_ACK	0x10

enum decode_status {
	DECODE_TCP,		/* a TCP segment: every field of fa_pkt valid */
	DECODE_NOT_IP,		/* ARP, LLDP, ...: not an error */
	DECODE_NOT_TCP,		/* IP, but UDP/ICMP/...: not an error */
	DECODE_FRAGMENT,	/* an IP fragment: counted, not reassembled */
	DECODE_MALFORMED,	/* shorter than its headers, or nonsense lengths */
	DECODE_BAD_CHECKSUM,	/* only with verify */
};

struct fa_pkt {
	struct fa_endpoint src, dst;
	uint32_t	 seq, ack;
	uint8_t		 flags;
	const uint8_t	*payload;	/* borrowed from the frame */
	uint32_t	 caplen_payload;	/* payload bytes in the capture */
	uint32_t	 wire_payload;	/* payload bytes on the wire (from IP length) */
	uint32_t	 hash;		/* of the two endpoints, in either order:
					   fa_pkt_hash() */
	bool		 cut;		/* only the first bytes of the payload are
					   readable: the reader left the rest of a
					   packet no control stream needs */
};

/* The connection table's hash of a segment's endpoints: the same either
 * way round, so both directions find one entry. */
static inline uint32_t
fa_pkt_hash(const struct fa_pkt *pk)
{
	return fa_hash_fold(fa_hash_ep(pk->src.ip.a, pk->src.port) +
	    fa_hash_ep(pk->dst.ip.a, pk->dst.port));
}

bool	decode_dlt_supported(int dlt);
enum decode_status decode_frame(int dlt, const uint8_t *p, uint32_t caplen,
	    bool verify, struct fa_pkt *out);

#endif
