/* SPDX-License-Identifier: ISC */
/* tui_text.c: the text of the live view: table rows, the session detail and
 * the firewall needs.  Every byte that came off the wire goes through
 * sanitize() here, so nothing the peers sent can reach the terminal as a
 * control character or escape sequence. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ftpaudit/fmt.h"
#include "ftpaudit/report.h"
#include "ftpaudit/rules.h"
#include "tui_int.h"

void
tui_lines_add(struct tui_lines *l, const char *fmt, ...)
{
	char **v, *s;
	va_list ap;
	int rc;

	if (l->n == l->cap) {
		if ((v = realloc(l->v, (l->cap ? l->cap * 2 : 64) * sizeof *v)) == NULL)
			return;
		l->v = v;
		l->cap = l->cap ? l->cap * 2 : 64;
	}
	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc != -1)
		l->v[l->n++] = s;
}

void
tui_lines_add_unique(struct tui_lines *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return;
	tui_lines_add(l, "%s", s);
}

void
tui_lines_clear(struct tui_lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

const char *
tui_fmt_bytes(uint64_t n, char *buf)
{
	static const char units[] = "KMGTP";
	double v = (double)n;
	int u = -1;

	if (n < 1000) {
		snprintf(buf, 16, "%llu", (unsigned long long)n);
		return buf;
	}
	while (v >= 1000 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, 16, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
	return buf;
}

/* Sanitised copy of wire bytes, "-" when absent; free it. */
static char *
wire(bool has, const uint8_t *p, size_t len)
{
	char *s;

	if (!has)
		return strdup("-");
	s = sanitize(p, len);
	return s != NULL ? s : strdup("?");
}

static const char *
ep_str(const struct fa_endpoint *ep, char *buf, size_t len)
{
	char a[FA_ADDRSTRLEN];

	fa_addr_str(&ep->ip, a);
	snprintf(buf, len, ep->ip.family == FA_AF_INET6 ? "[%s]:%u" : "%s:%u", a,
	    ep->port);
	return buf;
}

static const char *
hms(uint64_t ts_us, char *buf, size_t len)
{
	time_t t = (time_t)(ts_us / 1000000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%H:%M:%S", &tm) == 0)
		snprintf(buf, len, "?");
	return buf;
}

uint64_t
tui_session_bytes(const struct fa_session *s)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < s->nxfers; i++)
		n += fa_transfer_bytes(&s->xfers[i]);
	return n;
}

/* The latest command still waiting for its final reply, as "VERB arg". */
static char *
command_in_progress(const struct fa_session *s)
{
	const struct fa_command *c;
	char *v, *a, *out;

	if (s->ended || s->ncmds == 0 || s->cmds[s->ncmds - 1].reply_code != 0)
		return strdup("-");
	c = &s->cmds[s->ncmds - 1];
	v = wire(true, (const uint8_t *)c->verb, strlen(c->verb));
	a = wire(c->has_arg, c->arg.p, c->arg.len);
	if (v == NULL || a == NULL || asprintf(&out, "%s %s", v,
	    c->has_arg ? a : "") == -1)
		out = NULL;
	free(v);
	free(a);
	return out;
}

#define ROW_FMT	"%5s %-23.23s %-23.23s %-16.16s %-7.7s %-3.3s %-4.4s %-22.22s %3s %7s %8s %s"

void
tui_table_title(char *buf, size_t len)
{
	snprintf(buf, len, ROW_FMT, "ID", "CLIENT", "SERVER", "USER", "LOGIN",
	    "TLS", "MODE", "IN PROGRESS", "XF", "BYTES", "RATE", "STATE");
}

void
tui_table_row(char *buf, size_t len, const struct fa_session *s, uint64_t rate)
{
	char id[24], cl[64], sv[64], xf[12], by[16], rt[24];
	char *user = wire(s->has_user, s->user.p, s->user.len);
	char *cmd = command_in_progress(s);

	snprintf(id, sizeof id, "%llu", (unsigned long long)s->id);
	snprintf(xf, sizeof xf, "%u", s->nxfers);
	tui_fmt_bytes(rate, rt);
	strcat(rt, "/s");
	snprintf(buf, len, ROW_FMT, id, ep_str(&s->client, cl, sizeof cl),
	    ep_str(&s->server, sv, sizeof sv), user ? user : "?",
	    s->login == FA_LOGIN_NONE ? "-" : fa_login_str(s->login),
	    s->tls ? "yes" : "no",
	    s->nxfers ? fa_neg_str(s->xfers[s->nxfers - 1].neg) : "-",
	    cmd ? cmd : "?", xf, tui_fmt_bytes(tui_session_bytes(s), by),
	    s->ended ? "" : rt, s->ended ? fa_end_reason_str(s->end_reason) : "open");
	free(user);
	free(cmd);
}

