/* report_json.c: sessions as JSON objects (schema version 1), the analyze
 * document and its NDJSON form. */
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/report.h"

#define SCHEMA_VERSION	1
#define MAX_UNATTRIBUTED	10000

struct report {
	enum report_format fmt;
	FILE		*out;		/* borrowed */
	struct fa_session **sess;	/* held references (json, text) */
	size_t		 nsess, cap;
	struct fa_unattributed *un;	/* owned */
	size_t		 nun, uncap;
	uint64_t	 un_dropped;
	report_extend_fn extend;
	void		*extend_arg;
	int		 error;
};

static json_t *
json_bytes_or_null(bool has, const struct fa_bytes *b)
{
	return has ? json_wire(b->p, b->len) : json_null();
}

static json_t *
reply_json(const struct fa_reply *r)
{
	return json_pack("{s:o, s:i, s:o}", "ts", json_ts(r->ts_us), "code",
	    (json_int_t)r->code, "text", json_wire(r->text.p, r->text.len));
}

static json_t *
command_json(const struct fa_command *c)
{
	json_t *o, *replies = json_array();
	uint32_t i;

	for (i = 0; i < c->nreplies; i++)
		json_array_append_new(replies, reply_json(&c->replies[i]));
	o = json_pack("{s:o, s:o, s:o, s:o, s:o}", "ts", json_ts(c->ts_us),
	    "command", c->verb_long.p ? json_wire(c->verb_long.p, c->verb_long.len) :
	    json_wire((const uint8_t *)c->verb, strlen(c->verb)), "arg", json_bytes_or_null(c->has_arg, &c->arg),
	    "replies", replies, "reply_code",
	    c->reply_code ? json_integer(c->reply_code) : json_null());
	return o;
}

static json_t *
transfer_json(const struct fa_transfer *t)
{
	json_t *o, *conn = json_null();
	const char *dir = fa_dir_str(t->dir);
	double dur;

	if (t->connected)
		conn = json_pack("{s:o, s:o, s:s, s:s}",
		    "client", json_endpoint(&t->data_client),
		    "server", json_endpoint(&t->data_server),
		    "initiator", t->initiator_server ? "server" : "client",
		    "handshake", fa_handshake_str(t->handshake));
	dur = (double)(t->end_us - t->start_us) / 1e6;
	o = json_pack("{s:i, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)t->id,
	    "mode", fa_mode_str(t->mode),
	    "negotiation", fa_neg_str(t->neg),
	    "announced", t->announced.ip.family == FA_AF_NONE ?
		json_pack("{s:n, s:i}", "ip", "port", (json_int_t)t->announced.port) :
		json_endpoint(&t->announced),
	    "connection", conn,
	    "command", t->command ? json_string(t->command) : json_null(),
	    "arg", t->arg.p ? json_wire(t->arg.p, t->arg.len) : json_null(),
	    "path", t->path ? json_wire((const uint8_t *)t->path, strlen(t->path)) : json_null(),
	    "direction", dir ? json_string(dir) : json_null());
	json_object_set_new(o, "bytes", json_integer((json_int_t)fa_transfer_bytes(t)));
	json_object_set_new(o, "bytes_captured",
	    json_integer((json_int_t)fa_transfer_bytes_captured(t)));
	json_object_set_new(o, "start", t->connected ? json_ts(t->start_us) : json_null());
	json_object_set_new(o, "end", t->connected ? json_ts(t->end_us) : json_null());
	json_object_set_new(o, "duration_s", t->connected ? json_real(dur) : json_null());
	json_object_set_new(o, "status", json_string(fa_xstatus_str(t->status)));
	json_object_set_new(o, "reply_code",
	    t->reply_code ? json_integer(t->reply_code) : json_null());
	return o;
}

