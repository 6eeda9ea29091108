// SPDX-License-Identifier: GPL-2.0
/*
 * test_policy.c - the policy registry: the built-in policies, registering
 * and unregistering a policy (duplicate names, bad names), selecting one,
 * the selection's fallback to linux when its policy goes, the reference a
 * compaction holds on the policy's module, a policy's stop rule and its
 * proactive pass.
 *
 * A policy module is played by a policy registered from the test: in the
 * kernel its owner is the KUnit module, in user space a struct module of
 * the shim's, which can also play a module whose unload has begun.
 */
#include <compactlab/policy.h>
#include "page_alloc_internal.h"
#include "mem_check.h"
#include "test_owner.h"
#include "tap.h"

#ifdef __KERNEL__
#define test_policy_owner	THIS_MODULE
#else
static struct module test_module;
#define test_policy_owner	(&test_module)
#endif

/* What the test policies saw. */
static struct {
	int calls;		/* compact_zone calls */
	int refcount;		/* the owner's references during the last */
	int finished;		/* finished calls */
	int proactive;		/* proactive_compact_zone calls */
} spy;

static enum clab_compact_result spy_compact_zone(struct clab_compact_control *cc)
{
	spy.calls++;
	spy.refcount = module_refcount(test_policy_owner);
	return clab_compact_zone_scanners(cc);
}

static struct clab_policy_ops spy_policy = {
	.name = "spy",
	.compact_zone = spy_compact_zone,
};

/* A stop rule: linux's, but stop once a batch has been migrated. */
static enum clab_compact_result one_batch_finished(struct clab_compact_control *cc,
						   enum clab_compact_result verdict)
{
	spy.finished++;
	if (verdict == CLAB_COMPACT_CONTINUE && cc->nr_migrated)
		return CLAB_COMPACT_PARTIAL_SKIPPED;
	return verdict;
}

static struct clab_policy_ops one_batch_policy = {
	.name = "one_batch",
	.compact_zone = clab_compact_zone_scanners,
	.finished = one_batch_finished,
};

/* A proactive pass of its own: counts, and runs the kernel's scanners. */
static enum clab_compact_result sweeper_proactive(struct clab_compact_control *cc)
{
	spy.proactive++;
	spy.refcount = module_refcount(test_policy_owner);
	return clab_compact_zone_scanners(cc);
}

static struct clab_policy_ops sweeper_policy = {
	.name = "sweeper",
	.compact_zone = clab_compact_zone_scanners,
	.proactive_compact_zone = sweeper_proactive,
};

static char list_buf[256];

static const char *policy_list(struct clab_mem *mem)
{
	clab_policy_list(mem, list_buf, sizeof(list_buf));
	return list_buf;
}

#define CHECK_LIST(mem, want) do {					\
	const char *__got = policy_list(mem);				\
	if (strcmp(__got, want))					\
		CLAB_TEST_FAIL("policy list \"%s\", expected \"%s\"",	\
			       __got, want);				\
} while (0)

/* Whole-memory compaction (compact_memory): pages migrated. */
static unsigned long compact_all(struct clab_mem *mem)
{
	struct clab_compact_stats st = { 0 };

	clab_compact_memory(mem, &st);
	return st.migrated;
}

static void register_test_policy(struct clab_policy_ops *ops)
{
	ops->owner = test_policy_owner;
	TEST_ASSERT(clab_register_policy(ops) == 0);
}

/* The three built-in policies, linux selected; names as sysfs writes them. */
static void test_builtin(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);

	CHECK(mem->compact_policy == CLAB_POLICY_LINUX);
	CHECK_LIST(mem, "[linux] tuned min_moves\n");
	CHECK_EQ(clab_select_policy(mem, "tuned\n"), 0);
	CHECK(mem->compact_policy == CLAB_POLICY_TUNED);
	CHECK_LIST(mem, "linux [tuned] min_moves\n");
	CHECK_EQ(clab_select_policy(mem, "min_moves"), 0);
	CHECK_LIST(mem, "linux tuned [min_moves]\n");
	CHECK_EQ(clab_select_policy(mem, "fastest"), -EINVAL);
	CHECK_EQ(clab_select_policy(mem, "linux\n\n"), -EINVAL);
	CHECK_EQ(clab_select_policy(mem, "Linux"), -EINVAL);
	CHECK_EQ(clab_select_policy(mem, ""), -EINVAL);
	CHECK_LIST(mem, "linux tuned [min_moves]\n");
	CHECK(clab_policy_registered("linux"));
	CHECK(!clab_policy_registered("spy"));
	/* A built-in policy cannot be unregistered. */
	clab_unregister_policy(&clab_policy_tuned);
	CHECK(clab_policy_registered("tuned"));
	/* A too small buffer truncates, NUL-terminated. */
	CHECK_EQ(clab_policy_list(mem, list_buf, 4), 3);
	CHECK_EQ(strcmp(list_buf, "lin"), 0);
	test_mem_destroy(mem);
}

