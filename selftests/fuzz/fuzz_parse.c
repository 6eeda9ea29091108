// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_parse.c - clab_parse_size() and clab_parse_core() on arbitrary
 * strings (module parameters and sysfs writes reach them).
 *
 * Beyond "no sanitizer report", each accepted value is checked against an
 * independent reading of the grammar: digits (hex after 0x), one optional
 * K/M/G/T/P/E suffix, one optional trailing newline, nothing else, no
 * overflow; a percentage is at most 100 and gives pages * N / 100.
 */
#include <string.h>
#include <compactlab/arena.h>
#include <compactlab/mmzone.h>
#include "fuzz_common.h"

/* The reference reading of memparse syntax; -1 when malformed. */
static int ref_parse_size(const char *s, u64 *out)
{
	unsigned __int128 v = 0;
	unsigned int base = 10, digits = 0, shift = 0;
	const char *sfx, *suffixes = "kmgtpe";

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		v = v * base + d;
		if (v > U64_MAX)
			return -1;
		digits++;
	}
	if (!digits)
		return -1;
	sfx = *s ? strchr(suffixes, *s | 0x20) : NULL;
	if (sfx) {
		shift = 10 * (unsigned int)(sfx - suffixes + 1);
		s++;
	}
	if (*s == '\n')
		s++;
	if (*s)
		return -1;
	v <<= shift;
	if (v > U64_MAX)
		return -1;
	*out = (u64)v;
	return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	char *s = malloc(size + 1);
	u64 got = 0, want = 0;
	unsigned long pages = 0, total = 16384;
	int r, ref;

	memcpy(s, data, size);
	s[size] = '\0';		/* the kernel sees C strings: stop at a NUL */

	r = clab_parse_size(s, &got);
	ref = ref_parse_size(s, &want);
	FUZZ_ASSERT((r == 0) == (ref == 0), "\"%s\": parse %d, reference %d",
		    s, r, ref);
	FUZZ_ASSERT(r == 0 || r == -EINVAL, "\"%s\": returned %d", s, r);
	FUZZ_ASSERT(r || got == want, "\"%s\": %llu, reference %llu", s,
		    (unsigned long long)got, (unsigned long long)want);

	if (size)
		total = (unsigned long)data[0] << 12 | 1;
	r = clab_parse_core(s, total, &pages);
	FUZZ_ASSERT(r == 0 || r == -EINVAL, "core \"%s\": returned %d", s, r);
	if (!r && strlen(s) && strchr(s, '%'))
		FUZZ_ASSERT(pages <= total, "core \"%s\": %lu pages of %lu",
			    s, pages, total);
	else if (!r && strlen(s))
		FUZZ_ASSERT(!ref_parse_size(s, &want) &&
			    pages == (unsigned long)(want >> CLAB_PAGE_SHIFT),
			    "core \"%s\": %lu pages", s, pages);
	free(s);
	return 0;
}
