// tmpfs regular files (fs/tmpfs/tmpfs_inodes.h): data in pages found by
// the file's PageIndex; holes read as zeros; pages are counted against the
// file system's size limit as they are allocated.
#include <fs/tmpfs/tmpfs_inodes.h>
#include <fs/vfs/fs_clock.h>
#include <lib/string.h>

namespace tmpfs {

namespace {
constexpr u64 kPageSize = PageIndex::kPageSize;
}

TmpfsFile::~TmpfsFile()
{
    tmpfs().uncharge_pages(m_pages.free_from(0));
}

ErrorOr<usize> TmpfsFile::read(u64 offset, IoBuffer& buffer, usize count)
{
    i64 now = vfs::fs_now_ns();
    FsLocker locker(m_lock);
    note_access_locked(now);
    if (offset >= m_size)
        return usize(0);
    if (count > m_size - offset)
        count = static_cast<usize>(m_size - offset);
    usize done = 0;
    while (done < count) {
        u64 position = offset + done;
        usize in_page = static_cast<usize>(position % kPageSize);
        usize chunk = kPageSize - in_page;
        if (chunk > count - done)
            chunk = count - done;
        if (u8 const* page = m_pages.find(position / kPageSize))
            TRY(buffer.write_bytes(done, page + in_page, chunk));
        else
            TRY(buffer.write_zeros(done, chunk));
        done += chunk;
    }
    return done;
}

ErrorOr<usize> TmpfsFile::write(u64& offset, IoBuffer const& buffer, usize count, bool append)
{
    i64 now = vfs::fs_now_ns();
    FsLocker locker(m_lock);
    if (append)
        offset = m_size;
    if (count == 0)
        return usize(0);
    if (offset >= kMaxSize)
        return Error::from_errno(EFBIG);
    if (count > kMaxSize - offset)
        count = static_cast<usize>(kMaxSize - offset);

    usize done = 0;
    Error failure = Error::from_errno(0);
    while (done < count) {
        u64 position = offset + done;
        u64 index = position / kPageSize;
        usize in_page = static_cast<usize>(position % kPageSize);
        usize chunk = kPageSize - in_page;
        if (chunk > count - done)
            chunk = count - done;
        u8* page = m_pages.find(index);
        if (!page) {
            auto charged = tmpfs().charge_pages(1);
            if (charged.is_error()) {
                failure = charged.error();
                break;
            }
            auto allocated = m_pages.find_or_allocate(index);
            if (allocated.is_error()) {
                tmpfs().uncharge_pages(1);
                failure = allocated.error();
                break;
            }
            page = allocated.value();
        }
        auto copied = buffer.read_bytes(done, page + in_page, chunk);
        if (copied.is_error()) {
            failure = copied.error();
            break;
        }
        done += chunk;
    }
    update_blocks_locked();
    if (done == 0)
        return failure;
    if (offset + done > m_size)
        m_size = offset + done;
    note_modification_locked(now);
    return done;
}

ErrorOr<void> TmpfsFile::truncate(u64 size)
{
    if (size > kMaxSize)
        return Error::from_errno(EFBIG);
    i64 now = vfs::fs_now_ns();
    FsLocker locker(m_lock);
    // Whatever lies past the shorter of the two sizes goes, so that a file
    // grown later reads zeros there (including what a failed write left in
    // a page past the end).
    u64 keep = size < m_size ? size : m_size;
    tmpfs().uncharge_pages(m_pages.free_from(align_up(keep, kPageSize) / kPageSize));
    if (keep % kPageSize) {
        if (u8* page = m_pages.find(keep / kPageSize))
            memset(page + keep % kPageSize, 0, kPageSize - keep % kPageSize);
    }
    m_size = size;
    update_blocks_locked();
    note_modification_locked(now);
    return {};
}

ErrorOr<u8*> TmpfsFile::page_for_mapping(u64 page_index)
{
    if (page_index >= PageIndex::kMaxPages)
        return Error::from_errno(EFBIG);
    FsLocker locker(m_lock);
    if (u8* page = m_pages.find(page_index))
        return page;
    TRY(tmpfs().charge_pages(1));
    auto allocated = m_pages.find_or_allocate(page_index);
    if (allocated.is_error()) {
        tmpfs().uncharge_pages(1);
        return allocated.error();
    }
    update_blocks_locked();
    return allocated.value();
}

}
