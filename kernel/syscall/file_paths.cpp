// The path calls (CONCEPTS F4): open and its relatives, the stat family,
// access, the name calls (mkdir, mknod, unlink, rmdir, rename, link,
// symlink, readlink), the attribute calls (chmod, chown, truncate,
// utimensat and the older utime/utimes/futimesat), the process's place in
// the tree (chdir, fchdir, getcwd, chroot, umask) and mount/umount2.
//
// The VFS (fs/vfs/vfs.h) does the file-system work and returns Linux's
// errno for every case it sees; what is here is the syscall side: paths
// copied in (EFAULT, ENAMETOOLONG at PATH_MAX, ENOENT for ""), dirfds
// turned into the Location a relative path starts from, results copied
// out, and the checks Linux makes before the VFS is reached (bad flags,
// bad descriptors), in Linux's order so the same errno wins.
//
// dirfd rules (Linux's path_init): an absolute path ignores the dirfd;
// AT_FDCWD is the working directory; otherwise the descriptor (O_PATH
// ones too) must be open (EBADF) and, unless the path is empty, a
// directory (ENOTDIR). An empty path is ENOENT unless the call allows it
// (AT_EMPTY_PATH, readlinkat), and then names the dirfd's file itself.
//
// openat2 is not implemented (ENOSYS through the dispatcher): its RESOLVE_*
// flags need path-walk support, and callers fall back to openat on ENOSYS.
#include <fs/vfs/abi.h>
#include <fs/vfs/vfs.h>
#include <lib/log.h>
#include <proc/current.h>
#include <syscall/syscall.h>

namespace {

using vfs::Location;

// Every open(2) flag Linux knows (VALID_OPEN_FLAGS); open and openat drop
// the others silently.
constexpr u32 kValidOpenFlags = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC
    | O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH | O_TMPFILE;
// __O_TMPFILE: O_TMPFILE without its O_DIRECTORY bit.
constexpr u32 kTmpfileBit = O_TMPFILE & ~static_cast<u32>(O_DIRECTORY);

constexpr i64 kNanosecondsPerSecond = 1000000000;
constexpr i64 kMicrosecondsPerSecond = 1000000;

// Linux's 32-bit encoding of a device number (what mknod(2) takes):
// zero-extended it is the 64-bit encoding for every major below 4096 and
// minor below 2^20, which is all this encoding can hold.
u64 device_from_user(u32 device)
{
    return device;
}

ErrorOr<KString> copy_path(UserPtr<char const> path)
{
    return copy_string_from_user(path, uaccess::kPathMax);
}

// A path that may be null when AT_EMPTY_PATH is given (Linux 6.11: the
// same as "").
ErrorOr<KString> copy_path_or_empty(UserPtr<char const> path, u32 at_flags)
{
    if (path.is_null() && (at_flags & AT_EMPTY_PATH))
        return KString();
    return copy_path(path);
}

// Where `path` starts: see the dirfd rules at the top.
ErrorOr<Location> base_for(vfs::Context const& context, int dirfd, StringView path, bool empty_allowed)
{
    if (path.is_empty() && !empty_allowed)
        return Error::from_errno(ENOENT);
    if (path.starts_with('/'))
        return context.root;
    if (dirfd == AT_FDCWD)
        return current::fs().cwd();
    RefPtr<vfs::OpenFile> file = TRY(current::fd_table().get(dirfd));
    Location const& location = file->location();
    if (location.is_null())
        return Error::from_errno(path.is_empty() ? EBADF : ENOTDIR);
    if (!path.is_empty() && !location.inode->is_directory())
        return Error::from_errno(ENOTDIR);
    return location;
}

// A descriptor's file for the f*() calls (fchmod, fchown, fstatfs...).
// `allow_path`: O_PATH descriptors are acceptable (fstat, fchdir).
ErrorOr<RefPtr<vfs::OpenFile>> file_for(int fd, bool allow_path)
{
    RefPtr<vfs::OpenFile> file = TRY(current::fd_table().get(fd));
    if (!allow_path && file->is_path_only())
        return Error::from_errno(EBADF);
    if (file->location().is_null())
        return Error::from_errno(EBADF);
    return file;
}

// ---- open ----

ErrorOr<long> do_open(int dirfd, UserPtr<char const> user_path, u32 flags, u32 mode)
{
    flags &= kValidOpenFlags;
    // Every file is "large" on x86-64: Linux adds O_LARGEFILE, and
    // F_GETFL shows it.
    flags |= O_LARGEFILE;
    if (flags & kTmpfileBit) {
        if ((flags & O_TMPFILE) != static_cast<u32>(O_TMPFILE))
            return Error::from_errno(EINVAL);
        u32 access = flags & O_ACCMODE;
        if (access != O_WRONLY && access != O_RDWR)
            return Error::from_errno(EINVAL);
    }
    if (flags & (O_CREAT | kTmpfileBit))
        mode &= 07777;
    else
        mode = 0;
    KString path = TRY(copy_path(user_path));
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, dirfd, path.view(), false));
    RefPtr<vfs::OpenFile> file = TRY(vfs::open(context, base, path.view(), flags, mode));
    int fd = TRY(current::fd_table().allocate(std::move(file), flags & O_CLOEXEC, current::limit(rlimit::kNofile)));
    return fd;
}

