/* SPDX-License-Identifier: ISC */
/* session_int.h: model helpers shared inside the engine. */
#ifndef FTPAUDIT_SESSION_INT_H
#define FTPAUDIT_SESSION_INT_H

#include "ftpaudit/session.h"

/* One reference; the pool's first chunk has room for pool_first bytes,
 * within limits. */
struct fa_session *session_new(uint64_t id, size_t pool_first);
/* From the session's pool, freed only with the session. */
void	*session_alloc(struct fa_session *, size_t);
size_t	 session_pool_used(const struct fa_session *);
int	 session_bytes(struct fa_session *, struct fa_bytes *, const uint8_t *,
	    size_t);
int	 session_grow(struct fa_session *, void **arr, uint32_t n, uint32_t *cap,
	    size_t elem, uint32_t first);
/* b set again to a pooled copy of p; b was only ever set this way. */
int	 session_set(struct fa_session *, struct fa_bytes *b, const uint8_t *p,
	    size_t len);
/* Longest path kept, a server's own limit (Linux PATH_MAX): deeper, the
 * working directory is unknown.  Without it a million CWDs one level
 * deeper each copied the whole path, quadratic in the session. */
#define FA_PATH_MAX	4096
/* arg against cwd; owned, or NULL with errno ENAMETOOLONG past
 * FA_PATH_MAX (or ENOMEM). */
char	*path_resolve(const char *cwd, const uint8_t *arg, size_t len);
/* The same in the session's pool. */
char	*session_path(struct fa_session *, const char *cwd, const uint8_t *arg,
	    size_t len);

#endif
