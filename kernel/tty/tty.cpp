// Terminals: the Tty's input worker, blocking reads, chunked writes and
// the terminal ioctls (tty/tty.h). Lock order: reader or writer mutex ->
// m_lock -> the driver's output lock; m_input_lock is a leaf.
#include <fs/vfs/abi.h>
#include <fs/vfs/open_file.h>
#include <fs/vfs/poll_waiters.h>
#include <lib/log.h>
#include <proc/current.h>
#include <proc/process.h>
#include <sched/clock.h>
#include <syscall/uaccess.h>
#include <tty/job_control.h>
#include <tty/tty.h>
#include <tty/tty_hooks.h>

namespace tty {

namespace {

constexpr u64 kDecisecondNs = 100'000'000;
constexpr int kSigTtin = 21;
constexpr int kSigTtou = 22;

usize min(usize a, usize b) { return a < b ? a : b; }

template<typename T>
ErrorOr<void> put_user(u64 address, T const& value) { return copy_to_user(address, &value, sizeof(T)); }
template<typename T>
ErrorOr<T> get_user(u64 address)
{
    T value;
    TRY(copy_from_user(&value, address, sizeof(T)));
    return value;
}

}

Tty::Tty(const char* name, TtyDriver& driver, LinuxWinsize window_size)
    : m_name(name)
    , m_driver(driver)
    , m_window_size(window_size)
{
}

// -- input --

void Tty::receive_from_interrupt(u8 c)
{
    SpinlockLocker locker(m_input_lock);
    if (m_input_head - m_input_tail >= kInputRingSize) {
        ++m_input_dropped;
        return;
    }
    m_input_ring[m_input_head++ % kInputRingSize] = c;
    m_input_wait.wake_one();
}

u64 Tty::dropped_input_count()
{
    SpinlockLocker locker(m_input_lock);
    return m_input_dropped;
}

void Tty::input_worker_main(void* argument)
{
    auto& tty = *static_cast<Tty*>(argument);
    for (;;) {
        u8 batch[64];
        usize count = 0;
        {
            SpinlockLocker locker(tty.m_input_lock);
            (void)tty.m_input_wait.wait_until(locker, [&] { return tty.m_input_head != tty.m_input_tail; });
            while (count < sizeof(batch) && tty.m_input_tail != tty.m_input_head)
                batch[count++] = tty.m_input_ring[tty.m_input_tail++ % kInputRingSize];
        }
        tty.receive(batch, count);
    }
}

ErrorOr<void> Tty::start_input_worker()
{
    TRY(process::spawn_kernel_process("ktty", input_worker_main, this));
    return {};
}

void Tty::receive(u8 const* bytes, usize count)
{
    usize i = 0;
    while (i < count) {
        int signal = 0;
        i32 group = 0;
        {
            MutexLocker locker(m_lock);
            bool readable = false;
            bool started = false;
            while (i < count) {
                auto result = m_ldisc.receive(bytes[i++]);
                readable |= result.readable;
                started |= result.output_started;
                if (result.signal) {
                    signal = result.signal;
                    group = m_foreground_group;
                    break; // send it before the bytes typed after it
                }
            }
            drain_echo(locker);
            if (readable)
                m_readable.notify_all();
            if (started)
                m_output_started.notify_all();
            // poll()/select() rescan: data came, or ^C took it away.
            if (readable || started || signal)
                m_poll_head.notify();
        }
        // Outside the terminal's lock: the process manager takes its own.
        if (signal && group > 0)
            hooks::signal_foreground_group(group, signal);
    }
}

void Tty::drain_echo(MutexLocker&)
{
    u8 chunk[kChunk];
    while (usize count = m_ldisc.take_echo(chunk, sizeof(chunk)))
        m_driver.write_output(chunk, count);
}

// -- reading and writing --

ErrorOr<usize> Tty::read(IoBuffer& buffer, usize count, bool nonblocking)
{
    if (count == 0)
        return usize(0);
    MutexLocker reader(m_read_lock);
    // A background group's read stops it (SIGTTIN) or fails.
    TRY(check_background(*this, kSigTtin));
    MutexLocker locker(m_lock);
    if (m_hung_up)
        return usize(0);

    // termios(3): in non-canonical mode VMIN > 0 waits for that many bytes,
    // with VTIME > 0 as a timer between bytes (started by the first);
    // VMIN == 0 returns what is there, waiting at most VTIME for a byte.
    usize minimum = 0;
    u64 inter_byte_ns = 0;
    u64 deadline = 0; // 0: none
    bool wait_at_all = true;
    if (!m_ldisc.is_canonical()) {
        auto const& t = m_ldisc.termios();
        if (t.c_cc[VMIN]) {
            minimum = t.c_cc[VMIN];
            inter_byte_ns = t.c_cc[VTIME] * kDecisecondNs;
        } else {
            minimum = 1;
            if (t.c_cc[VTIME])
                deadline = ktime::monotonic_ns() + t.c_cc[VTIME] * kDecisecondNs;
            else
                wait_at_all = false;
        }
    }

    u8 chunk[kChunk];
    usize done = 0;
    for (;;) {
        if (!m_ldisc.input_available()) {
            if (!wait_at_all)
                break;
            if (deadline && ktime::monotonic_ns() >= deadline)
                break;
            if (nonblocking) {
                if (done)
                    break;
                return Error::from_errno(EAGAIN);
            }
            // A signal ends the wait (EINTR: restarted under SA_RESTART,
            // as Linux's ERESTARTSYS); the sender's wake-up gets us here.
            if (current::interrupted()) {
                if (done)
                    break;
                return Error::from_errno(EINTR);
            }
            // ETIMEDOUT is seen as the deadline above on the next turn.
            (void)m_readable.wait(locker, deadline);
            if (m_hung_up)
                break;
            // Put in the background while it waited: EINTR restarts the
            // read, whose check then sends SIGTTIN.
            if (current_is_in_background_locked()) {
                if (done)
                    break;
                return Error::from_errno(EINTR);
            }
            continue;
        }

        usize length;
        bool finished;
        if (m_ldisc.is_canonical()) {
            auto line = m_ldisc.read_canonical(chunk, min(sizeof(chunk), count - done));
            if (line.eof_push)
                continue; // a ^D after a partly read line: not an end of file
            length = line.count;
            // A line longer than the chunk is finished on the next turns.
            finished = line.line_done;
        } else {
            length = m_ldisc.read_raw(chunk, min(sizeof(chunk), count - done));
            finished = false;
        }
        if (length) {
            auto copied = buffer.write_bytes(done, chunk, length);
            if (copied.is_error())
                return done ? ErrorOr<usize>(done) : ErrorOr<usize>(copied.error());
            done += length;
        }
        if (finished || done == count)
            break;
        if (!m_ldisc.is_canonical()) {
            if (done >= minimum)
                break;
            if (inter_byte_ns)
                deadline = ktime::monotonic_ns() + inter_byte_ns;
        }
    }
    return done;
}

ErrorOr<usize> Tty::write(IoBuffer const& buffer, usize count, bool nonblocking)
{
    MutexLocker writer(m_write_lock);
    bool tostop;
    {
        MutexLocker locker(m_lock);
        if (m_hung_up)
            return Error::from_errno(EIO);
        tostop = m_ldisc.termios().c_lflag & TOSTOP;
    }
    // TOSTOP: a background group's write stops it (SIGTTOU).
    if (tostop)
        TRY(check_background(*this, kSigTtou));
    u8 in[kChunk];
    u8 out[2 * kChunk + 8];
    usize done = 0;
    while (done < count) {
        usize length = min(sizeof(in), count - done);
        auto copied = buffer.read_bytes(done, in, length);
        if (copied.is_error())
            return done ? ErrorOr<usize>(done) : ErrorOr<usize>(copied.error());
        MutexLocker locker(m_lock);
        usize consumed = 0;
        while (consumed < length) {
            // ^S (IXON) or tcflow(TCOOFF) holds output until ^Q or TCOON;
            // a driver without room (a pty master nobody reads) until it
            // has some.
            while (!m_hung_up && (m_ldisc.output_stopped() || m_driver.output_room() < kMinimumRoom)) {
                usize so_far = done + consumed;
                if (nonblocking)
                    return so_far ? ErrorOr<usize>(so_far) : ErrorOr<usize>(Error::from_errno(EAGAIN));
                if (current::interrupted())
                    return so_far ? ErrorOr<usize>(so_far) : ErrorOr<usize>(Error::from_errno(EINTR));
                (void)m_output_started.wait(locker);
            }
            if (m_hung_up)
                return done + consumed ? ErrorOr<usize>(done + consumed) : ErrorOr<usize>(Error::from_errno(EIO));
            drain_echo(locker);
            usize room = min(m_driver.output_room(), sizeof(out));
            usize produced;
            consumed += m_ldisc.process_output(in + consumed, length - consumed, out, room, produced);
            m_driver.write_output(out, produced);
        }
        done += length;
    }
    return done;
}

u32 Tty::poll()
{
    MutexLocker locker(m_lock);
    if (m_hung_up)
        return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLERR | POLLHUP;
    u32 events = 0;
    if (m_ldisc.input_available(true))
        events |= POLLIN | POLLRDNORM;
    if (!m_ldisc.output_stopped() && m_driver.output_room() >= kMinimumRoom)
        events |= POLLOUT | POLLWRNORM;
    return events;
}

void Tty::opened()
{
    bool first;
    {
        MutexLocker locker(m_lock);
        first = !m_opened;
        m_opened = true;
    }
    if (first)
        m_driver.first_open();
}

void Tty::opened_by_current(u32 flags) { acquire_on_open(*this, flags); }

bool Tty::current_is_in_background_locked()
{
    auto* process = process::current();
    if (!process || process->is_kernel_process() || m_session <= 0 || process->session() != m_session
        || process->has_left_controlling_tty())
        return false;
    return m_foreground_group > 0 && process->process_group() != m_foreground_group;
}

// -- hang-up --

void Tty::hang_up()
{
    i32 sid;
    i32 group;
    {
        MutexLocker locker(m_lock);
        if (m_hung_up)
            return;
        m_hung_up = true;
        sid = m_session;
        group = m_foreground_group;
        m_session = 0;
        m_foreground_group = 0;
        m_readable.notify_all();
        m_output_started.notify_all();
    }
    poll_waiters::notify();
    signal_hang_up(sid, group, true);
}

bool Tty::is_hung_up()
{
    MutexLocker locker(m_lock);
    return m_hung_up;
}

void Tty::output_room_changed()
{
    {
        // A writer checks the room and starts waiting under m_lock: taking
        // it here means it either sees the new room or is woken below.
        MutexLocker locker(m_lock);
    }
    m_output_started.notify_all();
    poll_waiters::notify();
}

void Tty::disassociate(i32& sid, i32& pgid)
{
    MutexLocker locker(m_lock);
    sid = m_session;
    pgid = m_foreground_group;
    m_session = 0;
    m_foreground_group = 0;
    m_readable.notify_all();
}

// -- control --

LinuxTermios Tty::termios()
{
    MutexLocker locker(m_lock);
    return m_ldisc.termios();
}

void Tty::set_termios(LinuxTermios const& termios, When when)
{
    MutexLocker locker(m_lock);
    // Output is written synchronously, so When::Drain has nothing to wait for.
    if (when == When::Flush)
        m_ldisc.flush_input();
    m_ldisc.set_termios(termios);
    // A new mode may make waiting readers' data complete, or restart output.
    m_readable.notify_all();
    m_output_started.notify_all();
    m_poll_head.notify();
}

LinuxWinsize Tty::window_size()
{
    MutexLocker locker(m_lock);
    return m_window_size;
}

void Tty::set_window_size(LinuxWinsize const& size)
{
    i32 group;
    {
        MutexLocker locker(m_lock);
        if (size.ws_row == m_window_size.ws_row && size.ws_col == m_window_size.ws_col
            && size.ws_xpixel == m_window_size.ws_xpixel && size.ws_ypixel == m_window_size.ws_ypixel)
            return;
        m_window_size = size;
        group = m_foreground_group;
    }
    if (group > 0)
        hooks::signal_foreground_group(group, kSigWinch);
}

i32 Tty::foreground_group()
{
    MutexLocker locker(m_lock);
    return m_foreground_group;
}

void Tty::set_foreground_group(i32 pgid)
{
    MutexLocker locker(m_lock);
    m_foreground_group = pgid;
    // Readers put in the background stop waiting (and get SIGTTIN).
    m_readable.notify_all();
}

i32 Tty::session()
{
    MutexLocker locker(m_lock);
    return m_session;
}

void Tty::set_session(i32 sid, i32 pgid)
{
    MutexLocker locker(m_lock);
    m_session = sid;
    m_foreground_group = pgid;
}

ErrorOr<void> Tty::flush(int queue)
{
    if (queue != TCIFLUSH && queue != TCOFLUSH && queue != TCIOFLUSH)
        return Error::from_errno(EINVAL);
    MutexLocker locker(m_lock);
    if (queue == TCIFLUSH || queue == TCIOFLUSH)
        m_ldisc.flush_input();
    if (queue == TCOFLUSH || queue == TCIOFLUSH)
        m_ldisc.flush_echo(); // the only output not yet written
    m_poll_head.notify();
    return {};
}

ErrorOr<void> Tty::flow(int action)
{
    MutexLocker locker(m_lock);
    switch (action) {
    case TCOOFF:
        m_ldisc.stop_output();
        return {};
    case TCOON:
        m_ldisc.start_output();
        m_output_started.notify_all();
        m_poll_head.notify();
        return {};
    case TCIOFF:
    case TCION: {
        // Ask the other end to stop or resume sending.
        u8 c = m_ldisc.termios().c_cc[action == TCIOFF ? VSTOP : VSTART];
        if (c)
            m_driver.write_output(&c, 1);
        return {};
    }
    default:
        return Error::from_errno(EINVAL);
    }
}

usize Tty::input_count()
{
    MutexLocker locker(m_lock);
    return m_ldisc.readable_count();
}

ErrorOr<long> Tty::ioctl(vfs::OpenFile& file, u32 request, u64 argument, bool as_master)
{
    // Changing the terminal from the background: SIGTTOU (Linux's
    // tty_check_change). A pty master is nobody's controlling terminal.
    auto from_background = [&]() -> ErrorOr<void> {
        if (as_master)
            return {};
        return check_background(*this, kSigTtou);
    };
    // Linux answers the group and session ioctls on a terminal only to
    // the processes whose controlling terminal it is (and on a master).
    auto ours = [&] { return as_master || is_controlling_terminal_of_current(*this); };
    switch (request) {
    case TCGETS:
        TRY(put_user(argument, termios()));
        return 0;
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
        auto termios = TRY(get_user<LinuxTermios>(argument));
        TRY(from_background());
        set_termios(termios, request == TCSETS ? When::Now : request == TCSETSW ? When::Drain : When::Flush);
        return 0;
    }
    case TCGETS2: {
        LinuxTermios2 termios2 { termios(), kDefaultBaud, kDefaultBaud };
        TRY(put_user(argument, termios2));
        return 0;
    }
    case TCSETS2:
    case TCSETSW2:
    case TCSETSF2: {
        auto termios2 = TRY(get_user<LinuxTermios2>(argument));
        TRY(from_background());
        set_termios(termios2.termios, request == TCSETS2 ? When::Now : request == TCSETSW2 ? When::Drain : When::Flush);
        return 0;
    }
    case TIOCGWINSZ:
        TRY(put_user(argument, window_size()));
        return 0;
    case TIOCSWINSZ:
        set_window_size(TRY(get_user<LinuxWinsize>(argument)));
        return 0;
    case TIOCGPGRP: {
        if (!ours())
            return Error::from_errno(ENOTTY);
        TRY(put_user(argument, foreground_group()));
        return 0;
    }
    case TIOCSPGRP: {
        auto group = TRY(get_user<i32>(argument));
        if (as_master) {
            // Only the controlling process's terminal, as Linux: the
            // caller's controlling terminal must be this slave.
            if (!is_controlling_terminal_of_current(*this))
                return Error::from_errno(ENOTTY);
        }
        TRY(tty::set_foreground_group(*this, group));
        return 0;
    }
    case TIOCGSID: {
        if (!ours())
            return Error::from_errno(ENOTTY);
        i32 sid = session();
        if (sid <= 0)
            return Error::from_errno(ENOTTY);
        TRY(put_user(argument, sid));
        return 0;
    }
    case TIOCSCTTY:
        TRY(set_controlling_terminal(*this, file.is_readable(), argument == 1));
        return 0;
    case TIOCNOTTY:
        if (as_master)
            return Error::from_errno(ENOTTY);
        TRY(give_up_controlling_terminal(*this));
        return 0;
    case TCFLSH:
        TRY(from_background());
        TRY(flush(static_cast<int>(argument)));
        return 0;
    case TCXONC:
        TRY(from_background());
        TRY(flow(static_cast<int>(argument)));
        return 0;
    case TIOCEXCL:
    case TIOCNXCL:
    case TCSBRK:  // tcdrain() and tcsendbreak(): output is already out
    case TCSBRKP:
        return 0;
    case FIONREAD:
        TRY(put_user(argument, static_cast<i32>(input_count())));
        return 0;
    case TIOCOUTQ:
        TRY(put_user(argument, i32(0)));
        return 0;
    case TIOCGETD:
        TRY(put_user(argument, i32(0))); // N_TTY
        return 0;
    case TIOCSETD:
        if (TRY(get_user<i32>(argument)) != 0)
            return Error::from_errno(EINVAL);
        return 0;
    case FIONBIO: {
        // Normally the VFS's; answered here too so a tty never says ENOTTY to it.
        auto on = TRY(get_user<i32>(argument));
        file.set_status_flags(on ? file.flags() | O_NONBLOCK : file.flags() & ~u32(O_NONBLOCK));
        return 0;
    }
    default:
        return Error::from_errno(ENOTTY);
    }
}

// -- TtyDevice --

ErrorOr<RefPtr<vfs::FileOperations>> TtyDriver::open_as_controlling(u32) { return Error::from_errno(ENXIO); }

ErrorOr<RefPtr<vfs::FileOperations>> TtyDevice::open(u32 flags)
{
    m_tty.opened();
    if (m_may_become_controlling)
        m_tty.opened_by_current(flags);
    return RefPtr<vfs::FileOperations>(this);
}

ErrorOr<usize> TtyDevice::read(vfs::OpenFile& file, IoBuffer& buffer, usize count, u64&)
{
    return m_tty.read(buffer, count, file.is_nonblocking());
}

ErrorOr<usize> TtyDevice::write(vfs::OpenFile& file, IoBuffer const& buffer, usize count, u64&)
{
    return m_tty.write(buffer, count, file.is_nonblocking());
}

ErrorOr<long> TtyDevice::ioctl(vfs::OpenFile& file, u32 request, u64 argument)
{
    return m_tty.ioctl(file, request, argument);
}

u32 TtyDevice::poll(vfs::OpenFile&) { return m_tty.poll(); }

}
