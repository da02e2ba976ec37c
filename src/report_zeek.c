/* SPDX-License-Identifier: ISC */
/*
 * report_zeek.c: -F zeek and -F zeek-json: Zeek's ftp.log, one row per
 * logged command, with the columns and meaning of Zeek's base FTP
 * logging (scripts/base/protocols/ftp), so that zeek-cut, the Filebeat
 * zeek module and the rest of a Zeek pipeline read it unchanged.  The
 * man page lists where the rows differ from Zeek's, and why.
 *
 * Rows are written as each session ends, in command order: what Zeek
 * learns of a command later (the 150's size, the PASV reply's endpoint,
 * the directory a CWD reached) is all in the session by then.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ftpaudit/community_id.h"
#include "ftpaudit/fmt.h"
#include "ftpaudit/jw.h"
#include "ftpaudit/report.h"
#include "report_fmt.h"

#define ZEEK_MAXCMDS	64	/* --zeek-commands words */
#define ZEEK_PATHMAX	4096	/* Zeek's max_arg_length */
/* "ftp://[", an address, "]/", a path and its NUL. */
#define ZEEK_URLMAX	(7 + FA_ADDRSTRLEN + 2 + ZEEK_PATHMAX)

struct zeek {
	FILE		*out;		/* borrowed */
	bool		 json;
	bool		 header;	/* TSV: the header is out */
	bool		 logs[FTP_VERB_COUNT];	/* the verbs that get a row */
	size_t		 ncmds;		/* --zeek-commands words */
	struct jw	 jw;		/* rows not yet written out */
	size_t		 batch;		/* zeek_new's */
	int		 error;
};

/* One row's values beyond the session's own. */
struct zrow {
	const struct fa_command *c;
	const char	*user;		/* NUL-terminated copies, owned by the walk */
	size_t		 userlen;
	const uint8_t	*pass;
	size_t		 passlen;
	bool		 has_pass;
	const char	*arg;		/* built URL, or NULL for the command's own */
	bool		 has_size;
	uint64_t	 size;
	bool		 has_dc;
	bool		 dc_passive;
	struct fa_addr	 dc_orig, dc_resp;
	uint16_t	 dc_port;
	char		 client[FA_ADDRSTRLEN], server[FA_ADDRSTRLEN];
	size_t		 clientlen, serverlen;
};

static const char *const default_cmds[] = {
	"APPE", "DELE", "RETR", "STOR", "STOU", "ACCT", "PORT", "PASV",
	"EPRT", "EPSV",
};

uint64_t
report_flow_hash(const struct fa_endpoint *a, const struct fa_endpoint *b,
    uint64_t start_us)
{
	uint8_t buf[2 * 19 + 8], d[20];
	uint64_t h = 0;
	size_t i, n = 0;

	buf[n++] = a->ip.family;
	memcpy(buf + n, a->ip.a, 16); n += 16;
	buf[n++] = (uint8_t)(a->port >> 8);
	buf[n++] = (uint8_t)a->port;
	buf[n++] = b->ip.family;
	memcpy(buf + n, b->ip.a, 16); n += 16;
	buf[n++] = (uint8_t)(b->port >> 8);
	buf[n++] = (uint8_t)b->port;
	for (i = 0; i < 8; i++)
		buf[n++] = (uint8_t)(start_us >> (56 - 8 * i));
	community_id_sha1(buf, n, d);
	for (i = 0; i < 8; i++)
		h = h << 8 | d[i];
	return h;
}

struct zeek *
zeek_new(FILE *out, bool json, size_t batch)
{
	struct zeek *z;
	size_t i;

	if ((z = calloc(1, sizeof *z)) == NULL)
		return NULL;
	z->out = out;
	z->json = json;
	z->batch = batch;
	for (i = 0; i < sizeof default_cmds / sizeof default_cmds[0]; i++)
		z->logs[ftp_verb_lookup((const uint8_t *)default_cmds[i],
		    strlen(default_cmds[i]))] = true;
	jw_init(&z->jw, false);
	return z;
}

void
zeek_set_batch(struct zeek *z, size_t batch)
{
	z->batch = batch;
}

/* Out with the rows gathered once there are batch bytes of them. */
static void
rows_out(struct zeek *z, size_t batch)
{
	if (z->jw.len >= batch && jw_flush(&z->jw, z->out) == -1)
		z->error = 1;
}

