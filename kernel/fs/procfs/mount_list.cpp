// The mount list (fs/procfs/mount_list.h). The table lock is a spinlock
// and path walks take file-system locks, so the mounts are first collected
// under the lock (a reference each) and their paths made after it.
#include <fs/procfs/mount_list.h>
#include <fs/vfs/vfs.h>

namespace procfs {

ErrorOr<void> collect_mounts(vfs::MountTable& table, vfs::Location const& root, GrowableArray<MountInfo>& mounts)
{
    GrowableArray<RefPtr<vfs::Mount>> attached;
    bool out_of_memory = false;
    table.for_each([&](vfs::Mount const& mount) {
        if (attached.try_append(RefPtr<vfs::Mount>(const_cast<vfs::Mount*>(&mount))).is_error())
            out_of_memory = true;
    });
    if (out_of_memory)
        return Error::from_errno(ENOMEM);

    Credentials const superuser = Credentials::root();
    vfs::Context context { table, root, superuser, 0 };
    struct Scratch {
        char* bytes;
        ~Scratch() { delete[] bytes; }
    } path { new (std::nothrow) char[vfs::kPathMax] };
    if (!path.bytes)
        return Error::from_errno(ENOMEM);
    for (auto& mount : attached) {
        vfs::Location at { mount, RefPtr<vfs::Inode>(&mount->root()) };
        auto length = vfs::getcwd(context, at, path.bytes, vfs::kPathMax);
        if (length.is_error()) {
            if (length.error().code() == ENOMEM)
                return length.error();
            continue;
        }
        MountInfo info;
        info.source = TRY(KString::create(mount->source()));
        info.path = TRY(KString::create(StringView(path.bytes, length.value() - 1)));
        info.type = TRY(KString::create(mount->fs().type_name()));
        info.flags = mount->flags();
        TRY(mounts.try_append(std::move(info)));
    }
    return {};
}

}
