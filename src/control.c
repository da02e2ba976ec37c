/* SPDX-License-Identifier: ISC */
/* control.c: an FTP control connection: reassembly of both directions,
 * lines, commands and replies paired in order, and the session state they
 * drive (login, cwd, TLS, negotiations). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine_int.h"
#include "session_int.h"

/* What a password or account becomes unless --show-passwords. */
static const uint8_t hidden[] = "<hidden>";

#define REPLY_TEXT_MAX	(64 * 1024)	/* multi-line reply text kept */
#define RTEXT_FIRST	128

struct ctl_cb {
	struct fa_engine *eng;
	struct ctl	*ctl;
	int		 role;
};

/*
 * A new session's pool starts as large as ended sessions needed, on
 * average: most then fit in their first chunk, one malloc where there
 * were three.  It starts small while none has ended, and when the
 * sessions open at once would hold more than POOL_HINT_BUDGET that way:
 * a capture whose long first sessions made the guess large must not make
 * a flood of open sessions each cost 8 KiB (hostile.sh, "primed").
 */
#define POOL_HINT_BUDGET	(16u << 20)

static uint32_t
pool_hint(const struct fa_engine *e)
{
	uint32_t hint = e->pool_avg + e->pool_avg / 4;

	if ((uint64_t)(e->open_sessions + 1) * hint > POOL_HINT_BUDGET)
		return 0;
	return hint;
}

static void
pool_learn(struct fa_engine *e, const struct fa_session *s)
{
	size_t used = session_pool_used(s);

	if (used > UINT32_MAX / 2)
		used = UINT32_MAX / 2;
	e->pool_avg = (uint32_t)(((uint64_t)e->pool_avg * 15 + used) / 16);
}

/* The SYNs' sequence numbers: a NAT keeps them, and nat.c pairs the two
 * sides of a translation by them.  The first one counts. */
static void
note_isn(struct fa_session *s, int role, uint32_t seq, uint64_t ts)
{
	if (s->has_isn[role])
		return;
	s->has_isn[role] = true;
	s->isn[role] = seq;
	if (role == TO_CLIENT)
		s->synack_us = ts;
}

struct ctl *
ctl_new(struct fa_engine *e, struct conn *c, int server_side, uint64_t id)
{
	struct ctl *x;
	int i;

	if ((x = calloc(1, sizeof *x)) == NULL)
		return NULL;
	if ((x->sess = session_new(id, pool_hint(e))) == NULL)
		goto fail;
	/* Line buffers and the pending ring come with the first bytes: a
	 * SYN flood must not cost kilobytes per connection. */
	for (i = 0; i < 2; i++)
		reasm_init(&x->rs[i], e->cfg.reasm_stream_cap, &e->budget);
	x->server_side = server_side;
	x->decoding = true;
	x->confirmed = true;
	conn_endpoint(c, server_side, &x->sess->server);
	conn_endpoint(c, !server_side, &x->sess->client);
	x->sess->start_us = c->first_us;
	/* A SYN the connection table saw before the session existed. */
	if (c->syn[!server_side])
		note_isn(x->sess, TO_SERVER, c->isn[!server_side], c->first_us);
	if (c->syn[server_side])
		note_isn(x->sess, TO_CLIENT, c->isn[server_side], c->last_us);
	return x;
fail:
	ctl_free(x);
	return NULL;
}

static struct pending *
pending_at(struct ctl *x, uint32_t i)
{
	struct pending *v = x->pend.p;

	return &v[(x->pend_head + i) % x->pend_cap];
}

static void
pending_clear(struct ctl *x)
{
	while (x->npend > 0) {
		free(pending_at(x, 0)->target);
		pending_at(x, 0)->target = NULL;
		x->pend_head = (x->pend_head + 1) % x->pend_cap;
		x->npend--;
	}
}

void
ctl_free(struct ctl *x)
{
	int i;

	if (x == NULL)
		return;
	if (x->pend.p != NULL)
		pending_clear(x);
	fa_buf_free(&x->pend);
	for (i = 0; i < 2; i++) {
		reasm_free(&x->rs[i]);
		ftp_linebuf_free(&x->lb[i]);
	}
	fa_buf_free(&x->rtext);
	if (x->sess != NULL) {
		expect_drop_session(x->sess);	/* they borrow it */
		fa_session_unref(x->sess);
	}
	free(x);
}

/* Anonymous logins keep the address they gave, as Zeek's guest rule. */
static bool
is_guest(const struct fa_session *s)
{
	if (!s->has_user)
		return false;
	return (s->user.len == 9 && strncasecmp((char *)s->user.p, "anonymous", 9) == 0) ||
	    (s->user.len == 3 && strncasecmp((char *)s->user.p, "ftp", 3) == 0);
}

static struct fa_command *
cmd_at(struct fa_session *s, int32_t i)
{
	return i >= 0 && (uint32_t)i < s->ncmds ? &s->cmds[i] : NULL;
}

