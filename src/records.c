/* SPDX-License-Identifier: ISC */
/* records.c: -F ndjson session records read back into sessions, so that
 * rules and audit take the records of many sensors in place of captures. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ftpaudit/nat.h"
#include "ftpaudit/records.h"
#include "session_int.h"

#define RECORDS_SCHEMA	1

/* "2023-11-14T22:13:20.001250Z" to microseconds; -1 when not that. */
static int
ts_parse(json_t *j, uint64_t *us)
{
	const char *s = json_string_value(j);
	struct tm tm;
	unsigned long frac = 0;
	char *end;
	time_t t;
	int n = 0;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof tm);
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*end == '.') {
		for (end++; *end >= '0' && *end <= '9' && n < 6; end++, n++)
			frac = frac * 10 + (unsigned long)(*end - '0');
		for (; n < 6; n++)
			frac *= 10;
	}
	if (strcmp(end, "Z") != 0 || (t = timegm(&tm)) < 0)
		return -1;
	*us = (uint64_t)t * 1000000 + frac;
	return 0;
}

static int
ts_opt(json_t *o, const char *key, uint64_t *us)
{
	json_t *j = json_object_get(o, key);

	*us = 0;
	return j == NULL || json_is_null(j) ? 0 : ts_parse(j, us);
}

/* {"ip": ..., "port": ...}; a null address or port stays zero. */
static int
endpoint(json_t *o, const char *key, struct fa_endpoint *ep)
{
	json_t *j = json_object_get(o, key), *ip, *port;

	memset(ep, 0, sizeof *ep);
	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_object(j))
		return -1;
	ip = json_object_get(j, "ip");
	port = json_object_get(j, "port");
	if (json_is_string(ip) && fa_addr_parse(json_string_value(ip),
	    &ep->ip) == -1)
		return -1;
	if (json_is_integer(port)) {
		if (json_integer_value(port) < 0 ||
		    json_integer_value(port) > 65535)
			return -1;
		ep->port = (uint16_t)json_integer_value(port);
	}
	return 0;
}

static int
int_of(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);

	return json_is_integer(j) ? (int)json_integer_value(j) : 0;
}

