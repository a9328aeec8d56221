// Terminal job control (tty/job_control.h): the registry of terminals
// that can be controlling terminals, and the rules for processes outside
// a terminal's foreground group. Lock order: the process lock -> the
// registry mutex -> a terminal's mutex; the process lock is never taken
// under the other two.
#include <fs/procfs/process_hooks.h>
#include <fs/vfs/abi.h>
#include <proc/current.h>
#include <proc/exit_hooks.h>
#include <proc/process.h>
#include <proc/signals.h>
#include <sched/mutex.h>
#include <tty/job_control.h>
#include <tty/tty.h>

namespace tty {

// Tty's registry link is private to it; this class is its friend.
class TerminalRegistry {
public:
    using List = IntrusiveList<Tty, &Tty::m_registry_node>;

    static Mutex& lock() { return s_lock; }
    static List& list() { return s_list; }
    static TtyDriver& driver_of(Tty& tty) { return tty.m_driver; }
    static bool is_registered(Tty& tty) { return tty.m_registry_node.is_linked(); }

private:
    static Mutex s_lock;
    static List s_list;
};

Mutex TerminalRegistry::s_lock { "terminals" };
TerminalRegistry::List TerminalRegistry::s_list;

namespace {

constexpr int kSigTtin = 21;
constexpr int kSigTtou = 22;
constexpr int kSigCont = 18;

// A user process (kernel processes have no terminal), or null.
Process* current_user_process()
{
    Process* me = process::current();
    return me && !me->is_kernel_process() ? me : nullptr;
}

// The registered terminal whose session is `me`'s (registry locked).
Tty* controlling_terminal_locked(Process& me)
{
    if (me.session() <= 0 || me.has_left_controlling_tty())
        return nullptr;
    for (auto& tty : TerminalRegistry::list()) {
        if (tty.session() == me.session())
            return &tty;
    }
    return nullptr;
}

}

void register_terminal(Tty& tty)
{
    MutexLocker locker(TerminalRegistry::lock());
    if (!TerminalRegistry::is_registered(tty))
        TerminalRegistry::list().append(tty);
}

void unregister_terminal(Tty& tty)
{
    MutexLocker locker(TerminalRegistry::lock());
    if (TerminalRegistry::is_registered(tty))
        TerminalRegistry::list().remove(tty);
}

ErrorOr<RefPtr<vfs::FileOperations>> open_controlling_terminal(u32 flags)
{
    Process* me = current_user_process();
    if (!me)
        return Error::from_errno(ENXIO);
    MutexLocker locker(TerminalRegistry::lock());
    Tty* tty = controlling_terminal_locked(*me);
    if (!tty)
        return Error::from_errno(ENXIO);
    // Opened through /dev/tty, it is already the caller's: O_NOCTTY.
    return TerminalRegistry::driver_of(*tty).open_as_controlling(flags | O_NOCTTY);
}

bool is_controlling_terminal_of_current(Tty& tty)
{
    Process* me = current_user_process();
    if (!me || me->has_left_controlling_tty())
        return false;
    i32 sid = tty.session();
    return sid > 0 && sid == me->session();
}

ErrorOr<void> check_background(Tty& tty, int signal)
{
    Process* me = current_user_process();
    if (!me || !is_controlling_terminal_of_current(tty))
        return {};
    i32 foreground = tty.foreground_group();
    if (foreground <= 0 || foreground == me->process_group())
        return {};
    if (signals::current_blocks_or_ignores(signal)) {
        // A reader that will not stop cannot be let through; a writer can.
        if (signal == kSigTtin)
            return Error::from_errno(EIO);
        return {};
    }
    // Nobody would continue an orphaned group it stopped.
    if (signals::current_group_is_orphaned())
        return Error::from_errno(EIO);
    process::signal_group_from_kernel(me->process_group(), signal);
    // Restarted (as Linux's ERESTARTSYS) once the group is continued.
    return Error::from_errno(EINTR);
}

ErrorOr<void> set_controlling_terminal(Tty& tty, bool readable, bool steal)
{
    Process* me = current_user_process();
    if (!me)
        return Error::from_errno(EPERM);
    bool root = me->credentials().is_superuser();
    MutexLocker locker(TerminalRegistry::lock());
    if (!TerminalRegistry::is_registered(tty))
        return Error::from_errno(EPERM);
    i32 owner = tty.session();
    if (me->is_session_leader() && owner == me->session())
        return {}; // already its own
    if (!me->is_session_leader() || controlling_terminal_locked(*me))
        return Error::from_errno(EPERM);
    if (!readable && !root)
        return Error::from_errno(EPERM);
    // Another session's terminal: only taken away from it by root, asking
    // with argument 1 (its processes simply stop having it).
    if (owner > 0 && !(steal && root))
        return Error::from_errno(EPERM);
    tty.set_session(me->session(), me->process_group());
    return {};
}

ErrorOr<void> give_up_controlling_terminal(Tty& tty)
{
    Process* me = current_user_process();
    if (!me || !is_controlling_terminal_of_current(tty))
        return Error::from_errno(ENOTTY);
    if (!me->is_session_leader()) {
        MutexLocker locker(process::lock());
        me->set_left_controlling_tty();
        return {};
    }
    // The leader takes the whole session off it (Linux's disassociate_ctty).
    i32 sid;
    i32 group;
    {
        MutexLocker locker(TerminalRegistry::lock());
        tty.disassociate(sid, group);
    }
    signal_hang_up(sid, group, false);
    return {};
}

ErrorOr<void> set_foreground_group(Tty& tty, i32 pgid)
{
    Process* me = current_user_process();
    if (!me || !is_controlling_terminal_of_current(tty))
        return Error::from_errno(ENOTTY);
    auto allowed = check_background(tty, kSigTtou);
    if (allowed.is_error())
        return allowed.error().code() == EIO ? Error::from_errno(ENOTTY) : allowed.error();
    if (pgid < 0)
        return Error::from_errno(EINVAL);
    pid_t session = process::session_of_group(pgid);
    if (session == 0)
        return Error::from_errno(ESRCH);
    if (session != me->session())
        return Error::from_errno(EPERM);
    tty.set_foreground_group(pgid);
    return {};
}

void signal_hang_up(i32 sid, i32 pgid, bool signal_leader)
{
    if (pgid > 0) {
        process::signal_group_from_kernel(pgid, signals::kSigHup);
        process::signal_group_from_kernel(pgid, kSigCont);
    }
    if (signal_leader && sid > 0) {
        process::signal_process_from_kernel(sid, signals::kSigHup);
        process::signal_process_from_kernel(sid, kSigCont);
    }
}

// Tty::opened_by_current's rule: a session leader without a controlling
// terminal that opens one without O_NOCTTY gets it.
void acquire_on_open(Tty& tty, u32 flags)
{
    if (flags & O_NOCTTY)
        return;
    Process* me = current_user_process();
    if (!me || !me->is_session_leader())
        return;
    MutexLocker locker(TerminalRegistry::lock());
    if (!TerminalRegistry::is_registered(tty) || controlling_terminal_locked(*me) || tty.session() > 0)
        return;
    tty.set_session(me->session(), me->process_group());
}

}

