// The buddy page allocator (kernel/mm/page_allocator.cpp) on the host. It
// never touches the pages it manages, so "physical memory" here is only a
// PageFrame array: addresses are numbers nothing dereferences.
// Targeted cases (split, merge, reserve, OOM, alignment, misuse) and long
// random allocate/free runs checked page by page against a model.
#include <gtest/gtest.h>
#include <mm/page_allocator.h>
#include <random>
#include <vector>

using mm::kPageSize;
using mm::PageAllocator;
using mm::PageFrame;

namespace {

constexpr unsigned kMaxOrder = PageAllocator::kMaxOrder;

constexpr PhysAddr page(u64 pfn) { return pfn * kPageSize; }
constexpr u64 pages_in(unsigned order) { return u64(1) << order; }

// An allocator and the frame array behind it.
struct Pages {
    std::vector<PageFrame> frames;
    PageAllocator allocator;

    Pages(u64 first_pfn, u64 count)
        : frames(count)
    {
        allocator.init(frames.data(), first_pfn, count);
    }

    std::vector<u64> buddyinfo() const
    {
        std::vector<u64> counts;
        for (unsigned order = 0; order <= kMaxOrder; ++order)
            counts.push_back(allocator.free_blocks(order));
        return counts;
    }
};

std::vector<u64> buddyinfo_with(std::initializer_list<std::pair<unsigned, u64>> entries)
{
    std::vector<u64> counts(kMaxOrder + 1, 0);
    for (auto [order, count] : entries)
        counts[order] = count;
    return counts;
}

TEST(PageAllocator, starts_with_every_page_reserved)
{
    Pages pages(0x100, 5000);
    auto& allocator = pages.allocator;
    EXPECT_EQ(allocator.total_pages(), 5000u);
    EXPECT_EQ(allocator.free_pages(), 0u);
    EXPECT_EQ(allocator.reserved_pages(), 5000u);
    EXPECT_TRUE(allocator.check_invariants());
    auto block = allocator.allocate(0);
    ASSERT_TRUE(block.is_error());
    EXPECT_EQ(block.error().code(), ENOMEM);
}

TEST(PageAllocator, an_uninitialised_allocator_has_nothing_to_give)
{
    PageAllocator allocator;
    EXPECT_TRUE(allocator.allocate(0).is_error());
    EXPECT_EQ(allocator.frame(0), nullptr);
    EXPECT_TRUE(allocator.check_invariants());
}

TEST(PageAllocator, aligned_range_becomes_max_order_blocks)
{
    Pages pages(0, 4096);
    pages.allocator.add_free_range(0, page(4096));
    EXPECT_EQ(pages.allocator.free_pages(), 4096u);
    EXPECT_EQ(pages.allocator.reserved_pages(), 0u);
    EXPECT_EQ(pages.buddyinfo(), buddyinfo_with({ { kMaxOrder, 4 } }));
    EXPECT_TRUE(pages.allocator.check_invariants());
}

TEST(PageAllocator, unaligned_range_is_rounded_inward_and_split_into_aligned_blocks)
{
    Pages pages(0, 2048);
    // Bytes [3 pages - 100, 1030 pages + 100): the partial pages at both ends are not usable.
    pages.allocator.add_free_range(page(3) - 100, page(1030) + 100);
    EXPECT_EQ(pages.allocator.free_pages(), 1027u);
    // 3 | 4-7 | 8-15 | ... | 512-1023 | 1024-1027 | 1028-1029
    EXPECT_EQ(pages.buddyinfo(), buddyinfo_with({ { 0, 1 }, { 1, 1 }, { 2, 2 }, { 3, 1 }, { 4, 1 }, { 5, 1 }, { 6, 1 }, { 7, 1 }, { 8, 1 }, { 9, 1 } }));
    EXPECT_TRUE(pages.allocator.check_invariants());
}

TEST(PageAllocator, ranges_added_in_pieces_coalesce_the_same)
{
    Pages whole(0, 2048);
    whole.allocator.add_free_range(page(0), page(2048));
    Pages pieces(0, 2048);
    // Backwards, overlapping and in odd sizes.
    for (u64 start = 2048; start > 0;) {
        u64 length = std::min<u64>(start, 37);
        pieces.allocator.add_free_range(page(start - length), page(start + 5 > 2048 ? 2048 : start + 5));
        start -= length;
    }
    EXPECT_EQ(pieces.buddyinfo(), whole.buddyinfo());
    EXPECT_EQ(pieces.allocator.free_pages(), 2048u);
    EXPECT_TRUE(pieces.allocator.check_invariants());
}

TEST(PageAllocator, ranges_outside_the_managed_pages_are_clipped)
{
    Pages pages(1000, 24); // pfns 1000..1023
    pages.allocator.add_free_range(0, page(5000));
    EXPECT_EQ(pages.allocator.free_pages(), 24u);
    pages.allocator.reserve_range(page(1020), page(9000));
    EXPECT_EQ(pages.allocator.free_pages(), 20u);
    pages.allocator.reserve_range(0, page(10));
    EXPECT_EQ(pages.allocator.free_pages(), 20u);
    EXPECT_EQ(pages.allocator.frame(page(999)), nullptr);
    EXPECT_EQ(pages.allocator.frame(page(1024)), nullptr);
    EXPECT_NE(pages.allocator.frame(page(1000)), nullptr);
    EXPECT_TRUE(pages.allocator.check_invariants());
}

TEST(PageAllocator, allocation_splits_and_freeing_merges_back)
{
    Pages pages(0, 1024);
    auto& allocator = pages.allocator;
    allocator.add_free_range(0, page(1024));
    auto first = allocator.allocate(0);
    ASSERT_FALSE(first.is_error());
    // One block split down to order 0: one free block of every smaller order is left.
    std::vector<u64> split(kMaxOrder + 1, 1);
    split[kMaxOrder] = 0;
    EXPECT_EQ(pages.buddyinfo(), split);
    EXPECT_EQ(allocator.free_pages(), 1023u);

    auto second = allocator.allocate(0);
    ASSERT_FALSE(second.is_error());
    EXPECT_EQ(first.value() ^ second.value(), kPageSize); // buddies
    EXPECT_EQ(allocator.free_blocks(0), 0u);
    EXPECT_TRUE(allocator.check_invariants());

    allocator.free(first.value(), 0);
    EXPECT_EQ(allocator.free_blocks(0), 1u);
    allocator.free(second.value(), 0);
    EXPECT_EQ(pages.buddyinfo(), buddyinfo_with({ { kMaxOrder, 1 } }));
    EXPECT_EQ(allocator.free_pages(), 1024u);
    EXPECT_TRUE(allocator.check_invariants());
}

TEST(PageAllocator, blocks_are_aligned_to_their_size)
{
    Pages pages(1, 8191); // first_pfn 1: the managed range itself is unaligned
    pages.allocator.add_free_range(page(1), page(8192));
    for (unsigned order = 0; order <= kMaxOrder; ++order) {
        auto block = pages.allocator.allocate(order);
        ASSERT_FALSE(block.is_error()) << "order " << order;
        EXPECT_EQ(block.value() % (kPageSize << order), 0u) << "order " << order;
        auto* frame = pages.allocator.frame(block.value());
        ASSERT_NE(frame, nullptr);
        EXPECT_EQ(frame->state, PageFrame::State::Allocated);
        EXPECT_EQ(frame->order, order);
        EXPECT_EQ(frame->refcount, 1u);
    }
    EXPECT_TRUE(pages.allocator.check_invariants());
}

TEST(PageAllocator, block_head_finds_the_head_from_any_page_of_a_block)
{
    Pages pages(0, 1024);
    pages.allocator.add_free_range(0, page(1024));
    auto block = pages.allocator.allocate(4);
    ASSERT_FALSE(block.is_error());
    auto* head = pages.allocator.frame(block.value());
    for (u64 i = 0; i < 16; ++i) {
        EXPECT_EQ(pages.allocator.block_head(block.value() + page(i) + 123), head);
        if (i > 0) {
            EXPECT_EQ(pages.allocator.frame(block.value() + page(i))->state, PageFrame::State::Tail);
        }
    }
    EXPECT_EQ(pages.allocator.address_of(head), block.value());
    EXPECT_EQ(pages.allocator.block_head(page(5000)), nullptr);
}

TEST(PageAllocator, reserve_in_the_middle_of_a_free_block_splits_around_it)
{
    Pages pages(0, 1024);
    auto& allocator = pages.allocator;
    allocator.add_free_range(0, page(1024));
    allocator.reserve_range(page(500), page(501));
    EXPECT_EQ(allocator.free_pages(), 1023u);
    EXPECT_EQ(allocator.reserved_pages(), 1u);
    EXPECT_EQ(allocator.frame(page(500))->state, PageFrame::State::Reserved);
    // 0-511 minus 500 is 0-255 | 256-383 | 384-447 | 448-479 | 480-495 | 496-499 | 501 | 502-503 | 504-511;
    // 512-1023 stays whole.
    EXPECT_EQ(pages.buddyinfo(), buddyinfo_with({ { 0, 1 }, { 1, 1 }, { 2, 1 }, { 3, 1 }, { 4, 1 }, { 5, 1 }, { 6, 1 }, { 7, 1 }, { 8, 1 }, { 9, 1 } }));
    EXPECT_EQ(allocator.frame(page(496))->order, 2u);
    EXPECT_EQ(allocator.frame(page(504))->order, 3u);
    EXPECT_TRUE(allocator.check_invariants());

    // Reserving it again changes nothing.
    allocator.reserve_range(page(500), page(501));
    EXPECT_EQ(allocator.free_pages(), 1023u);

    // Every other page can be allocated, that one never.
    std::vector<PhysAddr> all;
    while (true) {
        auto block = allocator.allocate(0);
        if (block.is_error())
            break;
        EXPECT_NE(block.value(), page(500));
        all.push_back(block.value());
    }
    EXPECT_EQ(all.size(), 1023u);
    for (auto address : all)
        allocator.free(address, 0);
    EXPECT_EQ(allocator.free_pages(), 1023u);
    EXPECT_TRUE(allocator.check_invariants());
}

TEST(PageAllocator, reserve_rounds_outward_to_whole_pages)
{
    Pages pages(0, 64);
    pages.allocator.add_free_range(0, page(64));
    pages.allocator.reserve_range(page(10) + 1, page(11) + 1); // touches pages 10 and 11
    EXPECT_EQ(pages.allocator.free_pages(), 62u);
    EXPECT_EQ(pages.allocator.frame(page(10))->state, PageFrame::State::Reserved);
    EXPECT_EQ(pages.allocator.frame(page(11))->state, PageFrame::State::Reserved);
    EXPECT_NE(pages.allocator.frame(page(12))->state, PageFrame::State::Reserved);
    EXPECT_TRUE(pages.allocator.check_invariants());
}

TEST(PageAllocator, reserving_a_large_region_then_adding_it_back_restores_everything)
{
    Pages pages(0, 4096);
    pages.allocator.add_free_range(0, page(4096));
    auto initial = pages.buddyinfo();
    pages.allocator.reserve_range(page(777), page(3333));
    EXPECT_EQ(pages.allocator.free_pages(), 4096u - (3333 - 777));
    EXPECT_TRUE(pages.allocator.check_invariants());
    pages.allocator.add_free_range(page(777), page(3333));
    EXPECT_EQ(pages.buddyinfo(), initial);
    EXPECT_TRUE(pages.allocator.check_invariants());
}

TEST(PageAllocator, out_of_memory_is_enomem)
{
    Pages pages(0, 64);
    auto& allocator = pages.allocator;
    allocator.add_free_range(page(8), page(16));
    auto block = allocator.allocate(3);
    ASSERT_FALSE(block.is_error());
    EXPECT_EQ(block.value(), page(8));
    auto none = allocator.allocate(0);
    ASSERT_TRUE(none.is_error());
    EXPECT_EQ(none.error().code(), ENOMEM);
    allocator.free(block.value(), 3);

    // Eight free pages, but no block of sixteen.
    auto too_big = allocator.allocate(4);
    ASSERT_TRUE(too_big.is_error());
    EXPECT_EQ(too_big.error().code(), ENOMEM);
    auto beyond_max = allocator.allocate(kMaxOrder + 1);
    ASSERT_TRUE(beyond_max.is_error());
    EXPECT_EQ(beyond_max.error().code(), ENOMEM);
    EXPECT_EQ(allocator.free_pages(), 8u);
}

TEST(PageAllocator, fragmented_memory_cannot_serve_a_large_block)
{
    Pages pages(0, 16);
    pages.allocator.add_free_range(0, page(16));
    std::vector<PhysAddr> blocks;
    for (int i = 0; i < 16; ++i)
        blocks.push_back(pages.allocator.allocate(0).release_value());
    for (int i = 0; i < 16; i += 2)
        pages.allocator.free(blocks[i], 0);
    EXPECT_EQ(pages.allocator.free_pages(), 8u);
    EXPECT_TRUE(pages.allocator.allocate(1).is_error());
    for (int i = 1; i < 16; i += 2)
        pages.allocator.free(blocks[i], 0);
    EXPECT_EQ(pages.buddyinfo(), buddyinfo_with({ { 4, 1 } }));
}

TEST(PageAllocator, page_zero_is_never_returned_unless_added)
{
    Pages pages(0, 256);
    pages.allocator.add_free_range(page(1), page(256));
    std::vector<PhysAddr> all;
    while (true) {
        auto block = pages.allocator.allocate(0);
        if (block.is_error())
            break;
        EXPECT_NE(block.value(), 0u);
        all.push_back(block.value());
    }
    EXPECT_EQ(all.size(), 255u);
}

TEST(PageAllocatorDeathTest, double_free_is_a_verify_failure)
{
    Pages pages(0, 64);
    pages.allocator.add_free_range(0, page(64));
    auto block = pages.allocator.allocate(0).release_value();
    pages.allocator.free(block, 0);
    EXPECT_DEATH(pages.allocator.free(block, 0), "VERIFY");
}

TEST(PageAllocatorDeathTest, double_free_after_a_merge_is_a_verify_failure)
{
    Pages pages(0, 64);
    pages.allocator.add_free_range(0, page(64));
    auto a = pages.allocator.allocate(0).release_value();
    auto b = pages.allocator.allocate(0).release_value();
    pages.allocator.free(a, 0);
    pages.allocator.free(b, 0); // merges with a; b's frame may now be a tail
    EXPECT_DEATH(pages.allocator.free(b, 0), "VERIFY");
    EXPECT_DEATH(pages.allocator.free(a, 0), "VERIFY");
}

TEST(PageAllocatorDeathTest, freeing_what_was_not_allocated_is_a_verify_failure)
{
    Pages pages(0, 64);
    pages.allocator.add_free_range(page(0), page(32));
    auto block = pages.allocator.allocate(2).release_value();
    EXPECT_DEATH(pages.allocator.free(block, 1), "VERIFY");             // wrong order
    EXPECT_DEATH(pages.allocator.free(block + kPageSize, 0), "VERIFY"); // a tail page
    EXPECT_DEATH(pages.allocator.free(page(40), 0), "VERIFY");          // reserved
    EXPECT_DEATH(pages.allocator.free(page(1000), 0), "VERIFY");        // not managed
    EXPECT_DEATH(pages.allocator.free(block + 8, 2), "VERIFY");         // not page aligned
}

TEST(PageAllocatorDeathTest, reserving_an_allocated_page_is_a_verify_failure)
{
    Pages pages(0, 64);
    pages.allocator.add_free_range(0, page(64));
    auto block = pages.allocator.allocate(3).release_value();
    EXPECT_DEATH(pages.allocator.reserve_range(block + page(5), block + page(6)), "VERIFY");
}

// A random run against a page-by-page model of who holds what.
class RandomRun {
public:
    enum Model : u8 { Unavailable, Free, Held };

