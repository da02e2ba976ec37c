/* SPDX-License-Identifier: ISC */
/*
 * report_text.c: the readable report: the summary (summary.h) and then
 * each session.  Every byte from the wire goes through tw_wire()
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
#include "ftpaudit/tw.h"
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
paint(struct tw *wr, const struct text_style *ts, const char *sgr)
{
	if (ts->color)
		tw_puts(wr, sgr);
}

static bool
plain(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && c != '\\';
}

/* The columns tw_wire() takes for p: eight plain bytes at a time. */
static size_t
wire_width(const uint8_t *p, size_t len)
{
	size_t i = 0, w = 0;
	uint64_t v;

	for (; i + 8 <= len; i += 8) {
		memcpy(&v, p + i, 8);
		if (!fmt_plain8(v, '\\'))
			break;
	}
	for (w = i; i < len; i++)
		w += plain(p[i]) ? 1 : 4;
	return w;
}

/* p escaped in at most max columns (max > 3), cut with "..." when
 * longer, never inside an escape; the columns written. */
static size_t
put_wire_cut(struct tw *wr, const uint8_t *p, size_t len, size_t max)
{
	size_t i, used = 0, cw, w = wire_width(p, len);

	if (w == len && w <= max) {
		tw_put(wr, (const char *)p, len);	/* all plain: no escape */
		return w;
	}
	if (w <= max) {
		tw_wire(wr, p, len);
		return w;
	}
	if (max < 4)
		max = 4;	/* "x...": callers leave more */
	for (i = 0; i < len; i++) {
		cw = plain(p[i]) ? 1 : 4;
		if (used + cw > max - 3)
			break;
		used += cw;
	}
	tw_wire(wr, p, i);
	tw_puts(wr, "...");
	return used + 3;
}

static size_t
put_str_cut(struct tw *wr, const char *s, size_t max)
{
	return put_wire_cut(wr, (const uint8_t *)s, strlen(s), max);
}

/* The same keeping the end (a file name's end says most). */
static void
put_str_tail(struct tw *wr, const char *s, size_t max)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t len = strlen(s), i = len, used = 0, cw;

	if (wire_width(p, len) <= max) {
		tw_wire(wr, p, len);
		return;
	}
	while (i > 0) {
		cw = plain(p[i - 1]) ? 1 : 4;
		if (used + cw > max - 3)
			break;
		used += cw;
		i--;
	}
	tw_puts(wr, "...");
	tw_wire(wr, p + i, len - i);
}

/* v right-aligned in width columns. */
static void
put_num(struct tw *wr, uint64_t v, size_t width)
{
	char b[24], *e = b + sizeof b, *p = fmt_uint(e, v);

	if ((size_t)(e - p) < width)
		tw_spaces(wr, width - (size_t)(e - p));
	tw_put(wr, p, (size_t)(e - p));
}

/* s right-aligned in width columns. */
static void
put_right(struct tw *wr, const char *s, size_t width)
{
	size_t n = strlen(s);

	if (n < width)
		tw_spaces(wr, width - n);
	tw_puts(wr, s);
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

/* What tw_endpoint() writes: its columns. */
static size_t
endpoint_width(const struct fa_endpoint *ep, bool port_known)
{
	char b[FA_ENDPOINTLEN];

	return fmt_endpoint(b, ep, port_known);
}

/* "a -> b", a starting at column col; b on the next line, under a,
 * when the two do not fit.  Ends the line. */
static void
put_flow(struct tw *wr, size_t col, const struct fa_endpoint *a, bool a_port,
    const struct fa_endpoint *b)
{
	char ta[FA_ENDPOINTLEN], tb[FA_ENDPOINTLEN];
	size_t wa = fmt_endpoint(ta, a, a_port), wb = fmt_endpoint(tb, b, true);

	tw_put(wr, ta, wa);
	if (col + wa + 4 + wb > TEXT_WIDTH) {
		tw_putc(wr, '\n');
		tw_spaces(wr, col - 3);
		tw_puts(wr, "-> ");
	} else
		tw_puts(wr, " -> ");
	tw_put(wr, tb, wb);
	tw_putc(wr, '\n');
}

/*
 * Safe ASCII text (anomaly details are built from fa_escape() output)
 * from column col, wrapped at spaces to TEXT_WIDTH, the next lines
 * indented by indent; a word too long for a line is broken.
 */
static void
put_wrapped(struct tw *wr, size_t col, size_t indent, const char *s)
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
		tw_put(wr, s, n);
		s += n;
		while (*s == ' ')
			s++;
		if (*s != '\0') {
			tw_putc(wr, '\n');
			tw_spaces(wr, indent);
			col = indent;
		}
	}
	tw_putc(wr, '\n');
}

