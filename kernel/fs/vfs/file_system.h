// FileSystem: one mounted-or-mountable instance of a file system (Linux's
// super_block): its type name, its device number (st_dev of every file in
// it), and its statistics for statfs. Inodes keep their file system alive
// (each holds a reference); mounts reach it through their root inode.
//
// Implementations: fs/tmpfs (tmpfs and the devtmpfs of fs/devfs); procfs
// and ext2 later.
// Host-buildable.
#pragma once

#include <lib/error_or.h>
#include <lib/ref_counted.h>
#include <lib/string_view.h>
#include <lib/types.h>

namespace vfs {

// What statfs reports, before the VFS adds the mount flags.
struct FileSystemStatistics {
    u64 magic { 0 };
    u64 block_size { kDefaultBlockSize };
    u64 total_blocks { 0 };
    u64 free_blocks { 0 };
    u64 available_blocks { 0 };
    u64 total_inodes { 0 };
    u64 free_inodes { 0 };
    u64 name_max { 255 };

    static constexpr u64 kDefaultBlockSize = 4096;
};

class FileSystem : public RefCounted<FileSystem> {
public:
    virtual ~FileSystem() = default;

    // "tmpfs", "devtmpfs": the type column of /proc/mounts.
    virtual StringView type_name() const = 0;
    virtual FileSystemStatistics statistics() const = 0;

    // st_dev: an anonymous device (major 0, a minor of its own), as Linux
    // gives every in-memory file system.
    u64 device() const { return m_device; }

protected:
    FileSystem();

private:
    u64 m_device;
};

}
