/* SPDX-License-Identifier: ISC */
/* ftp_parse.c: FTP line assembly, command/reply and negotiation parsers. */
#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ftpaudit/ftp_parse.h"

/* Telnet bytes (RFC 854) that RFC 959 says may appear on the control link. */
#define TN_IAC		255
#define TN_DONT		254
#define TN_DO		253
#define TN_WONT		252
#define TN_WILL		251
#define TN_SB		250
#define TN_SE		240	/* SE..GA (240..249) are two bytes */

/* ftp_linebuf.iac_state values. */
enum {
	IAC_NONE,		/* ordinary data */
	IAC_SEEN,		/* IAC read, command byte next */
	IAC_OPT,		/* IAC WILL/WONT/DO/DONT read, option next */
	IAC_SB,			/* inside IAC SB ... */
	IAC_SB_IAC,		/* inside IAC SB ... and just read IAC */
};

/*
 * Decimal numbers are read with saturation: anything above NUM_BIG is out
 * of range for every field we parse (the largest is a port, 65535), so a
 * 64-digit run reads as NUM_BIG instead of overflowing.
 */
#define NUM_BIG		100000u

#define LP_MAX		24	/* LPRT/228 numbers read (21 used) */
#define ADDR_TXT_MAX	64	/* EPRT/229 address copy for inet_pton */

/* Flags for the table, short. */
#define XF	FTP_VF_TRANSFER
#define SE	FTP_VF_SECRET
#define NG	FTP_VF_NEGOTIATION
#define PA	FTP_VF_PATH
#define LO	FTP_VF_LOGIN

/*
 * The verbs, in the order of enum ftp_verb, which is their names' byte
 * order.  A name is padded with NULs to four bytes: ftp_verb_lookup reads
 * every name as four.
 */
static const struct ftp_verb_def {
	char		 name[5];
	unsigned	 flags;
} verbs[FTP_VERB_COUNT] = {
	[FTP_VERB_ABOR] = { "ABOR", 0 },
	[FTP_VERB_ACCT] = { "ACCT", SE | LO },
	[FTP_VERB_ADAT] = { "ADAT", 0 },
	[FTP_VERB_ALLO] = { "ALLO", 0 },
	[FTP_VERB_APPE] = { "APPE", XF | PA },
	[FTP_VERB_AUTH] = { "AUTH", 0 },
	[FTP_VERB_AVBL] = { "AVBL", PA },
	[FTP_VERB_CCC]  = { "CCC", 0 },
	[FTP_VERB_CDUP] = { "CDUP", 0 },
	[FTP_VERB_CLNT] = { "CLNT", 0 },
	[FTP_VERB_CONF] = { "CONF", 0 },
	[FTP_VERB_CSID] = { "CSID", 0 },
	[FTP_VERB_CWD]  = { "CWD", PA },
	[FTP_VERB_DELE] = { "DELE", PA },
	[FTP_VERB_DSIZ] = { "DSIZ", PA },
	[FTP_VERB_ENC]  = { "ENC", 0 },
	[FTP_VERB_EPRT] = { "EPRT", NG },
	[FTP_VERB_EPSV] = { "EPSV", NG },
	[FTP_VERB_FEAT] = { "FEAT", 0 },
	[FTP_VERB_HELP] = { "HELP", 0 },
	[FTP_VERB_HOST] = { "HOST", 0 },
	[FTP_VERB_LANG] = { "LANG", 0 },
	[FTP_VERB_LIST] = { "LIST", XF | PA },
	[FTP_VERB_LPRT] = { "LPRT", NG },
	[FTP_VERB_LPSV] = { "LPSV", NG },
	[FTP_VERB_MDTM] = { "MDTM", PA },
	[FTP_VERB_MFCT] = { "MFCT", 0 },
	[FTP_VERB_MFF]  = { "MFF", 0 },
	[FTP_VERB_MFMT] = { "MFMT", 0 },
	[FTP_VERB_MIC]  = { "MIC", 0 },
	[FTP_VERB_MKD]  = { "MKD", PA },
	[FTP_VERB_MLSD] = { "MLSD", XF | PA },
	[FTP_VERB_MLST] = { "MLST", PA },
	[FTP_VERB_MODE] = { "MODE", 0 },
	[FTP_VERB_NLST] = { "NLST", XF | PA },
	[FTP_VERB_NOOP] = { "NOOP", 0 },
	[FTP_VERB_OPTS] = { "OPTS", 0 },
	[FTP_VERB_PASS] = { "PASS", SE | LO },
	[FTP_VERB_PASV] = { "PASV", NG },
	[FTP_VERB_PBSZ] = { "PBSZ", 0 },
	[FTP_VERB_PORT] = { "PORT", NG },
	[FTP_VERB_PROT] = { "PROT", 0 },
	[FTP_VERB_PWD]  = { "PWD", 0 },
	[FTP_VERB_QUIT] = { "QUIT", 0 },
	[FTP_VERB_REIN] = { "REIN", 0 },
	[FTP_VERB_REST] = { "REST", 0 },
	[FTP_VERB_RETR] = { "RETR", XF | PA },
	[FTP_VERB_RMD]  = { "RMD", PA },
	[FTP_VERB_RMDA] = { "RMDA", PA },
	[FTP_VERB_RNFR] = { "RNFR", PA },
	[FTP_VERB_RNTO] = { "RNTO", PA },
	[FTP_VERB_SITE] = { "SITE", 0 },
	[FTP_VERB_SIZE] = { "SIZE", PA },
	[FTP_VERB_SMNT] = { "SMNT", PA },
	[FTP_VERB_SPSV] = { "SPSV", 0 },
	[FTP_VERB_STAT] = { "STAT", 0 },
	[FTP_VERB_STOR] = { "STOR", XF | PA },
	[FTP_VERB_STOU] = { "STOU", XF | PA },
	[FTP_VERB_STRU] = { "STRU", 0 },
	[FTP_VERB_SYST] = { "SYST", 0 },
	[FTP_VERB_THMB] = { "THMB", PA },
	[FTP_VERB_TYPE] = { "TYPE", 0 },
	[FTP_VERB_USER] = { "USER", LO },
	[FTP_VERB_XCUP] = { "XCUP", 0 },
	[FTP_VERB_XCWD] = { "XCWD", PA },
	[FTP_VERB_XMKD] = { "XMKD", PA },
	[FTP_VERB_XPWD] = { "XPWD", 0 },
	[FTP_VERB_XRMD] = { "XRMD", PA },
};

