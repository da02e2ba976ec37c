/* SPDX-License-Identifier: ISC */
/* audit.h: an existing ruleset judged against observed FTP traffic: the
 * verdict on every control and data connection, the fix for each denied
 * one, unused, overly broad and shadowed rules, and FTP findings. */
#ifndef FTPAUDIT_AUDIT_H
#define FTPAUDIT_AUDIT_H

#include <stdio.h>
#include <stdbool.h>

#include "ftpaudit/rules.h"
#include "ftpaudit/ruleset.h"
#include "ftpaudit/session.h"

enum audit_side { AUDIT_SERVER, AUDIT_CLIENT, AUDIT_GATEWAY };
enum audit_purpose { AP_CONTROL, AP_PASSIVE, AP_ACTIVE };
enum audit_verdict { AV_ACCEPT, AV_DROP, AV_REJECT, AV_INDETERMINATE };

struct audit_flow {
	/* First, what audit_finish's passes over all the flows read: each
	 * pass streams the flows' first 40 bytes, not lines 70 and 190
	 * bytes into each. */
	uint64_t	 session;
	uint32_t	 transfer;	/* 0: the control connection */
	enum audit_purpose purpose;
	enum audit_verdict verdict;
	uint32_t	 fix;		/* 1-based in audit_fixes; 0: none */
	/* rules_vet's reason why no rule should let it through (static),
	 * or NULL: its denial is no fault of the ruleset. */
	const char	*excluded;
	bool		 nat, nat_missing;	/* see nat_dst below */
	bool		 initiator_port_known;
	bool		 server_initiates;	/* active data */
	bool		 related;	/* first packet RELATED (helper) */
	bool		 tls;
	uint32_t	 helper_flags;	/* FA_HELPER_* of the transfer */
	const char	*sensor;	/* the session record's observer, or
					   NULL; owned by the audit */
	struct fa_endpoint initiator, responder;
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
	/*
	 * Both sides of the gateway's NAT seen (the session's or transfer's
	 * nat, --side gateway): initiator and responder above are the real
	 * hosts, as the forward hook sees them; nat_dst is where the
	 * initiator sent the first packet, nat_src the initiator's address
	 * after the gateway.  nat_missing: the ruleset does not translate
	 * the destination the capture shows translated, so the kernel
	 * delivers it to the gateway itself (passive data: its fix is a
	 * dnat, audit_fix nat; else a finding only).  nat and nat_missing
	 * are with the fields at the top.
	 */
	struct fa_endpoint nat_dst, nat_src;
};

/* A narrower rule for what an overly broad one was used for. */
struct audit_suggest {
	enum audit_purpose purpose;
	enum rs_hook	 hook;
	uint8_t		 family;
	int		 sport_lo, sport_hi;	/* -1: any */
	int		 dport_lo, dport_hi;
	uint32_t	 ctstate;	/* RS_CT_* */
};

/*
 * A fix: one accept rule for the denied flows of one server (and purpose,
 * family, source port) whose packets were denied in one chain, with its
 * peers and ports merged, and where it goes: before the first rule of
 * that chain that denied one of them, or at the end when the chain's
 * policy did.  The rule is of the kind `rules` recommends, drawn by the
 * same renderers (rules_nft_placed, rules_ipt_placed).
 */
struct audit_fix {
	char		 id[24];	/* "F1": room for any size_t */
	struct rules_rule rule;		/* owned (rules_rule_release) */
	struct rules_place place;	/* table and chain point into the fix */
	char		 table[160];	/* "inet filter", "filter" */
	const struct rs_chain *chain;	/* where it goes */
	const struct rs_rule *before;	/* insert before it; NULL: append */
	enum rs_hook	 hook;		/* of the packet that was denied */
	size_t		*flows;		/* owned: indexes into audit_flows */
	size_t		 nflows, fcap;
	/* The merge key, besides chain, purpose and family, and what the
	 * flows merged so far say. */
	struct fa_addr	 server;
	bool		 all20;		/* active: every one from port 20 */
	uint16_t	 plo, phi;	/* passive: lowest and highest port */
	/* A dnat fix instead of an accept (rule unused): passive data the
	 * gateway did not translate (nat_missing), forwarded to the inside
	 * server in the ruleset's prerouting nat chain, drawn by
	 * rules_nft_nat_placed, rules_ipt_nat_placed; owned, or NULL. */
	struct rules_nat *nat;
};

