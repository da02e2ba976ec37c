/* SPDX-License-Identifier: ISC */
/* community_id.h: Community ID v1 flow hashes (Corelight's specification),
 * the key that joins ftpaudit's records with Zeek's, Suricata's and
 * Wireshark's for the same connection. */
#ifndef FTPAUDIT_COMMUNITY_ID_H
#define FTPAUDIT_COMMUNITY_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftpaudit/addr.h"

/* "1:" and the base64 of a SHA-1 digest (28 characters), and a NUL. */
#define COMMUNITY_ID_LEN	31

/*
 * The ID of one flow, the same whichever end is given first.  proto is
 * the IP protocol number; ports are the transport ports (ICMP type and
 * code are not handled: ftpaudit hashes TCP only).  Writes
 * COMMUNITY_ID_LEN bytes into buf and returns its length (30), or -1
 * when the two addresses are not of one family.
 */
int	 community_id_v1(const struct fa_endpoint *a, const struct fa_endpoint *b,
	    uint8_t proto, uint16_t seed, char *buf);

/* SHA-1 (FIPS 180-4) of one buffer, for the above and its tests: with
 * the CPU's SHA instructions when it has them. */
void	 community_id_sha1(const void *data, size_t len, uint8_t digest[20]);
/* The same, with the portable rounds when portable is set. */
void	 community_id_sha1_with(const void *data, size_t len,
	    uint8_t digest[20], bool portable);

#endif