/* Registered, looked up and listed after the built-in ones; then gone. */
static void test_register(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);

	register_test_policy(&spy_policy);
	CHECK(clab_policy_registered("spy"));
	CHECK_LIST(mem, "[linux] tuned min_moves spy\n");
	register_test_policy(&one_batch_policy);
	CHECK_LIST(mem, "[linux] tuned min_moves spy one_batch\n");
	CHECK_EQ(clab_select_policy(mem, "spy\n"), 0);
	CHECK_LIST(mem, "linux tuned min_moves [spy] one_batch\n");
	clab_unregister_policy(&one_batch_policy);
	CHECK(!clab_policy_registered("one_batch"));
	CHECK_LIST(mem, "linux tuned min_moves [spy]\n");
	/* Unregistering twice does nothing. */
	clab_unregister_policy(&one_batch_policy);
	clab_unregister_policy(&spy_policy);
	CHECK(!clab_policy_registered("spy"));
	CHECK_EQ(clab_select_policy(mem, "spy"), -EINVAL);
	test_mem_destroy(mem);
}

/* -EEXIST for a name taken (built-in or not), -EINVAL for a bad policy. */
static void test_register_refused(void)
{
	static const char * const bad_names[] = {
		"", "Linux", "two words", "dash-ed", "sixteen_chars_ab",
		"new\nline",
	};
	struct clab_policy_ops dup = {
		.name = "spy", .owner = test_policy_owner,
		.compact_zone = clab_compact_zone_scanners,
	};
	struct clab_policy_ops ops = dup;
	size_t i;

	register_test_policy(&spy_policy);
	CHECK_EQ(clab_register_policy(&dup), -EEXIST);
	dup.name = "linux";
	CHECK_EQ(clab_register_policy(&dup), -EEXIST);
	dup.name = "min_moves";
	CHECK_EQ(clab_register_policy(&dup), -EEXIST);
	for (i = 0; i < ARRAY_SIZE(bad_names); i++) {
		ops.name = bad_names[i];
		if (clab_register_policy(&ops) != -EINVAL)
			CLAB_TEST_FAIL("name \"%s\" accepted", bad_names[i]);
	}
	ops.name = NULL;
	CHECK_EQ(clab_register_policy(&ops), -EINVAL);
	ops.name = "fifteen_chars_a";
	ops.compact_zone = NULL;
	CHECK_EQ(clab_register_policy(&ops), -EINVAL);
	ops.compact_zone = clab_compact_zone_scanners;
	ops.owner = NULL;
	CHECK_EQ(clab_register_policy(&ops), -EINVAL);
	CHECK_EQ(clab_register_policy(NULL), -EINVAL);
	/* The longest name is fine. */
	ops.owner = test_policy_owner;
	CHECK_EQ(clab_register_policy(&ops), 0);
	CHECK(clab_policy_registered("fifteen_chars_a"));
	clab_unregister_policy(&ops);
	/* Unregistering an unregistered policy of a taken name does nothing. */
	dup.name = "spy";
	clab_unregister_policy(&dup);
	CHECK(clab_policy_registered("spy"));
	clab_unregister_policy(&spy_policy);
	CHECK(!clab_policy_registered("spy"));
}

/*
 * The selected policy runs, holding one reference on its module for the
 * run; unregistered while selected, the selection goes back to linux, and
 * so does a compaction that still names the old policy.
 */
static void test_selected_runs_and_falls_back(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = test_owner_fragment(mem, 4);
	struct clab_mem *other = test_mem_create("8M", 1, NULL, NULL);
	int base = module_refcount(test_policy_owner);

	register_test_policy(&spy_policy);
	CHECK_EQ(clab_select_policy(mem, "spy"), 0);
	memset(&spy, 0, sizeof(spy));
	CHECK(compact_all(mem) > 0);
	CHECK_EQ(spy.calls, 1);
	CHECK_EQ(spy.refcount, base + 1);
	CHECK_EQ(module_refcount(test_policy_owner), base);
	CHECK_EQ(test_owner_verify(o), 0);
	/* The other memory kept linux. */
	CHECK_LIST(other, "[linux] tuned min_moves spy\n");

	clab_unregister_policy(&spy_policy);
	CHECK(mem->compact_policy == CLAB_POLICY_LINUX);
	CHECK_LIST(mem, "[linux] tuned min_moves\n");
	memset(&spy, 0, sizeof(spy));
	compact_all(mem);
	CHECK_EQ(spy.calls, 0);
	{
		/* An entry point that read the selection before it went. */
		struct clab_compact_control cc = {
			.zone = &mem->nodes[0].zones[CLAB_ZONE_NORMAL],
			.order = -1,
			.mode = CLAB_MIGRATE_SYNC,
			.policy = &spy_policy,
			.whole_zone = true,
		};

		clab_compact_zone(&cc);
		CHECK(cc.policy == CLAB_POLICY_LINUX);
		CHECK_EQ(spy.calls, 0);
	}
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(other);
	test_mem_destroy(mem);
}

