/* main.c: the command line.  Parses options, wires capture, engine and
 * sinks together, and is the only place that prints errors or exits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/report.h"
#include "cli.h"
#include "cmd.h"

void
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
	cli_warn("unknown command '%s'", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
