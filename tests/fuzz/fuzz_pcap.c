/* SPDX-License-Identifier: ISC */
/* fuzz_pcap.c: libFuzzer harness for the whole packet path through
 * libpcap: the input is a capture file (pcap or pcapng, maybe gzip),
 * opened with capture_open from a memfd, read with capture_dispatch as
 * ftpaudit reads it (in batches of 1 to 8 packets, from the last byte,
 * or one capture_next first), fed to the engine with small caps, reported
 * as NDJSON.  Inputs whose size is 3 mod 4 are opened twice, to exercise
 * the merge.  Inputs of even size are read once more through the reader
 * thread (src/reader.c), which keeps only part of some payloads: the
 * two reports must be the same, byte for byte.  Every input libpcap
 * opens by itself is also read packet by packet both ways: what
 * capture.c hands over, read by src/pcapfile.c or not, must be
 * what libpcap hands over. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "common.h"
#include "ftpaudit/reader.h"

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
feed(void *arg, const struct capture_pkt *pk)
{
	if (pk->caplen > 0 && pk->data == NULL)
		__builtin_trap();
	fa_engine_packet(arg, pk->dlt, pk->ts_us, pk->data, pk->caplen,
	    pk->wirelen);
}

/* One analysis of path (n times over); its NDJSON report, owned, or NULL
 * when the capture does not open. */
static char *
analyze(const char *path, size_t n, bool threaded, const uint8_t *data,
    size_t size)
{
	struct fuzz_run		 run;
	struct capture		*cap = NULL;
	struct capture_pkt	 pk;
	struct reader		*rd;
	char			 err[512], *doc = NULL;
	char			*paths[2] = { (char *)path, (char *)path };
	uint64_t		 done, total;
	size_t			 i, batch, len;
	FILE			*out;

	if (capture_open(&cap, paths, n, NULL, err, sizeof err) == -1) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof err) == NULL)
			__builtin_trap();	/* failure says why */
		return NULL;
	}
	if ((out = open_memstream(&doc, &len)) == NULL)
		abort();
	fuzz_run_start_to(&run, REPORT_NDJSON, false, out);
	if (threaded) {
		if ((rd = reader_new(cap, &run.cfg, NULL, NULL, NULL)) == NULL)
			abort();
		while (reader_feed(rd, run.e) > 0)
			;
		if (reader_failed(rd))
			__builtin_trap();
		reader_free(rd, NULL);
	} else {
		batch = size > 0 ? data[size - 1] % 9 : 1;
		if (batch == 0 && capture_next(cap, &pk) == 1) {
			/* One packet by capture_next, then the rest by
			 * dispatch. */
			feed(run.e, &pk);
			batch = 3;
		}
		while (capture_dispatch(cap, batch, feed, run.e) > 0)
			;
	}
	capture_progress(cap, &done, &total);
	for (i = 0; i < capture_count(cap); i++)
		(void)capture_input(cap, i);
	fuzz_run_end(&run, cap);
	capture_close(cap);
	if (fclose(out) != 0)
		abort();
	return doc;
}

static void
same_as_libpcap(const char *path)
{
	char			 perr[PCAP_ERRBUF_SIZE], err[512];
	char			*paths[1] = { (char *)path };
	const struct capture_input *in;
	struct pcap_pkthdr	*h;
	struct capture_pkt	 pk;
	struct capture		*cap;
	const u_char		*d;
	pcap_t			*p;
	int			 r;

	p = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (p == NULL)
		return;
	if (capture_open(&cap, paths, 1, NULL, err, sizeof err) == -1) {
		pcap_close(p);
		return;		/* a link type ftpaudit does not decode */
	}
	while ((r = pcap_next_ex(p, &h, &d)) == 1)
		if (capture_next(cap, &pk) != 1 ||
		    pk.ts_us != (uint64_t)h->ts.tv_sec * 1000000 +
		    (uint64_t)h->ts.tv_usec || pk.caplen != h->caplen ||
		    pk.wirelen != h->len ||
		    (h->caplen > 0 && memcmp(pk.data, d, h->caplen) != 0))
			__builtin_trap();
	if (capture_next(cap, &pk) == 1)
		__builtin_trap();
	in = capture_input(cap, 0);
	if (in->truncated != (r == PCAP_ERROR) || (r == PCAP_ERROR &&
	    strncmp(in->warning, pcap_geterr(p), sizeof in->warning - 1) != 0))
		__builtin_trap();
	capture_close(cap);
	pcap_close(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 path[64], *direct, *threaded;
	size_t	 n = size % 4 == 3 ? 2 : 1;
	int	 fd;

	if ((fd = memfd_create("fuzz_pcap", 0)) == -1)
		abort();
	if (write_all(fd, data, size) == -1)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	same_as_libpcap(path);
	direct = analyze(path, n, false, data, size);
	if (direct != NULL && size % 2 == 0) {
		threaded = analyze(path, n, true, data, size);
		if (threaded == NULL || strcmp(direct, threaded) != 0)
			__builtin_trap();	/* the reader changed the report */
		free(threaded);
	}
	free(direct);
	close(fd);
	return 0;
}
