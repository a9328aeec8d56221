// Time system calls: clock_gettime, clock_getres, clock_settime,
// clock_nanosleep, nanosleep, gettimeofday, settimeofday, time, times,
// getrusage. Clocks: the monotonic clock of sched/clock.h (TSC based, ns
// resolution; BOOTTIME equals it, as nothing suspends), the wall clock
// (the RTC's reading at boot plus monotonic time, drivers/rtc.h), and the
// CPU-time clocks from the scheduler's per-thread accounting.
//
// Setting the wall clock: ktime keeps the epoch second at which monotonic
// time began; the sub-second rest of a clock_settime is kept here and the
// file systems' clock (fs/vfs/fs_clock.h) reads through it, so files and
// clock_gettime agree to the nanosecond.
//
// Sleeps end early for a signal (proc/signals.h sleep_until_signal) with
// EINTR and, for relative sleeps, the time left in `rem`; the signal code
// restarts the call instead when no handler ran (signal_abi.cpp: nanosleep
// and clock_nanosleep are ERESTARTNOHAND calls).
#include <atomic>
#include <fs/vfs/fs_clock.h>
#include <lib/string.h>
#include <mm/address_space.h>
#include <mm/layout.h>
#include <proc/current.h>
#include <proc/signals.h>
#include <sched/clock.h>
#include <sched/mutex.h>
#include <sched/scheduler.h>
#include <sched/wait_queue.h>
#include <syscall/syscall.h>
#include <syscall/syscall_args.h>

