// The table of file-system types (fs/vfs/filesystem_type.h): a short fixed
// array, so registration never allocates.
#include <fs/vfs/filesystem_type.h>
#include <fs/vfs/fs_lock.h>

namespace vfs {

namespace {
constexpr usize kMaxTypes = 16;
FsLock s_lock { "filesystem types" };
FileSystemType const* s_types[kMaxTypes];
}

ErrorOr<void> register_filesystem_type(FileSystemType const& type)
{
    FsLocker locker(s_lock);
    for (auto* existing : s_types) {
        if (existing == &type)
            return {};
        if (existing && StringView(existing->name) == StringView(type.name))
            return Error::from_errno(EBUSY);
    }
    for (auto*& slot : s_types) {
        if (!slot) {
            slot = &type;
            return {};
        }
    }
    return Error::from_errno(ENOSPC);
}

FileSystemType const* find_filesystem_type(StringView name)
{
    FsLocker locker(s_lock);
    for (auto* existing : s_types) {
        if (existing && StringView(existing->name) == name)
            return existing;
    }
    return nullptr;
}

}
