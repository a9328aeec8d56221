// The argument rules of the memory, time, scheduling, system-information
// and resource-limit calls (kernel/syscall/syscall_args.h): the errno
// Linux gives for each kind of bad argument (the expectations were checked
// against a Linux 6.18 host), the unit conversions, and the ABI constants
// against the host C library's.
#include <climits>
#include <ctime>
#include <gtest/gtest.h>
#include <linux/mman.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <syscall/syscall_args.h>

using namespace sysargs;

namespace {

constexpr u64 P = 4096;

template<typename T>
int error_of(ErrorOr<T> const& result)
{
    return result.is_error() ? result.error().code() : 0;
}

constexpr u64 kAnonPrivate = kMapAnonymous | kMapPrivate;

}

TEST(SyscallArgs, constants_are_linux_values)
{
    EXPECT_EQ(kProtRead, u32(PROT_READ));
    EXPECT_EQ(kProtWrite, u32(PROT_WRITE));
    EXPECT_EQ(kProtExec, u32(PROT_EXEC));
    EXPECT_EQ(kProtSem, u32(PROT_SEM));
    EXPECT_EQ(kProtGrowsDown, u32(PROT_GROWSDOWN));
    EXPECT_EQ(kProtGrowsUp, u32(PROT_GROWSUP));
    EXPECT_EQ(kMapShared, u32(MAP_SHARED));
    EXPECT_EQ(kMapPrivate, u32(MAP_PRIVATE));
    EXPECT_EQ(kMapSharedValidate, u32(MAP_SHARED_VALIDATE));
    EXPECT_EQ(kMapFixed, u32(MAP_FIXED));
    EXPECT_EQ(kMapAnonymous, u32(MAP_ANONYMOUS));
    EXPECT_EQ(kMap32Bit, u32(MAP_32BIT));
    EXPECT_EQ(kMapGrowsDown, u32(MAP_GROWSDOWN));
    EXPECT_EQ(kMapDenyWrite, u32(MAP_DENYWRITE));
    EXPECT_EQ(kMapExecutable, u32(MAP_EXECUTABLE));
    EXPECT_EQ(kMapLocked, u32(MAP_LOCKED));
    EXPECT_EQ(kMapNoReserve, u32(MAP_NORESERVE));
    EXPECT_EQ(kMapPopulate, u32(MAP_POPULATE));
    EXPECT_EQ(kMapNonBlock, u32(MAP_NONBLOCK));
    EXPECT_EQ(kMapStack, u32(MAP_STACK));
    EXPECT_EQ(kMapHugeTlb, u32(MAP_HUGETLB));
    EXPECT_EQ(kMapSync, u32(MAP_SYNC));
    EXPECT_EQ(kMapFixedNoReplace, u32(MAP_FIXED_NOREPLACE));
    EXPECT_EQ(kMremapMayMove, u32(MREMAP_MAYMOVE));
    EXPECT_EQ(kMremapFixed, u32(MREMAP_FIXED));
    EXPECT_EQ(kMremapDontUnmap, u32(MREMAP_DONTUNMAP));
    EXPECT_EQ(kMadvDontNeed, MADV_DONTNEED);
    EXPECT_EQ(kMadvFree, MADV_FREE);
    EXPECT_EQ(kMadvRemove, MADV_REMOVE);
    EXPECT_EQ(kMadvHugePage, MADV_HUGEPAGE);
    EXPECT_EQ(kMadvWipeOnFork, MADV_WIPEONFORK);
    EXPECT_EQ(kMadvCold, MADV_COLD);
    EXPECT_EQ(kMadvPopulateRead, MADV_POPULATE_READ);
    EXPECT_EQ(kMadvPopulateWrite, MADV_POPULATE_WRITE);
    EXPECT_EQ(kMsAsync, u32(MS_ASYNC));
    EXPECT_EQ(kMsInvalidate, u32(MS_INVALIDATE));
    EXPECT_EQ(kMsSync, u32(MS_SYNC));
    EXPECT_EQ(kMclCurrent, u32(MCL_CURRENT));
    EXPECT_EQ(kMclFuture, u32(MCL_FUTURE));
    EXPECT_EQ(kMclOnFault, u32(MCL_ONFAULT));
    EXPECT_EQ(kMlockOnFault, u32(MLOCK_ONFAULT));

    EXPECT_EQ(kClockRealtime, CLOCK_REALTIME);
    EXPECT_EQ(kClockMonotonic, CLOCK_MONOTONIC);
    EXPECT_EQ(kClockProcessCputime, CLOCK_PROCESS_CPUTIME_ID);
    EXPECT_EQ(kClockThreadCputime, CLOCK_THREAD_CPUTIME_ID);
    EXPECT_EQ(kClockMonotonicRaw, CLOCK_MONOTONIC_RAW);
    EXPECT_EQ(kClockRealtimeCoarse, CLOCK_REALTIME_COARSE);
    EXPECT_EQ(kClockMonotonicCoarse, CLOCK_MONOTONIC_COARSE);
    EXPECT_EQ(kClockBoottime, CLOCK_BOOTTIME);
    EXPECT_EQ(kClockRealtimeAlarm, CLOCK_REALTIME_ALARM);
    EXPECT_EQ(kClockBoottimeAlarm, CLOCK_BOOTTIME_ALARM);
    EXPECT_EQ(kClockTai, CLOCK_TAI);
    EXPECT_EQ(kTimerAbsTime, TIMER_ABSTIME);

    EXPECT_EQ(kSchedNormal, SCHED_OTHER);
    EXPECT_EQ(kSchedFifo, SCHED_FIFO);
    EXPECT_EQ(kSchedRoundRobin, SCHED_RR);
    EXPECT_EQ(kSchedBatch, SCHED_BATCH);
    EXPECT_EQ(kSchedIdle, SCHED_IDLE);
    EXPECT_EQ(kSchedResetOnFork, SCHED_RESET_ON_FORK);
    EXPECT_EQ(kPrioProcess, PRIO_PROCESS);
    EXPECT_EQ(kPrioProcessGroup, PRIO_PGRP);
    EXPECT_EQ(kPrioUser, PRIO_USER);

    EXPECT_EQ(kGrndNonBlock, u32(GRND_NONBLOCK));
    EXPECT_EQ(kGrndRandom, u32(GRND_RANDOM));
    EXPECT_EQ(kGrndInsecure, u32(GRND_INSECURE));

    EXPECT_EQ(kRlimitCount, u32(RLIM_NLIMITS));
    EXPECT_EQ(kRlimitNofile, u32(RLIMIT_NOFILE));
    EXPECT_EQ(kRlimitNice, u32(RLIMIT_NICE));
    EXPECT_EQ(kRlimitRtprio, u32(RLIMIT_RTPRIO));
    EXPECT_EQ(kRlimInfinity, u64(RLIM_INFINITY));
}

