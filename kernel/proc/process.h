// The process (PCB, CONCEPTS C3): what the kernel knows about one running
// program apart from its threads' machine state. A process owns one or more
// threads (sched/thread.h, the TCB: kernel stack, registers, scheduling
// state), an address space, credentials, open files, and its place in the
// process tree. The scheduler never sees a Process: a thread's `owner` is
// opaque to it (STYLE.md layering); this directory builds on sched/.
//
// Every process sits on one kernel list (C3) from creation until it is
// reaped; process_table.cpp prints it and /proc will read it.
//
// Kernel processes: processes whose threads run only in ring 0 (address
// space root 0, credentials all 0, no files). PID 0 stands for the per-CPU
// idle tasks (C2): one process "idle" holding every CPU's idle thread, the
// root of the process tree. PID 1 is reserved at boot for init, which the
// user-mode issue creates; kernel processes start at PID 2 (kmain first). Kernel daemons (C1) such as the scheduler's
// reaper are kernel processes of their own, as in Linux's `ps` (where they
// show as [kthreadd], [ksoftirqd/0]...).
//
// Life cycle (set_state() checks every transition, CONCEPTS C9):
//   New -> Live        built and linked; its first thread is started
//   Live -> Zombie     its last thread exited: exit status kept, threads
//                      gone, still on the list and holding its PID
//   Zombie -> Dead     reaped: off the list, PID released, freed once the
//                      last reference goes
// Whether a live process shows as running, sleeping or stopped mirrors its
// threads (run_state()). Kernel processes are reaped as soon as they become
// zombies (Linux's kernel threads are too: kthreadd ignores SIGCHLD). The
// user-mode issue adds wait(): a user process stays a zombie until its
// parent reaps it, and exit re-parents children to init (PID 1), which
// reparent_children() here already does (to PID 0 while no init exists).
//
// Locking: one mutex, the process lock (process::lock()), guards the list,
// every process's family links (parent, children, group, session), thread
// list and state, like Linux's tasklist_lock. Lock order: the process lock
// before any scheduler spinlock; never the other way (the scheduler calls
// up into proc/ only through its reap hook, holding no lock). Fields
// written only while the process is built (name, kernel flag) are read
// without it.
#pragma once

#include <atomic>
#include <lib/error_or.h>
#include <lib/intrusive_list.h>
#include <lib/kstring.h>
#include <lib/ref_counted.h>
#include <lib/types.h>
#include <proc/pid.h>
#include <proc/signals.h>
#include <proc/thread_snapshot.h>
#include <sched/thread.h>
#include <sched/condition_variable.h>
#include <security/credentials.h>

class Process;
struct ProcessManager;

namespace vfs {
class FdTable;
class FsContext;
}
namespace mm {
class AddressSpace;
}

// Resource limits (getrlimit/setrlimit/prlimit64), Linux's RLIMIT_* numbers.
namespace rlimit {
constexpr int kCpu = 0;
constexpr int kFsize = 1;
constexpr int kData = 2;
constexpr int kStack = 3;
constexpr int kCore = 4;
constexpr int kRss = 5;
constexpr int kNproc = 6;
constexpr int kNofile = 7;
constexpr int kMemlock = 8;
constexpr int kAs = 9;
constexpr int kLocks = 10;
constexpr int kSigpending = 11;
constexpr int kMsgqueue = 12;
constexpr int kNice = 13;
constexpr int kRtprio = 14;
constexpr int kRttime = 15;
constexpr int kCount = 16; // RLIM_NLIMITS
constexpr u64 kInfinity = ~0ull;
}

struct ResourceLimit {
    u64 current;
    u64 maximum;
};

enum class ProcessState : u8 {
    New,
    Live,
    Zombie,
    Dead,
};

// What ps shows for a process: derived from its threads while it is live.
enum class ProcessRunState : u8 {
    New,      // built, not started
    Running,  // some thread running or ready to run (R)
    Sleeping, // every thread waiting (S)
    Stopped,  // every thread stopped (T)
    Zombie,   // exited, not yet reaped (Z)
    Dead,     // reaped (X)
};

const char* process_state_name(ProcessState);
char process_run_state_letter(ProcessRunState);

// One thread's membership of a process: the process's thread list is made
// of these (Thread itself belongs to sched/ and carries no proc/ links).
// It also carries the entry point the thread starts in.
struct ProcessThread {
    IntrusiveListNode node;
    Thread* thread { nullptr };
    Process* process { nullptr };
    void (*entry)(void*) { nullptr };
    void* argument { nullptr };
    // User threads: set_tid_address / CLONE_CHILD_CLEARTID (zeroed and
    // futex-woken when the thread exits) and set_robust_list.
    VirtAddr clear_child_tid { 0 };
    VirtAddr robust_list { 0 };
    // Signals (proc/signals.h): blocked mask, own pending signals,
    // alternate stack; guarded by the process's signal lock.
    signals::ThreadSignals signals;
};