static bool
bool_of(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* The name's index in names, -1 when not there. */
static int
enum_of(json_t *o, const char *key, const char *(*str)(int), int n)
{
	const char *v = json_string_value(json_object_get(o, key));
	int i;

	if (v == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (str(i) != NULL && strcmp(str(i), v) == 0)
			return i;
	return -1;
}

static const char *mode_s(int i) { return fa_mode_str((enum fa_mode)i); }
static const char *neg_s(int i) { return fa_neg_str((enum fa_neg)i); }
static const char *dir_s(int i) { return fa_dir_str((enum fa_dir)i); }
static const char *xs_s(int i) { return fa_xstatus_str((enum fa_xstatus)i); }
static const char *hs_s(int i) { return fa_handshake_str((enum fa_handshake)i); }
static const char *login_s(int i) { return fa_login_str((enum fa_login)i); }
static const char *nat_s(int i) { return fa_nat_kind_str((enum fa_nat_kind)i); }

/* A string member into the pool; absent or null leaves b empty. */
static int
bytes(struct fa_session *s, json_t *o, const char *key, struct fa_bytes *b,
    bool *has)
{
	json_t *j = json_object_get(o, key);

	memset(b, 0, sizeof *b);
	if (has != NULL)
		*has = false;
	if (!json_is_string(j))
		return 0;
	if (has != NULL)
		*has = true;
	return session_bytes(s, b, (const uint8_t *)json_string_value(j),
	    json_string_length(j));
}

static struct fa_nat *
nat(struct fa_session *s, json_t *o)
{
	json_t *j = json_object_get(o, "nat"), *in, *out, *pr;
	struct fa_nat *n;
	int k;

	if (!json_is_object(j))
		return NULL;
	if ((n = session_alloc(s, sizeof *n)) == NULL)
		return NULL;
	memset(n, 0, sizeof *n);
	if ((k = enum_of(j, "kind", nat_s, 4)) > 0)
		n->kind = (enum fa_nat_kind)k;
	in = json_object_get(j, "inside");
	out = json_object_get(j, "outside");
	(void)endpoint(in, "client", &n->in_client);
	(void)endpoint(in, "server", &n->in_server);
	(void)endpoint(out, "client", &n->out_client);
	(void)endpoint(out, "server", &n->out_server);
	pr = json_object_get(j, "payload_rewritten");
	n->payload_rewritten = json_is_boolean(pr) ? json_is_true(pr) : -1;
	return n;
}

static int
command(struct fa_session *s, json_t *j, struct fa_command *c)
{
	const char *v = json_string_value(json_object_get(j, "command"));
	json_t *r = json_object_get(j, "replies"), *x;
	size_t i;

	memset(c, 0, sizeof *c);
	if (v == NULL || ts_parse(json_object_get(j, "ts"), &c->ts_us) == -1)
		return -1;
	snprintf(c->verb, sizeof c->verb, "%s", v);
	c->id = ftp_verb_lookup((const uint8_t *)c->verb, strlen(c->verb));
	if (bytes(s, j, "arg", &c->arg, &c->has_arg) == -1)
		return -1;
	c->reply_code = int_of(j, "reply_code");
	if (!json_is_array(r) || json_array_size(r) == 0)
		return 0;
	if ((c->replies = session_alloc(s, json_array_size(r) *
	    sizeof *c->replies)) == NULL)
		return -1;
	json_array_foreach(r, i, x) {
		struct fa_reply *p = &c->replies[c->nreplies++];

		memset(p, 0, sizeof *p);
		p->code = int_of(x, "code");
		(void)ts_opt(x, "ts", &p->ts_us);
		if (bytes(s, x, "text", &p->text, NULL) == -1)
			return -1;
	}
	c->replies_cap = c->nreplies;
	return 0;
}

static const char *const helper_words[] = { "tls", "port", "address",
	"split", "bare_lf", "family" };

const char *
records_helper_word(uint32_t bit)
{
	size_t i;

	for (i = 0; i < sizeof helper_words / sizeof helper_words[0]; i++)
		if (bit == 1u << i)
			return helper_words[i];
	return NULL;
}

/* "helper_obstacles": words back into FA_HELPER_* bits. */
static int
helper(json_t *j, uint32_t *flags)
{
	json_t *a = json_object_get(j, "helper_obstacles"), *x;
	const char *w;
	size_t i, k;

	*flags = 0;
	json_array_foreach(a, i, x) {
		if ((w = json_string_value(x)) == NULL)
			return -1;
		for (k = 0; k < sizeof helper_words / sizeof helper_words[0]; k++)
			if (strcmp(w, helper_words[k]) == 0)
				*flags |= 1u << k;
	}
	return 0;
}

static int
transfer(struct fa_session *s, json_t *j, struct fa_transfer *t)
{
	json_t *cn = json_object_get(j, "connection");
	const char *cmd, *who;
	int v;

	memset(t, 0, sizeof *t);
	t->cmd_index = -1;
	t->id = (uint32_t)int_of(j, "id");
	if ((v = enum_of(j, "mode", mode_s, 2)) < 0)
		return -1;
	t->mode = (enum fa_mode)v;
	if ((v = enum_of(j, "negotiation", neg_s, 7)) < 0)
		return -1;
	t->neg = (enum fa_neg)v;
	if (endpoint(j, "announced", &t->announced) == -1 ||
	    endpoint(j, "expected", &t->expected) == -1 ||
	    ts_opt(j, "negotiated", &t->neg_ts_us) == -1)
		return -1;
	if (helper(j, &t->helper_flags) == -1)
		return -1;
	if (json_is_object(cn)) {
		t->connected = true;
		if (endpoint(cn, "client", &t->data_client) == -1 ||
		    endpoint(cn, "server", &t->data_server) == -1)
			return -1;
		who = json_string_value(json_object_get(cn, "initiator"));
		t->initiator_server = who != NULL && strcmp(who, "server") == 0;
		if ((v = enum_of(cn, "handshake", hs_s, 4)) >= 0)
			t->handshake = (enum fa_handshake)v;
		if (ts_opt(j, "start", &t->start_us) == -1 ||
		    ts_opt(j, "end", &t->end_us) == -1)
			return -1;
	}
	if ((cmd = json_string_value(json_object_get(j, "command"))) != NULL) {
		char *p;

		if ((p = session_alloc(s, strlen(cmd) + 1)) == NULL)
			return -1;
		t->command = strcpy(p, cmd);
	}
	if (bytes(s, j, "arg", &t->arg, NULL) == -1)
		return -1;
	if ((cmd = json_string_value(json_object_get(j, "path"))) != NULL) {
		if ((t->path = session_alloc(s, strlen(cmd) + 1)) == NULL)
			return -1;
		strcpy(t->path, cmd);
	}
	if ((v = enum_of(j, "direction", dir_s, 4)) > 0)
		t->dir = (enum fa_dir)v;
	if ((v = enum_of(j, "status", xs_s, 5)) >= 0)
		t->status = (enum fa_xstatus)v;
	t->reply_code = int_of(j, "reply_code");
	if (json_is_integer(json_object_get(j, "size"))) {
		t->has_size = true;
		t->size = (uint64_t)json_integer_value(json_object_get(j, "size"));
	}
	t->bytes_seq[t->dir == FA_DIR_UPLOAD ? 0 : 1] =
	    (uint64_t)int_of(j, "bytes");
	t->closed = t->reported = true;
	t->nat = nat(s, j);
	return 0;
}

/* Arrays of the record into the session's pool. */
static int
lists(struct fa_session *s, json_t *rec)
{
	json_t *a, *x;
	size_t i;

	a = json_object_get(rec, "commands");
	if (json_is_array(a) && json_array_size(a) > 0) {
		if ((s->cmds = session_alloc(s, json_array_size(a) *
		    sizeof *s->cmds)) == NULL)
			return -1;
		json_array_foreach(a, i, x)
			if (command(s, x, &s->cmds[s->ncmds++]) == -1)
				return -1;
		s->cmds_cap = s->ncmds;
	}
	a = json_object_get(rec, "transfers");
	if (json_is_array(a) && json_array_size(a) > 0) {
		if ((s->xfers = session_alloc(s, json_array_size(a) *
		    sizeof *s->xfers)) == NULL)
			return -1;
		json_array_foreach(a, i, x)
			if (transfer(s, x, &s->xfers[s->nxfers++]) == -1)
				return -1;
		s->xfers_cap = s->nxfers;
	}
	return 0;
}

/* One "session" record: a new session (one reference), or NULL. */
static struct fa_session *
session(json_t *rec, const char *sensor, const char **why)
{
	struct fa_session *s;
	int v;

	*why = "not a session record of schema version 1";
	if (!json_is_integer(json_object_get(rec, "id")) ||
	    (s = session_new((uint64_t)json_integer_value(json_object_get(rec,
	    "id")), 0)) == NULL)
		return NULL;
	s->ended = true;
	if (endpoint(rec, "client", &s->client) == -1 ||
	    endpoint(rec, "server", &s->server) == -1 ||
	    s->client.ip.family == FA_AF_NONE ||
	    ts_opt(rec, "start", &s->start_us) == -1 ||
	    ts_opt(rec, "end", &s->end_us) == -1)
		goto bad;
	if ((v = enum_of(rec, "login", login_s, 3)) >= 0)
		s->login = (enum fa_login)v;
	s->login_failures = (uint32_t)int_of(rec, "login_failures");
	s->tls = bool_of(rec, "tls");
	s->implicit_tls = bool_of(rec, "implicit_tls");
	s->epsv_all = bool_of(rec, "epsv_all");
	s->detected = bool_of(rec, "detected");
	/* Anomalies are not read back, but how many there were is, in the
	 * count of those not kept: --anomalous (select.c) reads it. */
	s->anoms_dropped = json_array_size(json_object_get(rec, "anomalies")) +
	    (uint64_t)int_of(rec, "anomalies_dropped");
	if (bytes(s, rec, "user", &s->user, &s->has_user) == -1 ||
	    bytes(s, rec, "banner", &s->banner, &s->has_banner) == -1)
		goto bad;
	if (sensor != NULL && (s->sensor = strdup(sensor)) == NULL)
		goto bad;
	s->nat = nat(s, rec);
	if (lists(s, rec) == -1)
		goto bad;
	return s;
bad:
	fa_session_unref(s);
	return NULL;
}

/* Every session read, owned (one reference each), until all are. */
struct gathered {
	struct fa_session **v;
	size_t		 n, cap;
};

static int
gather(struct gathered *g, struct fa_session *s)
{
	struct fa_session **v;
	size_t cap;

	if (g->n == g->cap) {
		cap = g->cap ? g->cap * 2 : 64;
		if ((v = reallocarray(g->v, cap, sizeof *v)) == NULL)
			return -1;
		g->v = v;
		g->cap = cap;
	}
	g->v[g->n++] = s;
	return 0;
}

/* One line: 0, or -1 with *why said. */
static int
line(const char *buf, size_t len, struct gathered *g, const char **why,
    char *jerr, size_t jerrlen)
{
	json_error_t e;
	json_t *rec, *sv, *body;
	const char *kind, *event;
	struct fa_session *s;
	int rc = -1;

	if ((rec = json_loadb(buf, len, 0, &e)) == NULL) {
		snprintf(jerr, jerrlen, "not JSON: %s", e.text);
		*why = jerr;
		return -1;
	}
	*why = "not a record: an object with a \"record\" member expected";
	if (!json_is_object(rec))
		goto done;
	body = json_object_get(rec, "record");
	/* live -F ndjson: an event line; its session_end carries the
	 * session record, every other event is skipped. */
	if ((event = json_string_value(json_object_get(rec, "event"))) !=
	    NULL) {
		if (strcmp(event, "session_end") != 0) {
			rc = 0;
			goto done;
		}
		if (!json_is_object(body))
			goto done;
		kind = "session";
	} else if ((kind = json_string_value(body)) == NULL)
		goto done;
	else
		body = rec;
	sv = json_object_get(rec, "schema_version");
	if (sv != NULL && (!json_is_integer(sv) ||
	    json_integer_value(sv) != RECORDS_SCHEMA)) {
		*why = "schema_version is not 1: records of another version";
		goto done;
	}
	if (strcmp(kind, "session") != 0) {
		rc = 0;	/* unattributed, stats, and kinds of later versions */
		goto done;
	}
	if ((s = session(body, json_string_value(json_object_get(rec,
	    "sensor")), why)) == NULL)
		goto done;
	if ((rc = gather(g, s)) == -1) {
		*why = "out of memory";
		fa_session_unref(s);
	}
done:
	json_decref(rec);
	return rc;
}

static int
read_file(const char *name, struct gathered *g, char *err, size_t errlen)
{
	FILE *f;
	char *buf = NULL, jerr[200];
	size_t cap = 0, n;
	ssize_t got;
	unsigned long lineno = 0;
	const char *why = NULL;
	int rc = 0;

	if (strcmp(name, "-") == 0)
		f = stdin;
	else if ((f = fopen(name, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	while ((got = getline(&buf, &cap, f)) != -1) {
		lineno++;
		n = (size_t)got;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		if (line(buf, n, g, &why, jerr, sizeof jerr) == -1) {
			snprintf(err, errlen, "%s:%lu: %s",
			    f == stdin ? "standard input" : name, lineno, why);
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: read error", name);
		rc = -1;
	}
	free(buf);
	if (f != stdin)
		fclose(f);
	return rc;
}

/* The order the engine ends sessions in: by end, then by id (sessions
 * that end together at the end of a capture), then by sensor. */
static int
by_end(const struct fa_session *s, const struct fa_session *t)
{
	if (s->end_us != t->end_us)
		return s->end_us < t->end_us ? -1 : 1;
	if (s->id != t->id)
		return s->id < t->id ? -1 : 1;
	return strcmp(s->sensor ? s->sensor : "", t->sensor ? t->sensor : "");
}

int
records_read(char *const *files, size_t n, records_fn fn, void *arg,
    char *err, size_t errlen)
{
	struct gathered g = { NULL, 0, 0 };
	size_t i, k, best, *at, *end;
	int rc = 0;

	if ((at = calloc(n + 1, sizeof *at)) == NULL ||
	    (end = calloc(n + 1, sizeof *end)) == NULL) {
		free(at);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		at[i] = g.n;
		rc = read_file(files[i], &g, err, errlen);
		end[i] = g.n;
	}
	/* Merged: each file as it is (one sensor's ending order), the
	 * files by their next session's end. */
	while (rc == 0) {
		for (best = n, k = 0; k < n; k++)
			if (at[k] < end[k] && (best == n ||
			    by_end(g.v[at[k]], g.v[at[best]]) < 0))
				best = k;
		if (best == n)
			break;
		if (fn(arg, g.v[at[best]++]) == -1) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
	}
	for (i = 0; i < g.n; i++)
		fa_session_unref(g.v[i]);
	free(g.v);
	free(at);
	free(end);
	return rc;
}
