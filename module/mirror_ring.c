// SPDX-License-Identifier: GPL-2.0
/*
 * mirror_ring.c - the live mirror's event rings: one single-producer,
 * single-consumer ring per CPU, merged by a global sequence number.
 *
 * Producers are the kernel's page-allocator tracepoints. They run in task,
 * softirq and hard-IRQ context (never NMI: the page allocator is not
 * NMI-safe) with preemption off, and an interrupt can nest a second probe
 * over a first on the same CPU. So the caller of clab_mirror_ring_emit()
 * keeps interrupts off around it (module/kmirror.c), which makes it the
 * ring's only writer; emit allocates nothing, takes no lock and never
 * waits.
 *
 * Order: an allocation is traced after its page left the free lists and a
 * free before it reaches them, on whichever CPU did it; the consumer needs
 * them in the order they happened. Every record takes a number from one
 * atomic counter (a fully ordered atomic), so two events of which one
 * caused the other (an allocation returned, then its page freed on another
 * CPU) are numbered in that order. The consumer merges the rings by number
 * and takes only numbers every producer has finished writing:
 *
 *	producer			consumer
 *	gen++ (odd)			limit = seq
 *	s = ++seq  (full barrier)	smp_mb()
 *	write the record		for each ring: wait while gen is the
 *	head++ (release)		  odd value first read (acquire)
 *	gen++ (even, release)		take the records numbered <= limit
 *
 * If the consumer read a limit >= s, the producer's odd gen was written
 * before s was taken, so the consumer sees it (or a later even one, after
 * the record was published) and does not pass s before it is readable.
 * A record that finds its ring full is dropped and counted in @lost; its
 * number is not reused. The consumer merges with a linear search over the
 * rings' next records: a few CPUs, and at most @max records a call.
 */
#include <compactlab/mirror.h>

/**
 * clab_mirror_rings_alloc() - allocate @nr empty rings of @size records
 * @nr: producers (CPU ids 0 to @nr - 1)
 * @size: records a ring holds, a power of two
 *
 * Return: the rings, or NULL when memory is short or @size is not a power
 * of two.
 */
struct clab_mirror_rings *clab_mirror_rings_alloc(unsigned int nr,
						  unsigned long size)
{
	struct clab_mirror_rings *rings;
	unsigned int i;

	if (!nr || !size || (size & (size - 1)))
		return NULL;
	rings = kzalloc(sizeof(*rings) + nr * sizeof(rings->ring[0]),
			GFP_KERNEL);
	if (!rings)
		return NULL;
	rings->nr = nr;
	atomic64_set(&rings->seq, 0);
	for (i = 0; i < nr; i++) {
		rings->ring[i] = kvzalloc(sizeof(*rings->ring[i]) +
					  size * sizeof(rings->ring[i]->ev[0]),
					  GFP_KERNEL);
		if (!rings->ring[i])
			goto free_rings;
		rings->ring[i]->mask = size - 1;
	}
	return rings;

free_rings:
	clab_mirror_rings_free(rings);
	return NULL;
}

/**
 * clab_mirror_rings_free() - free the rings
 * @rings: from clab_mirror_rings_alloc(), or NULL; no producer may still
 *	be inside clab_mirror_ring_emit()
 */
void clab_mirror_rings_free(struct clab_mirror_rings *rings)
{
	unsigned int i;

	if (!rings)
		return;
	for (i = 0; i < rings->nr; i++)
		kvfree(rings->ring[i]);
	kfree(rings);
}

/**
 * clab_mirror_ring_emit() - append a record to a producer's ring
 * @rings: the rings
 * @slot: the producer's ring; the caller is its only writer (interrupts
 *	off on the CPU whose ring it is)
 * @ev: the record; its @seq and @cpu are set here
 */
