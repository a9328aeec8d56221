// The calls that read or change what a file is rather than what it
// contains (fs/vfs/vfs.h): readlink, stat, statx, statfs, access, chmod,
// chown, truncate, utimensat.
#include <fs/vfs/fs_clock.h>
#include <fs/vfs/vfs.h>
#include <limits>
#include <security/permissions.h>

namespace vfs {

namespace {

constexpr i64 kNanosecondsPerSecond = 1000000000;

struct SplitTime {
    i64 seconds;
    u32 nanoseconds;
};

// Floor division, so times before 1970 keep 0 <= nanoseconds < 1e9.
SplitTime split(i64 ns)
{
    i64 seconds = ns / kNanosecondsPerSecond;
    i64 rest = ns % kNanosecondsPerSecond;
    if (rest < 0) {
        rest += kNanosecondsPerSecond;
        --seconds;
    }
    return { seconds, static_cast<u32>(rest) };
}

// A timespec as nanoseconds, saturating beyond the years 1678-2262 that
// 64-bit nanoseconds cover.
i64 join(i64 seconds, i64 nanoseconds)
{
    constexpr i64 kMax = std::numeric_limits<i64>::max();
    constexpr i64 kMin = std::numeric_limits<i64>::min();
    if (seconds > (kMax - nanoseconds) / kNanosecondsPerSecond)
        return kMax;
    if (seconds < kMin / kNanosecondsPerSecond + 1)
        return kMin;
    return seconds * kNanosecondsPerSecond + nanoseconds;
}

LinuxStatxTimestamp statx_time(i64 ns)
{
    SplitTime time = split(ns);
    return { time.seconds, time.nanoseconds, 0 };
}

u32 resolve_flags_for(u32 at_flags)
{
    u32 flags = 0;
    if (at_flags & AT_SYMLINK_NOFOLLOW)
        flags |= kResolveNoFollow;
    if (at_flags & AT_EMPTY_PATH)
        flags |= kResolveEmptyPath;
    return flags;
}

ErrorOr<void> check_flags(u32 flags, u32 allowed)
{
    if (flags & ~allowed)
        return Error::from_errno(EINVAL);
    return {};
}

ErrorOr<void> check_writable_mount(Location const& file)
{
    if (file.mount->is_read_only())
        return Error::from_errno(EROFS);
    return {};
}

}

ErrorOr<usize> readlink(Context const& context, Location const& base, StringView path, IoBuffer& buffer, usize size)
{
    if (size == 0)
        return Error::from_errno(EINVAL);
    Location link = TRY(resolve(context, base, path, kResolveNoFollow | kResolveEmptyPath));
    // readlinkat(fd, "") names the descriptor's file: ENOENT if that is
    // not a symlink (a path naming a non-symlink is EINVAL).
    if (path.is_empty() && !link.inode->is_symlink())
        return Error::from_errno(ENOENT);
    KString target = TRY(link.inode->readlink());
    usize count = target.length() < size ? target.length() : size;
    TRY(buffer.write_bytes(0, target.c_str(), count));
    return count;
}

LinuxStat stat(Location const& file)
{
    InodeMetadata metadata = file.inode->metadata();
    SplitTime atime = split(metadata.atime_ns);
    SplitTime mtime = split(metadata.mtime_ns);
    SplitTime ctime = split(metadata.ctime_ns);
    LinuxStat result {};
    result.dev = metadata.device;
    result.ino = metadata.ino;
    result.nlink = metadata.nlink;
    result.mode = metadata.mode;
    result.uid = metadata.uid;
    result.gid = metadata.gid;
    result.rdev = metadata.rdev;
    result.size = static_cast<i64>(metadata.size);
    result.blksize = metadata.block_size;
    result.blocks = static_cast<i64>(metadata.blocks);
    result.atime_sec = static_cast<u64>(atime.seconds);
    result.atime_nsec = atime.nanoseconds;
    result.mtime_sec = static_cast<u64>(mtime.seconds);
    result.mtime_nsec = mtime.nanoseconds;
    result.ctime_sec = static_cast<u64>(ctime.seconds);
    result.ctime_nsec = ctime.nanoseconds;
    return result;
}

ErrorOr<LinuxStat> stat(Context const& context, Location const& base, StringView path, u32 flags)
{
    TRY(check_flags(flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT));
    Location file = TRY(resolve(context, base, path, resolve_flags_for(flags)));
    return stat(file);
}

LinuxStatx statx(Location const& file, u32)
{
    // Everything but the birth time is always known, so the answer does
    // not depend on what was asked for (Linux may return more than asked).
    InodeMetadata metadata = file.inode->metadata();
    LinuxStatx result {};
    result.stx_mask = STATX_BASIC_STATS | STATX_MNT_ID;
    result.stx_blksize = metadata.block_size;
    result.stx_nlink = metadata.nlink;
    result.stx_uid = metadata.uid;
    result.stx_gid = metadata.gid;
    result.stx_mode = static_cast<u16>(metadata.mode);
    result.stx_ino = metadata.ino;
    result.stx_size = metadata.size;
    result.stx_blocks = metadata.blocks;
    result.stx_atime = statx_time(metadata.atime_ns);
    result.stx_mtime = statx_time(metadata.mtime_ns);
    result.stx_ctime = statx_time(metadata.ctime_ns);
    result.stx_rdev_major = device_major(metadata.rdev);
    result.stx_rdev_minor = device_minor(metadata.rdev);
    result.stx_dev_major = device_major(metadata.device);
    result.stx_dev_minor = device_minor(metadata.device);
    result.stx_mnt_id = file.mount ? file.mount->id() : 0;
    return result;
}

ErrorOr<LinuxStatx> statx(Context const& context, Location const& base, StringView path, u32 flags, u32 mask)
{
    TRY(check_flags(flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE));
    if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX__RESERVED))
        return Error::from_errno(EINVAL);
    Location file = TRY(resolve(context, base, path, resolve_flags_for(flags)));
    return statx(file, mask);
}

