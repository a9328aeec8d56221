// Inode: one file of a file system (CONCEPTS F4) - regular file, directory,
// symlink, FIFO, device node or socket - with the metadata stat() shows and
// the operations the VFS asks of it. File systems derive from it (fs/tmpfs
// TmpfsDirectory, TmpfsFile...). Reference counted: a directory entry, an
// open file, a working directory, a mount each hold one, so a file that is
// unlinked while open lives until its last reference goes (nlink 0).
//
// Division of labour with the VFS (fs/vfs/vfs.h): the VFS resolves paths,
// crosses mounts, checks permissions (security/permissions.h), read-only
// mounts and "." / ".." names, and computes the owner and mode of new
// files; an inode does the file-system work and the checks that depend on
// its own state and must be atomic with it (existence, emptiness, rename
// loops, sticky directories), under its file system's locks.
//
// Defaults: directory operations fail with ENOTDIR, data operations with
// EISDIR on a directory and EINVAL otherwise, so a file system overrides
// only what its files support.
//
// Locking: m_lock guards the metadata fields below (and whatever data a
// file system keeps with them: a tmpfs file's pages). A file system may
// take it while holding its own namespace lock, never the other way
// round, and never holds two inodes' m_lock at once.
// Host-buildable.
#pragma once

#include <atomic>
#include <fs/vfs/abi.h>
#include <fs/vfs/file_system.h>
#include <fs/vfs/fs_lock.h>
#include <fs/vfs/io_buffer.h>
#include <lib/error_or.h>
#include <lib/kstring.h>
#include <lib/ref_counted.h>
#include <lib/string_view.h>
#include <lib/types.h>
#include <security/credentials.h>
#include <security/permissions.h>

namespace vfs {

// A snapshot of what stat() reports, taken under the inode's lock.
struct InodeMetadata {
    u64 device;
    u64 ino;
    u32 mode;
    u32 nlink;
    u32 uid;
    u32 gid;
    u64 rdev;
    u64 size;
    u64 blocks; // 512-byte units
    u32 block_size;
    i64 atime_ns;
    i64 mtime_ns;
    i64 ctime_ns;

    security::FileOwnership ownership() const { return { mode, uid, gid }; }
};

// Owner of a new file (computed by security::owner_for_new_file).
struct Owner {
    u32 uid;
    u32 gid;
};

// What set_attributes changes: the fields named in `mask`. ctime becomes
// "now" on every change unless kCtime gives it explicitly.
struct AttributeChange {
    static constexpr u32 kMode = 1 << 0; // permission bits only; the type stays
    static constexpr u32 kUid = 1 << 1;
    static constexpr u32 kGid = 1 << 2;
    static constexpr u32 kAtime = 1 << 3;
    static constexpr u32 kMtime = 1 << 4;
    static constexpr u32 kCtime = 1 << 5;

    u32 mask { 0 };
    u32 mode { 0 };
    u32 uid { 0 };
    u32 gid { 0 };
    i64 atime_ns { 0 };
    i64 mtime_ns { 0 };
    i64 ctime_ns { 0 };
};

// Receives directory entries from Inode::iterate. `next_position` is the
// position just after this entry (getdents64's d_off). Returning false
// stops the walk before this entry, which is then the first one the next
// call at the returned position reports. A visitor runs under the file
// system's lock: it must not call into the file system or sleep.
class DirectoryVisitor {
public:
    virtual bool visit(StringView name, u64 ino, u8 type, u64 next_position) = 0;

protected:
    ~DirectoryVisitor() = default;
};

// Directory positions every directory shares: "." at 0 and ".." at 1; a
// file system numbers its own entries from kFirstEntryPosition.
constexpr u64 kDotPosition = 0;
constexpr u64 kDotDotPosition = 1;
constexpr u64 kFirstEntryPosition = 2;

class Inode : public RefCounted<Inode> {
public:
    virtual ~Inode();

    FileSystem& fs() const { return *m_fs; }
    u64 ino() const { return m_ino; }
    // S_IFMT bits: fixed when the inode is made.
    u32 type() const { return m_type; }
    bool is_directory() const { return m_type == S_IFDIR; }
    bool is_regular() const { return m_type == S_IFREG; }
    bool is_symlink() const { return m_type == S_IFLNK; }
    // st_rdev of a device node, fixed when it is made.
    u64 rdev() const { return m_rdev; }

    InodeMetadata metadata() const;
    security::FileOwnership ownership() const;
    u64 size() const;
    u32 nlink() const;

