/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_common.h - reading a libFuzzer input as a stream of choices, and
 * failing loudly on a broken invariant, for the fuzzers over the core.
 */
#ifndef _CLAB_FUZZ_COMMON_H
#define _CLAB_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <compactlab/env.h>

/* The input, consumed front to back; reads past its end give zeroes. */
struct fuzz_in {
	const u8 *data;
	size_t len, pos;
};

static inline int fuzz_more(const struct fuzz_in *in)
{
	return in->pos < in->len;
}

static inline unsigned int fuzz_u8(struct fuzz_in *in)
{
	return in->pos < in->len ? in->data[in->pos++] : 0;
}

static inline unsigned int fuzz_u16(struct fuzz_in *in)
{
	unsigned int lo = fuzz_u8(in);

	return lo | fuzz_u8(in) << 8;
}

/* A broken invariant: say which, then abort() so libFuzzer saves the input. */
#define FUZZ_ASSERT(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "FUZZ INVARIANT %s:%d: %s: ",		\
			__FILE__, __LINE__, #cond);			\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, "\n");					\
		fflush(stdout);						\
		abort();						\
	}								\
} while (0)

#endif /* _CLAB_FUZZ_COMMON_H */
