// Per-CPU timer lists and the LAPIC one-shot events; see timer.h.
//
// Each CPU's list is sorted by deadline and guarded by its own spinlock,
// a leaf in the lock order (nothing is taken inside it; callbacks run
// without it). Only the owning CPU runs a list's callbacks and programs its
// LAPIC; other CPUs only cancel.
#include <arch/x86_64/interrupts_off.h>
#include <arch/x86_64/apic.h>
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/percpu.h>
#include <arch/x86_64/spinlock.h>
#include <atomic>
#include <sched/clock.h>
#include <sched/timer.h>

namespace timer {

namespace {

struct TimerQueue {
    Spinlock lock { "timer list" };
    IntrusiveList<Timer, &Timer::node> pending;
    std::atomic<u64> next_deadline { kNoDeadline };
    // The LAPIC event programmed on this CPU (touched by this CPU only,
    // with interrupts off).
    u64 programmed { kNoDeadline };
    u64 interrupts { 0 };
};

TimerQueue s_queues[kMaxCpus];
bool s_one_shot;
std::atomic<u64> s_expired;


void publish_next(TimerQueue& queue)
{
    Timer* first = queue.pending.first();
    queue.next_deadline.store(first ? first->deadline_ns : kNoDeadline, std::memory_order_relaxed);
}

// Removes `timer` from the list of `cpu` if it is there. True if it was.
bool remove_from(u32 cpu, Timer& timer)
{
    TimerQueue& queue = s_queues[cpu];
    SpinlockLocker locker(queue.lock);
    if (!queue.pending.contains(timer))
        return false;
    queue.pending.remove(timer);
    publish_next(queue);
    return true;
}

}

void arm(Timer& timer, u64 deadline_ns, Timer::Callback callback, void* context)
{
    InterruptsOff off;
    if (timer.node.is_linked())
        (void)cancel(timer);
    u32 cpu = this_cpu().id;
    TimerQueue& queue = s_queues[cpu];
    {
        SpinlockLocker locker(queue.lock);
        timer.deadline_ns = deadline_ns;
        timer.callback = callback;
        timer.context = context;
        __atomic_store_n(&timer.cpu, cpu, __ATOMIC_RELEASE);
        // From the back: most new deadlines are later than those pending.
        Timer* position = queue.pending.last();
        while (position && position->deadline_ns > deadline_ns)
            position = queue.pending.prev(*position);
        if (!position) {
            queue.pending.prepend(timer);
        } else if (Timer* after = queue.pending.next(*position)) {
            queue.pending.insert_before(*after, timer);
        } else {
            queue.pending.append(timer);
        }
        publish_next(queue);
    }
    program_event(deadline_ns);
}

bool cancel(Timer& timer)
{
    for (;;) {
        u32 cpu = __atomic_load_n(&timer.cpu, __ATOMIC_ACQUIRE);
        if (remove_from(cpu, timer))
            return true;
        if (__atomic_load_n(&timer.cpu, __ATOMIC_ACQUIRE) != cpu)
            continue; // re-armed elsewhere meanwhile: look there
        // Not pending. If its callback runs on another CPU now, wait for it
        // to finish (on this CPU it cannot be running: callbacks run with
        // interrupts off and complete before we could run).
        while (__atomic_load_n(&timer.running, __ATOMIC_ACQUIRE))
            cpu::pause();
        return false;
    }
}

bool is_pending(Timer const& timer) { return timer.node.is_linked(); }

u64 next_deadline_this_cpu() { return s_queues[this_cpu().id].next_deadline.load(std::memory_order_relaxed); }

void run_expired(u64 now)
{
    TimerQueue& queue = s_queues[this_cpu().id];
    SpinlockLocker locker(queue.lock);
    for (;;) {
        Timer* timer = queue.pending.first();
        if (!timer || timer->deadline_ns > now)
            break;
        queue.pending.remove(*timer);
        publish_next(queue);
        __atomic_store_n(&timer->running, true, __ATOMIC_RELAXED);
        locker.unlock();
        timer->callback(*timer);
        __atomic_store_n(&timer->running, false, __ATOMIC_RELEASE);
        s_expired.fetch_add(1, std::memory_order_relaxed);
        locker.relock();
    }
}

void program_event(u64 deadline_ns)
{
    if (!s_one_shot || deadline_ns == kNoDeadline)
        return;
    TimerQueue& queue = s_queues[this_cpu().id];
    if (deadline_ns >= queue.programmed)
        return;
    queue.programmed = deadline_ns;
    u64 now = ktime::monotonic_ns();
    u64 delta = deadline_ns > now ? deadline_ns - now : 0;
    // The LAPIC counts whole periods and timer_one_shot rounds down: one
    // more period keeps the interrupt from arriving before the deadline
    // (which would cost a second interrupt to reach it).
    if (u64 hz = apic::timer_frequency())
        delta += 1'000'000'000ull / hz + 1;
    apic::timer_one_shot(delta);
}

void event_fired()
{
    TimerQueue& queue = s_queues[this_cpu().id];
    queue.programmed = kNoDeadline;
    ++queue.interrupts;
}

void stop_events()
{
    InterruptsOff off;
    apic::timer_stop();
    s_queues[this_cpu().id].programmed = kNoDeadline;
}

void init_this_cpu()
{
    if (!s_one_shot)
        return; // the periodic tick keeps running
    stop_events();
}

bool one_shot_mode() { return s_one_shot; }
void set_one_shot_mode(bool one_shot) { s_one_shot = one_shot; }

u64 interrupts_this_cpu() { return s_queues[this_cpu().id].interrupts; }
u64 interrupts_on(u32 cpu) { return cpu < kMaxCpus ? __atomic_load_n(&s_queues[cpu].interrupts, __ATOMIC_RELAXED) : 0; }
u64 expired_count() { return s_expired.load(std::memory_order_relaxed); }

}
