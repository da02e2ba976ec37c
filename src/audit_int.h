/* audit_int.h: what audit.c and audit_rules.c share: the audit itself. */
#ifndef FTPAUDIT_AUDIT_INT_H
#define FTPAUDIT_AUDIT_INT_H

#include "ftpaudit/audit.h"

struct audit {
	const struct ruleset *rs;
	enum audit_side	 side;
	struct audit_flow *flows;
	size_t		 nflows, fcap;
	struct audit_fix *fixes;
	size_t		 nfixes, xcap;
	bool		*used;		/* [rs->nrules] */
	bool		*early;		/* helper set before conntrack */
	bool		*maybe;		/* reached, but undecidable */
	const char	*if_client, *if_server;	/* borrowed, or NULL */
	struct audit_broad *broad;
	size_t		 nbroad;
	struct audit_shadow *shadow;
	size_t		 nshadow, scap;
	struct audit_finding *finds;
	size_t		 nfinds, ncap;
	size_t		 ndata;		/* data connections evaluated */
};

/* audit.c: grow an array of size-byte items to hold n + 1 (zeroed). */
void	*audit_grow(void *p, size_t *cap, size_t n, size_t size);

/* audit_rules.c: 0, or -1 on ENOMEM. */
int	 audit_find_shadowed(struct audit *);
int	 audit_find_broad(struct audit *);
int	 audit_find_ftp(struct audit *);

#endif
