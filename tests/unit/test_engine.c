/* SPDX-License-Identifier: ISC */
/* test_engine.c: the engine end to end on hand-built frames: pairing of
 * replies with commands when packets are lost or pipelined, detection on
 * other ports, data-connection correlation and byte counts. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/dlt.h>

#include "ftpaudit/engine.h"
#include "ftpaudit/expect.h"
#include "../frame.h"
#include "engine_int.h"
#include "session_int.h"

/* One TCP peer: its address, port and next sequence number. */
struct peer {
	uint8_t		 ip[4];
	uint16_t	 port;
	uint32_t	 seq;
};

struct world {
	struct fa_engine *e;
	uint64_t	 ts;
	struct fa_session *ended[128];	/* references held */
	int		 nended;
};

static void
on_end(void *arg, struct fa_session *s)
{
	struct world *w = arg;

	assert_true(w->nended < 128);
	fa_session_ref(s);
	w->ended[w->nended++] = s;
}

static void
world_init(struct world *w, const struct fa_config *cfg)
{
	struct fa_config def;
	struct fa_sink sink = { 0 };

	memset(w, 0, sizeof *w);
	if (cfg == NULL) {
		fa_config_defaults(&def);
		cfg = &def;
	}
	w->e = fa_engine_new(cfg);
	assert_non_null(w->e);
	sink.session_end = on_end;
	sink.arg = w;
	fa_engine_add_sink(w->e, &sink);
	w->ts = 1700000000ULL * 1000000;
}

static void
world_free(struct world *w)
{
	int i;

	fa_engine_free(w->e);
	for (i = 0; i < w->nended; i++)
		fa_session_unref(w->ended[i]);
}

/* Build an Ethernet/IPv4/TCP frame of len payload bytes (NULs too) and
 * feed it; advance the sender's seq unless lost (a lost segment still
 * consumes sequence space). */
static void
send_raw(struct world *w, struct peer *from, struct peer *to, uint8_t flags,
    const char *payload, size_t len, int lost)
{
	uint8_t f[FRAME_HDR + 1600];
	size_t n;

	assert_true(len <= 1600);
	/* Every segment but the first SYN acknowledges the peer. */
	if (!(flags & FRAME_SYN) || (flags & FRAME_ACK))
		flags |= FRAME_ACK;
	n = frame_tcp4(f, from->ip, to->ip, from->port, to->port, from->seq,
	    to->seq, flags, payload, len);
	w->ts += 1000;
	if (!lost)
		fa_engine_packet(w->e, DLT_EN10MB, w->ts, f, (uint32_t)n, (uint32_t)n);
	from->seq += (uint32_t)len + ((flags & (FRAME_SYN | FRAME_FIN)) ? 1 : 0);
}

static void
send_seg(struct world *w, struct peer *from, struct peer *to, uint8_t flags,
    const char *payload, int lost)
{
	send_raw(w, from, to, flags, payload, payload ? strlen(payload) : 0,
	    lost);
}

#define SYN 0x02
#define FIN 0x01
#define RST 0x04

static void
handshake(struct world *w, struct peer *c, struct peer *s)
{
	send_seg(w, c, s, SYN, NULL, 0);
	send_seg(w, s, c, SYN, NULL, 0);	/* SYN+ACK: ACK added */
	send_seg(w, c, s, 0, NULL, 0);
}

static void
teardown(struct world *w, struct peer *c, struct peer *s)
{
	send_seg(w, s, c, FIN, NULL, 0);
	send_seg(w, c, s, FIN, NULL, 0);
	send_seg(w, s, c, 0, NULL, 0);
}

static struct peer
P(int a, int b, int cc, int d, uint16_t port, uint32_t seq)
{
	struct peer p = { { (uint8_t)a, (uint8_t)b, (uint8_t)cc, (uint8_t)d }, port, seq };

	return p;
}

static void
assert_cmd(const struct fa_session *s, uint32_t i, const char *verb, int code)
{
	assert_true(i < s->ncmds);
	assert_string_equal(s->cmds[i].verb, verb);
	assert_int_equal(s->cmds[i].reply_code, code);
}

static void
test_pipelined(void **state)
{
	struct world w;
	struct peer c = P(10, 0, 0, 1, 40000, 1000), s = P(10, 0, 0, 2, 21, 5000);

	(void)state;
	world_init(&w, NULL);
	handshake(&w, &c, &s);
	send_seg(&w, &s, &c, 0, "220 hi\r\n", 0);
	send_seg(&w, &c, &s, 0, "USER anonymous\r\nPASS x@\r\nTYPE I\r\nPWD\r\n", 0);
	send_seg(&w, &s, &c, 0, "331 ok\r\n230-Welcome\r\n 230 not the end\r\n", 0);
	send_seg(&w, &s, &c, 0, "230 in\r\n200 binary\r\n257 \"/a \"\"b\"\"\" is cwd\r\n", 0);
	send_seg(&w, &c, &s, 0, "QUIT\r\n", 0);
	send_seg(&w, &s, &c, 0, "221 bye\r\n", 0);
	teardown(&w, &c, &s);
	assert_int_equal(w.nended, 1);
	assert_cmd(w.ended[0], 0, "USER", 331);
	assert_cmd(w.ended[0], 1, "PASS", 230);
	assert_int_equal(w.ended[0]->cmds[1].replies[0].text.len,
	    strlen("Welcome\n 230 not the end\nin"));
	assert_cmd(w.ended[0], 2, "TYPE", 200);
	assert_cmd(w.ended[0], 3, "PWD", 257);
	assert_string_equal(w.ended[0]->cwd, "/a \"b\"");
	assert_int_equal(w.ended[0]->login, FA_LOGIN_SUCCESS);
	assert_int_equal(w.ended[0]->end_reason, FA_END_QUIT);
	/* The guest password is kept; PASS's argument too. */
	assert_memory_equal(w.ended[0]->password.p, "x@", 2);
	world_free(&w);
}

/* The ring of commands awaiting a reply grows while it wraps: USER is
 * answered, TYPE takes its slot at the ring's start, and PWD doubles the
 * ring with the head past the start.  Each reply still pairs in order. */
static void
test_pipelined_wrap(void **state)
{
	struct world w;
	struct peer c = P(10, 0, 0, 1, 40000, 1000), s = P(10, 0, 0, 2, 21, 5000);

	(void)state;
	world_init(&w, NULL);
	handshake(&w, &c, &s);
	send_seg(&w, &s, &c, 0, "220 hi\r\n", 0);
	send_seg(&w, &c, &s, 0, "USER a\r\nPASS b\r\n", 0);
	send_seg(&w, &s, &c, 0, "331 ok\r\n", 0);
	send_seg(&w, &c, &s, 0, "TYPE I\r\nPWD\r\nSYST\r\nNOOP\r\nFEAT\r\n", 0);
	send_seg(&w, &s, &c, 0, "230 in\r\n200 binary\r\n257 \"/x\"\r\n"
	    "215 UNIX\r\n200 noop\r\n211 none\r\n", 0);
	teardown(&w, &c, &s);
	assert_int_equal(w.nended, 1);
	assert_cmd(w.ended[0], 0, "USER", 331);
	assert_cmd(w.ended[0], 1, "PASS", 230);
	assert_cmd(w.ended[0], 2, "TYPE", 200);
	assert_cmd(w.ended[0], 3, "PWD", 257);
	assert_cmd(w.ended[0], 4, "SYST", 215);
	assert_cmd(w.ended[0], 5, "NOOP", 200);
	assert_cmd(w.ended[0], 6, "FEAT", 211);
	assert_string_equal(w.ended[0]->cwd, "/x");
	world_free(&w);
}

