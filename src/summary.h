/* SPDX-License-Identifier: ISC */
/*
 * summary.h: what a report says before its sessions: totals, each
 * server, the busiest clients, anomalies by type.  Filled one ended
 * session at a time (never per packet), read at the end by the text
 * report (report_text.c) and the HTML report.
 *
 * Memory is bounded: at most SUMMARY_MAX_SERVERS servers and
 * SUMMARY_MAX_CLIENTS clients are told apart; the sessions of the
 * others still count in the totals, and *_untracked says how many there
 * were, so that a report says what it could not break down.
 */
#ifndef FTPAUDIT_SUMMARY_H
#define FTPAUDIT_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "ftpaudit/engine.h"
#include "ftpaudit/session.h"

#define SUMMARY_MAX_SERVERS	1024
#define SUMMARY_MAX_CLIENTS	65536
#define SUMMARY_MAX_ANOMALY_TYPES 64
#define SUMMARY_NSTATUS		6	/* enum fa_xstatus */
#define SUMMARY_NREASONS	8	/* rules_vet()'s reasons, and room */

struct rules_opts;

/* What the totals, each server and each client count alike. */
struct summary_counts {
	uint64_t	 sessions;
	/* Sessions by login outcome (enum fa_login: none, success, failed). */
	uint64_t	 logins_ok, logins_failed, logins_none;
	uint64_t	 login_failures;	/* failed attempts, summed */
	uint64_t	 transfers[2];		/* by enum fa_mode */
	uint64_t	 bytes;			/* data bytes (fa_transfer_bytes) */
	uint64_t	 anomalies;		/* recorded in the sessions */
};

/* A server: its address and control port. */
struct summary_server {
	struct fa_endpoint ep;
	struct summary_counts c;
	/* The server's ports of the passive data connections seen. */
	uint16_t	 pasv_min, pasv_max;
	uint32_t	 pasv_ports;		/* distinct; 0: none seen */
	uint8_t		*pasv_seen;		/* owned: 65536-bit map, or NULL */
};

/* A client: its address (its ports change with each connection). */
struct summary_client {
	struct fa_addr	 addr;
	struct summary_counts c;
};

/* What is counted a little later (summary.c): a session's counts for its
 * client, a passive port for its server. */
#define SUMMARY_CLIENT_LAG	8
#define SUMMARY_PORT_LAG	32
struct summary_pending {
	struct fa_addr	 addr;
	uint32_t	 hash;
	struct summary_counts d;
};
struct summary_port {
	struct summary_server *sv;
	uint16_t	 port;
};

struct summary_anomaly {
	char		*type;			/* owned */
	uint64_t	 count;
};

/* Transfers that earn no firewall rule, by rules_vet()'s reason. */
struct summary_excluded {
	const char	*reason;		/* static */
	uint64_t	 count;
};

struct summary {
	struct summary_counts total;
	uint64_t	 status[SUMMARY_NSTATUS];	/* transfers by enum fa_xstatus */
	uint64_t	 not_captured;		/* transfers with no data connection seen */
	uint64_t	 tls;			/* sessions with an encrypted control channel */
	uint64_t	 unattributed;		/* data-like connections no session claimed */
	/* What the sessions could not keep (the engine's per-session caps). */
	uint64_t	 cmds_dropped, xfers_dropped, anoms_dropped, replies_dropped;
	uint64_t	 lines_cut, gaps, sessions_with_gaps;
	/* With summary_set_vet(): what the firewall rules leave out. */
	const struct rules_opts *vet;		/* borrowed, or NULL */
	struct summary_excluded excluded[SUMMARY_NREASONS];
	size_t		 nexcluded;

	/* Read only; the arrays are the summary's.  The clients and the
	 * servers' passive ports are complete once a sorted view (below)
	 * has been taken. */
	struct summary_server *servers;
	size_t		 nservers;
	uint64_t	 servers_untracked;	/* sessions to servers past the cap */
	struct summary_client *clients;
	size_t		 nclients;
	uint64_t	 clients_untracked;	/* sessions of clients past the cap */
	struct summary_anomaly *anomalies;
	size_t		 nanomalies;
	uint64_t	 anomalies_untyped;	/* of types past the cap */

	/* Private: the tables and sorted views (summary.c). */
	uint32_t	*server_slots, *client_slots;	/* owned: index + 1, 0 free */
	const struct summary_server **by_sessions;	/* owned, or NULL */
	const struct summary_client **top;		/* owned, or NULL */
	struct summary_pending lag[SUMMARY_CLIENT_LAG];
	unsigned	 lag_head, nlag;
	struct summary_port plag[SUMMARY_PORT_LAG];
	unsigned	 plag_head, nplag;
	int		 oom;			/* an allocation failed: counts are short */
};

/* Owned by the caller; NULL when out of memory. */
struct summary *summary_new(void);
void	 summary_free(struct summary *);
/* The session (borrowed) is counted; it may be freed right after. */
void	 summary_add_session(struct summary *, const struct fa_session *);
void	 summary_add_unattributed(struct summary *, const struct fa_unattributed *);
/* Count the transfers that the rules with these options (borrowed, for
 * the summary's life) leave out, by reason.  Before the first session. */
void	 summary_set_vet(struct summary *, const struct rules_opts *);

/*
 * Sorted views, the summary's, valid until the next summary_add_*: the
 * servers by sessions (most first; ties by address, then port), the
 * clients the same way (ties by address), the anomaly types by count
 * (ties by name).  NULL with *n 0 when out of memory.
 */
const struct summary_server **summary_servers(struct summary *, size_t *n);
const struct summary_client **summary_clients(struct summary *, size_t *n);
const struct summary_anomaly *summary_anomaly_types(struct summary *, size_t *n);

#endif
