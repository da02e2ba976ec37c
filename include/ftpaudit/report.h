/* SPDX-License-Identifier: ISC */
/* report.h: the analyze report's life cycle: the -F json document, the
 * -F ndjson records and the text report, written as sessions end.  They
 * read sessions; they never see packets.  The pieces the writers share
 * are in report_fmt.h. */
#ifndef FTPAUDIT_REPORT_H
#define FTPAUDIT_REPORT_H

#include <stdio.h>

#include "ftpaudit/engine.h"
#include "ftpaudit/capture.h"

/* ZEEK, ZEEK_JSON: Zeek's ftp.log (TSV, JSON lines); EVE: Suricata's
 * EVE JSON lines (report_zeek.c, report_eve.c). */
enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_NDJSON, REPORT_ZEEK,
	REPORT_ZEEK_JSON, REPORT_EVE, REPORT_HTML };

struct jw;
/* Adds fields of later issues (firewall needs, ...) to a session object:
 * called inside the object, it writes jw_key()/value pairs. */
typedef void (*report_extend_fn)(void *arg, struct jw *, const struct fa_session *);

/* Text: a second section after the sessions, one part per session. */
typedef void (*report_tail_fn)(void *arg, FILE *, const struct fa_session *);

/* HTML: the session's firewall openings (rules.h: the control
 * connection's, then one per transfer); *v is the caller's to free.
 * 0, or -1 when out of memory. */
struct rules_opening;
typedef int (*report_openings_fn)(void *arg, const struct fa_session *,
	    struct rules_opening **v, size_t *n);

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
/* Write each record out as it is made, whatever out is: a live run's
 * reader waits for them.  Otherwise they go out a megabyte at a time,
 * except to a terminal. */
void	 report_write_each(struct report *);
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
/* Text: the summary alone (summary_only), failures and anomalies in
 * ANSI colours (color), and the transfers that rules with these options
 * (vet, borrowed; NULL: none) leave out.  Before the first session. */
struct rules_opts;
void	 report_set_text(struct report *, bool summary_only, bool color,
	    const struct rules_opts *vet);
/* -F html: where each session's openings and their rules come from. */
void	 report_set_openings(struct report *, report_openings_fn, void *arg);
/* The engine sink that feeds this report. */
void	 report_sink(struct report *, struct fa_sink *);
/* Write what comes last; 0, or -1 on a write error. */
int	 report_finish(struct report *, const struct capture *,
	    const struct fa_stats *, const struct fa_config *);
/* After report_finish failed: the temporary file's error, or NULL when
 * writing the output failed. */
const char *report_error(const struct report *);
void	 report_free(struct report *);

#endif
