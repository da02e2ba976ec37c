/* addr.c: IP address helpers. */
#include <arpa/inet.h>
#include <string.h>

#include "ftpaudit/addr.h"

bool
fa_addr_eq(const struct fa_addr *x, const struct fa_addr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, 16) == 0;
}

bool
fa_endpoint_eq(const struct fa_endpoint *x, const struct fa_endpoint *y)
{
	return x->port == y->port && fa_addr_eq(&x->ip, &y->ip);
}

const char *
fa_addr_str(const struct fa_addr *x, char *buf)
{
	switch (x->family) {
	case FA_AF_INET:
		return inet_ntop(AF_INET, x->a, buf, FA_ADDRSTRLEN);
	case FA_AF_INET6:
		return inet_ntop(AF_INET6, x->a, buf, FA_ADDRSTRLEN);
	}
	strcpy(buf, "?");
	return buf;
}

int
fa_addr_parse(const char *s, struct fa_addr *out)
{
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->family = FA_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->a) == 1) {
		out->family = FA_AF_INET6;
		return 0;
	}
	memset(out, 0, sizeof *out);
	return -1;
}

void
fa_addr_v4(struct fa_addr *out, const uint8_t b[4])
{
	memset(out, 0, sizeof *out);
	out->family = FA_AF_INET;
	memcpy(out->a, b, 4);
}

bool
fa_addr_is_private(const struct fa_addr *x)
{
	const uint8_t *a = x->a;

	if (x->family == FA_AF_INET)
		return a[0] == 10 || a[0] == 127 ||
		    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 169 && a[1] == 254) ||
		    (a[0] == 100 && (a[1] & 0xc0) == 64);
	if (x->family == FA_AF_INET6) {
		static const uint8_t lo[16] = { [15] = 1 };
		return memcmp(a, lo, 16) == 0 || (a[0] & 0xfe) == 0xfc ||
		    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
	}
	return false;
}

bool
fa_addr_is_unspecified(const struct fa_addr *x)
{
	static const uint8_t zero[16];

	return x->family == FA_AF_NONE || memcmp(x->a, zero, 16) == 0;
}
