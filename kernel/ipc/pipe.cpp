// Pipes and FIFOs (ipc/pipe.h): the Pipe, the FileOperations of its ends
// (PipeEnd), the pipefs that gives anonymous pipes their inodes, and the
// FIFO registry that hands every opener of one FIFO inode the same Pipe.
//
// Lock order: a Pipe's mutex, then (inside ConditionVariable) its
// spinlocks. The FIFO registry's spinlock is taken alone, never with a
// pipe's mutex, and no reference to a Pipe is dropped under it (the
// destructor takes it). The pipefs setup mutex is taken alone.
#include <atomic>
#include <fs/vfs/abi.h>
#include <fs/vfs/file_operations.h>
#include <fs/vfs/file_system.h>
#include <fs/vfs/inode.h>
#include <fs/vfs/mount.h>
#include <fs/vfs/poll_waiters.h>
#include <fs/vfs/vfs.h>
#include <ipc/pipe.h>
#include <lib/log.h>
#include <syscall/uaccess.h>

// Hooks of the signals code (proc/signals.cpp defines them; declared weak
// here so that ipc/ does not include proc/):
//  - send_sigpipe_to_current(): a write found no reader; Linux raises
//    SIGPIPE in the writer (which by default kills it) as well as
//    returning EPIPE.
//  - current_has_pending_signal(): a blocking pipe wait (read, write, FIFO
//    open) must end with EINTR when a signal arrives; the sender will
//    sched::wake() the sleeping thread, which comes back through
//    Pipe::wait() and asks this.
namespace signals {
[[gnu::weak]] void send_sigpipe_to_current();
[[gnu::weak]] bool current_has_pending_signal();
}

namespace ipc {

namespace {

// FIONREAD (asm-generic/ioctls.h).
constexpr u32 kFionread = 0x541B;
// PIPEFS_MAGIC, what statfs reports for a pipe (include/uapi/linux/magic.h).
constexpr u64 kPipefsMagic = 0x50495045;

void raise_sigpipe()
{
    if (signals::send_sigpipe_to_current)
        signals::send_sigpipe_to_current();
}

bool signal_pending()
{
    return signals::current_has_pending_signal && signals::current_has_pending_signal();
}

// ---- pipefs: inodes for anonymous pipes ----

class PipeFs final : public vfs::FileSystem {
public:
    StringView type_name() const override { return "pipefs"; }
    vfs::FileSystemStatistics statistics() const override
    {
        vfs::FileSystemStatistics statistics;
        statistics.magic = kPipefsMagic;
        return statistics;
    }
};

class PipeFsInode final : public vfs::Inode {
public:
    PipeFsInode(vfs::FileSystem& fs, u64 ino, u32 mode, vfs::Owner owner)
        : Inode(fs, ino, mode, owner, 0)
    {
    }
};

Mutex s_pipefs_setup { "pipefs setup" };
std::atomic<vfs::Mount*> s_pipefs_mount { nullptr };
vfs::MountTable* s_pipefs_mounts { nullptr };
std::atomic<u64> s_next_pipe_ino { 1 };

// The pipefs mount, made on first use and kept for good.
ErrorOr<RefPtr<vfs::Mount>> pipefs_mount()
{
    if (vfs::Mount* mount = s_pipefs_mount.load(std::memory_order_acquire))
        return RefPtr<vfs::Mount>(mount);
    MutexLocker locker(s_pipefs_setup);
    if (vfs::Mount* mount = s_pipefs_mount.load(std::memory_order_acquire))
        return RefPtr<vfs::Mount>(mount);
    auto* fs = new (std::nothrow) PipeFs;
    if (!fs)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::FileSystem> fs_ref = adopt_ref(static_cast<vfs::FileSystem*>(fs));
    auto* root = new (std::nothrow) PipeFsInode(*fs, s_next_pipe_ino.fetch_add(1), S_IFDIR | 0700, vfs::Owner { 0, 0 });
    if (!root)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::Inode> root_ref = adopt_ref(static_cast<vfs::Inode*>(root));
    if (!s_pipefs_mounts) {
        s_pipefs_mounts = new (std::nothrow) vfs::MountTable;
        if (!s_pipefs_mounts)
            return Error::from_errno(ENOMEM);
    }
    vfs::Location top = TRY(s_pipefs_mounts->mount_root(std::move(root_ref), "pipefs", 0));
    // The table keeps its own reference: the mount lives for good.
    s_pipefs_mount.store(top.mount.ptr(), std::memory_order_release);
    return std::move(top.mount);
}

// ---- the ends ----

class PipeEnd final : public vfs::FileOperations {
public:
    PipeEnd(RefPtr<Pipe> pipe, bool reads, bool writes)
        : m_pipe(std::move(pipe))
        , m_reads(reads)
        , m_writes(writes)
    {
    }
    ~PipeEnd() override
    {
        if (m_attached)
            m_pipe->detach(m_reads, m_writes);
    }

