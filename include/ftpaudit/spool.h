/* SPDX-License-Identifier: ISC */
/* spool.h: text appended to a temporary file as it comes and copied out
 * at the end: how the text report keeps its second section (each
 * session's firewall openings, written after all the sessions) without
 * holding it in memory. */
#ifndef FTPAUDIT_SPOOL_H
#define FTPAUDIT_SPOOL_H

#include <stdint.h>
#include <stdio.h>

struct spool;

/* An unlinked file in $TMPDIR, else /tmp.  NULL with *cause set (owned
 * by the caller) when it cannot be made; NULL alone when out of memory. */
struct spool *spool_new(char **cause);
void	 spool_free(struct spool *);
/* The stream to append a record to, or NULL once a write failed; it
 * stays the spool's.  spool_end() after each record notes a failure. */
FILE	*spool_file(struct spool *);
void	 spool_end(struct spool *);
/* Everything appended, in order, to out: 0, or -1 when the spool failed
 * (spool_error() says why) or writing out failed (spool_error() NULL). */
int	 spool_copy(struct spool *, FILE *out);
/* The same for the first len bytes appended (a size ftello() gave). */
int	 spool_copy_n(struct spool *, FILE *out, uint64_t len);
/* What failed in the spool first, or NULL. */
const char *spool_error(const struct spool *);

#endif
