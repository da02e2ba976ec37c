/* SPDX-License-Identifier: ISC */
/* capture.h: reading captures: pcap or pcapng, plain or gzip, files or
 * standard input, several merged in timestamp order. */
#ifndef FTPAUDIT_CAPTURE_H
#define FTPAUDIT_CAPTURE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct capture_input {
	const char	*source;	/* as given ("-" for standard input) */
	int		 dlt;
	const char	*link_type;	/* libpcap's name, e.g. "EN10MB" */
	uint64_t	 packets, bytes;
	uint64_t	 first_us, last_us;
	bool		 truncated;	/* cut off in the middle of a packet */
	char		 warning[256];	/* why it stopped early, "" when it did not */
	uint64_t	 size;		/* file size when known, else 0 */
	uint64_t	 offset;	/* bytes consumed so far, when known */
	/* Time running backwards: frames more than CAPTURE_BACK_US older
	 * than the frame before them in this input (CAPTURE_BACK_START_US
	 * when back to its first time or before), and the first such. */
	uint64_t	 time_jumps;
	uint64_t	 jump_frame;	/* 1-based frame number in the input */
	uint64_t	 jump_us;	/* how far back its time went */
	bool		 jump_to_start;	/* to exactly the first frame's time */
};

/* Smaller steps back are usual: frames of several CPUs' queues, or of
 * several interfaces, written a little out of order.  A step back to the
 * input's first time or before counts from CAPTURE_BACK_START_US: a
 * short capture stored twice goes back less than a second. */
#define CAPTURE_BACK_US		1000000
#define CAPTURE_BACK_START_US	1000

struct capture_pkt {
	int		 dlt;
	uint64_t	 ts_us;
	const uint8_t	*data;		/* borrowed until the next capture_next */
	uint32_t	 caplen, wirelen;
	size_t		 input;		/* index of the input it came from */
};

struct capture;

/*
 * Open every path (a "-" is standard input) and compile the filter for
 * each.  On failure returns -1 with a one-line message naming the file in
 * err.
 */
int	 capture_open(struct capture **out, char *const *paths, size_t n,
	    const char *filter, char *err, size_t errlen);
/* 1 with a packet, 0 at the end of every input.  A truncated input ends
 * early with its warning set; reading goes on with the others. */
int	 capture_next(struct capture *, struct capture_pkt *);
/* Up to max packets, in time order, each to cb (its data borrowed for
 * the call); the number given, 0 once every input is done. */
typedef void (*capture_cb)(void *arg, const struct capture_pkt *);
size_t	 capture_dispatch(struct capture *, size_t max, capture_cb, void *arg);
size_t	 capture_count(const struct capture *);
const struct capture_input *capture_input(const struct capture *, size_t i);
/* Bytes of the inputs read (gzip: of the compressed file) and their
 * total, 0 when one is of unknown size (a pipe); for a progress line,
 * on the thread that reads. */
void	 capture_progress(const struct capture *, uint64_t *done, uint64_t *total);
void	 capture_close(struct capture *);
/*
 * Once *flag is set (by a SIGINT or SIGTERM handler installed without
 * SA_RESTART, whose signal makes a blocked read fail), a pipe or device
 * being read ends as at its end, and capture_open leaves out, with
 * success, the inputs whose header had not come.  For the process.
 */
void	 capture_stop_on(const volatile sig_atomic_t *flag);

#endif