/* A policy's stop rule ends the kernel's scanners early. */
static void test_finished(void)
{
	unsigned long moved[2];
	int i;

	register_test_policy(&one_batch_policy);
	for (i = 0; i < 2; i++) {
		struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
		struct test_owner *o = test_owner_fragment(mem, 4);

		if (i)
			CHECK_EQ(clab_select_policy(mem, "one_batch"), 0);
		memset(&spy, 0, sizeof(spy));
		moved[i] = compact_all(mem);
		CHECK(i ? spy.finished > 0 : spy.finished == 0);
		CHECK_EQ(test_owner_verify(o), 0);
		CHECK_EQ(mem_check(mem), 0);
		test_owner_destroy(o);
		test_mem_destroy(mem);
	}
	clab_unregister_policy(&one_batch_policy);
	DIAG("compact_memory, 1 page of 4 kept: linux moved %lu, one_batch %lu",
	     moved[0], moved[1]);
	CHECK(moved[1] > 0);
	CHECK(moved[1] <= CLAB_COMPACT_CLUSTER_MAX);
	CHECK(moved[0] > moved[1]);
}

/*
 * kcompactd's proactive pass asks for linux; a selected policy with a
 * proactive pass of its own runs it instead, holding its module.
 */
static void test_proactive(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = test_owner_fragment(mem, 4);
	int base = module_refcount(test_policy_owner);

	register_test_policy(&sweeper_policy);
	memset(&spy, 0, sizeof(spy));
	clab_proactive_compact_node(&mem->nodes[0]);
	CHECK_EQ(spy.proactive, 0);
	CHECK_EQ(clab_select_policy(mem, "sweeper"), 0);
	clab_proactive_compact_node(&mem->nodes[0]);
	CHECK(spy.proactive > 0);
	CHECK_EQ(spy.refcount, base + 1);
	CHECK_EQ(module_refcount(test_policy_owner), base);
	/* Not for other compactions: compact_memory runs compact_zone. */
	memset(&spy, 0, sizeof(spy));
	compact_all(mem);
	CHECK_EQ(spy.proactive, 0);
	clab_unregister_policy(&sweeper_policy);
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

#ifdef __KERNEL__
#define POLICY_USER_CASES(X)
#else
/*
 * Once a module's unload has begun, try_module_get() fails: compactions
 * run linux instead of its policy, and take no reference.
 */
static void test_going_module_runs_linux(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = test_owner_fragment(mem, 4);

	register_test_policy(&spy_policy);
	CHECK_EQ(clab_select_policy(mem, "spy"), 0);
	test_module.going = true;
	memset(&spy, 0, sizeof(spy));
	CHECK(compact_all(mem) > 0);
	CHECK_EQ(spy.calls, 0);
	CHECK_EQ(test_module.refcnt, 0);
	test_module.going = false;
	clab_unregister_policy(&spy_policy);
	CHECK_EQ(test_owner_verify(o), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

#define POLICY_USER_CASES(X) X(test_going_module_runs_linux)
#endif

/*
 * A policy module that sets CLAB_POLICY_TUNED_RULES and runs the kernel's
 * scanners builds on tuned, not on linux. On the Gupta pattern (every 4th
 * page kept) a compact_memory moves fewer pages under linux, whose free
 * scanner samples and stops a block short (672 of 768 on 16M), than under
 * tuned; such a policy moves as many as tuned.
 */
static struct clab_policy_ops on_tuned_policy = {
	.name = "on_tuned",
	.flags = CLAB_POLICY_TUNED_RULES,
	.compact_zone = clab_compact_zone_scanners,
};

static void test_tuned_rules_flag(void)
{
	static const char *const names[] = { "linux", "tuned", "on_tuned" };
	unsigned long moved[ARRAY_SIZE(names)];
	unsigned int i;

	register_test_policy(&on_tuned_policy);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = test_owner_fragment(mem, 4);

		CHECK_EQ(clab_select_policy(mem, names[i]), 0);
		CHECK_EQ(clab_selected_policy_has_tuned_rules(mem), i > 0);
		moved[i] = compact_all(mem);
		CHECK_EQ(test_owner_verify(o), 0);
		CHECK_EQ(mem_check(mem), 0);
		test_owner_destroy(o);
		test_mem_destroy(mem);
	}
	DIAG("compact_memory moved: linux %lu, tuned %lu, on_tuned %lu",
	     moved[0], moved[1], moved[2]);
	CHECK(moved[1] > moved[0]);
	CHECK_EQ(moved[2], moved[1]);
	CHECK(!clab_policy_has_tuned_rules(NULL));
	clab_unregister_policy(&on_tuned_policy);
}

#define POLICY_CASES(X) \
	X(test_builtin) \
	X(test_tuned_rules_flag) \
	X(test_register) \
	X(test_register_refused) \
	X(test_selected_runs_and_falls_back) \
	X(test_finished) \
	X(test_proactive) \
	POLICY_USER_CASES(X)

CLAB_TEST_SUITE(policy, POLICY_CASES);
