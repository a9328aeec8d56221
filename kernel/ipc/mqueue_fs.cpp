// The mqueue file system (ipc/mqueue_fs.h).
//
// The root directory keeps its queues in a short list (a system has tens
// of queues, not thousands), under its own spinlock; names and inodes are
// allocated before it is taken and dropped after it is released, so the
// last reference to a queue is never let go under it.
#include <atomic>
#include <fs/vfs/fs_lock.h>
#include <fs/vfs/abi.h>
#include <fs/vfs/file_system.h>
#include <fs/vfs/filesystem_type.h>
#include <fs/vfs/inode.h>
#include <fs/vfs/mount.h>
#include <ipc/mqueue_fs.h>
#include <lib/kstring.h>
#include <new>
#include <proc/current.h>
#include <proc/process.h>
#include <security/permissions.h>

namespace ipc {

namespace {

// MQUEUE_MAGIC (include/uapi/linux/magic.h).
constexpr u64 kMqueueMagic = 0x19800202;
// Linux's mqueue root: drwxrwxrwt, like /tmp.
constexpr u32 kRootMode = S_IFDIR | 01777;

std::atomic<u64> s_next_ino { 1 };

class MqueueFs final : public vfs::FileSystem {
public:
    StringView type_name() const override { return "mqueue"; }
    vfs::FileSystemStatistics statistics() const override
    {
        vfs::FileSystemStatistics statistics;
        statistics.magic = kMqueueMagic;
        return statistics;
    }
};

// What RLIMIT_MSGQUEUE counts for a queue (Linux's mq_bytes: the messages'
// data and a pointer and a priority node per message).
u64 queue_bytes(long maxmsg, long msgsize)
{
    return static_cast<u64>(maxmsg) * (static_cast<u64>(msgsize) + 8 + 48);
}

class MqueueInode final : public vfs::Inode {
public:
    MqueueInode(vfs::FileSystem& fs, u32 mode, vfs::Owner owner, RefPtr<MessageQueue> queue)
        : Inode(fs, s_next_ino.fetch_add(1, std::memory_order_relaxed), mode, owner, 0)
        , m_queue(std::move(queue))
    {
    }

    MessageQueue& queue() { return *m_queue; }
    u64 charged_bytes() const { return queue_bytes(m_queue->maxmsg(), m_queue->msgsize()); }

    // The status line, from `offset` on (cat /dev/mqueue/NAME).
    ErrorOr<usize> read(u64 offset, IoBuffer& buffer, usize count) override
    {
        char line[96];
        usize length = m_queue->status_line(line, sizeof(line));
        if (offset >= length)
            return usize(0);
        usize n = length - offset < count ? length - static_cast<usize>(offset) : count;
        TRY(buffer.write_bytes(0, line + offset, n));
        return n;
    }

private:
    RefPtr<MessageQueue> m_queue;
};

struct Entry {
    IntrusiveListNode node;
    KString name;
    RefPtr<MqueueInode> inode;
    u64 position { 0 };
};

class MqueueDirectory final : public vfs::Inode {
public:
    explicit MqueueDirectory(vfs::FileSystem& fs)
        : Inode(fs, s_next_ino.fetch_add(1, std::memory_order_relaxed), kRootMode, vfs::Owner { 0, 0 }, 0)
    {
        m_nlink = 2;
    }

    ErrorOr<RefPtr<vfs::Inode>> lookup(StringView name) override
    {
        RefPtr<MqueueInode> found = find(name);
        if (!found)
            return Error::from_errno(ENOENT);
        return RefPtr<vfs::Inode>(std::move(found));
    }

    RefPtr<MqueueInode> find(StringView name)
    {
        FsLocker locker(m_entries_lock);
        for (auto& entry : m_entries) {
            if (entry.name.view() == name)
                return entry.inode;
        }
        return {};
    }

