/* SPDX-License-Identifier: ISC */
/* progress.h: the status line of a long read, on a terminal's stderr. */
#ifndef FTPAUDIT_PROGRESS_H
#define FTPAUDIT_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What the line shows: bytes of the inputs read (for gzip, of the
 * compressed file) and their total (0 when a size is unknown: a pipe). */
struct progress_figures {
	uint64_t	 done, total;
	uint64_t	 packets, sessions;
};

struct progress {
	FILE		*f;		/* NULL: off */
	double		 start, last;	/* monotonic seconds */
	size_t		 width;		/* of the terminal, for the line */
	bool		 shown;
};

/* On only when f is a terminal and on is true. */
void	progress_init(struct progress *, FILE *f, bool on);
/* True when a line is due: a second since the last (or the start).
 * Reads the clock: call it per batch of packets, not per packet. */
bool	progress_due(struct progress *);
void	progress_show(struct progress *, const struct progress_figures *);
/* Clear the line, if one was shown. */
void	progress_end(struct progress *);
/* The line for figures after elapsed seconds, cut to len - 1 bytes. */
void	progress_format(char *buf, size_t len,
	    const struct progress_figures *, double elapsed);

#endif