ErrorOr<long> sys_open(UserPtr<char const> path, int flags, u32 mode)
{
    return do_open(AT_FDCWD, path, static_cast<u32>(flags), mode);
}

ErrorOr<long> sys_openat(int dirfd, UserPtr<char const> path, int flags, u32 mode)
{
    return do_open(dirfd, path, static_cast<u32>(flags), mode);
}

ErrorOr<long> sys_creat(UserPtr<char const> path, u32 mode)
{
    return do_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

// ---- stat ----

ErrorOr<LinuxStat> stat_at(int dirfd, UserPtr<char const> user_path, u32 flags)
{
    KString path = TRY(copy_path_or_empty(user_path, flags));
    if (flags & ~static_cast<u32>(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
        return Error::from_errno(EINVAL);
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, dirfd, path.view(), flags & AT_EMPTY_PATH));
    if (path.is_empty())
        return vfs::stat(base);
    return vfs::stat(context, base, path.view(), flags);
}

ErrorOr<long> sys_stat(UserPtr<char const> path, UserPtr<LinuxStat> result)
{
    LinuxStat status = TRY(stat_at(AT_FDCWD, path, 0));
    TRY(copy_to_user(result, status));
    return 0;
}

ErrorOr<long> sys_lstat(UserPtr<char const> path, UserPtr<LinuxStat> result)
{
    LinuxStat status = TRY(stat_at(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW));
    TRY(copy_to_user(result, status));
    return 0;
}

ErrorOr<long> sys_newfstatat(int dirfd, UserPtr<char const> path, UserPtr<LinuxStat> result, int flags)
{
    LinuxStat status = TRY(stat_at(dirfd, path, static_cast<u32>(flags)));
    TRY(copy_to_user(result, status));
    return 0;
}

ErrorOr<long> sys_fstat(int fd, UserPtr<LinuxStat> result)
{
    RefPtr<vfs::OpenFile> file = TRY(file_for(fd, true));
    LinuxStat status = vfs::stat(file->location());
    TRY(copy_to_user(result, status));
    return 0;
}

ErrorOr<long> sys_statx(int dirfd, UserPtr<char const> user_path, int flags, u32 mask, UserPtr<LinuxStatx> result)
{
    u32 at_flags = static_cast<u32>(flags);
    KString path = TRY(copy_path_or_empty(user_path, at_flags));
    if (at_flags & ~static_cast<u32>(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
        return Error::from_errno(EINVAL);
    if ((at_flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX__RESERVED))
        return Error::from_errno(EINVAL);
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, dirfd, path.view(), at_flags & AT_EMPTY_PATH));
    LinuxStatx status = path.is_empty() ? vfs::statx(base, mask) : TRY(vfs::statx(context, base, path.view(), at_flags, mask));
    TRY(copy_to_user(result, status));
    return 0;
}

ErrorOr<long> sys_statfs(UserPtr<char const> user_path, UserPtr<LinuxStatfs> result)
{
    KString path = TRY(copy_path(user_path));
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, AT_FDCWD, path.view(), false));
    LinuxStatfs status = TRY(vfs::statfs(context, base, path.view()));
    TRY(copy_to_user(result, status));
    return 0;
}

