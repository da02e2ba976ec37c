/* SPDX-License-Identifier: ISC */
/* ruleset.h: an existing firewall ruleset (nft -j list ruleset, or
 * iptables-save / ip6tables-save) as one model, and how one packet of a
 * known conntrack state traverses it. */
#ifndef FTPAUDIT_RULESET_H
#define FTPAUDIT_RULESET_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "ftpaudit/addr.h"

enum rs_format { RS_FMT_AUTO, RS_FMT_NFT, RS_FMT_IPT };

enum rs_hook { RS_HOOK_NONE, RS_HOOK_PREROUTING, RS_HOOK_INPUT,
	RS_HOOK_FORWARD, RS_HOOK_OUTPUT, RS_HOOK_POSTROUTING, RS_HOOK_OTHER };

/* Table families as a mask of the packet families they see. */
enum { RS_FAM_IP = 1, RS_FAM_IP6 = 2, RS_FAM_INET = 3 };

enum rs_key { RS_K_SADDR, RS_K_DADDR, RS_K_SPORT, RS_K_DPORT, RS_K_L4PROTO,
	RS_K_NFPROTO, RS_K_IIF, RS_K_OIF, RS_K_CTSTATE, RS_K_HELPER,
	RS_K_TCPFLAGS, RS_K_CTSTATUS };

enum { RS_CT_NEW = 1, RS_CT_ESTABLISHED = 2, RS_CT_RELATED = 4,
	RS_CT_INVALID = 8, RS_CT_UNTRACKED = 16 };

/* ct status bits a rule may test (nft ct status snat/dnat). */
enum { RS_CTS_SNAT = 1, RS_CTS_DNAT = 2 };

enum { RS_TCP_FIN = 0x01, RS_TCP_SYN = 0x02, RS_TCP_RST = 0x04,
	RS_TCP_PSH = 0x08, RS_TCP_ACK = 0x10 };

enum rs_verdict { RS_V_CONTINUE, RS_V_ACCEPT, RS_V_DROP, RS_V_REJECT,
	RS_V_JUMP, RS_V_GOTO, RS_V_RETURN };

struct rs_range {
	uint32_t	 lo, hi;
};

struct rs_arange {
	struct fa_addr	 lo, hi;
};

/* One condition of a rule.  Values are a union of ranges (ports, protocol
 * numbers, 4/6 for nfproto), of address ranges, or of names (interfaces,
 * helpers; a trailing '*' is a wildcard); ct state and tcp flags are masks. */
struct rs_match {
	enum rs_key	 key;
	bool		 neg;
	uint8_t		 afam;		/* addresses: FA_AF_INET or FA_AF_INET6 */
	uint32_t	 mask;		/* ct state bits; tcp flags mask */
	uint32_t	 value;		/* tcp flags: compared after the mask */
	bool		 flags_any;	/* tcp flags: any bit of mask (nft "in") */
	bool		 absent_true;	/* helper: iptables matches "!" without a master */
	struct rs_range	*r;		/* owned */
	size_t		 nr;
	struct rs_arange *a;		/* owned */
	size_t		 na;
	char		**names;	/* owned */
	size_t		 nnames;
};

/* A NAT statement (nft dnat/snat/masquerade/redirect, iptables DNAT/SNAT/
 * MASQUERADE/REDIRECT).  It ends its nat chain, like accept. */
enum rs_nat { RS_NAT_NONE, RS_NAT_DNAT, RS_NAT_SNAT, RS_NAT_MASQ,
	RS_NAT_REDIRECT };

struct rs_natspec {
	enum rs_nat	 kind;
	bool		 has_addr;	/* to ADDR[-ADDR]; masquerade never */
	struct fa_addr	 lo, hi;
	int		 port_lo, port_hi;	/* to :PORT[-PORT]; -1: kept */
};

struct rs_chain;

