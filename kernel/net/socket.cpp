// The generic socket file object (net/socket.h): sockfs, PassedFiles, and
// read/write as recv/send.
//
// Lock order: the sockfs setup mutex is taken alone.
#include <atomic>
#include <fs/vfs/abi.h>
#include <fs/vfs/file_system.h>
#include <fs/vfs/inode.h>
#include <fs/vfs/mount.h>
#include <lib/string.h>
#include <net/socket.h>
#include <proc/current.h>
#include <sched/mutex.h>

namespace net {

namespace {

// SOCKFS_MAGIC (include/uapi/linux/magic.h).
constexpr u64 kSockfsMagic = 0x534F434B;

class SockFs final : public vfs::FileSystem {
public:
    StringView type_name() const override { return "sockfs"; }
    vfs::FileSystemStatistics statistics() const override
    {
        vfs::FileSystemStatistics statistics;
        statistics.magic = kSockfsMagic;
        return statistics;
    }
};

class SockFsInode final : public vfs::Inode {
public:
    SockFsInode(vfs::FileSystem& fs, u64 ino, u32 mode, vfs::Owner owner)
        : Inode(fs, ino, mode, owner, 0)
    {
    }
};

Mutex s_sockfs_setup { "sockfs setup" };
std::atomic<vfs::Mount*> s_sockfs_mount { nullptr };
std::atomic<vfs::FileSystem*> s_sockfs { nullptr };
vfs::MountTable* s_sockfs_mounts { nullptr };
std::atomic<u64> s_next_ino { 1 };

// The sockfs mount, made on first use and kept for good (as pipefs).
ErrorOr<RefPtr<vfs::Mount>> sockfs_mount()
{
    if (vfs::Mount* mount = s_sockfs_mount.load(std::memory_order_acquire))
        return RefPtr<vfs::Mount>(mount);
    MutexLocker locker(s_sockfs_setup);
    if (vfs::Mount* mount = s_sockfs_mount.load(std::memory_order_acquire))
        return RefPtr<vfs::Mount>(mount);
    auto* fs = new (std::nothrow) SockFs;
    if (!fs)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::FileSystem> fs_ref = adopt_ref(static_cast<vfs::FileSystem*>(fs));
    auto* root = new (std::nothrow) SockFsInode(*fs, s_next_ino.fetch_add(1), S_IFDIR | 0700, vfs::Owner { 0, 0 });
    if (!root)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::Inode> root_ref = adopt_ref(static_cast<vfs::Inode*>(root));
    if (!s_sockfs_mounts) {
        s_sockfs_mounts = new (std::nothrow) vfs::MountTable;
        if (!s_sockfs_mounts)
            return Error::from_errno(ENOMEM);
    }
    vfs::Location top = TRY(s_sockfs_mounts->mount_root(std::move(root_ref), "sockfs", 0));
    s_sockfs.store(fs, std::memory_order_release);
    s_sockfs_mount.store(top.mount.ptr(), std::memory_order_release);
    return std::move(top.mount);
}

}

PeerCredentials current_message_credentials()
{
    Credentials const& credentials = current::credentials();
    return PeerCredentials { current::process().pid(), credentials.uid, credentials.gid };
}

PeerCredentials current_peer_credentials()
{
    Credentials const& credentials = current::credentials();
    return PeerCredentials { current::process().pid(), credentials.euid, credentials.egid };
}

// ---- PassedFiles ----

PassedFiles::PassedFiles(PassedFiles&& other)
    : m_files(other.m_files)
    , m_count(other.m_count)
    , m_capacity(other.m_capacity)
{
    other.m_files = nullptr;
    other.m_count = other.m_capacity = 0;
}

PassedFiles& PassedFiles::operator=(PassedFiles&& other)
{
    if (this != &other) {
        clear();
        m_files = other.m_files;
        m_count = other.m_count;
        m_capacity = other.m_capacity;
        other.m_files = nullptr;
        other.m_count = other.m_capacity = 0;
    }
    return *this;
}

ErrorOr<void> PassedFiles::reserve(usize count)
{
    VERIFY(!m_files);
    if (count == 0)
        return {};
    m_files = new (std::nothrow) vfs::OpenFile*[count];
    if (!m_files)
        return Error::from_errno(ENOMEM);
    m_capacity = count;
    return {};
}

void PassedFiles::append(RefPtr<vfs::OpenFile> file)
{
    VERIFY(m_count < m_capacity);
    m_files[m_count++] = file.leak_ref();
}

ErrorOr<PassedFiles> PassedFiles::duplicate() const
{
    PassedFiles copy;
    TRY(copy.reserve(m_count));
    for (usize i = 0; i < m_count; ++i)
        copy.append(RefPtr<vfs::OpenFile>(m_files[i]));
    return copy;
}

void PassedFiles::clear()
{
    // Dropping the last reference of a passed socket closes it, which may
    // free further passed files: nothing of ours is touched meanwhile.
    vfs::OpenFile** files = m_files;
    usize count = m_count;
    m_files = nullptr;
    m_count = m_capacity = 0;
    for (usize i = 0; i < count; ++i)
        files[i]->unref();
    delete[] files;
}

// ---- Socket ----

ErrorOr<usize> Socket::read(vfs::OpenFile& file, IoBuffer& buffer, usize count, u64&)
{
    ReceiveInfo info;
    return receive(buffer, count, 0, info, file.is_nonblocking());
}

ErrorOr<usize> Socket::write(vfs::OpenFile& file, IoBuffer const& buffer, usize count, u64&)
{
    MessageControl control;
    return send(buffer, count, 0, nullptr, control, file.is_nonblocking());
}

ErrorOr<RefPtr<vfs::OpenFile>> open_socket_file(RefPtr<Socket> socket, u32 flags, Credentials const& creator)
{
    RefPtr<vfs::Mount> mount = TRY(sockfs_mount());
    auto* inode = new (std::nothrow) SockFsInode(mount->fs(), s_next_ino.fetch_add(1, std::memory_order_relaxed),
        S_IFSOCK | 0777, vfs::Owner { creator.euid, creator.egid });
    if (!inode)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::Inode> inode_ref = adopt_ref(static_cast<vfs::Inode*>(inode));
    Socket& served = *socket;
    RefPtr<vfs::OpenFile> file = TRY(vfs::OpenFile::create(RefPtr<vfs::FileOperations>(std::move(socket)), vfs::Location { mount, inode_ref },
        O_RDWR | (flags & O_NONBLOCK), creator));
    served.attached(*file);
    return file;
}

Socket* socket_of(vfs::OpenFile const& file)
{
    // Only open_socket_file opens sockfs inodes, always with a Socket.
    vfs::Inode* inode = file.inode();
    if (!inode || file.is_path_only() || &inode->fs() != s_sockfs.load(std::memory_order_acquire))
        return nullptr;
    return static_cast<Socket*>(&file.operations());
}

}
