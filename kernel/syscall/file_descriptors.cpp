// The descriptor calls (CONCEPTS F4): close, dup, dup2, dup3, fcntl and
// close_range, on the process's FdTable (fs/vfs/fd_table.h), and the
// record locks of fcntl (F_GETLK/F_SETLK/F_SETLKW and the open file
// description locks F_OFD_*), which live here.
//
// Record locks (Linux's fs/locks.c, POSIX semantics):
//  - A lock covers a byte range of an inode, shared (F_RDLCK) or exclusive
//    (F_WRLCK). Two locks conflict when their ranges overlap, at least one
//    is exclusive, and they have different owners.
//  - The owner of a POSIX lock is the process: its own locks never
//    conflict with each other, a new one replaces (splitting or merging)
//    whatever the process held on that range, and closing *any*
//    descriptor of the inode releases all of the process's locks on it.
//    The owner of an OFD lock is the open file description; its locks go
//    with the description's last close. POSIX and OFD locks conflict.
//  - F_SETLK fails with EAGAIN on a conflict; F_SETLKW waits, and fails
//    with EDEADLK when the owner it would wait for is itself waiting
//    (through a chain) for the caller (POSIX locks only, as Linux).
//  - Release points covered here: close, dup2/dup3 over an open
//    descriptor, close_range. exit() and execve's close-on-exec close
//    descriptors through FdTable directly, so a lock record holds a
//    reference to its owner (the Process, or the OpenFile): the owner's
//    address stays unique while it has locks, and a lock whose process
//    has exited, or whose description nothing but lock records still
//    references, is found stale and dropped the first time anyone looks
//    at that inode's locks (is_stale_locked). The process manager may
//    call file_locks::release_process() on exit to drop them at once.
//
// Lock order: the file-lock mutex, then (dropping the last reference to
// an OpenFile whose OFD locks go) whatever that last close takes: a pipe
// end's mutex. Nothing here is called with a pipe's mutex held.
#include <atomic>
#include <fs/vfs/abi.h>
#include <fs/vfs/fd_table.h>
#include <fs/vfs/open_file.h>
#include <ipc/pipe.h>
#include <lib/intrusive_list.h>
#include <lib/log.h>
#include <proc/current.h>
#include <sched/clock.h>
#include <sched/condition_variable.h>
#include <sched/mutex.h>
#include <syscall/file_locks.h>
#include <syscall/syscall.h>

namespace {

// fcntl commands (asm-generic/fcntl.h, linux/fcntl.h).
constexpr int kFDupfd = 0;
constexpr int kFGetfd = 1;
constexpr int kFSetfd = 2;
constexpr int kFGetfl = 3;
constexpr int kFSetfl = 4;
constexpr int kFGetlk = 5;
constexpr int kFSetlk = 6;
constexpr int kFSetlkw = 7;
constexpr int kFGetown = 9;
constexpr int kFOfdGetlk = 36;
constexpr int kFOfdSetlk = 37;
constexpr int kFOfdSetlkw = 38;
constexpr int kFGetlease = 1025;
constexpr int kFDupfdQuery = 1027;
constexpr int kFDupfdCloexec = 1030;
constexpr int kFSetpipeSz = 1031;
constexpr int kFGetpipeSz = 1032;
constexpr int kFAddSeals = 1033;
constexpr int kFGetSeals = 1034;

// l_type values.
constexpr i16 kFRdlck = 0;
constexpr i16 kFWrlck = 1;
constexpr i16 kFUnlck = 2;

// close_range flags.
constexpr u32 kCloseRangeUnshare = 1u << 1;
constexpr u32 kCloseRangeCloexec = 1u << 2;

// struct flock of x86-64 Linux: 32 bytes.
struct LinuxFlock {
    i16 type;
    i16 whence;
    i64 start;
    i64 length;
    i32 pid;
};
static_assert(sizeof(LinuxFlock) == 32);
static_assert(__builtin_offsetof(LinuxFlock, start) == 8);
static_assert(__builtin_offsetof(LinuxFlock, pid) == 24);

// OFFSET_MAX: the last byte a lock can cover ("to end of file").
constexpr u64 kOffsetMax = 0x7fffffffffffffffull;

// A blocking F_SETLKW wait ends with EINTR when a signal is pending or the
// process exits (the signal code restarts it under SA_RESTART).
bool signal_pending()
{
    return current::interrupted();
}

// Logs an fcntl command nobody implements, once per command.
void note_unsupported(int command)
{
    static std::atomic<int> s_logged[8] {};
    for (auto& slot : s_logged) {
        int seen = slot.load(std::memory_order_relaxed);
        if (seen == command + 1)
            return;
        if (seen == 0 && slot.compare_exchange_strong(seen, command + 1)) {
            log_info("fcntl: command %d is not supported (EINVAL)", command);
            return;
        }
    }
}

}

