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
 *   free_scanned=N span_us=N seq=B,B,...
 *
 * span_us is the trace clock's time from the first pass's begin to the
 * last pass's end (both sides' events share the clock).
 * seq is the pageblocks (pfn >> 9) the migrate scanner isolated from, in
 * order, a block repeated in a row counted once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long field(const char *s, const char *key)
{
	const char *p = strstr(s, key);

	return p ? strtoul(p + strlen(key), NULL, 0) : 0;
}

int main(int argc, char **argv)
{
	unsigned long lo, hi, off, migrated = 0, failed = 0, mscan = 0;
	unsigned long fscan = 0, passes = 0, last = ~0UL;
	double t_first = -1, t_last = -1;
	static char line[4096], statuses[256];
	size_t seqcap = 1 << 16, nseq = 0, i;
	unsigned long *seq = malloc(seqcap * sizeof(*seq));
	int inzone = 0;
	double now = 0;

	if (argc != 4 || !seq) {
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

				sscanf(st + 7, "%31s", word);
				if (!strstr(statuses, word) &&
				    strlen(statuses) + strlen(word) + 2 < sizeof(statuses)) {
					if (statuses[0])
						strcat(statuses, ",");
					strcat(statuses, word);
				}
			}
			if (inzone)
				t_last = now;
			inzone = 0;
		} else if (!inzone) {
			continue;
		} else if (!strncmp(ev, "mm_compaction_isolate_migratepages:", 35)) {
			unsigned long blk = (field(ev, "range=(") + off) >> 9;

			mscan += field(ev, "nr_scanned=");
			if (blk != last) {
				if (nseq == seqcap) {
					seqcap *= 2;
					seq = realloc(seq, seqcap * sizeof(*seq));
					if (!seq)
						return 2;
				}
				seq[nseq++] = blk;
				last = blk;
			}
		} else if (!strncmp(ev, "mm_compaction_isolate_freepages:", 32)) {
			fscan += field(ev, "nr_scanned=");
		} else if (!strncmp(ev, "mm_compaction_migratepages:", 27)) {
			migrated += field(ev, "nr_migrated=");
			failed += field(ev, "nr_failed=");
		}
	}
	printf("passes=%lu status=%s migrated=%lu failed=%lu migrate_scanned=%lu free_scanned=%lu span_us=%.0f seq=",
	       passes, statuses[0] ? statuses : "-", migrated, failed, mscan,
	       fscan, t_first >= 0 && t_last >= t_first ? (t_last - t_first) * 1e6 : 0.0);
	for (i = 0; i < nseq; i++)
		printf("%s%lu", i ? "," : "", seq[i]);
	printf("\n");
	return 0;
}