struct rs_rule {
	struct rs_chain	*chain;		/* back pointer, not owned */
	const struct rs_rule *leader;	/* nft verdict maps: the rule's first
					   copy (one per entry); NULL if none */
	size_t		 index;		/* 0-based position in its chain */
	size_t		 seq;		/* 0-based over the whole ruleset */
	uint64_t	 handle;	/* nftables */
	unsigned	 line;		/* iptables-save: line in the file */
	char		*comment;	/* owned or NULL */
	char		*text;		/* owned: what the rule says, as nft
					   list or iptables-save print it */
	struct rs_match	*m;		/* owned */
	size_t		 nm;
	char		*unknown;	/* owned: a condition we cannot evaluate */
	char		*helper_set;	/* owned: helper type it assigns ("ftp") */
	enum rs_verdict	 verdict;
	char		*target;	/* owned: jump/goto chain name */
	struct rs_chain	*target_chain;	/* resolved by ruleset_finish */
	char		*vunknown;	/* owned: a statement we cannot evaluate */
	struct rs_natspec nat;		/* kind NONE: no translation */
	bool		 has_counter;
	uint64_t	 packets, bytes;
};

struct rs_chain {
	enum rs_format	 format;	/* of the file it came from */
	unsigned	 fam;		/* RS_FAM_* mask; 0: not IP (arp, bridge...) */
	char		*family;	/* owned: "inet", "ip", "ip6", ... */
	char		*table;		/* owned */
	char		*name;		/* owned */
	char		*type;		/* owned: "filter", "nat", "route" or NULL */
	bool		 base;
	enum rs_hook	 hook;
	int		 prio;
	enum rs_verdict	 policy;	/* ACCEPT or DROP for base chains */
	struct rs_rule	**rules;	/* owned */
	size_t		 nrules, cap;
	const struct rs_rule *caller;	/* first rule jumping here (rs_finish) */
};

struct rs_helper_obj {
	unsigned	 fam;
	char		*table, *name, *type;	/* owned */
};

/* One file of a ruleset merged from several (--ruleset given again). */
struct rs_part {
	char		*source;	/* owned */
	enum rs_format	 format;
	unsigned	 covers;	/* RS_FAM_* */
	size_t		 nrules;	/* as ruleset_count counts them */
};

struct ruleset {
	enum rs_format	 format;	/* of the first part */
	char		*source;	/* owned: the parts' sources, ", " */
	/* The packet families it speaks for: an nft dump is the whole
	 * ruleset of the host (both families); an iptables-save file only
	 * its own. */
	unsigned	 covers;		/* RS_FAM_* */
	struct rs_part	*parts;		/* owned */
	size_t		 nparts;
	struct rs_chain	**chains;	/* owned, in file order */
	size_t		 nchains, cap;
	struct rs_helper_obj *helpers;	/* owned: nft ct helper objects */
	size_t		 nhelpers, hcap;
	size_t		 nrules;
};

/* A packet as the ruleset sees it. */
struct rs_pkt {
	uint8_t		 family;	/* FA_AF_INET / FA_AF_INET6 */
	struct fa_addr	 saddr, daddr;
	int		 sport, dport;	/* -1: not observed */
	uint8_t		 l4proto;	/* 6 */
	uint8_t		 tcpflags;
	uint32_t	 ctstate;	/* one RS_CT_* bit */
	const char	*helper;	/* helper of the master conntrack, or NULL */
	bool		 loopback;	/* came in on / goes out through lo */
	const char	*iif, *oif;	/* interface names when told, else NULL */
	/* Not the first packet: the addresses and ports conntrack's NAT
	 * gives it at this hook's NAT priority (the first packet's
	 * translation, or its reverse for a reply); NULL: none. */
	const struct rs_pkt *ct_nat;
	/* RS_CTS_* of its connection, when known (both sides of a
	 * translation seen); unknown: ct status matches are undecidable. */
	uint8_t		 ctstatus;
	bool		 ctstatus_known;
};