/* A reply lost from the capture must not shift later pairings. */
static void
test_lost_reply(void **state)
{
	struct world w;
	struct peer c = P(10, 0, 0, 1, 40001, 1000), s = P(10, 0, 0, 2, 21, 5000);

	(void)state;
	world_init(&w, NULL);
	handshake(&w, &c, &s);
	send_seg(&w, &s, &c, 0, "220 hi\r\n", 0);
	send_seg(&w, &c, &s, 0, "USER bob\r\n", 0);
	send_seg(&w, &s, &c, 0, "331 pass\r\n", 1);	/* lost */
	send_seg(&w, &c, &s, 0, "PASS secret\r\n", 0);
	send_seg(&w, &s, &c, 0, "230 in\r\n", 0);
	send_seg(&w, &c, &s, 0, "SYST\r\n", 0);
	send_seg(&w, &s, &c, 0, "215 UNIX\r\n", 0);
	teardown(&w, &c, &s);
	assert_int_equal(w.nended, 1);
	assert_cmd(w.ended[0], 0, "USER", 0);
	assert_cmd(w.ended[0], 1, "PASS", 230);
	assert_cmd(w.ended[0], 2, "SYST", 215);
	assert_memory_equal(w.ended[0]->cmds[1].arg.p, "<hidden>", 8);
	assert_memory_equal(w.ended[0]->password.p, "<hidden>", 8);
	assert_int_equal(w.ended[0]->gaps, 1);
	world_free(&w);
}

/*
 * A line without a valid code answers the command the server is waiting
 * on, with code 0, so later replies keep their commands: "99 PASV invalid"
 * and " SYST not supported" as in Zeek's ftp-invalid-reply-code and
 * ftp-missing-reply-code captures.  Code-less lines inside a multi-line
 * reply are its text, junk before any command answers nothing, and a
 * code-less line after a 150 leaves the transfer waiting for its 226.
 */
static void
test_invalid_reply(void **state)
{
	struct world w;
	struct peer c = P(10, 0, 0, 1, 40009, 1000), s = P(10, 0, 0, 2, 21, 5000);
	const struct fa_session *se;
	uint32_t i;
	int invalid = 0;

	(void)state;
	world_init(&w, NULL);
	handshake(&w, &c, &s);
	send_seg(&w, &s, &c, 0, "220-hi\r\nno code here\r\n220 ready\r\n", 0);
	send_seg(&w, &c, &s, 0, "USER zeek\r\n", 0);
	send_seg(&w, &s, &c, 0, "230 USER OK\r\n", 0);
	send_seg(&w, &c, &s, 0, "PASV\r\n", 0);
	send_seg(&w, &s, &c, 0, "99 PASV invalid\r\n", 0);
	send_seg(&w, &c, &s, 0, "SYST\r\n", 0);
	send_seg(&w, &s, &c, 0, " SYST not supported\r\n", 0);
	send_seg(&w, &c, &s, 0, "RETR f\r\n", 0);
	send_seg(&w, &s, &c, 0, "150 here\r\nstray\r\n550 no data\r\n", 0);
	send_seg(&w, &c, &s, 0, "QUIT\r\n", 0);
	send_seg(&w, &s, &c, 0, "221 Bye\r\n", 0);
	teardown(&w, &c, &s);
	assert_int_equal(w.nended, 1);
	se = w.ended[0];
	assert_true(se->has_banner);
	assert_int_equal(se->nunsolicited, 1);
	assert_cmd(se, 0, "USER", 230);
	assert_cmd(se, 1, "PASV", 0);
	assert_int_equal(se->cmds[1].nreplies, 1);
	assert_int_equal(se->cmds[1].replies[0].code, 0);
	assert_int_equal(se->cmds[1].replies[0].text.len, strlen("99 PASV invalid"));
	assert_memory_equal(se->cmds[1].replies[0].text.p, "99 PASV invalid", 15);
	assert_cmd(se, 2, "SYST", 0);
	assert_int_equal(se->cmds[2].nreplies, 1);
	assert_memory_equal(se->cmds[2].replies[0].text.p, " SYST not supported", 19);
	assert_cmd(se, 3, "RETR", 550);
	assert_int_equal(se->cmds[3].nreplies, 3);
	assert_int_equal(se->cmds[3].replies[1].code, 0);
	assert_cmd(se, 4, "QUIT", 221);
	assert_int_equal(se->end_reason, FA_END_QUIT);
	for (i = 0; i < se->nanoms; i++)
		if (strcmp(se->anoms[i].type, "invalid_reply") == 0)
			invalid++;
	assert_int_equal(invalid, 3);
	world_free(&w);
}

/* A command lost from the capture: its reply answers no known command. */
static void
test_lost_command(void **state)
{
	struct world w;
	struct peer c = P(10, 0, 0, 1, 40002, 1000), s = P(10, 0, 0, 2, 21, 5000);

	(void)state;
	world_init(&w, NULL);
	handshake(&w, &c, &s);
	send_seg(&w, &s, &c, 0, "220 hi\r\n", 0);
	send_seg(&w, &c, &s, 0, "NOOP\r\n", 0);
	send_seg(&w, &s, &c, 0, "200 ok\r\n", 0);
	send_seg(&w, &c, &s, 0, "CWD /x\r\n", 1);	/* lost */
	send_seg(&w, &s, &c, 0, "250 done\r\n", 0);
	send_seg(&w, &c, &s, 0, "PWD\r\n", 0);
	send_seg(&w, &s, &c, 0, "257 \"/x\"\r\n", 0);
	teardown(&w, &c, &s);
	assert_int_equal(w.nended, 1);
	assert_int_equal(w.ended[0]->ncmds, 2);
	assert_cmd(w.ended[0], 0, "NOOP", 200);
	assert_cmd(w.ended[0], 1, "PWD", 257);
	/* 220 and the 250 of the lost CWD */
	assert_int_equal(w.ended[0]->nunsolicited, 2);
	assert_int_equal(w.ended[0]->unsolicited[1].code, 250);
	world_free(&w);
}

/* Both lost: the reply to the lost command must not go to the older one
 * whose reply was lost too (zeek's cwd-navigation capture). */
static void
test_lost_both(void **state)
{
	struct world w;
	struct peer c = P(10, 0, 0, 1, 40003, 1000), s = P(10, 0, 0, 2, 21, 5000);

	(void)state;
	world_init(&w, NULL);
	handshake(&w, &c, &s);
	send_seg(&w, &s, &c, 0, "220 hi\r\n", 0);
	send_seg(&w, &c, &s, 0, "TYPE I\r\n", 0);
	send_seg(&w, &s, &c, 0, "200 binary\r\n", 1);	/* lost */
	send_seg(&w, &c, &s, 0, "PASV\r\n", 1);		/* lost */
	send_seg(&w, &s, &c, 0, "227 Entering Passive Mode (10,0,0,2,200,10)\r\n", 0);
	send_seg(&w, &c, &s, 0, "RETR f\r\n", 0);
	send_seg(&w, &s, &c, 0, "150 go\r\n226 done\r\n", 0);
	teardown(&w, &c, &s);
	assert_int_equal(w.nended, 1);
	assert_cmd(w.ended[0], 0, "TYPE", 0);
	assert_cmd(w.ended[0], 1, "RETR", 226);
	/* The 227 still announced a port, and RETR used it. */
	assert_int_equal(w.ended[0]->nxfers, 1);
	assert_int_equal(w.ended[0]->xfers[0].announced.port, 200 * 256 + 10);
	assert_string_equal(w.ended[0]->xfers[0].command, "RETR");
	world_free(&w);
}

