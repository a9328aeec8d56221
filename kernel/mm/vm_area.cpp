// Implementation of VmaList; see vm_area.h.
#include <mm/vm_area.h>
#include <new>

namespace mm {

namespace {
constexpr u64 kPage = 4096;

bool range_ok(VirtAddr start, usize size) { return size > 0 && start % kPage == 0 && size % kPage == 0 && start + size > start; }

// Two areas can be one if nothing observable differs and the backing of the
// upper continues exactly where the lower's ends.
bool mergeable(Vma const& lower, Vma const& upper)
{
    if (lower.end != upper.start || lower.prot != upper.prot || lower.flags != upper.flags)
        return false;
    if (lower.object.ptr() != upper.object.ptr())
        return false;
    return !lower.object || lower.object_offset + lower.size() == upper.object_offset;
}
}

VmaList::VmaList(VirtAddr lowest, VirtAddr highest)
    : m_lowest(lowest)
    , m_highest(highest)
{
}

VmaList::~VmaList()
{
    while (auto* area = m_areas.first())
        remove(*area);
}

void VmaList::remove(Vma& area)
{
    if (m_last_hit == &area)
        m_last_hit = nullptr;
    m_areas.remove(area);
    delete &area;
}

Vma* VmaList::find(VirtAddr address)
{
    if (m_last_hit && m_last_hit->contains(address))
        return m_last_hit;
    for (auto& area : m_areas) {
        if (area.start > address)
            break;
        if (area.contains(address))
            return m_last_hit = &area;
    }
    return nullptr;
}

Vma* VmaList::find_next(VirtAddr address)
{
    for (auto& area : m_areas) {
        if (area.end > address)
            return &area;
    }
    return nullptr;
}

bool VmaList::is_free(VirtAddr start, usize size)
{
    if (!range_ok(start, size) || start < m_lowest || start + size > m_highest)
        return false;
    Vma* next = find_next(start);
    return !next || next->start >= start + size;
}

ErrorOr<VirtAddr> VmaList::find_free(usize size, VirtAddr hint, VirtAddr top_down_from)
{
    size = align_up(size, kPage);
    if (size == 0 || size > m_highest - m_lowest)
        return Error::from_errno(ENOMEM);
    hint = align_down(hint, kPage);
    if (hint && is_free(hint, size))
        return hint;
    if (top_down_from > m_highest || top_down_from == 0)
        top_down_from = m_highest;
    // Walk the gaps downward: [area below].end .. [area above].start.
    VirtAddr gap_end = top_down_from;
    Vma* area = m_areas.last();
    while (area && area->start >= gap_end)
        area = m_areas.prev(*area);
    for (;;) {
        VirtAddr gap_start = area ? area->end : m_lowest;
        if (gap_end > gap_start && gap_end - gap_start >= size)
            return gap_end - size;
        if (!area)
            break;
        gap_end = area->start;
        area = m_areas.prev(*area);
    }
    return Error::from_errno(ENOMEM);
}

ErrorOr<Vma*> VmaList::insert(VirtAddr start, usize size, u32 prot, u32 flags, RefPtr<MemoryObject> object,
    u64 object_offset)
{
    if (!range_ok(start, size) || start < m_lowest || start + size > m_highest)
        return Error::from_errno(EINVAL);
    if (!is_free(start, size))
        return Error::from_errno(EEXIST);
    auto* area = new (std::nothrow) Vma;
    if (!area)
        return Error::from_errno(ENOMEM);
    area->start = start;
    area->end = start + size;
    area->prot = prot;
    area->flags = flags;
    area->object = std::move(object);
    area->object_offset = object_offset;
    Vma* next = find_next(start);
    if (next)
        m_areas.insert_before(*next, *area);
    else
        m_areas.append(*area);
    try_merge_with_neighbours(*area);
    // The merge may have freed `area`; find what now covers `start`.
    return find(start);
}

void VmaList::try_merge_with_neighbours(Vma& area)
{
    Vma* current = &area;
    if (Vma* lower = m_areas.prev(*current); lower && mergeable(*lower, *current)) {
        lower->end = current->end;
        remove(*current);
        current = lower;
    }
    if (Vma* upper = m_areas.next(*current); upper && mergeable(*current, *upper)) {
        current->end = upper->end;
        remove(*upper);
    }
}

ErrorOr<Vma*> VmaList::split(Vma& area, VirtAddr at)
{
    auto* upper = new (std::nothrow) Vma;
    if (!upper)
        return Error::from_errno(ENOMEM);
    upper->start = at;
    upper->end = area.end;
    upper->prot = area.prot;
    upper->flags = area.flags;
    upper->object = area.object;
    upper->object_offset = area.object_offset + (at - area.start);
    area.end = at;
    if (Vma* next = m_areas.next(area))
        m_areas.insert_before(*next, *upper);
    else
        m_areas.append(*upper);
    return upper;
}

ErrorOr<void> VmaList::unmap(VirtAddr start, usize size, RangeCallback removed, void* context)
{
    if (!range_ok(start, size))
        return Error::from_errno(EINVAL);
    VirtAddr end = start + size;
    // Split first (the only step that can fail), so a failure leaves the
    // map unchanged in what it covers.
    if (Vma* first = find(start); first && first->start < start)
        TRY(split(*first, start));
    if (Vma* last = find(end - 1); last && last->end > end)
        TRY(split(*last, end));
    for (auto& area : m_areas.removal_safe()) {
        if (area.start >= end)
            break;
        if (area.end <= start)
            continue;
        if (removed)
            removed(area, area.start, area.end, context);
        remove(area);
    }
    return {};
}

ErrorOr<void> VmaList::protect(VirtAddr start, usize size, u32 prot, RangeCallback changed, void* context)
{
    if (!range_ok(start, size))
        return Error::from_errno(EINVAL);
    VirtAddr end = start + size;
    // Every page must be mapped.
    for (VirtAddr at = start; at < end;) {
        Vma* area = find(at);
        if (!area)
            return Error::from_errno(ENOMEM);
        at = area->end;
    }
    if (Vma* first = find(start); first->start < start)
        TRY(split(*first, start));
    if (Vma* last = find(end - 1); last->end > end)
        TRY(split(*last, end));
    Vma* area = find(start);
    while (area && area->start < end) {
        area->prot = prot;
        if (changed)
            changed(*area, area->start, area->end, context);
        area = m_areas.next(*area);
    }
    // Merge what became identical, from the first changed area upward.
    area = find(start);
    if (Vma* lower = m_areas.prev(*area))
        area = lower;
    while (area && area->start < end) {
        Vma* upper = m_areas.next(*area);
        if (upper && mergeable(*area, *upper)) {
            area->end = upper->end;
            remove(*upper);
            continue;
        }
        area = upper;
    }
    m_last_hit = nullptr;
    return {};
}

ErrorOr<void> VmaList::change_flags(VirtAddr start, usize size, u32 set, u32 clear)
{
    if (!range_ok(start, size))
        return Error::from_errno(EINVAL);
    VirtAddr end = start + size;
    for (VirtAddr at = start; at < end;) {
        Vma* area = find(at);
        if (!area)
            return Error::from_errno(ENOMEM);
        at = area->end;
    }
    if (Vma* first = find(start); first->start < start)
        TRY(split(*first, start));
    if (Vma* last = find(end - 1); last->end > end)
        TRY(split(*last, end));
    for (Vma* area = find(start); area && area->start < end; area = m_areas.next(*area))
        area->flags = (area->flags | set) & ~clear;
    // Merge what became identical again (MADV_DOFORK undoing DONTFORK).
    Vma* area = find(start);
    if (Vma* lower = m_areas.prev(*area))
        area = lower;
    while (area && area->start < end) {
        Vma* upper = m_areas.next(*area);
        if (upper && mergeable(*area, *upper)) {
            area->end = upper->end;
            remove(*upper);
            continue;
        }
        area = upper;
    }
    m_last_hit = nullptr;
    return {};
}

ErrorOr<void> VmaList::clone_into(VmaList& other) const
{
    for (auto const& area : m_areas) {
        if (area.flags & kVmaDontFork)
            continue;
        auto* copy = new (std::nothrow) Vma;
        if (!copy)
            return Error::from_errno(ENOMEM);
        copy->start = area.start;
        copy->end = area.end;
        copy->prot = area.prot;
        copy->flags = area.flags;
        copy->object = area.object;
        copy->object_offset = area.object_offset;
        other.m_areas.append(*copy);
    }
    return {};
}

usize VmaList::mapped_bytes() const
{
    usize total = 0;
    for (auto const& area : m_areas)
        total += area.size();
    return total;
}

}
