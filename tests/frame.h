/* SPDX-License-Identifier: ISC */
/* frame.h: the Ethernet/IPv4/TCP frame the tests and the hostile capture
 * writer build, and the pcap record that carries it: one builder where
 * there were three. */
#ifndef FTPAUDIT_TESTS_FRAME_H
#define FTPAUDIT_TESTS_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FRAME_HDR	54	/* Ethernet 14, IPv4 20, TCP 20: no options */

/* TCP flags, as on the wire. */
#define FRAME_FIN	0x01
#define FRAME_SYN	0x02
#define FRAME_RST	0x04
#define FRAME_PSH	0x08
#define FRAME_ACK	0x10

static inline void
frame_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
frame_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Write into f (room for FRAME_HDR + len bytes, the caller's) a frame
 * from src:sport to dst:dport (addresses as four bytes each) carrying
 * len payload bytes from pl (none when pl is NULL: the caller fills
 * them).  Checksums stay 0, as in a capture taken on the sending host.
 * An IP packet longer than 65535 bytes gets total length 0, as a TSO
 * segment captured on the sender does.  Returns the frame's length.
 */
static inline size_t
frame_tcp4(uint8_t *f, const uint8_t src[4], const uint8_t dst[4],
    uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
    uint8_t flags, const void *pl, size_t len)
{
	size_t ip = 20 + 20 + len;

	memset(f, 0, FRAME_HDR);
	f[12] = 0x08;			/* IPv4 */
	f[14] = 0x45;
	frame_be16(f + 16, ip > 65535 ? 0 : (uint16_t)ip);
	f[22] = 64;			/* TTL */
	f[23] = 6;			/* TCP */
	memcpy(f + 26, src, 4);
	memcpy(f + 30, dst, 4);
	frame_be16(f + 34, sport);
	frame_be16(f + 36, dport);
	frame_be32(f + 38, seq);
	frame_be32(f + 42, ack);
	f[46] = 0x50;			/* 20-byte header */
	f[47] = flags;
	if (pl != NULL && len > 0)
		memcpy(f + FRAME_HDR, pl, len);
	return FRAME_HDR + len;
}

/* The four bytes of an IPv4 address given as a number (10.0.0.1 is
 * 0x0a000001). */
static inline void
frame_addr4(uint8_t a[4], uint32_t v)
{
	frame_be32(a, v);
}

/* A classic pcap file's header: microseconds, Ethernet, in the host's
 * byte order as libpcap writes it.  0, or -1 on a write error. */
static inline int
frame_pcap_header(FILE *out, uint32_t snaplen)
{
	uint32_t magic = 0xa1b2c3d4, linktype = 1;
	uint16_t major = 2, minor = 4;
	uint8_t h[24] = { 0 };

	memcpy(h, &magic, 4);
	memcpy(h + 4, &major, 2);
	memcpy(h + 6, &minor, 2);
	memcpy(h + 16, &snaplen, 4);
	memcpy(h + 20, &linktype, 4);
	return fwrite(h, sizeof h, 1, out) == 1 ? 0 : -1;
}

/* One record of n frame bytes at ts_us. */
static inline int
frame_pcap_record(FILE *out, uint64_t ts_us, const uint8_t *f, size_t n)
{
	uint32_t h[4];

	h[0] = (uint32_t)(ts_us / 1000000);
	h[1] = (uint32_t)(ts_us % 1000000);
	h[2] = h[3] = (uint32_t)n;
	return fwrite(h, sizeof h, 1, out) == 1 &&
	    fwrite(f, 1, n, out) == n ? 0 : -1;
}

#endif
