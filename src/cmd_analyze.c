/* SPDX-License-Identifier: ISC */
/* cmd_analyze.c: `ftpaudit analyze`: captures in, session report out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftpaudit/report.h"
#include "ftpaudit/select.h"
#include "cli.h"
#include "cmd.h"
#include "report_int.h"

/* The report's stdio buffer: static, as stdout may be flushed at exit.
 * (glibc's setvbuf ignores the size unless given the buffer.) */
static char out_buf[1024 * 1024];

enum { OPT_ZEEK_COMMANDS = OPT_CMD_BASE + 64, OPT_SENSOR, OPT_SUMMARY, OPT_COLOR };

static const struct option analyze_opts[] = {
	CLI_INPUT_LONGOPTS,
	CLI_SELECT_LONGOPTS,
	RULES_LONGOPTS,
	{ "zeek-commands", required_argument, NULL, OPT_ZEEK_COMMANDS },
	{ "sensor", required_argument, NULL, OPT_SENSOR },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void
analyze_help(FILE *f)
{
	fputs(
"usage: ftpaudit analyze [options] CAPTURE...\n"
"       ftpaudit analyze [options] -r CAPTURE [-r CAPTURE]... [BPF EXPRESSION]\n"
"Report every FTP session of the captures (pcap, pcapng, gzip; - stdin).\n"
"\n"
"  -F, --format=FORMAT            text (default), json, ndjson, zeek,\n"
"                                 zeek-json, eve or html\n"
"      --zeek-commands=LIST       -F zeek, zeek-json: the commands that get\n"
"                                 a row (default Zeek's)\n"
"      --sensor=NAME              -F ndjson: stamp the records with NAME\n"
"      --summary                  -F text: the summary alone\n"
"      --color=WHEN               -F text: auto (a terminal, unless NO_COLOR),\n"
"                                 always or never\n"
"firewall openings, numbered as ftpaudit rules numbers them:\n", f);
	rules_help_shared(f);
	cli_help_input(f, true);
}

static int
parse_format(const char *s, enum report_format *fmt)
{
	if (s == NULL || strcmp(s, "text") == 0)
		*fmt = REPORT_TEXT;
	else if (strcmp(s, "json") == 0)
		*fmt = REPORT_JSON;
	else if (strcmp(s, "ndjson") == 0)
		*fmt = REPORT_NDJSON;
	else if (strcmp(s, "zeek") == 0)
		*fmt = REPORT_ZEEK;
	else if (strcmp(s, "zeek-json") == 0)
		*fmt = REPORT_ZEEK_JSON;
	else if (strcmp(s, "eve") == 0)
		*fmt = REPORT_EVE;
	else if (strcmp(s, "html") == 0)
		*fmt = REPORT_HTML;
	else {
		cli_warn("--format: expected text, json, ndjson, zeek, zeek-json, "
		    "eve or html, got '%s'", s);
		return -1;
	}
	return 0;
}

/*
 * The session's openings with the ids `rules` gives them: those the feed
 * kept as it added the session (the sink before the report's), else
 * worked out again.  *v is the caller's.
 */
static int
openings(struct rules_feed *fd, const struct fa_session *s,
    struct rules_opening **v, size_t *n)
{
	if (fd->kept && fd->kept_id == s->id) {
		*v = fd->v;
		*n = fd->n;
		fd->v = NULL;
		fd->kept = false;
		return 0;
	}
	if (rules_openings(fd->r, s, v, n) == -1) {
		fd->oom = true;
		return -1;
	}
	return 0;
}

/* Each session's "firewall" openings, with the ids `rules` gives them. */
static void
add_firewall(void *arg, struct jw *w, const struct fa_session *s)
{
	struct rules_opening *v;
	size_t n;

	if (openings(arg, s, &v, &n) == -1)
		return;
	rules_openings_write(w, v, n);
	free(v);
}

/* --color=auto|always|never: -1 on another word. */
static int
color_word(const char *when)
{
	if (when == NULL || strcmp(when, "auto") == 0)
		return 0;
	if (strcmp(when, "always") == 0)
		return 1;
	if (strcmp(when, "never") == 0)
		return 2;
	cli_warn("--color: expected auto, always or never, got '%s'", when);
	return -1;
}

/* auto colours a terminal unless NO_COLOR is set and not empty
 * (no-color.org) or TERM is dumb; always wins over NO_COLOR, as
 * no-color.org asks of an explicit option. */
static bool
text_color(int word, FILE *out)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (word != 0)
		return word == 1;
	return isatty(fileno(out)) && (nc == NULL || *nc == '\0') &&
	    (term == NULL || strcmp(term, "dumb") != 0);
}

