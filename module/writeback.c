// SPDX-License-Identifier: GPL-2.0
/*
 * writeback.c - emulated writeback of dirty pages.
 *
 * Writing a page back takes a configurable time (the "completion delay").
 * Writebacks that migration starts are kept in a small table with their
 * deadlines, each holding a reference on its page so that the page cannot
 * be freed under it. They complete on their own, as I/O does: a delayed
 * work armed for the earliest deadline in the table completes every one
 * that is due and re-arms itself for the next. Whoever waits on one sleeps
 * until its deadline and completes those that are due, and so does every
 * migration batch, so that many pages written back at once also complete
 * together. Without the work, a writeback started by the last migration
 * batch before the system went idle (one that a killed compactor gave up,
 * or one cut short when the free scanner ran out) would hold its page
 * until the next migration: freed by its owner, the page would stay
 * allocated. Pages marked under writeback from outside (the device's MARK
 * ioctl) are completed by their marker; a waiter gives up on them after
 * one delay and completes them.
 */
#include <compactlab/writeback.h>
#include <compactlab/mmzone.h>

#define CLAB_WRITEBACK_SLOTS	64

/* A writeback in flight: the page, its shadow memory, when it is done. */
struct clab_writeback_slot {
	struct clab_mem *mem;
	struct clab_page *page;
	unsigned long deadline;
};

static unsigned int clab_writeback_delay_ms = 10;

static void clab_writeback_timeout(struct work_struct *work);

/*
 * Protects clab_writeback_slots and the deadline the completion work is
 * armed for (clab_writeback_armed, clab_writeback_armed_at).
 */
static DEFINE_SPINLOCK(clab_writeback_lock);
static struct clab_writeback_slot clab_writeback_slots[CLAB_WRITEBACK_SLOTS];
static bool clab_writeback_armed;
static unsigned long clab_writeback_armed_at;
static DECLARE_DELAYED_WORK(clab_writeback_work, clab_writeback_timeout);

/* Have the work run at @deadline, unless it is armed to run by then. */
static void clab_writeback_arm(unsigned long deadline)
{
	unsigned long now = jiffies;

	lockdep_assert_held(&clab_writeback_lock);
	if (clab_writeback_armed &&
	    !time_after(clab_writeback_armed_at, deadline))
		return;
	clab_writeback_armed = true;
	clab_writeback_armed_at = deadline;
	mod_delayed_work(system_wq, &clab_writeback_work,
			 time_after(deadline, now) ? deadline - now : 0);
}

/**
 * clab_set_writeback_delay() - how long an emulated writeback takes
 * @ms: milliseconds
 */
void clab_set_writeback_delay(unsigned int ms)
{
	WRITE_ONCE(clab_writeback_delay_ms, ms);
}

/**
 * clab_end_writeback() - the page's writeback completed
 * @page: the page
 */
void clab_end_writeback(struct clab_page *page)
{
	clear_bit_unlock(CLAB_PG_WRITEBACK, &page->flags);
	/* Order the clear before wake_up_bit()'s waitqueue check. */
	smp_mb__after_atomic();
	wake_up_bit(&page->flags, CLAB_PG_WRITEBACK);
}

/**
 * clab_start_writeback() - start writing a dirty page back
 * @mem: the shadow memory
 * @page: an allocated page the caller holds a reference on
 *
 * It completes after the delay (or at once when too many are in flight).
 */
void clab_start_writeback(struct clab_mem *mem, struct clab_page *page)
{
	unsigned long deadline = jiffies +
		msecs_to_jiffies(READ_ONCE(clab_writeback_delay_ms));
	unsigned long flags;
	int i;

	set_bit(CLAB_PG_WRITEBACK, &page->flags);
	clear_bit(CLAB_PG_DIRTY, &page->flags);
	spin_lock_irqsave(&clab_writeback_lock, flags);
	for (i = 0; i < CLAB_WRITEBACK_SLOTS; i++) {
		struct clab_writeback_slot *s = &clab_writeback_slots[i];

		if (s->page)
			continue;
		atomic_inc(&page->refcount);
		s->mem = mem;
		s->page = page;
		s->deadline = deadline;
		clab_writeback_arm(deadline);
		spin_unlock_irqrestore(&clab_writeback_lock, flags);
		return;
	}
	spin_unlock_irqrestore(&clab_writeback_lock, flags);
	clab_end_writeback(page);
}

