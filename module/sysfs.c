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
 *   extfrag_threshold       vm.extfrag_threshold
 *   compact_unevictable_allowed  vm.compact_unevictable_allowed
 *   compaction_proactiveness     vm.compaction_proactiveness
 *   oom_kill                0: a failed allocation fails; 1: SIGKILL the
 *                           largest user of the arena first
 *   policy                  linux, tuned, min_moves or a registered one
 *   compact_memory          write 1: compact every zone (vm.compact_memory)
 *   node<N>/compact         write 1: compact node N's zones
 *   mirror                  the live mirror: on [key=value...], off,
 *                           resync
 *
 * A compaction runs in the writer's context, as the kernel's does, but
 * without holding sysfs's active reference on the file (so rmmod does not
 * wait for it: it is refused while the module is pinned) and
 * with no lock that readers of other files need. One compaction trigger
 * runs at a time: a second concurrent write gets -EBUSY. A fatal signal
 * (Ctrl-C) stops a compaction early.
 *
 * The core validates the values as the kernel's sysctls do; a rejected
 * write returns -EINVAL, logs one line and leaves the value unchanged.
 */
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/string.h>
#include <linux/kstrtox.h>
#include <linux/limits.h>
#include <linux/stddef.h>
#include <linux/sysfs.h>
#include <compactlab/compaction.h>
#include <compactlab/policy.h>
#include "interfaces.h"
#include "kmirror.h"

static struct kobject *clab_kobj;
static struct kobject *clab_node_kobj[CLAB_MAX_NUMNODES];
static struct clab_mem *clab_sysfs_mem;

/* Held while a compaction trigger runs; trylock only (-EBUSY). */
static DEFINE_MUTEX(clab_compact_trigger_lock);

/**
 * struct clab_tunable - how one integer tunable is read and set
 * @offset: where the value lives in struct clab_mem
 * @set: the core's setter; validates, stores and recomputes
 * @range: the valid values, for the log line on a rejected write
 * @log: the rate limit of this file's log lines about rejected writes
 *	(each file has its own, so that a flood at one file does not hide
 *	the reason another refused a write)
 */
struct clab_tunable {
	size_t offset;
	int (*set)(struct clab_mem *mem, long val);
	const char *range;
	struct ratelimit_state *log;
};

static DEFINE_RATELIMIT_STATE(clab_min_free_kbytes_log, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);
static DEFINE_RATELIMIT_STATE(clab_watermark_scale_factor_log, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);
static DEFINE_RATELIMIT_STATE(clab_watermark_boost_factor_log, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);
static DEFINE_RATELIMIT_STATE(clab_extfrag_threshold_log, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);
static DEFINE_RATELIMIT_STATE(clab_compact_unevictable_allowed_log, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);
static DEFINE_RATELIMIT_STATE(clab_compaction_proactiveness_log, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);
static DEFINE_RATELIMIT_STATE(clab_oom_kill_log, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);

static const struct clab_tunable clab_min_free_kbytes = {
	.offset = offsetof(struct clab_mem, min_free_kbytes),
	.set = clab_set_min_free_kbytes,
	.range = "0 or more",
	.log = &clab_min_free_kbytes_log,
};

static const struct clab_tunable clab_watermark_scale_factor = {
	.offset = offsetof(struct clab_mem, watermark_scale_factor),
	.set = clab_set_watermark_scale_factor,
	.range = "1 to 3000",
	.log = &clab_watermark_scale_factor_log,
};

static const struct clab_tunable clab_watermark_boost_factor = {
	.offset = offsetof(struct clab_mem, watermark_boost_factor),
	.set = clab_set_watermark_boost_factor,
	.range = "0 or more",
	.log = &clab_watermark_boost_factor_log,
};

static const struct clab_tunable clab_extfrag_threshold = {
	.offset = offsetof(struct clab_mem, extfrag_threshold),
	.set = clab_set_extfrag_threshold,
	.range = "0 to 1000",
	.log = &clab_extfrag_threshold_log,
};

static const struct clab_tunable clab_compact_unevictable_allowed = {
	.offset = offsetof(struct clab_mem, compact_unevictable_allowed),
	.set = clab_set_compact_unevictable_allowed,
	.range = "0 or 1",
	.log = &clab_compact_unevictable_allowed_log,
};