/* -F html: each session's openings, for its ladder. */
static int
html_openings(void *arg, const struct fa_session *s, struct rules_opening **v,
    size_t *n)
{
	return openings(arg, s, v, n);
}

/* The text report ends with what each session needed of the firewall. */
static void
firewall_text(void *arg, FILE *out, const struct fa_session *s)
{
	struct rules_opening *v;
	size_t n;

	if (openings(arg, s, &v, &n) == -1)
		return;
	report_text_openings(out, v, n, s->id);
	free(v);
}

/*
 * Whether the report prints the ids `rules` gives a session's openings:
 * the firewall section of JSON, NDJSON and HTML, and text's.  Zeek's and
 * Suricata's logs have no field for them: aggregating the rules only to
 * drop them cost the thread that writes -F zeek or -F eve 0.05 s on the
 * bench's main capture.
 */
static bool
shows_rule_ids(enum report_format fmt, bool summary)
{
	switch (fmt) {
	case REPORT_JSON:
	case REPORT_NDJSON:
	case REPORT_HTML:
		return true;
	case REPORT_TEXT:
		return !summary;
	case REPORT_ZEEK:
	case REPORT_ZEEK_JSON:
	case REPORT_EVE:
		break;
	}
	return false;
}

static int
set_firewall_text(struct report *r, struct rules_feed *fd, const struct rules_opts *o)
{
	char title[160];

	snprintf(title, sizeof title, "Firewall openings (%s side, strategy %s; "
	    "ids as `ftpaudit rules` numbers them)", rules_side_str(o->side),
	    rules_strategy_str(o->strategy));
	return report_set_tail(r, title, firewall_text, fd);
}