    RandomRun(u64 first_pfn, u64 count, u32 seed)
        : m_pages(first_pfn, count)
        , m_model(count, Unavailable)
        , m_first_pfn(first_pfn)
        , m_random(seed)
    {
    }

    void add(u64 first, u64 last)
    {
        m_pages.allocator.add_free_range(page(first), page(last));
        for (u64 pfn = first; pfn < last; ++pfn) {
            if (model(pfn) == Unavailable) {
                model(pfn) = Free;
                ++m_model_free;
            }
        }
    }

    void reserve(u64 first, u64 last)
    {
        m_pages.allocator.reserve_range(page(first), page(last));
        for (u64 pfn = first; pfn < last; ++pfn) {
            ASSERT_NE(model(pfn), Held);
            if (model(pfn) == Free) {
                model(pfn) = Unavailable;
                --m_model_free;
            }
        }
    }

    unsigned random_order()
    {
        if (m_random() % 20 == 0)
            return m_random() % (kMaxOrder + 1);
        unsigned order = 0;
        while (order < kMaxOrder && m_random() % 2)
            ++order;
        return order;
    }

    // `operations` steps, alternating phases that fill memory (and so run
    // into ENOMEM) and drain it. With `reserve_sometimes`, a few steps
    // reserve pages that are free, as boot code might after a late discovery.
    void run(u64 operations, bool reserve_sometimes)
    {
        auto& allocator = m_pages.allocator;
        for (u64 step = 0; step < operations; ++step) {
            bool filling = (step / 5000) % 2 == 0;
            unsigned roll = m_random() % 100;
            if (reserve_sometimes && roll == 0) {
                reserve_random_free_pages();
            } else if (m_held.empty() || roll < (filling ? 75u : 30u)) {
                allocate_one(random_order());
            } else {
                free_one(m_random() % m_held.size());
            }
            ASSERT_EQ(allocator.free_pages(), m_model_free) << "step " << step;
            if (step % 2000 == 0) {
                ASSERT_TRUE(allocator.check_invariants()) << "step " << step;
            }
            if (HasFatalFailure())
                return;
        }
        EXPECT_GT(m_enomem_seen, 0u);
        EXPECT_GT(m_allocated_seen, 0u);
    }

