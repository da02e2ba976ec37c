/* SPDX-License-Identifier: ISC */
/*
 * report.c: the analyze report's life, for its three formats: each
 * session is written as it ends, and what is known only at the end (the
 * inputs, the totals, the unattributed connections of the document
 * formats) comes last.  report_json.c and report_text.c write the
 * pieces.
 *
 * Nothing waits for the end but the text report, which opens with a
 * summary of all the sessions (summary.c) and ends with its firewall
 * section: its sessions and that section go to two temporary files
 * (spool.c), copied out after the summary at report_finish.  Copying
 * costs a few percent of -F text's time (pread and write of what was
 * formatted once).  Putting the sessions of the JSON
 * document and the text report in id order once spooled them all, and
 * copying them out at the end took as long again as the capture's
 * analysis: -F json ran at 34% of the speed of reading the capture.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftpaudit/jw.h"
#include "ftpaudit/spool.h"
#include "report_fmt.h"
#include "report_html.h"
#include "report_int.h"

/* The documents keep unattributed connections until the end: a cap, and
 * a count of what it dropped.  NDJSON writes each as it comes. */
#define MAX_UNATTRIBUTED	10000
/* JSON and NDJSON go out in writes of this much, unless to a terminal:
 * the caller gives out no stdio buffer, so that the text is not copied
 * a second time. */
#define BATCH		(1024 * 1024)

struct report {
	enum report_format fmt;
	FILE		*out;		/* borrowed */
	/* JSON: the document, open from report_new to report_finish (the
	 * text goes out after each session, the nesting stays).  NDJSON:
	 * the record being written. */
	struct jw	 jw;
	size_t		 batch;		/* write jw out at this much; 0: each record */
	struct spool	*spool;		/* owned (text): the second section */
	struct spool	*body;		/* owned (text): the sessions */
	struct summary	*sum;		/* owned (text) */
	struct text_style ts;
	bool		 summary_only;	/* text: the summary alone */
	struct fa_unattributed *un;	/* owned (json, text) */
	size_t		 nun, uncap;
	uint64_t	 un_dropped;
	uint64_t	 nsessions;	/* written */
	report_extend_fn extend;
	void		*extend_arg;
	report_tail_fn	 tail;		/* text: a second section per session */
	void		*tail_arg;
	char		*tail_title;	/* owned */
	struct zeek	*zeek;		/* owned (zeek, zeek-json) */
	const char	*sensor;	/* borrowed: NDJSON records' observer */
	struct eve	*eve;		/* owned (eve) */
	struct html_report *html;	/* owned (html) */
	int		 error;
};

struct report *
report_new(enum report_format fmt, FILE *out, char **cause)
{
	struct report *r;

	*cause = NULL;
	if ((r = calloc(1, sizeof *r)) == NULL)
		return NULL;
	r->fmt = fmt;
	r->out = out;
	r->batch = isatty(fileno(out)) ? 0 : BATCH;
	jw_init(&r->jw, fmt == REPORT_JSON);
	if (fmt == REPORT_JSON) {
		/* Out with the first session, or at the end. */
		jw_obj(&r->jw);
		report_json_tool(&r->jw);
		jw_key(&r->jw, "sessions");
		jw_arr(&r->jw);
	}
	if ((fmt == REPORT_TEXT && ((r->spool = spool_new(cause)) == NULL ||
	    (r->body = spool_new(cause)) == NULL ||
	    (r->sum = summary_new()) == NULL)) ||
	    ((fmt == REPORT_ZEEK || fmt == REPORT_ZEEK_JSON) &&
	    (r->zeek = zeek_new(out, fmt == REPORT_ZEEK_JSON,
	    r->batch)) == NULL) ||
	    (fmt == REPORT_EVE &&
	    (r->eve = eve_new(out, NULL, r->batch)) == NULL) ||
	    (fmt == REPORT_HTML && (r->html = html_report_new(out, cause)) == NULL)) {
		report_free(r);
		return NULL;
	}
	return r;
}

void
report_write_each(struct report *r)
{
	r->batch = 0;
	if (r->zeek != NULL)
		zeek_set_batch(r->zeek, 0);
	if (r->eve != NULL)
		eve_set_batch(r->eve, 0);
}

void
report_set_extend(struct report *r, report_extend_fn fn, void *arg)
{
	r->extend = fn;
	r->extend_arg = arg;
}