LinuxStatfs statfs(Location const& file)
{
    FileSystemStatistics statistics = file.inode->fs().statistics();
    u64 device = file.inode->fs().device();
    u32 mount_flags = file.mount ? file.mount->flags() : 0;
    LinuxStatfs result {};
    result.type = static_cast<i64>(statistics.magic);
    result.bsize = static_cast<i64>(statistics.block_size);
    result.frsize = static_cast<i64>(statistics.block_size);
    result.blocks = statistics.total_blocks;
    result.bfree = statistics.free_blocks;
    result.bavail = statistics.available_blocks;
    result.files = statistics.total_inodes;
    result.ffree = statistics.free_inodes;
    result.fsid[0] = static_cast<i32>(device);
    result.fsid[1] = static_cast<i32>(device >> 32);
    result.namelen = static_cast<i64>(statistics.name_max);
    u64 st_flags = kStatfsValid;
    if (mount_flags & MS_RDONLY)
        st_flags |= kStatfsReadOnly;
    if (mount_flags & MS_NOSUID)
        st_flags |= kStatfsNoSuid;
    if (mount_flags & MS_NODEV)
        st_flags |= kStatfsNoDev;
    if (mount_flags & MS_NOEXEC)
        st_flags |= kStatfsNoExec;
    if (mount_flags & MS_NOATIME)
        st_flags |= kStatfsNoAtime;
    if (mount_flags & MS_NODIRATIME)
        st_flags |= kStatfsNoDirAtime;
    if (mount_flags & MS_RELATIME)
        st_flags |= kStatfsRelatime;
    result.flags = static_cast<i64>(st_flags);
    return result;
}

ErrorOr<LinuxStatfs> statfs(Context const& context, Location const& base, StringView path)
{
    Location file = TRY(resolve(context, base, path));
    return statfs(file);
}

