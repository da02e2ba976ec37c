/* SPDX-License-Identifier: ISC */
/*
 * progress.c: the status line of a long read.  Once a second, on
 * standard error when it is a terminal: how much of the inputs was read,
 * how fast, the packets and FTP sessions so far and, when the inputs'
 * size is known, when it will be done.  Nothing from the wire is in it.
 */
#include <sys/ioctl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define PROGRESS_EVERY	1.0	/* seconds between lines */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
progress_init(struct progress *p, FILE *f, bool on)
{
	struct winsize ws;

	memset(p, 0, sizeof *p);
	if (!on || !isatty(fileno(f)))
		return;
	p->f = f;
	p->start = p->last = now_s();
	/* A line longer than the terminal wraps, and \r no longer takes the
	 * cursor back to its start. */
	p->width = 80;
	if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		p->width = ws.ws_col;
}

bool
progress_due(struct progress *p)
{
	double t;

	if (p->f == NULL || (t = now_s()) - p->last < PROGRESS_EVERY)
		return false;
	p->last = t;
	return true;
}

/* Bytes as MB (10^6), one decimal below 1000. */
static void
put_mb(char *buf, size_t len, double bytes)
{
	double mb = bytes / 1e6;

	snprintf(buf, len, mb < 1000 ? "%.1f MB" : "%.0f MB", mb);
}

/* Seconds as M:SS or H:MM:SS. */
static void
put_eta(char *buf, size_t len, double s)
{
	unsigned long t = s < 0 ? 0 : s > 359999 ? 359999 : (unsigned long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60,
		    t % 60);
	else
		snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
}

void
progress_format(char *buf, size_t len, const struct progress_figures *fg,
    double elapsed)
{
	char size[32], rate[32], eta[32] = "";
	double bps = elapsed > 0 ? (double)fg->done / elapsed : 0;

	if (len == 0)
		return;
	put_mb(rate, sizeof rate, bps);
	if (fg->total > 0) {
		put_mb(size, sizeof size, (double)fg->total);
		if (bps > 0 && fg->done < fg->total) {
			memcpy(eta, "  ETA ", 7);
			put_eta(eta + 6, sizeof eta - 6,
			    (double)(fg->total - fg->done) / bps);
		}
		snprintf(buf, len, "%.1f%% of %s  %s/s  %llu packets  "
		    "%llu sessions%s", fg->done >= fg->total ? 100.0 :
		    100.0 * (double)fg->done / (double)fg->total, size, rate,
		    (unsigned long long)fg->packets,
		    (unsigned long long)fg->sessions, eta);
	} else {
		put_mb(size, sizeof size, (double)fg->done);
		snprintf(buf, len, "%s  %s/s  %llu packets  %llu sessions",
		    size, rate, (unsigned long long)fg->packets,
		    (unsigned long long)fg->sessions);
	}
}

void
progress_show(struct progress *p, const struct progress_figures *fg)
{
	char line[160];
	size_t len = sizeof line;

	if (p->f == NULL)
		return;
	if (p->width < len)
		len = p->width;		/* at most width - 1 characters */
	progress_format(line, len, fg, now_s() - p->start);
	fprintf(p->f, "\r\033[K%s", line);
	fflush(p->f);
	p->shown = true;
}

void
progress_end(struct progress *p)
{
	if (p->f == NULL || !p->shown)
		return;
	fputs("\r\033[K", p->f);
	fflush(p->f);
	p->shown = false;
}
