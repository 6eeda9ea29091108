/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the one place where kernel version differences live.
 *
 * Force-included (-include) into every object of the module, so that the
 * sources carry no version checks. Features are detected by the probes in
 * Kbuild (CLAB_HAVE_*), which grep the target kernel's headers; a version
 * number is used only where no probe is possible.
 */
#ifndef _CLAB_COMPAT_H
#define _CLAB_COMPAT_H

/* Every log line of the module is prefixed with its name. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mmzone.h>

/* CLAB_KVER: VERSION * 100 + PATCHLEVEL of the target, from Kbuild. */
#if CLAB_KVER < 601 || CLAB_KVER > 612
#error "compactlab supports Linux 6.1 to 6.12"
#endif

/*
 * CLAB_MAX_ORDER: the largest buddy order of the running kernel, inclusive.
 * 6.1 has MAX_ORDER exclusive; 6.4-6.7 made it inclusive; 6.8 renamed it
 * MAX_PAGE_ORDER.
 */
#ifdef CLAB_HAVE_MAX_PAGE_ORDER
#define CLAB_MAX_ORDER		MAX_PAGE_ORDER
#elif CLAB_KVER >= 604
#define CLAB_MAX_ORDER		MAX_ORDER
#else
#define CLAB_MAX_ORDER		(MAX_ORDER - 1)
#endif

/*
 * The per-CPU list set's bulk-free scaling: 6.1's free_factor; 6.7 replaced
 * it with free_count and a dynamic high mark, which have no 6.1 meaning.
 */
#ifdef CLAB_HAVE_PCP_FREE_FACTOR
#define clab_compat_pcp_free_factor(pcp)	((u32)max_t(short, (pcp)->free_factor, 0))
#else
#define clab_compat_pcp_free_factor(pcp)	((void)(pcp), 0U)
#endif

/* vm_flags became read-only behind helpers in 6.3. */
#ifndef CLAB_HAVE_VM_FLAGS_SET

static inline void __compat_vm_flags_set(struct vm_area_struct *vma,
					 unsigned long flags)
{
	vma->vm_flags |= flags;
}

#define vm_flags_set __compat_vm_flags_set
#endif

#endif /* _CLAB_COMPAT_H */