namespace process::hooks {

// proc/exit_hooks.h: the controlling process is gone; its terminal's
// foreground group hears of it and the terminal is free for another
// session.
void session_leader_exiting(pid_t sid)
{
    i32 group = 0;
    bool found = false;
    {
        MutexLocker locker(tty::TerminalRegistry::lock());
        for (auto& tty : tty::TerminalRegistry::list()) {
            if (tty.session() == sid) {
                i32 old_sid;
                tty.disassociate(old_sid, group);
                found = true;
                break;
            }
        }
    }
    if (found)
        tty::signal_hang_up(sid, group, false);
}

}

// /proc/<pid>/stat's tty_nr and tpgid (fs/procfs/process_hooks.h): the
// process's controlling terminal, Linux's new_encode_dev of its number,
// and that terminal's foreground group. Defined here, where terminals are
// known; procfs's weak default says "none".
namespace procfs::hooks {

void terminal(Process& process, u32& device, i32& foreground_pgid)
{
    device = 0;
    foreground_pgid = -1;
    if (process.is_kernel_process())
        return;
    MutexLocker locker(tty::TerminalRegistry::lock());
    tty::Tty* tty = tty::controlling_terminal_locked(process);
    if (!tty)
        return;
    u32 major = 0;
    u32 minor = 0;
    tty::TerminalRegistry::driver_of(*tty).device_number(major, minor);
    device = (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
    i32 foreground = tty->foreground_group();
    foreground_pgid = foreground > 0 ? foreground : -1;
}

}
