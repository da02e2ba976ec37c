/* SPDX-License-Identifier: ISC */
/* report.h: the analyze report: the -F json document, the -F ndjson
 * records and the text report, written as sessions end, and the JSON
 * pieces live's event stream shares with them.  They read sessions; they
 * never see packets. */
#ifndef FTPAUDIT_REPORT_H
#define FTPAUDIT_REPORT_H

#include <stdio.h>

#include "ftpaudit/engine.h"
#include "ftpaudit/capture.h"
#include "ftpaudit/fmt.h"	/* for the writers that include this for it */

/* ZEEK, ZEEK_JSON: Zeek's ftp.log (TSV, JSON lines); EVE: Suricata's
 * EVE JSON lines (report_zeek.c, report_eve.c). */
enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_NDJSON, REPORT_ZEEK,
	REPORT_ZEEK_JSON, REPORT_EVE };

struct jw;
/* Adds fields of later issues (firewall needs, ...) to a session object:
 * called inside the object, it writes jw_key()/value pairs. */
typedef void (*report_extend_fn)(void *arg, struct jw *, const struct fa_session *);

/* Text: a second section after the sessions, one part per session. */
typedef void (*report_tail_fn)(void *arg, FILE *, const struct fa_session *);

struct report;

/*
 * out is borrowed.  Every format writes each session as it ends (in the
 * order sessions end) and the totals, known only at the end, last: the
 * JSON document's "inputs", "stats" and "unattributed" after its
 * "sessions", NDJSON's "stats" record, the text's summary.  Memory stays
 * bounded: the text report keeps its second section (report_set_tail)
 * in a temporary file, NULL with *cause set (owned) when it cannot be
 * made; NULL alone when out of memory.
 */
struct report *report_new(enum report_format, FILE *out, char **cause);
void	 report_set_extend(struct report *, report_extend_fn, void *arg);
/* -F zeek, zeek-json: the logged commands, comma-separated (NULL keeps
 * Zeek's default set); -F eve: the pcap_filename of every event (NULL:
 * none, as live).  Both borrowed.  -1 with *why (static) on a bad list. */
int	 report_set_formats(struct report *, const char *zeek_commands,
	    const char *pcap_filename, const char **why);
/* Text: after the sessions, title and then fn's text for each session
 * (called as the session ends); nothing when there was no session. */
/* -F ndjson: each record gains "sensor": name (borrowed), its observer. */
void	 report_set_sensor(struct report *, const char *name);
int	 report_set_tail(struct report *, const char *title, report_tail_fn,
	    void *arg);
/* The engine sink that feeds this report. */
void	 report_sink(struct report *, struct fa_sink *);
/* Write what comes last; 0, or -1 on a write error. */
int	 report_finish(struct report *, const struct capture *,
	    const struct fa_stats *, const struct fa_config *);
/* After report_finish failed: the temporary file's error, or NULL when
 * writing the output failed. */
const char *report_error(const struct report *);
void	 report_free(struct report *);

/* JSON pieces (report_json.c), for the report and live's events. */
/* The session object, as -F json and -F ndjson write it and live's
 * session_end event carries it; its members alone, inside an object
 * the caller opened. */
void	 report_session_write(struct jw *, const struct fa_session *,
	    report_extend_fn, void *);
void	 report_session_members(struct jw *, const struct fa_session *,
	    report_extend_fn, void *);
/* An unattributed connection's members: initiator, responder, start,
 * bytes. */
void	 report_unattributed_members(struct jw *, const struct fa_unattributed *);
/* "community_id": the Community ID v1 (seed 0) of the TCP connection
 * between a and b, null when their families differ. */
void	 report_community_id(struct jw *, const struct fa_endpoint *a,
	    const struct fa_endpoint *b);
/* The "stats" object. */
void	 report_stats_write(struct jw *, const struct fa_stats *);
/* key and wire bytes (jw_wire), or null when there are none (!has, s
 * NULL). */
void	 report_json_bytes(struct jw *, const char *key, bool has,
	    const struct fa_bytes *);
void	 report_json_cstr(struct jw *, const char *key, const char *s);
/* "tool", "version" and "schema_version", as members. */
void	 report_json_tool(struct jw *);
/* The "inputs" array (empty for NULL: live). */
void	 report_json_inputs(struct jw *, const struct capture *);

#endif
