/* SPDX-License-Identifier: ISC */
/*
 * report_html.c: analyze -F html: one self-contained page (html.c's frame)
 * with the summary, a timeline of the sessions' control and data
 * connections, the session table (every session, sortable and filtered
 * by the page's script) and each detailed session's ladder diagram.
 *
 * The page's order is not the order sessions end in: the summary comes
 * first and is known last.  So each session's table row and its ladder go
 * to temporary files (spool.c) as it ends and are copied out after the
 * summary at the end; memory holds only the totals, a bounded table per
 * server and client, and the timeline's rows of the detailed sessions.
 */
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/fmt.h"
#include "ftpaudit/rules.h"
#include "ftpaudit/select.h"
#include "ftpaudit/spool.h"
#include "ftpaudit/tw.h"
#include "html.h"
#include "summary.h"
#include "report_html.h"

/* Rows of the summary's server and client tables. */
#define TOP_SERVERS	50
#define TOP_CLIENTS	10
/* Unattributed connections listed (the count goes on). */
#define MAX_UNATTRIBUTED 1000
/*
 * The session table is cut into tables of this many rows, each in a box
 * with content-visibility: auto, so that the browser lays out only those
 * on screen.  One table of 100,000 rows took Chromium 50 to 70 s to open
 * (laid out again and again as it was parsed); in chunks, 3 s.
 */
#define CHUNK_ROWS	500
#define CHUNK_OPEN	"<div class=\"chunk\"><table class=\"st\"><tbody>\n"
#define CHUNK_CLOSE	"</tbody></table></div>\n"
/* Rows of one ladder; the data connections of one timeline row. */
#define LADDER_ROWS	400
#define TL_XFERS	32
#define LABEL_MAX	72	/* bytes of wire text in a ladder label */

/* Ladder geometry (px). */
#define LX_CLIENT	170
#define LX_SERVER	790
#define L_WIDTH		960
#define L_ROW		22
#define L_TOP		46

/* The openings of the sessions, by the id of the rule `rules` gives
 * them (analyze keeps only the ids), and those left out, by reason. */
#define MAX_RULE_IDS	4096
#define MAX_REASONS	16
struct rule_use {
	uint64_t	 conns;
	enum rules_purpose purpose;
};
struct excluded_use {
	const char	*why;		/* static, rules_vet's */
	uint64_t	 n;
};

struct tl_xfer {
	uint64_t	 start, end;
	uint8_t		 mode, ok;
};

/* A detailed session's row in the timeline. */
struct tl_row {
	uint64_t	 id, start, end;
	bool		 anomalous, login_failed;
	uint32_t	 nx;
	struct tl_xfer	 x[TL_XFERS];
};

struct html_report {
	FILE		*out;		/* borrowed */
	struct spool	*rows;		/* owned: a table row per session */
	uint64_t	 nrows;
	struct spool	*anom;		/* owned: ladders of anomalous sessions */
	struct spool	*norm;		/* owned: ladders of the others */
	uint64_t	*norm_end;	/* owned: norm's size after each ladder */
	struct tl_row	*tl;		/* owned: HTML_DETAIL_MAX anomalous rows,
					   then HTML_DETAIL_MAX others */
	size_t		 nanom, nnorm;	/* ladders kept */
	const struct rules_opts *vet;	/* borrowed, or NULL */
	report_openings_fn openings;
	void		*openings_arg;

	struct summary	*sum;		/* owned: the text report's numbers */
	struct rule_use	*ruse;		/* owned: MAX_RULE_IDS + 1, by rule id */
	uint32_t	 maxrule;
	uint64_t	 ruse_beyond, no_rule;
	struct excluded_use excl[MAX_REASONS];
	size_t		 nexcl;
	uint64_t	 anomalous;	/* sessions with anomalies */
	struct fa_unattributed un[MAX_UNATTRIBUTED];
	size_t		 nun;
	bool		 oom;
};

struct html_report *
html_report_new(FILE *out, char **cause)
{
	struct html_report *h;

	*cause = NULL;
	if ((h = calloc(1, sizeof *h)) == NULL)
		return NULL;
	h->out = out;
	if ((h->norm_end = calloc(HTML_DETAIL_MAX, sizeof *h->norm_end)) == NULL ||
	    (h->tl = calloc(2 * HTML_DETAIL_MAX, sizeof *h->tl)) == NULL ||
	    (h->sum = summary_new()) == NULL ||
	    (h->ruse = calloc(MAX_RULE_IDS + 1, sizeof *h->ruse)) == NULL ||
	    (h->rows = spool_new(cause)) == NULL ||
	    (h->anom = spool_new(cause)) == NULL ||
	    (h->norm = spool_new(cause)) == NULL) {
		html_report_free(h);
		return NULL;
	}
	return h;
}

void
html_report_free(struct html_report *h)
{
	if (h == NULL)
		return;
	spool_free(h->rows);
	spool_free(h->anom);
	spool_free(h->norm);
	summary_free(h->sum);
	free(h->ruse);
	free(h->norm_end);
	free(h->tl);
	free(h);
}

void
html_report_set_openings(struct html_report *h, report_openings_fn fn, void *arg)
{
	h->openings = fn;
	h->openings_arg = arg;
}

void
html_report_set_vet(struct html_report *h, const struct rules_opts *vet)
{
	h->vet = vet;
	summary_set_vet(h->sum, vet);
}

