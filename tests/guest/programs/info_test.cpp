// /tests/bin/info_test: system information, time, limits and scheduling
// calls (issue 4, point 5): uname, sysinfo, getrandom, clock_gettime/
// getres/nanosleep/clock_nanosleep, gettimeofday, time, times, getrusage,
// prlimit64, sched_{get,set}affinity, sched_{get,set}scheduler/param,
// nice/getpriority/setpriority, sched_yield, sethostname.
//
// Error cases of the clock calls use the raw system call: glibc may answer
// them from the vDSO without entering the kernel.
#include "guest_test.h"

#include <ctime>
#include <initializer_list>
#include <sched.h>
#include <fcntl.h>
#include <sys/klog.h>
#include <vector>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/utsname.h>

namespace {

long long ns_of(timespec ts) { return ts.tv_sec * 1000000000LL + ts.tv_nsec; }

long long monotonic_ns()
{
    timespec ts {};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ns_of(ts);
}

// Burns `ms` milliseconds of CPU time (by CLOCK_PROCESS_CPUTIME_ID) in
// user mode, for at most one second of real time.
void burn_cpu(long ms)
{
    timespec start {}, now {};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
    volatile unsigned long sink = 0;
    long long deadline = monotonic_ns() + 1000000000LL;
    do {
        for (int i = 0; i < 10000; ++i)
            sink = sink + i;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    } while (ns_of(now) - ns_of(start) < ms * 1000000LL && monotonic_ns() < deadline);
}

bool nul_terminated_and_non_empty(const char* field, size_t size)
{
    return memchr(field, 0, size) != nullptr && field[0] != 0;
}

}

TEST(uname_fields_are_terminated_and_non_empty)
{
    utsname name;
    memset(&name, 0xff, sizeof(name));
    EXPECT_OK(uname(&name));
    EXPECT(nul_terminated_and_non_empty(name.sysname, sizeof(name.sysname)));
    EXPECT(nul_terminated_and_non_empty(name.nodename, sizeof(name.nodename)));
    EXPECT(nul_terminated_and_non_empty(name.release, sizeof(name.release)));
    EXPECT(nul_terminated_and_non_empty(name.version, sizeof(name.version)));
    EXPECT(nul_terminated_and_non_empty(name.machine, sizeof(name.machine)));
    EXPECT_ERRNO(syscall(SYS_uname, guest_test::bad_pointer(1)), EFAULT);
}

TEST(sethostname_and_gethostname)
{
    if (geteuid() != 0)
        SKIP("sethostname needs root");
    char current[65] = {};
    EXPECT_OK(gethostname(current, sizeof(current) - 1));
    // Setting the same name again changes nothing visible.
    EXPECT_OK(sethostname(current, strlen(current)));
    utsname name;
    EXPECT_OK(uname(&name));
    EXPECT_STREQ(name.nodename, current);
    char too_long[100];
    memset(too_long, 'h', sizeof(too_long));
    EXPECT_ERRNO(sethostname(too_long, sizeof(too_long)), EINVAL);
    int status = guest_test::in_child([] {
        EXPECT_OK(setuid(1000));
        char name[] = "not-allowed";
        EXPECT_ERRNO(sethostname(name, strlen(name)), EPERM);
    });
    EXPECT_EXITED(status, 0);
}

TEST(sysinfo_reports_memory_and_uptime)
{
    struct sysinfo info;
    memset(&info, 0, sizeof(info));
    EXPECT_OK(sysinfo(&info));
    EXPECT_GT(info.mem_unit, 0);
    EXPECT_GT(info.totalram, 0);
    EXPECT_LE(info.freeram, info.totalram);
    EXPECT_GE(info.uptime, 0);
    EXPECT_GE(info.procs, 1);
    EXPECT_ERRNO(syscall(SYS_sysinfo, guest_test::bad_pointer(1)), EFAULT);
}

