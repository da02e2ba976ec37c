/* SPDX-License-Identifier: ISC */
/*
 * report_text.c: the readable report: the summary (summary.h) and then
 * each session.  Every byte from the wire goes through fput_wire()
 * (sanitize()'s escaping) before it is printed; what is long is cut with
 * "...", and no line is wider than TEXT_WIDTH: two endpoints that do not
 * fit on one line go on two, the second under the first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/fmt.h"
#include "ftpaudit/nat.h"
#include "ftpaudit/rules.h"
#include "ftpaudit/select.h"
#include "report_int.h"

#define TEXT_WIDTH	100
#define CMDS_SHOWN	24	/* commands listed per session */
#define ARG_COLS	24	/* a command argument's columns at most */
#define SHOW_SERVERS	20
#define SHOW_CLIENTS	10

/* SGR sequences: failures red, anomalies yellow. */
#define SGR_FAIL	"\033[31m"
#define SGR_ANOM	"\033[33m"
#define SGR_OFF		"\033[0m"

static void
paint(FILE *f, const struct text_style *ts, const char *sgr)
{
	if (ts->color)
		fputs(sgr, f);
}

static bool
plain(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && c != '\\';
}

/* The columns fput_wire() takes for p. */
static size_t
wire_width(const uint8_t *p, size_t len)
{
	size_t i, w = 0;

	for (i = 0; i < len; i++)
		w += plain(p[i]) ? 1 : 4;
	return w;
}

/* p escaped in at most max columns (max > 3), cut with "..." when
 * longer, never inside an escape; the columns written. */
static size_t
put_wire_cut(FILE *f, const uint8_t *p, size_t len, size_t max)
{
	size_t i, used = 0, cw;

	if (wire_width(p, len) <= max) {
		fput_wire(f, p, len);
		return wire_width(p, len);
	}
	if (max < 4)
		max = 4;	/* "x...": callers leave more */
	for (i = 0; i < len; i++) {
		cw = plain(p[i]) ? 1 : 4;
		if (used + cw > max - 3)
			break;
		used += cw;
	}
	fput_wire(f, p, i);
	fputs("...", f);
	return used + 3;
}

static size_t
put_str_cut(FILE *f, const char *s, size_t max)
{
	return put_wire_cut(f, (const uint8_t *)s, strlen(s), max);
}

/* The same keeping the end (a file name's end says most). */
static void
put_str_tail(FILE *f, const char *s, size_t max)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t len = strlen(s), i = len, used = 0, cw;

	if (wire_width(p, len) <= max) {
		fput_wire(f, p, len);
		return;
	}
	while (i > 0) {
		cw = plain(p[i - 1]) ? 1 : 4;
		if (used + cw > max - 3)
			break;
		used += cw;
		i--;
	}
	fputs("...", f);
	fput_wire(f, p + i, len - i);
}

static void
spaces(FILE *f, size_t n)
{
	static const char sp[] = "                                        ";

	while (n > sizeof sp - 1) {
		fwrite(sp, 1, sizeof sp - 1, f);
		n -= sizeof sp - 1;
	}
	fwrite(sp, 1, n, f);
}

/* v right-aligned in width columns. */
static void
put_num(FILE *f, uint64_t v, size_t width)
{
	char b[24], *e = b + sizeof b, *p = fmt_uint(e, v);

	if ((size_t)(e - p) < width)
		spaces(f, width - (size_t)(e - p));
	fwrite(p, 1, (size_t)(e - p), f);
}

/* s right-aligned in width columns. */
static void
put_right(FILE *f, const char *s, size_t width)
{
	size_t n = strlen(s);

	if (n < width)
		spaces(f, width - n);
	fputs(s, f);
}