static int32_t
cmd_record(struct fa_engine *e, struct ctl *x, const struct ftp_cmd *fc,
    const struct ftp_line *ln)
{
	struct fa_session *s = x->sess;
	struct fa_command *c;

	if (s->ncmds >= e->cfg.max_cmds ||
	    session_grow(s, (void **)&s->cmds, s->ncmds, &s->cmds_cap,
	    sizeof *s->cmds, 4) == -1) {
		s->cmds_dropped++;
		e->st.cmds_dropped++;
		return -1;
	}
	c = &s->cmds[s->ncmds];
	memset(c, 0, sizeof *c);
	c->ts_us = ln->ts_us;
	memcpy(c->verb, fc->verb, sizeof c->verb);
	c->id = fc->id;
	c->end_seq = ln->end_seq;
	c->line_split = ln->split;
	c->line_bare_lf = ln->bare_lf;
	if ((fc->verb_cut || strlen(fc->verb) != fc->verb_len) &&
	    session_bytes(s, &c->verb_long, fc->verb_raw, fc->verb_len) == 0) {
		size_t i;

		for (i = 0; i < c->verb_long.len; i++)
			if (c->verb_long.p[i] >= 'a' && c->verb_long.p[i] <= 'z')
				c->verb_long.p[i] -= 'a' - 'A';
	}
	if (fc->arg != NULL) {
		c->has_arg = true;
		if ((ftp_verb_flags(fc->id) & FTP_VF_SECRET) &&
		    !e->cfg.show_passwords &&
		    !(fc->id == FTP_VERB_PASS && is_guest(s)))
			session_bytes(s, &c->arg, hidden, sizeof hidden - 1);
		else
			session_bytes(s, &c->arg, fc->arg, fc->arg_len);
	}
	return (int32_t)s->ncmds++;
}

/*
 * Double the full ring up to MAX_PENDING; -1 when at the cap.  The first
 * ring is the pool's, the ones after it ours.  The entries before the
 * head move past the old end, so the ring runs on from the head.
 */
static int
pending_grow(struct ctl *x)
{
	uint32_t ncap = x->pend_cap ? x->pend_cap * 2 : 2;
	struct pending *n;

	if (ncap > MAX_PENDING)
		return -1;
	if (x->pend_cap == 0) {
		if ((n = session_alloc(x->sess, ncap * sizeof *n)) == NULL)
			return -1;
		fa_buf_borrow(&x->pend, n, ncap * sizeof *n);
	} else {
		if (fa_buf_resize(&x->pend, ncap * sizeof *n,
		    x->pend_cap * sizeof *n) == -1)
			return -1;
		n = x->pend.p;
		memcpy(&n[x->pend_cap], n, x->pend_head * sizeof *n);
	}
	x->pend_cap = ncap;
	return 0;
}

static struct pending *
pending_push(struct ctl *x)
{
	struct pending *p;

	if (x->npend == x->pend_cap && pending_grow(x) == -1) {
		/* Hostile pipelining: forget the oldest rather than grow. */
		free(pending_at(x, 0)->target);
		x->pend_head = (x->pend_head + 1) % x->pend_cap;
		x->npend--;
	}
	p = pending_at(x, x->npend);
	memset(p, 0, sizeof *p);
	x->npend++;
	return p;
}

/* Remove entry i (0 = oldest) of the pending ring. */
static void
pending_remove(struct ctl *x, uint32_t i)
{
	uint32_t j;

	free(pending_at(x, i)->target);
	for (j = i; j > 0; j--)
		*pending_at(x, j) = *pending_at(x, j - 1);
	x->pend_head = (x->pend_head + 1) % x->pend_cap;
	x->npend--;
}

static void
set_bytes(struct fa_session *s, struct fa_bytes *b, bool *has,
    const uint8_t *p, size_t len)
{
	if (session_set(s, b, p, len) == 0)
		*has = true;
}

static void
neg_anomaly(struct fa_engine *e, struct fa_session *s, uint64_t ts,
    const char *what, enum ftp_neg_status st, const uint8_t *p, size_t len)
{
	char *raw = fa_escape(p, len, 200);

	engine_anomaly(e, s, ts, "malformed_negotiation", "%s: %s: %s", what,
	    ftp_neg_strerror(st), raw ? raw : "");
	free(raw);
}

/* PORT, EPRT, LPRT: the client announces where the server shall connect. */
static void
cmd_active(struct fa_engine *e, struct ctl *x, const struct ftp_cmd *fc,
    const struct ftp_line *ln, struct pending *p)
{
	struct fa_session *s = x->sess;
	struct ftp_hostport hp;
	enum ftp_neg_status st;
	enum fa_neg neg;
	struct fa_endpoint ep;
	uint32_t flags = 0;
	char a1[FA_ADDRSTRLEN], a2[FA_ADDRSTRLEN];

	switch (fc->id) {
	case FTP_VERB_PORT:
		neg = FA_NEG_PORT;
		st = ftp_parse_port(fc->arg, fc->arg_len, &hp);
		break;
	case FTP_VERB_EPRT:
		neg = FA_NEG_EPRT;
		st = ftp_parse_eprt(fc->arg, fc->arg_len, &hp);
		break;
	default:
		neg = FA_NEG_LPRT;
		st = ftp_parse_lprt(fc->arg, fc->arg_len, &hp);
		break;
	}
	if (fc->arg == NULL)
		st = FTP_NEG_SYNTAX;
	if (st != FTP_NEG_OK) {
		neg_anomaly(e, s, ln->ts_us, fc->verb, st, fc->arg, fc->arg_len);
		return;
	}
	ep.ip = hp.addr;
	ep.port = hp.port;
	if (hp.addr.family != s->client.ip.family)
		flags |= FA_HELPER_FAMILY;
	else if (!fa_addr_eq(&hp.addr, &s->client.ip))
		flags |= FA_HELPER_ADDR;
	if (ln->split)
		flags |= FA_HELPER_SPLIT;
	if (ln->bare_lf)
		flags |= FA_HELPER_BARE_LF;
	if (hp.addr.family == s->client.ip.family &&
	    !fa_addr_eq(&hp.addr, &s->client.ip) &&
	    !fa_addr_is_unspecified(&hp.addr)) {
		/* Same family, other host: a bounce, unless a NAT rewrote it;
		 * the data connection will tell (nat_mismatch). */
		if (!fa_addr_is_private(&hp.addr) || hp.port < 1024)
			engine_anomaly(e, s, ln->ts_us, "ftp_bounce",
			    "%s names %s port %u, client is %s", fc->verb,
			    fa_addr_str(&hp.addr, a1), hp.port,
			    fa_addr_str(&s->client.ip, a2));
	}
	if (hp.port < 1024)
		engine_anomaly(e, s, ln->ts_us, "privileged_port",
		    "%s announces port %u", fc->verb, hp.port);
	p->xfer = xfer_new(e, s, FA_MODE_ACTIVE, neg, &ep, ln->ts_us, flags);
}

