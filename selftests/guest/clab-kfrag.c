// SPDX-License-Identifier: GPL-2.0
/*
 * clab-kfrag: fragment the running kernel's own memory (not the arena),
 * for the differential fidelity runs (scripts/fidelity).
 *
 *   clab-kfrag SCENARIO MB [SEED]
 *
 *   gupta      MB MiB of anonymous memory, every page touched, then three
 *              pages of every four given back (MADV_DONTNEED): the free
 *              memory is scattered in order-0 and order-1 holes
 *   pins       gupta, then unmovable kernel pages in the holes (Illuminator
 *              style): pipes filled with data (a pipe buffer page is an
 *              unmovable allocation), 1/8 of MB MiB of them
 *   thp        MB MiB of transparent huge pages (MADV_HUGEPAGE), touched;
 *              every other huge page unmapped, and 3 of 4 base pages given
 *              back in every fourth of the rest (splitting them)
 *   pagecache  MB MiB of files in $KFRAG_DIR (default /tmp; a tmpfs: page
 *              cache pages), written
 *              in 64 KiB files, every other file deleted, then as much
 *              anonymous memory
 *   random     MB MiB reached by 4000 random steps: map 4 KiB - 1 MiB and
 *              touch it, or unmap a random earlier mapping (a third of the
 *              steps), seeded by SEED (default 1)
 *
 * Prints "clab-kfrag: ready SCENARIO ..." once the pattern is in place,
 * then stops itself (SIGSTOP): the caller clones the kernel's memory and
 * compacts, then kills it, which frees everything.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define PAGE	4096UL
#define HUGE	(2UL << 20)

static void die(const char *what)
{
	fprintf(stderr, "clab-kfrag: %s: %s\n", what, strerror(errno));
	exit(2);
}

static char *map_anon(size_t len, int advice)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	if (advice)
		madvise(p, len, advice);
	return p;
}

static void touch(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += PAGE)
		p[i] = (char)(i / PAGE) | 1;
}

/* Anonymous MB MiB, 3 of every 4 pages given back. */
static void gupta(size_t mb)
{
	size_t len = mb << 20, i;
	char *p = map_anon(len, MADV_NOHUGEPAGE);

	touch(p, len);
	for (i = 0; i < len; i += 4 * PAGE)
		if (madvise(p + i + PAGE, 3 * PAGE, MADV_DONTNEED))
			die("madvise");
}

/* Pipes holding @pages pages of data in all. */
static size_t pins(size_t pages)
{
	struct rlimit rl = { 1 << 16, 1 << 16 };
	static char buf[PAGE];
	size_t held = 0;
	int fds[2];

	setrlimit(RLIMIT_NOFILE, &rl);
	memset(buf, 0x5a, sizeof(buf));
	while (held < pages) {
		int k;

		if (pipe(fds))
			break;
		fcntl(fds[1], F_SETFL, O_NONBLOCK);
		for (k = 0; k < 16 && held < pages; k++, held++)
			if (write(fds[1], buf, sizeof(buf)) != sizeof(buf))
				break;
	}
	return held;
}

static void thp(size_t mb)
{
	size_t len = mb << 20, i, j;
	char *p = map_anon(len + HUGE, MADV_HUGEPAGE);

	p = (char *)(((unsigned long)p + HUGE - 1) & ~(HUGE - 1));
	madvise(p, len, MADV_HUGEPAGE);
	touch(p, len);
	for (i = 0; i + HUGE <= len; i += 2 * HUGE)
		munmap(p + i, HUGE);
	for (i = HUGE; i + HUGE <= len; i += 8 * HUGE)
		for (j = 0; j < HUGE; j += 4 * PAGE)
			madvise(p + i + j + PAGE, 3 * PAGE, MADV_DONTNEED);
}

static void pagecache(size_t mb)
{
	const char *dir = getenv("KFRAG_DIR") ? getenv("KFRAG_DIR") : "/tmp";
	static char buf[64 << 10];
	size_t n = (mb << 20) / sizeof(buf), i;
	char name[256];

	memset(buf, 0x3c, sizeof(buf));
	for (i = 0; i < n; i++) {
		int fd;

		snprintf(name, sizeof(name), "%s/kfrag.%zu", dir, i);
		fd = open(name, O_CREAT | O_TRUNC | O_WRONLY, 0600);
		if (fd < 0)
			die(name);
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			die("write");
		close(fd);
	}
	for (i = 0; i < n; i += 2) {
		snprintf(name, sizeof(name), "%s/kfrag.%zu", dir, i);
		unlink(name);
	}
	touch(map_anon(mb << 20, MADV_NOHUGEPAGE), mb << 20);
}

static void random_churn(size_t mb, unsigned int seed)
{
	enum { STEPS = 4000 };
	static char *maps[STEPS];
	static size_t lens[STEPS];
	size_t total = 0, cap = mb << 20;
	int n = 0, s;

	srand(seed);
	for (s = 0; s < STEPS; s++) {
		if (n && rand() % 3 == 0) {
			int k = rand() % n;

			munmap(maps[k], lens[k]);
			total -= lens[k];
			maps[k] = maps[--n];
			lens[k] = lens[n];
			continue;
		}
		lens[n] = PAGE << (rand() % 9);
		if (total + lens[n] > cap)
			continue;
		maps[n] = map_anon(lens[n], MADV_NOHUGEPAGE);
		touch(maps[n], lens[n]);
		total += lens[n++];
	}
}

int main(int argc, char **argv)
{
	size_t mb, extra = 0;
	const char *sc;

	if (argc < 3) {
		fprintf(stderr, "usage: clab-kfrag gupta|pins|thp|pagecache|random MB [SEED]\n");
		return 2;
	}
	sc = argv[1];
	mb = strtoul(argv[2], NULL, 0);
	if (!mb)
		return 2;
	if (!strcmp(sc, "gupta")) {
		gupta(mb);
	} else if (!strcmp(sc, "pins")) {
		gupta(mb);
		extra = pins((mb << 20) / PAGE / 8);
	} else if (!strcmp(sc, "thp")) {
		thp(mb);
	} else if (!strcmp(sc, "pagecache")) {
		pagecache(mb);
	} else if (!strcmp(sc, "random")) {
		random_churn(mb, argc > 3 ? strtoul(argv[3], NULL, 0) : 1);
	} else {
		fprintf(stderr, "clab-kfrag: unknown scenario '%s'\n", sc);
		return 2;
	}
	printf("clab-kfrag: ready %s %zu MiB pinned_pages=%zu\n", sc, mb, extra);
	fflush(stdout);
	raise(SIGSTOP);
	pause();
	return 0;
}