TEST(getrandom_fills_and_differs)
{
    unsigned char first[32] = {}, second[32] = {};
    EXPECT_EQ(getrandom(first, sizeof(first), 0), (long)sizeof(first));
    EXPECT_EQ(getrandom(second, sizeof(second), 0), (long)sizeof(second));
    EXPECT(memcmp(first, second, sizeof(first)) != 0);
    unsigned char zero[32] = {};
    EXPECT(memcmp(first, zero, sizeof(first)) != 0);
    // Up to 256 bytes come back whole.
    unsigned char big[256];
    EXPECT_EQ(getrandom(big, sizeof(big), GRND_NONBLOCK), (long)sizeof(big));
    EXPECT_EQ(getrandom(big, 0, 0), 0);
    EXPECT_ERRNO(getrandom(big, sizeof(big), 0x100), EINVAL);
    EXPECT_ERRNO(getrandom(guest_test::bad_pointer(1), 16, 0), EFAULT);
}

TEST(clock_monotonic_never_goes_back)
{
    timespec previous {};
    EXPECT_OK(clock_gettime(CLOCK_MONOTONIC, &previous));
    for (int i = 0; i < 20000; ++i) {
        timespec now {};
        EXPECT_OK(clock_gettime(CLOCK_MONOTONIC, &now));
        EXPECT_GE(ns_of(now), ns_of(previous));
        EXPECT_LT(now.tv_nsec, 1000000000L);
        previous = now;
    }
    // The raw system call agrees with the (possibly vDSO) library call.
    timespec raw {}, libc {};
    EXPECT_OK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &raw));
    EXPECT_OK(clock_gettime(CLOCK_MONOTONIC, &libc));
    EXPECT_GE(ns_of(libc), ns_of(raw));
    EXPECT_LT(ns_of(libc) - ns_of(raw), 1000000000LL);
}

TEST(clock_realtime_is_a_recent_date)
{
    timespec now {};
    EXPECT_OK(clock_gettime(CLOCK_REALTIME, &now));
    tm calendar {};
    gmtime_r(&now.tv_sec, &calendar);
    EXPECT_GE(calendar.tm_year + 1900, 2024);
    EXPECT_LT(calendar.tm_year + 1900, 2200);
}

TEST(clock_errors)
{
    timespec ts {};
    EXPECT_ERRNO(syscall(SYS_clock_gettime, 12345, &ts), EINVAL);
    EXPECT_ERRNO(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, guest_test::bad_pointer(1)), EFAULT);
    EXPECT_ERRNO(syscall(SYS_clock_getres, 12345, &ts), EINVAL);
}

TEST(clock_getres_is_sane)
{
    for (clockid_t clock : { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME }) {
        timespec resolution {};
        EXPECT_OK(clock_getres(clock, &resolution));
        EXPECT_EQ(resolution.tv_sec, 0);
        EXPECT_GT(resolution.tv_nsec, 0);
        EXPECT_LE(resolution.tv_nsec, 10000000L); // 10 ms at worst
    }
    // A NULL result pointer is allowed.
    EXPECT_OK(syscall(SYS_clock_getres, CLOCK_MONOTONIC, nullptr));
}

TEST(setting_the_clock_wakes_absolute_realtime_sleepers)
{
    if (geteuid() != 0)
        SKIP("setting the clock needs root");
    timespec now {};
    clock_gettime(CLOCK_REALTIME, &now);
    pid_t child = fork();
    if (child == 0) {
        // A wall-clock deadline 30 s away: it arrives as soon as the
        // clock is set past it, not 30 s later.
        timespec target = now;
        target.tv_sec += 30;
        _exit(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &target, nullptr) == 0 ? 0 : 1);
    }
    usleep(100 * 1000);
    long long started = monotonic_ns();
    timespec forward = now;
    forward.tv_sec += 60;
    if (clock_settime(CLOCK_REALTIME, &forward) != 0) {
        int error = errno;
        kill(child, SIGKILL);
        waitpid(child, nullptr, 0);
        if (error == EPERM)
            SKIP("no permission to set the clock here (a container)");
        EXPECT_EQ(error, 0);
        return;
    }
    int status = 0;
    pid_t done = 0;
    // Well under the 30 s the sleep would otherwise take.
    while ((done = waitpid(child, &status, WNOHANG)) == 0 && monotonic_ns() - started < 10'000'000'000LL)
        usleep(10 * 1000);
    // Put the clock back where it would be.
    timespec back {};
    clock_gettime(CLOCK_REALTIME, &back);
    back.tv_sec -= 60;
    EXPECT_OK(clock_settime(CLOCK_REALTIME, &back));
    if (done == 0) {
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
    }
    EXPECT_EQ(done, child);
    EXPECT_EXITED(status, 0);
}

