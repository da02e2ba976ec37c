/* SPDX-License-Identifier: ISC */
/* capture.c: offline capture input.  libpcap parses pcap and pcapng; gzip
 * is undone by zlib under a stdio cookie so libpcap never knows.  Several
 * inputs are merged by timestamp, one packet held per input. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <zlib.h>

#include "ftpaudit/capture.h"
#include "ftpaudit/decode.h"
#include "ftpaudit/pcapfile.h"

#define READ_BUFSZ	(1024 * 1024)	/* libpcap's stdio default is 4 KiB */
#define PIPE_GZ_BUFSZ	(256 * 1024)	/* compressed bytes read at once */

/* capture_stop_on's flag: set, a read from a pipe ends the input. */
static const volatile sig_atomic_t *stop_flag;

/*
 * A pipe or a device, read as it comes.  zlib's own reads wait until they
 * fill their buffer (256 KiB) or the input ends: a slow pipe was decoded
 * only in bursts, and a signal during that wait either killed the
 * process before its handler was installed or was lost.  Here a read(2)
 * gives what is there, gzip is undone by inflate as it comes, and once
 * the stop flag is set (its signal makes a blocked read fail with EINTR)
 * the input ends as at its end.
 */
struct pipe_src {
	int		 fd;		/* owned */
	bool		 started;	/* the first bytes told gzip or not */
	bool		 gz;
	z_stream	 z;		/* when gz */
	uint8_t		*in;		/* owned; PIPE_GZ_BUFSZ bytes */
	size_t		 off, have;	/* not gz: first bytes not yet given */
	uint64_t	 raw;		/* bytes read from fd, for progress */
};

struct input {
	struct capture_input info;
	pcap_t		*pcap;
	FILE		*fp;		/* owned by pcap once opened */
	char		*buf;		/* stdio buffer, owned */
	gzFile		 gz;		/* owned by the cookie */
	bool		 piped;		/* read through a pipe_src: size unknown */
	const struct pipe_src *ps;	/* when piped; owned by the cookie */
	struct pcapfile	*pf;		/* owned; reading by itself, or NULL */
	bool		 pending;	/* next holds the next packet */
	bool		 done;
	struct capture_pkt next;
	uint64_t	 prev_us;	/* the time of the frame before */
};

struct capture {
	struct input	*in;		/* owned array */
	size_t		 n;
};

static ssize_t
gz_read(void *cookie, char *buf, size_t len)
{
	int n = gzread((gzFile)cookie, buf, len > INT32_MAX ? INT32_MAX : (unsigned)len);

	return n < 0 ? -1 : n;
}

static int
gz_close(void *cookie)
{
	return gzclose((gzFile)cookie) == Z_OK ? 0 : -1;
}

/* A FILE that reads through zlib: transparent for uncompressed input. */
static FILE *
gz_fdopen(int fd, struct input *in)
{
	cookie_io_functions_t io = { .read = gz_read, .close = gz_close };
	FILE *fp;

	if ((in->gz = gzdopen(fd, "rb")) == NULL)
		return NULL;
	gzbuffer(in->gz, 256 * 1024);
	if ((fp = fopencookie(in->gz, "r", io)) == NULL) {
		gzclose(in->gz);
		return NULL;
	}
	return fp;
}

static bool
stop_requested(void)
{
	/* Set by a handler on any thread: an atomic load. */
	return stop_flag != NULL &&
	    __atomic_load_n(stop_flag, __ATOMIC_RELAXED) != 0;
}

void
capture_stop_on(const volatile sig_atomic_t *flag)
{
	stop_flag = flag;
}

/* One read(2): what is there, 0 at the end or once stopped. */
static ssize_t
pipe_raw(struct pipe_src *ps, void *buf, size_t len)
{
	ssize_t n;

	for (;;) {
		if (stop_requested())
			return 0;
		if ((n = read(ps->fd, buf, len)) > 0)
			ps->raw += (uint64_t)n;
		if (n >= 0 || errno != EINTR)
			return n;
	}
}

