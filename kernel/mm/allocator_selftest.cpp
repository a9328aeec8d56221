// In-kernel self-tests of the page allocator, slab caches, kmalloc and
// operator new (lib/selftest.h), run by the `test` boot against the real
// memory map: page_allocator() as boot filled it, pages reached through the
// direct map. The same code is tested exhaustively on the host
// (tests/host/page_allocator_test.cpp, slab_test.cpp, kmalloc_test.cpp);
// these check it is wired up right on the machine. Kernel-only.
#include <lib/selftest.h>
#include <lib/string.h>
#include <mm/kmalloc.h>
#include <mm/layout.h>
#include <mm/page_allocator.h>
#include <mm/slab.h>

using namespace mm;

KERNEL_TEST(page_allocator_invariants_hold_after_boot)
{
    auto& pages = page_allocator();
    EXPECT(pages.total_pages() > 0);
    EXPECT(pages.free_pages() > 0);
    EXPECT(pages.check_invariants());
}

KERNEL_TEST(allocate_and_free_pages_restores_free_count)
{
    auto& pages = page_allocator();
    u64 free_before = pages.free_pages();
    PhysAddr blocks[8];
    for (unsigned order = 0; order < 8; ++order) {
        auto block = pages.allocate(order);
        EXPECT(!block.is_error());
        blocks[order] = block.value();
    }
    EXPECT_EQ(pages.free_pages(), free_before - 255);
    for (unsigned order = 0; order < 8; ++order)
        pages.free(blocks[order], order);
    EXPECT_EQ(pages.free_pages(), free_before);
    EXPECT(pages.check_invariants());
}

KERNEL_TEST(pages_are_distinct_and_aligned_per_order)
{
    auto& pages = page_allocator();
    constexpr unsigned kBlocks = PageAllocator::kMaxOrder + 1;
    PhysAddr blocks[kBlocks];
    for (unsigned order = 0; order < kBlocks; ++order) {
        auto block = pages.allocate(order);
        EXPECT(!block.is_error());
        blocks[order] = block.value();
        EXPECT(blocks[order] != 0);
        EXPECT(is_aligned(blocks[order], kPageSize << order));
    }
    for (unsigned a = 0; a < kBlocks; ++a) {
        for (unsigned b = a + 1; b < kBlocks; ++b) {
            bool apart = blocks[a] + (kPageSize << a) <= blocks[b] || blocks[b] + (kPageSize << b) <= blocks[a];
            EXPECT(apart);
        }
    }
    for (unsigned order = 0; order < kBlocks; ++order)
        pages.free(blocks[order], order);
    EXPECT(pages.check_invariants());
}

KERNEL_TEST(allocated_pages_are_writable_through_the_direct_map)
{
    auto& pages = page_allocator();
    auto block = pages.allocate(1);
    EXPECT(!block.is_error());
    auto* bytes = phys_to_virt<u8>(block.value());
    for (usize i = 0; i < 2 * kPageSize; ++i)
        bytes[i] = static_cast<u8>(i * 7 + 3);
    bool intact = true;
    for (usize i = 0; i < 2 * kPageSize; ++i)
        intact = intact && bytes[i] == static_cast<u8>(i * 7 + 3);
    pages.free(block.value(), 1);
    EXPECT(intact);
}

KERNEL_TEST(kmalloc_objects_do_not_overlap)
{
    constexpr usize kCount = 96;
    u8* objects[kCount];
    usize sizes[kCount];
    for (usize i = 0; i < kCount; ++i) {
        sizes[i] = 1 + (i * 97) % 3000; // every size class, and some large blocks
        objects[i] = static_cast<u8*>(kmalloc(sizes[i]));
        EXPECT(objects[i] != nullptr);
        EXPECT(kmalloc_usable_size(objects[i]) >= sizes[i]);
        memset(objects[i], static_cast<int>(i + 1), sizes[i]);
    }
    bool intact = true;
    for (usize i = 0; i < kCount; ++i) {
        for (usize j = 0; j < sizes[i]; ++j)
            intact = intact && objects[i][j] == static_cast<u8>(i + 1);
    }
    for (usize i = 0; i < kCount; ++i)
        kfree(objects[i]);
    EXPECT(intact);
    EXPECT(kmalloc_check_invariants());
}

