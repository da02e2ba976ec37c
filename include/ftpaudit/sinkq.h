/* sinkq.h: run an engine's sinks on a thread of their own. */
#ifndef FTPAUDIT_SINKQ_H
#define FTPAUDIT_SINKQ_H

#include "ftpaudit/engine.h"

struct sinkq;

/*
 * A queue in front of the sinks down[0..n-1], which may only take
 * session_end and unattributed: the others see a session still being
 * written by the engine.  NULL when a sink takes anything else or the
 * thread cannot start: the caller then adds the sinks to the engine itself.
 */
struct sinkq	*sinkq_new(const struct fa_sink *down, int n);
/* The sink to give the engine in their place. */
void		 sinkq_sink(struct sinkq *, struct fa_sink *);
/* Let the sinks take everything queued, stop the thread and free the
 * queue; after it the caller may read what the sinks built. */
void		 sinkq_free(struct sinkq *);

#endif
