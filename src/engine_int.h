/* SPDX-License-Identifier: ISC */
/* engine_int.h: what engine.c, control.c and data.c share. */
#ifndef FTPAUDIT_ENGINE_INT_H
#define FTPAUDIT_ENGINE_INT_H

#include "ftpaudit/engine.h"
#include "ftpaudit/conn.h"
#include "ftpaudit/expect.h"
#include "ftpaudit/buf.h"
#include "ftpaudit/ftp_parse.h"
#include "ftpaudit/reasm.h"

#define MAX_SINKS	8
#define MAX_PENDING	1024	/* pipelined commands awaiting a reply */

/* Direction of a control or data stream, by FTP role. */
enum { TO_SERVER = 0, TO_CLIENT = 1 };

/* A command still waiting for its final reply. */
struct pending {
	int32_t		 cmd;		/* index in sess->cmds, -1 when not kept */
	uint32_t	 end_seq;
	enum ftp_verb	 verb;
	char		*target;	/* owned: CWD target, resolved */
	bool		 target_lost;	/* past FA_PATH_MAX: cwd unknown */
	int32_t		 xfer;		/* transfer bound to a data command, -1 */
	uint64_t	 ts_us;
};

/* Per control connection state; owned by the conn entry (conn->owner). */
struct ctl {
	struct fa_session *sess;	/* reference held */
	int		 server_side;	/* conn key side of the server */
	struct reasm	 rs[2];		/* by role */
	struct ftp_linebuf lb[2];
	bool		 after_gap[2];	/* next line may start mid-line */
	struct ftp_reply_asm ra;
	/* Multi-line reply being assembled. */
	int		 rcode;
	struct fa_buf	 rtext;		/* rtext_len bytes and a NUL: the
					   pool's first, then owned */
	size_t		 rtext_len;
	uint64_t	 rts;
	uint32_t	 rack;
	bool		 rack_valid;
	bool		 rsplit, rbare_lf;
	uint32_t	 server_gaps;	/* gaps seen in the server stream */
	uint32_t	 gaps_at_last_reply;
	struct fa_buf	 pend;		/* ring of pend_cap struct pending:
					   the pool's first, then owned */
	uint32_t	 pend_head, npend, pend_cap;
	bool		 decoding;	/* false once TLS starts */
	bool		 confirmed;	/* detected on another port: first command seen */
	bool		 abor_pending;
	bool		 path_said;	/* path_too_long reported */
	const char	*size_path;	/* pooled: path of the last SIZE answered */
	uint64_t	 size_val;	/* and its size, until an upload to it,
					   DELE or a rename */
	bool		 rest;		/* REST to a non-zero offset, until one */
	/* In the engine's index of encrypted sessions (engine_tls_open):
	 * its bucket's chain, newest first. */
	bool		 tls_listed;
	struct ctl	*tls_next, *tls_prev;
};

struct fa_engine {
	struct fa_config cfg;
	struct fa_stats	 st;
	struct conn_table *conns;
	struct expect_table *expects;
	struct reasm_budget budget;
	struct fa_sink	 sinks[MAX_SINKS];
	int		 nsinks;
	uint64_t	 next_id;
	uint64_t	 now_us;	/* latest timestamp seen */
	uint64_t	 next_sweep_us;
	size_t		 open_sessions;
	uint32_t	 pool_avg;	/* pool bytes of ended sessions, running mean */
	/* Failed logins per client address, for login_bruteforce. */
	struct fail_set	*fails;		/* owned; FAIL_SETS of them */
	/* Open sessions whose control channel is encrypted (borrowed: the
	 * control connection holds them and unregisters at its end). */
	struct ctl	**tls;		/* owned: TLS_BUCKETS chains, or NULL */
	uint32_t	 ntls;
	/* Byte counters of ended data connections, kept for the next ones
	 * (owned; a list through their first bytes).  At most the peak
	 * number of data connections at once. */
	void		*spare_bytes;
};

#define SINKS(e, cb, ...) do {						\
	int i_;								\
	for (i_ = 0; i_ < (e)->nsinks; i_++)				\
		if ((e)->sinks[i_].cb != NULL)				\
			(e)->sinks[i_].cb((e)->sinks[i_].arg, __VA_ARGS__); \
} while (0)

/* engine.c */
void	 engine_anomaly(struct fa_engine *, struct fa_session *, uint64_t ts,
	    const char *type, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
void	 engine_login_failed(struct fa_engine *, struct fa_session *, uint64_t ts);
void	 engine_confirm(struct fa_engine *, struct ctl *);
void	 engine_tls_open(struct fa_engine *, struct ctl *);
void	 engine_tls_close(struct fa_engine *, struct ctl *);
/* The open TLS session between hosts a (connecting) and b, and which mode
 * a connection from a to b would be. */
struct fa_session *engine_tls_session(struct fa_engine *, const struct fa_addr *a,
	    const struct fa_addr *b, enum fa_mode *);
struct conn_bytes *engine_bytes_new(struct fa_engine *);
void	 engine_bytes_free(struct fa_engine *, struct conn_bytes *);
void	 engine_transfer_end(struct fa_engine *, struct fa_session *, struct fa_transfer *);

/* control.c */
struct ctl *ctl_new(struct fa_engine *, struct conn *, int server_side, uint64_t id);
void	 ctl_free(struct ctl *);
void	 ctl_packet(struct fa_engine *, struct conn *, struct ctl *, int role,
	    const struct fa_pkt *, uint64_t ts);
void	 ctl_end(struct fa_engine *, struct ctl *, enum fa_end_reason, uint64_t ts);

/* data.c */
bool	 data_attach(struct fa_engine *, struct conn *, const struct fa_pkt *, int side,
	    uint64_t ts);
void	 data_packet(struct fa_engine *, struct conn *, int side, const struct fa_pkt *,
	    uint64_t ts);
void	 data_end(struct fa_engine *, struct conn *, uint64_t ts);
int	 xfer_new(struct fa_engine *, struct fa_session *, enum fa_mode, enum fa_neg,
	    const struct fa_endpoint *announced, uint64_t ts, uint32_t helper_flags);
void	 xfer_finish(struct fa_engine *, struct fa_session *);


#endif