namespace file_locks {

namespace {

// Who holds a lock. The record keeps its owner alive (a reference to the
// Process or the OpenFile), so an owner's address can never be reused by
// another while one of its locks exists, and whether the owner is gone can
// always be asked (is_stale_locked).
struct Owner {
    void const* key { nullptr }; // the Process (POSIX) or the OpenFile (OFD, flock)
    bool ofd { false };
    // flock(2)'s whole-file locks: owned by the open file description like
    // OFD locks, but a separate kind that never conflicts with record
    // locks (as on Linux).
    bool bsd { false };

    bool operator==(Owner const& other) const { return key == other.key && bsd == other.bsd; }
};

struct FileLock {
    FileLock() = default;
    FileLock(FileLock const&) = delete;
    FileLock& operator=(FileLock const&) = delete;
    ~FileLock()
    {
        if (process)
            process->unref();
    }

    // Takes the references that keep `owner` alive.
    void set_owner(Owner const& new_owner, Process* owning_process, vfs::OpenFile* owning_file)
    {
        owner = new_owner;
        pid = owning_process->pid();
        if (new_owner.ofd) {
            file = RefPtr<vfs::OpenFile>(owning_file);
        } else {
            owning_process->ref();
            process = owning_process;
        }
    }
    void copy_owner(FileLock const& other)
    {
        owner = other.owner;
        pid = other.pid;
        file = other.file;
        if (other.process) {
            other.process->ref();
            process = other.process;
        }
    }

    bool overlaps(u64 other_start, u64 other_end) const { return start <= other_end && other_start <= end; }
    // Overlapping or touching (so two equal locks merge into one).
    bool touches(u64 other_start, u64 other_end) const
    {
        bool reaches_left = end == kOffsetMax || end + 1 >= other_start;
        bool reaches_right = other_end == kOffsetMax || start <= other_end + 1;
        return reaches_left && reaches_right;
    }

