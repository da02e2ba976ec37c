/* SPDX-License-Identifier: ISC */
/* gen.c: write a large, deterministic FTP-plus-background pcap and its ground truth. */

/*
 * The capture is built in three steps.
 *
 * 1. Plan: every FTP session (addresses, ports, login outcome, transfers and
 *    their size weights) is drawn from the seed and kept in memory.
 * 2. Size: a transfer of weight w carries 1 + (w * scale >> 16) bytes.  The
 *    packet and byte cost of everything is known in closed form, so the
 *    scale is found by bisection such that the file reaches the target size
 *    while background flows make up the requested share of packets (when
 *    the target is too small for that, the share gives way: see solve()).
 * 3. Emit: K sessions and K/2 background flows run at once; each step picks
 *    one of them at random (background in proportion to the packets it has
 *    left) and writes its next packet.  The bytes written are checked
 *    against the model at the end, so the model cannot silently drift.
 *
 * Nothing in the sizing path uses floating point: the same seed gives the
 * same file on every platform.
 */

#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GEN_VERSION	"2"

#define MSS4		1448	/* 1500 - 20 (IPv4) - 20 (TCP) - 12 (timestamps) */
#define MSS6		1428	/* 1500 - 40 (IPv6) - 20 (TCP) - 12 (timestamps) */
#define TCPH		32	/* TCP header with NOP NOP TS */
#define TCPH_SYN	40	/* TCP header with MSS SACKOK TS NOP WS */
#define TLSREC		(16384 + 5)
#define PATPERIOD	65536	/* payload pattern repeats every this many bytes */
#define MAXX		4	/* most transfers in one session */
#define MAXCONN		(1 + MAXX)
#define MAXOPS		128
#define TEXTCAP		8192
#define OUTCAP		(16u << 20)
#define SCALE_MAX	(1ULL << 38)	/* keeps w * scale below 2^62 */
#define START_US	1704067200000000ULL	/* 2024-01-01T00:00:00Z */

#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_PSH		0x08
#define TH_ACK		0x10

/* Independent random streams: each purpose reseeds from (seed, stream, index). */
enum { S_PLAN = 1, S_BUILD, S_PATH, S_BGPLAN, S_BGBUILD, S_SCHED, S_COLLIDE };

enum neg { NEG_PASV, NEG_EPSV, NEG_PORT, NEG_EPRT };
enum cmd { CMD_RETR, CMD_STOR, CMD_LIST };
enum pool { P_FTPC, P_FTPS, P_BGC, P_BGS, P_DNS };
enum bgkind { BG_DNS, BG_HTTP, BG_TLS };
enum opkind { OP_SYN, OP_SYNACK, OP_ACK, OP_FIN, OP_TEXT, OP_UDP, OP_BULK };
enum fill { PL_NONE, PL_BYTES, PL_PAT, PL_TLS };

static const char *negname[] = { "PASV", "EPSV", "PORT", "EPRT" };
static const char *cmdname[] = { "RETR", "STOR", "LIST" };
static const char *users[] = { "alice", "bob", "carol", "dave", "erin",
    "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia",
    "peggy", "rupert", "sybil" };
#define NUSERS	(sizeof users / sizeof users[0])
static const char *dirs[] = { "releases", "mirror", "data", "backup",
    "reports", "images", "logs", "archive" };
static const char *words[] = { "alpha", "bravo", "charlie", "delta", "echo",
    "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike",
    "november", "oscar", "papa" };
static const char *exts[] = { "bin", "tar.gz", "iso", "csv", "zip", "log" };
static const char *domains[] = { "example.com", "example.net", "example.org",
    "cdn.example.com", "api.example.net", "mail.example.org",
    "static.example.com", "img.example.net" };
#define NDOMAINS	(sizeof domains / sizeof domains[0])

struct rng {
	uint64_t	 s;
};

/* One FTP transfer as planned; sizes come later from the scale. */
struct xplan {
	uint32_t	 w;		/* RETR/STOR: size weight; LIST: listing bytes */
	uint16_t	 cport;		/* client end of the data connection */
	uint16_t	 sport;		/* server end: PASV port, or 20/random when active */
	uint8_t		 neg, cmd, v6;
};

struct splan {
	uint32_t	 client, server;	/* indices in the family's pools */
	uint32_t	 x0;		/* first xplan */
	uint16_t	 cport;
	uint8_t		 v6, ok, nx, user, uid;
	bool		 collided;	/* shares a passive port with the one before */
};

/* One background flow, derived from (seed, index) alone. */
struct bplan {
	uint8_t		 kind, v6, dom, lab;
	uint16_t	 req, hdr;	/* request bytes; HTTP response header bytes */
	uint32_t	 w, client, server;
};

struct conn {
	bool		 v6;
	uint8_t		 ip[2][16];	/* side 0 opened the connection */
	uint8_t		 mac[2][6];
	uint16_t	 port[2];
	uint32_t	 seq[2];	/* next sequence number each side sends */
	uint32_t	 tsoff[2];	/* each host's TCP timestamp clock offset */
	uint32_t	 tslast[2];	/* last timestamp each side sent, echoed by the peer */
	uint16_t	 ipid[2];
	uint8_t		 ttl[2];
};

struct op {
	uint8_t		 kind, conn, side, fill;
	uint16_t	 toff, tlen;	/* OP_TEXT, OP_UDP: bytes in the script's text */
	uint64_t	 n;		/* OP_BULK: stream bytes */
};

/* A connection group's packets in order; stepped one packet at a time. */
struct script {
	struct conn	 conns[MAXCONN];
	struct op	 ops[MAXOPS];
	unsigned	 nconns, nops, pc;
	uint64_t	 boff;		/* progress in the current OP_BULK */
	unsigned	 unacked;	/* segments since the receiver last acked */
	size_t		 tlen;
	uint8_t		 text[TEXTCAP];
};

/* What the solver needs of a background flow, cached: deriving it costs more
 * than using it, and the solver visits every flow dozens of times. */
struct bgcache {
	uint32_t	 w;
	uint16_t	 fby;		/* fixed bytes */
	uint8_t		 fpk;		/* fixed packets */
	uint8_t		 kind, v6;
};

struct est {
	uint64_t	 pf, bf;	/* FTP packets and bytes */
	uint64_t	 pb, bb, nbg;	/* background packets, bytes, flows */
	uint64_t	 total;		/* file bytes */
};

struct out {
	FILE		*fp;
	const char	*path;
	uint8_t		*buf;
	size_t		 len;
	uint64_t	 bytes, packets;
};

struct gen {
	uint64_t	 seed, nsess, target, scale;
	uint64_t	 min_mean;	/* smallest average RETR/STOR size before the share gives */
	uint64_t	 scale_min;	/* the scale that gives that average */
	unsigned	 conc, bgconc, share;	/* share: background packets, per mille */
	unsigned	 collide;	/* --pasv-collide: percent of sessions */
	uint64_t	 t_collided;
	bool		 quiet;
	uint32_t	 nc4, nc6, ns4, ns6, nbc4, nbc6;
	struct splan	*sp;
	struct xplan	*xp;
	uint64_t	 nx;
	uint64_t	 fixed_pk, fixed_by;	/* FTP cost with every RETR/STOR at 1 byte */
	struct bgcache	*bgc;
	uint64_t	 nbgc, bgccap;
	struct est	 est;
	struct out	 out;
	uint64_t	 now;		/* capture clock, microseconds */
	struct rng	 sched;
	FILE		*truth;
	const char	*truth_path;
	uint64_t	 pk_ctrl, pk_data, pk_bg;
	uint64_t	 t_ok, t_failed, t_x, t_bytes, t_cmd[3], t_neg[4];
};

static uint8_t pat[PATPERIOD + 2048];

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fputs("gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (p == NULL)
		die("out of memory");
	return p;
}

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed, uint64_t stream, uint64_t idx)
{
	r->s = mix64(seed ^ mix64((stream << 56) ^ idx ^ 0x5851f42d4c957f2dULL));
}