const char *
html_report_error(const struct html_report *h)
{
	const char *e;

	if ((e = spool_error(h->rows)) != NULL || (e = spool_error(h->anom)) != NULL)
		return e;
	if ((e = spool_error(h->norm)) != NULL)
		return e;
	return h->oom ? "out of memory" : NULL;
}

static bool
anomalous(const struct fa_session *s)
{
	return s->nanoms > 0 || s->anoms_dropped > 0;
}

/* The session table's row. */

static const char *
login_class(enum fa_login l)
{
	return l == FA_LOGIN_FAILED ? "bad" : l == FA_LOGIN_SUCCESS ? "ok" : "";
}

static void
table_row(FILE *f, const struct fa_session *s)
{
	char b[FMT_NUMLEN], b2[FMT_NUMLEN], ts[FA_TSLEN];
	uint64_t bytes = 0;
	uint32_t i;
	struct tw w;

	for (i = 0; i < s->nxfers; i++)
		bytes += fa_transfer_bytes(&s->xfers[i]);
	/* Without printf: two fprintfs of 13 conversions a session were a
	 * twentieth of the report's work.  The wire's user name goes through
	 * html_esc_cut, to f itself: the gathered text goes first. */
	tw_init(&w, f);
	tw_puts(&w, "<tr data-session-id=\"");
	tw_uint(&w, s->id, 0);
	tw_puts(&w, anomalous(s) ? "\" class=\"a " : "\" class=\"");
	tw_puts(&w, s->login == FA_LOGIN_FAILED ? "lf" :
	    s->login == FA_LOGIN_SUCCESS ? "lo" : "");
	tw_puts(&w, "\"><td>");
	tw_uint(&w, s->id, 0);
	tw_puts(&w, "<td>");
	tw_endpoint(&w, &s->client, true);
	tw_puts(&w, "<td>");
	tw_endpoint(&w, &s->server, true);
	tw_puts(&w, "<td>");
	tw_flush(&w);
	if (s->has_user)
		html_esc_cut(f, s->user.p, s->user.len, 40);
	/* Alignment and colours come from the columns' CSS: the bytes a
	 * row takes are 100,000 times the page's. */
	tw_puts(&w, "<td>");
	tw_puts(&w, fmt_ts(s->start_us, ts));
	tw_puts(&w, "<td>");
	tw_puts(&w, fmt_ms(b, s->end_us - s->start_us));
	tw_puts(&w, "<td>");
	tw_puts(&w, fa_login_str(s->login));
	tw_puts(&w, "<td>");
	tw_uint(&w, s->nxfers, 0);
	tw_puts(&w, "<td data-v=\"");
	tw_uint(&w, bytes, 0);
	tw_puts(&w, "\">");
	tw_puts(&w, fmt_human(b2, bytes));
	tw_puts(&w, "<td>");
	tw_uint(&w, s->nanoms + s->anoms_dropped, 0);
	tw_puts(&w, "<td>");
	tw_puts(&w, fa_end_reason_str(s->end_reason));
	tw_putc(&w, '\n');
	tw_flush(&w);
}

/* The ladder: client and server lifelines, an arrow a row for each
 * command, reply and data connection, in time order. */

struct ladder {
	FILE		*f;
	const struct fa_session *s;
	const struct rules_opening *op;	/* borrowed: [0] control, [i+1] xfer i */
	size_t		 nop;
	int		 row, rows;	/* drawn, to draw */
};

static uint64_t
xfer_ts(const struct fa_transfer *t)
{
	return t->connected ? t->start_us : t->neg_ts_us;
}

/*
 * A command's or reply's arrow, and the start of its label.  Without
 * printf: two fprintfs of 17 conversions for each of the 51,000 arrows on
 * the first 200 MB of the bench capture were a seventh of all that
 * `analyze -F html` did.  Every number is positive (rows grow down from
 * L_TOP; the arrow heads are 8 inside LX_CLIENT..LX_SERVER).
 */
static void
arrow(struct ladder *l, uint64_t ts, bool from_client, const char *color,
    bool dashed)
{
	unsigned y = L_TOP + (unsigned)l->row * L_ROW + 14;
	unsigned x1 = from_client ? LX_CLIENT : LX_SERVER;
	unsigned x2 = from_client ? LX_SERVER : LX_CLIENT;
	unsigned xh = from_client ? x2 - 8 : x2 + 8;
	char b[FMT_NUMLEN];
	struct tw w;

	tw_init(&w, l->f);
	tw_puts(&w, "<text x=\"4\" y=\"");
	tw_uint(&w, y, 0);
	tw_puts(&w, "\" fill=\"#777\">+");
	tw_puts(&w, fmt_ms(b, ts >= l->s->start_us ? ts - l->s->start_us : 0));
	tw_puts(&w, "</text><line x1=\"");
	tw_uint(&w, x1, 0);
	tw_puts(&w, "\" y1=\"");
	tw_uint(&w, y, 0);
	tw_puts(&w, "\" x2=\"");
	tw_uint(&w, x2, 0);
	tw_puts(&w, "\" y2=\"");
	tw_uint(&w, y, 0);
	tw_puts(&w, "\" stroke=\"");
	tw_puts(&w, color);
	tw_puts(&w, "\" stroke-width=\"1.5\"");
	if (dashed)
		tw_puts(&w, " stroke-dasharray=\"6 3\"");
	tw_puts(&w, "/><polygon points=\"");
	tw_uint(&w, x2, 0);
	tw_putc(&w, ',');
	tw_uint(&w, y, 0);
	tw_putc(&w, ' ');
	tw_uint(&w, xh, 0);
	tw_putc(&w, ',');
	tw_uint(&w, y - 4, 0);
	tw_putc(&w, ' ');
	tw_uint(&w, xh, 0);
	tw_putc(&w, ',');
	tw_uint(&w, y + 4, 0);
	tw_puts(&w, "\" fill=\"");
	tw_puts(&w, color);
	tw_puts(&w, "\"/><text x=\"");
	tw_uint(&w, (LX_CLIENT + LX_SERVER) / 2, 0);
	tw_puts(&w, "\" y=\"");
	tw_uint(&w, y - 4, 0);
	tw_puts(&w, "\" text-anchor=\"middle\" fill=\"");
	tw_puts(&w, color);
	tw_puts(&w, "\">");
	tw_flush(&w);
	l->row++;
}

