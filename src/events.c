/* events.c: `ftpaudit live -F ndjson`: one JSON object a line, written and
 * flushed as the engine reports, so a pipe reader sees each event at once. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ftpaudit/live.h"
#include "ftpaudit/report.h"

struct events {
	FILE		*out;		/* borrowed */
	int		 error;
};

struct events *
events_new(FILE *out)
{
	struct events *ev;

	if ((ev = calloc(1, sizeof *ev)) == NULL)
		return NULL;
	ev->out = out;
	return ev;
}

void
events_free(struct events *ev)
{
	free(ev);
}

int
events_error(const struct events *ev)
{
	return ev->error ? -1 : 0;
}

/* Steals o.  After a failed write nothing more is tried: the reader went. */
static void
emit(struct events *ev, json_t *o)
{
	if (o == NULL) {
		ev->error = 1;
		return;
	}
	if (!ev->error && (json_dumpf(o, ev->out, JSON_COMPACT) == -1 ||
	    fputc('\n', ev->out) == EOF || fflush(ev->out) == EOF))
		ev->error = 1;
	json_decref(o);
}

/* The fields every session event starts with, in a fixed order. */
static json_t *
event_new(const char *name, uint64_t ts_us, const struct fa_session *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "event", json_string(name));
	json_object_set_new(o, "ts", json_ts(ts_us));
	if (s != NULL)
		json_object_set_new(o, "session", json_integer((json_int_t)s->id));
	return o;
}

static json_t *
bytes_or_null(bool has, const struct fa_bytes *b)
{
	return has ? json_wire(b->p, b->len) : json_null();
}

static void
on_session_start(void *arg, const struct fa_session *s)
{
	json_t *o = event_new("session_start", s->start_us, s);

	json_object_set_new(o, "client", json_endpoint(&s->client));
	json_object_set_new(o, "server", json_endpoint(&s->server));
	json_object_set_new(o, "implicit_tls", json_boolean(s->implicit_tls));
	json_object_set_new(o, "detected", json_boolean(s->detected));
	emit(arg, o);
}

static void
on_command(void *arg, const struct fa_session *s, const struct fa_command *c)
{
	json_t *o = event_new("command", c->ts_us, s);

	json_object_set_new(o, "command", c->verb_long.p != NULL ?
	    json_wire(c->verb_long.p, c->verb_long.len) :
	    json_wire((const uint8_t *)c->verb, strlen(c->verb)));
	json_object_set_new(o, "arg", bytes_or_null(c->has_arg, &c->arg));
	json_object_set_new(o, "user", bytes_or_null(s->has_user, &s->user));
	emit(arg, o);
}

/* What a transfer event says about the transfer, start or end. */
static void
transfer_fields(json_t *o, const struct fa_transfer *t)
{
	json_object_set_new(o, "transfer", json_integer(t->id));
	json_object_set_new(o, "mode", json_string(fa_mode_str(t->mode)));
	json_object_set_new(o, "negotiation", json_string(fa_neg_str(t->neg)));
	json_object_set_new(o, "command", t->command ? json_string(t->command) :
	    json_null());
	json_object_set_new(o, "path", t->path ? json_wire((const uint8_t *)t->path,
	    strlen(t->path)) : json_null());
	json_object_set_new(o, "direction", t->dir == FA_DIR_NONE ? json_null() :
	    json_string(fa_dir_str(t->dir)));
	if (t->connected) {
		json_object_set_new(o, "data_client", json_endpoint(&t->data_client));
		json_object_set_new(o, "data_server", json_endpoint(&t->data_server));
	}
}

static void
on_transfer_start(void *arg, const struct fa_session *s, const struct fa_transfer *t)
{
	json_t *o = event_new("transfer_start", t->start_us, s);

	transfer_fields(o, t);
	emit(arg, o);
}

static void
on_transfer_end(void *arg, const struct fa_session *s, const struct fa_transfer *t)
{
	json_t *o = event_new("transfer_end", t->connected ? t->end_us :
	    t->neg_ts_us, s);

	transfer_fields(o, t);
	json_object_set_new(o, "status", json_string(fa_xstatus_str(t->status)));
	json_object_set_new(o, "reply_code", t->reply_code ?
	    json_integer(t->reply_code) : json_null());
	json_object_set_new(o, "connected", json_boolean(t->connected));
	json_object_set_new(o, "bytes", json_integer((json_int_t)fa_transfer_bytes(t)));
	json_object_set_new(o, "bytes_captured",
	    json_integer((json_int_t)fa_transfer_bytes_captured(t)));
	emit(arg, o);
}

static void
on_anomaly(void *arg, const struct fa_session *s, const struct fa_anomaly *a)
{
	json_t *o = event_new("anomaly", a->ts_us, s);

	json_object_set_new(o, "type", json_string(a->type));
	json_object_set_new(o, "detail", a->detail ? json_wire((const uint8_t *)a->detail,
	    strlen(a->detail)) : json_null());
	emit(arg, o);
}

static void
on_session_end(void *arg, struct fa_session *s)
{
	json_t *o = event_new("session_end", s->end_us, s);

	json_object_set_new(o, "end_reason", json_string(fa_end_reason_str(s->end_reason)));
	json_object_set_new(o, "record", report_session_json(s, NULL, NULL));
	emit(arg, o);
}

void
events_sink(struct events *ev, struct fa_sink *sk)
{
	memset(sk, 0, sizeof *sk);
	sk->session_start = on_session_start;
	sk->command = on_command;
	sk->transfer_start = on_transfer_start;
	sk->transfer_end = on_transfer_end;
	sk->anomaly = on_anomaly;
	sk->session_end = on_session_end;
	sk->arg = ev;
}

void
events_stats(struct events *ev, uint64_t ts_us, const struct fa_stats *st,
    const struct live_counters *lc, size_t open_sessions)
{
	json_t *o = event_new("stats", ts_us, NULL);

	json_object_set_new(o, "packets_received", json_integer((json_int_t)lc->received));
	json_object_set_new(o, "packets_dropped", json_integer((json_int_t)lc->dropped));
	json_object_set_new(o, "packets_ifdropped", json_integer((json_int_t)lc->ifdropped));
	json_object_set_new(o, "packets", json_integer((json_int_t)st->packets));
	json_object_set_new(o, "bytes", json_integer((json_int_t)st->bytes));
	json_object_set_new(o, "sessions_open", json_integer((json_int_t)open_sessions));
	json_object_set_new(o, "sessions_total", json_integer((json_int_t)st->ftp_sessions));
	json_object_set_new(o, "data_connections",
	    json_integer((json_int_t)st->data_connections));
	json_object_set_new(o, "unattributed_data_connections",
	    json_integer((json_int_t)st->unattributed_data_connections));
	json_object_set_new(o, "malformed", json_integer((json_int_t)st->malformed));
	json_object_set_new(o, "reasm_gaps", json_integer((json_int_t)st->reasm_gaps));
	emit(ev, o);
}