    // Directories.
    // The entry `name` (never "." or ".."; those the VFS handles, except
    // that lookup("..") gives the parent directory). ENOENT when absent or
    // when this directory was removed.
    virtual ErrorOr<RefPtr<Inode>> lookup(StringView name);
    // New entries: EEXIST when the name is taken, ENOENT in a removed
    // directory, ENOSPC/ENOMEM when the file system is out of room.
    // `mode` has type and permission bits.
    virtual ErrorOr<RefPtr<Inode>> create(StringView name, u32 mode, Owner owner);
    virtual ErrorOr<RefPtr<Inode>> mkdir(StringView name, u32 mode, Owner owner);
    virtual ErrorOr<RefPtr<Inode>> mknod(StringView name, u32 mode, u64 rdev, Owner owner);
    virtual ErrorOr<RefPtr<Inode>> symlink(StringView name, StringView target, Owner owner);
    // A new name for `target`, which is on the same file system (the VFS
    // checked) and not a directory. ENOENT if target's last link is gone.
    virtual ErrorOr<void> link(StringView name, Inode& target);
    // Removes a non-directory (EISDIR for a directory).
    virtual ErrorOr<void> unlink(StringView name, Credentials const& credentials);
    // Removes an empty directory (ENOTDIR, ENOTEMPTY).
    virtual ErrorOr<void> rmdir(StringView name, Credentials const& credentials);
    // Moves the entry `old_name` of this directory to `new_name` in
    // `new_directory` (same file system), with RENAME_NOREPLACE or
    // RENAME_EXCHANGE in `flags`. Linux's rules: ENOENT, EEXIST, ENOTDIR,
    // EISDIR, ENOTEMPTY, EINVAL (a directory into itself), EPERM (sticky).
    virtual ErrorOr<void> rename(StringView old_name, Inode& new_directory, StringView new_name, u32 flags, Credentials const& credentials);
    // Reports entries from `position` on ("." and ".." first) and returns
    // the position to continue from. ENOENT for a removed directory.
    virtual ErrorOr<u64> iterate(u64 position, DirectoryVisitor& visitor);

    // Data.
    // Up to `count` bytes at `offset` into `buffer`; 0 at or past the end.
    virtual ErrorOr<usize> read(u64 offset, IoBuffer& buffer, usize count);
    // Writes `count` bytes from `buffer` at `offset`, or at the end of the
    // file when `append` (then `offset` is set to where the data went).
    // Returns how many were written: fewer only when the file system
    // filled up part way (ENOSPC when nothing fit). EFBIG past the largest
    // size the file system supports.
    virtual ErrorOr<usize> write(u64& offset, IoBuffer const& buffer, usize count, bool append);
    virtual ErrorOr<void> truncate(u64 size);
    // A symlink's target (EINVAL for other files).
    virtual ErrorOr<KString> readlink();
    // The path of this (non-directory) inode from its file system's root
    // ("/42/stat"), for file systems that know it without a search (a
    // synthetic tree such as procfs). Default: ENOTSUP (search for it).
    virtual ErrorOr<KString> path_in_file_system() const;
    // The kernel address of the page holding bytes [index * 4096, +4096)
    // of a regular file, allocated (zeroed) if it is a hole: what mmap of
    // the file maps. The caller gets a page reference (mm/page_ref.h) and
    // drops it with page_unref when done. EFAULT for a page wholly past
    // the end of the file (SIGBUS), ENODEV where unsupported.
    virtual ErrorOr<u8*> page_for_mapping(u64 page_index);
    // The largest size truncate and write accept (EFBIG beyond).
    virtual u64 max_file_size() const { return 0; }

    // Attributes (chmod, chown, utimens). The VFS checked permissions.
    virtual ErrorOr<void> set_attributes(AttributeChange const& change);

    // Directories something is mounted on (kept by MountTable), so path
    // walks ask the mount table only where a mount can be.
    bool is_mountpoint() const { return m_mount_count.load(std::memory_order_acquire) != 0; }
    void add_mount() { m_mount_count.fetch_add(1, std::memory_order_acq_rel); }
    void remove_mount() { m_mount_count.fetch_sub(1, std::memory_order_acq_rel); }

protected:
    Inode(FileSystem& fs, u64 ino, u32 mode, Owner owner, u64 rdev);

    // Metadata helpers for file systems, called with m_lock held.
    // Linux's relatime: atime moves on an access when it is older than
    // mtime or ctime, or more than a day old.
    void note_access_locked(i64 now);
    void note_modification_locked(i64 now) { m_mtime = m_ctime = now; }

    mutable FsLock m_lock { "inode" };
    u32 m_mode;
    u32 m_uid;
    u32 m_gid;
    u32 m_nlink { 1 };
    u64 m_size { 0 };
    u64 m_blocks { 0 };
    i64 m_atime;
    i64 m_mtime;
    i64 m_ctime;

private:
    RefPtr<FileSystem> m_fs;
    u64 m_ino;
    u32 m_type;
    u64 m_rdev;
    std::atomic<u32> m_mount_count { 0 };
};

}