TEST(SyscallArgs, time_structures_have_linux_layout)
{
    EXPECT_EQ(sizeof(LinuxTimespec), sizeof(struct timespec));
    EXPECT_EQ(offsetof(LinuxTimespec, tv_nsec), offsetof(struct timespec, tv_nsec));
    EXPECT_EQ(sizeof(LinuxTimeval), sizeof(struct timeval));
    EXPECT_EQ(offsetof(LinuxTimeval, tv_usec), offsetof(struct timeval, tv_usec));
    EXPECT_EQ(sizeof(LinuxTimezone), sizeof(struct timezone));
}

// --- mmap ---

TEST(SyscallArgs, mmap_rejects_what_linux_rejects)
{
    EXPECT_EQ(error_of(check_mmap(0, 0, PROT_READ, kAnonPrivate, 0)), EINVAL);                      // length 0
    EXPECT_EQ(error_of(check_mmap(0, P, PROT_READ, kMapAnonymous, 0)), EINVAL);                     // neither
    EXPECT_EQ(error_of(check_mmap(0, P, PROT_READ, kMapAnonymous | 0xf, 0)), EINVAL);               // unknown type
    EXPECT_EQ(error_of(check_mmap(0, P, PROT_READ, kAnonPrivate, 100)), EINVAL);                    // unaligned offset
    EXPECT_EQ(error_of(check_mmap(0x10001, P, PROT_READ, kAnonPrivate | kMapFixed, 0)), EINVAL);    // unaligned fixed
    EXPECT_EQ(error_of(check_mmap(0x10001, P, PROT_READ, kAnonPrivate | kMapFixedNoReplace, 0)), EINVAL);
    EXPECT_EQ(error_of(check_mmap(0, ~0ull - P + 1, PROT_READ, kAnonPrivate, 0)), ENOMEM);         // rounds to 0
    EXPECT_EQ(error_of(check_mmap(0, 1ull << 47, PROT_READ, kAnonPrivate, 0)), ENOMEM);            // bigger than the user half
    EXPECT_EQ(error_of(check_mmap(kUserHighest, 2 * P, PROT_READ, kAnonPrivate | kMapFixed, 0)), ENOMEM);
    EXPECT_EQ(error_of(check_mmap(0x1000, P, PROT_READ, kAnonPrivate | kMapFixed, 0)), EPERM);     // below mmap_min_addr
    EXPECT_EQ(error_of(check_mmap(0, P, PROT_READ, kAnonPrivate | kMapHugeTlb, 0)), ENOMEM);
    EXPECT_EQ(error_of(check_mmap(0, P, PROT_READ, kMapPrivate | kMapHugeTlb, 0)), EINVAL);
    EXPECT_EQ(error_of(check_mmap(0, P, PROT_READ, kMapAnonymous | kMapShared | kMapGrowsDown, 0)), EINVAL);
    EXPECT_EQ(error_of(check_mmap(0, P, PROT_READ, kMapAnonymous | kMapSharedValidate, 0)), EINVAL);
}

