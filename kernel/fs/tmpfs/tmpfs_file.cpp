// tmpfs regular files (fs/tmpfs/tmpfs_inodes.h): data in pages found by
// the file's PageIndex; holes read as zeros; pages are counted against the
// file system's size limit while the index holds them.
//
// Copies never run under the inode lock. The buffer of a read or write is
// user memory for a system call, and copying it may fault; the fault
// handler takes the address space's lock and, for a mapping of this very
// file, this inode's lock (mm/file_object.h), which must therefore be free.
// So each page of a read or write goes in three steps: under the lock,
// find (or allocate) the page and take a reference to it; unlocked, copy;
// under the lock again, account for what the copy did. The reference keeps
// the page alive if a truncate takes it out of the file meanwhile.
//
// A write meets a concurrent truncate through m_truncations: a truncate
// that ran while a page was being written may have freed that page or
// zeroed part of what was copied into it, so the write copies that page
// again, after the truncate (as if the two had run in that order) - into a
// bounce page first and from there into the file under the lock, so that
// truncates in a loop cannot starve it. The file grows only once data is
// in place: a write extends m_size after its copy, never before, and bytes
// a failed copy left past the end are zeroed again, keeping the tail of
// the last page zero (what a mapping shows there, mm/file_object.cpp).
//
// Not atomic, unlike Linux (whose writers hold i_rwsem): two writes to
// overlapping bytes through different open files may interleave page by
// page, and so may two O_APPEND writes through different open files, which
// both start at the size they saw.
#include <fs/tmpfs/data_page.h>
#include <fs/tmpfs/tmpfs_inodes.h>
#include <fs/vfs/fs_clock.h>
#include <lib/string.h>

// Mappings of the file's pages past a new, shorter end go from every
// address space (mm/address_space.h). Weak: the host build of tmpfs has no
// address spaces.
namespace mm {
[[gnu::weak]] void unmap_file_pages(void const* file, u64 first_index);
}

