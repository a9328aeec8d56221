// Shared physical pages: a page mapped by several address spaces (after a
// copy-on-write fork, or a shared mapping) counts its mappings in its
// PageFrame's refcount; the last unmapping frees it. Allocation gives a
// count of one.
#pragma once

#include <lib/error_or.h>
#include <mm/page_allocator.h>

namespace mm {

inline void page_ref(PhysAddr page)
{
    auto* frame = page_allocator().frame(page);
    VERIFY(frame);
    __atomic_add_fetch(&frame->refcount, 1, __ATOMIC_RELAXED);
}

// Drops one reference; frees the page when it was the last.
inline void page_unref(PhysAddr page)
{
    auto* frame = page_allocator().frame(page);
    VERIFY(frame);
    u32 left = __atomic_sub_fetch(&frame->refcount, 1, __ATOMIC_ACQ_REL);
    if (left == 0) {
        frame->refcount = 1; // free() expects an allocated block
        page_allocator().free(page, 0);
    }
}

inline u32 page_ref_count(PhysAddr page)
{
    auto* frame = page_allocator().frame(page);
    return frame ? __atomic_load_n(&frame->refcount, __ATOMIC_ACQUIRE) : 0;
}

// A zero-filled page with a count of one.
ErrorOr<PhysAddr> allocate_zeroed_page();

}
