/* SPDX-License-Identifier: ISC */
/* common.h: shared by the packet-path harnesses (fuzz_pcap,
 * fuzz_engine): the engine configuration with small caps, so the fuzzer
 * reaches every limit, and the report sink writing to /dev/null. */
#ifndef FTPAUDIT_FUZZ_COMMON_H
#define FTPAUDIT_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "ftpaudit/capture.h"
#include "ftpaudit/engine.h"
#include "ftpaudit/report.h"

static void
fuzz_config(struct fa_config *cfg)
{
	fa_config_defaults(cfg);
	fa_portset_add(&cfg->ports, 2121);
	cfg->max_conns = 64;
	cfg->idle_timeout_us = 60ULL * 1000000;
	cfg->expect_timeout_us = 30ULL * 1000000;
	cfg->reasm_stream_cap = 512;
	cfg->reasm_total_cap = 2048;
	cfg->line_max = 256;
	cfg->max_cmds = 32;
	cfg->max_replies = 8;
	cfg->max_xfers = 16;
	cfg->max_expect_session = 4;
	cfg->max_expect_total = 16;
	cfg->bruteforce_threshold = 3;
}

static FILE *
fuzz_devnull(void)
{
	static FILE *out;

	if (out == NULL && (out = fopen("/dev/null", "w")) == NULL)
		abort();
	return out;
}

/* Engine and report wired as cmd_analyze.c does it. */
struct fuzz_run {
	struct fa_config cfg;
	struct fa_engine *e;
	struct report	*r;
};

static void
fuzz_run_start_to(struct fuzz_run *run, enum report_format fmt, bool verify,
    FILE *out)
{
	struct fa_sink	 sink;
	char		*cause;

	fuzz_config(&run->cfg);
	run->cfg.verify_checksums = verify;
	if ((run->e = fa_engine_new(&run->cfg)) == NULL ||
	    (run->r = report_new(fmt, out, &cause)) == NULL)
		abort();
	report_sink(run->r, &sink);
	fa_engine_add_sink(run->e, &sink);
}

static inline void
fuzz_run_start(struct fuzz_run *run, enum report_format fmt, bool verify)
{
	fuzz_run_start_to(run, fmt, verify, fuzz_devnull());
}

static void
fuzz_run_end(struct fuzz_run *run, const struct capture *cap)
{
	fa_engine_finish(run->e);
	(void)report_finish(run->r, cap, fa_engine_stats(run->e), &run->cfg);
	if (fa_engine_open_sessions(run->e) != 0)
		__builtin_trap();	/* finish ends every session */
	if (report_error(run->r) != NULL)
		__builtin_trap();	/* every session id fits the spool */
	if (fa_engine_stats(run->e)->reader_cuts != 0)
		__builtin_trap();	/* the reader kept what control needs */
	report_free(run->r);
	fa_engine_free(run->e);
}

#endif
