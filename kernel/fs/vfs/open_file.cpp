// Open file descriptions (fs/vfs/open_file.h).
#include <fs/vfs/open_file.h>
#include <lib/string.h>
#include <security/permissions.h>

namespace vfs {

namespace {

// getdents64 assembles records here, outside the file system's lock, and
// then copies them out: a directory walk never copies to the caller's
// memory (which may fault) with the directory locked.
constexpr usize kDirectoryChunk = 32 * KiB;

class DirentWriter final : public DirectoryVisitor {
public:
    DirentWriter(u8* buffer, usize capacity)
        : m_buffer(buffer)
        , m_capacity(capacity)
    {
    }

    bool visit(StringView name, u64 ino, u8 type, u64 next_position) override
    {
        usize length = dirent64_record_length(name.length());
        if (length > m_capacity - m_used) {
            m_refused = true;
            return false;
        }
        u8* record = m_buffer + m_used;
        memset(record, 0, length);
        LinuxDirent64 head { ino, static_cast<i64>(next_position), static_cast<u16>(length), type };
        memcpy(record, &head, LinuxDirent64::kNameOffset);
        memcpy(record + LinuxDirent64::kNameOffset, name.characters_without_null_termination(), name.length());
        m_used += length;
        return true;
    }

    usize used() const { return m_used; }
    bool refused() const { return m_refused; }

private:
    u8* m_buffer;
    usize m_capacity;
    usize m_used { 0 };
    bool m_refused { false };
};

}

OpenFile::OpenFile(RefPtr<FileOperations> operations, Location location, u32 flags, Credentials const& credentials)
    : m_operations(std::move(operations))
    , m_location(std::move(location))
    , m_credentials(credentials)
    , m_flags(flags & ~static_cast<u32>(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC))
{
}

ErrorOr<RefPtr<OpenFile>> OpenFile::create(RefPtr<FileOperations> operations, Location location, u32 flags, Credentials const& credentials)
{
    VERIFY(operations);
    auto* file = new (std::nothrow) OpenFile(std::move(operations), std::move(location), flags, credentials);
    if (!file)
        return Error::from_errno(ENOMEM);
    return adopt_ref(file);
}

OpenFile::~OpenFile()
{
    if (watch_count.load(std::memory_order_acquire) != 0 && s_release_watches)
        s_release_watches(*this);
    m_operations->closed(*this);
}

void OpenFile::set_status_flags(u32 flags)
{
    u32 old = m_flags.load(std::memory_order_relaxed);
    while (!m_flags.compare_exchange_weak(old, (old & ~kSettableFlags) | (flags & kSettableFlags), std::memory_order_relaxed)) { }
}

bool OpenFile::is_readable() const
{
    u32 mode = flags() & O_ACCMODE;
    return !is_path_only() && (mode == O_RDONLY || mode == O_RDWR);
}

bool OpenFile::is_writable() const
{
    u32 mode = flags() & O_ACCMODE;
    return !is_path_only() && (mode == O_WRONLY || mode == O_RDWR);
}

ErrorOr<void> OpenFile::check_io(bool writing) const
{
    if (writing ? !is_writable() : !is_readable())
        return Error::from_errno(EBADF);
    return {};
}

// A write by someone other than the superuser strips set-user-id (and
// set-group-id on group-executable files), so a modified program does not
// keep its owner's powers. The opener's credentials stand for the writer's.
void OpenFile::after_write()
{
    Inode* file = inode();
    if (!file || !file->is_regular())
        return;
    u32 mode = file->ownership().mode;
    u32 kept = security::mode_after_write(m_credentials, mode);
    if (kept != mode) {
        AttributeChange change;
        change.mask = AttributeChange::kMode;
        change.mode = kept;
        (void)file->set_attributes(change);
    }
}

ErrorOr<usize> OpenFile::read(IoBuffer& buffer, usize count)
{
    TRY(check_io(false));
    if (!m_operations->is_seekable()) {
        u64 ignored = 0;
        return m_operations->read(*this, buffer, count, ignored);
    }
    FsLocker locker(m_position_lock);
    u64 offset = m_offset;
    usize done = TRY(m_operations->read(*this, buffer, count, offset));
    m_offset = offset;
    return done;
}

ErrorOr<usize> OpenFile::write(IoBuffer const& buffer, usize count)
{
    TRY(check_io(true));
    usize done;
    if (!m_operations->is_seekable()) {
        u64 ignored = 0;
        done = TRY(m_operations->write(*this, buffer, count, ignored));
    } else {
        FsLocker locker(m_position_lock);
        u64 offset = m_offset;
        done = TRY(m_operations->write(*this, buffer, count, offset));
        m_offset = offset;
    }
    if (done)
        after_write();
    return done;
}

ErrorOr<usize> OpenFile::pread(IoBuffer& buffer, usize count, i64 offset)
{
    TRY(check_io(false));
    if (!m_operations->is_seekable())
        return Error::from_errno(ESPIPE);
    if (offset < 0)
        return Error::from_errno(EINVAL);
    u64 position = static_cast<u64>(offset);
    return m_operations->read(*this, buffer, count, position);
}

ErrorOr<usize> OpenFile::pwrite(IoBuffer const& buffer, usize count, i64 offset)
{
    TRY(check_io(true));
    if (!m_operations->is_seekable())
        return Error::from_errno(ESPIPE);
    if (offset < 0)
        return Error::from_errno(EINVAL);
    u64 position = static_cast<u64>(offset);
    usize done = TRY(m_operations->write(*this, buffer, count, position));
    if (done)
        after_write();
    return done;
}

ErrorOr<u64> OpenFile::seek(i64 offset, int whence)
{
    if (is_path_only())
        return Error::from_errno(EBADF);
    if (!m_operations->is_seekable())
        return Error::from_errno(ESPIPE);
    FsLocker locker(m_position_lock);
    u64 position = TRY(m_operations->seek(*this, m_offset, offset, whence));
    m_offset = position;
    return position;
}

u64 OpenFile::offset() const
{
    FsLocker locker(m_position_lock);
    return m_offset;
}

ErrorOr<usize> OpenFile::read_directory(IoBuffer& buffer, usize size)
{
    if (is_path_only())
        return Error::from_errno(EBADF);
    Inode* directory = inode();
    if (!directory || !directory->is_directory())
        return Error::from_errno(ENOTDIR);
    usize capacity = size < kDirectoryChunk ? size : kDirectoryChunk;
    struct Records {
        u8* bytes;
        ~Records() { delete[] bytes; }
    } records { new (std::nothrow) u8[capacity ? capacity : 1] };
    if (!records.bytes)
        return Error::from_errno(ENOMEM);
    DirentWriter writer(records.bytes, capacity);

    FsLocker locker(m_position_lock);
    u64 next = TRY(directory->iterate(m_offset, writer));
    if (writer.used() == 0 && writer.refused())
        return Error::from_errno(EINVAL);
    TRY(buffer.write_bytes(0, records.bytes, writer.used()));
    m_offset = next;
    return writer.used();
}

ErrorOr<long> OpenFile::ioctl(u32 request, u64 argument)
{
    if (is_path_only())
        return Error::from_errno(EBADF);
    return m_operations->ioctl(*this, request, argument);
}

u32 OpenFile::poll()
{
    if (is_path_only())
        return POLLNVAL;
    return m_operations->poll(*this);
}

ErrorOr<void> OpenFile::truncate(u64 length)
{
    if (is_path_only())
        return Error::from_errno(EBADF);
    Inode* file = inode();
    if (!file || !file->is_regular() || !is_writable())
        return Error::from_errno(EINVAL);
    TRY(file->truncate(length));
    after_write();
    return {};
}

}