static enum fa_dir
transfer_dir(enum ftp_verb v)
{
	switch (v) {
	case FTP_VERB_RETR:
		return FA_DIR_DOWNLOAD;
	case FTP_VERB_STOR:
	case FTP_VERB_STOU:
	case FTP_VERB_APPE:
		return FA_DIR_UPLOAD;
	default:
		return FA_DIR_LISTING;
	}
}

/* Bind a data command to the newest negotiation no command has used. */
static void
cmd_transfer(struct fa_engine *e, struct ctl *x, const struct ftp_cmd *fc,
    int32_t ci, struct pending *p)
{
	struct fa_session *s = x->sess;
	struct fa_transfer *t;
	uint32_t i;

	(void)e;
	for (i = s->nxfers; i > 0; i--) {
		t = &s->xfers[i - 1];
		if (t->command != NULL || t->status != FA_XS_PENDING)
			continue;
		t->command = ftp_verb_name(fc->id);
		t->dir = transfer_dir(fc->id);
		t->cmd_index = ci;
		if (fc->arg != NULL) {
			session_bytes(s, &t->arg, fc->arg, fc->arg_len);
			/* Listing options such as "-la" are not paths. */
			if (!(t->dir == FA_DIR_LISTING && fc->arg[0] == '-'))
				t->path = session_path(s, s->cwd, fc->arg,
				    fc->arg_len);
		} else if (t->dir == FA_DIR_LISTING && s->cwd != NULL)
			t->path = session_path(s, s->cwd, NULL, 0);
		t->binary = s->type[0] == 'I' || s->type[0] == 'i' ||
		    s->type[0] == 'L' || s->type[0] == 'l';
		t->restarted = x->rest;
		/* SIZE announces a download's size, not an upload's: before
		 * STOR it asks what is there already, and the upload
		 * changes it. */
		if (x->size_path != NULL && t->path != NULL &&
		    strcmp(x->size_path, t->path) == 0) {
			if (t->dir == FA_DIR_DOWNLOAD) {
				t->has_size = true;
				t->size = x->size_val;
			} else
				x->size_path = NULL;
		}
		p->xfer = (int32_t)(i - 1);
		return;
	}
}

/* Where a CWD or CDUP leads, once the server agrees.  Past FA_PATH_MAX
 * the working directory becomes unknown (said once a session). */
static void
cwd_target(struct fa_engine *e, struct ctl *x, struct pending *p,
    const uint8_t *arg, size_t len, uint64_t ts)
{
	errno = 0;	/* an empty argument with no cwd gives NULL alone */
	if ((p->target = path_resolve(x->sess->cwd, arg, len)) != NULL ||
	    errno != ENAMETOOLONG)
		return;
	p->target_lost = true;
	if (x->path_said)
		return;
	x->path_said = true;
	engine_anomaly(e, x->sess, ts, "path_too_long",
	    "working directory deeper than %d bytes: no longer known", FA_PATH_MAX);
}

static void
cmd_password(struct fa_engine *e, struct fa_session *s, const struct ftp_cmd *fc)
{

	if (fc->arg == NULL)
		set_bytes(s, &s->password, &s->has_password,
		    (const uint8_t *)"", 0);
	else if (e->cfg.show_passwords || is_guest(s))
		set_bytes(s, &s->password, &s->has_password, fc->arg,
		    fc->arg_len);
	else
		set_bytes(s, &s->password, &s->has_password, hidden,
		    sizeof hidden - 1);
}

static void
cmd_account(struct fa_engine *e, struct fa_session *s, const struct ftp_cmd *fc)
{

	if (e->cfg.show_passwords)
		set_bytes(s, &s->account, &s->has_account, fc->arg, fc->arg_len);
	else
		set_bytes(s, &s->account, &s->has_account, hidden,
		    sizeof hidden - 1);
}

/* REST to anything but offset 0 (clients send "REST 0" to probe). */
static bool
rest_offset(const struct ftp_cmd *fc)
{
	size_t i;

	for (i = 0; fc->arg != NULL && i < fc->arg_len; i++)
		if (fc->arg[i] != '0' && fc->arg[i] != ' ')
			return true;
	return false;
}

