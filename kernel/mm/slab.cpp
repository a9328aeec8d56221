// SlabCache (mm/slab.h): slab layout, object allocation and the three slab
// lists. The public methods take the cache's lock; the private helpers run
// with it held.
#include <lib/log.h>
#include <lib/string.h>
#include <mm/slab.h>
#include <new>

namespace mm {

// The header at the start of every slab block. The in-use bitmap follows it
// directly; the objects start at the cache's m_objects_offset.
class Slab {
public:
    SlabCache* cache;
    Slab* prev;
    Slab* next;
    void* free_list; // the free objects, chained through their first word
    usize in_use;
};

static constexpr usize kBitsPerWord = 64;

static constexpr usize bitmap_words(usize capacity) { return (capacity + kBitsPerWord - 1) / kBitsPerWord; }

SlabCache::SlabCache(const char* name, usize object_size, usize alignment, PageSource& source)
    : m_name(name)
    , m_object_size(object_size)
    , m_alignment(alignment < alignof(void*) ? alignof(void*) : alignment)
    , m_stride(0)
    , m_source(source)
{
    VERIFY(object_size > 0);
    VERIFY(alignment != 0 && (alignment & (alignment - 1)) == 0);
    VERIFY(alignment <= kPageSize);
    // A free object holds the free-chain link, so it is at least a pointer.
    m_stride = align_up(object_size < sizeof(void*) ? sizeof(void*) : object_size, m_alignment);

    // The smallest slab that wastes at most an eighth of itself (header,
    // bitmap, alignment padding and the tail that fits no object); failing
    // that, the one that wastes the smallest share.
    usize best_waste = 0;
    usize best_bytes = 0;
    for (unsigned order = 0; order <= kMaxSlabOrder; ++order) {
        usize capacity = capacity_for(order);
        if (capacity == 0)
            continue;
        usize bytes = kPageSize << order;
        usize waste = bytes - capacity * m_stride;
        bool better = m_capacity == 0 || waste * best_bytes < best_waste * bytes;
        if (better) {
            m_slab_order = order;
            m_capacity = capacity;
            best_waste = waste;
            best_bytes = bytes;
        }
        if (waste * 8 <= bytes)
            break;
    }
    VERIFY(m_capacity > 0); // the object does not fit the largest slab
    m_objects_offset = objects_offset_for(m_capacity);
}

usize SlabCache::objects_offset_for(usize capacity) const
{
    return align_up(sizeof(Slab) + bitmap_words(capacity) * sizeof(u64), m_alignment);
}

usize SlabCache::capacity_for(unsigned order) const
{
    usize bytes = kPageSize << order;
    if (objects_offset_for(1) + m_stride > bytes)
        return 0;
    // Start from the count that ignores the bitmap, then give back objects
    // until the bitmap fits too.
    usize capacity = (bytes - objects_offset_for(1)) / m_stride;
    while (capacity > 0 && objects_offset_for(capacity) + capacity * m_stride > bytes)
        --capacity;
    return capacity;
}

u8* SlabCache::objects_of(Slab* slab) const { return reinterpret_cast<u8*>(slab) + m_objects_offset; }

u64* SlabCache::bitmap_of(Slab* slab) const { return reinterpret_cast<u64*>(slab + 1); }

SlabCache::SlabList& SlabCache::list_for(usize in_use)
{
    return const_cast<SlabList&>(static_cast<SlabCache const*>(this)->list_for(in_use));
}

SlabCache::SlabList const& SlabCache::list_for(usize in_use) const
{
    if (in_use == 0)
        return m_empty;
    if (in_use == m_capacity)
        return m_full;
    return m_partial;
}

void SlabCache::list_push(SlabList& list, Slab* slab)
{
    slab->prev = nullptr;
    slab->next = list.head;
    if (list.head)
        list.head->prev = slab;
    list.head = slab;
    ++list.count;
}

void SlabCache::list_remove(SlabList& list, Slab* slab)
{
    if (slab->prev)
        slab->prev->next = slab->next;
    else
        list.head = slab->next;
    if (slab->next)
        slab->next->prev = slab->prev;
    slab->prev = slab->next = nullptr;
    --list.count;
}

void SlabCache::move_slab(Slab* slab, usize old_in_use)
{
    auto& from = list_for(old_in_use);
    auto& to = list_for(slab->in_use);
    if (&from == &to)
        return;
    list_remove(from, slab);
    list_push(to, slab);
}

ErrorOr<Slab*> SlabCache::grow()
{
    void* block = TRY(m_source.allocate_pages(m_slab_order));
    PageFrame* frame = m_source.block_frame(block);
    VERIFY(frame != nullptr);

    auto* slab = new (block) Slab { this, nullptr, nullptr, nullptr, 0 };
    memset(bitmap_of(slab), 0, bitmap_words(m_capacity) * sizeof(u64));
    // Chained from the last object down, so objects are handed out in
    // address order.
    u8* objects = objects_of(slab);
    for (usize index = m_capacity; index-- > 0;) {
        void* object = objects + index * m_stride;
        *static_cast<void**>(object) = slab->free_list;
        slab->free_list = object;
    }
    frame->set_state(PageFrame::State::Slab);
    frame->slab = slab;
    list_push(m_empty, slab);
    return slab;
}

void SlabCache::release_slab(Slab* slab)
{
    VERIFY(slab->in_use == 0);
    list_remove(m_empty, slab);
    PageFrame* frame = m_source.block_frame(slab);
    VERIFY(frame != nullptr && frame->slab == slab);
    frame->slab = nullptr;
    frame->set_state(PageFrame::State::Allocated);
    m_source.free_pages(slab, m_slab_order);
}

ErrorOr<void*> SlabCache::allocate()
{
    SpinlockLocker locker(m_lock);
    Slab* slab = m_partial.head ? m_partial.head : m_empty.head;
    if (!slab)
        slab = TRY(grow());

    void* object = slab->free_list;
    VERIFY(object != nullptr);
    slab->free_list = *static_cast<void**>(object);
    usize index = static_cast<usize>(static_cast<u8*>(object) - objects_of(slab)) / m_stride;
    u64& word = bitmap_of(slab)[index / kBitsPerWord];
    u64 bit = u64(1) << (index % kBitsPerWord);
    VERIFY((word & bit) == 0); // the free chain was overwritten through a freed object
    word |= bit;

    ++slab->in_use;
    move_slab(slab, slab->in_use - 1);
    ++m_objects_in_use;
    return object;
}

void SlabCache::free(void* object)
{
    VERIFY(object != nullptr);
    PageFrame* frame = m_source.block_frame(object);
    VERIFY(frame != nullptr && frame->state == PageFrame::State::Slab);
    Slab* slab = frame->slab;
    VERIFY(slab->cache == this);
    SpinlockLocker locker(m_lock);

    auto address = reinterpret_cast<uptr>(object);
    auto first = reinterpret_cast<uptr>(objects_of(slab));
    VERIFY(address >= first);
    VERIFY((address - first) % m_stride == 0);
    usize index = (address - first) / m_stride;
    VERIFY(index < m_capacity);
    u64& word = bitmap_of(slab)[index / kBitsPerWord];
    u64 bit = u64(1) << (index % kBitsPerWord);
    VERIFY((word & bit) != 0); // a double free
    word &= ~bit;

    *static_cast<void**>(object) = slab->free_list;
    slab->free_list = object;
    --slab->in_use;
    move_slab(slab, slab->in_use + 1);
    --m_objects_in_use;

    if (slab->in_use == 0 && m_empty.count > 1)
        release_slab(slab);
}

void SlabCache::release_empty_slabs()
{
    SpinlockLocker locker(m_lock);
    while (m_empty.head)
        release_slab(m_empty.head);
}

SlabCache::Stats SlabCache::stats() const
{
    SpinlockLocker locker(m_lock);
    usize slabs = m_partial.count + m_full.count + m_empty.count;
    return Stats {
        .objects_in_use = m_objects_in_use,
        .objects_free = slabs * m_capacity - m_objects_in_use,
        .slabs = slabs,
        .empty_slabs = m_empty.count,
        .slab_bytes = slabs * (kPageSize << m_slab_order),
    };
}

SlabCache* SlabCache::cache_of(PageFrame const& frame)
{
    if (frame.state != PageFrame::State::Slab || frame.slab == nullptr)
        return nullptr;
    return frame.slab->cache;
}

bool SlabCache::check_slab(Slab* slab, SlabList const& list) const
{
    auto broken = [this](const char* what) {
        log_error("slab cache %s: %s", m_name, what);
        return false;
    };
    if (slab->cache != this)
        return broken("slab of another cache on a list");
    if (&list_for(slab->in_use) != &list)
        return broken("slab on the wrong list for its fill level");
    PageFrame* frame = m_source.block_frame(slab);
    if (frame == nullptr || frame->state != PageFrame::State::Slab || frame->slab != slab)
        return broken("slab block's frame does not point back");
    usize marked = 0;
    for (usize word = 0; word < bitmap_words(m_capacity); ++word)
        marked += static_cast<usize>(__builtin_popcountll(bitmap_of(slab)[word]));
    if (marked != slab->in_use)
        return broken("bitmap disagrees with the in-use count");
    usize chained = 0;
    auto first = reinterpret_cast<uptr>(objects_of(slab));
    for (void* object = slab->free_list; object; object = *static_cast<void**>(object)) {
        auto address = reinterpret_cast<uptr>(object);
        if (address < first || (address - first) % m_stride != 0 || (address - first) / m_stride >= m_capacity)
            return broken("free chain leaves the slab");
        usize index = (address - first) / m_stride;
        if (bitmap_of(slab)[index / kBitsPerWord] & (u64(1) << (index % kBitsPerWord)))
            return broken("object both free and in use");
        if (++chained > m_capacity)
            return broken("free chain longer than the slab (a cycle?)");
    }
    if (chained != m_capacity - slab->in_use)
        return broken("free chain disagrees with the in-use count");
    return true;
}

bool SlabCache::check_invariants() const
{
    SpinlockLocker locker(m_lock);
    usize in_use = 0;
    SlabList const* lists[] = { &m_partial, &m_full, &m_empty };
    for (SlabList const* list : lists) {
        usize count = 0;
        Slab* previous = nullptr;
        for (Slab* slab = list->head; slab; slab = slab->next) {
            if (slab->prev != previous || ++count > list->count) {
                log_error("slab cache %s: slab list links broken", m_name);
                return false;
            }
            if (!check_slab(slab, *list))
                return false;
            in_use += slab->in_use;
            previous = slab;
        }
        if (count != list->count) {
            log_error("slab cache %s: slab list count wrong", m_name);
            return false;
        }
    }
    if (in_use != m_objects_in_use) {
        log_error("slab cache %s: objects in use miscounted", m_name);
        return false;
    }
    return true;
}

}
