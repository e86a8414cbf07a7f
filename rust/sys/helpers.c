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

/*
 * Stores @entry at @index of @xa if the index is reserved (xa_reserve(), or xa_alloc() of a
 * null entry), and only then: xa_cmpxchg() cannot tell, since it reads a reserved entry as
 * null, and so does every other xa_*() call. A reserved slot exists, so the store needs no
 * memory. Returns 0, or -EBUSY if @index is not reserved. The caller holds the xa_lock.
 */
int rinotify_xa_fill_reserved(struct xarray *xa, unsigned long index, void *entry)
{
	XA_STATE(xas, xa, index);

	if (xas_load(&xas) != XA_ZERO_ENTRY)
		return -EBUSY;
	xas_store(&xas, entry);
	return xas_error(&xas);
}
