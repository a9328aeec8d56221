// Unpacking a cpio newc archive into a directory (fs/initramfs_unpack.h).
#include <fs/cpio.h>
#include <fs/initramfs_unpack.h>
#include <fs/vfs/abi.h>
#include <fs/vfs/namei.h>
#include <lib/intrusive_list.h>

namespace initramfs {

namespace {

constexpr i64 kNanosecondsPerSecond = 1000000000;
constexpr vfs::Owner kRootOwner { 0, 0 };

// A file with more links to come: later entries with the same inode and
// device numbers (and mode) become links to it.
struct LinkSource {
    u32 ino;
    u32 dev_major;
    u32 dev_minor;
    u32 mode;
    RefPtr<vfs::Inode> inode;
    IntrusiveListNode node;
};

// A directory whose mtime is set once everything inside it exists.
struct PendingTime {
    RefPtr<vfs::Inode> inode;
    u32 mtime;
    IntrusiveListNode node;
};

template<typename T, IntrusiveListNode T::*member>
void delete_all(IntrusiveList<T, member>& list)
{
    while (T* item = list.pop_front())
        delete item;
}

// The archive's name as a path below the destination: without leading
// "/" and "./" and trailing "/"; empty for "." itself.
StringView clean_name(StringView name)
{
    for (;;) {
        if (name.starts_with("./"))
            name = name.substring_view(2);
        else if (name.starts_with('/'))
            name = name.substring_view(1);
        else
            break;
    }
    while (name.ends_with('/'))
        name = name.substring_view(0, name.length() - 1);
    if (name == ".")
        return StringView();
    return name;
}

ErrorOr<void> set_times(vfs::Inode& inode, u32 mtime)
{
    vfs::AttributeChange change;
    change.mask = vfs::AttributeChange::kAtime | vfs::AttributeChange::kMtime;
    change.atime_ns = change.mtime_ns = static_cast<i64>(mtime) * kNanosecondsPerSecond;
    return inode.set_attributes(change);
}

ErrorOr<void> write_all(vfs::Inode& file, CpioEntry const& entry)
{
    usize done = 0;
    while (done < entry.size) {
        u64 offset = done;
        // KernelIoBuffer offsets are from its start: give it the rest.
        KernelIoBuffer rest(static_cast<void const*>(entry.data + done), entry.size - done);
        usize written = TRY(file.write(offset, rest, entry.size - done, false));
        if (written == 0)
            return Error::from_errno(ENOSPC);
        done += written;
    }
    return {};
}

class Unpacker {
public:
    Unpacker(vfs::MountTable& mounts, vfs::Location const& destination)
        : m_context { mounts, destination, m_credentials, 0 }
        , m_destination(destination)
    {
    }

    ~Unpacker()
    {
        delete_all(m_links);
        delete_all(m_pending_times);
    }

    ErrorOr<void> unpack(CpioEntry const& entry)
    {
        StringView name = clean_name(entry.name);
        if (name.is_empty()) {
            ++m_statistics.skipped;
            return {};
        }
        vfs::ParentResolution where = TRY(locate(name));
        if (where.kind != vfs::LastComponent::Normal) {
            ++m_statistics.skipped;
            return {};
        }
        switch (entry.type()) {
        case CpioEntry::kDirectory:
            return unpack_directory(entry, where);
        case CpioEntry::kRegular:
        case CpioEntry::kCharDevice:
        case CpioEntry::kBlockDevice:
        case CpioEntry::kFifo:
        case CpioEntry::kSocket:
            return unpack_file(entry, where);
        case CpioEntry::kSymlink:
            return unpack_symlink(entry, where);
        default:
            return Error::from_errno(EINVAL);
        }
    }

    // Directory mtimes, now that their contents stopped changing them.
    ErrorOr<void> finish()
    {
        for (auto& pending : m_pending_times)
            TRY(set_times(*pending.inode, pending.mtime));
        return {};
    }

    UnpackStatistics const& statistics() const { return m_statistics; }

private:
    ErrorOr<void> unpack_directory(CpioEntry const& entry, vfs::ParentResolution& where)
    {
        RefPtr<vfs::Inode> directory;
        if (!where.child.is_null() && where.child.inode->is_directory()) {
            directory = where.child.inode;
            vfs::AttributeChange change;
            change.mask = vfs::AttributeChange::kMode | vfs::AttributeChange::kUid | vfs::AttributeChange::kGid;
            change.mode = entry.permissions();
            change.uid = entry.uid;
            change.gid = entry.gid;
            TRY(directory->set_attributes(change));
        } else {
            TRY(remove_existing(where));
            directory = TRY(where.parent.inode->mkdir(where.name, S_IFDIR | entry.permissions(), vfs::Owner { entry.uid, entry.gid }));
            ++m_statistics.directories;
        }
        return remember_time(std::move(directory), entry.mtime);
    }

