// 8254 PIT channel 2 as a polled stopwatch; see pit.h. Callers: apic.cpp
// (calibration), sched/clock.cpp (busy-wait fallback) and the time self-tests.
// Callers that need an exact measurement keep interrupts off around it; the
// functions themselves do not, so a waiting caller stays interruptible.
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/pit.h>

namespace pit {

namespace {
constexpr u16 kChannel0 = 0x40;
constexpr u16 kChannel2 = 0x42;
constexpr u16 kCommand = 0x43;
// Port 0x61, the "system control port B": bit 0 gates channel 2, bit 1 would
// connect channel 2 to the speaker, bit 5 reads channel 2's output. Bits 2-3
// enable parity / I/O-check NMIs and are written back unchanged.
constexpr u16 kControlB = 0x61;
constexpr u8 kGate2 = 1 << 0;
constexpr u8 kSpeakerData = 1 << 1;
constexpr u8 kOut2 = 1 << 5;
constexpr u8 kControlBKeep = 0x0C;

// Command bytes: channel (bits 7-6), access lobyte/hibyte (bits 5-4 = 11),
// mode 0 "interrupt on terminal count" (bits 3-1 = 000), binary.
constexpr u8 kChannel0Mode0 = 0x30;
constexpr u8 kChannel2Mode0 = 0xB0;
constexpr u8 kChannel2Latch = 0x80;
}

void quiesce_channel0()
{
    // Mode 0 fires once at terminal count and then stays quiet, unlike the
    // BIOS's square wave at 18.2 Hz.
    cpu::outb(kCommand, kChannel0Mode0);
    cpu::outb(kChannel0, 1);
    cpu::outb(kChannel0, 0);
}

void load_countdown(u16 count)
{
    // Gate low while the count is loaded, so counting starts exactly when
    // open_gate() raises it, never from a half-written count.
    cpu::outb(kControlB, cpu::inb(kControlB) & kControlBKeep);
    cpu::outb(kCommand, kChannel2Mode0);
    cpu::outb(kChannel2, static_cast<u8>(count & 0xFF));
    cpu::outb(kChannel2, static_cast<u8>(count >> 8));
}

void open_gate()
{
    u8 control = cpu::inb(kControlB) & kControlBKeep;
    cpu::outb(kControlB, (control | kGate2) & ~kSpeakerData);
}

void start_countdown(u16 count)
{
    load_countdown(count);
    open_gate();
}

bool countdown_expired() { return cpu::inb(kControlB) & kOut2; }

u16 read_countdown()
{
    // The latch command freezes a copy of the counter, so the two byte reads
    // see one consistent value.
    cpu::outb(kCommand, kChannel2Latch);
    u8 low = cpu::inb(kChannel2);
    u8 high = cpu::inb(kChannel2);
    return static_cast<u16>(low | (high << 8));
}

void wait_us(u64 microseconds)
{
    constexpr u64 kChunkUs = 50000; // below the counter's 54.9 ms reach
    while (microseconds > 0) {
        u64 chunk = microseconds < kChunkUs ? microseconds : kChunkUs;
        start_countdown(count_for_us(chunk));
        while (!countdown_expired())
            cpu::pause();
        microseconds -= chunk;
    }
}

}
