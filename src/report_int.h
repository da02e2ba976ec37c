/* report_int.h: the text report's pieces, for report_json.c, which
 * spools and orders the sessions of every report format. */
#ifndef FTPAUDIT_REPORT_INT_H
#define FTPAUDIT_REPORT_INT_H

#include "ftpaudit/report.h"

void	 report_text_head(FILE *, const struct capture *, const struct fa_stats *);
void	 report_text_session(FILE *, const struct fa_session *);
void	 report_text_unattributed(FILE *, const struct fa_unattributed *, size_t);

#endif
