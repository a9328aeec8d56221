// Local APIC driver; see apic.h. Register offsets and bit layouts are those
// of the Intel SDM vol. 3, chapter "Advanced Programmable Interrupt
// Controller", in xAPIC (MMIO) mode.
#include <arch/x86_64/apic.h>
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/interrupts.h>
#include <arch/x86_64/pit.h>
#include <drivers/acpi.h>
#include <lib/log.h>
#include <lib/panic.h>
#include <lib/verify.h>
#include <mm/mmio.h>

namespace apic {

namespace {

// Register offsets from the APIC base.
constexpr usize kId = 0x020;
constexpr usize kVersion = 0x030;
constexpr usize kTaskPriority = 0x080;
constexpr usize kEoi = 0x0B0;
constexpr usize kSpuriousVector = 0x0F0;
constexpr usize kErrorStatus = 0x280;
constexpr usize kIcrLow = 0x300;
constexpr usize kIcrHigh = 0x310;
constexpr usize kLvtTimer = 0x320;
constexpr usize kLvtThermal = 0x330;
constexpr usize kLvtPerformance = 0x340;
constexpr usize kLvtLint0 = 0x350;
constexpr usize kLvtLint1 = 0x360;
constexpr usize kLvtError = 0x370;
constexpr usize kTimerInitialCount = 0x380;
constexpr usize kTimerCurrentCount = 0x390;
constexpr usize kTimerDivide = 0x3E0;

constexpr u64 kApicBaseEnable = 1 << 11;
constexpr u64 kApicBaseX2Apic = 1 << 10;
constexpr u64 kApicBaseAddressMask = 0x000FFFFFFFFFF000ull;

constexpr u32 kSoftwareEnable = 1 << 8;
constexpr u32 kLvtMasked = 1 << 16;
constexpr u32 kLvtActiveLow = 1 << 13;
constexpr u32 kLvtLevel = 1 << 15;
constexpr u32 kLvtDeliveryNmi = 4 << 8;
constexpr u32 kTimerPeriodic = 1 << 17;
constexpr u32 kDivideBy16 = 0x3;

constexpr u32 kIcrDeliveryNmi = 4 << 8;
constexpr u32 kIcrDeliveryInit = 5 << 8;
constexpr u32 kIcrDeliveryStartup = 6 << 8;
constexpr u32 kIcrDeliveryPending = 1 << 12;
constexpr u32 kIcrAssert = 1 << 14;
constexpr u32 kIcrAllExcludingSelf = 3 << 18;

VirtAddr s_base;
bool s_enabled;
u64 s_timer_hz;
volatile u64 s_spurious;

u32 read(usize reg) { return *mm::mmio_register<u32>(s_base, reg); }
void write(usize reg, u32 value) { *mm::mmio_register<u32>(s_base, reg) = value; }

u32 max_lvt() { return (read(kVersion) >> 16) & 0xFF; }

void spurious_handler(InterruptFrame&)
{
    // A spurious interrupt is not in service: acknowledging it would retire
    // some other, real one.
    s_spurious = s_spurious + 1;
}

u32 lvt_flags(acpi::Polarity polarity, acpi::Trigger trigger)
{
    u32 flags = 0;
    if (polarity == acpi::Polarity::ActiveLow)
        flags |= kLvtActiveLow;
    if (trigger == acpi::Trigger::Level)
        flags |= kLvtLevel;
    return flags;
}

// LINT0 is the 8259's ExtINT path in "virtual wire" mode; with the PICs
// masked and every device on the I/O APIC it stays masked. Whichever LINT the
// MADT names as NMI (LINT1 on PCs) is programmed to deliver NMIs.
void configure_lints(u32 apic_id)
{
    u32 lint[2] = { kLvtMasked, kLvtMasked };
    bool nmi_described = false;
    if (acpi::has_madt()) {
        auto const& madt = acpi::madt();
        u32 uid = acpi::LocalApicNmi::kAllProcessors;
        for (int i = 0; i < madt.processor_count; ++i) {
            if (madt.processors[i].apic_id == apic_id)
                uid = madt.processors[i].acpi_uid;
        }
        for (int i = 0; i < madt.local_nmi_count; ++i) {
            auto const& nmi = madt.local_nmis[i];
            if (nmi.lint > 1 || (nmi.acpi_uid != acpi::LocalApicNmi::kAllProcessors && nmi.acpi_uid != uid))
                continue;
            // NMIs are always edge-triggered; only the polarity applies.
            lint[nmi.lint] = kLvtDeliveryNmi | lvt_flags(nmi.polarity, acpi::Trigger::Edge);
            nmi_described = true;
        }
    }
    if (!nmi_described)
        lint[1] = kLvtDeliveryNmi;
    write(kLvtLint0, lint[0]);
    write(kLvtLint1, lint[1]);
}

void enable_this_cpu()
{
    u64 base = cpu::rdmsr(cpu::MSR_APIC_BASE);
    if (base & kApicBaseX2Apic) {
        // The firmware left x2APIC mode on; the only way back to the MMIO
        // interface is through "disabled" (SDM: x2APIC state transitions).
        cpu::wrmsr(cpu::MSR_APIC_BASE, base & ~(kApicBaseEnable | kApicBaseX2Apic));
        base &= ~kApicBaseX2Apic;
    }
    cpu::wrmsr(cpu::MSR_APIC_BASE, base | kApicBaseEnable);

    write(kTaskPriority, 0); // accept every priority class
    write(kLvtTimer, kLvtMasked | interrupts::kVectorLapicTimer);
    write(kTimerInitialCount, 0);
    u32 lvts = max_lvt();
    if (lvts >= 4)
        write(kLvtPerformance, kLvtMasked);
    if (lvts >= 5)
        write(kLvtThermal, kLvtMasked);
    write(kLvtError, kLvtMasked);
    configure_lints(id());
    // The error status register latches on a write; two writes clear it.
    write(kErrorStatus, 0);
    write(kErrorStatus, 0);
    write(kSpuriousVector, kSoftwareEnable | interrupts::kVectorSpurious);
    // Retire anything the firmware left in service.
    write(kEoi, 0);
}

void wait_for_icr_idle()
{
    for (u64 i = 0; i < 10'000'000 && (read(kIcrLow) & kIcrDeliveryPending); ++i)
        cpu::pause();
}

void send_icr(u32 apic_id, u32 low)
{
    // The two ICR halves are one command: nothing on this CPU may send in
    // between, so interrupts stay off across the pair.
    bool were_enabled = cpu::interrupts_enabled();
    cpu::cli();
    wait_for_icr_idle();
    write(kIcrHigh, apic_id << 24);
    write(kIcrLow, low);
    wait_for_icr_idle();
    if (were_enabled)
        cpu::sti();
}

// One measurement of the TSC against a PIT countdown of `count` periods.
// Each PIT edge is bracketed by TSC reads: the countdown starts somewhere in
// the TSC interval around the gate write, and ends between the last poll that
// saw it running and the first that saw it expired. The brackets' widths are
// the sample's uncertainty; a trial the host preempted (an emulator's vCPU
// descheduled) shows up as a wide bracket and is rejected by the caller.
struct TscSample {
    u64 tsc_delta;
    u64 uncertainty;
};

TscSample measure_tsc_against_pit(u16 count)
{
    pit::load_countdown(count);
    u64 before_start = cpu::rdtsc();
    pit::open_gate();
    u64 after_start = cpu::rdtsc();
    u64 last_running = after_start;
    u64 seen_expired;
    for (;;) {
        u64 poll_start = cpu::rdtsc();
        bool expired = pit::countdown_expired();
        u64 poll_end = cpu::rdtsc();
        if (expired) {
            seen_expired = poll_end;
            break;
        }
        last_running = poll_start;
    }
    // Midpoints of the two brackets, doubled to stay in integers.
    u64 twice_delta = (last_running + seen_expired) - (before_start + after_start);
    return { twice_delta / 2, (after_start - before_start) + (seen_expired - last_running) };
}

// The local APIC timer's current count, read between two close TSC reads
// (retried while the pair is far apart), with the TSC midpoint.
void sample_timer_and_tsc(u32& count, u64& tsc, u64 max_gap)
{
    for (int attempt = 0; attempt < 100; ++attempt) {
        u64 a = cpu::rdtsc();
        count = read(kTimerCurrentCount);
        u64 b = cpu::rdtsc();
        tsc = a + (b - a) / 2;
        if (b - a <= max_gap)
            return;
    }
}


}

void init()
{
    if (!(cpu::cpuid(1).edx & (1 << 9)))
        panic("APIC: this CPU has no local APIC");
    PhysAddr physical = cpu::rdmsr(cpu::MSR_APIC_BASE) & kApicBaseAddressMask;
    if (acpi::has_madt() && acpi::madt().local_apic_address != physical) {
        log_warn("APIC: MADT says %#llx, the MSR %#llx; using the MSR",
            static_cast<unsigned long long>(acpi::madt().local_apic_address), static_cast<unsigned long long>(physical));
    }
    auto mapped = mm::map_mmio(physical, 4096);
    if (mapped.is_error())
        panic("APIC: cannot map the registers at %#llx: %s", static_cast<unsigned long long>(physical), mapped.error().name());
    s_base = mapped.value();
    interrupts::set_handler(interrupts::kVectorSpurious, spurious_handler);
    // A stray vector nobody registered is acknowledged here too, or it would
    // block every interrupt of lower priority.
    interrupts::set_end_of_interrupt(end_of_interrupt);
    enable_this_cpu();
    s_enabled = true;
    u32 version = read(kVersion);
    log_info("APIC: local APIC id %u at %#llx, version %#x, %u LVT entries", id(),
        static_cast<unsigned long long>(physical), version & 0xFF, max_lvt() + 1);
}

void init_on_this_cpu() { enable_this_cpu(); }

bool enabled() { return s_enabled; }
u32 id() { return read(kId) >> 24; }
void end_of_interrupt() { write(kEoi, 0); }
u64 spurious_count() { return s_spurious; }

Calibration calibrate()
{
    // TSC against the PIT: 5 ms trials, kept when both brackets together
    // are under 0.1% of the interval; the median of three kept trials.
    // The PIT's own rate is exact (a crystal), so this is the error budget.
    // Short trials keep calibration near 20 ms of the boot-time budget.
    constexpr u16 kCount = pit::count_for_us(5000);
    constexpr int kWanted = 3;
    constexpr int kMaxTrials = 20;
    u64 kept[kWanted];
    int kept_count = 0;
    TscSample best { 0, ~0ull };

    bool were_enabled = cpu::interrupts_enabled();
    cpu::cli();
    for (int trial = 0; trial < kMaxTrials && kept_count < kWanted; ++trial) {
        TscSample sample = measure_tsc_against_pit(kCount);
        if (sample.uncertainty < best.uncertainty)
            best = sample;
        if (sample.uncertainty * 1000 < sample.tsc_delta)
            kept[kept_count++] = sample.tsc_delta;
    }
    u64 tsc_delta = best.tsc_delta;
    if (kept_count == kWanted) {
        // Median of three.
        u64 a = kept[0], b = kept[1], c = kept[2];
        tsc_delta = (a <= b) == (b <= c) ? b : ((b <= a) == (a <= c) ? a : c);
    } else if (kept_count > 0) {
        tsc_delta = kept[0];
    }
    u64 tsc_hz = tsc_delta * pit::kFrequencyHz / kCount;

    // The APIC timer against the TSC, now a known clock: free-running from
    // the top, sampled twice 5 ms apart, each sample within 2 us of TSC.
    write(kTimerDivide, kDivideBy16);
    write(kLvtTimer, kLvtMasked | interrupts::kVectorLapicTimer);
    write(kTimerInitialCount, 0xFFFFFFFF);
    u64 max_gap = tsc_hz / 500000;
    u32 count_start, count_end;
    u64 tsc_start, tsc_end;
    sample_timer_and_tsc(count_start, tsc_start, max_gap);
    while (cpu::rdtsc() - tsc_start < tsc_hz / 200)
        cpu::pause();
    sample_timer_and_tsc(count_end, tsc_end, max_gap);
    write(kTimerInitialCount, 0);
    if (were_enabled)
        cpu::sti();

    if (kept_count < kWanted) {
        log_warn("APIC: only %d of %d calibration trials were clean (host busy?); best error bound %llu TSC cycles",
            kept_count, kWanted, static_cast<unsigned long long>(best.uncertainty));
    }
    u64 timer_counts = count_start - count_end;
    Calibration result { timer_counts * tsc_hz / (tsc_end - tsc_start), tsc_hz };
    s_timer_hz = result.timer_hz;
    return result;
}

u64 timer_frequency() { return s_timer_hz; }

void timer_start_periodic(u32 hz)
{
    VERIFY(s_timer_hz != 0 && hz != 0);
    u64 count = s_timer_hz / hz;
    if (count == 0)
        count = 1;
    if (count > 0xFFFFFFFF)
        count = 0xFFFFFFFF;
    bool were_enabled = cpu::interrupts_enabled();
    cpu::cli();
    write(kTimerDivide, kDivideBy16);
    write(kLvtTimer, kTimerPeriodic | interrupts::kVectorLapicTimer);
    write(kTimerInitialCount, static_cast<u32>(count)); // writing the count starts it
    if (were_enabled)
        cpu::sti();
}

void timer_one_shot(u64 nanoseconds)
{
    VERIFY(s_timer_hz != 0);
    constexpr u64 kMaxCount = 0xFFFFFFFF;
    // Compare before multiplying: ns * hz overflows 64 bits past ~5 minutes.
    u64 max_ns = kMaxCount * 1'000'000'000ull / s_timer_hz;
    u64 count = nanoseconds >= max_ns ? kMaxCount : nanoseconds * s_timer_hz / 1'000'000'000ull;
    if (count == 0)
        count = 1; // zero would stop the timer instead of firing at once
    bool were_enabled = cpu::interrupts_enabled();
    cpu::cli();
    write(kTimerDivide, kDivideBy16);
    write(kLvtTimer, interrupts::kVectorLapicTimer); // one-shot mode, unmasked
    write(kTimerInitialCount, static_cast<u32>(count));
    if (were_enabled)
        cpu::sti();
}

void timer_stop()
{
    write(kLvtTimer, kLvtMasked | interrupts::kVectorLapicTimer);
    write(kTimerInitialCount, 0);
}

u32 timer_current_count() { return read(kTimerCurrentCount); }

void send_ipi(u32 apic_id, u8 vector) { send_icr(apic_id, kIcrAssert | vector); }
void send_ipi_to_others(u8 vector) { send_icr(0, kIcrAllExcludingSelf | kIcrAssert | vector); }
// INIT then STARTUP (twice, by the SDM's recipe) is how an application
// processor is woken; the SMP start-up owns the delays between them.
void send_init(u32 apic_id) { send_icr(apic_id, kIcrDeliveryInit | kIcrAssert); }
void send_startup(u32 apic_id, u8 start_page) { send_icr(apic_id, kIcrDeliveryStartup | kIcrAssert | start_page); }
void send_nmi(u32 apic_id) { send_icr(apic_id, kIcrDeliveryNmi | kIcrAssert); }

}