/* splitmix64: one add and a mix per draw, good enough and hard to get wrong. */
static uint64_t
rnd(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

static uint32_t
below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rnd(r) >> 32) * n) >> 32);
}

/* Heavy-tailed integer weight: 2^k times [128, 256), k geometric (p = 3/8). */
static uint32_t
draw_weight(struct rng *r)
{
	uint64_t x = rnd(r);
	unsigned k = 0;

	while (k < 16 && (x & 7) < 3) {
		k++;
		x >>= 3;
	}
	return (128 + below(r, 128)) << k;
}

static uint64_t
scaled(uint32_t w, uint64_t scale)
{
	return 1 + (((uint64_t)w * scale) >> 16);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/* Internet checksum partial sum in native order (RFC 1071: order-independent). */
static uint64_t
csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	uint32_t w;
	uint16_t h;
	uint8_t last[2] = { 0, 0 };

	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w, p, 4);
		sum += w;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		last[0] = *p;
		memcpy(&h, last, 2);
		sum += h;
	}
	return sum;
}

static void
csum_store(uint8_t *dst, uint64_t sum, bool udp)
{
	uint16_t r;

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	r = (uint16_t)~sum;
	if (udp && r == 0)
		r = 0xffff;	/* UDP: 0 means "no checksum" */
	memcpy(dst, &r, 2);
}

/* Address pools: FTP clients, FTP servers, background clients and servers and
 * DNS resolvers never overlap, so a tool cannot be helped or confused by
 * reuse. */
static void
pool_addr(uint8_t a[16], int pool, bool v6, uint32_t i)
{
	static const uint16_t net6[] = { 0xc1, 0xf0, 0xb1, 0x80, 0x53 };
	uint32_t q = i / 254;
	uint8_t z = 1 + i % 254;

	memset(a, 0, 16);
	if (v6) {
		put32(a, 0x20010db8);
		put16(a + 4, net6[pool]);
		put16(a + 6, (i >> 16) & 0xffff);
		put32(a + 12, i + 1);
		return;
	}
	switch (pool) {
	case P_FTPC:	/* 10.0.0.0/8 */
		a[0] = 10, a[1] = (q >> 8) & 0xff, a[2] = q & 0xff;
		break;
	case P_FTPS:	/* 198.18.0.0/15 */
		a[0] = 198, a[1] = 18 + ((q >> 8) & 1), a[2] = q & 0xff;
		break;
	case P_BGC:	/* 172.16.0.0/12 */
		a[0] = 172, a[1] = 16 + ((q >> 8) & 15), a[2] = q & 0xff;
		break;
	case P_BGS:	/* 203.0.113.0/24 and 192.0.2.0/24 */
		if (q & 1)
			a[0] = 192, a[1] = 0, a[2] = 2;
		else
			a[0] = 203, a[1] = 0, a[2] = 113;
		break;
	case P_DNS:	/* 198.51.100.53.. */
		a[0] = 198, a[1] = 51, a[2] = 100, z = 53 + i % 4;
		break;
	}
	a[3] = z;
}

static const char *
addr_str(const uint8_t a[16], bool v6, char *buf)
{
	return inet_ntop(v6 ? AF_INET6 : AF_INET, a, buf, INET6_ADDRSTRLEN);
}

static void
conn_init(struct conn *c, bool v6, const uint8_t *ipa, uint16_t pa,
    const uint8_t *ipb, uint16_t pb, struct rng *r)
{
	static const uint8_t ttls[] = { 64, 128, 255, 64 };
	const uint8_t *ip[2] = { ipa, ipb };
	int i;

	memset(c, 0, sizeof *c);
	c->v6 = v6;
	c->port[0] = pa;
	c->port[1] = pb;
	for (i = 0; i < 2; i++) {
		uint64_t h, x;

		memcpy(c->ip[i], ip[i], 16);
		memcpy(&h, ip[i], 8);
		memcpy(&x, ip[i] + 8, 8);
		h = mix64(h ^ mix64(x));
		c->mac[i][0] = 0x02;	/* locally administered */
		memcpy(c->mac[i] + 1, &h, 5);
		c->seq[i] = (uint32_t)rnd(r);
		c->tsoff[i] = (uint32_t)rnd(r);
		c->ipid[i] = (uint16_t)rnd(r);
		c->ttl[i] = ttls[h >> 62] - (uint8_t)(h >> 56 & 7);
	}
}

/* Output: packets are assembled in place in a large buffer. */
static void
out_flush(struct out *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, o->fp) != o->len)
		die("%s: %s", o->path, strerror(errno));
	o->len = 0;
}

static uint8_t *
pkt_begin(struct gen *g, const struct conn *c, int side, size_t l3len)
{
	struct out *o = &g->out;
	size_t caplen = 14 + l3len;
	uint8_t *p;

	if (OUTCAP - o->len < 16 + caplen)
		out_flush(o);
	p = o->buf + o->len;
	le32(p, (uint32_t)(g->now / 1000000));
	le32(p + 4, (uint32_t)(g->now % 1000000));
	le32(p + 8, (uint32_t)caplen);
	le32(p + 12, (uint32_t)caplen);
	memcpy(p + 16, c->mac[!side], 6);
	memcpy(p + 22, c->mac[side], 6);
	put16(p + 28, c->v6 ? 0x86dd : 0x0800);
	o->len += 16 + caplen;
	o->bytes += 16 + caplen;
	o->packets++;
	return p + 30;
}

/* Writes the IP header and returns the L4 pseudo-header sum. */
static uint64_t
put_ip(struct conn *c, int side, uint8_t *ip, uint8_t proto, size_t l4len)
{
	uint8_t ph[40];

	if (c->v6) {
		put32(ip, 0x60000000);
		put16(ip + 4, (uint16_t)l4len);
		ip[6] = proto;
		ip[7] = c->ttl[side];
		memcpy(ip + 8, c->ip[side], 16);
		memcpy(ip + 24, c->ip[!side], 16);
		memset(ph, 0, sizeof ph);
		memcpy(ph, ip + 8, 32);
		put32(ph + 32, (uint32_t)l4len);
		ph[39] = proto;
		return csum_add(0, ph, 40);
	}
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(20 + l4len));
	put16(ip + 4, c->ipid[side]++);
	put16(ip + 6, 0x4000);	/* DF */
	ip[8] = c->ttl[side];
	ip[9] = proto;
	ip[10] = ip[11] = 0;
	memcpy(ip + 12, c->ip[side], 4);
	memcpy(ip + 16, c->ip[!side], 4);
	csum_store(ip + 10, csum_add(0, ip, 20), false);
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (uint16_t)l4len);
	return csum_add(0, ph, 12);
}

/* TLS application-data records of 16 KiB laid over the stream. */
static void
fill_tls(uint8_t *dst, uint64_t off, size_t len, uint64_t total)
{
	while (len > 0) {
		uint64_t r = off % TLSREC, start = off - r;
		size_t k;

		if (r < 5) {
			uint64_t rl = total - start - 5;
			uint8_t h[5];

			if (rl > 16384)
				rl = 16384;
			h[0] = 0x17, h[1] = 3, h[2] = 3;
			h[3] = (uint8_t)(rl >> 8), h[4] = (uint8_t)rl;
			k = 5 - r < len ? 5 - r : len;
			memcpy(dst, h + r, k);
		} else {
			k = TLSREC - r < len ? TLSREC - r : len;
			memcpy(dst, pat + off % PATPERIOD, k);
		}
		dst += k, off += k, len -= k;
	}
}

static void
fill(uint8_t *dst, int kind, const uint8_t *bytes, uint64_t off, size_t len,
    uint64_t total)
{
	switch (kind) {
	case PL_BYTES:
		memcpy(dst, bytes, len);
		break;
	case PL_PAT:
		memcpy(dst, pat + off % PATPERIOD, len);
		break;
	case PL_TLS:
		fill_tls(dst, off, len, total);
		break;
	}
}