class Process {
public:
    pid_t pid() const { return m_pid; }
    const char* name() const { return m_name; }
    bool is_kernel_process() const { return m_is_kernel; }

    // Under the process lock:
    Process* parent() const { return m_parent; }
    pid_t parent_pid() const { return m_parent ? m_parent->m_pid : 0; }
    pid_t process_group() const { return m_pgid; }
    pid_t session() const { return m_sid; }
    bool is_session_leader() const { return !m_is_kernel && m_sid == m_pid; }
    // TIOCNOTTY by a process that does not lead its session: it alone
    // stops having the session's controlling terminal (tty/job_control.h).
    // Inherited by fork, cleared by setsid.
    bool has_left_controlling_tty() const { return m_left_controlling_tty; }
    void set_left_controlling_tty() { m_left_controlling_tty = true; }
    ProcessState state() const { return m_state; }
    // What ps shows, from a snapshot of the threads (thread_snapshot.h).
    ProcessRunState run_state(ThreadSnapshots const&) const;
    usize thread_count() const { return m_threads.size(); }
    usize child_count() const { return m_children.size(); }
    int exit_status() const { return m_exit_status; }
    Credentials const& credentials() const { return m_credentials; }
    // The set*id calls (issue 5) change these under the process lock.
    Credentials& credentials_for_update() { return m_credentials; }
    PhysAddr address_space_root() const { return m_address_space_root; }
    u64 started_ns() const { return m_started_ns; }

    // User processes (all null for kernel processes). Stable while the
    // process runs: only execve (with every other thread gone) and exit
    // replace or drop them, so a thread of the process may use them
    // without a lock (current.h hands out references).
    mm::AddressSpace* address_space() const { return m_address_space.ptr(); }
    vfs::FdTable* fd_table() const { return m_fd_table.ptr(); }
    vfs::FsContext* fs_context() const { return m_fs_context.ptr(); }
    // argv of the running program, NUL-separated (/proc/<pid>/cmdline).
    StringView command_line() const { return m_command_line.view(); }
    // The path execve was given (AT_EXECFN, /proc/<pid>/exe for now).
    StringView executable_path() const { return m_executable_path.view(); }
    // Where exec put the environment strings on the stack, [start, end)
    // (Linux's mm->env_start/env_end), for /proc/<pid>/environ.
    struct UserRange {
        VirtAddr start { 0 };
        VirtAddr end { 0 };
    };
    UserRange environment_range() const { return m_environment_range; }
    // RLIMIT_*: read and written under the process lock; a value read
    // without it may be one update old, never torn (64-bit stores).
    ResourceLimit resource_limit(int resource) const { return m_limits[resource]; }
    void set_resource_limit(int resource, ResourceLimit limit) { m_limits[resource] = limit; }
    // The signal sent to the parent on exit (SIGCHLD for fork, clone's
    // exit_signal otherwise; 0 for none).
    int exit_signal() const { return m_exit_signal; }
    // exit_group or a fatal signal is ending every thread: each leaves at
    // its next return towards user mode or interruptible wait.
    bool is_exiting() const { return m_group_exiting.load(std::memory_order_acquire); }
    // Signals (proc/signals.h): actions, shared pending signals, group
    // stop, interval timers, under their own spinlock.
    signals::ProcessSignals& signal_state() { return m_signal_state; }

    // CPU accounting: the sum over its threads, live (from the snapshot)
    // and exited.
    struct Times {
        u64 user_ns;
        u64 system_ns;
        u64 voluntary_switches;
        u64 involuntary_switches;
    };
    Times times(ThreadSnapshots const&) const;
    // CPU time of waited-for children (times(), getrusage(RUSAGE_CHILDREN)).
    Times children_times() const { return m_children_times; }

    // Calls `callback(member)` for each ProcessThread, under the process
    // lock (which the caller holds). Read a member's thread through a
    // ThreadSnapshots: sched/'s own threads may exit at any time.
    template<typename Callback>
    void for_each_thread(Callback callback) const
    {
        for (auto const& member : m_threads)
            callback(member);
    }
    template<typename Callback>
    void for_each_child(Callback callback) const
    {
        for (auto const& child : m_children)
            callback(child);
    }

    // Another kernel thread in this live process, started at once. It ends
    // by returning from `entry` or through process::exit_current_thread().
    // ESRCH once the process has exited.
    ErrorOr<Thread*> add_kernel_thread(const char* name, void (*entry)(void*), void* argument);
    // Sleeps until the process is a zombie (or reaped); returns its exit
    // status, or ETIMEDOUT at `deadline_ns` (0: no deadline). The caller
    // holds a reference.
    ErrorOr<int> wait_for_exit(u64 deadline_ns = 0);

    // References keep the PCB's memory valid (not the process alive): one
    // is held while the process is live, creators and waiters hold theirs.
    void ref() { m_ref_count.fetch_add(1, std::memory_order_relaxed); }
    void unref();

private:
    friend struct ProcessManager; // process.cpp: creation, exit, reaping

