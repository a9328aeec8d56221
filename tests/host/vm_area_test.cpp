// VmaList: the map behind mmap/munmap/mprotect, checked against a page-by-
// page model under random operations and in the edge cases Linux defines.
#include <gtest/gtest.h>
#include <map>
#include <mm/vm_area.h>
#include <random>
#include <vector>

using namespace mm;

namespace {

constexpr VirtAddr kLow = 0x10000;
constexpr VirtAddr kHigh = 0x7ffffffff000;
constexpr u64 P = 4096;

class NamedObject final : public MemoryObject {
public:
    const char* describe() const override { return "test"; }
    ErrorOr<PhysAddr> get_page(u64) override { return Error::from_errno(EFAULT); }
};

struct Recorder {
    std::vector<std::pair<VirtAddr, VirtAddr>> ranges;
    static void record(Vma const&, VirtAddr start, VirtAddr end, void* self)
    {
        static_cast<Recorder*>(self)->ranges.push_back({ start, end });
    }
};

void expect_sorted_and_disjoint(VmaList& list)
{
    VirtAddr last_end = 0;
    list.for_each([&](Vma& area) {
        EXPECT_LT(area.start, area.end);
        EXPECT_GE(area.start, last_end);
        EXPECT_EQ(area.start % P, 0u);
        EXPECT_EQ(area.end % P, 0u);
        last_end = area.end;
    });
}

TEST(VmaList, insert_find_and_reject_overlap)
{
    VmaList list(kLow, kHigh);
    auto a = list.insert(0x400000, 4 * P, kProtRead, kVmaAnonymous);
    ASSERT_FALSE(a.is_error());
    EXPECT_EQ(list.find(0x400000 + 3 * P), a.value());
    EXPECT_EQ(list.find(0x400000 + 4 * P), nullptr);
    EXPECT_EQ(list.find(0x400000 - 1), nullptr);
    auto overlap = list.insert(0x400000 + 3 * P, 2 * P, kProtRead, kVmaAnonymous);
    ASSERT_TRUE(overlap.is_error());
    EXPECT_EQ(overlap.error().code(), EEXIST);
    EXPECT_EQ(list.insert(0x400001, P, kProtRead, 0).error().code(), EINVAL);
    EXPECT_EQ(list.insert(0x400000, 0, kProtRead, 0).error().code(), EINVAL);
    EXPECT_EQ(list.insert(kHigh, P, kProtRead, 0).error().code(), EINVAL);
}

TEST(VmaList, adjacent_identical_areas_merge_and_different_ones_do_not)
{
    VmaList list(kLow, kHigh);
    ASSERT_FALSE(list.insert(0x400000, P, kProtRead | kProtWrite, kVmaAnonymous).is_error());
    ASSERT_FALSE(list.insert(0x401000, P, kProtRead | kProtWrite, kVmaAnonymous).is_error());
    EXPECT_EQ(list.count(), 1u);
    ASSERT_FALSE(list.insert(0x402000, P, kProtRead, kVmaAnonymous).is_error());
    EXPECT_EQ(list.count(), 2u);
    // File-backed areas merge only when the file offsets continue.
    auto object = adopt_ref(new NamedObject);
    ASSERT_FALSE(list.insert(0x500000, P, kProtRead, 0, object, 0).is_error());
    ASSERT_FALSE(list.insert(0x501000, P, kProtRead, 0, object, P).is_error());
    EXPECT_EQ(list.count(), 3u);
    ASSERT_FALSE(list.insert(0x502000, P, kProtRead, 0, object, 9 * P).is_error());
    EXPECT_EQ(list.count(), 4u);
}

TEST(VmaList, unmap_splits_at_both_edges_and_reports_removed_ranges)
{
    VmaList list(kLow, kHigh);
    auto object = adopt_ref(new NamedObject);
    ASSERT_FALSE(list.insert(0x400000, 10 * P, kProtRead, 0, object, 0).is_error());
    Recorder recorder;
    ASSERT_FALSE(list.unmap(0x400000 + 3 * P, 4 * P, Recorder::record, &recorder).is_error());
    ASSERT_EQ(recorder.ranges.size(), 1u);
    EXPECT_EQ(recorder.ranges[0].first, 0x400000 + 3 * P);
    EXPECT_EQ(recorder.ranges[0].second, 0x400000 + 7 * P);
    EXPECT_EQ(list.count(), 2u);
    Vma* upper = list.find(0x400000 + 7 * P);
    ASSERT_NE(upper, nullptr);
    EXPECT_EQ(upper->object_offset, 7 * P); // the backing offset follows the split
    EXPECT_EQ(list.find(0x400000 + 5 * P), nullptr);
    EXPECT_EQ(list.mapped_bytes(), 6 * P);
}

TEST(VmaList, unmap_of_holes_is_fine_and_spans_several_areas)
{
    VmaList list(kLow, kHigh);
    ASSERT_FALSE(list.insert(0x400000, 2 * P, kProtRead, kVmaAnonymous).is_error());
    ASSERT_FALSE(list.insert(0x404000, 2 * P, kProtWrite, kVmaAnonymous).is_error());
    Recorder recorder;
    ASSERT_FALSE(list.unmap(0x300000, 0x200000, Recorder::record, &recorder).is_error());
    EXPECT_EQ(recorder.ranges.size(), 2u);
    EXPECT_EQ(list.count(), 0u);
    EXPECT_FALSE(list.unmap(0x300000, P, nullptr, nullptr).is_error()); // nothing there: still ok
    EXPECT_EQ(list.unmap(0x300001, P, nullptr, nullptr).error().code(), EINVAL);
}

TEST(VmaList, protect_needs_the_whole_range_mapped)
{
    VmaList list(kLow, kHigh);
    ASSERT_FALSE(list.insert(0x400000, 2 * P, kProtRead, kVmaAnonymous).is_error());
    ASSERT_FALSE(list.insert(0x403000, 2 * P, kProtRead, kVmaAnonymous).is_error());
    auto result = list.protect(0x400000, 5 * P, kProtRead | kProtWrite, nullptr, nullptr);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ENOMEM);
    // Nothing changed.
    EXPECT_EQ(list.find(0x400000)->prot, kProtRead);
}