static void
emit_tcp(struct gen *g, struct conn *c, int side, uint8_t flags, int kind,
    const uint8_t *bytes, uint64_t off, size_t len, uint64_t total)
{
	bool syn = flags & TH_SYN;
	size_t ipl = c->v6 ? 40 : 20, thl = syn ? TCPH_SYN : TCPH;
	uint8_t *ip = pkt_begin(g, c, side, ipl + thl + len), *th = ip + ipl;
	uint32_t tsv = c->tsoff[side] + (uint32_t)(g->now / 1000);
	uint8_t *o = th + 20;
	uint64_t sum;

	fill(th + thl, kind, bytes, off, len, total);
	put16(th, c->port[side]);
	put16(th + 2, c->port[!side]);
	put32(th + 4, c->seq[side]);
	put32(th + 8, (flags & TH_ACK) ? c->seq[!side] : 0);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = flags;
	put16(th + 14, syn ? 64240 : 502);
	memset(th + 16, 0, 4);
	if (syn) {
		o[0] = 2, o[1] = 4;
		put16(o + 2, c->v6 ? MSS6 + 12 : MSS4 + 12);
		o[4] = 4, o[5] = 2;	/* SACK permitted */
		o += 6;
	} else {
		o[0] = o[1] = 1;
		o += 2;
	}
	o[0] = 8, o[1] = 10;
	put32(o + 2, tsv);
	put32(o + 6, c->tslast[!side]);
	if (syn)
		o[10] = 1, o[11] = 3, o[12] = 3, o[13] = 7;	/* NOP, WS 7 */
	c->tslast[side] = tsv;
	sum = put_ip(c, side, ip, 6, thl + len);
	csum_store(th + 16, csum_add(sum, th, thl + len), false);
	c->seq[side] += (uint32_t)len + !!(flags & (TH_SYN | TH_FIN));
}

static void
emit_udp(struct gen *g, struct conn *c, int side, const uint8_t *bytes,
    size_t len)
{
	size_t ipl = c->v6 ? 40 : 20;
	uint8_t *ip = pkt_begin(g, c, side, ipl + 8 + len), *uh = ip + ipl;
	uint64_t sum;

	memcpy(uh + 8, bytes, len);
	put16(uh, c->port[side]);
	put16(uh + 2, c->port[!side]);
	put16(uh + 4, (uint16_t)(8 + len));
	uh[6] = uh[7] = 0;
	sum = put_ip(c, side, ip, 17, 8 + len);
	csum_store(uh + 6, csum_add(sum, uh, 8 + len), true);
}

/* Cost model: record header + Ethernet + IP. */
static uint64_t
l2l3(bool v6)
{
	return 16 + 14 + (v6 ? 40 : 20);
}

static void
bulk_cost(bool v6, uint64_t n, uint64_t *pk, uint64_t *by)
{
	uint64_t mss = v6 ? MSS6 : MSS4, segs = (n + mss - 1) / mss;
	uint64_t p = segs + (segs + 1) / 2;	/* receiver acks every second segment */

	*pk += p;
	*by += p * (l2l3(v6) + TCPH) + n;
}

static void
script_cost(const struct script *sc, uint64_t *pk, uint64_t *by)
{
	unsigned i;

	for (i = 0; i < sc->nops; i++) {
		const struct op *op = &sc->ops[i];
		bool v6 = sc->conns[op->conn].v6;

		switch (op->kind) {
		case OP_BULK:
			bulk_cost(v6, op->n, pk, by);
			continue;
		case OP_SYN:
		case OP_SYNACK:
			*by += l2l3(v6) + TCPH_SYN;
			break;
		case OP_UDP:
			*by += l2l3(v6) + 8 + op->tlen;
			break;
		default:
			*by += l2l3(v6) + TCPH + op->tlen;
		}
		(*pk)++;
	}
}

/* Script building. */
static struct op *
sc_op(struct script *sc, uint8_t kind, unsigned conn, int side)
{
	struct op *op;

	if (sc->nops == MAXOPS)
		die("internal: script too long");
	op = &sc->ops[sc->nops++];
	memset(op, 0, sizeof *op);
	op->kind = kind;
	op->conn = (uint8_t)conn;
	op->side = (uint8_t)side;
	return op;
}

static void
sc_bytes(struct script *sc, uint8_t kind, unsigned conn, int side,
    const void *p, size_t len)
{
	struct op *op;

	if (TEXTCAP - sc->tlen < len)
		die("internal: script text overflow");
	op = sc_op(sc, kind, conn, side);
	op->toff = (uint16_t)sc->tlen;
	op->tlen = (uint16_t)len;
	memcpy(sc->text + sc->tlen, p, len);
	sc->tlen += len;
}

/* One control line, CRLF added. */
static void __attribute__((format(printf, 4, 5)))
sc_line(struct script *sc, unsigned conn, int side, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf - 2)
		die("internal: line too long");
	memcpy(buf + n, "\r\n", 2);
	sc_bytes(sc, OP_TEXT, conn, side, buf, (size_t)n + 2);
}

static void
sc_open(struct script *sc, unsigned conn)
{
	sc_op(sc, OP_SYN, conn, 0);
	sc_op(sc, OP_SYNACK, conn, 1);
	sc_op(sc, OP_ACK, conn, 0);
}

static void
sc_close(struct script *sc, unsigned conn, int side)
{
	sc_op(sc, OP_FIN, conn, side);
	sc_op(sc, OP_FIN, conn, !side);
	sc_op(sc, OP_ACK, conn, side);
}

static void
sc_bulk(struct script *sc, unsigned conn, int side, uint8_t kind, uint64_t n)
{
	struct op *op = sc_op(sc, OP_BULK, conn, side);

	op->fill = kind;
	op->n = n;
}

static void
sc_reset(struct script *sc)
{
	sc->nconns = sc->nops = sc->pc = 0;
	sc->boff = 0;
	sc->unacked = 0;
	sc->tlen = 0;
}

/* Emits the receiver's ack or the sender's next segment; true when done. */
static bool
bulk_step(struct gen *g, struct script *sc, const struct op *op,
    struct conn *c)
{
	uint64_t mss = c->v6 ? MSS6 : MSS4, len;

	if (sc->unacked == 2 || sc->boff == op->n) {
		emit_tcp(g, c, !op->side, TH_ACK, PL_NONE, NULL, 0, 0, 0);
		sc->unacked = 0;
		if (sc->boff < op->n)
			return false;
		sc->boff = 0;
		return true;
	}
	len = op->n - sc->boff < mss ? op->n - sc->boff : mss;
	emit_tcp(g, c, op->side, TH_ACK | (sc->boff + len == op->n ? TH_PSH : 0),
	    op->fill, NULL, sc->boff, (size_t)len, op->n);
	sc->boff += len;
	sc->unacked++;
	return false;
}

/* Writes the script's next packet; true when the script is finished. */
static bool
script_step(struct gen *g, struct script *sc)
{
	const struct op *op = &sc->ops[sc->pc];
	struct conn *c = &sc->conns[op->conn];
	const uint8_t *t = sc->text + op->toff;

	switch (op->kind) {
	case OP_SYN:
		emit_tcp(g, c, op->side, TH_SYN, PL_NONE, NULL, 0, 0, 0);
		break;
	case OP_SYNACK:
		emit_tcp(g, c, op->side, TH_SYN | TH_ACK, PL_NONE, NULL, 0, 0, 0);
		break;
	case OP_ACK:
		emit_tcp(g, c, op->side, TH_ACK, PL_NONE, NULL, 0, 0, 0);
		break;
	case OP_FIN:
		emit_tcp(g, c, op->side, TH_FIN | TH_ACK, PL_NONE, NULL, 0, 0, 0);
		break;
	case OP_TEXT:
		emit_tcp(g, c, op->side, TH_PSH | TH_ACK, PL_BYTES, t, 0,
		    op->tlen, op->tlen);
		break;
	case OP_UDP:
		emit_udp(g, c, op->side, t, op->tlen);
		break;
	case OP_BULK:
		if (!bulk_step(g, sc, op, c))
			return false;
		break;
	}
	return ++sc->pc == sc->nops;
}

