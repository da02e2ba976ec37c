/* SPDX-License-Identifier: ISC */
/* cmd_rules.c: `ftpaudit rules`: captures in, the firewall rules that FTP
 * service needed out, as JSON, text, nft or iptables-restore input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/jw.h"
#include "ftpaudit/records.h"
#include "ftpaudit/rules.h"
#include "ftpaudit/select.h"
#include "cli.h"
#include "cmd.h"
#include "html.h"

enum rules_format { RF_JSON, RF_TEXT, RF_NFT, RF_IPT, RF_IP6T, RF_AWSSG,
	RF_FIREWALLD, RF_HTML };

static const struct option rules_longopts[] = {
	CLI_INPUT_LONGOPTS,
	CLI_SELECT_LONGOPTS,
	RULES_LONGOPTS,
	{ "nft-chain", optional_argument, NULL, OPT_NFT_CHAIN },
	{ "standalone", no_argument, NULL, OPT_STANDALONE },
	{ "allow-empty", no_argument, NULL, OPT_ALLOW_EMPTY },
	{ "dnat", required_argument, NULL, OPT_DNAT },
	{ "masquerade", required_argument, NULL, OPT_MASQUERADE },
	{ "records", no_argument, NULL, OPT_RECORDS },
	{ "aggregate", required_argument, NULL, OPT_AGGREGATE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int
rules_cli_option(struct rules_opts *o, int ch, const char *arg)
{
	int rc;

	switch (ch) {
	case OPT_SIDE:
		if ((rc = rules_side_parse(arg, &o->side)) == -1)
			cli_warn("--side: expected server, client or gateway, "
			    "got '%s'", arg);
		return rc;
	case OPT_STRATEGY:
		if ((rc = rules_strategy_parse(arg, &o->strategy)) == -1)
			cli_warn("--strategy: expected static or helper, got '%s'",
			    arg);
		return rc;
	case OPT_PEERS:
		if ((rc = rules_peers_parse(arg, &o->peers)) == -1)
			cli_warn("--peers: expected observed or any, got '%s'", arg);
		return rc;
	case OPT_TRUST:
		if ((rc = rules_trust_parse(arg, &o->trust)) == -1)
			cli_warn("--trust: expected vetted or all, got '%s'", arg);
		return rc;
	}
	return 1;
}

void
rules_help_shared(FILE *f)
{
	fputs(
"      --side=server|client|gateway  whose firewall (default server)\n"
"      --strategy=static|helper   port rules (default), or the ftp conntrack\n"
"                                 helper\n"
"      --peers=observed|any       remote addresses as seen (default), or any\n"
"      --trust=vetted|all         legitimate negotiations only (default), or\n"
"                                 all\n", f);
}

static void
rules_help(FILE *f)
{
	fputs(
"usage: ftpaudit rules [options] CAPTURE...\n"
"       ftpaudit rules [options] -r CAPTURE [-r CAPTURE]... [BPF EXPRESSION]\n"
"       ftpaudit rules --records [options] RECORDS...\n"
"The firewall rules the FTP traffic of the captures needed.\n"
"\n"
"  -F, --format=FORMAT            json (default), text, nft, iptables,\n"
"                                 ip6tables, aws-sg, firewalld or html\n", f);
	rules_help_shared(f);
	fputs(
"      --aggregate=exact|/N|none  addresses merged into the fewest prefixes\n"
"                                 (default), widened to /N (/N,/M: IPv6 /M),\n"
"                                 or one by one\n"
"      --nft-chain[=TABLE]        -F nft: regular chains in TABLE (inet filter)\n"
"      --standalone               -F nft, iptables: a complete default-drop\n"
"                                 firewall\n"
"      --allow-empty              write the rules even with nothing to\n"
"                                 recommend\n"
"      --dnat=PUBLIC[:PORT]=INSIDE[:PORT]  --side=gateway: a port forward\n"
"      --masquerade=NET           --side=gateway: masqueraded IPv4 clients\n"
"      --records                  the operands are -F ndjson session records\n"
"                                 (- stdin), not captures\n", f);
	cli_help_input(f, true);
}

static void
feed_session_end(void *arg, struct fa_session *s)
{
	struct rules_feed *fd = arg;

	if (!fd->keep) {
		if (rules_add_session(fd->r, s) == -1)
			fd->oom = true;
		return;
	}
	free(fd->v);
	fd->kept = false;
	if (rules_add_openings(fd->r, s, &fd->v, &fd->n) == -1)
		fd->oom = true;
	else {
		fd->kept = true;
		fd->kept_id = s->id;
	}
}

void
rules_feed_sink(struct rules_feed *fd, struct fa_sink *sink)
{
	memset(sink, 0, sizeof *sink);
	sink->session_end = feed_session_end;
	sink->arg = fd;
}

static int
parse_format(const char *s, enum rules_format *fmt)
{
	static const char *const names[] = { "json", "text", "nft", "iptables",
		"ip6tables", "aws-sg", "firewalld", "html" };
	size_t i;

	if (s == NULL) {
		*fmt = RF_JSON;
		return 0;
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0) {
			*fmt = (enum rules_format)i;
			return 0;
		}
	cli_warn("--format: expected json, text, nft, iptables, ip6tables, "
	    "aws-sg, firewalld or html, "
	    "got '%s'", s);
	return -1;
}

static int
render(const struct rules *r, enum rules_format fmt, const char *chain_table,
    FILE *out)
{
	struct jw w;
	int rc;

	switch (fmt) {
	case RF_TEXT:
		return rules_text(r, out);
	case RF_HTML:
		return rules_html(r, out);
	case RF_NFT:
		return rules_nft(r, out, chain_table);
	case RF_IPT:
		return rules_ipt(r, out, FA_AF_INET);
	case RF_IP6T:
		return rules_ipt(r, out, FA_AF_INET6);
	case RF_AWSSG:
		if (rules_options(r)->strategy == RULES_HELPER)
			cli_warn("aws-sg: security groups have no FTP helper: "
			    "the observed ranges of the static strategy instead");
		if (rules_awssg_other(r) > 0)
			cli_warn("aws-sg: %zu active-data rules need the other "
			    "direction of the security group: not in this document",
			    rules_awssg_other(r));
		if (rules_options(r)->selection != NULL)
			cli_warn("aws-sg: the evidence is %llu selected of %llu "
			    "sessions: not said in this document",
			    (unsigned long long)rules_options(r)->selection->taken,
			    (unsigned long long)rules_options(r)->selection->seen);
		return rules_awssg(r, out);
	case RF_FIREWALLD:
		return rules_firewalld(r, out);
	case RF_JSON:
		break;
	}
	jw_init(&w, true);
	rc = rules_write(&w, r, out);
	jw_text(&w, "\n", 1);
	if (jw_flush(&w, out) == -1)
		rc = -1;
	jw_free(&w);
	return rc;
}

/* What the command line asks besides the input and rules options. */
struct rules_args {
	const char	*chain_table;	/* --nft-chain, NULL when not given */
	bool		 allow_empty;
	bool		 records;	/* the operands are -F ndjson records */
};