    // open(2) with O_CREAT of a new name: a queue with the defaults, under
    // the same limits as mq_open (the creator is the calling process).
    ErrorOr<RefPtr<vfs::Inode>> create(StringView name, u32 mode, vfs::Owner owner) override
    {
        MqLimits const& limits = mq_limits();
        long maxmsg = limits.msg_default < limits.msg_max ? limits.msg_default : limits.msg_max;
        long msgsize = limits.msgsize_default < limits.msgsize_max ? limits.msgsize_default : limits.msgsize_max;
        u64 byte_limit = current::limit(rlimit::kMsgqueue);
        auto made = TRY(add(name, mode, owner, maxmsg, msgsize, current::credentials().is_superuser(), byte_limit,
            byte_limit == rlimit::kInfinity));
        return RefPtr<vfs::Inode>(std::move(made));
    }

    // A new queue `name`. `privileged` passes queues_max; `byte_limit`
    // (RLIMIT_MSGQUEUE, none when `unlimited`) bounds what the owner's
    // queues may hold together.
    ErrorOr<RefPtr<MqueueInode>> add(StringView name, u32 mode, vfs::Owner owner, long maxmsg, long msgsize,
        bool privileged, u64 byte_limit, bool unlimited)
    {
        if (name.length() > vfs::kNameMax)
            return Error::from_errno(ENAMETOOLONG);
        RefPtr<MessageQueue> queue = TRY(MessageQueue::create(maxmsg, msgsize));
        auto* inode = new (std::nothrow) MqueueInode(fs(), S_IFREG | (mode & 07777), owner, std::move(queue));
        if (!inode)
            return Error::from_errno(ENOMEM);
        RefPtr<MqueueInode> result = adopt_ref(inode);
        KString name_copy = TRY(KString::create(name));
        auto* entry = new (std::nothrow) Entry;
        if (!entry)
            return Error::from_errno(ENOMEM);
        entry->name = std::move(name_copy);
        entry->inode = result;
        u64 bytes = inode->charged_bytes();
        {
            FsLocker locker(m_entries_lock);
            usize count = 0;
            u64 owner_bytes = bytes;
            bool taken = false;
            for (auto& existing : m_entries) {
                ++count;
                if (existing.name.view() == name)
                    taken = true;
                if (existing.inode->ownership().uid == owner.uid)
                    owner_bytes += existing.inode->charged_bytes();
            }
            int error = 0;
            if (taken)
                error = EEXIST;
            else if (!privileged && count >= static_cast<usize>(mq_limits().queues_max))
                error = ENOSPC;
            else if (!unlimited && owner_bytes > byte_limit)
                error = EMFILE;
            if (!error) {
                entry->position = m_next_position++;
                m_entries.append(*entry);
                entry = nullptr;
            }
            if (error) {
                locker.unlock();
                delete entry; // drops the new inode and queue, outside the lock
                return Error::from_errno(error);
            }
        }
        return result;
    }

    ErrorOr<void> unlink(StringView name, Credentials const& credentials) override
    {
        Entry* removed = nullptr;
        {
            FsLocker locker(m_entries_lock);
            for (auto& entry : m_entries) {
                if (entry.name.view() == name) {
                    removed = &entry;
                    break;
                }
            }
            if (!removed)
                return Error::from_errno(ENOENT);
            TRY(security::check_sticky_delete(credentials, ownership(), removed->inode->ownership()));
            m_entries.remove(*removed);
        }
        delete removed; // the queue lives on while descriptors hold it
        return {};
    }

    // Only queues live here.
    ErrorOr<RefPtr<vfs::Inode>> mkdir(StringView, u32, vfs::Owner) override { return Error::from_errno(EPERM); }
    ErrorOr<RefPtr<vfs::Inode>> mknod(StringView, u32, u64, vfs::Owner) override { return Error::from_errno(EPERM); }
    ErrorOr<RefPtr<vfs::Inode>> symlink(StringView, StringView, vfs::Owner) override { return Error::from_errno(EPERM); }
    ErrorOr<void> link(StringView, vfs::Inode&) override { return Error::from_errno(EPERM); }