/* Planning. */
static uint16_t
client_port(struct gen *g, uint16_t *ctr, bool v6, uint32_t client)
{
	uint64_t base = mix64(g->seed ^ ((uint64_t)v6 << 40) ^ client) % 28232;

	return (uint16_t)(32768 + (base + ctr[client]++) % 28232);
}

static void
plan_xfer(struct gen *g, struct rng *r, struct splan *sp, uint16_t *ctr)
{
	struct xplan *x = &g->xp[g->nx++];
	uint32_t v;

	x->v6 = sp->v6;
	v = below(r, 100);
	if (sp->v6)
		x->neg = v < 70 ? NEG_EPSV : NEG_EPRT;
	else
		x->neg = v < 45 ? NEG_PASV : v < 65 ? NEG_EPSV :
		    v < 90 ? NEG_PORT : NEG_EPRT;
	v = below(r, 100);
	x->cmd = v < 50 ? CMD_RETR : v < 75 ? CMD_STOR : CMD_LIST;
	x->w = x->cmd == CMD_LIST ? 60 * (1 + below(r, 60)) : draw_weight(r);
	x->cport = client_port(g, ctr, sp->v6, sp->client);
	if (x->neg == NEG_PASV || x->neg == NEG_EPSV)
		x->sport = (uint16_t)(30000 + below(r, 30000));
	else if (sp->server % 2 == 0)
		x->sport = 20;	/* half of the servers connect from ftp-data */
	else
		x->sport = (uint16_t)(32768 + below(r, 28232));
}

/* The first passive transfer of sp, or NULL. */
static struct xplan *
first_passive(struct gen *g, const struct splan *sp)
{
	unsigned k;

	for (k = 0; k < sp->nx; k++)
		if (g->xp[sp->x0 + k].neg == NEG_PASV ||
		    g->xp[sp->x0 + k].neg == NEG_EPSV)
			return &g->xp[sp->x0 + k];
	return NULL;
}

/*
 * --pasv-collide: a share of the sessions goes to the server of the one
 * started just before, and its first passive transfer is told the same
 * port as that one's: two servers behind one address, or one that
 * announces a port again.  The two usually run at once.  Only between
 * two different clients of one family, never in a chain of three (the
 * first and the third might be one client: then even the kernel could
 * not tell their connections apart), so the truth stays exact.  Drawn
 * from a stream of its own: without the option the plan is unchanged.
 */
static void
plan_collisions(struct gen *g)
{
	struct splan *a, *b;
	struct xplan *xa, *xb;
	struct rng r;
	uint64_t i;

	rng_seed(&r, g->seed, S_COLLIDE, 0);
	for (i = 1; i < g->nsess; i++) {
		a = &g->sp[i - 1];
		b = &g->sp[i];
		if (below(&r, 100) >= g->collide || a->collided ||
		    a->v6 != b->v6 || a->client == b->client ||
		    (xa = first_passive(g, a)) == NULL ||
		    (xb = first_passive(g, b)) == NULL)
			continue;
		b->server = a->server;
		xb->sport = xa->sport;
		b->collided = true;
		g->t_collided++;
	}
}

static void
plan_sessions(struct gen *g)
{
	uint16_t *ctr4 = xcalloc(g->nc4, sizeof *ctr4);
	uint16_t *ctr6 = xcalloc(g->nc6, sizeof *ctr6);
	struct rng r;
	uint64_t i;
	unsigned k;

	g->sp = xcalloc(g->nsess, sizeof *g->sp);
	g->xp = xcalloc(g->nsess * MAXX, sizeof *g->xp);
	rng_seed(&r, g->seed, S_PLAN, 0);
	for (i = 0; i < g->nsess; i++) {
		struct splan *sp = &g->sp[i];
		uint16_t *ctr;

		sp->v6 = below(&r, 100) < 20;
		ctr = sp->v6 ? ctr6 : ctr4;
		sp->client = below(&r, sp->v6 ? g->nc6 : g->nc4);
		sp->server = below(&r, sp->v6 ? g->ns6 : g->ns4);
		sp->cport = client_port(g, ctr, sp->v6, sp->client);
		sp->ok = below(&r, 100) >= 5;
		sp->user = (uint8_t)below(&r, NUSERS + 2);	/* the last two: anonymous */
		sp->uid = (uint8_t)below(&r, 100);
		sp->nx = sp->ok ? (uint8_t)(1 + below(&r, MAXX)) : 0;
		sp->x0 = (uint32_t)g->nx;
		for (k = 0; k < sp->nx; k++)
			plan_xfer(g, &r, sp, ctr);
	}
	free(ctr4);
	free(ctr6);
	if (g->collide > 0)
		plan_collisions(g);
}

static void
user_name(const struct splan *sp, char *buf, size_t len)
{
	if (sp->user >= NUSERS)
		snprintf(buf, len, "anonymous");
	else
		snprintf(buf, len, "%s%u", users[sp->user], sp->uid);
}

/* Absolute path of a RETR or STOR; NULL-equivalent (empty) for LIST. */
static void
xfer_path(const struct gen *g, uint64_t sid, unsigned k, int cmd, char *buf,
    size_t len)
{
	struct rng r;
	const char *d, *w, *e;
	uint32_t n;

	rng_seed(&r, g->seed, S_PATH, sid * MAXX + k);
	d = dirs[below(&r, 8)];
	w = words[below(&r, 16)];
	e = exts[below(&r, 6)];
	n = below(&r, 10000);
	if (cmd == CMD_RETR)
		snprintf(buf, len, "/pub/%s/%s-%04u.%s", d, w, n, e);
	else if (cmd == CMD_STOR)
		snprintf(buf, len, "/incoming/%s-%04u.%s", w, n, e);
	else
		buf[0] = '\0';
}

static void
banner(struct script *sc, const struct splan *sp, const char *sip)
{
	switch (sp->server % 4) {
	case 0:
		sc_line(sc, 0, 1, "220 ProFTPD 1.3.8 Server (ftp%u.example.net) [%s]",
		    sp->server, sip);
		break;
	case 1:
		sc_line(sc, 0, 1, "220 (vsFTPd 3.0.5)");
		break;
	case 2:	/* multi-line, in one segment */
		sc_line(sc, 0, 1, "220-Welcome to ftp%u.example.net\r\n"
		    "220-Unauthorized access is prohibited.\r\n220 Ready.",
		    sp->server);
		break;
	default:
		sc_line(sc, 0, 1, "220 Microsoft FTP Service");
	}
}

static void
login(struct script *sc, const struct splan *sp, struct rng *r)
{
	char user[64];

	user_name(sp, user, sizeof user);
	sc_line(sc, 0, 0, "USER %s", user);
	if (sp->user >= NUSERS) {
		sc_line(sc, 0, 1, "331 Please specify the password.");
		sc_line(sc, 0, 0, "PASS guest@example.org");
	} else {
		sc_line(sc, 0, 1, "331 Password required for %s", user);
		sc_line(sc, 0, 0, "PASS %s%u!", words[below(r, 16)],
		    below(r, 10000));
	}
	if (!sp->ok) {
		sc_line(sc, 0, 1, "530 Login incorrect.");
		return;
	}
	sc_line(sc, 0, 1, "230 Login successful.");
	sc_line(sc, 0, 0, "SYST");
	sc_line(sc, 0, 1, "215 UNIX Type: L8");
	if (below(r, 100) < 30) {
		sc_line(sc, 0, 0, "FEAT");
		sc_line(sc, 0, 1, "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n"
		    " PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End");
	}
	sc_line(sc, 0, 0, "TYPE I");
	sc_line(sc, 0, 1, "200 Switching to Binary mode.");
}