/* Passive download with a data segment lost: size from sequence numbers. */
static void
test_passive_bytes(void **state)
{
	struct world w;
	struct peer c = P(10, 0, 0, 1, 40004, 1000), s = P(10, 0, 0, 2, 21, 5000);
	struct peer dc = P(10, 0, 0, 1, 40100, 77), ds = P(10, 0, 0, 2, 50000, 0xfffffff0u);
	char chunk[1001];

	(void)state;
	memset(chunk, 'x', 1000);
	chunk[1000] = '\0';
	world_init(&w, NULL);
	handshake(&w, &c, &s);
	send_seg(&w, &s, &c, 0, "220 hi\r\n", 0);
	send_seg(&w, &c, &s, 0, "CWD /pub\r\n", 0);
	send_seg(&w, &s, &c, 0, "250 ok\r\n", 0);
	send_seg(&w, &c, &s, 0, "PASV\r\n", 0);
	send_seg(&w, &s, &c, 0, "227 Entering Passive Mode (192,168,9,9,195,80).\r\n", 0);
	send_seg(&w, &c, &s, 0, "RETR ../f.bin\r\n", 0);
	handshake(&w, &dc, &ds);
	send_seg(&w, &s, &c, 0, "150 go\r\n", 0);
	send_seg(&w, &ds, &dc, 0, chunk, 0);
	send_seg(&w, &ds, &dc, 0, chunk, 1);		/* lost, across 2^32 */
	send_seg(&w, &ds, &dc, 0, chunk, 0);
	teardown(&w, &dc, &ds);
	send_seg(&w, &s, &c, 0, "226 done\r\n", 0);
	teardown(&w, &c, &s);
	assert_int_equal(w.nended, 1);
	assert_int_equal(w.ended[0]->nxfers, 1);
	{
		const struct fa_transfer *t = &w.ended[0]->xfers[0];
		const struct fa_session *se = w.ended[0];
		uint32_t i;
		int nat = 0;

		assert_true(t->connected);
		assert_int_equal(t->mode, FA_MODE_PASSIVE);
		assert_int_equal(t->dir, FA_DIR_DOWNLOAD);
		assert_string_equal(t->path, "/f.bin");
		assert_int_equal(fa_transfer_bytes(t), 3000);
		assert_int_equal(fa_transfer_bytes_captured(t), 2000);
		assert_int_equal(t->status, FA_XS_COMPLETE);
		assert_int_equal(t->handshake, FA_HS_COMPLETE);
		assert_int_equal(t->data_server.port, 50000);
		/* 192.168.9.9 announced, 10.0.0.2 connected to */
		for (i = 0; i < se->nanoms; i++)
			nat += strcmp(se->anoms[i].type, "nat_mismatch") == 0;
		assert_int_equal(nat, 1);
	}
	world_free(&w);
}

/* PASV to port 50000 + i, cmd, then (unless unseen) a data connection
 * carrying data, the 150 prelim and 226. */
static void
sized_retr(struct world *w, struct peer *c, struct peer *s, int i,
    const char *cmd, const char *prelim, const char *data, int unseen)
{
	struct peer dc = P(10, 0, 0, 1, (uint16_t)(40200 + i), 77);
	struct peer ds = P(10, 0, 0, 2, (uint16_t)(50000 + i), 9000);
	char line[128];

	send_seg(w, c, s, 0, "PASV\r\n", 0);
	snprintf(line, sizeof line, "227 Entering Passive Mode (10,0,0,2,195,%d).\r\n",
	    80 + i);
	send_seg(w, s, c, 0, line, 0);
	send_seg(w, c, s, 0, cmd, 0);
	if (!unseen)
		handshake(w, &dc, &ds);
	send_seg(w, s, c, 0, prelim, 0);
	if (!unseen) {
		send_seg(w, &ds, &dc, 0, data, 0);
		teardown(w, &dc, &ds);
	}
	send_seg(w, s, c, 0, "226 done\r\n", 0);
}

/*
 * Announced sizes: the 150's "(N bytes)", else the 213 to a SIZE of the
 * same path just before; a binary transfer seen whole that carried other
 * than that raises transfer_size_mismatch, an ASCII one does not.
 */
static void
test_announced_size(void **state)
{
	struct world w;
	struct peer c = P(10, 0, 0, 1, 40010, 1000), s = P(10, 0, 0, 2, 21, 5000);
	const struct fa_session *se;
	uint32_t i;
	int mismatch = 0;

	(void)state;
	world_init(&w, NULL);
	handshake(&w, &c, &s);
	send_seg(&w, &s, &c, 0, "220 hi\r\n", 0);
	send_seg(&w, &c, &s, 0, "TYPE I\r\n", 0);
	send_seg(&w, &s, &c, 0, "200 binary\r\n", 0);
	send_seg(&w, &c, &s, 0, "SIZE f.bin\r\n", 0);
	send_seg(&w, &s, &c, 0, "213 5\r\n", 0);
	sized_retr(&w, &c, &s, 0, "RETR f.bin\r\n", "150 go\r\n", "12345", 0);
	sized_retr(&w, &c, &s, 1, "RETR g.bin\r\n", "150 Opening BINARY mode "
	    "data connection for g (1 bytes).bin (8 bytes).\r\n", "123456", 0);
	send_seg(&w, &c, &s, 0, "SIZE x\r\n", 0);
	send_seg(&w, &s, &c, 0, "213 100\r\n", 0);
	sized_retr(&w, &c, &s, 2, "RETR y\r\n", "150-Accepted data connection\r\n"
	    "150 5289713.5 kbytes to download\r\n", "1", 0);
	sized_retr(&w, &c, &s, 3, "RETR z\r\n", "150 z (4 bytes)\r\n", NULL, 1);
	send_seg(&w, &c, &s, 0, "TYPE A\r\n", 0);
	send_seg(&w, &s, &c, 0, "200 ascii\r\n", 0);
	sized_retr(&w, &c, &s, 4, "RETR h.txt\r\n", "150 h.txt (9 Bytes)\r\n",
	    "1234567", 0);
	teardown(&w, &c, &s);
	assert_int_equal(w.nended, 1);
	se = w.ended[0];
	assert_int_equal(se->nxfers, 5);
	assert_true(se->xfers[0].has_size);
	assert_int_equal(se->xfers[0].size, 5);
	assert_int_equal(fa_transfer_bytes(&se->xfers[0]), 5);
	assert_true(se->xfers[1].has_size);
	assert_int_equal(se->xfers[1].size, 8);
	assert_int_equal(fa_transfer_bytes(&se->xfers[1]), 6);
	assert_int_equal(se->xfers[1].status, FA_XS_COMPLETE);
	assert_false(se->xfers[2].has_size);
	assert_true(se->xfers[3].has_size);
	assert_int_equal(se->xfers[3].size, 4);
	assert_false(se->xfers[3].connected);
	assert_true(se->xfers[4].has_size);
	assert_int_equal(se->xfers[4].size, 9);
	assert_false(se->xfers[4].binary);
	for (i = 0; i < se->nanoms; i++)
		if (strcmp(se->anoms[i].type, "transfer_size_mismatch") == 0) {
			mismatch++;
			assert_string_equal(se->anoms[i].detail,
			    "transfer 2: 6 bytes carried, 8 announced");
		}
	assert_int_equal(mismatch, 1);
	world_free(&w);
}

/* The session ended with client address a (last byte), or NULL. */
static struct fa_session *
ended_from(struct world *w, uint8_t a)
{
	int i;

	for (i = 0; i < w->nended; i++)
		if (w->ended[i]->client.ip.a[3] == a)
			return w->ended[i];
	return NULL;
}

static int
count_anomalies(const struct fa_session *s, const char *type)
{
	uint32_t i;
	int n = 0;

	for (i = 0; i < s->nanoms; i++)
		n += strcmp(s->anoms[i].type, type) == 0;
	return n;
}

/* One RETR in s over its passive data connection d, as the server sends
 * it (len bytes). */
static void
send_file(struct world *w, struct peer *dc, struct peer *ds, size_t len)
{
	static char chunk[1001];

	memset(chunk, 'x', sizeof chunk - 1);
	for (; len >= 1000; len -= 1000)
		send_seg(w, ds, dc, 0, chunk, 0);
	chunk[len] = '\0';
	if (len)
		send_seg(w, ds, dc, 0, chunk, 0);
	chunk[len] = 'x';
	teardown(w, dc, ds);
}

/*
 * Two servers behind one address announce the same address:port to two
 * clients at about the same time.  Each connection belongs to the
 * expectation of its own client (initiator address plus responder
 * address:port), however they were ordered; the newest announcement used
 * to win, so each session took the other's connection and bytes.
 */
