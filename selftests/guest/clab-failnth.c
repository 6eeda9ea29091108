// SPDX-License-Identifier: GPL-2.0
/*
 * clab-failnth: load a module with the N-th fault-injection point of the
 * load failing, through the kernel's per-task fail-nth counter
 * (Documentation/fault-injection/fault-injection.rst, CONFIG_FAULT_INJECTION
 * with failslab and fail_page_alloc). Counting starts at the finit_module()
 * call, so point 1 is the load's first slab or page allocation.
 *
 *   clab-failnth N KO [PARAMS]
 *
 * Prints "nth N rc R errno E injected 0|1 points P" and exits 0 whatever the
 * load did; exits 2 on a usage error or when fail-nth is not there.
 * "injected 0" means the load passed fewer than N points (P of them): every
 * point has been tried. With N large, P counts the points of a load.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int write_fail_nth(int fd, unsigned long n)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%lu", n);

	return pwrite(fd, buf, len, 0) == len ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned long n, left;
	int ko, nth, rc, err;
	char buf[32], *end;
	ssize_t len;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: clab-failnth N KO [PARAMS]\n");
		return 2;
	}
	errno = 0;
	n = strtoul(argv[1], &end, 10);
	if (errno || *end || n == 0) {
		fprintf(stderr, "clab-failnth: N must be a positive integer: %s\n",
			argv[1]);
		return 2;
	}
	ko = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (ko < 0) {
		fprintf(stderr, "clab-failnth: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth < 0) {
		fprintf(stderr, "clab-failnth: /proc/thread-self/fail-nth: %s\n",
			strerror(errno));
		return 2;
	}
	if (write_fail_nth(nth, n)) {
		fprintf(stderr, "clab-failnth: writing fail-nth: %s\n",
			strerror(errno));
		return 2;
	}
	rc = syscall(SYS_finit_module, ko, argc == 4 ? argv[3] : "", 0);
	err = rc ? errno : 0;
	/* What is left of the count: 0 once the fault has been injected. */
	len = pread(nth, buf, sizeof(buf) - 1, 0);
	if (len <= 0) {
		fprintf(stderr, "clab-failnth: reading fail-nth: %s\n",
			strerror(errno));
		return 2;
	}
	buf[len] = '\0';
	left = strtoul(buf, NULL, 10);
	write_fail_nth(nth, 0);
	printf("nth %lu rc %d errno %d injected %d points %lu\n", n, rc, err,
	       left == 0, n - left);
	return 0;
}