/* --dnat PUBLIC[:PORT]=INSIDE[:PORT], --masquerade NET: 0 or -1 (said). */
static int
nat_option(struct rules_opts *ro, int ch, const char *arg)
{
	if ((ch == OPT_DNAT ? ro->ndnat : ro->nmasq) >= RULES_NAT_GIVEN_MAX) {
		cli_warn("--%s: at most %d", ch == OPT_DNAT ? "dnat" :
		    "masquerade", RULES_NAT_GIVEN_MAX);
		return -1;
	}
	if (ch == OPT_DNAT) {
		if (rules_dnat_parse(arg, &ro->dnat[ro->ndnat]) == -1) {
			cli_warn("--dnat: expected PUBLIC[:PORT]=INSIDE[:PORT] "
			    "(IPv4: IPv6 stays without NAT), got '%s'", arg);
			return -1;
		}
		ro->ndnat++;
		return 0;
	}
	if (rules_net_parse(arg, &ro->masq[ro->nmasq]) == -1) {
		cli_warn("--masquerade: expected an IPv4 ADDRESS[/LEN] (IPv6 "
		    "stays without NAT), got '%s'", arg);
		return -1;
	}
	ro->nmasq++;
	return 0;
}

/* Options into io, ro and *a; -1 usage error, -2 bad value (said), 1 help
 * shown. */
static int
parse_args(int argc, char **argv, struct cli_input *io, struct rules_opts *ro,
    struct rules_args *a)
{
	int ch, rc;