static void
cmd_effects(struct fa_engine *e, struct ctl *x, const struct ftp_cmd *fc,
    const struct ftp_line *ln, int32_t ci, struct pending *p)
{
	struct fa_session *s = x->sess;

	switch (fc->id) {
	case FTP_VERB_USER:
		if (fc->arg != NULL)
			set_bytes(s, &s->user, &s->has_user, fc->arg,
			    fc->arg_len);
		break;
	case FTP_VERB_PASS:
		cmd_password(e, s, fc);
		break;
	case FTP_VERB_ACCT:
		if (fc->arg != NULL)
			cmd_account(e, s, fc);
		break;
	case FTP_VERB_PORT:
	case FTP_VERB_EPRT:
	case FTP_VERB_LPRT:
		cmd_active(e, x, fc, ln, p);
		break;
	case FTP_VERB_EPSV:
		if (fc->arg != NULL && fc->arg_len == 3 &&
		    strncasecmp((const char *)fc->arg, "ALL", 3) == 0)
			s->epsv_all = true;
		break;
	case FTP_VERB_CWD:
	case FTP_VERB_XCWD:
		if (fc->arg != NULL)
			cwd_target(e, x, p, fc->arg, fc->arg_len, ln->ts_us);
		break;
	case FTP_VERB_CDUP:
	case FTP_VERB_XCUP:
		cwd_target(e, x, p, (const uint8_t *)"..", 2, ln->ts_us);
		break;
	case FTP_VERB_ABOR:
		x->abor_pending = true;
		break;
	case FTP_VERB_REST:
		x->rest = rest_offset(fc);
		break;
	case FTP_VERB_DELE:
	case FTP_VERB_RNFR:
	case FTP_VERB_RNTO:
		x->size_path = NULL;	/* the file SIZE measured may be gone */
		break;
	default:
		if (ftp_verb_flags(fc->id) & FTP_VF_TRANSFER) {
			cmd_transfer(e, x, fc, ci, p);
			x->rest = false;
		}
		break;
	}
}

/* After a gap the first line may be the tail of a lost one: keep it only
 * when it looks whole. */
static bool
plausible_after_gap(const struct ftp_cmd *fc)
{
	return fc->id != FTP_VERB_NONE;
}

static void
on_command(struct fa_engine *e, struct ctl *x, const struct ftp_line *ln)
{
	struct fa_session *s = x->sess;
	struct ftp_cmd fc;
	struct pending *p;
	int32_t ci;

	if (ftp_parse_command(ln->data, ln->len, &fc) == -1)
		return;
	if (x->after_gap[TO_SERVER]) {
		x->after_gap[TO_SERVER] = false;
		if (!plausible_after_gap(&fc))
			return;
	}
	if (!x->confirmed) {
		/* SMTP greets with 220 too, but its client says EHLO/HELO. */
		if (fc.id == FTP_VERB_NONE) {
			x->decoding = false;
			return;
		}
		x->confirmed = true;
		engine_confirm(e, x);
	}
	ci = cmd_record(e, x, &fc, ln);
	p = pending_push(x);
	p->cmd = ci;
	p->end_seq = ln->end_seq;
	p->xfer = -1;
	p->ts_us = ln->ts_us;
	p->verb = fc.id;
	cmd_effects(e, x, &fc, ln, ci, p);
	if (ci >= 0)
		SINKS(e, command, s, &s->cmds[ci]);
}

/*
 * Which pending command does a reply sent with this ack answer?  Only one
 * whose line the server had received: end_seq <= ack.  Normally the oldest
 * such; but when server bytes were lost since the last reply, the replies
 * to older commands may be among them, so take the newest (a client that
 * waits for each reply cannot have more than one outstanding).
 */
static int
pending_match(struct ctl *x, uint32_t ack, bool ack_valid, bool lost_replies)
{
	uint32_t i;
	int found = -1;

	for (i = 0; i < x->npend; i++) {
		if (ack_valid && !seq_leq(pending_at(x, i)->end_seq, ack))
			break;
		found = (int)i;
		if (!lost_replies)
			break;
	}
	return found;
}

/* The reply acknowledges client bytes that never reached the parser. */
static bool
unseen_command(const struct ctl *x, uint32_t ack, bool ack_valid)
{
	const struct reasm *r = &x->rs[TO_SERVER];

	return ack_valid && r->synced && seq_lt(r->next_seq, ack);
}

/* Store r, with a copy of its text, in the session's pool. */
static bool
add_reply(struct fa_engine *e, struct fa_session *s, struct fa_reply **arr,
    uint32_t *n, uint32_t *cap, const struct fa_reply *r)
{
	struct fa_reply *stored;

	if (*n >= e->cfg.max_replies ||
	    session_grow(s, (void **)arr, *n, cap, sizeof **arr, 2) == -1)
		return false;
	stored = &(*arr)[*n];
	*stored = *r;
	if (session_bytes(s, &stored->text, r->text.p, r->text.len) == -1)
		return false;
	(*n)++;
	return true;
}

/* The quoted path of a 257 reply, with "" meaning one quote (RFC 959). */
static char *
parse_257(const uint8_t *t, size_t len)
{
	size_t i = 0, n = 0;
	char *out;

	while (i < len && t[i] != '"')
		i++;
	if (i++ == len || (out = malloc(len + 1)) == NULL)
		return NULL;
	for (; i < len; i++) {
		if (t[i] == '"') {
			if (i + 1 < len && t[i + 1] == '"') {
				out[n++] = '"';
				i++;
				continue;
			}
			out[n] = '\0';
			return out;
		}
		out[n++] = (char)t[i];
	}
	free(out);
	return NULL;
}

static void
set_cwd(struct fa_session *s, char *path)
{
	if (path == NULL)
		return;
	free(s->cwd);
	s->cwd = path;
}

