// A process's root, working directory and umask (fs/vfs/fs_context.h).
#include <fs/vfs/fs_context.h>

namespace vfs {

ErrorOr<RefPtr<FsContext>> FsContext::create(Location root, Location cwd, u32 umask)
{
    auto* context = new (std::nothrow) FsContext(std::move(root), std::move(cwd), umask);
    if (!context)
        return Error::from_errno(ENOMEM);
    return adopt_ref(context);
}

Location FsContext::root() const
{
    FsLocker locker(m_lock);
    return m_root;
}

Location FsContext::cwd() const
{
    FsLocker locker(m_lock);
    return m_cwd;
}

u32 FsContext::umask() const
{
    FsLocker locker(m_lock);
    return m_umask;
}

void FsContext::set_root(Location root)
{
    {
        FsLocker locker(m_lock);
        m_root.mount.swap(root.mount);
        m_root.inode.swap(root.inode);
    }
    // `root` now holds the old one, released here without the lock.
}

void FsContext::set_cwd(Location cwd)
{
    {
        FsLocker locker(m_lock);
        m_cwd.mount.swap(cwd.mount);
        m_cwd.inode.swap(cwd.inode);
    }
}

u32 FsContext::set_umask(u32 umask)
{
    FsLocker locker(m_lock);
    u32 old = m_umask;
    m_umask = umask & 0777;
    return old;
}

ErrorOr<RefPtr<FsContext>> FsContext::clone() const
{
    Location root;
    Location cwd;
    u32 umask;
    {
        FsLocker locker(m_lock);
        root = m_root;
        cwd = m_cwd;
        umask = m_umask;
    }
    return create(std::move(root), std::move(cwd), umask);
}

}
