/* SPDX-License-Identifier: ISC */
/* rules.h: the firewall openings FTP sessions needed, and the smallest
 * rule set that lets all of them work.  Pure computation over sessions;
 * the renderers (render_*.c) turn the result into JSON, text, nft and
 * iptables-restore input. */
#ifndef FTPAUDIT_RULES_H
#define FTPAUDIT_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#include "ftpaudit/aggregate.h"
#include "ftpaudit/engine.h"
#include "ftpaudit/session.h"

enum rules_side { RULES_SERVER, RULES_CLIENT, RULES_GATEWAY };
enum rules_strategy { RULES_STATIC, RULES_HELPER };
enum rules_peers { RULES_PEERS_OBSERVED, RULES_PEERS_ANY };
/* vetted: only what legitimate negotiations prove (rules_vet); all: every
 * negotiation, as before the vetting, for forensic use. */
enum rules_trust { RULES_TRUST_VETTED, RULES_TRUST_ALL };
/* --aggregate: how rules_finish turns a rule's address list into what the
 * renderers match.  exact: the fewest ranges holding exactly the addresses
 * seen; prefix: each address first widened to its /agg_plen4 (IPv4) or
 * /agg_plen6 (IPv6) prefix; none: the addresses one by one, in the order
 * first seen. */
enum rules_aggregate { RULES_AGG_EXACT, RULES_AGG_PREFIX, RULES_AGG_NONE };

/* Translations given on the command line (--dnat, --masquerade), IPv4
 * only: IPv6 stays without NAT. */
#define RULES_NAT_GIVEN_MAX	16
struct rules_dnat_spec {
	struct fa_addr	 pub, in;
	uint16_t	 pub_port, in_port;	/* 0: 21, and in_port pub_port */
};
struct rules_net {
	struct fa_addr	 addr;		/* host bits cleared */
	uint8_t		 plen;
};

struct rules_opts {
	enum rules_side	 side;
	enum rules_strategy strategy;
	enum rules_peers peers;
	enum rules_trust trust;
	/* Renderers: a complete default-drop policy instead of rules that
	 * act only on the FTP surface of the servers seen. */
	bool		 standalone;
	struct fa_portset helper_ports;	/* control ports the helper is assigned to */
	/* Renderers: the sessions the evidence was limited to (select.h),
	 * borrowed; NULL: every session. */
	const struct selection *selection;
	struct rules_dnat_spec dnat[RULES_NAT_GIVEN_MAX];	/* --dnat */
	size_t		 ndnat;
	struct rules_net masq[RULES_NAT_GIVEN_MAX];	/* --masquerade */
	size_t		 nmasq;
	enum rules_aggregate aggregate;
	uint8_t		 agg_plen4, agg_plen6;	/* RULES_AGG_PREFIX; 32, 128: exact */
};
void	 rules_opts_defaults(struct rules_opts *);
/* "server" ... into the enum; 0 or -1. */
int	 rules_side_parse(const char *, enum rules_side *);
int	 rules_strategy_parse(const char *, enum rules_strategy *);
int	 rules_peers_parse(const char *, enum rules_peers *);
int	 rules_trust_parse(const char *, enum rules_trust *);
/* "PUBLIC[:PORT]=INSIDE[:PORT]" (IPv4) into *out; 0 or -1. */
int	 rules_dnat_parse(const char *, struct rules_dnat_spec *out);
/* "ADDR[/LEN]" (IPv4) into *out; 0 or -1. */
int	 rules_net_parse(const char *, struct rules_net *out);
/* --aggregate: "exact", "none", "/N" (IPv4, 0-32; IPv6 stays exact) or
 * "/N,/M" (M for IPv6, 0-128) into o; 0 or -1 (o unchanged). */
int	 rules_aggregate_parse(const char *, struct rules_opts *o);
/* The same words back, into buf of RULES_AGGLEN bytes. */
const char *rules_aggregate_str(const struct rules_opts *, char *buf);
#define RULES_AGGLEN	16
/* Addresses are widened beyond what was seen (/N shorter than a host). */
bool	 rules_aggregate_widens(const struct rules_opts *);

/* Why a data transfer earns no rule (rules_vet), in the order tested. */
enum rules_reason { RX_BOUNCE, RX_PRIVILEGED_PORT, RX_THIRD_PARTY,
	RX_NOT_ACCEPTED, RX_NO_LOGIN, RX_COUNT };

