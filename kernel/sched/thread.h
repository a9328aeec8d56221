// The thread (TCB, CONCEPTS D1, A8): the schedulable thing. A thread is a
// kernel stack plus saved registers plus scheduling state; a process
// (kernel/proc) owns one or more threads, but the scheduler never looks
// inside a process: `owner` is opaque to it.
//
// State changes go through one function (set_state in thread.cpp) that
// refuses illegal transitions (CONCEPTS C9):
//
//   New -> Ready                       started
//   Ready -> Running                   picked by the scheduler
//   Running -> Ready                   preempted or yielded
//   Running -> Waiting                 blocked on a wait queue or a sleep
//   Waiting -> Ready                   woken (event, timeout)
//   Running/Ready/Waiting -> Stopped   SIGSTOP (signals issue); Stopped -> Ready on SIGCONT
//   Running -> Zombie                  exited, kept until reaped
//   Zombie -> Dead                     reaped: freed
//   Ready -> SuspendedReady, Waiting -> SuspendedWaiting     swapped out
//   SuspendedWaiting -> SuspendedReady                       its event came while out
//   SuspendedReady -> Ready, SuspendedWaiting -> Waiting     swapped back in
//   (the suspended states arrive with swapping; the table already has them)
//
// Locking (see scheduler.cpp for the whole order): `lock` serialises the
// wake-ups of a thread with each other and with its own going to sleep;
// the fields marked [rq] belong to the run queue of `cpu` and change only
// under that run queue's lock.
#pragma once

#include <arch/x86_64/percpu.h>
#include <arch/x86_64/spinlock.h>
#include <lib/intrusive_list.h>
#include <lib/types.h>
#include <mm/kernel_stack.h>
#include <sched/timer.h>

enum class ThreadState : u8 {
    New,
    Ready,
    Running,
    Waiting,
    Stopped,
    Zombie,
    Dead,
    SuspendedReady,
    SuspendedWaiting,
};

const char* thread_state_name(ThreadState);
char thread_state_letter(ThreadState); // /proc's letter: R, S, T, Z, X, ...

// Linux's scheduling policies (sched_setscheduler numbers).
enum class SchedPolicy : u8 {
    Normal = 0, // SCHED_OTHER: the fair time-sharing class, nice -20..19
    Fifo = 1,   // SCHED_FIFO: real time, priority 1..99, runs until it blocks or yields
    RoundRobin = 2, // SCHED_RR: real time with a time slice
    Batch = 3,  // SCHED_BATCH: runs only when no normal or real-time thread can (B2)
    Idle = 5,   // SCHED_IDLE: same class as Batch, below it
};

const char* sched_policy_name(SchedPolicy);

using CpuMask = u64; // bit n: may run on CPU n (kMaxCpus <= 64)
constexpr CpuMask kAllCpus = ~0ull;

constexpr int kMinNice = -20;
constexpr int kMaxNice = 19;
constexpr int kMinRtPriority = 1;
constexpr int kMaxRtPriority = 99;

struct Thread {
    // Identity.
    u32 tid { 0 };
    char name[16] {};
    void* owner { nullptr }; // the Process (kernel/proc), opaque here

    // Machine state (CONCEPTS A8). The callee-saved registers and return
    // address of a switched-out thread are on its kernel stack; saved_rsp
    // points at them. The FPU/SSE/AVX state is saved in fpu_state.
    VirtAddr saved_rsp { 0 };
    mm::KernelStack kernel_stack {}; // {0, 0}: a stack sched/ did not allocate (an AP's boot stack)
    u64 fs_base { 0 };
    u64 user_gs_base { 0 };
    u8* fpu_state { nullptr }; // XSAVE area, 64-byte aligned
    PhysAddr address_space_root { 0 }; // CR3; 0 = the kernel's (kernel threads)
    bool owns_kernel_stack { false };  // false: the boot stack of kmain / an AP; never freed

    // Scheduling.
    ThreadState state { ThreadState::New };
    SchedPolicy policy { SchedPolicy::Normal };
    u8 rt_priority { 0 }; // 1..99 for Fifo/RoundRobin
    i8 nice { 0 };        // -20..19 for Normal/Batch
    u32 weight { 1024 };  // from nice, for the fair class
    // SCHED_RESET_ON_FORK: children start as SCHED_OTHER with a nice of
    // at least 0, and without the flag.
    bool reset_on_fork { false };
    // Fair and batch classes: virtual runtime in ns, compared modulo 2^64.
    // Absolute (comparable with the min_vruntime of its queue on `cpu`)
    // while queued, running or sleeping; relative to the queue it left (its
    // lag) while new or moving between CPUs, so it lands fairly on whichever
    // CPU takes it. A sleeper woken on another CPU is rebased the same way.
    u64 vruntime { 0 };   // [rq]
    u64 slice_end_ns { 0 }; // [rq] when the current slice expires; 0 = none (FIFO, idle)
    CpuMask affinity { kAllCpus };
    u32 cpu { 0 };        // CPU it last ran on / is queued on
    bool on_run_queue { false }; // [rq] linked on a class queue (Ready, not running)
    bool active { false };       // [rq] counted by the run queue of `cpu`: Ready or Running (Linux's on_rq)
    bool on_cpu { false };       // its registers are live on a CPU or still being saved by a switch
    bool migrate_pending { false }; // switched out of a CPU its affinity no longer allows
    bool slice_expired { false };   // [rq] the tick found its slice used up: RR goes to the tail
    bool yielded { false };         // [rq] switched out by yield(): let the others of its class go first
    bool uninterruptible { false }; // its waits count toward the load average (Linux's D state)
    bool job_stopped { false };     // its wait is a job-control stop (proc/signals.cpp): ps shows T
    bool is_idle_thread { false };
    IntrusiveListNode run_node;  // on a run queue (never while Waiting)
    IntrusiveListNode wait_node; // on a wait queue (or, once a zombie, the reaper's list)
    IntrusiveListNode all_node;  // on the global thread list
    u64 wake_deadline_ns { 0 };  // timeout of the current wait, 0 = none
    bool timed_out { false };
    void* waiting_on { nullptr }; // the wait queue it sleeps on, for debugging
    void (*entry)(void*) { nullptr };
    void* entry_argument { nullptr };
    int exit_code { 0 };
    Spinlock lock { "thread" };
    Timer wait_timer;            // the timeout of sleeps and waits

    // Accounting.
    u64 user_ns { 0 };
    u64 system_ns { 0 };
    u64 last_switch_in_ns { 0 };
    u64 exec_start_ns { 0 };     // [rq] start of the running time not yet charged
    u64 voluntary_switches { 0 };
    u64 involuntary_switches { 0 };
    u64 started_ns { 0 };
    bool in_user_mode { false }; // charge running time to user_ns (sched::account_mode_switch)
};

// The one place a thread's state changes: VERIFY-fails (with the thread's
// name and both states) on a transition the table above does not allow.
// The caller holds whatever lock guards the change (see scheduler.cpp).
void set_state(Thread&, ThreadState);
bool is_legal_transition(ThreadState from, ThreadState to);

// ps's letter for a thread: thread_state_letter(), except that an
// uninterruptible wait shows as D and a job-control stop as T.
char thread_letter(Thread const&);