static void
test_port_collision(void **state)
{
	struct world w;
	struct peer a = P(10, 0, 0, 1, 40020, 1000), b = P(10, 0, 0, 3, 40021, 3000);
	struct peer sa = P(10, 0, 0, 2, 21, 5000), sb = P(10, 0, 0, 2, 21, 7000);
	struct peer da = P(10, 0, 0, 1, 41000, 100), dsa = P(10, 0, 0, 2, 50000, 200);
	struct peer db = P(10, 0, 0, 3, 41001, 300), dsb = P(10, 0, 0, 2, 50000, 400);
	static const char pasv[] =
	    "227 Entering Passive Mode (10,0,0,2,195,80).\r\n";
	struct fa_session *s;
	int order;

	(void)state;
	for (order = 0; order < 2; order++) {
		world_init(&w, NULL);
		handshake(&w, &a, &sa);
		handshake(&w, &b, &sb);
		send_seg(&w, &sa, &a, 0, "220 one\r\n", 0);
		send_seg(&w, &sb, &b, 0, "220 two\r\n", 0);
		send_seg(&w, &a, &sa, 0, "PASV\r\n", 0);
		send_seg(&w, &b, &sb, 0, "PASV\r\n", 0);
		send_seg(&w, &sa, &a, 0, pasv, 0);
		send_seg(&w, &sb, &b, 0, pasv, 0);
		send_seg(&w, &a, &sa, 0, "RETR a\r\n", 0);
		send_seg(&w, &b, &sb, 0, "RETR b\r\n", 0);
		/* First the client that was answered first, then the other. */
		if (order == 0) {
			handshake(&w, &da, &dsa);
			handshake(&w, &db, &dsb);
		} else {
			handshake(&w, &db, &dsb);
			handshake(&w, &da, &dsa);
		}
		send_seg(&w, &sa, &a, 0, "150 go\r\n", 0);
		send_seg(&w, &sb, &b, 0, "150 go\r\n", 0);
		send_file(&w, &da, &dsa, 1500);
		send_file(&w, &db, &dsb, 2700);
		send_seg(&w, &sa, &a, 0, "226 done\r\n", 0);
		send_seg(&w, &sb, &b, 0, "226 done\r\n", 0);
		teardown(&w, &a, &sa);
		teardown(&w, &b, &sb);
		assert_int_equal(w.nended, 2);
		assert_non_null(s = ended_from(&w, 1));
		assert_int_equal(s->nxfers, 1);
		assert_true(s->xfers[0].connected);
		assert_int_equal(s->xfers[0].data_client.ip.a[3], 1);
		assert_int_equal(s->xfers[0].data_client.port, da.port);
		assert_int_equal(fa_transfer_bytes(&s->xfers[0]), 1500);
		assert_int_equal(s->xfers[0].status, FA_XS_COMPLETE);
		assert_int_equal(count_anomalies(s, "data_from_unexpected_host"), 0);
		assert_non_null(s = ended_from(&w, 3));
		assert_int_equal(s->nxfers, 1);
		assert_int_equal(s->xfers[0].data_client.ip.a[3], 3);
		assert_int_equal(fa_transfer_bytes(&s->xfers[0]), 2700);
		assert_int_equal(count_anomalies(s, "data_from_unexpected_host"), 0);
		/* Announced again while the first was unused: said. */
		assert_int_equal(count_anomalies(s, "port_reuse"), 1);
		world_free(&w);
		a.port += 2, b.port += 2, da.port += 2, db.port += 2;
	}
}

/*
 * A server behind NAT announces its inside address to one client while
 * the same port is announced, at its outside address, to another: the
 * NAT'd client's connection to the outside address is its own
 * (nat_mismatch), not the other client's, whose announcement names that
 * address exactly but not that initiator.
 */
static void
test_port_collision_nat(void **state)
{
	struct world w;
	struct peer a = P(10, 0, 0, 1, 40030, 1000), b = P(10, 0, 0, 3, 40031, 3000);
	struct peer sa = P(10, 0, 0, 2, 21, 5000), sb = P(10, 0, 0, 2, 21, 7000);
	struct peer db = P(10, 0, 0, 3, 41002, 300), dsb = P(10, 0, 0, 2, 50000, 400);
	struct fa_session *s;

	(void)state;
	world_init(&w, NULL);
	handshake(&w, &a, &sa);
	handshake(&w, &b, &sb);
	send_seg(&w, &sa, &a, 0, "220 one\r\n", 0);
	send_seg(&w, &sb, &b, 0, "220 two\r\n", 0);
	send_seg(&w, &b, &sb, 0, "PASV\r\n", 0);
	send_seg(&w, &sb, &b, 0,
	    "227 Entering Passive Mode (192,168,2,2,195,80).\r\n", 0);
	send_seg(&w, &a, &sa, 0, "PASV\r\n", 0);
	send_seg(&w, &sa, &a, 0,
	    "227 Entering Passive Mode (10,0,0,2,195,80).\r\n", 0);
	send_seg(&w, &b, &sb, 0, "RETR b\r\n", 0);
	handshake(&w, &db, &dsb);
	send_seg(&w, &sb, &b, 0, "150 go\r\n", 0);
	send_file(&w, &db, &dsb, 2700);
	send_seg(&w, &sb, &b, 0, "226 done\r\n", 0);
	teardown(&w, &a, &sa);
	teardown(&w, &b, &sb);
	assert_int_equal(w.nended, 2);
	assert_non_null(s = ended_from(&w, 3));
	assert_true(s->xfers[0].connected);
	assert_int_equal(fa_transfer_bytes(&s->xfers[0]), 2700);
	assert_int_equal(count_anomalies(s, "nat_mismatch"), 1);
	assert_int_equal(count_anomalies(s, "data_from_unexpected_host"), 0);
	assert_non_null(s = ended_from(&w, 1));
	assert_false(s->xfers[0].connected);
	assert_int_equal(s->xfers[0].status, FA_XS_NOT_CONNECTED);
	world_free(&w);
}

/*
 * A client's session ends with its port unused; the port is announced
 * again, to another client; then the first client's late connection
 * comes.  It is the ended session's (left unattributed), not the other
 * client's, whose own connection then finds its announcement.
 */
static void
test_port_collision_ended(void **state)
{
	struct world w;
	struct peer a = P(10, 0, 0, 1, 40040, 1000), b = P(10, 0, 0, 3, 40041, 3000);
	struct peer sa = P(10, 0, 0, 2, 21, 5000), sb = P(10, 0, 0, 2, 21, 7000);
	struct peer da = P(10, 0, 0, 1, 41010, 100), dsa = P(10, 0, 0, 2, 50000, 200);
	struct peer db = P(10, 0, 0, 3, 41011, 300), dsb = P(10, 0, 0, 2, 50000, 400);
	static const char pasv[] =
	    "227 Entering Passive Mode (10,0,0,2,195,80).\r\n";
	struct fa_session *s;

	(void)state;
	world_init(&w, NULL);
	handshake(&w, &a, &sa);
	send_seg(&w, &sa, &a, 0, "220 one\r\n", 0);
	send_seg(&w, &a, &sa, 0, "PASV\r\n", 0);
	send_seg(&w, &sa, &a, 0, pasv, 0);
	send_seg(&w, &a, &sa, 0, "QUIT\r\n", 0);
	send_seg(&w, &sa, &a, 0, "221 bye\r\n", 0);
	teardown(&w, &a, &sa);
	handshake(&w, &b, &sb);
	send_seg(&w, &sb, &b, 0, "220 two\r\n", 0);
	send_seg(&w, &b, &sb, 0, "PASV\r\n", 0);
	send_seg(&w, &sb, &b, 0, pasv, 0);
	handshake(&w, &da, &dsa);		/* late, from the first client */
	teardown(&w, &da, &dsa);
	send_seg(&w, &b, &sb, 0, "RETR b\r\n", 0);
	handshake(&w, &db, &dsb);
	send_seg(&w, &sb, &b, 0, "150 go\r\n", 0);
	send_file(&w, &db, &dsb, 2700);
	send_seg(&w, &sb, &b, 0, "226 done\r\n", 0);
	teardown(&w, &b, &sb);
	assert_int_equal(w.nended, 2);
	assert_non_null(s = ended_from(&w, 3));
	assert_true(s->xfers[0].connected);
	assert_int_equal(s->xfers[0].data_client.ip.a[3], 3);
	assert_int_equal(fa_transfer_bytes(&s->xfers[0]), 2700);
	assert_int_equal(count_anomalies(s, "data_from_unexpected_host"), 0);
	assert_int_equal(fa_engine_stats(w.e)->data_connections, 1);
	world_free(&w);
}

