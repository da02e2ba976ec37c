/* SPDX-License-Identifier: ISC */
/* ftp_parse.h: pure parsers for FTP control lines, commands, replies and
 * data-connection negotiations.  No globals, no allocation: every function
 * reads a byte span and fills a caller-owned struct. */
#ifndef FTPAUDIT_FTP_PARSE_H
#define FTPAUDIT_FTP_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdbool.h>

#include "ftpaudit/addr.h"
#include "ftpaudit/buf.h"

#define FTP_LINE_MAX	4096	/* default longest line kept; longer ones are cut */
#define FTP_VERB_MAX	16	/* longest verb copied (longer verbs are cut) */

/* Whether a connection's first bytes look like an FTP greeting ("220 ",
 * "220-", "220\r"): what --detect-other-ports looks for, and so what the
 * reader thread must keep whole. */
static inline bool
ftp_is_greeting(const uint8_t *p, size_t len)
{
	return len >= 4 && p[0] == '2' && p[1] == '2' && p[2] == '0' &&
	    (p[3] == ' ' || p[3] == '-' || p[3] == '\r');
}

/*
 * Line assembly over a reassembled byte stream.  The caller feeds chunks as
 * the reassembler delivers them; each complete line (terminator removed,
 * Telnet IAC sequences removed) is handed to the callback.  State is held in
 * a caller-owned struct with a fixed buffer, so memory is bounded by the
 * line cap.
 */
struct ftp_line {
	const uint8_t	*data;		/* borrowed view, valid only inside the callback */
	size_t		 len;		/* bytes kept (<= cap) */
	uint64_t	 full_len;	/* bytes the line really had (> len when cut) */
	bool		 truncated;	/* line was longer than cap and was cut */
	bool		 bare_lf;	/* ended in LF without CR */
	bool		 split;		/* bytes came from more than one chunk */
	bool		 unterminated;	/* flushed at end of stream or at a gap */
	uint64_t	 ts_us;		/* timestamp of the chunk that completed it */
	uint32_t	 ack;		/* TCP ack of the segment that completed it */
	uint32_t	 end_seq;	/* stream sequence number just past the line */
};

typedef void (*ftp_line_cb)(void *arg, const struct ftp_line *line);

struct ftp_linebuf {
	/* Borrowed first (the caller's), then the linebuf's own: its size
	 * grows with the longest line, up to cap. */
	struct fa_buf	 buf;
	size_t		 cap;
	size_t		 len;
	uint64_t	 full_len;
	int		 iac_state;	/* Telnet IAC parser state */
	bool		 cr;		/* previous byte was CR */
	unsigned	 chunks;	/* chunks that contributed to this line */
};

int	ftp_linebuf_init(struct ftp_linebuf *lb, size_t cap);	/* 0 or -1 (ENOMEM) */
/* The same, starting in the caller's buf of size bytes, which stays the
 * caller's: a longer line moves to a buffer of the linebuf's own. */
void	ftp_linebuf_init_in(struct ftp_linebuf *lb, size_t cap, uint8_t *buf,
	    size_t size);
#define FTP_LINE_FIRST	128	/* a first buffer most lines fit */
void	ftp_linebuf_free(struct ftp_linebuf *lb);
/* Feed one delivered chunk.  ts/ack/seq describe the segment it came from:
 * seq is the stream sequence number of data[0]. */
void	ftp_linebuf_feed(struct ftp_linebuf *lb, const uint8_t *data, size_t len,
	    uint64_t ts_us, uint32_t ack, uint32_t seq, ftp_line_cb cb, void *arg);
/* Hand over any partial line (at a gap or end of stream) as unterminated. */
void	ftp_linebuf_flush(struct ftp_linebuf *lb, uint64_t ts_us, uint32_t ack,
	    uint32_t seq, ftp_line_cb cb, void *arg);
/* Drop any partial line (resynchronise after a gap: skip to next line). */
void	ftp_linebuf_reset(struct ftp_linebuf *lb);

/*
 * Verbs of RFC 959, 775, 1639, 2228, 2389, 2428, 2640, 3659, 7151 and the
 * IANA registry's common extensions.  A command's verb is looked up once,
 * in one table (ftp_parse.c), and acted on by its number.  The order is
 * the names' byte order, so that what is listed by number is listed by
 * name (test_ftp_parse checks it): a new verb goes in its place, here and
 * in the table.
 */