static void
negotiate(struct script *sc, const struct xplan *x, const uint8_t *cip,
    const uint8_t *sip)
{
	char buf[INET6_ADDRSTRLEN];

	switch (x->neg) {
	case NEG_PASV:
		sc_line(sc, 0, 0, "PASV");
		sc_line(sc, 0, 1, "227 Entering Passive Mode (%u,%u,%u,%u,%u,%u).",
		    sip[0], sip[1], sip[2], sip[3], x->sport >> 8, x->sport & 0xff);
		break;
	case NEG_EPSV:
		sc_line(sc, 0, 0, "EPSV");
		sc_line(sc, 0, 1, "229 Entering Extended Passive Mode (|||%u|)",
		    x->sport);
		break;
	case NEG_PORT:
		sc_line(sc, 0, 0, "PORT %u,%u,%u,%u,%u,%u", cip[0], cip[1],
		    cip[2], cip[3], x->cport >> 8, x->cport & 0xff);
		sc_line(sc, 0, 1, "200 PORT command successful. Consider using PASV.");
		break;
	case NEG_EPRT:
		sc_line(sc, 0, 0, "EPRT |%c|%s|%u|", x->v6 ? '2' : '1',
		    addr_str(cip, x->v6, buf), x->cport);
		sc_line(sc, 0, 1, "200 EPRT command successful. Consider using EPSV.");
		break;
	}
}

static uint64_t
xfer_bytes(const struct xplan *x, uint64_t scale)
{
	return x->cmd == CMD_LIST ? x->w : scaled(x->w, scale);
}

static void
transfer(struct gen *g, struct script *sc, uint64_t sid, unsigned k,
    const uint8_t *cip, const uint8_t *sip, struct rng *r)
{
	const struct splan *sp = &g->sp[sid];
	const struct xplan *x = &g->xp[sp->x0 + k];
	bool passive = x->neg == NEG_PASV || x->neg == NEG_EPSV;
	unsigned dc = sc->nconns++;
	int csd = passive ? 0 : 1;	/* the client's side on the data connection */
	int sender;
	char path[128];

	if (passive)
		conn_init(&sc->conns[dc], x->v6, cip, x->cport, sip, x->sport, r);
	else
		conn_init(&sc->conns[dc], x->v6, sip, x->sport, cip, x->cport, r);
	negotiate(sc, x, cip, sip);
	if (passive)
		sc_open(sc, dc);	/* clients connect before sending the command */
	xfer_path(g, sid, k, x->cmd, path, sizeof path);
	switch (x->cmd) {
	case CMD_RETR:
		sc_line(sc, 0, 0, "RETR %s", path);
		sc_line(sc, 0, 1, "150 Opening BINARY mode data connection for %s.", path);
		break;
	case CMD_STOR:
		sc_line(sc, 0, 0, "STOR %s", path);
		sc_line(sc, 0, 1, "150 Ok to send data.");
		break;
	default:
		sc_line(sc, 0, 0, "LIST");
		sc_line(sc, 0, 1, "150 Here comes the directory listing.");
	}
	if (!passive)
		sc_open(sc, dc);
	sender = x->cmd == CMD_STOR ? csd : !csd;
	sc_bulk(sc, dc, sender, PL_PAT, xfer_bytes(x, g->scale));
	sc_close(sc, dc, sender);
	sc_line(sc, 0, 1, x->cmd == CMD_LIST ? "226 Directory send OK." :
	    "226 Transfer complete.");
}

static void
build_session(struct gen *g, struct script *sc, uint64_t sid)
{
	const struct splan *sp = &g->sp[sid];
	uint8_t cip[16], sip[16];
	char sbuf[INET6_ADDRSTRLEN];
	struct rng r;
	unsigned k;

	rng_seed(&r, g->seed, S_BUILD, sid);
	pool_addr(cip, P_FTPC, sp->v6, sp->client);
	pool_addr(sip, P_FTPS, sp->v6, sp->server);
	sc_reset(sc);
	conn_init(&sc->conns[0], sp->v6, cip, sp->cport, sip, 21, &r);
	sc->nconns = 1;
	sc_open(sc, 0);
	banner(sc, sp, addr_str(sip, sp->v6, sbuf));
	login(sc, sp, &r);
	for (k = 0; k < sp->nx; k++)
		transfer(g, sc, sid, k, cip, sip, &r);
	sc_line(sc, 0, 0, "QUIT");
	sc_line(sc, 0, 1, "221 Goodbye.");
	sc_close(sc, 0, 1);
}

/* Background flows. */
static void
bg_plan(const struct gen *g, uint64_t j, struct bplan *bp)
{
	struct rng r;
	uint32_t v;

	rng_seed(&r, g->seed, S_BGPLAN, j);
	v = below(&r, 100);
	bp->kind = v < 45 ? BG_DNS : v < 80 ? BG_HTTP : BG_TLS;
	bp->v6 = below(&r, 100) < 20;
	bp->client = below(&r, bp->v6 ? g->nbc6 : g->nbc4);
	bp->server = below(&r, bp->kind == BG_DNS ? 4 : bp->v6 ? 256 : 508);
	bp->w = draw_weight(&r);
	bp->req = (uint16_t)(bp->kind == BG_TLS ? 80 + below(&r, 700) :
	    160 + below(&r, 440));
	bp->hdr = (uint16_t)(160 + below(&r, 100));
	bp->dom = (uint8_t)below(&r, NDOMAINS);
	bp->lab = (uint8_t)(3 + below(&r, 13));
}

static uint64_t
tls_stream(uint64_t n)
{
	return n + 5 * ((n + 16383) / 16384);
}

static uint64_t
dns_qlen(const struct bplan *bp)
{
	return 12 + 1 + bp->lab + strlen(domains[bp->dom]) + 2 + 4;
}

/* Closed form of what build_bg() writes apart from the response body. */
static void
bg_fixed(const struct bplan *bp, uint64_t *pk, uint64_t *by)
{
	uint64_t h = l2l3(bp->v6);

	switch (bp->kind) {
	case BG_DNS:
		*pk += 2;
		*by += 2 * (h + 8) + 2 * dns_qlen(bp) + (bp->v6 ? 28 : 16);
		break;
	case BG_HTTP:
		*pk += 8;
		*by += 2 * (h + TCPH_SYN) + 6 * (h + TCPH) + bp->req + bp->hdr;
		break;
	case BG_TLS:
		*pk += 7;
		*by += 2 * (h + TCPH_SYN) + 5 * (h + TCPH) + bp->req + 5;
		break;
	}
}

/* Stream bytes of the response body (TLS adds record headers). */
static uint64_t
bg_body(int kind, uint32_t w, uint64_t scale)
{
	if (kind == BG_DNS)
		return 0;
	if (kind == BG_TLS)
		return tls_stream(scaled(w, scale));
	return scaled(w, scale);
}

/* The model build_bg() is checked against, flow by flow. */
static void
bg_cost(const struct bplan *bp, uint64_t scale, uint64_t *pk, uint64_t *by)
{
	bg_fixed(bp, pk, by);
	if (bp->kind != BG_DNS)
		bulk_cost(bp->v6, bg_body(bp->kind, bp->w, scale), pk, by);
}

/* Pads an HTTP message to exactly len bytes with an X-Pad header. */
static void
http_msg(struct script *sc, int side, size_t len, const char *head)
{
	char buf[1024];
	size_t hl = strlen(head);

	if (hl + 7 + 4 > len || len > sizeof buf)
		die("internal: HTTP message of %zu bytes cannot hold its head", len);
	memcpy(buf, head, hl);
	memcpy(buf + hl, "X-Pad: ", 7);
	memset(buf + hl + 7, 'x', len - hl - 7 - 4);
	memcpy(buf + len - 4, "\r\n\r\n", 4);
	sc_bytes(sc, OP_TEXT, 0, side, buf, len);
}

