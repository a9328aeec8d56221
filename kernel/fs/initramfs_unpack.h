// Unpacking the initramfs (CONCEPTS B1, F4): the cpio "newc" archive GRUB
// loads as a module becomes the files of the root tmpfs. Boot code calls
// unpack_cpio with the archive and the root directory after mounting the
// root tmpfs.
//
// What it keeps, as Linux's init/initramfs.c: directories, regular files,
// symlinks, device nodes, FIFOs and sockets with their permission bits
// (setuid/setgid/sticky included), owner and group, and mtime (directories
// get theirs at the end, after their contents stopped changing them).
// Entries with several links (nlink > 1, not directories) that share an
// inode and device number become hard links of one file. "." and ".." are
// skipped, leading "/" and "./" dropped, and directories missing before
// their contents are made (0755, root). An existing file in the way is
// replaced, an existing directory kept (with the archive's mode and owner).
// Names are resolved inside `destination` (".." and absolute symlinks
// cannot leave it).
//
// A malformed archive is EINVAL (cpio.h); other errors are those of the
// file system (ENOSPC, ENOMEM...). Either stops the unpacking.
// Host-buildable.
#pragma once

#include <fs/vfs/mount.h>
#include <lib/error_or.h>
#include <lib/types.h>

namespace initramfs {

struct UnpackStatistics {
    usize directories { 0 };
    usize files { 0 };
    usize symlinks { 0 };
    usize special_files { 0 }; // device nodes, FIFOs, sockets
    usize hard_links { 0 };
    usize skipped { 0 };       // "." and the like
};

ErrorOr<UnpackStatistics> unpack_cpio(u8 const* archive, usize size, vfs::MountTable& mounts, vfs::Location const& destination);

}
