// Thread states (CONCEPTS C9): their names, ps letters, and the one function
// that changes a thread's state, refusing transitions thread.h does not
// list. Callers: the scheduler (scheduler.cpp, wait_queue.cpp), proc/ for
// display. Host-buildable (tests/host/sched_policy_test.cpp).
#include <lib/panic.h>
#include <sched/thread.h>

const char* thread_state_name(ThreadState state)
{
    switch (state) {
    case ThreadState::New:
        return "new";
    case ThreadState::Ready:
        return "ready";
    case ThreadState::Running:
        return "running";
    case ThreadState::Waiting:
        return "waiting";
    case ThreadState::Stopped:
        return "stopped";
    case ThreadState::Zombie:
        return "zombie";
    case ThreadState::Dead:
        return "dead";
    case ThreadState::SuspendedReady:
        return "suspended-ready";
    case ThreadState::SuspendedWaiting:
        return "suspended-waiting";
    }
    return "?";
}

// Linux's /proc letters where Linux has the state: R running or runnable,
// S sleeping, T stopped, Z zombie, X dead. Linux has no letter for a thread
// not yet started (N here) nor for the notes' suspended states (W, the
// letter old Linux used for a process swapped out).
char thread_state_letter(ThreadState state)
{
    switch (state) {
    case ThreadState::New:
        return 'N';
    case ThreadState::Ready:
    case ThreadState::Running:
        return 'R';
    case ThreadState::Waiting:
        return 'S';
    case ThreadState::Stopped:
        return 'T';
    case ThreadState::Zombie:
        return 'Z';
    case ThreadState::Dead:
        return 'X';
    case ThreadState::SuspendedReady:
    case ThreadState::SuspendedWaiting:
        return 'W';
    }
    return '?';
}

char thread_letter(Thread const& thread)
{
    if (thread.state == ThreadState::Waiting && thread.uninterruptible)
        return 'D';
    // A group stop (SIGSTOP, ^Z) is a wait on the process's "continued"
    // queue; Linux shows it as TASK_STOPPED.
    if (thread.state == ThreadState::Waiting && thread.job_stopped)
        return 'T';
    return thread_state_letter(thread.state);
}

const char* sched_policy_name(SchedPolicy policy)
{
    switch (policy) {
    case SchedPolicy::Normal:
        return "normal";
    case SchedPolicy::Fifo:
        return "fifo";
    case SchedPolicy::RoundRobin:
        return "rr";
    case SchedPolicy::Batch:
        return "batch";
    case SchedPolicy::Idle:
        return "idle";
    }
    return "?";
}

bool is_legal_transition(ThreadState from, ThreadState to)
{
    using S = ThreadState;
    switch (from) {
    case S::New:
        return to == S::Ready;
    case S::Ready:
        return to == S::Running || to == S::Stopped || to == S::SuspendedReady;
    case S::Running:
        return to == S::Ready || to == S::Waiting || to == S::Stopped || to == S::Zombie;
    case S::Waiting:
        return to == S::Ready || to == S::Stopped || to == S::SuspendedWaiting;
    case S::Stopped:
        return to == S::Ready;
    case S::Zombie:
        return to == S::Dead;
    case S::Dead:
        return false;
    case S::SuspendedReady:
        return to == S::Ready;
    case S::SuspendedWaiting:
        return to == S::Waiting || to == S::SuspendedReady;
    }
    return false;
}

void set_state(Thread& thread, ThreadState state)
{
    if (!is_legal_transition(thread.state, state)) [[unlikely]] {
        panic("thread %u \"%s\": illegal state change %s -> %s", thread.tid, thread.name,
            thread_state_name(thread.state), thread_state_name(state));
    }
    thread.state = state;
}
