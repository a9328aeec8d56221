// SharedMemory; see shared_memory.h.
#include <lib/string.h>
#include <mm/layout.h>
#include <mm/page_ref.h>
#include <mm/shared_memory.h>
#include <new>

namespace mm {

ErrorOr<PhysAddr> allocate_zeroed_page()
{
    PhysAddr page = TRY(page_allocator().allocate(0));
    memset(phys_to_virt(page), 0, kPageSize);
    return page;
}

ErrorOr<RefPtr<SharedMemory>> SharedMemory::create(usize size)
{
    usize pages = align_up(size, kPageSize) / kPageSize;
    if (pages == 0)
        return Error::from_errno(EINVAL);
    auto* table = new (std::nothrow) PhysAddr[pages];
    if (!table)
        return Error::from_errno(ENOMEM);
    memset(table, 0, pages * sizeof(PhysAddr));
    auto* object = new (std::nothrow) SharedMemory(pages, table);
    if (!object) {
        delete[] table;
        return Error::from_errno(ENOMEM);
    }
    return adopt_ref(object);
}

SharedMemory::~SharedMemory()
{
    for (usize i = 0; i < m_page_count; ++i) {
        if (m_pages[i])
            page_unref(m_pages[i]);
    }
    delete[] m_pages;
}

ErrorOr<PhysAddr> SharedMemory::get_page(u64 page_index)
{
    if (page_index >= m_page_count)
        return Error::from_errno(EFAULT);
    SpinlockLocker locker(m_lock);
    if (!m_pages[page_index])
        m_pages[page_index] = TRY(allocate_zeroed_page());
    page_ref(m_pages[page_index]);
    return m_pages[page_index];
}

usize SharedMemory::resident_pages() const
{
    usize n = 0;
    for (usize i = 0; i < m_page_count; ++i)
        n += m_pages[i] != 0;
    return n;
}

}