TEST(nanosleep_sleeps_at_least_the_time_asked)
{
    timespec request { 0, 30 * 1000 * 1000 };
    long long start = monotonic_ns();
    EXPECT_OK(nanosleep(&request, nullptr));
    long long slept = monotonic_ns() - start;
    EXPECT_GE(slept, 30000000LL);
    EXPECT_LT(slept, 5000000000LL);
    timespec zero { 0, 0 };
    EXPECT_OK(nanosleep(&zero, nullptr));
    timespec bad_nsec { 0, 1000000000L };
    EXPECT_ERRNO(nanosleep(&bad_nsec, nullptr), EINVAL);
    timespec negative { -1, 0 };
    EXPECT_ERRNO(nanosleep(&negative, nullptr), EINVAL);
    EXPECT_ERRNO(nanosleep(guest_test::bad_pointer<timespec>(1), nullptr), EFAULT);
}

TEST(clock_nanosleep_relative_and_absolute)
{
    timespec request { 0, 20 * 1000 * 1000 };
    long long start = monotonic_ns();
    // clock_nanosleep returns the error number instead of setting errno.
    EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &request, nullptr), 0);
    EXPECT_GE(monotonic_ns() - start, 20000000LL);
    timespec deadline {};
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += 20 * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_nsec -= 1000000000L;
        ++deadline.tv_sec;
    }
    EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr), 0);
    EXPECT_GE(monotonic_ns(), ns_of(deadline));
    // A deadline in the past returns at once.
    timespec past { 0, 1 };
    start = monotonic_ns();
    EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, nullptr), 0);
    EXPECT_LT(monotonic_ns() - start, 1000000000LL);
    EXPECT_EQ(clock_nanosleep(CLOCK_REALTIME, 0, &request, nullptr), 0);
    timespec bad { 0, -1 };
    EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, nullptr), EINVAL);
    EXPECT_EQ(clock_nanosleep(12345, 0, &request, nullptr), EINVAL);
}

TEST(gettimeofday_and_time_match_the_realtime_clock)
{
    timespec before {};
    EXPECT_OK(clock_gettime(CLOCK_REALTIME, &before));
    timeval tv {};
    EXPECT_OK(gettimeofday(&tv, nullptr));
    time_t seconds = time(nullptr);
    time_t into = 0;
    EXPECT_EQ(time(&into), into);
    EXPECT_GE(tv.tv_sec, before.tv_sec);
    EXPECT_LE(tv.tv_sec, before.tv_sec + 2);
    EXPECT_LT(tv.tv_usec, 1000000);
    EXPECT_GE(seconds, before.tv_sec);
    EXPECT_LE(seconds, before.tv_sec + 2);
    EXPECT_GE(syscall(SYS_time, nullptr), before.tv_sec);
}

TEST(times_counts_cpu_and_elapsed_ticks)
{
    long ticks_per_second = sysconf(_SC_CLK_TCK);
    EXPECT_EQ(ticks_per_second, 100);
    tms before {}, after {};
    clock_t start = times(&before);
    burn_cpu(60);
    timespec pause { 0, 50 * 1000 * 1000 };
    nanosleep(&pause, nullptr);
    clock_t end = times(&after);
    // 60 ms of CPU is 6 ticks; allow for tick-based accounting.
    EXPECT_GE((after.tms_utime + after.tms_stime) - (before.tms_utime + before.tms_stime), 3);
    // At least 110 ms went by: 11 ticks, minus one for the boundaries.
    EXPECT_GE(end - start, 10);
    EXPECT_LT(end - start, 1000);
    // Children's times are counted once they are waited for.
    int status = guest_test::in_child([] { burn_cpu(60); });
    EXPECT_EXITED(status, 0);
    tms with_child {};
    times(&with_child);
    EXPECT_GE(with_child.tms_cutime + with_child.tms_cstime, 3);
}

