/* SPDX-License-Identifier: ISC */
/* cli.h: what the subcommands (analyze, rules, live, audit) share: the
 * capture-reading options, the read loop, messages and exit codes. */
#ifndef FTPAUDIT_CLI_H
#define FTPAUDIT_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "ftpaudit/capture.h"
#include "ftpaudit/engine.h"

#define EXIT_RUNTIME	1
#define EXIT_USAGE	2

enum {
	OPT_TLS_PORTS = 256, OPT_SHOW_PASSWORDS, OPT_VERIFY, OPT_NO_DETECT,
	OPT_MAX_CONNS, OPT_IDLE, OPT_EXPECT_TIMEOUT, OPT_REASM, OPT_REASM_TOTAL,
	OPT_MAX_LINE, OPT_MAX_CMDS, OPT_MAX_XFERS, OPT_MAX_EXPECT, OPT_BRUTE,
	OPT_NAT_CAP,
	OPT_SESSION, OPT_HOST, OPT_SERVER, OPT_CLIENT, OPT_ANOMALOUS,
	OPT_CMD_BASE = 512,	/* subcommands number their own options from here */
};

/* getopt_long entries of the input options; splice into a command's table. */
#define CLI_INPUT_SHORTOPTS	"F:o:f:P:qv"
#define CLI_INPUT_LONGOPTS \
	{ "format", required_argument, NULL, 'F' },			\
	{ "output", required_argument, NULL, 'o' },			\
	{ "filter", required_argument, NULL, 'f' },			\
	{ "ports", required_argument, NULL, 'P' },			\
	{ "tls-ports", required_argument, NULL, OPT_TLS_PORTS },	\
	{ "no-detect", no_argument, NULL, OPT_NO_DETECT },		\
	{ "show-passwords", no_argument, NULL, OPT_SHOW_PASSWORDS },	\
	{ "verify-checksums", no_argument, NULL, OPT_VERIFY },		\
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNS },	\
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },		\
	{ "expect-timeout", required_argument, NULL, OPT_EXPECT_TIMEOUT }, \
	{ "reasm-cap", required_argument, NULL, OPT_REASM },		\
	{ "reasm-total-cap", required_argument, NULL, OPT_REASM_TOTAL }, \
	{ "max-line", required_argument, NULL, OPT_MAX_LINE },		\
	{ "max-commands", required_argument, NULL, OPT_MAX_CMDS },	\
	{ "max-transfers", required_argument, NULL, OPT_MAX_XFERS },	\
	{ "max-expectations", required_argument, NULL, OPT_MAX_EXPECT }, \
	{ "bruteforce-threshold", required_argument, NULL, OPT_BRUTE },	\
	{ "nat-cap", required_argument, NULL, OPT_NAT_CAP },		\
	{ "quiet", no_argument, NULL, 'q' },				\
	{ "verbose", no_argument, NULL, 'v' }
/* The selection, for the commands that read captures (not live, which
 * shows sessions as they go). */
#define CLI_SELECT_LONGOPTS \
	{ "session", required_argument, NULL, OPT_SESSION },		\
	{ "host", required_argument, NULL, OPT_HOST },			\
	{ "server", required_argument, NULL, OPT_SERVER },		\
	{ "client", required_argument, NULL, OPT_CLIENT },		\
	{ "anomalous", no_argument, NULL, OPT_ANOMALOUS }

#define CLI_READS_MAX	256	/* -r files; more are given as operands */

struct cli_input {
	struct fa_config cfg;
	const char	*filter;
	const char	*output;	/* NULL or "-": standard output */
	const char	*format;	/* as given, NULL when not */
	/* -r FILE, again for more (borrowed from argv); with them the
	 * words after the options are the filter, joined in expr (owned,
	 * cli_input_free).  cli_input_captures() sorts that out. */
	char		*reads[CLI_READS_MAX];
	size_t		 nreads;
	char		*expr;
};

extern int cli_quiet, cli_verbose;

void	 cli_input_init(struct cli_input *);
/* 0 when ch was an input option, 1 when it was not, -1 usage error (said). */
int	 cli_input_option(struct cli_input *, int ch, const char *arg);
/* A number option in [min, max], or -1 with the error said. */
int	 cli_number(const char *opt, const char *s, uint64_t min, uint64_t max,
	    uint64_t *out);
void	 cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Open the captures; -1 with the error said. */
int	 cli_open_captures(struct capture **, char *const *paths, size_t n,
	    const char *filter);
/* Output file or stdout; NULL with the error said. */
FILE	*cli_open_output(const char *path);
/* Install SIGINT/SIGTERM handlers that stop reading. */
void	 cli_signals(void);
/* Set by them, on any thread: read it with cli_stopped(). */
extern volatile sig_atomic_t cli_interrupted;
bool	 cli_stopped(void);
/* Feed every packet to the engine, warn about truncated inputs, finish.
 * The sinks run on the reader's thread or the engine's, whichever has time
 * (sinkq.c): what they build may be read once cli_run returns. */
void	 cli_run(struct fa_engine *, struct capture *, const struct fa_sink *,
	    int nsinks);
void	 cli_print_stats(const struct fa_stats *);

/*
 * The selection (--session, --host, --server, --client, --anomalous;
 * select.h; CLI_SELECT_LONGOPTS: analyze, rules and audit).
 * cli_selection: NULL when none
 * was given.  cli_select_wrap: with one, *sink replaced by a stage in
 * front of it (*st, to free after cli_run); -1 out of memory.
 * cli_selected: whether a session read from records is kept.  A bad
 * value is an error of exit status 1, as ftpaudit(1) says:
 * cli_usage_status() is the status of the last usage error.
 */
struct selection;
struct select_stage;
struct selection *cli_selection(void);
int	 cli_select_wrap(struct fa_sink *sink, struct select_stage **st);
bool	 cli_selected(const struct fa_session *);
int	 cli_usage_status(void);

/*
 * Command-line habits (tcpdump's -r, one-line usage errors, --help per
 * subcommand).  The short options of the commands that read captures
 * (analyze, rules, audit), besides CLI_INPUT_SHORTOPTS.
 */
#define CLI_READ_SHORTOPTS	"r:"
/* The subcommand run ("analyze"), for messages; set by main(). */
extern const char *cli_command;
/* getopt_long, that on an error writes one line naming the option and
 * returns '?'. */
int	 cli_getopt(int argc, char **argv, const char *shortopts,
	    const struct option *longopts);
/* The captures to read: -r's, else the words after the options (argv
 * from optind); with -r, those words are the filter, as in tcpdump.
 * -1 usage error (said).  *paths is borrowed from io or argv. */
int	 cli_input_captures(struct cli_input *, int argc, char **argv,
	    char ***paths, size_t *n);
void	 cli_input_free(struct cli_input *);
/* Words joined by spaces, as tcpdump joins a filter's (owned by the
 * caller); NULL when out of memory. */
char	*cli_join_words(char **w, int n);
/* The part of a subcommand's --help about the input options (read: the
 * command reads captures, with -r), the limits and the messages. */
void	 cli_help_input(FILE *, bool read);
/* Edit distance of two words, 3 for 3 or more: "did you mean". */
int	 cli_distance(const char *, const char *);
/* Whether a typed word is a typo of name: a suggestion is worth it. */
bool	 cli_close(const char *typed, const char *name);
/* The global usage: the commands, each with its --help. */
void	 cli_usage(FILE *);
/* The second line of every usage error. */
void	 cli_usage_hint(void);

#endif