TEST(VmaList, protect_splits_then_merges_back)
{
    VmaList list(kLow, kHigh);
    ASSERT_FALSE(list.insert(0x400000, 8 * P, kProtRead, kVmaAnonymous).is_error());
    Recorder recorder;
    ASSERT_FALSE(list.protect(0x400000 + 2 * P, 2 * P, 0, Recorder::record, &recorder).is_error());
    EXPECT_EQ(list.count(), 3u);
    EXPECT_EQ(list.find(0x400000 + 2 * P)->prot, 0u);
    EXPECT_EQ(list.find(0x400000 + 4 * P)->prot, kProtRead);
    ASSERT_FALSE(list.protect(0x400000 + 2 * P, 2 * P, kProtRead, nullptr, nullptr).is_error());
    EXPECT_EQ(list.count(), 1u);
}

TEST(VmaList, find_free_honours_hint_then_goes_top_down)
{
    VmaList list(kLow, 0x1000000);
    auto a = list.find_free(4 * P, 0x200000, 0);
    ASSERT_FALSE(a.is_error());
    EXPECT_EQ(a.value(), 0x200000u);
    auto top = list.find_free(4 * P, 0, 0);
    EXPECT_EQ(top.value(), 0x1000000 - 4 * P);
    ASSERT_FALSE(list.insert(top.value(), 4 * P, kProtRead, kVmaAnonymous).is_error());
    auto below = list.find_free(4 * P, top.value(), 0); // hint taken: falls to the next gap down
    EXPECT_EQ(below.value(), 0x1000000 - 8 * P);
    EXPECT_EQ(list.find_free(0x2000000, 0, 0).error().code(), ENOMEM);
    // Top-down from a limit below an area straddling it.
    ASSERT_FALSE(list.insert(0x800000, 0x100000, kProtRead, kVmaAnonymous).is_error());
    EXPECT_EQ(list.find_free(P, 0, 0x880000).value(), 0x800000 - P);
}

TEST(VmaList, clone_shares_objects_and_is_independent)
{
    VmaList list(kLow, kHigh);
    auto object = adopt_ref(new NamedObject);
    ASSERT_FALSE(list.insert(0x400000, 2 * P, kProtRead, kVmaShared, object, 0).is_error());
    {
        VmaList copy(kLow, kHigh);
        ASSERT_FALSE(list.clone_into(copy).is_error());
        EXPECT_EQ(object->ref_count(), 3u);
        ASSERT_FALSE(copy.unmap(0x400000, P, nullptr, nullptr).is_error());
        EXPECT_NE(list.find(0x400000), nullptr);
    }
    EXPECT_EQ(object->ref_count(), 2u);
}

