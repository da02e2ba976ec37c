/* SPDX-License-Identifier: ISC */
/*
 * pcapfile.c: a classic pcap file read through a window mapped on it.
 *
 * libpcap reads a file through stdio: the kernel copies it into stdio's
 * buffer, then two freads a packet copy each record again into libpcap's
 * own, and only then is it handed over.  Here each record is handed over
 * where it lies in the page cache, through a window of the file mapped
 * and populated in one call: no copy, no call a packet.  On the bench's
 * main capture that mapping costs 0.03 s of system time, where the
 * kernel's copy of the file into a buffer cost 0.24 s.  A record's bytes
 * then come from memory, not from a copy in the cache, so the lines
 * ahead are prefetched.
 *
 * Anything this does not read as libpcap would, it leaves to libpcap
 * (pcapfile.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ftpaudit/pcapfile.h"

#define MAGIC_US	0xa1b2c3d4u	/* in the file's order, this host's */
#define MAGIC_NS	0xa1b23c4du
#define FILE_HDR	24
#define REC_HDR		16
#define MAX_CAPLEN	262144u		/* libpcap's sane maximum */
#define WINDOW		(4u * 1024 * 1024)	/* mapped at once; > MAX_CAPLEN */
#define AHEAD		2048		/* bytes prefetched past a record */
#define SLOTS		16		/* files mapped at once, at most */

/*
 * A file cut short while it is mapped (rotated over, or overwritten by a
 * copy) makes the first read past its new end a SIGBUS, which would kill
 * the process with no report.  As systemd's journal does, the handler
 * maps a page of zeroes over the one that faulted, notes the cut, and
 * lets the read go on.  The record the fault was in is the last one
 * handed over, its bytes past the cut read as zeroes, and the input ends
 * there, cut short (capture.c).  (Touching each record's last byte before
 * handing it over, so that not even that one is, cost the reader up to
 * 0.06 s on the bench's main capture.)  The handler reads only these
 * slots: a window's bounds, or 0 while none is mapped.  Each window (4
 * MiB) counts in the resident size; 16 at most are mapped at once.
 */
static struct slot {
	atomic_bool	 used;
	atomic_uintptr_t lo, hi;
	atomic_bool	 cut;
} slots[SLOTS];

static struct sigaction bus_before;	/* restored for a fault not ours */
static long page_size;

struct pcapfile {
	int		 fd;		/* borrowed */
	uint64_t	 size;
	uint32_t	 snaplen;	/* no record longer is read here */
	bool		 nsec;
	struct slot	*slot;		/* claimed */
	const uint8_t	*map;		/* owned; the window, or NULL */
	uint64_t	 mapoff, mapend;	/* the file's bytes it maps */
	const uint8_t	*ahead;		/* prefetched up to here */
	uint64_t	 off;		/* file offset of the next record */
};

static void
on_sigbus(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	int saved = errno;
	size_t i;

	(void)uc;
	for (i = 0; si->si_code > 0 && i < SLOTS; i++) {
		if (a < atomic_load(&slots[i].lo) ||
		    a >= atomic_load(&slots[i].hi))
			continue;
		if (mmap((void *)(a & ~(uintptr_t)(page_size - 1)),
		    (size_t)page_size, PROT_READ,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		    MAP_FAILED)
			break;
		atomic_store(&slots[i].cut, true);
		errno = saved;
		return;
	}
	/* Not a read of a window: as it would have been without this
	 * handler, the access faulting again on return. */
	sigaction(SIGBUS, &bus_before, NULL);
	if (si->si_code <= 0)
		raise(sig);
	errno = saved;
}

/* Once a file is to be mapped, unless the handler is in place already
 * (something else may have taken SIGBUS since: a test harness). */
static void
install(void)
{
	struct sigaction sa;

	if (sigaction(SIGBUS, NULL, &sa) == 0 &&
	    (sa.sa_flags & SA_SIGINFO) && sa.sa_sigaction == on_sigbus)
		return;
	page_size = sysconf(_SC_PAGESIZE);
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &bus_before);
}

static void
unmap(struct pcapfile *f)
{
	if (f->map == NULL)
		return;
	atomic_store(&f->slot->hi, 0);
	atomic_store(&f->slot->lo, 0);
	munmap((void *)f->map, (size_t)(f->mapend - f->mapoff));
	f->map = NULL;
	f->mapoff = f->mapend = f->off;
}

