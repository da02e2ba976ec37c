/* SPDX-License-Identifier: ISC */
/* expect.h: expected data connections, announced by PORT/EPRT/LPRT or by
 * 227/228/229 replies, looked up when a new TCP connection appears. */
#ifndef FTPAUDIT_EXPECT_H
#define FTPAUDIT_EXPECT_H

#include <stdint.h>
#include <stdbool.h>

#include "ftpaudit/addr.h"
#include "ftpaudit/session.h"

/*
 * Ended expectations and data-connection counters wait on free lists for
 * reuse, except under AddressSanitizer, where reuse would hide a use
 * after free from it (fuzzing and the sanitizer build).
 */
#if defined(__SANITIZE_ADDRESS__)
#define FA_REUSE_FREED	0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FA_REUSE_FREED	0
#endif
#endif
#ifndef FA_REUSE_FREED
#define FA_REUSE_FREED	1
#endif

struct expect_group;

#define EXPECT_LINKS	4

struct expect {
	/* Two ways to be found: the announced endpoint (EXACT) and the same
	 * port on the control connection's peer (PEER: for NAT); each both
	 * by endpoint alone and by endpoint and initiator address (expect.c,
	 * L_*).  Each link is on its group's list of that kind, newest
	 * first. */
	struct expect_link {
		struct expect_link *next, *prev;
		struct expect_group *g;	/* the group's; NULL: not linked */
		struct expect	*e;
	}		 link[EXPECT_LINKS];
	struct expect	*prev, *next;	/* creation order, for expiry */
	struct expect	*sprev, *snext;	/* sess->expects */
	/* Borrowed from the session's control connection, which detaches
	 * it when the session ends (expect_drop_session); NULL after that. */
	struct fa_session *sess;
	uint32_t	 xfer;		/* transfer index in sess */
	struct fa_addr	 initiator;	/* address expected to connect */
	uint64_t	 expires_us;
};

struct expect_table;

struct expect_table *expect_table_new(uint32_t max_total);
void	 expect_table_free(struct expect_table *);
/* Creates an expectation for transfer xfer of sess.  It borrows sess:
 * whoever frees the session calls expect_drop_session first.  NULL when
 * the total cap is reached. */
struct expect *expect_add(struct expect_table *, struct fa_session *, uint32_t xfer,
	    const struct fa_endpoint *announced, const struct fa_endpoint *peer,
	    const struct fa_addr *initiator, uint64_t expires_us);
/*
 * The expectation a new connection from initiator to ep belongs to, among
 * those of open sessions, as the kernel's helper keys them and then less
 * exactly: the newest announced at ep for that initiator; else the newest
 * for it found at ep through the control connection's peer (NAT); else,
 * when the initiator has none there (not even of an ended session), the
 * same for any initiator (data_from_unexpected_host).  *fallback set
 * when found through the peer rather than the announced endpoint.
 */
struct expect *expect_find(struct expect_table *, const struct fa_addr *initiator,
	    const struct fa_endpoint *ep, bool *fallback);
/* Another expectation already announces this endpoint. */
bool	 expect_exists(struct expect_table *, const struct fa_endpoint *ep);
void	 expect_del(struct expect_table *, struct expect *);
/* The session has ended: its expectations stay until they expire (an
 * announced port stays announced) but no longer point to it, so that an
 * ended session's memory goes when its report is written. */
void	 expect_drop_session(struct fa_session *);
/* The oldest expectation, for expiry sweeps. */
struct expect *expect_oldest(struct expect_table *);
uint32_t expect_count(const struct expect_table *);

/* Remember that ep served as a passive data port, so later unmatched
 * connections to it can be recognised as FTP data.  The table keeps the
 * latest 65,536 (a full set of four forgets its oldest). */
void	 expect_note_data_port(struct expect_table *, const struct fa_endpoint *);
void	 expect_prefetch(const struct expect_table *, const struct fa_endpoint *a,
	    const struct fa_endpoint *b);
bool	 expect_was_data_port(struct expect_table *, const struct fa_endpoint *);

#endif
