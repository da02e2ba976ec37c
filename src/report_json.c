/* report_json.c: sessions as JSON objects (schema version 1), the analyze
 * document and its NDJSON form. */
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/jw.h"
#include "ftpaudit/spool.h"
#include "ftpaudit/nat.h"
#include "report_int.h"

#define SCHEMA_VERSION	1
#define MAX_UNATTRIBUTED	10000

/*
 * JSON and text list the sessions by id after totals known only at the
 * end: each session is rendered as it ends into a spool (spool.c) and the
 * document is put together at report_finish.  NDJSON lines go out as
 * sessions end.
 */
struct report {
	enum report_format fmt;
	FILE		*out;		/* borrowed */
	struct spool	*spool;		/* owned (json, text) */
	struct fa_unattributed *un;	/* owned */
	size_t		 nun, uncap;
	uint64_t	 un_dropped;
	report_extend_fn extend;
	void		*extend_arg;
	report_tail_fn	 tail;		/* text: a second section per session */
	void		*tail_arg;
	char		*tail_title;	/* owned */
	/* NDJSON: the line buffer.  JSON: a session's text, inside the
	 * "sessions" array of a document, so that it is indented as there. */
	struct jw	 jw;
	int		 error;
};

static void
bytes_or_null(struct jw *w, const char *key, bool has, const struct fa_bytes *b)
{
	jw_key(w, key);
	if (has)
		jw_wire(w, b->p, b->len);
	else
		jw_null(w);
}

static void
cstr_or_null(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	if (s != NULL)
		jw_wire(w, (const uint8_t *)s, strlen(s));
	else
		jw_null(w);
}

static void
endpoint(struct jw *w, const char *key, const struct fa_endpoint *ep)
{
	jw_key(w, key);
	jw_endpoint(w, ep, true);
}

static void
reply(struct jw *w, const struct fa_reply *r)
{
	jw_obj(w);
	jw_key(w, "ts"); jw_ts(w, r->ts_us);
	jw_key(w, "code"); jw_int(w, r->code);
	jw_key(w, "text"); jw_wire(w, r->text.p, r->text.len);
	jw_end_obj(w);
}

static void
command(struct jw *w, const struct fa_command *c)
{
	uint32_t i;

	jw_obj(w);
	jw_key(w, "ts"); jw_ts(w, c->ts_us);
	jw_key(w, "command");
	if (c->verb_long.p != NULL)
		jw_wire(w, c->verb_long.p, c->verb_long.len);
	else
		jw_wire_str(w, c->verb);
	bytes_or_null(w, "arg", c->has_arg, &c->arg);
	jw_key(w, "replies");
	jw_arr(w);
	for (i = 0; i < c->nreplies; i++)
		reply(w, &c->replies[i]);
	jw_end_arr(w);
	jw_key(w, "reply_code");
	if (c->reply_code)
		jw_int(w, c->reply_code);
	else
		jw_null(w);
	if (c->replies_dropped) {
		jw_key(w, "replies_dropped");
		jw_uint(w, c->replies_dropped);
	}
	jw_end_obj(w);
}

static void
connection(struct jw *w, const struct fa_transfer *t)
{
	jw_key(w, "connection");
	if (!t->connected) {
		jw_null(w);
		return;
	}
	jw_obj(w);
	endpoint(w, "client", &t->data_client);
	endpoint(w, "server", &t->data_server);
	jw_key(w, "initiator"); jw_lit(w, t->initiator_server ? "server" : "client");
	jw_key(w, "handshake"); jw_lit(w, fa_handshake_str(t->handshake));
	jw_end_obj(w);
}

static void
ts_or_null(struct jw *w, const char *key, bool has, uint64_t ts)
{
	jw_key(w, key);
	if (has)
		jw_ts(w, ts);
	else
		jw_null(w);
}

static void	nat(struct jw *, const struct fa_nat *);

static void
transfer(struct jw *w, const struct fa_transfer *t)
{
	jw_obj(w);
	jw_key(w, "id"); jw_uint(w, t->id);
	jw_key(w, "mode"); jw_lit(w, fa_mode_str(t->mode));
	jw_key(w, "negotiation"); jw_lit(w, fa_neg_str(t->neg));
	endpoint(w, "announced", &t->announced);
	connection(w, t);
	cstr_or_null(w, "command", t->command);
	bytes_or_null(w, "arg", t->arg.p != NULL, &t->arg);
	cstr_or_null(w, "path", t->path);
	cstr_or_null(w, "direction", fa_dir_str(t->dir));
	jw_key(w, "bytes"); jw_uint(w, fa_transfer_bytes(t));
	jw_key(w, "bytes_captured"); jw_uint(w, fa_transfer_bytes_captured(t));
	ts_or_null(w, "start", t->connected, t->start_us);
	ts_or_null(w, "end", t->connected, t->end_us);
	jw_key(w, "duration_s");
	if (t->connected)
		jw_usecs(w, t->end_us - t->start_us);
	else
		jw_null(w);
	jw_key(w, "status"); jw_lit(w, fa_xstatus_str(t->status));
	jw_key(w, "reply_code");
	if (t->reply_code)
		jw_int(w, t->reply_code);
	else
		jw_null(w);
	nat(w, &t->nat);
	jw_end_obj(w);
}

