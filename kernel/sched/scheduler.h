// The task manager's interface (CONCEPTS B2, C4, E2): creating kernel
// threads, and the calls that move threads between states. The policy
// (classes, run queues, preemption) lives in kernel/sched/*.cpp.
#pragma once

#include <lib/error_or.h>
#include <sched/thread.h>

namespace sched {

// Boot: turns the boot flow into CPU 0's idle thread context and sets up
// the run queue; reads `timeslice=` and `sched=` from the command line.
void init();
// On an application processor, after its Cpu block is installed: makes its
// idle thread and run queue, then never returns (runs the idle loop).
[[noreturn]] void run_application_processor();

// A new kernel thread in state New; start() makes it runnable.
ErrorOr<Thread*> create_kernel_thread(const char* name, void (*entry)(void*), void* argument);
void start(Thread*);
// create + start.
ErrorOr<Thread*> spawn_kernel_thread(const char* name, void (*entry)(void*), void* argument);

Thread* current();

// Voluntarily give up the CPU (stays Ready).
void yield();
// The current thread ends. A kernel thread's resources are freed by the
// reaper daemon once it is a zombie and nobody waits for it.
[[noreturn]] void exit_current(int code);

// Sleeps (state Waiting, on no run queue) until the deadline of the
// monotonic clock; never returns early.
void sleep_until(u64 deadline_ns);
void sleep_ns(u64 duration_ns);

// Makes a Waiting thread Ready and queues it on a CPU; preempts the thread
// running there at once if the woken one should run first. False if it was
// not waiting (already woken).
bool wake(Thread*);

// Policy changes (wired to sched_setscheduler/nice later).
ErrorOr<void> set_policy(Thread*, SchedPolicy, int rt_priority);
ErrorOr<void> set_nice(Thread*, int nice);
ErrorOr<void> set_affinity(Thread*, CpuMask);

// Preemption control for code that must not be switched out but keeps
// interrupts on.
void preempt_disable();
void preempt_enable();
// Called on the way out of every interrupt: switches if need_resched is set
// and the interrupted code may be preempted.
void preempt_on_interrupt_return(bool interrupted_code_had_interrupts_on);

bool is_cooperative(); // booted with sched=cooperative
u64 timeslice_ns();    // timeslice= (ms), default 100 ms

struct LoadAverage {
    u64 one, five, fifteen; // fixed point, 11 fractional bits (Linux's FSHIFT)
};
LoadAverage load_average();

// Calls `callback(Thread&)` for every thread (process table, /proc).
void for_each_thread(void (*callback)(Thread&, void*), void* context);

}