struct rules_excluded {
	uint64_t	 session;
	uint32_t	 transfer;	/* the session's transfer id */
	struct fa_endpoint endpoint;	/* where its connection went or would go */
	enum rules_reason reason;
};

/*
 * The reason ("bounce", "privileged_port", "third_party_address",
 * "not_accepted", "no_login"; static) why transfer t of s earns no rule,
 * or NULL when it does (always with RULES_TRUST_ALL):
 *  - bounce: an active announcement of another host that the engine flags
 *    ftp_bounce (a public address, or a port below 1024);
 *  - privileged_port: the data port (seen, else announced) is below 1024;
 *  - third_party_address: the connection was seen to reach, or when not
 *    seen was announced at, another host than the server (passive) or the
 *    client (active): a NAT that rewrote the announcement is recognised by
 *    the connection reaching the right host, and in a session paired
 *    across a port forward (s->nat) the public address is the server's;
 *  - not_accepted: an active PORT/EPRT/LPRT the server refused or never
 *    answered, and whose connection was not seen;
 *  - no_login: the session never logged in (nor answered a data command
 *    as logged in; TLS sessions count as logged in).
 * Both rules and audit leave excluded transfers out.
 */
const char *rules_vet(const struct rules_opts *, const struct fa_session *,
	    const struct fa_transfer *);

enum rules_purpose { RP_CONTROL, RP_PASSIVE, RP_ACTIVE, RP_ESTABLISHED,
	RP_HELPER_ASSIGN, RP_HELPER_RELATED };
enum rules_chain { RC_INPUT, RC_OUTPUT, RC_FORWARD, RC_PREROUTING };

enum {
	RULES_CT_NEW		= 1 << 0,
	RULES_CT_ESTABLISHED	= 1 << 1,
	RULES_CT_RELATED	= 1 << 2,
};

struct rules_range {
	uint16_t	 lo, hi;
};

/* Addresses, each a whole host (/32, /128).  any: no restriction. */
struct rules_addrs {
	bool		 any;
	struct fa_addr	*v;		/* owned, in the order first seen */
	size_t		 n, cap;
	uint32_t	*slot;		/* owned hash index: 0 empty, else i + 1 */
	size_t		 nslot;
	/* Set by rules_finish unless --aggregate=none: what the renderers
	 * match instead of v (which stays the evidence), as sorted ranges
	 * (aggregate_ranges).  Rules built elsewhere (audit fixes) leave it
	 * unset and match v. */
	bool		 aggregated;
	struct agg_range *agg;		/* owned; NULL when nagg is 0 */
	size_t		 nagg;
};

struct rules_evidence {
	uint64_t	*sessions;	/* owned; sorted by rules_finish */
	size_t		 nsessions, cap;
	uint64_t	 connections;	/* control or data connections seen */
	uint64_t	 first_us, last_us;
	uint16_t	*ports;		/* owned, sorted, distinct */
	size_t		 nports, ports_cap;
	char		**sensors;	/* owned, as their names: sorted, distinct
					   observers of session records */
	size_t		 nsensors, sensors_cap;
};

struct rules_rule {
	uint32_t	 id;		/* R<id>, 1-based */
	enum rules_purpose purpose;
	enum rules_chain chain;
	int		 family;	/* FA_AF_INET, FA_AF_INET6, 0 for inet */
	/* The rest of the aggregation key, not rendered: here, so that a
	 * lookup compares the whole key in the line it reads first. */
	uint16_t	 key_port;	/* control port */
	struct fa_addr	 key_addr;	/* server address, zero when not kept */
	struct rules_addrs saddr, daddr;
	struct rules_range *sport, *dport;	/* owned; n == 0 means any */
	size_t		 nsport, ndport;
	unsigned	 ct_state;	/* RULES_CT_* */
	struct rules_evidence ev;

	/* Aggregation state, not rendered. */
	bool		 active_seen, all_from_20;
	uint64_t	 last_session;
};

struct rules_uncovered {
	uint64_t	 session;
	const char	*reason;	/* static */
};

struct rules_hint {
	const char	*type;		/* static */
	char		*text;		/* owned */
};

