// The argument rules of the memory, time, scheduling, system-information
// and resource-limit calls (memory.cpp, time.cpp, scheduling.cpp,
// system_info.cpp, resource_limits.cpp), as pure functions: which errno
// Linux gives for which combination of arguments, and the unit
// conversions of its time structures. The handlers call these first and
// then do the work, so the rules are tested on the host
// (tests/host/syscall_args_test.cpp) apart from the kernel.
//
// Constants carry Linux's values under the kernel's k-names; the comments
// give the Linux name where it differs.
// Host-buildable.
#pragma once

#include <lib/error_or.h>
#include <lib/types.h>

namespace sysargs {

constexpr u64 kPageSize = 4096;
// The user range the memory calls accept (mm/address_space.h's
// kUserLowest and kUserHighest: Linux's mmap_min_addr and TASK_SIZE).
constexpr u64 kUserLowest = 0x10000;
constexpr u64 kUserHighest = 0x7ffffffff000;

// --- mmap, mprotect, mremap, madvise, msync, mlock ---

constexpr u32 kProtRead = 0x1;
constexpr u32 kProtWrite = 0x2;
constexpr u32 kProtExec = 0x4;
constexpr u32 kProtSem = 0x8;
constexpr u32 kProtGrowsDown = 0x01000000;
constexpr u32 kProtGrowsUp = 0x02000000;

constexpr u32 kMapShared = 0x01;
constexpr u32 kMapPrivate = 0x02;
constexpr u32 kMapSharedValidate = 0x03;
constexpr u32 kMapTypeMask = 0x0f;
constexpr u32 kMapFixed = 0x10;
constexpr u32 kMapAnonymous = 0x20;
constexpr u32 kMap32Bit = 0x40;
constexpr u32 kMapGrowsDown = 0x100;
constexpr u32 kMapDenyWrite = 0x800;
constexpr u32 kMapExecutable = 0x1000;
constexpr u32 kMapLocked = 0x2000;
constexpr u32 kMapNoReserve = 0x4000;
constexpr u32 kMapPopulate = 0x8000;
constexpr u32 kMapNonBlock = 0x10000;
constexpr u32 kMapStack = 0x20000;
constexpr u32 kMapHugeTlb = 0x40000;
constexpr u32 kMapSync = 0x80000;
constexpr u32 kMapFixedNoReplace = 0x100000;
constexpr u32 kMapUninitialized = 0x4000000;
// The flags Linux knows (LEGACY_MAP_MASK plus MAP_SYNC and
// MAP_FIXED_NOREPLACE, and the huge page size bits 26..31 of MAP_HUGETLB):
// MAP_SHARED_VALIDATE refuses any other with EOPNOTSUPP.
constexpr u32 kMapHugeShift = 26;
constexpr u32 kMapKnownFlags = kMapFixed | kMapAnonymous | kMap32Bit | kMapGrowsDown | kMapDenyWrite
    | kMapExecutable | kMapLocked | kMapNoReserve | kMapPopulate | kMapNonBlock | kMapStack | kMapHugeTlb
    | kMapSync | kMapFixedNoReplace | kMapUninitialized | (0x3fu << kMapHugeShift);

// The largest file offset (MAX_LFS_FILESIZE): a file mapping ends below it.
constexpr u64 kMaxFileOffset = 0x7fffffffffffffffull;

// What mmap was asked for, once the arguments passed Linux's checks that
// need no address space or file.
struct MmapRequest {
    u64 address;   // exact with `fixed`, otherwise a hint (page aligned down)
    u64 length;    // page aligned, > 0
    u32 prot;      // PROT_READ/WRITE/EXEC only
    u32 flags;     // as given
    u64 offset;    // page aligned
    bool shared;   // MAP_SHARED or MAP_SHARED_VALIDATE
    bool anonymous;
    bool fixed;       // MAP_FIXED or MAP_FIXED_NOREPLACE
    bool no_replace;  // MAP_FIXED_NOREPLACE: EEXIST instead of replacing
    bool populate;    // MAP_POPULATE (without MAP_NONBLOCK) or MAP_LOCKED
};
// EINVAL: offset not page aligned, neither or an unknown MAP_TYPE, length
// 0, MAP_FIXED at an unaligned address; EOPNOTSUPP: MAP_SHARED_VALIDATE
// with a flag Linux does not know or MAP_SYNC (no DAX here); ENOMEM: a
// length past the user half, MAP_FIXED beyond its top, MAP_HUGETLB of
// anonymous memory (no huge pages reserved; EINVAL for a file); EPERM:
// MAP_FIXED below mmap_min_addr; EOVERFLOW: a file mapping ending past
// the largest file offset. Anonymous MAP_SHARED_VALIDATE is EINVAL, and a
// shared anonymous MAP_GROWSDOWN too.
ErrorOr<MmapRequest> check_mmap(u64 address, u64 length, u64 prot, u64 flags, u64 offset);

// munmap's range: EINVAL unless page aligned, non-empty and inside the
// user half. Returns the page-aligned length.
ErrorOr<u64> check_munmap(u64 address, u64 length);

struct ProtectRequest {
    u64 address;
    u64 length; // page aligned; 0 means "nothing to do"
    u32 prot;   // PROT_READ/WRITE/EXEC
    bool grows_down; // PROT_GROWSDOWN: extend to the start of a grows-down area
};
// EINVAL: unaligned address, unknown prot bits, both PROT_GROWSDOWN and
// PROT_GROWSUP, PROT_GROWSUP (no grows-up areas on x86-64);
// ENOMEM: the range wraps or leaves the user half.
ErrorOr<ProtectRequest> check_mprotect(u64 address, u64 length, u64 prot);

constexpr u32 kMremapMayMove = 1;
constexpr u32 kMremapFixed = 2;
constexpr u32 kMremapDontUnmap = 4;

struct MremapRequest {
    u64 old_address;
    u64 old_length; // page aligned; 0: duplicate a shared mapping
    u64 new_length; // page aligned, > 0
    bool may_move;
    bool fixed;
    bool dont_unmap;
    u64 new_address; // with `fixed`
};
// EINVAL: unknown flags, MREMAP_FIXED or MREMAP_DONTUNMAP without
// MREMAP_MAYMOVE, MREMAP_DONTUNMAP with a size change, an unaligned old
// or (fixed) new address, a new length of 0 or past the user half, a
// fixed new range past the user half or overlapping the old one.
ErrorOr<MremapRequest> check_mremap(u64 old_address, u64 old_length, u64 new_length, u64 flags, u64 new_address);

// madvise: what the kernel does for each advice.
enum class Advice {
    Hint,          // accepted, nothing to do (NORMAL, RANDOM, SEQUENTIAL, WILLNEED, HUGEPAGE...)
    Discard,       // MADV_DONTNEED, MADV_DONTNEED_LOCKED: drop the pages
    Free,          // MADV_FREE: private anonymous memory only; dropped at once here
    PopulateRead,  // MADV_POPULATE_READ
    PopulateWrite, // MADV_POPULATE_WRITE
    DontFork,      // MADV_DONTFORK: the range is not inherited by fork's child
    DoFork,        // MADV_DOFORK: undoes it
};
constexpr int kMadvNormal = 0;
constexpr int kMadvRandom = 1;
constexpr int kMadvSequential = 2;
constexpr int kMadvWillNeed = 3;
constexpr int kMadvDontNeed = 4;
constexpr int kMadvFree = 8;
constexpr int kMadvRemove = 9;
constexpr int kMadvDontFork = 10;
constexpr int kMadvDoFork = 11;
constexpr int kMadvMergeable = 12;
constexpr int kMadvUnmergeable = 13;
constexpr int kMadvHugePage = 14;
constexpr int kMadvNoHugePage = 15;
constexpr int kMadvDontDump = 16;
constexpr int kMadvDoDump = 17;
constexpr int kMadvWipeOnFork = 18;
constexpr int kMadvKeepOnFork = 19;
constexpr int kMadvCold = 20;
constexpr int kMadvPageOut = 21;
constexpr int kMadvPopulateRead = 22;
constexpr int kMadvPopulateWrite = 23;
constexpr int kMadvDontNeedLocked = 24;
constexpr int kMadvCollapse = 25;
// EINVAL for advice Linux does not know, and for what this kernel cannot
// honour and Linux also refuses when its feature is configured out:
// MADV_MERGEABLE/UNMERGEABLE (no KSM), MADV_REMOVE, MADV_WIPEONFORK/
// KEEPONFORK, MADV_COLLAPSE, MADV_HWPOISON/SOFT_OFFLINE.
ErrorOr<Advice> classify_madvise(int advice);

struct RangeRequest {
    u64 address;
    u64 length; // page aligned, may be 0
};
// madvise, msync, mincore: EINVAL for an unaligned start; `wrap_error`
// when the range wraps (madvise says EINVAL, msync and mincore ENOMEM);
// ENOMEM when it leaves the user half (no area is there).
ErrorOr<RangeRequest> check_range(u64 address, u64 length, int wrap_error);
// mlock and munlock round instead: the pages the bytes touch. EINVAL when
// the range wraps, ENOMEM when it leaves the user half.
ErrorOr<RangeRequest> check_lock_range(u64 address, u64 length);

constexpr u32 kMsAsync = 1;
constexpr u32 kMsInvalidate = 2;
constexpr u32 kMsSync = 4;
// EINVAL for unknown flags or MS_ASYNC together with MS_SYNC.
ErrorOr<void> check_msync_flags(u64 flags);

constexpr u32 kMlockOnFault = 1;
constexpr u32 kMclCurrent = 1;
constexpr u32 kMclFuture = 2;
constexpr u32 kMclOnFault = 4;
ErrorOr<void> check_mlock2_flags(u64 flags);
// EINVAL: 0, unknown bits, or MCL_ONFAULT alone.
ErrorOr<void> check_mlockall_flags(u64 flags);

// --- time ---

struct LinuxTimespec {
    i64 tv_sec;
    i64 tv_nsec;
};
struct LinuxTimeval {
    i64 tv_sec;
    i64 tv_usec;
};
struct LinuxTimezone {
    i32 tz_minuteswest;
    i32 tz_dsttime;
};

constexpr u64 kNsPerSecond = 1'000'000'000;
constexpr u64 kUserHz = 100; // USER_HZ: the unit of clock_t (times, /proc)

// Nanoseconds in a timespec; EINVAL for a negative tv_sec or a tv_nsec
// outside [0, 999999999]. Saturates at ~0 (sleeping "forever").
ErrorOr<u64> timespec_to_ns(LinuxTimespec const&);
// The same for a timeval (tv_usec in [0, 999999]).
ErrorOr<u64> timeval_to_ns(LinuxTimeval const&);
LinuxTimespec ns_to_timespec(u64 ns);
LinuxTimeval ns_to_timeval(u64 ns);
i64 ns_to_clock_t(u64 ns);
// a + b without wrapping (deadlines of very long sleeps).
u64 saturating_add(u64 a, u64 b);

// Clock ids (CLOCK_*).
constexpr int kClockRealtime = 0;
constexpr int kClockMonotonic = 1;
constexpr int kClockProcessCputime = 2;
constexpr int kClockThreadCputime = 3;
constexpr int kClockMonotonicRaw = 4;
constexpr int kClockRealtimeCoarse = 5;
constexpr int kClockMonotonicCoarse = 6;
constexpr int kClockBoottime = 7;
constexpr int kClockRealtimeAlarm = 8;
constexpr int kClockBoottimeAlarm = 9;
constexpr int kClockTai = 11;
constexpr int kTimerAbsTime = 1;

// What a clock id reads. Negative ids are the CPU-time clocks of another
// process or thread (clock_getcpuclockid, pthread_getcpuclockid):
// ~pid << 3 | type, plus 4 for a thread.
enum class ClockSource {
    Realtime,   // REALTIME, REALTIME_COARSE, REALTIME_ALARM, TAI (offset 0)
    Monotonic,  // MONOTONIC, MONOTONIC_RAW, MONOTONIC_COARSE, BOOTTIME, BOOTTIME_ALARM (no suspend)
    ProcessCpu, // PROCESS_CPUTIME_ID or a process CPU clock
    ThreadCpu,  // THREAD_CPUTIME_ID or a thread CPU clock
};
struct ClockId {
    ClockSource source;
    bool coarse;      // *_COARSE: tick resolution
    i32 pid;          // CPU clocks: 0 = the caller, else the pid or tid named
    bool user_only;   // CPUCLOCK_VIRT: user time only
};
// EINVAL for an unknown id or a CPU clock with the reserved type 3.
ErrorOr<ClockId> decode_clock(int clock);
// clock_nanosleep's clocks: REALTIME, MONOTONIC, BOOTTIME, TAI, the
// alarm clocks and process CPU clocks. EINVAL for unknown ids;
// EOPNOTSUPP for thread CPU clocks, MONOTONIC_RAW and the coarse clocks,
// which cannot sleep (what Linux 6.x answers).
ErrorOr<ClockId> decode_sleep_clock(int clock);

// --- scheduling ---

constexpr int kSchedNormal = 0;
constexpr int kSchedFifo = 1;
constexpr int kSchedRoundRobin = 2;
constexpr int kSchedBatch = 3;
constexpr int kSchedIdle = 5;
constexpr int kSchedDeadline = 6;
constexpr int kSchedResetOnFork = 0x40000000;

// sched_get_priority_max/min: EINVAL for an unknown policy.
ErrorOr<int> sched_priority_max(int policy);
ErrorOr<int> sched_priority_min(int policy);
// sched_setscheduler/sched_setparam: EINVAL for an unknown policy
// (SCHED_DEADLINE included: it needs sched_setattr), a real-time priority
// outside 1..99 or a non-zero priority for the other policies.
ErrorOr<void> check_sched_param(int policy, int priority);
// Whether a caller without privilege may put a thread in a real-time
// policy at `priority` (Linux's user_check): not at all when the policy
// changes and the thread's RLIMIT_RTPRIO is 0 (the default); otherwise
// up to RLIMIT_RTPRIO, or up to the priority the thread already has.
bool may_use_rt_priority(bool policy_changes, int priority, int current_priority, u64 rlimit_rtprio);

constexpr int kPrioProcess = 0;
constexpr int kPrioProcessGroup = 1;
constexpr int kPrioUser = 2;
constexpr int kMinNice = -20;
constexpr int kMaxNice = 19;
// setpriority clamps the value into -20..19 rather than refusing it.
int clamp_nice(i64 value);
// getpriority's result: 20 - nice (1..40), so no result looks like -errno.
inline long getpriority_result(int nice) { return 20 - nice; }
// Lowering nice (raising priority) needs privilege, or RLIMIT_NICE
// allowing 20 - new_nice; raising it is always allowed.
bool may_set_nice(int new_nice, int current_nice, u64 rlimit_nice, bool privileged);

// sched_getaffinity: EINVAL unless `size` is a multiple of 8 and at least
// the kernel's mask (8 bytes, 64 CPUs). Returns the bytes to write (8).
ErrorOr<usize> check_getaffinity_size(u64 size);
// sched_setaffinity: takes min(size, 8) bytes, the rest of the mask 0.
usize setaffinity_copy_size(u64 size);

// --- system information ---

constexpr usize kUtsLength = 64; // __NEW_UTS_LEN; fields are 65 bytes with the NUL
// sethostname/setdomainname: EINVAL for a negative length or more than 64.
ErrorOr<usize> check_uts_length(i64 length);

constexpr u32 kGrndNonBlock = 1;
constexpr u32 kGrndRandom = 2;
constexpr u32 kGrndInsecure = 4;
// Linux serves at most INT_MAX >> 6 bytes (32 MiB) per getrandom call.
constexpr u64 kGetrandomMax = 0x7fffffffu >> 6;
// EINVAL for unknown flags or GRND_INSECURE with GRND_RANDOM.
ErrorOr<void> check_getrandom_flags(u64 flags);
inline u64 getrandom_length(u64 length) { return length < kGetrandomMax ? length : kGetrandomMax; }

// sysinfo's loads are 16-bit fixed point (SI_LOAD_SHIFT); the scheduler
// keeps Linux's 11-bit averages.
inline u64 load_to_sysinfo(u64 average_fixed11) { return average_fixed11 << (16 - 11); }

// --- resource limits ---

constexpr u32 kRlimitCount = 16;         // RLIM_NLIMITS
constexpr u32 kRlimitNofile = 7;
constexpr u32 kRlimitNice = 13;
constexpr u32 kRlimitRtprio = 14;
constexpr u64 kRlimInfinity = ~0ull;
constexpr u64 kNrOpen = 1024 * 1024;     // fs.nr_open: RLIMIT_NOFILE's ceiling
// setrlimit/prlimit64 with a new value: EINVAL when cur > max; EPERM when
// the hard limit goes up without privilege, or RLIMIT_NOFILE's hard limit
// above nr_open.
ErrorOr<void> check_rlimit_change(u32 resource, u64 old_maximum, u64 new_current, u64 new_maximum, bool privileged);

}