static void
bg_dns(struct script *sc, const struct bplan *bp, struct rng *r)
{
	uint8_t m[512], *p = m + 12;
	const char *d = domains[bp->dom], *dot;
	uint16_t id = (uint16_t)rnd(r);
	size_t q;
	unsigned i;

	memset(m, 0, 12);
	put16(m, id);
	put16(m + 2, 0x0100);	/* RD */
	put16(m + 4, 1);
	*p++ = bp->lab;
	for (i = 0; i < bp->lab; i++)
		*p++ = (uint8_t)('a' + below(r, 26));
	while (*d) {
		dot = strchr(d, '.');
		i = dot ? (unsigned)(dot - d) : (unsigned)strlen(d);
		*p++ = (uint8_t)i;
		memcpy(p, d, i);
		p += i;
		d += i + (dot != NULL);
	}
	*p++ = 0;
	put16(p, bp->v6 ? 28 : 1);	/* AAAA or A */
	put16(p + 2, 1);
	p += 4;
	q = (size_t)(p - m);
	sc_bytes(sc, OP_UDP, 0, 0, m, q);
	put16(m + 2, 0x8180);	/* response, RD RA */
	put16(m + 6, 1);
	put16(p, 0xc00c);	/* name: pointer to the question */
	put16(p + 2, bp->v6 ? 28 : 1);
	put16(p + 4, 1);
	put32(p + 6, 300);
	put16(p + 10, bp->v6 ? 16 : 4);
	put32(p + 12, (uint32_t)rnd(r));
	if (bp->v6)
		put32(p + 16, 0x20010db8), put32(p + 20, 0xa), put32(p + 24, bp->w);
	sc_bytes(sc, OP_UDP, 0, 1, m, q + (bp->v6 ? 28 : 16));
}

static void
bg_http(struct script *sc, const struct bplan *bp, uint64_t n, struct rng *r)
{
	char head[512];

	sc_open(sc, 0);
	snprintf(head, sizeof head, "GET /static/%08x.bin HTTP/1.1\r\n"
	    "Host: www%u.example.com\r\nUser-Agent: bench/1\r\nAccept: */*\r\n",
	    (uint32_t)rnd(r), bp->server);
	http_msg(sc, 0, bp->req, head);
	snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Length: %" PRIu64 "\r\nConnection: close\r\n", n);
	http_msg(sc, 1, bp->hdr, head);
	sc_bulk(sc, 0, 1, PL_PAT, n);
	sc_close(sc, 0, 1);
}

static void
bg_tls(struct script *sc, const struct bplan *bp, uint64_t n)
{
	uint8_t rec[5 + 1024];

	sc_open(sc, 0);
	rec[0] = 0x17, rec[1] = 3, rec[2] = 3;
	put16(rec + 3, bp->req);
	memcpy(rec + 5, pat + bp->w % 4096, bp->req);
	sc_bytes(sc, OP_TEXT, 0, 0, rec, 5 + (size_t)bp->req);
	sc_bulk(sc, 0, 1, PL_TLS, tls_stream(n));
	sc_close(sc, 0, 1);
}

static void
build_bg(struct gen *g, struct script *sc, uint64_t j)
{
	static const uint16_t sport[] = { 53, 80, 443 };
	struct bplan bp;
	uint8_t cip[16], sip[16];
	uint64_t n, pk = 0, by = 0, pk2 = 0, by2 = 0;
	struct rng r;

	bg_plan(g, j, &bp);
	rng_seed(&r, g->seed, S_BGBUILD, j);
	pool_addr(cip, P_BGC, bp.v6, bp.client);
	pool_addr(sip, bp.kind == BG_DNS ? P_DNS : P_BGS, bp.v6, bp.server);
	sc_reset(sc);
	conn_init(&sc->conns[0], bp.v6, cip,
	    (uint16_t)(32768 + (bp.client + j) % 28232), sip, sport[bp.kind], &r);
	sc->nconns = 1;
	n = scaled(bp.w, g->scale);
	if (bp.kind == BG_DNS)
		bg_dns(sc, &bp, &r);
	else if (bp.kind == BG_HTTP)
		bg_http(sc, &bp, n, &r);
	else
		bg_tls(sc, &bp, n);
	script_cost(sc, &pk, &by);
	bg_cost(&bp, g->scale, &pk2, &by2);
	if (pk != pk2 || by != by2)
		die("internal: background flow %" PRIu64 " model mismatch", j);
}

/* Sizing. */
static void
ftp_fixed_cost(struct gen *g)
{
	struct script *sc = xcalloc(1, sizeof *sc);
	uint64_t i;

	g->scale = 0;
	g->fixed_pk = g->fixed_by = 0;
	for (i = 0; i < g->nsess; i++) {
		build_session(g, sc, i);
		script_cost(sc, &g->fixed_pk, &g->fixed_by);
	}
	free(sc);
}

static const struct bgcache *
bg_cached(struct gen *g, uint64_t j)
{
	struct bgcache *c;
	struct bplan bp;
	uint64_t pk = 0, by = 0;

	if (j < g->nbgc)
		return &g->bgc[j];
	if (g->nbgc == g->bgccap) {
		g->bgccap = g->bgccap ? g->bgccap * 2 : 65536;
		g->bgc = realloc(g->bgc, g->bgccap * sizeof *g->bgc);
		if (g->bgc == NULL)
			die("out of memory");
	}
	bg_plan(g, j, &bp);
	bg_fixed(&bp, &pk, &by);
	c = &g->bgc[g->nbgc++];
	c->w = bp.w;
	c->fby = (uint16_t)by;
	c->fpk = (uint8_t)pk;
	c->kind = bp.kind;
	c->v6 = bp.v6;
	return c;
}

static void
estimate(struct gen *g, uint64_t scale, unsigned share, struct est *e)
{
	uint64_t i, want, one_pk, one_by;
	const struct bgcache *c;

	memset(e, 0, sizeof *e);
	e->pf = g->fixed_pk;
	e->bf = g->fixed_by;
	for (i = 0; i < g->nx; i++) {
		const struct xplan *x = &g->xp[i];

		if (x->cmd == CMD_LIST)
			continue;
		one_pk = one_by = 0;
		bulk_cost(x->v6, 1, &one_pk, &one_by);
		bulk_cost(x->v6, scaled(x->w, scale), &e->pf, &e->bf);
		e->pf -= one_pk;
		e->bf -= one_by;
	}
	want = (e->pf * share + (1000 - share) - 1) / (1000 - share);
	while (e->pb < want) {
		c = bg_cached(g, e->nbg++);
		e->pb += c->fpk;
		e->bb += c->fby;
		if (c->kind != BG_DNS)
			bulk_cost(c->v6, bg_body(c->kind, c->w, scale), &e->pb,
			    &e->bb);
	}
	e->total = 24 + e->bf + e->bb;
}

/* Bisection: about the largest scale in [lo, hi) whose file stays within the
 * target; 1/8192 of the scale is closer than anyone needs. */
