/* SPDX-License-Identifier: ISC */
/*
 * report_eve.c: -F eve: Suricata's EVE JSON lines for FTP: an "ftp"
 * event per command and an "ftp_data" event per captured data
 * connection, with the fields of Suricata's own schema (etc/schema.json;
 * schema/eve.schema.json keeps its facts), so that a pipeline built for
 * Suricata's eve.json reads them unchanged.  Written as each session
 * ends: commands first, then its data connections.
 */
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/community_id.h"
#include "ftpaudit/fmt.h"
#include "ftpaudit/jw.h"
#include "ftpaudit/report.h"
#include "report_fmt.h"

/* flow_id keeps 51 bits: a JSON reader that holds numbers as doubles
 * (JavaScript, jq) reads it exactly. */
#define FLOW_ID_MASK	((UINT64_C(1) << 51) - 1)

struct eve {
	FILE		*out;		/* borrowed */
	const char	*pcap;		/* borrowed; NULL: none */
	/* pcap as JSON writes it, quotes and all, made once: it goes into
	 * every event (1.2 million on the bench's main capture).  Empty
	 * when there is no name, in error when there was no memory (then
	 * it is escaped for each event). */
	struct jw	 pcap_json;
	struct jw	 flow;		/* the flow's own members (flow_init) */
	struct jw	 jw;		/* events not yet written out */
	size_t		 batch;		/* eve_new's */
	int		 error;
};

struct eve *
eve_new(FILE *out, const char *pcap_filename, size_t batch)
{
	struct eve *ev;

	if ((ev = calloc(1, sizeof *ev)) == NULL)
		return NULL;
	ev->out = out;
	ev->batch = batch;
	jw_init(&ev->jw, false);
	jw_init(&ev->flow, false);
	eve_set_pcap_filename(ev, pcap_filename);
	return ev;
}

void
eve_set_batch(struct eve *ev, size_t batch)
{
	ev->batch = batch;
}

void
eve_set_pcap_filename(struct eve *ev, const char *pcap_filename)
{
	ev->pcap = pcap_filename;
	jw_free(&ev->pcap_json);
	if (pcap_filename != NULL)
		jw_str(&ev->pcap_json, pcap_filename);
}

/* Suricata's "2012-02-21T16:52:44.864218+0000" (UTC). */
static void
eve_ts(struct jw *w, uint64_t us)
{
	char buf[FA_TSLEN];

	fmt_ts(us, buf);
	memcpy(buf + FA_TSCHARS - 1, "+0000", 6);
	jw_lit(w, buf);
}

/*
 * What every event of one connection repeats, made once: a session's
 * commands are most of the events (1.2 million on the bench's main
 * capture), and each wrote its flow id, file name, endpoints and
 * Community ID again.  The text lives in the eve's flow buffer, until
 * the next flow_init.
 */
struct flow {
	const char	*ids;		/* "flow_id":N[,"pcap_filename":"F"] */
	size_t		 idslen;
	const char	*ends;		/* "src_ip":... "community_id":C */
	size_t		 endslen;
};

static void
flow_init(struct eve *ev, struct flow *f, const struct fa_endpoint *src,
    const struct fa_endpoint *dst, uint64_t start_us)
{
	struct jw *w = &ev->flow;
	char cid[COMMUNITY_ID_LEN];
	size_t mid;
	int cidlen;

	jw_reset(w);
	jw_obj(w);
	jw_key(w, "flow_id");
	jw_uint(w, report_flow_hash(src, dst, start_us) & FLOW_ID_MASK);
	if (ev->pcap != NULL) {
		jw_key(w, "pcap_filename");
		if (ev->pcap_json.err || ev->pcap_json.len < 2)
			jw_str(w, ev->pcap);
		else	/* escaped already: within its quotes */
			jw_litn(w, ev->pcap_json.p + 1, ev->pcap_json.len - 2);
	}
	mid = w->len;
	jw_key(w, "src_ip"); jw_addr(w, &src->ip);
	jw_key(w, "src_port"); jw_uint(w, src->port);
	jw_key(w, "dest_ip"); jw_addr(w, &dst->ip);
	jw_key(w, "dest_port"); jw_uint(w, dst->port);
	jw_key(w, "proto"); jw_lit(w, "TCP");
	jw_key(w, "community_id");
	if ((cidlen = community_id_v1(src, dst, 6, 0, cid)) < 0)
		jw_null(w);
	else
		jw_litn(w, cid, (size_t)cidlen);
	if (w->err) {	/* no memory: event_begin says so */
		memset(f, 0, sizeof *f);
		return;
	}
	/* Without the brace, and the comma between the two. */
	f->ids = w->p + 1;
	f->idslen = mid - 1;
	f->ends = w->p + mid + 1;
	f->endslen = w->len - mid - 1;
}

/* The members every event starts with. */
static struct jw *
event_begin(struct eve *ev, uint64_t ts_us, const char *type,
    const struct flow *f)
{
	struct jw *w = &ev->jw;

	jw_next(w);
	jw_obj(w);
	jw_key(w, "timestamp"); eve_ts(w, ts_us);
	if (ev->flow.err) {
		w->err = true;	/* no memory for the flow's text */
		return w;
	}
	jw_members(w, f->ids, f->idslen);
	jw_key(w, "event_type"); jw_lit(w, type);
	jw_members(w, f->ends, f->endslen);
	return w;
}