static void
draw_command(struct ladder *l, const struct fa_command *c)
{
	arrow(l, c->ts_us, true, "#222", false);
	if (c->verb_long.p != NULL)
		html_esc_cut(l->f, c->verb_long.p, c->verb_long.len, LABEL_MAX);
	else
		html_str(l->f, c->verb);
	if (c->has_arg) {
		fputc(' ', l->f);
		html_esc_cut(l->f, c->arg.p, c->arg.len, LABEL_MAX);
	}
	fputs("</text>\n", l->f);
}

static void
draw_reply(struct ladder *l, const struct fa_reply *r)
{
	const char *color = r->code >= 400 ? "#c62828" : "#2e7d32";

	arrow(l, r->ts_us, false, color, false);
	fprintf(l->f, "%d ", r->code);
	html_esc_cut(l->f, r->text.p, r->text.len, LABEL_MAX);
	fputs("</text>\n", l->f);
}

static const char *
xfer_color(const struct fa_transfer *t)
{
	if (!t->connected || t->status == FA_XS_FAILED ||
	    t->status == FA_XS_ABORTED || t->status == FA_XS_NOT_CONNECTED)
		return "#c62828";
	return t->mode == FA_MODE_PASSIVE ? "#1565c0" : "#7b1fa2";
}

static void
draw_rule(struct ladder *l, size_t i)
{
	const struct rules_opening *o;

	if (i + 1 >= l->nop)
		return;
	o = &l->op[i + 1];
	if (o->rule != 0)
		fprintf(l->f, " · rule R%u", o->rule);
	else if (o->excluded != NULL)
		fprintf(l->f, " · no rule: %s", o->excluded);
	else
		fputs(" · no rule", l->f);
}

static void
draw_xfer(struct ladder *l, size_t i)
{
	const struct fa_transfer *t = &l->s->xfers[i];
	bool from_client = t->mode == FA_MODE_PASSIVE;
	char b[FMT_NUMLEN];

	arrow(l, xfer_ts(t), from_client, xfer_color(t), true);
	fprintf(l->f, "data #%u %s %s %s ", t->id, fa_mode_str(t->mode),
	    fa_neg_str(t->neg), t->command ? t->command : "-");
	if (t->path != NULL)
		html_esc_cut(l->f, (const uint8_t *)t->path, strlen(t->path), 40);
	else if (t->arg.p != NULL)
		html_esc_cut(l->f, t->arg.p, t->arg.len, 40);
	if (t->connected) {
		fprintf(l->f, " · port %u · %s", from_client ? t->data_server.port :
		    t->data_client.port, fmt_human(b, fa_transfer_bytes(t)));
	} else
		fputs(" · not captured", l->f);
	fprintf(l->f, " · %s", fa_xstatus_str(t->status));
	if (t->reply_code)
		fprintf(l->f, " %d", t->reply_code);
	draw_rule(l, i);
	fputs("</text>\n", l->f);
}

static int
ladder_rows(const struct fa_session *s)
{
	uint64_t n = s->nunsolicited + s->nxfers;
	uint32_t i;

	for (i = 0; i < s->ncmds; i++)
		n += 1 + s->cmds[i].nreplies;
	return n > LADDER_ROWS ? LADDER_ROWS : (int)n;
}

/* Transfers and unsolicited replies up to ts (exclusive), in order. */
static void
flush_until(struct ladder *l, uint64_t ts, uint32_t *xi, uint32_t *ui)
{
	const struct fa_session *s = l->s;

	for (;;) {
		bool x = *xi < s->nxfers && xfer_ts(&s->xfers[*xi]) < ts;
		bool u = *ui < s->nunsolicited && s->unsolicited[*ui].ts_us < ts;

		if (l->row >= l->rows || (!x && !u))
			return;
		if (x && (!u || xfer_ts(&s->xfers[*xi]) <=
		    s->unsolicited[*ui].ts_us))
			draw_xfer(l, (*xi)++);
		else
			draw_reply(l, &s->unsolicited[(*ui)++]);
	}
}

static void
ladder_body(struct ladder *l)
{
	const struct fa_session *s = l->s;
	const struct fa_command *c;
	uint32_t i, j, xi = 0, ui = 0;

	for (i = 0; i < s->ncmds && l->row < l->rows; i++) {
		c = &s->cmds[i];
		flush_until(l, c->ts_us, &xi, &ui);
		if (l->row < l->rows)
			draw_command(l, c);
		for (j = 0; j < c->nreplies && l->row < l->rows; j++) {
			flush_until(l, c->replies[j].ts_us, &xi, &ui);
			if (l->row < l->rows)
				draw_reply(l, &c->replies[j]);
		}
	}
	flush_until(l, UINT64_MAX, &xi, &ui);
}

