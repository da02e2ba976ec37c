/* SPDX-License-Identifier: ISC */
/* live.c: live capture from an interface with libpcap, and the -w packet
 * dump with tcpdump's -C/-G rotation.  Never blocks: the caller polls
 * live_fd() and calls live_dispatch() when it is readable. */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>

#include <errno.h>
#include <grp.h>
#include <pcap.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ftpaudit/live.h"

#define DEFAULT_SNAPLEN	262144

struct live {
	pcap_t		*p;
	struct live_opts o;
	int		 dlt;
	uint64_t	 bytes;		/* wire bytes handed to us */
	struct fa_engine *engine;	/* during live_dispatch only */

	pcap_dumper_t	*dumper;
	time_t		 dump_opened;	/* for -G */
	unsigned	 dump_index;	/* -C file number, 0 for the first */
	char		 dump_err[256];	/* set by the callback, "" when fine */
};

/* Is the interface administratively down?  Unknown counts as up: "any"
 * and non-Linux devices are left to libpcap. */
static bool
iface_down(const char *name)
{
	struct ifreq ifr;
	bool down = false;
	int fd;

	if (strlen(name) >= sizeof ifr.ifr_name ||
	    (fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return false;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		down = (ifr.ifr_flags & IFF_UP) == 0;
	close(fd);
	return down;
}

/* One line a user can act on, for the failures they actually meet. */
static void
activate_error(pcap_t *p, const char *iface, int rc, char *err, size_t errlen)
{
	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		snprintf(err, errlen, "%s: no such interface", iface);
		break;
	case PCAP_ERROR_PERM_DENIED:
		snprintf(err, errlen, "%s: permission denied: capturing needs root "
		    "or the CAP_NET_RAW capability", iface);
		break;
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		snprintf(err, errlen, "%s: permission denied for promiscuous mode "
		    "(-p captures without it)", iface);
		break;
	case PCAP_ERROR_IFACE_NOT_UP:
		snprintf(err, errlen, "%s: interface is down", iface);
		break;
	default:
		snprintf(err, errlen, "%s: %s", iface, rc == PCAP_ERROR ?
		    pcap_geterr(p) : pcap_statustostr(rc));
		break;
	}
}

static int
set_options(struct live *l, char *err, size_t errlen)
{
	const struct live_opts *o = &l->o;

	if (pcap_set_snaplen(l->p, o->snaplen > 0 ? o->snaplen : DEFAULT_SNAPLEN) != 0 ||
	    pcap_set_promisc(l->p, o->promisc) != 0 ||
	    pcap_set_immediate_mode(l->p, 1) != 0 ||
	    (o->buffer_kib > 0 &&
	    pcap_set_buffer_size(l->p, o->buffer_kib * 1024) != 0)) {
		snprintf(err, errlen, "%s: cannot set capture options", o->iface);
		return -1;
	}
	return 0;
}

static int
set_filter(struct live *l, char *err, size_t errlen)
{
	struct bpf_program prog;

	if (l->o.filter == NULL || *l->o.filter == '\0')
		return 0;
	if (pcap_compile(l->p, &prog, l->o.filter, 1, PCAP_NETMASK_UNKNOWN) == -1) {
		snprintf(err, errlen, "filter '%s': %s", l->o.filter, pcap_geterr(l->p));
		return -1;
	}
	if (pcap_setfilter(l->p, &prog) == -1) {
		snprintf(err, errlen, "filter '%s': %s", l->o.filter, pcap_geterr(l->p));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

int
live_open(struct live **out, const struct live_opts *o, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct live *l;
	int rc;

	*out = NULL;
	if ((l = calloc(1, sizeof *l)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	l->o = *o;
	if ((l->p = pcap_create(o->iface, ebuf)) == NULL) {
		snprintf(err, errlen, "%s: %s", o->iface, ebuf);
		free(l);
		return -1;
	}
	if (set_options(l, err, errlen) == -1)
		goto fail;
	if ((rc = pcap_activate(l->p)) < 0) {
		activate_error(l->p, o->iface, rc, err, errlen);
		goto fail;
	}
	/* Linux activates a down interface and then sees nothing: say so. */
	if (iface_down(o->iface)) {
		activate_error(l->p, o->iface, PCAP_ERROR_IFACE_NOT_UP, err, errlen);
		goto fail;
	}
	if (pcap_setnonblock(l->p, 1, ebuf) == -1) {
		snprintf(err, errlen, "%s: %s", o->iface, ebuf);
		goto fail;
	}
	if (set_filter(l, err, errlen) == -1)
		goto fail;
	l->dlt = pcap_datalink(l->p);
	*out = l;
	return 0;
fail:
	pcap_close(l->p);
	free(l);
	return -1;
}

/* tcpdump's droproot() without the chroot: the user's groups, then gid,
 * then uid, and check that root cannot be regained. */
int
live_droproot(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "-Z %s: no such user", user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1) {
		snprintf(err, errlen, "-Z %s: cannot become that user: %s", user,
		    strerror(errno));
		return -1;
	}
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		snprintf(err, errlen, "-Z %s: root privileges could be regained", user);
		return -1;
	}
	return 0;
}

/* tcpdump's names: FILE through strftime with -G, a number after the
 * first file with -C. */
static void
dump_name(const struct live *l, time_t now, char *buf, size_t len)
{
	char base[4096];
	struct tm tm;
	size_t n;

	if (l->o.dump_secs > 0 && localtime_r(&now, &tm) != NULL &&
	    (n = strftime(base, sizeof base, l->o.dump, &tm)) > 0)
		base[n] = '\0';
	else
		snprintf(base, sizeof base, "%s", l->o.dump);
	if (l->dump_index > 0)
		snprintf(buf, len, "%s%u", base, l->dump_index);
	else
		snprintf(buf, len, "%s", base);
}

static int
dump_start(struct live *l, time_t now, char *err, size_t errlen)
{
	char name[4200];

	dump_name(l, now, name, sizeof name);
	if ((l->dumper = pcap_dump_open(l->p, name)) == NULL) {
		snprintf(err, errlen, "%s: %s", name, pcap_geterr(l->p));
		return -1;
	}
	l->dump_opened = now;
	return 0;
}

int
live_dump_open(struct live *l, char *err, size_t errlen)
{
	if (l->o.dump == NULL)
		return 0;
	return dump_start(l, time(NULL), err, errlen);
}

/* Close the current file and start the next when -C or -G says so. */
static void
dump_rotate(struct live *l)
{
	time_t now = time(NULL);
	bool by_time, by_size;

	by_time = l->o.dump_secs > 0 &&
	    (uint64_t)(now - l->dump_opened) >= l->o.dump_secs;
	by_size = l->o.dump_max_bytes > 0 &&
	    (uint64_t)pcap_dump_ftell64(l->dumper) >= l->o.dump_max_bytes;
	if (!by_time && !by_size)
		return;
	pcap_dump_close(l->dumper);
	l->dumper = NULL;
	l->dump_index = by_time ? 0 : l->dump_index + 1;
	dump_start(l, now, l->dump_err, sizeof l->dump_err);
}

static void
on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
	struct live *l = (struct live *)arg;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;

	l->bytes += h->len;
	fa_engine_packet(l->engine, l->dlt, ts, data, h->caplen, h->len);
	if (l->dumper == NULL)
		return;
	pcap_dump((u_char *)l->dumper, h, data);
	if (l->o.dump_max_bytes > 0 || l->o.dump_secs > 0)
		dump_rotate(l);
	if (l->dumper == NULL)
		pcap_breakloop(l->p);
}

int
live_dispatch(struct live *l, struct fa_engine *e, int max, char *err,
    size_t errlen)
{
	int n;

	l->engine = e;
	n = pcap_dispatch(l->p, max > 0 ? max : -1, on_packet, (u_char *)l);
	l->engine = NULL;
	if (l->dump_err[0] != '\0') {
		snprintf(err, errlen, "%s", l->dump_err);
		return -1;
	}
	if (n == PCAP_ERROR_BREAK)
		return 0;
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", l->o.iface, pcap_geterr(l->p));
		return -1;
	}
	/* Packets written so far reach the file even if we are killed. */
	if (n > 0 && l->dumper != NULL)
		pcap_dump_flush(l->dumper);
	return n;
}

int
live_fd(const struct live *l)
{
	return pcap_get_selectable_fd(l->p);
}

int
live_dlt(const struct live *l)
{
	return l->dlt;
}

void
live_counters(struct live *l, struct live_counters *c)
{
	struct pcap_stat ps;

	memset(c, 0, sizeof *c);
	c->bytes = l->bytes;
	if (pcap_stats(l->p, &ps) == 0) {
		c->received = ps.ps_recv;
		c->dropped = ps.ps_drop;
		c->ifdropped = ps.ps_ifdrop;
	}
}

void
live_close(struct live *l)
{
	if (l == NULL)
		return;
	if (l->dumper != NULL)
		pcap_dump_close(l->dumper);
	pcap_close(l->p);
	free(l);
}
