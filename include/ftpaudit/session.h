/* SPDX-License-Identifier: ISC */
/* session.h: the FTP session model the engine builds and every sink reads. */
#ifndef FTPAUDIT_SESSION_H
#define FTPAUDIT_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "ftpaudit/addr.h"
#include "ftpaudit/ftp_parse.h"

struct fa_pool;

/* Bytes from the wire: arbitrary, not NUL-terminated, owned by the record
 * (or by its session's pool, where the field says "pooled"). */
struct fa_bytes {
	uint8_t		*p;
	size_t		 len;
};

struct fa_reply {
	uint64_t	 ts_us;
	int		 code;
	struct fa_bytes	 text;		/* multi-line text joined with "\n" */
};

struct fa_command {
	uint64_t	 ts_us;
	char		 verb[17];	/* upper-cased */
	enum ftp_verb	 id;		/* of the whole verb; NONE when unknown */
	struct fa_bytes	 verb_long;	/* pooled: the whole verb when longer than 16 */
	bool		 has_arg;
	struct fa_bytes	 arg;		/* pooled; "<hidden>" for passwords unless shown */
	uint32_t	 end_seq;	/* client stream seq just past the line */
	struct fa_reply	*replies;	/* pooled array, texts pooled too */
	uint32_t	 nreplies, replies_cap;
	uint32_t	 replies_dropped;	/* beyond the per-command cap */
	int		 reply_code;	/* final reply, 0 while none */
	bool		 line_split;	/* line crossed TCP segments */
	bool		 line_bare_lf;
};

struct fa_anomaly {
	uint64_t	 ts_us;
	const char	*type;		/* static string */
	char		*detail;	/* owned, sanitised UTF-8-safe ASCII */
	char		*fix;		/* owned or NULL: the change that cures it */
};

/*
 * Both sides of a NAT translation seen and paired (nat.c): the endpoints
 * on each side.  Inside is the private side: the client's for snat and
 * both, the server's for dnat.
 */
enum fa_nat_kind { FA_NAT_NONE, FA_NAT_SNAT, FA_NAT_DNAT, FA_NAT_BOTH };
struct fa_nat {
	enum fa_nat_kind kind;		/* NONE: not translated, or one side seen */
	struct fa_endpoint in_client, in_server, out_client, out_server;
	int8_t		 payload_rewritten;	/* -1 null (no negotiation), 0, 1 */
};

enum fa_mode { FA_MODE_PASSIVE, FA_MODE_ACTIVE };
/* FA_NEG_TLS: the negotiation was inside an encrypted control channel; the
 * data connection was tied to the session by its hosts alone. */
enum fa_neg { FA_NEG_PASV, FA_NEG_EPSV, FA_NEG_PORT, FA_NEG_EPRT, FA_NEG_LPSV,
	FA_NEG_LPRT, FA_NEG_TLS };
enum fa_handshake { FA_HS_UNSEEN, FA_HS_COMPLETE, FA_HS_NO_ANSWER, FA_HS_RESET };
enum fa_dir { FA_DIR_NONE, FA_DIR_DOWNLOAD, FA_DIR_UPLOAD, FA_DIR_LISTING };
enum fa_xstatus { FA_XS_PENDING, FA_XS_COMPLETE, FA_XS_FAILED, FA_XS_ABORTED,
	FA_XS_NOT_CONNECTED, FA_XS_INCOMPLETE };

/* Why nf_conntrack_ftp would not have opened a data connection. */
enum {
	FA_HELPER_TLS		= 1 << 0,
	FA_HELPER_PORT		= 1 << 1,	/* control port not assigned to the helper */
	FA_HELPER_ADDR		= 1 << 2,	/* announced address != sender's address */
	FA_HELPER_SPLIT		= 1 << 3,	/* negotiation line split across segments */
	FA_HELPER_BARE_LF	= 1 << 4,
	FA_HELPER_FAMILY	= 1 << 5,	/* EPRT family != control family */
};

struct fa_transfer {
	uint32_t	 id;		/* 1-based within the session */
	enum fa_mode	 mode;
	enum fa_neg	 neg;
	struct fa_endpoint announced;	/* as negotiated (addr family NONE for 229) */
	struct fa_endpoint expected;	/* what the connection should reach */
	uint64_t	 neg_ts_us;
	uint32_t	 helper_flags;

	bool		 connected;
	bool		 initiator_server;	/* the FTP server opened it (active) */
	struct fa_endpoint data_client;	/* FTP client's end */
	struct fa_endpoint data_server;	/* FTP server's end */
	enum fa_handshake handshake;
	uint64_t	 start_us, end_us;	/* connection's first and last packet */
	uint64_t	 bytes_seq[2];	/* [0] client->server, [1] server->client, from seq */
	uint64_t	 bytes_cap[2];	/* captured payload bytes */

