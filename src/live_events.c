/* SPDX-License-Identifier: ISC */
/* live_events.c: `ftpaudit live -F ndjson`: one JSON object a line, written and
 * flushed as the engine reports, so a pipe reader sees each event at once. */
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/jw.h"
#include "ftpaudit/live.h"
#include "report_fmt.h"

struct events {
	FILE		*out;		/* borrowed */
	struct jw	 jw;		/* the line being written */
	int		 error;
	const char	*sensor;	/* borrowed: each event's observer */
};

void
events_set_sensor(struct events *ev, const char *name)
{
	ev->sensor = name;
}

struct events *
events_new(FILE *out)
{
	struct events *ev;

	if ((ev = calloc(1, sizeof *ev)) == NULL)
		return NULL;
	ev->out = out;
	jw_init(&ev->jw, false);
	return ev;
}

void
events_free(struct events *ev)
{
	if (ev == NULL)
		return;
	jw_free(&ev->jw);
	free(ev);
}

int
events_error(const struct events *ev)
{
	return ev->error ? -1 : 0;
}

/* The fields every event starts with, in a fixed order; the caller adds
 * its own and calls emit.  s is NULL for an event of no session. */
static struct jw *
event_new(struct events *ev, const char *name, uint64_t ts_us,
    const struct fa_session *s)
{
	struct jw *w = &ev->jw;

	jw_reset(w);
	jw_obj(w);
	jw_key(w, "event"); jw_lit(w, name);
	jw_key(w, "ts"); jw_ts(w, ts_us);
	if (ev->sensor != NULL) {
		jw_key(w, "sensor");
		jw_wire_str(w, ev->sensor);
	}
	if (s != NULL) {
		jw_key(w, "session");
		jw_uint(w, s->id);
	}
	return w;
}

/* After a failed write nothing more is tried: the reader went. */
static void
emit(struct events *ev)
{
	struct jw *w = &ev->jw;

	jw_end_obj(w);
	jw_text(w, "\n", 1);
	if (!ev->error && (jw_flush(w, ev->out) == -1 || fflush(ev->out) == EOF))
		ev->error = 1;
}

static void
on_session_start(void *arg, const struct fa_session *s)
{
	struct jw *w = event_new(arg, "session_start", s->start_us, s);

	jw_key(w, "client"); jw_endpoint(w, &s->client, true);
	jw_key(w, "server"); jw_endpoint(w, &s->server, true);
	jw_key(w, "implicit_tls"); jw_bool(w, s->implicit_tls);
	jw_key(w, "detected"); jw_bool(w, s->detected);
	emit(arg);
}

static void
on_command(void *arg, const struct fa_session *s, const struct fa_command *c)
{
	struct jw *w = event_new(arg, "command", c->ts_us, s);

	jw_key(w, "command"); report_json_verb(w, c);
	report_json_bytes(w, "arg", c->has_arg, &c->arg);
	report_json_bytes(w, "user", s->has_user, &s->user);
	emit(arg);
}

/* What a transfer event says about the transfer, start or end. */
static void
transfer_fields(struct jw *w, const struct fa_transfer *t)
{
	jw_key(w, "transfer"); jw_uint(w, t->id);
	jw_key(w, "mode"); jw_lit(w, fa_mode_str(t->mode));
	jw_key(w, "negotiation"); jw_lit(w, fa_neg_str(t->neg));
	report_json_cstr(w, "command", t->command);
	report_json_cstr(w, "path", t->path);
	jw_key(w, "direction");
	if (t->dir != FA_DIR_NONE)
		jw_lit(w, fa_dir_str(t->dir));
	else
		jw_null(w);
	if (t->connected) {
		jw_key(w, "data_client"); jw_endpoint(w, &t->data_client, true);
		jw_key(w, "data_server"); jw_endpoint(w, &t->data_server, true);
		report_community_id(w, &t->data_client, &t->data_server);
	}
}

static void
on_transfer_start(void *arg, const struct fa_session *s, const struct fa_transfer *t)
{
	struct jw *w = event_new(arg, "transfer_start", t->start_us, s);

	transfer_fields(w, t);
	emit(arg);
}

static void
on_transfer_end(void *arg, const struct fa_session *s, const struct fa_transfer *t)
{
	struct jw *w = event_new(arg, "transfer_end", t->connected ? t->end_us :
	    t->neg_ts_us, s);

	transfer_fields(w, t);
	jw_key(w, "status"); jw_lit(w, fa_xstatus_str(t->status));
	report_json_code(w, "reply_code", t->reply_code);
	jw_key(w, "connected"); jw_bool(w, t->connected);
	report_transfer_bytes(w, t);
	emit(arg);
}

static void
on_anomaly(void *arg, const struct fa_session *s, const struct fa_anomaly *a)
{
	struct jw *w = event_new(arg, "anomaly", a->ts_us, s);

	jw_key(w, "type"); jw_wire_str(w, a->type);
	jw_key(w, "detail");
	if (a->detail != NULL)
		jw_wire_str(w, a->detail);
	else
		jw_null(w);
	emit(arg);
}

static void
on_session_end(void *arg, struct fa_session *s)
{
	struct jw *w = event_new(arg, "session_end", s->end_us, s);

	jw_key(w, "end_reason"); jw_lit(w, fa_end_reason_str(s->end_reason));
	jw_key(w, "record");
	report_session_write(w, s, NULL, NULL);
	emit(arg);
}

/* Not a session's: no "session"; ts is when the connection began. */
static void
on_unattributed(void *arg, const struct fa_unattributed *u)
{
	struct jw *w = event_new(arg, "unattributed", u->start_us, NULL);

	report_unattributed_members(w, u);
	emit(arg);
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
	sk->unattributed = on_unattributed;
	sk->arg = ev;
}

void
events_stats(struct events *ev, uint64_t ts_us, const struct fa_stats *st,
    const struct live_counters *lc, size_t open_sessions, bool final)
{
	struct jw *w = event_new(ev, "stats", ts_us, NULL);

	jw_key(w, "final"); jw_bool(w, final);
	if (final)
		report_json_tool(w);

	jw_key(w, "packets_received"); jw_uint(w, lc->received);
	jw_key(w, "packets_dropped"); jw_uint(w, lc->dropped);
	jw_key(w, "packets_ifdropped"); jw_uint(w, lc->ifdropped);
	jw_key(w, "packets"); jw_uint(w, st->packets);
	jw_key(w, "bytes"); jw_uint(w, st->bytes);
	jw_key(w, "sessions_open"); jw_uint(w, open_sessions);
	jw_key(w, "sessions_total"); jw_uint(w, st->ftp_sessions);
	jw_key(w, "data_connections"); jw_uint(w, st->data_connections);
	jw_key(w, "unattributed_data_connections");
	jw_uint(w, st->unattributed_data_connections);
	jw_key(w, "malformed"); jw_uint(w, st->malformed);
	jw_key(w, "reasm_gaps"); jw_uint(w, st->reasm_gaps);
	/* The engine's every counter, as analyze's "stats". */
	jw_key(w, "stats"); report_stats_write(w, st);
	emit(ev);
}