/* 227, 228, 229: the server announces where the client shall connect,
 * answering verb (the one a lost command most likely was, when none). */
static void
reply_passive(struct fa_engine *e, struct ctl *x, const struct fa_reply *r,
    enum ftp_verb verb)
{
	struct fa_session *s = x->sess;
	struct ftp_hostport hp;
	enum ftp_neg_status st;
	enum fa_neg neg;
	struct fa_endpoint ep;
	uint32_t flags = 0;
	char a1[FA_ADDRSTRLEN], a2[FA_ADDRSTRLEN];

	if (r->code == 227) {
		neg = verb == FTP_VERB_EPSV ? FA_NEG_EPSV : FA_NEG_PASV;
		st = ftp_parse_227(r->text.p, r->text.len, &hp);
	} else if (r->code == 228) {
		neg = FA_NEG_LPSV;
		st = ftp_parse_228(r->text.p, r->text.len, &hp);
	} else {
		neg = verb == FTP_VERB_PASV ? FA_NEG_PASV : FA_NEG_EPSV;
		st = ftp_parse_229(r->text.p, r->text.len, &hp);
	}
	if (st != FTP_NEG_OK) {
		neg_anomaly(e, s, r->ts_us, r->code == 227 ? "227" :
		    r->code == 228 ? "228" : "229", st, r->text.p, r->text.len);
		return;
	}
	/* A 229 names only a port: announced stays without an address, and
	 * the expectation takes the control connection's server address. */
	ep.ip = hp.addr;
	ep.port = hp.port;
	if (hp.addr.family != FA_AF_NONE && !fa_addr_eq(&hp.addr, &s->server.ip)) {
		flags |= FA_HELPER_ADDR;
		if (fa_addr_is_private(&hp.addr) &&
		    !fa_addr_is_private(&s->server.ip))
			engine_anomaly(e, s, r->ts_us, "pasv_private_address",
			    "%d announces %s, server is %s", r->code,
			    fa_addr_str(&hp.addr, a1),
			    fa_addr_str(&s->server.ip, a2));
	}
	if (x->rsplit)
		flags |= FA_HELPER_SPLIT;
	if (x->rbare_lf)
		flags |= FA_HELPER_BARE_LF;
	xfer_new(e, s, FA_MODE_PASSIVE, neg, &ep, r->ts_us, flags);
}

static void
data_reply(struct fa_engine *e, struct ctl *x, struct pending *p,
    const struct fa_reply *r)
{
	struct fa_session *s = x->sess;
	struct fa_transfer *t;

	if (p->xfer < 0 || (uint32_t)p->xfer >= s->nxfers)
		return;
	t = &s->xfers[p->xfer];
	t->reply_code = r->code;
	if (r->code == 226 || r->code == 250)
		t->status = FA_XS_COMPLETE;
	else if (x->abor_pending || r->code == 426)
		t->status = x->abor_pending ? FA_XS_ABORTED : FA_XS_FAILED;
	else
		t->status = FA_XS_FAILED;
	if (t->handshake == FA_HS_NO_ANSWER)
		t->status = FA_XS_FAILED;
	engine_transfer_end(e, s, t);
}

static void
reply_login(struct fa_engine *e, struct fa_session *s, const struct fa_reply *r)
{
	if (r->code == 230 || r->code == 232)
		s->login = FA_LOGIN_SUCCESS;
	else if (r->code == 530) {
		s->login_failures++;
		if (s->login != FA_LOGIN_SUCCESS)
			s->login = FA_LOGIN_FAILED;
		engine_login_failed(e, s, r->ts_us);
	}
}

/* CWD, CDUP and their X forms, once the server agrees. */
static void
reply_cwd(struct fa_session *s, struct pending *p, int code)
{
	if ((code != 250 && code != 200) ||
	    (p->target == NULL && !p->target_lost))
		return;
	if (p->target_lost) {
		free(s->cwd);
		s->cwd = NULL;
	} else
		set_cwd(s, p->target);
	p->target = NULL;
}

static void
reply_type(struct fa_session *s, const struct pending *p)
{
	struct fa_command *cmd = cmd_at(s, p->cmd);
	size_t n;

	if (cmd == NULL || !cmd->has_arg)
		return;
	n = cmd->arg.len < sizeof s->type - 1 ? cmd->arg.len :
	    sizeof s->type - 1;
	memcpy(s->type, cmd->arg.p, n);
	s->type[n] = '\0';
}

/* A 213 to SIZE: the size of that path for the RETRs after it. */
static void
reply_size(struct ctl *x, const struct pending *p, const struct fa_reply *r)
{
	struct fa_session *s = x->sess;
	struct fa_command *cmd = cmd_at(s, p->cmd);
	uint64_t v;

	if (cmd == NULL || !cmd->has_arg || cmd->arg.len == 0 ||
	    !ftp_parse_size_213(r->text.p, r->text.len, &v))
		return;
	if ((x->size_path = session_path(s, s->cwd, cmd->arg.p,
	    cmd->arg.len)) != NULL)
		x->size_val = v;
}

/* A 1xx to a data command: the size it announces, which is this
 * transfer's own, so it wins over a SIZE asked before. */
static void
prelim_effects(struct ctl *x, const struct pending *p, const struct fa_reply *r)
{
	struct fa_transfer *t;
	uint64_t v;

	if (p->xfer < 0 || (uint32_t)p->xfer >= x->sess->nxfers ||
	    !ftp_parse_size_150(r->text.p, r->text.len, &v))
		return;
	t = &x->sess->xfers[p->xfer];
	t->has_size = true;
	t->size = v;
}

