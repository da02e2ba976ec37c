/* SPDX-License-Identifier: ISC */
/*
 * pcapfile.c: a classic pcap file read in place.
 *
 * libpcap reads a file through stdio: the kernel copies it into stdio's
 * buffer, two freads a packet copy it again into libpcap's, and only then
 * is it handed over.  On the benchmark's main capture that was most of
 * the reading thread's time.  Here the file's pages are mapped, a window
 * at a time, and each record is handed over where it lies.
 *
 * The window is small and slides, so that the memory the process holds
 * stays the same whatever the file's size.  Its pages are populated when
 * it is mapped (MAP_POPULATE): one call instead of a fault every few
 * pages.  Anything this does not read as libpcap would, it leaves to
 * libpcap (pcapfile.h).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ftpaudit/pcapfile.h"

#define MAGIC_US	0xa1b2c3d4u	/* in the file's order, this host's */
#define MAGIC_NS	0xa1b23c4du
#define FILE_HDR	24
#define REC_HDR		16
#define MAX_CAPLEN	262144u		/* libpcap's sane maximum */
#define WINDOW		(4u * 1024 * 1024)

struct pcapfile {
	int		 fd;		/* borrowed */
	uint64_t	 size;
	uint32_t	 snaplen;	/* no record longer is read here */
	bool		 nsec;
	const uint8_t	*win;		/* mapped, or NULL */
	uint64_t	 win_off;	/* file offset of win */
	size_t		 win_len;
	uint64_t	 off;		/* of the next record */
	size_t		 page;
};

static void
unmap(struct pcapfile *f)
{
	if (f->win != NULL)
		munmap((void *)f->win, f->win_len);
	f->win = NULL;
	f->win_len = 0;
}

/* Map the window that starts with the record at f->off and holds at
 * least need bytes of it; -1 when the file has not that many. */
static int
slide(struct pcapfile *f, uint64_t need)
{
	uint64_t start = f->off & ~(uint64_t)(f->page - 1);
	uint64_t len = f->size - start;
	void *m;

	if (f->off + need > f->size)
		return -1;
	if (len > WINDOW)
		len = WINDOW;
	if (f->off + need > start + len)
		return -1;	/* only past a record of MAX_CAPLEN */
	unmap(f);
	m = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
	    f->fd, (off_t)start);
	if (m == MAP_FAILED)
		return -1;
	f->win = m;
	f->win_off = start;
	f->win_len = (size_t)len;
	return 0;
}

struct pcapfile *
pcapfile_open(int fd, uint64_t size, uint32_t snaplen)
{
	struct pcapfile *f;
	uint8_t h[FILE_HDR];
	uint32_t magic;
	uint16_t major, minor;
	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0 || size < FILE_HDR ||
	    pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h)
		return NULL;
	memcpy(&magic, h, 4);
	memcpy(&major, h + 4, 2);
	memcpy(&minor, h + 6, 2);
	if ((magic != MAGIC_US && magic != MAGIC_NS) || major != 2 ||
	    minor != 4)
		return NULL;
	if ((f = calloc(1, sizeof *f)) == NULL)
		return NULL;
	f->fd = fd;
	f->size = size;
	f->snaplen = snaplen < MAX_CAPLEN ? snaplen : MAX_CAPLEN;
	f->nsec = magic == MAGIC_NS;
	f->off = FILE_HDR;
	f->page = (size_t)page;
	return f;
}

int
pcapfile_next(struct pcapfile *f, struct pcapfile_pkt *pk)
{
	uint64_t at = f->off - f->win_off;
	int32_t t[2];
	uint32_t len[2];
	int64_t us;

	if ((f->win == NULL || f->win_len - at < REC_HDR) &&
	    slide(f, REC_HDR) != 0)
		return 0;
	at = f->off - f->win_off;
	memcpy(t, f->win + at, sizeof t);
	memcpy(len, f->win + at + 8, sizeof len);
	if (len[0] > f->snaplen)
		return 0;
	if (f->win_len - at - REC_HDR < len[0]) {
		if (slide(f, REC_HDR + (uint64_t)len[0]) != 0)
			return 0;
		at = f->off - f->win_off;
	}
	/* As libpcap makes a struct timeval of the record's signed
	 * fields, and capture.c microseconds of that. */
	us = f->nsec ? t[1] / 1000 : t[1];
	pk->ts_us = (uint64_t)(int64_t)t[0] * 1000000 + (uint64_t)us;
	pk->data = f->win + at + REC_HDR;
	pk->caplen = len[0];
	pk->wirelen = len[1];
	f->off += REC_HDR + len[0];
	return 1;
}

uint64_t
pcapfile_offset(const struct pcapfile *f)
{
	return f->off;
}

void
pcapfile_close(struct pcapfile *f)
{
	if (f == NULL)
		return;
	unmap(f);
	free(f);
}
