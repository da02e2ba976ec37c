/* SPDX-License-Identifier: ISC */
/* fuzz_ftp_line.c: libFuzzer harness for FTP control line handling.
 *
 * Input: byte 0 picks the line cap, bytes 1..4 the chunk sizes (cycled),
 * the rest is one direction of a control stream.  The stream is fed to
 * ftp_linebuf_feed in those chunks and each line goes through
 * ftp_parse_command, ftp_parse_reply_line, the multi-line reply assembler
 * and the negotiation parsers that apply.  The same stream is also fed in
 * one piece: the lines must come out identical whatever the chunking. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/ftp_parse.h"

#define HDR	5

struct rec {
	uint8_t		*data;
	size_t		 len;
	uint64_t	 full_len;
	bool		 truncated, bare_lf, unterminated;
	uint32_t	 end_seq;
};

struct ctx {
	size_t		 cap;
	struct rec	*recs;		/* lines of the one-piece run */
	size_t		 n, max;
	size_t		 cmp;		/* next line of the chunked run to compare */
	bool		 record;
	struct ftp_reply_asm ra;
};

static void
check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static bool
within(const uint8_t *p, size_t n, const uint8_t *base, size_t len)
{
	return p >= base && n <= len && (size_t)(p - base) <= len - n;
}

/* Every parser on an exact-size heap copy, so ASan sees any over-read. */
static void
parse_line(struct ctx *c, const uint8_t *line, size_t len)
{
	struct ftp_cmd		 cmd;
	struct ftp_reply_line	 rl, al;
	struct ftp_hostport	 hp;
	enum ftp_reply_event	 ev;
	uint8_t			*p = malloc(len ? len : 1);

	check(p != NULL);
	memcpy(p, line, len);
	if (ftp_parse_command(p, len, &cmd) == 0) {
		check(strlen(cmd.verb) <= FTP_VERB_MAX);
		check(within(cmd.verb_raw, cmd.verb_len, p, len));
		check(cmd.verb_len > 0);
		check(cmd.verb_cut == (cmd.verb_len > FTP_VERB_MAX));
		if (cmd.arg != NULL)
			check(within(cmd.arg, cmd.arg_len, p, len));
		/* The verb's number is of the whole verb as sent, and names
		 * it: a known verb is its upper-cased copy, uncut. */
		check(cmd.id == ftp_verb_lookup(cmd.verb_raw, cmd.verb_len));
		if (cmd.id != FTP_VERB_NONE)
			check(!cmd.verb_cut && strlen(cmd.verb) == cmd.verb_len &&
			    strcmp(cmd.verb, ftp_verb_name(cmd.id)) == 0);
		(void)ftp_verb_flags(cmd.id);
		if (cmd.arg != NULL && strcmp(cmd.verb, "PORT") == 0 &&
		    ftp_parse_port(cmd.arg, cmd.arg_len, &hp) == FTP_NEG_OK)
			check(hp.port != 0 && hp.addr.family == FA_AF_INET);
		if (cmd.arg != NULL && strcmp(cmd.verb, "EPRT") == 0 &&
		    ftp_parse_eprt(cmd.arg, cmd.arg_len, &hp) == FTP_NEG_OK)
			check(hp.port != 0);
		if (cmd.arg != NULL && strcmp(cmd.verb, "LPRT") == 0 &&
		    ftp_parse_lprt(cmd.arg, cmd.arg_len, &hp) == FTP_NEG_OK)
			check(hp.port != 0);
	}
	ftp_parse_reply_line(p, len, &rl);
	if (rl.sep != FTP_REPLY_NOCODE)
		check(rl.code >= 100 && rl.code <= 599);
	else
		check(rl.code == 0);
	if (rl.text != NULL)
		check(within(rl.text, rl.text_len, p, len));
	else
		check(rl.text_len == 0);
	if (rl.sep != FTP_REPLY_NOCODE && rl.text != NULL) {
		if (rl.code == 227 && ftp_parse_227(rl.text, rl.text_len, &hp) == FTP_NEG_OK)
			check(hp.port != 0);
		if (rl.code == 228 && ftp_parse_228(rl.text, rl.text_len, &hp) == FTP_NEG_OK)
			check(hp.port != 0);
		if (rl.code == 229 && ftp_parse_229(rl.text, rl.text_len, &hp) == FTP_NEG_OK)
			check(hp.port != 0 && hp.addr.family != 1);
	}
	ev = ftp_reply_asm_line(&c->ra, p, len, &al);
	check(ev <= FTP_REPLY_EV_JUNK);
	if (al.text != NULL)
		check(within(al.text, al.text_len, p, len));
	if (ev == FTP_REPLY_EV_BEGIN || ev == FTP_REPLY_EV_CONT)
		check(c->ra.code >= 100 && c->ra.code <= 599);
	if (ev == FTP_REPLY_EV_SINGLE || ev == FTP_REPLY_EV_END ||
	    ev == FTP_REPLY_EV_JUNK)
		check(c->ra.code == 0);
	free(p);
}