#undef XF
#undef SE
#undef NG
#undef PA
#undef LO

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Blanks allowed around numbers; \r and \n so joined multi-line text works. */
static bool
is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t
skip_blank(const uint8_t *p, size_t len, size_t i)
{
	while (i < len && is_blank(p[i]))
		i++;
	return i;
}

/* RFC 2428: the delimiter is any character in ASCII 33..126. */
static bool
is_delim(uint8_t c)
{
	return c >= 33 && c <= 126;
}

/* Lose one trailing CR: it only reaches us from "CR CR LF" or from callers
 * that split on LF, and is never part of a verb, code or argument. */
static size_t
chop_cr(const uint8_t *p, size_t len)
{
	if (len > 0 && p[len - 1] == '\r')
		len--;
	return len;
}

/* ---------------------------------------------------------------------- */
/* Line assembly. */

static void
lb_clear(struct ftp_linebuf *lb)
{
	lb->len = 0;
	lb->full_len = 0;
	lb->cr = false;
	lb->chunks = 0;
}

/* Most lines are short: a buffer of cap bytes for each direction of each
 * session made malloc consolidate its free lists every time, so the first
 * is FTP_LINE_FIRST bytes. */
int
ftp_linebuf_init(struct ftp_linebuf *lb, size_t cap)
{
	uint8_t *buf;

	/* init_in uses no more of it than cap. */
	if ((buf = malloc(FTP_LINE_FIRST)) == NULL)
		return -1;
	ftp_linebuf_init_in(lb, cap, buf, FTP_LINE_FIRST);
	lb->buf.owned = true;	/* here the first buffer is its own too */
	return 0;
}

void
ftp_linebuf_init_in(struct ftp_linebuf *lb, size_t cap, uint8_t *buf,
    size_t size)
{
	memset(lb, 0, sizeof *lb);
	if (cap == 0)
		cap = FTP_LINE_MAX;
	fa_buf_borrow(&lb->buf, buf, size < cap ? size : cap);
	lb->cap = cap;
}

/* Room for n more bytes, as far as cap allows; what does not fit is only
 * counted, also when memory runs out. */
static size_t
lb_room(struct ftp_linebuf *lb, size_t n)
{
	size_t want, size;

	if (lb->buf.p == NULL)
		return 0;
	if (n > lb->buf.size - lb->len && lb->buf.size < lb->cap) {
		want = n > lb->cap - lb->len ? lb->cap : lb->len + n;
		for (size = lb->buf.size; size < want; size *= 2)
			;
		if (size > lb->cap)
			size = lb->cap;
		(void)fa_buf_resize(&lb->buf, size, lb->len);
	}
	return lb->buf.size - lb->len;
}

void
ftp_linebuf_free(struct ftp_linebuf *lb)
{
	fa_buf_free(&lb->buf);
	memset(lb, 0, sizeof *lb);
}

void
ftp_linebuf_reset(struct ftp_linebuf *lb)
{
	lb_clear(lb);
	lb->iac_state = IAC_NONE;
}

/* Keep what fits of a run of data bytes; always count them all. */
static void
lb_put_run(struct ftp_linebuf *lb, const uint8_t *p, size_t n)
{
	size_t room = lb_room(lb, n);

	if (n < room)
		room = n;
	if (room > 0) {
		memcpy((uint8_t *)lb->buf.p + lb->len, p, room);
		lb->len += room;
	}
	lb->full_len = lb->full_len > UINT64_MAX - n ? UINT64_MAX :
	    lb->full_len + n;
}

/* One data byte, kept if there is room, always counted. */
static void
lb_put(struct ftp_linebuf *lb, uint8_t b)
{
	lb_put_run(lb, &b, 1);
}

/* Nonzero when one of the eight bytes of x is zero (exact, no false
 * alarm: the borrow can only run on from a byte that is zero). */