static void
ladder_head(FILE *f, const struct fa_session *s, const struct rules_opening *op,
    size_t nop)
{
	char b[FMT_NUMLEN], ts[FA_TSLEN];

	fprintf(f, "<section class=\"ladder\" id=\"L%llu\" data-ladder=\"%llu\">"
	    "<h3>Session %llu: ", (unsigned long long)s->id,
	    (unsigned long long)s->id, (unsigned long long)s->id);
	html_endpoint(f, &s->client, 1);
	fputs(" &rarr; ", f);
	html_endpoint(f, &s->server, 1);
	fprintf(f, "</h3>\n<table class=\"kv\"><tr><td>start<td>%s, %s s, "
	    "ended by %s", fmt_ts(s->start_us, ts), fmt_ms(b, s->end_us -
	    s->start_us), fa_end_reason_str(s->end_reason));
	fputs("<tr><td>user<td>", f);
	if (s->has_user)
		html_esc_cut(f, s->user.p, s->user.len, 200);
	else
		fputs("-", f);
	fprintf(f, ", login <span class=\"%s\">%s</span>%s", login_class(s->login),
	    fa_login_str(s->login), s->tls ? ", TLS" : "");
	if (s->has_banner) {
		fputs("<tr><td>banner<td>", f);
		html_esc_cut(f, s->banner.p, s->banner.len, 200);
	}
	if (nop > 0 && op[0].rule != 0)
		fprintf(f, "<tr><td>control<td>rule R%u", op[0].rule);
	if (s->cmds_dropped || s->xfers_dropped || s->gaps)
		fprintf(f, "<tr><td>limits<td class=\"warn\">%llu commands and %llu "
		    "transfers beyond the caps, %u gap(s) in the control stream",
		    (unsigned long long)s->cmds_dropped,
		    (unsigned long long)s->xfers_dropped, s->gaps);
	fputs("</table>\n", f);
}

static void
ladder_anomalies(FILE *f, const struct fa_session *s)
{
	uint32_t i;

	if (s->nanoms == 0)
		return;
	fputs("<ul>", f);
	for (i = 0; i < s->nanoms; i++) {
		fputs("<li><span class=\"warn\">", f);
		html_str(f, s->anoms[i].type);
		fputs("</span>: ", f);
		html_str(f, s->anoms[i].detail);
		if (s->anoms[i].fix != NULL) {
			fputs("<br>fix: <code>", f);
			html_str(f, s->anoms[i].fix);
			fputs("</code>", f);
		}
		fputs("</li>", f);
	}
	if (s->anoms_dropped)
		fprintf(f, "<li>%llu more beyond the cap</li>",
		    (unsigned long long)s->anoms_dropped);
	fputs("</ul>\n", f);
}

static void
ladder(FILE *f, const struct fa_session *s, const struct rules_opening *op,
    size_t nop)
{
	struct ladder l = { f, s, op, nop, 0, ladder_rows(s) };
	int height = L_TOP + l.rows * L_ROW + 10;

	ladder_head(f, s, op, nop);
	fprintf(f, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\"><text x=\"%d\" y=\"16\" text-anchor=\"middle\" "
	    "font-weight=\"bold\">client ", L_WIDTH, height, L_WIDTH, height,
	    LX_CLIENT);
	html_endpoint(f, &s->client, 1);
	fprintf(f, "</text><text x=\"%d\" y=\"16\" text-anchor=\"middle\" "
	    "font-weight=\"bold\">server ", LX_SERVER);
	html_endpoint(f, &s->server, 1);
	fprintf(f, "</text><line x1=\"%d\" y1=\"24\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#999\"/><line x1=\"%d\" y1=\"24\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#999\"/>\n", LX_CLIENT, LX_CLIENT, height, LX_SERVER,
	    LX_SERVER, height);
	ladder_body(&l);
	fputs("</svg>\n", f);
	if (ladder_rows(s) == LADDER_ROWS)
		fprintf(f, "<p class=\"note\">The ladder stops at %d rows: -F json "
		    "has the rest.</p>\n", LADDER_ROWS);
	ladder_anomalies(f, s);
	fputs("</section>\n", f);
}

static void
keep_timeline(struct tl_row *r, const struct fa_session *s)
{
	const struct fa_transfer *t;
	uint32_t i;

	r->id = s->id;
	r->start = s->start_us;
	r->end = s->end_us;
	r->anomalous = anomalous(s);
	r->login_failed = s->login == FA_LOGIN_FAILED;
	r->nx = 0;
	for (i = 0; i < s->nxfers && r->nx < TL_XFERS; i++) {
		t = &s->xfers[i];
		if (!t->connected)
			continue;
		r->x[r->nx].start = t->start_us;
		r->x[r->nx].end = t->end_us;
		r->x[r->nx].mode = (uint8_t)t->mode;
		r->x[r->nx++].ok = t->status == FA_XS_COMPLETE;
	}
}

/* The ladder, into the anomalous or the others' spool while they have
 * room: the first HTML_DETAIL_MAX of each, of which the page takes all
 * the anomalous ones and the others up to the cap. */