TEST(getrusage_self_and_children)
{
    rusage before {}, after {};
    EXPECT_OK(getrusage(RUSAGE_SELF, &before));
    burn_cpu(60);
    EXPECT_OK(getrusage(RUSAGE_SELF, &after));
    long long before_us = before.ru_utime.tv_sec * 1000000LL + before.ru_utime.tv_usec + before.ru_stime.tv_sec * 1000000LL
        + before.ru_stime.tv_usec;
    long long after_us = after.ru_utime.tv_sec * 1000000LL + after.ru_utime.tv_usec + after.ru_stime.tv_sec * 1000000LL
        + after.ru_stime.tv_usec;
    EXPECT_GE(after_us - before_us, 30000);
    EXPECT_GT(after.ru_maxrss, 0);
    rusage children {};
    EXPECT_OK(getrusage(RUSAGE_CHILDREN, &children));
    int status = guest_test::in_child([] { burn_cpu(60); });
    EXPECT_EXITED(status, 0);
    rusage children_after {};
    EXPECT_OK(getrusage(RUSAGE_CHILDREN, &children_after));
    EXPECT_GT(children_after.ru_utime.tv_sec * 1000000LL + children_after.ru_utime.tv_usec
            + children_after.ru_stime.tv_sec * 1000000LL + children_after.ru_stime.tv_usec,
        children.ru_utime.tv_sec * 1000000LL + children.ru_utime.tv_usec + children.ru_stime.tv_sec * 1000000LL
            + children.ru_stime.tv_usec);
    rusage thread {};
    EXPECT_OK(getrusage(RUSAGE_THREAD, &thread));
    EXPECT_ERRNO(getrusage(static_cast<__rusage_who>(42), &thread), EINVAL);
}

TEST(prlimit64_get_and_set)
{
    rlimit64 limit {};
    EXPECT_OK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, nullptr, &limit));
    EXPECT_GT(limit.rlim_cur, 0);
    EXPECT_LE(limit.rlim_cur, limit.rlim_max);
    rlimit with_getrlimit {};
    EXPECT_OK(getrlimit(RLIMIT_NOFILE, &with_getrlimit));
    EXPECT_EQ(with_getrlimit.rlim_cur, limit.rlim_cur);
    int status = guest_test::in_child([] {
        // Set a new soft limit and get the old one back in the same call.
        rlimit64 old {}, wanted { 64, 0 };
        EXPECT_OK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, nullptr, &old));
        wanted.rlim_max = old.rlim_max;
        rlimit64 returned {};
        EXPECT_OK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &wanted, &returned));
        EXPECT_EQ(returned.rlim_cur, old.rlim_cur);
        rlimit now {};
        EXPECT_OK(getrlimit(RLIMIT_NOFILE, &now));
        EXPECT_EQ(now.rlim_cur, 64);
        // Soft above hard: EINVAL. Unknown resource: EINVAL.
        rlimit64 inverted { 100, 50 };
        EXPECT_ERRNO(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &inverted, nullptr), EINVAL);
        EXPECT_ERRNO(syscall(SYS_prlimit64, 0, 999, nullptr, &returned), EINVAL);
        EXPECT_ERRNO(syscall(SYS_prlimit64, 999999, RLIMIT_NOFILE, nullptr, &returned), ESRCH);
        // Lowering the hard limit is allowed; raising it back needs root.
        rlimit64 lower { 32, 32 };
        EXPECT_OK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &lower, nullptr));
        if (geteuid() == 0) {
            EXPECT_OK(setuid(1000));
            rlimit64 higher { 32, 64 };
            EXPECT_ERRNO(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &higher, nullptr), EPERM);
        }
    });
    EXPECT_EXITED(status, 0);
}

