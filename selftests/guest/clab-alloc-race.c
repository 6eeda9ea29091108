// SPDX-License-Identifier: GPL-2.0
/*
 * clab-alloc-race: CLAB_IOC_ALLOC whose handle buffer faults part way must
 * free exactly the blocks it allocated.
 *
 *   clab-alloc-race ROUNDS COUNT
 *	each round, on a file with no blocks: the main thread asks for
 *	COUNT order-0 blocks into a buffer whose last page is PROT_NONE
 *	(EFAULT, nothing may stay); a second thread meanwhile frees handle
 *	1 as soon as it exists and allocates a block of its own, which gets
 *	a handle the main request had (handles are reused lowest first).
 *	Its block must survive the main request's rollback.
 *
 * Prints "rounds=R efault=E raced=N lost=L leaked=K": E rounds ended in
 * EFAULT, in N the thread got its block in while the request ran, L of
 * those blocks were freed by the rollback, K blocks of the request were
 * left behind. Exit 0, or 2 on a setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/compactlab.h>

static int fd;
static atomic_int round_no, done_no, checked_no;
static atomic_int raced, lost;

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void *racer(void *arg)
{
	long rounds = (long)arg, r;

	for (r = 1; r <= rounds; r++) {
		struct clab_alloc_timed t = { .migratetype = CLAB_MT_UNMOVABLE };
		struct clab_handle one = { .handle = 1 };
		struct clab_verify v = { 0 };
		int got = 0;

		while (atomic_load(&round_no) < r)
			;
		/* Free the request's first block while the request runs. */
		while (atomic_load(&done_no) < r && !got)
			got = !ioctl(fd, CLAB_IOC_FREE, &one);
		if (got && !ioctl(fd, CLAB_IOC_ALLOC_TIMED, &t)) {
			while (atomic_load(&done_no) < r)
				;
			raced++;
			v.handle = t.handle;
			if (ioctl(fd, CLAB_IOC_VERIFY, &v))
				lost++;
			else
				ioctl(fd, CLAB_IOC_FREE, &(struct clab_handle){
					.handle = t.handle });
		}
		atomic_store(&checked_no, r);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long psz = sysconf(_SC_PAGESIZE), rounds, r;
	unsigned long count, bytes, i;
	int efault = 0, leaked = 0;
	pthread_t thread;
	char *buf;

	if (argc != 3) {
		fprintf(stderr, "usage: clab-alloc-race ROUNDS COUNT\n");
		return 2;
	}
	rounds = atol(argv[1]);
	count = strtoul(argv[2], NULL, 0);
	fd = open("/dev/compactlab", O_RDWR);
	if (fd < 0)
		die("/dev/compactlab");
	/* The handles fit but for the last one, which is in a PROT_NONE page. */
	bytes = (count - 1) * 8;
	bytes = (bytes + psz - 1) / psz * psz;
	buf = mmap(NULL, bytes + psz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || mprotect(buf + bytes, psz, PROT_NONE))
		die("buffer");
	if (pthread_create(&thread, NULL, racer, (void *)rounds))
		die("pthread_create");
	for (r = 1; r <= rounds; r++) {
		struct clab_alloc a = {
			.migratetype = CLAB_MT_UNMOVABLE,
			.count = count,
			.handles = (unsigned long)(buf + bytes - (count - 1) * 8),
		};

		atomic_store(&round_no, r);
		if (ioctl(fd, CLAB_IOC_ALLOC, &a) && errno == EFAULT)
			efault++;
		atomic_store(&done_no, r);
		while (atomic_load(&checked_no) < r)
			;
		/* Nothing of the request may be left: every handle is free. */
		for (i = 1; i <= count + 1; i++) {
			struct clab_verify v = { .handle = i };

			if (!ioctl(fd, CLAB_IOC_VERIFY, &v)) {
				leaked++;
				ioctl(fd, CLAB_IOC_FREE, &(struct clab_handle){
					.handle = i });
			}
		}
	}
	pthread_join(thread, NULL);
	printf("rounds=%ld efault=%d raced=%d lost=%d leaked=%d\n", rounds,
	       efault, (int)raced, (int)lost, leaked);
	return 0;
}