#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL
static inline uint64_t
zero_byte(uint64_t x)
{
	return (x - ONES) & ~x & HIGHS;
}

#if defined(__SSE2__)
/* A bit for each of the sixteen bytes at p that is a CR, LF or IAC. */
static inline unsigned
stop16(const uint8_t *p)
{
	const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8((char)TN_IAC))));
}
#endif

/*
 * Bytes before the next CR, LF or IAC: data that the Telnet and line
 * states pass through unchanged.  Sixteen at a time where SSE2 is (every
 * x86-64), else eight: a byte at a time this scan was a fifth of the
 * engine's work on a control line, and eight at a time still 3% of all
 * instructions on the bench's main capture.
 */
static size_t
plain_run(const uint8_t *p, size_t n)
{
	uint64_t x, hit;
	size_t i = 0;
#if defined(__SSE2__)
	unsigned m;

	if (n >= 16) {
		for (; i + 16 <= n; i += 16)
			if ((m = stop16(p + i)) != 0)
				return i + (size_t)__builtin_ctz(m);
		if (i == n)
			return n;
		/* The last sixteen bytes, overlapping those seen, rather
		 * than the rest eight and one at a time. */
		m = stop16(p + n - 16) >> (16 - (n - i));
		return m != 0 ? i + (size_t)__builtin_ctz(m) : n;
	}
#endif
	for (; i + 8 <= n; i += 8) {
		memcpy(&x, p + i, 8);
		hit = zero_byte(x ^ ONES * '\r') | zero_byte(x ^ ONES * '\n') |
		    zero_byte(x ^ ONES * TN_IAC);
		if (hit == 0)
			continue;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* The lowest flag is exact: the first byte that matched. */
		return i + (size_t)__builtin_ctzll(hit) / 8;
#else
		break;
#endif
	}
	for (; i < n; i++)
		if (p[i] == '\r' || p[i] == '\n' || p[i] == TN_IAC)
			break;
	return i;
}

/* Hand l over, stamped.  State is cleared first so the callback may call
 * reset or flush; the bytes stay in buf until the next put. */
static void
lb_hand(struct ftp_linebuf *lb, struct ftp_line *l, uint64_t ts_us,
    uint32_t ack, uint32_t end_seq, ftp_line_cb cb, void *arg)
{
	l->ts_us = ts_us;
	l->ack = ack;
	l->end_seq = end_seq;
	lb_clear(lb);
	if (cb != NULL)
		cb(arg, l);
}

/* The line in buf. */
static void
lb_emit(struct ftp_linebuf *lb, bool bare_lf, bool unterminated,
    uint64_t ts_us, uint32_t ack, uint32_t end_seq, ftp_line_cb cb, void *arg)
{
	struct ftp_line	 l;

	memset(&l, 0, sizeof l);
	l.data = lb->buf.p;
	l.len = lb->len;
	l.full_len = lb->full_len;
	l.truncated = lb->full_len > lb->len;
	l.bare_lf = bare_lf;
	l.split = lb->chunks > 1;
	l.unterminated = unterminated;
	lb_hand(lb, &l, ts_us, ack, end_seq, cb, arg);
}

/* A line of the chunk itself (lb holds nothing of it), as lb_emit would
 * hand it over had it been copied: from one chunk, ended by CR LF. */
static void
lb_emit_view(struct ftp_linebuf *lb, const uint8_t *p, size_t n,
    uint64_t ts_us, uint32_t ack, uint32_t end_seq, ftp_line_cb cb, void *arg)
{
	struct ftp_line	 l;

	memset(&l, 0, sizeof l);
	l.data = p;
	l.len = n;
	l.full_len = n;
	lb_hand(lb, &l, ts_us, ack, end_seq, cb, arg);
}

/*
 * Telnet filter for one raw byte.  Returns true when the byte is data for
 * the line.  IAC IAC is a literal 0xFF; WILL/WONT/DO/DONT take an option
 * byte; other commands (240..249) are two bytes; IAC followed by a byte
 * that is no command drops only the IAC, so "IAC CR LF" still ends a line.
 * A subnegotiation runs to IAC SE, but a CR or LF ends it too: FTP never
 * carries SB, the servers that read the stream do not track it, and an
 * unterminated IAC SB must not hide every later command from us.
 */
static bool
lb_telnet(struct ftp_linebuf *lb, uint8_t b)
{
	switch (lb->iac_state) {
	case IAC_NONE:
		if (b == TN_IAC) {
			lb->iac_state = IAC_SEEN;
			return false;
		}
		return true;
	case IAC_SEEN:
		lb->iac_state = IAC_NONE;
		if (b == TN_IAC)
			return true;
		if (b >= TN_WILL) {
			lb->iac_state = IAC_OPT;
			return false;
		}
		if (b == TN_SB) {
			lb->iac_state = IAC_SB;
			return false;
		}
		return b < TN_SE;
	case IAC_OPT:
		lb->iac_state = IAC_NONE;
		return false;
	case IAC_SB:
	case IAC_SB_IAC:
		if (b == '\r' || b == '\n') {
			lb->iac_state = IAC_NONE;
			return true;
		}
		if (lb->iac_state == IAC_SB_IAC && b == TN_SE)
			lb->iac_state = IAC_NONE;
		else if (lb->iac_state == IAC_SB && b == TN_IAC)
			lb->iac_state = IAC_SB_IAC;
		else
			lb->iac_state = IAC_SB;
		return false;
	}
	/* Corrupt state (caller wrote it): start over with this byte. */
	lb->iac_state = IAC_NONE;
	return lb_telnet(lb, b);
}

