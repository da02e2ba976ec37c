/* report.h: the analyze report sinks: JSON document, NDJSON stream and
 * the text summary.  They read sessions; they never see packets. */
#ifndef FTPAUDIT_REPORT_H
#define FTPAUDIT_REPORT_H

#include <stdio.h>
#include <jansson.h>

#include "ftpaudit/engine.h"
#include "ftpaudit/capture.h"

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_NDJSON };

/* Adds fields of later issues (firewall needs, ...) to a session object. */
struct jw;
/* Adds fields of later issues (firewall needs, ...) to a session object:
 * called inside the object, it writes jw_key()/value pairs. */
typedef void (*report_extend_fn)(void *arg, struct jw *, const struct fa_session *);

struct report;

/* out is borrowed; the report writes NDJSON lines as sessions end and
 * everything else at report_finish. */
struct report *report_new(enum report_format, FILE *out);
void	 report_set_extend(struct report *, report_extend_fn, void *arg);
/* The engine sink that feeds this report. */
void	 report_sink(struct report *, struct fa_sink *);
/* Write the document (json, text); 0, or -1 on a write error. */
int	 report_finish(struct report *, const struct capture *,
	    const struct fa_stats *, const struct fa_config *);
void	 report_free(struct report *);
/* Sessions held so far (json, text), for consumers after the run. */
struct fa_session *const *report_sessions(const struct report *, size_t *n);

/* JSON helpers shared by every JSON writer. */
json_t	*json_wire(const uint8_t *p, size_t len);	/* reversible escaping */
json_t	*json_ts(uint64_t ts_us);
/* o and a newline in one write; 0 or -1. */
int	 json_write_line(json_t *o, FILE *, size_t flags);			/* RFC 3339 UTC, microseconds */
json_t	*json_endpoint(const struct fa_endpoint *);
json_t	*json_addr(const struct fa_addr *);
json_t	*report_session_json(const struct fa_session *, report_extend_fn, void *);
/* The session object into a JSON writer: the fast path of the reports. */
void	 report_session_write(struct jw *, const struct fa_session *,
	    report_extend_fn, void *);
/* Terminal-safe copy of wire bytes (controls and non-ASCII as \xHH). */
char	*sanitize(const uint8_t *p, size_t len);
/* "2026-11-25T16:49:01.123456Z" into buf of FA_TSLEN bytes. */
#define FA_TSLEN	64
const char *fmt_ts(uint64_t ts_us, char *buf);

#endif