/* Active mode from a random port, and a PORT nobody connected to. */
static void
test_active(void **state)
{
	struct world w;
	struct peer c = P(10, 0, 0, 1, 40005, 1000), s = P(10, 0, 0, 2, 21, 5000);
	struct peer dc = P(10, 0, 0, 1, 41000, 9), ds = P(10, 0, 0, 2, 33333, 500);

	(void)state;
	world_init(&w, NULL);
	handshake(&w, &c, &s);
	send_seg(&w, &s, &c, 0, "220 hi\r\n", 0);
	send_seg(&w, &c, &s, 0, "PORT 10,0,0,1,160,40\r\n", 0);
	send_seg(&w, &s, &c, 0, "200 ok\r\n", 0);
	send_seg(&w, &c, &s, 0, "STOR up.bin\r\n", 0);
	handshake(&w, &ds, &dc);	/* the server connects */
	send_seg(&w, &s, &c, 0, "150 go\r\n", 0);
	send_seg(&w, &dc, &ds, 0, "0123456789", 0);
	teardown(&w, &ds, &dc);
	send_seg(&w, &s, &c, 0, "226 done\r\n", 0);
	send_seg(&w, &c, &s, 0, "EPRT |1|10.0.0.1|41001|\r\n", 0);
	send_seg(&w, &s, &c, 0, "200 ok\r\n", 0);
	send_seg(&w, &c, &s, 0, "QUIT\r\n", 0);
	send_seg(&w, &s, &c, 0, "221 bye\r\n", 0);
	teardown(&w, &c, &s);
	assert_int_equal(w.nended, 1);
	assert_int_equal(w.ended[0]->nxfers, 2);
	assert_true(w.ended[0]->xfers[0].initiator_server);
	assert_int_equal(w.ended[0]->xfers[0].data_server.port, 33333);
	assert_int_equal(w.ended[0]->xfers[0].dir, FA_DIR_UPLOAD);
	assert_int_equal(fa_transfer_bytes(&w.ended[0]->xfers[0]), 10);
	assert_int_equal(w.ended[0]->xfers[1].neg, FA_NEG_EPRT);
	assert_int_equal(w.ended[0]->xfers[1].status, FA_XS_NOT_CONNECTED);
	world_free(&w);
}

/*
 * A verb with a NUL inside is no verb the server knows (it answers 500):
 * "USER\0x mallory" must not make mallory the user, nor "PASS\0" give
 * a password, nor "RETR\0" a transfer.  The verb used to be compared
 * only up to its NUL.
 */
static void
test_nul_in_verb(void **state)
{
	static const char cmds[] = "USER\0x mallory\r\nPASS\0 s3cret\r\n"
	    "PASV\r\nRETR\0 f\r\n";
	struct world w;
	struct peer c = P(10, 0, 0, 1, 40010, 1000), s = P(10, 0, 0, 2, 21, 5000);

	(void)state;
	world_init(&w, NULL);
	handshake(&w, &c, &s);
	send_seg(&w, &s, &c, 0, "220 hi\r\n", 0);
	send_raw(&w, &c, &s, 0, cmds, sizeof cmds - 1, 0);
	send_seg(&w, &s, &c, 0, "500 what\r\n500 what\r\n", 0);
	send_seg(&w, &s, &c, 0,
	    "227 Entering Passive Mode (10,0,0,2,195,80).\r\n500 what\r\n", 0);
	teardown(&w, &c, &s);
	assert_int_equal(w.nended, 1);
	assert_false(w.ended[0]->has_user);
	assert_false(w.ended[0]->has_password);
	assert_int_equal(w.ended[0]->login, FA_LOGIN_NONE);
	assert_int_equal(w.ended[0]->ncmds, 4);
	assert_int_equal(w.ended[0]->cmds[0].reply_code, 500);
	/* The verb as sent, NUL and all, stays in the record. */
	assert_int_equal(w.ended[0]->cmds[0].verb_long.len, 6);
	assert_memory_equal(w.ended[0]->cmds[0].verb_long.p, "USER\0X", 6);
	assert_int_equal(w.ended[0]->nxfers, 1);
	assert_null(w.ended[0]->xfers[0].command);
	assert_int_equal(w.ended[0]->xfers[0].status, FA_XS_NOT_CONNECTED);
	world_free(&w);
}

/* FTP on another port is found by its greeting; SMTP is not FTP. */
static void
test_detection(void **state)
{
	struct world w;
	struct peer c = P(10, 0, 0, 1, 40006, 1000), s = P(10, 0, 0, 2, 2121, 5000);
	struct peer mc = P(10, 0, 0, 1, 40007, 1000), ms = P(10, 0, 0, 3, 25, 5000);

	(void)state;
	world_init(&w, NULL);
	handshake(&w, &mc, &ms);
	send_seg(&w, &ms, &mc, 0, "220 mail ESMTP\r\n", 0);
	send_seg(&w, &mc, &ms, 0, "EHLO me\r\n", 0);
	send_seg(&w, &ms, &mc, 0, "250 hi\r\n", 0);
	teardown(&w, &mc, &ms);
	handshake(&w, &c, &s);
	send_seg(&w, &s, &c, 0, "220 ftp\r\n", 0);
	send_seg(&w, &c, &s, 0, "USER a\r\n", 0);
	send_seg(&w, &s, &c, 0, "530 no\r\n", 0);
	teardown(&w, &c, &s);
	assert_int_equal(w.nended, 1);
	assert_int_equal(w.ended[0]->server.port, 2121);
	assert_true(w.ended[0]->detected);
	assert_int_equal(w.ended[0]->id, 1);
	assert_int_equal(w.ended[0]->login, FA_LOGIN_FAILED);
	assert_int_equal(fa_engine_stats(w.e)->ftp_sessions, 1);
	world_free(&w);
}

/* A new SYN on a closed 4-tuple is a new session; the same ISN is not. */
static void
test_reuse(void **state)
{
	struct world w;
	struct peer c = P(10, 0, 0, 1, 40008, 1000), s = P(10, 0, 0, 2, 21, 5000);
	struct peer c0;

	(void)state;
	world_init(&w, NULL);
	c0 = c;
	handshake(&w, &c, &s);
	send_seg(&w, &s, &c, 0, "220 hi\r\n", 0);
	teardown(&w, &c, &s);
	send_seg(&w, &c0, &s, SYN, NULL, 0);	/* retransmitted old SYN */
	c.seq += 100000;
	handshake(&w, &c, &s);
	send_seg(&w, &s, &c, 0, "220 again\r\n", 0);
	teardown(&w, &c, &s);
	fa_engine_finish(w.e);
	assert_int_equal(w.nended, 2);
	assert_int_equal(w.ended[1]->id, 2);
	world_free(&w);
}

/*
 * Session ids past 2^32: the id a control connection's SYN takes was kept
 * in a 32-bit field of its table entry until its answer, and came back
 * as 0, for which the session took a new id, out of order.
 */
static void
test_session_id_64(void **state)
{
	struct world w;
	struct peer c = P(10, 0, 0, 1, 40009, 1000), s = P(10, 0, 0, 2, 21, 5000);
	struct peer c2 = P(10, 0, 0, 1, 40010, 1000);

	(void)state;
	world_init(&w, NULL);
	w.e->next_id = UINT32_MAX;
	handshake(&w, &c, &s);
	send_seg(&w, &s, &c, 0, "220 hi\r\n", 0);
	teardown(&w, &c, &s);
	send_seg(&w, &c2, &s, SYN, NULL, 0);	/* never answered */
	fa_engine_finish(w.e);
	assert_int_equal(w.nended, 2);
	assert_true(w.ended[0]->id == (uint64_t)UINT32_MAX + 1);
	assert_true(w.ended[1]->id == (uint64_t)UINT32_MAX + 2);
	assert_int_equal(w.ended[1]->ctl_handshake, FA_HS_NO_ANSWER);
	world_free(&w);
}

/* Connections beyond the cap evict the oldest idle one, counted. */
static void
test_conn_cap(void **state)
{
	struct fa_config cfg;
	struct world w;
	struct peer s = P(10, 0, 0, 2, 21, 5000), c;
	int i;

	(void)state;
	fa_config_defaults(&cfg);
	cfg.max_conns = 16;
	world_init(&w, &cfg);
	for (i = 0; i < 100; i++) {
		c = P(10, 0, 1, (uint8_t)i, 40000, 1);
		send_seg(&w, &c, &s, SYN, NULL, 0);
	}
	assert_int_equal(fa_engine_stats(w.e)->conns_evicted, 84);
	assert_true(fa_engine_stats(w.e)->peak_conns <= 16);
	/* Evicted sessions are reported (as timed out), none is lost. */
	assert_int_equal(w.nended, 84);
	assert_int_equal(w.ended[0]->end_reason, FA_END_TIMEOUT);
	fa_engine_finish(w.e);
	assert_int_equal(w.nended, 100);
	assert_int_equal(w.ended[99]->ctl_handshake, FA_HS_NO_ANSWER);
	world_free(&w);
}

