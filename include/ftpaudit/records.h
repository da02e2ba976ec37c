/* SPDX-License-Identifier: ISC */
/* records.h: -F ndjson session records read back into sessions. */
#ifndef FTPAUDIT_RECORDS_H
#define FTPAUDIT_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "ftpaudit/session.h"

/* Called with each session read; the session is unreferenced after (take
 * a reference to keep it).  0, or -1 (out of memory). */
typedef int (*records_fn)(void *arg, struct fa_session *);

/* Every file ("-" standard input) read, then the sessions passed: each
 * file's in its order, the files merged by end time.  0, or -1 with one
 * line in err ("FILE:LINE: problem") before any session is passed. */
int	 records_read(char *const *files, size_t n, records_fn, void *arg,
	    char *err, size_t errlen);
/* The word for one FA_HELPER_* bit in a transfer's "helper_obstacles". */
const char *records_helper_word(uint32_t bit);

#endif
