// Anonymous-inode files (fs/anon_inode.h).
#include <atomic>
#include <fs/anon_inode.h>
#include <fs/vfs/fd_table.h>
#include <fs/vfs/file_system.h>
#include <fs/vfs/inode.h>
#include <fs/vfs/mount.h>
#include <proc/current.h>
#include <sched/mutex.h>

namespace anon_inode {

namespace {

// ANON_INODE_FS_MAGIC (include/uapi/linux/magic.h).
constexpr u64 kAnonInodeFsMagic = 0x09041934;

class AnonInodeFs final : public vfs::FileSystem {
public:
    StringView type_name() const override { return "anon_inodefs"; }
    vfs::FileSystemStatistics statistics() const override
    {
        vfs::FileSystemStatistics statistics;
        statistics.magic = kAnonInodeFsMagic;
        return statistics;
    }
};

class AnonInode final : public vfs::Inode {
public:
    AnonInode(vfs::FileSystem& fs, u64 ino, u32 mode)
        : Inode(fs, ino, mode, vfs::Owner { 0, 0 }, 0)
    {
    }
};

Mutex s_setup { "anon inode setup" };
vfs::Location* s_location { nullptr };

ErrorOr<vfs::Location> shared_location()
{
    MutexLocker locker(s_setup);
    if (s_location)
        return *s_location;
    auto* fs = new (std::nothrow) AnonInodeFs;
    if (!fs)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::FileSystem> fs_ref = adopt_ref(static_cast<vfs::FileSystem*>(fs));
    auto* root = new (std::nothrow) AnonInode(*fs, 1, S_IFDIR | 0700);
    if (!root)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::Inode> root_ref = adopt_ref(static_cast<vfs::Inode*>(root));
    auto* inode = new (std::nothrow) AnonInode(*fs, 2, 0600);
    if (!inode)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::Inode> inode_ref = adopt_ref(static_cast<vfs::Inode*>(inode));
    auto* mounts = new (std::nothrow) vfs::MountTable;
    if (!mounts)
        return Error::from_errno(ENOMEM);
    vfs::Location top = TRY(mounts->mount_root(std::move(root_ref), "anon_inodefs", 0));
    auto* location = new (std::nothrow) vfs::Location { std::move(top.mount), std::move(inode_ref) };
    if (!location)
        return Error::from_errno(ENOMEM);
    // Kept for good, with the table that keeps the mount.
    s_location = location;
    return *s_location;
}

}

ErrorOr<RefPtr<vfs::OpenFile>> create_file(RefPtr<vfs::FileOperations> operations, u32 flags)
{
    vfs::Location location = TRY(shared_location());
    return vfs::OpenFile::create(std::move(operations), std::move(location), flags, current::credentials());
}

ErrorOr<long> install(RefPtr<vfs::OpenFile> file, bool close_on_exec)
{
    return TRY(current::fd_table().allocate(std::move(file), close_on_exec, current::limit(rlimit::kNofile)));
}

}