/* One opening a session needed (the "firewall" entries of analyze). */
struct rules_opening {
	uint32_t	 rule;		/* 0: no rule covers it (see rules.c) */
	enum rules_purpose purpose;
	struct fa_endpoint initiator, responder;
	bool		 initiator_port_known;
	bool		 helper_covers;
	uint32_t	 helper_flags;	/* FA_HELPER_*: why the helper would not */
	const char	*excluded;	/* static reason (rules_vet), NULL when
					   kept; excluded openings have rule 0 */
};

/*
 * The gateway's NAT part (--side gateway only), IPv4 only:
 *  - dnat: a port forward, from the paired sessions' outside and inside
 *    server (or --dnat): daddr:port to to:to_port in prerouting, and the
 *    server's passive ranges (pasv) to the same host, ports kept; with
 *    active data seen, the server's active data is SNATed to daddr;
 *  - snat: the paired sessions' inside clients (saddr) to the outside
 *    address they were seen with (to), toward server daddr, its control
 *    port and passive ranges, in postrouting;
 *  - masquerade: the same for the clients of --masquerade NET (net).
 * Only sessions that count (logged in, or --trust=all) make one; the
 * passive ranges are the vetted passive-data rules'.  With the helper
 * strategy, nf_nat_ftp translates the data connections it expects like
 * their control connection: only transfers it misses add ranges or
 * active data.
 */
enum rules_nat_kind { RN_DNAT, RN_SNAT, RN_MASQUERADE };
struct rules_nat {
	uint32_t	 id;		/* N<id>, 1-based */
	enum rules_nat_kind kind;
	struct rules_addrs saddr;	/* clients: outside (dnat), inside (snat);
					   any when not kept or given */
	bool		 has_net;	/* masquerade: net instead of saddr */
	struct rules_net net;
	struct fa_addr	 daddr;		/* dnat: public address; else server */
	uint16_t	 port;		/* dnat: public control port (0: only the
					   passive ranges, an audit fix);
					   else server's */
	struct fa_addr	 to;		/* dnat: inside server; snat: outside address */
	uint16_t	 to_port;	/* dnat: inside control port */
	struct rules_range *pasv;	/* owned; set by rules_finish */
	size_t		 npasv;
	bool		 active;	/* dnat: active data from the server seen */
	bool		 given;		/* from --dnat or --masquerade */
	uint64_t	 nsessions;	/* sessions that showed it */
};

struct rules;
/* The NAT part, in the order first seen (given ones after the observed). */
const struct rules_nat *rules_nat_list(const struct rules *, size_t *n);
const char *rules_nat_kind_str(enum rules_nat_kind);

/* opts is copied.  NULL on ENOMEM. */
struct rules *rules_new(const struct rules_opts *);
void	 rules_free(struct rules *);
/* Aggregate one session's openings; 0 or -1 on ENOMEM.  Rule ids are
 * given in the order openings are first seen. */
int	 rules_add_session(struct rules *, const struct fa_session *);
/* The same, and the session's openings as rules_openings would give them
 * after it; *out is owned by the caller (NULL on -1). */
int	 rules_add_openings(struct rules *, const struct fa_session *,
	    struct rules_opening **out, size_t *n);
/* Final port ranges, sorted evidence and hints; call once, after the last
 * rules_add_session and before reading rules or rendering. */
int	 rules_finish(struct rules *);
/* The session's openings, with the ids of the rules that cover them so
 * far; *out is owned by the caller.  0 or -1 on ENOMEM (*out NULL). */
int	 rules_openings(const struct rules *, const struct fa_session *,
	    struct rules_opening **out, size_t *n);

/* Keep only the rules themselves, for their ids (analyze): no addresses,
 * evidence, notes or hints, which grow with every session, so that memory
 * follows the number of rules and not the length of the capture.  The
 * rules are then not for rendering.  Call before adding sessions. */
