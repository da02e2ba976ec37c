/* SPDX-License-Identifier: ISC */
/* report_html.h: analyze -F html (report_html.c), one more writer of the
 * report's session events (report.c). */
#ifndef FTPAUDIT_REPORT_HTML_H
#define FTPAUDIT_REPORT_HTML_H

#include <stdio.h>

#include "ftpaudit/report.h"

/*
 * Full detail (ladder, timeline bar) for at most this many sessions, the
 * anomalous ones first, then those that ended first; every session has
 * its table row.  At about 3 KiB a ladder, the page's detail stays near
 * 2 MB whatever the capture, and Chromium lays out 100,000 rows and 1000
 * ladders in a few seconds.
 */
#define HTML_DETAIL_MAX	1000

struct html_report;

/* out is borrowed.  NULL with *cause set (owned) when a temporary file
 * cannot be made; NULL alone when out of memory. */
struct html_report *html_report_new(FILE *out, char **cause);
void	 html_report_set_openings(struct html_report *, report_openings_fn,
	    void *arg);
/* The rules' options (borrowed): the selection, said on the page. */
void	 html_report_set_vet(struct html_report *, const struct rules_opts *);
void	 html_report_session(struct html_report *, const struct fa_session *);
void	 html_report_unattributed(struct html_report *,
	    const struct fa_unattributed *);
/* The page; 0, or -1 when a temporary file or writing out failed
 * (html_report_error() says which). */
int	 html_report_finish(struct html_report *, const struct capture *,
	    const struct fa_stats *);
const char *html_report_error(const struct html_report *);
void	 html_report_free(struct html_report *);

#endif