static void
count_openings(struct html_report *h, const struct rules_opening *op, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (op[i].rule > MAX_RULE_IDS)
			h->ruse_beyond++;
		else if (op[i].rule > 0) {
			h->ruse[op[i].rule].conns++;
			h->ruse[op[i].rule].purpose = op[i].purpose;
			if (op[i].rule > h->maxrule)
				h->maxrule = op[i].rule;
		} else if (op[i].excluded == NULL)
			h->no_rule++;
		else {
			for (j = 0; j < h->nexcl; j++)
				if (strcmp(h->excl[j].why, op[i].excluded) == 0)
					break;
			if (j == h->nexcl && h->nexcl == MAX_REASONS)
				continue;
			if (j == h->nexcl)
				h->excl[h->nexcl++].why = op[i].excluded;
			h->excl[j].n++;
		}
	}
}

static void
keep_detail(struct html_report *h, const struct fa_session *s,
    const struct rules_opening *op, size_t nop)
{
	bool a = anomalous(s);
	struct spool *sp = a ? h->anom : h->norm;
	size_t *n = a ? &h->nanom : &h->nnorm;
	FILE *f;

	if (*n >= HTML_DETAIL_MAX || (f = spool_file(sp)) == NULL)
		return;
	ladder(f, s, op, nop);
	spool_end(sp);
	keep_timeline(&h->tl[(a ? 0 : HTML_DETAIL_MAX) + *n], s);
	if (!a)
		h->norm_end[*n] = (uint64_t)ftello(f);
	(*n)++;
}

void
html_report_session(struct html_report *h, const struct fa_session *s)
{
	struct rules_opening *op = NULL;
	size_t nop = 0;
	FILE *f;

	/* The rules feed worked them out as the session ended (cmd_analyze):
	 * taking them costs nothing more. */
	if (h->openings != NULL && h->openings(h->openings_arg, s, &op, &nop) == -1)
		h->oom = true;
	count_openings(h, op, nop);
	summary_add_session(h->sum, s);
	h->anomalous += anomalous(s);
	if ((f = spool_file(h->rows)) != NULL) {
		if (h->nrows > 0 && h->nrows % CHUNK_ROWS == 0)
			fputs(CHUNK_CLOSE CHUNK_OPEN, f);
		h->nrows++;
		table_row(f, s);
		spool_end(h->rows);
	}
	keep_detail(h, s, op, nop);
	free(op);
}

void
html_report_unattributed(struct html_report *h, const struct fa_unattributed *u)
{
	summary_add_unattributed(h->sum, u);
	if (h->nun < MAX_UNATTRIBUTED)
		h->un[h->nun++] = *u;
}

/* The end: summary, timeline, table, ladders. */

static void
kv_uint(FILE *f, const char *k, uint64_t v)
{
	fprintf(f, "<tr><td>%s<td class=\"n\">%llu", k, (unsigned long long)v);
}

static void
put_inputs(FILE *f, const struct capture *cap)
{
	const struct capture_input *in;
	char b[FMT_NUMLEN];
	size_t i;

	for (i = 0; cap != NULL && i < capture_count(cap); i++) {
		in = capture_input(cap, i);
		fputs("<p>Capture <code>", f);
		html_str(f, in->source);
		fputs("</code> ", f);
		html_str(f, in->link_type);
		fprintf(f, ", %llu packets, %s%s</p>\n",
		    (unsigned long long)in->packets, fmt_human(b, in->bytes),
		    in->truncated ? " <span class=\"warn\">(truncated)</span>" : "");
	}
}

static void
put_selection(struct html_report *h, FILE *f)
{
	const struct selection *sel;
	char desc[SELECT_DESCLEN];

	if (h->vet == NULL || (sel = h->vet->selection) == NULL)
		return;
	fputs("<p class=\"warn\">Selection: ", f);
	html_str(f, select_describe(sel, desc));
	fprintf(f, ": %llu of %llu FTP sessions; the rule ids are those of all "
	    "of them.</p>\n", (unsigned long long)sel->taken,
	    (unsigned long long)sel->seen);
}

static void
put_totals(struct html_report *h, FILE *f, const struct fa_stats *st)
{
	const struct summary *m = h->sum;
	char b[FMT_NUMLEN];

	fputs("<table class=\"kv\">", f);
	kv_uint(f, "FTP sessions", m->total.sessions);
	kv_uint(f, "logins succeeded", m->total.logins_ok);
	kv_uint(f, "logins failed", m->total.logins_failed);
	kv_uint(f, "no login", m->total.logins_none);
	kv_uint(f, "TLS sessions", m->tls);
	kv_uint(f, "transfers passive", m->total.transfers[FA_MODE_PASSIVE]);
	kv_uint(f, "transfers active", m->total.transfers[FA_MODE_ACTIVE]);
	kv_uint(f, "&nbsp; complete", m->status[FA_XS_COMPLETE]);
	kv_uint(f, "&nbsp; failed", m->status[FA_XS_FAILED]);
	kv_uint(f, "&nbsp; aborted", m->status[FA_XS_ABORTED]);
	kv_uint(f, "&nbsp; data connection not captured", m->not_captured);
	fprintf(f, "<tr><td>bytes transferred<td class=\"n\">%s",
	    fmt_human(b, m->total.bytes));
	kv_uint(f, "data connections", st->data_connections);
	kv_uint(f, "unattributed data-like connections", m->unattributed);
	kv_uint(f, "sessions with anomalies", h->anomalous);
	kv_uint(f, "anomalies", m->total.anomalies);
	fputs("</table>\n", f);
}

