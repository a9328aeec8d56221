// tmpfs directories (fs/tmpfs/tmpfs_inodes.h): a list of entries in the
// order they were added, each with a position that only grows, so a
// getdents64 walk resumed at a position neither repeats nor skips entries
// that stayed (removed ones just vanish, renamed ones move to the end).
// Lookup walks the list: directories here hold hundreds of names, not
// millions.
//
// Every operation takes the file system's namespace lock for its whole
// duration, so a rename (the only operation touching two directories)
// sees and changes the tree atomically, and its loop check (no directory
// into itself) walks parent links that cannot change under it. Objects
// are allocated before the lock is taken, and references are dropped after
// it is released: a last reference dropped under the lock could destroy a
// directory, whose destructor takes the same lock.
#include <fs/tmpfs/tmpfs_inodes.h>
#include <fs/vfs/fs_clock.h>
#include <security/permissions.h>

namespace tmpfs {

namespace {

// A directory entry being built, or taken out of a directory, owned until
// it is linked or freed (after the namespace lock is released).
struct OwnedEntry {
    TmpfsDirEntry* entry { nullptr };
    ~OwnedEntry() { delete entry; }
    TmpfsDirEntry* release()
    {
        TmpfsDirEntry* result = entry;
        entry = nullptr;
        return result;
    }
};

ErrorOr<void> make_entry(OwnedEntry& owned, StringView name, RefPtr<vfs::Inode> inode)
{
    if (name.length() > vfs::kNameMax)
        return Error::from_errno(ENAMETOOLONG);
    KString copy = TRY(KString::create(name));
    owned.entry = new (std::nothrow) TmpfsDirEntry;
    if (!owned.entry)
        return Error::from_errno(ENOMEM);
    owned.entry->name = std::move(copy);
    owned.entry->inode = std::move(inode);
    return {};
}

TmpfsInode& tmpfs_inode(vfs::Inode& inode)
{
    return static_cast<TmpfsInode&>(inode);
}

TmpfsDirectory* as_directory(vfs::Inode& inode)
{
    return inode.is_directory() ? static_cast<TmpfsDirectory*>(&inode) : nullptr;
}

// A new inode of any kind but directory, with a number of its own.
template<typename T, typename... Args>
ErrorOr<RefPtr<TmpfsInode>> make_inode(TmpFs& fs, u32 mode, vfs::Owner owner, Args&&... args)
{
    u64 ino = TRY(fs.allocate_inode());
    T* inode = new (std::nothrow) T(fs, ino, mode, owner, std::forward<Args>(args)...);
    if (!inode) {
        fs.release_inode();
        return Error::from_errno(ENOMEM);
    }
    return RefPtr<TmpfsInode>(adopt_ref(inode));
}

}

TmpfsDirectory::TmpfsDirectory(TmpFs& fs, u64 ino, u32 mode, vfs::Owner owner)
    : TmpfsInode(fs, ino, mode, owner, 0)
{
    m_nlink = 2;
    m_size = 2 * kEntrySize;
}

ErrorOr<RefPtr<TmpfsDirectory>> TmpfsDirectory::create_directory(TmpFs& fs, u32 mode, vfs::Owner owner)
{
    u64 ino = TRY(fs.allocate_inode());
    auto* directory = new (std::nothrow) TmpfsDirectory(fs, ino, S_IFDIR | (mode & 07777), owner);
    if (!directory) {
        fs.release_inode();
        return Error::from_errno(ENOMEM);
    }
    return adopt_ref(directory);
}

TmpfsDirectory::~TmpfsDirectory()
{
    bool release;
    {
        FsLocker locker(tmpfs().namespace_lock());
        if (m_entries.is_empty())
            return;
        // Subdirectories lose their parent: ".." in them finds nothing.
        for (auto& entry : m_entries) {
            if (TmpfsDirectory* child = as_directory(*entry.inode)) {
                child->m_parent = nullptr;
                child->m_removed = true;
            }
        }
        release = tmpfs().adopt_dying_entries_locked(m_entries);
    }
    if (release)
        tmpfs().release_dying_entries();
}

TmpfsDirEntry* TmpfsDirectory::find_locked(StringView name)
{
    for (auto& entry : m_entries) {
        if (entry.name.view() == name)
            return &entry;
    }
    return nullptr;
}

void TmpfsDirectory::append_locked(TmpfsDirEntry& entry)
{
    entry.position = m_next_position++;
    m_entries.append(entry);
    FsLocker locker(m_lock);
    m_size += kEntrySize;
}

void TmpfsDirectory::remove_locked(TmpfsDirEntry& entry)
{
    m_entries.remove(entry);
    FsLocker locker(m_lock);
    m_size -= kEntrySize;
}

void TmpfsDirectory::mark_removed_locked(TmpfsDirectory* former_parent, i64 now)
{
    m_removed = true;
    m_parent = nullptr;
    m_former_parent = RefPtr<vfs::Inode>(former_parent);
    set_links(0, now);
}

bool TmpfsDirectory::contains_locked(TmpfsDirectory const* directory) const
{
    for (; directory; directory = directory->m_parent) {
        if (directory == this)
            return true;
    }
    return false;
}

ErrorOr<RefPtr<vfs::Inode>> TmpfsDirectory::lookup(StringView name)
{
    if (name == "..") {
        FsLocker locker(tmpfs().namespace_lock());
        if (m_parent) {
            // The parent may be in its last moments (its destructor waits
            // for this lock to detach us): take a reference only if alive.
            if (!m_parent->try_ref())
                return Error::from_errno(ENOENT);
            return adopt_ref<vfs::Inode>(m_parent);
        }
        if (m_former_parent)
            return m_former_parent;
        if (m_removed)
            return Error::from_errno(ENOENT);
        return RefPtr<vfs::Inode>(this); // the root is its own parent
    }
    FsLocker locker(tmpfs().namespace_lock());
    if (m_removed)
        return Error::from_errno(ENOENT);
    TmpfsDirEntry* entry = find_locked(name);
    if (!entry)
        return Error::from_errno(ENOENT);
    return entry->inode;
}

ErrorOr<RefPtr<vfs::Inode>> TmpfsDirectory::add_child(StringView name, RefPtr<TmpfsInode> child)
{
    OwnedEntry owned;
    TRY(make_entry(owned, name, child));
    i64 now = vfs::fs_now_ns();
    FsLocker locker(tmpfs().namespace_lock());
    if (m_removed)
        return Error::from_errno(ENOENT);
    if (find_locked(name))
        return Error::from_errno(EEXIST);
    append_locked(*owned.release());
    if (TmpfsDirectory* directory = as_directory(*child)) {
        directory->m_parent = this;
        change_links(1, now);
    }
    FsLocker inode_locker(m_lock);
    note_modification_locked(now);
    return RefPtr<vfs::Inode>(std::move(child));
}

ErrorOr<RefPtr<vfs::Inode>> TmpfsDirectory::create(StringView name, u32 mode, vfs::Owner owner)
{
    RefPtr<TmpfsInode> file = TRY(make_inode<TmpfsFile>(tmpfs(), S_IFREG | (mode & 07777), owner));
    return add_child(name, std::move(file));
}

ErrorOr<RefPtr<vfs::Inode>> TmpfsDirectory::mkdir(StringView name, u32 mode, vfs::Owner owner)
{
    RefPtr<TmpfsDirectory> directory = TRY(create_directory(tmpfs(), mode, owner));
    return add_child(name, std::move(directory));
}

ErrorOr<RefPtr<vfs::Inode>> TmpfsDirectory::mknod(StringView name, u32 mode, u64 rdev, vfs::Owner owner)
{
    u32 type = vfs::file_type(mode);
    if (type == S_IFREG)
        return create(name, mode, owner);
    if (type != S_IFCHR && type != S_IFBLK && type != S_IFIFO && type != S_IFSOCK)
        return Error::from_errno(EINVAL);
    RefPtr<TmpfsInode> node = TRY(make_inode<TmpfsSpecial>(tmpfs(), mode, owner, rdev));
    return add_child(name, std::move(node));
}

ErrorOr<RefPtr<vfs::Inode>> TmpfsDirectory::symlink(StringView name, StringView target, vfs::Owner owner)
{
    KString copy = TRY(KString::create(target));
    RefPtr<TmpfsInode> link = TRY(make_inode<TmpfsSymlink>(tmpfs(), S_IFLNK | 0777, owner, std::move(copy)));
    return add_child(name, std::move(link));
}

ErrorOr<void> TmpfsDirectory::link(StringView name, vfs::Inode& target)
{
    if (&target.fs() != &fs())
        return Error::from_errno(EXDEV);
    if (target.is_directory())
        return Error::from_errno(EPERM);
    OwnedEntry owned;
    TRY(make_entry(owned, name, RefPtr<vfs::Inode>(target)));
    i64 now = vfs::fs_now_ns();
    FsLocker locker(tmpfs().namespace_lock());
    if (m_removed)
        return Error::from_errno(ENOENT);
    if (find_locked(name))
        return Error::from_errno(EEXIST);
    // A file whose last name is gone stays gone (it may still be open).
    if (target.nlink() == 0)
        return Error::from_errno(ENOENT);
    append_locked(*owned.release());
    tmpfs_inode(target).change_links(1, now);
    FsLocker inode_locker(m_lock);
    note_modification_locked(now);
    return {};
}

ErrorOr<void> TmpfsDirectory::unlink(StringView name, Credentials const& credentials)
{
    OwnedEntry removed;
    i64 now = vfs::fs_now_ns();
    FsLocker locker(tmpfs().namespace_lock());
    TmpfsDirEntry* entry = find_locked(name);
    if (!entry)
        return Error::from_errno(ENOENT);
    if (entry->inode->is_directory())
        return Error::from_errno(EISDIR);
    TRY(security::check_sticky_delete(credentials, ownership(), entry->inode->ownership()));
    remove_locked(*entry);
    removed.entry = entry;
    tmpfs_inode(*entry->inode).change_links(-1, now);
    FsLocker inode_locker(m_lock);
    note_modification_locked(now);
    return {};
}

ErrorOr<void> TmpfsDirectory::rmdir(StringView name, Credentials const& credentials)
{
    OwnedEntry removed;
    i64 now = vfs::fs_now_ns();
    FsLocker locker(tmpfs().namespace_lock());
    TmpfsDirEntry* entry = find_locked(name);
    if (!entry)
        return Error::from_errno(ENOENT);
    TmpfsDirectory* victim = as_directory(*entry->inode);
    if (!victim)
        return Error::from_errno(ENOTDIR);
    if (!victim->is_empty_locked())
        return Error::from_errno(ENOTEMPTY);
    TRY(security::check_sticky_delete(credentials, ownership(), victim->ownership()));
    remove_locked(*entry);
    removed.entry = entry;
    victim->mark_removed_locked(this, now);
    change_links(-1, now);
    FsLocker inode_locker(m_lock);
    note_modification_locked(now);
    return {};
}

ErrorOr<void> TmpfsDirectory::rename(StringView old_name, vfs::Inode& new_directory_inode, StringView new_name, u32 flags, Credentials const& credentials)
{
    if (&new_directory_inode.fs() != &fs())
        return Error::from_errno(EXDEV);
    TmpfsDirectory* new_directory = as_directory(new_directory_inode);
    if (!new_directory)
        return Error::from_errno(ENOTDIR);
    bool exchange = flags & RENAME_EXCHANGE;
    if (new_name.length() > vfs::kNameMax)
        return Error::from_errno(ENAMETOOLONG);
    KString new_name_copy;
    if (!exchange)
        new_name_copy = TRY(KString::create(new_name));
    i64 now = vfs::fs_now_ns();

    OwnedEntry replaced;
    FsLocker locker(tmpfs().namespace_lock());
    if (m_removed || new_directory->m_removed)
        return Error::from_errno(ENOENT);
    TmpfsDirEntry* source = find_locked(old_name);
    if (!source)
        return Error::from_errno(ENOENT);
    TmpfsDirEntry* target = new_directory->find_locked(new_name);
    if (exchange && !target)
        return Error::from_errno(ENOENT);
    if ((flags & RENAME_NOREPLACE) && target)
        return Error::from_errno(EEXIST);

    TmpfsDirectory* source_directory = as_directory(*source->inode);
    TmpfsDirectory* target_directory = target ? as_directory(*target->inode) : nullptr;
    // No directory may move into itself or below itself.
    if (source_directory && source_directory->contains_locked(new_directory))
        return Error::from_errno(EINVAL);
    if (target_directory && target_directory->contains_locked(this))
        return Error::from_errno(exchange ? EINVAL : ENOTEMPTY);
    if (target && target->inode.ptr() == source->inode.ptr())
        return {}; // two names of one file: nothing to do, as POSIX says

    TRY(security::check_sticky_delete(credentials, ownership(), source->inode->ownership()));
    if (target)
        TRY(security::check_sticky_delete(credentials, new_directory->ownership(), target->inode->ownership()));

    if (exchange) {
        source->inode.swap(target->inode);
        if (new_directory != this) {
            // The entries stay; the inodes swap places, and directories
            // among them change parent (and their parents' link counts).
            if (source_directory)
                source_directory->m_parent = new_directory;
            if (target_directory)
                target_directory->m_parent = this;
            int moved = (source_directory ? 1 : 0) - (target_directory ? 1 : 0);
            if (moved) {
                change_links(-moved, now);
                new_directory->change_links(moved, now);
            }
        }
        tmpfs_inode(*source->inode).touch_change(now);
        tmpfs_inode(*target->inode).touch_change(now);
    } else {
        if (target) {
            if (source_directory && !target_directory)
                return Error::from_errno(ENOTDIR);
            if (!source_directory && target_directory)
                return Error::from_errno(EISDIR);
            if (target_directory && !target_directory->is_empty_locked())
                return Error::from_errno(ENOTEMPTY);
            new_directory->remove_locked(*target);
            replaced.entry = target;
            if (target_directory) {
                target_directory->mark_removed_locked(new_directory, now);
                new_directory->change_links(-1, now);
            } else {
                tmpfs_inode(*target->inode).change_links(-1, now);
            }
        }
        remove_locked(*source);
        source->name = std::move(new_name_copy);
        new_directory->append_locked(*source);
        if (source_directory && new_directory != this) {
            source_directory->m_parent = new_directory;
            change_links(-1, now);
            new_directory->change_links(1, now);
        }
        tmpfs_inode(*source->inode).touch_change(now);
    }
    {
        FsLocker inode_locker(m_lock);
        note_modification_locked(now);
    }
    if (new_directory != this) {
        FsLocker inode_locker(new_directory->m_lock);
        new_directory->note_modification_locked(now);
    }
    return {};
}

ErrorOr<u64> TmpfsDirectory::iterate(u64 position, vfs::DirectoryVisitor& visitor)
{
    i64 now = vfs::fs_now_ns();
    FsLocker locker(tmpfs().namespace_lock());
    if (m_removed)
        return Error::from_errno(ENOENT);
    {
        FsLocker inode_locker(m_lock);
        note_access_locked(now);
    }
    if (position == vfs::kDotPosition) {
        if (!visitor.visit(".", ino(), DT_DIR, vfs::kDotDotPosition))
            return position;
        position = vfs::kDotDotPosition;
    }
    if (position == vfs::kDotDotPosition) {
        u64 parent_ino = m_parent ? m_parent->ino() : ino();
        if (!visitor.visit("..", parent_ino, DT_DIR, vfs::kFirstEntryPosition))
            return position;
        position = vfs::kFirstEntryPosition;
    }
    for (auto& entry : m_entries) {
        if (entry.position < position)
            continue;
        if (!visitor.visit(entry.name.view(), entry.inode->ino(), vfs::dirent_type(entry.inode->type()), entry.position + 1))
            return entry.position;
    }
    return m_next_position;
}

}
