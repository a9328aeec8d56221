// Terminals (CONCEPTS A7, issue 5's terminal work): a Tty is one terminal -
// a line discipline (tty/line_discipline.h) between a driver's bytes and
// the processes that read, write and ioctl its device files - plus what
// Linux keeps in a tty_struct: the window size, the foreground process
// group and the session.
//
// Input: a driver's interrupt handler calls receive_from_interrupt(),
// which only queues the byte in a small spinlock-protected ring and wakes
// the terminal's input worker (a kernel process, "ktty"), which runs the
// line discipline in thread context: echo goes out at once, readers are
// woken, and ^C/^\/^Z reach tty::hooks::signal_foreground_group with no
// lock held (Linux does the same from its flip-buffer work item).
//
// Reading blocks on a condition variable until a line (canonical) or
// VMIN bytes / VTIME (non-canonical) as termios(3) describes; O_NONBLOCK
// gives EAGAIN, a signal EINTR (which the signal code restarts under
// SA_RESTART, as Linux's ERESTARTSYS). Every change of readiness calls
// the terminal's PollHead::notify() (fs/vfs/poll_waiters.h), which runs
// epoll's hooks and wakes poll() and select(). Writing runs OPOST processing in chunks, each written
// to the driver under the terminal mutex, never a spinlock held across a
// large write.
//
// Devices: a TtyDevice is one device number (/dev/console, /dev/tty1...)
// that serves a Tty; several may serve the same one
// (tty/console_tty.cpp).
//
// Locking, in order: the reader mutex or the writer mutex (one reader and
// one writer at a time, as Linux's atomic_read_lock/atomic_write_lock),
// then the terminal mutex (line discipline, window size, groups), then the
// driver's own output lock. The input ring's spinlock is a leaf.
//
// Not yet (issue 5's job control): hang-up (SIGHUP, EIO after it),
// SIGTTIN/SIGTTOU for background groups, TIOCSCTTY/TIOCSPGRP checked
// against the caller's session, /dev/tty resolved per session.
#pragma once

#include <arch/x86_64/spinlock.h>
#include <fs/vfs/char_device.h>
#include <fs/vfs/poll_waiters.h>
#include <lib/error_or.h>
#include <sched/condition_variable.h>
#include <sched/mutex.h>
#include <sched/wait_queue.h>
#include <tty/line_discipline.h>
#include <tty/termios.h>

namespace vfs {
class OpenFile;
}

namespace tty {

// The hardware side of a terminal.
class TtyDriver {
public:
    // Bytes the line discipline already processed (OPOST), to show.
    // Thread context, with the terminal mutex held.
    virtual void write_output(u8 const* bytes, usize count) = 0;
    // The first open of any of the terminal's devices (the console takes
    // over the keyboard and serial input then).
    virtual void first_open() { }

protected:
    ~TtyDriver() = default;
};

class Tty {
public:
    Tty(const char* name, TtyDriver& driver, LinuxWinsize window_size);
    Tty(Tty const&) = delete;
    Tty& operator=(Tty const&) = delete;

    const char* name() const { return m_name; }

    // -- input --
    // From interrupt handlers (any CPU): queues the byte for the input worker.
    void receive_from_interrupt(u8 c);
    // Thread context: runs the line discipline over `bytes` now (the input
    // worker; pseudo-terminal masters later; the self-tests).
    void receive(u8 const* bytes, usize count);
    // Starts the kernel process that drains receive_from_interrupt()'s
    // queue. Needs the process manager (after process::init()).
    ErrorOr<void> start_input_worker();
    // Bytes the interrupt queue had no room for.
    u64 dropped_input_count();

    // -- what its devices do --
    ErrorOr<usize> read(IoBuffer& buffer, usize count, bool nonblocking);
    ErrorOr<usize> write(IoBuffer const& buffer, usize count);
    ErrorOr<long> ioctl(vfs::OpenFile& file, u32 request, u64 argument);
    u32 poll();
    // epoll's hook list (fs/vfs/poll_waiters.h): notified wherever poll()'s
    // answer may change.
    poll_waiters::PollHead& poll_head() { return m_poll_head; }
    void opened();

    // -- the ioctls' work, for kernel callers --
    enum class When {
        Now,   // TCSETS
        Drain, // TCSETSW: after the output drained (writes are synchronous)
        Flush, // TCSETSF: also drops unread input
    };
    LinuxTermios termios();
    void set_termios(LinuxTermios const& termios, When when);
    LinuxWinsize window_size();
    // TIOCSWINSZ: SIGWINCH to the foreground group when the size changed.
    void set_window_size(LinuxWinsize const& size);
    // 0 until TIOCSPGRP/TIOCSCTTY set one.
    i32 foreground_group();
    void set_foreground_group(i32 pgid);
    i32 session();
    void set_session(i32 sid, i32 pgid);
    // TCFLSH (TCIFLUSH, TCOFLUSH, TCIOFLUSH); EINVAL otherwise.
    ErrorOr<void> flush(int queue);
    // TCXONC (TCOOFF, TCOON, TCIOFF, TCION); EINVAL otherwise.
    ErrorOr<void> flow(int action);
    // FIONREAD.
    usize input_count();

private:
    static constexpr usize kInputRingSize = 1024;
    static constexpr usize kChunk = 128;

    static void input_worker_main(void* tty);
    // Writes the line discipline's pending echo to the driver.
    void drain_echo(MutexLocker&);

    const char* m_name;
    TtyDriver& m_driver;

    Mutex m_read_lock { "tty read" };
    Mutex m_write_lock { "tty write" };
    Mutex m_lock { "tty" };
    ConditionVariable m_readable { "tty readable" };
    ConditionVariable m_output_started { "tty output started" };
    poll_waiters::PollHead m_poll_head;
    // Guarded by m_lock:
    LineDiscipline m_ldisc;
    LinuxWinsize m_window_size;
    i32 m_foreground_group { 0 };
    i32 m_session { 0 };
    bool m_opened { false };

    // The interrupt-side queue.
    Spinlock m_input_lock { "tty input" };
    WaitQueue m_input_wait;
    u8 m_input_ring[kInputRingSize];
    usize m_input_head { 0 };
    usize m_input_tail { 0 };
    u64 m_input_dropped { 0 };
};

// One device number serving a Tty.
class TtyDevice final : public vfs::CharDevice {
public:
    TtyDevice(u32 major, u32 minor, StringView name, Tty& tty)
        : CharDevice(major, minor, name)
        , m_tty(tty)
    {
    }

    Tty& tty() { return m_tty; }

    ErrorOr<RefPtr<vfs::FileOperations>> open(u32 flags) override;
    ErrorOr<usize> read(vfs::OpenFile&, IoBuffer&, usize count, u64& offset) override;
    ErrorOr<usize> write(vfs::OpenFile&, IoBuffer const&, usize count, u64& offset) override;
    ErrorOr<long> ioctl(vfs::OpenFile&, u32 request, u64 argument) override;
    u32 poll(vfs::OpenFile&) override;
    poll_waiters::PollHead* poll_head(vfs::OpenFile&) override { return &m_tty.poll_head(); }

private:
    Tty& m_tty;
};

}