/* One data byte.  CR is held back until we know whether LF follows: a
 * lone CR is data, CR LF and bare LF end the line.  True at line end. */
static bool
lb_data(struct ftp_linebuf *lb, uint8_t b)
{
	if (b == '\n')
		return true;
	if (lb->cr) {
		lb_put(lb, '\r');
		lb->cr = false;
	}
	if (b == '\r')
		lb->cr = true;
	else
		lb_put(lb, b);
	return false;
}

void
ftp_linebuf_feed(struct ftp_linebuf *lb, const uint8_t *data, size_t len,
    uint64_t ts_us, uint32_t ack, uint32_t seq, ftp_line_cb cb, void *arg)
{
	size_t	 i, run;
	bool	 counted = false;	/* this chunk is in lb->chunks */
	bool	 bare;

	if (data == NULL)
		return;
	for (i = 0; i < len; i++) {
		/* A whole line in the chunk, nothing of it held: handed over
		 * as a view of the chunk, not copied.  Most lines come so. */
		if (!counted && lb->chunks == 0 && lb->full_len == 0 &&
		    lb->iac_state == IAC_NONE && !lb->cr && lb->buf.p != NULL &&
		    (run = plain_run(data + i, len - i)) + 1 < len - i &&
		    data[i + run] == '\r' && data[i + run + 1] == '\n' &&
		    run <= lb->cap) {
			lb_emit_view(lb, data + i, run, ts_us, ack,
			    seq + (uint32_t)(i + run + 2), cb, arg);
			i += run + 1;		/* the LF */
			continue;
		}
		/* Any raw byte, IAC or data, ties this chunk to the line. */
		if (!counted) {
			if (lb->chunks < UINT_MAX)
				lb->chunks++;
			counted = true;
		}
		/* Most bytes are plain: copy them a run at a time, and take
		 * the byte that ends the run one by one. */
		if (lb->iac_state == IAC_NONE && !lb->cr &&
		    (run = plain_run(data + i, len - i)) > 0) {
			lb_put_run(lb, data + i, run);
			if ((i += run) == len)
				break;
		}
		if (!lb_telnet(lb, data[i]) || !lb_data(lb, data[i]))
			continue;
		bare = !lb->cr;
		lb_emit(lb, bare, false, ts_us, ack, seq + (uint32_t)(i + 1),
		    cb, arg);
		counted = false;
	}
}

void
ftp_linebuf_flush(struct ftp_linebuf *lb, uint64_t ts_us, uint32_t ack,
    uint32_t seq, ftp_line_cb cb, void *arg)
{
	/* A held CR never met its LF: it is data. */
	if (lb->cr) {
		lb_put(lb, '\r');
		lb->cr = false;
	}
	/* Telnet state does not survive a gap or the end of the stream. */
	lb->iac_state = IAC_NONE;
	if (lb->full_len == 0) {
		lb_clear(lb);
		return;
	}
	lb_emit(lb, false, true, ts_us, ack, seq, cb, arg);
}

/* ---------------------------------------------------------------------- */
/* Commands. */

/* Four bytes as one big-endian number: names compare as numbers. */
static uint32_t
key4(const uint8_t b[4])
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

/*
 * A verb's slot is its name as a number times VERB_MUL, the top eight
 * bits.  The multiplier was found by trying odd numbers until every
 * verb's slot differed from the others': a lookup is one multiply and one
 * compare, where halving the table took seven dependent steps for each
 * of the main capture's million commands.  The unit test looks up every
 * verb, so a verb added later that shares a slot fails it.
 */
#define VERB_MUL	0x56b2a3e5u

static uint8_t verb_slot[256];	/* an enum ftp_verb for each slot */

static uint32_t
slot_of(uint32_t key)
{
	return (uint32_t)(key * VERB_MUL) >> 24;
}

/* Filled once, before main, from verbs[]: a table of numbers would say
 * nothing to a reader, and would need making again for each new verb. */
__attribute__((constructor)) static void
verb_slots(void)
{
	unsigned v;

	for (v = FTP_VERB_NONE + 1; v < FTP_VERB_COUNT; v++)
		verb_slot[slot_of(key4((const uint8_t *)verbs[v].name))] =
		    (uint8_t)v;
}

/*
 * Every verb has three or four letters: anything else is none at once.
 * A byte that is no letter (a NUL too) is in no verb.
 */
