// The data calls on descriptors (CONCEPTS F4): read, write, their vector
// and positioned forms, lseek, sendfile, copy_file_range, ioctl,
// getdents/getdents64, ftruncate and the sync family. Each finds the
// OpenFile by descriptor and hands the work to it (fs/vfs/open_file.h);
// what is here is the Linux ABI around that: the order of the checks (and
// so which errno wins), EFAULT for a buffer outside user space before any
// work, counts clamped to MAX_RW_COUNT, iovec validation, the generic
// ioctls.
#include <fs/vfs/abi.h>
#include <fs/vfs/open_file.h>
#include <lib/log.h>
#include <lib/string.h>
#include <proc/current.h>
#include <syscall/iovec_buffer.h>
#include <syscall/syscall.h>

namespace {

using syscalls::IovecBuffer;
using syscalls::kMaxRwCount;
using syscalls::LinuxIovec;

// Generic ioctls (asm-generic/ioctls.h, linux/fs.h).
constexpr u32 kFionread = 0x541B;
constexpr u32 kFionbio = 0x5421;
constexpr u32 kFionclex = 0x5450;
constexpr u32 kFioclex = 0x5451;
constexpr u32 kFioqsize = 0x5460;
constexpr u32 kFigetbsz = 2;

// preadv2/pwritev2 flags (RWF_*).
constexpr u32 kRwfHipri = 0x01;
constexpr u32 kRwfDsync = 0x02;
constexpr u32 kRwfSync = 0x04;

// The bounce buffer of sendfile and copy_file_range.
constexpr usize kBounceSize = 64 * KiB;

usize clamp_count(usize count)
{
    return count > kMaxRwCount ? kMaxRwCount : count;
}

ErrorOr<RefPtr<vfs::OpenFile>> file_for(int fd)
{
    return current::fd_table().get(fd);
}

// Linux's fdget(): O_PATH descriptors name no open file for I/O calls.
ErrorOr<RefPtr<vfs::OpenFile>> io_file_for(int fd)
{
    RefPtr<vfs::OpenFile> file = TRY(file_for(fd));
    if (file->is_path_only())
        return Error::from_errno(EBADF);
    return file;
}

using syscalls::check_user_range;

// ---- read and write ----

ErrorOr<long> sys_read(int fd, UserPtr<void> buffer, usize count)
{
    RefPtr<vfs::OpenFile> file = TRY(file_for(fd));
    if (!file->is_readable())
        return Error::from_errno(EBADF);
    TRY(check_user_range(buffer.address(), count));
    count = clamp_count(count);
    UserIoBuffer user(buffer.address(), count);
    return static_cast<long>(TRY(file->read(user, count)));
}

ErrorOr<long> sys_write(int fd, UserPtr<void const> buffer, usize count)
{
    RefPtr<vfs::OpenFile> file = TRY(file_for(fd));
    if (!file->is_writable())
        return Error::from_errno(EBADF);
    TRY(check_user_range(buffer.address(), count));
    count = clamp_count(count);
    UserIoBuffer user(buffer.address(), count);
    return static_cast<long>(TRY(file->write(user, count)));
}

ErrorOr<long> sys_pread64(int fd, UserPtr<void> buffer, usize count, i64 offset)
{
    RefPtr<vfs::OpenFile> file = TRY(file_for(fd));
    if (!file->is_readable())
        return Error::from_errno(EBADF);
    TRY(check_user_range(buffer.address(), count));
    if (!file->operations().is_seekable())
        return Error::from_errno(ESPIPE);
    if (offset < 0)
        return Error::from_errno(EINVAL);
    count = clamp_count(count);
    UserIoBuffer user(buffer.address(), count);
    return static_cast<long>(TRY(file->pread(user, count, offset)));
}

ErrorOr<long> sys_pwrite64(int fd, UserPtr<void const> buffer, usize count, i64 offset)
{
    RefPtr<vfs::OpenFile> file = TRY(file_for(fd));
    if (!file->is_writable())
        return Error::from_errno(EBADF);
    TRY(check_user_range(buffer.address(), count));
    if (!file->operations().is_seekable())
        return Error::from_errno(ESPIPE);
    if (offset < 0)
        return Error::from_errno(EINVAL);
    count = clamp_count(count);
    UserIoBuffer user(buffer.address(), count);
    return static_cast<long>(TRY(file->pwrite(user, count, offset)));
}

// The vector calls. `offset` -1 means "the file position" (readv, and
// preadv2 with -1); otherwise the file must be seekable.
// The descriptor's file for a vector call: open for that direction, and
// seekable with a valid offset when the call names one.
ErrorOr<RefPtr<vfs::OpenFile>> file_for_vector(int fd, bool writing, i64 offset, bool positioned)
{
    RefPtr<vfs::OpenFile> file = TRY(file_for(fd));
    if (writing ? !file->is_writable() : !file->is_readable())
        return Error::from_errno(EBADF);
    if (positioned) {
        if (!file->operations().is_seekable())
            return Error::from_errno(ESPIPE);
        if (offset < 0)
            return Error::from_errno(EINVAL);
    }
    return file;
}

ErrorOr<long> vector_read(int fd, UserPtr<LinuxIovec const> vector, u64 count, i64 offset, bool positioned)
{
    RefPtr<vfs::OpenFile> file = TRY(file_for_vector(fd, false, offset, positioned));
    IovecBuffer buffer;
    TRY(buffer.import(vector, count));
    if (buffer.size() == 0)
        return 0;
    usize done = positioned ? TRY(file->pread(buffer, buffer.size(), offset)) : TRY(file->read(buffer, buffer.size()));
    return static_cast<long>(done);
}

ErrorOr<long> vector_write(int fd, UserPtr<LinuxIovec const> vector, u64 count, i64 offset, bool positioned)
{
    RefPtr<vfs::OpenFile> file = TRY(file_for_vector(fd, true, offset, positioned));
    IovecBuffer buffer;
    TRY(buffer.import(vector, count));
    if (buffer.size() == 0)
        return 0;
    usize done = positioned ? TRY(file->pwrite(buffer, buffer.size(), offset)) : TRY(file->write(buffer, buffer.size()));
    return static_cast<long>(done);
}

ErrorOr<long> sys_readv(int fd, UserPtr<LinuxIovec const> vector, u64 count)
{
    return vector_read(fd, vector, count, -1, false);
}

ErrorOr<long> sys_writev(int fd, UserPtr<LinuxIovec const> vector, u64 count)
{
    return vector_write(fd, vector, count, -1, false);
}

// x86-64 passes the whole 64-bit offset in pos_l; pos_h is for 32-bit ABIs.
ErrorOr<long> sys_preadv(int fd, UserPtr<LinuxIovec const> vector, u64 count, i64 pos_l, u64)
{
    return vector_read(fd, vector, count, pos_l, true);
}

ErrorOr<long> sys_pwritev(int fd, UserPtr<LinuxIovec const> vector, u64 count, i64 pos_l, u64)
{
    return vector_write(fd, vector, count, pos_l, true);
}

// RWF_HIPRI, RWF_DSYNC and RWF_SYNC change nothing on in-memory files;
// RWF_NOWAIT, RWF_APPEND and the newer flags are not supported
// (EOPNOTSUPP, as Linux says for flags a file does not support).
ErrorOr<void> check_rwf_flags(u32 flags)
{
    if (flags & ~(kRwfHipri | kRwfDsync | kRwfSync))
        return Error::from_errno(EOPNOTSUPP);
    return {};
}

ErrorOr<long> sys_preadv2(int fd, UserPtr<LinuxIovec const> vector, u64 count, i64 pos_l, u64, u32 flags)
{
    TRY(check_rwf_flags(flags));
    return vector_read(fd, vector, count, pos_l, pos_l != -1);
}

ErrorOr<long> sys_pwritev2(int fd, UserPtr<LinuxIovec const> vector, u64 count, i64 pos_l, u64, u32 flags)
{
    TRY(check_rwf_flags(flags));
    return vector_write(fd, vector, count, pos_l, pos_l != -1);
}

ErrorOr<long> sys_lseek(int fd, i64 offset, u32 whence)
{
    RefPtr<vfs::OpenFile> file = TRY(io_file_for(fd));
    if (whence > SEEK_HOLE)
        return Error::from_errno(EINVAL);
    u64 position = TRY(file->seek(offset, static_cast<int>(whence)));
    return static_cast<long>(position);
}

// ---- sendfile and copy_file_range ----

struct Bounce {
    u8* bytes { nullptr };
    usize size { 0 };
    ~Bounce() { delete[] bytes; }
    ErrorOr<void> allocate(usize wanted)
    {
        size = wanted < kBounceSize ? wanted : kBounceSize;
        bytes = new (std::nothrow) u8[size];
        if (!bytes)
            return Error::from_errno(ENOMEM);
        return {};
    }
};

// Writes all of `length` bytes of `data` to `out` (at `*position` when
// given, advancing it) unless the file takes fewer or fails part way;
// returns how many went, or the error when none did.
ErrorOr<usize> write_all(vfs::OpenFile& out, u8 const* data, usize length, u64* position)
{
    usize written = 0;
    while (written < length) {
        KernelIoBuffer piece(static_cast<void const*>(data + written), length - written);
        auto done = position ? out.pwrite(piece, length - written, static_cast<i64>(*position)) : out.write(piece, length - written);
        if (done.is_error()) {
            if (written == 0)
                return done.error();
            break;
        }
        if (done.value() == 0)
            break;
        written += done.value();
        if (position)
            *position += done.value();
    }
    return written;
}

// sendfile(2): `count` bytes from in_fd to out_fd through a kernel buffer.
// With `offset_pointer` the input is read from *offset_pointer (which is
// updated, the file position is not); without it from the file position.
// A seekable input is read positioned and its position then moved by what
// was written, so a short write loses nothing; an unseekable one (a pipe)
// is read once, like read(2), and a short write there drops the rest of
// that chunk (Linux would keep it in its internal pipe).
ErrorOr<long> sys_sendfile(int out_fd, int in_fd, UserPtr<i64> offset_pointer, usize count)
{
    RefPtr<vfs::OpenFile> in = TRY(io_file_for(in_fd));
    if (!in->is_readable())
        return Error::from_errno(EBADF);
    bool const seekable = in->operations().is_seekable();
    i64 position = 0;
    if (!offset_pointer.is_null()) {
        position = TRY(copy_from_user(offset_pointer));
        if (!seekable)
            return Error::from_errno(ESPIPE);
        if (position < 0)
            return Error::from_errno(EINVAL);
    } else if (seekable) {
        position = static_cast<i64>(in->offset());
    }
    RefPtr<vfs::OpenFile> out = TRY(io_file_for(out_fd));
    if (!out->is_writable())
        return Error::from_errno(EBADF);
    if (out->flags() & O_APPEND)
        return Error::from_errno(EINVAL);
    count = clamp_count(count);
    if (count == 0)
        return 0;

    Bounce bounce;
    TRY(bounce.allocate(count));
    usize total = 0;
    ErrorOr<void> failure {};
    while (total < count) {
        usize chunk = count - total < bounce.size ? count - total : bounce.size;
        KernelIoBuffer buffer(bounce.bytes, chunk);
        auto got = seekable ? in->pread(buffer, chunk, position) : in->read(buffer, chunk);
        if (got.is_error()) {
            failure = got.error();
            break;
        }
        if (got.value() == 0)
            break;
        auto sent = write_all(*out, bounce.bytes, got.value(), nullptr);
        if (sent.is_error()) {
            failure = sent.error();
            break;
        }
        total += sent.value();
        position += static_cast<i64>(sent.value());
        if (sent.value() < got.value() || !seekable)
            break;
    }
    if (seekable) {
        if (!offset_pointer.is_null())
            TRY(copy_to_user(offset_pointer, position));
        else if (total)
            (void)in->seek(position, SEEK_SET);
    }
    if (total == 0 && failure.is_error())
        return failure.error();
    return static_cast<long>(total);
}

// copy_file_range(2) between regular files, through a kernel buffer.
ErrorOr<long> sys_copy_file_range(int in_fd, UserPtr<i64> in_offset, int out_fd, UserPtr<i64> out_offset, usize length, u32 flags)
{
    if (flags != 0)
        return Error::from_errno(EINVAL);
    RefPtr<vfs::OpenFile> in = TRY(io_file_for(in_fd));
    RefPtr<vfs::OpenFile> out = TRY(io_file_for(out_fd));
    i64 in_position = in_offset.is_null() ? static_cast<i64>(in->offset()) : TRY(copy_from_user(in_offset));
    i64 out_position = out_offset.is_null() ? static_cast<i64>(out->offset()) : TRY(copy_from_user(out_offset));
    vfs::Inode* in_inode = in->inode();
    vfs::Inode* out_inode = out->inode();
    if (!in_inode || !out_inode)
        return Error::from_errno(EINVAL);
    if (in_inode->is_directory() || out_inode->is_directory())
        return Error::from_errno(EISDIR);
    if (!in_inode->is_regular() || !out_inode->is_regular())
        return Error::from_errno(EINVAL);
    if (!in->is_readable() || !out->is_writable() || (out->flags() & O_APPEND))
        return Error::from_errno(EBADF);
    if (in_position < 0 || out_position < 0)
        return Error::from_errno(EINVAL);
    length = clamp_count(length);
    // The same file: overlapping ranges are refused.
    if (in_inode == out_inode) {
        u64 a = static_cast<u64>(in_position);
        u64 b = static_cast<u64>(out_position);
        if (a < b + length && b < a + length)
            return Error::from_errno(EINVAL);
    }
    if (length == 0)
        return 0;

    Bounce bounce;
    TRY(bounce.allocate(length));
    usize total = 0;
    ErrorOr<void> failure {};
    u64 write_position = static_cast<u64>(out_position);
    while (total < length) {
        usize chunk = length - total < bounce.size ? length - total : bounce.size;
        KernelIoBuffer buffer(bounce.bytes, chunk);
        auto got = in->pread(buffer, chunk, in_position);
        if (got.is_error()) {
            failure = got.error();
            break;
        }
        if (got.value() == 0)
            break;
        auto sent = write_all(*out, bounce.bytes, got.value(), &write_position);
        if (sent.is_error()) {
            failure = sent.error();
            break;
        }
        total += sent.value();
        in_position += static_cast<i64>(sent.value());
        if (sent.value() < got.value())
            break;
    }
    out_position = static_cast<i64>(write_position);
    if (in_offset.is_null()) {
        if (total)
            (void)in->seek(in_position, SEEK_SET);
    } else {
        TRY(copy_to_user(in_offset, in_position));
    }
    if (out_offset.is_null()) {
        if (total)
            (void)out->seek(out_position, SEEK_SET);
    } else {
        TRY(copy_to_user(out_offset, out_position));
    }
    if (total == 0 && failure.is_error())
        return failure.error();
    return static_cast<long>(total);
}

// ---- ioctl ----

ErrorOr<long> sys_ioctl(int fd, u32 request, u64 argument)
{
    RefPtr<vfs::OpenFile> file = TRY(io_file_for(fd));
    switch (request) {
    case kFioclex:
    case kFionclex: {
        vfs::FdTable& table = current::fd_table();
        u32 flags = TRY(table.descriptor_flags(fd));
        flags = request == kFioclex ? (flags | FD_CLOEXEC) : (flags & ~static_cast<u32>(FD_CLOEXEC));
        TRY(table.set_descriptor_flags(fd, flags));
        return 0;
    }
    case kFionbio: {
        int on = TRY(copy_from_user(UserPtr<int>(argument)));
        u32 flags = file->flags();
        file->set_status_flags(on ? (flags | O_NONBLOCK) : (flags & ~static_cast<u32>(O_NONBLOCK)));
        return 0;
    }
    case kFioqsize: {
        vfs::Inode* inode = file->inode();
        if (!inode || !(inode->is_regular() || inode->is_directory() || inode->is_symlink()))
            return Error::from_errno(ENOTTY);
        i64 size = static_cast<i64>(inode->size());
        TRY(copy_to_user(UserPtr<i64>(argument), size));
        return 0;
    }
    case kFigetbsz: {
        vfs::Inode* inode = file->inode();
        if (!inode)
            return Error::from_errno(ENOTTY);
        int block_size = static_cast<int>(inode->metadata().block_size);
        TRY(copy_to_user(UserPtr<int>(argument), block_size));
        return 0;
    }
    case kFionread: {
        // Regular files answer here (what is left after the position);
        // pipes, terminals and sockets answer in their own ioctl.
        vfs::Inode* inode = file->inode();
        if (!inode || !inode->is_regular())
            break;
        i64 left = static_cast<i64>(inode->size()) - static_cast<i64>(file->offset());
        int value = static_cast<int>(left);
        TRY(copy_to_user(UserPtr<int>(argument), value));
        return 0;
    }
    default:
        break;
    }
    return file->ioctl(request, argument);
}

// ---- directories ----

ErrorOr<long> sys_getdents64(int fd, UserPtr<void> entries, u32 count)
{
    RefPtr<vfs::OpenFile> file = TRY(io_file_for(fd));
    TRY(check_user_range(entries.address(), count));
    UserIoBuffer buffer(entries.address(), count);
    return static_cast<long>(TRY(file->read_directory(buffer, count)));
}

// The old getdents(2) record (struct linux_dirent): the same size as a
// linux_dirent64 for the same name (both ALIGN(20 + length, 8)), with the
// name one byte earlier and d_type in the record's last byte; so records
// are converted in place.
ErrorOr<long> sys_getdents(int fd, UserPtr<void> entries, u32 count)
{
    RefPtr<vfs::OpenFile> file = TRY(io_file_for(fd));
    TRY(check_user_range(entries.address(), count));
    usize capacity = count < 32 * KiB ? count : 32 * KiB;
    Bounce records;
    TRY(records.allocate(capacity ? capacity : 1));
    KernelIoBuffer buffer(records.bytes, capacity);
    usize used = TRY(file->read_directory(buffer, capacity));
    for (usize at = 0; at < used;) {
        u8* record = records.bytes + at;
        LinuxDirent64 head;
        memcpy(&head, record, LinuxDirent64::kNameOffset);
        usize name_length = strlen(reinterpret_cast<char const*>(record + LinuxDirent64::kNameOffset));
        u64 ino = head.ino;
        i64 next = head.off;
        u16 length = head.reclen;
        memmove(record + 18, record + LinuxDirent64::kNameOffset, name_length + 1);
        memcpy(record, &ino, 8);
        memcpy(record + 8, &next, 8);
        memcpy(record + 16, &length, 2);
        record[length - 1] = head.type;
        at += length;
    }
    TRY(copy_to_user(entries.address(), records.bytes, used));
    return static_cast<long>(used);
}

// ---- size and sync ----

ErrorOr<long> sys_ftruncate(int fd, i64 length)
{
    if (length < 0)
        return Error::from_errno(EINVAL);
    RefPtr<vfs::OpenFile> file = TRY(io_file_for(fd));
    TRY(file->truncate(static_cast<u64>(length)));
    return 0;
}

// Everything here lives in memory: there is nothing to flush. The fd
// checks are Linux's: EBADF for a bad (or O_PATH) descriptor, EINVAL for
// files with no fsync (pipes, sockets, most devices).
ErrorOr<long> do_fsync(int fd)
{
    RefPtr<vfs::OpenFile> file = TRY(io_file_for(fd));
    vfs::Inode* inode = file->inode();
    if (!inode || !(inode->is_regular() || inode->is_directory()))
        return Error::from_errno(EINVAL);
    return 0;
}

ErrorOr<long> sys_fsync(int fd)
{
    return do_fsync(fd);
}

ErrorOr<long> sys_fdatasync(int fd)
{
    return do_fsync(fd);
}

ErrorOr<long> sys_sync()
{
    return 0;
}

ErrorOr<long> sys_syncfs(int fd)
{
    TRY(io_file_for(fd));
    return 0;
}

}

