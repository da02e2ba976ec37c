/* SPDX-License-Identifier: ISC */
/* tui.c: the ncurses view of `ftpaudit live`.  The capture loop calls
 * tui_keys() and tui_tick(); the screen is redrawn on a clock (at most
 * REDRAW_US apart, or soon after a key) from a snapshot, so a packet flood
 * costs redraws, never packets.  Text comes from tui_text.c, sanitised. */
#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ftpaudit/live.h"
#include "ftpaudit/fmt.h"
#include "ftpaudit/report.h"
#include "tui_int.h"

#define REDRAW_US	250000		/* at most 4 redraws a second */
#define KEY_REDRAW_US	30000		/* after a key, soon but not per key */
#define SAMPLE_US	1000000		/* rates are per second */
#define FREEZE_US	1500000		/* keep the order while navigating */
#define ALERT_US	30000000	/* an alert stays bold this long */
#define HEAD_LINES	4		/* title, rates, alert, column titles */
#define KEY_ESC		27

enum tui_view { V_LIST, V_DETAIL, V_HELP, V_RULES };
enum tui_sort { S_START, S_BYTES, S_RATE };
static const char *sort_names[] = { "start", "bytes", "rate" };

/* A session the view follows: open, or ended and kept until the cap. */
struct row {
	struct fa_session *s;		/* reference held */
	uint64_t	 bytes_prev;	/* at the last rate sample */
	uint64_t	 rate;		/* bytes a second over the last sample */
};

/* One line of the table as it was when the snapshot was taken. */
struct snap {
	struct fa_session *s;		/* reference held */
	uint64_t	 bytes, rate;
	size_t		 prev_pos;	/* in the previous snapshot, or SIZE_MAX */
	char		 text[256];
};

struct tui {
	struct tui_info	 info;
	SCREEN		*scr;		/* NULL once ended */
	struct row	*rows;
	size_t		 nrows, rows_cap, nended;
	struct snap	*snap;
	size_t		 nsnap;
	bool		 have_snap;

	enum tui_view	 view;
	enum tui_sort	 sort;
	char		 filter[64];
	bool		 editing;	/* typing a filter after '/' */
	char		 edit[64];
	uint64_t	 sel_id;	/* selected session, kept across sorts */
	size_t		 sel, top;	/* selected row and first shown */
	struct fa_session *detail;	/* reference held while shown */
	size_t		 dtop;		/* first line of detail/help/rules */
	bool		 paused, quit, dirty;

	char		 alert[400];
	uint64_t	 alert_us, nalerts;

	uint64_t	 start_us, now_us, last_draw, last_sample, last_nav;
	uint64_t	 pkts_prev, bytes_prev, pps, bps;
	uint64_t	 drops, pkts_total;
	size_t		 open;
	uint64_t	 total;
};

static void	on_start(void *, const struct fa_session *);
static void	on_end(void *, struct fa_session *);
static void	on_anomaly(void *, const struct fa_session *, const struct fa_anomaly *);