static void
put_server(FILE *f, const struct summary_server *v)
{
	char b[FMT_NUMLEN];

	fputs("<tr><td>", f);
	html_endpoint(f, &v->ep, 1);
	fprintf(f, "<td class=\"n\">%llu<td class=\"n\">%llu<td class=\"n\">%llu"
	    "<td class=\"n\">%llu<td class=\"n\">%llu<td class=\"n\" data-v=\"%llu\">"
	    "%s<td>", (unsigned long long)v->c.sessions,
	    (unsigned long long)v->c.logins_ok,
	    (unsigned long long)v->c.logins_failed,
	    (unsigned long long)v->c.transfers[FA_MODE_PASSIVE],
	    (unsigned long long)v->c.transfers[FA_MODE_ACTIVE],
	    (unsigned long long)v->c.bytes, fmt_human(b, v->c.bytes));
	if (v->pasv_ports > 0)
		fprintf(f, "%u..%u (%u)", v->pasv_min, v->pasv_max, v->pasv_ports);
	else
		fputs("-", f);
	fputs("</tr>\n", f);
}

static void
put_servers(struct html_report *h, FILE *f)
{
	const struct summary_server **v;
	size_t i, n;

	v = summary_servers(h->sum, &n);
	fputs("<h3>Per server</h3>\n<table class=\"sortable\"><thead><tr>"
	    "<th>server<th class=\"n\">sessions<th class=\"n\">logins ok"
	    "<th class=\"n\">failed<th class=\"n\">passive<th class=\"n\">active"
	    "<th class=\"n\">bytes<th>passive ports</tr></thead><tbody>\n", f);
	for (i = 0; i < n && i < TOP_SERVERS; i++)
		put_server(f, v[i]);
	fputs("</tbody></table>\n", f);
	if (n > TOP_SERVERS || h->sum->servers_untracked > 0)
		fprintf(f, "<p class=\"note\">The %d busiest of %zu servers; %llu "
		    "sessions of servers beyond the summary's cap.</p>\n",
		    TOP_SERVERS, n, (unsigned long long)h->sum->servers_untracked);
}

static void
put_clients(struct html_report *h, FILE *f)
{
	const struct summary_client **v;
	char a[FA_ADDRSTRLEN], b[FMT_NUMLEN];
	size_t i, n;

	v = summary_clients(h->sum, &n);
	fputs("<h3>Top clients</h3>\n<table><thead><tr><th>client<th class=\"n\">"
	    "sessions<th class=\"n\">logins failed<th class=\"n\">bytes</tr>"
	    "</thead><tbody>\n", f);
	for (i = 0; i < n && i < TOP_CLIENTS; i++) {
		fputs("<tr><td>", f);
		html_str(f, fa_addr_str(&v[i]->addr, a));
		fprintf(f, "<td class=\"n\">%llu<td class=\"n\">%llu<td class=\"n\">%s"
		    "</tr>\n", (unsigned long long)v[i]->c.sessions,
		    (unsigned long long)v[i]->c.logins_failed,
		    fmt_human(b, v[i]->c.bytes));
	}
	fprintf(f, "</tbody></table>\n<p class=\"note\">%zu distinct clients", n);
	if (h->sum->clients_untracked > 0)
		fprintf(f, "; %llu sessions of clients beyond the summary's cap",
		    (unsigned long long)h->sum->clients_untracked);
	fputs(".</p>\n", f);
}

static void
put_anomaly_types(struct html_report *h, FILE *f)
{
	const struct summary_anomaly *v;
	size_t i, n;

	v = summary_anomaly_types(h->sum, &n);
	fputs("<h3>Anomalies by type</h3>\n", f);
	if (n == 0) {
		fputs("<p>None.</p>\n", f);
		return;
	}
	fputs("<table class=\"sortable\"><thead><tr><th>type<th class=\"n\">count"
	    "</tr></thead><tbody>\n", f);
	for (i = 0; i < n; i++) {
		fputs("<tr><td class=\"warn\">", f);
		html_str(f, v[i].type);
		fprintf(f, "<td class=\"n\">%llu</tr>\n",
		    (unsigned long long)v[i].count);
	}
	fputs("</tbody></table>\n", f);
	if (h->sum->anomalies_untyped > 0)
		fprintf(f, "<p class=\"note\">%llu of further types.</p>\n",
		    (unsigned long long)h->sum->anomalies_untyped);
}

static void
put_limits(struct html_report *h, FILE *f, const struct fa_stats *st,
    size_t nshown)
{
	const struct summary *m = h->sum;

	fputs("<h3>Limits and exclusions</h3>\n<table class=\"kv\">", f);
	fprintf(f, "<tr><td>sessions with full detail<td class=\"n\">%zu of %llu",
	    nshown, (unsigned long long)m->total.sessions);
	kv_uint(f, "connections evicted at the table's cap", st->conn_cap_hits);
	kv_uint(f, "reassembly caps hit", st->reasm_cap_hits);
	kv_uint(f, "sessions with gaps in the control stream", m->sessions_with_gaps);
	kv_uint(f, "lines cut", m->lines_cut);
	kv_uint(f, "commands beyond the per-session cap", m->cmds_dropped);
	kv_uint(f, "replies beyond the per-command cap", m->replies_dropped);
	kv_uint(f, "transfers beyond the per-session cap", m->xfers_dropped);
	kv_uint(f, "anomalies beyond the per-session cap", m->anoms_dropped);
	kv_uint(f, "expectations beyond the cap", st->expect_cap_hits);
	kv_uint(f, "malformed packets", st->malformed);
	fprintf(f, "</table>\n<p class=\"note\">Full detail (ladder, timeline) "
	    "for at most %d sessions,<br>the anomalous ones first; the others "
	    "are table rows.</p>\n", HTML_DETAIL_MAX);
}

