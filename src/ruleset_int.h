/* SPDX-License-Identifier: ISC */
/* ruleset_int.h: what the ruleset parsers share to build the model of
 * ftpaudit/ruleset.h; the rest of ftpaudit only loads and traverses it. */
#ifndef FTPAUDIT_RULESET_INT_H
#define FTPAUDIT_RULESET_INT_H

#include "ftpaudit/ruleset.h"

/* Builders the parsers share (ruleset.c). */
struct ruleset *rs_new(enum rs_format, const char *source);
struct rs_chain *rs_chain_add(struct ruleset *, const char *family,
	    const char *table, const char *name);
struct rs_chain *rs_chain_find(const struct ruleset *, const char *family,
	    const char *table, const char *name);
struct rs_rule *rs_rule_add(struct ruleset *, struct rs_chain *);
struct rs_match *rs_match_add(struct rs_rule *, enum rs_key);
int	 rs_match_range(struct rs_match *, uint32_t lo, uint32_t hi);
int	 rs_match_addr(struct rs_match *, const struct fa_addr *lo,
	    const struct fa_addr *hi);
int	 rs_match_prefix(struct rs_match *, const struct fa_addr *, unsigned len);
int	 rs_match_name(struct rs_match *, const char *);
/* Mark the rule undecidable (first reason wins); printf-style. */
void	 rs_rule_unknown(struct rs_rule *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 rs_rule_vunknown(struct rs_rule *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Resolve jump targets and check the model; 0 or -1 with *cause. */
int	 rs_finish(struct ruleset *, char **cause);
enum rs_hook rs_hook_parse(const char *);
/* "new,established" etc. into RS_CT_* bits; 0 on an unknown word. */
uint32_t rs_ctstate_word(const char *);
/* tcp/udp/... name or number into a protocol number; -1 when unknown. */
int	 rs_proto_parse(const char *);

/* ruleset_nft.c, ruleset_ipt.c */
struct ruleset *ruleset_parse_nft(const char *text, size_t len,
	    const char *source, char **cause);
struct ruleset *ruleset_parse_ipt(const char *text, size_t len,
	    const char *source, char **cause);

#endif