    ErrorOr<u64> iterate(u64 position, vfs::DirectoryVisitor& visitor) override
    {
        FsLocker locker(m_entries_lock);
        if (position == vfs::kDotPosition) {
            if (!visitor.visit(".", ino(), DT_DIR, vfs::kDotDotPosition))
                return position;
            position = vfs::kDotDotPosition;
        }
        if (position == vfs::kDotDotPosition) {
            if (!visitor.visit("..", ino(), DT_DIR, vfs::kFirstEntryPosition))
                return position;
            position = vfs::kFirstEntryPosition;
        }
        for (auto& entry : m_entries) {
            if (entry.position < position)
                continue;
            if (!visitor.visit(entry.name.view(), entry.inode->ino(), DT_REG, entry.position + 1))
                return entry.position;
        }
        return m_next_position;
    }

private:
    mutable FsLock m_entries_lock { "mqueue names" };
    IntrusiveList<Entry, &Entry::node> m_entries;
    u64 m_next_position { vfs::kFirstEntryPosition };
};

// The one instance, and a mount of it of our own for the Location of
// mq_open's descriptors (it may be mounted nowhere else).
MqueueDirectory* s_root { nullptr };
vfs::MountTable* s_mounts { nullptr };
RefPtr<vfs::Mount> s_mount;

ErrorOr<RefPtr<vfs::Inode>> mount_mqueue(StringView, u32, StringView)
{
    if (!s_root)
        return Error::from_errno(ENODEV);
    return RefPtr<vfs::Inode>(s_root);
}

constinit vfs::FileSystemType const s_type { "mqueue", mount_mqueue };

// The operations of a descriptor from mq_open: the status line at the
// description's own position, poll, and the last close (which ends a
// notification registered through it).
class MqueueFile final : public vfs::FileOperations {
public:
    explicit MqueueFile(RefPtr<vfs::Inode> inode)
        : m_inode(std::move(inode))
    {
    }

    ErrorOr<usize> read(vfs::OpenFile&, IoBuffer& buffer, usize count, u64&) override
    {
        u64 offset;
        {
            FsLocker locker(m_position_lock);
            offset = m_position;
        }
        usize done = TRY(m_inode->read(offset, buffer, count));
        FsLocker locker(m_position_lock);
        m_position = offset + done;
        return done;
    }
    u32 poll(vfs::OpenFile&) override { return queue().poll(); }
    void closed(vfs::OpenFile& file) override { queue().file_closed(&file); }

private:
    MessageQueue& queue() { return static_cast<MqueueInode&>(*m_inode).queue(); }

