/* SPDX-License-Identifier: ISC */
/* select.h: which sessions a command reports or takes as evidence
 * (--session, --host, --server, --client, --anomalous), and the stage
 * between the engine's ended sessions and the sinks that drops the rest. */
#ifndef FTPAUDIT_SELECT_H
#define FTPAUDIT_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ftpaudit/engine.h"

/* An address and how many of its leading bits must match. */
struct select_net {
	struct fa_addr	 addr;		/* host bits cleared */
	uint8_t		 plen;
};

/* Session ids first..last, both included. */
struct select_range {
	uint64_t	 first, last;
};

enum select_kind { SELECT_HOST, SELECT_SERVER, SELECT_CLIENT, SELECT_NKINDS };

/*
 * What was asked.  Options of one kind add up (any of them matches);
 * different kinds must all match.  Counters are the stage's, or the
 * caller's through select_take.
 */
struct selection {
	struct select_range *ranges;	/* owned; sorted, merged by select_done */
	size_t		 nranges, ranges_cap;
	struct select_net *nets[SELECT_NKINDS];	/* owned */
	size_t		 nnets[SELECT_NKINDS], nets_cap[SELECT_NKINDS];
	bool		 anomalous;
	uint64_t	 seen, taken;	/* sessions looked at, kept */
};

/* Longest "--session=... --host=..." select_describe writes, list cut. */
#define SELECT_DESCLEN	512

/* A zeroed selection selects everything. */
void	 select_init(struct selection *);
void	 select_free(struct selection *);
/* One option's value, a comma-separated list: "1,4-9" for --session,
 * "ADDR[/PREFIX],..." for the others.  0, or -1 with *cause set to a
 * static message about the item *bad (owned by the caller, NULL on
 * ENOMEM) that is wrong. */
int	 select_add_ids(struct selection *, const char *, const char **cause,
	    char **bad);
int	 select_add_nets(struct selection *, enum select_kind, const char *,
	    const char **cause, char **bad);
/* "ADDR[/PREFIX]" alone; 0 or -1 with *cause (static). */
int	 select_net_parse(const char *, size_t len, struct select_net *,
	    const char **cause);
bool	 select_net_has(const struct select_net *, const struct fa_addr *);
/* After the last add: sort and merge the ids. */
void	 select_done(struct selection *);
/* Was anything asked? */
bool	 select_active(const struct selection *);

bool	 select_match(const struct selection *, const struct fa_session *);
/* An unattributed connection has no session, roles or anomalies: it
 * matches --host alone (either end), and nothing when other kinds are
 * asked. */
bool	 select_match_unattributed(const struct selection *,
	    const struct fa_unattributed *);
/* select_match, counted in seen and taken. */
bool	 select_take(struct selection *, const struct fa_session *);
/* The options as given, normalised: "--session=1,4-9 --host=10.0.0.0/8
 * --anomalous", cut with "..." to fit; buf holds SELECT_DESCLEN. */
const char *select_describe(const struct selection *, char *buf);

struct jw;
/* "selection": the object of the rules and audit documents. */
void	 select_json(struct jw *, const struct selection *);
/* The same as one line of text: prefix ("# " in a script), the options
 * and the sessions they kept, as "Selection: --host=10.0.0.0/8: the
 * evidence is 3 of 40 FTP sessions.\n".  Nothing for NULL. */
void	 select_comment(FILE *, const struct selection *, const char *prefix);

struct select_stage;

/*
 * Owned by the caller, NULL on ENOMEM.  down[0..n-1] (copied) receive the
 * ended sessions sel selects and the unattributed connections it selects;
 * sel is borrowed (its counters are updated) and must outlive the stage.
 * The stage holds nothing: every choice is made when a session ends.
 */
struct select_stage *select_stage_new(struct selection *sel,
	    const struct fa_sink *down, int n);
/* The sink to give in the place of down. */
void	 select_stage_sink(struct select_stage *, struct fa_sink *);
void	 select_stage_free(struct select_stage *);

#endif
