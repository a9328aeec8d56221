// Pipes and FIFOs (CONCEPTS F6): a one-way byte stream between processes,
// with Linux's semantics.
//
//  - pipe(2)/pipe2(2) make an anonymous pipe: two open file descriptions,
//    a read end and a write end, over one Pipe. Their Location is an inode
//    of the internal "pipefs" (type S_IFIFO, mode 0600, owned by the
//    creator), so fstat, fchmod and /proc see an ordinary FIFO inode; no
//    path reaches it.
//  - A FIFO made by mknod(S_IFIFO) gives every opener the same Pipe while
//    anyone has it open (vfs::set_fifo_opener). Opening for reading waits
//    for a writer and the other way round (not with O_NONBLOCK: a reader
//    then opens at once, a writer fails with ENXIO); O_RDWR never waits.
//    When the last end closes, the Pipe and any unread data go.
//
// Reading returns what is there (up to the count), waits while the pipe is
// empty and has writers, and returns 0 (end of file) once it is empty
// with no writer left. Writing waits for room; a write of at most
// kPipeBuf bytes goes in whole or not at all (never interleaved with
// other writers), a longer one may go in pieces. With no reader left a
// write fails with EPIPE (and raises SIGPIPE, see send_sigpipe below).
// O_NONBLOCK turns every wait into EAGAIN. FIONREAD reports the bytes
// buffered; poll() reports POLLIN/POLLOUT/POLLHUP/POLLERR as Linux does.
//
// Speed (pipe ping-pong is benchmarked): one mutex per pipe, held for one
// direct copy between the caller's buffer and the ring (ipc/pipe_buffer.h);
// a reader or writer wakes the other side only when it is actually
// waiting (a count kept under the mutex), after letting go of the mutex,
// so the woken thread does not sleep again on it.
//
// Callers: syscall/pipe.cpp (pipe, pipe2), syscall/file_descriptors.cpp
// (fcntl F_GETPIPE_SZ/F_SETPIPE_SZ), the VFS's open() of a FIFO.
// Kernel-only (sleeps on the scheduler's mutex and condition variables);
// the ring is host-tested on its own.
#pragma once

#include <fs/vfs/open_file.h>
#include <fs/vfs/poll_waiters.h>
#include <ipc/pipe_buffer.h>
#include <lib/error_or.h>
#include <lib/intrusive_list.h>
#include <lib/ref_counted.h>
#include <sched/condition_variable.h>
#include <sched/mutex.h>
#include <security/credentials.h>

namespace ipc {

// PIPE_BUF: writes up to this size are atomic.
constexpr usize kPipeBuf = 4096;
// /proc/sys/fs/pipe-max-size: the largest F_SETPIPE_SZ an unprivileged
// process may ask for.
constexpr usize kPipeMaxSize = 1 * MiB;
// The largest capacity anyone gets (Linux's limit is memory; ours is a
// sanity bound on one allocation).
constexpr usize kPipeHardMaxSize = 16 * MiB;

class Pipe : public RefCounted<Pipe> {
public:
    static ErrorOr<RefPtr<Pipe>> create();
    ~Pipe();

    // The calls of an end; `nonblocking` is the description's O_NONBLOCK.
    ErrorOr<usize> read(IoBuffer& buffer, usize count, bool nonblocking);
    ErrorOr<usize> write(IoBuffer const& buffer, usize count, bool nonblocking);
    // POLL* bits for an end that reads and/or writes. `hup_generation`:
    // see PipeEnd (a FIFO reader opened before any writer sees no POLLHUP).
    u32 poll(bool reads, bool writes, u64 hup_generation);
    usize bytes_available();
    // Where epoll hooks itself (fs/vfs/poll_waiters.h); state_changed()
    // notifies it.
    poll_waiters::PollHead& poll_head() { return m_poll_head; }

    usize capacity();
    // F_SETPIPE_SZ: rounds `size` up to a power-of-two number of pages
    // (at least one); returns the new capacity. EINVAL above the hard maximum,
    // EPERM above kPipeMaxSize unless `privileged`, EBUSY when more is
    // buffered than would fit.
    ErrorOr<usize> set_capacity(u64 size, bool privileged);

    // An end of an anonymous pipe joins (attach) or goes (detach).
    // attach returns the writer generation (for poll's POLLHUP rule).
    u64 attach(bool reads, bool writes);
    void detach(bool reads, bool writes);
    // A FIFO open: attach with Linux's waits for the other side. ENXIO
    // (non-blocking writer, no reader), EINVAL (access mode 3), EINTR.
    // Returns the generation for poll.
    ErrorOr<u64> attach_fifo(u32 open_flags);

private:
    friend class FifoRegistry;
    Pipe() = default;

    // The one place a pipe thread sleeps: `waiting` counts the sleepers
    // of `condition` so the other side knows whether to wake anyone.
    ErrorOr<void> wait(ConditionVariable& condition, MutexLocker& locker, u32& waiting);
    // Something became ready (data, room, a hang-up): wakes poll/select
    // sleepers (fs/vfs/poll_waiters.h). Called only on the transitions
    // that make a bit appear, so a ping-pong pays it once per round trip.
    void state_changed();

    Mutex m_lock { "pipe" };
    poll_waiters::PollHead m_poll_head;
    ConditionVariable m_readers_wait { "pipe readers" }; // data, EOF, a writer's open
    ConditionVariable m_writers_wait { "pipe writers" }; // room, no readers, a reader's open
    PipeBuffer m_buffer;
    u32 m_readers { 0 };
    u32 m_writers { 0 };
    u32 m_waiting_readers { 0 };
    u32 m_waiting_writers { 0 };
    // Opens of a read / write end so far (Linux's r_counter, w_counter):
    // a FIFO opener waits for the other one to change.
    u64 m_reader_generation { 0 };
    u64 m_writer_generation { 0 };

    // FIFOs: the inode whose pipe this is, on the registry (pipe.cpp).
    vfs::Inode const* m_fifo_inode { nullptr };

public:
    IntrusiveListNode m_fifo_node;
};

// pipe2(2): the read end and the write end of a new pipe. `flags` may hold
// O_NONBLOCK (for both descriptions); the caller handles O_CLOEXEC.
struct PipeFiles {
    RefPtr<vfs::OpenFile> read_end;
    RefPtr<vfs::OpenFile> write_end;
};
ErrorOr<PipeFiles> create_pipe(u32 flags, Credentials const& creator);

// The pipe behind an open pipe or FIFO (not an O_PATH one), or null.
Pipe* pipe_of(vfs::OpenFile const& file);

// Installs the FIFO opener (vfs::set_fifo_opener). Also done by a global
// constructor of pipe.cpp at boot, so nothing must call it; repeating it is
// harmless.
void init();

}
