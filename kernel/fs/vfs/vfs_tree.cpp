// The calls about a process's place in the tree and the tree's shape
// (fs/vfs/vfs.h): chdir, fchdir, chroot, getcwd, mount, umount.
#include <fs/vfs/filesystem_type.h>
#include <fs/vfs/vfs.h>
#include <lib/format.h>
#include <lib/string.h>
#include <security/permissions.h>

namespace vfs {

namespace {

// Mount propagation requests (MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE,
// MS_SHARED): meaningful only with several mount namespaces.
constexpr u64 kPropagationFlags = (1u << 17) | (1u << 18) | (1u << 19) | (1u << 20);

ErrorOr<Location> resolve_searchable_directory(Context const& context, Location const& base, StringView path)
{
    Location directory = TRY(resolve(context, base, path, kResolveDirectory));
    TRY(security::check_access(context.credentials, directory.inode->ownership(), security::kMayExec));
    return directory;
}

// Finds the name under which `directory` lists the inode `ino` (not "."
// or ".."), copying it into `name` (kNameMax + 1 bytes).
class NameFinder final : public DirectoryVisitor {
public:
    NameFinder(u64 ino, char* name)
        : m_ino(ino)
        , m_name(name)
    {
    }

    bool visit(StringView name, u64 ino, u8, u64) override
    {
        if (ino != m_ino || name == "." || name == "..")
            return true;
        name.copy_to(m_name, kNameMax + 1);
        m_length = name.length();
        m_found = true;
        return false;
    }

    bool found() const { return m_found; }
    usize length() const { return m_length; }

private:
    u64 m_ino;
    char* m_name;
    usize m_length { 0 };
    bool m_found { false };
};

}

ErrorOr<void> chdir(FsContext& process, Context const& context, Location const& base, StringView path)
{
    process.set_cwd(TRY(resolve_searchable_directory(context, base, path)));
    return {};
}

ErrorOr<void> fchdir(FsContext& process, Context const& context, OpenFile const& directory)
{
    Location const& location = directory.location();
    if (location.is_null() || !location.inode->is_directory())
        return Error::from_errno(ENOTDIR);
    TRY(security::check_access(context.credentials, location.inode->ownership(), security::kMayExec));
    process.set_cwd(location);
    return {};
}

ErrorOr<void> chroot(FsContext& process, Context const& context, Location const& base, StringView path)
{
    Location directory = TRY(resolve_searchable_directory(context, base, path));
    TRY(security::check_admin(context.credentials));
    process.set_root(std::move(directory));
    return {};
}

ErrorOr<usize> getcwd(Context const& context, Location const& cwd, char* buffer, usize size)
{
    // A removed directory has no path any more.
    if (cwd.inode->nlink() == 0)
        return Error::from_errno(ENOENT);
    struct Scratch {
        char* bytes;
        ~Scratch() { delete[] bytes; }
    } path { new (std::nothrow) char[kPathMax + kNameMax + 1] };
    if (!path.bytes)
        return Error::from_errno(ENOMEM);
    char* name = path.bytes + kPathMax;
    // The path is assembled backwards from the end of the scratch buffer.
    usize start = kPathMax - 1;
    path.bytes[start] = 0;

    Location at = cwd;
    for (;;) {
        if (at == context.root)
            break;
        if (at.is_mount_root()) {
            Mount& mount = *at.mount;
            if (!mount.parent() || mount.is_detached())
                break; // outside the process root: the path from the top
            at = Location { RefPtr<Mount>(mount.parent()), RefPtr<Inode>(mount.mountpoint()) };
            continue;
        }
        RefPtr<Inode> parent = TRY(at.inode->lookup(".."));
        NameFinder finder(at.inode->ino(), name);
        TRY(parent->iterate(0, finder));
        if (!finder.found())
            return Error::from_errno(ENOENT);
        if (finder.length() + 1 > start)
            return Error::from_errno(ENAMETOOLONG);
        start -= finder.length();
        memcpy(path.bytes + start, name, finder.length());
        path.bytes[--start] = '/';
        at.inode = std::move(parent);
    }
    if (path.bytes[start] == 0)
        path.bytes[--start] = '/';
    usize length = kPathMax - start;
    if (length > size)
        return Error::from_errno(ERANGE);
    memcpy(buffer, path.bytes + start, length);
    return length;
}

namespace {

Mount const* top_mount(Mount const* mount)
{
    while (mount && mount->parent())
        mount = mount->parent();
    return mount;
}

// One step of the search for a non-directory by inode number: stops at
// the first entry (from a position on) that is the file or a
// subdirectory.
class SearchStep final : public DirectoryVisitor {
public:
    explicit SearchStep(u64 ino)
        : m_ino(ino)
    {
    }

