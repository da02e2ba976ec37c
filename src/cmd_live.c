/* SPDX-License-Identifier: ISC */
/* cmd_live.c: `ftpaudit live`: capture on an interface and show sessions as
 * they happen (ncurses view), stream them as NDJSON events, or write the
 * analyze JSON document when the capture ends. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ftpaudit/live.h"
#include "ftpaudit/report.h"
#include "cli.h"
#include "cmd.h"

#define POLL_MS		100		/* longest wait: signals, clocks */
#define STATS_SECS	5		/* default --stats-interval */
#define MAX_ENDED	200		/* default --max-ended */
#define COUNTERS_US	200000		/* kernel counters for the view */
/* Default -B: libpcap's 2 MiB lasts about 10 ms of a gigabit burst, less
 * than a redraw plus the engine's work on a full ring; 8 MiB rides it out
 * (tested: a 200 MB download over a veth, no kernel drops). */
#define BUFFER_KIB	8192

enum live_format { LIVE_TUI, LIVE_NDJSON, LIVE_JSON };

enum {
	OPT_DURATION = OPT_CMD_BASE, OPT_STATS_INTERVAL, OPT_MAX_ENDED,
	OPT_ZEEK_COMMANDS, OPT_SENSOR,
};

static const struct option live_longopts[] = {
	CLI_INPUT_LONGOPTS,
	{ "interface", required_argument, NULL, 'i' },
	{ "snaplen", required_argument, NULL, 's' },
	{ "buffer-size", required_argument, NULL, 'B' },
	{ "no-promiscuous-mode", no_argument, NULL, 'p' },
	{ "relinquish-privileges", required_argument, NULL, 'Z' },
	{ "write", required_argument, NULL, 'w' },
	{ "file-size", required_argument, NULL, 'C' },
	{ "rotate-seconds", required_argument, NULL, 'G' },
	{ "count", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
	{ "max-ended", required_argument, NULL, OPT_MAX_ENDED },
	{ "zeek-commands", required_argument, NULL, OPT_ZEEK_COMMANDS },
	{ "sensor", required_argument, NULL, OPT_SENSOR },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct live_args {
	struct cli_input io;
	struct live_opts lo;
	enum live_format fmt;
	enum report_format rfmt;	/* LIVE_JSON: which report */
	const char	*zeek_cmds;	/* --zeek-commands */
	const char	*sensor;	/* --sensor */
	const char	*user;		/* -Z */
	uint64_t	 count;		/* -c, 0 for no limit */
	uint64_t	 duration_s;	/* 0 for no limit */
	uint64_t	 stats_s;
	uint64_t	 max_ended;
	char		*expr;		/* owned: the trailing BPF words joined */
};

/* Everything the capture loop touches. */
struct live_run {
	struct live_args *a;
	struct live	*l;
	struct fa_engine *e;
	struct events	*ev;
	struct tui	*tui;
	uint64_t	 start_mono, next_stats;
	struct live_counters counters;	/* for the view, COUNTERS_US old at most */
	uint64_t	 counters_at;
	char		 err[512];	/* why the capture stopped, "" when asked to */
};

static volatile sig_atomic_t usr1_pending;

static void
on_usr1(int sig)
{
	(void)sig;
	usr1_pending = 1;
}

static uint64_t
clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
parse_format(struct live_args *a)
{
	const char *s = a->io.format;

	if (s == NULL)
		a->fmt = isatty(STDOUT_FILENO) && a->io.output == NULL ?
		    LIVE_TUI : LIVE_NDJSON;
	else if (strcmp(s, "tui") == 0)
		a->fmt = LIVE_TUI;
	else if (strcmp(s, "ndjson") == 0)
		a->fmt = LIVE_NDJSON;
	else if (strcmp(s, "json") == 0) {
		a->fmt = LIVE_JSON;
		a->rfmt = REPORT_JSON;
	} else if (strcmp(s, "zeek") == 0 || strcmp(s, "zeek-json") == 0 ||
	    strcmp(s, "eve") == 0) {
		a->fmt = LIVE_JSON;
		a->rfmt = s[0] == 'e' ? REPORT_EVE : s[4] == '\0' ? REPORT_ZEEK :
		    REPORT_ZEEK_JSON;
	} else if (strcmp(s, "html") == 0) {
		/* A page is written once, at the end: nothing to stream. */
		cli_warn("-F html: not for live: capture with -w FILE, then "
		    "ftpaudit analyze -F html FILE");
		return -2;	/* a format live cannot write: exit 1 */
	} else {
		cli_warn("--format: expected tui, ndjson, json, zeek, zeek-json "
		    "or eve, got '%s'", s);
		return -1;
	}
	if (a->fmt == LIVE_TUI && a->io.output != NULL) {
		cli_warn("--output: the tui format draws on the terminal");
		return -1;
	}
	return 0;
}

static void
live_help(FILE *f)
{
	fputs(
"usage: ftpaudit live -i IFACE [options] [BPF EXPRESSION]\n"
"Follow the FTP sessions on a network interface as they happen.\n"
"\n"
"  -i, --interface=IFACE          capture on IFACE\n"
"  -F, --format=FORMAT            tui (default on a terminal), ndjson (else),\n"
"                                 or at the end json, zeek, zeek-json or eve\n"
"      --zeek-commands=LIST       -F zeek, zeek-json: the commands that get\n"
"                                 a row (default Zeek's)\n"
"      --sensor=NAME              -F ndjson: stamp the events with NAME\n"
"  -s, --snaplen=SNAPLEN          bytes kept of each packet\n"
"  -B, --buffer-size=KIB          kernel buffer (default 8192)\n"
"  -p, --no-promiscuous-mode      do not put the interface in promiscuous mode\n"
"  -Z, --relinquish-privileges=USER  become USER once the interface is open\n"
"  -w, --write=FILE               also write the packets to FILE\n"
"  -C, --file-size=MB             rotate FILE as tcpdump, by size\n"
"  -G, --rotate-seconds=SECONDS   ... or by time\n"
"  -c, --count=COUNT              stop after COUNT packets\n"
"      --duration=SECONDS         stop after SECONDS\n"
"      --stats-interval=SECONDS   ndjson stats events (default 5)\n"
"      --max-ended=N              ended sessions the view keeps (default 200)\n"
"  SIGUSR1 writes capture statistics on standard error.\n", f);
	cli_help_input(f, false);
}

/* One live option; 0 done, -1 usage error (said). */
static int
live_option(struct live_args *a, int ch, const char *arg)
{
	uint64_t v;

#define NUM(name, lo, hi, dst) do {					\
	if (cli_number(name, arg, lo, hi, &v) == -1)			\
		return -1;						\
	dst = v;							\
	return 0;							\
} while (0)
	switch (ch) {
	case 'i': a->lo.iface = arg; return 0;
	case 'p': a->lo.promisc = false; return 0;
	case 'Z': a->user = arg; return 0;
	case 'w': a->lo.dump = arg; return 0;
	case 's': NUM("snaplen", 0, 262144, a->lo.snaplen);
	case 'B': NUM("buffer-size", 1, 4194304, a->lo.buffer_kib);
	case 'C': NUM("file-size", 1, 1000000000, a->lo.dump_max_bytes);
	case 'G': NUM("rotate-seconds", 1, 86400 * 366, a->lo.dump_secs);
	case 'c': NUM("count", 1, UINT64_MAX >> 1, a->count);
	case OPT_DURATION: NUM("duration", 1, 86400 * 366, a->duration_s);
	case OPT_STATS_INTERVAL: NUM("stats-interval", 1, 86400, a->stats_s);
	case OPT_MAX_ENDED: NUM("max-ended", 1, 1000000, a->max_ended);
	case OPT_ZEEK_COMMANDS: a->zeek_cmds = arg; return 0;
	case OPT_SENSOR: a->sensor = arg; return 0;
	}
#undef NUM
	cli_warn("live: unknown option");
	return -1;
}

/* 0, 1 for --help, -1 usage error, -2 a format live cannot write (both
 * said). */
static int
parse_args(struct live_args *a, int argc, char **argv)
{
	int ch, rc;

	memset(a, 0, sizeof *a);
	cli_input_init(&a->io);
	a->lo.promisc = true;
	a->lo.buffer_kib = BUFFER_KIB;
	a->stats_s = STATS_SECS;
	a->max_ended = MAX_ENDED;
	optind = 1;
	while ((ch = cli_getopt(argc, argv, CLI_INPUT_SHORTOPTS
	    "i:s:B:pZ:w:C:G:c:h", live_longopts)) != -1) {
		if (ch == 'h')
			return 1;
		if (ch == '?')
			return -1;
		if ((rc = cli_input_option(&a->io, ch, optarg)) == -1)
			return -1;
		if (rc == 1 && live_option(a, ch, optarg) == -1)
			return -1;
	}
	a->lo.dump_max_bytes *= 1000000;	/* -C is in millions of bytes */
	/* The format first: -F html is refused whatever else is missing. */
	if ((rc = parse_format(a)) != 0)
		return rc;
	if (a->lo.iface == NULL) {
		cli_warn("live: no interface given (-i IFACE)");
		return -1;
	}
	/* Trailing words form the filter, as tcpdump takes them. */
	if (optind < argc && (a->expr = cli_join_words(argv + optind,
	    argc - optind)) == NULL) {
		cli_warn("out of memory");
		return -1;
	}
	if (a->expr != NULL && a->io.filter != NULL) {
		cli_warn("live: give the filter with -f or after the options, not both");
		return -1;
	}
	a->lo.filter = a->expr != NULL ? a->expr : a->io.filter;
	return 0;
}

static void
print_stats(struct live_run *r)
{
	struct live_counters lc;

	live_counters(r->l, &lc);
	fprintf(stderr, "ftpaudit: %s: %llu packets received, %llu dropped by the "
	    "kernel, %llu dropped by the interface, %zu sessions open\n",
	    r->a->lo.iface, (unsigned long long)lc.received,
	    (unsigned long long)lc.dropped, (unsigned long long)lc.ifdropped,
	    fa_engine_open_sessions(r->e));
	cli_print_stats(fa_engine_stats(r->e));
}

static void
emit_stats(struct live_run *r, bool final)
{
	struct live_counters lc;

	if (r->ev == NULL)
		return;
	live_counters(r->l, &lc);
	events_stats(r->ev, clock_us(CLOCK_REALTIME), fa_engine_stats(r->e), &lc,
	    fa_engine_open_sessions(r->e), final);
}

/* Clocks: stats events, the TUI redraw, --duration.  false to stop. */
static bool
tick(struct live_run *r)
{
	uint64_t now = clock_us(CLOCK_MONOTONIC);

	if (usr1_pending) {
		usr1_pending = 0;
		print_stats(r);
		/* On the view's terminal the lines land over the screen. */
		if (r->tui != NULL)
			tui_repaint(r->tui);
	}
	if (r->ev != NULL && now >= r->next_stats) {
		emit_stats(r, false);
		r->next_stats = now + r->a->stats_s * 1000000;
	}
	if (r->tui != NULL) {
		if (!tui_keys(r->tui))
			return false;
		/* pcap_stats is a system call: not once a dispatch in a flood. */
		if (now - r->counters_at >= COUNTERS_US) {
			live_counters(r->l, &r->counters);
			r->counters_at = now;
		}
		tui_tick(r->tui, now, fa_engine_stats(r->e), &r->counters,
		    fa_engine_open_sessions(r->e));
	}
	if (r->ev != NULL && events_error(r->ev) == -1) {
		snprintf(r->err, sizeof r->err, "%s: write error",
		    r->a->io.output ? r->a->io.output : "standard output");
		return false;
	}
	return r->a->duration_s == 0 ||
	    now - r->start_mono < r->a->duration_s * 1000000;
}

/* Wait for packets or keys, at most POLL_MS; signals cut it short. */
static void
wait_input(struct live_run *r)
{
	struct pollfd pfd[2];
	nfds_t n = 0;
	int fd = live_fd(r->l);

	if (fd >= 0) {
		pfd[n].fd = fd;
		pfd[n++].events = POLLIN;
	}
	if (r->tui != NULL) {
		pfd[n].fd = STDIN_FILENO;
		pfd[n++].events = POLLIN;
	}
	/* Without a selectable descriptor, poll only sleeps a little. */
	if (poll(pfd, n, fd >= 0 ? POLL_MS : 10) == -1 && errno != EINTR)
		usleep(10000);
}

/* Packets one dispatch may take: what -c leaves, 0 for a buffer's worth. */
static int
dispatch_max(const struct live_run *r, uint64_t seen)
{
	uint64_t left = r->a->count - seen;

	if (r->a->count == 0)
		return 0;
	return left < 65536 ? (int)left : 65536;
}

/* The capture loop: never waits on the screen or the reader. */
static void
run_loop(struct live_run *r)
{
	uint64_t seen = 0;
	int n;

	r->start_mono = clock_us(CLOCK_MONOTONIC);
	while (!cli_stopped() && tick(r)) {
		wait_input(r);
		n = live_dispatch(r->l, r->e, dispatch_max(r, seen), r->err,
		    sizeof r->err);
		if (n == -1)
			return;
		seen += (uint64_t)n;
		if (r->a->count && seen >= r->a->count)
			return;
	}
	/* Asked to stop: what the kernel already holds still counts. */
	if (r->err[0] == '\0')
		live_dispatch(r->l, r->e, dispatch_max(r, seen), r->err, sizeof r->err);
}

static int
setup_outputs(struct live_run *r, FILE *out, struct report **rep)
{
	struct fa_sink sk;
	struct tui_info ti;
	char *cause = NULL;

	if (r->a->fmt == LIVE_NDJSON) {
		if ((r->ev = events_new(out)) == NULL)
			return -1;
		events_set_sensor(r->ev, r->a->sensor);
		events_sink(r->ev, &sk);
	} else if (r->a->fmt == LIVE_JSON) {
		const char *why = NULL;

		if ((*rep = report_new(r->a->rfmt, out, &cause)) == NULL) {
			if (cause != NULL)
				snprintf(r->err, sizeof r->err, "%s", cause);
			free(cause);
			return -1;
		}
		report_write_each(*rep);
		if (report_set_formats(*rep, r->a->zeek_cmds, NULL, &why) == -1) {
			snprintf(r->err, sizeof r->err, "--zeek-commands: %s", why);
			return -1;
		}
		report_sink(*rep, &sk);
	} else {
		ti.iface = r->a->lo.iface;
		ti.filter = r->a->lo.filter;
		ti.max_ended = (uint32_t)r->a->max_ended;
		if ((r->tui = tui_new(&ti, r->err, sizeof r->err)) == NULL)
			return -1;
		tui_sink(r->tui, &sk);
	}
	return fa_engine_add_sink(r->e, &sk);
}

static void
install_signals(void)
{
	struct sigaction sa;

	cli_signals();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

/* After the loop: end open sessions, write what the format writes. */
static int
finish(struct live_run *r, struct report *rep, FILE *out)
{
	int rc = 0;

	if (r->tui != NULL)
		tui_end(r->tui);
	fa_engine_finish(r->e);
	emit_stats(r, true);
	if (r->ev != NULL && events_error(r->ev) == -1 && r->err[0] == '\0')
		snprintf(r->err, sizeof r->err, "write error");
	if (rep != NULL && report_finish(rep, NULL, fa_engine_stats(r->e),
	    &r->a->io.cfg) == -1 && r->err[0] == '\0')
		snprintf(r->err, sizeof r->err, "%s", report_error(rep) ?
		    report_error(rep) : "write error");
	if (out != NULL && out != stdout && fclose(out) == EOF && r->err[0] == '\0')
		snprintf(r->err, sizeof r->err, "%s: write error", r->a->io.output);
	if (r->err[0] != '\0') {
		cli_warn("%s", r->err);
		rc = EXIT_RUNTIME;
	}
	if (cli_verbose)
		print_stats(r);
	return rc;
}

static int
live_main(struct live_args *a)
{
	struct live_run r;
	struct report *rep = NULL;
	FILE *out = NULL;
	int rc = EXIT_RUNTIME;

	memset(&r, 0, sizeof r);
	r.a = a;
	if (live_open(&r.l, &a->lo, r.err, sizeof r.err) == -1 ||
	    (a->user != NULL && live_droproot(a->user, r.err, sizeof r.err) == -1) ||
	    live_dump_open(r.l, r.err, sizeof r.err) == -1) {
		cli_warn("%s", r.err);
		goto done;
	}
	if (a->fmt != LIVE_TUI && (out = cli_open_output(a->io.output)) == NULL)
		goto done;
	/* The reports write each record as it is made (report_write_each),
	 * in one write(2): a pipeline reading a file or a pipe must not wait
	 * for stdio's buffer to fill. */
	if (a->fmt == LIVE_JSON)
		setvbuf(out, NULL, _IONBF, 0);
	if ((r.e = fa_engine_new(&a->io.cfg)) == NULL) {
		cli_warn("out of memory");
		goto done;
	}
	install_signals();
	if (setup_outputs(&r, out, &rep) == -1) {
		cli_warn("%s", r.err[0] ? r.err : "out of memory");
		goto done;
	}
	if (a->fmt != LIVE_TUI && !cli_quiet)
		fprintf(stderr, "ftpaudit: listening on %s%s%s\n", a->lo.iface,
		    a->lo.filter ? ", filter " : "", a->lo.filter ? a->lo.filter : "");
	run_loop(&r);
	rc = finish(&r, rep, out);
	out = NULL;
done:
	if (out != NULL && out != stdout)
		fclose(out);
	tui_free(r.tui);
	events_free(r.ev);
	report_free(rep);
	fa_engine_free(r.e);
	live_close(r.l);
	return rc;
}

int
cmd_live(int argc, char **argv)
{
	struct live_args a;
	int rc;

	if ((rc = parse_args(&a, argc, argv)) != 0) {
		free(a.expr);
		if (rc == 1) {
			live_help(stdout);
			return 0;
		}
		return rc == -2 ? EXIT_RUNTIME : EXIT_USAGE;
	}
	rc = live_main(&a);
	free(a.expr);
	return rc;
}
