// The page radix tree of tmpfs files (fs/tmpfs/page_index.h).
#include <fs/tmpfs/data_page.h>
#include <fs/tmpfs/page_index.h>
#include <lib/string.h>
#include <new>

namespace tmpfs {

void** PageIndex::allocate_node()
{
    void* node = ::operator new(kPageSize, std::align_val_t { kPageSize }, std::nothrow);
    if (node)
        memset(node, 0, kPageSize);
    return static_cast<void**>(node);
}

void PageIndex::free_node(void* node)
{
    ::operator delete(node, std::align_val_t { kPageSize });
}

u8* PageIndex::find(u64 index) const
{
    if (index >= capacity(m_height))
        return nullptr;
    void* entry = m_root;
    for (u32 level = m_height; level > 0 && entry; --level) {
        u64 slot = (index >> (kFanoutBits * (level - 1))) & (kFanout - 1);
        entry = static_cast<void**>(entry)[slot];
    }
    return static_cast<u8*>(entry);
}

ErrorOr<u8*> PageIndex::find_or_allocate(u64 index)
{
    if (index >= kMaxPages)
        return Error::from_errno(EFBIG);
    if (!m_root) {
        // An empty tree takes whatever height the index needs at once.
        m_height = 0;
        while (index >= capacity(m_height))
            ++m_height;
    }
    while (index >= capacity(m_height)) {
        void** node = allocate_node();
        if (!node)
            return Error::from_errno(ENOMEM);
        node[0] = m_root;
        m_root = node;
        ++m_height;
    }
    void** slot_holder = &m_root;
    for (u32 level = m_height; level > 0; --level) {
        if (!*slot_holder) {
            void** node = allocate_node();
            if (!node)
                return Error::from_errno(ENOMEM);
            *slot_holder = node;
        }
        u64 slot = (index >> (kFanoutBits * (level - 1))) & (kFanout - 1);
        slot_holder = &static_cast<void**>(*slot_holder)[slot];
    }
    if (!*slot_holder) {
        *slot_holder = TRY(allocate_data_page());
        ++m_pages;
    }
    return static_cast<u8*>(*slot_holder);
}

bool PageIndex::free_below(void** node, u32 level, u64 base, u64 first)
{
    u64 span = capacity(level - 1);
    bool empty = true;
    for (u64 slot = 0; slot < kFanout; ++slot) {
        void*& entry = node[slot];
        if (!entry)
            continue;
        u64 start = base + slot * span;
        if (start + span <= first) {
            empty = false;
            continue;
        }
        if (level == 1) {
            unref_data_page(static_cast<u8*>(entry));
            entry = nullptr;
            --m_pages;
            continue;
        }
        if (free_below(static_cast<void**>(entry), level - 1, start, first)) {
            free_node(entry);
            entry = nullptr;
        } else {
            empty = false;
        }
    }
    return empty;
}

u64 PageIndex::free_from(u64 first)
{
    if (!m_root)
        return 0;
    u64 before = m_pages;
    if (m_height == 0) {
        if (first == 0) {
            unref_data_page(static_cast<u8*>(m_root));
            m_root = nullptr;
            --m_pages;
        }
    } else if (free_below(static_cast<void**>(m_root), m_height, 0, first)) {
        free_node(m_root);
        m_root = nullptr;
    }
    if (!m_root)
        m_height = 0;
    return before - m_pages;
}

}