static void
put_firewall(struct html_report *h, FILE *f)
{
	uint32_t i;
	size_t j;

	fputs("<h3>Firewall openings</h3>\n<table class=\"sortable\"><thead><tr>"
	    "<th>rule<th>purpose<th class=\"n\">connections</tr></thead><tbody>\n",
	    f);
	for (i = 1; i <= h->maxrule; i++)
		if (h->ruse[i].conns > 0)
			fprintf(f, "<tr><td data-v=\"%u\">R%u<td>%s<td class=\"n\">%llu"
			    "</tr>\n", i, i, rules_purpose_str(h->ruse[i].purpose),
			    (unsigned long long)h->ruse[i].conns);
	for (j = 0; j < h->nexcl; j++)
		fprintf(f, "<tr><td>none<td class=\"warn\">excluded: %s"
		    "<td class=\"n\">%llu</tr>\n", h->excl[j].why,
		    (unsigned long long)h->excl[j].n);
	if (h->no_rule > 0)
		fprintf(f, "<tr><td>none<td>no rule (families differ)<td class=\"n\">"
		    "%llu</tr>\n", (unsigned long long)h->no_rule);
	fputs("</tbody></table>\n<p class=\"note\">Rule ids as <code>ftpaudit "
	    "rules</code> numbers them (its -F html has the rules);<br>each "
	    "ladder names the rule of each connection.</p>\n", f);
}