ErrorOr<long> sys_fstatfs(int fd, UserPtr<LinuxStatfs> result)
{
    // Linux's fstatfs takes O_PATH descriptors (fdget_raw).
    RefPtr<vfs::OpenFile> file = TRY(file_for(fd, true));
    LinuxStatfs status = vfs::statfs(file->location());
    TRY(copy_to_user(result, status));
    return 0;
}

// ---- access ----

ErrorOr<long> do_access(int dirfd, UserPtr<char const> user_path, u32 mode, u32 flags)
{
    if (mode & ~static_cast<u32>(R_OK | W_OK | X_OK))
        return Error::from_errno(EINVAL);
    if (flags & ~static_cast<u32>(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return Error::from_errno(EINVAL);
    KString path = TRY(copy_path_or_empty(user_path, flags));
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, dirfd, path.view(), flags & AT_EMPTY_PATH));
    TRY(vfs::access(context, base, path.view(), mode, flags));
    return 0;
}

ErrorOr<long> sys_access(UserPtr<char const> path, u32 mode)
{
    return do_access(AT_FDCWD, path, mode, 0);
}

ErrorOr<long> sys_faccessat(int dirfd, UserPtr<char const> path, u32 mode)
{
    return do_access(dirfd, path, mode, 0);
}

ErrorOr<long> sys_faccessat2(int dirfd, UserPtr<char const> path, u32 mode, int flags)
{
    return do_access(dirfd, path, mode, static_cast<u32>(flags));
}

// ---- names ----

ErrorOr<long> do_mkdir(int dirfd, UserPtr<char const> user_path, u32 mode)
{
    KString path = TRY(copy_path(user_path));
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, dirfd, path.view(), false));
    TRY(vfs::mkdir(context, base, path.view(), mode));
    return 0;
}

ErrorOr<long> sys_mkdir(UserPtr<char const> path, u32 mode)
{
    return do_mkdir(AT_FDCWD, path, mode);
}

ErrorOr<long> sys_mkdirat(int dirfd, UserPtr<char const> path, u32 mode)
{
    return do_mkdir(dirfd, path, mode);
}

ErrorOr<long> do_mknod(int dirfd, UserPtr<char const> user_path, u32 mode, u32 device)
{
    KString path = TRY(copy_path(user_path));
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, dirfd, path.view(), false));
    TRY(vfs::mknod(context, base, path.view(), mode, device_from_user(device)));
    return 0;
}

ErrorOr<long> sys_mknod(UserPtr<char const> path, u32 mode, u32 device)
{
    return do_mknod(AT_FDCWD, path, mode, device);
}

ErrorOr<long> sys_mknodat(int dirfd, UserPtr<char const> path, u32 mode, u32 device)
{
    return do_mknod(dirfd, path, mode, device);
}

ErrorOr<long> do_unlink(int dirfd, UserPtr<char const> user_path, bool directory)
{
    KString path = TRY(copy_path(user_path));
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, dirfd, path.view(), false));
    if (directory)
        TRY(vfs::rmdir(context, base, path.view()));
    else
        TRY(vfs::unlink(context, base, path.view()));
    return 0;
}

ErrorOr<long> sys_unlink(UserPtr<char const> path)
{
    return do_unlink(AT_FDCWD, path, false);
}

ErrorOr<long> sys_rmdir(UserPtr<char const> path)
{
    return do_unlink(AT_FDCWD, path, true);
}

ErrorOr<long> sys_unlinkat(int dirfd, UserPtr<char const> path, int flags)
{
    if (static_cast<u32>(flags) & ~static_cast<u32>(AT_REMOVEDIR))
        return Error::from_errno(EINVAL);
    return do_unlink(dirfd, path, flags & AT_REMOVEDIR);
}

