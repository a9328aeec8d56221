// Application-processor start-up and inter-processor interrupts; see smp.h.
//
// Start-up, per AP, by the Intel SDM's MP initialisation recipe (vol. 3,
// "MP Initialization Protocol Algorithm"): INIT, 10 ms, STARTUP, 200 us, a
// second STARTUP only if the first did not take, 200 us. The INITs go to all
// APs first and share one 10 ms wait; the STARTUPs then go one AP at a time,
// because every AP climbs through the same trampoline page and its fields
// (stack, Cpu block) are those of the AP being started. The boot CPU waits
// for each AP to report in (with a timeout: an AP that never does is sent
// INIT again, which parks it, and is left out).
//
// The handshake with the AP being started goes through s_bringup: stage
// Entered (it runs C++ on the kernel's page tables), Ready (tables, IDT and
// APIC loaded), a TSC comparison with the boot CPU, Synced; then the boot
// CPU, and only it, registers the AP and sets Online, which lets the AP go
// on into the scheduler. An AP the boot CPU gave up on is never registered:
// it halts (abandon) and is sent INIT.
//
// Cross-CPU requests (shoot-downs, function calls) are answered by interrupt
// handlers, and also by any CPU that is itself waiting with interrupts off
// for another CPU (it polls for requests addressed to it while it spins), so
// two CPUs that ask each other at once cannot deadlock.
//
// TLB shoot-downs (flush_tlb_range) need no lock and any number run at
// once. Each CPU owns one outgoing request (the range, and the mask of
// targets that have not flushed it yet); each CPU has an incoming mailbox,
// a mask of the CPUs whose requests it has still to take. A requester fills
// its request, sets its bit in every target's mailbox, sends the IPIs (NMIs
// with a spinlock held) and waits, with interrupts off, for its mask to
// empty. A target takes its whole mailbox with one exchange, flushes each
// request it took and clears its own bit in that request's mask.
//
// Why this cannot deadlock: a request is answered as soon as its target
// runs service_tlb() once after the request was posted, and every CPU does
// that without needing anything from anyone:
//   - interrupts on (running, or halted in the idle loop): the 0xF2 vector;
//   - waiting in this file for anything (its own shoot-down's answers, a
//     function call): the wait loop drains the mailbox on every spin, so
//     CPUs shooting down at each other all progress;
//   - interrupts off anywhere else (spinning on a spinlock, say): an NMI,
//     sent at once when the requester holds a spinlock (the target may spin
//     on it) and to any target still silent after kEscalateToNmiNs.
// Servicing never waits, takes no lock and sends nothing, so the "waits
// for" relation between CPUs has no cycle through it. A CPU has at most one
// request out (it is posted and awaited with interrupts off, and an NMI
// handler never starts one), so a requester's fields stay put until every
// target has acknowledged, and a target reads them before it acknowledges.
#include <arch/x86_64/apic.h>
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/gdt.h>
#include <arch/x86_64/interrupts.h>
#include <arch/x86_64/percpu.h>
#include <arch/x86_64/smp.h>
#include <atomic>
#include <boot_info.h>
#include <drivers/acpi.h>
#include <lib/cmdline.h>
#include <lib/log.h>
#include <lib/panic.h>
#include <lib/string.h>
#include <lib/verify.h>
#include <mm/kernel_stack.h>
#include <mm/kmalloc.h>
#include <mm/layout.h>
#include <mm/paging.h>
#include <sched/clock.h>
#include <sched/scheduler.h>

extern "C" u8 ap_trampoline_start[], ap_trampoline_end[];
extern "C" u8 ap_protected_mode[], ap_long_mode[], ap_gdt[], ap_gdt_pointer[], ap_far_protected[], ap_far_long[];
extern "C" u8 ap_boot_cr3[], ap_boot_efer[], ap_boot_stack[], ap_boot_cpu[], ap_boot_entry[], ap_boot_alive[];

extern "C" [[noreturn]] void smp_ap_entry(Cpu* cpu);

