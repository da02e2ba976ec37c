/* SPDX-License-Identifier: ISC */
/* radix.h: a stable radix sort on bytes of fixed-size elements. */
#ifndef FTPAUDIT_RADIX_H
#define FTPAUDIT_RADIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The n elements of size bytes at v sorted, stably, by the bytes at the
 * offsets key[0] (the most significant) to key[nkey - 1]: a pass for
 * each byte from the last, skipped when every element has the same
 * there.  0, or -1 (ENOMEM) with v as it was.  Inline, so that size is
 * a constant where it is used and each element's move is a fixed copy.
 */
static inline int
radix_sort(void *v, size_t n, size_t size, const size_t *key, size_t nkey)
{
	unsigned char *src = v, *dst, *t, *tmp;
	size_t cnt[256], i, k, sum, x;
	bool differ;
	unsigned c;

	if (n < 2)
		return 0;
	if ((tmp = dst = reallocarray(NULL, n, size)) == NULL)
		return -1;
	for (k = nkey; k-- > 0;) {
		for (differ = false, i = 1; i < n && !differ; i++)
			differ = src[i * size + key[k]] != src[key[k]];
		if (!differ)
			continue;
		memset(cnt, 0, sizeof cnt);
		for (i = 0; i < n; i++)
			cnt[src[i * size + key[k]]]++;
		for (sum = 0, c = 0; c < 256; c++) {
			x = cnt[c];
			cnt[c] = sum;
			sum += x;
		}
		for (i = 0; i < n; i++)
			memcpy(dst + cnt[src[i * size + key[k]]]++ * size,
			    src + i * size, size);
		t = src;
		src = dst;
		dst = t;
	}
	if (src != (unsigned char *)v)
		memcpy(v, src, n * size);
	free(tmp);
	return 0;
}

#endif