    void set_attached(u64 hup_generation)
    {
        m_attached = true;
        m_hup_generation = hup_generation;
    }
    Pipe& pipe() const { return *m_pipe; }

    ErrorOr<usize> read(vfs::OpenFile& file, IoBuffer& buffer, usize count, u64&) override
    {
        return m_pipe->read(buffer, count, file.is_nonblocking());
    }
    ErrorOr<usize> write(vfs::OpenFile& file, IoBuffer const& buffer, usize count, u64&) override
    {
        return m_pipe->write(buffer, count, file.is_nonblocking());
    }
    ErrorOr<long> ioctl(vfs::OpenFile&, u32 request, u64 argument) override
    {
        if (request != kFionread)
            return Error::from_errno(ENOTTY);
        int available = static_cast<int>(m_pipe->bytes_available());
        TRY(copy_to_user(UserPtr<int>(argument), available));
        return 0;
    }
    u32 poll(vfs::OpenFile&) override { return m_pipe->poll(m_reads, m_writes, m_hup_generation); }
    poll_waiters::PollHead* poll_head(vfs::OpenFile&) override { return &m_pipe->poll_head(); }

private:
    RefPtr<Pipe> m_pipe;
    bool m_reads;
    bool m_writes;
    bool m_attached { false };
    u64 m_hup_generation { 0 };
};

ErrorOr<RefPtr<PipeEnd>> make_end(RefPtr<Pipe> const& pipe, bool reads, bool writes)
{
    auto* end = new (std::nothrow) PipeEnd(pipe, reads, writes);
    if (!end)
        return Error::from_errno(ENOMEM);
    return adopt_ref(end);
}

}

// ---- FIFOs: one Pipe per FIFO inode while it is open ----

// A list rather than a field of the inode: FIFOs are few, and the VFS's
// Inode stays free of IPC. An entry is a Pipe whose m_fifo_inode is set;
// a Pipe whose count already reached zero may still be listed until its
// destructor unlinks it, so lookups take references with try_ref().
class FifoRegistry {
public:
    static ErrorOr<RefPtr<Pipe>> pipe_for(vfs::Inode const& inode)
    {
        if (RefPtr<Pipe> pipe = find(inode))
            return pipe;
        RefPtr<Pipe> fresh = TRY(Pipe::create());
        fresh->m_fifo_inode = &inode;
        Pipe* existing = nullptr;
        {
            SpinlockLocker locker(s_lock);
            existing = find_locked(inode);
            if (!existing)
                s_pipes.append(*fresh);
        }
        if (existing) {
            // Someone else registered one meanwhile: use theirs (the fresh
            // one goes, unlisted, when `fresh` does).
            fresh->m_fifo_inode = nullptr;
            return adopt_ref(existing);
        }
        return fresh;
    }

    static void remove(Pipe& pipe)
    {
        SpinlockLocker locker(s_lock);
        if (pipe.m_fifo_node.is_linked())
            s_pipes.remove(pipe);
    }

private:
    static RefPtr<Pipe> find(vfs::Inode const& inode)
    {
        Pipe* found;
        {
            SpinlockLocker locker(s_lock);
            found = find_locked(inode);
        }
        return found ? adopt_ref(found) : RefPtr<Pipe>();
    }
    // A referenced live pipe of `inode`, or null.
    static Pipe* find_locked(vfs::Inode const& inode)
    {
        for (auto& pipe : s_pipes) {
            if (pipe.m_fifo_inode == &inode && pipe.try_ref())
                return &pipe;
        }
        return nullptr;
    }

