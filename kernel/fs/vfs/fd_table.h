// FdTable: a process's file descriptors (CONCEPTS F4): small integers
// naming OpenFiles, each with its close-on-exec bit. Reference counted
// because clone(CLONE_FILES) shares one table between processes; fork
// copies it (clone()), which shares the OpenFiles and so their positions.
//
// Linux's rules: a new descriptor is the lowest free one (at or above a
// minimum for F_DUPFD); none below RLIMIT_NOFILE gives EMFILE; a number
// that names nothing gives EBADF. The limit is a parameter: the process
// manager owns the rlimit.
//
// Locking: one lock per table, never held while an OpenFile is released
// (the last close of a file runs its FileOperations::closed hook).
// Host-buildable.
#pragma once

#include <fs/vfs/fs_lock.h>
#include <fs/vfs/open_file.h>
#include <lib/error_or.h>
#include <lib/ref_counted.h>

namespace vfs {

class FdTable : public RefCounted<FdTable> {
public:
    // Linux's fs.nr_open: no table grows beyond this many descriptors.
    static constexpr u64 kMaxDescriptors = 1024 * 1024;

    static ErrorOr<RefPtr<FdTable>> create();
    ~FdTable();

    // Installs `file` at the lowest free descriptor >= `minimum` and below
    // `limit` (EMFILE when there is none).
    ErrorOr<int> allocate(RefPtr<OpenFile> file, bool close_on_exec, u64 limit, int minimum = 0);
    // The file `fd` names (EBADF).
    ErrorOr<RefPtr<OpenFile>> get(int fd) const;
    ErrorOr<void> close(int fd);

    // dup(): the lowest free descriptor, close-on-exec clear.
    ErrorOr<int> dup(int fd, u64 limit);
    // fcntl(F_DUPFD / F_DUPFD_CLOEXEC): the lowest free descriptor >=
    // `minimum` (EINVAL when `minimum` is negative or not below `limit`).
    ErrorOr<int> dup_from(int fd, int minimum, bool close_on_exec, u64 limit);
    // dup2(): `new_fd` names the same file, closing what it named; with
    // old == new only checks that it is open. EBADF for a bad `old_fd` or
    // a `new_fd` outside [0, limit).
    ErrorOr<int> dup2(int old_fd, int new_fd, u64 limit);
    // dup3(): dup2 with O_CLOEXEC in `flags`; EINVAL when old == new or
    // for any other flag.
    ErrorOr<int> dup3(int old_fd, int new_fd, u32 flags, u64 limit);

    // fcntl(F_GETFD / F_SETFD): FD_CLOEXEC.
    ErrorOr<u32> descriptor_flags(int fd) const;
    ErrorOr<void> set_descriptor_flags(int fd, u32 flags);

    // A copy for fork(): the same OpenFiles at the same numbers.
    ErrorOr<RefPtr<FdTable>> clone() const;
    // execve(): closes every close-on-exec descriptor.
    void close_on_exec();
    // exit(): closes everything.
    void close_all();

    usize open_count() const;
    // The highest open descriptor, or -1 (for /proc/<pid>/fd and close_range).
    int highest_open() const;

private:
    struct Slot {
        OpenFile* file { nullptr }; // one reference, owned by the table
        bool close_on_exec { false };
    };

    FdTable() = default;
    // Makes room for descriptor `fd` (growing without the lock held).
    ErrorOr<void> reserve(u64 fd);
    bool is_open_locked(int fd) const { return fd >= 0 && static_cast<u64>(fd) < m_capacity && m_slots[fd].file; }
    template<typename Predicate>
    void close_where(Predicate predicate);

    mutable FsLock m_lock { "fd table" };
    Slot* m_slots { nullptr };
    u64 m_capacity { 0 };
    usize m_open { 0 };
};

}
