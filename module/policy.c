// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - the registry of compaction policies: compactlab's own three,
 * the ones other modules register, and the one each shadow memory selects.
 *
 * A compaction finds its policy here and holds a reference on the policy's
 * module while it runs (clab_policy_get() and clab_policy_put()), so that a
 * module that provides a running policy cannot be unloaded: its unload is
 * refused while the reference is held, and once the unload has begun no
 * new compaction can take one (try_module_get() fails) and runs linux
 * instead. A module unregisters its policy in its exit function; a shadow
 * memory that had selected it goes back to linux.
 */
#include <compactlab/policy.h>

/*
 * Protects clab_policies (the registered policies beyond the built-in
 * ones), clab_policy_mems (the shadow memories, whose selection an
 * unregistration may have to reset) and every mem->compact_policy write.
 */
static DEFINE_SPINLOCK(clab_policy_lock);
static LIST_HEAD(clab_policies);
static LIST_HEAD(clab_policy_mems);

/* Always registered, in the order users see them. */
static struct clab_policy_ops * const clab_builtin_policies[] = {
	&clab_policy_linux,
	&clab_policy_tuned,
	&clab_policy_min_moves,
};

/* The mems' link: a small node, so that struct clab_mem stays as it is. */
struct clab_policy_mem {
	struct list_head list;
	struct clab_mem *mem;
};

/* Does @s (one trailing newline allowed, as sysfs writes) equal @name? */
static bool clab_policy_name_is(const char *name, const char *s)
{
	size_t n = strlen(name);

	return !strncmp(name, s, n) &&
	       (s[n] == '\0' || (s[n] == '\n' && s[n + 1] == '\0'));
}