static const struct clab_tunable clab_compaction_proactiveness = {
	.offset = offsetof(struct clab_mem, compaction_proactiveness),
	.set = clab_set_compaction_proactiveness,
	.range = "0 to 100",
	.log = &clab_compaction_proactiveness_log,
};

static int clab_set_oom_kill(struct clab_mem *mem, long val)
{
	if (val < 0 || val > 1)
		return -EINVAL;
	WRITE_ONCE(mem->oom_kill, val);
	return 0;
}

static const struct clab_tunable clab_oom_kill = {
	.offset = offsetof(struct clab_mem, oom_kill),
	.set = clab_set_oom_kill,
	.range = "0 or 1",
	.log = &clab_oom_kill_log,
};

static ssize_t clab_tunable_show(const struct clab_tunable *t,
				 const struct kobj_attribute *attr, char *buf)
{
	int *val = (int *)((char *)clab_sysfs_mem + t->offset);

	if (!clab_interfaces_ready(attr->attr.name))
		return -ENODEV;
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

	if (!clab_interfaces_ready(attr->attr.name))
		return -ENODEV;
	ret = kstrtol(buf, 10, &val);
	if (ret || val < INT_MIN || val > INT_MAX) {
		if (__ratelimit(t->log))
			pr_info("%s: not a decimal integer in the range of an int\n",
				attr->attr.name);
		return -EINVAL;
	}
	ret = t->set(clab_sysfs_mem, val);
	if (ret) {
		if (__ratelimit(t->log))
			pr_info("%s: %ld rejected (%d): the valid range is %s\n",
				attr->attr.name, val, ret, t->range);
		return ret;
	}
	return count;
}

static ssize_t min_free_kbytes_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return clab_tunable_show(&clab_min_free_kbytes, attr, buf);
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
	return clab_tunable_show(&clab_watermark_scale_factor, attr, buf);
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
	return clab_tunable_show(&clab_watermark_boost_factor, attr, buf);
}

static ssize_t watermark_boost_factor_store(struct kobject *kobj,
					    struct kobj_attribute *attr,
					    const char *buf, size_t count)
{
	return clab_tunable_store(&clab_watermark_boost_factor, attr, buf,
				  count);
}

#define CLAB_TUNABLE_ATTR(name)						\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return clab_tunable_show(&clab_##name, attr, buf);		\
}									\
static ssize_t name##_store(struct kobject *kobj,			\
			    struct kobj_attribute *attr,		\
			    const char *buf, size_t count)		\
{									\
	return clab_tunable_store(&clab_##name, attr, buf, count);	\
}									\
static struct kobj_attribute name##_attr = __ATTR_RW(name)

CLAB_TUNABLE_ATTR(extfrag_threshold);
CLAB_TUNABLE_ATTR(compact_unevictable_allowed);
CLAB_TUNABLE_ATTR(compaction_proactiveness);
CLAB_TUNABLE_ATTR(oom_kill);

static ssize_t policy_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	if (!clab_interfaces_ready(attr->attr.name))
		return -ENODEV;
	return clab_policy_list(clab_sysfs_mem, buf, PAGE_SIZE);
}

static ssize_t policy_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	if (!clab_interfaces_ready(attr->attr.name))
		return -ENODEV;
	if (clab_select_policy(clab_sysfs_mem, buf)) {
		pr_info_ratelimited("policy: expected the name of a registered policy (read the file)\n");
		return -EINVAL;
	}
	return count;
}

static struct kobj_attribute policy_attr = __ATTR_RW(policy);

/*
 * Run one compaction trigger: only "1" is accepted; one at a time; sysfs's
 * active protection is dropped (the module is pinned instead) so that
 * removing the files does not wait for a long compaction.
 */