ErrorOr<long> do_rename(int old_dirfd, UserPtr<char const> old_user_path, int new_dirfd, UserPtr<char const> new_user_path, u32 flags)
{
    if (flags & ~static_cast<u32>(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return Error::from_errno(EINVAL);
    if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
        return Error::from_errno(EINVAL);
    KString old_path = TRY(copy_path(old_user_path));
    KString new_path = TRY(copy_path(new_user_path));
    vfs::Context context = current::vfs_context();
    Location old_base = TRY(base_for(context, old_dirfd, old_path.view(), false));
    Location new_base = TRY(base_for(context, new_dirfd, new_path.view(), false));
    TRY(vfs::rename(context, old_base, old_path.view(), new_base, new_path.view(), flags));
    return 0;
}

ErrorOr<long> sys_rename(UserPtr<char const> old_path, UserPtr<char const> new_path)
{
    return do_rename(AT_FDCWD, old_path, AT_FDCWD, new_path, 0);
}

ErrorOr<long> sys_renameat(int old_dirfd, UserPtr<char const> old_path, int new_dirfd, UserPtr<char const> new_path)
{
    return do_rename(old_dirfd, old_path, new_dirfd, new_path, 0);
}

ErrorOr<long> sys_renameat2(int old_dirfd, UserPtr<char const> old_path, int new_dirfd, UserPtr<char const> new_path, u32 flags)
{
    return do_rename(old_dirfd, old_path, new_dirfd, new_path, flags);
}

ErrorOr<long> do_link(int old_dirfd, UserPtr<char const> old_user_path, int new_dirfd, UserPtr<char const> new_user_path, u32 flags)
{
    if (flags & ~static_cast<u32>(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return Error::from_errno(EINVAL);
    // linkat(fd, "", ..., AT_EMPTY_PATH) gives any open file a name, so
    // Linux reserves it to CAP_DAC_READ_SEARCH (here: the superuser).
    if ((flags & AT_EMPTY_PATH) && !current::credentials().is_fs_superuser())
        return Error::from_errno(ENOENT);
    KString old_path = TRY(copy_path_or_empty(old_user_path, flags));
    KString new_path = TRY(copy_path(new_user_path));
    vfs::Context context = current::vfs_context();
    Location old_base = TRY(base_for(context, old_dirfd, old_path.view(), flags & AT_EMPTY_PATH));
    Location new_base = TRY(base_for(context, new_dirfd, new_path.view(), false));
    TRY(vfs::link(context, old_base, old_path.view(), new_base, new_path.view(), flags));
    return 0;
}

ErrorOr<long> sys_link(UserPtr<char const> old_path, UserPtr<char const> new_path)
{
    return do_link(AT_FDCWD, old_path, AT_FDCWD, new_path, 0);
}

ErrorOr<long> sys_linkat(int old_dirfd, UserPtr<char const> old_path, int new_dirfd, UserPtr<char const> new_path, int flags)
{
    return do_link(old_dirfd, old_path, new_dirfd, new_path, static_cast<u32>(flags));
}

ErrorOr<long> do_symlink(UserPtr<char const> user_target, int new_dirfd, UserPtr<char const> user_path)
{
    KString target = TRY(copy_path(user_target));
    KString path = TRY(copy_path(user_path));
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, new_dirfd, path.view(), false));
    TRY(vfs::symlink(context, target.view(), base, path.view()));
    return 0;
}

ErrorOr<long> sys_symlink(UserPtr<char const> target, UserPtr<char const> path)
{
    return do_symlink(target, AT_FDCWD, path);
}

ErrorOr<long> sys_symlinkat(UserPtr<char const> target, int new_dirfd, UserPtr<char const> path)
{
    return do_symlink(target, new_dirfd, path);
}

ErrorOr<long> do_readlink(int dirfd, UserPtr<char const> user_path, UserPtr<char> buffer, int size)
{
    if (size <= 0)
        return Error::from_errno(EINVAL);
    KString path = TRY(copy_path(user_path));
    vfs::Context context = current::vfs_context();
    // readlinkat(fd, "") reads the symlink the descriptor (O_PATH) names.
    Location base = TRY(base_for(context, dirfd, path.view(), dirfd != AT_FDCWD));
    UserIoBuffer user(buffer.address(), static_cast<usize>(size));
    usize length = TRY(vfs::readlink(context, base, path.view(), user, static_cast<usize>(size)));
    return static_cast<long>(length);
}

ErrorOr<long> sys_readlink(UserPtr<char const> path, UserPtr<char> buffer, int size)
{
    return do_readlink(AT_FDCWD, path, buffer, size);
}

ErrorOr<long> sys_readlinkat(int dirfd, UserPtr<char const> path, UserPtr<char> buffer, int size)
{
    return do_readlink(dirfd, path, buffer, size);
}

// ---- attributes ----

ErrorOr<long> do_chmod(int dirfd, UserPtr<char const> user_path, u32 mode, u32 flags)
{
    if (flags & ~static_cast<u32>(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return Error::from_errno(EINVAL);
    KString path = TRY(copy_path_or_empty(user_path, flags));
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, dirfd, path.view(), flags & AT_EMPTY_PATH));
    TRY(vfs::chmod(context, base, path.view(), mode, flags));
    return 0;
}

ErrorOr<long> sys_chmod(UserPtr<char const> path, u32 mode)
{
    return do_chmod(AT_FDCWD, path, mode, 0);
}

ErrorOr<long> sys_fchmodat(int dirfd, UserPtr<char const> path, u32 mode)
{
    return do_chmod(dirfd, path, mode, 0);
}

ErrorOr<long> sys_fchmodat2(int dirfd, UserPtr<char const> path, u32 mode, int flags)
{
    return do_chmod(dirfd, path, mode, static_cast<u32>(flags));
}

ErrorOr<long> sys_fchmod(int fd, u32 mode)
{
    RefPtr<vfs::OpenFile> file = TRY(file_for(fd, false));
    TRY(vfs::chmod(current::vfs_context(), file->location(), mode));
    return 0;
}

ErrorOr<long> do_chown(int dirfd, UserPtr<char const> user_path, u32 uid, u32 gid, u32 flags)
{
    if (flags & ~static_cast<u32>(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return Error::from_errno(EINVAL);
    KString path = TRY(copy_path_or_empty(user_path, flags));
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, dirfd, path.view(), flags & AT_EMPTY_PATH));
    TRY(vfs::chown(context, base, path.view(), uid, gid, flags));
    return 0;
}

ErrorOr<long> sys_chown(UserPtr<char const> path, u32 uid, u32 gid)
{
    return do_chown(AT_FDCWD, path, uid, gid, 0);
}

ErrorOr<long> sys_lchown(UserPtr<char const> path, u32 uid, u32 gid)
{
    return do_chown(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

ErrorOr<long> sys_fchownat(int dirfd, UserPtr<char const> path, u32 uid, u32 gid, int flags)
{
    return do_chown(dirfd, path, uid, gid, static_cast<u32>(flags));
}

ErrorOr<long> sys_fchown(int fd, u32 uid, u32 gid)
{
    RefPtr<vfs::OpenFile> file = TRY(file_for(fd, false));
    TRY(vfs::chown(current::vfs_context(), file->location(), uid, gid));
    return 0;
}

ErrorOr<long> sys_truncate(UserPtr<char const> user_path, i64 length)
{
    KString path = TRY(copy_path(user_path));
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, AT_FDCWD, path.view(), false));
    TRY(vfs::truncate(context, base, path.view(), length));
    return 0;
}

bool valid_nanoseconds(i64 nanoseconds)
{
    return (nanoseconds >= 0 && nanoseconds < kNanosecondsPerSecond) || nanoseconds == UTIME_NOW || nanoseconds == UTIME_OMIT;
}

// The common end of utimensat, utimes, utime and futimesat: Linux's
// do_utimes. `times` null means "both now". A null path with a dirfd
// other than AT_FDCWD changes the dirfd's own file (futimens).
ErrorOr<long> do_utimes(int dirfd, UserPtr<char const> user_path, vfs::TimeSpec const* times, u32 flags)
{
    if (times && (!valid_nanoseconds(times[0].nanoseconds) || !valid_nanoseconds(times[1].nanoseconds)))
        return Error::from_errno(EINVAL);
    if (flags & ~static_cast<u32>(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return Error::from_errno(EINVAL);
    vfs::Context context = current::vfs_context();
    if (user_path.is_null() && dirfd != AT_FDCWD) {
        if (flags)
            return Error::from_errno(EINVAL);
        RefPtr<vfs::OpenFile> file = TRY(file_for(dirfd, false));
        TRY(vfs::utimens(context, file->location(), times));
        return 0;
    }
    KString path = TRY(copy_path_or_empty(user_path, flags));
    Location base = TRY(base_for(context, dirfd, path.view(), flags & AT_EMPTY_PATH));
    TRY(vfs::utimens(context, base, path.view(), times, flags));
    return 0;
}

ErrorOr<long> sys_utimensat(int dirfd, UserPtr<char const> path, UserPtr<vfs::TimeSpec const> user_times, int flags)
{
    static_assert(sizeof(vfs::TimeSpec) == 16); // struct timespec
    vfs::TimeSpec times[2];
    if (!user_times.is_null()) {
        TRY(copy_from_user(times, user_times.address(), sizeof(times)));
        // Nothing to do: Linux does not even look the path up.
        if (times[0].nanoseconds == UTIME_OMIT && times[1].nanoseconds == UTIME_OMIT)
            return 0;
    }
    return do_utimes(dirfd, path, user_times.is_null() ? nullptr : times, static_cast<u32>(flags));
}

struct LinuxTimeval {
    i64 seconds;
    i64 microseconds;
};

ErrorOr<long> do_futimesat(int dirfd, UserPtr<char const> path, UserPtr<LinuxTimeval const> user_times)
{
    if (user_times.is_null())
        return do_utimes(dirfd, path, nullptr, 0);
    LinuxTimeval values[2];
    TRY(copy_from_user(values, user_times.address(), sizeof(values)));
    vfs::TimeSpec times[2];
    for (int i = 0; i < 2; ++i) {
        if (values[i].microseconds < 0 || values[i].microseconds >= kMicrosecondsPerSecond)
            return Error::from_errno(EINVAL);
        times[i] = { values[i].seconds, values[i].microseconds * 1000 };
    }
    return do_utimes(dirfd, path, times, 0);
}

ErrorOr<long> sys_utimes(UserPtr<char const> path, UserPtr<LinuxTimeval const> times)
{
    return do_futimesat(AT_FDCWD, path, times);
}

ErrorOr<long> sys_futimesat(int dirfd, UserPtr<char const> path, UserPtr<LinuxTimeval const> times)
{
    return do_futimesat(dirfd, path, times);
}

ErrorOr<long> sys_utime(UserPtr<char const> path, UserPtr<i64 const> user_times)
{
    if (user_times.is_null())
        return do_utimes(AT_FDCWD, path, nullptr, 0);
    i64 values[2]; // struct utimbuf { actime, modtime }
    TRY(copy_from_user(values, user_times.address(), sizeof(values)));
    vfs::TimeSpec times[2] = { { values[0], 0 }, { values[1], 0 } };
    return do_utimes(AT_FDCWD, path, times, 0);
}

// ---- the process's place in the tree ----

ErrorOr<long> sys_chdir(UserPtr<char const> user_path)
{
    KString path = TRY(copy_path(user_path));
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, AT_FDCWD, path.view(), false));
    TRY(vfs::chdir(current::fs(), context, base, path.view()));
    return 0;
}

ErrorOr<long> sys_fchdir(int fd)
{
    RefPtr<vfs::OpenFile> file = TRY(current::fd_table().get(fd));
    TRY(vfs::fchdir(current::fs(), current::vfs_context(), *file));
    return 0;
}

ErrorOr<long> sys_chroot(UserPtr<char const> user_path)
{
    KString path = TRY(copy_path(user_path));
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, AT_FDCWD, path.view(), false));
    TRY(vfs::chroot(current::fs(), context, base, path.view()));
    return 0;
}