/* Both sides of a translation: inside, outside, and whether an ALG
 * rewrote the negotiation between them; indent is the lead's. */
static void
put_nat(struct tw *wr, size_t indent, const char *lead, const struct fa_nat *n,
    bool server_first)
{
	tw_spaces(wr, indent);
	tw_puts(wr, lead);
	tw_puts(wr, fa_nat_kind_str(n->kind));
	tw_puts(wr, ", payload rewritten ");
	tw_puts(wr, n->payload_rewritten < 0 ? "-" : n->payload_rewritten ? "yes" : "no");
	tw_putc(wr, '\n');
	tw_spaces(wr, indent + 2);
	tw_puts(wr, "inside  ");
	put_flow(wr, indent + 10, server_first ? &n->in_server : &n->in_client, true,
	    server_first ? &n->in_client : &n->in_server);
	tw_spaces(wr, indent + 2);
	tw_puts(wr, "outside ");
	put_flow(wr, indent + 10, server_first ? &n->out_server : &n->out_client,
	    true, server_first ? &n->out_client : &n->out_server);
}

static bool
xfer_failed(enum fa_xstatus st)
{
	return st == FA_XS_FAILED || st == FA_XS_ABORTED || st == FA_XS_NOT_CONNECTED;
}

/* "    #1   passive PASV RETR /pub/f  complete 226" */
static void
put_transfer_head(struct tw *wr, const struct fa_transfer *t, const struct text_style *ts)
{
	const char *status = fa_xstatus_str(t->status);
	size_t room = TEXT_WIDTH - 27 - 2 - strlen(status);

	/* "    #%-3u %-7s %-4s %-4s " without printf's parsing */
	tw_puts(wr, "    #");
	tw_uint(wr, t->id, 3);
	tw_putc(wr, ' ');
	tw_pad(wr, fa_mode_str(t->mode), 7);
	tw_putc(wr, ' ');
	tw_pad(wr, fa_neg_str(t->neg), 4);
	tw_putc(wr, ' ');
	tw_pad(wr, t->command ? t->command : "-", 4);
	tw_putc(wr, ' ');
	if (t->reply_code != 0)
		room -= 1 + num_width(t->reply_code < 0 ? 0 : (uint64_t)t->reply_code) +
		    (t->reply_code < 0);
	if (t->path != NULL)
		put_str_cut(wr, t->path, room);
	else if (t->arg.p != NULL)
		put_wire_cut(wr, t->arg.p, t->arg.len, room);
	else
		tw_puts(wr, "-");
	tw_puts(wr, "  ");
	if (xfer_failed(t->status))
		paint(wr, ts, SGR_FAIL);
	tw_puts(wr, status);
	if (t->reply_code > 0) {
		tw_putc(wr, ' ');
		tw_uint(wr, (uint64_t)t->reply_code, 0);
	} else if (t->reply_code)
		tw_printf(wr, " %d", t->reply_code);
	if (xfer_failed(t->status))
		paint(wr, ts, SGR_OFF);
	tw_putc(wr, '\n');
}