static void
anomaly(struct jw *w, const struct fa_anomaly *a)
{
	jw_obj(w);
	jw_key(w, "type"); jw_wire_str(w, a->type);
	jw_key(w, "ts"); jw_ts(w, a->ts_us);
	jw_key(w, "detail"); jw_wire_str(w, a->detail ? a->detail : "");
	if (a->fix != NULL) {
		jw_key(w, "fix"); jw_wire_str(w, a->fix);
	}
	jw_end_obj(w);
}

/* Both sides of a translation (nat.c); nothing when not paired. */
static void
nat(struct jw *w, const struct fa_nat *n)
{
	if (n->kind == FA_NAT_NONE)
		return;
	jw_key(w, "nat");
	jw_obj(w);
	jw_key(w, "kind"); jw_lit(w, fa_nat_kind_str(n->kind));
	jw_key(w, "inside");
	jw_obj(w);
	endpoint(w, "client", &n->in_client);
	endpoint(w, "server", &n->in_server);
	jw_end_obj(w);
	jw_key(w, "outside");
	jw_obj(w);
	endpoint(w, "client", &n->out_client);
	endpoint(w, "server", &n->out_server);
	jw_end_obj(w);
	jw_key(w, "payload_rewritten");
	if (n->payload_rewritten < 0)
		jw_null(w);
	else
		jw_bool(w, n->payload_rewritten != 0);
	jw_end_obj(w);
}

static uint64_t
replies_dropped(const struct fa_session *s)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < s->ncmds; i++)
		n += s->cmds[i].replies_dropped;
	return n;
}

static void
session_counts(struct jw *w, const struct fa_session *s)
{
	jw_key(w, "commands_dropped"); jw_uint(w, s->cmds_dropped);
	/* What the caps cut from this session, so nothing is dropped unseen. */
	jw_key(w, "limits");
	jw_obj(w);
	jw_key(w, "transfers_dropped"); jw_uint(w, s->xfers_dropped);
	jw_key(w, "anomalies_dropped"); jw_uint(w, s->anoms_dropped);
	jw_key(w, "replies_dropped"); jw_uint(w, replies_dropped(s));
	jw_key(w, "lines_cut"); jw_uint(w, s->lines_cut);
	jw_end_obj(w);
	jw_key(w, "gaps"); jw_uint(w, s->gaps);
	jw_key(w, "control_bytes");
	jw_obj(w);
	jw_key(w, "client_to_server"); jw_uint(w, s->ctl_bytes[0]);
	jw_key(w, "server_to_client"); jw_uint(w, s->ctl_bytes[1]);
	jw_end_obj(w);
}

void
report_session_write(struct jw *w, const struct fa_session *s,
    report_extend_fn extend, void *arg)
{
	uint32_t i;

	jw_obj(w);
	jw_key(w, "id"); jw_uint(w, s->id);
	endpoint(w, "client", &s->client);
	endpoint(w, "server", &s->server);
	jw_key(w, "start"); jw_ts(w, s->start_us);
	jw_key(w, "end"); jw_ts(w, s->end_us);
	jw_key(w, "end_reason"); jw_lit(w, fa_end_reason_str(s->end_reason));
	bytes_or_null(w, "banner", s->has_banner, &s->banner);
	bytes_or_null(w, "user", s->has_user, &s->user);
	bytes_or_null(w, "password", s->has_password, &s->password);
	bytes_or_null(w, "account", s->has_account, &s->account);
	jw_key(w, "login"); jw_lit(w, fa_login_str(s->login));
	jw_key(w, "login_failures"); jw_uint(w, s->login_failures);
	jw_key(w, "tls"); jw_bool(w, s->tls);
	jw_key(w, "implicit_tls"); jw_bool(w, s->implicit_tls);
	cstr_or_null(w, "cwd", s->cwd);
	cstr_or_null(w, "type", s->type[0] ? s->type : NULL);
	jw_key(w, "epsv_all"); jw_bool(w, s->epsv_all);
	jw_key(w, "detected"); jw_bool(w, s->detected);
	jw_key(w, "control_handshake"); jw_lit(w, fa_handshake_str(s->ctl_handshake));
	nat(w, &s->nat);
	jw_key(w, "commands");
	jw_arr(w);
	for (i = 0; i < s->ncmds; i++)
		command(w, &s->cmds[i]);
	jw_end_arr(w);
	jw_key(w, "unsolicited_replies");
	jw_arr(w);
	for (i = 0; i < s->nunsolicited; i++)
		reply(w, &s->unsolicited[i]);
	jw_end_arr(w);
	jw_key(w, "transfers");
	jw_arr(w);
	for (i = 0; i < s->nxfers; i++)
		transfer(w, &s->xfers[i]);
	jw_end_arr(w);
	jw_key(w, "anomalies");
	jw_arr(w);
	for (i = 0; i < s->nanoms; i++)
		anomaly(w, &s->anoms[i]);
	jw_end_arr(w);
	session_counts(w, s);
	if (extend != NULL)
		extend(arg, w, s);	/* fields of later issues, after ours */
	jw_end_obj(w);
}

