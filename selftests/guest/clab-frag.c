// SPDX-License-Identifier: GPL-2.0
/*
 * clab-frag: fragment the arena the way Gupta's compaction demo does.
 *
 *   clab-frag [--mb N] [--stride S] [--pin K] [--hold SECONDS]
 *
 * Maps N MiB of /dev/compactlab (default 32), touches every page, then
 * DISCARDs all but one page of every S (default 4: three of every four go),
 * so the free memory is scattered in holes too small for any large block.
 * --pin K then allocates K unmovable order-0 kernel blocks (they land in
 * the holes, and compaction cannot move them). --hold keeps everything for
 * SECONDS (-1: until SIGINT or SIGTERM) before the kept pages are checked
 * against their pattern (a migration must preserve them) and the program
 * exits, which frees everything. Prints one "clab-frag:" summary line when
 * the fragmentation is in place, then "clab-frag: verify ..." at the end.
 * Exit status: 0, 1 on a content mismatch, 2 on a usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/compactlab.h>

static atomic_int stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: clab-frag [--mb N] [--stride S] [--pin K] [--hold SECONDS]\n");
	exit(2);
}

static long long free_pages(int fd)
{
	struct clab_counters c;

	if (ioctl(fd, CLAB_IOC_COUNTERS, &c))
		return -1;
	return (long long)(c.nr_free_pages + c.nr_free_pcp);
}

/* The pattern of 64-bit word @w of page @i. */
static __u64 pattern(unsigned long i, unsigned long w)
{
	return ((__u64)i << 32) ^ w ^ 0xc1ab000000000000ULL;
}

int main(int argc, char **argv)
{
	long mb = 32, stride = 4, pin = 0, hold = 0;
	unsigned long i, w, npages, words, discarded = 0, mismatches = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	__u64 *handles = NULL;
	long psz = sysconf(_SC_PAGESIZE);
	struct clab_alloc a;
	char *map;
	int fd, k;

	for (k = 1; k < argc; k++) {
		if (k + 1 >= argc)
			bad_usage();
		if (!strcmp(argv[k], "--mb"))
			mb = atol(argv[++k]);
		else if (!strcmp(argv[k], "--stride"))
			stride = atol(argv[++k]);
		else if (!strcmp(argv[k], "--pin"))
			pin = atol(argv[++k]);
		else if (!strcmp(argv[k], "--hold"))
			hold = atol(argv[++k]);
		else
			bad_usage();
	}
	if (mb <= 0 || stride <= 0 || pin < 0 || hold < -1)
		bad_usage();

	fd = open("/dev/compactlab", O_RDWR);
	if (fd < 0) {
		perror("clab-frag: /dev/compactlab");
		return 2;
	}
	npages = ((unsigned long)mb << 20) / psz;
	words = psz / sizeof(__u64);
	map = mmap(NULL, npages * psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("clab-frag: mmap");
		return 2;
	}
	/* A fault the arena cannot serve is SIGBUS: ask for what fits. */
	for (i = 0; i < npages; i++) {
		__u64 *p = (__u64 *)(map + i * psz);

		for (w = 0; w < words; w++)
			p[w] = pattern(i, w);
	}
	for (i = 0; i < npages; i++) {
		struct clab_range r = { (uintptr_t)(map + i * psz), psz };

		if (i % stride == 0)
			continue;
		if (ioctl(fd, CLAB_IOC_DISCARD, &r)) {
			perror("clab-frag: DISCARD");
			return 2;
		}
		discarded++;
	}
	if (pin) {
		handles = calloc(pin, sizeof(*handles));
		a = (struct clab_alloc){
			.order = 0, .migratetype = CLAB_MT_UNMOVABLE,
			.count = pin, .handles = (uintptr_t)handles,
		};
		if (!handles || ioctl(fd, CLAB_IOC_ALLOC, &a)) {
			perror("clab-frag: ALLOC");
			return 2;
		}
		pin = a.allocated;
	}
	printf("clab-frag: mapped %lu pages, kept %lu, discarded %lu,",
	       npages, npages - discarded, discarded);
	printf(" pinned %ld; %lld pages free\n", pin, free_pages(fd));
	fflush(stdout);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (hold == -1) {
		while (!stop)
			pause();
	} else {
		unsigned int left = hold;

		while (left && !stop)
			left = sleep(left);
	}

	for (i = 0; i < npages; i += stride) {
		__u64 *p = (__u64 *)(map + i * psz);

		for (w = 0; w < words; w++)
			mismatches += p[w] != pattern(i, w);
	}
	printf("clab-frag: verify %lu kept pages: %lu mismatched words\n",
	       (npages + stride - 1) / stride, mismatches);
	return mismatches ? 1 : 0;
}