/**
 * clab_writeback_complete_due() - complete every writeback that is due
 *
 * Called by the completion work, by waiters and by every migration batch.
 * Arms the work for the earliest writeback still in flight. Takes the zone
 * lock to free pages: call it with no spinlock held.
 */
void clab_writeback_complete_due(void)
{
	struct clab_writeback_slot done[CLAB_WRITEBACK_SLOTS];
	unsigned long flags, now = jiffies, next = 0;
	bool pending = false;
	int i, n = 0;

	spin_lock_irqsave(&clab_writeback_lock, flags);
	for (i = 0; i < CLAB_WRITEBACK_SLOTS; i++) {
		struct clab_writeback_slot *s = &clab_writeback_slots[i];

		if (!s->page)
			continue;
		if (!time_before(now, s->deadline)) {
			done[n++] = *s;
			s->page = NULL;
		} else if (!pending || time_before(s->deadline, next)) {
			next = s->deadline;
			pending = true;
		}
	}
	if (pending)
		clab_writeback_arm(next);
	spin_unlock_irqrestore(&clab_writeback_lock, flags);
	for (i = 0; i < n; i++) {
		clab_end_writeback(done[i].page);
		clab_put_page(done[i].mem, done[i].page);
	}
}

/* The completion work: the earliest writeback in flight is due. */
static void clab_writeback_timeout(struct work_struct *work)
{
	unsigned long flags;

	spin_lock_irqsave(&clab_writeback_lock, flags);
	clab_writeback_armed = false;
	spin_unlock_irqrestore(&clab_writeback_lock, flags);
	clab_writeback_complete_due();
}

/**
 * clab_wait_on_writeback() - wait until the page is clean on disk
 * @page: the page, on which the caller holds a reference
 *
 * Sleeps at most the completion delay, killably. Must not be called with
 * an owner lock held: the owner's faults and frees would wait too.
 *
 * Return: false if a fatal signal cut the wait short (the page may still
 * be under writeback), true otherwise.
 */
bool clab_wait_on_writeback(struct clab_page *page)
{
	unsigned long deadline = 0, flags;
	bool found = false;
	long remaining;
	int i, ret;

	if (!clab_page_test(page, CLAB_PG_WRITEBACK))
		return true;
	spin_lock_irqsave(&clab_writeback_lock, flags);
	for (i = 0; i < CLAB_WRITEBACK_SLOTS; i++) {
		if (clab_writeback_slots[i].page == page) {
			deadline = clab_writeback_slots[i].deadline;
			found = true;
			break;
		}
	}
	spin_unlock_irqrestore(&clab_writeback_lock, flags);
	if (found) {
		/*
		 * One reading of the time: a tick between a "before the
		 * deadline?" test and a second reading would wrap the
		 * unsigned remainder into a sleep of days.
		 */
		remaining = (long)(deadline - jiffies);
		if (remaining > 0 && schedule_timeout_killable(remaining) &&
		    fatal_signal_pending(current))
			return false;
		clab_writeback_complete_due();
		return true;
	}
	ret = wait_on_bit_timeout(&page->flags, CLAB_PG_WRITEBACK, TASK_KILLABLE,
				  msecs_to_jiffies(READ_ONCE(clab_writeback_delay_ms)));
	if (ret == -EINTR)
		return false;
	/* Its marker never completed it: complete it for them. */
	if (ret)
		clab_end_writeback(page);
	return true;
}

/**
 * clab_writeback_flush() - complete every writeback in flight (teardown)
 *
 * Stops the completion work and drops the references the table holds, so
 * that no page stays allocated. Nothing may start a writeback meanwhile.
 */
void clab_writeback_flush(void)
{
	unsigned long flags;
	int i;

	cancel_delayed_work_sync(&clab_writeback_work);
	spin_lock_irqsave(&clab_writeback_lock, flags);
	clab_writeback_armed = false;
	for (i = 0; i < CLAB_WRITEBACK_SLOTS; i++)
		clab_writeback_slots[i].deadline = jiffies;
	spin_unlock_irqrestore(&clab_writeback_lock, flags);
	clab_writeback_complete_due();
}
