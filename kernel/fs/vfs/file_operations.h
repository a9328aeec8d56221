// FileOperations: what an open file does when it is read, written, sought,
// polled or sent an ioctl (Linux's file_operations, as an object). An
// OpenFile (fs/vfs/open_file.h) holds one. Regular files and directories
// share InodeFileOperations (fs/vfs/inode_file_operations.h); character
// devices are FileOperations registered by major and minor
// (fs/vfs/char_device.h); pipes, FIFOs, sockets and terminals of later
// issues plug in the same way.
//
// Offsets: `offset` is the position to use, and on return the position
// after the operation (for an O_APPEND write, after the appended data). The
// OpenFile passes its own position (under its position lock) for read and
// write, or a private copy for pread/pwrite; an implementation that is not
// seekable ignores it.
// Host-buildable.
#pragma once

#include <fs/vfs/abi.h>
#include <fs/vfs/io_buffer.h>
#include <lib/error_or.h>
#include <lib/ref_counted.h>
#include <lib/types.h>

namespace poll_waiters {
class PollHead;
}

namespace vfs {

class OpenFile;

class FileOperations : public RefCounted<FileOperations> {
public:
    virtual ~FileOperations() = default;

    virtual ErrorOr<usize> read(OpenFile&, IoBuffer&, usize count, u64& offset);
    virtual ErrorOr<usize> write(OpenFile&, IoBuffer const&, usize count, u64& offset);

    // Seekable files get lseek, pread and pwrite and a position that
    // read/write advance; the others answer ESPIPE (pipes, sockets, ttys).
    // A seekable file is read and written with its description's position
    // lock held (fs/vfs/fs_lock.h), so it must not block; files that wait
    // for data are not seekable.
    virtual bool is_seekable() const { return false; }
    // The new position for lseek(offset, whence) from `current`.
    virtual ErrorOr<u64> seek(OpenFile&, u64 current, i64 offset, int whence);

    virtual ErrorOr<long> ioctl(OpenFile&, u32 request, u64 argument);
    // POLLIN/POLLOUT/... bits ready now. Default: always readable and
    // writable, as regular files are.
    virtual u32 poll(OpenFile&);
    // The head whose notify() announces changes of poll()'s answer
    // (fs/vfs/poll_waiters.h), for epoll; null: the global one.
    virtual poll_waiters::PollHead* poll_head(OpenFile&) { return nullptr; }
    // What kind of file this is, for code that must recognise its own
    // (epoll instances, signalfds, timerfds): the address of a static of
    // that code's, compared by identity; null for everything else.
    virtual void const* kind() const { return nullptr; }

    // The open file description is going away (its last descriptor closed).
    virtual void closed(OpenFile&) { }

protected:
    constexpr FileOperations() = default;
};

}