enum ftp_verb
ftp_verb_lookup(const uint8_t *p, size_t len)
{
	uint8_t	 up[4] = { 0 };
	uint32_t k;
	size_t	 i;
	unsigned v;

	if (p == NULL || len < 3 || len > 4)
		return FTP_VERB_NONE;
	for (i = 0; i < len; i++) {
		up[i] = p[i] >= 'a' && p[i] <= 'z' ? p[i] - ('a' - 'A') : p[i];
		if (up[i] < 'A' || up[i] > 'Z')
			return FTP_VERB_NONE;
	}
	k = key4(up);
	v = verb_slot[slot_of(k)];
	return v != FTP_VERB_NONE &&
	    key4((const uint8_t *)verbs[v].name) == k ?
	    (enum ftp_verb)v : FTP_VERB_NONE;
}

const char *
ftp_verb_name(enum ftp_verb v)
{
	return v > FTP_VERB_NONE && v < FTP_VERB_COUNT ? verbs[v].name : NULL;
}

unsigned
ftp_verb_flags(enum ftp_verb v)
{
	return v > FTP_VERB_NONE && v < FTP_VERB_COUNT ? verbs[v].flags : 0;
}

/*
 * verb: bytes up to the first space, ASCII upper-cased, cut at FTP_VERB_MAX.
 * arg: everything after that one space, other spaces kept (a password may
 * end in one); NULL when there is no space or nothing after it.
 */
