// The pure signal rules of signal_abi.h: default actions, the order
// signals are taken in, action and mask checks, siginfo builders, the
// restart decision. Host-buildable (tests/host/signal_rules_test.cpp).
#include <lib/errno.h>
#include <proc/signal_abi.h>

namespace signals {

namespace {

// Linux's system call numbers, from the one table (syscall_list.inc).
namespace nr {
#define X(number, name) constexpr u64 name = number;
#include <syscall/syscall_list.inc>
#undef X
}

constexpr u64 kUserHz = 100;

}

int next_signal(SigSet set)
{
    if (!set)
        return 0;
    if (set & kSynchronous)
        set &= kSynchronous;
    return __builtin_ctzll(set) + 1;
}

bool apply_sigprocmask(int how, SigSet set, SigSet& blocked)
{
    switch (how) {
    case kSigBlock:
        blocked |= set;
        break;
    case kSigUnblock:
        blocked &= ~set;
        break;
    case kSigSetMask:
        blocked = set;
        break;
    default:
        return false;
    }
    blocked &= ~kUnblockable;
    return true;
}

int check_new_action(int signal, KernelSigAction& action)
{
    if (!is_valid(signal) || signal == kSigKill || signal == kSigStop)
        return EINVAL;
    action.flags &= kSaKnownFlags;
    action.mask &= ~kUnblockable;
    return 0;
}

DefaultAction default_action(int signal)
{
    switch (signal) {
    case kSigQuit:
    case kSigIll:
    case kSigTrap:
    case kSigAbrt:
    case kSigBus:
    case kSigFpe:
    case kSigSegv:
    case kSigXcpu:
    case kSigXfsz:
    case kSigSys:
        return DefaultAction::CoreDump;
    case kSigStop:
    case kSigTstp:
    case kSigTtin:
    case kSigTtou:
        return DefaultAction::Stop;
    case kSigCont:
        return DefaultAction::Continue;
    case kSigChld:
    case kSigUrg:
    case kSigWinch:
        return DefaultAction::Ignore;
    default:
        // SIGHUP, SIGINT, SIGKILL, SIGUSR1/2, SIGPIPE, SIGALRM, SIGTERM,
        // SIGSTKFLT, SIGVTALRM, SIGPROF, SIGIO, SIGPWR and every
        // real-time signal.
        return DefaultAction::Terminate;
    }
}

bool is_ignored(KernelSigAction const& action, int signal)
{
    if (action.handler == kSigIgn)
        return true;
    if (action.handler != kSigDfl)
        return false;
    auto fallback = default_action(signal);
    return fallback == DefaultAction::Ignore || fallback == DefaultAction::Continue;
}

void reset_action_for_exec(KernelSigAction& action)
{
    if (action.handler != kSigIgn)
        action.handler = kSigDfl;
    action.flags = 0;
    action.restorer = 0;
    action.mask = 0;
}

SigInfo make_sender_info(int signal, int code, i32 pid, u32 uid)
{
    SigInfo info {};
    info.signo = signal;
    info.code = code;
    info.fields.kill.pid = pid;
    info.fields.kill.uid = uid;
    return info;
}

SigInfo make_kernel_info(int signal)
{
    SigInfo info {};
    info.signo = signal;
    info.code = kSiKernel;
    return info;
}

SigInfo make_fault_info(int signal, int code, u64 address)
{
    SigInfo info {};
    info.signo = signal;
    info.code = code;
    info.fields.fault.address = address;
    return info;
}

SigInfo make_child_info(int signal, int code, i32 pid, u32 uid, i32 status, u64 user_ns, u64 system_ns)
{
    SigInfo info {};
    info.signo = signal;
    info.code = code;
    info.fields.child.pid = pid;
    info.fields.child.uid = uid;
    info.fields.child.status = status;
    info.fields.child.utime = static_cast<i64>(user_ns / (1000000000 / kUserHz));
    info.fields.child.stime = static_cast<i64>(system_ns / (1000000000 / kUserHz));
    return info;
}

void child_exit_code(int wait_status, int& code, int& status)
{
    int signal = wait_status & 0x7f;
    if (signal == 0) {
        code = kCldExited;
        status = (wait_status >> 8) & 0xff;
    } else {
        code = (wait_status & 0x80) ? kCldDumped : kCldKilled;
        status = signal;
    }
}

int apply_sigaltstack(AltStack& stack, StackT const& request, u64 stack_pointer)
{
    if (stack.contains(stack_pointer))
        return EPERM;
    u32 mode = static_cast<u32>(request.flags) & ~kSsFlagBits;
    if (mode != kSsDisable && mode != kSsOnStack && mode != 0)
        return EINVAL;
    if (mode == kSsDisable) {
        stack = AltStack {};
        return 0;
    }
    if (request.size < kMinSigStackSize)
        return ENOMEM;
    stack.sp = request.sp;
    stack.size = request.size;
    stack.flags = static_cast<u32>(request.flags) & kSsFlagBits;
    return 0;
}

StackT describe_altstack(AltStack const& stack, u64 stack_pointer)
{
    StackT out {};
    out.sp = stack.sp;
    out.size = stack.size;
    out.flags = static_cast<i32>(static_cast<u32>(stack.status(stack_pointer)) | stack.flags);
    return out;
}

RestartClass restart_class(u64 number, long result, u64 timeout_argument)
{
    switch (-result) {
    case kErestartSys:
        return RestartClass::Sys;
    case kErestartNoIntr:
        return RestartClass::NoIntr;
    case kErestartNoHand:
    case kErestartRestartBlock:
        return RestartClass::NoHand;
    case EINTR:
        break;
    default:
        return RestartClass::None;
    }
    // Plain EINTR: what Linux's version of the call returns instead.
    switch (number) {
    // ERESTARTSYS: I/O, waits for children, locks, opens of FIFOs.
    case nr::read:
    case nr::write:
    case nr::readv:
    case nr::writev:
    case nr::pread64:
    case nr::pwrite64:
    case nr::preadv:
    case nr::pwritev:
    case nr::preadv2:
    case nr::pwritev2:
    case nr::ioctl:
    case nr::open:
    case nr::openat:
    case nr::openat2:
    case nr::creat:
    case nr::wait4:
    case nr::waitid:
    case nr::fcntl:
    case nr::flock:
    case nr::sendfile:
    case nr::splice:
    case nr::tee:
    case nr::copy_file_range:
    case nr::connect:
    case nr::accept:
    case nr::accept4:
    case nr::sendto:
    case nr::recvfrom:
    case nr::sendmsg:
    case nr::recvmsg:
    case nr::sendmmsg:
    case nr::recvmmsg:
    case nr::getrandom:
    case nr::mq_timedsend:
    case nr::mq_timedreceive:
        return RestartClass::Sys;
    case nr::futex:
        // A wait with a timeout ends with EINTR (Linux's restart block),
        // one without restarts under SA_RESTART.
        return timeout_argument ? RestartClass::NoHand : RestartClass::Sys;
    // ERESTARTNOHAND and ERESTART_RESTARTBLOCK: sleeps and multiplexed
    // waits come back only when no handler ran.
    case nr::pause:
    case nr::rt_sigsuspend:
    case nr::nanosleep:
    case nr::clock_nanosleep:
    case nr::poll:
    case nr::ppoll:
    case nr::select:
    case nr::pselect6:
    case nr::epoll_wait:
    case nr::epoll_pwait:
    case nr::epoll_pwait2:
    case nr::msgsnd:
    case nr::msgrcv:
        return RestartClass::NoHand;
    default:
        return RestartClass::NeverRestart;
    }
}

RestartDecision decide_restart(RestartClass restart, bool handler_ran, u64 sa_flags)
{
    switch (restart) {
    case RestartClass::None:
        return RestartDecision::Keep;
    case RestartClass::NeverRestart:
        return RestartDecision::Eintr;
    case RestartClass::NoIntr:
        return RestartDecision::Restart;
    case RestartClass::NoHand:
        return handler_ran ? RestartDecision::Eintr : RestartDecision::Restart;
    case RestartClass::Sys:
        return !handler_ran || (sa_flags & kSaRestart) ? RestartDecision::Restart : RestartDecision::Eintr;
    }
    return RestartDecision::Keep;
}

bool may_signal(Credentials const& sender, Credentials const& target, int signal, bool same_session)
{
    if (sender.is_superuser())
        return true;
    if (sender.euid == target.suid || sender.euid == target.uid || sender.uid == target.suid || sender.uid == target.uid)
        return true;
    return signal == kSigCont && same_session;
}

bool is_valid_timeval(TimeVal const& value) { return value.sec >= 0 && value.usec >= 0 && value.usec < 1000000; }

u64 timeval_to_ns(TimeVal const& value)
{
    constexpr u64 kMaxSeconds = ~0ull / 1000000000 - 1;
    u64 seconds = static_cast<u64>(value.sec) > kMaxSeconds ? kMaxSeconds : static_cast<u64>(value.sec);
    return seconds * 1000000000 + static_cast<u64>(value.usec) * 1000;
}

TimeVal ns_to_timeval(u64 ns)
{
    return { static_cast<i64>(ns / 1000000000), static_cast<i64>(ns % 1000000000 / 1000) };
}

unsigned alarm_seconds_left(u64 left_ns)
{
    TimeVal left = ns_to_timeval(left_ns);
    if ((left.sec == 0 && left.usec != 0) || left.usec >= 500000)
        ++left.sec;
    if (left.sec == 0 && left_ns != 0)
        left.sec = 1;
    return static_cast<unsigned>(left.sec);
}

bool IntervalTimer::charge(u64 elapsed_ns)
{
    if (!armed)
        return false;
    if (elapsed_ns < value_ns) {
        value_ns -= elapsed_ns;
        return false;
    }
    if (interval_ns) {
        // Overruns are not counted: one signal, then a full interval.
        value_ns = interval_ns;
    } else {
        armed = false;
        value_ns = 0;
    }
    return true;
}

int x87_fault_code(u16 status, u16 control)
{
    // The exceptions raised and not masked (FSW bits 0-5 against FCW's).
    u16 raised = status & ~control & 0x3f;
    if (raised & 0x01)
        return kFpeFltinv;
    if (raised & 0x04)
        return kFpeFltdiv;
    if (raised & 0x08)
        return kFpeFltovf;
    if (raised & 0x12)
        return kFpeFltund;
    if (raised & 0x20)
        return kFpeFltres;
    return 0;
}

int simd_fault_code(u32 mxcsr)
{
    // Flags in bits 0-5, their masks in bits 7-12.
    u32 raised = mxcsr & ~(mxcsr >> 7) & 0x3f;
    if (raised & 0x01)
        return kFpeFltinv;
    if (raised & 0x04)
        return kFpeFltdiv;
    if (raised & 0x08)
        return kFpeFltovf;
    if (raised & 0x12)
        return kFpeFltund;
    if (raised & 0x20)
        return kFpeFltres;
    return 0;
}

}
