// Process groups and sessions (CONCEPTS C1: jobs): setpgid, setsid and
// their getters, with Linux's rules. A shell puts each job in its own
// group; a terminal's foreground group is the job that may read it (the
// terminal side comes with the tty work of issue 5).
#include <proc/current.h>
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