static void
on_line(void *arg, const struct ftp_line *l)
{
	struct ctx	*c = arg;
	struct rec	*r;

	check(l->data != NULL || l->len == 0);
	check(l->len <= c->cap);
	check(l->full_len >= l->len);
	check(l->truncated == (l->full_len > l->len));
	/* LF is a terminator, never kept. */
	check(l->len == 0 || memchr(l->data, '\n', l->len) == NULL);
	if (c->record) {
		check(c->n < c->max);
		r = &c->recs[c->n++];
		r->data = malloc(l->len ? l->len : 1);
		check(r->data != NULL);
		memcpy(r->data, l->data, l->len);
		r->len = l->len;
		r->full_len = l->full_len;
		r->truncated = l->truncated;
		r->bare_lf = l->bare_lf;
		r->unterminated = l->unterminated;
		r->end_seq = l->end_seq;
		return;
	}
	/* Chunked run: the same lines as the one-piece run. */
	check(c->cmp < c->n);
	r = &c->recs[c->cmp++];
	check(r->len == l->len);
	check(l->len == 0 || memcmp(r->data, l->data, l->len) == 0);
	check(r->full_len == l->full_len && r->truncated == l->truncated);
	check(r->bare_lf == l->bare_lf && r->unterminated == l->unterminated);
	check(r->end_seq == l->end_seq);
	parse_line(c, l->data, l->len);
}

static const size_t caps[8] = { 1, 2, 3, 7, 16, 64, 256, 4096 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ftp_linebuf	 lb;
	struct ctx		 c;
	const uint8_t		*s;
	size_t			 n, off, chunk, i, k = 0;
	uint32_t		 seq = 0xfffffff0u;	/* wraps inside the input */

	if (size < HDR)
		return 0;
	memset(&c, 0, sizeof c);
	c.cap = caps[data[0] & 7];
	s = data + HDR;
	n = size - HDR;

	/* One piece, recording the lines. */
	c.max = n + 1;
	c.recs = calloc(c.max, sizeof *c.recs);
	check(c.recs != NULL);
	check(ftp_linebuf_init(&lb, c.cap) == 0);
	c.record = true;
	ftp_linebuf_feed(&lb, s, n, 1, 2, seq, on_line, &c);
	ftp_linebuf_flush(&lb, 1, 2, seq + (uint32_t)n, on_line, &c);
	ftp_linebuf_free(&lb);

	/* Chunked, each chunk in its own exact-size copy. */
	check(ftp_linebuf_init(&lb, c.cap) == 0);
	c.record = false;
	for (off = 0; off < n; off += chunk) {
		chunk = 1 + (data[1 + k++ % 4] & 0x3f);
		if (chunk > n - off)
			chunk = n - off;
		uint8_t *p = malloc(chunk);
		check(p != NULL);
		memcpy(p, s + off, chunk);
		ftp_linebuf_feed(&lb, p, chunk, 1, 2, seq + (uint32_t)off,
		    on_line, &c);
		free(p);
	}
	ftp_linebuf_flush(&lb, 1, 2, seq + (uint32_t)n, on_line, &c);
	check(c.cmp == c.n);
	/* A flush with nothing pending emits nothing; reset is harmless. */
	ftp_linebuf_flush(&lb, 1, 2, seq, on_line, &c);
	check(c.cmp == c.n);
	ftp_linebuf_reset(&lb);
	ftp_linebuf_free(&lb);

	for (i = 0; i < c.n; i++)
		free(c.recs[i].data);
	free(c.recs);
	return 0;
}