/* The first two bytes, or as many as come before the end. */
static int
pipe_start(struct pipe_src *ps)
{
	ssize_t n;

	while (ps->have < 2) {
		if ((n = pipe_raw(ps, ps->in + ps->have, PIPE_GZ_BUFSZ -
		    ps->have)) < 0)
			return -1;
		if (n == 0)
			break;
		ps->have += (size_t)n;
	}
	ps->started = true;
	ps->gz = ps->have >= 2 && ps->in[0] == 0x1f && ps->in[1] == 0x8b;
	if (!ps->gz)
		return 0;
	if (inflateInit2(&ps->z, 15 + 16) != Z_OK)
		return -1;
	ps->z.next_in = ps->in;
	ps->z.avail_in = (uInt)ps->have;
	return 0;
}

/* At least one byte of inflated data, unless the input ends. */
static ssize_t
pipe_inflate(struct pipe_src *ps, char *buf, size_t len)
{
	uInt want = len > UINT_MAX ? UINT_MAX : (uInt)len;
	ssize_t n;
	int r;

	ps->z.next_out = (Bytef *)buf;
	ps->z.avail_out = want;
	while (ps->z.avail_out == want) {
		if (ps->z.avail_in == 0) {
			if ((n = pipe_raw(ps, ps->in, PIPE_GZ_BUFSZ)) <= 0)
				return n;
			ps->z.next_in = ps->in;
			ps->z.avail_in = (uInt)n;
		}
		r = inflate(&ps->z, Z_NO_FLUSH);
		if (r == Z_STREAM_END)	/* members one after another, as zcat */
			r = inflateReset(&ps->z);
		if (r != Z_OK && r != Z_BUF_ERROR) {
			errno = EIO;
			return -1;
		}
	}
	return (ssize_t)(want - ps->z.avail_out);
}

static ssize_t
pipe_read(void *cookie, char *buf, size_t len)
{
	struct pipe_src *ps = cookie;
	size_t n;

	if (!ps->started && pipe_start(ps) == -1)
		return -1;
	if (ps->gz)
		return pipe_inflate(ps, buf, len);
	if (ps->off < ps->have) {
		n = ps->have - ps->off < len ? ps->have - ps->off : len;
		memcpy(buf, ps->in + ps->off, n);
		ps->off += n;
		return (ssize_t)n;
	}
	return pipe_raw(ps, buf, len);
}

static int
pipe_close(void *cookie)
{
	struct pipe_src *ps = cookie;
	int r;

	if (ps->gz)
		inflateEnd(&ps->z);
	r = close(ps->fd);
	free(ps->in);
	free(ps);
	return r;
}

/* A FILE reading fd (owned by it from here on, even on failure) as
 * pipe_src does. */
static FILE *
pipe_fdopen(int fd, struct input *in)
{
	cookie_io_functions_t io = { .read = pipe_read, .close = pipe_close };
	struct pipe_src *ps;
	FILE *fp;

	if (fd == -1)
		return NULL;
	if ((ps = calloc(1, sizeof *ps)) == NULL ||
	    (ps->in = malloc(PIPE_GZ_BUFSZ)) == NULL) {
		free(ps);
		close(fd);
		return NULL;
	}
	ps->fd = fd;
	if ((fp = fopencookie(ps, "r", io)) == NULL) {
		pipe_close(ps);
		return NULL;
	}
	/* Reads as large as a pipe gives, not stdio's 4 KiB. */
	if ((in->buf = malloc(READ_BUFSZ)) != NULL)
		setvbuf(fp, in->buf, _IOFBF, READ_BUFSZ);
	in->piped = true;
	in->ps = ps;
	return fp;
}