TEST(SyscallArgs, mmap_shared_validate_refuses_unknown_flags)
{
    EXPECT_EQ(error_of(check_mmap(0, P, PROT_READ, kMapSharedValidate, 0)), 0);
    EXPECT_EQ(error_of(check_mmap(0, P, PROT_READ, kMapSharedValidate | 0x200, 0)), EOPNOTSUPP);
    EXPECT_EQ(error_of(check_mmap(0, P, PROT_READ, kMapSharedValidate | (1ull << 40), 0)), EOPNOTSUPP);
    EXPECT_EQ(error_of(check_mmap(0, P, PROT_READ, kMapSharedValidate | kMapSync, 0)), EOPNOTSUPP);
    // Without VALIDATE unknown flags are ignored.
    EXPECT_EQ(error_of(check_mmap(0, P, PROT_READ, kMapShared | 0x200 | (1ull << 40), 0)), 0);
}

TEST(SyscallArgs, mmap_file_offset_must_stay_below_the_largest_file_offset)
{
    EXPECT_EQ(error_of(check_mmap(0, P, PROT_READ, kMapPrivate, ~0ull - P + 1)), EOVERFLOW);
    EXPECT_EQ(error_of(check_mmap(0, 2 * P, PROT_READ, kMapPrivate, 0x7ffffffffffff000ull)), EOVERFLOW);
    EXPECT_EQ(error_of(check_mmap(0, P, PROT_READ, kMapPrivate, 0x7fffffffffffe000ull)), 0);
    // Anonymous memory ignores the offset (after the alignment check).
    auto anonymous = check_mmap(0, P, PROT_READ, kAnonPrivate, 0x7ffffffffffff000ull);
    ASSERT_FALSE(anonymous.is_error());
    EXPECT_EQ(anonymous.value().offset, 0u);
}

TEST(SyscallArgs, mmap_request_describes_the_mapping)
{
    auto request = check_mmap(0x20001, 5000, PROT_READ | PROT_WRITE | 0x100, kMapShared | kMapPopulate, 2 * P);
    ASSERT_FALSE(request.is_error());
    EXPECT_EQ(request.value().length, 2 * P);
    EXPECT_EQ(request.value().address, 0x20000u); // a hint, aligned down
    EXPECT_EQ(request.value().prot, u32(PROT_READ | PROT_WRITE));
    EXPECT_EQ(request.value().offset, 2 * P);
    EXPECT_TRUE(request.value().shared);
    EXPECT_FALSE(request.value().anonymous);
    EXPECT_FALSE(request.value().fixed);
    EXPECT_TRUE(request.value().populate);

    auto fixed = check_mmap(0x40000, P, PROT_NONE, kAnonPrivate | kMapFixedNoReplace | kMapPopulate | kMapNonBlock, 0);
    ASSERT_FALSE(fixed.is_error());
    EXPECT_TRUE(fixed.value().fixed);
    EXPECT_TRUE(fixed.value().no_replace);
    EXPECT_FALSE(fixed.value().populate); // MAP_NONBLOCK cancels MAP_POPULATE
    EXPECT_EQ(fixed.value().address, 0x40000u);

    auto locked = check_mmap(0, P, PROT_READ, kAnonPrivate | kMapLocked, 0);
    ASSERT_FALSE(locked.is_error());
    EXPECT_TRUE(locked.value().populate);

    // A hint below mmap_min_addr moves up to it.
    auto low = check_mmap(0x1000, P, PROT_READ, kAnonPrivate, 0);
    ASSERT_FALSE(low.is_error());
    EXPECT_EQ(low.value().address, kUserLowest);
}