struct audit_broad {
	const struct rs_rule *rule;
	char		*allows, *observed;	/* owned */
	struct audit_suggest suggested;	/* narrowest rule for what it accepted */
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
/* The flows in session order: audit_flows is final from then on, but for
 * each flow's fix; 0 or -1.  audit_finish does it when not done. */
int	 audit_order(struct audit *);
/* Unused, shadowed, broad rules, fixes and findings; 0 or -1.  It writes
 * no flow's member but fix, so the flows' text may be written meanwhile
 * (audit_text_flows).  It is audit_finish_fixes, after which the fixes
 * may be read (audit_text_fixes), and audit_finish_findings: neither
 * touches what the other writes, so they may run at once. */
int	 audit_finish(struct audit *);
int	 audit_finish_fixes(struct audit *);
int	 audit_finish_findings(struct audit *);

const struct audit_flow *audit_flows(const struct audit *, size_t *n);
/* The flow's trace: a line for each base chain its packets crossed, and
 * why a helper would not open it.  Run again through the ruleset when
 * asked, since a third of a million flows kept 100 MB of them; *lines
 * and each line are the caller's to free.  0, or -1 on ENOMEM. */
int	 audit_flow_trace(const struct audit *, const struct audit_flow *,
	    char ***lines, size_t *n);
const struct audit_fix *audit_fixes(const struct audit *, size_t *n);
/* The flows that have a fix (dropped or rejected, and not excluded). */
const size_t *audit_denied(const struct audit *, size_t *n);
/* used[i] for rule seq i: it matched some packet of some flow. */
const bool *audit_used(const struct audit *);
/* Listed in unused_rules: not used, not undecidable for some flow, and
 * not the second copy of a verdict-map rule. */
bool	 audit_unused(const struct audit *, const struct rs_rule *);
/* Unused rules not listed: those that cannot match TCP of the FTP
 * surface of the servers seen (control ports, passive ranges, active
 * data), unless audit_set_all_unused was called (before finishing). */
size_t	 audit_unused_other(const struct audit *);
void	 audit_set_all_unused(struct audit *, bool);
/* RULES_TRUST_ALL: no transfer is excluded (as rules --trust=all); before
 * adding sessions. */
void	 audit_set_trust(struct audit *, enum rules_trust);
/* The sessions the evidence was limited to (select.h), for the reports
 * to say so; borrowed, NULL (the default): every session. */
void	 audit_set_selection(struct audit *, const struct selection *);
const struct selection *audit_selection(const struct audit *);
const struct audit_broad *audit_broad(const struct audit *, size_t *n);
const struct audit_shadow *audit_shadowed(const struct audit *, size_t *n);
const struct audit_finding *audit_findings(const struct audit *, size_t *n);
const struct ruleset *audit_ruleset(const struct audit *);
enum audit_side audit_side(const struct audit *);
/* Some flow was dropped, rejected or could not be decided. */
bool	 audit_any_denied(const struct audit *);
/* The flows the ruleset accepts. */
size_t	 audit_accepted(const struct audit *);

int	 audit_side_parse(const char *, enum audit_side *);
const char *audit_side_str(enum audit_side);
const char *audit_purpose_str(enum audit_purpose);
const char *audit_verdict_str(enum audit_verdict);

/* audit_report.c */
/* The fixes as commands: an nft script (nft -f), or iptables-restore
 * --noflush input for family; 0, or -1 on a write error. */
int	 audit_fixes_nft(const struct audit *, FILE *);
int	 audit_fixes_ipt(const struct audit *, int family, FILE *);
/* The document, streamed by jw; 0, or -1 on ENOMEM or a write error. */
int	 audit_json_write(const struct audit *, FILE *);
/* 0, or -1 on a write error.  audit_text is audit_text_flows, which
 * needs audit_order only, and then audit_text_rest, which is
 * audit_text_fixes (audit_finish_fixes) and audit_text_findings. */
int	 audit_text(const struct audit *, FILE *);
int	 audit_text_flows(const struct audit *, FILE *);
int	 audit_text_rest(const struct audit *, FILE *);
int	 audit_text_fixes(const struct audit *, FILE *);
int	 audit_text_findings(const struct audit *, FILE *);

#endif
