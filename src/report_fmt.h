/* SPDX-License-Identifier: ISC */
/* report_fmt.h: what the format writers share: the JSON pieces of the
 * report (report_json.c) that live's events write too, and the formats
 * other tools read, written from the same session events as the report
 * (report.c): Zeek's ftp.log as TSV and as JSON lines (report_zeek.c)
 * and Suricata's EVE JSON (report_eve.c). */
#ifndef FTPAUDIT_REPORT_FMT_H
#define FTPAUDIT_REPORT_FMT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ftpaudit/report.h"

struct jw;
struct ftp_hostport;

/* JSON pieces (report_json.c), for the report and live's events. */
/* The session object, as -F json and -F ndjson write it and live's
 * session_end event carries it; its members alone, inside an object
 * the caller opened. */
void	 report_session_write(struct jw *, const struct fa_session *,
	    report_extend_fn, void *);
void	 report_session_members(struct jw *, const struct fa_session *,
	    report_extend_fn, void *);
/* An unattributed connection's members: initiator, responder, start,
 * bytes. */
void	 report_unattributed_members(struct jw *, const struct fa_unattributed *);
/* "community_id": the Community ID v1 (seed 0) of the TCP connection
 * between a and b, null when their families differ. */
void	 report_community_id(struct jw *, const struct fa_endpoint *a,
	    const struct fa_endpoint *b);
/* The "stats" object. */
void	 report_stats_write(struct jw *, const struct fa_stats *);
/* key and wire bytes (jw_wire), or null when there are none (!has, s
 * NULL). */
void	 report_json_bytes(struct jw *, const char *key, bool has,
	    const struct fa_bytes *);
void	 report_json_cstr(struct jw *, const char *key, const char *s);
/* key and a reply code, or null when there is none (0). */
void	 report_json_code(struct jw *, const char *key, int code);
/* The command's verb as sent (its whole verb when longer than 16). */
void	 report_json_verb(struct jw *, const struct fa_command *);
/* A transfer's "bytes", "bytes_captured" and "size" (null when no reply
 * announced one). */
void	 report_transfer_bytes(struct jw *, const struct fa_transfer *);
/* "tool", "version" and "schema_version", as members. */
void	 report_json_tool(struct jw *);
/* The "inputs" array (empty for NULL: live). */
void	 report_json_inputs(struct jw *, const struct capture *);

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
/* The data channel a command announced: PORT and EPRT as sent, PASV and
 * EPSV as answered (227, 229).  true with *hp when one parses; *passive
 * for PASV and EPSV. */
bool	 report_announced(const struct fa_command *, struct ftp_hostport *hp,
	    bool *passive);

/* zeek_new and eve_new write out once they have batch bytes gathered,
 * and at the end; 0 writes out each row or event as it is made. */
struct zeek;
/* out is borrowed.  NULL when out of memory. */
struct zeek	*zeek_new(FILE *out, bool json, size_t batch);
/* The logged commands, comma-separated ("RETR,STOR"); "" logs none.
 * -1 with *why (static) on a word that is not a command verb. */
int	 zeek_set_commands(struct zeek *, const char *list, const char **why);
void	 zeek_set_batch(struct zeek *, size_t batch);
void	 zeek_session(struct zeek *, const struct fa_session *);
/* What is gathered, and the #close line (TSV); 0, or -1 when a write
 * failed. */
int	 zeek_finish(struct zeek *);
void	 zeek_free(struct zeek *);

struct eve;
/* out and pcap_filename (NULL: none, as live) are borrowed. */
struct eve	*eve_new(FILE *out, const char *pcap_filename, size_t batch);
void	 eve_set_pcap_filename(struct eve *, const char *);
void	 eve_set_batch(struct eve *, size_t batch);
void	 eve_session(struct eve *, const struct fa_session *);
int	 eve_finish(struct eve *);
void	 eve_free(struct eve *);

#endif
