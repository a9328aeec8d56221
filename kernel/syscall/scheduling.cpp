// Scheduling system calls (CONCEPTS B2, E1, E2): sched_yield,
// sched_setaffinity/getaffinity, sched_setscheduler/getscheduler,
// sched_setparam/getparam, sched_get_priority_max/min,
// sched_rr_get_interval, getpriority/setpriority. The policies and their
// rules are the scheduler's (sched/scheduler.h set_policy, set_nice,
// set_affinity); this file finds the thread a call names and applies
// Linux's permission rules. (nice(2) does not exist on x86-64: C
// libraries implement it with get/setpriority.)
//
// Which thread: a pid argument is a thread id on Linux, 0 meaning the
// caller (a first thread's TID is its process's PID). Here: 0 or the
// caller's TID is the caller; then a thread of the caller's process with
// that TID; then the process with that PID (its thread with that TID, or
// its first one while the leader is gone); then every process's threads.
//
// Locking: the process lock is held while a thread pointer is used (a
// member of a process is not freed before proc/ drops it under that lock);
// the scheduler's locks are taken inside it (process lock first, as
// proc/process.h orders them).
#include <proc/current.h>
#include <sched/mutex.h>
#include <sched/scheduler.h>
#include <syscall/syscall.h>
#include <syscall/syscall_args.h>

