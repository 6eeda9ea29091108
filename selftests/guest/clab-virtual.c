// SPDX-License-Identifier: GPL-2.0
/*
 * clab-virtual: the device on a virtual arena (arena_backend=virtual), for
 * test-virtual.sh.
 *
 *   clab-virtual frag [--mb N] [--stride S] [--ready FILE]
 *	allocate N MiB (default 256) of movable order-0 kernel-held blocks
 *	(CLAB_IOC_ALLOC: no contents, so no pattern), free all but one of
 *	every S (default 4), note where each kept block is
 *	(CLAB_IOC_HANDLE_PFN), create FILE and wait for SIGUSR1 or SIGTERM;
 *	then look each kept block up again: it must still be there, owned by
 *	this file, and "moved: M of K" says how many migrated
 *   clab-virtual refuse
 *	what a virtual arena cannot do: mmap of the device fails with ENODEV,
 *	CLAB_IOC_VERIFY of a block with EOPNOTSUPP; CLAB_IOC_ALLOC still works
 *
 * Prints "key: value ..." lines for the script. Exit status: 0, 1 when a
 * check failed, 2 on a usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/compactlab.h>

#define DEV	"/dev/compactlab"

static atomic_int stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "clab-virtual: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: clab-virtual frag [--mb N] [--stride S] [--ready FILE] | refuse\n");
	exit(2);
}

static int open_dev(void)
{
	int fd = open(DEV, O_RDWR);

	if (fd < 0)
		die("open " DEV);
	return fd;
}

/* Where block @handle is now, by arena index; -1 with errno on failure. */
static long long where(int fd, __u64 handle)
{
	struct clab_handle_pfn hp = { .handle = handle };

	if (ioctl(fd, CLAB_IOC_HANDLE_PFN, &hp))
		return -1;
	return (long long)hp.index;
}

static int do_frag(int argc, char **argv)
{
	long mb = 256, stride = 4, i, n, kept = 0, moved = 0, lost = 0;
	const char *ready = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	struct clab_alloc req = { .order = 0, .migratetype = CLAB_MT_MOVABLE };
	long long *at;
	__u64 *handles;
	int fd, k;

	for (k = 2; k < argc; k++) {
		if (!strcmp(argv[k], "--mb") && k + 1 < argc)
			mb = atol(argv[++k]);
		else if (!strcmp(argv[k], "--stride") && k + 1 < argc)
			stride = atol(argv[++k]);
		else if (!strcmp(argv[k], "--ready") && k + 1 < argc)
			ready = argv[++k];
		else
			bad_usage();
	}
	if (mb <= 0 || stride < 2)
		bad_usage();
	n = mb * 256;
	handles = calloc(n, sizeof(*handles));
	at = calloc(n, sizeof(*at));
	if (!handles || !at)
		die("calloc");
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = open_dev();
	req.count = n;
	req.handles = (__u64)(unsigned long)handles;
	if (ioctl(fd, CLAB_IOC_ALLOC, &req))
		die("CLAB_IOC_ALLOC");
	if ((long)req.allocated != n) {
		fprintf(stderr, "clab-virtual: allocated %llu of %ld blocks\n",
			(unsigned long long)req.allocated, n);
		return 2;
	}
	for (i = 0; i < n; i++) {
		struct clab_handle h = { .handle = handles[i] };

		if (i % stride) {
			if (ioctl(fd, CLAB_IOC_FREE, &h))
				die("CLAB_IOC_FREE");
			handles[i] = 0;
			continue;
		}
		at[i] = where(fd, handles[i]);
		if (at[i] < 0)
			die("CLAB_IOC_HANDLE_PFN");
		kept++;
	}
	printf("frag: blocks %ld kept %ld freed %ld stride %ld\n", n, kept,
	       n - kept, stride);
	fflush(stdout);
	if (ready) {
		int rfd = open(ready, O_WRONLY | O_CREAT, 0600);

		if (rfd < 0)
			die("ready file");
		close(rfd);
	}
	while (!stop)
		pause();
	for (i = 0; i < n; i++) {
		long long now;

		if (!handles[i])
			continue;
		now = where(fd, handles[i]);
		if (now < 0) {
			lost++;
			continue;
		}
		moved += now != at[i];
	}
	printf("moved: %ld of %ld lost %ld\n", moved, kept, lost);
	close(fd);
	return lost ? 1 : 0;
}

static int do_refuse(void)
{
	struct clab_alloc req = { .order = 2, .migratetype = CLAB_MT_MOVABLE,
				  .count = 1 };
	struct clab_verify v = { 0 };
	int fd = open_dev(), bad = 0;
	__u64 handle = 0;
	void *p;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("mmap: %s\n", p == MAP_FAILED ? strerrorname_np(errno) : "mapped");
	if (p != MAP_FAILED || errno != ENODEV)
		bad = 1;
	req.handles = (__u64)(unsigned long)&handle;
	if (ioctl(fd, CLAB_IOC_ALLOC, &req) || req.allocated != 1) {
		printf("alloc: %s\n", strerrorname_np(errno));
		return 1;
	}
	printf("alloc: ok handle %llu\n", (unsigned long long)handle);
	v.handle = handle;
	if (ioctl(fd, CLAB_IOC_VERIFY, &v)) {
		printf("verify: %s\n", strerrorname_np(errno));
		bad |= errno != EOPNOTSUPP;
	} else {
		printf("verify: ok mismatches %llu\n",
		       (unsigned long long)v.mismatches);
		bad = 1;
	}
	close(fd);
	return bad;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		bad_usage();
	if (!strcmp(argv[1], "frag"))
		return do_frag(argc, argv);
	if (!strcmp(argv[1], "refuse") && argc == 2)
		return do_refuse();
	bad_usage();
	return 2;
}
