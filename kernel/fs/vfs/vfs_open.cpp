// open(2) (fs/vfs/vfs.h): resolve, create if asked, check, and pick the
// FileOperations the file's type calls for.
#include <atomic>
#include <fs/vfs/char_device.h>
#include <fs/vfs/inode_file_operations.h>
#include <fs/vfs/vfs.h>
#include <security/permissions.h>

namespace vfs {

namespace {

std::atomic<FifoOpener> s_fifo_opener { nullptr };

// A file O_CREAT could not make because the name appeared meanwhile is
// looked up again; after a few rounds the caller hears EEXIST.
constexpr int kCreateAttempts = 4;

u32 access_for(u32 flags)
{
    u32 may = 0;
    switch (flags & O_ACCMODE) {
    case O_RDONLY:
        may = security::kMayRead;
        break;
    case O_WRONLY:
        may = security::kMayWrite;
        break;
    default:
        // O_RDWR, and 3 (Linux's "ioctl only", checked as both).
        may = security::kMayRead | security::kMayWrite;
        break;
    }
    if (flags & O_TRUNC)
        may |= security::kMayWrite;
    return may;
}

ErrorOr<RefPtr<FileOperations>> operations_for(Location const& file, u32 flags)
{
    Inode& inode = *file.inode;
    switch (inode.type()) {
    case S_IFREG:
    case S_IFDIR:
        return inode_file_operations();
    case S_IFCHR: {
        RefPtr<CharDevice> device = char_devices().find(inode.rdev());
        if (!device)
            return Error::from_errno(ENXIO);
        return device->open(flags);
    }
    case S_IFIFO: {
        FifoOpener opener = s_fifo_opener.load(std::memory_order_acquire);
        if (!opener)
            return Error::from_errno(ENXIO);
        return opener(file, flags);
    }
    default:
        // Block devices (no block drivers yet) and sockets, which are
        // connected to, never opened.
        return Error::from_errno(ENXIO);
    }
}

// The checks of an existing file being opened (Linux's may_open).
ErrorOr<void> check_open(Context const& context, Location const& file, u32 flags)
{
    Inode& inode = *file.inode;
    if (inode.is_symlink())
        return Error::from_errno(ELOOP); // O_NOFOLLOW met a symlink
    u32 may = access_for(flags);
    if (inode.is_directory() && (may & security::kMayWrite))
        return Error::from_errno(EISDIR);
    if ((vfs::is_char_device(inode.type()) || vfs::is_block_device(inode.type())) && (file.mount->flags() & MS_NODEV))
        return Error::from_errno(EACCES);
    security::FileOwnership ownership = inode.ownership();
    TRY(security::check_access(context.credentials, ownership, may));
    if ((may & security::kMayWrite) && (inode.is_regular() || inode.is_directory()) && file.mount->is_read_only())
        return Error::from_errno(EROFS);
    if ((flags & O_NOATIME) && !security::is_owner(context.credentials, ownership))
        return Error::from_errno(EPERM);
    return {};
}

// O_TRUNC of an existing regular file (other types ignore it).
ErrorOr<void> truncate_on_open(Context const& context, Inode& inode)
{
    if (!inode.is_regular())
        return {};
    TRY(inode.truncate(0));
    u32 mode = inode.ownership().mode;
    u32 kept = security::mode_after_write(context.credentials, mode);
    if (kept != mode) {
        AttributeChange change;
        change.mask = AttributeChange::kMode;
        change.mode = kept;
        TRY(inode.set_attributes(change));
    }
    return {};
}

// Resolves an O_CREAT path: the existing file (created == false) or a new
// regular file (created == true). Null when the name was taken meanwhile.
ErrorOr<Location> open_or_create(Context const& context, Location const& base, StringView path, u32 flags, u32 mode, bool& created)
{
    u32 resolve_flags = kResolveLookupLast;
    if (!(flags & (O_EXCL | O_NOFOLLOW)))
        resolve_flags |= kResolveFollowLast;
    ParentResolution where = TRY(resolve_parent(context, base, path, resolve_flags));
    if (where.kind != LastComponent::Normal || where.trailing_slash)
        return Error::from_errno(EISDIR);
    if (!where.child.is_null()) {
        if (flags & O_EXCL)
            return Error::from_errno(EEXIST);
        if (where.child.inode->is_directory())
            return Error::from_errno(EISDIR);
        created = false;
        return std::move(where.child);
    }
    Inode& directory = *where.parent.inode;
    if (where.parent.mount->is_read_only())
        return Error::from_errno(EROFS);
    security::FileOwnership directory_ownership = directory.ownership();
    TRY(security::check_access(context.credentials, directory_ownership, security::kMayWrite | security::kMayExec));
    auto owner = security::owner_for_new_file(context.credentials, directory_ownership, S_IFREG | (mode & 07777 & ~context.umask));
    auto made = directory.create(where.name, owner.mode, Owner { owner.uid, owner.gid });
    if (made.is_error()) {
        if (made.error().code() == EEXIST && !(flags & O_EXCL))
            return Location {};
        return made.error();
    }
    created = true;
    return Location { std::move(where.parent.mount), made.release_value() };
}

}

void set_fifo_opener(FifoOpener opener)
{
    s_fifo_opener.store(opener, std::memory_order_release);
}

ErrorOr<RefPtr<OpenFile>> open(Context const& context, Location const& base, StringView path, u32 flags, u32 mode)
{
    if ((flags & O_TMPFILE) == static_cast<u32>(O_TMPFILE))
        return Error::from_errno(EOPNOTSUPP);
    if (flags & O_PATH)
        flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    if ((flags & O_CREAT) && (flags & O_DIRECTORY))
        return Error::from_errno(EINVAL);

    Location file;
    bool created = false;
    if (flags & O_CREAT) {
        for (int attempt = 0; file.is_null(); ++attempt) {
            if (attempt == kCreateAttempts)
                return Error::from_errno(EEXIST);
            file = TRY(open_or_create(context, base, path, flags, mode, created));
        }
    } else {
        u32 resolve_flags = 0;
        if (flags & O_NOFOLLOW)
            resolve_flags |= kResolveNoFollow;
        if (flags & O_DIRECTORY)
            resolve_flags |= kResolveDirectory;
        file = TRY(resolve(context, base, path, resolve_flags));
    }

    if (flags & O_PATH)
        return OpenFile::create(inode_file_operations(), std::move(file), flags, context.credentials);

    if (!created) {
        TRY(check_open(context, file, flags));
        if (flags & O_TRUNC)
            TRY(truncate_on_open(context, *file.inode));
    }
    RefPtr<FileOperations> operations = TRY(operations_for(file, flags));
    return OpenFile::create(std::move(operations), std::move(file), flags, context.credentials);
}

}
