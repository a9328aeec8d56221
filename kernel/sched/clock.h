// The system clock (CONCEPTS A7 timer, B2 time sharing): monotonic time since
// the kernel started, the local APIC timer interrupt, wall-clock time at
// boot, and short busy waits.
//
// Sources: the TSC, calibrated against the PIT, for time (nanosecond
// resolution); the local APIC timer for interrupts. From init() until the
// scheduler starts, the LAPIC timer ticks periodically; sched::init() then
// turns it one-shot, programmed per event (a timer's deadline, the end of a
// time slice: sched/timer.h), so an idle CPU takes no interrupts at all. On
// a CPU without a TSC the periodic tick stays and time advances one tick at
// a time.
//
// Callers: kernel_main (init, after apic::init), the scheduler (set_tick_hook,
// ticks), drivers/rtc (set_realtime_at_boot), the log (monotonic_ns as its
// clock), drivers that must wait a few microseconds (busy_wait_ns), and later
// clock_gettime / uptime / /proc.
//
// The namespace is ktime (after Linux's ktime_get), not time: the kernel is
// compiled against the host's C headers, and <atomic> pulls in <time.h>,
// whose time() function cannot share a name with a namespace.
#pragma once

#include <lib/types.h>

namespace ktime {

// 250 Hz: a 4 ms tick divides the default 100 ms time slice finely, and an
// idle QEMU (TCG) then costs its host about 2% of a CPU; at 1000 Hz it was 8%.
// Ticks are not a clock: a CPU that keeps interrupts off (or an emulator the
// host deschedules) for longer than a period merges ticks, so time and CPU
// accounting read monotonic_ns(), never ticks() * period.
constexpr u32 kDefaultTickHz = 250;

// Calibrates the TSC and the local APIC timer, starts the periodic tick
// (`tick_hz=N` on the command line overrides the default rate), and becomes
// the log's clock. Interrupts may still be off; ticks count once they are on.
void init();

// Nanoseconds since the kernel was entered; never decreases.
u64 monotonic_ns();
// LAPIC timer interrupts since init(), all CPUs: the periodic ticks before
// the scheduler starts, then one-shot events.
u64 ticks();
u32 tick_hz(); // the periodic rate (before the scheduler, or without a TSC)
u64 tsc_hz(); // 0 when the TSC is not the time source

// Called from every LAPIC timer interrupt, after it is acknowledged, with
// interrupts off. The scheduler sets it to run its timers and check time
// slices (sched/scheduler.cpp); a switch it asks for happens on the
// interrupt's way out.
using TickHook = void (*)();
void set_tick_hook(TickHook hook);

// Spins (interrupts stay as they are) for at least `nanoseconds`.
void busy_wait_ns(u64 nanoseconds);

// Wall-clock time: seconds since the Unix epoch at monotonic time zero, as
// the RTC driver measured it (0 until it has).
u64 realtime_at_boot();
void set_realtime_at_boot(u64 unix_seconds);
// Current wall-clock time in nanoseconds since the epoch.
u64 realtime_ns();

}
