// Inode (fs/vfs/inode.h): shared metadata and the defaults of operations
// a file system does not support.
#include <fs/vfs/fs_clock.h>
#include <fs/vfs/inode.h>

namespace vfs {

namespace {
constexpr i64 kRelatimeInterval = 24ll * 60 * 60 * 1000000000;
}

Inode::Inode(FileSystem& fs, u64 ino, u32 mode, Owner owner, u64 rdev)
    : m_mode(mode)
    , m_uid(owner.uid)
    , m_gid(owner.gid)
    , m_fs(fs)
    , m_ino(ino)
    , m_type(file_type(mode))
    , m_rdev(rdev)
{
    m_atime = m_mtime = m_ctime = fs_now_ns();
}

Inode::~Inode()
{
    VERIFY(!is_mountpoint());
}

InodeMetadata Inode::metadata() const
{
    FsLocker locker(m_lock);
    return InodeMetadata {
        .device = m_fs->device(),
        .ino = m_ino,
        .mode = m_mode,
        .nlink = m_nlink,
        .uid = m_uid,
        .gid = m_gid,
        .rdev = m_rdev,
        .size = m_size,
        .blocks = m_blocks,
        // Every file system here works in pages; a disk file system with
        // other blocks will make this a virtual.
        .block_size = kPageSize,
        .atime_ns = m_atime,
        .mtime_ns = m_mtime,
        .ctime_ns = m_ctime,
    };
}

security::FileOwnership Inode::ownership() const
{
    FsLocker locker(m_lock);
    return { m_mode, m_uid, m_gid };
}

u64 Inode::size() const
{
    FsLocker locker(m_lock);
    return m_size;
}

u32 Inode::nlink() const
{
    FsLocker locker(m_lock);
    return m_nlink;
}

void Inode::note_access_locked(i64 now)
{
    if (m_atime <= m_mtime || m_atime <= m_ctime || now - m_atime >= kRelatimeInterval)
        m_atime = now;
}

ErrorOr<RefPtr<Inode>> Inode::lookup(StringView) { return Error::from_errno(ENOTDIR); }
ErrorOr<RefPtr<Inode>> Inode::create(StringView, u32, Owner) { return Error::from_errno(ENOTDIR); }
ErrorOr<RefPtr<Inode>> Inode::mkdir(StringView, u32, Owner) { return Error::from_errno(ENOTDIR); }
ErrorOr<RefPtr<Inode>> Inode::mknod(StringView, u32, u64, Owner) { return Error::from_errno(ENOTDIR); }
ErrorOr<RefPtr<Inode>> Inode::symlink(StringView, StringView, Owner) { return Error::from_errno(ENOTDIR); }
ErrorOr<void> Inode::link(StringView, Inode&) { return Error::from_errno(ENOTDIR); }
ErrorOr<void> Inode::unlink(StringView, Credentials const&) { return Error::from_errno(ENOTDIR); }
ErrorOr<void> Inode::rmdir(StringView, Credentials const&) { return Error::from_errno(ENOTDIR); }
ErrorOr<void> Inode::rename(StringView, Inode&, StringView, u32, Credentials const&) { return Error::from_errno(ENOTDIR); }
ErrorOr<u64> Inode::iterate(u64, DirectoryVisitor&) { return Error::from_errno(ENOTDIR); }

ErrorOr<usize> Inode::read(u64, IoBuffer&, usize)
{
    return Error::from_errno(is_directory() ? EISDIR : EINVAL);
}

ErrorOr<usize> Inode::write(u64&, IoBuffer const&, usize, bool)
{
    return Error::from_errno(is_directory() ? EISDIR : EINVAL);
}

ErrorOr<void> Inode::truncate(u64)
{
    return Error::from_errno(is_directory() ? EISDIR : EINVAL);
}

ErrorOr<KString> Inode::path_in_file_system() const
{
    return Error::from_errno(ENOTSUP);
}

ErrorOr<KString> Inode::readlink() { return Error::from_errno(EINVAL); }
ErrorOr<u8*> Inode::page_for_mapping(u64) { return Error::from_errno(ENODEV); }

ErrorOr<void> Inode::set_attributes(AttributeChange const& change)
{
    i64 now = fs_now_ns();
    FsLocker locker(m_lock);
    if (change.mask & AttributeChange::kMode)
        m_mode = m_type | (change.mode & 07777);
    if (change.mask & AttributeChange::kUid)
        m_uid = change.uid;
    if (change.mask & AttributeChange::kGid)
        m_gid = change.gid;
    if (change.mask & AttributeChange::kAtime)
        m_atime = change.atime_ns;
    if (change.mask & AttributeChange::kMtime)
        m_mtime = change.mtime_ns;
    m_ctime = (change.mask & AttributeChange::kCtime) ? change.ctime_ns : now;
    return {};
}

}
