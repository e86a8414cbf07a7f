// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of rinotify's Rust abstractions (rust/sys/): see helpers.h.
 */
#include "helpers.h"

/* kmem_cache_alloc(), tagged at this call site under CONFIG_MEM_ALLOC_PROFILING. */
void *rinotify_kmem_cache_alloc(struct kmem_cache *cache, gfp_t gfp)
{
	return kmem_cache_alloc(cache, gfp);
}

/* kmalloc(), tagged at this call site under CONFIG_MEM_ALLOC_PROFILING. */
void *rinotify_kmalloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp);
}

/*
 * fsnotify_group_lock(): the group's mark_mutex, and no file system reclaim while it is
 * held (the mutex is taken from reclaim when inodes with marks are evicted).
 */
void rinotify_group_lock(struct fsnotify_group *group)
{
	fsnotify_group_lock(group);
}

void rinotify_group_unlock(struct fsnotify_group *group)
{
	fsnotify_group_unlock(group);
}

/* The memory cgroup of the calling task's mm, referenced; NULL without memory cgroups. */
struct mem_cgroup *rinotify_get_mem_cgroup_of_current(void)
{
	return get_mem_cgroup_from_mm(current->mm);
}

void rinotify_mem_cgroup_put(struct mem_cgroup *memcg)
{
	mem_cgroup_put(memcg);
}

/* set_active_memcg(): what the calling task's __GFP_ACCOUNT allocations are charged to. */
struct mem_cgroup *rinotify_set_active_memcg(struct mem_cgroup *memcg)
{
	return set_active_memcg(memcg);
}
