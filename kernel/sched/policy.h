// Scheduling policy arithmetic (CONCEPTS B2, E2): the classes and their
// order, Linux's nice-to-weight table, virtual runtime, time slices, where a
// new or woken thread is placed, and when a wake-up preempts. Pure
// functions with no locks and no hardware: the run queues (run_queue.cpp)
// use them in the kernel, and tests/host/sched_policy_test.cpp checks them
// on the host. The fair class is described in docs/ARCHITECTURE.md
// ("Scheduler").
#pragma once

#include <lib/types.h>
#include <sched/thread.h>

namespace sched::policy {

// The classes, highest first: a thread of a lower-numbered class always
// runs before any of a higher-numbered one (B2: batch work runs only when
// the CPU would otherwise idle).
enum class SchedClass : u8 {
    RealTime = 0,  // Fifo and RoundRobin, priorities 1..99
    Fair = 1,      // Normal, nice -20..19
    Batch = 2,     // Batch
    IdlePolicy = 3, // Idle (SCHED_IDLE)
    IdleThread = 4, // the CPU's idle thread: runs when nothing else can
};

inline SchedClass class_of(Thread const& thread)
{
    if (thread.is_idle_thread)
        return SchedClass::IdleThread;
    switch (thread.policy) {
    case SchedPolicy::Fifo:
    case SchedPolicy::RoundRobin:
        return SchedClass::RealTime;
    case SchedPolicy::Normal:
        return SchedClass::Fair;
    case SchedPolicy::Batch:
        return SchedClass::Batch;
    case SchedPolicy::Idle:
        return SchedClass::IdlePolicy;
    }
    return SchedClass::Fair;
}

// The classes ordered by virtual runtime (fair, batch, idle policy).
inline bool uses_vruntime(SchedClass c)
{
    return c == SchedClass::Fair || c == SchedClass::Batch || c == SchedClass::IdlePolicy;
}

constexpr u32 kNiceZeroWeight = 1024;
constexpr u64 kNsPerMs = 1'000'000;
constexpr u64 kDefaultTimesliceNs = 100 * kNsPerMs; // the notes' 0.1 s
// A woken fair thread preempts the running one only when it is this much
// (real time, scaled to its weight) behind in virtual runtime: two threads
// waking each other then do not switch on every wake-up.
constexpr u64 kWakeupGranularityNs = 1 * kNsPerMs;

// Linux's sched_prio_to_weight: each nice step is about 1.25x the CPU share
// of the next, so one nice level moves about 10% of the CPU between two
// competing threads; nice 0 weighs 1024.
u32 weight_of_nice(int nice);

// delta_ns of real running time as virtual runtime: scaled by
// 1024 / weight, so a heavy thread's clock runs slow.
u64 virtual_delta(u64 delta_ns, u32 weight);

// The shortest slice a fair thread gets however many compete (Linux's
// min_granularity): an eighth of the time slice, so that a crowd does not
// turn the CPU into a switching machine.
u64 min_granularity_ns(u64 timeslice_ns);

// A fair thread's slice: its weight's share of the time slice among the
// weight of every thread competing on its queue (itself included), at least
// the minimum granularity, at most the time slice.
u64 fair_slice_ns(u32 weight, u64 total_weight, u64 timeslice_ns);

// How far below the queue's min_vruntime a waking sleeper may be placed
// (half a time slice, Linux's GENTLE_FAIR_SLEEPERS): it gets the CPU soon,
// but a long sleep does not bank unlimited credit.
u64 sleeper_credit_ns(u64 timeslice_ns);

// Virtual runtimes wrap; compare them by their difference.
inline bool vruntime_before(u64 a, u64 b) { return static_cast<i64>(a - b) < 0; }

// Placement on enqueue.
// New: behind everyone by its own virtual slice, so a thread that creates
// threads in a loop cannot starve the others (Linux's START_DEBIT).
u64 place_new(u64 min_vruntime, u32 weight, u64 total_weight_with_it, u64 timeslice_ns);
// Woken: keeps the vruntime it went to sleep with (so the time it slept,
// while min_vruntime moved on, puts it ahead of the threads that ran), but
// no further back than the sleeper credit.
u64 place_woken(u64 min_vruntime, u64 vruntime, u64 timeslice_ns);

// Should `woken`, just queued, take the CPU from `running` at once?
// (Both on one run queue; `running`'s vruntime is up to date.)
bool wakeup_preempts(Thread const& running, Thread const& woken);

}
