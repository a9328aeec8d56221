// futex(2) (ipc/futex.h does the queueing).
#include <ipc/futex.h>
#include <sched/clock.h>
#include <syscall/syscall.h>

namespace {

struct TimeSpec {
    i64 seconds;
    i64 nanoseconds;
};

ErrorOr<u64> to_ns(UserPtr<TimeSpec> user)
{
    auto spec = TRY(copy_from_user(user));
    if (spec.seconds < 0 || spec.nanoseconds < 0 || spec.nanoseconds >= 1000000000)
        return Error::from_errno(EINVAL);
    if (static_cast<u64>(spec.seconds) > (~0ull / 1000000000) - 1)
        return ~0ull / 2;
    return static_cast<u64>(spec.seconds) * 1000000000ull + static_cast<u64>(spec.nanoseconds);
}

ErrorOr<long> sys_futex(u64 address, int operation, u32 value, u64 timeout_or_value2, u64 address2, u32 value3)
{
    bool is_private = operation & futex::kPrivateFlag;
    bool realtime = operation & futex::kClockRealtime;
    int command = operation & ~(futex::kPrivateFlag | futex::kClockRealtime);
    if (realtime && command != futex::kWaitBitset)
        return Error::from_errno(ENOSYS);
    switch (command) {
    case futex::kWait:
    case futex::kWaitBitset: {
        u64 deadline = 0;
        if (timeout_or_value2) {
            u64 ns = TRY(to_ns(UserPtr<TimeSpec>(timeout_or_value2)));
            u64 now = ktime::monotonic_ns();
            if (command == futex::kWait) {
                deadline = now + ns; // relative
            } else if (realtime) {
                u64 real_now = ktime::realtime_ns();
                deadline = ns > real_now ? now + (ns - real_now) : now;
            } else {
                deadline = ns; // absolute CLOCK_MONOTONIC
            }
            if (deadline == 0)
                deadline = 1;
        }
        u32 bitset = command == futex::kWait ? futex::kBitsetMatchAny : value3;
        TRY(futex::wait(address, value, is_private, deadline, bitset));
        return 0;
    }
    case futex::kWake:
    case futex::kWakeBitset: {
        u32 bitset = command == futex::kWake ? futex::kBitsetMatchAny : value3;
        return static_cast<long>(TRY(futex::wake(address, value, is_private, bitset)));
    }
    case futex::kRequeue:
    case futex::kCmpRequeue: {
        // val2 (the requeue count) travels in the timeout argument.
        if (static_cast<i32>(value) < 0 || static_cast<i32>(timeout_or_value2) < 0)
            return Error::from_errno(EINVAL);
        return static_cast<long>(TRY(futex::requeue(address, value, address2, static_cast<u32>(timeout_or_value2),
            is_private, command == futex::kCmpRequeue, value3)));
    }
    case futex::kWakeOp:
        return static_cast<long>(
            TRY(futex::wake_op(address, value, address2, static_cast<u32>(timeout_or_value2), value3, is_private)));
    default:
        return Error::from_errno(ENOSYS);
    }
}
REGISTER_SYSCALL(futex, sys_futex);

}
