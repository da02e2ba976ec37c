/* SPDX-License-Identifier: ISC */
/* cmd.h: the subcommands; each returns the process exit status. */
#ifndef FTPAUDIT_CMD_H
#define FTPAUDIT_CMD_H

#include <stdio.h>

#include "ftpaudit/rules.h"
#include "cli.h"

int	cmd_analyze(int argc, char **argv);
int	cmd_audit(int argc, char **argv);
int	cmd_live(int argc, char **argv);
int	cmd_rules(int argc, char **argv);

/* cmd_rules.c: the options analyze shares with rules, and the sink that
 * feeds ended sessions to the recommendation. */
enum { OPT_SIDE = OPT_CMD_BASE, OPT_STRATEGY, OPT_PEERS, OPT_NFT_CHAIN,
	OPT_TRUST, OPT_STANDALONE, OPT_ALLOW_EMPTY, OPT_DNAT, OPT_MASQUERADE,
	OPT_RECORDS, OPT_AGGREGATE };
#define RULES_LONGOPTS \
	{ "side", required_argument, NULL, OPT_SIDE },		\
	{ "strategy", required_argument, NULL, OPT_STRATEGY },	\
	{ "peers", required_argument, NULL, OPT_PEERS },	\
	{ "trust", required_argument, NULL, OPT_TRUST }

struct rules_feed {
	struct rules	*r;		/* borrowed */
	bool		 oom;
	/* With keep, the openings of the last session added (owned), for
	 * the report that prints it next: worked out once, not twice.
	 * Known by the session's id, unique in a run (not its address,
	 * which a later session may have once it is freed). */
	bool		 keep;
	bool		 kept;
	uint64_t	 kept_id;
	struct rules_opening *v;
	size_t		 n;
};
/* The lines of --help about RULES_LONGOPTS. */
void	rules_help_shared(FILE *);
/* 0 when ch was one of RULES_LONGOPTS, 1 when not, -1 usage error (said). */
int	rules_cli_option(struct rules_opts *, int ch, const char *arg);
/* Add it before any sink that prints sessions: ids are then known. */
void	rules_feed_sink(struct rules_feed *, struct fa_sink *);

#endif
