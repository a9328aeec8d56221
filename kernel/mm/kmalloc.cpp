// kmalloc/kfree (mm/kmalloc.h): size classes over slab caches, large
// requests as page blocks marked kFlagKmallocLarge in their head frame.
// Locking: the size classes are locked by their slab caches and the page
// blocks by the page allocator; s_large_lock only keeps the large-block
// counters exact. kmalloc_init() runs before any other CPU does.
#include <arch/x86_64/spinlock.h>
#include <lib/string.h>
#include <mm/kmalloc.h>
#include <mm/slab.h>
#include <new>

using mm::PageFrame;
using mm::PageSource;
using mm::SlabCache;

namespace {

constexpr const char* kClassNames[kKmallocClassCount] = {
    "kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-128",
    "kmalloc-256", "kmalloc-512", "kmalloc-1024", "kmalloc-2048",
};

constexpr usize kLargestBlock = mm::kPageSize << mm::PageAllocator::kMaxOrder;

struct KmallocState {
    PageSource* source { nullptr };
    SlabCache* caches[kKmallocClassCount] {};
    usize large_blocks { 0 };
    usize large_bytes { 0 };
};

constinit KmallocState s_state;
constinit Spinlock s_large_lock { "kmalloc large blocks" };
// The caches live in static storage and are built by kmalloc_init(): a
// static SlabCache would need a constructor run before kmalloc's first use.
alignas(SlabCache) u8 s_cache_storage[kKmallocClassCount][sizeof(SlabCache)];

KmallocState& state()
{
    if (!s_state.source)
        kmalloc_init(mm::kernel_page_source());
    return s_state;
}

// Smallest n with 2^n >= value, value >= 1.
unsigned ceil_log2(usize value)
{
    return value <= 1 ? 0 : 64 - static_cast<unsigned>(__builtin_clzll(value - 1));
}

unsigned class_index(usize size)
{
    if (size <= kKmallocMinClassSize)
        return 0;
    return ceil_log2(size) - ceil_log2(kKmallocMinClassSize);
}

bool is_kmalloc_cache(SlabCache const* cache)
{
    for (auto* ours : s_state.caches) {
        if (ours == cache)
            return true;
    }
    return false;
}

void* allocate_large(KmallocState& heap, usize size)
{
    if (size > kLargestBlock)
        return nullptr;
    usize pages = align_up(size, mm::kPageSize) / mm::kPageSize;
    unsigned order = ceil_log2(pages);
    auto block = heap.source->allocate_pages(order);
    if (block.is_error())
        return nullptr;
    PageFrame* frame = heap.source->block_frame(block.value());
    VERIFY(frame != nullptr);
    frame->flags |= PageFrame::kFlagKmallocLarge;
    SpinlockLocker locker(s_large_lock);
    ++heap.large_blocks;
    heap.large_bytes += mm::kPageSize << order;
    return block.value();
}

}

void kmalloc_init(PageSource& source)
{
    s_state = KmallocState {};
    s_state.source = &source;
    for (unsigned i = 0; i < kKmallocClassCount; ++i) {
        usize size = kKmallocMinClassSize << i;
        // Aligned to their size: the alignment promise of kmalloc.h.
        s_state.caches[i] = new (s_cache_storage[i]) SlabCache(kClassNames[i], size, size, source);
    }
}

void* kmalloc(usize size)
{
    auto& heap = state();
    if (size > kKmallocMaxClassSize)
        return allocate_large(heap, size);
    auto object = heap.caches[class_index(size)]->allocate();
    return object.is_error() ? nullptr : object.value();
}

void* kzalloc(usize size)
{
    void* pointer = kmalloc(size);
    if (pointer)
        memset(pointer, 0, size);
    return pointer;
}

void* kmalloc_aligned(usize size, usize alignment)
{
    VERIFY(alignment != 0 && (alignment & (alignment - 1)) == 0);
    if (size > kLargestBlock || alignment > kLargestBlock)
        return nullptr;
    // Rounded to a multiple of the alignment, the request lands in a class
    // (or block) at least that large, and those are aligned to their size.
    usize rounded = align_up(size == 0 ? 1 : size, alignment);
    return kmalloc(rounded);
}

void kfree(void* pointer)
{
    if (!pointer)
        return;
    VERIFY(s_state.source != nullptr); // nothing was ever allocated
    PageFrame* frame = s_state.source->block_frame(pointer);
    VERIFY(frame != nullptr); // not memory kmalloc hands out
    if (frame->state == PageFrame::State::Slab) {
        SlabCache* cache = SlabCache::cache_of(*frame);
        VERIFY(is_kmalloc_cache(cache)); // an object of some other slab cache
        cache->free(pointer);
        return;
    }
    // A large block: its head frame, and the pointer at the block's start
    // (blocks are aligned to their size).
    VERIFY(frame->state == PageFrame::State::Allocated);
    VERIFY(frame->flags & PageFrame::kFlagKmallocLarge);
    usize bytes = mm::kPageSize << frame->order;
    VERIFY(is_aligned(reinterpret_cast<uptr>(pointer), bytes));
    frame->flags &= static_cast<u8>(~PageFrame::kFlagKmallocLarge);
    {
        SpinlockLocker locker(s_large_lock);
        --s_state.large_blocks;
        s_state.large_bytes -= bytes;
    }
    s_state.source->free_pages(pointer, frame->order);
}

usize kmalloc_usable_size(void const* pointer)
{
    VERIFY(pointer != nullptr && s_state.source != nullptr);
    PageFrame* frame = s_state.source->block_frame(pointer);
    VERIFY(frame != nullptr);
    if (frame->state == PageFrame::State::Slab)
        return SlabCache::cache_of(*frame)->object_stride();
    VERIFY(frame->state == PageFrame::State::Allocated && (frame->flags & PageFrame::kFlagKmallocLarge));
    return mm::kPageSize << frame->order;
}

void kmalloc_shrink()
{
    for (auto* cache : s_state.caches) {
        if (cache)
            cache->release_empty_slabs();
    }
}

KmallocStats kmalloc_stats()
{
    KmallocStats stats {};
    for (unsigned i = 0; i < kKmallocClassCount; ++i) {
        auto& out = stats.classes[i];
        out.object_size = kKmallocMinClassSize << i;
        if (auto* cache = s_state.caches[i]) {
            auto cache_stats = cache->stats();
            out.objects_in_use = cache_stats.objects_in_use;
            out.bytes_in_use = cache_stats.objects_in_use * out.object_size;
            out.slabs = cache_stats.slabs;
            out.slab_bytes = cache_stats.slab_bytes;
        }
        stats.bytes_in_use += out.bytes_in_use;
        stats.bytes_from_pages += out.slab_bytes;
    }
    {
        SpinlockLocker locker(s_large_lock);
        stats.large_blocks = s_state.large_blocks;
        stats.large_bytes = s_state.large_bytes;
    }
    stats.bytes_in_use += s_state.large_bytes;
    stats.bytes_from_pages += s_state.large_bytes;
    return stats;
}

bool kmalloc_check_invariants()
{
    for (auto* cache : s_state.caches) {
        if (cache && !cache->check_invariants())
            return false;
    }
    return true;
}