/* An engine with default settings and only the given sink: for runs of
 * thousands of sessions, which world_init's list could not hold. */
static void
world_bare(struct world *w, const struct fa_sink *sink)
{
	struct fa_config cfg;

	memset(w, 0, sizeof *w);
	fa_config_defaults(&cfg);
	assert_non_null(w->e = fa_engine_new(&cfg));
	fa_engine_add_sink(w->e, sink);
	w->ts = 1700000000ULL * 1000000;
}

static void
count_bruteforce(void *arg, const struct fa_session *s,
    const struct fa_anomaly *a)
{
	(void)s;
	if (strcmp(a->type, "login_bruteforce") == 0)
		(*(int *)arg)++;
}

/* A session from c that fails to log in once. */
static void
fail_login(struct world *w, struct peer *c, struct peer *s)
{
	handshake(w, c, s);
	send_seg(w, s, c, 0, "220 hi\r\n", 0);
	send_seg(w, c, s, 0, "USER bob\r\n", 0);
	send_seg(w, s, c, 0, "331 password\r\n", 0);
	send_seg(w, c, s, 0, "PASS guess\r\n", 0);
	send_seg(w, s, c, 0, "530 no\r\n", 0);
	teardown(w, c, s);
}

/* Brute force is still seen after 20,000 addresses failed once each: the
 * table of failing addresses used to stop learning at 2,048. */
static void
test_bruteforce_after_scanners(void **state)
{
	struct fa_sink sink = { 0 };
	struct world w;
	struct peer s = P(10, 0, 0, 2, 21, 5000), c;
	int i, alarms = 0;

	(void)state;
	sink.anomaly = count_bruteforce;
	sink.arg = &alarms;
	world_bare(&w, &sink);
	for (i = 0; i < 20000; i++) {
		c = P(10, 1 + (i >> 16), (i >> 8) & 0xff, i & 0xff, 40000, 1);
		fail_login(&w, &c, &s);
	}
	assert_int_equal(alarms, 0);
	for (i = 0; i < 12; i++) {
		c = P(10, 9, 9, 9, (uint16_t)(41000 + i), 1);
		fail_login(&w, &c, &s);
	}
	assert_int_equal(alarms, 1);	/* once, at the tenth failure */
	fa_engine_free(w.e);
}

static void
count_tls_transfer(void *arg, const struct fa_session *s,
    const struct fa_transfer *t)
{
	(void)s;
	if (t->neg == FA_NEG_TLS)
		(*(int *)arg)++;
}

/* A new connection between the hosts of an open FTPS session is its
 * transfer, with 5,000 sessions open (a list used to stop at 4,096), and
 * not once the session has closed. */
static void
test_tls_many(void **state)
{
	struct fa_sink sink = { 0 };
	struct world w;
	struct peer s = P(10, 0, 0, 3, 990, 5000), c, d, sd;
	int i, xfers = 0;

	(void)state;
	sink.transfer_start = count_tls_transfer;
	sink.arg = &xfers;
	world_bare(&w, &sink);
	for (i = 0; i < 5000; i++) {
		c = P(10, 2, i >> 8, i & 0xff, 40000, 1);
		s.seq = 5000;
		handshake(&w, &c, &s);
	}
	/* The newest and the oldest session each get a transfer. */
	d = P(10, 2, 4999 >> 8, 4999 & 0xff, 40001, 1);
	sd = P(10, 0, 0, 3, 50000, 9000);
	send_seg(&w, &d, &sd, SYN, NULL, 0);
	assert_int_equal(xfers, 1);
	d = P(10, 2, 0, 0, 40001, 1);
	send_seg(&w, &d, &sd, SYN, NULL, 0);
	assert_int_equal(xfers, 2);
	/* Session 4999 closes: a new connection between its hosts is not
	 * its transfer any more. */
	c = P(10, 2, 4999 >> 8, 4999 & 0xff, 40000, 2);
	s.seq = 5001;
	teardown(&w, &c, &s);
	d = P(10, 2, 4999 >> 8, 4999 & 0xff, 40002, 1);
	send_seg(&w, &d, &sd, SYN, NULL, 0);
	assert_int_equal(xfers, 2);
	fa_engine_free(w.e);
}

/* Passive data ports are remembered for unmatched connections: the most
 * recent ones, however many came before (the table used to stop learning
 * at 32,768). */
static void
test_data_ports_recent(void **state)
{
	struct expect_table *t;
	struct fa_endpoint ep;
	uint32_t i, n = 100000;

	(void)state;
	assert_non_null(t = expect_table_new(16));
	memset(&ep, 0, sizeof ep);
	ep.ip.family = FA_AF_INET;
	ep.ip.a[0] = 198;
	for (i = 0; i < n; i++) {
		ep.ip.a[2] = (uint8_t)(i >> 8);
		ep.ip.a[3] = (uint8_t)i;
		ep.port = (uint16_t)(1024 + i / 65536 * 7 + i % 5);
		expect_note_data_port(t, &ep);
	}
	for (i = n - 1000; i < n; i++) {
		ep.ip.a[2] = (uint8_t)(i >> 8);
		ep.ip.a[3] = (uint8_t)i;
		ep.port = (uint16_t)(1024 + i / 65536 * 7 + i % 5);
		assert_true(expect_was_data_port(t, &ep));
		ep.ip.a[0] = 199;	/* the port, on another host */
		assert_false(expect_was_data_port(t, &ep));
		ep.ip.a[0] = 198;
		ep.port = (uint16_t)(ep.port + 6);	/* this host never had it */
		assert_false(expect_was_data_port(t, &ep));
	}
	expect_table_free(t);
}

static void
ep4(struct fa_endpoint *ep, uint8_t a, uint8_t b, uint8_t c, uint8_t d,
    uint16_t port)
{
	memset(ep, 0, sizeof *ep);
	ep->ip.family = FA_AF_INET;
	ep->ip.a[0] = a; ep->ip.a[1] = b; ep->ip.a[2] = c; ep->ip.a[3] = d;
	ep->port = port;
}

/*
 * Many expectations at one endpoint, as a busy server's few passive ports
 * give: the newest announced there wins over any found through the peer,
 * in every order of deletion; 20,000 distinct endpoints (the index
 * grows past its first 4,096 buckets) are each found until deleted; and
 * among 20,000 clients given one endpoint, each finds its own.
 */
