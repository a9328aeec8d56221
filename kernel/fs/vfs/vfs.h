// The VFS (CONCEPTS F4): the file calls of the Linux ABI, on paths, for
// the syscall layer. Each takes the caller's vfs::Context (mount table,
// process root, credentials, umask) and, for a relative path, the
// Location it starts from (the working directory for open, the dirfd's
// directory for openat...). The syscall layer copies paths in from user
// space, maps AT_FDCWD and dirfds to Locations, and descriptors to
// OpenFiles (fs/vfs/fd_table.h); everything else - path walking, mounts,
// permissions, read-only mounts, the errno Linux gives in each case - is
// here.
//
//   open/openat/creat   -> vfs::open, then FdTable::allocate
//   read/write/lseek/getdents64/ioctl/ftruncate -> OpenFile (open_file.h)
//   stat/lstat/newfstatat/fstat -> vfs::stat;  statx -> vfs::statx
//   mkdir(at) mknod(at) symlink(at) link(at) unlink(at) rmdir rename(at,at2)
//   readlink(at) access/faccessat(2) chmod/fchmodat chown/lchown/fchownat
//   truncate utimensat statfs chdir/fchdir chroot getcwd mount umount2
//                       -> the function of the same name
//   fchmod/fchown/futimens/fstatfs -> the overloads taking a Location
//                          (the OpenFile's)
//
// Implementation: open in vfs_open.cpp, names (mkdir...rename) in
// vfs_names.cpp, attributes (stat...utimens) in vfs_attributes.cpp, the
// tree (chdir, chroot, getcwd, mount) in vfs_tree.cpp.
// Host-buildable.
#pragma once

#include <fs/vfs/abi.h>
#include <fs/vfs/context.h>
#include <fs/vfs/fs_context.h>
#include <fs/vfs/namei.h>
#include <fs/vfs/open_file.h>
#include <lib/error_or.h>

