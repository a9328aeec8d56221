// POSIX per-process timers (proc/posix_timers.h).
#include <fs/vfs/fs_clock.h>
#include <lib/intrusive_list.h>
#include <lib/string.h>
#include <proc/current.h>
#include <proc/posix_timers.h>
#include <proc/process.h>
#include <proc/signals.h>
#include <sched/clock.h>
#include <sched/mutex.h>
#include <sched/timer.h>

namespace posix_timers {

namespace {

// Linux bounds timers by RLIMIT_SIGPENDING through their queue entries;
// a fixed per-process bound serves the same purpose here.
constexpr int kMaxPerProcess = 4096;

constexpr int kClockRealtime = 0;
constexpr int kClockMonotonic = 1;
constexpr int kClockBoottime = 7;
constexpr int kClockRealtimeAlarm = 8;
constexpr int kClockBoottimeAlarm = 9;
constexpr int kClockTai = 11;

struct PosixTimer {
    IntrusiveListNode node; // on s_timers
    Process* owner { nullptr };
    int id { 0 };
    bool realtime { false };
    int notify { kSigevSignal };
    i32 tid { 0 };
    Spinlock lock { "posix timer" };
    Timer timer;
    bool armed { false };
    u64 next_ns { 0 }; // monotonic
    u64 interval_ns { 0 };
    signals::SigInfo info {};
    signals::QueuedSignal entry;
    i32 overrun_last { 0 };
};

Mutex s_lock { "posix timers" };
IntrusiveList<PosixTimer, &PosixTimer::node> s_timers;

PosixTimer* find_locked(Process& owner, int id)
{
    for (auto& timer : s_timers) {
        if (timer.owner == &owner && timer.id == id)
            return &timer;
    }
    return nullptr;
}

u64 saturating(u64 a, u64 b) { return a + b < a ? ~0ull - 1 : a + b; }

void fired(Timer& kernel_timer)
{
    auto& timer = *static_cast<PosixTimer*>(kernel_timer.context);
    u64 again = 0;
    SpinlockLocker locker(timer.lock);
    if (!timer.armed)
        return;
    u64 now = ktime::monotonic_ns();
    if (now < timer.next_ns) {
        again = timer.next_ns;
    } else {
        u64 count = 1;
        if (timer.interval_ns) {
            count += (now - timer.next_ns) / timer.interval_ns;
            timer.next_ns += count * timer.interval_ns;
            again = timer.next_ns;
        } else {
            timer.armed = false;
        }
        if (timer.notify != kSigevNone) {
            u32 expirations = count > 0x7fffffff ? 0x7fffffff : static_cast<u32>(count);
            signals::SigInfo info = timer.info;
            i32 overrun = static_cast<i32>(expirations) - 1;
            memcpy(info.fields.bytes + 4, &overrun, 4);
            signals::send_timer_signal(*timer.owner, timer.tid, timer.entry, info, expirations, timer.overrun_last);
        }
    }
    locker.unlock();
    if (again)
        timer::arm(kernel_timer, again, fired, &timer); // from its own callback, on its own CPU
}

// No callback pending or running afterwards, until the next arm.
void stop(PosixTimer& timer)
{
    {
        SpinlockLocker locker(timer.lock);
        timer.armed = false;
    }
    (void)timer::cancel(timer.timer);
    (void)timer::cancel(timer.timer);
}

Spec describe_locked(PosixTimer const& timer)
{
    Spec spec { timer.interval_ns, 0 };
    if (timer.armed) {
        u64 now = ktime::monotonic_ns();
        spec.value_ns = timer.next_ns > now ? timer.next_ns - now : 1;
    }
    return spec;
}

// Unlinked from s_timers by the caller (under s_lock).
void destroy(PosixTimer& timer)
{
    stop(timer);
    signals::cancel_timer_signal(*timer.owner, timer.entry);
    delete &timer;
}

}

ErrorOr<int> create(Request const& request)
{
    bool realtime;
    switch (request.clock) {
    case kClockRealtime:
    case kClockRealtimeAlarm:
    case kClockTai:
        realtime = true;
        break;
    case kClockMonotonic:
    case kClockBoottime:
    case kClockBoottimeAlarm:
        realtime = false;
        break;
    default:
        // The CPU-time clocks (PROCESS_CPUTIME_ID...) have no timers here.
        return Error::from_errno(EINVAL);
    }
    Process& me = current::process();
    switch (request.notify) {
    case kSigevThreadId:
        if (request.tid <= 0 || !signals::has_thread(me, request.tid))
            return Error::from_errno(EINVAL);
        [[fallthrough]];
    case kSigevSignal:
    case kSigevThread:
        if (!signals::is_valid(request.signal))
            return Error::from_errno(EINVAL);
        break;
    case kSigevNone:
        break;
    default:
        return Error::from_errno(EINVAL);
    }

    auto* timer = new (std::nothrow) PosixTimer;
    if (!timer)
        return Error::from_errno(ENOMEM);
    MutexLocker locker(s_lock);
    int count = 0;
    int id = 0;
    // The lowest free id (Linux hands them out in order from 0).
    for (bool taken = true; taken;) {
        taken = false;
        for (auto& other : s_timers) {
            if (other.owner != &me)
                continue;
            if (other.id == id) {
                taken = true;
                ++id;
            }
        }
    }
    for (auto& other : s_timers) {
        if (other.owner == &me)
            ++count;
    }
    if (count >= kMaxPerProcess) {
        delete timer;
        return Error::from_errno(EAGAIN);
    }
    timer->owner = &me;
    timer->id = id;
    timer->realtime = realtime;
    timer->notify = request.notify == kSigevThreadId ? kSigevThreadId : (request.notify == kSigevNone ? kSigevNone : kSigevSignal);
    timer->tid = request.notify == kSigevThreadId ? request.tid : 0;
    timer->entry.preallocated = true;
    // si_tid, si_overrun, si_value (the timer member of siginfo's union).
    signals::SigInfo& info = timer->info;
    memset(&info, 0, sizeof(info));
    info.signo = request.signal;
    info.code = signals::kSiTimer;
    i32 timer_id = id;
    u64 value = request.has_value ? request.value : static_cast<u64>(id);
    memcpy(info.fields.bytes, &timer_id, 4);
    memcpy(info.fields.bytes + 8, &value, 8);
    timer->entry.info = info;
    s_timers.append(*timer);
    return id;
}

ErrorOr<void> set(int id, bool absolute, Spec const& spec, Spec& old)
{
    MutexLocker locker(s_lock);
    PosixTimer* timer = find_locked(current::process(), id);
    if (!timer)
        return Error::from_errno(EINVAL);
    {
        SpinlockLocker timer_locker(timer->lock);
        old = describe_locked(*timer);
    }
    stop(*timer);
    if (!spec.value_ns)
        return {};
    u64 arm_at;
    {
        SpinlockLocker timer_locker(timer->lock);
        u64 now = ktime::monotonic_ns();
        u64 delay = spec.value_ns;
        if (absolute) {
            u64 clock_now = timer->realtime ? static_cast<u64>(vfs::fs_now_ns()) : now;
            delay = spec.value_ns > clock_now ? spec.value_ns - clock_now : 0;
        }
        timer->interval_ns = spec.interval_ns;
        timer->next_ns = saturating(now, delay);
        timer->armed = true;
        arm_at = timer->next_ns;
    }
    timer::arm(timer->timer, arm_at, fired, timer);
    return {};
}

ErrorOr<Spec> get(int id)
{
    MutexLocker locker(s_lock);
    PosixTimer* timer = find_locked(current::process(), id);
    if (!timer)
        return Error::from_errno(EINVAL);
    SpinlockLocker timer_locker(timer->lock);
    return describe_locked(*timer);
}

ErrorOr<int> overrun(int id)
{
    MutexLocker locker(s_lock);
    PosixTimer* timer = find_locked(current::process(), id);
    if (!timer)
        return Error::from_errno(EINVAL);
    i32 last;
    {
        SpinlockLocker timer_locker(timer->lock);
        last = timer->overrun_last;
    }
    return signals::timer_signal_overrun(*timer->owner, timer->entry, last);
}

ErrorOr<void> remove(int id)
{
    MutexLocker locker(s_lock);
    PosixTimer* timer = find_locked(current::process(), id);
    if (!timer)
        return Error::from_errno(EINVAL);
    s_timers.remove(*timer);
    destroy(*timer);
    return {};
}

void release_all(Process& process)
{
    MutexLocker locker(s_lock);
    for (auto& timer : s_timers.removal_safe()) {
        if (timer.owner != &process)
            continue;
        s_timers.remove(timer);
        destroy(timer);
    }
}

}
