// kmalloc/kfree (kernel/mm/kmalloc.cpp) on the host: each test starts
// kmalloc over a fresh arena of host memory managed by a real buddy
// allocator. Size classes, alignment, large blocks, running out, stats for
// leak checks, misuse, and long random runs with pattern-filled objects.
#include <algorithm>
#include <gtest/gtest.h>
#include <mm/kmalloc.h>
#include <mm/slab.h>
#include <random>
#include <stdlib.h>
#include <string.h>
#include <vector>

using mm::kPageSize;
using mm::MappedPageSource;
using mm::PageAllocator;
using mm::PageFrame;

namespace {

constexpr usize kLargestBlock = kPageSize << PageAllocator::kMaxOrder;

// `pages` pages of host memory managed by a PageAllocator, as if they were
// physical memory at kPhysicalBase.
class Arena {
public:
    static constexpr PhysAddr kPhysicalBase = 0x80000000;

    explicit Arena(usize pages)
        : m_bytes(align_up(pages * kPageSize, kLargestBlock))
        , m_memory(static_cast<u8*>(aligned_alloc(kLargestBlock, m_bytes)))
        , m_frames(pages)
        , m_source(m_allocator, reinterpret_cast<uptr>(m_memory) - kPhysicalBase)
    {
        m_allocator.init(m_frames.data(), kPhysicalBase / kPageSize, pages);
        m_allocator.add_free_range(kPhysicalBase, kPhysicalBase + pages * kPageSize);
    }
    ~Arena() { ::free(m_memory); }
    Arena(Arena const&) = delete;
    Arena& operator=(Arena const&) = delete;

    PageAllocator& allocator() { return m_allocator; }
    MappedPageSource& source() { return m_source; }

private:
    usize m_bytes;
    u8* m_memory;
    std::vector<PageFrame> m_frames;
    PageAllocator m_allocator;
    MappedPageSource m_source;
};

class Kmalloc : public ::testing::Test {
protected:
    static constexpr usize kArenaPages = 4096; // 16 MiB

    Kmalloc()
        : m_arena(kArenaPages)
    {
        kmalloc_init(m_arena.source());
    }

    PageAllocator& pages() { return m_arena.allocator(); }
    MappedPageSource& source() { return m_arena.source(); }