/* The size a 150 reply announces, "(12345 bytes)", or 0. */
static uint64_t
announced_size(const struct fa_session *s, const struct fa_transfer *t)
{
	const struct fa_command *c;
	unsigned long long n;
	const char *p;
	char *text;
	uint32_t i;

	if (t->cmd_index < 0 || (uint32_t)t->cmd_index >= s->ncmds)
		return 0;
	c = &s->cmds[t->cmd_index];
	for (i = 0; i < c->nreplies; i++) {
		if (c->replies[i].code != 150 ||
		    (text = wire(true, c->replies[i].text.p, c->replies[i].text.len)) == NULL)
			continue;
		n = 0;
		if ((p = strrchr(text, '(')) == NULL ||
		    sscanf(p, "(%llu bytes)", &n) != 1)
			n = 0;
		free(text);
		if (n > 0)
			return n;
	}
	return 0;
}

/* "[#####.....]  52%" when the size is known. */
static void
progress(char *buf, size_t len, uint64_t done, uint64_t total)
{
	char bar[21];
	int i, fill;

	if (total == 0) {
		buf[0] = '\0';
		return;
	}
	if (done > total)
		done = total;
	fill = (int)(done * 20 / total);
	for (i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[20] = '\0';
	snprintf(buf, len, " [%s] %3d%%", bar, (int)(done * 100 / total));
}

static void
transfer_lines(struct tui_lines *l, const struct fa_session *s)
{
	const struct fa_transfer *t;
	char by[16], tot[16], bar[40], dc[64], ds[64], *path;
	uint64_t size;
	uint32_t i;
	bool nocap;

	tui_lines_add(l, "Transfers (%u)", s->nxfers);
	for (i = 0; i < s->nxfers; i++) {
		t = &s->xfers[i];
		path = t->path ? sanitize((const uint8_t *)t->path, strlen(t->path)) : NULL;
		size = announced_size(s, t);
		/* Ended with no data connection seen: not "0 of" its size. */
		nocap = t->reported && !t->connected;
		progress(bar, sizeof bar, fa_transfer_bytes(t), nocap ? 0 : size);
		tui_lines_add(l, "  #%u %s %s %s %s  %s%s%s%s  %s", t->id,
		    fa_neg_str(t->neg), fa_mode_str(t->mode),
		    t->dir == FA_DIR_NONE ? "-" : fa_dir_str(t->dir),
		    path ? path : "-", nocap ? "not captured" :
		    tui_fmt_bytes(fa_transfer_bytes(t), by),
		    size ? (nocap ? ", announced " : " of ") : "",
		    size ? tui_fmt_bytes(size, tot) : "", bar,
		    t->reported ? fa_xstatus_str(t->status) :
		    t->connected ? "in progress" : "negotiated");
		if (t->connected)
			tui_lines_add(l, "       data %s <-> %s",
			    ep_str(&t->data_client, dc, sizeof dc),
			    ep_str(&t->data_server, ds, sizeof ds));
		free(path);
	}
}

static void
command_lines(struct tui_lines *l, const struct fa_session *s)
{
	const struct fa_command *c;
	char ts[16], *v, *a, *r;
	uint32_t i, j;

	tui_lines_add(l, "Commands (%u)", s->ncmds);
	for (i = 0; i < s->ncmds; i++) {
		c = &s->cmds[i];
		v = c->verb_long.p ? wire(true, c->verb_long.p, c->verb_long.len) :
		    wire(true, (const uint8_t *)c->verb, strlen(c->verb));
		a = wire(c->has_arg, c->arg.p, c->arg.len);
		tui_lines_add(l, "  %s > %s%s%s", hms(c->ts_us, ts, sizeof ts),
		    v ? v : "?", c->has_arg ? " " : "", c->has_arg && a ? a : "");
		free(v);
		free(a);
		for (j = 0; j < c->nreplies; j++) {
			r = wire(true, c->replies[j].text.p, c->replies[j].text.len);
			tui_lines_add(l, "  %s < %d %s", hms(c->replies[j].ts_us, ts,
			    sizeof ts), c->replies[j].code, r ? r : "?");
			free(r);
		}
	}
}

static void
anomaly_lines(struct tui_lines *l, const struct fa_session *s)
{
	char ts[16], *d;
	uint32_t i;

	tui_lines_add(l, "Anomalies (%u)", s->nanoms);
	for (i = 0; i < s->nanoms; i++) {
		d = s->anoms[i].detail ? sanitize((const uint8_t *)s->anoms[i].detail,
		    strlen(s->anoms[i].detail)) : NULL;
		tui_lines_add(l, "  %s %s: %s", hms(s->anoms[i].ts_us, ts, sizeof ts),
		    s->anoms[i].type, d ? d : "");
		free(d);
	}
}

void
tui_session_lines(struct tui_lines *l, const struct fa_session *s)
{
	char cl[64], sv[64], t1[FA_TSLEN], t2[FA_TSLEN];
	char *user = wire(s->has_user, s->user.p, s->user.len);
	char *banner = wire(s->has_banner, s->banner.p, s->banner.len);
	char *cwd = s->cwd ? sanitize((const uint8_t *)s->cwd, strlen(s->cwd)) : NULL;

	tui_lines_add(l, "Session %llu  %s -> %s  %s%s",
	    (unsigned long long)s->id, ep_str(&s->client, cl, sizeof cl),
	    ep_str(&s->server, sv, sizeof sv), s->ended ? "ended: " : "open",
	    s->ended ? fa_end_reason_str(s->end_reason) : "");
	tui_lines_add(l, "User %s  login %s (%u failed)  TLS %s  type %s  cwd %s",
	    user ? user : "?", fa_login_str(s->login), s->login_failures,
	    s->tls ? (s->implicit_tls ? "implicit" : "yes") : "no",
	    s->type[0] ? s->type : "-", cwd ? cwd : "-");
	tui_lines_add(l, "Banner %s", banner ? banner : "?");
	tui_lines_add(l, "Started %s%s%s", fmt_ts(s->start_us, t1),
	    s->ended ? "  ended " : "", s->ended ? fmt_ts(s->end_us, t2) : "");
	free(user);
	free(banner);
	free(cwd);
	tui_lines_add(l, "%s", "");
	transfer_lines(l, s);
	tui_lines_add(l, "%s", "");
	tui_lines_add(l, "Firewall needs (server side, rules as if this session were all)");
	tui_needs_lines(l, s, "  ");
	tui_lines_add(l, "%s", "");
	anomaly_lines(l, s);
	tui_lines_add(l, "%s", "");
	command_lines(l, s);
}

/* Why the kernel's FTP conntrack helper would not open it, or that it would. */
static void
helper_why(const struct rules_opening *o, char *buf, size_t len)
{
	uint32_t bit;
	size_t n;

	if (o->purpose != RP_PASSIVE && o->purpose != RP_ACTIVE) {
		buf[0] = '\0';
		return;
	}
	n = (size_t)snprintf(buf, len, "%s", o->helper_covers ?
	    "  the ftp conntrack helper covers it" : "  the ftp conntrack helper misses it");
	for (bit = 1; bit <= FA_HELPER_FAMILY && n < len; bit <<= 1)
		if ((o->helper_flags & bit) && rules_helper_note(bit) != NULL)
			n += (size_t)snprintf(buf + n, len - n, ": %s", rules_helper_note(bit));
}

/* The rules module's openings for one session, with the rule covering each
 * as if this session were all there is. */
void
tui_needs_lines(struct tui_lines *l, const struct fa_session *s, const char *in)
{
	char a[FA_ADDRSTRLEN], b[FA_ADDRSTRLEN], id[16], port[16], why[512];
	struct rules_opening *v = NULL;
	struct rules_opts ro;
	struct rules *r;
	size_t i, n = 0;

	rules_opts_defaults(&ro);
	if ((r = rules_new(&ro)) == NULL || rules_add_session(r, s) == -1 ||
	    rules_finish(r) == -1 || rules_openings(r, s, &v, &n) == -1) {
		tui_lines_add(l, "%s(out of memory)", in);
		rules_free(r);
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, v[i].rule ? "R%u" : "-", v[i].rule);
		port[0] = '\0';
		if (v[i].initiator_port_known)
			snprintf(port, sizeof port, ":%u", v[i].initiator.port);
		helper_why(&v[i], why, sizeof why);
		tui_lines_add(l, "%s%-4s %-14s tcp %s%s -> %s port %u%s", in, id,
		    rules_purpose_str(v[i].purpose),
		    fa_addr_str(&v[i].initiator.ip, a), port,
		    fa_addr_str(&v[i].responder.ip, b), v[i].responder.port, why);
	}
	if (n == 0)
		tui_lines_add(l, "%s(none yet)", in);
	free(v);
	rules_free(r);
}

