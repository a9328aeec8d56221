// The local APIC of each CPU (xAPIC mode, registers in MMIO): interrupt
// acknowledgement, the per-CPU timer that drives the scheduler tick, and
// inter-processor interrupts.
//
// Callers: kernel_main (init), sched/clock.cpp (calibrate, periodic tick,
// one-shot timers), every IRQ handler (end_of_interrupt), arch/x86_64/ioapic
// (id of the CPU to route to) and arch/x86_64/smp.cpp (INIT/SIPI, IPIs,
// NMIs, init_on_this_cpu on each application processor).
#pragma once

#include <lib/types.h>

namespace apic {

// Boot CPU: maps the register page, enables the APIC with spurious vector
// 0xFF, wires LINT0/LINT1 as the MADT says (NMI), masks the rest. Needs
// acpi::init() and interrupts::init() first.
void init();
// An application processor: the same enabling, on the mapping init() made.
void init_on_this_cpu();

bool enabled();
u32 id(); // this CPU's APIC ID
void end_of_interrupt();

// The timer's input clock (bus or core crystal) divided by 16, and the TSC,
// measured with interrupts off: the TSC against the PIT, then the timer
// against the TSC. Takes about 80 ms (longer on a host busy enough to spoil
// trials, which are then repeated).
struct Calibration {
    u64 timer_hz; // local APIC timer counts per second, after the divider
    u64 tsc_hz;
};
Calibration calibrate();
constexpr u32 kTimerDivider = 16;
u64 timer_frequency(); // 0 until calibrate() ran

// The timer raises interrupts::kVectorLapicTimer:
void timer_start_periodic(u32 hz);
// once, `nanoseconds` from now (clamped to what the 32-bit counter holds, at
// least one count). Replaces a periodic setting.
void timer_one_shot(u64 nanoseconds);
void timer_stop();
u32 timer_current_count();

// Inter-processor interrupts (physical destination mode). Each waits until
// the APIC has accepted the previous one.
void send_ipi(u32 apic_id, u8 vector);
void send_ipi_to_others(u8 vector);
void send_init(u32 apic_id);
void send_startup(u32 apic_id, u8 start_page); // real-mode entry at start_page << 12
// A non-maskable interrupt (vector 2) to one CPU: reaches it even while it
// runs with interrupts off (the SMP code's stop and fallback shoot-down).
void send_nmi(u32 apic_id);

// Spurious interrupts seen on vector 0xFF (they need no EOI).
u64 spurious_count();

}
