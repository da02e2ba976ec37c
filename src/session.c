/* SPDX-License-Identifier: ISC */
/* session.c: the session model: lifetime, bounded lists, names of enums,
 * and the working-directory arithmetic. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
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

#define POOL_FIRST	1024	/* the struct, a few commands and replies */
#define POOL_FIRST_MAX	(8 * 1024)	/* the most a hint may ask */
#define POOL_MAX	(64 * 1024)
#define POOL_ALIGN	_Alignof(max_align_t)

/*
 * Each thread keeps a few of the chunks it freed, by size, for the next
 * sessions.  Chunks of kilobytes are beyond glibc's per-thread cache, and
 * its malloc and free of one cost 150 ns, most of it in misses on the
 * arena's lists: 6% of the engine's time, for a chunk or two a session.
 * Chunk sizes from STASH_MIN to STASH_LARGEST are powers of two, so that
 * a kept chunk fits any session that asks for its size.  A thread keeps
 * at most STASH_DEPTH chunks of each size, 1 MiB in all, and gives them
 * back when it ends (stash_key's destructor); the main thread's stay
 * until the process exits.
 */
#define STASH_MIN	512
#define STASH_CLASSES	6	/* 512 B to 16 KiB */
#define STASH_LARGEST	(STASH_MIN << (STASH_CLASSES - 1))
#define STASH_DEPTH	32	/* chunks of one size kept, at most */

struct stash {
	struct fa_pool	*top[STASH_CLASSES];	/* owned: lists through next */
	unsigned	 n[STASH_CLASSES];
	bool		 registered;
};

static _Thread_local struct stash stash;
static pthread_key_t stash_key;
static pthread_once_t stash_once = PTHREAD_ONCE_INIT;
static bool stash_keyed;

static void
stash_drop(void *arg)
{
	struct stash *st = arg;
	struct fa_pool *c;
	int k;

	for (k = 0; k < STASH_CLASSES; k++)
		while ((c = st->top[k]) != NULL) {
			st->top[k] = c->next;
			free(c);
		}
	memset(st, 0, sizeof *st);
}

static void
stash_key_new(void)
{
	stash_keyed = pthread_key_create(&stash_key, stash_drop) == 0;
}

/* The class of a chunk of this size, or -1 for one that is not kept. */
static int
stash_class(size_t size)
{
	int k;

	for (k = 0; k < STASH_CLASSES; k++)
		if (size == (size_t)STASH_MIN << k)
			return k;
	return -1;
}

static struct fa_pool *
pool_chunk(size_t size)
{
	struct fa_pool *c;
	int k;

	if (size > STASH_MIN && size < STASH_LARGEST)
		size = (size_t)1 << (64 - __builtin_clzll(size - 1));
	if ((k = stash_class(size)) >= 0 && (c = stash.top[k]) != NULL) {
		stash.top[k] = c->next;
		stash.n[k]--;
	} else if (size > SIZE_MAX - sizeof *c ||
	    (c = malloc(sizeof *c + size)) == NULL)
		return NULL;
	c->size = size;
	c->used = 0;
	c->next = NULL;
	return c;
}

/* Whether this thread will give back what it keeps when it ends. */
static bool
stash_registered(void)
{
	if (!stash.registered) {
		pthread_once(&stash_once, stash_key_new);
		stash.registered = stash_keyed &&
		    pthread_setspecific(stash_key, &stash) == 0;
	}
	return stash.registered;
}

/* Keep c for this thread's next sessions, or free it. */
static void
pool_chunk_free(struct fa_pool *c)
{
	int k = stash_class(c->size);

	if (k < 0 || stash.n[k] >= STASH_DEPTH || !stash_registered()) {
		free(c);
		return;
	}
	c->next = stash.top[k];
	stash.top[k] = c;
	stash.n[k]++;
}

/* The session's struct heads its pool's first chunk: one allocation, not
 * two, and the struct and what it points to come to the cache together. */
#define SESSION_ROOM	((sizeof(struct fa_session) + POOL_ALIGN - 1) & \
			    ~(POOL_ALIGN - 1))

struct fa_session *
session_new(uint64_t id, size_t pool_first)
{
	struct fa_session *s;
	struct fa_pool *c;
	size_t size = POOL_FIRST_MAX;

	/* The hint is for what the session adds; the chunk, the struct
	 * included, stays within the limits. */
	if (pool_first < POOL_FIRST_MAX - SESSION_ROOM)
		size = SESSION_ROOM + pool_first;
	if (size < POOL_FIRST)
		size = POOL_FIRST;
	if ((c = pool_chunk(size)) == NULL)
		return NULL;
	c->used = SESSION_ROOM;
	s = (struct fa_session *)(void *)c->data;
	memset(s, 0, sizeof *s);
	s->pool = c;
	s->id = id;
	s->refs = 1;
	return s;
}

/* The size of the chunk after c, the newest: twice the room c had for
 * what the session adds, which in the first chunk is less the struct's. */
static size_t
pool_next_size(const struct fa_session *s, const struct fa_pool *c)
{
	size_t room = c->size, p = 1;

	if ((const void *)c->data == (const void *)s) {
		room -= SESSION_ROOM;
		while (p <= room / 2)
			p <<= 1;
		room = p;
	}
	return room < POOL_MAX / 2 ? room * 2 : POOL_MAX;
}

void *
session_alloc(struct fa_session *s, size_t n)
{
	struct fa_pool *c = s->pool;
	size_t size;

	if (n > SIZE_MAX - POOL_ALIGN)
		return NULL;
	n = (n + POOL_ALIGN - 1) & ~(POOL_ALIGN - 1);
	if (c->size - c->used >= n) {
		c->used += n;
		return (char *)c->data + c->used - n;
	}
	size = pool_next_size(s, c);
	if (n > size / 4) {
		/* Large: a chunk of its own, behind the current one, whose
		 * free space stays in use. */
		if ((c = pool_chunk(n)) == NULL)
			return NULL;
		c->used = n;
		c->next = s->pool->next;
		s->pool->next = c;
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
 * KiB; more would only push out of the cache what is being written: 16
 * KiB took 0.025 s more than 8 off -F ndjson and json); it reads the
 * struct and the chunks' list now, so ask for the head first.
 */
#define PREFETCH_MAX	(8 * 1024)

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
	return n - SESSION_ROOM;
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

	for (i = 0; i < s->nanoms; i++) {
		free(s->anoms[i].detail);
		free(s->anoms[i].fix);
	}
	free(s->anoms);
	free(s->cwd);
	free(s->sensor);
	/* Last: s is in its pool. */
	for (c = s->pool; c != NULL; c = next) {
		next = c->next;
		pool_chunk_free(c);
	}
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
