/* SPDX-License-Identifier: ISC */
/* engine.h: the packet-to-session engine shared by analyze, live, rules and
 * audit.  It knows nothing about output: sinks receive session events. */
#ifndef FTPAUDIT_ENGINE_H
#define FTPAUDIT_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "ftpaudit/session.h"
#include "ftpaudit/decode.h"

#define FA_PORTSET_WORDS	(65536 / 64)

/* A set of TCP ports, as given by --ports / --tls-ports. */
struct fa_portset {
	uint64_t	 bits[FA_PORTSET_WORDS];
};
/* "21,2121,8021-8030"; 0 or -1 with *cause set to a static message. */
int	 fa_portset_parse(struct fa_portset *, const char *, const char **cause);
static inline bool
fa_portset_has(const struct fa_portset *ps, uint16_t port)
{
	return (ps->bits[port >> 6] >> (port & 63)) & 1;
}
static inline void
fa_portset_add(struct fa_portset *ps, uint16_t port)
{
	ps->bits[port >> 6] |= (uint64_t)1 << (port & 63);
}

struct fa_config {
	struct fa_portset ports;	/* FTP control ports (default 21) */
	struct fa_portset tls_ports;	/* implicit FTPS (default 990) */
	bool		 show_passwords;
	bool		 verify_checksums;
	bool		 detect_other_ports;	/* 220 + command heuristic */
	uint32_t	 max_conns;		/* connection table cap */
	uint64_t	 idle_timeout_us;	/* connection idle timeout */
	uint64_t	 expect_timeout_us;	/* expectation expiry */
	uint32_t	 reasm_stream_cap;	/* out-of-order bytes per direction */
	uint64_t	 reasm_total_cap;	/* out-of-order bytes in all */
	uint32_t	 line_max;		/* longest control line kept */
	uint32_t	 max_cmds;		/* commands kept per session */
	uint32_t	 max_replies;		/* replies kept per command */
	uint32_t	 max_xfers;		/* transfers kept per session */
	uint32_t	 max_expect_session;	/* outstanding expectations per session */
	uint32_t	 max_expect_total;
	uint32_t	 bruteforce_threshold;	/* failed logins from one address */
};
void	 fa_config_defaults(struct fa_config *);

struct fa_stats {
	uint64_t	 packets, bytes;
	uint64_t	 non_ip, non_tcp, malformed, fragments, bad_checksums;
	uint64_t	 tcp_packets, tcp_connections;
	uint64_t	 ftp_sessions, control_packets, data_packets;
	uint64_t	 data_connections, unattributed_data_connections;
	uint64_t	 conns_evicted, conns_timed_out, conn_cap_hits;
	uint64_t	 reasm_gaps, reasm_cap_hits, reasm_conflicts, retransmissions;
	uint64_t	 lines_truncated, cmds_dropped, xfers_dropped;
	uint64_t	 expectations, expect_cap_hits, expectations_expired;
	uint64_t	 peak_conns;
	uint64_t	 longest_probe;	/* connection table; -v only */
	uint64_t	 reader_cuts;	/* control packets the reader cut: a bug
					   if ever nonzero; not reported */
	uint64_t	 time_jumps_back;	/* capture.h's time_jumps, summed */
};

/* An unattributed data-looking connection. */
struct fa_unattributed {
	struct fa_endpoint initiator, responder;
	uint64_t	 start_us;
	uint64_t	 bytes;
};

/* Event sink.  Any callback may be NULL.  Pointers are borrowed for the
 * duration of the call, except session_end, after which the sink may keep
 * the session with fa_session_ref(). */
struct fa_sink {
	void	(*session_start)(void *, const struct fa_session *);
	void	(*command)(void *, const struct fa_session *, const struct fa_command *);
	void	(*reply)(void *, const struct fa_session *, const struct fa_command *,
		    const struct fa_reply *);
	void	(*transfer_start)(void *, const struct fa_session *, const struct fa_transfer *);
	void	(*transfer_end)(void *, const struct fa_session *, const struct fa_transfer *);
	void	(*anomaly)(void *, const struct fa_session *, const struct fa_anomaly *);
	void	(*session_end)(void *, struct fa_session *);
	void	(*unattributed)(void *, const struct fa_unattributed *);
	void	 *arg;
};

struct fa_engine;

/* Owned by the caller; free with fa_engine_free.  NULL on ENOMEM. */
struct fa_engine *fa_engine_new(const struct fa_config *);
void	 fa_engine_free(struct fa_engine *);
int	 fa_engine_add_sink(struct fa_engine *, const struct fa_sink *);
/* One captured frame of link type dlt. */
void	 fa_engine_packet(struct fa_engine *, int dlt, uint64_t ts_us,
	    const uint8_t *data, uint32_t caplen, uint32_t wirelen);
/* The same for a frame already decoded, as by the reader thread: pk is
 * read only when st is DECODE_TCP, its payload only where the engine
 * needs it (see reader.h). */
void	 fa_engine_decoded(struct fa_engine *, uint64_t ts_us, uint32_t wirelen,
	    enum decode_status st, const struct fa_pkt *pk);
/* A hint: pk, decoded, comes a few packets from now. */
void	 fa_engine_prefetch(const struct fa_engine *, const struct fa_pkt *pk);
/* Work another thread can do for the engine while it runs: have the
 * kernel give the memory it will take next.  False when there was none. */
bool	 fa_engine_populate(struct fa_engine *);
/* Ends every open session as capture_end and reports it. */
void	 fa_engine_finish(struct fa_engine *);
const struct fa_stats *fa_engine_stats(const struct fa_engine *);
/* n sessions were the other side of one already counted (the two sides
 * of a NAT translation, nat.c): ftp_sessions counts each pair once. */
void	 fa_engine_sessions_merged(struct fa_engine *, uint64_t n);
/* Add the inputs' backward time jumps to the stats (the engine's clock,
 * the newest time seen, never goes back itself). */
void	 fa_engine_add_time_jumps(struct fa_engine *, uint64_t n);
const struct fa_config *fa_engine_config(const struct fa_engine *);
size_t	 fa_engine_open_sessions(const struct fa_engine *);

#endif
