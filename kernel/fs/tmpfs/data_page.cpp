// tmpfs data pages over the page allocator (fs/tmpfs/data_page.h).
#include <fs/tmpfs/data_page.h>
#include <lib/string.h>
#include <mm/layout.h>
#include <mm/page_allocator.h>
#include <mm/page_ref.h>

#ifdef HANEUL_HOST
#include <stdlib.h>
#endif

namespace tmpfs {

namespace {

#ifdef HANEUL_HOST
// Host tests have no RAM behind the page allocator: the first use hands
// it 64 MiB of host memory (address space only until touched), kept for
// the life of the test process. Aligned to the largest buddy block so the
// blocks line up as they do over RAM.
constexpr u64 kHostArenaBytes = 64 * MiB;
// Kept reachable, so that leak checkers do not report it: the allocator
// itself remembers only page numbers.
void* s_host_arena;

void ensure_host_memory()
{
    static bool const ready = [] {
        auto& allocator = mm::page_allocator();
        if (allocator.total_pages() != 0)
            return true; // somebody else gave it memory
        constexpr u64 alignment = mm::kPageSize << mm::PageAllocator::kMaxOrder;
        void* arena = aligned_alloc(alignment, kHostArenaBytes);
        VERIFY(arena);
        s_host_arena = arena;
        u64 frame_count = kHostArenaBytes / mm::kPageSize;
        auto* frames = new mm::PageFrame[frame_count];
        PhysAddr start = mm::virt_to_phys(arena);
        allocator.init(frames, start >> mm::kPageShift, frame_count);
        allocator.add_free_range(start, start + kHostArenaBytes);
        return true;
    }();
    (void)ready;
}
#else
void ensure_host_memory() { }
#endif

PhysAddr physical(u8 const* page)
{
    VERIFY(is_aligned(reinterpret_cast<uptr>(page), mm::kPageSize));
    return mm::virt_to_phys(page);
}

}

ErrorOr<u8*> allocate_data_page()
{
    ensure_host_memory();
    PhysAddr page = TRY(mm::page_allocator().allocate(0));
    u8* data = mm::phys_to_virt<u8>(page);
    memset(data, 0, mm::kPageSize);
    return data;
}

void ref_data_page(u8* page)
{
    mm::page_ref(physical(page));
}

void unref_data_page(u8* page)
{
    mm::page_unref(physical(page));
}

u32 data_page_references(u8 const* page)
{
    return mm::page_ref_count(physical(page));
}

}
