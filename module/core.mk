# SPDX-License-Identifier: GPL-2.0
#
# The compactlab core, shared by its three builds: the module (Kbuild), the
# user-space tests (selftests/core/Makefile) and the KUnit suites
# (selftests/kunit/Kbuild). The core includes no sysfs, debugfs or chardev
# code; see Documentation/design.rst.

CLAB_CORE := arena zones page_alloc pageblock watermark vmstat extfrag layout snapshot mirror mirror_ring \
	     compaction migrate_scanner free_scanner migrate deferral \
	     skip_hints min_moves writeback alloc_slowpath vmscan kcompactd \
	     fast_isolate_freepages fast_find_migrateblock \
	     policy policy_linux policy_tuned

# Kernel builds only: the target's version, for module/compat.h's range
# check, and the feature probes of the target headers that compat.h alone
# consumes.
clab_probe = $(shell grep -qsE '$(2)' $(srctree)/$(1) && echo -D$(3))
CLAB_COMPAT_FLAGS = -DCLAB_KVER="($(VERSION) * 100 + $(PATCHLEVEL))" \
	$(call clab_probe,include/linux/mm.h,void vm_flags_set,CLAB_HAVE_VM_FLAGS_SET) \
	$(call clab_probe,include/linux/mmzone.h,define MAX_PAGE_ORDER,CLAB_HAVE_MAX_PAGE_ORDER) \
	$(call clab_probe,include/linux/mmzone.h,short free_factor;,CLAB_HAVE_PCP_FREE_FACTOR)
