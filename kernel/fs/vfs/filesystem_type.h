// File-system types mount(2) knows by name ("tmpfs", "devtmpfs", later
// "proc" and "ext2"): each says how to make the file system a mount
// attaches. Registered once by the file system's own init (tmpfs::
// register_type, devfs::init); /proc/filesystems will list them.
// Host-buildable.
#pragma once

#include <fs/vfs/inode.h>
#include <lib/error_or.h>
#include <lib/string_view.h>

namespace vfs {

struct FileSystemType {
    const char* name;
    // A new (or, for single-instance types, the) file system for mount(2):
    // its root directory. `source` and `data` are mount(2)'s arguments
    // (data is the option string, possibly empty); EINVAL for bad options.
    ErrorOr<RefPtr<Inode>> (*mount)(StringView source, u32 flags, StringView data);
};

// Registering the same type again is harmless; another type under a taken
// name is EBUSY, and more than a fixed handful of types ENOSPC.
ErrorOr<void> register_filesystem_type(FileSystemType const& type);
// The type called `name`, or null.
FileSystemType const* find_filesystem_type(StringView name);

}
