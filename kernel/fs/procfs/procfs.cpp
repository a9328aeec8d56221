// The procfs file system and its type (fs/procfs/procfs.h).
#include <fs/procfs/procfs.h>
#include <fs/procfs/procfs_inodes.h>
#include <fs/vfs/filesystem_type.h>

namespace procfs {

namespace {

// The source later mounts get (register_type); a plain pointer, set at
// boot and in tests.
std::atomic<ProcSource*> s_source { nullptr };

ErrorOr<RefPtr<vfs::Inode>> mount_proc(StringView, u32, StringView)
{
    ProcSource* source = s_source.load(std::memory_order_acquire);
    if (!source)
        return Error::from_errno(ENODEV);
    // Linux's proc takes hidepid=, gid= and subset=; none of them yet, and
    // an option string it does not know is not an error for proc either.
    return ProcFs::create(*source);
}

constinit vfs::FileSystemType const s_type { "proc", mount_proc };

}

ErrorOr<RefPtr<vfs::Inode>> ProcFs::create(ProcSource& source)
{
    auto* fs = new (std::nothrow) ProcFs(source);
    if (!fs)
        return Error::from_errno(ENOMEM);
    RefPtr<ProcFs> file_system = adopt_ref(fs);
    RefPtr<ProcDirectory> root = TRY(ProcDirectory::create_root(*file_system));
    return RefPtr<vfs::Inode>(std::move(root));
}

vfs::FileSystemStatistics ProcFs::statistics() const
{
    vfs::FileSystemStatistics statistics;
    statistics.magic = kProcSuperMagic;
    return statistics;
}

ErrorOr<void> register_type(ProcSource& source)
{
    s_source.store(&source, std::memory_order_release);
    return vfs::register_filesystem_type(s_type);
}

}