/* Map the window from the page holding off on, which must hold need bytes
 * from off.  -1 when the file has not that many (any more), or they cannot
 * be mapped: libpcap reads on. */
static int
remap(struct pcapfile *f, uint64_t off, size_t need)
{
	uint64_t start = off & ~(uint64_t)(page_size - 1);
	size_t len = f->size - start < WINDOW ? (size_t)(f->size - start) :
	    WINDOW;
	void *m;

	unmap(f);
	if (need > f->size - off)
		return -1;
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, f->fd, (off_t)start);
	if (m == MAP_FAILED)
		return -1;
	/* EFAULT: the file is shorter than it was.  Older kernels
	 * (EINVAL) fault the pages in as they are read. */
	if (madvise(m, len, MADV_POPULATE_READ) != 0 && errno == EFAULT) {
		munmap(m, len);
		atomic_store(&f->slot->cut, true);
		return -1;
	}
	f->map = m;
	f->mapoff = start;
	f->mapend = start + len;
	f->ahead = m;
	atomic_store(&f->slot->lo, (uintptr_t)m);
	atomic_store(&f->slot->hi, (uintptr_t)m + len);
	return 0;
}

struct pcapfile *
pcapfile_open(int fd, uint64_t size, uint32_t snaplen)
{
	struct pcapfile *f;
	uint8_t h[FILE_HDR];
	uint32_t magic;
	uint16_t major, minor;
	size_t i;

	if (size < FILE_HDR || pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h)
		return NULL;
	memcpy(&magic, h, 4);
	memcpy(&major, h + 4, 2);
	memcpy(&minor, h + 6, 2);
	if ((magic != MAGIC_US && magic != MAGIC_NS) || major != 2 ||
	    minor != 4)
		return NULL;
	for (i = 0; i < SLOTS; i++)
		if (!atomic_exchange(&slots[i].used, true))
			break;
	if (i == SLOTS)
		return NULL;
	if ((f = calloc(1, sizeof *f)) == NULL) {
		atomic_store(&slots[i].used, false);
		return NULL;
	}
	install();
	atomic_store(&slots[i].cut, false);
	f->slot = &slots[i];
	f->fd = fd;
	f->size = size;
	f->snaplen = snaplen < MAX_CAPLEN ? snaplen : MAX_CAPLEN;
	f->nsec = magic == MAGIC_NS;
	f->off = f->mapoff = f->mapend = FILE_HDR;
	return f;
}

int
pcapfile_next(struct pcapfile *f, struct pcapfile_pkt *pk)
{
	const uint8_t *r;
	int32_t t[2];
	uint32_t len[2];
	int64_t us;

	if (f->mapend - f->off < REC_HDR && remap(f, f->off, REC_HDR) != 0)
		return 0;
	r = f->map + (f->off - f->mapoff);
	memcpy(len, r + 8, sizeof len);
	/* A packet of no length, or past a cut: whatever lies there reads as
	 * zeroes, the rest of the page the cut fell in as the page a fault
	 * got (no need to ask the handler's note for each packet).
	 * capture.c then asks pcapfile_cut, and ends the input. */
	if (len[0] > f->snaplen || len[1] == 0)
		return 0;
	if (f->mapend - f->off - REC_HDR < len[0]) {
		if (remap(f, f->off, REC_HDR + (size_t)len[0]) != 0)
			return 0;
		r = f->map + (f->off - f->mapoff);
	}
	/* A prefetch never faults, past the window or the file. */
	if (f->ahead < r)
		f->ahead = r;
	for (; f->ahead < r + AHEAD; f->ahead += 64)
		__builtin_prefetch(f->ahead);
	memcpy(t, r, sizeof t);
	/* As libpcap makes a struct timeval of the record's signed
	 * fields, and capture.c microseconds of that. */
	us = f->nsec ? t[1] / 1000 : t[1];
	pk->ts_us = (uint64_t)(int64_t)t[0] * 1000000 + (uint64_t)us;
	pk->data = r + REC_HDR;
	pk->caplen = len[0];
	pk->wirelen = len[1];
	f->off += REC_HDR + len[0];
	return 1;
}

bool
pcapfile_cut(const struct pcapfile *f)
{
	struct stat sb;

	return atomic_load(&f->slot->cut) ||
	    (fstat(f->fd, &sb) == 0 && (uint64_t)sb.st_size < f->size);
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
	atomic_store(&f->slot->used, false);
	free(f);
}