int
report_set_formats(struct report *r, const char *zeek_commands,
    const char *pcap_filename, const char **why)
{
	if (r->zeek != NULL && zeek_commands != NULL &&
	    zeek_set_commands(r->zeek, zeek_commands, why) == -1)
		return -1;
	if (r->eve != NULL)
		eve_set_pcap_filename(r->eve, pcap_filename);
	return 0;
}

void
report_set_text(struct report *r, bool summary_only, bool color,
    const struct rules_opts *vet)
{
	r->summary_only = summary_only;
	r->ts.color = color;
	if (r->sum != NULL)
		summary_set_vet(r->sum, vet);
	if (r->html != NULL)
		html_report_set_vet(r->html, vet);
}

void
report_set_openings(struct report *r, report_openings_fn fn, void *arg)
{
	if (r->html != NULL)
		html_report_set_openings(r->html, fn, arg);
}

void
report_set_sensor(struct report *r, const char *name)
{
	r->sensor = name;
}

int
report_set_tail(struct report *r, const char *title, report_tail_fn fn, void *arg)
{
	if ((r->tail_title = strdup(title)) == NULL)
		return -1;
	r->tail = fn;
	r->tail_arg = arg;
	return 0;
}

/* JSON, NDJSON: out with what is pending once there is enough. */
static void
pending(struct report *r)
{
	if (r->jw.len >= r->batch && jw_flush(&r->jw, r->out) == -1)
		r->error = 1;
}

/* An NDJSON record: {"record": kind, ...} opened; ndjson_end ends it. */
static struct jw *
ndjson_begin(struct report *r, const char *kind)
{
	jw_next(&r->jw);
	jw_obj(&r->jw);
	jw_key(&r->jw, "record");
	jw_lit(&r->jw, kind);
	if (r->sensor != NULL) {
		jw_key(&r->jw, "sensor");
		jw_wire_str(&r->jw, r->sensor);
	}
	return &r->jw;
}

static void
ndjson_end(struct report *r)
{
	jw_end_obj(&r->jw);
	jw_text(&r->jw, "\n", 1);
	pending(r);
}

static void
text_session(struct report *r, const struct fa_session *s)
{
	FILE *f;

	summary_add_session(r->sum, s);
	if (r->summary_only)
		return;
	if ((f = spool_file(r->body)) != NULL) {
		report_text_session(f, s, &r->ts);
		spool_end(r->body);
	}
	if (r->tail == NULL || (f = spool_file(r->spool)) == NULL)
		return;		/* report_finish says why */
	r->tail(r->tail_arg, f, s);
	spool_end(r->spool);
}

static void
on_session_end(void *arg, struct fa_session *s)
{
	struct report *r = arg;

	r->nsessions++;
	switch (r->fmt) {
	case REPORT_NDJSON:
		report_session_members(ndjson_begin(r, "session"), s, r->extend,
		    r->extend_arg);
		ndjson_end(r);
		break;
	case REPORT_JSON:
		report_session_write(&r->jw, s, r->extend, r->extend_arg);
		pending(r);
		break;
	case REPORT_TEXT:
		text_session(r, s);
		break;
	case REPORT_ZEEK:
	case REPORT_ZEEK_JSON:
		zeek_session(r->zeek, s);
		break;
	case REPORT_EVE:
		eve_session(r->eve, s);
		break;
	case REPORT_HTML:
		html_report_session(r->html, s);
		break;
	}
}

static void
keep_unattributed(struct report *r, const struct fa_unattributed *u)
{
	struct fa_unattributed *n;
	size_t cap;

	if (r->nun >= MAX_UNATTRIBUTED) {
		r->un_dropped++;
		return;
	}
	if (r->nun == r->uncap) {
		cap = r->uncap ? r->uncap * 2 : 16;
		if ((n = reallocarray(r->un, cap, sizeof *n)) == NULL) {
			r->un_dropped++;
			return;
		}
		r->un = n;
		r->uncap = cap;
	}
	r->un[r->nun++] = *u;
}

static void
on_unattributed(void *arg, const struct fa_unattributed *u)
{
	struct report *r = arg;

	if (r->zeek != NULL || r->eve != NULL)
		return;		/* neither Zeek's ftp.log nor EVE has them */
	if (r->html != NULL) {
		html_report_unattributed(r->html, u);
		return;
	}
	if (r->fmt != REPORT_NDJSON) {
		keep_unattributed(r, u);
		return;
	}
	report_unattributed_members(ndjson_begin(r, "unattributed"), u);
	ndjson_end(r);
}