/* Our own text with tabs as four spaces, then sanitised. */
static char *
sanitize_tabs(const char *line)
{
	char *t, *out;
	size_t i, n = 0;

	if ((t = malloc(strlen(line) * 4 + 1)) == NULL)
		return NULL;
	for (i = 0; line[i] != '\0'; i++) {
		if (line[i] == '\t') {
			memcpy(t + n, "    ", 4);
			n += 4;
		} else
			t[n++] = line[i];
	}
	out = sanitize((const uint8_t *)t, n);
	free(t);
	return out;
}

/* The recommended rules for every session given, as `ftpaudit rules` would
 * print them (text table, then the nft script). */
void
tui_rules_lines(struct tui_lines *l, struct fa_session *const *ss, size_t n)
{
	struct rules_opts ro;
	struct rules *r;
	char *buf = NULL, *line, *save, *clean;
	size_t len = 0, i;
	FILE *f;
	int rc = 0;

	rules_opts_defaults(&ro);
	if ((r = rules_new(&ro)) == NULL || (f = open_memstream(&buf, &len)) == NULL) {
		rules_free(r);
		tui_lines_add(l, "(out of memory)");
		return;
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = rules_add_session(r, ss[i]);
	if (rc == 0 && rules_finish(r) == 0) {
		rules_text(r, f);
		fputs("\nAs an nft script (ftpaudit rules -F nft):\n\n", f);
		rules_nft(r, f, NULL);
	}
	fclose(f);
	rules_free(r);
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		/* Addresses only, but the view draws nothing unsanitised;
		 * tabs (the nft indentation) become spaces first. */
		clean = sanitize_tabs(line);
		tui_lines_add(l, "%s", clean ? clean : "?");
		free(clean);
	}
	free(buf);
}
