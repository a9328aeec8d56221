// Slab caches (CONCEPTS A1): many objects of one size carved out of page
// blocks, so small kernel objects cost neither a page each nor a search.
// kmalloc (mm/kmalloc.cpp) keeps one cache per size class; subsystems with
// many objects of one type (threads, inodes, VMAs) may keep their own.
//
// A slab is one block of 2^slab_order() pages from a PageSource. Its first
// bytes are the slab header and a bitmap of objects in use; the objects
// follow, and the free ones are chained through their own first word. The
// head PageFrame of the block is in state Slab and points at the header, so
// free() finds an object's slab from its address alone.
//
// A cache keeps at most one empty slab (the next allocation will want it);
// any further slab that empties goes straight back to the page source.
//
// Locking: each cache has its own spinlock, taken by allocate(), free(),
// release_empty_slabs(), stats() and check_invariants(), so caches of
// different sizes never contend and any CPU or interrupt handler may call
// them. Lock order: a cache's lock, then the page source's (the page
// allocator's) when a slab grows or shrinks.
// Host-buildable: tests give it a PageSource over a host arena.
#pragma once

#include <arch/x86_64/spinlock.h>
#include <lib/error_or.h>
#include <lib/types.h>
#include <mm/page_allocator.h>

namespace mm {

class SlabCache {
public:
    // Largest slab a cache uses (8 pages): bigger objects belong in whole page blocks.
    static constexpr unsigned kMaxSlabOrder = 3;

    // `alignment` is a power of two no larger than a page; objects are
    // aligned to at least a pointer. `name` must outlive the cache.
    SlabCache(const char* name, usize object_size, usize alignment, PageSource& source);
    SlabCache(SlabCache const&) = delete;
    SlabCache& operator=(SlabCache const&) = delete;

    // An object of object_size() bytes, contents undefined. ENOMEM when the
    // page source has no block for a new slab.
    ErrorOr<void*> allocate();
    // Returns an object from allocate() of this cache; anything else
    // (another cache's object, an interior pointer, a double free) is a
    // VERIFY failure.
    void free(void* object);

    // Gives every empty slab back to the page source (memory pressure, and
    // tests that want to see all pages back).
    void release_empty_slabs();

    const char* name() const { return m_name; }
    usize object_size() const { return m_object_size; }
    usize object_stride() const { return m_stride; } // bytes one object occupies in a slab
    unsigned slab_order() const { return m_slab_order; }
    usize objects_per_slab() const { return m_capacity; }

    struct Stats {
        usize objects_in_use;
        usize objects_free;  // in the cache's slabs, ready without a page allocation
        usize slabs;
        usize empty_slabs;
        usize slab_bytes;    // memory taken from the page source
    };
    Stats stats() const;

    // Walks every slab: list membership agrees with fill level, bitmap and
    // free chain agree with the in-use count, frames point back. For tests.
    bool check_invariants() const;

    // The cache whose slab a page frame holds; nullptr unless the frame is
    // the head of a slab.
    static SlabCache* cache_of(PageFrame const& frame);

private:
    struct SlabList {
        Slab* head { nullptr };
        usize count { 0 };
    };

    usize objects_offset_for(usize capacity) const;
    usize capacity_for(unsigned order) const;
    ErrorOr<Slab*> grow();
    void release_slab(Slab* slab);
    SlabList& list_for(usize in_use);
    SlabList const& list_for(usize in_use) const;
    void move_slab(Slab* slab, usize old_in_use);
    static void list_push(SlabList& list, Slab* slab);
    static void list_remove(SlabList& list, Slab* slab);
    u8* objects_of(Slab* slab) const;
    u64* bitmap_of(Slab* slab) const;
    bool check_slab(Slab* slab, SlabList const& list) const;

    const char* m_name;
    usize m_object_size;
    usize m_alignment;
    usize m_stride;
    unsigned m_slab_order { 0 };
    usize m_capacity { 0 };
    usize m_objects_offset { 0 };
    PageSource& m_source;

    SlabList m_partial;
    SlabList m_full;
    SlabList m_empty;
    usize m_objects_in_use { 0 };
    mutable Spinlock m_lock { "slab cache" };
};

}
