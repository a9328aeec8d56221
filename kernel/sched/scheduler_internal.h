// What the files of kernel/sched share beyond the public interface
// (scheduler.h): the blocking and waking primitives wait queues, sleeps and
// the reaper are built from. Not for use outside kernel/sched.
#pragma once

#include <sched/run_queue.h>
#include <sched/thread.h>

namespace sched::internal {

// The current thread, already Waiting or Zombie (set by the caller under
// its thread lock, with preemption disabled once by the caller), leaves the
// CPU. Drops that preemption count; returns when the thread runs again.
// Panics if a spinlock is held: sleeping with one is a bug.
void block_current();

// sched::wake() without the preemption at the end: queues the thread and
// sets need_resched where it should preempt (sending the reschedule IPI to
// another CPU). `timed_out` marks a wake-up by the wait's timeout. Callable
// with wait-queue locks held.
bool wake_thread(Thread&, bool timed_out);

// Preempts the current thread now if need_resched is set and it may be
// preempted here; otherwise makes sure it happens at the next preemption
// point. Call after releasing the locks a wake-up was done under.
void preempt_check();

// Arms the thread's wait_timer to wake it (timed_out) at `deadline_ns`.
void arm_wait_timeout(Thread&, u64 deadline_ns);

RunQueue* run_queue(u32 cpu);

// The reaper (reaper.cpp) and exit_current (scheduler.cpp).
void start_reaper();
void hand_to_reaper(Thread&);      // called by exit_current with preemption off
void release_resources(Thread&);   // kernel stack (if owned) and FPU area
void destroy_thread(Thread&);      // frees the Thread itself; it is Dead (or New, never started)
void remove_from_thread_list(Thread&);

}
