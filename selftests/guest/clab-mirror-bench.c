// SPDX-License-Identifier: GPL-2.0
/*
 * clab-mirror-bench: the page-allocator microbenchmarks the live mirror's
 * overhead is measured with (issue 15; scripts/bench-mirror). Each times
 * one round of kernel page allocations and frees and prints
 * "ns_per_page=N pages=P" (CLOCK_MONOTONIC, the round's whole window):
 *
 *   clab-mirror-bench fault MB       MB MiB of anonymous memory faulted in
 *                                    a page at a time (one order-0
 *                                    allocation each), then unmapped
 *   clab-mirror-bench thp MB         MB MiB of MADV_HUGEPAGE memory
 *                                    faulted (order-9 allocations where
 *                                    the kernel finds them), then unmapped
 *   clab-mirror-bench pagecache MB   MB MiB of 64 KiB files written in
 *                                    DIR ($TMPDIR, else /tmp), then
 *                                    deleted (page-cache pages)
 *
 * Exit status: 0, 1 when a system call failed, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int anon(unsigned long mb, int huge)
{
	size_t len = mb << 20, psz = sysconf(_SC_PAGESIZE), i;
	unsigned long long t0 = now_ns(), t1;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	if (huge)
		madvise(p, len, MADV_HUGEPAGE);
	for (i = 0; i < len; i += psz)
		p[i] = 1;
	munmap(p, len);
	t1 = now_ns();
	printf("ns_per_page=%llu pages=%zu\n", (t1 - t0) / (len / psz),
	       len / psz);
	return 0;
}

static int pagecache(unsigned long mb)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	size_t files = mb * 16, psz = sysconf(_SC_PAGESIZE), i;
	static char buf[65536];
	unsigned long long t0, t1;
	char path[256];

	memset(buf, 7, sizeof(buf));
	t0 = now_ns();
	for (i = 0; i < files; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/clab-mb-%zu", dir, i);
		fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
		if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf))
			return 1;
		close(fd);
	}
	for (i = 0; i < files; i++) {
		snprintf(path, sizeof(path), "%s/clab-mb-%zu", dir, i);
		unlink(path);
	}
	t1 = now_ns();
	printf("ns_per_page=%llu pages=%zu\n",
	       (t1 - t0) / (files * sizeof(buf) / psz), files * sizeof(buf) / psz);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long mb;

	mb = argc == 3 ? strtoul(argv[2], NULL, 0) : 0;
	if (!mb) {
		fprintf(stderr, "usage: clab-mirror-bench fault|thp|pagecache MB\n");
		return 2;
	}
	if (!strcmp(argv[1], "fault"))
		return anon(mb, 0);
	if (!strcmp(argv[1], "thp"))
		return anon(mb, 1);
	if (!strcmp(argv[1], "pagecache"))
		return pagecache(mb);
	fprintf(stderr, "clab-mirror-bench: no benchmark %s\n", argv[1]);
	return 2;
}
