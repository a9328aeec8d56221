// timerfd_create, timerfd_settime, timerfd_gettime (fs/timerfd.h).
#include <fs/anon_inode.h>
#include <fs/timerfd.h>
#include <fs/vfs/fd_table.h>
#include <proc/current.h>
#include <syscall/syscall.h>
#include <syscall/syscall_args.h>

namespace {

using namespace sysargs;

struct ITimerSpec {
    LinuxTimespec interval;
    LinuxTimespec value;
};

ErrorOr<long> sys_timerfd_create(int clock, int flags)
{
    u32 bits = static_cast<u32>(flags);
    if (bits & ~(timerfd::kTfdCloexec | timerfd::kTfdNonblock))
        return Error::from_errno(EINVAL);
    bool realtime;
    switch (clock) {
    case kClockRealtime:
    case kClockRealtimeAlarm:
        realtime = true;
        break;
    case kClockMonotonic:
    case kClockBoottime:
    case kClockBoottimeAlarm:
        realtime = false;
        break;
    default:
        return Error::from_errno(EINVAL);
    }
    auto file = TRY(timerfd::create(realtime, bits));
    return anon_inode::install(std::move(file), bits & timerfd::kTfdCloexec);
}

ErrorOr<RefPtr<vfs::OpenFile>> timerfd_of(int fd)
{
    auto file = TRY(current::fd_table().get(fd));
    if (!timerfd::is_timerfd(*file))
        return Error::from_errno(EINVAL);
    return file;
}

ITimerSpec to_user(timerfd::Spec const& spec) { return { ns_to_timespec(spec.interval_ns), ns_to_timespec(spec.value_ns) }; }

ErrorOr<long> sys_timerfd_settime(int fd, int flags, UserPtr<ITimerSpec> user_new, UserPtr<ITimerSpec> user_old)
{
    u32 bits = static_cast<u32>(flags);
    if (bits & ~(timerfd::kTfdTimerAbstime | timerfd::kTfdTimerCancelOnSet))
        return Error::from_errno(EINVAL);
    auto request = TRY(copy_from_user(user_new));
    auto file = TRY(timerfd_of(fd));
    // TFD_TIMER_CANCEL_ON_SET (absolute wall-clock timers; Linux ignores
    // it elsewhere) is accepted, but the cancellation itself (ECANCELED
    // when the wall clock is set) is not implemented: setting the clock
    // leaves the timer alone.
    timerfd::Spec spec { TRY(timespec_to_ns(request.interval)), TRY(timespec_to_ns(request.value)) };
    timerfd::Spec old {};
    TRY(timerfd::set(*file, bits & timerfd::kTfdTimerAbstime, spec, old));
    if (!user_old.is_null())
        TRY(copy_to_user(user_old, to_user(old)));
    return 0;
}

ErrorOr<long> sys_timerfd_gettime(int fd, UserPtr<ITimerSpec> user_current)
{
    auto file = TRY(timerfd_of(fd));
    TRY(copy_to_user(user_current, to_user(timerfd::get(*file))));
    return 0;
}

}

REGISTER_SYSCALL(timerfd_create, sys_timerfd_create);
REGISTER_SYSCALL(timerfd_settime, sys_timerfd_settime);
REGISTER_SYSCALL(timerfd_gettime, sys_timerfd_gettime);
