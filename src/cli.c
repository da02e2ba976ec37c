/* SPDX-License-Identifier: ISC */
/* cli.c: the capture-reading options and read loop that every subcommand
 * shares. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ftpaudit/cpu.h"
#include "ftpaudit/fmt.h"
#include "ftpaudit/reader.h"
#include "ftpaudit/report.h"
#include "ftpaudit/nat.h"
#include "ftpaudit/select.h"
#include "ftpaudit/sinkq.h"
#include "cli.h"
#include "progress.h"

static int	 select_option(int ch, const char *arg);

int cli_quiet, cli_verbose;
volatile sig_atomic_t cli_interrupted;

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("ftpaudit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A positive integer option, or a usage error. */
int
cli_number(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	v = strtoull(s, &end, 10);
	if (end == s || *end != '\0' || v < min || v > max || s[0] == '-') {
		cli_warn("--%s: expected a number from %llu to %llu, got '%s'", opt,
		    (unsigned long long)min, (unsigned long long)max, s);
		return -1;
	}
	*out = v;
	return 0;
}

void
cli_input_init(struct cli_input *io)
{
	memset(io, 0, sizeof *io);
	fa_config_defaults(&io->cfg);
}

/* Sessions the NAT stage may hold for their other side (--nat-cap), and
 * what it did in the last cli_run, for -v. */
static uint32_t nat_cap = NAT_CAP_DEFAULT;
static struct nat_stats nat_st;

/* -r FILE: one more capture, in the order given. */
static int
add_read(struct cli_input *io, const char *arg)
{
	if (io->nreads == CLI_READS_MAX) {
		cli_warn("-r: at most %d files (give more as operands, "
		    "without -r)", CLI_READS_MAX);
		return -1;
	}
	io->reads[io->nreads++] = (char *)arg;
	return 0;
}

/* Options every capture-reading command shares. */
int
cli_input_option(struct cli_input *io, int ch, const char *arg)
{
	struct fa_config *c = &io->cfg;
	const char *cause;
	uint64_t v;

	switch (ch) {
	case 'f': io->filter = arg; return 0;
	case 'o': io->output = arg; return 0;
	case 'F': io->format = arg; return 0;
	case 'r': return add_read(io, arg);
	case 'P':
	case OPT_TLS_PORTS:
		if (fa_portset_parse(ch == 'P' ? &c->ports : &c->tls_ports, arg,
		    &cause) == -1) {
			cli_warn("--%s '%s': %s", ch == 'P' ? "ports" : "tls-ports",
			    arg, cause);
			return -1;
		}
		return 0;
	case OPT_NO_DETECT: c->detect_other_ports = false; return 0;
	case OPT_SHOW_PASSWORDS: c->show_passwords = true; return 0;
	case OPT_VERIFY: c->verify_checksums = true; return 0;
	case 'q': cli_quiet = 1; return 0;
	case 'v': cli_verbose++; return 0;
	case OPT_SESSION:
	case OPT_HOST:
	case OPT_SERVER:
	case OPT_CLIENT:
	case OPT_ANOMALOUS:
		return select_option(ch, arg);
	}
#define NUM(opt, lo, hi, dst, mul) do {				\
	if (cli_number(opt, arg, lo, hi, &v) == -1)				\
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
	case OPT_NAT_CAP: NUM("nat-cap", 1, 10000000, nat_cap, 1);
	}
#undef NUM
	return 1;
}

/* What --session, --host, --server, --client and --anomalous ask, for
 * every command (select.c); the exit status of the last usage error. */
static struct selection sel;
static bool sel_done;
static int usage_status = EXIT_USAGE;

