// SPDX-License-Identifier: GPL-2.0
/*
 * clab-sparse: fault in user pages of /dev/compactlab at sparse file
 * offsets, and report what the memory cgroup of this process was charged.
 *
 *   clab-sparse N STRIDE
 *	map N * STRIDE pages and write the first word of every STRIDE-th
 *	page (up to the first SIGBUS); every page then needs a node of the
 *	file's offset table of its own.
 *
 * Prints "touched=K slab=B pagetables=B current=B" (B: bytes the cgroup's
 * memory.stat "slab" and "pagetables" and its memory.current grew by,
 * read before unmapping). Exit 0, or 2 on a setup error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

static sigjmp_buf fault_jmp;
static char cg[512];

static void on_sigbus(int sig)
{
	siglongjmp(fault_jmp, 1);
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* Write to @p: 1, or 0 on a SIGBUS. */
static int touch(char *p)
{
	if (sigsetjmp(fault_jmp, 1))
		return 0;
	*p = 1;
	return 1;
}

/* A value from this process's cgroup: a memory.stat key, or a file. */
static long long cg_read(const char *file, const char *key)
{
	char path[600], name[64];
	long long v = -1, x;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/%s", cg, file);
	f = fopen(path, "r");
	if (!f)
		die(path);
	if (!key) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
	} else {
		while (fscanf(f, "%63s %lld", name, &x) == 2)
			if (!strcmp(name, key))
				v = x;
	}
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	long long slab, pt, cur;
	unsigned long n, stride, i;
	char *map;
	long psz = sysconf(_SC_PAGESIZE);
	char line[512];
	FILE *f;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: clab-sparse N STRIDE\n");
		return 2;
	}
	n = strtoul(argv[1], NULL, 0);
	stride = strtoul(argv[2], NULL, 0);
	f = fopen("/proc/self/cgroup", "r");
	if (!f)
		die("/proc/self/cgroup");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3))
			snprintf(cg, sizeof(cg), "%s", line + 3);
	fclose(f);
	cg[strcspn(cg, "\n")] = 0;
	if (!strcmp(cg, "/"))
		cg[0] = 0;

	fd = open("/dev/compactlab", O_RDWR);
	if (fd < 0)
		die("/dev/compactlab");
	map = mmap(NULL, n * stride * psz, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (map == MAP_FAILED)
		die("mmap");
	slab = cg_read("memory.stat", "slab");
	pt = cg_read("memory.stat", "pagetables");
	cur = cg_read("memory.current", NULL);
	signal(SIGBUS, on_sigbus);
	for (i = 0; i < n; i++)
		if (!touch(map + i * stride * psz))
			break;
	signal(SIGBUS, SIG_DFL);
	printf("touched=%lu slab=%lld pagetables=%lld current=%lld\n", i,
	       cg_read("memory.stat", "slab") - slab,
	       cg_read("memory.stat", "pagetables") - pt,
	       cg_read("memory.current", NULL) - cur);
	return 0;
}
