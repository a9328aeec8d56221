// Argument rules of the memory, time, scheduling, system-information and
// resource-limit calls; see syscall_args.h. The order of the checks is
// Linux's where two errors could both apply (mm/mmap.c, mm/mprotect.c,
// mm/mremap.c, mm/madvise.c, kernel/time/posix-timers.c, kernel/sys.c).
#include <lib/errno.h>
#include <syscall/syscall_args.h>

namespace sysargs {

namespace {

bool page_aligned(u64 value) { return (value & (kPageSize - 1)) == 0; }

// PAGE_ALIGN without wrapping: 0 when `length` is within a page of 2^64.
u64 page_align(u64 length) { return length > ~0ull - (kPageSize - 1) ? 0 : align_up(length, kPageSize); }

// [start, start + length) lies in the user half (length page aligned).
bool fits_user_half(u64 start, u64 length) { return length <= kUserHighest && start <= kUserHighest - length; }

}

ErrorOr<MmapRequest> check_mmap(u64 address, u64 length, u64 prot, u64 flags, u64 offset)
{
    if (!page_aligned(offset))
        return Error::from_errno(EINVAL);
    u32 type = static_cast<u32>(flags) & kMapTypeMask;
    if (type != kMapShared && type != kMapPrivate && type != kMapSharedValidate)
        return Error::from_errno(EINVAL);
    // Linux ignores flags it does not know, except under MAP_SHARED_VALIDATE.
    if (type == kMapSharedValidate && (flags >> 32))
        return Error::from_errno(EOPNOTSUPP);
    u32 f = static_cast<u32>(flags);
    if (type == kMapSharedValidate && ((f & ~(kMapKnownFlags | kMapTypeMask)) || (f & kMapSync)))
        return Error::from_errno(EOPNOTSUPP);
    if (length == 0)
        return Error::from_errno(EINVAL);
    bool anonymous = f & kMapAnonymous;
    // Shared anonymous memory cannot grow down (it is an object of fixed size).
    if (anonymous && type != kMapPrivate && (f & kMapGrowsDown))
        return Error::from_errno(EINVAL);
    if (f & kMapHugeTlb)
        return Error::from_errno(anonymous ? ENOMEM : EINVAL);
    u64 aligned = page_align(length);
    if (aligned == 0 || aligned > kUserHighest)
        return Error::from_errno(ENOMEM);
    // Anonymous memory has no MAP_SHARED_VALIDATE (Linux: EINVAL).
    if (anonymous && type == kMapSharedValidate)
        return Error::from_errno(EINVAL);
    // A file mapping must end within the largest file offset (Linux's
    // file_mmap_ok with MAX_LFS_FILESIZE); anonymous memory ignores it.
    if (!anonymous && (aligned > kMaxFileOffset || offset > kMaxFileOffset - aligned))
        return Error::from_errno(EOVERFLOW);

    MmapRequest request {};
    request.length = aligned;
    request.prot = static_cast<u32>(prot) & (kProtRead | kProtWrite | kProtExec);
    request.flags = f;
    request.offset = anonymous ? 0 : offset;
    request.shared = type != kMapPrivate;
    request.anonymous = anonymous;
    request.no_replace = f & kMapFixedNoReplace;
    request.fixed = (f & kMapFixed) || request.no_replace;
    request.populate = (f & kMapLocked) || (f & (kMapPopulate | kMapNonBlock)) == kMapPopulate;
    if (request.fixed) {
        if (!page_aligned(address))
            return Error::from_errno(EINVAL);
        if (!fits_user_half(address, aligned))
            return Error::from_errno(ENOMEM);
        if (address < kUserLowest)
            return Error::from_errno(EPERM); // below mmap_min_addr
        request.address = address;
    } else {
        // A hint below mmap_min_addr moves up to it (round_hint_to_min).
        u64 hint = align_down(address, kPageSize);
        request.address = hint && hint < kUserLowest ? kUserLowest : hint;
    }
    return request;
}

ErrorOr<u64> check_munmap(u64 address, u64 length)
{
    if (!page_aligned(address) || address > kUserHighest || length > kUserHighest - address)
        return Error::from_errno(EINVAL);
    u64 aligned = page_align(length);
    if (aligned == 0)
        return Error::from_errno(EINVAL);
    return aligned;
}

ErrorOr<ProtectRequest> check_mprotect(u64 address, u64 length, u64 prot)
{
    u64 grows = prot & (kProtGrowsDown | kProtGrowsUp);
    if (grows == (kProtGrowsDown | kProtGrowsUp))
        return Error::from_errno(EINVAL);
    if (!page_aligned(address))
        return Error::from_errno(EINVAL);
    if (length == 0)
        return ProtectRequest { address, 0, 0, false };
    u64 aligned = page_align(length);
    if (aligned == 0 || address + aligned <= address)
        return Error::from_errno(ENOMEM);
    u64 rest = prot & ~(kProtGrowsDown | kProtGrowsUp);
    if (rest & ~u64(kProtRead | kProtWrite | kProtExec | kProtSem))
        return Error::from_errno(EINVAL);
    if (grows & kProtGrowsUp)
        return Error::from_errno(EINVAL); // x86-64 has no grows-up areas
    if (!fits_user_half(address, aligned))
        return Error::from_errno(ENOMEM);
    return ProtectRequest { address, aligned, static_cast<u32>(rest) & (kProtRead | kProtWrite | kProtExec),
        (grows & kProtGrowsDown) != 0 };
}

ErrorOr<MremapRequest> check_mremap(u64 old_address, u64 old_length, u64 new_length, u64 flags, u64 new_address)
{
    if (flags & ~u64(kMremapMayMove | kMremapFixed | kMremapDontUnmap))
        return Error::from_errno(EINVAL);
    MremapRequest request {};
    request.may_move = flags & kMremapMayMove;
    request.fixed = flags & kMremapFixed;
    request.dont_unmap = flags & kMremapDontUnmap;
    if ((request.fixed || request.dont_unmap) && !request.may_move)
        return Error::from_errno(EINVAL);
    if (request.dont_unmap && old_length != new_length)
        return Error::from_errno(EINVAL);
    if (!page_aligned(old_address))
        return Error::from_errno(EINVAL);
    request.old_address = old_address;
    request.old_length = page_align(old_length);
    request.new_length = page_align(new_length);
    if (request.new_length == 0 || (old_length && request.old_length == 0))
        return Error::from_errno(EINVAL);
    if (request.new_length > kUserHighest || request.old_length > kUserHighest)
        return Error::from_errno(EINVAL);
    if (request.fixed) {
        if (!page_aligned(new_address) || !fits_user_half(new_address, request.new_length))
            return Error::from_errno(EINVAL);
        // The two ranges must not overlap.
        u64 old_end = old_address + request.old_length;
        u64 new_end = new_address + request.new_length;
        if (new_address < old_end && old_address < new_end)
            return Error::from_errno(EINVAL);
        if (new_address < kUserLowest)
            return Error::from_errno(EPERM);
        request.new_address = new_address;
    }
    return request;
}

ErrorOr<Advice> classify_madvise(int advice)
{
    switch (advice) {
    case kMadvNormal:
    case kMadvRandom:
    case kMadvSequential:
    case kMadvWillNeed:
    case kMadvHugePage:
    case kMadvNoHugePage:
    case kMadvDontDump:
    case kMadvDoDump:
    case kMadvCold:
    case kMadvPageOut:
        return Advice::Hint;
    case kMadvDontFork:
        return Advice::DontFork;
    case kMadvDoFork:
        return Advice::DoFork;
    case kMadvDontNeed:
    case kMadvDontNeedLocked:
        return Advice::Discard;
    case kMadvFree:
        return Advice::Free;
    case kMadvPopulateRead:
        return Advice::PopulateRead;
    case kMadvPopulateWrite:
        return Advice::PopulateWrite;
    default:
        return Error::from_errno(EINVAL);
    }
}

ErrorOr<RangeRequest> check_range(u64 address, u64 length, int wrap_error)
{
    if (!page_aligned(address))
        return Error::from_errno(EINVAL);
    u64 aligned = page_align(length);
    if ((length && aligned == 0) || address + aligned < address)
        return Error::from_errno(wrap_error);
    if (aligned && !fits_user_half(address, aligned))
        return Error::from_errno(ENOMEM);
    return RangeRequest { address, aligned };
}

ErrorOr<RangeRequest> check_lock_range(u64 address, u64 length)
{
    u64 start = align_down(address, kPageSize);
    u64 bytes = length + (address - start);
    if (bytes < length)
        return Error::from_errno(EINVAL);
    u64 aligned = page_align(bytes);
    if ((bytes && aligned == 0) || start + aligned < start)
        return Error::from_errno(EINVAL);
    if (aligned && !fits_user_half(start, aligned))
        return Error::from_errno(ENOMEM);
    return RangeRequest { start, aligned };
}

ErrorOr<void> check_msync_flags(u64 flags)
{
    if (flags & ~u64(kMsAsync | kMsInvalidate | kMsSync))
        return Error::from_errno(EINVAL);
    if ((flags & kMsAsync) && (flags & kMsSync))
        return Error::from_errno(EINVAL);
    return {};
}

ErrorOr<void> check_mlock2_flags(u64 flags)
{
    if (flags & ~u64(kMlockOnFault))
        return Error::from_errno(EINVAL);
    return {};
}

ErrorOr<void> check_mlockall_flags(u64 flags)
{
    if (!flags || (flags & ~u64(kMclCurrent | kMclFuture | kMclOnFault)) || flags == kMclOnFault)
        return Error::from_errno(EINVAL);
    return {};
}

ErrorOr<u64> timespec_to_ns(LinuxTimespec const& time)
{
    if (time.tv_sec < 0 || time.tv_nsec < 0 || time.tv_nsec >= static_cast<i64>(kNsPerSecond))
        return Error::from_errno(EINVAL);
    u64 seconds = static_cast<u64>(time.tv_sec);
    if (seconds > (~0ull - static_cast<u64>(time.tv_nsec)) / kNsPerSecond)
        return ~0ull;
    return seconds * kNsPerSecond + static_cast<u64>(time.tv_nsec);
}

ErrorOr<u64> timeval_to_ns(LinuxTimeval const& time)
{
    if (time.tv_usec < 0 || time.tv_usec >= 1'000'000)
        return Error::from_errno(EINVAL);
    return timespec_to_ns(LinuxTimespec { time.tv_sec, time.tv_usec * 1000 });
}

LinuxTimespec ns_to_timespec(u64 ns)
{
    return { static_cast<i64>(ns / kNsPerSecond), static_cast<i64>(ns % kNsPerSecond) };
}

LinuxTimeval ns_to_timeval(u64 ns)
{
    return { static_cast<i64>(ns / kNsPerSecond), static_cast<i64>((ns % kNsPerSecond) / 1000) };
}

i64 ns_to_clock_t(u64 ns) { return static_cast<i64>(ns / (kNsPerSecond / kUserHz)); }

u64 saturating_add(u64 a, u64 b) { return a > ~0ull - b ? ~0ull : a + b; }

ErrorOr<ClockId> decode_clock(int clock)
{
    if (clock < 0) {
        // A CPU-time clock: ~pid << 3 | type (| 4 for a thread). Type 3
        // without the thread bit is a dynamic (fd) clock, with it invalid.
        int type = clock & 3;
        if (type == 3)
            return Error::from_errno(EINVAL);
        bool thread = clock & 4;
        i32 pid = ~(clock >> 3);
        return ClockId { thread ? ClockSource::ThreadCpu : ClockSource::ProcessCpu, false, pid, type == 1 };
    }
    switch (clock) {
    case kClockRealtime:
    case kClockRealtimeAlarm:
    case kClockTai:
        return ClockId { ClockSource::Realtime, false, 0, false };
    case kClockRealtimeCoarse:
        return ClockId { ClockSource::Realtime, true, 0, false };
    case kClockMonotonic:
    case kClockMonotonicRaw:
    case kClockBoottime:
    case kClockBoottimeAlarm:
        return ClockId { ClockSource::Monotonic, false, 0, false };
    case kClockMonotonicCoarse:
        return ClockId { ClockSource::Monotonic, true, 0, false };
    case kClockProcessCputime:
        return ClockId { ClockSource::ProcessCpu, false, 0, false };
    case kClockThreadCputime:
        return ClockId { ClockSource::ThreadCpu, false, 0, false };
    default:
        return Error::from_errno(EINVAL);
    }
}

ErrorOr<ClockId> decode_sleep_clock(int clock)
{
    ClockId id = TRY(decode_clock(clock));
    if (id.source == ClockSource::ThreadCpu)
        return Error::from_errno(EOPNOTSUPP);
    if (clock == kClockMonotonicRaw || clock == kClockRealtimeCoarse || clock == kClockMonotonicCoarse)
        return Error::from_errno(EOPNOTSUPP);
    return id;
}

ErrorOr<int> sched_priority_max(int policy)
{
    switch (policy) {
    case kSchedFifo:
    case kSchedRoundRobin:
        return 99;
    case kSchedNormal:
    case kSchedBatch:
    case kSchedIdle:
    case kSchedDeadline:
        return 0;
    default:
        return Error::from_errno(EINVAL);
    }
}

ErrorOr<int> sched_priority_min(int policy)
{
    switch (policy) {
    case kSchedFifo:
    case kSchedRoundRobin:
        return 1;
    case kSchedNormal:
    case kSchedBatch:
    case kSchedIdle:
    case kSchedDeadline:
        return 0;
    default:
        return Error::from_errno(EINVAL);
    }
}

ErrorOr<void> check_sched_param(int policy, int priority)
{
    switch (policy) {
    case kSchedFifo:
    case kSchedRoundRobin:
        if (priority < 1 || priority > 99)
            return Error::from_errno(EINVAL);
        return {};
    case kSchedNormal:
    case kSchedBatch:
    case kSchedIdle:
        if (priority != 0)
            return Error::from_errno(EINVAL);
        return {};
    default:
        return Error::from_errno(EINVAL);
    }
}

bool may_use_rt_priority(bool policy_changes, int priority, int current_priority, u64 rlimit_rtprio)
{
    if (policy_changes && rlimit_rtprio == 0)
        return false;
    return priority <= current_priority || static_cast<u64>(priority) <= rlimit_rtprio;
}

int clamp_nice(i64 value)
{
    if (value < kMinNice)
        return kMinNice;
    if (value > kMaxNice)
        return kMaxNice;
    return static_cast<int>(value);
}

bool may_set_nice(int new_nice, int current_nice, u64 rlimit_nice, bool privileged)
{
    if (new_nice >= current_nice || privileged)
        return true;
    // RLIMIT_NICE counts in "20 - nice" units (1..40).
    return static_cast<u64>(20 - new_nice) <= rlimit_nice;
}

ErrorOr<usize> check_getaffinity_size(u64 size)
{
    if (size < sizeof(u64) || (size & (sizeof(u64) - 1)))
        return Error::from_errno(EINVAL);
    return sizeof(u64);
}

usize setaffinity_copy_size(u64 size) { return size < sizeof(u64) ? static_cast<usize>(size) : sizeof(u64); }

ErrorOr<usize> check_uts_length(i64 length)
{
    if (length < 0 || static_cast<u64>(length) > kUtsLength)
        return Error::from_errno(EINVAL);
    return static_cast<usize>(length);
}

ErrorOr<void> check_getrandom_flags(u64 flags)
{
    if (flags & ~u64(kGrndNonBlock | kGrndRandom | kGrndInsecure))
        return Error::from_errno(EINVAL);
    if ((flags & kGrndInsecure) && (flags & kGrndRandom))
        return Error::from_errno(EINVAL);
    return {};
}

ErrorOr<void> check_rlimit_change(u32 resource, u64 old_maximum, u64 new_current, u64 new_maximum, bool privileged)
{
    if (new_current > new_maximum)
        return Error::from_errno(EINVAL);
    if (resource == kRlimitNofile && new_maximum > kNrOpen)
        return Error::from_errno(EPERM);
    if (new_maximum > old_maximum && !privileged)
        return Error::from_errno(EPERM);
    return {};
}

}