    Owner owner;
    pid_t pid { 0 };                // the process that set it (F_GETLK's l_pid)
    Process* process { nullptr };   // POSIX: a reference
    RefPtr<vfs::OpenFile> file;     // OFD: a reference
    i16 type { kFRdlck };
    u64 start { 0 };
    u64 end { 0 }; // inclusive; kOffsetMax = to end of file
    IntrusiveListNode node;
};
using LockList = IntrusiveList<FileLock, &FileLock::node>;

struct LockedInode {
    RefPtr<vfs::Inode> inode;
    LockList locks;
    IntrusiveListNode node;
};

// An F_SETLKW caller asleep, and whose lock it waits for (deadlock check).
struct Waiter {
    Owner owner;
    Owner blocker;
    IntrusiveListNode node;
};

// A request after the l_whence/l_start/l_len arithmetic.
struct Range {
    u64 start;
    u64 end;
};

Mutex s_lock { "file locks" };
ConditionVariable s_changed { "file lock waiters" };
IntrusiveList<LockedInode, &LockedInode::node> s_inodes;
IntrusiveList<Waiter, &Waiter::node> s_waiters;
// Lock records anywhere: close() skips the lock table while it is 0.
std::atomic<u64> s_lock_count { 0 };

constexpr int kMaxDeadlockSteps = 10; // Linux's MAX_DEADLK_ITERATIONS
// An F_SETLKW waiter looks again this often: a holder that exits without
// unlocking wakes nobody (exit does not come here), and its locks are
// only found stale when looked at.
constexpr u64 kStaleRecheckNs = 50'000'000;

LockedInode* find_locked(vfs::Inode const* inode)
{
    for (auto& entry : s_inodes) {
        if (entry.inode.ptr() == inode)
            return &entry;
    }
    return nullptr;
}

// Dropping the owner's references may run an OpenFile's last close (a
// pipe end detaching: it takes the pipe's mutex, which never takes this
// one) or free a dead Process; both are fine under s_lock.
void delete_lock(LockList& list, FileLock& lock)
{
    list.remove(lock);
    delete &lock;
    s_lock_count.fetch_sub(1, std::memory_order_relaxed);
}

void forget_if_empty(LockedInode& entry)
{
    if (!entry.locks.is_empty())
        return;
    s_inodes.remove(entry);
    delete &entry;
}

// Removes `owner`'s locks on one inode (all of them for a null inode);
// true if any went.
bool remove_owner_locked(Owner const& owner, vfs::Inode const* inode)
{
    bool removed = false;
    for (auto& entry : s_inodes.removal_safe()) {
        if (inode && entry.inode.ptr() != inode)
            continue;
        for (auto& lock : entry.locks.removal_safe()) {
            if (lock.owner == owner) {
                delete_lock(entry.locks, lock);
                removed = true;
            }
        }
        forget_if_empty(entry);
    }
    return removed;
}

void release(Owner const& owner, vfs::Inode const* inode)
{
    if (s_lock_count.load(std::memory_order_relaxed) == 0)
        return;
    bool removed;
    {
        MutexLocker locker(s_lock);
        removed = remove_owner_locked(owner, inode);
    }
    if (removed)
        s_changed.notify_all();
}

// The lock records (OFD and flock) that hold a reference to `file`.
u32 records_of_locked(vfs::OpenFile const* file)
{
    u32 count = 0;
    for (auto const& entry : s_inodes) {
        for (auto const& lock : entry.locks) {
            if (lock.file.ptr() == file)
                ++count;
        }
    }
    return count;
}

// An owner that is gone: a process that exited (or is exiting), or an
// open file description only lock records still reference (its
// descriptors were closed by exit or execve, which do not come here).
bool is_stale_locked(FileLock const& lock)
{
    if (lock.process)
        return lock.process->state() != ProcessState::Live || lock.process->is_exiting();
    return lock.file && lock.file->ref_count() == records_of_locked(lock.file.ptr());
}

// Drops every lock of owners found stale among `inode`'s locks (their
// locks elsewhere go too). True if any went.
bool purge_stale_locked(vfs::Inode const* inode)
{
    bool removed = false;
    for (;;) {
        LockedInode* entry = find_locked(inode);
        if (!entry)
            return removed;
        Owner gone {};
        bool found = false;
        for (auto& lock : entry->locks) {
            if (is_stale_locked(lock)) {
                gone = lock.owner;
                found = true;
                break;
            }
        }
        if (!found)
            return removed;
        remove_owner_locked(gone, nullptr);
        removed = true;
    }
}

FileLock const* find_conflict(LockedInode const* entry, Owner const& owner, i16 type, Range range)
{
    if (!entry)
        return nullptr;
    for (auto const& lock : entry->locks) {
        if (lock.owner == owner || lock.owner.bsd != owner.bsd || !lock.overlaps(range.start, range.end))
            continue;
        if (type == kFWrlck || lock.type == kFWrlck)
            return &lock;
    }
    return nullptr;
}

// Would `owner` waiting for `blocker` close a cycle of POSIX waiters?
bool would_deadlock(Owner const& owner, Owner blocker)
{
    if (owner.ofd || blocker.ofd)
        return false;
    for (int step = 0; step < kMaxDeadlockSteps; ++step) {
        if (blocker == owner)
            return true;
        Waiter const* next = nullptr;
        for (auto const& waiter : s_waiters) {
            if (waiter.owner == blocker) {
                next = &waiter;
                break;
            }
        }
        if (!next)
            return false;
        blocker = next->blocker;
    }
    return false;
}

struct Request {
    Owner owner;
    Process* process;
    vfs::OpenFile* file;
    i16 type;
    Range range;
};

// Places the request's lock (F_UNLCK: removes) with no conflict left to
// check: merges with the owner's touching locks of the same type, cuts its
// other overlapping ones back. ENOLCK when memory for the new records runs
// out (nothing changed then). True when locks went or shrank (waiters may
// proceed).
ErrorOr<bool> apply_locked(vfs::Inode& inode, Request const& request)
{
    LockedInode* entry = find_locked(&inode);
    if (!entry && request.type == kFUnlck)
        return false;
    // Everything that may be needed, before anything changes: the new
    // lock, a piece for an old lock split in two, the inode's entry.
    FileLock* fresh = nullptr;
    FileLock* spare = new (std::nothrow) FileLock;
    if (request.type != kFUnlck)
        fresh = new (std::nothrow) FileLock;
    bool new_entry = false;
    if (!entry) {
        entry = new (std::nothrow) LockedInode;
        if (entry) {
            entry->inode = RefPtr<vfs::Inode>(&inode);
            new_entry = true;
        }
    }
    if (!spare || (request.type != kFUnlck && !fresh) || !entry) {
        delete spare;
        delete fresh;
        if (new_entry)
            delete entry;
        return Error::from_errno(ENOLCK);
    }
    if (new_entry)
        s_inodes.append(*entry);

    Range const range = request.range;
    bool changed = false;
    u64 start = range.start;
    u64 end = range.end;
    if (request.type != kFUnlck) {
        for (auto& lock : entry->locks.removal_safe()) {
            if (lock.owner == request.owner && lock.type == request.type && lock.touches(start, end)) {
                start = lock.start < start ? lock.start : start;
                end = lock.end > end ? lock.end : end;
                delete_lock(entry->locks, lock);
            }
        }
    }
    for (auto& lock : entry->locks.removal_safe()) {
        if (!(lock.owner == request.owner) || !lock.overlaps(range.start, range.end))
            continue;
        changed = true;
        if (lock.start < range.start && lock.end > range.end) {
            // At most one lock of the owner contains the range (its locks
            // never overlap), so one spare is enough.
            spare->copy_owner(lock);
            spare->type = lock.type;
            spare->start = range.end + 1;
            spare->end = lock.end;
            entry->locks.append(*spare);
            s_lock_count.fetch_add(1, std::memory_order_relaxed);
            spare = nullptr;
            lock.end = range.start - 1;
        } else if (lock.start < range.start) {
            lock.end = range.start - 1;
        } else if (lock.end > range.end) {
            lock.start = range.end + 1;
        } else {
            delete_lock(entry->locks, lock);
        }
    }
    delete spare;
    if (fresh) {
        fresh->set_owner(request.owner, request.process, request.file);
        fresh->type = request.type;
        fresh->start = start;
        fresh->end = end;
        entry->locks.append(*fresh);
        s_lock_count.fetch_add(1, std::memory_order_relaxed);
    }
    forget_if_empty(*entry);
    return changed;
}

// The l_whence/l_start/l_len arithmetic of Linux's flock_to_posix_lock.
ErrorOr<Range> range_of(LinuxFlock const& request, vfs::OpenFile& file)
{
    i64 base;
    switch (request.whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = static_cast<i64>(file.offset());
        break;
    case SEEK_END:
        base = file.inode() ? static_cast<i64>(file.inode()->size()) : 0;
        break;
    default:
        return Error::from_errno(EINVAL);
    }
    constexpr i64 kMax = static_cast<i64>(kOffsetMax);
    if (request.start > 0 && request.start > kMax - base)
        return Error::from_errno(EOVERFLOW);
    i64 start = base + request.start;
    if (start < 0)
        return Error::from_errno(EINVAL);
    i64 end;
    if (request.length > 0) {
        if (request.length - 1 > kMax - start)
            return Error::from_errno(EOVERFLOW);
        end = start + request.length - 1;
    } else if (request.length < 0) {
        if (start + request.length < 0)
            return Error::from_errno(EINVAL);
        end = start - 1;
        start += request.length;
    } else {
        end = kMax;
    }
    return Range { static_cast<u64>(start), static_cast<u64>(end) };
}

Owner owner_for(vfs::OpenFile& file, bool ofd)
{
    if (ofd)
        return Owner { &file, true };
    return Owner { &current::process(), false };
}

void describe(LinuxFlock& answer, FileLock const& lock)
{
    answer.type = lock.type;
    answer.whence = SEEK_SET;
    answer.start = static_cast<i64>(lock.start);
    answer.length = lock.end == kOffsetMax ? 0 : static_cast<i64>(lock.end - lock.start + 1);
    answer.pid = lock.owner.ofd ? -1 : lock.pid;
}

}

// F_GETLK / F_OFD_GETLK.
ErrorOr<long> get_lock(vfs::OpenFile& file, UserPtr<LinuxFlock> argument, bool ofd)
{
    LinuxFlock request = TRY(copy_from_user(argument));
    if (request.type != kFRdlck && request.type != kFWrlck)
        return Error::from_errno(EINVAL);
    if (ofd && request.pid != 0)
        return Error::from_errno(EINVAL);
    vfs::Inode* inode = file.inode();
    if (!inode)
        return Error::from_errno(EINVAL);
    Range range = TRY(range_of(request, file));
    Owner owner = owner_for(file, ofd);
    bool purged;
    {
        MutexLocker locker(s_lock);
        purged = purge_stale_locked(inode);
        FileLock const* conflict = find_conflict(find_locked(inode), owner, request.type, range);
        if (conflict)
            describe(request, *conflict);
        else
            request.type = kFUnlck;
    }
    if (purged)
        s_changed.notify_all();
    TRY(copy_to_user(argument, request));
    return 0;
}

// F_SETLK, F_SETLKW and their OFD forms.
ErrorOr<long> set_lock(vfs::OpenFile& file, UserPtr<LinuxFlock> argument, bool ofd, bool wait)
{
    LinuxFlock flock = TRY(copy_from_user(argument));
    if (ofd && flock.pid != 0)
        return Error::from_errno(EINVAL);
    switch (flock.type) {
    case kFRdlck:
        if (!file.is_readable())
            return Error::from_errno(EBADF);
        break;
    case kFWrlck:
        if (!file.is_writable())
            return Error::from_errno(EBADF);
        break;
    case kFUnlck:
        break;
    default:
        return Error::from_errno(EINVAL);
    }
    vfs::Inode* inode = file.inode();
    if (!inode)
        return Error::from_errno(EINVAL);
    Request request { owner_for(file, ofd), &current::process(), &file, flock.type, TRY(range_of(flock, file)) };

    MutexLocker locker(s_lock);
    for (;;) {
        bool purged = purge_stale_locked(inode);
        FileLock const* conflict = request.type == kFUnlck ? nullptr : find_conflict(find_locked(inode), request.owner, request.type, request.range);
        if (!conflict) {
            auto changed = apply_locked(*inode, request);
            locker.unlock();
            if (purged || (!changed.is_error() && changed.value()))
                s_changed.notify_all();
            if (changed.is_error())
                return changed.error();
            return 0;
        }
        if (!wait)
            return Error::from_errno(EAGAIN);
        Owner blocker = conflict->owner;
        if (would_deadlock(request.owner, blocker))
            return Error::from_errno(EDEADLK);
        if (signal_pending())
            return Error::from_errno(EINTR);
        Waiter me { request.owner, blocker, {} };
        s_waiters.append(me);
        (void)s_changed.wait(locker, ktime::monotonic_ns() + kStaleRecheckNs);
        s_waiters.remove(me);
    }
}

// flock(2): LOCK_SH, LOCK_EX or LOCK_UN on the whole file, LOCK_NB not
// to wait. A conversion first drops the old lock (not atomic, as on
// Linux), so two holders upgrading at once cannot deadlock.
constexpr int kLockSh = 1;
constexpr int kLockEx = 2;
constexpr int kLockNb = 4;
constexpr int kLockUn = 8;

ErrorOr<long> flock(vfs::OpenFile& file, int operation)
{
    int kind = operation & ~kLockNb;
    i16 type;
    if (kind == kLockSh)
        type = kFRdlck;
    else if (kind == kLockEx)
        type = kFWrlck;
    else if (kind == kLockUn)
        type = kFUnlck;
    else
        return Error::from_errno(EINVAL);
    vfs::Inode* inode = file.inode();
    if (!inode || file.is_path_only())
        return Error::from_errno(EBADF);
    Request request { Owner { &file, true, true }, &current::process(), &file, type, Range { 0, kOffsetMax } };
    MutexLocker locker(s_lock);
    if (type != kFUnlck && find_locked(inode)) {
        // Drop what this description holds first (the conversion).
        Request unlock = request;
        unlock.type = kFUnlck;
        if (!apply_locked(*inode, unlock).is_error())
            s_changed.notify_all();
    }
    for (;;) {
        bool purged = purge_stale_locked(inode);
        FileLock const* conflict = type == kFUnlck ? nullptr : find_conflict(find_locked(inode), request.owner, type, request.range);
        if (!conflict) {
            auto changed = apply_locked(*inode, request);
            locker.unlock();
            if (purged || (!changed.is_error() && changed.value()))
                s_changed.notify_all();
            TRY(changed);
            return 0;
        }
        if (operation & kLockNb)
            return Error::from_errno(EAGAIN); // EWOULDBLOCK
        if (signal_pending())
            return Error::from_errno(EINTR);
        (void)s_changed.wait(locker, ktime::monotonic_ns() + kStaleRecheckNs);
    }
}

// A descriptor of `file` was closed by the calling process: its POSIX
// locks on the inode go, and if nothing but our `file` reference and its
// own lock records keep the description alive (its last descriptor just
// went), so do its OFD locks.
void after_close(vfs::OpenFile& file)
{
    if (s_lock_count.load(std::memory_order_relaxed) == 0)
        return;
    bool removed = false;
    {
        MutexLocker locker(s_lock);
        if (vfs::Inode* inode = file.inode())
            removed = remove_owner_locked(Owner { &current::process(), false }, inode);
        if (file.ref_count() == 1 + records_of_locked(&file)) {
            removed = remove_owner_locked(Owner { &file, true, false }, nullptr) || removed;
            removed = remove_owner_locked(Owner { &file, true, true }, nullptr) || removed;
        }
    }
    if (removed)
        s_changed.notify_all();
}

// For the process manager (exit, execve): every POSIX lock of `process`.
// Without it they go when they next stand in someone's way.
void release_process(Process const& process)
{
    release(Owner { &process, false }, nullptr);
}

}