enum ftp_verb {
	FTP_VERB_NONE = 0,	/* not in the table: unknown, or not a verb */
	FTP_VERB_ABOR, FTP_VERB_ACCT, FTP_VERB_ADAT, FTP_VERB_ALLO,
	FTP_VERB_APPE, FTP_VERB_AUTH, FTP_VERB_AVBL, FTP_VERB_CCC,
	FTP_VERB_CDUP, FTP_VERB_CLNT, FTP_VERB_CONF, FTP_VERB_CSID,
	FTP_VERB_CWD, FTP_VERB_DELE, FTP_VERB_DSIZ, FTP_VERB_ENC,
	FTP_VERB_EPRT, FTP_VERB_EPSV, FTP_VERB_FEAT, FTP_VERB_HELP,
	FTP_VERB_HOST, FTP_VERB_LANG, FTP_VERB_LIST, FTP_VERB_LPRT,
	FTP_VERB_LPSV, FTP_VERB_MDTM, FTP_VERB_MFCT, FTP_VERB_MFF,
	FTP_VERB_MFMT, FTP_VERB_MIC, FTP_VERB_MKD, FTP_VERB_MLSD,
	FTP_VERB_MLST, FTP_VERB_MODE, FTP_VERB_NLST, FTP_VERB_NOOP,
	FTP_VERB_OPTS, FTP_VERB_PASS, FTP_VERB_PASV, FTP_VERB_PBSZ,
	FTP_VERB_PORT, FTP_VERB_PROT, FTP_VERB_PWD, FTP_VERB_QUIT,
	FTP_VERB_REIN, FTP_VERB_REST, FTP_VERB_RETR, FTP_VERB_RMD,
	FTP_VERB_RMDA, FTP_VERB_RNFR, FTP_VERB_RNTO, FTP_VERB_SITE,
	FTP_VERB_SIZE, FTP_VERB_SMNT, FTP_VERB_SPSV, FTP_VERB_STAT,
	FTP_VERB_STOR, FTP_VERB_STOU, FTP_VERB_STRU, FTP_VERB_SYST,
	FTP_VERB_THMB, FTP_VERB_TYPE, FTP_VERB_USER, FTP_VERB_XCUP,
	FTP_VERB_XCWD, FTP_VERB_XMKD, FTP_VERB_XPWD, FTP_VERB_XRMD,
	FTP_VERB_COUNT
};

/* What a verb does, for code that acts on kinds rather than on verbs. */
enum {
	FTP_VF_TRANSFER		= 1 << 0,	/* opens a data connection */
	FTP_VF_SECRET		= 1 << 1,	/* argument is a password or account */
	FTP_VF_NEGOTIATION	= 1 << 2,	/* announces or asks for a data endpoint */
	FTP_VF_PATH		= 1 << 3,	/* argument names a file or directory */
	FTP_VF_LOGIN		= 1 << 4,	/* answered by the login's outcome */
};

/* The verb of the len bytes at p, ASCII case ignored; FTP_VERB_NONE
 * unless they are exactly a verb of the table (a NUL, a space or any
 * other byte inside makes them none). */
enum ftp_verb	 ftp_verb_lookup(const uint8_t *p, size_t len);
/* Upper-case name ("RETR"), static; NULL for FTP_VERB_NONE. */
const char	*ftp_verb_name(enum ftp_verb);
/* FTP_VF_* bits; 0 for FTP_VERB_NONE. */
unsigned	 ftp_verb_flags(enum ftp_verb);

/* Commands. */
struct ftp_cmd {
	char		 verb[FTP_VERB_MAX + 1];	/* upper-cased, NUL-terminated */
	bool		 verb_cut;	/* verb was longer than FTP_VERB_MAX */
	const uint8_t	*verb_raw;	/* view of the whole verb as sent */
	size_t		 verb_len;
	enum ftp_verb	 id;		/* of the whole verb; NONE when unknown */
	const uint8_t	*arg;		/* view into the line, NULL when absent */
	size_t		 arg_len;
};
/* 0 on success, -1 when the line holds no verb (empty or starts with space). */
int	ftp_parse_command(const uint8_t *line, size_t len, struct ftp_cmd *out);