TEST(VmaList, change_flags_splits_merges_back_and_needs_the_range_mapped)
{
    VmaList list(kLow, kHigh);
    ASSERT_FALSE(list.insert(0x400000, 6 * P, kProtRead | kProtWrite, kVmaAnonymous).is_error());
    // MADV_DONTFORK on the middle two pages: three areas.
    ASSERT_FALSE(list.change_flags(0x400000 + 2 * P, 2 * P, kVmaDontFork, 0).is_error());
    EXPECT_EQ(list.count(), 3u);
    EXPECT_TRUE(list.find(0x400000 + 2 * P)->flags & kVmaDontFork);
    EXPECT_TRUE(list.find(0x400000 + 3 * P)->flags & kVmaDontFork);
    EXPECT_FALSE(list.find(0x400000 + P)->flags & kVmaDontFork);
    EXPECT_FALSE(list.find(0x400000 + 4 * P)->flags & kVmaDontFork);
    // A fork's copy leaves those pages out.
    {
        VmaList copy(kLow, kHigh);
        ASSERT_FALSE(list.clone_into(copy).is_error());
        EXPECT_EQ(copy.count(), 2u);
        EXPECT_EQ(copy.find(0x400000 + 2 * P), nullptr);
        EXPECT_NE(copy.find(0x400000 + 4 * P), nullptr);
    }
    // MADV_DOFORK undoes it and the areas merge again.
    ASSERT_FALSE(list.change_flags(0x400000 + 2 * P, 2 * P, 0, kVmaDontFork).is_error());
    EXPECT_EQ(list.count(), 1u);
    // Part of the range unmapped: ENOMEM, nothing changed.
    auto result = list.change_flags(0x400000, 8 * P, kVmaDontFork, 0);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ENOMEM);
    EXPECT_FALSE(list.find(0x400000)->flags & kVmaDontFork);
    expect_sorted_and_disjoint(list);
}

// Random mmap/munmap/mprotect against a page-granular model.
TEST(VmaList, random_operations_match_a_page_model)
{
    constexpr VirtAddr base = 0x400000;
    constexpr u64 pages = 256;
    std::mt19937_64 rng(12345);
    VmaList list(kLow, kHigh);
    std::map<u64, u32> model; // page index -> prot (mapped pages only)
    for (int step = 0; step < 20000; ++step) {
        u64 first = rng() % pages;
        u64 count = 1 + rng() % 16;
        if (first + count > pages)
            count = pages - first;
        VirtAddr start = base + first * P;
        u32 prot = rng() % 8;
        switch (rng() % 3) {
        case 0: {
            bool free = true;
            for (u64 i = first; i < first + count; ++i)
                free = free && !model.count(i);
            auto result = list.insert(start, count * P, prot, kVmaAnonymous);
            ASSERT_EQ(result.is_error(), !free);
            if (free) {
                for (u64 i = first; i < first + count; ++i)
                    model[i] = prot;
            }
            break;
        }
        case 1:
            ASSERT_FALSE(list.unmap(start, count * P, nullptr, nullptr).is_error());
            for (u64 i = first; i < first + count; ++i)
                model.erase(i);
            break;
        case 2: {
            bool all = true;
            for (u64 i = first; i < first + count; ++i)
                all = all && model.count(i);
            auto result = list.protect(start, count * P, prot, nullptr, nullptr);
            ASSERT_EQ(result.is_error(), !all);
            if (all) {
                for (u64 i = first; i < first + count; ++i)
                    model[i] = prot;
            }
            break;
        }
        }
        if (step % 97 == 0) {
            expect_sorted_and_disjoint(list);
            for (u64 i = 0; i < pages; ++i) {
                Vma* area = list.find(base + i * P);
                ASSERT_EQ(area != nullptr, model.count(i) == 1) << "page " << i << " step " << step;
                if (area)
                    ASSERT_EQ(area->prot, model[i]);
            }
            // Maximal merging: no two neighbours are identical and touching.
            Vma* previous = nullptr;
            list.for_each([&](Vma& area) {
                if (previous)
                    EXPECT_FALSE(previous->end == area.start && previous->prot == area.prot) << "unmerged at step " << step;
                previous = &area;
            });
        }
    }
}

}