static ssize_t clab_compact_trigger(struct kobject *kobj,
				    struct kobj_attribute *attr,
				    const char *buf, size_t count, int nid)
{
	struct kernfs_node *kn;
	bool one;

	if (!clab_interfaces_ready(attr->attr.name))
		return -ENODEV;
	if (kstrtobool(buf, &one) || !one) {
		pr_info_ratelimited("%s: write 1 to compact\n", attr->attr.name);
		return -EINVAL;
	}
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	if (!mutex_trylock(&clab_compact_trigger_lock)) {
		module_put(THIS_MODULE);
		return -EBUSY;
	}
	kn = sysfs_break_active_protection(kobj, &attr->attr);
	if (nid < 0)
		clab_compact_memory(clab_sysfs_mem, NULL);
	else
		clab_compact_node(clab_sysfs_mem, nid, NULL);
	if (kn)
		sysfs_unbreak_active_protection(kn);
	mutex_unlock(&clab_compact_trigger_lock);
	module_put(THIS_MODULE);
	return count;
}

/* Reads show 1 while a compaction trigger runs, else 0. */
static ssize_t clab_compact_trigger_show(char *buf)
{
	return sysfs_emit(buf, "%d\n", mutex_is_locked(&clab_compact_trigger_lock));
}

static ssize_t compact_memory_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return clab_compact_trigger_show(buf);
}

static ssize_t compact_memory_store(struct kobject *kobj,
				    struct kobj_attribute *attr,
				    const char *buf, size_t count)
{
	return clab_compact_trigger(kobj, attr, buf, count, -1);
}

static struct kobj_attribute compact_memory_attr = __ATTR_RW(compact_memory);

static ssize_t compact_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return clab_compact_trigger_show(buf);
}

static ssize_t compact_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	int nid;

	for (nid = 0; nid < CLAB_MAX_NUMNODES; nid++)
		if (clab_node_kobj[nid] == kobj)
			return clab_compact_trigger(kobj, attr, buf, count, nid);
	pr_info_ratelimited("%s: not a node's file\n", attr->attr.name);
	return -EINVAL;
}

static struct kobj_attribute compact_attr = __ATTR_RW(compact);

/*
 * mirror: "off", or the zone mirrored and how it is going. Writes: "on"
 * with optional node=N, zone=NAME (default: the node's largest zone),
 * start_pfn=N and pages=N (a window of the zone), interval_ms=N,
 * buffer_kb=N, samples=N and pcp=follow|own; "off"; "resync".
 */
static ssize_t mirror_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	struct clab_kmirror_status st;

	if (!clab_interfaces_ready(attr->attr.name))
		return -ENODEV;
	clab_kmirror_status(&st);
	if (!st.on)
		return sysfs_emit(buf, "off\n");
	return sysfs_emit(buf,
			  "on node %d zone %s pfns 0x%lx-0x%lx events %llu lost %lu diverged %d resyncs %lu pcp %s\n",
			  st.req.nid, st.req.zone, st.start_pfn, st.end_pfn,
			  st.c.events, st.lost, st.lost_since_clone != 0,
			  st.resyncs, st.pcp_follow ? "follow" : "own");
}

/* Parse "on [key=value]..." into @p; 0 or -EINVAL with @why set. */
static int clab_mirror_parse(char *args, struct clab_kmirror_params *p,
			     const char **why)
{
	char *tok;

	p->req.nid = 0;
	p->interval_ms = CLAB_KMIRROR_DEFAULT_INTERVAL_MS;
	p->buffer_kb = CLAB_KMIRROR_DEFAULT_BUFFER_KB;
	p->samples = CLAB_KMIRROR_DEFAULT_SAMPLES;
	p->pcp_follow = true;
	while ((tok = strsep(&args, " \t\n"))) {
		char *val;

		if (!*tok)
			continue;
		val = strchr(tok, '=');
		if (!val) {
			*why = "expected key=value after on";
			return -EINVAL;
		}
		*val++ = '\0';
		if (!strcmp(tok, "node")) {
			if (kstrtoint(val, 0, &p->req.nid))
				goto bad_number;
		} else if (!strcmp(tok, "zone")) {
			if (strscpy(p->req.zone, val, sizeof(p->req.zone)) <= 0) {
				*why = "zone: a name of 1 to 15 characters";
				return -EINVAL;
			}
		} else if (!strcmp(tok, "interval_ms")) {
			if (kstrtouint(val, 0, &p->interval_ms))
				goto bad_number;
		} else if (!strcmp(tok, "buffer_kb")) {
			if (kstrtouint(val, 0, &p->buffer_kb))
				goto bad_number;
		} else if (!strcmp(tok, "samples")) {
			if (kstrtouint(val, 0, &p->samples))
				goto bad_number;
		} else if (!strcmp(tok, "start_pfn")) {
			if (kstrtoul(val, 0, &p->req.start_pfn))
				goto bad_number;
		} else if (!strcmp(tok, "pages")) {
			if (kstrtoul(val, 0, &p->req.nr_pages))
				goto bad_number;
		} else if (!strcmp(tok, "pcp")) {
			if (!strcmp(val, "follow")) {
				p->pcp_follow = true;
			} else if (!strcmp(val, "own")) {
				p->pcp_follow = false;
			} else {
				*why = "pcp: follow or own";
				return -EINVAL;
			}
		} else {
			*why = "unknown key (see Documentation/ABI: node, zone, start_pfn, ...)";
			return -EINVAL;
		}
	}
	return 0;

bad_number:
	*why = "not a number";
	return -EINVAL;
}