static void
reply_effects(struct fa_engine *e, struct ctl *x, struct pending *p,
    const struct fa_reply *r)
{
	struct fa_session *s = x->sess;
	int c = r->code;

	if (c == 227 || c == 228 || c == 229) {
		reply_passive(e, x, r, p->verb);
		return;
	}
	switch (p->verb) {
	case FTP_VERB_USER:
	case FTP_VERB_PASS:
	case FTP_VERB_ACCT:
		reply_login(e, s, r);
		break;
	case FTP_VERB_PWD:
	case FTP_VERB_XPWD:
		if (c == 257)
			set_cwd(s, parse_257(r->text.p, r->text.len));
		break;
	case FTP_VERB_CWD:
	case FTP_VERB_XCWD:
	case FTP_VERB_CDUP:
	case FTP_VERB_XCUP:
		reply_cwd(s, p, c);
		break;
	case FTP_VERB_TYPE:
		if (c == 200)
			reply_type(s, p);
		break;
	case FTP_VERB_AUTH:
		if (c == 234) {
			engine_tls_open(e, x);	/* no-op if already listed */
			s->tls = true;
			x->decoding = false;
		}
		break;
	case FTP_VERB_QUIT:
		if (c == 221)
			s->quit_acked = true;
		break;
	case FTP_VERB_REIN:
		if (c == 220)
			s->login = FA_LOGIN_NONE;
		break;
	case FTP_VERB_PORT:
	case FTP_VERB_EPRT:
	case FTP_VERB_LPRT:
		if (c >= 400 && p->xfer >= 0) {
			/* Refused: nothing will connect. */
			s->xfers[p->xfer].status = FA_XS_FAILED;
			s->xfers[p->xfer].reply_code = c;
		}
		break;
	case FTP_VERB_ABOR:
		x->abor_pending = false;
		break;
	case FTP_VERB_SIZE:
		if (c == 213)
			reply_size(x, p, r);
		break;
	default:
		if (ftp_verb_flags(p->verb) & FTP_VF_TRANSFER)
			data_reply(e, x, p, r);
		break;
	}
}

/* A whole reply: pair it, act on it, record it. */
static void
on_reply(struct fa_engine *e, struct ctl *x, int code, uint64_t ts,
    uint32_t ack, bool ack_valid)
{
	struct fa_session *s = x->sess;
	struct fa_reply r, *stored = NULL;
	struct fa_command *cmd = NULL;
	struct pending *p = NULL;
	bool lost = x->server_gaps != x->gaps_at_last_reply;
	bool final;
	int i;

	x->gaps_at_last_reply = x->server_gaps;
	r.ts_us = ts;
	r.code = code;
	r.text.p = x->rtext.p;	/* borrowed: add_reply keeps a copy */
	r.text.len = x->rtext_len;

	if (lost && unseen_command(x, ack, ack_valid)) {
		/* Server bytes were lost and the server had received client
		 * bytes the capture never saw: this answers a lost command,
		 * and the commands before it lost their replies. */
		while (x->npend > 0 &&
		    seq_leq(pending_at(x, 0)->end_seq, ack))
			pending_remove(x, 0);
	} else if ((i = pending_match(x, ack, ack_valid, lost)) >= 0) {
		/* Commands older than the one answered lost their replies. */
		while (i-- > 0)
			pending_remove(x, 0);
		p = pending_at(x, 0);
		cmd = cmd_at(s, p->cmd);
	}
	/* A line without a code (code 0) is final unless a preliminary
	 * reply came first: then the final one is still to come. */
	final = code >= 200 || (code == 0 && (cmd == NULL || cmd->nreplies == 0));
	if (p != NULL && code >= 200) {
		if (cmd != NULL)
			cmd->reply_code = code;
		reply_effects(e, x, p, &r);
	} else if (p != NULL && code >= 100)
		prelim_effects(x, p, &r);
	else if (p == NULL && code >= 227 && code <= 229) {
		/* Its PASV/EPSV was lost; the port it opens is still real. */
		reply_passive(e, x, &r, code == 229 ? FTP_VERB_EPSV :
		    FTP_VERB_PASV);
	}
	if (p == NULL && code == 220 && !s->has_banner && s->ncmds == 0)
		set_bytes(s, &s->banner, &s->has_banner, r.text.p, r.text.len);
	if (cmd != NULL) {
		if (add_reply(e, s, &cmd->replies, &cmd->nreplies,
		    &cmd->replies_cap, &r))
			stored = &cmd->replies[cmd->nreplies - 1];
		else
			cmd->replies_dropped++;
	} else if (p == NULL) {
		if (add_reply(e, s, &s->unsolicited, &s->nunsolicited,
		    &s->unsolicited_cap, &r))
			stored = &s->unsolicited[s->nunsolicited - 1];
	}
	if (stored != NULL)
		SINKS(e, reply, s, cmd, stored);
	if (p != NULL && final)
		pending_remove(x, 0);
}

/* Add to the reply being assembled, up to REPLY_TEXT_MAX.  Its buffer is
 * kept from one reply to the next: the stored reply has its own copy. */