ErrorOr<void> access(Context const& context, Location const& base, StringView path, u32 mode, u32 flags)
{
    if (mode & ~static_cast<u32>(R_OK | W_OK | X_OK))
        return Error::from_errno(EINVAL);
    TRY(check_flags(flags, AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
    // The whole lookup runs as the real ids unless AT_EACCESS.
    Credentials checker = (flags & AT_EACCESS) ? context.credentials : context.credentials.for_access_check();
    Context as_checker { context.mounts, context.root, checker, context.umask };
    Location file = TRY(resolve(as_checker, base, path, resolve_flags_for(flags)));
    if (mode == F_OK)
        return {};
    Inode& inode = *file.inode;
    if ((mode & W_OK) && (inode.is_regular() || inode.is_directory() || inode.is_symlink()) && file.mount->is_read_only())
        return Error::from_errno(EROFS);
    // R_OK, W_OK, X_OK are the MAY_READ, MAY_WRITE, MAY_EXEC bits.
    return security::check_access(checker, inode.ownership(), mode);
}

ErrorOr<void> chmod(Context const& context, Location const& file, u32 mode)
{
    TRY(check_writable_mount(file));
    u32 permissions = TRY(security::check_chmod(context.credentials, file.inode->ownership(), mode));
    AttributeChange change;
    change.mask = AttributeChange::kMode;
    change.mode = permissions;
    return file.inode->set_attributes(change);
}

ErrorOr<void> chmod(Context const& context, Location const& base, StringView path, u32 mode, u32 flags)
{
    TRY(check_flags(flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
    Location file = TRY(resolve(context, base, path, resolve_flags_for(flags)));
    if (file.inode->is_symlink())
        return Error::from_errno(EOPNOTSUPP);
    return chmod(context, file, mode);
}

ErrorOr<void> chown(Context const& context, Location const& file, u32 uid, u32 gid)
{
    TRY(check_writable_mount(file));
    u32 mode = TRY(security::check_chown(context.credentials, file.inode->ownership(), uid, gid));
    AttributeChange change;
    change.mask = AttributeChange::kMode;
    change.mode = mode;
    if (uid != ~0u) {
        change.mask |= AttributeChange::kUid;
        change.uid = uid;
    }
    if (gid != ~0u) {
        change.mask |= AttributeChange::kGid;
        change.gid = gid;
    }
    return file.inode->set_attributes(change);
}

ErrorOr<void> chown(Context const& context, Location const& base, StringView path, u32 uid, u32 gid, u32 flags)
{
    TRY(check_flags(flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
    Location file = TRY(resolve(context, base, path, resolve_flags_for(flags)));
    return chown(context, file, uid, gid);
}

ErrorOr<void> truncate(Context const& context, Location const& base, StringView path, i64 length)
{
    if (length < 0)
        return Error::from_errno(EINVAL);
    Location file = TRY(resolve(context, base, path));
    Inode& inode = *file.inode;
    if (inode.is_directory())
        return Error::from_errno(EISDIR);
    if (!inode.is_regular())
        return Error::from_errno(EINVAL);
    TRY(check_writable_mount(file));
    security::FileOwnership ownership = inode.ownership();
    TRY(security::check_access(context.credentials, ownership, security::kMayWrite));
    TRY(inode.truncate(static_cast<u64>(length)));
    u32 kept = security::mode_after_write(context.credentials, ownership.mode);
    if (kept != ownership.mode) {
        AttributeChange change;
        change.mask = AttributeChange::kMode;
        change.mode = kept;
        TRY(inode.set_attributes(change));
    }
    return {};
}

ErrorOr<void> utimens(Context const& context, Location const& file, TimeSpec const* times)
{
    TimeSpec const now_both[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
    if (!times)
        times = now_both;
    bool explicit_times = false;
    for (int i = 0; i < 2; ++i) {
        i64 ns = times[i].nanoseconds;
        if (ns == UTIME_NOW || ns == UTIME_OMIT)
            continue;
        if (ns < 0 || ns >= kNanosecondsPerSecond)
            return Error::from_errno(EINVAL);
        explicit_times = true;
    }
    if (times[0].nanoseconds == UTIME_OMIT && times[1].nanoseconds == UTIME_OMIT)
        return {};
    TRY(check_writable_mount(file));
    TRY(security::check_set_times(context.credentials, file.inode->ownership(), explicit_times));
    i64 now = fs_now_ns();
    AttributeChange change;
    auto apply = [&](TimeSpec const& time, u32 bit, i64& field) {
        if (time.nanoseconds == UTIME_OMIT)
            return;
        change.mask |= bit;
        field = time.nanoseconds == UTIME_NOW ? now : join(time.seconds, time.nanoseconds);
    };
    apply(times[0], AttributeChange::kAtime, change.atime_ns);
    apply(times[1], AttributeChange::kMtime, change.mtime_ns);
    return file.inode->set_attributes(change);
}

ErrorOr<void> utimens(Context const& context, Location const& base, StringView path, TimeSpec const* times, u32 flags)
{
    TRY(check_flags(flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
    Location file = TRY(resolve(context, base, path, resolve_flags_for(flags)));
    return utimens(context, file, times);
}

}
