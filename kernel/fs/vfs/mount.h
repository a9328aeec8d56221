// Mounts (CONCEPTS F4): where file systems hang in the one directory tree.
// A Mount attaches a file system's root directory (or, for a bind mount,
// any directory) over a directory of another mount; the MountTable is the
// set of them, with "/" as its root mount. Path walks (fs/vfs/namei.cpp)
// cross from a mountpoint into the mount over it, and ".." from a mount's
// root back to the directory it covers.
//
// A Location is where a path lands: a directory or file *and* the mount it
// was reached through, since one inode can be visible in several places
// (bind mounts) and ".." out of a mount root depends on the mount (Linux's
// struct path). Working directories, roots and open files hold Locations,
// and so hold their mount: umount refuses (EBUSY) while anything does,
// unless asked to detach lazily (MNT_DETACH).
//
// One mount table serves the whole system for now; mount namespaces would
// make it per process. Tests build their own.
//
// Locking: the table's lock guards the list and each mount's membership;
// a mount's root, parent and mountpoint never change after creation.
// Host-buildable.
#pragma once

#include <atomic>
#include <fs/vfs/fs_lock.h>
#include <fs/vfs/inode.h>
#include <lib/error_or.h>
#include <lib/intrusive_list.h>
#include <lib/kstring.h>
#include <lib/ref_counted.h>
#include <lib/string_view.h>

namespace vfs {

class MountTable;

class Mount : public RefCounted<Mount> {
public:
    // The mount flags a mount keeps (the rest of mount(2)'s flags are
    // requests, not state).
    static constexpr u32 kKeptFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME
        | MS_NODIRATIME | MS_RELATIME | MS_NOSYMFOLLOW;

    ~Mount();

    Inode& root() const { return *m_root; }
    FileSystem& fs() const { return m_root->fs(); }
    // The mount holding the covered directory, and that directory; both
    // null for the root mount.
    Mount* parent() const { return m_parent.ptr(); }
    Inode* mountpoint() const { return m_mountpoint.ptr(); }
    StringView source() const { return m_source.view(); }
    u64 id() const { return m_id; }

    u32 flags() const { return m_flags.load(std::memory_order_relaxed); }
    bool is_read_only() const { return flags() & MS_RDONLY; }
    // Unmounted (possibly lazily, still in use): no longer in the tree.
    bool is_detached() const { return m_detached.load(std::memory_order_acquire); }

private:
    friend class MountTable;
    Mount(RefPtr<Inode> root, RefPtr<Mount> parent, RefPtr<Inode> mountpoint, KString source, u32 flags, u64 id);

    RefPtr<Inode> m_root;
    RefPtr<Mount> m_parent;
    RefPtr<Inode> m_mountpoint;
    KString m_source;
    std::atomic<u32> m_flags;
    std::atomic<bool> m_detached { false };
    u64 m_id;

public:
    IntrusiveListNode m_table_node;
};

// Where a path lands. Both pointers set, or both null.
struct Location {
    RefPtr<Mount> mount;
    RefPtr<Inode> inode;

    bool is_null() const { return inode.is_null(); }
    bool operator==(Location const& other) const { return mount.ptr() == other.mount.ptr() && inode.ptr() == other.inode.ptr(); }
    // The root directory of its mount (where ".." leaves the mount).
    bool is_mount_root() const { return mount && inode.ptr() == &mount->root(); }
};

class MountTable {
public:
    MountTable() = default;
    MountTable(MountTable const&) = delete;
    MountTable& operator=(MountTable const&) = delete;
    // Detaches every mount; mounts still referenced live on, detached.
    ~MountTable();

    // The "/" mount. EBUSY if there already is one.
    ErrorOr<Location> mount_root(RefPtr<Inode> root, StringView source, u32 flags);
    // Mounts `root` (a directory) over the directory `at`. ENOTDIR when
    // either is not a directory, ENOENT when `at` is in a detached mount.
    ErrorOr<Location> mount(RefPtr<Inode> root, Location const& at, StringView source, u32 flags);
    // Unmounts the mount whose root `at` names (EINVAL otherwise). The
    // caller hands over its own reference. EBUSY for "/", for a mount with
    // mounts inside it and for one something still uses (open files,
    // working directories), unless `flags` has MNT_DETACH: then the mount
    // and everything mounted inside it leave the tree now and go away
    // when their last user does.
    ErrorOr<void> unmount(Location&& at, u32 flags);
    // Changes the kept flags of the mount whose root `at` names (EINVAL otherwise).
    ErrorOr<void> remount(Location const& at, u32 flags);

    // The mount over `directory` of `parent`, or null.
    RefPtr<Mount> mounted_on(Mount const& parent, Inode const& directory) const;
    Location root() const;

    // Calls `callback(Mount const&)` for every attached mount, in mount
    // order (for /proc/mounts), with the table locked.
    template<typename Callback>
    void for_each(Callback callback) const
    {
        FsLocker locker(m_lock);
        for (auto& mount : const_cast<MountTable*>(this)->m_mounts)
            callback(static_cast<Mount const&>(mount));
    }

private:
    ErrorOr<Location> attach(RefPtr<Inode> root, Location const* at, StringView source, u32 flags);
    void detach_locked(Mount& mount, IntrusiveList<Mount, &Mount::m_table_node>& removed);
    bool is_attached_locked(Mount const& mount) const;

    mutable FsLock m_lock { "mount table" };
    IntrusiveList<Mount, &Mount::m_table_node> m_mounts;
    Mount* m_root { nullptr };
    u64 m_next_id { 1 };
};

}
