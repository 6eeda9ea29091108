// SPDX-License-Identifier: GPL-2.0
/*
 * clab-fidtrace LO HI OFFSET < TRACE: sum the compaction events of the
 * passes over the zone that starts in [LO, HI) (pfns, after adding OFFSET
 * to the trace's values: compactlab's events carry arena indices), for
 * scripts/fidelity. Reads the text of /sys/kernel/tracing/trace with the
 * events mm_compaction_begin/end, _isolate_migratepages,
 * _isolate_freepages and _migratepages (the kernel's or compactlab's: the
 * formats are the same). Prints one line:
 *
 *   passes=N status=S[,S...] migrated=N failed=N migrate_scanned=N
 *   free_scanned=N span_us=N end_migrate_pfn=P end_free_pfn=P
 *   fseq=B,B,... ftaken=N,N,... seq=B,B,... mtaken=N,N,...
 *
 * span_us is the trace clock's time from the first pass's begin to the
 * last pass's end (both sides' events share the clock).
 * seq is the pageblocks (pfn >> 9) the migrate scanner isolated from, in
 * order, a block repeated in a row counted once, and mtaken the pages it
 * isolated there; fseq and ftaken the same of the free scanner. end_*_pfn
 * are the scanners' positions at the last pass's end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A scanner's pageblocks in order, and the pages it took from each. */
struct seq {
	unsigned long *v, *taken;
	size_t n, cap;
};

/*
 * Append @blk unless it repeats the last entry, adding @taken to its
 * count; false when out of memory.
 */
static int seq_add(struct seq *q, unsigned long blk, unsigned long taken)
{
	if (q->n && q->v[q->n - 1] == blk) {
		q->taken[q->n - 1] += taken;
		return 1;
	}
	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 4096;
		q->v = realloc(q->v, q->cap * sizeof(*q->v));
		q->taken = realloc(q->taken, q->cap * sizeof(*q->taken));
		if (!q->v || !q->taken)
			return 0;
	}
	q->v[q->n] = blk;
	q->taken[q->n++] = taken;
	return 1;
}

static void seq_print(const char *name, const char *tname, const struct seq *q)
{
	size_t i;

	printf(" %s=", name);
	for (i = 0; i < q->n; i++)
		printf("%s%lu", i ? "," : "", q->v[i]);
	printf(" %s=", tname);
	for (i = 0; i < q->n; i++)
		printf("%s%lu", i ? "," : "", q->taken[i]);
}

static unsigned long field(const char *s, const char *key)
{
	const char *p = strstr(s, key);

	return p ? strtoul(p + strlen(key), NULL, 0) : 0;
}

int main(int argc, char **argv)
{
	unsigned long lo, hi, off, migrated = 0, failed = 0, mscan = 0;
	unsigned long fscan = 0, passes = 0, end_mpfn = 0, end_fpfn = 0;
	struct seq mseq = { 0 }, fseq = { 0 };
	double t_first = -1, t_last = -1;
	static char line[4096], statuses[256];
	int inzone = 0;
	double now = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: clab-fidtrace LO HI OFFSET < TRACE\n");
		return 2;
	}
	lo = strtoul(argv[1], NULL, 0);
	hi = strtoul(argv[2], NULL, 0);
	off = strtoul(argv[3], NULL, 0);
	while (fgets(line, sizeof(line), stdin)) {
		char *ev = strstr(line, "mm_compaction_");

		if (!ev || line[0] == '#')
			continue;
		/* "... 12.345678: mm_compaction_..." */
		if (ev - line > 2) {
			char *t = ev - 2;

			while (t > line && t[-1] != ' ')
				t--;
			now = strtod(t, NULL);
		}
		if (!strncmp(ev, "mm_compaction_begin:", 20)) {
			unsigned long zs = field(ev, "zone_start=") + off;

			inzone = zs >= lo && zs < hi;
			passes += inzone;
			if (inzone && t_first < 0)
				t_first = now;
		} else if (!strncmp(ev, "mm_compaction_end:", 18)) {
			char *st = strstr(ev, "status=");

			if (inzone && st) {
				char word[32] = "";

				if (sscanf(st + 7, "%31s", word) == 1 &&
				    !strstr(statuses, word) &&
				    strlen(statuses) + strlen(word) + 2 < sizeof(statuses)) {
					if (statuses[0])
						strcat(statuses, ",");
					strcat(statuses, word);
				}
			}
			if (inzone) {
				t_last = now;
				end_mpfn = field(ev, "migrate_pfn=") + off;
				end_fpfn = field(ev, "free_pfn=") + off;
			}
			inzone = 0;
		} else if (!inzone) {
			continue;
		} else if (!strncmp(ev, "mm_compaction_isolate_migratepages:", 35)) {
			mscan += field(ev, "nr_scanned=");
			if (!seq_add(&mseq, (field(ev, "range=(") + off) >> 9,
				     field(ev, "nr_taken=")))
				return 2;
		} else if (!strncmp(ev, "mm_compaction_isolate_freepages:", 32)) {
			fscan += field(ev, "nr_scanned=");
			if (!seq_add(&fseq, (field(ev, "range=(") + off) >> 9,
				     field(ev, "nr_taken=")))
				return 2;
		} else if (!strncmp(ev, "mm_compaction_migratepages:", 27)) {
			migrated += field(ev, "nr_migrated=");
			failed += field(ev, "nr_failed=");
		}
	}
	printf("passes=%lu status=%s migrated=%lu failed=%lu ", passes,
	       statuses[0] ? statuses : "-", migrated, failed);
	printf("migrate_scanned=%lu free_scanned=%lu span_us=%.0f ", mscan, fscan,
	       t_first >= 0 && t_last >= t_first ? (t_last - t_first) * 1e6 : 0.0);
	printf("end_migrate_pfn=0x%lx end_free_pfn=0x%lx", end_mpfn, end_fpfn);
	seq_print("fseq", "ftaken", &fseq);
	seq_print("seq", "mtaken", &mseq);
	printf("\n");
	return 0;
}