    Arena m_arena;
};

using KmallocDeathTest = Kmalloc;

TEST_F(Kmalloc, small_requests_get_the_smallest_class_that_fits)
{
    struct Case {
        usize request;
        usize usable;
    };
    for (auto [request, usable] : { Case { 1, 16 }, Case { 16, 16 }, Case { 17, 32 }, Case { 100, 128 }, Case { 128, 128 },
             Case { 129, 256 }, Case { 1000, 1024 }, Case { 2047, 2048 }, Case { 2048, 2048 } }) {
        void* pointer = kmalloc(request);
        ASSERT_NE(pointer, nullptr);
        EXPECT_EQ(kmalloc_usable_size(pointer), usable) << "request " << request;
        // Aligned to the class size.
        EXPECT_EQ(reinterpret_cast<uptr>(pointer) % usable, 0u) << "request " << request;
        kfree(pointer);
    }
    EXPECT_EQ(kmalloc_stats().bytes_in_use, 0u);
}

TEST_F(Kmalloc, size_zero_gives_distinct_valid_pointers)
{
    void* a = kmalloc(0);
    void* b = kmalloc(0);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_NE(a, b);
    kfree(a);
    kfree(b);
}

TEST_F(Kmalloc, large_requests_are_page_blocks)
{
    u64 free_before = pages().free_pages();
    void* one_page = kmalloc(2049);
    void* two_pages = kmalloc(5000);
    void* five_pages = kmalloc(5 * kPageSize); // rounded up to a block of eight
    void* largest = kmalloc(kLargestBlock);
    ASSERT_NE(one_page, nullptr);
    ASSERT_NE(two_pages, nullptr);
    ASSERT_NE(five_pages, nullptr);
    ASSERT_NE(largest, nullptr);
    EXPECT_EQ(kmalloc_usable_size(one_page), kPageSize);
    EXPECT_EQ(kmalloc_usable_size(two_pages), 2 * kPageSize);
    EXPECT_EQ(kmalloc_usable_size(five_pages), 8 * kPageSize);
    EXPECT_EQ(kmalloc_usable_size(largest), kLargestBlock);
    EXPECT_EQ(reinterpret_cast<uptr>(five_pages) % (8 * kPageSize), 0u);
    EXPECT_EQ(reinterpret_cast<uptr>(largest) % kLargestBlock, 0u);
    memset(largest, 0x5a, kLargestBlock);

    auto stats = kmalloc_stats();
    EXPECT_EQ(stats.large_blocks, 4u);
    EXPECT_EQ(stats.large_bytes, (1 + 2 + 8) * kPageSize + kLargestBlock);
    EXPECT_EQ(stats.bytes_in_use, stats.large_bytes);
    EXPECT_EQ(pages().free_pages(), free_before - 11 - 1024);

    kfree(one_page);
    kfree(two_pages);
    kfree(five_pages);
    kfree(largest);
    EXPECT_EQ(kmalloc_stats().large_blocks, 0u);
    EXPECT_EQ(pages().free_pages(), free_before);
    EXPECT_TRUE(pages().check_invariants());
}

TEST_F(Kmalloc, requests_beyond_the_largest_block_are_refused)
{
    EXPECT_EQ(kmalloc(kLargestBlock + 1), nullptr);
    EXPECT_EQ(kmalloc(~usize(0)), nullptr);
    EXPECT_EQ(kzalloc(~usize(0) - 5), nullptr);
    EXPECT_EQ(kmalloc_aligned(~usize(0), 16), nullptr);
    EXPECT_EQ(kmalloc_aligned(16, kLargestBlock * 2), nullptr);
    EXPECT_EQ(kmalloc_stats().bytes_in_use, 0u);
}

TEST_F(Kmalloc, kzalloc_zeroes_reused_memory)
{
    for (usize size : { 24u, 700u, 9000u }) {
        auto* dirty = static_cast<u8*>(kmalloc(size));
        ASSERT_NE(dirty, nullptr);
        memset(dirty, 0xee, size);
        kfree(dirty);
        auto* clean = static_cast<u8*>(kzalloc(size));
        ASSERT_EQ(clean, dirty) << "expected the freed memory back";
        for (usize i = 0; i < size; ++i)
            ASSERT_EQ(clean[i], 0) << "size " << size << " byte " << i;
        kfree(clean);
    }
}

TEST_F(Kmalloc, aligned_requests_are_aligned)
{
    std::vector<void*> pointers;
    for (usize alignment = 1; alignment <= 1 * MiB; alignment *= 2) {
        for (usize size : { 1u, 24u, 100u, 3000u }) {
            void* pointer = kmalloc_aligned(size, alignment);
            ASSERT_NE(pointer, nullptr);
            EXPECT_EQ(reinterpret_cast<uptr>(pointer) % alignment, 0u) << "size " << size << " alignment " << alignment;
            EXPECT_GE(kmalloc_usable_size(pointer), size);
            pointers.push_back(pointer);
        }
    }
    for (void* pointer : pointers)
        kfree(pointer);
    EXPECT_EQ(kmalloc_stats().bytes_in_use, 0u);
}

TEST_F(Kmalloc, kfree_of_null_does_nothing)
{
    kfree(nullptr);
    EXPECT_EQ(kmalloc_stats().bytes_in_use, 0u);
}

TEST_F(Kmalloc, stats_count_bytes_per_class)
{
    std::vector<void*> pointers;
    for (int i = 0; i < 10; ++i)
        pointers.push_back(kmalloc(20)); // class 32
    for (int i = 0; i < 3; ++i)
        pointers.push_back(kmalloc(600)); // class 1024
    auto stats = kmalloc_stats();
    EXPECT_EQ(stats.classes[0].object_size, 16u);
    EXPECT_EQ(stats.classes[0].objects_in_use, 0u);
    EXPECT_EQ(stats.classes[1].object_size, 32u);
    EXPECT_EQ(stats.classes[1].objects_in_use, 10u);
    EXPECT_EQ(stats.classes[1].bytes_in_use, 320u);
    EXPECT_EQ(stats.classes[6].object_size, 1024u);
    EXPECT_EQ(stats.classes[6].bytes_in_use, 3072u);
    EXPECT_EQ(stats.bytes_in_use, 320u + 3072u);
    EXPECT_GE(stats.bytes_from_pages, stats.bytes_in_use);
    EXPECT_EQ(stats.bytes_from_pages, (kArenaPages - pages().free_pages()) * kPageSize);
    for (void* pointer : pointers)
        kfree(pointer);
    EXPECT_EQ(kmalloc_stats().bytes_in_use, 0u);
}

TEST_F(Kmalloc, shrink_gives_every_page_back)
{
    u64 free_before = pages().free_pages();
    std::vector<void*> pointers;
    for (usize size = 1; size <= 2048; size = size * 3 + 1) {
        for (int i = 0; i < 50; ++i)
            pointers.push_back(kmalloc(size));
    }
    for (void* pointer : pointers)
        kfree(pointer);
    EXPECT_LT(pages().free_pages(), free_before); // one empty slab kept per class
    kmalloc_shrink();
    EXPECT_EQ(pages().free_pages(), free_before);
    EXPECT_EQ(kmalloc_stats().bytes_from_pages, 0u);
}

TEST_F(Kmalloc, returns_null_when_memory_runs_out_and_recovers)
{
    u64 free_before = pages().free_pages();
    std::vector<void*> pointers;
    for (usize size = 1 * MiB; size >= kKmallocMinClassSize; size /= 2) {
        while (void* pointer = kmalloc(size))
            pointers.push_back(pointer);
    }
    EXPECT_EQ(pages().free_pages(), 0u);
    EXPECT_EQ(kmalloc(1), nullptr);
    EXPECT_EQ(kmalloc(100000), nullptr);
    EXPECT_EQ(kzalloc(8), nullptr);
    for (void* pointer : pointers)
        kfree(pointer);
    EXPECT_EQ(kmalloc_stats().bytes_in_use, 0u);
    kmalloc_shrink();
    EXPECT_EQ(pages().free_pages(), free_before);
    EXPECT_TRUE(pages().check_invariants());
    EXPECT_TRUE(kmalloc_check_invariants());
    EXPECT_NE(kmalloc(1), nullptr);
}

TEST_F(KmallocDeathTest, double_free_is_a_verify_failure)
{
    void* small = kmalloc(40);
    void* keep = kmalloc(40);
    kfree(small);
    EXPECT_DEATH(kfree(small), "VERIFY");
    void* large = kmalloc(10000);
    kfree(large);
    EXPECT_DEATH(kfree(large), "VERIFY");
    kfree(keep);
}

TEST_F(KmallocDeathTest, freeing_what_kmalloc_did_not_return_is_a_verify_failure)
{
    auto* small = static_cast<u8*>(kmalloc(64));
    auto* large = static_cast<u8*>(kmalloc(3 * kPageSize));
    EXPECT_DEATH(kfree(small + 16), "VERIFY");          // inside an object
    EXPECT_DEATH(kfree(large + kPageSize), "VERIFY");   // inside a large block
    int on_the_stack = 0;
    EXPECT_DEATH(kfree(&on_the_stack), "VERIFY");       // not from the page source
    void* page = source().allocate_pages(0).release_value();
    EXPECT_DEATH(kfree(page), "VERIFY");                // a page block kmalloc never handed out
    mm::SlabCache private_cache("private", 64, 64, source());
    void* theirs = private_cache.allocate().release_value();
    EXPECT_DEATH(kfree(theirs), "VERIFY");              // another slab cache's object
}

TEST_F(KmallocDeathTest, freeing_a_kmalloc_block_to_the_page_allocator_is_a_verify_failure)
{
    void* large = kmalloc(3 * kPageSize); // an order-2 block
    PageFrame* frame = source().block_frame(large);
    ASSERT_NE(frame, nullptr);
    EXPECT_DEATH(pages().free(pages().address_of(frame), 2), "VERIFY");
}

// Words naming the allocation fill it, so overlap or corruption shows when
// it is freed.
u64 pattern_word(u64 id, usize index) { return id * 0x9e3779b97f4a7c15ull + index * 0x3b; }

void fill(void* pointer, usize size, u64 id)
{
    auto* bytes = static_cast<u8*>(pointer);
    for (usize i = 0; i + 8 <= size; i += 8) {
        u64 word = pattern_word(id, i);
        memcpy(bytes + i, &word, 8);
    }
    for (usize i = size & ~usize(7); i < size; ++i)
        bytes[i] = static_cast<u8>(pattern_word(id, i) >> 56);
}

bool intact(void const* pointer, usize size, u64 id)
{
    auto const* bytes = static_cast<u8 const*>(pointer);
    for (usize i = 0; i + 8 <= size; i += 8) {
        u64 word;
        memcpy(&word, bytes + i, 8);
        if (word != pattern_word(id, i))
            return false;
    }
    for (usize i = size & ~usize(7); i < size; ++i) {
        if (bytes[i] != static_cast<u8>(pattern_word(id, i) >> 56))
            return false;
    }
    return true;
}

class KmallocRandom : public ::testing::TestWithParam<u32> { };

TEST_P(KmallocRandom, random_operations_never_overlap_or_corrupt_and_leave_no_leak)
{
    Arena arena(2048); // 8 MiB, so the fill phases run out
    kmalloc_init(arena.source());
    u64 free_before = arena.allocator().free_pages();

    struct Live {
        void* pointer;
        usize size;
        u64 id;
    };
    std::vector<Live> live;
    std::mt19937_64 random(GetParam());
    u64 next_id = 1;
    u64 failures = 0;
    usize model_bytes = 0; // usable bytes of everything live
    auto random_size = [&]() -> usize {
        unsigned roll = random() % 100;
        if (roll < 60)
            return random() % 128;
        if (roll < 90)
            return random() % 2048 + 1;
        if (roll < 99)
            return random() % 20000 + 1;
        return random() % (512 * KiB) + 1;
    };
    for (u64 step = 0; step < 200'000; ++step) {
        bool filling = (step / 4000) % 2 == 0;
        if (live.empty() || random() % 100 < (filling ? 70u : 35u)) {
            usize size = random_size();
            bool zeroed = random() % 8 == 0;
            void* pointer = zeroed ? kzalloc(size) : kmalloc(size);
            if (!pointer) {
                ++failures;
                continue;
            }
            usize usable = kmalloc_usable_size(pointer);
            ASSERT_GE(usable, size);
            if (zeroed) {
                auto* bytes = static_cast<u8 const*>(pointer);
                ASSERT_TRUE(std::all_of(bytes, bytes + size, [](u8 byte) { return byte == 0; }));
            }
            fill(pointer, size, next_id);
            live.push_back({ pointer, size, next_id++ });
            model_bytes += usable;
        } else {
            usize index = random() % live.size();
            Live victim = live[index];
            live[index] = live.back();
            live.pop_back();
            ASSERT_TRUE(intact(victim.pointer, victim.size, victim.id)) << "allocation " << victim.id;
            model_bytes -= kmalloc_usable_size(victim.pointer);
            kfree(victim.pointer);
        }
        if (step % 5000 == 0) {
            ASSERT_EQ(kmalloc_stats().bytes_in_use, model_bytes) << "step " << step;
            ASSERT_TRUE(kmalloc_check_invariants()) << "step " << step;
            ASSERT_TRUE(arena.allocator().check_invariants()) << "step " << step;
        }
    }
    EXPECT_GT(failures, 0u);
    for (auto const& survivor : live) {
        ASSERT_TRUE(intact(survivor.pointer, survivor.size, survivor.id));
        kfree(survivor.pointer);
    }
    EXPECT_EQ(kmalloc_stats().bytes_in_use, 0u);
    EXPECT_EQ(kmalloc_stats().large_blocks, 0u);
    kmalloc_shrink();
    EXPECT_EQ(arena.allocator().free_pages(), free_before);
    EXPECT_TRUE(arena.allocator().check_invariants());
}

INSTANTIATE_TEST_SUITE_P(Seeds, KmallocRandom, ::testing::Values(21u, 22u, 23u));

}