int
zeek_set_commands(struct zeek *z, const char *list, const char **why)
{
	const char *p = list, *e;
	enum ftp_verb v;
	size_t len;

	memset(z->logs, 0, sizeof z->logs);
	z->ncmds = 0;
	while (*p != '\0') {
		e = strchr(p, ',');
		len = e != NULL ? (size_t)(e - p) : strlen(p);
		if (len > 0) {
			if (len > 16 || (v = ftp_verb_lookup((const uint8_t *)p,
			    len)) == FTP_VERB_NONE) {
				*why = "not an FTP command verb";
				return -1;
			}
			if (z->ncmds == ZEEK_MAXCMDS) {
				*why = "too many commands";
				return -1;
			}
			z->logs[v] = true;
			z->ncmds++;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* By the verb's number: comparing its name with each of the list's cost
 * eight strcmps a command. */
static bool
logged(const struct zeek *z, const struct fa_command *c)
{
	return c->verb_long.p == NULL && c->id != FTP_VERB_NONE &&
	    z->logs[c->id];
}

/* Zeek's uid: "C" and base62 of the control connection's hash. */
static void
zeek_uid(const struct fa_session *s, char uid[18])
{
	static const char b62[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	uint64_t h = report_flow_hash(&s->client, &s->server, s->start_us);
	uint64_t g = h * 0x9e3779b97f4a7c15ULL ^ s->start_us;
	int i;

	uid[0] = 'C';
	for (i = 1; i <= 8; i++, h /= 62)
		uid[i] = b62[h % 62];
	for (; i <= 16; i++, g /= 62)
		uid[i] = b62[g % 62];
	uid[17] = '\0';
}

/* The last line of a reply's text: what Zeek keeps as reply_msg. */
static void
reply_msg(const struct fa_reply *r, const uint8_t **p, size_t *len)
{
	const uint8_t *q = r->text.p, *nl;
	size_t n = r->text.len;

	while (n > 0 && (nl = memchr(q, '\n', n)) != NULL) {
		n -= (size_t)(nl + 1 - q);
		q = nl + 1;
	}
	*p = q;
	*len = n;
}

/*
 * The size a reply announces: the whole text of a 213, or the number
 * just before " bytes" in any line of a 150 ("(77 bytes)").  Zeek takes
 * the last number of the last line, which reads "5289713.5 kbytes to
 * download" as 5 and a 150 with no size as 0: unset here instead.
 */
static bool
digits(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;

	if (p == end)
		return false;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9' || x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*v = x;
	return true;
}

static bool
reply_size(const struct fa_reply *r, uint64_t *v)
{
	const uint8_t *p = r->text.p, *end = p + r->text.len, *q, *d;

	if (r->code == 213)
		return digits(p, end, v);
	for (q = p; q + 6 <= end; q++) {
		if (memcmp(q, " bytes", 6) != 0 && memcmp(q, " Bytes", 6) != 0)
			continue;
		for (d = q; d > p && d[-1] >= '0' && d[-1] <= '9'; d--)
			;
		if (d < q && (d == p || d[-1] == '(' || d[-1] == ' '))
			return digits(d, q, v);
	}
	return false;
}

/*
 * The path Zeek builds from the directory and an argument, compressed
 * as Zeek's compress_path does: "." and empty segments go except a
 * relative path's first ".", "x/.." cancels, a ".." above the root of an
 * absolute path goes.  Into buf of ZEEK_PATHMAX bytes; false when it
 * does not fit.
 */
static bool
build_path(const char *cwd, const uint8_t *arg, size_t alen, char *buf)
{
	char tmp[ZEEK_PATHMAX];
	const char *segs[ZEEK_PATHMAX / 2];
	size_t lens[ZEEK_PATHMAX / 2], nseg = 0, n = 0, i, len;
	const char *p, *e;
	bool abs;

	if (alen > 0 && arg[0] == '/')
		n = 0;
	else {
		if ((n = strlen(cwd)) + 1 >= sizeof tmp)
			return false;
		memcpy(tmp, cwd, n);
		tmp[n++] = '/';
	}
	if (n + alen >= sizeof tmp)
		return false;
	memcpy(tmp + n, arg, alen);
	n += alen;
	tmp[n] = '\0';
	abs = tmp[0] == '/';
	for (p = tmp; *p != '\0'; p = *e ? e + 1 : e) {
		if ((e = strchr(p, '/')) == NULL)
			e = p + strlen(p);
		len = (size_t)(e - p);
		if (len == 0 || (len == 1 && p[0] == '.' && (abs || nseg > 0)))
			continue;
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (nseg > 0 && !(lens[nseg - 1] == 2 &&
			    memcmp(segs[nseg - 1], "..", 2) == 0) &&
			    !(lens[nseg - 1] == 1 && segs[nseg - 1][0] == '.')) {
				nseg--;
				continue;
			}
			if (abs)
				continue;
		}
		segs[nseg] = p;
		lens[nseg++] = len;
	}
	n = 0;
	if (abs || nseg == 0)
		buf[n++] = '/';
	for (i = 0; i < nseg; i++) {
		if (i > 0)
			buf[n++] = '/';
		memcpy(buf + n, segs[i], lens[i]);
		n += lens[i];
	}
	buf[n] = '\0';
	return true;
}

/* Zeek's extract_path: the quoted directory of a 257 reply. */
static bool
quoted_path(const struct fa_reply *r, char *buf, size_t size)
{
	const uint8_t *q, *e;
	size_t n;

	if ((q = memchr(r->text.p, '"', r->text.len)) == NULL)
		return false;
	q++;
	n = r->text.len - (size_t)(q - r->text.p);
	if ((e = memchr(q, '"', n)) != NULL)
		n = (size_t)(e - q);
	if (n == 0 || n >= size || memchr(q, '\0', n) != NULL)
		return false;
	memcpy(buf, q, n);
	buf[n] = '\0';
	return true;
}

const struct fa_reply *
report_reply_with(const struct fa_command *c, int code)
{
	uint32_t i;

	for (i = 0; i < c->nreplies; i++)
		if (c->replies[i].code == code)
			return &c->replies[i];
	return NULL;
}

bool
report_announced(const struct fa_command *c, struct ftp_hostport *hp,
    bool *passive)
{
	const struct fa_reply *r;
	enum ftp_neg_status st;

	*passive = false;
	if (c->id == FTP_VERB_PORT && c->has_arg)
		st = ftp_parse_port(c->arg.p, c->arg.len, hp);
	else if (c->id == FTP_VERB_EPRT && c->has_arg)
		st = ftp_parse_eprt(c->arg.p, c->arg.len, hp);
	else if (c->id == FTP_VERB_PASV &&
	    (r = report_reply_with(c, 227)) != NULL) {
		st = ftp_parse_227(r->text.p, r->text.len, hp);
		*passive = true;
	} else if (c->id == FTP_VERB_EPSV &&
	    (r = report_reply_with(c, 229)) != NULL) {
		st = ftp_parse_229(r->text.p, r->text.len, hp);
		*passive = true;
	} else
		return false;
	return st == FTP_NEG_OK;
}

/* The directory after c, as Zeek follows it (directory_cmds). */
static void
follow_cwd(const struct fa_command *c, char *cwd)
{
	char nb[ZEEK_PATHMAX];
	const struct fa_reply *r;

	switch (c->id) {
	case FTP_VERB_CWD:
		if (report_reply_with(c, 250) != NULL && c->has_arg &&
		    memchr(c->arg.p, '\0', c->arg.len) == NULL &&
		    build_path(cwd, c->arg.p, c->arg.len, nb))
			snprintf(cwd, ZEEK_PATHMAX, "%s", nb);
		break;
	case FTP_VERB_CDUP:
		if ((report_reply_with(c, 200) != NULL || report_reply_with(c, 250) != NULL) &&
		    build_path(cwd, (const uint8_t *)"/..", 3, nb))
			snprintf(cwd, ZEEK_PATHMAX, "%s", nb);
		break;
	case FTP_VERB_PWD:
	case FTP_VERB_XPWD:
		if ((r = report_reply_with(c, 257)) != NULL &&
		    quoted_path(r, nb, sizeof nb))
			snprintf(cwd, ZEEK_PATHMAX, "%s", nb);
		break;
	default:
		break;
	}
}

/* Zeek's file_cmds: their argument becomes ftp://HOST/PATH. */
static bool
file_cmd(enum ftp_verb v)
{
	switch (v) {
	case FTP_VERB_APPE: case FTP_VERB_CWD: case FTP_VERB_DELE:
	case FTP_VERB_MKD: case FTP_VERB_RETR: case FTP_VERB_RMD:
	case FTP_VERB_RNFR: case FTP_VERB_RNTO: case FTP_VERB_STOR:
	case FTP_VERB_STOU: case FTP_VERB_REST: case FTP_VERB_SIZE:
	case FTP_VERB_MDTM:
		return true;
	default:
		return false;
	}
}

/* The data channel a row announces (Zeek's add_expected_data_channel):
 * its originator is the side that connects; EPSV names no address, the
 * server's is meant. */
static void
data_channel(const struct fa_session *s, const struct fa_command *c,
    struct zrow *row)
{
	struct ftp_hostport hp;

	if (!(row->has_dc = report_announced(c, &hp, &row->dc_passive)))
		return;
	row->dc_orig = row->dc_passive ? s->client.ip : s->server.ip;
	row->dc_resp = hp.addr.family == FA_AF_NONE ? s->server.ip : hp.addr;
	row->dc_port = hp.port;
}

/*
 * TSV rows are put together in the writer's buffer (jw_text: bytes
 * outside any JSON) and go out a session at a time: a stdio call for
 * every field ran at a quarter of NDJSON's speed.
 */
static inline void
put1(struct jw *b, char c)
{
	jw_text(b, &c, 1);
}

static inline void
putstr(struct jw *b, const char *s)
{
	jw_text(b, s, strlen(s));
}

/* TSV: a string as Zeek's ASCII writer escapes it: the separator and
 * other controls, the backslash and bytes outside valid UTF-8 as \xNN;
 * the unset and empty markers when they are the whole value. */
static void
tsv_str(struct jw *b, const uint8_t *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char esc[4] = { '\\', 'x', 0, 0 };
	size_t i, run, u;
	uint64_t v;

	if (len == 0) {
		putstr(b, "(empty)");
		return;
	}
	if (len == 1 && p[0] == '-') {
		putstr(b, "\\x2d");
		return;
	}
	for (i = 0; i < len; ) {
		/* Eight bytes at a time while none needs a look, then one. */
		for (run = i; len - run >= 8; run += 8) {
			memcpy(&v, p + run, 8);
			if (!fmt_plain8(v, '\\'))
				break;
		}
		for (; run < len && p[run] >= 0x20 && p[run] < 0x7f &&
		    p[run] != '\\'; run++)
			;
		if (run > i) {
			jw_text(b, (const char *)p + i, run - i);
			i = run;
			continue;
		}
		if (p[i] >= 0x80 && (u = jw_utf8_len(p + i, len - i)) > 1) {
			jw_text(b, (const char *)p + i, u);
			i += u;
			continue;
		}
		esc[2] = hex[p[i] >> 4];
		esc[3] = hex[p[i] & 15];
		jw_text(b, esc, 4);
		i++;
	}
}

static void
tsv_addr(struct jw *b, const struct fa_addr *a)
{
	char buf[FA_ADDRSTRLEN];

	jw_text(b, buf, fa_addr_fmt(a, buf));
}

static void
tsv_uint(struct jw *b, uint64_t v)
{
	char buf[24], *e = buf + sizeof buf, *q = fmt_uint(e, v);

	jw_text(b, q, (size_t)(e - q));
}

static void
tsv_ts(struct jw *b, uint64_t us)
{
	char buf[32], *e = buf + sizeof buf, *q;
	int i;

	q = e;
	for (i = 0; i < 6; i++, us /= 10)
		*--q = (char)('0' + us % 10);
	*--q = '.';
	q = fmt_uint(q, us);
	jw_text(b, q, (size_t)(e - q));
}

static void
tsv_header(struct zeek *z)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%d-%H-%M-%S", &tm);
	fprintf(z->out, "#separator \\x09\n#set_separator\t,\n"
	    "#empty_field\t(empty)\n#unset_field\t-\n#path\tftp\n#open\t%s\n"
	    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\t"
	    "user\tpassword\tcommand\targ\tmime_type\tfile_size\treply_code\t"
	    "reply_msg\tdata_channel.passive\tdata_channel.orig_h\t"
	    "data_channel.resp_h\tdata_channel.resp_p\tfuid\n"
	    "#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\t"
	    "string\tstring\tstring\tcount\tcount\tstring\tbool\taddr\taddr\t"
	    "port\tstring\n", when);
	z->header = true;
}

static const struct fa_reply *
final_reply(const struct fa_command *c)
{
	return c->nreplies > 0 ? &c->replies[c->nreplies - 1] : NULL;
}

static void
tsv_row(struct zeek *z, const struct fa_session *s, const char *uid,
    const struct zrow *w)
{
	struct jw *f = &z->jw;
	const struct fa_command *c = w->c;
	const struct fa_reply *r = final_reply(c);
	const uint8_t *mp;
	size_t ml;

	tsv_ts(f, c->ts_us); put1(f, '\t');
	putstr(f, uid); put1(f, '\t');
	jw_text(f, w->client, w->clientlen); put1(f, '\t');
	tsv_uint(f, s->client.port); put1(f, '\t');
	jw_text(f, w->server, w->serverlen); put1(f, '\t');
	tsv_uint(f, s->server.port); put1(f, '\t');
	tsv_str(f, (const uint8_t *)w->user, w->userlen); put1(f, '\t');
	if (w->has_pass)
		tsv_str(f, w->pass, w->passlen);
	else
		put1(f, '-');
	put1(f, '\t');
	putstr(f, c->verb); put1(f, '\t');
	if (w->arg != NULL)
		tsv_str(f, (const uint8_t *)w->arg, strlen(w->arg));
	else if (c->has_arg && c->arg.len > 0)
		tsv_str(f, c->arg.p, c->arg.len);
	else
		put1(f, '-');
	putstr(f, "\t-\t");		/* mime_type: no file analysis */
	if (w->has_size)
		tsv_uint(f, w->size);
	else
		put1(f, '-');
	put1(f, '\t');
	if (r != NULL) {
		tsv_uint(f, (uint64_t)r->code); put1(f, '\t');
		reply_msg(r, &mp, &ml);
		tsv_str(f, mp, ml);
	} else
		putstr(f, "-\t-");
	put1(f, '\t');
	if (w->has_dc) {
		putstr(f, w->dc_passive ? "T\t" : "F\t");
		tsv_addr(f, &w->dc_orig); put1(f, '\t');
		tsv_addr(f, &w->dc_resp); put1(f, '\t');
		tsv_uint(f, w->dc_port);
	} else
		putstr(f, "-\t-\t-\t-");
	putstr(f, "\t-\n");		/* fuid: no file analysis */
}

static void
json_row(struct zeek *z, const struct fa_session *s, const char *uid,
    const struct zrow *row)
{
	struct jw *w = &z->jw;
	const struct fa_command *c = row->c;
	const struct fa_reply *r = final_reply(c);
	const uint8_t *mp;
	size_t ml;

	jw_next(w);
	jw_obj(w);
	jw_key(w, "ts"); jw_usecs(w, c->ts_us);
	jw_key(w, "uid"); jw_lit(w, uid);
	jw_key(w, "id.orig_h"); jw_addr(w, &s->client.ip);
	jw_key(w, "id.orig_p"); jw_uint(w, s->client.port);
	jw_key(w, "id.resp_h"); jw_addr(w, &s->server.ip);
	jw_key(w, "id.resp_p"); jw_uint(w, s->server.port);
	jw_key(w, "user"); jw_wire(w, (const uint8_t *)row->user, row->userlen);
	if (row->has_pass) {
		jw_key(w, "password"); jw_wire(w, row->pass, row->passlen);
	}
	jw_key(w, "command"); jw_wire_str(w, c->verb);
	if (row->arg != NULL) {
		jw_key(w, "arg"); jw_wire_str(w, row->arg);
	} else if (c->has_arg && c->arg.len > 0) {
		jw_key(w, "arg"); jw_wire(w, c->arg.p, c->arg.len);
	}
	if (row->has_size) {
		jw_key(w, "file_size"); jw_uint(w, row->size);
	}
	if (r != NULL) {
		jw_key(w, "reply_code"); jw_int(w, r->code);
		reply_msg(r, &mp, &ml);
		jw_key(w, "reply_msg"); jw_wire(w, mp, ml);
	}
	if (row->has_dc) {
		jw_key(w, "data_channel.passive"); jw_bool(w, row->dc_passive);
		jw_key(w, "data_channel.orig_h"); jw_addr(w, &row->dc_orig);
		jw_key(w, "data_channel.resp_h"); jw_addr(w, &row->dc_resp);
		jw_key(w, "data_channel.resp_p"); jw_uint(w, row->dc_port);
	}
	report_community_id(w, &s->client, &s->server);
	jw_end_obj(w);
	jw_text(w, "\n", 1);
	rows_out(z, z->batch);
}

/* The size a reply announced for c's file (the ci'th command): its
 * transfer's size, which the engine took from RETR's 150 or the SIZE
 * just before; without a transfer (no negotiation seen), RETR's 150,
 * else the 213 of the last SIZE before it, when for the same argument
 * (prev: that SIZE, or NULL); SIZE's own 213. */
static bool
announced_size(const struct fa_session *s, uint32_t ci,
    const struct fa_command *c, const struct fa_command *prev, uint64_t *v)
{
	const struct fa_reply *r;
	uint32_t i;

	if (c->id == FTP_VERB_SIZE)
		return (r = report_reply_with(c, 213)) != NULL && reply_size(r, v);
	if (c->id != FTP_VERB_RETR)
		return false;
	for (i = 0; i < s->nxfers; i++) {
		if (s->xfers[i].cmd_index != (int)ci)
			continue;
		if (s->xfers[i].has_size)
			*v = s->xfers[i].size;
		return s->xfers[i].has_size;
	}
	if ((r = report_reply_with(c, 150)) != NULL && reply_size(r, v))
		return true;
	return prev != NULL && prev->id == FTP_VERB_SIZE && prev->has_arg &&
	    c->has_arg && prev->arg.len == c->arg.len &&
	    memcmp(prev->arg.p, c->arg.p, c->arg.len) == 0 &&
	    (r = report_reply_with(prev, 213)) != NULL && reply_size(r, v);
}

/*
 * "ftp://HOST/PATH" for a file command, into buf of ZEEK_URLMAX bytes;
 * host is the server's address as text, hlen bytes.  Built by hand: one
 * snprintf a file command was 2% of -F zeek's instructions.
 */
static const char *
file_url(const char *host, size_t hlen, bool v6, const struct fa_command *c,
    const char *cwd, char *buf)
{
	char path[ZEEK_PATHMAX];
	const uint8_t *a = c->has_arg ? c->arg.p : (const uint8_t *)"";
	size_t alen = c->has_arg ? c->arg.len : 0, n;

	if (memchr(a, '\0', alen) != NULL || !build_path(cwd, a, alen, path))
		return NULL;
	n = v6 ? 7 : 6;
	memcpy(buf, "ftp://[", n);
	memcpy(buf + n, host, hlen);
	n += hlen;
	if (v6)
		buf[n++] = ']';
	if (path[0] != '/')
		buf[n++] = '/';
	memcpy(buf + n, path, strlen(path) + 1);
	return buf;
}

void
zeek_session(struct zeek *z, const struct fa_session *s)
{
	char uid[18], cwd[ZEEK_PATHMAX] = ".", url[ZEEK_URLMAX];
	struct zrow row;
	const struct fa_command *c, *last_size = NULL;
	uint32_t i;

	if (!z->json && !z->header)
		tsv_header(z);
	zeek_uid(s, uid);
	memset(&row, 0, sizeof row);
	row.clientlen = fa_addr_fmt(&s->client.ip, row.client);
	row.serverlen = fa_addr_fmt(&s->server.ip, row.server);
	row.user = "<unknown>";
	row.userlen = strlen(row.user);
	for (i = 0; i < s->ncmds; i++) {
		c = &s->cmds[i];
		row.c = c;
		if (c->id == FTP_VERB_USER && c->has_arg) {
			row.user = (const char *)c->arg.p;
			row.userlen = c->arg.len > 128 ? 128 : c->arg.len;
		} else if (c->id == FTP_VERB_PASS && c->has_arg) {
			row.pass = c->arg.p;
			row.passlen = c->arg.len > 128 ? 128 : c->arg.len;
			row.has_pass = true;
		}
		if (logged(z, c)) {
			row.arg = file_cmd(c->id) ? file_url(row.server,
			    row.serverlen, s->server.ip.family == FA_AF_INET6,
			    c, cwd, url) : NULL;
			row.has_size = announced_size(s, i, c, last_size,
			    &row.size);
			data_channel(s, c, &row);
			if (z->json)
				json_row(z, s, uid, &row);
			else
				tsv_row(z, s, uid, &row);
		}
		follow_cwd(c, cwd);
		if (c->id == FTP_VERB_SIZE)
			last_size = c;
	}
	if (!z->json)
		rows_out(z, z->batch);
}

int
zeek_finish(struct zeek *z)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	rows_out(z, 0);
	if (!z->json) {
		if (!z->header)
			tsv_header(z);
		gmtime_r(&now, &tm);
		strftime(when, sizeof when, "%Y-%m-%d-%H-%M-%S", &tm);
		fprintf(z->out, "#close\t%s\n", when);
	}
	if (ferror(z->out))
		z->error = 1;
	return z->error ? -1 : 0;
}

void
zeek_free(struct zeek *z)
{
	if (z == NULL)
		return;
	jw_free(&z->jw);
	free(z);
}
