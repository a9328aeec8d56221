// The inodes of tmpfs (fs/tmpfs/tmpfs.h): directories (tmpfs_directory.cpp),
// regular files (tmpfs_file.cpp), and symlinks and special files -
// FIFOs, device nodes, sockets, whose behaviour comes from elsewhere when
// they are opened (tmpfs_nodes.cpp).
//
// Times and counts follow Linux: a new file's parent gets mtime and ctime
// "now"; a directory's nlink is 2 plus its subdirectories, its size 20
// bytes per entry plus 40 (tmpfs's BOGO_DIRENT_SIZE); writes move mtime
// and ctime; link, unlink and rename move the ctime of the inode whose
// link count or place changed.
// Host-buildable.
#pragma once

#include <fs/tmpfs/data_page.h>
#include <fs/tmpfs/page_index.h>
#include <fs/tmpfs/tmpfs.h>
#include <fs/vfs/inode.h>

namespace tmpfs {

class TmpfsInode : public vfs::Inode {
public:
    ~TmpfsInode() override;
    TmpFs& tmpfs() const { return static_cast<TmpFs&>(fs()); }

protected:
    TmpfsInode(TmpFs& fs, u64 ino, u32 mode, vfs::Owner owner, u64 rdev)
        : Inode(fs, ino, mode, owner, rdev)
    {
    }

    friend class TmpfsDirectory;
    // Link-count changes by the directory code (namespace lock held).
    void change_links(int delta, i64 now);
    void set_links(u32 count, i64 now);
    void touch_change(i64 now);
};

class TmpfsDirectory final : public TmpfsInode {
public:
    // Directory size per entry (Linux's BOGO_DIRENT_SIZE).
    static constexpr u64 kEntrySize = 20;

    // A directory's inode with its own number; for TmpFs::create (the root)
    // and mkdir.
    static ErrorOr<RefPtr<TmpfsDirectory>> create_directory(TmpFs& fs, u32 mode, vfs::Owner owner);
    ~TmpfsDirectory() override;

    ErrorOr<RefPtr<vfs::Inode>> lookup(StringView name) override;
    ErrorOr<RefPtr<vfs::Inode>> create(StringView name, u32 mode, vfs::Owner owner) override;
    ErrorOr<RefPtr<vfs::Inode>> mkdir(StringView name, u32 mode, vfs::Owner owner) override;
    ErrorOr<RefPtr<vfs::Inode>> mknod(StringView name, u32 mode, u64 rdev, vfs::Owner owner) override;
    ErrorOr<RefPtr<vfs::Inode>> symlink(StringView name, StringView target, vfs::Owner owner) override;
    ErrorOr<void> link(StringView name, vfs::Inode& target) override;
    ErrorOr<void> unlink(StringView name, Credentials const& credentials) override;
    ErrorOr<void> rmdir(StringView name, Credentials const& credentials) override;
    ErrorOr<void> rename(StringView old_name, vfs::Inode& new_directory, StringView new_name, u32 flags, Credentials const& credentials) override;
    ErrorOr<u64> iterate(u64 position, vfs::DirectoryVisitor& visitor) override;

private:
    TmpfsDirectory(TmpFs& fs, u64 ino, u32 mode, vfs::Owner owner);

    ErrorOr<RefPtr<vfs::Inode>> add_child(StringView name, RefPtr<TmpfsInode> child);
    TmpfsDirEntry* find_locked(StringView name);
    void append_locked(TmpfsDirEntry& entry);
    void remove_locked(TmpfsDirEntry& entry);
    // Marks this (now unlinked, empty) directory removed; `former_parent`
    // is what ".." keeps naming.
    void mark_removed_locked(TmpfsDirectory* former_parent, i64 now);
    bool is_empty_locked() const { return m_entries.is_empty(); }
    // True when `directory` is this directory or lies below it.
    bool contains_locked(TmpfsDirectory const* directory) const;

    // All guarded by the file system's namespace lock.
    EntryList m_entries;
    u64 m_next_position { vfs::kFirstEntryPosition };
    // The directory holding this one's entry (null for the root and once
    // removed): a plain pointer, valid while this directory is linked,
    // because the parent holds this directory, not the other way round.
    TmpfsDirectory* m_parent { nullptr };
    // What ".." names after rmdir (Linux keeps a removed directory's
    // parent reachable for the processes still inside it).
    RefPtr<vfs::Inode> m_former_parent;
    bool m_removed { false };
};

class TmpfsFile final : public TmpfsInode {
public:
    static constexpr u64 kMaxSize = PageIndex::kMaxPages * PageIndex::kPageSize;

    TmpfsFile(TmpFs& fs, u64 ino, u32 mode, vfs::Owner owner)
        : TmpfsInode(fs, ino, mode, owner, 0)
    {
    }
    ~TmpfsFile() override;

    ErrorOr<usize> read(u64 offset, IoBuffer& buffer, usize count) override;
    ErrorOr<usize> write(u64& offset, IoBuffer const& buffer, usize count, bool append) override;
    ErrorOr<void> truncate(u64 size) override;
    // The page with a reference for the caller (who drops it with
    // unref_data_page, or mm::page_unref of its physical address); EFAULT
    // for a page wholly past the end of the file.
    ErrorOr<u8*> page_for_mapping(u64 page_index) override;
    u64 max_file_size() const override { return kMaxSize; }

private:
    void update_blocks_locked() { m_blocks = m_pages.page_count() * (PageIndex::kPageSize / 512); }
    // The page `index`, allocated (and charged) if it was a hole; the
    // index keeps the only reference.
    ErrorOr<u8*> page_locked(u64 index);
    // Writes `chunk` bytes at `from` in `buffer` (all within one page) to
    // the file at `position`; `bounce` is a page it may allocate to copy
    // through, kept for the rest of the write (tmpfs_file.cpp).
    ErrorOr<void> write_page(u64 position, IoBuffer const& buffer, usize from, usize chunk, i64 now, PageHold& bounce);
    // truncate's work under the inode lock; true when whole pages went.
    bool truncate_locked(u64 size, i64 now);

    // Guarded by the inode lock.
    PageIndex m_pages;
    // Truncations so far: a write whose copy saw this change copies again
    // (tmpfs_file.cpp).
    u64 m_truncations { 0 };
};

class TmpfsSymlink final : public TmpfsInode {
public:
    TmpfsSymlink(TmpFs& fs, u64 ino, u32 mode, vfs::Owner owner, KString target)
        : TmpfsInode(fs, ino, mode, owner, 0)
        , m_target(std::move(target))
    {
        m_size = m_target.length();
    }

    ErrorOr<KString> readlink() override;

private:
    KString const m_target;
};

// FIFOs, device nodes and sockets: only metadata here.
class TmpfsSpecial final : public TmpfsInode {
public:
    TmpfsSpecial(TmpFs& fs, u64 ino, u32 mode, vfs::Owner owner, u64 rdev)
        : TmpfsInode(fs, ino, mode, owner, rdev)
    {
    }
};

}
