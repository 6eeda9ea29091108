// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs.c - /sys/kernel/compactlab/: the tunables and triggers (the ABI).
 *
 * sysfs only parses and stores user input and calls the core; it never runs
 * long work under its own lock. Every file is documented in
 * Documentation/ABI/testing/sysfs-kernel-compactlab.
 *
 *   min_free_kbytes         vm.min_free_kbytes of the shadow memory
 *   watermark_scale_factor  vm.watermark_scale_factor
 *   watermark_boost_factor  vm.watermark_boost_factor
 *
 * The core validates the values as the kernel's sysctls do; a rejected
 * write returns -EINVAL, logs one line and leaves the value unchanged.
 */
#include <linux/kobject.h>
#include <linux/kstrtox.h>
#include <linux/limits.h>
#include <linux/stddef.h>
#include <linux/sysfs.h>
#include <compactlab/mmzone.h>
#include "interfaces.h"

static struct kobject *clab_kobj;
static struct clab_mem *clab_sysfs_mem;

/**
 * struct clab_tunable - how one integer tunable is read and set
 * @offset: where the value lives in struct clab_mem
 * @set: the core's setter; validates, stores and recomputes
 * @range: the valid values, for the log line on a rejected write
 */
struct clab_tunable {
	size_t offset;
	int (*set)(struct clab_mem *mem, long val);
	const char *range;
};

static const struct clab_tunable clab_min_free_kbytes = {
	.offset = offsetof(struct clab_mem, min_free_kbytes),
	.set = clab_set_min_free_kbytes,
	.range = "0 or more",
};

static const struct clab_tunable clab_watermark_scale_factor = {
	.offset = offsetof(struct clab_mem, watermark_scale_factor),
	.set = clab_set_watermark_scale_factor,
	.range = "1 to 3000",
};

static const struct clab_tunable clab_watermark_boost_factor = {
	.offset = offsetof(struct clab_mem, watermark_boost_factor),
	.set = clab_set_watermark_boost_factor,
	.range = "0 or more",
};

static ssize_t clab_tunable_show(const struct clab_tunable *t, char *buf)
{
	int *val = (int *)((char *)clab_sysfs_mem + t->offset);

	return sysfs_emit(buf, "%d\n", READ_ONCE(*val));
}

/*
 * Parse an int (kstrtol accepts one trailing newline) and hand it to the
 * core, which validates it; on any error the value stays unchanged.
 */
static ssize_t clab_tunable_store(const struct clab_tunable *t,
				  const struct kobj_attribute *attr,
				  const char *buf, size_t count)
{
	long val;
	int ret;

	ret = kstrtol(buf, 10, &val);
	if (ret || val < INT_MIN || val > INT_MAX) {
		pr_info("%s: not a decimal integer in the range of an int\n",
			attr->attr.name);
		return -EINVAL;
	}
	ret = t->set(clab_sysfs_mem, val);
	if (ret) {
		pr_info("%s: %ld rejected (%d): the valid range is %s\n",
			attr->attr.name, val, ret, t->range);
		return ret;
	}
	return count;
}

static ssize_t min_free_kbytes_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return clab_tunable_show(&clab_min_free_kbytes, buf);
}

static ssize_t min_free_kbytes_store(struct kobject *kobj,
				     struct kobj_attribute *attr,
				     const char *buf, size_t count)
{
	return clab_tunable_store(&clab_min_free_kbytes, attr, buf, count);
}

static ssize_t watermark_scale_factor_show(struct kobject *kobj,
					   struct kobj_attribute *attr,
					   char *buf)
{
	return clab_tunable_show(&clab_watermark_scale_factor, buf);
}

static ssize_t watermark_scale_factor_store(struct kobject *kobj,
					    struct kobj_attribute *attr,
					    const char *buf, size_t count)
{
	return clab_tunable_store(&clab_watermark_scale_factor, attr, buf,
				  count);
}

static ssize_t watermark_boost_factor_show(struct kobject *kobj,
					   struct kobj_attribute *attr,
					   char *buf)
{
	return clab_tunable_show(&clab_watermark_boost_factor, buf);
}

static ssize_t watermark_boost_factor_store(struct kobject *kobj,
					    struct kobj_attribute *attr,
					    const char *buf, size_t count)
{
	return clab_tunable_store(&clab_watermark_boost_factor, attr, buf,
				  count);
}

static struct kobj_attribute min_free_kbytes_attr =
	__ATTR_RW(min_free_kbytes);
static struct kobj_attribute watermark_scale_factor_attr =
	__ATTR_RW(watermark_scale_factor);
static struct kobj_attribute watermark_boost_factor_attr =
	__ATTR_RW(watermark_boost_factor);

static struct attribute *clab_attrs[] = {
	&min_free_kbytes_attr.attr,
	&watermark_scale_factor_attr.attr,
	&watermark_boost_factor_attr.attr,
	NULL,
};

static const struct attribute_group clab_attr_group = {
	.attrs = clab_attrs,
};

/**
 * clab_sysfs_init() - create /sys/kernel/compactlab
 * @mem: the shadow memory the files tune
 *
 * Return: 0, -ENOMEM, or the error of sysfs_create_group().
 */
int clab_sysfs_init(struct clab_mem *mem)
{
	int ret;

	clab_sysfs_mem = mem;
	clab_kobj = kobject_create_and_add(KBUILD_MODNAME, kernel_kobj);
	if (!clab_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(clab_kobj, &clab_attr_group);
	if (ret)
		goto put_kobj;
	return 0;

put_kobj:
	kobject_put(clab_kobj);
	clab_kobj = NULL;
	return ret;
}

/**
 * clab_sysfs_exit() - remove /sys/kernel/compactlab
 */
void clab_sysfs_exit(void)
{
	sysfs_remove_group(clab_kobj, &clab_attr_group);
	kobject_put(clab_kobj);
}