void
report_sink(struct report *r, struct fa_sink *s)
{
	memset(s, 0, sizeof *s);
	s->session_end = on_session_end;
	s->unattributed = on_unattributed;
	s->arg = r;
}

/* The NDJSON stream's last record: what the document has besides its
 * sessions and unattributed connections. */
static void
ndjson_stats(struct report *r, const struct capture *cap, const struct fa_stats *st)
{
	struct jw *w = ndjson_begin(r, "stats");

	report_json_tool(w);
	jw_key(w, "inputs"); report_json_inputs(w, cap);
	jw_key(w, "stats"); report_stats_write(w, st);
	jw_key(w, "unattributed_dropped"); jw_uint(w, r->un_dropped);
	ndjson_end(r);
}

/* The document after its sessions. */
static void
document_end(struct report *r, const struct capture *cap, const struct fa_stats *st)
{
	struct jw *w = &r->jw;
	size_t i;

	jw_end_arr(w);
	jw_key(w, "inputs"); report_json_inputs(w, cap);
	jw_key(w, "stats"); report_stats_write(w, st);
	jw_key(w, "unattributed");
	jw_arr(w);
	for (i = 0; i < r->nun; i++) {
		jw_obj(w);
		report_unattributed_members(w, &r->un[i]);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_key(w, "unattributed_dropped"); jw_uint(w, r->un_dropped);
	jw_end_obj(w);
	jw_text(w, "\n", 1);
	if (jw_flush(w, r->out) == -1)
		r->error = 1;
}

/* The summary, then the sessions, the unattributed connections and the
 * second section.  A temporary file that could not be kept stops the
 * report before it begins: a summary of sessions not all shown would
 * mislead. */
static void
text_end(struct report *r, const struct capture *cap, const struct fa_stats *st)
{
	if (spool_error(r->body) != NULL ||
	    (r->tail != NULL && spool_error(r->spool) != NULL)) {
		r->error = 1;
		return;
	}
	report_text_summary(r->out, r->sum, cap, st, r->un_dropped, &r->ts);
	if (r->summary_only)
		return;
	if (r->nsessions > 0 || r->nun > 0)
		fputc('\n', r->out);
	if (spool_copy(r->body, r->out) == -1) {
		r->error = 1;
		return;
	}
	report_text_unattributed(r->out, r->un, r->nun);
	if (r->tail != NULL && r->nsessions > 0) {
		if (r->nun > 0)
			fputc('\n', r->out);
		fprintf(r->out, "%s\n", r->tail_title);
		if (spool_copy(r->spool, r->out) == -1)
			r->error = 1;
	}
}

int
report_finish(struct report *r, const struct capture *cap,
    const struct fa_stats *st, const struct fa_config *cfg)
{
	(void)cfg;
	switch (r->fmt) {
	case REPORT_NDJSON:
		ndjson_stats(r, cap, st);
		if (jw_flush(&r->jw, r->out) == -1)
			r->error = 1;
		break;
	case REPORT_JSON:
		document_end(r, cap, st);
		break;
	case REPORT_TEXT:
		text_end(r, cap, st);
		break;
	case REPORT_ZEEK:
	case REPORT_ZEEK_JSON:
		if (zeek_finish(r->zeek) == -1)
			r->error = 1;
		break;
	case REPORT_EVE:
		if (eve_finish(r->eve) == -1)
			r->error = 1;
		break;
	case REPORT_HTML:
		if (html_report_finish(r->html, cap, st) == -1)
			r->error = 1;
		break;
	}
	if (fflush(r->out) == EOF || ferror(r->out))
		r->error = 1;
	return r->error ? -1 : 0;
}

const char *
report_error(const struct report *r)
{
	if (r->body != NULL && spool_error(r->body) != NULL)
		return spool_error(r->body);
	if (r->html != NULL)
		return html_report_error(r->html);
	return r->spool != NULL ? spool_error(r->spool) : NULL;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	spool_free(r->spool);
	spool_free(r->body);
	summary_free(r->sum);
	zeek_free(r->zeek);
	eve_free(r->eve);
	html_report_free(r->html);
	free(r->un);
	free(r->tail_title);
	jw_free(&r->jw);
	free(r);
}
