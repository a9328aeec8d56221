// The binary buddy allocator (mm/page_allocator.h): free blocks of 2^order
// pages sit on one doubly linked list per order, threaded through their head
// frames by frame index. Allocation splits a larger block; freeing merges a
// block with its buddy (the block whose address differs in bit `order`)
// for as long as the buddy is free and of the same order, so free memory is
// always held in the fewest, largest blocks.
//
// Locking: m_lock around every public method that reads or changes the
// free lists (see page_allocator.h). The private helpers run with it held.
#include <lib/log.h>
#include <mm/page_allocator.h>

namespace mm {

static constexpr u64 pages_in(unsigned order) { return u64(1) << order; }

void PageAllocator::init(PageFrame* frames, u64 first_pfn, u64 frame_count)
{
    SpinlockLocker locker(m_lock);
    // Frame indices are u32 in the free-list links: 16 TiB of RAM.
    VERIFY(frame_count < PageFrame::kNoFrame);
    VERIFY(frames != nullptr || frame_count == 0);
    m_frames = frames;
    m_first_pfn = first_pfn;
    m_frame_count = frame_count;
    for (u64 i = 0; i < frame_count; ++i)
        m_frames[i] = PageFrame {};
    m_free_pages = 0;
    m_reserved_pages = frame_count;
    for (unsigned order = 0; order <= kMaxOrder; ++order) {
        m_free_head[order] = PageFrame::kNoFrame;
        m_free_blocks[order] = 0;
    }
}

void PageAllocator::push_free(u64 pfn, unsigned order)
{
    auto& frame = frame_at_pfn(pfn);
    VERIFY(frame.state == State::Free);
    auto index = static_cast<u32>(pfn - m_first_pfn);
    frame.order = static_cast<u8>(order);
    frame.prev_free = PageFrame::kNoFrame;
    frame.next_free = m_free_head[order];
    if (frame.next_free != PageFrame::kNoFrame)
        frame_at_index(frame.next_free).prev_free = index;
    m_free_head[order] = index;
    ++m_free_blocks[order];
}

void PageAllocator::remove_free(u64 pfn, unsigned order)
{
    auto& frame = frame_at_pfn(pfn);
    VERIFY(frame.state == State::Free && frame.order == order);
    if (frame.prev_free != PageFrame::kNoFrame)
        frame_at_index(frame.prev_free).next_free = frame.next_free;
    else
        m_free_head[order] = frame.next_free;
    if (frame.next_free != PageFrame::kNoFrame)
        frame_at_index(frame.next_free).prev_free = frame.prev_free;
    frame.next_free = frame.prev_free = PageFrame::kNoFrame;
    --m_free_blocks[order];
}

// Puts a block whose head is already Free (and on no list) back, merging it
// with its buddy as far as it goes.
void PageAllocator::release_block(u64 pfn, unsigned order)
{
    while (order < kMaxOrder) {
        u64 buddy = pfn ^ pages_in(order);
        if (!manages_pfn(buddy))
            break;
        auto& buddy_frame = frame_at_pfn(buddy);
        if (buddy_frame.state != State::Free || buddy_frame.order != order)
            break;
        remove_free(buddy, order);
        u64 upper = pfn > buddy ? pfn : buddy;
        frame_at_pfn(upper).set_state(State::Tail);
        pfn = pfn < buddy ? pfn : buddy;
        ++order;
    }
    push_free(pfn, order);
}

// Blocks are naturally aligned, so the head of the block holding `pfn` is
// `pfn` rounded down to the block size: the first head met when rounding
// down to ever larger powers of two.
u64 PageAllocator::head_pfn_of(u64 pfn) const
{
    for (unsigned order = 0; order <= kMaxOrder; ++order) {
        u64 candidate = align_down(pfn, pages_in(order));
        VERIFY(manages_pfn(candidate));
        auto const& frame = frame_at_index(candidate - m_first_pfn);
        if (frame.is_head()) {
            VERIFY(frame.order >= order);
            return candidate;
        }
    }
    VERIFY_NOT_REACHED();
}

void PageAllocator::add_free_range(PhysAddr start, PhysAddr end)
{
    SpinlockLocker locker(m_lock);
    u64 first = align_up(start, kPageSize) >> kPageShift;
    u64 last = end >> kPageShift; // exclusive: a partial last page is not usable
    if (start > end || first < (start >> kPageShift))
        return; // empty, or start rounds up past the top of the address space
    if (first < m_first_pfn)
        first = m_first_pfn;
    if (last > m_first_pfn + m_frame_count)
        last = m_first_pfn + m_frame_count;
    // One page at a time: each merge removes a block, so the merging done
    // over a whole range is linear in its size, and the result is the same
    // maximal blocks whatever the range's alignment.
    for (u64 pfn = first; pfn < last; ++pfn) {
        auto& frame = frame_at_pfn(pfn);
        if (frame.state != State::Reserved)
            continue;
        frame.set_state(State::Free);
        --m_reserved_pages;
        ++m_free_pages;
        release_block(pfn, 0);
    }
}

void PageAllocator::reserve_page(u64 pfn)
{
    if (frame_at_pfn(pfn).state == State::Reserved)
        return;
    u64 head = head_pfn_of(pfn);
    // A page in a block someone holds cannot be reserved: when its owner
    // freed it, reserved memory would come back into use.
    VERIFY(frame_at_pfn(head).state == State::Free);
    unsigned order = frame_at_pfn(head).order;
    remove_free(head, order);
    // Halve the block until only `pfn` is left, putting back each half that
    // does not hold it.
    while (order > 0) {
        --order;
        u64 upper = head + pages_in(order);
        frame_at_pfn(upper).set_state(State::Free);
        if (pfn >= upper) {
            push_free(head, order);
            head = upper;
        } else {
            push_free(upper, order);
        }
    }
    auto& frame = frame_at_pfn(pfn);
    frame.order = 0;
    frame.set_state(State::Reserved);
    --m_free_pages;
    ++m_reserved_pages;
}

void PageAllocator::reserve_range(PhysAddr start, PhysAddr end)
{
    SpinlockLocker locker(m_lock);
    if (start >= end)
        return;
    u64 first = start >> kPageShift;
    u64 last = (end >> kPageShift) + (is_aligned(end, kPageSize) ? 0 : 1); // a partial page is reserved too
    if (first < m_first_pfn)
        first = m_first_pfn;
    if (last > m_first_pfn + m_frame_count)
        last = m_first_pfn + m_frame_count;
    for (u64 pfn = first; pfn < last; ++pfn)
        reserve_page(pfn);
}

ErrorOr<PhysAddr> PageAllocator::allocate(unsigned order)
{
    SpinlockLocker locker(m_lock);
    if (order > kMaxOrder)
        return Error::from_errno(ENOMEM);
    unsigned found = order;
    while (found <= kMaxOrder && m_free_head[found] == PageFrame::kNoFrame)
        ++found;
    if (found > kMaxOrder)
        return Error::from_errno(ENOMEM);

    u64 pfn = m_first_pfn + m_free_head[found];
    remove_free(pfn, found);
    // Split down to the size asked for; the upper halves go back on the lists.
    while (found > order) {
        --found;
        u64 upper = pfn + pages_in(found);
        frame_at_pfn(upper).set_state(State::Free);
        push_free(upper, found);
    }
    auto& frame = frame_at_pfn(pfn);
    frame.order = static_cast<u8>(order);
    frame.set_state(State::Allocated);
    frame.refcount = 1;
    frame.flags = 0;
    frame.slab = nullptr;
    m_free_pages -= pages_in(order);
    return pfn << kPageShift;
}

void PageAllocator::free(PhysAddr address, unsigned order)
{
    SpinlockLocker locker(m_lock);
    VERIFY(is_aligned(address, kPageSize));
    VERIFY(order <= kMaxOrder);
    u64 pfn = address >> kPageShift;
    VERIFY(manages_pfn(pfn));
    auto& frame = frame_at_pfn(pfn);
    // Free: a double free. Tail or Reserved: never allocated as a block.
    // Slab: still owned by a slab cache.
    VERIFY(frame.state == State::Allocated);
    VERIFY(frame.order == order);
    VERIFY(frame.flags == 0); // a kmalloc block goes back through kfree()
    frame.refcount = 0;
    frame.set_state(State::Free);
    m_free_pages += pages_in(order);
    release_block(pfn, order);
}

PageFrame* PageAllocator::frame(PhysAddr address)
{
    u64 pfn = address >> kPageShift;
    return manages_pfn(pfn) ? &frame_at_pfn(pfn) : nullptr;
}

PageFrame const* PageAllocator::frame(PhysAddr address) const
{
    u64 pfn = address >> kPageShift;
    return manages_pfn(pfn) ? &m_frames[pfn - m_first_pfn] : nullptr;
}

PageFrame* PageAllocator::block_head(PhysAddr address)
{
    u64 pfn = address >> kPageShift;
    if (!manages_pfn(pfn))
        return nullptr;
    return &frame_at_pfn(head_pfn_of(pfn));
}

PhysAddr PageAllocator::address_of(PageFrame const* frame) const
{
    VERIFY(frame >= m_frames && u64(frame - m_frames) < m_frame_count);
    return (m_first_pfn + u64(frame - m_frames)) << kPageShift;
}

bool PageAllocator::check_invariants() const
{
    SpinlockLocker locker(m_lock);
    auto broken = [](const char* what, u64 pfn) {
        log_error("page allocator: %s (pfn %#llx)", what, static_cast<unsigned long long>(pfn));
        return false;
    };

    // Every frame belongs to exactly one block: a head followed by its tails.
    u64 free_heads[kMaxOrder + 1] {};
    u64 free_pages = 0;
    u64 reserved_pages = 0;
    for (u64 index = 0; index < m_frame_count;) {
        auto const& frame = m_frames[index];
        u64 pfn = m_first_pfn + index;
        if (!frame.is_head())
            return broken("tail page outside any block", pfn);
        if (frame.order > kMaxOrder)
            return broken("order out of range", pfn);
        u64 pages = pages_in(frame.order);
        if (!is_aligned(pfn, pages))
            return broken("block not aligned to its size", pfn);
        if (pages > m_frame_count - index)
            return broken("block runs past the managed range", pfn);
        for (u64 tail = 1; tail < pages; ++tail) {
            if (m_frames[index + tail].state != State::Tail)
                return broken("block page is not a tail", pfn + tail);
        }
        if (frame.state == State::Reserved) {
            if (frame.order != 0)
                return broken("reserved page with an order", pfn);
            ++reserved_pages;
        }
        if (frame.state == State::Free) {
            ++free_heads[frame.order];
            free_pages += pages;
            u64 buddy = pfn ^ pages;
            if (frame.order < kMaxOrder && manages_pfn(buddy)) {
                auto const& buddy_frame = m_frames[buddy - m_first_pfn];
                if (buddy_frame.state == State::Free && buddy_frame.order == frame.order)
                    return broken("free buddies left unmerged", pfn);
            }
        }
        index += pages;
    }
    if (free_pages != m_free_pages)
        return broken("free page count disagrees", free_pages);
    if (reserved_pages != m_reserved_pages)
        return broken("reserved page count disagrees", reserved_pages);

    // Each list holds exactly the free heads of its order, linked both ways.
    for (unsigned order = 0; order <= kMaxOrder; ++order) {
        if (free_heads[order] != m_free_blocks[order])
            return broken("free block count disagrees", order);
        u64 seen = 0;
        u32 previous = PageFrame::kNoFrame;
        for (u32 index = m_free_head[order]; index != PageFrame::kNoFrame;) {
            if (index >= m_frame_count)
                return broken("free list link out of range", index);
            auto const& frame = m_frames[index];
            if (frame.state != State::Free || frame.order != order)
                return broken("listed block is not free at this order", m_first_pfn + index);
            if (frame.prev_free != previous)
                return broken("free list back link wrong", m_first_pfn + index);
            if (++seen > m_free_blocks[order])
                return broken("free list longer than its count (a cycle?)", order);
            previous = index;
            index = frame.next_free;
        }
        if (seen != m_free_blocks[order])
            return broken("free list shorter than its count", order);
    }
    return true;
}

static constinit PageAllocator s_page_allocator;
static constinit MappedPageSource s_kernel_page_source(s_page_allocator, kDirectMapBase);

PageAllocator& page_allocator() { return s_page_allocator; }

// The only place the allocators meet the direct map.
PageSource& kernel_page_source() { return s_kernel_page_source; }

ErrorOr<void*> MappedPageSource::allocate_pages(unsigned order)
{
    PhysAddr block = TRY(m_allocator.allocate(order));
    return reinterpret_cast<void*>(block + m_offset);
}

void MappedPageSource::free_pages(void* block, unsigned order)
{
    m_allocator.free(to_phys(block), order);
}

PageFrame* MappedPageSource::block_frame(void const* address)
{
    return m_allocator.block_head(to_phys(address));
}

}
