/* SPDX-License-Identifier: GPL-2.0 */
/*
 * writeback.h - emulated dirty pages and writeback, so that the mode rules
 * of migration (async and sync-light leave dirty and writeback pages, sync
 * writes back and waits) can be exercised on kernel-held movable pages.
 */
#ifndef _COMPACTLAB_WRITEBACK_H
#define _COMPACTLAB_WRITEBACK_H

#include <compactlab/page.h>

struct clab_mem;

void clab_set_writeback_delay(unsigned int ms);
void clab_start_writeback(struct clab_mem *mem, struct clab_page *page);
void clab_writeback_flush(void);
void clab_writeback_complete_due(void);
void clab_end_writeback(struct clab_page *page);
bool clab_wait_on_writeback(struct clab_page *page);

#endif /* _COMPACTLAB_WRITEBACK_H */