	optind = 1;
	while ((ch = cli_getopt(argc, argv, CLI_INPUT_SHORTOPTS
	    CLI_READ_SHORTOPTS "h", rules_longopts)) != -1) {
		if (ch == 'h') {
			rules_help(stdout);
			return 1;
		}
		if (ch == OPT_NFT_CHAIN) {
			a->chain_table = optarg ? optarg : "inet filter";
			continue;
		}
		if (ch == OPT_DNAT || ch == OPT_MASQUERADE) {
			if (nat_option(ro, ch, optarg) == -1)
				return -1;
			continue;
		}
		if (ch == OPT_RECORDS) {
			a->records = true;
			continue;
		}
		if (ch == OPT_AGGREGATE) {
			/* A prefix length the addresses cannot take: a bad
			 * value, exit 1 and one line (ftpaudit(1)). */
			if (rules_aggregate_parse(optarg, ro) == -1) {
				cli_warn("--aggregate: expected exact, none, /N (IPv4, "
				    "0-32) or /N,/M (M: IPv6, 0-128), got '%s'",
				    optarg);
				return -2;
			}
			continue;
		}
		if (ch == OPT_STANDALONE || ch == OPT_ALLOW_EMPTY) {
			if (ch == OPT_STANDALONE)
				ro->standalone = true;
			else
				a->allow_empty = true;
			continue;
		}
		if (ch == '?' || (rc = rules_cli_option(ro, ch, optarg)) == -1)
			return -1;
		if (rc == 1 && cli_input_option(io, ch, optarg) != 0)
			return -1;
	}
	/* The helper is taken to be assigned to the FTP control ports. */
	ro->helper_ports = io->cfg.ports;
	return 0;
}

/*
 * Options that cannot apply to the format, and a --nft-chain table nft
 * would not take: one line, 0 or -1.  These are errors (exit 1), not
 * ignored: a firewall file that silently is not what was asked for is
 * worse than none.
 */
static int
check_args(enum rules_format fmt, const struct rules_opts *ro,
    const struct rules_args *a)
{
	static const char *const names[] = { "json", "text", "nft", "iptables",
		"ip6tables", "aws-sg", "firewalld", "html" };
	const char *name;
	char fam[16];

	if (a->chain_table != NULL && fmt != RF_NFT) {
		cli_warn("--nft-chain: applies to -F nft only, not -F %s",
		    names[fmt]);
		return -1;
	}
	if (ro->standalone && fmt != RF_NFT && fmt != RF_IPT && fmt != RF_IP6T) {
		cli_warn("--standalone: applies to -F nft, iptables and ip6tables "
		    "only, not -F %s", names[fmt]);
		return -1;
	}
	if (fmt == RF_AWSSG && ro->side == RULES_GATEWAY) {
		cli_warn("-F aws-sg: security groups are per instance, not a "
		    "gateway: use --side server for the server behind it, "
		    "--side client for its clients");
		return -1;
	}
	if (ro->standalone && a->chain_table != NULL) {
		cli_warn("--standalone and --nft-chain: a complete firewall or "
		    "chains for an existing table, not both");
		return -1;
	}
	if ((ro->ndnat > 0 || ro->nmasq > 0) && ro->side != RULES_GATEWAY) {
		cli_warn("--dnat, --masquerade: apply to --side gateway only");
		return -1;
	}
	if (a->chain_table == NULL)
		return 0;
	switch (rules_nft_table_parse(a->chain_table, fam, sizeof fam, &name)) {
	case -1:
		cli_warn("--nft-chain: '%s': expected [FAMILY] TABLE with FAMILY "
		    "inet, ip or ip6", a->chain_table);
		return -1;
	case -2:
		cli_warn("--nft-chain: '%s': a table name is a letter, '_' or "
		    "'.' then letters, digits, '/', '-', '_' or '.'",
		    a->chain_table);
		return -1;
	}
	if (strcmp(fam, "inet") != 0 && strcmp(fam, "ip") != 0 &&
	    strcmp(fam, "ip6") != 0) {
		cli_warn("--nft-chain: '%s': a table of family %s cannot hold "
		    "TCP and conntrack rules for IP (use inet, ip or ip6)",
		    a->chain_table, fam);
		return -1;
	}
	return 0;
}

static int
feed_record(void *arg, struct fa_session *s)
{
	struct rules_feed *fd = arg;

	if (cli_selected(s))
		feed_session_end(fd, s);
	return fd->oom ? -1 : 0;
}