struct rs_result {
	enum rs_verdict	 verdict;	/* ACCEPT, DROP or REJECT */
	bool		 indeterminate;
	const char	*why;		/* with indeterminate: the reason */
	const struct rs_rule *rule;	/* the rule that decided, or NULL */
	const struct rs_chain *policy;	/* the base chain whose policy decided */
	const struct rs_chain *base;	/* the base chain that decided last */
	const char	*helper;	/* helper type this packet assigned */
	const struct rs_rule *helper_rule;
	const struct rs_rule *helper_early;	/* ct helper set before conntrack */
	/* The NAT rule that translated the packet at this hook (the first
	 * packet of a connection only), and the packet as the chains after
	 * it and the next hooks see it.  xlat_addr_unknown: masquerade, the
	 * outgoing interface's address is not in the ruleset (saddr kept). */
	const struct rs_rule *nat_rule;
	struct rs_pkt	 xlat;
	bool		 xlat_addr_unknown;
};

/* Called for every rule whose conditions all held for the packet. */
typedef void (*rs_visit_fn)(void *arg, const struct rs_rule *,
    const struct rs_chain *base);

/* ruleset.c */
/* Read and parse a file; NULL with *cause (owned) set. */
struct ruleset *ruleset_load(const char *path, enum rs_format, char **cause);
/* Parse text already in memory (source names it). */
struct ruleset *ruleset_parse(const char *text, size_t len, enum rs_format,
	    const char *source, char **cause);
void	 ruleset_free(struct ruleset *);
/* Move every chain and helper of from into into, and free from: the
 * rulesets of several files judged as one.  0, or -1 (ENOMEM; from is
 * freed either way). */
int	 ruleset_merge(struct ruleset *into, struct ruleset *from);
/* Rules as the file has them (a verdict map's copies count once). */
size_t	 ruleset_count(const struct ruleset *);
const char *ruleset_format_str(enum rs_format);
int	 ruleset_format_parse(const char *, enum rs_format *);
const char *rs_hook_str(enum rs_hook);
const char *rs_verdict_str(enum rs_verdict);
const char *rs_nat_str(enum rs_nat);
/* "dnat to 10.0.2.2:21" / "masquerade" into buf. */
const char *rs_nat_describe(const struct rs_natspec *, char *buf, size_t len);
/* Apply a NAT statement to p (the tuple's destination for dnat and
 * redirect, its source for snat and masquerade); *addr_unknown when the
 * new address is not in the rule (masquerade; redirect: the address of
 * the incoming interface, also kept). */
void	 rs_nat_apply(const struct rs_natspec *, struct rs_pkt *,
	    bool *addr_unknown);
/* Traverse the base chains of hook in priority order.  The nat chains of
 * a hook run together at netfilter's NAT priority (dstnat -100 in
 * prerouting and output, srcnat 100 in postrouting and input), among
 * themselves by their own; the first translation ends them all. */
void	 ruleset_eval(const struct ruleset *, enum rs_hook, const struct rs_pkt *,
	    struct rs_result *, rs_visit_fn, void *arg);
/* Does the rule hold for the packet?  1, 0, or -1 when undecidable (why). */
int	 rs_rule_match(const struct rs_rule *, enum rs_hook, const struct rs_pkt *,
	    const char **why);
/* "inet filter input handle 7" / "filter INPUT rule 3" (ip6tables:
 * "ip6 filter INPUT rule 3") into buf. */
const char *rs_rule_name(const struct rs_rule *, char *buf, size_t len);
/* "inet filter input" / "filter INPUT" ("ip6 filter INPUT") into buf. */
const char *rs_chain_name(const struct rs_chain *, char *buf, size_t len);
/* The name, ": " and what the rule says into buf. */
const char *rs_rule_describe(const struct rs_rule *, char *buf, size_t len);
/* A copy of s with bytes outside printable ASCII as \xNN (owned). */
char	*rs_escape(const char *s, size_t len);

#endif