    ErrorOr<void> unpack_file(CpioEntry const& entry, vfs::ParentResolution& where)
    {
        vfs::Inode& parent = *where.parent.inode;
        bool linked = entry.nlink > 1;
        if (linked) {
            if (LinkSource* source = find_link_source(entry)) {
                if (where.child.inode.ptr() != source->inode.ptr()) {
                    TRY(remove_existing(where));
                    TRY(parent.link(where.name, *source->inode));
                }
                ++m_statistics.hard_links;
                // The entry that carries the data may be any of them (GNU
                // cpio puts it on the last).
                if (entry.size)
                    TRY(write_all(*source->inode, entry));
                return set_times(*source->inode, entry.mtime);
            }
        }
        TRY(remove_existing(where));
        vfs::Owner owner { entry.uid, entry.gid };
        RefPtr<vfs::Inode> file;
        if (entry.is_regular()) {
            file = TRY(parent.create(where.name, entry.mode, owner));
            TRY(write_all(*file, entry));
            ++m_statistics.files;
        } else {
            u64 device = entry.is_device() ? vfs::make_device(entry.rdev_major, entry.rdev_minor) : 0;
            file = TRY(parent.mknod(where.name, entry.mode, device, owner));
            ++m_statistics.special_files;
        }
        if (linked)
            TRY(remember_link_source(entry, file));
        return set_times(*file, entry.mtime);
    }

    ErrorOr<void> unpack_symlink(CpioEntry const& entry, vfs::ParentResolution& where)
    {
        if (entry.size == 0)
            return Error::from_errno(EINVAL);
        TRY(remove_existing(where));
        StringView target(reinterpret_cast<char const*>(entry.data), entry.size);
        RefPtr<vfs::Inode> link = TRY(where.parent.inode->symlink(where.name, target, vfs::Owner { entry.uid, entry.gid }));
        ++m_statistics.symlinks;
        return set_times(*link, entry.mtime);
    }

    // Where `name` goes, making missing directories on the way.
    ErrorOr<vfs::ParentResolution> locate(StringView name)
    {
        {
            auto found = vfs::resolve_parent(m_context, m_destination, name, vfs::kResolveLookupLast);
            if (!found.is_error() || found.error().code() != ENOENT)
                return found;
        }
        TRY(make_parents(name));
        return vfs::resolve_parent(m_context, m_destination, name, vfs::kResolveLookupLast);
    }

    // Whatever is in the way of a new entry goes (a directory only if empty).
    ErrorOr<void> remove_existing(vfs::ParentResolution& where)
    {
        if (where.child.is_null())
            return {};
        if (where.child.mount.ptr() != where.parent.mount.ptr())
            return Error::from_errno(EBUSY);
        vfs::Inode& parent = *where.parent.inode;
        if (where.child.inode->is_directory())
            TRY(parent.rmdir(where.name, m_credentials));
        else
            TRY(parent.unlink(where.name, m_credentials));
        where.child = vfs::Location {};
        return {};
    }

    // Makes the missing directories on the way to `name`.
    ErrorOr<void> make_parents(StringView name)
    {
        for (usize slash = name.find('/'); slash != StringView::npos; slash = name.find('/', slash + 1)) {
            StringView prefix = name.substring_view(0, slash);
            auto existing = vfs::resolve(m_context, m_destination, prefix);
            if (!existing.is_error())
                continue;
            if (existing.error().code() != ENOENT)
                return existing.error();
            vfs::ParentResolution where = TRY(vfs::resolve_parent(m_context, m_destination, prefix));
            if (where.kind != vfs::LastComponent::Normal)
                continue;
            TRY(where.parent.inode->mkdir(where.name, S_IFDIR | 0755, kRootOwner));
            ++m_statistics.directories;
        }
        return {};
    }

    LinkSource* find_link_source(CpioEntry const& entry)
    {
        for (auto& source : m_links) {
            if (source.ino == entry.ino && source.dev_major == entry.dev_major && source.dev_minor == entry.dev_minor && source.mode == entry.mode)
                return &source;
        }
        return nullptr;
    }

    ErrorOr<void> remember_link_source(CpioEntry const& entry, RefPtr<vfs::Inode> inode)
    {
        auto* source = new (std::nothrow) LinkSource { entry.ino, entry.dev_major, entry.dev_minor, entry.mode, std::move(inode), {} };
        if (!source)
            return Error::from_errno(ENOMEM);
        m_links.append(*source);
        return {};
    }

    ErrorOr<void> remember_time(RefPtr<vfs::Inode> directory, u32 mtime)
    {
        auto* pending = new (std::nothrow) PendingTime { std::move(directory), mtime, {} };
        if (!pending)
            return Error::from_errno(ENOMEM);
        m_pending_times.append(*pending);
        return {};
    }

    Credentials const m_credentials { Credentials::root() };
    vfs::Context m_context;
    vfs::Location m_destination;
    UnpackStatistics m_statistics;
    IntrusiveList<LinkSource, &LinkSource::node> m_links;
    IntrusiveList<PendingTime, &PendingTime::node> m_pending_times;
};

}

ErrorOr<UnpackStatistics> unpack_cpio(u8 const* archive, usize size, vfs::MountTable& mounts, vfs::Location const& destination)
{
    VERIFY(!destination.is_null() && destination.inode->is_directory());
    Unpacker unpacker(mounts, destination);
    TRY(cpio_for_each_entry(archive, size, [&](CpioEntry const& entry) { return unpacker.unpack(entry); }));
    TRY(unpacker.finish());
    return unpacker.statistics();
}

}