REGISTER_SYSCALL(read, sys_read);
REGISTER_SYSCALL(write, sys_write);
REGISTER_SYSCALL(pread64, sys_pread64);
REGISTER_SYSCALL(pwrite64, sys_pwrite64);
REGISTER_SYSCALL(readv, sys_readv);
REGISTER_SYSCALL(writev, sys_writev);
REGISTER_SYSCALL(preadv, sys_preadv);
REGISTER_SYSCALL(pwritev, sys_pwritev);
REGISTER_SYSCALL(preadv2, sys_preadv2);
REGISTER_SYSCALL(pwritev2, sys_pwritev2);
REGISTER_SYSCALL(lseek, sys_lseek);
REGISTER_SYSCALL(sendfile, sys_sendfile);
REGISTER_SYSCALL(copy_file_range, sys_copy_file_range);
REGISTER_SYSCALL(ioctl, sys_ioctl);
REGISTER_SYSCALL(getdents64, sys_getdents64);
REGISTER_SYSCALL(getdents, sys_getdents);
REGISTER_SYSCALL(ftruncate, sys_ftruncate);
REGISTER_SYSCALL(fsync, sys_fsync);
REGISTER_SYSCALL(fdatasync, sys_fdatasync);
REGISTER_SYSCALL(sync, sys_sync);
REGISTER_SYSCALL(syncfs, sys_syncfs);