namespace vfs {

// open(2). `flags` are Linux's O_* flags; `mode` the permission bits of a
// file O_CREAT makes (before the umask). O_CLOEXEC is for the caller's
// fd table. O_TMPFILE is not supported (EOPNOTSUPP).
ErrorOr<RefPtr<OpenFile>> open(Context const& context, Location const& base, StringView path, u32 flags, u32 mode);

// What opening a FIFO gives: the pipe issue installs its opener. Without
// one, opening a FIFO fails with ENXIO.
using FifoOpener = ErrorOr<RefPtr<FileOperations>> (*)(Location const& fifo, u32 flags);
void set_fifo_opener(FifoOpener opener);

ErrorOr<void> mkdir(Context const& context, Location const& base, StringView path, u32 mode);
// `mode` type S_IFREG (or 0), S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK; `device`
// as make_device() encodes it (what mknod(2) passes, zero-extended).
ErrorOr<void> mknod(Context const& context, Location const& base, StringView path, u32 mode, u64 device);
ErrorOr<void> symlink(Context const& context, StringView target, Location const& base, StringView path);
// `flags`: AT_SYMLINK_FOLLOW, AT_EMPTY_PATH (of linkat).
ErrorOr<void> link(Context const& context, Location const& old_base, StringView old_path, Location const& new_base, StringView new_path, u32 flags);
ErrorOr<void> unlink(Context const& context, Location const& base, StringView path);
ErrorOr<void> rmdir(Context const& context, Location const& base, StringView path);
// `flags`: RENAME_NOREPLACE, RENAME_EXCHANGE (renameat2).
ErrorOr<void> rename(Context const& context, Location const& old_base, StringView old_path, Location const& new_base, StringView new_path, u32 flags);

// Up to `size` bytes of the symlink's target, no NUL; returns the count.
ErrorOr<usize> readlink(Context const& context, Location const& base, StringView path, IoBuffer& buffer, usize size);

// `flags`: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_NO_AUTOMOUNT.
ErrorOr<LinuxStat> stat(Context const& context, Location const& base, StringView path, u32 flags);
LinuxStat stat(Location const& file);
// `flags` as stat plus AT_STATX_*; `mask` the STATX_* fields wanted.
ErrorOr<LinuxStatx> statx(Context const& context, Location const& base, StringView path, u32 flags, u32 mask);
LinuxStatx statx(Location const& file, u32 mask);
ErrorOr<LinuxStatfs> statfs(Context const& context, Location const& base, StringView path);
LinuxStatfs statfs(Location const& file);

// access/faccessat/faccessat2: `mode` F_OK or R_OK|W_OK|X_OK; `flags`
// AT_EACCESS (check with the effective ids, not the real ones),
// AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH.
ErrorOr<void> access(Context const& context, Location const& base, StringView path, u32 mode, u32 flags);

// `flags`: AT_SYMLINK_NOFOLLOW (EOPNOTSUPP on a symlink, as Linux), AT_EMPTY_PATH.
ErrorOr<void> chmod(Context const& context, Location const& base, StringView path, u32 mode, u32 flags);
ErrorOr<void> chmod(Context const& context, Location const& file, u32 mode);
// ~0u for "unchanged". `flags`: AT_SYMLINK_NOFOLLOW (lchown), AT_EMPTY_PATH.
ErrorOr<void> chown(Context const& context, Location const& base, StringView path, u32 uid, u32 gid, u32 flags);
ErrorOr<void> chown(Context const& context, Location const& file, u32 uid, u32 gid);

ErrorOr<void> truncate(Context const& context, Location const& base, StringView path, i64 length);

// utimensat: times[0] is atime, times[1] mtime; a nanosecond field of
// UTIME_NOW or UTIME_OMIT means "now" and "unchanged"; null means both
// now. `flags`: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH.
struct TimeSpec {
    i64 seconds;
    i64 nanoseconds;
};
ErrorOr<void> utimens(Context const& context, Location const& base, StringView path, TimeSpec const* times, u32 flags);
ErrorOr<void> utimens(Context const& context, Location const& file, TimeSpec const* times);

ErrorOr<void> chdir(FsContext& process, Context const& context, Location const& base, StringView path);
ErrorOr<void> fchdir(FsContext& process, Context const& context, OpenFile const& directory);
ErrorOr<void> chroot(FsContext& process, Context const& context, Location const& base, StringView path);
// The path of `cwd` from the process root, NUL-terminated, into `buffer`;
// returns its length with the NUL (what getcwd(2) returns). ERANGE when
// `size` is too small, ENOENT when the directory was removed.
ErrorOr<usize> getcwd(Context const& context, Location const& cwd, char* buffer, usize size);
// What /proc/<pid>/fd/<n>, exe and cwd show for `file`: its path from the
// process root (" (deleted)" appended once unlinked), or for a file of an
// internal file system Linux's "pipe:[ino]", "socket:[ino]" or
// "anon_inode:<name>". Inodes do not know their names: a directory's
// path comes as getcwd's, a non-directory's by searching its mount's tree
// for the inode (bounded; first name of a hard-linked file). An unlinked
// file found nowhere reads "/[inode N] (deleted)".
ErrorOr<KString> describe_location(Context const& context, Location const& file);

// mount(2): a new file system of type `type` (ENODEV if unknown) on the
// directory `target`; with MS_BIND the directory `source` again at
// `target`; with MS_REMOUNT new flags for the mount at `target`.
// Propagation requests (MS_SHARED, MS_PRIVATE...) are accepted and change
// nothing: there is one mount namespace. MS_MOVE is EINVAL.
ErrorOr<void> mount(Context const& context, Location const& base, StringView source, StringView target, StringView type, u64 flags, StringView data);
// umount2(2): `flags` MNT_DETACH, UMOUNT_NOFOLLOW; MNT_FORCE changes
// nothing (nothing here can hang), and MNT_EXPIRE unmounts an unused mount
// at once instead of marking it first.
ErrorOr<void> umount(Context const& context, Location const& base, StringView target, u32 flags);

}