	int		 cmd_index;	/* index into commands, -1 when none */
	const char	*command;	/* static verb string or NULL */
	struct fa_bytes	 arg;		/* pooled */
	char		*path;		/* pooled, absolute when cwd known */
	enum fa_dir	 dir;
	enum fa_xstatus	 status;
	int		 reply_code;
	bool		 has_size;	/* the server announced size */
	uint64_t	 size;		/* its 150, or the 213 to SIZE before */
	bool		 binary;	/* TYPE I or L in effect: bytes as stored */
	bool		 restarted;	/* after a REST to a non-zero offset */
	bool		 closed;	/* data connection ended (FIN/RST) */
	bool		 reported;	/* transfer_end was sent to the sinks */
	bool		 has_isn;	/* data connection's SYN seen */
	uint32_t	 isn;		/* its sequence number (nat.c pairs by it) */
	struct fa_nat	*nat;		/* pooled; NULL unless seen on both sides */
};

enum fa_end_reason { FA_END_NONE, FA_END_QUIT, FA_END_FIN, FA_END_RST,
	FA_END_TIMEOUT, FA_END_CAPTURE };
enum fa_login { FA_LOGIN_NONE, FA_LOGIN_SUCCESS, FA_LOGIN_FAILED };

struct expect;

struct fa_session {
	uint64_t	 id;		/* 1-based, order of first packet */
	int		 refs;		/* engine, data connections, sinks: atomic */
	struct fa_endpoint client, server;
	uint64_t	 start_us, end_us;
	enum fa_end_reason end_reason;
	bool		 ended;

	struct fa_bytes	 banner;	/* pooled, as the three below; len 0
					   and p NULL when none */
	bool		 has_banner;
	struct fa_bytes	 user;
	bool		 has_user;
	struct fa_bytes	 password;
	bool		 has_password;
	struct fa_bytes	 account;
	bool		 has_account;
	enum fa_login	 login;
	uint32_t	 login_failures;
	bool		 tls;		/* AUTH TLS accepted or implicit FTPS */
	bool		 implicit_tls;
	bool		 epsv_all;
	char		*cwd;		/* owned, NUL-terminated wire bytes */
	char		 type[8];	/* TYPE argument, "" when none */
	bool		 quit_acked;	/* QUIT answered by 221 */
	bool		 detected;	/* found by the 220/command heuristic, not by port */

	struct fa_command *cmds;	/* pooled array */
	uint32_t	 ncmds, cmds_cap;
	uint64_t	 cmds_dropped;	/* beyond the per-session cap */
	struct fa_reply	*unsolicited;	/* pooled: replies that answer no command */
	uint32_t	 nunsolicited, unsolicited_cap;

	struct fa_transfer *xfers;	/* pooled array */
	uint32_t	 nxfers, xfers_cap;
	uint64_t	 xfers_dropped;

	struct fa_anomaly *anoms;	/* owned array */
	size_t		 anoms_cap;
	uint64_t	 anoms_dropped;
	uint32_t	 nanoms;

	uint32_t	 gaps;		/* holes in either control stream */
	uint64_t	 lines_cut;

	uint64_t	 ctl_bytes[2];	/* control payload bytes per direction */
	enum fa_handshake ctl_handshake;	/* of the control connection */
	uint32_t	 expects_open;	/* outstanding expectations */
	struct expect	*expects;	/* engine: the same, listed (expect.c) */
	/* The control connection's SYN and SYN-ACK sequence numbers: a NAT
	 * keeps them, so nat.c pairs the two sides of a translation by them. */
	uint32_t	 isn[2];	/* [0] client's, [1] server's */
	bool		 has_isn[2];
	uint64_t	 synack_us;	/* when the server's SYN was seen */
	struct fa_nat	*nat;		/* pooled; NULL unless paired (nat.c) */
	uint64_t	 nat_pair_id;	/* the other side's session id, 0 when none */
	char		*sensor;	/* owned: the record's observer, or NULL */
	/* Owned: what "pooled" fields point into, freed with the session. */
	struct fa_pool	*pool;
};

const char	*fa_mode_str(enum fa_mode);
const char	*fa_neg_str(enum fa_neg);
const char	*fa_handshake_str(enum fa_handshake);
const char	*fa_dir_str(enum fa_dir);
const char	*fa_xstatus_str(enum fa_xstatus);
const char	*fa_end_reason_str(enum fa_end_reason);
const char	*fa_login_str(enum fa_login);
/* Payload bytes in the transfer's own direction (seq-based, else captured). */
uint64_t	 fa_transfer_bytes(const struct fa_transfer *);
uint64_t	 fa_transfer_bytes_captured(const struct fa_transfer *);
/* Sessions are shared by the engine, expectations, data connections and
 * sinks that keep them; the last unref frees. */
char		*fa_escape(const uint8_t *p, size_t len, size_t max);
void		 fa_session_ref(struct fa_session *);
void		 fa_session_unref(struct fa_session *);
/* Hints for a thread about to read a session: see session.c. */
void		 fa_session_prefetch_head(const struct fa_session *);
void		 fa_session_prefetch(const struct fa_session *);

#endif