static uint64_t
solve_scale(struct gen *g, uint64_t lo, uint64_t hi)
{
	uint64_t mid;
	struct est e;

	while (hi - lo > 1 && hi - lo > lo / 8192) {
		mid = lo + (hi - lo) / 2;
		estimate(g, mid, g->share, &e);
		if (e.total <= g->target)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The scale at which RETR/STOR average min_mean bytes, from this plan's weights. */
static uint64_t
min_scale(const struct gen *g)
{
	uint64_t i, n = 0, sum = 0;

	for (i = 0; i < g->nx; i++) {
		if (g->xp[i].cmd != CMD_LIST) {
			sum += g->xp[i].w;
			n++;
		}
	}
	if (n == 0 || sum == 0 || g->min_mean <= 1)
		return 0;
	return (g->min_mean - 1) * n * 65536 / sum;
}

/*
 * Largest scale that fits.  When even transfers averaging min_mean bytes do
 * not fit with the requested background share, the share gives way first
 * and the transfer sizes second: one-byte transfers would leave the data
 * connections nothing to count.
 */
static void
solve(struct gen *g)
{
	uint64_t hi;
	unsigned slo, shi, smid, want = g->share;
	struct est e;

	g->scale_min = min_scale(g);
	if (estimate(g, g->scale_min, g->share, &e), e.total <= g->target)
		;
	else if (estimate(g, g->scale_min, 0, &e), e.total <= g->target) {
		for (slo = 0, shi = g->share; shi - slo > 1;) {
			smid = (slo + shi) / 2;
			estimate(g, g->scale_min, smid, &e);
			if (e.total <= g->target)
				slo = smid;
			else
				shi = smid;
		}
		g->share = slo;
	} else if (estimate(g, 0, 0, &e), e.total <= g->target) {
		g->share = 0;
		g->scale_min = 0;
	} else
		die("target too small: %" PRIu64 " sessions alone need %" PRIu64
		    " bytes", g->nsess, e.total);
	/* The share is settled; grow the transfers into what is left. */
	for (hi = g->scale_min * 2 + 1; hi < SCALE_MAX; hi *= 2) {
		estimate(g, hi, g->share, &e);
		if (e.total > g->target)
			break;
	}
	g->scale = solve_scale(g, g->scale_min, hi < SCALE_MAX ? hi : SCALE_MAX);
	if (g->share != want)
		fprintf(stderr, "gen: warning: %" PRIu64 " bytes cannot hold %"
		    PRIu64 " sessions with %u.%u%% background packets and "
		    "RETR/STOR averaging %" PRIu64 " bytes; background "
		    "lowered to %u.%u%%\n", g->target, g->nsess, want / 10,
		    want % 10, g->min_mean, g->share / 10, g->share % 10);
	estimate(g, g->scale, g->share, &g->est);
}

/* Truth: one NDJSON line per session in start order, then the totals.
 * Strings come from fixed word lists, so none needs JSON escaping. */
static void
truth_session(struct gen *g, uint64_t sid)
{
	const struct splan *sp = &g->sp[sid];
	uint8_t cip[16], sip[16];
	char cs[INET6_ADDRSTRLEN], ss[INET6_ADDRSTRLEN], user[64], path[128];
	unsigned k;

	pool_addr(cip, P_FTPC, sp->v6, sp->client);
	pool_addr(sip, P_FTPS, sp->v6, sp->server);
	user_name(sp, user, sizeof user);
	fprintf(g->truth, "{\"id\":%" PRIu64 ",\"client\":{\"ip\":\"%s\","
	    "\"port\":%u},\"server\":{\"ip\":\"%s\",\"port\":21},\"user\":"
	    "\"%s\",\"login\":\"%s\",\"transfers\":[", sid + 1,
	    addr_str(cip, sp->v6, cs), sp->cport, addr_str(sip, sp->v6, ss),
	    user, sp->ok ? "success" : "failed");
	for (k = 0; k < sp->nx; k++) {
		const struct xplan *x = &g->xp[sp->x0 + k];
		uint64_t n = xfer_bytes(x, g->scale);

		xfer_path(g, sid, k, x->cmd, path, sizeof path);
		fprintf(g->truth, "%s{\"mode\":\"%s\",\"negotiation\":\"%s\","
		    "\"command\":\"%s\",\"path\":", k ? "," : "",
		    x->neg == NEG_PASV || x->neg == NEG_EPSV ? "passive" : "active",
		    negname[x->neg], cmdname[x->cmd]);
		if (x->cmd == CMD_LIST)
			fputs("null", g->truth);
		else
			fprintf(g->truth, "\"%s\"", path);
		fprintf(g->truth, ",\"bytes\":%" PRIu64 ",\"status\":\"complete\","
		    "\"connection\":{\"client\":{\"ip\":\"%s\",\"port\":%u},"
		    "\"server\":{\"ip\":\"%s\",\"port\":%u}}}", n, cs, x->cport,
		    ss, x->sport);
		g->t_x++;
		g->t_bytes += n;
		g->t_cmd[x->cmd] += n;
		g->t_neg[x->neg]++;
	}
	fputs("]}\n", g->truth);
	if (sp->ok)
		g->t_ok++;
	else
		g->t_failed++;
}

static void
truth_totals(struct gen *g)
{
	fprintf(g->truth, "{\"totals\":{\"generator\":\"gen " GEN_VERSION "\","
	    "\"seed\":%" PRIu64 ",\"target_bytes\":%" PRIu64 ",\"sessions\":%"
	    PRIu64 ",\"login_success\":%" PRIu64 ",\"login_failed\":%" PRIu64
	    ",\"transfers\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"bytes_retr\":%"
	    PRIu64 ",\"bytes_stor\":%" PRIu64 ",\"bytes_list\":%" PRIu64
	    ",\"pasv\":%" PRIu64 ",\"epsv\":%" PRIu64 ",\"port\":%" PRIu64
	    ",\"eprt\":%" PRIu64 ",\"file_bytes\":%" PRIu64 ",\"packets\":%"
	    PRIu64 ",\"ftp_control_packets\":%" PRIu64 ",\"ftp_data_packets\":%"
	    PRIu64 ",\"background_packets\":%" PRIu64 ",\"background_flows\":%"
	    PRIu64 ",\"scale\":%" PRIu64 ",\"pasv_collisions\":%" PRIu64
	    "}}\n", g->seed, g->target, g->nsess,
	    g->t_ok, g->t_failed, g->t_x, g->t_bytes, g->t_cmd[CMD_RETR],
	    g->t_cmd[CMD_STOR], g->t_cmd[CMD_LIST], g->t_neg[NEG_PASV],
	    g->t_neg[NEG_EPSV], g->t_neg[NEG_PORT], g->t_neg[NEG_EPRT],
	    g->out.bytes, g->out.packets, g->pk_ctrl, g->pk_data, g->pk_bg,
	    g->est.nbg, g->scale, g->t_collided);
}

/* Emission: a set of running scripts, refilled as they finish. */
struct pool_run {
	struct script	*sc;
	unsigned	*act;		/* indices of running scripts */
	unsigned	 nact;
	uint64_t	 next, end;	/* next session or flow to start */
	bool		 bg;
};

static void
run_start(struct gen *g, struct pool_run *p, unsigned slot)
{
	if (p->bg) {
		build_bg(g, &p->sc[slot], p->next++);
		return;
	}
	build_session(g, &p->sc[slot], p->next);
	truth_session(g, p->next++);
}

static void
run_init(struct gen *g, struct pool_run *p, unsigned n, uint64_t end, bool bg)
{
	memset(p, 0, sizeof *p);
	p->sc = xcalloc(n, sizeof *p->sc);
	p->act = xcalloc(n, sizeof *p->act);
	p->end = end;
	p->bg = bg;
	while (p->nact < n && p->next < p->end) {
		p->act[p->nact] = p->nact;
		run_start(g, p, p->nact);
		p->nact++;
	}
}

static void
run_step(struct gen *g, struct pool_run *p)
{
	unsigned i, slot;
	struct script *sc;

	if (p->nact == 0)
		die("internal: packet budget left with nothing running");
	i = below(&g->sched, p->nact);
	slot = p->act[i];
	sc = &p->sc[slot];
	if (p->bg)
		g->pk_bg++;
	else if (sc->ops[sc->pc].conn == 0)
		g->pk_ctrl++;
	else
		g->pk_data++;
	if (!script_step(g, sc))
		return;
	if (p->next < p->end)
		run_start(g, p, slot);
	else
		p->act[i] = p->act[--p->nact];
}

static void
run_free(struct pool_run *p)
{
	free(p->sc);
	free(p->act);
}

static void
pcap_header(struct out *o)
{
	uint8_t *h = o->buf;

	le32(h, 0xa1b2c3d4);	/* microsecond timestamps */
	h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0;
	memset(h + 8, 0, 8);
	le32(h + 16, 262144);	/* snaplen */
	le32(h + 20, 1);	/* LINKTYPE_ETHERNET */
	o->len = o->bytes = 24;
}

static void
emit_all(struct gen *g)
{
	struct pool_run ftp, bg;
	uint64_t rf = g->est.pf, rb = g->est.pb;

	rng_seed(&g->sched, g->seed, S_SCHED, 0);
	g->now = START_US;
	pcap_header(&g->out);
	run_init(g, &ftp, g->conc, g->nsess, false);
	run_init(g, &bg, g->bgconc, g->est.nbg, true);
	while (rf + rb > 0) {
		g->now += 1 + (rnd(&g->sched) & 15);
		if (rnd(&g->sched) % (rf + rb) < rb) {
			run_step(g, &bg);
			rb--;
		} else {
			run_step(g, &ftp);
			rf--;
		}
	}
	if (ftp.nact || bg.nact || ftp.next < ftp.end || bg.next < bg.end)
		die("internal: scripts left over after the packet budget");
	run_free(&ftp);
	run_free(&bg);
	out_flush(&g->out);
}

static void
make_pattern(void)
{
	size_t len = 0;
	unsigned i = 0;
	char line[128];
	int n;

	/* Looks like a directory listing, which is what LIST carries. */
	while (len < sizeof pat) {
		n = snprintf(line, sizeof line, "-rw-r--r--    1 ftp      ftp"
		    "      %10u Jan 01  2024 %s-%05u.%s\r\n",
		    (i * 2654435761u) % 100000000u, words[i % 16], i,
		    exts[i % 6]);
		if ((size_t)n > sizeof pat - len)
			n = (int)(sizeof pat - len);
		memcpy(pat + len, line, (size_t)n);
		len += (size_t)n;
		i++;
	}
}

static uint64_t
parse_num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end == 'k' || *end == 'K')
		mul = 1000, end++;
	else if (*end == 'm' || *end == 'M')
		mul = 1000000, end++;
	else if (*end == 'g' || *end == 'G')
		mul = 1000000000, end++;
	if (errno || end == s || *end != '\0' || v > UINT64_MAX / mul)
		die("bad %s: %s", what, s);
	return v * mul;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: gen [-q] [-s seed] [-n sessions] [-b bytes] "
	    "[--concurrent k] [--background percent]\n"
	    "           [--min-transfer bytes] [--pasv-collide percent]\n"
	    "           -o file.pcap -t truth.ndjson\n"
	    "       gen --version\n");
	exit(2);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
