// SPDX-License-Identifier: GPL-2.0
/*
 * writeback.c - emulated writeback of dirty pages.
 *
 * Writing back takes a configurable time (the "completion delay"). A page
 * under writeback either has its writeback ended by whoever started it, or
 * by the first waiter once the delay has passed.
 */
#include <compactlab/writeback.h>

static unsigned int clab_writeback_delay_ms = 10;

/**
 * clab_set_writeback_delay() - how long an emulated writeback takes
 * @ms: milliseconds
 */
void clab_set_writeback_delay(unsigned int ms)
{
	WRITE_ONCE(clab_writeback_delay_ms, ms);
}

/**
 * clab_start_writeback() - a dirty page starts being written back
 * @page: the page
 */
void clab_start_writeback(struct clab_page *page)
{
	set_bit(CLAB_PG_WRITEBACK, &page->flags);
	clear_bit(CLAB_PG_DIRTY, &page->flags);
}

/**
 * clab_end_writeback() - the page's writeback completed
 * @page: the page
 */
void clab_end_writeback(struct clab_page *page)
{
	clear_bit_unlock(CLAB_PG_WRITEBACK, &page->flags);
	smp_mb__after_atomic();
	wake_up_bit(&page->flags, CLAB_PG_WRITEBACK);
}

/**
 * clab_wait_on_writeback() - wait until the page is clean on disk
 * @page: the page
 *
 * Sleeps at most the completion delay, after which the write is complete.
 */
void clab_wait_on_writeback(struct clab_page *page)
{
	if (!clab_page_test(page, CLAB_PG_WRITEBACK))
		return;
	if (wait_on_bit_timeout(&page->flags, CLAB_PG_WRITEBACK,
				TASK_UNINTERRUPTIBLE,
				msecs_to_jiffies(READ_ONCE(clab_writeback_delay_ms))))
		clab_end_writeback(page);
}