TEST(SyscallArgs, munmap_range)
{
    EXPECT_EQ(error_of(check_munmap(0x10001, P)), EINVAL);
    EXPECT_EQ(error_of(check_munmap(0x10000, 0)), EINVAL);
    EXPECT_EQ(error_of(check_munmap(0x7fffffffe000, 0x10000)), EINVAL);
    EXPECT_EQ(error_of(check_munmap(0x10000, ~0ull)), EINVAL);
    EXPECT_EQ(check_munmap(0x10000, 1).value(), P);
}

TEST(SyscallArgs, mprotect_rules)
{
    EXPECT_EQ(error_of(check_mprotect(0x10001, P, PROT_READ)), EINVAL);
    EXPECT_EQ(error_of(check_mprotect(0x10000, P, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP)), EINVAL);
    EXPECT_EQ(error_of(check_mprotect(0x10000, P, 0x100)), EINVAL);
    EXPECT_EQ(error_of(check_mprotect(0x10000, P, PROT_READ | PROT_GROWSUP)), EINVAL);
    EXPECT_EQ(error_of(check_mprotect(0x10000, ~0ull - P + 1, PROT_READ)), ENOMEM);
    EXPECT_EQ(error_of(check_mprotect(0x7ffffffff000, 2 * P, PROT_READ)), ENOMEM);
    // Length 0 succeeds before the protection is even looked at.
    auto empty = check_mprotect(0x10000, 0, 0xff);
    ASSERT_FALSE(empty.is_error());
    EXPECT_EQ(empty.value().length, 0u);
    auto sem = check_mprotect(0x10000, 1, PROT_READ | PROT_SEM | PROT_GROWSDOWN);
    ASSERT_FALSE(sem.is_error());
    EXPECT_EQ(sem.value().prot, u32(PROT_READ));
    EXPECT_EQ(sem.value().length, P);
    EXPECT_TRUE(sem.value().grows_down);
}

// --- mremap ---

TEST(SyscallArgs, mremap_flag_rules)
{
    EXPECT_EQ(error_of(check_mremap(0x10000, P, 2 * P, 8, 0)), EINVAL);
    EXPECT_EQ(error_of(check_mremap(0x10000, P, 2 * P, kMremapFixed, 0x100000)), EINVAL);
    EXPECT_EQ(error_of(check_mremap(0x10000, P, 2 * P, kMremapDontUnmap, 0)), EINVAL);
    EXPECT_EQ(error_of(check_mremap(0x10000, P, 2 * P, kMremapDontUnmap | kMremapMayMove, 0)), EINVAL);
    EXPECT_EQ(error_of(check_mremap(0x10000, P, P, kMremapDontUnmap | kMremapMayMove, 0)), 0);
}

TEST(SyscallArgs, mremap_range_rules)
{
    EXPECT_EQ(error_of(check_mremap(0x10001, P, 2 * P, kMremapMayMove, 0)), EINVAL);
    EXPECT_EQ(error_of(check_mremap(0x10000, P, 0, kMremapMayMove, 0)), EINVAL);
    EXPECT_EQ(error_of(check_mremap(0x10000, P, ~0ull, kMremapMayMove, 0)), EINVAL);
    EXPECT_EQ(error_of(check_mremap(0x10000, P, 1ull << 48, kMremapMayMove, 0)), EINVAL);
    EXPECT_EQ(error_of(check_mremap(0x10000, 1ull << 48, P, kMremapMayMove, 0)), EINVAL);
    // Fixed: aligned, inside the user half, not overlapping the old range.
    u64 both = kMremapMayMove | kMremapFixed;
    EXPECT_EQ(error_of(check_mremap(0x100000, P, P, both, 0x200001)), EINVAL);
    EXPECT_EQ(error_of(check_mremap(0x100000, 2 * P, P, both, 0x101000)), EINVAL);
    EXPECT_EQ(error_of(check_mremap(0x101000, P, 2 * P, both, 0x100000)), EINVAL);
    EXPECT_EQ(error_of(check_mremap(0x100000, P, 2 * P, both, kUserHighest - P)), EINVAL);
    EXPECT_EQ(error_of(check_mremap(0x100000, P, P, both, 0x101000)), 0); // touching is fine
    auto request = check_mremap(0x100000, 1, 5000, both, 0x200000);
    ASSERT_FALSE(request.is_error());
    EXPECT_EQ(request.value().old_length, P);
    EXPECT_EQ(request.value().new_length, 2 * P);
    EXPECT_TRUE(request.value().fixed);
    EXPECT_EQ(request.value().new_address, 0x200000u);
}