void	 rules_ids_only(struct rules *);
const struct rules_opts *rules_options(const struct rules *);
const struct rules_rule *rules_list(const struct rules *, size_t *n);
const struct rules_uncovered *rules_uncovered(const struct rules *, size_t *n);
const struct rules_hint *rules_hints(const struct rules *, size_t *n);
size_t	 rules_nsessions(const struct rules *);
/* Excluded transfers, in the order met, and their count per reason. */
const struct rules_excluded *rules_excluded(const struct rules *, size_t *n);
size_t	 rules_nexcluded(const struct rules *, enum rules_reason);
/*
 * The part of the FTP surface rule u stands for, into *out (sharing u's
 * lists: never released): the same match with the FTP client's address
 * left out, so that it covers every new connection to (or, for active
 * data, from) the servers' FTP ports.  Active data from port 20 is every
 * new connection from port 20; from other ports, every one to the
 * unprivileged ports.  For helper-related it is every connection the ftp
 * helper expects.  1, or 0 when the rule has no surface (established,
 * helper-assign).  The default output drops the surface after the
 * accepts; --standalone has no surface (policy drop).
 */
int	 rules_surface_of(const struct rules_rule *u, struct rules_rule *out);
/* With --strategy helper: the rules the static strategy would give for
 * the same sessions (their own ids), whose passive and active data rules
 * stand for the surface of the helper's data: a data connection whose
 * first SYN the helper-related surface dropped comes back as new once the
 * expectation is used.  NULL, n 0, otherwise. */
const struct rules_rule *rules_helper_surface(const struct rules *, size_t *n);
/* "bounce 0, privileged_port 0, ..." into buf (RULES_SUMMARYLEN). */
const char *rules_excluded_summary(const struct rules *, char *buf, size_t len);
#define RULES_SUMMARYLEN	160
/* Nothing to recommend: no session, or none that logged in (with
 * --trust=all: no session). */
bool	 rules_empty(const struct rules *);
/* The helper covers at least one data connection. */
bool	 rules_helper_usable(const struct rules *);

const char *rules_side_str(enum rules_side);
const char *rules_strategy_str(enum rules_strategy);
const char *rules_peers_str(enum rules_peers);
const char *rules_trust_str(enum rules_trust);
const char *rules_reason_str(enum rules_reason);
const char *rules_purpose_str(enum rules_purpose);
const char *rules_chain_str(enum rules_chain);
const char *rules_family_str(int family);
/* The note for one FA_HELPER_* bit, NULL for none. */
const char *rules_helper_note(uint32_t bit);
/* "10.20.1.2/32" into buf of FA_ADDRSTRLEN + 4 bytes. */
const char *rules_cidr(const struct fa_addr *, char *buf);
/* "10.20.0.0/16": the same, plen (at most 128) given. */
const char *rules_prefix(const struct fa_addr *, unsigned plen, char *buf);
#define RULES_CIDRLEN	(FA_ADDRSTRLEN + 4)

/*
 * Rules built outside rules.c: audit fixes are struct rules_rule too, so
 * that one set of renderers draws recommendations and fixes.  The caller
 * owns the rule; rules_rule_release frees what the rule owns, not the rule,
 * and leaves those fields empty.  A rule built from a zeroed struct: an
 * empty rules_addrs (n 0) and a port list of n 0 match any; id 0 renders
 * the comment "ftpaudit PURPOSE" instead of "RID PURPOSE"; chain, family
 * (FA_AF_INET or FA_AF_INET6 for port rules), purpose and ct_state are
 * read as by the recommendation.
 */
/* Add a host to an address list (no-op when any or present); 0 or -1. */
int	 rules_addrs_add(struct rules_addrs *, const struct fa_addr *);
/* Add lo..hi to a sorted port list, merging it with the ranges it overlaps
 * or touches (1-3 and 4-6 become 1-6); *v is realloc'd.  0, or -1 on
 * ENOMEM or lo > hi. */
int	 rules_ranges_add(struct rules_range **v, size_t *n, uint16_t lo,
	    uint16_t hi);
void	 rules_rule_release(struct rules_rule *);

/* Where a rule goes in a ruleset that already exists (audit fixes). */
struct rules_place {
	const char	*table;		/* nft "inet filter" (family and name;
					   a name alone is family ip, as
					   in nft); iptables "filter" */
	const char	*chain;		/* nft "input"; iptables "INPUT" */
	uint64_t	 handle;	/* nft: insert before this handle; 0: add */
	uint32_t	 index;		/* iptables: -I CHAIN index (1-based); 0: -A */
};
/*
 * render_nft.c, render_ipt.c: n rules, rule i at place i, as commands for
 * `nft -f` or `iptables-restore --noflush`; each rule's text after the
 * place is exactly the recommendation's for the same rule (one function
 * draws both).
 * nft: "insert rule FAMILY TABLE CHAIN position H BODY" or "add rule ...";
 * the caller puts a rule of one family in a table of that family or inet.
 * iptables: "*TABLE", "-I CHAIN N ..." or "-A CHAIN ...", "COMMIT" per
 * table (tables in order of first use); rules of the other family than
 * `family` are left out, so one list gives both the iptables and the
 * ip6tables input.
 * 0, or -1 on a write error, or with errno EINVAL when a table or chain
 * name cannot be written (nft takes no quoted names: rules_nft_name_ok).
 */