void clab_mirror_ring_emit(struct clab_mirror_rings *rings, unsigned int slot,
			   struct clab_mirror_event *ev)
{
	struct clab_mirror_ring *r = rings->ring[slot];
	unsigned long head = r->head;
	unsigned int gen = r->gen;

	ev->cpu = slot;
	WRITE_ONCE(r->gen, gen + 1);
	/* Fully ordered: the odd gen is visible before the number is taken. */
	ev->seq = atomic64_inc_return(&rings->seq);
	/* Pairs with the consumer's release of the tail: the slot is free. */
	if (head - smp_load_acquire(&r->tail) > r->mask) {
		WRITE_ONCE(r->lost, r->lost + 1);
	} else {
		r->ev[head & r->mask] = *ev;
		/* The record before the head that publishes it. */
		smp_store_release(&r->head, head + 1);
	}
	/* The head before the even gen the consumer waits for. */
	smp_store_release(&r->gen, gen + 2);
}

/* Wait until the producer of @r is not inside an emit begun before now. */
static void clab_mirror_ring_settle(struct clab_mirror_ring *r)
{
	/* Pairs with the producer's release of gen: its head is visible. */
	unsigned int gen = smp_load_acquire(&r->gen);

	if (!(gen & 1))
		return;
	/* As above, for the gen that ends the emit in flight. */
	while (smp_load_acquire(&r->gen) == gen)
		cpu_relax();
}

/**
 * clab_mirror_rings_drain() - hand the finished records to @fn in order
 * @rings: the rings; one consumer at a time
 * @max: records at most
 * @fn: called for each record, in sequence order
 * @priv: passed to @fn
 *
 * Takes only records numbered at most the sequence read on entry, once
 * every producer that may be writing one has finished.
 *
 * Return: records handed to @fn.
 */
unsigned long clab_mirror_rings_drain(struct clab_mirror_rings *rings,
				      unsigned long max,
				      void (*fn)(void *priv,
						 const struct clab_mirror_event *ev),
				      void *priv)
{
	u64 limit = atomic64_read(&rings->seq);
	unsigned long done = 0;
	unsigned int i;

	/* The limit before any gen: pairs with the producer's full atomic. */
	smp_mb();
	for (i = 0; i < rings->nr; i++)
		clab_mirror_ring_settle(rings->ring[i]);
	while (done < max) {
		struct clab_mirror_ring *best = NULL;
		const struct clab_mirror_event *ev, *first = NULL;

		for (i = 0; i < rings->nr; i++) {
			struct clab_mirror_ring *r = rings->ring[i];

			/* Pairs with the producer's release of head. */
			if (r->tail == smp_load_acquire(&r->head))
				continue;
			ev = &r->ev[r->tail & r->mask];
			if (ev->seq > limit)
				continue;
			if (!first || ev->seq < first->seq) {
				first = ev;
				best = r;
			}
		}
		if (!best)
			break;
		fn(priv, first);
		/* The slot is the producer's again once the tail passes it. */
		smp_store_release(&best->tail, best->tail + 1);
		done++;
	}
	return done;
}

/**
 * clab_mirror_rings_lost() - records dropped on full rings so far
 * @rings: the rings
 *
 * Return: the sum over the rings, read racily.
 */
unsigned long clab_mirror_rings_lost(const struct clab_mirror_rings *rings)
{
	unsigned long lost = 0;
	unsigned int i;

	for (i = 0; i < rings->nr; i++)
		lost += READ_ONCE(rings->ring[i]->lost);
	return lost;
}

/**
 * clab_mirror_rings_pending() - records written and not yet drained
 * @rings: the rings
 *
 * Return: the sum over the rings, read racily.
 */
unsigned long clab_mirror_rings_pending(const struct clab_mirror_rings *rings)
{
	unsigned long pending = 0;
	unsigned int i;

	for (i = 0; i < rings->nr; i++)
		pending += READ_ONCE(rings->ring[i]->head) -
			   READ_ONCE(rings->ring[i]->tail);
	return pending;
}
