// FileObject; see file_object.h.
#include <lib/string.h>
#include <mm/file_object.h>
#include <mm/layout.h>

namespace mm {

FileObject::FileObject(const char* description)
{
    usize length = description ? strnlen(description, sizeof(m_description) - 1) : 0;
    memcpy(m_description, description, length);
    m_description[length] = 0;
}

ErrorOr<PhysAddr> FileObject::get_page(u64 page_index)
{
    // A page wholly past the end of the file is SIGBUS, as on Linux; the
    // page holding the end reads zeros after it (the file system keeps
    // that tail zeroed).
    u64 size = file_size();
    if (page_index >= (size + kPageSize - 1) / kPageSize)
        return Error::from_errno(EFAULT);
    // The file holds one reference and has taken another for the mapping:
    // a private mapping's write fault sees a count above one and copies,
    // unmapping never frees the file's page, and a page the file drops
    // (truncate, unlink) lives until its last mapping goes.
    u8* page = TRY(file_page(page_index));
    VERIFY(is_aligned(reinterpret_cast<VirtAddr>(page), kPageSize));
    return virt_to_phys(page);
}

}
