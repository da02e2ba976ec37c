/* SPDX-License-Identifier: ISC */
/* report_int.h: the text report's pieces (report_text.c), for report.c,
 * which puts every format together. */
#ifndef FTPAUDIT_REPORT_INT_H
#define FTPAUDIT_REPORT_INT_H

#include "ftpaudit/report.h"

void	 report_text_session(FILE *, const struct fa_session *);
void	 report_text_unattributed(FILE *, const struct fa_unattributed *, size_t);
/* The inputs and the totals, written last. */
void	 report_text_summary(FILE *, const struct capture *, const struct fa_stats *);

#endif
