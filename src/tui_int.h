/* SPDX-License-Identifier: ISC */
/* tui_int.h: what tui.c (the terminal) and tui_text.c (the text it draws)
 * share.  tui_text.c never touches curses, so the escaping of wire text can
 * be checked without a terminal. */
#ifndef FTPAUDIT_TUI_INT_H
#define FTPAUDIT_TUI_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ftpaudit/session.h"

/* A growable list of owned lines. */
struct tui_lines {
	char		**v;
	size_t		 n, cap;
};

void	 tui_lines_add(struct tui_lines *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Add unless an equal line is there already (the rules view). */
void	 tui_lines_add_unique(struct tui_lines *, const char *);
void	 tui_lines_clear(struct tui_lines *);

/* "12.3K" style; buf of 16 bytes. */
const char *tui_fmt_bytes(uint64_t, char *buf);
/* Data bytes moved by all the session's transfers. */
uint64_t tui_session_bytes(const struct fa_session *);
/* Column titles and one table row, sanitised, of at most len - 1 bytes. */
void	 tui_table_title(char *buf, size_t len);
void	 tui_table_row(char *buf, size_t len, const struct fa_session *,
	    uint64_t rate);
/* The detail view of a session. */
void	 tui_session_lines(struct tui_lines *, const struct fa_session *);
/* The openings a firewall must allow for what the session did. */
void	 tui_needs_lines(struct tui_lines *, const struct fa_session *,
	    const char *indent);
/* The recommended rule set for these sessions (text and nft). */
void	 tui_rules_lines(struct tui_lines *, struct fa_session *const *, size_t);

#endif