/* 1 to CLAB_POLICY_NAME_MAX characters of a-z, 0-9 and '_'. */
static bool clab_policy_name_valid(const char *name)
{
	size_t n;

	if (!name)
		return false;
	for (n = 0; name[n]; n++) {
		char c = name[n];

		if (n == CLAB_POLICY_NAME_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return n > 0;
}

static struct clab_policy_ops *__clab_find_policy(const char *name)
{
	struct clab_policy_ops *ops;
	size_t i;

	lockdep_assert_held(&clab_policy_lock);
	for (i = 0; i < ARRAY_SIZE(clab_builtin_policies); i++)
		if (clab_policy_name_is(clab_builtin_policies[i]->name, name))
			return clab_builtin_policies[i];
	list_for_each_entry(ops, &clab_policies, list)
		if (clab_policy_name_is(ops->name, name))
			return ops;
	return NULL;
}

/* Is @want a registered policy? Compared, never dereferenced first. */
static bool __clab_policy_is_registered(const struct clab_policy_ops *want)
{
	struct clab_policy_ops *ops;
	size_t i;

	lockdep_assert_held(&clab_policy_lock);
	for (i = 0; i < ARRAY_SIZE(clab_builtin_policies); i++)
		if (clab_builtin_policies[i] == want)
			return true;
	list_for_each_entry(ops, &clab_policies, list)
		if (ops == want)
			return true;
	return false;
}

/**
 * clab_register_policy() - add a compaction policy
 * @ops: the policy: name, owner and callbacks set; it stays in use, and
 *	must stay in memory, until clab_unregister_policy()
 *
 * The policy can be selected from then on. Call it from the module's init.
 *
 * Return: 0; -EINVAL for an invalid name, no owner or no compact_zone;
 * -EEXIST when a policy of that name is registered.
 */
int clab_register_policy(struct clab_policy_ops *ops)
{
	int ret = 0;

	if (!ops || !clab_policy_name_valid(ops->name) || !ops->owner ||
	    !ops->compact_zone) {
		pr_warn("a policy needs a name of 1 to %d characters a-z, 0-9 and _, an owner and a compact_zone callback\n",
			CLAB_POLICY_NAME_MAX);
		return -EINVAL;
	}
	spin_lock(&clab_policy_lock);
	if (__clab_find_policy(ops->name))
		ret = -EEXIST;
	else
		list_add_tail(&ops->list, &clab_policies);
	spin_unlock(&clab_policy_lock);
	if (ret)
		pr_warn("policy %s: already registered\n", ops->name);
	return ret;
}

/**
 * clab_unregister_policy() - remove a policy that clab_register_policy() added
 * @ops: the policy
 *
 * Every shadow memory that had selected it goes back to linux (one log
 * line each). Call it from the module's exit: no compaction is running the
 * policy then, since each holds a reference on its module. Unregistering a
 * policy that is not registered, or a built-in one, does nothing.
 */
void clab_unregister_policy(struct clab_policy_ops *ops)
{
	struct clab_policy_mem *pm;
	struct clab_policy_ops *found;

	if (!ops || !ops->name)
		return;
	spin_lock(&clab_policy_lock);
	found = __clab_find_policy(ops->name);
	/* The built-in policies have no owner: they stay. */
	if (found != ops || !ops->owner) {
		spin_unlock(&clab_policy_lock);
		return;
	}
	list_del(&ops->list);
	list_for_each_entry(pm, &clab_policy_mems, list) {
		if (pm->mem->compact_policy != ops)
			continue;
		WRITE_ONCE(pm->mem->compact_policy, &clab_policy_linux);
		pr_info("policy %s unregistered while selected: policy linux selected\n",
			ops->name);
	}
	spin_unlock(&clab_policy_lock);
}

/**
 * clab_policy_attach() - give a new shadow memory its selection (linux)
 * @mem: the shadow memory
 *
 * Called by clab_mem_init(); clab_policy_detach() undoes it.
 */
void clab_policy_attach(struct clab_mem *mem)
{
	struct clab_policy_mem *pm = kzalloc(sizeof(*pm), GFP_KERNEL);

	spin_lock(&clab_policy_lock);
	WRITE_ONCE(mem->compact_policy, &clab_policy_linux);
	/*
	 * Without the node (out of memory), only the built-in policies are
	 * safe to select in @mem: clab_select_policy() checks.
	 */
	if (pm) {
		pm->mem = mem;
		list_add_tail(&pm->list, &clab_policy_mems);
	}
	spin_unlock(&clab_policy_lock);
}

/* @mem's node in clab_policy_mems, or NULL. */
static struct clab_policy_mem *__clab_policy_mem(struct clab_mem *mem)
{
	struct clab_policy_mem *pm;

	lockdep_assert_held(&clab_policy_lock);
	list_for_each_entry(pm, &clab_policy_mems, list)
		if (pm->mem == mem)
			return pm;
	return NULL;
}

/**
 * clab_policy_detach() - forget a shadow memory that is going away
 * @mem: the shadow memory
 */
void clab_policy_detach(struct clab_mem *mem)
{
	struct clab_policy_mem *pm;

	spin_lock(&clab_policy_lock);
	pm = __clab_policy_mem(mem);
	if (pm)
		list_del(&pm->list);
	spin_unlock(&clab_policy_lock);
	kfree(pm);
}

/**
 * clab_policy_get() - the policy a compaction runs, held for its run
 * @mem: the shadow memory
 * @want: the policy asked for, or NULL for @mem's selection; a pointer
 *	that is no longer registered stands for the selection too
 *
 * Takes a reference on the policy's module (the built-in policies have
 * none: they are the core's). When that fails (the module is being
 * unloaded), the compaction runs linux.
 *
 * Return: the policy, to be released with clab_policy_put().
 */
const struct clab_policy_ops *clab_policy_get(struct clab_mem *mem,
					      const struct clab_policy_ops *want)
{
	const struct clab_policy_ops *ops;

	spin_lock(&clab_policy_lock);
	ops = want;
	if (!ops || !__clab_policy_is_registered(ops))
		ops = READ_ONCE(mem->compact_policy);
	if (!ops || !__clab_policy_is_registered(ops))
		ops = &clab_policy_linux;
	if (!try_module_get(ops->owner))
		ops = &clab_policy_linux;
	spin_unlock(&clab_policy_lock);
	return ops;
}

/**
 * clab_policy_has_tuned_rules() - does a policy follow tuned's rules?
 * @ops: a policy the caller holds (a compaction's cc->policy), or NULL
 *	(linux)
 *
 * Return: true if @ops has CLAB_POLICY_TUNED_RULES.
 */
bool clab_policy_has_tuned_rules(const struct clab_policy_ops *ops)
{
	return ops && (ops->flags & CLAB_POLICY_TUNED_RULES);
}

/**
 * clab_selected_policy_has_tuned_rules() - does @mem's selection follow
 * tuned's rules?
 * @mem: the shadow memory
 *
 * For the slow path and kcompactd, which hold no reference on the
 * selection: it is read under the registry lock, so that a policy module
 * being unloaded cannot free it under us.
 *
 * Return: true if the selected policy has CLAB_POLICY_TUNED_RULES.
 */
bool clab_selected_policy_has_tuned_rules(struct clab_mem *mem)
{
	bool tuned;

	spin_lock(&clab_policy_lock);
	tuned = clab_policy_has_tuned_rules(READ_ONCE(mem->compact_policy));
	spin_unlock(&clab_policy_lock);
	return tuned;
}

/**
 * clab_policy_put() - release what clab_policy_get() returned
 * @ops: the policy
 */
void clab_policy_put(const struct clab_policy_ops *ops)
{
	module_put(ops->owner);
}

/**
 * clab_select_policy() - select the policy @mem's compactions run
 * @mem: the shadow memory
 * @name: a registered policy's name (one trailing newline allowed)
 *
 * Compactions already running finish with the policy they started with.
 *
 * Return: 0, or -EINVAL for a name that no registered policy has.
 */
int clab_select_policy(struct clab_mem *mem, const char *name)
{
	struct clab_policy_ops *ops;
	int ret = 0;

	spin_lock(&clab_policy_lock);
	ops = __clab_find_policy(name);
	/* Unregistration could not reset a mem it does not know. */
	if (!ops || (ops->owner && !__clab_policy_mem(mem)))
		ret = -EINVAL;
	else
		WRITE_ONCE(mem->compact_policy, ops);
	spin_unlock(&clab_policy_lock);
	return ret;
}

static size_t clab_policy_list_one(const struct clab_policy_ops *ops,
				   const struct clab_policy_ops *cur,
				   char *buf, size_t size, size_t len)
{
	return len + scnprintf(buf + len, size - len,
			       ops == cur ? "%s[%s]" : "%s%s",
			       len ? " " : "", ops->name);
}

/**
 * clab_policy_list() - the registered policies' names, the selected one
 * in brackets: "[linux] tuned min_moves" and a newline
 * @mem: the shadow memory
 * @buf: where to write
 * @size: @buf's size
 *
 * Return: the length written (without the NUL), truncated to fit @size.
 */
size_t clab_policy_list(struct clab_mem *mem, char *buf, size_t size)
{
	const struct clab_policy_ops *cur;
	struct clab_policy_ops *ops;
	size_t i, len = 0;

	if (!size)
		return 0;
	spin_lock(&clab_policy_lock);
	cur = READ_ONCE(mem->compact_policy);
	for (i = 0; i < ARRAY_SIZE(clab_builtin_policies); i++)
		len = clab_policy_list_one(clab_builtin_policies[i], cur, buf,
					   size, len);
	list_for_each_entry(ops, &clab_policies, list)
		len = clab_policy_list_one(ops, cur, buf, size, len);
	spin_unlock(&clab_policy_lock);
	len += scnprintf(buf + len, size - len, "\n");
	return len;
}

/**
 * clab_policy_registered() - is a policy of this name registered?
 * @name: the name
 *
 * Return: true if clab_select_policy() would accept @name.
 */
bool clab_policy_registered(const char *name)
{
	bool ret;

	spin_lock(&clab_policy_lock);
	ret = !!__clab_find_policy(name);
	spin_unlock(&clab_policy_lock);
	return ret;
}
