/* SPDX-License-Identifier: ISC */
/* cmd_audit.c: `ftpaudit audit`: an existing ruleset against captures;
 * the exit status is a CI gate (3 when any flow would be denied). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftpaudit/audit.h"
#include "ftpaudit/records.h"
#include "ftpaudit/select.h"
#include "cli.h"
#include "cmd.h"
#include "html.h"

#define EXIT_DENIED	3

/* The report's stdio buffer: static, as stdout may be flushed at exit. */
static char out_buf[1024 * 1024];

enum { OPTA_RULESET = OPT_CMD_BASE + 64, OPTA_RULESET_FORMAT, OPTA_SIDE,
	OPTA_NO_FAIL, OPTA_IFACE, OPTA_ALL_UNUSED, OPTA_TRUST };

static const struct option audit_opts[] = {
	CLI_INPUT_LONGOPTS,
	CLI_SELECT_LONGOPTS,
	{ "ruleset", required_argument, NULL, OPTA_RULESET },
	{ "ruleset-format", required_argument, NULL, OPTA_RULESET_FORMAT },
	{ "side", required_argument, NULL, OPTA_SIDE },
	{ "no-fail", no_argument, NULL, OPTA_NO_FAIL },
	{ "iface", required_argument, NULL, OPTA_IFACE },
	{ "all-unused", no_argument, NULL, OPTA_ALL_UNUSED },
	{ "trust", required_argument, NULL, OPTA_TRUST },
	{ "records", no_argument, NULL, OPT_RECORDS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* More files than this in one audit is a mistake in a script. */
#define AUDIT_MAX_RULESETS	16

struct audit_args {
	const char	*rulesets[AUDIT_MAX_RULESETS];	/* borrowed from argv */
	int		 nrulesets;
	enum rs_format	 rfmt;
	enum audit_side	 side;
	bool		 no_fail;
	bool		 all_unused;
	bool		 records;	/* the operands are -F ndjson records */
	enum rules_trust trust;
	enum { OUT_TEXT, OUT_JSON, OUT_NFT, OUT_IPT, OUT_IP6T, OUT_HTML } out;
	char		 ifaces[2][64];	/* --iface: [0] first name, [1] second */
	int		 nifaces;
	char		**paths;	/* the captures, borrowed */
	size_t		 npaths;
};

/* --iface=NAME, or CLIENT_SIDE,SERVER_SIDE for a gateway. */
static int
iface_option(struct audit_args *o, const char *arg)
{
	const char *comma = strchr(arg, ',');
	size_t n0 = comma ? (size_t)(comma - arg) : strlen(arg);

	if (n0 == 0 || n0 >= sizeof o->ifaces[0] || (comma != NULL &&
	    (comma[1] == '\0' || strlen(comma + 1) >= sizeof o->ifaces[1] ||
	    strchr(comma + 1, ',') != NULL))) {
		cli_warn("--iface: expected NAME or CLIENT_SIDE,SERVER_SIDE, got '%s'", arg);
		return -1;
	}
	memcpy(o->ifaces[0], arg, n0);
	o->ifaces[0][n0] = '\0';
	o->nifaces = 1;
	if (comma != NULL) {
		strcpy(o->ifaces[1], comma + 1);
		o->nifaces = 2;
	}
	return 0;
}

/* 0, 1 not ours, -1 usage error (said). */
static int
audit_option(struct audit_args *o, int ch, const char *arg)
{
	switch (ch) {
	case OPTA_RULESET:
		if (o->nrulesets == AUDIT_MAX_RULESETS) {
			cli_warn("--ruleset: at most %d files", AUDIT_MAX_RULESETS);
			return -1;
		}
		o->rulesets[o->nrulesets++] = arg;
		return 0;
	case OPTA_RULESET_FORMAT:
		if (ruleset_format_parse(arg, &o->rfmt) == 0)
			return 0;
		cli_warn("--ruleset-format: expected auto, nft-json or "
		    "iptables-save, got '%s'", arg);
		return -1;
	case OPTA_SIDE:
		if (audit_side_parse(arg, &o->side) == 0)
			return 0;
		cli_warn("--side: expected server, client or gateway, got '%s'", arg);
		return -1;
	case OPTA_NO_FAIL:
		o->no_fail = true;
		return 0;
	case OPTA_ALL_UNUSED:
		o->all_unused = true;
		return 0;
	case OPTA_TRUST:
		if (rules_trust_parse(arg, &o->trust) == 0)
			return 0;
		cli_warn("--trust: expected vetted or all, got '%s'", arg);
		return -1;
	case OPTA_IFACE:
		return iface_option(o, arg);
	case OPT_RECORDS:
		o->records = true;
		return 0;
	}
	return 1;
}

static void
audit_help(FILE *f)
{
	fputs(
"usage: ftpaudit audit --ruleset=FILE [options] CAPTURE...\n"
"       ftpaudit audit --ruleset=FILE [options] -r CAPTURE [-r CAPTURE]...\n"
"                      [BPF EXPRESSION]\n"
"       ftpaudit audit --ruleset=FILE --records [options] RECORDS...\n"
"Check firewall rulesets against the FTP traffic of the captures: exit 3\n"
"when a flow would be denied.\n"
"\n"
"      --ruleset=FILE             nft -j list ruleset, or iptables-save output;\n"
"                                 again for more (rules.v4 and rules.v6)\n"
"      --ruleset-format=auto|nft-json|iptables-save  (default auto)\n"
"      --side=server|client|gateway  whose firewall (default server)\n"
"  -F, --format=FORMAT            text (default), json, html, or the fixes\n"
"                                 as nft, iptables or ip6tables input\n"
"      --all-unused               unused rules off the FTP surface too\n"
"      --trust=vetted|all         which transfers count, as for rules\n"
"      --no-fail                  exit 0 even when flows are denied (else 3)\n"
"      --iface=NAME | --iface=CLIENT_SIDE,SERVER_SIDE (gateway)\n"
"                                 interface names, for iif/oif rules\n"
"      --records                  the operands are -F ndjson session records\n"
"                                 (- stdin), not captures\n", f);
	cli_help_input(f, true);
}

static int
parse_args(int argc, char **argv, struct cli_input *io, struct audit_args *o)
{
	int ch, rc;

	optind = 1;
	while ((ch = cli_getopt(argc, argv, CLI_INPUT_SHORTOPTS
	    CLI_READ_SHORTOPTS "h", audit_opts)) != -1) {
		if (ch == 'h') {
			audit_help(stdout);
			return 1;
		}
		if (ch == '?')
			return -1;
		if ((rc = audit_option(o, ch, optarg)) == -1)
			return -1;
		if (rc == 1 && cli_input_option(io, ch, optarg) != 0)
			return -1;
	}
	if (io->format == NULL || strcmp(io->format, "text") == 0)
		o->out = OUT_TEXT;
	else if (strcmp(io->format, "json") == 0)
		o->out = OUT_JSON;
	else if (strcmp(io->format, "nft") == 0)
		o->out = OUT_NFT;
	else if (strcmp(io->format, "iptables") == 0)
		o->out = OUT_IPT;
	else if (strcmp(io->format, "ip6tables") == 0)
		o->out = OUT_IP6T;
	else if (strcmp(io->format, "html") == 0)
		o->out = OUT_HTML;
	else {
		cli_warn("--format: expected text, json, html, nft, iptables or "
		    "ip6tables, got '%s'", io->format);
		return -1;
	}
	if ((o->side == AUDIT_GATEWAY) != (o->nifaces == 2) && o->nifaces != 0) {
		cli_warn("--iface: give %s", o->side == AUDIT_GATEWAY ?
		    "CLIENT_SIDE,SERVER_SIDE for --side=gateway" :
		    "one interface unless --side=gateway");
		return -1;
	}
	if (o->nrulesets == 0) {
		cli_warn("audit: --ruleset=FILE is required");
		return -1;
	}
	if (cli_input_captures(io, argc, argv, &o->paths, &o->npaths) == -1)
		return -1;
	if (o->records && io->filter != NULL) {
		cli_warn("audit: --records: no filter (records are not packets)");
		cli_input_free(io);
		return -1;
	}
	return 0;
}

/*
 * The text report's flows need their order only, and audit_finish writes
 * no flow's member the text reads: on the bench's capture the flows'
 * text takes 25 ms after the capture's end, the fixes 35 and their text
 * 10, the findings 18, when the reader's core has nothing left to do.
 * So a thread of its own makes the fixes and writes their text to
 * memory, while this one writes the flows and looks for the findings.
 */
struct finisher {
	struct audit	*a;
	int		 rc;		/* -1: out of memory */
	char		*text;		/* owned: the fixes' text */
	size_t		 len;
};

static void *
finish_run(void *arg)
{
	struct finisher *fin = arg;
	FILE *m;

	if ((fin->rc = audit_finish_fixes(fin->a)) == -1)
		return NULL;
	if ((m = open_memstream(&fin->text, &fin->len)) == NULL) {
		fin->rc = -1;
		return NULL;
	}
	if (audit_text_fixes(fin->a, m) == -1)
		fin->rc = -1;
	if (fclose(m) == EOF)
		fin->rc = -1;
	return NULL;
}

/* audit_finish and the text report: 0; -1 out of memory; -2 a write
 * error. */
static int
finish_text(struct audit *a, FILE *out)
{
	struct finisher fin = { a, 0, NULL, 0 };
	pthread_t t;
	bool threaded;
	int wrc, rc;

	if (audit_order(a) == -1)
		return -1;
	if (!(threaded = pthread_create(&t, NULL, finish_run, &fin) == 0))
		finish_run(&fin);
	wrc = audit_text_flows(a, out);
	rc = audit_finish_findings(a);
	if (threaded)
		pthread_join(t, NULL);
	if (fin.rc == -1 || rc == -1) {
		free(fin.text);
		return -1;
	}
	if (fwrite(fin.text, 1, fin.len, out) != fin.len)
		wrc = -1;
	free(fin.text);
	return audit_text_findings(a, out) == -1 || wrc == -1 ? -2 : 0;
}

static int
write_out(const struct audit *a, const struct audit_args *o, FILE *out)
{
	switch (o->out) {
	case OUT_TEXT: return audit_text(a, out);
	case OUT_JSON: return audit_json_write(a, out);
	case OUT_HTML: return audit_html(a, out);
	case OUT_NFT: return audit_fixes_nft(a, out);
	case OUT_IPT: return audit_fixes_ipt(a, FA_AF_INET, out);
	default: return audit_fixes_ipt(a, FA_AF_INET6, out);
	}
}

/* Fixes as commands are for the kind of ruleset audited: positions are
 * nft handles or iptables rule numbers.  0, or -1 (said). */
static int
check_fix_format(const struct audit_args *o, const struct ruleset *rs)
{
	enum rs_format want = o->out == OUT_NFT ? RS_FMT_NFT : RS_FMT_IPT;
	size_t i;

	if (o->out == OUT_TEXT || o->out == OUT_JSON || o->out == OUT_HTML)
		return 0;
	for (i = 0; i < rs->nparts; i++) {
		if (rs->parts[i].format == want)
			continue;
		cli_warn("%s: -F %s: the fixes of an %s ruleset are written with "
		    "-F %s", rs->parts[i].source, o->out == OUT_NFT ? "nft" :
		    o->out == OUT_IPT ? "iptables" : "ip6tables",
		    ruleset_format_str(rs->parts[i].format),
		    want == RS_FMT_NFT ? "iptables or -F ip6tables" : "nft");
		return -1;
	}
	return 0;
}

/* Each session through the ruleset as it ends: nothing waits for the
 * end of the capture but the flows (audit_finish puts them in session
 * order). */
struct feed {
	struct audit	*a;
	bool		 oom;
};

static void
feed_session_end(void *arg, struct fa_session *s)
{
	struct feed *fd = arg;

	if (!fd->oom && audit_add_session(fd->a, s) == -1)
		fd->oom = true;
}

static int
feed_record(void *arg, struct fa_session *s)
{
	struct feed *fd = arg;

	if (cli_selected(s))
		feed_session_end(fd, s);
	return fd->oom ? -1 : 0;
}

/* The sessions of captures or, with --records, of records: 0, or -1
 * said. */
static int
feed(const struct audit_args *o, struct fa_engine *e, struct capture *cap,
    char **paths, size_t npaths, struct feed *fd)
{
	struct fa_sink sink;
	struct select_stage *st;
	char err[512];

	if (o->records) {
		if (records_read(paths, npaths, feed_record, fd, err,
		    sizeof err) == -1 && !fd->oom) {
			cli_warn("%s", err);
			return -1;
		}
	} else {
		memset(&sink, 0, sizeof sink);
		sink.session_end = feed_session_end;
		sink.arg = fd;
		if (cli_select_wrap(&sink, &st) == -1) {
			fd->oom = true;
			return 0;
		}
		cli_signals();
		cli_run(e, cap, &sink, 1);
		select_stage_free(st);
	}
	return 0;
}

static void
set_ifaces(struct audit *a, const struct audit_args *o)
{
	const char *one = o->nifaces > 0 ? o->ifaces[0] : NULL;

	if (o->side == AUDIT_GATEWAY)
		audit_set_ifaces(a, one, o->nifaces > 1 ? o->ifaces[1] : NULL);
	else if (o->side == AUDIT_SERVER)
		audit_set_ifaces(a, one, NULL);	/* it faces the client */
	else
		audit_set_ifaces(a, NULL, one);
}

static int
run(struct cli_input *io, struct audit_args *o, struct ruleset *rs,
    char **paths, size_t npaths)
{
	struct capture *cap = NULL;
	struct fa_engine *e = NULL;
	struct audit *a = NULL;
	struct feed fd = { NULL, false };
	FILE *out = NULL;
	int rc = EXIT_RUNTIME, wrc = 0;

	if (!o->records && cli_open_captures(&cap, paths, npaths,
	    io->filter) == -1)
		return EXIT_RUNTIME;
	if ((out = cli_open_output(io->output)) == NULL)
		goto done;
	/* A line for every flow, all written at the end: in large writes,
	 * not stdio's 4 KiB (10,817 write(2)s on the bench's capture). */
	if (!isatty(fileno(out)))
		setvbuf(out, out_buf, _IOFBF, sizeof out_buf);
	if ((e = fa_engine_new(&io->cfg)) == NULL ||
	    (a = audit_new(rs, o->side)) == NULL) {
		cli_warn("out of memory");
		goto done;
	}
	set_ifaces(a, o);
	audit_set_all_unused(a, o->all_unused);
	audit_set_trust(a, o->trust);
	audit_set_selection(a, cli_selection());
	fd.a = a;
	if (feed(o, e, cap, paths, npaths, &fd) == -1)
		goto done;
	if (fd.oom || (o->out == OUT_TEXT ? (wrc = finish_text(a, out)) :
	    audit_finish(a)) == -1) {
		cli_warn("out of memory");
		goto done;
	}
	if ((o->out == OUT_TEXT ? wrc : write_out(a, o, out)) != 0) {
		cli_warn("%s: write error", io->output ? io->output : "standard output");
		goto done;
	}
	if (cli_verbose)
		cli_print_stats(fa_engine_stats(e));
	rc = audit_any_denied(a) && !o->no_fail ? EXIT_DENIED : 0;
done:
	audit_free(a);
	fa_engine_free(e);
	capture_close(cap);
	if (out != NULL && out != stdout && fclose(out) == EOF && rc != EXIT_RUNTIME) {
		cli_warn("%s: write error", io->output);
		rc = EXIT_RUNTIME;
	}
	return rc;
}

/* Every --ruleset, merged into one: rules.v4 and rules.v6, or an nft
 * dump and what iptables-legacy holds.  NULL when one is bad (said). */
static struct ruleset *
load_rulesets(const struct audit_args *o)
{
	struct ruleset *rs = NULL, *one;
	char *cause = NULL;
	int i;

	for (i = 0; i < o->nrulesets; i++) {
		if ((one = ruleset_load(o->rulesets[i], o->rfmt, &cause)) == NULL) {
			cli_warn("%s: %s", o->rulesets[i], cause ? cause :
			    "out of memory");
			free(cause);
			ruleset_free(rs);
			return NULL;
		}
		if (rs == NULL)
			rs = one;
		else if (ruleset_merge(rs, one) == -1) {
			cli_warn("out of memory");
			ruleset_free(rs);
			return NULL;
		}
	}
	return rs;
}

int
cmd_audit(int argc, char **argv)
{
	struct cli_input io;
	struct audit_args o;
	struct ruleset *rs;
	int rc;

	cli_input_init(&io);
	memset(&o, 0, sizeof o);
	o.rfmt = RS_FMT_AUTO;
	o.side = AUDIT_SERVER;
	if ((rc = parse_args(argc, argv, &io, &o)) != 0)
		return rc == 1 ? 0 : cli_usage_status();
	if ((rs = load_rulesets(&o)) == NULL ||
	    check_fix_format(&o, rs) == -1)
		rc = EXIT_RUNTIME;
	else
		rc = run(&io, &o, rs, o.paths, o.npaths);
	ruleset_free(rs);
	cli_input_free(&io);
	return rc;
}
