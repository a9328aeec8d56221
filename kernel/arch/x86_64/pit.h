// The 8254 programmable interval timer (PIT), kept only as a reference clock
// of known frequency: apic.cpp calibrates the local APIC timer and the TSC
// against it, and the time self-tests use it as an independent stopwatch.
// Nothing takes interrupts from it; the local APIC timer is the tick.
//
// Channel 2 is used, polled: its gate is software-controlled (port 0x61 bit 0)
// and its output is readable (port 0x61 bit 5), so no IRQ is needed. The PC
// speaker stays disconnected from it.
#pragma once

#include <lib/types.h>

namespace pit {

constexpr u64 kFrequencyHz = 1193182; // 14.31818 MHz / 12
// The longest single countdown: 65535 periods, about 54.9 ms.
constexpr u16 kMaxCount = 0xFFFF;

// Stops channel 0's periodic firing left behind by the BIOS, so the PIT costs
// the machine (and an emulator) nothing once the local APIC is the tick.
void quiesce_channel0();

// Starts a one-shot countdown of `count` PIT periods on channel 2.
void start_countdown(u16 count);
// The same in two steps, for a caller timing the start precisely: load the
// count with the gate closed, then open the gate (one port write) to start.
void load_countdown(u16 count);
void open_gate();
// True once the countdown started last reached zero.
bool countdown_expired();
// PIT periods left; after expiry the counter wraps and keeps going, so look
// at countdown_expired() first.
u16 read_countdown();

// Polls channel 2 for `microseconds` (any length, run in pieces the counter
// can hold). Independent of the TSC and the local APIC.
void wait_us(u64 microseconds);

// Periods of the PIT for a duration, rounded to nearest, capped at kMaxCount.
constexpr u16 count_for_us(u64 microseconds)
{
    u64 count = (microseconds * kFrequencyHz + 500000) / 1000000;
    if (count > kMaxCount)
        return kMaxCount;
    return count == 0 ? 1 : static_cast<u16>(count);
}

}
