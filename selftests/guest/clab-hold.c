// SPDX-License-Identifier: GPL-2.0
/*
 * clab-hold: hold arena memory for the lifecycle tests until SIGTERM.
 *
 *   clab-hold map MB        map MB MiB of /dev/compactlab, touch every
 *                           page, close the file descriptor (the mapping
 *                           alone keeps the file, and so the module, in
 *                           use)
 *   clab-hold reclaim       fill the arena with reclaimable order-2 blocks,
 *                           then ask for GFP_ATOMIC blocks below the low
 *                           watermark, which wakes kswapd to reclaim them
 *
 * Prints "clab-hold: ready ..." once in place, then waits for SIGTERM or
 * SIGINT and exits, which frees everything. Exit status: 0, 2 on a setup
 * error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/compactlab.h>

static atomic_int stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "clab-hold: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void hold_map(int fd, long mb)
{
	size_t len = (size_t)mb << 20, off;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	for (off = 0; off < len; off += 4096)
		p[off] = 1;
	close(fd);
	printf("clab-hold: ready: %ld MiB mapped, file descriptor closed\n", mb);
}

static void hold_reclaim(int fd)
{
	struct clab_version v;
	struct clab_alloc a = { .order = 2, .migratetype = CLAB_MT_RECLAIMABLE };
	struct clab_alloc_timed t = {
		.order = 0, .migratetype = CLAB_MT_UNMOVABLE,
		.flags = CLAB_ALLOC_F_ATOMIC | CLAB_ALLOC_F_NOWARN,
	};
	unsigned long atomics = 0;
	__u64 *handles;
	int i;

	if (ioctl(fd, CLAB_IOC_GET_VERSION, &v))
		die("GET_VERSION");
	handles = calloc(v.arena_pages, sizeof(*handles));
	a.count = v.arena_pages / 4;	/* order-2: a quarter of the ioctl work */
	a.handles = (unsigned long)handles;
	if (ioctl(fd, CLAB_IOC_ALLOC, &a))
		die("ALLOC");
	/* Below the low watermark: each GFP_ATOMIC request wakes kswapd. */
	for (i = 0; i < 64; i++)
		if (!ioctl(fd, CLAB_IOC_ALLOC_TIMED, &t))
			atomics++;
	printf("clab-hold: ready: %llu reclaimable blocks, %lu atomic\n",
	       (unsigned long long)a.allocated, atomics);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int fd;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (argc < 2 || (strcmp(argv[1], "map") && strcmp(argv[1], "reclaim")) ||
	    (!strcmp(argv[1], "map") && argc != 3)) {
		fprintf(stderr, "usage: clab-hold map MB | clab-hold reclaim\n");
		return 2;
	}
	fd = open("/dev/compactlab", O_RDWR);
	if (fd < 0)
		die("open /dev/compactlab");
	if (!strcmp(argv[1], "map"))
		hold_map(fd, atol(argv[2]));
	else
		hold_reclaim(fd);
	fflush(stdout);
	while (!stop)
		pause();
	return 0;
}
