// ProcSource: where procfs gets what it shows. procfs itself (fs/procfs/
// procfs.h) only turns these records into Linux's text formats and
// directory trees; it never includes the process manager, the scheduler
// or the memory manager, so it builds and is tested on the host with a
// fake source (tests/host/procfs_test.cpp). The kernel's source is
// fs/procfs/kernel_source.cpp, which reads kernel/proc, kernel/sched and
// kernel/mm, and asks kernel/proc through the hooks of
// fs/procfs/process_hooks.h for what the process manager does not keep yet
// (argv, address-space sizes, umask, terminal, signals).
//
// Units are the kernel's, not Linux's text units: nanoseconds for times,
// bytes for memory, pages (4 KiB) where Linux counts pages. procfs converts
// (USER_HZ clock ticks, kB) as Linux does.
//
// Calling context: list_pids() may be called where the caller must not
// sleep (getdents64 of /proc runs under the open file's position lock,
// which is a spinlock while FsLock is one, fs/vfs/fs_lock.h); every other
// call comes from path lookup and readlink, where sleeping is allowed.
// Host-buildable.
#pragma once

#include <fs/procfs/growable_array.h>
#include <lib/error_or.h>
#include <lib/kstring.h>
#include <lib/types.h>
#include <security/credentials.h>

namespace procfs {

constexpr usize kCommLength = 16; // Linux's TASK_COMM_LEN, NUL included
constexpr u64 kPageSize = 4096;

// Linux's PF_* task flags procfs reports (field 9 of stat).
constexpr u32 kTaskFlagKernelThread = 0x00200000; // PF_KTHREAD

// One thread (Linux task) of a process.
struct ThreadInfo {
    i32 tid { 0 };
    // Linux's state letter: R running or runnable, S sleeping, D
    // uninterruptible, T stopped, t traced, Z zombie, X dead, I idle.
    char state { 'S' };
    char comm[kCommLength] {};
    u8 policy { 0 };      // SCHED_OTHER 0, FIFO 1, RR 2, BATCH 3, IDLE 5
    u8 rt_priority { 0 }; // 1..99 for FIFO and RR, else 0
    i8 nice { 0 };
    u32 cpu { 0 };         // where it runs or last ran
    u64 affinity { 1 };    // CPUs it may run on, bit n = CPU n
    u64 user_ns { 0 };
    u64 system_ns { 0 };
    u64 voluntary_switches { 0 };
    u64 involuntary_switches { 0 };
    u64 start_ns { 0 }; // monotonic time since boot
    u64 minor_faults { 0 };
    u64 major_faults { 0 };
    u64 pending_signals { 0 }; // bit n-1 = signal n
    u64 blocked_signals { 0 };
};

// A user process's address space (all zero for kernel processes, which
// have none: then the Vm* lines of status are left out, as on Linux).
struct ProcessMemory {
    bool has_address_space { false };
    // Pages (4 KiB).
    u64 total_pages { 0 };      // VmSize (Linux's total_vm)
    u64 peak_total_pages { 0 }; // VmPeak
    u64 locked_pages { 0 };     // VmLck
    u64 pinned_pages { 0 };     // VmPin
    u64 rss_anon_pages { 0 };   // RssAnon
    u64 rss_file_pages { 0 };   // RssFile
    u64 rss_shmem_pages { 0 };  // RssShmem
    u64 peak_rss_pages { 0 };   // VmHWM
    u64 data_pages { 0 };       // VmData: private writable mappings
    u64 stack_pages { 0 };      // VmStk
    u64 exec_pages { 0 };       // executable mappings (VmExe + VmLib)
    u64 swap_pages { 0 };       // VmSwap
    u64 page_table_bytes { 0 }; // VmPTE
    // Addresses (stat fields 26-28 and 45-51).
    u64 start_code { 0 };
    u64 end_code { 0 };
    u64 start_stack { 0 };
    u64 start_data { 0 };
    u64 end_data { 0 };
    u64 start_brk { 0 };
    u64 arg_start { 0 };
    u64 arg_end { 0 };
    u64 env_start { 0 };
    u64 env_end { 0 };