static int
select_option(int ch, const char *arg)
{
	static const char *const names[] = { "host", "server", "client" };
	const char *cause, *opt = "session";
	char *bad = NULL, *shown;
	int rc;

	if (ch == OPT_ANOMALOUS) {
		sel.anomalous = true;
		return 0;
	}
	if (ch == OPT_SESSION)
		rc = select_add_ids(&sel, arg, &cause, &bad);
	else {
		opt = names[ch - OPT_HOST];
		rc = select_add_nets(&sel, (enum select_kind)(ch - OPT_HOST),
		    arg, &cause, &bad);
	}
	if (rc == 0)
		return 0;
	/* ftpaudit(1), EXIT STATUS: a selection that cannot be read is a
	 * bad value (1, one line), not a usage error (2). */
	usage_status = EXIT_RUNTIME;
	shown = sanitize((const uint8_t *)(bad != NULL ? bad : arg),
	    strlen(bad != NULL ? bad : arg));
	cli_warn("--%s: '%s': %s", opt, shown != NULL ? shown : "?", cause);
	free(shown);
	free(bad);
	return -1;
}

int
cli_usage_status(void)
{
	return usage_status;
}

struct selection *
cli_selection(void)
{
	if (!sel_done) {
		select_done(&sel);
		sel_done = true;
	}
	return select_active(&sel) ? &sel : NULL;
}

int
cli_select_wrap(struct fa_sink *sink, struct select_stage **st)
{
	struct selection *s;

	*st = NULL;
	if ((s = cli_selection()) == NULL)
		return 0;
	if ((*st = select_stage_new(s, sink, 1)) == NULL)
		return -1;
	select_stage_sink(*st, sink);
	return 0;
}

bool
cli_selected(const struct fa_session *s)
{
	struct selection *c = cli_selection();

	return c == NULL || select_take(c, s);
}

/* The reader's thread reads the flag too (capture.c, reader.c): an
 * atomic store, which a handler may make, and errno as it was. */
static void
on_signal(int sig)
{
	int saved = errno;

	(void)sig;
	__atomic_store_n(&cli_interrupted, 1, __ATOMIC_RELAXED);
	errno = saved;
}

bool
cli_stopped(void)
{
	return __atomic_load_n(&cli_interrupted, __ATOMIC_RELAXED) != 0;
}

/*
 * Installed unconditionally: a background job inherits SIGINT ignored.
 * Without SA_RESTART: a read blocked on a pipe fails, and the input ends
 * there (capture_stop_on).  main() installs them before anything else:
 * opening a pipe waits for its first bytes, and a signal before the
 * handlers either killed the process (130, no report) or was lost.
 */
void
cli_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	capture_stop_on(&cli_interrupted);
}

int
cli_open_captures(struct capture **cap, char *const *paths, size_t n,
    const char *filter)
{
	char err[512];

	if (capture_open(cap, paths, n, filter, err, sizeof err) == -1) {
		cli_warn("%s", err);
		return -1;
	}
	return 0;
}

FILE *
cli_open_output(const char *path)
{
	FILE *f;

	if (path == NULL || strcmp(path, "-") == 0)
		return stdout;
	if ((f = fopen(path, "w")) == NULL)
		cli_warn("%s: cannot write: %s", path, strerror(errno));
	return f;
}

static void
on_packet(void *arg, const struct capture_pkt *pk)
{
	fa_engine_packet(arg, pk->dlt, pk->ts_us, pk->data, pk->caplen,
	    pk->wirelen);
}

/* Packets per capture_dispatch without the reader thread: a SIGINT or a
 * progress line waits for at most this many. */
#define RUN_BATCH	4096

/* CPU seconds of the last cli_run's threads, for -v; 0 when not run. */
static double cpu_reader, cpu_engine;

/* What feed() shares with the reader's idle callback. */
struct feed_ctx {
	struct sinkq	*q;		/* borrowed; NULL: no reports queued */
	struct fa_engine *e;		/* borrowed */
	struct capture	*cap;		/* borrowed */
	struct reader	*rd;		/* NULL: read on this thread */
	pthread_t	 engine;	/* the thread that runs feed() */
	struct progress	 pg;
};

/* The status line, from the engine's thread: what it has seen. */
static void
show_progress(struct feed_ctx *c)
{
	const struct fa_stats *st = fa_engine_stats(c->e);
	struct progress_figures fg;

	if (c->rd != NULL)
		reader_progress(c->rd, &fg.done, &fg.total);
	else
		capture_progress(c->cap, &fg.done, &fg.total);
	fg.packets = st->packets;
	fg.sessions = st->ftp_sessions;
	progress_show(&c->pg, &fg);
}

