/* SPDX-License-Identifier: ISC */
/* report_text.c: the readable per-session summary.  Every byte from the
 * wire goes through fput_wire() (sanitize()'s escaping) before it is
 * printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/nat.h"
#include "report_int.h"

/* Both sides of a translation: inside, outside, and whether an ALG
 * rewrote the negotiation between them. */
static void
put_nat(FILE *f, const char *lead, const struct fa_nat *n, bool server_first)
{
	fputs(lead, f);
	fputs(fa_nat_kind_str(n->kind), f);
	fputs("  inside ", f);
	fput_endpoint(f, server_first ? &n->in_server : &n->in_client, true);
	fputs(" -> ", f);
	fput_endpoint(f, server_first ? &n->in_client : &n->in_server, true);
	fputs("  outside ", f);
	fput_endpoint(f, server_first ? &n->out_server : &n->out_client, true);
	fputs(" -> ", f);
	fput_endpoint(f, server_first ? &n->out_client : &n->out_server, true);
	fprintf(f, "  payload rewritten %s\n", n->payload_rewritten < 0 ? "-" :
	    n->payload_rewritten ? "yes" : "no");
}

static void
put_transfer(FILE *f, const struct fa_session *s, const struct fa_transfer *t)
{
	char b[FMT_NUMLEN];
	double dur = (double)(t->end_us - t->start_us) / 1e6;
	uint64_t bytes = fa_transfer_bytes(t);

	(void)s;
	/* "    #%-3u %-7s %-4s %-4s " without printf's parsing */
	fputs("    #", f);
	fput_uint(f, t->id, 3);
	fputc(' ', f);
	fput_pad(f, fa_mode_str(t->mode), 7);
	fputc(' ', f);
	fput_pad(f, fa_neg_str(t->neg), 4);
	fputc(' ', f);
	fput_pad(f, t->command ? t->command : "-", 4);
	fputc(' ', f);
	if (t->path != NULL)
		fput_wire(f, (const uint8_t *)t->path, strlen(t->path));
	else if (t->arg.p != NULL)
		fput_wire(f, t->arg.p, t->arg.len);
	else
		fputs("-", f);
	fputs("  ", f);
	/* Unseen data is not "0 B": the size, when announced, still is. */
	if (t->connected)
		fputs(fmt_human(b, bytes), f);
	else
		fputs("not captured", f);
	if (t->has_size) {
		fputs(t->connected ? " of " : ", announced ", f);
		fputs(fmt_human(b, t->size), f);
	}
	if (t->connected && dur > 0) {
		fputs(" in ", f);
		fputs(fmt_ms(b, t->end_us - t->start_us), f);
		fputs(" s (", f);
		fputs(fmt_human(b, (uint64_t)((double)bytes / dur)), f);
		fputs("/s)", f);
	}
	fputs("  ", f);
	fputs(fa_xstatus_str(t->status), f);
	if (t->reply_code > 0) {
		fputc(' ', f);
		fput_uint(f, (uint64_t)t->reply_code, 0);
	} else if (t->reply_code)
		fprintf(f, " %d", t->reply_code);
	if (t->connected) {
		fputs("  data ", f);
		fput_endpoint(f, t->initiator_server ? &t->data_server :
		    &t->data_client, true);
		fputs(" -> ", f);
		fput_endpoint(f, t->initiator_server ? &t->data_client :
		    &t->data_server, true);
		if (t->handshake != FA_HS_COMPLETE)
			fprintf(f, " (handshake %s)", fa_handshake_str(t->handshake));
	} else {
		fputs("  announced ", f);
		fput_endpoint(f, &t->expected, true);
	}
	fputc('\n', f);
	if (t->nat != NULL)
		put_nat(f, "         nat ", t->nat, t->initiator_server);
}

