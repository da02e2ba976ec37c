/* SPDX-License-Identifier: ISC */
/* session.c: the session model: lifetime, bounded lists, names of enums,
 * and the working-directory arithmetic. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "ftpaudit/session.h"
#include "session_int.h"
#include "prefetch.h"

const char *
fa_mode_str(enum fa_mode m)
{
	return m == FA_MODE_ACTIVE ? "active" : "passive";
}

const char *
fa_neg_str(enum fa_neg n)
{
	static const char *names[] = { "PASV", "EPSV", "PORT", "EPRT", "LPSV",
	    "LPRT", "encrypted" };

	return (unsigned)n < 7 ? names[n] : "?";
}

const char *
fa_handshake_str(enum fa_handshake h)
{
	static const char *names[] = { "unseen", "complete", "no_answer", "reset" };

	return (unsigned)h < 4 ? names[h] : "?";
}

const char *
fa_dir_str(enum fa_dir d)
{
	static const char *names[] = { NULL, "download", "upload", "listing" };

	return (unsigned)d < 4 ? names[d] : NULL;
}

const char *
fa_xstatus_str(enum fa_xstatus s)
{
	static const char *names[] = { "incomplete", "complete", "failed",
	    "aborted", "not_connected", "incomplete" };

	return (unsigned)s < 6 ? names[s] : "?";
}

const char *
fa_end_reason_str(enum fa_end_reason r)
{
	static const char *names[] = { "capture_end", "quit", "fin", "rst",
	    "timeout", "capture_end" };

	return (unsigned)r < 6 ? names[r] : "?";
}

const char *
fa_login_str(enum fa_login l)
{
	static const char *names[] = { "none", "success", "failed" };

	return (unsigned)l < 3 ? names[l] : "?";
}

/* Index of the transfer's own direction in bytes_seq/bytes_cap. */
static int
xfer_side(const struct fa_transfer *t)
{
	return t->dir == FA_DIR_UPLOAD ? 0 : 1;
}

uint64_t
fa_transfer_bytes(const struct fa_transfer *t)
{
	int i = xfer_side(t);

	/* No command seen (encrypted control): the side that carried data. */
	if (t->dir == FA_DIR_NONE && t->neg == FA_NEG_TLS)
		i = t->bytes_seq[0] > t->bytes_seq[1] ? 0 : 1;

	return t->bytes_seq[i] ? t->bytes_seq[i] : t->bytes_cap[i];
}

uint64_t
fa_transfer_bytes_captured(const struct fa_transfer *t)
{
	if (t->dir == FA_DIR_NONE && t->neg == FA_NEG_TLS)
		return t->bytes_cap[t->bytes_seq[0] > t->bytes_seq[1] ? 0 : 1];
	return t->bytes_cap[xfer_side(t)];
}

struct fa_session *
session_new(uint64_t id)
{
	struct fa_session *s;

	if ((s = calloc(1, sizeof *s)) == NULL)
		return NULL;
	s->id = id;
	s->refs = 1;
	return s;
}

/*
 * A session's pool holds what the session only ever adds to: commands,
 * replies, transfers, their texts and paths, all bounded by the caps.
 * One malloc and one free for each were a sixth of the engine's time; a
 * pool is a few chunks per session.  The working directory, replaced at
 * every CWD, stays on malloc, so that memory follows the caps, not the
 * length of the session.
 */
struct fa_pool {
	struct fa_pool	*next;
	size_t		 size, used;
	max_align_t	 data[];
};

#define POOL_FIRST	512	/* a few commands and replies */
#define POOL_FIRST_MAX	(8 * 1024)	/* the most a hint may ask */
#define POOL_MAX	(64 * 1024)
#define POOL_ALIGN	_Alignof(max_align_t)

static struct fa_pool *
pool_chunk(size_t size)
{
	struct fa_pool *c;

	if (size > SIZE_MAX - sizeof *c || (c = malloc(sizeof *c + size)) == NULL)
		return NULL;
	c->size = size;
	c->used = 0;
	c->next = NULL;
	return c;
}