/*
 * What the reader and the engine do rather than wait for each other:
 * write reports and, on the engine's thread, keep the status line
 * going while a slow input keeps it waiting.  The reader also faults in
 * the memory the engine will take next.
 */
static bool
feed_idle(void *arg)
{
	struct feed_ctx *c = arg;
	bool engine = pthread_equal(pthread_self(), c->engine);

	if (c->pg.f != NULL && engine && progress_due(&c->pg))
		show_progress(c);
	if (c->q != NULL && sinkq_help(c->q) > 0)
		return true;
	return !engine && fa_engine_populate(c->e);
}

/*
 * Feed the engine every packet: through the reader thread (reader.c) when
 * it starts, else read here; the reports queued in q are written by
 * either thread when it has time.  The status line is looked at once a
 * batch (some thousand packets), never per packet.  Returns false when
 * the reader ran out of memory and stopped.
 */
static bool
feed(struct fa_engine *e, struct capture *cap, const struct fa_config *cfg,
    struct sinkq *q)
{
	struct feed_ctx c;
	bool ok = true;
	size_t got;

	memset(&c, 0, sizeof c);
	c.q = q;
	c.e = e;
	c.cap = cap;
	c.engine = pthread_self();
	progress_init(&c.pg, stderr, !cli_quiet);
	c.rd = reader_new(cap, cfg, feed_idle, &c, &cli_interrupted);
	for (;;) {
		/* The reader hands over what it read, then stops. */
		if (cli_stopped() && c.rd == NULL)
			break;
		if (c.rd != NULL)
			got = reader_feed(c.rd, e);
		else
			got = capture_dispatch(cap, RUN_BATCH, on_packet, e);
		if (got == 0) {
			ok = c.rd == NULL || !reader_failed(c.rd);
			break;
		}
		if (progress_due(&c.pg))
			show_progress(&c);
	}
	reader_free(c.rd, &cpu_reader);
	progress_end(&c.pg);
	return ok;
}

/* Once per input whose time ran backwards (capture.h), and in the stats:
 * ftpaudit(1), CAVEATS, says what it does to the report. */
static void
time_warnings(struct fa_engine *e, const struct capture *cap)
{
	const struct capture_input *in;
	char *src, more[48] = "";
	size_t i;

	for (i = 0; i < capture_count(cap); i++) {
		in = capture_input(cap, i);
		if (in->time_jumps == 0)
			continue;
		fa_engine_add_time_jumps(e, in->time_jumps);
		if (cli_quiet)
			continue;
		if (in->time_jumps > 1)
			snprintf(more, sizeof more, " (%llu times in all)",
			    (unsigned long long)in->time_jumps);
		src = sanitize((const uint8_t *)in->source, strlen(in->source));
		cli_warn("%s: warning: time runs back %llu.%06llu s at frame %llu%s%s",
		    src ? src : "?", (unsigned long long)(in->jump_us / 1000000),
		    (unsigned long long)(in->jump_us % 1000000),
		    (unsigned long long)in->jump_frame,
		    in->jump_to_start ? ", to its first frame's time (the capture "
		    "stored twice?)" : "", more);
		free(src);
	}
}