namespace tmpfs {

namespace {

constexpr u64 kPageSize = PageIndex::kPageSize;

// The part of the page holding `position` that a copy of at most `left`
// bytes starting there covers.
usize chunk_at(u64 position, usize left)
{
    usize room = static_cast<usize>(kPageSize - position % kPageSize);
    return room < left ? room : left;
}

}

TmpfsFile::~TmpfsFile()
{
    // The last reference to the inode (its last name, open file and
    // mapping) is gone; pages still mapped somewhere keep their own
    // references and are freed by the last unmap.
    tmpfs().uncharge_pages(m_pages.free_from(0));
}

ErrorOr<u8*> TmpfsFile::page_locked(u64 index)
{
    if (u8* page = m_pages.find(index))
        return page;
    TRY(tmpfs().charge_pages(1));
    auto allocated = m_pages.find_or_allocate(index);
    if (allocated.is_error()) {
        tmpfs().uncharge_pages(1);
        return allocated.error();
    }
    update_blocks_locked();
    return allocated.value();
}

ErrorOr<usize> TmpfsFile::read(u64 offset, IoBuffer& buffer, usize count)
{
    i64 now = vfs::fs_now_ns();
    {
        FsLocker locker(m_lock);
        note_access_locked(now);
    }
    usize done = 0;
    while (done < count) {
        u64 position = offset + done;
        usize chunk = chunk_at(position, count - done);
        PageHold hold;
        {
            // The size is read afresh for every page: a read that meets a
            // truncate stops at the new end.
            FsLocker locker(m_lock);
            if (position >= m_size)
                break;
            if (chunk > m_size - position)
                chunk = static_cast<usize>(m_size - position);
            hold.take(m_pages.find(position / kPageSize));
        }
        ErrorOr<void> copied = hold.page() ? buffer.write_bytes(done, hold.page() + position % kPageSize, chunk)
                                           : buffer.write_zeros(done, chunk);
        if (copied.is_error()) {
            // Linux's rule: the bytes read so far, or the error if none.
            if (done == 0)
                return copied.error();
            break;
        }
        done += chunk;
    }
    return done;
}

ErrorOr<void> TmpfsFile::write_page(u64 position, IoBuffer const& buffer, usize from, usize chunk, i64 now, PageHold& bounce)
{
    u64 index = position / kPageSize;
    usize in_page = static_cast<usize>(position % kPageSize);
    {
        PageHold hold;
        u64 truncations;
        {
            FsLocker locker(m_lock);
            hold.take(TRY(page_locked(index)));
            truncations = m_truncations;
        }
        auto copied = buffer.read_bytes(from, hold.page() + in_page, chunk);
        FsLocker locker(m_lock);
        if (m_truncations == truncations) {
            if (copied.is_error()) {
                // The page is still the file's: zero what the copy may
                // have left past the end.
                u64 page_start = position - in_page;
                u64 end_in_page = m_size > page_start ? m_size - page_start : 0;
                if (end_in_page < in_page + chunk) {
                    usize zero_from = end_in_page > in_page ? static_cast<usize>(end_in_page) : in_page;
                    memset(hold.page() + zero_from, 0, in_page + chunk - zero_from);
                }
                return copied.error();
            }
            if (position + chunk > m_size)
                m_size = position + chunk;
            note_modification_locked(now);
            return {};
        }
    }
    // A truncate ran during the copy. Copy again, through a bounce page
    // this time and into the file under the lock, so no further truncate
    // can get in between (and a stream of them cannot starve the write).
    if (!bounce.page())
        bounce.adopt(TRY(allocate_data_page()));
    TRY(buffer.read_bytes(from, bounce.page(), chunk));
    FsLocker locker(m_lock);
    u8* page = TRY(page_locked(index));
    memcpy(page + in_page, bounce.page(), chunk);
    if (position + chunk > m_size)
        m_size = position + chunk;
    note_modification_locked(now);
    return {};
}

ErrorOr<usize> TmpfsFile::write(u64& offset, IoBuffer const& buffer, usize count, bool append)
{
    i64 now = vfs::fs_now_ns();
    if (append) {
        FsLocker locker(m_lock);
        offset = m_size;
    }
    if (count == 0)
        return usize(0);
    if (offset >= kMaxSize)
        return Error::from_errno(EFBIG);
    if (count > kMaxSize - offset)
        count = static_cast<usize>(kMaxSize - offset);

    usize done = 0;
    PageHold bounce;
    while (done < count) {
        u64 position = offset + done;
        usize chunk = chunk_at(position, count - done);
        auto written = write_page(position, buffer, done, chunk, now, bounce);
        if (written.is_error()) {
            // Fewer bytes when the file system filled up or the buffer
            // faulted part way; the error when nothing went.
            if (done == 0)
                return written.error();
            break;
        }
        done += chunk;
    }
    return done;
}

ErrorOr<void> TmpfsFile::truncate(u64 size)
{
    if (size > kMaxSize)
        return Error::from_errno(EFBIG);
    i64 now = vfs::fs_now_ns();
    u64 kept_pages;
    bool shrank;
    {
        FsLocker locker(m_lock);
        shrank = truncate_locked(size, now);
        kept_pages = align_up(size, kPageSize) / kPageSize;
    }
    // After the lock (the fault path takes an address space's lock, then
    // this inode's): a fault from here on finds the new end, and the
    // entries still pointing at dropped pages go now. A shared mapping
    // then sees SIGBUS past the end, and the file's new pages once it grows.
    if (shrank && mm::unmap_file_pages)
        mm::unmap_file_pages(static_cast<vfs::Inode const*>(this), kept_pages);
    return {};
}

bool TmpfsFile::truncate_locked(u64 size, i64 now)
{
    bool shrank = align_up(size, kPageSize) < align_up(m_size, kPageSize);
    // Whatever lies past the shorter of the two sizes goes, so that a file
    // grown later reads zeros there (including what a failed write left in
    // a page past the end). Pages leave the index; one that a mapping or a
    // copy in progress still holds is freed when they let go of it.
    u64 keep = size < m_size ? size : m_size;
    tmpfs().uncharge_pages(m_pages.free_from(align_up(keep, kPageSize) / kPageSize));
    if (keep % kPageSize) {
        if (u8* page = m_pages.find(keep / kPageSize))
            memset(page + keep % kPageSize, 0, kPageSize - keep % kPageSize);
    }
    m_size = size;
    ++m_truncations;
    update_blocks_locked();
    note_modification_locked(now);
    return shrank;
}

ErrorOr<u8*> TmpfsFile::page_for_mapping(u64 page_index)
{
    if (page_index >= PageIndex::kMaxPages)
        return Error::from_errno(EFBIG);
    FsLocker locker(m_lock);
    // Checked again here, under the lock, so a fault racing with a
    // truncate cannot put a page back past the new end: SIGBUS, as Linux.
    if (page_index >= align_up(m_size, kPageSize) / kPageSize)
        return Error::from_errno(EFAULT);
    u8* page = TRY(page_locked(page_index));
    // The mapper's own reference, taken before the lock goes so that a
    // truncate cannot free the page first.
    ref_data_page(page);
    return page;
}

}