void *
session_alloc(struct fa_session *s, size_t n)
{
	struct fa_pool *c = s->pool;
	size_t size;

	if (n > SIZE_MAX - POOL_ALIGN)
		return NULL;
	n = (n + POOL_ALIGN - 1) & ~(POOL_ALIGN - 1);
	if (c != NULL && c->size - c->used >= n) {
		c->used += n;
		return (char *)c->data + c->used - n;
	}
	if (c == NULL)
		size = s->pool_first < POOL_FIRST ? POOL_FIRST :
		    s->pool_first > POOL_FIRST_MAX ? POOL_FIRST_MAX : s->pool_first;
	else
		size = c->size < POOL_MAX ? c->size * 2 : POOL_MAX;
	if (n > size / 4) {
		/* Large: a chunk of its own, behind the current one, whose
		 * free space stays in use. */
		if ((c = pool_chunk(n)) == NULL)
			return NULL;
		c->used = n;
		if (s->pool == NULL)
			s->pool = c;
		else {
			c->next = s->pool->next;
			s->pool->next = c;
		}
		return c->data;
	}
	if ((c = pool_chunk(size)) == NULL)
		return NULL;
	c->next = s->pool;
	s->pool = c;
	c->used = n;
	return c->data;
}

/*
 * Hints for a thread about to read s (sinkq.c).  The head is the struct
 * alone and reads nothing.  The whole is the struct and the pool's bytes
 * in use, up to PREFETCH_MAX (a session the size of the bench's is a few
 * KiB; more would only push out of the cache what is being written); it
 * reads the struct and the chunks' list now, so ask for the head first.
 */
#define PREFETCH_MAX	(16 * 1024)

void
fa_session_prefetch_head(const struct fa_session *s)
{
	prefetch_span(s, sizeof *s);
}

void
fa_session_prefetch(const struct fa_session *s)
{
	const struct fa_pool *c;
	size_t left = PREFETCH_MAX, n;

	fa_session_prefetch_head(s);
	for (c = s->pool; c != NULL && left > 0; c = c->next) {
		n = c->used < left ? c->used : left;
		prefetch_span(c->data, n);
		left -= n;
	}
}

/* Bytes handed out by the pool so far. */
size_t
session_pool_used(const struct fa_session *s)
{
	const struct fa_pool *c;
	size_t n = 0;

	for (c = s->pool; c != NULL; c = c->next)
		n += c->used;
	return n;
}

/* A copy of p in the pool, NUL-terminated for the parsers' sake (not
 * part of len). */
int
session_bytes(struct fa_session *s, struct fa_bytes *b, const uint8_t *p,
    size_t len)
{
	uint8_t *n;

	if (len == SIZE_MAX || (n = session_alloc(s, len + 1)) == NULL)
		return -1;
	if (len)
		memcpy(n, p, len);
	n[len] = '\0';
	b->p = n;
	b->len = len;
	return 0;
}

/* grow_array in the pool, from first entries: the old array stays there,
 * unused, so a full array has cost at most twice its size. */
int
session_grow(struct fa_session *s, void **arr, uint32_t n, uint32_t *cap,
    size_t elem, uint32_t first)
{
	uint32_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : first;
	if (ncap < *cap || elem == 0 || ncap > SIZE_MAX / elem ||
	    (p = session_alloc(s, (size_t)ncap * elem)) == NULL)
		return -1;
	if (n)
		memcpy(p, *arr, (size_t)n * elem);
	*arr = p;
	*cap = ncap;
	return 0;
}

/*
 * A field the session may set again (user, password, account; the banner
 * is set once): pooled, with its room kept in the word before it.  A longer value takes twice
 * the room, a shorter one reuses it, so a million USER commands leave at
 * most four times the longest in the pool.
 */
int
session_set(struct fa_session *s, struct fa_bytes *b, const uint8_t *p,
    size_t len)
{
	size_t room = 0;
	uint8_t *n;

	if (b->p != NULL)
		memcpy(&room, b->p - sizeof room, sizeof room);
	if (len >= room) {
		if (len > SIZE_MAX / 4)
			return -1;
		room = 2 * room > len + 1 ? 2 * room : len + 1;
		if ((n = session_alloc(s, sizeof room + room)) == NULL)
			return -1;
		memcpy(n, &room, sizeof room);
		b->p = n + sizeof room;
	}
	if (len)
		memmove(b->p, p, len);	/* p may be the old value */
	b->p[len] = '\0';
	b->len = len;
	return 0;
}