TEST(SyscallArgs, mremap_zero_old_length_is_left_to_the_area)
{
    // Whether it is allowed depends on the area (shared or not).
    auto request = check_mremap(0x100000, 0, P, kMremapMayMove, 0);
    ASSERT_FALSE(request.is_error());
    EXPECT_EQ(request.value().old_length, 0u);
}

// --- madvise, msync, mlock, mincore ---

TEST(SyscallArgs, madvise_advice)
{
    EXPECT_EQ(classify_madvise(MADV_NORMAL).value(), Advice::Hint);
    EXPECT_EQ(classify_madvise(MADV_RANDOM).value(), Advice::Hint);
    EXPECT_EQ(classify_madvise(MADV_SEQUENTIAL).value(), Advice::Hint);
    EXPECT_EQ(classify_madvise(MADV_WILLNEED).value(), Advice::Hint);
    EXPECT_EQ(classify_madvise(MADV_HUGEPAGE).value(), Advice::Hint);
    EXPECT_EQ(classify_madvise(MADV_NOHUGEPAGE).value(), Advice::Hint);
    EXPECT_EQ(classify_madvise(MADV_DONTFORK).value(), Advice::DontFork);
    EXPECT_EQ(classify_madvise(MADV_DOFORK).value(), Advice::DoFork);
    EXPECT_EQ(classify_madvise(MADV_DONTNEED).value(), Advice::Discard);
    EXPECT_EQ(classify_madvise(kMadvDontNeedLocked).value(), Advice::Discard);
    EXPECT_EQ(classify_madvise(MADV_FREE).value(), Advice::Free);
    EXPECT_EQ(classify_madvise(MADV_POPULATE_READ).value(), Advice::PopulateRead);
    EXPECT_EQ(classify_madvise(MADV_POPULATE_WRITE).value(), Advice::PopulateWrite);
    EXPECT_EQ(error_of(classify_madvise(999)), EINVAL);
    EXPECT_EQ(error_of(classify_madvise(-1)), EINVAL);
    EXPECT_EQ(error_of(classify_madvise(MADV_HWPOISON)), EINVAL);
    EXPECT_EQ(error_of(classify_madvise(MADV_REMOVE)), EINVAL);
    EXPECT_EQ(error_of(classify_madvise(MADV_MERGEABLE)), EINVAL);
}

TEST(SyscallArgs, ranges)
{
    EXPECT_EQ(error_of(check_range(0x10001, P, EINVAL)), EINVAL);
    EXPECT_EQ(error_of(check_range(0x10000, ~0ull - P + 1, EINVAL)), EINVAL); // madvise
    EXPECT_EQ(error_of(check_range(0x10000, ~0ull - P + 1, ENOMEM)), ENOMEM); // msync, mincore
    EXPECT_EQ(error_of(check_range(0x7ffffffff000, P, EINVAL)), ENOMEM);
    EXPECT_EQ(check_range(0x10000, 0, EINVAL).value().length, 0u);
    EXPECT_EQ(check_range(0x10000, 1, EINVAL).value().length, P);

    // mlock rounds the start down and covers every page the bytes touch.
    auto lock = check_lock_range(0x10001, P);
    ASSERT_FALSE(lock.is_error());
    EXPECT_EQ(lock.value().address, 0x10000u);
    EXPECT_EQ(lock.value().length, 2 * P);
    EXPECT_EQ(error_of(check_lock_range(0x10000, ~0ull - 100)), EINVAL);
    EXPECT_EQ(error_of(check_lock_range(0x10000, 1ull << 48)), ENOMEM);
}

