/* SPDX-License-Identifier: ISC */
/* report_json.c: the analyze report's JSON pieces (schema version 1):
 * sessions, unattributed connections, inputs and totals, for the -F json
 * document and the -F ndjson records that report.c puts together, and
 * for live's events. */
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/community_id.h"
#include "ftpaudit/jw.h"
#include "ftpaudit/nat.h"
#include "ftpaudit/records.h"
#include "report_fmt.h"
#include "report_int.h"

#define SCHEMA_VERSION	1

void
report_json_bytes(struct jw *w, const char *key, bool has, const struct fa_bytes *b)
{
	jw_key(w, key);
	if (has)
		jw_wire(w, b->p, b->len);
	else
		jw_null(w);
}

void
report_json_cstr(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	if (s != NULL)
		jw_wire(w, (const uint8_t *)s, strlen(s));
	else
		jw_null(w);
}

void
report_json_code(struct jw *w, const char *key, int code)
{
	jw_key(w, key);
	if (code)
		jw_int(w, code);
	else
		jw_null(w);
}

void
report_json_verb(struct jw *w, const struct fa_command *c)
{
	if (c->verb_long.p != NULL)
		jw_wire(w, c->verb_long.p, c->verb_long.len);
	else
		jw_wire_str(w, c->verb);
}

void
report_transfer_bytes(struct jw *w, const struct fa_transfer *t)
{
	jw_key(w, "bytes"); jw_uint(w, fa_transfer_bytes(t));
	jw_key(w, "bytes_captured"); jw_uint(w, fa_transfer_bytes_captured(t));
	jw_key(w, "size");
	if (t->has_size)
		jw_uint(w, t->size);
	else
		jw_null(w);
}

static void
endpoint(struct jw *w, const char *key, const struct fa_endpoint *ep)
{
	jw_key(w, key);
	jw_endpoint(w, ep, true);
}

void
report_community_id(struct jw *w, const struct fa_endpoint *a,
    const struct fa_endpoint *b)
{
	char id[COMMUNITY_ID_LEN];
	int n;

	jw_key(w, "community_id");
	if ((n = community_id_v1(a, b, 6, 0, id)) == -1)
		jw_null(w);
	else
		jw_litn(w, id, (size_t)n);
}

static void
reply(struct jw *w, const struct fa_reply *r)
{
	jw_obj(w);
	jw_key(w, "ts"); jw_ts(w, r->ts_us);
	/* null: a line without a valid code */
	report_json_code(w, "code", r->code);
	jw_key(w, "text"); jw_wire(w, r->text.p, r->text.len);
	jw_end_obj(w);
}

