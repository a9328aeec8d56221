// tmpfs (CONCEPTS F4): the file system that lives in memory, and Haneul's
// root file system (the initramfs is unpacked into one at boot) as well as
// /tmp, /dev/shm and, as "devtmpfs", /dev (fs/devfs). Files keep their data
// in 4 KiB pages (fs/tmpfs/page_index.h); directories, symlinks, device
// nodes, FIFOs and sockets are just inodes.
//
// Limits, as Linux's tmpfs mount options: size= (bytes, k/m/g suffixes;
// ENOSPC beyond) and nr_inodes= (ENOSPC beyond), 0 meaning unlimited;
// mode=, uid=, gid= of the root directory. A mount without size= gets the
// default that boot code sets (half of memory, as Linux).
//
// The inode classes are in tmpfs_inodes.h. Locking: one namespace lock
// per tmpfs guards every directory's entries, parent links and rename;
// each inode's own lock (vfs::Inode) guards its metadata and pages; the
// namespace lock is taken first. Both are spinlocks (fs/vfs/fs_lock.h):
// no copy to or from an IoBuffer (user memory, which may fault) happens
// with either held (tmpfs_file.cpp, and getdents's visitor fills a kernel
// buffer).
// Host-buildable.
#pragma once

#include <atomic>
#include <fs/vfs/file_system.h>
#include <fs/vfs/filesystem_type.h>
#include <fs/vfs/fs_lock.h>
#include <fs/vfs/inode.h>
#include <lib/error_or.h>
#include <lib/intrusive_list.h>
#include <lib/kstring.h>
#include <lib/ref_counted.h>
#include <lib/string_view.h>

namespace tmpfs {

// One name in a directory. `position` orders the entries and is what
// getdents64 reports (d_off is the next entry's position).
struct TmpfsDirEntry {
    KString name;
    RefPtr<vfs::Inode> inode;
    u64 position { 0 };
    IntrusiveListNode node;
};
using EntryList = IntrusiveList<TmpfsDirEntry, &TmpfsDirEntry::node>;

struct Options {
    u64 max_pages { 0 };  // 0: unlimited
    u64 max_inodes { 0 }; // 0: unlimited
    u32 root_mode { 01777 };
    u32 root_uid { 0 };
    u32 root_gid { 0 };
};

// Options from a mount(2) option string ("size=64m,mode=0755"), on top of
// the defaults. EINVAL for an unknown option or a bad number.
ErrorOr<Options> parse_options(StringView text);

// The page limit mounts get when they do not say size= (boot code sets
// half of memory; 0, the initial value, is unlimited).
void set_default_max_pages(u64 pages);

class TmpFs final : public vfs::FileSystem {
public:
    // A new tmpfs; returns its root directory. `type_name` is static text
    // ("tmpfs", "devtmpfs").
    static ErrorOr<RefPtr<vfs::Inode>> create(Options const& options, StringView type_name = "tmpfs");

    StringView type_name() const override { return m_type_name; }
    vfs::FileSystemStatistics statistics() const override;

    // Accounting of pages and inodes against the limits: ENOSPC.
    ErrorOr<void> charge_pages(u64 count);
    void uncharge_pages(u64 count);
    // A fresh inode number, counted against nr_inodes.
    ErrorOr<u64> allocate_inode();
    void release_inode();

    FsLock& namespace_lock() { return m_namespace_lock; }

    // Called by a directory destroyed with entries still in it (the tree
    // of an unmounted tmpfs going away), with the namespace lock held:
    // takes the entries over and returns true if the caller must release
    // them (release_dying_entries, after unlocking), false if a release
    // already running on this file system will. Entries are thus released
    // one at a time in a loop, never by recursion, so no depth of tree can
    // overflow the kernel stack.
    bool adopt_dying_entries_locked(EntryList& entries);
    void release_dying_entries();

private:
    TmpFs(Options const& options, StringView type_name)
        : m_options(options)
        , m_type_name(type_name)
    {
    }

    Options m_options;
    StringView m_type_name;
    std::atomic<u64> m_pages_used { 0 };
    std::atomic<u64> m_inodes_used { 0 };
    std::atomic<u64> m_next_ino { 1 };
    FsLock m_namespace_lock { "tmpfs namespace" };
    // Guarded by the namespace lock.
    EntryList m_dying;
    bool m_releasing { false };
};

// mount -t tmpfs: registers the "tmpfs" type with the VFS.
ErrorOr<void> register_type();

}