static ssize_t mirror_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	struct clab_kmirror_params p = {};
	const char *why = "";
	char *copy, *args;
	int ret;

	if (!clab_interfaces_ready(attr->attr.name))
		return -ENODEV;
	if (!capable(CAP_SYS_ADMIN)) {
		pr_info_ratelimited("mirror: refused: needs CAP_SYS_ADMIN\n");
		return -EPERM;
	}
	copy = kstrndup(buf, count, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	args = strim(copy);
	if (!strcmp(args, "off")) {
		ret = clab_kmirror_stop();
		why = "the mirror is off already";
	} else if (!strcmp(args, "resync")) {
		ret = clab_kmirror_resync(&why);
	} else if (!strncmp(args, "on", 2) && (!args[2] || isspace(args[2]))) {
		ret = clab_mirror_parse(args + 2, &p, &why);
		if (!ret)
			ret = clab_kmirror_start(clab_sysfs_mem, &p, &why);
	} else {
		why = "write on [key=value...], off or resync";
		ret = -EINVAL;
	}
	if (ret)
		pr_info_ratelimited("mirror: refused \"%s\": %s (%d)\n", args, why,
				    ret);
	kfree(copy);
	return ret ? ret : count;
}

static struct kobj_attribute mirror_attr = __ATTR(mirror, 0600, mirror_show,
						  mirror_store);

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
	&extfrag_threshold_attr.attr,
	&compact_unevictable_allowed_attr.attr,
	&compaction_proactiveness_attr.attr,
	&oom_kill_attr.attr,
	&policy_attr.attr,
	&compact_memory_attr.attr,
	&mirror_attr.attr,
	NULL,
};

static const struct attribute_group clab_attr_group = {
	.attrs = clab_attrs,
};

static void clab_sysfs_put_nodes(void)
{
	int nid;

	for (nid = 0; nid < CLAB_MAX_NUMNODES; nid++) {
		kobject_put(clab_node_kobj[nid]);
		clab_node_kobj[nid] = NULL;
	}
}

/**
 * clab_sysfs_init() - create /sys/kernel/compactlab
 * @mem: the shadow memory the files tune
 *
 * Return: 0, -ENOMEM, or the error of sysfs_create_group().
 */
int clab_sysfs_init(struct clab_mem *mem)
{
	unsigned int nid;
	int ret;

	clab_sysfs_mem = mem;
	clab_kobj = kobject_create_and_add(KBUILD_MODNAME, kernel_kobj);
	if (!clab_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(clab_kobj, &clab_attr_group);
	if (ret)
		goto put_kobj;
	for (nid = 0; nid < mem->nr_nodes; nid++) {
		char name[8];

		snprintf(name, sizeof(name), "node%u", nid);
		clab_node_kobj[nid] = kobject_create_and_add(name, clab_kobj);
		if (!clab_node_kobj[nid]) {
			ret = -ENOMEM;
			goto put_nodes;
		}
		ret = sysfs_create_file(clab_node_kobj[nid], &compact_attr.attr);
		if (ret)
			goto put_nodes;
	}
	return 0;

put_nodes:
	clab_sysfs_put_nodes();
	sysfs_remove_group(clab_kobj, &clab_attr_group);
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
	clab_sysfs_put_nodes();
	sysfs_remove_group(clab_kobj, &clab_attr_group);
	kobject_put(clab_kobj);
}
