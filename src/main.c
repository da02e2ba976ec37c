/* main.c: the command line.  Parses options, wires capture, engine and
 * sinks together, and is the only place that prints errors or exits. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ftpaudit/capture.h"
#include "ftpaudit/engine.h"
#include "ftpaudit/report.h"

#define EXIT_RUNTIME	1
#define EXIT_USAGE	2

static int quiet, verbose;

static void
warnx_(const char *fmt, ...)
{
	va_list ap;

	fputs("ftpaudit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
usage(FILE *f)
{
	fputs(
"usage: ftpaudit analyze [options] CAPTURE...\n"
"       ftpaudit --version\n"
"\n"
"analyze options:\n"
"  -F, --format=text|json|ndjson  report format (default text)\n"
"  -o, --output=FILE              write the report to FILE\n"
"  -f, --filter=BPF               libpcap filter applied while reading\n"
"  -P, --ports=LIST               FTP control ports (default 21)\n"
"      --tls-ports=LIST           implicit FTPS control ports (default 990)\n"
"      --no-detect                do not look for FTP on other ports\n"
"      --show-passwords           print passwords instead of <hidden>\n"
"      --verify-checksums         skip packets with bad IP/TCP checksums\n"
"  limits: --max-connections=N --idle-timeout=S --expect-timeout=S\n"
"          --reasm-cap=BYTES --reasm-total-cap=BYTES --max-line=BYTES\n"
"          --max-commands=N --max-transfers=N --max-expectations=N\n"
"          --bruteforce-threshold=N\n"
"  -q, --quiet   no progress line, no warnings     -v, --verbose  statistics on stderr\n"
"  -h, --help    this text                         -V, --version\n"
"See ftpaudit(1).\n", f);
}

enum {
	OPT_TLS_PORTS = 256, OPT_SHOW_PASSWORDS, OPT_VERIFY, OPT_NO_DETECT,
	OPT_MAX_CONNS, OPT_IDLE, OPT_EXPECT_TIMEOUT, OPT_REASM, OPT_REASM_TOTAL,
	OPT_MAX_LINE, OPT_MAX_CMDS, OPT_MAX_XFERS, OPT_MAX_EXPECT, OPT_BRUTE,
};

static const struct option analyze_opts[] = {
	{ "format", required_argument, NULL, 'F' },
	{ "output", required_argument, NULL, 'o' },
	{ "filter", required_argument, NULL, 'f' },
	{ "ports", required_argument, NULL, 'P' },
	{ "tls-ports", required_argument, NULL, OPT_TLS_PORTS },
	{ "no-detect", no_argument, NULL, OPT_NO_DETECT },
	{ "show-passwords", no_argument, NULL, OPT_SHOW_PASSWORDS },
	{ "verify-checksums", no_argument, NULL, OPT_VERIFY },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNS },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },
	{ "expect-timeout", required_argument, NULL, OPT_EXPECT_TIMEOUT },
	{ "reasm-cap", required_argument, NULL, OPT_REASM },
	{ "reasm-total-cap", required_argument, NULL, OPT_REASM_TOTAL },
	{ "max-line", required_argument, NULL, OPT_MAX_LINE },
	{ "max-commands", required_argument, NULL, OPT_MAX_CMDS },
	{ "max-transfers", required_argument, NULL, OPT_MAX_XFERS },
	{ "max-expectations", required_argument, NULL, OPT_MAX_EXPECT },
	{ "bruteforce-threshold", required_argument, NULL, OPT_BRUTE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct input_opts {
	struct fa_config cfg;
	const char	*filter;
	const char	*output;
	const char	*format;
};

/* A positive integer option, or a usage error. */
static int
number(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	v = strtoull(s, &end, 10);
	if (end == s || *end != '\0' || v < min || v > max || s[0] == '-') {
		warnx_("--%s: expected a number from %llu to %llu, got '%s'", opt,
		    (unsigned long long)min, (unsigned long long)max, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* Options every capture-reading command shares.  0 handled, 1 not ours,
 * -1 usage error. */
static int
input_option(struct input_opts *io, int ch, const char *arg)
{
	struct fa_config *c = &io->cfg;
	const char *cause;
	uint64_t v;

	switch (ch) {
	case 'f': io->filter = arg; return 0;
	case 'o': io->output = arg; return 0;
	case 'F': io->format = arg; return 0;
	case 'P':
	case OPT_TLS_PORTS:
		if (fa_portset_parse(ch == 'P' ? &c->ports : &c->tls_ports, arg,
		    &cause) == -1) {
			warnx_("--%s '%s': %s", ch == 'P' ? "ports" : "tls-ports",
			    arg, cause);
			return -1;
		}
		return 0;
	case OPT_NO_DETECT: c->detect_other_ports = false; return 0;
	case OPT_SHOW_PASSWORDS: c->show_passwords = true; return 0;
	case OPT_VERIFY: c->verify_checksums = true; return 0;
	case 'q': quiet = 1; return 0;
	case 'v': verbose++; return 0;
	}
#define NUM(opt, lo, hi, dst, mul) do {				\
	if (number(opt, arg, lo, hi, &v) == -1)				\
		return -1;						\
	dst = v * (mul);						\
	return 0;							\
} while (0)
	switch (ch) {
	case OPT_MAX_CONNS: NUM("max-connections", 16, 100000000, c->max_conns, 1);
	case OPT_IDLE: NUM("idle-timeout", 1, 86400 * 365, c->idle_timeout_us, 1000000);
	case OPT_EXPECT_TIMEOUT: NUM("expect-timeout", 1, 86400 * 365, c->expect_timeout_us, 1000000);
	case OPT_REASM: NUM("reasm-cap", 0, 1 << 30, c->reasm_stream_cap, 1);
	case OPT_REASM_TOTAL: NUM("reasm-total-cap", 0, UINT64_MAX >> 1, c->reasm_total_cap, 1);
	case OPT_MAX_LINE: NUM("max-line", 64, 1 << 24, c->line_max, 1);
	case OPT_MAX_CMDS: NUM("max-commands", 0, 100000000, c->max_cmds, 1);
	case OPT_MAX_XFERS: NUM("max-transfers", 0, 100000000, c->max_xfers, 1);
	case OPT_MAX_EXPECT: NUM("max-expectations", 1, 100000000, c->max_expect_total, 1);
	case OPT_BRUTE: NUM("bruteforce-threshold", 1, 1000000, c->bruteforce_threshold, 1);
	}
#undef NUM
	return 1;
}

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
progress(const struct capture *cap, uint64_t packets, double start, bool end)
{
	uint64_t done, total;

	if (end) {
		fputs("\r\033[K", stderr);
		return;
	}
	capture_progress(cap, &done, &total);
	if (total > 0)
		fprintf(stderr, "\r\033[K%5.1f%%  %llu packets  %.0f MB/s",
		    100.0 * (double)done / (double)total,
		    (unsigned long long)packets,
		    (double)done / 1e6 / (now_s() - start + 1e-9));
	else
		fprintf(stderr, "\r\033[K%llu packets", (unsigned long long)packets);
}

/* Read every capture through the engine.  Returns 0 or EXIT_RUNTIME. */
static int
run_captures(struct fa_engine *e, struct capture *cap)
{
	struct capture_pkt pk;
	const struct capture_input *in;
	bool show = !quiet && isatty(2);
	double start = now_s(), last = start, t;
	uint64_t n = 0;
	size_t i;
	char *src;

	while (!interrupted && capture_next(cap, &pk) == 1) {
		fa_engine_packet(e, pk.dlt, pk.ts_us, pk.data, pk.caplen, pk.wirelen);
		if (show && (++n & 0xffff) == 0 && (t = now_s()) - last > 0.5) {
			progress(cap, n, start, false);
			last = t;
		}
	}
	if (show && last != start)
		progress(cap, n, start, true);
	for (i = 0; i < capture_count(cap); i++) {
		in = capture_input(cap, i);
		if (!in->truncated || quiet)
			continue;
		src = sanitize((const uint8_t *)in->source, strlen(in->source));
		warnx_("%s: warning: capture is cut off after %llu packets (%s); "
		    "reporting what came before", src ? src : "?",
		    (unsigned long long)in->packets, in->warning);
		free(src);
	}
	fa_engine_finish(e);
	return 0;
}

static void
print_stats(const struct fa_stats *st)
{
	fprintf(stderr, "ftpaudit: %llu packets, %llu TCP connections, %llu FTP sessions, "
	    "%llu data connections, %llu malformed, %llu fragments, %llu gaps\n",
	    (unsigned long long)st->packets, (unsigned long long)st->tcp_connections,
	    (unsigned long long)st->ftp_sessions,
	    (unsigned long long)st->data_connections,
	    (unsigned long long)st->malformed, (unsigned long long)st->fragments,
	    (unsigned long long)st->reasm_gaps);
}

static int
cmd_analyze(int argc, char **argv)
{
	struct input_opts io = { 0 };
	enum report_format fmt = REPORT_TEXT;
	struct capture *cap = NULL;
	struct fa_engine *e = NULL;
	struct report *r = NULL;
	struct fa_sink sink;
	FILE *out = stdout;
	char err[512];
	int ch, rc = EXIT_RUNTIME;

	fa_config_defaults(&io.cfg);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "F:o:f:P:qvhV", analyze_opts, NULL)) != -1) {
		if (ch == 'h') {
			usage(stdout);
			return 0;
		}
		if (ch == 'V') {
			printf("ftpaudit %s\n", PACKAGE_VERSION);
			return 0;
		}
		if (ch == '?' || input_option(&io, ch, optarg) != 0) {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (io.format == NULL || strcmp(io.format, "text") == 0)
		fmt = REPORT_TEXT;
	else if (strcmp(io.format, "json") == 0)
		fmt = REPORT_JSON;
	else if (strcmp(io.format, "ndjson") == 0)
		fmt = REPORT_NDJSON;
	else {
		warnx_("--format: expected text, json or ndjson, got '%s'", io.format);
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		warnx_("analyze: no capture given (use - for standard input)");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (capture_open(&cap, argv + optind, (size_t)(argc - optind), io.filter,
	    err, sizeof err) == -1) {
		warnx_("%s", err);
		return EXIT_RUNTIME;
	}
	if (io.output != NULL && strcmp(io.output, "-") != 0 &&
	    (out = fopen(io.output, "w")) == NULL) {
		warnx_("%s: cannot write: %s", io.output, strerror(errno));
		goto done;
	}
	if ((e = fa_engine_new(&io.cfg)) == NULL || (r = report_new(fmt, out)) == NULL) {
		warnx_("out of memory");
		goto done;
	}
	report_sink(r, &sink);
	fa_engine_add_sink(e, &sink);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = run_captures(e, cap)) != 0)
		goto done;
	if (report_finish(r, cap, fa_engine_stats(e), &io.cfg) == -1) {
		warnx_("%s: write error", io.output ? io.output : "standard output");
		rc = EXIT_RUNTIME;
		goto done;
	}
	if (verbose)
		print_stats(fa_engine_stats(e));
	rc = 0;
done:
	report_free(r);
	fa_engine_free(e);
	capture_close(cap);
	if (out != stdout && out != NULL && fclose(out) == EOF && rc == 0) {
		warnx_("%s: write error", io.output);
		rc = EXIT_RUNTIME;
	}
	return rc;
}

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
} commands[] = {
	{ "analyze", cmd_analyze },
};

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("ftpaudit %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	warnx_("unknown command '%s'", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
