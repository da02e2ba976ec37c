/* spool.c: records written to an unlinked temporary file as they come,
 * read back in id order.  In memory: 16 bytes a record (its place in the
 * file), where keeping the sessions themselves took 5.5 KB each. */
#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftpaudit/spool.h"

#define SPOOL_BUFSZ	(256 * 1024)
#define MAX_ID		((uint64_t)1 << 32)

struct rec {
	uint64_t	 pos;		/* offset + 1; 0: no such record */
	uint32_t	 len[2];	/* of each part */
};

struct spool {
	FILE		*f;		/* owned */
	char		*buf;		/* owned: f's buffer */
	struct rec	*recs;		/* owned; by id - 1 */
	uint64_t	 nrecs;		/* slots in recs */
	struct rec	*cur;		/* being written, or NULL */
	int		 part;		/* of cur */
	off_t		 start;		/* where cur's part began */
	char		*err;		/* owned: what went wrong first */
};

static void
fail(struct spool *sp, const char *what)
{
	if (sp->err == NULL && asprintf(&sp->err, "temporary file: %s: %s", what,
	    strerror(errno)) == -1)
		sp->err = NULL;
	sp->cur = NULL;
}

struct spool *
spool_new(char **cause)
{
	const char *dir = getenv("TMPDIR");
	struct spool *sp;
	char *path = NULL;
	int fd = -1;

	*cause = NULL;
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((sp = calloc(1, sizeof *sp)) == NULL ||
	    (sp->buf = malloc(SPOOL_BUFSZ)) == NULL ||
	    asprintf(&path, "%s/ftpaudit-XXXXXX", dir) == -1) {
		path = NULL;
		goto fail;
	}
	if ((fd = mkstemp(path)) == -1 || unlink(path) == -1 ||
	    (sp->f = fdopen(fd, "w+")) == NULL) {
		if (asprintf(cause, "cannot make a temporary file in %s (TMPDIR): %s",
		    dir, strerror(errno)) == -1)
			*cause = NULL;
		if (fd != -1)
			close(fd);
		goto fail;
	}
	setvbuf(sp->f, sp->buf, _IOFBF, SPOOL_BUFSZ);
	/* One thread at a time writes it (the sinks' writer, then the one
	 * that finishes the report): no lock for each of the text report's
	 * many small writes. */
	__fsetlocking(sp->f, FSETLOCKING_BYCALLER);
	free(path);
	return sp;
fail:
	free(path);
	if (sp != NULL)
		free(sp->buf);
	free(sp);
	return NULL;
}

void
spool_free(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->f != NULL)
		fclose(sp->f);
	free(sp->buf);
	free(sp->recs);
	free(sp->err);
	free(sp);
}

FILE *
spool_begin(struct spool *sp, uint64_t id)
{
	uint64_t n;
	struct rec *v;

	sp->cur = NULL;
	if (sp->err != NULL)
		return NULL;
	if (id == 0 || id > MAX_ID) {
		errno = ERANGE;
		fail(sp, "record number");
		return NULL;
	}
	if (id > sp->nrecs) {
		for (n = sp->nrecs ? sp->nrecs : 1024; n < id; n *= 2)
			;
		if ((v = realloc(sp->recs, n * sizeof *v)) == NULL) {
			fail(sp, "index");
			return NULL;
		}
		memset(v + sp->nrecs, 0, (n - sp->nrecs) * sizeof *v);
		sp->recs = v;
		sp->nrecs = n;
	}
	if ((sp->start = ftello(sp->f)) == -1) {
		fail(sp, "write");
		return NULL;
	}
	sp->cur = &sp->recs[id - 1];
	sp->cur->pos = (uint64_t)sp->start + 1;
	sp->cur->len[0] = sp->cur->len[1] = 0;
	sp->part = 0;
	return sp->f;
}

void
spool_end_part(struct spool *sp)
{
	off_t end;

	if (sp->cur == NULL)
		return;
	if ((end = ftello(sp->f)) == -1 || ferror(sp->f) ||
	    end - sp->start > UINT32_MAX) {
		if (!ferror(sp->f) && end != -1)
			errno = EFBIG;
		sp->cur->pos = 0;
		fail(sp, "write");
		return;
	}
	sp->cur->len[sp->part] = (uint32_t)(end - sp->start);
	sp->start = end;
	if (++sp->part > 1)
		sp->cur = NULL;
}

int
spool_sync(struct spool *sp)
{
	if (sp->err != NULL)
		return -1;
	if (fflush(sp->f) == EOF) {
		fail(sp, "write");
		return -1;
	}
	return 0;
}

int64_t
spool_copy(struct spool *sp, int part, const char *sep, FILE *out)
{
	char *b = NULL, *nb;
	size_t cap = 0, len;
	uint64_t i;
	int64_t n = 0;
	off_t off;

	if (spool_sync(sp) == -1)
		return -1;
	for (i = 0; i < sp->nrecs; i++) {
		if (sp->recs[i].pos == 0)
			continue;
		off = (off_t)(sp->recs[i].pos - 1) + (part ? sp->recs[i].len[0] : 0);
		len = sp->recs[i].len[part];
		if (len > cap) {
			if ((nb = realloc(b, len)) == NULL) {
				fail(sp, "read");
				goto fail;
			}
			b = nb;
			cap = len;
		}
		errno = 0;
		if (len > 0 && pread(fileno(sp->f), b, len, off) != (ssize_t)len) {
			if (errno == 0)
				errno = EIO;
			fail(sp, "read");
			goto fail;
		}
		/* An empty part: b may still be NULL. */
		if ((n > 0 && sep != NULL && fputs(sep, out) == EOF) ||
		    (len > 0 && fwrite(b, 1, len, out) != len))
			goto fail;
		n++;
	}
	free(b);
	return n;
fail:
	free(b);
	return -1;
}

const char *
spool_error(const struct spool *sp)
{
	return sp->err;
}
