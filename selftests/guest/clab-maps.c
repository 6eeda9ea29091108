// SPDX-License-Identifier: GPL-2.0
/*
 * clab-maps: many small mappings of one /dev/compactlab file, for the
 * benchmark of closing vmas (scripts/bench-rmap).
 *
 *   clab-maps one N
 *	N one-page mappings, each mapped and touched, then each unmapped,
 *	one by one, oldest first
 *   clab-maps split N
 *	one mapping of N pages, every page touched, split into N vmas by
 *	mprotect() of every other page, then unmapped page by page
 *
 * Prints "MODE n=N map_s=S unmap_s=S". Each munmap closes vmas, and each
 * close asks whether another vma of the file maps its offsets. Raise
 * vm.max_map_count for N near 65530. Exit 0, or 2 on a setup error.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

int main(int argc, char **argv)
{
	long psz = sysconf(_SC_PAGESIZE);
	double t0, t1, t2;
	unsigned long n, i;
	char **maps, *map;
	int fd;

	if (argc != 3 || (strcmp(argv[1], "one") && strcmp(argv[1], "split"))) {
		fprintf(stderr, "usage: clab-maps one|split N\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 0);
	fd = open("/dev/compactlab", O_RDWR);
	if (fd < 0)
		die("/dev/compactlab");
	t0 = now();
	if (!strcmp(argv[1], "one")) {
		maps = calloc(n, sizeof(*maps));
		if (!maps)
			die("calloc");
		for (i = 0; i < n; i++) {
			maps[i] = mmap(NULL, psz, PROT_READ | PROT_WRITE,
				       MAP_SHARED, fd, 0);
			if (maps[i] == MAP_FAILED)
				die("mmap");
			*maps[i] = 1;
		}
		t1 = now();
		for (i = 0; i < n; i++)
			if (munmap(maps[i], psz))
				die("munmap");
	} else {
		map = mmap(NULL, n * psz, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, 0);
		if (map == MAP_FAILED)
			die("mmap");
		for (i = 0; i < n; i++)
			map[i * psz] = 1;
		for (i = 0; i < n; i += 2)
			if (mprotect(map + i * psz, psz, PROT_READ))
				die("mprotect");
		t1 = now();
		for (i = 0; i < n; i++)
			if (munmap(map + i * psz, psz))
				die("munmap");
	}
	t2 = now();
	printf("%s n=%lu map_s=%.3f unmap_s=%.3f\n", argv[1], n, t1 - t0,
	       t2 - t1);
	return 0;
}
