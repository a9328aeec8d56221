// Waiting for children (CONCEPTS C5, C7): wait4 and waitid. An exited
// child stays a zombie - its PID, exit status and CPU times kept - until
// its parent collects them here; then it is reaped. A parent with no
// matching child gets ECHILD; with WNOHANG it does not sleep.
#include <proc/current.h>
#include <proc/process_manager.h>
#include <proc/signals.h>
#include <proc/wait.h>

namespace {

constexpr int kSigChld = 17;

bool matches(Process const& child, Process const& parent, wait_request::Selector selector, pid_t id, int options)
{
    switch (selector) {
    case wait_request::Selector::Pid:
        if (child.pid() != id)
            return false;
        break;
    case wait_request::Selector::Group:
        if (child.process_group() != (id ? id : parent.process_group()))
            return false;
        break;
    case wait_request::Selector::Any:
        break;
    }
    // Linux: without __WALL, "clone" children (exit signal other than
    // SIGCHLD) are waited for only with __WCLONE, the others only without.
    if (options & wait_options::kAll)
        return true;
    bool is_clone_child = child.exit_signal() != kSigChld;
    return (options & wait_options::kClone) ? is_clone_child : !is_clone_child;
}

}

ErrorOr<bool> ProcessManager::reap_one(Process& parent, Process& child, int options, int* status, pid_t* pid)
{
    if (child.m_state != ProcessState::Zombie)
        return false;
    *status = child.m_exit_status;
    *pid = child.m_pid;
    if (!(options & wait_options::kNoWait)) {
        Process::Times times = child.m_exited_threads;
        parent.m_children_times.user_ns += times.user_ns + child.m_children_times.user_ns;
        parent.m_children_times.system_ns += times.system_ns + child.m_children_times.system_ns;
        parent.m_children_times.voluntary_switches += times.voluntary_switches;
        parent.m_children_times.involuntary_switches += times.involuntary_switches;
        reap(child);
    }
    return true;
}

namespace process {

ErrorOr<WaitResult> wait(wait_request::Selector selector, pid_t id, int options)
{
    if (options & ~(wait_options::kNoHang | wait_options::kUntraced | wait_options::kExited | wait_options::kContinued
            | wait_options::kNoWait | wait_options::kNoThread | wait_options::kAll | wait_options::kClone))
        return Error::from_errno(EINVAL);
    Process& me = current::process();
    MutexLocker locker(lock());
    for (;;) {
        bool any = false;
        WaitResult result {};
        Process* zombie = nullptr;
        Process* reported = nullptr; // signals issue: stopped (WUNTRACED) or continued (WCONTINUED)
        me.for_each_child([&](Process const& child) {
            if (zombie || reported || !matches(child, me, selector, id, options))
                return;
            any = true;
            if ((options & wait_options::kExited) && child.state() == ProcessState::Zombie)
                zombie = const_cast<Process*>(&child);
            else if ((options & (wait_options::kUntraced | wait_options::kContinued))
                && signals::take_wait_report(const_cast<Process&>(child), options, result.status))
                reported = const_cast<Process*>(&child);
        });
        if (reported) {
            result.pid = reported->pid();
            result.uid = reported->credentials().uid;
            return result;
        }
        // Reaped outside the walk: reaping takes the child off the list.
        bool found = false;
        if (zombie) {
            result.uid = zombie->credentials().uid;
            auto reaped = ProcessManager::reap_one(me, *zombie, options, &result.status, &result.pid);
            found = !reaped.is_error() && reaped.value();
        }
        if (found) {
            return result;
        }
        if (!any)
            return Error::from_errno(ECHILD);
        if (options & wait_options::kNoHang)
            return WaitResult {};
        if (current::interrupted())
            return Error::from_errno(EINTR);
        u64 seen = ProcessManager::child_events(me);
        TRY(ProcessManager::wait_child_event(me, locker, seen));
    }
}

}

u64 ProcessManager::child_events(Process& process) { return process.m_child_events; }

ErrorOr<void> ProcessManager::wait_child_event(Process& process, MutexLocker& locker, u64 seen)
{
    return process.m_child_event.wait_until(locker,
        [&] { return process.m_child_events != seen || current::interrupted(); });
}
