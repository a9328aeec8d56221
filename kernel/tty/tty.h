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
// driver's own output lock. The input ring's spinlock is a leaf. The job
// control checks (which take the process lock) run with the reader or
// writer mutex held but never the terminal mutex; a hang-up may come with
// the process lock held (a master closed by an exit) and takes only the
// terminal mutex.
//
// Job control (tty/job_control.h): a terminal is the controlling terminal
// of at most one session (m_session); a background group that reads it
// gets SIGTTIN, one that writes with TOSTOP or changes its settings
// SIGTTOU; TIOCSCTTY, TIOCNOTTY and TIOCSPGRP follow Linux's rules. A
// hang-up (the master of a pseudo-terminal closed, tty/pty.h) ends the
// session's hold: reads then return end of file, writes EIO.
//
// Drivers whose output can fill (a pty master nobody reads) say how much
// room they have; writers wait for output_room_changed().
#pragma once

#include <arch/x86_64/spinlock.h>
#include <fs/vfs/char_device.h>
#include <fs/vfs/poll_waiters.h>
#include <lib/error_or.h>
#include <lib/intrusive_list.h>
#include <lib/ref_counted.h>
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
    // Output bytes write_output() takes now; writers wait while it is
    // below kMinimumRoom. Called with the terminal mutex held.
    virtual usize output_room() { return ~usize(0); }
    // What opening /dev/tty gives when this is the caller's controlling
    // terminal (called with the terminal registry locked,
    // tty/job_control.h).
    virtual ErrorOr<RefPtr<vfs::FileOperations>> open_as_controlling(u32 flags);
    // The device number /proc/<pid>/stat shows as tty_nr for this
    // terminal (major, minor); (0, 0): none.
    virtual void device_number(u32& major, u32& minor) const
    {
        major = 0;
        minor = 0;
    }

protected:
    ~TtyDriver() = default;
};

class Tty {
public:
    // A driver must take at least this much output (one expanded tab).
    static constexpr usize kMinimumRoom = 8;

    Tty(const char* name, TtyDriver& driver, LinuxWinsize window_size);
    Tty(Tty const&) = delete;
    Tty& operator=(Tty const&) = delete;

    const char* name() const { return m_name; }

    // -- input --
    // From interrupt handlers (any CPU): queues the byte for the input worker.
    void receive_from_interrupt(u8 c);
    // Thread context: runs the line discipline over `bytes` now (the input
    // worker; a pseudo-terminal master's writes; the self-tests).
    void receive(u8 const* bytes, usize count);
    // Starts the kernel process that drains receive_from_interrupt()'s
    // queue. Needs the process manager (after process::init()).
    ErrorOr<void> start_input_worker();
    // Bytes the interrupt queue had no room for.
    u64 dropped_input_count();

    // -- what its devices do --
    // `as_master`: a pty master reaching its slave's settings: never the
    // caller's controlling terminal, so no job-control checks.
    ErrorOr<usize> read(IoBuffer& buffer, usize count, bool nonblocking);
    ErrorOr<usize> write(IoBuffer const& buffer, usize count, bool nonblocking = false);
    ErrorOr<long> ioctl(vfs::OpenFile& file, u32 request, u64 argument, bool as_master = false);
    u32 poll();
    // epoll's hook list (fs/vfs/poll_waiters.h): notified wherever poll()'s
    // answer may change.
    poll_waiters::PollHead& poll_head() { return m_poll_head; }
    void opened();
    // An open of one of its devices without O_NOCTTY by a session leader
    // without a controlling terminal makes it that (tty/job_control.h).
    void opened_by_current(u32 flags);

    // -- hang-up and the driver's side --
    // The other end went away: readers see end of file, writers EIO, the
    // session loses it (SIGHUP and SIGCONT to its controlling process and
    // foreground group). Thread context, no terminal lock held; may be
    // called with the process lock held.
    void hang_up();
    bool is_hung_up();
    // The driver's output room grew: writers may go on.
    void output_room_changed();

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
    // The session it is the controlling terminal of (0: none).
    i32 session();
    void set_session(i32 sid, i32 pgid);
    // Leaves its session (session 0, no foreground group); returns the
    // session and group it had.
    void disassociate(i32& sid, i32& pgid);
    // TCFLSH (TCIFLUSH, TCOFLUSH, TCIOFLUSH); EINVAL otherwise.
    ErrorOr<void> flush(int queue);
    // TCXONC (TCOOFF, TCOON, TCIOFF, TCION); EINVAL otherwise.
    ErrorOr<void> flow(int action);
    // FIONREAD.
    usize input_count();

private:
    static constexpr usize kInputRingSize = 1024;
    static constexpr usize kChunk = 128;

    friend class TerminalRegistry; // tty/job_control.cpp: m_registry_node

    static void input_worker_main(void* tty);
    // Writes the line discipline's pending echo to the driver.
    void drain_echo(MutexLocker&);
    // Whether the calling process has this terminal as its controlling
    // terminal and is outside its foreground group (m_lock held).
    bool current_is_in_background_locked();

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
    bool m_hung_up { false };
    ConditionVariable m_output_room { "tty output room" };
    IntrusiveListNode m_registry_node;

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

    // `may_become_controlling`: false for /dev/console, which Linux never
    // makes a controlling terminal on open (only TIOCSCTTY does).
    TtyDevice(u32 major, u32 minor, StringView name, Tty& tty, bool may_become_controlling)
        : CharDevice(major, minor, name)
        , m_tty(tty)
        , m_may_become_controlling(may_become_controlling)
    {
    }

    ErrorOr<RefPtr<vfs::FileOperations>> open(u32 flags) override;
    ErrorOr<usize> read(vfs::OpenFile&, IoBuffer&, usize count, u64& offset) override;
    ErrorOr<usize> write(vfs::OpenFile&, IoBuffer const&, usize count, u64& offset) override;
    ErrorOr<long> ioctl(vfs::OpenFile&, u32 request, u64 argument) override;
    u32 poll(vfs::OpenFile&) override;
    poll_waiters::PollHead* poll_head(vfs::OpenFile&) override { return &m_tty.poll_head(); }

private:
    Tty& m_tty;
    bool m_may_become_controlling { true };
};

}
