/* spool.h: rendered records in a temporary file, written as they come
 * and read back in id order: how the JSON and text reports, which list
 * sessions by id and begin with totals known only at the end, keep their
 * memory independent of the capture's size. */
#ifndef FTPAUDIT_SPOOL_H
#define FTPAUDIT_SPOOL_H

#include <stdint.h>
#include <stdio.h>

struct spool;

/* An unlinked file in $TMPDIR, else /tmp.  NULL with *cause set (owned
 * by the caller) when it cannot be made. */
struct spool *spool_new(char **cause);
void	 spool_free(struct spool *);
/* Start record id (from 1, each once); its text goes to the stream
 * returned, part 0 and then part 1, each ended by spool_end_part().  The
 * stream stays the spool's. */
FILE	*spool_begin(struct spool *, uint64_t id);
void	 spool_end_part(struct spool *);
/* Every record written out to the file: 0, or -1 when some write failed
 * (then nothing should go out, spool_error() says why). */
int	 spool_sync(struct spool *);
/* Part `part` of every record in id order to out, sep before all but the
 * first (NULL: nothing); the number of records written, or -1 on an error
 * (spool_error() says which). */
int64_t	 spool_copy(struct spool *, int part, const char *sep, FILE *out);
/* What failed: NULL if nothing; a reading or writing error of the spool,
 * or NULL with errno set when writing `out` failed. */
const char *spool_error(const struct spool *);

#endif