namespace {

// A descriptor that was closed by the call: release what closing it
// releases (record locks), then drop the caller's reference.
void closed(RefPtr<vfs::OpenFile>&& file)
{
    if (!file)
        return;
    file_locks::after_close(*file);
    file = nullptr;
}

ErrorOr<long> sys_close(int fd)
{
    vfs::FdTable& table = current::fd_table();
    RefPtr<vfs::OpenFile> file = TRY(table.get(fd));
    TRY(table.close(fd));
    closed(std::move(file));
    return 0;
}

ErrorOr<long> sys_dup(int fd)
{
    return TRY(current::fd_table().dup(fd, current::limit(rlimit::kNofile)));
}

// What dup2/dup3 replace at `new_fd` (null when it was free or is old_fd's file).
RefPtr<vfs::OpenFile> replaced_by_dup(vfs::FdTable& table, int old_fd, int new_fd)
{
    auto previous = table.get(new_fd);
    if (previous.is_error())
        return {};
    auto source = table.get(old_fd);
    if (!source.is_error() && source.value().ptr() == previous.value().ptr())
        return {};
    return previous.release_value();
}

ErrorOr<long> sys_dup2(int old_fd, int new_fd)
{
    vfs::FdTable& table = current::fd_table();
    RefPtr<vfs::OpenFile> previous = old_fd == new_fd ? RefPtr<vfs::OpenFile>() : replaced_by_dup(table, old_fd, new_fd);
    int fd = TRY(table.dup2(old_fd, new_fd, current::limit(rlimit::kNofile)));
    closed(std::move(previous));
    return fd;
}

ErrorOr<long> sys_dup3(int old_fd, int new_fd, int flags)
{
    vfs::FdTable& table = current::fd_table();
    RefPtr<vfs::OpenFile> previous = old_fd == new_fd ? RefPtr<vfs::OpenFile>() : replaced_by_dup(table, old_fd, new_fd);
    int fd = TRY(table.dup3(old_fd, new_fd, static_cast<u32>(flags), current::limit(rlimit::kNofile)));
    closed(std::move(previous));
    return fd;
}

// F_SETFL: only the settable status flags change. O_NOATIME is for the
// file's owner (or the superuser): EPERM otherwise.
ErrorOr<long> set_status_flags(vfs::OpenFile& file, u64 argument)
{
    u32 flags = static_cast<u32>(argument);
    if ((flags & O_NOATIME) && !(file.flags() & O_NOATIME)) {
        Credentials const& credentials = current::credentials();
        vfs::Inode* inode = file.inode();
        if (inode && !credentials.is_superuser() && inode->ownership().uid != credentials.euid)
            return Error::from_errno(EPERM);
    }
    file.set_status_flags(flags);
    return 0;
}

ErrorOr<long> sys_fcntl(int fd, int command, u64 argument)
{
    vfs::FdTable& table = current::fd_table();
    RefPtr<vfs::OpenFile> file = TRY(table.get(fd));
    // O_PATH descriptors allow only these (Linux's check_fcntl_cmd).
    if (file->is_path_only()) {
        switch (command) {
        case kFDupfd:
        case kFDupfdCloexec:
        case kFGetfd:
        case kFSetfd:
        case kFGetfl:
        case kFDupfdQuery:
            break;
        default:
            return Error::from_errno(EBADF);
        }
    }
    u64 limit = current::limit(rlimit::kNofile);
    switch (command) {
    case kFDupfd:
    case kFDupfdCloexec: {
        // The minimum is an unsigned long: one at or past the limit (and
        // so any "negative" one) is EINVAL.
        u64 clamped = limit < vfs::FdTable::kMaxDescriptors ? limit : vfs::FdTable::kMaxDescriptors;
        if (argument >= clamped)
            return Error::from_errno(EINVAL);
        return TRY(table.dup_from(fd, static_cast<int>(argument), command == kFDupfdCloexec, limit));
    }
    case kFDupfdQuery: {
        auto other = table.get(static_cast<int>(argument));
        if (other.is_error())
            return other.error();
        return other.value().ptr() == file.ptr() ? 1 : 0;
    }
    case kFGetfd:
        return TRY(table.descriptor_flags(fd));
    case kFSetfd:
        TRY(table.set_descriptor_flags(fd, static_cast<u32>(argument) & FD_CLOEXEC));
        return 0;
    case kFGetfl:
        return file->flags();
    case kFSetfl:
        return set_status_flags(*file, argument);
    case kFGetlk:
        return file_locks::get_lock(*file, UserPtr<LinuxFlock>(argument), false);
    case kFOfdGetlk:
        return file_locks::get_lock(*file, UserPtr<LinuxFlock>(argument), true);
    case kFSetlk:
    case kFSetlkw:
        return file_locks::set_lock(*file, UserPtr<LinuxFlock>(argument), false, command == kFSetlkw);
    case kFOfdSetlk:
    case kFOfdSetlkw:
        return file_locks::set_lock(*file, UserPtr<LinuxFlock>(argument), true, command == kFOfdSetlkw);
    case kFGetpipeSz: {
        ipc::Pipe* pipe = ipc::pipe_of(*file);
        if (!pipe)
            return Error::from_errno(EBADF);
        return static_cast<long>(pipe->capacity());
    }
    case kFSetpipeSz: {
        ipc::Pipe* pipe = ipc::pipe_of(*file);
        if (!pipe)
            return Error::from_errno(EBADF);
        // Linux takes the size as an unsigned int.
        return static_cast<long>(TRY(pipe->set_capacity(static_cast<u32>(argument), current::credentials().is_superuser())));
    }
    case kFGetown:
        // No SIGIO owner can be set (F_SETOWN is unsupported): none.
        return 0;
    case kFGetlease:
        // Leases are not supported, so no file ever has one.
        return kFUnlck;
    case kFAddSeals:
    case kFGetSeals:
        // Seals are for memfd (shmem) files only; Linux says EINVAL elsewhere.
        return Error::from_errno(EINVAL);
    default:
        // F_SETOWN(_EX), F_SETSIG, F_SETLEASE, F_NOTIFY and the rest.
        note_unsupported(command);
        return Error::from_errno(EINVAL);
    }
}

// close_range(2): closes (or with CLOSE_RANGE_CLOEXEC marks close-on-exec)
// every open descriptor in [first, last].
ErrorOr<long> sys_close_range(u32 first, u32 last, u32 flags)
{
    if (flags & ~(kCloseRangeUnshare | kCloseRangeCloexec))
        return Error::from_errno(EINVAL);
    if (first > last)
        return Error::from_errno(EINVAL);
    vfs::FdTable& table = current::fd_table();
    if ((flags & kCloseRangeUnshare) && table.ref_count() > 1) {
        // Unsharing needs the process manager to swap in a private copy
        // of the table; closing in the shared one would close the other
        // process's descriptors too.
        log_info("close_range: CLOSE_RANGE_UNSHARE of a shared descriptor table is not supported (EINVAL)");
        return Error::from_errno(EINVAL);
    }
    int highest = table.highest_open();
    if (highest < 0 || first > static_cast<u32>(highest))
        return 0;
    u32 end = last < static_cast<u32>(highest) ? last : static_cast<u32>(highest);
    for (u32 fd = first; fd <= end; ++fd) {
        int descriptor = static_cast<int>(fd);
        if (flags & kCloseRangeCloexec) {
            auto descriptor_flags = table.descriptor_flags(descriptor);
            if (!descriptor_flags.is_error())
                (void)table.set_descriptor_flags(descriptor, descriptor_flags.value() | FD_CLOEXEC);
            continue;
        }
        auto file = table.get(descriptor);
        if (file.is_error())
            continue;
        if (!table.close(descriptor).is_error())
            closed(file.release_value());
    }
    return 0;
}

}

REGISTER_SYSCALL(close, sys_close);
REGISTER_SYSCALL(dup, sys_dup);
REGISTER_SYSCALL(dup2, sys_dup2);
REGISTER_SYSCALL(dup3, sys_dup3);
REGISTER_SYSCALL(fcntl, sys_fcntl);
REGISTER_SYSCALL(close_range, sys_close_range);

ErrorOr<long> sys_flock(int fd, int operation)
{
    RefPtr<vfs::OpenFile> file = TRY(current::fd_table().get(fd));
    return file_locks::flock(*file, operation);
}
REGISTER_SYSCALL(flock, sys_flock);