/* Reply lines. */
enum ftp_reply_sep {
	FTP_REPLY_LAST,		/* "xyz text" or bare "xyz": final line */
	FTP_REPLY_MORE,		/* "xyz-text": first line of a multi-line reply */
	FTP_REPLY_NOCODE,	/* no valid 3-digit code: a continuation or junk */
};
struct ftp_reply_line {
	int		 code;		/* 100..599 when sep != NOCODE, else 0 */
	enum ftp_reply_sep sep;
	bool		 no_space;	/* code followed directly by text ("230no_space") */
	const uint8_t	*text;		/* view after "xyz " / "xyz-" (or whole line for NOCODE) */
	size_t		 text_len;
};
void	ftp_parse_reply_line(const uint8_t *line, size_t len, struct ftp_reply_line *out);

/*
 * Multi-line reply assembly, as Zeek does it: after "xyz-", lines are
 * continuation until a line "xyz " (or bare "xyz") with the same code.  A
 * line starting with a different code followed by a space does NOT end it:
 * it is a continuation line (see ftp_parse.c for why).  The assembler tells
 * the caller what each line means; the caller accumulates text.  For CONT,
 * out->text is the whole line and code/sep/no_space describe the line
 * parsed on its own, so a stray "abc " inside an open reply can be flagged.
 */
enum ftp_reply_event {
	FTP_REPLY_EV_SINGLE,	/* complete one-line reply: code/text in out */
	FTP_REPLY_EV_BEGIN,	/* first line of a multi-line reply */
	FTP_REPLY_EV_CONT,	/* continuation line (text = whole line) */
	FTP_REPLY_EV_END,	/* last line of a multi-line reply */
	FTP_REPLY_EV_JUNK,	/* not a reply line outside a multi-line reply */
};
struct ftp_reply_asm {
	int		 code;		/* code of the open multi-line reply, 0 when none */
};
enum ftp_reply_event ftp_reply_asm_line(struct ftp_reply_asm *ra,
	    const uint8_t *line, size_t len, struct ftp_reply_line *out);

/*
 * Announced sizes.  ftp_parse_size_150 finds the exact byte count a 150
 * (or 125) reply's text gives, in the form servers write it: digits just
 * before " bytes" (any case), after "(" or a blank: "... for f (12345
 * bytes).".  "5289713.5 kbytes to download" (pure-ftpd) is not exact and
 * gives none.  ftp_parse_size_213 reads a SIZE answer (RFC 3659: the
 * text is the number alone, trailing blanks allowed).  Both return false,
 * leaving *size alone, when there is no size or it overflows 64 bits.
 */
bool	ftp_parse_size_150(const uint8_t *text, size_t len, uint64_t *size);
bool	ftp_parse_size_213(const uint8_t *text, size_t len, uint64_t *size);

/* Negotiations.  Each returns FTP_NEG_OK and fills out, or an error code;
 * an error never leaves out half-filled in a way a caller could use. */
enum ftp_neg_status {
	FTP_NEG_OK = 0,
	FTP_NEG_SYNTAX,		/* not the expected shape */
	FTP_NEG_RANGE,		/* a number out of range (octet > 255, port > 65535, port 0) */
	FTP_NEG_FAMILY,		/* unknown or unsupported address family */
};
struct ftp_hostport {
	struct fa_addr	 addr;		/* family FA_AF_NONE when the reply gives no address (229) */
	uint16_t	 port;
};
enum ftp_neg_status ftp_parse_port(const uint8_t *arg, size_t len, struct ftp_hostport *out);	/* PORT h1,..,p2 */
enum ftp_neg_status ftp_parse_eprt(const uint8_t *arg, size_t len, struct ftp_hostport *out);	/* EPRT |1|a|p| any delim */
enum ftp_neg_status ftp_parse_lprt(const uint8_t *arg, size_t len, struct ftp_hostport *out);	/* LPRT 4,4,a,a,a,a,2,p,p (and 6,16,...) */
enum ftp_neg_status ftp_parse_227(const uint8_t *text, size_t len, struct ftp_hostport *out);	/* all real forms */
enum ftp_neg_status ftp_parse_228(const uint8_t *text, size_t len, struct ftp_hostport *out);	/* LPSV reply: (4,4,...) */
enum ftp_neg_status ftp_parse_229(const uint8_t *text, size_t len, struct ftp_hostport *out);	/* (|||port|) any delim; addr NONE */
const char *ftp_neg_strerror(enum ftp_neg_status st);

#endif
