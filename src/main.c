/* SPDX-License-Identifier: ISC */
/* main.c: the command line.  Parses options, wires capture, engine and
 * sinks together, and is the only place that prints errors or exits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/addr.h"
#include "ftpaudit/report.h"
#include "cli.h"
#include "cmd.h"

void
usage(FILE *f)
{
	fputs(
"usage: ftpaudit analyze [options] CAPTURE...\n"
"       ftpaudit rules [options] CAPTURE...\n"
"       ftpaudit live -i IFACE [options] [BPF EXPRESSION]\n"
"       ftpaudit audit --ruleset=FILE [options] CAPTURE...\n"
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
"          --bruteforce-threshold=N --nat-cap=N\n"
"      --side=server|client|gateway  whose firewall (default server)\n"
"      --strategy=static|helper   port rules, or the ftp conntrack helper\n"
"      --peers=observed|any       remote addresses as seen, or any\n"
"      --trust=vetted|all         legitimate negotiations only (default), or all\n"
"rules options: the above, and\n"
"  -F, --format=json|text|nft|iptables|ip6tables|aws-sg|firewalld\n"
"                                 (default json)\n"
"      --nft-chain[=TABLE]        nft: regular chains in TABLE (inet filter)\n"
"      --standalone               nft/iptables: a complete default-drop firewall\n"
"      --allow-empty              write the rules even with nothing to recommend\n"
"      --dnat=PUBLIC[:PORT]=INSIDE[:PORT]  --masquerade=NET  (gateway, IPv4)\n"
"                                 NAT the captures did not show, to add\n"
"      --records                  rules, audit: the operands are -F ndjson\n"
"                                 records (- stdin), not captures\n"
"      --sensor=NAME              analyze, live -F ndjson: stamp the records\n"
"  -q, --quiet   no progress line, no warnings     -v, --verbose  statistics on stderr\n"
"  -h, --help    this text                         -V, --version\n"
"\n"
"live options (and -o -f -P --tls-ports --show-passwords and the limits above):\n"
"  -i, --interface=IFACE          capture on IFACE\n"
"  -F, --format=tui|ndjson|json   view, event stream or report at the end\n"
"                                 (default tui on a terminal, else ndjson)\n"
"  -s SNAPLEN  -B KIB (buffer, default 8192)  -p (not promiscuous)  -Z USER\n"
"                                 (become USER once the interface is open)\n"
"  -w FILE (also write packets)  -C MB  -G SECONDS (rotate FILE as tcpdump)\n"
"  -c COUNT, --duration=SECONDS   stop after COUNT packets or SECONDS\n"
"      --stats-interval=SECONDS   ndjson stats events (default 5)\n"
"      --max-ended=N              ended sessions the view keeps (default 200)\n"
"  SIGUSR1 prints capture statistics on stderr.\n"
"\n"
"audit options (and the analyze input options):\n"
"      --ruleset=FILE             nft -j list ruleset, or iptables-save output;\n"
"                                 again for more (rules.v4 and rules.v6)\n"
"      --ruleset-format=auto|nft-json|iptables-save  (default auto)\n"
"      --side=server|client|gateway  whose firewall (default server)\n"
"  -F, --format=text|json|nft|iptables|ip6tables  report (default text),\n"
"                                 or the fixes as nft -f or iptables-restore\n"
"                                 --noflush input\n"
"      --all-unused               unused rules off the FTP surface too\n"
"      --trust=vetted|all         which transfers count, as for rules\n"
"      --no-fail                  exit 0 even when flows are denied (else 3)\n"
"      --iface=NAME | --iface=CLIENT_SIDE,SERVER_SIDE (gateway)\n"
"                                 interface names, for iif/oif rules\n"
"See ftpaudit(1).\n", f);
}

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
} commands[] = {
	{ "analyze", cmd_analyze },
	{ "rules", cmd_rules },
	{ "live", cmd_live },
	{ "audit", cmd_audit },
};

int
main(int argc, char **argv)
{
	static char name[64];
	size_t i;

	cli_signals();
	fa_hash_key_random();
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
		if (strcmp(argv[1], commands[i].name) == 0) {
			/* getopt names argv[0] in its messages. */
			snprintf(name, sizeof name, "ftpaudit %s", argv[1]);
			argv[1] = name;
			return commands[i].fn(argc - 1, argv + 1);
		}
	cli_warn("unknown command '%s'", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