    Process();
    ~Process();

    pid_t m_pid { -1 };
    char m_name[16] {}; // Linux's TASK_COMM_LEN
    bool m_is_kernel { true };
    ProcessState m_state { ProcessState::New };
    std::atomic<u32> m_ref_count { 1 };

    // The process tree and job control (sessions and groups arrive with
    // the tty issue; a kernel process is in session 0, group 0).
    Process* m_parent { nullptr };
    IntrusiveListNode m_sibling_node; // on the parent's m_children
    IntrusiveList<Process, &Process::m_sibling_node> m_children;
    pid_t m_pgid { 0 };
    pid_t m_sid { 0 };
    bool m_left_controlling_tty { false };

    IntrusiveListNode m_list_node; // on the global process list
    IntrusiveList<ProcessThread, &ProcessThread::node> m_threads;

    PhysAddr m_address_space_root { 0 }; // CR3 of its address space; 0: the kernel's
    Credentials m_credentials {}; // security/credentials.h: all 0 (root) for kernel processes
    RefPtr<mm::AddressSpace> m_address_space;
    RefPtr<vfs::FdTable> m_fd_table;
    RefPtr<vfs::FsContext> m_fs_context;
    KString m_command_line;
    KString m_executable_path;
    UserRange m_environment_range;
    ResourceLimit m_limits[rlimit::kCount] {};
    int m_exit_signal { 0 };
    std::atomic<bool> m_group_exiting { false };
    int m_group_exit_status { 0 };
    bool m_vfork_released { true }; // false while a vfork parent waits for this child's exec or exit
    Times m_children_times {};
    u64 m_child_events { 0 }; // bumped when a child exits, stops or continues
    ConditionVariable m_child_event { "child event" }; // wait4 sleeps here
    int m_exit_status { 0 };
    u64 m_started_ns { 0 };
    Times m_exited_threads {}; // accounting of threads that have exited
    ConditionVariable m_exited { "process exit" }; // wait_for_exit() sleeps here
    signals::ProcessSignals m_signal_state;
};


namespace process {

// Boot, after sched::init(): the PID allocator, the PID 0 process of the
// idle tasks, and kernel processes for the threads the scheduler started
// itself (kmain, its daemons).
void init();
bool is_initialized();

// A kernel process named `name` whose one kernel thread (same name) runs
// `entry(argument)`, started at once. The caller holds a reference
// (unref() when done with the pointer). Its parent is the calling thread's
// process (PID 0 if it has none).
ErrorOr<Process*> create_kernel_process(const char* name, void (*entry)(void*), void* argument);
// The same for a daemon nobody waits for: returns its PID.
ErrorOr<pid_t> spawn_kernel_process(const char* name, void (*entry)(void*), void* argument);

// The process of the running thread; null for a thread outside every
// process (sched/'s own threads until they are adopted, see below).
Process* current();
// The PID 0 process: the idle tasks, root of the process tree.
Process& idle_process();

// Ends the calling thread of a process (the process too, when it was the
// last one, with `status` as its exit status). Returning from a process
// thread's entry function comes here with status 0.
[[noreturn]] void exit_current_thread(int status);

// The process lock (see the top of this file).
Mutex& lock();

// For the terminal's job control (tty/job_control.cpp). Each takes the
// process lock unless the calling thread holds it already (a terminal
// hung up by the last close of its master, during an exit).
// A signal from the kernel (SI_KERNEL) to every live process of group
// `pgid` / to process `pid`; nothing when there is none.
void signal_group_from_kernel(pid_t pgid, int signal);
void signal_process_from_kernel(pid_t pid, int signal);
// The session of group `pgid` (of its live members), 0 when it is empty.
pid_t session_of_group(pid_t pgid);
// Every process on the list, under the process lock, with a snapshot of
// the threads taken under it: callback(process, snapshots). Takes the lock
// (not to be called with it held) and first brings the list up to date
// with the scheduler (sync_with_scheduler()).
template<typename Callback>
void for_each(Callback callback);
void for_each_with_context(void (*callback)(Process&, ThreadSnapshots const&, void*), void* context);
usize count();
// A referenced process by PID, or ESRCH.
ErrorOr<Process*> find(pid_t);

// Threads that sched/ starts on its own, not through this file (every
// CPU's idle thread, kmain, the reaper, threads of other subsystems' tests)
// have no process at first. This gives each a kernel process (the idle
// threads join PID 0). It runs at init and before every walk of the list;
// such a thread leaves its process when sched/'s reaper frees it (the reap
// hook, process.cpp). Takes the lock. ENOMEM if the snapshot cannot be taken.
ErrorOr<void> sync_with_scheduler();

}

template<typename Callback>
void process::for_each(Callback callback)
{
    for_each_with_context(
        [](Process& p, ThreadSnapshots const& threads, void* context) { (*static_cast<Callback*>(context))(p, threads); },
        &callback);
}
