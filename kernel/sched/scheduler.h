// The task manager's interface (CONCEPTS B2, C4, E2): creating kernel
// threads, and the calls that move threads between states. The policy
// (classes, run queues, preemption) lives in kernel/sched/*.cpp:
//   scheduler.cpp    switching, wake-ups, preemption, balancing, kernel threads
//   run_queue.cpp    one CPU's class queues and the pick (host-tested)
//   policy.cpp       weights, virtual runtime, slices (host-tested)
//   timer.cpp        per-CPU timers and the one-shot LAPIC events
//   wait_queue.cpp   wait queues
//   load_average.cpp the 1/5/15-minute load average
//   reaper.cpp       the kreaper daemon that frees exited threads
#pragma once

#include <lib/error_or.h>
#include <sched/thread.h>

namespace sched {

// Boot: turns the flow of kernel_main into an ordinary kernel thread
// ("kmain", which may then sleep and block), makes CPU 0's idle thread and
// run queue, starts the timer machinery and the reaper daemon; reads
// `timeslice=` and `sched=` from the command line. Needs the heap, the
// kernel stacks, the local APIC and the calibrated clock (ktime::init).
void init();
bool is_initialized();
// On an application processor, after its Cpu block, GDT/IDT and LAPIC are
// up (interrupts off): makes its run queue and turns its flow into its idle
// thread, then never returns (runs the idle loop).
[[noreturn]] void run_application_processor();

// A new kernel thread in state New; start() makes it runnable. Its policy
// is Normal, nice 0, any CPU, whatever the creator's.
// Where new threads get their TID from once the process manager runs
// (its PID allocator). Whoever provides TIDs releases them: the reap hook
// sees every thread before it is freed.
void set_tid_source(ErrorOr<u32> (*source)(), void (*release)(u32));

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
// not waiting (already woken). Any context, interrupt handlers included.
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

// Calls `callback(Thread&)` for every thread (process table, /proc), with
// the thread list's spinlock held: the callback must not sleep.
void for_each_thread(void (*callback)(Thread&, void*), void* context);

// The reaper calls this (in its own thread context: it may sleep, take
// mutexes) for every exited thread after freeing its kernel stack and FPU
// area and taking it off the thread list, just before the Thread itself is
// freed: proc/ drops its pointers to it here.
void set_reap_hook(void (*hook)(Thread&));
u64 reaped_count(); // threads the reaper has freed since boot

// CPU time used by `thread` so far, the running stretch included.
u64 cpu_time_ns(Thread*);

// User-mode entry and exit (the syscall and interrupt paths of the user-mode
// issue) tell the accounting which of user_ns and system_ns the running
// time goes to.
void account_mode_switch(bool entering_user_mode);

// CPUs taking part in scheduling.
CpuMask online_cpus();
u32 online_cpu_count();
Thread* idle_thread(u32 cpu);
// How many threads count on `cpu`'s run queue (queued + running, idle
// thread excluded).
u32 cpu_load(u32 cpu);

}

// The cross-CPU reschedule kick: the SMP code (arch/x86_64/smp.cpp) sends a
// reschedule IPI; scheduler.cpp has a weak do-nothing fallback for a kernel
// built without it.
void smp_send_reschedule(u32 cpu);
