/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Objects in use in a slab cache, as /proc/slabinfo counts them: how the tests see that
 * rinotify frees its watches (rinotify_watch_cache) and events (rinotify_event_cache).
 */
#ifndef RINOTIFY_LIB_SLAB_H
#define RINOTIFY_LIB_SLAB_H

#define WATCH_CACHE	"rinotify_watch_cache"
#define EVENT_CACHE	"rinotify_event_cache"

/* The active objects of cache in /proc/slabinfo, or -1 with errno (ENOENT: not listed). */
long slab_active(const char *cache);

/*
 * Shrinks cache, then returns its active objects (or -1 with errno). Shrinking flushes
 * the per-CPU slabs (whose free objects SLUB counts as active) and takes the cache's
 * freed objects out of KASAN's quarantine (they count as active until then), so the count
 * is then exact.
 */
long slab_settled(const char *cache);

/*
 * Polls slab_settled() for up to ~5 s until cache has at most max active objects: marks
 * are freed by an fsnotify workqueue after an SRCU grace period. Returns the last count,
 * or -1 with errno.
 */
long slab_wait_at_most(const char *cache, long max);

#endif /* RINOTIFY_LIB_SLAB_H */