void
cli_run(struct fa_engine *e, struct capture *cap, const struct fa_sink *down,
    int nsinks)
{
	const struct capture_input *in;
	size_t i;
	char *src;
	struct sinkq *q;
	struct fa_sink qsink, nsink;
	struct nat_stage *nat;
	int k;

	/* The reports are written when the reader or the engine has time. */
	if ((q = sinkq_new(down, nsinks)) != NULL) {
		sinkq_sink(q, &qsink);
		down = &qsink;
		nsinks = 1;
	}
	/* In front of them, on the engine's thread: the two sides of a NAT
	 * translation become one session (nat.c). */
	if ((nat = nat_stage_new(down, nsinks, nat_cap)) != NULL) {
		nat_stage_sink(nat, &nsink);
		fa_engine_add_sink(e, &nsink);
	} else {
		for (k = 0; k < nsinks; k++)
			fa_engine_add_sink(e, &down[k]);
	}
	if (!feed(e, cap, fa_engine_config(e), q))
		cli_warn("warning: out of memory reading the capture; "
		    "reporting what came before");
	for (i = 0; i < capture_count(cap); i++) {
		in = capture_input(cap, i);
		/* Stopped by the user, a read may have failed for it. */
		if (!in->truncated || cli_quiet || cli_stopped())
			continue;
		src = sanitize((const uint8_t *)in->source, strlen(in->source));
		cli_warn("%s: warning: capture is cut off after %llu packets (%s); "
		    "reporting what came before", src ? src : "?",
		    (unsigned long long)in->packets, in->warning);
		free(src);
	}
	time_warnings(e, cap);
	fa_engine_finish(e);
	nat_stage_flush(nat);
	sinkq_free(q);
	if (nat != NULL) {
		nat_st = *nat_stage_stats(nat);
		fa_engine_sessions_merged(e, nat_st.paired / 2);
		if (nat_st.cap_hits > 0 && !cli_quiet)
			cli_warn("warning: %llu sessions were not paired with the "
			    "other side of a NAT translation: --nat-cap (%u) was "
			    "reached", (unsigned long long)nat_st.cap_hits, nat_cap);
	}
	nat_stage_free(nat);
	cpu_engine = thread_cpu_s();
}

void
cli_print_stats(const struct fa_stats *st)
{
	fprintf(stderr, "ftpaudit: %llu packets, %llu TCP connections (at most %llu "
	    "at once), %llu FTP sessions, "
	    "%llu data connections, %llu malformed, %llu fragments, %llu gaps, "
	    "longest hash probe %llu\n",
	    (unsigned long long)st->packets, (unsigned long long)st->tcp_connections,
	    (unsigned long long)st->peak_conns, (unsigned long long)st->ftp_sessions,
	    (unsigned long long)st->data_connections,
	    (unsigned long long)st->malformed, (unsigned long long)st->fragments,
	    (unsigned long long)st->reasm_gaps,
	    (unsigned long long)st->longest_probe);
	if (nat_st.paired > 0 || nat_st.cap_hits > 0 || nat_st.crowded > 0)
		fprintf(stderr, "ftpaudit: NAT: %llu sessions paired into %llu, "
		    "%llu held at most, %llu held without their other side, "
		    "%llu not held (--nat-cap), %llu not looked at (more than "
		    "64 open with one ISN)\n",
		    (unsigned long long)nat_st.paired,
		    (unsigned long long)nat_st.paired / 2,
		    (unsigned long long)nat_st.held_peak,
		    (unsigned long long)nat_st.unpaired,
		    (unsigned long long)nat_st.cap_hits,
		    (unsigned long long)nat_st.crowded);
	/* Which thread to make faster: each writes reports when it would
	 * otherwise wait for the other (sinkq.c). */
	if (cpu_reader > 0)
		fprintf(stderr, "ftpaudit: CPU seconds: reader thread %.2f, "
		    "engine thread %.2f\n", cpu_reader, cpu_engine);
}


/* Command-line habits: one-line usage errors, tcpdump's -r, --help. */

const char *cli_command = "";

/* Edits from a to b (insert, delete, change, swap two neighbours: the
 * optimal string alignment distance), 3 for 3 or more. */
int
cli_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int d[64][64], v;

	if (la >= 64 || lb >= 64)
		return 3;
	for (i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb] < 3 ? d[la][lb] : 3;
}

bool
cli_close(const char *typed, const char *name)
{
	int d = cli_distance(typed, name);

	/* Two edits in a word of four is another word ("help", "live"). */
	return d <= 2 && (size_t)d * 2 < strlen(typed);
}

/* The long option whose name the word (after "--", up to '=') starts
 * with, and how many do; an exact name is the only match. */
static const struct option *
long_match(const struct option *lo, const char *w, size_t len, int *count)
{
	const struct option *found = NULL;

	*count = 0;
	for (; lo->name != NULL; lo++) {
		if (strncmp(lo->name, w, len) != 0)
			continue;
		if (lo->name[len] == '\0') {
			*count = 1;
			return lo;
		}
		if (found == NULL || found->val != lo->val || found->has_arg !=
		    lo->has_arg)
			(*count)++;
		if (found == NULL)
			found = lo;
	}
	return found;
}