void
report_text_session(FILE *f, const struct fa_session *s)
{
	char ts[FA_TSLEN];
	uint32_t i;

	fputs("Session ", f);
	fput_uint(f, s->id, 0);
	fputs("  ", f);
	fput_endpoint(f, &s->client, true);
	fputs(" -> ", f);
	fput_endpoint(f, &s->server, true);
	fputs("  ", f);
	fputs(fmt_ts(s->start_us, ts), f);
	fputs("  ", f);
	fputs(fmt_ms(ts, s->end_us - s->start_us), f);
	fputs(" s  ", f);
	fputs(fa_end_reason_str(s->end_reason), f);
	fputs(s->detected ? "  (found on a non-standard port)\n" : "\n", f);
	if (s->has_banner) {
		fputs("  banner    ", f);
		fput_wire(f, s->banner.p, s->banner.len > 100 ? 100 : s->banner.len);
		fputc('\n', f);
	}
	fputs("  user      ", f);
	if (s->has_user)
		fput_wire(f, s->user.p, s->user.len);
	else
		fputs("-", f);
	fputs("  login ", f);
	fputs(fa_login_str(s->login), f);
	if (s->login_failures)
		fprintf(f, " (%u failed)", s->login_failures);
	fputs("  tls ", f);
	fputs(s->tls ? (s->implicit_tls ? "implicit" : "yes") : "no", f);
	if (s->cwd != NULL) {
		fputs("  cwd ", f);
		fput_wire(f, (const uint8_t *)s->cwd, strlen(s->cwd));
	}
	fputc('\n', f);
	if (s->nat != NULL)
		put_nat(f, "  nat       ", s->nat, false);
	fputs("  commands  ", f);
	fput_uint(f, s->ncmds, 0);
	if (s->ncmds > 0) {
		fputs(" :", f);
		for (i = 0; i < s->ncmds && i < 24; i++) {
			fputc(' ', f);
			fput_wire(f, (const uint8_t *)s->cmds[i].verb,
			    strlen(s->cmds[i].verb));
			if (s->cmds[i].reply_code) {	/* 100 to 599 */
				fputc('(', f);
				fput_uint(f, (uint64_t)s->cmds[i].reply_code, 0);
				fputc(')', f);
			}
		}
		if (s->ncmds > 24)
			fputs(" ...", f);
	}
	fputc('\n', f);
	if (s->nxfers > 0) {
		fputs("  transfers ", f);
		fput_uint(f, s->nxfers, 0);
		fputc('\n', f);
		for (i = 0; i < s->nxfers; i++)
			put_transfer(f, s, &s->xfers[i]);
	}
	for (i = 0; i < s->nanoms; i++) {
		/* Details are built from fa_escape() output: already safe. */
		fprintf(f, "  ! %s: %s\n", s->anoms[i].type,
		    s->anoms[i].detail ? s->anoms[i].detail : "");
		if (s->anoms[i].fix != NULL)
			fprintf(f, "      fix: %s\n", s->anoms[i].fix);
	}
	if (s->gaps)
		fprintf(f, "  ! %u gap(s) in the control stream (lost capture data)\n",
		    s->gaps);
	fputc('\n', f);
}

/* What comes after everything else: the inputs and the totals. */
void
report_text_summary(FILE *f, const struct capture *cap, const struct fa_stats *st)
{
	const struct capture_input *in;
	char b[FMT_NUMLEN];
	size_t i;

	for (i = 0; cap != NULL && i < capture_count(cap); i++) {
		in = capture_input(cap, i);
		fputs("Capture ", f);
		fput_wire(f, (const uint8_t *)in->source, strlen(in->source));
		fprintf(f, "  %s  %llu packets  %s%s\n", in->link_type,
		    (unsigned long long)in->packets, fmt_human(b, in->bytes),
		    in->truncated ? "  (truncated)" : "");
		if (in->time_jumps > 0)
			fprintf(f, "  time runs back %llu time(s), first at frame "
			    "%llu by %llu.%06llu s%s\n",
			    (unsigned long long)in->time_jumps,
			    (unsigned long long)in->jump_frame,
			    (unsigned long long)(in->jump_us / 1000000),
			    (unsigned long long)(in->jump_us % 1000000),
			    in->jump_to_start ? " (to its first frame's time)" : "");
	}
	fprintf(f, "%llu FTP session(s), %llu data connection(s), %llu TCP connection(s)\n",
	    (unsigned long long)st->ftp_sessions,
	    (unsigned long long)st->data_connections,
	    (unsigned long long)st->tcp_connections);
}

/* Data-like connections no session claimed, after the sessions. */
void
report_text_unattributed(FILE *f, const struct fa_unattributed *un, size_t nun)
{
	char b[FMT_NUMLEN];
	size_t i;

	if (nun == 0)
		return;
	fprintf(f, "Unattributed data-like connections: %zu\n", nun);
	for (i = 0; i < nun; i++) {
		fputs("  ", f);
		fput_endpoint(f, &un[i].initiator, true);
		fputs(" -> ", f);
		fput_endpoint(f, &un[i].responder, true);
		fprintf(f, "  %s\n", fmt_human(b, un[i].bytes));
	}
}