TEST(prlimit64_on_another_process)
{
    int gate[2];
    EXPECT_OK(pipe(gate));
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        close(gate[1]);
        char c;
        ssize_t ignored = read(gate[0], &c, 1);
        (void)ignored;
        rlimit now {};
        getrlimit(RLIMIT_NOFILE, &now);
        _exit(now.rlim_cur == 40 ? 0 : 1);
    }
    close(gate[0]);
    rlimit64 old {};
    EXPECT_OK(syscall(SYS_prlimit64, pid, RLIMIT_NOFILE, nullptr, &old));
    rlimit64 wanted { 40, old.rlim_max };
    long result = syscall(SYS_prlimit64, pid, RLIMIT_NOFILE, &wanted, nullptr);
    close(gate[1]);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EQ(result, 0);
    EXPECT_EXITED(status, 0);
}

TEST(sched_getaffinity_and_setaffinity)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    EXPECT_OK(sched_getaffinity(0, sizeof(set), &set));
    int count = CPU_COUNT(&set);
    EXPECT_GE(count, 1);
    EXPECT_LE(count, sysconf(_SC_NPROCESSORS_CONF));
    // The raw call returns the size of the kernel's mask in bytes.
    long size = syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);
    EXPECT_GT(size, 0);
    EXPECT_EQ(size % sizeof(long), 0);
    int first = -1;
    for (int cpu = 0; cpu < CPU_SETSIZE && first < 0; ++cpu) {
        if (CPU_ISSET(cpu, &set))
            first = cpu;
    }
    int status = guest_test::in_child([&] {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(first, &one);
        EXPECT_OK(sched_setaffinity(0, sizeof(one), &one));
        cpu_set_t back;
        CPU_ZERO(&back);
        EXPECT_OK(sched_getaffinity(0, sizeof(back), &back));
        EXPECT_EQ(CPU_COUNT(&back), 1);
        EXPECT(CPU_ISSET(first, &back));
        cpu_set_t empty;
        CPU_ZERO(&empty);
        EXPECT_ERRNO(sched_setaffinity(0, sizeof(empty), &empty), EINVAL);
    });
    EXPECT_EXITED(status, 0);
    EXPECT_ERRNO(sched_getaffinity(999999, sizeof(set), &set), ESRCH);
    EXPECT_ERRNO(syscall(SYS_sched_getaffinity, 0, 1, &set), EINVAL);
}

TEST(sched_yield_returns_zero)
{
    for (int i = 0; i < 100; ++i)
        EXPECT_EQ(sched_yield(), 0);
}

TEST(sched_scheduler_policies_and_priorities)
{
    EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
    EXPECT_EQ(sched_get_priority_min(SCHED_FIFO), 1);
    EXPECT_EQ(sched_get_priority_max(SCHED_FIFO), 99);
    EXPECT_EQ(sched_get_priority_min(SCHED_RR), 1);
    EXPECT_EQ(sched_get_priority_max(SCHED_RR), 99);
    EXPECT_EQ(sched_get_priority_max(SCHED_OTHER), 0);
    EXPECT_ERRNO(sched_get_priority_max(12345), EINVAL);
    sched_param param {};
    EXPECT_OK(sched_getparam(0, &param));
    EXPECT_EQ(param.sched_priority, 0);
    param.sched_priority = 0;
    EXPECT_ERRNO(sched_setscheduler(0, SCHED_FIFO, &param), EINVAL); // FIFO needs 1..99
    param.sched_priority = 100;
    EXPECT_ERRNO(sched_setscheduler(0, SCHED_FIFO, &param), EINVAL);
    param.sched_priority = 0;
    EXPECT_ERRNO(sched_setscheduler(0, 12345, &param), EINVAL);
    EXPECT_ERRNO(sched_getscheduler(999999), ESRCH);
}