static int
tl_cmp(const void *a, const void *b)
{
	const struct tl_row *x = *(const struct tl_row *const *)a;
	const struct tl_row *y = *(const struct tl_row *const *)b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

#define TL_LEFT		70
#define TL_WIDTH	1000
#define TL_ROW		12

static double
tl_x(uint64_t t, uint64_t t0, uint64_t span)
{
	/* A data connection's packets may lie outside its session's. */
	if (t < t0)
		t = t0;
	if (t - t0 > span)
		t = t0 + span;
	return TL_LEFT + (double)(t - t0) * (TL_WIDTH - TL_LEFT - 10) / (double)span;
}

static void
tl_bar(FILE *f, double x1, double x2, int y, int h, const char *cls,
    const char *fill, const char *stroke)
{
	fprintf(f, "<rect%s x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
	    "fill=\"%s\" stroke=\"%s\"/>", cls, x1, y, x2 - x1 < 2 ? 2 : x2 - x1,
	    h, fill, stroke);
}

static void
tl_draw_row(FILE *f, const struct tl_row *r, int y, uint64_t t0, uint64_t span)
{
	char b[FMT_NUMLEN];
	uint32_t i;

	fprintf(f, "<g class=\"tlr\" data-tl=\"%llu\"><title>session %llu, %s s%s"
	    "</title><text x=\"4\" y=\"%d\" font-size=\"10\">#%llu</text>",
	    (unsigned long long)r->id, (unsigned long long)r->id,
	    fmt_ms(b, r->end > r->start ? r->end - r->start : 0), r->anomalous ? ", anomalous" : "",
	    y + 9, (unsigned long long)r->id);
	tl_bar(f, tl_x(r->start, t0, span), tl_x(r->end, t0, span), y + 1, 9,
	    " class=\"c\"", r->login_failed ? "#ef9a9a" : "#cfd8dc",
	    r->anomalous ? "#e67e00" : "#90a4ae");
	for (i = 0; i < r->nx; i++)
		tl_bar(f, tl_x(r->x[i].start, t0, span), tl_x(r->x[i].end, t0, span),
		    y + 3, 5, "", !r->x[i].ok ? "#c62828" :
		    r->x[i].mode == FA_MODE_PASSIVE ? "#1565c0" : "#7b1fa2", "none");
	fputs("</g>\n", f);
}

static void
put_timeline(struct html_report *h, FILE *f, size_t nnorm)
{
	const struct tl_row **v;
	char ts[FA_TSLEN], b[FMT_NUMLEN];
	uint64_t t0 = UINT64_MAX, t1 = 0;
	size_t i, n = 0;
	int height;

	fputs("<h2>Timeline</h2>\n", f);
	if (h->nanom + nnorm == 0) {
		fputs("<p>No session.</p>\n", f);
		return;
	}
	if ((v = calloc(h->nanom + nnorm, sizeof *v)) == NULL) {
		h->oom = true;
		return;
	}
	for (i = 0; i < h->nanom; i++)
		v[n++] = &h->tl[i];
	for (i = 0; i < nnorm; i++)
		v[n++] = &h->tl[HTML_DETAIL_MAX + i];
	qsort(v, n, sizeof *v, tl_cmp);
	for (i = 0; i < n; i++) {
		t0 = v[i]->start < t0 ? v[i]->start : t0;
		t1 = v[i]->end > t1 ? v[i]->end : t1;
	}
	if (t1 < t0)
		t1 = t0;
	height = (int)n * TL_ROW + 24;
	fprintf(f, "<p class=\"legend\"><span><i class=\"sw\" style=\"background:"
	    "#cfd8dc\"></i>control connection</span><span><i class=\"sw\" style=\""
	    "background:#ef9a9a\"></i>login failed</span><span><i class=\"sw\" "
	    "style=\"border:2px solid #e67e00\"></i>anomalous</span><span><i "
	    "class=\"sw\" style=\"background:#1565c0\"></i>passive data</span>"
	    "<span><i class=\"sw\" style=\"background:#7b1fa2\"></i>active data"
	    "</span><span><i class=\"sw\" style=\"background:#c62828\"></i>data "
	    "failed</span> From %s, %s s; the %zu sessions with detail; click a "
	    "bar for its ladder.</p>\n<div class=\"scroll\"><svg width=\"%d\" "
	    "height=\"%d\" role=\"img\">\n", fmt_ts(t0, ts), fmt_ms(b, t1 - t0),
	    n, TL_WIDTH, height);
	for (i = 0; i < n; i++)
		tl_draw_row(f, v[i], (int)i * TL_ROW + 4, t0, t1 > t0 ? t1 - t0 : 1);
	fputs("</svg></div>\n", f);
	free(v);
}

static void
put_unattributed(struct html_report *h, FILE *f)
{
	char b[FMT_NUMLEN];
	size_t i;

	if (h->sum->unattributed == 0)
		return;
	fprintf(f, "<h2>Unattributed data-like connections: %llu</h2>\n<table "
	    "class=\"sortable\"><thead><tr><th>initiator<th>responder<th class=\"n\">"
	    "bytes</tr></thead><tbody>\n", (unsigned long long)h->sum->unattributed);
	for (i = 0; i < h->nun; i++) {
		fputs("<tr><td>", f);
		html_endpoint(f, &h->un[i].initiator, 1);
		fputs("<td>", f);
		html_endpoint(f, &h->un[i].responder, 1);
		fprintf(f, "<td class=\"n\" data-v=\"%llu\">%s</tr>\n",
		    (unsigned long long)h->un[i].bytes, fmt_human(b, h->un[i].bytes));
	}
	fputs("</tbody></table>\n", f);
	if (h->sum->unattributed > h->nun)
		fprintf(f, "<p class=\"note\">The first %d are listed.</p>\n",
		    MAX_UNATTRIBUTED);
}

static void
put_table_head(struct html_report *h, FILE *f)
{
	fprintf(f, "<h2>Sessions</h2>\n<div id=\"filter\"><input type=\"search\" "
	    "id=\"q\" placeholder=\"filter: address, user, reason...\"> <label>"
	    "<input type=\"checkbox\" id=\"anom\"> anomalous only</label> "
	    "<span id=\"shown\">%llu</span> of %llu shown; click a row for its "
	    "ladder.</div>\n<div class=\"scroll\" id=\"sessions\"><table "
	    "class=\"st\" id=\"sessions-head\"><thead><tr><th class=\"n\">id"
	    "<th>client<th>server<th>user<th>start<th class=\"n\">seconds<th>login"
	    "<th class=\"n\">transfers<th class=\"n\">bytes<th class=\"n\">"
	    "anomalies<th>end</tr></thead></table>\n" CHUNK_OPEN,
	    (unsigned long long)h->sum->total.sessions,
	    (unsigned long long)h->sum->total.sessions);
}

/* The title names the capture, for a browser with many tabs open. */
static void
page_begin(FILE *f, const struct capture *cap)
{
	char title[256];
	const char *src, *base;
	size_t n = cap != NULL ? capture_count(cap) : 0;

	if (n == 0) {
		html_begin(f, "ftpaudit analyze");
		return;
	}
	src = capture_input(cap, 0)->source;
	base = strrchr(src, '/') != NULL ? strrchr(src, '/') + 1 : src;
	if (n == 1)
		snprintf(title, sizeof title, "ftpaudit analyze %.200s", base);
	else
		snprintf(title, sizeof title, "ftpaudit analyze %.200s and %zu more",
		    base, n - 1);
	html_begin(f, title);
}

int
html_report_finish(struct html_report *h, const struct capture *cap,
    const struct fa_stats *st)
{
	FILE *f = h->out;
	size_t nnorm = h->nnorm;
	int rc = 0;

	if (h->nanom + nnorm > HTML_DETAIL_MAX)
		nnorm = HTML_DETAIL_MAX - h->nanom;
	page_begin(f, cap);
	put_inputs(f, cap);
	put_selection(h, f);
	fputs("<h2>Summary</h2>\n<div class=\"cols\"><div>", f);
	put_totals(h, f, st);
	put_anomaly_types(h, f);
	fputs("</div><div>", f);
	put_servers(h, f);
	put_clients(h, f);
	put_firewall(h, f);
	put_limits(h, f, st, h->nanom + nnorm);
	fputs("</div></div>\n", f);
	put_timeline(h, f, nnorm);
	put_table_head(h, f);
	if (spool_copy(h->rows, f) == -1)
		rc = -1;
	fputs(CHUNK_CLOSE "</div>\n<h2>Ladder</h2>\n<p id=\"nodetail\" "
	    "class=\"note\" hidden>Session <span></span> is one of those without "
	    "full detail on this page (see the limits above): <code>ftpaudit "
	    "analyze -F json</code> has all of it.</p>\n<p class=\"note\">Click a "
	    "session in the table or the timeline.</p>\n", f);
	if (rc == 0 && spool_copy(h->anom, f) == -1)
		rc = -1;
	if (rc == 0 && nnorm > 0 &&
	    spool_copy_n(h->norm, f, h->norm_end[nnorm - 1]) == -1)
		rc = -1;
	put_unattributed(h, f);
	html_end(f);
	return rc == -1 || h->oom ? -1 : 0;
}
