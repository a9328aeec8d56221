// The physical page allocator (CONCEPTS A1): a binary buddy allocator over
// the PageFrame array, and PageSource, the seam through which the slab
// allocator and kmalloc get page blocks as memory they can write.
//
// Callers: boot (mm/memory.cpp) fills page_allocator() from the memory map;
// page tables, kernel stacks, the slab caches and kmalloc allocate from it.
//
// All bookkeeping lives in the PageFrame array: the allocator never reads or
// writes a free page, so it works before the direct map exists and on the
// host with no memory behind the "physical" addresses at all.
//
// Bringing it up (what mm/memory.cpp does):
//   1. frame_count = (highest usable address / kPageSize) - first_pfn
//   2. find frame_array_bytes(frame_count) bytes of usable RAM, outside the
//      kernel image and boot modules, and reach them through the direct map
//   3. init(frames, first_pfn, frame_count)        everything starts Reserved
//   4. add_free_range() for every Usable memory-map region
//   5. reserve_range() for the kernel image, boot modules, the multiboot
//      structure, the frame array itself, and page 0
//
// Locking: each PageAllocator has a spinlock (interrupts off while held)
// that allocate(), free(), add_free_range(), reserve_range(),
// check_invariants() and init() take, so any CPU and any context may call
// them. frame() and block_head() take no lock: they are for blocks the
// caller holds, whose frames nobody else changes. The counters are read
// without it (a snapshot). The lock is a leaf: nothing but the log (an
// invariant report) is called under it.
#pragma once

#include <arch/x86_64/spinlock.h>
#include <lib/error_or.h>
#include <lib/types.h>
#include <mm/layout.h>
#include <mm/page_frame.h>

namespace mm {

class PageAllocator {
public:
    static constexpr unsigned kMaxOrder = 10; // largest block: 2^10 pages = 4 MiB

    // Empty until init(): allocate() fails with ENOMEM, frame() finds nothing.
    constexpr PageAllocator()
    {
        for (auto& head : m_free_head)
            head = PageFrame::kNoFrame;
    }
    PageAllocator(PageAllocator const&) = delete;
    PageAllocator& operator=(PageAllocator const&) = delete;

    // Bytes of PageFrame array needed to manage `frame_count` pages.
    static constexpr u64 frame_array_bytes(u64 frame_count) { return frame_count * sizeof(PageFrame); }

    // Manage physical pages [first_pfn, first_pfn + frame_count) using
    // `frames` (frame_count entries, which init() overwrites). Every page
    // starts Reserved.
    void init(PageFrame* frames, u64 first_pfn, u64 frame_count);

    // Makes the whole pages inside [start, end) available. Pages outside the
    // managed range are ignored, and so are pages that are not Reserved, so
    // overlapping memory-map entries are harmless.
    void add_free_range(PhysAddr start, PhysAddr end);

    // Takes every page touching [start, end) out of the free lists, splitting
    // free blocks around it. Reserving a page twice is harmless; reserving a
    // page someone holds is a bug (VERIFY). Pages outside the managed range
    // are ignored.
    void reserve_range(PhysAddr start, PhysAddr end);

    // A naturally aligned block of 2^order pages, its refcount 1. ENOMEM when
    // no block that large is free (or order > kMaxOrder).
    ErrorOr<PhysAddr> allocate(unsigned order = 0);

    // Returns a block from allocate(); `order` must be the one it was
    // allocated with. Freeing anything else is a VERIFY failure.
    void free(PhysAddr address, unsigned order);

    // The frame of the page containing `address`; nullptr outside the managed range.
    PageFrame* frame(PhysAddr address);
    PageFrame const* frame(PhysAddr address) const;

    // The head frame of the block containing `address` (the frame itself for
    // a head or a Reserved page); nullptr outside the managed range.
    PageFrame* block_head(PhysAddr address);

    // The physical address of the page a frame describes.
    PhysAddr address_of(PageFrame const* frame) const;

    u64 total_pages() const { return m_frame_count; }
    u64 free_pages() const { return m_free_pages; }
    u64 reserved_pages() const { return m_reserved_pages; }
    u64 allocated_pages() const { return m_frame_count - m_free_pages - m_reserved_pages; }
    // Free blocks of one order (the numbers of Linux's /proc/buddyinfo).
    u64 free_blocks(unsigned order) const { return order <= kMaxOrder ? m_free_blocks[order] : 0; }

    // Walks every frame and every free list: consistent links, counts that
    // agree, every block aligned, in range and made of one head and its
    // tails, no two free buddies left unmerged. For tests; O(frames).
    bool check_invariants() const;

private:
    using State = PageFrame::State;

    PageFrame& frame_at_index(u64 index) { return m_frames[index]; }
    PageFrame const& frame_at_index(u64 index) const { return m_frames[index]; }
    bool manages_pfn(u64 pfn) const { return pfn >= m_first_pfn && pfn - m_first_pfn < m_frame_count; }
    PageFrame& frame_at_pfn(u64 pfn) { return m_frames[pfn - m_first_pfn]; }
    u64 head_pfn_of(u64 pfn) const;

    void push_free(u64 pfn, unsigned order);
    void remove_free(u64 pfn, unsigned order);
    void release_block(u64 pfn, unsigned order);
    void reserve_page(u64 pfn);

    PageFrame* m_frames { nullptr };
    u64 m_first_pfn { 0 };
    u64 m_frame_count { 0 };
    u64 m_free_pages { 0 };
    u64 m_reserved_pages { 0 };
    u32 m_free_head[kMaxOrder + 1] {};
    u64 m_free_blocks[kMaxOrder + 1] {};
    mutable Spinlock m_lock { "page allocator" };
};

// The kernel's one page allocator over all of RAM.
PageAllocator& page_allocator();

// Page blocks as memory a CPU can write: what slab caches and kmalloc are
// written against, so they run unchanged in the kernel (pages through the
// direct map) and in host tests (pages in a host arena).
class PageSource {
public:
    // A block of 2^order pages, aligned to its size in both address spaces.
    virtual ErrorOr<void*> allocate_pages(unsigned order) = 0;
    virtual void free_pages(void* block, unsigned order) = 0;
    // The head frame of the block containing `address`; nullptr when the
    // address is not in memory this source hands out.
    virtual PageFrame* block_frame(void const* address) = 0;

protected:
    // Not virtual: sources are never deleted through the interface, and a
    // trivial destructor keeps static sources free of exit-time hooks.
    ~PageSource() = default;
};

// A PageAllocator whose page at physical P is reachable at P + offset: the
// direct map in the kernel, a host arena in tests. The offset is a multiple
// of the largest block, so a block aligned to its size physically is so
// virtually too (slab and kmalloc rely on it).
class MappedPageSource final : public PageSource {
public:
    constexpr MappedPageSource(PageAllocator& allocator, uptr virtual_offset)
        : m_allocator(allocator)
        , m_offset(virtual_offset)
    {
        VERIFY(is_aligned(virtual_offset, kPageSize << PageAllocator::kMaxOrder));
    }

    ErrorOr<void*> allocate_pages(unsigned order) override;
    void free_pages(void* block, unsigned order) override;
    PageFrame* block_frame(void const* address) override;

    PageAllocator& allocator() { return m_allocator; }

private:
    PhysAddr to_phys(void const* address) const { return reinterpret_cast<uptr>(address) - m_offset; }

    PageAllocator& m_allocator;
    uptr m_offset;
};

// page_allocator() through the direct map (mm/layout.h): where the kernel's
// slab caches and kmalloc get their pages.
PageSource& kernel_page_source();

}