TEST(sched_fifo_as_root_works_and_as_user_eperm)
{
    // Without privilege (and with RLIMIT_RTPRIO 0): EPERM. Root becomes
    // user 1000 for this part; others are unprivileged already.
    int status = guest_test::in_child([] {
        rlimit no_rtprio { 0, 0 };
        EXPECT_OK(setrlimit(RLIMIT_RTPRIO, &no_rtprio));
        if (geteuid() == 0)
            EXPECT_OK(setuid(1000));
        sched_param param {};
        param.sched_priority = 10;
        EXPECT_ERRNO(sched_setscheduler(0, SCHED_FIFO, &param), EPERM);
        EXPECT_ERRNO(sched_setscheduler(0, SCHED_RR, &param), EPERM);
        EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
    });
    EXPECT_EXITED(status, 0);
    if (geteuid() != 0)
        SKIP("setting SCHED_FIFO needs root (the EPERM part passed)");
    status = guest_test::in_child([] {
        sched_param param {};
        param.sched_priority = 10;
        EXPECT_OK(sched_setscheduler(0, SCHED_FIFO, &param));
        EXPECT_EQ(sched_getscheduler(0), SCHED_FIFO);
        sched_param back {};
        EXPECT_OK(sched_getparam(0, &back));
        EXPECT_EQ(back.sched_priority, 10);
        param.sched_priority = 20;
        EXPECT_OK(sched_setparam(0, &param));
        EXPECT_OK(sched_getparam(0, &back));
        EXPECT_EQ(back.sched_priority, 20);
        EXPECT_OK(sched_setscheduler(0, SCHED_RR, &param));
        EXPECT_EQ(sched_getscheduler(0), SCHED_RR);
        timespec quantum {};
        EXPECT_OK(sched_rr_get_interval(0, &quantum));
        EXPECT_GT(ns_of(quantum), 0);
        param.sched_priority = 0;
        EXPECT_OK(sched_setscheduler(0, SCHED_OTHER, &param));
        EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
    });
    EXPECT_EXITED(status, 0);
}

TEST(sched_reset_on_fork_gives_children_the_default_policy)
{
    if (geteuid() != 0)
        SKIP("SCHED_FIFO and negative nice need root");
    int status = guest_test::in_child([] {
        sched_param param {};
        param.sched_priority = 5;
        EXPECT_OK(sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &param));
        EXPECT_EQ(sched_getscheduler(0), SCHED_FIFO | SCHED_RESET_ON_FORK);
        // sched_setparam keeps the flag.
        param.sched_priority = 6;
        EXPECT_OK(sched_setparam(0, &param));
        EXPECT_EQ(sched_getscheduler(0), SCHED_FIFO | SCHED_RESET_ON_FORK);
        int inner = guest_test::in_child([] {
            EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
            sched_param back {};
            EXPECT_OK(sched_getparam(0, &back));
            EXPECT_EQ(back.sched_priority, 0);
        });
        EXPECT_EXITED(inner, 0);
        // A raised priority (negative nice) goes back to 0 in the child.
        param.sched_priority = 0;
        EXPECT_OK(sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &param));
        EXPECT_OK(setpriority(PRIO_PROCESS, 0, -5));
        inner = guest_test::in_child([] {
            errno = 0;
            EXPECT_EQ(getpriority(PRIO_PROCESS, 0), 0);
            EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
        });
        EXPECT_EXITED(inner, 0);
        EXPECT_EQ(getpriority(PRIO_PROCESS, 0), -5);
    });
    EXPECT_EXITED(status, 0);
}

