/* SPDX-License-Identifier: ISC */
/* reader.h: read and decode a capture ahead, on a thread of its own. */
#ifndef FTPAUDIT_READER_H
#define FTPAUDIT_READER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "ftpaudit/decode.h"

struct capture;
struct fa_config;
struct fa_engine;
struct reader;

/* One frame, decoded; pk is read only when status is DECODE_TCP. */
struct reader_pkt {
	uint64_t	 ts_us;
	uint32_t	 wirelen;
	enum decode_status status;
	struct fa_pkt	 pk;
};

/*
 * Start a thread reading cap (owned by it until reader_free) and decoding
 * each frame as the engine configured by cfg would.  A payload is kept
 * whole when a control stream may need it: a port of cfg's, a greeting
 * ("220") that --detect-other-ports may take for FTP, and every later
 * packet of that connection until its FINs or RST.  Of any other payload only the first four
 * bytes are kept (pk.cut), so data connections are never copied.
 * idle, when not NULL, is other work: rather than wait (reader_next for
 * frames, the reader's thread for a block to fill), either thread calls
 * idle(idle_arg), again as long as it returns true.  It is given here, not
 * later: the thread may fill its blocks and wait before a later call.
 * interrupted, when not NULL, is the flag of a SIGINT handler installed
 * without SA_RESTART: once it is set, the thread stops reading (a read
 * blocked on a silent pipe is made to fail by sending the thread SIGINT)
 * and reader_next hands over what it read, then returns 0.
 * NULL when the thread cannot start: read with capture_dispatch instead.
 */
struct reader *reader_new(struct capture *cap, const struct fa_config *cfg,
	    bool (*idle)(void *), void *idle_arg,
	    const volatile sig_atomic_t *interrupted);
/*
 * The next batch of frames, each to cb, borrowed for the call, and each
 * to ahead (when not NULL) a few frames earlier, to prefetch what cb will
 * need.  Returns how many were given, 0 at the end of the capture.
 */
typedef void (*reader_cb)(void *arg, const struct reader_pkt *);
size_t	 reader_next(struct reader *, reader_cb cb, reader_cb ahead,
	    void *arg);
/* reader_next into the engine e, with its look-ahead. */
size_t	 reader_feed(struct reader *, struct fa_engine *e);
/* Bytes read and total, as of the last frame reader_next gave. */
void	 reader_progress(const struct reader *, uint64_t *done, uint64_t *total);
/* True when the reader ran out of memory and stopped early. */
bool	 reader_failed(const struct reader *);
/* Stop the thread, wait for it, free.  cap is the caller's again.
 * *cpu_s, when cpu_s is not NULL, is the CPU time the thread used. */
void	 reader_free(struct reader *, double *cpu_s);

#endif