struct tui *
tui_new(const struct tui_info *ti, char *err, size_t errlen)
{
	struct tui *t;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the tui format needs a terminal "
		    "(use -F ndjson or -F json)");
		return NULL;
	}
	if ((t = calloc(1, sizeof *t)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->info = *ti;
	/* newterm, not initscr: initscr exits the process on failure. */
	if ((t->scr = newterm(NULL, stdout, stdin)) == NULL) {
		snprintf(err, errlen, "cannot use the terminal (TERM=%s)",
		    getenv("TERM") ? getenv("TERM") : "unset");
		free(t);
		return NULL;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	t->dirty = true;
	return t;
}

void
tui_end(struct tui *t)
{
	if (t == NULL || t->scr == NULL)
		return;
	endwin();
	delscreen(t->scr);
	t->scr = NULL;
}

static void
snap_clear(struct tui *t)
{
	size_t i;

	for (i = 0; i < t->nsnap; i++)
		fa_session_unref(t->snap[i].s);
	free(t->snap);
	t->snap = NULL;
	t->nsnap = 0;
}

static void
detail_close(struct tui *t)
{
	fa_session_unref(t->detail);
	t->detail = NULL;
	t->dtop = 0;
}

void
tui_free(struct tui *t)
{
	size_t i;

	if (t == NULL)
		return;
	tui_end(t);
	snap_clear(t);
	detail_close(t);
	for (i = 0; i < t->nrows; i++)
		fa_session_unref(t->rows[i].s);
	free(t->rows);
	free(t);
}

void
tui_sink(struct tui *t, struct fa_sink *sk)
{
	memset(sk, 0, sizeof *sk);
	sk->session_start = on_start;
	sk->session_end = on_end;
	sk->anomaly = on_anomaly;
	sk->arg = t;
}

/* ---- the model: rows follow sessions ---- */

static void
on_start(void *arg, const struct fa_session *cs)
{
	struct fa_session *s = (struct fa_session *)cs;	/* to hold a reference */
	struct tui *t = arg;
	struct row *r;

	t->total++;
	if (t->nrows == t->rows_cap) {
		if ((r = realloc(t->rows, (t->rows_cap ? t->rows_cap * 2 : 64) *
		    sizeof *r)) == NULL)
			return;
		t->rows = r;
		t->rows_cap = t->rows_cap ? t->rows_cap * 2 : 64;
	}
	fa_session_ref(s);
	t->rows[t->nrows++] = (struct row){ .s = s };
}

static void
row_remove(struct tui *t, size_t i)
{
	fa_session_unref(t->rows[i].s);
	memmove(&t->rows[i], &t->rows[i + 1], (t->nrows - i - 1) * sizeof *t->rows);
	t->nrows--;
}

/* Ended sessions stay listed; past the cap the one that ended first goes. */
static void
evict_ended(struct tui *t)
{
	size_t i, old;

	while (t->nended > t->info.max_ended) {
		old = SIZE_MAX;
		for (i = 0; i < t->nrows; i++)
			if (t->rows[i].s->ended && (old == SIZE_MAX ||
			    t->rows[i].s->end_us < t->rows[old].s->end_us))
				old = i;
		if (old == SIZE_MAX)
			break;
		row_remove(t, old);
		t->nended--;
	}
}

static void
on_end(void *arg, struct fa_session *s)
{
	struct tui *t = arg;
	size_t i;

	for (i = 0; i < t->nrows; i++)
		if (t->rows[i].s == s) {
			t->nended++;
			evict_ended(t);
			return;
		}
}

static void
clear_ended(struct tui *t)
{
	size_t i = 0;

	while (i < t->nrows) {
		if (t->rows[i].s->ended)
			row_remove(t, i);
		else
			i++;
	}
	t->nended = 0;
}

static void
on_anomaly(void *arg, const struct fa_session *s, const struct fa_anomaly *a)
{
	struct tui *t = arg;
	char *d = a->detail ? sanitize((const uint8_t *)a->detail,
	    strlen(a->detail)) : NULL;

	snprintf(t->alert, sizeof t->alert, "session %llu: %s: %s",
	    (unsigned long long)s->id, a->type, d ? d : "");
	free(d);
	t->alert_us = t->now_us;
	t->nalerts++;
}

/* Per-second rates: the header's and each session's. */
static void
sample_rates(struct tui *t, const struct fa_stats *st)
{
	uint64_t dt = t->now_us - t->last_sample, b;
	size_t i;

	if (t->last_sample != 0 && dt < SAMPLE_US)
		return;
	/* Halfway to the last second's figure: clients send in bursts (curl
	 * --limit-rate writes 64 KB at a time), and the rate should not
	 * flicker between zero and twice its value. */
	for (i = 0; i < t->nrows; i++) {
		b = tui_session_bytes(t->rows[i].s);
		t->rows[i].rate = t->last_sample && dt ? (t->rows[i].rate +
		    (b - t->rows[i].bytes_prev) * 1000000 / dt) / 2 : 0;
		t->rows[i].bytes_prev = b;
	}
	if (t->last_sample != 0 && dt > 0) {
		t->pps = (t->pps + (st->packets - t->pkts_prev) * 1000000 / dt) / 2;
		t->bps = (t->bps + (st->bytes - t->bytes_prev) * 1000000 / dt) / 2;
	}
	t->pkts_prev = st->packets;
	t->bytes_prev = st->bytes;
	t->last_sample = t->now_us;
}

/* ---- the snapshot the table is drawn from ---- */

static bool
matches(const struct tui *t, const char *text)
{
	return t->filter[0] == '\0' || strcasestr(text, t->filter) != NULL;
}

static int
by_prev_pos(const void *x, const void *y)
{
	const struct snap *a = x, *b = y;

	if (a->prev_pos != b->prev_pos)
		return a->prev_pos < b->prev_pos ? -1 : 1;
	return a->s->id < b->s->id ? -1 : a->s->id > b->s->id;
}

static enum tui_sort sort_key;

static int
by_key(const void *x, const void *y)
{
	const struct snap *a = x, *b = y;
	uint64_t va = 0, vb = 0;

	if (sort_key == S_BYTES) {
		va = a->bytes;
		vb = b->bytes;
	} else if (sort_key == S_RATE) {
		va = a->rate;
		vb = b->rate;
	}
	if (va != vb)		/* biggest first */
		return va > vb ? -1 : 1;
	return a->s->id < b->s->id ? -1 : a->s->id > b->s->id;
}

/* Where each session was in the snapshot being replaced: (session,
 * position) pairs sorted by session, searched with bsearch, so holding
 * the order costs n log n even with thousands of sessions listed. */
struct pos {
	const struct fa_session *s;
	size_t		 i;
};

static int
by_session(const void *x, const void *y)
{
	const struct pos *a = x, *b = y;

	return a->s < b->s ? -1 : a->s > b->s;
}

static struct pos *
positions(const struct snap *old, size_t n)
{
	struct pos *v;
	size_t i;

	if ((v = calloc(n ? n : 1, sizeof *v)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = (struct pos){ old[i].s, i };
	qsort(v, n, sizeof *v, by_session);
	return v;
}

static size_t
prev_position(const struct pos *v, size_t n, const struct fa_session *s)
{
	struct pos key = { s, 0 }, *p;

	if (v == NULL || (p = bsearch(&key, v, n, sizeof *v, by_session)) == NULL)
		return SIZE_MAX;
	return p->i;
}

static void
snap_build(struct tui *t)
{
	bool frozen = t->have_snap && t->now_us - t->last_nav < FREEZE_US;
	struct pos *old = frozen ? positions(t->snap, t->nsnap) : NULL;
	size_t i, k = 0, nold = t->nsnap;
	struct snap *n;

	if ((n = calloc(t->nrows ? t->nrows : 1, sizeof *n)) == NULL) {
		free(old);
		return;
	}
	for (i = 0; i < t->nrows; i++) {
		tui_table_row(n[k].text, sizeof n[k].text, t->rows[i].s, t->rows[i].rate);
		if (!matches(t, n[k].text))
			continue;
		n[k].s = t->rows[i].s;
		fa_session_ref(n[k].s);
		n[k].bytes = tui_session_bytes(n[k].s);
		n[k].rate = t->rows[i].rate;
		n[k].prev_pos = frozen ? prev_position(old, nold, n[k].s) : 0;
		k++;
	}
	free(old);
	sort_key = t->sort;
	qsort(n, k, sizeof *n, frozen ? by_prev_pos : by_key);
	snap_clear(t);
	t->snap = n;
	t->nsnap = k;
	t->have_snap = true;
}

/* Keep the selection on the same session, else in range. */
static void
selection_fix(struct tui *t, int rows)
{
	size_t i;

	for (i = 0; i < t->nsnap; i++)
		if (t->snap[i].s->id == t->sel_id) {
			t->sel = i;
			break;
		}
	if (t->sel >= t->nsnap)
		t->sel = t->nsnap ? t->nsnap - 1 : 0;
	if (t->nsnap)
		t->sel_id = t->snap[t->sel].s->id;
	if (t->sel < t->top)
		t->top = t->sel;
	if (rows > 0 && t->sel >= t->top + (size_t)rows)
		t->top = t->sel - (size_t)rows + 1;
}

/* ---- drawing ---- */

static void
put(int y, int attr, const char *s)
{
	move(y, 0);
	clrtoeol();
	attron(attr);
	addnstr(s, COLS);
	attroff(attr);
}

static void
draw_header(struct tui *t)
{
	char line[512], pps[16], bps[16];
	uint64_t el = (t->now_us - t->start_us) / 1000000;

	snprintf(line, sizeof line, "ftpaudit live  %s  filter: %s  elapsed %02llu:%02llu:%02llu%s",
	    t->info.iface, t->info.filter ? t->info.filter : "(none)",
	    (unsigned long long)(el / 3600), (unsigned long long)(el / 60 % 60),
	    (unsigned long long)(el % 60), t->paused ? "  [PAUSED]" : "");
	put(0, A_BOLD, line);
	snprintf(line, sizeof line, "%s pkts/s  %sB/s  %llu packets  kernel drops %llu  "
	    "sessions open %zu total %llu  sort: %s%s%s",
	    tui_fmt_bytes(t->pps, pps), tui_fmt_bytes(t->bps, bps),
	    (unsigned long long)t->pkts_total, (unsigned long long)t->drops,
	    t->open, (unsigned long long)t->total, sort_names[t->sort],
	    t->filter[0] ? "  show: " : "", t->filter);
	put(1, 0, line);
	if (t->nalerts) {
		snprintf(line, sizeof line, "ALERT (%llu): %s",
		    (unsigned long long)t->nalerts, t->alert);
		put(2, t->now_us - t->alert_us < ALERT_US ? A_BOLD | A_REVERSE : 0, line);
	} else
		put(2, 0, "");
}

static void
draw_footer(struct tui *t)
{
	char line[128];

	if (t->editing) {
		snprintf(line, sizeof line, "filter: %s_  (Enter to apply, Esc to cancel)",
		    t->edit);
		put(LINES - 1, A_BOLD, line);
		return;
	}
	put(LINES - 1, A_REVERSE, t->view == V_LIST ?
	    " q quit  ? help  Enter detail  j/k move  s sort  / filter  p pause  c clear ended  f rules " :
	    " q quit  Esc back  j/k scroll  PgUp/PgDn  g/G top/bottom ");
}

static void
draw_table(struct tui *t)
{
	int rows = LINES - HEAD_LINES - 1, y;
	char title[256];
	size_t i;

	tui_table_title(title, sizeof title);
	put(HEAD_LINES - 1, A_REVERSE, title);
	selection_fix(t, rows);
	for (y = 0; y < rows; y++) {
		i = t->top + (size_t)y;
		if (i >= t->nsnap) {
			put(HEAD_LINES + y, 0, "");
			continue;
		}
		put(HEAD_LINES + y, (i == t->sel ? A_REVERSE : 0) |
		    (t->snap[i].s->ended ? A_DIM : 0), t->snap[i].text);
	}
}

static void
help_lines(struct tui_lines *l)
{
	static const char *h[] = {
	    "Keys", "",
	    "  Up/Down, j/k     select a session (the order holds while you move)",
	    "  PgUp/PgDn, g/G   page, first, last",
	    "  Enter            detail of the selected session; Esc back",
	    "  s                sort by start, bytes, rate",
	    "  /                show only rows containing a text (empty: all)",
	    "  p                pause the view (capture goes on)",
	    "  c                clear ended sessions",
	    "  f                recommended firewall rules so far",
	    "  ?                this help;  q quit",
	    "",
	    "Ended sessions stay, dimmed, with their end reason, until the",
	    "--max-ended cap pushes the oldest out or c clears them.",
	    "Text from the wire is shown escaped (\\xHH): nothing it holds",
	    "can reach the terminal.",
	};
	size_t i;

	for (i = 0; i < sizeof h / sizeof h[0]; i++)
		tui_lines_add(l, "%s", h[i]);
}

/* What the rules module recommends for every session listed. */
static void
rules_lines(struct tui *t, struct tui_lines *l)
{
	struct fa_session **ss;
	size_t i;

	if ((ss = calloc(t->nrows ? t->nrows : 1, sizeof *ss)) == NULL)
		return;
	for (i = 0; i < t->nrows; i++)
		ss[i] = t->rows[i].s;
	tui_rules_lines(l, ss, t->nrows);
	free(ss);
}

static void
draw_pager(struct tui *t)
{
	struct tui_lines l = { 0 };
	int rows = LINES - 2, y;
	size_t i;

	if (t->view == V_DETAIL && t->detail != NULL)
		tui_session_lines(&l, t->detail);
	else if (t->view == V_HELP)
		help_lines(&l);
	else
		rules_lines(t, &l);
	if (t->dtop + 1 > l.n)
		t->dtop = l.n ? l.n - 1 : 0;
	put(0, A_BOLD, t->view == V_DETAIL ? "Session detail" :
	    t->view == V_HELP ? "Help" : "Recommended firewall rules so far");
	for (y = 0; y < rows; y++) {
		i = t->dtop + (size_t)y;
		put(1 + y, 0, i < l.n ? l.v[i] : "");
	}
	tui_lines_clear(&l);
}

static void
draw(struct tui *t)
{
	if (LINES < HEAD_LINES + 3 || COLS < 40) {
		erase();
		put(0, 0, "terminal too small");
	} else if (t->view == V_LIST) {
		if (!t->paused || !t->have_snap)
			snap_build(t);
		draw_header(t);
		draw_table(t);
		draw_footer(t);
	} else {
		draw_pager(t);
		draw_footer(t);
	}
	refresh();
	t->last_draw = t->now_us;
	t->dirty = false;
}

void
tui_tick(struct tui *t, uint64_t now_us, const struct fa_stats *st,
    const struct live_counters *lc, size_t open_sessions)
{
	if (t->scr == NULL)
		return;
	if (t->start_us == 0)
		t->start_us = now_us;
	t->now_us = now_us;
	sample_rates(t, st);
	if (t->paused)
		return (void)(t->dirty && now_us - t->last_draw >= KEY_REDRAW_US ?
		    draw(t) : (void)0);
	t->drops = lc->dropped;
	t->pkts_total = st->packets;
	t->open = open_sessions;
	if (now_us - t->last_draw >= REDRAW_US ||
	    (t->dirty && now_us - t->last_draw >= KEY_REDRAW_US))
		draw(t);
}

void
tui_repaint(struct tui *t)
{
	if (t->scr == NULL)
		return;
	clearok(curscr, TRUE);
	t->dirty = true;
}

/* ---- keys ---- */

static void
edit_key(struct tui *t, int ch)
{
	size_t n = strlen(t->edit);

	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		snprintf(t->filter, sizeof t->filter, "%s", t->edit);
		t->editing = false;
		t->have_snap = false;
	} else if (ch == KEY_ESC) {
		t->editing = false;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (n > 0)
			t->edit[n - 1] = '\0';
	} else if (ch >= 0x20 && ch < 0x7f && n + 1 < sizeof t->edit) {
		t->edit[n] = (char)ch;
		t->edit[n + 1] = '\0';
	}
}

static void
move_sel(struct tui *t, long d)
{
	long n = (long)t->nsnap, s = (long)t->sel + d;

	if (t->view != V_LIST) {
		s = (long)t->dtop + d;
		t->dtop = s < 0 ? 0 : (size_t)s;
		return;
	}
	if (n == 0)
		return;
	s = s < 0 ? 0 : s >= n ? n - 1 : s;
	t->sel = (size_t)s;
	t->sel_id = t->snap[t->sel].s->id;
	t->last_nav = t->now_us;
}

static void
open_detail(struct tui *t)
{
	if (t->view != V_LIST || t->sel >= t->nsnap)
		return;
	detail_close(t);
	t->detail = t->snap[t->sel].s;
	fa_session_ref(t->detail);
	t->view = V_DETAIL;
}

static void
back(struct tui *t)
{
	if (t->view == V_DETAIL)
		detail_close(t);
	t->view = V_LIST;
	t->dtop = 0;
}

static void
key(struct tui *t, int ch)
{
	long page = LINES > HEAD_LINES + 2 ? LINES - HEAD_LINES - 2 : 1;

	switch (ch) {
	case 'q': t->quit = true; break;
	case KEY_UP: case 'k': move_sel(t, -1); break;
	case KEY_DOWN: case 'j': move_sel(t, 1); break;
	case KEY_PPAGE: move_sel(t, -page); break;
	case KEY_NPAGE: case ' ': move_sel(t, page); break;
	case KEY_HOME: case 'g': move_sel(t, -(1L << 30)); break;
	case KEY_END: case 'G': move_sel(t, 1L << 30); break;
	case '\n': case '\r': case KEY_ENTER: open_detail(t); break;
	case KEY_ESC: case KEY_LEFT: case 'h': back(t); break;
	case 's':
		t->sort = (t->sort + 1) % 3;
		t->last_nav = 0;	/* re-sort now */
		break;
	case '/':
		t->editing = true;
		snprintf(t->edit, sizeof t->edit, "%s", t->filter);
		break;
	case 'p': t->paused = !t->paused; t->have_snap = t->paused; break;
	case 'c': clear_ended(t); t->have_snap = false; break;
	case 'f': t->view = t->view == V_RULES ? V_LIST : V_RULES; t->dtop = 0; break;
	case '?': t->view = t->view == V_HELP ? V_LIST : V_HELP; t->dtop = 0; break;
	case KEY_RESIZE: clearok(stdscr, TRUE); break;
	case 12: clearok(stdscr, TRUE); break;	/* ^L */
	}
}

bool
tui_keys(struct tui *t)
{
	int ch;

	if (t->scr == NULL)
		return false;
	while ((ch = getch()) != ERR) {
		t->dirty = true;
		if (t->editing)
			edit_key(t, ch);
		else
			key(t, ch);
	}
	return !t->quit;
}
