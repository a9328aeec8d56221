// OpenFile: an open file description (Linux's struct file): what open()
// made - the file's Location, the access mode and status flags, the
// position, the credentials it was opened with - and the FileOperations
// that serve it. File descriptors (fs/vfs/fd_table.h) point at OpenFiles;
// dup() and fork() share one, and with it the position and the status
// flags, which is why it is reference counted. Its last reference going
// away is the "last close" (FileOperations::closed).
//
// The calls here are what read/write/pread64/pwrite64/lseek/getdents64/
// ioctl/fcntl(F_GETFL/F_SETFL)/ftruncate/fstat do once the syscall layer
// has found the OpenFile by descriptor: EBADF for the wrong access mode or
// an O_PATH descriptor, ESPIPE where there is no position.
//
// Locking: the position lock serialises read/write/lseek/getdents64 of
// seekable files, so threads sharing one description never read the same
// bytes twice; it is taken before any inode lock. It is an FsLock, a
// mutex, held while the file system copies to or from user memory: such a
// copy may fault, and the fault may sleep on the inode lock of a mapped
// file (mm/address_space.h), even this file's own. Unseekable files (which
// may block) run without it.
// Host-buildable.
#pragma once

#include <atomic>
#include <fs/vfs/file_operations.h>
#include <fs/vfs/fs_lock.h>
#include <fs/vfs/mount.h>
#include <lib/error_or.h>
#include <lib/intrusive_list.h>
#include <lib/ref_counted.h>
#include <security/credentials.h>

namespace vfs {

class OpenFile : public RefCounted<OpenFile> {
public:
    // The status flags F_SETFL may change.
    static constexpr u32 kSettableFlags = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

    // `flags` as given to open(); the creation flags (O_CREAT, O_EXCL,
    // O_NOCTTY, O_TRUNC) and O_CLOEXEC (a descriptor flag) are not kept.
    // `location` may be null for files outside the tree.
    static ErrorOr<RefPtr<OpenFile>> create(RefPtr<FileOperations> operations, Location location, u32 flags, Credentials const& credentials);
    ~OpenFile();

    FileOperations& operations() const { return *m_operations; }
    Location const& location() const { return m_location; }
    Inode* inode() const { return m_location.inode.ptr(); }
    Credentials const& credentials() const { return m_credentials; }

    // F_GETFL: access mode and status flags.
    u32 flags() const { return m_flags.load(std::memory_order_relaxed); }
    // F_SETFL: changes the kSettableFlags bits, ignores the rest.
    void set_status_flags(u32 flags);
    bool is_path_only() const { return flags() & O_PATH; }
    bool is_readable() const;
    bool is_writable() const;
    bool is_nonblocking() const { return flags() & O_NONBLOCK; }

    ErrorOr<usize> read(IoBuffer& buffer, usize count);
    ErrorOr<usize> write(IoBuffer const& buffer, usize count);
    // EINVAL for a negative offset, ESPIPE when not seekable.
    ErrorOr<usize> pread(IoBuffer& buffer, usize count, i64 offset);
    ErrorOr<usize> pwrite(IoBuffer const& buffer, usize count, i64 offset);
    ErrorOr<u64> seek(i64 offset, int whence);
    u64 offset() const;

    // getdents64: as many linux_dirent64 records as fit in `size` bytes of
    // `buffer`; 0 at the end; EINVAL when not even the next one fits;
    // ENOTDIR when this is not a directory.
    ErrorOr<usize> read_directory(IoBuffer& buffer, usize size);

    ErrorOr<long> ioctl(u32 request, u64 argument);
    u32 poll();
    // ftruncate: EINVAL unless a regular file opened for writing.
    ErrorOr<void> truncate(u64 length);

    // epoll items watching this description (fs/epoll.h). It holds no
    // reference to us: our destructor first calls s_release_watches, which
    // takes every item off before anything here goes. The count is the
    // last thing epoll touches when it unlinks an item itself, so a zero
    // count means nobody will touch this description again.
    struct Watch {
        IntrusiveListNode node;
        void* owner { nullptr };
    };
    IntrusiveList<Watch, &Watch::node> watches;
    std::atomic<u32> watch_count { 0 };
    static inline void (*s_release_watches)(OpenFile&) = nullptr;

private:
    OpenFile(RefPtr<FileOperations> operations, Location location, u32 flags, Credentials const& credentials);
    ErrorOr<void> check_io(bool writing) const;
    void after_write();

    RefPtr<FileOperations> m_operations;
    Location m_location;
    Credentials m_credentials;
    std::atomic<u32> m_flags;
    mutable FsLock m_position_lock { "file position" };
    u64 m_offset { 0 };
};

}
