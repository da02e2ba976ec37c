/* SPDX-License-Identifier: ISC */
/* fuzz_engine.c: libFuzzer harness for the packet path without libpcap:
 * frames go straight to fa_engine_packet.
 *
 * Input: byte 0 picks the link type, byte 1 the report format (bits 0-1
 * and 3) and checksum verification (bit 2); then records of a 2-byte big-endian
 * frame length, one timing byte and the frame.  Timing byte: bits 0-5 a
 * delay (milliseconds, or tens of seconds with bit 6, so idle and
 * expectation timeouts fire); bit 7 says the frame was cut by the snaplen
 * (wire length 100 bytes more).  tests/fuzz/make-corpus.sh turns pcap
 * files into this format. */
#include <stdint.h>
#include <string.h>

#include "common.h"

/* Index 9 is a link type the decoder does not know. */
static const int dlts[10] = { 1, 113, 276, 0, 108, 12, 228, 229, 14, 147 };
static const enum report_format fmts[8] = {
	REPORT_NDJSON, REPORT_JSON, REPORT_TEXT, REPORT_NDJSON,
	REPORT_ZEEK, REPORT_ZEEK_JSON, REPORT_EVE, REPORT_EVE,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_run	 run;
	uint64_t	 ts = 1700000000ULL * 1000000;
	uint32_t	 len, wire;
	uint8_t		*frame;
	size_t		 off = 2;
	int		 dlt;

	if (size < 2)
		return 0;
	dlt = dlts[data[0] % 10];
	fuzz_run_start(&run, fmts[(data[1] & 3) | (data[1] >> 1 & 4)],
	    (data[1] & 4) != 0);
	while (off + 3 <= size) {
		len = (uint32_t)data[off] << 8 | data[off + 1];
		if (len > size - off - 3)
			len = (uint32_t)(size - off - 3);
		ts += (uint64_t)(data[off + 2] & 0x3f) *
		    (data[off + 2] & 0x40 ? 10000000 : 1000);
		wire = len + (data[off + 2] & 0x80 ? 100 : 0);
		/* An exact-size copy, so ASan sees any read past caplen. */
		frame = malloc(len ? len : 1);
		if (frame == NULL)
			abort();
		memcpy(frame, data + off + 3, len);
		fa_engine_packet(run.e, dlt, ts, frame, len, wire);
		free(frame);
		off += 3 + len;
	}
	fuzz_run_end(&run, NULL);
	return 0;
}