static json_t *
anomaly_json(const struct fa_anomaly *a)
{
	return json_pack("{s:s, s:o, s:o}", "type", a->type, "ts", json_ts(a->ts_us),
	    "detail", json_wire((const uint8_t *)(a->detail ? a->detail : ""),
	    a->detail ? strlen(a->detail) : 0));
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

json_t *
report_session_json(const struct fa_session *s, report_extend_fn extend,
    void *arg)
{
	json_t *o, *cmds = json_array(), *xf = json_array(), *an = json_array(),
	    *un = json_array();
	uint32_t i;

	for (i = 0; i < s->ncmds; i++)
		json_array_append_new(cmds, command_json(&s->cmds[i]));
	for (i = 0; i < s->nunsolicited; i++)
		json_array_append_new(un, reply_json(&s->unsolicited[i]));
	for (i = 0; i < s->nxfers; i++)
		json_array_append_new(xf, transfer_json(&s->xfers[i]));
	for (i = 0; i < s->nanoms; i++)
		json_array_append_new(an, anomaly_json(&s->anoms[i]));
	o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:s}",
	    "id", (json_int_t)s->id,
	    "client", json_endpoint(&s->client),
	    "server", json_endpoint(&s->server),
	    "start", json_ts(s->start_us),
	    "end", json_ts(s->end_us),
	    "end_reason", fa_end_reason_str(s->end_reason));
	json_object_set_new(o, "banner", json_bytes_or_null(s->has_banner, &s->banner));
	json_object_set_new(o, "user", json_bytes_or_null(s->has_user, &s->user));
	json_object_set_new(o, "password",
	    json_bytes_or_null(s->has_password, &s->password));
	json_object_set_new(o, "login", json_string(fa_login_str(s->login)));
	json_object_set_new(o, "login_failures", json_integer(s->login_failures));
	json_object_set_new(o, "tls", json_boolean(s->tls));
	json_object_set_new(o, "implicit_tls", json_boolean(s->implicit_tls));
	json_object_set_new(o, "cwd", s->cwd ?
	    json_wire((const uint8_t *)s->cwd, strlen(s->cwd)) : json_null());
	json_object_set_new(o, "type", s->type[0] ?
	    json_wire((const uint8_t *)s->type, strlen(s->type)) : json_null());
	json_object_set_new(o, "epsv_all", json_boolean(s->epsv_all));
	json_object_set_new(o, "detected", json_boolean(s->detected));
	json_object_set_new(o, "control_handshake",
	    json_string(fa_handshake_str(s->ctl_handshake)));
	json_object_set_new(o, "commands", cmds);
	json_object_set_new(o, "commands_dropped", json_integer((json_int_t)s->cmds_dropped));
	json_object_set_new(o, "account", json_bytes_or_null(s->has_account, &s->account));
	/* What the caps cut from this session, so nothing is dropped unseen. */
	json_object_set_new(o, "limits", json_pack("{s:I, s:I, s:I, s:I}",
	    "transfers_dropped", (json_int_t)s->xfers_dropped,
	    "anomalies_dropped", (json_int_t)s->anoms_dropped,
	    "replies_dropped", (json_int_t)replies_dropped(s),
	    "lines_cut", (json_int_t)s->lines_cut));
	json_object_set_new(o, "unsolicited_replies", un);
	json_object_set_new(o, "transfers", xf);
	json_object_set_new(o, "anomalies", an);
	json_object_set_new(o, "gaps", json_integer(s->gaps));
	json_object_set_new(o, "control_bytes", json_pack("{s:I, s:I}",
	    "client_to_server", (json_int_t)s->ctl_bytes[0],
	    "server_to_client", (json_int_t)s->ctl_bytes[1]));
	if (extend != NULL)
		extend(arg, o, s);
	return o;
}

struct report *
report_new(enum report_format fmt, FILE *out)
{
	struct report *r;

	if ((r = calloc(1, sizeof *r)) == NULL)
		return NULL;
	r->fmt = fmt;
	r->out = out;
	return r;
}

void
report_set_extend(struct report *r, report_extend_fn fn, void *arg)
{
	r->extend = fn;
	r->extend_arg = arg;
}

