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
//   (SuspendedReady / SuspendedWaiting arrive with swapping.)
#pragma once

#include <arch/x86_64/percpu.h>
#include <lib/intrusive_list.h>
#include <lib/types.h>
#include <mm/kernel_stack.h>

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

using CpuMask = u64; // bit n: may run on CPU n (kMaxCpus <= 64)
constexpr CpuMask kAllCpus = ~0ull;

struct Thread {
    // Identity.
    u32 tid { 0 };
    char name[16] {};
    void* owner { nullptr }; // the Process (kernel/proc), opaque here

    // Machine state (CONCEPTS A8). The callee-saved registers and return
    // address of a switched-out thread are on its kernel stack; saved_rsp
    // points at them. The FPU/SSE/AVX state is saved in fpu_state.
    VirtAddr saved_rsp { 0 };
    mm::KernelStack kernel_stack {};
    u64 fs_base { 0 };
    u64 user_gs_base { 0 };
    u8* fpu_state { nullptr }; // XSAVE area, 64-byte aligned
    PhysAddr address_space_root { 0 }; // CR3; 0 = the kernel's (kernel threads)

    // Scheduling.
    ThreadState state { ThreadState::New };
    SchedPolicy policy { SchedPolicy::Normal };
    u8 rt_priority { 0 }; // 1..99 for Fifo/RoundRobin
    i8 nice { 0 };        // -20..19 for Normal/Batch
    u32 weight { 1024 };  // from nice, for the fair class
    u64 vruntime { 0 };   // fair class: virtual runtime in ns
    u64 slice_end_ns { 0 }; // when the current slice expires
    CpuMask affinity { kAllCpus };
    u32 cpu { 0 };        // CPU it last ran on / is queued on
    bool on_run_queue { false };
    bool is_idle_thread { false };
    IntrusiveListNode run_node;  // on a run queue (never while Waiting)
    IntrusiveListNode wait_node; // on a wait queue
    IntrusiveListNode all_node;  // on the global thread list
    u64 wake_deadline_ns { 0 };  // timeout of the current wait, 0 = none
    bool timed_out { false };
    void* waiting_on { nullptr }; // the wait queue it sleeps on, for debugging
    void (*entry)(void*) { nullptr };
    void* entry_argument { nullptr };
    int exit_code { 0 };

    // Accounting.
    u64 user_ns { 0 };
    u64 system_ns { 0 };
    u64 last_switch_in_ns { 0 };
    u64 voluntary_switches { 0 };
    u64 involuntary_switches { 0 };
    u64 started_ns { 0 };
};