static void
test_expect_shared_endpoint(void **state)
{
	enum { N = 30000, D = 20000 };
	static struct expect *x[N], *y[D];
	struct fa_endpoint srv, nat, ep;
	struct fa_addr cli;
	struct fa_session *s;
	struct expect_table *t;
	bool fb;
	int i;

	(void)state;
	assert_non_null(t = expect_table_new(N + D));
	assert_non_null(s = session_new(1, 0));
	ep4(&srv, 10, 0, 0, 2, 50000);
	ep4(&nat, 192, 168, 0, 2, 50000);	/* announced behind NAT */
	ep4(&ep, 10, 0, 0, 1, 0);
	cli = ep.ip;
	for (i = 0; i < N; i++)
		assert_non_null(x[i] = expect_add(t, s, (uint32_t)i,
		    i % 2 ? &nat : &srv, &srv, &cli, 1));
	for (i = 0; i < D; i++) {
		ep4(&ep, 10, 1, (uint8_t)(i >> 8), (uint8_t)i, 2000);
		assert_non_null(y[i] = expect_add(t, s, 0, &ep, &ep, &cli, 1));
	}
	assert_int_equal(expect_count(t), N + D);
	for (i = 0; i < D; i++) {
		ep4(&ep, 10, 1, (uint8_t)(i >> 8), (uint8_t)i, 2000);
		assert_ptr_equal(expect_find(t, &cli, &ep, &fb), y[i]);
		assert_false(fb);
		expect_del(t, y[i]);
		assert_false(expect_exists(t, &ep));
	}

	/* The newest announced at srv, then at nat. */
	assert_ptr_equal(expect_find(t, &cli, &srv, &fb), x[N - 2]);
	assert_false(fb);
	assert_ptr_equal(expect_find(t, &cli, &nat, &fb), x[N - 1]);
	assert_false(fb);
	expect_del(t, x[N - 2]);
	assert_ptr_equal(expect_find(t, &cli, &srv, &fb), x[N - 4]);
	for (i = 0; i < N - 2; i += 2) {	/* oldest first */
		assert_ptr_equal(expect_find(t, &cli, &srv, &fb), x[N - 4]);
		expect_del(t, x[i]);
	}
	/* Only the NAT ones are left: found at srv through their peer. */
	for (i = N - 1; i > 0; i -= 2) {	/* newest first */
		assert_ptr_equal(expect_find(t, &cli, &srv, &fb), x[i]);
		assert_true(fb);
		assert_ptr_equal(expect_find(t, &cli, &nat, &fb), x[i]);
		assert_false(fb);
		expect_del(t, x[i]);
	}
	assert_int_equal(expect_count(t), 0);
	assert_false(expect_exists(t, &srv));
	assert_false(expect_exists(t, &nat));

	/* 20,000 clients given the same endpoint: each connection finds
	 * its own client's, in any order, the older half through the
	 * peer (NAT); another client's only when its own is gone. */
	for (i = 0; i < D; i++) {
		ep4(&ep, 10, 2, (uint8_t)(i >> 8), (uint8_t)i, 0);
		assert_non_null(y[i] = expect_add(t, s, (uint32_t)i,
		    i < D / 2 ? &nat : &srv, &srv, &ep.ip, 1));
	}
	for (i = 0; i < D; i += 2) {
		ep4(&ep, 10, 2, (uint8_t)(i >> 8), (uint8_t)i, 0);
		assert_ptr_equal(expect_find(t, &ep.ip, &srv, &fb), y[i]);
		assert_int_equal(fb, i < D / 2);
		expect_del(t, y[i]);
		assert_ptr_equal(expect_find(t, &ep.ip, &srv, &fb), y[D - 1]);
		assert_false(fb);
	}
	for (i = D - 1; i > 0; i -= 2)
		expect_del(t, y[i]);
	assert_int_equal(expect_count(t), 0);
	assert_false(expect_exists(t, &srv));
	expect_table_free(t);
	fa_session_unref(s);
}

/* An ended session's expectations stay (its ports stay announced) but
 * stop pointing to it: its memory goes once its report is written.  They
 * only ever borrowed it, so no reference comes or goes. */
static void
test_expect_drop_session(void **state)
{
	struct expect_table *t;
	struct fa_session *s, *other;
	struct fa_endpoint a, b, c;
	struct fa_addr cli;
	struct expect *x, *y, *z;
	bool fb;

	(void)state;
	assert_non_null(t = expect_table_new(16));
	assert_non_null(s = session_new(1, 0));
	assert_non_null(other = session_new(2, 0));
	ep4(&a, 10, 0, 0, 2, 50000);
	ep4(&b, 10, 0, 0, 2, 50001);
	ep4(&c, 10, 0, 0, 1, 0);
	cli = c.ip;
	assert_non_null(x = expect_add(t, s, 0, &a, &a, &cli, 1));
	assert_non_null(y = expect_add(t, other, 0, &a, &a, &cli, 1));
	assert_non_null(z = expect_add(t, s, 1, &b, &b, &cli, 1));
	assert_int_equal(s->refs, 1);
	expect_drop_session(s);
	assert_int_equal(s->refs, 1);
	assert_null(s->expects);
	assert_null(x->sess);
	assert_null(z->sess);
	assert_ptr_equal(y->sess, other);
	assert_int_equal(expect_count(t), 3);
	/* Still there, but no longer found for a connection. */
	assert_true(expect_exists(t, &b));
	assert_null(expect_find(t, &cli, &b, &fb));
	assert_ptr_equal(expect_find(t, &cli, &a, &fb), y);
	expect_del(t, x);	/* a dropped one, then one still held */
	expect_del(t, y);
	assert_int_equal(other->refs, 1);
	assert_null(other->expects);
	expect_table_free(t);
	fa_session_unref(s);
	fa_session_unref(other);
}

/* A TSO segment captured on the sending host: IPv4 total length 0, the
 * frame longer than any IP packet.  It was taken for malformed. */
static void
test_decode_tso(void **state)
{
	static uint8_t f[14 + 20 + 20 + 70000];
	struct fa_pkt pk;

	(void)state;
	f[12] = 0x08;
	f[14] = 0x45;		/* total length stays 0 */
	f[23] = 6;
	f[34 + 12] = 0x50;
	f[34 + 13] = 0x18;
	assert_int_equal(decode_frame(DLT_EN10MB, f, sizeof f, false, &pk),
	    DECODE_TCP);
	assert_int_equal(pk.caplen_payload, 70000);
	assert_int_equal(pk.wire_payload, 70000);
	/* Nor may 0 excuse a header cut short. */
	assert_int_equal(decode_frame(DLT_EN10MB, f, 14 + 20 + 10, false, &pk),
	    DECODE_MALFORMED);
}

/* The same packet decoded from Ethernet (the one-pass path for IPv4 and
 * TCP) and as raw IP (the general path, a function per layer); only an
 * IPv4 ethertype and version 4 mean the same to both. */
static void
same_decode(const uint8_t *f, uint32_t caplen)
{
	struct fa_pkt a, b;
	enum decode_status sa, sb;

	if (caplen < 15 || f[12] != 0x08 || f[13] != 0 || f[14] >> 4 != 4)
		return;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	sa = decode_frame(DLT_EN10MB, f, caplen, false, &a);
	sb = decode_frame(DLT_RAW, f + 14, caplen - 14, false, &b);
	assert_int_equal(sa, sb);
	if (sa != DECODE_TCP)
		return;
	assert_memory_equal(&a.src, &b.src, sizeof a.src);
	assert_memory_equal(&a.dst, &b.dst, sizeof a.dst);
	assert_int_equal(a.seq, b.seq);
	assert_int_equal(a.ack, b.ack);
	assert_int_equal(a.flags, b.flags);
	assert_ptr_equal(a.payload, b.payload);
	assert_int_equal(a.caplen_payload, b.caplen_payload);
	assert_int_equal(a.wire_payload, b.wire_payload);
	assert_int_equal(a.hash, b.hash);
	assert_int_equal(a.cut, b.cut);
}

/* Every header byte the one-pass path reads, and the capture's length,
 * set to the values at and around each of its limits, one or two at a
 * time and at random: it agrees with the general path on each. */
static void
test_decode_fast_path(void **state)
{
	static const uint16_t pos[] = { 12, 13, 14, 16, 17, 20, 21, 23, 46 };
	static const uint8_t val[] = { 0x00, 0x01, 0x04, 0x06, 0x08, 0x14,
	    0x1f, 0x20, 0x28, 0x29, 0x3f, 0x40, 0x45, 0x46, 0x50, 0x55,
	    0x60, 0x86, 0xdd, 0xf0, 0xff };
	uint8_t base[14 + 60 + 60 + 64], f[sizeof base];
	uint64_t rnd = 0x2545f4914f6cdd1dULL;
	uint32_t caplen;
	size_t i, j, k, n;

	(void)state;
	for (i = 0; i < sizeof base; i++)
		base[i] = (uint8_t)(i * 37 + 11);
	base[12] = 0x08;
	base[13] = 0x00;
	base[14] = 0x45;
	base[16] = 0;
	base[17] = 20 + 20 + 40;	/* total: 40 bytes of payload */
	base[20] = 0x40;		/* DF, no fragment */
	base[21] = 0;
	base[23] = 6;
	base[46] = 0x50;
	for (caplen = 0; caplen <= sizeof base; caplen++)
		if (caplen >= 14)
			same_decode(base, caplen);
	for (i = 0; i < sizeof pos / sizeof pos[0]; i++)
		for (j = 0; j < sizeof val / sizeof val[0]; j++)
			for (k = 0; k < sizeof pos / sizeof pos[0]; k++)
				for (n = 0; n < sizeof val / sizeof val[0]; n++) {
					memcpy(f, base, sizeof f);
					f[pos[i]] = val[j];
					f[pos[k]] = val[n];
					same_decode(f, sizeof f);
					same_decode(f, 14 + 20 + 20 + (uint32_t)(n % 8) * 4);
				}
	for (i = 0; i < 200000; i++) {
		memcpy(f, base, sizeof f);
		for (k = 0; k < 3; k++) {
			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			f[pos[rnd % (sizeof pos / sizeof pos[0])]] = (uint8_t)(rnd >> 32);
		}
		same_decode(f, 14 + (uint32_t)((rnd >> 48) % (sizeof f - 13)));
	}
}