static void
command(struct jw *w, const struct fa_command *c)
{
	uint32_t i;

	jw_obj(w);
	jw_key(w, "ts"); jw_ts(w, c->ts_us);
	jw_key(w, "command"); report_json_verb(w, c);
	report_json_bytes(w, "arg", c->has_arg, &c->arg);
	jw_key(w, "replies");
	jw_arr(w);
	for (i = 0; i < c->nreplies; i++)
		reply(w, &c->replies[i]);
	jw_end_arr(w);
	report_json_code(w, "reply_code", c->reply_code);
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

/* Why the helper would not open it, as words: records carry them back. */
static void
helper_obstacles(struct jw *w, uint32_t flags)
{
	uint32_t bit;

	jw_key(w, "helper_obstacles");
	jw_arr(w);
	for (bit = 1; bit <= FA_HELPER_FAMILY; bit <<= 1)
		if (flags & bit)
			jw_lit(w, records_helper_word(bit));
	jw_end_arr(w);
}

static void
transfer(struct jw *w, const struct fa_transfer *t)
{
	jw_obj(w);
	jw_key(w, "id"); jw_uint(w, t->id);
	jw_key(w, "mode"); jw_lit(w, fa_mode_str(t->mode));
	jw_key(w, "negotiation"); jw_lit(w, fa_neg_str(t->neg));
	endpoint(w, "announced", &t->announced);
	connection(w, t);
	if (t->connected)
		report_community_id(w, &t->data_client, &t->data_server);
	else {
		jw_key(w, "community_id");
		jw_null(w);
	}
	report_json_cstr(w, "command", t->command);
	report_json_bytes(w, "arg", t->arg.p != NULL, &t->arg);
	report_json_cstr(w, "path", t->path);
	report_json_cstr(w, "direction", fa_dir_str(t->dir));
	report_transfer_bytes(w, t);
	ts_or_null(w, "start", t->connected, t->start_us);
	ts_or_null(w, "end", t->connected, t->end_us);
	jw_key(w, "duration_s");
	if (t->connected)
		jw_usecs(w, t->end_us - t->start_us);
	else
		jw_null(w);
	jw_key(w, "status"); jw_lit(w, fa_xstatus_str(t->status));
	report_json_code(w, "reply_code", t->reply_code);
	nat(w, t->nat);
	endpoint(w, "expected", &t->expected);
	jw_key(w, "negotiated"); jw_ts(w, t->neg_ts_us);
	helper_obstacles(w, t->helper_flags);
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
	if (n == NULL || n->kind == FA_NAT_NONE)
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
report_session_members(struct jw *w, const struct fa_session *s,
    report_extend_fn extend, void *arg)
{
	uint32_t i;

	jw_key(w, "id"); jw_uint(w, s->id);
	endpoint(w, "client", &s->client);
	endpoint(w, "server", &s->server);
	report_community_id(w, &s->client, &s->server);
	jw_key(w, "start"); jw_ts(w, s->start_us);
	jw_key(w, "end"); jw_ts(w, s->end_us);
	jw_key(w, "end_reason"); jw_lit(w, fa_end_reason_str(s->end_reason));
	report_json_bytes(w, "banner", s->has_banner, &s->banner);
	report_json_bytes(w, "user", s->has_user, &s->user);
	report_json_bytes(w, "password", s->has_password, &s->password);
	report_json_bytes(w, "account", s->has_account, &s->account);
	jw_key(w, "login"); jw_lit(w, fa_login_str(s->login));
	jw_key(w, "login_failures"); jw_uint(w, s->login_failures);
	jw_key(w, "tls"); jw_bool(w, s->tls);
	jw_key(w, "implicit_tls"); jw_bool(w, s->implicit_tls);
	report_json_cstr(w, "cwd", s->cwd);
	report_json_cstr(w, "type", s->type[0] ? s->type : NULL);
	jw_key(w, "epsv_all"); jw_bool(w, s->epsv_all);
	jw_key(w, "detected"); jw_bool(w, s->detected);
	jw_key(w, "control_handshake"); jw_lit(w, fa_handshake_str(s->ctl_handshake));
	nat(w, s->nat);
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
}

void
report_session_write(struct jw *w, const struct fa_session *s,
    report_extend_fn extend, void *arg)
{
	jw_obj(w);
	report_session_members(w, s, extend, arg);
	jw_end_obj(w);
}

void
report_stats_write(struct jw *w, const struct fa_stats *st)
{
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

void
report_json_inputs(struct jw *w, const struct capture *cap)
{
	const struct capture_input *in;
	size_t i;

	jw_arr(w);
	for (i = 0; cap != NULL && i < capture_count(cap); i++) {
		in = capture_input(cap, i);
		jw_obj(w);
		report_json_cstr(w, "source", in->source);
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

void
report_unattributed_members(struct jw *w, const struct fa_unattributed *u)
{
	endpoint(w, "initiator", &u->initiator);
	endpoint(w, "responder", &u->responder);
	report_community_id(w, &u->initiator, &u->responder);
	jw_key(w, "start"); jw_ts(w, u->start_us);
	jw_key(w, "bytes"); jw_uint(w, u->bytes);
}

/* What the -F json document and the -F ndjson "stats" record both
 * begin with. */
void
report_json_tool(struct jw *w)
{
	jw_key(w, "tool"); jw_lit(w, "ftpaudit");
	jw_key(w, "version"); jw_lit(w, PACKAGE_VERSION);
	jw_key(w, "schema_version"); jw_int(w, SCHEMA_VERSION);
}