int
cmd_analyze(int argc, char **argv)
{
	struct cli_input io;
	enum report_format fmt;
	struct capture *cap = NULL;
	struct fa_engine *e = NULL;
	struct report *r = NULL;
	struct rules_opts ro;
	struct rules_feed fd = { NULL, false, true, false, 0, NULL, 0 };
	struct fa_sink down[2];
	int nsinks = 0;
	struct select_stage *st = NULL;
	FILE *out = NULL;
	char *cause = NULL;
	const char *zeek_cmds = NULL, *why = NULL, *sensor = NULL;
	const char *color_when = NULL;
	bool summary = false;
	int color;
	char **paths;
	size_t npaths;
	int ch, rrc, rc = EXIT_RUNTIME;

	cli_input_init(&io);
	rules_opts_defaults(&ro);
	optind = 1;
	while ((ch = cli_getopt(argc, argv, CLI_INPUT_SHORTOPTS
	    CLI_READ_SHORTOPTS "h", analyze_opts)) != -1) {
		if (ch == 'h') {
			analyze_help(stdout);
			rc = 0;
			goto done;
		}
		if (ch == OPT_ZEEK_COMMANDS) {
			zeek_cmds = optarg;
			continue;
		}
		if (ch == OPT_SENSOR) {
			sensor = optarg;
			continue;
		}
		if (ch == OPT_SUMMARY || ch == OPT_COLOR) {
			summary |= ch == OPT_SUMMARY;
			if (ch == OPT_COLOR)
				color_when = optarg;
			continue;
		}
		/* getopt or the option itself said what is wrong, in one line. */
		if (ch == '?' || (rrc = rules_cli_option(&ro, ch, optarg)) == -1)
			return EXIT_USAGE;
		if (rrc == 1 && cli_input_option(&io, ch, optarg) != 0)
			return cli_usage_status();
	}
	ro.helper_ports = io.cfg.ports;
	/* For the text summary's count of what was left out. */
	ro.selection = cli_selection();
	if (parse_format(io.format, &fmt) == -1)
		return EXIT_USAGE;
	if (zeek_cmds != NULL && fmt != REPORT_ZEEK && fmt != REPORT_ZEEK_JSON) {
		cli_warn("--zeek-commands: only with -F zeek or -F zeek-json");
		return EXIT_USAGE;
	}
	if (sensor != NULL && fmt != REPORT_NDJSON) {
		cli_warn("--sensor: only with -F ndjson");
		return EXIT_USAGE;
	}
	if (summary && fmt != REPORT_TEXT) {
		cli_warn("--summary: only with -F text");
		return EXIT_USAGE;
	}
	if ((color = color_word(color_when)) == -1)
		return EXIT_USAGE;
	if (cli_input_captures(&io, argc, argv, &paths, &npaths) == -1)
		return EXIT_USAGE;
	if (cli_open_captures(&cap, paths, npaths, io.filter) == -1)
		goto done;
	if ((out = cli_open_output(io.output)) == NULL)
		goto done;
	/* The report goes out in large writes: a write(2) for every 4 KiB
	 * of NDJSON cost a third of what writing to a file adds.  Not for a
	 * terminal, which sees each session as it ends.  JSON and NDJSON
	 * are gathered by the report itself (report.c): a stdio buffer
	 * would only copy them once more. */
	if (!isatty(fileno(out)) && fmt == REPORT_TEXT)
		setvbuf(out, out_buf, _IOFBF, sizeof out_buf);
	else if (!isatty(fileno(out)))
		setvbuf(out, NULL, _IONBF, 0);
	if ((e = fa_engine_new(&io.cfg)) == NULL ||
	    (r = report_new(fmt, out, &cause)) == NULL ||
	    (fd.r = rules_new(&ro)) == NULL ||
	    (fmt == REPORT_TEXT && !summary &&
	    set_firewall_text(r, &fd, &ro) == -1)) {
		cli_warn("%s", cause ? cause : "out of memory");
		goto done;
	}
	/* EVE's pcap_filename: the capture, when there is one. */
	if (report_set_formats(r, zeek_cmds, npaths == 1 ? paths[0] : NULL,
	    &why) == -1) {
		cli_warn("--zeek-commands: %s", why);
		rc = EXIT_USAGE;
		goto done;
	}
	/* Rules first, so that a session's rules exist when the report
	 * renders it as it ends.  Only their ids are printed here, and
	 * only where the format has a place for them. */
	if (shows_rule_ids(fmt, summary)) {
		rules_ids_only(fd.r);
		rules_feed_sink(&fd, &down[nsinks++]);
		report_set_extend(r, add_firewall, &fd);
		report_set_openings(r, html_openings, &fd);
	}
	report_set_sensor(r, sensor);
	report_set_text(r, summary, text_color(color, out), rules_options(fd.r));
	report_sink(r, &down[nsinks]);
	/* The selection is what is reported; the rules still see every
	 * session, so the ids they give are those of `ftpaudit rules`. */
	if (cli_select_wrap(&down[nsinks++], &st) == -1) {
		cli_warn("out of memory");
		goto done;
	}
	cli_signals();
	cli_run(e, cap, down, nsinks);
	if (report_finish(r, cap, fa_engine_stats(e), &io.cfg) == -1) {
		if (report_error(r) != NULL)
			cli_warn("%s", report_error(r));
		else
			cli_warn("%s: write error", io.output ? io.output : "standard output");
		goto done;
	}
	if (fd.oom) {
		cli_warn("out of memory");
		goto done;
	}
	if (cli_verbose)
		cli_print_stats(fa_engine_stats(e));
	rc = 0;
done:
	cli_input_free(&io);
	free(cause);
	report_free(r);
	select_stage_free(st);
	free(fd.v);
	rules_free(fd.r);
	fa_engine_free(e);
	capture_close(cap);
	if (out != NULL && out != stdout && fclose(out) == EOF && rc == 0) {
		cli_warn("%s: write error", io.output);
		rc = EXIT_RUNTIME;
	}
	return rc;
}
