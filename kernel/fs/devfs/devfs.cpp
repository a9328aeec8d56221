// /dev (fs/devfs/devfs.h): the devtmpfs instance and device registration.
#include <fs/devfs/devfs.h>
#include <fs/devfs/memory_devices.h>
#include <fs/tmpfs/tmpfs.h>
#include <fs/vfs/filesystem_type.h>
#include <fs/vfs/fs_lock.h>

namespace devfs {

namespace {

FsLock s_lock { "devfs" };
// The instance's root, one reference held here for good (a plain pointer:
// no static destructor in the kernel).
vfs::Inode* s_root { nullptr };
bool s_initialized { false };

struct StandardLink {
    const char* name;
    const char* target;
};

constexpr StandardLink kStandardLinks[] = {
    { "fd", "/proc/self/fd" },
    { "stdin", "/proc/self/fd/0" },
    { "stdout", "/proc/self/fd/1" },
    { "stderr", "/proc/self/fd/2" },
};

constexpr vfs::Owner kRoot { 0, 0 };

ErrorOr<RefPtr<vfs::Inode>> mount_devtmpfs(StringView, u32, StringView)
{
    return root();
}

constinit vfs::FileSystemType const s_type { "devtmpfs", mount_devtmpfs };

// The directory that holds the node `name` ("input/event0" -> input),
// made as needed; `leaf` is set to the last component.
ErrorOr<RefPtr<vfs::Inode>> directory_for(RefPtr<vfs::Inode> directory, StringView name, StringView& leaf)
{
    for (;;) {
        usize slash = name.find('/');
        if (slash == StringView::npos) {
            leaf = name;
            return directory;
        }
        StringView part = name.substring_view(0, slash);
        name = name.substring_view(slash + 1);
        if (part.is_empty())
            continue;
        auto existing = directory->lookup(part);
        if (existing.is_error()) {
            if (existing.error().code() != ENOENT)
                return existing.error();
            auto made = directory->mkdir(part, S_IFDIR | 0755, kRoot);
            // Someone else may have made it meanwhile.
            if (made.is_error() && made.error().code() != EEXIST)
                return made.error();
            directory = made.is_error() ? TRY(directory->lookup(part)) : made.release_value();
        } else {
            directory = existing.release_value();
        }
        if (!directory->is_directory())
            return Error::from_errno(ENOTDIR);
    }
}

}

ErrorOr<RefPtr<vfs::Inode>> root()
{
    {
        FsLocker locker(s_lock);
        if (s_root)
            return RefPtr<vfs::Inode>(s_root);
    }
    tmpfs::Options options;
    options.root_mode = 0755;
    RefPtr<vfs::Inode> made = TRY(tmpfs::TmpFs::create(options, "devtmpfs"));
    for (auto const& link : kStandardLinks)
        TRY(made->symlink(link.name, link.target, kRoot));
    FsLocker locker(s_lock);
    if (!s_root)
        s_root = RefPtr<vfs::Inode>(made).leak_ref();
    // A racing first caller may have won: its instance is the one.
    return RefPtr<vfs::Inode>(s_root);
}

ErrorOr<void> init()
{
    {
        FsLocker locker(s_lock);
        if (s_initialized)
            return {};
        s_initialized = true;
    }
    TRY(root());
    TRY(vfs::register_filesystem_type(s_type));
    TRY(register_memory_devices());
    return {};
}

ErrorOr<void> register_device(RefPtr<vfs::CharDevice> device, u32 mode, u32 uid, u32 gid)
{
    RefPtr<vfs::Inode> directory = TRY(root());
    StringView leaf;
    directory = TRY(directory_for(std::move(directory), device->name(), leaf));
    u64 number = device->device();
    TRY(vfs::char_devices().add(device));
    auto node = directory->mknod(leaf, S_IFCHR | (mode & 07777), number, vfs::Owner { uid, gid });
    if (node.is_error()) {
        (void)vfs::char_devices().remove(number);
        return node.error();
    }
    return {};
}

ErrorOr<void> unregister_device(u64 number)
{
    RefPtr<vfs::CharDevice> device = vfs::char_devices().find(number);
    if (!device)
        return Error::from_errno(ENXIO);
    TRY(vfs::char_devices().remove(number));
    RefPtr<vfs::Inode> directory = TRY(root());
    StringView leaf;
    directory = TRY(directory_for(std::move(directory), device->name(), leaf));
    auto removed = directory->unlink(leaf, Credentials::root());
    // The node may have been removed by hand already; the device is gone either way.
    if (removed.is_error() && removed.error().code() != ENOENT)
        return removed.error();
    return {};
}

}
