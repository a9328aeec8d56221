// timer_create, timer_settime, timer_gettime, timer_getoverrun,
// timer_delete (proc/posix_timers.h).
#include <proc/posix_timers.h>
#include <syscall/syscall.h>
#include <syscall/syscall_args.h>

namespace {

using namespace sysargs;

// struct sigevent (64 bytes): sigev_value, sigev_signo, sigev_notify,
// then a union whose first int is the thread id of SIGEV_THREAD_ID.
struct SigEvent {
    u64 value;
    i32 signo;
    i32 notify;
    i32 tid;
    i32 pad[11];
};
static_assert(sizeof(SigEvent) == 64);

struct ITimerSpec {
    LinuxTimespec interval;
    LinuxTimespec value;
};

constexpr int kTimerAbstime = 1;
constexpr int kSigAlrm = 14;

ErrorOr<long> sys_timer_create(int clock, UserPtr<SigEvent> user_event, UserPtr<i32> user_id)
{
    posix_timers::Request request { clock, posix_timers::kSigevSignal, kSigAlrm, 0, 0, false };
    if (!user_event.is_null()) {
        auto event = TRY(copy_from_user(user_event));
        request.notify = event.notify;
        request.signal = event.signo;
        request.tid = event.tid;
        request.value = event.value;
        request.has_value = true;
    }
    int id = TRY(posix_timers::create(request));
    auto copied = copy_to_user(user_id, static_cast<i32>(id));
    if (copied.is_error()) {
        (void)posix_timers::remove(id);
        return copied.error();
    }
    return 0;
}

ITimerSpec to_user(posix_timers::Spec const& spec) { return { ns_to_timespec(spec.interval_ns), ns_to_timespec(spec.value_ns) }; }

ErrorOr<long> sys_timer_settime(i32 id, int flags, UserPtr<ITimerSpec> user_new, UserPtr<ITimerSpec> user_old)
{
    if (user_new.is_null())
        return Error::from_errno(EINVAL);
    auto request = TRY(copy_from_user(user_new));
    posix_timers::Spec spec { TRY(timespec_to_ns(request.interval)), TRY(timespec_to_ns(request.value)) };
    posix_timers::Spec old {};
    TRY(posix_timers::set(id, flags & kTimerAbstime, spec, old));
    if (!user_old.is_null())
        TRY(copy_to_user(user_old, to_user(old)));
    return 0;
}

ErrorOr<long> sys_timer_gettime(i32 id, UserPtr<ITimerSpec> user_current)
{
    auto spec = TRY(posix_timers::get(id));
    TRY(copy_to_user(user_current, to_user(spec)));
    return 0;
}

ErrorOr<long> sys_timer_getoverrun(i32 id)
{
    return TRY(posix_timers::overrun(id));
}

ErrorOr<long> sys_timer_delete(i32 id)
{
    TRY(posix_timers::remove(id));
    return 0;
}

}

REGISTER_SYSCALL(timer_create, sys_timer_create);
REGISTER_SYSCALL(timer_settime, sys_timer_settime);
REGISTER_SYSCALL(timer_gettime, sys_timer_gettime);
REGISTER_SYSCALL(timer_getoverrun, sys_timer_getoverrun);
REGISTER_SYSCALL(timer_delete, sys_timer_delete);
