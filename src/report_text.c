/* report_text.c: the readable per-session summary.  Every byte from the
 * wire goes through sanitize() before it is printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/nat.h"
#include "report_int.h"

static void
put_wire(FILE *f, const uint8_t *p, size_t len)
{
	char *s = sanitize(p, len);

	fputs(s ? s : "?", f);
	free(s);
}

/* 1536 -> "1.5 KiB" */
static const char *
human(uint64_t n, char *buf, size_t len)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

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
	char b1[32], b2[32];
	double dur = (double)(t->end_us - t->start_us) / 1e6;
	uint64_t bytes = fa_transfer_bytes(t);

	(void)s;
	fprintf(f, "    #%-3u %-7s %-4s %-4s ", t->id, fa_mode_str(t->mode),
	    fa_neg_str(t->neg), t->command ? t->command : "-");
	if (t->path != NULL)
		put_wire(f, (const uint8_t *)t->path, strlen(t->path));
	else if (t->arg.p != NULL)
		put_wire(f, t->arg.p, t->arg.len);
	else
		fputs("-", f);
	fprintf(f, "  %s", human(bytes, b1, sizeof b1));
	if (t->connected && dur > 0)
		fprintf(f, " in %.3f s (%s/s)", dur,
		    human((uint64_t)((double)bytes / dur), b2, sizeof b2));
	fputs("  ", f);
	fputs(fa_xstatus_str(t->status), f);
	if (t->reply_code)
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
	if (t->nat.kind != FA_NAT_NONE)
		put_nat(f, "         nat ", &t->nat, t->initiator_server);
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
	fprintf(f, "  %s  %.3f s  %s%s\n", fmt_ts(s->start_us, ts),
	    (double)(s->end_us - s->start_us) / 1e6, fa_end_reason_str(s->end_reason),
	    s->detected ? "  (found on a non-standard port)" : "");
	if (s->has_banner) {
		fputs("  banner    ", f);
		put_wire(f, s->banner.p, s->banner.len > 100 ? 100 : s->banner.len);
		fputc('\n', f);
	}
	fputs("  user      ", f);
	if (s->has_user)
		put_wire(f, s->user.p, s->user.len);
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
		put_wire(f, (const uint8_t *)s->cwd, strlen(s->cwd));
	}
	fputc('\n', f);
	if (s->nat.kind != FA_NAT_NONE)
		put_nat(f, "  nat       ", &s->nat, false);
	fputs("  commands  ", f);
	fput_uint(f, s->ncmds, 0);
	if (s->ncmds > 0) {
		fputs(" :", f);
		for (i = 0; i < s->ncmds && i < 24; i++) {
			fputc(' ', f);
			put_wire(f, (const uint8_t *)s->cmds[i].verb,
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
		fprintf(f, "  transfers %u\n", s->nxfers);
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
	char b[32];
	size_t i;

	for (i = 0; cap != NULL && i < capture_count(cap); i++) {
		in = capture_input(cap, i);
		fputs("Capture ", f);
		put_wire(f, (const uint8_t *)in->source, strlen(in->source));
		fprintf(f, "  %s  %llu packets  %s%s\n", in->link_type,
		    (unsigned long long)in->packets, human(in->bytes, b, sizeof b),
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
	char b[32];
	size_t i;

	if (nun == 0)
		return;
	fprintf(f, "Unattributed data-like connections: %zu\n", nun);
	for (i = 0; i < nun; i++) {
		fputs("  ", f);
		fput_endpoint(f, &un[i].initiator, true);
		fputs(" -> ", f);
		fput_endpoint(f, &un[i].responder, true);
		fprintf(f, "  %s\n", human(un[i].bytes, b, sizeof b));
	}
}