json_t *
json_ts(uint64_t ts_us)
{
	char buf[FA_TSLEN];

	return json_string(fmt_ts(ts_us, buf));
}

struct report *
report_new(enum report_format fmt, FILE *out, char **cause)
{
	struct report *r;

	*cause = NULL;
	if ((r = calloc(1, sizeof *r)) == NULL)
		return NULL;
	r->fmt = fmt;
	r->out = out;
	if (fmt == REPORT_JSON) {
		jw_init(&r->jw, true);
		jw_obj(&r->jw);
		jw_key(&r->jw, "sessions");
		jw_arr(&r->jw);
	}
	if (fmt != REPORT_NDJSON && (r->spool = spool_new(cause)) == NULL) {
		jw_free(&r->jw);
		free(r);
		return NULL;
	}
	return r;
}

void
report_set_extend(struct report *r, report_extend_fn fn, void *arg)
{
	r->extend = fn;
	r->extend_arg = arg;
}

int
report_set_tail(struct report *r, const char *title, report_tail_fn fn, void *arg)
{
	if ((r->tail_title = strdup(title)) == NULL)
		return -1;
	r->tail = fn;
	r->tail_arg = arg;
	return 0;
}

static void
on_session_end(void *arg, struct fa_session *s)
{
	struct report *r = arg;
	struct jw *w = &r->jw;
	FILE *f;

	if (r->fmt == REPORT_NDJSON) {
		jw_reset(w);
		report_session_write(w, s, r->extend, r->extend_arg);
		jw_text(w, "\n", 1);
		if (w->err || fwrite(w->p, 1, w->len, r->out) != w->len)
			r->error = 1;
		return;
	}
	if ((f = spool_begin(r->spool, s->id)) == NULL)
		return;		/* report_finish says why */
	if (r->fmt == REPORT_TEXT)
		report_text_session(f, s);
	else {
		/* As the first element: report_finish puts the commas. */
		w->len = 0;
		w->more[w->depth] = false;
		report_session_write(w, s, r->extend, r->extend_arg);
		if (w->err)
			r->error = 1;
		else
			fwrite(w->p, 1, w->len, f);
	}
	spool_end_part(r->spool);
	if (r->tail != NULL)
		r->tail(r->tail_arg, f, s);
	spool_end_part(r->spool);
}

static void
on_unattributed(void *arg, const struct fa_unattributed *u)
{
	struct report *r = arg;
	struct fa_unattributed *n;

	if (r->nun >= MAX_UNATTRIBUTED) {
		r->un_dropped++;
		return;
	}
	if (r->nun == r->uncap) {
		if ((n = realloc(r->un, (r->uncap ? r->uncap * 2 : 16) * sizeof *n)) == NULL)
			return;
		r->un = n;
		r->uncap = r->uncap ? r->uncap * 2 : 16;
	}
	r->un[r->nun++] = *u;
}

void
report_sink(struct report *r, struct fa_sink *s)
{
	memset(s, 0, sizeof *s);
	s->session_end = on_session_end;
	s->unattributed = on_unattributed;
	s->arg = r;
}

static void
stats(struct jw *w, const struct fa_stats *st)
{
	jw_key(w, "stats");
	jw_obj(w);
#define S(name) do { jw_key(w, #name); jw_uint(w, st->name); } while (0)
	S(packets); S(bytes); S(malformed); S(fragments); S(non_ip); S(non_tcp);
	S(bad_checksums); S(tcp_packets); S(tcp_connections); S(ftp_sessions);
	S(control_packets); S(data_packets); S(data_connections);
	S(unattributed_data_connections); S(conns_evicted); S(conns_timed_out);
	S(conn_cap_hits); S(peak_conns); S(reasm_gaps); S(reasm_cap_hits);
	S(reasm_conflicts); S(retransmissions); S(lines_truncated);
	S(cmds_dropped); S(xfers_dropped); S(expectations); S(expect_cap_hits);
	S(expectations_expired); S(time_jumps_back);
#undef S
	jw_end_obj(w);
}