TEST(SyscallArgs, msync_and_mlock_flags)
{
    EXPECT_EQ(error_of(check_msync_flags(MS_ASYNC | MS_SYNC)), EINVAL);
    EXPECT_EQ(error_of(check_msync_flags(8)), EINVAL);
    EXPECT_EQ(error_of(check_msync_flags(0)), 0);
    EXPECT_EQ(error_of(check_msync_flags(MS_SYNC | MS_INVALIDATE)), 0);
    EXPECT_EQ(error_of(check_mlock2_flags(2)), EINVAL);
    EXPECT_EQ(error_of(check_mlock2_flags(MLOCK_ONFAULT)), 0);
    EXPECT_EQ(error_of(check_mlockall_flags(0)), EINVAL);
    EXPECT_EQ(error_of(check_mlockall_flags(MCL_ONFAULT)), EINVAL);
    EXPECT_EQ(error_of(check_mlockall_flags(8)), EINVAL);
    EXPECT_EQ(error_of(check_mlockall_flags(MCL_CURRENT | MCL_ONFAULT)), 0);
    EXPECT_EQ(error_of(check_mlockall_flags(MCL_FUTURE)), 0);
}

// --- time ---

TEST(SyscallArgs, timespec_conversion)
{
    EXPECT_EQ(timespec_to_ns({ 1, 5 }).value(), 1'000'000'005u);
    EXPECT_EQ(timespec_to_ns({ 0, 999'999'999 }).value(), 999'999'999u);
    EXPECT_EQ(error_of(timespec_to_ns({ 0, 1'000'000'000 })), EINVAL);
    EXPECT_EQ(error_of(timespec_to_ns({ 0, -1 })), EINVAL);
    EXPECT_EQ(error_of(timespec_to_ns({ -1, 0 })), EINVAL);
    EXPECT_EQ(timespec_to_ns({ LLONG_MAX, 999'999'999 }).value(), ~0ull); // saturates
    EXPECT_EQ(timeval_to_ns({ 2, 3 }).value(), 2'000'003'000u);
    EXPECT_EQ(error_of(timeval_to_ns({ 0, 1'000'000 })), EINVAL);
    EXPECT_EQ(error_of(timeval_to_ns({ 0, -1 })), EINVAL);

    auto ts = ns_to_timespec(3'000'000'007);
    EXPECT_EQ(ts.tv_sec, 3);
    EXPECT_EQ(ts.tv_nsec, 7);
    auto tv = ns_to_timeval(3'000'007'999);
    EXPECT_EQ(tv.tv_sec, 3);
    EXPECT_EQ(tv.tv_usec, 7);
    EXPECT_EQ(ns_to_clock_t(1'000'000'000), 100); // USER_HZ
    EXPECT_EQ(ns_to_clock_t(19'999'999), 1);
    EXPECT_EQ(saturating_add(~0ull - 1, 5), ~0ull);
    EXPECT_EQ(saturating_add(1, 2), 3u);
}

TEST(SyscallArgs, clock_ids)
{
    EXPECT_EQ(decode_clock(CLOCK_REALTIME).value().source, ClockSource::Realtime);
    EXPECT_EQ(decode_clock(CLOCK_TAI).value().source, ClockSource::Realtime);
    EXPECT_TRUE(decode_clock(CLOCK_REALTIME_COARSE).value().coarse);
    EXPECT_EQ(decode_clock(CLOCK_MONOTONIC_RAW).value().source, ClockSource::Monotonic);
    EXPECT_EQ(decode_clock(CLOCK_BOOTTIME).value().source, ClockSource::Monotonic);
    EXPECT_TRUE(decode_clock(CLOCK_MONOTONIC_COARSE).value().coarse);
    EXPECT_EQ(decode_clock(CLOCK_PROCESS_CPUTIME_ID).value().source, ClockSource::ProcessCpu);
    EXPECT_EQ(decode_clock(CLOCK_THREAD_CPUTIME_ID).value().source, ClockSource::ThreadCpu);
    EXPECT_EQ(error_of(decode_clock(10)), EINVAL); // the old CLOCK_SGI_CYCLE
    EXPECT_EQ(error_of(decode_clock(12)), EINVAL);
    EXPECT_EQ(error_of(decode_clock(-1)), EINVAL); // type 3 with the thread bit
    EXPECT_EQ(error_of(decode_clock(-5)), EINVAL); // ~0 << 3 | 3: an fd clock

    // clock_getcpuclockid(pid): ~pid << 3 | CPUCLOCK_SCHED.
    int process_clock = (~1234 << 3) | 2;
    auto process = decode_clock(process_clock);
    ASSERT_FALSE(process.is_error());
    EXPECT_EQ(process.value().source, ClockSource::ProcessCpu);
    EXPECT_EQ(process.value().pid, 1234);
    EXPECT_FALSE(process.value().user_only);
    // pthread_getcpuclockid: the thread bit; CPUCLOCK_VIRT is user time.
    auto thread = decode_clock((~77 << 3) | 4 | 1);
    ASSERT_FALSE(thread.is_error());
    EXPECT_EQ(thread.value().source, ClockSource::ThreadCpu);
    EXPECT_EQ(thread.value().pid, 77);
    EXPECT_TRUE(thread.value().user_only);
    EXPECT_EQ(decode_clock(-6).value().pid, 0); // the caller's process
}

TEST(SyscallArgs, sleep_clocks)
{
    EXPECT_EQ(error_of(decode_sleep_clock(CLOCK_MONOTONIC)), 0);
    EXPECT_EQ(error_of(decode_sleep_clock(CLOCK_REALTIME)), 0);
    EXPECT_EQ(error_of(decode_sleep_clock(CLOCK_BOOTTIME)), 0);
    EXPECT_EQ(error_of(decode_sleep_clock(CLOCK_TAI)), 0);
    EXPECT_EQ(error_of(decode_sleep_clock(CLOCK_PROCESS_CPUTIME_ID)), 0);
    EXPECT_EQ(error_of(decode_sleep_clock(CLOCK_THREAD_CPUTIME_ID)), EOPNOTSUPP);
    EXPECT_EQ(error_of(decode_sleep_clock(CLOCK_MONOTONIC_RAW)), EOPNOTSUPP);
    EXPECT_EQ(error_of(decode_sleep_clock(CLOCK_MONOTONIC_COARSE)), EOPNOTSUPP);
    EXPECT_EQ(error_of(decode_sleep_clock(CLOCK_REALTIME_COARSE)), EOPNOTSUPP);
    EXPECT_EQ(error_of(decode_sleep_clock(99)), EINVAL);
}

// --- scheduling ---

TEST(SyscallArgs, scheduler_priorities)
{
    EXPECT_EQ(sched_priority_max(SCHED_FIFO).value(), 99);
    EXPECT_EQ(sched_priority_min(SCHED_RR).value(), 1);
    EXPECT_EQ(sched_priority_max(SCHED_OTHER).value(), 0);
    EXPECT_EQ(sched_priority_min(SCHED_IDLE).value(), 0);
    EXPECT_EQ(sched_priority_max(kSchedDeadline).value(), 0);
    EXPECT_EQ(error_of(sched_priority_max(4)), EINVAL);
    EXPECT_EQ(error_of(sched_priority_min(-1)), EINVAL);

    EXPECT_EQ(error_of(check_sched_param(SCHED_FIFO, 0)), EINVAL);
    EXPECT_EQ(error_of(check_sched_param(SCHED_RR, 100)), EINVAL);
    EXPECT_EQ(error_of(check_sched_param(SCHED_FIFO, 50)), 0);
    EXPECT_EQ(error_of(check_sched_param(SCHED_OTHER, 1)), EINVAL);
    EXPECT_EQ(error_of(check_sched_param(SCHED_BATCH, 0)), 0);
    EXPECT_EQ(error_of(check_sched_param(kSchedDeadline, 0)), EINVAL);
    EXPECT_EQ(error_of(check_sched_param(4, 0)), EINVAL);
}

TEST(SyscallArgs, unprivileged_real_time)
{
    // RLIMIT_RTPRIO 0 (Linux's default): no real-time policy at all.
    EXPECT_FALSE(may_use_rt_priority(true, 1, 0, 0));
    // Within the limit.
    EXPECT_TRUE(may_use_rt_priority(true, 10, 0, 10));
    EXPECT_FALSE(may_use_rt_priority(true, 11, 0, 10));
    // Already real time: lowering its priority is fine, raising past the
    // limit is not.
    EXPECT_TRUE(may_use_rt_priority(false, 20, 30, 0));
    EXPECT_FALSE(may_use_rt_priority(false, 40, 30, 0));
    EXPECT_TRUE(may_use_rt_priority(false, 40, 30, 50));
}

TEST(SyscallArgs, nice_rules)
{
    EXPECT_EQ(clamp_nice(-100), -20);
    EXPECT_EQ(clamp_nice(100), 19);
    EXPECT_EQ(clamp_nice(5), 5);
    EXPECT_EQ(getpriority_result(-20), 40);
    EXPECT_EQ(getpriority_result(19), 1);
    EXPECT_EQ(getpriority_result(0), 20);
    EXPECT_TRUE(may_set_nice(10, 0, 0, false));   // raising nice: always
    EXPECT_FALSE(may_set_nice(-1, 0, 0, false));  // lowering: privilege
    EXPECT_TRUE(may_set_nice(-1, 0, 0, true));
    EXPECT_TRUE(may_set_nice(-5, 0, 25, false));  // or RLIMIT_NICE >= 20 - nice
    EXPECT_FALSE(may_set_nice(-6, 0, 25, false));
}

TEST(SyscallArgs, affinity_sizes)
{
    EXPECT_EQ(error_of(check_getaffinity_size(4)), EINVAL);
    EXPECT_EQ(error_of(check_getaffinity_size(12)), EINVAL);
    EXPECT_EQ(error_of(check_getaffinity_size(0)), EINVAL);
    EXPECT_EQ(check_getaffinity_size(8).value(), 8u);
    EXPECT_EQ(check_getaffinity_size(256).value(), 8u);
    EXPECT_EQ(setaffinity_copy_size(1), 1u);
    EXPECT_EQ(setaffinity_copy_size(128), 8u);
}

// --- system information and limits ---

TEST(SyscallArgs, uts_lengths)
{
    EXPECT_EQ(error_of(check_uts_length(-1)), EINVAL);
    EXPECT_EQ(error_of(check_uts_length(65)), EINVAL);
    EXPECT_EQ(check_uts_length(64).value(), 64u);
    EXPECT_EQ(check_uts_length(0).value(), 0u);
}

TEST(SyscallArgs, getrandom_flags_and_length)
{
    EXPECT_EQ(error_of(check_getrandom_flags(8)), EINVAL);
    EXPECT_EQ(error_of(check_getrandom_flags(GRND_INSECURE | GRND_RANDOM)), EINVAL);
    EXPECT_EQ(error_of(check_getrandom_flags(GRND_NONBLOCK | GRND_RANDOM)), 0);
    EXPECT_EQ(error_of(check_getrandom_flags(GRND_INSECURE | GRND_NONBLOCK)), 0);
    EXPECT_EQ(getrandom_length(100), 100u);
    EXPECT_EQ(getrandom_length(~0ull), 33554431u); // INT_MAX >> 6, Linux's cap
}

TEST(SyscallArgs, load_average_scaling)
{
    // 1.0 in the scheduler's 11-bit fixed point is 65536 in sysinfo's 16.
    EXPECT_EQ(load_to_sysinfo(1u << 11), 65536u);
}

TEST(SyscallArgs, rlimit_rules)
{
    EXPECT_EQ(error_of(check_rlimit_change(RLIMIT_NOFILE, 4096, 10, 5, true)), EINVAL);
    EXPECT_EQ(error_of(check_rlimit_change(RLIMIT_STACK, 100, 50, 200, false)), EPERM); // raising the hard limit
    EXPECT_EQ(error_of(check_rlimit_change(RLIMIT_STACK, 100, 50, 200, true)), 0);
    EXPECT_EQ(error_of(check_rlimit_change(RLIMIT_STACK, 100, 100, 100, false)), 0);
    EXPECT_EQ(error_of(check_rlimit_change(RLIMIT_STACK, 100, 10, 50, false)), 0);   // lowering: anyone
    EXPECT_EQ(error_of(check_rlimit_change(RLIMIT_AS, RLIM_INFINITY, RLIM_INFINITY, RLIM_INFINITY, false)), 0);
    // RLIMIT_NOFILE never above nr_open, not even for root.
    EXPECT_EQ(error_of(check_rlimit_change(RLIMIT_NOFILE, RLIM_INFINITY, 1024, kNrOpen + 1, true)), EPERM);
    EXPECT_EQ(error_of(check_rlimit_change(RLIMIT_NOFILE, RLIM_INFINITY, 1024, kNrOpen, true)), 0);
}