parse_args(struct gen *g, int argc, char **argv, const char **pcap)
{
	static const struct option lo[] = {
		{ "concurrent", required_argument, NULL, 'k' },
		{ "background", required_argument, NULL, 'B' },
		{ "min-transfer", required_argument, NULL, 'M' },
		{ "pasv-collide", required_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t v;
	int ch;

	while ((ch = getopt_long(argc, argv, "qs:n:b:o:t:k:", lo, NULL)) != -1) {
		switch (ch) {
		case 'q':
			g->quiet = true;
			break;
		case 's':
			g->seed = parse_num(optarg, "seed");
			break;
		case 'n':
			g->nsess = parse_num(optarg, "session count");
			break;
		case 'b':
			g->target = parse_num(optarg, "byte count");
			break;
		case 'o':
			*pcap = optarg;
			break;
		case 't':
			g->truth_path = optarg;
			break;
		case 'k':
			v = parse_num(optarg, "concurrency");
			if (v < 1 || v > 65536)
				die("concurrency must be 1..65536");
			g->conc = (unsigned)v;
			break;
		case 'B':
			v = parse_num(optarg, "background percentage");
			if (v > 99)
				die("background percentage must be 0..99");
			g->share = (unsigned)v * 10;
			break;
		case 'M':
			g->min_mean = parse_num(optarg, "minimum transfer size");
			break;
		case 'C':
			v = parse_num(optarg, "collision percentage");
			if (v > 100)
				die("collision percentage must be 0..100");
			g->collide = (unsigned)v;
			break;
		case 'V':
			puts("gen " GEN_VERSION);
			exit(0);
		default:
			usage();
		}
	}
	if (optind != argc || *pcap == NULL || g->truth_path == NULL)
		usage();
	if (g->nsess < 1 || g->nsess > 50000000)
		die("session count must be 1..50000000");
}

/* Pool sizes grow with the session count so client ports never repeat. */
static void
size_pools(struct gen *g)
{
	uint64_t n = g->nsess;

	g->nc4 = (uint32_t)(n / 4 < 64 ? 64 : n / 4 > 16000000 ? 16000000 : n / 4);
	g->nc6 = (uint32_t)(n / 16 < 16 ? 16 : n / 16);
	g->ns4 = (uint32_t)(n / 400 < 8 ? 8 : n / 400 > 100000 ? 100000 : n / 400);
	g->ns6 = (uint32_t)(n / 1600 < 4 ? 4 : n / 1600 > 100000 ? 100000 : n / 1600);
	g->nbc4 = 65536;
	g->nbc6 = 16384;
	g->bgconc = g->conc / 2 ? g->conc / 2 : 1;
}

static void
open_outputs(struct gen *g, const char *pcap)
{
	static char tbuf[1 << 20];

	g->out.path = pcap;
	if ((g->out.fp = fopen(pcap, "wb")) == NULL)
		die("%s: %s", pcap, strerror(errno));
	setvbuf(g->out.fp, NULL, _IONBF, 0);	/* our buffer is big enough */
	g->out.buf = xcalloc(1, OUTCAP);
	if ((g->truth = fopen(g->truth_path, "w")) == NULL)
		die("%s: %s", g->truth_path, strerror(errno));
	setvbuf(g->truth, tbuf, _IOFBF, sizeof tbuf);
}

static void
close_outputs(struct gen *g)
{
	if (fclose(g->out.fp) != 0)
		die("%s: %s", g->out.path, strerror(errno));
	if (ferror(g->truth) || fclose(g->truth) != 0)
		die("%s: write error", g->truth_path);
	free(g->out.buf);
}

static void
report(const struct gen *g, double t0, double t1, double t2)
{
	double mb = g->out.bytes / 1e6;

	if (g->quiet)
		return;
	fprintf(stderr, "gen: %" PRIu64 " bytes (target %" PRIu64 "), %" PRIu64
	    " packets: FTP control %" PRIu64 ", FTP data %" PRIu64
	    ", background %" PRIu64 " (%.1f%%)\n", g->out.bytes, g->target,
	    g->out.packets, g->pk_ctrl, g->pk_data, g->pk_bg,
	    100.0 * g->pk_bg / g->out.packets);
	fprintf(stderr, "gen: %" PRIu64 " sessions (%" PRIu64 " failed logins), %"
	    PRIu64 " transfers carrying %" PRIu64 " bytes (%.1f%% of the file), "
	    "%" PRIu64 " background flows, scale %" PRIu64 "\n", g->nsess,
	    g->t_failed, g->t_x, g->t_bytes, 100.0 * g->t_bytes / g->out.bytes,
	    g->est.nbg, g->scale);
	if (g->collide > 0)
		fprintf(stderr, "gen: %" PRIu64 " sessions share a passive "
		    "port with the one before\n", g->t_collided);
	fprintf(stderr, "gen: plan %.2fs, write %.2fs (%.0f MB/s, %.2f Mpkt/s)\n",
	    t1 - t0, t2 - t1, mb / (t2 - t1), g->out.packets / 1e6 / (t2 - t1));
}

int
main(int argc, char **argv)
{
	struct gen g;
	const char *pcap = NULL;
	double t0, t1, t2;

	memset(&g, 0, sizeof g);
	g.seed = 1;
	g.nsess = 100000;
	g.target = 2000000000;
	g.conc = 64;
	g.share = 800;
	g.min_mean = MSS4;
	parse_args(&g, argc, argv, &pcap);
	t0 = now_s();
	size_pools(&g);
	make_pattern();
	plan_sessions(&g);
	ftp_fixed_cost(&g);
	solve(&g);
	t1 = now_s();
	open_outputs(&g, pcap);
	emit_all(&g);
	truth_totals(&g);
	close_outputs(&g);
	t2 = now_s();
	if (g.out.bytes != g.est.total || g.out.packets != g.est.pf + g.est.pb)
		die("internal: wrote %" PRIu64 " bytes in %" PRIu64 " packets, "
		    "model said %" PRIu64 " in %" PRIu64, g.out.bytes,
		    g.out.packets, g.est.total, g.est.pf + g.est.pb);
	report(&g, t0, t1, t2);
	free(g.sp);
	free(g.xp);
	free(g.bgc);
	return 0;
}
