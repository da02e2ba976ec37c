/* tui.c: the ncurses view of `ftpaudit live` (being built; until then the
 * tui format says so and ndjson/json work). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/live.h"

struct tui *
tui_new(const struct tui_info *ti, char *err, size_t errlen)
{
	(void)ti;
	snprintf(err, errlen, "the tui format is not available yet: use -F ndjson");
	return NULL;
}

void tui_sink(struct tui *t, struct fa_sink *sk) { (void)t; memset(sk, 0, sizeof *sk); }
bool tui_keys(struct tui *t) { (void)t; return false; }
void
tui_tick(struct tui *t, uint64_t now, const struct fa_stats *st,
    const struct live_counters *lc, size_t open)
{
	(void)t; (void)now; (void)st; (void)lc; (void)open;
}
void tui_end(struct tui *t) { (void)t; }
void tui_free(struct tui *t) { (void)t; }
