/* SPDX-License-Identifier: ISC */
/* spool.c: text appended to an unlinked temporary file and copied out at
 * the end (spool.h).  The file is gone from the directory as soon as it
 * is made, so a killed run leaves nothing behind. */
#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif

#include "ftpaudit/spool.h"

#define SPOOL_BUFSZ	(256 * 1024)
#define SENDFILE_MAX	(16 * 1024 * 1024)	/* bytes asked of one sendfile */

struct spool {
	FILE		*f;		/* owned */
	char		*buf;		/* owned: f's buffer */
	char		*err;		/* owned: what went wrong first */
};

static void
fail(struct spool *sp, const char *what)
{
	if (sp->err == NULL && asprintf(&sp->err, "temporary file: %s: %s", what,
	    strerror(errno)) == -1)
		sp->err = NULL;
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
	free(sp->err);
	free(sp);
}

FILE *
spool_file(struct spool *sp)
{
	return sp->err == NULL ? sp->f : NULL;
}

/* errno is still the failed write's: nothing ran since but stdio. */
void
spool_end(struct spool *sp)
{
	if (sp->err == NULL && ferror(sp->f))
		fail(sp, "write");
}

int
spool_copy(struct spool *sp, FILE *out)
{
	return spool_copy_n(sp, out, UINT64_MAX);
}

/*
 * The kernel copies it from the spool's pages to out's (or, to /dev/null,
 * not at all), where pread and write copied it twice through a buffer.
 * 1 when it did all of it; 0 when it did nothing and cannot (out is no
 * file, or of a kind it does not take): the caller copies it then; -1 on
 * a write error, with *off where it stopped.
 */
static int
copy_in_kernel(int in, FILE *out, uint64_t len, off_t *off)
{
#ifdef __linux__
	ssize_t n;
	size_t want;
	int fd = fileno(out);

	if (fd == -1 || fflush(out) == EOF)
		return fd == -1 ? 0 : -1;
	while ((uint64_t)*off < len) {
		want = len - (uint64_t)*off > SENDFILE_MAX ? SENDFILE_MAX :
		    (size_t)(len - (uint64_t)*off);
		if ((n = sendfile(fd, in, off, want)) == -1) {
			if (errno == EINTR)
				continue;
			return *off == 0 && (errno == EINVAL ||
			    errno == ENOSYS) ? 0 : -1;
		}
		if (n == 0)
			break;		/* the spool's end */
	}
	return 1;
#else
	(void)in;
	(void)out;
	(void)len;
	(void)off;
	return 0;
#endif
}

int
spool_copy_n(struct spool *sp, FILE *out, uint64_t len)
{
	char *b;
	off_t off = 0;
	ssize_t n = 0;
	int rc = 0;

	spool_end(sp);
	if (sp->err != NULL)
		return -1;
	if (fflush(sp->f) == EOF) {
		fail(sp, "write");
		return -1;
	}
	if ((rc = copy_in_kernel(fileno(sp->f), out, len, &off)) != 0)
		return rc == 1 ? 0 : -1;
	if ((b = malloc(SPOOL_BUFSZ)) == NULL) {
		fail(sp, "read");
		return -1;
	}
	while ((uint64_t)off < len && (n = pread(fileno(sp->f), b,
	    len - (uint64_t)off < SPOOL_BUFSZ ? (size_t)(len - (uint64_t)off) :
	    SPOOL_BUFSZ, off)) > 0) {
		if (fwrite(b, 1, (size_t)n, out) != (size_t)n) {
			rc = -1;
			break;
		}
		off += n;
	}
	if (n == -1) {
		fail(sp, "read");
		rc = -1;
	}
	free(b);
	return rc;
}

const char *
spool_error(const struct spool *sp)
{
	return sp->err;
}
