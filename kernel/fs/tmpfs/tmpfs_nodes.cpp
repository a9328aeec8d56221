// What every tmpfs inode shares (link counts, accounting) and the inodes
// with no data of their own: symlinks and special files
// (fs/tmpfs/tmpfs_inodes.h).
#include <fs/tmpfs/tmpfs_inodes.h>

namespace tmpfs {

TmpfsInode::~TmpfsInode()
{
    tmpfs().release_inode();
}

void TmpfsInode::change_links(int delta, i64 now)
{
    FsLocker locker(m_lock);
    VERIFY(delta >= 0 || m_nlink >= static_cast<u32>(-delta));
    m_nlink = static_cast<u32>(static_cast<i64>(m_nlink) + delta);
    // A directory's count changes with its subdirectories, which touches
    // its mtime elsewhere; a file's count is its own change.
    if (!is_directory())
        m_ctime = now;
}

void TmpfsInode::set_links(u32 count, i64 now)
{
    FsLocker locker(m_lock);
    m_nlink = count;
    m_ctime = now;
}

void TmpfsInode::touch_change(i64 now)
{
    FsLocker locker(m_lock);
    m_ctime = now;
}

ErrorOr<KString> TmpfsSymlink::readlink()
{
    return KString::create(m_target.view());
}

}