    static Spinlock s_lock;
    static IntrusiveList<Pipe, &Pipe::m_fifo_node> s_pipes;
};

Spinlock FifoRegistry::s_lock { "fifo registry" };
IntrusiveList<Pipe, &Pipe::m_fifo_node> FifoRegistry::s_pipes;

namespace {

ErrorOr<RefPtr<vfs::FileOperations>> open_fifo(vfs::Location const& fifo, u32 flags)
{
    u32 mode = flags & O_ACCMODE;
    if (mode == O_ACCMODE)
        return Error::from_errno(EINVAL);
    RefPtr<Pipe> pipe = TRY(FifoRegistry::pipe_for(*fifo.inode));
    RefPtr<PipeEnd> end = TRY(make_end(pipe, mode != O_WRONLY, mode != O_RDONLY));
    u64 generation = TRY(pipe->attach_fifo(flags));
    end->set_attached(generation);
    return RefPtr<vfs::FileOperations>(std::move(end));
}

struct InstallFifoOpener {
    InstallFifoOpener() { init(); }
} s_install_fifo_opener;

}

void init()
{
    vfs::set_fifo_opener(open_fifo);
}

// ---- the Pipe ----

ErrorOr<RefPtr<Pipe>> Pipe::create()
{
    auto* pipe = new (std::nothrow) Pipe;
    if (!pipe)
        return Error::from_errno(ENOMEM);
    return adopt_ref(pipe);
}

Pipe::~Pipe()
{
    if (m_fifo_inode)
        FifoRegistry::remove(*this);
}

void Pipe::state_changed()
{
    m_poll_head.notify();
}

ErrorOr<void> Pipe::wait(ConditionVariable& condition, MutexLocker& locker, u32& waiting)
{
    // A pending signal (or the process exiting) ends the wait. Linux
    // returns ERESTARTSYS here; the signal code turns our EINTR into the
    // same restart-or-EINTR decision for read, write, open... by call
    // number (proc/signal_abi.h, restart_class). A signal sent between
    // this check and the sleep is caught by its sender's second wake-up.
    if (signal_pending())
        return Error::from_errno(EINTR);
    ++waiting;
    auto waited = condition.wait(locker);
    --waiting;
    if (waited.is_error())
        return waited.error();
    if (signal_pending())
        return Error::from_errno(EINTR);
    return {};
}

ErrorOr<usize> Pipe::read(IoBuffer& buffer, usize count, bool nonblocking)
{
    if (count == 0)
        return 0;
    usize done;
    bool wake_writers;
    {
        MutexLocker locker(m_lock);
        while (m_buffer.is_empty()) {
            if (m_writers == 0)
                return 0; // end of file
            if (nonblocking)
                return Error::from_errno(EAGAIN);
            TRY(wait(m_readers_wait, locker, m_waiting_readers));
        }
        bool was_writable = m_buffer.space() >= kPipeBuf;
        done = TRY(m_buffer.read_into(buffer, 0, count));
        wake_writers = m_waiting_writers != 0;
        if (!was_writable && m_buffer.space() >= kPipeBuf)
            state_changed(); // POLLOUT for the writers' pollers
    }
    if (wake_writers)
        m_writers_wait.notify_all();
    return done;
}

ErrorOr<usize> Pipe::write(IoBuffer const& buffer, usize count, bool nonblocking)
{
    // Linux: a write of nothing succeeds even with no reader.
    if (count == 0)
        return 0;
    bool const atomic = count <= kPipeBuf;
    usize done = 0;
    bool wake_readers = false;
    ErrorOr<usize> result = usize(0);
    {
        MutexLocker locker(m_lock);
        for (;;) {
            if (m_readers == 0) {
                raise_sigpipe();
                if (done == 0)
                    result = Error::from_errno(EPIPE);
                break;
            }
            usize space = m_buffer.space();
            usize wanted = count - done;
            if (space != 0 && (!atomic || space >= wanted)) {
                bool was_empty = m_buffer.is_empty();
                auto copied = m_buffer.write_from(buffer, done, wanted);
                if (copied.is_error()) {
                    if (done == 0)
                        result = copied.error();
                    break;
                }
                usize stored = copied.value();
                done += stored;
                if (stored) {
                    wake_readers = m_waiting_readers != 0;
                    if (was_empty)
                        state_changed(); // POLLIN for the readers' pollers
                    else
                        m_poll_head.run_hooks(); // a new edge for EPOLLET watchers (nothing when none)
                }
                if (done == count)
                    break;
                if (stored < (space < wanted ? space : wanted))
                    break; // the caller's buffer faulted: report what went in
            }
            if (nonblocking) {
                if (done == 0)
                    result = Error::from_errno(EAGAIN);
                break;
            }
            // Readers sleeping on what we wrote must run before we can
            // go on, or both sides would wait for each other. Wake them
            // with the mutex released (a woken reader that runs at once
            // would only sleep again on it), then look again.
            if (wake_readers) {
                wake_readers = false;
                locker.unlock();
                m_readers_wait.notify_all();
                locker.relock();
                continue;
            }
            auto waited = wait(m_writers_wait, locker, m_waiting_writers);
            if (waited.is_error()) {
                if (done == 0)
                    result = waited.error();
                break;
            }
        }
    }
    if (wake_readers)
        m_readers_wait.notify_all();
    if (result.is_error())
        return result;
    return done;
}

u32 Pipe::poll(bool reads, bool writes, u64 hup_generation)
{
    MutexLocker locker(m_lock);
    u32 events = 0;
    if (reads) {
        if (!m_buffer.is_empty())
            events |= POLLIN | POLLRDNORM;
        if (m_writers == 0 && m_writer_generation != hup_generation)
            events |= POLLHUP;
    }
    if (writes) {
        if (m_buffer.space() >= kPipeBuf)
            events |= POLLOUT | POLLWRNORM;
        if (m_readers == 0)
            events |= POLLERR;
    }
    return events;
}

usize Pipe::bytes_available()
{
    MutexLocker locker(m_lock);
    return m_buffer.size();
}

usize Pipe::capacity()
{
    MutexLocker locker(m_lock);
    return m_buffer.capacity();
}

ErrorOr<usize> Pipe::set_capacity(u64 size, bool privileged)
{
    // Linux's round_pipe_size: less than a page (0 too) is a page.
    if (size > kPipeHardMaxSize)
        return Error::from_errno(EINVAL);
    usize capacity = PipeBuffer::kMinimumCapacity;
    while (capacity < size)
        capacity *= 2;
    if (capacity > kPipeMaxSize && !privileged)
        return Error::from_errno(EPERM);
    bool wake_writers;
    {
        MutexLocker locker(m_lock);
        TRY(m_buffer.set_capacity(capacity));
        wake_writers = m_waiting_writers != 0;
        state_changed();
    }
    if (wake_writers)
        m_writers_wait.notify_all();
    return capacity;
}

u64 Pipe::attach(bool reads, bool writes)
{
    MutexLocker locker(m_lock);
    if (reads) {
        ++m_readers;
        ++m_reader_generation;
    }
    if (writes) {
        ++m_writers;
        ++m_writer_generation;
    }
    // Linux's anonymous pipe ends start with f_version 0: POLLHUP as soon
    // as the writers are gone.
    return 0;
}

void Pipe::detach(bool reads, bool writes)
{
    bool wake_readers = false;
    bool wake_writers = false;
    {
        MutexLocker locker(m_lock);
        if (reads) {
            VERIFY(m_readers > 0);
            --m_readers;
        }
        if (writes) {
            VERIFY(m_writers > 0);
            --m_writers;
        }
        // The last reader gone: writers get EPIPE; the last writer gone:
        // readers get end of file.
        wake_writers = m_readers == 0 && m_waiting_writers != 0;
        wake_readers = m_writers == 0 && m_waiting_readers != 0;
        state_changed();
    }
    if (wake_writers)
        m_writers_wait.notify_all();
    if (wake_readers)
        m_readers_wait.notify_all();
}

ErrorOr<u64> Pipe::attach_fifo(u32 open_flags)
{
    bool const nonblocking = open_flags & O_NONBLOCK;
    u64 hup_generation = 0;
    MutexLocker locker(m_lock);
    switch (open_flags & O_ACCMODE) {
    case O_RDONLY: {
        ++m_readers;
        ++m_reader_generation;
        if (m_waiting_writers)
            m_writers_wait.notify_all();
        if (m_writers == 0) {
            if (nonblocking) {
                // No POLLHUP until a writer has come (and gone).
                hup_generation = m_writer_generation;
            } else {
                u64 seen = m_writer_generation;
                while (m_writer_generation == seen) {
                    auto waited = wait(m_readers_wait, locker, m_waiting_readers);
                    if (waited.is_error()) {
                        --m_readers;
                        if (m_readers == 0 && m_waiting_writers)
                            m_writers_wait.notify_all();
                        return waited.error();
                    }
                }
            }
        }
        break;
    }
    case O_WRONLY: {
        if (nonblocking && m_readers == 0)
            return Error::from_errno(ENXIO);
        ++m_writers;
        ++m_writer_generation;
        if (m_waiting_readers)
            m_readers_wait.notify_all();
        if (m_readers == 0) {
            u64 seen = m_reader_generation;
            while (m_reader_generation == seen) {
                auto waited = wait(m_writers_wait, locker, m_waiting_writers);
                if (waited.is_error()) {
                    --m_writers;
                    if (m_writers == 0 && m_waiting_readers)
                        m_readers_wait.notify_all();
                    return waited.error();
                }
            }
        }
        break;
    }
    case O_RDWR:
        // Linux allows it (POSIX leaves it undefined) and never waits: the
        // opener is its own partner.
        ++m_readers;
        ++m_writers;
        ++m_reader_generation;
        ++m_writer_generation;
        if (m_waiting_readers)
            m_readers_wait.notify_all();
        if (m_waiting_writers)
            m_writers_wait.notify_all();
        break;
    default:
        return Error::from_errno(EINVAL);
    }
    state_changed();
    return hup_generation;
}

// ---- pipe(2) ----

ErrorOr<PipeFiles> create_pipe(u32 flags, Credentials const& creator)
{
    RefPtr<vfs::Mount> mount = TRY(pipefs_mount());
    auto* inode = new (std::nothrow) PipeFsInode(mount->fs(), s_next_pipe_ino.fetch_add(1, std::memory_order_relaxed),
        S_IFIFO | 0600, vfs::Owner { creator.fsuid, creator.fsgid });
    if (!inode)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::Inode> inode_ref = adopt_ref(static_cast<vfs::Inode*>(inode));

    RefPtr<Pipe> pipe = TRY(Pipe::create());
    RefPtr<PipeEnd> reader = TRY(make_end(pipe, true, false));
    RefPtr<PipeEnd> writer = TRY(make_end(pipe, false, true));
    reader->set_attached(pipe->attach(true, false));
    writer->set_attached(pipe->attach(false, true));

    u32 status = flags & O_NONBLOCK;
    PipeFiles files;
    files.read_end = TRY(vfs::OpenFile::create(std::move(reader), vfs::Location { mount, inode_ref }, O_RDONLY | status, creator));
    files.write_end = TRY(vfs::OpenFile::create(std::move(writer), vfs::Location { mount, inode_ref }, O_WRONLY | status, creator));
    return files;
}

Pipe* pipe_of(vfs::OpenFile const& file)
{
    // Every open description of a FIFO-type inode that is not O_PATH is
    // served by a PipeEnd: anonymous pipes' pipefs inodes are only ever
    // opened by create_pipe, and the VFS opens FIFOs through open_fifo
    // alone (no other FIFO opener exists). So the cast is safe.
    vfs::Inode* inode = file.inode();
    if (!inode || file.is_path_only() || !vfs::is_fifo(inode->type()))
        return nullptr;
    return &static_cast<PipeEnd&>(file.operations()).pipe();
}

}
