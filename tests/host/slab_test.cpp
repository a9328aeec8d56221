// Slab caches (kernel/mm/slab.cpp) on the host, over a real buddy allocator
// whose "physical" pages are a host arena (a MappedPageSource with the
// arena's offset). Layout, growth and release of slabs, misuse, and long
// random runs with pattern-filled objects that show any overlap or
// corruption.
#include <gtest/gtest.h>
#include <memory>
#include <mm/slab.h>
#include <random>
#include <stdlib.h>
#include <string.h>
#include <unordered_set>
#include <vector>

using mm::kPageSize;
using mm::MappedPageSource;
using mm::PageAllocator;
using mm::PageFrame;
using mm::SlabCache;

namespace {

// `pages` pages of host memory managed by a PageAllocator, as if they were
// physical memory at kPhysicalBase.
class Arena {
public:
    static constexpr PhysAddr kPhysicalBase = 0x40000000;
    static constexpr usize kBlockAlignment = kPageSize << PageAllocator::kMaxOrder;

    explicit Arena(usize pages)
        : m_bytes(align_up(pages * kPageSize, kBlockAlignment))
        , m_memory(static_cast<u8*>(aligned_alloc(kBlockAlignment, m_bytes)))
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
    bool contains(void const* pointer, usize size) const
    {
        auto* p = static_cast<u8 const*>(pointer);
        return p >= m_memory && p + size <= m_memory + m_bytes;
    }

private:
    usize m_bytes;
    u8* m_memory;
    std::vector<PageFrame> m_frames;
    PageAllocator m_allocator;
    MappedPageSource m_source;
};

TEST(SlabCache, layout_fits_in_the_slab_and_wastes_little)
{
    Arena arena(16);
    for (usize size : { 1u, 8u, 12u, 16u, 24u, 40u, 64u, 100u, 192u, 256u, 500u, 1000u, 1024u, 2048u, 3000u, 4096u, 8000u }) {
        for (usize alignment : { 1u, 8u, 16u, 64u, 4096u }) {
            SlabCache cache("layout", size, alignment, arena.source());
            usize slab_bytes = kPageSize << cache.slab_order();
            EXPECT_LE(cache.slab_order(), SlabCache::kMaxSlabOrder);
            EXPECT_GE(cache.objects_per_slab(), 1u);
            EXPECT_GE(cache.object_stride(), size);
            EXPECT_EQ(cache.object_stride() % alignment, 0u);
            EXPECT_LE(cache.objects_per_slab() * cache.object_stride(), slab_bytes);
            // Small objects in small alignments waste at most an eighth of a slab.
            if (size <= 1024 && alignment <= 64) {
                EXPECT_LE((slab_bytes - cache.objects_per_slab() * cache.object_stride()) * 8, slab_bytes)
                    << "size " << size << " alignment " << alignment;
            }
        }
    }
}

TEST(SlabCache, objects_are_distinct_aligned_and_inside_slab_pages)
{
    Arena arena(256);
    SlabCache cache("aligned-48", 48, 64, arena.source());
    std::vector<void*> objects;
    std::unordered_set<uptr> seen;
    for (usize i = 0; i < cache.objects_per_slab() * 4 + 3; ++i) {
        auto object = cache.allocate();
        ASSERT_FALSE(object.is_error());
        auto address = reinterpret_cast<uptr>(object.value());
        EXPECT_EQ(address % 64, 0u);
        EXPECT_TRUE(arena.contains(object.value(), 48));
        EXPECT_TRUE(seen.insert(address).second);
        auto* frame = arena.source().block_frame(object.value());
        ASSERT_NE(frame, nullptr);
        EXPECT_EQ(frame->state, PageFrame::State::Slab);
        EXPECT_EQ(SlabCache::cache_of(*frame), &cache);
        objects.push_back(object.value());
    }
    EXPECT_EQ(cache.stats().slabs, 5u);
    EXPECT_EQ(cache.stats().objects_in_use, objects.size());
    EXPECT_TRUE(cache.check_invariants());
    for (void* object : objects)
        cache.free(object);
    cache.release_empty_slabs();
}

TEST(SlabCache, objects_of_a_multi_page_slab_are_found_from_any_page)
{
    Arena arena(256);
    SlabCache cache("big-1500", 1500, 8, arena.source());
    ASSERT_GT(cache.slab_order(), 0u);
    std::vector<void*> objects;
    for (usize i = 0; i < cache.objects_per_slab(); ++i)
        objects.push_back(cache.allocate().release_value());
    EXPECT_EQ(cache.stats().slabs, 1u);
    // Objects in later pages of the block free through the block's head frame.
    for (auto it = objects.rbegin(); it != objects.rend(); ++it)
        cache.free(*it);
    EXPECT_EQ(cache.stats().objects_in_use, 0u);
    EXPECT_TRUE(cache.check_invariants());
    cache.release_empty_slabs();
}

TEST(SlabCache, empty_slabs_beyond_one_go_back_to_the_page_allocator)
{
    Arena arena(256);
    auto& allocator = arena.allocator();
    u64 free_before = allocator.free_pages();
    SlabCache cache("obj-100", 100, 8, arena.source());
    u64 slab_pages = u64(1) << cache.slab_order();
    std::vector<void*> objects;
    for (usize i = 0; i < cache.objects_per_slab() * 3; ++i)
        objects.push_back(cache.allocate().release_value());
    EXPECT_EQ(cache.stats().slabs, 3u);
    EXPECT_EQ(cache.stats().empty_slabs, 0u);
    EXPECT_EQ(allocator.free_pages(), free_before - 3 * slab_pages);
    EXPECT_EQ(cache.stats().slab_bytes, 3 * slab_pages * kPageSize);

    for (void* object : objects)
        cache.free(object);
    auto stats = cache.stats();
    EXPECT_EQ(stats.objects_in_use, 0u);
    EXPECT_EQ(stats.slabs, 1u);
    EXPECT_EQ(stats.empty_slabs, 1u);
    EXPECT_EQ(allocator.free_pages(), free_before - slab_pages);

    // The kept slab serves the next allocation without a page allocation.
    void* again = cache.allocate().release_value();
    EXPECT_EQ(allocator.free_pages(), free_before - slab_pages);
    cache.free(again);

    cache.release_empty_slabs();
    EXPECT_EQ(cache.stats().slabs, 0u);
    EXPECT_EQ(allocator.free_pages(), free_before);
    EXPECT_EQ(allocator.allocated_pages(), 0u);
    EXPECT_TRUE(allocator.check_invariants());
}

TEST(SlabCache, partially_used_slabs_are_filled_before_new_ones)
{
    Arena arena(64);
    SlabCache cache("obj-64", 64, 8, arena.source());
    std::vector<void*> objects;
    for (usize i = 0; i < cache.objects_per_slab() * 2; ++i)
        objects.push_back(cache.allocate().release_value());
    // A hole in each slab.
    cache.free(objects[3]);
    cache.free(objects[cache.objects_per_slab() + 5]);
    EXPECT_EQ(cache.stats().objects_free, 2u);
    void* a = cache.allocate().release_value();
    void* b = cache.allocate().release_value();
    EXPECT_EQ(cache.stats().slabs, 2u);
    EXPECT_TRUE((a == objects[3] && b == objects[cache.objects_per_slab() + 5]) || (b == objects[3] && a == objects[cache.objects_per_slab() + 5]));
    EXPECT_TRUE(cache.check_invariants());
}

TEST(SlabCache, out_of_pages_is_enomem_and_recovers)
{
    Arena arena(8);
    auto& allocator = arena.allocator();
    SlabCache cache("obj-256", 256, 8, arena.source());
    std::vector<void*> objects;
    while (true) {
        auto object = cache.allocate();
        if (object.is_error()) {
            EXPECT_EQ(object.error().code(), ENOMEM);
            break;
        }
        objects.push_back(object.value());
        ASSERT_LT(objects.size(), 1000u);
    }
    EXPECT_EQ(allocator.free_pages(), 0u);
    EXPECT_EQ(objects.size(), cache.objects_per_slab() * (8 >> cache.slab_order()));
    cache.free(objects.back());
    objects.pop_back();
    auto reused = cache.allocate(); // the hole is reused
    ASSERT_FALSE(reused.is_error());
    objects.push_back(reused.value());
    EXPECT_TRUE(cache.allocate().is_error());
    for (void* object : objects)
        cache.free(object);
    cache.release_empty_slabs();
    EXPECT_EQ(allocator.free_pages(), 8u);
    EXPECT_TRUE(cache.check_invariants());
}

TEST(SlabCacheDeathTest, double_free_is_a_verify_failure)
{
    Arena arena(16);
    SlabCache cache("obj-32", 32, 8, arena.source());
    void* a = cache.allocate().release_value();
    void* b = cache.allocate().release_value();
    cache.free(a);
    EXPECT_DEATH(cache.free(a), "VERIFY");
    cache.free(b); // the slab is empty now, and kept
    EXPECT_DEATH(cache.free(b), "VERIFY");
}

TEST(SlabCacheDeathTest, pointers_that_are_not_objects_are_a_verify_failure)
{
    Arena arena(16);
    SlabCache cache("obj-32", 32, 8, arena.source());
    SlabCache other("other-32", 32, 8, arena.source());
    auto* a = static_cast<u8*>(cache.allocate().release_value());
    void* theirs = other.allocate().release_value();
    EXPECT_DEATH(cache.free(a + 8), "VERIFY");   // inside an object
    EXPECT_DEATH(cache.free(theirs), "VERIFY");  // another cache's object
    int on_the_stack = 0;
    EXPECT_DEATH(cache.free(&on_the_stack), "VERIFY"); // not from the page source
    void* page = arena.source().allocate_pages(0).release_value();
    EXPECT_DEATH(cache.free(page), "VERIFY"); // a page block that is no slab
}

// Each object is filled with words naming it, so an object that overlaps
// another, or that the allocator scribbles on, is caught when it is freed.
u64 pattern_word(u64 id, usize index) { return id * 0x9e3779b97f4a7c15ull + index * 0x45; }

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

class SlabRandom : public ::testing::TestWithParam<u32> { };

TEST_P(SlabRandom, random_operations_on_several_caches_never_overlap_or_corrupt)
{
    Arena arena(2048); // 8 MiB: small enough that some runs hit ENOMEM
    auto& allocator = arena.allocator();
    u64 free_before = allocator.free_pages();
    struct Shape {
        const char* name;
        usize size;
        usize alignment;
    };
    Shape const shapes[] = {
        { "r-8", 8, 8 }, { "r-24", 24, 8 }, { "r-100", 100, 4 }, { "r-256", 256, 256 },
        { "r-1000", 1000, 8 }, { "r-3000", 3000, 64 }, { "r-6000", 6000, 16 },
    };
    std::vector<std::unique_ptr<SlabCache>> caches;
    for (auto const& shape : shapes)
        caches.push_back(std::make_unique<SlabCache>(shape.name, shape.size, shape.alignment, arena.source()));

    struct Live {
        void* object;
        usize cache;
        u64 id;
    };
    std::vector<Live> live;
    std::mt19937_64 random(GetParam());
    u64 next_id = 1;
    u64 failures = 0;
    for (u64 step = 0; step < 200'000; ++step) {
        bool filling = (step / 4000) % 2 == 0;
        if (live.empty() || random() % 100 < (filling ? 70u : 35u)) {
            usize which = random() % caches.size();
            auto object = caches[which]->allocate();
            if (object.is_error()) {
                ASSERT_EQ(object.error().code(), ENOMEM);
                ++failures;
                continue;
            }
            ASSERT_TRUE(arena.contains(object.value(), shapes[which].size));
            ASSERT_EQ(reinterpret_cast<uptr>(object.value()) % shapes[which].alignment, 0u);
            fill(object.value(), shapes[which].size, next_id);
            live.push_back({ object.value(), which, next_id++ });
        } else {
            usize index = random() % live.size();
            Live victim = live[index];
            live[index] = live.back();
            live.pop_back();
            ASSERT_TRUE(intact(victim.object, shapes[victim.cache].size, victim.id)) << "object " << victim.id;
            caches[victim.cache]->free(victim.object);
        }
        if (step % 5000 == 0) {
            for (auto& cache : caches)
                ASSERT_TRUE(cache->check_invariants());
            ASSERT_TRUE(allocator.check_invariants());
            usize in_use = 0;
            for (auto& cache : caches) {
                in_use += cache->stats().objects_in_use;
                ASSERT_LE(cache->stats().empty_slabs, 1u);
            }
            ASSERT_EQ(in_use, live.size());
        }
    }
    EXPECT_GT(failures, 0u);
    for (auto const& survivor : live) {
        ASSERT_TRUE(intact(survivor.object, shapes[survivor.cache].size, survivor.id));
        caches[survivor.cache]->free(survivor.object);
    }
    for (auto& cache : caches) {
        EXPECT_EQ(cache->stats().objects_in_use, 0u);
        EXPECT_TRUE(cache->check_invariants());
        cache->release_empty_slabs();
    }
    EXPECT_EQ(allocator.free_pages(), free_before);
    EXPECT_TRUE(allocator.check_invariants());
}

INSTANTIATE_TEST_SUITE_P(Seeds, SlabRandom, ::testing::Values(11u, 12u, 13u));

}
