// /dev/pts (fs/devpts/devpts.h): the instance and its slave nodes.
#include <fs/devpts/devpts.h>
#include <fs/tmpfs/tmpfs.h>
#include <fs/vfs/filesystem_type.h>
#include <fs/vfs/fs_lock.h>
#include <lib/format.h>
#include <security/credentials.h>

namespace devpts {

namespace {

constexpr u32 kPtmxMajor = 5;
constexpr u32 kPtmxMinor = 2;

FsLock s_lock { "devpts" };
// The root, one reference held for good (no static destructors).
vfs::Inode* s_root { nullptr };

ErrorOr<RefPtr<vfs::Inode>> root()
{
    FsLocker locker(s_lock);
    if (!s_root)
        return Error::from_errno(ENODEV);
    return RefPtr<vfs::Inode>(s_root);
}

ErrorOr<RefPtr<vfs::Inode>> mount_devpts(StringView, u32, StringView) { return root(); }

constinit vfs::FileSystemType const s_type { "devpts", mount_devpts };

struct Name {
    char text[16];
};

Name name_of(u32 index)
{
    Name name;
    format(name.text, sizeof(name.text), "%u", index);
    return name;
}

}

ErrorOr<void> init()
{
    {
        FsLocker locker(s_lock);
        if (s_root)
            return {};
    }
    tmpfs::Options options;
    options.root_mode = 0755;
    RefPtr<vfs::Inode> made = TRY(tmpfs::TmpFs::create(options, "devpts"));
    TRY(made->mknod("ptmx", S_IFCHR | 0000, vfs::make_device(kPtmxMajor, kPtmxMinor), vfs::Owner { 0, 0 }));
    {
        FsLocker locker(s_lock);
        if (s_root)
            return {};
        s_root = RefPtr<vfs::Inode>(made).leak_ref();
    }
    TRY(vfs::register_filesystem_type(s_type));
    return {};
}

ErrorOr<void> add_slave(u32 index, u64 device, u32 uid, u32 gid)
{
    RefPtr<vfs::Inode> directory = TRY(root());
    Name name = name_of(index);
    TRY(directory->mknod(StringView(name.text), S_IFCHR | 0620, device, vfs::Owner { uid, gid }));
    return {};
}

void remove_slave(u32 index)
{
    auto directory = root();
    if (directory.is_error())
        return;
    Name name = name_of(index);
    (void)directory.value()->unlink(StringView(name.text), Credentials::root());
}

}
