/* audit.h: an existing ruleset judged against observed FTP traffic: the
 * verdict on every control and data connection, the fix for each denied
 * one, unused, overly broad and shadowed rules, and FTP findings. */
#ifndef FTPAUDIT_AUDIT_H
#define FTPAUDIT_AUDIT_H

#include <stdio.h>
#include <stdbool.h>
#include <jansson.h>

#include "ftpaudit/ruleset.h"
#include "ftpaudit/session.h"

enum audit_side { AUDIT_SERVER, AUDIT_CLIENT, AUDIT_GATEWAY };
enum audit_purpose { AP_CONTROL, AP_PASSIVE, AP_ACTIVE };
enum audit_verdict { AV_ACCEPT, AV_DROP, AV_REJECT, AV_INDETERMINATE };

struct audit_flow {
	uint64_t	 session;
	uint32_t	 transfer;	/* 0: the control connection */
	enum audit_purpose purpose;
	struct fa_endpoint initiator, responder;
	bool		 initiator_port_known;
	bool		 server_initiates;	/* active data */
	bool		 related;	/* first packet RELATED (helper) */
	bool		 tls;
	uint32_t	 helper_flags;	/* FA_HELPER_* of the transfer */
	enum audit_verdict verdict;
	const struct rs_rule *rule;	/* decisive rule, or NULL */
	const struct rs_chain *policy;	/* decisive policy, or NULL */
	const char	*why;		/* indeterminate: the reason */
	int		 failed_pkt;	/* 0 first, 1 reply, 2 later; -1 none */
	enum rs_hook	 failed_hook;
	const struct rs_chain *failed_base;	/* base chain that denied */
	const struct rs_rule *first_rule;	/* accepted the first packet */
	enum rs_hook	 first_hook;
	/* The conntrack helper its packets ran with: the one the control
	 * connection's first packet assigned (ruleset memory), or NULL. */
	const char	*helper;
};

struct audit_fix {
	size_t		 flow;
	enum audit_purpose purpose;
	bool		 established;	/* the reply or a later packet failed */
	enum rs_hook	 hook;
	const struct rs_chain *base;
	uint8_t		 family;
	struct fa_addr	 saddr, daddr;
	int		 sport_lo, sport_hi;	/* -1: any */
	int		 dport_lo, dport_hi;
	uint32_t	 ctstate;	/* RS_CT_* */
};

struct audit_broad {
	const struct rs_rule *rule;
	char		*allows, *observed;	/* owned */
	struct audit_fix suggested;	/* narrowest rule for what it accepted */
	struct fa_addr	*saddrs, *daddrs;	/* owned: observed peers */
	size_t		 nsaddrs, ndaddrs;
};

struct audit_shadow {
	const struct rs_rule *rule, *by;
};

struct audit_finding {
	const char	*type;		/* static */
	char		*text;		/* owned */
};

struct audit;

/* rs is borrowed and must outlive the audit. */
struct audit *audit_new(const struct ruleset *, enum audit_side);
void	 audit_free(struct audit *);
/* The interfaces facing the peer (server, client side) or the client and
 * the server (gateway); borrowed, NULL when unknown.  Before adding. */
void	 audit_set_ifaces(struct audit *, const char *client_side,
	    const char *server_side);
/* Evaluate one session's control and data connections; 0 or -1 (ENOMEM). */
int	 audit_add_session(struct audit *, const struct fa_session *);
/* Unused, shadowed, broad rules, fixes and findings; 0 or -1. */
int	 audit_finish(struct audit *);

const struct audit_flow *audit_flows(const struct audit *, size_t *n);
/* The flow's trace: a line for each base chain its packets crossed, and
 * why a helper would not open it.  Run again through the ruleset when
 * asked, since a third of a million flows kept 100 MB of them; *lines
 * and each line are the caller's to free.  0, or -1 on ENOMEM. */
int	 audit_flow_trace(const struct audit *, const struct audit_flow *,
	    char ***lines, size_t *n);
const struct audit_fix *audit_fixes(const struct audit *, size_t *n);
/* used[i] for rule seq i: it matched some packet of some flow. */
const bool *audit_used(const struct audit *);
/* Listed in unused_rules: not used, not undecidable for some flow, and
 * not the second copy of a verdict-map rule. */
bool	 audit_unused(const struct audit *, const struct rs_rule *);
const struct audit_broad *audit_broad(const struct audit *, size_t *n);
const struct audit_shadow *audit_shadowed(const struct audit *, size_t *n);
const struct audit_finding *audit_findings(const struct audit *, size_t *n);
const struct ruleset *audit_ruleset(const struct audit *);
enum audit_side audit_side(const struct audit *);
/* Some flow was dropped, rejected or could not be decided. */
bool	 audit_any_denied(const struct audit *);

int	 audit_side_parse(const char *, enum audit_side *);
const char *audit_side_str(enum audit_side);
const char *audit_purpose_str(enum audit_purpose);
const char *audit_verdict_str(enum audit_verdict);

/* audit_report.c */
json_t	*audit_json(const struct audit *);
/* The same document streamed, one array element per line; 0 or -1. */
int	 audit_json_write(const struct audit *, FILE *);
/* 0, or -1 on a write error. */
int	 audit_text(const struct audit *, FILE *);

#endif
