/* SPDX-License-Identifier: ISC */
/* fuzz_ruleset_nft.c: libFuzzer harness for ruleset_nft.c, the reader of
 * `nft -j list ruleset`.  The whole input is the document; the checks are
 * in ruleset_check.h (one-line cause or a ruleset that evaluates). */
#include "ruleset_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rc_run(data, size, RS_FMT_NFT);
	return 0;
}
