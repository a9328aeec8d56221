// Process groups and sessions (CONCEPTS C1: jobs): setpgid, setsid and
// their getters, with Linux's rules. A shell puts each job in its own
// group; a terminal's foreground group is the job that may read it (the
// terminal side is tty/job_control.cpp, which calls the helpers at the
// end of this file). Also here: the hang-up of a stopped group that an
// exit leaves orphaned (POSIX: SIGHUP then SIGCONT, so that a stopped
// job nobody can continue any more does not stay stopped for ever).
#include <proc/current.h>
#include <proc/exit_hooks.h>
#include <proc/process_manager.h>

ErrorOr<long> ProcessManager::set_process_group(pid_t pid, pid_t pgid)
{
    if (pgid < 0)
        return Error::from_errno(EINVAL);
    Process& me = current::process();
    MutexLocker locker(process::lock());
    Process* target = pid == 0 ? &me : find_locked(pid);
    if (!target || target->m_state == ProcessState::Dead)
        return Error::from_errno(ESRCH);
    // Only the caller itself or one of its children.
    if (target != &me && target->m_parent != &me)
        return Error::from_errno(ESRCH);
    if (target->m_sid != me.m_sid)
        return Error::from_errno(EPERM);
    if (target->m_sid == target->m_pid)
        return Error::from_errno(EPERM); // a session leader stays in its group
    if (pgid == 0)
        pgid = target->m_pid;
    if (pgid != target->m_pid) {
        // Joining a group: it must exist in the caller's session.
        bool exists = false;
        for (auto& process : process_list()) {
            if (process.m_pgid == pgid && process.m_sid == me.m_sid && process.m_state != ProcessState::Dead)
                exists = true;
        }
        if (!exists)
            return Error::from_errno(EPERM);
    }
    target->m_pgid = pgid;
    return 0;
}

ErrorOr<long> ProcessManager::create_session()
{
    Process& me = current::process();
    MutexLocker locker(process::lock());
    // A group leader cannot start a session: its group would span two.
    for (auto& process : process_list()) {
        if (process.m_pgid == me.m_pid && process.m_state != ProcessState::Dead)
            return Error::from_errno(EPERM);
    }
    me.m_sid = me.m_pid;
    me.m_pgid = me.m_pid;
    me.m_left_controlling_tty = false; // a new session has no terminal yet
    return me.m_sid;
}

ErrorOr<long> ProcessManager::process_group_of(pid_t pid, bool session)
{
    Process& me = current::process();
    MutexLocker locker(process::lock());
    Process* target = pid == 0 ? &me : find_locked(pid);
    if (!target || target->m_state == ProcessState::Dead)
        return Error::from_errno(ESRCH);
    return session ? target->m_sid : target->m_pgid;
}

// --- orphaned process groups ---

// Linux's will_become_orphaned_pgrp: no live member of group `pgid`
// (other than `ignored`) has a parent in another group of the same
// session; a parent that is init does not count.
bool ProcessManager::group_will_be_orphaned_locked(pid_t pgid, Process const* ignored)
{
    for (auto& process : process_list()) {
        if (&process == ignored || process.m_pgid != pgid || process.m_is_kernel || process.m_state != ProcessState::Live)
            continue;
        Process* parent = process.m_parent;
        if (!parent || parent->m_pid == pid::kInitPid || parent->m_is_kernel)
            continue;
        if (parent->m_pgid != pgid && parent->m_sid == process.m_sid)
            return false;
    }
    return true;
}

bool ProcessManager::group_has_stopped_member_locked(pid_t pgid)
{
    for (auto& process : process_list()) {
        if (process.m_pgid != pgid || process.m_is_kernel || process.m_state != ProcessState::Live)
            continue;
        auto& state = process.signal_state();
        SpinlockLocker locker(state.lock);
        if (state.stopped)
            return true;
    }
    return false;
}

void ProcessManager::signal_group_locked(pid_t pgid, int signal)
{
    for (auto& process : process_list()) {
        if (process.m_pgid == pgid && !process.m_is_kernel && process.m_state == ProcessState::Live)
            (void)signals::send(process, signals::make_kernel_info(signal));
    }
}

// Linux's kill_orphaned_pgrp. `member` is the exiting process with
// `parent` == null (its own group loses it), or a child it leaves with
// `parent` its old parent (the child's group loses that parent).
void ProcessManager::hang_up_if_orphaned_locked(Process& member, Process* parent)
{
    Process const* ignored = parent ? nullptr : &member;
    if (!parent)
        parent = member.m_parent;
    if (!parent || parent->m_is_kernel)
        return;
    pid_t pgid = member.m_pgid;
    if (parent->m_pgid == pgid || parent->m_sid != member.m_sid)
        return;
    if (!group_will_be_orphaned_locked(pgid, ignored) || !group_has_stopped_member_locked(pgid))
        return;
    signal_group_locked(pgid, signals::kSigHup);
    signal_group_locked(pgid, signals::kSigCont);
}

// --- for the terminal's job control ---

namespace {

// The process lock, unless the calling thread holds it already.
class LockUnlessHeld {
public:
    LockUnlessHeld()
        : m_take(!process::lock().is_locked_by_current_thread())
    {
        if (m_take)
            process::lock().lock();
    }
    ~LockUnlessHeld()
    {
        if (m_take)
            process::lock().unlock();
    }
    LockUnlessHeld(LockUnlessHeld const&) = delete;
    LockUnlessHeld& operator=(LockUnlessHeld const&) = delete;

private:
    bool m_take;
};

}

namespace process {

void signal_group_from_kernel(pid_t pgid, int signal)
{
    if (pgid <= 0)
        return;
    LockUnlessHeld locker;
    ProcessManager::signal_group_locked(pgid, signal);
}

void signal_process_from_kernel(pid_t pid, int signal)
{
    if (pid <= 0)
        return;
    LockUnlessHeld locker;
    Process* target = ProcessManager::find_locked(pid);
    if (target && !target->is_kernel_process() && target->state() == ProcessState::Live)
        (void)signals::send(*target, signals::make_kernel_info(signal));
}

pid_t session_of_group(pid_t pgid)
{
    if (pgid <= 0)
        return 0;
    LockUnlessHeld locker;
    for (auto& process : ProcessManager::process_list()) {
        if (process.process_group() == pgid && !process.is_kernel_process() && process.state() == ProcessState::Live)
            return process.session();
    }
    return 0;
}

}

namespace process::hooks {

[[gnu::weak]] void session_leader_exiting(pid_t) { }

}