static void
event_end(struct eve *ev)
{
	struct jw *w = &ev->jw;

	jw_end_obj(w);
	jw_text(w, "\n", 1);
	/* A write(2) for each event (1.2 million on the bench's main
	 * capture) cost a tenth of -F eve's time. */
	if (w->len >= ev->batch && jw_flush(w, ev->out) == -1)
		ev->error = 1;
}

/* Every line of every reply, and each reply's code: Suricata's reply[]
 * and completion_code[].  (The engine keeps a multi-line reply's lines
 * without their repeated codes.) */
static void
replies(struct jw *w, const struct fa_command *c, bool codes)
{
	const struct fa_reply *r;
	const uint8_t *q, *nl;
	char code[3];
	size_t n, len;
	uint32_t i;

	jw_key(w, codes ? "completion_code" : "reply");
	jw_arr(w);
	for (i = 0; i < c->nreplies; i++) {
		r = &c->replies[i];
		if (codes) {
			/* A line without a code has none, as in Suricata. */
			if (r->code == 0)
				continue;
			code[0] = (char)('0' + r->code / 100 % 10);
			code[1] = (char)('0' + r->code / 10 % 10);
			code[2] = (char)('0' + r->code % 10);
			jw_litn(w, code, 3);
			continue;
		}
		for (q = r->text.p, n = r->text.len;; q = nl + 1, n -= len + 1) {
			nl = memchr(q, '\n', n);
			len = nl != NULL ? (size_t)(nl - q) : n;
			jw_wire(w, q, len);
			if (nl == NULL)
				break;
		}
	}
	jw_end_arr(w);
}

/* Whether the engine cut the command's line, or one of its replies',
 * at --max-line: its line_too_long anomaly has the line's time. */
static bool
truncated(const struct fa_session *s, const struct fa_command *c, bool reply)
{
	const struct fa_anomaly *a;
	uint32_t i, j;

	for (i = 0; i < s->nanoms; i++) {
		a = &s->anoms[i];
		if (strcmp(a->type, "line_too_long") != 0 || a->detail == NULL ||
		    strncmp(a->detail, reply ? "reply" : "command",
		    reply ? 5 : 7) != 0)
			continue;
		if (!reply && a->ts_us == c->ts_us)
			return true;
		for (j = 0; reply && j < c->nreplies; j++)
			if (a->ts_us == c->replies[j].ts_us)
				return true;
	}
	return false;
}

static void
ftp_event(struct eve *ev, const struct fa_session *s, uint32_t ci,
    const struct flow *f)
{
	const struct fa_command *c = &s->cmds[ci];
	struct ftp_hostport hp;
	struct jw *w;
	bool passive;

	w = event_begin(ev, c->ts_us, "ftp", f);
	jw_key(w, "ftp");
	jw_obj(w);
	jw_key(w, "command"); report_json_verb(w, c);
	if (c->has_arg && c->arg.len > 0) {
		jw_key(w, "command_data"); jw_wire(w, c->arg.p, c->arg.len);
	}
	replies(w, c, false);
	replies(w, c, true);
	if (report_announced(c, &hp, &passive) && hp.port != 0) {
		jw_key(w, "dynamic_port"); jw_uint(w, hp.port);
		jw_key(w, "mode"); jw_lit(w, passive ? "passive" : "active");
	}
	jw_key(w, "reply_received"); jw_lit(w, c->nreplies > 0 ? "yes" : "no");
	jw_key(w, "command_truncated"); jw_bool(w, truncated(s, c, false));
	jw_key(w, "reply_truncated"); jw_bool(w, truncated(s, c, true));
	jw_end_obj(w);
	event_end(ev);
}

/* One per data connection; its initiator is the source, as Suricata's
 * flow. */
static void
data_event(struct eve *ev, const struct fa_transfer *t)
{
	struct flow f;
	struct jw *w;
	const uint8_t *name;
	size_t len;

	flow_init(ev, &f, t->initiator_server ? &t->data_server :
	    &t->data_client, t->initiator_server ? &t->data_client :
	    &t->data_server, t->start_us);
	w = event_begin(ev, t->end_us, "ftp_data", &f);
	jw_key(w, "ftp_data");
	jw_obj(w);
	if (t->arg.p != NULL && t->arg.len > 0) {
		/* Suricata names the file by the command's argument. */
		name = t->arg.p;
		len = t->arg.len;
		jw_key(w, "filename"); jw_wire(w, name, len);
	}
	if (t->command != NULL) {
		jw_key(w, "command"); jw_wire_str(w, t->command);
	}
	jw_end_obj(w);
	event_end(ev);
}

void
eve_session(struct eve *ev, const struct fa_session *s)
{
	struct flow f;
	uint32_t i;

	flow_init(ev, &f, &s->client, &s->server, s->start_us);
	for (i = 0; i < s->ncmds; i++)
		ftp_event(ev, s, i, &f);
	for (i = 0; i < s->nxfers; i++)
		if (s->xfers[i].connected)
			data_event(ev, &s->xfers[i]);
}

int
eve_finish(struct eve *ev)
{
	if (jw_flush(&ev->jw, ev->out) == -1 || ferror(ev->out))
		ev->error = 1;
	return ev->error ? -1 : 0;
}

void
eve_free(struct eve *ev)
{
	if (ev == NULL)
		return;
	jw_free(&ev->jw);
	jw_free(&ev->flow);
	jw_free(&ev->pcap_json);
	free(ev);
}
