/* SPDX-License-Identifier: ISC */
/*
 * pcapfile.h: a classic pcap file read a block at a time, each record
 * handed over where it lies in the block, for capture.c.  Only what
 * libpcap itself would hand over unchanged is read this way: this host's
 * byte order, version 2.4, records no longer than the snapshot length.
 * At anything else (the end included) it stops, and libpcap reads on
 * from pcapfile_offset(), so that errors, warnings and odd files stay
 * libpcap's.
 */
#ifndef FTPAUDIT_PCAPFILE_H
#define FTPAUDIT_PCAPFILE_H

#include <stdbool.h>
#include <stdint.h>

struct pcapfile;

struct pcapfile_pkt {
	uint64_t	 ts_us;
	const uint8_t	*data;		/* mapped: until the next call */
	uint32_t	 caplen, wirelen;
};

/*
 * For the regular file fd (borrowed: it must stay open), size bytes
 * long, whose header libpcap has read and accepted with the snapshot
 * length snaplen: a reader positioned at the first record, or NULL when
 * the file is not one it reads, or 16 files are open so already
 * (libpcap then reads it, as before).  It may install a SIGBUS handler
 * (pcapfile.c).
 */
struct pcapfile *pcapfile_open(int fd, uint64_t size, uint32_t snaplen);
/* 1 with the next record, or 0: stop, and let libpcap read from
 * pcapfile_offset() on (nothing, at the end of the file). */
int	 pcapfile_next(struct pcapfile *, struct pcapfile_pkt *);
/* Whether it stopped because the file was cut short while mapped: what
 * is there now is not to be read on. */
bool	 pcapfile_cut(const struct pcapfile *);
/* The file offset of the next record. */
uint64_t pcapfile_offset(const struct pcapfile *);
void	 pcapfile_close(struct pcapfile *);

#endif