    u64 rss_pages() const { return rss_anon_pages + rss_file_pages + rss_shmem_pages; }
};

// One resource limit (/proc/<pid>/limits), Linux's RLIMIT_* order; ~0 is
// unlimited.
struct LimitInfo {
    u64 soft { ~0ull };
    u64 hard { ~0ull };
};
constexpr usize kLimitCount = 16; // RLIMIT_NLIMITS

struct ProcessInfo {
    i32 pid { 0 };
    i32 ppid { 0 };
    i32 pgid { 0 };
    i32 sid { 0 };
    u32 tty { 0 };       // controlling terminal, Linux's new_encode_dev; 0 for none
    i32 tty_pgid { -1 }; // its foreground process group; -1 for none
    char state { 'S' };  // as ThreadInfo::state
    char comm[kCommLength] {};
    bool is_kernel { false };
    u32 flags { 0 }; // PF_*
    u32 umask { 022 };
    Credentials credentials {}; // file-system ids are the effective ones
    // CPU time of the whole process, exited threads included, and of its
    // waited-for children.
    u64 user_ns { 0 };
    u64 system_ns { 0 };
    u64 children_user_ns { 0 };
    u64 children_system_ns { 0 };
    u64 voluntary_switches { 0 };
    u64 involuntary_switches { 0 };
    u64 minor_faults { 0 };
    u64 major_faults { 0 };
    u64 children_minor_faults { 0 };
    u64 children_major_faults { 0 };
    u64 start_ns { 0 }; // monotonic time since boot
    ProcessMemory memory;
    // Process-wide signal state, bit n-1 = signal n.
    u64 shared_pending_signals { 0 };
    u64 ignored_signals { 0 };
    u64 caught_signals { 0 };
    i32 exit_signal { 17 }; // SIGCHLD
    i32 exit_code { 0 };    // wait status once a zombie
    u32 fd_slots { 0 };     // FDSize: size of the descriptor table
    // argv, each argument followed by a NUL (what cmdline shows); empty
    // for kernel processes.
    KString cmdline;
    LimitInfo limits[kLimitCount];
    // Live threads, the main one first. Empty for a zombie (procfs then
    // shows the main thread from the fields above, as Linux shows a
    // zombie's group leader).
    GrowableArray<ThreadInfo> threads;
};

// /proc/meminfo, in bytes. What a kernel does not track stays 0.
struct MemoryInfo {
    u64 total { 0 };
    u64 free { 0 };
    u64 available { 0 };
    u64 buffers { 0 };
    u64 cached { 0 };
    u64 swap_cached { 0 };
    u64 active_anon { 0 };
    u64 inactive_anon { 0 };
    u64 active_file { 0 };
    u64 inactive_file { 0 };
    u64 unevictable { 0 };
    u64 mlocked { 0 };
    u64 swap_total { 0 };
    u64 swap_free { 0 };
    u64 dirty { 0 };
    u64 writeback { 0 };
    u64 anon_pages { 0 };
    u64 mapped { 0 };
    u64 shmem { 0 };
    u64 kreclaimable { 0 };
    u64 slab_reclaimable { 0 };
    u64 slab_unreclaimable { 0 };
    u64 kernel_stack { 0 };
    u64 page_tables { 0 };
    u64 commit_limit { 0 };
    u64 committed { 0 };
    u64 vmalloc_total { 0 };
    u64 vmalloc_used { 0 };
    u64 percpu { 0 };
    u64 direct_map_4k { 0 };
    u64 direct_map_2m { 0 };
    u64 direct_map_1g { 0 };
};

// One CPU's time, in nanoseconds, by what it was spent on (/proc/stat).
struct CpuTimes {
    u64 user { 0 };
    u64 nice { 0 }; // user time of threads with nice > 0
    u64 system { 0 };
    u64 idle { 0 };
    u64 iowait { 0 };
    u64 irq { 0 };
    u64 softirq { 0 };
    u64 steal { 0 };
    u64 guest { 0 };
    u64 guest_nice { 0 };
};

struct SystemInfo {
    MemoryInfo memory;
    u64 uptime_ns { 0 };
    u64 idle_ns { 0 }; // summed over CPUs, as /proc/uptime shows it
    // 1, 5 and 15 minutes, fixed point with 11 fractional bits (FSHIFT).
    u64 load_average[3] {};
    u32 running_threads { 0 }; // runnable now
    u32 blocked_threads { 0 }; // in an uninterruptible wait
    u32 total_threads { 0 };
    i32 last_pid { 0 };
    u64 boot_time_s { 0 }; // wall clock at boot, seconds since the epoch
    u64 forks { 0 };       // processes created since boot
    u64 context_switches { 0 };
    u64 interrupts { 0 };
    // One entry per online CPU, in CPU order; the first line of
    // /proc/stat is their sum.
    GrowableArray<CpuTimes> cpu_times;
};

// One CPU for /proc/cpuinfo.
struct CpuInfo {
    u32 number { 0 };
    char vendor[13] {}; // "GenuineIntel"
    char model_name[49] {};
    u32 family { 0 };
    u32 model { 0 };
    u32 stepping { 0 };
    u32 cpuid_level { 0 };
    u64 khz { 0 };       // 0: unknown (no cpu MHz line)
    u32 cache_kb { 0 };  // 0: unknown
    u32 physical_id { 0 };
    u32 siblings { 1 };
    u32 core_id { 0 };
    u32 cores { 1 };
    u32 apic_id { 0 };
    u32 clflush_size { 64 };
    u32 physical_address_bits { 36 };
    u32 virtual_address_bits { 48 };
    // Raw CPUID feature words, decoded into Linux's flag names.
    u32 leaf1_edx { 0 };
    u32 leaf1_ecx { 0 };
    u32 extended_edx { 0 }; // 0x80000001
    u32 extended_ecx { 0 };
    u32 leaf7_ebx { 0 };
};

// One line of /proc/mounts.
struct MountInfo {
    KString source;
    KString path; // from the reader's root
    KString type;
    u32 flags { 0 }; // MS_* kept by the mount
};

// Who the system says it is: uname(2)'s fields and /proc/version's.
struct SystemIdentity {
    char sysname[65] {};
    char nodename[65] {};
    char release[65] {};
    char version[65] {};
    char domainname[65] {};
    char compile_by[65] {};
    char compile_host[65] {};
    char compiler[128] {};
    u32 pid_max { 32768 };
};

// One mapping of /proc/<pid>/maps.
struct MappingInfo {
    u64 start { 0 };
    u64 end { 0 };
    u32 prot { 0 }; // PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4
    bool shared { false };
    u64 offset { 0 }; // in the file, in bytes
    u64 device { 0 }; // the file's device number (major << 8 | minor), 0 if none
    u64 inode { 0 };
    KString name; // a path, "[heap]", "[stack]", or empty for anonymous memory
};

// One open descriptor of /proc/<pid>/fd and fdinfo.
struct OpenFileInfo {
    i32 fd { 0 };
    KString target; // what readlink of fd/N gives: a path, "pipe:[ino]"...
    u64 position { 0 };
    u32 flags { 0 }; // open(2) flags, with O_CLOEXEC when the descriptor has it
    u64 inode { 0 };
    u32 mount_id { 0 };
};

// The links of /proc/<pid>/.
enum class ProcessLink : u8 {
    Executable, // exe
    Cwd,        // cwd
    Root,       // root
};

// One line of /proc/interrupts: a name ("1", "LOC"), its count on each
// online CPU, and what it is ("IO-APIC   1-edge      i8042").
constexpr u32 kMaxInterruptCpus = 64;
struct InterruptLine {
    char name[8] {};
    char description[48] {};
    u64 counts[kMaxInterruptCpus] {};
};

// One line of /proc/devices.
struct DeviceInfo {
    u32 major { 0 };
    char name[32] {};
    bool is_block { false };
};

class ProcSource {
public:
    // Every process's PID, in any order (PID 0, the idle tasks, is left
    // out by procfs). May be called where sleeping is not allowed; see
    // the top of this file.
    virtual ErrorOr<void> list_pids(GrowableArray<i32>& pids) = 0;
    // A snapshot of one process; ESRCH when there is no such process (any
    // more). `info` is freshly constructed.
    virtual ErrorOr<void> process(i32 pid, ProcessInfo& info) = 0;
    // The caller's process and thread; 0 for a caller outside every
    // process (then /proc/self does not resolve: ENOENT).
    virtual i32 current_pid() = 0;
    virtual i32 current_tid() = 0;
    virtual ErrorOr<void> system(SystemInfo& info) = 0;
    virtual ErrorOr<void> cpus(GrowableArray<CpuInfo>& cpus) = 0;
    // CPUs the system has (the width of Cpus_allowed in status).
    virtual u32 cpu_count() = 0;
    // The mounts process `pid` sees, in mount order, paths from its root.
    virtual ErrorOr<void> mounts(i32 pid, GrowableArray<MountInfo>& mounts) = 0;
    virtual void identity(SystemIdentity& identity) = 0;

    // The process's initial environment ("A=1\0B=2\0"), as environ shows.
    virtual ErrorOr<void> environment(i32 pid, KString& text) = 0;
    virtual ErrorOr<void> mappings(i32 pid, GrowableArray<MappingInfo>& mappings) = 0;
    // Descriptors in ascending order.
    virtual ErrorOr<void> open_files(i32 pid, GrowableArray<OpenFileInfo>& files) = 0;
    // The target of exe, cwd or root; ENOENT when the process has none.
    virtual ErrorOr<KString> link(i32 pid, ProcessLink link) = 0;
    // The lines of /proc/interrupts, and how many CPUs they count (the
    // columns).
    virtual ErrorOr<void> interrupts(GrowableArray<InterruptLine>& lines, u32& cpus) = 0;
    virtual ErrorOr<void> devices(GrowableArray<DeviceInfo>& devices) = 0;

protected:
    ~ProcSource() = default;
};

}
