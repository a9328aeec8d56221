// The scheduler (CONCEPTS B2, C4, E1, E2): context switches, wake-ups,
// preemption, per-CPU run queues with balancing, kernel threads, the idle
// loop, the timer interrupt's scheduling work and the load average.
//
// A context switch (schedule_core) does what C4 lists, in order: charge the
// running thread the CPU time it used (monotonic clock), set its new state
// (Ready if it was preempted or yielded; Waiting or Zombie were set by the
// caller), put it on the right queue (its class queue, none when waiting),
// pick the next thread (run_queue.cpp), switch FPU state, FS/GS base, CR3
// (only when the address space differs: threads of one process keep the
// TLB, D3), the TSS stack, and finally the kernel stack (context_switch.S).
//
// The four switch triggers (C4): exit (exit_current), blocking wait
// (block_current, from wait queues and sleeps), slice expiry (the timer
// interrupt sets need_resched; the switch happens on the interrupt's way
// out), and a wake-up of a better thread (wake_thread sets need_resched on
// its CPU; on this CPU the switch happens at once if the waker may be
// preempted, else on a self-IPI taken the moment the waker's spinlock is
// released; another CPU gets a reschedule IPI).
//
// Preemption happens only where it is safe: on the way out of an interrupt
// whose interrupted code had interrupts on, with this CPU's preempt_count
// 0, no spinlock held, and not inside another interrupt; or in
// preempt_enable()/after a wake-up under the same conditions. With
// `sched=cooperative` it never happens: only yield, block and exit switch
// (E2, non-preemptive scheduling).
//
// Lock order (outermost first):
//   a caller's lock (e.g. a semaphore's) -> WaitQueue::m_lock
//   -> Thread::lock -> RunQueue::lock (two at once only when balancing:
//   lower CPU number first) -> the timer lists (timer.cpp) and the thread
//   list (leaves).
// A thread's state changes under its Thread::lock, except Ready <-> Running,
// which the run queue of its CPU owns. A run queue's lock is held across the
// switch itself and released by the thread switched to (finish_switch), so
// no other CPU sees a half-switched thread; a thread's `on_cpu` stays set
// until then, and a waker that wants to run it elsewhere waits for it.
#include <arch/x86_64/interrupts_off.h>
#include <arch/x86_64/apic.h>
#include <arch/x86_64/context_switch.h>
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/fpu.h>
#include <arch/x86_64/gdt.h>
#include <arch/x86_64/interrupts.h>
#include <arch/x86_64/percpu.h>
#include <arch/x86_64/user_mode.h>
#include <mm/paging.h>
#include <arch/x86_64/smp.h>
#include <lib/cmdline.h>
#include <lib/format.h>
#include <lib/log.h>
#include <lib/panic.h>
#include <lib/string.h>
#include <mm/kmalloc.h>
#include <new>
#include <sched/clock.h>
#include <sched/load_average.h>
#include <sched/run_queue.h>
#include <sched/scheduler.h>
#include <sched/scheduler_internal.h>
#include <sched/timer.h>

extern "C" char boot_stack_bottom[];
extern "C" char boot_stack_top[];

// Without the SMP code (a single-CPU kernel) a reschedule kick to another
// CPU has nobody to go to, and every CPU may run every thread.
[[gnu::weak]] void smp_send_reschedule(u32) { }
namespace smp {
[[gnu::weak]] bool may_run_on(u64 affinity, u32 cpu) { return (affinity >> cpu) & 1; }
}