int	 rules_nft_placed(const struct rules_rule *, const struct rules_place *,
	    size_t n, FILE *);
int	 rules_ipt_placed(const struct rules_rule *, const struct rules_place *,
	    size_t n, int family, FILE *);
/* The same for NAT: dnat fixes (port 0, passive ranges) in an existing
 * prerouting nat chain; iptables writes one *nat table. */
int	 rules_nft_nat_placed(const struct rules_nat *,
	    const struct rules_place *, size_t n, FILE *);
int	 rules_ipt_nat_placed(const struct rules_nat *,
	    const struct rules_place *, size_t n, FILE *);
/* A table or chain name nft takes unquoted. */
bool	 rules_nft_name_ok(const char *);
/* "inet filter" or "filter" (family ip) into family (of famlen bytes)
 * and *name (pointing into s).  0; -1 unknown family; -2 bad name. */
int	 rules_nft_table_parse(const char *s, char *family, size_t famlen,
	    const char **name);

/* render_json.c */
struct jw;
/* The rules document (schema_version 1) as one JSON value, in w's
 * layout (cmd_rules: pretty, then a newline); what w holds goes to out
 * (when not NULL) a megabyte at a time.  0, or -1 on a write error. */
int	 rules_write(struct jw *, const struct rules *, FILE *out);
/* The session's "firewall" list, written as a key and its array. */
void	 rules_openings_write(struct jw *, const struct rules_opening *, size_t n);
/* A rule's match and action members, "family" to "action": the rules
 * document's rules and audit's fixes are written by this one function. */
void	 rules_match_write(struct jw *, const struct rules_rule *);
/* render_text.c, render_nft.c, render_ipt.c: 0, or -1 on a write error.
 * The nft and iptables forms act on the FTP surface only (rules_surface_of)
 * unless opts.standalone.  chain_table: NULL for table inet ftpaudit,
 * else the table ("inet filter", "ip filter": one rules_nft_table_parse
 * takes, of family inet, ip or ip6) whose regular chains ftpaudit_<hook>
 * receive the rules of its family. */
int	 rules_text(const struct rules *, FILE *);
/* What the default scope holds that an administrator may not expect
 * (active data not from port 20: every new connection from the server
 * to the unprivileged ports), each line after prefix, heading before the
 * first; nothing when standalone or nothing to say. */
void	 rules_scope_notes(const struct rules *, FILE *, const char *heading,
	    const char *prefix);
/* On the gateway side: whether NAT rules are there, that IPv6 has none,
 * each line after prefix. */
void	 rules_nat_notes(const struct rules *, FILE *, const char *prefix);
/* The "# " lines an nft or iptables script opens with. */
void	 rules_comment_header(const struct rules *, FILE *);
int	 rules_nft(const struct rules *, FILE *, const char *chain_table);
int	 rules_ipt(const struct rules *, FILE *, int family);
/* render_awssg.c: the input of aws ec2 authorize-security-group-ingress
 * (server side) or -egress (client side) --cli-input-json, GroupId
 * "sg-REPLACE-ME"; with --strategy helper the static strategy's rules (no
 * helper in security groups).  -1 with errno EINVAL on the gateway side
 * (security groups are per instance), else 0 or -1 on a write error. */
int	 rules_awssg(const struct rules *, FILE *);
/* The rules of the other direction that document leaves out (active
 * data). */
size_t	 rules_awssg_other(const struct rules *);
/* render_firewalld.c: firewalld configuration files for /etc/firewalld,
 * each after a line "==> PATH <==" (see ftpaudit(1)); 0, or -1 on a write
 * error or ENOMEM. */
int	 rules_firewalld(const struct rules *, FILE *);

#endif