static bool
is_gzip(FILE *fp)
{
	uint8_t m[2];
	size_t n = fread(m, 1, 2, fp);

	rewind(fp);
	return n == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

/* Say what went wrong in words an administrator can act on. */
static void
open_error(const char *path, const char *pcaperr, uint64_t size, char *err,
    size_t errlen)
{
	if (size == 0 || strstr(pcaperr, "only got 0") != NULL)
		snprintf(err, errlen, "%s: empty %s", path,
		    strcmp(path, "-") == 0 ? "input" : "file");
	else if (strstr(pcaperr, "unknown file format") != NULL ||
	    strstr(pcaperr, "bad dump file format") != NULL)
		snprintf(err, errlen, "%s: not a pcap or pcapng capture", path);
	else if (strstr(pcaperr, "truncated") != NULL)
		snprintf(err, errlen, "%s: capture file header is cut short", path);
	else
		snprintf(err, errlen, "%s: %s", path, pcaperr);
}

static int
input_open(struct input *in, const char *path, const char *filter, char *err,
    size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	struct stat sb;
	FILE *fp;
	int fd;

	in->info.source = path;
	if (strcmp(path, "-") == 0) {
		if ((fp = pipe_fdopen(dup(0), in)) == NULL) {
			snprintf(err, errlen, "%s: cannot read standard input", path);
			return -1;
		}
		in->info.size = 1;	/* unknown; not "empty" */
	} else {
		if ((fp = fopen(path, "rb")) == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (fstat(fileno(fp), &sb) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			fclose(fp);
			return -1;
		}
		if (S_ISDIR(sb.st_mode)) {
			fclose(fp);
			snprintf(err, errlen, "%s: is a directory", path);
			return -1;
		}
		in->info.size = (uint64_t)sb.st_size;
		if (!S_ISREG(sb.st_mode)) {
			/* A pipe or a device (<(zcat x.pcap.gz), /dev/stdin):
			 * it cannot be rewound after a look at its first
			 * bytes, so it is read as standard input is. */
			fd = dup(fileno(fp));
			fclose(fp);
			if ((fp = pipe_fdopen(fd, in)) == NULL) {
				snprintf(err, errlen, "%s: cannot read it", path);
				return -1;
			}
			in->info.size = 1;	/* unknown; not "empty" */
		} else if (is_gzip(fp)) {
			fd = dup(fileno(fp));
			fclose(fp);
			if ((fp = gz_fdopen(fd, in)) == NULL) {
				snprintf(err, errlen, "%s: cannot read gzip data", path);
				return -1;
			}
		} else if ((in->buf = malloc(READ_BUFSZ)) != NULL)
			setvbuf(fp, in->buf, _IOFBF, READ_BUFSZ);
	}
	/* Only one thread reads it (the reader's, or else the engine's):
	 * with more than one thread running, stdio would otherwise take a
	 * lock on each of libpcap's two freads per packet. */
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
	in->fp = fp;
	in->pcap = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (in->pcap == NULL) {
		fclose(fp);
		in->fp = NULL;
		open_error(path, perr, in->info.size, err, errlen);
		return -1;
	}
	in->info.dlt = pcap_datalink(in->pcap);
	in->info.link_type = pcap_datalink_val_to_name(in->info.dlt);
	if (in->info.link_type == NULL)
		in->info.link_type = "unknown";
	if (!decode_dlt_supported(in->info.dlt)) {
		snprintf(err, errlen, "%s: unsupported link type %s (%d)", path,
		    in->info.link_type, in->info.dlt);
		return -1;
	}
	if (filter != NULL && *filter != '\0') {
		if (pcap_compile(in->pcap, &prog, filter, 1,
		    PCAP_NETMASK_UNKNOWN) == -1) {
			snprintf(err, errlen, "%s: bad filter: %s", path,
			    pcap_geterr(in->pcap));
			return -1;
		}
		if (pcap_setfilter(in->pcap, &prog) == -1) {
			pcap_freecode(&prog);
			snprintf(err, errlen, "%s: %s", path, pcap_geterr(in->pcap));
			return -1;
		}
		pcap_freecode(&prog);
	} else if (!in->piped && in->gz == NULL)
		in->pf = pcapfile_open(fileno(fp), in->info.size,
		    (uint32_t)pcap_snapshot(in->pcap));
	return 0;
}

static void
input_close(struct input *in)
{
	pcapfile_close(in->pf);
	if (in->pcap != NULL)
		pcap_close(in->pcap);	/* closes fp too */
	else if (in->fp != NULL)
		fclose(in->fp);
	free(in->buf);
	memset(in, 0, sizeof *in);
}

int
capture_open(struct capture **out, char *const *paths, size_t n,
    const char *filter, char *err, size_t errlen)
{
	struct capture *c;
	size_t i;

	*out = NULL;
	if ((c = calloc(1, sizeof *c)) == NULL ||
	    (c->in = calloc(n ? n : 1, sizeof *c->in)) == NULL) {
		free(c);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		c->n = i + 1;
		if (input_open(&c->in[i], paths[i], filter, err, errlen) == 0)
			continue;
		if (!stop_requested()) {
			capture_close(c);
			return -1;
		}
		/* Stopped before this input's header came: the report
		 * has the inputs before it. */
		input_close(&c->in[i]);
		c->n = i;
		break;
	}
	*out = c;
	return 0;
}

/* libpcap stopped: the end of the file, or an error that cut it short. */
static void
input_stop(struct input *in, int r)
{
	in->done = true;
	if (r == PCAP_ERROR) {
		in->info.truncated = true;
		snprintf(in->info.warning, sizeof in->info.warning, "%s",
		    pcap_geterr(in->pcap));
	}
}

static uint64_t
hdr_us(const struct pcap_pkthdr *h)
{
	return (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
}

/*
 * pcapfile.c stopped (pcapfile.h): libpcap reads on from where it did.
 * Should the file have been cut short under it, or not seek there, the
 * input ends as a truncated one: what follows, if anything, is not what
 * the records before belong to.
 */
static void
input_handover(struct input *in)
{
	off_t off = (off_t)pcapfile_offset(in->pf);
	bool cut = pcapfile_cut(in->pf);

	pcapfile_close(in->pf);
	in->pf = NULL;
	if (!cut && fseeko(in->fp, off, SEEK_SET) == 0)
		return;
	in->done = true;
	in->info.truncated = true;
	if (cut)
		snprintf(in->info.warning, sizeof in->info.warning,
		    "the file was cut short at byte %lld while it was read",
		    (long long)off);
	else
		snprintf(in->info.warning, sizeof in->info.warning,
		    "cannot seek to byte %lld", (long long)off);
}

/* The next packet of in, read by pcapfile.c, into *pk; false when libpcap
 * reads on. */
static bool
input_direct(struct input *in, struct capture_pkt *pk)
{
	struct pcapfile_pkt fp;

	if (pcapfile_next(in->pf, &fp) == 0) {
		input_handover(in);
		return false;
	}
	pk->ts_us = fp.ts_us;
	pk->data = fp.data;
	pk->caplen = fp.caplen;
	pk->wirelen = fp.wirelen;
	return true;
}

/* Make sure in holds its next packet, unless it is finished. */
static void
input_fill(struct input *in)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;

	if (in->pending || in->done)
		return;
	if (in->pf != NULL && input_direct(in, &in->next)) {
		in->pending = true;
		return;
	}
	if (in->done)
		return;
	r = pcap_next_ex(in->pcap, &h, &data);
	if (r != 1) {
		input_stop(in, r);
		return;
	}
	in->next.ts_us = hdr_us(h);
	in->next.data = data;
	in->next.caplen = h->caplen;
	in->next.wirelen = h->len;
	in->pending = true;
}

/*
 * The frame just counted is older than the one before it: past the
 * tolerance (capture.h), a clock stepped back or files were concatenated
 * (the same capture stored twice goes back to its first time).  Only
 * counted here; the caller warns, and the times are handed on as they
 * are.
 */
static void
time_back(struct capture_input *in, uint64_t prev_us, uint64_t ts_us)
{
	bool start = ts_us <= in->first_us;

	if (prev_us - ts_us <= (start ? CAPTURE_BACK_START_US : CAPTURE_BACK_US))
		return;
	if (in->time_jumps++ > 0)
		return;
	in->jump_frame = in->packets;
	in->jump_us = prev_us - ts_us;
	in->jump_to_start = ts_us == in->first_us;
}

/* Hand over pk (its time, lengths and data set) of input i, and count
 * it. */
static void
deliver(struct capture *c, size_t i, struct capture_pkt *pk)
{
	struct input *in = &c->in[i];

	pk->dlt = in->info.dlt;
	pk->input = i;
	if (in->info.packets++ == 0)
		in->info.first_us = pk->ts_us;
	else if (pk->ts_us < in->prev_us)
		time_back(&in->info, in->prev_us, pk->ts_us);
	in->prev_us = pk->ts_us;
	if (pk->ts_us > in->info.last_us)
		in->info.last_us = pk->ts_us;
	in->info.bytes += pk->wirelen;
}

int
capture_next(struct capture *c, struct capture_pkt *pk)
{
	struct input *in, *best = NULL;
	size_t i;

	for (i = 0; i < c->n; i++) {
		in = &c->in[i];
		input_fill(in);
		if (!in->pending)
			continue;
		if (best == NULL || in->next.ts_us < best->next.ts_us)
			best = in;
		if (c->n == 1)
			break;
	}
	if (best == NULL)
		return 0;
	best->pending = false;
	*pk = best->next;
	deliver(c, (size_t)(best - c->in), pk);
	return 1;
}

struct dispatch {
	struct capture	*c;
	capture_cb	 cb;
	void		*arg;
};

static void
dispatch_one(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct dispatch *d = (struct dispatch *)user;
	struct capture_pkt pk;

	pk.ts_us = hdr_us(h);
	pk.data = data;
	pk.caplen = h->caplen;
	pk.wirelen = h->len;
	deliver(d->c, 0, &pk);
	d->cb(d->arg, &pk);
}

/* One input, read by pcapfile.c: up to max packets to cb. */
static size_t
dispatch_direct(struct capture *c, size_t max, capture_cb cb, void *arg)
{
	struct capture_pkt pk;
	size_t n;

	for (n = 0; n < max && input_direct(&c->in[0], &pk); n++) {
		deliver(c, 0, &pk);
		cb(arg, &pk);
	}
	return n;
}

/*
 * One input needs no merging, so it is read by pcapfile.c or by libpcap's
 * own loop: pcap_next_ex() sets up a read per packet, and that was an
 * eighth of the time libpcap took on the bench capture.
 */
size_t
capture_dispatch(struct capture *c, size_t max, capture_cb cb, void *arg)
{
	struct dispatch d = { c, cb, arg };
	struct capture_pkt pk;
	struct input *in = &c->in[0];
	size_t n;
	int r;

	if (c->n == 1 && !in->pending) {
		if (in->pf != NULL &&
		    (n = dispatch_direct(c, max, cb, arg)) > 0)
			return n;
		if (in->done || max == 0)
			return 0;
		r = pcap_dispatch(in->pcap, max > INT32_MAX ? INT32_MAX :
		    (int)max, dispatch_one, (u_char *)&d);
		if (r > 0)
			return (size_t)r;
		input_stop(in, r);
		return 0;
	}
	for (n = 0; n < max && capture_next(c, &pk) == 1; n++)
		cb(arg, &pk);
	return n;
}

size_t
capture_count(const struct capture *c)
{
	return c->n;
}

const struct capture_input *
capture_input(const struct capture *c, size_t i)
{
	return i < c->n ? &c->in[i].info : NULL;
}

/*
 * On the thread that reads: stdio's position of a plain file (no system
 * call), zlib's in the compressed file (one lseek), the bytes a pipe
 * gave.  One input of unknown size makes the total unknown (0).
 */
void
capture_progress(const struct capture *c, uint64_t *done, uint64_t *total)
{
	const struct input *in;
	bool unknown = false;
	size_t i;
	off_t o;

	*done = *total = 0;
	for (i = 0; i < c->n; i++) {
		in = &c->in[i];
		if (in->piped) {
			*done += in->ps->raw;
			unknown = true;
			continue;
		}
		if (in->fp == NULL)
			continue;
		if (in->pf != NULL)
			o = (off_t)pcapfile_offset(in->pf);
		else
			o = in->gz != NULL ? gzoffset(in->gz) : ftello(in->fp);
		if (o > 0)
			*done += (uint64_t)o;
		*total += in->info.size;
	}
	if (unknown)
		*total = 0;
}

void
capture_close(struct capture *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		input_close(&c->in[i]);
	free(c->in);
	free(c);
}