namespace smp {

namespace {

// The trampoline page and, after it, the temporary PML4, PDPT and page
// directory that identity-map the first 2 MiB. All in the first MiB, which
// mm/memory.cpp never hands out (so below 4 GiB, as a 32-bit CR3 load needs).
constexpr PhysAddr kPreferredTrampoline = 0x8000;
constexpr PhysAddr kLowestTrampoline = 0x1000;
constexpr PhysAddr kHighestTrampolineEnd = 0x80000; // the EBDA may start soon after
constexpr usize kTrampolinePages = 4;

constexpr u64 kEferSyscall = 1 << 0;
constexpr u64 kEferLongMode = 1 << 8;
constexpr u64 kEferNoExecute = 1 << 11;

// Above this many pages a shoot-down flushes the whole TLB instead.
constexpr usize kMaxPagesFlushedOneByOne = 64;

constexpr u64 kInitDelayNs = 10'000'000;  // after INIT (SDM)
constexpr u64 kStartupDelayNs = 200'000;  // after each STARTUP (SDM)
// An emulator on a busy host can take a long time to schedule a new vCPU:
// generous, since only a broken AP ever waits this long.
constexpr u64 kApTimeoutNs = 5'000'000'000ull;
// No CPU keeps interrupts off this long (even an emulated one whose host is
// very busy): a shoot-down or call not taken up by then never will be.
constexpr u64 kAcknowledgeTimeoutNs = 30'000'000'000ull;
// A shoot-down not acknowledged this long after its IPIs is sent again as
// NMIs (see flush_tlb_range).
constexpr u64 kEscalateToNmiNs = 20'000'000;
// Each round is a round trip between two CPUs; on an emulator whose host is
// busy one can cost a host time slice, so few rounds (the minimum of eight
// is already within a few hundred ns when the host is idle).
constexpr int kTscRounds = 8;

u64 bit(u32 cpu) { return 1ull << cpu; }

std::atomic<Mode> s_mode { Mode::Single };
std::atomic<u64> s_online_mask { 1 };
u64 s_bsp_cr4;
PhysAddr s_trampoline;

// Per-CPU state of the cross-CPU requests, a cache line each.
struct alignas(64) CpuRequests {
    // Bit n: CPU n has a shoot-down out for this CPU that it has not taken.
    std::atomic<u64> tlb_incoming { 0 };
    // NMIs sent to this CPU as shoot-downs, and how many its NMI handler
    // has accounted for: an NMI with none outstanding is not ours.
    std::atomic<u64> nmis_sent { 0 };
    std::atomic<u64> nmis_claimed { 0 };
    // The function-call mailbox: a caller owns it from busy = true until it
    // has seen done.
    std::atomic<bool> mailbox_busy { false };
    std::atomic<bool> call_pending { false };
    std::atomic<bool> call_done { false };
    Function call_function { nullptr };
    void* call_argument { nullptr };
    std::atomic<u64> reschedule_ipis { 0 };
    std::atomic<u64> tlb_ipis { 0 };
    std::atomic<u64> call_ipis { 0 };
    TscOffset tsc {};
};
constinit CpuRequests s_requests[kMaxCpus];

// Each CPU's outgoing shoot-down, a cache line of its own (its targets
// clear their bits in `waiting` while the owner polls it). start and length
// are plain: written before the request is posted (release, on the
// mailboxes) and read by a target only after it took the request (acquire).
struct alignas(64) TlbRequest {
    VirtAddr start { 0 };
    usize length { 0 };
    // Targets that have not flushed yet; the request is over at 0.
    std::atomic<u64> waiting { 0 };
};
constinit TlbRequest s_tlb_requests[kMaxCpus];

std::atomic<bool> s_stopping { false };
std::atomic<u32> s_stopped { 0 };

// The AP being started, and its progress.
enum class Stage : u32 {
    Waiting,
    Entered,
    Ready,
    Synced,
    Online,
};
struct Bringup {
    std::atomic<Stage> stage { Stage::Waiting };
    // TSC comparison: whose turn (odd: the AP reads, even: the boot CPU
    // reads), the TSC the other side wrote, and the AP's result.
    std::atomic<u32> turn { 0 };
    std::atomic<u64> tsc { 0 };
    std::atomic<i64> forward { 0 };
    std::atomic<bool> abandon { false };
};
constinit Bringup s_bringup;

u32 this_cpu_id() { return this_cpu().id; }

u64 ordered_rdtsc()
{
    // lfence keeps rdtsc from running ahead of the load that saw the flag.
    asm volatile("lfence" ::: "memory");
    return cpu::rdtsc();
}

i64 tsc_to_ns(i64 cycles)
{
    u64 hz = ktime::tsc_hz();
    if (hz == 0)
        return 0;
    i64 sign = cycles < 0 ? -1 : 1;
    u64 magnitude = static_cast<u64>(cycles * sign);
    return sign * static_cast<i64>(static_cast<unsigned __int128>(magnitude) * 1'000'000'000ull / hz);
}

// --- TLB ---

void flush_all_local()
{
    u64 cr4 = cpu::read_cr4();
    if (cr4 & cpu::CR4_PGE) {
        // Toggling PGE drops every entry, global (kernel) ones included;
        // reloading CR3 would keep those.
        cpu::write_cr4(cr4 & ~cpu::CR4_PGE);
        cpu::write_cr4(cr4);
    } else {
        cpu::flush_tlb();
    }
}

usize pages_spanned(VirtAddr start, usize length)
{
    return (align_up(start + length, mm::kPageSize) - align_down(start, mm::kPageSize)) / mm::kPageSize;
}

void flush_local(VirtAddr start, usize length)
{
    if (pages_spanned(start, length) > kMaxPagesFlushedOneByOne) {
        flush_all_local();
        return;
    }
    VirtAddr end = align_up(start + length, mm::kPageSize);
    for (VirtAddr page = align_down(start, mm::kPageSize); page < end; page += mm::kPageSize)
        cpu::invlpg(page);
}

// Answers every shoot-down posted to this CPU so far. Never waits, so it is
// safe from any wait loop, the vector's handler and the NMI handler alike,
// and safe to nest (an NMI arriving while the interrupted code is in here):
// the exchange hands each posted request to exactly one pass, and a
// requester cannot post to this CPU again before this pass acknowledged.
bool service_tlb(u32 me)
{
    auto& mine = s_requests[me];
    // Wait loops call this on every spin: a plain load keeps the line shared
    // until there is something to take.
    if (mine.tlb_incoming.load(std::memory_order_relaxed) == 0)
        return false;
    u64 taken = mine.tlb_incoming.exchange(0, std::memory_order_acquire);
    if (taken == 0)
        return false;
    // Several requests at once whose pages add up to more than a whole
    // flush costs: one whole flush answers them all.
    usize pages = 0;
    for (u64 rest = taken; rest; rest &= rest - 1) {
        auto const& request = s_tlb_requests[__builtin_ctzll(rest)];
        pages += pages_spanned(request.start, request.length);
    }
    bool flushed_all = (taken & (taken - 1)) && pages > kMaxPagesFlushedOneByOne;
    if (flushed_all)
        flush_all_local();
    for (u64 rest = taken; rest; rest &= rest - 1) {
        auto& request = s_tlb_requests[__builtin_ctzll(rest)];
        if (!flushed_all)
            flush_local(request.start, request.length);
        // Last touch of the request: its owner may reuse it at once.
        request.waiting.fetch_and(~bit(me), std::memory_order_release);
    }
    return true;
}

// --- function calls ---

void service_call(u32 me)
{
    auto& mine = s_requests[me];
    if (!mine.call_pending.load(std::memory_order_acquire))
        return;
    Function function = mine.call_function;
    void* argument = mine.call_argument;
    mine.call_pending.store(false, std::memory_order_relaxed);
    function(argument);
    mine.call_done.store(true, std::memory_order_release);
}

// What a CPU does while it spins waiting for a function call: answer
// whatever the others ask of it, so that two CPUs waiting on each other both
// progress. (flush_tlb_range's own wait answers shoot-downs only.)
void service_while_waiting(u32 me)
{
    service_tlb(me);
    service_call(me);
    cpu::pause();
}

void check_timeout(u64 started_ns, const char* what, u64 waiting_for)
{
    if (ktime::monotonic_ns() - started_ns > kAcknowledgeTimeoutNs)
        panic("SMP: %s: no answer from CPUs %#lx after %lu s", what, static_cast<unsigned long>(waiting_for),
            static_cast<unsigned long>(kAcknowledgeTimeoutNs / 1'000'000'000ull));
}

// Claims `cpu`'s mailbox, posts the call and sends the IPI.
void post_call(u32 me, u32 cpu, Function function, void* argument)
{
    auto& target = s_requests[cpu];
    u64 started = ktime::monotonic_ns();
    bool expected = false;
    while (!target.mailbox_busy.compare_exchange_weak(expected, true, std::memory_order_acquire)) {
        expected = false;
        service_while_waiting(me);
        check_timeout(started, "function call (mailbox)", bit(cpu));
    }
    target.call_function = function;
    target.call_argument = argument;
    target.call_done.store(false, std::memory_order_relaxed);
    target.call_pending.store(true, std::memory_order_release);
    apic::send_ipi(percpu::cpu(cpu)->apic_id, kVectorCallFunction);
}

// Waits for the call to finish. Only the wait for it to start is bounded:
// the function itself may take as long as it likes.
void wait_call(u32 me, u32 cpu)
{
    auto& target = s_requests[cpu];
    u64 started = ktime::monotonic_ns();
    while (!target.call_done.load(std::memory_order_acquire)) {
        service_while_waiting(me);
        if (target.call_pending.load(std::memory_order_relaxed))
            check_timeout(started, "function call", bit(cpu));
    }
    target.mailbox_busy.store(false, std::memory_order_release);
}

// --- interrupt handlers ---

void reschedule_interrupt(InterruptFrame&)
{
    auto& me = this_cpu();
    s_requests[me.id].reschedule_ipis.fetch_add(1, std::memory_order_relaxed);
    me.need_resched = true;
    apic::end_of_interrupt();
}

void tlb_interrupt(InterruptFrame&)
{
    u32 me = this_cpu_id();
    s_requests[me].tlb_ipis.fetch_add(1, std::memory_order_relaxed);
    service_tlb(me);
    apic::end_of_interrupt();
}

void call_interrupt(InterruptFrame&)
{
    u32 me = this_cpu_id();
    s_requests[me].call_ipis.fetch_add(1, std::memory_order_relaxed);
    // Acknowledged first: the function may take a while, and another
    // caller's IPI must be able to pend meanwhile.
    apic::end_of_interrupt();
    service_call(me);
}

// NMIs: the stop of a panic, a shoot-down sent while its requester held a
// spinlock, or a real hardware NMI (not handled here: the exception code
// reports it).
bool nmi_handler(InterruptFrame&)
{
    if (s_stopping.load(std::memory_order_acquire)) {
        s_stopped.fetch_add(1, std::memory_order_release);
        // NMIs stay blocked until an iret that never comes.
        cpu::halt_forever();
    }
    auto& mine = s_requests[this_cpu_id()];
    u64 sent = mine.nmis_sent.load(std::memory_order_acquire);
    u64 claimed = mine.nmis_claimed.load(std::memory_order_relaxed);
    // One claim per NMI: a second NMI that arrived during this handler is
    // latched by the CPU and claims the next one. (An NMI absorbed while
    // one was latched leaves a claim over; it excuses one later NMI.)
    bool ours = false;
    while (claimed < sent && !ours)
        ours = mine.nmis_claimed.compare_exchange_weak(claimed, claimed + 1, std::memory_order_acq_rel);
    service_tlb(this_cpu_id());
    return ours;
}

// --- start-up ---

bool overlaps(PhysAddr a, PhysAddr a_end, PhysAddr b, PhysAddr b_end) { return a < b_end && b < a_end; }

// A window of kTrampolinePages pages in the first MiB that the memory map
// calls usable and no boot module occupies: 0x8000 unless that is taken.
PhysAddr choose_trampoline()
{
    auto const& bi = boot_info();
    auto usable = [&](PhysAddr start) {
        PhysAddr end = start + kTrampolinePages * mm::kPageSize;
        bool inside_usable = false;
        for (int i = 0; i < bi.region_count; ++i) {
            auto const& r = bi.regions[i];
            if (r.type == MemoryRegion::Type::Usable && r.start <= start && end <= r.start + r.length)
                inside_usable = true;
            if (r.type != MemoryRegion::Type::Usable && overlaps(start, end, r.start, r.start + r.length))
                return false;
        }
        for (int i = 0; i < bi.module_count; ++i) {
            if (overlaps(start, end, bi.modules[i].start, bi.modules[i].end))
                return false;
        }
        return inside_usable;
    };
    if (usable(kPreferredTrampoline))
        return kPreferredTrampoline;
    for (PhysAddr start = kLowestTrampoline; start + kTrampolinePages * mm::kPageSize <= kHighestTrampolineEnd;
         start += mm::kPageSize) {
        if (usable(start))
            return start;
    }
    return 0;
}

template<typename T>
T* trampoline_field(u8* symbol)
{
    return mm::phys_to_virt<T>(s_trampoline + static_cast<usize>(symbol - ap_trampoline_start));
}

u32 trampoline_address(u8* symbol) { return static_cast<u32>(s_trampoline + (symbol - ap_trampoline_start)); }

// Copies the blob and builds the temporary page tables: PML4[0] -> PDPT ->
// PD whose entry 0 is a 2 MiB page at physical 0 (identity map of the
// trampoline), and PML4[256..511] copied from the kernel's, so the jump to
// the higher half lands on the kernel's own mappings.
void install_trampoline()
{
    usize size = static_cast<usize>(ap_trampoline_end - ap_trampoline_start);
    VERIFY(size <= mm::kPageSize);
    memcpy(mm::phys_to_virt(s_trampoline), ap_trampoline_start, size);

    PhysAddr pml4 = s_trampoline + 1 * mm::kPageSize;
    PhysAddr pdpt = s_trampoline + 2 * mm::kPageSize;
    PhysAddr pd = s_trampoline + 3 * mm::kPageSize;
    memset(mm::phys_to_virt(pml4), 0, 3 * mm::kPageSize);
    u64* pml4_entries = mm::phys_to_virt<u64>(pml4);
    u64 const* kernel_entries = mm::phys_to_virt<u64>(mm::kernel_root());
    for (unsigned slot = 256; slot < 512; ++slot)
        pml4_entries[slot] = kernel_entries[slot];
    pml4_entries[0] = pdpt | page_table::kPresent | page_table::kWritable;
    mm::phys_to_virt<u64>(pdpt)[0] = pd | page_table::kPresent | page_table::kWritable;
    mm::phys_to_virt<u64>(pd)[0] = 0 | page_table::kPresent | page_table::kWritable | page_table::kHuge;

    *trampoline_field<u32>(ap_gdt_pointer + 2) = trampoline_address(ap_gdt);
    *trampoline_field<u32>(ap_far_protected) = trampoline_address(ap_protected_mode);
    *trampoline_field<u32>(ap_far_long) = trampoline_address(ap_long_mode);
    *trampoline_field<u64>(ap_boot_cr3) = pml4;
    u64 efer = cpu::rdmsr(cpu::MSR_EFER);
    *trampoline_field<u64>(ap_boot_efer) = kEferLongMode | (efer & (kEferNoExecute | kEferSyscall));
    *trampoline_field<u64>(ap_boot_entry) = reinterpret_cast<u64>(&smp_ap_entry);
}

// What an AP needs before it runs: its per-CPU block, its GDT/TSS, and a
// kernel stack plus three IST stacks.
struct ApResources {
    Cpu* cpu;
    gdt::CpuTables* tables;
    mm::KernelStack stack;
    mm::KernelStack ist[3];
    int ist_count;
};

void release(ApResources& r)
{
    for (int i = 0; i < r.ist_count; ++i)
        mm::free_kernel_stack(r.ist[i]);
    if (r.stack.top)
        mm::free_kernel_stack(r.stack);
    kfree(r.tables);
    kfree(r.cpu);
}

bool prepare(ApResources& r, u32 id, u32 apic_id)
{
    r = {};
    r.cpu = static_cast<Cpu*>(kzalloc(sizeof(Cpu)));
    r.tables = static_cast<gdt::CpuTables*>(kmalloc_aligned(sizeof(gdt::CpuTables), alignof(gdt::CpuTables)));
    auto stack = mm::allocate_kernel_stack();
    if (!stack.is_error())
        r.stack = stack.value();
    for (; r.ist_count < 3; ++r.ist_count) {
        auto ist = mm::allocate_kernel_stack();
        if (ist.is_error())
            break;
        r.ist[r.ist_count] = ist.value();
    }
    if (!r.cpu || !r.tables || !r.stack.top || r.ist_count < 3) {
        release(r);
        return false;
    }
    static_assert(mm::kKernelStackSize >= gdt::kIstStackSize);
    gdt::build(*r.tables, gdt::IstStacks { r.ist[0].top, r.ist[1].top, r.ist[2].top });
    r.cpu->self = r.cpu;
    r.cpu->id = id;
    r.cpu->apic_id = apic_id;
    r.cpu->tables = r.tables;
    r.cpu->kernel_stack_top = r.stack.top;
    return true;
}

bool wait_for_stage(Stage stage, u64 timeout_ns)
{
    u64 started = ktime::monotonic_ns();
    while (s_bringup.stage.load(std::memory_order_acquire) < stage) {
        if (ktime::monotonic_ns() - started > timeout_ns)
            return false;
        cpu::pause();
    }
    return true;
}

// The boot CPU's half of the TSC comparison. Each round the boot CPU sends
// its TSC and the AP, on seeing it, takes the difference (offset + one-way
// latency); then the AP sends and the boot CPU takes the difference
// (-offset + latency). The smallest of each over the rounds, halved apart,
// is the offset; halved together, the bound on its error.
bool compare_tsc_with_ap(TscOffset& result)
{
    i64 backward = INT64_MAX;
    u64 started = ktime::monotonic_ns();
    for (int round = 0; round < kTscRounds; ++round) {
        s_bringup.tsc.store(ordered_rdtsc(), std::memory_order_relaxed);
        s_bringup.turn.store(2 * round + 1, std::memory_order_release);
        while (s_bringup.turn.load(std::memory_order_acquire) != static_cast<u32>(2 * round + 2)) {
            if (ktime::monotonic_ns() - started > kApTimeoutNs)
                return false;
            cpu::pause();
        }
        i64 difference = static_cast<i64>(ordered_rdtsc() - s_bringup.tsc.load(std::memory_order_relaxed));
        if (difference < backward)
            backward = difference;
    }
    if (!wait_for_stage(Stage::Synced, kApTimeoutNs))
        return false;
    i64 forward = s_bringup.forward.load(std::memory_order_relaxed);
    result.offset_ns = tsc_to_ns((forward - backward) / 2);
    i64 uncertainty = (forward + backward) / 2;
    result.uncertainty_ns = static_cast<u64>(tsc_to_ns(uncertainty < 0 ? -uncertainty : uncertainty));
    return true;
}

void compare_tsc_with_bsp()
{
    i64 forward = INT64_MAX;
    for (int round = 0; round < kTscRounds; ++round) {
        while (s_bringup.turn.load(std::memory_order_acquire) != static_cast<u32>(2 * round + 1)) {
            if (s_bringup.abandon.load(std::memory_order_relaxed))
                cpu::halt_forever();
            cpu::pause();
        }
        i64 difference = static_cast<i64>(ordered_rdtsc() - s_bringup.tsc.load(std::memory_order_relaxed));
        if (difference < forward)
            forward = difference;
        s_bringup.tsc.store(ordered_rdtsc(), std::memory_order_relaxed);
        s_bringup.turn.store(2 * round + 2, std::memory_order_release);
    }
    s_bringup.forward.store(forward, std::memory_order_relaxed);
    s_bringup.stage.store(Stage::Synced, std::memory_order_release);
}

// Starts one AP whose INIT was sent at least 10 ms ago. True once it is online.
bool start_ap(u32 id, u32 apic_id)
{
    ApResources r;
    if (!prepare(r, id, apic_id)) {
        log_error("SMP: no memory to start CPU %u (APIC id %u)", id, apic_id);
        return false;
    }
    s_bringup.stage.store(Stage::Waiting, std::memory_order_relaxed);
    s_bringup.turn.store(0, std::memory_order_relaxed);
    s_bringup.abandon.store(false, std::memory_order_relaxed);
    *trampoline_field<u64>(ap_boot_stack) = r.stack.top;
    *trampoline_field<u64>(ap_boot_cpu) = reinterpret_cast<u64>(r.cpu);
    auto* alive = trampoline_field<volatile u32>(ap_boot_alive);
    *alive = 0;
    std::atomic_thread_fence(std::memory_order_seq_cst);

    auto vector = static_cast<u8>(s_trampoline >> 12);
    apic::send_startup(apic_id, vector);
    ktime::busy_wait_ns(kStartupDelayNs);
    if (!*alive) {
        // The SDM's second STARTUP is for a first one that got lost: skipped
        // once the AP shows life (an AP already running ignores it anyway).
        apic::send_startup(apic_id, vector);
        ktime::busy_wait_ns(kStartupDelayNs);
    }

    bool ok = wait_for_stage(Stage::Ready, kApTimeoutNs);
    TscOffset tsc {};
    if (ok) {
        bool were_enabled = cpu::interrupts_enabled();
        cpu::cli();
        ok = compare_tsc_with_ap(tsc);
        if (were_enabled)
            cpu::sti();
    }
    if (!ok) {
        s_bringup.abandon.store(true, std::memory_order_release);
        log_error("SMP: CPU %u (APIC id %u) did not come up (%s); left out", id, apic_id,
            *alive ? "stuck during start-up" : "no answer to STARTUP");
        // INIT puts it back to waiting for a STARTUP, so it cannot run on
        // with the resources freed below.
        apic::send_init(apic_id);
        ktime::busy_wait_ns(kInitDelayNs);
        release(r);
        return false;
    }
    s_requests[id].tsc = tsc;
    r.cpu->online = true;
    percpu::register_cpu(r.cpu);
    s_online_mask.fetch_or(bit(id), std::memory_order_acq_rel);
    s_bringup.stage.store(Stage::Online, std::memory_order_release);
    log_info("SMP: CPU %u (APIC id %u) online, TSC offset %+ld ns (+/- %lu ns)", id, apic_id,
        static_cast<long>(tsc.offset_ns), static_cast<unsigned long>(tsc.uncertainty_ns));
    return true;
}

u32 requested_cpu_limit()
{
    if (cmdline::has("nosmp"))
        return 1;
    i64 limit = cmdline::get_int("maxcpus", kMaxCpus);
    if (limit < 1)
        return 1;
    return limit > static_cast<i64>(kMaxCpus) ? kMaxCpus : static_cast<u32>(limit);
}

void log_tsc_summary(u32 online)
{
    i64 worst = 0;
    u64 bound = 0;
    u32 worst_cpu = 0;
    for (u32 id = 1; id < online; ++id) {
        auto const& tsc = s_requests[id].tsc;
        i64 magnitude = tsc.offset_ns < 0 ? -tsc.offset_ns : tsc.offset_ns;
        if (magnitude >= worst) {
            worst = magnitude;
            worst_cpu = id;
        }
        if (tsc.uncertainty_ns > bound)
            bound = tsc.uncertainty_ns;
    }
    // An offset inside the measurement's error bound is no evidence of
    // skew; one beyond it (and beyond a microsecond) means time read on one
    // CPU and then another can step backwards by that much.
    constexpr u64 kToleratedNs = 1000;
    if (static_cast<u64>(worst) > bound + kToleratedNs) {
        log_warn("SMP: TSCs disagree: CPU %u is %ld ns off CPU 0 (measured to +/- %lu ns); ktime::monotonic_ns() "
                 "may step back by that much when a thread moves between CPUs",
            worst_cpu, static_cast<long>(worst), static_cast<unsigned long>(bound));
    } else {
        log_info("SMP: TSCs agree: the largest offset from CPU 0, %ld ns, is within the measurement's +/- %lu ns; "
                 "one clock for all CPUs",
            static_cast<long>(worst), static_cast<unsigned long>(bound));
    }
}

}

}

extern "C" [[noreturn]] void smp_ap_entry(Cpu* cpu)
{
    using namespace smp;
    // Off the trampoline's tables onto the kernel's: the identity map of the
    // first MiB goes away here, which is why this runs in the higher half.
    cpu::write_cr3(mm::kernel_root());
    cpu::write_cr4(s_bsp_cr4);
    s_bringup.stage.store(Stage::Entered, std::memory_order_release);
    percpu::install(cpu);
    gdt::load(*cpu->tables);
    interrupts::load_on_this_cpu();
    apic::init_on_this_cpu();
    VERIFY(apic::id() == cpu->apic_id);
    s_bringup.stage.store(Stage::Ready, std::memory_order_release);

    compare_tsc_with_bsp();
    while (s_bringup.stage.load(std::memory_order_acquire) != Stage::Online) {
        if (s_bringup.abandon.load(std::memory_order_acquire))
            cpu::halt_forever();
        cpu::pause();
    }

    // The last step: the scheduler makes this CPU's idle thread and run
    // queue, and never comes back.
    sched::run_application_processor();
}

namespace smp {

void init()
{
    auto& bsp = this_cpu();
    bsp.apic_id = apic::id();
    s_bsp_cr4 = cpu::read_cr4();
    interrupts::set_handler(kVectorReschedule, reschedule_interrupt);
    interrupts::set_handler(kVectorTlbShootdown, tlb_interrupt);
    interrupts::set_handler(kVectorCallFunction, call_interrupt);
    interrupts::set_exception_handler(interrupts::kNmi, nmi_handler);

    u32 limit = requested_cpu_limit();
    u32 listed = 0;
    u32 candidates[kMaxCpus];
    u32 candidate_count = 0;
    if (acpi::has_madt()) {
        auto const& madt = acpi::madt();
        for (int i = 0; i < madt.processor_count; ++i) {
            auto const& p = madt.processors[i];
            if (!p.enabled)
                continue;
            ++listed;
            if (p.apic_id == bsp.apic_id)
                continue;
            if (p.apic_id > 0xFF) {
                log_warn("SMP: CPU with APIC id %u needs x2APIC mode; left out", p.apic_id);
                continue;
            }
            if (candidate_count + 1 < limit && candidate_count + 1 < kMaxCpus)
                candidates[candidate_count++] = p.apic_id;
        }
    }
    if (listed == 0)
        listed = 1;

    bool amp = cmdline::has("amp");
    if (candidate_count > 0) {
        s_trampoline = choose_trampoline();
        if (!s_trampoline) {
            log_error("SMP: no free page in the first MiB for the start-up trampoline; running on CPU 0 only");
            candidate_count = 0;
        }
    }
    if (candidate_count > 0) {
        // Set before any AP reaches the scheduler, which asks may_run_on()
        // from its first placement on.
        s_mode = amp ? Mode::Asymmetric : Mode::Symmetric;
        install_trampoline();
        log_info("SMP: %u CPU(s) in the MADT, starting %u (trampoline at %#lx, INIT-SIPI-SIPI)", listed,
            candidate_count, static_cast<unsigned long>(s_trampoline));
        for (u32 i = 0; i < candidate_count; ++i)
            apic::send_init(candidates[i]);
        ktime::busy_wait_ns(kInitDelayNs);
        u32 next_id = 1;
        for (u32 i = 0; i < candidate_count; ++i) {
            if (start_ap(next_id, candidates[i]))
                ++next_id;
        }
    }

    u32 online = online_count();
    if (online == 1)
        s_mode = Mode::Single;
    if (limit < listed)
        log_info("SMP: %s: using %u of the %u CPUs", cmdline::has("nosmp") ? "nosmp" : "maxcpus", online, listed);
    if (amp && online == 1)
        log_warn("SMP: `amp` asked for, but only one CPU is running: nothing to assign");
    log_info("SMP: %u CPU%s online (%s)", online, online == 1 ? "" : "s", mode_name(mode()));
    if (mode() == Mode::Asymmetric)
        log_info("SMP: AMP: CPU 0 is the master and runs every thread not pinned away from it; CPUs 1-%u run only "
                 "threads assigned to them",
            online - 1);
    if (online > 1)
        log_tsc_summary(online);
}

Mode mode() { return s_mode.load(std::memory_order_relaxed); }

const char* mode_name(Mode mode)
{
    switch (mode) {
    case Mode::Single:
        return "single CPU";
    case Mode::Symmetric:
        return "symmetric";
    case Mode::Asymmetric:
        return "asymmetric: AMP";
    }
    return "?";
}

bool may_run_on(u64 affinity, u32 cpu)
{
    if (cpu >= kMaxCpus || !(affinity & bit(cpu)))
        return false;
    if (cpu == 0 || s_mode.load(std::memory_order_relaxed) != Mode::Asymmetric)
        return true;
    return !(affinity & bit(0));
}

u32 online_count() { return static_cast<u32>(__builtin_popcountll(online_mask())); }
u64 online_mask() { return s_online_mask.load(std::memory_order_acquire); }
bool is_online(u32 cpu) { return cpu < kMaxCpus && (online_mask() & bit(cpu)); }

u64 cpus_with_root(PhysAddr root)
{
    std::atomic_thread_fence(std::memory_order_seq_cst); // the caller's entry writes before the reads below
    u64 mask = 0;
    for (u64 rest = online_mask(); rest; rest &= rest - 1) {
        u32 cpu = static_cast<u32>(__builtin_ctzll(rest));
        if (__atomic_load_n(&percpu::cpu(cpu)->loaded_root, __ATOMIC_RELAXED) == root)
            mask |= bit(cpu);
    }
    return mask;
}

void flush_tlb_range(VirtAddr start, usize length)
{
    flush_tlb_range_on(~0ull, start, length);
}

void flush_tlb_range_on(u64 cpu_mask, VirtAddr start, usize length)
{
    if (length == 0)
        return;
    bool were_enabled = cpu::interrupts_enabled();
    cpu::cli();
    u32 me = this_cpu_id();
    if (cpu_mask & bit(me))
        flush_local(start, length);
    u64 targets = cpu_mask & online_mask() & ~bit(me);
    if (targets == 0) {
        // One CPU online: no request, no IPI, no shared line touched.
        if (were_enabled)
            cpu::sti();
        return;
    }
    // With a spinlock held, another CPU may be spinning on it with
    // interrupts off and could never take a plain IPI: NMIs reach it anyway.
    bool use_nmi = this_cpu().spinlocks_held > 0;

    auto& request = s_tlb_requests[me];
    // Interrupts are off from here to the end, and NMI handlers never shoot
    // down: this CPU's one request cannot already be out.
    VERIFY(request.waiting.load(std::memory_order_relaxed) == 0);
    request.start = start;
    request.length = length;
    request.waiting.store(targets, std::memory_order_relaxed);
    // Post everywhere first, then interrupt. A mailbox that already held
    // requests needs no vector IPI: whoever posted the first of them sends
    // (or has sent) one, and the target takes the whole mailbox, this
    // request too, when it comes. (NMIs are always sent: the earlier poster
    // may have sent only the vector, which a CPU spinning on our lock never
    // takes.)
    u64 to_interrupt = use_nmi ? targets : 0;
    for (u64 rest = targets; rest; rest &= rest - 1) {
        u32 cpu = static_cast<u32>(__builtin_ctzll(rest));
        if (s_requests[cpu].tlb_incoming.fetch_or(bit(me), std::memory_order_release) == 0)
            to_interrupt |= bit(cpu);
    }
    auto send = [&](u32 cpu, bool as_nmi) {
        u32 apic_id = percpu::cpu(cpu)->apic_id;
        if (as_nmi) {
            s_requests[cpu].nmis_sent.fetch_add(1, std::memory_order_release);
            apic::send_nmi(apic_id);
        } else {
            apic::send_ipi(apic_id, kVectorTlbShootdown);
        }
    };
    for (u64 rest = to_interrupt; rest; rest &= rest - 1)
        send(static_cast<u32>(__builtin_ctzll(rest)), use_nmi);

    u64 started = ktime::monotonic_ns();
    u64 escalate_at = started + kEscalateToNmiNs;
    for (;;) {
        u64 silent = request.waiting.load(std::memory_order_acquire);
        if (silent == 0)
            break;
        // The deadlock breaker: the CPUs this one waits for may be waiting
        // for it, in this same loop, with interrupts off too. Only
        // shoot-downs are answered here, not function calls: a function may
        // shoot down itself, and this CPU's request is still out.
        service_tlb(me);
        cpu::pause();
        u64 now = ktime::monotonic_ns();
        if (now > escalate_at) {
            // A target still silent has interrupts off outside these wait
            // loops (spinning on a lock, say): an NMI reaches it there. An
            // NMI that arrives while the target is still in the handler of
            // an earlier one can be absorbed, so silent targets get another
            // every interval.
            escalate_at = now + kEscalateToNmiNs;
            for (u64 rest = silent; rest; rest &= rest - 1)
                send(static_cast<u32>(__builtin_ctzll(rest)), true);
        }
        check_timeout(started, "TLB shoot-down", silent);
    }
    if (were_enabled)
        cpu::sti();
}

bool call_on_cpu(u32 cpu, Function function, void* argument)
{
    if (!is_online(cpu))
        return false;
    bool were_enabled = cpu::interrupts_enabled();
    cpu::cli();
    u32 me = this_cpu_id();
    if (cpu == me) {
        function(argument);
    } else {
        VERIFY(this_cpu().spinlocks_held == 0);
        post_call(me, cpu, function, argument);
        wait_call(me, cpu);
    }
    if (were_enabled)
        cpu::sti();
    return true;
}

void call_on_each_cpu(Function function, void* argument)
{
    bool were_enabled = cpu::interrupts_enabled();
    cpu::cli();
    u32 me = this_cpu_id();
    VERIFY(this_cpu().spinlocks_held == 0);
    u64 others = online_mask() & ~bit(me);
    for (u64 rest = others; rest; rest &= rest - 1)
        post_call(me, static_cast<u32>(__builtin_ctzll(rest)), function, argument);
    function(argument);
    for (u64 rest = others; rest; rest &= rest - 1)
        wait_call(me, static_cast<u32>(__builtin_ctzll(rest)));
    if (were_enabled)
        cpu::sti();
}

IpiCounts ipi_counts(u32 cpu)
{
    if (cpu >= kMaxCpus)
        return {};
    auto const& r = s_requests[cpu];
    return { r.reschedule_ipis.load(std::memory_order_relaxed), r.tlb_ipis.load(std::memory_order_relaxed),
        r.call_ipis.load(std::memory_order_relaxed), r.nmis_sent.load(std::memory_order_relaxed) };
}

TscOffset tsc_offset(u32 cpu) { return cpu < kMaxCpus ? s_requests[cpu].tsc : TscOffset {}; }

}

void smp_send_reschedule(u32 cpu)
{
    auto& me = this_cpu();
    if (cpu == me.id) {
        me.need_resched = true;
        return;
    }
    if (!smp::is_online(cpu))
        return;
    apic::send_ipi(percpu::cpu(cpu)->apic_id, smp::kVectorReschedule);
}

void smp_stop_other_cpus()
{
    using namespace smp;
    bool already = s_stopping.exchange(true, std::memory_order_acq_rel);
    u64 others = online_mask() & ~bit(this_cpu_id());
    if (!already && others) {
        for (u64 rest = others; rest; rest &= rest - 1)
            apic::send_nmi(percpu::cpu(static_cast<u32>(__builtin_ctzll(rest)))->apic_id);
        // Bounded: a CPU that does not stop must not keep the report from ending.
        u32 wanted = static_cast<u32>(__builtin_popcountll(others));
        for (u64 spins = 0; spins < 100'000'000 && s_stopped.load(std::memory_order_acquire) < wanted; ++spins)
            cpu::pause();
        // First: a CPU may have been stopped inside the log, lock held.
        log_set_panic_mode();
        kprintf("SMP: stopped %u of %u other CPU%s\n", s_stopped.load(std::memory_order_acquire), wanted,
            wanted == 1 ? "" : "s");
    }
    log_set_panic_mode();
}
