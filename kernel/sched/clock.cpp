// The system clock; see clock.h.
//
// TSC to nanoseconds is a multiply and a shift, not a division: with
// s_ns_per_tsc_fixed = 2^32 * 10^9 / tsc_hz, ns = delta * that >> 32, done in
// 128 bits so that neither a long uptime nor a slow TSC can overflow it.
#include <arch/x86_64/apic.h>
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/interrupts.h>
#include <arch/x86_64/pit.h>
#include <atomic>
#include <lib/cmdline.h>
#include <lib/log.h>
#include <sched/clock.h>

namespace ktime {

namespace {

constexpr u64 kNsPerSecond = 1'000'000'000;
constexpr u32 kFixedShift = 32;

u64 s_tsc_at_entry;
u64 s_tsc_hz;
u64 s_ns_per_tsc_fixed;
u32 s_tick_hz;
u64 s_ns_per_tick;
std::atomic<u64> s_ticks;
std::atomic<TickHook> s_tick_hook;
u64 s_realtime_at_boot;

// kernel_main runs the global constructors before anything else, so this
// sample is the kernel's time zero; boot lines logged before the TSC is
// calibrated get their timestamps right once it is.
[[gnu::constructor]] void record_entry_tsc() { s_tsc_at_entry = cpu::rdtsc(); }

void tick_interrupt(InterruptFrame&)
{
    s_ticks.fetch_add(1, std::memory_order_relaxed);
    // Acknowledge first: the scheduler may switch to another thread on this
    // interrupt's way out, and that thread must get timer interrupts too.
    apic::end_of_interrupt();
    if (auto hook = s_tick_hook.load(std::memory_order_acquire))
        hook();
}

bool cpu_has_tsc() { return cpu::cpuid(1).edx & (1 << 4); }

bool tsc_is_invariant()
{
    if (cpu::cpuid(0x80000000).eax < 0x80000007)
        return false;
    return cpu::cpuid(0x80000007).edx & (1 << 8);
}

u32 requested_tick_hz()
{
    i64 hz = cmdline::get_int("tick_hz", kDefaultTickHz);
    if (hz < 10 || hz > 10000) {
        log_warn("time: tick_hz=%lld out of range 10-10000, using %u", static_cast<long long>(hz), kDefaultTickHz);
        return kDefaultTickHz;
    }
    return static_cast<u32>(hz);
}

}

void init()
{
    apic::Calibration calibration = apic::calibrate();
    if (cpu_has_tsc() && calibration.tsc_hz > 0) {
        s_tsc_hz = calibration.tsc_hz;
        s_ns_per_tsc_fixed = (kNsPerSecond << kFixedShift) / s_tsc_hz;
        log_set_clock(monotonic_ns); // from this line on, timestamps are real
        log_info("TSC: %llu.%03llu MHz%s, the clock source", static_cast<unsigned long long>(s_tsc_hz / 1000000),
            static_cast<unsigned long long>(s_tsc_hz / 1000 % 1000), tsc_is_invariant() ? " (invariant)" : "");
    } else {
        log_warn("TSC: not available; time advances by ticks");
    }

    s_tick_hz = requested_tick_hz();
    s_ns_per_tick = kNsPerSecond / s_tick_hz;
    interrupts::set_handler(interrupts::kVectorLapicTimer, tick_interrupt);
    apic::timer_start_periodic(s_tick_hz);
    u64 bus_hz = apic::timer_frequency() * apic::kTimerDivider;
    log_info("APIC: timer %u Hz on vector %#x, bus %llu MHz (counts at %llu kHz)", s_tick_hz,
        interrupts::kVectorLapicTimer, static_cast<unsigned long long>((bus_hz + 500000) / 1000000),
        static_cast<unsigned long long>(apic::timer_frequency() / 1000));

    // The PIT has done its part (calibration); stop the BIOS's 18.2 Hz square
    // wave so that an idle machine is really idle.
    pit::quiesce_channel0();
    if (s_ns_per_tsc_fixed == 0)
        log_set_clock(monotonic_ns);
}

u64 monotonic_ns()
{
    if (s_ns_per_tsc_fixed == 0)
        return s_ticks.load(std::memory_order_relaxed) * s_ns_per_tick;
    u64 delta = cpu::rdtsc() - s_tsc_at_entry;
    return static_cast<u64>((static_cast<unsigned __int128>(delta) * s_ns_per_tsc_fixed) >> kFixedShift);
}

u64 ticks() { return s_ticks.load(std::memory_order_relaxed); }
u32 tick_hz() { return s_tick_hz; }
u64 tsc_hz() { return s_tsc_hz; }

void set_tick_hook(TickHook hook) { s_tick_hook.store(hook, std::memory_order_release); }

void busy_wait_ns(u64 nanoseconds)
{
    if (s_ns_per_tsc_fixed == 0) {
        // No calibrated TSC (yet): the PIT keeps time on its own.
        pit::wait_us((nanoseconds + 999) / 1000);
        return;
    }
    u64 end = monotonic_ns() + nanoseconds;
    while (monotonic_ns() < end)
        cpu::pause();
}

u64 realtime_at_boot() { return s_realtime_at_boot; }
void set_realtime_at_boot(u64 unix_seconds) { s_realtime_at_boot = unix_seconds; }
u64 realtime_ns() { return s_realtime_at_boot * kNsPerSecond + monotonic_ns(); }

}