ErrorOr<long> sys_getcwd(UserPtr<char> buffer, usize size)
{
    usize capacity = size < uaccess::kPathMax ? size : uaccess::kPathMax;
    struct Scratch {
        char* bytes;
        ~Scratch() { delete[] bytes; }
    } scratch { new (std::nothrow) char[capacity ? capacity : 1] };
    if (!scratch.bytes)
        return Error::from_errno(ENOMEM);
    vfs::Context context = current::vfs_context();
    usize length = TRY(vfs::getcwd(context, current::fs().cwd(), scratch.bytes, capacity));
    TRY(copy_to_user(buffer.address(), scratch.bytes, length));
    return static_cast<long>(length);
}

ErrorOr<long> sys_umask(u32 mask)
{
    return current::fs().set_umask(mask & 0777);
}

// ---- mounts ----

// An optional string argument of mount(2): "" when null.
ErrorOr<KString> copy_optional(UserPtr<char const> text, usize capacity)
{
    if (text.is_null())
        return KString();
    return copy_string_from_user(text, capacity);
}

ErrorOr<long> sys_mount(UserPtr<char const> user_source, UserPtr<char const> user_target, UserPtr<char const> user_type, u64 flags, UserPtr<char const> user_data)
{
    KString type = TRY(copy_optional(user_type, uaccess::kPathMax));
    KString source = TRY(copy_optional(user_source, uaccess::kPathMax));
    // Linux copies one page of options; a string that does not end within
    // it is refused here (EINVAL) rather than cut.
    auto data = copy_optional(user_data, vfs::kPageSize);
    if (data.is_error())
        return Error::from_errno(data.error().code() == ENAMETOOLONG ? EINVAL : data.error().code());
    KString target = TRY(copy_path(user_target));
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, AT_FDCWD, target.view(), false));
    TRY(vfs::mount(context, base, source.view(), target.view(), type.view(), flags, data.value().view()));
    return 0;
}