static void
put_transfer(struct tw *wr, const struct fa_transfer *t, const struct text_style *ts)
{
	char b[FMT_NUMLEN];
	double dur = (double)(t->end_us - t->start_us) / 1e6;
	uint64_t bytes = fa_transfer_bytes(t);

	put_transfer_head(wr, t, ts);
	tw_puts(wr, "         ");
	/* Unseen data is not "0 B": the size, when announced, still is. */
	if (t->connected)
		tw_puts(wr, fmt_human(b, bytes));
	else
		tw_puts(wr, "not captured (no data connection seen)");
	if (t->has_size) {
		tw_puts(wr, t->connected ? " of " : ", announced ");
		tw_puts(wr, fmt_human(b, t->size));
	}
	if (t->connected && dur > 0) {
		tw_puts(wr, " in ");
		tw_puts(wr, fmt_ms(b, t->end_us - t->start_us));
		tw_puts(wr, " s (");
		tw_puts(wr, fmt_human(b, (uint64_t)((double)bytes / dur)));
		tw_puts(wr, "/s)");
	}
	if (t->connected && t->handshake != FA_HS_COMPLETE)
		tw_printf(wr, "  handshake %s", fa_handshake_str(t->handshake));
	tw_putc(wr, '\n');
	if (t->connected) {
		tw_puts(wr, "         data ");
		put_flow(wr, 14, t->initiator_server ? &t->data_server :
		    &t->data_client, true, t->initiator_server ? &t->data_client :
		    &t->data_server);
	} else {
		tw_puts(wr, "         announced ");
		tw_endpoint(wr, &t->expected, true);
		tw_putc(wr, '\n');
	}
	if (t->nat != NULL)
		put_nat(wr, 9, "nat ", t->nat, t->initiator_server);
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
put_cmd(struct tw *wr, const struct fa_command *c, const struct text_style *ts)
{
	struct fa_bytes v = cmd_verb(c);

	put_wire_cut(wr, v.p, v.len, ARG_COLS);
	if (c->has_arg && c->arg.len > 0) {
		tw_putc(wr, ' ');
		put_wire_cut(wr, c->arg.p, c->arg.len, ARG_COLS);
	}
	if (c->reply_code) {
		tw_puts(wr, " [");
		if (c->reply_code >= 400)
			paint(wr, ts, SGR_FAIL);
		tw_uint(wr, (uint64_t)c->reply_code, 0);
		if (c->reply_code >= 400)
			paint(wr, ts, SGR_OFF);
		tw_putc(wr, ']');
	}
}

/* "  commands  8: USER anonymous [230]  PWD [257] ...", wrapped. */
static void
put_commands(struct tw *wr, const struct fa_session *s, const struct text_style *ts)
{
	size_t col, w;
	uint32_t i;

	tw_puts(wr, "  commands  ");
	tw_uint(wr, s->ncmds, 0);
	if (s->cmds_dropped)
		tw_printf(wr, " (and %llu dropped)", (unsigned long long)s->cmds_dropped);
	col = 12 + num_width(s->ncmds);
	if (s->ncmds > 0) {
		tw_putc(wr, ':');
		col++;
	}
	for (i = 0; i < s->ncmds && i < CMDS_SHOWN; i++) {
		w = cmd_width(&s->cmds[i]);
		if (col + 2 + w > TEXT_WIDTH) {
			tw_puts(wr, "\n            ");
			col = 12;
		} else {
			tw_puts(wr, i == 0 ? " " : "  ");
			col += i == 0 ? 1 : 2;
		}
		put_cmd(wr, &s->cmds[i], ts);
		col += w;
	}
	if (s->ncmds > CMDS_SHOWN) {
		if (col + 12 + num_width(s->ncmds) > TEXT_WIDTH)
			tw_puts(wr, "\n           ");
		tw_printf(wr, "  ... %u more", s->ncmds - CMDS_SHOWN);
	}
	tw_putc(wr, '\n');
}

static void
put_user(struct tw *wr, const struct fa_session *s, const struct text_style *ts)
{
	size_t col = 12;

	tw_puts(wr, "  user      ");
	if (s->has_user)
		col += put_wire_cut(wr, s->user.p, s->user.len, 32);
	else {
		tw_puts(wr, "-");
		col++;
	}
	tw_puts(wr, "  login ");
	if (s->login == FA_LOGIN_FAILED)
		paint(wr, ts, SGR_FAIL);
	tw_puts(wr, fa_login_str(s->login));
	if (s->login_failures)
		tw_printf(wr, " (%u failed)", s->login_failures);
	if (s->login == FA_LOGIN_FAILED)
		paint(wr, ts, SGR_OFF);
	tw_puts(wr, "  tls ");
	tw_puts(wr, s->tls ? (s->implicit_tls ? "implicit" : "yes") : "no");
	/* The columns so far: the rest is for the cwd. */
	col += 8 + strlen(fa_login_str(s->login)) + 6 +
	    strlen(s->tls ? (s->implicit_tls ? "implicit" : "yes") : "no");
	if (s->login_failures)
		col += 10 + num_width(s->login_failures);
	if (s->cwd != NULL) {
		/* A long user and failures leave little room: a line of its own. */
		if (col + 6 + 16 > TEXT_WIDTH) {
			tw_puts(wr, "\n           ");
			col = 11;
		}
		tw_puts(wr, "  cwd ");
		put_str_cut(wr, s->cwd, TEXT_WIDTH - col - 6);
	}
	tw_putc(wr, '\n');
}

static void
put_anomalies(struct tw *wr, const struct fa_session *s, const struct text_style *ts)
{
	const struct fa_anomaly *a;
	uint32_t i;

	for (i = 0; i < s->nanoms; i++) {
		a = &s->anoms[i];
		/* Details are built from fa_escape() output: already safe. */
		paint(wr, ts, SGR_ANOM);
		tw_puts(wr, "  ! ");
		tw_puts(wr, a->type);
		tw_puts(wr, ":");
		paint(wr, ts, SGR_OFF);
		tw_putc(wr, ' ');
		put_wrapped(wr, 4 + strlen(a->type) + 2, 6,
		    a->detail ? a->detail : "");
		if (a->fix != NULL) {
			tw_puts(wr, "      fix: ");
			put_wrapped(wr, 11, 11, a->fix);
		}
	}
	if (s->anoms_dropped)
		tw_printf(wr, "  ! and %llu more anomalies not kept\n",
		    (unsigned long long)s->anoms_dropped);
	if (s->gaps) {
		paint(wr, ts, SGR_ANOM);
		tw_printf(wr, "  ! %u gap(s) in the control stream (lost capture data)", s->gaps);
		paint(wr, ts, SGR_OFF);
		tw_putc(wr, '\n');
	}
}

void
report_text_session(FILE *f, const struct fa_session *s, const struct text_style *ts)
{
	struct tw tw, *wr = &tw;
	char b[FA_TSLEN];
	uint32_t i;

	tw_init(wr, f);
	tw_puts(wr, "Session ");
	tw_uint(wr, s->id, 0);
	tw_puts(wr, "  ");
	tw_puts(wr, fmt_ts(s->start_us, b));
	tw_puts(wr, "  ");
	tw_puts(wr, fmt_ms(b, s->end_us - s->start_us));
	tw_puts(wr, " s  ");
	tw_puts(wr, fa_end_reason_str(s->end_reason));
	tw_puts(wr, s->detected ? "  (non-standard port)\n" : "\n");
	tw_puts(wr, "  control   ");
	put_flow(wr, 12, &s->client, true, &s->server);
	if (s->has_banner) {
		tw_puts(wr, "  banner    ");
		put_wire_cut(wr, s->banner.p, s->banner.len, TEXT_WIDTH - 12);
		tw_putc(wr, '\n');
	}
	put_user(wr, s, ts);
	if (s->nat != NULL)
		put_nat(wr, 2, "nat       ", s->nat, false);
	put_commands(wr, s, ts);
	if (s->nxfers > 0) {
		tw_puts(wr, "  transfers ");
		tw_uint(wr, s->nxfers, 0);
		if (s->xfers_dropped)
			tw_printf(wr, " (and %llu dropped)",
			    (unsigned long long)s->xfers_dropped);
		tw_putc(wr, '\n');
		for (i = 0; i < s->nxfers; i++)
			put_transfer(wr, &s->xfers[i], ts);
	}
	put_anomalies(wr, s, ts);
	tw_putc(wr, '\n');
	tw_flush(wr);
}

/* Data-like connections no session claimed, after the sessions. */
void
report_text_unattributed(FILE *f, const struct fa_unattributed *un, size_t nun)
{
	struct tw tw, *wr = &tw;
	char b[FMT_NUMLEN];
	size_t i;

	if (nun == 0)
		return;
	tw_init(wr, f);
	tw_printf(wr, "Unattributed data-like connections: %zu\n", nun);
	for (i = 0; i < nun; i++) {
		tw_puts(wr, "  ");
		put_right(wr, fmt_human(b, un[i].bytes), 10);
		tw_puts(wr, "  ");
		put_flow(wr, 14, &un[i].initiator, true, &un[i].responder);
	}
	tw_flush(wr);
}

/* The summary's first lines: what was read and the totals. */
static void
put_capture(struct tw *wr, const struct capture_input *in)
{
	char b[FMT_NUMLEN], tail[160];
	int n;

	n = snprintf(tail, sizeof tail, "  %s  %llu packets  %s%s", in->link_type,
	    (unsigned long long)in->packets, fmt_human(b, in->bytes),
	    in->truncated ? "  (truncated)" : "");
	if (n < 0 || (size_t)n >= sizeof tail)
		n = 0;
	tw_puts(wr, "  capture       ");
	put_str_tail(wr, in->source, TEXT_WIDTH - 16 - (size_t)n);
	tw_puts(wr, tail);
	tw_putc(wr, '\n');
	if (in->time_jumps > 0)
		tw_printf(wr, "                time runs back %llu time(s), first at "
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
put_count(struct tw *wr, uint64_t n, const char *sgr, const struct text_style *ts)
{
	if (n > 0)
		paint(wr, ts, sgr);
	tw_uint(wr, n, 0);
	if (n > 0)
		paint(wr, ts, SGR_OFF);
}

static void
put_totals(struct tw *wr, const struct summary *sum, const struct fa_stats *st,
    const struct text_style *ts)
{
	const struct summary_counts *c = &sum->total;
	char b[FMT_NUMLEN];

	tw_printf(wr, "  logins        %llu ok, ", (unsigned long long)c->logins_ok);
	put_count(wr, c->logins_failed, SGR_FAIL, ts);
	tw_printf(wr, " failed, %llu none; ", (unsigned long long)c->logins_none);
	put_count(wr, c->login_failures, SGR_FAIL, ts);
	tw_puts(wr, " failed attempt(s)\n");
	tw_printf(wr, "  transfers     %llu: %llu passive, %llu active; %llu not captured "
	    "(no data connection seen)\n",
	    (unsigned long long)(c->transfers[0] + c->transfers[1]),
	    (unsigned long long)c->transfers[0], (unsigned long long)c->transfers[1],
	    (unsigned long long)sum->not_captured);
	tw_printf(wr, "  outcomes      %llu complete, ",
	    (unsigned long long)sum->status[FA_XS_COMPLETE]);
	put_count(wr, sum->status[FA_XS_FAILED], SGR_FAIL, ts);
	tw_puts(wr, " failed, ");
	put_count(wr, sum->status[FA_XS_ABORTED], SGR_FAIL, ts);
	tw_puts(wr, " aborted, ");
	put_count(wr, sum->status[FA_XS_NOT_CONNECTED], SGR_FAIL, ts);
	tw_printf(wr, " not_connected, %llu incomplete\n",
	    (unsigned long long)(sum->status[FA_XS_PENDING] +
	    sum->status[FA_XS_INCOMPLETE]));
	tw_printf(wr, "  data          %llu B (%s)\n", (unsigned long long)c->bytes,
	    fmt_human(b, c->bytes));
	tw_printf(wr, "  tls           %llu session(s)\n", (unsigned long long)sum->tls);
	tw_puts(wr, "  anomalies     ");
	put_count(wr, c->anomalies, SGR_ANOM, ts);
	tw_putc(wr, '\n');
	tw_printf(wr, "  unattributed  %llu data-like connection(s)\n",
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
put_row_addr(struct tw *wr, const struct fa_endpoint *ep, bool port, size_t w)
{
	tw_puts(wr, "  ");
	tw_endpoint(wr, ep, port);
	if (w == 0) {
		tw_puts(wr, "\n        ");
		return;
	}
	tw_spaces(wr, w - endpoint_width(ep, port));
}

#define SERVER_COLS	71	/* after the address */
#define CLIENT_COLS	54

static void
put_ports(struct tw *wr, const struct summary_server *sv)
{
	if (sv->pasv_ports == 0) {
		tw_puts(wr, "-");
		return;
	}
	tw_uint(wr, sv->pasv_min, 0);
	if (sv->pasv_max != sv->pasv_min) {
		tw_puts(wr, "..");
		tw_uint(wr, sv->pasv_max, 0);
	}
	tw_puts(wr, " (");
	tw_uint(wr, sv->pasv_ports, 0);
	tw_putc(wr, ')');
}

static void
put_servers(struct tw *wr, struct summary *sum, const struct text_style *ts)
{
	const struct summary_server **sv, *v;
	char b[FMT_NUMLEN];
	size_t n, shown, i, w;
	uint64_t rest = 0;

	if ((sv = summary_servers(sum, &n)) == NULL || n == 0)
		return;
	shown = n < SHOW_SERVERS ? n : SHOW_SERVERS;
	tw_printf(wr, "\nServers: %zu, by sessions\n", n);
	w = widest(sum, sv, shown, NULL, 0);
	if (2 + w + SERVER_COLS > TEXT_WIDTH)
		w = 0;
	tw_puts(wr, "  server");
	tw_spaces(wr, (w ? w : 6) - 6);
	tw_puts(wr, " sessions     ok failed passive active      bytes  passive ports\n");
	for (i = 0; i < shown; i++) {
		v = sv[i];
		put_row_addr(wr, &v->ep, true, w);
		put_num(wr, v->c.sessions, 9);
		put_num(wr, v->c.logins_ok, 7);
		if (v->c.logins_failed)
			paint(wr, ts, SGR_FAIL);
		put_num(wr, v->c.logins_failed, 7);
		if (v->c.logins_failed)
			paint(wr, ts, SGR_OFF);
		put_num(wr, v->c.transfers[0], 8);
		put_num(wr, v->c.transfers[1], 7);
		put_right(wr, fmt_human(b, v->c.bytes), 11);
		tw_puts(wr, "  ");
		put_ports(wr, v);
		tw_putc(wr, '\n');
	}
	for (; i < n; i++)
		rest += sv[i]->c.sessions;
	if (n > shown)
		tw_printf(wr, "  ... and %zu more servers (%llu sessions)\n", n - shown,
		    (unsigned long long)rest);
	if (sum->servers_untracked)
		tw_printf(wr, "  ... and more servers than the %d told apart: %llu "
		    "sessions, in the totals only\n", SUMMARY_MAX_SERVERS,
		    (unsigned long long)sum->servers_untracked);
}

static void
put_clients(struct tw *wr, struct summary *sum, const struct text_style *ts)
{
	const struct summary_client **cl, *c;
	struct fa_endpoint ep;
	char b[FMT_NUMLEN];
	size_t n, shown, i, w;

	if ((cl = summary_clients(sum, &n)) == NULL || n == 0)
		return;
	shown = n < SHOW_CLIENTS ? n : SHOW_CLIENTS;
	tw_printf(wr, "\nTop clients: %zu of %zu, by sessions\n", shown, n);
	w = widest(sum, NULL, 0, cl, shown);
	if (2 + w + CLIENT_COLS > TEXT_WIDTH)
		w = 0;
	tw_puts(wr, "  client");
	tw_spaces(wr, (w ? w : 6) - 6);
	tw_puts(wr, " sessions     ok failed transfers      bytes anomalies\n");
	memset(&ep, 0, sizeof ep);
	for (i = 0; i < shown; i++) {
		c = cl[i];
		ep.ip = c->addr;
		put_row_addr(wr, &ep, false, w);
		put_num(wr, c->c.sessions, 9);
		put_num(wr, c->c.logins_ok, 7);
		if (c->c.logins_failed)
			paint(wr, ts, SGR_FAIL);
		put_num(wr, c->c.logins_failed, 7);
		if (c->c.logins_failed)
			paint(wr, ts, SGR_OFF);
		put_num(wr, c->c.transfers[0] + c->c.transfers[1], 10);
		put_right(wr, fmt_human(b, c->c.bytes), 11);
		if (c->c.anomalies)
			paint(wr, ts, SGR_ANOM);
		put_num(wr, c->c.anomalies, 10);
		if (c->c.anomalies)
			paint(wr, ts, SGR_OFF);
		tw_putc(wr, '\n');
	}
	if (sum->clients_untracked)
		tw_printf(wr, "  ... and more clients than the %d told apart: %llu "
		    "sessions, in the totals only\n", SUMMARY_MAX_CLIENTS,
		    (unsigned long long)sum->clients_untracked);
}

static void
put_anomaly_types(struct tw *wr, struct summary *sum, const struct text_style *ts)
{
	const struct summary_anomaly *a;
	size_t n, i;

	a = summary_anomaly_types(sum, &n);
	if (n == 0 && sum->anomalies_untyped == 0)
		return;
	tw_printf(wr, "\nAnomalies: %llu, by type\n",
	    (unsigned long long)sum->total.anomalies);
	for (i = 0; i < n; i++) {
		tw_puts(wr, "  ");
		paint(wr, ts, SGR_ANOM);
		put_num(wr, a[i].count, 9);
		paint(wr, ts, SGR_OFF);
		tw_puts(wr, "  ");
		put_str_cut(wr, a[i].type, TEXT_WIDTH - 13);
		tw_putc(wr, '\n');
	}
	if (sum->anomalies_untyped)
		tw_printf(wr, "  %9llu  of other types (past the %d told apart)\n",
		    (unsigned long long)sum->anomalies_untyped,
		    SUMMARY_MAX_ANOMALY_TYPES);
}

/* One line of the limits: only when something was cut. */
static void
limit(struct tw *wr, bool *any, uint64_t n, const char *what)
{
	if (n == 0)
		return;
	*any = true;
	tw_puts(wr, "  ");
	put_num(wr, n, 9);
	tw_puts(wr, "  ");
	tw_puts(wr, what);
	tw_putc(wr, '\n');
}

static void
put_limits(struct tw *wr, const struct summary *sum, const struct capture *cap,
    const struct fa_stats *st, uint64_t un_dropped)
{
	char what[96];
	bool any = false;
	uint64_t cut = 0;
	size_t i;

	for (i = 0; cap != NULL && i < capture_count(cap); i++)
		cut += capture_input(cap, i)->truncated;
	tw_puts(wr, "\nLeft out and cut by limits\n");
	limit(wr, &any, st->non_ip, "packets not IP");
	limit(wr, &any, st->non_tcp, "packets not TCP");
	limit(wr, &any, st->malformed, "malformed packets");
	limit(wr, &any, st->fragments, "IP fragments");
	limit(wr, &any, st->bad_checksums, "packets with a bad checksum");
	limit(wr, &any, cut, "capture(s) cut off in the middle of a packet");
	limit(wr, &any, st->conns_evicted, "connections evicted from the connection table");
	limit(wr, &any, st->conn_cap_hits, "times the connection table was full");
	limit(wr, &any, st->reasm_cap_hits, "times a stream's reassembly buffer was full");
	limit(wr, &any, st->reasm_gaps, "gaps in reassembled streams (lost capture data)");
	limit(wr, &any, st->reasm_conflicts, "overlapping segments that disagreed");
	limit(wr, &any, st->lines_truncated, "control lines cut at the line length limit");
	limit(wr, &any, st->cmds_dropped, "commands not kept (per-session cap)");
	limit(wr, &any, st->xfers_dropped, "transfers not kept (per-session cap)");
	limit(wr, &any, sum->anoms_dropped, "anomalies not kept (per-session cap)");
	limit(wr, &any, sum->replies_dropped, "replies not kept (per-command cap)");
	limit(wr, &any, st->expect_cap_hits, "times the expectation table was full");
	limit(wr, &any, un_dropped, "unattributed connections not listed (cap)");
	limit(wr, &any, sum->servers_untracked, "sessions of servers past the summary's cap");
	limit(wr, &any, sum->clients_untracked, "sessions of clients past the summary's cap");
	limit(wr, &any, sum->anomalies_untyped, "anomalies of types past the summary's cap");
	limit(wr, &any, st->time_jumps_back, "times a capture's clock ran back");
	if (sum->vet != NULL && sum->vet->selection != NULL) {
		char desc[SELECT_DESCLEN];
		const struct selection *sel = sum->vet->selection;

		snprintf(what, sizeof what, "sessions not selected (%.60s)",
		    select_describe(sel, desc));
		limit(wr, &any, sel->seen - sel->taken, what);
	}
	for (i = 0; i < sum->nexcluded; i++) {
		snprintf(what, sizeof what, "transfers left out of the firewall "
		    "rules: %s", sum->excluded[i].reason);
		limit(wr, &any, sum->excluded[i].count, what);
	}
	if (sum->oom) {
		tw_puts(wr, "  out of memory: the summary's counts are short\n");
		any = true;
	}
	if (!any)
		tw_puts(wr, "  nothing\n");
}

void
report_text_summary(FILE *f, struct summary *sum, const struct capture *cap,
    const struct fa_stats *st, uint64_t un_dropped, const struct text_style *ts)
{
	struct tw tw, *wr = &tw;
	size_t i;

	tw_init(wr, f);
	tw_printf(wr, "Summary: %llu FTP session(s), %llu data connection(s), "
	    "%llu TCP connection(s)\n", (unsigned long long)sum->total.sessions,
	    (unsigned long long)st->data_connections,
	    (unsigned long long)st->tcp_connections);
	for (i = 0; cap != NULL && i < capture_count(cap); i++)
		put_capture(wr, capture_input(cap, i));
	put_totals(wr, sum, st, ts);
	put_servers(wr, sum, ts);
	put_clients(wr, sum, ts);
	put_anomaly_types(wr, sum, ts);
	put_limits(wr, sum, cap, st, un_dropped);
	tw_flush(wr);
}

/* "  (helper would cover)" and the like: what follows an opening, in b
 * only when it is not one of the fixed notes.  Every data connection has
 * a note, and one snprintf each was a fourteenth of the text report. */
static const char *
opening_note(const struct rules_opening *o, char *b, size_t len)
{
	if (o->excluded != NULL) {
		snprintf(b, len, "  (excluded: %s)", o->excluded);
		return b;
	}
	if (o->purpose != RP_CONTROL)
		return o->helper_covers ? "  (helper would cover)" :
		    "  (helper would not cover)";
	return "";
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
	struct tw tw, *wr = &tw;
	char buf[96], ta[FA_ENDPOINTLEN], tb[FA_ENDPOINTLEN];
	const char *note;
	size_t i, wa, wb, wn;

	tw_init(wr, f);
	for (i = 0; i < n; i++) {
		if (i == 0) {
			tw_puts(wr, "  session ");
			tw_uint(wr, session, 5);
			tw_putc(wr, ' ');
		} else
			tw_puts(wr, "                ");	/* "  %-13s " */
		if (v[i].rule) {
			tw_putc(wr, 'R');
			tw_uint(wr, v[i].rule, 3);
		} else
			tw_pad(wr, "-", 4);
		tw_putc(wr, ' ');
		tw_pad(wr, rules_purpose_str(v[i].purpose), 13);
		tw_putc(wr, ' ');
		wa = fmt_endpoint(ta, &v[i].initiator, v[i].initiator_port_known);
		wb = fmt_endpoint(tb, &v[i].responder, true);
		note = opening_note(&v[i], buf, sizeof buf);
		wn = strlen(note);
		tw_put(wr, ta, wa);
		if (35 + wa + 4 + wb + wn <= TEXT_WIDTH) {
			tw_puts(wr, " -> ");
			tw_put(wr, tb, wb);
		} else {
			tw_putc(wr, '\n');
			tw_spaces(wr, 32);
			tw_puts(wr, "-> ");
			tw_put(wr, tb, wb);
			if (35 + wb + wn > TEXT_WIDTH) {
				tw_putc(wr, '\n');
				tw_spaces(wr, 33);
			}
		}
		tw_puts(wr, note);
		tw_putc(wr, '\n');
	}
	tw_flush(wr);
	return ferror(f) ? -1 : 0;
}
