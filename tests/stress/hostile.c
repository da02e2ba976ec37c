/* SPDX-License-Identifier: ISC */
/* hostile.c: writes the hostile captures of the hardening tests: a SYN
 * flood, a million pipelined commands, a 100 MB reply line, a million
 * PORT commands; and for make bench, N TCP connections open at once; N
 * FTP sessions logged in and waiting on a passive transfer, or N that
 * log in and quit, or N waiting after 1,000 long sessions have ended;
 * N nested CWDs; a reply of N lines.
 * usage: hostile syn|pipeline|longline|ports|open|sessions|ended|primed|cwd|multiline N FILE */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../frame.h"

#define MSS	1448

static FILE *out;
static uint32_t ts;

/* One Ethernet/IPv4/TCP frame, a pcap record in the host's byte order. */
static void
frame(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint32_t seq,
    uint32_t ack, uint8_t flags, const uint8_t *pl, uint32_t len)
{
	uint8_t f[FRAME_HDR + MSS], s[4], d[4];
	size_t n;

	frame_addr4(s, src);
	frame_addr4(d, dst);
	n = frame_tcp4(f, s, d, sp, dp, seq, ack, flags, pl, len);
	ts++;
	frame_pcap_record(out, 1700000000ULL * 1000000 + ts, f, n);
}

#define CLI	0x0a000001u
#define SRV	0x0a000002u

/* A handshake and a banner; returns with both sequence numbers set. */
static void
session(uint32_t *cseq, uint32_t *sseq)
{
	static const uint8_t banner[] = "220 hostile\r\n";

	*cseq = 1000; *sseq = 9000;
	frame(CLI, SRV, 40000, 21, (*cseq)++, 0, 0x02, NULL, 0);
	frame(SRV, CLI, 21, 40000, (*sseq)++, *cseq, 0x12, NULL, 0);
	frame(CLI, SRV, 40000, 21, *cseq, *sseq, 0x10, NULL, 0);
	frame(SRV, CLI, 21, 40000, *sseq, *cseq, 0x18, banner, sizeof banner - 1);
	*sseq += sizeof banner - 1;
}

/* Bytes from a generator of lines, packed into MSS segments: the client's
 * (seq the client's, ack the server's) or, if server, the server's. */
static void
stream(int server, uint32_t *seq, uint32_t ack, unsigned long n,
    int (*line)(unsigned long, unsigned long, char *))
{
	uint8_t seg[MSS];
	char l[64];
	uint32_t used = 0;
	unsigned long i;
	int k;

	for (i = 0; i <= n; i++) {
		k = i < n ? line(i, n, l) : 0;
		if (used > 0 && (i == n || used + (uint32_t)k > MSS)) {
			if (server)
				frame(SRV, CLI, 21, 40000, *seq, ack, 0x18, seg, used);
			else
				frame(CLI, SRV, 40000, 21, *seq, ack, 0x18, seg, used);
			*seq += used;
			used = 0;
		}
		memcpy(seg + used, l, (size_t)k);
		used += (uint32_t)k;
	}
}

/* One FTP session from client c: logged in, a PASV answered, and then
 * nothing, so that its control connection and expectation stay open; or,
 * if quit, a QUIT answered and the connection closed. */
static void
login_pasv(uint32_t c, uint16_t p, int quit)
{
	static const char *const dialogue[] = {
		"220 hostile\r\n", "USER anonymous\r\n",
		"331 Password required\r\n", "PASS guest@\r\n",
		"230 Logged in\r\n", "PASV\r\n",
		"227 Entering Passive Mode (10,0,0,2,195,80)\r\n",
		"QUIT\r\n", "221 Goodbye\r\n",
	};
	uint32_t seq[2] = { 100, 500 };
	size_t i, len, n = sizeof dialogue / sizeof *dialogue - (quit ? 0 : 2);
	int from;

	frame(c, SRV, p, 21, seq[0]++, 0, 0x02, NULL, 0);
	frame(SRV, c, 21, p, seq[1]++, seq[0], 0x12, NULL, 0);
	for (i = 0; i < n; i++) {
		from = i % 2 == 0;	/* the server speaks first */
		len = strlen(dialogue[i]);
		if (from)
			frame(SRV, c, 21, p, seq[1], seq[0], 0x18,
			    (const uint8_t *)dialogue[i], (uint32_t)len);
		else
			frame(c, SRV, p, 21, seq[0], seq[1], 0x18,
			    (const uint8_t *)dialogue[i], (uint32_t)len);
		seq[from] += (uint32_t)len;
	}
	if (!quit)
		return;
	frame(SRV, c, 21, p, seq[1]++, seq[0], 0x11, NULL, 0);
	frame(c, SRV, p, 21, seq[0]++, seq[1], 0x11, NULL, 0);
	frame(SRV, c, 21, p, seq[1], seq[0], 0x10, NULL, 0);
}

/* A session of 100 NOOPs from client c that ends: its pool is large,
 * and so is the engine's guess for the next session's. */