static void
session_free(struct fa_session *s)
{
	struct fa_pool *c, *next;
	uint32_t i;

	for (c = s->pool; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	for (i = 0; i < s->nanoms; i++) {
		free(s->anoms[i].detail);
		free(s->anoms[i].fix);
	}
	free(s->anoms);
	free(s->cwd);
	free(s->sensor);
	free(s);
}

/* Atomic: the reader's thread may write a session's report (sinkq.c). */
void
fa_session_ref(struct fa_session *s)
{
	__atomic_fetch_add(&s->refs, 1, __ATOMIC_RELAXED);
}

void
fa_session_unref(struct fa_session *s)
{
	if (s != NULL && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0)
		session_free(s);
}

/*
 * Resolve a path argument, not empty, against the working directory, the
 * way a Unix server does: "." and ".." are folded, "//" collapsed; a
 * relative path stays relative when cwd is unknown.  Into out, which has
 * room for PATH_ROOM bytes; the length, or -1 with errno ENAMETOOLONG
 * past FA_PATH_MAX.  Like a C string, the path ends at a NUL byte of the
 * argument.
 */
#define PATH_ROOM	(2 * FA_PATH_MAX + 2)

static ssize_t
path_into(const char *cwd, const uint8_t *arg, size_t len, char *out)
{
	size_t n = 0, seg, i = 0;

	if (len > FA_PATH_MAX || (cwd != NULL && strlen(cwd) > FA_PATH_MAX)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (arg[0] != '/' && cwd == NULL) {
		n = strnlen((const char *)arg, len);
		memcpy(out, arg, n);
		out[n] = '\0';
		return (ssize_t)n;
	}
	if (arg[0] != '/') {
		n = strlen(cwd);
		memcpy(out, cwd, n);
	}
	while (i < len) {
		while (i < len && arg[i] == '/')
			i++;
		for (seg = 0; i + seg < len && arg[i + seg] != '/'; seg++)
			;
		if (seg == 0)
			break;
		if (seg == 1 && arg[i] == '.') {
			/* stay */
		} else if (seg == 2 && arg[i] == '.' && arg[i + 1] == '.') {
			while (n > 0 && out[n - 1] == '/')
				n--;
			while (n > 0 && out[n - 1] != '/')
				n--;
		} else {
			if (n == 0 || out[n - 1] != '/')
				out[n++] = '/';
			memcpy(out + n, arg + i, seg);
			n += seg;
		}
		i += seg;
	}
	while (n > 1 && out[n - 1] == '/')
		n--;
	if (n == 0)
		out[n++] = '/';
	if (n > FA_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	out[n] = '\0';
	return (ssize_t)strlen(out);
}

/* No argument is the working directory itself, however long. */
char *
path_resolve(const char *cwd, const uint8_t *arg, size_t len)
{
	char buf[PATH_ROOM];
	ssize_t n;

	if (len == 0)
		return cwd != NULL ? strdup(cwd) : NULL;
	if ((n = path_into(cwd, arg, len, buf)) < 0)
		return NULL;
	return strndup(buf, (size_t)n);
}

char *
session_path(struct fa_session *s, const char *cwd, const uint8_t *arg,
    size_t len)
{
	char buf[PATH_ROOM], *p;
	const char *from = buf;
	ssize_t n;

	if (len == 0) {
		if ((from = cwd) == NULL)
			return NULL;
		n = (ssize_t)strlen(cwd);
	} else if ((n = path_into(cwd, arg, len, buf)) < 0)
		return NULL;
	if ((p = session_alloc(s, (size_t)n + 1)) == NULL)
		return NULL;
	return memcpy(p, from, (size_t)n + 1);
}

/* Printable ASCII copy of at most max wire bytes, "..." when cut; every
 * other byte, and the backslash, as \xHH.  Owned by the caller. */
char *
fa_escape(const uint8_t *p, size_t len, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = 0;
	bool cut = len > max;
	char *out;

	if (cut)
		len = max;
	if ((out = malloc(len * 4 + 4)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			out[n++] = (char)p[i];
		else {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[p[i] >> 4];
			out[n++] = hex[p[i] & 15];
		}
	}
	if (cut) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}