    void free_everything()
    {
        while (!m_held.empty())
            free_one(m_random() % m_held.size());
    }

    Pages& pages() { return m_pages; }

private:
    static bool HasFatalFailure() { return ::testing::Test::HasFatalFailure(); }

    Model& model(u64 pfn) { return m_model[pfn - m_first_pfn]; }

    void allocate_one(unsigned order)
    {
        auto block = m_pages.allocator.allocate(order);
        if (block.is_error()) {
            ASSERT_EQ(block.error().code(), ENOMEM);
            // Consistent with the lists: nothing of this order or above is free.
            for (unsigned k = order; k <= kMaxOrder; ++k)
                ASSERT_EQ(m_pages.allocator.free_blocks(k), 0u);
            ++m_enomem_seen;
            return;
        }
        ++m_allocated_seen;
        PhysAddr address = block.value();
        ASSERT_EQ(address % (kPageSize << order), 0u) << "order " << order;
        u64 first = address / kPageSize;
        ASSERT_GE(first, m_first_pfn);
        ASSERT_LE(first + pages_in(order), m_first_pfn + m_model.size());
        for (u64 pfn = first; pfn < first + pages_in(order); ++pfn) {
            ASSERT_EQ(model(pfn), Free) << "pfn " << pfn << " handed out while " << int(model(pfn));
            model(pfn) = Held;
        }
        m_model_free -= pages_in(order);
        m_held.push_back({ address, order });
    }