/* Paths fold as a Unix server folds them, and stop at FA_PATH_MAX: a
 * million CWDs one level deeper each copied the whole path. */
static void
test_path_resolve(void **state)
{
	static const struct {
		const char *cwd, *arg, *want;
	} cases[] = {
		{ "/pub", "a/b", "/pub/a/b" },
		{ "/pub", "../etc//x/./y/", "/etc/x/y" },
		{ "/", "..", "/" },
		{ "/a/b", "/c", "/c" },
		{ NULL, "rel/x", "rel/x" },
		{ NULL, "/abs", "/abs" },
	};
	char *cwd, *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = path_resolve(cases[i].cwd, (const uint8_t *)cases[i].arg,
		    strlen(cases[i].arg));
		assert_non_null(r);
		assert_string_equal(r, cases[i].want);
		free(r);
	}
	/* "/" and 4,094 bytes, then one byte more: exactly the limit. */
	assert_non_null(cwd = malloc(FA_PATH_MAX + 1));
	cwd[0] = '/';
	memset(cwd + 1, 'd', FA_PATH_MAX - 3);
	cwd[FA_PATH_MAX - 2] = '\0';
	assert_non_null(r = path_resolve(cwd, (const uint8_t *)"x", 1));
	assert_int_equal(strlen(r), FA_PATH_MAX);
	free(r);
	errno = 0;
	assert_null(path_resolve(cwd, (const uint8_t *)"xy", 2));
	assert_int_equal(errno, ENAMETOOLONG);
	/* ".." from there is short again. */
	assert_non_null(r = path_resolve(cwd, (const uint8_t *)"..", 2));
	assert_string_equal(r, "/");
	free(r);
	free(cwd);
}

/* The pooled forms agree with the owned ones, and what a session sets
 * again reuses its room: a million USERs stay within four times the
 * longest. */
static void
test_session_pool(void **state)
{
	static const char *args[] = { "a/b", "../etc//x/./y/", "..", "/c", "",
	    "x\0y" };
	static const char *cwds[] = { NULL, "/", "/pub" };
	static uint8_t big[FA_PATH_MAX + 1];
	struct fa_session *s;
	struct fa_bytes b = { NULL, 0 };
	char *owned, *pooled;
	uint32_t *arr = NULL, n, cap = 0;
	size_t i, j, len, used;

	(void)state;
	assert_non_null(s = session_new(1, 0));
	for (i = 0; i < sizeof cwds / sizeof cwds[0]; i++)
		for (j = 0; j < sizeof args / sizeof args[0]; j++) {
			len = j == 5 ? 3 : strlen(args[j]);
			owned = path_resolve(cwds[i], (const uint8_t *)args[j], len);
			pooled = session_path(s, cwds[i], (const uint8_t *)args[j],
			    len);
			if (owned == NULL)
				assert_null(pooled);
			else
				assert_string_equal(pooled, owned);
			free(owned);
		}
	memset(big, 'd', sizeof big);
	errno = 0;
	assert_null(session_path(s, "/", big, sizeof big));
	assert_int_equal(errno, ENAMETOOLONG);
	/* No argument: the working directory, even one a 257 made longer
	 * than the limit. */
	assert_non_null(owned = malloc(3 * FA_PATH_MAX));
	memset(owned, 'd', 3 * FA_PATH_MAX - 1);
	owned[3 * FA_PATH_MAX - 1] = '\0';
	assert_string_equal(session_path(s, owned, NULL, 0), owned);
	pooled = path_resolve(owned, NULL, 0);
	assert_string_equal(pooled, owned);
	free(pooled);
	free(owned);

	/* Set again: shorter reuses, longer doubles. */
	assert_int_equal(session_set(s, &b, (const uint8_t *)"alice", 5), 0);
	assert_string_equal((char *)b.p, "alice");
	pooled = (char *)b.p;
	assert_int_equal(session_set(s, &b, (const uint8_t *)"bob", 3), 0);
	assert_ptr_equal(b.p, pooled);
	assert_int_equal(b.len, 3);
	assert_string_equal((char *)b.p, "bob");
	used = session_pool_used(s);
	for (i = 0; i < 1000000; i++)
		assert_int_equal(session_set(s, &b, big, i % 2 ? 1 : 1000), 0);
	assert_int_equal(b.len, 1);
	assert_true(session_pool_used(s) - used <= 4 * 1001 + 64);

	/* An array grows from its first capacity, its entries kept. */
	for (n = 0; n < 100; n++) {
		assert_int_equal(session_grow(s, (void **)&arr, n, &cap,
		    sizeof *arr, 4), 0);
		arr[n] = n * 7;
	}
	assert_int_equal(cap, 128);
	for (n = 0; n < 100; n++)
		assert_int_equal(arr[n], n * 7);
	fa_session_unref(s);
}

static void *
sessions_elsewhere(void *arg)
{
	struct fa_session *s;
	int i, *made = arg;

	for (i = 0; i < 100; i++)
		if ((s = session_new((uint64_t)i, 3000)) != NULL &&
		    session_alloc(s, 5000) != NULL) {
			fa_session_unref(s);
			(*made)++;
		}
	return NULL;
}

/* A freed session's chunks go to the next session of the thread, clean;
 * a thread that ends gives back what it kept (LeakSanitizer, in the ASan
 * build, would find them). */
static void
test_session_reuse(void **state)
{
	struct fa_session *s, *t;
	pthread_t th;
	char *p;
	int made = 0;

	(void)state;
	assert_non_null(s = session_new(1, 3000));
	assert_non_null(p = session_alloc(s, 100));
	memset(p, 0xff, 100);
	s->end_us = 5;
	fa_session_unref(s);
	assert_non_null(t = session_new(2, 3000));
	assert_ptr_equal(t, s);
	assert_int_equal(t->id, 2);
	assert_int_equal(t->end_us, 0);
	assert_int_equal(t->refs, 1);
	assert_int_equal(session_pool_used(t), 0);
	/* A first chunk of another size does not take it. */
	assert_non_null(s = session_new(3, 100));
	assert_ptr_not_equal(s, t);
	fa_session_unref(s);
	fa_session_unref(t);

	assert_int_equal(pthread_create(&th, NULL, sessions_elsewhere, &made), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(made, 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_pipelined_wrap),
		cmocka_unit_test(test_lost_reply),
		cmocka_unit_test(test_invalid_reply),
		cmocka_unit_test(test_announced_size),
		cmocka_unit_test(test_lost_command),
		cmocka_unit_test(test_lost_both),
		cmocka_unit_test(test_passive_bytes),
		cmocka_unit_test(test_port_collision),
		cmocka_unit_test(test_port_collision_nat),
		cmocka_unit_test(test_port_collision_ended),
		cmocka_unit_test(test_active),
		cmocka_unit_test(test_detection),
		cmocka_unit_test(test_nul_in_verb),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_session_id_64),
		cmocka_unit_test(test_conn_cap),
		cmocka_unit_test(test_bruteforce_after_scanners),
		cmocka_unit_test(test_data_ports_recent),
		cmocka_unit_test(test_expect_shared_endpoint),
		cmocka_unit_test(test_expect_drop_session),
		cmocka_unit_test(test_path_resolve),
		cmocka_unit_test(test_session_pool),
		cmocka_unit_test(test_session_reuse),
		cmocka_unit_test(test_decode_tso),
		cmocka_unit_test(test_decode_fast_path),
		cmocka_unit_test(test_tls_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
