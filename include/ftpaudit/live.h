/* SPDX-License-Identifier: ISC */
/* live.h: live capture from an interface (libpcap), the optional packet
 * dump with tcpdump-style rotation, and the live outputs: the NDJSON event
 * stream (live_events.c) and the ncurses view (tui.c). */
#ifndef FTPAUDIT_LIVE_H
#define FTPAUDIT_LIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ftpaudit/engine.h"

struct live_opts {
	const char	*iface;
	const char	*filter;	/* BPF, NULL for everything */
	int		 snaplen;	/* -s; 0 means 262144 */
	int		 buffer_kib;	/* -B; 0 leaves libpcap's default */
	bool		 promisc;	/* on unless -p */
	const char	*dump;		/* -w FILE, NULL when not */
	uint64_t	 dump_max_bytes;	/* -C, 0 for no size rotation */
	uint64_t	 dump_secs;	/* -G, 0 for no time rotation */
};

/* Kernel and capture counters, for the header, stats events and SIGUSR1. */
struct live_counters {
	uint64_t	 received;	/* packets handed to us */
	uint64_t	 dropped;	/* by the kernel: buffer full */
	uint64_t	 ifdropped;	/* by the interface */
	uint64_t	 bytes;		/* wire bytes handed to us */
};

struct live;

/* live.c */
/* Open and activate the interface and compile the filter; -1 with one line
 * in err (no such interface, permission, interface down...). */
int	 live_open(struct live **, const struct live_opts *, char *err,
	    size_t errlen);
/* Become USER (-Z) after live_open; -1 with the reason in err. */
int	 live_droproot(const char *user, char *err, size_t errlen);
/* Open the -w file; done after live_droproot, as tcpdump does. */
int	 live_dump_open(struct live *, char *err, size_t errlen);
/* The descriptor to poll, or -1 when libpcap has none. */
int	 live_fd(const struct live *);
int	 live_dlt(const struct live *);
/* Hand at most max packets (0: a buffer's worth) to the engine without
 * blocking: the number handled, or -1 with err set (interface gone). */
int	 live_dispatch(struct live *, struct fa_engine *, int max, char *err,
	    size_t errlen);
void	 live_counters(struct live *, struct live_counters *);
void	 live_close(struct live *);

/* live_events.c: the NDJSON event stream. */
struct events;
struct events *events_new(FILE *out);	/* out borrowed */
void	 events_sink(struct events *, struct fa_sink *);
/* Each event gains "sensor": name (borrowed), its observer. */
void	 events_set_sensor(struct events *, const char *name);
/* A "stats" line; ts is the wall clock in microseconds.  The final one,
 * after the engine ended every session, closes the stream. */
void	 events_stats(struct events *, uint64_t ts_us, const struct fa_stats *,
	    const struct live_counters *, size_t open_sessions, bool final);
/* 0, or -1 once a write failed (closed pipe, full disk). */
int	 events_error(const struct events *);
void	 events_free(struct events *);

/* tui.c: the ncurses view. */
struct tui_info {
	const char	*iface;
	const char	*filter;	/* NULL when none */
	uint32_t	 max_ended;	/* ended sessions kept listed */
};
struct tui;
/* NULL with err set when the terminal cannot be used. */
struct tui *tui_new(const struct tui_info *, char *err, size_t errlen);
void	 tui_sink(struct tui *, struct fa_sink *);
/* Read pending keys; false once the user asked to quit. */
bool	 tui_keys(struct tui *);
/* Redraw when due (at most a few times a second). */
void	 tui_tick(struct tui *, uint64_t now_us, const struct fa_stats *,
	    const struct live_counters *, size_t open_sessions);
/* Draw the whole screen again at the next tick (something else wrote
 * on the terminal). */
void	 tui_repaint(struct tui *);
/* Restore the terminal; safe to call twice. */
void	 tui_end(struct tui *);
void	 tui_free(struct tui *);

#endif