/* Sessions from records, not captures: 0, or -1 said. */
static int
run_records(char **files, size_t n, struct rules *r)
{
	struct rules_feed fd = { r, false, false, false, 0, NULL, 0 };
	char err[512];

	if (records_read(files, n, feed_record, &fd, err, sizeof err) == -1) {
		cli_warn("%s", err);
		return -1;
	}
	if (rules_finish(r) == -1) {
		cli_warn("out of memory");
		return -1;
	}
	return 0;
}

static int
run(struct cli_input *io, struct capture *cap, struct rules *r)
{
	struct fa_engine *e;
	struct rules_feed fd = { r, false, false, false, 0, NULL, 0 };
	struct fa_sink sink;
	struct select_stage *st;

	if ((e = fa_engine_new(&io->cfg)) == NULL)
		return -1;
	rules_feed_sink(&fd, &sink);
	if (cli_select_wrap(&sink, &st) == -1) {
		fa_engine_free(e);
		return -1;
	}
	cli_signals();
	cli_run(e, cap, &sink, 1);
	if (cli_verbose)
		cli_print_stats(fa_engine_stats(e));
	select_stage_free(st);
	fa_engine_free(e);
	return fd.oom || rules_finish(r) == -1 ? -1 : 0;
}

int
cmd_rules(int argc, char **argv)
{
	struct cli_input io;
	struct rules_opts ro;
	enum rules_format fmt;
	struct capture *cap = NULL;
	struct rules *r = NULL;
	struct rules_args a = { NULL, false, false };
	char sum[RULES_SUMMARYLEN];
	FILE *out = NULL;
	char **paths;
	size_t npaths;
	int rc = EXIT_RUNTIME;

	cli_input_init(&io);
	rules_opts_defaults(&ro);
	if ((rc = parse_args(argc, argv, &io, &ro, &a)) != 0)
		return rc == 1 ? 0 : rc == -2 ? EXIT_RUNTIME : cli_usage_status();
	ro.selection = cli_selection();
	rc = EXIT_RUNTIME;
	if (parse_format(io.format, &fmt) == -1)
		return EXIT_USAGE;
	if (check_args(fmt, &ro, &a) == -1)
		return EXIT_RUNTIME;
	if (cli_input_captures(&io, argc, argv, &paths, &npaths) == -1)
		return EXIT_USAGE;
	if (a.records && io.filter != NULL) {
		cli_warn("rules: --records: no filter (records are not packets)");
		rc = EXIT_USAGE;
		goto done;
	}
	if (a.records) {
		if ((r = rules_new(&ro)) == NULL)
			cli_warn("out of memory");
		if (r == NULL || run_records(paths, npaths, r) == -1)
			goto done;
	} else if (cli_open_captures(&cap, paths, npaths, io.filter) == -1)
		goto done;
	else if ((r = rules_new(&ro)) == NULL || run(&io, cap, r) == -1) {
		cli_warn("out of memory");
		goto done;
	}
	if (rules_empty(r) && !a.allow_empty) {
		if (rules_nsessions(r) == 0 && ro.selection != NULL)
			cli_warn("%s: nothing to recommend: none of %llu FTP "
			    "sessions selected (--allow-empty writes the rules "
			    "anyway)", paths[0],
			    (unsigned long long)ro.selection->seen);
		else if (rules_nsessions(r) == 0)
			cli_warn("%s: nothing to recommend: no FTP session "
			    "(--allow-empty writes the rules anyway)", paths[0]);
		else
			cli_warn("%s: nothing to recommend: none of %zu FTP "
			    "sessions logged in; excluded transfers: %s "
			    "(--allow-empty writes the rules anyway)", paths[0],
			    rules_nsessions(r), rules_excluded_summary(r, sum,
			    sizeof sum));
		goto done;
	}
	if ((out = cli_open_output(io.output)) == NULL)
		goto done;
	if (render(r, fmt, a.chain_table, out) == -1) {
		cli_warn("%s: write error", io.output ? io.output : "standard output");
		goto done;
	}
	rc = 0;
done:
	cli_input_free(&io);
	rules_free(r);
	capture_close(cap);
	if (out != NULL && out != stdout && fclose(out) == EOF && rc == 0) {
		cli_warn("%s: write error", io.output);
		rc = EXIT_RUNTIME;
	}
	return rc;
}
