/* SPDX-License-Identifier: ISC */
/* decode.c: link, IP and TCP header decoding.  Every read is checked
 * against the captured length; no struct is ever cast onto packet bytes. */
#include <string.h>

#include <pcap/dlt.h>

#include "ftpaudit/decode.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2	276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4	228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6	229
#endif

#define ETH_IPV4	0x0800
#define ETH_IPV6	0x86dd
#define ETH_VLAN	0x8100
#define ETH_QINQ	0x88a8
#define ETH_QINQ_OLD	0x9100

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * An IPv4 address as the 16 bytes of fa_addr, zero after the four, in two
 * 8-byte stores: the endpoint hash reads it back as two 8-byte words at
 * once, and a load that spans a 4-byte copy and a memset waits for both
 * to reach the cache (a tenth of the reader's decoding).
 */
static inline void
set_v4(uint8_t a[16], const uint8_t *p)
{
	uint64_t w[2] = { 0, 0 };

	memcpy(w, p, 4);
	memcpy(a, w, 16);
}

bool
decode_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_NULL:
	case DLT_LOOP:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case 14:	/* DLT_RAW on OpenBSD */
		return true;
	}
	return false;
}

/* Sum 16-bit words for the Internet checksum. */
static uint32_t
csum_add(uint32_t sum, const uint8_t *p, uint32_t len)
{
	while (len > 1) {
		sum += be16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static bool
tcp_csum_ok(const struct fa_pkt *pk, const uint8_t *tcp, uint32_t tcplen)
{
	uint32_t sum = 0;
	uint8_t pseudo[8];

	if (pk->src.ip.family == FA_AF_INET) {
		sum = csum_add(sum, pk->src.ip.a, 4);
		sum = csum_add(sum, pk->dst.ip.a, 4);
	} else {
		sum = csum_add(sum, pk->src.ip.a, 16);
		sum = csum_add(sum, pk->dst.ip.a, 16);
	}
	pseudo[0] = 0; pseudo[1] = 6;
	pseudo[2] = (uint8_t)(tcplen >> 8); pseudo[3] = (uint8_t)tcplen;
	sum = csum_add(sum, pseudo, 4);
	sum = csum_add(sum, tcp, tcplen);
	return csum_fold(sum) == 0;
}

/* TCP header at p: wire_len is the TCP length the IP header claims. */
static enum decode_status
decode_tcp(const uint8_t *p, uint32_t caplen, uint32_t wire_len, bool verify,
    struct fa_pkt *pk)
{
	uint32_t off;

	if (caplen < 20 || wire_len < 20)
		return DECODE_MALFORMED;
	off = (uint32_t)(p[12] >> 4) * 4;
	if (off < 20 || off > wire_len || off > caplen)
		return DECODE_MALFORMED;
	pk->src.port = be16(p);
	pk->dst.port = be16(p + 2);
	pk->seq = be32(p + 4);
	pk->ack = be32(p + 8);
	pk->flags = p[13];
	pk->payload = p + off;
	pk->wire_payload = wire_len - off;
	pk->caplen_payload = caplen - off;
	pk->cut = false;
	if (pk->caplen_payload > pk->wire_payload)
		pk->caplen_payload = pk->wire_payload;	/* Ethernet padding */
	if (verify && caplen >= wire_len && !tcp_csum_ok(pk, p, wire_len))
		return DECODE_BAD_CHECKSUM;
	return DECODE_TCP;
}

static enum decode_status decode_ipv6(const uint8_t *, uint32_t, bool,
    struct fa_pkt *, int);

/* depth counts tunnels, so nested encapsulation cannot recurse forever. */
static enum decode_status
decode_ipv4(const uint8_t *p, uint32_t caplen, bool verify, struct fa_pkt *pk,
    int depth)
{
	uint32_t ihl, total;
	uint16_t frag;

	if (caplen < 20 || (p[0] >> 4) != 4)
		return DECODE_MALFORMED;
	ihl = (uint32_t)(p[0] & 0x0f) * 4;
	/* A TSO segment captured on the sending host carries total length
	 * 0: trust the capture then. */
	if ((total = be16(p + 2)) == 0)
		total = caplen;
	if (ihl < 20 || ihl > caplen || total < ihl)
		return DECODE_MALFORMED;
	frag = be16(p + 6);
	if ((frag & 0x3fff) != 0)
		return DECODE_FRAGMENT;
	if (verify && csum_fold(csum_add(0, p, ihl)) != 0)
		return DECODE_BAD_CHECKSUM;
	pk->src.ip.family = pk->dst.ip.family = FA_AF_INET;
	set_v4(pk->src.ip.a, p + 12);
	set_v4(pk->dst.ip.a, p + 16);
	caplen = caplen < total ? caplen : total;
	if (p[9] == 41 && depth < 2)	/* 6in4 tunnel (RFC 4213) */
		return decode_ipv6(p + ihl, caplen - ihl, verify, pk, depth + 1);
	if (p[9] == 4 && depth < 2)	/* IP in IP */
		return decode_ipv4(p + ihl, caplen - ihl, verify, pk, depth + 1);
	if (p[9] != 6)
		return DECODE_NOT_TCP;
	return decode_tcp(p + ihl, caplen - ihl, total - ihl, verify, pk);
}

static enum decode_status
decode_ipv6(const uint8_t *p, uint32_t caplen, bool verify, struct fa_pkt *pk,
    int depth)
{
	uint32_t off = 40, plen, hlen;
	uint8_t nh;

	if (caplen < 40 || (p[0] >> 4) != 6)
		return DECODE_MALFORMED;
	plen = be16(p + 4);
	if (plen == 0)		/* jumbogram or TSO: trust the capture */
		plen = caplen - 40;
	nh = p[6];
	pk->src.ip.family = pk->dst.ip.family = FA_AF_INET6;
	memcpy(pk->src.ip.a, p + 8, 16);
	memcpy(pk->dst.ip.a, p + 24, 16);
	for (;;) {
		switch (nh) {
		case 6:
			if (off - 40 > plen)
				return DECODE_MALFORMED;
			hlen = caplen < 40 + plen ? caplen : 40 + plen;
			return decode_tcp(p + off, hlen - off, plen - (off - 40),
			    verify, pk);
		case 0:		/* hop-by-hop */
		case 43:	/* routing */
		case 60:	/* destination options */
			if (off + 2 > caplen)
				return DECODE_MALFORMED;
			hlen = ((uint32_t)p[off + 1] + 1) * 8;
			break;
		case 51:	/* AH */
			if (off + 2 > caplen)
				return DECODE_MALFORMED;
			hlen = ((uint32_t)p[off + 1] + 2) * 4;
			break;
		case 44:	/* fragment */
			return DECODE_FRAGMENT;
		case 41:	/* IPv6 in IPv6 */
			if (depth >= 2)
				return DECODE_NOT_TCP;
			return decode_ipv6(p + off, caplen - off, verify, pk, depth + 1);
		case 4:
			if (depth >= 2)
				return DECODE_NOT_TCP;
			return decode_ipv4(p + off, caplen - off, verify, pk, depth + 1);
		default:
			return DECODE_NOT_TCP;
		}
		if (off + hlen > caplen)
			return DECODE_MALFORMED;
		nh = p[off];
		off += hlen;
	}
}

static enum decode_status
decode_ip(const uint8_t *p, uint32_t caplen, bool verify, struct fa_pkt *pk)
{
	if (caplen < 1)
		return DECODE_MALFORMED;
	switch (p[0] >> 4) {
	case 4:
		return decode_ipv4(p, caplen, verify, pk, 0);
	case 6:
		return decode_ipv6(p, caplen, verify, pk, 0);
	}
	return DECODE_NOT_IP;
}

static enum decode_status
decode_ethertype(uint16_t type, const uint8_t *p, uint32_t caplen, bool verify,
    struct fa_pkt *pk)
{
	if (type == ETH_IPV4)
		return decode_ipv4(p, caplen, verify, pk, 0);
	if (type == ETH_IPV6)
		return decode_ipv6(p, caplen, verify, pk, 0);
	return DECODE_NOT_IP;
}

static enum decode_status
decode_ether(const uint8_t *p, uint32_t caplen, bool verify, struct fa_pkt *pk)
{
	uint32_t off = 12;
	uint16_t type;
	int tags = 0;

	if (caplen < 14)
		return DECODE_MALFORMED;
	type = be16(p + off);
	/* 802.1Q, 802.1ad and the old 0x9100, stacked. */
	while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
		if (++tags > 8 || off + 6 > caplen)
			return DECODE_MALFORMED;
		off += 4;
		type = be16(p + off);
	}
	off += 2;
	return decode_ethertype(type, p + off, caplen - off, verify, pk);
}

/* DLT_NULL/DLT_LOOP: a 4-byte address family, host or network order. */
static enum decode_status
decode_null(const uint8_t *p, uint32_t caplen, bool verify, struct fa_pkt *pk)
{
	uint32_t af;

	if (caplen < 4)
		return DECODE_MALFORMED;
	af = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
	if (af > 0xffff)
		af = be32(p);
	switch (af) {
	case 2:
		return decode_ipv4(p + 4, caplen - 4, verify, pk, 0);
	case 10: case 24: case 28: case 30:
		return decode_ipv6(p + 4, caplen - 4, verify, pk, 0);
	}
	return DECODE_NOT_IP;
}

static enum decode_status
decode_link(int dlt, const uint8_t *p, uint32_t caplen, bool verify,
    struct fa_pkt *pk)
{
	switch (dlt) {
	case DLT_EN10MB:
		return decode_ether(p, caplen, verify, pk);
	case DLT_LINUX_SLL:
		if (caplen < 16)
			return DECODE_MALFORMED;
		return decode_ethertype(be16(p + 14), p + 16, caplen - 16,
		    verify, pk);
	case DLT_LINUX_SLL2:
		if (caplen < 20)
			return DECODE_MALFORMED;
		return decode_ethertype(be16(p), p + 20, caplen - 20, verify,
		    pk);
	case DLT_NULL:
	case DLT_LOOP:
		return decode_null(p, caplen, verify, pk);
	case DLT_RAW:
	case 14:
	case DLT_IPV4:
	case DLT_IPV6:
		return decode_ip(p, caplen, verify, pk);
	}
	return DECODE_NOT_IP;
}

/*
 * Most frames are Ethernet, IPv4 without options, TCP: decoded here in one
 * pass, as the general path would (the checks are the same ones, fewer
 * because the header lengths are fixed).  False for anything else, any
 * doubt, and with verify: the general path takes it then.  The general
 * path, a call for each layer, was a tenth of all the instructions.
 */
static inline bool
ether_ipv4_tcp(const uint8_t *p, uint32_t caplen, struct fa_pkt *pk)
{
	uint32_t total, off, cap;

	if (caplen < 54 || p[12] != 0x08 || p[13] != 0x00 || p[14] != 0x45 ||
	    (p[20] & 0x3f) != 0 || p[21] != 0 || p[23] != 6)
		return false;
	total = be16(p + 16);
	off = (uint32_t)(p[46] >> 4) * 4;
	/* What decode_ipv4 and decode_tcp check, for ihl 20 and a total
	 * length given (0 is a TSO frame: the general path).  The TCP
	 * header fits what was captured of the IP packet, so it fits the
	 * IP length too. */
	if (total < 40 || off < 20)
		return false;
	cap = caplen - 14 < total ? caplen - 14 : total;
	if (off > cap - 20)
		return false;
	pk->src.ip.family = pk->dst.ip.family = FA_AF_INET;
	set_v4(pk->src.ip.a, p + 26);
	set_v4(pk->dst.ip.a, p + 30);
	pk->src.port = be16(p + 34);
	pk->dst.port = be16(p + 36);
	pk->seq = be32(p + 38);
	pk->ack = be32(p + 42);
	pk->flags = p[47];
	pk->payload = p + 34 + off;
	pk->wire_payload = total - 20 - off;
	pk->caplen_payload = cap - 20 - off;
	pk->cut = false;
	return true;
}

enum decode_status
decode_frame(int dlt, const uint8_t *p, uint32_t caplen, bool verify,
    struct fa_pkt *pk)
{
	enum decode_status st;

	if (dlt == DLT_EN10MB && !verify && ether_ipv4_tcp(p, caplen, pk))
		st = DECODE_TCP;
	else
		st = decode_link(dlt, p, caplen, verify, pk);
	if (st == DECODE_TCP)
		pk->hash = fa_pkt_hash(pk);
	return st;
}
