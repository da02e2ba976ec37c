/* SPDX-License-Identifier: ISC */
/* html.h: what the -F html pages of analyze, rules and audit share: the
 * one escaper every string from the wire (or from a ruleset file) goes
 * through, and the page's frame with its inline CSS and script. */
#ifndef FTPAUDIT_HTML_H
#define FTPAUDIT_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ftpaudit/addr.h"

/*
 * The escaper: & < > " ' as entities, printable ASCII as is, every other
 * byte as the text \xHH (as fa_escape writes it), so that nothing read
 * can open a tag, end an attribute or break the page's encoding.  Safe in
 * element text and in quoted attribute values, never in a script.
 */
void	 html_esc(FILE *, const uint8_t *p, size_t len);
/* A <pre> of the text of one of ftpaudit's own writers (an nft script),
 * through the same escaper with its newlines and tabs kept. */
void	 html_pre(FILE *, const uint8_t *p, size_t len);
/* A <pre> of what draw(arg, m) writes into m (a text writer caught in
 * memory); nothing when it writes nothing.  0, or -1 when draw failed or
 * memory ran out. */
int	 html_pre_of(FILE *, int (*draw)(const void *, FILE *),
	    const void *arg);
/* The same for at most max bytes of p, then "..." when it was longer. */
void	 html_esc_cut(FILE *, const uint8_t *p, size_t len, size_t max);
/* A C string through html_esc; "" for NULL. */
void	 html_str(FILE *, const char *s);
/* "10.0.0.1:21", "[2001:db8::1]:21" (without the port unless port_known). */
void	 html_endpoint(FILE *, const struct fa_endpoint *, int port_known);
/* The page up to <body> and its <h1>, title escaped: the CSS inline, a
 * Content-Security-Policy that forbids every load from anywhere. */
void	 html_begin(FILE *, const char *title);
/* The inline script (sorting and filtering of table.sortable, the
 * session table's filter, a session's ladder on click) and the end. */
void	 html_end(FILE *);

/* rules -F html (render_html.c), audit -F html (audit_html.c): 0, or -1
 * on a write error or when out of memory. */
struct rules;
struct audit;
int	 rules_html(const struct rules *, FILE *);
int	 audit_html(const struct audit *, FILE *);

#endif