static void
inputs(struct jw *w, const struct capture *cap)
{
	const struct capture_input *in;
	size_t i;

	jw_key(w, "inputs");
	jw_arr(w);
	for (i = 0; cap != NULL && i < capture_count(cap); i++) {
		in = capture_input(cap, i);
		jw_obj(w);
		cstr_or_null(w, "source", in->source);
		jw_key(w, "link_type"); jw_wire_str(w, in->link_type);
		jw_key(w, "packets"); jw_uint(w, in->packets);
		jw_key(w, "bytes"); jw_uint(w, in->bytes);
		ts_or_null(w, "first_ts", in->packets > 0, in->first_us);
		ts_or_null(w, "last_ts", in->packets > 0, in->last_us);
		jw_key(w, "truncated"); jw_bool(w, in->truncated);
		if (in->time_jumps > 0) {	/* written only then: rare */
			jw_key(w, "time_jumps_back"); jw_uint(w, in->time_jumps);
			jw_key(w, "first_time_jump"); jw_obj(w);
			jw_key(w, "frame"); jw_uint(w, in->jump_frame);
			jw_key(w, "back_us"); jw_uint(w, in->jump_us);
			jw_key(w, "to_start"); jw_bool(w, in->jump_to_start);
			jw_end_obj(w);
		}
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

static void
unattributed(struct jw *w, const struct report *r)
{
	size_t i;

	jw_key(w, "unattributed");
	jw_arr(w);
	for (i = 0; i < r->nun; i++) {
		jw_obj(w);
		endpoint(w, "initiator", &r->un[i].initiator);
		endpoint(w, "responder", &r->un[i].responder);
		jw_key(w, "start"); jw_ts(w, r->un[i].start_us);
		jw_key(w, "bytes"); jw_uint(w, r->un[i].bytes);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_key(w, "unattributed_dropped"); jw_uint(w, r->un_dropped);
}

/* The whole document: the sessions come from the spool, each already
 * indented as an element of "sessions". */
static void
document(struct report *r, const struct capture *cap, const struct fa_stats *st)
{
	struct jw w;
	int64_t n;

	jw_init(&w, true);
	jw_obj(&w);
	jw_key(&w, "tool"); jw_lit(&w, "ftpaudit");
	jw_key(&w, "version"); jw_lit(&w, PACKAGE_VERSION);
	jw_key(&w, "schema_version"); jw_int(&w, SCHEMA_VERSION);
	inputs(&w, cap);
	stats(&w, st);
	jw_key(&w, "sessions");
	jw_arr(&w);
	if (w.err || fwrite(w.p, 1, w.len, r->out) != w.len ||
	    (n = spool_copy(r->spool, 0, ",", r->out)) == -1)
		r->error = 1;
	else
		w.more[w.depth] = n > 0;
	w.len = 0;		/* flushed; the nesting state stays */
	jw_end_arr(&w);
	unattributed(&w, r);
	jw_end_obj(&w);
	jw_text(&w, "\n", 1);
	if (w.err || fwrite(w.p, 1, w.len, r->out) != w.len)
		r->error = 1;
	jw_free(&w);
}

static void
text(struct report *r, const struct capture *cap, const struct fa_stats *st)
{
	int64_t n;

	report_text_head(r->out, cap, st);
	if ((n = spool_copy(r->spool, 0, NULL, r->out)) == -1) {
		r->error = 1;
		return;
	}
	report_text_unattributed(r->out, r->un, r->nun);
	if (r->tail == NULL || n == 0)
		return;
	fprintf(r->out, "%s\n", r->tail_title);
	if (spool_copy(r->spool, 1, NULL, r->out) == -1)
		r->error = 1;
}

int
report_finish(struct report *r, const struct capture *cap,
    const struct fa_stats *st, const struct fa_config *cfg)
{
	(void)cfg;
	/* A spool that could not take every session: no document at all,
	 * rather than one that stops short. */
	if (r->spool != NULL && spool_sync(r->spool) == -1)
		return -1;
	if (r->fmt == REPORT_TEXT)
		text(r, cap, st);
	else if (r->fmt == REPORT_JSON)
		document(r, cap, st);
	if (fflush(r->out) == EOF || ferror(r->out))
		r->error = 1;
	return r->error ? -1 : 0;
}

const char *
report_error(const struct report *r)
{
	return r->spool != NULL ? spool_error(r->spool) : NULL;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	spool_free(r->spool);
	free(r->un);
	free(r->tail_title);
	jw_free(&r->jw);
	free(r);
}