namespace {

using namespace sysargs;

// --- the wall clock ---

// The part of the last setting below a whole second (ktime keeps seconds).
std::atomic<u64> s_realtime_fraction_ns { 0 };
// settimeofday's time zone: kept and reported, used for nothing else.
std::atomic<i32> s_tz_minuteswest { 0 };
std::atomic<i32> s_tz_dsttime { 0 };
constinit Spinlock s_set_lock { "wall clock setting" };
// Absolute CLOCK_REALTIME sleepers (clock_nanosleep TIMER_ABSTIME) wait
// here, so that setting the clock wakes them to measure again (Linux's
// clock_was_set); the generation tells a clock change from a spurious
// wake-up.
constinit Spinlock s_realtime_sleep_lock { "realtime sleepers" };
WaitQueue s_realtime_sleepers;
u64 s_clock_generation { 0 };

u64 realtime_now_ns() { return ktime::realtime_ns() + s_realtime_fraction_ns.load(std::memory_order_relaxed); }

i64 fs_clock() { return static_cast<i64>(realtime_now_ns()); }

// Linux refuses a wall time before the moment the system started (it
// would make boot time negative).
ErrorOr<void> set_realtime(u64 wanted_ns)
{
    SpinlockLocker locker(s_set_lock);
    u64 since_boot = ktime::monotonic_ns();
    if (wanted_ns < since_boot)
        return Error::from_errno(EINVAL);
    u64 at_boot = wanted_ns - since_boot;
    ktime::set_realtime_at_boot(at_boot / kNsPerSecond);
    s_realtime_fraction_ns.store(at_boot % kNsPerSecond, std::memory_order_relaxed);
    vfs::set_fs_clock(fs_clock);
    locker.unlock();
    SpinlockLocker sleepers(s_realtime_sleep_lock);
    ++s_clock_generation;
    s_realtime_sleepers.wake_all();
    return {};
}

// clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME): until the wall clock
// reads `wall_deadline_ns`, however it is set meanwhile. EINTR for a
// signal.
ErrorOr<void> sleep_until_wall_time(u64 wall_deadline_ns)
{
    SpinlockLocker locker(s_realtime_sleep_lock);
    for (;;) {
        u64 wall = realtime_now_ns();
        if (wall >= wall_deadline_ns)
            return {};
        if (current::interrupted())
            return Error::from_errno(EINTR);
        u64 generation = s_clock_generation;
        u64 deadline = saturating_add(ktime::monotonic_ns(), wall_deadline_ns - wall);
        while (generation == s_clock_generation && !current::interrupted()) {
            if (s_realtime_sleepers.wait(locker, deadline).is_error())
                break; // the deadline: look at the wall clock again
        }
    }
}

// --- CPU time ---

struct CpuTime {
    u64 user_ns;
    u64 system_ns;
    u64 voluntary_switches;
    u64 involuntary_switches;
};

CpuTime thread_cpu_time(Thread& thread)
{
    // cpu_time_ns() charges the running stretch, so the fields are current.
    sched::cpu_time_ns(&thread);
    return { thread.user_ns, thread.system_ns, thread.voluntary_switches, thread.involuntary_switches };
}

// The sum over a process's threads, live and exited.
ErrorOr<CpuTime> process_cpu_time(Process& process)
{
    if (&process == &current::process())
        sched::cpu_time_ns(&current::thread()); // charge the caller's running stretch first
    MutexLocker locker(process::lock());
    ThreadSnapshots threads;
    TRY(threads.take());
    auto times = process.times(threads);
    return CpuTime { times.user_ns, times.system_ns, times.voluntary_switches, times.involuntary_switches };
}

// The process a CPU clock names: 0 or the caller's own pid is the caller.
ErrorOr<CpuTime> cpu_time_of_process(i32 pid)
{
    Process& self = current::process();
    if (pid == 0 || pid == self.pid())
        return process_cpu_time(self);
    auto found = process::find(pid);
    if (found.is_error())
        return Error::from_errno(EINVAL); // a clock of no process is an invalid clock
    Process* process = found.value();
    auto result = process_cpu_time(*process);
    process->unref();
    return result;
}

// Under the process lock: the member of `process` with TID `tid`.
Thread* member_with_tid_locked(Process const& process, u32 tid)
{
    Thread* found = nullptr;
    process.for_each_thread([&](ProcessThread const& member) {
        if (member.thread && member.thread->tid == tid)
            found = member.thread;
    });
    return found;
}

// A thread CPU clock: 0 or the caller's own TID is the caller; otherwise
// the thread with that TID, in the caller's process first, then in any.
// Under the process lock a member thread is not freed.
ErrorOr<CpuTime> cpu_time_of_thread(i32 tid)
{
    Thread& me = current::thread();
    if (tid == 0 || static_cast<u32>(tid) == me.tid)
        return thread_cpu_time(me);
    if (tid < 0)
        return Error::from_errno(EINVAL);
    {
        MutexLocker locker(process::lock());
        if (Thread* sibling = member_with_tid_locked(current::process(), static_cast<u32>(tid)))
            return thread_cpu_time(*sibling);
    }
    ErrorOr<CpuTime> result = Error::from_errno(EINVAL); // a clock of no thread is an invalid clock
    bool found = false;
    process::for_each([&](Process& process, ThreadSnapshots const&) {
        if (found || process.state() != ProcessState::Live)
            return;
        if (Thread* thread = member_with_tid_locked(process, static_cast<u32>(tid))) {
            result = thread_cpu_time(*thread);
            found = true;
        }
    });
    return result;
}

u64 total_ns(CpuTime const& time, bool user_only) { return user_only ? time.user_ns : time.user_ns + time.system_ns; }

ErrorOr<u64> read_clock(ClockId const& clock)
{
    switch (clock.source) {
    case ClockSource::Realtime:
        return realtime_now_ns();
    case ClockSource::Monotonic:
        return ktime::monotonic_ns();
    case ClockSource::ProcessCpu:
        return total_ns(TRY(cpu_time_of_process(clock.pid)), clock.user_only);
    case ClockSource::ThreadCpu:
        return total_ns(TRY(cpu_time_of_thread(clock.pid)), clock.user_only);
    }
    return Error::from_errno(EINVAL);
}

ErrorOr<long> sys_clock_gettime(int clock, UserPtr<LinuxTimespec> time)
{
    ClockId id = TRY(decode_clock(clock));
    u64 now = TRY(read_clock(id));
    TRY(copy_to_user(time, ns_to_timespec(now)));
    return 0;
}
REGISTER_SYSCALL(clock_gettime, sys_clock_gettime);

ErrorOr<long> sys_clock_getres(int clock, UserPtr<LinuxTimespec> resolution)
{
    ClockId id = TRY(decode_clock(clock));
    // A CPU clock of a process or thread that does not exist is invalid.
    if (id.pid != 0 && (id.source == ClockSource::ProcessCpu || id.source == ClockSource::ThreadCpu))
        TRY(read_clock(id));
    // Everything reads the TSC (1 ns), except that the coarse clocks
    // promise only the tick.
    u64 ns = id.coarse ? kNsPerSecond / ktime::kDefaultTickHz : 1;
    if (!resolution.is_null())
        TRY(copy_to_user(resolution, ns_to_timespec(ns)));
    return 0;
}
REGISTER_SYSCALL(clock_getres, sys_clock_getres);

ErrorOr<long> sys_clock_settime(int clock, UserPtr<LinuxTimespec const> time)
{
    // Only the wall clock can be set (EINVAL for the others, as Linux).
    if (clock != kClockRealtime)
        return Error::from_errno(EINVAL);
    auto wanted = TRY(copy_from_user(time.as<LinuxTimespec>()));
    u64 ns = TRY(timespec_to_ns(wanted));
    if (!current::credentials().is_superuser())
        return Error::from_errno(EPERM);
    TRY(set_realtime(ns));
    return 0;
}
REGISTER_SYSCALL(clock_settime, sys_clock_settime);

// Sleeps until `deadline_ns` of the monotonic clock, or until a signal
// is deliverable (EINTR). A deadline already past returns at once, even
// with a signal pending.
ErrorOr<void> sleep_until(u64 deadline_ns)
{
    if (deadline_ns <= ktime::monotonic_ns())
        return {};
    auto slept = signals::sleep_until_signal(deadline_ns);
    if (slept.is_error())
        return {}; // ETIMEDOUT: the whole time went by
    return Error::from_errno(EINTR);
}

// A relative sleep that a signal ended: what was left goes to `remaining`
// (if given), then EINTR.
ErrorOr<long> interrupted_sleep(u64 deadline_ns, UserPtr<LinuxTimespec> remaining)
{
    if (!remaining.is_null()) {
        u64 now = ktime::monotonic_ns();
        TRY(copy_to_user(remaining, ns_to_timespec(deadline_ns > now ? deadline_ns - now : 0)));
    }
    return Error::from_errno(EINTR);
}

// A CPU-time clock cannot wake a sleeper: sample it, sleeping in between
// for the least wall time in which the clock could reach its target (it
// runs at most as fast as all CPUs together).
ErrorOr<void> sleep_on_cpu_clock(ClockId const& clock, u64 target_ns)
{
    constexpr u64 kMinimumNap = 100'000; // 100 us
    u32 cpus = sched::online_cpu_count();
    for (;;) {
        u64 now = TRY(read_clock(clock));
        if (now >= target_ns)
            return {};
        u64 nap = (target_ns - now) / (cpus ? cpus : 1);
        TRY(sleep_until(saturating_add(ktime::monotonic_ns(), nap > kMinimumNap ? nap : kMinimumNap)));
    }
}

ErrorOr<long> sys_clock_nanosleep(int clock, int flags, UserPtr<LinuxTimespec const> request,
    UserPtr<LinuxTimespec> remaining)
{
    ClockId id = TRY(decode_sleep_clock(clock));
    auto wanted = TRY(copy_from_user(request.as<LinuxTimespec>()));
    u64 ns = TRY(timespec_to_ns(wanted));
    bool absolute = flags & kTimerAbsTime;
    switch (id.source) {
    case ClockSource::Monotonic:
    case ClockSource::Realtime: {
        u64 monotonic = ktime::monotonic_ns();
        u64 deadline = saturating_add(monotonic, ns);
        if (absolute && id.source == ClockSource::Monotonic) {
            deadline = ns;
        } else if (absolute) {
            TRY(sleep_until_wall_time(ns));
            return 0;
        }
        if (sleep_until(deadline).is_error()) {
            // Only a relative sleep reports what was left.
            return absolute ? Error::from_errno(EINTR) : interrupted_sleep(deadline, remaining);
        }
        return 0;
    }
    case ClockSource::ProcessCpu: {
        u64 target = ns;
        if (!absolute)
            target = saturating_add(TRY(read_clock(id)), ns);
        auto slept = sleep_on_cpu_clock(id, target);
        if (slept.is_error() && slept.error().code() == EINTR && !absolute && !remaining.is_null()) {
            u64 now = TRY(read_clock(id));
            TRY(copy_to_user(remaining, ns_to_timespec(target > now ? target - now : 0)));
        }
        TRY(slept);
        return 0;
    }
    case ClockSource::ThreadCpu:
        break;
    }
    return Error::from_errno(EINVAL);
}
REGISTER_SYSCALL(clock_nanosleep, sys_clock_nanosleep);

ErrorOr<long> sys_nanosleep(UserPtr<LinuxTimespec const> request, UserPtr<LinuxTimespec> remaining)
{
    auto wanted = TRY(copy_from_user(request.as<LinuxTimespec>()));
    u64 ns = TRY(timespec_to_ns(wanted));
    u64 deadline = saturating_add(ktime::monotonic_ns(), ns);
    if (sleep_until(deadline).is_error())
        return interrupted_sleep(deadline, remaining);
    return 0;
}
REGISTER_SYSCALL(nanosleep, sys_nanosleep);

ErrorOr<long> sys_gettimeofday(UserPtr<LinuxTimeval> time, UserPtr<LinuxTimezone> zone)
{
    if (!time.is_null())
        TRY(copy_to_user(time, ns_to_timeval(realtime_now_ns())));
    if (!zone.is_null()) {
        LinuxTimezone tz { s_tz_minuteswest.load(std::memory_order_relaxed), s_tz_dsttime.load(std::memory_order_relaxed) };
        TRY(copy_to_user(zone, tz));
    }
    return 0;
}
REGISTER_SYSCALL(gettimeofday, sys_gettimeofday);

// Linux's order: copy and check the time, copy and check the zone, then
// the privilege.
ErrorOr<long> sys_settimeofday(UserPtr<LinuxTimeval const> time, UserPtr<LinuxTimezone const> zone)
{
    u64 ns = 0;
    if (!time.is_null()) {
        auto wanted = TRY(copy_from_user(time.as<LinuxTimeval>()));
        ns = TRY(timeval_to_ns(wanted));
    }
    LinuxTimezone tz {};
    if (!zone.is_null()) {
        tz = TRY(copy_from_user(zone.as<LinuxTimezone>()));
        if (tz.tz_minuteswest > 15 * 60 || tz.tz_minuteswest < -15 * 60)
            return Error::from_errno(EINVAL);
    }
    if (!current::credentials().is_superuser())
        return Error::from_errno(EPERM);
    if (!zone.is_null()) {
        s_tz_minuteswest.store(tz.tz_minuteswest, std::memory_order_relaxed);
        s_tz_dsttime.store(tz.tz_dsttime, std::memory_order_relaxed);
    }
    if (!time.is_null())
        TRY(set_realtime(ns));
    return 0;
}
REGISTER_SYSCALL(settimeofday, sys_settimeofday);

ErrorOr<long> sys_time(UserPtr<i64> location)
{
    i64 seconds = static_cast<i64>(realtime_now_ns() / kNsPerSecond);
    if (!location.is_null())
        TRY(copy_to_user(location, seconds));
    return seconds;
}
REGISTER_SYSCALL(time, sys_time);

// The waited-for children's times (wait4 adds each reaped child's own and
// its children's, proc/wait.cpp). Their peak RSS is not kept.
CpuTime children_cpu_time()
{
    MutexLocker locker(process::lock());
    auto times = current::process().children_times();
    return { times.user_ns, times.system_ns, times.voluntary_switches, times.involuntary_switches };
}

struct LinuxTms {
    i64 tms_utime;
    i64 tms_stime;
    i64 tms_cutime;
    i64 tms_cstime;
};

ErrorOr<long> sys_times(UserPtr<LinuxTms> buffer)
{
    if (!buffer.is_null()) {
        CpuTime self = TRY(process_cpu_time(current::process()));
        CpuTime children = children_cpu_time();
        LinuxTms tms { ns_to_clock_t(self.user_ns), ns_to_clock_t(self.system_ns), ns_to_clock_t(children.user_ns),
            ns_to_clock_t(children.system_ns) };
        TRY(copy_to_user(buffer, tms));
    }
    // Clock ticks since an arbitrary point: boot.
    return ns_to_clock_t(ktime::monotonic_ns());
}
REGISTER_SYSCALL(times, sys_times);

struct LinuxRusage {
    LinuxTimeval ru_utime;
    LinuxTimeval ru_stime;
    i64 ru_maxrss; // KiB
    i64 ru_ixrss;
    i64 ru_idrss;
    i64 ru_isrss;
    i64 ru_minflt;
    i64 ru_majflt;
    i64 ru_nswap;
    i64 ru_inblock;
    i64 ru_oublock;
    i64 ru_msgsnd;
    i64 ru_msgrcv;
    i64 ru_nsignals;
    i64 ru_nvcsw;
    i64 ru_nivcsw;
};
static_assert(sizeof(LinuxRusage) == 144);

constexpr int kRusageSelf = 0;
constexpr int kRusageChildren = -1;
constexpr int kRusageThread = 1;

ErrorOr<long> sys_getrusage(int who, UserPtr<LinuxRusage> buffer)
{
    CpuTime time;
    i64 max_rss_kib = 0;
    switch (who) {
    case kRusageSelf:
    case kRusageThread: {
        time = who == kRusageSelf ? TRY(process_cpu_time(current::process())) : thread_cpu_time(current::thread());
        // The resident set now, standing in for its peak (not tracked).
        max_rss_kib = static_cast<i64>(current::address_space().resident_pages() * (mm::kPageSize / KiB));
        break;
    }
    case kRusageChildren:
        time = children_cpu_time();
        break;
    default:
        return Error::from_errno(EINVAL);
    }
    LinuxRusage usage;
    memset(&usage, 0, sizeof(usage));
    usage.ru_utime = ns_to_timeval(time.user_ns);
    usage.ru_stime = ns_to_timeval(time.system_ns);
    usage.ru_maxrss = max_rss_kib;
    usage.ru_nvcsw = static_cast<i64>(time.voluntary_switches);
    usage.ru_nivcsw = static_cast<i64>(time.involuntary_switches);
    TRY(copy_to_user(buffer, usage));
    return 0;
}
REGISTER_SYSCALL(getrusage, sys_getrusage);

}