KERNEL_TEST(kmalloc_returns_null_when_memory_runs_out)
{
    auto& pages = page_allocator();
    kmalloc_shrink();
    u64 free_before = pages.free_pages();
    usize bytes_before = kmalloc_stats().bytes_in_use;

    // Every block holds the link to the one before, so exhausting memory
    // needs no memory to remember what to free.
    struct Link {
        Link* next;
    };
    Link* chain = nullptr;
    usize allocations = 0;
    for (usize size = 1 * MiB; size >= kKmallocMinClassSize; size /= 2) {
        while (void* pointer = kmalloc(size)) {
            auto* link = static_cast<Link*>(pointer);
            link->next = chain;
            chain = link;
            ++allocations;
        }
    }
    u64 free_when_exhausted = pages.free_pages();
    void* one_more = kmalloc(kKmallocMinClassSize);
    while (chain) {
        Link* next = chain->next;
        kfree(chain);
        chain = next;
    }
    kmalloc_shrink();
    EXPECT(allocations > 0);
    EXPECT(one_more == nullptr);
    EXPECT_EQ(free_when_exhausted, 0u);
    EXPECT_EQ(pages.free_pages(), free_before);
    EXPECT_EQ(kmalloc_stats().bytes_in_use, bytes_before);
    EXPECT(pages.check_invariants());
}

KERNEL_TEST(kmalloc_refuses_requests_larger_than_any_block)
{
    EXPECT(kmalloc((kPageSize << PageAllocator::kMaxOrder) + 1) == nullptr);
    EXPECT(kmalloc(~usize(0)) == nullptr);
    EXPECT(kmalloc_aligned(64, ~usize(0) / 2 + 1) == nullptr);
}

KERNEL_TEST(slab_returns_empty_slabs)
{
    auto& pages = page_allocator();
    u64 free_before = pages.free_pages();
    SlabCache cache("selftest-200", 200, 8, kernel_page_source());
    usize count = cache.objects_per_slab() * 3;
    constexpr usize kMaxObjects = 256;
    EXPECT(count <= kMaxObjects);
    void* objects[kMaxObjects];
    for (usize i = 0; i < count; ++i) {
        auto object = cache.allocate();
        EXPECT(!object.is_error());
        objects[i] = object.value();
    }
    EXPECT_EQ(cache.stats().slabs, 3u);
    for (usize i = 0; i < count; ++i)
        cache.free(objects[i]);
    // One empty slab stays for the next allocation; the others went back.
    EXPECT_EQ(cache.stats().slabs, 1u);
    EXPECT(cache.check_invariants());
    cache.release_empty_slabs();
    EXPECT_EQ(cache.stats().slabs, 0u);
    EXPECT_EQ(pages.free_pages(), free_before);
}

KERNEL_TEST(kzalloc_zeroes_and_kfree_accepts_null)
{
    kfree(nullptr);
    auto* dirty = static_cast<u8*>(kmalloc(512));
    EXPECT(dirty != nullptr);
    memset(dirty, 0xa5, 512);
    kfree(dirty);
    auto* clean = static_cast<u8*>(kzalloc(512));
    EXPECT(clean != nullptr);
    bool zero = true;
    for (usize i = 0; i < 512; ++i)
        zero = zero && clean[i] == 0;
    kfree(clean);
    EXPECT(zero);
}

namespace {
struct SelftestObject {
    u64 words[5];
};
struct alignas(256) SelftestAligned {
    u8 bytes[40];
};
}

KERNEL_TEST(new_and_delete_go_through_kmalloc)
{
    usize before = kmalloc_stats().bytes_in_use;
    auto* object = new SelftestObject {};
    EXPECT(object != nullptr);
    EXPECT(kmalloc_stats().bytes_in_use > before);
    delete object;
    auto* array = new u32[1000];
    EXPECT(array != nullptr);
    delete[] array;
    auto* aligned = new SelftestAligned;
    EXPECT(aligned != nullptr);
    EXPECT(is_aligned(reinterpret_cast<uptr>(aligned), 256));
    delete aligned;
    EXPECT_EQ(kmalloc_stats().bytes_in_use, before);
}
