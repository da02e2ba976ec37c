/* SPDX-License-Identifier: ISC */
/* main.c: the command line.  Parses options, wires capture, engine and
 * sinks together, and is the only place that prints errors or exits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ftpaudit/addr.h"
#include "ftpaudit/fmt.h"
#include "ftpaudit/report.h"
#include "ftpaudit/tw.h"
#include "cli.h"
#include "cmd.h"

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
} commands[] = {
	{ "analyze", cmd_analyze },
	{ "rules", cmd_rules },
	{ "live", cmd_live },
	{ "audit", cmd_audit },
};

/* A word that names a capture rather than a command. */
static bool
capture_like(const char *w)
{
	static const char *const ext[] = { ".pcap", ".pcapng", ".cap", ".gz" };
	size_t i, len = strlen(w), el;
	struct stat sb;

	if (strcmp(w, "-") == 0)
		return true;
	for (i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		el = strlen(ext[i]);
		if (len > el && strcasecmp(w + len - el, ext[i]) == 0)
			return true;
	}
	return w[0] != '-' && stat(w, &sb) == 0 && (S_ISREG(sb.st_mode) ||
	    S_ISFIFO(sb.st_mode));
}

/* A word as the shell takes it back: quoted unless plain; a control
 * byte as bash's $'\xHH', never raw on the terminal, and the line stays
 * one line. */
static void
put_word(const char *w)
{
	const unsigned char *p;
	bool ctl = false;

	if (*w != '\0' && strspn(w, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,@%+-") == strlen(w)) {
		fputs(w, stderr);
		return;
	}
	for (p = (const unsigned char *)w; *p != '\0'; p++)
		ctl |= *p < 0x20 || *p == 0x7f;
	fputs(ctl ? "$'" : "'", stderr);
	for (p = (const unsigned char *)w; *p != '\0'; p++) {
		if (ctl && (*p < 0x20 || *p == 0x7f || *p == '\\' || *p == '\''))
			fprintf(stderr, "\\x%02x", *p);
		else if (!ctl && *p == '\'')
			fputs("'\\''", stderr);
		else
			fputc(*p, stderr);
	}
	fputc('\'', stderr);
}

/* One line: the command line with cmd in front of the words from
 * argv[from], and exit 2. */
static int
did_you_mean(const char *unknown, const char *cmd, int argc, char **argv,
    int from)
{
	struct tw w;
	int i;

	fputs("ftpaudit: ", stderr);
	if (unknown != NULL) {
		fputs("unknown command '", stderr);
		tw_init(&w, stderr);
		tw_wire(&w, (const uint8_t *)unknown, strlen(unknown));
		tw_flush(&w);
		fputs("'; ", stderr);
	}
	fprintf(stderr, "did you mean: ftpaudit %s", cmd);
	for (i = from; i < argc; i++) {
		fputc(' ', stderr);
		put_word(argv[i]);
	}
	fputc('\n', stderr);
	return EXIT_USAGE;
}

/* What the first word was, when it is no command. */
static int
not_a_command(int argc, char **argv)
{
	const char *w = argv[1];
	char *shown;
	size_t i, best = 0;
	int d, bestd = 3, k;

	if (capture_like(w))
		return did_you_mean(NULL, "analyze", argc, argv, 1);
	if (w[0] == '-') {
		/* Options and then a capture: analyze's, as in tcpdump. */
		for (k = 2; k < argc; k++)
			if (capture_like(argv[k]))
				return did_you_mean(NULL, "analyze", argc, argv, 1);
		shown = sanitize((const uint8_t *)w, strlen(w));
		cli_warn("unknown option '%s' (a command comes first: analyze, "
		    "rules, live or audit)", shown ? shown : "?");
		free(shown);
		cli_usage_hint();
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		d = cli_close(w, commands[i].name) ? cli_distance(w,
		    commands[i].name) : 3;
		if (strlen(w) >= 2 && strncmp(w, commands[i].name,
		    strlen(w)) == 0)
			d = 1;
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	if (bestd <= 2)
		return did_you_mean(w, commands[best].name, argc, argv, 2);
	shown = sanitize((const uint8_t *)w, strlen(w));
	cli_warn("unknown command '%s' (analyze, rules, live or audit)",
	    shown ? shown : "?");
	free(shown);
	cli_usage_hint();
	return EXIT_USAGE;
}

/* The command argv[1], with its arguments after it. */
static int
run(int argc, char **argv)
{
	static char name[64];
	size_t i;
	int rc;

	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0) {
			cli_command = commands[i].name;
			snprintf(name, sizeof name, "ftpaudit %s", argv[1]);
			argv[1] = name;
			/* Every usage error: its one line, then the hint. */
			if ((rc = commands[i].fn(argc - 1, argv + 1)) ==
			    EXIT_USAGE)
				cli_usage_hint();
			return rc;
		}
	return not_a_command(argc, argv);
}

int
main(int argc, char **argv)
{
	static char help[] = "--help";
	char *v[4];

	cli_signals();
	fa_hash_key_random();
	if (argc < 2) {
		cli_warn("no command given (analyze, rules, live or audit)");
		cli_usage_hint();
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    (strcmp(argv[1], "help") == 0 && argc == 2)) {
		cli_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("ftpaudit %s\n", PACKAGE_VERSION);
		return 0;
	}
	/* git's habit: "ftpaudit help rules" is "ftpaudit rules --help". */
	if (strcmp(argv[1], "help") == 0 && argc == 3) {
		v[0] = argv[0];
		v[1] = argv[2];
		v[2] = help;
		v[3] = NULL;
		return run(3, v);
	}
	return run(argc, argv);
}