int
ftp_parse_command(const uint8_t *line, size_t len, struct ftp_cmd *out)
{
	size_t	 i, vlen;
	uint8_t	 c;

	memset(out, 0, sizeof *out);
	if (line == NULL)
		return -1;
	len = chop_cr(line, len);
	if (len == 0 || line[0] == ' ')
		return -1;

	for (i = 0; i < len && line[i] != ' '; i++) {
		if (i >= FTP_VERB_MAX) {
			out->verb_cut = true;
			continue;
		}
		c = line[i];
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		out->verb[i] = (char)c;
	}
	vlen = i < FTP_VERB_MAX ? i : FTP_VERB_MAX;
	out->verb[vlen] = '\0';
	out->verb_raw = line;
	out->verb_len = i;

	/* The whole verb as sent: "USER\0x" is no USER, whatever its copy
	 * in out->verb looks like up to the NUL. */
	out->id = ftp_verb_lookup(line, i);

	if (i + 1 < len) {
		out->arg = line + i + 1;
		out->arg_len = len - i - 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Replies. */

/*
 * A code is exactly three digits, the first 1..5, followed by space ("xyz
 * text"), '-' ("xyz-text"), nothing ("xyz") or other non-digit text
 * ("230text": LAST with no_space).  Four digits are no code.
 */
void
ftp_parse_reply_line(const uint8_t *line, size_t len,
    struct ftp_reply_line *out)
{
	memset(out, 0, sizeof *out);
	out->sep = FTP_REPLY_NOCODE;
	if (line == NULL)
		return;
	len = chop_cr(line, len);
	out->text = line;
	out->text_len = len;

	if (len < 3 || line[0] < '1' || line[0] > '5' ||
	    !is_digit(line[1]) || !is_digit(line[2]))
		return;
	if (len > 3 && is_digit(line[3]))
		return;

	out->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
	    (line[2] - '0');
	out->sep = FTP_REPLY_LAST;
	if (len == 3) {
		out->text = line + 3;
		out->text_len = 0;
	} else if (line[3] == ' ' || line[3] == '-') {
		if (line[3] == '-')
			out->sep = FTP_REPLY_MORE;
		out->text = line + 4;
		out->text_len = len - 4;
	} else {
		out->no_space = true;
		out->text = line + 3;
		out->text_len = len - 3;
	}
}

/*
 * Multi-line replies, as Zeek's FTP analyzer does them.
 *
 * Inside an open "xyz-" reply only a line with the SAME code followed by a
 * space, or the bare code alone, ends it.  A line that starts with a
 * DIFFERENT code and a space ("220-Hi\r\n230 x") is a continuation line:
 * Zeek clears pending_reply only when reply_code == pending_reply and
 * line[3] == ' ', and Python's ftplib does the same.  RFC 959 (4.2) says
 * the last line carries the code of the first, and real banners and
 * HELP/STAT text hold unpadded numbers ("220-Welcome\r\n100 users max\r\n
 * 220 Ready"): ending on any code would turn that into a reply 100 and a
 * stray 220.  The price is that a server which wrongly closes with another
 * code keeps the reply open until its code comes back; so for a
 * continuation line, out still holds the line parsed on its own (code, sep,
 * no_space), letting the caller notice "abc " inside an open "xyz-" reply.
 * Unlike Zeek, the bare code ("221") closes too: nothing else can follow.
 *
 * For CONT, out->text is the whole line; for END and SINGLE it is the text
 * after the code and separator.
 */
enum ftp_reply_event
ftp_reply_asm_line(struct ftp_reply_asm *ra, const uint8_t *line, size_t len,
    struct ftp_reply_line *out)
{
	ftp_parse_reply_line(line, len, out);

	if (ra->code != 0) {
		if (out->sep == FTP_REPLY_LAST && !out->no_space &&
		    out->code == ra->code) {
			ra->code = 0;
			return FTP_REPLY_EV_END;
		}
		out->text = line;
		out->text_len = line != NULL ? chop_cr(line, len) : 0;
		return FTP_REPLY_EV_CONT;
	}

	switch (out->sep) {
	case FTP_REPLY_LAST:
		return FTP_REPLY_EV_SINGLE;
	case FTP_REPLY_MORE:
		ra->code = out->code;
		return FTP_REPLY_EV_BEGIN;
	case FTP_REPLY_NOCODE:
		break;
	}
	return FTP_REPLY_EV_JUNK;
}

/* ---------------------------------------------------------------------- */
/* Announced sizes. */

/* The decimal number of the len bytes at p, all digits; false when empty,
 * not all digits or past 64 bits. */
static bool
size_digits(const uint8_t *p, size_t len, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		if (!is_digit(p[i]) || x > UINT64_MAX / 10 ||
		    (x == UINT64_MAX / 10 &&
		    (uint64_t)(p[i] - '0') > UINT64_MAX % 10))
			return false;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	*v = x;
	return true;
}

bool
ftp_parse_size_150(const uint8_t *text, size_t len, uint64_t *size)
{
	size_t i, d;

	if (text == NULL)
		return false;
	/* The last match wins: a file name may hold "(1 bytes)" too. */
	for (i = len; i-- > 0;) {
		if (text[i] != ' ' || len - i < 6 ||
		    strncasecmp((const char *)text + i + 1, "bytes", 5) != 0)
			continue;
		for (d = i; d > 0 && is_digit(text[d - 1]); d--)
			;
		if (d == i || (d > 0 && text[d - 1] != '(' &&
		    text[d - 1] != ' '))
			continue;
		if (size_digits(text + d, i - d, size))
			return true;
	}
	return false;
}

bool
ftp_parse_size_213(const uint8_t *text, size_t len, uint64_t *size)
{
	if (text == NULL)
		return false;
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	return size_digits(text, len, size);
}

/* ---------------------------------------------------------------------- */
/* Negotiations. */

/* Read a decimal number at p[*i]; false when no digit is there. */
static bool
num_read(const uint8_t *p, size_t len, size_t *i, uint32_t *v)
{
	size_t		 j = *i;
	uint32_t	 n = 0;

	if (j >= len || !is_digit(p[j]))
		return false;
	for (; j < len && is_digit(p[j]); j++) {
		n = n * 10 + (uint32_t)(p[j] - '0');
		if (n > NUM_BIG)
			n = NUM_BIG;
	}
	*i = j;
	*v = n;
	return true;
}

/*
 * Read up to max comma-separated numbers at p[*pos], blanks allowed around
 * each.  Returns how many were read and leaves *pos just past the last one,
 * so a dangling comma is left for the caller to see.
 */
static size_t
list_read(const uint8_t *p, size_t len, size_t *pos, uint32_t *vals,
    size_t max)
{
	size_t	 i = *pos, n = 0;

	while (n < max) {
		i = skip_blank(p, len, i);
		if (!num_read(p, len, &i, &vals[n]))
			break;
		*pos = i;
		if (++n == max)
			break;
		i = skip_blank(p, len, i);
		if (i >= len || p[i] != ',')
			break;
		i++;
	}
	return n;
}

/* Index just past the rest of a comma list whose head was read up to i. */
static size_t
list_skip(const uint8_t *p, size_t len, size_t i)
{
	uint32_t	 v;
	size_t		 j;

	for (;;) {
		j = skip_blank(p, len, i);
		if (j >= len || p[j] != ',')
			return i;
		j = skip_blank(p, len, j + 1);
		if (!num_read(p, len, &j, &v))
			return i;
		i = j;
	}
}

/* Port from two octets; 0 is no port a data connection can use. */
static enum ftp_neg_status
port_octets(uint32_t hi, uint32_t lo, uint16_t *port)
{
	if (hi > 255 || lo > 255 || (hi == 0 && lo == 0))
		return FTP_NEG_RANGE;
	*port = (uint16_t)(hi << 8 | lo);
	return FTP_NEG_OK;
}

/* h1,h2,h3,h4,p1,p2 already read: check and convert. */
static enum ftp_neg_status
hp_six(const uint32_t v[6], struct ftp_hostport *hp)
{
	uint8_t	 b[4];
	int	 k;

	for (k = 0; k < 4; k++) {
		if (v[k] > 255)
			return FTP_NEG_RANGE;
		b[k] = (uint8_t)v[k];
	}
	fa_addr_v4(&hp->addr, b);
	return port_octets(v[4], v[5], &hp->port);
}

/*
 * RFC 1639 tuple: af, hal, hal address octets, pal, pal port octets.  The
 * shape (counts agree) is checked first, then the family (4 with 4 octets,
 * 6 with 16), then the values.
 */
static enum ftp_neg_status
lp_decode(const uint32_t *v, size_t n, struct ftp_hostport *hp)
{
	uint32_t	 hal;
	size_t		 k;

	if (n < 3 || v[1] > n)
		return FTP_NEG_SYNTAX;
	hal = v[1];
	if (2 + hal >= n || v[2 + hal] != 2 || n != 5 + (size_t)hal)
		return FTP_NEG_SYNTAX;
	if (v[0] != 4 && v[0] != 6)
		return FTP_NEG_FAMILY;
	if ((v[0] == 4 && hal != 4) || (v[0] == 6 && hal != 16))
		return FTP_NEG_SYNTAX;
	for (k = 0; k < hal; k++) {
		if (v[2 + k] > 255)
			return FTP_NEG_RANGE;
		hp->addr.a[k] = (uint8_t)v[2 + k];
	}
	hp->addr.family = v[0] == 4 ? FA_AF_INET : FA_AF_INET6;
	return port_octets(v[3 + hal], v[4 + hal], &hp->port);
}

/* Copy the result out only on success; otherwise leave out zeroed. */
static enum ftp_neg_status
neg_done(enum ftp_neg_status st, const struct ftp_hostport *hp,
    struct ftp_hostport *out)
{
	if (st == FTP_NEG_OK)
		*out = *hp;
	else
		memset(out, 0, sizeof *out);
	return st;
}

/* True when p[from..len) holds only blanks. */
static bool
only_blanks(const uint8_t *p, size_t len, size_t from)
{
	return skip_blank(p, len, from) == len;
}

enum ftp_neg_status
ftp_parse_port(const uint8_t *arg, size_t len, struct ftp_hostport *out)
{
	struct ftp_hostport	 hp;
	uint32_t		 v[6];
	size_t			 i = 0;

	memset(&hp, 0, sizeof hp);
	if (arg == NULL)
		return neg_done(FTP_NEG_SYNTAX, &hp, out);
	if (list_read(arg, len, &i, v, 6) != 6 || !only_blanks(arg, len, i))
		return neg_done(FTP_NEG_SYNTAX, &hp, out);
	return neg_done(hp_six(v, &hp), &hp, out);
}

enum ftp_neg_status
ftp_parse_lprt(const uint8_t *arg, size_t len, struct ftp_hostport *out)
{
	struct ftp_hostport	 hp;
	uint32_t		 v[LP_MAX];
	size_t			 i = 0, n;

	memset(&hp, 0, sizeof hp);
	if (arg == NULL)
		return neg_done(FTP_NEG_SYNTAX, &hp, out);
	n = list_read(arg, len, &i, v, LP_MAX);
	if (!only_blanks(arg, len, i))
		return neg_done(FTP_NEG_SYNTAX, &hp, out);
	return neg_done(lp_decode(v, n, &hp), &hp, out);
}

/*
 * RFC 2428 "<d>af<d>addr<d>port<d>" at p[0], d any of ASCII 33..126.  On
 * success or a value error *end is just past the fourth delimiter.  The
 * address goes through inet_pton on a bounded NUL-terminated copy, with
 * the family the af field names.
 */
static enum ftp_neg_status
ext_parse(const uint8_t *p, size_t len, size_t *end, struct ftp_hostport *hp)
{
	const uint8_t	*f[3], *q;
	size_t		 flen[3], pos = 1, k, i;
	uint32_t	 af, port;
	char		 txt[ADDR_TXT_MAX];
	int		 fam;

	if (len < 1 || !is_delim(p[0]))
		return FTP_NEG_SYNTAX;
	for (k = 0; k < 3; k++) {
		if (pos >= len ||
		    (q = memchr(p + pos, p[0], len - pos)) == NULL)
			return FTP_NEG_SYNTAX;
		f[k] = p + pos;
		flen[k] = (size_t)(q - f[k]);
		if (flen[k] == 0)
			return FTP_NEG_SYNTAX;
		pos += flen[k] + 1;
	}
	*end = pos;

	i = 0;
	if (!num_read(f[0], flen[0], &i, &af) || i != flen[0])
		return FTP_NEG_SYNTAX;
	i = 0;
	if (!num_read(f[2], flen[2], &i, &port) || i != flen[2])
		return FTP_NEG_SYNTAX;
	if (af != 1 && af != 2)
		return FTP_NEG_FAMILY;

	if (flen[1] >= sizeof txt || memchr(f[1], '\0', flen[1]) != NULL)
		return FTP_NEG_SYNTAX;
	memcpy(txt, f[1], flen[1]);
	txt[flen[1]] = '\0';
	fam = af == 1 ? AF_INET : AF_INET6;
	if (inet_pton(fam, txt, hp->addr.a) != 1) {
		memset(&hp->addr, 0, sizeof hp->addr);
		return FTP_NEG_SYNTAX;
	}
	hp->addr.family = af == 1 ? FA_AF_INET : FA_AF_INET6;

	if (port == 0 || port > 65535)
		return FTP_NEG_RANGE;
	hp->port = (uint16_t)port;
	return FTP_NEG_OK;
}

enum ftp_neg_status
ftp_parse_eprt(const uint8_t *arg, size_t len, struct ftp_hostport *out)
{
	struct ftp_hostport	 hp;
	enum ftp_neg_status	 st;
	size_t			 i, end = 0;

	memset(&hp, 0, sizeof hp);
	if (arg == NULL)
		return neg_done(FTP_NEG_SYNTAX, &hp, out);
	/* Space is no delimiter: a doubled space before the arg is harmless. */
	i = skip_blank(arg, len, 0);
	st = ext_parse(arg + i, len - i, &end, &hp);
	if (st == FTP_NEG_OK && !only_blanks(arg, len, i + end))
		st = FTP_NEG_SYNTAX;
	return neg_done(st, &hp, out);
}

/*
 * 227 text.  Servers send "(h1,h2,h3,h4,p1,p2)", the same without
 * parentheses, after other words, or after other numbers.  As Wireshark's
 * parse_port_pasv does: go to each run of digits in turn and try to read
 * six comma-separated numbers there; the first place that gives six wins,
 * whatever follows them, and otherwise skip that run of digits and try the
 * next.  Unlike Wireshark, no sign is accepted and values over 255 are
 * reported as FTP_NEG_RANGE rather than wrapped.  Blanks, \n included, may
 * surround the numbers, so joined multi-line text works.
 */
enum ftp_neg_status
ftp_parse_227(const uint8_t *text, size_t len, struct ftp_hostport *out)
{
	struct ftp_hostport	 hp;
	uint32_t		 v[6];
	size_t			 i = 0, j;

	memset(&hp, 0, sizeof hp);
	if (text == NULL)
		return neg_done(FTP_NEG_SYNTAX, &hp, out);
	while (i < len) {
		if (!is_digit(text[i])) {
			i++;
			continue;
		}
		j = i;
		if (list_read(text, len, &j, v, 6) == 6)
			return neg_done(hp_six(v, &hp), &hp, out);
		while (i < len && is_digit(text[i]))
			i++;
	}
	return neg_done(FTP_NEG_SYNTAX, &hp, out);
}

/*
 * 228 text: "(4,4,h1,h2,h3,h4,2,p1,p2)" or "(6,16,...,2,p1,p2)".  Like 227,
 * scan for the first comma list that has the right shape; a list that does
 * not fit is skipped whole, so we never start again in its middle and read
 * a wrong tuple out of its tail.
 */
enum ftp_neg_status
ftp_parse_228(const uint8_t *text, size_t len, struct ftp_hostport *out)
{
	struct ftp_hostport	 hp;
	enum ftp_neg_status	 st;
	uint32_t		 v[LP_MAX];
	size_t			 i = 0, n;

	if (text == NULL)
		len = 0;
	while (i < len) {
		if (!is_digit(text[i])) {
			i++;
			continue;
		}
		memset(&hp, 0, sizeof hp);
		n = list_read(text, len, &i, v, LP_MAX);
		if ((st = lp_decode(v, n, &hp)) != FTP_NEG_SYNTAX)
			return neg_done(st, &hp, out);
		/* i is past the last number read; a full list may go on. */
		if (n == LP_MAX)
			i = list_skip(text, len, i);
	}
	memset(&hp, 0, sizeof hp);
	return neg_done(FTP_NEG_SYNTAX, &hp, out);
}

/*
 * One 229 candidate: p is just past a "(".  "<d><d><d>port<d>)" gives the
 * port only (family NONE: use the control connection's address); some
 * servers send "<d>af<d>addr<d>port<d>)" with an address, taken as EPRT.
 */
static enum ftp_neg_status
epsv_try(const uint8_t *p, size_t len, struct ftp_hostport *hp)
{
	enum ftp_neg_status	 st;
	uint32_t		 port;
	size_t			 i = 3, end = 0;

	if (len < 1 || !is_delim(p[0]))
		return FTP_NEG_SYNTAX;
	if (len >= 3 && p[1] == p[0] && p[2] == p[0]) {
		if (!num_read(p, len, &i, &port))
			return FTP_NEG_SYNTAX;
		if (len - i < 2 || p[i] != p[0] || p[i + 1] != ')')
			return FTP_NEG_SYNTAX;
		if (port == 0 || port > 65535)
			return FTP_NEG_RANGE;
		hp->port = (uint16_t)port;
		return FTP_NEG_OK;
	}
	st = ext_parse(p, len, &end, hp);
	if (st == FTP_NEG_SYNTAX || end >= len || p[end] != ')')
		return FTP_NEG_SYNTAX;
	return st;
}

/*
 * 229 text.  The text before the tuple may hold its own "(", so try each
 * "(" in turn; the first that is followed by a well-formed tuple decides
 * (OK, or RANGE/FAMILY when its values are bad).
 */
enum ftp_neg_status
ftp_parse_229(const uint8_t *text, size_t len, struct ftp_hostport *out)
{
	struct ftp_hostport	 hp;
	enum ftp_neg_status	 st;
	const uint8_t		*q;
	size_t			 i = 0;

	if (text == NULL)
		len = 0;
	while (i < len && (q = memchr(text + i, '(', len - i)) != NULL) {
		i = (size_t)(q - text) + 1;
		memset(&hp, 0, sizeof hp);
		if ((st = epsv_try(text + i, len - i, &hp)) != FTP_NEG_SYNTAX)
			return neg_done(st, &hp, out);
	}
	memset(&hp, 0, sizeof hp);
	return neg_done(FTP_NEG_SYNTAX, &hp, out);
}

const char *
ftp_neg_strerror(enum ftp_neg_status st)
{
	switch (st) {
	case FTP_NEG_OK:
		return "ok";
	case FTP_NEG_SYNTAX:
		return "malformed";
	case FTP_NEG_RANGE:
		return "number out of range";
	case FTP_NEG_FAMILY:
		return "unsupported address family";
	}
	return "unknown error";
}
