// The calls that add and remove names (fs/vfs/vfs.h): mkdir, mknod,
// symlink, link, unlink, rmdir, rename. Each resolves the parent
// directory, applies Linux's errno order for odd last components,
// trailing slashes, read-only mounts, permissions and mountpoints, and
// leaves the rest (existence, emptiness, loops, sticky directories) to
// the file system, which decides it under its own lock.
#include <fs/vfs/vfs.h>
#include <security/permissions.h>

namespace vfs {

namespace {

// A name with something mounted on it cannot be removed or renamed:
// EBUSY. Either the walk crossed into a mount there (the child's Location
// is in another mount than its parent's), or the directory is covered in
// another place it is visible from (a bind mount).
bool is_covered(ParentResolution const& where)
{
    if (where.child.is_null())
        return false;
    return where.child.mount.ptr() != where.parent.mount.ptr() || where.child.inode->is_mountpoint();
}

ErrorOr<void> check_writable_directory(Context const& context, Location const& directory)
{
    if (directory.mount->is_read_only())
        return Error::from_errno(EROFS);
    return security::check_access(context.credentials, directory.inode->ownership(), security::kMayWrite | security::kMayExec);
}

// Where a new name goes (Linux's filename_create): EEXIST for "/", "."
// and "..", and for a name that exists; ENOENT for "name/" of a missing
// non-directory; EROFS, EACCES for the directory.
ErrorOr<ParentResolution> resolve_new_name(Context const& context, Location const& base, StringView path, bool directory)
{
    ParentResolution where = TRY(resolve_parent(context, base, path, kResolveLookupLast));
    if (where.kind != LastComponent::Normal || !where.child.is_null())
        return Error::from_errno(EEXIST);
    if (where.trailing_slash && !directory)
        return Error::from_errno(ENOENT);
    TRY(check_writable_directory(context, where.parent));
    return where;
}

security::NewOwner owner_in(Context const& context, Location const& directory, u32 mode)
{
    return security::owner_for_new_file(context.credentials, directory.inode->ownership(), mode);
}

}

ErrorOr<void> mkdir(Context const& context, Location const& base, StringView path, u32 mode)
{
    ParentResolution where = TRY(resolve_new_name(context, base, path, true));
    auto owner = owner_in(context, where.parent, S_IFDIR | (mode & 01777 & ~context.umask));
    TRY(where.parent.inode->mkdir(where.name, owner.mode, Owner { owner.uid, owner.gid }));
    return {};
}

ErrorOr<void> mknod(Context const& context, Location const& base, StringView path, u32 mode, u64 device)
{
    u32 type = file_type(mode);
    switch (type) {
    case 0:
        type = S_IFREG;
        break;
    case S_IFREG:
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
    case S_IFSOCK:
        break;
    case S_IFDIR:
        return Error::from_errno(EPERM);
    default:
        return Error::from_errno(EINVAL);
    }
    ParentResolution where = TRY(resolve_new_name(context, base, path, false));
    TRY(security::check_mknod(context.credentials, type));
    auto owner = owner_in(context, where.parent, type | (mode & 07777 & ~context.umask));
    Owner new_owner { owner.uid, owner.gid };
    if (type == S_IFREG)
        TRY(where.parent.inode->create(where.name, owner.mode, new_owner));
    else
        TRY(where.parent.inode->mknod(where.name, owner.mode, (type == S_IFCHR || type == S_IFBLK) ? device : 0, new_owner));
    return {};
}

ErrorOr<void> symlink(Context const& context, StringView target, Location const& base, StringView path)
{
    if (target.is_empty())
        return Error::from_errno(ENOENT);
    if (target.length() >= kPathMax)
        return Error::from_errno(ENAMETOOLONG);
    ParentResolution where = TRY(resolve_new_name(context, base, path, false));
    auto owner = owner_in(context, where.parent, S_IFLNK | 0777);
    TRY(where.parent.inode->symlink(where.name, target, Owner { owner.uid, owner.gid }));
    return {};
}

ErrorOr<void> link(Context const& context, Location const& old_base, StringView old_path, Location const& new_base, StringView new_path, u32 flags)
{
    if (flags & ~static_cast<u32>(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return Error::from_errno(EINVAL);
    u32 resolve_flags = (flags & AT_SYMLINK_FOLLOW) ? 0 : kResolveNoFollow;
    if (flags & AT_EMPTY_PATH)
        resolve_flags |= kResolveEmptyPath;
    Location old_file = TRY(resolve(context, old_base, old_path, resolve_flags));
    if (old_file.inode->is_directory())
        return Error::from_errno(EPERM);
    ParentResolution where = TRY(resolve_parent(context, new_base, new_path, kResolveLookupLast));
    if (where.kind != LastComponent::Normal || !where.child.is_null())
        return Error::from_errno(EEXIST);
    if (where.trailing_slash)
        return Error::from_errno(ENOENT);
    if (where.parent.mount.ptr() != old_file.mount.ptr())
        return Error::from_errno(EXDEV);
    TRY(check_writable_directory(context, where.parent));
    return where.parent.inode->link(where.name, *old_file.inode);
}

ErrorOr<void> unlink(Context const& context, Location const& base, StringView path)
{
    ParentResolution where = TRY(resolve_parent(context, base, path, kResolveLookupLast));
    if (where.kind != LastComponent::Normal)
        return Error::from_errno(EISDIR);
    if (where.parent.mount->is_read_only())
        return Error::from_errno(EROFS);
    if (where.child.is_null())
        return Error::from_errno(ENOENT);
    if (where.child.inode->is_directory())
        return Error::from_errno(EISDIR);
    if (where.trailing_slash)
        return Error::from_errno(ENOTDIR);
    TRY(check_writable_directory(context, where.parent));
    if (is_covered(where))
        return Error::from_errno(EBUSY);
    return where.parent.inode->unlink(where.name, context.credentials);
}

ErrorOr<void> rmdir(Context const& context, Location const& base, StringView path)
{
    ParentResolution where = TRY(resolve_parent(context, base, path, kResolveLookupLast));
    switch (where.kind) {
    case LastComponent::Normal:
        break;
    case LastComponent::Dot:
        return Error::from_errno(EINVAL);
    case LastComponent::DotDot:
        return Error::from_errno(ENOTEMPTY);
    case LastComponent::Root:
        return Error::from_errno(EBUSY);
    }
    if (where.parent.mount->is_read_only())
        return Error::from_errno(EROFS);
    if (where.child.is_null())
        return Error::from_errno(ENOENT);
    if (!where.child.inode->is_directory())
        return Error::from_errno(ENOTDIR);
    TRY(check_writable_directory(context, where.parent));
    if (is_covered(where))
        return Error::from_errno(EBUSY);
    return where.parent.inode->rmdir(where.name, context.credentials);
}

ErrorOr<void> rename(Context const& context, Location const& old_base, StringView old_path, Location const& new_base, StringView new_path, u32 flags)
{
    if (flags & ~static_cast<u32>(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return Error::from_errno(EINVAL);
    if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
        return Error::from_errno(EINVAL);
    // Whiteouts belong to overlay file systems, which Haneul does not have.
    if (flags & RENAME_WHITEOUT)
        return Error::from_errno(EINVAL);

    ParentResolution from = TRY(resolve_parent(context, old_base, old_path, kResolveLookupLast));
    ParentResolution to = TRY(resolve_parent(context, new_base, new_path, kResolveLookupLast));
    if (from.kind != LastComponent::Normal)
        return Error::from_errno(EBUSY);
    if (to.kind != LastComponent::Normal)
        return Error::from_errno((flags & RENAME_NOREPLACE) ? EEXIST : EBUSY);
    if (from.parent.mount.ptr() != to.parent.mount.ptr())
        return Error::from_errno(EXDEV);
    if (from.parent.mount->is_read_only())
        return Error::from_errno(EROFS);
    if (from.child.is_null())
        return Error::from_errno(ENOENT);
    if ((flags & RENAME_EXCHANGE) && to.child.is_null())
        return Error::from_errno(ENOENT);
    if ((flags & RENAME_NOREPLACE) && !to.child.is_null())
        return Error::from_errno(EEXIST);
    if (!from.child.inode->is_directory()) {
        if (from.trailing_slash)
            return Error::from_errno(ENOTDIR);
        if (!(flags & RENAME_EXCHANGE) && to.trailing_slash)
            return Error::from_errno(ENOTDIR);
    }
    TRY(check_writable_directory(context, from.parent));
    TRY(check_writable_directory(context, to.parent));
    if (is_covered(from) || is_covered(to))
        return Error::from_errno(EBUSY);
    // A directory that changes parent has its ".." rewritten: that takes
    // write permission on the directory itself.
    if (from.parent.inode.ptr() != to.parent.inode.ptr()) {
        if (from.child.inode->is_directory())
            TRY(security::check_access(context.credentials, from.child.inode->ownership(), security::kMayWrite));
        if ((flags & RENAME_EXCHANGE) && to.child.inode->is_directory())
            TRY(security::check_access(context.credentials, to.child.inode->ownership(), security::kMayWrite));
    }
    return from.parent.inode->rename(from.name, *to.parent.inode, to.name, flags, context.credentials);
}

}