    bool visit(StringView name, u64 ino, u8 type, u64 next_position) override
    {
        ++visited;
        if (name == "." || name == "..")
            return true;
        bool match = type != DT_DIR && ino == m_ino;
        if (!match && type != DT_DIR)
            return true;
        found_file = match;
        found_directory = !match;
        name.copy_to(this->name, kNameMax + 1);
        length = name.length();
        next = next_position;
        return false;
    }

    bool found_file { false };
    bool found_directory { false };
    char name[kNameMax + 1] {};
    usize length { 0 };
    u64 next { 0 };
    usize visited { 0 };

private:
    u64 m_ino;
};

// Finds a path to the non-directory `file` by walking its mount's tree
// depth first, into `path` (kPathMax bytes, NUL-terminated). ENOENT when
// it is not found within the budget (or has no name any more).
ErrorOr<void> search_mount_for(Context const& context, Location const& file, char* path)
{
    constexpr usize kMaxDepth = 16;
    constexpr usize kBudget = 8192; // directory entries read, at most
    Location top { file.mount, RefPtr<Inode>(&file.mount->root()) };
    usize prefix = TRY(getcwd(context, top, path, kPathMax)) - 1;
    if (prefix == 1)
        prefix = 0; // the root: "/" + name, not "//" + name
    struct Frame {
        RefPtr<Inode> directory;
        u64 position { 0 };
        usize path_length { 0 };
    };
    struct Frames {
        Frame* items;
        ~Frames() { delete[] items; }
    } frames { new (std::nothrow) Frame[kMaxDepth] };
    if (!frames.items)
        return Error::from_errno(ENOMEM);
    frames.items[0] = { top.inode, 0, prefix };
    usize depth = 1;
    usize budget = kBudget;
    while (depth > 0 && budget > 0) {
        Frame& frame = frames.items[depth - 1];
        SearchStep step(file.inode->ino());
        TRY(frame.directory->iterate(frame.position, step));
        budget = step.visited < budget ? budget - step.visited : 0;
        if (!step.found_file && !step.found_directory) {
            frames.items[--depth] = {};
            continue;
        }
        frame.position = step.next;
        usize length = frame.path_length + 1 + step.length;
        if (length + 1 > kPathMax)
            continue;
        path[frame.path_length] = '/';
        memcpy(path + frame.path_length + 1, step.name, step.length);
        path[length] = 0;
        if (step.found_file)
            return {};
        if (depth == kMaxDepth)
            continue;
        auto child = frame.directory->lookup(StringView(step.name, step.length));
        if (child.is_error())
            continue;
        frames.items[depth++] = { child.release_value(), 0, length };
    }
    return Error::from_errno(ENOENT);
}

}

ErrorOr<KString> describe_location(Context const& context, Location const& file)
{
    Inode& inode = *file.inode;
    if (top_mount(file.mount.ptr()) != top_mount(context.root.mount.ptr())) {
        char text[64];
        if (inode.type() == S_IFIFO)
            format(text, sizeof(text), "pipe:[%lu]", inode.ino());
        else if (inode.type() == S_IFSOCK)
            format(text, sizeof(text), "socket:[%lu]", inode.ino());
        else
            format(text, sizeof(text), "anon_inode:%.*s", static_cast<int>(inode.fs().type_name().length()),
                inode.fs().type_name().characters_without_null_termination());
        return KString::create(text);
    }
    struct Scratch {
        char* bytes;
        ~Scratch() { delete[] bytes; }
    } path { new (std::nothrow) char[kPathMax] };
    if (!path.bytes)
        return Error::from_errno(ENOMEM);
    bool deleted = inode.nlink() == 0;
    if (inode.is_directory()) {
        if (deleted)
            return KString::create("(deleted)");
        usize length = TRY(getcwd(context, file, path.bytes, kPathMax));
        return KString::create(StringView(path.bytes, length - 1));
    }
    // A non-directory: named by its file system, or searched for in its
    // mount.
    auto own = inode.path_in_file_system();
    if (!own.is_error()) {
        Location top { file.mount, RefPtr<Inode>(&file.mount->root()) };
        usize prefix = TRY(getcwd(context, top, path.bytes, kPathMax)) - 1;
        if (prefix == 1)
            prefix = 0;
        StringView rest = own.value().view();
        if (prefix + rest.length() + 1 > kPathMax)
            return Error::from_errno(ENAMETOOLONG);
        memcpy(path.bytes + prefix, rest.characters_without_null_termination(), rest.length());
        path.bytes[prefix + rest.length()] = 0;
    } else if (own.error().code() == ENOTSUP) {
        auto found = search_mount_for(context, file, path.bytes);
        if (found.is_error() && deleted) // no directory lists it any more
            format(path.bytes, kPathMax, "/[inode %lu]", inode.ino());
        else
            TRY(found);
    } else {
        return own.error();
    }
    usize length = strlen(path.bytes);
    if (deleted && length + 10 < kPathMax)
        memcpy(path.bytes + length, " (deleted)", 11);
    return KString::create(StringView(path.bytes));
}

ErrorOr<void> mount(Context const& context, Location const& base, StringView source, StringView target, StringView type, u64 flags, StringView data)
{
    TRY(security::check_admin(context.credentials));
    if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
        flags &= ~static_cast<u64>(MS_MGC_MSK);
    if (flags & MS_MOVE)
        return Error::from_errno(EINVAL);
    Location at = TRY(resolve(context, base, target));
    u32 kept = static_cast<u32>(flags & Mount::kKeptFlags);
    if (flags & MS_REMOUNT)
        return context.mounts.remount(at, kept);
    if (flags & MS_BIND) {
        Location what = TRY(resolve(context, base, source));
        TRY(context.mounts.mount(what.inode, at, source, kept));
        return {};
    }
    if ((flags & kPropagationFlags) && !(flags & ~(kPropagationFlags | MS_REC | MS_SILENT)))
        return {};
    FileSystemType const* file_system = find_filesystem_type(type);
    if (!file_system)
        return Error::from_errno(ENODEV);
    RefPtr<Inode> root = TRY(file_system->mount(source, kept, data));
    TRY(context.mounts.mount(std::move(root), at, source, kept));
    return {};
}

ErrorOr<void> umount(Context const& context, Location const& base, StringView target, u32 flags)
{
    TRY(security::check_admin(context.credentials));
    if (flags & ~static_cast<u32>(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
        return Error::from_errno(EINVAL);
    if ((flags & MNT_EXPIRE) && (flags & (MNT_FORCE | MNT_DETACH)))
        return Error::from_errno(EINVAL);
    Location at = TRY(resolve(context, base, target, (flags & UMOUNT_NOFOLLOW) ? kResolveNoFollow : 0));
    if (!at.is_mount_root())
        return Error::from_errno(EINVAL);
    return context.mounts.unmount(std::move(at), flags);
}

}