static void
append(char *buf, const char *s, size_t size)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s", s);
}

/* An unknown or ambiguous --word: the candidates, or the closest. */
static void
bad_long(const struct option *lo, const char *w, size_t len)
{
	const struct option *o, *close = NULL;
	char name[64], list[160] = "", *safe;
	int n, shown = 0;

	snprintf(name, sizeof name, "%.*s", (int)(len < 60 ? len : 60), w);
	if (long_match(lo, name, len, &n) != NULL && n > 1) {
		for (o = lo; o->name != NULL; o++) {
			if (strncmp(o->name, name, len) != 0)
				continue;
			if (shown++ == 4) {
				append(list, ", ...", sizeof list);
				break;
			}
			if (shown > 1)
				append(list, ", ", sizeof list);
			append(list, "--", sizeof list);
			append(list, o->name, sizeof list);
		}
		cli_warn("%s: option '--%s' is ambiguous: %s", cli_command,
		    name, list);
		return;
	}
	for (o = lo; o->name != NULL; o++)
		if (cli_close(name, o->name) && (close == NULL ||
		    cli_distance(name, o->name) < cli_distance(name, close->name)))
			close = o;
	safe = sanitize((const uint8_t *)name, strlen(name));
	if (close != NULL)
		cli_warn("%s: unknown option '--%s'; did you mean --%s?",
		    cli_command, safe ? safe : "?", close->name);
	else
		cli_warn("%s: unknown option '--%s'", cli_command,
		    safe ? safe : "?");
	free(safe);
}

/* The one line for what getopt_long refused: ch is '?' or ':'. */
static void
bad_option(int ch, int argc, char **argv, const struct option *lo)
{
	const char *a = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	const struct option *o;
	size_t len;
	int n;

	if (strncmp(a, "--", 2) == 0 && a[2] != '\0') {
		a += 2;
		len = strcspn(a, "=");
		o = long_match(lo, a, len, &n);
		if (optopt == 0 || o == NULL || o->val != optopt) {
			if (optopt == 0) {
				bad_long(lo, a, len);
				return;
			}
		} else if (ch == ':') {
			cli_warn("%s: option '--%s' needs a value", cli_command,
			    o->name);
			return;
		} else {
			cli_warn("%s: option '--%s' takes no value", cli_command,
			    o->name);
			return;
		}
	}
	if (ch == ':')
		cli_warn("%s: option '-%c' needs a value", cli_command, optopt);
	else if (optopt == 'r' && strcmp(cli_command, "live") == 0)
		cli_warn("%s: unknown option '-r' (ftpaudit analyze -r FILE "
		    "reads a capture)", cli_command);
	else if (optopt > ' ' && optopt < 127)
		cli_warn("%s: unknown option '-%c'", cli_command, optopt);
	else
		cli_warn("%s: unknown option", cli_command);
}

int
cli_getopt(int argc, char **argv, const char *shortopts,
    const struct option *longopts)
{
	char opts[128];
	int ch;

	/* A leading ':' tells a missing value from an unknown option. */
	snprintf(opts, sizeof opts, ":%s", shortopts);
	opterr = 0;
	ch = getopt_long(argc, argv, opts, longopts, NULL);
	if (ch == '?' || ch == ':') {
		bad_option(ch, argc, argv, longopts);
		return '?';
	}
	return ch;
}

char *
cli_join_words(char **w, int n)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(w[i]) + 1;
	if ((s = calloc(1, len)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, w[i]);
	}
	return s;
}

