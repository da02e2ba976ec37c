/* SPDX-License-Identifier: ISC */
/* report_fmt.h: the formats other tools read, written from the same
 * session events as the report (report.c): Zeek's ftp.log as TSV and as
 * JSON lines (report_zeek.c) and Suricata's EVE JSON (report_eve.c). */
#ifndef FTPAUDIT_REPORT_FMT_H
#define FTPAUDIT_REPORT_FMT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ftpaudit/session.h"

struct jw;

/*
 * A stable 64-bit hash of one TCP connection: its two endpoints in the
 * order given and the time of its first packet.  The same capture gives
 * the same value on every run and every machine: Zeek's uid and EVE's
 * flow_id come from it.
 */
uint64_t report_flow_hash(const struct fa_endpoint *a,
	    const struct fa_endpoint *b, uint64_t start_us);
/* The command's first reply with this code, or NULL. */
const struct fa_reply *report_reply_with(const struct fa_command *, int code);

struct zeek;
/* out is borrowed.  NULL when out of memory. */
struct zeek	*zeek_new(FILE *out, bool json);
/* The logged commands, comma-separated ("RETR,STOR"); "" logs none.
 * -1 with *why (static) on a word that is not a command verb. */
int	 zeek_set_commands(struct zeek *, const char *list, const char **why);
void	 zeek_session(struct zeek *, const struct fa_session *);
/* The #close line (TSV); 0, or -1 when a write failed. */
int	 zeek_finish(struct zeek *);
void	 zeek_free(struct zeek *);

struct eve;
/* out and pcap_filename (NULL: none, as live) are borrowed. */
struct eve	*eve_new(FILE *out, const char *pcap_filename);
void	 eve_set_pcap_filename(struct eve *, const char *);
void	 eve_session(struct eve *, const struct fa_session *);
int	 eve_finish(struct eve *);
void	 eve_free(struct eve *);

#endif
