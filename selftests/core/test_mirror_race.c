// SPDX-License-Identifier: GPL-2.0
/*
 * test_mirror_race.c - the live mirror's event rings raced (issue 15),
 * user space only: four producer threads, each the only writer of its
 * ring as a CPU with interrupts off is, emit numbered records while a
 * consumer thread drains them. Every record comes out once, in sequence
 * order; each producer's records in the order it wrote them; a record a
 * producer wrote after seeing another producer's counter move comes out
 * after the record that moved it. Producers wait for room (a full ring
 * would drop, test_mirror's test_ring counts that), so nothing is lost.
 */
#include <pthread.h>
#include <sched.h>
#include <compactlab/mirror.h>
#include "tap.h"

#define PRODUCERS	4
#define PER_PRODUCER	50000
#define RING		256

static struct clab_mirror_rings *rings;
static unsigned long written[PRODUCERS];
static int done;

/* What the consumer saw. */
static u64 last_seq;
static u64 last_of[PRODUCERS];
static unsigned long drained, disorder, producer_disorder, causal;
/* Producer 1's records carry the count of producer 0's it had seen. */
static unsigned long p0_seen;

static void *producer(void *arg)
{
	unsigned long id = (unsigned long)arg, i;

	for (i = 1; i <= PER_PRODUCER; i++) {
		struct clab_mirror_event ev = {
			.type = CLAB_MEV_FREE,
			.pfn = id << 32 | i,
		};

		/* Producer 1 names how many of producer 0's it saw written. */
		if (id == 1)
			ev.gfp = __atomic_load_n(&written[0], __ATOMIC_ACQUIRE);
		while (clab_mirror_rings_pending(rings) >= RING / 2)
			sched_yield();
		clab_mirror_ring_emit(rings, id, &ev);
		__atomic_store_n(&written[id], i, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void take(void *priv, const struct clab_mirror_event *ev)
{
	unsigned long id = ev->pfn >> 32, n = ev->pfn & 0xffffffffUL;

	if (ev->seq <= last_seq)
		disorder++;
	last_seq = ev->seq;
	if (n <= last_of[id])
		producer_disorder++;
	last_of[id] = n;
	if (id == 0)
		p0_seen = n;
	/*
	 * Producer 1 wrote this after producer 0 had written ev->gfp
	 * records: they were numbered before it, so they came out before.
	 */
	if (id == 1 && p0_seen < ev->gfp)
		causal++;
	drained++;
}

static void *consumer(void *arg)
{
	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE))
		clab_mirror_rings_drain(rings, 1000, take, NULL);
	while (clab_mirror_rings_drain(rings, 1000, take, NULL))
		;
	return NULL;
}

static void test_ring_race(void)
{
	pthread_t prod[PRODUCERS], cons;
	unsigned long i, lost;

	rings = clab_mirror_rings_alloc(PRODUCERS, RING);
	TEST_ASSERT(rings);
	TEST_ASSERT(!pthread_create(&cons, NULL, consumer, NULL));
	for (i = 0; i < PRODUCERS; i++)
		TEST_ASSERT(!pthread_create(&prod[i], NULL, producer, (void *)i));
	for (i = 0; i < PRODUCERS; i++)
		pthread_join(prod[i], NULL);
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	pthread_join(cons, NULL);
	lost = clab_mirror_rings_lost(rings);
	DIAG("%lu records drained, %lu dropped on full rings of %d", drained,
	     lost, RING);
	CHECK_EQ(lost, 0);
	CHECK_EQ(drained, (unsigned long)PRODUCERS * PER_PRODUCER);
	CHECK_EQ(disorder, 0);
	CHECK_EQ(producer_disorder, 0);
	CHECK_EQ(causal, 0);
	CHECK_EQ(last_seq, (unsigned long)PRODUCERS * PER_PRODUCER);
	CHECK_EQ(clab_mirror_rings_pending(rings), 0);
	CHECK(p0_seen > 0);
	clab_mirror_rings_free(rings);
}

#define MIRROR_RACE_CASES(X) X(test_ring_race)

CLAB_TEST_SUITE(mirror_race, MIRROR_RACE_CASES);