    RefPtr<vfs::Inode> m_inode;
    FsLock m_position_lock { "mqueue position" };
    u64 m_position { 0 };
};

// Linux's lookup_one_len rules for a queue name: one non-empty component.
ErrorOr<void> check_name(StringView name)
{
    if (name.is_empty() || name == "." || name == "..")
        return Error::from_errno(EACCES);
    for (char c : name) {
        if (c == '/')
            return Error::from_errno(EACCES);
    }
    if (name.length() > vfs::kNameMax)
        return Error::from_errno(ENAMETOOLONG);
    return {};
}

u32 access_for(u32 flags)
{
    switch (flags & O_ACCMODE) {
    case O_RDONLY:
        return security::kMayRead;
    case O_WRONLY:
        return security::kMayWrite;
    default:
        return security::kMayRead | security::kMayWrite;
    }
}

ErrorOr<void> check_attributes(MqCreateAttributes const& attributes, bool privileged)
{
    if (attributes.maxmsg <= 0 || attributes.msgsize <= 0)
        return Error::from_errno(EINVAL);
    MqLimits const& limits = mq_limits();
    long max_count = privileged ? kMqHardMsgMax : limits.msg_max;
    long max_size = privileged ? kMqHardMsgSizeMax : limits.msgsize_max;
    if (attributes.maxmsg > max_count || attributes.msgsize > max_size)
        return Error::from_errno(EINVAL);
    return {};
}

}

ErrorOr<void> mqueue_init()
{
    if (s_root)
        return {};
    auto* fs = new (std::nothrow) MqueueFs;
    if (!fs)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::FileSystem> fs_ref = adopt_ref(static_cast<vfs::FileSystem*>(fs));
    auto* root = new (std::nothrow) MqueueDirectory(*fs);
    if (!root)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::Inode> root_ref = adopt_ref(static_cast<vfs::Inode*>(root));
    s_mounts = new (std::nothrow) vfs::MountTable;
    if (!s_mounts)
        return Error::from_errno(ENOMEM);
    vfs::Location top = TRY(s_mounts->mount_root(root_ref, "mqueue", 0));
    s_mount = std::move(top.mount);
    s_root = root; // the mount holds it for good
    return vfs::register_filesystem_type(s_type);
}

ErrorOr<RefPtr<vfs::OpenFile>> mq_open(MqOpenRequest const& request, Credentials const& credentials, u32 umask,
    u64 byte_limit)
{
    if (!s_root)
        return Error::from_errno(ENOSYS);
    if ((request.flags & O_ACCMODE) == O_ACCMODE)
        return Error::from_errno(EINVAL);
    TRY(check_name(request.name));
    RefPtr<MqueueInode> inode = s_root->find(request.name);
    if (!inode) {
        if (!(request.flags & O_CREAT))
            return Error::from_errno(ENOENT);
        MqLimits const& limits = mq_limits();
        MqCreateAttributes attributes {
            limits.msg_default < limits.msg_max ? limits.msg_default : limits.msg_max,
            limits.msgsize_default < limits.msgsize_max ? limits.msgsize_default : limits.msgsize_max,
        };
        bool privileged = credentials.is_superuser();
        if (request.attributes) {
            attributes = *request.attributes;
            TRY(check_attributes(attributes, privileged));
        }
        TRY(security::check_access(credentials, s_root->ownership(), security::kMayWrite | security::kMayExec));
        auto made = s_root->add(request.name, request.mode & ~umask, vfs::Owner { credentials.euid, credentials.egid },
            attributes.maxmsg, attributes.msgsize, privileged, byte_limit, byte_limit == rlimit::kInfinity);
        if (made.is_error() && made.error().code() == EEXIST && !(request.flags & O_EXCL))
            inode = s_root->find(request.name); // made by another process meanwhile
        else
            inode = TRY(std::move(made));
        if (!inode)
            return Error::from_errno(ENOENT); // and unlinked again already
    } else {
        if ((request.flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
            return Error::from_errno(EEXIST);
        TRY(security::check_access(credentials, inode->ownership(), access_for(request.flags)));
    }
    RefPtr<vfs::Inode> as_inode(inode);
    auto* operations = new (std::nothrow) MqueueFile(as_inode);
    if (!operations)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::FileOperations> operations_ref = adopt_ref(static_cast<vfs::FileOperations*>(operations));
    u32 kept = (request.flags & (O_ACCMODE | O_NONBLOCK));
    return vfs::OpenFile::create(std::move(operations_ref), vfs::Location { s_mount, std::move(as_inode) }, kept,
        credentials);
}

ErrorOr<void> mq_unlink(StringView name, Credentials const& credentials)
{
    if (!s_root)
        return Error::from_errno(ENOSYS);
    TRY(check_name(name));
    if (!s_root->find(name))
        return Error::from_errno(ENOENT);
    TRY(security::check_access(credentials, s_root->ownership(), security::kMayWrite | security::kMayExec));
    return s_root->unlink(name, credentials);
}

MessageQueue* queue_of(vfs::OpenFile const& file)
{
    vfs::Inode* inode = file.inode();
    if (!inode || !s_root || file.is_path_only() || &inode->fs() != &s_root->fs() || !inode->is_regular())
        return nullptr;
    return &static_cast<MqueueInode*>(inode)->queue();
}

}
