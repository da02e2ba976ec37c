/* SPDX-License-Identifier: ISC */
/* sinkq.h: run an engine's sinks where there is time for them. */
#ifndef FTPAUDIT_SINKQ_H
#define FTPAUDIT_SINKQ_H

#include <stdbool.h>

#include "ftpaudit/engine.h"

struct sinkq;

/*
 * A queue in front of the sinks down[0..n-1], which may only take
 * session_end and unattributed: the others see a session still being
 * written by the engine.  The calling thread is the engine's: it puts the
 * items (through sinkq_sink) and delivers one itself when the queue is
 * full.  NULL when a sink takes anything else or out of memory: the
 * caller then adds the sinks to the engine itself.
 */
struct sinkq	*sinkq_new(const struct fa_sink *down, int n);
/* The sink to give the engine in their place. */
void		 sinkq_sink(struct sinkq *, struct fa_sink *);
/* Deliver the oldest items, a few, on the calling thread, any thread with
 * nothing else to do, unless another is delivering.  How many it did. */
size_t		 sinkq_help(struct sinkq *);
/* On the engine's thread: deliver everything queued and free the queue;
 * after it the caller may read what the sinks built. */
void		 sinkq_free(struct sinkq *);

#endif