    void free_one(usize index)
    {
        auto [address, order] = m_held[index];
        m_held[index] = m_held.back();
        m_held.pop_back();
        m_pages.allocator.free(address, order);
        for (u64 pfn = address / kPageSize; pfn < address / kPageSize + pages_in(order); ++pfn)
            model(pfn) = Free;
        m_model_free += pages_in(order);
    }

    void reserve_random_free_pages()
    {
        u64 length = 1 + m_random() % 20;
        u64 first = m_first_pfn + m_random() % (m_model.size() - length);
        for (u64 pfn = first; pfn < first + length; ++pfn) {
            if (model(pfn) == Held)
                return;
        }
        reserve(first, first + length);
    }

    Pages m_pages;
    std::vector<Model> m_model;
    u64 m_first_pfn;
    u64 m_model_free { 0 };
    std::vector<std::pair<PhysAddr, unsigned>> m_held;
    std::mt19937 m_random;
    u64 m_enomem_seen { 0 };
    u64 m_allocated_seen { 0 };
};

// A memory map in the spirit of a PC's: an unaligned start, holes, and
// unusable bits in the middle of usable regions.
void set_up_memory_map(RandomRun& run)
{
    run.add(0x3f, 0x9f);
    run.add(0x100, 0x1800);
    run.add(0x1805, 0x2ee3);
    run.reserve(0x100, 0x180);  // "kernel image"
    run.reserve(0x9a0, 0x9a3);  // "a boot module"
}

class PageAllocatorRandom : public ::testing::TestWithParam<u32> { };

TEST_P(PageAllocatorRandom, random_operations_agree_with_the_model_and_coalesce_fully_at_the_end)
{
    RandomRun run(0x37, 0x2f00 - 0x37, GetParam());
    set_up_memory_map(run);
    auto& allocator = run.pages().allocator;
    ASSERT_TRUE(allocator.check_invariants());
    auto initial = run.pages().buddyinfo();
    u64 initial_free = allocator.free_pages();

    run.run(200'000, false);
    if (HasFatalFailure())
        return;
    run.free_everything();
    EXPECT_EQ(allocator.free_pages(), initial_free);
    EXPECT_EQ(allocator.allocated_pages(), 0u);
    EXPECT_EQ(run.pages().buddyinfo(), initial);
    EXPECT_TRUE(allocator.check_invariants());
}

TEST_P(PageAllocatorRandom, random_operations_with_late_reservations_end_like_a_fresh_allocator)
{
    RandomRun run(0x37, 0x2f00 - 0x37, GetParam() * 7919u + 1);
    set_up_memory_map(run);
    run.run(200'000, true);
    if (HasFatalFailure())
        return;
    run.free_everything();
    auto& allocator = run.pages().allocator;
    EXPECT_TRUE(allocator.check_invariants());
    EXPECT_EQ(allocator.allocated_pages(), 0u);

    // Rebuild the same free set from scratch: same pages free, so the same
    // maximal blocks, if nothing was left split.
    Pages fresh(0x37, 0x2f00 - 0x37);
    u64 run_start = 0;
    bool in_run = false;
    for (u64 pfn = 0x37; pfn <= 0x2f00; ++pfn) {
        bool free = pfn < 0x2f00 && allocator.frame(page(pfn))->state != PageFrame::State::Reserved;
        if (free && !in_run)
            run_start = pfn;
        if (!free && in_run) {
            fresh.allocator.add_free_range(page(run_start), page(pfn));
        }
        in_run = free;
    }
    EXPECT_EQ(fresh.allocator.free_pages(), allocator.free_pages());
    EXPECT_EQ(run.pages().buddyinfo(), fresh.buddyinfo());
}

INSTANTIATE_TEST_SUITE_P(Seeds, PageAllocatorRandom, ::testing::Values(1u, 2u, 3u, 20240601u));

}
