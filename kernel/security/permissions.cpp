// File permission decisions (security/permissions.h): Linux's
// generic_permission, inode_init_owner, setattr_prepare and friends,
// reduced to uid/gid/mode with root standing for every capability.
#include <fs/vfs/abi.h>
#include <security/permissions.h>

namespace security {

ErrorOr<void> check_access(Credentials const& credentials, FileOwnership const& file, u32 may)
{
    may &= kMayRead | kMayWrite | kMayExec;
    if (credentials.is_fs_superuser()) {
        // CAP_DAC_OVERRIDE: everything but executing a file no one may execute.
        if (!(may & kMayExec) || vfs::is_directory(file.mode) || (file.mode & (S_IXUSR | S_IXGRP | S_IXOTH)))
            return {};
        return Error::from_errno(EACCES);
    }
    u32 granted;
    if (credentials.fsuid == file.uid)
        granted = (file.mode >> 6) & 7;
    else if (credentials.in_group(file.gid))
        granted = (file.mode >> 3) & 7;
    else
        granted = file.mode & 7;
    // The MAY_* bits line up with the r/w/x bits of each class.
    if ((granted & may) != may)
        return Error::from_errno(EACCES);
    return {};
}

bool is_owner(Credentials const& credentials, FileOwnership const& file)
{
    return credentials.is_fs_superuser() || credentials.fsuid == file.uid;
}

ErrorOr<void> check_sticky_delete(Credentials const& credentials, FileOwnership const& directory, FileOwnership const& victim)
{
    if (!(directory.mode & S_ISVTX))
        return {};
    if (credentials.is_fs_superuser() || credentials.fsuid == victim.uid || credentials.fsuid == directory.uid)
        return {};
    return Error::from_errno(EPERM);
}

NewOwner owner_for_new_file(Credentials const& credentials, FileOwnership const& directory, u32 mode)
{
    NewOwner owner { mode, credentials.fsuid, credentials.fsgid };
    if (directory.mode & S_ISGID) {
        owner.gid = directory.gid;
        if (vfs::is_directory(mode))
            owner.mode |= S_ISGID;
    }
    if (!vfs::is_directory(mode) && (owner.mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)
        && !credentials.is_fs_superuser() && !credentials.in_group(owner.gid))
        owner.mode &= ~static_cast<u32>(S_ISGID);
    return owner;
}

ErrorOr<u32> check_chmod(Credentials const& credentials, FileOwnership const& file, u32 new_permissions)
{
    if (!is_owner(credentials, file))
        return Error::from_errno(EPERM);
    new_permissions &= 07777;
    if (!credentials.is_fs_superuser() && !credentials.in_group(file.gid))
        new_permissions &= ~static_cast<u32>(S_ISGID);
    return new_permissions;
}

ErrorOr<u32> check_chown(Credentials const& credentials, FileOwnership const& file, u32 new_uid, u32 new_gid)
{
    if (!credentials.is_fs_superuser()) {
        bool owner = credentials.fsuid == file.uid;
        // The owner may "change" the owner to itself, and the group to its
        // current value or to a group the owner belongs to.
        if (new_uid != ~0u && !(owner && new_uid == file.uid))
            return Error::from_errno(EPERM);
        if (new_gid != ~0u && !(owner && (new_gid == file.gid || credentials.in_group(new_gid))))
            return Error::from_errno(EPERM);
    }
    u32 mode = file.mode;
    // Linux clears the bits on every chown that names an owner or group,
    // even an unchanged one, as long as the file is not a directory.
    if ((new_uid != ~0u || new_gid != ~0u) && !vfs::is_directory(mode)) {
        mode &= ~static_cast<u32>(S_ISUID);
        if (mode & S_IXGRP)
            mode &= ~static_cast<u32>(S_ISGID);
    }
    return mode;
}

ErrorOr<void> check_set_times(Credentials const& credentials, FileOwnership const& file, bool explicit_times)
{
    if (is_owner(credentials, file))
        return {};
    if (explicit_times)
        return Error::from_errno(EPERM);
    return check_access(credentials, file, kMayWrite);
}

u32 mode_after_write(Credentials const& credentials, u32 mode)
{
    if (credentials.is_fs_superuser())
        return mode;
    mode &= ~static_cast<u32>(S_ISUID);
    if (mode & S_IXGRP)
        mode &= ~static_cast<u32>(S_ISGID);
    return mode;
}

ErrorOr<void> check_mknod(Credentials const& credentials, u32 mode)
{
    if ((vfs::is_char_device(mode) || vfs::is_block_device(mode)) && !credentials.is_fs_superuser())
        return Error::from_errno(EPERM);
    return {};
}

ErrorOr<void> check_admin(Credentials const& credentials)
{
    if (!credentials.is_superuser())
        return Error::from_errno(EPERM);
    return {};
}

ExecCredentials credentials_for_exec(Credentials const& old, FileOwnership const& program, bool nosuid_mount)
{
    Credentials next = old;
    if (!nosuid_mount && vfs::is_regular(program.mode)) {
        if (program.mode & S_ISUID)
            next.euid = program.uid;
        if ((program.mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
            next.egid = program.gid;
    }
    next.suid = next.euid;
    next.sgid = next.egid;
    next.sync_fs_ids();
    // Linux's cap_bprm_creds_from_file: an id that changed, or effective
    // ids that are not the real ones.
    bool secure = next.euid != old.euid || next.egid != old.egid || next.euid != old.uid || next.egid != old.gid;
    return { next, secure };
}

}
