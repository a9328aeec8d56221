// Signal system calls (issue 5): rt_sigaction, rt_sigprocmask,
// rt_sigpending, rt_sigreturn, rt_sigsuspend, rt_sigtimedwait,
// rt_sigqueueinfo, rt_tgsigqueueinfo, sigaltstack, kill, tkill, tgkill,
// pause, alarm, setitimer, getitimer. Each checks and copies its user
// arguments in Linux's order (the errno a bad call gets depends on it);
// the work is proc/signals.cpp's.
#include <proc/current.h>
#include <proc/signals.h>
#include <sched/clock.h>
#include <syscall/syscall.h>

namespace {

using namespace signals;

struct LinuxTimespec {
    i64 sec;
    i64 nsec;
};

ErrorOr<void> check_signal_or_zero(int signal)
{
    if (signal != 0 && !is_valid(signal))
        return Error::from_errno(EINVAL);
    return {};
}

// SI_USER from the calling process: kill(), and the base of tkill's.
SigInfo info_from_caller(int signal, int code)
{
    Process& me = current::process();
    return make_sender_info(signal, code, me.pid(), me.credentials().uid);
}

ErrorOr<long> sys_rt_sigaction(int signal, UserPtr<KernelSigAction> user_action, UserPtr<KernelSigAction> user_old,
    usize sigsetsize)
{
    if (sigsetsize != kSigSetSize || !is_valid(signal))
        return Error::from_errno(EINVAL);
    KernelSigAction action;
    KernelSigAction* new_action = nullptr;
    if (!user_action.is_null()) {
        action = TRY(copy_from_user(user_action));
        if (int error = check_new_action(signal, action))
            return Error::from_errno(error);
        new_action = &action;
    }
    KernelSigAction old;
    TRY(set_action(signal, new_action, user_old.is_null() ? nullptr : &old));
    if (!user_old.is_null())
        TRY(copy_to_user(user_old, old));
    return 0;
}
REGISTER_SYSCALL(rt_sigaction, sys_rt_sigaction);

ErrorOr<long> sys_rt_sigprocmask(int how, UserPtr<SigSet> user_set, UserPtr<SigSet> user_old, usize sigsetsize)
{
    if (sigsetsize != kSigSetSize)
        return Error::from_errno(EINVAL);
    SigSet set;
    SigSet* new_set = nullptr;
    if (!user_set.is_null()) {
        set = TRY(copy_from_user(user_set));
        new_set = &set;
    }
    SigSet old = TRY(change_blocked(how, new_set));
    if (!user_old.is_null())
        TRY(copy_to_user(user_old, old));
    return 0;
}
REGISTER_SYSCALL(rt_sigprocmask, sys_rt_sigprocmask);

ErrorOr<long> sys_rt_sigpending(UserPtr<SigSet> user_set, usize sigsetsize)
{
    if (sigsetsize > kSigSetSize)
        return Error::from_errno(EINVAL);
    SigSet pending = pending_blocked();
    TRY(copy_to_user(user_set.address(), &pending, sigsetsize));
    return 0;
}
REGISTER_SYSCALL(rt_sigpending, sys_rt_sigpending);

ErrorOr<long> sys_rt_sigreturn(InterruptFrame& frame)
{
    sigreturn(frame);
    return syscalls::kKeepRax;
}
REGISTER_SYSCALL(rt_sigreturn, sys_rt_sigreturn);

ErrorOr<long> sys_rt_sigsuspend(UserPtr<SigSet> user_mask, usize sigsetsize)
{
    if (sigsetsize != kSigSetSize)
        return Error::from_errno(EINVAL);
    SigSet mask = TRY(copy_from_user(user_mask));
    suspend_with_mask(mask);
    (void)sleep_until_signal();
    // EINTR once a handler ran; without one (a stop, say) it starts over.
    return Error::from_errno(kErestartNoHand);
}
REGISTER_SYSCALL(rt_sigsuspend, sys_rt_sigsuspend);

ErrorOr<long> sys_pause()
{
    (void)sleep_until_signal();
    return Error::from_errno(kErestartNoHand);
}
REGISTER_SYSCALL(pause, sys_pause);

ErrorOr<long> sys_rt_sigtimedwait(UserPtr<SigSet> user_set, UserPtr<SigInfo> user_info,
    UserPtr<LinuxTimespec> user_timeout, usize sigsetsize)
{
    if (sigsetsize != kSigSetSize)
        return Error::from_errno(EINVAL);
    SigSet set = TRY(copy_from_user(user_set));
    u64 deadline = 0;
    if (!user_timeout.is_null()) {
        LinuxTimespec timeout = TRY(copy_from_user(user_timeout));
        if (timeout.sec < 0 || timeout.nsec < 0 || timeout.nsec >= 1000000000)
            return Error::from_errno(EINVAL);
        constexpr u64 kMaxSeconds = ~0ull / 1000000000 / 2;
        u64 seconds = static_cast<u64>(timeout.sec) > kMaxSeconds ? kMaxSeconds : static_cast<u64>(timeout.sec);
        u64 ns = seconds * 1000000000 + static_cast<u64>(timeout.nsec);
        deadline = ns == 0 ? 1 : ktime::monotonic_ns() + ns; // 1: do not wait
    }
    SigInfo info;
    int signal = TRY(timed_wait(set, deadline, info));
    if (!user_info.is_null())
        TRY(copy_to_user(user_info, info));
    return signal;
}
REGISTER_SYSCALL(rt_sigtimedwait, sys_rt_sigtimedwait);

// A process may make up any siginfo for itself, but for another only one
// that says it came from user space (si_code < 0, not SI_TKILL).
ErrorOr<SigInfo> queued_info(pid_t target, int signal, UserPtr<SigInfo> user_info)
{
    SigInfo info = TRY(copy_from_user(user_info));
    if ((info.code >= 0 || info.code == kSiTkill) && target != current::process().pid())
        return Error::from_errno(EPERM);
    info.signo = signal;
    return info;
}

ErrorOr<long> sys_rt_sigqueueinfo(pid_t pid, int signal, UserPtr<SigInfo> user_info)
{
    SigInfo info = TRY(queued_info(pid, signal, user_info));
    TRY(check_signal_or_zero(signal));
    if (pid <= 0)
        return Error::from_errno(ESRCH);
    TRY(signals::kill(pid, info));
    return 0;
}
REGISTER_SYSCALL(rt_sigqueueinfo, sys_rt_sigqueueinfo);

ErrorOr<long> sys_rt_tgsigqueueinfo(pid_t tgid, pid_t tid, int signal, UserPtr<SigInfo> user_info)
{
    if (tgid <= 0 || tid <= 0)
        return Error::from_errno(EINVAL);
    SigInfo info = TRY(queued_info(tgid, signal, user_info));
    TRY(check_signal_or_zero(signal));
    TRY(kill_thread(tgid, tid, info));
    return 0;
}
REGISTER_SYSCALL(rt_tgsigqueueinfo, sys_rt_tgsigqueueinfo);

ErrorOr<long> sys_sigaltstack(InterruptFrame& frame, UserPtr<StackT> user_stack, UserPtr<StackT> user_old)
{
    StackT request;
    StackT* new_stack = nullptr;
    if (!user_stack.is_null()) {
        request = TRY(copy_from_user(user_stack));
        new_stack = &request;
    }
    StackT old;
    TRY(change_altstack(new_stack, user_old.is_null() ? nullptr : &old, frame.rsp));
    if (!user_old.is_null())
        TRY(copy_to_user(user_old, old));
    return 0;
}
REGISTER_SYSCALL(sigaltstack, sys_sigaltstack);

ErrorOr<long> sys_kill(pid_t pid, int signal)
{
    TRY(check_signal_or_zero(signal));
    if (pid == INT32_MIN)
        return Error::from_errno(ESRCH); // -pid would overflow
    TRY(signals::kill(pid, info_from_caller(signal, kSiUser)));
    return 0;
}
REGISTER_SYSCALL(kill, sys_kill);

ErrorOr<long> sys_tgkill(pid_t tgid, pid_t tid, int signal)
{
    if (tgid <= 0 || tid <= 0)
        return Error::from_errno(EINVAL);
    TRY(check_signal_or_zero(signal));
    TRY(kill_thread(tgid, tid, info_from_caller(signal, kSiTkill)));
    return 0;
}
REGISTER_SYSCALL(tgkill, sys_tgkill);

ErrorOr<long> sys_tkill(pid_t tid, int signal)
{
    if (tid <= 0)
        return Error::from_errno(EINVAL);
    TRY(check_signal_or_zero(signal));
    TRY(kill_thread(0, tid, info_from_caller(signal, kSiTkill)));
    return 0;
}
REGISTER_SYSCALL(tkill, sys_tkill);

ErrorOr<long> sys_alarm(u32 seconds)
{
    ITimerVal value {};
    value.value.sec = seconds;
    ITimerVal old;
    TRY(set_itimer(kItimerReal, &value, &old));
    return alarm_seconds_left(timeval_to_ns(old.value));
}
REGISTER_SYSCALL(alarm, sys_alarm);

ErrorOr<long> sys_setitimer(int which, UserPtr<ITimerVal> user_value, UserPtr<ITimerVal> user_old)
{
    // Linux takes a null new value as zero (disarm).
    ITimerVal value {};
    if (!user_value.is_null())
        value = TRY(copy_from_user(user_value));
    ITimerVal old;
    TRY(set_itimer(which, &value, user_old.is_null() ? nullptr : &old));
    if (!user_old.is_null())
        TRY(copy_to_user(user_old, old));
    return 0;
}
REGISTER_SYSCALL(setitimer, sys_setitimer);

ErrorOr<long> sys_getitimer(int which, UserPtr<ITimerVal> user_value)
{
    ITimerVal value = TRY(get_itimer(which));
    TRY(copy_to_user(user_value, value));
    return 0;
}
REGISTER_SYSCALL(getitimer, sys_getitimer);

}