namespace {

using namespace sysargs;

static_assert(sysargs::kMinNice == ::kMinNice && sysargs::kMaxNice == ::kMaxNice);
static_assert(kSchedFifo == static_cast<int>(SchedPolicy::Fifo) && kSchedIdle == static_cast<int>(SchedPolicy::Idle));

struct LinuxSchedParam {
    int sched_priority;
};

bool is_real_time(SchedPolicy policy) { return policy == SchedPolicy::Fifo || policy == SchedPolicy::RoundRobin; }

// Under the process lock.
Thread* member_with_tid_locked(Process const& process, u32 tid)
{
    Thread* found = nullptr;
    process.for_each_thread([&](ProcessThread const& member) {
        if (member.thread && member.thread->tid == tid)
            found = member.thread;
    });
    return found;
}

Thread* first_thread_locked(Process const& process)
{
    Thread* first = nullptr;
    process.for_each_thread([&](ProcessThread const& member) {
        if (!first)
            first = member.thread;
    });
    return first;
}

// Runs `callback(process, thread)` for the thread `id` names, with the
// process lock held. ESRCH when there is none.
template<typename Callback>
ErrorOr<long> with_thread(pid_t id, Callback callback)
{
    if (id < 0)
        return Error::from_errno(ESRCH);
    Process& self = current::process();
    Thread& me = current::thread();
    u32 tid = static_cast<u32>(id);
    {
        MutexLocker locker(process::lock());
        if (id == 0 || tid == me.tid)
            return callback(self, me);
        if (Thread* sibling = member_with_tid_locked(self, tid))
            return callback(self, *sibling);
    }
    if (auto found = process::find(id); !found.is_error()) {
        Process* process = found.value();
        ErrorOr<long> result = Error::from_errno(ESRCH);
        {
            MutexLocker locker(process::lock());
            Thread* thread = member_with_tid_locked(*process, tid);
            if (!thread)
                thread = first_thread_locked(*process);
            if (thread && process->state() == ProcessState::Live)
                result = callback(*process, *thread);
        }
        process->unref();
        return result;
    }
    // A thread that is not its process's first: walk them all.
    ErrorOr<long> result = Error::from_errno(ESRCH);
    bool found = false;
    process::for_each([&](Process& process, ThreadSnapshots const&) {
        if (found || process.state() != ProcessState::Live)
            return;
        if (Thread* thread = member_with_tid_locked(process, tid)) {
            result = callback(process, *thread);
            found = true;
        }
    });
    return result;
}

// Linux's check_same_owner / set_one_prio_perm: the caller's effective
// uid is the target's real or effective uid, or the caller is privileged
// (CAP_SYS_NICE). Kernel processes are not user space's to change.
ErrorOr<void> check_may_change(Process const& target)
{
    if (target.is_kernel_process())
        return Error::from_errno(EPERM);
    Credentials const& caller = current::credentials();
    Credentials const& owner = target.credentials();
    if (caller.is_superuser() || caller.euid == owner.euid || caller.euid == owner.uid)
        return {};
    return Error::from_errno(EPERM);
}

ErrorOr<long> sys_sched_yield()
{
    sched::yield();
    return 0;
}
REGISTER_SYSCALL(sched_yield, sys_sched_yield);

// The CPUs the thread may use, limited to those online (Linux reports its
// mask and cpu_active_mask).
ErrorOr<long> sys_sched_getaffinity(pid_t pid, u64 size, UserPtr<u8> mask)
{
    usize bytes = TRY(check_getaffinity_size(size));
    CpuMask affinity = 0;
    TRY(with_thread(pid, [&](Process&, Thread& thread) -> ErrorOr<long> {
        affinity = thread.affinity & sched::online_cpus();
        return 0;
    }));
    TRY(copy_to_user(mask.address(), &affinity, bytes));
    return static_cast<long>(bytes);
}
REGISTER_SYSCALL(sched_getaffinity, sys_sched_getaffinity);

// A shorter mask than the kernel's is zero-extended, a longer one cut to
// its 64 CPUs; EINVAL when it allows no online CPU.
ErrorOr<long> sys_sched_setaffinity(pid_t pid, u64 size, UserPtr<u8 const> mask)
{
    CpuMask wanted = 0;
    TRY(copy_from_user(&wanted, mask.address(), setaffinity_copy_size(size)));
    return with_thread(pid, [&](Process& process, Thread& thread) -> ErrorOr<long> {
        TRY(check_may_change(process));
        TRY(sched::set_affinity(&thread, wanted));
        return 0;
    });
}
REGISTER_SYSCALL(sched_setaffinity, sys_sched_setaffinity);

// sched_setscheduler (policy >= 0) and sched_setparam (policy -1: keep
// the thread's). Linux's order: the arguments (EINVAL), the thread
// (ESRCH), then the permission (EPERM).
ErrorOr<long> set_scheduling(pid_t pid, int policy, UserPtr<LinuxSchedParam const> parameter)
{
    if (pid < 0 || parameter.is_null())
        return Error::from_errno(EINVAL);
    auto copied = TRY(copy_from_user(parameter.as<LinuxSchedParam>()));
    int priority = copied.sched_priority;
    // SCHED_RESET_ON_FORK rides on the policy (sched_setparam, policy -1,
    // keeps the thread's flag).
    bool reset_on_fork = policy >= 0 && (policy & kSchedResetOnFork);
    if (policy >= 0)
        policy &= ~kSchedResetOnFork;
    return with_thread(pid, [&](Process& process, Thread& thread) -> ErrorOr<long> {
        int wanted = policy >= 0 ? policy : static_cast<int>(thread.policy);
        TRY(check_sched_param(wanted, priority));
        TRY(check_may_change(process));
        if (!current::credentials().is_superuser()) {
            bool policy_changes = wanted != static_cast<int>(thread.policy);
            if (wanted == kSchedFifo || wanted == kSchedRoundRobin) {
                int current_priority = is_real_time(thread.policy) ? thread.rt_priority : 0;
                u64 limit = process.resource_limit(kRlimitRtprio).current;
                if (!may_use_rt_priority(policy_changes, priority, current_priority, limit))
                    return Error::from_errno(EPERM);
            }
            // Leaving SCHED_IDLE needs the nice value to be allowed
            // (Linux's can_nice on the thread's nice).
            if (thread.policy == SchedPolicy::Idle && wanted != kSchedIdle) {
                u64 limit = process.resource_limit(kRlimitNice).current;
                if (!may_set_nice(thread.nice, sysargs::kMaxNice + 1, limit, false))
                    return Error::from_errno(EPERM);
            }
        }
        TRY(sched::set_policy(&thread, static_cast<SchedPolicy>(wanted), priority));
        if (policy >= 0)
            thread.reset_on_fork = reset_on_fork;
        return 0;
    });
}

ErrorOr<long> sys_sched_setscheduler(pid_t pid, int policy, UserPtr<LinuxSchedParam const> parameter)
{
    if (policy < 0)
        return Error::from_errno(EINVAL);
    return set_scheduling(pid, policy, parameter);
}
REGISTER_SYSCALL(sched_setscheduler, sys_sched_setscheduler);

ErrorOr<long> sys_sched_setparam(pid_t pid, UserPtr<LinuxSchedParam const> parameter)
{
    return set_scheduling(pid, -1, parameter);
}
REGISTER_SYSCALL(sched_setparam, sys_sched_setparam);

ErrorOr<long> sys_sched_getscheduler(pid_t pid)
{
    if (pid < 0)
        return Error::from_errno(EINVAL);
    return with_thread(pid, [](Process&, Thread& thread) -> ErrorOr<long> {
        return static_cast<long>(thread.policy) | (thread.reset_on_fork ? kSchedResetOnFork : 0);
    });
}
REGISTER_SYSCALL(sched_getscheduler, sys_sched_getscheduler);

ErrorOr<long> sys_sched_getparam(pid_t pid, UserPtr<LinuxSchedParam> parameter)
{
    if (pid < 0 || parameter.is_null())
        return Error::from_errno(EINVAL);
    LinuxSchedParam result {};
    TRY(with_thread(pid, [&](Process&, Thread& thread) -> ErrorOr<long> {
        result.sched_priority = is_real_time(thread.policy) ? thread.rt_priority : 0;
        return 0;
    }));
    TRY(copy_to_user(parameter, result));
    return 0;
}
REGISTER_SYSCALL(sched_getparam, sys_sched_getparam);

ErrorOr<long> sys_sched_get_priority_max(int policy) { return TRY(sched_priority_max(policy)); }
REGISTER_SYSCALL(sched_get_priority_max, sys_sched_get_priority_max);

ErrorOr<long> sys_sched_get_priority_min(int policy) { return TRY(sched_priority_min(policy)); }
REGISTER_SYSCALL(sched_get_priority_min, sys_sched_get_priority_min);

// SCHED_RR's quantum is the time slice; SCHED_FIFO has none (0); the fair
// classes report the time slice too (their real share varies with load).
ErrorOr<long> sys_sched_rr_get_interval(pid_t pid, UserPtr<LinuxTimespec> interval)
{
    if (pid < 0)
        return Error::from_errno(EINVAL);
    u64 slice = 0;
    TRY(with_thread(pid, [&](Process&, Thread& thread) -> ErrorOr<long> {
        slice = thread.policy == SchedPolicy::Fifo ? 0 : sched::timeslice_ns();
        return 0;
    }));
    TRY(copy_to_user(interval, ns_to_timespec(slice)));
    return 0;
}
REGISTER_SYSCALL(sched_rr_get_interval, sys_sched_rr_get_interval);

// Whether `process` is among those PRIO_PGRP / PRIO_USER `who` names.
// Kernel processes never are (their threads are the kernel's).
bool matches(Process const& process, int which, u32 who)
{
    if (process.is_kernel_process() || process.state() != ProcessState::Live)
        return false;
    if (which == kPrioProcessGroup)
        return static_cast<u32>(process.process_group()) == who;
    return process.credentials().uid == who;
}

// PRIO_PGRP and PRIO_USER: 0 means the caller's group or real uid.
u32 group_or_user(int which, int who)
{
    if (who != 0)
        return static_cast<u32>(who);
    if (which == kPrioProcessGroup) {
        MutexLocker locker(process::lock());
        return static_cast<u32>(current::process().process_group());
    }
    return current::credentials().uid;
}

ErrorOr<long> sys_getpriority(int which, int who)
{
    if (which != kPrioProcess && which != kPrioProcessGroup && which != kPrioUser)
        return Error::from_errno(EINVAL);
    int lowest_nice = sysargs::kMaxNice + 1;
    if (which == kPrioProcess) {
        TRY(with_thread(who, [&](Process&, Thread& thread) -> ErrorOr<long> {
            lowest_nice = thread.nice;
            return 0;
        }));
    } else {
        u32 wanted = group_or_user(which, who);
        process::for_each([&](Process& process, ThreadSnapshots const&) {
            if (!matches(process, which, wanted))
                return;
            process.for_each_thread([&](ProcessThread const& member) {
                if (member.thread && member.thread->nice < lowest_nice)
                    lowest_nice = member.thread->nice;
            });
        });
    }
    if (lowest_nice > sysargs::kMaxNice)
        return Error::from_errno(ESRCH);
    return getpriority_result(lowest_nice);
}
REGISTER_SYSCALL(getpriority, sys_getpriority);

// Linux's set_one_prio: EPERM without the right to change the thread,
// EACCES for lowering nice beyond RLIMIT_NICE without privilege. `error`
// carries the call's result so far: ESRCH until some thread was found.
int set_one_nice(Process& process, Thread& thread, int nice, int error)
{
    if (check_may_change(process).is_error())
        return EPERM;
    u64 limit = process.resource_limit(kRlimitNice).current;
    if (!may_set_nice(nice, thread.nice, limit, current::credentials().is_superuser()))
        return EACCES;
    if (sched::set_nice(&thread, nice).is_error())
        return EPERM;
    return error == ESRCH ? 0 : error;
}

ErrorOr<long> sys_setpriority(int which, int who, int value)
{
    if (which != kPrioProcess && which != kPrioProcessGroup && which != kPrioUser)
        return Error::from_errno(EINVAL);
    int nice = clamp_nice(value);
    int error = ESRCH;
    if (which == kPrioProcess) {
        TRY(with_thread(who, [&](Process& process, Thread& thread) -> ErrorOr<long> {
            error = set_one_nice(process, thread, nice, error);
            return 0;
        }));
    } else {
        u32 wanted = group_or_user(which, who);
        process::for_each([&](Process& process, ThreadSnapshots const&) {
            if (!matches(process, which, wanted))
                return;
            process.for_each_thread([&](ProcessThread const& member) {
                if (member.thread)
                    error = set_one_nice(process, *member.thread, nice, error);
            });
        });
    }
    if (error)
        return Error::from_errno(error);
    return 0;
}
REGISTER_SYSCALL(setpriority, sys_setpriority);

}
