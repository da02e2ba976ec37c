/* SPDX-License-Identifier: ISC */
/* render_awssg.c: the recommendation as the input of
 * `aws ec2 authorize-security-group-ingress --cli-input-json` (server
 * side) or authorize-security-group-egress (client side).
 *
 * A security group is stateful (return traffic is allowed) and has no FTP
 * helper: the data connections it must let through are the observed
 * passive ranges, so with --strategy helper the rules the static strategy
 * would give (rules_helper_surface) are written instead, and the server
 * needs a fixed passive range for the recommendation to stay true.
 * Nothing read from the wire reaches the document: addresses and ports are
 * formatted by us, descriptions are our own words. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ftpaudit/jw.h"
#include "ftpaudit/rules.h"

#define AWSSG_GROUP	"sg-REPLACE-ME"

/* The rules the document draws from: the static rules for --strategy
 * helper, since a security group has no helper. */
static const struct rules_rule *
source_rules(const struct rules *r, size_t *n)
{
	const struct rules_rule *v;

	if (rules_options(r)->strategy == RULES_HELPER &&
	    (v = rules_helper_surface(r, n)) != NULL)
		return v;
	return rules_list(r, n);
}

/*
 * Whether rule u is a new connection the security group of this side sees
 * in its direction: into the server (ingress), out of the client
 * (egress).  Established rules are the group's statefulness; the other
 * direction (active data) is counted in *other.
 */
static bool
wanted(const struct rules_rule *u, enum rules_side side, size_t *other)
{
	enum rules_chain c = side == RULES_SERVER ? RC_INPUT : RC_OUTPUT;

	if (u->purpose != RP_CONTROL && u->purpose != RP_PASSIVE &&
	    u->purpose != RP_ACTIVE)
		return false;
	if (u->chain != c) {
		(*other)++;
		return false;
	}
	return true;
}

static void
put_description(struct jw *w, const struct rules_rule *u)
{
	char d[200];

	if (u->purpose == RP_PASSIVE)
		snprintf(d, sizeof d, "ftpaudit R%u passive-data: observed "
		    "range, security groups have no FTP helper so the server "
		    "needs a fixed passive range", u->id);
	else
		snprintf(d, sizeof d, "ftpaudit R%u %s", u->id,
		    rules_purpose_str(u->purpose));
	jw_key(w, "Description");
	jw_str(w, d);
}

/* The peers of u for one family: its sources on ingress, destinations on
 * egress; "any" is 0.0.0.0/0 or ::/0. */
static void
put_ranges(struct jw *w, const struct rules_rule *u, enum rules_side side,
    int fam)
{
	const struct rules_addrs *s = side == RULES_SERVER ? &u->saddr :
	    &u->daddr;
	const char *key = fam == FA_AF_INET ? "CidrIp" : "CidrIpv6";
	char buf[RULES_CIDRLEN];
	size_t i;

	jw_key(w, fam == FA_AF_INET ? "IpRanges" : "Ipv6Ranges");
	jw_arr(w);
	if (u->family != 0 && u->family != fam) {
		jw_end_arr(w);
		return;
	}
	if (s->any || s->n == 0) {
		jw_obj(w);
		jw_key(w, key);
		jw_str(w, fam == FA_AF_INET ? "0.0.0.0/0" : "::/0");
		put_description(w, u);
		jw_end_obj(w);
	}
	for (i = 0; !s->any && i < s->n; i++) {
		if (s->v[i].family != fam)
			continue;
		jw_obj(w);
		jw_key(w, key);
		jw_str(w, rules_cidr(&s->v[i], buf));
		put_description(w, u);
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

static void
put_permission(struct jw *w, const struct rules_rule *u, enum rules_side side,
    uint16_t lo, uint16_t hi)
{
	jw_obj(w);
	jw_key(w, "IpProtocol");
	jw_str(w, "tcp");
	jw_key(w, "FromPort");
	jw_uint(w, lo);
	jw_key(w, "ToPort");
	jw_uint(w, hi);
	put_ranges(w, u, side, FA_AF_INET);
	put_ranges(w, u, side, FA_AF_INET6);
	jw_end_obj(w);
}

int
rules_awssg(const struct rules *r, FILE *f)
{
	const struct rules_opts *o = rules_options(r);
	const struct rules_rule *v;
	struct jw w;
	size_t i, j, n, other = 0;
	int rc;

	if (o->side == RULES_GATEWAY) {
		errno = EINVAL;
		return -1;
	}
	v = source_rules(r, &n);
	jw_init(&w, true);
	jw_obj(&w);
	jw_key(&w, "GroupId");
	jw_str(&w, AWSSG_GROUP);
	jw_key(&w, "IpPermissions");
	jw_arr(&w);
	for (i = 0; i < n; i++) {
		if (!wanted(&v[i], o->side, &other))
			continue;
		if (v[i].ndport == 0)
			put_permission(&w, &v[i], o->side, 0, 65535);
		for (j = 0; j < v[i].ndport; j++)
			put_permission(&w, &v[i], o->side, v[i].dport[j].lo,
			    v[i].dport[j].hi);
	}
	jw_end_arr(&w);
	jw_end_obj(&w);
	jw_text(&w, "\n", 1);
	rc = jw_flush(&w, f);
	jw_free(&w);
	return rc;
}

/* What the document leaves out, for standard error. */
size_t
rules_awssg_other(const struct rules *r)
{
	const struct rules_opts *o = rules_options(r);
	const struct rules_rule *v;
	size_t i, n, other = 0;

	v = source_rules(r, &n);
	for (i = 0; i < n; i++)
		(void)wanted(&v[i], o->side, &other);
	return other;
}
