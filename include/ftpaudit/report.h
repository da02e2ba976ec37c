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

/* Text: a second section after the sessions, one part per session. */
typedef void (*report_tail_fn)(void *arg, FILE *, const struct fa_session *);

struct report;

/* out is borrowed; the report writes NDJSON lines as sessions end and
 * everything else at report_finish.  JSON and text keep the sessions in
 * a temporary file: NULL with *cause set (owned) when it cannot be made,
 * NULL alone when out of memory. */
struct report *report_new(enum report_format, FILE *out, char **cause);
void	 report_set_extend(struct report *, report_extend_fn, void *arg);
/* Text: after the sessions, title and then fn's text for each session
 * (called as the session ends); nothing when there was no session. */
int	 report_set_tail(struct report *, const char *title, report_tail_fn,
	    void *arg);
/* The engine sink that feeds this report. */
void	 report_sink(struct report *, struct fa_sink *);
/* Write the document (json, text); 0, or -1 on a write error. */
int	 report_finish(struct report *, const struct capture *,
	    const struct fa_stats *, const struct fa_config *);
/* After report_finish failed: the temporary file's error, or NULL when
 * writing the output failed. */
const char *report_error(const struct report *);
void	 report_free(struct report *);

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
/* "2026-11-25T16:49:01.123456Z" into buf of FA_TSLEN bytes: always
 * FA_TSCHARS characters (the year is kept to four digits). */
#define FA_TSLEN	64
#define FA_TSCHARS	27
const char *fmt_ts(uint64_t ts_us, char *buf);
/* v's decimal digits ending at end (at most 20 before it); their start. */
char	*fmt_uint(char *end, uint64_t v);
/* For the text formats, without printf's format parsing: v in decimal,
 * then spaces to width (as "%-*llu"); s, then spaces to width ("%-*s"). */
void	 fput_uint(FILE *, uint64_t v, int width);
void	 fput_pad(FILE *, const char *s, int width);
/* "10.0.0.1:21", "[2001:db8::1]:21"; without ":port" unless port_known. */
struct fa_endpoint;
void	 fput_endpoint(FILE *, const struct fa_endpoint *, bool port_known);

#endif
