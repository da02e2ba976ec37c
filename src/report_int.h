/* SPDX-License-Identifier: ISC */
/* report_int.h: the text report's pieces (report_text.c), for report.c,
 * which puts every format together. */
#ifndef FTPAUDIT_REPORT_INT_H
#define FTPAUDIT_REPORT_INT_H

#include "ftpaudit/report.h"
#include "summary.h"

/* How the text is written: color adds ANSI colours to failures and
 * anomalies (a terminal's, unless NO_COLOR). */
struct text_style {
	bool		 color;
};

void	 report_text_session(FILE *, const struct fa_session *,
	    const struct text_style *);
struct rules_opening;
/* analyze's firewall section: a session's openings (rules.h); 0, or -1
 * when writing failed. */
int	 report_text_openings(FILE *, const struct rules_opening *, size_t n,
	    uint64_t session);
void	 report_text_unattributed(FILE *, const struct fa_unattributed *, size_t);
/* The summary the report opens with: the inputs, the totals, each
 * server, the top clients, the anomalies by type and what limits cut
 * (un_dropped: the unattributed connections the report did not keep). */
void	 report_text_summary(FILE *, struct summary *, const struct capture *,
	    const struct fa_stats *, uint64_t un_dropped, const struct text_style *);

#endif