static void
chatty(uint32_t c, uint16_t p)
{
	static const uint8_t noop[] = "NOOP\r\n", ok[] = "200 NOOP ok\r\n",
	    hi[] = "220 hostile\r\n", quit[] = "QUIT\r\n", bye[] = "221 Bye\r\n";
	uint32_t cs = 100, ss = 500;
	int i;

	frame(c, SRV, p, 21, cs++, 0, 0x02, NULL, 0);
	frame(SRV, c, 21, p, ss++, cs, 0x12, NULL, 0);
	frame(SRV, c, 21, p, ss, cs, 0x18, hi, sizeof hi - 1);
	ss += sizeof hi - 1;
	for (i = 0; i < 101; i++) {
		frame(c, SRV, p, 21, cs, ss, 0x18, i < 100 ? noop : quit,
		    i < 100 ? sizeof noop - 1 : sizeof quit - 1);
		cs += i < 100 ? sizeof noop - 1 : sizeof quit - 1;
		frame(SRV, c, 21, p, ss, cs, 0x18, i < 100 ? ok : bye,
		    i < 100 ? sizeof ok - 1 : sizeof bye - 1);
		ss += i < 100 ? sizeof ok - 1 : sizeof bye - 1;
	}
	frame(SRV, c, 21, p, ss++, cs, 0x11, NULL, 0);
	frame(c, SRV, p, 21, cs++, ss, 0x11, NULL, 0);
	frame(SRV, c, 21, p, ss, cs, 0x10, NULL, 0);
}

static int
noop(unsigned long i, unsigned long n, char *l)
{
	(void)i, (void)n;
	memcpy(l, "NOOP\r\n", 6);
	return 6;
}

/* A multi-line reply of n lines. */
static int
multiline(unsigned long i, unsigned long n, char *l)
{
	return sprintf(l, i + 1 < n ? "220-line %lu\r\n" : "220 done\r\n", i);
}

static int
port(unsigned long i, unsigned long n, char *l)
{
	(void)n;
	return sprintf(l, "PORT 10,0,0,1,%lu,%lu\r\n", 4 + (i >> 8) % 250, i & 255);
}

int
main(int argc, char **argv)
{
	uint8_t seg[MSS];
	unsigned long n, i;
	uint32_t cseq, sseq;

	if (argc != 4 || (out = fopen(argv[3], "wb")) == NULL) {
		fprintf(stderr, "usage: hostile syn|pipeline|longline|ports|open|sessions|ended|primed|cwd|multiline N FILE\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	frame_pcap_header(out, 65535);
	if (strcmp(argv[1], "syn") == 0) {
		for (i = 0; i < n; i++)
			frame(0x0b000000u + (uint32_t)(i >> 14), SRV,
			    (uint16_t)(1024 + (i & 0x3fff)), 21, (uint32_t)i, 0,
			    0x02, NULL, 0);
	} else if (strcmp(argv[1], "open") == 0) {
		/* n HTTPS-like connections: handshake, a request, a
		 * response, never closed, so all n are open at the end. */
		memset(seg, 0x17, 200);
		for (i = 0; i < n; i++) {
			uint32_t c = 0x0c000000u + (uint32_t)(i >> 14);
			uint16_t p = (uint16_t)(1024 + (i & 0x3fff));

			frame(c, SRV, p, 443, 100, 0, 0x02, NULL, 0);
			frame(SRV, c, 443, p, 500, 101, 0x12, NULL, 0);
			frame(c, SRV, p, 443, 101, 501, 0x18, seg, 100);
			frame(SRV, c, 443, p, 501, 201, 0x18, seg, 200);
		}
	} else if (strcmp(argv[1], "sessions") == 0 ||
	    strcmp(argv[1], "ended") == 0 || strcmp(argv[1], "primed") == 0) {
		if (argv[1][0] == 'p')
			for (i = 0; i < 1000; i++)
				chatty(0x0e000000u + (uint32_t)i, 2000);
		for (i = 0; i < n; i++)
			login_pasv(0x0d000000u + (uint32_t)(i >> 14),
			    (uint16_t)(1024 + (i & 0x3fff)), argv[1][0] == 'e');
	} else if (strcmp(argv[1], "cwd") == 0) {
		/* n CWDs one level deeper, each accepted. */
		static const uint8_t cwd[] = "CWD deeper\r\n", ok[] = "250 ok\r\n";

		session(&cseq, &sseq);
		for (i = 0; i < n; i++) {
			frame(CLI, SRV, 40000, 21, cseq, sseq, 0x18, cwd, sizeof cwd - 1);
			cseq += sizeof cwd - 1;
			frame(SRV, CLI, 21, 40000, sseq, cseq, 0x18, ok, sizeof ok - 1);
			sseq += sizeof ok - 1;
		}
	} else if (strcmp(argv[1], "pipeline") == 0) {
		session(&cseq, &sseq);
		stream(0, &cseq, sseq, n, noop);
	} else if (strcmp(argv[1], "ports") == 0) {
		session(&cseq, &sseq);
		stream(0, &cseq, sseq, n, port);
	} else if (strcmp(argv[1], "multiline") == 0) {
		session(&cseq, &sseq);
		stream(1, &sseq, cseq, n, multiline);
	} else if (strcmp(argv[1], "longline") == 0) {
		/* n bytes of reply text without a line end, then one. */
		session(&cseq, &sseq);
		memset(seg, 'A', sizeof seg);
		memcpy(seg, "227 ", 4);
		for (i = 0; i < n; i += MSS) {
			frame(SRV, CLI, 21, 40000, sseq, cseq, 0x18, seg, MSS);
			sseq += MSS;
			seg[0] = 'A';
			memset(seg, 'A', 4);
		}
		frame(SRV, CLI, 21, 40000, sseq, cseq, 0x18, (const uint8_t *)"\r\n", 2);
	} else {
		fprintf(stderr, "hostile: unknown case %s\n", argv[1]);
		return 2;
	}
	return fclose(out) == 0 ? 0 : 1;
}