static void
rtext_add(struct ctl *x, const uint8_t *p, size_t len)
{
	size_t size;
	uint8_t *n;

	if (len > REPLY_TEXT_MAX - x->rtext_len)
		len = REPLY_TEXT_MAX - x->rtext_len;
	if (x->rtext_len + len + 1 > x->rtext.size) {
		for (size = x->rtext.size ? x->rtext.size : RTEXT_FIRST;
		    size < x->rtext_len + len + 1; size *= 2)
			;
		/* The first buffer is the pool's; the ones after it ours.
		 * When memory runs out the text stays as it was. */
		if (x->rtext.size == 0) {
			if ((n = session_alloc(x->sess, size)) == NULL)
				return;
			fa_buf_borrow(&x->rtext, n, size);
		} else if (fa_buf_resize(&x->rtext, size, x->rtext_len) == -1)
			return;
	}
	n = x->rtext.p;
	if (len)
		memcpy(n + x->rtext_len, p, len);
	x->rtext_len += len;
	n[x->rtext_len] = '\0';
}

static void
reply_begin(struct ctl *x, const struct ftp_line *ln, int code,
    const uint8_t *text, size_t len)
{
	x->rtext_len = 0;
	rtext_add(x, text, len);
	x->rcode = code;
	x->rts = ln->ts_us;
	x->rack = ln->ack;
	x->rack_valid = true;
	x->rsplit = ln->split;
	x->rbare_lf = ln->bare_lf;
}

static void
on_reply_line(struct fa_engine *e, struct ctl *x, const struct ftp_line *ln)
{
	struct ftp_reply_line rl;
	enum ftp_reply_event ev;
	char *raw;

	if (x->after_gap[TO_CLIENT]) {
		x->after_gap[TO_CLIENT] = false;
		x->ra.code = 0;		/* a multi-line reply may have been cut */
		ftp_parse_reply_line(ln->data, ln->len, &rl);
		if (rl.sep == FTP_REPLY_NOCODE)
			return;
	}
	ev = ftp_reply_asm_line(&x->ra, ln->data, ln->len, &rl);
	if (!x->confirmed && x->sess->ncmds == 0 && x->sess->nunsolicited == 0 &&
	    ev != FTP_REPLY_EV_BEGIN && !(ev == FTP_REPLY_EV_SINGLE && rl.code == 220)) {
		x->decoding = false;	/* detected port: not an FTP greeting */
		return;
	}
	switch (ev) {
	case FTP_REPLY_EV_SINGLE:
		reply_begin(x, ln, rl.code, rl.text, rl.text_len);
		on_reply(e, x, rl.code, x->rts, x->rack, x->rack_valid);
		x->rcode = 0;
		break;
	case FTP_REPLY_EV_BEGIN:
		reply_begin(x, ln, rl.code, rl.text, rl.text_len);
		break;
	case FTP_REPLY_EV_CONT:
	case FTP_REPLY_EV_END:
		if (x->rcode == 0)
			break;
		rtext_add(x, (const uint8_t *)"\n", 1);
		/* "211-Features" style continuation lines lose their code,
		 * like the first and last lines; others are kept whole. */
		if (ev == FTP_REPLY_EV_END)
			rtext_add(x, rl.text, rl.text_len);
		else if (rl.sep == FTP_REPLY_MORE && rl.code == x->rcode &&
		    ln->len >= 4)
			rtext_add(x, ln->data + 4, ln->len - 4);
		else
			rtext_add(x, ln->data, ln->len);
		x->rsplit |= ln->split;
		x->rbare_lf |= ln->bare_lf;
		if (ev == FTP_REPLY_EV_END) {
			on_reply(e, x, x->rcode, x->rts,
			    x->rack, x->rack_valid);
			x->rcode = 0;
		}
		break;
	case FTP_REPLY_EV_JUNK:
		if (ln->len == 0)
			break;
		raw = fa_escape(ln->data, ln->len, 120);
		engine_anomaly(e, x->sess, ln->ts_us, "invalid_reply", "%s",
		    raw ? raw : "");
		free(raw);
		/*
		 * RFC 959 (4.2) has every reply start with its code, but a
		 * server that sends "99 PASV invalid" is still answering the
		 * command it read, and Zeek pairs such a line (code 0) with
		 * it too.  Left unpaired, every later reply would answer the
		 * command before its own.  With nothing pending (junk before
		 * the banner, or after the last answer) it stays a line.
		 */
		if (pending_match(x, ln->ack, true, false) >= 0) {
			reply_begin(x, ln, 0, rl.text, rl.text_len);
			on_reply(e, x, 0, x->rts, x->rack, x->rack_valid);
			x->rcode = 0;
		}
		break;
	}
}

static void
line_cb(void *arg, const struct ftp_line *ln)
{
	struct ctl_cb *cb = arg;
	struct ctl *x = cb->ctl;

	if (!x->decoding)
		return;
	if (ln->truncated) {
		x->sess->lines_cut++;
		cb->eng->st.lines_truncated++;
		engine_anomaly(cb->eng, x->sess, ln->ts_us, "line_too_long",
		    "%s line of %llu bytes cut to %zu",
		    cb->role == TO_SERVER ? "command" : "reply",
		    (unsigned long long)ln->full_len, ln->len);
	}
	if (cb->role == TO_SERVER)
		on_command(cb->eng, x, ln);
	else
		on_reply_line(cb->eng, x, ln);
}

/*
 * After AUTH TLS a client may drop back to cleartext (CCC, RFC 2228): a
 * chunk that starts with a whole, plausible FTP line and not a TLS record
 * (content types 20..23) means the stream is readable again.
 */
