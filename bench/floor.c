/* SPDX-License-Identifier: ISC */
/* floor.c: the bare libpcap read loop, the speed no pcap analyser can beat. */

/*
 * Reads every packet with pcap_next_ex() and touches nothing but its header,
 * so the time is what libpcap itself needs to hand the packets over: the
 * floor to compare an analyser with.  Summing caplen keeps the loop from
 * being optimised away and checks the file was read through.
 */

/* glibc hides the BSD types pcap.h uses (u_int, u_char) under -std=c11. */
#define _DEFAULT_SOURCE

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <pcap/pcap.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	uint64_t packets = 0, bytes = 0;
	double t0, t;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: floor file.pcap\n");
		return 2;
	}
	t0 = now_s();
	if ((p = pcap_open_offline(argv[1], err)) == NULL) {
		fprintf(stderr, "floor: %s\n", err);
		return 1;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		packets++;
		bytes += h->caplen;
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "floor: %s: %s\n", argv[1], pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	t = now_s() - t0;
	printf("packets %" PRIu64 " bytes %" PRIu64 " seconds %.3f"
	    " packets/s %.0f MB/s %.1f\n", packets, bytes, t,
	    t > 0 ? packets / t : 0, t > 0 ? bytes / t / 1e6 : 0);
	return 0;
}