static void
on_session_end(void *arg, struct fa_session *s)
{
	struct report *r = arg;
	struct fa_session **n;
	json_t *o;

	if (r->fmt == REPORT_NDJSON) {
		o = report_session_json(s, r->extend, r->extend_arg);
		if (json_write_line(o, r->out, JSON_COMPACT) == -1)
			r->error = 1;
		json_decref(o);
		return;
	}
	if (r->nsess == r->cap) {
		if ((n = realloc(r->sess, (r->cap ? r->cap * 2 : 64) * sizeof *n)) == NULL) {
			r->error = 1;
			return;
		}
		r->sess = n;
		r->cap = r->cap ? r->cap * 2 : 64;
	}
	fa_session_ref(s);
	r->sess[r->nsess++] = s;
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

static int
by_id(const void *a, const void *b)
{
	const struct fa_session *x = *(struct fa_session *const *)a;
	const struct fa_session *y = *(struct fa_session *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct fa_session *const *
report_sessions(const struct report *r, size_t *n)
{
	*n = r->nsess;
	return r->sess;
}

static json_t *
stats_json(const struct fa_stats *st)
{
	json_t *o = json_object();

#define S(name) json_object_set_new(o, #name, json_integer((json_int_t)st->name))
	S(packets); S(bytes); S(malformed); S(fragments); S(non_ip); S(non_tcp);
	S(bad_checksums); S(tcp_packets); S(tcp_connections); S(ftp_sessions);
	S(control_packets); S(data_packets); S(data_connections);
	S(unattributed_data_connections); S(conns_evicted); S(conns_timed_out);
	S(conn_cap_hits); S(peak_conns); S(reasm_gaps); S(reasm_cap_hits);
	S(reasm_conflicts); S(retransmissions); S(lines_truncated);
	S(cmds_dropped); S(xfers_dropped); S(expectations); S(expect_cap_hits);
	S(expectations_expired);
#undef S
	return o;
}

static json_t *
inputs_json(const struct capture *cap)
{
	const struct capture_input *in;
	json_t *a = json_array();
	size_t i;

	for (i = 0; cap != NULL && i < capture_count(cap); i++) {
		in = capture_input(cap, i);
		json_array_append_new(a, json_pack("{s:o, s:s, s:I, s:I, s:o, s:o, s:b}",
		    "source", json_wire((const uint8_t *)in->source, strlen(in->source)),
		    "link_type", in->link_type,
		    "packets", (json_int_t)in->packets, "bytes", (json_int_t)in->bytes,
		    "first_ts", in->packets ? json_ts(in->first_us) : json_null(),
		    "last_ts", in->packets ? json_ts(in->last_us) : json_null(),
		    "truncated", in->truncated));
	}
	return a;
}

static json_t *
unattributed_json(const struct report *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < r->nun; i++)
		json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:I}",
		    "initiator", json_endpoint(&r->un[i].initiator),
		    "responder", json_endpoint(&r->un[i].responder),
		    "start", json_ts(r->un[i].start_us),
		    "bytes", (json_int_t)r->un[i].bytes));
	return a;
}

void	report_text(FILE *, struct fa_session *const *, size_t,
	    const struct fa_unattributed *, size_t, const struct capture *,
	    const struct fa_stats *);

int
report_finish(struct report *r, const struct capture *cap,
    const struct fa_stats *st, const struct fa_config *cfg)
{
	json_t *doc, *sessions;
	size_t i;

	(void)cfg;
	if (r->nsess > 1)
		qsort(r->sess, r->nsess, sizeof *r->sess, by_id);
	if (r->fmt == REPORT_TEXT) {
		report_text(r->out, r->sess, r->nsess, r->un, r->nun, cap, st);
	} else if (r->fmt == REPORT_JSON) {
		sessions = json_array();
		for (i = 0; i < r->nsess; i++)
			json_array_append_new(sessions,
			    report_session_json(r->sess[i], r->extend, r->extend_arg));
		doc = json_pack("{s:s, s:s, s:i, s:o, s:o, s:o, s:o}",
		    "tool", "ftpaudit", "version", PACKAGE_VERSION,
		    "schema_version", SCHEMA_VERSION,
		    "inputs", inputs_json(cap), "stats", stats_json(st),
		    "sessions", sessions, "unattributed", unattributed_json(r));
		if (json_dumpf(doc, r->out, JSON_INDENT(2)) == -1 ||
		    fputc('\n', r->out) == EOF)
			r->error = 1;
		json_decref(doc);
	}
	if (fflush(r->out) == EOF)
		r->error = 1;
	return r->error ? -1 : 0;
}

void
report_free(struct report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nsess; i++)
		fa_session_unref(r->sess[i]);
	free(r->sess);
	free(r->un);
	free(r);
}