TEST(nice_getpriority_setpriority)
{
    int status = guest_test::in_child([] {
        errno = 0;
        EXPECT_EQ(getpriority(PRIO_PROCESS, 0), 0);
        EXPECT_EQ(errno, 0);
        errno = 0;
        EXPECT_EQ(nice(5), 5);
        EXPECT_EQ(errno, 0);
        EXPECT_EQ(getpriority(PRIO_PROCESS, 0), 5);
        // The raw call returns 20 - nice, so that it is never negative.
        EXPECT_EQ(syscall(SYS_getpriority, PRIO_PROCESS, 0), 15);
        EXPECT_OK(setpriority(PRIO_PROCESS, 0, 10));
        EXPECT_EQ(getpriority(PRIO_PROCESS, getpid()), 10);
        // Out of range values are clamped to 19.
        EXPECT_OK(setpriority(PRIO_PROCESS, 0, 100));
        EXPECT_EQ(getpriority(PRIO_PROCESS, 0), 19);
        EXPECT_ERRNO(getpriority(12345, 0), EINVAL);
        EXPECT_ERRNO(setpriority(PRIO_PROCESS, 999999, 1), ESRCH);
        if (geteuid() == 0) {
            // Root may go below 0.
            EXPECT_OK(setpriority(PRIO_PROCESS, 0, -5));
            EXPECT_EQ(getpriority(PRIO_PROCESS, 0), -5);
            EXPECT_OK(setpriority(PRIO_PROCESS, 0, 5));
            rlimit no_nice { 0, 0 };
            EXPECT_OK(setrlimit(RLIMIT_NICE, &no_nice));
            EXPECT_OK(setuid(1000));
            // A user may lower its priority (raise nice) but not raise it.
            EXPECT_OK(setpriority(PRIO_PROCESS, 0, 7));
            EXPECT_ERRNO(setpriority(PRIO_PROCESS, 0, 2), EACCES);
            EXPECT_EQ(getpriority(PRIO_PROCESS, 0), 7);
        }
    });
    EXPECT_EXITED(status, 0);
}

// dmesg's call: the size of the kernel's log ring, then its text.
TEST(syslog_reads_the_kernel_log)
{
    int size = klogctl(10, nullptr, 0); // SYSLOG_ACTION_SIZE_BUFFER
    if (size < 0 && errno == EPERM)
        SKIP("reading the kernel log is restricted here (dmesg_restrict)");
    EXPECT_GT(size, 0);
    std::vector<char> text(static_cast<size_t>(size));
    int got = klogctl(3, text.data(), size); // SYSLOG_ACTION_READ_ALL
    if (got < 0 && errno == EPERM)
        SKIP("reading the kernel log is restricted here (dmesg_restrict)");
    EXPECT_GT(got, 0);
    EXPECT_LE(got, size);
    EXPECT_ERRNO(klogctl(3, text.data(), -1), EINVAL);
    EXPECT_ERRNO(klogctl(1000, nullptr, 0), EINVAL);
}

// /dev/kmsg: one record per read, "LEVEL,SEQUENCE,MICROSECONDS,FLAGS;TEXT";
// a line written to it comes back as a record.
TEST(dev_kmsg_reads_records_and_takes_writes)
{
    int fd = open("/dev/kmsg", O_RDWR | O_NONBLOCK);
    if (fd < 0 && (errno == EPERM || errno == EACCES))
        SKIP("/dev/kmsg is restricted here");
    EXPECT_GE(fd, 0);
    char record[2048];
    ssize_t got = read(fd, record, sizeof(record));
    EXPECT_GT(got, 0);
    unsigned level = 0;
    unsigned long long sequence = 0, micros = 0;
    EXPECT_EQ(sscanf(record, "%u,%llu,%llu,", &level, &sequence, &micros), 3);
    EXPECT(memchr(record, ';', static_cast<size_t>(got)) != nullptr);
    EXPECT_EQ(record[got - 1], '\n');
    EXPECT_OK(lseek(fd, 0, SEEK_END));
    const char* message = "<6>haneul-kmsg-test marker\n";
    EXPECT_EQ(write(fd, message, strlen(message)), static_cast<ssize_t>(strlen(message)));
    bool found = false;
    for (int i = 0; i < 64 && !found; ++i) {
        got = read(fd, record, sizeof(record));
        if (got <= 0)
            break;
        record[got] = 0;
        found = strstr(record, "haneul-kmsg-test marker") != nullptr;
    }
    EXPECT(found);
    close(fd);
}

int main()
{
    return guest_test::run_tests();
}
