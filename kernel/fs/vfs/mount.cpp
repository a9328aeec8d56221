// Mounts and the mount table (fs/vfs/mount.h).
//
// The table owns one reference to every attached mount (taken when it is
// linked, dropped after it is unlinked and the lock released: dropping the
// last reference may free a whole file system, which takes file-system
// locks, never this one).
#include <fs/vfs/mount.h>

namespace vfs {

Mount::Mount(RefPtr<Inode> root, RefPtr<Mount> parent, RefPtr<Inode> mountpoint, KString source, u32 flags, u64 id)
    : m_root(std::move(root))
    , m_parent(std::move(parent))
    , m_mountpoint(std::move(mountpoint))
    , m_source(std::move(source))
    , m_flags(flags & kKeptFlags)
    , m_id(id)
{
}

Mount::~Mount()
{
    VERIFY(!m_table_node.is_linked());
}

MountTable::~MountTable()
{
    IntrusiveList<Mount, &Mount::m_table_node> removed;
    {
        FsLocker locker(m_lock);
        while (Mount* mount = m_mounts.last())
            detach_locked(*mount, removed);
        m_root = nullptr;
    }
    while (Mount* mount = removed.pop_front())
        mount->unref();
}

bool MountTable::is_attached_locked(Mount const& mount) const
{
    return m_mounts.contains(mount);
}

ErrorOr<Location> MountTable::attach(RefPtr<Inode> root, Location const* at, StringView source, u32 flags)
{
    if (!root->is_directory())
        return Error::from_errno(ENOTDIR);
    if (at && !at->inode->is_directory())
        return Error::from_errno(ENOTDIR);
    KString source_copy = TRY(KString::create(source));
    RefPtr<Mount> parent = at ? at->mount : RefPtr<Mount>();
    RefPtr<Inode> mountpoint = at ? at->inode : RefPtr<Inode>();

    FsLocker locker(m_lock);
    if (!at && m_root)
        return Error::from_errno(EBUSY);
    if (at && !is_attached_locked(*at->mount))
        return Error::from_errno(ENOENT);
    Mount* mount = new (std::nothrow) Mount(root, std::move(parent), std::move(mountpoint), std::move(source_copy), flags, m_next_id);
    if (!mount)
        return Error::from_errno(ENOMEM);
    ++m_next_id;
    // The new object's first reference is the table's.
    m_mounts.append(*mount);
    if (at)
        at->inode->add_mount();
    else
        m_root = mount;
    return Location { RefPtr<Mount>(mount), root };
}

ErrorOr<Location> MountTable::mount_root(RefPtr<Inode> root, StringView source, u32 flags)
{
    return attach(std::move(root), nullptr, source, flags);
}

ErrorOr<Location> MountTable::mount(RefPtr<Inode> root, Location const& at, StringView source, u32 flags)
{
    VERIFY(!at.is_null());
    return attach(std::move(root), &at, source, flags);
}

void MountTable::detach_locked(Mount& mount, IntrusiveList<Mount, &Mount::m_table_node>& removed)
{
    // Children first: each is unlinked before its parent, and a child
    // added to `removed` keeps its parent alive until it goes itself.
    for (;;) {
        Mount* child = nullptr;
        for (auto& candidate : m_mounts) {
            if (candidate.parent() == &mount) {
                child = &candidate;
                break;
            }
        }
        if (!child)
            break;
        detach_locked(*child, removed);
    }
    m_mounts.remove(mount);
    mount.m_detached.store(true, std::memory_order_release);
    if (mount.mountpoint())
        mount.mountpoint()->remove_mount();
    if (m_root == &mount)
        m_root = nullptr;
    removed.append(mount);
}

ErrorOr<void> MountTable::unmount(Location&& at, u32 flags)
{
    VERIFY(!at.is_null());
    if (!at.is_mount_root())
        return Error::from_errno(EINVAL);
    Mount* mount = at.mount.ptr();
    IntrusiveList<Mount, &Mount::m_table_node> removed;
    {
        FsLocker locker(m_lock);
        if (!is_attached_locked(*mount))
            return Error::from_errno(EINVAL);
        // The caller's reference goes (never the last one: the table holds
        // another), so what remains is the table's plus those of real users.
        at = Location {};
        if (mount == m_root)
            return Error::from_errno(EBUSY);
        if (!(flags & MNT_DETACH)) {
            for (auto& candidate : m_mounts) {
                if (candidate.parent() == mount)
                    return Error::from_errno(EBUSY);
            }
            if (mount->ref_count() > 1)
                return Error::from_errno(EBUSY);
        }
        detach_locked(*mount, removed);
    }
    while (Mount* gone = removed.pop_front())
        gone->unref();
    return {};
}

ErrorOr<void> MountTable::remount(Location const& at, u32 flags)
{
    if (!at.is_mount_root())
        return Error::from_errno(EINVAL);
    FsLocker locker(m_lock);
    if (!is_attached_locked(*at.mount))
        return Error::from_errno(EINVAL);
    at.mount->m_flags.store(flags & Mount::kKeptFlags, std::memory_order_relaxed);
    return {};
}

RefPtr<Mount> MountTable::mounted_on(Mount const& parent, Inode const& directory) const
{
    if (!directory.is_mountpoint())
        return {};
    FsLocker locker(m_lock);
    for (auto& mount : const_cast<MountTable*>(this)->m_mounts) {
        if (mount.parent() == &parent && mount.mountpoint() == &directory)
            return RefPtr<Mount>(&mount);
    }
    return {};
}

Location MountTable::root() const
{
    FsLocker locker(m_lock);
    if (!m_root)
        return {};
    return Location { RefPtr<Mount>(m_root), RefPtr<Inode>(&m_root->root()) };
}

}
