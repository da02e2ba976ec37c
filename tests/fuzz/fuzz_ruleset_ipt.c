/* SPDX-License-Identifier: ISC */
/* fuzz_ruleset_ipt.c: libFuzzer harness for ruleset_ipt.c, the reader of
 * iptables-save and ip6tables-save output (with or without -c).  The
 * whole input is the file; the checks are in ruleset_check.h (one-line
 * cause or a ruleset that evaluates). */
#include "ruleset_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rc_run(data, size, RS_FMT_IPT);
	return 0;
}
