/* SPDX-License-Identifier: ISC */
/* ruleset_check.h: what both ruleset harnesses check, beyond ASan, UBSan
 * and the leak check.  A parse either gives a ruleset and no cause, or no
 * ruleset and a cause that is one non-empty line of printable text (it
 * goes to stderr as it is).  A ruleset is then walked as audit walks it:
 * every rule named, packets of each conntrack state and family through
 * every hook (a verdict that is ACCEPT, DROP or REJECT, or undecided
 * with a reason), then an audit with no traffic (unused, shadowed and
 * broad rules) written as text. */
#ifndef FUZZ_RULESET_CHECK_H
#define FUZZ_RULESET_CHECK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/audit.h"
#include "ftpaudit/ruleset.h"

static void
rc_check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void
rc_cause(const char *cause)
{
	const unsigned char *p;

	rc_check(cause != NULL && cause[0] != '\0');
	for (p = (const unsigned char *)cause; *p != '\0'; p++)
		rc_check(*p >= 0x20 && *p != 0x7f);
}

static void
rc_visit(void *arg, const struct rs_rule *r, const struct rs_chain *base)
{
	size_t *n = arg;

	rc_check(r->chain != NULL && base != NULL && base->base);
	(*n)++;
}

static void
rc_packet(struct rs_pkt *p, uint8_t family, uint32_t ct, int dport,
    const char *helper)
{
	memset(p, 0, sizeof *p);
	p->family = family;
	fa_addr_parse(family == FA_AF_INET ? "10.20.1.5" : "fd00::5", &p->saddr);
	fa_addr_parse(family == FA_AF_INET ? "10.20.2.3" : "fd00::3", &p->daddr);
	p->sport = 40123;
	p->dport = dport;
	p->l4proto = 6;
	p->tcpflags = ct == RS_CT_NEW ? RS_TCP_SYN : RS_TCP_ACK;
	p->ctstate = ct;
	p->helper = helper;
}

static void
rc_walk(const struct ruleset *rs)
{
	static const enum rs_hook hooks[] = { RS_HOOK_PREROUTING,
	    RS_HOOK_INPUT, RS_HOOK_FORWARD, RS_HOOK_OUTPUT,
	    RS_HOOK_POSTROUTING };
	struct rs_result res;
	struct rs_pkt p;
	const struct rs_chain *c;
	char name[512];
	size_t i, j, h, f, seen = 0;

	rc_check(ruleset_count(rs) <= rs->nrules);
	for (i = 0; i < rs->nchains; i++) {
		c = rs->chains[i];
		rc_check(c->family != NULL && c->table != NULL && c->name != NULL);
		for (j = 0; j < c->nrules; j++) {
			rc_check(c->rules[j]->chain == c);
			rc_check(rs_rule_name(c->rules[j], name, sizeof name) != NULL);
			rc_check(strlen(name) < sizeof name);
		}
	}
	for (h = 0; h < sizeof hooks / sizeof hooks[0]; h++) {
		for (f = 0; f < 2; f++) {
			uint8_t fam = f ? FA_AF_INET6 : FA_AF_INET;

			rc_packet(&p, fam, RS_CT_NEW, 21, NULL);
			ruleset_eval(rs, hooks[h], &p, &res, rc_visit, &seen);
			rc_check(res.indeterminate || res.verdict == RS_V_ACCEPT ||
			    res.verdict == RS_V_DROP || res.verdict == RS_V_REJECT);
			rc_check(!res.indeterminate || res.why != NULL);
			rc_packet(&p, fam, RS_CT_RELATED, 40001, "ftp");
			p.loopback = h == 1;
			ruleset_eval(rs, hooks[h], &p, &res, rc_visit, &seen);
			rc_check(!res.indeterminate || res.why != NULL);
			rc_packet(&p, fam, RS_CT_ESTABLISHED, 21, NULL);
			p.sport = -1;
			p.iif = "eth0";
			ruleset_eval(rs, hooks[h], &p, &res, NULL, NULL);
			rc_check(!res.indeterminate || res.why != NULL);
		}
	}
}

static void
rc_audit(const struct ruleset *rs, enum audit_side side)
{
	struct audit *a;
	FILE *f;

	if ((a = audit_new(rs, side)) == NULL)
		return;
	if (audit_finish(a) == 0 && (f = fopen("/dev/null", "w")) != NULL) {
		audit_text(a, f);
		fclose(f);
	}
	audit_free(a);
}

/* One parse, the format given as --ruleset-format gives it, then the
 * checks. */
static void
rc_run(const uint8_t *data, size_t size, enum rs_format fmt)
{
	struct ruleset *rs;
	char *cause = NULL, *text;

	/* The parsers get text as ruleset_load gives it: NUL-terminated. */
	if ((text = malloc(size + 1)) == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	rs = ruleset_parse(text, size, fmt, "fuzz", &cause);
	if (rs == NULL)
		rc_cause(cause);
	else {
		rc_check(cause == NULL);
		rc_check(rs->format == fmt);
		rc_walk(rs);
		rc_audit(rs, size % 3 == 0 ? AUDIT_SERVER : size % 3 == 1 ?
		    AUDIT_CLIENT : AUDIT_GATEWAY);
	}
	ruleset_free(rs);
	free(cause);
	free(text);
}

#endif