ErrorOr<long> sys_umount2(UserPtr<char const> user_target, int flags)
{
    KString target = TRY(copy_path(user_target));
    vfs::Context context = current::vfs_context();
    Location base = TRY(base_for(context, AT_FDCWD, target.view(), false));
    TRY(vfs::umount(context, base, target.view(), static_cast<u32>(flags)));
    return 0;
}

}

REGISTER_SYSCALL(open, sys_open);
REGISTER_SYSCALL(openat, sys_openat);
REGISTER_SYSCALL(creat, sys_creat);
REGISTER_SYSCALL(stat, sys_stat);
REGISTER_SYSCALL(lstat, sys_lstat);
REGISTER_SYSCALL(fstat, sys_fstat);
REGISTER_SYSCALL(newfstatat, sys_newfstatat);
REGISTER_SYSCALL(statx, sys_statx);
REGISTER_SYSCALL(statfs, sys_statfs);
REGISTER_SYSCALL(fstatfs, sys_fstatfs);
REGISTER_SYSCALL(access, sys_access);
REGISTER_SYSCALL(faccessat, sys_faccessat);
REGISTER_SYSCALL(faccessat2, sys_faccessat2);
REGISTER_SYSCALL(mkdir, sys_mkdir);
REGISTER_SYSCALL(mkdirat, sys_mkdirat);
REGISTER_SYSCALL(mknod, sys_mknod);
REGISTER_SYSCALL(mknodat, sys_mknodat);
REGISTER_SYSCALL(unlink, sys_unlink);
REGISTER_SYSCALL(rmdir, sys_rmdir);
REGISTER_SYSCALL(unlinkat, sys_unlinkat);
REGISTER_SYSCALL(rename, sys_rename);
REGISTER_SYSCALL(renameat, sys_renameat);
REGISTER_SYSCALL(renameat2, sys_renameat2);
REGISTER_SYSCALL(link, sys_link);
REGISTER_SYSCALL(linkat, sys_linkat);
REGISTER_SYSCALL(symlink, sys_symlink);
REGISTER_SYSCALL(symlinkat, sys_symlinkat);
REGISTER_SYSCALL(readlink, sys_readlink);
REGISTER_SYSCALL(readlinkat, sys_readlinkat);
REGISTER_SYSCALL(chmod, sys_chmod);
REGISTER_SYSCALL(fchmod, sys_fchmod);
REGISTER_SYSCALL(fchmodat, sys_fchmodat);
REGISTER_SYSCALL(fchmodat2, sys_fchmodat2);
REGISTER_SYSCALL(chown, sys_chown);
REGISTER_SYSCALL(lchown, sys_lchown);
REGISTER_SYSCALL(fchown, sys_fchown);
REGISTER_SYSCALL(fchownat, sys_fchownat);
REGISTER_SYSCALL(truncate, sys_truncate);
REGISTER_SYSCALL(utimensat, sys_utimensat);
REGISTER_SYSCALL(utimes, sys_utimes);
REGISTER_SYSCALL(futimesat, sys_futimesat);
REGISTER_SYSCALL(utime, sys_utime);
REGISTER_SYSCALL(chdir, sys_chdir);
REGISTER_SYSCALL(fchdir, sys_fchdir);
REGISTER_SYSCALL(chroot, sys_chroot);
REGISTER_SYSCALL(getcwd, sys_getcwd);
REGISTER_SYSCALL(umask, sys_umask);
REGISTER_SYSCALL(mount, sys_mount);
REGISTER_SYSCALL(umount2, sys_umount2);