static size_t
num_width(uint64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* What fput_endpoint() writes: its columns. */
static size_t
endpoint_width(const struct fa_endpoint *ep, bool port_known)
{
	char b[FA_ADDRSTRLEN];
	size_t n = fa_addr_fmt(&ep->ip, b);

	if (ep->ip.family == FA_AF_INET6)
		n += 2;
	return port_known ? n + 1 + num_width(ep->port) : n;
}

/* "a -> b", a starting at column col; b on the next line, under a,
 * when the two do not fit.  Ends the line. */
static void
put_flow(FILE *f, size_t col, const struct fa_endpoint *a, bool a_port,
    const struct fa_endpoint *b)
{
	size_t wa = endpoint_width(a, a_port);

	fput_endpoint(f, a, a_port);
	if (col + wa + 4 + endpoint_width(b, true) > TEXT_WIDTH) {
		fputc('\n', f);
		spaces(f, col - 3);
		fputs("-> ", f);
	} else
		fputs(" -> ", f);
	fput_endpoint(f, b, true);
	fputc('\n', f);
}

/*
 * Safe ASCII text (anomaly details are built from fa_escape() output)
 * from column col, wrapped at spaces to TEXT_WIDTH, the next lines
 * indented by indent; a word too long for a line is broken.
 */
static void
put_wrapped(FILE *f, size_t col, size_t indent, const char *s)
{
	size_t room, n;

	while (*s != '\0') {
		room = TEXT_WIDTH - col;
		n = strlen(s);
		if (n > room) {
			for (n = room; n > 0 && s[n] != ' '; n--)
				;
			if (n == 0)
				n = room;
		}
		fwrite(s, 1, n, f);
		s += n;
		while (*s == ' ')
			s++;
		if (*s != '\0') {
			fputc('\n', f);
			spaces(f, indent);
			col = indent;
		}
	}
	fputc('\n', f);
}

/* Both sides of a translation: inside, outside, and whether an ALG
 * rewrote the negotiation between them; indent is the lead's. */
static void
put_nat(FILE *f, size_t indent, const char *lead, const struct fa_nat *n,
    bool server_first)
{
	spaces(f, indent);
	fputs(lead, f);
	fputs(fa_nat_kind_str(n->kind), f);
	fputs(", payload rewritten ", f);
	fputs(n->payload_rewritten < 0 ? "-" : n->payload_rewritten ? "yes" : "no", f);
	fputc('\n', f);
	spaces(f, indent + 2);
	fputs("inside  ", f);
	put_flow(f, indent + 10, server_first ? &n->in_server : &n->in_client, true,
	    server_first ? &n->in_client : &n->in_server);
	spaces(f, indent + 2);
	fputs("outside ", f);
	put_flow(f, indent + 10, server_first ? &n->out_server : &n->out_client,
	    true, server_first ? &n->out_client : &n->out_server);
}

static bool
xfer_failed(enum fa_xstatus st)
{
	return st == FA_XS_FAILED || st == FA_XS_ABORTED || st == FA_XS_NOT_CONNECTED;
}

/* "    #1   passive PASV RETR /pub/f  complete 226" */
static void
put_transfer_head(FILE *f, const struct fa_transfer *t, const struct text_style *ts)
{
	const char *status = fa_xstatus_str(t->status);
	size_t room = TEXT_WIDTH - 27 - 2 - strlen(status);

	/* "    #%-3u %-7s %-4s %-4s " without printf's parsing */
	fputs("    #", f);
	fput_uint(f, t->id, 3);
	fputc(' ', f);
	fput_pad(f, fa_mode_str(t->mode), 7);
	fputc(' ', f);
	fput_pad(f, fa_neg_str(t->neg), 4);
	fputc(' ', f);
	fput_pad(f, t->command ? t->command : "-", 4);
	fputc(' ', f);
	if (t->reply_code != 0)
		room -= 1 + num_width(t->reply_code < 0 ? 0 : (uint64_t)t->reply_code) +
		    (t->reply_code < 0);
	if (t->path != NULL)
		put_str_cut(f, t->path, room);
	else if (t->arg.p != NULL)
		put_wire_cut(f, t->arg.p, t->arg.len, room);
	else
		fputs("-", f);
	fputs("  ", f);
	if (xfer_failed(t->status))
		paint(f, ts, SGR_FAIL);
	fputs(status, f);
	if (t->reply_code > 0) {
		fputc(' ', f);
		fput_uint(f, (uint64_t)t->reply_code, 0);
	} else if (t->reply_code)
		fprintf(f, " %d", t->reply_code);
	if (xfer_failed(t->status))
		paint(f, ts, SGR_OFF);
	fputc('\n', f);
}

static void
put_transfer(FILE *f, const struct fa_transfer *t, const struct text_style *ts)
{
	char b[FMT_NUMLEN];
	double dur = (double)(t->end_us - t->start_us) / 1e6;
	uint64_t bytes = fa_transfer_bytes(t);

	put_transfer_head(f, t, ts);
	fputs("         ", f);
	/* Unseen data is not "0 B": the size, when announced, still is. */
	if (t->connected)
		fputs(fmt_human(b, bytes), f);
	else
		fputs("not captured (no data connection seen)", f);
	if (t->has_size) {
		fputs(t->connected ? " of " : ", announced ", f);
		fputs(fmt_human(b, t->size), f);
	}
	if (t->connected && dur > 0) {
		fputs(" in ", f);
		fputs(fmt_ms(b, t->end_us - t->start_us), f);
		fputs(" s (", f);
		fputs(fmt_human(b, (uint64_t)((double)bytes / dur)), f);
		fputs("/s)", f);
	}
	if (t->connected && t->handshake != FA_HS_COMPLETE)
		fprintf(f, "  handshake %s", fa_handshake_str(t->handshake));
	fputc('\n', f);
	if (t->connected) {
		fputs("         data ", f);
		put_flow(f, 14, t->initiator_server ? &t->data_server :
		    &t->data_client, true, t->initiator_server ? &t->data_client :
		    &t->data_server);
	} else {
		fputs("         announced ", f);
		fput_endpoint(f, &t->expected, true);
		fputc('\n', f);
	}
	if (t->nat != NULL)
		put_nat(f, 9, "nat ", t->nat, t->initiator_server);
}

/* The whole verb: verb keeps 16 bytes of a longer one. */
static struct fa_bytes
cmd_verb(const struct fa_command *c)
{
	struct fa_bytes v = c->verb_long;

	if (v.p == NULL) {
		v.p = (uint8_t *)(uintptr_t)c->verb;
		v.len = strlen(c->verb);
	}
	return v;
}

/* A command as the list shows it: "VERB arg [code]", the verb and the
 * argument cut at ARG_COLS; its columns. */
static size_t
cmd_width(const struct fa_command *c)
{
	struct fa_bytes v = cmd_verb(c);
	size_t w = wire_width(v.p, v.len), a;

	if (w > ARG_COLS)
		w = ARG_COLS;

	if (c->has_arg && c->arg.len > 0) {
		a = wire_width(c->arg.p, c->arg.len);
		w += 1 + (a > ARG_COLS ? ARG_COLS : a);
	}
	if (c->reply_code)
		w += 6;		/* " [NNN]": 100 to 599 */
	return w;
}

static void
put_cmd(FILE *f, const struct fa_command *c, const struct text_style *ts)
{
	struct fa_bytes v = cmd_verb(c);

	put_wire_cut(f, v.p, v.len, ARG_COLS);
	if (c->has_arg && c->arg.len > 0) {
		fputc(' ', f);
		put_wire_cut(f, c->arg.p, c->arg.len, ARG_COLS);
	}
	if (c->reply_code) {
		fputs(" [", f);
		if (c->reply_code >= 400)
			paint(f, ts, SGR_FAIL);
		fput_uint(f, (uint64_t)c->reply_code, 0);
		if (c->reply_code >= 400)
			paint(f, ts, SGR_OFF);
		fputc(']', f);
	}
}

/* "  commands  8: USER anonymous [230]  PWD [257] ...", wrapped. */
static void
put_commands(FILE *f, const struct fa_session *s, const struct text_style *ts)
{
	size_t col, w;
	uint32_t i;

	fputs("  commands  ", f);
	fput_uint(f, s->ncmds, 0);
	if (s->cmds_dropped)
		fprintf(f, " (and %llu dropped)", (unsigned long long)s->cmds_dropped);
	col = 12 + num_width(s->ncmds);
	if (s->ncmds > 0) {
		fputc(':', f);
		col++;
	}
	for (i = 0; i < s->ncmds && i < CMDS_SHOWN; i++) {
		w = cmd_width(&s->cmds[i]);
		if (col + 2 + w > TEXT_WIDTH) {
			fputs("\n            ", f);
			col = 12;
		} else {
			fputs(i == 0 ? " " : "  ", f);
			col += i == 0 ? 1 : 2;
		}
		put_cmd(f, &s->cmds[i], ts);
		col += w;
	}
	if (s->ncmds > CMDS_SHOWN) {
		if (col + 12 + num_width(s->ncmds) > TEXT_WIDTH)
			fputs("\n           ", f);
		fprintf(f, "  ... %u more", s->ncmds - CMDS_SHOWN);
	}
	fputc('\n', f);
}

static void
put_user(FILE *f, const struct fa_session *s, const struct text_style *ts)
{
	size_t col = 12;

	fputs("  user      ", f);
	if (s->has_user)
		col += put_wire_cut(f, s->user.p, s->user.len, 32);
	else {
		fputs("-", f);
		col++;
	}
	fputs("  login ", f);
	if (s->login == FA_LOGIN_FAILED)
		paint(f, ts, SGR_FAIL);
	fputs(fa_login_str(s->login), f);
	if (s->login_failures)
		fprintf(f, " (%u failed)", s->login_failures);
	if (s->login == FA_LOGIN_FAILED)
		paint(f, ts, SGR_OFF);
	fputs("  tls ", f);
	fputs(s->tls ? (s->implicit_tls ? "implicit" : "yes") : "no", f);
	/* The columns so far: the rest is for the cwd. */
	col += 8 + strlen(fa_login_str(s->login)) + 6 +
	    strlen(s->tls ? (s->implicit_tls ? "implicit" : "yes") : "no");
	if (s->login_failures)
		col += 10 + num_width(s->login_failures);
	if (s->cwd != NULL) {
		/* A long user and failures leave little room: a line of its own. */
		if (col + 6 + 16 > TEXT_WIDTH) {
			fputs("\n           ", f);
			col = 11;
		}
		fputs("  cwd ", f);
		put_str_cut(f, s->cwd, TEXT_WIDTH - col - 6);
	}
	fputc('\n', f);
}

static void
put_anomalies(FILE *f, const struct fa_session *s, const struct text_style *ts)
{
	const struct fa_anomaly *a;
	uint32_t i;

	for (i = 0; i < s->nanoms; i++) {
		a = &s->anoms[i];
		/* Details are built from fa_escape() output: already safe. */
		paint(f, ts, SGR_ANOM);
		fputs("  ! ", f);
		fputs(a->type, f);
		fputs(":", f);
		paint(f, ts, SGR_OFF);
		fputc(' ', f);
		put_wrapped(f, 4 + strlen(a->type) + 2, 6,
		    a->detail ? a->detail : "");
		if (a->fix != NULL) {
			fputs("      fix: ", f);
			put_wrapped(f, 11, 11, a->fix);
		}
	}
	if (s->anoms_dropped)
		fprintf(f, "  ! and %llu more anomalies not kept\n",
		    (unsigned long long)s->anoms_dropped);
	if (s->gaps) {
		paint(f, ts, SGR_ANOM);
		fprintf(f, "  ! %u gap(s) in the control stream (lost capture data)", s->gaps);
		paint(f, ts, SGR_OFF);
		fputc('\n', f);
	}
}

void
report_text_session(FILE *f, const struct fa_session *s, const struct text_style *ts)
{
	char b[FA_TSLEN];
	uint32_t i;

	fputs("Session ", f);
	fput_uint(f, s->id, 0);
	fputs("  ", f);
	fputs(fmt_ts(s->start_us, b), f);
	fputs("  ", f);
	fputs(fmt_ms(b, s->end_us - s->start_us), f);
	fputs(" s  ", f);
	fputs(fa_end_reason_str(s->end_reason), f);
	fputs(s->detected ? "  (non-standard port)\n" : "\n", f);
	fputs("  control   ", f);
	put_flow(f, 12, &s->client, true, &s->server);
	if (s->has_banner) {
		fputs("  banner    ", f);
		put_wire_cut(f, s->banner.p, s->banner.len, TEXT_WIDTH - 12);
		fputc('\n', f);
	}
	put_user(f, s, ts);
	if (s->nat != NULL)
		put_nat(f, 2, "nat       ", s->nat, false);
	put_commands(f, s, ts);
	if (s->nxfers > 0) {
		fputs("  transfers ", f);
		fput_uint(f, s->nxfers, 0);
		if (s->xfers_dropped)
			fprintf(f, " (and %llu dropped)",
			    (unsigned long long)s->xfers_dropped);
		fputc('\n', f);
		for (i = 0; i < s->nxfers; i++)
			put_transfer(f, &s->xfers[i], ts);
	}
	put_anomalies(f, s, ts);
	fputc('\n', f);
}

/* Data-like connections no session claimed, after the sessions. */
void
report_text_unattributed(FILE *f, const struct fa_unattributed *un, size_t nun)
{
	char b[FMT_NUMLEN];
	size_t i;

	if (nun == 0)
		return;
	fprintf(f, "Unattributed data-like connections: %zu\n", nun);
	for (i = 0; i < nun; i++) {
		fputs("  ", f);
		put_right(f, fmt_human(b, un[i].bytes), 10);
		fputs("  ", f);
		put_flow(f, 14, &un[i].initiator, true, &un[i].responder);
	}
}

/* The summary's first lines: what was read and the totals. */
static void
put_capture(FILE *f, const struct capture_input *in)
{
	char b[FMT_NUMLEN], tail[160];
	int n;

	n = snprintf(tail, sizeof tail, "  %s  %llu packets  %s%s", in->link_type,
	    (unsigned long long)in->packets, fmt_human(b, in->bytes),
	    in->truncated ? "  (truncated)" : "");
	if (n < 0 || (size_t)n >= sizeof tail)
		n = 0;
	fputs("  capture       ", f);
	put_str_tail(f, in->source, TEXT_WIDTH - 16 - (size_t)n);
	fputs(tail, f);
	fputc('\n', f);
	if (in->time_jumps > 0)
		fprintf(f, "                time runs back %llu time(s), first at "
		    "frame %llu by %llu.%06llu s\n%s",
		    (unsigned long long)in->time_jumps,
		    (unsigned long long)in->jump_frame,
		    (unsigned long long)(in->jump_us / 1000000),
		    (unsigned long long)(in->jump_us % 1000000),
		    in->jump_to_start ? "                (to the first frame's "
		    "time)\n" : "");
}

/* n in colour when it is not zero. */
static void
put_count(FILE *f, uint64_t n, const char *sgr, const struct text_style *ts)
{
	if (n > 0)
		paint(f, ts, sgr);
	fput_uint(f, n, 0);
	if (n > 0)
		paint(f, ts, SGR_OFF);
}

static void
put_totals(FILE *f, const struct summary *sum, const struct fa_stats *st,
    const struct text_style *ts)
{
	const struct summary_counts *c = &sum->total;
	char b[FMT_NUMLEN];

	fprintf(f, "  logins        %llu ok, ", (unsigned long long)c->logins_ok);
	put_count(f, c->logins_failed, SGR_FAIL, ts);
	fprintf(f, " failed, %llu none; ", (unsigned long long)c->logins_none);
	put_count(f, c->login_failures, SGR_FAIL, ts);
	fputs(" failed attempt(s)\n", f);
	fprintf(f, "  transfers     %llu: %llu passive, %llu active; %llu not captured "
	    "(no data connection seen)\n",
	    (unsigned long long)(c->transfers[0] + c->transfers[1]),
	    (unsigned long long)c->transfers[0], (unsigned long long)c->transfers[1],
	    (unsigned long long)sum->not_captured);
	fprintf(f, "  outcomes      %llu complete, ",
	    (unsigned long long)sum->status[FA_XS_COMPLETE]);
	put_count(f, sum->status[FA_XS_FAILED], SGR_FAIL, ts);
	fputs(" failed, ", f);
	put_count(f, sum->status[FA_XS_ABORTED], SGR_FAIL, ts);
	fputs(" aborted, ", f);
	put_count(f, sum->status[FA_XS_NOT_CONNECTED], SGR_FAIL, ts);
	fprintf(f, " not_connected, %llu incomplete\n",
	    (unsigned long long)(sum->status[FA_XS_PENDING] +
	    sum->status[FA_XS_INCOMPLETE]));
	fprintf(f, "  data          %llu B (%s)\n", (unsigned long long)c->bytes,
	    fmt_human(b, c->bytes));
	fprintf(f, "  tls           %llu session(s)\n", (unsigned long long)sum->tls);
	fputs("  anomalies     ", f);
	put_count(f, c->anomalies, SGR_ANOM, ts);
	fputc('\n', f);
	fprintf(f, "  unattributed  %llu data-like connection(s)\n",
	    (unsigned long long)st->unattributed_data_connections);
}

/* The widest address among the rows shown. */
static size_t
widest(const struct summary *sum, const struct summary_server **sv, size_t nsv,
    const struct summary_client **cl, size_t ncl)
{
	size_t i, w = 6, x;

	(void)sum;
	for (i = 0; i < nsv; i++)
		if ((x = endpoint_width(&sv[i]->ep, true)) > w)
			w = x;
	for (i = 0; i < ncl; i++)
		if ((x = endpoint_width(&(struct fa_endpoint){ cl[i]->addr, 0 },
		    false)) > w)
			w = x;
	return w;
}

/* The row's address, padded to w; on a line of its own (and the
 * numbers under an empty column of 6) when w is 0. */
static void
put_row_addr(FILE *f, const struct fa_endpoint *ep, bool port, size_t w)
{
	fputs("  ", f);
	fput_endpoint(f, ep, port);
	if (w == 0) {
		fputs("\n        ", f);
		return;
	}
	spaces(f, w - endpoint_width(ep, port));
}

#define SERVER_COLS	71	/* after the address */
#define CLIENT_COLS	54

static void
put_ports(FILE *f, const struct summary_server *sv)
{
	if (sv->pasv_ports == 0) {
		fputs("-", f);
		return;
	}
	fput_uint(f, sv->pasv_min, 0);
	if (sv->pasv_max != sv->pasv_min) {
		fputs("..", f);
		fput_uint(f, sv->pasv_max, 0);
	}
	fputs(" (", f);
	fput_uint(f, sv->pasv_ports, 0);
	fputc(')', f);
}

static void
put_servers(FILE *f, struct summary *sum, const struct text_style *ts)
{
	const struct summary_server **sv, *v;
	char b[FMT_NUMLEN];
	size_t n, shown, i, w;
	uint64_t rest = 0;

	if ((sv = summary_servers(sum, &n)) == NULL || n == 0)
		return;
	shown = n < SHOW_SERVERS ? n : SHOW_SERVERS;
	fprintf(f, "\nServers: %zu, by sessions\n", n);
	w = widest(sum, sv, shown, NULL, 0);
	if (2 + w + SERVER_COLS > TEXT_WIDTH)
		w = 0;
	fputs("  server", f);
	spaces(f, (w ? w : 6) - 6);
	fputs(" sessions     ok failed passive active      bytes  passive ports\n", f);
	for (i = 0; i < shown; i++) {
		v = sv[i];
		put_row_addr(f, &v->ep, true, w);
		put_num(f, v->c.sessions, 9);
		put_num(f, v->c.logins_ok, 7);
		if (v->c.logins_failed)
			paint(f, ts, SGR_FAIL);
		put_num(f, v->c.logins_failed, 7);
		if (v->c.logins_failed)
			paint(f, ts, SGR_OFF);
		put_num(f, v->c.transfers[0], 8);
		put_num(f, v->c.transfers[1], 7);
		put_right(f, fmt_human(b, v->c.bytes), 11);
		fputs("  ", f);
		put_ports(f, v);
		fputc('\n', f);
	}
	for (; i < n; i++)
		rest += sv[i]->c.sessions;
	if (n > shown)
		fprintf(f, "  ... and %zu more servers (%llu sessions)\n", n - shown,
		    (unsigned long long)rest);
	if (sum->servers_untracked)
		fprintf(f, "  ... and more servers than the %d told apart: %llu "
		    "sessions, in the totals only\n", SUMMARY_MAX_SERVERS,
		    (unsigned long long)sum->servers_untracked);
}

static void
put_clients(FILE *f, struct summary *sum, const struct text_style *ts)
{
	const struct summary_client **cl, *c;
	struct fa_endpoint ep;
	char b[FMT_NUMLEN];
	size_t n, shown, i, w;

	if ((cl = summary_clients(sum, &n)) == NULL || n == 0)
		return;
	shown = n < SHOW_CLIENTS ? n : SHOW_CLIENTS;
	fprintf(f, "\nTop clients: %zu of %zu, by sessions\n", shown, n);
	w = widest(sum, NULL, 0, cl, shown);
	if (2 + w + CLIENT_COLS > TEXT_WIDTH)
		w = 0;
	fputs("  client", f);
	spaces(f, (w ? w : 6) - 6);
	fputs(" sessions     ok failed transfers      bytes anomalies\n", f);
	memset(&ep, 0, sizeof ep);
	for (i = 0; i < shown; i++) {
		c = cl[i];
		ep.ip = c->addr;
		put_row_addr(f, &ep, false, w);
		put_num(f, c->c.sessions, 9);
		put_num(f, c->c.logins_ok, 7);
		if (c->c.logins_failed)
			paint(f, ts, SGR_FAIL);
		put_num(f, c->c.logins_failed, 7);
		if (c->c.logins_failed)
			paint(f, ts, SGR_OFF);
		put_num(f, c->c.transfers[0] + c->c.transfers[1], 10);
		put_right(f, fmt_human(b, c->c.bytes), 11);
		if (c->c.anomalies)
			paint(f, ts, SGR_ANOM);
		put_num(f, c->c.anomalies, 10);
		if (c->c.anomalies)
			paint(f, ts, SGR_OFF);
		fputc('\n', f);
	}
	if (sum->clients_untracked)
		fprintf(f, "  ... and more clients than the %d told apart: %llu "
		    "sessions, in the totals only\n", SUMMARY_MAX_CLIENTS,
		    (unsigned long long)sum->clients_untracked);
}

static void
put_anomaly_types(FILE *f, struct summary *sum, const struct text_style *ts)
{
	const struct summary_anomaly *a;
	size_t n, i;

	a = summary_anomaly_types(sum, &n);
	if (n == 0 && sum->anomalies_untyped == 0)
		return;
	fprintf(f, "\nAnomalies: %llu, by type\n",
	    (unsigned long long)sum->total.anomalies);
	for (i = 0; i < n; i++) {
		fputs("  ", f);
		paint(f, ts, SGR_ANOM);
		put_num(f, a[i].count, 9);
		paint(f, ts, SGR_OFF);
		fputs("  ", f);
		put_str_cut(f, a[i].type, TEXT_WIDTH - 13);
		fputc('\n', f);
	}
	if (sum->anomalies_untyped)
		fprintf(f, "  %9llu  of other types (past the %d told apart)\n",
		    (unsigned long long)sum->anomalies_untyped,
		    SUMMARY_MAX_ANOMALY_TYPES);
}

/* One line of the limits: only when something was cut. */
static void
limit(FILE *f, bool *any, uint64_t n, const char *what)
{
	if (n == 0)
		return;
	*any = true;
	fputs("  ", f);
	put_num(f, n, 9);
	fputs("  ", f);
	fputs(what, f);
	fputc('\n', f);
}

static void
put_limits(FILE *f, const struct summary *sum, const struct capture *cap,
    const struct fa_stats *st, uint64_t un_dropped)
{
	char what[96];
	bool any = false;
	uint64_t cut = 0;
	size_t i;

	for (i = 0; cap != NULL && i < capture_count(cap); i++)
		cut += capture_input(cap, i)->truncated;
	fputs("\nLeft out and cut by limits\n", f);
	limit(f, &any, st->non_ip, "packets not IP");
	limit(f, &any, st->non_tcp, "packets not TCP");
	limit(f, &any, st->malformed, "malformed packets");
	limit(f, &any, st->fragments, "IP fragments");
	limit(f, &any, st->bad_checksums, "packets with a bad checksum");
	limit(f, &any, cut, "capture(s) cut off in the middle of a packet");
	limit(f, &any, st->conns_evicted, "connections evicted from the connection table");
	limit(f, &any, st->conn_cap_hits, "times the connection table was full");
	limit(f, &any, st->reasm_cap_hits, "times a stream's reassembly buffer was full");
	limit(f, &any, st->reasm_gaps, "gaps in reassembled streams (lost capture data)");
	limit(f, &any, st->reasm_conflicts, "overlapping segments that disagreed");
	limit(f, &any, st->lines_truncated, "control lines cut at the line length limit");
	limit(f, &any, st->cmds_dropped, "commands not kept (per-session cap)");
	limit(f, &any, st->xfers_dropped, "transfers not kept (per-session cap)");
	limit(f, &any, sum->anoms_dropped, "anomalies not kept (per-session cap)");
	limit(f, &any, sum->replies_dropped, "replies not kept (per-command cap)");
	limit(f, &any, st->expect_cap_hits, "times the expectation table was full");
	limit(f, &any, un_dropped, "unattributed connections not listed (cap)");
	limit(f, &any, sum->servers_untracked, "sessions of servers past the summary's cap");
	limit(f, &any, sum->clients_untracked, "sessions of clients past the summary's cap");
	limit(f, &any, sum->anomalies_untyped, "anomalies of types past the summary's cap");
	limit(f, &any, st->time_jumps_back, "times a capture's clock ran back");
	if (sum->vet != NULL && sum->vet->selection != NULL) {
		char desc[SELECT_DESCLEN];
		const struct selection *sel = sum->vet->selection;

		snprintf(what, sizeof what, "sessions not selected (%.60s)",
		    select_describe(sel, desc));
		limit(f, &any, sel->seen - sel->taken, what);
	}
	for (i = 0; i < sum->nexcluded; i++) {
		snprintf(what, sizeof what, "transfers left out of the firewall "
		    "rules: %s", sum->excluded[i].reason);
		limit(f, &any, sum->excluded[i].count, what);
	}
	if (sum->oom) {
		fputs("  out of memory: the summary's counts are short\n", f);
		any = true;
	}
	if (!any)
		fputs("  nothing\n", f);
}

void
report_text_summary(FILE *f, struct summary *sum, const struct capture *cap,
    const struct fa_stats *st, uint64_t un_dropped, const struct text_style *ts)
{
	size_t i;

	fprintf(f, "Summary: %llu FTP session(s), %llu data connection(s), "
	    "%llu TCP connection(s)\n", (unsigned long long)sum->total.sessions,
	    (unsigned long long)st->data_connections,
	    (unsigned long long)st->tcp_connections);
	for (i = 0; cap != NULL && i < capture_count(cap); i++)
		put_capture(f, capture_input(cap, i));
	put_totals(f, sum, st, ts);
	put_servers(f, sum, ts);
	put_clients(f, sum, ts);
	put_anomaly_types(f, sum, ts);
	put_limits(f, sum, cap, st, un_dropped);
}

/* "  (helper would cover)" and the like: what follows an opening. */
static const char *
opening_note(const struct rules_opening *o, char *b, size_t len)
{
	if (o->excluded != NULL)
		snprintf(b, len, "  (excluded: %s)", o->excluded);
	else if (o->purpose != RP_CONTROL)
		snprintf(b, len, "  (helper would %s)", o->helper_covers ? "cover" :
		    "not cover");
	else
		b[0] = '\0';
	return b;
}

/*
 * The firewall section's lines for one session: "  session N  R3
 * control  a -> b  (note)", b under a on a line of its own when they do
 * not fit in TEXT_WIDTH, and then the note too when it does not fit
 * after b.  Called for every session: no printf.
 */
int
report_text_openings(FILE *f, const struct rules_opening *v, size_t n,
    uint64_t session)
{
	char note[96];
	size_t i, wa, wb, wn;

	for (i = 0; i < n; i++) {
		if (i == 0) {
			fputs("  session ", f);
			fput_uint(f, session, 5);
			fputc(' ', f);
		} else
			fputs("                ", f);	/* "  %-13s " */
		if (v[i].rule) {
			fputc('R', f);
			fput_uint(f, v[i].rule, 3);
		} else
			fput_pad(f, "-", 4);
		fputc(' ', f);
		fput_pad(f, rules_purpose_str(v[i].purpose), 13);
		fputc(' ', f);
		wa = endpoint_width(&v[i].initiator, v[i].initiator_port_known);
		wb = endpoint_width(&v[i].responder, true);
		wn = strlen(opening_note(&v[i], note, sizeof note));
		fput_endpoint(f, &v[i].initiator, v[i].initiator_port_known);
		if (35 + wa + 4 + wb + wn <= TEXT_WIDTH) {
			fputs(" -> ", f);
			fput_endpoint(f, &v[i].responder, true);
		} else {
			fputc('\n', f);
			spaces(f, 32);
			fputs("-> ", f);
			fput_endpoint(f, &v[i].responder, true);
			if (35 + wb + wn > TEXT_WIDTH) {
				fputc('\n', f);
				spaces(f, 33);
			}
		}
		fputs(note, f);
		fputc('\n', f);
	}
	return ferror(f) ? -1 : 0;
}