namespace sched {

namespace {

using policy::SchedClass;

enum class Reason : u8 {
    Preempt, // involuntary: a better thread, or the slice is over
    Yield,   // voluntary, stays Ready
    Block,   // voluntary, already Waiting or Zombie
};

constexpr u32 kNoCpu = ~0u;

RunQueue s_boot_run_queue;
RunQueue* s_run_queues[kMaxCpus];
std::atomic<u64> s_online_mask;
bool s_initialized;
bool s_cooperative;
u64 s_timeslice_ns = policy::kDefaultTimesliceNs;
// Thread IDs: from a counter until the process manager installs its PID
// allocator (process::init), so that TIDs and PIDs share one number space
// as in Linux (a process's PID is its first thread's TID). The counter
// starts at 2: PID 1 is init's.
std::atomic<u32> s_next_tid { 2 };
std::atomic<ErrorOr<u32> (*)()> s_tid_source;
std::atomic<void (*)(u32)> s_tid_release;

SpinlockProtected<IntrusiveList<Thread, &Thread::all_node>> s_all_threads { "thread list" };

Timer s_load_timer;
loadavg::State s_load;
u32 s_apic_ids[kMaxCpus]; // for the self-IPI of a deferred preemption


u64 bit(u32 cpu) { return 1ull << cpu; }

// ---- choosing a CPU ----

u32 load_of(u32 cpu) { return s_run_queues[cpu]->load.load(std::memory_order_relaxed); }

bool allowed_on(Thread const& thread, u32 cpu)
{
    return (s_online_mask.load(std::memory_order_acquire) & bit(cpu)) && smp::may_run_on(thread.affinity, cpu);
}

// Where a thread that is about to become Ready should run: the least loaded
// CPU its affinity allows, preferring the one it ran on last (its cache)
// when that one is as good or idle.
u32 select_cpu(Thread const& thread)
{
    u64 online = s_online_mask.load(std::memory_order_acquire);
    u32 best = kNoCpu;
    u32 best_load = ~0u;
    if (thread.cpu < kMaxCpus && allowed_on(thread, thread.cpu)) {
        best = thread.cpu;
        best_load = load_of(best);
        if (best_load == 0)
            return best;
    }
    for (u64 rest = online; rest; rest &= rest - 1) {
        u32 cpu = static_cast<u32>(__builtin_ctzll(rest));
        if (!smp::may_run_on(thread.affinity, cpu))
            continue;
        u32 load = load_of(cpu);
        if (load < best_load) {
            best = cpu;
            best_load = load;
        }
    }
    if (best == kNoCpu) {
        // Its affinity names only CPUs that are not up (yet): run it
        // somewhere rather than never.
        u32 here = this_cpu().id;
        best = (online & bit(here)) ? here : static_cast<u32>(__builtin_ctzll(online));
    }
    return best;
}

// The run queue `thread` belongs to, locked; retries if the thread moved
// while the lock was being taken.
RunQueue& lock_run_queue_of(Thread& thread, u64& flags)
{
    for (;;) {
        u32 cpu = __atomic_load_n(&thread.cpu, __ATOMIC_ACQUIRE);
        RunQueue& rq = *s_run_queues[cpu];
        flags = rq.lock.lock();
        if (__atomic_load_n(&thread.cpu, __ATOMIC_RELAXED) == cpu)
            return rq;
        rq.lock.unlock(flags);
    }
}

// Asks the CPU of `rq` (locked) to reschedule: need_resched here, plus a
// reschedule IPI for another CPU.
void resched_cpu(RunQueue& rq)
{
    Cpu* target = percpu::cpu(rq.cpu_id);
    target->need_resched = true;
    if (target != &this_cpu())
        smp_send_reschedule(rq.cpu_id);
}

// A busy CPU whose slice just ran out and which has threads waiting wakes
// an idle CPU, whose idle loop then pulls one over (pull_work).
void kick_idle_cpu(RunQueue const& rq)
{
    u64 others = s_online_mask.load(std::memory_order_acquire) & ~bit(rq.cpu_id);
    for (u64 rest = others; rest; rest &= rest - 1) {
        u32 cpu = static_cast<u32>(__builtin_ctzll(rest));
        if (load_of(cpu) == 0) {
            smp_send_reschedule(cpu);
            return;
        }
    }
}

// Queues a Ready thread that belongs to no run queue (new, woken, or moving
// off a CPU its affinity no longer allows) on the CPU select_cpu() chooses,
// and asks that CPU to reschedule if it should run at once. The caller
// holds the thread's lock.
void place_on_cpu(Thread& thread, EnqueueKind kind)
{
    u32 target = select_cpu(thread);
    // A sleeper's vruntime is absolute for the queue it slept on: woken on
    // another CPU it carries its lag over (that queue's minimum is read
    // unlocked; a slightly stale value only shifts the lag by what ran
    // there meanwhile).
    bool rebase = kind == EnqueueKind::Wakeup && target != thread.cpu;
    if (rebase)
        s_run_queues[thread.cpu]->make_vruntime_relative(thread);
    RunQueue& rq = *s_run_queues[target];
    SpinlockLocker locker(rq.lock);
    u64 now = ktime::monotonic_ns();
    if (rebase)
        rq.make_vruntime_absolute(thread);
    rq.enqueue(thread, kind, now);
    if (rq.should_preempt(thread, now))
        resched_cpu(rq);
    else if (rq.cpu_id == this_cpu().id && !s_cooperative && rq.current->slice_end_ns)
        timer::program_event(rq.current->slice_end_ns); // its slice may have shrunk
}

// ---- the switch ----

void switch_machine_state(Cpu& cpu, Thread& prev, Thread& next)
{
    if (prev.fpu_state)
        fpu::save(prev.fpu_state);
    if (next.fpu_state)
        fpu::restore(next.fpu_state);
    // Writes only when they differ: MSR writes are slow, and most switches
    // are between kernel threads whose bases are all zero.
    if (prev.fs_base != next.fs_base)
        cpu::wrmsr(cpu::MSR_FS_BASE, next.fs_base);
    if (prev.user_gs_base != next.user_gs_base)
        cpu::wrmsr(cpu::MSR_KERNEL_GS_BASE, next.user_gs_base); // the user's GS while in the kernel
    // A thread of the process already loaded keeps the TLB (D3). Kernel
    // threads (root 0) run on the kernel's own tables: a user address
    // space may be freed as soon as its last thread is off the CPU, and no
    // CPU may keep a freed top-level table loaded.
    PhysAddr wanted_root = next.address_space_root ? next.address_space_root : mm::kernel_root();
    if (wanted_root != (cpu::read_cr3() & ~0xFFFull))
        load_root(wanted_root); // published for targeted shoot-downs (percpu.h)
    if (next.kernel_stack.top) {
        gdt::set_kernel_stack(next.kernel_stack.top);
        cpu.kernel_stack_top = next.kernel_stack.top;
    }
}

void program_slice_end(Thread const& thread)
{
    if (!s_cooperative && thread.slice_end_ns)
        timer::program_event(thread.slice_end_ns);
}

void migrate_thread(Thread& thread)
{
    SpinlockLocker locker(thread.lock);
    thread.migrate_pending = false;
    place_on_cpu(thread, EnqueueKind::Migrated);
}

// The first thing a thread does after a switch to it (at the return from
// arch_context_switch, or in a new thread's trampoline): the previous
// thread's registers are now all saved, so it may run elsewhere (on_cpu
// cleared) and the run-queue lock taken by the switching side is released.
void finish_switch(Thread* previous)
{
    Cpu& cpu = this_cpu();
    RunQueue& rq = *cpu.run_queue;
    bool migrate = previous->migrate_pending;
    // After this store `previous` may run on another CPU or, a zombie, be
    // freed by the reaper: not touched again below (but for migration,
    // which only this CPU does).
    __atomic_store_n(&previous->on_cpu, false, __ATOMIC_RELEASE);
    rq.lock.unlock(0); // interrupts stay off; the resumed code restores its own state
    if (migrate)
        migrate_thread(*previous);
    program_slice_end(*cpu.current_thread);
}

void first_run(void* token) { finish_switch(static_cast<Thread*>(token)); }

[[noreturn]] void thread_returned(int code) { exit_current(code); }

// The running thread, switched out of a CPU its affinity no longer allows,
// leaves this run queue; finish_switch moves it once it is off the CPU.
void requeue_prev(RunQueue& rq, Thread& prev, u64 now, u32 cpu)
{
    if (!prev.is_idle_thread && !smp::may_run_on(prev.affinity, cpu)) {
        rq.deactivate_current(now);
        rq.make_vruntime_relative(prev);
        prev.migrate_pending = true;
        return;
    }
    rq.put_prev(prev);
}

// The switch itself; see the top of the file. Interrupts are off.
void schedule_core(Reason reason)
{
    Cpu& cpu = this_cpu();
    Thread* prev = cpu.current_thread;
    if (cpu.spinlocks_held != 0) {
        panic("scheduler: thread %u \"%s\" is switching away (%s) while holding %u spinlock(s); a spinlock must "
              "not be held across a sleep, a yield or an exit",
            prev->tid, prev->name, reason == Reason::Block ? "sleep" : "yield", cpu.spinlocks_held);
    }
    if (cpu.preempt_count != 0) {
        panic("scheduler: thread %u \"%s\" is switching away with preemption disabled (count %u): scheduling "
              "while atomic",
            prev->tid, prev->name, cpu.preempt_count);
    }
    if (cpu.interrupt_depth != 0 && reason != Reason::Preempt)
        panic("scheduler: thread %u \"%s\" tried to sleep inside an interrupt handler", prev->tid, prev->name);

    RunQueue& rq = *cpu.run_queue;
    (void)rq.lock.lock(); // released by finish_switch, or below
    cpu.need_resched = false;
    u64 now = ktime::monotonic_ns();
    rq.update_current(now);
    switch (prev->state) {
    case ThreadState::Running:
        set_state(*prev, ThreadState::Ready);
        prev->yielded = reason == Reason::Yield;
        requeue_prev(rq, *prev, now, cpu.id);
        break;
    case ThreadState::Ready:
        // It meant to sleep but was woken before it got here: it stays.
        requeue_prev(rq, *prev, now, cpu.id);
        break;
    default:
        // Waiting, Zombie, Stopped: off the run queue until woken.
        rq.deactivate_current(now);
        break;
    }
    Thread* next = rq.pick_next(now, prev->yielded ? prev : nullptr);
    prev->yielded = false;
    set_state(*next, ThreadState::Running);
    if (next == prev) {
        rq.lock.unlock(0);
        program_slice_end(*next);
        return;
    }
    if (reason == Reason::Preempt)
        ++prev->involuntary_switches;
    else
        ++prev->voluntary_switches;
    ++cpu.context_switches;
    ++rq.switches;
    next->last_switch_in_ns = now;
    __atomic_store_n(&next->on_cpu, true, __ATOMIC_RELAXED);
    cpu.current_thread = next;
    switch_machine_state(cpu, *prev, *next);
    void* token = arch_context_switch(&prev->saved_rsp, next->saved_rsp, prev);
    // Running again, maybe on another CPU: `cpu` and `rq` above are stale.
    finish_switch(static_cast<Thread*>(token));
}

// ---- idle threads and balancing ----

// An idle CPU takes a queued thread from the busiest CPU that has one
// waiting (and whose affinity allows this CPU). Interrupts are off.
bool pull_work(Cpu& cpu, RunQueue& rq)
{
    u64 others = s_online_mask.load(std::memory_order_acquire) & ~bit(cpu.id);
    u32 busiest = kNoCpu;
    u32 busiest_load = 1; // a CPU with one thread has none waiting
    for (u64 rest = others; rest; rest &= rest - 1) {
        u32 candidate = static_cast<u32>(__builtin_ctzll(rest));
        u32 load = load_of(candidate);
        if (load > busiest_load) {
            busiest = candidate;
            busiest_load = load;
        }
    }
    if (busiest == kNoCpu)
        return false;
    RunQueue& source = *s_run_queues[busiest];
    RunQueue& first = cpu.id < busiest ? rq : source;
    RunQueue& second = cpu.id < busiest ? source : rq;
    SpinlockLocker first_locker(first.lock);
    SpinlockLocker second_locker(second.lock);
    Thread* thread = source.find_queued([&](Thread& t) {
        return smp::may_run_on(t.affinity, cpu.id) && !__atomic_load_n(&t.on_cpu, __ATOMIC_ACQUIRE);
    });
    if (!thread)
        return false;
    source.dequeue(*thread);
    rq.enqueue(*thread, EnqueueKind::Migrated, ktime::monotonic_ns());
    cpu.need_resched = true;
    return true;
}

[[noreturn]] void idle_loop()
{
    for (;;) {
        cpu::cli();
        Cpu& cpu = this_cpu();
        RunQueue& rq = *cpu.run_queue;
        if (cpu.need_resched || rq.queued_count() > 0) {
            schedule_core(Reason::Yield);
            cpu::sti();
            continue;
        }
        if (pull_work(cpu, rq))
            continue;
        // Halt until an interrupt: a wake-up's IPI, a timer, a device. No
        // tick arrives while nothing is pending (timer.cpp), so an idle CPU
        // really sleeps. sti's one-instruction shadow closes the window
        // between the checks above and the halt.
        cpu::sti_hlt();
    }
}

void idle_entry(void*) { idle_loop(); }

// ---- the timer interrupt ----

void sample_load(Timer& timer)
{
    u64 active = 0;
    u64 online = s_online_mask.load(std::memory_order_acquire);
    for (u64 rest = online; rest; rest &= rest - 1)
        active += load_of(static_cast<u32>(__builtin_ctzll(rest)));
    s_all_threads.with([&](auto& threads) {
        for (auto& thread : threads) {
            if (thread.state == ThreadState::Waiting && thread.uninterruptible)
                ++active;
        }
    });
    s_load.sample(active);
    timer::arm(timer, timer.deadline_ns + loadavg::kSampleIntervalNs, sample_load, nullptr);
}

// ktime's tick hook: every LAPIC timer interrupt of every CPU, after the
// EOI, interrupts off. Runs the expired timers, checks the running
// thread's slice, and programs the next event.
void timer_interrupt()
{
    Cpu& cpu = this_cpu();
    if (!cpu.run_queue)
        return; // a CPU not yet scheduling
    timer::event_fired();
    u64 now = ktime::monotonic_ns();
    timer::run_expired(now);
    u64 slice_end;
    {
        RunQueue& rq = *cpu.run_queue;
        SpinlockLocker locker(rq.lock);
        if (rq.tick(now) && !s_cooperative) {
            cpu.need_resched = true;
            if (rq.load.load(std::memory_order_relaxed) >= 2)
                kick_idle_cpu(rq);
        }
        slice_end = rq.current->slice_end_ns;
    }
    timer::program_event(timer::next_deadline_this_cpu());
    // A slice already over waits for the switch (programming it would
    // storm interrupts while preemption is held off).
    if (!s_cooperative && slice_end > now)
        timer::program_event(slice_end);
}

void interrupt_return_hook(InterruptFrame& frame) { preempt_on_interrupt_return(frame.rflags & cpu::kRflagsIF); }

void wait_timeout_fired(Timer& timer) { (void)internal::wake_thread(*static_cast<Thread*>(timer.context), true); }

// ---- thread objects ----

Thread* allocate_thread(const char* name)
{
    void* memory = kmalloc(sizeof(Thread));
    if (!memory)
        return nullptr;
    Thread* thread = new (memory) Thread;
    thread->fpu_state = fpu::allocate_state();
    if (!thread->fpu_state) {
        thread->~Thread();
        kfree(memory);
        return nullptr;
    }
    usize length = strnlen(name, sizeof(thread->name) - 1);
    memcpy(thread->name, name, length);
    thread->name[length] = '\0';
    if (auto source = s_tid_source.load(std::memory_order_acquire)) {
        auto tid = source();
        if (tid.is_error()) {
            fpu::free_state(thread->fpu_state);
            thread->~Thread();
            kfree(memory);
            return nullptr;
        }
        thread->tid = tid.value();
    } else {
        thread->tid = s_next_tid.fetch_add(1, std::memory_order_relaxed);
    }
    thread->wait_timer.context = thread;
    thread->cpu = this_cpu().id;
    return thread;
}

void add_to_thread_list(Thread& thread)
{
    s_all_threads.with([&](auto& threads) { threads.append(thread); });
}

// An idle thread starts Running (an AP's, which is the AP's boot flow) or
// Ready (CPU 0's, a new thread that runs when kmain first waits).
void make_idle(Thread& thread, u32 cpu)
{
    thread.is_idle_thread = true;
    thread.tid = 0; // PID 0 of its CPU (CONCEPTS C2)
    thread.affinity = bit(cpu);
    thread.cpu = cpu;
    if (thread.fpu_state) {
        // It never touches the FPU: no state to switch.
        fpu::free_state(thread.fpu_state);
        thread.fpu_state = nullptr;
    }
}

void read_options()
{
    i64 ms = cmdline::get_int("timeslice", static_cast<i64>(policy::kDefaultTimesliceNs / policy::kNsPerMs));
    if (ms < 1 || ms > 10000) {
        log_warn("sched: timeslice=%lld ms is outside 1-10000; using 100", static_cast<long long>(ms));
        ms = 100;
    }
    s_timeslice_ns = static_cast<u64>(ms) * policy::kNsPerMs;
    if (const char* mode = cmdline::get("sched")) {
        if (strcmp(mode, "cooperative") == 0)
            s_cooperative = true;
        else if (strcmp(mode, "preemptive") != 0)
            log_warn("sched: unknown sched=%s (cooperative or preemptive); preemptive", mode);
    }
}

}

// ---- internal interface (scheduler_internal.h) ----

namespace internal {

RunQueue* run_queue(u32 cpu) { return cpu < kMaxCpus ? s_run_queues[cpu] : nullptr; }

void block_current()
{
    InterruptsOff off;
    Cpu& cpu = this_cpu();
    Thread* me = cpu.current_thread;
    if (cpu.preempt_count != 1) {
        panic("scheduler: thread %u \"%s\" blocks with preemption disabled %u time(s) beyond the wait's own", me->tid,
            me->name, cpu.preempt_count - 1);
    }
    cpu.preempt_count = 0;
    schedule_core(Reason::Block);
}

bool wake_thread(Thread& thread, bool timed_out)
{
    SpinlockLocker thread_locker(thread.lock);
    if (thread.state != ThreadState::Waiting)
        return false;
    if (timed_out)
        thread.timed_out = true;
    {
        // Still on its CPU, between becoming Waiting and switching away:
        // Ready again is all it takes; schedule_core keeps it.
        RunQueue& rq = *s_run_queues[thread.cpu];
        SpinlockLocker rq_locker(rq.lock);
        if (thread.active) {
            set_state(thread, ThreadState::Ready);
            return true;
        }
    }
    // Off its run queue, but its CPU may still be saving its registers:
    // it must not start elsewhere before that is done.
    while (__atomic_load_n(&thread.on_cpu, __ATOMIC_ACQUIRE))
        cpu::pause();
    set_state(thread, ThreadState::Ready);
    place_on_cpu(thread, EnqueueKind::Wakeup);
    return true;
}

void preempt_check()
{
    InterruptsOff off;
    Cpu& cpu = this_cpu();
    if (!cpu.need_resched || s_cooperative || !s_initialized || !cpu.run_queue)
        return;
    if (cpu.interrupt_depth != 0 || cpu.preempt_count != 0)
        return; // the interrupt's way out, or preempt_enable(), will do it
    if (off.were_on() && cpu.spinlocks_held == 0) {
        schedule_core(Reason::Preempt);
        return;
    }
    // Interrupts off or a spinlock held (a wake-up under a semaphore's
    // lock, say): an interrupt to this CPU, taken the moment interrupts are
    // back on, switches on its way out. A self-IPI is delivered at once and
    // leaves the programmed timer event alone.
    apic::send_ipi(s_apic_ids[cpu.id], smp::kVectorReschedule);
}

void arm_wait_timeout(Thread& thread, u64 deadline_ns)
{
    timer::arm(thread.wait_timer, deadline_ns, wait_timeout_fired, &thread);
}

void release_resources(Thread& thread)
{
    if (thread.owns_kernel_stack && thread.kernel_stack.top) {
        mm::free_kernel_stack(thread.kernel_stack);
        thread.kernel_stack = {};
        thread.owns_kernel_stack = false;
    }
    if (thread.fpu_state) {
        fpu::free_state(thread.fpu_state);
        thread.fpu_state = nullptr;
    }
}

void destroy_thread(Thread& thread)
{
    // Dead (reaped), or New (never started: creation failed half-way).
    VERIFY(thread.state == ThreadState::Dead || thread.state == ThreadState::New);
    // A reaped thread's TID went back through the reap hook; one that
    // never ran gives it back here.
    if (thread.state == ThreadState::New) {
        if (auto release = s_tid_release.load(std::memory_order_acquire))
            release(thread.tid);
    }
    thread.~Thread();
    kfree(&thread);
}

}

// ---- public interface ----

void init()
{
    read_options();
    fpu::init_this_cpu();
    Cpu& cpu = this_cpu();
    RunQueue& rq = s_boot_run_queue;
    rq.cpu_id = cpu.id;
    rq.timeslice_ns = s_timeslice_ns;
    s_apic_ids[cpu.id] = apic::id();
    s_run_queues[cpu.id] = &rq;
    cpu.run_queue = &rq;

    // The boot flow becomes the thread "kmain", on the boot stack.
    u64 now = ktime::monotonic_ns();
    Thread* kmain = allocate_thread("kmain");
    VERIFY(kmain);
    kmain->kernel_stack = { reinterpret_cast<VirtAddr>(boot_stack_bottom), reinterpret_cast<VirtAddr>(boot_stack_top) };
    kmain->owns_kernel_stack = false;
    // Boot-time code (drivers' set-up, the self-tests) expects to run on
    // the boot CPU, whose APIC the I/O APIC routes to: kmain stays there.
    kmain->affinity = bit(cpu.id);
    set_state(*kmain, ThreadState::Ready);
    set_state(*kmain, ThreadState::Running);
    kmain->active = true;
    kmain->on_cpu = true;
    kmain->started_ns = kmain->last_switch_in_ns = kmain->exec_start_ns = now;
    rq.current = kmain;
    cpu.current_thread = kmain;
    gdt::set_kernel_stack(kmain->kernel_stack.top);
    cpu.kernel_stack_top = kmain->kernel_stack.top;
    add_to_thread_list(*kmain);

    auto idle = create_kernel_thread("idle/0", idle_entry, nullptr);
    VERIFY(!idle.is_error());
    make_idle(*idle.value(), cpu.id);
    set_state(*idle.value(), ThreadState::Ready);
    idle.value()->started_ns = now;
    rq.idle = idle.value();
    cpu.idle_thread = idle.value();
    rq.publish_load();
    s_online_mask.fetch_or(bit(cpu.id), std::memory_order_release);

    // From here the LAPIC timer is one-shot, programmed per event; without
    // a TSC to keep time between interrupts the periodic tick stays.
    timer::set_one_shot_mode(ktime::tsc_hz() != 0);
    timer::init_this_cpu();
    ktime::set_tick_hook(timer_interrupt);
    interrupts::set_return_hook(interrupt_return_hook);
    // The vector of the deferred-preemption self-IPI (preempt_check); the
    // SMP code installs its own reschedule handler over this one.
    interrupts::set_handler(smp::kVectorReschedule, [](InterruptFrame&) { apic::end_of_interrupt(); });
    s_initialized = true;
    timer::arm(s_load_timer, now + loadavg::kSampleIntervalNs, sample_load, nullptr);
    internal::start_reaper();

    log_info("sched: %s, time slice %llu ms, classes rt(fifo/rr 1-99) > fair(nice -20..19) > batch > idle; LAPIC "
             "timer %s",
        s_cooperative ? "cooperative (no preemption)" : "preemptive",
        static_cast<unsigned long long>(s_timeslice_ns / policy::kNsPerMs),
        timer::one_shot_mode() ? "one-shot (no tick when idle)" : "periodic");
}

bool is_initialized() { return s_initialized; }

void set_tid_source(ErrorOr<u32> (*source)(), void (*release)(u32))
{
    s_tid_release.store(release, std::memory_order_release);
    s_tid_source.store(source, std::memory_order_release);
}

[[noreturn]] void run_application_processor()
{
    cpu::cli();
    fpu::init_this_cpu();
    user_mode::init_this_cpu(); // syscall MSRs, SMEP/SMAP: every CPU may run user code
    Cpu& cpu = this_cpu();
    void* memory = kmalloc(sizeof(RunQueue));
    VERIFY(memory);
    RunQueue* rq = new (memory) RunQueue;
    rq->cpu_id = cpu.id;
    rq->timeslice_ns = s_timeslice_ns;
    s_apic_ids[cpu.id] = apic::id();

    // This CPU's boot flow becomes its idle thread, on the stack the SMP
    // code gave it (which sched/ does not own).
    char name[16];
    format(name, sizeof(name), "idle/%u", cpu.id);
    Thread* idle = allocate_thread(name);
    VERIFY(idle);
    make_idle(*idle, cpu.id);
    if (cpu.kernel_stack_top)
        idle->kernel_stack = { cpu.kernel_stack_top - mm::kKernelStackSize, cpu.kernel_stack_top };
    idle->owns_kernel_stack = false;
    u64 now = ktime::monotonic_ns();
    set_state(*idle, ThreadState::Ready);
    set_state(*idle, ThreadState::Running);
    idle->on_cpu = true;
    idle->started_ns = idle->last_switch_in_ns = idle->exec_start_ns = now;
    rq->idle = idle;
    rq->current = idle;
    cpu.idle_thread = idle;
    cpu.current_thread = idle;
    add_to_thread_list(*idle);

    __atomic_store_n(&s_run_queues[cpu.id], rq, __ATOMIC_RELEASE);
    cpu.run_queue = rq;
    timer::init_this_cpu();
    s_online_mask.fetch_or(bit(cpu.id), std::memory_order_release);
    log_info("sched: CPU %u scheduling (idle thread \"%s\")", cpu.id, idle->name);
    idle_loop();
}

ErrorOr<Thread*> create_kernel_thread(const char* name, void (*entry)(void*), void* argument)
{
    VERIFY(entry);
    Thread* thread = allocate_thread(name);
    if (!thread)
        return Error::from_errno(ENOMEM);
    auto stack = mm::allocate_kernel_stack();
    if (stack.is_error()) {
        internal::release_resources(*thread);
        internal::destroy_thread(*thread);
        return stack.error();
    }
    thread->kernel_stack = stack.value();
    thread->owns_kernel_stack = true;
    thread->entry = entry;
    thread->entry_argument = argument;
    thread->saved_rsp = context_switch::build_initial_frame(
        thread->kernel_stack.top, { first_run, entry, argument, thread_returned });
    add_to_thread_list(*thread);
    return thread;
}

void start(Thread* thread)
{
    {
        SpinlockLocker locker(thread->lock);
        thread->started_ns = ktime::monotonic_ns();
        set_state(*thread, ThreadState::Ready);
        place_on_cpu(*thread, EnqueueKind::New);
    }
    internal::preempt_check();
}

ErrorOr<Thread*> spawn_kernel_thread(const char* name, void (*entry)(void*), void* argument)
{
    Thread* thread = TRY(create_kernel_thread(name, entry, argument));
    start(thread);
    return thread;
}

Thread* current() { return current_thread(); }

void yield()
{
    InterruptsOff off;
    schedule_core(Reason::Yield);
}

[[noreturn]] void exit_current(int code)
{
    Thread* me = current();
    if (me->is_idle_thread)
        panic("scheduler: the idle thread of CPU %u tried to exit", me->cpu);
    preempt_disable();
    {
        SpinlockLocker locker(me->lock);
        me->exit_code = code;
        set_state(*me, ThreadState::Zombie);
    }
    internal::hand_to_reaper(*me);
    internal::block_current();
    VERIFY_NOT_REACHED();
}

void sleep_until(u64 deadline_ns)
{
    Thread* me = current();
    if (me->is_idle_thread)
        panic("scheduler: the idle thread of CPU %u tried to sleep", me->cpu);
    while (ktime::monotonic_ns() < deadline_ns) {
        preempt_disable();
        {
            SpinlockLocker locker(me->lock);
            me->timed_out = false;
            me->wake_deadline_ns = deadline_ns;
            set_state(*me, ThreadState::Waiting);
        }
        internal::arm_wait_timeout(*me, deadline_ns);
        internal::block_current();
        (void)timer::cancel(me->wait_timer);
    }
    me->wake_deadline_ns = 0;
}

void sleep_ns(u64 duration_ns) { sleep_until(ktime::monotonic_ns() + duration_ns); }

bool wake(Thread* thread)
{
    bool woken = internal::wake_thread(*thread, false);
    internal::preempt_check();
    return woken;
}

namespace {

// Changes the scheduling parameters of `thread` with `change`, wherever the
// thread is: queued (taken off and put back, so it lands in the right
// class queue at the right place), running (re-evaluated at once), or
// neither (just the fields).
template<typename Change>
void change_scheduling(Thread& thread, Change change)
{
    {
        SpinlockLocker thread_locker(thread.lock);
        u64 flags;
        RunQueue& rq = lock_run_queue_of(thread, flags);
        u64 now = ktime::monotonic_ns();
        bool queued = thread.on_run_queue;
        bool running = rq.current == &thread && thread.active;
        // A sleeping (or stopped) thread's vruntime is absolute for its
        // class's queue; new and moving threads' is relative.
        bool absolute = thread.state == ThreadState::Waiting || thread.state == ThreadState::Stopped;
        FairQueue* old_queue = rq.vruntime_queue(thread);
        if (running)
            rq.update_current(now);
        if (queued)
            rq.dequeue(thread); // vruntime relative
        else if (running || (absolute && old_queue))
            rq.make_vruntime_relative(thread);
        change(thread);
        FairQueue* new_queue = rq.vruntime_queue(thread);
        if (queued) {
            rq.enqueue(thread, EnqueueKind::Migrated, now);
            if (rq.should_preempt(thread, now))
                resched_cpu(rq);
        } else if (running) {
            rq.make_vruntime_absolute(thread);
            rq.publish_load();
            resched_cpu(rq); // let the pick look again under the new rules
        } else if (absolute && new_queue) {
            if (old_queue)
                rq.make_vruntime_absolute(thread);
            else
                thread.vruntime = new_queue->min_vruntime(); // from real time: start level
        }
        rq.lock.unlock(flags);
    }
    internal::preempt_check();
}

}

ErrorOr<void> set_policy(Thread* thread, SchedPolicy policy, int rt_priority)
{
    bool real_time = policy == SchedPolicy::Fifo || policy == SchedPolicy::RoundRobin;
    if (real_time && (rt_priority < kMinRtPriority || rt_priority > kMaxRtPriority))
        return Error::from_errno(EINVAL);
    if (!real_time && rt_priority != 0)
        return Error::from_errno(EINVAL);
    if (policy != SchedPolicy::Normal && policy != SchedPolicy::Fifo && policy != SchedPolicy::RoundRobin
        && policy != SchedPolicy::Batch && policy != SchedPolicy::Idle)
        return Error::from_errno(EINVAL);
    if (thread->is_idle_thread)
        return Error::from_errno(EPERM);
    change_scheduling(*thread, [&](Thread& t) {
        t.policy = policy;
        t.rt_priority = static_cast<u8>(rt_priority);
    });
    return {};
}

ErrorOr<void> set_nice(Thread* thread, int nice)
{
    if (nice < kMinNice || nice > kMaxNice)
        return Error::from_errno(EINVAL);
    if (thread->is_idle_thread)
        return Error::from_errno(EPERM);
    change_scheduling(*thread, [&](Thread& t) {
        t.nice = static_cast<i8>(nice);
        t.weight = policy::weight_of_nice(nice);
    });
    return {};
}

ErrorOr<void> set_affinity(Thread* thread, CpuMask mask)
{
    u64 online = s_online_mask.load(std::memory_order_acquire);
    bool any = false;
    for (u64 rest = online & mask; rest && !any; rest &= rest - 1)
        any = smp::may_run_on(mask, static_cast<u32>(__builtin_ctzll(rest)));
    if (!any)
        return Error::from_errno(EINVAL);
    if (thread->is_idle_thread)
        return Error::from_errno(EPERM);
    bool must_leave_this_cpu = false;
    {
        SpinlockLocker thread_locker(thread->lock);
        thread->affinity = mask;
        u64 flags;
        RunQueue& rq = lock_run_queue_of(*thread, flags);
        if (!smp::may_run_on(mask, rq.cpu_id)) {
            if (thread->on_run_queue) {
                // Queued on a CPU it may no longer use: move it now.
                rq.dequeue(*thread);
                rq.lock.unlock(flags);
                place_on_cpu(*thread, EnqueueKind::Migrated);
            } else {
                if (rq.current == thread && thread->active) {
                    // Running there: its next switch moves it
                    // (requeue_prev); make that switch come now.
                    if (thread == current())
                        must_leave_this_cpu = true;
                    else
                        resched_cpu(rq);
                }
                rq.lock.unlock(flags);
            }
        } else {
            rq.lock.unlock(flags);
        }
        // Waiting, new or moving threads pick an allowed CPU when they
        // are next queued.
    }
    if (must_leave_this_cpu)
        yield();
    else
        internal::preempt_check();
    return {};
}

void preempt_disable()
{
    InterruptsOff off; // the count must change on the CPU it was read on
    ++this_cpu().preempt_count;
}

void preempt_enable()
{
    bool check;
    {
        InterruptsOff off;
        Cpu& cpu = this_cpu();
        VERIFY(cpu.preempt_count > 0);
        check = --cpu.preempt_count == 0 && cpu.need_resched;
    }
    if (check)
        internal::preempt_check();
}

void preempt_on_interrupt_return(bool interrupted_code_had_interrupts_on)
{
    Cpu& cpu = this_cpu();
    if (!cpu.need_resched || !interrupted_code_had_interrupts_on || s_cooperative || !cpu.run_queue)
        return;
    if (cpu.preempt_count != 0 || cpu.spinlocks_held != 0 || cpu.interrupt_depth != 0)
        return;
    schedule_core(Reason::Preempt);
}

bool is_cooperative() { return s_cooperative; }
u64 timeslice_ns() { return s_timeslice_ns; }

LoadAverage load_average()
{
    return { s_load.averages[0], s_load.averages[1], s_load.averages[2] };
}

void for_each_thread(void (*callback)(Thread&, void*), void* context)
{
    s_all_threads.with([&](auto& threads) {
        for (auto& thread : threads)
            callback(thread, context);
    });
}

namespace internal {

void remove_from_thread_list(Thread& thread)
{
    s_all_threads.with([&](auto& threads) { threads.remove(thread); });
}

}

u64 cpu_time_ns(Thread* thread)
{
    u64 flags;
    RunQueue& rq = lock_run_queue_of(*thread, flags);
    if (rq.current == thread)
        rq.update_current(ktime::monotonic_ns());
    u64 total = thread->user_ns + thread->system_ns;
    rq.lock.unlock(flags);
    return total;
}

void account_mode_switch(bool entering_user_mode)
{
    InterruptsOff off;
    Cpu& cpu = this_cpu();
    RunQueue& rq = *cpu.run_queue;
    SpinlockLocker locker(rq.lock);
    rq.update_current(ktime::monotonic_ns());
    cpu.current_thread->in_user_mode = entering_user_mode;
}

CpuMask online_cpus() { return s_online_mask.load(std::memory_order_acquire); }
u32 online_cpu_count() { return static_cast<u32>(__builtin_popcountll(online_cpus())); }

Thread* idle_thread(u32 cpu)
{
    RunQueue* rq = internal::run_queue(cpu);
    return rq ? rq->idle : nullptr;
}

u32 cpu_load(u32 cpu)
{
    RunQueue* rq = internal::run_queue(cpu);
    return rq ? rq->load.load(std::memory_order_relaxed) : 0;
}

}
