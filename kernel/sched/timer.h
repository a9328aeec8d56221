// Kernel timers (CONCEPTS B2 time sharing, issue 3 "Time"): a callback run
// at a deadline of the monotonic clock, with the local APIC timer's
// resolution (well under a millisecond). Each CPU keeps its own list of
// pending timers sorted by deadline; the LAPIC timer of that CPU is
// programmed one-shot for the earliest event it must wake up for: the
// first timer, or the end of the running thread's time slice. An idle CPU
// with nothing pending gets no timer interrupt at all (no periodic tick),
// so an idle QEMU costs its host almost nothing.
//
// A Timer is embedded in its owner (every Thread has one for the timeout
// of its sleeps and waits): arming never allocates.
//
// Callbacks run in interrupt context on the CPU that armed the timer, with
// interrupts off, never before their deadline by ktime::monotonic_ns(); they
// may wake threads (sched::wake) but must not sleep.
//
// Callers: the scheduler (sleeps, wait timeouts, slice ends, the load
// average), drivers that need a deadline, the self-tests.
#pragma once

#include <lib/intrusive_list.h>
#include <lib/types.h>

struct Timer {
    using Callback = void (*)(Timer&);
    u64 deadline_ns { 0 };
    Callback callback { nullptr };
    void* context { nullptr };
    IntrusiveListNode node; // on a CPU's timer list while pending
    u32 cpu { 0 };          // the CPU whose list holds it (valid while pending or running)
    bool running { false }; // its callback is running now
};

constexpr u64 kNoDeadline = ~0ull;

namespace timer {

// Queues `timer` on this CPU to run `callback` at `deadline_ns` (now, if
// already passed). A timer still pending is moved. Any context; a timer
// must not be armed from its own callback on another CPU.
void arm(Timer&, u64 deadline_ns, Timer::Callback callback, void* context);
// Takes a pending timer off its list. Returns true if it was pending (its
// callback will not run). If the callback is running on another CPU right
// now, waits for it to finish, so that afterwards the callback is not
// using anything the caller frees.
bool cancel(Timer&);
bool is_pending(Timer const&);

// The earliest deadline pending on this CPU, kNoDeadline if none.
u64 next_deadline_this_cpu();
// Runs every timer of this CPU whose deadline has passed by `now`. From the
// timer interrupt (interrupts off).
void run_expired(u64 now);

// The clock-event side: asks for a timer interrupt on this CPU at
// `deadline_ns` (interrupts off). The LAPIC is written only when the new
// event is earlier than the one already programmed, so repeated requests
// cost nothing; an interrupt that comes early is harmless (the handler
// re-programs). event_fired() forgets the programmed event; the timer
// interrupt calls it first.
void program_event(u64 deadline_ns);
void event_fired();
// The LAPIC stays silent on this CPU until the next program_event().
void stop_events();

// Per-CPU setup (the scheduler calls it for each CPU it brings into
// scheduling) and whether the LAPIC runs one-shot (false: no invariant
// clock source, the periodic tick drives everything).
void init_this_cpu();
bool one_shot_mode();
void set_one_shot_mode(bool);

// Counters for tests and diagnostics.
u64 interrupts_this_cpu();
u64 interrupts_on(u32 cpu); // timer interrupts taken by `cpu` since the scheduler started
u64 expired_count(); // callbacks run, all CPUs

}