static bool
cleartext_again(int role, const uint8_t *p, size_t len)
{
	struct ftp_cmd fc;
	const uint8_t *lf;

	if (len < 4 || (p[0] >= 0x14 && p[0] <= 0x17) ||
	    (lf = memchr(p, '\n', len)) == NULL)
		return false;
	if (role == TO_CLIENT)
		return p[0] >= '1' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9' &&
		    p[2] >= '0' && p[2] <= '9' && (p[3] == ' ' || p[3] == '-');
	return ftp_parse_command(p, (size_t)(lf - p), &fc) == 0 &&
	    fc.id != FTP_VERB_NONE;
}

/* A direction's line buffer starts in the session's pool, which outlives
 * the ctl: a malloc and a free fewer for each direction of a session. */
static bool
lb_start(struct fa_engine *e, struct ctl *x, int role)
{
	uint8_t *buf;

	if ((buf = session_alloc(x->sess, FTP_LINE_FIRST)) == NULL)
		return false;
	ftp_linebuf_init_in(&x->lb[role], e->cfg.line_max, buf, FTP_LINE_FIRST);
	return true;
}

static void
reasm_event_cb(void *arg, const struct reasm_event *ev)
{
	struct ctl_cb *cb = arg;
	struct ctl *x = cb->ctl;
	struct fa_engine *e = cb->eng;

	switch (ev->type) {
	case REASM_DATA:
		x->sess->ctl_bytes[cb->role] += ev->len;
		if (!x->decoding && x->sess->tls && !x->sess->implicit_tls &&
		    cleartext_again(cb->role, ev->data, ev->len)) {
			x->decoding = true;
			ftp_linebuf_reset(&x->lb[0]);
			ftp_linebuf_reset(&x->lb[1]);
			engine_anomaly(e, x->sess, ev->ts_us, "tls_cleartext",
			    "control channel back in cleartext after TLS (CCC)");
		}
		if (!x->decoding)
			return;
		if (x->lb[cb->role].buf.p == NULL && !lb_start(e, x, cb->role))
			return;
		ftp_linebuf_feed(&x->lb[cb->role], ev->data, ev->len, ev->ts_us,
		    ev->ack, ev->seq, line_cb, cb);
		break;
	case REASM_GAP:
		x->sess->gaps++;
		e->st.reasm_gaps++;
		if (cb->role == TO_CLIENT)
			x->server_gaps++;
		ftp_linebuf_reset(&x->lb[cb->role]);
		x->after_gap[cb->role] = true;
		break;
	case REASM_CONFLICT:
		e->st.reasm_conflicts++;
		engine_anomaly(e, x->sess, ev->ts_us, "reassembly_conflict",
		    "%s stream: %u retransmitted bytes at seq %u differ from the first copy",
		    cb->role == TO_SERVER ? "client" : "server", ev->len, ev->seq);
		break;
	}
}

void
ctl_packet(struct fa_engine *e, struct conn *c, struct ctl *x, int role,
    const struct fa_pkt *pk, uint64_t ts)
{
	struct ctl_cb cb = { e, x, role };
	struct reasm *r = &x->rs[role];
	uint32_t before = r->retransmitted;

	(void)c;
	if (pk->flags & TCP_SYN) {
		reasm_syn(r, pk->seq);
		note_isn(x->sess, role, pk->seq, ts);
		return;
	}
	if ((pk->flags & TCP_ACK) && x->rs[!role].ooo != NULL) {
		struct ctl_cb peer = { e, x, !role };

		reasm_ack(&x->rs[!role], pk->ack, reasm_event_cb, &peer);
	}
	if (pk->caplen_payload == 0 && !(pk->flags & TCP_FIN))
		return;
	if (x->sess->implicit_tls) {
		x->sess->ctl_bytes[role] += pk->caplen_payload;
		return;
	}
	reasm_segment(r, pk->seq, pk->payload, pk->caplen_payload,
	    (pk->flags & TCP_FIN) != 0, ts, pk->ack, (pk->flags & TCP_ACK) != 0,
	    reasm_event_cb, &cb);
	e->st.retransmissions += r->retransmitted - before;
}

/* Flush what the streams still hold: buffered segments, a partial line,
 * a reply whose last line never came. */
static void
ctl_flush(struct fa_engine *e, struct ctl *x)
{
	struct ctl_cb cb = { e, x, 0 };
	int role;

	for (role = 0; role < 2; role++) {
		cb.role = role;
		reasm_flush(&x->rs[role], reasm_event_cb, &cb);
		if (x->decoding)
			ftp_linebuf_flush(&x->lb[role], e->now_us, 0,
			    x->rs[role].next_seq, line_cb, &cb);
	}
	if (x->rcode != 0 && x->decoding) {
		on_reply(e, x, x->rcode, x->rts, x->rack, x->rack_valid);
		x->rcode = 0;
	}
}

void
ctl_end(struct fa_engine *e, struct ctl *x, enum fa_end_reason why, uint64_t ts)
{
	struct fa_session *s = x->sess;

	if (s->ended)
		return;
	ctl_flush(e, x);
	if (why == FA_END_FIN && s->quit_acked)
		why = FA_END_QUIT;
	s->end_reason = why;
	s->end_us = ts;
	s->ended = true;
	pool_learn(e, s);
	engine_tls_close(e, x);
	pending_clear(x);
	xfer_finish(e, s);
	expect_drop_session(s);
	if (x->confirmed) {
		e->open_sessions--;
		SINKS(e, session_end, s);
	} else {
		e->open_sessions--;
	}
}