int
cli_input_captures(struct cli_input *io, int argc, char **argv,
    char ***paths, size_t *n)
{
	struct stat sb;
	char *shown;
	int i;

	if (io->nreads == 0) {
		if (optind >= argc) {
			cli_warn("%s: no capture given (use - for standard "
			    "input)", cli_command);
			return -1;
		}
		*paths = argv + optind;
		*n = (size_t)(argc - optind);
		return 0;
	}
	*paths = io->reads;
	*n = io->nreads;
	if (optind >= argc)
		return 0;
	if (io->filter != NULL) {
		cli_warn("%s: give the filter with -f or after the options, "
		    "not both", cli_command);
		return -1;
	}
	/* A file there was meant as one more capture, not as a filter. */
	for (i = optind; i < argc; i++)
		if (stat(argv[i], &sb) == 0 && S_ISREG(sb.st_mode)) {
			shown = sanitize((const uint8_t *)argv[i],
			    strlen(argv[i]));
			cli_warn("%s: '%s' is a file, but after -r the words "
			    "after the options are the filter: give it with -r",
			    cli_command, shown ? shown : "?");
			free(shown);
			return -1;
		}
	if ((io->expr = cli_join_words(argv + optind, argc - optind)) == NULL) {
		cli_warn("out of memory");
		return -1;
	}
	io->filter = io->expr;
	return 0;
}

void
cli_input_free(struct cli_input *io)
{
	free(io->expr);
	io->expr = NULL;
}

/* The global summary; each command's options are in its own --help. */
void
cli_usage(FILE *f)
{
	fputs(
"usage: ftpaudit analyze [options] CAPTURE...\n"
"       ftpaudit analyze [options] -r CAPTURE [-r CAPTURE]... [BPF EXPRESSION]\n"
"       ftpaudit rules [options] CAPTURE...\n"
"       ftpaudit live -i IFACE [options] [BPF EXPRESSION]\n"
"       ftpaudit audit --ruleset=FILE [options] CAPTURE...\n"
"       ftpaudit --help | --version\n"
"\n"
"commands:\n"
"  analyze   report every FTP session of the captures\n"
"  rules     the firewall rules the captures' FTP traffic needed\n"
"  live      follow the FTP sessions on a network interface\n"
"  audit     check firewall rulesets against the captures' FTP traffic\n"
"\n"
"A capture is pcap or pcapng, plain or gzip; - is standard input.  rules and\n"
"audit take -r as analyze does.  ftpaudit COMMAND --help (or ftpaudit help\n"
"COMMAND) lists the options of COMMAND.  See ftpaudit(1).\n", f);
}

void
cli_usage_hint(void)
{
	if (*cli_command != '\0')
		fprintf(stderr, "see ftpaudit %s --help\n", cli_command);
	else
		fputs("see ftpaudit --help\n", stderr);
}

void
cli_help_input(FILE *f, bool read)
{
	fputs("input:\n", f);
	if (read)
		fputs(
"  -r FILE                        read FILE (again for more); the words after\n"
"                                 the options are then the filter, as tcpdump's\n", f);
	fputs(
"  -o, --output=FILE              write to FILE (- standard output)\n"
"  -f, --filter=BPF               libpcap filter applied while reading\n"
"  -P, --ports=LIST               FTP control ports (default 21)\n"
"      --tls-ports=LIST           implicit FTPS control ports (default 990)\n"
"      --no-detect                do not look for FTP on other ports\n"
"      --show-passwords           print passwords instead of <hidden>\n"
"      --verify-checksums         skip packets with bad IP/TCP checksums\n", f);
	if (read)
		fputs(
"selection (a session must match every kind of option given):\n"
"      --session=ID[,FIRST-LAST]  sessions by id\n"
"      --host=ADDR[/PREFIX],...   sessions of these clients or servers\n"
"      --server=ADDR[/PREFIX],... sessions of these servers\n"
"      --client=ADDR[/PREFIX],... sessions of these clients\n"
"      --anomalous                sessions with an anomaly\n", f);
	fputs(
"limits:\n"
"      --max-connections=N --idle-timeout=S --expect-timeout=S\n"
"      --reasm-cap=BYTES --reasm-total-cap=BYTES --max-line=BYTES\n"
"      --max-commands=N --max-transfers=N --max-expectations=N\n"
"      --bruteforce-threshold=N --nat-cap=N\n"
"messages:\n", f);
	fputs(read ?
"  -q, --quiet                    no progress line, no warnings\n" :
"  -q, --quiet                    no warnings\n", f);
	fputs(
"  -v, --verbose                  statistics on standard error at the end\n"
"  -h, --help                     this text\n"
"See ftpaudit(1).\n", f);
}
